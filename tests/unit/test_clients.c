/*
 * test_clients.c: the client profiles against a matrix of EHLO reply shapes.
 * Every expectation follows from the rule each profile documents, read off
 * the client's source (see docs/clients.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/clients.h"
#include "proto/reply.h"

#define MAXL 8

/* The matrix columns, in this order. */
static const char *const ids[] = {
    "cisco-esa",        "postfix",        "exim",      "sendmail",
    "python-smtplib",   "go-net-smtp",    "dotnet",    "jakarta-mail",
    "opensmtpd",        "curl",           "swaks",     "msmtp",
    "openssl-s_client", "posttls-finger", "testssl",   "s-nail",
    "ruby-net-smtp",    "perl-net-smtp",  "phpmailer",
};

#define NIDS (sizeof ids / sizeof ids[0])

/*
 * One reply shape and what every client makes of it: want[k] is the 0-based
 * line where the client in column k finds STARTTLS, or '-' for none.
 */
struct shape {
	const char *name;
	const char *line[MAXL]; /* NULL ends the list */
	const char *want;
};

static const struct shape shapes[] = {
    {"field note, misordered",
     {"250-STARTTLS", "250-mail.domain1.com", "250-8BITMIME", "250-PIPELINING", "250-HELP",
      "250-DELIVERBY 300", "250 SIZE 30000000"},
     "--------00000000-0-"},
    {"field note, correct",
     {"250-mail-esa.com", "250-8BITMIME", "250-SIZE 33554432", "250 STARTTLS"},
     "3333333333333330333"},
    {"lower-case starttls", {"250-mx.example.org", "250 starttls"}, "11-11-11---1-1-0-1-"},
    {"mixed-case StartTLS", {"250-mx.example.org", "250 StartTLS"}, "11-11-11---1-1-0-1-"},
    {"X-NOSTARTTLS only",
     {"250-mx.example.org", "250-X-NOSTARTTLS", "250 8BITMIME"},
     "------------1--0---"},
    {"greeting text mentions STARTTLS",
     {"250-mx.example.org offers STARTTLS", "250 8BITMIME"},
     "------------0--0---"},
    {"trailing space", {"250-mx.example.org", "250 STARTTLS "}, "11111111-1-11110111"},
    {"parameter after a space", {"250-mx.example.org", "250 STARTTLS foo"}, "11111111-1-11110111"},
    {"parameter after '='", {"250-mx.example.org", "250 STARTTLS=foo"}, "-1-11-1--1-11110-1-"},
    {"STARTTLSX", {"250-mx.example.org", "250 STARTTLSX"}, "------1--1-11-10---"},
    {"tab after the keyword",
     {"250-mx.example.org", "250-STARTTLS\tfoo", "250 8BITMIME"},
     "--1-1-1--1-1111011-"},
    {"tab after the code", {"250-mx.example.org", "250\tSTARTTLS"}, "1---1--11---11-011-"},
    {"keyword and domain swapped", {"250-STARTTLS", "250 mx.example.org"}, "--------00000000-0-"},
    {"swapped, greeting text",
     {"250-STARTTLS", "250 mx.example.org Hello client [192.0.2.1]"},
     "--------00000000-0-"},
    {"single line", {"250 STARTTLS"}, "--------00000000-0-"},
    {"advertised twice",
     {"250-mx.example.org", "250-STARTTLS", "250 STARTTLS"},
     "1111111111111110111"},
    {"empty greeting line", {"250-", "250 STARTTLS"}, "1-11111111111110111"},
    {"empty reply", {NULL}, "-------------------"},
    /* Seen running go1.19: Go keeps a line whose code differs from the first
     * line's whole ("252-STARTTLS"), so it yields no STARTTLS. */
    {"mixed codes, 252-STARTTLS",
     {"250-mx.mixed-codes.example", "250-8BITMIME", "252-STARTTLS", "250 SIZE 10240000"},
     "22-22-22222222-0222"},
};

/* About 70 KB: static, never on the stack. */
static struct proto_reply reply;

static void add_line(const char *text, bool last)
{
	struct proto_line line;

	memset(&line, 0, sizeof line);
	line.text = text;
	line.len = strlen(text);
	line.wire_len = line.len + 2;
	line.flags = 0;
	line.code = line.len >= 3 ? atoi(text) : -1;
	line.sep = line.len > 3 ? (unsigned char)text[3] : -1;
	line.last = last;
	line.index = reply.nlines;
	proto_reply_add(&reply, &line);
}

