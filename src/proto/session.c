/*
 * session.c: the session engine. One explicit state machine drives an SMTP
 * conversation: set_state() is the only place that changes state, and
 * on_reply() the only place that acts on a complete reply. The owner moves
 * the bytes and runs TLS; the engine says what to send and when.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/clients.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reader.h"
#include "proto/reply.h"
#include "proto/session.h"
#include "proto_int.h"

#define SESSION_CMD_MAX   1024                /* bytes of one message line sent */
#define SESSION_LINE_MAX  PROTO_AUTH_LINE_MAX /* bytes of one command line built here */
#define SESSION_ERR_MAX   256
#define SESSION_HELO_MAX  256
#define SESSION_CAUSE_MAX 64
#define SESSION_SAID_MAX  (PROTO_ESCAPE_MAX(80))

/*
 * What acting on a complete reply needs, taken from it when it ends: the
 * action waits while bytes the server sent after it (early, answering
 * nothing) are read, and those overwrite the reader's reply.
 */
struct session_reply {
	int code;             /* the first line's code: the one rule for a reply's code */
	unsigned flags;       /* PROTO_L_* of all its lines */
	bool any_334;         /* a line carries 334 */
	bool strict_starttls; /* an EHLO reply: Postfix would see STARTTLS in it */
	bool auth_offered;    /* an EHLO reply: it offers the configured mechanism */
	char first[PROTO_LINE_KEEP + 1]; /* the first line, for a CRAM-MD5 challenge */
	size_t first_len;
};

struct proto_session {
	struct proto_session_config config;
	const struct proto_session_ops *ops;
	void *ctx;
	enum proto_session_state state;
	bool tls;                            /* lines are inside TLS */
	bool verified;                       /* the TLS peer was verified */
	unsigned n;                          /* number of the last line */
	unsigned rcpt_next;                  /* next recipient to send */
	unsigned rcpt_ok;                    /* recipients accepted */
	unsigned nehlo;                      /* EHLO replies received */
	char pending_error[SESSION_ERR_MAX]; /* failure to report once QUIT is answered */
	char pending[SESSION_LINE_MAX];      /* step mode: the planned command not yet sent */
	char shown[PROTO_REDACT_MAX]; /* the pending command as shown, when it holds a secret */
	bool pending_secret;          /* shown, not pending, goes to the owner */
	enum proto_session_state pending_next;
	bool has_pending;
	bool auth_offered;   /* the last EHLO reply offers the configured mechanism */
	unsigned auth_step;  /* 334 replies answered in the AUTH exchange */
	bool free_in_flight; /* a command the user typed awaits its reply */
	bool free_auth;      /* the user typed AUTH: what they type after a 334 is a secret */
	bool auth_refused; /* a typed AUTH was refused: what follows without a verb is its answer */
	char free_verb[16]; /* its verb, upper case */
	bool busy;          /* a command, or the greeting, awaits its reply */
	bool held;          /* a reply awaits its action until the early bytes after it end */
	bool reply_early;   /* the reply being read began while nothing awaited one */
	bool reply_334;     /* a line of the reply being read carries 334 */
	bool confirmed;     /* step mode: the user allowed AUTH over an unverified connection */
	long long deadline; /* when the awaited reply or handshake is due; -1: none */
	bool early_clock;   /* bytes that answer nothing arrived while nothing was awaited */
	struct session_reply last; /* the reply awaiting its action */
	bool handshaking;          /* the owner runs the TLS handshake: no plaintext may come */
	struct proto_reader *reader;
	struct proto_lint *lint;
	struct proto_lint_ops lint_ops; /* the owner's line and finding callbacks */
	char helo[SESSION_HELO_MAX];    /* the EHLO name: the config's, or the user's edit */
	char error[SESSION_ERR_MAX];
	char cause[SESSION_CAUSE_MAX];      /* why it ended, in a few words, for a status line */
	char said[SESSION_SAID_MAX];        /* the last reply's first line, escaped and cut */
	int said_code;                      /* its code */
	size_t discarded_total;             /* plaintext bytes dropped after the 220 to STARTTLS */
	size_t discarded_len;               /* of them kept in discarded */
	char discarded[PROTO_DISCARD_KEEP]; /* their first bytes, as received */
};

static const char *const state_names[PROTO_S_COUNT] = {
    [PROTO_S_BANNER] = "banner",       [PROTO_S_EHLO] = "ehlo",
    [PROTO_S_HELO] = "helo",           [PROTO_S_STARTTLS] = "starttls",
    [PROTO_S_HANDSHAKE] = "handshake", [PROTO_S_TLS_EHLO] = "tls-ehlo",
    [PROTO_S_AUTH] = "auth",           [PROTO_S_MAIL] = "mail",
    [PROTO_S_RCPT] = "rcpt",           [PROTO_S_DATA] = "data",
    [PROTO_S_BODY] = "body",           [PROTO_S_QUIT] = "quit",
    [PROTO_S_DONE] = "done",           [PROTO_S_FAILED] = "failed",
};

/* What each state waits for, in words, for timeout messages. */
static const char held_name[] = "the end of what the server sent ahead of smtpscope's next command";

