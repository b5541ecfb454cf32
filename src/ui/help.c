/*
 * help.c: the help overlay, every key of the inspector in a box over
 * the screen, from the keymap (keymap.c). It scrolls when the terminal is
 * too small; any other key closes it.
 */
#include <string.h>

#include "ui_int.h"

#define HELP_WIDTH   76 /* widest box */
#define HELP_KEY_COL 18 /* where the descriptions start */

static const char help_cmdline[] =
    "On the command line: the emacs or vi keys of libedit (~/.editrc is read). Enter sends; "
    "Esc, ^C or ^G cancel (in vi mode Esc is vi's: use ^C). Tab completes SMTP verbs and the "
    "keywords of the server; Up and Down browse the history, kept in "
    "$XDG_STATE_HOME/smtpscope/history.";

static void help_build(struct ui *ui, struct ui_doc *doc, int width)
{
	char keys[96];
	bool first = true;
	size_t i;

	ui_doc_reset(doc, width, ui->utf8);
	for (i = 0; i < ui_keymap_count; i++) {
		if (ui_keymap[i].help == NULL)
			continue;
		if (!first) {
			doc->indent = 0;
			ui_doc_newline(doc);
		}
		first = false;
		ui_keymap_keys(&ui_keymap[i], false, keys, sizeof keys);
		ui_doc_put(doc, UI_S_KEY, keys);
		ui_doc_pad(doc, UI_S_NORMAL, HELP_KEY_COL);
		doc->indent = HELP_KEY_COL;
		ui_doc_put(doc, UI_S_NORMAL, ui_keymap[i].help);
	}
	doc->indent = 0;
	ui_doc_newline(doc);
	ui_doc_newline(doc);
	ui_doc_put(doc, UI_S_NORMAL, help_cmdline);
}

void ui_help_draw(struct ui *ui)
{
	ui_overlay_draw(ui, " Keys (any key closes) ", HELP_WIDTH, help_build);
}

void ui_help_key(struct ui *ui, int key, bool keycode)
{
	if (ui_overlay_scroll(ui, key, keycode))
		return;
	ui->mode = UI_MODE_NORMAL;
	ui->help_top = 0;
}
