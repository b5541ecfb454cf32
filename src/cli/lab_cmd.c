/*
 * lab_cmd.c: "smtpscope lab", the scripted SMTP server on loopback for
 * teaching, demos and tests (docs/scenario-format.md).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab/lab.h"
#include "net/net.h"

static const char *const usage_text =
    "usage: smtpscope lab [--port N] [--listen ADDR] [--once] [--cert FILE [--key FILE]]\n"
    "                     [--hostname NAME] [--log FILE] [--tls-max VERSION]\n"
    "                     [--max-clients N] [--idle-timeout SECONDS]\n"
    "                     [--session-timeout SECONDS]\n"
    "                     SCENARIO|FILE\n"
    "       smtpscope lab --list\n"
    "\n"
    "Plays a scripted SMTP server: a built-in scenario by name, or a scenario file\n"
    "(docs/scenario-format.md). The first line printed is 'listening on ADDR:PORT'.\n"
    "It serves many connections at once, each in a thread of its own, until SIGINT,\n"
    "SIGTERM or SIGHUP; a client beyond --max-clients gets a 421 and is closed.\n"
    "\n"
    "  --port N          port to listen on; 0 (the default) picks a free one\n"
    "  --listen ADDR     IP address to bind (default 127.0.0.1; ::1 for IPv6)\n"
    "  --once            serve one connection, then exit\n"
    "  --cert FILE       PEM certificate chain for STARTTLS (default: a self-signed\n"
    "                    certificate made at start)\n"
    "  --key FILE        PEM private key (default: the --cert file)\n"
    "  --hostname NAME   name in the generated certificate (default localhost)\n"
    "  --log FILE        append one line per command received ('plain EHLO x')\n"
    "  --tls-max VERSION offer TLS up to 1.0, 1.1, 1.2 or 1.3 only; 1.0 and 1.1\n"
    "                    lower OpenSSL's security level to 0 to offer them\n"
    "  --max-clients N   connections served at once, 1 to 4096 (default 256)\n"
    "  --idle-timeout SECONDS\n"
    "                    drop a client silent this long (default 120)\n"
    "  --session-timeout SECONDS\n"
    "                    cut any connection this long after it came, whatever it\n"
    "                    does (default 300); a write stalled for 30 s cuts it too\n"
    "  --list            list the built-in scenarios\n"
    "\n"
    "Exit status: 0 stopped by a signal or --once done, 64 usage error, 65 scenario\n"
    "syntax error or unusable certificate, 66 scenario or certificate unreadable,\n"
    "69 address cannot be bound, 71 system error, 73 log cannot be opened,\n"
    "74 standard output could not be written.\n";

struct lab_args {
	struct lab_config config;
	bool list;
	const char *scenario;
};

/* A decimal number from min to max, of at most 6 digits. */
static int parse_number(const char *text, unsigned long min, unsigned long max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; text[i] != '\0' && i < 6; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (i == 0 || text[i] != '\0' || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* The limits on connections; CLI_OPT_TAKEN, CLI_OPT_NONE or an exit code. */
static int parse_limit(int argc, char **argv, int *i, struct lab_config *cfg)
{
	const char *v;

	if ((v = cli_opt_value(argc, argv, i, "--max-clients")) != NULL) {
		if (parse_number(v, 1, LAB_CLIENTS_MAX, &cfg->max_clients) != 0)
			return cli_usage_error("smtpscope lab",
			                       "--max-clients takes a number from 1 to 4096", v);
	} else if ((v = cli_opt_value(argc, argv, i, "--idle-timeout")) != NULL) {
		if (parse_number(v, 1, LAB_TIMEOUT_MAX, &cfg->idle_timeout) != 0)
			return cli_usage_error("smtpscope lab",
			                       "--idle-timeout takes seconds from 1 to 86400", v);
	} else if ((v = cli_opt_value(argc, argv, i, "--session-timeout")) != NULL) {
		if (parse_number(v, 1, LAB_TIMEOUT_MAX, &cfg->session_timeout) != 0)
			return cli_usage_error(
			    "smtpscope lab", "--session-timeout takes seconds from 1 to 86400", v);
	} else {
		return CLI_OPT_NONE;
	}
	return CLI_OPT_TAKEN;
}

/* The options that take a value; CLI_OPT_TAKEN, CLI_OPT_NONE or an exit code. */
static int parse_value(int argc, char **argv, int *i, struct lab_args *args)
{
	struct lab_config *cfg = &args->config;
	const char *v;

	if ((v = cli_opt_value(argc, argv, i, "--port")) != NULL) {
		if (net_port_parse(v, &cfg->port) != NET_PORT_OK)
			return cli_usage_error("smtpscope lab",
			                       "--port takes a number from 0 to 65535", v);
	} else if ((v = cli_opt_value(argc, argv, i, "--listen")) != NULL) {
		cfg->listen = v;
	} else if ((v = cli_opt_value(argc, argv, i, "--cert")) != NULL) {
		cfg->cert_file = v;
	} else if ((v = cli_opt_value(argc, argv, i, "--key")) != NULL) {
		cfg->key_file = v;
	} else if ((v = cli_opt_value(argc, argv, i, "--hostname")) != NULL) {
		cfg->hostname = v;
	} else if ((v = cli_opt_value(argc, argv, i, "--log")) != NULL) {
		cfg->log_file = v;
	} else if ((v = cli_opt_value(argc, argv, i, "--tls-max")) != NULL) {
		if (strcmp(v, "1.0") != 0 && strcmp(v, "1.1") != 0 && strcmp(v, "1.2") != 0 &&
		    strcmp(v, "1.3") != 0)
			return cli_usage_error("smtpscope lab",
			                       "--tls-max takes 1.0, 1.1, 1.2 or 1.3", v);
		cfg->tls_max = v;
	} else {
		return parse_limit(argc, argv, i, cfg);
	}
	return CLI_OPT_TAKEN;
}

static int parse_args(int argc, char **argv, struct lab_args *args)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			args->config.once = true;
		} else if (strcmp(argv[i], "--list") == 0) {
			args->list = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		} else if ((rc = parse_value(argc, argv, &i, args)) != CLI_OPT_NONE) {
			if (rc != CLI_OPT_TAKEN)
				return rc;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("smtpscope lab", "unknown option or missing value",
			                       argv[i]);
		} else if (args->scenario != NULL) {
			return cli_usage_error("smtpscope lab", "more than one scenario", argv[i]);
		} else {
			args->scenario = argv[i];
		}
	}
	if (args->config.key_file != NULL && args->config.cert_file == NULL)
		return cli_usage_error("smtpscope lab", "--key needs --cert",
		                       args->config.key_file);
	if (!args->list && args->scenario == NULL)
		return cli_usage_error("smtpscope lab", "no scenario",
		                       "give a name from --list or a file");
	return 0;
}