static void build(const struct shape *s)
{
	size_t i;

	proto_reply_reset(&reply);
	for (i = 0; i < MAXL && s->line[i] != NULL; i++)
		add_line(s->line[i], i + 1 == MAXL || s->line[i + 1] == NULL);
}

static const struct proto_client *client(const char *id)
{
	const struct proto_client *c = proto_client_find(id);

	if (c == NULL)
		fail_msg("no profile %s", id);
	return c;
}

static void test_matrix(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		build(&shapes[i]);
		assert_int_equal(strlen(shapes[i].want), NIDS);
		for (k = 0; k < NIDS; k++) {
			char want = shapes[i].want[k];
			int got = proto_client_starttls_line(client(ids[k]), &reply);
			int exp = want == '-' ? -1 : want - '0';

			if (got != exp)
				fail_msg("%s / %s: got %d, want %d", shapes[i].name, ids[k], got,
				         exp);
		}
	}
}

/* Measured: lower-case starttls, seen by Postfix and smtplib only of these. */
static void test_fact_lower_case(void **state)
{
	static const struct shape s = {"fact", {"250-mx.example.org", "250 starttls"}, ""};

	(void)state;
	build(&s);
	assert_true(proto_client_starttls_line(client("postfix"), &reply) >= 0);
	assert_true(proto_client_starttls_line(client("python-smtplib"), &reply) >= 0);
	assert_int_equal(proto_client_starttls_line(client("swaks"), &reply), -1);
	assert_int_equal(proto_client_starttls_line(client("curl"), &reply), -1);
	assert_int_equal(proto_client_starttls_line(client("openssl-s_client"), &reply), -1);
}

/* Measured: X-NOSTARTTLS fools only s_client's substring search; s-nail
 * reads no keyword and sends STARTTLS after any reply (line 1). */
static void test_fact_x_nostarttls(void **state)
{
	static const struct shape s = {
	    "fact", {"250-mx.example.org", "250-X-NOSTARTTLS", "250 8BITMIME"}, ""};
	size_t i;

	(void)state;
	build(&s);
	for (i = 0; i < proto_client_count(); i++) {
		const struct proto_client *c = proto_client_at(i);
		int got = proto_client_starttls_line(c, &reply);

		if (strcmp(proto_client_id(c), "openssl-s_client") == 0)
			assert_int_equal(got, 1);
		else if (strcmp(proto_client_id(c), "s-nail") == 0)
			assert_int_equal(got, 0);
		else if (got != -1)
			fail_msg("%s sees STARTTLS in X-NOSTARTTLS", proto_client_id(c));
	}
}

/* More lines than a reply keeps: the kept lines are read, no end required. */
static void test_clipped_reply(void **state)
{
	size_t i;

	(void)state;
	proto_reply_reset(&reply);
	add_line("250-mx.example.org", false);
	add_line("250-STARTTLS", false);
	for (i = 0; i < PROTO_REPLY_KEEP; i++)
		add_line("250-PIPELINING", false);
	add_line("250 8BITMIME", true);
	assert_true(reply.nkept < reply.nlines);
	assert_int_equal(proto_client_starttls_line(client("postfix"), &reply), 1);
	assert_int_equal(proto_client_starttls_line(client("swaks"), &reply), 1);
}

/* Lower case, digits and hyphens; '_' where the program's name has one. */
static bool kebab(const char *id)
{
	const char *p;

	if (*id == '\0' || *id == '-')
		return false;
	for (p = id; *p != '\0'; p++) {
		bool ok =
		    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';

		if (!ok || (p[0] == '-' && (p[1] == '-' || p[1] == '\0')))
			return false;
	}
	return true;
}

static void test_table(void **state)
{
	size_t i, j, n = proto_client_count();

	(void)state;
	assert_true(n >= NIDS);
	assert_null(proto_client_at(n));
	for (i = 0; i < n; i++) {
		const struct proto_client *c = proto_client_at(i);

		assert_non_null(c);
		if (!kebab(proto_client_id(c)))
			fail_msg("id %s is not kebab-case", proto_client_id(c));
		assert_true(strlen(proto_client_name(c)) > 0);
		assert_true(strlen(proto_client_rule(c)) > 0);
		assert_true(strlen(proto_client_basis(c)) > 0);
		assert_ptr_equal(proto_client_find(proto_client_id(c)), c);
		for (j = 0; j < i; j++)
			assert_string_not_equal(proto_client_id(proto_client_at(j)),
			                        proto_client_id(c));
	}
}

