/*
 * test_scenario.c: the lab's scenario parser: sections, escapes, endings,
 * repeat, the fall-back on defaults, errors with their line numbers, and
 * every built-in scenario against its file in src/lab/scenarios.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_int.h"

#define OUT_MAX 4096

/* The bytes a section sends, repeats unrolled (up to OUT_MAX). */
static size_t section_bytes(const struct lab_scenario *sc, const struct lab_section *sec, char *out)
{
	size_t i, n = 0;
	unsigned long r;

	for (i = 0; i < sec->n; i++) {
		const struct lab_action *a = &sc->act[sec->first + i];

		for (r = 0; a->kind == LAB_A_BYTES && r < a->count; r++) {
			assert_true(n + a->len <= OUT_MAX);
			memcpy(out + n, sc->pool + a->off, a->len);
			n += a->len;
		}
	}
	return n;
}

static struct lab_scenario *parse_ok(const char *text)
{
	char err[256] = "";
	struct lab_scenario *sc = lab_scenario_parse("t.scn", text, strlen(text), err, sizeof err);

	if (sc == NULL)
		fail_msg("unexpected error: %s", err);
	return sc;
}

static void assert_sends(const struct lab_scenario *sc, enum lab_verb verb, bool tls,
                         const char *want, size_t want_len)
{
	char out[OUT_MAX];
	size_t n = section_bytes(sc, lab_section_for(sc, verb, tls), out);

	assert_int_equal(n, want_len);
	assert_memory_equal(out, want, want_len);
}

#define SENDS(sc, verb, tls, lit) assert_sends(sc, verb, tls, lit, sizeof lit - 1)

