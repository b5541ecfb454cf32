/*
 * fuzz_session.c: a libFuzzer target for the session engine, which reads
 * the bytes of a live server.
 *
 * The first byte of the input is the configuration: bits 0-1 the STARTTLS
 * policy, bit 2 TLS on connect, bits 3-5 where to quit early, bit 6 a mail
 * transaction with DATA, bit 7 a failed TLS handshake. The second byte gives
 * the size of the chunks the rest is fed in, as the server's bytes. The
 * third gives the number of recipients (bits 0-1), whether the TLS peer is
 * verified (bit 2), step mode (bit 3), what the owner does with each pending
 * command in step mode (bits 4-5: send it, skip it, run to the end, or send
 * NOOP in its place), whether it types a free RSET when idle (bit 6) and
 * whether it logs in with AUTH (bit 7: the mechanism from bits 0-1 of the
 * second byte, bit 2 of which shows the secrets, bit 3 gives
 * --auth-unverified and bit 4 --tls-verify; in step mode the owner says yes
 * when asked to send AUTH over unverified TLS).
 * Whenever the engine asks for TLS the target answers at once. Every command
 * the engine sends must be one line ended by CR LF, the callbacks check each
 * line and finding against proto.h, a session that is not stepped always has
 * a command awaiting its reply, and the session must be over after the end
 * of input, with an error exactly when it failed. Unless the secrets are
 * shown, no client line reported may hold the base64 of a credential; with
 * --tls-verify none may be sent over TLS that did not verify, nor without
 * --auth-unverified outside step mode. No turn of server lines reports more
 * than PROTO_LINT_TURN_LINES of them, plus the last and the summary.
 *
 * Time: the engine's clock advances by (the chunk's first byte % 16) * 100
 * ms before each chunk, and every reply may take 1 s. While a reply is
 * awaited, nothing the server sends may move its deadline (only a command
 * sent or TLS asked for does), and once proto_session_expire has run no
 * wait is left past its deadline.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "proto/auth.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/session.h"

/* Every byte handed back is read into this, so ASan sees each read. */
static volatile unsigned sink;

struct seen {
	struct proto_session *session;
	bool asked_tls;    /* ops.starttls was called and not yet answered */
	bool redact;       /* AUTH without --show-secrets: no credential may show */
	bool keep_secrets; /* no credential may be sent at all (unverified TLS, policy) */
	unsigned turn;     /* server lines reported since the last client line */
	long long now;     /* the engine's clock, in ms */
	bool acted;        /* a command was sent or TLS asked for since the last look */
};

/*
 * The starts of the base64 forms of the credentials below, as each
 * mechanism sends them: PLAIN's "\0alice\0", LOGIN's user and password,
 * XOAUTH2's "user=alice", CRAM-MD5's "alice ".
 */
static const char *const credential_b64[] = {
    "AGFsaWNlAHdvbmRlcmxhbmQt", "YWxpY2U=", "d29uZGVybGFuZC00Mg==", "dXNlcj1hbGljZQ", "YWxpY2Ug"};

static bool holds(const char *text, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(text + i, needle, n) == 0)
			return true;
	return false;
}