static int list_scenarios(void)
{
	size_t i, width = 0;

	for (i = 0; i < lab_builtin_count(); i++)
		if (strlen(lab_builtin_name(i)) > width)
			width = strlen(lab_builtin_name(i));
	for (i = 0; i < lab_builtin_count(); i++)
		printf("%-*s  %s\n", (int)width, lab_builtin_name(i), lab_builtin_summary(i));
	return cli_stdout_flush("smtpscope lab");
}

/*
 * SIGINT, SIGTERM and SIGHUP stop the server (cli_interrupt: no SA_RESTART,
 * so poll returns at once); a write to a closed client must not kill it.
 */
static void catch_signals(void)
{
	cli_interrupt_install();
	signal(SIGPIPE, SIG_IGN);
}

/* A certificate or key file named but unreadable is 66, like the scenario. */
static int check_readable(const char *path)
{
	if (path == NULL || access(path, R_OK) == 0)
		return 0;
	fprintf(stderr, "smtpscope lab: cannot read %s: %s\n", path, strerror(errno));
	return CLI_EXIT_NOINPUT;
}

int cli_lab_status(const struct lab_error *error)
{
	switch (error->fail) {
	case LAB_FAIL_NONE:
		return CLI_EXIT_OK;
	case LAB_FAIL_ADDRESS:
		return CLI_EXIT_USAGE;
	case LAB_FAIL_CERT:
		return CLI_EXIT_DATAERR;
	case LAB_FAIL_BIND:
		return CLI_EXIT_UNAVAILABLE;
	case LAB_FAIL_LOG:
		return CLI_EXIT_CANTCREAT;
	case LAB_FAIL_SYSTEM:
		break;
	}
	return CLI_EXIT_OSERR;
}

static int serve(const struct lab_scenario *scenario, const struct lab_config *config)
{
	struct lab_error error;
	struct lab_server *server;
	int rc;

	server = lab_server_start(scenario, config, &error);
	if (server == NULL) {
		fprintf(stderr, "smtpscope lab: %s\n", error.text);
		return cli_lab_status(&error);
	}
	printf("listening on %s\n", lab_server_address(server));
	rc = cli_stdout_flush("smtpscope lab");
	if (rc != 0) {
		lab_server_free(server);
		return rc;
	}
	rc = lab_server_run(server, cli_interrupt_flag());
	if (rc != 0)
		fprintf(stderr, "smtpscope lab: cannot accept connections: %s\n", strerror(errno));
	lab_server_free(server);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_OSERR;
}

int cli_lab(int argc, char **argv)
{
	struct lab_args args;
	struct lab_scenario *scenario;
	char err[LAB_ERROR_MAX];
	bool syntax;
	int rc;

	memset(&args, 0, sizeof args);
	rc = parse_args(argc, argv, &args);
	if (rc != 0)
		return rc < 0 ? cli_stdout_flush("smtpscope lab") : rc;
	if (args.list)
		return list_scenarios();
	rc = check_readable(args.config.cert_file);
	if (rc == 0)
		rc = check_readable(args.config.key_file);
	if (rc != 0)
		return rc;
	scenario = lab_scenario_open(args.scenario, &syntax, err, sizeof err);
	if (scenario == NULL) {
		fprintf(stderr, "smtpscope lab: %s\n", err);
		return syntax                         ? CLI_EXIT_DATAERR
		       : strstr(err, "out of memory") ? CLI_EXIT_OSERR
		                                      : CLI_EXIT_NOINPUT;
	}
	catch_signals();
	rc = serve(scenario, &args.config);
	lab_scenario_free(scenario);
	return rc;
}
