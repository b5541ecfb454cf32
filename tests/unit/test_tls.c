/*
 * test_tls.c: src/tls in real handshakes over loopback TCP (127.0.0.1 only).
 * A generated lab certificate is the server's and, written to a temporary
 * file, the client's CA file; client and server sockets are non-blocking and
 * one loop drives both sides with poll.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls/tls.h"
#include "tls_int.h"

#define DEADLINE_MS 5000
#define PEM_MAX     8192

/* One TCP connection over loopback: both ends non-blocking. */
struct pair {
	int cfd; /* client end */
	int sfd; /* accepted end */
};

/* A server context for "mx.test" and its certificate in a CA file. */
struct lab {
	struct tls_server_ctx *ctx;
	char ca_file[64];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	assert_true(flags >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
}

/* Listens on 127.0.0.1:0, connects without blocking, accepts. */
static void pair_open(struct pair *p)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct pollfd pfd;
	int lfd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	p->cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->cfd >= 0);
	nonblocking(p->cfd);
	if (connect(p->cfd, (struct sockaddr *)&sin, sizeof sin) != 0)
		assert_int_equal(errno, EINPROGRESS);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, DEADLINE_MS), 1);
	p->sfd = accept(lfd, NULL, NULL);
	assert_true(p->sfd >= 0);
	nonblocking(p->sfd);
	close(lfd);
	pfd.fd = p->cfd;
	pfd.events = POLLOUT;
	assert_int_equal(poll(&pfd, 1, DEADLINE_MS), 1);
}

static void pair_close(struct pair *p)
{
	if (p->cfd >= 0)
		close(p->cfd);
	if (p->sfd >= 0)
		close(p->sfd);
}

static bool waiting(enum tls_io io)
{
	return io == TLS_IO_WANT_READ || io == TLS_IO_WANT_WRITE;
}

static short events(enum tls_io io)
{
	return io == TLS_IO_WANT_WRITE ? POLLOUT : POLLIN;
}

/*
 * Drives the client handshake, and the server's when server is not NULL,
 * until both are done or one fails, for at most DEADLINE_MS.
 */
static void drive(struct tls_conn *client, int cfd, struct tls_conn *server, int sfd,
                  enum tls_io *cres, enum tls_io *sres)
{
	long long end = now_ms() + DEADLINE_MS;
	struct pollfd pfd[2];
	nfds_t n;

	*cres = TLS_IO_WANT_READ;
	*sres = server != NULL ? TLS_IO_WANT_READ : TLS_IO_DONE;
	for (;;) {
		if (waiting(*cres))
			*cres = tls_handshake(client);
		if (server != NULL && waiting(*sres))
			*sres = tls_handshake(server);
		if (!waiting(*cres) && !waiting(*sres))
			return;
		if ((!waiting(*cres) && *cres != TLS_IO_DONE) ||
		    (!waiting(*sres) && *sres != TLS_IO_DONE))
			return;
		assert_true(now_ms() < end);
		n = 0;
		if (waiting(*cres))
			pfd[n++] = (struct pollfd){.fd = cfd, .events = events(*cres)};
		if (waiting(*sres))
			pfd[n++] = (struct pollfd){.fd = sfd, .events = events(*sres)};
		assert_true(poll(pfd, n, 100) >= 0);
	}
}

static void lab_open(struct lab *lab)
{
	char err[256] = "";
	char pem[PEM_MAX];
	int len, fd;

	lab->ctx = tls_server_ctx_new(NULL, NULL, "mx.test", err, sizeof err);
	assert_non_null(lab->ctx);
	len = tls_server_ctx_cert_pem(lab->ctx, pem, sizeof pem);
	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(pem));
	assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
	snprintf(lab->ca_file, sizeof lab->ca_file, "/tmp/smtpscope-test-tls-XXXXXX");
	fd = mkstemp(lab->ca_file);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pem, (size_t)len), len);
	close(fd);
}

static void lab_close(struct lab *lab)
{
	unlink(lab->ca_file);
	tls_server_ctx_free(lab->ctx);
}

/* The two ends of a pair: a client and, but where NULL, a server. */
struct conns {
	struct pair p;
	struct tls_conn *client, *server;
};

/* A new pair with a client of cfg on it, and the lab's server unless lab is NULL. */
static void conns_open(struct conns *c, struct lab *lab, const struct tls_client_config *cfg)
{
	char err[256] = "";

	pair_open(&c->p);
	c->client = tls_client_new(cfg, c->p.cfd, err, sizeof err);
	assert_non_null(c->client);
	c->server = NULL;
	if (lab != NULL) {
		c->server = tls_server_new(lab->ctx, c->p.sfd, err, sizeof err);
		assert_non_null(c->server);
	}
}

