/*
 * error.c: failures in words. OpenSSL's error queue, the alerts seen by the
 * info callback, the verify result and errno become one sentence such as
 * "handshake failed: the server sent alert 'handshake failure'".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "tls_int.h"

void tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_conn *conn = SSL_get_app_data(ssl);

	if (conn == NULL || !(where & SSL_CB_ALERT))
		return;
	/* A close_notify ends a session; it does not explain a failure. */
	if ((ret & 0xff) == SSL_AD_CLOSE_NOTIFY)
		return;
	if (where & SSL_CB_READ)
		conn->alert_read = ret;
	else
		conn->alert_sent = ret;
}

void tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                void *arg)
{
	struct tls_conn *conn = SSL_get_app_data(ssl);
	const unsigned char *msg = buf;

	(void)version;
	(void)arg;
	/* type (1), length (3), legacy_version (2): RFC 8446 section 4.1.3, RFC 2246 7.4.1.3. */
	if (conn == NULL || write_p || content_type != SSL3_RT_HANDSHAKE || len < 6 ||
	    msg[0] != SSL3_MT_SERVER_HELLO || conn->hello_version != 0)
		return;
	conn->hello_version = msg[4] << 8 | msg[5];
}

/* True when code is one of libssl's reasons in list, of n. */
static bool ssl_reason_in(unsigned long code, const int *list, size_t n)
{
	size_t i;

	if (ERR_GET_LIB(code) != ERR_LIB_SSL)
		return false;
	for (i = 0; i < n; i++)
		if (ERR_GET_REASON(code) == list[i])
			return true;
	return false;
}

/* Reasons that mean OpenSSL's security level or version limits said no. */
static const int policy_reasons[] = {
    SSL_R_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED,
    SSL_R_UNSUPPORTED_PROTOCOL,
    SSL_R_VERSION_TOO_LOW,
    SSL_R_NO_PROTOCOLS_AVAILABLE,
    SSL_R_WRONG_CIPHER_RETURNED,
    SSL_R_WRONG_SIGNATURE_TYPE,
    SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM,
    SSL_R_DH_KEY_TOO_SMALL,
    SSL_R_EE_KEY_TOO_SMALL,
    SSL_R_CA_KEY_TOO_SMALL,
    SSL_R_CA_MD_TOO_WEAK,
};

/* Reasons that mean the peer's bytes are not TLS records at all. */
static const int not_tls_reasons[] = {
    SSL_R_WRONG_VERSION_NUMBER, SSL_R_UNKNOWN_PROTOCOL,       SSL_R_HTTP_REQUEST,
    SSL_R_HTTPS_PROXY_REQUEST,  SSL_R_PACKET_LENGTH_TOO_LONG,
};

/* True for a failure that OpenSSL's policy caused. */
static bool refused_by_policy(unsigned long code)
{
	return ssl_reason_in(code, policy_reasons,
	                     sizeof policy_reasons / sizeof policy_reasons[0]);
}

/* True for a failure to read the peer's bytes as TLS. */
static bool not_tls(unsigned long code)
{
	return ssl_reason_in(code, not_tls_reasons,
	                     sizeof not_tls_reasons / sizeof not_tls_reasons[0]);
}

/*
 * Without --tls-legacy, a server that chose TLS 1.0 or 1.1 (its ServerHello
 * says so) and a failure that OpenSSL's policy caused, or a server that
 * refused every version offered, get one sentence that says what to do.
 * True when it was written.
 */
static bool add_legacy(struct tls_conn *conn, struct tls_text *t)
{
	unsigned long code = ERR_peek_error();
	int v = conn->hello_version;

	if (conn->server || conn->legacy)
		return false;
	if ((v == TLS1_VERSION || v == TLS1_1_VERSION) && refused_by_policy(code)) {
		tls_text_addf(t,
		              "the server offers only TLS %s, which OpenSSL's security level "
		              "refuses; --tls-legacy allows it",
		              v == TLS1_VERSION ? "1.0" : "1.1");
		return true;
	}
	if (v == 0 && (conn->alert_read & 0xff) == SSL_AD_PROTOCOL_VERSION) {
		tls_text_add(t, "the server sent alert 'protocol version': it takes none of the "
		                "versions offered, and may offer only TLS 1.0 or 1.1, which "
		                "OpenSSL's security level refuses; --tls-legacy allows them");
		return true;
	}
	return false;
}

/* The words of one alert value. */
static void add_alert(struct tls_text *t, const char *who, int alert)
{
	const char *desc = SSL_alert_desc_string_long(alert);

	if (desc == NULL || strcmp(desc, "unknown") == 0)
		tls_text_addf(t, "%s sent alert %d", who, alert & 0xff);
	else
		tls_text_addf(t, "%s sent alert '%s'", who, desc);
}

/* The reason of one queued error, in OpenSSL's words. */
static void add_reason(struct tls_text *t, unsigned long code, const char *data, int flags)
{
	const char *reason = ERR_reason_error_string(code);
	char text[256];

	if (ERR_SYSTEM_ERROR(code)) {
		/* errno; the data only repeats the call and its file name. */
		if (strerror_r(ERR_GET_REASON(code), text, sizeof text) != 0)
			snprintf(text, sizeof text, "system error %d", ERR_GET_REASON(code));
		tls_text_add(t, text);
		return;
	}
	if (reason != NULL) {
		tls_text_add(t, reason);
	} else {
		ERR_error_string_n(code, text, sizeof text);
		tls_text_add(t, text);
	}
	if (data != NULL && *data != '\0' && (flags & ERR_TXT_STRING))
		tls_text_addf(t, " (%s)", data);
}

