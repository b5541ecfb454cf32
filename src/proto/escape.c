/*
 * escape.c: bytes from a peer made safe to show or store. No byte below
 * 0x20, DEL or a byte with the high bit set leaves these functions raw.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "proto/escape.h"

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
static inline size_t plain_run(const char *text, size_t len, int extra1, int extra2)
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

/* Writes one byte that does not pass unchanged: the bytes written, 0 when room is too small. */
typedef size_t escape_byte_fn(char *out, size_t room, unsigned char c);

/*
 * The loop of every escaper: runs of plain bytes (but for extra1 and extra2)
 * are copied, each other byte goes to byte; out stops, whole, at cap - 1.
 */
static inline size_t escape_with(char *out, size_t cap, const char *text, size_t len, int extra1,
                                 int extra2, escape_byte_fn *byte)
{
	uint64_t x1 = ONES * (unsigned char)extra1, x2, w;
	size_t o = 0, i = 0, run, k;

	x2 = extra2 < 0 ? x1 : ONES * (unsigned char)extra2;
	/* Whole words that pass are copied as they are read, while out has room for one. */
	while (len - i >= 8 && cap - o > 8) {
		memcpy(&w, text + i, 8);
		if (word_stops(w, x1, x2))
			break;
		memcpy(out + o, &w, 8);
		i += 8;
		o += 8;
	}
	/* A tail after whole words that passed: the last word again, over the bytes copied. */
	if (i > 0 && i < len && len - i < 8 && cap - o > 8) {
		memcpy(&w, text + len - 8, 8);
		if (!word_stops(w, x1, x2)) {
			memcpy(out + o - (8 - (len - i)), &w, 8);
			o += len - i;
			out[o] = '\0';
			return o;
		}
	}
	while (i < len) {
		run = plain_run(text + i, len - i, extra1, extra2);
		if (run > cap - o - 1)
			run = cap - o - 1;
		memcpy(out + o, text + i, run);
		o += run;
		i += run;
		if (i == len || (k = byte(out + o, cap - o - 1, (unsigned char)text[i])) == 0)
			break;
		o += k;
		i++;
	}
	out[o] = '\0';
	return o;
}

/* "\xHH": 4 bytes. */
static size_t hex_byte(char *out, unsigned char c)
{
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

static size_t term_byte(char *out, size_t room, unsigned char c)
{
	if (room < (c < 0x20 || c == 0x7f || c == '^' || c == '\\' ? 2u : 4u))
		return 0;
	if (c == '^' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		out[0] = '^';
		out[1] = c == 0x7f ? '?' : (char)(c + '@');
		return 2;
	}
	return hex_byte(out, c);
}

/*
 * Caret form. The two characters that begin an escape, the caret and the
 * backslash, are escaped themselves (a backslash before each), so that a
 * caret and a bracket on screen are always an ESC, never the two
 * characters a server sent.
 */
size_t proto_escape_term(char *out, size_t cap, const char *text, size_t len)
{
	return escape_with(out, cap, text, len, '^', '\\', term_byte);
}

static size_t json_byte(char *out, size_t room, unsigned char c)
{
	static const char short_form[][3] = {
	    ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};

	if (c < sizeof short_form / sizeof short_form[0] && short_form[c][0] != '\0') {
		if (room < 2)
			return 0;
		memcpy(out, short_form[c], 2);
		return 2;
	}
	if (room < 6)
		return 0;
	memcpy(out, "\\u00", 4);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

size_t proto_escape_json(char *out, size_t cap, const char *text, size_t len)
{
	return escape_with(out, cap, text, len, '"', '\\', json_byte);
}

static size_t transcript_byte(char *out, size_t room, unsigned char c)
{
	if (room < (c == '\\' ? 2u : 4u))
		return 0;
	if (c != '\\')
		return hex_byte(out, c);
	out[0] = '\\';
	out[1] = '\\';
	return 2;
}

size_t proto_escape_transcript(char *out, size_t cap, const char *text, size_t len)
{
	return escape_with(out, cap, text, len, '\\', -1, transcript_byte);
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
