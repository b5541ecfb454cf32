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
    {"t", "each row: show or hide the time since the line before"},
    {"w", "write the transcript"},
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

/* The box: a frame of '+', '-' and '|' with the title in its top side. */
static void frame(struct ui *ui, const struct ui_area *box)
{
	static const char title[] = " Keys (any key closes) ";
	int r;

	attrset(ui_attr(ui, UI_S_BOLD));
	mvhline(box->y, box->x, '-', box->w);
	mvhline(box->y + box->h - 1, box->x, '-', box->w);
	for (r = 0; r < box->h; r++) {
		mvaddch(box->y + r, box->x, r == 0 || r == box->h - 1 ? '+' : '|');
		mvaddch(box->y + r, box->x + box->w - 1, r == 0 || r == box->h - 1 ? '+' : '|');
	}
	if ((int)sizeof title + 2 < box->w)
		mvaddstr(box->y, box->x + 2, title);
	attrset(A_NORMAL);
}

void ui_help_draw(struct ui *ui)
{
	struct ui_area box, inner;
	size_t rows;

	box.w = COLS < HELP_WIDTH + 4 ? COLS : HELP_WIDTH;
	if (box.w < 24 || LINES < 5)
		return;
	help_build(ui, &ui->doc, box.w - 4);
	rows = ui_doc_rows(&ui->doc);
	box.h = (int)rows + 2 < LINES ? (int)rows + 2 : LINES;
	box.y = (LINES - box.h) / 2;
	box.x = (COLS - box.w) / 2;
	inner.y = box.y + 1;
	inner.x = box.x + 1;
	inner.h = box.h - 2;
	inner.w = box.w - 2;
	if (ui->help_top + (size_t)inner.h > rows)
		ui->help_top = rows > (size_t)inner.h ? rows - (size_t)inner.h : 0;
	attrset(A_NORMAL);
	for (int r = 0; r < inner.h; r++)
		mvhline(inner.y + r, inner.x, ' ', inner.w);
	inner.x++;
	inner.w -= 2;
	ui_doc_draw(ui, &ui->doc, &inner, ui->help_top);
	frame(ui, &box);
}

void ui_help_key(struct ui *ui, int key, bool keycode)
{
	if (keycode && (key == KEY_UP || key == KEY_PPAGE)) {
		ui->help_top -= ui->help_top > 0;
		return;
	}
	if ((keycode && (key == KEY_DOWN || key == KEY_NPAGE)) || (!keycode && key == 'j')) {
		ui->help_top++;
		return;
	}
	if (!keycode && key == 'k') {
		ui->help_top -= ui->help_top > 0;
		return;
	}
	ui->mode = UI_MODE_NORMAL;
	ui->help_top = 0;
}
