/*
 * replay.c: runs a libFuzzer target without libFuzzer. Each argument is an
 * input file, or a folder whose files are inputs; each is handed once to
 * LLVMFuzzerTestOneInput. ctest runs every target this way over its seed
 * corpus and the crashes kept in fuzz/crashes/, so each crash once found is
 * a regression test built by the normal compiler, with or without the
 * sanitizers.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_INPUT_MAX (1024 * 1024) /* bytes of one input; longer ones are cut */

static unsigned long ran;

/* Reads one input and runs it; -1 when it cannot be read. */
static int run_file(const char *path)
{
	static uint8_t buf[REPLAY_INPUT_MAX];
	FILE *f = fopen(path, "rb");
	size_t len;

	if (f == NULL) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	/* A copy of the exact size, so ASan sees a read past the end. */
	uint8_t *copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, buf, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	ran++;
	return 0;
}

/* Runs every regular file of a folder. */
static int run_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[4096];
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s", path, e->d_name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && run_file(file) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if ((S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i])) != 0) {
			rc = 1;
		}
	}
	printf("replay: %lu inputs ran\n", ran);
	return rc;
}
