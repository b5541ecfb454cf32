/*
 * cert.c: the facts of one certificate. Every field comes from the peer, so
 * every copy is bounded; bytes are kept as they are (the UI escapes them),
 * except NUL, which would cut a C string and becomes "\x00".
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/* A name in the form of RFC 2253. */
static void name_text(const X509_NAME *name, char *field, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct tls_text t;
	char *p = NULL;
	long n;

	tls_text_init(&t, field, cap);
	if (bio != NULL && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &p);
		if (n > 0 && p != NULL)
			tls_text_bytes(&t, (const unsigned char *)p, (size_t)n);
	}
	BIO_free(bio);
	tls_text_finish(&t);
}

/* One subjectAltName entry: "DNS:x", "IP:y", ... */
static void san_text(const GENERAL_NAME *gen, struct tls_text *t)
{
	const ASN1_STRING *s;
	char ip[INET6_ADDRSTRLEN];
	int type;

	s = GENERAL_NAME_get0_value(gen, &type);
	switch (type) {
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		tls_text_add(t, type == GEN_DNS ? "DNS:" : type == GEN_EMAIL ? "email:" : "URI:");
		tls_text_bytes(t, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		return;
	case GEN_IPADD:
		if (ASN1_STRING_length(s) == 4 &&
		    inet_ntop(AF_INET, ASN1_STRING_get0_data(s), ip, sizeof ip) != NULL)
			tls_text_addf(t, "IP:%s", ip);
		else if (ASN1_STRING_length(s) == 16 &&
		         inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof ip) != NULL)
			tls_text_addf(t, "IP:%s", ip);
		else
			tls_text_addf(t, "IP:<%d bytes>", ASN1_STRING_length(s));
		return;
	case GEN_DIRNAME:
		tls_text_add(t, "DirName");
		return;
	default:
		tls_text_add(t, "othername");
		return;
	}
}

static void sans_text(X509 *cert, char *field, size_t cap)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	struct tls_text t;
	int i;

	tls_text_init(&t, field, cap);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		if (i > 0)
			tls_text_add(&t, ", ");
		san_text(sk_GENERAL_NAME_value(gens, i), &t);
	}
	GENERAL_NAMES_free(gens);
	tls_text_finish(&t);
}

/* "YYYY-MM-DDTHH:MM:SSZ", or "" when the time does not parse. */
static void time_text(const ASN1_TIME *when, char *field, size_t cap)
{
	struct tls_text t;
	struct tm tm;

	tls_text_init(&t, field, cap);
	memset(&tm, 0, sizeof tm);
	if (when == NULL || ASN1_TIME_to_tm(when, &tm) != 1)
		return;
	tls_text_addf(&t, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	tls_text_finish(&t);
}

/* The name of a key type: "RSA", "EC", ..., else OpenSSL's short name. */
static const char *key_type_name(const EVP_PKEY *key)
{
	int id = EVP_PKEY_get_base_id(key);

	switch (id) {
	case EVP_PKEY_RSA:
		return "RSA";
	case EVP_PKEY_RSA_PSS:
		return "RSA-PSS";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_ED25519:
		return "ED25519";
	case EVP_PKEY_ED448:
		return "ED448";
	case EVP_PKEY_DSA:
		return "DSA";
	default:
		return id != NID_undef ? OBJ_nid2sn(id) : EVP_PKEY_get0_type_name(key);
	}
}

static void key_facts(X509 *cert, struct tls_cert_facts *facts)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	ASN1_OBJECT *alg = NULL;
	const char *name = NULL;

	if (key != NULL) {
		name = key_type_name(key);
		facts->key_bits = EVP_PKEY_get_bits(key);
		if (facts->key_bits < 0)
			facts->key_bits = 0;
	}
	if (name != NULL) {
		snprintf(facts->key_type, sizeof facts->key_type, "%s", name);
		return;
	}
	/* A key OpenSSL cannot load: name its algorithm. */
	if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(cert)) == 1 &&
	    alg != NULL)
		OBJ_obj2txt(facts->key_type, sizeof facts->key_type, alg, 0);
}

static void sig_alg_text(const X509 *cert, char *field, size_t cap)
{
	int nid = X509_get_signature_nid(cert);
	const X509_ALGOR *algor = NULL;
	const ASN1_OBJECT *obj = NULL;

	field[0] = '\0';
	if (nid != NID_undef && OBJ_nid2ln(nid) != NULL) {
		snprintf(field, cap, "%s", OBJ_nid2ln(nid));
		return;
	}
	X509_get0_signature(NULL, &algor, cert);
	if (algor != NULL)
		X509_ALGOR_get0(&obj, NULL, NULL, algor);
	if (obj != NULL)
		OBJ_obj2txt(field, (int)cap, obj, 1);
}

/* "AB:CD:..." of the SHA-256 of the DER encoding. */
static void fingerprint(const X509 *cert, char *field, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	size_t at = 0;

	field[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return;
	for (i = 0; i < n; i++) {
		if (at + (i > 0 ? 3 : 2) + 1 > cap)
			break;
		if (i > 0)
			field[at++] = ':';
		field[at++] = hex[md[i] >> 4];
		field[at++] = hex[md[i] & 15];
	}
	field[at] = '\0';
}

void tls_cert_facts(X509 *cert, struct tls_cert_facts *facts)
{
	memset(facts, 0, sizeof *facts);
	name_text(X509_get_subject_name(cert), facts->subject, sizeof facts->subject);
	name_text(X509_get_issuer_name(cert), facts->issuer, sizeof facts->issuer);
	sans_text(cert, facts->sans, sizeof facts->sans);
	time_text(X509_get0_notBefore(cert), facts->not_before, sizeof facts->not_before);
	time_text(X509_get0_notAfter(cert), facts->not_after, sizeof facts->not_after);
	key_facts(cert, facts);
	sig_alg_text(cert, facts->sig_alg, sizeof facts->sig_alg);
	fingerprint(cert, facts->sha256, sizeof facts->sha256);
}