/* conns_open with the lab's server, and both handshakes done. */
static void conns_established(struct conns *c, struct lab *lab, const struct tls_client_config *cfg)
{
	enum tls_io cres, sres;

	conns_open(c, lab, cfg);
	drive(c->client, c->p.cfd, c->server, c->p.sfd, &cres, &sres);
	assert_int_equal(cres, TLS_IO_DONE);
	assert_int_equal(sres, TLS_IO_DONE);
}

/* Frees both ends (those not freed yet: NULL) and closes the pair. */
static void conns_close(struct conns *c)
{
	tls_free(c->client);
	tls_free(c->server);
	pair_close(&c->p);
}

/* A handshake between a client with cfg and the lab server; facts of both. */
static void handshake(struct lab *lab, const struct tls_client_config *cfg,
                      struct tls_facts *cfacts, struct tls_facts *sfacts)
{
	struct conns c;

	conns_established(&c, lab, cfg);
	tls_get_facts(c.client, cfacts);
	tls_get_facts(c.server, sfacts);
	tls_shutdown(c.client);
	tls_shutdown(c.server);
	conns_close(&c);
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t i, j, n = strlen(needle);

	for (i = 0; hay[i] != '\0'; i++) {
		for (j = 0; j < n && hay[i + j] != '\0'; j++)
			if (tolower((unsigned char)hay[i + j]) != tolower((unsigned char)needle[j]))
				break;
		if (j == n)
			return true;
	}
	return false;
}

/* "AB:CD:..." with 32 pairs. */
static void assert_fingerprint(const char *s)
{
	size_t i;

	assert_int_equal(strlen(s), 95);
	for (i = 0; i < 95; i++) {
		if (i % 3 == 2)
			assert_int_equal(s[i], ':');
		else
			assert_true(strchr("0123456789ABCDEF", s[i]) != NULL);
	}
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static void assert_time(const char *s)
{
	assert_int_equal(strlen(s), 20);
	assert_int_equal(s[4], '-');
	assert_int_equal(s[10], 'T');
	assert_int_equal(s[19], 'Z');
}

static void test_verified(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", "mx.test", lab->ca_file, false};
	struct tls_facts f, s;
	const struct tls_cert_facts *leaf = &f.chain[0];

	handshake(lab, &cfg, &f, &s);
	assert_true(f.established);
	assert_string_equal(f.version, "TLSv1.3");
	assert_true(f.cipher[0] != '\0');
	assert_true(f.group[0] != '\0');
	assert_true(f.verified);
	assert_string_equal(f.verify_error, "");
	assert_true(f.nchain >= 1);
	assert_non_null(strstr(leaf->subject, "CN=mx.test"));
	assert_non_null(strstr(leaf->issuer, "CN=mx.test"));
	assert_non_null(strstr(leaf->sans, "DNS:mx.test"));
	assert_non_null(strstr(leaf->sans, "IP:127.0.0.1"));
	assert_non_null(strstr(leaf->sans, "IP:::1"));
	assert_string_equal(leaf->key_type, "EC");
	assert_int_equal(leaf->key_bits, 256);
	assert_true(contains_nocase(leaf->sig_alg, "sha256"));
	assert_fingerprint(leaf->sha256);
	assert_time(leaf->not_before);
	assert_time(leaf->not_after);
	assert_true(strcmp(leaf->not_before, leaf->not_after) < 0);
	/* The server saw no client certificate and claims nothing. */
	assert_true(s.established);
	assert_false(s.verified);
	assert_int_equal(s.nchain, 0);
	assert_string_equal(s.version, "TLSv1.3");
}

static void test_name_mismatch(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", "other.test", lab->ca_file, false};
	struct tls_facts f, s;

	handshake(lab, &cfg, &f, &s);
	assert_true(f.established);
	assert_false(f.verified);
	assert_non_null(strstr(f.verify_error, "hostname mismatch"));
	assert_non_null(strstr(f.verify_error, "other.test"));
}

static void test_system_store(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", "mx.test", NULL, false};
	struct tls_facts f, s;

	handshake(lab, &cfg, &f, &s);
	assert_true(f.established);
	assert_false(f.verified);
	assert_true(contains_nocase(f.verify_error, "self-signed") ||
	            contains_nocase(f.verify_error, "self signed"));
	/* The name matched, so only the chain is blamed. */
	assert_null(strstr(f.verify_error, "host name"));
}

static void test_system_store_wrong_name(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {NULL, "other.test", NULL, false};
	struct tls_facts f, s;

	handshake(lab, &cfg, &f, &s);
	assert_false(f.verified);
	assert_non_null(strstr(f.verify_error, "self-signed"));
	assert_non_null(strstr(f.verify_error, "does not match the host name other.test"));
}

static void test_no_host(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", NULL, lab->ca_file, false};
	struct tls_facts f, s;

	handshake(lab, &cfg, &f, &s);
	assert_true(f.established);
	assert_false(f.verified);
	assert_string_equal(f.verify_error, "no host name was given to check");
}

static void test_ip_host(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"127.0.0.1", "127.0.0.1", lab->ca_file, false};
	struct tls_facts f, s;

	handshake(lab, &cfg, &f, &s);
	assert_true(f.verified);
	cfg.verify_host = "192.0.2.1";
	handshake(lab, &cfg, &f, &s);
	assert_false(f.verified);
	assert_non_null(strstr(f.verify_error, "IP address mismatch"));
}

