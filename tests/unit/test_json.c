/*
 * test_json.c: the JSON writer of src/cli/json.c. Commas and newlines come
 * out where the nesting puts them, every byte 0-255 is escaped as before
 * (our text: controls, DEL, quote and backslash; peer bytes: 8-bit too, as
 * proto_escape_json does), long runs and runs split at every offset come out
 * whole, and misuse aborts (checked in a child process).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/escape.h"
#include "proto/reply.h"
#include "cli.h"

/* The writer on a temporary file, read back whole at the end. */
struct capture {
	FILE *file;
	struct cli_out out;
	struct cli_json j;
	char *text;
	size_t len;
};

static void capture_begin(struct capture *c)
{
	c->file = tmpfile();
	assert_non_null(c->file);
	cli_out_init(&c->out, fileno(c->file), false);
	cli_json_init(&c->j, &c->out);
	c->text = NULL;
	c->len = 0;
}

static void capture_end(struct capture *c)
{
	long size;

	assert_int_equal(cli_out_flush(&c->out), 0);
	size = lseek(fileno(c->file), 0, SEEK_END);
	assert_true(size >= 0);
	c->len = (size_t)size;
	c->text = malloc(c->len + 1);
	assert_non_null(c->text);
	assert_int_equal(pread(fileno(c->file), c->text, c->len, 0), (ssize_t)c->len);
	c->text[c->len] = '\0';
	fclose(c->file);
}

static void assert_output(struct capture *c, const char *want)
{
	capture_end(c);
	assert_string_equal(c->text, want);
	free(c->text);
}

static void test_nesting_and_commas(void **state)
{
	struct capture c;

	(void)state;
	capture_begin(&c);
	cli_json_object(&c.j);
	cli_json_key_str(&c.j, "a", "x");
	cli_json_key(&c.j, "b");
	cli_json_array(&c.j);
	cli_json_uint(&c.j, 0);
	cli_json_uint(&c.j, 4294967295UL);
	cli_json_object(&c.j);
	cli_json_end(&c.j);
	cli_json_array(&c.j);
	cli_json_end(&c.j);
	cli_json_null(&c.j);
	cli_json_bool(&c.j, true);
	cli_json_bool(&c.j, false);
	cli_json_end(&c.j);
	cli_json_key_object(&c.j, "c");
	cli_json_key_null(&c.j, "d");
	cli_json_key_bool(&c.j, "e", false);
	cli_json_key_uint(&c.j, "f", 12);
	cli_json_key_bytes(&c.j, "g", "y\0z", 3);
	cli_json_key_array(&c.j, "h");
	cli_json_end(&c.j);
	cli_json_end(&c.j);
	cli_json_end(&c.j);
	cli_json_done(&c.j);
	assert_output(&c,
	              "{\"a\":\"x\",\"b\":[0,4294967295,{},[],null,true,false],"
	              "\"c\":{\"d\":null,\"e\":false,\"f\":12,\"g\":\"y\\u0000z\",\"h\":[]}}\n");
}

/* Newlines go after the comma, before the member or item; a close drops one pending. */
static void test_newlines(void **state)
{
	struct capture c;
	int i;

	(void)state;
	capture_begin(&c);
	cli_json_object(&c.j);
	cli_json_key_str(&c.j, "v", "1");
	cli_json_newline(&c.j);
	cli_json_key(&c.j, "lines");
	cli_json_array(&c.j);
	for (i = 1; i <= 3; i++) {
		cli_json_newline(&c.j);
		cli_json_object(&c.j);
		cli_json_key_uint(&c.j, "n", (unsigned long)i);
		cli_json_end(&c.j);
	}
	cli_json_newline(&c.j);
	cli_json_end(&c.j);
	cli_json_newline(&c.j);
	cli_json_key(&c.j, "empty");
	cli_json_array(&c.j);
	cli_json_end(&c.j);
	cli_json_end(&c.j);
	cli_json_done(&c.j);
	assert_output(&c, "{\"v\":\"1\",\n\"lines\":[\n{\"n\":1},\n{\"n\":2},\n{\"n\":3}],\n"
	                  "\"empty\":[]}\n");
}

