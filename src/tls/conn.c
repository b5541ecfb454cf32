/*
 * conn.c: one TLS connection on a non-blocking socket, client or server.
 * Every call returns what it waits for; the caller's event loop polls.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/*
 * OpenSSL writes with write(2), and a write to a socket the peer has reset
 * raises SIGPIPE. The signal is blocked in this thread around each call and
 * a SIGPIPE that the call raised is taken back, so that the process's own
 * handling of signals stays as it was.
 */
struct sigpipe_guard {
	sigset_t old;
	bool pending; /* SIGPIPE was pending before the call */
};

static void sigpipe_block(struct sigpipe_guard *guard)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	guard->pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	if (pthread_sigmask(SIG_BLOCK, &set, &guard->old) != 0)
		abort();
}

static void sigpipe_unblock(const struct sigpipe_guard *guard)
{
	const struct timespec zero = {0, 0};
	sigset_t set, pending;
	int saved = errno;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	if (!guard->pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			continue;
	}
	if (pthread_sigmask(SIG_SETMASK, &guard->old, NULL) != 0)
		abort();
	errno = saved;
}

static struct tls_conn *conn_new(SSL_CTX *ctx, int fd, bool server, char *err, size_t errlen)
{
	struct tls_conn *conn;

	if (fd < 0) {
		tls_put_error(err, errlen, "cannot start TLS: no socket");
		return NULL;
	}
	conn = calloc(1, sizeof *conn);
	if (conn == NULL) {
		tls_put_error(err, errlen, "cannot start TLS: out of memory");
		return NULL;
	}
	conn->server = server;
	conn->ssl = SSL_new(ctx);
	if (conn->ssl == NULL || SSL_set_fd(conn->ssl, fd) != 1) {
		tls_queue_error(err, errlen, "cannot start TLS");
		tls_free(conn);
		return NULL;
	}
	SSL_set_app_data(conn->ssl, conn);
	SSL_set_info_callback(conn->ssl, tls_info_cb);
	return conn;
}

/*
 * --tls-legacy: security level 0, and TLS 1.0 and 1.1 allowed, which
 * OpenSSL's default level (and many systems' configuration) refuses.
 */
static int allow_legacy(SSL_CTX *ctx, char *err, size_t errlen)
{
	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1) {
		tls_queue_error(err, errlen, "cannot allow TLS 1.0 and 1.1");
		return -1;
	}
	return 0;
}