static void test_find(void **state)
{
	(void)state;
	assert_non_null(proto_client_find("postfix"));
	assert_string_equal(proto_client_id(proto_client_find("curl")), "curl");
	assert_null(proto_client_find("Postfix"));
	assert_null(proto_client_find("no-such-client"));
	assert_null(proto_client_find(""));
	assert_null(proto_client_find(NULL));
	build(&shapes[1]);
	assert_int_equal(proto_client_starttls_line(NULL, &reply), -1);
	assert_int_equal(proto_client_starttls_line(client("postfix"), NULL), -1);
}

/* The grouping the source confirmed: these eight take line 1 as the greeting;
 * so does Ruby's net-smtp, added after the issue. */
static void test_skips_first_line(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < NIDS; k++)
		assert_int_equal(proto_client_skips_first_line(client(ids[k])),
		                 k < 8 || strcmp(ids[k], "ruby-net-smtp") == 0 ||
		                     strcmp(ids[k], "phpmailer") == 0);
}

/* A line of len bytes, NUL allowed, for the cases strlen cannot carry. */
static void add_bytes(const char *text, size_t len, bool last)
{
	struct proto_line line;

	memset(&line, 0, sizeof line);
	line.text = text;
	line.len = len;
	line.wire_len = len + 2;
	line.code = len >= 3 ? atoi(text) : -1;
	line.sep = len > 3 ? (unsigned char)text[3] : -1;
	line.last = last;
	line.index = reply.nlines;
	proto_reply_add(&reply, &line);
}

/*
 * Ruby's net-smtp (CODE_STATUS_2): only line 1's first byte is checked (a
 * reply that does not start with 2 makes it fall back to HELO); a last line
 * under three bytes makes Response#capabilities raise NoMethodError. Other
 * lines need no code. Seen running net-smtp 0.3.1 against the lab.
 */
static void test_status_2(void **state)
{
	static const struct {
		const char *line[MAXL];
		int want;
	} cases[] = {
	    {{"550-mx.example.org", "250 STARTTLS"}, -1},
	    {{"2xx-mx.example.org", "250 STARTTLS"}, 1},
	    {{"", "250 STARTTLS"}, -1},
	    {{"250-mx.example.org", "250-STARTTLS", "25"}, -1},
	    {{"250-mx.example.org", "250-STARTTLS", ""}, -1},
	    {{"250-mx.example.org", "250-STARTTLS", "250"}, 1},
	    {{"250-mx.example.org", "abc-STARTTLS", "xyz 8BITMIME"}, 1},
	    {{"250-mx.example.org", "250 \tSTARTTLS"}, 1},
	    {{"250-mx.example.org", "250-STARTTLS\vx", "250 8BITMIME"}, 1},
	    {{"250-mx.example.org", "250-STARTTLS=x", "250 8BITMIME"}, -1},
	};
	const struct proto_client *ruby = client("ruby-net-smtp");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct shape s = {"status 2", {NULL}, ""};
		int got;

		memcpy(s.line, cases[i].line, sizeof s.line);
		build(&s);
		got = proto_client_starttls_line(ruby, &reply);
		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
	}
}

/* The clients that send STARTTLS without looking, and only they, say so in their rule. */
static void test_regardless(void **state)
{
	const struct proto_client *c;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < proto_client_count(); i++) {
		c = proto_client_at(i);
		if (proto_client_regardless(c) !=
		    (strstr(proto_client_rule(c), "sends STARTTLS even if absent") != NULL))
			fail_msg("%s: the flag and the rule disagree", proto_client_id(c));
		n += proto_client_regardless(c);
	}
	assert_int_equal(n, 2);
	assert_true(proto_client_regardless(proto_client_find("s-nail")));
	assert_true(proto_client_regardless(proto_client_find("openssl-s_client")));
	assert_false(proto_client_regardless(NULL));
}

/* The verdict of one client on one reply: its outcome, line, time-out and a piece of its why. */
struct verdict_case {
	const char *name;
	const char *line[MAXL];
	const char *id;
	enum proto_outcome outcome;
	int line_at;
	int timeout_s;
	const char *why; /* a part of the reason */
};

