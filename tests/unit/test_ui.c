/*
 * test_ui.c: the inspector's screen, headless, in the manner of tig's
 * tests: a model is filled by linting a real transcript, keys are played
 * from a script, and the screen is dumped and compared with a golden file
 * in tests/data/ui. Run with UPDATE=1 to write the golden files instead,
 * then read every one of them before keeping it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"
#include "ui/ui.h"

#define DUMP_MAX  (64 * 1024)
#define GOLDEN    SMTPSCOPE_SOURCE_DIR "/tests/data/ui/"
#define LINT_DATA SMTPSCOPE_SOURCE_DIR "/tests/data/lint/"

/* What the fake owner was asked to do. */
struct calls {
	int send, command, skip, run, write, quit, step;
	bool send_null;
	char sent[1024];
	char typed[1024];
};

struct fixture {
	struct ui_model model;
	struct proto_source *src;
	struct calls calls;
	struct ui *ui;
	char dump[DUMP_MAX];
};

static char state_dir[64];

/*
 * LeakSanitizer, when the tests are built with it: libtinfo keeps the
 * terminal descriptions that tgetent (called by libedit) read in a cache
 * of its own, and never frees it. Not ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:tgetent_sp\nleak:libtinfo.so\n";
}

static void op_send(void *ctx, const char *command)
{
	struct calls *c = ctx;

	c->send++;
	c->send_null = command == NULL;
	snprintf(c->sent, sizeof c->sent, "%s", command != NULL ? command : "");
}

static void op_command(void *ctx, const char *command)
{
	struct calls *c = ctx;

	c->command++;
	snprintf(c->typed, sizeof c->typed, "%s", command);
}

static void op_skip(void *ctx)
{
	((struct calls *)ctx)->skip++;
}

static void op_run(void *ctx)
{
	((struct calls *)ctx)->run++;
}

static void op_write(void *ctx)
{
	((struct calls *)ctx)->write++;
}

static void op_quit(void *ctx)
{
	((struct calls *)ctx)->quit++;
}

static void op_step(void *ctx)
{
	((struct calls *)ctx)->step++;
}

static const struct ui_ops fake_ops = {op_send,  op_command, op_skip, op_run,
                                       op_write, op_quit,    op_step};

/* Every line gets a made-up but fixed time, so the goldens never change. */
static void on_line(void *ctx, const struct proto_lint_line *line)
{
	char time[16];

	snprintf(time, sizeof time, "07:10:%02u.%03u", line->n / 4 % 60, line->n * 37 % 1000);
	assert_int_equal(ui_model_add_line(ctx, line, time), 0);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	assert_int_equal(ui_model_add_finding(ctx, id, n), 0);
}

static const struct proto_lint_ops lint_ops = {on_line, on_finding};

/* Lints bytes into the model, as the owner would. */
static void load_bytes(struct fixture *f, const char *buf, size_t n)
{
	f->src = proto_source_new(PROTO_FORMAT_AUTO, &lint_ops, &f->model);
	assert_non_null(f->src);
	assert_int_equal(proto_source_feed(f->src, buf, n), 0);
	assert_int_equal(proto_source_end(f->src), 0);
	f->model.lint = proto_source_lint(f->src);
}

/* Lints a file of tests/data/lint into the model. */
static void load(struct fixture *f, const char *name)
{
	char path[512], buf[65536];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof path, "%s%s", LINT_DATA, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	load_bytes(f, buf, n);
}

static void start(struct fixture *f, unsigned flags)
{
	char err[256] = "";

	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	f->ui = ui_new(&f->model, &fake_ops, &f->calls, UI_HEADLESS | flags, err, sizeof err);
	if (f->ui == NULL)
		fail_msg("ui_new: %s", err);
}

/* The field case: a session to the misordered server, open, in plaintext. */
static struct fixture *misordered(void)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	ui_model_init(&f->model);
	load(f, "field-note-misordered.in");
	snprintf(f->model.target, sizeof f->model.target, "mail.domain1.com:25");
	snprintf(f->model.address, sizeof f->model.address, "192.0.2.25:25");
	snprintf(f->model.state, sizeof f->model.state, "plaintext");
	f->model.session_open = true;
	return f;
}

static void finish(struct fixture *f)
{
	ui_free(f->ui);
	proto_source_free(f->src);
	ui_model_free(&f->model);
	free(f);
}

static void keys(struct fixture *f, const char *script)
{
	for (; *script != '\0'; script++)
		ui_key(f->ui, (unsigned char)*script);
}

static void dump(struct fixture *f)
{
	size_t n, i;

	ui_draw(f->ui);
	n = ui_dump(f->ui, f->dump, sizeof f->dump);
	assert_true(n < sizeof f->dump);
	/* Nothing but printable text and line ends reaches the screen. */
	for (i = 0; i < n; i++)
		if ((unsigned char)f->dump[i] < 0x20 && f->dump[i] != '\n')
			fail_msg("control byte 0x%02x at %zu", (unsigned char)f->dump[i], i);
		else if (f->dump[i] == 0x7f)
			fail_msg("DEL at %zu", i);
}

static bool updating(void)
{
	const char *update = getenv("UPDATE");

	return update != NULL && strcmp(update, "1") == 0;
}

/* Compares the screen with tests/data/ui/NAME.txt, or writes it with UPDATE=1. */
static void golden(struct fixture *f, const char *name)
{
	static char expected[DUMP_MAX];
	char path[512];
	size_t n;
	FILE *fp;

	dump(f);
	snprintf(path, sizeof path, "%s%s.txt", GOLDEN, name);
	if (updating()) {
		fp = fopen(path, "wb");
		assert_non_null(fp);
		fputs(f->dump, fp);
		fclose(fp);
		return;
	}
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("no golden file %s (run with UPDATE=1)", path);
	n = fread(expected, 1, sizeof expected - 1, fp);
	fclose(fp);
	expected[n] = '\0';
	if (strcmp(expected, f->dump) != 0)
		fail_msg("screen differs from %s:\n--- expected\n%s--- got\n%s", path, expected,
		         f->dump);
}

