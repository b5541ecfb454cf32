/*
 * view_matrix.c: the findings of the session and the client matrix. Every
 * client profile is applied to the first EHLO reply before TLS, as lint
 * does, to tell what each client does next; the same verdicts make the
 * message shown before STARTTLS is sent in step mode.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/clients.h"
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "ui_int.h"

#define MATRIX_CLIENTS  64 /* client profiles considered */
#define MATRIX_SEV_COL  13 /* column of a finding's severity */
#define MATRIX_FID_COL  22 /* column of a finding's id */
#define MATRIX_WRAP_COL 3  /* where an id too long for its column wraps to */
#define MATRIX_ID_COL   20 /* column of the verdict in the table */
#define MATRIX_NAME_COL 34 /* column of the client's name in the table */

struct verdict {
	const struct proto_client *client;
	enum proto_outcome outcome; /* what it does next (proto_client_judge) */
	int index;                  /* line of the reply where it finds STARTTLS, or -1 */
	unsigned n;                 /* that line's number in the conversation */
};

/* Applies every profile to the first EHLO reply; 0 while there is none. */
static size_t verdicts(const struct ui *ui, struct verdict *out, unsigned *first_n)
{
	const struct proto_lint *lint = ui->model->lint;
	const struct proto_reply *reply;
	size_t i, n = proto_client_count();

	if (lint == NULL || (reply = proto_lint_first_ehlo(lint, first_n)) == NULL)
		return 0;
	*first_n += ui->model->lint_base;
	for (i = 0; i < n && i < MATRIX_CLIENTS; i++) {
		struct proto_client_verdict judged;

		out[i].client = proto_client_at(i);
		proto_client_judge(out[i].client, reply, NULL, &judged);
		out[i].outcome = judged.outcome;
		out[i].index = judged.outcome == PROTO_OUTCOME_STARTTLS ? judged.line : -1;
		out[i].n = out[i].index < 0
		               ? 0
		               : proto_lint_first_ehlo_n(lint, (unsigned)out[i].index) +
		                     ui->model->lint_base;
	}
	return i;
}

static size_t count_blind(const struct verdict *v, size_t n)
{
	size_t i, blind = 0;

	for (i = 0; i < n; i++)
		blind += v[i].outcome != PROTO_OUTCOME_STARTTLS;
	return blind;
}

/* Takes one more finding into its group and its severity's count. */
static void group_take(struct ui *ui, size_t i)
{
	const struct ui_finding *f = &ui->model->findings[i];
	struct ui_group *g;

	if (ui->group_slot[f->id] == 0) {
		ui->group_slot[f->id] = ++ui->ngroups;
		ui->group[ui->ngroups - 1] = (struct ui_group){f->id, 0, i, f->n, f->n};
	}
	g = &ui->group[ui->group_slot[f->id] - 1];
	g->count++;
	g->first = f->n < g->first ? f->n : g->first;
	g->last = f->n > g->last ? f->n : g->last;
	ui->sev[proto_finding(f->id)->severity]++;
}

/*
 * Groups and counts the findings added since the last call. The model only
 * appends findings, except when it drops those of dropped lines: then all
 * are taken again.
 */
void ui_matrix_count(struct ui *ui)
{
	const struct ui_model *m = ui->model;

	if (m->findings_cut != ui->group_cut || m->nfindings < ui->grouped) {
		memset(ui->sev, 0, sizeof ui->sev);
		memset(ui->group_slot, 0, sizeof ui->group_slot);
		ui->ngroups = ui->grouped = 0;
		ui->group_cut = m->findings_cut;
	}
	for (; ui->grouped < m->nfindings; ui->grouped++)
		group_take(ui, ui->grouped);
}

