/*
 * test_reader.c: the reply reader, every case fed whole, split at every
 * byte offset, and one byte at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/reader.h"
#include "proto/reply.h"
#include "proto/split.h"

#define MAXL 12

struct want {
	const char *text; /* expected kept text; NULL ends the list */
	unsigned flags;
	int code;
	bool last;
	size_t tlen; /* 0: strlen(text) */
};

struct rcase {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	unsigned options;
	bool inside_at_end;
	struct want line[MAXL];
};

#define CTL PROTO_L_CTRL
#define BAD PROTO_L_BAD_CODE

static const struct rcase cases[] = {
    {"field note, misordered",
     "250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"
     "250-DELIVERBY 300\r\n250 SIZE 30000000\r\n",
     0,
     0,
     false,
     {{"250-STARTTLS", 0, 250, false},
      {"250-mail.domain1.com", 0, 250, false},
      {"250-8BITMIME", 0, 250, false},
      {"250-PIPELINING", 0, 250, false},
      {"250-HELP", 0, 250, false},
      {"250-DELIVERBY 300", 0, 250, false},
      {"250 SIZE 30000000", 0, 250, true}}},
    {"two replies",
     "220 hi\r\n250-a\r\n250 b\r\n",
     0,
     0,
     false,
     {{"220 hi", 0, 220, true}, {"250-a", 0, 250, false}, {"250 b", 0, 250, true}}},
    {"bare LF",
     "250-a\n250 b\r\n",
     0,
     0,
     false,
     {{"250-a", PROTO_L_BARE_LF, 250, false}, {"250 b", 0, 250, true}}},
    {"bare LF, endings unknown",
     "250-a\n250 b\n",
     0,
     PROTO_READER_ENDINGS_UNKNOWN,
     false,
     {{"250-a", 0, 250, false}, {"250 b", 0, 250, true}}},
    {"CR without LF",
     "250-a\rb\r\n250 c\r\n",
     0,
     0,
     false,
     {{"250-a\rb", PROTO_L_BARE_CR, 250, false}, {"250 c", 0, 250, true}}},
    {"not a code", "hello\r\n", 0, 0, false, {{"hello", BAD, -1, true}}},
    {"first digit 1", "199 x\r\n", 0, 0, false, {{"199 x", BAD, 199, true}}},
    {"second digit 6", "260 x\r\n", 0, 0, false, {{"260 x", BAD, 260, true}}},
    {"short line", "25\r\n", 0, 0, false, {{"25", BAD, -1, true}}},
    {"empty line", "\r\n", 0, 0, false, {{"", BAD, -1, true}}},
    {"code alone", "250\r\n", 0, 0, false, {{"250", 0, 250, true}}},
    {"no space after code",
     "250-a\r\n250STARTTLS\r\n",
     0,
     0,
     false,
     {{"250-a", 0, 250, false}, {"250STARTTLS", PROTO_L_NO_SEP, 250, true}}},
    {"mixed codes",
     "250-a\r\n251-b\r\n250 c\r\n",
     0,
     0,
     false,
     {{"250-a", 0, 250, false},
      {"251-b", PROTO_L_MIXED_CODE, 251, false},
      {"250 c", 0, 250, true}}},
    {"NUL and ESC",
     "250 a\0b\033[31m\r\n",
     14,
     0,
     false,
     {{"250 a\0b\033[31m", CTL, 250, true, 12}}},
    {"HT is allowed", "250 a\tb\r\n", 0, 0, false, {{"250 a\tb", 0, 250, true}}},
    {"DEL", "250 a\177\r\n", 0, 0, false, {{"250 a\177", CTL, 250, true}}},
    {"8-bit", "250 caf\303\251\r\n", 0, 0, false, {{"250 caf\303\251", PROTO_L_8BIT, 250, true}}},
    {"input ends inside a reply",
     "250-a\r\n250-b",
     0,
     0,
     true,
     {{"250-a", 0, 250, false}, {"250-b", PROTO_L_NO_EOL, 250, false}}},
    {"CR at the end of input",
     "250 a\r",
     0,
     0,
     false,
     {{"250 a\r", PROTO_L_BARE_CR | PROTO_L_NO_EOL, 250, true}}},
};

struct got {
	unsigned n;
	char text[MAXL][PROTO_LINE_KEEP + 1];
	size_t len[MAXL];
	struct proto_line line[MAXL];
};

