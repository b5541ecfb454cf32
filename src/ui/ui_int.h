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

#include "proto/ehlo.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "ui/ui.h"

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

enum ui_mode {
	UI_MODE_NORMAL,
	UI_MODE_EDIT,
	UI_MODE_COMMAND,
	UI_MODE_SEARCH, /* the pattern of '/' on the command line */
	UI_MODE_FILTER, /* the filter of '&' on the command line */
	UI_MODE_CONFIRM,
	UI_MODE_HELP,
	UI_MODE_RAW,  /* the raw view (x) */
	UI_MODE_CERT, /* the certificate view (C) */
	UI_MODE_EXPLAIN,
	UI_MODE_COMPARE, /* the compare view (D) */
};

/* What a key of normal mode does; ui.c has one handler for each. */
enum ui_action {
	UI_ACT_NONE,
	UI_ACT_SEND,
	UI_ACT_EDIT,
	UI_ACT_COMMAND,
	UI_ACT_SKIP,
	UI_ACT_RUN,
	UI_ACT_WRITE,
	UI_ACT_QUIT,
	UI_ACT_UP,
	UI_ACT_DOWN,
	UI_ACT_PAGE_UP,
	UI_ACT_PAGE_DOWN,
	UI_ACT_TOP,
	UI_ACT_BOTTOM,
	UI_ACT_SEARCH,
	UI_ACT_NEXT_MATCH,
	UI_ACT_PREV_MATCH,
	UI_ACT_FILTER,
	UI_ACT_FOCUS_NEXT,
	UI_ACT_FOCUS_PREV,
	UI_ACT_ENTER,
	UI_ACT_MOUSE,
	UI_ACT_GRAMMAR,
	UI_ACT_MATRIX,
	UI_ACT_HELP,
	UI_ACT_REDRAW,
	UI_ACT_RECONNECT,
	UI_ACT_RAW,
	UI_ACT_CERT,
	UI_ACT_LEGEND,
	UI_ACT_EXPLAIN,
	UI_ACT_DELTA,
	UI_ACT_COMPARE,
	UI_ACT_COUNT
};

#define UI_KEYMAP_KEYS 4 /* keys of one entry */
/* Added to a KEY_* code of curses in the keymap, to tell it from a character. */
#define UI_KEYCODE (1 << 24)

/* One entry of the keymap (keymap.c). */
struct ui_keymap {
	int keys[UI_KEYMAP_KEYS]; /* characters or KEY_* | UI_KEYCODE, ended by 0 */
	enum ui_action action;
	enum ui_pane_id pane; /* the pane it acts in, or UI_NPANES for any */
	const char *plain;    /* what --plain takes for it, or NULL */
	const char *help;     /* for the help and docs/ui.md; NULL: not listed */
};

extern const struct ui_keymap ui_keymap[];
extern const size_t ui_keymap_count;
/* The entry for a key in normal mode with this pane focused, or NULL. */
const struct ui_keymap *ui_keymap_find(int key, bool keycode, enum ui_pane_id focus);
/* The names of an entry's keys, "Up, k"; doc quotes characters as in Markdown. */
void ui_keymap_keys(const struct ui_keymap *e, bool doc, char *buf, size_t len);

/* A filter of the conversation ('&'). */
enum ui_filter_kind { UI_FILTER_NONE, UI_FILTER_ROLE, UI_FILTER_FINDING, UI_FILTER_DIR };

struct ui_filter {
	enum ui_filter_kind kind;
	int value;     /* the role, finding id or direction */
	char name[64]; /* as the user named it, for the footer */
};

/* The findings of one id: how many, on which lines, and where the first is. */
struct ui_group {
	enum proto_finding_id id;
	size_t count;
	size_t first_i; /* index of its first finding in the model */
	unsigned first, last;
};

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
	bool follow;   /* the selection stays on the last line as lines come */
	size_t unseen; /* lines seen (nlines + dropped) when following stopped */
	struct ui_filter filter;
	size_t *vis;             /* with a filter: the model index of each row shown */
	size_t nvis, vcap;       /* rows in vis, and their room */
	size_t vscanned;         /* model lines the filter has looked at */
	size_t vfindings;        /* model->nfindings when the filter last looked */
	char search[UI_CMD_MAX]; /* the last pattern of '/', or "" */
	size_t dropped;          /* model->dropped when last seen */
	unsigned window;         /* model->window when last seen */
	bool rfc1869;            /* the grammar panel shows RFC 1869's names */
	bool matrix;             /* the client matrix is shown */
	bool legend;             /* the grammar panel starts with the legend of colours */
	bool wide;               /* the layout puts grammar and findings side by side */
	bool delta;              /* 't': each row shows the time since the line before */
	struct ui_area status, message, command;
	bool cursor; /* the terminal's cursor is shown, at cur_y, cur_x */
	int cur_y, cur_x;
	size_t help_top;     /* first row of the overlay shown (help, raw, certificate, compare) */
	size_t overlay_rows; /* rows of text the overlay showed at its last draw */
	bool finding_open[PROTO_F_COUNT]; /* the findings pane lists each finding of this id */
	enum proto_finding_id explain_id; /* the finding the explain pager shows */
	size_t explain_top;               /* its first row shown */
	struct ui_doc doc;
	struct ui_doc msg;
	char note[UI_NOTE_MAX];
	struct ui_cmdline *cmdline;
	size_t sev[3]; /* findings of each severity */
	/* The findings grouped by id (view_matrix.c), taken as they come. */
	struct ui_group group[PROTO_F_COUNT];
	size_t group_slot[PROTO_F_COUNT]; /* 1 + the group of each id, or 0 */
	size_t ngroups;
	size_t grouped;     /* model findings taken */
	unsigned group_cut; /* model->findings_cut when they were taken */
	attr_t attr[UI_S_COUNT];
	char esc[PROTO_ESCAPE_MAX(UI_ESCAPE_BYTES)];
};