void ui_matrix_title(struct ui *ui, char *buf, size_t len)
{
	size_t e = ui->sev[PROTO_SEV_ERROR], w = ui->sev[PROTO_SEV_WARNING];

	int n = snprintf(buf, len, "Findings: %zu error%s, %zu warning%s, %zu info", e,
	                 e == 1 ? "" : "s", w, w == 1 ? "" : "s", ui->sev[PROTO_SEV_INFO]);

	if (ui->model->unlisted > 0 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (and %zu more, not listed)",
		         ui->model->unlisted);
}

/* Where the next member row of an open group is looked for, row after row. */
struct cursor {
	size_t group, member, i;
};

static int group_cmp(const void *a, const void *b)
{
	const struct ui_group *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return (int)x->id - (int)y->id;
}

/* The findings grouped by id, in the order of their first line; returns how many. */
static size_t groups(struct ui *ui, struct ui_group *g)
{
	ui_matrix_count(ui);
	memcpy(g, ui->group, ui->ngroups * sizeof *g);
	qsort(g, ui->ngroups, sizeof *g, group_cmp);
	return ui->ngroups;
}

/* True when the group takes more than its own row. */
static bool group_open(const struct ui *ui, const struct ui_group *g)
{
	return g->count > 1 && ui->finding_open[g->id];
}

static size_t finding_rows(const struct ui *ui, const struct ui_group *g, size_t ng)
{
	size_t i, rows = 0;

	for (i = 0; i < ng; i++)
		rows += 1 + (group_open(ui, &g[i]) ? g[i].count : 0);
	return rows > 0 ? rows : 1;
}

/* The group of a row of the list; *member is its finding's rank, or SIZE_MAX on the group's row. */
static size_t row_group(const struct ui *ui, const struct ui_group *g, size_t ng, size_t row,
                        size_t *member)
{
	size_t i, span;

	for (i = 0; i < ng; i++) {
		span = 1 + (group_open(ui, &g[i]) ? g[i].count : 0);
		if (row < span) {
			*member = row == 0 ? SIZE_MAX : row - 1;
			return i;
		}
		row -= span;
	}
	*member = SIZE_MAX;
	return ng;
}

/* The model index of member k of group gi, continuing from the cursor when it can. */
static size_t member_index(const struct ui *ui, const struct ui_group *g, size_t gi, size_t k,
                           struct cursor *c)
{
	size_t i = g[gi].first_i, seen = 0;

	if (c->group == gi && c->member + 1 == k) {
		i = c->i + 1;
		seen = k;
	}
	for (; i < ui->model->nfindings; i++)
		if (ui->model->findings[i].id == g[gi].id && seen++ == k)
			break;
	c->group = gi;
	c->member = k;
	c->i = i;
	return i;
}

size_t ui_matrix_rows(struct ui *ui, int width)
{
	struct ui_group g[PROTO_F_COUNT];

	(void)width;
	return finding_rows(ui, g, groups(ui, g)) + (ui->matrix ? 1 + proto_client_count() : 1);
}

/* Appends to a string, cut at its size. */
static void add(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Which clients a list of ids names. */
enum pick {
	PICK_BLIND,     /* they will not send STARTTLS */
	PICK_PLAINTEXT, /* they go on without TLS */
	PICK_ABORT,     /* they reject the reply or stop */
	PICK_STALL,     /* they never see the reply end */
	PICK_SEE,       /* they read the reply and find it (on line `at`, when not 0) */
	PICK_BLINDLY,   /* they send STARTTLS without looking */
	PICK_SEND,      /* they send STARTTLS: they find it, or do not look */
};

static bool picked(const struct verdict *v, enum pick pick, unsigned at)
{
	bool blindly = proto_client_regardless(v->client),
	     send = v->outcome == PROTO_OUTCOME_STARTTLS;

	switch (pick) {
	case PICK_BLIND:
		return !send;
	case PICK_PLAINTEXT:
		return v->outcome == PROTO_OUTCOME_PLAINTEXT;
	case PICK_ABORT:
		return v->outcome == PROTO_OUTCOME_ABORT;
	case PICK_STALL:
		return v->outcome == PROTO_OUTCOME_STALL;
	case PICK_SEE:
		return send && !blindly && v->index >= 0 && (at == 0 || v->n == at);
	case PICK_BLINDLY:
		return send && blindly;
	case PICK_SEND:
		return send;
	}
	return false;
}

/* The ids of the clients picked, joined with commas. */
static void add_ids(char *buf, size_t len, const struct verdict *v, size_t n, enum pick pick,
                    unsigned at)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (!picked(&v[i], pick, at))
			continue;
		add(buf, len, "%s%s", sep, proto_client_id(v[i].client));
		sep = ", ";
	}
}

