/*
 * session.h: the session engine, the state machine of one SMTP conversation.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_SESSION_H
#define SMTPSCOPE_PROTO_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/auth.h"
#include "proto/findings.h"
#include "proto/lint.h"

/*
 * The session engine: an explicit state machine that drives one SMTP
 * conversation. It is fed the server's bytes and tells its owner, through
 * callbacks, what to send and when to start TLS; it never touches a socket
 * or TLS itself. Every line goes through a linter, so the owner gets each
 * line with its role and the findings as they happen.
 *
 * Each state is the last step of the plan that went out on the wire: the
 * command it sent (the greeting awaited, for the banner; TLS asked for, for
 * the handshake), whose reply moves it to the next. One table in session.c
 * says, for each, what entering it sends and which replies move it where.
 * The steps of AUTH are states of their own, each named "auth", like the
 * state they are steps of. In step mode a move to a command of the plan
 * does not enter its state: the command waits for the user, the state
 * stays, and proto_session_planned names the state that sending it enters.
 */
enum proto_session_state {
	PROTO_S_BANNER,             /* waiting for the connection greeting */
	PROTO_S_EHLO,               /* EHLO sent */
	PROTO_S_HELO,               /* HELO sent after EHLO was refused */
	PROTO_S_STARTTLS,           /* STARTTLS sent */
	PROTO_S_HANDSHAKE,          /* the 220 came: the owner runs the TLS handshake */
	PROTO_S_TLS_EHLO,           /* EHLO sent inside TLS */
	PROTO_S_AUTH,               /* AUTH sent, with its initial response for PLAIN and XOAUTH2 */
	PROTO_S_AUTH_LOGIN_USER,    /* LOGIN: the user name sent, answering the first 334 */
	PROTO_S_AUTH_LOGIN_PASS,    /* LOGIN: the password sent, answering the second 334 */
	PROTO_S_AUTH_CRAM_MD5,      /* CRAM-MD5: the digest of the 334's challenge sent */
	PROTO_S_AUTH_XOAUTH2_ERROR, /* XOAUTH2: an empty line sent, answering its error 334 */
	PROTO_S_AUTH_CANCEL,        /* "*" sent: a 334 the mechanism has no answer for */
	PROTO_S_MAIL,               /* MAIL FROM sent */
	PROTO_S_RCPT,               /* RCPT TO sent */
	PROTO_S_DATA,               /* DATA sent */
	PROTO_S_BODY,               /* the message and its final dot sent */
	PROTO_S_QUIT,               /* QUIT sent */
	PROTO_S_DONE,               /* the conversation ended as planned */
	PROTO_S_FAILED,             /* it ended early: proto_session_error says why */
	PROTO_S_COUNT
};

enum proto_starttls_policy {
	PROTO_STARTTLS_AUTO,   /* when any line advertises it, in any position */
	PROTO_STARTTLS_STRICT, /* only when Postfix would see it: line 1 is the greeting */
	PROTO_STARTTLS_FORCE,  /* always, advertised or not */
	PROTO_STARTTLS_NEVER,  /* --no-tls */
};

/* Where the session stops early and sends QUIT, like swaks' --quit-after. */
enum proto_quit_after {
	PROTO_QUIT_NONE,
	PROTO_QUIT_CONNECT,
	PROTO_QUIT_EHLO,
	PROTO_QUIT_STARTTLS, /* after the TLS handshake */
	PROTO_QUIT_TLS_EHLO,
	PROTO_QUIT_MAIL,
	PROTO_QUIT_RCPT,
	PROTO_QUIT_AUTH, /* after AUTH succeeded */
};

#define PROTO_SESSION_RCPT_MAX 32

