/*
 * live.c: one live session on the network, for "check" and the inspector.
 * It connects (MX hosts in preference order, every address in turn), moves
 * bytes between the socket (or TLS) and the session engine, runs the
 * handshake when the engine asks for it, and keeps every wait within
 * --timeout. "check" lets it run to the end; the inspector services it
 * from its own event loop, between keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/session.h"
#include "live.h"

#define LIVE_READ 16384 /* bytes read at a time */

static void on_send(void *ctx, const char *buf, size_t len)
{
	struct live *live = ctx;
	char *grown;

	if (len > live->outcap - live->outlen) {
		grown = realloc(live->out, live->outlen + len + 4096);
		if (grown == NULL) {
			proto_session_abort(live->session, "out of memory");
			return;
		}
		live->out = grown;
		live->outcap = live->outlen + len + 4096;
	}
	memcpy(live->out + live->outlen, buf, len);
	live->outlen += len;
}

static void on_starttls(void *ctx)
{
	struct live *live = ctx;

	live->want_tls = true;
}

/* The engine's clock: it starts each reply's deadline when it sends the command. */
static long long on_now(void *ctx)
{
	(void)ctx;
	return net_now_ms();
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct live *live = ctx;

	live->last_n = line->n;
	live->sink->line(live->ctx, line);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct live *live = ctx;

	live->sink->finding(live->ctx, id, n);
}

static void on_pending(void *ctx, const char *command)
{
	struct live *live = ctx;

	if (live->sink->pending != NULL)
		live->sink->pending(live->ctx, command);
}

/* CRAM-MD5's digest, from OpenSSL through the TLS layer. */
static int on_hmac_md5(void *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
                       unsigned char out[16])
{
	(void)ctx;
	return tls_hmac_md5(key, keylen, msg, msglen, out);
}

static const struct proto_session_ops live_ops = {
    .send = on_send,
    .starttls = on_starttls,
    .line = on_line,
    .finding = on_finding,
    .pending = on_pending,
    .hmac_md5 = on_hmac_md5,
    .now = on_now,
};

/* A note in the transcript, formatted. */
static void note(struct live *live, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct live *live, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	proto_session_info(live->session, text);
}