static void on_send(void *ctx, const char *buf, size_t len)
{
	struct seen *seen = ctx;
	size_t i;

	seen->acted = true;
	if (seen->keep_secrets)
		for (i = 0; i < sizeof credential_b64 / sizeof credential_b64[0]; i++)
			CHECK(!holds(buf, len, credential_b64[i]));
	CHECK(len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n');
	for (i = 0; i + 2 < len; i++)
		CHECK(buf[i] != '\r' && buf[i] != '\n');
}

static void on_starttls(void *ctx)
{
	struct seen *seen = ctx;

	CHECK(!seen->asked_tls);
	seen->asked_tls = true;
	seen->acted = true;
}

static long long on_now(void *ctx)
{
	return ((const struct seen *)ctx)->now;
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct seen *seen = ctx;
	size_t i;

	seen->turn =
	    line->dir == PROTO_DIR_CLIENT ? 0 : seen->turn + (line->dir == PROTO_DIR_SERVER);
	CHECK(seen->turn <= PROTO_LINT_TURN_LINES + 1);
	if (seen->redact && line->dir == PROTO_DIR_CLIENT)
		for (i = 0; i < sizeof credential_b64 / sizeof credential_b64[0]; i++)
			CHECK(!holds(line->text, line->len, credential_b64[i]));
	fuzz_check_line(line, &sink);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	(void)ctx;
	(void)n;
	CHECK((unsigned)id < PROTO_F_COUNT);
}

static void on_state(void *ctx, enum proto_session_state from, enum proto_session_state to)
{
	(void)ctx;
	CHECK((unsigned)from < PROTO_S_COUNT && (unsigned)to < PROTO_S_COUNT);
	CHECK(from != PROTO_S_DONE && from != PROTO_S_FAILED);
}

static void on_pending(void *ctx, const char *command)
{
	(void)ctx;
	CHECK(command != NULL && strchr(command, '\n') == NULL);
}

/* A stand-in for HMAC-MD5: src/proto alone has no crypto; any 16 bytes will do here. */
static int on_hmac_md5(void *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
                       unsigned char out[16])
{
	size_t i;

	(void)ctx;
	memset(out, 0, 16);
	for (i = 0; i < keylen; i++)
		out[i % 16] ^= ((const unsigned char *)key)[i];
	for (i = 0; i < msglen; i++)
		out[i % 16] += ((const unsigned char *)msg)[i];
	return 0;
}

static const struct proto_session_ops ops = {on_send,  on_starttls, on_line,     on_finding,
                                             on_state, on_pending,  on_hmac_md5, on_now};

/* What the owner does between chunks: answers TLS, handles step mode. */
static void owner(struct proto_session *s, struct seen *seen, const uint8_t *data)
{
	unsigned round;
	int rc;

	/* Without step mode or typed commands, the plan always has a command out. */
	if (!(data[2] & 0x48))
		CHECK(proto_session_busy(s) || proto_session_over(s) ||
		      proto_session_handshaking(s));
	for (round = 0; round < 8 && !proto_session_over(s); round++) {
		if (proto_session_handshaking(s)) {
			CHECK(seen->asked_tls);
			seen->asked_tls = false;
			proto_session_tls_done(s, !(data[0] & 0x80), data[2] & 4,
			                       data[0] & 0x80 ? "fuzzed failure" : NULL);
			/* Once answered, bytes may be fed again. */
			CHECK(!proto_session_handshaking(s));
			continue;
		}
		if (proto_session_busy(s))
			return;
		if (proto_session_pending(s) == NULL) {
			if (data[2] & 0x40)
				CHECK(proto_session_command(s, "RSET") == 0);
			return;
		}
		if (proto_session_confirm_needed(s) != NULL && (data[2] >> 4 & 3) != 2)
			proto_session_confirm(s);
		switch (data[2] >> 4 & 3) {
		case 0:
			rc = proto_session_send_pending(s, NULL);
			break;
		case 1:
			rc = proto_session_skip(s);
			if (rc != 0)
				rc = proto_session_send_pending(s, NULL);
			break;
		case 2:
			proto_session_run(s);
			rc = 0;
			break;
		default:
			rc = proto_session_send_pending(s, "NOOP");
			break;
		}
		CHECK(rc == 0);
	}
}

/* Feeds a chunk: while a reply is awaited, the server's bytes cannot move its deadline. */
static void feed_timed(struct proto_session *s, struct seen *seen, const uint8_t *buf, size_t n)
{
	bool waiting = proto_session_busy(s) && !proto_session_handshaking(s);
	long long before = proto_session_deadline(s);

	seen->acted = false;
	proto_session_feed(s, buf, n);
	if (waiting && proto_session_busy(s) && !seen->acted && !proto_session_over(s))
		CHECK(proto_session_deadline(s) == before);
}

/* After proto_session_expire, no wait is left past its deadline. */
static void expire_checked(struct proto_session *s, struct seen *seen)
{
	long long due;

	proto_session_expire(s);
	due = proto_session_deadline(s);
	if (!proto_session_over(s) && proto_session_busy(s) && !proto_session_handshaking(s))
		CHECK(due >= 0 && seen->now < due);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char body[] = "Subject: x\r\n\r\n.leading dot\r\nline\n\r\n.\r\nlast";
	struct proto_session_config config = {0};
	struct seen seen = {NULL, false, false, false, 0, 0, false};
	struct proto_session *s;
	size_t pos = 3, n;
	unsigned i;

	if (size < 3)
		return 0;
	config.helo = "client.example";
	config.starttls = (enum proto_starttls_policy)(data[0] & 3);
	config.tls_on_connect = data[0] & 4;
	config.quit_after = (enum proto_quit_after)(data[0] >> 3 & 7);
	if (data[2] & 0x80) {
		config.auth = (enum proto_auth_mech)((data[1] & 3) + 1);
		config.auth_user = "alice";
		config.auth_secret = "wonderland-42";
		config.show_secrets = data[1] & 4;
		config.auth_unverified = data[1] & 8;
		config.tls_verify = data[1] & 16;
		seen.redact = !config.show_secrets;
	}
	config.step = data[2] & 8;
	config.timeout_ms = 1000;
	if (data[0] & 0x40) {
		config.from = "a@client.example";
		config.nrcpt = data[2] & 3;
		for (i = 0; i < config.nrcpt; i++)
			config.rcpt[i] = "b@server.example";
		config.data = body;
		config.data_len = sizeof body - 1;
	}
	/* Nothing verifies here unless the TLS peer does (bit 2 of the third byte). */
	seen.keep_secrets = config.auth != PROTO_AUTH_NONE && !(data[2] & 4) &&
	                    (config.tls_verify || (!config.auth_unverified && !config.step)) &&
	                    config.starttls != PROTO_STARTTLS_NEVER;
	s = proto_session_new(&config, &ops, &seen);
	if (s == NULL)
		return 0;
	if (config.tls_on_connect)
		proto_session_tls_on_connect(s, data[2] & 4);
	seen.session = s;
	proto_session_info(s, "connected");
	proto_session_start(s);
	owner(s, &seen, data);
	while (pos < size && !proto_session_over(s)) {
		n = (size_t)data[1] + 1;
		n = n < size - pos ? n : size - pos;
		seen.now += data[pos] % 16 * 100;
		feed_timed(s, &seen, data + pos, n);
		pos += n;
		owner(s, &seen, data);
		expire_checked(s, &seen);
	}
	proto_session_eof(s);
	CHECK(proto_session_over(s));
	CHECK((proto_session_state(s) == PROTO_S_FAILED) == (proto_session_error(s)[0] != '\0'));
	proto_session_free(s);
	return 0;
}
