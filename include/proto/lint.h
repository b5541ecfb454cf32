/*
 * lint.h: the conversation linter: roles and findings of every line.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_LINT_H
#define SMTPSCOPE_PROTO_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/reply.h"

/*
 * The conversation linter: fed the lines of a conversation (server replies,
 * client commands, notes), it tells each line's role and the findings, and
 * keeps the first EHLO reply sent before TLS for the client matrix.
 */
enum proto_dir { PROTO_DIR_SERVER, PROTO_DIR_CLIENT, PROTO_DIR_INFO };

const char *proto_dir_name(enum proto_dir dir);

#define PROTO_LINE_FINDINGS 8 /* findings listed with one line */

struct proto_lint_line {
	unsigned n; /* line number in the input, from 1 */
	enum proto_dir dir;
	bool tls;
	enum proto_role role;
	/*
	 * The bytes as received, valid during the callback. A secret of the AUTH
	 * exchange is replaced by "<redacted N bytes>" unless
	 * PROTO_LINT_SHOW_SECRETS is set: see proto_auth_redact.
	 */
	const char *text;
	size_t len;
	unsigned flags; /* PROTO_L_* of a server line */
	/*
	 * How the line ended: as received for a server line, CR LF for a line
	 * a session sent; PROTO_TERM_UNKNOWN for notes and for client lines
	 * read from a file, whose endings the linter is not told.
	 */
	enum proto_term term;
	const struct proto_ehlo_line *ehlo; /* set inside an EHLO reply */
	unsigned nfindings;
	enum proto_finding_id finding[PROTO_LINE_FINDINGS];
};

struct proto_lint_ops {
	void (*line)(void *ctx, const struct proto_lint_line *line);
	/* Every finding, including those listed with their line. */
	void (*finding)(void *ctx, enum proto_finding_id id, unsigned n);
};

enum {
	PROTO_LINT_INFER_TLS = 1u << 0,    /* no TLS marks: TLS starts after a 220 to STARTTLS */
	PROTO_LINT_SHOW_SECRETS = 1u << 1, /* do not redact the AUTH exchange */
	/*
	 * The input holds every client line (a session, a transcript): a reply
	 * that begins while no command awaits one came early and pairs with
	 * nothing (early-reply).
	 */
	PROTO_LINT_PAIRED = 1u << 2,
};

/*
 * The server lines of one turn (from a client line to the next) that are
 * reported; beyond them one info line says how many were held back
 * ("... 812,500 lines not shown (N bytes)"), and the last line of the
 * reply they cut is reported after it.
 */
#define PROTO_LINT_TURN_LINES 10000
#define PROTO_LINT_TURN_BYTES (1024 * 1024)

/* What a client line sent by a session holds, so that redaction never guesses. */
enum proto_sent {
	PROTO_SENT_COMMAND,  /* a command with no secret */
	PROTO_SENT_AUTH,     /* an AUTH command, its initial response redacted */
	PROTO_SENT_RESPONSE, /* an answer to a 334, redacted */
};

struct proto_lint;

struct proto_lint *proto_lint_new(const struct proto_lint_ops *ops, void *ctx, unsigned options);
void proto_lint_free(struct proto_lint *lint);
void proto_lint_set_options(struct proto_lint *lint, unsigned options);
void proto_lint_server(struct proto_lint *lint, unsigned n, const char *text, size_t len,
                       enum proto_term term, bool tls);
void proto_lint_client(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls);
/* A client line whose sender says what it holds: redacted by that, not by the replies. */
void proto_lint_sent(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls,
                     enum proto_sent sent);
void proto_lint_info(struct proto_lint *lint, unsigned n, const char *text, size_t len);
/* Ends the conversation: an open reply is reported truncated. */
void proto_lint_end(struct proto_lint *lint);
/* True between a client's AUTH and the first reply to it that is not 334. */
bool proto_lint_in_auth(const struct proto_lint *lint);
/* The first EHLO reply before TLS, or NULL; first_n gets its first line. */
const struct proto_reply *proto_lint_first_ehlo(const struct proto_lint *lint, unsigned *first_n);
/* Input line number of line i of that reply. */
unsigned proto_lint_first_ehlo_n(const struct proto_lint *lint, unsigned i);
/* The line numbers of that reply's kept lines, for proto_client_judge. */
const unsigned *proto_lint_first_ehlo_numbers(const struct proto_lint *lint);
/* True when the last EHLO reply offered STARTTLS on any line, in any form. */
bool proto_lint_ehlo_starttls(const struct proto_lint *lint);

#endif
