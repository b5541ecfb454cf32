/*
 * clients.h: the client profiles, how real SMTP clients read an EHLO reply.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_CLIENTS_H
#define SMTPSCOPE_PROTO_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/reply.h"

/*
 * Client profiles: how real SMTP clients read an EHLO reply, each resting on
 * its source. The table is constant; the struct is private to clients.c.
 */
struct proto_client;

size_t proto_client_count(void);
const struct proto_client *proto_client_at(size_t i);
const struct proto_client *proto_client_find(const char *id);
const char *proto_client_id(const struct proto_client *client);
const char *proto_client_name(const struct proto_client *client);
/* One line: which lines it reads and how it matches the keyword. */
const char *proto_client_rule(const struct proto_client *client);
/* The source it rests on: file and function, or a vendor document. */
const char *proto_client_basis(const struct proto_client *client);
/* True when the client sends STARTTLS whatever the EHLO reply says (s-nail, s_client). */
#define PROTO_CLIENT_BLINDLY "sends STARTTLS without looking" /* what the matrix says of it */
bool proto_client_regardless(const struct proto_client *client);
/* True when the client takes line 1 as the greeting and skips it. */
bool proto_client_skips_first_line(const struct proto_client *client);
/* Index of the line where the client finds STARTTLS, or -1. */
int proto_client_starttls_line(const struct proto_client *client, const struct proto_reply *ehlo);

/* What a client does next with an EHLO reply. */
enum proto_outcome {
	PROTO_OUTCOME_STARTTLS,  /* sends STARTTLS */
	PROTO_OUTCOME_PLAINTEXT, /* goes on without TLS */
	PROTO_OUTCOME_ABORT,     /* rejects the reply or stops: QUIT, HELO, defer, close */
	PROTO_OUTCOME_STALL,     /* never sees the reply end, and waits */
};

/* A client's time-out for a reply: none of its own, or not known. */
#define PROTO_CLIENT_NO_TIMEOUT      0
#define PROTO_CLIENT_TIMEOUT_UNKNOWN (-1)

#define PROTO_CLIENT_WHY 200 /* the longest reason, with its NUL */

struct proto_client_verdict {
	enum proto_outcome outcome;
	int line;                   /* the reply's line (from 0) that decides it, or -1 */
	int timeout_s;              /* STALL: its time-out in seconds, or one of the two above */
	char why[PROTO_CLIENT_WHY]; /* the reason in words: our words, never the peer's bytes */
};

/*
 * Judges the reply as the client would; every field of *out is set. The why
 * names lines by numbers[i] for the reply's line i (a transcript's line
 * numbers), or by i + 1 when numbers is NULL.
 */
void proto_client_judge(const struct proto_client *client, const struct proto_reply *ehlo,
                        const unsigned *numbers, struct proto_client_verdict *out);
/* "starttls", "plaintext", "abort" or "stall". */
const char *proto_outcome_name(enum proto_outcome outcome);

#endif