/* Moves len bytes from one side to the other, WANT_* handled. */
static void pump(struct tls_conn *from, int fromfd, struct tls_conn *to, int tofd,
                 const unsigned char *data, unsigned char *out, size_t len)
{
	long long end = now_ms() + DEADLINE_MS;
	enum tls_io wio = TLS_IO_DONE, rio;
	size_t sent = 0, got = 0, n;
	struct pollfd pfd[2];

	while (got < len) {
		if (sent < len) {
			wio = tls_write(from, data + sent, len - sent, &n);
			assert_true(wio == TLS_IO_DONE || waiting(wio));
			sent += wio == TLS_IO_DONE ? n : 0;
		}
		rio = tls_read(to, out + got, len - got, &n);
		assert_true(rio == TLS_IO_DONE || waiting(rio));
		got += rio == TLS_IO_DONE ? n : 0;
		assert_true(now_ms() < end);
		pfd[0] = (struct pollfd){.fd = fromfd, .events = events(wio)};
		pfd[1] = (struct pollfd){.fd = tofd, .events = events(rio)};
		if (rio != TLS_IO_DONE)
			assert_true(poll(pfd, 2, 100) >= 0);
	}
	assert_memory_equal(data, out, len);
}

static void test_data(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", "mx.test", lab->ca_file, false};
	static unsigned char data[40000], out[40000];
	enum tls_io cres;
	struct conns c;
	size_t i, n;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	conns_established(&c, lab, &cfg);
	pump(c.client, c.p.cfd, c.server, c.p.sfd, data, out, 5000);
	pump(c.server, c.p.sfd, c.client, c.p.cfd, data, out, sizeof data);
	/* A close_notify reaches the other side as CLOSED. */
	tls_shutdown(c.server);
	for (i = 0; i < 500; i++) {
		cres = tls_read(c.client, out, sizeof out, &n);
		if (!waiting(cres))
			break;
		poll(NULL, 0, 10);
	}
	assert_int_equal(cres, TLS_IO_CLOSED);
	assert_non_null(strstr(tls_error(c.client), "close_notify"));
	conns_close(&c);
}

static void test_not_tls(void **state)
{
	static const char banner[] = "220 hello\r\n";
	struct tls_client_config cfg = {"mx.test", "mx.test", NULL, false};
	enum tls_io cres, sres;
	struct tls_facts f;
	struct conns c;

	(void)state;
	conns_open(&c, NULL, &cfg);
	assert_int_equal(write(c.p.sfd, banner, sizeof banner - 1), sizeof banner - 1);
	shutdown(c.p.sfd, SHUT_WR);
	drive(c.client, c.p.cfd, NULL, c.p.sfd, &cres, &sres);
	assert_int_equal(cres, TLS_IO_ERROR);
	assert_non_null(strstr(tls_error(c.client), "handshake failed"));
	assert_non_null(strstr(tls_error(c.client), "not TLS"));
	assert_non_null(strstr(tls_error(c.client), "wrong version number"));
	/* Later calls repeat the failure and keep its words. */
	assert_int_equal(tls_handshake(c.client), TLS_IO_ERROR);
	assert_non_null(strstr(tls_error(c.client), "wrong version number"));
	tls_get_facts(c.client, &f);
	assert_false(f.established);
	assert_false(f.verified);
	assert_string_equal(f.version, "");
	assert_true(f.verify_error[0] != '\0');
	tls_shutdown(c.client);
	conns_close(&c);
}

