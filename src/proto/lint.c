/*
 * lint.c: the conversation linter. It follows who said what, sends every
 * server line through a reply reader, every EHLO reply through the EHLO
 * analyser, and reports each line with its role and findings.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* What the reply being read answers. */
enum lint_kind { KIND_OTHER, KIND_BANNER, KIND_EHLO, KIND_STARTTLS };

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
	struct proto_lint_line *cur;     /* the line being reported, for emit */
	bool auth;                       /* an AUTH exchange is open */
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

/* Lists a finding with the line being reported, and reports it. */
static void emit_here(void *ctx, enum proto_finding_id id, unsigned index)
{
	struct proto_lint *lint = ctx;
	struct proto_lint_line *cur = lint->cur;

	(void)index;
	if (cur->nfindings < PROTO_LINE_FINDINGS)
		cur->finding[cur->nfindings++] = id;
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

static void start_reply(struct proto_lint *lint, const struct proto_lint_line *line, int code,
                        bool tls)
{
	lint->kind = reply_kind(lint, code);
	lint->expect = KIND_OTHER;
	lint->saw_reply = true;
	lint->reply_n = line->n;
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
static void end_reply(struct proto_lint *lint, const struct proto_line *line)
{
	if (lint->kind == KIND_EHLO)
		proto_ehlo_end(&lint->ehlo, 0, emit_at_first, lint);
	if (lint->copying_first) {
		lint->have_first = true;
		lint->copying_first = false;
	}
	if (lint->kind == KIND_STARTTLS && line->code == 220 &&
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

void proto_lint_server(struct proto_lint *lint, unsigned n, const char *text, size_t len,
                       enum proto_term term, bool tls)
{
	struct proto_lint_line out;
	struct proto_ehlo_line ehlo_line;
	struct proto_line line;

	/* Field by field: finding[] past nfindings is never read. */
	out.n = n;
	out.dir = PROTO_DIR_SERVER;
	out.text = text;
	out.len = len;
	out.ehlo = NULL;
	out.nfindings = 0;
	out.tls = tls || lint->tls;
	lint->cur = &out;
	proto_reader_push(lint->reader, text, len, term, &line);
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
	lint->ops->line(lint->ctx, &out);
	/* RFC 4954 §4: the exchange goes on while the server answers 334. */
	if (line.last && line.code != 334)
		lint->auth = false;
	if (line.last)
		end_reply(lint, &line);
	lint->cur = NULL;
}

/* What the reply to a command answers, from its verb. */
static enum lint_kind command_kind(const char *text, size_t len)
{
	size_t verb = 0;

	while (verb < len && text[verb] != ' ')
		verb++;
	if ((verb == 4 && strncasecmp(text, "EHLO", 4) == 0) ||
	    (verb == 4 && strncasecmp(text, "LHLO", 4) == 0))
		return KIND_EHLO;
	if (verb == 8 && strncasecmp(text, "STARTTLS", 8) == 0)
		return KIND_STARTTLS;
	return KIND_OTHER;
}

/*
 * Replaces the secret of a client line of the AUTH exchange by its
 * redaction in the linter's own buffer: an AUTH command opens the
 * exchange, every line after it is a response until a reply other than
 * 334 closes it.
 */
static void redact(struct proto_lint *lint, struct proto_lint_line *out)
{
	bool response = lint->auth;
	size_t len;

	if (!response && !proto_auth_command(out->text, out->len))
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

void proto_lint_client(struct proto_lint *lint, unsigned n, const char *text, size_t len, bool tls)
{
	struct proto_lint_line out = {.n = n, .dir = PROTO_DIR_CLIENT, .text = text, .len = len};

	abandon_reply(lint);
	redact(lint, &out);
	out.tls = tls || lint->tls;
	out.role = PROTO_ROLE_COMMAND;
	lint->saw_client = true;
	lint->expect = command_kind(text, len);
	lint->ops->line(lint->ctx, &out);
}

void proto_lint_info(struct proto_lint *lint, unsigned n, const char *text, size_t len)
{
	struct proto_lint_line out = {.n = n, .dir = PROTO_DIR_INFO, .text = text, .len = len};

	out.role = PROTO_ROLE_INFO;
	out.tls = lint->tls;
	lint->ops->line(lint->ctx, &out);
}

void proto_lint_end(struct proto_lint *lint)
{
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

bool proto_lint_in_auth(const struct proto_lint *lint)
{
	return lint->auth;
}

bool proto_lint_ehlo_starttls(const struct proto_lint *lint)
{
	return lint->saw_ehlo && lint->ehlo.starttls;
}
