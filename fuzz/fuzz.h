/*
 * fuzz.h: what the libFuzzer targets share: the entry point, a check that
 * stops the run, and a chunk size read from one input byte.
 */
#ifndef SMTPSCOPE_FUZZ_H
#define SMTPSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

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

#endif
