/*
 * check_run.c: drives one live session for "check". It connects, moves
 * bytes between the socket (or TLS) and the session engine in a poll loop,
 * runs the handshake when the engine asks for it, and keeps every wait
 * within --timeout.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "net.h"
#include "tls.h"

#define CHECK_READ     16384              /* bytes read at a time */
#define CHECK_DATA_MAX (64 * 1024 * 1024) /* largest --data file */

struct check {
	struct cli_report report;
	struct check_args *args;
	struct proto_session *session;
	struct cli_transcript text;
	struct cli_transcript jsonl;
	int fd;
	struct tls_conn *tls;
	struct tls_facts facts;
	char why[256]; /* why the handshake failed */
	bool tls_tried;
	bool want_tls;
	char *out; /* bytes queued for the server */
	size_t outlen;
	size_t outcap;
	long long deadline;
	char host[NET_HOST_MAX]; /* the host connected to, for SNI and verification */
	char address[64];
	char *data;
};

static void on_send(void *ctx, const char *buf, size_t len)
{
	struct check *c = ctx;
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
	c->deadline = net_now_ms() + c->args->timeout_ms;
}

static void on_starttls(void *ctx)
{
	struct check *c = ctx;

	c->want_tls = true;
	c->deadline = net_now_ms() + c->args->timeout_ms;
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct check *c = ctx;

	cli_transcript_line(&c->text, line);
	cli_transcript_line(&c->jsonl, line);
	cli_report_line(&c->report, line);
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	struct check *c = ctx;

	cli_transcript_finding(&c->jsonl, id, n);
	cli_report_finding(&c->report, id, n);
}

static const struct proto_session_ops check_ops = {on_send,    on_starttls, on_line,
                                                   on_finding, NULL,        NULL};

/* A note in the transcript, formatted. */
static void note(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct check *c, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	proto_session_info(c->session, text);
}

/* Milliseconds left before the deadline, at least 0. */
static int remaining(const struct check *c)
{
	long long left = c->deadline - net_now_ms();

	return left > 0 ? (int)(left < 2147483647 ? left : 2147483647) : 0;
}

static void timed_out(struct check *c)
{
	char reason[256];

	snprintf(reason, sizeof reason, "timed out after %g s waiting for %s",
	         c->args->timeout_ms / 1000.0, proto_session_waiting_for(c->session));
	note(c, "%s", reason);
	proto_session_abort(c->session, reason);
}

