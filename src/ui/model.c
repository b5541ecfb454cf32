/*
 * model.c: what the screen shows, filled by the owner. Lines are copied as
 * they come into a window; past UI_LINES_MAX lines or UI_TEXT_MAX bytes of
 * text the older half is dropped and counted, and the findings on it go
 * too (unless the owner can bring the lines back), so a session of any
 * length, with lines of any length, keeps bounded memory. A line's text
 * and its EHLO parse share one allocation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "ui_int.h"

#define MODEL_FIRST    256 /* lines allocated first */
#define MODEL_FINDINGS 64  /* findings allocated first */

void ui_model_init(struct ui_model *model)
{
	memset(model, 0, sizeof *model);
	model->banner_ms = model->ehlo_ms = model->tls_ms = -1;
}

static void line_free(struct ui_line *line)
{
	free(line->ehlo != NULL ? (void *)line->ehlo : line->text);
}

void ui_model_free(struct ui_model *model)
{
	unsigned cut = model->findings_cut + 1; /* the UI's groups of the old ones go */
	size_t i;

	for (i = 0; i < model->nlines; i++)
		line_free(&model->lines[i]);
	free(model->lines);
	free(model->findings);
	free(model->tls_text);
	ui_model_init(model);
	model->findings_cut = cut;
}

/* Drops the findings on lines numbered below n. */
static void drop_findings(struct ui_model *model, unsigned n)
{
	size_t i, kept = 0;

	for (i = 0; i < model->nfindings; i++)
		if (model->findings[i].n >= n)
			model->findings[kept++] = model->findings[i];
	model->findings_cut += kept < model->nfindings;
	model->nfindings = kept;
}

/* Drops the oldest count lines, and the findings on them unless they are kept. */
static void drop_lines(struct ui_model *model, size_t count)
{
	size_t i;

	if (count > model->nlines)
		abort();
	for (i = 0; i < count; i++) {
		model->text_bytes -= model->lines[i].len;
		line_free(&model->lines[i]);
	}
	memmove(model->lines, model->lines + count,
	        (model->nlines - count) * sizeof model->lines[0]);
	model->nlines -= count;
	model->dropped += count;
	if (model->nlines > 0 && !model->keep_findings)
		drop_findings(model, model->lines[0].n);
}

/* Makes room for one more line of len bytes; -1 when memory ran out. */
static int line_room(struct ui_model *model, size_t len)
{
	struct ui_line *grown;
	size_t cap;

	/* Half at a time: a memmove of the window per half a window of lines. */
	if (model->nlines == UI_LINES_MAX)
		drop_lines(model, UI_LINES_MAX / 2);
	while (model->nlines > 0 && model->text_bytes + len > UI_TEXT_MAX)
		drop_lines(model, (model->nlines + 1) / 2);
	if (model->nlines < model->cap)
		return 0;
	cap = model->cap == 0 ? MODEL_FIRST : model->cap * 2;
	if (cap > UI_LINES_MAX)
		cap = UI_LINES_MAX;
	grown = realloc(model->lines, cap * sizeof *grown);
	if (grown == NULL)
		return -1;
	model->lines = grown;
	model->cap = cap;
	return 0;
}

/* The block of a line: its EHLO parse, if any, then its text. */
static char *line_block(struct ui_line *out, const struct proto_lint_line *line)
{
	size_t head = line->ehlo != NULL ? sizeof *line->ehlo : 0;
	char *block = malloc(head + line->len + 1);

	if (block == NULL)
		return NULL;
	if (line->ehlo != NULL) {
		out->ehlo = (struct proto_ehlo_line *)(void *)block;
		*out->ehlo = *line->ehlo;
	}
	out->text = block + head;
	memcpy(out->text, line->text, line->len);
	out->text[line->len] = '\0';
	return block;
}

/*
 * Remembers where line n went among all lines, for the findings that follow
 * it; only a new line: those a seek brings back again would crowd it out.
 */
