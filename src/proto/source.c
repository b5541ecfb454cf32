/*
 * source.c: reads a conversation in one of three formats -- a raw paste,
 * a swaks transcript, smtpscope's own transcript (text or JSON Lines) --
 * and feeds its lines to a linter. Formats are described in docs/transcript-format.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/auth.h"
#include "proto/escape.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"
#include "proto/split.h"
#include "proto_int.h"

struct proto_source {
	enum proto_format format;
	bool endings_known; /* raw input with CR LF somewhere: judge endings */
	unsigned options;   /* PROTO_LINT_* given to the linter */
	unsigned n;         /* number of the last line read */
	unsigned cut_n;     /* the line the input ended in the middle of, or 0 */
	long long time_ms;  /* the time stamp of the line being read, or 0 */
	bool no_times;      /* time stamps are not read (proto_source_read_times) */
	/* The minute of the last time stamp read ("YYYY-MM-DDTHH:MM"), in ms: most lines share it.
	 */
	bool minute_known;
	char minute[16];
	long long minute_ms;
	struct proto_lint *lint;
	struct proto_split split;
	char *detect; /* input held back until the format is known */
	size_t detect_len;
	char unescaped[PROTO_LINE_KEEP];
};

const char *proto_format_name(enum proto_format format)
{
	switch (format) {
	case PROTO_FORMAT_AUTO:
		return "auto";
	case PROTO_FORMAT_RAW:
		return "raw";
	case PROTO_FORMAT_SWAKS:
		return "swaks";
	case PROTO_FORMAT_TRANSCRIPT:
		return "transcript";
	case PROTO_FORMAT_JSONL:
		return "jsonl";
	}
	abort();
}

int proto_format_parse(const char *name, enum proto_format *format)
{
	enum proto_format f;

	for (f = PROTO_FORMAT_AUTO; f <= PROTO_FORMAT_JSONL; f++) {
		if (strcmp(name, proto_format_name(f)) == 0) {
			*format = f;
			return 0;
		}
	}
	return -1;
}

/* The marks swaks puts before a line (its do_smtp_print classes). */
struct mark {
	const char text[5];
	enum proto_dir dir;
	bool tls;
};

static const struct mark marks[] = {
    {"<-  ", PROTO_DIR_SERVER, false}, {"<~  ", PROTO_DIR_SERVER, true},
    {"<** ", PROTO_DIR_SERVER, false}, {"<~* ", PROTO_DIR_SERVER, true},
    {"<   ", PROTO_DIR_SERVER, false}, {" -> ", PROTO_DIR_CLIENT, false},
    {" ~> ", PROTO_DIR_CLIENT, true},  {"  > ", PROTO_DIR_CLIENT, false},
    {"**> ", PROTO_DIR_CLIENT, false}, {"*~> ", PROTO_DIR_CLIENT, true},
    {"*** ", PROTO_DIR_INFO, false},   {"=== ", PROTO_DIR_INFO, false},
};

/* The first three bytes of a mark as one number. */
#define MARK_KEY(a, b, c)                                                                          \
	((uint32_t)(unsigned char)(a) | (uint32_t)(unsigned char)(b) << 8 |                        \
	 (uint32_t)(unsigned char)(c) << 16)

/*
 * A perfect hash of the twelve keys into 32 slots: the top five bits of the
 * key times 63774 (found by trying multipliers in turn). A slot holds its
 * mark's index plus one, or 0. One look-up and one comparison replace a
 * tree of branches the processor could not predict.
 */
#define MARK_SLOT(key) ((uint32_t)((key)*UINT32_C(63774)) >> 27)

static const unsigned char mark_slots[32] = {
    11, 3, 0,  0, 0, 0, 0, 0, 5, 1, 0,  4, 0, 0, 8, 9,
    6,  0, 12, 2, 0, 0, 0, 0, 0, 7, 10, 0, 0, 0, 0, 0,
};

/* The mark at p, or NULL: three bytes, then a space or the end of the line. */
static const struct mark *find_mark(const char *p, size_t len)
{
	uint32_t key;
	unsigned slot;

	if (len < 3 || (len > 3 && p[3] != ' '))
		return NULL;
	key = MARK_KEY(p[0], p[1], p[2]);
	slot = mark_slots[MARK_SLOT(key)];
	if (slot == 0 || memcmp(marks[slot - 1].text, p, 3) != 0)
		return NULL;
	return &marks[slot - 1];
}

