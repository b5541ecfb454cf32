/*
 * hmac.c: HMAC-MD5 through OpenSSL's EVP_MAC, for SASL CRAM-MD5: the client
 * side of "check" and the lab's server side.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tls/tls.h"

int tls_hmac_md5(const void *key, size_t keylen, const void *msg, size_t msglen,
                 unsigned char out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0),
	    OSSL_PARAM_construct_end(),
	};
	static const unsigned char empty[1];
	size_t len = 0;
	int ok;

	/* EVP_MAC_init wants a key pointer even for an empty key. */
	ok = ctx != NULL && EVP_MAC_init(ctx, keylen > 0 ? key : empty, keylen, params) == 1 &&
	     EVP_MAC_update(ctx, msg, msglen) == 1 && EVP_MAC_final(ctx, out, &len, 16) == 1 &&
	     len == 16;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}
