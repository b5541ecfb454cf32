/*
 * gen-transcript.c: writes a large transcript for the lint benchmark: many
 * sessions, one in four with the field note's misordered EHLO reply, the
 * others correct, each upgraded with STARTTLS. By default in smtpscope's
 * transcript format; with --swaks the same conversation as swaks prints it
 * (no time stamps, swaks' own information lines).
 *
 * usage: gen-transcript [--swaks] MEGABYTES > FILE
 *        gen-transcript [--swaks] --lines N > FILE   (N lines in all, the
 *                                           header line included; the last
 *                                           session may be cut short)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const misordered[] = {
    "250-STARTTLS", "250-mail.domain1.com", "250-8BITMIME",      "250-PIPELINING",
    "250-HELP",     "250-DELIVERBY 300",    "250 SIZE 30000000", NULL,
};

static const char *const correct[] = {
    "250-mail-esa.com",
    "250-8BITMIME",
    "250-SIZE 33554432",
    "250-PIPELINING",
    "250-ENHANCEDSTATUSCODES",
    "250 STARTTLS",
    NULL,
};

static const char *const after_tls[] = {
    "250-mail-esa.com",        "250-8BITMIME", "250-SIZE 33554432", "250-AUTH PLAIN LOGIN",
    "250 ENHANCEDSTATUSCODES", NULL,
};

static unsigned long ms;
static unsigned long lines_left = (unsigned long)-1; /* --lines: lines still to write */
static bool swaks;                                   /* --swaks: swaks' format */

static size_t line(const char *mark, const char *text)
{
	unsigned long t = ms++;

	if (lines_left == 0)
		return 0;
	lines_left--;
	if (swaks)
		return (size_t)printf("%s%s\n", mark, text);
	return (size_t)printf("2026-11-22T%02lu:%02lu:%02lu.%03luZ %s%s\n", (t / 3600000) % 24,
	                      (t / 60000) % 60, (t / 1000) % 60, t % 1000, mark, text);
}

static size_t reply(const char *mark, const char *const *lines)
{
	size_t n = 0;

	while (*lines != NULL)
		n += line(mark, *lines++);
	return n;
}

/* What swaks says about the connection before and after the commands. */
static size_t info_open(void)
{
	if (!swaks)
		return line("=== ", "Connected to mx.example.org [192.0.2.1]:25");
	return line("=== ", "Trying mx.example.org:25...") +
	       line("=== ", "Connected to mx.example.org.");
}

static size_t info_tls(void)
{
	if (!swaks)
		return line("=== ", "TLS started: TLSv1.3 TLS_AES_256_GCM_SHA384");
	return line("=== ", "TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256") +
	       line("=== ", "TLS no local certificate set") +
	       line("=== ", "TLS peer DN=\"/CN=mx.example.org\"");
}

static size_t session(unsigned long i)
{
	size_t n = 0;

	n += info_open();
	n += line("<-  ", "220 mx.example.org ESMTP ready");
	n += line(" -> ", "EHLO client.example");
	n += reply("<-  ", i % 4 == 0 ? misordered : correct);
	n += line(" -> ", "STARTTLS");
	n += line("<-  ", "220 2.0.0 Ready to start TLS");
	n += info_tls();
	n += line(" ~> ", "EHLO client.example");
	n += reply("<~  ", after_tls);
	n += line(" ~> ", "QUIT");
	n += line("<~  ", "221 2.0.0 Bye");
	if (swaks)
		n += line("=== ", "Connection closed with remote host.");
	return n;
}

static int usage(void)
{
	fputs("usage: gen-transcript [--swaks] MEGABYTES | --lines N (N >= 1)\n", stderr);
	return 64;
}

int main(int argc, char **argv)
{
	unsigned long megabytes = 100;
	unsigned long long limit;
	size_t total = 0;
	unsigned long i = 0;
	int a = 1;

	if (a < argc && strcmp(argv[a], "--swaks") == 0) {
		swaks = true;
		a++;
	}
	if (a + 1 < argc && strcmp(argv[a], "--lines") == 0) {
		lines_left = strtoul(argv[a + 1], NULL, 10);
		if (lines_left < 1)
			return usage();
		megabytes = 0;
	} else if (a < argc) {
		megabytes = strtoul(argv[a], NULL, 10);
	}
	limit =
	    megabytes > 0 ? (unsigned long long)megabytes * 1024 * 1024 : (unsigned long long)-1;
	if (!swaks) {
		if (lines_left != (unsigned long)-1)
			lines_left--; /* the header below */
		printf("# smtpscope transcript 1\n");
	}
	while (total < limit && lines_left > 0)
		total += session(i++);
	fprintf(stderr, "gen-transcript: %lu sessions, %zu bytes\n", i, total);
	return 0;
}
