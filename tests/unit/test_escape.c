/*
 * test_escape.c: peer bytes made safe for a terminal, JSON and transcripts.
 * No byte below 0x20, DEL or a byte with the high bit set may come out raw,
 * output never overflows its buffer, and the transcript form round-trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/escape.h"

#define GUARD 0xa5 /* fills the bytes past cap, which must stay untouched */
#define SLACK 16

typedef size_t (*escape_fn)(char *out, size_t cap, const char *text, size_t len);

static const escape_fn escapers[] = {proto_escape_term, proto_escape_json, proto_escape_transcript};
static const char *const escaper_names[] = {"term", "json", "transcript"};
#define NESCAPERS (sizeof escapers / sizeof escapers[0])

/* A small fixed PRNG (xorshift32): the same buffers on every run. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Random bytes; every other buffer is drawn from the bytes escapes are made of. */
static void random_bytes(uint32_t *state, char *buf, size_t len, bool tricky)
{
	static const char alphabet[] = "\\x0aF9zZ^@?[u\"\r\n\t\x7f\x80\xff";
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = tricky ? alphabet[next_random(state) % (sizeof alphabet - 1)]
		                : (char)(next_random(state) & 0xff);
}

static void all_bytes(char buf[256])
{
	unsigned i;

	for (i = 0; i < 256; i++)
		buf[i] = (char)i;
}

/* Escaped output may hold printable US-ASCII only, and ends at its NUL. */
static void assert_safe(const char *what, const char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
			fail_msg("%s: raw byte 0x%02x at %zu", what, (unsigned char)out[i], i);
	if (out[n] != '\0')
		fail_msg("%s: no NUL at %zu", what, n);
}

/* Escapes into a guarded buffer of cap bytes; checks bounds and safety. */
static size_t escape_guarded(escape_fn fn, const char *what, char *out, size_t cap,
                             const char *text, size_t len)
{
	size_t n, i;

	memset(out, GUARD, cap + SLACK);
	n = fn(out, cap, text, len);
	if (n >= cap)
		fail_msg("%s: returned %zu with cap %zu", what, n, cap);
	for (i = cap; i < cap + SLACK; i++)
		if ((unsigned char)out[i] != GUARD)
			fail_msg("%s: wrote byte %zu past cap %zu", what, i - cap, cap);
	assert_safe(what, out, n);
	return n;
}

/* One byte through the terminal form. */
static void test_term_each_byte(void **state)
{
	char in, out[16], want[16];
	unsigned c;
	size_t n;

	(void)state;
	for (c = 0; c < 256; c++) {
		in = (char)c;
		if (c < 0x20)
			snprintf(want, sizeof want, "^%c", (char)(c + '@'));
		else if (c == 0x7f)
			snprintf(want, sizeof want, "^?");
		else if (c >= 0x80)
			snprintf(want, sizeof want, "\\x%02x", c);
		else if (c == '^' || c == '\\')
			snprintf(want, sizeof want, "\\%c", (char)c);
		else
			snprintf(want, sizeof want, "%c", (char)c);
		n = proto_escape_term(out, sizeof out, &in, 1);
		assert_safe("term", out, n);
		assert_int_equal(n, strlen(want));
		assert_string_equal(out, want);
	}
}

struct esc_case {
	const char *in;
	size_t len;
	const char *want;
};

#define C(in, want)                                                                                \
	{                                                                                          \
		in, sizeof(in) - 1, want                                                           \
	}

static const struct esc_case term_cases[] = {
    C("", ""),
    C("250 STARTTLS", "250 STARTTLS"),
    C("\x1b", "^["),
    C("\0", "^@"),
    C("\x7f", "^?"),
    C("\xff", "\\xff"),
    C("\x80", "\\x80"),
    C("a\tb", "a^Ib"),
    C("\r\n", "^M^J"),
    C("\x1b[2J\x1b]0;pwned\x07", "^[[2J^[]0;pwned^G"),
    C("Gr\xc3\xbc\xc3\x9f"
      "e",
      "Gr\\xc3\\xbc\\xc3\\x9fe"),
    C("back\\slash \"quote\"", "back\\\\slash \"quote\""),
    /* Issue 10: the characters a server sent never look like an escape. */
    C("^[[31m", "\\^[[31m"),
    C("\\x1b", "\\\\x1b"),
    C("\x1b^[", "^[\\^["),
};

static const struct esc_case json_cases[] = {
    C("", ""),
    C("250 STARTTLS", "250 STARTTLS"),
    C("\"", "\\\""),
    C("\\", "\\\\"),
    C("\n", "\\n"),
    C("\r", "\\r"),
    C("\t", "\\t"),
    C("\0", "\\u0000"),
    C("\x01", "\\u0001"),
    C("\x1b", "\\u001b"),
    C("\x1f", "\\u001f"),
    C("\x7f", "\\u007f"),
    C("\x80", "\\u0080"),
    C("\xff", "\\u00ff"),
    C("/", "/"),
    C("a\"b\\c\r\n", "a\\\"b\\\\c\\r\\n"),
};

