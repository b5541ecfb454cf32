/*
 * status.c: the status line at the top, the message area and the
 * command row at the bottom. Every string of the model may hold bytes from
 * the peer (a certificate name, a reply quoted in a message), so each goes
 * through proto_escape_term.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"

#define STATUS_RIGHT 12 /* columns kept for the elapsed time */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void elapsed(const struct ui_model *model, char *buf, size_t len)
{
	long long s;

	buf[0] = '\0';
	if (model->started_ms <= 0)
		return;
	s = ((model->ended_ms > 0 ? model->ended_ms : now_ms()) - model->started_ms) / 1000;
	s = s < 0 ? 0 : s;
	if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld ", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02lld:%02lld ", s / 60, s % 60);
}

/* One field of the status line, separated from the one before. */
static void field(struct ui_doc *doc, bool *first, const char *label, const char *value, size_t cap)
{
	size_t len = strnlen(value, cap);

	if (len == 0)
		return;
	if (!*first)
		ui_doc_clip(doc, UI_S_STATUS, " | ", 3);
	*first = false;
	ui_doc_clip(doc, UI_S_STATUS, label, strlen(label));
	ui_doc_peer(doc, UI_S_STATUS, value, len, false);
}

/* Where a replay stands: "replay 3/13", or "replay 3" without a total. */
static void replay_pos(const struct ui_model *m, char *buf, size_t len)
{
	size_t shown = ui_model_total(m);

	buf[0] = '\0';
	if (!m->replay)
		return;
	if (m->replay_reading)
		snprintf(buf, len, "replay %zu/%zu+ (reading)", shown, m->replay_total);
	else if (m->replay_total > 0)
		snprintf(buf, len, "replay %zu/%zu", shown, m->replay_total);
	else
		snprintf(buf, len, "replay %zu", shown);
}