/* JSON Lines: one document after another, each ended by cli_json_done. */
static void test_documents(void **state)
{
	struct capture c;

	(void)state;
	capture_begin(&c);
	cli_json_object(&c.j);
	cli_json_key_uint(&c.j, "n", 1);
	cli_json_end(&c.j);
	cli_json_done(&c.j);
	cli_json_object(&c.j);
	cli_json_key(&c.j, "findings");
	cli_json_array(&c.j);
	cli_json_str(&c.j, "a");
	cli_json_str(&c.j, "b");
	cli_json_end(&c.j);
	cli_json_end(&c.j);
	cli_json_done(&c.j);
	cli_json_uint(&c.j, 7);
	cli_json_done(&c.j);
	assert_output(&c, "{\"n\":1}\n{\"findings\":[\"a\",\"b\"]}\n7\n");
}

/* What today's writers put out for one byte: our text, then peer bytes. */
static size_t ref_text(char *out, unsigned char c)
{
	if (c == '"' || c == '\\')
		return (size_t)sprintf(out, "\\%c", c);
	if (c < 0x20 || c == 0x7f)
		return (size_t)sprintf(out, "\\u%04x", c);
	out[0] = (char)c;
	return 1;
}

static size_t ref_bytes(char *out, unsigned char c)
{
	static const char shorts[] = "\"\"\\\\\nn\rr\tt";
	size_t i;

	for (i = 0; i < sizeof shorts - 1; i += 2)
		if (c == (unsigned char)shorts[i])
			return (size_t)sprintf(out, "\\%c", shorts[i + 1]);
	if (c < 0x20 || c >= 0x7f)
		return (size_t)sprintf(out, "\\u%04x", c);
	out[0] = (char)c;
	return 1;
}