static int rows(struct fixture *f)
{
	int n = 0;

	for (const char *p = f->dump; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static bool shows(struct fixture *f, const char *text)
{
	return strstr(f->dump, text) != NULL;
}

/* The last row of the screen: the command line. */
static const char *command_row(struct fixture *f)
{
	size_t n;

	dump(f);
	n = strlen(f->dump);
	f->dump[n - 1] = '\0';
	return strrchr(f->dump, '\n') + 1;
}

static void resize(struct fixture *f, const char *lines, const char *cols)
{
	setenv("LINES", lines, 1);
	setenv("COLUMNS", cols, 1);
	ui_resize(f->ui);
}

/* Row y of the last dump, in buf. */
static const char *row_of(struct fixture *f, int y, char *buf, size_t len)
{
	const char *p = f->dump, *end;

	for (; y > 0 && p != NULL; y--) {
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	assert_non_null(p);
	end = strchr(p, '\n');
	snprintf(buf, len, "%.*s", (int)(end != NULL ? end - p : (ptrdiff_t)strlen(p)), p);
	return buf;
}

/* The rows of the last dump from the one holding text on. */
static int row_with(struct fixture *f, const char *text)
{
	const char *at = strstr(f->dump, text), *p;
	int y = 0;

	assert_non_null(at);
	for (p = f->dump; p < at; p++)
		y += *p == '\n';
	return y;
}

static void test_misordered_grammar(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	ui_key(f->ui, KEY_HOME);
	keys(f, "jj");
	golden(f, "misordered-line3");
	assert_true(shows(f, "Domain [ SP ehlo-greet ] -- holding the keyword STARTTLS"));
	assert_true(shows(f, "Domain \"STARTTLS\""));
	assert_true(shows(f, "STARTTLS stands on line 1 of the EHLO reply"));
	assert_true(shows(f, "The first line of an EHLO reply"));
	finish(f);
}

static void test_misordered_1869(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "<jjo");
	golden(f, "misordered-line3-rfc1869");
	assert_true(shows(f, "domain [ SP greeting ] -- holding the keyword STARTTLS"));
	assert_true(shows(f, "RFC 1869"));
	/* The domain of line 1 is RFC 821's, as in RFC 1869 §4.3. */
	resize(f, "40", "120");
	dump(f);
	assert_true(
	    shows(f, "> domain       ::= <element> | <element> \".\" <domain>   ; RFC 821"));
	resize(f, "24", "80");
	keys(f, "o");
	dump(f);
	assert_true(shows(f, "RFC 5321"));
	finish(f);
}

static void test_matrix_toggle(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "<jj");
	dump(f);
	assert_true(shows(f, " clients will not send STARTTLS")); /* the count: golden files */
	assert_true(shows(f, "more rows)"));
	keys(f, "c");
	golden(f, "misordered-matrix-hidden");
	assert_false(shows(f, "more rows)"));
	assert_false(shows(f, "cisco-esa"));
	assert_true(shows(f, "c shows it"));
	finish(f);
}

static void test_wide(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	setenv("LINES", "40", 1);
	setenv("COLUMNS", "120", 1);
	ui_resize(f->ui);
	keys(f, "<jj");
	golden(f, "misordered-line3-120x40");
	/* The rows of the ABNF that line 1 of a multi-line reply matched. */
	assert_true(shows(f, ">              / ( \"250-\" Domain [ SP ehlo-greet ] CRLF"));
	assert_true(shows(f, "> Domain       = sub-domain"));
	assert_true(shows(f, "posttls-finger    starttls (line 3)"));
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	ui_resize(f->ui);
	dump(f);
	assert_int_equal(rows(f), 24);
	finish(f);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A verification too long for the status line stops two columns before the clock. */
static void test_status_overflow(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char row[256];

	(void)state;
	ui_model_init(&f->model);
	load(f, "transcript-starttls-after-tls.in");
	snprintf(f->model.target, sizeof f->model.target, "mx.example.org:25");
	snprintf(f->model.state, sizeof f->model.state, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	snprintf(f->model.verify, sizeof f->model.verify,
	         "not verified: certificate does not verify: self-signed certificate");
	f->model.started_ms = mono_ms() - 4400;
	start(f, 0);
	golden(f, "status-overflow");
	row_of(f, 0, row, sizeof row);
	/* The dump drops the clock's trailing space. */
	assert_int_equal(strlen(row), 79);
	assert_string_equal(row + 54, "not verified: cert  00:04");
	finish(f);
}

/* The status line of a replay: its position once, and no clock. */
static void test_replay_status(void **state)
{
	struct fixture *f = misordered();
	char row[256];

	(void)state;
	/* As smtpscope replay fills it. */
	snprintf(f->model.target, sizeof f->model.target, "misordered.txt");
	f->model.address[0] = '\0';
	snprintf(f->model.state, sizeof f->model.state, "replay of 13 lines");
	f->model.replay = true;
	f->model.replay_total = 13;
	f->model.started_ms = mono_ms() - 4400;
	start(f, 0);
	golden(f, "replay");
	row_of(f, 0, row, sizeof row);
	assert_string_equal(row, " misordered.txt | replay 9/13");
	assert_null(strstr(row, "replay of"));
	assert_null(strstr(strstr(row, "replay") + 1, "replay"));
	assert_null(strstr(row, "00:0"));
	finish(f);
}

/* Gives the kept lines made-up monotonic times, with gaps of every size. */
static void stamp_lines(struct fixture *f)
{
	static const long long gap[] = {0, 212, 1500, 125000, 3, 7200000, 99999};
	long long t = 5000;
	size_t i;

	for (i = 0; i < f->model.nlines; i++) {
		t += gap[i % (sizeof gap / sizeof gap[0])];
		f->model.lines[i].mono_ms = t;
	}
}

/* The status line's times, once known; cut before the clock like every field. */
static void test_status_times(void **state)
{
	struct fixture *f = misordered();
	char row[256];

	(void)state;
	f->model.banner_ms = 12;
	f->model.ehlo_ms = 3;
	start(f, 0);
	dump(f);
	row_of(f, 0, row, sizeof row);
	assert_string_equal(
	    row,
	    " mail.domain1.com:25 | 192.0.2.25:25 | plaintext | banner 12ms \xc2\xb7 EHLO 3ms");
	f->model.tls_ms = 41250;
	snprintf(f->model.state, sizeof f->model.state, "TLSv1.3");
	f->model.started_ms = mono_ms() - 4400;
	golden(f, "status-times");
	row_of(f, 0, row, sizeof row);
	assert_string_equal(row,
	                    " mail.domain1.com:25 | 192.0.2.25:25 | TLSv1.3 | banner 12ms \xc2\xb7 "
	                    "EHLO 3ms   00:04");
	resize(f, "24", "120");
	dump(f);
	assert_true(shows(f, "| banner 12ms \xc2\xb7 EHLO 3ms \xc2\xb7 TLS 41.2s"));
	finish(f);
}

/* A line still coming is a provisional last row: escaped, cut, marked, in view. */
static void test_partial_row(void **state)
{
	struct fixture *f = misordered();
	static const char hostile[] = "250-SIZE \x1b[2J\x07";

	(void)state;
	memcpy(f->model.partial, hostile, sizeof hostile - 1);
	f->model.partial_len = sizeof hostile - 1;
	f->model.partial_bytes = sizeof hostile - 1;
	f->model.partial_age_ms = 2100;
	start(f, 0);
	golden(f, "partial");
	assert_true(shows(f, "\n     <- 250-SIZE ^[[2J^G  (partial, 14 bytes, 2.1 s)\n"));
	/* Following: the last line is still selected, the row below it in view. */
	assert_true(shows(f, ">  9 <- 250 SIZE 30000000\n"));
	/* More bytes than the model holds, on a narrow pane: cut, with the mark. */
	memset(f->model.partial, 'x', sizeof f->model.partial);
	f->model.partial_len = sizeof f->model.partial;
	f->model.partial_bytes = 100000;
	dump(f);
	assert_true(shows(f, "x\xe2\x80\xa6  (partial, 100000 bytes, 2.1 s)\n"));
	f->model.partial_bytes = 0;
	dump(f);
	assert_false(shows(f, "(partial"));
	finish(f);
}

/* 't' shows the time since the line before on each row; a replay shows it from the start. */
static void test_delta(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	stamp_lines(f);
	start(f, 0);
	dump(f);
	assert_false(shows(f, "+0.212s"));
	keys(f, "t");
	golden(f, "delta");
	assert_true(shows(f, "\n   +2m05s   4 <- 250-mail.domain1.com"));
	assert_true(shows(f, "\n +99.999s   7 <- 250-HELP"));
	assert_true(shows(f, "+2m05s"));
	assert_true(shows(f, "+2h00m"));
	keys(f, "t");
	dump(f);
	assert_false(shows(f, "+0.212s"));
	finish(f);
	f = misordered();
	stamp_lines(f);
	f->model.replay = true;
	start(f, 0);
	dump(f);
	assert_true(shows(f, "+0.212s"));
	finish(f);
	/* Lines without times: no column, and the key says why. */
	f = misordered();
	start(f, 0);
	keys(f, "t");
	dump(f);
	assert_true(shows(f, "These lines carry no times"));
	assert_true(shows(f, "\n   8 <- 250-DELIVERBY 300"));
	finish(f);
}

/* 170 columns: the headline lines up with the findings and wraps between words. */
static void test_wide_170(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	resize(f, "44", "170");
	keys(f, "<jj");
	golden(f, "misordered-line3-170x44");
	assert_true(shows(f, " clients will not send STARTTLS in the EHLO reply that"));
	assert_true(shows(f, "(c hides)"));
	assert_true(shows(f, "| line 3      error"));
	/* s-nail reads no keyword: no line is named for it. */
	assert_true(shows(f, "|  s-nail            sends STARTTLS without looking"));
	assert_false(shows(f, "s-nail            yes"));
	finish(f);
}

/* 120 columns, the banner: the grammar keeps off the separator and wraps its rows. */
static void test_banner_wide(void **state)
{
	struct fixture *f = misordered();
	char row[256];
	int y, first;

	(void)state;
	start(f, 0);
	resize(f, "40", "120");
	keys(f, "<");
	golden(f, "misordered-banner-120x40");
	y = row_with(f, "> Greeting   = ( \"220 \"");
	assert_non_null(strstr(row_of(f, y, row, sizeof row), "[ SP textstring ]"));
	assert_non_null(strstr(row_of(f, y + 1, row, sizeof row), "               CRLF )"));
	/* No row of the grammar pane writes its last column (71), next to the '|'. */
	first = row_with(f, "-- Grammar");
	for (y = first + 1; y < 39; y++)
		assert_int_equal(row_of(f, y, row, sizeof row)[71], ' ');
	finish(f);
}

/* A compact matrix cut by the pane says that more follows. */
static void test_compact_more(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	(void)state;
	ui_model_init(&f->model);
	load(f, "../ui/keyword-first.in");
	snprintf(f->model.target, sizeof f->model.target, "127.0.0.1:2525");
	snprintf(f->model.state, sizeof f->model.state, "plaintext");
	f->model.session_open = true;
	start(f, 0);
	resize(f, "30", "100");
	golden(f, "keyword-first-100x30");
	/* The count of rows left depends on the number of profiles. */
	assert_true(shows(f, "posttls-finger, … (+"));
	assert_true(shows(f, "more row"));
	/* The clients that send STARTTLS without looking have a row of their own. */
	resize(f, "40", "100");
	dump(f);
	assert_true(shows(f, "  sends STARTTLS without looking: openssl-s_client, s-nail"));
	finish(f);
}

static void test_help(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "?");
	golden(f, "help");
	assert_true(shows(f, "search the conversation"));
	/* Cut by the screen: the frame says which rows show. */
	assert_true(shows(f, " rows 1-22 of "));
	/* Taller than the screen: it scrolls. */
	keys(f, "jjjjjjjjjjjj");
	dump(f);
	assert_true(shows(f, "write the transcript"));
	keys(f, "jjjjjjjjjj");
	dump(f);
	assert_true(shows(f, "On the command line"));
	keys(f, "x");
	dump(f);
	assert_false(shows(f, "Keys (any key closes)"));
	assert_int_equal(f->calls.write, 0);
	finish(f);
}

static void test_pause_starttls(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	f->model.pending = "STARTTLS";
	start(f, 0);
	golden(f, "pause-starttls");
	assert_true(shows(f, "where the domain belongs"));
	assert_true(shows(f, "(Space sends, s skips)"));
	keys(f, " ");
	assert_int_equal(f->calls.send, 1);
	assert_true(f->calls.send_null);
	keys(f, "s");
	assert_int_equal(f->calls.skip, 1);
	finish(f);
}

static void test_pause_all_see(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	(void)state;
	ui_model_init(&f->model);
	load(f, "field-note-correct.in");
	f->model.pending = "starttls";
	f->model.session_open = true;
	start(f, 0);
	dump(f);
	assert_true(shows(f, "Every client sends STARTTLS"));
	f->model.pending = "STARTTLSX";
	dump(f);
	assert_false(shows(f, "Every client sends STARTTLS"));
	finish(f);
}

static void test_edit(void **state)
{
	struct fixture *f = misordered();
	int i;

	(void)state;
	f->model.pending = "EHLO client.example";
	start(f, 0);
	keys(f, "e");
	for (i = 0; i < 7; i++)
		ui_key(f->ui, KEY_BACKSPACE);
	keys(f, "test");
	golden(f, "edit");
	assert_string_equal(command_row(f), "edit> EHLO client.test");
	keys(f, "\r");
	assert_int_equal(f->calls.send, 1);
	assert_false(f->calls.send_null);
	assert_string_equal(f->calls.sent, "EHLO client.test");
	/* Escape cancels: nothing more is sent. */
	keys(f, "eX\033");
	assert_int_equal(f->calls.send, 1);
	assert_true(strncmp(command_row(f), "next: EHLO client.example", 25) == 0);
	finish(f);
}

static void test_command(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, ":NOOP");
	assert_string_equal(command_row(f), ":NOOP");
	keys(f, "\r");
	assert_int_equal(f->calls.command, 1);
	assert_string_equal(f->calls.typed, "NOOP");
	assert_int_equal(f->calls.send, 0);
	keys(f, ":RSET\003");
	keys(f, ":RSET\007");
	keys(f, ":\r");
	assert_int_equal(f->calls.command, 1);
	finish(f);
}

static void test_emacs_keys(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	/* ^A goes to the start of the line, ^E to its end, ^W deletes a word. */
	keys(f, ":abc\001X\005 junk\027def\r");
	assert_string_equal(f->calls.typed, "Xabc def");
	keys(f, ":QUIT");
	ui_key(f->ui, KEY_LEFT);
	ui_key(f->ui, KEY_LEFT);
	ui_key(f->ui, KEY_DC);
	ui_key(f->ui, KEY_HOME);
	keys(f, "x");
	ui_key(f->ui, KEY_END);
	keys(f, "y\r");
	assert_string_equal(f->calls.typed, "xQUTy");
	finish(f);
}

static void test_vi_keys(void **state)
{
	struct fixture *f = misordered();
	char path[128];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/editrc", state_dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("bind -v\n", fp);
	fclose(fp);
	setenv("EDITRC", path, 1);
	start(f, 0);
	setenv("EDITRC", "/dev/null", 1);
	/* Escape is vi's here: command mode, 0 to the start, i to insert. */
	keys(f, ":abc\0330iX\r");
	assert_int_equal(f->calls.command, 1);
	assert_string_equal(f->calls.typed, "Xabc");
	keys(f, ":abc\033\003");
	assert_int_equal(f->calls.command, 1);
	finish(f);
}

static void test_complete(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, ":eh\t");
	assert_string_equal(command_row(f), ":EHLO");
	keys(f, "\003:MAIL F\t");
	assert_string_equal(command_row(f), ":MAIL FROM:<");
	/* The server advertised 8BITMIME and DELIVERBY. */
	keys(f, "\003:8b\t");
	assert_string_equal(command_row(f), ":8BITMIME");
	keys(f, "\003:XY 8B\t");
	assert_string_equal(command_row(f), ":XY 8BITMIME");
	keys(f, "\003:S\t");
	assert_string_equal(command_row(f), ":S");
	assert_true(shows(f, "Completions: STARTTLS SIZE"));
	keys(f, "\003:ZZ\t");
	dump(f);
	assert_true(shows(f, "No completion for \"ZZ\"."));
	finish(f);
}

