/*
 * find.c: search ('/', n, N) and filter ('&') of the conversation. Both
 * look at a line as the pane shows it: its text escaped by
 * proto_escape_term, so what matches is what the user reads. The filter
 * keeps the model index of each row it shows in ui->vis, taken line by
 * line as lines come.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "ui_int.h"

/* True when pattern occurs in text, ignoring the case of ASCII letters. */
static bool find_in(const char *text, const char *pattern)
{
	size_t n = strlen(pattern), i;

	for (; *text != '\0'; text++) {
		for (i = 0; i < n && text[i] != '\0'; i++)
			if (tolower((unsigned char)text[i]) != tolower((unsigned char)pattern[i]))
				break;
		if (i == n)
			return true;
	}
	return n == 0;
}

static bool row_matches(struct ui *ui, size_t r)
{
	const struct ui_line *line = &ui->model->lines[ui_conv_line(ui, r)];

	return find_in(ui_escape(ui, line->text, line->len), ui->search);
}

static bool line_kept(const struct ui_filter *f, const struct ui_line *line);

bool ui_filter_keeps(const struct ui *ui, const struct ui_line *line)
{
	return line_kept(&ui->filter, line);
}

/* The search over every line, the window moved by the owner as it goes. */
static void find_far(struct ui *ui, bool back)
{
	size_t total = ui_model_total(ui->model), at = ui_conv_at(ui), k, o, i;
	unsigned window = ui->model->window;
	const struct ui_line *line;

	for (k = 1; k <= total; k++) {
		o = back ? (at + total - k % total) % total : (at + k) % total;
		i = ui_conv_load(ui, o, back);
		if (i == SIZE_MAX)
			break;
		line = &ui->model->lines[i];
		if (!line_kept(&ui->filter, line) ||
		    !find_in(ui_escape(ui, line->text, line->len), ui->search))
			continue;
		ui_conv_goto(ui, o);
		if (back ? o >= at : o <= at)
			ui_set_note(ui, "Search wrapped to the %s: line %u.",
			            back ? "bottom" : "top", line->n);
		return;
	}
	if (ui->model->window != window)
		ui_conv_goto(ui, at);
	ui_set_note(ui, "Not found: %s", ui_escape(ui, ui->search, strlen(ui->search)));
}

void ui_find(struct ui *ui, bool back)
{
	size_t rows = ui_conv_rows(ui), sel = ui->pane[UI_PANE_CONV].sel, k, r;

	if (ui->search[0] == '\0') {
		ui_set_note(ui, "No search yet: '/' asks for a pattern.");
		return;
	}
	if (ui->ops->seek != NULL && (ui->model->dropped > 0 || ui->model->after > 0)) {
		find_far(ui, back);
		return;
	}
	for (k = 1; k <= rows; k++) {
		r = back ? (sel + rows - k % rows) % rows : (sel + k) % rows;
		if (!row_matches(ui, r))
			continue;
		ui_conv_select_row(ui, r);
		ui->focus = UI_PANE_CONV;
		if (back ? r >= sel : r <= sel)
			ui_set_note(ui, "Search wrapped to the %s: line %u.",
			            back ? "bottom" : "top",
			            ui->model->lines[ui_conv_line(ui, r)].n);
		return;
	}
	ui_set_note(ui, "Not found: %s", ui_escape(ui, ui->search, strlen(ui->search)));
}

static bool line_kept(const struct ui_filter *f, const struct ui_line *line)
{
	unsigned i;

	switch (f->kind) {
	case UI_FILTER_NONE:
		return true;
	case UI_FILTER_ROLE:
		return (int)line->role == f->value;
	case UI_FILTER_DIR:
		return (int)line->dir == f->value;
	case UI_FILTER_FINDING:
		for (i = 0; i < line->nfindings; i++)
			if ((int)line->finding[i] == f->value)
				return true;
		return false;
	}
	return true;
}

/* Appends row i; false when memory ran out (the filter is then off). */
static bool vis_push(struct ui *ui, size_t i)
{
	size_t cap = ui->vcap > 0 ? ui->vcap * 2 : 256, *grown;

	if (ui->nvis == ui->vcap) {
		grown = realloc(ui->vis, cap * sizeof *grown);
		if (grown == NULL) {
			ui->filter.kind = UI_FILTER_NONE;
			ui_set_note(ui, "Out of memory: the filter is off.");
			return false;
		}
		ui->vis = grown;
		ui->vcap = cap;
	}
	ui->vis[ui->nvis++] = i;
	return true;
}

