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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "proto.h"
#include "ui.h"

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

/* Lints a file of tests/data/lint into the model, as the owner would. */
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
	f->src = proto_source_new(PROTO_FORMAT_AUTO, &lint_ops, &f->model);
	assert_non_null(f->src);
	assert_int_equal(proto_source_feed(f->src, buf, n), 0);
	assert_int_equal(proto_source_end(f->src), 0);
	f->model.lint = proto_source_lint(f->src);
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
	keys(f, "<jjg");
	golden(f, "misordered-line3-rfc1869");
	assert_true(shows(f, "domain [ SP greeting ] -- holding the keyword STARTTLS"));
	assert_true(shows(f, "RFC 1869"));
	/* The domain of line 1 is RFC 821's, as in RFC 1869 §4.3. */
	resize(f, "40", "120");
	dump(f);
	assert_true(
	    shows(f, "> domain       ::= <element> | <element> \".\" <domain>   ; RFC 821"));
	resize(f, "24", "80");
	keys(f, "g");
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
	assert_true(shows(f, "8 of 16 clients do not see STARTTLS"));
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
	assert_true(shows(f, "posttls-finger    yes (line 3)"));
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
	assert_true(
	    shows(f, "| 8 of 16 clients do not see STARTTLS in the EHLO reply that starts"));
	assert_true(shows(f, "(c hides)"));
	assert_true(shows(f, "| line 3      error"));
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
	assert_true(shows(f, "openssl-s_client, … (+2 more rows)"));
	finish(f);
}

static void test_help(void **state)
{
	struct fixture *f = misordered();

	(void)state;
	start(f, 0);
	keys(f, "?");
	golden(f, "help");
	assert_true(shows(f, "write the transcript"));
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
	assert_true(shows(f, "Send anyway? (Space sends, s skips)"));
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
	assert_true(shows(f, "Every client sees STARTTLS"));
	f->model.pending = "STARTTLSX";
	dump(f);
	assert_false(shows(f, "Every client sees STARTTLS"));
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
	keys(f, "nsrw");
	assert_int_equal(f->calls.send, 1);
	assert_int_equal(f->calls.skip, 1);
	assert_int_equal(f->calls.run, 1);
	assert_int_equal(f->calls.write, 1);
	f->model.replay = true;
	keys(f, " n");
	assert_int_equal(f->calls.step, 2);
	assert_int_equal(f->calls.send, 1);
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
	}
	assert_true(model.nlines <= UI_LINES_MAX);
	assert_int_equal(model.nlines + model.dropped, total);
	assert_int_equal(model.lines[0].n, model.dropped + 1);
	assert_string_equal(model.lines[model.nlines - 1].text, "250 OK");
	/* The findings of dropped lines are gone; the others stay with their line. */
	for (i = 0; i < model.nfindings; i++)
		assert_true(model.findings[i].n > model.dropped);
	assert_int_equal(model.lines[(size_t)(1000 * 200) - model.dropped].nfindings, 1);
	ui_model_free(&model);
	assert_int_equal(model.nlines, 0);
	ui_free(NULL);
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
	    cmocka_unit_test(test_quit),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_tls_transcript),
	    cmocka_unit_test(test_tail),
	    cmocka_unit_test(test_findings_enter),
	    cmocka_unit_test(test_mono_and_small),
	    cmocka_unit_test(test_model),
	    cmocka_unit_test(test_model_bytes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
