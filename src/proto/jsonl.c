/*
 * jsonl.c: reads back one line of smtpscope's JSON Lines transcript (check
 * --transcript-json): the fields dir, tls, eol and text of a line object.
 * Objects without "dir" (a finding, the end mark) carry nothing to read.
 * Only the flat objects the writer makes are understood; a line cut short
 * (longer than the splitter keeps) gives what came before the cut.
 */
#include <string.h>

#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"
#include "proto_int.h"

struct cursor {
	const char *p;
	const char *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

static int hex4(const char *p)
{
	int v = 0, i, d;

	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			d = (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Appends a code point: a byte up to 0xff (as the writer escapes peer bytes), else UTF-8. */
static void put_code(char *out, size_t cap, size_t *len, int code)
{
	char utf8[3];
	size_t n = 1, i;

	if (code <= 0xff) {
		utf8[0] = (char)code;
	} else if (code < 0x800) {
		utf8[0] = (char)(0xc0 | code >> 6);
		utf8[1] = (char)(0x80 | (code & 0x3f));
		n = 2;
	} else {
		utf8[0] = (char)(0xe0 | code >> 12);
		utf8[1] = (char)(0x80 | (code >> 6 & 0x3f));
		utf8[2] = (char)(0x80 | (code & 0x3f));
		n = 3;
	}
	for (i = 0; i < n && *len < cap; i++)
		out[(*len)++] = utf8[i];
}

static char simple_escape(char e)
{
	switch (e) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	default:
		return e; /* '"', '\\', '/' and anything else stand for themselves */
	}
}

/* Reads a string at c->p (after its quote) into out (NULL: skipped); -1 if malformed. */
static int read_string(struct cursor *c, char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	int code;

	while (c->p < c->end && *c->p != '"') {
		if (*c->p != '\\') {
			if (out != NULL && n < cap)
				out[n++] = *c->p;
			c->p++;
			continue;
		}
		if (c->end - c->p < 2)
			break;
		if (c->p[1] == 'u') {
			if (c->end - c->p < 6 || (code = hex4(c->p + 2)) < 0)
				return -1;
			if (out != NULL)
				put_code(out, cap, &n, code);
			c->p += 6;
			continue;
		}
		if (out != NULL && n < cap)
			out[n++] = simple_escape(c->p[1]);
		c->p += 2;
	}
	if (c->p < c->end)
		c->p++; /* the closing quote; a string cut short ends where the line does */
	if (len != NULL)
		*len = n;
	return 0;
}

/* Skips a literal, a number or an array of strings and numbers. */
static int skip_value(struct cursor *c)
{
	if (*c->p == '[') {
		c->p++;
		while (c->p < c->end && *c->p != ']') {
			if (*c->p == '"') {
				c->p++;
				if (read_string(c, NULL, 0, NULL) != 0)
					return -1;
			} else {
				c->p++;
			}
		}
		c->p += c->p < c->end;
		return 0;
	}
	while (c->p < c->end && strchr(",}] ", *c->p) == NULL)
		c->p++;
	return 0;
}

static void take_word(struct proto_jsonl_line *l, const char *key, const char *word, size_t len)
{
	if (strcmp(key, "dir") == 0) {
		l->has_dir = true;
		if (len == 6 && memcmp(word, "server", 6) == 0)
			l->dir = PROTO_DIR_SERVER;
		else if (len == 6 && memcmp(word, "client", 6) == 0)
			l->dir = PROTO_DIR_CLIENT;
		else
			l->dir = PROTO_DIR_INFO;
	} else if (strcmp(key, "eol") == 0) {
		if (len == 2 && memcmp(word, "lf", 2) == 0)
			l->term = PROTO_TERM_LF;
		else if (len == 4 && memcmp(word, "none", 4) == 0)
			l->term = PROTO_TERM_EOF;
	}
}

/* One "key": value pair; -1 when malformed. */
static int read_pair(struct cursor *c, struct proto_jsonl_line *l, char *text, size_t cap)
{
	char key[8], word[32];
	size_t klen, wlen;

	if (*c->p != '"')
		return -1;
	c->p++;
	if (read_string(c, key, sizeof key - 1, &klen) != 0)
		return -1;
	key[klen] = '\0';
	skip_ws(c);
	if (c->p >= c->end || *c->p != ':')
		return -1;
	c->p++;
	skip_ws(c);
	if (c->p >= c->end)
		return 0;
	if (*c->p != '"') {
		if (strcmp(key, "tls") == 0)
			l->tls = c->p[0] == 't';
		return skip_value(c);
	}
	c->p++;
	if (strcmp(key, "text") == 0)
		return read_string(c, text, cap, &l->len);
	if (read_string(c, word, sizeof word, &wlen) != 0)
		return -1;
	if (strcmp(key, "t") == 0 && proto_time_parse(word, wlen, &l->time_ms) != 0)
		l->time_ms = 0;
	take_word(l, key, word, wlen);
	return 0;
}

int proto_jsonl_parse(const char *line, size_t len, char *text, size_t cap,
                      struct proto_jsonl_line *l)
{
	struct cursor c = {line, line + len};

	memset(l, 0, sizeof *l);
	l->term = PROTO_TERM_CRLF;
	l->text = text;
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return -1;
	c.p++;
	for (;;) {
		skip_ws(&c);
		if (c.p >= c.end || *c.p == '}')
			break;
		if (read_pair(&c, l, text, cap) != 0)
			return -1;
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
		else if (c.p < c.end && *c.p != '}')
			return -1;
	}
	return l->has_dir ? 1 : 0;
}
