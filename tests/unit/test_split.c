/*
 * test_split.c: the line splitter as the sources drive it, its common case
 * inlined (proto_split_next_inline). Every case is cut whole, then lent in
 * two chunks cut at every byte offset, then fed the same way, and each
 * time the lines must be the same; a few cases name their lines. The search
 * for the LF is tested apart, at every place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/split.h"
#include "proto_int.h"

#define MAXL 8

/* A cut line, its text copied out. */
struct cut {
	char text[PROTO_LINE_KEEP];
	size_t len, wire;
	enum proto_term term;
	bool clipped;
	unsigned dropped_flags;
};

struct cuts {
	size_t n;
	struct cut line[MAXL];
};

struct want {
	const char *text; /* NULL ends the list */
	size_t len;
	enum proto_term term;
};

struct scase {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in); built cases set it */
	struct want line[MAXL];
};

static const struct scase cases[] = {
    {"two lines", "a\nbc\n", 0, {{"a", 1, PROTO_TERM_LF}, {"bc", 2, PROTO_TERM_LF}}},
    {"CR LF",
     "ab\r\n\r\nc\r\n",
     0,
     {{"ab", 2, PROTO_TERM_CRLF}, {"", 0, PROTO_TERM_CRLF}, {"c", 1, PROTO_TERM_CRLF}}},
    {"last line without LF", "ab\ncd", 0, {{"ab", 2, PROTO_TERM_LF}, {"cd", 2, PROTO_TERM_EOF}}},
    {"a bare CR at the end", "ab\r", 0, {{"ab\r", 3, PROTO_TERM_EOF}}},
    {"NUL and 8-bit bytes",
     "a\0b\n\xff\x80\r\n",
     8,
     {{"a\0b", 3, PROTO_TERM_LF}, {"\xff\x80", 2, PROTO_TERM_CRLF}}},
    {"empty lines",
     "\n\n\n",
     0,
     {{"", 0, PROTO_TERM_LF}, {"", 0, PROTO_TERM_LF}, {"", 0, PROTO_TERM_LF}}},
    {"no input", "", 0, {{NULL, 0, PROTO_TERM_LF}}},
    {"words of eight and their tails",
     "0123456\n01234567\n012345678\r\n0123456789abcdef\n",
     0,
     {{"0123456", 7, PROTO_TERM_LF},
      {"01234567", 8, PROTO_TERM_LF},
      {"012345678", 9, PROTO_TERM_CRLF},
      {"0123456789abcdef", 16, PROTO_TERM_LF}}},
};

/* Copies every line the split can cut now into got. */
static void drain(struct proto_split *split, struct cuts *got)
{
	struct proto_split_line line;
	struct cut *c;

	while (proto_split_next_inline(split, &line)) {
		assert_true(got->n < MAXL);
		c = &got->line[got->n++];
		assert_true(line.len <= PROTO_LINE_KEEP);
		memcpy(c->text, line.text, line.len);
		c->len = line.len;
		c->wire = line.wire;
		c->term = line.term;
		c->clipped = line.clipped;
		c->dropped_flags = line.dropped_flags;
	}
}

/* Gives the split one chunk: lent as the sources lend it, or fed as a copy. */
static void give(struct proto_split *split, const char *p, size_t len, bool lend, struct cuts *got)
{
	char *copy = malloc(len + 1);

	/* A copy of exactly len bytes, freed before the next chunk: overreads and stale reads show.
	 */
	assert_non_null(copy);
	memcpy(copy, p, len);
	if (lend && proto_split_pending(split) == 0 && !split->clipping) {
		proto_split_lend(split, copy, len);
		drain(split, got);
		assert_int_equal(proto_split_keep(split), 0);
	} else {
		assert_int_equal(proto_split_feed(split, copy, len), 0);
		drain(split, got);
	}
	free(copy);
}

static void cut_in_two(const char *in, size_t len, size_t at, bool lend, struct cuts *got)
{
	struct proto_split split;

	memset(got, 0, sizeof *got);
	proto_split_init(&split);
	give(&split, in, at, lend, got);
	give(&split, in + at, len - at, lend, got);
	proto_split_eof(&split);
	drain(&split, got);
	proto_split_free(&split);
}

static void check_same(const char *name, const struct cuts *a, const struct cuts *b, size_t at)
{
	size_t i;

	if (a->n != b->n)
		fail_msg("%s, cut at %zu: %zu lines, want %zu", name, at, b->n, a->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(b->line[i].len, a->line[i].len);
		assert_memory_equal(b->line[i].text, a->line[i].text, a->line[i].len);
		assert_int_equal(b->line[i].wire, a->line[i].wire);
		assert_int_equal(b->line[i].term, a->line[i].term);
		assert_int_equal(b->line[i].clipped, a->line[i].clipped);
		assert_int_equal(b->line[i].dropped_flags, a->line[i].dropped_flags);
	}
}

