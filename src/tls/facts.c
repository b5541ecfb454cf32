/*
 * facts.c: what a handshake established, and whether the peer is verified.
 * "Verified" is claimed only when OpenSSL verified the chain against the
 * trust store and the certificate carries the host name the caller asked
 * about; everything short of that says why not.
 */
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/* Copies s into a fixed field, clipped. */
static void put(char *field, size_t cap, const char *s)
{
	struct tls_text t;

	tls_text_init(&t, field, cap);
	tls_text_add(&t, s != NULL ? s : "");
	tls_text_finish(&t);
}

/* The key exchange group in TLS terms ("x25519"), or "". */
static const char *group_name(SSL *ssl)
{
	int nid = SSL_get_negotiated_group(ssl);
	const char *name;

	if (nid <= 0)
		return "";
	name = SSL_group_to_name(ssl, nid);
	if (name == NULL && !(nid & TLSEXT_nid_unknown))
		name = OBJ_nid2sn(nid);
	return name != NULL ? name : "";
}

static void session_facts(const struct tls_conn *conn, struct tls_facts *facts)
{
	facts->established = conn->established;
	if (!conn->established)
		return;
	put(facts->version, sizeof facts->version, SSL_get_version(conn->ssl));
	put(facts->cipher, sizeof facts->cipher, SSL_get_cipher_name(conn->ssl));
	put(facts->group, sizeof facts->group, group_name(conn->ssl));
}

/*
 * The peer chain as sent, leaf first, at most TLS_CHAIN_MAX certificates;
 * chain_total counts them all.
 */
static void chain_facts(const struct tls_conn *conn, struct tls_facts *facts)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(conn->ssl);
	X509 *leaf = SSL_get0_peer_certificate(conn->ssl);
	int i, n = chain != NULL ? sk_X509_num(chain) : 0;

	/* A server's view of the client chain leaves the leaf out. */
	facts->chain_total = (size_t)n + (conn->server && leaf != NULL ? 1 : 0);
	if (conn->server && leaf != NULL)
		tls_cert_facts(leaf, &facts->chain[facts->nchain++]);
	for (i = 0; i < n && facts->nchain < TLS_CHAIN_MAX; i++)
		tls_cert_facts(sk_X509_value(chain, i), &facts->chain[facts->nchain++]);
}

/* True when the leaf carries the name the caller asked about. */
static bool name_matches(const struct tls_conn *conn, X509 *leaf)
{
	if (conn->verify_ip)
		return X509_check_ip_asc(leaf, conn->verify_host, 0) == 1;
	return X509_check_host(leaf, conn->verify_host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
	                       NULL) == 1;
}

/* Why a chain or name did not verify, in words. */
static void verify_failure(const struct tls_conn *conn, long result, X509 *leaf, struct tls_text *t)
{
	const char *why = X509_verify_cert_error_string(result);

	if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
		tls_text_addf(t, "the certificate does not match the %s %s (%s)",
		              conn->verify_ip ? "address" : "host name", conn->verify_host, why);
		return;
	}
	tls_text_addf(t, "the chain does not verify: %s", why);
	/* OpenSSL stops at the first error: the name is checked here too. */
	if (conn->verify_host[0] == '\0')
		tls_text_add(t, "; no host name was given to check");
	else if (!name_matches(conn, leaf))
		tls_text_addf(t, "; the certificate does not match the %s %s",
		              conn->verify_ip ? "address" : "host name", conn->verify_host);
}

static void verify_facts(const struct tls_conn *conn, struct tls_facts *facts)
{
	X509 *leaf = SSL_get0_peer_certificate(conn->ssl);
	long result = SSL_get_verify_result(conn->ssl);
	struct tls_text t;

	tls_text_init(&t, facts->verify_error, sizeof facts->verify_error);
	if (!conn->established)
		tls_text_add(&t, "the handshake did not complete");
	else if (leaf == NULL)
		tls_text_add(&t, "the peer sent no certificate");
	else if (result != X509_V_OK)
		verify_failure(conn, result, leaf, &t);
	else if (conn->verify_host[0] == '\0')
		tls_text_add(&t, "no host name was given to check");
	else
		facts->verified = true;
	tls_text_finish(&t);
}

void tls_get_facts(const struct tls_conn *conn, struct tls_facts *facts)
{
	memset(facts, 0, sizeof *facts);
	if (conn == NULL)
		return;
	session_facts(conn, facts);
	chain_facts(conn, facts);
	verify_facts(conn, facts);
}
