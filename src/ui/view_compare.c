/*
 * view_compare.c: the compare view (D). The last complete EHLO reply before
 * TLS against the last one inside TLS, keyword by keyword: servers often
 * offer other extensions once TLS is up (AUTH, commonly), and must stop
 * offering STARTTLS (RFC 3207 §4.2). Line 1, the Domain, is compared apart.
 * Every byte of the peer is escaped and cut to its column; the table is as
 * long as the replies (bounded by CMP_KEYWORDS) and scrolls in the overlay.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "ui_int.h"

#define CMP_WIDTH    132  /* widest box */
#define CMP_KEYWORDS 1024 /* keyword lines of one reply compared */
#define CMP_KW_SHOWN 64   /* bytes of a keyword upper-cased for the screen */
#define CMP_KW_COL   24   /* widest keyword column */
#define CMP_VERDICT  16   /* columns of the verdict, "only before TLS" and a blank */
#define CMP_NONE     SIZE_MAX

/* A keyword line cut into its keyword and its params (bytes of its text). */
struct cmp_kw {
	const char *kw;
	size_t kwlen;
	bool legacy; /* AUTH=..., the pre-standard form: a keyword of its own */
	const char *par;
	size_t parlen;
	enum proto_role role;
};

/* One EHLO reply of the model. */
struct cmp_reply {
	bool found;         /* a reply was seen, complete or not */
	bool complete;      /* one of them ended: the fields below are its */
	size_t first, last; /* model indices of its first and last lines */
	bool held;          /* the engine held lines of it back (an info line inside) */
	size_t domain;      /* the line holding the Domain, or CMP_NONE */
	const char *dom;    /* the Domain's bytes */
	size_t domlen;
	size_t nkw;  /* keyword lines kept in kw */
	size_t more; /* keyword lines past CMP_KEYWORDS, not compared */
	struct cmp_kw kw[CMP_KEYWORDS];
};

enum cmp_verdict { CMP_SAME, CMP_PARAMS, CMP_BEFORE, CMP_INSIDE, CMP_NVERDICTS };

static const char *const cmp_verdicts[CMP_NVERDICTS] = {
    [CMP_SAME] = "same",
    [CMP_PARAMS] = "params differ",
    [CMP_BEFORE] = "only before TLS",
    [CMP_INSIDE] = "only inside TLS",
};

struct cmp {
	struct cmp_reply before, inside;
	size_t pair[CMP_KEYWORDS]; /* the inside keyword of each before keyword, or CMP_NONE */
	bool taken[CMP_KEYWORDS];  /* the inside keyword has a row with one before */
	size_t count[CMP_NVERDICTS];
};

/* Where the columns start. */
struct cmp_cols {
	int before, inside, verdict;
};

/* The one place that reads a line's EHLO parse. */
static const struct proto_ehlo_line *line_ehlo(const struct ui_line *line)
{
	return line->has_ehlo ? line->ehlo : NULL;
}

static bool cmp_kwchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

static char cmp_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool cmp_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* True when a reply's line is its last: the code not followed by "-". */
static bool cmp_final(const struct ui_line *line)
{
	if (line->flags & PROTO_L_NO_EOL)
		return false;
	return line->len < 4 || line->text[3] != '-';
}

/* A span of a line's text, kept inside the text. */
static void cmp_span(const struct ui_line *line, struct proto_span s, const char **p, size_t *n)
{
	size_t off = s.off < line->len ? s.off : line->len;

	*p = line->text + off;
	*n = s.len < line->len - off ? s.len : line->len - off;
}

/* Line 1 holds a keyword where the Domain belongs. */
static bool cmp_misordered(const struct ui_line *line)
{
	return line->role == PROTO_ROLE_MISORDERED_STARTTLS ||
	       line->role == PROTO_ROLE_MISORDERED_KEYWORD;
}

/* A later line holding a Domain (a misordered reply's line 2, most often). */
static bool cmp_domain_line(const struct ui_line *line)
{
	const char *p;
	size_t n;

	if (line->role != PROTO_ROLE_MALFORMED)
		return false;
	cmp_span(line, line_ehlo(line)->head, &p, &n);
	return memchr(p, '.', n) != NULL && proto_is_domain(p, n);
}