enum proto_format proto_format_detect(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t magic = strlen(PROTO_TRANSCRIPT_MAGIC);
	unsigned lines = 0;

	/* A transcript cut short inside its first line is still one. */
	if (len > 0 && memcmp(buf, PROTO_TRANSCRIPT_MAGIC, len < magic ? len : magic) == 0)
		return PROTO_FORMAT_TRANSCRIPT;
	magic = strlen(PROTO_JSONL_MAGIC);
	if (len > 0 && memcmp(buf, PROTO_JSONL_MAGIC, len < magic ? len : magic) == 0)
		return PROTO_FORMAT_JSONL;
	while (p < end && lines++ < 64) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (find_mark(p, (size_t)((nl ? nl : end) - p)) != NULL)
			return PROTO_FORMAT_SWAKS;
		p = nl ? nl + 1 : end;
	}
	return PROTO_FORMAT_RAW;
}

/* Verbs that mark a line of a raw paste as the client's. */
bool proto_is_client_verb(const char *p, size_t len)
{
	static const char *const verbs[] = {
	    "EHLO", "HELO", "LHLO", "STARTTLS", "MAIL",    "RCPT",     "DATA",
	    "QUIT", "RSET", "NOOP", "AUTH",     "VRFY",    "EXPN",     "HELP",
	    "BDAT", "ETRN", "TURN", "ATRN",     "XCLIENT", "XFORWARD",
	};
	size_t verb = 0, i;

	while (verb < len && p[verb] != ' ')
		verb++;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strlen(verbs[i]) == verb && strncasecmp(p, verbs[i], verb) == 0)
			return true;
	return false;
}

