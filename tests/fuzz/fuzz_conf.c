/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the configuration loader (app/conf.c): libyaml's parser
 * and weir's key table walk over a file an operator wrote, or one that a
 * config-management tool templated badly. One input is one YAML file.
 *
 * weir_conf_load_file() takes a path, so the input is written to a memfd
 * once per run and opened as /proc/self/fd/N. It is loaded over a
 * configuration that is not the defaults (a list and numbers already
 * set), so that "all or nothing" is tested against values a partial load
 * would visibly spoil:
 * - on -EINVAL the configuration equals its copy taken before the load,
 *   at least one diagnostic was given, and each names a line the input
 *   has (0 only for file-level problems);
 * - on success there is no diagnostic, every key holds a value its table
 *   row allows, and --dump-config's YAML (weir_conf_dump) loads back over
 *   the defaults to an equal configuration, which dumps to the same bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

#define FUZZ_CONF_DIAGS 64

/* The input, and the dump of an accepted input, as files. */
struct fuzz_file {
	int fd;
	char path[64];
};

static struct fuzz_file g_in = {.fd = -1};
static struct fuzz_file g_dump = {.fd = -1};

/* Replace the contents of @p ff with @p data, creating the memfd once. */
static void
fuzz_file_write(struct fuzz_file *ff, const char *name, const void *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (ff->fd < 0) {
		ff->fd = memfd_create(name, MFD_CLOEXEC);
		FUZZ_CHECK(ff->fd >= 0, "memfd_create: %s", strerror(errno));
		snprintf(ff->path, sizeof(ff->path), "/proc/self/fd/%d", ff->fd);
	}
	FUZZ_CHECK(ftruncate(ff->fd, 0) == 0, "ftruncate: %s", strerror(errno));
	while (off < size) {
		n = pwrite(ff->fd, (const char *)data + off, size - off, (off_t)off);
		FUZZ_CHECK(n > 0, "pwrite: %s", strerror(errno));
		off += (size_t)n;
	}
}

/* The configuration every input is loaded over: defaults plus a few
 * values a file would have to keep or replace whole. */
static void
fuzz_conf_start(struct weir_conf *c)
{
	FUZZ_CHECK(weir_conf_defaults(c) == 0, "out of memory");
	FUZZ_CHECK(weir_conf_set(c, "workers", "3", "fuzz", NULL) == 0 &&
			   weir_conf_set(c, "rules.files", "a.sigs", "fuzz", NULL) == 0 &&
			   weir_conf_set(c, "rules.files", "b.sigs", "fuzz", NULL) == 0 &&
			   weir_conf_set(c, "capture.driver", "pcap", "fuzz", NULL) == 0,
		   "cannot set the starting configuration");
}

/*
 * An upper bound on the line numbers libyaml can report for @p data: it
 * breaks lines at LF, CR, CR LF, NEL (C2 85), LS and PS (E2 80 A8/A9), and
 * an error at the end of input is reported one line further still, as
 * libyaml's stream end forces a line break after a last line that has
 * none ("a\n'x'" can fail on line 3 of 2).
 */
static unsigned int
fuzz_max_line(const uint8_t *data, size_t size)
{
	unsigned int n = 2;
	size_t i;

	for (i = 0; i < size; i++)
		if (data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xa8 ||
		    data[i] == 0xa9)
			n++;
	return n;
}

/* Every key of @p c holds a value its row of the key table allows. */
static void
fuzz_check_valid(const struct weir_conf *c)
{
	const struct weir_conf_key *keys;
	unsigned int n, i, j;

	keys = weir_conf_keys(&n);
	for (i = 0; i < n; i++) {
		const void *field = (const char *)c + keys[i].offset;
		const char *s;

		switch (keys[i].type) {
		case WEIR_CT_BOOL:
			break;
		case WEIR_CT_U32: {
			uint32_t v = *(const uint32_t *)field;

			FUZZ_CHECK(v >= keys[i].min && v <= keys[i].max,
				   "%s = %u outside [%llu, %llu]", keys[i].name, v,
				   (unsigned long long)keys[i].min,
				   (unsigned long long)keys[i].max);
			break;
		}
		case WEIR_CT_STR:
			FUZZ_CHECK(*(char *const *)field != NULL, "%s is NULL", keys[i].name);
			break;
		case WEIR_CT_ENUM:
			s = *(char *const *)field;
			FUZZ_CHECK(s != NULL, "%s is NULL", keys[i].name);
			for (j = 0; keys[i].enum_vals[j] != NULL; j++)
				if (strcmp(keys[i].enum_vals[j], s) == 0)
					break;
			FUZZ_CHECK(keys[i].enum_vals[j] != NULL, "%s = '%s' not allowed",
				   keys[i].name, s);
			break;
		case WEIR_CT_STRLIST: {
			const struct weir_strlist *l = field;

			FUZZ_CHECK(l->n <= WEIR_CONF_LIST_MAX, "%s has %u items", keys[i].name,
				   l->n);
			for (j = 0; j < l->n; j++)
				FUZZ_CHECK(l->v[j] != NULL, "%s item %u is NULL", keys[i].name, j);
			break;
		}
		}
	}
}

