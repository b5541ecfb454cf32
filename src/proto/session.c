/*
 * session.c: the session engine. One state machine drives an SMTP
 * conversation, and one table, rows[] (below the choices it names), is all
 * of it: for each state its name, what it waits for, the line it sends on
 * entry, and where each reply moves it, by code, by class or by the mixed
 * codes of its lines. set_state() is the only place that changes state;
 * enter() runs a state's entry after it, as OpenSMTPD's smtp_client_state()
 * does; on_reply() is the only place a reply to the plan moves it. The
 * owner moves the bytes and runs TLS; the engine says what to send and when.
 *
 * Within a state the session waits for one thing at a time (wait): the
 * reply to the command the state sent (the greeting, for the banner); that
 * reply held until the bytes the server sent after it end; the owner's TLS
 * handshake; in step mode the user; or the reply to a command the user
 * typed. These are the phases every state goes through in the same order,
 * not states of the plan: the table's moves alone say where a reply leads.
 * In step mode a move to a state whose command is planned does not enter
 * it: planned names that state and its command waits for the user, while
 * state stays where the wire is, until the user sends it. A typed command
 * moves no state: its reply gives the turn back to the plan, unless it was
 * a STARTTLS answered 220 (TLS starts) or a QUIT (the session ends).
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
#define S_NONE            PROTO_S_COUNT /* planned: no command waits for the user */

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

/* What the session waits for, within the state it is in. */
enum session_wait {
	WAIT_NONE,       /* nothing: the session is over */
	WAIT_REPLY,      /* the reply to the state's command, or the greeting */
	WAIT_HELD,       /* that reply is in; its move waits for the early bytes after it to end */
	WAIT_TLS,        /* the owner's TLS handshake (state HANDSHAKE) */
	WAIT_USER,       /* step mode: the user, to send, edit or skip the planned command */
	WAIT_TYPED,      /* the reply to a command the user typed; the plan stays planned */
	WAIT_TYPED_HELD, /* that reply is in, and waits like WAIT_HELD */
};

/* What the reply to a typed command does besides giving the turn back to the plan. */
enum session_typed {
	TYPED_OTHER,    /* nothing */
	TYPED_STARTTLS, /* a 220 starts TLS */
	TYPED_QUIT,     /* any reply ends the session, as the reply to the plan's QUIT */
};