static void vis_scan(struct ui *ui)
{
	const struct ui_model *m = ui->model;

	for (; ui->vscanned < m->nlines; ui->vscanned++)
		if (line_kept(&ui->filter, &m->lines[ui->vscanned]) && !vis_push(ui, ui->vscanned))
			return;
	ui->vfindings = m->nfindings;
}

void ui_filter_rebuild(struct ui *ui)
{
	ui->nvis = ui->vscanned = 0;
	if (ui->filter.kind != UI_FILTER_NONE)
		vis_scan(ui);
}

size_t ui_filter_drop(struct ui *ui, size_t gone)
{
	size_t cut = 0, i;

	while (cut < ui->nvis && ui->vis[cut] < gone)
		cut++;
	memmove(ui->vis, ui->vis + cut, (ui->nvis - cut) * sizeof *ui->vis);
	ui->nvis -= cut;
	for (i = 0; i < ui->nvis; i++)
		ui->vis[i] -= gone;
	ui->vscanned = ui->vscanned > gone ? ui->vscanned - gone : 0;
	return cut;
}

/* Builds the rows again, the selection kept on its line (or the next shown). */
static void filter_reselect(struct ui *ui, size_t keep)
{
	ui_filter_rebuild(ui);
	if (ui_conv_rows(ui) == 0)
		return;
	ui->follow = false;
	ui_conv_select(ui, keep);
	ui->pane[UI_PANE_CONV].top = ui->pane[UI_PANE_CONV].sel;
}

void ui_filter_sync(struct ui *ui)
{
	const struct ui_line *sel;

	if (ui->filter.kind == UI_FILTER_NONE)
		return;
	/* A finding may come after its line: look at every line again. */
	if (ui->filter.kind == UI_FILTER_FINDING && ui->vfindings != ui->model->nfindings) {
		sel = ui_conv_selected(ui);
		if (ui->follow || sel == NULL) {
			ui_filter_rebuild(ui);
			return;
		}
		filter_reselect(ui, (size_t)(sel - ui->model->lines));
		return;
	}
	vis_scan(ui);
}

/* Reads what '&' was given; false when it names nothing known. */
static bool filter_parse(const char *text, struct ui_filter *f)
{
	int i;

	f->kind = UI_FILTER_DIR;
	f->value = strcasecmp(text, "server") == 0 || strcmp(text, "<-") == 0   ? PROTO_DIR_SERVER
	           : strcasecmp(text, "client") == 0 || strcmp(text, "->") == 0 ? PROTO_DIR_CLIENT
	                                                                        : -1;
	snprintf(f->name, sizeof f->name, "%s lines",
	         f->value == PROTO_DIR_SERVER ? "server" : "client");
	if (f->value >= 0)
		return true;
	for (i = 0; i < PROTO_ROLE_COUNT; i++)
		if (strcasecmp(text, proto_role_name((enum proto_role)i)) == 0) {
			*f = (struct ui_filter){UI_FILTER_ROLE, i, ""};
			snprintf(f->name, sizeof f->name, "role %s",
			         proto_role_name((enum proto_role)i));
			return true;
		}
	i = (int)proto_finding_by_name(text);
	if (i == PROTO_F_COUNT)
		return false;
	*f = (struct ui_filter){UI_FILTER_FINDING, i, ""};
	snprintf(f->name, sizeof f->name, "finding %s",
	         proto_finding((enum proto_finding_id)i)->id);
	return true;
}

void ui_filter_set(struct ui *ui, const char *text)
{
	const struct ui_line *sel = ui_conv_selected(ui);
	size_t keep = sel != NULL ? (size_t)(sel - ui->model->lines) : 0;
	bool follow = ui->follow;
	struct ui_filter f;

	if (text[0] == '\0') {
		f.kind = UI_FILTER_NONE;
		snprintf(f.name, sizeof f.name, "none");
	} else if (!filter_parse(text, &f)) {
		ui_set_note(ui,
		            "No role, finding or direction is called %s: try server, client, a "
		            "role (misordered-starttls) or a finding id.",
		            ui_escape(ui, text, strlen(text)));
		return;
	}
	ui->filter = f;
	filter_reselect(ui, keep);
	if (follow) {
		ui->follow = true;
		ui_conv_sync(ui);
	}
	if (f.kind == UI_FILTER_NONE)
		ui_set_note(ui, "Filter off: every line is shown.");
	else
		ui_set_note(ui, "Filter on: %s.", f.name);
}
