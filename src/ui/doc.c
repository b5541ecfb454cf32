/*
 * doc.c: laid-out text and painting. A doc is a grid of one-column cells,
 * filled with word wrapping or clipping; painting copies a window of its
 * rows to the screen, style by style. Peer bytes enter a doc only through
 * proto_escape_term, so they reach the screen as printable US-ASCII.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ehlo.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "ui_int.h"

#define DOC_WORD_MAX 256 /* characters of one word laid out at once */

/* Colours and attributes of a style, with and without colours. */
struct style_def {
	short fg, bg;
	attr_t color_attr;
	attr_t mono_attr;
};

static const struct style_def style_defs[UI_S_COUNT] = {
    [UI_S_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [UI_S_DIM] = {-1, -1, A_DIM, A_DIM},
    [UI_S_BOLD] = {-1, -1, A_BOLD, A_BOLD},
    [UI_S_STATUS] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [UI_S_TITLE] = {-1, -1, A_DIM, A_DIM},
    [UI_S_TITLE_FOCUS] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE | A_BOLD},
    [UI_S_ROLE + PROTO_ROLE_REPLY] = {-1, -1, A_NORMAL, A_NORMAL},
    [UI_S_ROLE + PROTO_ROLE_BANNER] = {-1, -1, A_NORMAL, A_NORMAL},
    [UI_S_ROLE + PROTO_ROLE_COMMAND] = {COLOR_BLUE, -1, A_NORMAL, A_NORMAL},
    [UI_S_ROLE + PROTO_ROLE_INFO] = {-1, -1, A_DIM, A_DIM},
    [UI_S_ROLE + PROTO_ROLE_GREETING] = {COLOR_GREEN, -1, A_NORMAL, A_BOLD},
    [UI_S_ROLE + PROTO_ROLE_EHLO_LINE] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [UI_S_ROLE +
        PROTO_ROLE_MISORDERED_STARTTLS] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [UI_S_ROLE + PROTO_ROLE_MISORDERED_KEYWORD] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_S_ROLE + PROTO_ROLE_MALFORMED] = {COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE},
    [UI_S_SEV + PROTO_SEV_INFO] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [UI_S_SEV + PROTO_SEV_WARNING] = {COLOR_YELLOW, -1, A_NORMAL, A_UNDERLINE},
    [UI_S_SEV + PROTO_SEV_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [UI_S_HILITE] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE},
    [UI_S_TLS] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [UI_S_KEY] = {-1, -1, A_BOLD, A_BOLD},
    [UI_S_YES] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [UI_S_NO] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [UI_S_PAUSE] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE},
};

void ui_styles_init(struct ui *ui)
{
	const struct style_def *d;
	short pair = 0;
	int i;

	for (i = 0; i < UI_S_COUNT; i++) {
		d = &style_defs[i];
		ui->attr[i] = ui->color ? d->color_attr : d->mono_attr;
		if (!ui->color || (d->fg < 0 && d->bg < 0))
			continue;
		/* One pair per coloured style: there are far fewer than COLOR_PAIRS. */
		if (++pair >= COLOR_PAIRS || init_pair(pair, d->fg, d->bg) == ERR)
			continue;
		ui->attr[i] |= COLOR_PAIR(pair);
	}
}

attr_t ui_attr(const struct ui *ui, int style)
{
	attr_t attr;

	if ((style & UI_S_MASK) >= UI_S_COUNT)
		abort();
	attr = ui->attr[style & UI_S_MASK];
	if (style & UI_S_SELECTED)
		attr |= A_REVERSE;
	else if (style & UI_S_SELECTED_DIM)
		attr |= A_UNDERLINE;
	return attr;
}