static const struct verdict_case verdicts[] = {
    {"misordered, Postfix",
     {"250-STARTTLS", "250-mx.example.org", "250 8BITMIME"},
     "postfix",
     PROTO_OUTCOME_PLAINTEXT,
     0,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "takes line 1, which holds STARTTLS, for the greeting: goes on without TLS"},
    {"misordered, .NET stops",
     {"250-STARTTLS", "250-mx.example.org", "250 8BITMIME"},
     "dotnet",
     PROTO_OUTCOME_ABORT,
     0,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "for the greeting: with EnableSsl it throws SmtpException"},
    {"misordered, curl",
     {"250-STARTTLS", "250-mx.example.org", "250 8BITMIME"},
     "curl",
     PROTO_OUTCOME_STARTTLS,
     0,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "finds STARTTLS on line 1"},
    {"a bad code, Exim rejects",
     {"250-mx.example.org", "25O-8BITMIME", "250 STARTTLS"},
     "exim",
     PROTO_OUTCOME_ABORT,
     1,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "rejects the reply: line 2 does not start with three digits"},
    {"no separator, msmtp rejects",
     {"250-mx.example.org", "250+8BITMIME", "250 STARTTLS"},
     "msmtp",
     PROTO_OUTCOME_ABORT,
     1,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "line 2 has neither a space nor a hyphen after its code"},
    {"a bare code last, swaks waits",
     {"250-mx.example.org", "250-STARTTLS", "250"},
     "swaks",
     PROTO_OUTCOME_STALL,
     -1,
     30,
     "never sees the reply end (no line is three digits and a space): waits for its time-out "
     "of 30 s"},
    {"a bare code last, Go waits without a time-out",
     {"250-mx.example.org", "250-STARTTLS", "250"},
     "go-net-smtp",
     PROTO_OUTCOME_STALL,
     -1,
     PROTO_CLIENT_NO_TIMEOUT,
     "waits until the server gives up"},
    {"a bare code last, smtplib ends there",
     {"250-mx.example.org", "250-STARTTLS", "250"},
     "python-smtplib",
     PROTO_OUTCOME_STARTTLS,
     1,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "finds STARTTLS on line 2"},
    {"a short last line, Ruby fails",
     {"250-mx.example.org", "250-STARTTLS", "25"},
     "ruby-net-smtp",
     PROTO_OUTCOME_ABORT,
     2,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "rejects the reply: line 3 is shorter than three bytes"},
    {"none offered, msmtp gives up",
     {"250-mx.example.org", "250 8BITMIME"},
     "msmtp",
     PROTO_OUTCOME_ABORT,
     -1,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "sees no STARTTLS by its rule: with tls on (as tested) it gives up"},
    {"none offered, s_client sends it anyway",
     {"250-mx.example.org", "250 8BITMIME"},
     "openssl-s_client",
     PROTO_OUTCOME_STARTTLS,
     -1,
     PROTO_CLIENT_TIMEOUT_UNKNOWN,
     "sends STARTTLS without looking; it finds none in the reply"},
};

static void test_verdicts(void **state)
{
	struct proto_client_verdict v;
	struct shape s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof verdicts / sizeof verdicts[0]; i++) {
		const struct verdict_case *c = &verdicts[i];

		memset(&s, 0, sizeof s);
		memcpy(s.line, c->line, sizeof s.line);
		build(&s);
		proto_client_judge(client(c->id), &reply, NULL, &v);
		if (v.outcome != c->outcome || v.line != c->line_at ||
		    v.timeout_s != c->timeout_s || strstr(v.why, c->why) == NULL)
			fail_msg("%s: %s, line %d, time-out %d, \"%s\"", c->name,
			         proto_outcome_name(v.outcome), v.line, v.timeout_s, v.why);
		/* The yes/no answer is the outcome's. */
		assert_int_equal(proto_client_starttls_line(client(c->id), &reply) >= 0,
		                 v.outcome == PROTO_OUTCOME_STARTTLS && v.line >= 0);
	}
}

/* The reason names the caller's line numbers; without a reply there is nothing to judge. */
static void test_verdict_numbers(void **state)
{
	static const struct shape s = {"numbered", {"250-mx.example.org", "250 STARTTLS"}, ""};
	static const unsigned numbers[] = {41, 42};
	struct proto_client_verdict v;

	(void)state;
	build(&s);
	proto_client_judge(client("postfix"), &reply, numbers, &v);
	assert_string_equal(v.why, "finds STARTTLS on line 42");
	proto_client_judge(client("postfix"), NULL, NULL, &v);
	assert_int_equal(v.outcome, PROTO_OUTCOME_PLAINTEXT);
	assert_string_equal(v.why, "no EHLO reply to judge");
	/* A reply of no line is no reply: nothing for a client to wait for. */
	proto_reply_reset(&reply);
	proto_client_judge(client("swaks"), &reply, NULL, &v);
	assert_int_equal(v.outcome, PROTO_OUTCOME_PLAINTEXT);
	assert_string_equal(v.why, "no EHLO reply to judge");
	assert_string_equal(proto_outcome_name(PROTO_OUTCOME_STALL), "stall");
	assert_string_equal(proto_outcome_name(PROTO_OUTCOME_ABORT), "abort");
}