static const char *const waiting_names[PROTO_S_COUNT] = {
    [PROTO_S_BANNER] = "the server's banner",
    [PROTO_S_EHLO] = "the reply to EHLO",
    [PROTO_S_HELO] = "the reply to HELO",
    [PROTO_S_STARTTLS] = "the reply to STARTTLS",
    [PROTO_S_HANDSHAKE] = "the TLS handshake",
    [PROTO_S_TLS_EHLO] = "the reply to EHLO inside TLS",
    [PROTO_S_AUTH] = "the reply to AUTH",
    [PROTO_S_MAIL] = "the reply to MAIL FROM",
    [PROTO_S_RCPT] = "the reply to RCPT TO",
    [PROTO_S_DATA] = "the reply to DATA",
    [PROTO_S_BODY] = "the reply to the end of the message",
    [PROTO_S_QUIT] = "the reply to QUIT",
    [PROTO_S_DONE] = "nothing",
    [PROTO_S_FAILED] = "nothing",
};

const char *proto_session_state_name(enum proto_session_state state)
{
	if ((unsigned)state >= PROTO_S_COUNT)
		abort();
	return state_names[state];
}

int proto_quit_after_parse(const char *name, enum proto_quit_after *out)
{
	static const char *const names[] = {"",         "connect", "ehlo", "starttls",
	                                    "tls-ehlo", "mail",    "rcpt", "auth"};
	size_t i;

	for (i = 1; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum proto_quit_after)i;
			return 0;
		}
	}
	return -1;
}

int proto_starttls_policy_parse(const char *name, enum proto_starttls_policy *out)
{
	static const char *const names[] = {"auto", "strict", "force", "never"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum proto_starttls_policy)i;
			return 0;
		}
	}
	return -1;
}

static void verb_of(const char *line, char *verb, size_t size);

/* The one place that changes state; it tells the owner. */
static void set_state(struct proto_session *s, enum proto_session_state to)
{
	enum proto_session_state from = s->state;

	if ((unsigned)to >= PROTO_S_COUNT || from == PROTO_S_DONE || from == PROTO_S_FAILED)
		abort();
	s->state = to;
	if (s->ops->state != NULL)
		s->ops->state(s->ctx, from, to);
}

/* Reports the line the input stopped in, without its end: nothing received is lost. */
static void keep_partial(struct proto_session *s)
{
	struct proto_line line;

	if (s->handshaking)
		return;
	proto_reader_eof(s->reader);
	while (proto_reader_next(s->reader, &line))
		proto_lint_server(s->lint, ++s->n, line.text, line.len, PROTO_TERM_EOF, s->tls);
}

/*
 * The cause of an end given none: the reason's first clause, before what
 * smtpscope waited for, cut at a word to fit a status line.
 */
static void cause_of(struct proto_session *s, const char *reason)
{
	static const char *const stops[] = {" while ", " before smtpscope", ", then", "; "};
	size_t n = strlen(reason), i;
	const char *at;

	if (s->cause[0] != '\0')
		return;
	for (i = 0; i < sizeof stops / sizeof stops[0]; i++)
		if ((at = strstr(reason, stops[i])) != NULL && (size_t)(at - reason) < n)
			n = (size_t)(at - reason);
	if (n >= sizeof s->cause)
		for (n = sizeof s->cause - 1; n > 0 && reason[n] != ' '; n--)
			continue;
	snprintf(s->cause, sizeof s->cause, "%.*s", (int)n, reason);
}

/* Ends the session: nothing is planned, awaited or held any more. */
static void fail(struct proto_session *s, const char *reason)
{
	if (proto_session_over(s))
		return;
	snprintf(s->error, sizeof s->error, "%s", reason);
	cause_of(s, reason);
	keep_partial(s);
	proto_session_info(s, s->error);
	proto_lint_end(s->lint);
	s->has_pending = s->busy = s->held = s->free_in_flight = false;
	memset(s->pending, 0, sizeof s->pending); /* it may hold a secret */
	s->deadline = -1;
	set_state(s, PROTO_S_FAILED);
}

/* Starts the clock of a wait: a command sent, the greeting, the handshake. */
static void start_clock(struct proto_session *s)
{
	s->deadline = s->config.timeout_ms > 0 && s->ops->now != NULL
	                  ? s->ops->now(s->ctx) + s->config.timeout_ms
	                  : -1;
}

/* True while bytes received do not yet make whole replies: a partial line, or an open reply. */
static bool unfinished(const struct proto_session *s)
{
	return proto_reader_pending(s->reader) > 0 || proto_reader_inside_reply(s->reader);
}

/* Sends one command line: to the transcript first (redacted by what it holds), then out. */
static void send_line(struct proto_session *s, const char *line, size_t len, enum proto_sent sent)
{
	char buf[SESSION_LINE_MAX + 2];

	if (len > SESSION_LINE_MAX)
		len = SESSION_LINE_MAX;
	proto_lint_sent(s->lint, ++s->n, line, len, s->tls, sent);
	s->busy = true;
	start_clock(s);
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	s->ops->send(s->ctx, buf, len + 2);
}

/* What a command line holds: an AUTH command carries its initial response. */
static enum proto_sent sent_kind(const char *line)
{
	return proto_auth_command(line, strlen(line)) ? PROTO_SENT_AUTH : PROTO_SENT_COMMAND;
}

/* Sends a command line now and moves to next. */
static void send_now(struct proto_session *s, enum proto_session_state next, const char *line)
{
	send_line(s, line, strlen(line), sent_kind(line));
	set_state(s, next);
}

/*
 * The next planned command: head, arg and tail as one line. It is sent at
 * once, or in step mode kept as pending until the owner sends, edits or
 * skips it.
 */
