/*
 * util.c: small helpers of the net layer: messages, durations, literals
 * and the defaults of the lookup options.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

void net_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void net_quote(char *buf, size_t cap, const char *s, size_t len)
{
	size_t i, keep = len;

	if (cap == 0)
		return;
	if (keep > cap - 1)
		keep = cap > 4 ? cap - 4 : 0;
	for (i = 0; i < keep; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (keep < len && cap > 4) {
		memcpy(buf + keep, "...", 3);
		keep += 3;
	}
	buf[keep] = '\0';
}

void net_strerror(int code, char *buf, size_t cap)
{
	if (strerror_r(code, buf, cap) != 0)
		snprintf(buf, cap, "error %d", code);
}

void net_duration(char *buf, size_t cap, int ms)
{
	if (ms < 1000)
		snprintf(buf, cap, "%d ms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, cap, "%d s", ms / 1000);
	else if (ms % 100 == 0)
		snprintf(buf, cap, "%d.%d s", ms / 1000, ms % 1000 / 100);
	else
		snprintf(buf, cap, "%d.%03d s", ms / 1000, ms % 1000);
}

bool net_is_literal(const char *host, int *family)
{
	unsigned char bytes[sizeof(struct in6_addr)];
	char plain[INET6_ADDRSTRLEN];
	size_t len = strcspn(host, "%");

	if (inet_pton(AF_INET, host, bytes) == 1) {
		*family = AF_INET;
		return true;
	}
	/* A zone ("fe80::1%eth0") follows only an IPv6 address and is not empty. */
	if (len >= sizeof plain || (host[len] == '%' && host[len + 1] == '\0'))
		return false;
	memcpy(plain, host, len);
	plain[len] = '\0';
	if (inet_pton(AF_INET6, plain, bytes) != 1)
		return false;
	*family = AF_INET6;
	return true;
}

struct net_resolve_opts net_opts(const struct net_resolve_opts *opts)
{
	struct net_resolve_opts o = {AF_UNSPEC, NULL, NET_DNS_TIMEOUT_MS};

	if (opts != NULL)
		o = *opts;
	if (o.timeout_ms <= 0)
		o.timeout_ms = NET_DNS_TIMEOUT_MS;
	if (o.family != AF_UNSPEC && o.family != AF_INET && o.family != AF_INET6)
		abort();
	return o;
}
