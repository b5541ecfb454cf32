/*
 * check_cmd.c: "smtpscope check", a live session run to its end without a
 * person: the annotated transcript, the findings, the client matrix and the
 * TLS facts. This file reads the arguments; check_run.c drives the session.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/auth.h"
#include "proto/session.h"
#include "check.h"
#include "net/net.h"

static const char *const usage_text =
    "usage: smtpscope check [options] HOST[:PORT]\n"
    "       smtpscope check [options] --mx DOMAIN\n"
    "\n"
    "Connects, runs EHLO, STARTTLS, EHLO, QUIT (and MAIL, RCPT, DATA when asked),\n"
    "and prints every line with its role, the findings, what each SMTP client\n"
    "would do with the EHLO reply, and what TLS established.\n"
    "\n"
    "Target:\n"
    "  HOST[:PORT], [V6ADDR]:PORT  port 25 by default (465 with --tls-on-connect)\n"
    "  --mx DOMAIN           the domain's MX hosts in preference order\n"
    "  --port PORT           the port when the target names none, and for MX hosts\n"
    "  -4, -6                IPv4 or IPv6 only\n"
    "  --resolver ADDR[:PORT]  ask this DNS server instead of the system's\n"
    "  --timeout SECONDS     for connect, each reply and the handshake (30)\n"
    "  --idle-warn SECONDS   inspector: warn when the next command has waited\n"
    "                        this long (240; Postfix drops a session at 300)\n"
    "Conversation:\n"
    "  --helo NAME           name given with EHLO (this machine's name)\n"
    "  --from ADDR --to ADDR go on with MAIL FROM and RCPT TO (--to repeats)\n"
    "  --data FILE           and send FILE with DATA\n"
    "  --quit-after STEP     connect, ehlo, starttls, tls-ehlo, auth, mail or rcpt\n"
    "Authentication (RFC 4954, after the EHLO inside TLS):\n"
    "  --auth MECH           plain, login, cram-md5 or xoauth2\n"
    "  --auth-user NAME      the user name\n"
    "  --auth-password-file FILE  the password (the token for xoauth2): the file's\n"
    "                        first line; safer than the next option\n"
    "  --auth-password SECRET  the same on the command line, where other users of\n"
    "                        this machine may see it (ps, /proc) before it is blanked\n"
    "  --show-secrets        show the AUTH exchange; it is redacted by default\n"
    "  --auth-unverified     send the credentials over TLS whose certificate did\n"
    "                        not verify (never with --tls-verify); the inspector\n"
    "                        asks instead\n"
    "TLS:\n"
    "  --starttls POLICY     auto: when any line offers it (default); strict: only\n"
    "                        when line 2 or later offers it, as Postfix; force\n"
    "  --no-tls              never start TLS\n"
    "  --tls-on-connect      TLS from the first byte (port 465, RFC 8314)\n"
    "  --sni NAME            server name sent (the host name by default)\n"
    "  --ca-file FILE        trust these CAs instead of the system store\n"
    "  --tls-verify          an unverified certificate is an error, not a warning,\n"
    "                        and no credential is sent over it\n"
    "  --tls-legacy          allow TLS 1.0 and 1.1 (OpenSSL's security level 0);\n"
    "                        the report still names the version negotiated\n"
    "Output:\n"
    "  --json                one JSON object (docs/formats.md)\n"
    "  --color WHEN          auto, always or never\n"
    "  --transcript FILE     write the transcript (docs/transcript-format.md),\n"
    "                        line by line as it happens, mode 0600\n"
    "  --transcript-json FILE  write it as JSON Lines\n"
    "  --force               replace existing transcript files (else exit 73);\n"
    "                        FIFOs and terminals are written through, devices,\n"
    "                        sockets and folders refused, even with --force\n"
    "  --no-mouse            the inspector leaves the mouse to the terminal\n"
    "\n"
    "SIGINT, SIGTERM, SIGHUP: the session is closed, the transcript ends with\n"
    "\"=== interrupted by SIG...\", and the exit status is 128 + the signal.\n"
    "\n"
    "Exit status: 0 completed, no error-level finding; 1 error-level findings;\n"
    "2 could not complete (connect, timeout, TLS failure, AUTH refused or not\n"
    "offered); 64 usage error (also: both transcripts to one file); 66\n"
    "--auth-password-file unreadable; 73 a transcript file exists or cannot be\n"
    "created, or its name is refused; 74 output could not be written; 130\n"
    "SIGINT, 143 SIGTERM; 141 standard output's reader is gone (check | head).\n";

/* Options that take no value; true when argv[i] was one. */
static bool flag_option(struct check_args *a, const char *arg)
{
	const struct {
		const char *name;
		bool *flag; /* set by the option */
	} flags[] = {
	    {"--tls-on-connect", &a->session.tls_on_connect},
	    {"--tls-verify", &a->tls_verify},
	    {"--tls-legacy", &a->tls_legacy},
	    {"--json", &a->json},
	    {"--force", &a->force},
	    {"--no-mouse", &a->no_mouse},
	    {"--show-secrets", &a->session.show_secrets},
	    {"--auth-unverified", &a->session.auth_unverified},
	};
	size_t k;

	for (k = 0; k < sizeof flags / sizeof flags[0]; k++) {
		if (strcmp(arg, flags[k].name) == 0) {
			*flags[k].flag = true;
			return true;
		}
	}
	if (strcmp(arg, "-4") == 0)
		a->family = AF_INET;
	else if (strcmp(arg, "-6") == 0)
		a->family = AF_INET6;
	else if (strcmp(arg, "--no-tls") == 0)
		a->session.starttls = PROTO_STARTTLS_NEVER;
	else
		return false;
	return true;
}