static void test_history(void **state)
{
	struct fixture *f = misordered();
	char path[128], text[4096];
	size_t n;
	FILE *fp;

	(void)state;
	start(f, 0);
	keys(f, ":NOOP\r:AUTH PLAIN AGZvbwBiYXI=\r:AGZvbwBiYXI=\r");
	snprintf(path, sizeof path, "%s/smtpscope/history", state_dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[n] = '\0';
	assert_non_null(strstr(text, "NOOP"));
	assert_null(strstr(text, "AUTH"));
	assert_null(strstr(text, "AGZvbwBiYXI"));
	ui_free(f->ui);
	/* A new screen reads the history back. */
	start(f, 0);
	keys(f, ":");
	ui_key(f->ui, KEY_UP);
	assert_string_equal(command_row(f), ":NOOP");
	ui_key(f->ui, KEY_DOWN);
	assert_string_equal(command_row(f), ":");
	finish(f);
}

static void test_session_keys(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, " s");
	assert_int_equal(f->calls.send, 0);
	assert_int_equal(f->calls.skip, 0);
	f->model.pending = "QUIT";
	keys(f, " srw");
	assert_int_equal(f->calls.send, 1);
	assert_int_equal(f->calls.skip, 1);
	assert_int_equal(f->calls.run, 1);
	assert_int_equal(f->calls.write, 1);
	f->model.replay = true;
	keys(f, " ");
	assert_int_equal(f->calls.step, 1);
	assert_int_equal(f->calls.send, 1);
	finish(f);
}

/* The keys a less or tig user presses by habit never reach the network. */
static void test_navigation_never_sends(void **state)
{
	static const char habit[] = "nNjkgG<>/\003&\003oocc\t\t\t?x";
	static const int codes[] = {KEY_HOME, KEY_END, KEY_UP, KEY_DOWN, KEY_PPAGE, KEY_NPAGE};
	struct fixture *f = misordered();
	size_t i;

	(void)state;
	f->model.pending = "EHLO client.example";
	start(f, 0);
	keys(f, habit);
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		ui_key(f->ui, codes[i]);
	f->model.replay = true;
	keys(f, habit);
	assert_int_equal(f->calls.send + f->calls.command + f->calls.skip + f->calls.run, 0);
	assert_int_equal(f->calls.step + f->calls.write + f->calls.quit, 0);
	finish(f);
}

static void test_quit(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "q");
	golden(f, "quit");
	assert_string_equal(command_row(f), "Quit and close the session? y/n");
	assert_false(ui_done(f->ui));
	keys(f, "n");
	assert_false(ui_done(f->ui));
	assert_int_equal(f->calls.quit, 0);
	keys(f, "qy");
	assert_true(ui_done(f->ui));
	assert_int_equal(f->calls.quit, 1);
	finish(f);
	/* A closed session quits at once. */
	f = misordered();
	f->model.session_open = false;
	start(f, 0);
	keys(f, "q");
	assert_true(ui_done(f->ui));
	assert_int_equal(f->calls.quit, 1);
	finish(f);
}

static void test_hostile(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	size_t i;

	(void)state;
	ui_model_init(&f->model);
	load(f, "hostile.in");
	snprintf(f->model.target, sizeof f->model.target, "evil.example:25");
	snprintf(f->model.verify, sizeof f->model.verify, "not verified: CN=\033]0;owned\a");
	snprintf(f->model.message, sizeof f->model.message, "server said \033[2J");
	f->model.pending = "QUIT\033[31m";
	start(f, 0);
	golden(f, "hostile");
	assert_true(shows(f, "^[]0;owned^G"));
	/* Every line selected in turn: the grammar panel escapes too. */
	ui_key(f->ui, KEY_HOME);
	for (i = 0; i < f->model.nlines; i++) {
		dump(f);
		keys(f, "j");
	}
	finish(f);
}

static void test_tls_transcript(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	(void)state;
	ui_model_init(&f->model);
	load(f, "transcript-starttls-after-tls.in");
	snprintf(f->model.target, sizeof f->model.target, "mx.example.org:25");
	snprintf(f->model.state, sizeof f->model.state, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	snprintf(f->model.verify, sizeof f->model.verify, "verified for mx.example.org");
	snprintf(f->model.transcript, sizeof f->model.transcript, "mx.txt");
	start(f, 0);
	golden(f, "tls-transcript");
	assert_true(shows(f, "<~ 250 STARTTLS"));
	assert_true(shows(f, "~> QUIT"));
	finish(f);
}

static void test_tail(void **state)
{
	struct fixture *f = misordered();
	struct proto_lint_line line = {
	    .n = 10, .dir = PROTO_DIR_CLIENT, .role = PROTO_ROLE_COMMAND};

	(void)state;
	start(f, 0);
	dump(f);
	assert_true(shows(f, "line 9 (reply line 7)"));
	line.text = "STARTTLS";
	line.len = 8;
	assert_int_equal(ui_model_add_line(&f->model, &line, "07:10:09.000"), 0);
	dump(f);
	assert_true(shows(f, "line 10: a command of the client"));
	keys(f, "k");
	line.n = 11;
	assert_int_equal(ui_model_add_line(&f->model, &line, "07:10:09.500"), 0);
	dump(f);
	assert_true(shows(f, "line 9 (reply line 7)"));
	ui_key(f->ui, KEY_END);
	dump(f);
	assert_true(shows(f, "line 11: a command of the client"));
	finish(f);
}

static void test_findings_enter(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	dump(f);
	keys(f, "\t\t");
	keys(f, "j\r");
	dump(f);
	assert_true(shows(f, "line 4 (reply line 2)"));
	assert_true(shows(f, "is not an ehlo-keyword"));
	finish(f);
}

/* The key table of docs/ui.md is the keymap's, row for row. */
static void test_keys_doc(void **state)
{
	static char doc[256 * 1024], table[16384];
	const char *at, *end;
	size_t n;
	FILE *fp;

	(void)state;
	fp = fopen(SMTPSCOPE_SOURCE_DIR "/docs/ui.md", "rb");
	assert_non_null(fp);
	n = fread(doc, 1, sizeof doc - 1, fp);
	fclose(fp);
	doc[n] = '\0';
	at = strstr(doc, "\n## Keys\n");
	assert_non_null(at);
	at = strstr(at, "\n| key | action |\n");
	assert_non_null(at);
	at++;
	/* The table ends at the first line that is not a row. */
	for (end = at; *end == '|'; end = strchr(end, '\n') + 1)
		assert_non_null(strchr(end, '\n'));
	n = ui_keymap_doc(table, sizeof table);
	assert_true(n < sizeof table);
	if (strlen(table) != (size_t)(end - at) || strncmp(table, at, (size_t)(end - at)) != 0)
		fail_msg("docs/ui.md's key table differs from the keymap:\n--- docs/ui.md\n%.*s"
		         "--- keymap (src/ui/keymap.c)\n%s",
		         (int)(end - at), at, table);
}

/* Adds a client line numbered n to the model, as the owner would. */
static void add_line(struct fixture *f, unsigned n, enum proto_dir dir, const char *text)
{
	struct proto_lint_line line = {.n = n, .dir = dir, .role = PROTO_ROLE_COMMAND};

	line.role = dir == PROTO_DIR_SERVER ? PROTO_ROLE_REPLY : PROTO_ROLE_COMMAND;
	line.text = text;
	line.len = strlen(text);
	assert_int_equal(ui_model_add_line(&f->model, &line, "07:10:09.000"), 0);
}

/* Defect 3: lines that come while the user looks higher up are announced. */
static void test_tail_unseen(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "k");
	add_line(f, 10, PROTO_DIR_CLIENT, "STARTTLS");
	add_line(f, 11, PROTO_DIR_SERVER, "220 2.0.0 Ready to start TLS");
	golden(f, "tail-unseen");
	assert_true(shows(f, "2 new lines below (End)"));
	assert_true(shows(f, "line 8 (reply line 6)"));
	/* Moving up further keeps counting from where following stopped. */
	keys(f, "k");
	add_line(f, 12, PROTO_DIR_CLIENT, "EHLO again.example");
	dump(f);
	assert_true(shows(f, "3 new lines below (End)"));
	keys(f, "G");
	dump(f);
	assert_false(shows(f, "new lines below"));
	assert_true(shows(f, "line 12: a command of the client"));
	/* Followed again: the next line is selected as it comes. */
	add_line(f, 13, PROTO_DIR_CLIENT, "QUIT");
	dump(f);
	assert_true(shows(f, "line 13: a command of the client"));
	assert_false(shows(f, "new lines below"));
	finish(f);
}

