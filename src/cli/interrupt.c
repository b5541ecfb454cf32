/*
 * interrupt.c: SIGINT, SIGTERM and SIGHUP end a session properly. The
 * handler only records the signal; the event loops (live.c, the inspector,
 * the line mode) see it, note it in the transcript, close the session and
 * the files, and exit with 128 + the signal's number. A second signal ends
 * the program at once.
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

static volatile sig_atomic_t caught;
/* What a second signal runs; it must end the process (async-signal-safe). */
static void (*last_resort)(int);

static void on_signal(int sig)
{
	if (caught == 0) {
		caught = sig;
		return;
	}
	if (last_resort != NULL)
		last_resort(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_interrupt_last_resort(void (*handler)(int))
{
	last_resort = handler;
}

void cli_interrupt_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait under way returns with EINTR and looks at the flag. */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

const volatile sig_atomic_t *cli_interrupt_flag(void)
{
	return &caught;
}

int cli_interrupted(void)
{
	return caught;
}

const char *cli_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}
