/*
 * report.c: the report shared by "lint" and "check": every line with its
 * role, the findings grouped and explained, and the client matrix, as text
 * or as one JSON object. The owner writes its own heading and extra fields
 * through the report's hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto/clients.h"
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"

#define REPORT_FINDINGS_MAX 1000000 /* findings kept for JSON; the rest are counted */

/* The severity of a finding here: --tls-verify makes tls-unverified an error. */
static enum proto_severity severity_of(const struct cli_report *run, enum proto_finding_id id)
{
	if (id == PROTO_F_TLS_UNVERIFIED && run->tls_verify)
		return PROTO_SEV_ERROR;
	return proto_finding(id)->severity;
}

/* The owner's heading (text) or first fields (JSON), then the lines. */
static void open_report(struct cli_report *run)
{
	run->started = true;
	if (run->json)
		cli_out_str(&run->out, "{\"smtpscope\":\"" SMTPSCOPE_VERSION "\",");
	if (run->head != NULL)
		run->head(run);
	if (run->json)
		cli_out_str(&run->out, "\n\"lines\":[");
}

/* Colours of the roles and severities, as SGR parameters. */
const char *cli_role_sgr(enum proto_role role)
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

const char *cli_severity_sgr(enum proto_severity severity)
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

static void human_line(struct cli_report *run, const struct proto_lint_line *line)
{
	struct cli_out *out = &run->out;
	const char *role = proto_role_name(line->role);
	unsigned i;

	cli_out_uint_right(out, line->n, 6);
	cli_out_write(out, " ", 1);
	cli_out_write(out, line_mark(line), 3);
	cli_out_write(out, " ", 1);
	cli_out_sgr(out, cli_role_sgr(line->role));
	cli_out_str(out, role);
	cli_out_sgr(out, NULL);
	pad_after(out, strlen(role), 20);
	cli_out_term(out, line->text, line->len);
	for (i = 0; i < line->nfindings; i++) {
		const struct proto_finding_info *info = proto_finding(line->finding[i]);

		cli_out_str(out, "  ");
		cli_out_sgr(out, cli_severity_sgr(severity_of(run, line->finding[i])));
		cli_out_str(out, "! ");
		cli_out_str(out, info->id);
		cli_out_sgr(out, NULL);
	}
	cli_out_write(out, "\n", 1);
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

static void json_line(struct cli_report *run, const struct proto_lint_line *line)
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

void cli_report_line(void *ctx, const struct proto_lint_line *line)
{
	struct cli_report *run = ctx;

	run->nlines++;
	if (run->summary && run->started)
		return;
	if (!run->started) {
		open_report(run);
		if (run->summary)
			return;
	}
	if (run->json)
		json_line(run, line);
	else
		human_line(run, line);
}

void cli_report_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct cli_report *run = ctx;
	struct cli_report_hit *grown;

	if (run->count[id] < REPORT_LINES_SHOWN)
		run->shown[id][run->count[id]] = n;
	run->count[id]++;
	run->severity[severity_of(run, id)]++;
	if (!run->json)
		return;
	if (run->nhits == REPORT_FINDINGS_MAX) {
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
static void human_findings(struct cli_report *run)
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

			if (run->count[id] == 0 || (int)severity_of(run, id) != sev)
				continue;
			cli_out_str(out, "\n  ");
			cli_out_sgr(out, cli_severity_sgr(severity_of(run, id)));
			cli_out_str(out, proto_severity_name(severity_of(run, id)));
			cli_out_str(out, " ");
			cli_out_str(out, info->id);
			cli_out_sgr(out, NULL);
			cli_out_str(out, run->count[id] > 1 ? "  lines " : "  line ");
			for (i = 0; i < run->count[id] && i < REPORT_LINES_SHOWN; i++) {
				cli_out_str(out, i > 0 ? ", " : "");
				cli_out_uint(out, run->shown[id][i]);
			}
			if (run->count[id] > REPORT_LINES_SHOWN) {
				cli_out_str(out, " and ");
				cli_out_uint(out, run->count[id] - REPORT_LINES_SHOWN);
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

/* The matrix's question, and what part of a huge reply was judged. */
static void human_matrix_head(struct cli_out *out, const struct proto_reply *reply, unsigned first)
{
	cli_out_str(out, "\nClient matrix: does each client see STARTTLS in the EHLO reply that "
	                 "starts at line ");
	cli_out_uint(out, first);
	cli_out_str(out, "?\n");
	if (reply->nkept < reply->nlines) {
		char note[160];

		snprintf(note, sizeof note,
		         "The reply has %u lines; the first %u were judged, so a client that reads "
		         "further may see more.",
		         reply->nlines, reply->nkept);
		cli_out_wrap(out, note, 2, 79, 0);
	}
	human_blind(out, reply);
}

static void human_clients(struct cli_report *run)
{
	const struct proto_lint *lint = run->lint;
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
	human_matrix_head(out, reply, first);
	for (i = 0; i < proto_client_count(); i++) {
		const struct proto_client *c = proto_client_at(i);
		char cell[48];

		at = proto_client_starttls_line(c, reply);
		if (proto_client_regardless(c))
			snprintf(cell, sizeof cell, "%s", PROTO_CLIENT_BLINDLY);
		else if (at >= 0)
			snprintf(cell, sizeof cell, "yes (line %u)",
			         proto_lint_first_ehlo_n(lint, (unsigned)at));
		else
			snprintf(cell, sizeof cell, "no");
		cli_out_str(out, "  ");
		cli_out_str(out, proto_client_id(c));
		pad_after(out, strlen(proto_client_id(c)), 18);
		cli_out_sgr(out, at >= 0 || proto_client_regardless(c) ? "32" : "1;31");
		cli_out_str(out, cell);
		cli_out_sgr(out, NULL);
		/* A cell wider than its column puts the rule on the next line. */
		if (strlen(cell) >= 16) {
			cli_out_str(out, "\n");
			cli_out_wrap(out, proto_client_rule(c), 36, 79, 0);
			continue;
		}
		pad_after(out, strlen(cell), 16);
		cli_out_wrap(out, proto_client_rule(c), 36, 79, 36);
	}
}

static int hit_cmp(const void *a, const void *b)
{
	const struct cli_report_hit *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return (int)x->id - (int)y->id;
}

static void json_findings(struct cli_report *run)
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
		cli_out_str(out, proto_severity_name(severity_of(run, run->hits[i].id)));
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

static void json_clients(struct cli_report *run)
{
	const struct proto_lint *lint = run->lint;
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
		if (proto_client_regardless(c))
			cli_out_str(out, ",\"without_looking\":true");
		cli_out_str(out, ",\"rule\":");
		cli_out_json_text(out, proto_client_rule(c));
		cli_out_str(out, ",\"basis\":");
		cli_out_json_text(out, proto_client_basis(c));
		cli_out_str(out, "}");
	}
	cli_out_str(out, "},\n\"ehlo_line\":");
	if (reply == NULL) {
		cli_out_str(out, "null,\n\"ehlo_lines\":null");
		return;
	}
	cli_out_uint(out, proto_lint_first_ehlo_n(lint, 0));
	cli_out_str(out, ",\n\"ehlo_lines\":{\"judged\":");
	cli_out_uint(out, reply->nkept);
	cli_out_str(out, ",\"total\":");
	cli_out_uint(out, reply->nlines);
	cli_out_str(out, "}");
}

static void json_tail(struct cli_report *run)
{
	struct cli_out *out = &run->out;

	if (!run->started)
		open_report(run);
	json_findings(run);
	json_clients(run);
	if (run->tail != NULL)
		run->tail(run);
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

void cli_report_end(struct cli_report *run)
{
	if (run->json) {
		json_tail(run);
		return;
	}
	if (!run->started)
		open_report(run);
	human_findings(run);
	human_clients(run);
	if (run->tail != NULL)
		run->tail(run);
}

int cli_report_errors(const struct cli_report *run)
{
	return (int)run->severity[PROTO_SEV_ERROR];
}

void cli_report_free(struct cli_report *run)
{
	free(run->hits);
	run->hits = NULL;
}
