/*
 * view_cert.c: the certificate view (C). The owner writes the TLS facts as
 * "check" prints them (the chain, the verification, version, cipher and
 * group) into model->tls_text, every field from the peer already escaped
 * (live_tls_text does it as check does); this view lays the lines out as
 * they are, so they read as check prints them. A control byte left in the
 * text all the same is shown as '?' (ui_doc_put never paints one).
 */
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

#define CERT_WIDTH      132 /* widest box: a SHA-256 fingerprint fits on its row */
#define CERT_INDENT_MAX 12

/* One line of the owner's text, wrapped under its own indent. */
static void cert_row(struct ui_doc *doc, const char *p, size_t n)
{
	size_t lead = 0;
	char *text;

	while (lead < n && p[lead] == ' ')
		lead++;
	doc->indent = (int)(lead + 2 < CERT_INDENT_MAX ? lead + 2 : CERT_INDENT_MAX);
	if (doc->indent >= doc->width / 2)
		doc->indent = 0;
	if (lead > 0)
		ui_doc_pad(doc, UI_S_NORMAL,
		           (int)(lead < CERT_INDENT_MAX ? lead : CERT_INDENT_MAX));
	text = malloc(n - lead + 1);
	if (text == NULL) {
		ui_doc_put(doc, UI_S_DIM, "(out of memory)");
		return;
	}
	memcpy(text, p + lead, n - lead);
	text[n - lead] = '\0';
	ui_doc_put(doc, lead == 0 ? UI_S_BOLD : UI_S_NORMAL, text);
	free(text);
}

static void cert_build(struct ui *ui, struct ui_doc *doc, int width)
{
	const struct ui_model *m = ui->model;
	const char *p = m->tls_text, *end = p + m->tls_len, *nl;
	bool first = true;

	ui_doc_reset(doc, width, ui->utf8);
	if (p == NULL) {
		ui_doc_put(doc, UI_S_NORMAL,
		           m->replay ? "No certificate: a saved transcript does not hold one."
		                     : "No certificate yet: the session is in plaintext.");
		return;
	}
	while (p < end && *p == '\n')
		p++;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl : end;
		if (!first) {
			doc->indent = 0;
			ui_doc_newline(doc);
		}
		first = false;
		cert_row(doc, p, (size_t)(nl - p));
	}
}

void ui_cert_draw(struct ui *ui)
{
	ui_overlay_draw(ui, " Certificate and TLS (q closes) ", CERT_WIDTH, cert_build);
}
