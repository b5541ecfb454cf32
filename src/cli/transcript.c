/*
 * transcript.c: the transcript files of "check" and the inspector:
 * smtpscope's text format (docs/transcript-format.md) and JSON Lines. Each
 * line goes out in one write(2) as it happens, so a session cut short (even
 * by kill -9) leaves a file readable up to its last line; a file closed by
 * its writer ends with an end mark. A name that is not a regular file is
 * never removed: a FIFO or a terminal is written through, a device refused.
 */
#define _GNU_SOURCE /* O_PATH: a name is looked at without opening what it is */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "proto/ehlo.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"

/* "2026-11-22T07:10:00.123Z", at at_ms (ms since the epoch, UTC), or now when it is 0 or less. */
static void timestamp_at(char *buf, size_t len, long long at_ms)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	if (at_ms <= 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		at_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	ts.tv_sec = (time_t)(at_ms / 1000);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%03dZ", base, (int)(at_ms % 1000));
}

static void timestamp(char *buf, size_t len)
{
	timestamp_at(buf, len, 0);
}

/*
 * Creates a missing name with O_EXCL and O_NOFOLLOW, so that nothing planted in
 * the meantime (a file, a link) is written through. Mode 0600: a transcript
 * holds what the server said and, later, what the user typed.
 */
static int create(struct cli_transcript *t, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	t->created = fd >= 0;
	return fd;
}

/* A regular file, or a link that leads to no stream: kept, or with force replaced. */
static int replace(struct cli_transcript *t, const char *path, bool force)
{
	if (!force) {
		errno = EEXIST;
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return -1;
	return create(t, path);
}

/* Whether st is the character device that name is (/dev/null, /dev/tty). */
static bool same_device(const struct stat *st, const char *name)
{
	struct stat other;

	return S_ISCHR(st->st_mode) && stat(name, &other) == 0 && S_ISCHR(other.st_mode) &&
	       other.st_rdev == st->st_rdev;
}

/*
 * Whether a character device is a terminal, told without opening it (opening
 * some devices does something: a watchdog starts counting): /dev/tty, a
 * pseudo-terminal (on devpts), or the terminal of standard input, output or
 * error.
 */
static bool terminal(int here, const struct stat *st)
{
	struct statfs fs;
	struct stat std;
	int fd;

	if (same_device(st, "/dev/tty"))
		return true;
	if (fstatfs(here, &fs) == 0 && fs.f_type == DEVPTS_SUPER_MAGIC)
		return true;
	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (isatty(fd) && fstat(fd, &std) == 0 && S_ISCHR(std.st_mode) &&
		    std.st_rdev == st->st_rdev)
			return true;
	return false;
}

enum stream { NOT_STREAM, STREAM_FIFO, STREAM_TERMINAL, STREAM_NULL };

/* What a transcript may be written through: a FIFO, a terminal, /dev/null. */
static enum stream stream_kind(int here, const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return STREAM_FIFO;
	if (!S_ISCHR(st->st_mode))
		return NOT_STREAM;
	if (same_device(st, "/dev/null"))
		return STREAM_NULL;
	return terminal(here, st) ? STREAM_TERMINAL : NOT_STREAM;
}

#define NOT_A_FILE                                                                                 \
	", not a file: smtpscope writes transcripts to regular files, FIFOs and terminals"

/* The end of the sentence that refuses st. */
static const char *refused_kind(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return "is a directory" NOT_A_FILE;
	if (S_ISSOCK(st->st_mode))
		return "is a socket" NOT_A_FILE;
	return "is a device" NOT_A_FILE;
}

/*
 * Opens what here (an O_PATH descriptor) names for writing, through /proc, so
 * that the name cannot be swapped in between (without /proc: by name, then
 * compared). Non-blocking first: a FIFO without a reader fails with ENXIO
 * instead of waiting for one.
 */
static int reopen(int here, const char *path, const struct stat *st)
{
	const int how = O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	char self[64];
	struct stat now;
	int fd, flags;

	snprintf(self, sizeof self, "/proc/self/fd/%d", here);
	fd = open(self, how);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, how);
		if (fd >= 0 && (fstat(fd, &now) != 0 || now.st_ino != st->st_ino ||
		                now.st_dev != st->st_dev)) {
			close(fd);
			errno = EAGAIN;
			return -1;
		}
	}
	if (fd < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A FIFO, a terminal or /dev/null: written through, never removed. */
static int write_through(struct cli_transcript *t, int here, const char *path,
                         const struct stat *st)
{
	enum stream kind = stream_kind(here, st);
	int fd = reopen(here, path, st);

	if (fd < 0 && errno == ENXIO && kind == STREAM_FIFO)
		t->reason = "no process reads the FIFO";
	if (fd >= 0 && kind == STREAM_TERMINAL && !isatty(fd)) {
		close(fd);
		t->refused = refused_kind(st);
		errno = EEXIST;
		return -1;
	}
	return fd;
}

/* Whether path's folder is /dev or /proc, or below them (/dev/stdout, /dev/fd/1). */
static bool system_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], real[PATH_MAX];
	int n = slash != NULL ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1), path)
	                      : snprintf(dir, sizeof dir, ".");

	if (n < 0 || (size_t)n >= sizeof dir || realpath(dir, real) == NULL)
		return true; /* cannot tell: taken as such, so nothing is removed */
	return strcmp(real, "/dev") == 0 || strncmp(real, "/dev/", 5) == 0 ||
	       strcmp(real, "/proc") == 0 || strncmp(real, "/proc/", 6) == 0;
}