static void test_minimal(void **state)
{
	struct lab_scenario *sc = parse_ok("summary A test\ngreeting\n\tsend 220 hi\n");

	(void)state;
	assert_string_equal(lab_scenario_name(sc), "t.scn");
	assert_string_equal(lab_scenario_summary(sc), "A test");
	SENDS(sc, LAB_V_GREETING, false, "220 hi\r\n");
	/* Everything else falls back on the defaults. */
	SENDS(sc, LAB_V_EHLO, false,
	      "250-lab.invalid\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
	SENDS(sc, LAB_V_EHLO, true, "250-lab.invalid\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
	SENDS(sc, LAB_V_DEFAULT, false, "500 5.5.2 Command not recognized\r\n");
	assert_true(lab_scenario_uses_tls(sc));
	lab_scenario_free(sc);
}

static void test_escapes(void **state)
{
	struct lab_scenario *sc =
	    parse_ok("summary e\ngreeting\n  send a\\r\\n\\t\\\\\\x00\\xff\\x1B[0m\tz #x\n");

	(void)state;
	SENDS(sc, LAB_V_GREETING, false, "a\r\n\t\\\x00\xff\x1b[0m\tz #x\r\n");
	lab_scenario_free(sc);
}

static void test_endings(void **state)
{
	struct lab_scenario *sc = parse_ok("summary e\nending lf\ngreeting\nsend 220 a\n"
	                                   "on EHLO\nending none\nsend 250-a\nraw \\r\\n\n"
	                                   "ending crlf\nsend 250 b\nsend\n"
	                                   "on HELO\nsend  two spaces \n");

	(void)state;
	SENDS(sc, LAB_V_GREETING, false, "220 a\n");
	SENDS(sc, LAB_V_EHLO, true, "250-a\r\n250 b\r\n\r\n");
	SENDS(sc, LAB_V_HELO, false, " two spaces \n");
	/* The defaults take the scenario's ending. */
	SENDS(sc, LAB_V_MAIL, false, "250 2.1.0 Ok\n");
	lab_scenario_free(sc);
}

static void test_repeat(void **state)
{
	struct lab_scenario *sc = parse_ok("summary r\ngreeting\nrepeat 3 send 250-x\n"
	                                   "repeat 1000000000 raw y\nrepeat 4 raw ab\n");
	const struct lab_section *sec = lab_section_for(sc, LAB_V_GREETING, false);

	(void)state;
	assert_int_equal(sec->n, 3);
	assert_int_equal(sc->act[sec->first].count, 3);
	assert_int_equal(sc->act[sec->first].len, 7);
	assert_int_equal(sc->act[sec->first + 1].count, 1000000000ul);
	assert_int_equal(sc->act[sec->first + 1].len, 1);
	/* A billion bytes cost one byte of pool. */
	assert_true(sc->pool_len < 4096);
	lab_scenario_free(sc);
}

static void test_steps(void **state)
{
	struct lab_scenario *sc = parse_ok("summary s\n# a comment\n\ngreeting\n\tdribble 200\n"
	                                   "\tsend 220 x\n\tdelay 600000\n\tstarttls\n\tclose\n"
	                                   "on DATA plain\n\tsend 354 go\n\tbody\n");
	const struct lab_section *sec = lab_section_for(sc, LAB_V_GREETING, false);
	const struct lab_action *a = &sc->act[sec->first];

	(void)state;
	assert_int_equal(sec->n, 5);
	assert_int_equal(a[0].kind, LAB_A_DRIBBLE);
	assert_int_equal(a[0].ms, 200);
	assert_int_equal(a[1].kind, LAB_A_BYTES);
	assert_int_equal(a[2].kind, LAB_A_DELAY);
	assert_int_equal(a[2].ms, 600000);
	assert_int_equal(a[3].kind, LAB_A_STARTTLS);
	assert_int_equal(a[4].kind, LAB_A_CLOSE);
	sec = lab_section_for(sc, LAB_V_DATA, false);
	assert_int_equal(sc->act[sec->first + sec->n - 1].kind, LAB_A_BODY);
	/* Inside TLS the DATA of the defaults answers. */
	assert_ptr_equal(lab_section_for(sc, LAB_V_DATA, true),
	                 &sc->sec[LAB_T_DEFAULT][LAB_V_DATA][LAB_S_ANY]);
	lab_scenario_free(sc);
}

/* reset ends its section; cert-name keeps its bytes, NUL and ESC included. */
static void test_reset_and_cert_name(void **state)
{
	struct lab_scenario *sc = parse_ok("summary s\ncert-name a\\x1b]0;t\\x07\\x00\\x9bz\n"
	                                   "on EHLO\n\tsend 250-x\n\tdelay 5\n\treset\n");
	const struct lab_section *sec = lab_section_for(sc, LAB_V_EHLO, false);

	(void)state;
	assert_int_equal(sec->n, 3);
	assert_int_equal(sc->act[sec->first + 2].kind, LAB_A_RESET);
	assert_true(sc->cert_name_set);
	assert_int_equal(sc->cert_name_len, 10);
	assert_memory_equal(sc->pool + sc->cert_name_off, "a\x1b]0;t\x07\x00\x9bz", 10);
	lab_scenario_free(sc);
	sc = parse_ok("summary s\n");
	assert_false(sc->cert_name_set);
	lab_scenario_free(sc);
}

static void test_lookup(void **state)
{
	struct lab_scenario *sc = parse_ok("summary l\non ehlo\nsend 250 any\n"
	                                   "on EHLO tls\nsend 250 tls\non DEFAULT plain\n"
	                                   "send 502 plain\non auth\nsend 334 \n"
	                                   "on STARTTLS\nsend 454 no\n");

	(void)state;
	SENDS(sc, LAB_V_EHLO, false, "250 any\r\n");
	SENDS(sc, LAB_V_EHLO, true, "250 tls\r\n");
	SENDS(sc, LAB_V_DEFAULT, false, "502 plain\r\n");
	SENDS(sc, LAB_V_DEFAULT, true, "500 5.5.2 Command not recognized\r\n");
	/* A verb the scenario leaves out takes the default's, not DEFAULT's. */
	SENDS(sc, LAB_V_MAIL, false, "250 2.1.0 Ok\r\n");
	assert_true(lab_section_for(sc, LAB_V_AUTH, false)->sasl);
	assert_false(lab_section_for(sc, LAB_V_EHLO, false)->sasl);
	assert_false(lab_scenario_uses_tls(sc));
	lab_scenario_free(sc);
}

static void test_verb_of(void **state)
{
	(void)state;
	assert_int_equal(lab_verb_of("EHLO client.example", 19), LAB_V_EHLO);
	assert_int_equal(lab_verb_of("ehlo", 4), LAB_V_EHLO);
	assert_int_equal(lab_verb_of("MAIL FROM:<a@b>", 15), LAB_V_MAIL);
	assert_int_equal(lab_verb_of("StartTLS", 8), LAB_V_STARTTLS);
	assert_int_equal(lab_verb_of("STARTTLSX", 9), LAB_V_DEFAULT);
	assert_int_equal(lab_verb_of("DOT", 3), LAB_V_DEFAULT);
	assert_int_equal(lab_verb_of("DEFAULT", 7), LAB_V_DEFAULT);
	assert_int_equal(lab_verb_of("", 0), LAB_V_DEFAULT);
	assert_int_equal(lab_verb_of(" EHLO", 5), LAB_V_DEFAULT);
}

struct bad {
	const char *text;
	const char *err; /* the whole message */
};

static const struct bad bad_cases[] = {
    {"greeting\nsend x\n", "t.scn:1: no summary line (summary TEXT)"},
    {"summary a\nsummary b\n", "t.scn:2: a second summary line"},
    {"summary  \n", "t.scn:1: the summary is empty"},
    {"summary a\nsend x\n",
     "t.scn:2: 'send' outside a section (start one with 'greeting' or 'on VERB')"},
    {"summary a\ngreeting\nsned x\n", "t.scn:3: unknown keyword 'sned'"},
    {"summary a\ngreeting\nsend a\\qb\n",
     "t.scn:3: unknown escape \\q (use \\r \\n \\t \\\\ \\xHH)"},
    {"summary a\ngreeting\nsend a\\x4\n", "t.scn:3: \\x needs two hex digits"},
    {"summary a\ngreeting\nsend a\\xg0\n", "t.scn:3: \\x needs two hex digits"},
    {"summary a\ngreeting\nsend a\\\n", "t.scn:3: a backslash ends the line (write \\\\ for one)"},
    {"summary a\ngreeting\nsend a\r\n",
     "t.scn:3: control byte 0x0d in the text; write it as an escape"},
    {"summary a\ngreeting\nsend a\x7f\n", "t.scn:3: DEL in the text; write it as \\x7f"},
    {"summary a\ngreeting\nraw\n", "t.scn:3: raw needs bytes to send"},
    {"summary a\ngreeting\nrepeat 0 send x\n", "t.scn:3: repeat 0 sends nothing"},
    {"summary a\ngreeting\nrepeat x send x\n", "t.scn:3: repeat needs a number, not 'x'"},
    {"summary a\ngreeting\nrepeat\n", "t.scn:3: repeat needs a number"},
    {"summary a\ngreeting\nrepeat 1000000001 raw x\n",
     "t.scn:3: repeat: 1000000001 is over the limit of 1000000000"},
    {"summary a\ngreeting\nrepeat 99999999999999999999999 raw x\n",
     "t.scn:3: repeat: 99999999999999999999999 is over the limit of 1000000000"},
    {"summary a\ngreeting\nrepeat 2 sendx\n", "t.scn:3: repeat N is followed by send or raw"},
    {"summary a\ngreeting\ndelay\n", "t.scn:3: delay needs a number"},
    {"summary a\ngreeting\ndelay 600001\n", "t.scn:3: delay: 600001 is over the limit of 600000"},
    {"summary a\ngreeting\ndelay 5 6\n", "t.scn:3: delay takes one number"},
    {"summary a\ngreeting\ndribble -1\n", "t.scn:3: dribble needs a number, not '-1'"},
    {"summary a\non FOO\n",
     "t.scn:2: on takes EHLO, HELO, STARTTLS, MAIL, RCPT, DATA, DOT, QUIT, RSET, NOOP, AUTH or "
     "DEFAULT, not 'FOO'"},
    {"summary a\non greeting\n",
     "t.scn:2: on takes EHLO, HELO, STARTTLS, MAIL, RCPT, DATA, DOT, QUIT, RSET, NOOP, AUTH or "
     "DEFAULT, not 'greeting'"},
    {"summary a\non EHLO both\n", "t.scn:2: on EHLO takes plain or tls, not 'both'"},
    {"summary a\non EHLO tls x\n", "t.scn:2: too many words after on EHLO"},
    {"summary a\non EHLO\nsend a\n\non ehlo\n", "t.scn:5: EHLO is defined twice (first at line 2)"},
    {"summary a\ngreeting\ngreeting\n", "t.scn:3: greeting is defined twice (first at line 2)"},
    {"summary a\non RCPT tls\non RCPT tls\n",
     "t.scn:3: RCPT tls is defined twice (first at line 2)"},
    {"summary a\non STARTTLS tls\nsend 220 x\nstarttls\n",
     "t.scn:4: starttls in a section that only plays inside TLS"},
    {"summary a\ngreeting\nsend 421 x\nclose\nsend y\n",
     "t.scn:5: nothing may follow close, reset, body or auth in a section"},
    {"summary a\non DATA\nbody\ndelay 1\n",
     "t.scn:4: nothing may follow close, reset, body or auth in a section"},
    {"summary a\ngreeting\nbody\n", "t.scn:3: body in the greeting"},
    {"summary a\ngreeting\nclose now\n", "t.scn:3: close takes no argument"},
    {"summary a\ngreeting\nreset now\n", "t.scn:3: reset takes no argument"},
    {"summary a\non EHLO\nreset\nsend y\n",
     "t.scn:4: nothing may follow close, reset, body or auth in a section"},
    {"summary a\ncert-name\n", "t.scn:2: cert-name needs bytes"},
    {"summary a\ncert-name x\ncert-name y\n", "t.scn:3: a second cert-name line"},
    {"summary a\ncert-name \\q\n", "t.scn:2: unknown escape \\q (use \\r \\n \\t \\\\ \\xHH)"},
    {"summary a\nending cr\n", "t.scn:2: ending takes crlf, lf or none"},
    {"summary a\nending lf lf\n", "t.scn:2: ending takes one word"},
    {"summary a\ngreeting now\n", "t.scn:2: greeting takes no argument"},
    {"summary a\ngreeting\nauth u p\n", "t.scn:3: auth belongs in an 'on AUTH' section"},
    {"summary a\non AUTH\nauth u\n", "t.scn:3: auth takes a user name and a password"},
    {"summary a\non AUTH\nauth u p x\n",
     "t.scn:3: auth takes a user name and a password, nothing more"},
    {"summary a\non AUTH\nauth u p\nsend x\n",
     "t.scn:4: nothing may follow close, reset, body or auth in a section"},
};

static void test_errors(void **state)
{
	struct lab_scenario *sc;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		strcpy(err, "untouched");
		sc = lab_scenario_parse("t.scn", bad_cases[i].text, strlen(bad_cases[i].text), err,
		                        sizeof err);
		if (sc != NULL)
			fail_msg("case %zu parsed: %s", i, bad_cases[i].text);
		if (strcmp(err, bad_cases[i].err) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err, bad_cases[i].err);
	}
}

static void test_nul_in_file(void **state)
{
	static const char text[] = "summary a\ngreeting\nsend a\0b\n";
	char err[256];

	(void)state;
	assert_null(lab_scenario_parse("t.scn", text, sizeof text - 1, err, sizeof err));
	assert_string_equal(err, "t.scn:3: control byte 0x00 in the text; write it as an escape");
}

/* A tiny error buffer clips the message, never overruns. */
static void test_small_err(void **state)
{
	char err[8];

	(void)state;
	memset(err, 'z', sizeof err);
	assert_null(lab_scenario_parse("t.scn", "greeting\n", 9, err, sizeof err));
	assert_string_equal(err, "t.scn:1");
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	buf = malloc(LAB_FILE_MAX);
	assert_non_null(buf);
	*len = fread(buf, 1, LAB_FILE_MAX, f);
	fclose(f);
	return buf;
}

/* Every built-in parses, and is its file in src/lab/scenarios byte for byte. */
static void test_builtins(void **state)
{
	char err[256], path[1024];
	struct lab_scenario *sc;
	size_t i, len;
	char *text;

	(void)state;
	assert_true(lab_builtin_count() >= 15);
	for (i = 0; i < lab_builtin_count(); i++) {
		sc = lab_scenario_load(lab_builtin_name(i), err, sizeof err);
		if (sc == NULL)
			fail_msg("built-in %s: %s", lab_builtin_name(i), err);
		assert_string_equal(lab_scenario_name(sc), lab_builtin_name(i));
		assert_string_equal(lab_scenario_summary(sc), lab_builtin_summary(i));
		lab_scenario_free(sc);
		if (i > 0)
			assert_true(strcmp(lab_builtin_name(i - 1), lab_builtin_name(i)) < 0);
		snprintf(path, sizeof path, "%s/src/lab/scenarios/%s.scn", SMTPSCOPE_SOURCE_DIR,
		         lab_builtin_name(i));
		text = read_whole(path, &len);
		assert_int_equal(len, lab_builtins[i].len);
		assert_memory_equal(text, lab_builtins[i].text, len);
		free(text);
	}
}

static void test_builtins_all_files(void **state)
{
	DIR *dir = opendir(SMTPSCOPE_SOURCE_DIR "/src/lab/scenarios");
	struct dirent *e;
	size_t n = 0, len;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".scn") == 0)
			n++;
	}
	closedir(dir);
	assert_int_equal(n, lab_builtin_count());
}

