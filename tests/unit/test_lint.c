/*
 * test_lint.c: the conversation linter and its three input formats. Each
 * case is fed whole and split at every byte offset; the log of lines and
 * findings must be the same every time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ehlo.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"

struct log {
	char text[16384];
	size_t len;
};

static void logf_(struct log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logf_(struct log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log->len += (size_t)vsnprintf(log->text + log->len, sizeof log->text - log->len, fmt, ap);
	va_end(ap);
	assert_true(log->len < sizeof log->text);
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	static const char dirs[] = {'S', 'C', 'I'};
	char text[256];

	proto_escape_term(text, sizeof text, line->text, line->len);
	logf_(ctx, "%u %c%s %s %s\n", line->n, dirs[line->dir], line->tls ? "~" : "",
	      proto_role_name(line->role), text);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	logf_(ctx, "! %s %u\n", proto_finding(id)->id, n);
}

static const struct proto_lint_ops ops = {on_line, on_finding};

/* Runs the input through a source, cut into chunks at cut1 and cut2. */
static void run(enum proto_format format, const char *in, size_t cut1, size_t cut2, struct log *log,
                enum proto_format *detected, int *first_n)
{
	struct proto_source *src = proto_source_new(format, &ops, log);
	size_t len = strlen(in);
	unsigned n;

	assert_non_null(src);
	assert_int_equal(proto_source_feed(src, in, cut1), 0);
	assert_int_equal(proto_source_feed(src, in + cut1, cut2 - cut1), 0);
	assert_int_equal(proto_source_feed(src, in + cut2, len - cut2), 0);
	assert_int_equal(proto_source_end(src), 0);
	*detected = proto_source_format(src);
	*first_n = proto_lint_first_ehlo(proto_source_lint(src), &n) ? (int)n : -1;
	proto_source_free(src);
}

struct lcase {
	const char *name;
	enum proto_format format;
	const char *in;
	enum proto_format detected;
	int first_n; /* first line of the first EHLO reply before TLS, or -1 */
	const char *want;
};

#define RAW        PROTO_FORMAT_RAW
#define SWAKS      PROTO_FORMAT_SWAKS
#define TRANSCRIPT PROTO_FORMAT_TRANSCRIPT
#define AUTO       PROTO_FORMAT_AUTO