struct proto_session_config {
	const char *helo; /* name given with EHLO and HELO */
	const char *from; /* NULL: no mail transaction */
	const char *rcpt[PROTO_SESSION_RCPT_MAX];
	unsigned nrcpt;
	const char *data; /* message for DATA; NULL: no DATA */
	size_t data_len;
	enum proto_starttls_policy starttls;
	bool tls_on_connect; /* TLS was started before the greeting */
	enum proto_quit_after quit_after;
	bool step; /* hold each planned command until the owner sends it */
	/* AUTH after the EHLO that ends the TLS part; PROTO_AUTH_NONE: none. */
	enum proto_auth_mech auth;
	const char *auth_user;
	const char *auth_secret; /* the password, or the OAuth 2.0 token of XOAUTH2 */
	bool show_secrets;       /* PROTO_LINT_SHOW_SECRETS for the session's linter */
	/*
	 * Credentials go only over TLS whose certificate verified (chain and
	 * name). tls_verify (--tls-verify): never otherwise. auth_unverified
	 * (--auth-unverified): over unverified TLS too. Neither: step mode
	 * asks (proto_session_confirm_needed), and without step AUTH is not
	 * sent.
	 */
	bool tls_verify;
	bool auth_unverified;
	/*
	 * Milliseconds each reply may take, counted from the command it
	 * answers (the greeting: from proto_session_start); 0, or no
	 * ops->now: no deadline.
	 */
	int timeout_ms;
};

struct proto_session_ops {
	/* Bytes to write to the server, on TLS once it is started. */
	void (*send)(void *ctx, const char *buf, size_t len);
	/* Start the TLS handshake now; answer with proto_session_tls_done. */
	void (*starttls)(void *ctx);
	/* Every line, sent, received or noted, with its role; and every finding. */
	void (*line)(void *ctx, const struct proto_lint_line *line);
	void (*finding)(void *ctx, enum proto_finding_id id, unsigned n);
	/* Each change of state, AUTH's steps included, for logs; may be NULL. */
	void (*state)(void *ctx, enum proto_session_state from, enum proto_session_state to);
	/* Step mode: a planned command waits for the owner; may be NULL. */
	void (*pending)(void *ctx, const char *command);
	/*
	 * HMAC-MD5 (RFC 2104) of msg under key into out, for CRAM-MD5; 0, or -1
	 * when it failed. NULL: CRAM-MD5 is not available.
	 */
	int (*hmac_md5)(void *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
	                unsigned char out[16]);
	/* The owner's monotonic clock in milliseconds, for deadlines; may be NULL. */
	long long (*now)(void *ctx);
};

struct proto_session;

const char *proto_session_state_name(enum proto_session_state state);
int proto_quit_after_parse(const char *name, enum proto_quit_after *out);
int proto_starttls_policy_parse(const char *name, enum proto_starttls_policy *out);

struct proto_session *proto_session_new(const struct proto_session_config *config,
                                        const struct proto_session_ops *ops, void *ctx);
void proto_session_free(struct proto_session *session);
/* The connection is up (and TLS too, for tls_on_connect): wait for the greeting. */
void proto_session_start(struct proto_session *session);
/* TLS on connect is up; verified: chain and name. Call before the greeting. */
void proto_session_tls_on_connect(struct proto_session *session, bool verified);
/* Bytes received from the server. */
void proto_session_feed(struct proto_session *session, const void *buf, size_t len);
/* The server closed the connection. */
void proto_session_eof(struct proto_session *session);
/*
 * The connection broke (how: "the server reset the connection"). Like eof,
 * a line received without its end is kept; the reason, which names what
 * was waited for, is also noted as an info line.
 */
void proto_session_broken(struct proto_session *session, const char *how);
/*
 * The handshake asked for by ops->starttls ended; verified: chain and name;
 * why: what went wrong, in words, when it failed (or NULL).
 */
void proto_session_tls_done(struct proto_session *session, bool ok, bool verified, const char *why);
/* Step mode: the planned command waiting to be sent, or NULL. */
const char *proto_session_pending(const struct proto_session *session);
/* Step mode: the state sending the pending command enters, or PROTO_S_COUNT when none waits. */
enum proto_session_state proto_session_planned(const struct proto_session *session);
/*
 * Sends the pending command, or edited in its place. An edit with another
 * verb is sent as a free command and the plan keeps waiting. Returns 0, or
 * -1 when nothing is pending.
 */