size_t ui_utf8_encode(char *out, wchar_t ch)
{
	unsigned long c = (unsigned long)ch;

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Decodes the next character of our own UTF-8 text; bad bytes become '?'. */
static wchar_t utf8_next(const char **p, const char *end)
{
	const unsigned char *s = (const unsigned char *)*p;
	unsigned long c = s[0];
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	int i;

	if (c >= 0x80 && more == 0) {
		*p += 1;
		return L'?';
	}
	if ((const char *)s + 1 + more > end) {
		*p = end;
		return L'?';
	}
	c &= more == 0 ? 0x7f : 0x3f >> more;
	for (i = 1; i <= more; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p += i;
			return L'?';
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*p += 1 + more;
	return (wchar_t)c;
}

int ui_text_width(const char *text)
{
	const char *p = text, *end = text + strlen(text);
	int n = 0;

	while (p < end) {
		utf8_next(&p, end);
		n++;
	}
	return n;
}

/* What a character becomes on screen: one column, or a stand-in. */
static wchar_t shown(const struct ui_doc *doc, wchar_t ch)
{
	if (ch < 0x20 || ch == 0x7f)
		return L'?';
	if (ch < 0x7f)
		return ch;
	if (!doc->utf8)
		return ch == 0xa7 ? L'S' : L'?'; /* the section sign, in RFC references */
	return wcwidth(ch) == 1 ? ch : L'?';
}

void ui_doc_free(struct ui_doc *doc)
{
	free(doc->cell);
	memset(doc, 0, sizeof *doc);
}

static struct ui_cell *row_at(const struct ui_doc *doc, size_t row)
{
	return doc->cell + row * (size_t)doc->width;
}

/* Adds an empty row; when memory runs out the last row is reused. */
static void add_row(struct ui_doc *doc)
{
	size_t need = (doc->nrows + 1) * (size_t)doc->width, alloc, i;
	struct ui_cell *grown, *row;

	if (need > doc->alloc) {
		alloc = doc->alloc < 1024 ? 1024 : doc->alloc;
		while (alloc < need)
			alloc *= 2;
		grown = realloc(doc->cell, alloc * sizeof *grown);
		if (grown == NULL) {
			doc->col = 0;
			return;
		}
		doc->cell = grown;
		doc->alloc = alloc;
	}
	row = row_at(doc, doc->nrows++);
	for (i = 0; i < (size_t)doc->width; i++) {
		row[i].ch = L' ';
		row[i].style = UI_S_NORMAL;
	}
	doc->col = 0;
}

void ui_doc_reset(struct ui_doc *doc, int width, bool utf8)
{
	doc->width = width > 0 ? width : 1;
	doc->nrows = 0;
	doc->indent = 0;
	doc->utf8 = utf8;
	add_row(doc);
}

void ui_doc_newline(struct ui_doc *doc)
{
	add_row(doc);
	if (doc->nrows > 0)
		doc->col = doc->indent < doc->width ? doc->indent : 0;
}

static void put_cell(struct ui_doc *doc, int style, wchar_t ch)
{
	struct ui_cell *cell;

	if (doc->nrows == 0 || doc->col >= doc->width)
		return;
	cell = &row_at(doc, doc->nrows - 1)[doc->col++];
	cell->ch = shown(doc, ch);
	cell->style = (unsigned char)style;
}

void ui_doc_clip(struct ui_doc *doc, int style, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end)
		put_cell(doc, style, utf8_next(&p, end));
}

void ui_doc_pad(struct ui_doc *doc, int style, int col)
{
	do
		put_cell(doc, style, L' ');
	while (doc->col < col && doc->col < doc->width);
}

/* Lays out one word of n characters, wrapping before it when needed. */
static void put_word(struct ui_doc *doc, int style, const wchar_t *word, int n)
{
	int i;

	if (doc->col + n > doc->width && doc->col > doc->indent)
		ui_doc_newline(doc);
	for (i = 0; i < n; i++) {
		if (doc->col >= doc->width)
			ui_doc_newline(doc);
		put_cell(doc, style, word[i]);
	}
}

/* A space, unless the row is full: the next word then wraps. */
static void put_space(struct ui_doc *doc, int style)
{
	if (doc->col < doc->width)
		put_cell(doc, style, L' ');
}

void ui_doc_put(struct ui_doc *doc, int style, const char *text)
{
	const char *p = text, *end = text + strlen(text);
	wchar_t word[DOC_WORD_MAX];
	int n = 0;
	wchar_t ch;

	while (p < end) {
		ch = utf8_next(&p, end);
		if (ch != L' ' && ch != L'\n') {
			if (n == DOC_WORD_MAX) {
				put_word(doc, style, word, n);
				n = 0;
			}
			word[n++] = ch;
			continue;
		}
		put_word(doc, style, word, n);
		n = 0;
		if (ch == L'\n')
			ui_doc_newline(doc);
		else
			put_space(doc, style);
	}
	put_word(doc, style, word, n);
}

void ui_doc_keep(struct ui_doc *doc, int style, const char *text)
{
	int n = ui_text_width(text);

	if (doc->col + n > doc->width && doc->col > doc->indent && doc->indent + n <= doc->width)
		ui_doc_newline(doc);
	ui_doc_put(doc, style, text);
}

void ui_doc_peer(struct ui_doc *doc, int style, const char *text, size_t len, bool wrap)
{
	char buf[PROTO_ESCAPE_MAX(256)];
	size_t chunk, n;

	/* Escaped a chunk at a time: the output is printable US-ASCII only. */
	while (len > 0) {
		chunk = len < 256 ? len : 256;
		n = proto_escape_term(buf, sizeof buf, text, chunk);
		if (wrap)
			ui_doc_put(doc, style, buf);
		else
			ui_doc_clip(doc, style, buf, n);
		text += chunk;
		len -= chunk;
		if (!wrap && doc->col >= doc->width)
			break;
	}
}

void ui_doc_tail(struct ui_doc *doc, size_t row, int style, const char *text)
{
	const char *p = text, *end = text + strlen(text);
	int n = ui_text_width(text), at = doc->width, i;
	struct ui_cell *cells;

	if (row >= doc->nrows || n > doc->width)
		return;
	cells = row_at(doc, row);
	while (at > 0 && cells[at - 1].ch == L' ')
		at--;
	if (at + n > doc->width)
		for (at = doc->width - n; at > 0 && cells[at - 1].ch != L' '; at--)
			;
	/* The text starts with its own space: it takes the one before the word. */
	if (at > 0 && at < doc->width && cells[at].ch != L' ' && text[0] == ' ')
		at--;
	for (i = at; i < doc->width; i++) {
		cells[i].ch = p < end ? shown(doc, utf8_next(&p, end)) : L' ';
		cells[i].style = (unsigned char)(i < at + n ? style : UI_S_NORMAL);
	}
}

void ui_doc_mark_row(struct ui_doc *doc, int bits)
{
	struct ui_cell *row;
	int i;

	if (doc->nrows == 0)
		return;
	row = row_at(doc, doc->nrows - 1);
	for (i = 0; i < doc->width; i++)
		row[i].style |= (unsigned char)bits;
}

size_t ui_doc_rows(const struct ui_doc *doc)
{
	if (doc->nrows > 0 && doc->col == 0)
		return doc->nrows - 1;
	return doc->nrows;
}

/* Paints one row of cells, a run of one style at a time. */
static void draw_row(struct ui *ui, const struct ui_cell *row, int width, int y, int x)
{
	wchar_t run[512];
	int i = 0, n;

	while (i < width) {
		n = 0;
		while (i + n < width && n < 511 && row[i + n].style == row[i].style) {
			run[n] = row[i + n].ch;
			n++;
		}
		run[n] = L'\0';
		attrset(ui_attr(ui, row[i].style));
		mvaddnwstr(y, x + i, run, n);
		i += n;
	}
	attrset(A_NORMAL);
}

void ui_doc_draw(struct ui *ui, const struct ui_doc *doc, const struct ui_area *area, size_t first)
{
	int r, w = area->w < doc->width ? area->w : doc->width;

	for (r = 0; r < area->h; r++) {
		if (first + (size_t)r < doc->nrows) {
			draw_row(ui, row_at(doc, first + (size_t)r), w, area->y + r, area->x);
			continue;
		}
		attrset(A_NORMAL);
		mvhline(area->y + r, area->x, ' ', area->w);
	}
}

void ui_draw_title(struct ui *ui, const struct ui_area *area, const char *text, bool focused)
{
	int style = focused ? UI_S_TITLE_FOCUS : UI_S_TITLE;
	struct ui_doc *doc = &ui->doc;

	if (area->h == 0)
		return;
	ui_doc_reset(doc, area->w, ui->utf8);
	ui_doc_clip(doc, style, focused ? "== " : "-- ", 3);
	ui_doc_clip(doc, style, text, strlen(text));
	ui_doc_clip(doc, style, " ", 1);
	while (doc->col < doc->width)
		ui_doc_clip(doc, style, focused ? "=" : "-", 1);
	ui_doc_draw(ui, doc, area, 0);
}

const char *ui_escape(struct ui *ui, const char *text, size_t len)
{
	if (len > UI_ESCAPE_BYTES)
		len = UI_ESCAPE_BYTES;
	proto_escape_term(ui->esc, sizeof ui->esc, text, len);
	return ui->esc;
}