/* The reference string, quotes included, for len bytes of text. */
static char *ref_string(const char *text, size_t len, bool peer)
{
	char *out = malloc(len * 6 + 3);
	size_t o = 0, i;

	assert_non_null(out);
	out[o++] = '"';
	for (i = 0; i < len; i++)
		o += peer ? ref_bytes(out + o, (unsigned char)text[i])
		          : ref_text(out + o, (unsigned char)text[i]);
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* One string through the writer, compared with the reference. */
static void check_string(const char *text, size_t len, bool peer)
{
	struct capture c;
	char *want = ref_string(text, len, peer);
	char *nul_ended = malloc(len + 1);

	assert_non_null(nul_ended);
	memcpy(nul_ended, text, len);
	nul_ended[len] = '\0';
	capture_begin(&c);
	if (peer)
		cli_json_bytes(&c.j, text, len);
	else
		cli_json_str(&c.j, nul_ended);
	capture_end(&c);
	assert_int_equal(c.len, strlen(want));
	assert_memory_equal(c.text, want, c.len);
	free(c.text);
	free(want);
	free(nul_ended);
}

static void test_every_byte(void **state)
{
	char all[256];
	unsigned i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	/* Each byte alone, then all of them in one string (text cannot hold NUL). */
	for (i = 0; i < 256; i++) {
		check_string(all + i, 1, true);
		if (i > 0)
			check_string(all + i, 1, false);
	}
	check_string(all, 256, true);
	check_string(all + 1, 255, false);
}

/* Peer bytes come out as the engine's own escaper writes them. */
static void test_peer_matches_engine(void **state)
{
	char all[256], esc[PROTO_ESCAPE_MAX(256)];
	struct capture c;
	size_t n;
	unsigned i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (char)(255 - i);
	n = proto_escape_json(esc, sizeof esc, all, sizeof all);
	capture_begin(&c);
	cli_json_bytes(&c.j, all, sizeof all);
	capture_end(&c);
	assert_int_equal(c.len, n + 2);
	assert_memory_equal(c.text + 1, esc, n);
	free(c.text);
}

/*
 * Runs of plain bytes of every length up to 40 with one byte that needs an
 * escape at every offset: the eight-byte scan must stop on it wherever it is.
 */
static void test_runs_at_every_offset(void **state)
{
	static const unsigned char specials[] = {'"', '\\', 0x01, 0x1f, 0x7f, 0x80, 0xff, '\n'};
	char buf[64];
	size_t len, at, s;

	(void)state;
	for (len = 0; len <= 40; len++) {
		memset(buf, 'a', len);
		check_string(buf, len, true);
		check_string(buf, len, false);
		for (at = 0; at < len; at++) {
			for (s = 0; s < sizeof specials; s++) {
				memset(buf, 'a' + (int)(at % 26), len);
				buf[at] = (char)specials[s];
				check_string(buf, len, true);
				check_string(buf, len, false);
			}
		}
	}
}

/* One long string, plain, then with escapes at the chunk seam, at its end and every 997 bytes. */
static void check_long(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(' ' + i % 95);
	check_string(buf, len, true);
	check_string(buf, len, false);
	for (i = 0; i < len; i += 997)
		buf[i] = (char)(i % 2 ? 0x7f : '"');
	for (i = 2047; i < len && i <= 2048; i++)
		buf[i] = '\t';
	buf[len - 1] = '\\';
	check_string(buf, len, true);
	check_string(buf, len, false);
}

/* Strings longer than a chunk and than the output buffer. */
static void test_long_runs(void **state)
{
	static const size_t lens[] = {2047, 2048, 2049, 65535, 65536, 200001};
	char *buf = malloc(200001);
	size_t k;

	(void)state;
	assert_non_null(buf);
	for (k = 0; k < sizeof lens / sizeof lens[0]; k++)
		check_long(buf, lens[k]);
	free(buf);
}

/* Several strings in a row fill the 64 KiB buffer many times over: nothing is lost. */
static void test_many_strings(void **state)
{
	struct capture c;
	size_t i, want = 1;

	(void)state;
	capture_begin(&c);
	cli_json_array(&c.j);
	for (i = 0; i < 20000; i++) {
		cli_json_bytes(&c.j, "250-PIPELINING\r", 15);
		want += 18 + (i > 0);
	}
	cli_json_end(&c.j);
	want++;
	capture_end(&c);
	assert_int_equal(c.len, want);
	assert_memory_equal(c.text, "[\"250-PIPELINING\\r\",\"250", 24);
	assert_memory_equal(c.text + c.len - 3, "r\"]", 3);
	free(c.text);
}

/* A writer into memory (fd -1), with an array open. */
static void memory_array(struct cli_out *out, struct cli_json *j)
{
	assert_non_null(out);
	cli_out_init(out, -1, false);
	cli_json_init(j, out);
	cli_json_array(j);
}

/* In memory (fd -1) the writer keeps CLI_OUT_MEMORY bytes and says the rest was cut. */
static void test_memory_cut(void **state)
{
	struct cli_out *out = malloc(sizeof *out);
	struct cli_json j;
	size_t i;

	(void)state;
	memory_array(out, &j);
	for (i = 0; i < 3000 && !out->error; i++)
		cli_json_bytes(&j, "0123456789abcdef0123456789abcdef0123456789abcdef", 48);
	assert_true(out->error);
	assert_int_equal(out->len, CLI_OUT_MEMORY);
	assert_memory_equal(out->buf, "[\"0123", 6);
	free(out);
}

/* One number through cli_uint_digits, against printf. */
static void check_digits(unsigned long v)
{
	char got[CLI_UINT_DIGITS + 1], want[32];
	size_t n = cli_uint_digits(got, v);

	got[n] = '\0';
	snprintf(want, sizeof want, "%lu", v);
	assert_string_equal(got, want);
}

/* cli_uint_digits against printf: the small numbers, every power of ten and its neighbours. */
static void test_uint_digits(void **state)
{
	unsigned long v, p = 1;

	(void)state;
	for (v = 0; v < 20000; v++)
		check_digits(v);
	for (;;) {
		check_digits(p - 1);
		check_digits(p);
		check_digits(p + 1);
		if (p > (unsigned long)-1 / 10)
			break;
		p *= 10;
	}
	check_digits((unsigned long)-1);
}

/* The same object written by cli_json_object_members and by one call a member. */
static void members_both_ways(const char *text, size_t len, struct capture *a, struct capture *b)
{
	const struct cli_json_member m[] = {
	    CLI_JSON_MEMBER("n", CLI_JSON_UINT, NULL, 0, 4294967295UL),
	    CLI_JSON_MEMBER("dir", CLI_JSON_NAME, "server", 6, 0),
	    CLI_JSON_MEMBER("tls", CLI_JSON_BOOL, NULL, 0, 1),
	    CLI_JSON_MEMBER("no", CLI_JSON_BOOL, NULL, 0, 0),
	    CLI_JSON_MEMBER("our", CLI_JSON_TEXT, "a \"quoted\"\tword", 15, 0),
	    CLI_JSON_MEMBER("text", CLI_JSON_BYTES, text, len, 0),
	};

	capture_begin(a);
	cli_json_array(&a->j);
	cli_json_newline(&a->j);
	cli_json_object_members(&a->j, m, sizeof m / sizeof m[0]);
	cli_json_end(&a->j);
	cli_json_end(&a->j);
	cli_json_done(&a->j);
	capture_begin(b);
	cli_json_array(&b->j);
	cli_json_newline(&b->j);
	cli_json_object(&b->j);
	cli_json_key_uint(&b->j, "n", 4294967295UL);
	cli_json_key_str(&b->j, "dir", "server");
	cli_json_key_bool(&b->j, "tls", true);
	cli_json_key_bool(&b->j, "no", false);
	cli_json_key_str(&b->j, "our", "a \"quoted\"\tword");
	cli_json_key_bytes(&b->j, "text", text, len);
	cli_json_end(&b->j);
	cli_json_end(&b->j);
	cli_json_done(&b->j);
	capture_end(a);
	capture_end(b);
}

/* Members come out as the single calls write them: short, 8-bit, and past a chunk. */
static void test_members(void **state)
{
	static const size_t lens[] = {0, 1, 7, 8, 9, 2047, 2048, 2049, 5000};
	struct capture a, b;
	char text[5000];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof text; i++)
		text[i] = (char)(i % 7 == 3 ? 0x80 + i % 100 : 'a' + i % 26);
	for (k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		members_both_ways(text, lens[k], &a, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.text, b.text, a.len);
		free(a.text);
		free(b.text);
	}
	members_both_ways("250-STARTTLS", 12, &a, &b);
	assert_string_equal(
	    a.text, "[\n{\"n\":4294967295,\"dir\":\"server\",\"tls\":true,\"no\":false,"
	            "\"our\":\"a \\\"quoted\\\"\\u0009word\",\"text\":\"250-STARTTLS\"}]\n");
	assert_string_equal(a.text, b.text);
	free(a.text);
	free(b.text);
}

