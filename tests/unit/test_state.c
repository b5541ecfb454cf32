/*
 * test_state.c: a source saved between two feeds and restored reads on
 * exactly as the one never stopped: every corpus file, cut at every byte.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"

#define LOG_MAX (8u << 20)

/* What a source reported, written out as text to compare. */
struct log {
	char *buf;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void log_add(struct log *log, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(log->buf + log->len, LOG_MAX - log->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < LOG_MAX - log->len);
	log->len += (size_t)n;
}

static void on_line(void *ctx, const struct proto_lint_line *l)
{
	struct log *log = ctx;
	unsigned i;

	log_add(ctx, "%u %d %d %d %x %d %d [", l->n, l->dir, l->tls, l->role, l->flags, l->term,
	        l->ehlo != NULL ? (int)l->ehlo->role : -1);
	assert_true(l->len < LOG_MAX - log->len);
	memcpy(log->buf + log->len, l->text, l->len);
	log->len += l->len;
	log_add(ctx, "]");
	for (i = 0; i < l->nfindings; i++)
		log_add(ctx, " %d", l->finding[i]);
	log_add(ctx, "\n");
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	log_add(ctx, "finding %d on %u\n", id, n);
}

static const struct proto_lint_ops ops = {on_line, on_finding};

/* The matrix's EHLO reply, as the linter kept it. */
static void log_first(struct log *log, const struct proto_source *src)
{
	unsigned first = 0;
	const struct proto_reply *r = proto_lint_first_ehlo(proto_source_lint(src), &first);
	unsigned i;

	if (r == NULL)
		return;
	log_add(log, "first %u %d %u:", first, r->code, r->nkept);
	for (i = 0; i < r->nkept; i++)
		log_add(log, " %.*s", (int)r->line[i].len, r->line[i].text);
	log_add(log, "\n");
}

/* Reads the file whole, or stops after cut bytes, saves, restores and reads on. */
static void run(const char *text, size_t len, size_t cut, struct log *log)
{
	struct proto_source *src = proto_source_new(PROTO_FORMAT_AUTO, &ops, log);
	struct proto_state *state;

	assert_non_null(src);
	log->len = 0;
	proto_source_feed(src, text, cut);
	state = proto_source_save(src);
	assert_non_null(state);
	{
		proto_source_free(src);
		src = proto_source_restore(state, &ops, log);
		assert_non_null(src);
		assert_true(proto_state_size(state) < 64 * 1024 + cut);
		proto_state_free(state);
	}
	proto_source_feed(src, text + cut, len - cut);
	proto_source_end(src);
	log_first(log, src);
	proto_source_free(src);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(LOG_MAX);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, LOG_MAX, f);
	fclose(f);
	return buf;
}

/*
 * A source holds its first PROTO_DETECT_BYTES back to learn the format, so
 * the file is repeated past them: a save then falls between lines read.
 */
static char *repeat(const char *text, size_t len, size_t *total)
{
	char *big = malloc(PROTO_DETECT_BYTES + 4 * len + 1);
	size_t at = 0;

	assert_non_null(big);
	while (at < PROTO_DETECT_BYTES + 2 * len) {
		memcpy(big + at, text, len);
		at += len;
	}
	*total = at;
	return big;
}

/* Every cut near the end of detection, and one in 4999 elsewhere, gives the uncut log. */
static void check_file(const char *path)
{
	struct log whole = {malloc(LOG_MAX), 0}, cut = {malloc(LOG_MAX), 0};
	size_t one, len, k;
	char *file = slurp(path, &one), *text;

	assert_non_null(whole.buf);
	assert_non_null(cut.buf);
	assert_true(one > 0);
	text = repeat(file, one, &len);
	run(text, len, 0, &whole);
	assert_true(whole.len > 0);
	for (k = 0; k <= len; k++) {
		if (k % 4999 != 0 &&
		    (k < PROTO_DETECT_BYTES - 64 || k > PROTO_DETECT_BYTES + one + 64))
			continue;
		run(text, len, k, &cut);
		if (cut.len != whole.len || memcmp(cut.buf, whole.buf, whole.len) != 0)
			fail_msg("%s: restored after byte %zu, the lines differ", path, k);
	}
	free(file);
	free(text);
	free(whole.buf);
	free(cut.buf);
}

/* Runs check_file on every file of a corpus folder whose name ends in suffix. */
static unsigned check_dir(const char *dir, const char *suffix)
{
	char path[4096];
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n, s = strlen(suffix);
	unsigned count = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n < s || strcmp(e->d_name + n - s, suffix) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		check_file(path);
		count++;
	}
	closedir(d);
	return count;
}

static void test_lint_corpus(void **state)
{
	(void)state;
	assert_true(check_dir(SMTPSCOPE_SOURCE_DIR "/tests/data/lint", ".in") >= 8);
}

static void test_transcript_corpus(void **state)
{
	(void)state;
	assert_true(check_dir(SMTPSCOPE_SOURCE_DIR "/tests/data/transcript", "") >= 1);
}

/* A state cut short is refused at every length, never read past its end. */
static void test_short_state(void **state)
{
	static const char text[] = "220 a ESMTP\r\nEHLO b\r\n250-a\r\n250 STARTTLS\r\n";
	struct log log = {malloc(LOG_MAX), 0};
	struct proto_source *src = proto_source_new(PROTO_FORMAT_RAW, &ops, &log), *back;
	struct proto_state *saved;
	size_t len, size;

	(void)state;
	proto_source_feed(src, text, 30);
	saved = proto_source_save(src);
	assert_non_null(saved);
	size = proto_state_size(saved);
	for (len = 0; len < size; len += 1 + len / 16) {
		back = proto_source_restore_bytes(proto_state_bytes(saved), len, &ops, &log);
		assert_null(back);
	}
	back = proto_source_restore_bytes(proto_state_bytes(saved), size, &ops, &log);
	assert_non_null(back);
	proto_source_free(back);
	proto_state_free(saved);
	proto_source_free(src);
	free(log.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lint_corpus),
	    cmocka_unit_test(test_transcript_corpus),
	    cmocka_unit_test(test_short_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
