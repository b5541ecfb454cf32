/*
 * test_transcript_cut.c: transcripts written by the real program (check
 * against the lab, kept in tests/data/transcript), cut at every byte offset
 * as a writer killed mid-line leaves them, and read back by the source
 * reader: every complete line comes back as in the whole file, the line cut
 * short is left out with a note, nothing else is added.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define MAX_LINES 256

struct got_line {
	unsigned n;
	enum proto_dir dir;
	bool tls;
	unsigned flags;
	size_t len;
	char text[PROTO_LINE_KEEP];
};

struct got {
	struct got_line line[MAX_LINES];
	size_t count;
};

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct got *got = ctx;
	struct got_line *l;

	assert_true(got->count < MAX_LINES);
	l = &got->line[got->count++];
	l->n = line->n;
	l->dir = line->dir;
	l->tls = line->tls;
	l->flags = line->flags;
	l->len = line->len < sizeof l->text ? line->len : sizeof l->text;
	memcpy(l->text, line->text, l->len);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	(void)ctx;
	(void)id;
	(void)n;
}

static const struct proto_lint_ops ops = {on_line, on_finding};

static char *load(const char *name, size_t *len)
{
	char path[512];
	FILE *fp;
	char *buf = malloc(1 << 20);

	snprintf(path, sizeof path, "%s/tests/data/transcript/%s", SMTPSCOPE_SOURCE_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	assert_true(*len > 0 && *len < (1 << 20));
	return buf;
}

/* Reads in[0..len) in two chunks split at mid; returns the line the input was cut in. */
static unsigned read_back(const char *in, size_t len, size_t mid, struct got *got,
                          enum proto_format *format)
{
	struct proto_source *src = proto_source_new(PROTO_FORMAT_AUTO, &ops, got);
	unsigned cut;

	assert_non_null(src);
	got->count = 0;
	assert_int_equal(proto_source_feed(src, in, mid), 0);
	assert_int_equal(proto_source_feed(src, in + mid, len - mid), 0);
	assert_int_equal(proto_source_end(src), 0);
	*format = proto_source_format(src);
	cut = proto_source_cut(src);
	proto_source_free(src);
	return cut;
}

static void same_line(const struct got_line *a, const struct got_line *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->dir, b->dir);
	assert_int_equal(a->tls, b->tls);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->text, b->text, a->len);
}

/* The prefix of k bytes against the whole file's lines. */
static void check_cut(const char *in, size_t k, size_t mid, const struct got *whole,
                      struct got *got)
{
	enum proto_format format;
	unsigned complete = 0, cut;
	bool partial = k > 0 && in[k - 1] != '\n';
	size_t i, j = 0;

	for (i = 0; i < k; i++)
		complete += in[i] == '\n';
	cut = read_back(in, k, mid, got, &format);
	if (k > 0)
		assert_int_equal(format, PROTO_FORMAT_TRANSCRIPT);
	assert_int_equal(cut, partial ? complete + 1 : 0);
	for (i = 0; i < whole->count && whole->line[i].n <= complete; i++) {
		assert_true(j < got->count);
		same_line(&got->line[j++], &whole->line[i]);
	}
	if (partial) {
		assert_int_equal(got->count, j + 1);
		assert_int_equal(got->line[j].n, complete + 1);
		assert_int_equal(got->line[j].dir, PROTO_DIR_INFO);
		got->line[j].text[got->line[j].len] = '\0';
		assert_non_null(strstr(got->line[j].text, "ends in the middle of line"));
	} else {
		assert_int_equal(got->count, j);
	}
}

static void cut_everywhere(const char *name)
{
	struct got *whole = calloc(1, sizeof *whole), *got = calloc(1, sizeof *got);
	enum proto_format format;
	size_t len, k;
	char *in = load(name, &len);

	assert_non_null(whole);
	assert_non_null(got);
	assert_int_equal(read_back(in, len, len / 2, whole, &format), 0);
	assert_int_equal(format, PROTO_FORMAT_TRANSCRIPT);
	assert_true(whole->count > 10);
	for (k = 0; k <= len; k++) {
		check_cut(in, k, k, whole, got);
		check_cut(in, k, k / 2, whole, got);
	}
	free(in);
	free(whole);
	free(got);
}

static void test_cut_control_chars(void **state)
{
	(void)state;
	cut_everywhere("control-chars.txt");
}

static void test_cut_bare_lf(void **state)
{
	(void)state;
	cut_everywhere("bare-lf.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_control_chars),
	    cmocka_unit_test(test_cut_bare_lf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