static void send_cmd(struct proto_session *s, enum proto_session_state next, const char *head,
                     const char *arg, const char *tail)
{
	int len = snprintf(s->pending, sizeof s->pending, "%s%s%s", head, arg, tail);

	if (len < 0)
		abort();
	if (!s->config.step) {
		send_now(s, next, s->pending);
		memset(s->pending, 0, sizeof s->pending); /* it may hold a secret */
		return;
	}
	s->pending_next = next;
	s->has_pending = true;
	s->pending_secret = false;
	if (!s->config.show_secrets && proto_auth_command(s->pending, strlen(s->pending)))
		s->pending_secret = proto_auth_redact(s->shown, sizeof s->shown, s->pending,
		                                      strlen(s->pending), false) != (size_t)-1;
	if (s->ops->pending != NULL)
		s->ops->pending(s->ctx, proto_session_pending(s));
}

static void send_quit(struct proto_session *s)
{
	send_cmd(s, PROTO_S_QUIT, "QUIT", "", "");
}

struct proto_session *proto_session_new(const struct proto_session_config *config,
                                        const struct proto_session_ops *ops, void *ctx)
{
	struct proto_session *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->config = *config;
	snprintf(s->helo, sizeof s->helo, "%s", config->helo != NULL ? config->helo : "");
	if (s->config.nrcpt > PROTO_SESSION_RCPT_MAX)
		abort();
	s->ops = ops;
	s->ctx = ctx;
	s->state = PROTO_S_BANNER;
	s->busy = true;
	s->deadline = -1;
	s->tls = config->tls_on_connect;
	s->reader = proto_reader_new(0);
	s->lint_ops.line = ops->line;
	s->lint_ops.finding = ops->finding;
	s->lint = proto_lint_new(&s->lint_ops, ctx,
	                         PROTO_LINT_PAIRED |
	                             (config->show_secrets ? PROTO_LINT_SHOW_SECRETS : 0));
	if (s->reader == NULL || s->lint == NULL) {
		proto_session_free(s);
		return NULL;
	}
	return s;
}

void proto_session_free(struct proto_session *s)
{
	if (s == NULL)
		return;
	proto_reader_free(s->reader);
	proto_lint_free(s->lint);
	free(s);
}

/*
 * The STARTTLS policy applied to the EHLO reply (ehlo false after HELO).
 * "Any line" is the linter's reading of every line of the reply, kept or
 * not.
 */
static bool wants_starttls(const struct proto_session *s, bool ehlo)
{
	switch (s->config.starttls) {
	case PROTO_STARTTLS_NEVER:
		return false;
	case PROTO_STARTTLS_FORCE:
		return true;
	case PROTO_STARTTLS_STRICT:
		return ehlo && s->last.strict_starttls;
	case PROTO_STARTTLS_AUTO:
		return ehlo && proto_lint_ehlo_starttls(s->lint);
	}
	abort();
}

/* The planned mail transaction, or QUIT when there is none. */
static void transaction_or_quit(struct proto_session *s)
{
	if (s->config.from == NULL || s->config.quit_after == PROTO_QUIT_TLS_EHLO ||
	    s->config.quit_after == PROTO_QUIT_AUTH)
		send_quit(s);
	else
		send_cmd(s, PROTO_S_MAIL, "MAIL FROM:<", s->config.from, ">");
}

/* Sends QUIT, and fails with reason and the reply's code once it is answered. */
static void quit_failing(struct proto_session *s, const char *reason, int code)
{
	/* A reason too long for the buffer is cut; the message stays readable. */
	if (snprintf(s->pending_error, sizeof s->pending_error, "%s (reply %d)", reason, code) < 0)
		abort();
	snprintf(s->cause, sizeof s->cause, "refused (reply %d)", code);
	send_quit(s);
}

/* Sends QUIT, and fails with reason once it is answered. */
static void quit_with(struct proto_session *s, const char *reason)
{
	snprintf(s->pending_error, sizeof s->pending_error, "%s", reason);
	cause_of(s, reason);
	send_quit(s);
}

/* True when AUTH waits for the user's word: step mode, TLS up but not verified. */
static bool auth_needs_confirm(const struct proto_session *s)
{
	return s->tls && !s->verified && !s->config.tls_verify && !s->config.auth_unverified &&
	       s->config.step && !s->confirmed;
}

/* Writes why AUTH cannot be sent over this connection into reason; false when it can. */
static bool auth_unverified(const struct proto_session *s, char *reason, size_t size)
{
	const char *mech = proto_auth_mech_name(s->config.auth);

	if (s->config.tls_verify && !(s->tls && s->verified))
		snprintf(reason, size,
		         "AUTH %s not sent: the server's certificate was not verified, and "
		         "--tls-verify keeps credentials from every server that fails it",
		         mech);
	else if (s->tls && !s->verified && !s->config.auth_unverified && !s->config.step)
		snprintf(reason, size,
		         "AUTH %s not sent: the server's certificate was not verified, so the "
		         "credentials could go to whoever answered; trust its CA with --ca-file, "
		         "or give --auth-unverified to send them anyway",
		         mech);
	else
		return false;
	return true;
}

/* Writes why AUTH cannot be sent into reason; false when it can. */
static bool auth_blocked(const struct proto_session *s, char *reason, size_t size)
{
	const char *mech = proto_auth_mech_name(s->config.auth);

	if (auth_unverified(s, reason, size))
		return true;
	if (!s->tls && s->config.starttls != PROTO_STARTTLS_NEVER)
		snprintf(reason, size,
		         "AUTH %s not sent: TLS is not established, and the credentials would "
		         "cross the network in clear (--no-tls sends them anyway)",
		         mech);
	else if (!s->auth_offered)
		snprintf(reason, size,
		         "AUTH %s not sent: the server's EHLO reply does not offer it", mech);
	else if (s->config.auth == PROTO_AUTH_CRAM_MD5 && s->ops->hmac_md5 == NULL)
		snprintf(reason, size, "AUTH CRAM-MD5 not sent: HMAC-MD5 is not available here");
	else
		return false;
	return true;
}

