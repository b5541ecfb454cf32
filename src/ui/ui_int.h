/*
 * ui_int.h: what the files of src/ui share and nobody else sees. Every file
 * that draws includes curses through this header, so the wide-character
 * functions are always declared.
 */
#ifndef SMTPSCOPE_UI_INT_H
#define SMTPSCOPE_UI_INT_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <curses.h>

#include "proto.h"
#include "ui.h"

#define UI_ESCAPE_BYTES 1024 /* bytes of one peer text escaped for one screen row */
#define UI_NOTE_MAX     512  /* a note of the user interface to the user */
#define UI_CMD_MAX      1024 /* bytes of a command typed on the command line */
#define UI_MESSAGE_ROWS 5    /* rows the message area may take */

/* Styles of text; each maps to colours or, without colours, attributes. */
enum ui_style {
	UI_S_NORMAL,
	UI_S_DIM,
	UI_S_BOLD,
	UI_S_STATUS,
	UI_S_TITLE,
	UI_S_TITLE_FOCUS,
	UI_S_ROLE, /* first of PROTO_ROLE_COUNT role styles, in enum proto_role order */
	UI_S_SEV = UI_S_ROLE + PROTO_ROLE_COUNT, /* first of three severity styles */
	UI_S_HILITE = UI_S_SEV + 3,              /* the production a line matched */
	UI_S_TLS,                                /* the direction mark of a line inside TLS */
	UI_S_KEY,                                /* a key named in a hint */
	UI_S_YES,                                /* a client that sees STARTTLS */
	UI_S_NO,                                 /* a client that does not */
	UI_S_PAUSE,                              /* the message before STARTTLS */
	UI_S_COUNT
};

/* Added to a style: the cell belongs to the selected row. */
#define UI_S_SELECTED 0x80
/* Added to a style: the selected row of a pane without focus. */
#define UI_S_SELECTED_DIM 0x40
#define UI_S_MASK         0x3f

/* One cell of a laid-out text: always one column wide. */
struct ui_cell {
	wchar_t ch;
	unsigned char style;
};

/*
 * A text laid out for a width: rows of cells, filled by the ui_doc_*
 * functions with word wrapping or clipping, then painted at any offset.
 */
struct ui_doc {
	struct ui_cell *cell; /* rows of width cells */
	size_t alloc;         /* cells allocated */
	size_t nrows;         /* rows in use; the last one is being filled */
	int width;
	int col;    /* next column on the last row */
	int indent; /* where a wrapped row starts */
	bool utf8;  /* the terminal shows characters beyond US-ASCII */
};

void ui_doc_free(struct ui_doc *doc);
void ui_doc_reset(struct ui_doc *doc, int width, bool utf8);
/* UTF-8 text, wrapped at spaces; a newline starts a new row. */
void ui_doc_put(struct ui_doc *doc, int style, const char *text);
/* UTF-8 text kept on one row: it wraps before it when it does not fit. */
void ui_doc_keep(struct ui_doc *doc, int style, const char *text);
/* UTF-8 text cut at the end of the row. */
void ui_doc_clip(struct ui_doc *doc, int style, const char *text, size_t len);
/* Peer bytes, escaped with proto_escape_term, then wrapped or clipped. */
void ui_doc_peer(struct ui_doc *doc, int style, const char *text, size_t len, bool wrap);
void ui_doc_newline(struct ui_doc *doc);
/* Spaces up to column col (or one space when past it). */
void ui_doc_pad(struct ui_doc *doc, int style, int col);
/* Ends a row with text: after its last word, or over the words it would cut. */
void ui_doc_tail(struct ui_doc *doc, size_t row, int style, const char *text);
/* Gives every cell of the last row, written or not, the extra style bits. */
void ui_doc_mark_row(struct ui_doc *doc, int bits);
/* Rows that hold text: a last row still empty is not counted. */
size_t ui_doc_rows(const struct ui_doc *doc);

struct ui_area {
	int y, x, h, w;
};

/* The panes that take the focus, in the order Tab visits them. */
enum ui_pane_id { UI_PANE_CONV, UI_PANE_GRAMMAR, UI_PANE_MATRIX, UI_NPANES };

enum ui_move {
	UI_MOVE_UP,
	UI_MOVE_DOWN,
	UI_MOVE_PAGE_UP,
	UI_MOVE_PAGE_DOWN,
	UI_MOVE_HOME,
	UI_MOVE_END,
	UI_MOVE_ENTER,
};

struct ui_pane {
	struct ui_area area;  /* content rows; h is 0 when the pane is hidden */
	struct ui_area title; /* its title row (h 0: none) */
	size_t top;           /* first content row shown */
	size_t nrows;         /* content rows at the last draw */
	size_t sel;           /* selected row, for panes that select */
};

struct ui;

/* One view: how it draws its pane and moves in it, as in tig. */
struct ui_view_ops {
	const char *name;
	void (*draw)(struct ui *ui, struct ui_pane *pane, bool focused);
	void (*navigate)(struct ui *ui, struct ui_pane *pane, enum ui_move how);
};

extern const struct ui_view_ops ui_view_conv;
extern const struct ui_view_ops ui_view_grammar;
extern const struct ui_view_ops ui_view_matrix;

enum ui_mode { UI_MODE_NORMAL, UI_MODE_EDIT, UI_MODE_COMMAND, UI_MODE_CONFIRM, UI_MODE_HELP };

struct ui_cmdline;

