/*
 * reader.c: the reply reader. It is fed bytes and hands back reply lines,
 * each flagged with what a strict RFC 5321 reader would object to, and
 * assembles them into replies by the "ddd-" / "ddd " rule of §4.2.1.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/reader.h"
#include "proto/reply.h"
#include "proto/split.h"
#include "proto_int.h"

/* Byte classes for proto_scan: what a byte earns inside a line body. */
#define C_CTRL PROTO_L_CTRL
#define C_8BIT PROTO_L_8BIT
#define C_CR   PROTO_L_BARE_CR
#define C8(x)  x, x, x, x, x, x, x, x
#define C16(x) C8(x), C8(x)

static const unsigned short scan_class[256] = {
    /* 0x00-0x0f: HT (0x09) is allowed in textstring, CR is judged alone. */
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    0,
    C_CTRL,
    C_CTRL,
    C_CTRL,
    C_CR,
    C_CTRL,
    C_CTRL,
    C16(C_CTRL),
    C16(0),
    C16(0),
    C16(0),
    C16(0),
    C16(0),
    /* 0x70-0x7f: DEL is a control character. */
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    C_CTRL,
    C16(C_8BIT),
    C16(C_8BIT),
    C16(C_8BIT),
    C16(C_8BIT),
    C16(C_8BIT),
    C16(C_8BIT),
    C16(C_8BIT),
    C16(C_8BIT),
};

unsigned proto_scan(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned acc = 0;
	size_t i;

	if (len >= 8 && proto_scan_clean(text, len))
		return 0;
	for (i = 0; i < len; i++)
		acc |= scan_class[p[i]];
	return acc;
}

struct proto_reader *proto_reader_new(unsigned options)
{
	struct proto_reader *reader = malloc(sizeof *reader);

	if (reader == NULL)
		return NULL;
	reader->options = options;
	proto_split_init(&reader->split);
	reader->inside = false;
	reader->index = 0;
	reader->first_code = -1;
	proto_reply_reset(&reader->reply);
	return reader;
}

void proto_reader_free(struct proto_reader *reader)
{
	if (reader == NULL)
		return;
	proto_split_free(&reader->split);
	free(reader);
}

int proto_reader_feed(struct proto_reader *reader, const void *buf, size_t len)
{
	return proto_split_feed(&reader->split, buf, len);
}

void proto_reader_eof(struct proto_reader *reader)
{
	proto_split_eof(&reader->split);
}

int proto_reader_next(struct proto_reader *reader, struct proto_line *line)
{
	struct proto_split_line cut;

	if (!proto_split_next(&reader->split, &cut))
		return 0;
	proto_reader_classify(reader, &cut, line);
	return 1;
}

void proto_reader_push(struct proto_reader *reader, const char *text, size_t len,
                       enum proto_term term, struct proto_line *line)
{
	proto_reader_push_inline(reader, text, len, term, line);
}

const struct proto_reply *proto_reader_reply(const struct proto_reader *reader)
{
	return &reader->reply;
}

bool proto_reader_inside_reply(const struct proto_reader *reader)
{
	return reader->inside;
}

void proto_reader_reset(struct proto_reader *reader)
{
	reader->inside = false;
}

size_t proto_reader_pending(const struct proto_reader *reader)
{
	return proto_split_pending(&reader->split);
}

const char *proto_reader_pending_bytes(const struct proto_reader *reader)
{
	const struct proto_split *split = &reader->split;

	return split->data != NULL ? split->data + split->pos : "";
}

const char *proto_reader_partial(const struct proto_reader *reader, size_t *len, size_t *wire)
{
	return proto_split_partial(&reader->split, len, wire);
}

void proto_reader_discard(struct proto_reader *reader)
{
	struct proto_split *split = &reader->split;

	if (split->lent)
		abort();
	split->pos = split->len;
	split->clipping = false;
	reader->inside = false;
}

/* The fields before the split, the split, then the reply. */
void proto_reader_save(const struct proto_reader *reader, struct proto_blob *blob)
{
	proto_blob_put(blob, reader, offsetof(struct proto_reader, split));
	proto_split_save(&reader->split, blob);
	proto_blob_put(blob, &reader->inside,
	               offsetof(struct proto_reader, reply) -
	                   offsetof(struct proto_reader, inside));
	proto_reply_save(&reader->reply, blob);
}

int proto_reader_restore(struct proto_reader *reader, struct proto_unblob *u)
{
	proto_unblob_get(u, reader, offsetof(struct proto_reader, split));
	if (proto_split_restore(&reader->split, u) != 0)
		return -1;
	proto_unblob_get(u, &reader->inside,
	                 offsetof(struct proto_reader, reply) -
	                     offsetof(struct proto_reader, inside));
	proto_reply_restore(&reader->reply, u);
	return u->failed ? -1 : 0;
}
