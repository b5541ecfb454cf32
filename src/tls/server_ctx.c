/*
 * server_ctx.c: the server context of the lab server. Its certificate comes
 * from PEM files, or is made in memory: an EC P-256 key and a self-signed
 * certificate that can serve as its own test CA (docs/tls.md).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

#define LAB_CN_MAX   64 /* ub-common-name of RFC 5280 */
#define LAB_BEFORE   (-3600L)
#define LAB_LIFETIME (7L * 24 * 3600)

/* A random positive serial number of 128 bits. */
static int set_serial(X509 *cert)
{
	unsigned char bytes[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(bytes, sizeof bytes) != 1)
		return -1;
	bytes[0] = (unsigned char)((bytes[0] & 0x7f) | 0x40);
	bn = BN_bin2bn(bytes, sizeof bytes, NULL);
	ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

/* True when the bytes are UTF-8 (OpenSSL signs a UTF8String only then). */
static bool is_utf8(const struct tls_bytes *odd)
{
	unsigned long c;
	size_t i = 0;
	int n;

	while (i < odd->len) {
		n = UTF8_getc(odd->bytes + i, (int)(odd->len - i), &c);
		if (n <= 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

/*
 * Subject and issuer: CN=host; with odd bytes, CN=odd (a UTF8String when
 * they are UTF-8, else a T61String) and O=odd (a T61String), the bytes
 * stored as they are.
 */
static int set_names(X509 *cert, const char *host, const struct tls_bytes *odd)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int cn = odd != NULL && !is_utf8(odd) ? V_ASN1_T61STRING : V_ASN1_UTF8STRING;
	int ok;

	if (odd == NULL)
		ok = X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
		                                (const unsigned char *)host, -1, -1, 0) == 1;
	else
		ok = X509_NAME_add_entry_by_NID(name, NID_commonName, cn, odd->bytes, (int)odd->len,
		                                -1, 0) == 1 &&
		     X509_NAME_add_entry_by_NID(name, NID_organizationName, V_ASN1_T61STRING,
		                                odd->bytes, (int)odd->len, -1, 0) == 1;
	if (!ok)
		return -1;
	return X509_set_issuer_name(cert, name) == 1 ? 0 : -1;
}

/* Appends a name of type (GEN_IPADD, GEN_DNS) holding value, which it takes over. */
static int push_name(GENERAL_NAMES *gens, int type, ASN1_STRING *value)
{
	GENERAL_NAME *gen = GENERAL_NAME_new();

	if (gen == NULL) {
		ASN1_STRING_free(value);
		return -1;
	}
	GENERAL_NAME_set0_value(gen, type, value);
	if (sk_GENERAL_NAME_push(gens, gen) <= 0) {
		GENERAL_NAME_free(gen);
		return -1;
	}
	return 0;
}

/* Appends one IP address, given as text, to a list of names. */
static int add_ip(GENERAL_NAMES *gens, const char *text)
{
	unsigned char addr[16];
	int len = inet_pton(AF_INET, text, addr) == 1 ? 4 : 16;
	ASN1_OCTET_STRING *os;

	if (len == 16 && inet_pton(AF_INET6, text, addr) != 1)
		abort();
	os = ASN1_OCTET_STRING_new();
	if (os == NULL || ASN1_OCTET_STRING_set(os, addr, len) != 1) {
		ASN1_OCTET_STRING_free(os);
		return -1;
	}
	return push_name(gens, GEN_IPADD, os);
}

static int add_dns(GENERAL_NAMES *gens, const void *host, int len)
{
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (ia5 == NULL || ASN1_STRING_set(ia5, host, len) != 1) {
		ASN1_IA5STRING_free(ia5);
		return -1;
	}
	return push_name(gens, GEN_DNS, ia5);
}

/* subjectAltName: the host (a DNS name, or an address), 127.0.0.1, ::1, the odd bytes. */
static int add_sans(X509 *cert, const char *host, const struct tls_bytes *odd)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	bool ip = tls_is_ip(host);
	int ok;

	ok = gens != NULL && (ip ? add_ip(gens, host) : add_dns(gens, host, -1)) == 0;
	if (ok && strcmp(host, "127.0.0.1") != 0)
		ok = add_ip(gens, "127.0.0.1") == 0;
	if (ok && strcmp(host, "::1") != 0)
		ok = add_ip(gens, "::1") == 0;
	if (ok && odd != NULL)
		ok = add_dns(gens, odd->bytes, (int)odd->len) == 0;
	if (ok)
		ok =
		    X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
	GENERAL_NAMES_free(gens);
	return ok ? 0 : -1;
}

/*
 * The extensions of a certificate that is both the server's and its own CA.
 * Key identifiers and key usage keep strict verifiers (X509_V_FLAG_X509_STRICT)
 * content.
 */
static int add_extensions(X509 *cert, const char *host, const struct tls_bytes *odd)
{
	static const struct {
		int nid;
		const char *value;
	} exts[] = {
	    {NID_basic_constraints, "critical,CA:TRUE"},
	    {NID_key_usage, "critical,digitalSignature,keyCertSign"},
	    {NID_ext_key_usage, "serverAuth"},
	    {NID_subject_key_identifier, "hash"},
	    {NID_authority_key_identifier, "keyid:always"},
	};
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	size_t i;

	X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		ext = X509V3_EXT_nconf_nid(NULL, &v3, exts[i].nid, exts[i].value);
		if (ext == NULL || X509_add_ext(cert, ext, -1) != 1) {
			X509_EXTENSION_free(ext);
			return -1;
		}
		X509_EXTENSION_free(ext);
	}
	return add_sans(cert, host, odd);
}

