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

#define CHECK_READ 16384 /* bytes read at a time */

static void on_send(void *ctx, const char *buf, size_t len)
{
	struct live *c = ctx;
	char *grown;

	if (len > c->outcap - c->outlen) {
		grown = realloc(c->out, c->outlen + len + 4096);
		if (grown == NULL) {
			proto_session_abort(c->session, "out of memory");
			return;
		}
		c->out = grown;
		c->outcap = c->outlen + len + 4096;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
}

static void on_starttls(void *ctx)
{
	struct live *c = ctx;

	c->want_tls = true;
}

/* The engine's clock: it starts each reply's deadline when it sends the command. */
static long long on_now(void *ctx)
{
	(void)ctx;
	return net_now_ms();
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct live *c = ctx;

	c->last_n = line->n;
	c->sink->line(c->ctx, line);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct live *c = ctx;

	c->sink->finding(c->ctx, id, n);
}

static void on_pending(void *ctx, const char *command)
{
	struct live *c = ctx;

	if (c->sink->pending != NULL)
		c->sink->pending(c->ctx, command);
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
static void note(struct live *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct live *c, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	proto_session_info(c->session, text);
}

/* A failure to reach the server: noted, and kept as the reason to give if all fail. */
static void connect_failed(struct live *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void connect_failed(struct live *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->connect_err, sizeof c->connect_err, fmt, ap);
	va_end(ap);
	c->connect_fails++;
	proto_session_info(c->session, c->connect_err);
}

/*
 * When the current wait ends: the engine's deadline once the session has
 * started (each reply from its command), before that the connection's own.
 */
static long long due(const struct live *c)
{
	long long engine = proto_session_deadline(c->session);

	return engine >= 0 ? engine : c->deadline;
}

/* Milliseconds left before the deadline, at least 0. */
static int remaining(const struct live *c)
{
	long long left = due(c) - net_now_ms();

	return left > 0 ? (int)(left < 2147483647 ? left : 2147483647) : 0;
}

/* Waits on the socket; a signal of interrupt.c ends the wait (-1, EINTR). */
static int wait_fd(struct live *c, bool for_write)
{
	return net_wait_stop(c->fd, for_write, remaining(c), cli_interrupt_flag());
}

/*
 * Ends the session for reason: the engine keeps the line the server was in
 * the middle of, then notes the reason after it.
 */
static void end_noted(struct live *c, const char *reason)
{
	if (proto_session_over(c->session))
		return;
	proto_session_abort(c->session, reason);
}

bool live_interrupted(struct live *c)
{
	char reason[64];
	int sig = cli_interrupted();

	if (sig == 0)
		return false;
	if (c->signal == 0) {
		c->signal = sig;
		snprintf(reason, sizeof reason, "interrupted by %s", cli_signal_name(sig));
		end_noted(c, reason);
	}
	return true;
}

/* A wait ran out: the engine ends the session on its deadline, or this says why. */
static void timed_out(struct live *c)
{
	char reason[256];

	if (proto_session_expire(c->session) || proto_session_over(c->session))
		return;
	snprintf(reason, sizeof reason, "timed out after %g s waiting for %s",
	         c->args->timeout_ms / 1000.0, proto_session_waiting_for(c->session));
	end_noted(c, reason);
}

/* Tries each address of host in turn; 0 with c->fd connected, or -1. */
static int connect_host(struct live *c, const char *host, const char *port)
{
	struct net_resolve_opts opts = {c->args->family, c->args->resolver, c->args->timeout_ms};
	struct net_addr addr[NET_ADDRS_MAX];
	char err[320];
	size_t n, i;

	if (net_resolve(host, port, &opts, addr, NET_ADDRS_MAX, &n, err, sizeof err) != 0) {
		connect_failed(c, "cannot resolve %s: %s", host, err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (live_interrupted(c))
			return -1;
		note(c, "connecting to %s [%s]", host, addr[i].text);
		c->fd = net_connect_stop(&addr[i], c->args->timeout_ms, cli_interrupt_flag(), err,
		                         sizeof err);
		if (c->fd >= 0) {
			snprintf(c->host, sizeof c->host, "%s", host);
			snprintf(c->address, sizeof c->address, "%s", addr[i].text);
			note(c, "connected to %s [%s]", host, addr[i].text);
			return 0;
		}
		if (live_interrupted(c))
			return -1;
		connect_failed(c, "%s", err);
	}
	return -1;
}

/* Notes how the MX answer came, when that is worth saying. */
static void note_mx_answer(struct live *c, const struct net_mx_info *info, size_t kept)
{
	if (info->over_tcp)
		note(
		    c,
		    "the UDP answer was truncated: asked again over TCP, which gave %zu MX records",
		    info->records);
	if (info->records > kept)
		note(c, "%zu MX records: only the best %zu are tried", info->records, kept);
}

/* The MX hosts of the domain in preference order, or the domain itself. */
static int connect_mx(struct live *c, const char *port)
{
	struct net_resolve_opts opts = {c->args->family, c->args->resolver, c->args->timeout_ms};
	struct net_mx mx[NET_MX_MAX];
	struct net_mx_info info;
	char err[320];
	size_t n, i;

	if (net_mx_read(c->args->mx, &opts, mx, NET_MX_MAX, &n, &info, err, sizeof err) != 0) {
		connect_failed(c, "MX look-up for %s failed: %s", c->args->mx, err);
		return -1;
	}
	if (n == 0) {
		note(c, "%s has no MX record: trying the domain itself (RFC 5321 section 5.1)",
		     c->args->mx);
		return connect_host(c, c->args->mx, port);
	}
	note_mx_answer(c, &info, n);
	for (i = 0; i < n; i++) {
		note(c, "MX %u %s", mx[i].preference, mx[i].host);
		if (connect_host(c, mx[i].host, port) == 0)
			return 0;
	}
	return -1;
}

static int connect_target(struct live *c)
{
	const char *port = c->args->session.tls_on_connect ? "465" : "25";
	struct net_target target;
	char err[320];

	if (c->args->port != NULL)
		port = c->args->port;
	if (c->args->mx != NULL)
		return connect_mx(c, port);
	if (net_parse_target(c->args->target, port, &target, err, sizeof err) != 0) {
		connect_failed(c, "%s", err);
		return -1;
	}
	return connect_host(c, target.host, target.port);
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
static const char *handshake(struct live *c)
{
	const char *name = is_ip_literal(c->host) ? NULL : c->host;
	struct tls_client_config cfg = {c->args->sni ? c->args->sni : name, name, c->args->ca_file,
	                                c->args->tls_legacy};
	enum tls_io io;
	int ready = 1;
	long long began = net_now_ms();

	c->tls_tried = true;
	c->deadline = began + c->args->timeout_ms;
	c->tls = tls_client_new(&cfg, c->fd, c->why, sizeof c->why);
	if (c->tls == NULL)
		return c->why;
	while ((io = tls_handshake(c->tls)) == TLS_IO_WANT_READ || io == TLS_IO_WANT_WRITE) {
		ready = wait_fd(c, io == TLS_IO_WANT_WRITE);
		if (ready <= 0)
			break;
	}
	tls_get_facts(c->tls, &c->facts);
	if (io == TLS_IO_DONE && c->facts.established) {
		c->tls_ms = net_now_ms() - began;
		return NULL;
	}
	if (live_interrupted(c)) {
		/* Noted already: the interruption stays the last line. */
		snprintf(c->why, sizeof c->why, "interrupted by %s", cli_signal_name(c->signal));
		return c->why;
	}
	if (ready == 0)
		snprintf(c->why, sizeof c->why, "timed out after %g s",
		         c->args->timeout_ms / 1000.0);
	else if (io == TLS_IO_CLOSED)
		snprintf(c->why, sizeof c->why, "the server closed the connection");
	else
		snprintf(c->why, sizeof c->why, "%s", without_prefix(tls_error(c->tls)));
	note(c, "TLS handshake failed: %s", c->why);
	return c->why;
}

/* Notes what TLS established and whether the certificate was verified. */
static void note_tls(struct live *c)
{
	const struct tls_facts *f = &c->facts;

	note(c, "TLS started: %s %s%s%s", f->version, f->cipher, f->group[0] ? " " : "", f->group);
	if (f->verified)
		note(c, "certificate verified for %s", c->host);
	else
		note(c, "certificate not verified: %s", f->verify_error);
}

/* Hands the session over to TLS, as it asked. */
static void start_tls(struct live *c)
{
	const char *why;

	c->want_tls = false;
	why = handshake(c);
	if (why == NULL)
		note_tls(c);
	proto_session_tls_done(c->session, why == NULL, why == NULL && c->facts.verified, why);
}

/* Writes what is queued; false when the session ended on the way. */
/* Ends the session on a failed write, in words. */
static void broke_sending(struct live *c, int err)
{
	char why[160];

	if (c->tls != NULL)
		snprintf(why, sizeof why, "the connection broke while sending inside TLS");
	else if (err == ECONNRESET || err == EPIPE)
		snprintf(why, sizeof why,
		         "the server reset or closed the connection while smtpscope "
		         "was sending");
	else
		snprintf(why, sizeof why, "the connection broke while sending: %s", strerror(err));
	end_noted(c, why);
}

/*
 * Writes what is queued. A plain socket is written with MSG_NOSIGNAL: a
 * server that resets the connection must not kill smtpscope with SIGPIPE.
 */
static bool flush_out(struct live *c)
{
	size_t done = 0;
	ssize_t n;
	enum tls_io io;

	while (c->outlen > 0) {
		if (c->tls != NULL) {
			io = tls_write(c->tls, c->out, c->outlen, &done);
			n = io == TLS_IO_DONE ? (ssize_t)done : -1;
			errno = io == TLS_IO_WANT_READ || io == TLS_IO_WANT_WRITE ? EAGAIN : EPIPE;
		} else {
			n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(c, true) <= 0) {
				if (!live_interrupted(c))
					timed_out(c);
				return false;
			}
			continue;
		}
		if (n < 0) {
			broke_sending(c, errno);
			return false;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	return true;
}

/* The connection broke while reading: errno err, or the TLS layer's words. */
static void broke(struct live *c, int err, const char *tls_why)
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
	proto_session_broken(c->session, how);
}

/* Reads once what is there, without waiting; TLS may hold more than the socket shows. */
static void read_ready(struct live *c)
{
	char buf[CHECK_READ];
	size_t got = 0;
	ssize_t n;
	enum tls_io io;

	if (c->tls == NULL) {
		n = read(c->fd, buf, sizeof buf);
		if (n > 0)
			proto_session_feed(c->session, buf, (size_t)n);
		else if (n == 0)
			proto_session_eof(c->session);
		else if (errno != EAGAIN && errno != EINTR)
			broke(c, errno, NULL);
		return;
	}
	/* The deadline holds whatever the server sends: one that keeps sending is cut too. */
	while (!proto_session_over(c->session) && !c->want_tls &&
	       !proto_session_expire(c->session) &&
	       (io = tls_read(c->tls, buf, sizeof buf, &got)) == TLS_IO_DONE)
		proto_session_feed(c->session, buf, got);
	if (proto_session_over(c->session) || c->want_tls)
		return;
	if (io == TLS_IO_CLOSED)
		proto_session_eof(c->session);
	else if (io == TLS_IO_ERROR)
		broke(c, 0, tls_error(c->tls));
}

/* Waits for the server, up to the deadline, then reads what it sent. */
static void read_in(struct live *c)
{
	int ready = wait_fd(c, false);

	if (live_interrupted(c))
		return;
	if (ready == 0)
		timed_out(c);
	else if (ready > 0)
		read_ready(c);
	else
		proto_session_abort(c->session, "the connection broke while waiting");
	proto_session_expire(c->session);
}

void live_run(struct live *c)
{
	while (!proto_session_over(c->session) && !live_interrupted(c)) {
		if (c->want_tls) {
			start_tls(c);
			continue;
		}
		if (!flush_out(c) || proto_session_over(c->session))
			break;
		read_in(c);
	}
	flush_out(c);
}

void live_service(struct live *c, bool readable)
{
	if (live_interrupted(c) || proto_session_over(c->session))
		return;
	if (c->want_tls) {
		start_tls(c);
		return;
	}
	if (!flush_out(c))
		return;
	if (readable)
		read_ready(c);
	proto_session_expire(c->session);
	flush_out(c);
}

int live_wait_ms(const struct live *c)
{
	if (proto_session_over(c->session))
		return -1;
	if (c->want_tls || c->outlen > 0)
		return 0;
	return proto_session_busy(c->session) ? remaining(c) : -1;
}

int live_fd(const struct live *c)
{
	return c->fd;
}

/* Connects (and for implicit TLS, shakes hands), then waits for the greeting. */
bool live_open(struct live *c)
{
	c->deadline = net_now_ms() + c->args->timeout_ms;
	if (connect_target(c) != 0 || live_interrupted(c)) {
		char reason[600];

		if (c->connect_fails > 1)
			snprintf(reason, sizeof reason,
			         "could not connect: %u tries failed, the last: %s",
			         c->connect_fails, c->connect_err);
		else
			snprintf(reason, sizeof reason, "could not connect: %s",
			         c->connect_fails == 1 ? c->connect_err : "no address to try");
		proto_session_abort(c->session, reason);
		return false;
	}
	if (c->args->session.tls_on_connect) {
		if (handshake(c) != NULL) {
			char reason[300];

			snprintf(reason, sizeof reason, "the TLS handshake failed: %s", c->why);
			proto_session_abort(c->session, reason);
			return false;
		}
		note_tls(c);
		if (!c->facts.verified)
			c->sink->finding(c->ctx, PROTO_F_TLS_UNVERIFIED, c->last_n);
		proto_session_tls_on_connect(c->session, c->facts.verified);
	}
	c->opened_ms = net_now_ms();
	c->deadline = c->opened_ms + c->args->timeout_ms;
	proto_session_start(c->session);
	return true;
}

int live_init(struct live *c, struct check_args *args, const struct live_sink *sink, void *ctx)
{
	memset(c, 0, sizeof *c);
	c->args = args;
	c->sink = sink;
	c->ctx = ctx;
	c->fd = -1;
	c->tls_ms = -1;
	/* Each reply's deadline is the engine's, counted from its command. */
	args->session.timeout_ms = args->timeout_ms;
	c->session = proto_session_new(&args->session, &live_ops, c);
	return c->session != NULL ? 0 : -1;
}

void live_free(struct live *c)
{
	if (c->tls != NULL) {
		tls_shutdown(c->tls);
		tls_free(c->tls);
	}
	if (c->fd >= 0)
		close(c->fd);
	proto_session_free(c->session);
	free(c->out);
	c->tls = NULL;
	c->fd = -1;
	c->session = NULL;
	c->out = NULL;
}
