/*
 * view_grammar.c: the grammar panel. For the selected line it names the
 * production the line matched, breaks the line into its parts, explains
 * every finding on it, and shows the ABNF of the EHLO reply with the rows
 * the line touched highlighted: RFC 5321 §4.1.1.1, or with g the older
 * names of RFC 1869 §4.3.
 */
#include <stdio.h>
#include <string.h>

#include "proto/ehlo.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "ui_int.h"

#define GRAMMAR_PART_MAX 512 /* bytes of one part shown */

/* Which rows of the ABNF a line touches. */
enum {
	G_SINGLE = 1u << 0,  /* a one-line reply */
	G_FIRST = 1u << 1,   /* line 1 of a multi-line reply */
	G_MIDDLE = 1u << 2,  /* a line between the first and the last */
	G_LAST = 1u << 3,    /* the last line of a multi-line reply */
	G_DOMAIN = 1u << 4,  /* a Domain */
	G_GREET = 1u << 5,   /* a greeting text */
	G_LINE = 1u << 6,    /* an ehlo-line */
	G_KEYWORD = 1u << 7, /* an ehlo-keyword */
	G_PARAM = 1u << 8,   /* an ehlo-param */
	G_CODE = 1u << 9,    /* a Reply-code */
	G_TEXT = 1u << 10,   /* a textstring */
};

struct abnf_row {
	const char *text;
	unsigned tags;
};

static const struct abnf_row abnf_5321[] = {
    {"ehlo-ok-rsp  = ( \"250\" SP Domain [ SP ehlo-greet ] CRLF )", G_SINGLE},
    {"             / ( \"250-\" Domain [ SP ehlo-greet ] CRLF", G_FIRST},
    {"                 *( \"250-\" ehlo-line CRLF )", G_MIDDLE},
    {"                 \"250\" SP ehlo-line CRLF )", G_LAST},
    {"Domain       = sub-domain *(\".\" sub-domain)      ; §4.1.2", G_DOMAIN},
    {"ehlo-greet   = 1*(%d0-9 / %d11-12 / %d14-127)", G_GREET},
    {"ehlo-line    = ehlo-keyword *( SP ehlo-param )", G_LINE},
    {"ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / \"-\")", G_KEYWORD},
    {"ehlo-param   = 1*(%d33-126)", G_PARAM},
    {"sub-domain   = Let-dig [Ldh-str]                ; §4.1.2", G_DOMAIN},
    {"Let-dig      = ALPHA / DIGIT", G_DOMAIN},
    {"Ldh-str      = *( ALPHA / DIGIT / \"-\" ) Let-dig", G_DOMAIN},
};

static const struct abnf_row abnf_1869[] = {
    {"ehlo-ok-rsp  ::=      \"250\"    domain [ SP greeting ] CR LF", G_SINGLE},
    {"               / (    \"250-\"   domain [ SP greeting ] CR LF", G_FIRST},
    {"                   *( \"250-\"   ehlo-line              CR LF )", G_MIDDLE},
    {"                      \"250\"    SP ehlo-line           CR LF  )", G_LAST},
    {"domain       ::= <element> | <element> \".\" <domain>   ; RFC 821", G_DOMAIN},
    {"greeting     ::= 1*<any character other than CR or LF>", G_GREET},
    {"ehlo-line    ::= ehlo-keyword *( SP ehlo-param )", G_LINE},
    {"ehlo-keyword ::= (ALPHA / DIGIT) *(ALPHA / DIGIT / \"-\")", G_KEYWORD},
    {"ehlo-param   ::= 1*<any CHAR excluding SP and all", G_PARAM},
    {"                    control characters (US ASCII 0-31 inclusive)>", G_PARAM},
};

/*
 * RFC 5321 §4.2: the banner, which its ABNF names Greeting (quoted as
 * written), and every reply outside EHLO's.
 */
