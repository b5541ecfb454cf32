/*
 * proto_int.h: helpers shared by the files of src/proto, not part of its API.
 */
#ifndef SMTPSCOPE_PROTO_INTERNAL_H
#define SMTPSCOPE_PROTO_INTERNAL_H

#include <string.h>

#include "proto/lint.h"
#include "proto/reader.h"
#include "proto/reply.h"
#include "proto/source.h"
#include "proto/split.h"

/* A finding's section of docs/findings.md; the table is generated at build time. */
struct proto_doc_section {
	const char *id;
	const char *text;
};

extern const struct proto_doc_section proto_finding_docs[];
extern const size_t proto_finding_ndocs;

/*
 * True when the n bytes at p spell word in any case, as strncasecmp says;
 * word holds ASCII letters only, for which folding bit 0x20 is exact.
 */
static inline bool proto_letters_eq(const char *p, const char *word, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] | 0x20) != ((unsigned char)word[i] | 0x20))
			return false;
	return true;
}

/* Returns the PROTO_L_* flags the bytes of a line body earn on their own. */
unsigned proto_scan(const char *text, size_t len);

/* Fills a cut line from its n bytes at p, which an LF ends (lf) or the end of the input. */
static inline void proto_split_plain(struct proto_split_line *line, const char *p, size_t n,
                                     bool lf)
{
	line->text = p;
	line->wire = n + (lf ? 1 : 0);
	line->term = lf ? PROTO_TERM_LF : PROTO_TERM_EOF;
	if (lf && n > 0 && p[n - 1] == '\r') {
		line->term = PROTO_TERM_CRLF;
		n--;
	}
	line->clipped = n > PROTO_LINE_KEEP;
	line->len = line->clipped ? PROTO_LINE_KEEP : n;
	line->dropped_flags =
	    line->clipped ? proto_scan(p + PROTO_LINE_KEEP, n - PROTO_LINE_KEEP) : 0;
}

/* proto_split_next for every case: a line being clipped, no LF yet, the end (split.c). */
int proto_split_next_any(struct proto_split *split, struct proto_split_line *line);

/*
 * proto_split_next, inlined where lines are cut in bulk (source.c). The
 * common case is cut here, with little to keep across the search: an LF
 * ends a line that is not being clipped. Any other goes to
 * proto_split_next_any.
 */
static inline int proto_split_next_inline(struct proto_split *split, struct proto_split_line *line)
{
	size_t avail = split->len - split->pos;
	const char *p, *lf;

	if (avail == 0 || split->clipping)
		return proto_split_next_any(split, line);
	p = split->data + split->pos;
	lf = memchr(p, '\n', avail);
	if (lf == NULL)
		return proto_split_next_any(split, line);
	split->pos += (size_t)(lf - p) + 1;
	proto_split_plain(line, p, (size_t)(lf - p), true);
	return 1;
}

/* A line object of smtpscope's JSON Lines transcript, read back (jsonl.c). */
struct proto_jsonl_line {
	bool has_dir;
	enum proto_dir dir;
	bool tls;
	enum proto_term term; /* from "eol"; CR LF when absent */
	const char *text;     /* the caller's buffer */
	size_t len;
	long long time_ms; /* "t", in ms since the epoch, or 0 */
};

/*
 * Parses one line of the file: 1 a conversation line (text unescaped into
 * text, at most cap bytes), 0 another object (a finding, the end mark), -1
 * not an object of the format.
 */
int proto_jsonl_parse(const char *line, size_t len, char *text, size_t cap,
                      struct proto_jsonl_line *l);

/*
 * A saved state being written (state.c): bytes appended to a growing
 * buffer; failed once memory ran out, and then nothing more is kept.
 */
struct proto_blob {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
};

/* A saved state being read back; failed once a read ran past its end. */
struct proto_unblob {
	const char *p;
	size_t left;
	bool failed;
};

/* A saved source: the blob's bytes (see proto_source_save). */
struct proto_state {
	char *buf;
	size_t len;
};

void proto_blob_put(struct proto_blob *blob, const void *bytes, size_t len);
/* The next len bytes of the blob, or NULL (and failed) when it has fewer. */
const void *proto_unblob_take(struct proto_unblob *u, size_t len);
/* Copies the next len bytes out; zeroes when the blob has fewer. */
void proto_unblob_get(struct proto_unblob *u, void *out, size_t len);

/*
 * Each part of a source saves itself between two feeds and reads itself
 * back into a part made fresh by its init or new function.
 */
void proto_split_save(const struct proto_split *split, struct proto_blob *blob);
int proto_split_restore(struct proto_split *split, struct proto_unblob *u);
void proto_reply_save(const struct proto_reply *reply, struct proto_blob *blob);
void proto_reply_restore(struct proto_reply *reply, struct proto_unblob *u);
void proto_reader_save(const struct proto_reader *reader, struct proto_blob *blob);
int proto_reader_restore(struct proto_reader *reader, struct proto_unblob *u);
void proto_lint_save(const struct proto_lint *lint, struct proto_blob *blob);
int proto_lint_restore(struct proto_lint *lint, struct proto_unblob *u);

#endif
