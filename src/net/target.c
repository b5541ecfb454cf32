/*
 * target.c: "HOST[:PORT]", "[IPv6]:PORT" and bare IPv6 addresses, split
 * into host and port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

/* The parts of a target as found in its text. */
struct parts {
	const char *host;
	size_t hostlen;
	const char *port; /* NULL: none given */
	bool bracketed;
};

/* "[ADDR]" or "[ADDR]:PORT". */
static int split_bracketed(const char *text, struct parts *p, char *err, size_t errlen)
{
	const char *close = strchr(text, ']');

	if (close == NULL) {
		net_err(err, errlen, "unterminated '[': an IPv6 address is written [ADDR]:PORT");
		return -1;
	}
	p->host = text + 1;
	p->hostlen = (size_t)(close - p->host);
	p->bracketed = true;
	if (close[1] == ':')
		p->port = close + 2;
	else if (close[1] != '\0') {
		char rest[24];

		net_quote(rest, sizeof rest, close + 1, strlen(close + 1));
		net_err(err, errlen, "unexpected \"%s\" after ']': write [ADDR]:PORT", rest);
		return -1;
	}
	return 0;
}

/*
 * An IPv6 address without brackets whose last group could be a port
 * ("::1:3115": the address ::1:3115, or port 3115 of ::1?) is refused with
 * both bracketed forms, rather than silently read as an address.
 */
static int ambiguous_port(const char *text, char *err, size_t errlen)
{
	const char *last = strrchr(text, ':');
	size_t digits = strlen(last + 1);
	char prefix[NET_HOST_MAX], shown[NET_HOST_MAX];
	int family;

	if (digits == 0 || digits > 5 || strspn(last + 1, "0123456789") != digits ||
	    (size_t)(last - text) >= sizeof prefix)
		return 0;
	memcpy(prefix, text, (size_t)(last - text));
	prefix[last - text] = '\0';
	if (!net_is_literal(prefix, &family) || family != AF_INET6)
		return 0;
	net_quote(shown, sizeof shown, text, strlen(text));
	net_err(err, errlen,
	        "\"%s\" is ambiguous: write [%s]:%s for port %s of %s, or [%s] for the address",
	        shown, prefix, last + 1, last + 1, prefix, shown);
	return -1;
}

/* "HOST", "HOST:PORT", or an IPv6 address without brackets (two colons or more). */
static int split_plain(const char *text, struct parts *p, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':');
	int family;

	p->host = text;
	p->hostlen = strlen(text);
	if (colon == NULL)
		return 0;
	if (strchr(colon + 1, ':') == NULL) {
		p->hostlen = (size_t)(colon - text);
		p->port = colon + 1;
		return 0;
	}
	if (!net_is_literal(text, &family)) {
		net_err(err, errlen,
		        "more than one ':' but not an IPv6 address: write [ADDR]:PORT for one");
		return -1;
	}
	return ambiguous_port(text, err, errlen);
}

enum net_port_error net_port_parse(const char *text, unsigned short *port)
{
	size_t n = strlen(text), i;
	unsigned long value = 0;

	if (n == 0)
		return NET_PORT_EMPTY;
	for (i = 0; i < n; i++)
		if (text[i] < '0' || text[i] > '9')
			return NET_PORT_NOT_DIGITS;
	if (n > 5)
		return NET_PORT_RANGE;
	for (i = 0; i < n; i++)
		value = value * 10 + (unsigned long)(text[i] - '0');
	if (value > 65535)
		return NET_PORT_RANGE;
	*port = (unsigned short)value;
	return NET_PORT_OK;
}

/* The port given, or the default: a decimal number from 1 to 65535. */
static int set_port(struct net_target *target, const char *port, const char *default_port,
                    char *err, size_t errlen)
{
	enum net_port_error why;
	unsigned short value = 0;
	char shown[24];

	if (port == NULL) {
		if (strlen(default_port) >= sizeof target->port)
			abort();
		strcpy(target->port, default_port);
		return 0;
	}
	net_quote(shown, sizeof shown, port, strlen(port));
	why = net_port_parse(port, &value);
	if (why == NET_PORT_EMPTY) {
		net_err(err, errlen, "the port after ':' is empty");
		return -1;
	}
	if (why == NET_PORT_NOT_DIGITS) {
		net_err(err, errlen, "port \"%s\" is not a number", shown);
		return -1;
	}
	if (why == NET_PORT_RANGE || value == 0) {
		net_err(err, errlen, "port %s is outside 1-65535", shown);
		return -1;
	}
	snprintf(target->port, sizeof target->port, "%u", value);
	return 0;
}

/* The host must be there, fit, and hold no spaces or control bytes. */
static int check_host(const struct parts *p, char *err, size_t errlen)
{
	size_t i;

	if (p->hostlen == 0) {
		net_err(err, errlen, "empty host");
		return -1;
	}
	if (p->hostlen > NET_HOST_MAX - 1) {
		net_err(err, errlen, "host longer than %d bytes", NET_HOST_MAX - 1);
		return -1;
	}
	for (i = 0; i < p->hostlen; i++) {
		if ((unsigned char)p->host[i] <= 0x20 || p->host[i] == 0x7f) {
			net_err(err, errlen, "the host holds a space or a control character");
			return -1;
		}
	}
	return 0;
}

int net_parse_target(const char *text, const char *default_port, struct net_target *target,
                     char *err, size_t errlen)
{
	struct parts p = {NULL, 0, NULL, false};
	int family;

	memset(target, 0, sizeof *target);
	if (default_port == NULL)
		default_port = NET_SMTP_PORT;
	if ((text[0] == '[' ? split_bracketed(text, &p, err, errlen)
	                    : split_plain(text, &p, err, errlen)) != 0)
		return -1;
	if (check_host(&p, err, errlen) != 0)
		return -1;
	memcpy(target->host, p.host, p.hostlen);
	target->host[p.hostlen] = '\0';
	if (p.bracketed && (!net_is_literal(target->host, &family) || family != AF_INET6)) {
		char shown[48];

		net_quote(shown, sizeof shown, p.host, p.hostlen);
		net_err(err, errlen, "[%s] does not hold an IPv6 address", shown);
		return -1;
	}
	return set_port(target, p.port, default_port, err, errlen);
}