static const struct abnf_row abnf_greeting[] = {
    {"Greeting   = ( \"220 \" (Domain / address-literal) [ SP textstring ] CRLF )", G_SINGLE},
    {"           / ( \"220-\" (Domain / address-literal) [ SP textstring ] CRLF", G_FIRST},
    {"               *( \"220-\" [ textstring ] CRLF )", G_MIDDLE},
    {"               \"220\" [ SP textstring ] CRLF )", G_LAST},
    {"Domain     = sub-domain *(\".\" sub-domain)         ; §4.1.2", G_DOMAIN},
    {"sub-domain = Let-dig [Ldh-str]", G_DOMAIN},
    {"Let-dig    = ALPHA / DIGIT", G_DOMAIN},
    {"Ldh-str    = *( ALPHA / DIGIT / \"-\" ) Let-dig", G_DOMAIN},
    {"textstring = 1*(%d09 / %d32-126)", G_TEXT},
};

static const struct abnf_row abnf_reply[] = {
    {"Reply-line = *( Reply-code \"-\" [ textstring ] CRLF )", G_MIDDLE | G_FIRST},
    {"             Reply-code [ SP textstring ] CRLF", G_LAST | G_SINGLE},
    {"Reply-code = %x32-35 %x30-35 %x30-39", G_CODE},
    {"textstring = 1*(%d09 / %d32-126)", G_TEXT},
};

struct grammar {
	const char *name;
	const struct abnf_row *rows;
	size_t n;
};

#define GRAMMAR(name, rows)                                                                        \
	{                                                                                          \
		name, rows, sizeof rows / sizeof rows[0]                                           \
	}

static const struct grammar grammar_5321 = GRAMMAR("RFC 5321 §4.1.1.1", abnf_5321);
static const struct grammar grammar_1869 = GRAMMAR("RFC 1869 §4.3", abnf_1869);
static const struct grammar grammar_greeting = GRAMMAR("RFC 5321 §4.2, the banner", abnf_greeting);
static const struct grammar grammar_reply = GRAMMAR("RFC 5321 §4.2", abnf_reply);

/* The grammar of the selected line; NULL for a command or a note. */
static const struct grammar *grammar_of(const struct ui *ui, const struct ui_line *line)
{
	if (line == NULL || line->has_ehlo)
		return ui->rfc1869 ? &grammar_1869 : &grammar_5321;
	if (line->dir != PROTO_DIR_SERVER)
		return NULL;
	return line->role == PROTO_ROLE_BANNER ? &grammar_greeting : &grammar_reply;
}

/* The byte after the reply code, or -1. */
static int separator(const struct ui_line *line)
{
	return line->len > 3 ? (unsigned char)line->text[3] : -1;
}

/* Position of line i inside its EHLO reply, from 0. */
static unsigned reply_index(const struct ui_model *model, size_t i)
{
	unsigned k = 0;

	while (i > 0 && !ui_model_ehlo_first(model, i)) {
		i--;
		k++;
	}
	return k;
}

static bool is_none(const char *production)
{
	return production == NULL || strncmp(production, "none", 4) == 0;
}

/* The production in the names of the RFC shown. */
static void production(const struct ui *ui, const struct proto_ehlo_line *e, char *buf, size_t len)
{
	const char *note = e->production != NULL ? strstr(e->production, " -- ") : NULL;

	if (!ui->rfc1869) {
		snprintf(buf, len, "%s", e->production != NULL ? e->production : "none");
		return;
	}
	snprintf(buf, len, "%s%s", e->production_1869 != NULL ? e->production_1869 : "none",
	         note != NULL ? note : "");
}

static const char *describe(const struct ui_line *line)
{
	switch (line->role) {
	case PROTO_ROLE_BANNER:
		return "the server's banner, its first reply on connection";
	case PROTO_ROLE_REPLY:
		return "a reply of the server";
	case PROTO_ROLE_COMMAND:
		return "a command of the client";
	case PROTO_ROLE_INFO:
		return "a note of the transcript";
	default:
		return proto_role_name(line->role);
	}
}