/* The headline, one column in as the findings are, wrapped under itself. */
static void matrix_head(struct ui_doc *doc, const struct verdict *v, size_t n, unsigned first_n)
{
	size_t blind = count_blind(v, n);
	char buf[128];

	ui_doc_put(doc, UI_S_NORMAL, " ");
	doc->indent = 1;
	if (blind == 0)
		snprintf(buf, sizeof buf, "All %zu clients send STARTTLS", n);
	else
		snprintf(buf, sizeof buf, "%zu of %zu clients will not send STARTTLS", blind, n);
	ui_doc_put(doc, blind == 0 ? UI_S_YES : UI_S_NO, buf);
	snprintf(buf, sizeof buf, " in the EHLO reply that starts at line %u ", first_n);
	ui_doc_put(doc, UI_S_DIM, buf);
	ui_doc_keep(doc, UI_S_DIM, "(c hides)");
	doc->indent = 0;
}

/* A client's cell in the matrix: starttls (line N), that it does not look, or what it does. */
static void verdict_text(const struct verdict *v, char *buf, size_t len)
{
	if (picked(v, PICK_BLINDLY, 0))
		snprintf(buf, len, "%s", PROTO_CLIENT_BLINDLY);
	else if (picked(v, PICK_SEE, 0))
		snprintf(buf, len, "starttls (line %u)", v->n);
	else
		snprintf(buf, len, "%s", proto_outcome_name(v->outcome));
}

/* True when the client's name fits after its verdict. */
static bool name_fits(const struct ui_doc *doc, const struct verdict *v)
{
	char buf[48];
	int col;

	verdict_text(v, buf, sizeof buf);
	col = MATRIX_ID_COL + ui_text_width(buf) + 1;
	col = col > MATRIX_NAME_COL ? col : MATRIX_NAME_COL;
	return col + ui_text_width(proto_client_name(v->client)) <= doc->width;
}

static void matrix_table(struct ui_doc *doc, const struct verdict *v, size_t n)
{
	bool names = true;
	char buf[48];
	size_t i;

	/* The names of the clients, when every one of them fits (but beside a long verdict). */
	for (i = 0; i < n; i++)
		names = names && (proto_client_regardless(v[i].client) || name_fits(doc, &v[i]));
	for (i = 0; i < n; i++) {
		ui_doc_newline(doc);
		ui_doc_put(doc, UI_S_NORMAL, "  ");
		ui_doc_put(doc, UI_S_NORMAL, proto_client_id(v[i].client));
		ui_doc_pad(doc, UI_S_NORMAL, MATRIX_ID_COL);
		verdict_text(&v[i], buf, sizeof buf);
		doc->indent = MATRIX_ID_COL;
		ui_doc_put(doc, picked(&v[i], PICK_SEND, 0) ? UI_S_YES : UI_S_NO, buf);
		doc->indent = 0;
		if (!names || !name_fits(doc, &v[i]))
			continue;
		ui_doc_pad(doc, UI_S_NORMAL, MATRIX_NAME_COL);
		ui_doc_put(doc, UI_S_DIM, proto_client_name(v[i].client));
	}
}