static void check_want(const struct scase *c, const struct cuts *got)
{
	size_t i;

	for (i = 0; i < MAXL && c->line[i].text != NULL; i++) {
		assert_true(i < got->n);
		assert_int_equal(got->line[i].len, c->line[i].len);
		assert_memory_equal(got->line[i].text, c->line[i].text, c->line[i].len);
		assert_int_equal(got->line[i].term, c->line[i].term);
		assert_false(got->line[i].clipped);
	}
	assert_int_equal(got->n, i);
}

static void run_case(const char *name, const char *in, size_t len, const struct scase *c)
{
	struct cuts *whole = calloc(1, sizeof *whole), *got = calloc(1, sizeof *got);
	size_t at;

	assert_non_null(whole);
	assert_non_null(got);
	print_message("case: %s\n", name);
	cut_in_two(in, len, len, false, whole);
	if (c != NULL)
		check_want(c, whole);
	for (at = 0; at <= len; at++) {
		cut_in_two(in, len, at, true, got);
		check_same(name, whole, got, at);
		cut_in_two(in, len, at, false, got);
		check_same(name, whole, got, at);
	}
	free(whole);
	free(got);
}

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(cases[i].name, cases[i].in,
		         cases[i].len ? cases[i].len : strlen(cases[i].in), &cases[i]);
}

/*
 * A line longer than PROTO_LINE_KEEP between two short ones, its dropped
 * part holding a control byte, with CR LF, a bare CR, and no ending.
 */
static void test_clipped(void **state)
{
	static const char *const ends[] = {"\r\n", "\r\r\n", "", "\r"};
	size_t keep = PROTO_LINE_KEEP, len, i, e;
	char *in = malloc(keep + 64);
	struct cuts *got = calloc(1, sizeof *got);

	(void)state;
	assert_non_null(in);
	assert_non_null(got);
	for (e = 0; e < sizeof ends / sizeof ends[0]; e++) {
		memcpy(in, "ab\n", 3);
		len = 3;
		for (i = 0; i < keep + 20; i++)
			in[len++] = (char)('a' + i % 26);
		in[len - 5] = '\x01';
		memcpy(in + len, ends[e], strlen(ends[e]));
		len += strlen(ends[e]);
		if (ends[e][0] != '\0' && ends[e][strlen(ends[e]) - 1] == '\n') {
			memcpy(in + len, "z\n", 2);
			len += 2;
		}
		run_case("clipped", in, len, NULL);
		cut_in_two(in, len, len, false, got);
		assert_true(got->n >= 2);
		assert_true(got->line[1].clipped);
		assert_int_equal(got->line[1].len, keep);
		assert_true(got->line[1].dropped_flags & PROTO_L_CTRL);
	}
	free(in);
	free(got);
}

/*
 * proto_find_lf, whose 64-byte test covers short lines: an LF at every
 * place of a buffer of every size up to 200 bytes (allocated to its size, so
 * that an overread shows under ASan), a second LF after it, and none.
 */
static void test_find_lf(void **state)
{
	size_t size, at;
	char *buf;

	(void)state;
	for (size = 0; size <= 200; size++) {
		buf = malloc(size ? size : 1);
		assert_non_null(buf);
		memset(buf, 'a', size);
		assert_null(proto_find_lf(buf, size));
		for (at = 0; at < size; at++) {
			memset(buf, 'a', size);
			buf[at] = '\n';
			if (at + 3 < size)
				buf[at + 3] = '\n';
			assert_ptr_equal(proto_find_lf(buf, size), buf + at);
		}
		free(buf);
	}
}

/*
 * The word-at-a-time scan of proto_scan against its byte-at-a-time path
 * (lines under 8 bytes): every byte value, at every place of lines of 8 to
 * 40 bytes of letters, earns the flags it earns alone, and the word test
 * calls the line clean exactly when that byte earns none (but HT, allowed
 * yet left to the byte scan).
 */
static void test_scan_words(void **state)
{
	char line[40];
	size_t len, at;
	unsigned b;
	char c;

	(void)state;
	for (len = 8; len <= sizeof line; len++)
		for (at = 0; at < len; at++)
			for (b = 0; b < 256; b++) {
				memset(line, 'a', sizeof line);
				c = (char)b;
				line[at] = c;
				assert_int_equal(proto_scan(line, len), proto_scan(&c, 1));
				assert_int_equal(proto_scan_clean(line, len),
				                 proto_scan(&c, 1) == 0 && c != '\t');
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_clipped),
	    cmocka_unit_test(test_find_lf),
	    cmocka_unit_test(test_scan_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