/* The 257-byte cert-name is refused, the 256-byte one kept. */
static void test_cert_name_limit(void **state)
{
	char text[400], err[256];
	struct lab_scenario *sc;

	(void)state;
	memset(text, 0, sizeof text);
	strcpy(text, "summary s\ncert-name ");
	memset(text + strlen(text), 'n', LAB_CERT_NAME_MAX);
	sc = parse_ok(text);
	assert_int_equal(sc->cert_name_len, LAB_CERT_NAME_MAX);
	lab_scenario_free(sc);
	strcat(text, "n");
	assert_null(lab_scenario_parse("t.scn", text, strlen(text), err, sizeof err));
	assert_string_equal(err, "t.scn:2: cert-name is over 256 bytes");
}

/* The scenario files of the integration tests (tests/data/lab) all parse. */
static void test_data_files(void **state)
{
	const char *dirname = SMTPSCOPE_SOURCE_DIR "/tests/data/lab";
	DIR *dir = opendir(dirname);
	struct lab_scenario *sc;
	struct dirent *e;
	char path[512], err[512];
	size_t n = 0, len;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".scn") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dirname, e->d_name);
		sc = lab_scenario_load(path, err, sizeof err);
		if (sc == NULL)
			fail_msg("%s", err);
		lab_scenario_free(sc);
		n++;
	}
	closedir(dir);
	assert_true(n >= 8);
}

