/*
 * view_raw.c: the raw view (x). The selected line's bytes as the engine
 * received or sent them: the text with its line ending made visible, then
 * a hex dump with offsets and a printable column. Below, the plaintext the
 * session discarded after the 220 to STARTTLS, the same way. Every byte
 * of the peer is escaped or shown as hex.
 */
#include <stdio.h>
#include <string.h>

#include "proto/lint.h"
#include "proto/reply.h"
#include "ui_int.h"

#define RAW_WIDTH 80 /* widest box: 16 bytes a hex row */

/* The bytes shown: a text, then its ending, as one sequence. */
struct raw_bytes {
	const char *text;
	size_t len;
	const char *end; /* "\r\n", "\n" or "" */
};

static unsigned char raw_byte(const struct raw_bytes *b, size_t i)
{
	return (unsigned char)(i < b->len ? b->text[i] : b->end[i - b->len]);
}

/* Bytes a hex row holds at a width: 16, 8 or 4. */
static size_t raw_per_row(int width)
{
	return width >= 7 + 4 * 16 ? 16 : width >= 7 + 4 * 8 ? 8 : 4;
}

/* One hex row: offset, the bytes in hex, then each printable or a dot. */
static void raw_hex_row(struct ui_doc *doc, const struct raw_bytes *b, size_t at, size_t per)
{
	char row[8 + 4 * 16 + 8];
	size_t n = b->len + strlen(b->end), i, o;

	o = (size_t)snprintf(row, sizeof row, "%04zx ", at);
	/* Past the last byte the row is padded; nothing past it is read. */
	for (i = 0; i < per; i++)
		o += (size_t)(at + i < n
		                  ? snprintf(row + o, sizeof row - o, " %02x", raw_byte(b, at + i))
		                  : snprintf(row + o, sizeof row - o, "   "));
	o += (size_t)snprintf(row + o, sizeof row - o, "  ");
	for (i = 0; i < per && at + i < n; i++) {
		unsigned char c = raw_byte(b, at + i);

		row[o++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	doc->indent = 0;
	ui_doc_newline(doc);
	ui_doc_clip(doc, UI_S_NORMAL, row, o);
}

static void raw_hex(struct ui_doc *doc, const struct raw_bytes *b)
{
	size_t n = b->len + strlen(b->end), per = raw_per_row(doc->width), at;

	for (at = 0; at < n; at += per)
		raw_hex_row(doc, b, at, per);
}

/* The visible form of a line ending: Unicode control pictures, or C escapes. */
static const char *raw_mark(const struct ui *ui, const char *end)
{
	if (strcmp(end, "\r\n") == 0)
		return ui->utf8 ? "\u240d\u240a" : "\\r\\n";
	if (strcmp(end, "\n") == 0)
		return ui->utf8 ? "\u240a" : "\\n";
	return ui->utf8 ? "\u2205 (no line end)" : "(no line end)";
}

/* A text escaped, each LF (and a CR before it) shown as its mark, a row per line. */
static void raw_text(struct ui *ui, struct ui_doc *doc, const char *p, size_t n, const char *end)
{
	const char *lf;
	size_t len;

	doc->indent = 2;
	ui_doc_newline(doc);
	while ((lf = n > 0 ? memchr(p, '\n', n) : NULL) != NULL) {
		len = (size_t)(lf - p);
		ui_doc_peer(doc, UI_S_NORMAL, p, len > 0 && p[len - 1] == '\r' ? len - 1 : len,
		            true);
		ui_doc_put(doc, UI_S_KEY,
		           raw_mark(ui, len > 0 && p[len - 1] == '\r' ? "\r\n" : "\n"));
		n -= len + 1;
		p = lf + 1;
		if (n > 0)
			ui_doc_newline(doc);
	}
	ui_doc_peer(doc, UI_S_NORMAL, p, n, true);
	if (end != NULL)
		ui_doc_put(doc, UI_S_KEY, raw_mark(ui, end));
}

/* The ending's bytes and how they are known: from the engine, or rebuilt from the flags. */
static const char *raw_ending(const struct ui *ui, const struct ui_line *line, const char **how)
{
	enum proto_term term = line->term;

	*how = line->dir == PROTO_DIR_CLIENT ? "as sent"
	       : ui->model->replay           ? "as the transcript recorded it"
	                                     : "as received";
	if (term == PROTO_TERM_UNKNOWN) {
		*how = "reconstructed";
		term = line->flags & PROTO_L_NO_EOL    ? PROTO_TERM_EOF
		       : line->flags & PROTO_L_BARE_LF ? PROTO_TERM_LF
		                                       : PROTO_TERM_CRLF;
	}
	return term == PROTO_TERM_CRLF ? "\r\n" : term == PROTO_TERM_LF ? "\n" : "";
}

static void raw_line(struct ui *ui, struct ui_doc *doc, const struct ui_line *line)
{
	struct raw_bytes b = {line->text, line->len, ""};
	const char *how = "", *name;
	char head[256];

	if (line->dir == PROTO_DIR_INFO) {
		snprintf(head, sizeof head,
		         "Line %u is a note of smtpscope, not bytes of the wire:", line->n);
		ui_doc_put(doc, UI_S_BOLD, head);
		raw_text(ui, doc, line->text, line->len, NULL);
		return;
	}
	b.end = raw_ending(ui, line, &how);
	name = b.end[0] == '\r' ? "CR LF" : b.end[0] == '\n' ? "a bare LF" : "none";
	snprintf(head, sizeof head, "Line %u, %s, %zu bytes; line end: %s (%s)", line->n,
	         line->dir == PROTO_DIR_SERVER ? "from the server" : "from smtpscope",
	         b.len + strlen(b.end), name, how);
	ui_doc_put(doc, UI_S_BOLD, head);
	if (line->term == PROTO_TERM_UNKNOWN) {
		ui_doc_newline(doc);
		ui_doc_put(doc, UI_S_NORMAL,
		           "The source did not record this line's ending: it is "
		           "reconstructed from the line's flags.");
	}
	if (line->flags & PROTO_L_CLIPPED) {
		ui_doc_newline(doc);
		ui_doc_put(doc, UI_S_NORMAL,
		           "Only the line's first bytes were kept: the rest was "
		           "counted and dropped.");
	}
	raw_text(ui, doc, b.text, b.len, b.end);
	raw_hex(doc, &b);
}

static void raw_discarded(struct ui *ui, struct ui_doc *doc)
{
	const struct ui_model *m = ui->model;
	struct raw_bytes b = {m->discarded, m->discarded_len, ""};
	char head[192];

	snprintf(head, sizeof head, "Discarded after the 220 to STARTTLS: %zu bytes of plaintext%s",
	         m->discarded_total,
	         m->discarded_total > m->discarded_len ? ", the first shown:" : ":");
	doc->indent = 0;
	ui_doc_newline(doc);
	ui_doc_newline(doc);
	ui_doc_put(doc, UI_S_BOLD, head);
	raw_text(ui, doc, b.text, b.len, NULL);
	raw_hex(doc, &b);
}

static void raw_build(struct ui *ui, struct ui_doc *doc, int width)
{
	const struct ui_line *line = ui_conv_selected(ui);

	ui_doc_reset(doc, width, ui->utf8);
	if (line != NULL)
		raw_line(ui, doc, line);
	else
		ui_doc_put(doc, UI_S_NORMAL, "No line is selected.");
	if (ui->model->discarded_total > 0)
		raw_discarded(ui, doc);
}

void ui_raw_draw(struct ui *ui)
{
	ui_overlay_draw(ui, " Raw bytes (q closes) ", RAW_WIDTH, raw_build);
}