static void head_row(struct ui *ui, struct ui_doc *doc, const struct ui_line *line, size_t i)
{
	char buf[160];

	if (!line->has_ehlo) {
		snprintf(buf, sizeof buf, "line %u: ", line->n);
		ui_doc_put(doc, UI_S_BOLD, buf);
		ui_doc_put(doc, UI_S_NORMAL, describe(line));
		return;
	}
	snprintf(buf, sizeof buf, "line %u (reply line %u): ", line->n,
	         reply_index(ui->model, i) + 1);
	ui_doc_put(doc, UI_S_BOLD, buf);
	production(ui, line->ehlo, buf, sizeof buf);
	ui_doc_put(doc, is_none(line->ehlo->production) ? UI_S_SEV + PROTO_SEV_ERROR : UI_S_HILITE,
	           buf);
}

/* The bytes of a span, escaped and quoted. */
static void quoted(struct ui_doc *doc, const struct ui_line *line, struct proto_span span,
                   int style)
{
	char buf[PROTO_ESCAPE_MAX(GRAMMAR_PART_MAX) + 8];
	size_t off = span.off < line->len ? span.off : line->len;
	size_t len = span.len < line->len - off ? span.len : line->len - off;
	size_t n;

	buf[0] = '"';
	n = proto_escape_term(buf + 1, sizeof buf - 8, line->text + off,
	                      len < GRAMMAR_PART_MAX ? len : GRAMMAR_PART_MAX);
	snprintf(buf + 1 + n, 8, "%s", len > GRAMMAR_PART_MAX ? "...\"" : "\"");
	ui_doc_put(doc, style, buf);
}

/* One part: its name, then its bytes escaped and quoted. */
static void part(struct ui_doc *doc, const char *name, const struct ui_line *line,
                 struct proto_span span, int style)
{
	ui_doc_put(doc, UI_S_DIM, name);
	quoted(doc, line, span, style);
	ui_doc_put(doc, UI_S_NORMAL, "  ");
}

static struct proto_span span_of(size_t off, size_t len)
{
	struct proto_span span = {(uint32_t)off, (uint32_t)len};

	return span;
}

static void separator_part(struct ui_doc *doc, const struct ui_line *line)
{
	int sep = separator(line);

	if (sep == '-')
		ui_doc_put(doc, UI_S_DIM, "\"-\" more lines follow  ");
	else if (sep == ' ')
		ui_doc_put(doc, UI_S_DIM, "SP the last line  ");
	else if (sep >= 0)
		ui_doc_put(doc, UI_S_SEV + PROTO_SEV_ERROR, "no SP or \"-\" after the code  ");
}

/* Why a word parses as a Domain: its sub-domains, or one's Let-dig and Ldh-str. */
static void domain_why(struct ui_doc *doc, const struct ui_line *line, struct proto_span span)
{
	const char *p = line->text + span.off, *dot;
	size_t off = span.off, end = (size_t)span.off + span.len, n = 0;
	char buf[64];

	if (span.len == 0 || end > line->len || p[0] == '[' || !proto_is_domain(p, span.len))
		return;
	doc->indent = 2;
	ui_doc_newline(doc);
	quoted(doc, line, span, UI_S_NORMAL);
	if (memchr(p, '.', span.len) == NULL) {
		ui_doc_put(doc, UI_S_NORMAL, " is a Domain of one sub-domain:  ");
		part(doc, "Let-dig ", line, span_of(off, 1), UI_S_NORMAL);
		if (span.len > 1)
			part(doc, "Ldh-str ", line, span_of(off + 1, span.len - 1), UI_S_NORMAL);
		return;
	}
	for (dot = p; dot != NULL; dot = memchr(dot + 1, '.', end - (size_t)(dot - line->text) - 1))
		n++;
	snprintf(buf, sizeof buf, " is a Domain of %zu sub-domains:  ", n);
	ui_doc_put(doc, UI_S_NORMAL, buf);
	for (n = 0; off < end && n < 8; n++) {
		dot = memchr(line->text + off, '.', end - off);
		span = span_of(off, dot != NULL ? (size_t)(dot - line->text) - off : end - off);
		part(doc, "", line, span, UI_S_NORMAL);
		off += span.len + 1;
	}
	if (off < end)
		ui_doc_put(doc, UI_S_DIM, "...");
}