static const struct esc_case transcript_cases[] = {
    C("", ""),
    C("250 STARTTLS", "250 STARTTLS"),
    C("\\", "\\\\"),
    C("\\x41", "\\\\x41"),
    C("\r", "\\x0d"),
    C("\n", "\\x0a"),
    C("\0", "\\x00"),
    C("\x7f", "\\x7f"),
    C("\xff", "\\xff"),
    C("\"", "\""),
    C("a\tb", "a\\x09b"),
};

static void run_cases(escape_fn fn, const char *name, const struct esc_case *cases, size_t n)
{
	char out[256];
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = escape_guarded(fn, name, out, sizeof out - SLACK, cases[i].in, cases[i].len);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s case %zu: \"%s\", want \"%s\"", name, i, out, cases[i].want);
		assert_int_equal(len, strlen(cases[i].want));
	}
}

static void test_term_cases(void **state)
{
	(void)state;
	run_cases(proto_escape_term, "term", term_cases, sizeof term_cases / sizeof term_cases[0]);
}

static void test_json_cases(void **state)
{
	(void)state;
	run_cases(proto_escape_json, "json", json_cases, sizeof json_cases / sizeof json_cases[0]);
}

static void test_transcript_cases(void **state)
{
	(void)state;
	run_cases(proto_escape_transcript, "transcript", transcript_cases,
	          sizeof transcript_cases / sizeof transcript_cases[0]);
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads JSON string content (RFC 8259 §7) back into bytes, each \u00XX
 * being one byte; fails on anything that is not valid JSON string content.
 */
static size_t json_decode(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;
	unsigned v;
	int k;

	while (i < n) {
		if ((unsigned char)s[i] < 0x20 || s[i] == '"')
			fail_msg("json: raw 0x%02x at %zu", (unsigned char)s[i], i);
		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		if (i + 1 >= n)
			fail_msg("json: lone backslash at the end");
		switch (s[i + 1]) {
		case '"':
		case '\\':
		case '/':
			out[o++] = s[i + 1];
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'u':
			if (i + 6 > n)
				fail_msg("json: short \\u at %zu", i);
			for (v = 0, k = 2; k < 6; k++) {
				if (hex_digit(s[i + (size_t)k]) < 0)
					fail_msg("json: bad \\u at %zu", i);
				v = v * 16 + (unsigned)hex_digit(s[i + (size_t)k]);
			}
			if (v > 0xff)
				fail_msg("json: \\u%04x is no byte", v);
			out[o++] = (char)v;
			i += 6;
			continue;
		default:
			fail_msg("json: bad escape \\%c at %zu", s[i + 1], i);
		}
		i += 2;
	}
	return o;
}

static void test_json_each_byte(void **state)
{
	char in, out[16 + SLACK], back[16];
	unsigned c;
	size_t n;

	(void)state;
	for (c = 0; c < 256; c++) {
		in = (char)c;
		n = escape_guarded(proto_escape_json, "json", out, sizeof out - SLACK, &in, 1);
		assert_int_equal(json_decode(out, n, back), 1);
		assert_int_equal((unsigned char)back[0], c);
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			assert_int_equal(n, 1);
	}
}

/* Whole buffers: all 256 bytes, then random ones, through each form. */
static void test_buffers(void **state)
{
	char in[512], out[PROTO_ESCAPE_MAX(sizeof in) + SLACK], back[PROTO_ESCAPE_MAX(sizeof in)];
	uint32_t seed = 0x5eed1234u;
	size_t len, n, k;
	int round;

	(void)state;
	for (round = -1; round < 400; round++) {
		if (round < 0) {
			all_bytes(in);
			len = 256;
		} else {
			len = next_random(&seed) % sizeof in;
			random_bytes(&seed, in, len, round % 2 == 1);
		}
		for (k = 0; k < NESCAPERS; k++)
			escape_guarded(escapers[k], escaper_names[k], out, PROTO_ESCAPE_MAX(len),
			               in, len);
		n = escape_guarded(proto_escape_json, "json", out, PROTO_ESCAPE_MAX(len), in, len);
		assert_int_equal(json_decode(out, n, back), len);
		assert_memory_equal(back, in, len);
		n = escape_guarded(proto_escape_transcript, "transcript", out,
		                   PROTO_ESCAPE_MAX(len), in, len);
		assert_int_equal(proto_unescape_transcript(back, out, n), len);
		assert_memory_equal(back, in, len);
	}
}

/* Every byte alone, and every pair of bytes, round-trips the transcript form. */
static void test_transcript_round_trip(void **state)
{
	char in[2], out[16 + SLACK], back[16];
	unsigned a, b;
	size_t n;

	(void)state;
	for (a = 0; a < 256; a++) {
		in[0] = (char)a;
		n = escape_guarded(proto_escape_transcript, "transcript", out, sizeof out - SLACK,
		                   in, 1);
		assert_int_equal(proto_unescape_transcript(back, out, n), 1);
		assert_int_equal((unsigned char)back[0], a);
		for (b = 0; b < 256; b++) {
			in[1] = (char)b;
			n = escape_guarded(proto_escape_transcript, "transcript", out,
			                   sizeof out - SLACK, in, 2);
			assert_int_equal(proto_unescape_transcript(back, out, n), 2);
			assert_memory_equal(back, in, 2);
		}
	}
}

/* Hand-written transcript text: what is no escape stays as it is. */
static const struct esc_case unescape_cases[] = {
    C("plain", "plain"),   C("a\\x41b", "aAb"), C("\\x4a\\x4A", "JJ"),   C("\\\\", "\\"),
    C("\\\\x41", "\\x41"), C("\\x4", "\\x4"),   C("\\xg1", "\\xg1"),     C("\\", "\\"),
    C("\\q", "\\q"),       C("\\x", "\\x"),     C("end\\x7", "end\\x7"),
};

static void test_unescape_cases(void **state)
{
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof unescape_cases / sizeof unescape_cases[0]; i++) {
		n = proto_unescape_transcript(out, unescape_cases[i].in, unescape_cases[i].len);
		assert_true(n <= unescape_cases[i].len);
		if (n != strlen(unescape_cases[i].want) ||
		    memcmp(out, unescape_cases[i].want, n) != 0)
			fail_msg("unescape case %zu: \"%.*s\", want \"%s\"", i, (int)n, out,
			         unescape_cases[i].want);
	}
	assert_int_equal(proto_unescape_transcript(out, "\\xff\\x00", 8), 2);
	assert_int_equal((unsigned char)out[0], 0xff);
	assert_int_equal(out[1], '\0');
}

