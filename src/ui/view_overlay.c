/*
 * view_overlay.c: a box over the screen that shows one laid-out text and
 * scrolls it: the help, the raw view, the certificate view and the compare view.
 */
#include <stdio.h>

#include "ui_int.h"

/* The frame: '+', '-' and '|', with the title in its top side. */
static void frame(struct ui *ui, const struct ui_area *box, const char *title)
{
	int r;

	attrset(ui_attr(ui, UI_S_BOLD));
	mvhline(box->y, box->x, '-', box->w);
	mvhline(box->y + box->h - 1, box->x, '-', box->w);
	for (r = 0; r < box->h; r++) {
		mvaddch(box->y + r, box->x, r == 0 || r == box->h - 1 ? '+' : '|');
		mvaddch(box->y + r, box->x + box->w - 1, r == 0 || r == box->h - 1 ? '+' : '|');
	}
	if (ui_text_width(title) + 4 < box->w)
		mvaddstr(box->y, box->x + 2, title);
	attrset(A_NORMAL);
}

/* When the text is taller than the box: the rows shown, in the bottom side of the frame. */
static void frame_rows(struct ui *ui, const struct ui_area *box, size_t top, size_t shown,
                       size_t rows)
{
	char mark[96];
	int n;

	if (shown >= rows)
		return;
	n = snprintf(mark, sizeof mark, " rows %zu-%zu of %zu: Down, PgDn, End scroll ", top + 1,
	             top + shown, rows);
	if (n < 0 || n + 4 >= box->w)
		n = snprintf(mark, sizeof mark, " %zu-%zu/%zu ", top + 1, top + shown, rows);
	if (n < 0 || n + 4 >= box->w)
		return;
	attrset(ui_attr(ui, UI_S_BOLD));
	mvaddstr(box->y + box->h - 1, box->x + box->w - 2 - n, mark);
	attrset(A_NORMAL);
}

void ui_overlay_draw(struct ui *ui, const char *title, int width, ui_overlay_build build)
{
	struct ui_area box, inner;
	size_t rows;

	box.w = COLS < width + 4 ? COLS : width;
	if (box.w < 24 || LINES < 5)
		return;
	build(ui, &ui->doc, box.w - 4);
	rows = ui_doc_rows(&ui->doc);
	box.h = (int)rows + 2 < LINES ? (int)rows + 2 : LINES;
	box.y = (LINES - box.h) / 2;
	box.x = (COLS - box.w) / 2;
	inner = (struct ui_area){box.y + 1, box.x + 1, box.h - 2, box.w - 2};
	if (ui->help_top + (size_t)inner.h > rows)
		ui->help_top = rows > (size_t)inner.h ? rows - (size_t)inner.h : 0;
	ui->overlay_rows = (size_t)inner.h;
	attrset(A_NORMAL);
	for (int r = 0; r < inner.h; r++)
		mvhline(inner.y + r, inner.x, ' ', inner.w);
	inner.x++;
	inner.w -= 2;
	ui_doc_draw(ui, &ui->doc, &inner, ui->help_top);
	frame(ui, &box, title);
	frame_rows(ui, &box, ui->help_top, (size_t)inner.h, rows);
}

bool ui_overlay_scroll(struct ui *ui, int key, bool keycode)
{
	size_t page = ui->overlay_rows > 1 ? ui->overlay_rows - 1 : 1;

	if ((keycode && key == KEY_UP) || (!keycode && key == 'k'))
		ui->help_top -= ui->help_top > 0;
	else if ((keycode && key == KEY_DOWN) || (!keycode && key == 'j'))
		ui->help_top++;
	else if (keycode && key == KEY_PPAGE)
		ui->help_top = ui->help_top > page ? ui->help_top - page : 0;
	else if (keycode && key == KEY_NPAGE)
		ui->help_top += page;
	else if (keycode && key == KEY_HOME)
		ui->help_top = 0;
	else if (keycode && key == KEY_END)
		ui->help_top = (size_t)-1 / 2; /* clamped to the last page when drawn */
	else
		return false;
	return true;
}

void ui_view_key(struct ui *ui, int key, bool keycode)
{
	int own = ui->mode == UI_MODE_RAW ? 'x' : ui->mode == UI_MODE_COMPARE ? 'D' : 'C';

	if (ui_overlay_scroll(ui, key, keycode))
		return;
	if (!keycode && (key == 'q' || key == 27 || key == own)) {
		ui->mode = UI_MODE_NORMAL;
		ui->help_top = 0;
		return;
	}
	ui_set_note(ui, "%c or q closes this view; the arrows and PgUp, PgDn scroll it.", own);
}
