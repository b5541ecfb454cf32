/*
 * reply.c: a complete reply, assembled line by line into a bounded arena.
 */
#include <stddef.h>
#include <string.h>

#include "proto/reply.h"
#include "proto_int.h"

void proto_reply_reset(struct proto_reply *reply)
{
	reply->code = -1;
	reply->nlines = 0;
	reply->nkept = 0;
	reply->flags = 0;
	reply->complete = false;
	reply->used = 0;
}

/* Keeps the line when both a slot and its bytes fit; counts it always. */
void proto_reply_add(struct proto_reply *reply, const struct proto_line *line)
{
	struct proto_reply_line *slot;

	if (reply->nlines == 0)
		reply->code = line->code;
	reply->nlines++;
	reply->flags |= line->flags;
	if (line->last)
		reply->complete = true;
	if (reply->nkept == PROTO_REPLY_KEEP || line->len > sizeof reply->arena - reply->used)
		return;
	slot = &reply->line[reply->nkept++];
	slot->text = reply->arena + reply->used;
	slot->len = line->len;
	slot->flags = line->flags;
	if (line->len > 0)
		memcpy(reply->arena + reply->used, line->text, line->len);
	reply->used += line->len;
}

/* One kept line of a saved reply: where its text starts in the arena. */
struct saved_line {
	size_t at;
	size_t len;
	unsigned flags;
};

/* The counts, the kept lines with their places, then the arena bytes in use. */
void proto_reply_save(const struct proto_reply *reply, struct proto_blob *blob)
{
	struct saved_line s;
	unsigned i;

	proto_blob_put(blob, reply, offsetof(struct proto_reply, line));
	for (i = 0; i < reply->nkept; i++) {
		memset(&s, 0, sizeof s);
		s.at = (size_t)(reply->line[i].text - reply->arena);
		s.len = reply->line[i].len;
		s.flags = reply->line[i].flags;
		proto_blob_put(blob, &s, sizeof s);
	}
	proto_blob_put(blob, reply->arena, reply->used);
}

void proto_reply_restore(struct proto_reply *reply, struct proto_unblob *u)
{
	struct saved_line s;
	unsigned i;

	proto_unblob_get(u, reply, offsetof(struct proto_reply, line));
	if (reply->nkept > PROTO_REPLY_KEEP || reply->used > sizeof reply->arena) {
		u->failed = true;
		proto_reply_reset(reply);
		return;
	}
	for (i = 0; i < reply->nkept; i++) {
		proto_unblob_get(u, &s, sizeof s);
		if (s.at > reply->used || s.len > reply->used - s.at)
			u->failed = true;
		reply->line[i].text = reply->arena + (u->failed ? 0 : s.at);
		reply->line[i].len = u->failed ? 0 : s.len;
		reply->line[i].flags = s.flags;
	}
	proto_unblob_get(u, reply->arena, reply->used);
	if (u->failed)
		proto_reply_reset(reply);
}