/* The configured user name and secret, "" when not given. */
static const char *auth_user(const struct proto_session *s)
{
	return s->config.auth_user != NULL ? s->config.auth_user : "";
}

static const char *auth_secret(const struct proto_session *s)
{
	return s->config.auth_secret != NULL ? s->config.auth_secret : "";
}

/* AUTH with its initial response for PLAIN and XOAUTH2 (RFC 4954 §4). */
static void start_auth(struct proto_session *s)
{
	char tail[SESSION_LINE_MAX], reason[SESSION_ERR_MAX];
	int rc = 0;

	if (auth_blocked(s, reason, sizeof reason)) {
		proto_session_info(s, reason);
		quit_with(s, reason);
		return;
	}
	s->auth_step = 0;
	tail[0] = ' ';
	tail[1] = '\0';
	if (s->config.auth == PROTO_AUTH_PLAIN)
		rc = proto_sasl_plain(tail + 1, sizeof tail - 1, auth_user(s), auth_secret(s));
	else if (s->config.auth == PROTO_AUTH_XOAUTH2)
		rc = proto_sasl_xoauth2(tail + 1, sizeof tail - 1, auth_user(s), auth_secret(s));
	if (rc != 0) {
		quit_with(s, "AUTH not sent: the user name or the password is too long");
		return;
	}
	send_cmd(s, PROTO_S_AUTH, "AUTH ", proto_auth_mech_name(s->config.auth),
	         tail[1] != '\0' ? tail : "");
}

/* AUTH when it is configured, then the mail transaction or QUIT. */
static void after_tls_part(struct proto_session *s)
{
	if (s->config.auth != PROTO_AUTH_NONE && s->config.quit_after != PROTO_QUIT_TLS_EHLO)
		start_auth(s);
	else
		transaction_or_quit(s);
}

/* One field as a base64 line, for LOGIN. */
static int encode_field(char *out, size_t cap, const char *field)
{
	size_t len = strlen(field);

	if (len > PROTO_AUTH_FIELD_MAX || cap < PROTO_BASE64_LEN(len) + 1)
		return -1;
	proto_base64_encode(out, cap, field, len);
	return 0;
}

/* RFC 2195: the digest of the challenge that follows "334 ". */
static int cram_response(struct proto_session *s, char *out, size_t cap)
{
	unsigned char challenge[PROTO_LINE_KEEP], digest[16];
	const char *secret = auth_secret(s);
	size_t len;

	if (s->last.first_len < 4 ||
	    proto_base64_decode(challenge, sizeof challenge, s->last.first + 4,
	                        s->last.first_len - 4, &len) != 0)
		return -1;
	if (s->ops->hmac_md5(s->ctx, secret, strlen(secret), challenge, len, digest) != 0)
		return -1;
	return proto_sasl_cram_md5(out, cap, auth_user(s), digest);
}

/* A 334 to XOAUTH2 carries an error in JSON: an empty line asks for the final reply. */
static int xoauth2_error(char *line)
{
	line[0] = '\0';
	return 0;
}

/* Answers a 334; a challenge the mechanism has no answer for is cancelled with "*". */
static void auth_continue(struct proto_session *s)
{
	char line[SESSION_LINE_MAX];
	unsigned step = s->auth_step++;
	int rc = -1;

	if (s->config.auth == PROTO_AUTH_LOGIN && step < 2)
		rc = encode_field(line, sizeof line, step == 0 ? auth_user(s) : auth_secret(s));
	else if (s->config.auth == PROTO_AUTH_CRAM_MD5 && step == 0)
		rc = cram_response(s, line, sizeof line);
	else if (s->config.auth == PROTO_AUTH_XOAUTH2 && step == 0)
		rc = xoauth2_error(line);
	if (rc != 0)
		snprintf(line, sizeof line, "*");
	send_line(s, line, strlen(line), PROTO_SENT_RESPONSE);
	memset(line, 0, sizeof line); /* it may hold a secret */
}

static void on_auth_reply(struct proto_session *s, int code)
{
	char reason[SESSION_ERR_MAX];
	const char *mech = proto_auth_mech_name(s->config.auth);

	/* Clients read different lines' codes: such a reply may mean 334 to one, 235 to another. */
	if (s->last.flags & PROTO_L_MIXED_CODE) {
		snprintf(reason, sizeof reason,
		         "authentication stopped: the reply to AUTH %s carries different codes on "
		         "its lines (%d on the first), so it neither asks for more nor accepts",
		         mech, code);
		quit_with(s, reason);
		return;
	}
	if (code == 235) {
		transaction_or_quit(s);
		return;
	}
	if (code == 334) {
		auth_continue(s);
		return;
	}
	if (code == 535)
		snprintf(reason, sizeof reason,
		         "authentication failed: the server rejected the credentials of AUTH %s",
		         mech);
	else
		snprintf(reason, sizeof reason, "authentication failed: the server refused AUTH %s",
		         mech);
	quit_failing(s, reason, code);
}

