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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