static void test_search(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	/* From the last line forward: round the end to line 3, whatever the case. */
	keys(f, "/starttls\r");
	dump(f);
	assert_true(shows(f, "line 3 (reply line 1)"));
	assert_true(shows(f, "Search wrapped to the top: line 3."));
	keys(f, "/mail\r");
	dump(f);
	assert_true(shows(f, "line 4 (reply line 2)"));
	keys(f, "n");
	dump(f);
	assert_true(shows(f, "line 1: the server's banner, its first reply on connection"));
	assert_true(shows(f, "Search wrapped to the top: line 1."));
	keys(f, "N");
	dump(f);
	assert_true(shows(f, "line 4 (reply line 2)"));
	assert_true(shows(f, "Search wrapped to the bottom: line 4."));
	keys(f, "/no such text\r");
	dump(f);
	assert_true(shows(f, "Not found: no such text"));
	assert_true(shows(f, "line 4 (reply line 2)"));
	/* An empty pattern searches again for the last one. */
	keys(f, "/\r");
	dump(f);
	assert_true(shows(f, "Not found: no such text"));
	/* Searches stay out of the command history. */
	keys(f, ":");
	ui_key(f->ui, KEY_UP);
	assert_null(strstr(command_row(f), "no such text"));
	finish(f);
}

/* What is searched is the text as shown: an ESC is found as ^[. */
static void test_search_escaped(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	(void)state;
	ui_model_init(&f->model);
	load(f, "hostile.in");
	start(f, 0);
	keys(f, "g/^[]0;\r");
	dump(f);
	assert_false(shows(f, "Not found"));
	assert_true(strstr(strchr(f->dump, '>'), "^[]0;") != NULL);
	finish(f);
}

static void test_filter(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "&server\r");
	golden(f, "filter-server");
	assert_false(shows(f, "-> EHLO ESA.com"));
	assert_true(shows(f, "filter server lines: 1 line hidden"));
	/* New lines pass the filter or not as they come. */
	add_line(f, 10, PROTO_DIR_CLIENT, "QUIT");
	add_line(f, 11, PROTO_DIR_SERVER, "221 Bye");
	dump(f);
	assert_false(shows(f, "-> QUIT"));
	assert_true(shows(f, "<- 221 Bye"));
	assert_true(shows(f, "2 lines hidden"));
	keys(f, "&MISORDERED-STARTTLS\r");
	dump(f);
	assert_true(shows(f, "filter role misordered-starttls: 10 lines hidden"));
	assert_true(shows(f, "line 3 (reply line 1)"));
	assert_false(shows(f, "250-8BITMIME"));
	keys(f, "&invalid-ehlo-keyword\r");
	dump(f);
	assert_true(shows(f, "line 4 (reply line 2)"));
	assert_false(shows(f, "250-STARTTLS"));
	keys(f, "&client\r");
	dump(f);
	assert_true(shows(f, "-> EHLO ESA.com"));
	assert_false(shows(f, "250-STARTTLS"));
	keys(f, "&bogus\r");
	dump(f);
	assert_true(shows(f, "No role, finding or direction is called bogus"));
	assert_true(shows(f, "filter client lines"));
	keys(f, "&\r");
	dump(f);
	assert_false(shows(f, "filter "));
	assert_true(shows(f, "Filter off: every line is shown."));
	keys(f, "gj");
	dump(f);
	assert_true(shows(f, "-> EHLO ESA.com"));
	assert_true(shows(f, "250-STARTTLS"));
	assert_true(shows(f, "line 2: a command of the client"));
	finish(f);
}

/* The mouse, through curses' own queue: a click selects, the wheel scrolls. */
static void test_mouse(void **state)
{
	struct fixture *f = misordered();
	MEVENT ev = {.x = 10, .y = 2, .bstate = BUTTON1_PRESSED};

	(void)state;
	start(f, 0);
	/* Row 2 of the screen is the conversation's second row: line 2 at the top. */
	keys(f, "g");
	assert_int_equal(ungetmouse(&ev), OK);
	ui_key(f->ui, KEY_MOUSE);
	dump(f);
	assert_true(shows(f, "line 2: a command of the client"));
	/* A click in the findings pane focuses it and selects the finding. */
	ev.y = row_with(f, " line 4      error");
	assert_int_equal(ungetmouse(&ev), OK);
	ui_key(f->ui, KEY_MOUSE);
	keys(f, "\r");
	dump(f);
	assert_true(shows(f, "line 4 (reply line 2)"));
	/* The wheel over the conversation scrolls it. */
	keys(f, "G");
	ev.y = 3;
	ev.bstate = BUTTON4_PRESSED;
	assert_int_equal(ungetmouse(&ev), OK);
	ui_key(f->ui, KEY_MOUSE);
	dump(f);
	assert_true(shows(f, "   3 <- 250-STARTTLS"));
	assert_false(shows(f, "250 SIZE 30000000"));
	ev.bstate = BUTTON5_PRESSED;
	assert_int_equal(ungetmouse(&ev), OK);
	ui_key(f->ui, KEY_MOUSE);
	dump(f);
	assert_true(shows(f, "250 SIZE 30000000"));
	finish(f);
	/* --no-mouse: curses reports nothing, the click selects nothing. */
	f = misordered();
	start(f, UI_NO_MOUSE);
	keys(f, "g");
	ev.y = 2;
	ev.bstate = BUTTON1_PRESSED;
	ungetmouse(&ev);
	ui_key(f->ui, KEY_MOUSE);
	dump(f);
	assert_true(shows(f, "line 1: the server's banner, its first reply on connection"));
	finish(f);
}

/* After a resize no pane shows blank rows below its end while rows above are hidden. */
static void test_resize_fills(void **state)
{
	struct fixture *f = misordered();
	char row[256];
	int y, title;

	(void)state;
	start(f, 0);
	resize(f, "16", "80");
	keys(f, "\t\t");
	ui_key(f->ui, KEY_END);
	dump(f);
	assert_false(shows(f, "line 3      error"));
	resize(f, "70", "80");
	dump(f);
	/* Every row fits now: the findings start right under the title. */
	title = row_with(f, "== Findings");
	y = row_with(f, "line 3      error");
	assert_int_equal(y, title + 1);
	assert_non_null(strstr(row_of(f, y + 1, row, sizeof row), "line 4      error"));
	finish(f);
}

/* A server that lists PIPELINING copies times: copies - 1 duplicate-keyword findings. */
static struct fixture *duplicates(unsigned copies)
{
	struct fixture *f = calloc(1, sizeof *f);
	size_t cap = 128 + (size_t)copies * 16, n;
	char *buf = malloc(cap);
	unsigned i;

	assert_non_null(f);
	assert_non_null(buf);
	ui_model_init(&f->model);
	n = (size_t)snprintf(buf, cap,
	                     "220 mx.example.org ESMTP\r\nEHLO client.example\r\n"
	                     "250-mx.example.org\r\n");
	for (i = 0; i < copies; i++)
		n += (size_t)snprintf(buf + n, cap - n, "250-PIPELINING\r\n");
	n += (size_t)snprintf(buf + n, cap - n, "250 STARTTLS\r\n");
	load_bytes(f, buf, n);
	free(buf);
	snprintf(f->model.target, sizeof f->model.target, "mx.example.org:25");
	snprintf(f->model.state, sizeof f->model.state, "plaintext");
	f->model.session_open = true;
	return f;
}

/* Thousands of findings of one id take one row, and the matrix stays in sight. */
static void test_findings_grouped(void **state)
{
	struct fixture *f = duplicates(5000);
	int y;

	(void)state;
	assert_int_equal(f->model.nfindings, 4999);
	start(f, 0);
	golden(f, "findings-grouped");
	assert_true(shows(f, "duplicate-keyword ×4999, lines 5–5003"));
	assert_true(shows(f, " clients will not send STARTTLS"));
	y = row_with(f, "duplicate-keyword ×");
	assert_false(shows(f, "line 6 "));
	/* Enter opens the group; Enter on one of its lines selects that line. */
	keys(f, "\t\t\r");
	golden(f, "findings-grouped-open");
	assert_int_equal(row_with(f, "duplicate-keyword ×"), y);
	assert_true(shows(f, "   line 5 "));
	keys(f, "jj\r");
	dump(f);
	assert_true(shows(f, "line 6 (reply line 4)"));
	/* Enter on the group again closes it. */
	keys(f, "\t\t<\r");
	dump(f);
	assert_false(shows(f, "   line 5 "));
	finish(f);
}

