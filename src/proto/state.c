/*
 * state.c: a source's state written to a compact blob and read back, so a
 * reader of a large file can start again at a saved point (replay keeps a
 * few of them instead of every line). Each part saves itself in its own
 * file; this file holds the blob and the source's own part.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/source.h"
#include "proto_int.h"

void proto_blob_put(struct proto_blob *blob, const void *bytes, size_t len)
{
	size_t cap;
	char *grown;

	if (blob->failed || len == 0)
		return;
	if (len > blob->cap - blob->len) {
		cap = blob->cap == 0 ? 4096 : blob->cap;
		while (cap - blob->len < len)
			cap *= 2;
		grown = realloc(blob->buf, cap);
		if (grown == NULL) {
			blob->failed = true;
			return;
		}
		blob->buf = grown;
		blob->cap = cap;
	}
	memcpy(blob->buf + blob->len, bytes, len);
	blob->len += len;
}

const void *proto_unblob_take(struct proto_unblob *u, size_t len)
{
	const char *at = u->p;

	if (u->failed || len > u->left) {
		u->failed = true;
		return NULL;
	}
	u->p += len;
	u->left -= len;
	return at;
}

void proto_unblob_get(struct proto_unblob *u, void *out, size_t len)
{
	const void *at = proto_unblob_take(u, len);

	if (at != NULL && len > 0)
		memcpy(out, at, len);
	else if (len > 0)
		memset(out, 0, len);
}

void proto_state_free(struct proto_state *state)
{
	if (state != NULL)
		free(state->buf);
	free(state);
}

size_t proto_state_size(const struct proto_state *state)
{
	return state->len;
}

const void *proto_state_bytes(const struct proto_state *state)
{
	return state->buf;
}
