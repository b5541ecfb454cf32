/*
 * test_session.c: the session engine, in the manner of curl's test files:
 * each case says what the server sends and what the client must send back.
 * Server bytes are fed whole and, in a second run, one byte at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_owner.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/session.h"

enum tls_event { TLS_NONE, TLS_VERIFIED, TLS_UNVERIFIED, TLS_FAILS };

struct step {
	const char *server; /* bytes the server sends; NULL: it closes */
	const char *sent;   /* what the client sends after it (run_case adds them up) */
	enum tls_event tls; /* the handshake asked for before this step */
};

struct scase {
	const char *name;
	struct proto_session_config config;
	struct step step[12];
	enum proto_session_state end;
	const char *findings; /* ids, space-separated, in order */
	const char *error;    /* substring of the error, or NULL */
	bool whole_only;      /* the bytes must arrive in one read */
};

static const struct proto_session_ops ops = {fake_send, fake_starttls, fake_line, fake_finding,
                                             NULL};

static void do_tls(struct proto_session *s, struct fake_owner *r, enum tls_event tls)
{
	if (tls == TLS_NONE) {
		assert_false(r->starttls);
		return;
	}
	assert_true(r->starttls);
	assert_int_equal(proto_session_state(s), PROTO_S_HANDSHAKE);
	r->starttls = false;
	proto_session_info(s, "TLS started");
	proto_session_tls_done(s, tls != TLS_FAILS, tls == TLS_VERIFIED,
	                       tls == TLS_FAILS ? "no shared cipher" : NULL);
}

static void run_case(const struct scase *c, bool bytewise)
{
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s = proto_session_new(&c->config, &ops, r);
	const struct step *st;

	assert_non_null(s);
	proto_session_start(s);
	for (st = c->step; st->sent != NULL; st++) {
		do_tls(s, r, st->tls);
		if (st->server != NULL)
			fake_feed(s, st->server, bytewise);
		else
			proto_session_eof(s);
		fake_sent_next(r, st->sent, c->name);
	}
	assert_string_equal(proto_session_state_name(proto_session_state(s)),
	                    proto_session_state_name(c->end));
	assert_string_equal(r->findings, c->findings);
	if (c->error != NULL)
		assert_non_null(strstr(proto_session_error(s), c->error));
	proto_session_free(s);
	free(r);
}

#define BANNER "220 mail.domain1.com ESMTP Service ready\r\n"
#define MISORDERED                                                                                 \
	"250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"   \
	"250-DELIVERBY 300\r\n250 SIZE 30000000\r\n"
#define CORRECT "250-mail-esa.com\r\n250-8BITMIME\r\n250-SIZE 33554432\r\n250 STARTTLS\r\n"
#define PLAIN   "250-mx.example.org\r\n250 SIZE 1000\r\n"
#define EHLO    "EHLO client.example\r\n"
#define AUTO                                                                                       \
	{                                                                                          \
		.helo = "client.example", .starttls = PROTO_STARTTLS_AUTO                          \
	}

