/*
 * ui.c: the inspector's screen. It owns the terminal (or, headless, a
 * terminal writing to /dev/null), lays the panes out for the size of the
 * screen, sends each key to the mode it belongs to and the user's requests
 * to the owner's ops. It never reads a socket.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ui_int.h"

#define UI_KEYS      64  /* keys read at once by ui_input */
#define UI_WIDE_COLS 120 /* from this width grammar and findings stand side by side */
#define UI_DUMP_COLS 1024

static const struct ui_view_ops *const views[UI_NPANES] = {
    [UI_PANE_CONV] = &ui_view_conv,
    [UI_PANE_GRAMMAR] = &ui_view_grammar,
    [UI_PANE_MATRIX] = &ui_view_matrix,
};

static const struct ui_ops no_ops;

void ui_set_note(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->note, sizeof ui->note, fmt, ap);
	va_end(ap);
}

size_t ui_move_index(size_t cur, size_t n, size_t page, enum ui_move how)
{
	if (n == 0)
		return 0;
	switch (how) {
	case UI_MOVE_UP:
		return cur > 0 ? cur - 1 : 0;
	case UI_MOVE_DOWN:
		return cur + 1 < n ? cur + 1 : n - 1;
	case UI_MOVE_PAGE_UP:
		return cur > page ? cur - page : 0;
	case UI_MOVE_PAGE_DOWN:
		return cur + page < n ? cur + page : n - 1;
	case UI_MOVE_HOME:
		return 0;
	case UI_MOVE_END:
		return n - 1;
	case UI_MOVE_ENTER:
		return cur;
	}
	abort();
}

void ui_pane_scroll(struct ui_pane *pane, enum ui_move how)
{
	size_t h = (size_t)pane->area.h, last = pane->nrows > h ? pane->nrows - h : 0;

	pane->top = ui_move_index(pane->top, last + 1, h > 1 ? h - 1 : 1, how);
}

static struct ui_area area_of(int y, int x, int h, int w)
{
	struct ui_area area = {y, x, h > 0 ? h : 0, w > 0 ? w : 0};

	return area;
}

/* Narrow screens: the three panes stacked. */
static void layout_narrow(struct ui *ui, int body, int cols)
{
	int r = body - 2, hc = r * 3 / 10 < 3 ? 3 : r * 3 / 10, cap = r / 5 < 2 ? 2 : r / 5, hf, hg;
	size_t want = ui_matrix_rows(ui, cols);

	hf = want < 2 ? 2 : want > (size_t)cap ? cap : (int)want;
	hg = r - hc - hf;
	ui->pane[UI_PANE_CONV].area = area_of(1, 0, hc, cols);
	ui->pane[UI_PANE_GRAMMAR].title = area_of(1 + hc, 0, 1, cols);
	ui->pane[UI_PANE_GRAMMAR].area = area_of(2 + hc, 0, hg, cols);
	ui->pane[UI_PANE_MATRIX].title = area_of(2 + hc + hg, 0, 1, cols);
	ui->pane[UI_PANE_MATRIX].area = area_of(3 + hc + hg, 0, hf, cols);
}

/* Wide screens: the conversation above, grammar and findings side by side. */
static void layout_wide(struct ui *ui, int body, int cols)
{
	int r = body - 1, hc = r * 2 / 5 < 3 ? 3 : r * 2 / 5, hb = r - hc, wg = cols * 3 / 5;

	ui->wide = true;
	ui->pane[UI_PANE_CONV].area = area_of(1, 0, hc, cols);
	ui->pane[UI_PANE_GRAMMAR].title = area_of(1 + hc, 0, 1, wg);
	ui->pane[UI_PANE_GRAMMAR].area = area_of(2 + hc, 0, hb, wg);
	ui->pane[UI_PANE_MATRIX].title = area_of(1 + hc, wg + 1, 1, cols - wg - 1);
	ui->pane[UI_PANE_MATRIX].area = area_of(2 + hc, wg + 1, hb, cols - wg - 1);
}