/* @p c as --dump-config writes it, in a malloc'ed buffer. */
static char *
fuzz_dump(const struct weir_conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, len);
	FUZZ_CHECK(f != NULL, "open_memstream: %s", strerror(errno));
	FUZZ_CHECK(weir_conf_dump(c, f) == 0, "weir_conf_dump failed");
	FUZZ_CHECK(fclose(f) == 0, "fclose: %s", strerror(errno));
	return buf;
}

/* An accepted configuration survives --dump-config and a reload. */
static void
fuzz_round_trip(const struct weir_conf *c)
{
	struct weir_conf back;
	struct weir_diags ds;
	char *dump, *dump2;
	size_t len, len2;
	int rc;

	dump = fuzz_dump(c, &len);
	fuzz_file_write(&g_dump, "fuzz_conf_dump", dump, len);
	FUZZ_CHECK(weir_conf_defaults(&back) == 0, "out of memory");
	FUZZ_CHECK(weir_diags_init(&ds, FUZZ_CONF_DIAGS) == 0, "out of memory");
	rc = weir_conf_load_file(&back, g_dump.path, &ds);
	if (rc != 0 && ds.n > 0) {
		char msg[600];

		weir_diag_format(&ds.v[0], msg, sizeof(msg));
		fprintf(stderr, "dump does not load: %s\n--- dump:\n%.*s---\n", msg, (int)len,
			dump);
	}
	FUZZ_CHECK(rc == 0, "reloading the dump failed: %d", rc);
	FUZZ_CHECK(weir_conf_equal(c, &back), "the dump reloads to a different configuration");
	dump2 = fuzz_dump(&back, &len2);
	FUZZ_CHECK(len2 == len && memcmp(dump, dump2, len) == 0,
		   "dumping the reloaded configuration gives other bytes");
	free(dump2);
	free(dump);
	weir_diags_free(&ds);
	weir_conf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_conf c, before;
	struct weir_diags ds;
	unsigned int max_line, i;
	int rc;

	fuzz_file_write(&g_in, "fuzz_conf", data, size);
	fuzz_conf_start(&c);
	fuzz_conf_start(&before);
	FUZZ_CHECK(weir_diags_init(&ds, FUZZ_CONF_DIAGS) == 0, "out of memory");

	rc = weir_conf_load_file(&c, g_in.path, &ds);
	max_line = fuzz_max_line(data, size);
	for (i = 0; i < ds.n; i++)
		FUZZ_CHECK(ds.v[i].line <= max_line && strcmp(ds.v[i].file, g_in.path) == 0,
			   "diagnostic at %s:%u, input has at most %u lines", ds.v[i].file,
			   ds.v[i].line, max_line);
	switch (rc) {
	case 0:
		FUZZ_CHECK(ds.total == 0, "loaded with %u diagnostics", ds.total);
		fuzz_check_valid(&c);
		fuzz_round_trip(&c);
		break;
	case -EINVAL:
		FUZZ_CHECK(ds.total > 0, "refused without a diagnostic");
		/* fall through */
	case -ENOMEM:
		FUZZ_CHECK(weir_conf_equal(&c, &before),
			   "a refused load changed the configuration");
		break;
	default:
		FUZZ_CHECK(0, "weir_conf_load_file returned %d", rc);
	}

	weir_diags_free(&ds);
	weir_conf_free(&before);
	weir_conf_free(&c);
	return 0;
}