struct proto_session {
	struct proto_session_config config;
	const struct proto_session_ops *ops;
	void *ctx;
	enum proto_session_state state;      /* the row of the table the conversation is in */
	enum proto_session_state planned;    /* step mode: the state the pending command enters */
	enum session_wait wait;              /* what the state waits for now */
	enum session_typed typed;            /* while WAIT_TYPED*: what its reply does */
	bool tls;                            /* lines are inside TLS */
	bool verified;                       /* the TLS peer was verified */
	unsigned n;                          /* number of the last line */
	unsigned rcpt_next;                  /* recipients named so far */
	unsigned rcpt_ok;                    /* recipients accepted */
	unsigned nehlo;                      /* EHLO replies received */
	char pending_error[SESSION_ERR_MAX]; /* failure to report once QUIT is answered */
	char pending[SESSION_LINE_MAX];      /* step mode: the planned command's line */
	char shown[PROTO_REDACT_MAX]; /* the pending command as shown, when it holds a secret */
	bool pending_secret;          /* shown, not pending, goes to the owner */
	bool auth_offered;            /* the last EHLO reply offers the configured mechanism */
	/* Not states: they say whether the user's next line is a secret, not what a reply means. */
	bool free_auth;    /* the user typed AUTH: what they type after a 334 is a secret */
	bool auth_refused; /* a typed AUTH was refused: what follows without a verb is its answer */
	bool reply_early;  /* the reply being read began while nothing awaited one */
	bool reply_334;    /* a line of the reply being read carries 334 */
	bool confirmed;    /* step mode: the user allowed AUTH over an unverified connection */
	long long deadline;        /* when the awaited reply or handshake is due; -1: none */
	bool early_clock;          /* bytes that answer nothing arrived while nothing was awaited */
	struct session_reply last; /* the reply awaiting its action */
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

/* How a move matches a reply: one of these, a class (2 to 5: 2xx to 5xx), or a code. */
enum {
	ON_END = 0,   /* no more moves */
	ON_ANY = 1,   /* any reply, a reply without a valid code included */
	ON_2XX = 2,   /* classes: 2xx, 3xx, 4xx, 5xx */
	ON_MIXED = 6, /* a reply whose lines carry different codes */
};

/* Where a reply (or a skip) moves the session. */
struct session_move {
	int on;                                                      /* ON_*, a class, or a code */
	enum proto_session_state to;                                 /* where, unless choose */
	enum proto_session_state (*choose)(struct proto_session *s); /* picks where from the plan */
	const char *refused; /* to QUIT: the session fails after it with this and the code */
};

/* What entering a state sends. */
enum session_send {
	SEND_NOTHING, /* nothing: the greeting is awaited, TLS asked for, or the session ends */
	SEND_PLAN,    /* a command of the plan: in step mode it waits for the user */
	SEND_NOW,     /* an answer to a 334, or the message: sent at once, even in step mode */
};

/* One state: its row of the table. */
struct session_row {
	const char *name;    /* its name; a step of AUTH has AUTH's */
	const char *waiting; /* what it waits for, in words, for timeout messages */
	enum session_send send;
	/* The line sent on entry: head, the argument, tail (an argument that fails: "*"). */
	const char *head;
	int (*arg)(const struct proto_session *s, char *out, size_t size);
	const char *tail;
	enum proto_sent sent;                   /* what the line holds, for redaction */
	void (*enter)(struct proto_session *s); /* what entering does before its line */
	void (*take)(struct proto_session *s);  /* what each reply tells the plan before it moves */
	struct session_move skip;               /* a skip of its planned command; ON_END: none */
	struct session_move on[6];              /* a reply's moves: the first that matches */
};

static const struct session_row rows[PROTO_S_COUNT];

/* What each state waits for while a reply is held, in words. */
static const char held_name[] = "the end of what the server sent ahead of smtpscope's next command";

const char *proto_session_state_name(enum proto_session_state state)
{
	if ((unsigned)state >= PROTO_S_COUNT)
		abort();
	return rows[state].name;
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

/* The one place that changes state; it tells the owner. No move leads back to the banner. */
static void set_state(struct proto_session *s, enum proto_session_state to)
{
	enum proto_session_state from = s->state;

	if ((unsigned)to >= PROTO_S_COUNT || to == PROTO_S_BANNER || from == PROTO_S_DONE ||
	    from == PROTO_S_FAILED)
		abort();
	s->state = to;
	if (s->ops->state != NULL)
		s->ops->state(s->ctx, from, to);
}

/* True while a reply is awaited: to the plan's command, or to a typed one. */
static bool awaits_reply(const struct proto_session *s)
{
	return s->wait == WAIT_REPLY || s->wait == WAIT_TYPED;
}

/* True while a complete reply waits for the early bytes after it to end. */
static bool holds_reply(const struct proto_session *s)
{
	return s->wait == WAIT_HELD || s->wait == WAIT_TYPED_HELD;
}

/* Reports the line the input stopped in, without its end: nothing received is lost. */
static void keep_partial(struct proto_session *s)
{
	struct proto_line line;

	if (s->wait == WAIT_TLS)
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
	s->planned = S_NONE;
	s->wait = WAIT_REPLY; /* the greeting */
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

/* Notes a refusal: after QUIT the session fails with reason and the reply's code. */
static enum proto_session_state refuse(struct proto_session *s, const char *reason, int code)
{
	/* A reason too long for the buffer is cut; the message stays readable. */
	if (snprintf(s->pending_error, sizeof s->pending_error, "%s (reply %d)", reason, code) < 0)
		abort();
	snprintf(s->cause, sizeof s->cause, "refused (reply %d)", code);
	return PROTO_S_QUIT;
}

/* Notes why the plan stops: after QUIT the session fails with reason. */
static enum proto_session_state give_up(struct proto_session *s, const char *reason)
{
	snprintf(s->pending_error, sizeof s->pending_error, "%s", reason);
	cause_of(s, reason);
	return PROTO_S_QUIT;
}

/* True when the pending AUTH waits for the user's word: TLS up but not verified. */
static bool auth_needs_confirm(const struct proto_session *s)
{
	return s->tls && !s->verified && !s->config.tls_verify && !s->config.auth_unverified &&
	       !s->confirmed;
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

/* The arguments of the lines the states send; each returns 0, or -1 when it cannot be built. */

static int arg_helo(const struct proto_session *s, char *out, size_t size)
{
	snprintf(out, size, "%s", s->helo);
	return 0;
}

static int arg_from(const struct proto_session *s, char *out, size_t size)
{
	snprintf(out, size, "%s", s->config.from);
	return 0;
}

/* The recipient chosen last (next_rcpt counts it). */
static int arg_rcpt(const struct proto_session *s, char *out, size_t size)
{
	if (s->rcpt_next == 0)
		abort();
	snprintf(out, size, "%s", s->config.rcpt[s->rcpt_next - 1]);
	return 0;
}

/* AUTH's: the mechanism, with its initial response for PLAIN and XOAUTH2 (RFC 4954 §4). */
static int arg_auth(const struct proto_session *s, char *out, size_t size)
{
	int n = snprintf(out, size, "%s ", proto_auth_mech_name(s->config.auth));

	if (n < 0 || (size_t)n >= size)
		abort();
	if (s->config.auth == PROTO_AUTH_PLAIN)
		return proto_sasl_plain(out + n, size - (size_t)n, auth_user(s), auth_secret(s));
	if (s->config.auth == PROTO_AUTH_XOAUTH2)
		return proto_sasl_xoauth2(out + n, size - (size_t)n, auth_user(s), auth_secret(s));
	out[n - 1] = '\0';
	return 0;
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

static int arg_user(const struct proto_session *s, char *out, size_t size)
{
	return encode_field(out, size, auth_user(s));
}

static int arg_password(const struct proto_session *s, char *out, size_t size)
{
	return encode_field(out, size, auth_secret(s));
}

/* RFC 2195: the digest of the challenge that follows "334 ". */
static int arg_digest(const struct proto_session *s, char *out, size_t size)
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
	return proto_sasl_cram_md5(out, size, auth_user(s), digest);
}

/* The choices: where a move leads when the plan decides. Each may note why. */

/* The banner's 2xx: EHLO, or QUIT under --quit-after connect. */
static enum proto_session_state after_banner(struct proto_session *s)
{
	return s->config.quit_after == PROTO_QUIT_CONNECT ? PROTO_S_QUIT : PROTO_S_EHLO;
}

/* The planned mail transaction, or QUIT when there is none. */
static enum proto_session_state transaction_or_quit(struct proto_session *s)
{
	if (s->config.from == NULL || s->config.quit_after == PROTO_QUIT_TLS_EHLO ||
	    s->config.quit_after == PROTO_QUIT_AUTH)
		return PROTO_S_QUIT;
	return PROTO_S_MAIL;
}

/* AUTH, unless it cannot be sent: then why is noted and the session quits. */
static enum proto_session_state auth_or_quit(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX], line[SESSION_LINE_MAX];
	int rc;

	if (auth_blocked(s, reason, sizeof reason)) {
		proto_session_info(s, reason);
		return give_up(s, reason);
	}
	rc = arg_auth(s, line, sizeof line);
	memset(line, 0, sizeof line); /* it may hold a secret */
	if (rc != 0)
		return give_up(s, "AUTH not sent: the user name or the password is too long");
	return PROTO_S_AUTH;
}

/* After the TLS part: AUTH when it is configured, then the mail transaction or QUIT. */
static enum proto_session_state after_tls_part(struct proto_session *s)
{
	if (s->config.auth != PROTO_AUTH_NONE && s->config.quit_after != PROTO_QUIT_TLS_EHLO)
		return auth_or_quit(s);
	return transaction_or_quit(s);
}

/* After EHLO or HELO: QUIT under --quit-after ehlo, STARTTLS, or what follows the TLS part. */
static enum proto_session_state after_greeting(struct proto_session *s)
{
	bool ehlo = s->state != PROTO_S_HELO;

	if (s->config.quit_after == PROTO_QUIT_EHLO && s->nehlo <= 1)
		return PROTO_S_QUIT;
	if (!s->tls && wants_starttls(s, ehlo))
		return PROTO_S_STARTTLS;
	if (!s->tls && ehlo && s->config.starttls == PROTO_STARTTLS_STRICT &&
	    proto_lint_ehlo_starttls(s->lint))
		proto_session_info(s, "STARTTLS not sent: it is offered, but not where Postfix "
		                      "sees it (--starttls strict)");
	return after_tls_part(s);
}

/* STARTTLS refused: a finding, and the session goes on in plaintext. */
static enum proto_session_state starttls_rejected(struct proto_session *s)
{
	s->ops->finding(s->ctx, PROTO_F_STARTTLS_REJECTED, s->n);
	return after_tls_part(s);
}

/* The first 334 to AUTH: the mechanism's first answer; PLAIN sent its own, so "*". */
static enum proto_session_state auth_challenged(struct proto_session *s)
{
	switch (s->config.auth) {
	case PROTO_AUTH_LOGIN:
		return PROTO_S_AUTH_LOGIN_USER;
	case PROTO_AUTH_CRAM_MD5:
		return PROTO_S_AUTH_CRAM_MD5;
	case PROTO_AUTH_XOAUTH2:
		return PROTO_S_AUTH_XOAUTH2_ERROR;
	case PROTO_AUTH_PLAIN:
		return PROTO_S_AUTH_CANCEL;
	case PROTO_AUTH_NONE:
		break;
	}
	abort(); /* AUTH is entered only when a mechanism is configured */
}

/* 235: authenticated. */
static enum proto_session_state authenticated(struct proto_session *s)
{
	return transaction_or_quit(s);
}

/* Clients read different lines' codes: such a reply may mean 334 to one, 235 to another. */
static enum proto_session_state auth_mixed(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX];

	snprintf(reason, sizeof reason,
	         "authentication stopped: the reply to AUTH %s carries different codes on "
	         "its lines (%d on the first), so it neither asks for more nor accepts",
	         proto_auth_mech_name(s->config.auth), s->last.code);
	return give_up(s, reason);
}

/* 535: the credentials were rejected. */
static enum proto_session_state auth_rejected(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX];

	snprintf(reason, sizeof reason,
	         "authentication failed: the server rejected the credentials of AUTH %s",
	         proto_auth_mech_name(s->config.auth));
	return refuse(s, reason, s->last.code);
}

/* Any other reply to a step of AUTH. */
static enum proto_session_state auth_refused(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX];