/* Where a keyword line stops being an ehlo-keyword, from the engine's stop. */
static void keyword_stop(struct ui_doc *doc, const struct ui_line *line)
{
	const struct proto_ehlo_line *e = line->ehlo;

	if (e->stop.len == 0 || e->stop.off < e->head.off)
		return;
	doc->indent = 2;
	ui_doc_newline(doc);
	if (e->stop.off == e->head.off) {
		ui_doc_put(doc, UI_S_NORMAL, "ehlo-keyword starts with ALPHA / DIGIT, not ");
	} else {
		part(doc, "ehlo-keyword takes ", line,
		     span_of(e->head.off, e->stop.off - e->head.off), UI_S_NORMAL);
		ui_doc_put(doc, UI_S_NORMAL, "then stops at ");
	}
	quoted(doc, line, e->stop, UI_S_SEV + PROTO_SEV_ERROR);
	ui_doc_put(doc, UI_S_NORMAL, " (not ALPHA / DIGIT / \"-\")");
	domain_why(doc, line, e->head);
}

/* True when the engine found the code is not the literal "250". */
static bool code_fails(const struct ui_line *line)
{
	return line->has_ehlo && line->ehlo->stop.len > 0 && line->ehlo->stop.off == 0;
}

static void code_stop(struct ui_doc *doc, const struct ui_line *line)
{
	if (!code_fails(line))
		return;
	doc->indent = 2;
	ui_doc_newline(doc);
	quoted(doc, line, line->ehlo->code, UI_S_SEV + PROTO_SEV_ERROR);
	ui_doc_put(doc, UI_S_NORMAL,
	           " is not the literal \"250\" that starts every line of ehlo-ok-rsp");
}

/* The parts of a line after the first of its EHLO reply. */
static void keyword_parts(struct ui *ui, struct ui_doc *doc, const struct ui_line *line)
{
	const struct proto_ehlo_line *e = line->ehlo;
	int style = UI_S_ROLE + (int)line->role;
	char more[48];
	unsigned k;

	if (is_none(e->production) && e->head.off + e->head.len < line->len &&
	    line->text[e->head.off + e->head.len] == '=') {
		part(doc, "keyword ", line, e->head, style);
		part(doc, "then \"=\" and ", line, e->rest, style);
		return;
	}
	if (line->role == PROTO_ROLE_MALFORMED) {
		part(doc, "", line, e->head, style);
		ui_doc_put(doc, UI_S_SEV + PROTO_SEV_ERROR, "is not an ehlo-keyword");
		return;
	}
	part(doc, "ehlo-keyword ", line, e->head, style);
	for (k = 0; k < e->nparams && k < PROTO_EHLO_PARAMS; k++)
		part(doc, "ehlo-param ", line, e->param[k], UI_S_NORMAL);
	if (e->nparams > PROTO_EHLO_PARAMS) {
		snprintf(more, sizeof more, "and %u more params", e->nparams - PROTO_EHLO_PARAMS);
		ui_doc_put(doc, UI_S_DIM, more);
	}
	(void)ui;
}

