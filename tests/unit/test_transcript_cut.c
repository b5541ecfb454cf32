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

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"

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
static void check_cut(const char *in, size_t k, size_t mid, enum proto_format want,
                      const struct got *whole, struct got *got)
{
	enum proto_format format;
	unsigned complete = 0, cut;
	bool partial = k > 0 && in[k - 1] != '\n';
	size_t i, j = 0;

	for (i = 0; i < k; i++)
		complete += in[i] == '\n';
	cut = read_back(in, k, mid, got, &format);
	if (k > 0)
		assert_int_equal(format, want);
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

static void cut_everywhere(const char *name, enum proto_format want)
{
	struct got *whole = calloc(1, sizeof *whole), *got = calloc(1, sizeof *got);
	enum proto_format format;
	size_t len, k;
	char *in = load(name, &len);

	assert_non_null(whole);
	assert_non_null(got);
	assert_int_equal(read_back(in, len, len / 2, whole, &format), 0);
	assert_int_equal(format, want);
	assert_true(whole->count > 10);
	for (k = 0; k <= len; k++) {
		check_cut(in, k, k, want, whole, got);
		check_cut(in, k, k / 2, want, whole, got);
	}
	free(in);
	free(whole);
	free(got);
}

static void test_cut_control_chars(void **state)
{
	(void)state;
	cut_everywhere("control-chars.txt", PROTO_FORMAT_TRANSCRIPT);
}

static void test_cut_bare_lf(void **state)
{
	(void)state;
	cut_everywhere("bare-lf.txt", PROTO_FORMAT_TRANSCRIPT);
}

static void test_cut_control_chars_jsonl(void **state)
{
	(void)state;
	cut_everywhere("control-chars.jsonl", PROTO_FORMAT_JSONL);
}

static void test_cut_bare_lf_jsonl(void **state)
{
	(void)state;
	cut_everywhere("bare-lf.jsonl", PROTO_FORMAT_JSONL);
}

/* Both forms of one session give the same lines: direction, TLS, bytes, ending. */
static void same_session(const char *text, const char *jsonl)
{
	struct got *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	enum proto_format format;
	size_t alen, blen, i;
	char *ain = load(text, &alen), *bin = load(jsonl, &blen);

	assert_non_null(a);
	assert_non_null(b);
	read_back(ain, alen, 0, a, &format);
	read_back(bin, blen, 0, b, &format);
	assert_int_equal(a->count, b->count);
	for (i = 0; i < a->count; i++) {
		b->line[i].n = a->line[i].n; /* the files number their lines apart */
		same_line(&a->line[i], &b->line[i]);
	}
	free(ain);
	free(bin);
	free(a);
	free(b);
}

/* Lines the writer never makes: read without a crash, as notes or in part. */
static void test_jsonl_odd_lines(void **state)
{
	static const struct {
		const char *in;
		int dir; /* of the one line read; -1: none; 9: a note holding the line */
		const char *text;
		size_t len;
	} cases[] = {
	    {"{\"t\":\"x\",\"dir\":\"server\",\"text\":\"250 a\\u00ff\\u0000\\n\"}\n",
	     PROTO_DIR_SERVER, "250 a\xff\0\n", 8},
	    {"{\"t\":\"x\",\"dir\":\"client\",\"text\":\"EHLO \\u263a\"}\n", PROTO_DIR_CLIENT,
	     "EHLO \xe2\x98\xba", 8},
	    {"{\"t\":\"x\",\"dir\":\"server\",\"text\":\"250 cut\n", PROTO_DIR_SERVER, "250 cut",
	     7},
	    {"{\"t\":\"x\",\"dir\":\"server\",\"findings\":[\"a]\",\n", PROTO_DIR_SERVER, "", 0},
	    {"{\"t\":\"x\",\"finding\":\"bare-lf\",\"line\":3}\n", -1, NULL, 0},
	    {"{\"t\":\"x\",\"dir\":\n", -1, NULL, 0},
	    {"{\"t\":\"x\",\"dir\" \"server\"}\n", 9, NULL, 0},
	    {"{\"t\":\"x\",\"text\":\"\\u12\"}\n", 9, NULL, 0},
	};
	struct got *got = calloc(1, sizeof *got);
	enum proto_format format;
	size_t i;

	(void)state;
	assert_non_null(got);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(read_back(cases[i].in, strlen(cases[i].in), 3, got, &format), 0);
		assert_int_equal(format, PROTO_FORMAT_JSONL);
		assert_int_equal(got->count, cases[i].dir < 0 ? 0 : 1);
		if (cases[i].dir < 0)
			continue;
		if (cases[i].dir == 9) {
			assert_int_equal(got->line[0].dir, PROTO_DIR_INFO);
			assert_int_equal(got->line[0].len, strlen(cases[i].in) - 1);
			continue;
		}
		assert_int_equal(got->line[0].dir, cases[i].dir);
		assert_int_equal(got->line[0].len, cases[i].len);
		assert_memory_equal(got->line[0].text, cases[i].text, cases[i].len);
	}
	free(got);
}