/* After EHLO (or HELO, ehlo false): STARTTLS, the mail transaction, or QUIT. */
static void after_greeting(struct proto_session *s, bool ehlo)
{
	if (s->config.quit_after == PROTO_QUIT_EHLO && s->nehlo <= 1) {
		send_quit(s);
		return;
	}
	if (!s->tls && wants_starttls(s, ehlo)) {
		send_cmd(s, PROTO_S_STARTTLS, "STARTTLS", "", "");
		return;
	}
	if (!s->tls && ehlo && s->config.starttls == PROTO_STARTTLS_STRICT &&
	    proto_lint_ehlo_starttls(s->lint))
		proto_session_info(s, "STARTTLS not sent: it is offered, but not where Postfix "
		                      "sees it (--starttls strict)");
	after_tls_part(s);
}

/* Ends the conversation after QUIT: done, or the failure noted before it. */
static void finish(struct proto_session *s)
{
	proto_lint_end(s->lint);
	if (s->pending_error[0] != '\0') {
		fail(s, s->pending_error);
		return;
	}
	snprintf(s->cause, sizeof s->cause, "ended after QUIT");
	s->has_pending = s->busy = s->held = s->free_in_flight = false;
	s->deadline = -1;
	set_state(s, PROTO_S_DONE);
}

/* Keeps the first bytes about to be discarded, so the owner can show them. */
static void keep_discarded(struct proto_session *s, size_t pending)
{
	size_t room = sizeof s->discarded - s->discarded_len;
	size_t n = pending < room ? pending : room;

	memcpy(s->discarded + s->discarded_len, proto_reader_pending_bytes(s->reader), n);
	s->discarded_len += n;
	s->discarded_total += pending;
}

/* After the 220 to STARTTLS: drop injected bytes, then hand over to TLS. */
static void begin_tls(struct proto_session *s)
{
	size_t pending = proto_reader_pending(s->reader);
	char note[128];

	if (pending > 0) {
		snprintf(note, sizeof note,
		         "discarded %zu plaintext bytes received after the 220 to STARTTLS",
		         pending);
		keep_discarded(s, pending);
		proto_lint_info(s->lint, ++s->n, note, strlen(note));
		s->ops->finding(s->ctx, PROTO_F_STARTTLS_RESPONSE_INJECTION, s->n);
		proto_reader_discard(s->reader);
	}
	set_state(s, PROTO_S_HANDSHAKE);
	s->handshaking = true;
	start_clock(s);
	s->ops->starttls(s->ctx);
}

/* Sends the message, dot-stuffed, one transcript line per line, then the dot. */
static void send_body(struct proto_session *s)
{
	const char *p = s->config.data, *end = p + s->config.data_len, *nl;
	char line[SESSION_CMD_MAX + 1];
	size_t len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		line[0] = '.';
		len = len < SESSION_CMD_MAX ? len : SESSION_CMD_MAX;
		memcpy(line + 1, p, len);
		if (p[0] == '.')
			send_line(s, line, len + 1, PROTO_SENT_COMMAND);
		else
			send_line(s, line + 1, len, PROTO_SENT_COMMAND);
		p = nl != NULL ? nl + 1 : end;
	}
	send_now(s, PROTO_S_BODY, ".");
}

/* The next recipient, DATA, or QUIT. */
static void after_rcpt(struct proto_session *s)
{
	if (s->rcpt_next < s->config.nrcpt && s->config.quit_after != PROTO_QUIT_RCPT) {
		send_cmd(s, PROTO_S_RCPT, "RCPT TO:<", s->config.rcpt[s->rcpt_next++], ">");
		return;
	}
	if (s->config.data != NULL && s->rcpt_ok > 0 && s->config.quit_after == PROTO_QUIT_NONE)
		send_cmd(s, PROTO_S_DATA, "DATA", "", "");
	else
		send_quit(s);
}

static void on_ehlo_reply(struct proto_session *s, int code)
{
	s->nehlo++;
	s->auth_offered = s->last.auth_offered;
	if (code == 250) {
		after_greeting(s, true);
		return;
	}
	if (s->state == PROTO_S_EHLO)
		send_cmd(s, PROTO_S_HELO, "HELO ", s->helo, "");
	else
		quit_failing(s, "the server refused EHLO inside TLS", code);
}

static void on_mail_reply(struct proto_session *s, int code)
{
	if (s->state == PROTO_S_MAIL) {
		if (code / 100 != 2 || s->config.quit_after == PROTO_QUIT_MAIL ||
		    s->config.nrcpt == 0)
			send_quit(s);
		else
			after_rcpt(s);
	} else if (s->state == PROTO_S_RCPT) {
		s->rcpt_ok += code / 100 == 2;
		after_rcpt(s);
	} else if (s->state == PROTO_S_DATA && code == 354) {
		send_body(s);
	} else {
		send_quit(s);
	}
}

/* The one place that acts on a complete reply (its facts in s->last). */
static void on_reply(struct proto_session *s)
{
	int code = s->last.code;

	switch (s->state) {
	case PROTO_S_BANNER:
		if (code / 100 != 2)
			quit_failing(s, "the server refused the session at its banner", code);
		else if (s->config.quit_after == PROTO_QUIT_CONNECT)
			send_quit(s);
		else
			send_cmd(s, PROTO_S_EHLO, "EHLO ", s->helo, "");
		break;
	case PROTO_S_EHLO:
	case PROTO_S_TLS_EHLO:
		on_ehlo_reply(s, code);
		break;
	case PROTO_S_HELO:
		if (code / 100 == 2)
			after_greeting(s, false);
		else
			quit_failing(s, "the server refused both EHLO and HELO", code);
		break;
	case PROTO_S_STARTTLS:
		if (code == 220) {
			begin_tls(s);
			break;
		}
		s->ops->finding(s->ctx, PROTO_F_STARTTLS_REJECTED, s->n);
		after_tls_part(s);
		break;
	case PROTO_S_AUTH:
		on_auth_reply(s, code);
		break;
	case PROTO_S_MAIL:
	case PROTO_S_RCPT:
	case PROTO_S_DATA:
	case PROTO_S_BODY:
		on_mail_reply(s, code);
		break;
	case PROTO_S_QUIT:
		finish(s);
		break;
	case PROTO_S_HANDSHAKE:
		/* The owner feeds no plaintext during the handshake. */
		abort();
	case PROTO_S_DONE:
	case PROTO_S_FAILED:
	case PROTO_S_COUNT:
		break;
	}
}

