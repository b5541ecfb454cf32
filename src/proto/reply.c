/*
 * reply.c: a complete reply, assembled line by line into a bounded arena.
 */
#include <string.h>

#include "proto.h"

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
