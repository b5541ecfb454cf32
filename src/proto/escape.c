/*
 * escape.c: bytes from a peer made safe to show or store. No byte below
 * 0x20, DEL or a byte with the high bit set leaves these functions raw.
 */
#include <stdint.h>
#include <string.h>

#include "proto.h"

static const char hex[] = "0123456789abcdef";

/* True for bytes that pass unchanged: printable US-ASCII. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * True when one of the eight bytes in w does not pass unchanged: a control,
 * DEL, an 8-bit byte, or one of the two extra bytes (x1, x2: each repeated
 * in every byte). Each term is exact for its lowest byte, so the test is.
 */
static bool word_stops(uint64_t w, uint64_t x1, uint64_t x2)
{
	uint64_t a = w ^ x1, b = w ^ x2, del = w ^ (ONES * 0x7f);

	return ((w - ONES * 0x20) | (a - ONES) | (b - ONES) | (del - ONES) | w) & HIGHS;
}

/* Length of the leading run of bytes that pass unchanged, but for extra (-1: none). */
static size_t plain_run(const char *text, size_t len, int extra1, int extra2)
{
	uint64_t x1, x2, w;
	size_t i = 0;

	if (extra2 < 0)
		extra2 = extra1;
	x1 = ONES * (unsigned char)extra1;
	x2 = ONES * (unsigned char)extra2;
	/* Eight bytes at a time; when all words passed, the tail is the last word again. */
	for (; len - i >= 8; i += 8) {
		memcpy(&w, text + i, 8);
		if (word_stops(w, x1, x2))
			break;
	}
	if (i < len && len >= 8 && len - i < 8) {
		memcpy(&w, text + len - 8, 8);
		if (!word_stops(w, x1, x2))
			return len;
	}
	while (i < len && plain((unsigned char)text[i]) && text[i] != extra1 && text[i] != extra2)
		i++;
	return i;
}

/*
 * Caret form. The two characters that begin an escape, the caret and the
 * backslash, are escaped themselves (a backslash before each), so that a
 * caret and a bracket on screen are always an ESC, never the two
 * characters a server sent.
 */
size_t proto_escape_term(char *out, size_t cap, const char *text, size_t len)
{
	size_t o = 0, i = 0, run;
	unsigned char c;

	while (i < len) {
		run = plain_run(text + i, len - i, '^', '\\');
		if (run > cap - o - 1)
			run = cap - o - 1;
		memcpy(out + o, text + i, run);
		o += run;
		i += run;
		if (i == len)
			break;
		c = (unsigned char)text[i];
		if (cap - o - 1 < (c < 0x20 || c == 0x7f || c == '^' || c == '\\' ? 2u : 4u))
			break;
		i++;
		if (c == '^' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '^';
			out[o++] = c == 0x7f ? '?' : (char)(c + '@');
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

/* Bytes json_byte writes for c. */
static size_t json_size(unsigned char c)
{
	return c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
}

static size_t json_byte(char *out, unsigned char c)
{
	switch (c) {
	case '"':
		return (void)memcpy(out, "\\\"", 2), 2;
	case '\\':
		return (void)memcpy(out, "\\\\", 2), 2;
	case '\n':
		return (void)memcpy(out, "\\n", 2), 2;
	case '\r':
		return (void)memcpy(out, "\\r", 2), 2;
	case '\t':
		return (void)memcpy(out, "\\t", 2), 2;
	}
	memcpy(out, "\\u00", 4);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

size_t proto_escape_json(char *out, size_t cap, const char *text, size_t len)
{
	size_t o = 0, i = 0, run;

	while (i < len) {
		run = plain_run(text + i, len - i, '"', '\\');
		if (run > cap - o - 1)
			run = cap - o - 1;
		memcpy(out + o, text + i, run);
		o += run;
		i += run;
		if (i == len || cap - o - 1 < json_size((unsigned char)text[i]))
			break;
		o += json_byte(out + o, (unsigned char)text[i++]);
	}
	out[o] = '\0';
	return o;
}

size_t proto_escape_transcript(char *out, size_t cap, const char *text, size_t len)
{
	size_t o = 0, i = 0, run;
	unsigned char c;

	while (i < len) {
		run = plain_run(text + i, len - i, '\\', -1);
		if (run > cap - o - 1)
			run = cap - o - 1;
		memcpy(out + o, text + i, run);
		o += run;
		i += run;
		if (i == len)
			break;
		c = (unsigned char)text[i];
		if (cap - o - 1 < (c == '\\' ? 2u : 4u))
			break;
		i++;
		out[o++] = '\\';
		if (c == '\\') {
			out[o++] = '\\';
			continue;
		}
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o;
}

int proto_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t proto_unescape_transcript(char *out, const char *text, size_t len)
{
	size_t o = 0, i = 0;

	while (i < len) {
		if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\\') {
			out[o++] = '\\';
			i += 2;
		} else if (text[i] == '\\' && i + 3 < len && text[i + 1] == 'x' &&
		           proto_hex_value(text[i + 2]) >= 0 && proto_hex_value(text[i + 3]) >= 0) {
			out[o++] = (char)(proto_hex_value(text[i + 2]) * 16 +
			                  proto_hex_value(text[i + 3]));
			i += 4;
		} else {
			out[o++] = text[i++];
		}
	}
	return o;
}
