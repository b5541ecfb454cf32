/*
 * cmdline.c: the command line, edited with libedit.
 *
 * libedit edits only when it believes it reads a terminal, so it gets one
 * of its own: a private pseudo-terminal that nobody types on. Its display
 * goes to /dev/null. Each key from curses is put in a small queue that the
 * EL_GETCFN function hands out, and el_wgets runs in unbuffered mode until
 * the queue is empty; the line is then drawn here from el_wline(). So the
 * emacs and vi bindings of libedit and the user's ~/.editrc apply. Keys
 * that curses already decoded (arrows, Home, End, Delete) are applied
 * through el_cursor and el_deletestr, and Up and Down browse the history,
 * so no terminal escape sequence is ever made up for libedit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <histedit.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "ui_int.h"

#define CL_QUEUE   8   /* characters handed to libedit for one key */
#define CL_HISTORY 500 /* commands kept in the history */
#define CL_CANDS   64  /* completions considered */
#define CL_WORD    72  /* bytes of one completion */

struct ui_cmdline {
	const struct ui_model *model;
	EditLine *el;
	History *hist;
	FILE *null; /* where libedit draws */
	int master; /* the private pseudo-terminal, or -1 */
	int slave;
	bool edit;   /* libedit edits; without a terminal, keys are inserted plainly */
	bool escape; /* an Escape waits for the key that came with it */
	wchar_t queue[CL_QUEUE];
	int nqueue, pos;
	int browse;             /* history entry shown, 0 the newest; -1: the line typed */
	char draft[UI_CMD_MAX]; /* the line typed, kept while browsing */
	char prompt[16];
	char text[UI_CMD_MAX]; /* the line finished with Enter */
	char note[UI_NOTE_MAX];
	char path[PATH_MAX]; /* the history file, or "" */
	bool warned;         /* the history could not be saved, and the user was told */
	bool keep;           /* the line goes into the history */
};

/* What the command line completes first: SMTP verbs, as they are typed. */
static const char *const verbs[] = {
    "EHLO ", "HELO ", "STARTTLS", "MAIL FROM:<", "RCPT TO:<", "DATA", "RSET",
    "NOOP",  "QUIT",  "AUTH ",    "VRFY ",       "EXPN ",     "HELP",
};

struct cands {
	char word[CL_CANDS][CL_WORD];
	size_t n;
};

static struct ui_cmdline *from_el(EditLine *el)
{
	void *data = NULL;

	if (el_get(el, EL_CLIENTDATA, &data) != 0 || data == NULL)
		abort();
	return data;
}

/* EL_GETCFN: the next key of the queue; 0 (end of input) when it is empty. */
static int cmdline_getc(EditLine *el, wchar_t *c)
{
	struct ui_cmdline *cl = from_el(el);

	if (cl->pos >= cl->nqueue)
		return 0;
	*c = cl->queue[cl->pos++];
	return 1;
}

static int open_pty(struct ui_cmdline *cl)
{
	struct winsize ws = {.ws_row = 4, .ws_col = 1024};
	const char *name;

	cl->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (cl->master < 0)
		return -1;
	if (grantpt(cl->master) == 0 && unlockpt(cl->master) == 0 &&
	    (name = ptsname(cl->master)) != NULL)
		cl->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (cl->slave < 0) {
		close(cl->master);
		cl->master = -1;
		return -1;
	}
	fcntl(cl->master, F_SETFD, FD_CLOEXEC);
	ioctl(cl->slave, TIOCSWINSZ, &ws);
	return 0;
}

static void history_path(struct ui_cmdline *cl)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n = -1;

	/* The XDG rule: a relative XDG_STATE_HOME is ignored. */
	if (state != NULL && state[0] == '/')
		n = snprintf(cl->path, sizeof cl->path, "%s/smtpscope/history", state);
	else if (home != NULL && home[0] == '/')
		n = snprintf(cl->path, sizeof cl->path, "%s/.local/state/smtpscope/history", home);
	if (n < 0 || (size_t)n >= sizeof cl->path)
		cl->path[0] = '\0';
}

