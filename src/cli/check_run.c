/*
 * check_run.c: "check": one live session run to its end, and its report:
 * the annotated transcript, the findings, the client matrix and the TLS
 * facts, as text or JSON, with the transcript files beside.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/session.h"
#include "check.h"
#include "live.h"

#define CHECK_DATA_MAX (64 * 1024 * 1024) /* largest --data file */

struct check {
	struct cli_report report;
	struct check_args *args;
	struct live live;
	struct cli_transcript text;
	struct cli_transcript jsonl;
	char *data;
};

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct check *c = ctx;

	cli_transcript_line(&c->text, line);
	cli_transcript_line(&c->jsonl, line);
	cli_report_line(&c->report, line);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct check *c = ctx;

	cli_transcript_finding(&c->jsonl, id, n);
	cli_report_finding(&c->report, id, n);
}

static const struct live_sink check_sink = {on_line, on_finding, NULL};

static void check_head(struct cli_report *report)
{
	struct check *c = report->owner;
	struct cli_out *out = &report->out;
	const char *target = c->args->mx != NULL ? c->args->mx : c->args->target;

	if (report->json) {
		cli_out_str(out, c->args->mx != NULL ? "\"mx\":" : "\"target\":");
		cli_out_json(out, target, strlen(target));
		cli_out_str(out, ",");
		return;
	}
	cli_out_str(out, "smtpscope check: ");
	cli_out_term(out, target, strlen(target));
	cli_out_str(out, c->args->mx != NULL ? " (MX hosts)\n\n" : "\n\n");
}

static void json_field(struct cli_out *out, const char *key, const char *value, bool first)
{
	cli_out_str(out, first ? "\"" : ",\"");
	cli_out_str(out, key);
	cli_out_str(out, "\":");
	cli_out_json(out, value, strlen(value));
}

static void json_cert(struct cli_out *out, const struct tls_cert_facts *f)
{
	json_field(out, "subject", f->subject, true);
	json_field(out, "issuer", f->issuer, false);
	json_field(out, "sans", f->sans, false);
	json_field(out, "not_before", f->not_before, false);
	json_field(out, "not_after", f->not_after, false);
	json_field(out, "key_type", f->key_type, false);
	cli_out_str(out, ",\"key_bits\":");
	cli_out_uint(out, f->key_bits > 0 ? (unsigned long)f->key_bits : 0);
	json_field(out, "sig_alg", f->sig_alg, false);
	json_field(out, "sha256", f->sha256, false);
}

static void json_tls(struct check *c, struct cli_out *out)
{
	const struct tls_facts *f = &c->live.facts;
	size_t i;

	cli_out_str(out, ",\n\"tls\":{\"established\":");
	cli_out_str(out, f->established ? "true" : "false");
	if (f->established) {
		cli_out_str(out, ",");
		json_field(out, "version", f->version, true);
		json_field(out, "cipher", f->cipher, false);
		json_field(out, "group", f->group, false);
	} else {
		cli_out_str(out, ",\"version\":null,\"cipher\":null,\"group\":null");
	}
	cli_out_str(out, f->verified ? ",\"verified\":true" : ",\"verified\":false");
	cli_out_str(out, ",\"verify_error\":");
	if (f->verified || !c->live.tls_tried)
		cli_out_str(out, "null");
	else
		cli_out_json(out, f->verify_error, strlen(f->verify_error));
	cli_out_str(out, ",\"chain\":[");
	for (i = 0; i < f->nchain; i++) {
		cli_out_str(out, i > 0 ? ",{" : "{");
		json_cert(out, &f->chain[i]);
		cli_out_str(out, "}");
	}
	cli_out_str(out, "],\"chain_total\":");
	cli_out_uint(out, f->chain_total);
	cli_out_str(out, "}");
}

static void check_tail(struct cli_report *report)
{
	struct check *c = report->owner;
	struct cli_out *out = &report->out;
	const char *error = proto_session_error(c->live.session);
	bool done = proto_session_state(c->live.session) == PROTO_S_DONE;

	if (report->json) {
		json_tls(c, out);
		cli_out_str(out, ",\n\"address\":");
		cli_out_json(out, c->live.address, strlen(c->live.address));
		cli_out_str(out, ",\n\"outcome\":{\"completed\":");
		cli_out_str(out, done ? "true,\"error\":null}" : "false,\"error\":");
		if (!done) {
			cli_out_json(out, error, strlen(error));
			cli_out_str(out, "}");
		}
		return;
	}
	live_tls_text(out, &c->live);
	cli_out_str(out, "\nOutcome: ");
	cli_out_str(out, done ? "the session completed.\n" : "could not complete: ");
	if (!done) {
		cli_out_term(out, error, strlen(error));
		cli_out_str(out, "\n");
	}
}

