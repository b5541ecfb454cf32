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
#include "proto.h"

#define LINT_CHUNK        (1024 * 1024) /* bytes read at a time */
#define LINT_FINDINGS_MAX 1000000       /* findings kept for --json; the rest are counted */
#define LINT_LINES_SHOWN  8             /* line numbers listed per finding id */

struct hit {
	unsigned n;
	enum proto_finding_id id;
};

struct lint_run {
	struct cli_out out;
	bool json;
	bool summary;     /* findings and matrix only, no line listing */
	bool started;     /* the first line was written */
	const char *name; /* input name for messages */
	struct proto_source *source;
	unsigned nlines;
	unsigned count[PROTO_F_COUNT];
	unsigned shown[PROTO_F_COUNT][LINT_LINES_SHOWN];
	unsigned severity[3];
	struct hit *hits; /* every finding, for --json */
	size_t nhits;
	size_t cap;
	size_t dropped; /* findings past LINT_FINDINGS_MAX */
};

static const char *const usage_text =
    "usage: smtpscope lint [--json] [--summary] [--format auto|raw|swaks|transcript]\n"
    "                      [--color auto|always|never] [FILE|-]\n"
    "\n"
    "Reads an EHLO reply as pasted, a swaks transcript or a smtpscope transcript\n"
    "(from FILE, or standard input when FILE is - or absent) and shows each line's\n"
    "role in the RFC 5321 grammar, the findings and which SMTP clients see STARTTLS.\n"
    "\n"
    "  --json            one JSON object on standard output (docs/formats.md)\n"
    "  --summary         findings and client matrix only, without the line listing\n"
    "  --format FORMAT   input format; auto detects it from the first 64 KiB\n"
    "  --color WHEN      colour the roles; auto: on a terminal, unless NO_COLOR is set\n"
    "\n"
    "Exit status: 0 no error-level finding, 1 error-level findings, 64 usage error,\n"
    "66 input unreadable, 71 out of memory, 74 output could not be written.\n";

/* Colours of the roles and severities, as SGR parameters. */
static const char *role_sgr(enum proto_role role)
{
	switch (role) {
	case PROTO_ROLE_GREETING:
		return "1;32";
	case PROTO_ROLE_EHLO_LINE:
		return "36";
	case PROTO_ROLE_MISORDERED_STARTTLS:
		return "1;97;41";
	case PROTO_ROLE_MISORDERED_KEYWORD:
		return "1;35";
	case PROTO_ROLE_MALFORMED:
		return "1;33";
	case PROTO_ROLE_COMMAND:
		return "34";
	case PROTO_ROLE_INFO:
		return "2";
	default:
		return NULL;
	}
}

static const char *severity_sgr(enum proto_severity severity)
{
	return severity == PROTO_SEV_ERROR ? "1;31" : severity == PROTO_SEV_WARNING ? "33" : "36";
}

static const char *line_mark(const struct proto_lint_line *line)
{
	if (line->dir == PROTO_DIR_INFO)
		return "===";
	if (line->dir == PROTO_DIR_CLIENT)
		return line->tls ? " ~>" : " ->";
	return line->tls ? "<~ " : "<- ";
}

/* Pads a column of width that holds len bytes; at least one space. */
static void pad_after(struct cli_out *out, size_t len, size_t width)
{
	cli_out_pad(out, len < width ? width - len : 1);
}

static void human_header(struct lint_run *run)
{
	cli_out_str(&run->out, "smtpscope lint: ");
	cli_out_term(&run->out, run->name, strlen(run->name));
	cli_out_str(&run->out, " (");
	cli_out_str(&run->out, proto_format_name(proto_source_format(run->source)));
	cli_out_str(&run->out, " format)\n\n");
}

static void human_line(struct lint_run *run, const struct proto_lint_line *line)
{
	struct cli_out *out = &run->out;
	const char *role = proto_role_name(line->role);
	unsigned i;

	cli_out_uint_right(out, line->n, 6);
	cli_out_write(out, " ", 1);
	cli_out_write(out, line_mark(line), 3);
	cli_out_write(out, " ", 1);
	cli_out_sgr(out, role_sgr(line->role));
	cli_out_str(out, role);
	cli_out_sgr(out, NULL);
	pad_after(out, strlen(role), 20);
	cli_out_term(out, line->text, line->len);
	for (i = 0; i < line->nfindings; i++) {
		const struct proto_finding_info *info = proto_finding(line->finding[i]);

		cli_out_str(out, "  ");
		cli_out_sgr(out, severity_sgr(info->severity));
		cli_out_str(out, "! ");
		cli_out_str(out, info->id);
		cli_out_sgr(out, NULL);
	}
	cli_out_write(out, "\n", 1);
}

