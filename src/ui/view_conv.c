/*
 * view_conv.c: the conversation pane. One row per line: time (on wide
 * panes), number, direction mark, the text escaped and coloured by its
 * role, and a marker for the findings on it. Only the visible rows are
 * laid out, so a session of any length scrolls at the same speed. When the
 * owner can seek, a move, a search or a jump past the window's edge asks it
 * for the lines there, so every line of a long replay can be reached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "ui_int.h"

#define CONV_TIME_MIN 100 /* pane width from which the time is shown */
#define CONV_DELTA_W  8   /* columns of the time since the line before, "+12.345s" */

size_t ui_conv_rows(const struct ui *ui)
{
	return ui->filter.kind != UI_FILTER_NONE ? ui->nvis : ui->model->nlines;
}

size_t ui_conv_line(const struct ui *ui, size_t r)
{
	return ui->filter.kind != UI_FILTER_NONE ? ui->vis[r] : r;
}

/* With a filter: the first row that shows line i or a later one (nvis when none does). */
static size_t vis_from(const struct ui *ui, size_t i)
{
	size_t lo = 0, hi = ui->nvis, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ui->vis[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The row of line i, or with a filter hiding it the next row shown (or the last). */
static size_t conv_row_of(const struct ui *ui, size_t i)
{
	size_t r;

	if (ui->filter.kind == UI_FILTER_NONE)
		return i;
	r = vis_from(ui, i);
	return r < ui->nvis ? r : ui->nvis > 0 ? ui->nvis - 1 : 0;
}

const struct ui_line *ui_conv_selected(const struct ui *ui)
{
	const struct ui_pane *pane = &ui->pane[UI_PANE_CONV];

	if (pane->sel >= ui_conv_rows(ui))
		return NULL;
	return &ui->model->lines[ui_conv_line(ui, pane->sel)];
}

void ui_conv_select_row(struct ui *ui, size_t r)
{
	struct ui_pane *pane = &ui->pane[UI_PANE_CONV];
	size_t rows = ui_conv_rows(ui);
	bool was = ui->follow;

	if (r != pane->sel)
		ui->pane[UI_PANE_GRAMMAR].top = 0;
	pane->sel = r;
	ui->follow = rows > 0 && r == rows - 1 && ui->model->after == 0;
	if (was && !ui->follow)
		ui->unseen = ui_model_total(ui->model);
}

void ui_conv_select(struct ui *ui, size_t i)
{
	size_t r = conv_row_of(ui, i);

	if (r < ui_conv_rows(ui) && ui_conv_line(ui, r) != i && i < ui->model->nlines)
		ui_set_note(ui, "Line %u is hidden by the filter: & then Enter shows every line.",
		            ui->model->lines[i].n);
	ui_conv_select_row(ui, r);
}

size_t ui_conv_unseen(const struct ui *ui)
{
	const struct ui_model *m = ui->model;
	size_t total = ui_model_total(m), from;

	if (ui->follow || total <= ui->unseen)
		return 0;
	if (ui->filter.kind == UI_FILTER_NONE || m->after > 0)
		return total - ui->unseen;
	/* With a filter, only the new lines it shows count. */
	from = ui->unseen > m->dropped ? ui->unseen - m->dropped : 0;
	return ui->nvis - vis_from(ui, from);
}

/* Moves the rows by the lines the model dropped since the last call. */
static void conv_dropped(struct ui *ui, struct ui_pane *pane)
{
	size_t gone;

	if (ui->model->dropped < ui->dropped) {
		/* The owner started a new model. */
		pane->sel = pane->top = 0;
		ui->unseen = 0;
		ui_filter_rebuild(ui);
		return;
	}
	gone = ui->model->dropped - ui->dropped;
	if (gone == 0)
		return;
	if (ui->filter.kind != UI_FILTER_NONE)
		gone = ui_filter_drop(ui, gone);
	pane->sel = pane->sel > gone ? pane->sel - gone : 0;
	pane->top = pane->top > gone ? pane->top - gone : 0;
}

/* The owner filled the window again: the selection stays on its line if it is still there. */
static void conv_moved(struct ui *ui, struct ui_pane *pane)
{
	const struct ui_model *m = ui->model;
	size_t at = ui->dropped + pane->sel;

	if (ui->filter.kind != UI_FILTER_NONE)
		at = pane->sel < ui->nvis ? ui->dropped + ui->vis[pane->sel] : SIZE_MAX;
	ui->window = m->window;
	ui->dropped = m->dropped;
	ui_filter_rebuild(ui);
	pane->top = 0;
	if (!ui->follow && at >= m->dropped && at - m->dropped < m->nlines)
		pane->sel = conv_row_of(ui, at - m->dropped);
	else
		ui->follow = true;
}

void ui_conv_sync(struct ui *ui)
{
	struct ui_pane *pane = &ui->pane[UI_PANE_CONV];
	size_t rows;

	if (ui->window != ui->model->window)
		conv_moved(ui, pane);
	else
		conv_dropped(ui, pane);
	ui->dropped = ui->model->dropped;
	ui_filter_sync(ui);
	rows = ui_conv_rows(ui);
	if (ui->follow || pane->sel >= rows)
		pane->sel = rows > 0 ? rows - 1 : 0;
}

size_t ui_conv_load(struct ui *ui, size_t at, bool back)
{
	const struct ui_model *m = ui->model;

	if (at >= ui_model_total(m))
		return SIZE_MAX;
	if (at >= m->dropped && at - m->dropped < m->nlines)
		return at - m->dropped;
	if (ui->ops->seek == NULL)
		return SIZE_MAX;
	ui->ops->seek(ui->ctx, at, back);
	ui_conv_sync(ui);
	return at >= m->dropped && at - m->dropped < m->nlines ? at - m->dropped : SIZE_MAX;
}

size_t ui_conv_at(const struct ui *ui)
{
	const struct ui_pane *pane = &ui->pane[UI_PANE_CONV];

	if (pane->sel < ui_conv_rows(ui))
		return ui->model->dropped + ui_conv_line(ui, pane->sel);
	return ui->model->dropped;
}

bool ui_conv_goto(struct ui *ui, size_t at)
{
	size_t i = ui_conv_load(ui, at, false);

	if (i == SIZE_MAX)
		return false;
	if (ui->follow) /* following stops here: the lines from now on are new */
		ui->unseen = ui_model_total(ui->model);
	ui->follow = false;
	ui_conv_select(ui, i);
	ui->focus = UI_PANE_CONV;
	return true;
}

/* From line at (of all lines), the count-th line in that direction the filter shows. */
static size_t conv_walk(struct ui *ui, size_t at, bool back, size_t count)
{
	size_t total = ui_model_total(ui->model), found = SIZE_MAX, i;

	while (count > 0 && (back ? at > 0 : at + 1 < total)) {
		at = back ? at - 1 : at + 1;
		i = ui_conv_load(ui, at, back);
		if (i == SIZE_MAX)
			break;
		if (ui_filter_keeps(ui, &ui->model->lines[i])) {
			found = at;
			count--;
		}
	}
	return found;
}

/* A move that leaves the window: the owner brings the lines; false when it stays inside. */
static bool conv_move_far(struct ui *ui, enum ui_move how, size_t page)
{
	const struct ui_model *m = ui->model;
	size_t rows = ui_conv_rows(ui), sel = ui->pane[UI_PANE_CONV].sel, steps = page, to;
	size_t from = ui_conv_at(ui);
	bool back = how == UI_MOVE_UP || how == UI_MOVE_PAGE_UP || how == UI_MOVE_HOME;

	if (ui->ops->seek == NULL || (back ? m->dropped == 0 : m->after == 0))
		return false;
	if (how == UI_MOVE_UP || how == UI_MOVE_DOWN)
		steps = 1;
	if (how == UI_MOVE_HOME || how == UI_MOVE_END) {
		to = back ? 0 : ui_model_total(m) - 1;
		if (ui_conv_load(ui, to, !back) == SIZE_MAX ||
		    !ui_filter_keeps(ui, &m->lines[to - m->dropped]))
			to = conv_walk(ui, to, !back, 1);
	} else {
		if (rows > 0 && (back ? sel >= steps : sel + steps < rows))
			return false;
		to = conv_walk(ui, from, back, steps);
	}
	/* Nothing the filter shows out there: back to where the move started. */
	if (to == SIZE_MAX)
		to = from;
	if (ui_conv_load(ui, to, back) != SIZE_MAX)
		ui_conv_select(ui, to - m->dropped);
	return true;
}

static const char *dir_mark(const struct ui_line *line)
{
	switch (line->dir) {
	case PROTO_DIR_SERVER:
		return line->tls ? "<~" : "<-";
	case PROTO_DIR_CLIENT:
		return line->tls ? "~>" : "->";
	case PROTO_DIR_INFO:
		return "==";
	}
	abort();
}

/* The marker of the findings on a line, in the style of the worst. */
static int finding_marker(const struct ui_line *line, char *buf, size_t len)
{
	enum proto_severity worst = PROTO_SEV_INFO, sev;
	unsigned i;

	for (i = 0; i < line->nfindings; i++) {
		sev = proto_finding(line->finding[i])->severity;
		worst = sev > worst ? sev : worst;
	}
	if (line->nfindings == 1)
		snprintf(buf, len, "! %s", proto_finding(line->finding[0])->id);
	else
		snprintf(buf, len, "! %s +%u", proto_finding(line->finding[0])->id,
		         line->nfindings - 1);
	return UI_S_SEV + (int)worst;
}

/* Lays out the text and the findings marker in the room left on the row. */
static void conv_text(struct ui *ui, struct ui_doc *doc, const struct ui_line *line)
{
	char marker[64];
	int mstyle = 0, room, mlen = 0;
	const char *text;
	size_t tlen;

	if (line->nfindings > 0) {
		mstyle = finding_marker(line, marker, sizeof marker);
		mlen = (int)strlen(marker);
	}
	room = doc->width - doc->col;
	text = ui_escape(ui, line->text, line->len);
	tlen = strlen(text);
	if (mlen > 0 && (int)tlen + 2 + mlen > room) {
		/* No room for the ids: the bare mark at the row's end. */
		marker[1] = '\0';
		mlen = 1;
	}
	if (mlen > 0 && (int)tlen > room - mlen - 2)
		tlen = room > mlen + 2 ? (size_t)(room - mlen - 2) : 0;
	ui_doc_clip(doc, UI_S_ROLE + (int)line->role, text, tlen);
	if (mlen > 0) {
		ui_doc_pad(doc, UI_S_NORMAL, doc->col + 2);
		ui_doc_clip(doc, mstyle, marker, (size_t)mlen);
	}
}

void ui_conv_delta(const struct ui_line *prev, const struct ui_line *line, char *buf, size_t len)
{
	long long d;

	buf[0] = '\0';
	if (prev == NULL || prev->mono_ms == 0 || line->mono_ms == 0)
		return;
	d = line->mono_ms - prev->mono_ms;
	d = d < 0 ? 0 : d;
	if (d < 100000)
		snprintf(buf, len, "+%lld.%03llds", d / 1000, d % 1000);
	else if (d < 6000000)
		snprintf(buf, len, "+%lldm%02llds", d / 60000, d / 1000 % 60);
	else if (d < 360000000)
		snprintf(buf, len, "+%lldh%02lldm", d / 3600000, d / 60000 % 60);
	else
		snprintf(buf, len, "+>99h");
}

/* The clock column, and with 't' the time since the line before (prev, or NULL). */
static void conv_times(struct ui_doc *doc, const struct ui_line *prev, const struct ui_line *line,
                       bool clock, bool delta)
{
	char since[16];

	if (clock) {
		ui_doc_clip(doc, UI_S_DIM, line->time, strlen(line->time));
		ui_doc_pad(doc, UI_S_NORMAL, 1 + 13);
	}
	if (delta) {
		ui_conv_delta(prev, line, since, sizeof since);
		if ((int)strlen(since) < CONV_DELTA_W)
			ui_doc_pad(doc, UI_S_NORMAL, doc->col + CONV_DELTA_W - (int)strlen(since));
		ui_doc_clip(doc, UI_S_DIM, since, strlen(since));
		ui_doc_clip(doc, UI_S_NORMAL, " ", 1);
	}
}

static void conv_row(struct ui *ui, struct ui_doc *doc, const struct ui_line *line,
                     const struct ui_line *prev, int nw, bool time, int selected)
{
	char num[32];
	const struct ui_line *last = &ui->model->lines[ui->model->nlines - 1];

	ui_doc_clip(doc, UI_S_BOLD, selected ? ">" : " ", 1);
	/* The column of deltas stands only when the lines carry times. */
	conv_times(doc, prev, line, time, ui->delta && last->mono_ms != 0);
	snprintf(num, sizeof num, "%*u ", nw, line->n);
	ui_doc_clip(doc, UI_S_DIM, num, strlen(num));
	ui_doc_clip(doc, line->tls ? UI_S_TLS : UI_S_DIM, dir_mark(line), 2);
	ui_doc_clip(doc, UI_S_NORMAL, " ", 1);
	conv_text(ui, doc, line);
	ui_doc_mark_row(doc, selected);
}

/*
 * The provisional last row: the bytes of a line still coming, escaped and
 * cut to leave room for "(partial, N bytes, T s)".
 */
static void conv_partial(struct ui *ui, struct ui_doc *doc, int nw, bool clock, bool delta)
{
	const struct ui_model *m = ui->model;
	char tail[96];
	const char *text;
	int room;
	size_t tlen;

	snprintf(tail, sizeof tail, "  (partial, %zu byte%s, %.1f s)", m->partial_bytes,
	         m->partial_bytes == 1 ? "" : "s", (double)m->partial_age_ms / 1000.0);
	ui_doc_pad(doc, UI_S_NORMAL,
	           1 + (clock ? 13 : 0) + (delta ? CONV_DELTA_W + 1 : 0) + nw + 1);
	ui_doc_clip(doc, m->partial_tls ? UI_S_TLS : UI_S_DIM, m->partial_tls ? "<~" : "<-", 2);
	ui_doc_clip(doc, UI_S_NORMAL, " ", 1);
	text = ui_escape(ui, m->partial,
	                 m->partial_len < sizeof m->partial ? m->partial_len : sizeof m->partial);
	tlen = strlen(text);
	room = doc->width - doc->col - (int)strlen(tail) - 1;
	if ((int)tlen > room || m->partial_bytes > m->partial_len) {
		tlen = room > 0 && (int)tlen > room ? (size_t)room : tlen;
		ui_doc_clip(doc, UI_S_DIM, text, tlen);
		ui_doc_clip(doc, UI_S_DIM, ui->utf8 ? "\xe2\x80\xa6" : "~", ui->utf8 ? 3 : 1);
	} else {
		ui_doc_clip(doc, UI_S_DIM, text, tlen);
	}
	ui_doc_clip(doc, UI_S_DIM, tail, strlen(tail));
}

/* While following, the provisional row stays in view below the last line. */
static void conv_partial_scroll(const struct ui *ui, struct ui_pane *pane, size_t h)
{
	size_t n = pane->nrows;

	if (ui->model->partial_bytes > 0 && ui->follow && h > 0 && pane->top + h <= n)
		pane->top = n + 1 - h;
}

/* Keeps the selection in view, and the pane full when it can be. */
static void conv_scroll(struct ui_pane *pane, size_t n, size_t h)
{
	if (pane->sel < pane->top)
		pane->top = pane->sel;
	if (pane->sel >= pane->top + h)
		pane->top = pane->sel - h + 1;
	if (pane->top + h > n)
		pane->top = n > h ? n - h : 0;
}

/* The pane's last row while a filter is on or lines came out of sight, or "". */
static void conv_footer(const struct ui *ui, char *buf, size_t len)
{
	size_t unseen = ui_conv_unseen(ui), hidden = ui->model->nlines - ui_conv_rows(ui);
	int n = 0;

	buf[0] = '\0';
	if (ui->filter.kind != UI_FILTER_NONE)
		n = snprintf(buf, len, " filter %s: %zu line%s hidden (& Enter: all)",
		             ui->filter.name, hidden, hidden == 1 ? "" : "s");
	if (unseen > 0 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s %zu new line%s below (End)",
		         n > 0 ? " |" : "", unseen, unseen == 1 ? "" : "s");
}

static void conv_rows(struct ui *ui, struct ui_pane *pane, int h, bool focused)
{
	const struct ui_model *model = ui->model;
	struct ui_doc *doc = &ui->doc;
	size_t rows = ui_conv_rows(ui), i, li;
	char num[32];
	int r, nw;

	nw = model->nlines > 0 ? snprintf(num, sizeof num, "%u", model->lines[model->nlines - 1].n)
	                       : 1;
	nw = nw < 3 ? 3 : nw;
	for (r = 0; r < h; r++) {
		i = pane->top + (size_t)r;
		if (i >= rows)
			break;
		if (r > 0)
			ui_doc_newline(doc);
		li = ui_conv_line(ui, i);
		conv_row(ui, doc, &model->lines[li], li > 0 ? &model->lines[li - 1] : NULL, nw,
		         pane->area.w >= CONV_TIME_MIN,
		         i != pane->sel ? 0
		         : focused      ? UI_S_SELECTED
		                        : UI_S_SELECTED_DIM);
	}
	if (model->partial_bytes > 0 && r < h) {
		if (r > 0)
			ui_doc_newline(doc);
		conv_partial(ui, doc, nw, pane->area.w >= CONV_TIME_MIN,
		             ui->delta && model->nlines > 0 &&
		                 model->lines[model->nlines - 1].mono_ms != 0);
	}
}

int ui_conv_height(const struct ui *ui)
{
	int h = ui->pane[UI_PANE_CONV].area.h;
	bool footer = ui->filter.kind != UI_FILTER_NONE || ui_conv_unseen(ui) > 0;

	return footer && h >= 2 ? h - 1 : h;
}

static void conv_draw(struct ui *ui, struct ui_pane *pane, bool focused)
{
	struct ui_doc *doc = &ui->doc;
	struct ui_area foot = pane->area;
	int h = ui_conv_height(ui);
	char footer[192];

	conv_footer(ui, footer, sizeof footer);
	pane->nrows = ui_conv_rows(ui);
	conv_scroll(pane, pane->nrows, (size_t)h);
	conv_partial_scroll(ui, pane, (size_t)h);
	ui_doc_reset(doc, pane->area.w, ui->utf8);
	if (pane->nrows == 0 && ui->model->partial_bytes == 0)
		ui_doc_put(doc, UI_S_DIM,
		           ui->model->nlines == 0 ? " No lines yet."
		           : ui->ops->seek != NULL &&
		                   (ui->model->dropped > 0 || ui->model->after > 0)
		               ? " No line in memory matches the filter: Up, Down, Home or End "
		                 "look through the rest."
		               : " No line matches the filter.");
	conv_rows(ui, pane, h, focused);
	foot.h = h;
	ui_doc_draw(ui, doc, &foot, 0);
	if (h == pane->area.h)
		return;
	foot.y += h;
	foot.h = 1;
	ui_doc_reset(doc, pane->area.w, ui->utf8);
	ui_doc_clip(doc, UI_S_STATUS, footer, strlen(footer));
	ui_doc_pad(doc, UI_S_STATUS, pane->area.w);
	ui_doc_draw(ui, doc, &foot, 0);
}

static void conv_move(struct ui *ui, struct ui_pane *pane, enum ui_move how)
{
	size_t n = ui_conv_rows(ui), sel = pane->sel;
	int h = ui_conv_height(ui); /* the rows of lines: the footer takes one when it shows */
	size_t page = h > 1 ? (size_t)h - 1 : 1;

	if (how == UI_MOVE_ENTER || conv_move_far(ui, how, page) || n == 0)
		return;
	sel = ui_move_index(sel, n, page, how);
	ui_conv_select_row(ui, sel);
}

const struct ui_view_ops ui_view_conv = {
    .name = "conversation",
    .draw = conv_draw,
    .navigate = conv_move,
};
