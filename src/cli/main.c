/*
 * main.c: the smtpscope command: picks the sub-command and runs it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const usage_text =
    "usage: smtpscope [--plain] [check options] HOST[:PORT] | --mx DOMAIN\n"
    "       smtpscope lint [--json] [--format auto|raw|swaks|transcript|jsonl]\n"
    "                      [--show-secrets] [FILE|-]\n"
    "       smtpscope check [options] HOST[:PORT] | --mx DOMAIN\n"
    "       smtpscope demo [--batch | --plain] [SCENARIO]\n"
    "       smtpscope replay FILE\n"
    "       smtpscope lab [options] SCENARIO|FILE | --list\n"
    "       smtpscope --version | --help\n"
    "\n"
    "smtpscope shows an SMTP conversation line by line: the role of every reply\n"
    "line in the RFC 5321 grammar, what is wrong with it, and what each real SMTP\n"
    "client will do with it: send STARTTLS, go on in plaintext, abort or stall.\n"
    "\n"
    "  (none)  the inspector: step through a live session, see each line's grammar;\n"
    "          --transcript FILE records it line by line from the start, w on demand\n"
    "  lint    diagnose an EHLO reply or a transcript offline ('smtpscope lint --help')\n"
    "  check   run a live session and diagnose it ('smtpscope check --help')\n"
    "  demo    the field case, played by the lab server in this process\n"
    "  replay  step through a saved transcript in the inspector\n"
    "  lab     play a scripted SMTP server on loopback ('smtpscope lab --help')\n"
    "\n"
    "Exit status: 0 no error-level finding, 1 error-level findings, 2 a live session\n"
    "could not complete, 64 usage error, 66 input unreadable, 71 out of memory,\n"
    "73 a transcript file exists or its name is refused (a device, a socket, a\n"
    "folder), 74 output could not be written; 128 + N: a live session closed by\n"
    "signal N (130 SIGINT, 143 SIGTERM); 141 standard output's reader is gone.\n";

static const char *const commands[] = {"lint", "check", "demo", "replay", "lab"};

/* Edits (insert, delete, change, swap of neighbours) from a to b, both short. */
static size_t edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[17][17], i, j, best;

	if (la > 16 || lb > 16)
		return 99;
	for (i = 0; i <= la; i++)
		for (j = 0; j <= lb; j++) {
			if (i == 0 || j == 0) {
				d[i][j] = i + j;
				continue;
			}
			best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			best = d[i - 1][j] + 1 < best ? d[i - 1][j] + 1 : best;
			best = d[i][j - 1] + 1 < best ? d[i][j - 1] + 1 : best;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/*
 * A word that is no host name with a port or dots but is one or two edits
 * from a command is a mistyped command, not a host: "smtpscope lnt file".
 */
static const char *mistyped_command(const char *word)
{
	size_t i, len = strlen(word);

	if (len < 3 || strpbrk(word, ".:[]/") != NULL || word[0] == '-')
		return NULL;
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (edits(word, commands[i]) <= (len <= 3 ? 1u : 2u))
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return cli_stdout_flush("smtpscope");
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("smtpscope " SMTPSCOPE_VERSION);
		return cli_stdout_flush("smtpscope");
	}
	if (strcmp(argv[1], "lint") == 0)
		return cli_lint(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cli_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return cli_demo(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return cli_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "lab") == 0)
		return cli_lab(argc - 1, argv + 1);
	if (mistyped_command(argv[1]) != NULL) {
		fprintf(stderr,
		        "smtpscope: unknown command '%s'; did you mean %s?\n"
		        "To inspect a host of that name, give its port: %s:25.\n",
		        argv[1], mistyped_command(argv[1]), argv[1]);
		return CLI_EXIT_USAGE;
	}
	/* Anything else is the inspector's target and options. */
	return cli_inspect(argc, argv);
}
