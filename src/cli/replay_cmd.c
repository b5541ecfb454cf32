/*
 * replay_cmd.c: "smtpscope replay FILE": a saved transcript (smtpscope's
 * own, swaks' or a raw paste) opened in the inspector and stepped through
 * line by line, as if it were happening again.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "net.h"
#include "ui.h"

struct replay {
	struct ui_model all;   /* every line of the file */
	struct ui_model shown; /* the lines stepped through so far */
	size_t next;           /* next line of all to show */
	size_t next_finding;
	struct proto_source *source;
	struct ui *ui;
	unsigned first_n; /* where the first EHLO reply starts, or 0 */
};

/* A line with the time the transcript recorded, if any: deltas come from it too. */
static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct replay *r = ctx;
	long long at = proto_source_time_ms(r->source);

	if (ui_model_add_line(&r->all, line, "") == 0)
		ui_model_stamp(&r->all, at, at);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct replay *r = ctx;

	ui_model_add_finding(&r->all, id, n);
}

/* Shows the next line, and the findings up to it. */
static void step(void *ctx)
{
	struct replay *r = ctx;
	const struct ui_line *l;
	struct proto_lint_line line;

	if (r->next == r->all.nlines) {
		snprintf(r->shown.message, sizeof r->shown.message, "end of the transcript");
		return;
	}
	l = &r->all.lines[r->next++];
	ui_line_view(l, &line);
	if (ui_model_add_line(&r->shown, &line, l->time) == 0)
		ui_model_stamp(&r->shown, l->at_ms, l->mono_ms);
	while (r->next_finding < r->all.nfindings && r->all.findings[r->next_finding].n <= l->n) {
		ui_model_add_finding(&r->shown, r->all.findings[r->next_finding].id,
		                     r->all.findings[r->next_finding].n);
		r->next_finding++;
	}
	if (r->first_n != 0 && l->n >= r->first_n)
		r->shown.lint = proto_source_lint(r->source);
}

static void run_all(void *ctx)
{
	struct replay *r = ctx;

	while (r->next < r->all.nlines)
		step(r);
}

static void send_as_step(void *ctx, const char *command)
{
	(void)command;
	step(ctx);
}

static const struct ui_ops replay_ops = {send_as_step, NULL, NULL, run_all, NULL,
                                         NULL,         step, NULL, NULL};

/* Reads the whole file into r->all; 0 or an exit code. */
static int load(struct replay *r, const char *path)
{
	static const struct proto_lint_ops ops = {on_line, on_finding};
	char buf[65536];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "smtpscope replay: cannot open %s: %s\n", path, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	r->source = proto_source_new(PROTO_FORMAT_AUTO, &ops, r);
	while (r->source != NULL && (n = read(fd, buf, sizeof buf)) > 0)
		proto_source_feed(r->source, buf, (size_t)n);
	close(fd);
	if (r->source == NULL || n < 0) {
		fprintf(stderr, "smtpscope replay: cannot read %s\n", path);
		return CLI_EXIT_NOINPUT;
	}
	proto_source_end(r->source);
	if (proto_lint_first_ehlo(proto_source_lint(r->source), &r->first_n) == NULL)
		r->first_n = 0;
	return 0;
}

/* Until q, or SIGINT, SIGTERM or SIGHUP (poll returns at once on them). */
static void loop(struct replay *r)
{
	struct pollfd fd = {ui_fd(r->ui), POLLIN, 0};

	while (!ui_done(r->ui) && !cli_interrupted()) {
		ui_draw(r->ui);
		if (poll(&fd, 1, 1000) > 0)
			ui_input(r->ui);
	}
}

int cli_replay(int argc, char **argv)
{
	struct replay *r;
	char err[256];
	const char *no_color = getenv("NO_COLOR");
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
	ui_model_init(&r->all);
	ui_model_init(&r->shown);
	rc = load(r, argv[1]);
	snprintf(r->shown.target, sizeof r->shown.target, "%s", argv[1]);
	r->shown.replay_total = r->all.nlines;
	r->shown.replay = true;
	if (rc == 0 && proto_source_cut(r->source) > 0)
		snprintf(r->shown.message, sizeof r->shown.message,
		         "the file ends in the middle of line %u: read up to the line before it",
		         proto_source_cut(r->source));
	r->shown.started_ms = net_now_ms();
	if (rc == 0) {
		r->ui = ui_new(&r->shown, &replay_ops, r,
		               no_color != NULL && no_color[0] ? UI_NO_COLOR : 0, err, sizeof err);
		if (r->ui == NULL) {
			fprintf(stderr, "smtpscope replay: %s\nUse 'smtpscope lint %s' instead.\n",
			        err, argv[1]);
			rc = CLI_EXIT_USAGE;
		} else {
			cli_interrupt_install();
			loop(r);
			ui_free(r->ui);
			rc = ui_model_errors(&r->all) > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
			if (cli_interrupted() != 0) {
				fprintf(stderr, "smtpscope replay: interrupted by %s\n",
				        cli_signal_name(cli_interrupted()));
				rc = 128 + cli_interrupted();
			}
		}
	}
	proto_source_free(r->source);
	ui_model_free(&r->all);
	ui_model_free(&r->shown);
	free(r);
	return rc;
}
