/*
 * tls_int.h: what the files of src/tls share, not part of its API.
 */
#ifndef SMTPSCOPE_TLS_INT_H
#define SMTPSCOPE_TLS_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "tls/tls.h"

#define TLS_ERR_MAX  320 /* bytes of the last failure in words */
#define TLS_HOST_MAX 256 /* a DNS name fits, with its terminator */

struct tls_conn {
	SSL *ssl;
	bool server;                    /* the accepting side */
	bool established;               /* the handshake finished */
	bool fatal;                     /* a fatal error ended the session: no close_notify */
	enum tls_io fatal_io;           /* what every later call returns then */
	bool verify_ip;                 /* verify_host is an IP address literal */
	char verify_host[TLS_HOST_MAX]; /* "" when no name is checked */
	int alert_read;    /* last alert received (level << 8 | description), 0: none */
	int alert_sent;    /* last alert sent, in the same form */
	bool legacy;       /* a client with --tls-legacy: security level 0, TLS 1.0 allowed */
	int hello_version; /* the version field of the ServerHello received, 0: none yet */
	char err[TLS_ERR_MAX];
};

struct tls_server_ctx {
	SSL_CTX *ssl_ctx;
};

/* A bounded text: additions are clipped, the text stays terminated. */
struct tls_text {
	char *buf;
	size_t cap;
	size_t len;
	bool clipped;
};

void tls_text_init(struct tls_text *t, char *buf, size_t cap);
void tls_text_add(struct tls_text *t, const char *s);
void tls_text_addn(struct tls_text *t, const char *p, size_t n);
void tls_text_addf(struct tls_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tls_text_vaddf(struct tls_text *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Adds peer bytes: NUL bytes, which would end the text, become "\x00". */
void tls_text_bytes(struct tls_text *t, const unsigned char *p, size_t n);
/* Adds "; " unless nothing follows start yet. */
void tls_text_sep(struct tls_text *t, size_t start);
/* Ends a clipped text with "..." so that it does not pass for whole. */
void tls_text_finish(struct tls_text *t);

/* True when s is an IPv4 or IPv6 address literal. */
bool tls_is_ip(const char *s);

/*
 * Writes "what: why" into err: what from fmt, why from the first error of
 * OpenSSL's queue, which is then emptied.
 */
void tls_queue_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes a message without OpenSSL's queue into err, when err is given. */
void tls_put_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * The outcome of a failed SSL call ret of operation op ("handshake"):
 * WANT_* as they are, or CLOSED/ERROR with conn->err in words.
 * saved_errno is errno right after the call.
 */
enum tls_io tls_conn_fail(struct tls_conn *conn, const char *op, int ret, int saved_errno);
/* The info callback that remembers alerts for tls_conn_fail. */
void tls_info_cb(const SSL *ssl, int where, int ret);
/* The message callback of a client: remembers the ServerHello's version for tls_conn_fail. */
void tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                void *arg);

/* Fills the facts of one certificate. */
void tls_cert_facts(X509 *cert, struct tls_cert_facts *facts);

#endif