static void ehlo_parts(struct ui *ui, struct ui_doc *doc, const struct ui_line *line, bool first)
{
	const struct proto_ehlo_line *e = line->ehlo;

	if (line->flags & PROTO_L_BAD_CODE) {
		part(doc, "no reply code: ", line, span_of(0, line->len), UI_S_NORMAL);
		return;
	}
	part(doc, "code ", line, e->code,
	     code_fails(line) ? UI_S_SEV + PROTO_SEV_ERROR : UI_S_BOLD);
	separator_part(doc, line);
	if (!first) {
		keyword_parts(ui, doc, line);
		code_stop(doc, line);
		if (!ui->rfc1869)
			keyword_stop(doc, line);
		return;
	}
	part(doc, ui->rfc1869 ? "domain " : "Domain ", line, e->head, UI_S_ROLE + (int)line->role);
	if (e->rest.len > 0)
		part(doc, ui->rfc1869 ? "greeting " : "ehlo-greet ", line, e->rest, UI_S_NORMAL);
	else
		ui_doc_put(doc, UI_S_DIM, ui->rfc1869 ? "no greeting" : "no ehlo-greet");
	code_stop(doc, line);
	if (!ui->rfc1869)
		domain_why(doc, line, e->head);
}

/* True when server line i starts its reply. */
static bool reply_first(const struct ui_model *model, size_t i)
{
	const struct ui_line *prev = i > 0 ? &model->lines[i - 1] : NULL;

	return prev == NULL || prev->dir != PROTO_DIR_SERVER || separator(prev) != '-';
}

/* The banner: code, then on its first line Domain and textstring (RFC 5321 §4.2). */
static void banner_parts(struct ui_doc *doc, const struct ui_line *line, bool first)
{
	struct proto_banner b;

	proto_banner_line(line->text, line->len, first, &b);
	if (first && !b.domain_ok) {
		quoted(doc, line, b.domain, UI_S_SEV + PROTO_SEV_ERROR);
		ui_doc_put(doc, UI_S_SEV + PROTO_SEV_ERROR,
		           " is not a Domain or address-literal  ");
	} else if (first) {
		part(doc, "Domain ", line, b.domain, UI_S_ROLE + (int)line->role);
	}
	if (b.text.len > 0)
		part(doc, "textstring ", line, b.text, UI_S_NORMAL);
	else
		ui_doc_put(doc, UI_S_DIM, "no textstring");
	if (first && b.domain_ok)
		domain_why(doc, line, b.domain);
}

/* The selected line's role, named as the legend names it. */
static void role_row(struct ui_doc *doc, const struct ui_line *line)
{
	ui_doc_put(doc, UI_S_DIM, "role ");
	ui_doc_put(doc, UI_S_ROLE + (int)line->role, proto_role_name(line->role));
	ui_doc_put(doc, UI_S_DIM, ": ");
	ui_doc_put(doc, UI_S_DIM, ui_role_about(line->role));
	ui_doc_newline(doc);
}

/* The parts of line i outside an EHLO reply. */
static void plain_parts(const struct ui *ui, struct ui_doc *doc, size_t i)
{
	const struct ui_line *line = &ui->model->lines[i];
	const char *space = memchr(line->text, ' ', line->len);
	size_t verb = space != NULL ? (size_t)(space - line->text) : line->len;

	switch (line->dir) {
	case PROTO_DIR_CLIENT:
		part(doc, "verb ", line, span_of(0, verb), UI_S_ROLE + (int)line->role);
		if (verb + 1 < line->len)
			part(doc, "argument ", line, span_of(verb + 1, line->len - verb - 1),
			     UI_S_NORMAL);
		return;
	case PROTO_DIR_INFO:
		part(doc, "note ", line, span_of(0, line->len), UI_S_DIM);
		return;
	case PROTO_DIR_SERVER:
		break;
	}
	if ((line->flags & PROTO_L_BAD_CODE) || line->len < 3) {
		part(doc, "no reply code: ", line, span_of(0, line->len), UI_S_NORMAL);
		return;
	}
	part(doc, "code ", line, span_of(0, 3), UI_S_BOLD);
	separator_part(doc, line);
	if (line->role == PROTO_ROLE_BANNER)
		banner_parts(doc, line, reply_first(ui->model, i));
	else if (line->len > 4)
		part(doc, "text ", line, span_of(4, line->len - 4), UI_S_NORMAL);
}