/* "banner 12ms · EHLO 3ms · TLS 41ms": the times known so far, or "". */
static void timings(const struct ui_model *m, bool utf8, char *buf, size_t len)
{
	const char *name[3] = {"banner ", "EHLO ", "TLS "};
	long long ms[3] = {m->banner_ms, m->ehlo_ms, m->tls_ms};
	size_t used = 0, i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < 3 && used < len; i++) {
		if (ms[i] < 0)
			continue;
		n = snprintf(buf + used, len - used, "%s%s",
		             used > 0 ? (utf8 ? " \xc2\xb7 " : ", ") : "", name[i]);
		used += n > 0 ? (size_t)n : 0;
		if (used >= len)
			break;
		if (ms[i] < 10000)
			n = snprintf(buf + used, len - used, "%lldms", ms[i]);
		else
			n = snprintf(buf + used, len - used, "%.1fs", (double)ms[i] / 1000.0);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* The fields left of the clock; a replay's position stands for the state. */
static void status_fields(const struct ui_model *m, struct ui_doc *doc, bool utf8)
{
	char replay[64], dropped[48], times[96];
	bool first = true;

	replay_pos(m, replay, sizeof replay);
	ui_doc_clip(doc, UI_S_STATUS, " ", 1);
	field(doc, &first, "", m->target, sizeof m->target);
	if (m->address[0] != '\0' && strncmp(m->address, m->target, sizeof m->address) != 0)
		field(doc, &first, "", m->address, sizeof m->address);
	field(doc, &first, "", m->replay ? replay : m->state, sizeof m->state);
	/* Before the verification's long words; our own text (the dot), so not escaped. */
	timings(m, utf8, times, sizeof times);
	if (times[0] != '\0') {
		ui_doc_clip(doc, UI_S_STATUS, " | ", first ? 0 : 3);
		ui_doc_clip(doc, UI_S_STATUS, times, strlen(times));
	}
	field(doc, &first, "", m->verify, sizeof m->verify);
	field(doc, &first, "transcript ", m->transcript, sizeof m->transcript);
	field(doc, &first, "", m->busy ? "waiting for a reply" : "", 32);
	snprintf(dropped, sizeof dropped, "%zu early lines dropped", m->dropped);
	/* A replay brings them back when the user moves there. */
	field(doc, &first, "", m->dropped > 0 && !m->replay ? dropped : "", sizeof dropped);
}

void ui_status_draw(struct ui *ui)
{
	const struct ui_model *m = ui->model;
	struct ui_doc *doc = &ui->doc;
	struct ui_area left = ui->status, right = ui->status;
	char time[32];

	/* Two spaces before the clock, so the fields never run into it. */
	time[0] = '\0';
	if (!m->replay) {
		elapsed(m, time + 2, sizeof time - 2);
		if (time[2] != '\0')
			memcpy(time, "  ", 2);
	}
	right.w = (int)strlen(time) < left.w ? (int)strlen(time) : 0;
	left.w -= right.w;
	right.x = left.w;
	ui_doc_reset(doc, left.w, ui->utf8);
	status_fields(m, doc, ui->utf8);
	ui_doc_pad(doc, UI_S_STATUS, left.w);
	ui_doc_draw(ui, doc, &left, 0);
	if (right.w == 0)
		return;
	ui_doc_reset(doc, right.w, ui->utf8);
	ui_doc_clip(doc, UI_S_STATUS, time, strlen(time));
	ui_doc_draw(ui, doc, &right, 0);
}

static bool editing(const struct ui *ui)
{
	return ui->mode == UI_MODE_EDIT || ui->mode == UI_MODE_COMMAND ||
	       ui->mode == UI_MODE_SEARCH || ui->mode == UI_MODE_FILTER;
}

/* What the message area says while the command line is edited. */
static const char *edit_hint(enum ui_mode mode)
{
	if (mode == UI_MODE_SEARCH)
		return "Search the conversation as shown, ignoring case: Enter searches (empty: "
		       "the last pattern), Esc or ^C cancels; then n and N.";
	if (mode == UI_MODE_FILTER)
		return "Show only: a role (misordered-starttls, greeting, command...), a finding "
		       "id, server or client. Enter with nothing shows every line.";
	return "Enter sends, Esc or ^C cancels, Tab completes, Up and Down browse the history.";
}

/* Starts a paragraph of the message area. */
static void paragraph(struct ui_doc *doc, bool *any)
{
	if (*any)
		ui_doc_newline(doc);
	*any = true;
}

int ui_message_layout(struct ui *ui, int width)
{
	const struct ui_model *m = ui->model;
	struct ui_doc *doc = &ui->msg;
	const char *note = ui->note;
	char pause[1024];
	bool any = false;
	size_t rows;

	ui_doc_reset(doc, width, ui->utf8);
	if (m->message[0] != '\0') {
		paragraph(doc, &any);
		ui_doc_peer(doc, UI_S_BOLD, m->message, strnlen(m->message, sizeof m->message),
		            true);
	}
	if (note[0] == '\0' && editing(ui))
		note = ui_cmdline_note(ui->cmdline);
	if (note[0] == '\0' && editing(ui))
		note = edit_hint(ui->mode);
	if (note[0] != '\0') {
		paragraph(doc, &any);
		ui_doc_put(doc, editing(ui) ? UI_S_DIM : UI_S_NORMAL, note);
	}
	pause[0] = '\0';
	if (ui->mode == UI_MODE_NORMAL)
		ui_matrix_pause(ui, pause, sizeof pause);
	if (pause[0] != '\0') {
		paragraph(doc, &any);
		ui_doc_put(doc, UI_S_PAUSE, pause);
	}
	rows = any ? ui_doc_rows(doc) : 0;
	return rows > UI_MESSAGE_ROWS ? UI_MESSAGE_ROWS : (int)rows;
}

void ui_message_draw(struct ui *ui)
{
	if (ui->message.h > 0)
		ui_doc_draw(ui, &ui->msg, &ui->message, 0);
}

/* A key and what it does, for the hints of the command row. */
static void hint(struct ui_doc *doc, const char *key, const char *what)
{
	ui_doc_put(doc, UI_S_KEY, key);
	ui_doc_clip(doc, UI_S_DIM, " ", 1);
	ui_doc_clip(doc, UI_S_DIM, what, strlen(what));
	ui_doc_clip(doc, UI_S_DIM, "  ", 2);
}

static void hints(struct ui *ui, struct ui_doc *doc)
{
	const struct ui_model *m = ui->model;

	if (m->replay) {
		ui_doc_clip(doc, UI_S_BOLD, "replay  ", 8);
		hint(doc, "Space", "next line");
		hint(doc, "r", "to the end");
	} else if (m->pending != NULL) {
		ui_doc_clip(doc, UI_S_DIM, "next: ", 6);
		ui_doc_peer(doc, UI_S_BOLD, m->pending, strlen(m->pending), false);
		ui_doc_clip(doc, UI_S_DIM, "   ", 3);
		hint(doc, "Space", "send");
		hint(doc, "e", "edit");
		hint(doc, "s", "skip");
		hint(doc, "r", "run");
		hint(doc, ":", "command");
	} else if (m->session_open) {
		ui_doc_clip(doc, UI_S_DIM,
		            m->busy ? "waiting for the reply   " : "nothing planned   ",
		            m->busy ? 24 : 18);
		hint(doc, ":", "command");
	} else {
		ui_doc_clip(doc, UI_S_DIM, "session closed   ", 17);
		if (ui->ops->reconnect != NULL)
			hint(doc, "R", "reconnect");
		hint(doc, "w", "write transcript");
	}
	hint(doc, "?", "help");
	hint(doc, "q", "quit");
}

void ui_command_draw(struct ui *ui)
{
	static const char question[] = "Quit and close the session? y/n ";
	static const char send_question[] = "Certificate NOT verified: send the credentials "
	                                    "anyway? y/n ";
	struct ui_doc *doc = &ui->doc;

	if (editing(ui)) {
		ui_cmdline_draw(ui, ui->cmdline, &ui->command);
		return;
	}
	ui_doc_reset(doc, ui->command.w, ui->utf8);
	if (ui->mode == UI_MODE_CONFIRM) {
		if (ui->confirm_send)
			ui_doc_clip(doc, UI_S_PAUSE, send_question, sizeof send_question - 1);
		else
			ui_doc_clip(doc, UI_S_PAUSE, question, sizeof question - 1);
		ui->cursor = true;
		ui->cur_y = ui->command.y;
		ui->cur_x = doc->col < ui->command.w ? doc->col : ui->command.w - 1;
	} else {
		hints(ui, doc);
	}
	ui_doc_draw(ui, doc, &ui->command, 0);
}