static void drain(struct proto_reader *r, struct got *got)
{
	struct proto_line line;

	while (proto_reader_next(r, &line)) {
		assert_true(got->n < MAXL);
		memcpy(got->text[got->n], line.text, line.len);
		got->len[got->n] = line.len;
		got->line[got->n++] = line;
	}
}

static void check(const struct rcase *c, const struct got *got, const struct proto_reader *r)
{
	unsigned i;

	for (i = 0; c->line[i].text != NULL; i++) {
		const struct want *w = &c->line[i];
		size_t wlen = w->tlen ? w->tlen : strlen(w->text);
		assert_true(i < got->n);
		assert_int_equal(got->len[i], wlen);
		assert_memory_equal(got->text[i], w->text, wlen);
		assert_int_equal(got->line[i].flags, w->flags);
		assert_int_equal(got->line[i].code, w->code);
		assert_int_equal(got->line[i].last, w->last);
	}
	assert_int_equal(got->n, i);
	assert_int_equal(proto_reader_inside_reply(r), c->inside_at_end);
}

static size_t case_len(const struct rcase *c)
{
	return c->len ? c->len : strlen(c->in);
}

/* Feeds the case as the chunks cut at the given offsets, then EOF. */
static void run_split(const struct rcase *c, size_t cut1, size_t cut2)
{
	struct proto_reader *r = proto_reader_new(c->options);
	struct got *got = calloc(1, sizeof *got);
	size_t len = case_len(c);

	assert_non_null(r);
	assert_non_null(got);
	assert_int_equal(proto_reader_feed(r, c->in, cut1), 0);
	drain(r, got);
	assert_int_equal(proto_reader_feed(r, c->in + cut1, cut2 - cut1), 0);
	drain(r, got);
	assert_int_equal(proto_reader_feed(r, c->in + cut2, len - cut2), 0);
	drain(r, got);
	proto_reader_eof(r);
	drain(r, got);
	check(c, got, r);
	free(got);
	proto_reader_free(r);
}

static void test_cases_whole_and_split(void **state)
{
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = case_len(&cases[i]);
		print_message("case: %s\n", cases[i].name);
		run_split(&cases[i], 0, 0);
		for (k = 0; k <= len; k++)
			run_split(&cases[i], k, k);
		for (k = 0; k + 1 <= len; k++)
			run_split(&cases[i], k, k + 1);
	}
}

static void test_byte_at_a_time(void **state)
{
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct proto_reader *r = proto_reader_new(cases[i].options);
		struct got *got = calloc(1, sizeof *got);

		len = case_len(&cases[i]);
		for (k = 0; k < len; k++) {
			assert_int_equal(proto_reader_feed(r, cases[i].in + k, 1), 0);
			drain(r, got);
		}
		proto_reader_eof(r);
		drain(r, got);
		check(&cases[i], got, r);
		free(got);
		proto_reader_free(r);
	}
}

/* A line of n bytes: "250 " then 'x's, with the given ending. */
static char *long_line(size_t n, const char *ending, size_t *total)
{
	size_t e = strlen(ending);
	char *p = malloc(n + e + 16);

	memcpy(p, "250 ", 4);
	memset(p + 4, 'x', n - 4);
	memcpy(p + n, ending, e);
	memcpy(p + n + e, "250 ok\r\n", 8);
	*total = n + e + 8;
	return p;
}

struct long_want {
	size_t n;
	unsigned flags;
	size_t wire;
};

static void verify_long(const struct proto_line *line, unsigned count, const struct long_want *w)
{
	if (count == 0) {
		assert_int_equal(line->flags, w->flags);
		assert_int_equal(line->wire_len, w->wire);
		assert_int_equal(line->len, w->n > PROTO_LINE_KEEP ? PROTO_LINE_KEEP : w->n);
		assert_memory_equal(line->text, "250 xxxx", 8);
	} else {
		assert_int_equal(count, 1);
		assert_int_equal(line->len, 6);
		assert_int_equal(line->flags, 0);
	}
}

static void check_long(const char *in, size_t total, size_t cut, const struct long_want *w)
{
	struct proto_reader *r = proto_reader_new(0);
	struct proto_line line;
	unsigned count = 0;

	proto_reader_feed(r, in, cut);
	while (proto_reader_next(r, &line))
		verify_long(&line, count++, w);
	proto_reader_feed(r, in + cut, total - cut);
	proto_reader_eof(r);
	while (proto_reader_next(r, &line))
		verify_long(&line, count++, w);
	assert_int_equal(count, 2);
	proto_reader_free(r);
}