static bool has_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < lab_builtin_count(); i++)
		if (strcmp(lab_builtin_name(i), name) == 0)
			return true;
	return false;
}

static void test_required_builtins(void **state)
{
	static const char *const names[] = {
	    "misordered",         "correct", "keyword-first", "no-starttls",   "starttls-only",
	    "mixed-codes",        "bare-lf", "long-line",     "control-chars", "injection",
	    "starttls-after-tls", "tls-454", "slow",          "ehlo-502",      "throttle-421"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!has_builtin(names[i]))
			fail_msg("no built-in scenario %s", names[i]);
}

/* The "auth" built-in: AUTH offered inside TLS only, and played by the auth action. */
static void test_auth_builtin(void **state)
{
	char err[256];
	struct lab_scenario *sc = lab_scenario_load("auth", err, sizeof err);
	const struct lab_section *sec;
	const struct lab_action *a;

	(void)state;
	assert_non_null(sc);
	sec = lab_section_for(sc, LAB_V_AUTH, true);
	assert_int_equal(sec->n, 1);
	a = &sc->act[sec->first];
	assert_int_equal(a->kind, LAB_A_AUTH);
	assert_int_equal(a->len, 5);
	assert_memory_equal(sc->pool + a->off, "alice", 5);
	assert_int_equal(a->count, 13);
	assert_memory_equal(sc->pool + a->off + 5, "wonderland-42", 13);
	SENDS(sc, LAB_V_AUTH, false,
	      "538 5.7.11 Encryption required for requested authentication mechanism\r\n");
	lab_scenario_free(sc);
	sc = parse_ok("summary a\non AUTH\n\tauth a\\x20b p\\x41\n");
	a = &sc->act[lab_section_for(sc, LAB_V_AUTH, false)->first];
	assert_memory_equal(sc->pool + a->off, "a bpA", 5);
	lab_scenario_free(sc);
}