void tls_queue_error(char *err, size_t errlen, const char *fmt, ...)
{
	struct tls_text t;
	const char *data = NULL;
	unsigned long code;
	int flags = 0;
	va_list ap;

	if (err == NULL || errlen == 0) {
		ERR_clear_error();
		return;
	}
	tls_text_init(&t, err, errlen);
	va_start(ap, fmt);
	tls_text_vaddf(&t, fmt, ap);
	va_end(ap);
	tls_text_add(&t, ": ");
	code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
	if (code == 0)
		tls_text_add(&t, "OpenSSL gave no reason");
	else
		add_reason(&t, code, data, flags);
	ERR_clear_error();
	tls_text_finish(&t);
}

/* Who the peer is, for sentences. */
static const char *peer_name(const struct tls_conn *conn)
{
	return conn->server ? "the client" : "the server";
}

/* True while nothing of the peer's TLS has been read yet. */
static bool first_flight(const struct tls_conn *conn)
{
	OSSL_HANDSHAKE_STATE state = SSL_get_state(conn->ssl);

	return conn->server ? state == TLS_ST_BEFORE : state == TLS_ST_CW_CLNT_HELLO;
}

/* Adds the first queued error of a failed call and empties the queue. */
static void add_queue(struct tls_conn *conn, struct tls_text *t, size_t start)
{
	const char *data = NULL;
	unsigned long code;
	int flags = 0;

	code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
	if (code == 0)
		return;
	/* "sslv3 alert ..." repeats the alert that was already named. */
	if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET &&
	    conn->alert_read != 0) {
		ERR_clear_error();
		return;
	}
	tls_text_sep(t, start);
	if (not_tls(code) && first_flight(conn)) {
		tls_text_add(t, conn->server ? "the client's first bytes are not TLS ("
		                             : "the server's reply is not TLS (");
		add_reason(t, code, NULL, 0);
		tls_text_add(t, ")");
	} else {
		add_reason(t, code, data, flags);
	}
	if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
	    ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED)
		tls_text_addf(t, " (%s)",
		              X509_verify_cert_error_string(SSL_get_verify_result(conn->ssl)));
	ERR_clear_error();
}

/* Puts the reasons of a failure of op into conn->err. */
static void describe(struct tls_conn *conn, const char *op, int sys_errno)
{
	struct tls_text t;
	char sys[128];
	size_t start;

	tls_text_init(&t, conn->err, sizeof conn->err);
	tls_text_addf(&t, "%s failed: ", op);
	start = t.len;
	if (add_legacy(conn, &t)) {
		ERR_clear_error();
		sys_errno = 0;
		conn->alert_read = conn->alert_sent = 0;
	}
	if (conn->alert_read != 0)
		add_alert(&t, peer_name(conn), conn->alert_read);
	add_queue(conn, &t, start);
	if (sys_errno == ECONNRESET) {
		tls_text_sep(&t, start);
		tls_text_addf(&t, "%s reset the connection (TCP RST)", peer_name(conn));
	} else if (sys_errno != 0) {
		tls_text_sep(&t, start);
		if (strerror_r(sys_errno, sys, sizeof sys) != 0)
			snprintf(sys, sizeof sys, "system error %d", sys_errno);
		tls_text_add(&t, sys);
	}
	if (conn->alert_sent != 0) {
		tls_text_sep(&t, start);
		add_alert(&t, "we", conn->alert_sent);
	}
	if (t.len == start)
		tls_text_add(&t, "OpenSSL gave no reason");
	conn->alert_read = 0;
	conn->alert_sent = 0;
	tls_text_finish(&t);
}

/* Says that the peer ended the session or the connection. */
static void describe_close(struct tls_conn *conn, const char *op, const char *what)
{
	struct tls_text t;

	tls_text_init(&t, conn->err, sizeof conn->err);
	tls_text_addf(&t, "%s %s: %s %s", op, conn->established ? "ended" : "failed",
	              peer_name(conn), what);
	tls_text_finish(&t);
	ERR_clear_error();
}

/* True when a fatal failure is only the peer closing the socket. */
static bool is_eof(int ssl_error, int saved_errno)
{
	unsigned long code = ERR_peek_error();

	if (ssl_error == SSL_ERROR_SYSCALL)
		return code == 0 && saved_errno == 0;
	return ERR_GET_LIB(code) == ERR_LIB_SSL &&
	       ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* Marks the session dead: later calls return io again. */
static enum tls_io end(struct tls_conn *conn, enum tls_io io)
{
	conn->fatal = true;
	conn->fatal_io = io;
	return io;
}

enum tls_io tls_conn_fail(struct tls_conn *conn, const char *op, int ret, int saved_errno)
{
	int ssl_error = SSL_get_error(conn->ssl, ret);

	switch (ssl_error) {
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		describe_close(conn, op, "closed the TLS session (close_notify)");
		return TLS_IO_CLOSED;
	case SSL_ERROR_SYSCALL:
	case SSL_ERROR_SSL:
		if (is_eof(ssl_error, saved_errno)) {
			describe_close(conn, op, "closed the connection without close_notify");
			return end(conn, TLS_IO_CLOSED);
		}
		describe(conn, op, ssl_error == SSL_ERROR_SYSCALL ? saved_errno : 0);
		return end(conn, TLS_IO_ERROR);
	default:
		/* WANT_X509_LOOKUP, WANT_ASYNC...: nothing here asks for them. */
		describe(conn, op, 0);
		return end(conn, TLS_IO_ERROR);
	}
}
