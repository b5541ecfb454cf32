/*
 * dns_tcp.c: a DNS question over TCP (RFC 1035 section 4.2.2, RFC 7766),
 * asked when the UDP answer came back truncated. glibc's own fallback to
 * TCP blocks with no timeout, so this one is smtpscope's: a non-blocking
 * socket, every wait within the budget, each server of the state in turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_int.h"

/* The address of server i of the resolver state; -1 when the slot is empty. */
static int server_addr(const struct net_dns *dns, int i, struct net_addr *addr)
{
	const struct sockaddr_in *sin = &dns->state.nsaddr_list[i];
	const struct sockaddr_in6 *sin6 = dns->state._u._ext.nsaddrs[i];

	if (sin->sin_family == AF_INET)
		return net_addr_set(addr, (const struct sockaddr *)sin, sizeof *sin);
	if (sin6 != NULL && sin6->sin6_family == AF_INET6)
		return net_addr_set(addr, (const struct sockaddr *)sin6, sizeof *sin6);
	return -1;
}

/* Waits until fd is ready, before deadline; 0, or -1 with errno (ETIMEDOUT). */
static int wait_until(int fd, bool for_write, long long deadline)
{
	long long left = deadline - net_now_ms();
	int rc;

	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	rc = net_wait(fd, for_write, (int)left);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

/* Sends all len bytes before deadline; 0, or -1 with errno. */
static int send_all(int fd, const unsigned char *buf, size_t len, long long deadline)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_until(fd, true, deadline) != 0)
			return -1;
	}
	return 0;
}

/* Reads exactly len bytes before deadline; 0, or -1 with errno (0: the server closed). */
static int recv_all(int fd, unsigned char *buf, size_t len, long long deadline)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = recv(fd, buf + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = 0;
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_until(fd, false, deadline) != 0)
			return -1;
	}
	return 0;
}

/* Puts a failed exchange with the server at text in words; returns -1. */
static int tcp_failed(const char *text, int code, char *err, size_t errlen)
{
	char why[128];

	if (code == ETIMEDOUT) {
		net_err(err, errlen,
		        "the DNS server %s did not answer over TCP in time, after a truncated UDP "
		        "answer; give a longer --timeout",
		        text);
	} else if (code == 0) {
		net_err(err, errlen,
		        "the DNS server %s closed the TCP connection without an answer, after a "
		        "truncated UDP answer; ask another server with --resolver",
		        text);
	} else {
		net_strerror(code, why, sizeof why);
		net_err(err, errlen,
		        "the DNS server %s failed over TCP (%s), after a truncated UDP answer; ask "
		        "another server with --resolver",
		        text, why);
	}
	return -1;
}

/* One question and its answer on a connected socket: the answer's length, or -1. */
static int exchange(int fd, const char *text, const unsigned char *query, int qlen,
                    long long deadline, unsigned char *answer, int cap, char *err, size_t errlen)
{
	unsigned char out[2 + NS_PACKETSZ], prefix[2];
	int len;

	if (qlen > NS_PACKETSZ)
		abort();
	out[0] = (unsigned char)(qlen >> 8);
	out[1] = (unsigned char)qlen;
	memcpy(out + 2, query, (size_t)qlen);
	if (send_all(fd, out, (size_t)qlen + 2, deadline) != 0 ||
	    recv_all(fd, prefix, sizeof prefix, deadline) != 0)
		return tcp_failed(text, errno, err, errlen);
	len = prefix[0] << 8 | prefix[1];
	if (len < NS_HFIXEDSZ || len > cap) {
		net_err(err, errlen,
		        "the DNS server %s sent a TCP answer of %d bytes, which smtpscope cannot "
		        "read (at most %d); ask another server with --resolver",
		        text, len, cap);
		return -1;
	}
	if (recv_all(fd, answer, (size_t)len, deadline) != 0)
		return tcp_failed(text, errno, err, errlen);
	if (memcmp(answer, query, 2) != 0 || !(answer[2] & 0x80)) {
		net_err(err, errlen,
		        "the DNS server %s answered another question over TCP; ask another server "
		        "with --resolver",
		        text);
		return -1;
	}
	return len;
}

int net_dns_tcp(struct net_dns *dns, const unsigned char *query, int qlen, int budget_ms,
                unsigned char *answer, int cap, char *err, size_t errlen)
{
	long long deadline = net_now_ms() + budget_ms, left;
	struct net_addr addr;
	char why[256];
	int i, fd, len = -1;

	net_err(err, errlen, "%s has no server to ask over TCP; %s", dns->server, dns->advice);
	for (i = 0; i < dns->state.nscount && i < MAXNS && len < 0; i++) {
		if (server_addr(dns, i, &addr) != 0)
			continue;
		left = deadline - net_now_ms();
		if (left <= 0)
			return tcp_failed(addr.text, ETIMEDOUT, err, errlen);
		fd = net_connect(&addr, (int)left, why, sizeof why);
		if (fd < 0) {
			net_err(err, errlen,
			        "the DNS server %s sent a truncated UDP answer and cannot be asked "
			        "over TCP (%s); ask another server with --resolver",
			        addr.text, why);
			continue;
		}
		len = exchange(fd, addr.text, query, qlen, deadline, answer, cap, err, errlen);
		close(fd);
	}
	return len;
}
