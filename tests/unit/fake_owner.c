/* fake_owner.c: the fake owner of a proto_session (fake_owner.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fake_owner.h"

void fake_send(void *ctx, const char *buf, size_t len)
{
	struct fake_owner *o = ctx;

	assert_true(o->nsent + len < sizeof o->sent);
	memcpy(o->sent + o->nsent, buf, len);
	o->nsent += len;
	o->sent[o->nsent] = '\0';
}

void fake_starttls(void *ctx)
{
	((struct fake_owner *)ctx)->starttls = true;
}

void fake_line(void *ctx, const struct proto_lint_line *line)
{
	struct fake_owner *o = ctx;
	int n = snprintf(o->text + o->ntext, sizeof o->text - o->ntext, "%.*s\n", (int)line->len,
	                 line->text);

	assert_int_equal(line->n, o->lines + 1);
	o->lines = line->n;
	assert_true(n > 0 && (size_t)n < sizeof o->text - o->ntext);
	o->ntext += (size_t)n;
}

void fake_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct fake_owner *o = ctx;
	size_t len = strlen(o->findings);

	(void)n;
	snprintf(o->findings + len, sizeof o->findings - len, "%s%s", len ? " " : "",
	         proto_finding(id)->id);
}

void fake_pending(void *ctx, const char *command)
{
	struct fake_owner *o = ctx;

	snprintf(o->pending, sizeof o->pending, "%s", command);
	o->notified++;
}

void fake_sent_next(struct fake_owner *o, const char *next, const char *name)
{
	size_t len = strlen(next);

	assert_true(o->nwant + len < sizeof o->want);
	memcpy(o->want + o->nwant, next, len + 1);
	o->nwant += len;
	if (strcmp(o->sent, o->want) != 0)
		print_error("case %s: sent\n%s\nwant\n%s\n", name, o->sent, o->want);
	assert_string_equal(o->sent, o->want);
}

void fake_feed(struct proto_session *s, const char *bytes, bool bytewise)
{
	size_t i, len = strlen(bytes);

	if (!bytewise) {
		proto_session_feed(s, bytes, len);
		return;
	}
	for (i = 0; i < len && !proto_session_over(s); i++)
		proto_session_feed(s, bytes + i, 1);
}
