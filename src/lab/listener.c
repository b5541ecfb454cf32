/*
 * listener.c: the lab server's listening socket and accept loop. Each
 * connection accepted is played in a thread of its own (pool.c), up to
 * max_clients at once; one beyond them gets a 421 and is closed at once
 * (docs/scenario-format.md, "The lab command"). With once, the first
 * connection is played in the caller's thread and the server returns.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab_int.h"
#include "net/net.h"
#include "tls/tls.h"

#define LAB_TICK_MS 100 /* the stop flag is checked at least this often */

/* The reply to a client beyond max_clients, sent without waiting. */
static const char lab_full_reply[] = "421 4.7.0 too many connections, try again later\r\n";

struct lab_server {
	const struct lab_scenario *scenario;
	bool once;
	int fd;
	struct tls_server_ctx *tls;
	int log_fd; /* O_APPEND, or -1 */
	struct lab_pool *pool;
	atomic_bool halt; /* tells the sessions to end when the accept loop does */
	long long idle_ms, session_ms;
	struct net_addr bound; /* the address listened on, as the kernel bound it */
};

/* Reads "127.0.0.1", "::1" or "[::1]" and port into ss. */
static int parse_listen(const char *text, unsigned short port, struct sockaddr_storage *ss,
                        socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN];
	size_t n = strlen(text);

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof *v4;
		return 0;
	}
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
		text++;
		n -= 2;
	}
	if (n >= sizeof host)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) != 1)
		return -1;
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons(port);
	*len = sizeof *v6;
	return 0;
}

/* Reads back the address bound: its port when 0 was asked, its "ADDR:PORT" text. */
static int describe(struct lab_server *sv)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(sv->fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	return net_addr_set(&sv->bound, (struct sockaddr *)&ss, len);
}

/* Fills error with why and its text, like printf; returns -1. */
static int __attribute__((format(printf, 3, 4)))
fail(struct lab_error *error, enum lab_fail why, const char *fmt, ...)
{
	va_list ap;

	error->fail = why;
	va_start(ap, fmt);
	vsnprintf(error->text, sizeof error->text, fmt, ap);
	va_end(ap);
	return -1;
}

static int open_listener(struct lab_server *sv, const struct lab_config *cfg,
                         struct lab_error *error)
{
	const char *listen_on = cfg->listen != NULL ? cfg->listen : "127.0.0.1";
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (parse_listen(listen_on, cfg->port, &ss, &len) != 0)
		return fail(error, LAB_FAIL_ADDRESS,
		            "cannot listen on %s port %u: not an IP address and port", listen_on,
		            cfg->port);
	sv->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sv->fd < 0 || setsockopt(sv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(sv->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0))
		return fail(error, LAB_FAIL_SYSTEM, "cannot make a socket: %s", strerror(errno));
	if (bind(sv->fd, (struct sockaddr *)&ss, len) != 0)
		return fail(error, LAB_FAIL_BIND, "cannot bind %s port %u: %s", listen_on,
		            cfg->port, strerror(errno));
	if (listen(sv->fd, SOMAXCONN) != 0 || describe(sv) != 0)
		return fail(error, LAB_FAIL_SYSTEM, "cannot listen on %s: %s", listen_on,
		            strerror(errno));
	return 0;
}

/* O_APPEND and one write(2) per line keep the lines of concurrent sessions whole. */
static int open_log(struct lab_server *sv, const char *path, struct lab_error *error)
{
	if (path == NULL)
		return 0;
	sv->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (sv->log_fd >= 0)
		return 0;
	return fail(error, LAB_FAIL_LOG, "cannot open the log %s: %s", path, strerror(errno));
}

/* The limits, with the defaults for the fields left 0; the pool of slots. */
static int open_pool(struct lab_server *sv, const struct lab_config *cfg, struct lab_error *error)
{
	unsigned n = cfg->max_clients != 0 ? cfg->max_clients : LAB_CLIENTS_DEFAULT;
	unsigned idle = cfg->idle_timeout != 0 ? cfg->idle_timeout : LAB_IDLE_DEFAULT;
	unsigned whole = cfg->session_timeout != 0 ? cfg->session_timeout : LAB_SESSION_DEFAULT;

	sv->idle_ms = 1000LL * (idle < LAB_TIMEOUT_MAX ? idle : LAB_TIMEOUT_MAX);
	sv->session_ms = 1000LL * (whole < LAB_TIMEOUT_MAX ? whole : LAB_TIMEOUT_MAX);
	sv->pool = lab_pool_new(n < LAB_CLIENTS_MAX ? n : LAB_CLIENTS_MAX);
	if (sv->pool != NULL)
		return 0;
	return fail(error, LAB_FAIL_SYSTEM, "out of memory");
}