static const struct lcase cases[] = {
    {"field note, misordered", AUTO,
     "220 mail.domain1.com ESMTP Service ready\r\nEHLO ESA.com\r\n250-STARTTLS\r\n"
     "250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"
     "250-DELIVERBY 300\r\n250 SIZE 30000000\r\n",
     RAW, 3,
     "1 S banner 220 mail.domain1.com ESMTP Service ready\n"
     "2 C command EHLO ESA.com\n"
     "! starttls-before-greeting 3\n"
     "3 S misordered-starttls 250-STARTTLS\n"
     "! invalid-ehlo-keyword 4\n"
     "4 S malformed 250-mail.domain1.com\n"
     "5 S ehlo-line 250-8BITMIME\n"
     "6 S ehlo-line 250-PIPELINING\n"
     "7 S ehlo-line 250-HELP\n"
     "8 S ehlo-line 250-DELIVERBY 300\n"
     "9 S ehlo-line 250 SIZE 30000000\n"},
    {"field note, correct", AUTO,
     "220 mail-esa.com ESMTTP\r\nEHLO connecting.server.com\r\n250-mail-esa.com\r\n"
     "250-8BITMIME\r\n250-SIZE 33554432\r\n250 STARTTLS\r\n",
     RAW, 3,
     "1 S banner 220 mail-esa.com ESMTTP\n"
     "2 C command EHLO connecting.server.com\n"
     "3 S greeting 250-mail-esa.com\n"
     "4 S ehlo-line 250-8BITMIME\n"
     "5 S ehlo-line 250-SIZE 33554432\n"
     "6 S ehlo-line 250 STARTTLS\n"},
    {"server lines alone, LF endings, a blank line", AUTO, "250-mx.example.org\n\n250 starttls\n",
     RAW, 1,
     "1 S greeting 250-mx.example.org\n"
     "! starttls-not-uppercase 3\n"
     "3 S ehlo-line 250 starttls\n"},
    {"mixed endings judge LF", AUTO, "250-mx.example.org\r\n250 STARTTLS\n", RAW, 1,
     "1 S greeting 250-mx.example.org\n"
     "! bare-lf 2\n"
     "2 S ehlo-line 250 STARTTLS\n"},
    {"TLS inferred after the 220 to STARTTLS", RAW,
     "EHLO a\nS: 250-mx.example.org\n250 STARTTLS\nC: STARTTLS\n220 go ahead\nEHLO a\n"
     "250-mx.example.org\n250 STARTTLS\nQUIT\n221 bye\n",
     RAW, 2,
     "1 C command EHLO a\n"
     "2 S greeting 250-mx.example.org\n"
     "3 S ehlo-line 250 STARTTLS\n"
     "4 C command STARTTLS\n"
     "5 S reply 220 go ahead\n"
     "6 C~ command EHLO a\n"
     "7 S~ greeting 250-mx.example.org\n"
     "! starttls-after-tls 8\n"
     "8 S~ ehlo-line 250 STARTTLS\n"
     "9 C~ command QUIT\n"
     "10 S~ reply 221 bye\n"},
    /* A reply cut short is not judged for STARTTLS: its rest is unknown. */
    {"input ends inside the EHLO reply", AUTO, "250-mx.example.org\r\n250-SIZE 10\r\n", RAW, 1,
     "1 S greeting 250-mx.example.org\n"
     "2 S ehlo-line 250-SIZE 10\n"
     "! truncated-reply 2\n"},
    {"EHLO refused, HELO fallback", AUTO, "220 x\r\nEHLO a\r\n502 no\r\nHELO a\r\n250 ok\r\n", RAW,
     -1,
     "1 S banner 220 x\n"
     "2 C command EHLO a\n"
     "! ehlo-not-accepted 3\n"
     "3 S reply 502 no\n"
     "4 C command HELO a\n"
     "5 S reply 250 ok\n"},
    {"swaks transcript", AUTO,
     "=== Trying 127.0.0.1:2525...\n"
     "=== Connected to 127.0.0.1.\n"
     "<-  220 mx.example.org ESMTP\n"
     " -> EHLO client.example\n"
     "<-  250-mx.example.org\n"
     "<-  250-PIPELINING\n"
     "<-  250 STARTTLS\n"
     " -> STARTTLS\n"
     "<-  220 2.0.0 Ready to start TLS\n"
     "=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256\n"
     " ~> EHLO client.example\n"
     "<~  250-mx.example.org\n"
     "<~  250 STARTTLS\n"
     " ~> QUIT\n"
     "<~  221 bye\n",
     SWAKS, 5,
     "1 I info Trying 127.0.0.1:2525...\n"
     "2 I info Connected to 127.0.0.1.\n"
     "3 S banner 220 mx.example.org ESMTP\n"
     "4 C command EHLO client.example\n"
     "5 S greeting 250-mx.example.org\n"
     "6 S ehlo-line 250-PIPELINING\n"
     "7 S ehlo-line 250 STARTTLS\n"
     "8 C command STARTTLS\n"
     "9 S reply 220 2.0.0 Ready to start TLS\n"
     "10 I info TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256\n"
     "11 C~ command EHLO client.example\n"
     "12 S~ greeting 250-mx.example.org\n"
     "! starttls-after-tls 13\n"
     "13 S~ ehlo-line 250 STARTTLS\n"
     "14 C~ command QUIT\n"
     "15 S~ reply 221 bye\n"},
    {"smtpscope transcript, escapes and endings", AUTO,
     "# smtpscope transcript 1\n"
     "2026-11-22T07:10:00.000Z <-  220 mx.example.org ESMTP\n"
     "2026-11-22T07:10:00.001Z  -> EHLO a\n"
     "2026-11-22T07:10:00.002Z <-  250-mx.example.org \\x1b]0;pwned\\x07\n"
     "2026-11-22T07:10:00.003Z <-  250-X-PATH C:\\\\dir\n"
     "2026-11-22T07:10:00.004Z <-  250 STARTTLS\\n\n",
     TRANSCRIPT, 4,
     "2 S banner 220 mx.example.org ESMTP\n"
     "3 C command EHLO a\n"
     "! control-characters 4\n"
     "4 S greeting 250-mx.example.org ^[]0;pwned^G\n"
     "5 S ehlo-line 250-X-PATH C:\\\\dir\n"
     "! bare-lf 6\n"
     "6 S ehlo-line 250 STARTTLS\n"},
};

static void check_case(const struct lcase *c, size_t cut1, size_t cut2)
{
	struct log *log = calloc(1, sizeof *log);
	enum proto_format detected;
	int first_n;

	run(c->format, c->in, cut1, cut2, log, &detected, &first_n);
	if (strcmp(log->text, c->want) != 0)
		print_error("case %s, cuts %zu %zu:\n--- got\n%s--- want\n%s", c->name, cut1, cut2,
		            log->text, c->want);
	assert_int_equal(detected, c->detected);
	assert_int_equal(first_n, c->first_n);
	assert_string_equal(log->text, c->want);
	free(log);
}

static void test_cases_whole_and_split(void **state)
{
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = strlen(cases[i].in);
		for (k = 0; k <= len; k++)
			check_case(&cases[i], k, k);
		for (k = 0; k < len; k++)
			check_case(&cases[i], k, k + 1);
	}
}

