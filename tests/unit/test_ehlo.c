/*
 * test_ehlo.c: the EHLO analyser of RFC 5321 §4.1.1.1. Each case is a whole
 * EHLO reply: every line's role and findings, then the reply-wide findings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/reply.h"
#include "proto_int.h"

#define MAX_LINES   8
#define MAX_WANT    4
#define MAX_EMITTED 64
#define END_LINE    77 /* where proto_ehlo_end is told the reply starts */

/* Findings as the analyser emits them. */
struct sink {
	unsigned n;
	enum proto_finding_id id[MAX_EMITTED];
	unsigned line[MAX_EMITTED];
};

static void collect(void *ctx, enum proto_finding_id id, unsigned line)
{
	struct sink *sink = ctx;

	assert_true(sink->n < MAX_EMITTED);
	sink->id[sink->n] = id;
	sink->line[sink->n] = line;
	sink->n++;
}

struct want_line {
	const char *text;
	unsigned flags; /* PROTO_L_* as a reader would give them */
	const char *role;
	const char *findings[MAX_WANT];
};

struct ehlo_case {
	const char *name;
	bool tls;
	struct want_line line[MAX_LINES]; /* up to the first NULL text */
	const char *end[MAX_WANT];        /* from proto_ehlo_end */
};

static const struct ehlo_case cases[] = {
    {.name = "field note: STARTTLS where the domain belongs",
     .line = {{"250-STARTTLS", 0, "misordered-starttls", {"starttls-before-greeting"}},
              {"250-mail.domain1.com", 0, "malformed", {"invalid-ehlo-keyword"}},
              {"250-8BITMIME", 0, "ehlo-line", {NULL}},
              {"250-PIPELINING", 0, "ehlo-line", {NULL}},
              {"250-HELP", 0, "ehlo-line", {NULL}},
              {"250-DELIVERBY 300", 0, "ehlo-line", {NULL}},
              {"250 SIZE 30000000", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "field note: the correct reply",
     .line = {{"250-mail-esa.com", 0, "greeting", {NULL}},
              {"250-8BITMIME", 0, "ehlo-line", {NULL}},
              {"250-SIZE 33554432", 0, "ehlo-line", {NULL}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "single line STARTTLS",
     .line = {{"250 STARTTLS", 0, "misordered-starttls", {"starttls-before-greeting"}}},
     .end = {NULL}},
    {.name = "single line lower-case starttls",
     .line = {{"250 starttls", 0, "misordered-starttls", {"starttls-before-greeting"}}},
     .end = {NULL}},
    {.name = "single line domain",
     .line = {{"250 mx.example.org", 0, "greeting", {NULL}}},
     .end = {"no-starttls"}},
    {.name = "greeting with text",
     .line = {{"250-mx.example.org Hello [192.0.2.9], pleased to meet you", 0, "greeting", {NULL}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "keyword first",
     .line = {{"250-PIPELINING", 0, "misordered-keyword", {"keyword-before-greeting"}},
              {"250 mx.example.org", 0, "malformed", {"invalid-ehlo-keyword"}}},
     .end = {"no-starttls"}},
    {.name = "AUTH= first",
     .line = {{"250-AUTH=LOGIN", 0, "misordered-keyword", {"keyword-before-greeting"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "legacy AUTH=",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-AUTH LOGIN PLAIN", 0, "ehlo-line", {NULL}},
              {"250-AUTH=LOGIN PLAIN", 0, "ehlo-line", {"legacy-auth-equals"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "duplicate keyword, other case",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-SIZE 10240000", 0, "ehlo-line", {NULL}},
              {"250-PIPELINING", 0, "ehlo-line", {NULL}},
              {"250-size 52428800", 0, "ehlo-line", {"duplicate-keyword"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    /* Keywords of seven to seventeen bytes: the hash takes eight at a time. */
    {.name = "duplicates across word lengths, near misses kept apart",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-X-ABCDE X-ABCDEF X-ABCDEFGHIJKLMNO", 0, "ehlo-line", {NULL}},
              {"250-X-ABCDEF", 0, "ehlo-line", {NULL}},
              {"250-X-ABCDEFGHIJKLMNO", 0, "ehlo-line", {NULL}},
              {"250-x-abcdefghijklmno", 0, "ehlo-line", {"duplicate-keyword"}},
              {"250-X-ABCDEFGHIJKLMN0", 0, "ehlo-line", {NULL}},
              {"250-X-ABCDEFGH", 0, "ehlo-line", {NULL}},
              {"250 x-AbCdEfGh", 0, "ehlo-line", {"duplicate-keyword"}}},
     .end = {"no-starttls"}},
    {.name = "duplicate STARTTLS",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-STARTTLS", 0, "ehlo-line", {NULL}},
              {"250 STARTTLS", 0, "ehlo-line", {"duplicate-keyword"}}},
     .end = {NULL}},
    {.name = "trailing space",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-8BITMIME ", 0, "ehlo-line", {"trailing-whitespace"}},
              {"250-SIZE 1000\t", 0, "ehlo-line", {"trailing-whitespace"}},
              {"250 STARTTLS ", 0, "ehlo-line", {"trailing-whitespace"}}},
     .end = {NULL}},
    {.name = "double space between params",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-AUTH PLAIN  LOGIN", 0, "ehlo-line", {"invalid-ehlo-param"}},
              {"250-SIZE  1000", 0, "ehlo-line", {"invalid-ehlo-param"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "tab separator",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-SIZE\t1000", 0, "ehlo-line", {"invalid-ehlo-param"}},
              {"250-AUTH PLAIN\tLOGIN", 0, "ehlo-line", {"invalid-ehlo-param"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "control character in a param",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-SIZE 10\x01", 0, "ehlo-line", {"invalid-ehlo-param"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "STARTTLS with parameters",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250 STARTTLS foo", 0, "ehlo-line", {"starttls-with-parameters"}}},
     .end = {NULL}},
    {.name = "STARTTLS not upper case",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-starttls", 0, "ehlo-line", {"starttls-not-uppercase"}},
              {"250 PIPELINING", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "STARTTLS in mixed case",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250 StartTLS", 0, "ehlo-line", {"starttls-not-uppercase"}}},
     .end = {NULL}},
    {.name = "STARTTLS inside TLS",
     .tls = true,
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-PIPELINING", 0, "ehlo-line", {NULL}},
              {"250 STARTTLS", 0, "ehlo-line", {"starttls-after-tls"}}},
     .end = {NULL}},
    {.name = "no STARTTLS inside TLS is right",
     .tls = true,
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250 AUTH PLAIN", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "IPv4 address literal",
     .line = {{"250-[192.0.2.1]", 0, "greeting", {NULL}}, {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "IPv6 address literal with text",
     .line = {{"250-[IPv6:2001:db8::1] Hello", 0, "greeting", {NULL}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "greeting not a domain",
     .line = {{"250-!bad", 0, "malformed", {"greeting-not-domain"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "empty greeting",
     .line = {{"250-", 0, "malformed", {"greeting-not-domain"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "greeting with a trailing dot",
     .line = {{"250-mx.example.org.", 0, "malformed", {"greeting-not-domain"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "keywords with digits and hyphens",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-X-EXPS GSSAPI NTLM", 0, "ehlo-line", {NULL}},
              {"250-X-LINK2STATE", 0, "ehlo-line", {NULL}},
              {"250-ENHANCEDSTATUSCODES", 0, "ehlo-line", {NULL}},
              {"250 8BITMIME", 0, "ehlo-line", {NULL}}},
     .end = {"no-starttls"}},
    {.name = "invalid keywords after the greeting",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"250-", 0, "malformed", {"invalid-ehlo-keyword"}},
              {"250--PIPELINING", 0, "malformed", {"invalid-ehlo-keyword"}},
              {"250-X_FEATURE", 0, "malformed", {"invalid-ehlo-keyword"}},
              {"250-SIZE=1000", 0, "malformed", {"invalid-ehlo-keyword"}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "bad reply code",
     .line = {{"250-mx.example.org", 0, "greeting", {NULL}},
              {"25O-PIPELINING", PROTO_L_BAD_CODE, "malformed", {NULL}},
              {"xyz", PROTO_L_BAD_CODE, "malformed", {NULL}},
              {"250 STARTTLS", 0, "ehlo-line", {NULL}}},
     .end = {NULL}},
    {.name = "empty reply", .line = {{NULL}}, .end = {NULL}},
};

static const char *name_of(enum proto_finding_id id)
{
	return id < PROTO_F_COUNT ? proto_finding(id)->id : "(bad id)";
}

static void dump(const char *what, unsigned line, const struct sink *sink, unsigned from)
{
	unsigned i;

	print_error("%s, line %u: emitted", what, line);
	for (i = from; i < sink->n; i++)
		print_error(" %s@%u", name_of(sink->id[i]), sink->line[i]);
	print_error("\n");
}

/* Emitted findings from `from` on must be want, in any order, all on line. */
static void check_findings(const char *what, unsigned line, const struct sink *sink, unsigned from,
                           const char *const want[MAX_WANT])
{
	bool used[MAX_EMITTED] = {false};
	unsigned nwant = 0, i, j;
	enum proto_finding_id id;

	for (i = from; i < sink->n; i++)
		if (sink->line[i] != line) {
			dump(what, line, sink, from);
			fail_msg("%s: finding on line %u, want %u", what, sink->line[i], line);
		}
	for (; nwant < MAX_WANT && want[nwant] != NULL; nwant++) {
		id = proto_finding_by_name(want[nwant]);
		if (id == PROTO_F_COUNT)
			fail_msg("%s: unknown finding %s in the table", what, want[nwant]);
		for (j = from; j < sink->n && (used[j] || sink->id[j] != id); j++)
			;
		if (j == sink->n) {
			dump(what, line, sink, from);
			fail_msg("%s, line %u: %s missing", what, line, want[nwant]);
		}
		used[j] = true;
	}
	if (sink->n - from != nwant) {
		dump(what, line, sink, from);
		fail_msg("%s, line %u: %u findings, want %u", what, line, sink->n - from, nwant);
	}
}

/* Hands the analyser a copy of exactly len bytes, so overreads show. */
static void analyse(struct proto_ehlo *ehlo, const char *text, unsigned flags,
                    struct proto_ehlo_line *out, struct sink *sink)
{
	size_t len = strlen(text);
	char *copy = malloc(len + 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	proto_ehlo_line(ehlo, copy, len, flags, out, collect, sink);
	free(copy);
}

static void run_case(const struct ehlo_case *c)
{
	struct proto_ehlo ehlo;
	struct proto_ehlo_line out;
	struct sink sink = {0};
	unsigned i, from;

	proto_ehlo_begin(&ehlo, c->tls);
	for (i = 0; i < MAX_LINES && c->line[i].text != NULL; i++) {
		const struct want_line *w = &c->line[i];

		from = sink.n;
		analyse(&ehlo, w->text, w->flags, &out, &sink);
		if (strcmp(proto_role_name(out.role), w->role) != 0)
			fail_msg("%s, line %u \"%s\": role %s, want %s", c->name, i, w->text,
			         proto_role_name(out.role), w->role);
		assert_non_null(out.production);
		assert_non_null(out.production_1869);
		assert_int_equal(out.code.off, 0);
		assert_int_equal(out.code.len, 3);
		check_findings(c->name, i, &sink, from, w->findings);
	}
	assert_int_equal(ehlo.nlines, i);
	from = sink.n;
	proto_ehlo_end(&ehlo, END_LINE, collect, &sink);
	check_findings(c->name, END_LINE, &sink, from, c->end);
}

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
}

/* proto_ehlo_begin starts afresh: no keyword or STARTTLS is remembered. */
static void test_begin_resets(void **state)
{
	struct proto_ehlo ehlo;
	struct proto_ehlo_line out;
	struct sink sink = {0};

	(void)state;
	proto_ehlo_begin(&ehlo, false);
	analyse(&ehlo, "250-mx.example.org", 0, &out, &sink);
	analyse(&ehlo, "250 STARTTLS", 0, &out, &sink);
	proto_ehlo_end(&ehlo, 0, collect, &sink);
	assert_int_equal(sink.n, 0);
	proto_ehlo_begin(&ehlo, false);
	analyse(&ehlo, "250-mx.example.org", 0, &out, &sink);
	assert_string_equal(proto_role_name(out.role), "greeting");
	analyse(&ehlo, "250 STARTTLS", 0, &out, &sink);
	assert_int_equal(sink.n, 0);
	proto_ehlo_begin(&ehlo, false);
	analyse(&ehlo, "250 mx.example.org", 0, &out, &sink);
	proto_ehlo_end(&ehlo, 3, collect, &sink);
	assert_int_equal(sink.n, 1);
	assert_int_equal(sink.id[0], PROTO_F_NO_STARTTLS);
	assert_int_equal(sink.line[0], 3);
}

/* Spans of one line: a greeting at index 0, a keyword line after it. */
struct span_case {
	const char *text;
	bool keyword_line;
	struct proto_span head, rest;
	unsigned nparams;
	struct proto_span param[4];
};

static const struct span_case span_cases[] = {
    {"250-SIZE 33554432", true, {4, 4}, {9, 8}, 1, {{9, 8}}},
    {"250-mx.example.org Hello [192.0.2.9]", false, {4, 14}, {19, 17}, 0, {{0, 0}}},
    {"250-mx.example.org", false, {4, 14}, {0, 0}, 0, {{0, 0}}},
    {"250 [192.0.2.1] hi", false, {4, 11}, {16, 2}, 0, {{0, 0}}},
    {"250 8BITMIME", true, {4, 8}, {0, 0}, 0, {{0, 0}}},
    {"250-AUTH PLAIN LOGIN CRAM-MD5", true, {4, 4}, {9, 20}, 3, {{9, 5}, {15, 5}, {21, 8}}},
    {"250-DELIVERBY 300", true, {4, 9}, {14, 3}, 1, {{14, 3}}},
};

static void check_span(const char *text, const char *part, struct proto_span got,
                       struct proto_span want)
{
	if (got.off != want.off || got.len != want.len)
		fail_msg("\"%s\" %s: {%u, %u}, want {%u, %u}", text, part, (unsigned)got.off,
		         (unsigned)got.len, (unsigned)want.off, (unsigned)want.len);
}

static void test_spans(void **state)
{
	const struct span_case *c;
	struct proto_ehlo ehlo;
	struct proto_ehlo_line out;
	struct sink sink = {0};
	size_t i;
	unsigned p;

	(void)state;
	for (i = 0; i < sizeof span_cases / sizeof span_cases[0]; i++) {
		c = &span_cases[i];
		proto_ehlo_begin(&ehlo, false);
		if (c->keyword_line)
			analyse(&ehlo, "250-mx.example.org", 0, &out, &sink);
		analyse(&ehlo, c->text, 0, &out, &sink);
		assert_int_equal(sink.n, 0);
		check_span(c->text, "code", out.code, (struct proto_span){0, 3});
		check_span(c->text, "head", out.head, c->head);
		check_span(c->text, "rest", out.rest, c->rest);
		assert_int_equal(out.nparams, c->nparams);
		for (p = 0; p < c->nparams; p++)
			check_span(c->text, "param", out.param[p], c->param[p]);
	}
}

/* More params than PROTO_EHLO_PARAMS: all counted, the first ones kept. */
static void test_many_params(void **state)
{
	char text[256] = "250 AUTH";
	struct proto_ehlo ehlo;
	struct proto_ehlo_line out;
	struct sink sink = {0};
	unsigned p, n = PROTO_EHLO_PARAMS + 4;
	size_t off;

	(void)state;
	for (p = 0; p < n; p++)
		snprintf(text + strlen(text), sizeof text - strlen(text), " M%02u", p);
	proto_ehlo_begin(&ehlo, false);
	analyse(&ehlo, "250-mx.example.org", 0, &out, &sink);
	analyse(&ehlo, text, 0, &out, &sink);
	assert_int_equal(sink.n, 0);
	assert_string_equal(proto_role_name(out.role), "ehlo-line");
	assert_int_equal(out.nparams, n);
	for (p = 0; p < PROTO_EHLO_PARAMS; p++) {
		off = strlen("250 AUTH ") + 4 * p;
		check_span(text, "param", out.param[p], (struct proto_span){(uint32_t)off, 3});
	}
	check_span(text, "rest", out.rest,
	           (struct proto_span){9, (uint32_t)(strlen(text) - strlen("250 AUTH "))});
}

/* A byte string with its length, so NUL can be part of it. */
struct bytes {
	const char *text;
	size_t len;
};

#define B(s)                                                                                       \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}

static const struct bytes domains_good[] = {
    B("a"),
    B("example"),
    B("mx.example.org"),
    B("MX.Example.ORG"),
    B("a-b.example"),
    B("a--b.example"),
    B("xn--bcher-kva.example"),
    B("1.example"),
    B("123"),
    B("192.0.2.1"),
    B("a.b.c.d.e.f.g"),
    B("[192.0.2.1]"),
    B("[0.0.0.0]"),
    B("[255.255.255.255]"),
    B("[010.001.002.003]"),
    B("[IPv6:2001:db8::1]"),
    B("[IPv6:::1]"),
    B("[IPv6:::ffff:192.0.2.1]"),
    B("[x-tag:content]"),
};

static const struct bytes domains_bad[] = {
    B(""),
    B("-a.example"),
    B("a-.example"),
    B("a.-b"),
    B("a.b-"),
    B("-"),
    B(".example"),
    B("example."),
    B("mx.example.org."),
    B("a..b"),
    B("."),
    B("mx_1.example"),
    B("mx example"),
    B("mx.example.org\t"),
    B("!bad"),
    B("\xc3\xa9.example"),
    B("mx\0.example"),
    B("[192.0.2.256]"),
    B("[256.0.0.1]"),
    B("[1.2.3]"),
    B("[1.2.3.4.5]"),
    B("[1.2.3.]"),
    B("[.1.2.3]"),
    B("[1..2.3]"),
    B("[1.2.3.1234]"),
    B("[ 1.2.3.4]"),
    B("[1.2.3.4"),
    B("1.2.3.4]"),
    B("[]"),
    B("[x]"),
    B("[IPv6:]"),
    B("[:1]"),
    B("[tag:a b]"),
    B("[tag:a]b]"),
    B("[tag:a\\b]"),
    /* Standardized-tag is an Ldh-str: no dots (RFC 5321 §4.1.3). */
    B("[a.b:content]"),
};

static const struct bytes keywords_good[] = {
    B("STARTTLS"), B("starttls"), B("8BITMIME"), B("X-EXPS"), B("X-LINK2STATE"),
    B("a"),        B("1"),        B("A-"),       B("A--B"),   B("ENHANCEDSTATUSCODES"),
};

static const struct bytes keywords_bad[] = {
    B(""),          B("-A"),       B("-"),     B("A.B"),         B("mail.domain1.com"),
    B("A_B"),       B("A=B"),      B("AUTH="), B("A B"),         B("STARTTLS\t"),
    B(" STARTTLS"), B("\xc3\xa9"), B("A\0B"),  B("[192.0.2.1]"),
};

static void check_table(const struct bytes *table, size_t n, bool want,
                        bool (*fn)(const char *, size_t), const char *fn_name)
{
	size_t i;
	char *copy;
	bool got;

	for (i = 0; i < n; i++) {
		copy = malloc(table[i].len + 1);
		assert_non_null(copy);
		memcpy(copy, table[i].text, table[i].len);
		got = fn(copy, table[i].len);
		free(copy);
		if (got != want)
			fail_msg("%s(\"%.*s\") is %s", fn_name, (int)table[i].len, table[i].text,
			         got ? "true" : "false");
	}
}

static void test_is_domain(void **state)
{
	(void)state;
	check_table(domains_good, sizeof domains_good / sizeof domains_good[0], true,
	            proto_is_domain, "proto_is_domain");
	check_table(domains_bad, sizeof domains_bad / sizeof domains_bad[0], false, proto_is_domain,
	            "proto_is_domain");
}

static void test_is_ehlo_keyword(void **state)
{
	(void)state;
	check_table(keywords_good, sizeof keywords_good / sizeof keywords_good[0], true,
	            proto_is_ehlo_keyword, "proto_is_ehlo_keyword");
	check_table(keywords_bad, sizeof keywords_bad / sizeof keywords_bad[0], false,
	            proto_is_ehlo_keyword, "proto_is_ehlo_keyword");
}

/* Length is honoured: a prefix of a good name is judged on its own. */
static void test_length_bounds(void **state)
{
	(void)state;
	assert_true(proto_is_domain("mx.example.org.", 14));
	assert_false(proto_is_domain("mx.example.org", 0));
	assert_true(proto_is_domain("[192.0.2.1]x", 11));
	assert_false(proto_is_domain("[192.0.2.1]", 10));
	assert_true(proto_is_ehlo_keyword("SIZE 1000", 4));
	assert_false(proto_is_ehlo_keyword("SIZE", 0));
}

/* Where a line leaves the grammar: a code that is not "250", a byte no keyword takes. */
static const struct stop_case {
	const char *text;
	unsigned flags;
	bool first;
	struct proto_span stop;
} stop_cases[] = {
    {"250-STARTTLS", 0, true, {0, 0}},
    {"250-8BITMIME", 0, false, {0, 0}},
    {"252-STARTTLS", PROTO_L_MIXED_CODE, false, {0, 3}},
    {"251 mx.example.org", PROTO_L_MIXED_CODE, true, {0, 3}},
    {"250-mail.domain1.com", 0, false, {8, 1}},
    {"250-SIZE_MAX 10", 0, false, {8, 1}},
    {"250-", 0, false, {0, 0}},
};

static void test_stop(void **state)
{
	struct proto_ehlo ehlo;
	struct proto_ehlo_line out;
	struct sink sink = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof stop_cases / sizeof stop_cases[0]; i++) {
		proto_ehlo_begin(&ehlo, false);
		if (!stop_cases[i].first)
			analyse(&ehlo, "250-mx.example.org", 0, &out, &sink);
		analyse(&ehlo, stop_cases[i].text, stop_cases[i].flags, &out, &sink);
		check_span(stop_cases[i].text, "stop", out.stop, stop_cases[i].stop);
	}
}

/* The keyword a line after the first starts with, as its head or as the byte that stops it. */
static size_t keyword_seen(const char *text, size_t len)
{
	struct proto_ehlo ehlo;
	struct proto_ehlo_line out;
	struct sink sink = {0};
	char *copy = malloc(len);

	assert_non_null(copy);
	memcpy(copy, text, len);
	proto_ehlo_begin(&ehlo, false);
	analyse(&ehlo, "250-mx.example.org", 0, &out, &sink);
	proto_ehlo_line(&ehlo, copy, len, 0, &out, collect, &sink);
	free(copy);
	if (out.role == PROTO_ROLE_EHLO_LINE)
		return out.head.len;
	assert_int_equal(out.role, PROTO_ROLE_MALFORMED);
	assert_int_equal(out.stop.len, 1);
	return out.stop.off - 4;
}

static bool keyword_byte(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/*
 * The keyword's end, read eight bytes at a time: every byte value at every
 * place of a keyword of up to 20 bytes, and the keyword cut at every length
 * (the line's end stops it). Each line is a copy of exactly its bytes.
 */
static void test_keyword_run(void **state)
{
	static const char kw[] = "aZ09-mQ7x-Yb3kLp-0zW";
	char text[32];
	size_t at, n, want, kwlen = sizeof kw - 1;
	unsigned c;

	(void)state;
	memcpy(text, "250-", 4);
	for (n = 1; n <= kwlen; n++) {
		memcpy(text + 4, kw, n);
		assert_int_equal(keyword_seen(text, 4 + n), n);
		for (at = 1; at < n; at++)
			for (c = 0; c < 256; c++) {
				memcpy(text + 4, kw, n);
				text[4 + at] = (char)c;
				want = keyword_byte((unsigned char)c) ? n : at;
				assert_int_equal(keyword_seen(text, 4 + n), want);
			}
	}
}

/* Words of four and eight letters are compared whole: every byte value at every place. */
static void test_letters_eq(void **state)
{
	static const char *const words[] = {"EHLO", "STARTTLS", "AUTH", "ab", "quit"};
	char text[8];
	size_t w, n, at;
	unsigned c;
	bool want;

	(void)state;
	for (w = 0; w < sizeof words / sizeof words[0]; w++) {
		n = strlen(words[w]);
		for (at = 0; at < n; at++)
			for (c = 0; c < 256; c++) {
				memcpy(text, words[w], n);
				text[at] = (char)c;
				want = (c | 0x20) == ((unsigned char)words[w][at] | 0x20u);
				assert_int_equal(proto_letters_eq(text, words[w], n), want);
			}
	}
}

/* The banner's parts: code, Domain (first line only) and textstring. */
static void test_banner(void **state)
{
	static const struct banner_case {
		const char *text;
		bool first, ok;
		struct proto_span domain, rest;
	} banners[] = {
	    {"220 mail.domain1.com ESMTP Service ready", true, true, {4, 16}, {21, 19}},
	    {"220 mx.example.org", true, true, {4, 14}, {18, 0}},
	    {"220-[192.0.2.1] hello", true, true, {4, 11}, {16, 5}},
	    {"220 *** ESMTP", true, false, {4, 3}, {8, 5}},
	    {"220-and more text", false, false, {4, 0}, {4, 13}},
	    {"220", true, false, {3, 0}, {3, 0}},
	    {"22", true, false, {2, 0}, {2, 0}},
	};
	struct proto_banner out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof banners / sizeof banners[0]; i++) {
		proto_banner_line(banners[i].text, strlen(banners[i].text), banners[i].first, &out);
		check_span(banners[i].text, "domain", out.domain, banners[i].domain);
		check_span(banners[i].text, "text", out.text, banners[i].rest);
		if (out.domain_ok != banners[i].ok)
			fail_msg("\"%s\": domain_ok %d", banners[i].text, out.domain_ok);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),         cmocka_unit_test(test_begin_resets),
	    cmocka_unit_test(test_spans),         cmocka_unit_test(test_many_params),
	    cmocka_unit_test(test_is_domain),     cmocka_unit_test(test_is_ehlo_keyword),
	    cmocka_unit_test(test_length_bounds), cmocka_unit_test(test_stop),
	    cmocka_unit_test(test_banner),        cmocka_unit_test(test_keyword_run),
	    cmocka_unit_test(test_letters_eq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