/* Seconds from 0.001 to 3600 into *ms; 0, or a usage error naming the option. */
static int parse_seconds(struct check_args *a, const char *option, const char *v, int *ms)
{
	char why[96];
	char *end;
	double seconds = strtod(v, &end);

	/* NaN fails every comparison, so the range is asked the way NaN cannot pass. */
	if (end == v || *end != '\0' || !isfinite(seconds) || !(seconds >= 0.001) ||
	    !(seconds <= 3600)) {
		snprintf(why, sizeof why, "%s takes seconds, from 0.001 to 3600", option);
		return cli_usage_error(a->prog, why, v);
	}
	*ms = (int)(seconds * 1000 + 0.5);
	return 0;
}

static int add_rcpt(struct check_args *a, const char *v)
{
	if (a->session.nrcpt == PROTO_SESSION_RCPT_MAX)
		return cli_usage_error(a->prog, "too many --to", v);
	a->session.rcpt[a->session.nrcpt++] = v;
	return 0;
}

/*
 * --auth and --auth-password: the password is copied, then blanked in argv
 * so that ps shows it no longer. Returns CLI_OPT_TAKEN, CLI_OPT_NONE or an
 * exit code.
 */
static int auth_option(struct check_args *a, int argc, char **argv, int *i)
{
	char *v;

	if ((v = (char *)cli_opt_value(argc, argv, i, "--auth")) != NULL)
		return proto_auth_mech_parse(v, &a->session.auth) == 0
		           ? CLI_OPT_TAKEN
		           : cli_usage_error(a->prog,
		                             "--auth takes plain, login, cram-md5 or xoauth2", v);
	if ((v = (char *)cli_opt_value(argc, argv, i, "--auth-password")) == NULL)
		return 0;
	if (strlen(v) > PROTO_AUTH_FIELD_MAX)
		return cli_usage_error(a->prog, "--auth-password is too long", "(not shown)");
	memcpy(a->secret_buf, v, strlen(v) + 1);
	memset(v, 'x', strlen(v));
	a->session.auth_secret = a->secret_buf;
	return CLI_OPT_TAKEN;
}

