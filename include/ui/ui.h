/*
 * ui.h: the inspector's full-screen front end (ncurses, wide characters)
 * and its libedit command line. It renders a model that its owner fills and
 * never reads a socket: keys come in through ui_input (or ui_key), and what
 * the user asks for goes out through struct ui_ops.
 */
#ifndef SMTPSCOPE_UI_H
#define SMTPSCOPE_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/session.h"

/*
 * The model keeps a window of the lines: when it is full, the older half
 * goes, counted in dropped. An owner that can bring lines back (replay)
 * sets ops->seek, and the window then moves over the whole conversation.
 */
#define UI_LINES_MAX    65536              /* lines kept at most */
#define UI_TEXT_MAX     (8u * 1024 * 1024) /* bytes of line text kept at most */
#define UI_SEEK_LINES   8192               /* lines an owner's seek brings in: a few ms of work */
#define UI_RECENT       256                /* lines whose index a late finding can find */
#define UI_FINDINGS_MAX 262144             /* findings listed; later ones are only counted */

/* One line of the conversation, as the model keeps it. */
struct ui_line {
	unsigned n;
	enum proto_dir dir;
	bool tls;
	enum proto_role role;
	char *text; /* owned copy of the bytes as received; show them escaped */
	size_t len;
	unsigned flags;               /* PROTO_L_* */
	enum proto_term term;         /* how it ended, from the engine (the raw view, x) */
	bool has_ehlo;                /* inside an EHLO reply: ehlo is set */
	struct proto_ehlo_line *ehlo; /* in the same block as text, or NULL */
	unsigned nfindings;
	enum proto_finding_id finding[PROTO_LINE_FINDINGS];
	char time[16];     /* "07:10:00.123", local time of arrival or sending */
	long long at_ms;   /* the same moment in ms since the epoch (UTC), or 0 when unknown */
	long long mono_ms; /* and on a monotonic clock, for the time between lines; 0: unknown */
};

struct ui_finding {
	enum proto_finding_id id;
	unsigned n;
	size_t at; /* the index of its line among all lines (see ui_model_total), or SIZE_MAX */
};

/* What the screen shows. The owner fills it and calls ui_draw. */
struct ui_model {
	struct ui_line *lines;
	size_t nlines;
	size_t cap;
	size_t dropped;  /* lines before the window: dropped, or left out by a seek */
	size_t after;    /* lines after the window, left out by a seek (replay) */
	unsigned window; /* counts the seeks: the window moved when it changes */
	bool last_out;   /* the line added last went after the window, counted in after */
	/* The last lines added, kept or not: where a finding that comes after its line belongs. */
	struct ui_recent {
		unsigned n;
		size_t at;
	} recent[UI_RECENT];
	size_t nrecent;    /* lines added in all; the ring holds the last UI_RECENT */
	size_t high;       /* 1 + the index of the newest line ever added */
	size_t text_bytes; /* bytes of the kept lines' text */
	struct ui_finding *findings;
	size_t nfindings;
	size_t fcap;
	size_t unlisted;       /* findings past UI_FINDINGS_MAX: counted, not listed */
	unsigned findings_cut; /* counts the times findings were dropped from the list */
	bool keep_findings;    /* the findings of dropped lines stay listed (the owner can seek) */
	size_t errors;         /* findings of error severity added, kept or dropped since */
	long long clock_secs;  /* ui_model_stamp's last second, and its clock text */
	char clock[16];
	const struct proto_lint *lint; /* its first EHLO reply drives the client matrix */
	unsigned lint_base;            /* added to lint's line numbers (a session after R) */
	char target[256];              /* what the user asked for: "mx.example.org:25" */
	char address[64];              /* "192.0.2.1:25", or "" */
	char state[96];       /* "connecting", "plaintext", "TLSv1.3 TLS_AES_...", "closed" */
	char verify[192];     /* "verified for mx.example.org", "not verified: ...", "" */
	char transcript[256]; /* file being written, or "" */
	long long started_ms; /* monotonic start, for the elapsed time */
	long long ended_ms;   /* monotonic end of the session: the clock stops; 0 while open */
	long long banner_ms;  /* from the connection (TLS up, for implicit TLS) to the banner; -1 */
	long long ehlo_ms;    /* the last EHLO's round trip, to the last line of its reply; -1 */
	long long tls_ms;     /* the TLS handshake; -1 while not known */
	/* The server's line begun and not ended yet: a provisional last row (raw: escaped). */
	char partial[256];        /* its first bytes */
	size_t partial_len;       /* bytes in partial */
	size_t partial_bytes;     /* bytes it has so far; 0: no partial line */
	long long partial_age_ms; /* since its first byte came */
	bool partial_tls;         /* it comes inside TLS */
	const char *pending;      /* the next planned command, or NULL */
	const char *confirm; /* why sending it needs the user's yes (unverified AUTH), or NULL */
	bool session_open;   /* quitting asks first */
	bool busy;           /* a command awaits its reply */
	bool replay;         /* stepping through a saved transcript */
	size_t replay_total; /* replay: lines in the transcript, or 0 when unknown */
	bool replay_reading; /* replay: the file is still being read; the total is so far */
	char message[256];   /* a one-line note for the user, or "" */
	/* The raw view (x): the plaintext discarded after the 220 to STARTTLS. */
	char discarded[PROTO_DISCARD_KEEP]; /* its first bytes, as received */
	size_t discarded_len;               /* bytes kept in discarded */
	size_t discarded_total;             /* bytes discarded, kept or not */
	/* The certificate view (C): the owner's text of the TLS facts, or NULL before TLS. */
	char *tls_text;
	size_t tls_len;
};