/* The TLS context, made only when the scenario starts TLS somewhere. */
static int open_tls(struct lab_server *sv, const struct lab_config *cfg, struct lab_error *error)
{
	const char *key = cfg->key_file != NULL ? cfg->key_file : cfg->cert_file;
	char why[256];
	const struct lab_scenario *sc = sv->scenario;
	struct tls_bytes odd = {(const unsigned char *)sc->pool + sc->cert_name_off,
	                        sc->cert_name_len};

	if (!lab_scenario_uses_tls(sc))
		return 0;
	sv->tls = tls_server_ctx_new_odd(cfg->cert_file, cfg->cert_file != NULL ? key : NULL,
	                                 cfg->hostname != NULL ? cfg->hostname : "localhost",
	                                 sc->cert_name_set ? &odd : NULL, why, sizeof why);
	if (sv->tls != NULL &&
	    (cfg->tls_max == NULL ||
	     tls_server_ctx_set_max_version(sv->tls, cfg->tls_max, why, sizeof why) == 0))
		return 0;
	/* A certificate of the user's that cannot be loaded is theirs to fix. */
	return fail(error,
	            sv->tls == NULL && cfg->cert_file != NULL ? LAB_FAIL_CERT : LAB_FAIL_SYSTEM,
	            "cannot set up TLS: %s", why);
}

struct lab_server *lab_server_start(const struct lab_scenario *scenario,
                                    const struct lab_config *config, struct lab_error *error)
{
	struct lab_server *sv = calloc(1, sizeof *sv);

	error->fail = LAB_FAIL_NONE;
	error->text[0] = '\0';
	if (sv == NULL) {
		fail(error, LAB_FAIL_SYSTEM, "out of memory");
		return NULL;
	}
	sv->scenario = scenario;
	sv->once = config->once;
	sv->fd = -1;
	sv->log_fd = -1;
	atomic_init(&sv->halt, false);
	if (open_pool(sv, config, error) != 0 || open_tls(sv, config, error) != 0 ||
	    open_log(sv, config->log_file, error) != 0 || open_listener(sv, config, error) != 0) {
		lab_server_free(sv);
		return NULL;
	}
	return sv;
}

const char *lab_server_address(const struct lab_server *server)
{
	return server->bound.text;
}

unsigned lab_server_port(const struct lab_server *server)
{
	return net_addr_port(&server->bound);
}

/* True when accept failed for a reason that passes. */
static bool accept_transient(int error)
{
	struct timespec pause = {0, LAB_TICK_MS * 1000000L};

	if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
		nanosleep(&pause, NULL);
		return true;
	}
	return error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED ||
	       error == EPROTO || error == EPERM;
}

/*
 * Closes a connection beyond max_clients: the 421 is sent without waiting,
 * and what the client sent already is read first, so that the close is a
 * FIN and not a reset that could drop the 421.
 */
static void refuse(int fd)
{
	char junk[512];

	if (send(fd, lab_full_reply, sizeof lab_full_reply - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		fprintf(stderr,
		        "smtpscope lab: cannot send the 421 to a client beyond the limit\n");
	shutdown(fd, SHUT_WR);
	while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) > 0)
		continue;
	close(fd);
}

/* Waits up to a tick for a connection; 0 with *fd -1 when none came, -1 fatal. */
static int accept_one(struct lab_server *server, const volatile sig_atomic_t *stop, int *fd)
{
	int k = net_wait_stop(server->fd, false, LAB_TICK_MS, stop);

	*fd = -1;
	if (k < 0 && errno != EINTR)
		return -1;
	if (k <= 0)
		return 0;
	*fd = accept4(server->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (*fd >= 0 || accept_transient(errno))
		return 0;
	return -1;
}

/* Plays the connection in the caller's thread (once) or in a thread of its own. */
static void dispatch(struct lab_server *server, const volatile sig_atomic_t *stop, int fd)
{
	struct lab_session session = {
	    .scenario = server->scenario,
	    .tls_ctx = server->tls,
	    .log_fd = server->log_fd,
	    .stop = stop,
	    .halt = &server->halt,
	    .fd = fd,
	    .idle_ms = server->idle_ms,
	    .deadline = net_now_ms() + server->session_ms,
	    .session_ms = server->session_ms,
	};

	if (server->once)
		lab_session_serve(&session);
	else if (!lab_pool_start(server->pool, &session))
		refuse(fd);
}

int lab_server_run(struct lab_server *server, const volatile sig_atomic_t *stop)
{
	int rc = 0, fd, saved;

	atomic_store(&server->halt, false);
	while (!*stop && rc == 0) {
		lab_pool_reap(server->pool);
		rc = accept_one(server, stop, &fd);
		if (fd < 0)
			continue;
		dispatch(server, stop, fd);
		if (server->once)
			break;
	}
	saved = errno; /* for the caller's message when rc is -1 */
	atomic_store(&server->halt, true);
	lab_pool_join(server->pool);
	errno = saved;
	return rc;
}

void lab_server_free(struct lab_server *server)
{
	if (server == NULL)
		return;
	if (server->fd >= 0)
		close(server->fd);
	if (server->log_fd >= 0)
		close(server->log_fd);
	lab_pool_free(server->pool);
	tls_server_ctx_free(server->tls);
	free(server);
}
