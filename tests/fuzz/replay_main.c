/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main() that turns a fuzz target into a plain test program, built
 * with any compiler and no libFuzzer: "fuzz_x_replay PATH..." runs
 * LLVMFuzzerTestOneInput() once over every file given and every regular
 * file in every directory given (not recursing, in name order so a failure
 * reproduces). The regression suite replays tests/fuzz/regress/<target>/
 * this way, so every input that once crashed a target is re-checked by
 * each normal test run, under ASan/UBSan in the sanitizer build.
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer
 * does, so an overread is still caught by ASan. Zero inputs is a failure:
 * a replay test over an empty or mistyped directory must not pass.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Read all of @p path into an exactly sized buffer (size 0: NULL). */
static int
replay_read(const char *path, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;
	FILE *f;
	int rc = 0;

	f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &st) != 0) {
		rc = -errno;
		goto out_close;
	}
	if (st.st_size > 0) {
		buf = malloc((size_t)st.st_size);
		if (buf == NULL) {
			rc = -ENOMEM;
			goto out_close;
		}
		got = fread(buf, 1, (size_t)st.st_size, f);
		if (got != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
			rc = -EIO;
			goto out_close;
		}
	}
	*out = buf;
	*outlen = got;
out_close:
	fclose(f);
	return rc;
}

static int
replay_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = replay_read(path, &buf, &len);
	if (rc < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	/* Printed first, so the input that crashes is the last one named. */
	printf("replay: %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
replay_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
replay_skip(const struct dirent *d)
{
	/* Dot files (.gitkeep, editor swap files) are not inputs. */
	return d->d_name[0] != '.';
}

/* Replay every regular file in @p dir; @return files replayed or -errno. */
static int
replay_dir(const char *dir)
{
	struct dirent **ents;
	char path[PATH_MAX];
	struct stat st;
	int n, i, count = 0, rc = 0;

	n = scandir(dir, &ents, replay_skip, replay_cmp);
	if (n < 0) {
		rc = -errno;
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return rc;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = replay_file(path);
			count++;
		}
		free(ents[i]);
	}
	free(ents);
	return rc < 0 ? rc : count;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i, n, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode))
			n = replay_dir(argv[i]);
		else
			n = replay_file(argv[i]) < 0 ? -1 : 1;
		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no inputs found: a regression test needs at least one\n");
		return 1;
	}
	printf("replay: %d inputs, no invariant broken\n", total);
	return 0;
}