static void recent_add(struct ui_model *model, unsigned n, size_t at)
{
	if (at < model->high)
		return;
	model->high = at + 1;
	model->recent[model->nrecent % UI_RECENT] = (struct ui_recent){n, at};
	model->nrecent++;
}

/* The index among all lines of a recent line numbered n, or SIZE_MAX. */
static size_t recent_find(const struct ui_model *model, unsigned n)
{
	size_t k, have = model->nrecent < UI_RECENT ? model->nrecent : UI_RECENT;
	const struct ui_recent *r;

	for (k = 1; k <= have; k++) {
		r = &model->recent[(model->nrecent - k) % UI_RECENT];
		if (r->n == n)
			return r->at;
	}
	return SIZE_MAX;
}

int ui_model_add_line(struct ui_model *model, const struct proto_lint_line *line, const char *time)
{
	struct ui_line *out;

	model->last_out = model->after > 0;
	if (model->last_out) {
		recent_add(model, line->n, ui_model_total(model));
		model->after++;
		return 0;
	}
	if (line_room(model, line->len) < 0)
		return -1;
	out = &model->lines[model->nlines];
	memset(out, 0, sizeof *out);
	if (line_block(out, line) == NULL)
		return -1;
	model->nlines++;
	recent_add(model, line->n, model->dropped + model->nlines - 1);
	out->n = line->n;
	out->dir = line->dir;
	out->tls = line->tls;
	out->role = line->role;
	out->len = line->len;
	model->text_bytes += line->len;
	out->flags = line->flags;
	out->term = line->term;
	out->has_ehlo = line->ehlo != NULL;
	out->nfindings =
	    line->nfindings < PROTO_LINE_FINDINGS ? line->nfindings : PROTO_LINE_FINDINGS;
	memcpy(out->finding, line->finding, out->nfindings * sizeof out->finding[0]);
	if (time != NULL)
		snprintf(out->time, sizeof out->time, "%s", time);
	return 0;
}

void ui_model_stamp(struct ui_model *model, long long at_ms, long long mono_ms)
{
	struct ui_line *line;
	time_t secs;
	struct tm tm;

	if (model->nlines == 0 || model->last_out)
		return;
	line = &model->lines[model->nlines - 1];
	line->at_ms = at_ms;
	line->mono_ms = mono_ms;
	if (line->time[0] != '\0' || at_ms <= 0)
		return;
	/* Lines come many to a second: localtime_r once a second. */
	secs = (time_t)(at_ms / 1000);
	if (model->clock[0] == '\0' || model->clock_secs != (long long)secs) {
		if (localtime_r(&secs, &tm) == NULL)
			return;
		snprintf(model->clock, sizeof model->clock, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
		         tm.tm_sec);
		model->clock_secs = (long long)secs;
	}
	snprintf(line->time, sizeof line->time, "%.8s.%03d", model->clock, (int)(at_ms % 1000));
}

size_t ui_model_find(const struct ui_model *model, unsigned n)
{
	size_t lo = 0, hi = model->nlines, mid;

	/* Lines come in the order of their numbers. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (model->lines[mid].n < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < model->nlines && model->lines[lo].n == n ? lo : model->nlines;
}

bool ui_model_ehlo_first(const struct ui_model *model, size_t i)
{
	const struct ui_line *prev;

	if (i >= model->nlines || !model->lines[i].has_ehlo)
		return false;
	/* The window's first line: the engine's role tells whether it held line 1's place. */
	if (i == 0)
		return model->dropped == 0 || model->lines[0].role == PROTO_ROLE_GREETING ||
		       model->lines[0].role == PROTO_ROLE_MISORDERED_STARTTLS ||
		       model->lines[0].role == PROTO_ROLE_MISORDERED_KEYWORD;
	prev = &model->lines[i - 1];
	return !prev->has_ehlo || prev->dir != PROTO_DIR_SERVER;
}