	snprintf(reason, sizeof reason, "authentication failed: the server refused AUTH %s",
	         proto_auth_mech_name(s->config.auth));
	return refuse(s, reason, s->last.code);
}

/* The next recipient (counted here, named by arg_rcpt), DATA, or QUIT. */
static enum proto_session_state next_rcpt(struct proto_session *s)
{
	if (s->rcpt_next < s->config.nrcpt && s->config.quit_after != PROTO_QUIT_RCPT) {
		s->rcpt_next++;
		return PROTO_S_RCPT;
	}
	if (s->config.data != NULL && s->rcpt_ok > 0 && s->config.quit_after == PROTO_QUIT_NONE)
		return PROTO_S_DATA;
	return PROTO_S_QUIT;
}

/* MAIL FROM accepted: the recipients, unless the session quits here. */
static enum proto_session_state after_mail(struct proto_session *s)
{
	if (s->config.quit_after == PROTO_QUIT_MAIL || s->config.nrcpt == 0)
		return PROTO_S_QUIT;
	return next_rcpt(s);
}

/* QUIT answered, or the connection closed after it: done, or failed for the reason noted. */
static enum proto_session_state finish(struct proto_session *s)
{
	proto_lint_end(s->lint);
	if (s->pending_error[0] == '\0')
		return PROTO_S_DONE;
	snprintf(s->error, sizeof s->error, "%s", s->pending_error);
	return PROTO_S_FAILED;
}