/* A failure to reach the server: noted, and kept as the reason to give if all fail. */
static void connect_failed(struct live *live, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void connect_failed(struct live *live, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(live->connect_err, sizeof live->connect_err, fmt, ap);
	va_end(ap);
	live->connect_fails++;
	proto_session_info(live->session, live->connect_err);
}

/*
 * When the current wait ends: the engine's deadline once the session has
 * started (each reply from its command), before that the connection's own.
 */
static long long due(const struct live *live)
{
	long long engine = proto_session_deadline(live->session);

	return engine >= 0 ? engine : live->deadline;
}

/* Milliseconds left before the deadline, at least 0. */
static int remaining(const struct live *live)
{
	long long left = due(live) - net_now_ms();

	return left > 0 ? (int)(left < 2147483647 ? left : 2147483647) : 0;
}

/* Waits on the socket; a signal of interrupt.c ends the wait (-1, EINTR). */
static int wait_fd(struct live *live, bool for_write)
{
	return net_wait_stop(live->fd, for_write, remaining(live), cli_interrupt_flag());
}

/*
 * Ends the session for reason: the engine keeps the line the server was in
 * the middle of, then notes the reason after it.
 */
static void end_noted(struct live *live, const char *reason)
{
	if (proto_session_over(live->session))
		return;
	proto_session_abort(live->session, reason);
}

bool live_interrupted(struct live *live)
{
	char reason[64];
	int sig = cli_interrupted();

	if (sig == 0)
		return false;
	if (live->signal == 0) {
		live->signal = sig;
		snprintf(reason, sizeof reason, "interrupted by %s", cli_signal_name(sig));
		end_noted(live, reason);
	}
	return true;
}

/* A wait ran out: the engine ends the session on its deadline, or this says why. */
static void timed_out(struct live *live)
{
	char reason[256];

	if (proto_session_expire(live->session) || proto_session_over(live->session))
		return;
	snprintf(reason, sizeof reason, "timed out after %g s waiting for %s",
	         live->args->timeout_ms / 1000.0, proto_session_waiting_for(live->session));
	end_noted(live, reason);
}

/* Tries each address of host in turn; 0 with c->fd connected, or -1. */
static int connect_host(struct live *live, const char *host, const char *port)
{
	struct net_resolve_opts opts = {live->args->family, live->args->resolver,
	                                live->args->timeout_ms};
	struct net_addr addr[NET_ADDRS_MAX];
	char err[320];
	size_t n, i;

	if (net_resolve(host, port, &opts, addr, NET_ADDRS_MAX, &n, err, sizeof err) != 0) {
		connect_failed(live, "cannot resolve %s: %s", host, err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (live_interrupted(live))
			return -1;
		note(live, "connecting to %s [%s]", host, addr[i].text);
		live->fd = net_connect_stop(&addr[i], live->args->timeout_ms, cli_interrupt_flag(),
		                            err, sizeof err);
		if (live->fd >= 0) {
			snprintf(live->host, sizeof live->host, "%s", host);
			snprintf(live->address, sizeof live->address, "%s", addr[i].text);
			note(live, "connected to %s [%s]", host, addr[i].text);
			return 0;
		}
		if (live_interrupted(live))
			return -1;
		connect_failed(live, "%s", err);
	}
	return -1;
}

/* Notes how the MX answer came, when that is worth saying. */
static void note_mx_answer(struct live *live, const struct net_mx_info *info, size_t kept)
{
	if (info->over_tcp)
		note(
		    live,
		    "the UDP answer was truncated: asked again over TCP, which gave %zu MX records",
		    info->records);
	if (info->records > kept)
		note(live, "%zu MX records: only the best %zu are tried", info->records, kept);
}

/* The MX hosts of the domain in preference order, or the domain itself. */
static int connect_mx(struct live *live, const char *port)
{
	struct net_resolve_opts opts = {live->args->family, live->args->resolver,
	                                live->args->timeout_ms};
	struct net_mx mx[NET_MX_MAX];
	struct net_mx_info info;
	char err[320];
	size_t n, i;

	if (net_mx_read(live->args->mx, &opts, mx, NET_MX_MAX, &n, &info, err, sizeof err) != 0) {
		connect_failed(live, "MX look-up for %s failed: %s", live->args->mx, err);
		return -1;
	}
	if (n == 0) {
		note(live, "%s has no MX record: trying the domain itself (RFC 5321 section 5.1)",
		     live->args->mx);
		return connect_host(live, live->args->mx, port);
	}
	note_mx_answer(live, &info, n);
	for (i = 0; i < n; i++) {
		note(live, "MX %u %s", mx[i].preference, mx[i].host);
		if (connect_host(live, mx[i].host, port) == 0)
			return 0;
	}
	return -1;
}

static int connect_target(struct live *live)
{
	const char *port = live->args->session.tls_on_connect ? "465" : "25";
	struct net_target target;
	char err[320];

	if (live->args->port != NULL)
		port = live->args->port;
	if (live->args->mx != NULL)
		return connect_mx(live, port);
	if (net_parse_target(live->args->target, port, &target, err, sizeof err) != 0) {
		connect_failed(live, "%s", err);
		return -1;
	}
	return connect_host(live, target.host, target.port);
}

/* True when name is an IP literal, which carries no name to send or check. */
static bool is_ip_literal(const char *name)
{
	return strchr(name, ':') != NULL || strspn(name, "0123456789.") == strlen(name);
}

/* The TLS layer's words without the "handshake failed: " said around them here. */
static const char *without_prefix(const char *error)
{
	static const char prefix[] = "handshake failed: ";

	return strncmp(error, prefix, sizeof prefix - 1) == 0 ? error + sizeof prefix - 1 : error;
}

/* Runs the handshake within the deadline; NULL when TLS is up, else why not. */
static const char *handshake(struct live *live)
{
	const char *name = is_ip_literal(live->host) ? NULL : live->host;
	struct tls_client_config cfg = {live->args->sni ? live->args->sni : name, name,
	                                live->args->ca_file, live->args->tls_legacy};
	enum tls_io io;
	int ready = 1;
	long long began = net_now_ms();

	live->tls_tried = true;
	live->deadline = began + live->args->timeout_ms;
	live->tls = tls_client_new(&cfg, live->fd, live->why, sizeof live->why);
	if (live->tls == NULL)
		return live->why;
	while ((io = tls_handshake(live->tls)) == TLS_IO_WANT_READ || io == TLS_IO_WANT_WRITE) {
		ready = wait_fd(live, io == TLS_IO_WANT_WRITE);
		if (ready <= 0)
			break;
	}
	tls_get_facts(live->tls, &live->facts);
	if (io == TLS_IO_DONE && live->facts.established) {
		live->tls_ms = net_now_ms() - began;
		return NULL;
	}
	if (live_interrupted(live)) {
		/* Noted already: the interruption stays the last line. */
		snprintf(live->why, sizeof live->why, "interrupted by %s",
		         cli_signal_name(live->signal));
		return live->why;
	}
	if (ready == 0)
		snprintf(live->why, sizeof live->why, "timed out after %g s",
		         live->args->timeout_ms / 1000.0);
	else if (io == TLS_IO_CLOSED)
		snprintf(live->why, sizeof live->why, "the server closed the connection");
	else
		snprintf(live->why, sizeof live->why, "%s", without_prefix(tls_error(live->tls)));
	note(live, "TLS handshake failed: %s", live->why);
	return live->why;
}

/* Notes what TLS established and whether the certificate was verified. */
static void note_tls(struct live *live)
{
	const struct tls_facts *f = &live->facts;

	note(live, "TLS started: %s %s%s%s", f->version, f->cipher, f->group[0] ? " " : "",
	     f->group);
	if (f->verified)
		note(live, "certificate verified for %s", live->host);
	else
		note(live, "certificate not verified: %s", f->verify_error);
}

/* Hands the session over to TLS, as it asked. */
static void start_tls(struct live *live)
{
	const char *why;

	live->want_tls = false;
	why = handshake(live);
	if (why == NULL)
		note_tls(live);
	proto_session_tls_done(live->session, why == NULL, why == NULL && live->facts.verified,
	                       why);
}

/* Writes what is queued; false when the session ended on the way. */
/* Ends the session on a failed write, in words. */
static void broke_sending(struct live *live, int err)
{
	char why[160];

	if (live->tls != NULL)
		snprintf(why, sizeof why, "the connection broke while sending inside TLS");
	else if (err == ECONNRESET || err == EPIPE)
		snprintf(why, sizeof why,
		         "the server reset or closed the connection while smtpscope "
		         "was sending");
	else
		snprintf(why, sizeof why, "the connection broke while sending: %s", strerror(err));
	end_noted(live, why);
}

/*
 * Writes what is queued. A plain socket is written with MSG_NOSIGNAL: a
 * server that resets the connection must not kill smtpscope with SIGPIPE.
 */
static bool flush_out(struct live *live)
{
	size_t done = 0;
	ssize_t n;
	enum tls_io io;

	while (live->outlen > 0) {
		if (live->tls != NULL) {
			io = tls_write(live->tls, live->out, live->outlen, &done);
			n = io == TLS_IO_DONE ? (ssize_t)done : -1;
			errno = io == TLS_IO_WANT_READ || io == TLS_IO_WANT_WRITE ? EAGAIN : EPIPE;
		} else {
			n = send(live->fd, live->out, live->outlen, MSG_NOSIGNAL);
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(live, true) <= 0) {
				if (!live_interrupted(live))
					timed_out(live);
				return false;
			}
			continue;
		}
		if (n < 0) {
			broke_sending(live, errno);
			return false;
		}
		memmove(live->out, live->out + n, live->outlen - (size_t)n);
		live->outlen -= (size_t)n;
	}
	return true;
}

/* The connection broke while reading: errno err, or the TLS layer's words. */
static void broke(struct live *live, int err, const char *tls_why)
{
	static const char prefix[] = "read failed: ";
	char how[320];

	if (tls_why != NULL && strncmp(tls_why, prefix, sizeof prefix - 1) == 0)
		tls_why += sizeof prefix - 1;
	if (tls_why != NULL && strncmp(tls_why, "the server ", 11) == 0)
		snprintf(how, sizeof how, "%s", tls_why);
	else if (tls_why != NULL)
		snprintf(how, sizeof how, "the TLS connection failed (%s)", tls_why);
	else if (err == ECONNRESET)
		snprintf(how, sizeof how, "the server reset the connection (TCP RST)");
	else
		snprintf(how, sizeof how, "the connection broke (%s)", strerror(err));
	proto_session_broken(live->session, how);
}

/* Reads once what is there, without waiting; TLS may hold more than the socket shows. */
static void read_ready(struct live *live)
{
	char buf[LIVE_READ];
	size_t got = 0;
	ssize_t n;
	enum tls_io io;

	if (live->tls == NULL) {
		n = read(live->fd, buf, sizeof buf);
		if (n > 0)
			proto_session_feed(live->session, buf, (size_t)n);
		else if (n == 0)
			proto_session_eof(live->session);
		else if (errno != EAGAIN && errno != EINTR)
			broke(live, errno, NULL);
		return;
	}
	/* The deadline holds whatever the server sends: one that keeps sending is cut too. */
	while (!proto_session_over(live->session) && !live->want_tls &&
	       !proto_session_expire(live->session) &&
	       (io = tls_read(live->tls, buf, sizeof buf, &got)) == TLS_IO_DONE)
		proto_session_feed(live->session, buf, got);
	if (proto_session_over(live->session) || live->want_tls)
		return;
	if (io == TLS_IO_CLOSED)
		proto_session_eof(live->session);
	else if (io == TLS_IO_ERROR)
		broke(live, 0, tls_error(live->tls));
}

/* Waits for the server, up to the deadline, then reads what it sent. */
static void read_in(struct live *live)
{
	int ready = wait_fd(live, false);

	if (live_interrupted(live))
		return;
	if (ready == 0)
		timed_out(live);
	else if (ready > 0)
		read_ready(live);
	else
		proto_session_abort(live->session, "the connection broke while waiting");
	proto_session_expire(live->session);
}

void live_run(struct live *live)
{
	while (!proto_session_over(live->session) && !live_interrupted(live)) {
		if (live->want_tls) {
			start_tls(live);
			continue;
		}
		if (!flush_out(live) || proto_session_over(live->session))
			break;
		read_in(live);
	}
	flush_out(live);
}

void live_service(struct live *live, bool readable)
{
	if (live_interrupted(live) || proto_session_over(live->session))
		return;
	if (live->want_tls) {
		start_tls(live);
		return;
	}
	if (!flush_out(live))
		return;
	if (readable)
		read_ready(live);
	proto_session_expire(live->session);
	flush_out(live);
}

int live_wait_ms(const struct live *live)
{
	if (proto_session_over(live->session))
		return -1;
	if (live->want_tls || live->outlen > 0)
		return 0;
	return proto_session_busy(live->session) ? remaining(live) : -1;
}

int live_fd(const struct live *live)
{
	return live->fd;
}

/* Connects (and for implicit TLS, shakes hands), then waits for the greeting. */
bool live_open(struct live *live)
{
	live->deadline = net_now_ms() + live->args->timeout_ms;
	if (connect_target(live) != 0 || live_interrupted(live)) {
		char reason[600];

		if (live->connect_fails > 1)
			snprintf(reason, sizeof reason,
			         "could not connect: %u tries failed, the last: %s",
			         live->connect_fails, live->connect_err);
		else
			snprintf(reason, sizeof reason, "could not connect: %s",
			         live->connect_fails == 1 ? live->connect_err
			                                  : "no address to try");
		proto_session_abort(live->session, reason);
		return false;
	}
	if (live->args->session.tls_on_connect) {
		if (handshake(live) != NULL) {
			char reason[300];

			snprintf(reason, sizeof reason, "the TLS handshake failed: %s", live->why);
			proto_session_abort(live->session, reason);
			return false;
		}
		note_tls(live);
		if (!live->facts.verified)
			live->sink->finding(live->ctx, PROTO_F_TLS_UNVERIFIED, live->last_n);
		proto_session_tls_on_connect(live->session, live->facts.verified);
	}
	live->opened_ms = net_now_ms();
	live->deadline = live->opened_ms + live->args->timeout_ms;
	proto_session_start(live->session);
	return true;
}

int live_init(struct live *live, struct check_args *args, const struct live_sink *sink, void *ctx)
{
	memset(live, 0, sizeof *live);
	live->args = args;
	live->sink = sink;
	live->ctx = ctx;
	live->fd = -1;
	live->tls_ms = -1;
	/* Each reply's deadline is the engine's, counted from its command. */
	args->session.timeout_ms = args->timeout_ms;
	live->session = proto_session_new(&args->session, &live_ops, live);
	return live->session != NULL ? 0 : -1;
}

void live_free(struct live *live)
{
	if (live->tls != NULL) {
		tls_shutdown(live->tls);
		tls_free(live->tls);
	}
	if (live->fd >= 0)
		close(live->fd);
	proto_session_free(live->session);
	free(live->out);
	live->tls = NULL;
	live->fd = -1;
	live->session = NULL;
	live->out = NULL;
}
