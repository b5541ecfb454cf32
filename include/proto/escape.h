/*
 * escape.h: peer bytes made safe for a terminal, JSON or a transcript.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_ESCAPE_H
#define SMTPSCOPE_PROTO_ESCAPE_H

#include <stddef.h>

/* Safe text: every byte from a peer is escaped before it is shown. */

/* Caret form for terminals: ^[ for ESC, ^? for DEL, \xHH for 8-bit bytes. */
size_t proto_escape_term(char *out, size_t cap, const char *text, size_t len);
/* JSON string body (no quotes); 8-bit bytes become \u0080..\u00ff. */
size_t proto_escape_json(char *out, size_t cap, const char *text, size_t len);
/* Transcript form: "\\" for a backslash, \xHH for any other unsafe byte. */
size_t proto_escape_transcript(char *out, size_t cap, const char *text, size_t len);
/* The value of a hex digit in either case, or -1. */
int proto_hex_value(int c);
/* Undoes proto_escape_transcript; out needs len bytes. Returns its length. */
size_t proto_unescape_transcript(char *out, const char *text, size_t len);
/* Worst-case output size of the escapers for len input bytes; cap >= 1. */
#define PROTO_ESCAPE_MAX(len) ((len)*6 + 1)

#endif
