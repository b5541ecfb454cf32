/*
 * auth.h: SMTP AUTH without crypto: base64, SASL responses, redaction.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_AUTH_H
#define SMTPSCOPE_PROTO_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/reply.h"

/*
 * SMTP AUTH (RFC 4954): base64, the client side of the SASL mechanisms
 * smtpscope speaks, and the redaction of secrets. No crypto here: the
 * HMAC-MD5 of CRAM-MD5 comes from the owner.
 */
enum proto_auth_mech {
	PROTO_AUTH_NONE,
	PROTO_AUTH_PLAIN,    /* RFC 4616, initial response in the AUTH line */
	PROTO_AUTH_LOGIN,    /* user name, then password, each after a 334 */
	PROTO_AUTH_CRAM_MD5, /* RFC 2195 */
	PROTO_AUTH_XOAUTH2,  /* Google and Microsoft's OAuth 2.0 bearer token */
};

#define PROTO_AUTH_FIELD_MAX 4096  /* bytes of a user name, password or token */
#define PROTO_AUTH_LINE_MAX  12288 /* RFC 4954 §4: an AUTH line with its initial response */
#define PROTO_BASE64_LEN(n)  (((n) + 2) / 3 * 4)
#define PROTO_REDACT_MAX     128 /* bytes of a redacted line, with its NUL */

/* "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2". */
const char *proto_auth_mech_name(enum proto_auth_mech mech);
/* Reads a mechanism name in any case; 0, or -1 when unknown. */
int proto_auth_mech_parse(const char *name, enum proto_auth_mech *out);
/* Base64 of RFC 4648 §4 with padding; out needs PROTO_BASE64_LEN(len) + 1. */
size_t proto_base64_encode(char *out, size_t cap, const void *in, size_t len);
/* Decodes strict padded base64 into out; 0, or -1 when invalid or over cap. */
int proto_base64_decode(void *out, size_t cap, const char *in, size_t len, size_t *outlen);
/* The responses, base64, NUL-terminated; 0, or -1 when a field is too long for cap. */
int proto_sasl_plain(char *out, size_t cap, const char *user, const char *password);
int proto_sasl_xoauth2(char *out, size_t cap, const char *user, const char *token);
/* RFC 2195: base64(user SP hex(digest)), digest the HMAC-MD5 of the challenge. */
int proto_sasl_cram_md5(char *out, size_t cap, const char *user, const unsigned char digest[16]);
/* True when a line of the EHLO reply (AUTH or legacy AUTH=) lists mech. */
bool proto_auth_offered(const struct proto_reply *ehlo, const char *mech);
/* True when the client line is an AUTH command (any case). */
bool proto_auth_command(const char *text, size_t len);
/* True when a line starts with an SMTP verb a client sends (EHLO, MAIL, NOOP, AUTH, ...), any case.
 */
bool proto_is_client_verb(const char *text, size_t len);
/*
 * Writes the redacted form of a client line into out (cap at least
 * PROTO_REDACT_MAX): "AUTH PLAIN <redacted 24 bytes>" for an AUTH command
 * (response false), "<redacted 12 bytes>" for a response inside the
 * exchange. Returns its length, or (size_t)-1 when the line holds no
 * secret: no initial response, "=", "*", an empty line, or a line
 * already redacted.
 */
size_t proto_auth_redact(char *out, size_t cap, const char *text, size_t len, bool response);

#endif