static void test_peer_closes(void **state)
{
	struct tls_client_config cfg = {"mx.test", "mx.test", NULL, false};
	enum tls_io cres, sres;
	struct conns c;

	(void)state;
	conns_open(&c, NULL, &cfg);
	close(c.p.sfd);
	c.p.sfd = -1;
	drive(c.client, c.p.cfd, NULL, -1, &cres, &sres);
	assert_true(cres == TLS_IO_ERROR || cres == TLS_IO_CLOSED);
	assert_true(tls_error(c.client)[0] != '\0');
	tls_shutdown(c.client);
	conns_close(&c);
}

/* Writing to a socket the peer has reset fails without SIGPIPE. */
static void test_sigpipe(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", "mx.test", lab->ca_file, false};
	enum tls_io cres;
	struct conns c;
	size_t n;
	int i;

	conns_established(&c, lab, &cfg);
	tls_free(c.server);
	c.server = NULL;
	close(c.p.sfd);
	c.p.sfd = -1;
	for (i = 0; i < 500; i++) {
		cres = tls_write(c.client, "QUIT\r\n", 6, &n);
		if (cres != TLS_IO_DONE && !waiting(cres))
			break;
		poll(NULL, 0, 10);
	}
	assert_int_equal(cres, TLS_IO_ERROR);
	assert_non_null(strstr(tls_error(c.client), "write failed"));
	tls_shutdown(c.client);
	conns_close(&c);
}

static void test_alert(void **state)
{
	struct lab *lab = *state;
	struct tls_client_config cfg = {"mx.test", "mx.test", lab->ca_file, false};
	enum tls_io cres, sres;
	struct conns c;

	conns_open(&c, lab, &cfg);
	/* A cipher suite the client does not offer: the server must refuse. */
	assert_int_equal(SSL_set_min_proto_version(c.server->ssl, TLS1_3_VERSION), 1);
	assert_int_equal(SSL_set_ciphersuites(c.server->ssl, "TLS_AES_128_CCM_8_SHA256"), 1);
	drive(c.client, c.p.cfd, c.server, c.p.sfd, &cres, &sres);
	assert_int_equal(sres, TLS_IO_ERROR);
	if (cres != TLS_IO_ERROR)
		drive(c.client, c.p.cfd, NULL, c.p.sfd, &cres, &sres);
	assert_int_equal(cres, TLS_IO_ERROR);
	assert_non_null(strstr(tls_error(c.client), "the server sent alert 'handshake failure'"));
	assert_non_null(strstr(tls_error(c.server), "we sent alert 'handshake failure'"));
	conns_close(&c);
}

static void test_missing_files(void **state)
{
	struct tls_server_ctx *ctx;
	struct lab *lab = *state;
	char err[256] = "";

	(void)state;
	ctx = tls_server_ctx_new("/nonexistent/cert.pem", "/nonexistent/key.pem", NULL, err,
	                         sizeof err);
	assert_null(ctx);
	assert_non_null(strstr(err, "/nonexistent/cert.pem"));
	/* A real certificate without its key names the key file. */
	ctx = tls_server_ctx_new(lab->ca_file, "/nonexistent/key.pem", NULL, err, sizeof err);
	assert_null(ctx);
	assert_non_null(strstr(err, "/nonexistent/key.pem"));
	ctx = tls_server_ctx_new(NULL, "/nonexistent/key.pem", NULL, err, sizeof err);
	assert_null(ctx);
	assert_non_null(strstr(err, "/nonexistent/key.pem"));
}

