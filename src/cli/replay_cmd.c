/*
 * replay_cmd.c: "smtpscope replay FILE": a saved transcript (smtpscope's
 * own, swaks' or a raw paste) opened in the inspector and stepped through
 * line by line, as if it were happening again.
 *
 * The screen opens at once: two readers go through the file. The counter
 * reads it whole in the background, a chunk between two keys, for the total
 * and the exit status. The stepper reads only as far as the user has
 * stepped, a chunk ahead, its lines waiting in a small queue; r shows them
 * a batch between two keys, so the screen answers while it runs.
 *
 * The screen keeps a window of the lines shown. The counter saves the
 * linter's state every so many lines (proto_source_save), with the offset
 * it was saved at; to bring back lines that left the window, a third reader
 * restores the last state before them and reads on from its offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/source.h"
#include "cli.h"
#include "net/net.h"
#include "ui/ui.h"

#define REPLAY_CHUNK (256 * 1024) /* bytes the counter reads between two keys */
#define REPLAY_AHEAD 4096         /* bytes the stepper reads when its queue is empty */
#define REPLAY_RUN   4096         /* lines r shows between two keys */
#define REPLAY_MARKS 256          /* saved states kept: past it, every other one goes */
#define REPLAY_GAP   4096         /* lines between two saved states, at first */
#define REPLAY_SEEK  (64 * 1024)  /* bytes a seek reads at once */

/* The counter's state before the line at index line, which starts at offset. */
struct replay_mark {
	size_t line;
	off_t offset;
	struct proto_state *state;
};

/* The background pass over the whole file. */
struct replay_counter {
	int fd;
	struct proto_source *source;
	size_t lines;
	size_t errors;
	bool done;
	char *buf;    /* REPLAY_CHUNK bytes */
	off_t offset; /* bytes fed so far */
	struct replay_mark mark[REPLAY_MARKS];
	size_t nmarks;
	size_t gap; /* lines between two marks */
};

/* A seek: the lines from index first to end (not included) go into the window. */
struct replay_seeker {
	struct ui_model *model;
	struct proto_source *source;
	size_t line; /* index of the next line the source gives */
	size_t first, index, end;
	size_t text_at; /* the window's text once the line at index was in */
	bool full;      /* past index, the window took half its text more: it stops there */
};

/* The pass as far as the user stepped: its lines wait in ahead until shown. */
struct replay_stepper {
	int fd;
	struct proto_source *source;
	struct ui_model ahead;
	size_t next; /* next line of ahead to show */
	size_t next_finding;
	bool ended;
};

struct replay {
	struct ui_model shown; /* the lines stepped through so far */
	struct replay_counter count;
	struct replay_stepper step;
	struct ui *ui;
	bool running; /* r: showing every line, a batch between two keys */
	const char *path;
};

static void on_count_line(void *ctx, const struct proto_lint_line *line)
{
	struct replay_counter *c = ctx;

	(void)line;
	c->lines++;
}

static void on_count_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct replay_counter *c = ctx;

	(void)n;
	c->errors += proto_finding(id)->severity == PROTO_SEV_ERROR;
}

/* Keeps one mark in two when there is no room left, and doubles the gap. */
static void marks_thin(struct replay_counter *c)
{
	size_t i;

	for (i = 0; i < c->nmarks; i++)
		if (i % 2 == 1)
			proto_state_free(c->mark[i].state);
		else
			c->mark[i / 2] = c->mark[i];
	c->nmarks = (c->nmarks + 1) / 2;
	c->gap *= 2;
}

/* Saves the counter's state before the next feed, every gap lines. */
static void mark(struct replay_counter *c)
{
	struct proto_state *state;

	if (c->nmarks > 0 && c->lines < c->mark[c->nmarks - 1].line + c->gap)
		return;
	if (c->nmarks == REPLAY_MARKS)
		marks_thin(c);
	state = proto_source_save(c->source);
	if (state == NULL)
		return; /* out of memory: the seeks start further back */
	c->mark[c->nmarks++] = (struct replay_mark){c->lines, c->offset, state};
}

