/*
 * auth_server.c: the lab's server side of SMTP AUTH (RFC 4954) for the "auth USER
 * PASSWORD" action: PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and
 * XOAUTH2, each checked against the scenario's credentials, so that a test
 * proves the client's encodings and not only that something was sent.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lab_int.h"
#include "proto/auth.h"
#include "tls/tls.h"

#define OK_235      "235 2.7.0 Authentication successful\r\n"
#define BAD_535     "535 5.7.8 Authentication credentials invalid\r\n"
#define CANCEL_501  "501 5.7.0 Authentication cancelled\r\n"
#define DECODE_501  "501 5.5.2 Cannot decode the response\r\n"
#define UNKNOWN_504 "504 5.5.4 Unrecognized authentication type\r\n"
/* Google's error challenge to XOAUTH2, base64 of a JSON status. */
#define XOAUTH2_ERR                                                                                \
	"{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}"

/* Writes a complete reply line into out; the exchange goes on when more. */
static bool reply(char *out, size_t cap, const char *text, bool more)
{
	snprintf(out, cap, "%s", text);
	return more;
}

/* Writes "334 " and the base64 of text. */
static bool challenge(char *out, size_t cap, const char *text, size_t len)
{
	char b64[PROTO_BASE64_LEN(LAB_AUTH_CHALLENGE_MAX) + 1];

	proto_base64_encode(b64, sizeof b64, text, len);
	snprintf(out, cap, "334 %s\r\n", b64);
	return true;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* The result of the credentials: 235 or 535; the exchange ends. */
static bool verdict(char *out, size_t cap, bool good)
{
	return reply(out, cap, good ? OK_235 : BAD_535, false);
}

/* RFC 4616: [authzid] NUL authcid NUL passwd; an authzid other than the user is refused. */
static bool check_plain(const struct lab_auth *a, const char *m, size_t len)
{
	const char *nul1 = memchr(m, '\0', len), *nul2;

	if (nul1 == NULL || (nul2 = memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - m))) == NULL)
		return false;
	if (nul1 != m && !same(m, (size_t)(nul1 - m), a->user, a->user_len))
		return false;
	return same(nul1 + 1, (size_t)(nul2 - nul1 - 1), a->user, a->user_len) &&
	       same(nul2 + 1, len - (size_t)(nul2 + 1 - m), a->password, a->password_len);
}

/* "user=" U ^A "auth=Bearer " TOKEN ^A ^A. */
static bool check_xoauth2(const struct lab_auth *a, const char *m, size_t len)
{
	char want[2 * LAB_AUTH_FIELD_MAX + 32];
	int n = snprintf(want, sizeof want, "user=%.*s\001auth=Bearer %.*s\001\001",
	                 (int)a->user_len, a->user, (int)a->password_len, a->password);

	return n > 0 && (size_t)n < sizeof want && same(m, len, want, (size_t)n);
}

/* RFC 2195: user SP hex(HMAC-MD5(password, challenge)), hex in lower case. */
static bool check_cram(const struct lab_auth *a, const char *m, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[16];
	char want[33];
	int i;

	if (len != a->user_len + 33 || !same(m, a->user_len, a->user, a->user_len) ||
	    m[a->user_len] != ' ')
		return false;
	if (tls_hmac_md5(a->password, a->password_len, a->challenge, a->challenge_len, digest) != 0)
		return false;
	for (i = 0; i < 16; i++) {
		want[2 * i] = hex[digest[i] >> 4];
		want[2 * i + 1] = hex[digest[i] & 15];
	}
	return memcmp(m + a->user_len + 1, want, 32) == 0;
}

/* Acts on one decoded response m; returns true while the exchange goes on. */
static bool respond(struct lab_auth *a, const char *m, size_t len, char *out, size_t cap)
{
	unsigned step = a->step++;

	switch (a->mech) {
	case PROTO_AUTH_PLAIN:
		return verdict(out, cap, check_plain(a, m, len));
	case PROTO_AUTH_LOGIN:
		if (step == 0) {
			a->user_ok = same(m, len, a->user, a->user_len);
			return challenge(out, cap, "Password:", 9);
		}
		return verdict(out, cap, a->user_ok && same(m, len, a->password, a->password_len));
	case PROTO_AUTH_CRAM_MD5:
		return verdict(out, cap, check_cram(a, m, len));
	case PROTO_AUTH_XOAUTH2:
		if (step > 0) /* the client's answer to the error challenge */
			return verdict(out, cap, false);
		if (check_xoauth2(a, m, len))
			return verdict(out, cap, true);
		return challenge(out, cap, XOAUTH2_ERR, sizeof XOAUTH2_ERR - 1);
	case PROTO_AUTH_NONE:
		break;
	}
	return verdict(out, cap, false);
}

bool lab_auth_response(struct lab_auth *a, const char *line, size_t len, char *out, size_t cap)
{
	char m[PROTO_BASE64_LEN(2 * LAB_AUTH_FIELD_MAX + 32)];
	size_t mlen = 0;

	if (len == 1 && line[0] == '*')
		return reply(out, cap, CANCEL_501, false);
	/* An empty line answers XOAUTH2's error challenge; "=" is an empty initial response. */
	if (!(len == 1 && line[0] == '=') && len > 0 &&
	    proto_base64_decode(m, sizeof m, line, len, &mlen) != 0)
		return reply(out, cap, DECODE_501, false);
	return respond(a, m, mlen, out, cap);
}

/* The first challenge of a mechanism started without an initial response. */
static bool first_challenge(struct lab_auth *a, char *out, size_t cap)
{
	static unsigned long serial;

	switch (a->mech) {
	case PROTO_AUTH_LOGIN:
		return challenge(out, cap, "Username:", 9);
	case PROTO_AUTH_CRAM_MD5:
		a->challenge_len =
		    (size_t)snprintf(a->challenge, sizeof a->challenge, "<%lu.%lld@lab.invalid>",
		                     ++serial, (long long)time(NULL));
		return challenge(out, cap, a->challenge, a->challenge_len);
	default:
		return reply(out, cap, "334 \r\n", true);
	}
}

bool lab_auth_start(struct lab_auth *a, const char *user, size_t user_len, const char *password,
                    size_t password_len, const char *line, size_t len, char *out, size_t cap)
{
	size_t i = 4, w, rest;
	char mech[16];

	memset(a, 0, sizeof *a);
	a->user = user;
	a->user_len = user_len;
	a->password = password;
	a->password_len = password_len;
	while (i < len && line[i] == ' ')
		i++;
	for (w = 0; i + w < len && line[i + w] != ' '; w++)
		continue;
	snprintf(mech, sizeof mech, "%.*s", (int)(w < sizeof mech ? w : 0), line + i);
	if (w == 0 || proto_auth_mech_parse(mech, &a->mech) != 0)
		return reply(out, cap, UNKNOWN_504, false);
	for (rest = i + w; rest < len && line[rest] == ' '; rest++)
		continue;
	/* CRAM-MD5 has no initial response; LOGIN's is the user name. */
	if (rest == len || a->mech == PROTO_AUTH_CRAM_MD5)
		return first_challenge(a, out, cap);
	return lab_auth_response(a, line + rest, len - rest, out, cap);
}