static void test_text_and_jsonl_agree(void **state)
{
	(void)state;
	same_session("control-chars.txt", "control-chars.jsonl");
	same_session("bare-lf.txt", "bare-lf.jsonl");
}

/* The times a source saw for its lines, in ms since the epoch. */
struct times {
	struct proto_source *src;
	long long ms[8];
	size_t count;
};

static void on_timed_line(void *ctx, const struct proto_lint_line *line)
{
	struct times *t = ctx;

	(void)line;
	if (t->count < 8)
		t->ms[t->count++] = proto_source_time_ms(t->src);
}

static void on_timed_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	(void)ctx;
	(void)id;
	(void)n;
}

static void read_times_if(const char *in, struct times *t, bool read)
{
	static const struct proto_lint_ops timed_ops = {on_timed_line, on_timed_finding};

	memset(t, 0, sizeof *t);
	t->src = proto_source_new(PROTO_FORMAT_AUTO, &timed_ops, t);
	assert_non_null(t->src);
	proto_source_read_times(t->src, read);
	proto_source_feed(t->src, in, strlen(in));
	proto_source_end(t->src);
	proto_source_free(t->src);
}

static void read_times(const char *in, struct times *t)
{
	read_times_if(in, t, true);
}

/* Each line of both forms comes with the time it was recorded; a raw paste with none. */
static void test_line_times(void **state)
{
	struct times t;
	long long ms = 0;

	(void)state;
	read_times("# smtpscope transcript 1\n"
	           "2026-11-22T07:10:00.123Z <-  220 mx.example\n"
	           "2028-02-29T23:59:59.999Z  -> EHLO c.example\n"
	           "garbage without a time\n",
	           &t);
	assert_int_equal(t.count, 3);
	assert_true(t.ms[0] == 1795331400123LL);
	assert_true(t.ms[1] == 1835481599999LL);
	assert_true(t.ms[2] == 0);
	read_times("{\"t\":\"1970-01-01T00:00:01.002Z\",\"n\":1,\"dir\":\"server\","
	           "\"text\":\"220 x\"}\n",
	           &t);
	assert_int_equal(t.count, 1);
	assert_true(t.ms[0] == 1002);
	/* Within one minute only the seconds are read again; they are still checked. */
	read_times("# smtpscope transcript 1\n"
	           "2026-11-22T07:10:00.123Z <-  220 mx.example\n"
	           "2026-11-22T07:10:59.001Z  -> EHLO c.example\n"
	           "2026-11-22T07:10:6x.001Z <-  250-mx.example\n"
	           "2026-11-22T07:10:60.000Z <-  250-8BITMIME\n"
	           "2026-11-22T07:10:61.000Z <-  250-SIZE\n"
	           "2026-11-22T07:11:00.000Z <-  250 HELP\n",
	           &t);
	assert_int_equal(t.count, 6);
	assert_true(t.ms[0] == 1795331400123LL);
	assert_true(t.ms[1] == 1795331459001LL);
	assert_true(t.ms[2] == 0);
	assert_true(t.ms[3] == 1795331460000LL);
	assert_true(t.ms[4] == 0);
	assert_true(t.ms[5] == 1795331460000LL);
	read_times("220 mx.example\n", &t);
	assert_true(t.count == 1 && t.ms[0] == 0);
	assert_int_equal(proto_time_parse("2026-13-01T00:00:00.000Z", 24, &ms), -1);
	assert_int_equal(proto_time_parse("2026-11-22T07:10:00.12xZ", 24, &ms), -1);
}

/* With time stamps turned off, every line of a transcript comes with 0, and still comes. */
static void test_line_times_off(void **state)
{
	static const char in[] = "# smtpscope transcript 1\n"
	                         "2026-11-22T07:10:00.123Z <-  220 mx.example\n"
	                         "2026-11-22T07:10:59.001Z  -> EHLO c.example\n"
	                         "garbage without a time\n";
	struct times t;
	size_t i;

	(void)state;
	read_times_if(in, &t, false);
	assert_int_equal(t.count, 3);
	for (i = 0; i < t.count; i++)
		assert_true(t.ms[i] == 0);
	read_times_if(in, &t, true);
	assert_true(t.count == 3 && t.ms[0] == 1795331400123LL);
}

