/*
 * live.h: one live session on the network (connection, TLS, the session
 * engine), shared by "check", "demo" and the inspector.
 */
#ifndef SMTPSCOPE_LIVE_H
#define SMTPSCOPE_LIVE_H

#include "check.h"
#include "net/net.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/session.h"
#include "tls/tls.h"

/* Where the session's lines and findings go. */
struct live_sink {
	void (*line)(void *ctx, const struct proto_lint_line *line);
	void (*finding)(void *ctx, enum proto_finding_id id, unsigned n);
	/* Step mode: a planned command waits; may be NULL. */
	void (*pending)(void *ctx, const char *command);
};

struct live {
	struct check_args *args;
	const struct live_sink *sink;
	void *ctx;
	struct proto_session *session;
	int fd;
	struct tls_conn *tls;
	struct tls_facts facts;
	char why[256];          /* why the handshake failed */
	char connect_err[512];  /* why the last try to reach the server failed */
	unsigned connect_fails; /* tries that failed: look-ups and connects */
	bool tls_tried;
	bool want_tls;
	unsigned last_n; /* number of the last line */
	char *out;       /* bytes queued for the server */
	size_t outlen;
	size_t outcap;
	long long deadline;
	long long opened_ms; /* monotonic: when the session started (connected, TLS up for 465) */
	long long tls_ms;    /* how long the TLS handshake took, or -1 */
	char host[NET_HOST_MAX]; /* the host connected to, for SNI and verification */
	char address[64];
	int signal; /* the signal that interrupted the session, or 0 */
};

/* Makes the session; 0, or -1 when memory ran out. */
int live_init(struct live *live, struct check_args *args, const struct live_sink *sink, void *ctx);
void live_free(struct live *live);
/* Connects and waits for the greeting; false when the session already failed. */
bool live_open(struct live *live);
/* Runs the session to its end (check). */
void live_run(struct live *live);
/* For an event loop: the socket, the longest wait (-1: none), and the work. */
int live_fd(const struct live *live);
int live_wait_ms(const struct live *live);
void live_service(struct live *live, bool readable);
/*
 * True once SIGINT, SIGTERM or SIGHUP came (interrupt.c); the first time it
 * notes "interrupted by SIG..." in the transcript and closes the session
 * without QUIT.
 */
bool live_interrupted(struct live *live);
/*
 * The TLS facts as "check" prints them (tls_text.c): "TLS: not started",
 * the handshake's failure, or the version, cipher, group, verification and
 * each certificate of the chain, peer fields escaped.
 */
void live_tls_text(struct cli_out *out, const struct live *live);

#endif