static unsigned char cmdline_complete(EditLine *el, int ch);

/* Opens libedit on the pseudo-terminal, or without it when there is none. */
static int open_editor(struct ui_cmdline *cl)
{
	cl->edit = open_pty(cl) == 0;
	if (cl->edit)
		cl->el = el_init_fd("smtpscope", cl->null, cl->null, cl->null, cl->slave, cl->slave,
		                    cl->slave);
	if (cl->el == NULL) {
		cl->edit = false;
		cl->el = el_init("smtpscope", cl->null, cl->null, cl->null);
	}
	if (cl->el == NULL)
		return -1;
	el_set(cl->el, EL_CLIENTDATA, cl);
	el_set(cl->el, EL_HIST, history, cl->hist);
	el_set(cl->el, EL_EDITOR, "emacs");
	el_set(cl->el, EL_GETCFN, cmdline_getc);
	/* ~/.editrc (or $EDITRC) may choose vi and bind keys; Tab stays ours. */
	el_source(cl->el, NULL);
	/* The wide form keeps our strings: the narrow one copies and never frees them. */
	el_wset(cl->el, EL_ADDFN, L"smtpscope-complete", L"Complete an SMTP verb or keyword",
	        cmdline_complete);
	el_set(cl->el, EL_BIND, "^I", "smtpscope-complete", NULL);
	el_set(cl->el, EL_UNBUFFERED, 1);
	return 0;
}

struct ui_cmdline *ui_cmdline_new(const struct ui_model *model, char *err, size_t errlen)
{
	struct ui_cmdline *cl = calloc(1, sizeof *cl);
	HistEvent ev;

	if (cl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cl->model = model;
	cl->master = cl->slave = -1;
	cl->browse = -1;
	cl->null = fopen("/dev/null", "r+");
	cl->hist = history_init();
	if (cl->null == NULL || cl->hist == NULL || open_editor(cl) < 0) {
		snprintf(err, errlen, "cannot start the libedit command line");
		ui_cmdline_free(cl);
		return NULL;
	}
	history(cl->hist, &ev, H_SETSIZE, CL_HISTORY);
	history(cl->hist, &ev, H_SETUNIQUE, 1);
	history_path(cl);
	if (cl->path[0] != '\0')
		history(cl->hist, &ev, H_LOAD, cl->path);
	return cl;
}

void ui_cmdline_free(struct ui_cmdline *cl)
{
	if (cl == NULL)
		return;
	if (cl->el != NULL)
		el_end(cl->el);
	if (cl->hist != NULL)
		history_end(cl->hist);
	if (cl->slave >= 0)
		close(cl->slave);
	if (cl->master >= 0)
		close(cl->master);
	if (cl->null != NULL)
		fclose(cl->null);
	free(cl);
}

/* The line as bytes in the locale's encoding (UTF-8 in practice). */
static void line_text(struct ui_cmdline *cl, char *buf, size_t len)
{
	const LineInfo *li = el_line(cl->el);
	size_t n = (size_t)(li->lastchar - li->buffer);

	n = n < len - 1 ? n : len - 1;
	memcpy(buf, li->buffer, n);
	buf[n] = '\0';
}

/* Replaces the whole line with text, the cursor at its end. */
static void set_line(struct ui_cmdline *cl, const char *text)
{
	const LineInfoW *li = el_wline(cl->el);

	el_cursor(cl->el, (int)(li->lastchar - li->cursor));
	li = el_wline(cl->el);
	if (li->cursor > li->buffer)
		el_deletestr(cl->el, (int)(li->cursor - li->buffer));
	if (text[0] != '\0')
		el_insertstr(cl->el, text);
}

void ui_cmdline_begin(struct ui_cmdline *cl, const char *prompt, const char *text)
{
	if (cl->edit) {
		/* Leaving and entering unbuffered mode resets libedit's line and vi mode. */
		el_set(cl->el, EL_UNBUFFERED, 0);
		el_set(cl->el, EL_UNBUFFERED, 1);
	}
	set_line(cl, text);
	cl->escape = false;
	snprintf(cl->prompt, sizeof cl->prompt, "%s", prompt);
	cl->browse = -1;
	cl->draft[0] = '\0';
	cl->note[0] = '\0';
	cl->keep = true;
}

void ui_cmdline_keep(struct ui_cmdline *cl, bool keep)
{
	cl->keep = keep;
}

const char *ui_cmdline_text(const struct ui_cmdline *cl)
{
	return cl->text;
}

const char *ui_cmdline_note(const struct ui_cmdline *cl)
{
	return cl->note;
}

static bool is_verb(const char *text)
{
	size_t i, n;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		n = strcspn(verbs[i], " ");
		if (strncasecmp(text, verbs[i], n) == 0 && (text[n] == '\0' || text[n] == ' '))
			return true;
	}
	return false;
}