/* What a reply tells the plan in some states, before it moves. */

/* Each EHLO reply is counted, and says whether it offers the configured mechanism. */
static void took_ehlo(struct proto_session *s)
{
	s->nehlo++;
	s->auth_offered = s->last.auth_offered;
}

/* A 2xx to RCPT accepts the recipient. */
static void took_rcpt(struct proto_session *s)
{
	s->rcpt_ok += s->last.code / 100 == 2;
}

/* What entering some states does besides sending a line. */

/* Keeps the first bytes about to be discarded, so the owner can show them. */
static void keep_discarded(struct proto_session *s, size_t pending)
{
	size_t room = sizeof s->discarded - s->discarded_len;
	size_t n = pending < room ? pending : room;

	memcpy(s->discarded + s->discarded_len, proto_reader_pending_bytes(s->reader), n);
	s->discarded_len += n;
	s->discarded_total += pending;
}

/* HANDSHAKE: drops the bytes after the 220 to STARTTLS, then hands over to TLS. */
static void begin_tls(struct proto_session *s)
{
	size_t pending = proto_reader_pending(s->reader);
	char note[128];

	if (s->tls)
		abort(); /* STARTTLS is planned, and a typed one starts TLS, only in plaintext */
	if (pending > 0) {
		snprintf(note, sizeof note,
		         "discarded %zu plaintext bytes received after the 220 to STARTTLS",
		         pending);
		keep_discarded(s, pending);
		proto_lint_info(s->lint, ++s->n, note, strlen(note));
		s->ops->finding(s->ctx, PROTO_F_STARTTLS_RESPONSE_INJECTION, s->n);
		proto_reader_discard(s->reader);
	}
	s->wait = WAIT_TLS;
	start_clock(s);
	s->ops->starttls(s->ctx);
}

/* BODY: the message, dot-stuffed, one transcript line per line, before its dot. */
static void send_message(struct proto_session *s)
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
}

/*
 * Either end: nothing is planned, awaited or held any more, but a
 * handshake asked for still owes its answer (proto_session_tls_done).
 */
static void end_waits(struct proto_session *s)
{
	s->planned = S_NONE;
	if (s->wait != WAIT_TLS)
		s->wait = WAIT_NONE;
	memset(s->pending, 0, sizeof s->pending); /* it may hold a secret */
	s->deadline = -1;
}

/* DONE: the conversation ended after QUIT. */
static void end_done(struct proto_session *s)
{
	snprintf(s->cause, sizeof s->cause, "ended after QUIT");
	end_waits(s);
}

/* FAILED: s->error says why; the line the server was in is kept, then the reason noted. */
static void end_failed(struct proto_session *s)
{
	cause_of(s, s->error);
	keep_partial(s);
	proto_session_info(s, s->error);
	proto_lint_end(s->lint);
	end_waits(s);
}

/* A move of the table: to a state, by a choice, or refused (to QUIT, failing after it). */
#define TO(code, state)                                                                            \
	{                                                                                          \
		.on = (code), .to = (state)                                                        \
	}
#define BY(code, choice)                                                                           \
	{                                                                                          \
		.on = (code), .choose = (choice)                                                   \
	}
#define REFUSED(code, reason)                                                                      \
	{                                                                                          \
		.on = (code), .to = PROTO_S_QUIT, .refused = (reason)                              \
	}
