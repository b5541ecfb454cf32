/*
 * lint.c: the conversation linter. It follows who said what, sends every
 * server line through a reply reader, every EHLO reply through the EHLO
 * analyser, and reports each line with its role and findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reader.h"
#include "proto/reply.h"
#include "proto_int.h"

/* What the reply being read answers; KIND_EARLY: nothing, it came before its command. */
enum lint_kind { KIND_OTHER, KIND_BANNER, KIND_EHLO, KIND_STARTTLS, KIND_EARLY };

/*
 * The server lines of one turn (from one client line to the next) beyond
 * which the rest is counted, not shown: one summary line stands for them,
 * and the last line of the reply they cut is shown after it.
 */
struct lint_hidden {
	unsigned shown;      /* lines of this turn shown */
	size_t shown_bytes;  /* their bytes */
	unsigned long count; /* lines held back since the last summary */
	unsigned long long bytes;
	unsigned last_n;   /* number of the last line held back */
	bool cut_reply;    /* the reply open when hiding began is still open */
	bool line;         /* the line being reported is held back */
	uint64_t reported; /* findings already reported on lines held back */
};

struct proto_lint {
	const struct proto_lint_ops *ops;
	void *ctx;
	unsigned options;
	struct proto_reader *reader;
	bool tls;              /* inferred TLS state (PROTO_LINT_INFER_TLS) */
	bool saw_client;       /* a client line was seen */
	bool saw_reply;        /* a server reply was started */
	bool saw_ehlo;         /* an EHLO reply was seen */
	enum lint_kind expect; /* what the next reply answers */
	enum lint_kind kind;   /* what the open reply answers */
	unsigned last_n;       /* number of the last server line */
	unsigned reply_n;      /* number of the open reply's first line */
	struct proto_ehlo ehlo;
	struct proto_lint_line *cur; /* the line being reported, for emit */
	bool auth;                   /* an AUTH exchange is open */
	bool reply_334;              /* a line of the open reply carries 334 */
	int reply_code;              /* code of the open reply's first line */
	bool awaiting;               /* a client line awaits its reply (the greeting, first) */
	struct lint_hidden hidden;
	char redacted[PROTO_REDACT_MAX]; /* the client line as reported, when redacted */
	bool have_first;
	bool copying_first;
	unsigned first_n[PROTO_REPLY_KEEP];
	struct proto_reply first;
};

const char *proto_dir_name(enum proto_dir dir)
{
	switch (dir) {
	case PROTO_DIR_SERVER:
		return "server";
	case PROTO_DIR_CLIENT:
		return "client";
	case PROTO_DIR_INFO:
		return "info";
	}
	abort();
}

const char *proto_role_name(enum proto_role role)
{
	static const char *const names[PROTO_ROLE_COUNT] = {
	    [PROTO_ROLE_REPLY] = "reply",
	    [PROTO_ROLE_BANNER] = "banner",
	    [PROTO_ROLE_COMMAND] = "command",
	    [PROTO_ROLE_INFO] = "info",
	    [PROTO_ROLE_GREETING] = "greeting",
	    [PROTO_ROLE_EHLO_LINE] = "ehlo-line",
	    [PROTO_ROLE_MISORDERED_STARTTLS] = "misordered-starttls",
	    [PROTO_ROLE_MISORDERED_KEYWORD] = "misordered-keyword",
	    [PROTO_ROLE_MALFORMED] = "malformed",
	};

	if ((unsigned)role >= PROTO_ROLE_COUNT)
		abort();
	return names[role];
}

struct proto_lint *proto_lint_new(const struct proto_lint_ops *ops, void *ctx, unsigned options)
{
	struct proto_lint *lint = calloc(1, sizeof *lint);

	if (lint == NULL)
		return NULL;
	lint->reader = proto_reader_new(PROTO_READER_NO_REPLY);
	if (lint->reader == NULL) {
		free(lint);
		return NULL;
	}
	lint->ops = ops;
	lint->ctx = ctx;
	lint->options = options;
	lint->awaiting = true;
	return lint;
}