/* The two replies of the field note, verbatim. */
static void test_field_note(void **state)
{
	char err[256];
	struct lab_scenario *sc = lab_scenario_load("misordered", err, sizeof err);

	(void)state;
	assert_non_null(sc);
	SENDS(sc, LAB_V_GREETING, false, "220 mail.domain1.com ESMTP Service ready\r\n");
	SENDS(sc, LAB_V_EHLO, false,
	      "250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
	      "250-HELP\r\n250-DELIVERBY 300\r\n250 SIZE 30000000\r\n");
	SENDS(sc, LAB_V_EHLO, true,
	      "250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"
	      "250-DELIVERBY 300\r\n250 SIZE 30000000\r\n");
	lab_scenario_free(sc);
	sc = lab_scenario_load("correct", err, sizeof err);
	assert_non_null(sc);
	SENDS(sc, LAB_V_GREETING, false, "220 mail-esa.com ESMTTP\r\n");
	SENDS(sc, LAB_V_EHLO, false,
	      "250-mail-esa.com\r\n250-8BITMIME\r\n250-SIZE 33554432\r\n250 STARTTLS\r\n");
	SENDS(sc, LAB_V_EHLO, true, "250-mail-esa.com\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n");
	SENDS(sc, LAB_V_STARTTLS, false, "220 Ready to start TLS\r\n");
	lab_scenario_free(sc);
}

