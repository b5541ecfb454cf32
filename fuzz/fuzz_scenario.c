/*
 * fuzz_scenario.c: a libFuzzer target for the lab's scenario parser.
 *
 * The input is a scenario file. A file that parses must keep the promises
 * of lab_int.h: every section's actions lie inside the action table, every
 * action's bytes inside the pool, and every count and delay inside its
 * limit. A file that does not parse must come back with a message. Either
 * way a broken promise stops the run with __builtin_trap().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "lab_int.h"

/* Every byte handed back is read into this, so ASan sees each read. */
static volatile unsigned sink;

static void check_action(const struct lab_scenario *s, const struct lab_action *a)
{
	size_t i;

	switch (a->kind) {
	case LAB_A_BYTES:
		CHECK(a->count >= 1 && a->count <= LAB_REPEAT_MAX);
		CHECK(a->off <= s->pool_len && a->len <= s->pool_len - a->off);
		for (i = 0; i < a->len; i++)
			sink += (unsigned char)s->pool[a->off + i];
		break;
	case LAB_A_DELAY:
		CHECK(a->ms <= LAB_DELAY_MAX);
		break;
	case LAB_A_DRIBBLE:
		CHECK(a->ms <= LAB_DRIBBLE_MAX);
		break;
	default:
		break;
	}
}

static void check_scenario(const struct lab_scenario *s)
{
	size_t t, v, st, i;

	CHECK(memchr(s->summary, '\0', sizeof s->summary) != NULL);
	CHECK(s->summary[0] != '\0');
	CHECK(memchr(s->name, '\0', sizeof s->name) != NULL);
	for (t = 0; t < LAB_T_COUNT; t++)
		for (v = 0; v < LAB_V_COUNT; v++)
			for (st = 0; st < LAB_S_COUNT; st++) {
				const struct lab_section *sec = &s->sec[t][v][st];

				if (!sec->set)
					continue;
				CHECK(sec->first <= s->nact && sec->n <= s->nact - sec->first);
				for (i = 0; i < sec->n; i++)
					check_action(s, &s->act[sec->first + i]);
			}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_scenario *s;
	char err[512];

	err[0] = '\0';
	s = lab_scenario_parse("fuzz.scn", (const char *)data, size, err, sizeof err);
	if (s == NULL) {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
		return 0;
	}
	check_scenario(s);
	lab_scenario_free(s);
	return 0;
}
