/*
 * test_auth.c: SMTP AUTH. Base64 and the SASL encodings against RFC
 * vectors; the linter's redaction of every mechanism, fed through the
 * sources whole and split at every byte; the session engine's AUTH
 * exchange against scripted replies, whole and one byte at a time, with
 * every line it reports checked for the secrets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_owner.h"
#include "proto/auth.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/session.h"
#include "proto/source.h"

/* RFC 4648 §10. */
static void test_base64_vectors(void **state)
{
	static const char *const v[][2] = {
	    {"", ""},
	    {"f", "Zg=="},
	    {"fo", "Zm8="},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg=="},
	    {"fooba", "Zm9vYmE="},
	    {"foobar", "Zm9vYmFy"},
	};
	char enc[64], dec[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(proto_base64_encode(enc, sizeof enc, v[i][0], strlen(v[i][0])),
		                 strlen(v[i][1]));
		assert_string_equal(enc, v[i][1]);
		assert_int_equal(proto_base64_decode(dec, sizeof dec, v[i][1], strlen(v[i][1]), &n),
		                 0);
		assert_int_equal(n, strlen(v[i][0]));
		assert_memory_equal(dec, v[i][0], n);
	}
}

/* Every length up to 300, every byte value: decode(encode(x)) == x. */
static void test_base64_round_trip(void **state)
{
	unsigned char in[300], out[300];
	char enc[PROTO_BASE64_LEN(300) + 1];
	size_t len, i, n;
	uint32_t x = 2463534242u;

	(void)state;
	for (len = 0; len <= sizeof in; len++) {
		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			in[i] = (unsigned char)(len < 256 && i == 0 ? len : x);
		}
		n = proto_base64_encode(enc, sizeof enc, in, len);
		assert_int_equal(n, PROTO_BASE64_LEN(len));
		assert_int_equal(proto_base64_decode(out, sizeof out, enc, n, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
	}
}

static void test_base64_invalid(void **state)
{
	static const char *const bad[] = {
	    "Zg=", "Z===", "Zg=a", "Zm9v!A==", "Zg==Zg==", "=Zg=", "Zm 9", "Zm9vY", "Zm9\nv"};
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(proto_base64_decode(out, sizeof out, bad[i], strlen(bad[i]), &n),
		                 -1);
	/* Too long for the output. */
	assert_int_equal(proto_base64_decode(out, 5, "Zm9vYmFy", 8, &n), -1);
}

/*
 * RFC 2195 §2's worked example of CRAM-MD5: the HMAC-MD5 of its challenge
 * under its password. The engine has no crypto: the digest is the owner's
 * (tls_hmac_md5, checked against this same example in test_tls.c), so these
 * tests give it as a known answer and keep the proto tests on libc alone.
 */
#define RFC2195_KEY       "tanstaaftanstaaf"
#define RFC2195_CHALLENGE "<1896.697170952@postoffice.reston.mci.net>"
static const unsigned char rfc2195_digest[16] = {0xb9, 0x13, 0xa6, 0x02, 0xc7, 0xed, 0xa7, 0xa4,
                                                 0x95, 0xb4, 0xe6, 0xe7, 0x33, 0x4d, 0x38, 0x90};

/* RFC 4616 PLAIN, XOAUTH2, and RFC 2195 §2's worked example of CRAM-MD5. */
static void test_sasl_encodings(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(proto_sasl_plain(out, sizeof out, "alice", "wonderland-42"), 0);
	assert_string_equal(out, "AGFsaWNlAHdvbmRlcmxhbmQtNDI=");
	assert_int_equal(proto_sasl_xoauth2(out, sizeof out, "alice", "tok-123"), 0);
	assert_string_equal(out, "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2stMTIzAQE=");
	assert_int_equal(proto_sasl_cram_md5(out, sizeof out, "tim", rfc2195_digest), 0);
	assert_string_equal(out, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	assert_int_equal(proto_sasl_plain(out, 8, "alice", "wonderland-42"), -1);
}

static void test_mechanisms(void **state)
{
	struct proto_reply *r = calloc(1, sizeof *r);
	static const char *const lines[] = {"250-mx.example", "250-AUTH=LOGIN", "250 auth plain"};
	struct proto_line line = {0};
	enum proto_auth_mech m;
	size_t i;

	(void)state;
	assert_int_equal(proto_auth_mech_parse("cram-md5", &m), 0);
	assert_int_equal(m, PROTO_AUTH_CRAM_MD5);
	assert_string_equal(proto_auth_mech_name(m), "CRAM-MD5");
	assert_int_equal(proto_auth_mech_parse("digest-md5", &m), -1);
	proto_reply_reset(r);
	for (i = 0; i < 3; i++) {
		line.text = lines[i];
		line.len = strlen(lines[i]);
		proto_reply_add(r, &line);
	}
	assert_true(proto_auth_offered(r, "PLAIN"));
	assert_true(proto_auth_offered(r, "LOGIN"));
	assert_false(proto_auth_offered(r, "CRAM-MD5"));
	assert_false(proto_auth_offered(r, "MX.EXAMPLE"));
	free(r);
}

/*
 * Linter cases: a conversation with "C: " and "S: " marks, and the lines
 * reported, each "C " or "S " and its text.
 */
struct lcase {
	const char *name;
	const char *input;
	const char *want;
	bool show;
};

#define PLAIN_IR "AGFsaWNlAHdvbmRlcmxhbmQtNDI="
#define LOGIN_IN                                                                                   \
	"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\nS: 334 UGFzc3dvcmQ6\n"                   \
	"C: d29uZGVybGFuZC00Mg==\nS: 235 2.7.0 ok\nC: QUIT\n"

static const struct lcase lcases[] = {
    {"PLAIN with its initial response", "C: AUTH PLAIN " PLAIN_IR "\nS: 235 2.7.0 ok\nC: QUIT\n",
     "C AUTH PLAIN <redacted 28 bytes>\nS 235 2.7.0 ok\nC QUIT\n", false},
    {"--show-secrets", "C: AUTH PLAIN " PLAIN_IR "\nS: 235 2.7.0 ok\nC: QUIT\n",
     "C AUTH PLAIN " PLAIN_IR "\nS 235 2.7.0 ok\nC QUIT\n", true},
    {"lower case, extra spaces", "C: auth  plain   " PLAIN_IR "\nS: 235 ok\n",
     "C auth  plain   <redacted 28 bytes>\nS 235 ok\n", false},
    {"= is an empty initial response, kept",
     "C: AUTH PLAIN =\nS: 334 \nC: " PLAIN_IR "\nS: 235 ok\n",
     "C AUTH PLAIN =\nS 334 \nC <redacted 28 bytes>\nS 235 ok\n", false},
    {"LOGIN", LOGIN_IN,
     "C AUTH LOGIN\nS 334 VXNlcm5hbWU6\nC <redacted 8 bytes>\nS 334 UGFzc3dvcmQ6\n"
     "C <redacted 20 bytes>\nS 235 2.7.0 ok\nC QUIT\n",
     false},
    {"LOGIN shown", LOGIN_IN,
     "C AUTH LOGIN\nS 334 VXNlcm5hbWU6\nC YWxpY2U=\nS 334 UGFzc3dvcmQ6\n"
     "C d29uZGVybGFuZC00Mg==\nS 235 2.7.0 ok\nC QUIT\n",
     true},
    {"CRAM-MD5",
     "C: AUTH CRAM-MD5\nS: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\n"
     "C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\nS: 235 ok\n",
     "C AUTH CRAM-MD5\nS 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\n"
     "C <redacted 48 bytes>\nS 235 ok\n",
     false},
    {"XOAUTH2 and its error challenge",
     "C: AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2stMTIzAQE=\nS: 334 eyJzIjoiNDAxIn0=\n"
     "C: \nS: 535 5.7.8 no\nC: QUIT\n",
     "C AUTH XOAUTH2 <redacted 44 bytes>\nS 334 eyJzIjoiNDAxIn0=\nC \nS 535 5.7.8 no\n"
     "C QUIT\n",
     false},
    {"a cancel stays visible",
     "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: *\nS: 501 cancelled\n"
     "C: NOOP\n",
     "C AUTH LOGIN\nS 334 VXNlcm5hbWU6\nC *\nS 501 cancelled\nC NOOP\n", false},
    {"a 334 to another command redacts nothing", "C: XSECRET\nS: 334 go on\nC: c2VjcmV0\n",
     "C XSECRET\nS 334 go on\nC c2VjcmV0\n", false},
    {"AUTH without a mechanism, refused", "C: AUTH\nS: 501 5.5.4 Syntax\nC: MAIL FROM:<a@b>\n",
     "C AUTH\nS 501 5.5.4 Syntax\nC MAIL FROM:<a@b>\n", false},
    {"a line already redacted is kept", "C: AUTH PLAIN <redacted 28 bytes>\nS: 235 ok\n",
     "C AUTH PLAIN <redacted 28 bytes>\nS 235 ok\n", false},
    {"a multi-line 334 keeps the exchange open", "C: AUTH LOGIN\nS: 334-a\nS: 334 b\nC: eA==\n",
     "C AUTH LOGIN\nS 334-a\nS 334 b\nC <redacted 4 bytes>\n", false},
    {"tabs after AUTH and the mechanism", "C: auth\tplain\t" PLAIN_IR "\nS: 235 ok\n",
     "C auth\tplain\t<redacted 28 bytes>\nS 235 ok\n", false},
    {"a run of spaces and tabs, upper and lower case",
     "C: aUtH \t PlAiN\t \t" PLAIN_IR "\nS: 235 ok\n",
     "C aUtH \t PlAiN\t \t<redacted 28 bytes>\nS 235 ok\n", false},
    /* Review: blanks before AUTH never make the kept part outgrow the redaction buffer. */
    {"many blanks before AUTH",
     "C:                                                                                       "
     "                                        AUTH PLAIN " PLAIN_IR "\nS: 235 ok\n",
     "C                                                                 <redacted 101 bytes>\n"
     "S 235 ok\n",
     false},
    {"blanks before AUTH", "C: \t AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\n",
     "C \t AUTH LOGIN\nS 334 VXNlcm5hbWU6\nC <redacted 8 bytes>\n", false},
    /* Issue 10: a server that ends a 334 with a 235 line must not unredact what follows. */
    {"334 then 235 in one reply keeps the exchange open",
     "C: AUTH LOGIN\nS: 334-VXNlcm5hbWU6\nS: 235 trick\nC: YWxpY2U=\nS: 334 UGFzc3dvcmQ6\n"
     "C: d29uZGVybGFuZC00Mg==\n",
     "C AUTH LOGIN\nS 334-VXNlcm5hbWU6\nS 235 trick\nC <redacted 8 bytes>\n"
     "S 334 UGFzc3dvcmQ6\nC <redacted 20 bytes>\n",
     false},
    /* Python's smtplib takes the last line's code: 334 there counts as well. */
    {"235 then 334 in one reply keeps the exchange open",
     "C: AUTH LOGIN\nS: 235-trick\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\n",
     "C AUTH LOGIN\nS 235-trick\nS 334 VXNlcm5hbWU6\nC <redacted 8 bytes>\n", false},
};

struct collect {
	char out[4096];
	size_t len;
};

static void collect_line(void *ctx, const struct proto_lint_line *line)
{
	struct collect *c = ctx;
	int n;

	if (line->dir == PROTO_DIR_INFO)
		return;
	n = snprintf(c->out + c->len, sizeof c->out - c->len, "%c %.*s\n",
	             line->dir == PROTO_DIR_CLIENT ? 'C' : 'S', (int)line->len, line->text);
	assert_true(n > 0 && (size_t)n < sizeof c->out - c->len);
	c->len += (size_t)n;
}

static void collect_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	(void)ctx, (void)id, (void)n;
}

static const struct proto_lint_ops collect_ops = {collect_line, collect_finding};

/* The case's input in swaks' marks: " -> " for the client, "<-  " for the server. */
static void to_swaks(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	bool bol = true;

	for (; *in != '\0' && o + 8 < cap; in++) {
		if (bol && (in[0] == 'C' || in[0] == 'S') && in[1] == ':' && in[2] == ' ') {
			memcpy(out + o, in[0] == 'C' ? " -> " : "<-  ", 4);
			o += 4;
			in += 2;
			bol = false;
			continue;
		}
		out[o++] = *in;
		bol = *in == '\n';
	}
	out[o] = '\0';
}

/* Feeds text to a new source in two chunks cut at split. */
static void run_source(enum proto_format format, const char *text, size_t split, bool show,
                       struct collect *c)
{
	struct proto_source *src = proto_source_new(format, &collect_ops, c);

	assert_non_null(src);
	proto_source_show_secrets(src, show);
	memset(c, 0, sizeof *c);
	assert_int_equal(proto_source_feed(src, text, split), 0);
	assert_int_equal(proto_source_feed(src, text + split, strlen(text) - split), 0);
	assert_int_equal(proto_source_end(src), 0);
	proto_source_free(src);
}

static void check_split(const struct lcase *lc, enum proto_format format, const char *text)
{
	struct collect c;
	size_t k;

	for (k = 0; k <= strlen(text); k++) {
		run_source(format, text, k, lc->show, &c);
		if (strcmp(c.out, lc->want) != 0)
			print_error("case %s (%s, split %zu):\n%s\nwant\n%s\n", lc->name,
			            proto_format_name(format), k, c.out, lc->want);
		assert_string_equal(c.out, lc->want);
	}
}

static void test_lint_redaction(void **state)
{
	char swaks[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof lcases / sizeof lcases[0]; i++) {
		check_split(&lcases[i], PROTO_FORMAT_RAW, lcases[i].input);
		to_swaks(lcases[i].input, swaks, sizeof swaks);
		check_split(&lcases[i], PROTO_FORMAT_SWAKS, swaks);
	}
}

/* A raw paste without marks: inside the exchange, a line that is not a reply is the client's. */
static void test_raw_paste(void **state)
{
	static const struct lcase paste = {
	    "raw paste of AUTH LOGIN",
	    "AUTH LOGIN\n334 VXNlcm5hbWU6\nYWxpY2U=\n334 UGFzc3dvcmQ6\n1234d29uZGVybGFuZA==\n"
	    "235 2.7.0 ok\nQUIT\n",
	    "C AUTH LOGIN\nS 334 VXNlcm5hbWU6\nC <redacted 8 bytes>\nS 334 UGFzc3dvcmQ6\n"
	    "C <redacted 20 bytes>\nS 235 2.7.0 ok\nC QUIT\n",
	    false};

	(void)state;
	check_split(&paste, PROTO_FORMAT_RAW, paste.input);
}

/* The linter alone: the original bytes never reach the callback. */
static void test_lint_direct(void **state)
{
	struct collect c = {0};
	struct proto_lint *lint = proto_lint_new(&collect_ops, &c, 0);
	static const char secret[] = "d29uZGVybGFuZC00Mg==";

	(void)state;
	proto_lint_client(lint, 1, "AUTH LOGIN", 10, true);
	assert_true(proto_lint_in_auth(lint));
	proto_lint_server(lint, 2, "334 UGFzc3dvcmQ6", 16, PROTO_TERM_CRLF, true);
	proto_lint_client(lint, 3, secret, strlen(secret), true);
	proto_lint_server(lint, 4, "235 ok", 6, PROTO_TERM_CRLF, true);
	assert_false(proto_lint_in_auth(lint));
	assert_null(strstr(c.out, secret));
	assert_non_null(strstr(c.out, "C <redacted 20 bytes>\n"));
	proto_lint_set_options(lint, PROTO_LINT_SHOW_SECRETS);
	proto_lint_client(lint, 5, "AUTH PLAIN " PLAIN_IR, 11 + strlen(PLAIN_IR), true);
	assert_non_null(strstr(c.out, "C AUTH PLAIN " PLAIN_IR "\n"));
	proto_lint_free(lint);
}

/* The session engine's AUTH exchange against scripted replies. */
struct sstep {
	const char *server; /* bytes the server sends */
	const char *sent;   /* what the client sends after it (run_scase adds them up) */
};

struct scase {
	const char *name;
	struct proto_session_config config;
	bool no_hmac;
	struct sstep step[8];
	enum proto_session_state end;
	const char *error;  /* substring of the error, or NULL */
	const char *secret; /* a response that no reported line may hold */
	const char *shown;  /* a line that must be reported */
	bool unverified;    /* the certificate of TLS on connect did not verify */
};

/* The fake owner's, but for STARTTLS: none of these cases may ask for it. */
static void s_starttls(void *ctx)
{
	(void)ctx;
	fail_msg("no STARTTLS in these cases");
}

/* The owner's HMAC-MD5, known only for RFC 2195's example: anything else fails. */
static int s_hmac(void *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
                  unsigned char out[16])
{
	(void)ctx;
	if (keylen != strlen(RFC2195_KEY) || memcmp(key, RFC2195_KEY, keylen) != 0 ||
	    msglen != strlen(RFC2195_CHALLENGE) || memcmp(msg, RFC2195_CHALLENGE, msglen) != 0)
		return -1;
	memcpy(out, rfc2195_digest, sizeof rfc2195_digest);
	return 0;
}

static const struct proto_session_ops s_ops = {fake_send, s_starttls,   fake_line, fake_finding,
                                               NULL,      fake_pending, s_hmac};
static const struct proto_session_ops s_ops_nohmac = {
    fake_send, s_starttls, fake_line, fake_finding, NULL, fake_pending, NULL};

#define BANNER "220 mx.example ESMTP\r\n"
#define EHLO   "EHLO c.example\r\n"
#define OFFER  "250-mx.example\r\n250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n250 8BITMIME\r\n"
#define CFG(m, user, pass)                                                                         \
	{                                                                                          \
		.helo = "c.example", .tls_on_connect = true, .auth = (m), .auth_user = (user),     \
		.auth_secret = (pass)                                                              \
	}
#define CRAM_CH "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"
#define CRAM_R  "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
#define XO_IR   "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2stMTIzAQE="

static const struct scase scases[] = {
    {"PLAIN",
     CFG(PROTO_AUTH_PLAIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH PLAIN " PLAIN_IR "\r\n"},
      {"235 2.7.0 ok\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     NULL,
     PLAIN_IR,
     "AUTH PLAIN <redacted 28 bytes>"},
    {"LOGIN",
     CFG(PROTO_AUTH_LOGIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH LOGIN\r\n"},
      {"334 VXNlcm5hbWU6\r\n", "YWxpY2U=\r\n"},
      {"334 UGFzc3dvcmQ6\r\n", "d29uZGVybGFuZC00Mg==\r\n"},
      {"235 ok\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     NULL,
     "d29uZGVybGFuZC00Mg==",
     "<redacted 20 bytes>"},
    {"CRAM-MD5, RFC 2195's example",
     CFG(PROTO_AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH CRAM-MD5\r\n"},
      {CRAM_CH, CRAM_R "\r\n"},
      {"235 ok\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     NULL,
     CRAM_R,
     "<redacted 48 bytes>"},
    {"XOAUTH2",
     CFG(PROTO_AUTH_XOAUTH2, "alice", "tok-123"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH XOAUTH2 " XO_IR "\r\n"},
      {"235 ok\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     NULL,
     XO_IR,
     "AUTH XOAUTH2 <redacted 44 bytes>"},
    {"XOAUTH2 refused: an empty line answers the error challenge",
     CFG(PROTO_AUTH_XOAUTH2, "alice", "tok-123"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH XOAUTH2 " XO_IR "\r\n"},
      {"334 eyJzdGF0dXMiOiI0MDEifQ==\r\n", "\r\n"},
      {"535 5.7.8 no\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "rejected the credentials of AUTH XOAUTH2 (reply 535)",
     XO_IR,
     "AUTH XOAUTH2 <redacted 44 bytes>"},
    {"PLAIN, wrong password",
     CFG(PROTO_AUTH_PLAIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH PLAIN " PLAIN_IR "\r\n"},
      {"535 5.7.8 Authentication credentials invalid\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "authentication failed: the server rejected the credentials of AUTH PLAIN (reply 535)",
     PLAIN_IR,
     "AUTH PLAIN <redacted 28 bytes>"},
    {"a 334 PLAIN has no answer for is cancelled",
     CFG(PROTO_AUTH_PLAIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH PLAIN " PLAIN_IR "\r\n"},
      {"334 \r\n", "*\r\n"},
      {"501 cancelled\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "the server refused AUTH PLAIN (reply 501)",
     PLAIN_IR,
     "*"},
    {"the mechanism is not offered",
     CFG(PROTO_AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf"),
     false,
     {{BANNER, EHLO},
      {"250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "AUTH CRAM-MD5 not sent: the server's EHLO reply does not offer it",
     NULL,
     "QUIT"},
    {"legacy AUTH= offers it",
     CFG(PROTO_AUTH_LOGIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO}, {"250-mx.example\r\n250 AUTH=LOGIN\r\n", "AUTH LOGIN\r\n"}},
     PROTO_S_AUTH,
     NULL,
     NULL,
     "AUTH LOGIN"},
    {"CRAM-MD5 without HMAC-MD5",
     CFG(PROTO_AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf"),
     true,
     {{BANNER, EHLO}, {OFFER, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "HMAC-MD5 is not available",
     NULL,
     "QUIT"},
    {"no TLS: the credentials are not sent",
     {.helo = "c.example",
      .auth = PROTO_AUTH_PLAIN,
      .auth_user = "alice",
      .auth_secret = "wonderland-42"},
     false,
     {{BANNER, EHLO}, {OFFER, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "TLS is not established",
     NULL,
     "QUIT"},
    {"--no-tls: sent in clear, then the mail transaction",
     {.helo = "c.example",
      .starttls = PROTO_STARTTLS_NEVER,
      .auth = PROTO_AUTH_PLAIN,
      .auth_user = "alice",
      .auth_secret = "wonderland-42",
      .from = "a@example.com",
      .rcpt = {"b@example.org"},
      .nrcpt = 1},
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH PLAIN " PLAIN_IR "\r\n"},
      {"235 ok\r\n", "MAIL FROM:<a@example.com>\r\n"}},
     PROTO_S_MAIL,
     NULL,
     PLAIN_IR,
     "AUTH PLAIN <redacted 28 bytes>"},
    {"--quit-after auth",
     {.helo = "c.example",
      .tls_on_connect = true,
      .auth = PROTO_AUTH_PLAIN,
      .auth_user = "alice",
      .auth_secret = "wonderland-42",
      .from = "a@example.com",
      .rcpt = {"b@example.org"},
      .nrcpt = 1,
      .quit_after = PROTO_QUIT_AUTH},
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH PLAIN " PLAIN_IR "\r\n"},
      {"235 ok\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_DONE,
     NULL,
     PLAIN_IR,
     "AUTH PLAIN <redacted 28 bytes>"},
    /* Issue 10: no credential to a server whose certificate did not verify. */
    {"unverified TLS: AUTH is not sent without --auth-unverified",
     CFG(PROTO_AUTH_PLAIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO}, {OFFER, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "--auth-unverified",
     PLAIN_IR,
     "certificate was not verified",
     true},
    {"unverified TLS with --auth-unverified: AUTH is sent",
     {.helo = "c.example",
      .tls_on_connect = true,
      .auth = PROTO_AUTH_PLAIN,
      .auth_user = "alice",
      .auth_secret = "wonderland-42",
      .auth_unverified = true},
     false,
     {{BANNER, EHLO}, {OFFER, "AUTH PLAIN " PLAIN_IR "\r\n"}, {"235 ok\r\n", "QUIT\r\n"}},
     PROTO_S_QUIT,
     NULL,
     PLAIN_IR,
     "AUTH PLAIN <redacted 28 bytes>",
     true},
    {"--tls-verify wins over --auth-unverified",
     {.helo = "c.example",
      .tls_on_connect = true,
      .auth = PROTO_AUTH_PLAIN,
      .auth_user = "alice",
      .auth_secret = "wonderland-42",
      .auth_unverified = true,
      .tls_verify = true},
     false,
     {{BANNER, EHLO}, {OFFER, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "--tls-verify keeps credentials",
     PLAIN_IR,
     "certificate was not verified",
     true},
    {"--tls-verify without TLS: AUTH is not sent in clear",
     {.helo = "c.example",
      .starttls = PROTO_STARTTLS_NEVER,
      .auth = PROTO_AUTH_PLAIN,
      .auth_user = "alice",
      .auth_secret = "wonderland-42",
      .tls_verify = true},
     false,
     {{BANNER, EHLO}, {OFFER, "QUIT\r\n"}, {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "--tls-verify",
     PLAIN_IR,
     "AUTH PLAIN not sent"},
    /* Issue 10: 334 on line 1 and 235 on line 2 neither asks nor accepts. */
    {"a reply to AUTH that mixes 334 and 235 stops the exchange",
     CFG(PROTO_AUTH_LOGIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO},
      {OFFER, "AUTH LOGIN\r\n"},
      {"334-VXNlcm5hbWU6\r\n235 trick\r\n", "QUIT\r\n"},
      {"221 bye\r\n", ""}},
     PROTO_S_FAILED,
     "carries different codes on its lines (334 on the first)",
     "YWxpY2U=",
     "AUTH LOGIN"},
    {"a reply to AUTH that mixes 235 and 334 stops it too",
     CFG(PROTO_AUTH_LOGIN, "alice", "wonderland-42"),
     false,
     {{BANNER, EHLO}, {OFFER, "AUTH LOGIN\r\n"}, {"235-trick\r\n334 VXNlcm5hbWU6\r\n", "QUIT\r\n"}},
     PROTO_S_QUIT,
     NULL,
     "YWxpY2U=",
     "AUTH LOGIN"},
};

static void run_scase(const struct scase *c, bool bytewise)
{
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s =
	    proto_session_new(&c->config, c->no_hmac ? &s_ops_nohmac : &s_ops, r);
	const struct sstep *st;

	assert_non_null(s);
	if (c->config.tls_on_connect)
		proto_session_tls_on_connect(s, !c->unverified);
	proto_session_start(s);
	for (st = c->step; st->sent != NULL; st++) {
		fake_feed(s, st->server, bytewise);
		fake_sent_next(r, st->sent, c->name);
	}
	assert_string_equal(proto_session_state_name(proto_session_state(s)),
	                    proto_session_state_name(c->end));
	if (c->error != NULL && strstr(proto_session_error(s), c->error) == NULL)
		fail_msg("case %s: error '%s'", c->name, proto_session_error(s));
	if (c->secret != NULL)
		assert_null(strstr(r->text, c->secret));
	assert_non_null(strstr(r->text, c->shown));
	assert_null(strstr(r->text, c->config.auth_secret));
	proto_session_free(s);
	free(r);
}

static void test_session_auth(void **state)
{
	size_t i;

	(void)state;
	assert_string_equal(proto_session_state_name(PROTO_S_AUTH), "auth");
	for (i = 0; i < sizeof scases / sizeof scases[0]; i++) {
		run_scase(&scases[i], false);
		run_scase(&scases[i], true);
	}
}

/*
 * A step-mode session of config (TLS on connect, verified or not) kept in r,
 * cleared first: greeted, the EHLO sent by the user, the EHLO reply with the
 * offer of AUTH read. Nothing asked for a confirmation before the offer.
 */
static struct proto_session *offered(const struct proto_session_config *config,
                                     struct fake_owner *r, bool verified)
{
	struct proto_session *s;

	memset(r, 0, sizeof *r);
	s = proto_session_new(config, &s_ops, r);
	assert_non_null(s);
	proto_session_tls_on_connect(s, verified);
	proto_session_start(s);
	proto_session_feed(s, BANNER, strlen(BANNER));
	assert_null(proto_session_confirm_needed(s));
	assert_int_equal(proto_session_send_pending(s, NULL), 0);
	proto_session_feed(s, OFFER, strlen(OFFER));
	return s;
}

/* Step mode: the pending AUTH is shown redacted; sent back as shown, it is sent for real. */
static void test_step_pending(void **state)
{
	struct proto_session_config config = CFG(PROTO_AUTH_PLAIN, "alice", "wonderland-42");
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s;
	int show;

	(void)state;
	config.step = true;
	for (show = 0; show < 2; show++) {
		config.show_secrets = show;
		s = offered(&config, r, true);
		assert_string_equal(r->pending, show ? "AUTH PLAIN " PLAIN_IR
		                                     : "AUTH PLAIN <redacted 28 bytes>");
		assert_string_equal(proto_session_pending(s), r->pending);
		assert_int_equal(proto_session_send_pending(s, r->pending), 0);
		assert_string_equal(r->sent, EHLO "AUTH PLAIN " PLAIN_IR "\r\n");
		assert_int_equal(proto_session_state(s), PROTO_S_AUTH);
		assert_true(show || strstr(r->text, PLAIN_IR) == NULL);
		proto_session_free(s);
	}
	free(r);
}

/* Step mode over unverified TLS: AUTH waits for the user's word. */
static void test_step_unverified(void **state)
{
	struct proto_session_config config = CFG(PROTO_AUTH_PLAIN, "alice", "wonderland-42");
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s;
	int run;

	(void)state;
	config.step = true;
	for (run = 0; run < 2; run++) {
		s = offered(&config, r, false);
		assert_non_null(proto_session_confirm_needed(s));
		assert_int_equal(proto_session_send_pending(s, NULL), -1);
		assert_int_equal(proto_session_send_pending(s, "AUTH PLAIN eA=="), -1);
		assert_string_equal(r->sent, EHLO);
		if (run == 0) {
			/* The user says yes. */
			proto_session_confirm(s);
			assert_null(proto_session_confirm_needed(s));
			assert_int_equal(proto_session_send_pending(s, NULL), 0);
			assert_string_equal(r->sent, EHLO "AUTH PLAIN " PLAIN_IR "\r\n");
		} else {
			/* Run to the end: nobody to ask, so nothing is sent. */
			proto_session_run(s);
			assert_string_equal(r->sent, EHLO "QUIT\r\n");
		}
		proto_session_free(s);
	}
	free(r);
}

/*
 * A typed AUTH and what is typed after its 334 are secrets too: under
 * --tls-verify they never go to a server whose certificate failed, and
 * the conversation says why. Without --tls-verify the user's typing is sent.
 */
static void test_typed_auth_verify(void **state)
{
	struct proto_session_config config = {.helo = "c.example", .tls_on_connect = true};
	struct fake_owner *r = calloc(1, sizeof *r);
	struct proto_session *s;
	int verify;

	(void)state;
	config.step = true;
	for (verify = 0; verify < 2; verify++) {
		config.tls_verify = verify;
		s = offered(&config, r, false);
		if (verify) {
			assert_int_equal(proto_session_command(s, "AUTH PLAIN " PLAIN_IR), -2);
			assert_int_equal(proto_session_command(s, "auth login"), -2);
			/* A paste goes on with the answers: no verb, so secrets too. */
			assert_int_equal(proto_session_command(s, "YWxpY2U="), -2);
			assert_int_equal(proto_session_command(s, " d29uZGVybGFuZA=="), -2);
			assert_string_equal(r->sent, EHLO);
			assert_non_null(strstr(r->text, "--tls-verify keeps credentials"));
			assert_null(strstr(r->text, "YWxpY2U="));
			assert_int_equal(proto_session_command(s, "NOOP"), 0);
			assert_string_equal(r->sent, EHLO "NOOP\r\n");
		} else {
			assert_int_equal(proto_session_command(s, "AUTH LOGIN"), 0);
			proto_session_feed(s, "334 VXNlcm5hbWU6\r\n", 18);
			assert_int_equal(proto_session_command(s, "YWxpY2U="), 0);
			assert_string_equal(r->sent, EHLO "AUTH LOGIN\r\nYWxpY2U=\r\n");
		}
		proto_session_free(s);
	}
	free(r);
}

static void test_quit_after_auth(void **state)
{
	enum proto_quit_after q;

	(void)state;
	assert_int_equal(proto_quit_after_parse("auth", &q), 0);
	assert_int_equal(q, PROTO_QUIT_AUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_vectors),    cmocka_unit_test(test_base64_round_trip),
	    cmocka_unit_test(test_base64_invalid),    cmocka_unit_test(test_sasl_encodings),
	    cmocka_unit_test(test_mechanisms),        cmocka_unit_test(test_lint_redaction),
	    cmocka_unit_test(test_raw_paste),         cmocka_unit_test(test_lint_direct),
	    cmocka_unit_test(test_session_auth),      cmocka_unit_test(test_step_pending),
	    cmocka_unit_test(test_quit_after_auth),   cmocka_unit_test(test_step_unverified),
	    cmocka_unit_test(test_typed_auth_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
