/*
 * fuzz.h: what the libFuzzer targets share: the entry point, a check that
 * stops the run, a chunk size read from one input byte, and the promises
 * every line a linter reports must keep.
 */
#ifndef SMTPSCOPE_FUZZ_H
#define SMTPSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/lint.h"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A chunk size from one byte: 1 to 128 bytes, or 64 to 8192 in steps of 64. */
static inline size_t fuzz_chunk_size(uint8_t b)
{
	return b < 0x80 ? (size_t)b + 1 : (size_t)(b - 0x7f) * 64;
}

/*
 * A line reported by a linter keeps proto.h's promises; each of its bytes is
 * read into sink, so that ASan sees every read.
 */
static inline void fuzz_check_line(const struct proto_lint_line *line, volatile unsigned *sink)
{
	size_t i;

	CHECK((unsigned)line->dir <= PROTO_DIR_INFO);
	CHECK((unsigned)line->role < PROTO_ROLE_COUNT);
	CHECK(line->nfindings <= PROTO_LINE_FINDINGS);
	for (i = 0; i < line->nfindings; i++)
		CHECK((unsigned)line->finding[i] < PROTO_F_COUNT);
	for (i = 0; i < line->len; i++)
		*sink += (unsigned char)line->text[i];
}

#endif