/* Counts the next chunk of the file; at its end, the total and the cut. */
static void count_chunk(struct replay *r)
{
	struct replay_counter *c = &r->count;
	ssize_t n;

	mark(c);
	n = read(c->fd, c->buf, REPLAY_CHUNK);
	if (n > 0) {
		proto_source_feed(c->source, c->buf, (size_t)n);
		c->offset += n;
		r->shown.replay_total = c->lines;
		return;
	}
	if (n < 0)
		snprintf(r->shown.message, sizeof r->shown.message,
		         "cannot read %.180s to its end: %s", r->path, strerror(errno));
	proto_source_end(c->source);
	c->done = true;
	r->shown.replay_total = c->lines;
	r->shown.replay_reading = false;
	if (n == 0 && proto_source_cut(c->source) > 0)
		snprintf(r->shown.message, sizeof r->shown.message,
		         "the file ends in the middle of line %u: read up to the line before it",
		         proto_source_cut(c->source));
}

/* A line with the time the transcript recorded, if any: deltas come from it too. */
static void on_step_line(void *ctx, const struct proto_lint_line *line)
{
	struct replay_stepper *s = ctx;
	long long at = proto_source_time_ms(s->source);

	if (ui_model_add_line(&s->ahead, line, "") == 0)
		ui_model_stamp(&s->ahead, at, at);
}

static void on_step_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct replay_stepper *s = ctx;

	ui_model_add_finding(&s->ahead, id, n);
}

/* Moves the findings of the queue not shown yet: their lines are shown already. */
static void flush_findings(struct replay *r)
{
	struct replay_stepper *s = &r->step;

	for (; s->next_finding < s->ahead.nfindings; s->next_finding++)
		ui_model_add_finding(&r->shown, s->ahead.findings[s->next_finding].id,
		                     s->ahead.findings[s->next_finding].n);
}

/* Empties the queue and reads on until it holds a line, or the file ended. */
static void fill(struct replay *r)
{
	struct replay_stepper *s = &r->step;
	char buf[REPLAY_AHEAD];
	ssize_t n;

	flush_findings(r);
	ui_model_free(&s->ahead);
	s->next = s->next_finding = 0;
	while (s->ahead.nlines == 0 && !s->ended) {
		n = read(s->fd, buf, sizeof buf);
		if (n > 0) {
			proto_source_feed(s->source, buf, (size_t)n);
			continue;
		}
		proto_source_end(s->source);
		s->ended = true;
	}
	if (s->ahead.nlines == 0)
		flush_findings(r);
}

static void on_seek_line(void *ctx, const struct proto_lint_line *line)
{
	struct replay_seeker *k = ctx;
	size_t i = k->line++;
	long long at;

	if (i < k->first || i >= k->end || k->full)
		return;
	/*
	 * Past index, at most half the text room more, and never so much that
	 * the model drops lines: a seek always brings in lines beyond index.
	 * (Before index the model drops the oldest itself if it must.)
	 */
	if (i > k->index && (k->model->text_bytes - k->text_at + line->len > UI_TEXT_MAX / 2 ||
	                     k->model->text_bytes + line->len > UI_TEXT_MAX)) {
		k->full = true;
		return;
	}
	at = proto_source_time_ms(k->source);
	if (ui_model_add_line(k->model, line, "") == 0)
		ui_model_stamp(k->model, at, at);
	if (i == k->index)
		k->text_at = k->model->text_bytes;
}

static void on_seek_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct replay_seeker *k = ctx;

	ui_model_attach(k->model, id, n);
}

/* The last mark at or before line index first (the first mark is at 0). */
static const struct replay_mark *mark_before(const struct replay_counter *c, size_t first)
{
	size_t i = c->nmarks;

	while (i > 1 && c->mark[i - 1].line > first)
		i--;
	return &c->mark[i - 1];
}

/* Reads from the mark's offset until the seek has its lines, or the file ends. */
static void seek_read(struct replay *r, struct replay_seeker *k, off_t offset)
{
	char buf[REPLAY_SEEK];
	ssize_t n;

	while (k->line < k->end && !k->full) {
		n = pread(r->count.fd, buf, sizeof buf, offset);
		if (n < 0) {
			snprintf(r->shown.message, sizeof r->shown.message,
			         "cannot read %.180s again: %s", r->path, strerror(errno));
			return;
		}
		if (n == 0) {
			proto_source_end(k->source);
			return;
		}
		proto_source_feed(k->source, buf, (size_t)n);
		offset += n;
	}
}

