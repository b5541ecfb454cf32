/*
 * fake_owner.h: a fake owner of a proto_session, for the unit tests of the
 * session engine (test_session.c, test_auth.c). Its callbacks keep what
 * the engine sends, the lines it reports (numbered 1, 2, 3 ... without a
 * gap, which they assert), its findings and the command it offers in step
 * mode. A test makes its proto_session_ops from them, with callbacks of its
 * own where it needs more; ctx is a struct fake_owner, or a struct that
 * begins with one.
 */
#ifndef FAKE_OWNER_H
#define FAKE_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/session.h"

struct fake_owner {
	char sent[16384]; /* every byte sent, NUL-terminated */
	size_t nsent;
	bool starttls;    /* a handshake was asked for (the test clears it) */
	unsigned lines;   /* the number of the last line reported */
	char text[16384]; /* the text of every line reported, one a line */
	size_t ntext;
	char findings[1024]; /* the ids of the findings, space-separated, in order */
	char pending[256];   /* the last command offered in step mode */
	unsigned notified;   /* how many times a command was offered */
	char want[16384];    /* what must have been sent by now (fake_sent_next) */
	size_t nwant;
};

void fake_send(void *ctx, const char *buf, size_t len);
void fake_starttls(void *ctx);
void fake_line(void *ctx, const struct proto_lint_line *line);
void fake_finding(void *ctx, enum proto_finding_id id, unsigned n);
void fake_pending(void *ctx, const char *command);

/*
 * Adds next to what the engine must have sent by now, and checks that it
 * sent exactly that in total; a failure prints both, under the name of the
 * case.
 */
void fake_sent_next(struct fake_owner *o, const char *next, const char *name);

/* Feeds bytes to the session whole, or one byte at a time until it is over. */
void fake_feed(struct proto_session *s, const char *bytes, bool bytewise);

#endif