static void json_head(struct lint_run *run)
{
	struct cli_out *out = &run->out;

	cli_out_str(out, "{\"smtpscope\":\"" SMTPSCOPE_VERSION "\",\"input\":");
	cli_out_json(out, run->name, strlen(run->name));
	cli_out_str(out, ",\"format\":\"");
	cli_out_str(out, proto_format_name(proto_source_format(run->source)));
	cli_out_str(out, "\",\n\"lines\":[");
}

static void json_span(struct cli_out *out, const char *key, const char *text,
                      struct proto_span span)
{
	cli_out_str(out, ",\"");
	cli_out_str(out, key);
	cli_out_str(out, "\":");
	cli_out_json(out, text + span.off, span.len);
}

/* The grammar parts of an EHLO reply line. */
static void json_ehlo(struct cli_out *out, const struct proto_lint_line *line)
{
	const struct proto_ehlo_line *e = line->ehlo;
	unsigned i;

	cli_out_str(out, ",\"production\":");
	cli_out_json_text(out, e->production);
	if (e->role == PROTO_ROLE_GREETING) {
		json_span(out, "domain", line->text, e->head);
		return;
	}
	if (e->head.len == 0)
		return;
	json_span(out, "keyword", line->text, e->head);
	if (e->role != PROTO_ROLE_EHLO_LINE || e->nparams == 0)
		return;
	cli_out_str(out, ",\"params\":[");
	for (i = 0; i < e->nparams && i < PROTO_EHLO_PARAMS; i++) {
		if (i > 0)
			cli_out_write(out, ",", 1);
		cli_out_json(out, line->text + e->param[i].off, e->param[i].len);
	}
	cli_out_write(out, "]", 1);
}

static void json_line(struct lint_run *run, const struct proto_lint_line *line)
{
	struct cli_out *out = &run->out;
	unsigned i;

	cli_out_str(out, run->nlines > 1 ? ",\n{\"n\":" : "\n{\"n\":");
	cli_out_uint(out, line->n);
	cli_out_str(out, ",\"dir\":\"");
	cli_out_str(out, proto_dir_name(line->dir));
	cli_out_str(out,
	            line->tls ? "\",\"tls\":true,\"role\":\"" : "\",\"tls\":false,\"role\":\"");
	cli_out_str(out, proto_role_name(line->role));
	cli_out_str(out, "\",\"text\":");
	cli_out_json(out, line->text, line->len);
	if (line->ehlo != NULL)
		json_ehlo(out, line);
	if (line->nfindings > 0) {
		cli_out_str(out, ",\"findings\":[");
		for (i = 0; i < line->nfindings; i++) {
			cli_out_str(out, i > 0 ? ",\"" : "\"");
			cli_out_str(out, proto_finding(line->finding[i])->id);
			cli_out_str(out, "\"");
		}
		cli_out_str(out, "]");
	}
	cli_out_str(out, "}");
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct lint_run *run = ctx;

	run->nlines++;
	if (run->summary && run->started)
		return;
	if (!run->started) {
		run->started = true;
		if (run->json)
			json_head(run);
		else
			human_header(run);
		if (run->summary)
			return;
	}
	if (run->json)
		json_line(run, line);
	else
		human_line(run, line);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct lint_run *run = ctx;
	struct hit *grown;

	if (run->count[id] < LINT_LINES_SHOWN)
		run->shown[id][run->count[id]] = n;
	run->count[id]++;
	run->severity[proto_finding(id)->severity]++;
	if (!run->json)
		return;
	if (run->nhits == LINT_FINDINGS_MAX) {
		run->dropped++;
		return;
	}
	if (run->nhits == run->cap) {
		grown = realloc(run->hits, (run->cap ? run->cap * 2 : 64) * sizeof *grown);
		if (grown == NULL) {
			run->dropped++;
			return;
		}
		run->hits = grown;
		run->cap = run->cap ? run->cap * 2 : 64;
	}
	run->hits[run->nhits].n = n;
	run->hits[run->nhits++].id = id;
}

