/*
 * auth.c: SMTP AUTH (RFC 4954) without crypto: base64, the client
 * responses of PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195, the digest
 * comes from the owner) and XOAUTH2, the mechanisms an EHLO reply offers,
 * and the redaction that keeps secrets out of every view of a
 * conversation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/auth.h"
#include "proto/reply.h"
#include "proto_int.h"

/* Bytes of an AUTH line kept before its redacted initial response. */
#define AUTH_KEEP_MAX 64

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const mech_names[] = {"", "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"};

const char *proto_auth_mech_name(enum proto_auth_mech mech)
{
	if ((unsigned)mech >= sizeof mech_names / sizeof mech_names[0])
		abort();
	return mech_names[mech];
}

int proto_auth_mech_parse(const char *name, enum proto_auth_mech *out)
{
	size_t i;

	for (i = 1; i < sizeof mech_names / sizeof mech_names[0]; i++) {
		if (strcasecmp(name, mech_names[i]) == 0) {
			*out = (enum proto_auth_mech)i;
			return 0;
		}
	}
	return -1;
}

size_t proto_base64_encode(char *out, size_t cap, const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t i, o = 0;
	unsigned v;

	if (cap < PROTO_BASE64_LEN(len) + 1)
		abort();
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* The value of a base64 digit, or -1. */
static int b64_value(char c)
{
	const char *hit = c != '\0' ? strchr(b64_alphabet, c) : NULL;

	return hit != NULL ? (int)(hit - b64_alphabet) : -1;
}

/* Decodes one group of four digits; the last may end in "=" or "=="; returns bytes, or -1. */
static int decode_group(const char *g, bool last, unsigned char out[3])
{
	unsigned v = 0;
	int k, d, pad = 0;

	for (k = 0; k < 4; k++) {
		if (g[k] == '=' && last && k >= 2 && g[3] == '=') {
			pad++;
			d = 0;
		} else if (pad > 0 || (d = b64_value(g[k])) < 0) {
			return -1;
		}
		v = v << 6 | (unsigned)d;
	}
	out[0] = (unsigned char)(v >> 16);
	out[1] = (unsigned char)(v >> 8);
	out[2] = (unsigned char)v;
	return 3 - pad;
}

int proto_base64_decode(void *out, size_t cap, const char *in, size_t len, size_t *outlen)
{
	unsigned char *o = out, group[3];
	size_t i, n = 0;
	int got;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		got = decode_group(in + i, i + 4 == len, group);
		if (got < 0 || (size_t)got > cap - n)
			return -1;
		memcpy(o + n, group, (size_t)got);
		n += (size_t)got;
	}
	*outlen = n;
	return 0;
}

/* Encodes the concatenation of parts as one base64 line; 0, or -1 when it is too long. */
static int encode_parts(char *out, size_t cap, const char *const *part, const size_t *plen,
                        size_t nparts)
{
	char raw[3 * PROTO_AUTH_FIELD_MAX + 32];
	size_t used = 0, i;

	for (i = 0; i < nparts; i++) {
		if (plen[i] > sizeof raw - used)
			return -1;
		memcpy(raw + used, part[i], plen[i]);
		used += plen[i];
	}
	if (cap < PROTO_BASE64_LEN(used) + 1)
		return -1;
	proto_base64_encode(out, cap, raw, used);
	return 0;
}

int proto_sasl_plain(char *out, size_t cap, const char *user, const char *password)
{
	const char *part[] = {"", user, "", password};
	size_t plen[] = {1, strlen(user), 1, strlen(password)};

	if (plen[1] > PROTO_AUTH_FIELD_MAX || plen[3] > PROTO_AUTH_FIELD_MAX)
		return -1;
	return encode_parts(out, cap, part, plen, 4);
}

int proto_sasl_xoauth2(char *out, size_t cap, const char *user, const char *token)
{
	const char *part[] = {"user=", user, "\001auth=Bearer ", token, "\001\001"};
	size_t plen[] = {5, strlen(user), 13, strlen(token), 2};

	if (plen[1] > PROTO_AUTH_FIELD_MAX || plen[3] > PROTO_AUTH_FIELD_MAX)
		return -1;
	return encode_parts(out, cap, part, plen, 5);
}