/* AUTH and what looks like its base64 answers stay out of the history file. */
static bool secret(const char *text)
{
	size_t n = strlen(text);

	if (strncasecmp(text, "AUTH", 4) == 0 && (text[4] == '\0' || text[4] == ' '))
		return true;
	return n >= 4 &&
	       strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                    "0123456789+/=") == n &&
	       !is_verb(text);
}

/* Creates the folders of path, mode 0700; the last component is the file. */
static int make_dirs(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof dir, "%s", path);
	for (p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Saves the history; a failure is told once and never stops the session. */
static void history_save(struct ui_cmdline *cl)
{
	HistEvent ev;
	int fd;

	if (cl->path[0] == '\0')
		return;
	fd = make_dirs(cl->path) < 0 ? -1 : open(cl->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if ((fd < 0 || history(cl->hist, &ev, H_SAVE, cl->path) < 0) && !cl->warned) {
		snprintf(cl->note, sizeof cl->note, "The history could not be saved to %.400s.",
		         cl->path);
		cl->warned = true;
	}
}

static enum ui_cmdline_result finish(struct ui_cmdline *cl)
{
	HistEvent ev;

	line_text(cl, cl->text, sizeof cl->text);
	cl->browse = -1;
	if (cl->keep && cl->text[0] != '\0' && !secret(cl->text)) {
		history(cl->hist, &ev, H_ENTER, cl->text);
		history_save(cl);
	}
	return UI_CMDLINE_DONE;
}

/* Shows history entry want (0 the newest), or the draft for -1. */
static void browse(struct ui_cmdline *cl, int step)
{
	int want = cl->browse + step, i;
	HistEvent ev;

	if (want < -1)
		return;
	if (want == -1) {
		set_line(cl, cl->draft);
		cl->browse = -1;
		return;
	}
	if (history(cl->hist, &ev, H_FIRST) < 0)
		return;
	for (i = 0; i < want; i++)
		if (history(cl->hist, &ev, H_NEXT) < 0)
			return;
	if (cl->browse == -1)
		line_text(cl, cl->draft, sizeof cl->draft);
	set_line(cl, ev.str);
	cl->browse = want;
}

static void delete_next(struct ui_cmdline *cl)
{
	const LineInfoW *li = el_wline(cl->el);

	if (li->cursor < li->lastchar) {
		el_cursor(cl->el, 1);
		el_deletestr(cl->el, 1);
	}
}

static void delete_prev(struct ui_cmdline *cl)
{
	const LineInfoW *li = el_wline(cl->el);

	if (li->cursor > li->buffer)
		el_deletestr(cl->el, 1);
}

static bool line_empty(struct ui_cmdline *cl)
{
	const LineInfoW *li = el_wline(cl->el);

	return li->lastchar == li->buffer;
}

static bool vi_mode(struct ui_cmdline *cl)
{
	const char *editor = NULL;

	return el_get(cl->el, EL_EDITOR, &editor) == 0 && editor != NULL &&
	       strcmp(editor, "vi") == 0;
}

/*
 * Runs libedit on one character until it has read it. An Escape held back
 * goes with it: libedit reads the pair as one meta key.
 */
static void feed(struct ui_cmdline *cl, wchar_t ch)
{
	int n, before;

	cl->nqueue = cl->pos = 0;
	if (cl->escape)
		cl->queue[cl->nqueue++] = 27;
	cl->escape = false;
	cl->queue[cl->nqueue++] = ch;
	while (cl->pos < cl->nqueue) {
		before = cl->pos;
		el_wgets(cl->el, &n);
		if (cl->pos == before)
			break;
	}
	cl->nqueue = cl->pos = 0;
}

/* After libedit ran: a line it ended itself, or an end of file. */
static enum ui_cmdline_result settle(struct ui_cmdline *cl)
{
	const LineInfoW *li = el_wline(cl->el);
	size_t len = (size_t)(li->lastchar - li->buffer);

	if (len == 1 && li->buffer[0] == 4) {
		set_line(cl, "");
		return UI_CMDLINE_CANCEL;
	}
	if (len > 0 && (li->lastchar[-1] == L'\n' || li->lastchar[-1] == L'\r')) {
		el_cursor(cl->el, (int)(li->lastchar - li->cursor));
		el_deletestr(cl->el, 1);
		return finish(cl);
	}
	return UI_CMDLINE_MORE;
}

/* Without a terminal libedit cannot edit: insert and delete plainly. */
static enum ui_cmdline_result plain_key(struct ui_cmdline *cl, int key)
{
	wchar_t s[2] = {(wchar_t)key, L'\0'};

	if (key == 0x7f || key == 8)
		delete_prev(cl);
	else if (key == 21)
		set_line(cl, "");
	else if (key >= 0x20)
		el_winsertstr(cl->el, s);
	return UI_CMDLINE_MORE;
}

static enum ui_cmdline_result special_key(struct ui_cmdline *cl, int key)
{
	const LineInfoW *li = el_wline(cl->el);

	switch (key) {
	case KEY_ENTER:
		return finish(cl);
	case KEY_LEFT:
		el_cursor(cl->el, -1);
		break;
	case KEY_RIGHT:
		el_cursor(cl->el, 1);
		break;
	case KEY_HOME:
		el_cursor(cl->el, -(int)(li->cursor - li->buffer));
		break;
	case KEY_END:
		el_cursor(cl->el, (int)(li->lastchar - li->cursor));
		break;
	case KEY_DC:
		delete_next(cl);
		break;
	case KEY_BACKSPACE:
		if (!cl->edit)
			return plain_key(cl, 0x7f);
		feed(cl, 0x7f);
		return settle(cl);
	case KEY_UP:
		browse(cl, 1);
		break;
	case KEY_DOWN:
		browse(cl, -1);
		break;
	}
	return UI_CMDLINE_MORE;
}

enum ui_cmdline_result ui_cmdline_key(struct ui_cmdline *cl, int key, bool keycode, bool alone)
{
	cl->note[0] = '\0';
	if (keycode && cl->escape) {
		/* The Escape came with a key curses decoded: vi still takes it alone. */
		cl->escape = false;
		if (vi_mode(cl))
			feed(cl, 27);
	}
	if (keycode)
		return special_key(cl, key);
	switch (key) {
	case '\r':
	case '\n':
		return finish(cl);
	case 3: /* ^C */
	case 7: /* ^G */
		return UI_CMDLINE_CANCEL;
	case 4: /* ^D */
		if (line_empty(cl))
			return UI_CMDLINE_CANCEL;
		break;
	case 27:
		/* Alone it cancels, but in vi mode; with a key after it, it is a meta prefix. */
		if (alone && !vi_mode(cl))
			return UI_CMDLINE_CANCEL;
		if (!alone && cl->edit) {
			cl->escape = true;
			return UI_CMDLINE_MORE;
		}
		break;
	}
	if (!cl->edit)
		return plain_key(cl, key);
	feed(cl, (wchar_t)key);
	return settle(cl);
}

/* Adds a candidate that starts with prefix, once. */
static void cand_add(struct cands *c, const char *text, size_t len, const char *prefix, size_t plen)
{
	size_t i, a, b;

	if (len >= CL_WORD || len < plen || strncasecmp(text, prefix, plen) != 0 ||
	    c->n == CL_CANDS)
		return;
	a = len - (len > 0 && text[len - 1] == ' ');
	for (i = 0; i < c->n; i++) {
		b = strcspn(c->word[i], " ");
		if (a == b && strncasecmp(c->word[i], text, a) == 0)
			return;
	}
	memcpy(c->word[c->n], text, len);
	c->word[c->n++][len] = '\0';
}

static bool printable(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 33 || (unsigned char)text[i] > 126)
			return false;
	return len > 0;
}

/* The AUTH mechanisms advertised on an AUTH line, as candidates. */
static void auth_params(const struct ui_line *l, struct cands *c, const char *prefix, size_t plen)
{
	const struct proto_ehlo_line *e = l->ehlo;
	unsigned k;

	for (k = 0; k < e->nparams && k < PROTO_EHLO_PARAMS; k++)
		if ((size_t)e->param[k].off + e->param[k].len <= l->len &&
		    printable(l->text + e->param[k].off, e->param[k].len))
			cand_add(c, l->text + e->param[k].off, e->param[k].len, prefix, plen);
}

/* The keywords of the first EHLO reply before TLS (or AUTH's mechanisms). */
static void keywords(const struct ui_model *m, struct cands *c, const char *prefix, size_t plen,
                     bool auth)
{
	const struct ui_line *l;
	bool in = false;
	size_t i;

	for (i = 0; i < m->nlines; i++) {
		l = &m->lines[i];
		if (!l->has_ehlo || l->tls || l->dir != PROTO_DIR_SERVER ||
		    (in && ui_model_ehlo_first(m, i))) {
			if (in)
				break;
			continue;
		}
		in = true;
		if ((size_t)l->ehlo->head.off + l->ehlo->head.len > l->len ||
		    !proto_is_ehlo_keyword(l->text + l->ehlo->head.off, l->ehlo->head.len))
			continue;
		if (!auth)
			cand_add(c, l->text + l->ehlo->head.off, l->ehlo->head.len, prefix, plen);
		else if (l->ehlo->head.len == 4 &&
		         strncasecmp(l->text + l->ehlo->head.off, "AUTH", 4) == 0)
			auth_params(l, c, prefix, plen);
	}
}

/* The line up to the cursor, when it is US-ASCII. */
static bool head_of_line(struct ui_cmdline *cl, char *buf, size_t len)
{
	const LineInfoW *li = el_wline(cl->el);
	const wchar_t *p;
	size_t n = 0;

	for (p = li->buffer; p < li->cursor; p++) {
		if (*p < 0x20 || *p > 0x7e || n + 1 >= len)
			return false;
		buf[n++] = (char)*p;
	}
	buf[n] = '\0';
	return true;
}

/* Length of the prefix all candidates share, ignoring case. */
static size_t common_prefix(const struct cands *c)
{
	size_t len = strlen(c->word[0]), i, k;

	for (i = 1; i < c->n; i++) {
		for (k = 0; k < len && c->word[i][k] != '\0'; k++)
			if ((c->word[i][k] | 0x20) != (c->word[0][k] | 0x20))
				break;
		len = k;
	}
	return len;
}

static void list_cands(struct ui_cmdline *cl, const struct cands *c)
{
	size_t i, used;

	snprintf(cl->note, sizeof cl->note, "Completions:");
	for (i = 0; i < c->n; i++) {
		used = strlen(cl->note);
		snprintf(cl->note + used, sizeof cl->note - used, " %.*s",
		         (int)strcspn(c->word[i], " "), c->word[i]);
	}
}

/* Puts the completion in place of the word before the cursor. */
static void apply(struct ui_cmdline *cl, const struct cands *c, const char *word, size_t wlen,
                  bool space)
{
	char repl[CL_WORD + 1];
	size_t len;

	if (c->n == 0) {
		snprintf(cl->note, sizeof cl->note, "No completion for \"%s\".", word);
		return;
	}
	len = c->n == 1 ? strlen(c->word[0]) : common_prefix(c);
	memcpy(repl, c->word[0], len);
	repl[len] = '\0';
	if (c->n == 1 && space && len > 0 && repl[len - 1] != ' ')
		strcat(repl, " ");
	if (c->n > 1)
		list_cands(cl, c);
	if (strlen(repl) <= wlen && strncasecmp(repl, word, wlen) == 0)
		return;
	if (wlen > 0)
		el_deletestr(cl->el, (int)wlen);
	el_insertstr(cl->el, repl);
}

/* A verb of more than one word that starts with the whole line. */
static bool long_verb(const char *line)
{
	const char *space;
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		space = strchr(verbs[i], ' ');
		if (space != NULL && space[1] != '\0' &&
		    strncasecmp(verbs[i], line, strlen(line)) == 0)
			return true;
	}
	return false;
}

