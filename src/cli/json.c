/*
 * json.c: the JSON writer of json.h. Commas come from the state of the
 * innermost container; strings are escaped in runs: a run of bytes that pass
 * unchanged is found eight bytes at a time and copied at once, and only the
 * bytes that need it are escaped, straight into the output buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

#define JSON_CHUNK PROTO_LINE_KEEP /* input bytes escaped per reservation */
#define ONES       UINT64_C(0x0101010101010101)
#define HIGHS      UINT64_C(0x8080808080808080)

static const char hex[] = "0123456789abcdef";

/* A call the writer's state does not allow: a bug of the caller, never of a peer. */
static _Noreturn void misuse(const char *what)
{
	fprintf(stderr, "smtpscope: JSON writer misuse: %s\n", what);
	abort();
}

void cli_json_init(struct cli_json *j, struct cli_out *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

/* What goes before a key or an item: a comma after a sibling, a newline when asked for. */
static void separate(struct cli_json *j)
{
	char sep[2];
	size_t n = 0;

	if (j->more)
		sep[n++] = ',';
	if (j->newline)
		sep[n++] = '\n';
	if (n > 0)
		cli_out_write(j->out, sep, n);
	j->newline = false;
	j->more = true;
}

/* Checks that a value may stand here, and separates it from the one before. */
static void before_value(struct cli_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0 && j->more)
		misuse("a second value at the top level before cli_json_done");
	if (j->depth > 0 && j->open[j->depth - 1] == '{')
		misuse("a value in an object without its key");
	separate(j);
}

static void open_container(struct cli_json *j, char c)
{
	before_value(j);
	if (j->depth == CLI_JSON_DEPTH)
		misuse("objects and arrays nested deeper than CLI_JSON_DEPTH");
	j->open[j->depth++] = c;
	j->more = false;
	cli_out_write(j->out, &c, 1);
}

void cli_json_object(struct cli_json *j)
{
	open_container(j, '{');
}

void cli_json_array(struct cli_json *j)
{
	open_container(j, '[');
}

void cli_json_end(struct cli_json *j)
{
	char c;

	if (j->depth == 0)
		misuse("an end with no object or array open");
	if (j->after_key)
		misuse("an end after a key, before its value");
	c = j->open[--j->depth] == '{' ? '}' : ']';
	/* The container just closed is a value of its parent. */
	j->more = true;
	j->newline = false;
	cli_out_write(j->out, &c, 1);
}

void cli_json_newline(struct cli_json *j)
{
	if (j->after_key)
		misuse("a newline between a key and its value");
	j->newline = true;
}

void cli_json_done(struct cli_json *j)
{
	if (j->depth > 0 || !j->more)
		misuse("a document ended with an object or array open, or with nothing in it");
	cli_out_write(j->out, "\n", 1);
	j->more = false;
	j->newline = false;
}

/* True when one of the eight bytes in w is a control, DEL, '"' or '\\' (8-bit bytes pass). */
static bool word_escapes(uint64_t w)
{
	uint64_t quote = w ^ (ONES * '"'), slash = w ^ (ONES * '\\'), del = w ^ (ONES * 0x7f);

	return ((w - ONES * 0x20) | (quote - ONES) | (slash - ONES) | (del - ONES)) & ~w & HIGHS;
}

static bool text_plain(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
}

/* Length of the leading run of bytes that pass unchanged. */
static size_t text_run(const char *text, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, text + i, 8);
		if (word_escapes(w))
			break;
	}
	while (i < len && text_plain((unsigned char)text[i]))
		i++;
	return i;
}

size_t cli_json_escape_text(char *out, const char *text, size_t len)
{
	size_t o = 0, i = 0, run;
	unsigned char c;

	while (i < len) {
		run = text_run(text + i, len - i);
		memcpy(out + o, text + i, run);
		o += run;
		i += run;
		if (i == len)
			break;
		c = (unsigned char)text[i++];
		out[o++] = '\\';
		if (c == '"' || c == '\\') {
			out[o++] = (char)c;
			continue;
		}
		memcpy(out + o, "u00", 3);
		out[o + 3] = hex[c >> 4];
		out[o + 4] = hex[c & 15];
		o += 5;
	}
	return o;
}

/* Escapes one chunk of at most JSON_CHUNK bytes into dst, which holds PROTO_ESCAPE_MAX(len). */
static size_t escape_chunk(char *dst, const char *p, size_t len, bool peer)
{
	if (peer)
		return proto_escape_json(dst, PROTO_ESCAPE_MAX(len), p, len);
	return cli_json_escape_text(dst, p, len);
}

/* A string, quotes included, escaped chunk by chunk into the output buffer. */
static void put_string(struct cli_out *out, const char *p, size_t n, bool peer)
{
	char spill[PROTO_ESCAPE_MAX(JSON_CHUNK)];
	size_t chunk;
	char *dst;

	cli_out_write(out, "\"", 1);
	while (n > 0) {
		chunk = n < JSON_CHUNK ? n : JSON_CHUNK;
		dst = cli_out_space(out, PROTO_ESCAPE_MAX(chunk));
		/* In memory, a string that does not fit goes through cli_out_write, which cuts it.
		 */
		if (dst != NULL)
			out->len += escape_chunk(dst, p, chunk, peer);
		else
			cli_out_write(out, spill, escape_chunk(spill, p, chunk, peer));
		p += chunk;
		n -= chunk;
	}
	cli_out_write(out, "\"", 1);
}

void cli_json_key(struct cli_json *j, const char *key)
{
	if (j->depth == 0 || j->open[j->depth - 1] != '{')
		misuse("a key outside an object");
	if (j->after_key)
		misuse("a key where its value was due");
	separate(j);
	put_string(j->out, key, strlen(key), false);
	cli_out_write(j->out, ":", 1);
	j->after_key = true;
}

void cli_json_str(struct cli_json *j, const char *s)
{
	before_value(j);
	put_string(j->out, s, strlen(s), false);
}

void cli_json_bytes(struct cli_json *j, const char *p, size_t n)
{
	before_value(j);
	put_string(j->out, p, n, true);
}

void cli_json_uint(struct cli_json *j, unsigned long value)
{
	before_value(j);
	cli_out_uint(j->out, value);
}

void cli_json_bool(struct cli_json *j, bool value)
{
	before_value(j);
	if (value)
		cli_out_write(j->out, "true", 4);
	else
		cli_out_write(j->out, "false", 5);
}

void cli_json_null(struct cli_json *j)
{
	before_value(j);
	cli_out_write(j->out, "null", 4);
}

void cli_json_key_str(struct cli_json *j, const char *key, const char *s)
{
	cli_json_key(j, key);
	cli_json_str(j, s);
}

void cli_json_key_bytes(struct cli_json *j, const char *key, const char *p, size_t n)
{
	cli_json_key(j, key);
	cli_json_bytes(j, p, n);
}

void cli_json_key_uint(struct cli_json *j, const char *key, unsigned long value)
{
	cli_json_key(j, key);
	cli_json_uint(j, value);
}

void cli_json_key_bool(struct cli_json *j, const char *key, bool value)
{
	cli_json_key(j, key);
	cli_json_bool(j, value);
}

void cli_json_key_null(struct cli_json *j, const char *key)
{
	cli_json_key(j, key);
	cli_json_null(j);
}