/* Without UTF-8 the count and the range are written in ASCII. */
static void test_findings_grouped_ascii(void **state)
{
	struct fixture *f = duplicates(12);

	(void)state;
	setenv("LC_ALL", "C", 1);
	setlocale(LC_ALL, "C");
	start(f, 0);
	dump(f);
	setenv("LC_ALL", "C.UTF-8", 1);
	setlocale(LC_ALL, "C.UTF-8");
	assert_true(shows(f, "duplicate-keyword x11, lines 5-15"));
	finish(f);
}

/* A narrow findings pane: an id is kept whole and wraps indented, never at column 0. */
static void test_findings_narrow(void **state)
{
	struct fixture *f = duplicates(5000);
	char row[256];
	const char *bar;
	int y, first;

	(void)state;
	assert_int_equal(ui_model_add_finding(&f->model, PROTO_F_STARTTLS_RESPONSE_INJECTION, 3),
	                 0);
	start(f, 0);
	resize(f, "40", "120");
	golden(f, "findings-grouped-120x40");
	assert_true(shows(f, "starttls-response-injection"));
	/* Every row of the findings pane starts blank, after the grammar's '|'. */
	first = row_with(f, "-- Findings");
	for (y = first + 1; y < 39; y++) {
		bar = strchr(row_of(f, y, row, sizeof row), '|');
		if (bar != NULL && bar[1] != '\0')
			assert_int_equal(bar[1], ' ');
	}
	assert_true(shows(f, "|   starttls-response-injection"));
	finish(f);
}

/* i opens the finding's section of docs/findings.md in a pager; q closes it. */
static void test_explain(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "\t\ti");
	golden(f, "explain");
	assert_true(shows(f, "Explain: starttls-before-greeting"));
	assert_true(shows(f, "Severity: error"));
	assert_true(shows(f, "  250-mail.example.com"));
	/* A small screen scrolls it. */
	resize(f, "12", "80");
	keys(f, "jjjj");
	dump(f);
	assert_false(shows(f, "Severity: error"));
	keys(f, ">");
	dump(f);
	assert_true(shows(f, "  250 SIZE 30000000"));
	resize(f, "24", "80");
	keys(f, "xq");
	dump(f);
	assert_false(shows(f, "Explain:"));
	assert_true(shows(f, "== Findings: 2 errors"));
	/* In the conversation: the selected line's first finding. */
	keys(f, "\t<jjji");
	dump(f);
	assert_true(shows(f, "Explain: invalid-ehlo-keyword"));
	ui_key(f->ui, 27);
	keys(f, "ki");
	dump(f);
	assert_true(shows(f, "Explain: starttls-before-greeting"));
	keys(f, "qki");
	dump(f);
	assert_false(shows(f, "Explain:"));
	assert_true(shows(f, "No finding here"));
	finish(f);
}

/* Every finding of the catalogue has its text, and the pager takes every key. */
static void test_explain_every_id(void **state)
{
	struct fixture *f = misordered();
	char want[96];
	unsigned i;
	int k;

	(void)state;
	f->model.nfindings = 0;
	for (i = 0; i < PROTO_F_COUNT; i++)
		assert_int_equal(ui_model_add_finding(&f->model, (enum proto_finding_id)i, 100 + i),
		                 0);
	start(f, 0);
	keys(f, "\t\t<");
	for (i = 0; i < PROTO_F_COUNT; i++) {
		keys(f, "i");
		dump(f);
		snprintf(want, sizeof want, "Explain: %s ",
		         proto_finding((enum proto_finding_id)i)->id);
		if (!shows(f, want))
			fail_msg("no \"%s\" on the screen:\n%s", want, f->dump);
		keys(f, "q");
		keys(f, "j");
	}
	/* No key, printable or not, escapes the pager but q and Escape, nor aborts. */
	keys(f, "<i");
	for (k = 1; k < 256; k++)
		if (k != 'q' && k != 27)
			ui_key(f->ui, k);
	for (k = KEY_MIN; k < KEY_MAX; k++)
		if (k != KEY_RESIZE)
			ui_key(f->ui, k);
	dump(f);
	assert_true(shows(f, "Explain: "));
	finish(f);
}

/* The attributes of the screen cell where text first appears. */
static chtype cell_of(struct fixture *f, const char *text)
{
	const char *at = strstr(f->dump, text), *p;
	int y = 0, x = 0;

	assert_non_null(at);
	for (p = f->dump; p < at; p++) {
		x = *p == '\n' ? 0 : x + 1;
		y += *p == '\n';
	}
	return mvinch(y, x);
}

static void test_mono_and_small(void **state)
{
	struct fixture *f = misordered();
	chtype ch;

	(void)state;
	start(f, 0);
	keys(f, "<");
	dump(f);
	ch = cell_of(f, "250-STARTTLS");
	assert_true(PAIR_NUMBER(ch) != 0);
	ui_free(f->ui);
	/* Without colours the misordered line is bold and reversed all the same. */
	start(f, UI_NO_COLOR);
	keys(f, "<");
	dump(f);
	ch = cell_of(f, "250-STARTTLS");
	assert_int_equal(PAIR_NUMBER(ch), 0);
	assert_true((ch & A_REVERSE) && (ch & A_BOLD));
	ch = cell_of(f, "250-mail.domain1.com");
	assert_true(ch & A_UNDERLINE);
	/* A small terminal keeps the conversation alone. */
	setenv("LINES", "10", 1);
	setenv("COLUMNS", "40", 1);
	ui_resize(f->ui);
	dump(f);
	assert_int_equal(rows(f), 10);
	assert_true(shows(f, "250-STARTTLS"));
	assert_false(shows(f, "Grammar"));
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	finish(f);
}

/* A file of tests/data/ui, open in plaintext. */
static struct fixture *ui_file(const char *name)
{
	struct fixture *f = calloc(1, sizeof *f);
	char path[128];

	assert_non_null(f);
	ui_model_init(&f->model);
	snprintf(path, sizeof path, "../ui/%s", name);
	load(f, path);
	snprintf(f->model.target, sizeof f->model.target, "127.0.0.1:2525");
	snprintf(f->model.state, sizeof f->model.state, "plaintext");
	f->model.session_open = true;
	return f;
}

/* The colour pair of the cell at the start of row y's text. */
static short pair_at_row(struct fixture *f, const char *text)
{
	return PAIR_NUMBER(cell_of(f, text));
}

/* 252-STARTTLS inside a 250 reply fails the "250-" literal, not the keyword. */
static void test_mixed_code(void **state)
{
	struct fixture *f = ui_file("mixed-252.in");
	short error;

	(void)state;
	start(f, 0);
	keys(f, "<jjj");
	golden(f, "mixed-252");
	assert_true(shows(f, "line 4 (reply line 2)"));
	assert_true(shows(f, "\"252\" is not the literal \"250\""));
	error = pair_at_row(f, "! error mixed-reply-codes");
	assert_true(error != 0);
	assert_int_equal(pair_at_row(f, "\"252\"  \"-\""), error);
	resize(f, "40", "120");
	golden(f, "mixed-252-120x40");
	/* The row of the literal fails; the keyword's rows matched. */
	assert_int_equal(pair_at_row(f, ">                  *( \"250-\" ehlo-line CRLF )"), error);
	assert_true(pair_at_row(f, "> ehlo-keyword =") != error);
	assert_true(pair_at_row(f, "> ehlo-keyword =") != 0);
	finish(f);
}

/* The banner: code, Domain and textstring, and why the Domain parses. */
static void test_banner_parts(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "<");
	golden(f, "banner");
	assert_true(shows(f, "line 1: the server's banner"));
	assert_true(shows(f, "role banner"));
	assert_true(shows(f, "Domain \"mail.domain1.com\"  textstring \"ESMTP"));
	assert_true(shows(f, "\"mail.domain1.com\" is a Domain of 3 sub-domains:  \"mail\"  "
	                     "\"domain1\"  \"com\""));
	assert_false(shows(f, "server's greeting"));
	finish(f);
}

/* sub-domain, Let-dig and Ldh-str tell why STARTTLS is a Domain and mail.domain1.com no keyword. */
static void test_domain_rules(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	resize(f, "60", "120");
	keys(f, "<jj");
	dump(f);
	assert_true(shows(f, "role misordered-starttls: STARTTLS where the Domain belongs"));
	assert_true(shows(f, "\"STARTTLS\" is a Domain of one sub-domain:  Let-dig \"S\""));
	assert_true(shows(f, "\"TARTTLS\""));
	assert_true(shows(f, "> sub-domain   = Let-dig [Ldh-str]                ; §4.1.2"));
	assert_true(shows(f, "> Let-dig      = ALPHA / DIGIT"));
	assert_true(shows(f, "> Ldh-str      = *( ALPHA / DIGIT / \"-\" ) Let-dig"));
	keys(f, "j");
	golden(f, "misordered-line4-120x60");
	assert_true(shows(f, "role malformed"));
	assert_true(
	    shows(f, "ehlo-keyword takes \"mail\"  then stops at \".\" (not ALPHA / DIGIT"));
	assert_true(shows(f, "\"mail.domain1.com\" is a Domain of 3 sub-domains"));
	/* The keyword's rows fail; the Domain's rows say what it is instead. */
	assert_true(pair_at_row(f, "> ehlo-keyword =") != pair_at_row(f, "> sub-domain   ="));
	finish(f);
}

/* L shows each role's name in its own colour, and hides it again. */
static void test_legend(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	resize(f, "40", "120");
	keys(f, "<jjL");
	golden(f, "legend-120x40");
	assert_true(shows(f, "Legend (L hides):"));
	assert_true(shows(f, "misordered-starttls STARTTLS where the Domain belongs"));
	assert_true(shows(f, "malformed matches no production"));
	assert_true(shows(f, "greeting EHLO line 1"));
	assert_true(shows(f, "banner the 220 line"));
	assert_int_equal(pair_at_row(f, "misordered-starttls STARTTLS"),
	                 pair_at_row(f, "250-STARTTLS  !"));
	assert_int_equal(pair_at_row(f, "malformed matches"),
	                 pair_at_row(f, "250-mail.domain1.com  !"));
	keys(f, "L");
	dump(f);
	assert_false(shows(f, "Legend (L hides):"));
	/* Without colours the legend is drawn in the same attributes as the lines. */
	ui_free(f->ui);
	start(f, UI_NO_COLOR);
	resize(f, "40", "120");
	keys(f, "<jjL");
	dump(f);
	assert_int_equal(cell_of(f, "misordered-starttls STARTTLS") & A_ATTRIBUTES,
	                 cell_of(f, "250-STARTTLS  !") & A_ATTRIBUTES);
	finish(f);
}

