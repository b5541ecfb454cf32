/*
 * fuzz_ehlo.c: a libFuzzer target for the EHLO reply analyser.
 *
 * The first byte of the input is a mode: bit 0 says the reply came inside
 * TLS, bit 1 makes the target flag a line without a valid reply code as the
 * reader would (PROTO_L_BAD_CODE), so both the short path and the grammar
 * see every line. The rest is cut at LF into the lines of one reply. Every
 * finding must be in the catalogue and name the line being read, and every
 * span the analyser hands back must lie inside its line. Each line also goes
 * through proto_is_domain and proto_is_ehlo_keyword, which must not read
 * outside it, and the head of a greeting or an ehlo-line must pass them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/ehlo.h"
#include "proto/findings.h"
#include "proto/reply.h"

/* The line index findings must carry. */
static unsigned expected_index;

static void emit(void *ctx, enum proto_finding_id id, unsigned line)
{
	(void)ctx;
	CHECK((unsigned)id < PROTO_F_COUNT);
	CHECK(line == expected_index);
}

static void check_span(struct proto_span span, size_t len)
{
	CHECK(span.off <= len && span.len <= len - span.off);
}

/* The flags the reader gives a line for its code alone. */
static unsigned code_flags(const char *p, size_t len)
{
	if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' || p[2] < '0' ||
	    p[2] > '9')
		return PROTO_L_BAD_CODE;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_ehlo *ehlo;
	struct proto_ehlo_line out;
	const char *p, *end, *lf;
	char *line;
	size_t len;
	unsigned i;

	if (size < 1)
		return 0;
	ehlo = malloc(sizeof *ehlo);
	if (ehlo == NULL)
		return 0;
	proto_ehlo_begin(ehlo, data[0] & 1);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((lf != NULL ? lf : end) - p);
		/* An exact copy, so a read past the line is a read past the heap block. */
		line = malloc(len > 0 ? len : 1);
		if (line == NULL)
			break;
		if (len > 0)
			memcpy(line, p, len);
		memset(&out, 0, sizeof out);
		expected_index = ehlo->nlines;
		proto_ehlo_line(ehlo, line, len, data[0] & 2 ? code_flags(line, len) : 0, &out,
		                emit, NULL);
		CHECK(ehlo->nlines == expected_index + 1);
		CHECK((unsigned)out.role < PROTO_ROLE_COUNT);
		CHECK(out.production != NULL && out.production_1869 != NULL);
		check_span(out.code, len);
		check_span(out.head, len);
		check_span(out.rest, len);
		for (i = 0; i < out.nparams && i < PROTO_EHLO_PARAMS; i++)
			check_span(out.param[i], len);
		CHECK(ehlo->nkeywords <= PROTO_EHLO_KEYWORDS);
		if (out.role == PROTO_ROLE_GREETING)
			CHECK(proto_is_domain(line + out.head.off, out.head.len));
		if (out.role == PROTO_ROLE_EHLO_LINE)
			CHECK(proto_is_ehlo_keyword(line + out.head.off, out.head.len));
		(void)proto_is_domain(line, len);
		(void)proto_is_ehlo_keyword(line, len);
		free(line);
		p = lf != NULL ? lf + 1 : end;
	}
	expected_index = 0;
	proto_ehlo_end(ehlo, 0, emit, NULL);
	free(ehlo);
	return 0;
}
