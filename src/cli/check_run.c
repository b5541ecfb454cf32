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
		cli_json_key_bytes(&report->jw, c->args->mx != NULL ? "mx" : "target", target,
		                   strlen(target));
		return;
	}
	cli_out_str(out, "smtpscope check: ");
	cli_out_term(out, target, strlen(target));
	cli_out_str(out, c->args->mx != NULL ? " (MX hosts)\n\n" : "\n\n");
}

/* A member whose value came from the peer (a certificate, the TLS library's words). */
static void json_field(struct cli_json *j, const char *key, const char *value)
{
	cli_json_key_bytes(j, key, value, strlen(value));
}

static void json_cert(struct cli_json *j, const struct tls_cert_facts *f)
{
	cli_json_object(j);
	json_field(j, "subject", f->subject);
	json_field(j, "issuer", f->issuer);
	json_field(j, "sans", f->sans);
	json_field(j, "not_before", f->not_before);
	json_field(j, "not_after", f->not_after);
	json_field(j, "key_type", f->key_type);
	cli_json_key_uint(j, "key_bits", f->key_bits > 0 ? (unsigned long)f->key_bits : 0);
	json_field(j, "sig_alg", f->sig_alg);
	json_field(j, "sha256", f->sha256);
	cli_json_end(j);
}

static void json_tls(struct check *c, struct cli_json *j)
{
	const struct tls_facts *f = &c->live.facts;
	size_t i;

	cli_json_newline(j);
	cli_json_key(j, "tls");
	cli_json_object(j);
	cli_json_key_bool(j, "established", f->established);
	if (f->established) {
		json_field(j, "version", f->version);
		json_field(j, "cipher", f->cipher);
		json_field(j, "group", f->group);
	} else {
		cli_json_key_null(j, "version");
		cli_json_key_null(j, "cipher");
		cli_json_key_null(j, "group");
	}
	cli_json_key_bool(j, "verified", f->verified);
	if (f->verified || !c->live.tls_tried)
		cli_json_key_null(j, "verify_error");
	else
		json_field(j, "verify_error", f->verify_error);
	cli_json_key(j, "chain");
	cli_json_array(j);
	for (i = 0; i < f->nchain; i++)
		json_cert(j, &f->chain[i]);
	cli_json_end(j);
	cli_json_key_uint(j, "chain_total", f->chain_total);
	cli_json_end(j);
}

/* The TLS facts, the address and how the session ended. */
static void json_tail(struct check *c, struct cli_json *j, bool done, const char *error)
{
	json_tls(c, j);
	cli_json_newline(j);
	json_field(j, "address", c->live.address);
	cli_json_newline(j);
	cli_json_key(j, "outcome");
	cli_json_object(j);
	cli_json_key_bool(j, "completed", done);
	if (done)
		cli_json_key_null(j, "error");
	else
		json_field(j, "error", error);
	cli_json_end(j);
}

static void check_tail(struct cli_report *report)
{
	struct check *c = report->owner;
	struct cli_out *out = &report->out;
	const char *error = proto_session_error(c->live.session);
	bool done = proto_session_state(c->live.session) == PROTO_S_DONE;

	if (report->json) {
		json_tail(c, &report->jw, done, error);
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
