/*
 * inspect.h: the interactive front ends of a live session: the full-screen
 * inspector and the plain line mode (--plain).
 */
#ifndef SMTPSCOPE_INSPECT_H
#define SMTPSCOPE_INSPECT_H

#include "check.h"
#include "live.h"
#include "ui/ui.h"

struct inspect {
	struct check_args args;
	struct live live;
	struct ui_model model;
	struct ui *ui;
	/* Written line by line from the start (--transcript) or once the user asks ('w'). */
	struct cli_transcript transcript;
	char transcript_path[256];
	unsigned base;              /* lines of the sessions before this one (R reconnects) */
	bool reconnect;             /* the user asked for a new session */
	long long last_ms;          /* monotonic time of the last line, sent or received */
	bool idle_warned;           /* the idle warning stands in the message */
	long long ehlo_sent_ms;     /* monotonic: when the EHLO being timed went out, or 0 */
	long long partial_since_ms; /* monotonic: when the line still coming began */
};

/* The inspector (or with plain the line mode) on a target; returns the exit code. */
int inspect_target(const struct check_args *args, bool plain);
/* Runs the inspector on args (step mode); returns the exit code. */
int inspect_run(struct inspect *in);
/* The plain line mode, for screen readers and dumb terminals. */
int inspect_plain(struct inspect *in);
/*
 * Writes the transcript so far to a new file, smtpscope-DATE-TIME.txt (-2 to
 * -9 after it when that exists; never over a file), and goes on appending
 * line by line; 0, or -1 with the reason in the model's message.
 */
int inspect_write_transcript(struct inspect *in);
/*
 * A command typed after ':' that smtpscope answers itself instead of
 * sending ("set helo NAME"): true when text was one, with what to tell the
 * user in msg.
 */
bool inspect_local_command(struct inspect *in, const char *text, char *msg, size_t len);
/* After SIGINT, SIGTERM or SIGHUP: says so; returns 128 + the signal. */
int inspect_interrupted(struct inspect *in);

#endif