static bool is_blank(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* True when a raw line starts like a reply: three digits, then SP, "-" or its end. */
static bool looks_like_reply(const char *p, size_t len)
{
	return len >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
	       p[2] >= '0' && p[2] <= '9' && (len == 3 || p[3] == ' ' || p[3] == '-');
}

/* Gives one line of the input to the linter, as the side dir names. */
static inline void lint_line(struct proto_source *src, enum proto_dir dir, bool tls,
                             const char *text, size_t len, enum proto_term term)
{
	if (dir == PROTO_DIR_SERVER)
		proto_lint_server(src->lint, src->n, text, len, term, tls);
	else if (dir == PROTO_DIR_CLIENT)
		proto_lint_client(src->lint, src->n, text, len, tls);
	else
		proto_lint_info(src->lint, src->n, text, len);
}

static void raw_line(struct proto_source *src, const struct proto_split_line *cut)
{
	struct proto_lint *lint = src->lint;
	const char *p = cut->text;
	size_t len = cut->len;
	enum proto_term term = src->endings_known ? cut->term : PROTO_TERM_UNKNOWN;

	if (is_blank(p, len))
		return;
	if (len >= 3 && (p[0] == 'S' || p[0] == 'C') && p[1] == ':' && p[2] == ' ') {
		if (p[0] == 'C')
			proto_lint_client(lint, src->n, p + 3, len - 3, false);
		else
			proto_lint_server(lint, src->n, p + 3, len - 3, term, false);
		return;
	}
	/* Inside an AUTH exchange, a line that is not a reply is the client's response. */
	if ((proto_lint_in_auth(lint) && !looks_like_reply(p, len)) ||
	    (!(len >= 3 && p[0] >= '0' && p[0] <= '9') && proto_is_client_verb(p, len)))
		proto_lint_client(lint, src->n, p, len, false);
	else
		proto_lint_server(lint, src->n, p, len, term, false);
}

static void swaks_line(struct proto_source *src, const struct proto_split_line *cut)
{
	const struct mark *mark = find_mark(cut->text, cut->len);
	const char *p = cut->text + 4;
	size_t len = cut->len > 4 ? cut->len - 4 : 0;

	if (mark == NULL) {
		if (!is_blank(cut->text, cut->len))
			proto_lint_info(src->lint, src->n, cut->text, cut->len);
		return;
	}
	lint_line(src, mark->dir, mark->tls, p, len, PROTO_TERM_UNKNOWN);
}

/* Days from 1970-01-01 to the first of month m (1-12) of year y, proleptic Gregorian. */
static long long days_before(long long y, int m)
{
	static const int month_days[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	long long p = y - 1,
	          leaps = p / 4 - p / 100 + p / 400 - (1969 / 4 - 1969 / 100 + 1969 / 400);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (y - 1970) * 365 + leaps + month_days[m - 1] + (leap && m > 2 ? 1 : 0);
}

/* The number of n decimal digits at p, or -1. */
static int digits(const char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int proto_time_parse(const char *p, size_t len, long long *ms)
{
	int y, mo, d, h, mi, s, f;

	if (len < 24 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
	    p[16] != ':' || p[19] != '.' || p[23] != 'Z')
		return -1;
	y = digits(p, 4);
	mo = digits(p + 5, 2);
	d = digits(p + 8, 2);
	h = digits(p + 11, 2);
	mi = digits(p + 14, 2);
	s = digits(p + 17, 2);
	f = digits(p + 20, 3);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60 || f < 0)
		return -1;
	*ms = (((days_before(y, mo) + d - 1) * 24 + h) * 60 + mi) * 60000LL + s * 1000LL + f;
	return 0;
}

/*
 * The time stamp of a transcript line, as proto_time_parse reads it. A stamp
 * in the same minute as the one before is read from its seconds alone: its
 * first 16 bytes, equal to a stamp already checked, hold the same values.
 */
static int stamp_parse(struct proto_source *src, const char *p, size_t len, long long *ms)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned s1, s2, f1, f2, f3;

	if (src->minute_known && len >= 24 && memcmp(p, src->minute, 16) == 0 && p[16] == ':' &&
	    p[19] == '.' && p[23] == 'Z') {
		/* The five digits of SS.mmm, each checked (a byte below '0' wraps high). */
		s1 = u[17] - '0';
		s2 = u[18] - '0';
		f1 = u[20] - '0';
		f2 = u[21] - '0';
		f3 = u[22] - '0';
		if ((s1 < 10) & (s2 < 10) & (f1 < 10) & (f2 < 10) & (f3 < 10) &
		    (s1 * 10 + s2 <= 60)) {
			*ms = src->minute_ms + (s1 * 10 + s2) * 1000LL + f1 * 100 + f2 * 10 + f3;
			return 0;
		}
	}
	if (proto_time_parse(p, len, ms) != 0)
		return -1;
	memcpy(src->minute, p, 16);
	src->minute_ms = *ms - digits(p + 17, 2) * 1000LL - digits(p + 20, 3);
	src->minute_known = true;
	return 0;
}

/* A stored line ends in "\n" (LF alone) or "\z" (no ending) when not CR LF. */
static enum proto_term transcript_term(const char *p, size_t *len)
{
	size_t n = *len, slashes = 0;

	if (n < 2 || p[n - 2] != '\\' || (p[n - 1] != 'n' && p[n - 1] != 'z'))
		return PROTO_TERM_CRLF;
	while (slashes < n - 1 && p[n - 2 - slashes] == '\\')
		slashes++;
	if (slashes % 2 == 0)
		return PROTO_TERM_CRLF;
	*len = n - 2;
	return p[n - 1] == 'n' ? PROTO_TERM_LF : PROTO_TERM_EOF;
}

static void transcript_line(struct proto_source *src, const struct proto_split_line *cut)
{
	/* The time stamp has a fixed width; look further only when it does not. */
	const char *sp =
	    cut->len > 24 && cut->text[10] == 'T' && cut->text[23] == 'Z' && cut->text[24] == ' '
	        ? cut->text + 24
	        : memchr(cut->text, ' ', cut->len);
	const struct mark *mark;
	const char *text;
	size_t off, len;
	enum proto_term term;

	if (cut->len == 0 || cut->text[0] == '#')
		return;
	if (!src->no_times && stamp_parse(src, cut->text, cut->len, &src->time_ms) != 0)
		src->time_ms = 0;
	off = sp ? (size_t)(sp - cut->text) + 1 : cut->len;
	mark = find_mark(cut->text + off, cut->len - off);
	if (mark == NULL) {
		proto_lint_info(src->lint, src->n, cut->text, cut->len);
		return;
	}
	off += cut->len - off > 4 ? 4 : cut->len - off;
	len = cut->len - off;
	term = transcript_term(cut->text + off, &len);
	text = cut->text + off;
	if (memchr(text, '\\', len) != NULL) {
		len = proto_unescape_transcript(src->unescaped, text, len);
		text = src->unescaped;
	}
	lint_line(src, mark->dir, mark->tls, text, len, term);
}

/* A line of the JSON Lines transcript; other objects are skipped. */
static void jsonl_line(struct proto_source *src, const struct proto_split_line *cut)
{
	struct proto_jsonl_line l;
	int rc;

	if (is_blank(cut->text, cut->len))
		return;
	rc = proto_jsonl_parse(cut->text, cut->len, src->unescaped, sizeof src->unescaped, &l);
	if (rc <= 0) {
		if (rc < 0)
			proto_lint_info(src->lint, src->n, cut->text, cut->len);
		return;
	}
	src->time_ms = l.time_ms;
	lint_line(src, l.dir, l.tls, l.text, l.len, l.term);
}

struct proto_source *proto_source_new(enum proto_format format, const struct proto_lint_ops *ops,
                                      void *ctx)
{
	struct proto_source *src = calloc(1, sizeof *src);

	if (src == NULL)
		return NULL;
	src->format = format;
	src->detect = malloc(PROTO_DETECT_BYTES);
	src->lint = proto_lint_new(ops, ctx, 0);
	if (src->detect == NULL || src->lint == NULL) {
		proto_source_free(src);
		return NULL;
	}
	proto_split_init(&src->split);
	return src;
}

void proto_source_free(struct proto_source *src)
{
	if (src == NULL)
		return;
	free(src->detect);
	proto_lint_free(src->lint);
	proto_split_free(&src->split);
	free(src);
}

/*
 * The writer ends every line of a transcript with LF, so a last line without
 * one was cut short (a writer killed mid-line): it is left out, and a note
 * says so instead of a line of garbage.
 */
static void cut_short(struct proto_source *src)
{
	char note[128];

	src->cut_n = src->n;
	snprintf(note, sizeof note,
	         "the file ends in the middle of line %u (the writer was stopped?): that line is "
	         "left out",
	         src->n);
	proto_lint_info(src->lint, src->n, note, strlen(note));
}

static void drain(struct proto_source *src)
{
	struct proto_split_line cut;

	while (proto_split_next_inline(&src->split, &cut)) {
		src->n++;
		src->time_ms = 0;
		if (cut.term == PROTO_TERM_EOF &&
		    (src->format == PROTO_FORMAT_TRANSCRIPT || src->format == PROTO_FORMAT_JSONL)) {
			cut_short(src);
			continue;
		}
		if (src->format == PROTO_FORMAT_SWAKS)
			swaks_line(src, &cut);
		else if (src->format == PROTO_FORMAT_TRANSCRIPT)
			transcript_line(src, &cut);
		else if (src->format == PROTO_FORMAT_JSONL)
			jsonl_line(src, &cut);
		else
			raw_line(src, &cut);
	}
}

static bool has_crlf(const char *p, size_t len)
{
	const char *cr;

	while ((cr = memchr(p, '\r', len)) != NULL) {
		len -= (size_t)(cr - p) + 1;
		p = cr + 1;
		if (len > 0 && *p == '\n')
			return true;
	}
	return false;
}

/* Settles the format on the input held back, then reads that input. */
static int begin(struct proto_source *src)
{
	int rc;

	if (src->format == PROTO_FORMAT_AUTO)
		src->format = proto_format_detect(src->detect, src->detect_len);
	src->endings_known = has_crlf(src->detect, src->detect_len);
	/* A paste may hold server lines alone; the other formats hold the client's too. */
	if (src->format == PROTO_FORMAT_RAW)
		src->options |= PROTO_LINT_INFER_TLS;
	else
		src->options |= PROTO_LINT_PAIRED;
	proto_lint_set_options(src->lint, src->options);
	rc = proto_split_feed(&src->split, src->detect, src->detect_len);
	free(src->detect);
	src->detect = NULL;
	if (rc == 0)
		drain(src);
	return rc;
}

/*
 * Cuts the chunk in place: only a line begun in an earlier chunk is copied
 * to be completed, and the unfinished line at the end is kept.
 */
static int feed_lines(struct proto_source *src, const char *buf, size_t len)
{
	const char *lf;
	size_t head;

	if (len == 0)
		return 0;
	if (proto_split_pending(&src->split) > 0 || src->split.clipping) {
		lf = memchr(buf, '\n', len);
		head = lf != NULL ? (size_t)(lf - buf) + 1 : len;
		if (proto_split_feed(&src->split, buf, head) != 0)
			return -1;
		drain(src);
		buf += head;
		len -= head;
		if (len == 0)
			return 0;
	}
	proto_split_lend(&src->split, buf, len);
	drain(src);
	return proto_split_keep(&src->split);
}

int proto_source_feed(struct proto_source *src, const void *buf, size_t len)
{
	size_t take;

	if (src->detect != NULL) {
		take = PROTO_DETECT_BYTES - src->detect_len;
		take = take < len ? take : len;
		memcpy(src->detect + src->detect_len, buf, take);
		src->detect_len += take;
		buf = (const char *)buf + take;
		len -= take;
		if (src->detect_len < PROTO_DETECT_BYTES)
			return 0;
		if (begin(src) != 0)
			return -1;
	}
	return feed_lines(src, buf, len);
}

int proto_source_end(struct proto_source *src)
{
	if (src->detect != NULL && begin(src) != 0)
		return -1;
	proto_split_eof(&src->split);
	drain(src);
	proto_lint_end(src->lint);
	return 0;
}

enum proto_format proto_source_format(const struct proto_source *src)
{
	return src->format;
}

void proto_source_show_secrets(struct proto_source *src, bool show)
{
	if (show)
		src->options |= PROTO_LINT_SHOW_SECRETS;
	else
		src->options &= ~(unsigned)PROTO_LINT_SHOW_SECRETS;
	proto_lint_set_options(src->lint, src->options);
}

void proto_source_read_times(struct proto_source *src, bool read)
{
	src->no_times = !read;
}

const struct proto_lint *proto_source_lint(const struct proto_source *src)
{
	return src->lint;
}

unsigned proto_source_cut(const struct proto_source *src)
{
	return src->cut_n;
}

long long proto_source_time_ms(const struct proto_source *src)
{
	return src->time_ms;
}

/* The fields before the split (the linter left out), the split, then the linter. */
struct proto_state *proto_source_save(const struct proto_source *src)
{
	struct proto_source head;
	struct proto_blob blob = {NULL, 0, 0, false};
	struct proto_state *state;
	size_t held;

	memcpy(&head, src, offsetof(struct proto_source, split));
	head.lint = NULL;
	proto_blob_put(&blob, &head, offsetof(struct proto_source, split));
	proto_split_save(&src->split, &blob);
	/* The input held back while the format is not known yet. */
	held = src->detect != NULL ? src->detect_len : SIZE_MAX;
	proto_blob_put(&blob, &held, sizeof held);
	if (src->detect != NULL)
		proto_blob_put(&blob, src->detect, src->detect_len);
	proto_lint_save(src->lint, &blob);
	state = blob.failed ? NULL : malloc(sizeof *state);
	if (state == NULL) {
		free(blob.buf);
		return NULL;
	}
	state->buf = blob.buf;
	state->len = blob.len;
	return state;
}

struct proto_source *proto_source_restore(const struct proto_state *state,
                                          const struct proto_lint_ops *ops, void *ctx)
{
	return proto_source_restore_bytes(state->buf, state->len, ops, ctx);
}

struct proto_source *proto_source_restore_bytes(const void *bytes, size_t len,
                                                const struct proto_lint_ops *ops, void *ctx)
{
	struct proto_unblob u = {bytes, len, false};
	struct proto_source *src = proto_source_new(PROTO_FORMAT_AUTO, ops, ctx);
	struct proto_lint *lint;
	char *detect;
	size_t held = 0;

	if (src == NULL)
		return NULL;
	lint = src->lint;
	detect = src->detect;
	proto_unblob_get(&u, src, offsetof(struct proto_source, split));
	src->lint = lint;
	src->detect = detect;
	if (proto_split_restore(&src->split, &u) == 0)
		proto_unblob_get(&u, &held, sizeof held);
	if (held == SIZE_MAX) {
		free(src->detect);
		src->detect = NULL;
	} else if (held <= PROTO_DETECT_BYTES) {
		src->detect_len = held;
		proto_unblob_get(&u, src->detect, held);
	} else {
		u.failed = true;
	}
	if (u.failed || proto_lint_restore(lint, &u) != 0) {
		proto_source_free(src);
		return NULL;
	}
	return src;
}