void proto_lint_set_options(struct proto_lint *lint, unsigned options)
{
	lint->options = options;
}

void proto_lint_free(struct proto_lint *lint)
{
	if (lint == NULL)
		return;
	proto_reader_free(lint->reader);
	free(lint);
}

_Static_assert(PROTO_F_COUNT <= 64, "lint_hidden.reported holds one bit per finding");

/* Lists a finding with the line being reported, and reports it. */
static void emit_here(void *ctx, enum proto_finding_id id, unsigned index)
{
	struct proto_lint *lint = ctx;
	struct proto_lint_line *cur = lint->cur;

	(void)index;
	if (cur->nfindings < PROTO_LINE_FINDINGS)
		cur->finding[cur->nfindings++] = id;
	/* On lines held back, each finding is reported once: the output stays bounded. */
	if (lint->hidden.line) {
		if (lint->hidden.reported & (UINT64_C(1) << id))
			return;
		lint->hidden.reported |= UINT64_C(1) << id;
	}
	lint->ops->finding(lint->ctx, id, cur->n);
}

/* Reports a finding on an earlier line, given by its input number. */
static void emit_at(struct proto_lint *lint, enum proto_finding_id id, unsigned n)
{
	lint->ops->finding(lint->ctx, id, n);
}

/* Findings that the reader's flags name, for any server line. */
static void flag_findings(struct proto_lint *lint, unsigned flags)
{
	static const struct {
		unsigned flag;
		enum proto_finding_id id;
	} map[] = {
	    {PROTO_L_BAD_CODE, PROTO_F_INVALID_REPLY_CODE},
	    {PROTO_L_MIXED_CODE, PROTO_F_MIXED_REPLY_CODES},
	    {PROTO_L_NO_SEP, PROTO_F_MISSING_SPACE_AFTER_CODE},
	    {PROTO_L_TOO_LONG, PROTO_F_LINE_TOO_LONG},
	    {PROTO_L_BARE_LF, PROTO_F_BARE_LF},
	    {PROTO_L_BARE_CR, PROTO_F_BARE_CR},
	    {PROTO_L_CTRL, PROTO_F_CONTROL_CHARACTERS},
	    {PROTO_L_8BIT, PROTO_F_EIGHT_BIT},
	};
	size_t i;

	if (flags == 0)
		return;
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (flags & map[i].flag)
			emit_here(lint, map[i].id, 0);
}

/* Decides what a new reply answers, from the command before it. */
static enum lint_kind reply_kind(struct proto_lint *lint, int code)
{
	enum lint_kind expect = lint->expect;

	if (expect == KIND_OTHER && !lint->saw_client && !lint->saw_reply && code == 220)
		return KIND_BANNER;
	/* A paste of server lines alone: the first 250 reply is taken as the EHLO reply. */
	if (expect == KIND_OTHER && !lint->saw_client && !lint->saw_ehlo && code == 250)
		return KIND_EHLO;
	return expect;
}

/*
 * A reply that begins while no client line awaits one came before the
 * command it would answer: in a conversation that records the client's
 * lines it pairs with nothing. A 421 may come at any time (RFC 5321 §3.8).
 */
static bool starts_early(struct proto_lint *lint, int code)
{
	if (!(lint->options & PROTO_LINT_PAIRED) || lint->awaiting)
		return false;
	if (code != 421)
		emit_here(lint, PROTO_F_EARLY_REPLY, 0);
	return true;
}

static void start_reply(struct proto_lint *lint, const struct proto_lint_line *line, int code,
                        bool tls)
{
	lint->reply_code = code;
	lint->reply_334 = false;
	lint->reply_n = line->n;
	if (starts_early(lint, code)) {
		lint->kind = KIND_EARLY;
		return;
	}
	lint->awaiting = false;
	lint->kind = reply_kind(lint, code);
	lint->expect = KIND_OTHER;
	lint->saw_reply = true;
	if (lint->kind == KIND_EHLO && code != 250) {
		emit_here(lint, PROTO_F_EHLO_NOT_ACCEPTED, 0);
		lint->kind = KIND_OTHER;
	}
	if (lint->kind != KIND_EHLO)
		return;
	lint->saw_ehlo = true;
	proto_ehlo_begin(&lint->ehlo, tls);
	lint->copying_first = !lint->have_first && !tls;
	if (lint->copying_first)
		proto_reply_reset(&lint->first);
}