/* The moves every step of AUTH shares; where a 334 leads is each step's own. */
#define AUTH_MOVES(challenge)                                                                      \
	{                                                                                          \
		BY(ON_MIXED, auth_mixed), BY(235, authenticated), challenge,                       \
		    BY(535, auth_rejected), BY(ON_ANY, auth_refused),                              \
	}

/*
 * The state machine. Each row: the name; what it waits for; what entering
 * sends (head, argument, tail) and how; where a skip of its planned command
 * goes; and where each reply moves it, the first move that matches (a
 * code, a class ON_2XX + n, ON_MIXED, or ON_ANY). A move goes to a state,
 * or to the state a choice picks from the plan and the configuration; a
 * refused one goes to QUIT and fails after it. HANDSHAKE is left by
 * proto_session_tls_done, not by a reply; DONE and FAILED are never left.
 */
static const struct session_row rows[PROTO_S_COUNT] = {
    [PROTO_S_BANNER] = {.name = "banner",
                        .waiting = "the server's banner",
                        .on = {BY(ON_2XX, after_banner),
                               REFUSED(ON_ANY, "the server refused the session at its banner")}},
    [PROTO_S_EHLO] = {.name = "ehlo",
                      .waiting = "the reply to EHLO",
                      .send = SEND_PLAN,
                      .head = "EHLO ",
                      .arg = arg_helo,
                      .take = took_ehlo,
                      .skip = BY(ON_ANY, transaction_or_quit),
                      .on = {BY(250, after_greeting), TO(ON_ANY, PROTO_S_HELO)}},
    [PROTO_S_HELO] = {.name = "helo",
                      .waiting = "the reply to HELO",
                      .send = SEND_PLAN,
                      .head = "HELO ",
                      .arg = arg_helo,
                      .skip = BY(ON_ANY, transaction_or_quit),
                      .on = {BY(ON_2XX, after_greeting),
                             REFUSED(ON_ANY, "the server refused both EHLO and HELO")}},
    [PROTO_S_STARTTLS] = {.name = "starttls",
                          .waiting = "the reply to STARTTLS",
                          .send = SEND_PLAN,
                          .head = "STARTTLS",
                          .skip = BY(ON_ANY, transaction_or_quit),
                          .on = {TO(220, PROTO_S_HANDSHAKE), BY(ON_ANY, starttls_rejected)}},
    [PROTO_S_HANDSHAKE] = {.name = "handshake", .waiting = "the TLS handshake", .enter = begin_tls},
    [PROTO_S_TLS_EHLO] = {.name = "tls-ehlo",
                          .waiting = "the reply to EHLO inside TLS",
                          .send = SEND_PLAN,
                          .head = "EHLO ",
                          .arg = arg_helo,
                          .take = took_ehlo,
                          .skip = BY(ON_ANY, transaction_or_quit),
                          .on = {BY(250, after_greeting),
                                 REFUSED(ON_ANY, "the server refused EHLO inside TLS")}},
    [PROTO_S_AUTH] = {.name = "auth",
                      .waiting = "the reply to AUTH",
                      .send = SEND_PLAN,
                      .head = "AUTH ",
                      .arg = arg_auth,
                      .sent = PROTO_SENT_AUTH,
                      .skip = BY(ON_ANY, transaction_or_quit),
                      .on = AUTH_MOVES(BY(334, auth_challenged))},
    [PROTO_S_AUTH_LOGIN_USER] = {.name = "auth",
                                 .waiting = "the reply to AUTH",
                                 .send = SEND_NOW,
                                 .arg = arg_user,
                                 .sent = PROTO_SENT_RESPONSE,
                                 .on = AUTH_MOVES(TO(334, PROTO_S_AUTH_LOGIN_PASS))},
    [PROTO_S_AUTH_LOGIN_PASS] = {.name = "auth",
                                 .waiting = "the reply to AUTH",
                                 .send = SEND_NOW,
                                 .arg = arg_password,
                                 .sent = PROTO_SENT_RESPONSE,
                                 .on = AUTH_MOVES(TO(334, PROTO_S_AUTH_CANCEL))},
    [PROTO_S_AUTH_CRAM_MD5] = {.name = "auth",
                               .waiting = "the reply to AUTH",
                               .send = SEND_NOW,
                               .arg = arg_digest,
                               .sent = PROTO_SENT_RESPONSE,
                               .on = AUTH_MOVES(TO(334, PROTO_S_AUTH_CANCEL))},
    [PROTO_S_AUTH_XOAUTH2_ERROR] = {.name = "auth",
                                    .waiting = "the reply to AUTH",
                                    .send = SEND_NOW,
                                    .head = "",
                                    .sent = PROTO_SENT_RESPONSE,
                                    .on = AUTH_MOVES(TO(334, PROTO_S_AUTH_CANCEL))},
    [PROTO_S_AUTH_CANCEL] = {.name = "auth",
                             .waiting = "the reply to AUTH",
                             .send = SEND_NOW,
                             .head = "*",
                             .sent = PROTO_SENT_RESPONSE,
                             .on = AUTH_MOVES(TO(334, PROTO_S_AUTH_CANCEL))},
    [PROTO_S_MAIL] = {.name = "mail",
                      .waiting = "the reply to MAIL FROM",
                      .send = SEND_PLAN,
                      .head = "MAIL FROM:<",
                      .arg = arg_from,
                      .tail = ">",
                      .skip = TO(ON_ANY, PROTO_S_QUIT),
                      .on = {BY(ON_2XX, after_mail), TO(ON_ANY, PROTO_S_QUIT)}},
    [PROTO_S_RCPT] = {.name = "rcpt",
                      .waiting = "the reply to RCPT TO",
                      .send = SEND_PLAN,
                      .head = "RCPT TO:<",
                      .arg = arg_rcpt,
                      .tail = ">",
                      .take = took_rcpt,
                      .skip = BY(ON_ANY, next_rcpt),
                      .on = {BY(ON_ANY, next_rcpt)}},
    [PROTO_S_DATA] = {.name = "data",
                      .waiting = "the reply to DATA",
                      .send = SEND_PLAN,
                      .head = "DATA",
                      .skip = TO(ON_ANY, PROTO_S_QUIT),
                      .on = {TO(354, PROTO_S_BODY), TO(ON_ANY, PROTO_S_QUIT)}},
    [PROTO_S_BODY] = {.name = "body",
                      .waiting = "the reply to the end of the message",
                      .send = SEND_NOW,
                      .head = ".",
                      .enter = send_message,
                      .on = {TO(ON_ANY, PROTO_S_QUIT)}},
    [PROTO_S_QUIT] = {.name = "quit",
                      .waiting = "the reply to QUIT",
                      .send = SEND_PLAN,
                      .head = "QUIT",
                      .on = {BY(ON_ANY, finish)}},
    [PROTO_S_DONE] = {.name = "done", .waiting = "nothing", .enter = end_done},
    [PROTO_S_FAILED] = {.name = "failed", .waiting = "nothing", .enter = end_failed},
};

