/*
 * lint_cmd.c: "smtpscope lint", the offline diagnosis of an EHLO reply or a
 * whole conversation read from a file or standard input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "proto/lint.h"
#include "proto/source.h"

#define LINT_CHUNK (1024 * 1024) /* bytes read at a time */

/* A lint run: the report, and the source that feeds it. */
struct lint_run {
	struct cli_report report;
	struct proto_source *source;
};

static const char *const usage_text =
    "usage: smtpscope lint [--json] [--summary] [--format auto|raw|swaks|transcript|jsonl]\n"
    "                      [--color auto|always|never] [--show-secrets] [FILE|-]\n"
    "\n"
    "Reads an EHLO reply as pasted, a swaks transcript or a smtpscope transcript\n"
    "(text, or JSON Lines from check --transcript-json; from FILE, or standard\n"
    "input when FILE is - or absent) and shows each line's role in the RFC 5321\n"
    "grammar, the findings and what each SMTP client does with it. A transcript cut\n"
    "short is read up to its last complete line, with a note.\n"
    "\n"
    "  --json            one JSON object on standard output (docs/formats.md)\n"
    "  --summary         findings and client matrix only, without the line listing\n"
    "  --format FORMAT   input format; auto detects it from the first 64 KiB\n"
    "  --color WHEN      colour the roles; auto: on a terminal, unless NO_COLOR is set\n"
    "  --show-secrets    show the AUTH exchange; it is redacted by default\n"
    "\n"
    "Exit status: 0 no error-level finding, 1 error-level findings, 64 usage error,\n"
    "66 input unreadable, 71 out of memory, 74 output could not be written.\n";

static void lint_head(struct cli_report *report)
{
	struct lint_run *run = report->owner;
	struct cli_out *out = &report->out;
	const char *format = proto_format_name(proto_source_format(run->source));

	if (report->json) {
		cli_json_key_bytes(&report->jw, "input", report->name, strlen(report->name));
		cli_json_key_str(&report->jw, "format", format);
		return;
	}
	cli_out_str(out, "smtpscope lint: ");
	cli_out_term(out, report->name, strlen(report->name));
	cli_out_str(out, " (");
	cli_out_str(out, format);
	cli_out_str(out, report->summary ? " format)\n" : " format)\n\n");
}

struct lint_args {
	bool json;
	bool summary;
	const char *color;
	enum proto_format format;
	const char *file;
	bool show_secrets;
};

static int parse_args(int argc, char **argv, struct lint_args *args)
{
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			args->json = true;
		} else if (strcmp(argv[i], "--summary") == 0) {
			args->summary = true;
		} else if (strcmp(argv[i], "--show-secrets") == 0) {
			args->show_secrets = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		} else if ((v = cli_opt_value(argc, argv, &i, "--format")) != NULL) {
			if (proto_format_parse(v, &args->format) != 0)
				return cli_usage_error(
				    "smtpscope lint",
				    "unknown format (auto, raw, swaks, transcript, jsonl)", v);
		} else if ((v = cli_opt_value(argc, argv, &i, "--color")) != NULL) {
			args->color = v;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("smtpscope lint", "unknown option", argv[i]);
		} else if (args->file != NULL) {
			return cli_usage_error("smtpscope lint", "more than one input", argv[i]);
		} else {
			args->file = argv[i];
		}
	}
	return 0;
}

/* Reads the input into the source; returns an exit code or 0. */
static int read_input(struct lint_run *run, int fd)
{
	char *buf = malloc(LINT_CHUNK);
	ssize_t n;

	if (buf == NULL)
		return CLI_EXIT_OSERR;
	for (;;) {
		n = read(fd, buf, LINT_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (proto_source_feed(run->source, buf, (size_t)n) != 0) {
			free(buf);
			return CLI_EXIT_OSERR;
		}
	}
	free(buf);
	if (n < 0) {
		fprintf(stderr, "smtpscope lint: cannot read %s: %s\n", run->report.name,
		        strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	return proto_source_end(run->source) == 0 ? 0 : CLI_EXIT_OSERR;
}

static int open_input(const char *file, const char **name)
{
	int fd;

	if (file == NULL || strcmp(file, "-") == 0) {
		*name = "<stdin>";
		return STDIN_FILENO;
	}
	*name = file;
	fd = open(file, O_RDONLY);
	if (fd < 0)
		fprintf(stderr, "smtpscope lint: cannot open %s: %s\n", file, strerror(errno));
	return fd;
}

static int finish(struct lint_run *run, int rc)
{
	struct cli_report *report = &run->report;

	if (rc == 0) {
		if (report->nlines == 0 && !report->json)
			cli_out_str(&report->out, "smtpscope lint: the input holds no lines.\n");
		cli_report_end(report);
		rc = cli_report_errors(report) > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
		if (proto_source_cut(run->source) > 0)
			fprintf(stderr,
			        "smtpscope lint: %s ends in the middle of line %u; read up to the "
			        "line before it\n",
			        report->name, proto_source_cut(run->source));
	}
	if (cli_out_flush(&report->out) != 0)
		rc = cli_stdout_failed("smtpscope lint", report->out.errnum);
	if (rc == CLI_EXIT_OSERR)
		fprintf(stderr, "smtpscope lint: out of memory\n");
	return rc;
}

int cli_lint(int argc, char **argv)
{
	static const struct proto_lint_ops listing = {cli_report_line, cli_report_finding};
	static const struct proto_lint_ops summary = {cli_report_count, cli_report_finding};
	struct lint_args args = {false, false, "auto", PROTO_FORMAT_AUTO, NULL, false};
	struct lint_run *run;
	bool color;
	int fd, rc;

	rc = parse_args(argc, argv, &args);
	if (rc != 0)
		return rc < 0 ? cli_stdout_flush("smtpscope lint") : rc;
	if (cli_color_parse(args.color, STDOUT_FILENO, &color) != 0)
		return cli_usage_error("smtpscope lint", "--color takes auto, always or never",
		                       args.color);
	run = calloc(1, sizeof *run);
	if (run == NULL)
		return CLI_EXIT_OSERR;
	cli_out_init(&run->report.out, STDOUT_FILENO, color && !args.json);
	run->report.json = args.json;
	run->report.summary = args.summary;
	run->report.owner = run;
	run->report.head = lint_head;
	fd = open_input(args.file, &run->report.name);
	if (fd < 0) {
		free(run);
		return CLI_EXIT_NOINPUT;
	}
	run->source =
	    proto_source_new(args.format, args.summary ? &summary : &listing, &run->report);
	if (run->source != NULL) {
		proto_source_show_secrets(run->source, args.show_secrets);
		/* The report shows no times: the stamps are skipped, not read. */
		proto_source_read_times(run->source, false);
		run->report.lint = proto_source_lint(run->source);
	}
	rc = run->source != NULL ? read_input(run, fd) : CLI_EXIT_OSERR;
	rc = finish(run, rc);
	if (fd != STDIN_FILENO)
		close(fd);
	proto_source_free(run->source);
	cli_report_free(&run->report);
	free(run);
	return rc;
}