/* Starts a row of the compact matrix, its wrapped rows under its text. */
static void compact_row(struct ui_doc *doc, int style, const char *head)
{
	doc->indent = 0;
	ui_doc_newline(doc);
	ui_doc_put(doc, UI_S_NORMAL, "  ");
	ui_doc_put(doc, style, head);
	doc->indent = doc->col;
}

/* The matrix in a few rows: who does not see STARTTLS, who does and where. */
static void matrix_compact(struct ui_doc *doc, const struct verdict *v, size_t n)
{
	char buf[1024], head[32];
	size_t i, j;

	static const struct {
		enum pick pick;
		const char *head;
	} others[] = {
	    {PICK_PLAINTEXT, "plaintext: "}, {PICK_ABORT, "abort: "}, {PICK_STALL, "stall: "}};

	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		buf[0] = '\0';
		add_ids(buf, sizeof buf, v, n, others[i].pick, 0);
		if (buf[0] == '\0')
			continue;
		compact_row(doc, UI_S_NO, others[i].head);
		ui_doc_put(doc, UI_S_NORMAL, buf);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && !(picked(&v[j], PICK_SEE, v[i].n)); j++)
			;
		if (!picked(&v[i], PICK_SEE, 0) || j < i)
			continue;
		buf[0] = '\0';
		add_ids(buf, sizeof buf, v, n, PICK_SEE, v[i].n);
		snprintf(head, sizeof head, "starttls (line %u): ", v[i].n);
		compact_row(doc, UI_S_YES, head);
		ui_doc_put(doc, UI_S_NORMAL, buf);
	}
	buf[0] = '\0';
	add_ids(buf, sizeof buf, v, n, PICK_BLINDLY, 0);
	if (buf[0] != '\0') {
		compact_row(doc, UI_S_YES, PROTO_CLIENT_BLINDLY ": ");
		ui_doc_put(doc, UI_S_NORMAL, buf);
	}
	doc->indent = 0;
}

static void matrix_build(struct ui *ui, struct ui_doc *doc, bool table)
{
	struct verdict v[MATRIX_CLIENTS];
	unsigned first_n = 0;
	size_t n = verdicts(ui, v, &first_n);

	if (!ui->matrix) {
		ui_doc_put(doc, UI_S_DIM, " The client matrix is hidden: c shows it.");
		return;
	}
	if (n == 0) {
		ui_doc_put(doc, UI_S_DIM, " Clients: no EHLO reply before TLS yet.");
		return;
	}
	matrix_head(doc, v, n, first_n);
	if (table)
		matrix_table(doc, v, n);
	else
		matrix_compact(doc, v, n);
}

/* The id after the severity, kept whole: it wraps, indented, when it does not fit. */
static void finding_id(struct ui_doc *doc, int style, const char *id)
{
	doc->indent =
	    MATRIX_FID_COL + ui_text_width(id) <= doc->width ? MATRIX_FID_COL : MATRIX_WRAP_COL;
	ui_doc_keep(doc, style, id);
}

/* The row of a group: its line, or its count and range; its severity; its id. */
static void group_row(struct ui *ui, struct ui_doc *doc, const struct ui_group *g)
{
	const struct proto_finding_info *info = proto_finding(g->id);
	int style = UI_S_SEV + (int)info->severity;
	char buf[96];

	if (g->count == 1)
		snprintf(buf, sizeof buf, " line %u", g->first);
	else
		snprintf(buf, sizeof buf, " %c", ui->finding_open[g->id] ? '-' : '+');
	ui_doc_put(doc, UI_S_DIM, buf);
	ui_doc_pad(doc, UI_S_NORMAL, MATRIX_SEV_COL);
	ui_doc_put(doc, style, proto_severity_name(info->severity));
	ui_doc_pad(doc, UI_S_NORMAL, MATRIX_FID_COL);
	finding_id(doc, style, info->id);
	if (g->count > 1) {
		snprintf(buf, sizeof buf, " %s%zu, lines %u%s%u", ui->utf8 ? "\xc3\x97" : "x",
		         g->count, g->first, ui->utf8 ? "\xe2\x80\x93" : "-", g->last);
		ui_doc_put(doc, UI_S_NORMAL, buf);
	}
}

