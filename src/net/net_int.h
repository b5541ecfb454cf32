/*
 * net_int.h: what the files of src/net share and nothing outside sees.
 */
#ifndef SMTPSCOPE_NET_INTERNAL_H
#define SMTPSCOPE_NET_INTERNAL_H

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include "net/net.h"

/* Lookups without a timeout of their own get this one. */
#define NET_DNS_TIMEOUT_MS 5000
/*
 * Room for one answer: UDP without EDNS0 carries at most 512 bytes, a
 * truncated one is asked again over TCP, whose answers may be longer.
 */
#define NET_DNS_ANSWER 16384

/* One DNS conversation: a private resolver state and whom it asks. */
struct net_dns {
	struct __res_state state;
	/* Who is asked, for messages: "the DNS server 127.0.0.1:53" or "the system's resolver". */
	char server[NET_HOST_MAX + 32];
	const char *advice; /* what to do when that server fails, for messages */
	bool over_tcp;      /* the last answer came over TCP: the UDP one was truncated */
};

/* Fills err (when there is room) like snprintf. */
void net_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copies len bytes of s for a message: non-printable bytes become '?', long text ends "...". */
void net_quote(char *buf, size_t cap, const char *s, size_t len);
/* The words for an errno value (strerror_r, XSI form). */
void net_strerror(int code, char *buf, size_t cap);
/* Writes a duration in words: "5 s", "1.5 s", "250 ms". */
void net_duration(char *buf, size_t cap, int ms);
/* True when host is an IPv4 or IPv6 literal (with an optional %zone); *family says which. */
bool net_is_literal(const char *host, int *family);
/* The lookup options with defaults for NULL and for a timeout of zero or less. */
struct net_resolve_opts net_opts(const struct net_resolve_opts *opts);

/* Opens a resolver state asking resolver ("ADDR[:PORT]") or, for NULL, the system's servers. */
int net_dns_open(struct net_dns *dns, const char *resolver, char *err, size_t errlen);
void net_dns_close(struct net_dns *dns);
/* Says that the answer of dns holds a record that cannot be read; returns -1. */
int net_dns_malformed(const struct net_dns *dns, char *err, size_t errlen);
/*
 * Asks for the records of one type within budget_ms. Returns 1 with msg
 * ready to read, 0 when the name exists without such records, -1 with err.
 */
int net_dns_query(struct net_dns *dns, const char *name, int type, int budget_ms,
                  unsigned char *answer, int cap, ns_msg *msg, char *err, size_t errlen);
/*
 * Asks the question query (qlen bytes, as res_nmkquery made it) over TCP
 * (RFC 7766), of each server of dns in turn until one answers, within
 * budget_ms. Returns the length of the answer in answer, or -1 with err.
 */
int net_dns_tcp(struct net_dns *dns, const unsigned char *query, int qlen, int budget_ms,
                unsigned char *answer, int cap, char *err, size_t errlen);

#endif