static void test_bad_ca_file(void **state)
{
	struct tls_client_config cfg = {"mx.test", "mx.test", "/nonexistent/ca.pem", false};
	char err[256] = "";

	(void)state;
	assert_null(tls_client_new(&cfg, 0, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
}

static void test_pem_bounds(void **state)
{
	struct lab *lab = *state;
	char pem[PEM_MAX];
	int len;

	len = tls_server_ctx_cert_pem(lab->ctx, pem, sizeof pem);
	assert_true(len > 0);
	assert_int_equal(tls_server_ctx_cert_pem(lab->ctx, pem, (size_t)len), -1);
	assert_int_equal(tls_server_ctx_cert_pem(lab->ctx, pem, (size_t)len + 1), len);
	assert_int_equal(tls_server_ctx_cert_pem(lab->ctx, pem, 0), -1);
}

static void test_default_hostname(void **state)
{
	struct tls_server_ctx *ctx;
	char pem[PEM_MAX], err[256];

	(void)state;
	ctx = tls_server_ctx_new(NULL, NULL, NULL, err, sizeof err);
	assert_non_null(ctx);
	assert_true(tls_server_ctx_cert_pem(ctx, pem, sizeof pem) > 0);
	tls_server_ctx_free(ctx);
}

static void add_san(GENERAL_NAMES *gens, int type, const void *p, int len)
{
	GENERAL_NAME *gen = GENERAL_NAME_new();
	ASN1_STRING *str =
	    ASN1_STRING_type_new(type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);

	assert_non_null(gen);
	assert_int_equal(ASN1_STRING_set(str, p, len), 1);
	GENERAL_NAME_set0_value(gen, type, str);
	assert_true(sk_GENERAL_NAME_push(gens, gen) > 0);
}

/* A certificate with names too long for the facts, a NUL and a bad address. */
static X509 *hostile_cert(EVP_PKEY *key)
{
	static const char nul_name[] = "evil.test\0.good.test";
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509 *cert = X509_new();
	X509_NAME *name = X509_get_subject_name(cert);
	char ou[65];
	int i;

	memset(ou, 'o', 64);
	ou[64] = '\0';
	for (i = 0; i < 12; i++)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
		                                            (unsigned char *)ou, -1, -1, 0),
		                 1);
	assert_int_equal(X509_set_issuer_name(cert, name), 1);
	add_san(gens, GEN_DNS, nul_name, sizeof nul_name - 1);
	add_san(gens, GEN_IPADD, "\1\2\3\4\5", 5);
	for (i = 0; i < 40; i++)
		add_san(gens, GEN_DNS, "a-rather-long-name.example.test", -1);
	assert_int_equal(X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0, 0), 1);
	GENERAL_NAMES_free(gens);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), 60));
	assert_int_equal(X509_set_pubkey(cert, key), 1);
	assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
	return cert;
}

/* tls_hmac_md5 gives RFC 2195 §2's digest for its worked example of CRAM-MD5. */
static void test_hmac_md5(void **state)
{
	static const char challenge[] = "<1896.697170952@postoffice.reston.mci.net>";
	static const unsigned char want[16] = {0xb9, 0x13, 0xa6, 0x02, 0xc7, 0xed, 0xa7, 0xa4,
	                                       0x95, 0xb4, 0xe6, 0xe7, 0x33, 0x4d, 0x38, 0x90};
	unsigned char digest[16];

	(void)state;
	assert_int_equal(
	    tls_hmac_md5("tanstaaftanstaaf", 16, challenge, sizeof challenge - 1, digest), 0);
	assert_memory_equal(digest, want, sizeof want);
}

static void test_hostile_cert(void **state)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	struct tls_cert_facts f;
	X509 *cert;

	(void)state;
	assert_non_null(key);
	cert = hostile_cert(key);
	memset(&f, 0x55, sizeof f);
	tls_cert_facts(cert, &f);
	assert_int_equal(strlen(f.subject), sizeof f.subject - 1);
	assert_string_equal(f.subject + sizeof f.subject - 4, "...");
	assert_int_equal(strlen(f.sans), sizeof f.sans - 1);
	assert_string_equal(f.sans + sizeof f.sans - 4, "...");
	assert_non_null(strstr(f.sans, "DNS:evil.test\\x00.good.test, IP:<5 bytes>, DNS:a-"));
	assert_fingerprint(f.sha256);
	assert_string_equal(f.key_type, "EC");
	X509_free(cert);
	EVP_PKEY_free(key);
}

static int setup(void **state)
{
	static struct lab lab;

	lab_open(&lab);
	*state = &lab;
	return 0;
}

static int teardown(void **state)
{
	lab_close(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verified),
	    cmocka_unit_test(test_name_mismatch),
	    cmocka_unit_test(test_system_store),
	    cmocka_unit_test(test_system_store_wrong_name),
	    cmocka_unit_test(test_no_host),
	    cmocka_unit_test(test_ip_host),
	    cmocka_unit_test(test_data),
	    cmocka_unit_test(test_not_tls),
	    cmocka_unit_test(test_peer_closes),
	    cmocka_unit_test(test_sigpipe),
	    cmocka_unit_test(test_alert),
	    cmocka_unit_test(test_missing_files),
	    cmocka_unit_test(test_bad_ca_file),
	    cmocka_unit_test(test_pem_bounds),
	    cmocka_unit_test(test_default_hostname),
	    cmocka_unit_test(test_hostile_cert),
	    cmocka_unit_test(test_hmac_md5),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