/* Findings grouped by id, errors first, each explained once. */
static void human_findings(struct lint_run *run)
{
	struct cli_out *out = &run->out;
	int sev;
	unsigned id, i;

	cli_out_str(out, "\nFindings: ");
	cli_out_uint(out, run->severity[PROTO_SEV_ERROR]);
	cli_out_str(out, " error(s), ");
	cli_out_uint(out, run->severity[PROTO_SEV_WARNING]);
	cli_out_str(out, " warning(s), ");
	cli_out_uint(out, run->severity[PROTO_SEV_INFO]);
	cli_out_str(out, " info\n");
	for (sev = PROTO_SEV_ERROR; sev >= PROTO_SEV_INFO; sev--) {
		for (id = 0; id < PROTO_F_COUNT; id++) {
			const struct proto_finding_info *info = proto_finding(id);

			if (run->count[id] == 0 || (int)info->severity != sev)
				continue;
			cli_out_str(out, "\n  ");
			cli_out_sgr(out, severity_sgr(info->severity));
			cli_out_str(out, proto_severity_name(info->severity));
			cli_out_str(out, " ");
			cli_out_str(out, info->id);
			cli_out_sgr(out, NULL);
			cli_out_str(out, run->count[id] > 1 ? "  lines " : "  line ");
			for (i = 0; i < run->count[id] && i < LINT_LINES_SHOWN; i++) {
				cli_out_str(out, i > 0 ? ", " : "");
				cli_out_uint(out, run->shown[id][i]);
			}
			if (run->count[id] > LINT_LINES_SHOWN) {
				cli_out_str(out, " and ");
				cli_out_uint(out, run->count[id] - LINT_LINES_SHOWN);
				cli_out_str(out, " more");
			}
			cli_out_str(out, " (");
			cli_out_str(out, info->rfc);
			cli_out_str(out, ")\n");
			cli_out_wrap(out, info->message, 4, 78, 0);
			cli_out_wrap(out, info->explain, 4, 78, 0);
		}
	}
}

/* One sentence naming the clients that miss STARTTLS. */
static void human_blind(struct cli_out *out, const struct proto_reply *reply)
{
	size_t i, blind = 0, n = proto_client_count();
	char names[1024] = "", line[1200];
	size_t len = 0;

	for (i = 0; i < n; i++) {
		const struct proto_client *c = proto_client_at(i);

		if (proto_client_starttls_line(c, reply) >= 0 || len >= sizeof names)
			continue;
		len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", blind ? ", " : "",
		                        proto_client_id(c));
		blind++;
	}
	if (blind == 0)
		snprintf(line, sizeof line, "Every client profiled here sees STARTTLS.");
	else
		snprintf(line, sizeof line, "%zu of %zu clients do not see STARTTLS: %s.", blind, n,
		         names);
	cli_out_wrap(out, line, 2, 79, 0);
	cli_out_str(out, "\n");
}

static void human_clients(struct lint_run *run)
{
	const struct proto_lint *lint = proto_source_lint(run->source);
	const struct proto_reply *reply;
	struct cli_out *out = &run->out;
	unsigned first;
	size_t i;
	int at;

	reply = proto_lint_first_ehlo(lint, &first);
	if (reply == NULL) {
		cli_out_str(out, "\nClient matrix: no EHLO reply before TLS was found.\n");
		return;
	}
	cli_out_str(out,
	            "\nClient matrix: does each client see STARTTLS in the EHLO reply at line ");
	cli_out_uint(out, first);
	cli_out_str(out, "?\n");
	human_blind(out, reply);
	for (i = 0; i < proto_client_count(); i++) {
		const struct proto_client *c = proto_client_at(i);
		char cell[32];

		at = proto_client_starttls_line(c, reply);
		if (at >= 0)
			snprintf(cell, sizeof cell, "yes (line %u)",
			         proto_lint_first_ehlo_n(lint, (unsigned)at));
		else
			snprintf(cell, sizeof cell, "no");
		cli_out_str(out, "  ");
		cli_out_str(out, proto_client_id(c));
		pad_after(out, strlen(proto_client_id(c)), 18);
		cli_out_sgr(out, at >= 0 ? "32" : "1;31");
		cli_out_str(out, cell);
		cli_out_sgr(out, NULL);
		pad_after(out, strlen(cell), 16);
		cli_out_wrap(out, proto_client_rule(c), 36, 79, 36);
	}
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return (int)x->id - (int)y->id;
}

static void json_findings(struct lint_run *run)
{
	struct cli_out *out = &run->out;
	size_t i;

	if (run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof *run->hits, hit_cmp);
	cli_out_str(out, "],\n\"findings\":[");
	for (i = 0; i < run->nhits; i++) {
		const struct proto_finding_info *info = proto_finding(run->hits[i].id);

		cli_out_str(out, i > 0 ? ",\n{\"id\":\"" : "\n{\"id\":\"");
		cli_out_str(out, info->id);
		cli_out_str(out, "\",\"severity\":\"");
		cli_out_str(out, proto_severity_name(info->severity));
		cli_out_str(out, "\",\"line\":");
		cli_out_uint(out, run->hits[i].n);
		cli_out_str(out, ",\"rfc\":");
		cli_out_json_text(out, info->rfc);
		cli_out_str(out, ",\"message\":");
		cli_out_json_text(out, info->message);
		cli_out_str(out, "}");
	}
	cli_out_str(out, "]");
}