static void test_detect(void **state)
{
	static const struct {
		const char *in;
		enum proto_format want;
	} t[] = {
	    {"# smtpscope transcript 1\n", TRANSCRIPT},
	    {"=== Trying 192.0.2.1:25...\n", SWAKS},
	    {"some note\n<-  220 hi\n", SWAKS},
	    {"220 hi\r\nEHLO a\r\n", RAW},
	    {"", RAW},
	    {"# smtpscope transcript 2\n", RAW},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(proto_format_detect(t[i].in, strlen(t[i].in)), t[i].want);
}

static void test_format_names(void **state)
{
	enum proto_format f;

	(void)state;
	assert_int_equal(proto_format_parse("swaks", &f), 0);
	assert_int_equal(f, SWAKS);
	assert_int_equal(proto_format_parse("transcript", &f), 0);
	assert_int_equal(f, TRANSCRIPT);
	assert_int_equal(proto_format_parse("SWAKS", &f), -1);
	assert_string_equal(proto_format_name(RAW), "raw");
}

/* The first EHLO reply before TLS is kept whole for the client matrix. */
static void test_first_ehlo_kept(void **state)
{
	static const char in[] = "EHLO a\r\n250-mx.example.org\r\n250-SIZE 1\r\n250 STARTTLS\r\n"
	                         "EHLO b\r\n250-other.example\r\n250 SIZE 2\r\n";
	struct log *log = calloc(1, sizeof *log);
	struct proto_source *src = proto_source_new(AUTO, &ops, log);
	const struct proto_reply *reply;
	unsigned n;

	(void)state;
	proto_source_feed(src, in, sizeof in - 1);
	proto_source_end(src);
	reply = proto_lint_first_ehlo(proto_source_lint(src), &n);
	assert_non_null(reply);
	assert_int_equal(n, 2);
	assert_int_equal(reply->nkept, 3);
	assert_memory_equal(reply->line[2].text, "250 STARTTLS", 12);
	assert_int_equal(proto_lint_first_ehlo_n(proto_source_lint(src), 2), 4);
	proto_source_free(src);
	free(log);
}

/* Counts what a turn of 20,050 server lines reports. */
struct bound {
	unsigned lines, infos, dups;
	char summary[128], last[64];
};

static void bound_line(void *ctx, const struct proto_lint_line *line)
{
	struct bound *b = ctx;

	if (line->dir == PROTO_DIR_INFO) {
		b->infos++;
		snprintf(b->summary, sizeof b->summary, "%.*s", (int)line->len, line->text);
		return;
	}
	b->lines++;
	snprintf(b->last, sizeof b->last, "%.*s", (int)line->len, line->text);
}

static void bound_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct bound *b = ctx;

	(void)n;
	b->dups += id == PROTO_F_DUPLICATE_KEYWORD;
}

/* Issue 10: one turn shows PROTO_LINT_TURN_LINES lines, then a summary and the reply's last. */
static void test_turn_bounded(void **state)
{
	static const struct proto_lint_ops bops = {bound_line, bound_finding};
	struct bound b = {0};
	struct proto_lint *lint = proto_lint_new(&bops, &b, PROTO_LINT_PAIRED);
	unsigned n = 1, i;

	(void)state;
	proto_lint_server(lint, n++, "220 mx", 6, PROTO_TERM_CRLF, false);
	proto_lint_client(lint, n++, "EHLO a", 6, false);
	proto_lint_server(lint, n++, "250-mx.example", 14, PROTO_TERM_CRLF, false);
	for (i = 0; i < 20048; i++)
		proto_lint_server(lint, n++, "250-X-DUP", 9, PROTO_TERM_CRLF, false);
	proto_lint_server(lint, n++, "250 STARTTLS", 12, PROTO_TERM_CRLF, false);
	/* Shown: the banner and EHLO (2), 10,000 server lines of the turn, the last line. */
	assert_int_equal(b.lines, 2 + PROTO_LINT_TURN_LINES + 1);
	assert_int_equal(b.infos, 1);
	assert_string_equal(b.summary, "... 10,049 lines not shown (110,539 bytes)");
	assert_string_equal(b.last, "250 STARTTLS");
	/* A duplicate on every shown line after the first, and once for those held back. */
	assert_int_equal(b.dups, PROTO_LINT_TURN_LINES - 2 + 1);
	assert_true(proto_lint_ehlo_starttls(lint));
	/* The next turn has its own share. */
	proto_lint_client(lint, n++, "QUIT", 4, false);
	proto_lint_server(lint, n++, "221 bye", 7, PROTO_TERM_CRLF, false);
	assert_string_equal(b.last, "221 bye");
	proto_lint_free(lint);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases_whole_and_split), cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_format_names),          cmocka_unit_test(test_first_ehlo_kept),
	    cmocka_unit_test(test_turn_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
