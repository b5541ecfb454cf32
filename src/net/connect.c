/*
 * connect.c: non-blocking connect with a deadline, waiting on one socket,
 * and the monotonic clock the deadlines are counted on.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net_int.h"

long long net_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		abort();
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int net_wait(int fd, bool for_write, int timeout_ms)
{
	return net_wait_stop(fd, for_write, timeout_ms, NULL);
}

int net_wait_stop(int fd, bool for_write, int timeout_ms, const volatile sig_atomic_t *stop)
{
	struct pollfd pfd = {.fd = fd, .events = for_write ? POLLOUT : POLLIN};
	long long deadline = net_now_ms() + timeout_ms;
	int left = timeout_ms, rc;

	for (;;) {
		if (stop != NULL && *stop != 0) {
			errno = EINTR;
			return -1;
		}
		rc = poll(&pfd, 1, left);
		if (rc > 0 && (pfd.revents & POLLNVAL)) {
			errno = EBADF;
			return -1;
		}
		if (rc >= 0)
			return rc > 0;
		if (errno != EINTR)
			return -1;
		if (timeout_ms >= 0) {
			long long remaining = deadline - net_now_ms();

			left = remaining > 0 ? (int)remaining : 0;
		}
	}
}

/* Puts a failed connect in words; timed_out is our own deadline passing. */
static void describe(const struct net_addr *addr, int code, bool timed_out, int timeout_ms,
                     char *err, size_t errlen)
{
	char why[128];

	if (timed_out) {
		net_duration(why, sizeof why, timeout_ms);
		net_err(err, errlen, "timed out after %s connecting to %s", why, addr->text);
		return;
	}
	switch (code) {
	case ECONNREFUSED:
		net_err(err, errlen, "connection refused by %s", addr->text);
		return;
	case ENETUNREACH:
		net_err(err, errlen, "network unreachable: no route to the network of %s",
		        addr->text);
		return;
	case EHOSTUNREACH:
		net_err(err, errlen, "host unreachable: no route to %s", addr->text);
		return;
	case ETIMEDOUT:
		net_err(err, errlen, "timed out connecting to %s (the system gave up)", addr->text);
		return;
	case EAFNOSUPPORT:
		net_err(err, errlen, "cannot connect to %s: IPv6 is not available here",
		        addr->text);
		return;
	case ECONNRESET:
		/* A refused connect says ECONNREFUSED: this one was taken, then reset. */
		net_err(err, errlen,
		        "%s accepted the connection and reset it (TCP RST) before smtpscope "
		        "could use it",
		        addr->text);
		return;
	}
	net_strerror(code, why, sizeof why);
	net_err(err, errlen, "cannot connect to %s: %s", addr->text, why);
}

/* Waits for a connect in progress; 0 when it succeeded, or the errno it failed with. */
static int finish(int fd, int timeout_ms, const volatile sig_atomic_t *stop, bool *timed_out)
{
	int code = 0, rc = net_wait_stop(fd, true, timeout_ms, stop);
	socklen_t len = sizeof code;

	if (rc == 0) {
		*timed_out = true;
		return ETIMEDOUT;
	}
	if (rc < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &len) != 0)
		return errno;
	return code;
}

int net_connect(const struct net_addr *addr, int timeout_ms, char *err, size_t errlen)
{
	return net_connect_stop(addr, timeout_ms, NULL, err, errlen);
}

int net_connect_stop(const struct net_addr *addr, int timeout_ms, const volatile sig_atomic_t *stop,
                     char *err, size_t errlen)
{
	bool timed_out = false;
	int fd, code = 0;

	fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		describe(addr, errno, false, timeout_ms, err, errlen);
		return -1;
	}
	/* An interrupted connect goes on in the background, like one in progress. */
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0)
		code = errno == EINPROGRESS || errno == EINTR
		           ? finish(fd, timeout_ms, stop, &timed_out)
		           : errno;
	if (code == 0)
		return fd;
	close(fd);
	describe(addr, code, timed_out, timeout_ms, err, errlen);
	return -1;
}
