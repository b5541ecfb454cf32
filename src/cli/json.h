/*
 * json.h: a JSON writer on a cli_out. It places the commas and colons
 * itself, from a small stack of the objects and arrays open, and escapes
 * strings in runs. Misuse (a key outside an object, a value without its key,
 * an end with nothing open, too deep a nesting) is a programming error: the
 * writer says so on standard error and aborts.
 *
 * It lives in src/cli because only the command line writes JSON (the report
 * of lint and check, the JSON Lines transcript); the engine reads JSON Lines
 * but writes none. Peer bytes are escaped by the engine's proto_escape_json,
 * straight into the output buffer.
 */
#ifndef SMTPSCOPE_JSON_H
#define SMTPSCOPE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct cli_out;

#define CLI_JSON_DEPTH   8  /* objects and arrays open at once, at most */
#define CLI_JSON_KEY_MAX 64 /* bytes of a key, at most */

struct cli_json {
	struct cli_out *out;
	unsigned depth;            /* containers open */
	bool more;                 /* the innermost container (or the root) holds a value */
	bool after_key;            /* a key was written: its value comes next */
	bool newline;              /* a newline goes before the next member or item */
	char open[CLI_JSON_DEPTH]; /* '{' or '[' of each open container */
};

/*
 * A member's name: our own text, written as it is (none of its bytes may
 * need an escape), or p NULL for no name (an item of an array, a value at
 * the top). The calls below take a C string and measure it where they are
 * inlined, so a literal name costs no strlen.
 */
struct cli_json_name {
	const char *p;
	size_t n;
};

static inline struct cli_json_name cli_json_name(const char *key)
{
	return (struct cli_json_name){key, key != NULL ? strlen(key) : 0};
}

void cli_json_init(struct cli_json *j, struct cli_out *out);
/* Closes the innermost object or array. */
void cli_json_end(struct cli_json *j);
/* The next member or item starts on a new line (after its comma). */
void cli_json_newline(struct cli_json *j);
/* Ends a document (all closed) with a newline; another may follow (JSON Lines). */
void cli_json_done(struct cli_json *j);

/* The writer's calls with the name measured; the calls below are made of them. */
void cli_json_put_key(struct cli_json *j, struct cli_json_name key);
void cli_json_put_object(struct cli_json *j, struct cli_json_name key);
void cli_json_put_array(struct cli_json *j, struct cli_json_name key);
void cli_json_put_str(struct cli_json *j, struct cli_json_name key, const char *s, size_t n);
void cli_json_put_bytes(struct cli_json *j, struct cli_json_name key, const char *p, size_t n);
void cli_json_put_uint(struct cli_json *j, struct cli_json_name key, unsigned long value);
void cli_json_put_bool(struct cli_json *j, struct cli_json_name key, bool value);
void cli_json_put_null(struct cli_json *j, struct cli_json_name key);

/*
 * Members written in one call, for an object written often (a line of the
 * lint listing): the writer's state is checked once, not member by member.
 * A member's key must be a string literal: CLI_JSON_MEMBER makes its comma,
 * quotes and colon part of the literal. NAME is our own text from a table
 * written as it is, like a key; TEXT is our own text escaped, as
 * cli_json_key_str; BYTES peer bytes, as cli_json_key_bytes.
 */
enum cli_json_kind { CLI_JSON_NAME, CLI_JSON_TEXT, CLI_JSON_BYTES, CLI_JSON_UINT, CLI_JSON_BOOL };

struct cli_json_member {
	const char *lead; /* ,"key": */
	size_t nlead;
	enum cli_json_kind kind;
	const char *p;   /* NAME, TEXT, BYTES */
	size_t n;        /* their length */
	unsigned long u; /* UINT; BOOL: 0 or 1 */
};

#define CLI_JSON_LEAD(key) ",\"" key "\":", sizeof(",\"" key "\":") - 1
#define CLI_JSON_MEMBER(key, kind, p, n, u)                                                        \
	((struct cli_json_member){CLI_JSON_LEAD(key), kind, p, n, u})

/* Writes count members into the innermost object, which must be open. */
void cli_json_members(struct cli_json *j, const struct cli_json_member *m, size_t count);
/* Opens an object, as a value, with these members; cli_json_end closes it. */
void cli_json_object_members(struct cli_json *j, const struct cli_json_member *m, size_t count);

/* Opens an object or an array, as a value. */
static inline void cli_json_object(struct cli_json *j)
{
	cli_json_put_object(j, cli_json_name(NULL));
}

static inline void cli_json_array(struct cli_json *j)
{
	cli_json_put_array(j, cli_json_name(NULL));
}

/* A member's name, in the innermost object; the value follows. */
static inline void cli_json_key(struct cli_json *j, const char *key)
{
	cli_json_put_key(j, cli_json_name(key));
}

/* Our own UTF-8 text (catalogue, profiles): controls, DEL, '"' and '\\' escaped. */
static inline void cli_json_key_str(struct cli_json *j, const char *key, const char *s)
{
	cli_json_put_str(j, cli_json_name(key), s, strlen(s));
}

/* Peer bytes: 8-bit bytes as \u0080-\u00ff, as proto_escape_json writes them. */
static inline void cli_json_key_bytes(struct cli_json *j, const char *key, const char *p, size_t n)
{
	cli_json_put_bytes(j, cli_json_name(key), p, n);
}

static inline void cli_json_key_uint(struct cli_json *j, const char *key, unsigned long value)
{
	cli_json_put_uint(j, cli_json_name(key), value);
}

static inline void cli_json_key_bool(struct cli_json *j, const char *key, bool value)
{
	cli_json_put_bool(j, cli_json_name(key), value);
}

static inline void cli_json_key_null(struct cli_json *j, const char *key)
{
	cli_json_put_null(j, cli_json_name(key));
}

static inline void cli_json_key_object(struct cli_json *j, const char *key)
{
	cli_json_put_object(j, cli_json_name(key));
}

static inline void cli_json_key_array(struct cli_json *j, const char *key)
{
	cli_json_put_array(j, cli_json_name(key));
}

/* The same values as items of an array (or alone at the top). */
static inline void cli_json_str(struct cli_json *j, const char *s)
{
	cli_json_key_str(j, NULL, s);
}

static inline void cli_json_bytes(struct cli_json *j, const char *p, size_t n)
{
	cli_json_key_bytes(j, NULL, p, n);
}

static inline void cli_json_uint(struct cli_json *j, unsigned long value)
{
	cli_json_key_uint(j, NULL, value);
}

static inline void cli_json_bool(struct cli_json *j, bool value)
{
	cli_json_key_bool(j, NULL, value);
}

static inline void cli_json_null(struct cli_json *j)
{
	cli_json_key_null(j, NULL);
}

/* Escapes our own text as cli_json_str does, without quotes; out needs 6 * len bytes. */
size_t cli_json_escape_text(char *out, const char *text, size_t len);

#endif
