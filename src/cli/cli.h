/*
 * cli.h: the command-line front end: sub-commands, output and exit codes.
 */
#ifndef SMTPSCOPE_CLI_H
#define SMTPSCOPE_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"

/* Exit codes, sysexits.h style for usage and I/O errors (docs/formats.md, docs/check.md). */
/*
 * What a reader of one option returns: CLI_OPT_NONE when argv[i] is not one
 * of its options, CLI_OPT_TAKEN when it read it, or else the exit code of
 * its usage error. Exit codes are never negative, so none is mistaken for
 * CLI_OPT_TAKEN (as 1, CLI_EXIT_FINDINGS, once was).
 */
enum { CLI_OPT_NONE = 0, CLI_OPT_TAKEN = -2 };

enum {
	CLI_EXIT_OK = 0,           /* no error-level finding */
	CLI_EXIT_FINDINGS = 1,     /* error-level findings */
	CLI_EXIT_INCOMPLETE = 2,   /* check: the session could not complete */
	CLI_EXIT_USAGE = 64,       /* EX_USAGE: bad arguments */
	CLI_EXIT_DATAERR = 65,     /* EX_DATAERR: a scenario or certificate that cannot be used */
	CLI_EXIT_NOINPUT = 66,     /* EX_NOINPUT: input missing or unreadable */
	CLI_EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: the lab's address cannot be bound */
	CLI_EXIT_OSERR = 71,       /* EX_OSERR: out of memory */
	CLI_EXIT_CANTCREAT = 73, /* EX_CANTCREAT: an output file cannot be created, or is refused */
	CLI_EXIT_IOERR = 74,     /* EX_IOERR: output could not be written */
	CLI_EXIT_SIGNAL = 128,   /* plus the number of the signal that interrupted */
	CLI_EXIT_PIPE = 141,     /* 128 + SIGPIPE: standard output was closed (EPIPE) */
};

/*
 * SIGINT, SIGTERM and SIGHUP only set a flag (interrupt.c); the loops look at
 * it. cli_interrupted() is the signal caught, or 0.
 */
void cli_interrupt_install(void);
const volatile sig_atomic_t *cli_interrupt_flag(void);
int cli_interrupted(void);
const char *cli_signal_name(int sig);
/* Run by a second signal before the process dies of it (the inspector gives the terminal back). */
void cli_interrupt_last_resort(void (*handler)(int));

/*
 * A buffered writer on a file descriptor; errors are sticky. With fd -1 it
 * writes to memory only: buf holds the text (CLI_OUT_MEMORY bytes at most),
 * and error says it was cut.
 */
#define CLI_OUT_BUFFER (1024 * 1024) /* bytes held before one write(2) */
#define CLI_OUT_MEMORY (64 * 1024)   /* bytes kept in memory (fd -1) */
struct cli_out {
	int fd;
	bool error;
	int errnum; /* errno of the first failed write, once error is set */
	bool color;
	size_t len;
	char buf[CLI_OUT_BUFFER];
};

void cli_out_init(struct cli_out *out, int fd, bool color);
void cli_out_write(struct cli_out *out, const char *p, size_t n);
/*
 * Room for n more bytes at the end of the buffer (n at most CLI_OUT_MEMORY),
 * drained first when needed; the caller writes there and adds what it wrote
 * to out->len. NULL in memory (fd -1) when the room is not left.
 */
char *cli_out_space(struct cli_out *out, size_t n);
void cli_out_str(struct cli_out *out, const char *s);
void cli_out_uint(struct cli_out *out, unsigned long value);
/* A number right-aligned in width columns. */
void cli_out_uint_right(struct cli_out *out, unsigned long value, size_t width);
/* The decimal digits of value at dst (CLI_UINT_DIGITS bytes at most, no NUL); their count. */
#define CLI_UINT_DIGITS 24
size_t cli_uint_digits(char *dst, unsigned long value);
void cli_out_pad(struct cli_out *out, size_t n);
/* Starts an SGR colour when colour is on; cli_out_sgr(out, NULL) resets. */
void cli_out_sgr(struct cli_out *out, const char *sgr);
/* Peer bytes in caret form, never raw. */
void cli_out_term(struct cli_out *out, const char *p, size_t n);
/*
 * Prose wrapped at width columns, each line after indent spaces; the first
 * line goes on from column col when col is not 0.
 */
void cli_out_wrap(struct cli_out *out, const char *text, size_t indent, size_t width, size_t col);
/* Returns 0, or -1 when anything could not be written. */
int cli_out_flush(struct cli_out *out);

/*
 * Standard output could not be written (error is the errno): says so on
 * standard error, "PREFIX: cannot write to standard output: WHY", and returns
 * 74; for EPIPE (the reader is gone) it says nothing and returns 141, as a
 * shell expects of a closed pipe.
 */
int cli_stdout_failed(const char *prefix, int error);
/* Flushes stdio's standard output: 0, or what cli_stdout_failed returns. */
int cli_stdout_flush(const char *prefix);