/* Places a reply-wide finding on the open reply's first line. */
static void emit_at_first(void *ctx, enum proto_finding_id id, unsigned index)
{
	struct proto_lint *lint = ctx;

	(void)index;
	emit_at(lint, id, lint->reply_n);
}

/* Closes the reply whose last line was just reported. */
static void end_reply(struct proto_lint *lint)
{
	if (lint->kind == KIND_EHLO)
		proto_ehlo_end(&lint->ehlo, 0, emit_at_first, lint);
	if (lint->copying_first) {
		lint->have_first = true;
		lint->copying_first = false;
	}
	if (lint->kind == KIND_STARTTLS && lint->reply_code == 220 &&
	    (lint->options & PROTO_LINT_INFER_TLS))
		lint->tls = true;
	lint->kind = KIND_OTHER;
}

/* Gives up a reply that never got its last line. */
static void abandon_reply(struct proto_lint *lint)
{
	if (!proto_reader_inside_reply(lint->reader))
		return;
	emit_at(lint, PROTO_F_TRUNCATED_REPLY, lint->last_n);
	proto_reader_reset(lint->reader);
	/* An EHLO reply cut short is not judged for STARTTLS: its rest is unknown. */
	if (lint->copying_first)
		lint->have_first = true;
	lint->copying_first = false;
	lint->kind = KIND_OTHER;
}

/* Keeps a line of the first EHLO reply before TLS, for the client matrix. */
static void keep_first(struct proto_lint *lint, const struct proto_line *line, unsigned n)
{
	unsigned kept = lint->first.nkept;

	proto_reply_add(&lint->first, line);
	if (lint->first.nkept > kept)
		lint->first_n[kept] = n;
}

/* An info line of the linter's own. */
static void report_info(struct proto_lint *lint, unsigned n, const char *text, size_t len)
{
	struct proto_lint_line out = {.n = n, .dir = PROTO_DIR_INFO, .text = text, .len = len};

	out.role = PROTO_ROLE_INFO;
	out.term = PROTO_TERM_UNKNOWN; /* a note of the linter's, not bytes of the wire */
	out.tls = lint->tls;
	lint->ops->line(lint->ctx, &out);
}

