/*
 * view_legend.c: the legend of colours (L), shown at the top of the
 * grammar panel. Each role of enum proto_role is named in its own style,
 * with what it means, then the marks that are not roles.
 */
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "ui_int.h"

static const char *const role_about[PROTO_ROLE_COUNT] = {
    [PROTO_ROLE_REPLY] = "a reply outside EHLO's",
    [PROTO_ROLE_BANNER] = "the 220 line on connection",
    [PROTO_ROLE_COMMAND] = "a client command",
    [PROTO_ROLE_INFO] = "a note",
    [PROTO_ROLE_GREETING] = "EHLO line 1, the Domain",
    [PROTO_ROLE_EHLO_LINE] = "a keyword line",
    [PROTO_ROLE_MISORDERED_STARTTLS] = "STARTTLS where the Domain belongs",
    [PROTO_ROLE_MISORDERED_KEYWORD] = "a keyword where the Domain belongs",
    [PROTO_ROLE_MALFORMED] = "matches no production",
};

/* The marks of the screen that are not roles, with their styles. */
static const struct {
	int style;
	const char *name;
	const char *about;
} legend_marks[] = {
    {UI_S_SEV + PROTO_SEV_ERROR, "error", "finding, or where a line fails"},
    {UI_S_SEV + PROTO_SEV_WARNING, "warning", "finding"},
    {UI_S_SEV + PROTO_SEV_INFO, "info", "finding"},
    {UI_S_HILITE, "production", "the rule a line matched"},
    {UI_S_TLS, "<~ ~>", "inside TLS"},
};

const char *ui_role_about(enum proto_role role)
{
	return (unsigned)role < PROTO_ROLE_COUNT ? role_about[role] : "";
}

/* One entry: the name in its style, then what it means, on one row when it fits. */
static void legend_item(struct ui_doc *doc, int style, const char *name, const char *about)
{
	int n = ui_text_width(name) + 1 + ui_text_width(about);

	if (doc->col > doc->indent && doc->col + 3 + n > doc->width)
		ui_doc_newline(doc);
	else if (doc->col > doc->indent)
		ui_doc_put(doc, UI_S_NORMAL, "   ");
	ui_doc_put(doc, style, name);
	ui_doc_put(doc, UI_S_DIM, " ");
	ui_doc_put(doc, UI_S_DIM, about);
}

void ui_legend_build(struct ui_doc *doc)
{
	size_t i;

	ui_doc_put(doc, UI_S_BOLD, "Legend (L hides):");
	ui_doc_newline(doc);
	for (i = 0; i < PROTO_ROLE_COUNT; i++)
		legend_item(doc, UI_S_ROLE + (int)i, proto_role_name((enum proto_role)i),
		            role_about[i]);
	for (i = 0; i < sizeof legend_marks / sizeof legend_marks[0]; i++)
		legend_item(doc, legend_marks[i].style, legend_marks[i].name,
		            legend_marks[i].about);
	ui_doc_newline(doc);
	ui_doc_newline(doc);
}
