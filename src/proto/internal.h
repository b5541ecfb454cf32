/*
 * internal.h: helpers shared by the files of src/proto, not part of its API.
 */
#ifndef SMTPSCOPE_PROTO_INTERNAL_H
#define SMTPSCOPE_PROTO_INTERNAL_H

#include "proto.h"

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

/*
 * The line splitter under the reader and the transcript sources: it cuts a
 * byte stream at LF, keeps at most PROTO_LINE_KEEP bytes of any line and
 * counts the rest.
 */
struct proto_split {
	char *buf;        /* own copy of bytes fed and not yet cut */
	size_t cap;       /* size of buf */
	const char *data; /* the bytes being cut: buf, or lent memory */
	bool lent;        /* data is the caller's, valid until proto_split_keep */
	size_t pos;       /* first unread byte in data */
	size_t len;       /* bytes in data */
	bool eof;         /* no more bytes will come */
	bool clipping;    /* the current line outgrew keep */
	bool prev_cr;     /* the last dropped byte was a CR */
	size_t wire;      /* bytes of the clipped line seen so far */
	unsigned dropped_flags;
	size_t keep_len;
	char keep[PROTO_LINE_KEEP];
};

/* One cut line: text is valid until the next call on the splitter. */
struct proto_split_line {
	const char *text;
	size_t len;
	size_t wire; /* bytes including the terminator */
	enum proto_term term;
	bool clipped;
	unsigned dropped_flags; /* proto_scan flags of the bytes not kept */
};

void proto_split_init(struct proto_split *split);
void proto_split_free(struct proto_split *split);
int proto_split_feed(struct proto_split *split, const void *buf, size_t len);
/*
 * Cuts the caller's bytes in place, without a copy: allowed only when no
 * byte is pending. Before the caller's memory goes away, proto_split_keep
 * copies what was not cut; it returns 0, or -1 when memory ran out.
 */
void proto_split_lend(struct proto_split *split, const void *buf, size_t len);
int proto_split_keep(struct proto_split *split);
/* Bytes fed and not yet cut. */
size_t proto_split_pending(const struct proto_split *split);
/*
 * The line begun and not ended: its kept bytes (*len, at most
 * PROTO_LINE_KEEP) and in *wire all its bytes so far. Read-only; valid until
 * the next call that feeds or cuts.
 */
const char *proto_split_partial(const struct proto_split *split, size_t *len, size_t *wire);
void proto_split_eof(struct proto_split *split);
int proto_split_next(struct proto_split *split, struct proto_split_line *line);

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