/* ui_ops.seek: the window again, around the line at index, from the last mark before it. */
static void seek(void *ctx, size_t index, bool back)
{
	static const struct proto_lint_ops seek_ops = {on_seek_line, on_seek_finding};
	struct replay *r = ctx;
	size_t total = ui_model_total(&r->shown), half = UI_SEEK_LINES;
	struct replay_seeker k = {.model = &r->shown};
	const struct replay_mark *m;

	if (total == 0)
		return;
	k.index = index < total ? index : total - 1;
	k.first = back ? (k.index + 1 > half ? k.index + 1 - half : 0)
	               : (k.index > half / 4 ? k.index - half / 4 : 0);
	k.end = total - k.first > half ? k.first + half : total;
	/* r can run ahead of the counter: let it catch up, so a mark is near. */
	while (!r->count.done && r->count.lines < k.first)
		count_chunk(r);
	m = r->count.nmarks > 0 ? mark_before(&r->count, k.first) : NULL;
	if (m == NULL || m->line > k.first) {
		snprintf(r->shown.message, sizeof r->shown.message,
		         "out of memory: line %zu cannot be shown again", k.index + 1);
		return;
	}
	k.line = m->line;
	k.source = proto_source_restore(m->state, &seek_ops, &k);
	if (k.source == NULL) {
		snprintf(r->shown.message, sizeof r->shown.message,
		         "out of memory: the lines before %zu cannot be shown again", k.index + 1);
		return;
	}
	ui_model_window(&r->shown, k.first);
	seek_read(r, &k, m->offset);
	r->shown.after = total - r->shown.dropped - r->shown.nlines;
	/* Findings the seek stopped before are listed: put them on their lines. */
	ui_model_attach_listed(&r->shown);
	proto_source_free(k.source);
}

/* Shows the next line, and the findings up to it; false at the end. */
static bool show_one(struct replay *r)
{
	struct replay_stepper *s = &r->step;
	const struct ui_line *l;
	struct proto_lint_line line;
	unsigned first = 0;

	if (s->next == s->ahead.nlines)
		fill(r);
	if (s->next == s->ahead.nlines)
		return false;
	l = &s->ahead.lines[s->next++];
	ui_line_view(l, &line);
	if (ui_model_add_line(&r->shown, &line, l->time) == 0)
		ui_model_stamp(&r->shown, l->at_ms, l->mono_ms);
	while (s->next_finding < s->ahead.nfindings &&
	       s->ahead.findings[s->next_finding].n <= l->n) {
		ui_model_add_finding(&r->shown, s->ahead.findings[s->next_finding].id,
		                     s->ahead.findings[s->next_finding].n);
		s->next_finding++;
	}
	if (proto_lint_first_ehlo(proto_source_lint(s->source), &first) != NULL && l->n >= first)
		r->shown.lint = proto_source_lint(s->source);
	return true;
}

static void step(void *ctx)
{
	struct replay *r = ctx;

	if (!show_one(r))
		snprintf(r->shown.message, sizeof r->shown.message, "end of the transcript");
}

static void run_all(void *ctx)
{
	struct replay *r = ctx;

	r->running = true;
}

/* r: one batch of lines, between two looks at the keys. */
static void run_batch(struct replay *r)
{
	unsigned i;

	for (i = 0; i < REPLAY_RUN; i++) {
		if (!show_one(r)) {
			r->running = false;
			return;
		}
	}
}

static void send_as_step(void *ctx, const char *command)
{
	(void)command;
	step(ctx);
}

static const struct ui_ops replay_ops = {
    .send = send_as_step,
    .run = run_all,
    .step = step,
    .seek = seek,
};

