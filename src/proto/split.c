/*
 * split.c: cuts a byte stream into lines at LF, with bounded memory.
 *
 * A line longer than PROTO_LINE_KEEP keeps its first PROTO_LINE_KEEP bytes;
 * the rest is scanned for flags, counted and dropped, so a peer that never
 * sends LF costs at most the size of the chunks fed plus the kept prefix.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/reply.h"
#include "proto/split.h"
#include "proto_int.h"

void proto_split_init(struct proto_split *split)
{
	memset(split, 0, offsetof(struct proto_split, keep));
}

void proto_split_free(struct proto_split *split)
{
	free(split->buf);
	split->buf = NULL;
	split->data = NULL;
	split->lent = false;
	split->cap = split->len = split->pos = 0;
}

/* Makes room for len more bytes in the own buffer. */
static int reserve(struct proto_split *split, size_t len)
{
	size_t need;
	char *grown;

	if (split->pos > 0 && split->pos == split->len)
		split->pos = split->len = 0;
	if (len > split->cap - split->len && split->pos > 0) {
		memmove(split->buf, split->buf + split->pos, split->len - split->pos);
		split->len -= split->pos;
		split->pos = 0;
	}
	if (len <= split->cap - split->len)
		return 0;
	need = split->len + len < 4096 ? 4096 : split->len + len;
	grown = realloc(split->buf, need);
	if (grown == NULL)
		return -1;
	split->buf = grown;
	split->data = grown;
	split->cap = need;
	return 0;
}

int proto_split_feed(struct proto_split *split, const void *buf, size_t len)
{
	if (proto_split_keep(split) != 0 || reserve(split, len) != 0)
		return -1;
	split->data = split->buf;
	if (len > 0)
		memcpy(split->buf + split->len, buf, len);
	split->len += len;
	return 0;
}

void proto_split_lend(struct proto_split *split, const void *buf, size_t len)
{
	if (split->lent || split->pos != split->len)
		abort();
	split->data = buf;
	split->lent = true;
	split->pos = 0;
	split->len = len;
}

int proto_split_keep(struct proto_split *split)
{
	const char *rest;
	size_t n = split->len - split->pos;

	if (!split->lent)
		return 0;
	rest = split->data + split->pos;
	split->lent = false;
	split->data = split->buf;
	split->pos = split->len = 0;
	if (reserve(split, n) != 0)
		return -1;
	if (n > 0)
		memcpy(split->buf, rest, n);
	split->len = n;
	return 0;
}

size_t proto_split_pending(const struct proto_split *split)
{
	return split->len - split->pos;
}

/* The bytes go without a copy or a move, so the line cut last keeps its text. */
void proto_split_discard(struct proto_split *split)
{
	split->pos = split->len;
	split->clipping = false;
	split->prev_cr = false;
}

const char *proto_split_partial(const struct proto_split *split, size_t *len, size_t *wire)
{
	size_t avail = split->len - split->pos;

	if (split->clipping) {
		*len = split->keep_len;
		*wire = split->wire;
		return split->keep;
	}
	*wire = avail;
	*len = avail < PROTO_LINE_KEEP ? avail : PROTO_LINE_KEEP;
	return avail > 0 ? split->data + split->pos : "";
}

void proto_split_eof(struct proto_split *split)
{
	split->eof = true;
}

/* Scans bytes that will not be kept; a CR is judged by the byte after it. */
static void split_drop(struct proto_split *split, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (split->prev_cr)
		split->dropped_flags |= PROTO_L_BARE_CR;
	if (p[n - 1] == '\r') {
		split->dropped_flags |= proto_scan(p, n - 1);
		split->prev_cr = true;
	} else {
		split->dropped_flags |= proto_scan(p, n);
		split->prev_cr = false;
	}
	split->wire += n;
}

/* Starts clipping: the first PROTO_LINE_KEEP bytes are kept. */
static void split_clip(struct proto_split *split, const char *p, size_t n)
{
	memcpy(split->keep, p, PROTO_LINE_KEEP);
	split->keep_len = PROTO_LINE_KEEP;
	split->wire = PROTO_LINE_KEEP;
	split->clipping = true;
	split->prev_cr = false;
	split->dropped_flags = 0;
	split_drop(split, p + PROTO_LINE_KEEP, n - PROTO_LINE_KEEP);
}

/* Hands back the clipped line once its end (LF or end of input) is seen. */
static void split_end_clip(struct proto_split *split, struct proto_split_line *line,
                           enum proto_term term)
{
	if (term == PROTO_TERM_EOF && split->prev_cr)
		split->dropped_flags |= PROTO_L_BARE_CR;
	if (term == PROTO_TERM_LF && split->prev_cr)
		term = PROTO_TERM_CRLF;
	line->text = split->keep;
	line->len = split->keep_len;
	line->wire = split->wire + (term == PROTO_TERM_EOF ? 0 : 1);
	line->term = term;
	line->clipped = true;
	line->dropped_flags = split->dropped_flags;
	split->clipping = false;
}

/* proto_split_next for every case: a line being clipped, no LF yet, the end. */
int proto_split_next_any(struct proto_split *split, struct proto_split_line *line)
{
	/* Nothing fed yet leaves data NULL, and NULL + 0 is undefined. */
	const char *p = split->data != NULL ? split->data + split->pos : "";
	size_t avail = split->len - split->pos;
	const char *lf = avail > 0 ? memchr(p, '\n', avail) : NULL;

	if (lf != NULL) {
		size_t n = (size_t)(lf - p);

		split->pos += n + 1;
		if (!split->clipping) {
			proto_split_plain(line, p, n, true);
			return 1;
		}
		split_drop(split, p, n);
		split_end_clip(split, line, PROTO_TERM_LF);
		return 1;
	}
	if (split->clipping) {
		split_drop(split, p, avail);
		split->pos = split->len;
		if (!split->eof)
			return 0;
		split_end_clip(split, line, PROTO_TERM_EOF);
		return 1;
	}
	if (split->eof && avail > 0) {
		split->pos = split->len;
		proto_split_plain(line, p, avail, false);
		return 1;
	}
	if (avail > PROTO_LINE_KEEP + 1) {
		split_clip(split, p, avail);
		split->pos = split->len;
	}
	return 0;
}

int proto_split_next(struct proto_split *split, struct proto_split_line *line)
{
	return proto_split_next_inline(split, line);
}

/* The fields, then the bytes not yet cut; the split must not hold lent memory. */
void proto_split_save(const struct proto_split *split, struct proto_blob *blob)
{
	struct proto_split copy = *split;
	size_t rest = split->len - split->pos;

	if (split->lent) {
		blob->failed = true;
		return;
	}
	copy.buf = NULL;
	copy.data = NULL;
	copy.cap = 0;
	copy.pos = 0;
	copy.len = rest;
	proto_blob_put(blob, &copy, sizeof copy);
	if (rest > 0)
		proto_blob_put(blob, split->data + split->pos, rest);
}

int proto_split_restore(struct proto_split *split, struct proto_unblob *u)
{
	struct proto_split copy;
	const void *rest;

	proto_unblob_get(u, &copy, sizeof copy);
	if (u->failed || copy.len > PROTO_LINE_KEEP * 4 + 65536)
		return -1;
	rest = proto_unblob_take(u, copy.len);
	if (rest == NULL)
		return -1;
	proto_split_free(split);
	*split = copy;
	split->len = 0;
	return copy.len > 0 ? proto_split_feed(split, rest, copy.len) : 0;
}