/* A row of an open group: the line's number and its text, escaped and cut. */
static void member_row(struct ui *ui, struct ui_doc *doc, const struct ui_finding *f)
{
	size_t i = ui_model_find(ui->model, f->n);
	const struct ui_line *line;
	char buf[32];

	snprintf(buf, sizeof buf, "   line %u", f->n);
	ui_doc_put(doc, UI_S_DIM, buf);
	ui_doc_pad(doc, UI_S_NORMAL, MATRIX_SEV_COL);
	doc->indent = MATRIX_SEV_COL;
	if (i == ui->model->nlines) {
		ui_doc_put(doc, UI_S_DIM,
		           ui->ops->seek != NULL && f->at != SIZE_MAX
		               ? "(not in memory: Enter brings it back)"
		               : "(no longer kept)");
		return;
	}
	line = &ui->model->lines[i];
	ui_doc_peer(doc, UI_S_ROLE + (int)line->role, line->text, line->len, false);
}

/* Gives every cell from row first to the last the extra style bits. */
static void mark_rows(struct ui_doc *doc, size_t first, int bits)
{
	size_t i, end = doc->nrows * (size_t)doc->width;

	for (i = first * (size_t)doc->width; i < end; i++)
		doc->cell[i].style |= (unsigned char)bits;
}

/* Lays out row `row` of the findings list at the end of the doc. */
static void finding_item(struct ui *ui, const struct ui_group *g, size_t ng, size_t row,
                         struct cursor *c)
{
	size_t member, gi = row_group(ui, g, ng, row, &member), i;

	if (gi == ng) {
		ui_doc_put(&ui->doc, UI_S_DIM, " No findings.");
	} else if (member == SIZE_MAX) {
		group_row(ui, &ui->doc, &g[gi]);
	} else {
		i = member_index(ui, g, gi, member, c);
		if (i < ui->model->nfindings)
			member_row(ui, &ui->doc, &ui->model->findings[i]);
	}
	ui->doc.indent = 0;
}

/*
 * Lays out the rows of the findings list from pane->top into ui->doc, up to
 * the pane's height; returns how many fit whole, *used the screen rows taken.
 */
static size_t findings_layout(struct ui *ui, const struct ui_pane *pane, bool focused,
                              const struct ui_group *g, size_t ng, size_t *used)
{
	size_t nf = finding_rows(ui, g, ng), h = (size_t)pane->area.h, row, fit = 0, before;
	struct cursor c = {SIZE_MAX, 0, 0};

	ui_doc_reset(&ui->doc, pane->area.w, ui->utf8);
	for (row = pane->top; row < nf && ui_doc_rows(&ui->doc) < h; row++) {
		if (row > pane->top)
			ui_doc_newline(&ui->doc);
		before = ui->doc.nrows - 1;
		finding_item(ui, g, ng, row, &c);
		if (focused && row == pane->sel)
			mark_rows(&ui->doc, before, UI_S_SELECTED);
		if (ui_doc_rows(&ui->doc) > h)
			break;
		fit++;
	}
	*used = ui_doc_rows(&ui->doc) < h ? ui_doc_rows(&ui->doc) : h;
	return fit;
}

/*
 * Paints the matrix rows from first into area; when more follow than fit,
 * the last row says how many, so the matrix is never cut silently.
 */
static void draw_rest(struct ui *ui, struct ui_area *area, size_t first)
{
	size_t total = ui_doc_rows(&ui->doc), last, more;
	char buf[64];

	if (area->h > 0 && first + (size_t)area->h < total) {
		last = first + (size_t)area->h - 1;
		more = total - last - 1;
		snprintf(buf, sizeof buf, " %s (+%zu more row%s)",
		         ui->utf8 ? "\xe2\x80\xa6" : "...", more, more == 1 ? "" : "s");
		ui_doc_tail(&ui->doc, last, UI_S_DIM, buf);
	}
	ui_doc_draw(ui, &ui->doc, area, first);
}

