/*
 * play.c: one client connection played from a scenario: the greeting,
 * the section that answers each command, STARTTLS, the message body and
 * the command log. Memory is one struct conn and its splitter's buffer
 * (a read and a partial line) whatever the client or the scenario sends:
 * lines are clipped by proto_split, output is streamed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab_int.h"
#include "net/net.h"
#include "proto/auth.h"
#include "proto/escape.h"
#include "proto/split.h"
#include "tls/tls.h"

#define LAB_IN_MAX    4096  /* bytes read at a time */
#define LAB_OUT_MAX   16384 /* bytes written at a time */
#define LAB_IO_MS     30000 /* a write or a handshake stalled this long fails */
#define LAB_DRAIN_MS  2000  /* reading what the client still sends after a close */
#define LAB_SLICE_MS  100   /* the stop flag is checked at least this often */
#define LAB_LOG_EXTRA 96    /* bytes of a log line around its text: state, note, LF */

enum play { PLAY_ON, PLAY_CLOSE, PLAY_RESET, PLAY_FAIL };

/* What a wait waits for: time alone, or the socket. */
enum wait_on { WAIT_TIME, WAIT_READ, WAIT_WRITE };

struct conn {
	const struct lab_session *s;
	struct tls_conn *tls; /* inside TLS when not NULL */
	bool body;            /* reading a message body */
	bool body_crlf;       /* the body line before ended in CRLF */
	unsigned long long body_bytes;
	bool sasl; /* the next line answers a 334: a SASL response */
	bool auth; /* the "auth" action's exchange is open */
	struct lab_auth auth_state;
	bool expired;                 /* the session deadline came */
	unsigned dribble;             /* ms before each byte sent; 0: at once */
	struct proto_split split;     /* the client's bytes, cut into lines */
	struct proto_split_line line; /* the line being answered, PROTO_LINE_KEEP bytes kept */
	size_t out_len;
	char in[LAB_IN_MAX];
	char out[LAB_OUT_MAX];
};

/*
 * False once the connection must end: the command's stop flag or the
 * server's own is set, or the session deadline has come.
 */
static bool going(struct conn *c)
{
	if (*c->s->stop || atomic_load(c->s->halt))
		return false;
	if (net_now_ms() >= c->s->deadline) {
		c->expired = true;
		return false;
	}
	return true;
}

/*
 * Waits up to ms for the socket, or just sleeps (WAIT_TIME), in slices of
 * net_wait_stop. Returns 1 ready, 0 time is up, -1 stopped, failed or past
 * the session deadline, which bounds every wait.
 */
static int wait_for(struct conn *c, enum wait_on on, long long ms)
{
	long long now, deadline = net_now_ms() + ms, left;
	int k;

	for (;;) {
		if (!going(c))
			return -1;
		now = net_now_ms();
		if (deadline - now <= 0)
			return 0;
		left = (deadline < c->s->deadline ? deadline : c->s->deadline) - now;
		k = net_wait_stop(on == WAIT_TIME ? -1 : c->s->fd, on == WAIT_WRITE,
		                  left < LAB_SLICE_MS ? (int)left : LAB_SLICE_MS, c->s->stop);
		if (k > 0)
			return 1;
		if (k < 0 && errno != EINTR)
			return -1;
	}
}

static int wait_tls(struct conn *c, enum tls_io r, long long ms)
{
	if (r != TLS_IO_WANT_READ && r != TLS_IO_WANT_WRITE)
		return -1;
	return wait_for(c, r == TLS_IO_WANT_READ ? WAIT_READ : WAIT_WRITE, ms) == 1 ? 0 : -1;
}