/* Lists a finding with its line, when the line is kept and has room; its index, or SIZE_MAX. */
static size_t attach(struct ui_model *model, enum proto_finding_id id, unsigned n)
{
	size_t i = ui_model_find(model, n);
	struct ui_line *line;
	unsigned k;

	if (i == model->nlines)
		return recent_find(model, n);
	line = &model->lines[i];
	for (k = 0; k < line->nfindings; k++)
		if (line->finding[k] == id)
			return model->dropped + i;
	if (line->nfindings < PROTO_LINE_FINDINGS)
		line->finding[line->nfindings++] = id;
	return model->dropped + i;
}

void ui_model_attach(struct ui_model *model, enum proto_finding_id id, unsigned n)
{
	if ((unsigned)id >= PROTO_F_COUNT)
		abort();
	attach(model, id, n);
}

int ui_model_add_finding(struct ui_model *model, enum proto_finding_id id, unsigned n)
{
	struct ui_finding *grown;
	size_t cap;

	if ((unsigned)id >= PROTO_F_COUNT)
		abort();
	model->errors += proto_finding(id)->severity == PROTO_SEV_ERROR;
	if (model->nfindings == UI_FINDINGS_MAX) {
		model->unlisted++;
		attach(model, id, n);
		return 0;
	}
	if (model->nfindings == model->fcap) {
		cap = model->fcap == 0 ? MODEL_FINDINGS : model->fcap * 2;
		grown = realloc(model->findings, cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		model->findings = grown;
		model->fcap = cap;
	}
	model->findings[model->nfindings].id = id;
	model->findings[model->nfindings].n = n;
	model->findings[model->nfindings].at = attach(model, id, n);
	model->nfindings++;
	return 0;
}

size_t ui_model_total(const struct ui_model *model)
{
	return model->dropped + model->nlines + model->after;
}

void ui_model_window(struct ui_model *model, size_t first)
{
	size_t i;

	for (i = 0; i < model->nlines; i++)
		line_free(&model->lines[i]);
	model->nlines = 0;
	model->text_bytes = 0;
	model->dropped = first;
	model->after = 0;
	model->last_out = false;
	model->window++;
}

void ui_model_attach_listed(struct ui_model *model)
{
	struct ui_finding *f;
	struct ui_line *line;
	size_t i, j;
	unsigned k;

	for (i = 0; i < model->nfindings; i++) {
		f = &model->findings[i];
		/* One whose line was out of sight when it came: its line may be here now. */
		if (f->at == SIZE_MAX && (j = ui_model_find(model, f->n)) < model->nlines)
			f->at = model->dropped + j;
		if (f->at < model->dropped || f->at - model->dropped >= model->nlines)
			continue;
		line = &model->lines[f->at - model->dropped];
		for (k = 0; k < line->nfindings && line->finding[k] != f->id; k++)
			;
		if (k == line->nfindings && k < PROTO_LINE_FINDINGS)
			line->finding[line->nfindings++] = f->id;
	}
}

void ui_line_view(const struct ui_line *line, struct proto_lint_line *out)
{
	memset(out, 0, sizeof *out);
	out->n = line->n;
	out->dir = line->dir;
	out->tls = line->tls;
	out->role = line->role;
	out->text = line->text;
	out->len = line->len;
	out->flags = line->flags;
	out->term = line->term;
	out->ehlo = line->ehlo;
	out->nfindings = line->nfindings;
	memcpy(out->finding, line->finding, sizeof out->finding);
}

size_t ui_model_errors(const struct ui_model *model)
{
	return model->errors;
}

void ui_model_set_discarded(struct ui_model *model, const char *bytes, size_t len, size_t total)
{
	if (len > sizeof model->discarded)
		len = sizeof model->discarded;
	if (len > 0)
		memcpy(model->discarded, bytes, len);
	model->discarded_len = len;
	model->discarded_total = total > len ? total : len;
}

int ui_model_set_tls(struct ui_model *model, const char *text, size_t len)
{
	char *copy = NULL;

	if (text != NULL) {
		copy = malloc(len + 1);
		if (copy == NULL)
			return -1;
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	free(model->tls_text);
	model->tls_text = copy;
	model->tls_len = copy != NULL ? len : 0;
	return 0;
}