static void test_model(void **state)
{
	struct proto_lint_line line = {.dir = PROTO_DIR_SERVER, .role = PROTO_ROLE_REPLY};
	struct ui_model model;
	size_t total = UI_LINES_MAX + 10, i;

	(void)state;
	ui_model_init(&model);
	line.text = "250 OK";
	line.len = 6;
	for (i = 0; i < total; i++) {
		line.n = (unsigned)i + 1;
		assert_int_equal(ui_model_add_line(&model, &line, "07:10:00.000"), 0);
		if (i % 1000 == 0)
			assert_int_equal(ui_model_add_finding(&model, PROTO_F_BARE_LF, line.n), 0);
		/* An error on the first line: its line goes, the exit status stays 1. */
		if (i == 0)
			assert_int_equal(
			    ui_model_add_finding(&model, PROTO_F_STARTTLS_BEFORE_GREETING, 1), 0);
	}
	assert_int_equal(ui_model_errors(&model), 1);
	assert_true(model.nlines <= UI_LINES_MAX);
	assert_int_equal(model.nlines + model.dropped, total);
	assert_int_equal(model.lines[0].n, model.dropped + 1);
	assert_string_equal(model.lines[model.nlines - 1].text, "250 OK");
	/* The older half went at once; the findings of dropped lines are gone, the others stay. */
	assert_int_equal(model.dropped, UI_LINES_MAX / 2);
	for (i = 0; i < model.nfindings; i++)
		assert_true(model.findings[i].n > model.dropped);
	assert_int_equal(model.lines[(size_t)(1000 * 65) - model.dropped].nfindings, 1);
	ui_model_free(&model);
	assert_int_equal(model.nlines, 0);
	ui_free(NULL);
}

/*
 * Issue 11: an owner that can bring back any line, as replay does: total
 * made-up lines, of which the model keeps a window. Line 6 holds "needle";
 * lines 10 and total-4 carry a bare-lf finding.
 */
struct far {
	struct ui_model model;
	size_t total;
	int seeks;
	struct ui *ui;
	char dump[DUMP_MAX];
};

static void far_line(struct far *w, size_t i, bool again)
{
	struct proto_lint_line line = {.dir = PROTO_DIR_SERVER, .role = PROTO_ROLE_REPLY};
	char text[32];

	line.n = (unsigned)i + 1;
	line.len =
	    (size_t)snprintf(text, sizeof text, "250 %s %zu", i == 5 ? "needle" : "line", i + 1);
	line.text = text;
	assert_int_equal(ui_model_add_line(&w->model, &line, "07:10:00.000"), 0);
	if (i != 9 && i != 149995)
		return;
	if (again)
		ui_model_attach(&w->model, PROTO_F_BARE_LF, line.n);
	else
		assert_int_equal(ui_model_add_finding(&w->model, PROTO_F_BARE_LF, line.n), 0);
}

static void far_seek(void *ctx, size_t index, bool back)
{
	struct far *w = ctx;
	size_t half = UI_SEEK_LINES, first, i;

	assert_true(index < w->total);
	first = back ? (index + 1 > half ? index + 1 - half : 0) : index;
	ui_model_window(&w->model, first);
	for (i = first; i < w->total && i < first + half; i++)
		far_line(w, i, true);
	w->model.after = w->total - w->model.dropped - w->model.nlines;
	ui_model_attach_listed(&w->model);
	w->seeks++;
}

static bool far_shows(struct far *w, const char *text)
{
	ui_draw(w->ui);
	assert_true(ui_dump(w->ui, w->dump, sizeof w->dump) < sizeof w->dump);
	return strstr(w->dump, text) != NULL;
}

static void far_keys(struct far *w, const char *script)
{
	for (; *script != '\0'; script++)
		ui_key(w->ui, (unsigned char)*script);
}

static void test_model_seek(void **state)
{
	static const struct ui_ops ops = {.seek = far_seek};
	struct far *w = calloc(1, sizeof *w);
	MEVENT ev = {.x = 10, .y = 2, .bstate = BUTTON4_PRESSED};
	char err[256] = "", want[64];
	size_t i, first;

	(void)state;
	assert_non_null(w);
	ui_model_init(&w->model);
	w->model.replay = w->model.keep_findings = true;
	w->total = 150000;
	for (i = 0; i < w->total; i++)
		far_line(w, i, false);
	assert_true(w->model.dropped > 0);
	assert_int_equal(w->model.nfindings, 2);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	w->ui = ui_new(&w->model, &ops, w, UI_HEADLESS, err, sizeof err);
	assert_non_null(w->ui);
	assert_true(far_shows(w, "line 150000: "));
	/* A search from the tail: following stops, and no line is new yet. */
	far_keys(w, "/needle\r");
	assert_true(far_shows(w, "line 6: "));
	assert_false(far_shows(w, "new line"));
	/* Home, End: the window moves to the first line and back. */
	far_keys(w, "g");
	assert_true(far_shows(w, "line 1: "));
	assert_int_equal(w->model.dropped, 0);
	far_keys(w, "G");
	assert_true(far_shows(w, "line 150000: "));
	/* A search goes through the lines out of the window, and wraps. */
	far_keys(w, "/needle\r");
	assert_true(far_shows(w, "line 6: "));
	assert_true(far_shows(w, "Search wrapped to the top: line 6."));
	far_keys(w, "/no such line\r");
	assert_true(far_shows(w, "Not found"));
	assert_true(far_shows(w, "line 6: "));
	/* With a filter, moves skip from one shown line to the next, windows apart. */
	far_keys(w, "&bare-lf\rG");
	assert_true(far_shows(w, "line 149996: "));
	far_keys(w, "k");
	assert_true(far_shows(w, "line 10: "));
	far_keys(w, "k");
	assert_true(far_shows(w, "line 10: "));
	far_keys(w, "j");
	assert_true(far_shows(w, "line 149996: "));
	assert_true(w->seeks >= 6);
	assert_true(w->model.nlines <= UI_LINES_MAX);
	/* A line stepped to while the window is elsewhere is counted, and the view stays. */
	far_keys(w, "&\rg");
	assert_true(far_shows(w, "line 1: "));
	w->total++;
	far_line(w, w->total - 1, false);
	assert_int_equal(ui_model_add_finding(&w->model, PROTO_F_LINE_TOO_LONG, 150001), 0);
	assert_int_equal(w->model.findings[w->model.nfindings - 1].at, 150000);
	assert_true(far_shows(w, "line 1: "));
	assert_true(far_shows(w, "1 new line below (End)"));
	far_keys(w, "G");
	assert_true(far_shows(w, "line 150001: "));
	assert_true(far_shows(w, "line-too-long"));
	/* The wheel on the window's first row goes on into the lines before it. */
	first = w->model.dropped;
	assert_true(first > 0);
	for (i = 1; i < w->model.nlines; i++)
		ui_key(w->ui, KEY_UP);
	snprintf(want, sizeof want, "line %zu: ", first + 1);
	assert_true(far_shows(w, want));
	assert_int_equal(ungetmouse(&ev), OK);
	ui_key(w->ui, KEY_MOUSE);
	snprintf(want, sizeof want, "line %zu: ", first + 1 - 3);
	assert_true(far_shows(w, want));
	ui_free(w->ui);
	ui_model_free(&w->model);
	free(w);
}