static const struct scase cases[] = {
    {"misordered, auto: STARTTLS is sent, TLS verified",
     AUTO,
     {{BANNER, EHLO},
      {MISORDERED, "STARTTLS\r\n"},
      {"220 2.0.0 Ready\r\n", ""},
      {PLAIN, EHLO "QUIT\r\n", TLS_VERIFIED},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "starttls-before-greeting invalid-ehlo-keyword",
     NULL},
    {"misordered, strict: like Postfix, no STARTTLS",
     {.helo = "client.example", .starttls = PROTO_STARTTLS_STRICT},
     {{BANNER, EHLO}, {MISORDERED, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "starttls-before-greeting invalid-ehlo-keyword",
     NULL},
    {"correct, strict: STARTTLS is sent, TLS unverified",
     {.helo = "client.example", .starttls = PROTO_STARTTLS_STRICT},
     {{BANNER, EHLO},
      {CORRECT, "STARTTLS\r\n"},
      {"220 Ready\r\n", ""},
      {PLAIN, EHLO "QUIT\r\n", TLS_UNVERIFIED},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "tls-unverified",
     NULL},
    {"never: no STARTTLS",
     {.helo = "client.example", .starttls = PROTO_STARTTLS_NEVER},
     {{BANNER, EHLO}, {CORRECT, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "",
     NULL},
    {"force: STARTTLS though not offered",
     {.helo = "client.example", .starttls = PROTO_STARTTLS_FORCE},
     {{BANNER, EHLO},
      {PLAIN, "STARTTLS\r\n"},
      {"454 TLS not available\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "no-starttls starttls-rejected",
     NULL},
    {"EHLO refused: HELO fallback",
     AUTO,
     {{BANNER, EHLO},
      {"502 5.5.1 EHLO not implemented\r\n", "HELO client.example\r\n"},
      {"250 mx.example.org\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "ehlo-not-accepted",
     NULL},
    {"bytes injected after the 220 are discarded",
     AUTO,
     {{BANNER, EHLO},
      {CORRECT, "STARTTLS\r\n"},
      {"220 Ready\r\n250 injected\r\n", ""},
      {PLAIN, EHLO "QUIT\r\n", TLS_VERIFIED},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "starttls-response-injection",
     NULL,
     true},
    {"421 banner: QUIT, then failure",
     AUTO,
     {{"421 4.7.0 Try again later\r\n", "QUIT\r\n"}, {NULL, ""}},
     PROTO_S_FAILED,
     "",
     "refused the session at its banner (reply 421)"},
    {"the server closes inside the EHLO reply",
     AUTO,
     {{BANNER, EHLO}, {"250-mx.example.org\r\n250-SIZE 1\r\n", ""}, {NULL, ""}},
     PROTO_S_FAILED,
     "truncated-reply",
     "while smtpscope waited for the reply to EHLO"},
    {"the handshake fails",
     AUTO,
     {{BANNER, EHLO}, {CORRECT, "STARTTLS\r\n"}, {"220 Ready\r\n", ""}, {"", "", TLS_FAILS}},
     PROTO_S_FAILED,
     "tls-handshake-failed",
     "the TLS handshake failed: no shared cipher"},
    {"a whole transaction, dot-stuffed",
     {.helo = "c.example",
      .starttls = PROTO_STARTTLS_NEVER,
      .from = "a@example.com",
      .rcpt = {"b@example.org", "c@example.org"},
      .nrcpt = 2,
      .data = "Subject: t\r\n\r\n.hidden\nend\r\n",
      .data_len = 27},
     {{"220 x\r\n", "EHLO c.example\r\n"},
      {PLAIN, "MAIL FROM:<a@example.com>\r\n"},
      {"250 ok\r\n", "RCPT TO:<b@example.org>\r\n"},
      {"550 no\r\n", "RCPT TO:<c@example.org>\r\n"},
      {"250 ok\r\n", "DATA\r\n"},
      {"354 go\r\n", "Subject: t\r\n\r\n..hidden\r\nend\r\n.\r\n"},
      {"250 queued\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "no-starttls",
     NULL},
    /* Issue 10: replies sent ahead of their command answer nothing. */
    {"a fake EHLO reply in the greeting's write is early, not the EHLO reply",
     AUTO,
     {{BANNER "250-fake.example\r\n250 SIZE 1\r\n", EHLO},
      {CORRECT, "STARTTLS\r\n"},
      {"220 Ready\r\n", ""},
      {PLAIN, EHLO "QUIT\r\n", TLS_VERIFIED},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "early-reply",
     NULL,
     true},
    {"an early 220 does not answer STARTTLS before it is sent",
     AUTO,
     {{BANNER, EHLO},
      {CORRECT "220 Ready\r\n", "STARTTLS\r\n"},
      {"454 TLS not available\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "early-reply starttls-rejected",
     NULL,
     true},
    {"a reply sent ahead of QUIT leaves QUIT waiting for its own",
     AUTO,
     {{BANNER, EHLO}, {CORRECT, "STARTTLS\r\n"}, {"454 no\r\n221 bye\r\n", "QUIT\r\n"}},
     PROTO_S_QUIT,
     "early-reply starttls-rejected",
     NULL,
     true},
    {"an early line begun in the same write holds the next command until it ends",
     AUTO,
     {{BANNER "250-fa", ""},
      {"ke.example\r\n", ""},
      {"250 SIZE 1\r\n", EHLO},
      {CORRECT, "STARTTLS\r\n"}},
     PROTO_S_STARTTLS,
     "early-reply",
     NULL,
     true},
    {"an early 421 is no finding, and QUIT follows the banner's refusal",
     AUTO,
     {{"554 no\r\n421 bye\r\n", "QUIT\r\n"}, {NULL, ""}},
     PROTO_S_FAILED,
     "",
     "refused the session at its banner (reply 554)",
     true},
    {"quit after EHLO",
     {.helo = "client.example", .quit_after = PROTO_QUIT_EHLO},
     {{BANNER, EHLO}, {CORRECT, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "",
     NULL},
    {"quit after the handshake",
     {.helo = "client.example", .quit_after = PROTO_QUIT_STARTTLS},
     {{BANNER, EHLO},
      {CORRECT, "STARTTLS\r\n"},
      {"220 Ready\r\n", ""},
      {"221 bye\r\n", "QUIT\r\n", TLS_VERIFIED}},
     PROTO_S_DONE,
     "",
     NULL},
    {"implicit TLS: STARTTLS inside TLS is a finding, not sent",
     {.helo = "client.example", .tls_on_connect = true},
     {{BANNER, EHLO}, {CORRECT, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     "starttls-after-tls",
     NULL},
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_case(&cases[i], false);
		/* Bytes that arrive after the 220 in a later read go to TLS, not here. */
		if (!cases[i].whole_only)
			run_case(&cases[i], true);
	}
}

static void test_names(void **state)
{
	enum proto_quit_after q;
	enum proto_starttls_policy p;

	(void)state;
	assert_string_equal(proto_session_state_name(PROTO_S_TLS_EHLO), "tls-ehlo");
	assert_int_equal(proto_quit_after_parse("tls-ehlo", &q), 0);
	assert_int_equal(q, PROTO_QUIT_TLS_EHLO);
	assert_int_equal(proto_quit_after_parse("never", &q), -1);
	assert_int_equal(proto_starttls_policy_parse("strict", &p), 0);
	assert_int_equal(p, PROTO_STARTTLS_STRICT);
	assert_int_equal(proto_starttls_policy_parse("sometimes", &p), -1);
}

/* A session of the config AUTO with timeout_ms, for the ops with and ctx, started. */
static struct proto_session *started(const struct proto_session_ops *with, void *ctx,
                                     int timeout_ms)
{
	struct proto_session_config config = AUTO;
	struct proto_session *s;

	config.timeout_ms = timeout_ms;
	s = proto_session_new(&config, with, ctx);
	assert_non_null(s);
	proto_session_start(s);
	return s;
}

/* started, then greeted by BANNER: the EHLO is sent. */
static struct proto_session *greeted(const struct proto_session_ops *with, void *ctx,
                                     int timeout_ms)
{
	struct proto_session *s = started(with, ctx, timeout_ms);

	proto_session_feed(s, BANNER, strlen(BANNER));
	return s;
}

/* Step mode: the owner sends, edits, skips and types commands. */
static const struct proto_session_ops step_ops = {fake_send,    fake_starttls, fake_line,
                                                  fake_finding, NULL,          fake_pending};

static struct proto_session *stepped(struct fake_owner *st, enum proto_starttls_policy policy)
{
	struct proto_session_config config = {
	    .helo = "client.example", .starttls = policy, .step = true};
	struct proto_session *s = proto_session_new(&config, &step_ops, st);

	memset(st, 0, sizeof *st);
	proto_session_start(s);
	return s;
}

static void test_step_send_edit_skip(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	assert_string_equal(proto_session_pending(s), "EHLO client.example");
	assert_int_equal(st->nsent, 0);
	assert_int_equal(proto_session_send_pending(s, "EHLO edited.example"), 0);
	assert_string_equal(st->sent, "EHLO edited.example\r\n");
	assert_null(proto_session_pending(s));
	assert_int_equal(proto_session_command(s, "NOOP"), -1); /* EHLO awaits its reply */
	proto_session_feed(s, CORRECT, strlen(CORRECT));
	assert_string_equal(st->pending, "STARTTLS");
	assert_int_equal(proto_session_skip(s), 0);
	assert_string_equal(proto_session_pending(s), "QUIT");
	assert_int_equal(proto_session_skip(s), -1);
	assert_int_equal(proto_session_send_pending(s, NULL), 0);
	proto_session_feed(s, "221 bye\r\n", 9);
	assert_int_equal(proto_session_state(s), PROTO_S_DONE);
	assert_string_equal(st->sent, "EHLO edited.example\r\nQUIT\r\n");
	proto_session_free(s);
	free(st);
}

static void test_step_free_commands(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_STRICT);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, MISORDERED, strlen(MISORDERED));
	/* Strict, like Postfix: no STARTTLS planned, QUIT is next. */
	assert_string_equal(proto_session_pending(s), "QUIT");
	/* An edit with another verb is a free command; the plan keeps waiting. */
	assert_int_equal(proto_session_send_pending(s, "NOOP"), 0);
	proto_session_feed(s, "250 ok\r\n", 8);
	assert_string_equal(proto_session_pending(s), "QUIT");
	assert_int_equal(st->notified, 3);
	/* The user sends STARTTLS anyway: TLS starts, then EHLO is planned. */
	assert_int_equal(proto_session_command(s, "starttls"), 0);
	proto_session_feed(s, "220 go\r\n", 8);
	assert_true(st->starttls);
	proto_session_tls_done(s, true, true, NULL);
	assert_string_equal(proto_session_pending(s), "EHLO client.example");
	assert_true(proto_session_tls(s));
	proto_session_run(s);
	assert_null(proto_session_pending(s));
	proto_session_feed(s, PLAIN, strlen(PLAIN));
	proto_session_feed(s, "221 bye\r\n", 9);
	assert_int_equal(proto_session_state(s), PROTO_S_DONE);
	assert_string_equal(st->sent, EHLO "NOOP\r\nstarttls\r\n" EHLO "QUIT\r\n");
	proto_session_free(s);
	free(st);
}

static void test_step_typed_quit(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	assert_int_equal(proto_session_command(s, "QUIT"), 0);
	proto_session_feed(s, "221 bye\r\n", 9);
	assert_int_equal(proto_session_state(s), PROTO_S_DONE);
	assert_null(proto_session_pending(s));
	proto_session_free(s);
	free(st);
}

/* Replies nothing asked for move no plan, even while TLS waits for EHLO. */
static void test_step_unsolicited(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, CORRECT, strlen(CORRECT));
	proto_session_feed(s, "250 extra\r\n454 not now\r\n", 24);
	assert_string_equal(proto_session_pending(s), "STARTTLS");
	assert_string_equal(st->sent, EHLO);
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, "220 go\r\n", 8);
	proto_session_tls_done(s, true, true, NULL);
	assert_string_equal(proto_session_pending(s), "EHLO client.example");
	/* The server speaks first inside TLS: analysed, no crash, EHLO still pending. */
	proto_session_feed(s, "250 hi\r\n", 8);
	assert_string_equal(proto_session_pending(s), "EHLO client.example");
	assert_string_equal(proto_session_waiting_for(s), "the user to send the next command");
	assert_int_equal(proto_session_command(s, "NOOP"), 0);
	proto_session_feed(s, "250 ok\r\n", 8);
	assert_string_equal(proto_session_pending(s), "EHLO client.example");
	proto_session_eof(s);
	assert_string_equal(proto_session_error(s),
	                    "the server closed the connection before smtpscope sent EHLO");
	assert_string_equal(proto_session_cause(s), "the server closed the connection");
	proto_session_free(s);
	free(st);
}

/* A broken connection: the half line is kept, the reason noted and named. */
struct broken_run {
	struct fake_owner owner;
	char last[2][256]; /* the texts of the last two lines */
	unsigned last_flags[2];
};

static void on_line_kept(void *ctx, const struct proto_lint_line *line)
{
	struct broken_run *b = ctx;

	fake_line(&b->owner, line);
	memcpy(b->last[0], b->last[1], sizeof b->last[0]);
	b->last_flags[0] = b->last_flags[1];
	snprintf(b->last[1], sizeof b->last[1], "%.*s", (int)line->len, line->text);
	b->last_flags[1] = line->flags;
}

static const struct proto_session_ops kept_ops = {fake_send, fake_starttls, on_line_kept,
                                                  fake_finding, NULL};

static void test_broken(void **state)
{
	struct broken_run *b = calloc(1, sizeof *b);
	struct proto_session *s = greeted(&kept_ops, b, 0);
	const char *half = "250-mx.example.org\r\n250-SIZE 10";

	(void)state;
	proto_session_feed(s, half, strlen(half));
	proto_session_broken(s, "the server reset the connection (TCP RST)");
	assert_int_equal(proto_session_state(s), PROTO_S_FAILED);
	assert_string_equal(proto_session_error(s), "the server reset the connection (TCP RST) "
	                                            "while smtpscope waited for the reply to EHLO");
	assert_string_equal(b->last[0], "250-SIZE 10");
	assert_true(b->last_flags[0] & PROTO_L_NO_EOL);
	assert_string_equal(b->last[1], proto_session_error(s));
	assert_non_null(strstr(b->owner.findings, "truncated-reply"));
	assert_int_equal(b->owner.lines, 5);
	/* Over is over: a second end changes nothing. */
	proto_session_broken(s, "again");
	proto_session_eof(s);
	assert_int_equal(b->owner.lines, 5);
	proto_session_free(s);
	free(b);
}

/* Issue 10: a time-out keeps what was received, a greeting ended by bare CRs included. */
static void test_abort_keeps_partial(void **state)
{
	struct broken_run *b = calloc(1, sizeof *b);
	struct proto_session *s = started(&kept_ops, b, 0);
	const char *crs = "220 mx.example.org ESMTP\rhello\r";

	(void)state;
	proto_session_feed(s, crs, strlen(crs));
	proto_session_abort(s, "timed out after 3 s waiting for the server's banner");
	assert_int_equal(proto_session_state(s), PROTO_S_FAILED);
	assert_string_equal(b->last[0], "220 mx.example.org ESMTP\rhello\r");
	assert_true(b->last_flags[0] & PROTO_L_NO_EOL);
	assert_true(b->last_flags[0] & PROTO_L_BARE_CR);
	assert_string_equal(b->last[1], proto_session_error(s));
	assert_int_equal(b->owner.lines, 2);
	proto_session_free(s);
	free(b);
}

/* Issue 11: after the server hangs up, no key can make the engine abort. */
static void test_step_after_close(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	assert_non_null(proto_session_pending(s));
	proto_session_feed(s, "421 4.4.2 idle\r\n", 16);
	proto_session_eof(s);
	assert_true(proto_session_over(s));
	assert_int_equal(proto_session_send_pending(s, NULL), -1);
	assert_int_equal(proto_session_send_pending(s, "EHLO x"), -1);
	assert_int_equal(proto_session_skip(s), -1);
	assert_int_equal(proto_session_command(s, "NOOP"), -1);
	proto_session_run(s);
	assert_int_equal(st->nsent, 0);
	proto_session_free(s);
	free(st);
}

/* A step-mode session whose lines are kept in b (cleared first). */
static struct proto_session *kept_stepped(struct broken_run *b)
{
	struct proto_session_config config = AUTO;
	struct proto_session *s;

	memset(b, 0, sizeof *b);
	config.step = true;
	s = proto_session_new(&config, &kept_ops, b);
	proto_session_start(s);
	return s;
}

/*
 * Issue 11: a closed session offers nothing and awaits nothing, and says
 * why: the refusal with the server's own words, a 421 that came before
 * the hang-up, in the conversation as well as in the error.
 */
static void test_step_closed_says_why(void **state)
{
	struct broken_run *b = calloc(1, sizeof *b);
	struct proto_session *s = kept_stepped(b);

	(void)state;
	proto_session_feed(s, "421 4.7.0 Too many connections\r\n", 32);
	assert_string_equal(proto_session_pending(s), "QUIT");
	proto_session_eof(s);
	assert_null(proto_session_pending(s));
	assert_false(proto_session_busy(s));
	assert_int_equal(proto_session_deadline(s), -1);
	assert_string_equal(proto_session_cause(s), "refused (reply 421)");
	assert_string_equal(
	    proto_session_error(s),
	    "the server refused the session at its banner (reply 421), then "
	    "closed the connection; its last reply: 421 4.7.0 Too many connections");
	assert_string_equal(b->last[1], proto_session_error(s));
	assert_int_equal(proto_session_send_pending(s, NULL), -1);
	proto_session_free(s);

	/* An idle time-out: the 421 came early, while EHLO waited for the user. */
	s = kept_stepped(b);
	assert_string_equal(proto_session_cause(s), "");
	proto_session_feed(s, BANNER, strlen(BANNER));
	{
		static const char idle[] = "421 4.4.2 mx Error: timeout\x1b[2J\r\n";

		proto_session_feed(s, idle, sizeof idle - 1);
	}
	proto_session_eof(s);
	assert_null(proto_session_pending(s));
	assert_string_equal(proto_session_cause(s), "the server closed the connection");
	assert_string_equal(proto_session_error(s),
	                    "the server closed the connection before smtpscope sent EHLO; its "
	                    "last reply: 421 4.4.2 mx Error: timeout^[[2J");
	proto_session_free(s);
	free(b);
}

/*
 * Issue 11: an edited EHLO name is the name of the EHLO after TLS too, and
 * :set helo changes it for the rest of the session; a skipped STARTTLS
 * leaves a row that says so.
 */
static void test_step_edits_remembered(void **state)
{
	struct broken_run *b = calloc(1, sizeof *b);
	struct proto_session *s = kept_stepped(b);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	assert_int_equal(proto_session_send_pending(s, "EHLO  edited.example"), 0);
	proto_session_feed(s, CORRECT, strlen(CORRECT));
	assert_int_equal(proto_session_send_pending(s, NULL), 0);
	proto_session_feed(s, "220 go\r\n", 8);
	proto_session_tls_done(s, true, true, NULL);
	assert_string_equal(proto_session_pending(s), "EHLO edited.example");
	assert_int_equal(proto_session_set_helo(s, "bad name"), -1);
	assert_int_equal(proto_session_set_helo(s, "set.example"), 0);
	assert_string_equal(proto_session_pending(s), "EHLO set.example");
	assert_string_equal(proto_session_helo(s), "set.example");
	proto_session_free(s);

	s = kept_stepped(b);
	proto_session_feed(s, BANNER, strlen(BANNER));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, CORRECT, strlen(CORRECT));
	assert_string_equal(proto_session_pending(s), "STARTTLS");
	assert_int_equal(proto_session_skip(s), 0);
	assert_string_equal(b->last[1],
	                    "STARTTLS skipped by the user: the session stays in plaintext");
	assert_string_equal(proto_session_pending(s), "QUIT");
	proto_session_free(s);
	free(b);
}

/* Step mode: while early bytes are still arriving, nothing may be sent. */
static void test_step_early_partial(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	proto_session_feed(s, "250-fake", 8);
	assert_true(proto_session_busy(s));
	assert_int_equal(proto_session_send_pending(s, NULL), -1);
	assert_int_equal(proto_session_command(s, "NOOP"), -1);
	proto_session_feed(s, "\r\n250 x\r\n", 9);
	assert_false(proto_session_busy(s));
	assert_int_equal(proto_session_send_pending(s, NULL), 0);
	assert_string_equal(st->sent, "EHLO client.example\r\n");
	assert_string_equal(st->findings, "early-reply");
	proto_session_free(s);
	free(st);
}

/* Issue 10: the engine's deadlines, on a clock of the test's. */
struct timed_run {
	struct broken_run b; /* first: the callbacks of broken_run apply */
	long long now;
};

static long long on_now(void *ctx)
{
	return ((struct timed_run *)ctx)->now;
}

static const struct proto_session_ops timed_ops = {
    fake_send, fake_starttls, on_line_kept, fake_finding, NULL, NULL, NULL, on_now};

static void test_deadline(void **state)
{
	struct proto_session_config config = AUTO;
	struct timed_run *t = calloc(1, sizeof *t);
	struct proto_session *s;

	(void)state;
	config.timeout_ms = 1000;
	s = proto_session_new(&config, &timed_ops, t);
	assert_int_equal(proto_session_deadline(s), -1);
	proto_session_start(s);
	assert_int_equal(proto_session_deadline(s), 1000); /* the greeting, from the start */
	t->now = 500;
	proto_session_feed(s, BANNER, strlen(BANNER));
	assert_int_equal(proto_session_deadline(s), 1500); /* EHLO sent at 500 */
	/* A reply that keeps coming does not move its deadline. */
	t->now = 1400;
	proto_session_feed(s, "250-mx.example.org\r\n250-X", 26);
	assert_int_equal(proto_session_deadline(s), 1500);
	t->now = 1499;
	assert_false(proto_session_expire(s));
	t->now = 1500;
	assert_true(proto_session_expire(s));
	assert_int_equal(proto_session_state(s), PROTO_S_FAILED);
	assert_string_equal(proto_session_error(s),
	                    "timed out after 1 s waiting for the reply to EHLO");
	assert_string_equal(t->b.last[0], "250-X");
	assert_true(t->b.last_flags[0] & PROTO_L_NO_EOL);
	assert_string_equal(t->b.last[1], proto_session_error(s));
	assert_false(proto_session_expire(s)); /* over is over */
	proto_session_free(s);
	free(t);
}

/* A time-out that cuts a line before its code ends nothing: the reply was cut. */
static void test_cut_before_code(void **state)
{
	struct timed_run *t = calloc(1, sizeof *t);
	struct proto_session *s = greeted(&timed_ops, t, 1000);

	(void)state;
	proto_session_feed(s, "250-mx.example.org\r\n25", 22);
	t->now = 1000;
	assert_true(proto_session_expire(s));
	assert_string_equal(t->b.last[0], "25");
	assert_non_null(strstr(t->b.owner.findings, "truncated-reply"));
	proto_session_free(s);
	free(t);
}

/* Without a clock or a timeout, nothing expires. */
static void test_no_deadline(void **state)
{
	struct timed_run *t = calloc(1, sizeof *t);
	struct proto_session *s = started(&timed_ops, t, 0);

	(void)state;
	t->now = 1000000;
	assert_int_equal(proto_session_deadline(s), -1);
	assert_false(proto_session_expire(s));
	proto_session_free(s);
	free(t);
}

/* Issue 11: each line says how it ended, as the server sent it. */
struct term_run {
	struct fake_owner owner;
	enum proto_term term[16];
	char text[16][64];
};

static void on_line_term(void *ctx, const struct proto_lint_line *line)
{
	struct term_run *t = ctx;

	fake_line(&t->owner, line);
	if (line->n < 16) {
		t->term[line->n] = line->term;
		snprintf(t->text[line->n], sizeof t->text[0], "%.*s", (int)line->len, line->text);
	}
}

static const struct proto_session_ops term_ops = {fake_send, fake_starttls, on_line_term,
                                                  fake_finding, NULL};

static void test_line_endings(void **state)
{
	struct term_run *t = calloc(1, sizeof *t);
	struct proto_session *s = greeted(&term_ops, t, 0);
	const char *reply = "250-mx.example.org\n250-SIZE 1\r\r\n250 8BITMIME\r\n250 late";

	(void)state;
	proto_session_feed(s, reply, strlen(reply));
	proto_session_eof(s);
	assert_int_equal(t->term[1], PROTO_TERM_CRLF);
	assert_int_equal(t->term[2], PROTO_TERM_CRLF); /* EHLO, as sent */
	assert_int_equal(t->term[3], PROTO_TERM_LF);
	assert_string_equal(t->text[4], "250-SIZE 1\r"); /* CR CR LF: one CR is the text's */
	assert_int_equal(t->term[4], PROTO_TERM_CRLF);
	assert_int_equal(t->term[5], PROTO_TERM_CRLF);
	proto_session_free(s);
	free(t);
}

/* Issue 11: the plaintext dropped after the 220 to STARTTLS is kept for the owner, bounded. */
static void test_discarded_kept(void **state)
{
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s = greeted(&ops, r, 0);
	static char bytes[11 + 6000 + 1] = "220 Ready\r\n";
	const char *kept;
	size_t nkept = 1, total = 1;

	(void)state;
	memset(bytes + 11, 'x', 6000);
	memcpy(bytes + 11, "250 injected\r\n", 14);
	proto_session_feed(s, CORRECT, strlen(CORRECT));
	kept = proto_session_discarded(s, &nkept, &total);
	assert_int_equal(nkept, 0);
	assert_int_equal(total, 0);
	proto_session_feed(s, bytes, 11 + 6000);
	assert_true(r->starttls);
	kept = proto_session_discarded(s, &nkept, &total);
	assert_int_equal(total, 6000);
	assert_int_equal(nkept, PROTO_DISCARD_KEEP);
	assert_memory_equal(kept, bytes + 11, PROTO_DISCARD_KEEP);
	proto_session_free(s);
	free(r);
}

/* A line that comes slowly is visible as it comes, bounded, and gone once it ends. */
static void test_partial(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_NEVER);
	static char big[5000];
	const char *p;
	size_t len = 9, wire = 9, i;

	(void)state;
	p = proto_session_partial(s, &len, &wire);
	assert_true(len == 0 && wire == 0 && p != NULL);
	for (i = 0; i < 6; i++) {
		proto_session_feed(s, &"220 mx"[i], 1);
		p = proto_session_partial(s, &len, &wire);
		assert_int_equal(len, i + 1);
		assert_int_equal(wire, i + 1);
		assert_memory_equal(p, "220 mx", len);
	}
	assert_int_equal(st->lines, 0);
	proto_session_feed(s, " ESMTP\r\n", 8);
	proto_session_partial(s, &len, &wire);
	assert_true(len == 0 && wire == 0);
	assert_int_equal(st->lines, 1);
	/* A line longer than the engine keeps: its kept bytes, and every byte counted. */
	proto_session_command(s, "NOOP");
	memset(big, 'a', sizeof big);
	memcpy(big, "250-", 4);
	proto_session_feed(s, big, sizeof big);
	p = proto_session_partial(s, &len, &wire);
	assert_int_equal(len, PROTO_LINE_KEEP);
	assert_int_equal(wire, sizeof big);
	assert_memory_equal(p, big, len);
	proto_session_abort(s, "done");
	proto_session_partial(s, &len, &wire);
	assert_true(len == 0 && wire == 0);
	proto_session_free(s);
	free(st);
}

/*
 * Issue 12: every state of the table and its moves, fed real replies, with
 * the state after each step. Each case runs whole, one byte at a time, and
 * with each step split in two at every byte.
 */
struct tstep {
	const char *server;             /* bytes the server sends */
	const char *sent;               /* what the client has sent after it, in total */
	enum proto_session_state state; /* the state after it */
	enum tls_event tls;             /* the handshake asked for before this step */
};

struct tcase {
	const char *name;
	struct proto_session_config config;
	struct tstep step[10];
	const char *error; /* substring of the error at the end, or NULL: none */
};

/* A stand-in for HMAC-MD5: the digest is the bytes 0 to 15, whatever the key. */
static int on_hmac(void *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[16])
{
	unsigned char i;

	(void)ctx, (void)key, (void)keylen, (void)msg, (void)msglen;
	for (i = 0; i < 16; i++)
		out[i] = i;
	return 0;
}

static const struct proto_session_ops table_ops = {
    fake_send, fake_starttls, fake_line, fake_finding, NULL, NULL, on_hmac};

/* Feeds bytes whole (split 0), one at a time (SIZE_MAX), or in two reads cut at split. */
static void feed_split(struct proto_session *s, const char *bytes, size_t split)
{
	size_t len = strlen(bytes);

	if (split == SIZE_MAX) {
		fake_feed(s, bytes, true);
		return;
	}
	if (split == 0 || split >= len) {
		proto_session_feed(s, bytes, len);
		return;
	}
	proto_session_feed(s, bytes, split);
	if (!proto_session_over(s))
		proto_session_feed(s, bytes + split, len - split);
}

/* Runs a case with step cut (or every step, for SIZE_MAX) fed as split says. */
static void run_tcase(const struct tcase *c, size_t cut, size_t split)
{
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s = proto_session_new(&c->config, &table_ops, r);
	const struct tstep *st;
	size_t i;

	assert_non_null(s);
	if (c->config.tls_on_connect)
		proto_session_tls_on_connect(s, true);
	proto_session_start(s);
	for (i = 0, st = c->step; st->sent != NULL; st++, i++) {
		do_tls(s, r, st->tls);
		if (st->server != NULL)
			feed_split(s, st->server, cut == SIZE_MAX || cut == i ? split : 0);
		else
			proto_session_eof(s);
		if (strcmp(r->sent, st->sent) != 0 || proto_session_state(s) != st->state)
			print_error(
			    "case %s, step %zu (split %zu): state %d, sent\n%s\nwant %d,\n%s\n",
			    c->name, i, split, proto_session_state(s), r->sent, st->state,
			    st->sent);
		assert_string_equal(r->sent, st->sent);
		assert_int_equal(proto_session_state(s), st->state);
	}
	if (c->error != NULL)
		assert_non_null(strstr(proto_session_error(s), c->error));
	else
		assert_string_equal(proto_session_error(s), "");
	proto_session_free(s);
	free(r);
}

#define B     "220 mx.example ESMTP\r\n"
#define E     "EHLO c.example\r\n"
#define OFFER "250-mx.example\r\n250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n250 8BITMIME\r\n"
#define USER  "YWxpY2U=\r\n"             /* base64 of alice */
#define PASS  "d29uZGVybGFuZC00Mg==\r\n" /* base64 of wonderland-42 */
#define LOGIN E "AUTH LOGIN\r\n"
#define CRAM  E "AUTH CRAM-MD5\r\n"
#define CHALL "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"
/* base64 of "tim " and the hex of the stand-in digest */
#define DIGEST "dGltIDAwMDEwMjAzMDQwNTA2MDcwODA5MGEwYjBjMGQwZTBm\r\n"
#define XO_IR  "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2stMTIzAQE="
#define TAUTH(m, user, pass)                                                                       \
	{                                                                                          \
		.helo = "c.example", .tls_on_connect = true, .auth = (m), .auth_user = (user),     \
		.auth_secret = (pass)                                                              \
	}
#define ALICE(m) TAUTH(m, "alice", "wonderland-42")
#define TIM      TAUTH(PROTO_AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf")
#define TXN                                                                                        \
	{                                                                                          \
		.helo = "c.example", .starttls = PROTO_STARTTLS_NEVER, .from = "a@example.com",    \
		.rcpt = {"b@example.org", "c@example.org"}, .nrcpt = 2, .data = "hi\r\n",          \
		.data_len = 4                                                                      \
	}
#define MAIL  E "MAIL FROM:<a@example.com>\r\n"
#define RCPT1 MAIL "RCPT TO:<b@example.org>\r\n"
#define RCPT2 RCPT1 "RCPT TO:<c@example.org>\r\n"

static const struct tcase tcases[] = {
    {"LOGIN: the user name after the first 334, the password after the second",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"334 UGFzc3dvcmQ6\r\n", LOGIN USER PASS, PROTO_S_AUTH_LOGIN_PASS},
      {"235 2.7.0 ok\r\n", LOGIN USER PASS "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER PASS "QUIT\r\n", PROTO_S_DONE}},
     NULL},
    {"LOGIN: a 454 to AUTH",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"454 4.7.0 try later\r\n", LOGIN "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN "QUIT\r\n", PROTO_S_FAILED}},
     "authentication failed: the server refused AUTH LOGIN (reply 454)"},
    {"LOGIN: a 535 to the user name",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"535 5.7.8 no such user\r\n", LOGIN USER "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER "QUIT\r\n", PROTO_S_FAILED}},
     "rejected the credentials of AUTH LOGIN (reply 535)"},
    {"LOGIN: a 454 to the user name",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"454 4.3.0 busy\r\n", LOGIN USER "QUIT\r\n", PROTO_S_QUIT},
      {NULL, LOGIN USER "QUIT\r\n", PROTO_S_FAILED}},
     "the server refused AUTH LOGIN (reply 454)"},
    {"LOGIN: a 535 to the password",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"334 UGFzc3dvcmQ6\r\n", LOGIN USER PASS, PROTO_S_AUTH_LOGIN_PASS},
      {"535 5.7.8 bad password\r\n", LOGIN USER PASS "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER PASS "QUIT\r\n", PROTO_S_FAILED}},
     "rejected the credentials of AUTH LOGIN (reply 535)"},
    {"LOGIN: a 454 to the password",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"334 UGFzc3dvcmQ6\r\n", LOGIN USER PASS, PROTO_S_AUTH_LOGIN_PASS},
      {"454 4.7.0 later\r\n", LOGIN USER PASS "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER PASS "QUIT\r\n", PROTO_S_FAILED}},
     "the server refused AUTH LOGIN (reply 454)"},
    {"LOGIN: a third 334 is cancelled, and a fourth too",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"334 UGFzc3dvcmQ6\r\n", LOGIN USER PASS, PROTO_S_AUTH_LOGIN_PASS},
      {"334 more\r\n", LOGIN USER PASS "*\r\n", PROTO_S_AUTH_CANCEL},
      {"334 again\r\n", LOGIN USER PASS "*\r\n*\r\n", PROTO_S_AUTH_CANCEL},
      {"501 5.7.0 cancelled\r\n", LOGIN USER PASS "*\r\n*\r\nQUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER PASS "*\r\n*\r\nQUIT\r\n", PROTO_S_FAILED}},
     "the server refused AUTH LOGIN (reply 501)"},
    {"LOGIN: a 235 to the user name ends AUTH there",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"235 ok\r\n", LOGIN USER "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER "QUIT\r\n", PROTO_S_DONE}},
     NULL},
    {"LOGIN: mixed codes at the password's 334 stop the exchange",
     ALICE(PROTO_AUTH_LOGIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, LOGIN, PROTO_S_AUTH},
      {"334 VXNlcm5hbWU6\r\n", LOGIN USER, PROTO_S_AUTH_LOGIN_USER},
      {"334-UGFzc3dvcmQ6\r\n235 trick\r\n", LOGIN USER "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", LOGIN USER "QUIT\r\n", PROTO_S_FAILED}},
     "carries different codes on its lines (334 on the first)"},
    {"CRAM-MD5: the digest of the challenge",
     TIM,
     {{B, E, PROTO_S_EHLO},
      {OFFER, CRAM, PROTO_S_AUTH},
      {CHALL, CRAM DIGEST, PROTO_S_AUTH_CRAM_MD5},
      {"235 2.7.0 ok\r\n", CRAM DIGEST "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", CRAM DIGEST "QUIT\r\n", PROTO_S_DONE}},
     NULL},
    {"CRAM-MD5: a 535 to the digest",
     TIM,
     {{B, E, PROTO_S_EHLO},
      {OFFER, CRAM, PROTO_S_AUTH},
      {CHALL, CRAM DIGEST, PROTO_S_AUTH_CRAM_MD5},
      {"535 5.7.8 no\r\n", CRAM DIGEST "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", CRAM DIGEST "QUIT\r\n", PROTO_S_FAILED}},
     "rejected the credentials of AUTH CRAM-MD5 (reply 535)"},
    {"CRAM-MD5: a 334 after the digest is cancelled",
     TIM,
     {{B, E, PROTO_S_EHLO},
      {OFFER, CRAM, PROTO_S_AUTH},
      {CHALL, CRAM DIGEST, PROTO_S_AUTH_CRAM_MD5},
      {"334 what\r\n", CRAM DIGEST "*\r\n", PROTO_S_AUTH_CANCEL},
      {"501 cancelled\r\n", CRAM DIGEST "*\r\nQUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", CRAM DIGEST "*\r\nQUIT\r\n", PROTO_S_FAILED}},
     "the server refused AUTH CRAM-MD5 (reply 501)"},
    {"CRAM-MD5: a challenge that is not base64 is answered with \"*\"",
     TIM,
     {{B, E, PROTO_S_EHLO},
      {OFFER, CRAM, PROTO_S_AUTH},
      {"334 !!!\r\n", CRAM "*\r\n", PROTO_S_AUTH_CRAM_MD5},
      {"501 5.5.2 cancelled\r\n", CRAM "*\r\nQUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", CRAM "*\r\nQUIT\r\n", PROTO_S_FAILED}},
     "the server refused AUTH CRAM-MD5 (reply 501)"},
    {"CRAM-MD5: a 504 to AUTH",
     TIM,
     {{B, E, PROTO_S_EHLO},
      {OFFER, CRAM, PROTO_S_AUTH},
      {"504 5.5.4 unrecognized\r\n", CRAM "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", CRAM "QUIT\r\n", PROTO_S_FAILED}},
     "the server refused AUTH CRAM-MD5 (reply 504)"},
    {"XOAUTH2: an empty line answers the error challenge; a second 334 is cancelled",
     TAUTH(PROTO_AUTH_XOAUTH2, "alice", "tok-123"),
     {{B, E, PROTO_S_EHLO},
      {OFFER, E "AUTH XOAUTH2 " XO_IR "\r\n", PROTO_S_AUTH},
      {"334 eyJzdGF0dXMiOiI0MDEifQ==\r\n", E "AUTH XOAUTH2 " XO_IR "\r\n\r\n",
       PROTO_S_AUTH_XOAUTH2_ERROR},
      {"334 again\r\n", E "AUTH XOAUTH2 " XO_IR "\r\n\r\n*\r\n", PROTO_S_AUTH_CANCEL},
      {"535 5.7.8 no\r\n", E "AUTH XOAUTH2 " XO_IR "\r\n\r\n*\r\nQUIT\r\n", PROTO_S_QUIT}},
     NULL},
    {"PLAIN: a 334 is cancelled, then a 535",
     ALICE(PROTO_AUTH_PLAIN),
     {{B, E, PROTO_S_EHLO},
      {OFFER, E "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQtNDI=\r\n", PROTO_S_AUTH},
      {"334 \r\n", E "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQtNDI=\r\n*\r\n", PROTO_S_AUTH_CANCEL},
      {"535 5.7.8 no\r\n", E "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQtNDI=\r\n*\r\nQUIT\r\n",
       PROTO_S_QUIT},
      {"221 bye\r\n", E "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQtNDI=\r\n*\r\nQUIT\r\n",
       PROTO_S_FAILED}},
     "rejected the credentials of AUTH PLAIN (reply 535)"},
    {"STARTTLS, TLS, then a 554 to the EHLO inside it",
     {.helo = "c.example"},
     {{B, E, PROTO_S_EHLO},
      {CORRECT, E "STARTTLS\r\n", PROTO_S_STARTTLS},
      {"220 go\r\n", E "STARTTLS\r\n", PROTO_S_HANDSHAKE},
      {"554 5.7.1 no\r\n", E "STARTTLS\r\n" E "QUIT\r\n", PROTO_S_QUIT, TLS_VERIFIED},
      {"221 bye\r\n", E "STARTTLS\r\n" E "QUIT\r\n", PROTO_S_FAILED}},
     "the server refused EHLO inside TLS (reply 554)"},
    {"a 421 to EHLO: HELO, then a 421 to it",
     {.helo = "c.example"},
     {{B, E, PROTO_S_EHLO},
      {"421 4.3.2 shutting down\r\n", E "HELO c.example\r\n", PROTO_S_HELO},
      {"421 4.3.2 shutting down\r\n", E "HELO c.example\r\nQUIT\r\n", PROTO_S_QUIT},
      {NULL, E "HELO c.example\r\nQUIT\r\n", PROTO_S_FAILED}},
     "the server refused both EHLO and HELO (reply 421)"},
    {"a 451 to MAIL FROM: QUIT, and the session is done",
     TXN,
     {{B, E, PROTO_S_EHLO},
      {PLAIN, MAIL, PROTO_S_MAIL},
      {"451 4.3.0 later\r\n", MAIL "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", MAIL "QUIT\r\n", PROTO_S_DONE}},
     NULL},
    {"no recipient accepted: no DATA",
     TXN,
     {{B, E, PROTO_S_EHLO},
      {PLAIN, MAIL, PROTO_S_MAIL},
      {"250 ok\r\n", RCPT1, PROTO_S_RCPT},
      {"550 5.1.1 no\r\n", RCPT2, PROTO_S_RCPT},
      {"450 4.2.0 later\r\n", RCPT2 "QUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", RCPT2 "QUIT\r\n", PROTO_S_DONE}},
     NULL},
    {"a 554 to DATA",
     TXN,
     {{B, E, PROTO_S_EHLO},
      {PLAIN, MAIL, PROTO_S_MAIL},
      {"250 ok\r\n", RCPT1, PROTO_S_RCPT},
      {"250 ok\r\n", RCPT2, PROTO_S_RCPT},
      {"250 ok\r\n", RCPT2 "DATA\r\n", PROTO_S_DATA},
      {"554 5.5.1 no\r\n", RCPT2 "DATA\r\nQUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", RCPT2 "DATA\r\nQUIT\r\n", PROTO_S_DONE}},
     NULL},
    {"the message refused with 451",
     TXN,
     {{B, E, PROTO_S_EHLO},
      {PLAIN, MAIL, PROTO_S_MAIL},
      {"250 ok\r\n", RCPT1, PROTO_S_RCPT},
      {"550 no\r\n", RCPT2, PROTO_S_RCPT},
      {"250 ok\r\n", RCPT2 "DATA\r\n", PROTO_S_DATA},
      {"354 go\r\n", RCPT2 "DATA\r\nhi\r\n.\r\n", PROTO_S_BODY},
      {"451 4.3.0 later\r\n", RCPT2 "DATA\r\nhi\r\n.\r\nQUIT\r\n", PROTO_S_QUIT},
      {"221 bye\r\n", RCPT2 "DATA\r\nhi\r\n.\r\nQUIT\r\n", PROTO_S_DONE}},
     NULL},
};

static void test_table_moves(void **state)
{
	size_t i, j, k;

	(void)state;
	for (i = 0; i < sizeof tcases / sizeof tcases[0]; i++) {
		run_tcase(&tcases[i], SIZE_MAX, 0);
		run_tcase(&tcases[i], SIZE_MAX, SIZE_MAX);
		for (j = 0; tcases[i].step[j].sent != NULL; j++)
			if (tcases[i].step[j].server != NULL)
				for (k = 1; k < strlen(tcases[i].step[j].server); k++)
					run_tcase(&tcases[i], j, k);
	}
}

/* The names: AUTH's steps are shown as "auth", and wait for "the reply to AUTH". */
static void test_state_names(void **state)
{
	static const char *const names[PROTO_S_COUNT] = {
	    "banner", "ehlo", "helo", "starttls", "handshake", "tls-ehlo", "auth",
	    "auth",   "auth", "auth", "auth",     "auth",      "mail",     "rcpt",
	    "data",   "body", "quit", "done",     "failed"};
	unsigned i;

	(void)state;
	for (i = 0; i < PROTO_S_COUNT; i++)
		assert_string_equal(proto_session_state_name((enum proto_session_state)i),
		                    names[i]);
}

/* ops->state reports every move, each step of AUTH included. */
struct moves_run {
	struct fake_owner run;
	char moves[512];
};

static void on_state(void *ctx, enum proto_session_state from, enum proto_session_state to)
{
	struct moves_run *m = ctx;
	size_t len = strlen(m->moves);

	snprintf(m->moves + len, sizeof m->moves - len, "%d>%d ", from, to);
}

static const struct proto_session_ops moves_ops = {fake_send, fake_starttls, fake_line,
                                                   fake_finding, on_state};

static void test_state_moves(void **state)
{
	struct proto_session_config config = ALICE(PROTO_AUTH_LOGIN);
	struct moves_run *m = calloc(1, sizeof *m);
	struct proto_session *s = proto_session_new(&config, &moves_ops, m);
	char want[512];

	(void)state;
	proto_session_tls_on_connect(s, true);
	proto_session_start(s);
	proto_session_feed(s, B, strlen(B));
	proto_session_feed(s, OFFER, strlen(OFFER));
	proto_session_feed(s, "334 VXNlcm5hbWU6\r\n", 18);
	assert_string_equal(proto_session_waiting_for(s), "the reply to AUTH");
	proto_session_feed(s, "334 UGFzc3dvcmQ6\r\n", 18);
	proto_session_feed(s, "235 ok\r\n", 8);
	proto_session_feed(s, "221 bye\r\n", 9);
	snprintf(want, sizeof want, "%d>%d %d>%d %d>%d %d>%d %d>%d %d>%d ", PROTO_S_BANNER,
	         PROTO_S_EHLO, PROTO_S_EHLO, PROTO_S_AUTH, PROTO_S_AUTH, PROTO_S_AUTH_LOGIN_USER,
	         PROTO_S_AUTH_LOGIN_USER, PROTO_S_AUTH_LOGIN_PASS, PROTO_S_AUTH_LOGIN_PASS,
	         PROTO_S_QUIT, PROTO_S_QUIT, PROTO_S_DONE);
	assert_string_equal(m->moves, want);
	proto_session_free(s);
	free(m);
}

/* Feeds bytes whole (mode 0) or one at a time. */
static void feed_mode(struct proto_session *s, const char *bytes, int mode)
{
	fake_feed(s, bytes, mode != 0);
}

/*
 * Step mode across TLS: after the handshake the state stays "handshake",
 * the EHLO inside TLS waits for the user as planned, and nothing awaits
 * the server; the handshake itself waits for the owner.
 */
static void test_step_planned_across_tls(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s;
	int mode;

	(void)state;
	for (mode = 0; mode < 2; mode++) {
		s = stepped(st, PROTO_STARTTLS_AUTO);
		assert_int_equal(proto_session_planned(s), PROTO_S_COUNT);
		feed_mode(s, BANNER, mode);
		assert_int_equal(proto_session_state(s), PROTO_S_BANNER);
		assert_int_equal(proto_session_planned(s), PROTO_S_EHLO);
		assert_int_equal(proto_session_send_pending(s, NULL), 0);
		assert_int_equal(proto_session_planned(s), PROTO_S_COUNT);
		assert_int_equal(proto_session_state(s), PROTO_S_EHLO);
		feed_mode(s, CORRECT, mode);
		assert_int_equal(proto_session_planned(s), PROTO_S_STARTTLS);
		assert_int_equal(proto_session_state(s), PROTO_S_EHLO);
		assert_int_equal(proto_session_send_pending(s, NULL), 0);
		feed_mode(s, "220 2.0.0 go\r\n", mode);
		assert_int_equal(proto_session_state(s), PROTO_S_HANDSHAKE);
		assert_true(proto_session_handshaking(s));
		assert_false(proto_session_busy(s));
		assert_null(proto_session_pending(s));
		assert_string_equal(proto_session_waiting_for(s), "the TLS handshake");
		assert_int_equal(proto_session_command(s, "NOOP"), -1);
		proto_session_tls_done(s, true, true, NULL);
		assert_false(proto_session_handshaking(s));
		assert_int_equal(proto_session_state(s), PROTO_S_HANDSHAKE);
		assert_int_equal(proto_session_planned(s), PROTO_S_TLS_EHLO);
		assert_string_equal(st->pending, "EHLO client.example");
		assert_string_equal(proto_session_waiting_for(s),
		                    "the user to send the next command");
		/* A command typed now leaves the plan as it was. */
		assert_int_equal(proto_session_command(s, "NOOP"), 0);
		feed_mode(s, "250 2.0.0 ok\r\n", mode);
		assert_int_equal(proto_session_planned(s), PROTO_S_TLS_EHLO);
		assert_int_equal(proto_session_send_pending(s, NULL), 0);
		assert_int_equal(proto_session_state(s), PROTO_S_TLS_EHLO);
		feed_mode(s, PLAIN, mode);
		assert_int_equal(proto_session_planned(s), PROTO_S_QUIT);
		assert_string_equal(st->sent, EHLO "STARTTLS\r\nNOOP\r\n" EHLO);
		proto_session_free(s);
	}
	free(st);
}

/* Step mode: a skipped EHLO inside TLS goes to what follows the TLS part (here QUIT). */
static void test_step_skip_tls_ehlo(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, CORRECT, strlen(CORRECT));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, "220 go\r\n", 8);
	proto_session_tls_done(s, true, false, NULL);
	assert_int_equal(proto_session_planned(s), PROTO_S_TLS_EHLO);
	assert_int_equal(proto_session_skip(s), 0);
	assert_int_equal(proto_session_planned(s), PROTO_S_QUIT);
	assert_int_equal(proto_session_state(s), PROTO_S_HANDSHAKE);
	assert_int_equal(proto_session_skip(s), -1);
	proto_session_free(s);
	free(st);
}

/* Step mode: AUTH is planned, but its answers to each 334 go at once. */
static void test_step_auth_answers(void **state)
{
	struct proto_session_config config = ALICE(PROTO_AUTH_LOGIN);
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s;
	int mode;

	(void)state;
	config.step = true;
	for (mode = 0; mode < 2; mode++) {
		memset(st, 0, sizeof *st);
		s = proto_session_new(&config, &step_ops, st);
		proto_session_tls_on_connect(s, true);
		proto_session_start(s);
		feed_mode(s, B, mode);
		proto_session_send_pending(s, NULL);
		feed_mode(s, OFFER, mode);
		assert_int_equal(proto_session_planned(s), PROTO_S_AUTH);
		assert_string_equal(proto_session_pending(s), "AUTH LOGIN");
		assert_int_equal(proto_session_send_pending(s, NULL), 0);
		feed_mode(s, "334 VXNlcm5hbWU6\r\n", mode);
		assert_int_equal(proto_session_state(s), PROTO_S_AUTH_LOGIN_USER);
		assert_null(proto_session_pending(s));
		assert_true(proto_session_busy(s));
		feed_mode(s, "334 UGFzc3dvcmQ6\r\n", mode);
		assert_int_equal(proto_session_state(s), PROTO_S_AUTH_LOGIN_PASS);
		assert_string_equal(st->sent, LOGIN USER PASS);
		feed_mode(s, "235 ok\r\n", mode);
		assert_int_equal(proto_session_state(s), PROTO_S_AUTH_LOGIN_PASS);
		assert_int_equal(proto_session_planned(s), PROTO_S_QUIT);
		proto_session_free(s);
	}
	free(st);
}

/*
 * A command the user types moves no state: while its reply is awaited
 * nothing else may be sent, its reply (held by early bytes like any
 * other) gives the turn back to the plan, and a close says what was
 * awaited.
 */
static void test_typed_in_flight(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s;
	int mode;

	(void)state;
	for (mode = 0; mode < 2; mode++) {
		s = stepped(st, PROTO_STARTTLS_AUTO);
		feed_mode(s, BANNER, mode);
		assert_int_equal(proto_session_command(s, "NOOP"), 0);
		assert_int_equal(proto_session_state(s), PROTO_S_BANNER);
		assert_int_equal(proto_session_planned(s), PROTO_S_EHLO);
		assert_true(proto_session_busy(s));
		assert_string_equal(proto_session_waiting_for(s), "the reply to the command typed");
		assert_int_equal(proto_session_send_pending(s, NULL), -1);
		assert_int_equal(proto_session_skip(s), -1);
		assert_int_equal(proto_session_command(s, "RSET"), -1);
		st->notified = 0;
		feed_mode(s, "250 2.0.0 ok\r\n250-ea", mode);
		assert_true(proto_session_busy(s));
		assert_string_equal(proto_session_waiting_for(s),
		                    "the end of what the server sent ahead of smtpscope's next "
		                    "command");
		feed_mode(s, "rly\r\n250 x\r\n", mode);
		assert_false(proto_session_busy(s));
		assert_int_equal(st->notified, 1);
		assert_string_equal(proto_session_pending(s), "EHLO client.example");
		/* A typed STARTTLS refused: no finding, the plan goes on. */
		assert_int_equal(proto_session_command(s, "STARTTLS"), 0);
		feed_mode(s, "454 4.7.0 no TLS\r\n", mode);
		assert_false(proto_session_tls(s));
		assert_int_equal(proto_session_planned(s), PROTO_S_EHLO);
		assert_int_equal(proto_session_command(s, "HELP"), 0);
		proto_session_eof(s);
		assert_string_equal(proto_session_error(s),
		                    "the server closed the connection while smtpscope waited for "
		                    "the reply to the command typed; its last reply: 454 4.7.0 no "
		                    "TLS");
		assert_string_equal(st->findings, "early-reply");
		proto_session_free(s);
	}
	free(st);
}

/* A typed QUIT after a refusal stands for the planned QUIT: the session fails for it. */
static void test_typed_quit_after_refusal(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_AUTO);

	(void)state;
	proto_session_feed(s, "554 5.7.1 go away\r\n", 19);
	assert_int_equal(proto_session_planned(s), PROTO_S_QUIT);
	assert_int_equal(proto_session_command(s, "quit"), 0);
	assert_int_equal(proto_session_state(s), PROTO_S_BANNER);
	proto_session_feed(s, "221 bye\r\n", 9);
	assert_int_equal(proto_session_state(s), PROTO_S_FAILED);
	assert_string_equal(proto_session_error(s),
	                    "the server refused the session at its banner (reply 554)");
	assert_null(proto_session_pending(s));
	proto_session_free(s);
	free(st);
}

/*
 * proto_session_run while a typed command awaits its reply: the plan runs
 * when its turn comes back, and an AUTH that needed the user's word is
 * not sent (QUIT, with the reason).
 */
static void test_run_while_typed(void **state)
{
	struct proto_session_config config = ALICE(PROTO_AUTH_PLAIN);
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_NEVER);

	(void)state;
	proto_session_feed(s, BANNER, strlen(BANNER));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, PLAIN, strlen(PLAIN));
	assert_int_equal(proto_session_command(s, "NOOP"), 0);
	proto_session_run(s);
	assert_string_equal(st->sent, EHLO "NOOP\r\n");
	proto_session_feed(s, "250 ok\r\n", 8);
	assert_string_equal(st->sent, EHLO "NOOP\r\nQUIT\r\n");
	assert_int_equal(proto_session_state(s), PROTO_S_QUIT);
	proto_session_free(s);

	config.step = true;
	memset(st, 0, sizeof *st);
	s = proto_session_new(&config, &step_ops, st);
	proto_session_tls_on_connect(s, false);
	proto_session_start(s);
	proto_session_feed(s, B, strlen(B));
	proto_session_send_pending(s, NULL);
	proto_session_feed(s, OFFER, strlen(OFFER));
	assert_non_null(proto_session_confirm_needed(s));
	assert_int_equal(proto_session_command(s, "NOOP"), 0);
	proto_session_run(s);
	proto_session_feed(s, "250 ok\r\n", 8);
	assert_string_equal(st->sent, E "NOOP\r\nQUIT\r\n");
	proto_session_feed(s, "221 bye\r\n", 9);
	assert_int_equal(proto_session_state(s), PROTO_S_FAILED);
	assert_non_null(strstr(proto_session_error(s), "--auth-unverified"));
	proto_session_free(s);
	free(st);
}

/* proto_session_run while early bytes arrive: the plan runs once they end. */
static void test_run_while_early(void **state)
{
	struct fake_owner *st = calloc(1, sizeof *st);
	struct proto_session *s = stepped(st, PROTO_STARTTLS_NEVER);

	(void)state;
	proto_session_feed(s, BANNER "250-ear", strlen(BANNER) + 7);
	proto_session_run(s);
	assert_int_equal(st->nsent, 0);
	proto_session_feed(s, "ly\r\n250 x\r\n", 11);
	assert_string_equal(st->sent, EHLO);
	assert_int_equal(proto_session_state(s), PROTO_S_EHLO);
	proto_session_free(s);
	free(st);
}

/*
 * Ended while the owner runs the handshake (a signal): the handshake still
 * owes its answer; a failure is reported, a late success changes nothing.
 */
static void test_abort_in_handshake(void **state)
{
	struct proto_session_config config = AUTO;
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s;
	int ok;

	(void)state;
	for (ok = 0; ok < 2; ok++) {
		memset(r, 0, sizeof *r);
		s = proto_session_new(&config, &ops, r);
		proto_session_start(s);
		proto_session_feed(s, BANNER, strlen(BANNER));
		proto_session_feed(s, CORRECT, strlen(CORRECT));
		proto_session_feed(s, "220 go\r\n", 8);
		assert_true(proto_session_handshaking(s));
		proto_session_abort(s, "interrupted by SIGTERM");
		assert_int_equal(proto_session_state(s), PROTO_S_FAILED);
		assert_true(proto_session_handshaking(s));
		proto_session_tls_done(s, ok, ok, ok ? NULL : "interrupted");
		assert_false(proto_session_handshaking(s));
		assert_false(proto_session_tls(s));
		assert_string_equal(proto_session_error(s), "interrupted by SIGTERM");
		assert_string_equal(r->findings, ok ? "" : "tls-handshake-failed");
		assert_string_equal(r->sent, EHLO "STARTTLS\r\n");
		proto_session_free(s);
	}
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_step_send_edit_skip),
	    cmocka_unit_test(test_step_closed_says_why),
	    cmocka_unit_test(test_step_edits_remembered),
	    cmocka_unit_test(test_step_free_commands),
	    cmocka_unit_test(test_step_typed_quit),
	    cmocka_unit_test(test_step_unsolicited),
	    cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_abort_keeps_partial),
	    cmocka_unit_test(test_step_after_close),
	    cmocka_unit_test(test_step_early_partial),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_no_deadline),
	    cmocka_unit_test(test_cut_before_code),
	    cmocka_unit_test(test_line_endings),
	    cmocka_unit_test(test_discarded_kept),
	    cmocka_unit_test(test_partial),
	    cmocka_unit_test(test_table_moves),
	    cmocka_unit_test(test_state_names),
	    cmocka_unit_test(test_state_moves),
	    cmocka_unit_test(test_step_planned_across_tls),
	    cmocka_unit_test(test_step_skip_tls_ehlo),
	    cmocka_unit_test(test_step_auth_answers),
	    cmocka_unit_test(test_typed_in_flight),
	    cmocka_unit_test(test_typed_quit_after_refusal),
	    cmocka_unit_test(test_run_while_typed),
	    cmocka_unit_test(test_run_while_early),
	    cmocka_unit_test(test_abort_in_handshake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