/* A context of its own for one client connection. */
static SSL_CTX *client_ctx(const char *ca_file, bool legacy, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_queue_error(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	if (legacy && allow_legacy(ctx, err, errlen) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* The handshake goes on whatever the chain; tls_get_facts judges it. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ca_file != NULL && *ca_file != '\0') {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			tls_queue_error(err, errlen, "CA file '%s'", ca_file);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		tls_queue_error(err, errlen, "cannot load the system trust store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Sets the server name sent and the host name the certificate must carry. */
static int client_names(struct tls_conn *conn, const struct tls_client_config *cfg, char *err,
                        size_t errlen)
{
	const char *sni = cfg->sni, *host = cfg->verify_host;
	size_t len;
	int ok;

	if (sni != NULL && *sni != '\0' && !tls_is_ip(sni) &&
	    SSL_set_tlsext_host_name(conn->ssl, sni) != 1) {
		tls_queue_error(err, errlen, "cannot send the server name '%s'", sni);
		return -1;
	}
	if (host == NULL || *host == '\0')
		return 0;
	len = strlen(host);
	if (len >= sizeof conn->verify_host) {
		tls_put_error(err, errlen, "the host name to check is too long (%zu bytes)", len);
		return -1;
	}
	memcpy(conn->verify_host, host, len + 1);
	conn->verify_ip = tls_is_ip(host);
	SSL_set_hostflags(conn->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (conn->verify_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(conn->ssl), host);
	else
		ok = SSL_set1_host(conn->ssl, host);
	if (ok != 1) {
		tls_queue_error(err, errlen, "cannot check the host name '%s'", host);
		return -1;
	}
	return 0;
}

struct tls_conn *tls_client_new(const struct tls_client_config *cfg, int fd, char *err,
                                size_t errlen)
{
	static const struct tls_client_config none = {NULL, NULL, NULL, false};
	struct tls_conn *conn;
	SSL_CTX *ctx;

	if (cfg == NULL)
		cfg = &none;
	ctx = client_ctx(cfg->ca_file, cfg->legacy, err, errlen);
	if (ctx == NULL)
		return NULL;
	conn = conn_new(ctx, fd, false, err, errlen);
	SSL_CTX_free(ctx); /* the connection holds its own reference */
	if (conn == NULL)
		return NULL;
	if (client_names(conn, cfg, err, errlen) < 0) {
		tls_free(conn);
		return NULL;
	}
	conn->legacy = cfg->legacy;
	SSL_set_msg_callback(conn->ssl, tls_msg_cb);
	SSL_set_connect_state(conn->ssl);
	return conn;
}

struct tls_conn *tls_server_new(struct tls_server_ctx *ctx, int fd, char *err, size_t errlen)
{
	struct tls_conn *conn;

	if (ctx == NULL)
		abort();
	conn = conn_new(ctx->ssl_ctx, fd, true, err, errlen);
	if (conn != NULL)
		SSL_set_accept_state(conn->ssl);
	return conn;
}

void tls_free(struct tls_conn *conn)
{
	if (conn == NULL)
		return;
	SSL_free(conn->ssl); /* the socket stays open: it is the caller's */
	free(conn);
}

enum tls_io tls_handshake(struct tls_conn *conn)
{
	struct sigpipe_guard guard;
	int ret, saved;

	if (conn->established)
		return TLS_IO_DONE;
	if (conn->fatal)
		return conn->fatal_io;
	ERR_clear_error();
	sigpipe_block(&guard);
	errno = 0;
	ret = SSL_do_handshake(conn->ssl);
	saved = errno;
	sigpipe_unblock(&guard);
	if (ret == 1) {
		conn->established = true;
		return TLS_IO_DONE;
	}
	return tls_conn_fail(conn, "handshake", ret, saved);
}

/*
 * One SSL_read_ex (into rbuf) or SSL_write_ex (from wbuf), with SIGPIPE
 * held back and errno kept for the error text.
 */
static enum tls_io transfer(struct tls_conn *conn, void *rbuf, const void *wbuf, size_t len,
                            size_t *moved)
{
	struct sigpipe_guard guard;
	int ret, saved;

	*moved = 0;
	if (conn->fatal)
		return conn->fatal_io;
	if (len == 0)
		return TLS_IO_DONE;
	ERR_clear_error();
	sigpipe_block(&guard);
	errno = 0;
	ret = wbuf != NULL ? SSL_write_ex(conn->ssl, wbuf, len, moved)
	                   : SSL_read_ex(conn->ssl, rbuf, len, moved);
	saved = errno;
	sigpipe_unblock(&guard);
	if (ret == 1) {
		/* SSL_read and SSL_write may have done the handshake. */
		if (SSL_is_init_finished(conn->ssl))
			conn->established = true;
		return TLS_IO_DONE;
	}
	*moved = 0;
	return tls_conn_fail(conn, wbuf != NULL ? "write" : "read", ret, saved);
}

enum tls_io tls_read(struct tls_conn *conn, void *buf, size_t len, size_t *got)
{
	return transfer(conn, buf, NULL, len, got);
}

enum tls_io tls_write(struct tls_conn *conn, const void *buf, size_t len, size_t *done)
{
	return transfer(conn, NULL, buf, len, done);
}

void tls_shutdown(struct tls_conn *conn)
{
	struct sigpipe_guard guard;

	/* After a fatal error OpenSSL forbids SSL_shutdown. */
	if (conn == NULL || conn->fatal || !conn->established)
		return;
	sigpipe_block(&guard);
	(void)SSL_shutdown(conn->ssl);
	sigpipe_unblock(&guard);
	ERR_clear_error();
}

const char *tls_error(const struct tls_conn *conn)
{
	return conn != NULL ? conn->err : "";
}
