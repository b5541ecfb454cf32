/*
 * fuzz_source.c: a libFuzzer target for the conversation source and linter.
 *
 * The first byte of the input is a mode: bits 0-2 choose the format (auto,
 * raw, swaks, transcript or jsonl, modulo 5); when bit 3 is set, one blank
 * line of 64 KiB less (bits 4-6) * 64 bytes is fed first, so the detection
 * buffer fills early and the rest of the input goes through the in-place
 * cutting of later chunks; bit 7 shows the secrets of an AUTH exchange. The next two bytes give the
 * sizes of the chunks the rest is fed in, used in turn. The callbacks check each line and finding
 * against proto.h. At the end, the first EHLO reply, when there is one, goes through every client
 * profile, whose answer must be -1 or a kept line, and the input number of every kept line is
 * looked up.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "proto/clients.h"
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reply.h"
#include "proto/source.h"

/* Every byte handed back is read into this, so ASan sees each read. */
static volatile unsigned sink;

struct seen {
	unsigned last_n; /* number of the last line reported */
};

static void check_span(struct proto_span span, size_t len)
{
	CHECK(span.off <= len && span.len <= len - span.off);
}

static void on_line(void *ctx, const struct proto_lint_line *line)
{
	struct seen *seen = ctx;
	size_t i;

	CHECK(line->n >= 1 && line->n >= seen->last_n);
	seen->last_n = line->n;
	fuzz_check_line(line, &sink);
	if (line->ehlo != NULL) {
		CHECK(line->dir == PROTO_DIR_SERVER);
		check_span(line->ehlo->head, line->len);
		check_span(line->ehlo->rest, line->len);
		for (i = 0; i < line->ehlo->nparams && i < PROTO_EHLO_PARAMS; i++)
			check_span(line->ehlo->param[i], line->len);
	}
}

static void on_finding(void *ctx, enum proto_finding_id id, unsigned n)
{
	(void)ctx;
	CHECK((unsigned)id < PROTO_F_COUNT);
	CHECK(n >= 1);
}

static const struct proto_lint_ops ops = {on_line, on_finding};

/* Runs the first EHLO reply through every client profile. */
static void check_first_ehlo(const struct proto_lint *lint, const struct seen *seen)
{
	const struct proto_reply *reply;
	unsigned first_n, i, n, prev = 0;
	size_t c;
	int at;

	reply = proto_lint_first_ehlo(lint, &first_n);
	if (reply == NULL)
		return;
	CHECK(reply->nkept >= 1 && reply->nkept <= reply->nlines);
	CHECK(reply->nkept <= PROTO_REPLY_KEEP);
	for (c = 0; c < proto_client_count(); c++) {
		at = proto_client_starttls_line(proto_client_at(c), reply);
		CHECK(at == -1 || (at >= 0 && (unsigned)at < reply->nkept));
	}
	CHECK(first_n == proto_lint_first_ehlo_n(lint, 0));
	for (i = 0; i < reply->nkept; i++) {
		n = proto_lint_first_ehlo_n(lint, i);
		CHECK(n > prev && n <= seen->last_n);
		prev = n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum proto_format formats[] = {PROTO_FORMAT_AUTO, PROTO_FORMAT_RAW,
	                                            PROTO_FORMAT_SWAKS, PROTO_FORMAT_TRANSCRIPT,
	                                            PROTO_FORMAT_JSONL};
	static char blank[PROTO_DETECT_BYTES];
	struct proto_source *src;
	struct seen seen = {0};
	size_t pos = 3, n, turn = 0, pad;

	if (size < 3)
		return 0;
	src = proto_source_new(formats[(data[0] & 7) % 5], &ops, &seen);
	if (src == NULL)
		return 0;
	proto_source_show_secrets(src, (data[0] & 0x80) != 0);
	if (data[0] & 8) {
		if (blank[0] != ' ')
			memset(blank, ' ', sizeof blank);
		pad = sizeof blank - (size_t)(data[0] >> 4 & 7) * 64;
		CHECK(proto_source_feed(src, blank, pad - 1) == 0);
		CHECK(proto_source_feed(src, "\n", 1) == 0);
	}
	while (pos < size) {
		n = fuzz_chunk_size(data[1 + turn++ % 2]);
		n = n < size - pos ? n : size - pos;
		CHECK(proto_source_feed(src, data + pos, n) == 0);
		pos += n;
	}
	CHECK(proto_source_end(src) == 0);
	CHECK(proto_source_format(src) != PROTO_FORMAT_AUTO);
	check_first_ehlo(proto_source_lint(src), &seen);
	proto_source_free(src);
	return 0;
}