void ui_layout(struct ui *ui)
{
	int rows = LINES, cols = COLS, m, body, i;

	for (i = 0; i < UI_NPANES; i++)
		ui->pane[i].area = ui->pane[i].title = area_of(0, 0, 0, 0);
	ui->wide = false;
	ui->status = area_of(0, 0, 1, cols);
	ui->command = area_of(rows - 1, 0, 1, cols);
	m = ui_message_layout(ui, cols);
	m = m > (rows - 2) / 4 ? (rows - 2) / 4 : m;
	m = m < 0 ? 0 : m;
	ui->message = area_of(rows - 1 - m, 0, m, cols);
	body = rows - 2 - m;
	if (body < 10 || cols < 40)
		ui->pane[UI_PANE_CONV].area = area_of(1, 0, body, cols);
	else if (cols >= UI_WIDE_COLS)
		layout_wide(ui, body, cols);
	else
		layout_narrow(ui, body, cols);
	if (ui->pane[ui->focus].area.h == 0)
		ui->focus = UI_PANE_CONV;
}

static void set_locale(struct ui *ui)
{
	const char *current = setlocale(LC_CTYPE, NULL);

	if (current == NULL || strcmp(current, "C") == 0 || strcmp(current, "POSIX") == 0)
		setlocale(LC_ALL, "");
	ui->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* Headless: a terminal of a known type that writes to /dev/null. */
static int open_headless(struct ui *ui, char *err, size_t errlen)
{
	static const char *const types[] = {"xterm", "vt100"};
	size_t i;

	ui->out = fopen("/dev/null", "w");
	ui->in = fopen("/dev/null", "r");
	if (ui->out == NULL || ui->in == NULL) {
		snprintf(err, errlen, "cannot open /dev/null");
		return -1;
	}
	use_tioctl(FALSE);
	for (i = 0; i < sizeof types / sizeof types[0] && ui->screen == NULL; i++)
		ui->screen = newterm(types[i], ui->out, ui->in);
	if (ui->screen == NULL) {
		snprintf(err, errlen, "no terminal description for xterm or vt100");
		return -1;
	}
	ui->fd = -1;
	return 0;
}

static int open_terminal(struct ui *ui, char *err, size_t errlen)
{
	const char *term = getenv("TERM");

	if (ui->flags & UI_HEADLESS)
		return open_headless(ui, err, errlen);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen,
		         "the inspector needs a terminal on standard input and output");
		return -1;
	}
	if (term == NULL || term[0] == '\0') {
		snprintf(err, errlen, "TERM is not set: the type of the terminal is unknown");
		return -1;
	}
	/* The size from the terminal itself, not from LINES and COLUMNS. */
	use_tioctl(TRUE);
	ui->screen = newterm(NULL, stdout, stdin);
	if (ui->screen == NULL) {
		snprintf(err, errlen, "unknown terminal type \"%.64s\"", term);
		return -1;
	}
	ui->out = stdout;
	ui->in = stdin;
	ui->fd = STDIN_FILENO;
	return 0;
}