static void line_findings(struct ui_doc *doc, const struct ui_line *line)
{
	const struct proto_finding_info *info;
	char head[160];
	unsigned k;

	for (k = 0; k < line->nfindings; k++) {
		info = proto_finding(line->finding[k]);
		doc->indent = 0;
		ui_doc_newline(doc);
		snprintf(head, sizeof head, "! %s %s", proto_severity_name(info->severity),
		         info->id);
		ui_doc_put(doc, UI_S_SEV + (int)info->severity, head);
		ui_doc_put(doc, UI_S_DIM, ", ");
		ui_doc_put(doc, UI_S_DIM, info->rfc);
		doc->indent = 2;
		ui_doc_newline(doc);
		ui_doc_put(doc, UI_S_BOLD, info->message);
		ui_doc_newline(doc);
		ui_doc_put(doc, UI_S_NORMAL, info->explain);
	}
	doc->indent = 0;
}

/* The rows of §4.2 that a server line outside an EHLO reply touches. */
static unsigned reply_tags(const struct ui_model *model, size_t i)
{
	const struct ui_line *line = &model->lines[i];
	bool first = reply_first(model, i);
	bool more = separator(line) == '-';
	unsigned tags = G_CODE | (line->len > 4 ? G_TEXT : 0);
	struct proto_banner b;

	if (line->dir != PROTO_DIR_SERVER)
		return 0;
	if (first && line->role == PROTO_ROLE_BANNER) {
		proto_banner_line(line->text, line->len, true, &b);
		tags = G_CODE | G_DOMAIN | (b.text.len > 0 ? G_TEXT : 0);
	}
	if (first)
		return tags | (more ? G_FIRST : G_SINGLE);
	return tags | (more ? G_MIDDLE : G_LAST);
}

/* True when the head of a keyword line is a whole Domain. */
static bool head_is_domain(const struct ui_line *line)
{
	const struct proto_ehlo_line *e = line->ehlo;

	return (size_t)e->head.off + e->head.len <= line->len &&
	       memchr(line->text + e->head.off, '.', e->head.len) != NULL &&
	       proto_is_domain(line->text + e->head.off, e->head.len);
}

/* The rows of the ABNF that line i touches. */
static unsigned line_tags(const struct ui_model *model, size_t i)
{
	const struct ui_line *line = &model->lines[i];
	const struct proto_ehlo_line *e = line->ehlo;
	bool more = separator(line) == '-';
	unsigned tags;

	if (line->flags & PROTO_L_BAD_CODE)
		return 0;
	if (!line->has_ehlo)
		return reply_tags(model, i);
	if (ui_model_ehlo_first(model, i)) {
		tags = (more ? G_FIRST : G_SINGLE) | G_DOMAIN;
		return e->rest.len > 0 ? tags | G_GREET : tags;
	}
	tags = (more ? G_MIDDLE : G_LAST) | G_LINE | G_KEYWORD;
	/* A Domain where a keyword belongs: the Domain rows tell why it parses. */
	if (line->role == PROTO_ROLE_MALFORMED && head_is_domain(line))
		tags |= G_DOMAIN;
	return e->nparams > 0 ? tags | G_PARAM : tags;
}

/* The rows among tags where line i fails: marked in the error colour. */
static unsigned bad_tags(const struct ui_model *model, size_t i, unsigned tags)
{
	const struct ui_line *line = &model->lines[i];
	const unsigned literal = G_SINGLE | G_FIRST | G_MIDDLE | G_LAST;
	struct proto_banner b;

	if (line->flags & PROTO_L_BAD_CODE)
		return tags;
	if (!line->has_ehlo) {
		if (line->role != PROTO_ROLE_BANNER || !reply_first(model, i))
			return 0;
		proto_banner_line(line->text, line->len, true, &b);
		return b.domain_ok ? 0 : tags & (literal | G_DOMAIN);
	}
	if (code_fails(line))
		return tags & literal;
	if (!is_none(line->ehlo->production))
		return 0;
	return ui_model_ehlo_first(model, i) ? tags : tags & ~(unsigned)G_DOMAIN;
}

