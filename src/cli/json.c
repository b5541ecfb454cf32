/*
 * json.c: the JSON writer of json.h. Commas come from the state of the
 * innermost container. Each call reserves room in the output buffer once and
 * writes its separator, key and value straight into it. Strings are escaped
 * eight bytes at a time: a word whose bytes all pass unchanged is copied
 * whole, and only the bytes that need it are escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/escape.h"
#include "proto/reply.h"
#include "cli.h"
#include "json.h"

#define JSON_CHUNK PROTO_LINE_KEEP /* input bytes of a string escaped per reservation */
/* The most one reservation takes: separator, key, a chunk of a string. */
#define JSON_ROOM (2 + 6 * CLI_JSON_KEY_MAX + 3 + PROTO_ESCAPE_MAX(JSON_CHUNK) + 2)
#define ONES      UINT64_C(0x0101010101010101)
#define HIGHS     UINT64_C(0x8080808080808080)

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

/* True when one of the eight bytes in w is a control, DEL, '"' or '\\' (8-bit bytes pass). */
static bool word_escapes(uint64_t w)
{
	uint64_t quote = w ^ (ONES * '"'), slash = w ^ (ONES * '\\'), del = w ^ (ONES * 0x7f);

	return ((w - ONES * 0x20) | (quote - ONES) | (slash - ONES) | (del - ONES)) & ~w & HIGHS;
}

/* The same for four bytes. */
static bool word4_escapes(uint32_t w)
{
	const uint32_t ones = 0x01010101u, highs = 0x80808080u;
	uint32_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);

	return ((w - ones * 0x20) | (quote - ones) | (slash - ones) | (del - ones)) & ~w & highs;
}

/* One byte that needs an escape, at out. */
static size_t text_escape(char *out, unsigned char c)
{
	out[0] = '\\';
	if (c == '"' || c == '\\') {
		out[1] = (char)c;
		return 2;
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

/* Byte by byte, for the few bytes no word test covers. */
static size_t text_bytes(char *out, const char *text, size_t len)
{
	size_t o = 0, i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)text[i];
		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += text_escape(out + o, c);
	}
	return o;
}

/* Four to seven bytes: two overlapping four-byte words, copied whole when both pass. */
static size_t text_short(char *out, const char *text, size_t len)
{
	uint32_t a, b;

	memcpy(&a, text, 4);
	memcpy(&b, text + len - 4, 4);
	if (word4_escapes(a) || word4_escapes(b))
		return text_bytes(out, text, len);
	memcpy(out, &a, 4);
	memcpy(out + len - 4, &b, 4);
	return len;
}

size_t cli_json_escape_text(char *out, const char *text, size_t len)
{
	size_t o = 0, i = 0;
	bool verbatim = false; /* the last word came out unchanged */
	uint64_t w;

	if (len < 8)
		return len < 4 ? text_bytes(out, text, len) : text_short(out, text, len);
	/* Word by word: a word that needs nothing is copied whole, another byte by byte. */
	for (; len - i >= 8; i += 8) {
		memcpy(&w, text + i, 8);
		verbatim = !word_escapes(w);
		if (verbatim) {
			memcpy(out + o, &w, 8);
			o += 8;
		} else {
			o += text_bytes(out + o, text + i, 8);
		}
	}
	if (i == len)
		return o;
	/* The tail: the last eight bytes, over bytes already copied unchanged. */
	memcpy(&w, text + len - 8, 8);
	if (!verbatim || word_escapes(w))
		return o + text_bytes(out + o, text + i, len - i);
	memcpy(out + o - (i - (len - 8)), &w, 8);
	return o + (len - i);
}

/* A value, as the calls below hand it to emit. */
enum json_kind { JSON_NONE, JSON_TEXT, JSON_PEER, JSON_UINT, JSON_RAW };

struct json_value {
	enum json_kind kind;
	const char *p; /* JSON_TEXT, JSON_PEER: the bytes; JSON_RAW: the text as written */
	size_t n;
	unsigned long u;
};

/* The separator before a key or an item: a comma after a sibling, a newline when asked for. */
static size_t separator(struct cli_json *j, char *dst)
{
	size_t n = 0;

	if (j->more)
		dst[n++] = ',';
	if (j->newline)
		dst[n++] = '\n';
	j->newline = false;
	j->more = true;
	return n;
}

/* Checks that a value may stand here, and writes its separator. */
static size_t value_lead(struct cli_json *j, char *dst)
{
	if (j->after_key) {
		j->after_key = false;
		return 0;
	}
	if (j->depth == 0 && j->more)
		misuse("a second value at the top level before cli_json_done");
	if (j->depth > 0 && j->open[j->depth - 1] == '{')
		misuse("a value in an object without its key");
	return separator(j, dst);
}

/* Checks that a key may stand here, and writes it with its separator and colon. */
static size_t key_lead(struct cli_json *j, char *dst, const char *key, size_t klen)
{
	size_t o;

	if (j->depth == 0 || j->open[j->depth - 1] != '{')
		misuse("a key outside an object");
	if (j->after_key)
		misuse("a key where its value was due");
	o = separator(j, dst);
	dst[o++] = '"';
	o += cli_json_escape_text(dst + o, key, klen);
	dst[o++] = '"';
	dst[o++] = ':';
	return o;
}

/* Escapes at most one chunk of a string; dst holds PROTO_ESCAPE_MAX(len). */
static size_t put_chunk(char *dst, const char *p, size_t len, bool peer)
{
	if (peer)
		return proto_escape_json(dst, PROTO_ESCAPE_MAX(len), p, len);
	return cli_json_escape_text(dst, p, len);
}

