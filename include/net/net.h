/*
 * net.h: addresses, resolving (A/AAAA, MX) and non-blocking connect.
 * Everything with a timeout; nothing here knows SMTP.
 */
#ifndef SMTPSCOPE_NET_H
#define SMTPSCOPE_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NET_HOST_MAX  256
#define NET_ADDRS_MAX 16
#define NET_MX_MAX    16
/* The port net_parse_target() uses when given no default. */
#define NET_SMTP_PORT "25"

/* "HOST[:PORT]" or "[v6addr]:PORT", split. */
struct net_target {
	char host[NET_HOST_MAX];
	char port[8];
};

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64]; /* "192.0.2.1:25", "[2001:db8::1]:25" */
};

struct net_mx {
	char host[NET_HOST_MAX];
	unsigned preference;
};

/* Options shared by the look-ups. */
struct net_resolve_opts {
	int family;           /* AF_UNSPEC, AF_INET or AF_INET6 (-4 / -6) */
	const char *resolver; /* "ADDR[:PORT]" of a DNS server to ask; NULL: the system's */
	int timeout_ms;
};

/* What net_port_parse found in a port's text. */
enum net_port_error {
	NET_PORT_OK,         /* a port from 0 to 65535 */
	NET_PORT_EMPTY,      /* no text at all */
	NET_PORT_NOT_DIGITS, /* a byte that is not 0-9: a sign, a space, a name */
	NET_PORT_RANGE,      /* digits, but more than 5 of them or a value over 65535 */
};
/*
 * Reads a port: 1 to 5 decimal digits and nothing else, at most 65535, into
 * *port. Port 0 is NET_PORT_OK (a listener's "any free port"); a caller
 * that connects refuses it.
 */
enum net_port_error net_port_parse(const char *text, unsigned short *port);
/* Returns 0, or -1 with err filled ("HOST:PORT", "[v6]:PORT", port 1-65535). */
int net_parse_target(const char *text, const char *default_port, struct net_target *target,
                     char *err, size_t errlen);
/*
 * Addresses of host (a name or a literal), in the resolver's order.
 * Returns 0 with *n >= 1, or -1 with err filled.
 */
int net_resolve(const char *host, const char *port, const struct net_resolve_opts *opts,
                struct net_addr *out, size_t max, size_t *n, char *err, size_t errlen);
/*
 * MX records of domain, sorted by preference (ties in the order received).
 * No MX record gives *n == 0 (the caller falls back to the domain itself,
 * RFC 5321 §5.1); a null MX ("." ) gives -1 with err saying so.
 */
int net_mx(const char *domain, const struct net_resolve_opts *opts, struct net_mx *out, size_t max,
           size_t *n, char *err, size_t errlen);
/* What an MX look-up read besides the hosts it kept. */
struct net_mx_info {
	size_t records; /* MX records in the answer, kept or not */
	bool over_tcp;  /* the UDP answer was truncated and TCP gave the whole one */
};
/* Like net_mx, and fills info (when not NULL) even on failure. */
int net_mx_read(const char *domain, const struct net_resolve_opts *opts, struct net_mx *out,
                size_t max, size_t *n, struct net_mx_info *info, char *err, size_t errlen);
/*
 * Connects without blocking longer than timeout_ms. Returns a connected,
 * non-blocking socket, or -1 with err filled ("connection refused", "timed
 * out after 30 s", ...).
 */
int net_connect(const struct net_addr *addr, int timeout_ms, char *err, size_t errlen);
/* The same, given up with errno EINTR once a signal handler has set *stop. */
int net_connect_stop(const struct net_addr *addr, int timeout_ms, const volatile sig_atomic_t *stop,
                     char *err, size_t errlen);
/*
 * Fills addr from a socket address (from accept() or getpeername(), say):
 * ss, len and text. Returns 0, or -1 when sa is neither IPv4 nor IPv6.
 */
int net_addr_set(struct net_addr *addr, const struct sockaddr *sa, socklen_t len);
/* The port of an address that net_addr_set filled. */
unsigned short net_addr_port(const struct net_addr *addr);
/*
 * Waits until fd is readable (or writable); 1 ready, 0 timed out, -1 error.
 * With fd -1 it waits for nothing: a sleep of timeout_ms.
 */
int net_wait(int fd, bool for_write, int timeout_ms);
/*
 * The same, but a signal that interrupts it after setting *stop (a flag its
 * handler sets) ends it: -1 with errno EINTR. Other signals restart it.
 */
int net_wait_stop(int fd, bool for_write, int timeout_ms, const volatile sig_atomic_t *stop);
/* Milliseconds of a monotonic clock, for deadlines. */
long long net_now_ms(void);

#endif
