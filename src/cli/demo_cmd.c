/*
 * demo_cmd.c: "smtpscope demo --batch": the field case without a network.
 * A lab server plays a built-in scenario (misordered by default) on a free
 * loopback port in a thread of this process, and "check" runs against it.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "inspect.h"
#include "lab/lab.h"

static const char *const usage_text =
    "usage: smtpscope demo [--batch [--json] [--color WHEN] | --plain] [--helo NAME]\n"
    "                      [SCENARIO]\n"
    "\n"
    "Plays a built-in lab scenario (default: misordered, the field case of a\n"
    "server that lists STARTTLS before its domain) on 127.0.0.1 inside this\n"
    "process, and opens the inspector on it; with --batch it runs\n"
    "'smtpscope check' against it instead, with --plain the line mode.\n"
    "No network is needed. 'smtpscope lab --list' lists the scenarios.\n"
    "\n"
    "Exit status: that of 'smtpscope check' (--batch) or of the inspector.\n";

struct demo {
	struct lab_scenario *scenario; /* the server plays it: freed after the server */
	struct lab_server *server;
	struct lab_background *background; /* the thread that runs the server */
};

/* Reads the demo's own options into args; returns 0, -1 after --help, or a code. */
static int parse_demo(int argc, char **argv, struct check_args *args, const char **scenario,
                      bool *batch, bool *plain)
{
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		}
		if (strcmp(argv[i], "--batch") == 0)
			*batch = true;
		else if (strcmp(argv[i], "--plain") == 0)
			*plain = true;
		else if (strcmp(argv[i], "--json") == 0)
			args->json = true;
		else if ((v = cli_opt_value(argc, argv, &i, "--color")) != NULL)
			args->color = v;
		else if ((v = cli_opt_value(argc, argv, &i, "--helo")) != NULL)
			args->session.helo = v;
		else if (argv[i][0] == '-')
			return cli_usage_error("smtpscope demo", "unknown option", argv[i]);
		else
			*scenario = argv[i];
	}
	return 0;
}

/* Starts the lab server in a thread; returns 0 or an exit code. */
static int start_lab(struct demo *d, const char *name)
{
	struct lab_config config = {.listen = "127.0.0.1", .port = 0, .once = true};
	struct lab_error error;
	char err[256];
	bool syntax = false;

	d->scenario = lab_scenario_open(name, &syntax, err, sizeof err);
	if (d->scenario == NULL) {
		fprintf(stderr, "smtpscope demo: %s\n", err);
		return syntax ? CLI_EXIT_DATAERR : CLI_EXIT_NOINPUT;
	}
	d->server = lab_server_start(d->scenario, &config, &error);
	if (d->server == NULL) {
		fprintf(stderr, "smtpscope demo: cannot start the lab server: %s\n", error.text);
		return cli_lab_status(&error);
	}
	d->background = lab_background_start(d->server);
	if (d->background == NULL) {
		lab_server_free(d->server);
		d->server = NULL;
		fprintf(stderr, "smtpscope demo: cannot start a thread\n");
		return CLI_EXIT_OSERR;
	}
	return 0;
}

int cli_demo(int argc, char **argv)
{
	struct demo d = {NULL, NULL, NULL};
	const char *scenario = "misordered";
	bool batch = false, plain = false;
	struct check_args args;
	int rc;

	check_default_args(&args);
	args.timeout_ms = 10000;
	rc = parse_demo(argc, argv, &args, &scenario, &batch, &plain);
	if (rc != 0)
		return rc < 0 ? cli_stdout_flush("smtpscope demo") : rc;
	rc = start_lab(&d, scenario);
	if (rc != 0) {
		lab_server_free(d.server);
		lab_scenario_free(d.scenario);
		return rc;
	}
	args.target = lab_server_address(d.server);
	rc = batch ? check_run(&args) : inspect_target(&args, plain);
	lab_background_stop(d.background);
	lab_server_free(d.server);
	lab_scenario_free(d.scenario);
	return rc;
}
