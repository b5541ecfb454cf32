/*
 * fuzz_escape.c: a libFuzzer target for the escapers of escape.c.
 *
 * The first two bytes of the input choose an output size from 1 to
 * PROTO_ESCAPE_MAX(len) of the rest, which is the text to escape. Each
 * escaper writes into a heap block of exactly that size, so a write past it
 * is caught. Its result must be shorter than the size, end in NUL, hold only
 * printable US-ASCII and be the start of what it writes with the largest
 * size. With the largest size the whole text must come out, and the
 * transcript form must unescape to the text again. The unescaper is also run
 * on the raw text, with the len bytes of output it asks for.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/escape.h"

enum form { TERM, JSON, TRANSCRIPT, NFORMS };

typedef size_t (*escape_fn)(char *out, size_t cap, const char *text, size_t len);

static const escape_fn escapers[NFORMS] = {proto_escape_term, proto_escape_json,
                                           proto_escape_transcript};

/* Bytes one input byte takes in each form, by the rules in proto.h. */
static size_t byte_size(enum form form, unsigned char c)
{
	bool plain = c >= 0x20 && c < 0x7f;

	switch (form) {
	case TERM:
		/* A caret or a backslash from the peer is escaped too: "^[" is always an ESC. */
		if (c == '^' || c == '\\')
			return 2;
		return plain ? 1 : c < 0x80 ? 2 : 4;
	case JSON:
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t')
			return 2;
		return plain ? 1 : 6;
	case TRANSCRIPT:
		return c == '\\' ? 2 : plain ? 1 : 4;
	case NFORMS:
		break;
	}
	__builtin_trap();
}

/* Runs one escaper with cap bytes of room and checks what it wrote. */
static char *escape(enum form form, size_t cap, const char *text, size_t len, size_t *outlen)
{
	char *out = malloc(cap);
	size_t n, i;

	if (out == NULL)
		abort();
	n = escapers[form](out, cap, text, len);
	CHECK(n < cap);
	CHECK(out[n] == '\0');
	for (i = 0; i < n; i++)
		CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] < 0x7f);
	*outlen = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 2;
	size_t len, max, cap, full_len, part_len, want, i;
	char *full, *part, *back;
	enum form form;

	if (size < 2)
		return 0;
	len = size - 2;
	max = PROTO_ESCAPE_MAX(len);
	cap = 1 + ((size_t)data[0] << 8 | data[1]) % max;
	for (form = TERM; form < NFORMS; form++) {
		full = escape(form, max, text, len, &full_len);
		for (want = 0, i = 0; i < len; i++)
			want += byte_size(form, (unsigned char)text[i]);
		CHECK(full_len == want);
		part = escape(form, cap, text, len, &part_len);
		CHECK(part_len <= full_len && memcmp(part, full, part_len) == 0);
		if (form == TRANSCRIPT) {
			back = malloc(full_len > 0 ? full_len : 1);
			if (back == NULL)
				abort();
			CHECK(proto_unescape_transcript(back, full, full_len) == len);
			CHECK(len == 0 || memcmp(back, text, len) == 0);
			free(back);
		}
		free(part);
		free(full);
	}
	back = malloc(len > 0 ? len : 1);
	if (back == NULL)
		abort();
	CHECK(proto_unescape_transcript(back, text, len) <= len);
	free(back);
	return 0;
}