/* Keeps the selection in sight: scrolls down while it is below the rows shown. */
static size_t findings_scroll(struct ui *ui, struct ui_pane *pane, bool focused,
                              const struct ui_group *g, size_t ng, size_t *used)
{
	size_t nf = finding_rows(ui, g, ng), h = (size_t)pane->area.h, fit, shown;

	if (pane->sel >= pane->nrows)
		pane->sel = pane->nrows - 1;
	if (pane->sel < pane->top)
		pane->top = pane->sel;
	if (pane->sel >= pane->top + h)
		pane->top = pane->sel - h + 1;
	/* A pane grown by a resize shows rows above rather than blank ones below. */
	if (pane->top + h > pane->nrows)
		pane->top = pane->nrows > h ? pane->nrows - h : 0;
	for (;;) {
		fit = findings_layout(ui, pane, focused, g, ng, used);
		shown = fit + (pane->top + fit >= nf ? h - *used : 0);
		if (pane->sel < pane->top + shown || pane->top >= pane->sel)
			return fit;
		pane->top++;
	}
}

static void matrix_draw(struct ui *ui, struct ui_pane *pane, bool focused)
{
	struct ui_group g[PROTO_F_COUNT];
	size_t ng = groups(ui, g), nf = finding_rows(ui, g, ng), h = (size_t)pane->area.h;
	bool table = h >= nf + 1 + proto_client_count();
	struct ui_area rest = pane->area;
	size_t fit, used;
	char title[160];

	ui_matrix_title(ui, title, sizeof title);
	ui_draw_title(ui, &pane->title, title, focused);
	ui_doc_reset(&ui->doc, pane->area.w, ui->utf8);
	matrix_build(ui, &ui->doc, table);
	pane->nrows = nf + ui_doc_rows(&ui->doc);
	fit = findings_scroll(ui, pane, focused, g, ng, &used);
	rest.h = (int)used;
	ui_doc_draw(ui, &ui->doc, &rest, 0);
	rest.y += (int)used;
	rest.h = pane->area.h - (int)used;
	/* The findings used the doc: lay the matrix out again. */
	ui_doc_reset(&ui->doc, pane->area.w, ui->utf8);
	matrix_build(ui, &ui->doc, table);
	draw_rest(ui, &rest, pane->top + fit > nf ? pane->top + fit - nf : 0);
}

/* Enter: a group of several opens or closes; a finding selects its line. */
/* Brings the line of a finding back through the owner and selects it; false when it cannot. */
static bool finding_goto(struct ui *ui, enum proto_finding_id id, unsigned n)
{
	const struct ui_model *m = ui->model;
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (m->findings[i].id == id && m->findings[i].n == n &&
		    m->findings[i].at != SIZE_MAX)
			return ui_conv_goto(ui, m->findings[i].at);
	return false;
}

static void matrix_enter(struct ui *ui, struct ui_pane *pane)
{
	struct ui_group g[PROTO_F_COUNT];
	size_t ng = groups(ui, g), member, gi, i;
	struct cursor c = {SIZE_MAX, 0, 0};
	unsigned n;

	if (pane->sel >= finding_rows(ui, g, ng) ||
	    (gi = row_group(ui, g, ng, pane->sel, &member)) == ng)
		return;
	if (member == SIZE_MAX && g[gi].count > 1) {
		ui->finding_open[g[gi].id] = !ui->finding_open[g[gi].id];
		return;
	}
	n = g[gi].first;
	if (member != SIZE_MAX && (i = member_index(ui, g, gi, member, &c)) < ui->model->nfindings)
		n = ui->model->findings[i].n;
	i = ui_model_find(ui->model, n);
	if (i < ui->model->nlines) {
		ui_conv_select(ui, i);
		ui->focus = UI_PANE_CONV;
	} else if (!finding_goto(ui, g[gi].id, n)) {
		ui_set_note(ui, "Line %u is no longer kept.", n);
	}
}

