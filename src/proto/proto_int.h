/*
 * proto_int.h: helpers shared by the files of src/proto, not part of its API.
 */
#ifndef SMTPSCOPE_PROTO_INTERNAL_H
#define SMTPSCOPE_PROTO_INTERNAL_H

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* the compiler's own vector types: no library */
#endif

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
 * word holds ASCII letters only, for which folding bit 0x20 is exact. Four
 * or eight bytes (the verbs) are compared as one word, folded alike.
 */
static inline bool proto_letters_eq(const char *p, const char *word, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;
	size_t i;

	if (n == 8) {
		memcpy(&a, p, 8);
		memcpy(&b, word, 8);
		return (a | UINT64_C(0x2020202020202020)) == (b | UINT64_C(0x2020202020202020));
	}
	if (n == 4) {
		memcpy(&c, p, 4);
		memcpy(&d, word, 4);
		return (c | UINT32_C(0x20202020)) == (d | UINT32_C(0x20202020));
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] | 0x20) != ((unsigned char)word[i] | 0x20))
			return false;
	return true;
}

/* Returns the PROTO_L_* flags the bytes of a line body earn on their own. */
unsigned proto_scan(const char *text, size_t len);

/*
 * The high bit of each byte of w that is below 0x20, is DEL or is 8-bit.
 * With x the low seven bits of a byte, x + 1 reaches 0x80 only for DEL and
 * x + 0x60 stays below it only under 0x20; neither sum carries into the
 * next byte, so every byte's answer is exact.
 */
static inline uint64_t proto_word_unusual(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x = w & ~highs;

	return (w | (x + ones) | ~(x + ones * 0x60)) & highs;
}

/*
 * True when none of the len bytes (at least 8) at text earns a flag: eight
 * bytes at a time, the last word over the one before it, one test at the
 * end. Most lines hold no byte to flag; proto_scan reads one that does
 * again byte by byte.
 */
static inline bool proto_scan_clean(const char *text, size_t len)
{
	uint64_t w, unusual = 0;
	size_t i;

	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&w, text + i, 8);
		unusual |= proto_word_unusual(w);
	}
	memcpy(&w, text + len - 8, 8);
	return (unusual | proto_word_unusual(w)) == 0;
}

/* The reply reader (reader.c), here so that lint.c can push lines inline. */
struct proto_reader {
	unsigned options;
	struct proto_split split;
	bool inside;    /* a multi-line reply is open */
	unsigned index; /* index of the next line in its reply */
	int first_code; /* code of the open reply's first line */
	struct proto_reply reply;
};

/* Reads the Reply-code of RFC 5321 §4.2: %x32-35 %x30-35 %x30-39. */
static inline int proto_reader_code(const char *text, size_t len, unsigned *flags)
{
	const unsigned char *u = (const unsigned char *)text;
	unsigned d0, d1, d2;

	if (len < 3) {
		*flags |= PROTO_L_BAD_CODE;
		return -1;
	}
	/* Each digit checked without a branch: a byte below '0' wraps high. */
	d0 = u[0] - (unsigned)'0';
	d1 = u[1] - (unsigned)'0';
	d2 = u[2] - (unsigned)'0';
	if (!((d0 < 10) & (d1 < 10) & (d2 < 10))) {
		*flags |= PROTO_L_BAD_CODE;
		return -1;
	}
	if ((d0 - 2 > 3) | (d1 > 5))
		*flags |= PROTO_L_BAD_CODE;
	return (int)(d0 * 100 + d1 * 10 + d2);
}

/* Places a line in its reply: index, last, mixed codes. */
static inline void proto_reader_place(struct proto_reader *reader, struct proto_line *line)
{
	if (!reader->inside) {
		proto_reply_reset(&reader->reply);
		reader->index = 0;
		reader->first_code = line->code;
	} else if (line->code >= 0 && reader->first_code >= 0 && line->code != reader->first_code) {
		line->flags |= PROTO_L_MIXED_CODE;
	}
	line->index = reader->index++;
	line->last = line->sep != '-';
	reader->inside = !line->last;
	if (!(reader->options & PROTO_READER_NO_REPLY))
		proto_reply_add(&reader->reply, line);
}

/* Flags a cut line, reads its code and places it in its reply. */
static inline void proto_reader_classify(struct proto_reader *reader,
                                         const struct proto_split_line *cut,
                                         struct proto_line *line)
{
	unsigned flags = cut->dropped_flags;
	/* The octets the line would have with CRLF, the measure of §4.5.3.1.5. */
	size_t ending = cut->term == PROTO_TERM_CRLF ? 2 : cut->term == PROTO_TERM_EOF ? 0 : 1;

	if (cut->len < 8 || !proto_scan_clean(cut->text, cut->len))
		flags |= proto_scan(cut->text, cut->len);
	if (cut->term == PROTO_TERM_LF && !(reader->options & PROTO_READER_ENDINGS_UNKNOWN))
		flags |= PROTO_L_BARE_LF;
	if (cut->term == PROTO_TERM_EOF)
		flags |= PROTO_L_NO_EOL;
	if (cut->wire - ending + 2 > PROTO_LINE_MAX)
		flags |= PROTO_L_TOO_LONG;
	if (cut->clipped)
		flags |= PROTO_L_CLIPPED;
	line->text = cut->text;
	line->len = cut->len;
	line->wire_len = cut->wire;
	line->code = proto_reader_code(cut->text, cut->len, &flags);
	line->sep = cut->len > 3 ? (unsigned char)cut->text[3] : -1;
	if (line->code >= 0 && line->sep != -1 && line->sep != ' ' && line->sep != '-')
		flags |= PROTO_L_NO_SEP;
	line->flags = flags;
	proto_reader_place(reader, line);
}

/* proto_reader_push, inlined into the linter (lint.c). */
static inline void proto_reader_push_inline(struct proto_reader *reader, const char *text,
                                            size_t len, enum proto_term term,
                                            struct proto_line *line)
{
	struct proto_split_line cut;

	cut.text = text;
	cut.len = len > PROTO_LINE_KEEP ? PROTO_LINE_KEEP : len;
	cut.clipped = len > PROTO_LINE_KEEP;
	cut.dropped_flags = cut.clipped ? proto_scan(text + cut.len, len - cut.len) : 0;
	cut.term = term;
	cut.wire = len + (term == PROTO_TERM_CRLF ? 2 : term == PROTO_TERM_EOF ? 0 : 1);
	proto_reader_classify(reader, &cut, line);
}

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

#if defined(__SSE2__)
/* One bit for each LF among the 16 bytes at v, in their order. */
static inline uint64_t proto_lf_bits(const __m128i *v)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128(v), _mm_set1_epi8('\n')));
}
#endif

/*
 * The first LF of the avail bytes at p, or NULL. Most lines are shorter than
 * 64 bytes: where SSE2 is (every x86-64), one 64-byte test finds their end,
 * in fewer instructions than memchr's call and its tests of one vector,
 * then the next.
 */
static inline const char *proto_find_lf(const char *p, size_t avail)
{
#if defined(__SSE2__)
	const __m128i *v = (const __m128i *)(const void *)p;
	uint64_t hits;

	if (avail >= 64) {
		hits = proto_lf_bits(v) | proto_lf_bits(v + 1) << 16 | proto_lf_bits(v + 2) << 32 |
		       proto_lf_bits(v + 3) << 48;
		if (hits != 0)
			return p + __builtin_ctzll(hits);
		return memchr(p + 64, '\n', avail - 64);
	}
#endif
	return memchr(p, '\n', avail);
}

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
	lf = proto_find_lf(p, avail);
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
