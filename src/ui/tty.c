/*
 * tty.c: the terminal given back on a crash. The inspector's owner saves the
 * terminal's modes before the screen opens; a fatal signal then restores
 * them, leaves the alternate screen and shows the cursor, with
 * async-signal-safe calls only.
 */
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "ui/ui.h"

/* The terminal as it was, for a fatal signal to give it back. */
static struct termios saved_tty;
static volatile sig_atomic_t have_saved_tty;

void ui_tty_save(void)
{
	if (tcgetattr(STDIN_FILENO, &saved_tty) == 0)
		have_saved_tty = 1;
}

void ui_fatal_signal(int sig)
{
	static const char reset[] = "\033[?1049l\033[?25h\033[0m\r\n";
	ssize_t ignored;

	if (have_saved_tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
	(void)ignored;
	signal(sig, SIG_DFL);
	raise(sig);
}