/*
 * Says what is wrong with the arguments on standard error, "PROG: WHAT: ARG"
 * and "Try 'PROG --help'.", and returns CLI_EXIT_USAGE (args.c).
 */
int cli_usage_error(const char *prog, const char *what, const char *arg);

/* Takes "--opt VALUE" or "--opt=VALUE" at argv[*i]; the value, or NULL. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name);

/* True when the environment asks for no colour (NO_COLOR set and not empty; args.c). */
bool cli_no_color(void);
/* Colour decision for --color=auto|always|never on a descriptor. */
int cli_color_parse(const char *when, int fd, bool *color);

#define REPORT_LINES_SHOWN 8 /* line numbers listed per finding id */

struct cli_report_hit {
	unsigned n;
	enum proto_finding_id id;
};

/*
 * The report of "lint" and "check". The owner fills the settings and hooks,
 * passes cli_report_line (or, for a summary, cli_report_count) and
 * cli_report_finding as its linter's callbacks, and calls cli_report_end once
 * the conversation is over.
 */
struct cli_report {
	struct cli_out out;
	/* Settings, filled by the owner. */
	bool json;
	bool summary;    /* findings and matrix only, no line listing */
	bool tls_verify; /* tls-unverified counts as an error */
	const char *name;
	const struct proto_lint *lint; /* whose first EHLO reply feeds the matrix */
	void *owner;
	/* Writes the heading (text) or first members through jw (JSON). */
	void (*head)(struct cli_report *report);
	/* Writes more sections (text) or members through jw (JSON); may be NULL. */
	void (*tail)(struct cli_report *report);
	/* State. */
	bool started;
	struct cli_json jw; /* JSON: the writer on out, the report's object open */
	/* JSON: the lengths of the engine's names, measured once. */
	size_t role_len[PROTO_ROLE_COUNT];
	size_t dir_len[PROTO_DIR_INFO + 1];
	const char *production; /* the last production written, and its length */
	size_t production_len;
	unsigned nlines;
	unsigned count[PROTO_F_COUNT];
	unsigned shown[PROTO_F_COUNT][REPORT_LINES_SHOWN];
	unsigned severity[3];
	struct cli_report_hit *hits; /* every finding, for JSON */
	size_t nhits;
	size_t cap;
	size_t dropped; /* findings past the cap, counted only */
};

void cli_report_line(void *ctx, const struct proto_lint_line *line);
/* A summary's line callback: counts the line, writes nothing (the report opens at its end). */
void cli_report_count(void *ctx, const struct proto_lint_line *line);
void cli_report_finding(void *ctx, enum proto_finding_id id, unsigned n);
void cli_report_end(struct cli_report *report);
int cli_report_errors(const struct cli_report *report);
void cli_report_free(struct cli_report *report);
/* Colours of the roles and of the severities, as SGR parameters (or NULL). */
const char *cli_role_sgr(enum proto_role role);
const char *cli_severity_sgr(enum proto_severity severity);

/* A transcript file written line by line: text (smtpscope's format) or JSON Lines. */
struct cli_transcript {
	int fd; /* -1: none */
	bool json;
	bool created;        /* the file was made by this open (it may be removed again) */
	const char *refused; /* after a failed open: what the name is, as a sentence's end */
	const char *reason;  /* after a failed open: said instead of strerror, or NULL */
	struct cli_out out;
	struct cli_json jw; /* JSON Lines: one document a line */
};

/*
 * Opens path for the transcript (docs/transcript-format.md, "How transcripts
 * are opened"): a missing name is created, mode 0600; a regular file, or a
 * link that leads to no stream, is kept (EEXIST) or with force replaced; a
 * FIFO, a terminal or /dev/null is written through; anything else is refused
 * and left alone. 0, or -1 with errno set (cli_transcript_why says it).
 */
int cli_transcript_open(struct cli_transcript *t, const char *path, bool json, bool force,
                        const char *target);
/* "cannot write the transcript PATH: why (what to do)", or "PATH is a ...". */
void cli_transcript_why(char *buf, size_t len, const struct cli_transcript *t, const char *path,
                        int error);
void cli_transcript_line(struct cli_transcript *t, const struct proto_lint_line *line);
/* The same, stamped with at_ms (ms since the epoch, UTC) instead of now when it is above 0. */
void cli_transcript_line_at(struct cli_transcript *t, const struct proto_lint_line *line,
                            long long at_ms);
void cli_transcript_finding(struct cli_transcript *t, enum proto_finding_id id, unsigned n);
/* Writes the end mark and closes; 0, or -1 when anything could not be written. */
int cli_transcript_close(struct cli_transcript *t);

struct lab_error;
/*
 * The exit code for a lab server that could not start (lab_cmd.c): 64 the
 * listen address is not an IP address, 65 the certificate or key is
 * unusable, 69 the address cannot be bound, 71 a system error, 73 the log
 * file cannot be opened.
 */
int cli_lab_status(const struct lab_error *error);

int cli_lint(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_inspect(int argc, char **argv);
int cli_replay(int argc, char **argv);
int cli_lab(int argc, char **argv);

#endif
