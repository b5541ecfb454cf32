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

void cli_json_init(struct cli_json *j, struct cli_out *out);
/* Opens an object or an array, as a value. */
void cli_json_object(struct cli_json *j);
void cli_json_array(struct cli_json *j);
/* Closes the innermost object or array. */
void cli_json_end(struct cli_json *j);
/* A member's name (our own text), in the innermost object; the value follows. */
void cli_json_key(struct cli_json *j, const char *key);
/* The next member or item starts on a new line (after its comma). */
void cli_json_newline(struct cli_json *j);
/* Ends a document (all closed) with a newline; another may follow (JSON Lines). */
void cli_json_done(struct cli_json *j);

/* Our own UTF-8 text (catalogue, profiles): controls, DEL, '"' and '\\' escaped. */
void cli_json_str(struct cli_json *j, const char *s);
/* Peer bytes: 8-bit bytes as \u0080-\u00ff, as proto_escape_json writes them. */
void cli_json_bytes(struct cli_json *j, const char *p, size_t n);
void cli_json_uint(struct cli_json *j, unsigned long value);
void cli_json_bool(struct cli_json *j, bool value);
void cli_json_null(struct cli_json *j);

/* A key and its value in one call; with key NULL, the value alone. */
void cli_json_key_str(struct cli_json *j, const char *key, const char *s);
void cli_json_key_bytes(struct cli_json *j, const char *key, const char *p, size_t n);
void cli_json_key_uint(struct cli_json *j, const char *key, unsigned long value);
void cli_json_key_bool(struct cli_json *j, const char *key, bool value);
void cli_json_key_null(struct cli_json *j, const char *key);
void cli_json_key_object(struct cli_json *j, const char *key);
void cli_json_key_array(struct cli_json *j, const char *key);

/* Escapes our own text as cli_json_str does, without quotes; out needs 6 * len bytes. */
size_t cli_json_escape_text(char *out, const char *text, size_t len);

#endif