static void json_clients(struct lint_run *run)
{
	const struct proto_lint *lint = proto_source_lint(run->source);
	const struct proto_reply *reply = proto_lint_first_ehlo(lint, NULL);
	struct cli_out *out = &run->out;
	size_t i;
	int at;

	cli_out_str(out, ",\n\"clients\":{");
	for (i = 0; reply != NULL && i < proto_client_count(); i++) {
		const struct proto_client *c = proto_client_at(i);

		at = proto_client_starttls_line(c, reply);
		cli_out_str(out, i > 0 ? ",\n\"" : "\n\"");
		cli_out_str(out, proto_client_id(c));
		cli_out_str(out, at >= 0 ? "\":{\"starttls\":true,\"line\":"
		                         : "\":{\"starttls\":false,\"line\":null");
		if (at >= 0)
			cli_out_uint(out, proto_lint_first_ehlo_n(lint, (unsigned)at));
		cli_out_str(out, ",\"rule\":");
		cli_out_json_text(out, proto_client_rule(c));
		cli_out_str(out, ",\"basis\":");
		cli_out_json_text(out, proto_client_basis(c));
		cli_out_str(out, "}");
	}
	cli_out_str(out, "},\n\"ehlo_line\":");
	if (reply != NULL)
		cli_out_uint(out, proto_lint_first_ehlo_n(lint, 0));
	else
		cli_out_str(out, "null");
}

static void json_tail(struct lint_run *run)
{
	struct cli_out *out = &run->out;

	if (!run->started)
		json_head(run);
	json_findings(run);
	json_clients(run);
	cli_out_str(out, ",\n\"summary\":{\"lines\":");
	cli_out_uint(out, run->nlines);
	cli_out_str(out, ",\"errors\":");
	cli_out_uint(out, run->severity[PROTO_SEV_ERROR]);
	cli_out_str(out, ",\"warnings\":");
	cli_out_uint(out, run->severity[PROTO_SEV_WARNING]);
	cli_out_str(out, ",\"info\":");
	cli_out_uint(out, run->severity[PROTO_SEV_INFO]);
	cli_out_str(out, ",\"findings_dropped\":");
	cli_out_uint(out, run->dropped);
	cli_out_str(out, "}}\n");
}

struct lint_args {
	bool json;
	bool summary;
	const char *color;
	enum proto_format format;
	const char *file;
};

/* Takes "--opt VALUE" or "--opt=VALUE"; returns the value or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "smtpscope lint: %s: %s\nTry 'smtpscope lint --help'.\n", what, arg);
	return CLI_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct lint_args *args)
{
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			args->json = true;
		} else if (strcmp(argv[i], "--summary") == 0) {
			args->summary = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		} else if ((v = opt_value(argc, argv, &i, "--format")) != NULL) {
			if (proto_format_parse(v, &args->format) != 0)
				return usage_error("unknown format (auto, raw, swaks, transcript)",
				                   v);
		} else if ((v = opt_value(argc, argv, &i, "--color")) != NULL) {
			args->color = v;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error("unknown option", argv[i]);
		} else if (args->file != NULL) {
			return usage_error("more than one input", argv[i]);
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
		fprintf(stderr, "smtpscope lint: cannot read %s: %s\n", run->name, strerror(errno));
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
	if (rc == 0) {
		if (run->json) {
			json_tail(run);
		} else {
			if (!run->started)
				cli_out_str(&run->out,
				            "smtpscope lint: the input holds no lines.\n");
			human_findings(run);
			human_clients(run);
		}
		rc = run->severity[PROTO_SEV_ERROR] > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
	}
	if (cli_out_flush(&run->out) != 0) {
		fprintf(stderr, "smtpscope lint: cannot write the output: %s\n", strerror(errno));
		rc = CLI_EXIT_IOERR;
	}
	if (rc == CLI_EXIT_OSERR)
		fprintf(stderr, "smtpscope lint: out of memory\n");
	return rc;
}

int cli_lint(int argc, char **argv)
{
	static const struct proto_lint_ops ops = {on_line, on_finding};
	struct lint_args args = {false, false, "auto", PROTO_FORMAT_AUTO, NULL};
	struct lint_run *run;
	bool color;
	int fd, rc;

	rc = parse_args(argc, argv, &args);
	if (rc != 0)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (cli_color_parse(args.color, STDOUT_FILENO, &color) != 0)
		return usage_error("--color takes auto, always or never", args.color);
	run = calloc(1, sizeof *run);
	if (run == NULL)
		return CLI_EXIT_OSERR;
	cli_out_init(&run->out, STDOUT_FILENO, color && !args.json);
	run->json = args.json;
	run->summary = args.summary;
	fd = open_input(args.file, &run->name);
	if (fd < 0) {
		free(run);
		return CLI_EXIT_NOINPUT;
	}
	run->source = proto_source_new(args.format, &ops, run);
	rc = run->source != NULL ? read_input(run, fd) : CLI_EXIT_OSERR;
	rc = finish(run, rc);
	if (fd != STDIN_FILENO)
		close(fd);
	proto_source_free(run->source);
	free(run->hits);
	free(run);
	return rc;
}
