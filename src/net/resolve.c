/*
 * resolve.c: the addresses of a host. Literals are taken as they are,
 * names go to getaddrinfo() or, with --resolver, become A and AAAA
 * questions to that server (A first, then AAAA), all within the timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

int net_addr_set(struct net_addr *addr, const struct sockaddr *sa, socklen_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV], text[NI_MAXHOST + NI_MAXSERV + 4];
	int n;

	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) || len > sizeof addr->ss)
		return -1;
	if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	memset(addr, 0, sizeof *addr);
	memcpy(&addr->ss, sa, len);
	addr->len = len;
	/* Only an IPv6 address with a long zone name can end in "...". */
	n = snprintf(text, sizeof text, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
	             serv);
	net_quote(addr->text, sizeof addr->text, text, (size_t)n);
	return 0;
}

unsigned short net_addr_port(const struct net_addr *addr)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&addr->ss;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&addr->ss;

	return ntohs(addr->ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Puts a getaddrinfo() failure in words. */
static void gai_failed(int rc, int saved_errno, const char *port, char *err, size_t errlen)
{
	char why[128];

	switch (rc) {
	case EAI_NONAME:
		net_err(err, errlen,
		        "no such domain, or no address records, says the system's resolver; "
		        "check the spelling");
		break;
	case EAI_AGAIN:
		net_err(err, errlen,
		        "the system's resolver did not answer, or failed; try again later, or "
		        "name a DNS server with --resolver");
		break;
	case EAI_FAIL:
		net_err(err, errlen,
		        "the system's resolver failed the look-up for good; check the name, or "
		        "name a DNS server with --resolver");
		break;
	case EAI_SERVICE:
		net_quote(why, sizeof why, port, strlen(port));
		net_err(err, errlen, "unknown port \"%s\"", why);
		break;
	case EAI_SYSTEM:
		net_strerror(saved_errno, why, sizeof why);
		net_err(err, errlen,
		        "the system's resolver failed (%s); check /etc/resolv.conf, or name a "
		        "DNS server with --resolver",
		        why);
		break;
	default:
		net_err(err, errlen,
		        "the system's resolver failed (%s); check /etc/resolv.conf, or name a "
		        "DNS server with --resolver",
		        gai_strerror(rc));
		break;
	}
}

/* Appends the addresses getaddrinfo() gives for host and port, up to max. */
static int gai_append(const char *host, const char *port, int family, int flags,
                      struct net_addr *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct addrinfo hints, *list, *ai;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags | (all_digits(port) ? AI_NUMERICSERV : 0);
	rc = getaddrinfo(host, port, &hints, &list);
	if (rc != 0) {
		gai_failed(rc, errno, port, err, errlen);
		return -1;
	}
	for (ai = list; ai != NULL && *n < max; ai = ai->ai_next)
		if (net_addr_set(&out[*n], ai->ai_addr, ai->ai_addrlen) == 0)
			(*n)++;
	freeaddrinfo(list);
	return 0;
}

/* Appends the addresses of one A or AAAA answer of dns. */
static int append_answer(const struct net_dns *dns, ns_msg *msg, ns_type type, const char *port,
                         struct net_addr *out, size_t max, size_t *n, char *err, size_t errlen)
{
	int family = type == ns_t_a ? AF_INET : AF_INET6, i, count = ns_msg_count(*msg, ns_s_an);
	unsigned size = type == ns_t_a ? 4 : 16;
	char text[INET6_ADDRSTRLEN];
	ns_rr rr;

	for (i = 0; i < count && *n < max; i++) {
		if (ns_parserr(msg, ns_s_an, i, &rr) != 0 ||
		    (ns_rr_type(rr) == type && ns_rr_rdlen(rr) != size))
			return net_dns_malformed(dns, err, errlen);
		if (ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue;
		if (inet_ntop(family, ns_rr_rdata(rr), text, sizeof text) == NULL)
			abort();
		if (gai_append(text, port, family, AI_NUMERICHOST, out, max, n, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Asks one question within budget_ms and appends the addresses of its answer. */
static int ask(struct net_dns *dns, const char *host, ns_type type, const char *port, int budget_ms,
               struct net_addr *out, size_t max, size_t *n, char *err, size_t errlen)
{
	unsigned char answer[NET_DNS_ANSWER];
	ns_msg msg;
	int rc;

	rc = net_dns_query(dns, host, type, budget_ms, answer, sizeof answer, &msg, err, errlen);
	if (rc <= 0)
		return rc;
	return append_answer(dns, &msg, type, port, out, max, n, err, errlen);
}

/*
 * A, then AAAA, as the family allows, from the server of --resolver. When
 * both are asked, the A question leaves a second for the AAAA one, which
 * gets the time left (glibc waits whole seconds, 1 s at least).
 */
static int ask_server(const char *host, const char *port, const struct net_resolve_opts *o,
                      struct net_addr *out, size_t max, size_t *n, char *err, size_t errlen)
{
	long long deadline = net_now_ms() + o->timeout_ms, left;
	struct net_dns dns;
	int rc = 0;

	if (net_dns_open(&dns, o->resolver, err, errlen) != 0)
		return -1;
	if (o->family != AF_INET6)
		rc = ask(&dns, host, ns_t_a, port,
		         o->family == AF_INET ? o->timeout_ms : o->timeout_ms - 1000, out, max, n,
		         err, errlen);
	left = deadline - net_now_ms();
	if (rc >= 0 && o->family != AF_INET && left <= 0) {
		net_err(err, errlen,
		        "no time was left to ask %s for AAAA records; give a longer --timeout",
		        dns.server);
		rc = -1;
	} else if (rc >= 0 && o->family != AF_INET) {
		rc = ask(&dns, host, ns_t_aaaa, port, (int)left, out, max, n, err, errlen);
	}
	net_dns_close(&dns);
	/* The A records stand when the AAAA question fails. */
	return rc < 0 && *n == 0 ? -1 : 0;
}

/* A literal of the wrong family for -4 / -6 is an error, not an empty list. */
static int literal(const char *host, const char *port, int family, int wanted, struct net_addr *out,
                   size_t max, size_t *n, char *err, size_t errlen)
{
	if (wanted != AF_UNSPEC && wanted != family) {
		net_err(err, errlen, "%s is an %s address, but only %s was asked for", host,
		        family == AF_INET ? "IPv4" : "IPv6", wanted == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	return gai_append(host, port, family, AI_NUMERICHOST, out, max, n, err, errlen);
}

int net_resolve(const char *host, const char *port, const struct net_resolve_opts *opts,
                struct net_addr *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct net_resolve_opts o = net_opts(opts);
	int family, rc;

	*n = 0;
	if (port == NULL)
		port = NET_SMTP_PORT;
	if (host[0] == '\0' || max == 0) {
		net_err(err, errlen, host[0] == '\0' ? "empty host" : "no room for addresses");
		return -1;
	}
	if (net_is_literal(host, &family))
		rc = literal(host, port, family, o.family, out, max, n, err, errlen);
	else if (o.resolver != NULL)
		rc = ask_server(host, port, &o, out, max, n, err, errlen);
	else
		rc = gai_append(host, port, o.family, 0, out, max, n, err, errlen);
	if (rc == 0 && *n == 0) {
		net_err(err, errlen, "no address records (%s)",
		        o.family == AF_INET    ? "A"
		        : o.family == AF_INET6 ? "AAAA"
		                               : "A or AAAA");
		rc = -1;
	}
	return rc;
}
