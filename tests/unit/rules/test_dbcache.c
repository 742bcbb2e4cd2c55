/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for rules_dbcache.c: a stored database loads back and scans the
 * same; every way an entry can be wrong (truncated, a flipped byte, another
 * key's file, another Hyperscan version or platform with a consistent
 * header) is refused and removed; the key moves with every compile input;
 * stores create nested directories and report an unwritable one as -errno.
 * Everything happens in a mkdtemp() directory that is removed afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define HDR_LEN	   88u /* rules_dbcache.c's header */
#define HS_HDR_LEN 32u /* Hyperscan's serialized header */
#define VERSION	   "0.1.0"

/* Short: every path built from it fits PATH_MAX, as gcc can tell. */
static char g_tmp[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
suite_init(void)
{
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/weir-dbcache-XXXXXX");
	return mkdtemp(g_tmp) != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	/* Read-only leftovers of a failed case must not stop the cleanup. */
	chmod(g_tmp, 0700);
	return nftw(g_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- a small database ----------------------------------------------- */

static const char *const g_exprs[] = {"foo[0-9]+bar", "hello", "^abc", "x.y"};
static const unsigned int g_flags[] = {HS_FLAG_DOTALL, HS_FLAG_CASELESS, 0, HS_FLAG_DOTALL};
static const unsigned int g_ids[] = {10, 20, 30, 40};
#define N_EXPR 4u

static hs_expr_ext_t g_ext1 = {.flags = HS_EXT_FLAG_MIN_OFFSET, .min_offset = 4};
static const hs_expr_ext_t *const g_exts[] = {NULL, &g_ext1, NULL, NULL};

static hs_database_t *
compile_db(void)
{
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	if (hs_compile_ext_multi(g_exprs, g_flags, g_ids, g_exts, N_EXPR, HS_MODE_BLOCK, NULL, &db,
				 &cerr) != HS_SUCCESS) {
		fprintf(stderr, "compile: %s\n", cerr ? cerr->message : "?");
		hs_free_compile_error(cerr);
		return NULL;
	}
	return db;
}

static void
key_of(struct weir_dbkey *k)
{
	CU_ASSERT_FATAL(weir_dbkey_compute(g_exprs, g_flags, g_ids, g_exts, N_EXPR, HS_MODE_BLOCK,
					   VERSION, k) == 0);
}

struct hits {
	unsigned int n;
	unsigned int id[64];
	unsigned long long to[64];
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	 void *ctx)
{
	struct hits *h = ctx;

	(void)from;
	(void)flags;
	if (h->n < 64) {
		h->id[h->n] = id;
		h->to[h->n] = to;
		h->n++;
	}
	return 0;
}

static void
scan(const hs_database_t *db, struct hits *h)
{
	static const char data[] = "abc foo123bar HeLLo x\ny hello foo9bar";
	hs_scratch_t *s = NULL;

	memset(h, 0, sizeof(*h));
	CU_ASSERT_FATAL(hs_alloc_scratch(db, &s) == HS_SUCCESS);
	CU_ASSERT(hs_scan(db, data, sizeof(data) - 1, 0, s, on_match, h) == HS_SUCCESS);
	hs_free_scratch(s);
}

/* ---- files ---------------------------------------------------------- */

static void
entry_path(char *buf, size_t size, const char *dir, const struct weir_dbkey *k)
{
	int n = snprintf(buf, size, "%s/", dir);
	unsigned int i;

	for (i = 0; i < 32; i++)
		n += snprintf(buf + n, size - (size_t)n, "%02x", k->sha256[i]);
	snprintf(buf + n, size - (size_t)n, ".hsdb");
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;

	if (stat(path, &st) != 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	f = fopen(path, "rb");
	if (buf == NULL || f == NULL) {
		free(buf);
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

static int
spit(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fwrite(buf, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
sha256(const uint8_t *p, size_t len, uint8_t *out)
{
	unsigned int olen = 0;

	CU_ASSERT_FATAL(EVP_Digest(p, len, out, &olen, EVP_sha256(), NULL) == 1);
}

/* Store a fresh entry under @p dir, return its bytes (caller frees). */
static uint8_t *
fresh_entry(const char *dir, const struct weir_dbkey *k, const hs_database_t *db, char *path,
	    size_t psize, size_t *len)
{
	uint8_t *buf;

	entry_path(path, psize, dir, k);
	CU_ASSERT_FATAL(weir_dbcache_store(dir, k, db) == 0);
	buf = slurp(path, len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_FATAL(*len > HDR_LEN + HS_HDR_LEN);
	return buf;
}

/* Write @p buf as the entry, expect load to refuse and remove it. */
static void
expect_refused(const char *dir, const struct weir_dbkey *k, const char *path, const uint8_t *buf,
	       size_t len, const char *what)
{
	hs_database_t *db = (hs_database_t *)1;
	int rc;

	CU_ASSERT_FATAL(spit(path, buf, len) == 0);
	rc = weir_dbcache_load(dir, k, &db);
	if (rc != -EINVAL)
		fprintf(stderr, "%s: load gave %d\n", what, rc);
	CU_ASSERT(rc == -EINVAL);
	CU_ASSERT_PTR_NULL(db);
	CU_ASSERT(!exists(path));
}

/* ---- cases ---------------------------------------------------------- */

static void
test_roundtrip_scans_the_same(void)
{
	struct hits want, got;
	hs_database_t *db, *back = NULL;
	struct weir_dbkey k;
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/rt", g_tmp);
	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&k);

	CU_ASSERT(weir_dbcache_store(dir, &k, db) == 0);
	entry_path(path, sizeof(path), dir, &k);
	CU_ASSERT(stat(path, &st) == 0 && S_ISREG(st.st_mode));

	CU_ASSERT(weir_dbcache_load(dir, &k, &back) == 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	scan(db, &want);
	scan(back, &got);
	CU_ASSERT(want.n >= 5); /* abc, foo123bar, HeLLo, x\ny, hello, foo9bar */
	CU_ASSERT(got.n == want.n);
	CU_ASSERT(memcmp(got.id, want.id, sizeof(got.id)) == 0);
	CU_ASSERT(memcmp(got.to, want.to, sizeof(got.to)) == 0);
	/* A hit leaves the entry in place; storing again replaces it. */
	CU_ASSERT(exists(path));
	CU_ASSERT(weir_dbcache_store(dir, &k, back) == 0);
	hs_free_database(back);
	back = NULL;
	CU_ASSERT(weir_dbcache_load(dir, &k, &back) == 0);
	hs_free_database(back);
	hs_free_database(db);
}

static void
test_miss(void)
{
	hs_database_t *db = (hs_database_t *)1;
	struct weir_dbkey k;
	char dir[PATH_MAX];

	key_of(&k);
	k.sha256[0] ^= 0x55; /* nobody stored this one */
	snprintf(dir, sizeof(dir), "%s/rt", g_tmp);
	CU_ASSERT(weir_dbcache_load(dir, &k, &db) == -ENOENT);
	CU_ASSERT_PTR_NULL(db);
	snprintf(dir, sizeof(dir), "%s/no/such/dir", g_tmp);
	db = (hs_database_t *)1;
	CU_ASSERT(weir_dbcache_load(dir, &k, &db) == -ENOENT);
	CU_ASSERT_PTR_NULL(db);
}

static void
test_truncated_refused(void)
{
	static const size_t cut[] = {
		0, 1, 8, HDR_LEN - 1, HDR_LEN, HDR_LEN + 1, HDR_LEN + HS_HDR_LEN};
	char dir[PATH_MAX], path[PATH_MAX];
	struct weir_dbkey k;
	hs_database_t *db;
	uint8_t *buf, *big;
	size_t len, i;

	snprintf(dir, sizeof(dir), "%s/trunc", g_tmp);
	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&k);
	buf = fresh_entry(dir, &k, db, path, sizeof(path), &len);

	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		expect_refused(dir, &k, path, buf, cut[i], "cut");
	expect_refused(dir, &k, path, buf, len - 1, "cut last byte");
	expect_refused(dir, &k, path, buf, len / 2, "cut half");

	/* Trailing garbage is as wrong as missing bytes. */
	big = malloc(len + 1);
	CU_ASSERT_FATAL(big != NULL);
	memcpy(big, buf, len);
	big[len] = 0;
	expect_refused(dir, &k, path, big, len + 1, "one byte more");
	free(big);

	/* The untouched bytes still load. */
	CU_ASSERT_FATAL(spit(path, buf, len) == 0);
	{
		hs_database_t *back = NULL;

		CU_ASSERT(weir_dbcache_load(dir, &k, &back) == 0);
		hs_free_database(back);
	}
	free(buf);
	hs_free_database(db);
}

static void
test_flipped_byte_refused(void)
{
	char dir[PATH_MAX], path[PATH_MAX], what[64];
	struct weir_dbkey k;
	hs_database_t *db;
	uint8_t *buf;
	size_t len, i, pos[16], n = 0;

	snprintf(dir, sizeof(dir), "%s/flip", g_tmp);
	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&k);
	buf = fresh_entry(dir, &k, db, path, sizeof(path), &len);

	/* Header: magic, format, reserved, key, length (low and high
	 * byte), blob hash; blob: Hyperscan's header, middle, end. */
	pos[n++] = 0;
	pos[n++] = 8;
	pos[n++] = 12;
	pos[n++] = 16;
	pos[n++] = 47;
	pos[n++] = 48;
	pos[n++] = 55;
	pos[n++] = 56;
	pos[n++] = 87;
	pos[n++] = HDR_LEN;
	pos[n++] = HDR_LEN + 4;
	pos[n++] = HDR_LEN + HS_HDR_LEN;
	pos[n++] = HDR_LEN + (len - HDR_LEN) / 2;
	pos[n++] = len - 1;
	for (i = 0; i < n; i++) {
		buf[pos[i]] ^= 0x01;
		snprintf(what, sizeof(what), "flip at %zu", pos[i]);
		expect_refused(dir, &k, path, buf, len, what);
		buf[pos[i]] ^= 0x01;
	}
	free(buf);
	hs_free_database(db);
}

static void
test_other_key_file_refused(void)
{
	char dir[PATH_MAX], path_a[PATH_MAX], path_b[PATH_MAX];
	struct weir_dbkey a, b;
	hs_database_t *db, *back = NULL;
	uint8_t *buf;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/otherkey", g_tmp);
	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&a);
	CU_ASSERT_FATAL(weir_dbkey_compute(g_exprs, g_flags, g_ids, g_exts, N_EXPR, HS_MODE_BLOCK,
					   "9.9.9", &b) == 0);
	buf = fresh_entry(dir, &a, db, path_a, sizeof(path_a), &len);
	entry_path(path_b, sizeof(path_b), dir, &b);

	/* a's whole, valid entry under b's name: refused by the key inside. */
	expect_refused(dir, &b, path_b, buf, len, "a's file as b");
	/* a is untouched. */
	CU_ASSERT(weir_dbcache_load(dir, &a, &back) == 0);
	hs_free_database(back);

	/* And the key field edited to b's, hash still right: refused by
	 * name, since the file is a's. Same for the reverse. */
	memcpy(&buf[16], b.sha256, 32);
	expect_refused(dir, &a, path_a, buf, len, "b's key in a's file");
	free(buf);
	hs_free_database(db);
}

/*
 * What another Hyperscan build would leave: a consistent entry (right key,
 * length and hash) whose blob has another Hyperscan version, platform, or
 * a bytecode that fails Hyperscan's CRC.
 */
static void
test_other_hyperscan_refused(void)
{
	static const struct {
		size_t off;
		const char *what;
	} edits[] = {
		{0, "hs magic"},     {4, "hs version"}, {8, "hs length"},
		{12, "hs platform"}, {20, "hs crc"},	{SIZE_MAX, "bytecode (crc)"},
	};
	char dir[PATH_MAX], path[PATH_MAX];
	struct weir_dbkey k;
	hs_database_t *db;
	uint8_t *buf, *ed;
	size_t len, i;

	snprintf(dir, sizeof(dir), "%s/otherhs", g_tmp);
	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&k);
	buf = fresh_entry(dir, &k, db, path, sizeof(path), &len);
	ed = malloc(len);
	CU_ASSERT_FATAL(ed != NULL);

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(ed, buf, len);
		/* The bytecode's middle: its CRC covers it (the serialized
		 * form ends in padding that nothing but our hash covers). */
		ed[edits[i].off == SIZE_MAX ? HDR_LEN + (len - HDR_LEN) / 2
					    : HDR_LEN + edits[i].off] ^= 0x10;
		sha256(&ed[HDR_LEN], len - HDR_LEN, &ed[56]);
		expect_refused(dir, &k, path, ed, len, edits[i].what);
	}

	/* The header's format version from the future. */
	memcpy(ed, buf, len);
	ed[8] = 2;
	expect_refused(dir, &k, path, ed, len, "format 2");

	free(ed);
	free(buf);
	hs_free_database(db);
}

static void
test_not_a_regular_file(void)
{
	hs_database_t *db = (hs_database_t *)1;
	char dir[PATH_MAX], path[PATH_MAX];
	struct weir_dbkey k;

	snprintf(dir, sizeof(dir), "%s/notreg", g_tmp);
	key_of(&k);
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
	entry_path(path, sizeof(path), dir, &k);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	CU_ASSERT(weir_dbcache_load(dir, &k, &db) == -EINVAL);
	CU_ASSERT_PTR_NULL(db);
	rmdir(path);
}

static int
key_eq(const struct weir_dbkey *a, const struct weir_dbkey *b)
{
	return memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0;
}

#define MAX_KEYS 32

static void
test_key_follows_every_input(void)
{
	const char *ex[N_EXPR];
	unsigned int fl[N_EXPR], id[N_EXPR];
	const hs_expr_ext_t *xt[N_EXPR];
	hs_expr_ext_t e2;
	struct weir_dbkey base, again, keys[MAX_KEYS];
	unsigned int nk = 0, i, j;

#define RESET()                                                                                    \
	do {                                                                                       \
		memcpy(ex, g_exprs, sizeof(ex));                                                   \
		memcpy(fl, g_flags, sizeof(fl));                                                   \
		memcpy(id, g_ids, sizeof(id));                                                     \
		memcpy(xt, g_exts, sizeof(xt));                                                    \
		e2 = g_ext1;                                                                       \
		xt[1] = &e2;                                                                       \
	} while (0)
#define KEY(n, mode, ver)                                                                          \
	do {                                                                                       \
		CU_ASSERT_FATAL(nk < MAX_KEYS);                                                    \
		CU_ASSERT(weir_dbkey_compute(ex, fl, id, xt, n, mode, ver, &keys[nk]) == 0);       \
		nk++;                                                                              \
	} while (0)

	RESET();
	CU_ASSERT(weir_dbkey_compute(ex, fl, id, xt, N_EXPR, HS_MODE_BLOCK, VERSION, &base) == 0);
	CU_ASSERT(weir_dbkey_compute(g_exprs, g_flags, g_ids, g_exts, N_EXPR, HS_MODE_BLOCK,
				     VERSION, &again) == 0);
	CU_ASSERT(key_eq(&base, &again)); /* deterministic, by value */
	keys[nk++] = base;

	RESET();
	ex[0] = "foo[0-9]+baz";
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	ex[3] = "x.yz";
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	/* Moving a character across the boundary of two expressions. */
	RESET();
	ex[1] = "hell";
	ex[2] = "o^abc";
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	ex[1] = "hello^";
	ex[2] = "abc";
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	/* Order of expressions. */
	RESET();
	ex[0] = g_exprs[1];
	ex[1] = g_exprs[0];
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	fl[2] = HS_FLAG_SINGLEMATCH;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	fl[0] = 0;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	id[3] = 41;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	id[0] = 20;
	id[1] = 10;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	e2.min_offset = 5;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	e2.flags |= HS_EXT_FLAG_MAX_OFFSET;
	e2.max_offset = 100;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	e2.min_length = 3;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	e2.edit_distance = 1;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	e2.hamming_distance = 1;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	xt[1] = NULL;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	xt[0] = &e2;
	xt[1] = NULL;
	KEY(N_EXPR, HS_MODE_BLOCK, VERSION);
	RESET();
	KEY(N_EXPR - 1, HS_MODE_BLOCK, VERSION);
	RESET();
	KEY(N_EXPR, HS_MODE_STREAM, VERSION);
	RESET();
	KEY(N_EXPR, HS_MODE_BLOCK | HS_MODE_SOM_HORIZON_LARGE, VERSION);
	RESET();
	KEY(N_EXPR, HS_MODE_BLOCK, "0.1.1");
	RESET();
	KEY(N_EXPR, HS_MODE_BLOCK, "");
#undef KEY
#undef RESET

	for (i = 0; i < nk; i++)
		for (j = i + 1; j < nk; j++) {
			if (key_eq(&keys[i], &keys[j]))
				fprintf(stderr, "keys %u and %u collide\n", i, j);
			CU_ASSERT(!key_eq(&keys[i], &keys[j]));
		}

	/* NULL arrays mean what Hyperscan takes them for: zeros, no ext. */
	{
		const char *one[] = {"abc"};
		const unsigned int zero[] = {0};
		const hs_expr_ext_t *none[] = {NULL};
		struct weir_dbkey k1, k2;

		CU_ASSERT(weir_dbkey_compute(one, NULL, NULL, NULL, 1, HS_MODE_BLOCK, VERSION,
					     &k1) == 0);
		CU_ASSERT(weir_dbkey_compute(one, zero, zero, none, 1, HS_MODE_BLOCK, VERSION,
					     &k2) == 0);
		CU_ASSERT(key_eq(&k1, &k2));
		/* An empty set is a key too. */
		CU_ASSERT(weir_dbkey_compute(NULL, NULL, NULL, NULL, 0, HS_MODE_BLOCK, VERSION,
					     &k2) == 0);
		CU_ASSERT(!key_eq(&k1, &k2));
	}

	/* Bad arguments. */
	{
		const char *bad[] = {"a", NULL};
		struct weir_dbkey k;

		CU_ASSERT(weir_dbkey_compute(bad, NULL, NULL, NULL, 2, HS_MODE_BLOCK, VERSION,
					     &k) == -EINVAL);
		CU_ASSERT(weir_dbkey_compute(NULL, NULL, NULL, NULL, 1, HS_MODE_BLOCK, VERSION,
					     &k) == -EINVAL);
		CU_ASSERT(weir_dbkey_compute(g_exprs, NULL, NULL, NULL, 1, HS_MODE_BLOCK, NULL,
					     &k) == -EINVAL);
		CU_ASSERT(weir_dbkey_compute(g_exprs, NULL, NULL, NULL, 1, HS_MODE_BLOCK, VERSION,
					     NULL) == -EINVAL);
	}
}

static unsigned int
count_dir(const char *dir, const char *must_be)
{
	struct dirent *d;
	unsigned int n = 0;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		n++;
		if (must_be != NULL && strcmp(d->d_name, must_be) != 0) {
			fprintf(stderr, "unexpected %s/%s\n", dir, d->d_name);
			n += 1000;
		}
	}
	closedir(dp);
	return n;
}

static void
test_store_creates_nested_dir(void)
{
	char dir[PATH_MAX], path[PATH_MAX], sub[PATH_MAX];
	hs_database_t *db, *back = NULL;
	struct weir_dbkey k;
	struct stat st;
	mode_t old;

	old = umask(022);
	snprintf(dir, sizeof(dir), "%s/a/b//c/", g_tmp);
	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&k);
	CU_ASSERT(weir_dbcache_store(dir, &k, db) == 0);

	snprintf(sub, sizeof(sub), "%s/a", g_tmp);
	CU_ASSERT(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);
	snprintf(sub, sizeof(sub), "%s/a/b/c", g_tmp);
	CU_ASSERT(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);

	/* Exactly the entry: no temp file left behind. */
	entry_path(path, sizeof(path), sub, &k);
	CU_ASSERT(count_dir(sub, strrchr(path, '/') + 1) == 1);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);

	CU_ASSERT(weir_dbcache_load(sub, &k, &back) == 0);
	CU_ASSERT_PTR_NOT_NULL(back);
	hs_free_database(back);
	hs_free_database(db);
	umask(old);
}

/* Store into @p dir, as nobody when we are root (root ignores modes). */
static int
store_unprivileged(const char *dir, const struct weir_dbkey *k, const hs_database_t *db)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return weir_dbcache_store(dir, k, db);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int rc;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(255);
		rc = weir_dbcache_store(dir, k, db);
		_exit(rc < 0 ? -rc : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return 1; /* not a result */
	return -WEXITSTATUS(status);
}

/* A fake entry NAME (64 hex digits + .hsdb) of @p bytes, last used at @p t s. */
static void
prune_entry(const char *dir, char c, size_t bytes, time_t t)
{
	char path[256], name[80];
	struct timespec ts[2] = {{.tv_sec = t}, {.tv_sec = t}};
	FILE *f;

	memset(name, c, 64);
	snprintf(name + 64, sizeof(name) - 64, ".hsdb");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	while (bytes-- > 0)
		fputc('x', f);
	fclose(f);
	CU_ASSERT(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

static bool
prune_has(const char *dir, char c)
{
	char path[256], name[80];

	memset(name, c, 64);
	snprintf(name + 64, sizeof(name) - 64, ".hsdb");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The least recently used entries go first, by count and by bytes; an
 * entry used since keep_since stays whatever the bounds; other files
 * stay. */
static void
test_prune_bounds_the_cache(void)
{
	char dir[128], other[256];
	struct timespec keep = {.tv_sec = 5000};
	unsigned int n = 99;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/prune", g_tmp);
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
	prune_entry(dir, 'a', 100, 1000); /* oldest */
	prune_entry(dir, 'b', 100, 2000);
	prune_entry(dir, 'c', 100, 3000);
	prune_entry(dir, 'd', 100, 4000); /* newest */
	snprintf(other, sizeof(other), "%s/notes.txt", dir);
	f = fopen(other, "w");
	CU_ASSERT_FATAL(f != NULL);
	fclose(f);
	/* count: the two newest stay */
	CU_ASSERT(weir_dbcache_prune(dir, 2, UINT64_MAX, NULL, &n) == 0);
	CU_ASSERT(n == 2);
	CU_ASSERT(!prune_has(dir, 'a') && !prune_has(dir, 'b'));
	CU_ASSERT(prune_has(dir, 'c') && prune_has(dir, 'd'));
	CU_ASSERT(access(other, F_OK) == 0);
	/* bytes: 150 keep only the newest */
	CU_ASSERT(weir_dbcache_prune(dir, 10, 150, NULL, &n) == 0);
	CU_ASSERT(n == 1 && !prune_has(dir, 'c') && prune_has(dir, 'd'));
	/* in use since keep_since: stays even at a bound of 0 bytes */
	prune_entry(dir, 'e', 100, 6000);
	CU_ASSERT(weir_dbcache_prune(dir, 1, 1, &keep, &n) == 0);
	CU_ASSERT(n == 1 && prune_has(dir, 'e') && !prune_has(dir, 'd'));
	/* no directory: nothing to do */
	CU_ASSERT(weir_dbcache_prune("/nonexistent/weir-cache", 1, 1, NULL, &n) == 0 && n == 0);
}

static void
test_unwritable_dir(void)
{
	char dir[PATH_MAX], file[PATH_MAX], path[PATH_MAX];
	hs_database_t *db, *back = (hs_database_t *)1;
	struct weir_dbkey k;
	char longdir[PATH_MAX + 16];
	int rc;

	db = compile_db();
	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	key_of(&k);

	/* A regular file where a directory should be. */
	snprintf(file, sizeof(file), "%s/plainfile", g_tmp);
	CU_ASSERT_FATAL(spit(file, (const uint8_t *)"x", 1) == 0);
	CU_ASSERT(weir_dbcache_store(file, &k, db) == -ENOTDIR);
	snprintf(dir, sizeof(dir), "%s/plainfile/sub", g_tmp);
	CU_ASSERT(weir_dbcache_store(dir, &k, db) == -ENOTDIR);
	CU_ASSERT(weir_dbcache_load(dir, &k, &back) == -ENOTDIR);
	CU_ASSERT_PTR_NULL(back);

	/* A read-only directory, existing or to be made below it. */
	snprintf(dir, sizeof(dir), "%s/ro", g_tmp);
	CU_ASSERT_FATAL(mkdir(dir, 0555) == 0);
	CU_ASSERT_FATAL(chmod(dir, 0555) == 0);
	CU_ASSERT_FATAL(chmod(g_tmp, 0755) == 0); /* nobody may look in */
	rc = store_unprivileged(dir, &k, db);
	CU_ASSERT(rc == -EACCES);
	snprintf(path, sizeof(path), "%s/ro/new/deeper", g_tmp);
	rc = store_unprivileged(path, &k, db);
	CU_ASSERT(rc == -EACCES);
	CU_ASSERT(count_dir(dir, NULL) == 0); /* no temp file either */
	CU_ASSERT(chmod(g_tmp, 0700) == 0);

	/* Bad arguments and names too long. */
	CU_ASSERT(weir_dbcache_store(NULL, &k, db) == -EINVAL);
	CU_ASSERT(weir_dbcache_store("", &k, db) == -EINVAL);
	CU_ASSERT(weir_dbcache_store(g_tmp, NULL, db) == -EINVAL);
	CU_ASSERT(weir_dbcache_store(g_tmp, &k, NULL) == -EINVAL);
	CU_ASSERT(weir_dbcache_load(g_tmp, &k, NULL) == -EINVAL);
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	CU_ASSERT(weir_dbcache_store(longdir, &k, db) == -ENAMETOOLONG);
	CU_ASSERT(weir_dbcache_load(longdir, &k, &back) == -ENAMETOOLONG);

	hs_free_database(db);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dbcache", suite_init, suite_clean);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_roundtrip_scans_the_same);
	CU_ADD_TEST(s, test_miss);
	CU_ADD_TEST(s, test_truncated_refused);
	CU_ADD_TEST(s, test_flipped_byte_refused);
	CU_ADD_TEST(s, test_other_key_file_refused);
	CU_ADD_TEST(s, test_other_hyperscan_refused);
	CU_ADD_TEST(s, test_not_a_regular_file);
	CU_ADD_TEST(s, test_key_follows_every_input);
	CU_ADD_TEST(s, test_store_creates_nested_dir);
	CU_ADD_TEST(s, test_unwritable_dir);
	CU_ADD_TEST(s, test_prune_bounds_the_cache);
	return weir_ut_run();
}
