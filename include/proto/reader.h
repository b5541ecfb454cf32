/*
 * reader.h: the reply reader: bytes in, reply lines out.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_READER_H
#define SMTPSCOPE_PROTO_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/reply.h"

/*
 * The reply reader, in the shape of hiredis' reader: feed it any chunks of
 * bytes, then call next until it has no more lines. Memory is bounded by the
 * largest chunk fed plus PROTO_LINE_KEEP: an endless line is clipped, not
 * stored.
 */
struct proto_reader;

enum {
	PROTO_READER_ENDINGS_UNKNOWN = 1u << 0, /* do not judge line endings */
	PROTO_READER_NO_REPLY = 1u << 1,        /* do not assemble replies */
};

struct proto_reader *proto_reader_new(unsigned options);
void proto_reader_free(struct proto_reader *reader);
/* Returns 0, or -1 when memory ran out (the reader is then unusable). */
int proto_reader_feed(struct proto_reader *reader, const void *buf, size_t len);
/* Declares the end of input: a partial last line comes out, flagged. */
void proto_reader_eof(struct proto_reader *reader);
/*
 * Hands back the next line: 1 with *line filled (valid until the next call
 * on this reader), 0 when more bytes are needed.
 */
int proto_reader_next(struct proto_reader *reader, struct proto_line *line);
/* Gives one already-split line to the reader (a transcript source). */
void proto_reader_push(struct proto_reader *reader, const char *text, size_t len,
                       enum proto_term term, struct proto_line *line);
/* The reply the last line belongs to; complete when that line was last. */
const struct proto_reply *proto_reader_reply(const struct proto_reader *reader);
/* True when input stopped inside a multi-line reply. */
bool proto_reader_inside_reply(const struct proto_reader *reader);
/* Drops an open reply, so the next line starts a new one. */
void proto_reader_reset(struct proto_reader *reader);
/* Bytes fed and not yet handed back as lines. */
size_t proto_reader_pending(const struct proto_reader *reader);
/* Drops the bytes fed and not yet handed back, and any open reply. */
void proto_reader_discard(struct proto_reader *reader);
/* The bytes fed and not yet handed back (proto_reader_pending of them), read-only. */
const char *proto_reader_pending_bytes(const struct proto_reader *reader);
/* The line begun and not ended, read-only: see proto_session_partial. */
const char *proto_reader_partial(const struct proto_reader *reader, size_t *len, size_t *wire);

#endif