/* Cuts a keyword line: the keyword's own characters, then the params, trimmed. */
static void cmp_split(const struct ui_line *line, struct cmp_kw *out)
{
	const char *head, *end = line->text + line->len;
	size_t n, k = 0;

	cmp_span(line, line_ehlo(line)->head, &head, &n);
	if (line->role != PROTO_ROLE_MALFORMED)
		while (k < n && cmp_kwchar(head[k]))
			k++;
	else
		k = n;
	out->kw = head;
	out->kwlen = k;
	out->role = line->role;
	out->par = head + k;
	out->legacy = line->role != PROTO_ROLE_MALFORMED && out->par < end && *out->par == '=';
	if (out->par < end && (cmp_blank(*out->par) || *out->par == '='))
		out->par++;
	while (out->par < end && cmp_blank(*out->par))
		out->par++;
	out->parlen = (size_t)(end - out->par);
	while (out->parlen > 0 && cmp_blank(out->par[out->parlen - 1]))
		out->parlen--;
}

/* The last line of the reply that starts at i; info lines inside it are skipped. */
static size_t cmp_extent(const struct ui_model *m, size_t i, bool *held)
{
	size_t last = i, j;
	bool info = false;

	*held = false;
	for (j = i + 1; j < m->nlines && !cmp_final(&m->lines[last]); j++) {
		const struct ui_line *line = &m->lines[j];

		if (line->dir == PROTO_DIR_INFO) {
			info = true;
			continue;
		}
		if (line->dir != PROTO_DIR_SERVER || line_ehlo(line) == NULL)
			break;
		*held = *held || info;
		last = j;
	}
	return last;
}

/* Takes the Domain and the keywords of a complete reply. */
static void cmp_fill(const struct ui_model *m, struct cmp_reply *r)
{
	const struct ui_line *line;
	size_t j;

	r->domain = CMP_NONE;
	for (j = r->first; j <= r->last; j++) {
		line = &m->lines[j];
		if (line_ehlo(line) == NULL)
			continue;
		if ((j == r->first && !cmp_misordered(line)) ||
		    (j != r->first && r->domain == CMP_NONE && cmp_domain_line(line))) {
			r->domain = j;
			cmp_span(line, line_ehlo(line)->head, &r->dom, &r->domlen);
		} else if (r->nkw < CMP_KEYWORDS) {
			cmp_split(line, &r->kw[r->nkw++]);
		} else {
			r->more++;
		}
	}
}

/* Finds the last complete reply before TLS and the last inside TLS. */
static void cmp_find(const struct ui_model *m, struct cmp *c)
{
	struct cmp_reply *r;
	size_t i = 0, last;
	bool held;

	while (i < m->nlines) {
		if (!ui_model_ehlo_first(m, i)) {
			i++;
			continue;
		}
		last = cmp_extent(m, i, &held);
		r = m->lines[i].tls ? &c->inside : &c->before;
		r->found = true;
		/* A reply whose start was dropped is not whole. */
		if (cmp_final(&m->lines[last]) && !(i == 0 && m->dropped > 0)) {
			r->complete = true;
			r->first = i;
			r->last = last;
			r->held = held;
		}
		i = last + 1;
	}
	if (c->before.complete)
		cmp_fill(m, &c->before);
	if (c->inside.complete)
		cmp_fill(m, &c->inside);
}

static bool cmp_same_kw(const struct cmp_kw *a, const struct cmp_kw *b)
{
	size_t i;

	if (a->kwlen != b->kwlen || a->legacy != b->legacy)
		return false;
	for (i = 0; i < a->kwlen; i++)
		if (cmp_upper(a->kw[i]) != cmp_upper(b->kw[i]))
			return false;
	return true;
}

