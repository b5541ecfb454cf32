/*
 * test_net.c: target parsing, resolving, MX look-ups and connecting, on
 * loopback only. A small DNS server in a thread answers from a table on
 * 127.0.0.1 (and on ::1 when the machine has it) and stops by itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/net.h"

/* ---- net_parse_target ---- */

struct tcase {
	const char *in;
	const char *host;  /* expected host, or NULL when an error is expected */
	const char *port;  /* expected port */
	const char *error; /* a part of the expected error */
};

static const struct tcase targets[] = {
    {"mx.example.org", "mx.example.org", "25", NULL},
    {"mx.example.org:587", "mx.example.org", "587", NULL},
    {"192.0.2.1:2525", "192.0.2.1", "2525", NULL},
    {"192.0.2.1", "192.0.2.1", "25", NULL},
    {"[2001:db8::1]:25", "2001:db8::1", "25", NULL},
    {"[2001:db8::1]:465", "2001:db8::1", "465", NULL},
    {"[::1]", "::1", "25", NULL},
    {"::1", "::1", "25", NULL},
    {"2001:db8::1", "2001:db8::1", "25", NULL},
    {"[fe80::1%eth0]:25", "fe80::1%eth0", "25", NULL},
    {"host:00025", "host", "25", NULL},
    {"host:1", "host", "1", NULL},
    {"host:65535", "host", "65535", NULL},
    {"", NULL, NULL, "empty host"},
    {":25", NULL, NULL, "empty host"},
    {"[]:25", NULL, NULL, "empty host"},
    {"[]", NULL, NULL, "empty host"},
    {"[::1", NULL, NULL, "unterminated '['"},
    {"[::1:25", NULL, NULL, "unterminated '['"},
    {"[::1]25", NULL, NULL, "after ']'"},
    {"[::1]x:25", NULL, NULL, "after ']'"},
    {"[::1]:", NULL, NULL, "port after ':' is empty"},
    {"host:", NULL, NULL, "port after ':' is empty"},
    {"host:smtp", NULL, NULL, "not a number"},
    {"host:-1", NULL, NULL, "not a number"},
    {"host:+25", NULL, NULL, "not a number"},
    {"host:25 ", NULL, NULL, "not a number"},
    {"host:0", NULL, NULL, "outside 1-65535"},
    {"host:65536", NULL, NULL, "outside 1-65535"},
    {"host:99999999999999999999", NULL, NULL, "outside 1-65535"},
    {"[mx.example.org]:25", NULL, NULL, "does not hold an IPv6 address"},
    {"[192.0.2.1]:25", NULL, NULL, "does not hold an IPv6 address"},
    {"a:b:c", NULL, NULL, "more than one ':'"},
    {"two words", NULL, NULL, "space"},
    {"tab\there:25", NULL, NULL, "control character"},
};

static void check_target(const char *in, const char *def, const char *host, const char *port,
                         const char *error)
{
	struct net_target t;
	char err[256] = "";
	int rc = net_parse_target(in, def, &t, err, sizeof err);

	if (host != NULL) {
		if (rc != 0)
			fail_msg("\"%s\": unexpected error \"%s\"", in, err);
		assert_string_equal(t.host, host);
		assert_string_equal(t.port, port);
		return;
	}
	if (rc != -1)
		fail_msg("\"%s\": parsed as host \"%s\" port \"%s\"", in, t.host, t.port);
	if (strstr(err, error) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", in, err, error);
}

static void test_parse_target(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof targets / sizeof targets[0]; i++)
		check_target(targets[i].in, "25", targets[i].host, targets[i].port,
		             targets[i].error);
}

static void test_parse_target_default_port(void **state)
{
	(void)state;
	check_target("host", "587", "host", "587", NULL);
	check_target("[::1]", "465", "::1", "465", NULL);
	check_target("host:25", "587", "host", "25", NULL);
	check_target("host", NULL, "host", NET_SMTP_PORT, NULL);
}

static void test_parse_target_host_length(void **state)
{
	char text[NET_HOST_MAX + 8];

	(void)state;
	memset(text, 'a', NET_HOST_MAX - 1);
	text[NET_HOST_MAX - 1] = '\0';
	check_target(text, "25", text, "25", NULL);
	strcpy(text + NET_HOST_MAX - 1, "a:25");
	check_target(text, "25", NULL, NULL, "host longer than 255 bytes");
}

