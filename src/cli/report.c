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

/* The owner's heading (text) or first members (JSON), then the lines. */
static void open_report(struct cli_report *run)
{
	unsigned r;

	run->started = true;
	if (run->json) {
		for (r = 0; r < PROTO_ROLE_COUNT; r++)
			run->role_len[r] = strlen(proto_role_name((enum proto_role)r));
		for (r = 0; r <= PROTO_DIR_INFO; r++)
			run->dir_len[r] = strlen(proto_dir_name((enum proto_dir)r));
		cli_json_init(&run->jw, &run->out);
		cli_json_object(&run->jw);
		cli_json_key_str(&run->jw, "smtpscope", SMTPSCOPE_VERSION);
	}
	if (run->head != NULL)
		run->head(run);
	if (run->json) {
		cli_json_newline(&run->jw);
		cli_json_key(&run->jw, "lines");
		cli_json_array(&run->jw);
	}
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

/* A member of a line's object: peer bytes of the line. */
#define NAME(key, name) CLI_JSON_MEMBER(key, CLI_JSON_NAME, name, strlen(name), 0)
#define SPAN(key, text, span)                                                                      \
	CLI_JSON_MEMBER(key, CLI_JSON_BYTES, (text) + (span).off, (span).len, 0)

/* The grammar parts of an EHLO reply line, after m[k]; the new count. */
static size_t json_ehlo(struct cli_report *run, const struct proto_lint_line *line,
                        struct cli_json_member *m, size_t k)
{
	const struct proto_ehlo_line *e = line->ehlo;

	if (e->production != run->production) {
		run->production = e->production;
		run->production_len = strlen(e->production);
	}
	m[k++] =
	    CLI_JSON_MEMBER("production", CLI_JSON_NAME, e->production, run->production_len, 0);
	if (e->role == PROTO_ROLE_GREETING)
		m[k++] = SPAN("domain", line->text, e->head);
	else if (e->head.len > 0)
		m[k++] = SPAN("keyword", line->text, e->head);
	return k;
}

/* The parameters of an EHLO keyword line, when it has some. */
static void json_params(struct cli_json *j, const struct proto_lint_line *line)
{
	const struct proto_ehlo_line *e = line->ehlo;
	unsigned i;

	if (e == NULL || e->role != PROTO_ROLE_EHLO_LINE || e->head.len == 0 || e->nparams == 0)
		return;
	cli_json_key(j, "params");
	cli_json_array(j);
	for (i = 0; i < e->nparams && i < PROTO_EHLO_PARAMS; i++)
		cli_json_bytes(j, line->text + e->param[i].off, e->param[i].len);
	cli_json_end(j);
}

/* One line of the listing, on a line of its own. */
static void json_line(struct cli_report *run, const struct proto_lint_line *line)
{
	struct cli_json *j = &run->jw;
	struct cli_json_member m[8];
	size_t k = 0;
	unsigned i;

	m[k++] = CLI_JSON_MEMBER("n", CLI_JSON_UINT, NULL, 0, line->n);
	m[k++] = CLI_JSON_MEMBER("dir", CLI_JSON_NAME, proto_dir_name(line->dir),
	                         line->dir <= PROTO_DIR_INFO ? run->dir_len[line->dir] : 0, 0);
	m[k++] = CLI_JSON_MEMBER("tls", CLI_JSON_BOOL, NULL, 0, line->tls);
	m[k++] = CLI_JSON_MEMBER("role", CLI_JSON_NAME, proto_role_name(line->role),
	                         line->role < PROTO_ROLE_COUNT ? run->role_len[line->role] : 0, 0);
	m[k++] = CLI_JSON_MEMBER("text", CLI_JSON_BYTES, line->text, line->len, 0);
	if (line->ehlo != NULL)
		k = json_ehlo(run, line, m, k);
	cli_json_newline(j);
	cli_json_object_members(j, m, k);
	json_params(j, line);
	if (line->nfindings > 0) {
		cli_json_key(j, "findings");
		cli_json_array(j);
		for (i = 0; i < line->nfindings; i++)
			cli_json_str(j, proto_finding(line->finding[i])->id);
		cli_json_end(j);
	}
	cli_json_end(j);
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

void cli_report_count(void *ctx, const struct proto_lint_line *line)
{
	(void)line;
	((struct cli_report *)ctx)->nlines++;
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

/* Appends ", id" (or "id" first) to a bounded list of names. */
static void add_name(char *names, size_t cap, size_t *len, const char *id)
{
	if (*len < cap)
		*len += (size_t)snprintf(names + *len, cap - *len, "%s%s", *len ? ", " : "", id);
}

/* One sentence naming the clients that will not send STARTTLS, by what they do instead. */
static void human_blind(struct cli_out *out, const struct proto_reply *reply)
{
	static const enum proto_outcome other[] = {PROTO_OUTCOME_PLAINTEXT, PROTO_OUTCOME_ABORT,
	                                           PROTO_OUTCOME_STALL};
	char names[3][512] = {"", "", ""}, line[1800];
	size_t len[3] = {0, 0, 0}, i, k, blind = 0, n = proto_client_count(), at;
	struct proto_client_verdict v;

	for (i = 0; i < n; i++) {
		proto_client_judge(proto_client_at(i), reply, NULL, &v);
		for (k = 0; k < 3; k++)
			if (v.outcome == other[k]) {
				add_name(names[k], sizeof names[k], &len[k],
				         proto_client_id(proto_client_at(i)));
				blind++;
			}
	}
	if (blind == 0) {
		cli_out_wrap(out, "Every client profiled here sends STARTTLS.", 2, 79, 0);
		cli_out_str(out, "\n");
		return;
	}
	at = (size_t)snprintf(line, sizeof line, "%zu of %zu clients will not send STARTTLS.", blind,
	                      n);
	for (k = 0; k < 3 && at < sizeof line; k++)
		if (len[k] > 0)
			at += (size_t)snprintf(line + at, sizeof line - at, " %s: %s.",
			                       k == 0   ? "Plaintext"
			                       : k == 1 ? "Abort"
			                                : "Stall",
			                       names[k]);
	cli_out_wrap(out, line, 2, 79, 0);
	cli_out_str(out, "\n");
}

/* The matrix's question, and what part of a huge reply was judged. */
static void human_matrix_head(struct cli_out *out, const struct proto_reply *reply, unsigned first)
{
	cli_out_str(out, "\nClient matrix: what does each client do with the EHLO reply that "
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

/* The SGR colour of an outcome: green for STARTTLS, red for the rest, yellow for a stall. */
static const char *outcome_sgr(enum proto_outcome outcome)
{
	switch (outcome) {
	case PROTO_OUTCOME_STARTTLS:
		return "32";
	case PROTO_OUTCOME_STALL:
		return "1;33";
	default:
		return "1;31";
	}
}

/* One client's row: its id, what it does, and why. */
static void human_client(struct cli_report *run, const struct proto_client *c,
                         const struct proto_reply *reply)
{
	struct cli_out *out = &run->out;
	struct proto_client_verdict v;
	const char *what;

	proto_client_judge(c, reply, proto_lint_first_ehlo_numbers(run->lint), &v);
	what = proto_outcome_name(v.outcome);
	cli_out_str(out, "  ");
	cli_out_str(out, proto_client_id(c));
	pad_after(out, strlen(proto_client_id(c)), 18);
	cli_out_sgr(out, outcome_sgr(v.outcome));
	cli_out_str(out, what);
	cli_out_sgr(out, NULL);
	pad_after(out, strlen(what), 11);
	cli_out_wrap(out, v.why, 31, 79, 31);
}

static void human_clients(struct cli_report *run)
{
	const struct proto_lint *lint = run->lint;
	const struct proto_reply *reply;
	struct cli_out *out = &run->out;
	unsigned first;
	size_t i;

	reply = proto_lint_first_ehlo(lint, &first);
	if (reply == NULL) {
		cli_out_str(out, "\nClient matrix: no EHLO reply before TLS was found.\n");
		return;
	}
	human_matrix_head(out, reply, first);
	for (i = 0; i < proto_client_count(); i++)
		human_client(run, proto_client_at(i), reply);
}

static int hit_cmp(const void *a, const void *b)
{
	const struct cli_report_hit *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return (int)x->id - (int)y->id;
}

/* Closes the lines; every finding, sorted by line, each on a line of its own. */
static void json_findings(struct cli_report *run)
{
	struct cli_json *j = &run->jw;
	size_t i;

	if (run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof *run->hits, hit_cmp);
	cli_json_end(j);
	cli_json_newline(j);
	cli_json_key(j, "findings");
	cli_json_array(j);
	for (i = 0; i < run->nhits; i++) {
		const struct proto_finding_info *info = proto_finding(run->hits[i].id);

		cli_json_newline(j);
		cli_json_object(j);
		cli_json_key_str(j, "id", info->id);
		cli_json_key_str(j, "severity",
		                 proto_severity_name(severity_of(run, run->hits[i].id)));
		cli_json_key_uint(j, "line", run->hits[i].n);
		cli_json_key_str(j, "rfc", info->rfc);
		cli_json_key_str(j, "message", info->message);
		cli_json_end(j);
	}
	cli_json_end(j);
}

/* One client of the matrix: what it does, why, where it finds STARTTLS, by what rule. */
static void json_client(struct cli_report *run, const struct proto_client *c,
                        const struct proto_reply *reply)
{
	struct cli_json *j = &run->jw;
	struct proto_client_verdict v;
	bool starttls;

	proto_client_judge(c, reply, proto_lint_first_ehlo_numbers(run->lint), &v);
	starttls = v.outcome == PROTO_OUTCOME_STARTTLS;
	cli_json_newline(j);
	cli_json_key(j, proto_client_id(c));
	cli_json_object(j);
	cli_json_key_bool(j, "starttls", starttls);
	cli_json_key_str(j, "outcome", proto_outcome_name(v.outcome));
	cli_json_key_str(j, "why", v.why);
	if (starttls && v.line >= 0)
		cli_json_key_uint(j, "line", proto_lint_first_ehlo_n(run->lint, (unsigned)v.line));
	else
		cli_json_key_null(j, "line");
	if (v.outcome == PROTO_OUTCOME_STALL && v.timeout_s > 0)
		cli_json_key_uint(j, "timeout_s", (unsigned)v.timeout_s);
	if (proto_client_regardless(c))
		cli_json_key_bool(j, "without_looking", true);
	cli_json_key_str(j, "rule", proto_client_rule(c));
	cli_json_key_str(j, "basis", proto_client_basis(c));
	cli_json_end(j);
}

static void json_clients(struct cli_report *run)
{
	const struct proto_reply *reply = proto_lint_first_ehlo(run->lint, NULL);
	struct cli_json *j = &run->jw;
	size_t i;

	cli_json_newline(j);
	cli_json_key(j, "clients");
	cli_json_object(j);
	for (i = 0; reply != NULL && i < proto_client_count(); i++)
		json_client(run, proto_client_at(i), reply);
	cli_json_end(j);
	cli_json_newline(j);
	if (reply == NULL) {
		cli_json_key_null(j, "ehlo_line");
		cli_json_newline(j);
		cli_json_key_null(j, "ehlo_lines");
		return;
	}
	cli_json_key_uint(j, "ehlo_line", proto_lint_first_ehlo_n(run->lint, 0));
	cli_json_newline(j);
	cli_json_key(j, "ehlo_lines");
	cli_json_object(j);
	cli_json_key_uint(j, "judged", reply->nkept);
	cli_json_key_uint(j, "total", reply->nlines);
	cli_json_end(j);
}

static void json_tail(struct cli_report *run)
{
	struct cli_json *j = &run->jw;

	if (!run->started)
		open_report(run);
	json_findings(run);
	json_clients(run);
	if (run->tail != NULL)
		run->tail(run);
	cli_json_newline(j);
	cli_json_key(j, "summary");
	cli_json_object(j);
	cli_json_key_uint(j, "lines", run->nlines);
	cli_json_key_uint(j, "errors", run->severity[PROTO_SEV_ERROR]);
	cli_json_key_uint(j, "warnings", run->severity[PROTO_SEV_WARNING]);
	cli_json_key_uint(j, "info", run->severity[PROTO_SEV_INFO]);
	cli_json_key_uint(j, "findings_dropped", run->dropped);
	cli_json_end(j);
	cli_json_end(j);
	cli_json_done(j);
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