/*
 * Every cap from 1 up: the output never overflows, always ends in NUL and
 * is a prefix of the whole escaped text that never splits an escape.
 */
static void test_truncation(void **state)
{
	char in[300], full[PROTO_ESCAPE_MAX(sizeof in) + SLACK];
	char out[PROTO_ESCAPE_MAX(sizeof in) + 2 * SLACK];
	uint32_t seed = 0xc0ffee01u;
	size_t len, whole, cap, n, k;
	int round;

	(void)state;
	for (round = 0; round < 6; round++) {
		if (round == 0) {
			all_bytes(in);
			len = 256;
		} else {
			len = sizeof in;
			random_bytes(&seed, in, len, round % 2 == 0);
		}
		for (k = 0; k < NESCAPERS; k++) {
			whole = escape_guarded(escapers[k], escaper_names[k], full,
			                       sizeof full - SLACK, in, len);
			for (cap = 1; cap <= whole + SLACK; cap++) {
				n = escape_guarded(escapers[k], escaper_names[k], out, cap, in,
				                   len);
				if (memcmp(out, full, n) != 0)
					fail_msg("%s cap %zu: not a prefix", escaper_names[k], cap);
				/* An escape is 2 to 6 bytes: no more is ever left unused. */
				if (cap >= whole + 7)
					assert_int_equal(n, whole);
				else if (n + 7 <= cap)
					fail_msg("%s cap %zu: only %zu bytes used",
					         escaper_names[k], cap, n);
			}
		}
	}
}

/* Output of the transcript form is printable ASCII for every input byte. */
static void test_transcript_printable(void **state)
{
	char in[256], out[PROTO_ESCAPE_MAX(256) + SLACK];
	size_t n, i;

	(void)state;
	all_bytes(in);
	n = escape_guarded(proto_escape_transcript, "transcript", out, PROTO_ESCAPE_MAX(256), in,
	                   256);
	for (i = 0; i < n; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
	/* 94 printable bytes stay, the backslash doubles, 161 become \xHH. */
	assert_int_equal(n, 94 + 2 + 161 * 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_term_each_byte),
	    cmocka_unit_test(test_term_cases),
	    cmocka_unit_test(test_json_cases),
	    cmocka_unit_test(test_json_each_byte),
	    cmocka_unit_test(test_transcript_cases),
	    cmocka_unit_test(test_unescape_cases),
	    cmocka_unit_test(test_transcript_round_trip),
	    cmocka_unit_test(test_buffers),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_transcript_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