/* doc.c: painting and styles. */
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
/* Rows of the conversation shown (all the lines, or those the filter keeps). */
size_t ui_conv_rows(const struct ui *ui);
/* The model index of row r (r < ui_conv_rows). */
size_t ui_conv_line(const struct ui *ui, size_t r);
/* Selects row r, as a key would: the grammar starts at its top, following stops. */
void ui_conv_select_row(struct ui *ui, size_t r);
/* Rows of the pane that show lines: one less while its footer (filter, new lines) shows. */
int ui_conv_height(const struct ui *ui);
/* Lines that came since following stopped, or 0 while following. */
size_t ui_conv_unseen(const struct ui *ui);
/*
 * The model index of the line at index at of all lines (ui_model_total),
 * asking the owner to seek when it is outside the window, with lines
 * before it (back) or after it; SIZE_MAX when it cannot be had.
 */
size_t ui_conv_load(struct ui *ui, size_t at, bool back);
/* The index among all lines of the selected line (or of the window's first). */
size_t ui_conv_at(const struct ui *ui);
/* Selects the line at index at of all lines, seeking when needed; false when it cannot. */
bool ui_conv_goto(struct ui *ui, size_t at);

/* find.c: search and filter of the conversation. */
/* Searches for ui->search from the selection on (back: backwards) and selects the match. */
void ui_find(struct ui *ui, bool back);
/* True when the filter shows the line (always without a filter). */
bool ui_filter_keeps(const struct ui *ui, const struct ui_line *line);
/* Sets the filter from what the user typed; "" clears it. */
void ui_filter_set(struct ui *ui, const char *text);
/* Builds ui->vis again from the whole model (after a drop or a new filter). */
void ui_filter_rebuild(struct ui *ui);
/* Forgets the rows of the gone lines the model dropped; returns how many rows went. */
size_t ui_filter_drop(struct ui *ui, size_t gone);
/* Takes the lines added to the model since the filter last looked. */
void ui_filter_sync(struct ui *ui);

/* mouse.c */
/* Turns the mouse on (unless UI_NO_MOUSE). */
void ui_mouse_init(struct ui *ui);
/* Acts on the mouse event that KEY_MOUSE announced. */
void ui_mouse_key(struct ui *ui);

/* view_matrix.c */
/* Counts findings by severity and groups them by id, from where the last count stopped. */
void ui_matrix_count(struct ui *ui);
/* Rows the findings and matrix want at a width; for the layout. */
size_t ui_matrix_rows(struct ui *ui, int width);
/* The title of the findings pane. */
void ui_matrix_title(struct ui *ui, char *buf, size_t len);
/* The message before STARTTLS, or "" when the pending command is not STARTTLS. */
void ui_matrix_pause(struct ui *ui, char *buf, size_t len);
/* The explain key: the selected finding's text, or the selected line's first finding's. */
void ui_matrix_explain(struct ui *ui);

/* view_explain.c: a finding's section of docs/findings.md in a pager. */
void ui_explain_open(struct ui *ui, enum proto_finding_id id);
void ui_explain_draw(struct ui *ui);
void ui_explain_key(struct ui *ui, int key, bool keycode);

/* status.c: the status line, the message area and the command row. */
void ui_status_draw(struct ui *ui);
/* Lays out the message area's text for a width; returns its rows. */
int ui_message_layout(struct ui *ui, int width);
void ui_message_draw(struct ui *ui);
void ui_command_draw(struct ui *ui);

/* view_overlay.c: a framed box over the screen showing one text. */
typedef void (*ui_overlay_build)(struct ui *ui, struct ui_doc *doc, int width);
/* Lays the text out with build for a box at most width columns wide, and draws it. */
void ui_overlay_draw(struct ui *ui, const char *title, int width, ui_overlay_build build);
/* The keys that scroll an overlay; false when key is not one of them. */
bool ui_overlay_scroll(struct ui *ui, int key, bool keycode);
/* view_legend.c */
/* What a role means, in a few words. */
const char *ui_role_about(enum proto_role role);
/* The legend of colours: every role in its style, then the other marks. */
void ui_legend_build(struct ui_doc *doc);

/* help.c */
void ui_help_draw(struct ui *ui);
void ui_help_key(struct ui *ui, int key, bool keycode);

/* view_raw.c: the selected line's bytes, and the plaintext discarded at STARTTLS. */
void ui_raw_draw(struct ui *ui);
/* view_cert.c: the certificate chain and TLS facts the owner gave. */
void ui_cert_draw(struct ui *ui);
/* view_compare.c: the EHLO reply before TLS against the one inside TLS, keyword by keyword. */
void ui_compare_draw(struct ui *ui);
/* The keys of the raw, certificate and compare views: they scroll, or close (q, Esc, own key). */
void ui_view_key(struct ui *ui, int key, bool keycode);

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
/* Whether the line being edited goes into the history (after begin: it does). */
void ui_cmdline_keep(struct ui_cmdline *cl, bool keep);
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
