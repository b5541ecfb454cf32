/*
 * tls.h: OpenSSL for smtpscope: the client side of STARTTLS and implicit TLS
 * with honest verification and certificate facts, and the server side the
 * lab server uses. Every call works on a non-blocking socket: it returns
 * what it waits for, and the caller's event loop polls.
 */
#ifndef SMTPSCOPE_TLS_H
#define SMTPSCOPE_TLS_H

#include <stdbool.h>
#include <stddef.h>

#define TLS_CHAIN_MAX 8 /* certificates of the peer chain described */

/* Facts about one certificate. Texts come from the peer: escape them to show. */
struct tls_cert_facts {
	char subject[256]; /* RFC 2253 form */
	char issuer[256];
	char sans[512];      /* "DNS:a.example, IP:192.0.2.1", clipped */
	char not_before[32]; /* "2026-11-22T07:00:00Z" */
	char not_after[32];
	char key_type[16]; /* "RSA", "EC", "ED25519", ... */
	int key_bits;
	char sig_alg[64]; /* "sha256WithRSAEncryption", ... */
	char sha256[96];  /* "AB:CD:..." of the DER encoding */
};

/* What a finished (or failed) handshake established. */
struct tls_facts {
	bool established;
	char version[16];       /* "TLSv1.3" */
	char cipher[64];        /* "TLS_AES_256_GCM_SHA384" */
	char group[32];         /* key exchange group, "X25519"; "" when unknown */
	bool verified;          /* chain and host name both verified */
	char verify_error[160]; /* why not, in words; "" when verified */
	size_t nchain;          /* certificates described in chain, at most TLS_CHAIN_MAX */
	size_t chain_total;     /* certificates the peer sent, described or not */
	struct tls_cert_facts chain[TLS_CHAIN_MAX];
};

struct tls_client_config {
	const char *sni;         /* server name sent; NULL or "" sends none */
	const char *verify_host; /* name the certificate must carry; NULL: no name check */
	const char *ca_file;     /* PEM bundle; NULL: the system store */
	/* --tls-legacy: security level 0, TLS 1.0 and 1.1 allowed (and their SHA-1 signatures). */
	bool legacy;
};

enum tls_io {
	TLS_IO_DONE,       /* finished, or bytes moved */
	TLS_IO_WANT_READ,  /* poll for reading, then call again */
	TLS_IO_WANT_WRITE, /* poll for writing, then call again */
	TLS_IO_CLOSED,     /* the peer closed the TLS session or the socket */
	TLS_IO_ERROR,      /* failed: tls_error() says why */
};

struct tls_conn;
struct tls_server_ctx;

/* A client connection on a connected socket; NULL with err filled on failure. */
struct tls_conn *tls_client_new(const struct tls_client_config *cfg, int fd, char *err,
                                size_t errlen);
/* A server connection on an accepted socket. */
struct tls_conn *tls_server_new(struct tls_server_ctx *ctx, int fd, char *err, size_t errlen);
void tls_free(struct tls_conn *conn);

enum tls_io tls_handshake(struct tls_conn *conn);
/* Reads up to len bytes; *got is set when TLS_IO_DONE. */
enum tls_io tls_read(struct tls_conn *conn, void *buf, size_t len, size_t *got);
/* Writes up to len bytes; *done is set when TLS_IO_DONE. */
enum tls_io tls_write(struct tls_conn *conn, const void *buf, size_t len, size_t *done);
/* Sends close_notify, best effort. */
void tls_shutdown(struct tls_conn *conn);

/* Fills facts after the handshake (or its failure). */
void tls_get_facts(const struct tls_conn *conn, struct tls_facts *facts);
/* The last failure in words: alert, verify error, system error. */
const char *tls_error(const struct tls_conn *conn);

/*
 * A server context: from PEM files, or with a key and a self-signed
 * certificate for hostname made in memory when cert_file is NULL.
 */
struct tls_server_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file,
                                          const char *hostname, char *err, size_t errlen);
/* Bytes that may hold anything, NUL included. */
struct tls_bytes {
	const unsigned char *bytes;
	size_t len;
};
/*
 * Like tls_server_ctx_new; with odd not NULL and no cert_file, the generated
 * certificate's subject and issuer are CN=odd, O=odd and its subjectAltName
 * holds DNS:odd too, the bytes unchecked: the lab's hostile certificates.
 */
struct tls_server_ctx *tls_server_ctx_new_odd(const char *cert_file, const char *key_file,
                                              const char *hostname, const struct tls_bytes *odd,
                                              char *err, size_t errlen);
void tls_server_ctx_free(struct tls_server_ctx *ctx);
/*
 * Caps the versions the server offers at version ("1.0", "1.1", "1.2" or
 * "1.3"); below 1.2 it also lowers the security level to 0, without which
 * OpenSSL refuses TLS 1.0 and 1.1 (the lab's legacy servers). 0, or -1
 * with err filled.
 */
int tls_server_ctx_set_max_version(struct tls_server_ctx *ctx, const char *version, char *err,
                                   size_t errlen);
/*
 * The server's certificate in PEM, terminated, into buf: returns its length,
 * or -1 when it does not fit in len bytes. A generated certificate is its own
 * CA, so this text serves a client as its CA file.
 */
int tls_server_ctx_cert_pem(const struct tls_server_ctx *ctx, char *buf, size_t len);

/*
 * HMAC-MD5 (RFC 2104) of msg under key into out, for SASL CRAM-MD5
 * (RFC 2195) on both sides; 0, or -1 when OpenSSL refuses.
 */
int tls_hmac_md5(const void *key, size_t keylen, const void *msg, size_t msglen,
                 unsigned char out[16]);

#endif