/* The reply to a command the user typed: the plan goes on where it was. */
static void on_free_reply(struct proto_session *s)
{
	int code = s->last.code;

	s->free_in_flight = false;
	s->free_auth = s->free_auth && s->last.any_334;
	if (strcmp(s->free_verb, "STARTTLS") == 0 && code == 220 && !s->tls) {
		s->has_pending = false;
		begin_tls(s);
	} else if (strcmp(s->free_verb, "QUIT") == 0) {
		s->has_pending = false;
		set_state(s, PROTO_S_QUIT);
		finish(s);
	} else if (s->has_pending && s->ops->pending != NULL) {
		s->ops->pending(s->ctx, proto_session_pending(s));
	}
}

/* The verb of a command line, upper case, into verb (at most 15 bytes). */
static void verb_of(const char *line, char *verb, size_t size)
{
	size_t i = 0;

	while (line[i] != '\0' && line[i] != ' ' && i + 1 < size) {
		verb[i] = (char)(line[i] >= 'a' && line[i] <= 'z' ? line[i] - 32 : line[i]);
		i++;
	}
	verb[i] = '\0';
}

/*
 * True when nothing may be sent now: the session is over, a reply is
 * awaited, TLS is being set up, or the server is still sending bytes that
 * answer nothing (they must end before the next command, or they would
 * seem to answer it).
 */
static bool cannot_send(const struct proto_session *s)
{
	return proto_session_over(s) || s->busy || s->handshaking || s->held || unfinished(s);
}

int proto_session_command(struct proto_session *s, const char *command)
{
	enum proto_sent sent = sent_kind(command);

	if (cannot_send(s))
		return -1;
	if (sent == PROTO_SENT_COMMAND && s->free_auth)
		sent = PROTO_SENT_RESPONSE;
	/* After a refused AUTH, lines without a verb are its answers (a paste): secrets too. */
	if (sent == PROTO_SENT_COMMAND && s->auth_refused &&
	    !proto_is_client_verb(command, strlen(command)))
		sent = PROTO_SENT_RESPONSE;
	/* What the user types for AUTH is a secret: --tls-verify holds for it too. */
	if ((sent == PROTO_SENT_AUTH || sent == PROTO_SENT_RESPONSE) && s->config.tls_verify &&
	    !(s->tls && s->verified)) {
		s->auth_refused = true;
		proto_session_info(
		    s, "=== not sent: the server's certificate was not verified, and "
		       "--tls-verify keeps credentials from every server that fails it");
		return -2;
	}
	s->auth_refused = false;
	s->free_auth = s->free_auth || sent == PROTO_SENT_AUTH;
	verb_of(command, s->free_verb, sizeof s->free_verb);
	s->free_in_flight = true;
	send_line(s, command, strlen(command), sent);
	return 0;
}

const char *proto_session_pending(const struct proto_session *s)
{
	if (!s->has_pending)
		return NULL;
	return s->pending_secret ? s->shown : s->pending;
}

/* Keeps the name of an edited EHLO for the EHLO after TLS: the user's choice holds. */
static void remember_helo(struct proto_session *s, const char *rest)
{
	size_t n;

	rest += strspn(rest, " ");
	n = strcspn(rest, " ");
	if (n > 0 && n < sizeof s->helo)
		snprintf(s->helo, sizeof s->helo, "%.*s", (int)n, rest);
}

int proto_session_set_helo(struct proto_session *s, const char *name)
{
	size_t i, n = strlen(name);
	char verb[16];

	if (n == 0 || n >= sizeof s->helo)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 127)
			return -1;
	memcpy(s->helo, name, n + 1);
	verb_of(s->pending, verb, sizeof verb);
	/* A planned EHLO or HELO not sent yet takes the new name now. */
	if (s->has_pending && (strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0))
		snprintf(s->pending + 5, sizeof s->pending - 5, "%s", s->helo);
	if (s->has_pending && s->ops->pending != NULL)
		s->ops->pending(s->ctx, proto_session_pending(s));
	return 0;
}

const char *proto_session_helo(const struct proto_session *s)
{
	return s->helo;
}

int proto_session_send_pending(struct proto_session *s, const char *edited)
{
	char planned[16], typed[16];

	if (!s->has_pending || cannot_send(s) ||
	    (s->pending_next == PROTO_S_AUTH && auth_needs_confirm(s)))
		return -1;
	/* The redacted form, sent back unchanged, stands for the planned command. */
	if (edited == NULL || (s->pending_secret && strcmp(edited, s->shown) == 0))
		edited = s->pending;
	verb_of(s->pending, planned, sizeof planned);
	verb_of(edited, typed, sizeof typed);
	if (strcmp(planned, typed) != 0)
		return proto_session_command(s, edited);
	if (strcmp(typed, "EHLO") == 0 || strcmp(typed, "HELO") == 0)
		remember_helo(s, edited + 4);
	s->has_pending = false;
	send_now(s, s->pending_next, edited);
	if (edited == s->pending)
		memset(s->pending, 0, sizeof s->pending); /* it may hold a secret */
	return 0;
}

