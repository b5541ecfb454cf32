/*
 * ehlo.h: the grammar of an EHLO reply and of the banner, line by line.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_EHLO_H
#define SMTPSCOPE_PROTO_EHLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/findings.h"

/* Grammar roles of a line in a conversation. */
enum proto_role {
	PROTO_ROLE_REPLY,               /* a server line outside an EHLO reply */
	PROTO_ROLE_BANNER,              /* the 220 connection greeting */
	PROTO_ROLE_COMMAND,             /* a client command */
	PROTO_ROLE_INFO,                /* a note of the transcript */
	PROTO_ROLE_GREETING,            /* EHLO line 1: Domain [SP ehlo-greet] */
	PROTO_ROLE_EHLO_LINE,           /* ehlo-keyword *(SP ehlo-param) */
	PROTO_ROLE_MISORDERED_STARTTLS, /* STARTTLS where the Domain belongs */
	PROTO_ROLE_MISORDERED_KEYWORD,  /* another keyword where the Domain belongs */
	PROTO_ROLE_MALFORMED,           /* matches no production */
	PROTO_ROLE_COUNT
};

const char *proto_role_name(enum proto_role role);

/* A part of a line: byte offset and length inside the line's text. */
struct proto_span {
	uint32_t off;
	uint32_t len;
};

#define PROTO_EHLO_PARAMS 16 /* params of one line kept as spans */

/* How the EHLO analyser read one line. */
struct proto_ehlo_line {
	enum proto_role role;
	const char *production;      /* RFC 5321 §4.1.1.1 name of what it matched */
	const char *production_1869; /* RFC 1869 §4.3 name of the same */
	struct proto_span code;      /* the three digits */
	struct proto_span head;      /* Domain, or ehlo-keyword */
	struct proto_span rest;      /* ehlo-greet, or all the params */
	unsigned nparams;            /* params seen, kept or not */
	struct proto_span param[PROTO_EHLO_PARAMS];
	/*
	 * Where the line leaves the grammar: a code other than the literal
	 * "250", or the first byte of a keyword line that is not ALPHA, DIGIT
	 * or "-". Its len is 0 when nothing is known to fail.
	 */
	struct proto_span stop;
};

#define PROTO_EHLO_KEYWORDS 128 /* keywords remembered for duplicates */

/* The state of the analysis of one EHLO reply. */
struct proto_ehlo {
	bool tls;      /* the reply was received inside TLS */
	bool starttls; /* STARTTLS appears, in any position or form */
	unsigned nlines;
	unsigned nkeywords;
	/* Keywords seen, as 64-bit FNV-1a hashes of their upper-case form. */
	uint64_t keyword[PROTO_EHLO_KEYWORDS];
};

void proto_ehlo_begin(struct proto_ehlo *ehlo, bool tls);
/* Analyses the next line of the reply; findings go to emit(ctx, id, index). */
void proto_ehlo_line(struct proto_ehlo *ehlo, const char *text, size_t len, unsigned flags,
                     struct proto_ehlo_line *out, proto_emit_fn emit, void *ctx);
/* Closes the reply: reply-wide findings, placed on line first. */
void proto_ehlo_end(struct proto_ehlo *ehlo, unsigned first, proto_emit_fn emit, void *ctx);
/* True when text is a Domain or address-literal of RFC 5321 §4.1.2. */
bool proto_is_domain(const char *text, size_t len);
/* True when text is a valid ehlo-keyword of RFC 5321 §4.1.1.1. */
bool proto_is_ehlo_keyword(const char *text, size_t len);

/* The parts of a banner line, RFC 5321 §4.2's Greeting. */
struct proto_banner {
	struct proto_span code;   /* the three digits */
	struct proto_span domain; /* first line: the word after the code; len 0 otherwise */
	struct proto_span text;   /* the textstring after it, or len 0 */
	bool domain_ok;           /* the word is a Domain or an address-literal */
};

/* Splits a line of the banner; first: it is the reply's first line. */
void proto_banner_line(const char *text, size_t len, bool first, struct proto_banner *out);

#endif
