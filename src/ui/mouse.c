/*
 * mouse.c: the mouse in the inspector, through curses. The wheel scrolls
 * the pane under the pointer, a click focuses that pane and selects the
 * row clicked. --no-mouse (UI_NO_MOUSE) leaves the mouse to the terminal,
 * for selecting text.
 */
#include "ui_int.h"

#define MOUSE_WHEEL_ROWS 3 /* rows one step of the wheel scrolls */

void ui_mouse_init(struct ui *ui)
{
	if (ui->flags & UI_NO_MOUSE)
		return;
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	/* A press is a click at once: no wait for the release. */
	mouseinterval(0);
}

static bool inside(const struct ui_area *a, int y, int x)
{
	return a->h > 0 && y >= a->y && y < a->y + a->h && x >= a->x && x < a->x + a->w;
}

/* The pane under the pointer (its title row counts), or UI_NPANES. */
static enum ui_pane_id pane_at(const struct ui *ui, int y, int x)
{
	int i;

	for (i = 0; i < UI_NPANES; i++)
		if (inside(&ui->pane[i].area, y, x) || inside(&ui->pane[i].title, y, x))
			return (enum ui_pane_id)i;
	return UI_NPANES;
}

/* Keeps a selection inside rows top .. top + h - 1. */
static size_t clamp_sel(size_t sel, size_t top, size_t h)
{
	if (sel < top)
		return top;
	return sel >= top + h ? top + h - 1 : sel;
}

static void wheel(struct ui *ui, enum ui_pane_id p, int step)
{
	struct ui_pane *pane = &ui->pane[p];
	size_t h = p == UI_PANE_CONV ? (size_t)ui_conv_height(ui) : (size_t)pane->area.h;
	size_t last = pane->nrows > h ? pane->nrows - h : 0, top = pane->top;

	if (h == 0 || pane->nrows == 0)
		return;
	/* At the window's edge a replay brings in the lines beyond: the wheel moves on. */
	if (p == UI_PANE_CONV && ui->ops->seek != NULL &&
	    (step < 0 ? top == 0 && ui->model->dropped > 0 : top == last && ui->model->after > 0)) {
		for (top = 0; top < MOUSE_WHEEL_ROWS; top++)
			ui_view_conv.navigate(ui, pane, step < 0 ? UI_MOVE_UP : UI_MOVE_DOWN);
		return;
	}
	top = step < 0 ? (top > MOUSE_WHEEL_ROWS ? top - MOUSE_WHEEL_ROWS : 0)
	               : (top + MOUSE_WHEEL_ROWS < last ? top + MOUSE_WHEEL_ROWS : last);
	pane->top = top;
	if (p == UI_PANE_CONV)
		ui_conv_select_row(ui, clamp_sel(pane->sel, top, h));
	else if (p == UI_PANE_MATRIX)
		pane->sel = clamp_sel(pane->sel, top, h);
}

static void click(struct ui *ui, enum ui_pane_id p, int y)
{
	struct ui_pane *pane = &ui->pane[p];
	size_t row;

	ui->focus = p;
	if (y < pane->area.y)
		return;
	row = pane->top + (size_t)(y - pane->area.y);
	if (p == UI_PANE_CONV && y - pane->area.y >= ui_conv_height(ui))
		ui_view_conv.navigate(ui, pane, UI_MOVE_END);
	else if (p == UI_PANE_CONV && row < ui_conv_rows(ui))
		ui_conv_select_row(ui, row);
	else if (p == UI_PANE_MATRIX && row < pane->nrows)
		pane->sel = row;
}

void ui_mouse_key(struct ui *ui)
{
	enum ui_pane_id p;
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return;
	p = pane_at(ui, ev.y, ev.x);
	if (p == UI_NPANES)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		wheel(ui, p, -1);
	else if (ev.bstate & BUTTON5_PRESSED)
		wheel(ui, p, 1);
	else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		click(ui, p, ev.y);
}