static void test_long_lines(void **state)
{
	static const struct {
		size_t n;
		const char *ending;
		unsigned flags;
	} t[] = {
	    {510, "\r\n", 0},
	    {511, "\r\n", PROTO_L_TOO_LONG},
	    {510, "\n", PROTO_L_BARE_LF},
	    {511, "\n", PROTO_L_BARE_LF | PROTO_L_TOO_LONG},
	    {PROTO_LINE_KEEP, "\r\n", PROTO_L_TOO_LONG},
	    {PROTO_LINE_KEEP + 1, "\r\n", PROTO_L_TOO_LONG | PROTO_L_CLIPPED},
	    {PROTO_LINE_KEEP + 1, "\n", PROTO_L_TOO_LONG | PROTO_L_CLIPPED | PROTO_L_BARE_LF},
	    {5000, "\r\n", PROTO_L_TOO_LONG | PROTO_L_CLIPPED},
	    {5000, "\n", PROTO_L_TOO_LONG | PROTO_L_CLIPPED | PROTO_L_BARE_LF},
	};
	size_t i, cut, total;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *in = long_line(t[i].n, t[i].ending, &total);

		struct long_want w = {t[i].n, t[i].flags, t[i].n + strlen(t[i].ending)};

		for (cut = 0; cut <= total; cut++)
			check_long(in, total, cut, &w);
		free(in);
	}
}

/* A hostile endless line: 64 MiB without LF, then a control byte and LF. */
static void test_endless_line(void **state)
{
	struct proto_reader *r = proto_reader_new(0);
	char *chunk = malloc(65536);
	struct proto_line line;
	size_t i;

	(void)state;
	memset(chunk, 'A', 65536);
	memcpy(chunk, "250 ", 4);
	for (i = 0; i < 1024; i++) {
		assert_int_equal(proto_reader_feed(r, chunk, 65536), 0);
		assert_int_equal(proto_reader_next(r, &line), 0);
		memset(chunk, 'A', 4);
	}
	assert_int_equal(proto_reader_feed(r, "\033\r\n", 3), 0);
	assert_int_equal(proto_reader_next(r, &line), 1);
	assert_int_equal(line.len, PROTO_LINE_KEEP);
	assert_int_equal(line.wire_len, 1024u * 65536u + 3u);
	assert_int_equal(line.flags, PROTO_L_TOO_LONG | PROTO_L_CLIPPED | PROTO_L_CTRL);
	assert_true(line.last);
	free(chunk);
	proto_reader_free(r);
}

static void test_reply_assembly(void **state)
{
	static const char in[] = "250-mx.example.org\r\n250-SIZE 100\r\n251 STARTTLS\r\n";
	struct proto_reader *r = proto_reader_new(0);
	const struct proto_reply *reply;
	struct proto_line line;

	(void)state;
	proto_reader_feed(r, in, sizeof in - 1);
	while (proto_reader_next(r, &line) && !line.last)
		assert_false(proto_reader_reply(r)->complete);
	reply = proto_reader_reply(r);
	assert_true(reply->complete);
	assert_int_equal(reply->code, 250);
	assert_int_equal(reply->nlines, 3);
	assert_int_equal(reply->nkept, 3);
	assert_int_equal(reply->flags, PROTO_L_MIXED_CODE);
	assert_int_equal(reply->line[1].len, 12);
	assert_memory_equal(reply->line[1].text, "250-SIZE 100", 12);
	assert_memory_equal(reply->line[2].text, "251 STARTTLS", 12);
	proto_reader_free(r);
}

/* A reply of many lines keeps PROTO_REPLY_KEEP of them and counts the rest. */
static void test_reply_bounded(void **state)
{
	struct proto_reader *r = proto_reader_new(0);
	struct proto_line line;
	unsigned i, n = PROTO_REPLY_KEEP * 3;

	(void)state;
	for (i = 0; i < n; i++) {
		const char *text = i + 1 < n ? "250-KEYWORD\r\n" : "250 LAST\r\n";

		proto_reader_feed(r, text, strlen(text));
		assert_int_equal(proto_reader_next(r, &line), 1);
		assert_int_equal(line.index, i);
	}
	assert_int_equal(proto_reader_reply(r)->nlines, n);
	assert_int_equal(proto_reader_reply(r)->nkept, PROTO_REPLY_KEEP);
	assert_true(proto_reader_reply(r)->complete);
	proto_reader_free(r);
}