int proto_session_send_pending(struct proto_session *session, const char *edited);
/* Drops the pending command and plans the next; -1 when it cannot be skipped (QUIT). */
int proto_session_skip(struct proto_session *session);
/*
 * Sets the name given with EHLO and HELO for the rest of the session (a
 * planned EHLO not sent yet takes it too); an edited EHLO sets it as well.
 * -1 when the name is empty, too long, or holds a space or a control byte.
 */
int proto_session_set_helo(struct proto_session *session, const char *name);
const char *proto_session_helo(const struct proto_session *session);
/*
 * Step mode: why the pending AUTH waits for the user's word (the
 * certificate was not verified), or NULL. While it waits,
 * proto_session_send_pending refuses until proto_session_confirm.
 */
const char *proto_session_confirm_needed(const struct proto_session *session);
void proto_session_confirm(struct proto_session *session);
/* Leaves step mode: the pending command and all after it are sent at once. */
void proto_session_run(struct proto_session *session);
/*
 * Sends a command the user typed, outside the plan. Its reply is analysed
 * like any other; a 220 to STARTTLS starts TLS, a reply to QUIT ends the
 * session; otherwise the plan goes on where it was. Returns -1 while
 * another command awaits its reply, -2 (with an info line saying why) for
 * an AUTH or an answer to its 334 under --tls-verify over a connection not
 * verified.
 */
int proto_session_command(struct proto_session *session, const char *command);
/*
 * True while a command (or the greeting) awaits its reply, or the server
 * is still sending bytes that answer nothing (no command may be sent).
 */
bool proto_session_busy(const struct proto_session *session);
/*
 * The server's line begun and not yet ended (a slow reply, a tarpit), for
 * the owner to show as it comes: its first bytes (*len, at most
 * PROTO_LINE_KEEP, raw: escape them) and in *wire how many bytes it has so
 * far. *wire is 0 when there is none. Read-only, valid until the next feed.
 */
const char *proto_session_partial(const struct proto_session *session, size_t *len, size_t *wire);
/*
 * True from ops->starttls to proto_session_tls_done: the session waits for
 * the owner. (In step mode the state stays "handshake" after it, until the
 * EHLO inside TLS, planned, is sent.)
 */
bool proto_session_handshaking(const struct proto_session *session);
/* A note for the transcript ("TLS started: ..."), shown as an info line. */
void proto_session_info(struct proto_session *session, const char *text);
/*
 * Ends the session early (timeout, I/O error), with the reason in words:
 * the line the server was in is kept, then the reason noted as an info line
 * (every end but a clean QUIT notes its reason so).
 */
void proto_session_abort(struct proto_session *session, const char *reason);
/*
 * When the reply awaited (or the greeting, or the handshake asked for) is
 * due, on ops->now's clock; -1 when no wait is bounded. Only sending moves
 * it: nothing the server sends can push it back.
 */
long long proto_session_deadline(const struct proto_session *session);
/*
 * Ends the session as timed out when a reply is awaited and its deadline
 * has passed: the line the server was in, then "timed out after N s
 * waiting for ...". True when it did.
 */
bool proto_session_expire(struct proto_session *session);
enum proto_session_state proto_session_state(const struct proto_session *session);
/* True once DONE or FAILED. */
bool proto_session_over(const struct proto_session *session);
/*
 * Why the session ended, in a few words for a status line ("refused (reply
 * 421)", "the server hung up", "timed out", "ended after QUIT"); "" while it
 * is open. proto_session_error has the whole sentence.
 */
const char *proto_session_cause(const struct proto_session *session);
/* Why the session failed, or "". */
const char *proto_session_error(const struct proto_session *session);
#define PROTO_DISCARD_KEEP 4096 /* bytes kept of the plaintext discarded at STARTTLS */
/*
 * The plaintext received after the 220 to STARTTLS and discarded: its first
 * PROTO_DISCARD_KEEP bytes (*kept of them), and *total, the bytes dropped.
 */
const char *proto_session_discarded(const struct proto_session *session, size_t *kept,
                                    size_t *total);
/* True while the owner must read and write through TLS. */
bool proto_session_tls(const struct proto_session *session);
/* What the command in flight is waiting for, for timeout messages. */
const char *proto_session_waiting_for(const struct proto_session *session);
const struct proto_lint *proto_session_lint(const struct proto_session *session);

#endif
