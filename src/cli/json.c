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
#define JSON_ROOM (2 + CLI_JSON_KEY_MAX + 3 + PROTO_ESCAPE_MAX(JSON_CHUNK) + 2)
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

/*
 * Copies a short run of our own bytes (a key, a name) in whole words, the
 * last one overlapping the one before, so no call and no byte past the end.
 */
static inline void copy_short(char *dst, const char *src, size_t n)
{
	uint64_t w;
	uint32_t h;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&w, src + i, 8);
			memcpy(dst + i, &w, 8);
		}
		memcpy(&w, src + n - 8, 8);
		memcpy(dst + n - 8, &w, 8);
	} else if (n >= 4) {
		memcpy(&h, src, 4);
		memcpy(dst, &h, 4);
		memcpy(&h, src + n - 4, 4);
		memcpy(dst + n - 4, &h, 4);
	} else {
		for (i = 0; i < n; i++)
			dst[i] = src[i];
	}
}

/* A value, as the calls below hand it to emit. */
enum json_kind { JSON_NONE, JSON_TEXT, JSON_PEER, JSON_NAME, JSON_UINT, JSON_RAW };

struct json_value {
	enum json_kind kind;
	const char
	    *p; /* JSON_TEXT, JSON_PEER, JSON_NAME: the bytes; JSON_RAW: the text as written */
	size_t n;
	unsigned long u;
};

/*
 * True when our own name (a key, a NAME value) needs no escape. Only builds
 * with assertions (Debug) read its bytes to check it.
 */
static bool plain_name(const char *p, size_t n)
{
#ifdef NDEBUG
	(void)p;
	(void)n;
	return true;
#else
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\')
			return false;
	return true;
#endif
}

/* Says which rule a key or a value broke; only called once a check has failed. */
static _Noreturn void misplaced(const struct cli_json *j, struct cli_json_name key)
{
	if (key.p == NULL && j->depth == 0)
		misuse("a second value at the top level before cli_json_done");
	if (key.p == NULL)
		misuse("a value in an object without its key");
	if (key.n > CLI_JSON_KEY_MAX)
		misuse("a key longer than CLI_JSON_KEY_MAX");
	if (j->after_key)
		misuse("a key where its value was due");
	if (j->depth == 0 || j->open[j->depth - 1] != '{')
		misuse("a key outside an object");
	misuse("a key with a byte that needs an escape");
}

/* True when a key (or NULL, a value) may stand here. */
static bool placed(const struct cli_json *j, struct cli_json_name key)
{
	bool in_object = j->depth > 0 && j->open[j->depth - 1] == '{';

	if (key.p == NULL)
		return !in_object && (j->depth > 0 || !j->more);
	return in_object && !j->after_key && key.n <= CLI_JSON_KEY_MAX && plain_name(key.p, key.n);
}

/*
 * The separator before a key or an item (a comma after a sibling, a newline
 * when asked for), then the key, as it is, and its colon. A value right
 * after its key gets nothing.
 */
static inline size_t lead(struct cli_json *j, char *dst, struct cli_json_name key)
{
	size_t n = 0;

	if (key.p == NULL && j->after_key) {
		j->after_key = false;
		return 0;
	}
	if (!placed(j, key))
		misplaced(j, key);
	if (j->more)
		dst[n++] = ',';
	if (j->newline)
		dst[n++] = '\n';
	j->newline = false;
	j->more = true;
	if (key.p == NULL)
		return n;
	dst[n++] = '"';
	copy_short(dst + n, key.p, key.n);
	n += key.n;
	dst[n++] = '"';
	dst[n++] = ':';
	return n;
}

/* Escapes at most one chunk of a string; dst holds PROTO_ESCAPE_MAX(len). */
static size_t put_chunk(char *dst, const char *p, size_t len, bool peer)
{
	if (peer)
		return proto_escape_json(dst, PROTO_ESCAPE_MAX(len), p, len);
	return cli_json_escape_text(dst, p, len);
}