int proto_session_skip(struct proto_session *s)
{
	char verb[16], note[96];

	if (!s->has_pending || s->pending_next == PROTO_S_QUIT || cannot_send(s))
		return -1;
	s->has_pending = false;
	verb_of(s->pending, verb, sizeof verb);
	snprintf(note, sizeof note, "%s skipped by the user%s", verb,
	         s->pending_next == PROTO_S_STARTTLS ? ": the session stays in plaintext" : "");
	proto_session_info(s, note);
	switch (s->pending_next) {
	case PROTO_S_MAIL:
	case PROTO_S_DATA:
		send_quit(s);
		break;
	case PROTO_S_RCPT:
		after_rcpt(s);
		break;
	default:
		transaction_or_quit(s);
		break;
	}
	return 0;
}

void proto_session_run(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX];

	/* Out of step mode nobody is asked: unverified AUTH needs --auth-unverified. */
	if (s->has_pending && s->pending_next == PROTO_S_AUTH && auth_needs_confirm(s)) {
		s->config.step = false;
		s->has_pending = false;
		memset(s->pending, 0, sizeof s->pending);
		auth_unverified(s, reason, sizeof reason);
		quit_with(s, reason);
		return;
	}
	s->config.step = false;
	if (s->has_pending && !cannot_send(s))
		proto_session_send_pending(s, NULL);
}

const char *proto_session_confirm_needed(const struct proto_session *s)
{
	if (!s->has_pending || s->pending_next != PROTO_S_AUTH || !auth_needs_confirm(s))
		return NULL;
	return "the server's certificate was not verified: the credentials could go to whoever "
	       "answered";
}

void proto_session_confirm(struct proto_session *s)
{
	s->confirmed = true;
}

bool proto_session_busy(const struct proto_session *s)
{
	return !proto_session_over(s) && (s->busy || s->held || unfinished(s));
}

const char *proto_session_partial(const struct proto_session *s, size_t *len, size_t *wire)
{
	if (proto_session_over(s)) {
		*len = *wire = 0;
		return "";
	}
	return proto_reader_partial(s->reader, len, wire);
}

bool proto_session_handshaking(const struct proto_session *s)
{
	return s->handshaking;
}

void proto_session_start(struct proto_session *s)
{
	/* Notes may come first (the connection attempts); commands may not. */
	if (s->state != PROTO_S_BANNER)
		abort();
	start_clock(s);
}

void proto_session_tls_on_connect(struct proto_session *s, bool verified)
{
	s->verified = verified;
}

/* Takes from a complete reply what acting on it needs, before later bytes overwrite it. */
static void take_reply(struct proto_session *s, const struct proto_reply *reply)
{
	struct session_reply *r = &s->last;

	r->code = reply->code;
	r->flags = reply->flags;
	r->any_334 = s->reply_334;
	r->strict_starttls = false;
	r->auth_offered = false;
	if (!s->free_in_flight && (s->state == PROTO_S_EHLO || s->state == PROTO_S_TLS_EHLO)) {
		r->strict_starttls =
		    proto_client_starttls_line(proto_client_find("postfix"), reply) >= 0;
		r->auth_offered = s->config.auth != PROTO_AUTH_NONE && reply->code == 250 &&
		                  proto_auth_offered(reply, proto_auth_mech_name(s->config.auth));
	}
	r->first_len = reply->nkept > 0 ? reply->line[0].len : 0;
	if (r->first_len > 0)
		memcpy(r->first, reply->line[0].text, r->first_len);
	r->first[r->first_len] = '\0';
}

/* The 220 that starts TLS: the bytes after it are dropped, not read (begin_tls). */
static bool starts_tls(const struct proto_session *s)
{
	if (s->last.code != 220 || s->tls)
		return false;
	return s->free_in_flight ? strcmp(s->free_verb, "STARTTLS") == 0
	                         : s->state == PROTO_S_STARTTLS;
}

/* Acts on the held reply. */
static void act(struct proto_session *s)
{
	s->held = false;
	if (s->free_in_flight)
		on_free_reply(s);
	else
		on_reply(s);
}

/*
 * A complete line from the server. A reply that begins while nothing
 * awaits one came early: it is reported (the linter names it early-reply)
 * and answers nothing. The reply that was awaited is acted on only once
 * every byte received after it has been read as whole replies, so that the
 * next command follows them in the transcript as it did on the wire.
 */
static void on_line(struct proto_session *s, const struct proto_line *line)
{
	enum proto_term term = line->flags & PROTO_L_BARE_LF ? PROTO_TERM_LF : PROTO_TERM_CRLF;

	if (line->index == 0) {
		s->reply_early = !s->busy;
		s->reply_334 = false;
		s->said_code = line->code;
		proto_escape_term(s->said, sizeof s->said, line->text,
		                  line->len < 80 ? line->len : 80);
	}
	/* Every line counts, kept or not: a 334 anywhere keeps a typed AUTH's answers secret. */
	s->reply_334 = s->reply_334 || line->code == 334;
	proto_lint_server(s->lint, ++s->n, line->text, line->len, term, s->tls);
	if (!line->last || s->reply_early)
		return;
	s->busy = false;
	s->held = true;
	take_reply(s, proto_reader_reply(s->reader));
	if (starts_tls(s))
		act(s);
}