/* A number with its thousands grouped: "812,500". */
static void group_digits(char *out, size_t cap, unsigned long long value)
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%llu", value), i;
	size_t o = 0;

	for (i = 0; i < n && o + 2 < cap; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* Says how many lines were held back, on an info line, and counts afresh. */
static void show_summary(struct proto_lint *lint)
{
	struct lint_hidden *h = &lint->hidden;
	char lines[32], bytes[32], text[128];
	int len;

	if (h->count == 0)
		return;
	group_digits(lines, sizeof lines, h->count);
	group_digits(bytes, sizeof bytes, h->bytes);
	len = snprintf(text, sizeof text, "... %s line%s not shown (%s bytes)", lines,
	               h->count == 1 ? "" : "s", bytes);
	h->count = 0;
	h->bytes = 0;
	h->reported = 0;
	report_info(lint, h->last_n, text, (size_t)len);
}

/* Ends a turn of server lines: the summary, and a fresh share for the next. */
static void end_turn(struct proto_lint *lint)
{
	show_summary(lint);
	memset(&lint->hidden, 0, sizeof lint->hidden);
}

/*
 * True when the line is held back because its turn has shown its share
 * (PROTO_LINT_TURN_LINES or PROTO_LINT_TURN_BYTES). The last line of the
 * reply that was cut is shown, after the summary of what was held back.
 */
static bool hold_back(struct proto_lint *lint, const struct proto_line *line, unsigned n)
{
	struct lint_hidden *h = &lint->hidden;

	if (h->shown < PROTO_LINT_TURN_LINES && h->shown_bytes < PROTO_LINT_TURN_BYTES) {
		h->shown++;
		h->shown_bytes += line->len;
		h->cut_reply = !line->last;
		return false;
	}
	if (line->index == 0)
		h->cut_reply = false;
	if (line->last && h->cut_reply) {
		show_summary(lint);
		h->cut_reply = false;
		return false;
	}
	h->count++;
	h->bytes += line->wire_len;
	h->last_n = n;
	return true;
}

void proto_lint_server(struct proto_lint *lint, unsigned n, const char *text, size_t len,
                       enum proto_term term, bool tls)
{
	struct proto_lint_line out;
	struct proto_ehlo_line ehlo_line;
	struct proto_line line;

	/* Field by field: finding[] past nfindings is never read. */
	out.n = n;
	out.dir = PROTO_DIR_SERVER;
	out.term = term;
	out.text = text;
	out.len = len;
	out.ehlo = NULL;
	out.nfindings = 0;
	out.tls = tls || lint->tls;
	lint->cur = &out;
	proto_reader_push_inline(lint->reader, text, len, term, &line);
	lint->hidden.line = hold_back(lint, &line, n);
	if (line.index == 0)
		start_reply(lint, &out, line.code, out.tls);
	out.flags = line.flags;
	flag_findings(lint, line.flags);
	out.role = lint->kind == KIND_BANNER ? PROTO_ROLE_BANNER : PROTO_ROLE_REPLY;
	if (lint->kind == KIND_EHLO) {
		proto_ehlo_line(&lint->ehlo, line.text, line.len, line.flags, &ehlo_line, emit_here,
		                lint);
		out.role = ehlo_line.role;
		out.ehlo = &ehlo_line;
		if (lint->copying_first)
			keep_first(lint, &line, n);
	}
	lint->last_n = n;
	if (!lint->hidden.line)
		lint->ops->line(lint->ctx, &out);
	lint->hidden.line = false;
	/*
	 * RFC 4954 §4: the exchange goes on while the server answers 334.
	 * Clients disagree on which line's code counts (Python's smtplib reads
	 * the last), so a 334 on any line keeps it open: whatever line a
	 * client read, the answer it sent is redacted.
	 */
	if (line.code == 334)
		lint->reply_334 = true;
	if (line.last && !lint->reply_334)
		lint->auth = false;
	/* A line the input cut before its code and separator ends nothing: the reply was cut. */
	if (line.last && (line.flags & PROTO_L_NO_EOL) && line.len < 4)
		emit_at(lint, PROTO_F_TRUNCATED_REPLY, n);
	if (line.last)
		end_reply(lint);
	lint->cur = NULL;
}

/* What the reply to a command answers, from its verb. */
static enum lint_kind command_kind(const char *text, size_t len)
{
	const char *sp = len > 0 ? memchr(text, ' ', len) : NULL;
	size_t verb = sp != NULL ? (size_t)(sp - text) : len;

	if (verb == 4 && (proto_letters_eq(text, "EHLO", 4) || proto_letters_eq(text, "LHLO", 4)))
		return KIND_EHLO;
	if (verb == 8 && proto_letters_eq(text, "STARTTLS", 8))
		return KIND_STARTTLS;
	return KIND_OTHER;
}

/* A client line whose sender did not say what it holds: read from the exchange. */
#define LINT_SENT_UNKNOWN (-1)

/*
 * Replaces the secret of a client line of the AUTH exchange by its
 * redaction in the linter's own buffer. A session says what it sent
 * (sent); for a transcript the exchange tells: an AUTH command opens it,
 * every line after it is a response until a reply with no 334 closes it.
 */
static void redact(struct proto_lint *lint, struct proto_lint_line *out, int sent)
{
	bool response = sent == LINT_SENT_UNKNOWN ? lint->auth : sent == PROTO_SENT_RESPONSE;
	size_t len;

	if (sent == PROTO_SENT_COMMAND ||
	    (sent == LINT_SENT_UNKNOWN && !response && !proto_auth_command(out->text, out->len)))
		return;
	lint->auth = true;
	if (lint->options & PROTO_LINT_SHOW_SECRETS)
		return;
	len =
	    proto_auth_redact(lint->redacted, sizeof lint->redacted, out->text, out->len, response);
	if (len == (size_t)-1)
		return;
	out->text = lint->redacted;
	out->len = len;
}

static void client_line(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls,
                        int sent)
{
	struct proto_lint_line out = {.n = n, .dir = PROTO_DIR_CLIENT, .text = text, .len = len};

	end_turn(lint);
	abandon_reply(lint);
	redact(lint, &out, sent);
	/* A session appends CR LF to what it sends; a file's client endings are not told. */
	out.term = sent == LINT_SENT_UNKNOWN ? PROTO_TERM_UNKNOWN : PROTO_TERM_CRLF;
	out.tls = tls || lint->tls;
	out.role = PROTO_ROLE_COMMAND;
	lint->saw_client = true;
	lint->awaiting = true;
	lint->expect = command_kind(text, len);
	lint->ops->line(lint->ctx, &out);
}

void proto_lint_client(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls)
{
	client_line(lint, n, text, len, tls, LINT_SENT_UNKNOWN);
}

void proto_lint_sent(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls,
                     enum proto_sent sent)
{
	client_line(lint, n, text, len, tls, (int)sent);
}

void proto_lint_info(struct proto_lint *lint, unsigned n, const char *text, size_t len)
{
	show_summary(lint);
	report_info(lint, n, text, len);
}

void proto_lint_end(struct proto_lint *lint)
{
	end_turn(lint);
	abandon_reply(lint);
}

const struct proto_reply *proto_lint_first_ehlo(const struct proto_lint *lint, unsigned *first_n)
{
	if (!lint->have_first || lint->first.nkept == 0)
		return NULL;
	if (first_n != NULL)
		*first_n = lint->first_n[0];
	return &lint->first;
}

unsigned proto_lint_first_ehlo_n(const struct proto_lint *lint, unsigned i)
{
	if (i >= lint->first.nkept)
		abort();
	return lint->first_n[i];
}

const unsigned *proto_lint_first_ehlo_numbers(const struct proto_lint *lint)
{
	return lint->first_n;
}

bool proto_lint_in_auth(const struct proto_lint *lint)
{
	return lint->auth;
}

bool proto_lint_ehlo_starttls(const struct proto_lint *lint)
{
	return lint->saw_ehlo && lint->ehlo.starttls;
}

/* Blanks a pointer field of a struct written to the blob at start. */
static void blank(struct proto_blob *blob, size_t start, size_t field, size_t size)
{
	if (!blob->failed)
		memset(blob->buf + start + field, 0, size);
}

/* The fields before the first EHLO reply (pointers blanked), the reader, then that reply. */
void proto_lint_save(const struct proto_lint *lint, struct proto_blob *blob)
{
	size_t start = blob->len;

	proto_blob_put(blob, lint, offsetof(struct proto_lint, first));
	blank(blob, start, offsetof(struct proto_lint, ops), sizeof lint->ops);
	blank(blob, start, offsetof(struct proto_lint, ctx), sizeof lint->ctx);
	blank(blob, start, offsetof(struct proto_lint, reader), sizeof lint->reader);
	blank(blob, start, offsetof(struct proto_lint, cur), sizeof lint->cur);
	proto_reader_save(lint->reader, blob);
	proto_reply_save(&lint->first, blob);
}

int proto_lint_restore(struct proto_lint *lint, struct proto_unblob *u)
{
	const struct proto_lint_ops *ops = lint->ops;
	void *ctx = lint->ctx;
	struct proto_reader *reader = lint->reader;

	proto_unblob_get(u, lint, offsetof(struct proto_lint, first));
	lint->ops = ops;
	lint->ctx = ctx;
	lint->reader = reader;
	lint->cur = NULL;
	if (proto_reader_restore(reader, u) != 0)
		return -1;
	proto_reply_restore(&lint->first, u);
	return u->failed ? -1 : 0;
}