/* Writes all of p; 0, or -1 when the client is gone, stalls or we stop. */
static int write_all(struct conn *c, const char *p, size_t n)
{
	enum tls_io r;
	size_t done;
	ssize_t k;

	while (n > 0) {
		if (!going(c))
			return -1;
		if (c->tls != NULL) {
			r = tls_write(c->tls, p, n, &done);
			if (r != TLS_IO_DONE && wait_tls(c, r, LAB_IO_MS) != 0)
				return -1;
			k = r == TLS_IO_DONE ? (ssize_t)done : 0;
		} else {
			k = send(c->s->fd, p, n, MSG_NOSIGNAL);
			if (k < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (k < 0 && errno != EINTR && wait_for(c, WAIT_WRITE, LAB_IO_MS) != 1)
				return -1;
		}
		if (k > 0) {
			p += k;
			n -= (size_t)k;
		}
	}
	return 0;
}

/*
 * Gives the n bytes read into in to the splitter: lent when it holds none,
 * so that a line within one read is never copied. 0, or -1 out of memory.
 */
static int give_split(struct conn *c, size_t n)
{
	if (proto_split_pending(&c->split) > 0)
		return proto_split_feed(&c->split, c->in, n);
	proto_split_lend(&c->split, c->in, n);
	return 0;
}

/*
 * Reads into in and gives it to the splitter; 1 bytes came, 0 the client
 * closed, -1 failed, idle, stopped or out of memory.
 */
static int read_some(struct conn *c)
{
	enum tls_io r;
	size_t got;
	ssize_t k;

	/* A partial line lent from in is copied before in is read into again. */
	if (proto_split_keep(&c->split) != 0)
		return -1;
	for (;;) {
		if (!going(c))
			return -1; /* a client that never pauses is cut too */
		if (c->tls != NULL) {
			r = tls_read(c->tls, c->in, sizeof c->in, &got);
			if (r == TLS_IO_CLOSED)
				return 0;
			k = r == TLS_IO_DONE ? (ssize_t)got : 0;
			if (r != TLS_IO_DONE && wait_tls(c, r, c->s->idle_ms) != 0)
				return -1;
		} else {
			k = recv(c->s->fd, c->in, sizeof c->in, 0);
			if (k == 0)
				return 0;
			if (k < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (k < 0 && errno != EINTR && wait_for(c, WAIT_READ, c->s->idle_ms) != 1)
				return -1;
		}
		if (k > 0)
			return give_split(c, (size_t)k) == 0 ? 1 : -1;
	}
}

/* Sends the output buffer, a byte at a time when dribbling. */
static int flush_out(struct conn *c)
{
	size_t i;
	int rc = 0;

	if (c->dribble == 0)
		rc = write_all(c, c->out, c->out_len);
	for (i = 0; c->dribble > 0 && rc == 0 && i < c->out_len; i++)
		rc = wait_for(c, WAIT_TIME, c->dribble) == 0 ? write_all(c, c->out + i, 1) : -1;
	c->out_len = 0;
	return rc;
}

static int put_out(struct conn *c, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		k = sizeof c->out - c->out_len;
		if (k > n)
			k = n;
		memcpy(c->out + c->out_len, p, k);
		c->out_len += k;
		p += k;
		n -= k;
		if (c->out_len == sizeof c->out && flush_out(c) != 0)
			return -1;
	}
	return 0;
}

/*
 * One line of the command log: "plain " or "tls ", then text in caret form.
 * The line is one write(2) to a file opened O_APPEND, so the lines of
 * sessions played at once never mix.
 */
static void log_text(struct conn *c, const char *text, size_t len, const char *note, size_t count)
{
	char esc[PROTO_ESCAPE_MAX(PROTO_LINE_KEEP)];
	char line[sizeof esc + LAB_LOG_EXTRA];
	int n, k;

	if (c->s->log_fd < 0)
		return;
	proto_escape_term(esc, sizeof esc, text, len);
	n = snprintf(line, sizeof line, "%s %s", c->tls != NULL ? "tls" : "plain", esc);
	if (note != NULL && n >= 0 && (size_t)n < sizeof line) {
		k = snprintf(line + n, sizeof line - (size_t)n, "%s<%s %zu bytes>",
		             len > 0 ? " " : "", note, count);
		n = k < 0 ? -1 : n + k;
	}
	if (n < 0 || (size_t)n >= sizeof line - 1)
		return; /* cannot happen: LAB_LOG_EXTRA holds the longest note */
	line[n++] = '\n';
	while (write(c->s->log_fd, line, (size_t)n) < 0 && errno == EINTR)
		continue;
}

/* Bytes of the line past the PROTO_LINE_KEEP kept, its line end not counted. */
static size_t line_extra(const struct proto_split_line *line)
{
	size_t end = line->term == PROTO_TERM_CRLF ? 2 : line->term == PROTO_TERM_LF ? 1 : 0;

	return line->wire - end - line->len;
}

/* The line's text for an AUTH exchange: none when it was clipped. */
static size_t line_whole(const struct proto_split_line *line)
{
	return line->clipped ? 0 : line->len;
}

/* Logs a command; AUTH keeps its mechanism, SASL responses nothing. */
static void log_command(struct conn *c)
{
	const char *text = c->line.text;
	size_t len = c->line.len, extra = line_extra(&c->line), keep = len, rest;

	if (c->sasl) {
		keep = 0;
	} else if (lab_verb_of(text, len) == LAB_V_AUTH) {
		keep = 4;
		while (keep < len && text[keep] == ' ')
			keep++;
		while (keep < len && text[keep] != ' ')
			keep++;
	}
	if (keep == len && extra == 0) {
		log_text(c, text, keep, NULL, 0);
		return;
	}
	if (keep == len && !c->sasl) {
		log_text(c, text, keep, "clipped", extra);
		return;
	}
	rest = len - keep + extra;
	if (keep > 0 && keep < len)
		rest--; /* the space after the mechanism */
	log_text(c, text, keep, "redacted", rest);
}

static enum play play(struct conn *c, const struct lab_section *sec);

/* Drops what the client sent after STARTTLS, before the handshake. */
static void drop_pipelined(struct conn *c)
{
	size_t n = proto_split_pending(&c->split);

	if (n > 0)
		log_text(c, "", 0, "discarded after STARTTLS:", n);
	proto_split_discard(&c->split);
}

static enum play start_tls(struct conn *c)
{
	long long deadline = net_now_ms() + LAB_IO_MS;
	enum tls_io r;
	char err[256];

	if (c->tls != NULL)
		return PLAY_ON; /* no second handshake inside TLS */
	if (c->s->tls_ctx == NULL)
		abort(); /* the server makes a context when a scenario starts TLS */
	drop_pipelined(c);
	c->tls = tls_server_new(c->s->tls_ctx, c->s->fd, err, sizeof err);
	if (c->tls == NULL) {
		fprintf(stderr, "smtpscope lab: %s\n", err);
		return PLAY_FAIL;
	}
	while ((r = tls_handshake(c->tls)) != TLS_IO_DONE) {
		if (wait_tls(c, r, deadline - net_now_ms()) != 0) {
			fprintf(stderr, "smtpscope lab: TLS handshake failed: %s\n",
			        r == TLS_IO_ERROR || r == TLS_IO_CLOSED ? tls_error(c->tls)
			                                                : "timed out or stopped");
			return PLAY_FAIL;
		}
	}
	return PLAY_ON;
}

/* Sends the reply of the AUTH exchange; a 334 keeps it open. */
static enum play auth_reply(struct conn *c, bool more, const char *reply)
{
	c->auth = more;
	c->sasl = more;
	if (put_out(c, reply, strlen(reply)) != 0 || flush_out(c) != 0)
		return PLAY_FAIL;
	return PLAY_ON;
}

/* The "auth" action: the client's AUTH line starts the exchange. */
static enum play auth_begin(struct conn *c, const struct lab_action *a)
{
	const char *pool = c->s->scenario->pool;
	char reply[PROTO_BASE64_LEN(LAB_AUTH_CHALLENGE_MAX) + 16];
	bool more =
	    lab_auth_start(&c->auth_state, pool + a->off, a->len, pool + a->off + a->len, a->count,
	                   c->line.text, line_whole(&c->line), reply, sizeof reply);

	return auth_reply(c, more, reply);
}

static enum play play_action(struct conn *c, const struct lab_action *a)
{
	const char *pool = c->s->scenario->pool;
	unsigned long i;

	if (a->kind == LAB_A_BYTES) {
		for (i = 0; i < a->count; i++)
			if (put_out(c, pool + a->off, a->len) != 0)
				return PLAY_FAIL;
		return PLAY_ON;
	}
	if (flush_out(c) != 0)
		return PLAY_FAIL;
	switch (a->kind) {
	case LAB_A_DELAY:
		return wait_for(c, WAIT_TIME, a->ms) == 0 ? PLAY_ON : PLAY_FAIL;
	case LAB_A_DRIBBLE:
		c->dribble = a->ms;
		return PLAY_ON;
	case LAB_A_STARTTLS:
		return start_tls(c);
	case LAB_A_BODY:
		c->body = true;
		c->body_crlf = true;
		c->body_bytes = 0;
		return PLAY_ON;
	case LAB_A_CLOSE:
		return PLAY_CLOSE;
	case LAB_A_AUTH:
		return auth_begin(c, a);
	case LAB_A_RESET:
		return PLAY_RESET;
	default:
		abort();
	}
}

static enum play play(struct conn *c, const struct lab_section *sec)
{
	const struct lab_action *act = c->s->scenario->act + sec->first;
	enum play rc = PLAY_ON;
	size_t i;

	c->dribble = 0;
	for (i = 0; i < sec->n && rc == PLAY_ON; i++)
		rc = play_action(c, &act[i]);
	if (rc == PLAY_ON && flush_out(c) != 0)
		rc = PLAY_FAIL;
	c->dribble = 0;
	return rc;
}

/* A line of the message body; the line "." after a CRLF ends it. */
static enum play body_line(struct conn *c)
{
	bool crlf = c->line.term == PROTO_TERM_CRLF;

	if (crlf && c->body_crlf && c->line.len == 1 && c->line.text[0] == '.') {
		c->body = false;
		log_text(c, "", 0, "message body,", (size_t)c->body_bytes);
		return play(c, lab_section_for(c->s->scenario, LAB_V_DOT, c->tls != NULL));
	}
	c->body_bytes += c->line.wire;
	c->body_crlf = crlf;
	return PLAY_ON;
}

static enum play command_line(struct conn *c)
{
	const struct lab_section *sec;
	enum lab_verb verb;

	log_command(c);
	if (c->auth) {
		char reply[PROTO_BASE64_LEN(LAB_AUTH_CHALLENGE_MAX) + 16];
		bool more = lab_auth_response(&c->auth_state, c->line.text, line_whole(&c->line),
		                              reply, sizeof reply);

		return auth_reply(c, more, reply);
	}
	verb = c->sasl ? LAB_V_DEFAULT : lab_verb_of(c->line.text, c->line.len);
	sec = lab_section_for(c->s->scenario, verb, c->tls != NULL);
	c->sasl = sec->sasl;
	return play(c, sec);
}

/* Closes at once with a TCP RST: a linger time of zero drops what is unsent. */
static void reset(struct conn *c)
{
	struct linger lg = {1, 0};

	setsockopt(c->s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	tls_free(c->tls);
	close(c->s->fd);
}

/* After a close: ends TLS, stops sending and reads what is left, so no reset loses a reply. */
static void finish(struct conn *c, enum play rc)
{
	long long deadline = net_now_ms() + LAB_DRAIN_MS;

	if (rc == PLAY_RESET) {
		reset(c);
		return;
	}
	if (c->tls != NULL && rc != PLAY_FAIL)
		tls_shutdown(c->tls);
	if (rc != PLAY_FAIL && shutdown(c->s->fd, SHUT_WR) == 0) {
		while (wait_for(c, WAIT_READ, deadline - net_now_ms()) == 1 &&
		       recv(c->s->fd, c->in, sizeof c->in, 0) > 0)
			continue;
	}
	tls_free(c->tls);
	close(c->s->fd);
	if (c->expired)
		fprintf(stderr,
		        "smtpscope lab: a connection was cut at the session deadline (%lld s)\n",
		        c->s->session_ms / 1000);
}

void lab_session_serve(const struct lab_session *session)
{
	struct conn *c = calloc(1, sizeof *c);
	enum play rc;

	if (c == NULL) {
		close(session->fd);
		return;
	}
	c->s = session;
	c->line.text = "";
	proto_split_init(&c->split);
	rc = play(c, lab_section_for(session->scenario, LAB_V_GREETING, false));
	while (rc == PLAY_ON) {
		if (proto_split_next(&c->split, &c->line) == 0) {
			if (read_some(c) <= 0)
				break;
			continue;
		}
		rc = c->body ? body_line(c) : command_line(c);
	}
	finish(c, rc);
	proto_split_free(&c->split);
	free(c);
}
