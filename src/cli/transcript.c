/*
 * transcript.c: the transcript files of "check" and the inspector:
 * smtpscope's text format (docs/transcript-format.md) and JSON Lines. Each
 * line goes out in one write(2) as it happens, so a session cut short (even
 * by kill -9) leaves a file readable up to its last line; a file closed by
 * its writer ends with an end mark.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "proto.h"

/* "2026-11-22T07:10:00.123Z", now. */
static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

/*
 * Creates the file with O_EXCL, so an existing file (or a link planted in its
 * place) is never written through; --force removes it first. Mode 0600: a
 * transcript holds what the server said and, later, what the user typed.
 */
static int create(const char *path, bool force)
{
	int fd;

	if (force && unlink(path) != 0 && errno != ENOENT)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd;
}

int cli_transcript_open(struct cli_transcript *t, const char *path, bool json, bool force,
                        const char *target)
{
	t->json = json;
	t->fd = create(path, force);
	if (t->fd < 0)
		return -1;
	cli_out_init(&t->out, t->fd, false);
	if (!json) {
		cli_out_str(&t->out, PROTO_TRANSCRIPT_MAGIC "\n# target ");
		cli_out_term(&t->out, target, strlen(target));
		cli_out_str(&t->out, "\n");
		cli_out_flush(&t->out);
	}
	return 0;
}

void cli_transcript_why(char *buf, size_t len, const char *path, int error)
{
	snprintf(buf, len, "cannot write the transcript %s: %s%s", path, strerror(error),
	         error == EEXIST
	             ? " (it is kept; choose another name, or give --force to replace it)"
	             : "");
}

static const char *mark(const struct proto_lint_line *line)
{
	if (line->dir == PROTO_DIR_INFO)
		return "=== ";
	if (line->dir == PROTO_DIR_CLIENT)
		return line->tls ? " ~> " : " -> ";
	return line->tls ? "<~  " : "<-  ";
}

static void text_line(struct cli_transcript *t, const char *ts, const struct proto_lint_line *l)
{
	char buf[PROTO_ESCAPE_MAX(PROTO_LINE_KEEP)];
	size_t len = l->len < PROTO_LINE_KEEP ? l->len : PROTO_LINE_KEEP;

	cli_out_str(&t->out, ts);
	cli_out_str(&t->out, " ");
	cli_out_str(&t->out, mark(l));
	cli_out_write(&t->out, buf, proto_escape_transcript(buf, sizeof buf, l->text, len));
	if (l->flags & PROTO_L_BARE_LF)
		cli_out_str(&t->out, "\\n");
	else if (l->flags & PROTO_L_NO_EOL)
		cli_out_str(&t->out, "\\z");
	cli_out_str(&t->out, "\n");
}

/* How the line ended: what the text format marks with \\n and \\z. */
static const char *eol_name(const struct proto_lint_line *l)
{
	if (l->dir == PROTO_DIR_INFO)
		return "null";
	if (l->flags & PROTO_L_BARE_LF)
		return "\"lf\"";
	return l->flags & PROTO_L_NO_EOL ? "\"none\"" : "\"crlf\"";
}

static void json_line(struct cli_transcript *t, const char *ts, const struct proto_lint_line *l)
{
	unsigned i;

	cli_out_str(&t->out, "{\"t\":\"");
	cli_out_str(&t->out, ts);
	cli_out_str(&t->out, "\",\"n\":");
	cli_out_uint(&t->out, l->n);
	cli_out_str(&t->out, ",\"dir\":\"");
	cli_out_str(&t->out, proto_dir_name(l->dir));
	cli_out_str(&t->out,
	            l->tls ? "\",\"tls\":true,\"role\":\"" : "\",\"tls\":false,\"role\":\"");
	cli_out_str(&t->out, proto_role_name(l->role));
	cli_out_str(&t->out, "\",\"eol\":");
	cli_out_str(&t->out, eol_name(l));
	cli_out_str(&t->out, ",\"text\":");
	cli_out_json(&t->out, l->text, l->len);
	cli_out_str(&t->out, ",\"findings\":[");
	for (i = 0; i < l->nfindings; i++) {
		cli_out_str(&t->out, i > 0 ? ",\"" : "\"");
		cli_out_str(&t->out, proto_finding(l->finding[i])->id);
		cli_out_str(&t->out, "\"");
	}
	cli_out_str(&t->out, "]}\n");
}

void cli_transcript_line(struct cli_transcript *t, const struct proto_lint_line *line)
{
	char ts[40];

	if (t->fd < 0)
		return;
	timestamp(ts, sizeof ts);
	if (t->json)
		json_line(t, ts, line);
	else
		text_line(t, ts, line);
	cli_out_flush(&t->out);
}

void cli_transcript_finding(struct cli_transcript *t, enum proto_finding_id id, unsigned n)
{
	char ts[40];

	if (t->fd < 0 || !t->json)
		return;
	timestamp(ts, sizeof ts);
	cli_out_str(&t->out, "{\"t\":\"");
	cli_out_str(&t->out, ts);
	cli_out_str(&t->out, "\",\"finding\":\"");
	cli_out_str(&t->out, proto_finding(id)->id);
	cli_out_str(&t->out, "\",\"line\":");
	cli_out_uint(&t->out, n);
	cli_out_str(&t->out, "}\n");
	cli_out_flush(&t->out);
}

/* The end mark: a file without it was not closed by its writer. */
static void end_mark(struct cli_transcript *t)
{
	char ts[40];

	timestamp(ts, sizeof ts);
	if (t->json) {
		cli_out_str(&t->out, "{\"t\":\"");
		cli_out_str(&t->out, ts);
		cli_out_str(&t->out, "\",\"end\":true}\n");
	} else {
		cli_out_str(&t->out, "# end ");
		cli_out_str(&t->out, ts);
		cli_out_str(&t->out, "\n");
	}
}

int cli_transcript_close(struct cli_transcript *t)
{
	int rc = 0;

	if (t->fd < 0)
		return 0;
	end_mark(t);
	if (cli_out_flush(&t->out) != 0 || t->out.error)
		rc = -1;
	if (close(t->fd) != 0)
		rc = -1;
	t->fd = -1;
	return rc;
}