static void test_push(void **state)
{
	struct proto_reader *r = proto_reader_new(PROTO_READER_ENDINGS_UNKNOWN);
	struct proto_line line;

	(void)state;
	proto_reader_push(r, "250-a", 5, PROTO_TERM_UNKNOWN, &line);
	assert_int_equal(line.flags, 0);
	assert_false(line.last);
	proto_reader_push(r, "250 b", 5, PROTO_TERM_LF, &line);
	assert_int_equal(line.flags, 0);
	assert_true(line.last);
	proto_reader_free(r);
	r = proto_reader_new(0);
	proto_reader_push(r, "250 b", 5, PROTO_TERM_LF, &line);
	assert_int_equal(line.flags, PROTO_L_BARE_LF);
	proto_reader_free(r);
}

/* Feeds bytes in chunks of at most chunk bytes until a line comes; 1, or 0 when none. */
static int split_line(struct proto_split *split, const char *in, size_t len, size_t chunk,
                      struct proto_split_line *line)
{
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		assert_int_equal(proto_split_feed(split, in + off, n), 0);
		if (off + n < len)
			assert_int_equal(proto_split_next(split, line), 0);
	}
	return proto_split_next(split, line);
}

/* What the lab's command reader counts on: clipping, line ends, pipelined bytes dropped. */
static void test_split_lab(void **state)
{
	static char in[6000];
	struct proto_split split;
	struct proto_split_line line;
	const char *pipe = "EHLO x\r\nSTARTTLS\r\nNOOP\r\n";

	(void)state;
	proto_split_init(&split);
	assert_int_equal(proto_split_feed(&split, pipe, strlen(pipe)), 0);
	assert_int_equal(proto_split_next(&split, &line), 1);
	assert_int_equal(proto_split_next(&split, &line), 1);
	assert_int_equal(proto_split_pending(&split), 6);
	proto_split_discard(&split);
	assert_int_equal(proto_split_pending(&split), 0);
	assert_int_equal(line.len, 8);
	assert_memory_equal(line.text, "STARTTLS", 8);
	assert_int_equal(proto_split_next(&split, &line), 0);
	/* 2048 bytes, then CR at the end of one read and LF at the start of the next. */
	memset(in, 'a', 2048);
	memcpy(in + 2048, "\r\n", 2);
	assert_int_equal(split_line(&split, in, 2050, 2049, &line), 1);
	assert_int_equal(line.len, 2048);
	assert_false(line.clipped);
	assert_int_equal(line.term, PROTO_TERM_CRLF);
	assert_int_equal(line.wire, 2050);
	/* A 5005-byte command read 4096 bytes at a time keeps 2048 bytes. */
	memcpy(in, "EHLO ", 5);
	memset(in + 5, 'a', 5000);
	memcpy(in + 5005, "\r\n", 2);
	assert_int_equal(split_line(&split, in, 5007, 4096, &line), 1);
	assert_true(line.clipped);
	assert_int_equal(line.len, 2048);
	assert_int_equal(line.term, PROTO_TERM_CRLF);
	assert_int_equal(line.wire - 2 - line.len, 2957);
	/* The CR of a clipped line in one read, its LF in the next: still CR LF. */
	memset(in, 'b', 3000);
	in[3000] = '\r';
	in[3001] = '\n';
	assert_int_equal(split_line(&split, in, 3002, 3001, &line), 1);
	assert_true(line.clipped);
	assert_int_equal(line.term, PROTO_TERM_CRLF);
	assert_int_equal(line.wire, 3002);
	/* A bare LF ends a line too, and says so. */
	assert_int_equal(split_line(&split, ".\n", 2, 2, &line), 1);
	assert_int_equal(line.term, PROTO_TERM_LF);
	assert_int_equal(line.len, 1);
	assert_int_equal(line.wire, 2);
	proto_split_free(&split);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases_whole_and_split),
	    cmocka_unit_test(test_byte_at_a_time),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_endless_line),
	    cmocka_unit_test(test_reply_assembly),
	    cmocka_unit_test(test_reply_bounded),
	    cmocka_unit_test(test_push),
	    cmocka_unit_test(test_split_lab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