/* ---- net_port_parse ---- */

static const struct {
	const char *in;
	enum net_port_error want;
	unsigned short port; /* with NET_PORT_OK */
} ports[] = {
    {"", NET_PORT_EMPTY, 0},
    {"0", NET_PORT_OK, 0},
    {"1", NET_PORT_OK, 1},
    {"25", NET_PORT_OK, 25},
    {"00025", NET_PORT_OK, 25},
    {"65535", NET_PORT_OK, 65535},
    {"65536", NET_PORT_RANGE, 0},
    {"99999", NET_PORT_RANGE, 0},
    {"000025", NET_PORT_RANGE, 0}, /* more than 5 digits, whatever their value */
    {"100000", NET_PORT_RANGE, 0},
    {"99999999999999999999999999999999999999", NET_PORT_RANGE, 0},
    {"00000000000000000000000000000000000001", NET_PORT_RANGE, 0},
    {"+1", NET_PORT_NOT_DIGITS, 0},
    {"-1", NET_PORT_NOT_DIGITS, 0},
    {" 1", NET_PORT_NOT_DIGITS, 0},
    {"1 ", NET_PORT_NOT_DIGITS, 0},
    {"1x", NET_PORT_NOT_DIGITS, 0},
    {"0x19", NET_PORT_NOT_DIGITS, 0},
    {"smtp", NET_PORT_NOT_DIGITS, 0},
    {"99999999999999999999x", NET_PORT_NOT_DIGITS, 0},
};

static void test_port_parse(void **state)
{
	unsigned short port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		port = 7;
		if (net_port_parse(ports[i].in, &port) != ports[i].want)
			fail_msg("\"%s\": want %d", ports[i].in, (int)ports[i].want);
		if (ports[i].want == NET_PORT_OK && port != ports[i].port)
			fail_msg("\"%s\": port %u, want %u", ports[i].in, port, ports[i].port);
		if (ports[i].want != NET_PORT_OK && port != 7)
			fail_msg("\"%s\": refused, but *port changed", ports[i].in);
	}
}

/* Targets with more than 5 digits of port are refused, leading zeros or not. */
static void test_parse_target_port_digits(void **state)
{
	(void)state;
	check_target("host:000025", "25", NULL, NULL, "port 000025 is outside 1-65535");
	check_target("host:00000", "25", NULL, NULL, "port 00000 is outside 1-65535");
}

/* ---- helpers ---- */

/* True when a socket can be bound to [::1] here. */
static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), rc;

	if (fd < 0)
		return false;
	rc = bind(fd, (struct sockaddr *)&sin6, sizeof sin6);
	close(fd);
	return rc == 0;
}

static void assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", text, part);
}

/* ---- net_resolve without a DNS server ---- */