/* True when the move takes the reply. */
static bool matches(int on, const struct session_reply *r)
{
	if (on == ON_MIXED)
		return (r->flags & PROTO_L_MIXED_CODE) != 0;
	if (on == ON_ANY)
		return true;
	if (on < 10)
		return r->code / 100 == on;
	return r->code == on;
}

/* The move a reply makes from a state, or NULL for a state that takes none. */
static const struct session_move *find_move(enum proto_session_state state,
                                            const struct session_reply *r)
{
	const struct session_move *m;

	for (m = rows[state].on; m < rows[state].on + 6 && m->on != ON_END; m++)
		if (matches(m->on, r))
			return m;
	return NULL;
}

/*
 * The line a state sends: head, argument, tail. An answer to a 334 whose
 * argument cannot be built is "*", which cancels the exchange; a command
 * of the plan always can be (the choice that led to it made sure).
 */
static void build(const struct proto_session *s, enum proto_session_state state, char *out,
                  size_t size)
{
	const struct session_row *row = &rows[state];
	char arg[SESSION_LINE_MAX];
	int rc = 0;

	arg[0] = '\0';
	if (row->arg != NULL)
		rc = row->arg(s, arg, sizeof arg);
	if (rc != 0 && row->send != SEND_NOW)
		abort();
	if (rc != 0)
		snprintf(out, size, "*");
	else if (snprintf(out, size, "%s%s%s", row->head != NULL ? row->head : "", arg,
	                  row->tail != NULL ? row->tail : "") < 0)
		abort();
	memset(arg, 0, sizeof arg); /* it may hold a secret */
}

/* Tells the owner which command waits for the user. */
static void tell_pending(struct proto_session *s)
{
	if (s->planned != S_NONE && s->ops->pending != NULL)
		s->ops->pending(s->ctx, proto_session_pending(s));
}

/* Step mode: the command of to waits for the user, who sends, edits or skips it. */
static void plan(struct proto_session *s, enum proto_session_state to)
{
	build(s, to, s->pending, sizeof s->pending);
	s->planned = to;
	s->wait = WAIT_USER;
	s->pending_secret = false;
	if (!s->config.show_secrets && proto_auth_command(s->pending, strlen(s->pending)))
		s->pending_secret = proto_auth_redact(s->shown, sizeof s->shown, s->pending,
		                                      strlen(s->pending), false) != (size_t)-1;
	tell_pending(s);
}

/*
 * Enters a state: it changes, then its entry runs, and its line goes out
 * (line: the user's edit of the planned command, or NULL for the built one).
 */
static void enter(struct proto_session *s, enum proto_session_state to, const char *line)
{
	const struct session_row *row = &rows[to];
	char built[SESSION_LINE_MAX];

	set_state(s, to);
	if (row->enter != NULL)
		row->enter(s);
	if (row->send == SEND_NOTHING)
		return;
	if (line == NULL) {
		build(s, to, built, sizeof built);
		line = built;
	}
	s->wait = WAIT_REPLY;
	send_line(s, line, strlen(line), row->sent);
	if (line == built)
		memset(built, 0, sizeof built); /* it may hold a secret */
}