/* In memory, members stop at the cut, within CLI_OUT_MEMORY, and the cut is sticky. */
static void test_members_in_memory(void **state)
{
	const struct cli_json_member m[] = {
	    CLI_JSON_MEMBER("a", CLI_JSON_NAME, "x", 1, 0),
	    CLI_JSON_MEMBER("b", CLI_JSON_UINT, NULL, 0, 7),
	};
	struct cli_out *out = malloc(sizeof *out);
	struct cli_json j;
	size_t i;

	(void)state;
	memory_array(out, &j);
	for (i = 0; !out->error && i < CLI_OUT_MEMORY; i++) {
		cli_json_object(&j);
		cli_json_members(&j, m, 2);
		cli_json_end(&j);
	}
	assert_true(out->error);
	assert_true(out->len <= CLI_OUT_MEMORY);
	assert_memory_equal(out->buf, "[{\"a\":\"x\",\"b\":7},{\"a\":\"x\",\"b\":7}", 32);
	free(out);
}

typedef void (*misuse_fn)(struct cli_json *j);

static void key_at_top(struct cli_json *j)
{
	cli_json_key(j, "k");
}

static void key_in_array(struct cli_json *j)
{
	cli_json_array(j);
	cli_json_key(j, "k");
}

static void value_without_key(struct cli_json *j)
{
	cli_json_object(j);
	cli_json_uint(j, 1);
}