static void test_resolve_ipv4_literal(void **state)
{
	struct net_addr addrs[NET_ADDRS_MAX];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addrs[0].ss;
	struct net_resolve_opts opts = {AF_UNSPEC, NULL, 1000};
	char err[256] = "";
	size_t n = 0;

	(void)state;
	assert_int_equal(
	    net_resolve("127.0.0.1", "25", &opts, addrs, NET_ADDRS_MAX, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(addrs[0].text, "127.0.0.1:25");
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 25);
	assert_int_equal(net_addr_port(&addrs[0]), 25);
	assert_int_equal(addrs[0].len, sizeof *sin);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
}

static void test_resolve_ipv6_literal(void **state)
{
	struct net_addr addrs[NET_ADDRS_MAX];
	struct net_resolve_opts opts = {AF_INET6, NULL, 1000};
	char err[256] = "";
	size_t n = 0;

	(void)state;
	if (!have_ipv6_loopback()) {
		print_message("[::1] cannot be bound on this machine: IPv6 case skipped\n");
		skip();
	}
	assert_int_equal(
	    net_resolve("::1", "2525", &opts, addrs, NET_ADDRS_MAX, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(addrs[0].text, "[::1]:2525");
	assert_int_equal(addrs[0].ss.ss_family, AF_INET6);
	assert_int_equal(net_addr_port(&addrs[0]), 2525);
}

static void test_resolve_literal_family(void **state)
{
	struct net_addr addrs[NET_ADDRS_MAX];
	struct net_resolve_opts v6 = {AF_INET6, NULL, 1000}, v4 = {AF_INET, NULL, 1000};
	char err[256] = "";
	size_t n = 9;

	(void)state;
	assert_int_equal(
	    net_resolve("127.0.0.1", "25", &v6, addrs, NET_ADDRS_MAX, &n, err, sizeof err), -1);
	assert_int_equal(n, 0);
	assert_contains(err, "is an IPv4 address, but only IPv6");
	assert_int_equal(net_resolve("::1", "25", &v4, addrs, NET_ADDRS_MAX, &n, err, sizeof err),
	                 -1);
	assert_contains(err, "is an IPv6 address, but only IPv4");
}

static void test_resolve_localhost(void **state)
{
	struct net_addr addrs[NET_ADDRS_MAX];
	struct net_resolve_opts opts = {AF_UNSPEC, NULL, 1000}, v4 = {AF_INET, NULL, 1000};
	char err[256] = "";
	size_t i, n = 0;

	(void)state;
	if (net_resolve("localhost", "25", &opts, addrs, NET_ADDRS_MAX, &n, err, sizeof err) != 0)
		fail_msg("localhost: %s", err);
	assert_true(n >= 1);
	for (i = 0; i < n; i++)
		if (strcmp(addrs[i].text, "127.0.0.1:25") != 0 &&
		    strcmp(addrs[i].text, "[::1]:25") != 0)
			fail_msg("localhost gave %s", addrs[i].text);
	if (net_resolve("localhost", "25", &v4, addrs, NET_ADDRS_MAX, &n, err, sizeof err) != 0)
		fail_msg("localhost -4: %s", err);
	assert_int_equal(n, 1);
	assert_string_equal(addrs[0].text, "127.0.0.1:25");
}

/* ---- a tiny DNS server ---- */

enum { T_A = 1, T_MX = 15, T_AAAA = 28 };

struct record {
	const char *name;
	int type; /* 0: the name exists without records */
	unsigned preference;
	const char *data;
};

static const struct record records[] = {
    {"mx.test", T_MX, 20, "b.mx.test"}, {"mx.test", T_MX, 10, "a.mx.test"},
    {"mx.test", T_MX, 10, "c.mx.test"}, {"a.mx.test", T_A, 0, "127.0.0.1"},
    {"v6.test", T_AAAA, 0, "::1"},      {"nomx.test", 0, 0, NULL},
    {"nullmx.test", T_MX, 0, "."},
};

struct dns_server {
	int fd[2];
	int nfd;
	unsigned short port[2]; /* of 127.0.0.1, then of ::1 (0: none) */
	pthread_t thread;
	atomic_bool stop;
};

static struct dns_server server;

/* Reads the question's name (lower case, dotted) and type; returns its end or 0. */
static size_t read_question(const unsigned char *q, size_t len, char *name, size_t cap, int *type)
{
	size_t at = 12, out = 0;

	while (at < len && q[at] != 0) {
		size_t label = q[at++], i;

		if (label > 63 || at + label > len || out + label + 2 > cap)
			return 0;
		if (out > 0)
			name[out++] = '.';
		for (i = 0; i < label; i++)
			name[out++] = (char)(q[at + i] >= 'A' && q[at + i] <= 'Z' ? q[at + i] + 32
			                                                          : q[at + i]);
		at += label;
	}
	name[out] = '\0';
	if (at + 5 > len)
		return 0;
	*type = q[at + 1] << 8 | q[at + 2];
	return at + 5;
}

static size_t put16(unsigned char *p, size_t at, unsigned v)
{
	p[at] = (unsigned char)(v >> 8);
	p[at + 1] = (unsigned char)v;
	return at + 2;
}

/* Writes a name as labels, without compression; "." is the root alone. */
static size_t put_name(unsigned char *p, size_t at, const char *name)
{
	while (*name != '\0' && strcmp(name, ".") != 0) {
		size_t len = strcspn(name, ".");

		p[at++] = (unsigned char)len;
		memcpy(p + at, name, len);
		at += len;
		name += len + (name[len] == '.');
	}
	p[at++] = 0;
	return at;
}

/* Appends one answer record, its owner a pointer to the question's name. */
static size_t put_record(unsigned char *p, size_t at, const struct record *r)
{
	size_t rdlen_at, start;

	at = put16(p, at, 0xc00c);
	at = put16(p, at, (unsigned)r->type);
	at = put16(p, at, 1);
	at = put16(p, at, 0);
	at = put16(p, at, 60);
	rdlen_at = at;
	at += 2;
	start = at;
	if (r->type == T_MX) {
		at = put16(p, at, r->preference);
		at = put_name(p, at, r->data);
	} else {
		inet_pton(r->type == T_A ? AF_INET : AF_INET6, r->data, p + at);
		at += r->type == T_A ? 4 : 16;
	}
	put16(p, rdlen_at, (unsigned)(at - start));
	return at;
}

/* Builds the answer to q; returns its length, or 0 to stay silent. */
static size_t answer(const unsigned char *q, size_t len, unsigned char *a)
{
	char name[256];
	int type, rcode = 3;
	size_t end = read_question(q, len, name, sizeof name, &type), i, at, count = 0;

	if (end == 0 || strcmp(name, "silent.test") == 0)
		return 0;
	memcpy(a, q, end);
	at = end;
	for (i = 0; i < sizeof records / sizeof records[0]; i++) {
		if (strcmp(records[i].name, name) != 0)
			continue;
		rcode = 0;
		if (records[i].type == type) {
			at = put_record(a, at, &records[i]);
			count++;
		}
	}
	if (strcmp(name, "servfail.test") == 0)
		rcode = 2;
	a[2] = (unsigned char)(0x80 | (q[2] & 0x79));
	a[3] = (unsigned char)(0x80 | rcode);
	put16(a, 4, 1);
	put16(a, 6, (unsigned)count);
	put16(a, 8, 0);
	put16(a, 10, 0);
	return at;
}

/* Answers until told to stop, and for one minute at most. */
static void *serve(void *arg)
{
	struct pollfd pfd[2];
	unsigned char q[512], a[512];
	struct sockaddr_storage from;
	int i, rounds;

	(void)arg;
	for (i = 0; i < server.nfd; i++)
		pfd[i] = (struct pollfd){.fd = server.fd[i], .events = POLLIN};
	for (rounds = 0; rounds < 600 && !atomic_load(&server.stop); rounds++) {
		if (poll(pfd, (nfds_t)server.nfd, 100) <= 0)
			continue;
		for (i = 0; i < server.nfd; i++) {
			socklen_t fromlen = sizeof from;
			ssize_t got;
			size_t len;

			if (!(pfd[i].revents & POLLIN))
				continue;
			got = recvfrom(server.fd[i], q, sizeof q, 0, (struct sockaddr *)&from,
			               &fromlen);
			if (got > 0 && (len = answer(q, (size_t)got, a)) > 0)
				sendto(server.fd[i], a, len, 0, (struct sockaddr *)&from, fromlen);
		}
	}
	return NULL;
}

/* Binds a UDP socket to the loopback address of family on a free port. */
static int bind_loopback(int family, int type, unsigned short *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof *sin6;
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int server_start(void **state)
{
	(void)state;
	memset(&server, 0, sizeof server);
	server.fd[0] = bind_loopback(AF_INET, SOCK_DGRAM, &server.port[0]);
	if (server.fd[0] < 0)
		return -1;
	server.nfd = 1;
	if (have_ipv6_loopback()) {
		server.fd[1] = bind_loopback(AF_INET6, SOCK_DGRAM, &server.port[1]);
		if (server.fd[1] >= 0)
			server.nfd = 2;
	}
	atomic_init(&server.stop, false);
	return pthread_create(&server.thread, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state)
{
	int i;

	(void)state;
	atomic_store(&server.stop, true);
	pthread_join(server.thread, NULL);
	for (i = 0; i < server.nfd; i++)
		close(server.fd[i]);
	return 0;
}

/* Options that ask the test server, over IPv4 or (v6) over IPv6. */
static struct net_resolve_opts server_opts(int family, bool v6, char *buf, size_t cap)
{
	struct net_resolve_opts opts = {family, buf, 1000};

	if (v6)
		snprintf(buf, cap, "[::1]:%u", server.port[1]);
	else
		snprintf(buf, cap, "127.0.0.1:%u", server.port[0]);
	return opts;
}

/* ---- net_mx through the test server ---- */

static void test_mx_sorted(void **state)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts = server_opts(AF_UNSPEC, false, resolver, sizeof resolver);
	struct net_mx mx[NET_MX_MAX];
	size_t n = 0;

	(void)state;
	if (net_mx("mx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err) != 0)
		fail_msg("mx.test: %s", err);
	assert_int_equal(n, 3);
	assert_string_equal(mx[0].host, "a.mx.test");
	assert_int_equal(mx[0].preference, 10);
	assert_string_equal(mx[1].host, "c.mx.test");
	assert_int_equal(mx[1].preference, 10);
	assert_string_equal(mx[2].host, "b.mx.test");
	assert_int_equal(mx[2].preference, 20);
	/* Room for two: the worst preference is the one left out. */
	assert_int_equal(net_mx("MX.test.", &opts, mx, 2, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(mx[0].host, "a.mx.test");
	assert_string_equal(mx[1].host, "c.mx.test");
}

static void test_mx_none(void **state)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts = server_opts(AF_UNSPEC, false, resolver, sizeof resolver);
	struct net_mx mx[NET_MX_MAX];
	size_t n = 7;

	(void)state;
	if (net_mx("nomx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err) != 0)
		fail_msg("nomx.test: %s", err);
	assert_int_equal(n, 0);
	/* A name with other records but no MX is the same case. */
	assert_int_equal(net_mx("a.mx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), 0);
	assert_int_equal(n, 0);
}

static void test_mx_errors(void **state)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts = server_opts(AF_UNSPEC, false, resolver, sizeof resolver);
	struct net_mx mx[NET_MX_MAX];
	size_t n = 7;

	(void)state;
	assert_int_equal(net_mx("nullmx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	assert_int_equal(n, 0);
	assert_string_equal(err, "the domain publishes a null MX: it accepts no mail");
	assert_int_equal(net_mx("nowhere.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	assert_contains(err, "no such domain, says the DNS server 127.0.0.1:");
	assert_contains(err, "; check the spelling");
	assert_int_equal(net_mx("servfail.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	assert_contains(err, resolver);
	assert_contains(err, "answered SERVFAIL");
}

/* A DNS server address where nothing listens fails at once, in words. */
static void test_mx_no_server(void **state)
{
	unsigned short port = 0;
	int fd = bind_loopback(AF_INET, SOCK_DGRAM, &port);
	char resolver[64], err[256] = "", want[256];
	struct net_resolve_opts opts = {AF_UNSPEC, resolver, 1000};
	struct net_mx mx[NET_MX_MAX];
	size_t n = 7;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(resolver, sizeof resolver, "127.0.0.1:%u", port);
	assert_int_equal(net_mx("mx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	assert_int_equal(n, 0);
	snprintf(want, sizeof want,
	         "the DNS server 127.0.0.1:%u cannot be reached: nothing listens on its port; "
	         "check the address given with --resolver",
	         port);
	assert_string_equal(err, want);
}

static void test_mx_silent(void **state)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts = server_opts(AF_UNSPEC, false, resolver, sizeof resolver);
	struct net_mx mx[NET_MX_MAX];
	long long start = net_now_ms(), took;
	size_t n = 7;

	(void)state;
	assert_int_equal(net_mx("silent.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	took = net_now_ms() - start;
	assert_int_equal(n, 0);
	assert_contains(err, "did not answer within 1 s");
	assert_contains(err, resolver);
	if (took >= 3000)
		fail_msg("the look-up took %lld ms", took);
	print_message("silent.test failed after %lld ms: %s\n", took, err);
}

/* ---- net_resolve through the test server ---- */

static void expect_one(const char *host, int family, bool v6, const char *text)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts = server_opts(family, v6, resolver, sizeof resolver);
	struct net_addr addrs[NET_ADDRS_MAX];
	size_t n = 0;

	if (net_resolve(host, "25", &opts, addrs, NET_ADDRS_MAX, &n, err, sizeof err) != 0)
		fail_msg("%s via %s: %s", host, resolver, err);
	assert_int_equal(n, 1);
	assert_string_equal(addrs[0].text, text);
}

static void expect_error(const char *host, int family, const char *error)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts = server_opts(family, false, resolver, sizeof resolver);
	struct net_addr addrs[NET_ADDRS_MAX];
	size_t n = 5;

	assert_int_equal(net_resolve(host, "25", &opts, addrs, NET_ADDRS_MAX, &n, err, sizeof err),
	                 -1);
	assert_int_equal(n, 0);
	assert_contains(err, error);
}

static void test_resolve_via_server(void **state)
{
	(void)state;
	expect_one("a.mx.test", AF_UNSPEC, false, "127.0.0.1:25");
	expect_one("a.mx.test", AF_INET, false, "127.0.0.1:25");
	expect_one("v6.test", AF_UNSPEC, false, "[::1]:25");
	expect_one("v6.test", AF_INET6, false, "[::1]:25");
	expect_error("a.mx.test", AF_INET6, "no address records (AAAA)");
	expect_error("v6.test", AF_INET, "no address records (A)");
	expect_error("nomx.test", AF_UNSPEC, "no address records (A or AAAA)");
	expect_error("nowhere.test", AF_UNSPEC, "no such domain");
	expect_error("silent.test", AF_INET, "did not answer within 1 s");
}

static void test_resolver_over_ipv6(void **state)
{
	char resolver[64], err[256] = "";
	struct net_resolve_opts opts;
	struct net_mx mx[NET_MX_MAX];
	size_t n = 0;

	(void)state;
	if (server.nfd < 2) {
		print_message("[::1] cannot be bound on this machine: IPv6 DNS server skipped\n");
		skip();
	}
	expect_one("a.mx.test", AF_UNSPEC, true, "127.0.0.1:25");
	expect_one("v6.test", AF_INET6, true, "[::1]:25");
	opts = server_opts(AF_UNSPEC, true, resolver, sizeof resolver);
	if (net_mx("mx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err) != 0)
		fail_msg("mx.test via %s: %s", resolver, err);
	assert_int_equal(n, 3);
	assert_string_equal(mx[0].host, "a.mx.test");
}

static void test_resolver_address(void **state)
{
	struct net_resolve_opts opts = {AF_UNSPEC, "dns.example", 1000};
	struct net_mx mx[NET_MX_MAX];
	char err[256] = "";
	size_t n = 0;

	(void)state;
	assert_int_equal(net_mx("mx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	assert_contains(err, "not a name");
	opts.resolver = "127.0.0.1:99999";
	assert_int_equal(net_mx("mx.test", &opts, mx, NET_MX_MAX, &n, err, sizeof err), -1);
	assert_contains(err, "outside 1-65535");
}

/* ---- net_connect, net_wait ---- */

static struct net_addr loopback_addr(unsigned short port)
{
	struct net_addr addr;
	char text[8], err[256] = "";
	size_t n = 0;

	snprintf(text, sizeof text, "%u", port);
	if (net_resolve("127.0.0.1", text, NULL, &addr, 1, &n, err, sizeof err) != 0)
		fail_msg("127.0.0.1: %s", err);
	return addr;
}

static void test_connect(void **state)
{
	unsigned short port = 0;
	int listener = bind_loopback(AF_INET, SOCK_STREAM, &port), fd, peer;
	struct net_addr addr = loopback_addr(port);
	char err[256] = "";

	(void)state;
	assert_true(listener >= 0);
	assert_int_equal(listen(listener, 4), 0);
	fd = net_connect(&addr, 2000, err, sizeof err);
	if (fd < 0)
		fail_msg("%s: %s", addr.text, err);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	peer = accept(listener, NULL, NULL);
	assert_true(peer >= 0);
	assert_int_equal(write(peer, "220 hi\r\n", 8), 8);
	assert_int_equal(net_wait(fd, false, 2000), 1);
	close(peer);
	close(fd);
	close(listener);
}

static void test_connect_refused(void **state)
{
	unsigned short port = 0;
	int fd = bind_loopback(AF_INET, SOCK_STREAM, &port);
	struct net_addr addr;
	char err[256] = "", want[64];
	long long start;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	addr = loopback_addr(port);
	start = net_now_ms();
	assert_int_equal(net_connect(&addr, 5000, err, sizeof err), -1);
	assert_true(net_now_ms() - start < 1000);
	snprintf(want, sizeof want, "connection refused by 127.0.0.1:%u", port);
	assert_string_equal(err, want);
}

/*
 * A listener that never accepts, with a backlog of zero, lets a connection
 * or two through; the SYN of the next one is dropped, so it times out.
 */
static void test_connect_timeout(void **state)
{
	unsigned short port = 0;
	int listener = bind_loopback(AF_INET, SOCK_STREAM, &port), fds[16], i, nfds = 0;
	struct net_addr addr = loopback_addr(port);
	char err[256] = "";
	long long start = 0, took = 0;

	(void)state;
	assert_true(listener >= 0);
	assert_int_equal(listen(listener, 0), 0);
	for (i = 0; i < 16; i++) {
		start = net_now_ms();
		fds[nfds] = net_connect(&addr, 300, err, sizeof err);
		took = net_now_ms() - start;
		if (fds[nfds] < 0)
			break;
		nfds++;
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	close(listener);
	if (nfds == 16) {
		print_message("the full backlog did not hold connections back: skipped\n");
		skip();
	}
	assert_contains(err, "timed out after 300 ms connecting to 127.0.0.1:");
	assert_true(took >= 250 && took < 2000);
}

static void test_wait(void **state)
{
	int sv[2];
	long long start;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	start = net_now_ms();
	assert_int_equal(net_wait(sv[0], false, 100), 0);
	assert_true(net_now_ms() - start >= 90);
	assert_int_equal(net_wait(sv[0], true, 100), 1);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(net_wait(sv[0], false, 100), 1);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(net_wait(sv[0], false, 100), -1);
}

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t alarms;
static volatile sig_atomic_t alarm_sets_flag;

static void on_alarm(int sig)
{
	alarms++;
	if (alarm_sets_flag)
		stop_flag = sig;
}

/* A SIGALRM in ms milliseconds, its handler installed without SA_RESTART. */
static void alarm_in(int ms, bool sets_flag)
{
	struct itimerval it = {{0, 0}, {0, ms * 1000}};
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	stop_flag = 0;
	alarm_sets_flag = sets_flag;
	alarms = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

/* A signal whose handler set the flag ends the wait; any other restarts it. */
static void test_wait_stop(void **state)
{
	int sv[2];
	long long start, took;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	alarm_in(100, true);
	start = net_now_ms();
	assert_int_equal(net_wait_stop(sv[0], false, 5000, &stop_flag), -1);
	took = net_now_ms() - start;
	assert_int_equal(errno, EINTR);
	assert_int_equal(stop_flag, SIGALRM);
	assert_true(took >= 80 && took < 2000);
	/* The flag already set: at once. */
	assert_int_equal(net_wait_stop(sv[0], false, 5000, &stop_flag), -1);
	assert_int_equal(errno, EINTR);
	alarm_in(100, false);
	start = net_now_ms();
	assert_int_equal(net_wait_stop(sv[0], false, 400, &stop_flag), 0);
	took = net_now_ms() - start;
	assert_int_equal(alarms, 1);
	assert_true(took >= 380);
	alarm_in(100, true);
	assert_int_equal(net_wait(sv[0], false, 400), 0);
	assert_int_equal(alarms, 1);
	signal(SIGALRM, SIG_DFL);
	close(sv[0]);
	close(sv[1]);
}

/* With fd -1 a wait is a sleep, which the flag still ends (the lab's delays). */
static void test_wait_sleep(void **state)
{
	long long start, took;

	(void)state;
	start = net_now_ms();
	assert_int_equal(net_wait(-1, false, 100), 0);
	assert_true(net_now_ms() - start >= 90);
	alarm_in(100, true);
	start = net_now_ms();
	assert_int_equal(net_wait_stop(-1, false, 5000, &stop_flag), -1);
	took = net_now_ms() - start;
	assert_int_equal(errno, EINTR);
	assert_true(took >= 80 && took < 2000);
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_target),
	    cmocka_unit_test(test_parse_target_default_port),
	    cmocka_unit_test(test_parse_target_host_length),
	    cmocka_unit_test(test_port_parse),
	    cmocka_unit_test(test_parse_target_port_digits),
	    cmocka_unit_test(test_resolve_ipv4_literal),
	    cmocka_unit_test(test_resolve_ipv6_literal),
	    cmocka_unit_test(test_resolve_literal_family),
	    cmocka_unit_test(test_resolve_localhost),
	    cmocka_unit_test(test_mx_sorted),
	    cmocka_unit_test(test_mx_none),
	    cmocka_unit_test(test_mx_errors),
	    cmocka_unit_test(test_mx_silent),
	    cmocka_unit_test(test_mx_no_server),
	    cmocka_unit_test(test_resolve_via_server),
	    cmocka_unit_test(test_resolver_over_ipv6),
	    cmocka_unit_test(test_resolver_address),
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_connect_refused),
	    cmocka_unit_test(test_connect_timeout),
	    cmocka_unit_test(test_wait),
	    cmocka_unit_test(test_wait_stop),
	    cmocka_unit_test(test_wait_sleep),
	};

	return cmocka_run_group_tests(tests, server_start, server_stop);
}