/* The next word of params from *at: its length (0 at the end) and start. */
static size_t cmp_token(const char *p, size_t n, size_t *at, const char **tok)
{
	size_t start;

	while (*at < n && cmp_blank(p[*at]))
		(*at)++;
	start = *at;
	while (*at < n && !cmp_blank(p[*at]))
		(*at)++;
	*tok = p + start;
	return *at - start;
}

/* The same params, word by word, byte for byte; blanks between them do not count. */
static bool cmp_same_params(const struct cmp_kw *a, const struct cmp_kw *b)
{
	size_t ia = 0, ib = 0, na, nb;
	const char *ta, *tb;

	do {
		na = cmp_token(a->par, a->parlen, &ia, &ta);
		nb = cmp_token(b->par, b->parlen, &ib, &tb);
		if (na != nb || memcmp(ta, tb, na) != 0)
			return false;
	} while (na > 0);
	return true;
}

/* Pairs each keyword before TLS with the first free one of the same name inside, and counts. */
static void cmp_match(struct cmp *c)
{
	const struct cmp_reply *b = &c->before, *in = &c->inside;
	size_t i, j;

	for (i = 0; i < b->nkw; i++) {
		c->pair[i] = CMP_NONE;
		for (j = 0; j < in->nkw && c->pair[i] == CMP_NONE; j++)
			if (!c->taken[j] && cmp_same_kw(&b->kw[i], &in->kw[j])) {
				c->pair[i] = j;
				c->taken[j] = true;
			}
		if (c->pair[i] == CMP_NONE)
			c->count[CMP_BEFORE]++;
		else if (cmp_same_params(&b->kw[i], &in->kw[c->pair[i]]))
			c->count[CMP_SAME]++;
		else
			c->count[CMP_PARAMS]++;
	}
	for (j = 0; j < in->nkw; j++)
		c->count[CMP_INSIDE] += !c->taken[j];
}

static bool cmp_is_starttls(const struct cmp_kw *k)
{
	static const struct cmp_kw starttls = {"STARTTLS", 8, false, "", 0, PROTO_ROLE_EHLO_LINE};

	return k != NULL && cmp_same_kw(k, &starttls);
}

/* Text cut to end one column before col (a cut marked), then blanks up to col. */
static void cmp_cell(struct ui_doc *doc, int style, const char *text, int col)
{
	int room = col - doc->col - 1;
	size_t n = strlen(text);

	if (room > 0 && n > (size_t)room) {
		ui_doc_clip(doc, style, text, (size_t)room - 1);
		ui_doc_clip(doc, UI_S_DIM, doc->utf8 ? "\u2026" : "~", doc->utf8 ? 3 : 1);
	} else if (room > 0) {
		ui_doc_clip(doc, style, text, n);
	}
	ui_doc_pad(doc, UI_S_NORMAL, col);
}

/* Peer bytes, escaped, in a cell; "-" when absent, "offered" when empty. */
static void cmp_peer_cell(struct ui *ui, struct ui_doc *doc, const char *p, size_t n, bool present,
                          int col)
{
	if (!present)
		cmp_cell(doc, UI_S_DIM, "-", col);
	else if (n == 0)
		cmp_cell(doc, UI_S_DIM, "offered", col);
	else
		cmp_cell(doc, UI_S_NORMAL, ui_escape(ui, p, n), col);
}

/* The keyword upper-cased, escaped, in its cell ("AUTH=" for the legacy form). */
static void cmp_kw_cell(struct ui *ui, struct ui_doc *doc, const struct cmp_kw *k, int col)
{
	char up[CMP_KW_SHOWN + 2];
	size_t n = k->kwlen < CMP_KW_SHOWN ? k->kwlen : CMP_KW_SHOWN, i;

	if (k->kwlen == 0) {
		cmp_cell(doc, UI_S_DIM, "(no keyword)", col);
		return;
	}
	for (i = 0; i < n; i++)
		up[i] = cmp_upper(k->kw[i]);
	if (k->legacy)
		up[n++] = '=';
	cmp_cell(doc, UI_S_ROLE + (int)k->role, ui_escape(ui, up, n), col);
}

