/*
 * source.h: the input formats of a conversation, and the source that reads them.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_SOURCE_H
#define SMTPSCOPE_PROTO_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/lint.h"

/* Input formats of a conversation, and the source that reads them. */
enum proto_format {
	PROTO_FORMAT_AUTO,
	PROTO_FORMAT_RAW,        /* a reply as pasted, client lines optional */
	PROTO_FORMAT_SWAKS,      /* swaks' transcript: "<-  ", " -> ", "=== " */
	PROTO_FORMAT_TRANSCRIPT, /* smtpscope's own, docs/transcript-format.md */
	PROTO_FORMAT_JSONL,      /* smtpscope's JSON Lines transcript (--transcript-json) */
};

#define PROTO_TRANSCRIPT_MAGIC "# smtpscope transcript 1"
#define PROTO_JSONL_MAGIC      "{\"t\":\"" /* how every object of the JSON Lines form starts */
#define PROTO_DETECT_BYTES     (64 * 1024) /* input looked at to detect a format */

const char *proto_format_name(enum proto_format format);
/* Returns 0 and sets *format for "auto", "raw", "swaks", "transcript", "jsonl"; -1 otherwise. */
int proto_format_parse(const char *name, enum proto_format *format);
enum proto_format proto_format_detect(const char *buf, size_t len);

struct proto_source;

struct proto_source *proto_source_new(enum proto_format format, struct proto_lint_ops const *ops,
                                      void *ctx);
void proto_source_free(struct proto_source *source);
/* Returns 0, or -1 when memory ran out. */
int proto_source_feed(struct proto_source *source, const void *buf, size_t len);
/* Ends the input: the last line and the conversation are closed. */
int proto_source_end(struct proto_source *source);
enum proto_format proto_source_format(const struct proto_source *source);
/* Shows the AUTH exchange as it is (PROTO_LINT_SHOW_SECRETS); call before feeding. */
void proto_source_show_secrets(struct proto_source *source, bool show);
const struct proto_lint *proto_source_lint(const struct proto_source *source);
/*
 * The line a transcript ended in the middle of (left out, with a note), or 0.
 * Known once proto_source_end() has run.
 */
unsigned proto_source_cut(const struct proto_source *source);
/*
 * The time stamp of the line being read, for the line callback: milliseconds
 * since the epoch (UTC) as the transcript recorded it, or 0 when the line has
 * none (raw and swaks input, a note of the reader).
 */
long long proto_source_time_ms(const struct proto_source *source);
/*
 * Whether a transcript's time stamps are read (they are by default): a
 * caller that never asks proto_source_time_ms turns them off, and the time
 * is then 0 for every line.
 */
void proto_source_read_times(struct proto_source *source, bool read);
/*
 * A source's state between two feeds, kept compact (a few KiB plus the
 * bytes it holds): restore makes a new source that reads on from that point
 * exactly as the saved one would, its lines going to ops. Save returns NULL
 * when memory ran out. Replay keeps a few of these to
 * reach any line of a large file without keeping every line.
 */
struct proto_state;
struct proto_state *proto_source_save(const struct proto_source *source);
struct proto_source *proto_source_restore(const struct proto_state *state,
                                          const struct proto_lint_ops *ops, void *ctx);
/* The saved state's bytes and their count; restore_bytes reads them back (NULL if damaged). */
const void *proto_state_bytes(const struct proto_state *state);
size_t proto_state_size(const struct proto_state *state);
struct proto_source *proto_source_restore_bytes(const void *bytes, size_t len,
                                                const struct proto_lint_ops *ops, void *ctx);
void proto_state_free(struct proto_state *state);
/* Reads "YYYY-MM-DDTHH:MM:SS.mmmZ" at p into ms since the epoch; 0, or -1 when it is not one. */
int proto_time_parse(const char *p, size_t len, long long *ms);

#endif