/*
 * MATCH_WORD, Perl Net::SMTP's hello(): the keyword is the first match of
 * /([-\w]+)\b/ anywhere after the code, bytes read as bytes (8-bit ones are
 * not \w). want is the line, or -1.
 */
static void test_perl_word(void **state)
{
	static const struct {
		const char *line[MAXL];
		int want;
	} cases[] = {
	    {{"250-mx.example.org", "250 STARTTLS"}, 1},
	    {{"250-mx.example.org", "250 STARTTLS_X"}, -1},        /* '_' is a word byte */
	    {{"250-mx.example.org", "250 STARTTLS-"}, 1},          /* trailing hyphens cut */
	    {{"250-mx.example.org", "250 STARTTLS--x"}, -1},       /* inner ones are kept */
	    {{"250-mx.example.org", "250 -STARTTLS"}, -1},         /* a leading one too */
	    {{"250-mx.example.org", "250 -- STARTTLS"}, 1},        /* hyphens alone: passed over */
	    {{"250-mx.example.org", "250 .STARTTLS"}, 1},          /* any other byte too */
	    {{"250-mx.example.org", "250 ==STARTTLS=x"}, 1},       /* ... and ends the run */
	    {{"250-mx.example.org", "250 \xe9STARTTLS\xe9"}, 1},   /* 8-bit bytes are not \w */
	    {{"250-mx.example.org", "2500STARTTLS"}, 1},           /* any fourth byte */
	    {{"250-mx.example.org", "250 8BITMIME STARTTLS"}, -1}, /* one keyword a line */
	    {{"250-mx.example.org", "250-STARTTLS", "250"}, 1},    /* the bare code ends it */
	    {{"250-mx.example.org", "250-STARTTLS", "xyz", "250 8BITMIME"}, -1}, /* rejected */
	    {{"250-mx.example.org", "250-STARTTLS"}, -1},                /* never ends: it waits */
	    {{"250-STARTTLS", "250 mx.example.org"}, 0},                 /* line 1 is read */
	    {{"250-mx.example.org", "252-StartTls", "250 8BITMIME"}, 1}, /* any code */
	};
	const struct proto_client *c = client("perl-net-smtp");
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct shape s = {"perl", {NULL}, ""};
		int got;

		for (k = 0; k < MAXL; k++)
			s.line[k] = cases[i].line[k];
		build(&s);
		got = proto_client_starttls_line(c, &reply);
		if (got != cases[i].want)
			fail_msg("case %zu (%s): got %d, want %d", i, cases[i].line[1], got,
			         cases[i].want);
	}
}

/* PHPMailer on the lines of one reply, given by build(). */
static int phpmailer(const struct shape *s)
{
	build(s);
	return proto_client_starttls_line(client("phpmailer"), &reply);
}

/*
 * CODE_250_LINE1: sendCommand() reads the code off the start of the whole
 * reply, so line 1 must start 250 (else EHLO failed and HELO follows), and
 * no other line's code is looked at.
 */
static void test_phpmailer_code(void **state)
{
	static const struct shape first_220 = {"", {"220-mx.example.org", "250 STARTTLS"}, ""};
	static const struct shape first_25x = {"", {"25x-mx.example.org", "250 STARTTLS"}, ""};
	static const struct shape first_bare = {"", {"250", "250 STARTTLS"}, ""};
	static const struct shape first_nosep = {"", {"250mx.example.org", "250 STARTTLS"}, ""};
	static const struct shape later = {
	    "", {"250-mx.example.org", "xyz-STARTTLS", "554-8BITMIME", "250 SIZE 1"}, ""};

	(void)state;
	assert_int_equal(phpmailer(&first_220), -1);
	assert_int_equal(phpmailer(&first_25x), -1);
	/* The bare code passes the code check but ends the reply at once. */
	assert_int_equal(phpmailer(&first_bare), -1);
	/* "250m": no hyphen, but not a space either: get_lines() reads on. */
	assert_int_equal(phpmailer(&first_nosep), 1);
	assert_int_equal(phpmailer(&later), 1);
}

