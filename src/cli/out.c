/*
 * out.c: buffered output for the sub-commands, with peer bytes escaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "proto/escape.h"
#include "proto/reply.h"

void cli_out_init(struct cli_out *out, int fd, bool color)
{
	out->fd = fd;
	out->error = false;
	out->errnum = 0;
	out->color = color;
	out->len = 0;
}

static void drain(struct cli_out *out)
{
	size_t done = 0;
	ssize_t n;

	while (done < out->len && !out->error) {
		n = write(out->fd, out->buf + done, out->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			out->error = true;
			out->errnum = n < 0 ? errno : EIO;
		} else {
			done += (size_t)n;
		}
	}
	out->len = 0;
}

void cli_out_write(struct cli_out *out, const char *p, size_t n)
{
	/* In memory (fd -1), what does not fit is cut, and the cut is sticky. */
	if (out->fd < 0 && n > CLI_OUT_MEMORY - out->len) {
		n = CLI_OUT_MEMORY - out->len;
		out->error = true;
	}
	if (n > sizeof out->buf - out->len)
		drain(out);
	if (n > sizeof out->buf) {
		memcpy(out->buf, p, sizeof out->buf);
		out->len = sizeof out->buf;
		cli_out_write(out, p + sizeof out->buf, n - sizeof out->buf);
		return;
	}
	memcpy(out->buf + out->len, p, n);
	out->len += n;
}

char *cli_out_space(struct cli_out *out, size_t n)
{
	if (n > CLI_OUT_MEMORY)
		abort();
	if (out->fd < 0)
		return n <= CLI_OUT_MEMORY - out->len ? out->buf + out->len : NULL;
	if (n > sizeof out->buf - out->len)
		drain(out);
	return out->buf + out->len;
}

void cli_out_str(struct cli_out *out, const char *s)
{
	cli_out_write(out, s, strlen(s));
}

void cli_out_uint(struct cli_out *out, unsigned long value)
{
	cli_out_uint_right(out, value, 0);
}

/* Counts the digits first, then writes them from the last, by pairs from a table. */
size_t cli_uint_digits(char *dst, unsigned long value)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
	                            "25262728293031323334353637383940414243444546474849"
	                            "50515253545556575859606162636465666768697071727374"
	                            "75767778798081828384858687888990919293949596979899";
	unsigned long long power = 10; /* 10^n, past every unsigned long when n is 20 */
	size_t n = 1, i;

	while (n < 20 && value >= power) {
		power *= 10;
		n++;
	}
	/* Four digits a step: the two pairs of a step do not wait for each other. */
	for (i = n; value >= 10000; value /= 10000) {
		unsigned four = (unsigned)(value % 10000);

		i -= 4;
		memcpy(dst + i, pairs + 2 * (four / 100), 2);
		memcpy(dst + i + 2, pairs + 2 * (four % 100), 2);
	}
	if (value >= 100) {
		i -= 2;
		memcpy(dst + i, pairs + 2 * (value % 100), 2);
		value /= 100;
	}
	if (value >= 10)
		memcpy(dst + i - 2, pairs + 2 * value, 2);
	else
		dst[i - 1] = (char)('0' + value);
	return n;
}

void cli_out_uint_right(struct cli_out *out, unsigned long value, size_t width)
{
	char digits[CLI_UINT_DIGITS];
	size_t n = cli_uint_digits(digits, value);

	if (n < width)
		cli_out_pad(out, width - n);
	cli_out_write(out, digits, n);
}

void cli_out_pad(struct cli_out *out, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;

		cli_out_write(out, spaces, k);
		n -= k;
	}
}

void cli_out_sgr(struct cli_out *out, const char *sgr)
{
	if (!out->color)
		return;
	cli_out_str(out, "\033[");
	cli_out_str(out, sgr != NULL ? sgr : "0");
	cli_out_str(out, "m");
}

void cli_out_term(struct cli_out *out, const char *p, size_t n)
{
	char buf[PROTO_ESCAPE_MAX(PROTO_LINE_KEEP)];

	if (n > PROTO_LINE_KEEP)
		n = PROTO_LINE_KEEP;
	cli_out_write(out, buf, proto_escape_term(buf, sizeof buf, p, n));
}

void cli_out_wrap(struct cli_out *out, const char *text, size_t indent, size_t width, size_t col)
{
	bool fresh = true; /* no word on this output line yet */
	size_t word;

	while (*text != '\0') {
		text += strspn(text, " ");
		word = strcspn(text, " ");
		if (word == 0)
			break;
		if (!fresh && col + 1 + word > width) {
			cli_out_write(out, "\n", 1);
			col = 0;
			fresh = true;
		}
		if (col < indent) {
			cli_out_pad(out, indent - col);
			col = indent;
		}
		if (!fresh) {
			cli_out_write(out, " ", 1);
			col++;
		}
		cli_out_write(out, text, word);
		col += word;
		text += word;
		fresh = false;
	}
	cli_out_write(out, "\n", 1);
}

int cli_out_flush(struct cli_out *out)
{
	if (out->fd >= 0)
		drain(out);
	return out->error ? -1 : 0;
}

int cli_stdout_failed(const char *prefix, int error)
{
	if (error == EPIPE)
		return CLI_EXIT_PIPE;
	fprintf(stderr, "%s: cannot write to standard output: %s\n", prefix,
	        strerror(error != 0 ? error : EIO));
	return CLI_EXIT_IOERR;
}

int cli_stdout_flush(const char *prefix)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return cli_stdout_failed(prefix, errno);
}

int cli_color_parse(const char *when, int fd, bool *color)
{
	const char *term = getenv("TERM");

	if (strcmp(when, "always") == 0) {
		*color = true;
	} else if (strcmp(when, "never") == 0) {
		*color = false;
	} else if (strcmp(when, "auto") == 0) {
		*color =
		    isatty(fd) && !cli_no_color() && (term == NULL || strcmp(term, "dumb") != 0);
	} else {
		return -1;
	}
	return 0;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}