/* Opens the file twice, for the two readers; 0 or an exit code. */
static int open_readers(struct replay *r)
{
	static const struct proto_lint_ops count_ops = {on_count_line, on_count_finding};
	static const struct proto_lint_ops step_ops = {on_step_line, on_step_finding};

	r->count.fd = open(r->path, O_RDONLY);
	r->step.fd = r->count.fd >= 0 ? open(r->path, O_RDONLY) : -1;
	if (r->step.fd < 0) {
		fprintf(stderr, "smtpscope replay: cannot open %s: %s\n", r->path, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	r->count.buf = malloc(REPLAY_CHUNK);
	r->count.source = proto_source_new(PROTO_FORMAT_AUTO, &count_ops, &r->count);
	r->step.source = proto_source_new(PROTO_FORMAT_AUTO, &step_ops, &r->step);
	if (r->count.buf == NULL || r->count.source == NULL || r->step.source == NULL) {
		fprintf(stderr, "smtpscope replay: out of memory\n");
		return CLI_EXIT_OSERR;
	}
	r->count.gap = REPLAY_GAP;
	r->shown.replay_reading = true;
	r->shown.keep_findings = true;
	return 0;
}

static void close_readers(struct replay *r)
{
	if (r->count.fd >= 0)
		close(r->count.fd);
	if (r->step.fd >= 0)
		close(r->step.fd);
	free(r->count.buf);
	while (r->count.nmarks > 0)
		proto_state_free(r->count.mark[--r->count.nmarks].state);
	proto_source_free(r->count.source);
	proto_source_free(r->step.source);
	ui_model_free(&r->step.ahead);
}

/*
 * Until q, or SIGINT, SIGTERM or SIGHUP (poll returns at once on them).
 * While there is work, keys are looked at between two chunks of it and the
 * screen is drawn at most every 30 ms while r shows lines, every 100 ms
 * while only the count in the status line changes.
 */
static void loop(struct replay *r)
{
	struct pollfd fd = {ui_fd(r->ui), POLLIN, 0};
	long long drawn = -1000, now;
	bool work;
	int every;

	while (!ui_done(r->ui) && !cli_interrupted()) {
		work = !r->count.done || r->running;
		every = r->running ? 30 : 100;
		now = net_now_ms();
		if (!work || now - drawn >= every) {
			ui_draw(r->ui);
			drawn = now;
		}
		if (poll(&fd, 1, work ? 0 : 1000) > 0) {
			ui_input(r->ui);
			drawn = -1000;
		}
		if (!r->count.done)
			count_chunk(r);
		if (r->running)
			run_batch(r);
	}
}

/* The inspector over the file; the exit status. */
static int inspect(struct replay *r)
{
	char err[256];

	r->shown.started_ms = net_now_ms();
	r->ui =
	    ui_new(&r->shown, &replay_ops, r, cli_no_color() ? UI_NO_COLOR : 0, err, sizeof err);
	if (r->ui == NULL) {
		fprintf(stderr, "smtpscope replay: %s\nUse 'smtpscope lint %s' instead.\n", err,
		        r->path);
		return CLI_EXIT_USAGE;
	}
	cli_interrupt_install();
	loop(r);
	ui_free(r->ui);
	if (cli_interrupted() != 0) {
		fprintf(stderr, "smtpscope replay: interrupted by %s\n",
		        cli_signal_name(cli_interrupted()));
		return 128 + cli_interrupted();
	}
	/* The exit status is the whole file's, read to its end if the user quit first. */
	while (!r->count.done)
		count_chunk(r);
	return r->count.errors > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

int cli_replay(int argc, char **argv)
{
	struct replay *r;
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: smtpscope replay FILE\n\nOpens a saved transcript (smtpscope's text "
		      "or JSON Lines, swaks' or a raw\npaste) in the inspector; Space shows the "
		      "next line, r shows them all.\nA transcript cut short is read up to its last "
		      "complete line.\n",
		      argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc == 2 && strcmp(argv[1], "--help") == 0
		           ? cli_stdout_flush("smtpscope replay")
		           : CLI_EXIT_USAGE;
	}
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return CLI_EXIT_OSERR;
	r->path = argv[1];
	r->count.fd = r->step.fd = -1;
	ui_model_init(&r->shown);
	ui_model_init(&r->step.ahead);
	snprintf(r->shown.target, sizeof r->shown.target, "%s", r->path);
	r->shown.replay = true;
	rc = open_readers(r);
	if (rc == 0)
		rc = inspect(r);
	close_readers(r);
	ui_model_free(&r->shown);
	free(r);
	return rc;
}
