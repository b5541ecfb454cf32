/*
 * dns.c: questions to DNS servers through a private resolver state
 * (res_ninit, res_nquery) pointed at the server of --resolver or left with
 * the system's, within a time budget.
 *
 * glibc's stub resolver counts its timeouts in whole seconds, so a budget
 * is rounded down to seconds (1 s at least). It falls back to TCP on a
 * truncated answer with blocking calls that no timeout bounds, so
 * RES_IGNTC keeps its questions on UDP and a truncated answer (the TC bit,
 * RFC 1035 section 4.2.2) is asked again over TCP here (dns_tcp.c, RFC 7766
 * section 5) in the time left. EDNS0 stays off because glibc asks a second
 * time without it after a failure, doubling the time.
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
		net_err(err, errlen, "bad DNS server address given with --resolver: %s", why);
		return -1;
	}
	if (!net_is_literal(t.host, &family) || strchr(t.host, '%') != NULL) {
		net_err(err, errlen,
		        "the DNS server given with --resolver must be an IPv4 or IPv6 address, "
		        "not a name");
		return -1;
	}
	port = (unsigned)strtoul(t.port, NULL, 10);
	dns->advice = "check the address given with --resolver";
	if (family == AF_INET) {
		snprintf(dns->server, sizeof dns->server, "the DNS server %s:%u", t.host, port);
		point_v4(dns, t.host, port);
		return 0;
	}
	snprintf(dns->server, sizeof dns->server, "the DNS server [%s]:%u", t.host, port);
	if (point_v6(dns, t.host, port) != 0) {
		net_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int net_dns_malformed(const struct net_dns *dns, char *err, size_t errlen)
{
	net_err(err, errlen,
	        "the answer of %s holds a malformed record; ask another server with --resolver",
	        dns->server);
	return -1;
}

int net_dns_open(struct net_dns *dns, const char *resolver, char *err, size_t errlen)
{
	memset(dns, 0, sizeof *dns);
	if (res_ninit(&dns->state) != 0) {
		net_err(err, errlen,
		        "the system's resolver cannot be set up (res_ninit failed); check "
		        "/etc/resolv.conf, or name a DNS server with --resolver");
		return -1;
	}
	dns->state.options &= ~(unsigned long)RES_USE_EDNS0;
	dns->state.options |= RES_IGNTC;
	if (resolver == NULL) {
		snprintf(dns->server, sizeof dns->server, "the system's resolver");
		dns->advice = "check the servers in /etc/resolv.conf, or name one with --resolver";
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

/* Says that the server answered with a failure code, and what that means. */
static void rcode_failed(const struct net_dns *dns, unsigned rcode, char *err, size_t errlen)
{
	static const char *const names[][2] = {
	    {NULL, NULL},
	    {"FORMERR", "it could not read the question"},
	    {"SERVFAIL", "it failed to find the answer"},
	    {NULL, NULL},
	    {"NOTIMP", "it does not take this kind of question"},
	    {"REFUSED", "it will not answer this question"},
	};

	if (rcode < sizeof names / sizeof names[0] && names[rcode][0] != NULL)
		net_err(err, errlen,
		        "%s answered %s (%s); try again later, or ask another server "
		        "with --resolver",
		        dns->server, names[rcode][0], names[rcode][1]);
	else
		net_err(err, errlen,
		        "%s answered with failure code %u; try again later, or ask "
		        "another server with --resolver",
		        dns->server, rcode);
}

/* The failure code of a reply that arrived, or 0 when none did. */
static unsigned rcode_of(const unsigned char *answer)
{
	return (answer[2] & 0x80) ? answer[3] & 0x0fu : 0;
}

/* The words for a server that did not answer within the time given it. */
static void no_answer(const struct net_dns *dns, char *err, size_t errlen)
{
	char took[24];

	net_duration(took, sizeof took,
	             dns->state.retrans * dns->state.retry * dns->state.nscount * 1000);
	net_err(err, errlen, "%s did not answer within %s; %s, or give a longer --timeout",
	        dns->server, took, dns->advice);
}