static void matrix_move(struct ui *ui, struct ui_pane *pane, enum ui_move how)
{
	size_t page = pane->area.h > 1 ? (size_t)pane->area.h - 1 : 1;

	if (how == UI_MOVE_ENTER)
		matrix_enter(ui, pane);
	else
		pane->sel = ui_move_index(pane->sel, pane->nrows, page, how);
}

/* The id on the selected row of the findings list, or PROTO_F_COUNT. */
static enum proto_finding_id selected_id(struct ui *ui)
{
	const struct ui_pane *pane = &ui->pane[UI_PANE_MATRIX];
	struct ui_group g[PROTO_F_COUNT];
	size_t ng = groups(ui, g), member, gi;

	if (pane->sel >= finding_rows(ui, g, ng) ||
	    (gi = row_group(ui, g, ng, pane->sel, &member)) == ng)
		return PROTO_F_COUNT;
	return g[gi].id;
}

void ui_matrix_explain(struct ui *ui)
{
	const struct ui_line *line = ui_conv_selected(ui);
	enum proto_finding_id id = PROTO_F_COUNT;

	if (ui->focus == UI_PANE_MATRIX)
		id = selected_id(ui);
	else if (line != NULL && line->nfindings > 0)
		id = line->finding[0];
	if (id == PROTO_F_COUNT)
		ui_set_note(ui, "No finding here: i explains the finding selected in the findings "
		                "pane, or the first one of the selected line.");
	else
		ui_explain_open(ui, id);
}

const struct ui_view_ops ui_view_matrix = {
    .name = "findings",
    .draw = matrix_draw,
    .navigate = matrix_move,
};

void ui_matrix_pause(struct ui *ui, char *buf, size_t len)
{
	const char *p = ui->model->pending;
	struct verdict v[MATRIX_CLIENTS];
	unsigned first_n = 0;
	size_t n, blind, i, line;

	buf[0] = '\0';
	if (p == NULL || ui->model->replay || strncasecmp(p, "STARTTLS", 8) != 0 ||
	    (p[8] != '\0' && p[8] != ' '))
		return;
	n = verdicts(ui, v, &first_n);
	blind = count_blind(v, n);
	if (n == 0)
		return;
	if (blind == 0) {
		add(buf, len,
		    "Every client sends STARTTLS after the EHLO reply that starts at line %u. ",
		    first_n);
		add(buf, len, "Space sends STARTTLS, s skips it.");
		return;
	}
	for (i = 0; i < n && v[i].index < 0; i++)
		;
	if (blind == n || i == n) {
		add(buf, len, "No client finds STARTTLS in the EHLO reply that starts at line %u",
		    first_n);
		if (blind < n) {
			add(buf, len, " (");
			add_ids(buf, len, v, n, PICK_BLINDLY, 0);
			add(buf, len, " sends it without looking)");
		}
		add(buf, len, ". Send it anyway? (Space sends, s skips)");
		return;
	}
	line = ui_model_find(ui->model, first_n);
	if (v[i].index == 0 && line < ui->model->nlines &&
	    ui->model->lines[line].role == PROTO_ROLE_MISORDERED_STARTTLS)
		add(buf, len,
		    "STARTTLS is on line 1 of the EHLO reply, where the domain belongs: ");
	else
		add(buf, len,
		    "STARTTLS is on line %d of the EHLO reply (line %u): ", v[i].index + 1, v[i].n);
	add_ids(buf, len, v, n, PICK_BLIND, 0);
	add(buf, len, " will not send it; ");
	add_ids(buf, len, v, n, PICK_SEND, 0);
	add(buf, len, " will. Send anyway? (Space sends, s skips)");
}