/*
 * Of every three bytes drawn from the marks' own and a few others, only the
 * twelve marks make a line of swaks: the marks' hash lets no other through.
 */
static void test_swaks_marks_only(void **state)
{
	static const char *const marks[] = {"<- ", "<~ ", "<**", "<~*", "<  ", " ->",
	                                    " ~>", "  >", "**>", "*~>", "***", "==="};
	static const char bytes[] = "<-~* >=x\0\377";
	char line[5] = {0, 0, 0, ' ', '\n'};
	size_t a, b, c, m, nbytes = sizeof bytes - 1;
	bool mark;

	(void)state;
	for (a = 0; a < nbytes; a++)
		for (b = 0; b < nbytes; b++)
			for (c = 0; c < nbytes; c++) {
				line[0] = bytes[a];
				line[1] = bytes[b];
				line[2] = bytes[c];
				for (m = 0, mark = false; m < 12; m++)
					mark = mark || memcmp(line, marks[m], 3) == 0;
				assert_int_equal(proto_format_detect(line, 5) == PROTO_FORMAT_SWAKS,
				                 mark);
				assert_int_equal(proto_format_detect(line, 3) == PROTO_FORMAT_SWAKS,
				                 mark);
			}
}

/* Every swaks mark, and lines that only look like one, with their direction and TLS. */
static void test_swaks_marks(void **state)
{
	static const struct {
		const char *line;
		enum proto_dir dir;
		bool tls;
		const char *text;
	} cases[] = {
	    {"<-  220 a", PROTO_DIR_SERVER, false, "220 a"},
	    {" -> EHLO b", PROTO_DIR_CLIENT, false, "EHLO b"},
	    {"<~  250 c", PROTO_DIR_SERVER, true, "250 c"},
	    {" ~> QUIT", PROTO_DIR_CLIENT, true, "QUIT"},
	    {"<** 554 d", PROTO_DIR_SERVER, false, "554 d"},
	    {"<~* 554 e", PROTO_DIR_SERVER, true, "554 e"},
	    {"<   250 f", PROTO_DIR_SERVER, false, "250 f"},
	    {"  > DATA", PROTO_DIR_CLIENT, false, "DATA"},
	    {"**> RCPT", PROTO_DIR_CLIENT, false, "RCPT"},
	    {"*~> MAIL", PROTO_DIR_CLIENT, true, "MAIL"},
	    {"*** error", PROTO_DIR_INFO, false, "error"},
	    {"=== note", PROTO_DIR_INFO, false, "note"},
	    {"===", PROTO_DIR_INFO, false, ""},
	    {"<-x 250 g", PROTO_DIR_INFO, false, "<-x 250 g"},
	    {"<--  250 h", PROTO_DIR_INFO, false, "<--  250 h"},
	    {"==> i", PROTO_DIR_INFO, false, "==> i"},
	    {"~~> j", PROTO_DIR_INFO, false, "~~> j"},
	    {"=== k", PROTO_DIR_INFO, false, "k"},
	};
	char in[1024];
	size_t i, len = 0;
	struct got *got = calloc(1, sizeof *got);
	struct proto_source *src;

	(void)state;
	assert_non_null(got);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		len += (size_t)snprintf(in + len, sizeof in - len, "%s\n", cases[i].line);
	src = proto_source_new(PROTO_FORMAT_SWAKS, &ops, got);
	assert_non_null(src);
	assert_int_equal(proto_source_feed(src, in, len), 0);
	assert_int_equal(proto_source_end(src), 0);
	proto_source_free(src);
	assert_int_equal(got->count, sizeof cases / sizeof cases[0]);
	for (i = 0; i < got->count; i++) {
		assert_int_equal(got->line[i].dir, cases[i].dir);
		assert_int_equal(got->line[i].tls, cases[i].tls);
		assert_int_equal(got->line[i].len, strlen(cases[i].text));
		assert_memory_equal(got->line[i].text, cases[i].text, got->line[i].len);
	}
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_control_chars),
	    cmocka_unit_test(test_cut_bare_lf),
	    cmocka_unit_test(test_cut_control_chars_jsonl),
	    cmocka_unit_test(test_cut_bare_lf_jsonl),
	    cmocka_unit_test(test_jsonl_odd_lines),
	    cmocka_unit_test(test_text_and_jsonl_agree),
	    cmocka_unit_test(test_line_times),
	    cmocka_unit_test(test_line_times_off),
	    cmocka_unit_test(test_swaks_marks),
	    cmocka_unit_test(test_swaks_marks_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