/* A row of the table: a keyword before TLS (or NULL) against one inside (or NULL). */
static void cmp_row(struct ui *ui, struct ui_doc *doc, const struct cmp_cols *cols,
                    const struct cmp_kw *b, const struct cmp_kw *in)
{
	enum cmp_verdict v = b == NULL                ? CMP_INSIDE
	                     : in == NULL             ? CMP_BEFORE
	                     : cmp_same_params(b, in) ? CMP_SAME
	                                              : CMP_PARAMS;

	doc->indent = 0;
	ui_doc_newline(doc);
	cmp_kw_cell(ui, doc, b != NULL ? b : in, cols->before);
	cmp_peer_cell(ui, doc, b != NULL ? b->par : "", b != NULL ? b->parlen : 0, b != NULL,
	              cols->inside);
	cmp_peer_cell(ui, doc, in != NULL ? in->par : "", in != NULL ? in->parlen : 0, in != NULL,
	              cols->verdict);
	ui_doc_clip(doc,
	            v == CMP_SAME     ? UI_S_DIM
	            : v == CMP_PARAMS ? UI_S_BOLD
	                              : UI_S_NORMAL,
	            cmp_verdicts[v], strlen(cmp_verdicts[v]));
	if (!cmp_is_starttls(b != NULL ? b : in))
		return;
	/* RFC 3207 §4.2: STARTTLS is to disappear once TLS is up. */
	doc->indent = cols->before;
	ui_doc_newline(doc);
	if (in == NULL)
		ui_doc_put(doc, UI_S_DIM, "gone inside TLS, as RFC 3207 \u00a74.2 requires");
	else
		ui_doc_put(doc, UI_S_SEV + PROTO_SEV_ERROR,
		           "still offered inside TLS: RFC 3207 \u00a74.2 says the server MUST NOT "
		           "offer it after the TLS handshake");
}

/* The columns for a width: the keyword as wide as the widest (bounded), params halved. */
static void cmp_layout(const struct cmp *c, int width, struct cmp_cols *cols)
{
	size_t i, w = 7; /* "keyword" */
	int kw, par;

	for (i = 0; i < c->before.nkw; i++)
		w = c->before.kw[i].kwlen + 1 > w ? c->before.kw[i].kwlen + 1 : w;
	for (i = 0; i < c->inside.nkw; i++)
		w = c->inside.kw[i].kwlen + 1 > w ? c->inside.kw[i].kwlen + 1 : w;
	kw = (int)(w + 2 < CMP_KW_COL ? w + 2 : CMP_KW_COL);
	par = (width - kw - CMP_VERDICT) / 2;
	par = par < 8 ? 8 : par;
	cols->before = kw;
	cols->inside = kw + par;
	cols->verdict = kw + 2 * par;
}

/* Why the Domain is not on line 1, under the Domain row. */
static void cmp_domain_note(struct ui_doc *doc, const struct cmp_reply *r, const char *side,
                            int col)
{
	char note[160];

	if (r->domain == r->first)
		return;
	if (r->domain == CMP_NONE)
		snprintf(note, sizeof note,
		         "%s: line 1 holds a keyword, and no line of the reply holds the Domain",
		         side);
	else
		snprintf(note, sizeof note,
		         "%s: line 1 holds a keyword; the Domain is on line %zu of the reply", side,
		         r->domain - r->first + 1);
	doc->indent = col;
	ui_doc_newline(doc);
	ui_doc_put(doc, UI_S_DIM, note);
}