static void key_after_key(struct cli_json *j)
{
	cli_json_object(j);
	cli_json_key(j, "a");
	cli_json_key(j, "b");
}

static void end_after_key(struct cli_json *j)
{
	cli_json_object(j);
	cli_json_key(j, "a");
	cli_json_end(j);
}

static void end_of_nothing(struct cli_json *j)
{
	cli_json_end(j);
}

static void too_deep(struct cli_json *j)
{
	int i;

	for (i = 0; i <= CLI_JSON_DEPTH; i++)
		cli_json_array(j);
}

static void two_roots(struct cli_json *j)
{
	cli_json_null(j);
	cli_json_null(j);
}

static void done_while_open(struct cli_json *j)
{
	cli_json_array(j);
	cli_json_done(j);
}

static void key_too_long(struct cli_json *j)
{
	char key[CLI_JSON_KEY_MAX + 2];

	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	cli_json_object(j);
	cli_json_key(j, key);
}

static void members_in_array(struct cli_json *j)
{
	const struct cli_json_member m = CLI_JSON_MEMBER("a", CLI_JSON_UINT, NULL, 0, 1);

	cli_json_array(j);
	cli_json_members(j, &m, 1);
}

static void name_too_long(struct cli_json *j)
{
	static char name[PROTO_LINE_KEEP + 1];
	const struct cli_json_member m = CLI_JSON_MEMBER("a", CLI_JSON_NAME, name, sizeof name, 0);

	memset(name, 'x', sizeof name);
	cli_json_object(j);
	cli_json_members(j, &m, 1);
}

static void newline_after_key(struct cli_json *j)
{
	cli_json_object(j);
	cli_json_key(j, "a");
	cli_json_newline(j);
}

/* The misuse in a child, whose standard error goes to /dev/null: it must die of SIGABRT. */
static void expect_abort(misuse_fn fn)
{
	pid_t pid = fork();
	int status, devnull;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct cli_out out;
		struct cli_json j;

		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		cli_out_init(&out, -1, false);
		cli_json_init(&j, &out);
		fn(&j);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_misuse_aborts(void **state)
{
	static const misuse_fn cases[] = {
	    key_at_top,     key_in_array,     value_without_key, key_after_key,   end_after_key,
	    end_of_nothing, too_deep,         two_roots,         done_while_open, newline_after_key,
	    key_too_long,   members_in_array, name_too_long,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_abort(cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nesting_and_commas),  cmocka_unit_test(test_newlines),
	    cmocka_unit_test(test_documents),           cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_peer_matches_engine), cmocka_unit_test(test_runs_at_every_offset),
	    cmocka_unit_test(test_long_runs),           cmocka_unit_test(test_many_strings),
	    cmocka_unit_test(test_memory_cut),          cmocka_unit_test(test_misuse_aborts),
	    cmocka_unit_test(test_uint_digits),         cmocka_unit_test(test_members),
	    cmocka_unit_test(test_members_in_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