/* Reads the first line of --auth-password-file as the secret; 0, or an exit code. */
static int read_secret(struct check_args *a)
{
	FILE *fp = fopen(a->auth_password_file, "r");
	size_t len;

	if (fp == NULL) {
		fprintf(stderr, "smtpscope: cannot read --auth-password-file %s: %s\n",
		        a->auth_password_file, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	if (fgets(a->secret_buf, sizeof a->secret_buf, fp) == NULL)
		a->secret_buf[0] = '\0';
	fclose(fp);
	len = strcspn(a->secret_buf, "\r\n");
	if (len == sizeof a->secret_buf - 1)
		return cli_usage_error(a->prog,
		                       "the first line of --auth-password-file is too long",
		                       a->auth_password_file);
	a->secret_buf[len] = '\0';
	a->session.auth_secret = a->secret_buf;
	return 0;
}

/* Checks the AUTH options together; 0, or an exit code. */
static int check_auth(struct check_args *a)
{
	bool any = a->session.auth_user != NULL || a->session.auth_secret != NULL ||
	           a->auth_password_file != NULL;

	if (a->session.auth == PROTO_AUTH_NONE)
		return any ? cli_usage_error(a->prog,
		                             "--auth-user and --auth-password need --auth MECH",
		                             "(none given)")
		       : a->session.quit_after == PROTO_QUIT_AUTH
		           ? cli_usage_error(a->prog, "--quit-after auth needs --auth MECH",
		                             "(none given)")
		           : 0;
	if (a->session.auth_user == NULL)
		return cli_usage_error(a->prog, "--auth needs --auth-user",
		                       proto_auth_mech_name(a->session.auth));
	if (strlen(a->session.auth_user) > PROTO_AUTH_FIELD_MAX)
		return cli_usage_error(a->prog, "--auth-user is too long", "(not shown)");
	if ((a->session.auth_secret != NULL) == (a->auth_password_file != NULL))
		return cli_usage_error(
		    a->prog, "--auth needs one of --auth-password-file and --auth-password",
		    proto_auth_mech_name(a->session.auth));
	return a->auth_password_file != NULL ? read_secret(a) : 0;
}

/* Options with a value; returns CLI_OPT_TAKEN, CLI_OPT_NONE or an exit code. */
static int value_option(struct check_args *a, int argc, char **argv, int *i)
{
	struct {
		const char *name;
		const char **slot;
	} strings[] = {
	    {"--mx", &a->mx},
	    {"--resolver", &a->resolver},
	    {"--port", &a->port},
	    {"--helo", &a->session.helo},
	    {"--from", &a->session.from},
	    {"--data", &a->data_file},
	    {"--sni", &a->sni},
	    {"--ca-file", &a->ca_file},
	    {"--color", &a->color},
	    {"--transcript", &a->transcript},
	    {"--transcript-json", &a->transcript_json},
	    {"--auth-user", &a->session.auth_user},
	    {"--auth-password-file", &a->auth_password_file},
	};
	const char *v;
	size_t k;

	for (k = 0; k < sizeof strings / sizeof strings[0]; k++) {
		if ((v = cli_opt_value(argc, argv, i, strings[k].name)) != NULL) {
			*strings[k].slot = v;
			return CLI_OPT_TAKEN;
		}
	}
	if ((v = cli_opt_value(argc, argv, i, "--to")) != NULL)
		return add_rcpt(a, v) == 0 ? CLI_OPT_TAKEN : CLI_EXIT_USAGE;
	if ((v = cli_opt_value(argc, argv, i, "--timeout")) != NULL)
		return parse_seconds(a, "--timeout", v, &a->timeout_ms) == 0 ? CLI_OPT_TAKEN
		                                                             : CLI_EXIT_USAGE;
	if ((v = cli_opt_value(argc, argv, i, "--idle-warn")) != NULL)
		return parse_seconds(a, "--idle-warn", v, &a->idle_warn_ms) == 0 ? CLI_OPT_TAKEN
		                                                                 : CLI_EXIT_USAGE;
	if ((v = cli_opt_value(argc, argv, i, "--quit-after")) != NULL)
		return proto_quit_after_parse(v, &a->session.quit_after) == 0
		           ? CLI_OPT_TAKEN
		           : cli_usage_error(
		                 a->prog,
		                 "--quit-after takes connect, ehlo, starttls, tls-ehlo, "
		                 "auth, mail or rcpt",
		                 v);
	if ((v = cli_opt_value(argc, argv, i, "--starttls")) != NULL)
		return proto_starttls_policy_parse(v, &a->session.starttls) == 0
		           ? CLI_OPT_TAKEN
		           : cli_usage_error(a->prog, "--starttls takes auto, strict or force", v);
	return auth_option(a, argc, argv, i);
}

/* The target is read now, so that a bad one is a usage error before anything starts. */
static int check_target(const struct check_args *a)
{
	struct net_target target;
	char err[256];

	if (a->target == NULL)
		return 0;
	if (net_parse_target(a->target, a->port != NULL ? a->port : "25", &target, err,
	                     sizeof err) != 0)
		return cli_usage_error(a->prog, err, a->target);
	return 0;
}

/* Checks what the options say together. */
static int check_combination(struct check_args *a)
{
	unsigned short port = 0;

	if ((a->target == NULL) == (a->mx == NULL))
		return cli_usage_error(a->prog, "give one target",
		                       a->target ? "a host and --mx" : "none");
	if (a->data_file != NULL && (a->session.from == NULL || a->session.nrcpt == 0))
		return cli_usage_error(a->prog, "--data needs --from and --to", a->data_file);
	if (a->session.from != NULL && a->session.nrcpt == 0)
		return cli_usage_error(a->prog, "--from needs at least one --to", a->session.from);
	if (a->port != NULL && (net_port_parse(a->port, &port) != NET_PORT_OK || port == 0))
		return cli_usage_error(a->prog, "--port takes a number from 1 to 65535", a->port);
	if (check_target(a) != 0)
		return CLI_EXIT_USAGE;
	a->session.tls_verify = a->tls_verify;
	return check_auth(a);
}

int check_parse_args(int argc, char **argv, struct check_args *a)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		}
		if (flag_option(a, argv[i]))
			continue;
		rc = value_option(a, argc, argv, &i);
		if (rc == CLI_OPT_TAKEN)
			continue;
		if (rc != CLI_OPT_NONE)
			return rc;
		if (argv[i][0] == '-')
			return cli_usage_error(
			    a->prog, "unknown option, or an option without its value", argv[i]);
		if (a->target != NULL)
			return cli_usage_error(a->prog, "more than one target", argv[i]);
		a->target = argv[i];
	}
	return check_combination(a);
}

void check_default_args(struct check_args *a)
{
	memset(a, 0, sizeof *a);
	a->prog = "smtpscope check";
	a->family = AF_UNSPEC;
	a->timeout_ms = 30000;
	a->idle_warn_ms = 240000;
	a->color = "auto";
	a->session.starttls = PROTO_STARTTLS_AUTO;
	a->session.quit_after = PROTO_QUIT_NONE;
	if (gethostname(a->helo_buf, sizeof a->helo_buf - 1) != 0 || a->helo_buf[0] == '\0')
		snprintf(a->helo_buf, sizeof a->helo_buf, "localhost");
	a->session.helo = a->helo_buf;
}

int cli_check(int argc, char **argv)
{
	struct check_args args;
	int rc;

	check_default_args(&args);
	rc = check_parse_args(argc, argv, &args);
	if (rc != 0)
		return rc < 0 ? cli_stdout_flush("smtpscope check") : rc;
	return check_run(&args);
}
