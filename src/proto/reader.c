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

struct proto_reader {
	unsigned options;
	struct proto_split split;
	bool inside;    /* a multi-line reply is open */
	unsigned index; /* index of the next line in its reply */
	int first_code; /* code of the open reply's first line */
	struct proto_reply reply;
};

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

/* The high bit of each byte of w that is below 0x20, is DEL or is 8-bit (exact when none is). */
static inline uint64_t word_unusual(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t del = w ^ (ones * 0x7f);

	return (((w - ones * 0x20) & ~w) | w | ((del - ones) & ~del)) & highs;
}

/* proto_scan's body, inlined into the reader's hot path. */
static inline unsigned scan_line(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned acc = 0;
	uint64_t w, unusual = 0;
	size_t i;

	/*
	 * Eight bytes at a time, the last word over the one before it, one test
	 * at the end: most lines hold no byte to flag. A line that does is read
	 * again byte by byte.
	 */
	if (len >= 8) {
		for (i = 0; i + 8 < len; i += 8) {
			memcpy(&w, p + i, 8);
			unusual |= word_unusual(w);
		}
		memcpy(&w, p + len - 8, 8);
		if ((unusual | word_unusual(w)) == 0)
			return 0;
	}
	for (i = 0; i < len; i++)
		acc |= scan_class[p[i]];
	return acc;
}

unsigned proto_scan(const char *text, size_t len)
{
	return scan_line(text, len);
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

/* Reads the Reply-code of RFC 5321 §4.2: %x32-35 %x30-35 %x30-39. */
static int parse_code(const char *text, size_t len, unsigned *flags)
{
	int code;

	if (len < 3 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9' ||
	    text[2] < '0' || text[2] > '9') {
		*flags |= PROTO_L_BAD_CODE;
		return -1;
	}
	code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
	if (text[0] < '2' || text[0] > '5' || text[1] > '5')
		*flags |= PROTO_L_BAD_CODE;
	return code;
}

/* Places a line in its reply: index, last, mixed codes. */
static void place_line(struct proto_reader *reader, struct proto_line *line)
{
	if (!reader->inside) {
		proto_reply_reset(&reader->reply);
		reader->index = 0;
		reader->first_code = line->code;
	} else if (line->code >= 0 && reader->first_code >= 0 && line->code != reader->first_code) {
		line->flags |= PROTO_L_MIXED_CODE;
	}
	line->index = reader->index++;
	line->last = line->sep != '-';
	reader->inside = !line->last;
	if (!(reader->options & PROTO_READER_NO_REPLY))
		proto_reply_add(&reader->reply, line);
}

/* The octets the line would have with CRLF, the measure of §4.5.3.1.5. */
static size_t crlf_octets(const struct proto_split_line *cut)
{
	size_t ending = cut->term == PROTO_TERM_CRLF ? 2 : cut->term == PROTO_TERM_EOF ? 0 : 1;

	return cut->wire - ending + 2;
}

static inline void classify(struct proto_reader *reader, const struct proto_split_line *cut,
                            struct proto_line *line)
{
	unsigned flags = scan_line(cut->text, cut->len) | cut->dropped_flags;

	if (cut->term == PROTO_TERM_LF && !(reader->options & PROTO_READER_ENDINGS_UNKNOWN))
		flags |= PROTO_L_BARE_LF;
	if (cut->term == PROTO_TERM_EOF)
		flags |= PROTO_L_NO_EOL;
	if (crlf_octets(cut) > PROTO_LINE_MAX)
		flags |= PROTO_L_TOO_LONG;
	if (cut->clipped)
		flags |= PROTO_L_CLIPPED;
	line->text = cut->text;
	line->len = cut->len;
	line->wire_len = cut->wire;
	line->code = parse_code(cut->text, cut->len, &flags);
	line->sep = cut->len > 3 ? (unsigned char)cut->text[3] : -1;
	if (line->code >= 0 && line->sep != -1 && line->sep != ' ' && line->sep != '-')
		flags |= PROTO_L_NO_SEP;
	line->flags = flags;
	place_line(reader, line);
}

int proto_reader_next(struct proto_reader *reader, struct proto_line *line)
{
	struct proto_split_line cut;

	if (!proto_split_next(&reader->split, &cut))
		return 0;
	classify(reader, &cut, line);
	return 1;
}

void proto_reader_push(struct proto_reader *reader, const char *text, size_t len,
                       enum proto_term term, struct proto_line *line)
{
	struct proto_split_line cut;

	cut.text = text;
	cut.len = len > PROTO_LINE_KEEP ? PROTO_LINE_KEEP : len;
	cut.clipped = len > PROTO_LINE_KEEP;
	cut.dropped_flags = cut.clipped ? proto_scan(text + cut.len, len - cut.len) : 0;
	cut.term = term;
	cut.wire = len + (term == PROTO_TERM_CRLF ? 2 : term == PROTO_TERM_EOF ? 0 : 1);
	classify(reader, &cut, line);
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