static void test_builtin_details(void **state)
{
	const struct lab_section *sec;
	struct lab_scenario *sc;
	char err[256];

	(void)state;
	sc = lab_scenario_load("injection", err, sizeof err);
	SENDS(sc, LAB_V_STARTTLS, false, "220 Ready to start TLS\r\n250 injected\r\n");
	lab_scenario_free(sc);
	sc = lab_scenario_load("tls-454", err, sizeof err);
	assert_false(lab_scenario_uses_tls(sc));
	lab_scenario_free(sc);
	sc = lab_scenario_load("throttle-421", err, sizeof err);
	sec = lab_section_for(sc, LAB_V_GREETING, false);
	assert_int_equal(sc->act[sec->first + sec->n - 1].kind, LAB_A_CLOSE);
	lab_scenario_free(sc);
	sc = lab_scenario_load("bare-lf", err, sizeof err);
	SENDS(sc, LAB_V_GREETING, false, "220 mx.bare-lf.example ESMTP\n");
	lab_scenario_free(sc);
}

static void test_load(void **state)
{
	char err[512], path[] = "/tmp/test_scenario_XXXXXX";
	struct lab_scenario *sc;
	bool syntax = true;
	FILE *f;
	int fd;

	(void)state;
	assert_null(lab_scenario_open("no-such-scenario", &syntax, err, sizeof err));
	assert_false(syntax);
	assert_non_null(strstr(err, "no-such-scenario"));
	assert_null(lab_scenario_open("/nonexistent/x.scn", &syntax, err, sizeof err));
	assert_false(syntax);
	assert_non_null(strstr(err, "cannot read /nonexistent/x.scn"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("summary from a file\n\ngreeting\n\tsend 220 ok\non EHLO\n\tsend 250 \\q\n", f);
	fclose(f);
	assert_null(lab_scenario_open(path, &syntax, err, sizeof err));
	assert_true(syntax);
	assert_non_null(strstr(err, ":6: unknown escape \\q"));
	assert_memory_equal(err, path, strlen(path));
	f = fopen(path, "w");
	fputs("summary from a file\ngreeting\n\tsend 220 ok\n", f);
	fclose(f);
	sc = lab_scenario_open(path, &syntax, err, sizeof err);
	assert_non_null(sc);
	assert_string_equal(lab_scenario_summary(sc), "from a file");
	lab_scenario_free(sc);
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_endings),
	    cmocka_unit_test(test_repeat),
	    cmocka_unit_test(test_steps),
	    cmocka_unit_test(test_reset_and_cert_name),
	    cmocka_unit_test(test_cert_name_limit),
	    cmocka_unit_test(test_data_files),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_verb_of),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_nul_in_file),
	    cmocka_unit_test(test_small_err),
	    cmocka_unit_test(test_builtins),
	    cmocka_unit_test(test_builtins_all_files),
	    cmocka_unit_test(test_required_builtins),
	    cmocka_unit_test(test_auth_builtin),
	    cmocka_unit_test(test_field_note),
	    cmocka_unit_test(test_builtin_details),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