/* The Domain row: line 1 of each reply, its Domain compared in any case. */
static void cmp_domain_row(struct ui *ui, struct ui_doc *doc, const struct cmp_cols *cols,
                           const struct cmp *c)
{
	const struct cmp_reply *b = &c->before, *in = &c->inside;
	struct cmp_kw db = {b->dom, b->domlen, false, "", 0, PROTO_ROLE_GREETING};
	struct cmp_kw di = {in->dom, in->domlen, false, "", 0, PROTO_ROLE_GREETING};
	bool same = b->domain != CMP_NONE && in->domain != CMP_NONE && cmp_same_kw(&db, &di);

	doc->indent = 0;
	ui_doc_newline(doc);
	cmp_cell(doc, UI_S_ROLE + PROTO_ROLE_GREETING, "Domain", cols->before);
	cmp_peer_cell(ui, doc, b->dom, b->domlen, b->domain != CMP_NONE, cols->inside);
	cmp_peer_cell(ui, doc, in->dom, in->domlen, in->domain != CMP_NONE, cols->verdict);
	ui_doc_clip(doc, same ? UI_S_DIM : UI_S_BOLD, same ? "same" : "differs", same ? 4 : 7);
	cmp_domain_note(doc, b, "before TLS", cols->before);
	cmp_domain_note(doc, in, "inside TLS", cols->before);
}

/* What the table compares, and the counts of its verdicts. */
static void cmp_head(const struct ui_model *m, struct ui_doc *doc, const struct cmp *c)
{
	char text[320];
	const struct cmp_reply *b = &c->before, *in = &c->inside;

	snprintf(text, sizeof text,
	         "The EHLO reply before TLS (lines %u to %u) against the one inside TLS "
	         "(lines %u to %u), keyword by keyword, in the order of the reply before TLS.",
	         m->lines[b->first].n, m->lines[b->last].n, m->lines[in->first].n,
	         m->lines[in->last].n);
	ui_doc_put(doc, UI_S_NORMAL, text);
	ui_doc_newline(doc);
	snprintf(
	    text, sizeof text,
	    "%zu keywords: %zu same, %zu params differ, %zu only before TLS, %zu only "
	    "inside TLS.",
	    c->count[CMP_SAME] + c->count[CMP_PARAMS] + c->count[CMP_BEFORE] + c->count[CMP_INSIDE],
	    c->count[CMP_SAME], c->count[CMP_PARAMS], c->count[CMP_BEFORE], c->count[CMP_INSIDE]);
	ui_doc_put(doc, UI_S_BOLD, text);
	ui_doc_newline(doc);
}

/* What the table leaves out, and how to read it. */
static void cmp_tail(struct ui_doc *doc, const struct cmp *c)
{
	char text[320];

	doc->indent = 0;
	ui_doc_newline(doc);
	ui_doc_newline(doc);
	if (c->before.more + c->inside.more > 0) {
		snprintf(text, sizeof text,
		         "Only the first %d keyword lines of each reply are compared: %zu more "
		         "before TLS and %zu more inside TLS are not.",
		         CMP_KEYWORDS, c->before.more, c->inside.more);
		ui_doc_put(doc, UI_S_BOLD, text);
		ui_doc_newline(doc);
	}
	if (c->before.held || c->inside.held) {
		ui_doc_put(doc, UI_S_BOLD,
		           "Lines of a reply were held back (the conversation says how many): "
		           "only the lines kept are compared.");
		ui_doc_newline(doc);
	}
	ui_doc_put(doc, UI_S_DIM,
	           doc->utf8 ? "A cell cut short ends in \u2026: x on its line shows every byte. "
	                     : "A cell cut short ends in ~: x on its line shows every byte. ");
	ui_doc_put(doc, UI_S_DIM, "The arrows, PgUp and PgDn scroll; q, Escape or D closes.");
}

/* The table: the Domain, each keyword before TLS, then those only inside TLS. */
static void cmp_table(struct ui *ui, struct ui_doc *doc, const struct cmp *c)
{
	struct cmp_cols cols;
	size_t i, j;

	cmp_layout(c, doc->width, &cols);
	cmp_head(ui->model, doc, c);
	doc->indent = 0;
	ui_doc_newline(doc);
	cmp_cell(doc, UI_S_BOLD, "keyword", cols.before);
	cmp_cell(doc, UI_S_BOLD, "before TLS", cols.inside);
	cmp_cell(doc, UI_S_BOLD, "inside TLS", cols.verdict);
	ui_doc_clip(doc, UI_S_BOLD, "verdict", 7);
	cmp_domain_row(ui, doc, &cols, c);
	for (i = 0; i < c->before.nkw; i++)
		cmp_row(ui, doc, &cols, &c->before.kw[i],
		        c->pair[i] != CMP_NONE ? &c->inside.kw[c->pair[i]] : NULL);
	for (j = 0; j < c->inside.nkw; j++)
		if (!c->taken[j])
			cmp_row(ui, doc, &cols, NULL, &c->inside.kw[j]);
	cmp_tail(doc, c);
}