/* The value at dst: a string's first chunk, and its closing quote when it is the last. */
static inline size_t put_value(char *dst, const struct json_value *v)
{
	size_t o;

	switch (v->kind) {
	case JSON_NONE:
		return 0;
	case JSON_UINT:
		return cli_uint_digits(dst, v->u);
	case JSON_RAW:
		copy_short(dst, v->p, v->n);
		return v->n;
	case JSON_NAME:
		dst[0] = '"';
		copy_short(dst + 1, v->p, v->n);
		dst[v->n + 1] = '"';
		return v->n + 2;
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
static void emit(struct cli_json *j, struct cli_json_name key, const struct json_value *v)
{
	char tmp[JSON_ROOM], *dst = room(j->out), *at = dst != NULL ? dst : tmp;
	size_t o = lead(j, at, key);

	commit(j->out, dst, tmp, o + put_value(at + o, v));
	if (v->n > JSON_CHUNK && (v->kind == JSON_TEXT || v->kind == JSON_PEER))
		emit_rest(j->out, v->p + JSON_CHUNK, v->n - JSON_CHUNK, v->kind == JSON_PEER);
}

/* A member's value, for emit: a long string, or a full buffer in memory. */
static struct json_value member_value(const struct cli_json_member *m)
{
	switch (m->kind) {
	case CLI_JSON_NAME:
		return (struct json_value){JSON_NAME, m->p, m->n, 0};
	case CLI_JSON_TEXT:
		return (struct json_value){JSON_TEXT, m->p, m->n, 0};
	case CLI_JSON_BYTES:
		return (struct json_value){JSON_PEER, m->p, m->n, 0};
	case CLI_JSON_UINT:
		return (struct json_value){JSON_UINT, NULL, 0, m->u};
	case CLI_JSON_BOOL:
		break;
	}
	return (struct json_value){JSON_RAW, m->u ? "true" : "false", m->u ? 4 : 5, 0};
}

/* A member's value at dst, which holds JSON_ROOM; strings are at most JSON_CHUNK. */
static inline size_t put_member(char *dst, const struct cli_json_member *m)
{
	size_t o = 1;

	switch (m->kind) {
	case CLI_JSON_UINT:
		return cli_uint_digits(dst, m->u);
	case CLI_JSON_BOOL:
		copy_short(dst, m->u ? "true" : "false", m->u ? 4 : 5);
		return m->u ? 4 : 5;
	case CLI_JSON_NAME:
		copy_short(dst + 1, m->p, m->n);
		o += m->n;
		break;
	case CLI_JSON_TEXT:
		o += cli_json_escape_text(dst + 1, m->p, m->n);
		break;
	case CLI_JSON_BYTES:
		o += proto_escape_json(dst + 1, PROTO_ESCAPE_MAX(m->n), m->p, m->n);
		break;
	}
	dst[0] = '"';
	dst[o++] = '"';
	return o;
}

/* The key of a member, out of its lead: ,"key": less the comma and the colon. */
static struct cli_json_name member_key(const struct cli_json_member *m)
{
	if (m->nlead < 4 || m->nlead - 4 > CLI_JSON_KEY_MAX || m->lead[0] != ',' ||
	    m->lead[1] != '"' || memcmp(m->lead + m->nlead - 2, "\":", 2) != 0)
		misuse("a member whose lead is not ,\"key\":");
	return (struct cli_json_name){m->lead + 2, m->nlead - 4};
}

/* Checks a member, in builds with assertions: its key, and a NAME value that needs no escape. */
static void check_member(const struct cli_json_member *m)
{
	if (m->kind == CLI_JSON_NAME && m->n > JSON_CHUNK)
		misuse("a name value longer than a chunk");
#ifndef NDEBUG
	struct cli_json_name key = member_key(m);

	if (!plain_name(key.p, key.n))
		misuse("a key with a byte that needs an escape");
	if (m->kind == CLI_JSON_NAME && !plain_name(m->p, m->n))
		misuse("a name value with a byte that needs an escape");
#else
	(void)m;
#endif
}

/* The most a member takes in the buffer, or 0 when it is too long for one reservation. */
static size_t member_room(const struct cli_json_member *m)
{
	if (m->nlead > CLI_JSON_KEY_MAX + 4)
		return 0;
	switch (m->kind) {
	case CLI_JSON_UINT:
		return m->nlead + CLI_UINT_DIGITS;
	case CLI_JSON_BOOL:
		return m->nlead + 5;
	case CLI_JSON_NAME:
		return m->nlead + m->n + 2;
	case CLI_JSON_TEXT:
	case CLI_JSON_BYTES:
		break;
	}
	return m->n > JSON_CHUNK ? 0 : m->nlead + PROTO_ESCAPE_MAX(m->n) + 2;
}

/* The members one by one, each through emit: a long one, or a full buffer in memory. */
static void members_slow(struct cli_json *j, const struct cli_json_member *m, size_t count)
{
	struct json_value v;
	size_t i;

	for (i = 0; i < count; i++) {
		v = member_value(&m[i]);
		emit(j, member_key(&m[i]), &v);
	}
}

/*
 * All members in one reservation when they fit one, as they mostly do: the
 * object's brace first when it is opened here, the first member with the
 * writer's checks and separator, the others with their lead copied whole.
 */
static void write_members(struct cli_json *j, bool open, const struct cli_json_member *m,
                          size_t count)
{
	size_t need = 2, each, i;
	char *dst, *p;

	for (i = 0; i < count; i++) {
		check_member(&m[i]);
		each = member_room(&m[i]);
		need += each != 0 ? each : JSON_ROOM;
	}
	dst = need <= JSON_ROOM ? room(j->out) : NULL;
	if (dst == NULL || j->depth == CLI_JSON_DEPTH) {
		if (open)
			cli_json_object(j);
		members_slow(j, m, count);
		return;
	}
	p = dst;
	if (open) {
		p += lead(j, p, (struct cli_json_name){NULL, 0});
		*p++ = '{';
		j->open[j->depth++] = '{';
		j->more = false;
	}
	for (i = 0; i < count; i++) {
		if (i == 0) {
			/* The writer's checks and separator; the same bytes as a lead after a
			 * member. */
			p += lead(j, p, member_key(&m[0]));
		} else {
			copy_short(p, m[i].lead, m[i].nlead);
			p += m[i].nlead;
		}
		p += put_member(p, &m[i]);
	}
	j->out->len += (size_t)(p - dst);
}

void cli_json_members(struct cli_json *j, const struct cli_json_member *m, size_t count)
{
	write_members(j, false, m, count);
}

void cli_json_object_members(struct cli_json *j, const struct cli_json_member *m, size_t count)
{
	write_members(j, true, m, count);
}

static void open_container(struct cli_json *j, struct cli_json_name key, char c)
{
	struct json_value v = {JSON_RAW, &c, 1, 0};
	char *dst = room(j->out);
	size_t o;

	if (j->depth == CLI_JSON_DEPTH)
		misuse("objects and arrays nested deeper than CLI_JSON_DEPTH");
	if (dst != NULL) {
		o = lead(j, dst, key);
		dst[o] = c;
		j->out->len += o + 1;
	} else {
		emit(j, key, &v);
	}
	j->open[j->depth++] = c;
	j->more = false;
}

void cli_json_put_object(struct cli_json *j, struct cli_json_name key)
{
	open_container(j, key, '{');
}

void cli_json_put_array(struct cli_json *j, struct cli_json_name key)
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
	if (j->out->fd >= 0 && j->out->len < sizeof j->out->buf)
		j->out->buf[j->out->len++] = c;
	else
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

void cli_json_put_key(struct cli_json *j, struct cli_json_name key)
{
	struct json_value v = {JSON_NONE, NULL, 0, 0};

	if (key.p == NULL)
		misuse("a key that is NULL");
	emit(j, key, &v);
	j->after_key = true;
}

void cli_json_put_str(struct cli_json *j, struct cli_json_name key, const char *s, size_t n)
{
	struct json_value v = {JSON_TEXT, s, n, 0};

	emit(j, key, &v);
}

void cli_json_put_bytes(struct cli_json *j, struct cli_json_name key, const char *p, size_t n)
{
	struct json_value v = {JSON_PEER, p, n, 0};

	emit(j, key, &v);
}

void cli_json_put_uint(struct cli_json *j, struct cli_json_name key, unsigned long value)
{
	struct json_value v = {JSON_UINT, NULL, 0, value};

	emit(j, key, &v);
}

void cli_json_put_bool(struct cli_json *j, struct cli_json_name key, bool value)
{
	struct json_value v = {JSON_RAW, value ? "true" : "false", value ? 4 : 5, 0};

	emit(j, key, &v);
}

void cli_json_put_null(struct cli_json *j, struct cli_json_name key)
{
	struct json_value v = {JSON_RAW, "null", 4, 0};

	emit(j, key, &v);
}