/* Tab: completes SMTP verbs first, then the keywords of the server. */
static unsigned char cmdline_complete(EditLine *el, int ch)
{
	struct ui_cmdline *cl = from_el(el);
	char line[UI_CMD_MAX];
	const char *word;
	struct cands c;
	size_t i;

	(void)ch;
	c.n = 0;
	if (!head_of_line(cl, line, sizeof line))
		return CC_ERROR;
	if (strchr(line, ' ') == NULL || long_verb(line)) {
		for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
			cand_add(&c, verbs[i], strlen(verbs[i]), line, strlen(line));
		if (strchr(line, ' ') == NULL)
			keywords(cl->model, &c, line, strlen(line), false);
		apply(cl, &c, line, strlen(line), false);
		return CC_REFRESH;
	}
	word = strrchr(line, ' ') + 1;
	keywords(cl->model, &c, word, strlen(word),
	         strncasecmp(line, "AUTH ", 5) == 0 && word == line + 5);
	apply(cl, &c, word, strlen(word), true);
	return CC_REFRESH;
}

/* Lays out one character of the line: a control character as ^X. */
static void emit(struct ui_doc *doc, int *skip, int style, wchar_t ch)
{
	char utf8[4];
	size_t n;

	if (ch < 0x20 || ch == 0x7f) {
		emit(doc, skip, UI_S_SEV + PROTO_SEV_WARNING, L'^');
		emit(doc, skip, UI_S_SEV + PROTO_SEV_WARNING, ch == 0x7f ? L'?' : ch + L'@');
		return;
	}
	if (*skip > 0) {
		(*skip)--;
		return;
	}
	n = ui_utf8_encode(utf8, ch);
	ui_doc_clip(doc, style, utf8, n);
}

static int cells(wchar_t ch)
{
	return ch < 0x20 || ch == 0x7f ? 2 : 1;
}

void ui_cmdline_draw(struct ui *ui, struct ui_cmdline *cl, const struct ui_area *area)
{
	const LineInfoW *li = el_wline(cl->el);
	struct ui_doc *doc = &ui->doc;
	int col = ui_text_width(cl->prompt), skip;
	const wchar_t *p;
	const char *q;

	for (p = li->buffer; p < li->cursor; p++)
		col += cells(*p);
	/* Scrolled sideways so that the cursor stays on screen. */
	skip = col >= area->w ? col - area->w + 1 : 0;
	ui->cursor = true;
	ui->cur_y = area->y;
	ui->cur_x = area->x + col - skip;
	ui_doc_reset(doc, area->w, ui->utf8);
	for (q = cl->prompt; *q != '\0'; q++)
		emit(doc, &skip, UI_S_KEY, (wchar_t)(unsigned char)*q);
	for (p = li->buffer; p < li->lastchar; p++)
		emit(doc, &skip, UI_S_NORMAL, *p);
	ui_doc_draw(ui, doc, area, 0);
}