/* Reads the --data file, bounded; 0, or an exit code. */
static int load_data(struct check *c)
{
	FILE *fp;
	size_t n;

	if (c->args->data_file == NULL)
		return 0;
	fp = fopen(c->args->data_file, "rb");
	c->data = malloc(CHECK_DATA_MAX);
	if (fp == NULL || c->data == NULL) {
		fprintf(stderr, "smtpscope check: cannot read %s: %s\n", c->args->data_file,
		        strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return CLI_EXIT_NOINPUT;
	}
	n = fread(c->data, 1, CHECK_DATA_MAX, fp);
	fclose(fp);
	c->args->session.data = c->data;
	c->args->session.data_len = n;
	return 0;
}

static int cannot_create(const struct cli_transcript *t, const char *path)
{
	char why[512];

	cli_transcript_why(why, sizeof why, t, path, errno);
	fprintf(stderr, "smtpscope check: %s\n", why);
	return CLI_EXIT_CANTCREAT;
}

/* Whether the two transcripts would be one file: the same name, or the same file. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (a == NULL || b == NULL)
		return false;
	return strcmp(a, b) == 0 || (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	                             sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static int open_outputs(struct check *c)
{
	const char *target = c->args->mx != NULL ? c->args->mx : c->args->target;
	bool color;
	int rc;

	c->text.fd = c->jsonl.fd = -1;
	if (same_file(c->args->transcript, c->args->transcript_json)) {
		return cli_usage_error("smtpscope check",
		                       "--transcript and --transcript-json name the same file",
		                       c->args->transcript_json);
	}
	/* A reader gone from standard output is EPIPE: the transcripts still get their end. */
	signal(SIGPIPE, SIG_IGN);
	if (cli_color_parse(c->args->color, STDOUT_FILENO, &color) != 0) {
		fprintf(stderr, "smtpscope check: --color takes auto, always or never\n");
		return CLI_EXIT_USAGE;
	}
	cli_out_init(&c->report.out, STDOUT_FILENO, color && !c->args->json);
	c->report.json = c->args->json;
	c->report.tls_verify = c->args->tls_verify;
	c->report.name = target;
	c->report.owner = c;
	c->report.head = check_head;
	c->report.tail = check_tail;
	if (c->args->transcript != NULL &&
	    cli_transcript_open(&c->text, c->args->transcript, false, c->args->force, target) != 0)
		return cannot_create(&c->text, c->args->transcript);
	if (c->args->transcript_json != NULL &&
	    cli_transcript_open(&c->jsonl, c->args->transcript_json, true, c->args->force,
	                        target) != 0) {
		rc = cannot_create(&c->jsonl, c->args->transcript_json);
		/* Nothing is left behind: a text file made a moment ago, by us, is removed. */
		if (c->text.fd >= 0) {
			close(c->text.fd);
			c->text.fd = -1;
			if (c->text.created)
				unlink(c->args->transcript);
		}
		return rc;
	}
	return 0;
}

/* The verdict, and what to tell the user on standard error. */
static int verdict(struct check *c, bool completed)
{
	if (cli_out_flush(&c->report.out) != 0)
		return cli_stdout_failed("smtpscope check", c->report.out.errnum);
	if (c->live.signal != 0) {
		fprintf(stderr, "smtpscope check: interrupted by %s\n",
		        cli_signal_name(c->live.signal));
		return CLI_EXIT_SIGNAL + c->live.signal;
	}
	if (!completed) {
		fprintf(stderr, "smtpscope check: could not complete: %s\n",
		        proto_session_error(c->live.session));
		return CLI_EXIT_INCOMPLETE;
	}
	return cli_report_errors(&c->report) > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

/* Closes the transcripts; false when one of them could not be written. */
static bool close_transcripts(struct check *c)
{
	bool ok = cli_transcript_close(&c->text) == 0;

	if (cli_transcript_close(&c->jsonl) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr,
		        "smtpscope check: a transcript file could not be written in full\n");
	return ok;
}

static void cleanup(struct check *c)
{
	live_free(&c->live);
	close_transcripts(c);
	cli_report_free(&c->report);
	free(c->data);
	free(c);
}

int check_run(struct check_args *args)
{
	struct check *c = calloc(1, sizeof *c);
	bool completed = false;
	int rc;

	if (c == NULL)
		return CLI_EXIT_OSERR;
	c->args = args;
	c->live.fd = -1;
	cli_interrupt_install();
	rc = open_outputs(c);
	if (rc == 0)
		rc = load_data(c);
	if (rc == 0 && live_init(&c->live, args, &check_sink, c) != 0)
		rc = CLI_EXIT_OSERR;
	if (rc != 0) {
		cleanup(c);
		return rc;
	}
	c->report.lint = proto_session_lint(c->live.session);
	if (live_open(&c->live)) {
		live_run(&c->live);
		completed = proto_session_state(c->live.session) == PROTO_S_DONE;
	}
	cli_report_end(&c->report);
	rc = verdict(c, completed);
	live_free(&c->live);
	if (!close_transcripts(c) && rc < CLI_EXIT_USAGE)
		rc = CLI_EXIT_IOERR;
	cleanup(c);
	return rc;
}
