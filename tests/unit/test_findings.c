/*
 * test_findings.c: the catalogue of findings, and docs/findings.md kept in
 * step with it.
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

#include "proto/findings.h"

#define FINDINGS_DOC SMTPSCOPE_SOURCE_DIR "/docs/findings.md"

static const struct proto_finding_info *info(unsigned i)
{
	return proto_finding((enum proto_finding_id)i);
}

static bool is_kebab(const char *id)
{
	size_t i, len = strlen(id);

	if (len == 0 || id[0] == '-' || id[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		if (id[i] == '-' && id[i + 1] == '-')
			return false;
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-'))
			return false;
	}
	return true;
}

static void test_ids(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < PROTO_F_COUNT; i++) {
		assert_non_null(info(i)->id);
		if (!is_kebab(info(i)->id))
			fail_msg("id \"%s\" is not kebab-case", info(i)->id);
		for (j = 0; j < i; j++)
			if (strcmp(info(i)->id, info(j)->id) == 0)
				fail_msg("id \"%s\" is used twice", info(i)->id);
	}
}

static void test_fields(void **state)
{
	const struct proto_finding_info *f;
	unsigned i;
	size_t len;

	(void)state;
	for (i = 0; i < PROTO_F_COUNT; i++) {
		f = info(i);
		assert_true(f->severity == PROTO_SEV_INFO || f->severity == PROTO_SEV_WARNING ||
		            f->severity == PROTO_SEV_ERROR);
		assert_non_null(f->rfc);
		if (strncmp(f->rfc, "RFC ", 4) != 0)
			fail_msg("%s: rfc \"%s\" does not start with \"RFC \"", f->id, f->rfc);
		assert_non_null(f->message);
		assert_non_null(f->explain);
		len = strlen(f->message);
		if (len == 0 || f->message[len - 1] == '.')
			fail_msg("%s: message \"%s\" is empty or ends with a period", f->id,
			         f->message);
		if (strchr(f->message, '\n') != NULL)
			fail_msg("%s: message is not one line", f->id);
		if (f->explain[0] == '\0')
			fail_msg("%s: no explanation", f->id);
	}
}

static void test_by_name(void **state)
{
	static const char *const unknown[] = {
	    "",
	    "starttls",
	    "STARTTLS-BEFORE-GREETING",
	    "no-starttls ",
	    " no-starttls",
	    "no_starttls",
	};
	unsigned i;

	(void)state;
	for (i = 0; i < PROTO_F_COUNT; i++)
		assert_int_equal(proto_finding_by_name(info(i)->id), i);
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_int_equal(proto_finding_by_name(unknown[i]), PROTO_F_COUNT);
}

static void test_severity_names(void **state)
{
	(void)state;
	assert_string_equal(proto_severity_name(PROTO_SEV_INFO), "info");
	assert_string_equal(proto_severity_name(PROTO_SEV_WARNING), "warning");
	assert_string_equal(proto_severity_name(PROTO_SEV_ERROR), "error");
}

/* The ids the issue asks for, with their severities. */
static const struct {
	const char *id;
	enum proto_severity severity;
} required[] = {
    {"starttls-before-greeting", PROTO_SEV_ERROR}, {"keyword-before-greeting", PROTO_SEV_ERROR},
    {"invalid-ehlo-keyword", PROTO_SEV_ERROR},     {"mixed-reply-codes", PROTO_SEV_ERROR},
    {"line-too-long", PROTO_SEV_WARNING},          {"bare-lf", PROTO_SEV_WARNING},
    {"control-characters", PROTO_SEV_WARNING},     {"missing-space-after-code", PROTO_SEV_WARNING},
    {"duplicate-keyword", PROTO_SEV_WARNING},      {"truncated-reply", PROTO_SEV_ERROR},
    {"starttls-after-tls", PROTO_SEV_ERROR},       {"no-starttls", PROTO_SEV_INFO},
};

static void test_required(void **state)
{
	enum proto_finding_id id;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		id = proto_finding_by_name(required[i].id);
		if (id == PROTO_F_COUNT)
			fail_msg("required finding %s is missing", required[i].id);
		if (proto_finding(id)->severity != required[i].severity)
			fail_msg("%s is %s, want %s", required[i].id,
			         proto_severity_name(proto_finding(id)->severity),
			         proto_severity_name(required[i].severity));
	}
}