int proto_sasl_cram_md5(char *out, size_t cap, const char *user, const unsigned char digest[16])
{
	static const char hex[] = "0123456789abcdef";
	char text[33];
	const char *part[] = {user, " ", text};
	size_t plen[] = {strlen(user), 1, 32};
	int i;

	if (plen[0] > PROTO_AUTH_FIELD_MAX)
		return -1;
	for (i = 0; i < 16; i++) {
		text[2 * i] = hex[digest[i] >> 4];
		text[2 * i + 1] = hex[digest[i] & 15];
	}
	text[32] = '\0';
	return encode_parts(out, cap, part, plen, 3);
}

/* Compares a word of a line with name, in any case. */
static bool word_is(const char *word, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(word, name, len) == 0;
}

/* True when the EHLO line text (code included) is an AUTH line offering mech. */
static bool line_offers(const char *text, size_t len, const char *mech)
{
	size_t i = 4, w;

	if (len < 9 || strncasecmp(text + 4, "AUTH", 4) != 0 || (text[8] != ' ' && text[8] != '='))
		return false;
	for (i = 9; i < len; i += w) {
		while (i < len && text[i] == ' ')
			i++;
		for (w = 0; i + w < len && text[i + w] != ' '; w++)
			continue;
		if (w > 0 && word_is(text + i, w, mech))
			return true;
	}
	return false;
}

bool proto_auth_offered(const struct proto_reply *ehlo, const char *mech)
{
	unsigned i;

	if (ehlo == NULL)
		return false;
	for (i = 0; i < ehlo->nkept; i++)
		if (line_offers(ehlo->line[i].text, ehlo->line[i].len, mech))
			return true;
	return false;
}

/* Servers split a command at any run of spaces and tabs, so the redaction does too. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Index of the first byte at or after i that is not a space or a tab. */
static size_t skip_blanks(const char *text, size_t len, size_t i)
{
	while (i < len && is_blank(text[i]))
		i++;
	return i;
}

bool proto_auth_command(const char *text, size_t len)
{
	size_t i = skip_blanks(text, len, 0);

	return len - i >= 4 && proto_letters_eq(text + i, "AUTH", 4) &&
	       (len - i == 4 || is_blank(text[i + 4]));
}

/* True when text is exactly "<redacted N bytes>": already redacted, kept as it is. */
static bool is_redacted(const char *text, size_t len)
{
	size_t d = 10;

	if (len < 18 || memcmp(text, "<redacted ", 10) != 0)
		return false;
	while (d < len && text[d] >= '0' && text[d] <= '9')
		d++;
	return d > 10 && len - d == 7 && memcmp(text + d, " bytes>", 7) == 0;
}

/*
 * Where the secret of a client line starts: after "AUTH MECH " for an AUTH
 * command, at 0 for a response inside the exchange. False when the line
 * holds none: no initial response, "=" (an empty one, RFC 4954 §4), "*" (a
 * cancel), an empty line, or a line already redacted.
 */
static bool secret_at(const char *text, size_t len, bool response, size_t *off)
{
	size_t i = 0;

	if (!response) {
		i = skip_blanks(text, len, skip_blanks(text, len, 0) + 4);
		while (i < len && !is_blank(text[i]))
			i++;
		i = skip_blanks(text, len, i);
		/* Whatever the blanks before it, no more than AUTH_KEEP_MAX bytes are kept. */
		if (i > AUTH_KEEP_MAX)
			i = skip_blanks(text, len, 0) + 5;
		if (i > AUTH_KEEP_MAX)
			i = AUTH_KEEP_MAX;
	}
	*off = i;
	if (i == len || is_redacted(text + i, len - i))
		return false;
	return response ? !(len == 1 && text[0] == '*') : !(len - i == 1 && text[i] == '=');
}

size_t proto_auth_redact(char *out, size_t cap, const char *text, size_t len, bool response)
{
	size_t off;
	int n;

	if (cap < PROTO_REDACT_MAX)
		abort();
	if (!secret_at(text, len, response, &off))
		return (size_t)-1;
	memcpy(out, text, off);
	n = snprintf(out + off, cap - off, "<redacted %zu bytes>", len - off);
	if (n < 0 || (size_t)n >= cap - off)
		abort();
	return off + (size_t)n;
}
