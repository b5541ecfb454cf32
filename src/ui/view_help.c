/*
 * view_help.c: the help overlay, every key of the inspector in a box over
 * the screen. It scrolls when the terminal is too small; any other key
 * closes it.
 */
#include <string.h>

#include "ui_int.h"

#define HELP_WIDTH   76 /* widest box */
#define HELP_KEY_COL 18 /* where the descriptions start */

static const struct {
	const char *keys;
	const char *what;
} help_keys[] = {
    {"Space, n", "send the planned command (replay: show the next line)"},
    {"e", "edit the planned command; Enter sends it"},
    {":", "type a free command; Enter sends it"},
    {"s", "skip the planned command"},
    {"r", "run to the end without stopping"},
    {"Up, Down, j, k", "select a line, or scroll the focused pane"},
    {"PgUp, PgDn", "a page up or down"},
    {"Home, End, <, >", "the first or the last line; on the last, new lines are followed"},
    {"Tab, Shift-Tab", "focus the next pane: conversation, grammar, findings"},
    {"Enter", "on a finding: select its line"},
    {"g", "the grammar of RFC 5321 or of RFC 1869"},
    {"c", "show or hide the client matrix"},
    {"w", "write the transcript"},
    {"x", "the selected line's bytes in hex, line ends shown"},
    {"C", "the certificate chain and the TLS facts"},
    {"^L", "redraw the screen"},
    {"?", "this help; any key closes it"},
    {"q", "quit (asks first while the session is open)"},
};

static const char help_cmdline[] =
    "On the command line: the emacs or vi keys of libedit (~/.editrc is read). Enter sends; "
    "Esc, ^C or ^G cancel (in vi mode Esc is vi's: use ^C). Tab completes SMTP verbs and the "
    "keywords of the server; Up and Down browse the history, kept in "
    "$XDG_STATE_HOME/smtpscope/history.";

static void help_build(struct ui *ui, struct ui_doc *doc, int width)
{
	size_t i;

	ui_doc_reset(doc, width, ui->utf8);
	for (i = 0; i < sizeof help_keys / sizeof help_keys[0]; i++) {
		if (i > 0) {
			doc->indent = 0;
			ui_doc_newline(doc);
		}
		ui_doc_put(doc, UI_S_KEY, help_keys[i].keys);
		ui_doc_pad(doc, UI_S_NORMAL, HELP_KEY_COL);
		doc->indent = HELP_KEY_COL;
		ui_doc_put(doc, UI_S_NORMAL, help_keys[i].what);
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