/* Where the wrapped rows of an ABNF row start: two in from its first "= " or "/ ". */
static int abnf_indent(const char *text)
{
	const char *eq = strstr(text, "= "), *alt = strstr(text, "/ ");

	if (eq == NULL || (alt != NULL && alt < eq))
		eq = alt;
	return 2 + (eq != NULL ? (int)(eq - text) + 2 : (int)strspn(text, " ")) + 2;
}

static void abnf(struct ui_doc *doc, const struct grammar *g, unsigned tags, unsigned bad)
{
	int style;
	size_t i;

	ui_doc_put(doc, UI_S_BOLD, g->name);
	for (i = 0; i < g->n; i++) {
		style = (g->rows[i].tags & bad) != 0    ? UI_S_SEV + PROTO_SEV_ERROR
		        : (g->rows[i].tags & tags) != 0 ? UI_S_HILITE
		                                        : UI_S_NORMAL;
		doc->indent = 0;
		ui_doc_newline(doc);
		ui_doc_clip(doc, style, style != UI_S_NORMAL ? "> " : "  ", 2);
		/* A row too long for the pane wraps at a space, never cut. */
		doc->indent = abnf_indent(g->rows[i].text);
		ui_doc_put(doc, style, g->rows[i].text);
	}
	doc->indent = 0;
}

static void grammar_build(struct ui *ui, struct ui_doc *doc)
{
	const struct ui_line *line = ui_conv_selected(ui);
	/* The model index: with a filter on, rows and lines differ. */
	size_t i = line != NULL ? (size_t)(line - ui->model->lines) : 0;
	const struct grammar *g = grammar_of(ui, line);
	unsigned tags = 0, bad = 0;

	if (ui->legend)
		ui_legend_build(doc);
	if (line == NULL) {
		ui_doc_put(doc, UI_S_DIM, "No line selected: the conversation is empty.");
	} else {
		head_row(ui, doc, line, i);
		doc->indent = 2;
		ui_doc_newline(doc);
		role_row(doc, line);
		if (line->has_ehlo)
			ehlo_parts(ui, doc, line, ui_model_ehlo_first(ui->model, i));
		else
			plain_parts(ui, doc, i);
		line_findings(doc, line);
		tags = line_tags(ui->model, i);
		bad = bad_tags(ui->model, i, tags);
	}
	doc->indent = 0;
	if (g == NULL)
		return;
	ui_doc_newline(doc);
	ui_doc_newline(doc);
	abnf(doc, g, tags, bad);
}

static void grammar_draw(struct ui *ui, struct ui_pane *pane, bool focused)
{
	const struct ui_line *line = ui_conv_selected(ui);
	const struct grammar *g = grammar_of(ui, line);
	size_t h = (size_t)pane->area.h;
	char title[96];

	snprintf(title, sizeof title, "Grammar%s%s%s", g != NULL ? ": " : "",
	         g != NULL ? g->name : "",
	         line == NULL || line->has_ehlo ? ui->rfc1869 ? " (o: RFC 5321)" : " (o: RFC 1869)"
	                                        : "");
	ui_draw_title(ui, &pane->title, title, focused);
	/* Beside the findings, a margin keeps the text off the separator. */
	ui_doc_reset(&ui->doc, pane->area.w - (ui->wide ? 1 : 0), ui->utf8);
	grammar_build(ui, &ui->doc);
	pane->nrows = ui_doc_rows(&ui->doc);
	if (pane->top + h > pane->nrows)
		pane->top = pane->nrows > h ? pane->nrows - h : 0;
	ui_doc_draw(ui, &ui->doc, &pane->area, pane->top);
}

static void grammar_move(struct ui *ui, struct ui_pane *pane, enum ui_move how)
{
	(void)ui;
	ui_pane_scroll(pane, how);
}

const struct ui_view_ops ui_view_grammar = {
    .name = "grammar",
    .draw = grammar_draw,
    .navigate = grammar_move,
};