/*
 * END_SHORT_SPACE: get_lines() stops at a line under four bytes or whose
 * fourth is a space or CR, whatever the code; any other fourth byte, tab
 * included, reads on, and a reply that never ends yields nothing.
 */
static void test_phpmailer_end(void **state)
{
	static const struct shape short_line = {
	    "", {"250-mx.example.org", "25", "250 STARTTLS"}, ""};
	static const struct shape empty_line = {"", {"250-mx.example.org", "", "250 STARTTLS"}, ""};
	static const struct shape no_code_space = {
	    "", {"250-mx.example.org", "abc STARTTLS", "250 SIZE 1"}, ""};
	static const struct shape cr_fourth = {
	    "", {"250-mx.example.org", "250\rSTARTTLS", "250 SIZE 1"}, ""};
	static const struct shape tab_fourth = {
	    "", {"250-mx.example.org", "250\tSTARTTLS", "250 SIZE 1"}, ""};
	static const struct shape x_fourth = {
	    "", {"250-mx.example.org", "250xSTARTTLS", "250 SIZE 1"}, ""};
	static const struct shape never = {"", {"250-mx.example.org", "250-STARTTLS"}, ""};

	(void)state;
	assert_int_equal(phpmailer(&short_line), -1);
	assert_int_equal(phpmailer(&empty_line), -1);
	assert_int_equal(phpmailer(&no_code_space), 1);
	assert_int_equal(phpmailer(&cr_fourth), 1);
	assert_int_equal(phpmailer(&tab_fourth), 1);
	assert_int_equal(phpmailer(&x_fourth), 1);
	assert_int_equal(phpmailer(&never), -1);
}

/*
 * MATCH_FIELD: parseHelloFields() trims the text (space, tab, LF, CR, VT,
 * NUL; not FF), then takes the first field split at a space; the name is an
 * array key, so the comparison is exact and case-sensitive.
 */
static void test_phpmailer_field(void **state)
{
	static const struct shape trailing_tab = {"", {"250-mx.example.org", "250 STARTTLS\t"}, ""};
	static const struct shape trailing_ws = {
	    "", {"250-mx.example.org", "250 STARTTLS \t\v\r"}, ""};
	static const struct shape leading_tab = {"", {"250-mx.example.org", "250 \tSTARTTLS"}, ""};
	static const struct shape inner_tab = {"", {"250-mx.example.org", "250 STARTTLS\t x"}, ""};
	static const struct shape trailing_ff = {"", {"250-mx.example.org", "250 STARTTLS\f"}, ""};
	static const struct shape lower = {"", {"250-mx.example.org", "250 starttls"}, ""};
	static const char nul_end[] = "250 STARTTLS\0";
	static const char nul_lead[] = "250 \0STARTTLS";
	static const char nul_inner[] = "250 STARTTLS\0x";

	(void)state;
	assert_int_equal(phpmailer(&trailing_tab), 1);
	assert_int_equal(phpmailer(&trailing_ws), 1);
	assert_int_equal(phpmailer(&leading_tab), 1);
	assert_int_equal(phpmailer(&inner_tab), -1);
	assert_int_equal(phpmailer(&trailing_ff), -1);
	assert_int_equal(phpmailer(&lower), -1);
	proto_reply_reset(&reply);
	add_line("250-mx.example.org", false);
	add_bytes(nul_end, sizeof nul_end - 1, true);
	assert_int_equal(proto_client_starttls_line(client("phpmailer"), &reply), 1);
	proto_reply_reset(&reply);
	add_line("250-mx.example.org", false);
	add_bytes(nul_lead, sizeof nul_lead - 1, true);
	assert_int_equal(proto_client_starttls_line(client("phpmailer"), &reply), 1);
	proto_reply_reset(&reply);
	add_line("250-mx.example.org", false);
	add_bytes(nul_inner, sizeof nul_inner - 1, true);
	assert_int_equal(proto_client_starttls_line(client("phpmailer"), &reply), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdicts),
	    cmocka_unit_test(test_verdict_numbers),
	    cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_fact_lower_case),
	    cmocka_unit_test(test_fact_x_nostarttls),
	    cmocka_unit_test(test_clipped_reply),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_skips_first_line),
	    cmocka_unit_test(test_regardless),
	    cmocka_unit_test(test_perl_word),
	    cmocka_unit_test(test_status_2),
	    cmocka_unit_test(test_phpmailer_field),
	    cmocka_unit_test(test_phpmailer_end),
	    cmocka_unit_test(test_phpmailer_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
