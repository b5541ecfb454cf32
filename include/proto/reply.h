/*
 * reply.h: one reply line and one complete reply, as the reader hands them back.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_REPLY_H
#define SMTPSCOPE_PROTO_REPLY_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets, CRLF included. */
#define PROTO_LINE_MAX 512
/* Bytes of one line the engine keeps; the rest is counted and dropped. */
#define PROTO_LINE_KEEP 2048
/* Lines of one reply kept for whole-reply consumers (client profiles). */
#define PROTO_REPLY_KEEP 512
/* Bytes of text one reply keeps in its arena. */
#define PROTO_REPLY_BYTES (64 * 1024)

/* How a line ended on the wire. */
enum proto_term {
	PROTO_TERM_CRLF,    /* CR LF, as RFC 5321 wants */
	PROTO_TERM_LF,      /* LF alone */
	PROTO_TERM_EOF,     /* the input ended first */
	PROTO_TERM_UNKNOWN, /* the source lost it (a pasted LF-only text) */
};

/* What a strict reader objects to in one line. */
enum {
	PROTO_L_BARE_LF = 1u << 0,    /* ended by LF without CR */
	PROTO_L_BARE_CR = 1u << 1,    /* a CR not followed by LF inside */
	PROTO_L_TOO_LONG = 1u << 2,   /* over 512 octets with CRLF */
	PROTO_L_CLIPPED = 1u << 3,    /* longer than PROTO_LINE_KEEP */
	PROTO_L_BAD_CODE = 1u << 4,   /* no Reply-code %x32-35 %x30-35 %x30-39 */
	PROTO_L_NO_SEP = 1u << 5,     /* code followed by neither SP, "-" nor end */
	PROTO_L_MIXED_CODE = 1u << 6, /* code differs from its reply's first */
	PROTO_L_CTRL = 1u << 7,       /* NUL or a control character other than HT */
	PROTO_L_8BIT = 1u << 8,       /* a byte with the high bit set */
	PROTO_L_NO_EOL = 1u << 9,     /* the input ended inside the line */
};

/* One reply line as the reader hands it back. */
struct proto_line {
	const char *text; /* kept bytes, terminator excluded; see the owner's rules */
	size_t len;       /* bytes at text (at most PROTO_LINE_KEEP) */
	size_t wire_len;  /* octets the line had, terminator included */
	unsigned flags;   /* PROTO_L_* */
	int code;         /* the three leading digits as a number, or -1 */
	int sep;          /* byte after the code, or -1 when the line ends there */
	bool last;        /* this line ends its reply */
	unsigned index;   /* 0-based position inside its reply */
};

/* A complete reply: its first lines and text kept, the rest counted. */
struct proto_reply_line {
	const char *text; /* points into the reply's arena */
	size_t len;
	unsigned flags;
};

struct proto_reply {
	int code;        /* code of the first line, or -1 */
	unsigned nlines; /* lines the reply had */
	unsigned nkept;  /* lines kept in line[] */
	unsigned flags;  /* PROTO_L_* of all its lines, or-ed */
	bool complete;   /* a final line was seen */
	size_t used;     /* arena bytes in use */
	struct proto_reply_line line[PROTO_REPLY_KEEP];
	char arena[PROTO_REPLY_BYTES];
};

void proto_reply_reset(struct proto_reply *reply);
void proto_reply_add(struct proto_reply *reply, const struct proto_line *line);

#endif
