/*
 * args.c: what the sub-commands share in reading their arguments and their
 * environment: the usage error and the NO_COLOR convention.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cli_usage_error(const char *prog, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s: %s\nTry '%s --help'.\n", prog, what, arg, prog);
	return CLI_EXIT_USAGE;
}

/* https://no-color.org: set and not empty, whatever its value. */
bool cli_no_color(void)
{
	const char *no_color = getenv("NO_COLOR");

	return no_color != NULL && no_color[0] != '\0';
}