/* A question that failed without an answer to read; TRY_AGAIN or NO_RECOVERY. */
static void describe(const struct net_dns *dns, const struct failure *f, char *err, size_t errlen)
{
	unsigned rcode = rcode_of(f->answer);
	char why[128];

	/* glibc says ETIMEDOUT for a failure code too, but that comes at once. */
	if (f->saved_errno == ETIMEDOUT && f->elapsed_ms >= 900) {
		no_answer(dns, err, errlen);
	} else if (rcode != 0) {
		rcode_failed(dns, rcode, err, errlen);
	} else if (dns->state.res_h_errno == NO_RECOVERY) {
		net_err(err, errlen,
		        "the name cannot be asked about: it is not a valid domain name; check "
		        "its spelling");
	} else if (f->saved_errno == ECONNREFUSED) {
		net_err(err, errlen, "%s cannot be reached: nothing listens on its port; %s",
		        dns->server, dns->advice);
	} else {
		net_strerror(f->saved_errno != 0 ? f->saved_errno : EIO, why, sizeof why);
		net_err(err, errlen, "%s failed the question or cannot be reached (%s); %s",
		        dns->server, why, dns->advice);
	}
}

static void no_such_domain(const struct net_dns *dns, char *err, size_t errlen)
{
	net_err(err, errlen, "no such domain, says %s; check the spelling", dns->server);
}

/* Puts a failed res_nquery() in words; 0 for a name without such records. */
static int query_failed(const struct net_dns *dns, const struct failure *f, char *err,
                        size_t errlen)
{
	switch (dns->state.res_h_errno) {
	case NO_DATA:
		return 0;
	case HOST_NOT_FOUND:
		no_such_domain(dns, err, errlen);
		return -1;
	case NO_RECOVERY:
	case TRY_AGAIN:
		describe(dns, f, err, errlen);
		return -1;
	}
	net_err(err, errlen, "%s failed the question (h_errno %d); try again later, or %s",
	        dns->server, dns->state.res_h_errno, dns->advice);
	return -1;
}

/* Readies msg from an answer that arrived; 1, 0 for no records, or -1 with err. */
static int read_answer(const struct net_dns *dns, const unsigned char *answer, int len, ns_msg *msg,
                       char *err, size_t errlen)
{
	unsigned rcode = rcode_of(answer);

	if (rcode == ns_r_nxdomain) {
		no_such_domain(dns, err, errlen);
		return -1;
	}
	if (rcode != ns_r_noerror) {
		rcode_failed(dns, rcode, err, errlen);
		return -1;
	}
	if (ns_initparse(answer, len, msg) != 0) {
		net_err(err, errlen,
		        "the answer of %s could not be read; ask another server with --resolver",
		        dns->server);
		return -1;
	}
	return ns_msg_count(*msg, ns_s_an) > 0 ? 1 : 0;
}

/* True when an answer arrived with the TC bit: it did not fit in UDP. */
static bool truncated(const unsigned char *answer)
{
	return (answer[2] & 0x80) && (answer[2] & 0x02);
}

/* Asks again over TCP, within budget_ms, after a truncated UDP answer. */
static int again_over_tcp(struct net_dns *dns, const char *name, int type, int budget_ms,
                          unsigned char *answer, int cap, ns_msg *msg, char *err, size_t errlen)
{
	unsigned char query[NS_PACKETSZ];
	int qlen, len;

	if (budget_ms <= 0) {
		net_err(err, errlen,
		        "the answer of %s did not fit in UDP, and no time was left to ask again "
		        "over TCP; give a longer --timeout",
		        dns->server);
		return -1;
	}
	qlen = res_nmkquery(&dns->state, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, query,
	                    sizeof query);
	if (qlen < NS_HFIXEDSZ) {
		net_err(err, errlen,
		        "the name cannot be asked about: it is not a valid domain name; check "
		        "its spelling");
		return -1;
	}
	len = net_dns_tcp(dns, query, qlen, budget_ms, answer, cap, err, errlen);
	if (len < 0)
		return -1;
	dns->over_tcp = true;
	return read_answer(dns, answer, len, msg, err, errlen);
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
	dns->over_tcp = false;
	memset(answer, 0, NS_HFIXEDSZ);
	errno = 0;
	start = net_now_ms();
	len = res_nquery(&dns->state, name, ns_c_in, type, answer, cap);
	/* res_nquery fails a truncated answer without records as NO_DATA: the TC bit decides. */
	if (truncated(answer))
		return again_over_tcp(dns, name, type, budget_ms - (int)(net_now_ms() - start),
		                      answer, cap, msg, err, errlen);
	if (len < 0) {
		struct failure f = {errno, net_now_ms() - start, answer};

		return query_failed(dns, &f, err, errlen);
	}
	if (len > cap)
		len = cap;
	return read_answer(dns, answer, len, msg, err, errlen) < 0 ? -1 : 1;
}