/*
 * Bytes that answer nothing, begun while no command was awaited (step mode),
 * get a time of their own to end: until they do, nothing can be sent.
 */
static void time_early(struct proto_session *s)
{
	bool open = unfinished(s);

	if (open && !s->busy && !s->held && !s->early_clock && !proto_session_over(s))
		start_clock(s);
	s->early_clock = open && !s->busy;
}

void proto_session_feed(struct proto_session *s, const void *buf, size_t len)
{
	struct proto_line line;

	/* The owner feeds no plaintext while it runs the handshake. */
	if (s->handshaking)
		abort();
	if (proto_reader_feed(s->reader, buf, len) != 0) {
		fail(s, "out of memory");
		return;
	}
	while (!proto_session_over(s) && !s->handshaking && proto_reader_next(s->reader, &line))
		on_line(s, &line);
	if (s->held && !proto_session_over(s) && !unfinished(s))
		act(s);
	time_early(s);
}

/*
 * Why the input ended, in words: after the refusal that QUIT was to follow,
 * before the command the user had not sent yet, or while a reply was
 * awaited; with the server's last reply when it was an error, since a 421
 * before hanging up says why.
 */
static void closed_why(struct proto_session *s, const char *how, char *out, size_t size)
{
	const char *what = how != NULL ? how : "the server closed the connection";
	bool refused = s->has_pending && s->pending_error[0] != '\0';
	char verb[16];
	int n;

	verb_of(s->pending, verb, sizeof verb);
	if (refused)
		n = snprintf(out, size, "%s, then %s", s->pending_error,
		             how != NULL ? how : "closed the connection");
	else if (s->has_pending && !s->busy && !unfinished(s))
		n = snprintf(out, size, "%s before smtpscope sent %s", what, verb);
	else
		n = snprintf(out, size, "%s while smtpscope waited for %s", what,
		             proto_session_waiting_for(s));
	if (n >= 0 && (size_t)n < size && s->said_code >= 400)
		snprintf(out + n, size - (size_t)n, "; its last reply: %.120s", s->said);
}

/* The end of the input, closed (how is NULL) or broken: the last line is kept. */
static void end_input(struct proto_session *s, const char *how)
{
	char reason[SESSION_ERR_MAX];

	if (proto_session_over(s))
		return;
	keep_partial(s);
	if (s->state == PROTO_S_QUIT) {
		finish(s);
		return;
	}
	closed_why(s, how, reason, sizeof reason);
	fail(s, reason);
}

void proto_session_eof(struct proto_session *s)
{
	end_input(s, NULL);
}

void proto_session_broken(struct proto_session *s, const char *how)
{
	end_input(s, how);
}

void proto_session_tls_done(struct proto_session *s, bool ok, bool verified, const char *why)
{
	char reason[SESSION_ERR_MAX];

	if (!s->handshaking)
		abort();
	s->handshaking = false;
	if (!ok) {
		s->ops->finding(s->ctx, PROTO_F_TLS_HANDSHAKE_FAILED, s->n);
		snprintf(reason, sizeof reason, "the TLS handshake failed%s%s",
		         why != NULL ? ": " : "", why != NULL ? why : "");
		fail(s, reason);
		return;
	}
	s->tls = true;
	s->verified = verified;
	if (!verified)
		s->ops->finding(s->ctx, PROTO_F_TLS_UNVERIFIED, s->n);
	if (s->config.quit_after == PROTO_QUIT_STARTTLS)
		send_quit(s);
	else
		send_cmd(s, PROTO_S_TLS_EHLO, "EHLO ", s->helo, "");
}

void proto_session_info(struct proto_session *s, const char *text)
{
	proto_lint_info(s->lint, ++s->n, text, strlen(text));
}

void proto_session_abort(struct proto_session *s, const char *reason)
{
	fail(s, reason);
}

long long proto_session_deadline(const struct proto_session *s)
{
	return s->deadline;
}

bool proto_session_expire(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX];

	if (proto_session_over(s) || s->deadline < 0 || s->handshaking || !proto_session_busy(s) ||
	    s->ops->now(s->ctx) < s->deadline)
		return false;
	snprintf(reason, sizeof reason, "timed out after %g s waiting for %s",
	         s->config.timeout_ms / 1000.0, proto_session_waiting_for(s));
	snprintf(s->cause, sizeof s->cause, "timed out after %g s", s->config.timeout_ms / 1000.0);
	fail(s, reason);
	return true;
}

enum proto_session_state proto_session_state(const struct proto_session *s)
{
	return s->state;
}

bool proto_session_over(const struct proto_session *s)
{
	return s->state == PROTO_S_DONE || s->state == PROTO_S_FAILED;
}

const char *proto_session_cause(const struct proto_session *s)
{
	return proto_session_over(s) ? s->cause : "";
}

const char *proto_session_discarded(const struct proto_session *s, size_t *kept, size_t *total)
{
	*kept = s->discarded_len;
	*total = s->discarded_total;
	return s->discarded;
}

const char *proto_session_error(const struct proto_session *s)
{
	return s->error;
}

bool proto_session_tls(const struct proto_session *s)
{
	return s->tls;
}

const char *proto_session_waiting_for(const struct proto_session *s)
{
	if (s->held || (!s->busy && unfinished(s)))
		return held_name;
	if (s->free_in_flight)
		return "the reply to the command typed";
	if (s->has_pending && !s->busy)
		return "the user to send the next command";
	return waiting_names[s->state];
}

const struct proto_lint *proto_session_lint(const struct proto_session *s)
{
	return s->lint;
}