/* Tries each address of host in turn; 0 with c->fd connected, or -1. */
static int connect_host(struct check *c, const char *host, const char *port)
{
	struct net_resolve_opts opts = {c->args->family, c->args->resolver, c->args->timeout_ms};
	struct net_addr addr[NET_ADDRS_MAX];
	char err[256];
	size_t n, i;

	if (net_resolve(host, port, &opts, addr, NET_ADDRS_MAX, &n, err, sizeof err) != 0) {
		note(c, "cannot resolve %s: %s", host, err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		note(c, "connecting to %s [%s]", host, addr[i].text);
		c->fd = net_connect(&addr[i], c->args->timeout_ms, err, sizeof err);
		if (c->fd >= 0) {
			snprintf(c->host, sizeof c->host, "%s", host);
			snprintf(c->address, sizeof c->address, "%s", addr[i].text);
			note(c, "connected to %s [%s]", host, addr[i].text);
			return 0;
		}
		note(c, "%s", err);
	}
	return -1;
}

/* The MX hosts of the domain in preference order, or the domain itself. */
static int connect_mx(struct check *c, const char *port)
{
	struct net_resolve_opts opts = {c->args->family, c->args->resolver, c->args->timeout_ms};
	struct net_mx mx[NET_MX_MAX];
	char err[256];
	size_t n, i;

	if (net_mx(c->args->mx, &opts, mx, NET_MX_MAX, &n, err, sizeof err) != 0) {
		note(c, "MX look-up for %s failed: %s", c->args->mx, err);
		return -1;
	}
	if (n == 0) {
		note(c, "%s has no MX record: trying the domain itself (RFC 5321 section 5.1)",
		     c->args->mx);
		return connect_host(c, c->args->mx, port);
	}
	for (i = 0; i < n; i++) {
		note(c, "MX %u %s", mx[i].preference, mx[i].host);
		if (connect_host(c, mx[i].host, port) == 0)
			return 0;
	}
	return -1;
}

static int connect_target(struct check *c)
{
	const char *port = c->args->session.tls_on_connect ? "465" : "25";
	struct net_target target;
	char err[256];

	if (c->args->port != NULL)
		port = c->args->port;
	if (c->args->mx != NULL)
		return connect_mx(c, port);
	if (net_parse_target(c->args->target, port, &target, err, sizeof err) != 0) {
		note(c, "%s", err);
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
static const char *handshake(struct check *c)
{
	const char *name = is_ip_literal(c->host) ? NULL : c->host;
	struct tls_client_config cfg = {c->args->sni ? c->args->sni : name, name, c->args->ca_file};
	enum tls_io io;
	int ready = 1;

	c->tls_tried = true;
	c->deadline = net_now_ms() + c->args->timeout_ms;
	c->tls = tls_client_new(&cfg, c->fd, c->why, sizeof c->why);
	if (c->tls == NULL)
		return c->why;
	while ((io = tls_handshake(c->tls)) == TLS_IO_WANT_READ || io == TLS_IO_WANT_WRITE) {
		ready = net_wait(c->fd, io == TLS_IO_WANT_WRITE, remaining(c));
		if (ready <= 0)
			break;
	}
	tls_get_facts(c->tls, &c->facts);
	if (io == TLS_IO_DONE && c->facts.established)
		return NULL;
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
static void note_tls(struct check *c)
{
	const struct tls_facts *f = &c->facts;

	note(c, "TLS started: %s %s%s%s", f->version, f->cipher, f->group[0] ? " " : "", f->group);
	if (f->verified)
		note(c, "certificate verified for %s", c->host);
	else
		note(c, "certificate not verified: %s", f->verify_error);
}

/* Hands the session over to TLS, as it asked. */
static void start_tls(struct check *c)
{
	const char *why;

	c->want_tls = false;
	why = handshake(c);
	if (why == NULL)
		note_tls(c);
	proto_session_tls_done(c->session, why == NULL, why == NULL && c->facts.verified, why);
}

/* Writes what is queued; false when the session ended on the way. */
static bool flush_out(struct check *c)
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
			n = write(c->fd, c->out, c->outlen);
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (net_wait(c->fd, true, remaining(c)) <= 0) {
				timed_out(c);
				return false;
			}
			continue;
		}
		if (n < 0) {
			proto_session_abort(c->session, "the connection broke while sending");
			return false;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	return true;
}

/* Reads what the server sent into the session, waiting at most until the deadline. */
static void read_in(struct check *c)
{
	char buf[CHECK_READ];
	size_t got = 0;
	ssize_t n;
	enum tls_io io;
	int ready = c->tls != NULL ? 1 : net_wait(c->fd, false, remaining(c));

	if (ready == 0) {
		timed_out(c);
		return;
	}
	if (c->tls == NULL) {
		n = read(c->fd, buf, sizeof buf);
		if (n > 0)
			proto_session_feed(c->session, buf, (size_t)n);
		else if (n == 0)
			proto_session_eof(c->session);
		else if (errno != EAGAIN && errno != EINTR)
			proto_session_abort(c->session, "the connection broke while reading");
		return;
	}
	io = tls_read(c->tls, buf, sizeof buf, &got);
	if (io == TLS_IO_DONE)
		proto_session_feed(c->session, buf, got);
	else if (io == TLS_IO_CLOSED)
		proto_session_eof(c->session);
	else if (io == TLS_IO_ERROR)
		proto_session_abort(c->session, tls_error(c->tls));
	else if (net_wait(c->fd, io == TLS_IO_WANT_WRITE, remaining(c)) == 0)
		timed_out(c);
}

static void loop(struct check *c)
{
	while (!proto_session_over(c->session)) {
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

/* Connects (and for implicit TLS, shakes hands), then runs the session. */
static bool converse(struct check *c)
{
	c->deadline = net_now_ms() + c->args->timeout_ms;
	if (connect_target(c) != 0) {
		proto_session_abort(c->session, "could not connect to any address");
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
			on_finding(c, PROTO_F_TLS_UNVERIFIED, c->report.nlines);
	}
	c->deadline = net_now_ms() + c->args->timeout_ms;
	proto_session_start(c->session);
	loop(c);
	return proto_session_state(c->session) == PROTO_S_DONE;
}

static void check_head(struct cli_report *report)
{
	struct check *c = report->owner;
	struct cli_out *out = &report->out;
	const char *target = c->args->mx != NULL ? c->args->mx : c->args->target;

	if (report->json) {
		cli_out_str(out, c->args->mx != NULL ? "\"mx\":" : "\"target\":");
		cli_out_json(out, target, strlen(target));
		cli_out_str(out, ",");
		return;
	}
	cli_out_str(out, "smtpscope check: ");
	cli_out_term(out, target, strlen(target));
	cli_out_str(out, c->args->mx != NULL ? " (MX hosts)\n\n" : "\n\n");
}

/* One certificate of the chain, as text; every field came from the peer. */
static void human_cert(struct cli_out *out, size_t i, const struct tls_cert_facts *f)
{
	char num[64];

	snprintf(num, sizeof num, "  %zu subject  ", i);
	cli_out_str(out, num);
	cli_out_term(out, f->subject, strlen(f->subject));
	cli_out_str(out, "\n    issuer   ");
	cli_out_term(out, f->issuer, strlen(f->issuer));
	cli_out_str(out, "\n    names    ");
	cli_out_term(out, f->sans, strlen(f->sans));
	cli_out_str(out, "\n    valid    ");
	cli_out_term(out, f->not_before, strlen(f->not_before));
	cli_out_str(out, " to ");
	cli_out_term(out, f->not_after, strlen(f->not_after));
	snprintf(num, sizeof num, "\n    key      %.16s %d", f->key_type, f->key_bits);
	cli_out_str(out, num);
	cli_out_str(out, " bits, signed with ");
	cli_out_term(out, f->sig_alg, strlen(f->sig_alg));
	cli_out_str(out, "\n    sha256   ");
	cli_out_term(out, f->sha256, strlen(f->sha256));
	cli_out_str(out, "\n");
}

static void human_tls(struct check *c, struct cli_out *out)
{
	const struct tls_facts *f = &c->facts;
	size_t i;

	cli_out_str(out, "\nTLS: ");
	if (!c->tls_tried) {
		cli_out_str(out, "not started\n");
		return;
	}
	if (!f->established) {
		cli_out_str(out, "the handshake failed\n");
		return;
	}
	cli_out_str(out, f->version);
	cli_out_str(out, " ");
	cli_out_str(out, f->cipher);
	cli_out_str(out, f->group[0] ? " " : "");
	cli_out_str(out, f->group);
	cli_out_sgr(out, f->verified ? "32" : "1;33");
	cli_out_str(out, f->verified ? "\n  certificate verified for "
	                             : "\n  certificate NOT verified: ");
	cli_out_term(out, f->verified ? c->host : f->verify_error,
	             strlen(f->verified ? c->host : f->verify_error));
	cli_out_sgr(out, NULL);
	cli_out_str(out, "\n");
	for (i = 0; i < f->nchain; i++)
		human_cert(out, i, &f->chain[i]);
}

static void json_field(struct cli_out *out, const char *key, const char *value, bool first)
{
	cli_out_str(out, first ? "\"" : ",\"");
	cli_out_str(out, key);
	cli_out_str(out, "\":");
	cli_out_json(out, value, strlen(value));
}

static void json_cert(struct cli_out *out, const struct tls_cert_facts *f)
{
	json_field(out, "subject", f->subject, true);
	json_field(out, "issuer", f->issuer, false);
	json_field(out, "sans", f->sans, false);
	json_field(out, "not_before", f->not_before, false);
	json_field(out, "not_after", f->not_after, false);
	json_field(out, "key_type", f->key_type, false);
	cli_out_str(out, ",\"key_bits\":");
	cli_out_uint(out, f->key_bits > 0 ? (unsigned long)f->key_bits : 0);
	json_field(out, "sig_alg", f->sig_alg, false);
	json_field(out, "sha256", f->sha256, false);
}

static void json_tls(struct check *c, struct cli_out *out)
{
	const struct tls_facts *f = &c->facts;
	size_t i;

	cli_out_str(out, ",\n\"tls\":{\"established\":");
	cli_out_str(out, f->established ? "true" : "false");
	if (f->established) {
		cli_out_str(out, ",");
		json_field(out, "version", f->version, true);
		json_field(out, "cipher", f->cipher, false);
		json_field(out, "group", f->group, false);
	} else {
		cli_out_str(out, ",\"version\":null,\"cipher\":null,\"group\":null");
	}
	cli_out_str(out, f->verified ? ",\"verified\":true" : ",\"verified\":false");
	cli_out_str(out, ",\"verify_error\":");
	if (f->verified || !c->tls_tried)
		cli_out_str(out, "null");
	else
		cli_out_json(out, f->verify_error, strlen(f->verify_error));
	cli_out_str(out, ",\"chain\":[");
	for (i = 0; i < f->nchain; i++) {
		cli_out_str(out, i > 0 ? ",{" : "{");
		json_cert(out, &f->chain[i]);
		cli_out_str(out, "}");
	}
	cli_out_str(out, "]}");
}

static void check_tail(struct cli_report *report)
{
	struct check *c = report->owner;
	struct cli_out *out = &report->out;
	const char *error = proto_session_error(c->session);
	bool done = proto_session_state(c->session) == PROTO_S_DONE;

	if (report->json) {
		json_tls(c, out);
		cli_out_str(out, ",\n\"address\":");
		cli_out_json(out, c->address, strlen(c->address));
		cli_out_str(out, ",\n\"outcome\":{\"completed\":");
		cli_out_str(out, done ? "true,\"error\":null}" : "false,\"error\":");
		if (!done) {
			cli_out_json(out, error, strlen(error));
			cli_out_str(out, "}");
		}
		return;
	}
	human_tls(c, out);
	cli_out_str(out, "\nOutcome: ");
	cli_out_str(out, done ? "the session completed.\n" : "could not complete: ");
	if (!done) {
		cli_out_term(out, error, strlen(error));
		cli_out_str(out, "\n");
	}
}

/* Reads the --data file, bounded; 0, or an exit code. */
static int load_data(struct check *c)
{
	FILE *fp;
	size_t n;

	if (c->args->data_file == NULL)
		return 0;
	fp = fopen(c->args->data_file, "rb");
	c->data = malloc(CHECK_DATA_MAX);
	if (fp == NULL || c->data == NULL) {
		fprintf(stderr, "smtpscope check: cannot read %s: %s\n", c->args->data_file,
		        strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return CLI_EXIT_NOINPUT;
	}
	n = fread(c->data, 1, CHECK_DATA_MAX, fp);
	fclose(fp);
	c->args->session.data = c->data;
	c->args->session.data_len = n;
	return 0;
}

static int open_outputs(struct check *c)
{
	const char *target = c->args->mx != NULL ? c->args->mx : c->args->target;
	bool color;

	c->text.fd = c->jsonl.fd = -1;
	if (cli_color_parse(c->args->color, STDOUT_FILENO, &color) != 0) {
		fprintf(stderr, "smtpscope check: --color takes auto, always or never\n");
		return CLI_EXIT_USAGE;
	}
	cli_out_init(&c->report.out, STDOUT_FILENO, color && !c->args->json);
	c->report.json = c->args->json;
	c->report.tls_verify = c->args->tls_verify;
	c->report.name = target;
	c->report.owner = c;
	c->report.head = check_head;
	c->report.tail = check_tail;
	if (c->args->transcript != NULL &&
	    cli_transcript_open(&c->text, c->args->transcript, false, c->args->force, target) != 0)
		return CLI_EXIT_CANTCREAT;
	if (c->args->transcript_json != NULL &&
	    cli_transcript_open(&c->jsonl, c->args->transcript_json, true, c->args->force,
	                        target) != 0)
		return CLI_EXIT_IOERR;
	return 0;
}

/* The verdict, and what to tell the user on standard error. */
static int verdict(struct check *c, bool completed)
{
	if (cli_out_flush(&c->report.out) != 0)
		return CLI_EXIT_IOERR;
	if (!completed) {
		fprintf(stderr, "smtpscope check: could not complete: %s\n",
		        proto_session_error(c->session));
		return CLI_EXIT_INCOMPLETE;
	}
	return cli_report_errors(&c->report) > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

static void cleanup(struct check *c)
{
	if (c->tls != NULL) {
		tls_shutdown(c->tls);
		tls_free(c->tls);
	}
	if (c->fd >= 0)
		close(c->fd);
	cli_transcript_close(&c->text);
	cli_transcript_close(&c->jsonl);
	proto_session_free(c->session);
	cli_report_free(&c->report);
	free(c->out);
	free(c->data);
	free(c);
}

int check_run(struct check_args *args)
{
	struct check *c = calloc(1, sizeof *c);
	bool completed;
	int rc;

	if (c == NULL)
		return CLI_EXIT_OSERR;
	c->args = args;
	c->fd = -1;
	rc = open_outputs(c);
	if (rc == 0)
		rc = load_data(c);
	if (rc == 0 && (c->session = proto_session_new(&args->session, &check_ops, c)) == NULL)
		rc = CLI_EXIT_OSERR;
	if (rc != 0) {
		cleanup(c);
		return rc;
	}
	c->report.lint = proto_session_lint(c->session);
	completed = converse(c);
	cli_report_end(&c->report);
	rc = verdict(c, completed);
	cleanup(c);
	return rc;
}