/* Goes to a state: in step mode a command of the plan waits for the user; the rest enter now. */
static void go(struct proto_session *s, enum proto_session_state to)
{
	if (rows[to].send == SEND_PLAN && s->config.step)
		plan(s, to);
	else
		enter(s, to, NULL);
}

/* Makes a move of the table. */
static void take_move(struct proto_session *s, const struct session_move *m)
{
	if (m->refused != NULL)
		refuse(s, m->refused, s->last.code);
	go(s, m->choose != NULL ? m->choose(s) : m->to);
}

/* The one place a reply to the plan moves it (its facts in s->last). */
static void on_reply(struct proto_session *s)
{
	const struct session_move *m = find_move(s->state, &s->last);

	/* No reply reaches HANDSHAKE (the owner feeds no plaintext then), DONE or FAILED. */
	if (m == NULL)
		abort();
	if (rows[s->state].take != NULL)
		rows[s->state].take(s);
	take_move(s, m);
}

/* Ends the session: s->error says why. */
static void fail(struct proto_session *s, const char *reason)
{
	if (proto_session_over(s))
		return;
	snprintf(s->error, sizeof s->error, "%s", reason);
	go(s, PROTO_S_FAILED);
}

/* Out of step mode, the pending command goes now, unless AUTH would need the user's word. */
static void run_now(struct proto_session *s)
{
	char reason[SESSION_ERR_MAX];

	/* Out of step mode nobody is asked: unverified AUTH needs --auth-unverified. */
	if (s->planned == PROTO_S_AUTH && auth_needs_confirm(s)) {
		s->planned = S_NONE;
		memset(s->pending, 0, sizeof s->pending);
		auth_unverified(s, reason, sizeof reason);
		go(s, give_up(s, reason));
		return;
	}
	proto_session_send_pending(s, NULL);
}

/* The plan has the turn again; after proto_session_run, its command goes at once. */
static void resume(struct proto_session *s)
{
	if (s->planned == S_NONE)
		abort(); /* only a planned command gives the user a turn */
	s->wait = WAIT_USER;
	if (!s->config.step && !unfinished(s))
		run_now(s);
	else
		tell_pending(s);
}

