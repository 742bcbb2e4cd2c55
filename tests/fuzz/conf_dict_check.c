/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeps conf.dict honest: "fuzz_conf_dict_check conf.dict" fails, naming
 * the key, when a key of app/conf.c's table (or one of its sections or
 * leaf names) has no entry in the dictionary. A key added to the table
 * then reaches fuzz_conf's dictionary in the same change, instead of the
 * fuzzer having to guess its name byte by byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* Whether @p dict holds the token "@p s" (quoted, maybe with a ':'). */
static int
dict_has(const char *dict, const char *s, size_t len)
{
	const char *p;

	for (p = strchr(dict, '"'); p != NULL; p = strchr(p + 1, '"'))
		if (strncmp(p + 1, s, len) == 0 && (p[len + 1] == '"' || p[len + 1] == ':'))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	const struct weir_conf_key *keys;
	char dict[1 << 16];
	unsigned int n, i;
	size_t len;
	int missing = 0;
	FILE *f;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: %s conf.dict\n", argv[0]);
		return 2;
	}
	len = fread(dict, 1, sizeof(dict) - 1, f);
	dict[len] = '\0';
	fclose(f);

	keys = weir_conf_keys(&n);
	for (i = 0; i < n; i++) {
		const char *name = keys[i].name, *dot = name, *start = name;

		if (!dict_has(dict, name, strlen(name))) {
			fprintf(stderr, "%s: no entry for key %s\n", argv[1], name);
			missing++;
		}
		/* Each section and the leaf, as a block mapping writes them. */
		do {
			dot = strchr(start, '.');
			len = dot != NULL ? (size_t)(dot - start) : strlen(start);
			if (!dict_has(dict, start, len)) {
				fprintf(stderr, "%s: no entry for '%.*s' (of %s)\n", argv[1],
					(int)len, start, name);
				missing++;
			}
			start = dot + 1;
		} while (dot != NULL);
	}
	if (missing == 0)
		printf("%s: all %u keys present\n", argv[1], n);
	return missing ? 1 : 0;
}