/* Issue 11: findings are grouped as they come, drawn between; past UI_FINDINGS_MAX only counted. */
static void test_findings_many(void **state)
{
	struct fixture *f = misordered();
	size_t i;

	(void)state;
	start(f, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(ui_model_add_finding(&f->model, PROTO_F_BARE_LF, 3), 0);
	dump(f);
	assert_true(shows(f, "bare-lf \xc3\x97"
	                     "1000, lines 3"));
	for (i = 1000; i < UI_FINDINGS_MAX + 3; i++)
		assert_int_equal(ui_model_add_finding(&f->model, PROTO_F_BARE_LF, 4), 0);
	dump(f);
	/* The field case's own 2 findings come first: 5 are left out of the list. */
	assert_int_equal(f->model.unlisted, 5);
	assert_true(
	    shows(f, "Findings: 2 errors, 262142 warnings, 0 info (and 5 more, not listed)"));
	assert_true(shows(f, "bare-lf \xc3\x97"
	                     "262142, lines 3\xe2\x80\x93"
	                     "4"));
	finish(f);
}

/* Issue 11: PgDn pages by the rows that show lines: with the filter's footer, one fewer. */
static void test_page_footer(void **state)
{
	struct fixture *f = misordered();
	const char *first;

	(void)state;
	start(f, 0);
	keys(f, "&server\rg");
	dump(f); /* as after every key: the pane scrolls to the top */
	ui_key(f->ui, KEY_NPAGE);
	dump(f);
	/* No scroll: the first server line is still the pane's first row. */
	first = strchr(f->dump, '\n') + 1;
	if (strncmp(first, "   1 <- 220", 11) != 0)
		fail_msg("PgDn scrolled past the rows shown:\n%s", f->dump);
	finish(f);
}

/* Issue 11: with a filter, "N new lines below" counts only the new lines it shows. */
static void test_unseen_filter(void **state)
{
	struct fixture *f = misordered();
	struct proto_lint_line line = {.dir = PROTO_DIR_CLIENT, .role = PROTO_ROLE_COMMAND};

	(void)state;
	start(f, 0);
	keys(f, "&server\rg");
	dump(f);
	line.text = "NOOP";
	line.len = 4;
	for (line.n = 100; line.n < 103; line.n++)
		assert_int_equal(ui_model_add_line(&f->model, &line, "07:10:00.000"), 0);
	dump(f);
	assert_false(shows(f, "new line"));
	line.dir = PROTO_DIR_SERVER;
	line.role = PROTO_ROLE_REPLY;
	line.text = "250 OK";
	line.len = 6;
	assert_int_equal(ui_model_add_line(&f->model, &line, "07:10:00.000"), 0);
	dump(f);
	assert_true(shows(f, "1 new line below (End)"));
	finish(f);
}

/* Adds the lines numbered first to last (line i of all is numbered i + 1). */
static void model_lines(struct ui_model *m, unsigned first, unsigned last)
{
	struct proto_lint_line line = {.dir = PROTO_DIR_SERVER, .role = PROTO_ROLE_REPLY};

	line.text = "250 OK";
	line.len = 6;
	for (line.n = first; line.n <= last; line.n++)
		assert_int_equal(ui_model_add_line(m, &line, "07:10:00.000"), 0);
}

/*
 * Issue 11: a finding that comes after its line finds the line's index,
 * though seeks brought older lines in meanwhile; one whose line was out of
 * sight gets its index once a seek brings the line in.
 */
static void test_model_recent(void **state)
{
	struct ui_model m;
	int k;

	(void)state;
	ui_model_init(&m);
	m.keep_findings = true;
	model_lines(&m, 1, 10);
	ui_model_window(&m, 0); /* a seek to the top: lines 1-3, the rest after */
	model_lines(&m, 1, 3);
	m.after = 7;
	model_lines(&m, 11, 11); /* stepped to while the window is at the top: counted */
	assert_int_equal(m.nlines, 3);
	assert_int_equal(ui_model_total(&m), 11);
	for (k = 0; k < 300; k++) { /* more seeks, each bringing lines 1-3 again */
		ui_model_window(&m, 0);
		model_lines(&m, 1, 3);
		m.after = 8;
	}
	assert_int_equal(ui_model_add_finding(&m, PROTO_F_BARE_LF, 11), 0);
	assert_int_equal(m.findings[0].at, 10);
	/* Line 9 went out of the ring of recent lines: its finding has no index yet. */
	model_lines(&m, 12, 311);
	assert_int_equal(ui_model_add_finding(&m, PROTO_F_BARE_LF, 9), 0);
	assert_int_equal(m.findings[1].at, SIZE_MAX);
	ui_model_window(&m, 8);
	model_lines(&m, 9, 11);
	m.after = 300; /* lines 12-311 */
	ui_model_attach_listed(&m);
	assert_int_equal(m.findings[1].at, 8);
	assert_int_equal(m.lines[0].nfindings, 1);
	assert_int_equal(m.lines[2].nfindings, 1);
	ui_model_free(&m);
}

/* Long lines: the text kept stays under UI_TEXT_MAX, the newest lines kept. */
static void test_model_bytes(void **state)
{
	static char text[PROTO_LINE_KEEP];
	struct proto_lint_line line = {.dir = PROTO_DIR_SERVER, .role = PROTO_ROLE_REPLY};
	struct ui_model model;
	size_t total = UI_TEXT_MAX / sizeof text + 5000, i, sum = 0;

	(void)state;
	memset(text, 'x', sizeof text);
	ui_model_init(&model);
	line.text = text;
	line.len = sizeof text;
	for (i = 0; i < total; i++) {
		line.n = (unsigned)i + 1;
		assert_int_equal(ui_model_add_line(&model, &line, "07:10:00.000"), 0);
		assert_true(model.text_bytes <= UI_TEXT_MAX);
	}
	assert_true(model.dropped > 0);
	assert_int_equal(model.nlines + model.dropped, total);
	assert_int_equal(model.lines[model.nlines - 1].n, total);
	for (i = 0; i < model.nlines; i++)
		sum += model.lines[i].len;
	assert_int_equal(sum, model.text_bytes);
	ui_model_free(&model);
}

/* A model of hand-made lines, each with the ending the engine would give it. */
static struct fixture *raw_fixture(void)
{
	static const struct {
		const char *text;
		enum proto_term term;
		unsigned flags;
	} lines[] = {
	    {"220 mx.example.org ESMTP", PROTO_TERM_CRLF, 0},
	    {"250-mx.example.org", PROTO_TERM_LF, PROTO_L_BARE_LF},
	    {"250-SIZE 1\r", PROTO_TERM_CRLF, PROTO_L_BARE_CR},
	    {"250 8BITMIME", PROTO_TERM_UNKNOWN, 0},
	    {"250 cut \033]0;x", PROTO_TERM_EOF, PROTO_L_NO_EOL | PROTO_L_CTRL},
	};
	struct fixture *f = calloc(1, sizeof *f);
	struct proto_lint_line l;
	size_t i;

	assert_non_null(f);
	ui_model_init(&f->model);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		memset(&l, 0, sizeof l);
		l.n = (unsigned)i + 1;
		l.dir = PROTO_DIR_SERVER;
		l.role = i == 0 ? PROTO_ROLE_BANNER : PROTO_ROLE_REPLY;
		l.text = lines[i].text;
		l.len = strlen(lines[i].text);
		l.term = lines[i].term;
		l.flags = lines[i].flags;
		assert_int_equal(ui_model_add_line(&f->model, &l, "07:10:00.000"), 0);
	}
	snprintf(f->model.target, sizeof f->model.target, "mx.example.org:25");
	return f;
}

/* Issue 11: x shows the bytes of the selected line with its real ending, hex included. */
static void test_raw_view(void **state)
{
	struct fixture *f = raw_fixture();

	(void)state;
	start(f, 0);
	ui_key(f->ui, KEY_HOME);
	keys(f, "x");
	golden(f, "raw-crlf");
	assert_true(shows(f, "220 mx.example.org ESMTP\u240d\u240a"));
	assert_true(shows(f, "0010  72 67 20 45 53 4d 54 50 0d 0a"));
	keys(f, "x");
	keys(f, "jx");
	golden(f, "raw-bare-lf");
	assert_true(shows(f, "250-mx.example.org\u240a"));
	assert_false(shows(f, "\u240d"));
	assert_true(shows(f, "line end: a bare LF (as received)"));
	ui_key(f->ui, 27);
	keys(f, "jx");
	dump(f);
	assert_true(shows(f, "250-SIZE 1^M\u240d\u240a"));
	assert_true(shows(f, "31 0d 0d 0a"));
	keys(f, "qjx");
	dump(f);
	assert_true(shows(f, "line end: CR LF (reconstructed)"));
	assert_true(shows(f, "The source did not record"));
	keys(f, "qjx");
	dump(f);
	assert_true(shows(f, "250 cut ^[]0;x"));
	assert_true(shows(f, "line end: none"));
	/* Other keys neither close the view nor act on the session. */
	keys(f, "sr w");
	dump(f);
	assert_true(shows(f, "Raw bytes (q closes)"));
	assert_int_equal(f->calls.skip + f->calls.run + f->calls.send + f->calls.write, 0);
	keys(f, "q");
	dump(f);
	assert_false(shows(f, "Raw bytes (q closes)"));
	finish(f);
}

/* Issue 11: the plaintext dropped at STARTTLS is shown, escaped and in hex; ASCII marks too. */
static void test_raw_discarded(void **state)
{
	struct fixture *f = raw_fixture();
	static const char injected[] = "250 injected\r\n\033[2Jrest";

	(void)state;
	ui_model_set_discarded(&f->model, injected, sizeof injected - 1, 5000);
	/* A terminal that is not UTF-8: the marks are C escapes. */
	setenv("LC_ALL", "C", 1);
	setlocale(LC_ALL, "C");
	start(f, 0);
	setenv("LC_ALL", "C.UTF-8", 1);
	ui_key(f->ui, KEY_HOME);
	keys(f, "x");
	golden(f, "raw-discarded-ascii");
	assert_true(shows(f, "220 mx.example.org ESMTP\\r\\n"));
	assert_true(shows(f, "Discarded after the 220 to STARTTLS: 5000 bytes"));
	assert_true(shows(f, "250 injected\\r\\n"));
	assert_true(shows(f, "^[[2Jrest"));
	finish(f);
	setlocale(LC_ALL, "C.UTF-8");
}

/*
 * Issue 11: C shows the owner's TLS text as check prints it (escaped by the
 * owner, not escaped again), or says there is none yet. A control byte the
 * owner left all the same never reaches the screen.
 */
static void test_cert_view(void **state)
{
	struct fixture *f = raw_fixture();
	static const char text[] = "\nTLS: TLSv1.3 TLS_AES_256_GCM_SHA384 X25519\n"
	                           "  certificate NOT verified: self-signed certificate\n"
	                           "  0 subject  CN=evil^[]52;c;AAAA^G, O=back\\\\slash\n"
	                           "    issuer   CN=raw\033]52;c;BBBB\a\n"
	                           "    sha256   AB:CD:EF\n";

	(void)state;
	start(f, 0);
	keys(f, "C");
	dump(f);
	assert_true(shows(f, "No certificate yet: the session is in plaintext."));
	keys(f, "C");
	assert_int_equal(ui_model_set_tls(&f->model, text, sizeof text - 1), 0);
	keys(f, "C");
	golden(f, "cert");
	assert_true(shows(f, "TLS: TLSv1.3 TLS_AES_256_GCM_SHA384 X25519"));
	assert_true(shows(f, "CN=evil^[]52;c;AAAA^G, O=back\\\\slash"));
	assert_false(shows(f, "\\^["));
	assert_false(shows(f, "back\\\\\\\\slash"));
	assert_true(shows(f, "CN=raw?]52;c;BBBB?"));
	assert_true(shows(f, "sha256   AB:CD:EF"));
	ui_key(f->ui, 27);
	dump(f);
	assert_false(shows(f, "Certificate and TLS"));
	finish(f);
}