struct ui {
	struct ui_model *model;
	const struct ui_ops *ops;
	void *ctx;
	unsigned flags;
	SCREEN *screen;
	FILE *out; /* the terminal, or /dev/null when headless */
	FILE *in;
	int fd;                        /* polled for keys, or -1 */
	volatile sig_atomic_t closing; /* ui_free has begun */
	bool color;
	bool utf8;
	bool done;
	bool confirm_send; /* UI_MODE_CONFIRM asks about model->confirm, not about quitting */
	enum ui_mode mode;
	enum ui_pane_id focus;
	struct ui_pane pane[UI_NPANES];
	bool follow;    /* the selection stays on the last line as lines come */
	size_t dropped; /* model->dropped when last seen */
	bool rfc1869;   /* the grammar panel shows RFC 1869's names */
	bool matrix;    /* the client matrix is shown */
	bool delta;     /* 't': each row shows the time since the line before */
	bool wide;      /* the layout puts grammar and findings side by side */
	struct ui_area status, message, command;
	bool cursor; /* the terminal's cursor is shown, at cur_y, cur_x */
	int cur_y, cur_x;
	size_t help_top; /* first row of the help shown */
	struct ui_doc doc;
	struct ui_doc msg;
	char note[UI_NOTE_MAX];
	struct ui_cmdline *cmdline;
	size_t sev[3]; /* findings of each severity */
	attr_t attr[UI_S_COUNT];
	char esc[PROTO_ESCAPE_MAX(UI_ESCAPE_BYTES)];
};

/* text.c: painting and styles. */
void ui_styles_init(struct ui *ui);
attr_t ui_attr(const struct ui *ui, int style);
/* Paints rows first.. of doc into area; rows past the text are blank. */
void ui_doc_draw(struct ui *ui, const struct ui_doc *doc, const struct ui_area *area, size_t first);
/* A title row: the name, then a rule, in the focus style or not. */
void ui_draw_title(struct ui *ui, const struct ui_area *area, const char *text, bool focused);
/* Escapes peer bytes into ui->esc (at most UI_ESCAPE_BYTES of them). */
const char *ui_escape(struct ui *ui, const char *text, size_t len);
/* Encodes one character as UTF-8; returns the bytes written (1 to 4). */
size_t ui_utf8_encode(char *out, wchar_t ch);
/* Columns of a UTF-8 text, one per character. */
int ui_text_width(const char *text);

/* model.c: helpers over the model. */
/* Index of the line numbered n, or model->nlines when it is not kept. */
size_t ui_model_find(const struct ui_model *model, unsigned n);
/* True when line i is the first line of an EHLO reply. */
bool ui_model_ehlo_first(const struct ui_model *model, size_t i);

/* view_conv.c */
/* The selected line, or NULL when there is none. */
const struct ui_line *ui_conv_selected(const struct ui *ui);
/* "+0.212s": the time from prev (NULL: none) to line, or "" when either has no time. */
void ui_conv_delta(const struct ui_line *prev, const struct ui_line *line, char *buf, size_t len);
/* Moves the selection to the line at index i and stops following. */
void ui_conv_select(struct ui *ui, size_t i);
/* Takes the lines dropped and added since the last call. */
void ui_conv_sync(struct ui *ui);

/* view_matrix.c */
/* Counts findings by severity, from where the last count stopped. */
void ui_matrix_count(struct ui *ui);
/* Rows the findings and matrix want at a width; for the layout. */
size_t ui_matrix_rows(struct ui *ui, int width);
/* The title of the findings pane. */
void ui_matrix_title(struct ui *ui, char *buf, size_t len);
/* The message before STARTTLS, or "" when the pending command is not STARTTLS. */
void ui_matrix_pause(struct ui *ui, char *buf, size_t len);

/* view_status.c: the status line, the message area and the command row. */
void ui_status_draw(struct ui *ui);
/* Lays out the message area's text for a width; returns its rows. */
int ui_message_layout(struct ui *ui, int width);
void ui_message_draw(struct ui *ui);
void ui_command_draw(struct ui *ui);

/* view_help.c */
void ui_help_draw(struct ui *ui);
void ui_help_key(struct ui *ui, int key, bool keycode);

/* cmdline.c: the libedit command line. */
enum ui_cmdline_result { UI_CMDLINE_MORE, UI_CMDLINE_DONE, UI_CMDLINE_CANCEL };

struct ui_cmdline *ui_cmdline_new(const struct ui_model *model, char *err, size_t errlen);
void ui_cmdline_free(struct ui_cmdline *cl);
/* Starts editing text (may be ""), with the prompt shown before it. */
void ui_cmdline_begin(struct ui_cmdline *cl, const char *prompt, const char *text);
/*
 * Handles one key; alone tells that an Escape came without a key after it.
 * DONE: the line is in ui_cmdline_text and in the history.
 */
enum ui_cmdline_result ui_cmdline_key(struct ui_cmdline *cl, int key, bool keycode, bool alone);
const char *ui_cmdline_text(const struct ui_cmdline *cl);
/* A note for the user (completions, history trouble), or "". */
const char *ui_cmdline_note(const struct ui_cmdline *cl);
/* Paints prompt and line into the area and places the cursor there. */
void ui_cmdline_draw(struct ui *ui, struct ui_cmdline *cl, const struct ui_area *area);

/* ui.c */
void ui_layout(struct ui *ui);
/* Where a move takes a position among n (n > 0), a page being page rows. */
size_t ui_move_index(size_t cur, size_t n, size_t page, enum ui_move how);
/* Scrolls a pane of plain text by a move. */
void ui_pane_scroll(struct ui_pane *pane, enum ui_move how);
/* Sets a note shown in the message area until the next key. */
void ui_set_note(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