static void setup_terminal(struct ui *ui)
{
	set_term(ui->screen);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	meta(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	ui->color = !(ui->flags & UI_NO_COLOR) && has_colors() && start_color() != ERR;
	if (ui->color)
		use_default_colors();
	ui_styles_init(ui);
}

struct ui *ui_new(struct ui_model *model, const struct ui_ops *ops, void *ctx, unsigned flags,
                  char *err, size_t errlen)
{
	struct ui *ui;

	if (model == NULL)
		abort();
	ui = calloc(1, sizeof *ui);
	if (ui == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ui->model = model;
	ui->ops = ops != NULL ? ops : &no_ops;
	ui->ctx = ctx;
	ui->flags = flags;
	ui->follow = true;
	ui->matrix = true;
	ui->delta = model->replay; /* a replay shows how the lines were spaced */
	ui->dropped = model->dropped;
	ui->window = model->window;
	set_locale(ui);
	/* libedit first: its tgetent sets the terminal that newterm then replaces. */
	ui->cmdline = ui_cmdline_new(model, err, errlen);
	if (ui->cmdline == NULL || open_terminal(ui, err, errlen) < 0) {
		ui_free(ui);
		return NULL;
	}
	setup_terminal(ui);
	ui_mouse_init(ui);
	ui_layout(ui);
	return ui;
}

void ui_free(struct ui *ui)
{
	if (ui == NULL || ui->closing)
		return;
	ui->closing = 1;
	/* The terminal first: a signal arriving later finds it restored. */
	if (ui->screen != NULL) {
		set_term(ui->screen);
		curs_set(1);
		if (!isendwin())
			endwin();
	}
	ui_cmdline_free(ui->cmdline);
	if (ui->screen != NULL)
		delscreen(ui->screen);
	if (ui->flags & UI_HEADLESS) {
		if (ui->out != NULL)
			fclose(ui->out);
		if (ui->in != NULL)
			fclose(ui->in);
	}
	ui_doc_free(&ui->doc);
	ui_doc_free(&ui->msg);
	free(ui->vis);
	free(ui);
}

int ui_fd(const struct ui *ui)
{
	return ui != NULL ? ui->fd : -1;
}

bool ui_done(const struct ui *ui)
{
	return ui != NULL && ui->done;
}

static void focus_step(struct ui *ui, int dir)
{
	int i, p;

	for (i = 1; i < UI_NPANES; i++) {
		p = ((int)ui->focus + dir * i + UI_NPANES) % UI_NPANES;
		if (ui->pane[p].area.h > 0) {
			ui->focus = (enum ui_pane_id)p;
			return;
		}
	}
}

static void pane_move(struct ui *ui, enum ui_move how)
{
	views[ui->focus]->navigate(ui, &ui->pane[ui->focus], how);
}

static void begin_edit(struct ui *ui, enum ui_mode mode, const char *prompt, const char *text)
{
	ui->mode = mode;
	ui_cmdline_begin(ui->cmdline, prompt, text);
	/* Raw while editing, so that ^C cancels instead of interrupting. */
	if (!(ui->flags & UI_HEADLESS))
		raw();
}

static void end_edit(struct ui *ui)
{
	ui->mode = UI_MODE_NORMAL;
	if (!(ui->flags & UI_HEADLESS)) {
		noraw();
		cbreak();
	}
}

/* What Enter on the command line does, by the mode it was opened in. */
static void edit_done(struct ui *ui, enum ui_mode mode, const char *text)
{
	if (mode == UI_MODE_SEARCH) {
		if (text[0] != '\0')
			snprintf(ui->search, sizeof ui->search, "%s", text);
		ui_find(ui, false);
	} else if (mode == UI_MODE_FILTER)
		ui_filter_set(ui, text);
	else if (text[0] == '\0')
		ui_set_note(ui, "Nothing sent: the line was empty.");
	else if (mode == UI_MODE_EDIT && ui->ops->send != NULL)
		ui->ops->send(ui->ctx, text);
	else if (mode == UI_MODE_COMMAND && ui->ops->command != NULL)
		ui->ops->command(ui->ctx, text);
}

static void edit_key(struct ui *ui, int key, bool keycode, bool alone)
{
	enum ui_mode mode = ui->mode;
	char text[UI_CMD_MAX];

	switch (ui_cmdline_key(ui->cmdline, key, keycode, alone)) {
	case UI_CMDLINE_MORE:
		return;
	case UI_CMDLINE_CANCEL:
		end_edit(ui);
		ui_set_note(ui, "%s",
		            mode == UI_MODE_EDIT      ? "Edit cancelled."
		            : mode == UI_MODE_COMMAND ? "Command cancelled."
		                                      : "Cancelled.");
		return;
	case UI_CMDLINE_DONE:
		break;
	}
	snprintf(text, sizeof text, "%s", ui_cmdline_text(ui->cmdline));
	end_edit(ui);
	ui_set_note(ui, "%s", ui_cmdline_note(ui->cmdline));
	edit_done(ui, mode, text);
}

/* Calls an op without arguments, or says that it is not available. */
static void call(struct ui *ui, void (*fn)(void *), const char *what)
{
	if (fn == NULL) {
		ui_set_note(ui, "%s is not available here.", what);
		return;
	}
	fn(ui->ctx);
}

static void send_next(struct ui *ui)
{
	const struct ui_model *m = ui->model;

	if (m->replay)
		call(ui, ui->ops->step, "Stepping");
	else if (m->pending == NULL)
		ui_set_note(ui, "%s",
		            m->session_open ? "Nothing is planned: ':' types a command."
		                            : "The session is closed.");
	else if (ui->ops->send == NULL)
		ui_set_note(ui, "Sending is not available here.");
	else if (m->confirm != NULL && ui->ops->confirm != NULL) {
		ui->mode = UI_MODE_CONFIRM;
		ui->confirm_send = true;
		ui_set_note(ui, "%s.", m->confirm);
	} else
		ui->ops->send(ui->ctx, NULL);
}

/* The answer to "send the credentials anyway?": only y or Y sends. */
static void confirm_send_key(struct ui *ui, int key, bool keycode)
{
	ui->mode = UI_MODE_NORMAL;
	ui->confirm_send = false;
	if (keycode || (key != 'y' && key != 'Y')) {
		ui_set_note(ui, "Not sent. Space asks again; s skips AUTH.");
		return;
	}
	ui->ops->confirm(ui->ctx);
}

static void edit_pending(struct ui *ui)
{
	if (ui->model->pending == NULL || ui->model->replay) {
		ui_set_note(ui, "Nothing is planned to edit: ':' types a command.");
		return;
	}
	begin_edit(ui, UI_MODE_EDIT, "edit> ", ui->model->pending);
}

static void quit(struct ui *ui)
{
	if (ui->model->session_open) {
		ui->mode = UI_MODE_CONFIRM;
		return;
	}
	ui->done = true;
	if (ui->ops->quit != NULL)
		ui->ops->quit(ui->ctx);
}

static void confirm_key(struct ui *ui, int key, bool keycode)
{
	if (ui->confirm_send) {
		confirm_send_key(ui, key, keycode);
		return;
	}
	ui->mode = UI_MODE_NORMAL;
	if (keycode || (key != 'y' && key != 'Y')) {
		ui_set_note(ui, "The session stays open.");
		return;
	}
	ui->done = true;
	if (ui->ops->quit != NULL)
		ui->ops->quit(ui->ctx);
}

static void act_skip(struct ui *ui)
{
	if (ui->model->pending == NULL && !ui->model->replay)
		ui_set_note(ui, "Nothing is planned to skip.");
	else
		call(ui, ui->ops->skip, "Skipping");
}

static void act_run(struct ui *ui)
{
	call(ui, ui->ops->run, "Running to the end");
}

/* 't': the time since the line before on each row, or not. */
static void toggle_delta(struct ui *ui)
{
	const struct ui_model *m = ui->model;

	ui->delta = !ui->delta;
	if (ui->delta && (m->nlines == 0 || m->lines[m->nlines - 1].mono_ms == 0))
		ui_set_note(ui,
		            "These lines carry no times: there is no time between them to show.");
}

static void act_write(struct ui *ui)
{
	call(ui, ui->ops->write_transcript, "Writing the transcript");
}

static void act_reconnect(struct ui *ui)
{
	if (ui->model->session_open || ui->model->replay)
		ui_set_note(ui, "%s",
		            ui->model->replay ? "A replay has no server to reconnect to."
		                              : "R reconnects once the session is closed.");
	else
		call(ui, ui->ops->reconnect, "Reconnecting");
}

/* The raw view (x), the certificate view (C) and the compare view (D): overlays. */
static void act_raw(struct ui *ui)
{
	ui->mode = UI_MODE_RAW;
	ui->help_top = 0;
}

static void act_cert(struct ui *ui)
{
	ui->mode = UI_MODE_CERT;
	ui->help_top = 0;
}

static void act_compare(struct ui *ui)
{
	ui->mode = UI_MODE_COMPARE;
	ui->help_top = 0;
}

static void act_explain(struct ui *ui)
{
	ui_matrix_explain(ui);
}

static void act_legend(struct ui *ui)
{
	ui->legend = !ui->legend;
}

static void act_command(struct ui *ui)
{
	begin_edit(ui, UI_MODE_COMMAND, ":", "");
}

static void act_search(struct ui *ui)
{
	begin_edit(ui, UI_MODE_SEARCH, "/", "");
	ui_cmdline_keep(ui->cmdline, false);
}

static void act_filter(struct ui *ui)
{
	begin_edit(ui, UI_MODE_FILTER, "&", "");
	ui_cmdline_keep(ui->cmdline, false);
}

static void act_next_match(struct ui *ui)
{
	ui_find(ui, false);
}

static void act_prev_match(struct ui *ui)
{
	ui_find(ui, true);
}

static void act_up(struct ui *ui)
{
	pane_move(ui, UI_MOVE_UP);
}

static void act_down(struct ui *ui)
{
	pane_move(ui, UI_MOVE_DOWN);
}

static void act_page_up(struct ui *ui)
{
	pane_move(ui, UI_MOVE_PAGE_UP);
}

static void act_page_down(struct ui *ui)
{
	pane_move(ui, UI_MOVE_PAGE_DOWN);
}

static void act_top(struct ui *ui)
{
	pane_move(ui, UI_MOVE_HOME);
}

static void act_bottom(struct ui *ui)
{
	pane_move(ui, UI_MOVE_END);
}

static void act_enter(struct ui *ui)
{
	pane_move(ui, UI_MOVE_ENTER);
}

static void act_focus_next(struct ui *ui)
{
	focus_step(ui, 1);
}

static void act_focus_prev(struct ui *ui)
{
	focus_step(ui, -1);
}

static void act_grammar(struct ui *ui)
{
	ui->rfc1869 = !ui->rfc1869;
}

static void act_matrix(struct ui *ui)
{
	ui->matrix = !ui->matrix;
}

static void act_help(struct ui *ui)
{
	ui->mode = UI_MODE_HELP;
	ui->help_top = 0;
}

static void act_redraw(struct ui *ui)
{
	(void)ui;
	clearok(curscr, TRUE);
}

static void act_none(struct ui *ui)
{
	(void)ui;
}

/* The handler of each action of the keymap (keymap.c). */
static void (*const actions[UI_ACT_COUNT])(struct ui *ui) = {
    [UI_ACT_NONE] = act_none,
    [UI_ACT_SEND] = send_next,
    [UI_ACT_EDIT] = edit_pending,
    [UI_ACT_COMMAND] = act_command,
    [UI_ACT_SKIP] = act_skip,
    [UI_ACT_RUN] = act_run,
    [UI_ACT_WRITE] = act_write,
    [UI_ACT_RECONNECT] = act_reconnect,
    [UI_ACT_RAW] = act_raw,
    [UI_ACT_CERT] = act_cert,
    [UI_ACT_COMPARE] = act_compare,
    [UI_ACT_LEGEND] = act_legend,
    [UI_ACT_DELTA] = toggle_delta,
    [UI_ACT_EXPLAIN] = act_explain,
    [UI_ACT_QUIT] = quit,
    [UI_ACT_UP] = act_up,
    [UI_ACT_DOWN] = act_down,
    [UI_ACT_PAGE_UP] = act_page_up,
    [UI_ACT_PAGE_DOWN] = act_page_down,
    [UI_ACT_TOP] = act_top,
    [UI_ACT_BOTTOM] = act_bottom,
    [UI_ACT_SEARCH] = act_search,
    [UI_ACT_NEXT_MATCH] = act_next_match,
    [UI_ACT_PREV_MATCH] = act_prev_match,
    [UI_ACT_FILTER] = act_filter,
    [UI_ACT_FOCUS_NEXT] = act_focus_next,
    [UI_ACT_FOCUS_PREV] = act_focus_prev,
    [UI_ACT_ENTER] = act_enter,
    [UI_ACT_MOUSE] = ui_mouse_key,
    [UI_ACT_GRAMMAR] = act_grammar,
    [UI_ACT_MATRIX] = act_matrix,
    [UI_ACT_HELP] = act_help,
    [UI_ACT_REDRAW] = act_redraw,
};

static void normal_key(struct ui *ui, int key, bool keycode)
{
	const struct ui_keymap *e = ui_keymap_find(key, keycode, ui->focus);

	if (e == NULL || actions[e->action] == NULL) {
		if (!keycode)
			ui_set_note(ui, "That key does nothing here: '?' lists the keys.");
		return;
	}
	actions[e->action](ui);
}

static void handle(struct ui *ui, int key, bool keycode, bool alone)
{
	if (keycode && key == KEY_RESIZE) {
		ui_layout(ui);
		return;
	}
	ui->note[0] = '\0';
	ui_conv_sync(ui);
	switch (ui->mode) {
	case UI_MODE_EDIT:
	case UI_MODE_COMMAND:
	case UI_MODE_SEARCH:
	case UI_MODE_FILTER:
		edit_key(ui, key, keycode, alone);
		break;
	case UI_MODE_CONFIRM:
		confirm_key(ui, key, keycode);
		break;
	case UI_MODE_HELP:
		ui_help_key(ui, key, keycode);
		break;
	case UI_MODE_RAW:
	case UI_MODE_CERT:
	case UI_MODE_COMPARE:
		ui_view_key(ui, key, keycode);
		break;
	case UI_MODE_EXPLAIN:
		ui_explain_key(ui, key, keycode);
		break;
	case UI_MODE_NORMAL:
		normal_key(ui, key, keycode);
		break;
	}
}

void ui_key(struct ui *ui, int key)
{
	if (ui == NULL || ui->closing || ui->done)
		return;
	set_term(ui->screen);
	handle(ui, key, key >= KEY_MIN && key <= KEY_MAX, true);
}

void ui_input(struct ui *ui)
{
	int keys[UI_KEYS], n, i, r;
	bool code[UI_KEYS], any = false;
	wint_t wc;

	if (ui == NULL || ui->closing || ui->fd < 0)
		return;
	set_term(ui->screen);
	do {
		for (n = 0; n < UI_KEYS && (r = get_wch(&wc)) != ERR; n++) {
			keys[n] = (int)wc;
			code[n] = r == KEY_CODE_YES;
		}
		/* An Escape with a key right after it is a meta prefix, not a cancel. */
		for (i = 0; i < n && !ui->done; i++)
			handle(ui, keys[i], code[i], code[i] || keys[i] != 27 || i + 1 == n);
		any = any || n > 0;
	} while (n == UI_KEYS && !ui->done);
	if (any && !ui->done)
		ui_draw(ui);
}

void ui_draw(struct ui *ui)
{
	int i;

	if (ui == NULL || ui->closing)
		return;
	set_term(ui->screen);
	ui_conv_sync(ui);
	ui_matrix_count(ui);
	ui_layout(ui);
	ui->cursor = false;
	attrset(A_NORMAL);
	erase();
	ui_status_draw(ui);
	for (i = 0; i < UI_NPANES; i++)
		if (ui->pane[i].area.h > 0)
			views[i]->draw(ui, &ui->pane[i], ui->focus == (enum ui_pane_id)i);
	if (ui->wide)
		mvvline(ui->pane[UI_PANE_GRAMMAR].title.y, ui->pane[UI_PANE_GRAMMAR].area.w, '|',
		        ui->pane[UI_PANE_GRAMMAR].area.h + 1);
	ui_message_draw(ui);
	ui_command_draw(ui);
	if (ui->mode == UI_MODE_HELP)
		ui_help_draw(ui);
	else if (ui->mode == UI_MODE_RAW)
		ui_raw_draw(ui);
	else if (ui->mode == UI_MODE_CERT)
		ui_cert_draw(ui);
	else if (ui->mode == UI_MODE_COMPARE)
		ui_compare_draw(ui);
	else if (ui->mode == UI_MODE_EXPLAIN)
		ui_explain_draw(ui);
	curs_set(ui->cursor ? 1 : 0);
	if (ui->cursor)
		move(ui->cur_y, ui->cur_x);
	wnoutrefresh(stdscr);
	doupdate();
}

/* The size to take: the terminal's, or headless the environment's. */
static void new_size(const struct ui *ui, int *rows, int *cols)
{
	const char *l = getenv("LINES"), *c = getenv("COLUMNS");
	struct winsize ws;

	*rows = *cols = 0;
	if (!(ui->flags & UI_HEADLESS)) {
		if (ioctl(fileno(ui->out), TIOCGWINSZ, &ws) == 0) {
			*rows = ws.ws_row;
			*cols = ws.ws_col;
		}
		return;
	}
	*rows = l != NULL ? atoi(l) : 0;
	*cols = c != NULL ? atoi(c) : 0;
}

void ui_resize(struct ui *ui)
{
	int rows, cols;

	if (ui == NULL || ui->closing)
		return;
	set_term(ui->screen);
	new_size(ui, &rows, &cols);
	if (rows > 0 && cols > 0 && (rows != LINES || cols != COLS))
		resizeterm(rows, cols);
	clearok(curscr, TRUE);
	ui_draw(ui);
}

/* Appends bytes to the dump, counting what did not fit. */
static void dump_put(char *buf, size_t len, size_t *total, const char *text, size_t n)
{
	size_t room = *total < len ? len - *total : 0;

	memcpy(buf + *total, text, n < room ? n : room);
	*total += n;
}

size_t ui_dump(const struct ui *ui, char *buf, size_t len)
{
	char row[4 * UI_DUMP_COLS + 1];
	size_t total = 0, n, last;
	wchar_t wch[CCHARW_MAX + 1];
	int y, x, oy, ox;
	short pair;
	cchar_t cc;
	attr_t a;

	if (ui != NULL && !ui->closing) {
		set_term(ui->screen);
		getyx(stdscr, oy, ox);
		for (y = 0; y < LINES; y++) {
			n = last = 0;
			for (x = 0; x < COLS && x < UI_DUMP_COLS; x++) {
				if (mvin_wch(y, x, &cc) == ERR ||
				    getcchar(&cc, wch, &a, &pair, NULL) == ERR || wch[0] == L'\0')
					wch[0] = L' ';
				n += ui_utf8_encode(row + n, wch[0]);
				last = wch[0] != L' ' ? n : last;
			}
			dump_put(buf, len, &total, row, last);
			dump_put(buf, len, &total, "\n", 1);
		}
		move(oy, ox);
	}
	if (len > 0)
		buf[total < len ? total : len - 1] = '\0';
	return total;
}
