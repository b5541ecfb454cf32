/*
 * fuzz_reader.c: a libFuzzer target for the reply reader.
 *
 * The first byte of the input chooses the reader's options: an even byte
 * builds a strict reader, an odd one a reader that does not judge line
 * endings. The next two bytes give the sizes of the chunks the rest of the
 * input is fed in, used in turn, so a line can be cut anywhere. After every
 * chunk the reader is drained, then the end of input is declared and it is
 * drained again. Each line and reply must keep the promises of proto.h; a
 * broken promise stops the run with __builtin_trap().
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "proto/reader.h"
#include "proto/reply.h"

/* Every byte handed back is read into this, so ASan sees each read. */
static volatile unsigned sink;

/* Reads every byte of the line and checks it against its reply. */
static void check_line(const struct proto_reader *reader, const struct proto_line *line)
{
	const struct proto_reply *reply = proto_reader_reply(reader);
	size_t i;

	CHECK(line->len <= PROTO_LINE_KEEP);
	CHECK(line->len <= line->wire_len);
	CHECK(line->code >= -1 && line->code <= 999);
	CHECK(line->sep >= -1 && line->sep <= 255);
	for (i = 0; i < line->len; i++)
		sink += (unsigned char)line->text[i];
	CHECK(reply->nkept <= reply->nlines);
	CHECK(reply->nkept <= PROTO_REPLY_KEEP);
	CHECK(reply->used <= PROTO_REPLY_BYTES);
	for (i = 0; i < reply->nkept; i++)
		CHECK(reply->line[i].text >= reply->arena &&
		      reply->line[i].len <=
		          (size_t)(reply->arena + reply->used - reply->line[i].text));
	CHECK(line->last == !proto_reader_inside_reply(reader));
}

static void drain(struct proto_reader *reader)
{
	struct proto_line line;

	while (proto_reader_next(reader, &line))
		check_line(reader, &line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reader *reader;
	size_t pos = 3, n, turn = 0;

	if (size < 3)
		return 0;
	reader = proto_reader_new(data[0] & 1 ? PROTO_READER_ENDINGS_UNKNOWN : 0);
	if (reader == NULL)
		return 0;
	while (pos < size) {
		n = fuzz_chunk_size(data[1 + turn++ % 2]);
		n = n < size - pos ? n : size - pos;
		CHECK(proto_reader_feed(reader, data + pos, n) == 0);
		pos += n;
		drain(reader);
	}
	proto_reader_eof(reader);
	drain(reader);
	proto_reader_free(reader);
	return 0;
}