void ui_model_init(struct ui_model *model);
void ui_model_free(struct ui_model *model);
/*
 * Copies a line (time is "HH:MM:SS.mmm"); 0, or -1 when memory ran out.
 * While the window is not at the end (after > 0) the line is only counted
 * in after: the owner brings it in with a seek when the user goes there.
 */
int ui_model_add_line(struct ui_model *model, const struct proto_lint_line *line, const char *time);
/*
 * Gives the line added last its times (see struct ui_line; 0 when unknown),
 * and its clock text from at_ms when it has none.
 */
void ui_model_stamp(struct ui_model *model, long long at_ms, long long mono_ms);
int ui_model_add_finding(struct ui_model *model, enum proto_finding_id id, unsigned n);
/* Lists a finding with its line when the line is kept, without adding it to the findings. */
void ui_model_attach(struct ui_model *model, enum proto_finding_id id, unsigned n);
/* After a seek: lists every listed finding whose line is in the window with its line. */
void ui_model_attach_listed(struct ui_model *model);
/* Lines in all: before the window, in it and after it. */
size_t ui_model_total(const struct ui_model *model);
/*
 * Empties the window for a seek: the lines from index first on are added
 * next (the owner sets after once they are in). Findings stay listed.
 */
void ui_model_window(struct ui_model *model, size_t first);
/* Findings of error severity ever added, dropped ones too: exit status 1 when there is one. */
size_t ui_model_errors(const struct ui_model *model);
/* Keeps the first bytes of the discarded plaintext (at most PROTO_DISCARD_KEEP) and its total. */
void ui_model_set_discarded(struct ui_model *model, const char *bytes, size_t len, size_t total);
/* Copies the text the certificate view shows (lines of peer text); NULL clears it. 0, or -1. */
int ui_model_set_tls(struct ui_model *model, const char *text, size_t len);
/* A kept line seen as the linter's line again (pointers into the kept one). */
void ui_line_view(const struct ui_line *line, struct proto_lint_line *out);

/* What the user asks for. Any may be NULL. */
struct ui_ops {
	/* Send the pending command: as planned (command NULL) or as edited. */
	void (*send)(void *ctx, const char *command);
	/* Send a command typed after ':'. */
	void (*command)(void *ctx, const char *command);
	void (*skip)(void *ctx);
	void (*run)(void *ctx);
	void (*write_transcript)(void *ctx);
	void (*quit)(void *ctx);
	/* Replay: show the next line of the saved transcript. */
	void (*step)(void *ctx);
	/* The user said yes to model->confirm: send the pending command. */
	void (*confirm)(void *ctx);
	/* The session is closed: open a new one to the same target. */
	void (*reconnect)(void *ctx);
	/*
	 * Fills the window again (ui_model_window) so that it holds the line
	 * at index (counted as in ui_model_total, index < the total), with the
	 * lines before it (back) or mostly after it. NULL: lines dropped are gone.
	 */
	void (*seek)(void *ctx, size_t index, bool back);
};

enum {
	UI_NO_COLOR = 1u << 0, /* attributes instead of colours (NO_COLOR, monochrome) */
	UI_HEADLESS = 1u << 1, /* no terminal: output discarded, keys only through ui_key */
	UI_NO_MOUSE = 1u << 2, /* leave the mouse to the terminal (--no-mouse) */
};

struct ui;

/* Takes over the terminal; NULL with err filled when it cannot. */
struct ui *ui_new(struct ui_model *model, const struct ui_ops *ops, void *ctx, unsigned flags,
                  char *err, size_t errlen);
/* Gives the terminal back as it was. */
void ui_free(struct ui *ui);
/* The descriptor to poll for keys, or -1 (headless). */
int ui_fd(const struct ui *ui);
/* Reads and handles every key waiting on the terminal; never blocks. */
void ui_input(struct ui *ui);
/* Handles one key (a character or a KEY_* code). */
void ui_key(struct ui *ui, int key);
/* Redraws the screen from the model. */
void ui_draw(struct ui *ui);
/* Takes the new terminal size (after SIGWINCH). */
void ui_resize(struct ui *ui);
/* True once the user asked to quit and confirmed. */
bool ui_done(const struct ui *ui);
/* The answers of --plain from the keymap, one "  KEY  what" row each; returns the length. */
size_t ui_plain_help(char *buf, size_t len);
/* The key table of docs/ui.md, as Markdown, from the keymap; returns the length. */
size_t ui_keymap_doc(char *buf, size_t len);
/* The screen as text, one row per line, for headless tests; returns its length. */
size_t ui_dump(const struct ui *ui, char *buf, size_t len);

/*
 * The terminal given back on a crash: ui_tty_save keeps its modes (call it
 * before ui_new); ui_fatal_signal, a handler for fatal signals, restores
 * them, leaves the alternate screen, shows the cursor and dies of the same
 * signal, with async-signal-safe calls only.
 */
void ui_tty_save(void);
void ui_fatal_signal(int sig);

/*
 * The prompt of --plain: a line editor (libedit, emacs keys, a history of
 * 500 answers) on stdin and stdout.
 */
struct ui_prompt;

/* NULL when the editor cannot start. */
struct ui_prompt *ui_prompt_new(const char *prompt);
void ui_prompt_free(struct ui_prompt *prompt);
/*
 * Reads one answer, with preset already typed in (for editing) unless it
 * is NULL; a non-empty answer joins the history. NULL at the end of input;
 * the line (with its newline) is valid until the next read.
 */
const char *ui_prompt_read(struct ui_prompt *prompt, const char *preset);

#endif
