/*
 * dns.c: questions to DNS servers through a private resolver state
 * (res_ninit, res_nquery) pointed at the server of --resolver or left with
 * the system's, within a time budget.
 *
 * glibc's stub resolver counts its timeouts in whole seconds, so a budget
 * is rounded down to seconds (1 s at least). It falls back to TCP on a
 * truncated answer with blocking calls that no timeout bounds, so
 * RES_IGNTC keeps every question on UDP; EDNS0 stays off because glibc
 * asks a second time without it after a failure, doubling the time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

/* The one server, IPv4: the classic nsaddr_list. */
static void point_v4(struct net_dns *dns, const char *host, unsigned port)
{
	struct sockaddr_in *sin = &dns->state.nsaddr_list[0];

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		abort();
	dns->state.nscount = 1;
}

/*
 * The one server, IPv6: glibc reads it from _u._ext.nsaddrs[0] when
 * nsaddr_list[0] has no family, and res_nclose() frees that slot.
 */
static int point_v6(struct net_dns *dns, const char *host, unsigned port)
{
	struct sockaddr_in6 *slot = dns->state._u._ext.nsaddrs[0];

	if (slot == NULL && (slot = malloc(sizeof *slot)) == NULL)
		return -1;
	dns->state._u._ext.nsaddrs[0] = slot;
	memset(slot, 0, sizeof *slot);
	slot->sin6_family = AF_INET6;
	slot->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, host, &slot->sin6_addr) != 1)
		abort();
	memset(&dns->state.nsaddr_list[0], 0, sizeof dns->state.nsaddr_list[0]);
	dns->state.nscount = 1;
	return 0;
}

/* Replaces the system's servers with the one of resolver, "ADDR[:PORT]". */
static int point_at(struct net_dns *dns, const char *resolver, char *err, size_t errlen)
{
	struct net_target t;
	char why[128];
	int family;
	unsigned port;

	if (net_parse_target(resolver, "53", &t, why, sizeof why) != 0) {
		net_err(err, errlen, "bad DNS server address: %s", why);
		return -1;
	}
	if (!net_is_literal(t.host, &family) || strchr(t.host, '%') != NULL) {
		net_err(err, errlen, "the DNS server must be an IPv4 or IPv6 address, not a name");
		return -1;
	}
	port = (unsigned)strtoul(t.port, NULL, 10);
	if (family == AF_INET) {
		snprintf(dns->server, sizeof dns->server, "%s:%u", t.host, port);
		point_v4(dns, t.host, port);
		return 0;
	}
	snprintf(dns->server, sizeof dns->server, "[%s]:%u", t.host, port);
	if (point_v6(dns, t.host, port) != 0) {
		net_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int net_dns_open(struct net_dns *dns, const char *resolver, char *err, size_t errlen)
{
	memset(dns, 0, sizeof *dns);
	if (res_ninit(&dns->state) != 0) {
		net_err(err, errlen, "cannot set up the DNS resolver (res_ninit failed)");
		return -1;
	}
	dns->state.options &= ~(unsigned long)RES_USE_EDNS0;
	dns->state.options |= RES_IGNTC;
	if (resolver == NULL) {
		snprintf(dns->server, sizeof dns->server, "of the system");
		return 0;
	}
	if (point_at(dns, resolver, err, errlen) != 0) {
		net_dns_close(dns);
		return -1;
	}
	return 0;
}

void net_dns_close(struct net_dns *dns)
{
	res_nclose(&dns->state);
}

/*
 * Spreads budget_ms over the tries: glibc waits retrans seconds for the
 * first server and about as long again for each other one, retry times.
 */
static void set_budget(struct net_dns *dns, int budget_ms)
{
	int servers = dns->state.nscount > 0 ? dns->state.nscount : 1;
	int seconds = budget_ms / 1000;
	int tries = seconds / (2 * servers);

	if (tries < 1)
		tries = 1;
	if (tries > 3)
		tries = 3;
	dns->state.retry = tries;
	dns->state.retrans = seconds / (tries * servers);
	if (dns->state.retrans < 1)
		dns->state.retrans = 1;
}

/* What went wrong: the facts query_failed() goes by. */
struct failure {
	int saved_errno;
	long long elapsed_ms;
	const unsigned char *answer; /* its header was zeroed before the question */
};

/* The failure code of a reply that arrived, or NULL when none did. */
static const char *rcode_name(const unsigned char *answer)
{
	static const char *const names[] = {NULL, "FORMERR", "SERVFAIL", NULL, "NOTIMP", "REFUSED"};
	unsigned rcode = answer[3] & 0x0f;

	if (!(answer[2] & 0x80) || rcode >= sizeof names / sizeof names[0])
		return NULL;
	return names[rcode];
}

/* A question that failed without an answer to read; TRY_AGAIN or NO_RECOVERY. */
static void describe(const struct net_dns *dns, const struct failure *f, char *err, size_t errlen)
{
	const char *rcode = rcode_name(f->answer);
	char took[24];

	/* glibc says ETIMEDOUT for a failure code too, but that comes at once. */
	if (f->saved_errno == ETIMEDOUT && f->elapsed_ms >= 900) {
		net_duration(took, sizeof took,
		             dns->state.retrans * dns->state.retry * dns->state.nscount * 1000);
		net_err(err, errlen, "the DNS server %s did not answer within %s", dns->server,
		        took);
	} else if (rcode != NULL) {
		net_err(err, errlen, "the DNS server %s answered %s", dns->server, rcode);
	} else if (dns->state.res_h_errno == NO_RECOVERY) {
		net_err(err, errlen, "the question could not be asked: not a valid domain name?");
	} else if (f->saved_errno == ECONNREFUSED) {
		net_err(err, errlen, "nothing answers DNS questions at %s", dns->server);
	} else {
		net_err(err, errlen, "the DNS server %s failed the question or cannot be reached",
		        dns->server);
	}
}

/* Puts a failed res_nquery() in words; 0 for a name without such records. */
static int query_failed(const struct net_dns *dns, const struct failure *f, char *err,
                        size_t errlen)
{
	switch (dns->state.res_h_errno) {
	case NO_DATA:
		return 0;
	case HOST_NOT_FOUND:
		net_err(err, errlen, "no such domain");
		return -1;
	case NO_RECOVERY:
	case TRY_AGAIN:
		describe(dns, f, err, errlen);
		return -1;
	}
	net_err(err, errlen, "the DNS look-up failed (h_errno %d)", dns->state.res_h_errno);
	return -1;
}

int net_dns_query(struct net_dns *dns, const char *name, int type, int budget_ms,
                  unsigned char *answer, int cap, ns_msg *msg, char *err, size_t errlen)
{
	long long start;
	int len;

	if (cap < NS_HFIXEDSZ)
		abort();
	if (name[0] == '\0' || strlen(name) >= NS_MAXDNAME) {
		net_err(err, errlen, "not a domain name");
		return -1;
	}
	set_budget(dns, budget_ms);
	memset(answer, 0, NS_HFIXEDSZ);
	errno = 0;
	start = net_now_ms();
	len = res_nquery(&dns->state, name, ns_c_in, type, answer, cap);
	if (len < 0) {
		struct failure f = {errno, net_now_ms() - start, answer};

		return query_failed(dns, &f, err, errlen);
	}
	if (len > cap)
		len = cap;
	if (ns_initparse(answer, len, msg) != 0) {
		net_err(err, errlen, "the answer of the DNS server %s could not be read%s",
		        dns->server,
		        len > 2 && (answer[2] & 0x02) ? " (it was truncated, and TCP is not tried)"
		                                      : "");
		return -1;
	}
	return 1;
}
