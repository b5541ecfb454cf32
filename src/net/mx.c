/*
 * mx.c: the MX records of a domain, best preference first, with RFC 7505's
 * null MX told apart from a domain without MX records.
 */
#include <string.h>

#include "net_int.h"

/* Reads one MX record; the host comes without its trailing dot ("." for the root). */
static int read_mx(ns_msg *msg, const ns_rr *rr, struct net_mx *mx)
{
	const unsigned char *rdata = ns_rr_rdata(*rr);

	if (ns_rr_rdlen(*rr) < 3)
		return -1;
	mx->preference = ns_get16(rdata);
	if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rdata + 2, mx->host,
	                       sizeof mx->host) < 0)
		return -1;
	return 0;
}

/*
 * Inserts mx after every record of the same or a better preference, so that
 * ties keep the order received; when out is full the worst one drops out.
 */
static void insert_sorted(struct net_mx *out, size_t max, size_t *n, const struct net_mx *mx)
{
	size_t at = *n;

	while (at > 0 && out[at - 1].preference > mx->preference)
		at--;
	if (at >= max)
		return;
	if (*n == max)
		(*n)--;
	memmove(out + at + 1, out + at, (*n - at) * sizeof *out);
	out[at] = *mx;
	(*n)++;
}

/* Keeps the best max MX records of the answer; *records counts them all. */
static int collect(const struct net_dns *dns, ns_msg *msg, struct net_mx *out, size_t max,
                   size_t *n, size_t *records, char *err, size_t errlen)
{
	int i, count = ns_msg_count(*msg, ns_s_an);
	bool null_mx = false;
	struct net_mx mx;
	ns_rr rr;

	for (i = 0; i < count; i++) {
		if (ns_parserr(msg, ns_s_an, i, &rr) != 0 ||
		    (ns_rr_type(rr) == ns_t_mx && read_mx(msg, &rr, &mx) != 0))
			return net_dns_malformed(dns, err, errlen);
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in)
			continue;
		(*records)++;
		if (strcmp(mx.host, ".") == 0)
			null_mx = true;
		else
			insert_sorted(out, max, n, &mx);
	}
	if (null_mx && *records == 1) {
		net_err(err, errlen, "the domain publishes a null MX: it accepts no mail");
		return -1;
	}
	return 0;
}

int net_mx(const char *domain, const struct net_resolve_opts *opts, struct net_mx *out, size_t max,
           size_t *n, char *err, size_t errlen)
{
	return net_mx_read(domain, opts, out, max, n, NULL, err, errlen);
}

int net_mx_read(const char *domain, const struct net_resolve_opts *opts, struct net_mx *out,
                size_t max, size_t *n, struct net_mx_info *info, char *err, size_t errlen)
{
	struct net_resolve_opts o = net_opts(opts);
	unsigned char answer[NET_DNS_ANSWER];
	struct net_mx_info seen = {0, false};
	struct net_dns dns;
	ns_msg msg;
	int rc;

	*n = 0;
	if (info != NULL)
		*info = seen;
	if (net_dns_open(&dns, o.resolver, err, errlen) != 0)
		return -1;
	rc = net_dns_query(&dns, domain, ns_t_mx, o.timeout_ms, answer, sizeof answer, &msg, err,
	                   errlen);
	seen.over_tcp = dns.over_tcp;
	if (rc > 0)
		rc = collect(&dns, &msg, out, max, n, &seen.records, err, errlen);
	net_dns_close(&dns);
	if (info != NULL)
		*info = seen;
	if (rc < 0)
		*n = 0;
	return rc < 0 ? -1 : 0;
}
