/*
 * view_explain.c: the explain pager, a finding's whole section of
 * docs/findings.md over the panes, as tig's pager shows a diff. The text is
 * ours (generated from the doc at build time), never the peer's: its
 * paragraphs are wrapped to the width and its examples kept as written.
 */
#include <stdio.h>
#include <string.h>

#include "proto/findings.h"
#include "ui_int.h"

#define EXPLAIN_LINE_MAX 512 /* bytes of one line of the doc laid out */
#define EXPLAIN_CODE_COL 2   /* where the rows of an example start */

static const char explain_hint[] = "j k PgUp PgDn Home End scroll   q or Esc closes";

void ui_explain_open(struct ui *ui, enum proto_finding_id id)
{
	if (proto_finding_doc(id) == NULL) {
		ui_set_note(ui, "%s: no explanation was built in.", proto_finding(id)->id);
		return;
	}
	ui->explain_id = id;
	ui->explain_top = 0;
	ui->mode = UI_MODE_EXPLAIN;
}

/* Lays out one line of the doc that is not in an example. */
static void explain_text(struct ui_doc *doc, const char *line, bool *para)
{
	const struct proto_finding_info *info;
	char id[64];

	/* A blank line ends a paragraph and leaves one blank row. */
	if (line[0] == '\0') {
		if (*para)
			ui_doc_newline(doc);
		if (ui_doc_rows(doc) > 0)
			ui_doc_newline(doc);
		*para = false;
		return;
	}
	if (*para)
		ui_doc_put(doc, UI_S_NORMAL, " ");
	if (strncmp(line, "## `", 4) == 0 && sscanf(line + 4, "%63[a-z0-9-]", id) == 1) {
		info = proto_finding(proto_finding_by_name(id));
		ui_doc_put(doc, UI_S_SEV + (int)info->severity, id);
	} else if (strncmp(line, "> ", 2) == 0) {
		ui_doc_put(doc, UI_S_BOLD, line + 2);
	} else {
		ui_doc_put(doc, UI_S_NORMAL, line);
	}
	/* The heading, the severity and the message each take their own row. */
	*para = line[0] != '#' && line[0] != '>' && strncmp(line, "Severity:", 9) != 0;
	if (!*para)
		ui_doc_newline(doc);
}

/* The finding's section: paragraphs wrapped, examples row by row. */
static void explain_build(struct ui_doc *doc, const char *text)
{
	char line[EXPLAIN_LINE_MAX];
	bool code = false, para = false;
	size_t len;

	while (*text != '\0') {
		len = strcspn(text, "\n");
		snprintf(line, sizeof line, "%.*s",
		         (int)(len < sizeof line ? len : sizeof line - 1), text);
		text += len + (text[len] == '\n');
		if (strncmp(line, "```", 3) == 0) {
			code = !code;
			continue;
		}
		if (!code) {
			explain_text(doc, line, &para);
			continue;
		}
		ui_doc_pad(doc, UI_S_NORMAL, EXPLAIN_CODE_COL);
		ui_doc_clip(doc, UI_S_KEY, line, strlen(line));
		ui_doc_newline(doc);
	}
}

void ui_explain_draw(struct ui *ui)
{
	struct ui_area title = {1, 0, 1, COLS}, body = {2, 0, LINES - 3, COLS}, hint;
	size_t rows;
	char head[96];

	if (body.h < 1)
		return;
	snprintf(head, sizeof head, "Explain: %s", proto_finding(ui->explain_id)->id);
	ui_draw_title(ui, &title, head, true);
	ui_doc_reset(&ui->doc, COLS, ui->utf8);
	explain_build(&ui->doc, proto_finding_doc(ui->explain_id));
	rows = ui_doc_rows(&ui->doc);
	if (ui->explain_top + (size_t)body.h > rows)
		ui->explain_top = rows > (size_t)body.h ? rows - (size_t)body.h : 0;
	ui_doc_draw(ui, &ui->doc, &body, ui->explain_top);
	hint = (struct ui_area){LINES - 1, 0, 1, COLS};
	ui_doc_reset(&ui->doc, COLS, ui->utf8);
	ui_doc_clip(&ui->doc, UI_S_DIM, explain_hint, strlen(explain_hint));
	ui_doc_draw(ui, &ui->doc, &hint, 0);
	ui->cursor = false;
}

/* Scrolls the pager; q or Escape closes it, any other key does nothing. */
void ui_explain_key(struct ui *ui, int key, bool keycode)
{
	size_t page = LINES > 4 ? (size_t)LINES - 4 : 1;
	enum ui_move how;

	if (!keycode && (key == 'q' || key == 27)) {
		ui->mode = UI_MODE_NORMAL;
		return;
	}
	if (keycode)
		how = key == KEY_UP      ? UI_MOVE_UP
		      : key == KEY_DOWN  ? UI_MOVE_DOWN
		      : key == KEY_PPAGE ? UI_MOVE_PAGE_UP
		      : key == KEY_NPAGE ? UI_MOVE_PAGE_DOWN
		      : key == KEY_HOME  ? UI_MOVE_HOME
		      : key == KEY_END   ? UI_MOVE_END
		                         : UI_MOVE_ENTER;
	else
		how = key == 'k'                                 ? UI_MOVE_UP
		      : key == 'j' || key == '\r' || key == '\n' ? UI_MOVE_DOWN
		      : key == 2                                 ? UI_MOVE_PAGE_UP
		      : key == 6 || key == ' '                   ? UI_MOVE_PAGE_DOWN
		      : key == '<' || key == 'g'                 ? UI_MOVE_HOME
		      : key == '>' || key == 'G'                 ? UI_MOVE_END
		                                                 : UI_MOVE_ENTER;
	/* The draw clamps the end: a move past it stops at the last page. */
	if (how == UI_MOVE_END)
		ui->explain_top = (size_t)-1 / 2;
	else
		ui->explain_top = ui_move_index(ui->explain_top, (size_t)-1 / 2, page, how);
}
