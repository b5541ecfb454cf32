/*
 * split.h: the line splitter under the reader, the transcript sources
 * and the lab's command reader. It cuts a byte stream at LF, keeps at most
 * PROTO_LINE_KEEP bytes of any line and counts the rest, so memory stays
 * bounded whatever the peer sends (split.c).
 */
#ifndef SMTPSCOPE_PROTO_SPLIT_H
#define SMTPSCOPE_PROTO_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/reply.h"

struct proto_split {
	char *buf;        /* own copy of bytes fed and not yet cut */
	size_t cap;       /* size of buf */
	const char *data; /* the bytes being cut: buf, or lent memory */
	bool lent;        /* data is the caller's, valid until proto_split_keep */
	size_t pos;       /* first unread byte in data */
	size_t len;       /* bytes in data */
	bool eof;         /* no more bytes will come */
	bool clipping;    /* the current line outgrew keep */
	bool prev_cr;     /* the last dropped byte was a CR */
	size_t wire;      /* bytes of the clipped line seen so far */
	unsigned dropped_flags;
	size_t keep_len;
	char keep[PROTO_LINE_KEEP];
};

/* One cut line: text is valid until the next call on the splitter. */
struct proto_split_line {
	const char *text;
	size_t len;
	size_t wire; /* bytes including the terminator */
	enum proto_term term;
	bool clipped;           /* the line had more than PROTO_LINE_KEEP bytes */
	unsigned dropped_flags; /* PROTO_L_* flags of the bytes not kept */
};

void proto_split_init(struct proto_split *split);
void proto_split_free(struct proto_split *split);
/* Copies len bytes in; 0, or -1 when memory ran out. */
int proto_split_feed(struct proto_split *split, const void *buf, size_t len);
/*
 * Cuts the caller's bytes in place, without a copy: allowed only when no
 * byte is pending. Before the caller's memory goes away, proto_split_keep
 * copies what was not cut; it returns 0, or -1 when memory ran out.
 */
void proto_split_lend(struct proto_split *split, const void *buf, size_t len);
int proto_split_keep(struct proto_split *split);
/* Bytes fed and not yet cut. */
size_t proto_split_pending(const struct proto_split *split);
/*
 * Drops the bytes fed and not yet cut, and any line begun. The line cut
 * last stays valid.
 */
void proto_split_discard(struct proto_split *split);
/*
 * The line begun and not ended: its kept bytes (*len, at most
 * PROTO_LINE_KEEP) and in *wire all its bytes so far. Read-only; valid until
 * the next call that feeds or cuts.
 */
const char *proto_split_partial(const struct proto_split *split, size_t *len, size_t *wire);
void proto_split_eof(struct proto_split *split);
/*
 * Cuts the next line: 1 with line filled, 0 when no line is complete yet.
 * After proto_split_eof, the bytes left make a last line (PROTO_TERM_EOF).
 */
int proto_split_next(struct proto_split *split, struct proto_split_line *line);

#endif