/* The value at dst: a string's first chunk, and its closing quote when it is the last. */
static size_t put_value(char *dst, const struct json_value *v)
{
	size_t o;

	switch (v->kind) {
	case JSON_NONE:
		return 0;
	case JSON_UINT:
		return cli_uint_digits(dst, v->u);
	case JSON_RAW:
		memcpy(dst, v->p, v->n);
		return v->n;
	default:
		break;
	}
	dst[0] = '"';
	o = 1 +
	    put_chunk(dst + 1, v->p, v->n < JSON_CHUNK ? v->n : JSON_CHUNK, v->kind == JSON_PEER);
	if (v->n <= JSON_CHUNK)
		dst[o++] = '"';
	return o;
}

/* Room for JSON_ROOM bytes in the buffer, without a call while it has them. */
static char *room(struct cli_out *out)
{
	if (out->fd >= 0 && sizeof out->buf - out->len >= JSON_ROOM)
		return out->buf + out->len;
	return cli_out_space(out, JSON_ROOM);
}

/* Separator, key (or NULL) and value, into dst, which holds JSON_ROOM. */
static size_t build(struct cli_json *j, char *dst, const char *key, size_t klen,
                    const struct json_value *v)
{
	size_t o = key != NULL ? key_lead(j, dst, key, klen) : value_lead(j, dst);

	return o + put_value(dst + o, v);
}

/* Keeps what was built: in the buffer, or, in memory when it was full, through cli_out_write. */
static void commit(struct cli_out *out, const char *dst, const char *tmp, size_t n)
{
	if (dst != NULL)
		out->len += n;
	else
		cli_out_write(out, tmp, n);
}

/* The chunks of a string after its first, the closing quote after the last. */
static void emit_rest(struct cli_out *out, const char *p, size_t n, bool peer)
{
	char tmp[JSON_ROOM], *dst;
	size_t chunk, o;

	while (n > 0) {
		chunk = n < JSON_CHUNK ? n : JSON_CHUNK;
		dst = room(out);
		o = put_chunk(dst != NULL ? dst : tmp, p, chunk, peer);
		if (chunk == n)
			(dst != NULL ? dst : tmp)[o++] = '"';
		commit(out, dst, tmp, o);
		p += chunk;
		n -= chunk;
	}
}

/* Writes a key (or NULL) and a value in one reservation; a long string goes on after it. */
static void emit(struct cli_json *j, const char *key, const struct json_value *v)
{
	char tmp[JSON_ROOM], *dst;
	size_t klen = 0;

	if (key != NULL) {
		klen = strlen(key);
		if (klen > CLI_JSON_KEY_MAX)
			misuse("a key longer than CLI_JSON_KEY_MAX");
	}
	dst = room(j->out);
	commit(j->out, dst, tmp, build(j, dst != NULL ? dst : tmp, key, klen, v));
	if ((v->kind == JSON_TEXT || v->kind == JSON_PEER) && v->n > JSON_CHUNK)
		emit_rest(j->out, v->p + JSON_CHUNK, v->n - JSON_CHUNK, v->kind == JSON_PEER);
}

static void open_container(struct cli_json *j, const char *key, char c)
{
	struct json_value v = {JSON_RAW, &c, 1, 0};

	if (j->depth == CLI_JSON_DEPTH)
		misuse("objects and arrays nested deeper than CLI_JSON_DEPTH");
	emit(j, key, &v);
	j->open[j->depth++] = c;
	j->more = false;
}

void cli_json_object(struct cli_json *j)
{
	open_container(j, NULL, '{');
}

void cli_json_array(struct cli_json *j)
{
	open_container(j, NULL, '[');
}

void cli_json_key_object(struct cli_json *j, const char *key)
{
	open_container(j, key, '{');
}

void cli_json_key_array(struct cli_json *j, const char *key)
{
	open_container(j, key, '[');
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

void cli_json_key(struct cli_json *j, const char *key)
{
	struct json_value v = {JSON_NONE, NULL, 0, 0};

	emit(j, key, &v);
	j->after_key = true;
}

void cli_json_key_str(struct cli_json *j, const char *key, const char *s)
{
	struct json_value v = {JSON_TEXT, s, strlen(s), 0};

	emit(j, key, &v);
}

void cli_json_key_bytes(struct cli_json *j, const char *key, const char *p, size_t n)
{
	struct json_value v = {JSON_PEER, p, n, 0};

	emit(j, key, &v);
}

void cli_json_key_uint(struct cli_json *j, const char *key, unsigned long value)
{
	struct json_value v = {JSON_UINT, NULL, 0, value};

	emit(j, key, &v);
}

void cli_json_key_bool(struct cli_json *j, const char *key, bool value)
{
	struct json_value v = {JSON_RAW, value ? "true" : "false", value ? 4 : 5, 0};

	emit(j, key, &v);
}

void cli_json_key_null(struct cli_json *j, const char *key)
{
	struct json_value v = {JSON_RAW, "null", 4, 0};

	emit(j, key, &v);
}

void cli_json_str(struct cli_json *j, const char *s)
{
	cli_json_key_str(j, NULL, s);
}

void cli_json_bytes(struct cli_json *j, const char *p, size_t n)
{
	cli_json_key_bytes(j, NULL, p, n);
}

void cli_json_uint(struct cli_json *j, unsigned long value)
{
	cli_json_key_uint(j, NULL, value);
}

void cli_json_bool(struct cli_json *j, bool value)
{
	cli_json_key_bool(j, NULL, value);
}

void cli_json_null(struct cli_json *j)
{
	cli_json_key_null(j, NULL);
}