/* The reply to a command the user typed: the plan goes on where it was. */
static void on_typed_reply(struct proto_session *s)
{
	s->free_auth = s->free_auth && s->last.any_334;
	if (s->typed == TYPED_STARTTLS && s->last.code == 220 && !s->tls) {
		s->planned = S_NONE;
		go(s, PROTO_S_HANDSHAKE);
	} else if (s->typed == TYPED_QUIT) {
		/* The user's QUIT stands for the plan's: its reply moves as QUIT's does. */
		s->planned = S_NONE;
		set_state(s, PROTO_S_QUIT);
		take_move(s, find_move(PROTO_S_QUIT, &s->last));
	} else {
		resume(s);
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

/* What the reply to a typed command will do, by its verb. */
static enum session_typed typed_kind(const char *command)
{
	char verb[16];

	verb_of(command, verb, sizeof verb);
	if (strcmp(verb, "STARTTLS") == 0)
		return TYPED_STARTTLS;
	return strcmp(verb, "QUIT") == 0 ? TYPED_QUIT : TYPED_OTHER;
}

/*
 * True when nothing may be sent now: only the user's turn allows it, and
 * not while the server is still sending bytes that answer nothing (they
 * must end before the next command, or they would seem to answer it).
 */
static bool cannot_send(const struct proto_session *s)
{
	return proto_session_over(s) || s->wait != WAIT_USER || unfinished(s);
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
	s->typed = typed_kind(command);
	s->wait = WAIT_TYPED;
	send_line(s, command, strlen(command), sent);
	return 0;
}

const char *proto_session_pending(const struct proto_session *s)
{
	if (s->planned == S_NONE)
		return NULL;
	return s->pending_secret ? s->shown : s->pending;
}

enum proto_session_state proto_session_planned(const struct proto_session *s)
{
	return s->planned;
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

	if (n == 0 || n >= sizeof s->helo)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 127)
			return -1;
	memcpy(s->helo, name, n + 1);
	/* A planned command that gives the name (EHLO, HELO) takes the new one now. */
	if (s->planned != S_NONE && rows[s->planned].arg == arg_helo)
		build(s, s->planned, s->pending, sizeof s->pending);
	tell_pending(s);
	return 0;
}

const char *proto_session_helo(const struct proto_session *s)
{
	return s->helo;
}

int proto_session_send_pending(struct proto_session *s, const char *edited)
{
	enum proto_session_state to = s->planned;
	char planned[16], typed[16];

	if (to == S_NONE || cannot_send(s) || (to == PROTO_S_AUTH && auth_needs_confirm(s)))
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
	s->planned = S_NONE;
	enter(s, to, edited);
	if (edited == s->pending)
		memset(s->pending, 0, sizeof s->pending); /* it may hold a secret */
	return 0;
}

int proto_session_skip(struct proto_session *s)
{
	enum proto_session_state from = s->planned;
	char verb[16], note[96];

	if (from == S_NONE || rows[from].skip.on == ON_END || cannot_send(s))
		return -1;
	s->planned = S_NONE;
	verb_of(s->pending, verb, sizeof verb);
	snprintf(note, sizeof note, "%s skipped by the user%s", verb,
	         from == PROTO_S_STARTTLS ? ": the session stays in plaintext" : "");
	proto_session_info(s, note);
	take_move(s, &rows[from].skip);
	return 0;
}

void proto_session_run(struct proto_session *s)
{
	s->config.step = false;
	/* Busy now: the command goes once the turn comes back (resume, feed). */
	if (s->planned != S_NONE && !cannot_send(s))
		run_now(s);
}

const char *proto_session_confirm_needed(const struct proto_session *s)
{
	if (s->planned != PROTO_S_AUTH || !auth_needs_confirm(s))
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
	return !proto_session_over(s) && (awaits_reply(s) || holds_reply(s) || unfinished(s));
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
	return s->wait == WAIT_TLS;
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
	if (s->wait == WAIT_HELD && rows[s->state].take == took_ehlo) {
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

/* The reply that starts TLS: the bytes after it are dropped, not read (begin_tls). */
static bool starts_tls(const struct proto_session *s)
{
	const struct session_move *m;

	if (s->wait == WAIT_TYPED_HELD)
		return s->typed == TYPED_STARTTLS && s->last.code == 220 && !s->tls;
	m = find_move(s->state, &s->last);
	return m != NULL && m->choose == NULL && m->to == PROTO_S_HANDSHAKE;
}

/* Acts on the held reply. */
static void act(struct proto_session *s)
{
	if (s->wait == WAIT_TYPED_HELD)
		on_typed_reply(s);
	else if (s->wait == WAIT_HELD)
		on_reply(s);
	else
		abort();
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
		s->reply_early = !awaits_reply(s);
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
	s->wait = s->wait == WAIT_TYPED ? WAIT_TYPED_HELD : WAIT_HELD;
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

	if (open && !awaits_reply(s) && !holds_reply(s) && !s->early_clock &&
	    !proto_session_over(s))
		start_clock(s);
	s->early_clock = open && !awaits_reply(s);
}

void proto_session_feed(struct proto_session *s, const void *buf, size_t len)
{
	struct proto_line line;

	/* The owner feeds no plaintext while it runs the handshake. */
	if (s->wait == WAIT_TLS)
		abort();
	if (proto_reader_feed(s->reader, buf, len) != 0) {
		fail(s, "out of memory");
		return;
	}
	while (!proto_session_over(s) && s->wait != WAIT_TLS && proto_reader_next(s->reader, &line))
		on_line(s, &line);
	if (holds_reply(s) && !proto_session_over(s) && !unfinished(s))
		act(s);
	else if (s->wait == WAIT_USER && !s->config.step && !cannot_send(s))
		run_now(s); /* proto_session_run came while early bytes were arriving */
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
	bool refused = s->planned != S_NONE && s->pending_error[0] != '\0';
	char verb[16];
	int n;

	verb_of(s->pending, verb, sizeof verb);
	if (refused)
		n = snprintf(out, size, "%s, then %s", s->pending_error,
		             how != NULL ? how : "closed the connection");
	else if (s->planned != S_NONE && s->wait != WAIT_TYPED && !unfinished(s))
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
		go(s, finish(s));
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

	if (s->wait != WAIT_TLS)
		abort();
	s->wait = WAIT_NONE; /* until the next move */
	if (!ok) {
		s->ops->finding(s->ctx, PROTO_F_TLS_HANDSHAKE_FAILED, s->n);
		snprintf(reason, sizeof reason, "the TLS handshake failed%s%s",
		         why != NULL ? ": " : "", why != NULL ? why : "");
		fail(s, reason);
		return;
	}
	/* Ended while the owner ran it (a signal, a timeout): a late success changes nothing. */
	if (proto_session_over(s))
		return;
	s->tls = true;
	s->verified = verified;
	if (!verified)
		s->ops->finding(s->ctx, PROTO_F_TLS_UNVERIFIED, s->n);
	go(s, s->config.quit_after == PROTO_QUIT_STARTTLS ? PROTO_S_QUIT : PROTO_S_TLS_EHLO);
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

	if (proto_session_over(s) || s->deadline < 0 || s->wait == WAIT_TLS ||
	    !proto_session_busy(s) || s->ops->now(s->ctx) < s->deadline)
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
	if (holds_reply(s) || (!awaits_reply(s) && unfinished(s)))
		return held_name;
	if (s->wait == WAIT_TYPED)
		return "the reply to the command typed";
	if (s->wait == WAIT_USER)
		return "the user to send the next command";
	return rows[s->state].waiting;
}

const struct proto_lint *proto_session_lint(const struct proto_session *s)
{
	return s->lint;
}