/*
 * A symbolic link: written through when it leads to a stream, else kept or
 * replaced as a file; but a link under /dev or /proc (/dev/stdout led to a
 * file) is never removed.
 */
static int through_link(struct cli_transcript *t, const char *path, bool force)
{
	int there = open(path, O_PATH | O_CLOEXEC), fd = -1, saved;
	struct stat st;

	if (there >= 0 && fstat(there, &st) == 0 && stream_kind(there, &st) != NOT_STREAM) {
		fd = write_through(t, there, path, &st);
		saved = errno;
		close(there);
		errno = saved;
		return fd;
	}
	if (there >= 0)
		close(there);
	if (!system_folder(path))
		return replace(t, path, force);
	t->refused = "leads to neither a FIFO nor a terminal, and a link under /dev or /proc is "
	             "never removed: give the name of a new file";
	errno = EEXIST;
	return -1;
}

/* Looks at the name without opening it (O_PATH), then follows the rules above. */
static int open_path(struct cli_transcript *t, const char *path, bool force)
{
	int here = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), fd = -1, saved;
	struct stat st;

	if (here < 0)
		return errno == ENOENT ? create(t, path) : -1;
	if (fstat(here, &st) != 0) {
		fd = -1;
	} else if (S_ISLNK(st.st_mode)) {
		fd = through_link(t, path, force);
	} else if (S_ISREG(st.st_mode)) {
		fd = replace(t, path, force);
	} else if (stream_kind(here, &st) != NOT_STREAM) {
		fd = write_through(t, here, path, &st);
	} else {
		t->refused = refused_kind(&st);
		errno = EEXIST;
	}
	saved = errno;
	close(here);
	errno = saved;
	return fd;
}

int cli_transcript_open(struct cli_transcript *t, const char *path, bool json, bool force,
                        const char *target)
{
	t->json = json;
	t->created = false;
	t->refused = t->reason = NULL;
	t->fd = open_path(t, path, force);
	if (t->fd < 0)
		return -1;
	cli_out_init(&t->out, t->fd, false);
	cli_json_init(&t->jw, &t->out);
	if (!json) {
		cli_out_str(&t->out, PROTO_TRANSCRIPT_MAGIC "\n# target ");
		cli_out_term(&t->out, target, strlen(target));
		cli_out_str(&t->out, "\n");
		cli_out_flush(&t->out);
	}
	return 0;
}

void cli_transcript_why(char *buf, size_t len, const struct cli_transcript *t, const char *path,
                        int error)
{
	if (t->refused != NULL) {
		snprintf(buf, len, "%s %s", path, t->refused);
		return;
	}
	snprintf(buf, len, "cannot write the transcript %s: %s%s", path,
	         t->reason != NULL ? t->reason : strerror(error),
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

/* How the line ended, what the text format marks with \\n and \\z: "lf", "none", "crlf". */
static const char *eol_name(const struct proto_lint_line *l)
{
	if (l->flags & PROTO_L_BARE_LF)
		return "lf";
	return l->flags & PROTO_L_NO_EOL ? "none" : "crlf";
}

/* Opens an object of the JSON Lines form with its time stamp (PROTO_JSONL_MAGIC). */
static void json_open(struct cli_transcript *t, const char *ts)
{
	cli_json_object(&t->jw);
	cli_json_key_str(&t->jw, "t", ts);
}

/* Closes the object and its line. */
static void json_close(struct cli_transcript *t)
{
	cli_json_end(&t->jw);
	cli_json_done(&t->jw);
}

static void json_line(struct cli_transcript *t, const char *ts, const struct proto_lint_line *l)
{
	struct cli_json *j = &t->jw;
	unsigned i;

	json_open(t, ts);
	cli_json_key_uint(j, "n", l->n);
	cli_json_key_str(j, "dir", proto_dir_name(l->dir));
	cli_json_key_bool(j, "tls", l->tls);
	cli_json_key_str(j, "role", proto_role_name(l->role));
	/* An info line is a note of ours, not bytes of the wire: it has no ending. */
	if (l->dir == PROTO_DIR_INFO)
		cli_json_key_null(j, "eol");
	else
		cli_json_key_str(j, "eol", eol_name(l));
	cli_json_key_bytes(j, "text", l->text, l->len);
	cli_json_key(j, "findings");
	cli_json_array(j);
	for (i = 0; i < l->nfindings; i++)
		cli_json_str(j, proto_finding(l->finding[i])->id);
	cli_json_end(j);
	json_close(t);
}

void cli_transcript_line(struct cli_transcript *t, const struct proto_lint_line *line)
{
	cli_transcript_line_at(t, line, 0);
}

void cli_transcript_line_at(struct cli_transcript *t, const struct proto_lint_line *line,
                            long long at_ms)
{
	char ts[40];

	if (t->fd < 0)
		return;
	timestamp_at(ts, sizeof ts, at_ms);
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
	json_open(t, ts);
	cli_json_key_str(&t->jw, "finding", proto_finding(id)->id);
	cli_json_key_uint(&t->jw, "line", n);
	json_close(t);
	cli_out_flush(&t->out);
}

/* The end mark: a file without it was not closed by its writer. */
static void end_mark(struct cli_transcript *t)
{
	char ts[40];

	timestamp(ts, sizeof ts);
	if (t->json) {
		json_open(t, ts);
		cli_json_key_bool(&t->jw, "end", true);
		json_close(t);
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