/* The whole doc, cut into NUL-terminated lines. */
struct doc {
	char *buf;
	size_t nlines;
	char **line;
};

static void doc_free(struct doc *doc)
{
	free(doc->buf);
	free(doc->line);
}

static void doc_load(struct doc *doc, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 0, n, i;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	doc->buf = NULL;
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			doc->buf = realloc(doc->buf, cap + 1);
			assert_non_null(doc->buf);
		}
		n = fread(doc->buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	doc->buf[len] = '\0';
	doc->line = malloc((len + 1) * sizeof *doc->line);
	assert_non_null(doc->line);
	doc->nlines = 0;
	doc->line[doc->nlines++] = doc->buf;
	for (i = 0; i < len; i++)
		if (doc->buf[i] == '\n') {
			doc->buf[i] = '\0';
			if (i + 1 < len)
				doc->line[doc->nlines++] = doc->buf + i + 1;
		}
}

#define HEADING "## `"

/* The line at i must be exactly want; a description of the mismatch if not. */
static bool line_is(const struct doc *doc, size_t i, const char *want, char *why, size_t cap)
{
	if (i >= doc->nlines) {
		snprintf(why, cap, "line %zu: end of file, want \"%s\"", i + 1, want);
		return false;
	}
	if (strcmp(doc->line[i], want) != 0) {
		snprintf(why, cap, "line %zu: \"%s\", want \"%s\"", i + 1, doc->line[i], want);
		return false;
	}
	return true;
}

/*
 * Every "## `" heading names a catalogue id, in catalogue order, and is
 * followed right away by its severity line and its message line.
 */
static void test_doc(void **state)
{
	const struct proto_finding_info *f;
	struct doc doc;
	char want[1024], why[2048] = "";
	unsigned next = 0;
	size_t i;
	bool ok = true;

	(void)state;
	doc_load(&doc, FINDINGS_DOC);
	for (i = 0; ok && i < doc.nlines; i++) {
		if (strncmp(doc.line[i], HEADING, strlen(HEADING)) != 0)
			continue;
		if (next == PROTO_F_COUNT) {
			snprintf(why, sizeof why, "line %zu: \"%s\" is not in the catalogue", i + 1,
			         doc.line[i]);
			ok = false;
			break;
		}
		f = info(next++);
		snprintf(want, sizeof want, HEADING "%s`", f->id);
		ok = line_is(&doc, i, want, why, sizeof why);
		snprintf(want, sizeof want, "Severity: %s · %s", proto_severity_name(f->severity),
		         f->rfc);
		ok = ok && line_is(&doc, i + 1, want, why, sizeof why);
		snprintf(want, sizeof want, "> %s", f->message);
		ok = ok && line_is(&doc, i + 2, want, why, sizeof why);
	}
	if (ok && next < PROTO_F_COUNT) {
		snprintf(why, sizeof why, "no section \"" HEADING "%s`\"", info(next)->id);
		ok = false;
	}
	doc_free(&doc);
	if (!ok)
		fail_msg("%s: %s", FINDINGS_DOC, why);
}

/* The section explain shows, generated from the doc: one per id, itself alone. */
static void test_doc_sections(void **state)
{
	const struct proto_finding_info *f;
	const char *text;
	char head[128];
	unsigned i;

	(void)state;
	for (i = 0; i < PROTO_F_COUNT; i++) {
		f = info(i);
		text = proto_finding_doc((enum proto_finding_id)i);
		if (text == NULL)
			fail_msg("%s: no section generated from %s", f->id, FINDINGS_DOC);
		snprintf(head, sizeof head, HEADING "%s`\nSeverity: ", f->id);
		if (strncmp(text, head, strlen(head)) != 0)
			fail_msg("%s: the section starts \"%.40s\"", f->id, text);
		if (strstr(text, f->message) == NULL)
			fail_msg("%s: the section lacks the message", f->id);
		if (strstr(text, "\n## ") != NULL || strstr(text, "\n# ") != NULL)
			fail_msg("%s: the section runs into the next one", f->id);
		if (text[strlen(text) - 1] == '\n')
			fail_msg("%s: the section ends with a blank", f->id);
	}
	assert_null(proto_finding_doc(PROTO_F_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),          cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_by_name),      cmocka_unit_test(test_severity_names),
	    cmocka_unit_test(test_required),     cmocka_unit_test(test_doc),
	    cmocka_unit_test(test_doc_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