/* Replay: lines of the transcript not shown yet may hold the reply. */
static bool cmp_more_to_come(const struct ui_model *m)
{
	return m->replay && (m->replay_total == 0 || ui_model_total(m) < m->replay_total);
}

/* The sentence when the reply before TLS (or inside) is missing or cut. */
static void cmp_say_missing(const struct ui_model *m, const struct cmp_reply *r, bool inside,
                            char *buf, size_t len)
{
	const char *side = inside ? "inside TLS" : "before TLS";

	if (r->found)
		snprintf(buf, len, "The EHLO reply %s %s", side,
		         m->session_open || cmp_more_to_come(m)
		             ? "has not ended yet: the comparison waits for its last line."
		             : "never ended: the conversation stops in its middle.");
	else if (cmp_more_to_come(m))
		snprintf(buf, len,
		         "No EHLO reply %s among the lines shown so far: Space shows the next "
		         "line, r the rest of the transcript.",
		         side);
	else if (m->replay)
		snprintf(buf, len,
		         "The transcript holds no EHLO reply %s: there is nothing to compare.",
		         side);
	else if (!m->session_open)
		snprintf(buf, len,
		         "There is no EHLO reply %s: the session closed before one came. R opens "
		         "a new session to the same target.",
		         side);
	else if (inside)
		snprintf(buf, len,
		         "No EHLO reply inside TLS yet: press Space to go on to "
		         "STARTTLS and the EHLO inside TLS.");
	else
		snprintf(buf, len,
		         "No EHLO reply before TLS is kept%s: the one inside TLS has "
		         "nothing to be compared with.",
		         m->dropped == 0 ? ""
		         : m->replay     ? " (the compare view looks at the lines in memory: Home "
		                           "brings the first ones back)"
		                         : " (the oldest lines were dropped)");
}

/* Says what is missing and what to do; false when both replies are there. */
static bool cmp_missing(const struct ui_model *m, const struct cmp *c, struct ui_doc *doc)
{
	char say[320];

	if (c->before.complete && c->inside.complete)
		return false;
	if (!c->before.complete && !c->before.found && !c->inside.found && m->session_open &&
	    !m->replay)
		snprintf(say, sizeof say,
		         "No EHLO reply yet: press Space to send the EHLO, then again to go on to "
		         "STARTTLS and the EHLO inside TLS.");
	else if (!c->before.complete && c->inside.complete && !c->before.found && m->dropped == 0 &&
	         m->nlines > 0 && m->lines[0].tls)
		snprintf(say, sizeof say,
		         "This session began inside TLS (implicit TLS): there is no EHLO reply "
		         "before TLS to compare the one inside TLS with.");
	else if (!c->before.complete)
		cmp_say_missing(m, &c->before, false, say, sizeof say);
	else
		cmp_say_missing(m, &c->inside, true, say, sizeof say);
	ui_doc_put(doc, UI_S_NORMAL, say);
	return true;
}

static void cmp_build(struct ui *ui, struct ui_doc *doc, int width)
{
	struct cmp *c = calloc(1, sizeof *c);

	ui_doc_reset(doc, width, ui->utf8);
	if (c == NULL) {
		ui_doc_put(doc, UI_S_NORMAL, "Out of memory: the replies cannot be compared.");
		return;
	}
	cmp_find(ui->model, c);
	if (!cmp_missing(ui->model, c, doc)) {
		cmp_match(c);
		cmp_table(ui, doc, c);
	}
	free(c);
}

void ui_compare_draw(struct ui *ui)
{
	ui_overlay_draw(ui, " EHLO before and inside TLS (q closes) ", CMP_WIDTH, cmp_build);
}
