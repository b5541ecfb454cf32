/*
 * model.c: what the screen shows, filled by the owner. Lines are copied as
 * they come; past UI_LINES_MAX lines or UI_TEXT_MAX bytes of text the
 * oldest are dropped in blocks, counted, and the findings on them go too,
 * so a session of any length, with lines of any length, keeps bounded
 * memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"

#define MODEL_DROP     (UI_LINES_MAX / 16) /* lines dropped at once when full */
#define MODEL_FIRST    256                 /* lines allocated first */
#define MODEL_FINDINGS 64                  /* findings allocated first */

void ui_model_init(struct ui_model *model)
{
	memset(model, 0, sizeof *model);
	model->banner_ms = model->ehlo_ms = model->tls_ms = -1;
}

void ui_model_free(struct ui_model *model)
{
	size_t i;

	for (i = 0; i < model->nlines; i++)
		free(model->lines[i].text);
	free(model->lines);
	free(model->findings);
	free(model->tls_text);
	ui_model_init(model);
}

/* Drops the findings on lines numbered below n. */
static void drop_findings(struct ui_model *model, unsigned n)
{
	size_t i, kept = 0;

	for (i = 0; i < model->nfindings; i++)
		if (model->findings[i].n >= n)
			model->findings[kept++] = model->findings[i];
	model->nfindings = kept;
}

/* Drops the oldest count lines, and the findings on them. */
static void drop_lines(struct ui_model *model, size_t count)
{
	size_t i;

	if (count > model->nlines)
		abort();
	for (i = 0; i < count; i++) {
		model->text_bytes -= model->lines[i].len;
		free(model->lines[i].text);
	}
	memmove(model->lines, model->lines + count,
	        (model->nlines - count) * sizeof model->lines[0]);
	model->nlines -= count;
	model->dropped += count;
	if (model->nlines > 0)
		drop_findings(model, model->lines[0].n);
}

/* Makes room for one more line of len bytes; -1 when memory ran out. */
static int line_room(struct ui_model *model, size_t len)
{
	struct ui_line *grown;
	size_t cap;

	if (model->nlines == UI_LINES_MAX)
		drop_lines(model, MODEL_DROP);
	while (model->nlines > 0 && model->text_bytes + len > UI_TEXT_MAX)
		drop_lines(model, model->nlines < MODEL_DROP ? model->nlines : MODEL_DROP);
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

int ui_model_add_line(struct ui_model *model, const struct proto_lint_line *line, const char *time)
{
	struct ui_line *out;
	char *text;

	if (line_room(model, line->len) < 0)
		return -1;
	text = malloc(line->len + 1);
	if (text == NULL)
		return -1;
	memcpy(text, line->text, line->len);
	text[line->len] = '\0';
	out = &model->lines[model->nlines++];
	memset(out, 0, sizeof *out);
	out->n = line->n;
	out->dir = line->dir;
	out->tls = line->tls;
	out->role = line->role;
	out->text = text;
	out->len = line->len;
	model->text_bytes += line->len;
	out->flags = line->flags;
	out->term = line->term;
	out->has_ehlo = line->ehlo != NULL;
	if (out->has_ehlo)
		out->ehlo = *line->ehlo;
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

	if (model->nlines == 0)
		return;
	line = &model->lines[model->nlines - 1];
	line->at_ms = at_ms;
	line->mono_ms = mono_ms;
	secs = (time_t)(at_ms / 1000);
	if (line->time[0] != '\0' || at_ms <= 0 || localtime_r(&secs, &tm) == NULL)
		return;
	snprintf(line->time, sizeof line->time, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	         tm.tm_sec, (int)(at_ms % 1000));
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
	if (i == 0)
		return true;
	prev = &model->lines[i - 1];
	return !prev->has_ehlo || prev->dir != PROTO_DIR_SERVER;
}

/* Lists a finding with its line, when the line is kept and has room. */
static void attach(struct ui_model *model, enum proto_finding_id id, unsigned n)
{
	size_t i = ui_model_find(model, n);
	struct ui_line *line;
	unsigned k;

	if (i == model->nlines)
		return;
	line = &model->lines[i];
	for (k = 0; k < line->nfindings; k++)
		if (line->finding[k] == id)
			return;
	if (line->nfindings < PROTO_LINE_FINDINGS)
		line->finding[line->nfindings++] = id;
}

int ui_model_add_finding(struct ui_model *model, enum proto_finding_id id, unsigned n)
{
	struct ui_finding *grown;
	size_t cap;

	if ((unsigned)id >= PROTO_F_COUNT)
		abort();
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
	model->nfindings++;
	model->errors += proto_finding(id)->severity == PROTO_SEV_ERROR;
	attach(model, id, n);
	return 0;
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
	out->ehlo = line->has_ehlo ? &line->ehlo : NULL;
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