/* A row of the last dump that shows both texts, in order. */
static bool row_shows(struct fixture *f, const char *a, const char *b)
{
	const char *p = f->dump, *at, *nl;

	while ((at = strstr(p, a)) != NULL) {
		nl = strchr(at, '\n');
		for (p = at; *p != '\0' && p != nl; p++)
			if (strncmp(p, b, strlen(b)) == 0)
				return true;
		if (nl == NULL)
			return false;
		p = nl + 1;
	}
	return false;
}

/* Issue 11: D sets the EHLO reply before TLS against the one inside, keyword by keyword. */
static void test_compare_view(void **state)
{
	struct fixture *f = ui_file("compare.in");

	(void)state;
	snprintf(f->model.state, sizeof f->model.state, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	start(f, 0);
	keys(f, "D");
	golden(f, "compare");
	assert_true(shows(f, "5 keywords: 2 same, 1 params differ, 1 only before TLS, 1 only"));
	assert_true(row_shows(f, "Domain", "same"));
	assert_true(row_shows(f, "PIPELINING", "same"));
	assert_true(row_shows(f, "SIZE ", "params differ"));
	assert_true(row_shows(f, "10240000", "52428800"));
	assert_true(row_shows(f, "STARTTLS", "only before TLS"));
	assert_true(shows(f, "gone inside TLS, as RFC 3207 \u00a74.2 requires"));
	assert_true(row_shows(f, "AUTH", "PLAIN LOGIN"));
	assert_true(row_shows(f, "AUTH", "only inside TLS"));
	/* The keywords of the reply before TLS come first, in its order; AUTH after them. */
	assert_true(row_with(f, "| PIPELINING") < row_with(f, "| SIZE"));
	assert_true(row_with(f, "| SIZE") < row_with(f, "| STARTTLS"));
	assert_true(row_with(f, "| STARTTLS") < row_with(f, "| AUTH"));
	/* Other keys neither close the view nor act on the session; D closes it. */
	keys(f, "sr w");
	dump(f);
	assert_true(shows(f, "EHLO before and inside TLS"));
	assert_int_equal(f->calls.skip + f->calls.run + f->calls.send + f->calls.write, 0);
	keys(f, "D");
	dump(f);
	assert_false(shows(f, "EHLO before and inside TLS"));
	keys(f, "D");
	ui_key(f->ui, 27);
	dump(f);
	assert_false(shows(f, "EHLO before and inside TLS"));
	finish(f);
	/* STARTTLS still offered inside TLS is said to be wrong. */
	f = ui_file("../lint/transcript-starttls-after-tls.in");
	start(f, 0);
	keys(f, "D");
	dump(f);
	assert_true(row_shows(f, "STARTTLS", "same"));
	assert_true(shows(f, "still offered inside TLS: RFC 3207"));
	assert_false(shows(f, "gone inside TLS"));
	finish(f);
}

/* Without both replies the view says which is missing and what to do. */
static void test_compare_missing(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "D");
	dump(f);
	assert_true(shows(f, "No EHLO reply inside TLS yet: press Space to go on to STARTTLS and"));
	assert_false(shows(f, "verdict"));
	keys(f, "q");
	f->model.replay = true;
	f->model.session_open = false;
	f->model.replay_total = f->model.nlines;
	keys(f, "D");
	dump(f);
	assert_true(shows(f, "The transcript holds no EHLO reply inside TLS"));
	f->model.replay_total = f->model.nlines + 5;
	dump(f);
	assert_true(shows(f, "No EHLO reply inside TLS among the lines shown so far"));
	finish(f);
	f = calloc(1, sizeof *f);
	assert_non_null(f);
	ui_model_init(&f->model);
	f->model.session_open = true;
	start(f, 0);
	keys(f, "D");
	dump(f);
	assert_true(shows(f, "No EHLO reply yet: press Space to send the EHLO"));
	finish(f);
}

/* A transcript line at a made-up time; text is in the transcript's escaping. */
static size_t transcript_line(char *buf, size_t len, size_t at, const char *mark, const char *text)
{
	int n = snprintf(buf + at, len - at, "2026-11-22T07:10:00.000Z %s %s\n", mark, text);

	assert_true(n > 0 && (size_t)n < len - at);
	return at + (size_t)n;
}

/* Hundreds of keywords scroll; a misordered line 1 counts by its keyword; bytes escaped. */
static void test_compare_long(void **state)
{
	static char buf[128 * 1024];
	struct fixture *f = calloc(1, sizeof *f);
	char text[128];
	size_t at = 0;
	int i;

	(void)state;
	assert_non_null(f);
	ui_model_init(&f->model);
	at = (size_t)snprintf(buf, sizeof buf, "# smtpscope transcript 1\n");
	at = transcript_line(buf, sizeof buf, at, "<- ", "220 mx.example.org ESMTP");
	at = transcript_line(buf, sizeof buf, at, " ->", "EHLO client.example");
	at = transcript_line(buf, sizeof buf, at, "<- ", "250-STARTTLS");
	at = transcript_line(buf, sizeof buf, at, "<- ", "250-mx.example.org");
	at = transcript_line(buf, sizeof buf, at, "<- ", "250-X-EVIL a\\x1b]0;owned\\x07 b");
	for (i = 0; i < 300; i++) {
		snprintf(text, sizeof text, "250%cX-K%03d %d", i == 299 ? ' ' : '-', i, i);
		at = transcript_line(buf, sizeof buf, at, "<- ", text);
	}
	at = transcript_line(buf, sizeof buf, at, " ->", "STARTTLS");
	at = transcript_line(buf, sizeof buf, at, "<- ", "220 2.0.0 Ready to start TLS");
	at = transcript_line(buf, sizeof buf, at, "===", "TLS started: TLSv1.3");
	at = transcript_line(buf, sizeof buf, at, " ~>", "EHLO client.example");
	at = transcript_line(buf, sizeof buf, at, "<~ ", "250-mx.example.org");
	at = transcript_line(buf, sizeof buf, at, "<~ ", "250-X-K000 0");
	at = transcript_line(buf, sizeof buf, at, "<~ ", "250 X-\\x9bLAST");
	load_bytes(f, buf, at);
	start(f, 0);
	keys(f, "D");
	dump(f);
	assert_true(shows(f, "303 keywords: 1 same, 0 params differ, 301 only before TLS, 1 only"));
	assert_true(row_shows(f, "Domain", "same"));
	assert_true(shows(f, "before TLS: line 1 holds a keyword; the Domain is on line 2 of"));
	assert_true(row_shows(f, "STARTTLS", "only before TLS"));
	assert_true(row_shows(f, "X-EVIL", "a^[]0;owned^G b"));
	assert_false(shows(f, "X-K299"));
	ui_key(f->ui, KEY_END);
	dump(f);
	assert_true(row_shows(f, "X-K299", "only before TLS"));
	assert_true(row_shows(f, "X-\\x9bLAST", "only inside TLS"));
	assert_false(shows(f, "Domain"));
	ui_key(f->ui, KEY_HOME);
	dump(f);
	assert_true(shows(f, "Domain"));
	/* At 40 columns the cells are cut, the cut marked, the screen still clean. */
	resize(f, "20", "40");
	dump(f);
	assert_true(shows(f, "\u2026"));
	finish(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(state_dir, sizeof state_dir, "/tmp/smtpscope-test-ui-XXXXXX");
	if (mkdtemp(state_dir) == NULL)
		return -1;
	setenv("XDG_STATE_HOME", state_dir, 1);
	setenv("EDITRC", "/dev/null", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_misordered_grammar),
	    cmocka_unit_test(test_misordered_1869),
	    cmocka_unit_test(test_matrix_toggle),
	    cmocka_unit_test(test_wide),
	    cmocka_unit_test(test_status_overflow),
	    cmocka_unit_test(test_replay_status),
	    cmocka_unit_test(test_delta),
	    cmocka_unit_test(test_partial_row),
	    cmocka_unit_test(test_status_times),
	    cmocka_unit_test(test_wide_170),
	    cmocka_unit_test(test_banner_wide),
	    cmocka_unit_test(test_compact_more),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_pause_starttls),
	    cmocka_unit_test(test_pause_all_see),
	    cmocka_unit_test(test_edit),
	    cmocka_unit_test(test_command),
	    cmocka_unit_test(test_emacs_keys),
	    cmocka_unit_test(test_vi_keys),
	    cmocka_unit_test(test_complete),
	    cmocka_unit_test(test_history),
	    cmocka_unit_test(test_session_keys),
	    cmocka_unit_test(test_navigation_never_sends),
	    cmocka_unit_test(test_quit),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_raw_view),
	    cmocka_unit_test(test_raw_discarded),
	    cmocka_unit_test(test_cert_view),
	    cmocka_unit_test(test_compare_view),
	    cmocka_unit_test(test_compare_missing),
	    cmocka_unit_test(test_compare_long),
	    cmocka_unit_test(test_tls_transcript),
	    cmocka_unit_test(test_tail),
	    cmocka_unit_test(test_findings_enter),
	    cmocka_unit_test(test_resize_fills),
	    cmocka_unit_test(test_keys_doc),
	    cmocka_unit_test(test_tail_unseen),
	    cmocka_unit_test(test_search),
	    cmocka_unit_test(test_search_escaped),
	    cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_mouse),
	    cmocka_unit_test(test_findings_grouped),
	    cmocka_unit_test(test_findings_grouped_ascii),
	    cmocka_unit_test(test_findings_narrow),
	    cmocka_unit_test(test_explain),
	    cmocka_unit_test(test_explain_every_id),
	    cmocka_unit_test(test_mono_and_small),
	    cmocka_unit_test(test_mixed_code),
	    cmocka_unit_test(test_banner_parts),
	    cmocka_unit_test(test_domain_rules),
	    cmocka_unit_test(test_legend),
	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_model_bytes),
	    cmocka_unit_test(test_model_seek),
	    cmocka_unit_test(test_findings_many),
	    cmocka_unit_test(test_model_recent),
	    cmocka_unit_test(test_page_footer),
	    cmocka_unit_test(test_unseen_filter),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