/* A self-signed X509v3 certificate for host, valid from an hour ago for a week. */
static X509 *make_cert(EVP_PKEY *key, const char *host, const struct tls_bytes *odd)
{
	X509 *cert = X509_new();

	if (cert == NULL || X509_set_version(cert, X509_VERSION_3) != 1 || set_serial(cert) < 0 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), LAB_BEFORE) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), LAB_LIFETIME) == NULL ||
	    set_names(cert, host, odd) < 0 || X509_set_pubkey(cert, key) != 1 ||
	    add_extensions(cert, host, odd) < 0 || X509_sign(cert, key, EVP_sha256()) <= 0) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Puts a generated key and certificate for host into ctx. */
static int use_generated(SSL_CTX *ctx, const char *host, const struct tls_bytes *odd, char *err,
                         size_t errlen)
{
	EVP_PKEY *key;
	X509 *cert = NULL;
	int ok;

	if (strlen(host) > LAB_CN_MAX) {
		tls_put_error(err, errlen, "host name '%s' is longer than the %d bytes of a CN",
		              host, LAB_CN_MAX);
		return -1;
	}
	key = EVP_EC_gen("P-256");
	if (key != NULL)
		cert = make_cert(key, host, odd);
	ok = cert != NULL && SSL_CTX_use_certificate(ctx, cert) == 1 &&
	     SSL_CTX_use_PrivateKey(ctx, key) == 1;
	if (!ok)
		tls_queue_error(err, errlen, "cannot make a certificate for '%s'", host);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

/* Puts a certificate chain and its key from PEM files into ctx. */
static int use_files(SSL_CTX *ctx, const char *cert_file, const char *key_file, char *err,
                     size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		tls_queue_error(err, errlen, "certificate file '%s'", cert_file);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		tls_queue_error(err, errlen, "key file '%s'", key_file);
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_queue_error(err, errlen, "key file '%s' does not match certificate file '%s'",
		                key_file, cert_file);
		return -1;
	}
	return 0;
}

struct tls_server_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file,
                                          const char *hostname, char *err, size_t errlen)
{
	return tls_server_ctx_new_odd(cert_file, key_file, hostname, NULL, err, errlen);
}

struct tls_server_ctx *tls_server_ctx_new_odd(const char *cert_file, const char *key_file,
                                              const char *hostname, const struct tls_bytes *odd,
                                              char *err, size_t errlen)
{
	struct tls_server_ctx *ctx;
	int ret;

	if (cert_file == NULL && key_file != NULL) {
		tls_put_error(err, errlen, "key file '%s' given without a certificate file",
		              key_file);
		return NULL;
	}
	ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL) {
		tls_put_error(err, errlen, "cannot create a TLS context: out of memory");
		return NULL;
	}
	ctx->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (ctx->ssl_ctx == NULL) {
		tls_queue_error(err, errlen, "cannot create a TLS context");
		tls_server_ctx_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx->ssl_ctx,
	                 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (cert_file != NULL)
		ret = use_files(ctx->ssl_ctx, cert_file, key_file != NULL ? key_file : cert_file,
		                err, errlen);
	else
		ret = use_generated(ctx->ssl_ctx,
		                    hostname != NULL && *hostname != '\0' ? hostname : "localhost",
		                    odd, err, errlen);
	if (ret < 0) {
		tls_server_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void tls_server_ctx_free(struct tls_server_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx); /* connections keep their own reference */
	free(ctx);
}

int tls_server_ctx_set_max_version(struct tls_server_ctx *ctx, const char *version, char *err,
                                   size_t errlen)
{
	static const struct {
		const char *name;
		int version;
	} versions[] = {
	    {"1.0", TLS1_VERSION},
	    {"1.1", TLS1_1_VERSION},
	    {"1.2", TLS1_2_VERSION},
	    {"1.3", TLS1_3_VERSION},
	};
	size_t i;

	for (i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (strcmp(version, versions[i].name) == 0)
			break;
	if (i == sizeof versions / sizeof versions[0]) {
		tls_put_error(err, errlen, "TLS version '%s' is not 1.0, 1.1, 1.2 or 1.3", version);
		return -1;
	}
	/* Security level 1 and up refuses TLS 1.0 and 1.1 and their SHA-1 signatures. */
	if (versions[i].version < TLS1_2_VERSION) {
		SSL_CTX_set_security_level(ctx->ssl_ctx, 0);
		if (SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_VERSION) != 1) {
			tls_queue_error(err, errlen, "cannot offer TLS %s", version);
			return -1;
		}
	}
	if (SSL_CTX_set_max_proto_version(ctx->ssl_ctx, versions[i].version) != 1) {
		tls_queue_error(err, errlen, "cannot offer TLS %s", version);
		return -1;
	}
	return 0;
}

int tls_server_ctx_cert_pem(const struct tls_server_ctx *ctx, char *buf, size_t len)
{
	X509 *cert = SSL_CTX_get0_certificate(ctx->ssl_ctx);
	BIO *bio;
	char *pem = NULL;
	long n;
	int ret = -1;

	if (cert == NULL)
		return -1;
	bio = BIO_new(BIO_s_mem());
	if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1) {
		n = BIO_get_mem_data(bio, &pem);
		if (n > 0 && pem != NULL && (size_t)n < len && n <= INT_MAX) {
			memcpy(buf, pem, (size_t)n);
			buf[n] = '\0';
			ret = (int)n;
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return ret;
}
