/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiled-database cache: serialized Hyperscan databases on disk, one file
 * per compile key, so that a restart or a reload with unchanged rules skips
 * hs_compile_ext_multi (tens of seconds on large sets).
 *
 * The key is a SHA-256 over every input of the compile, each field with its
 * length or a fixed width so that no two inputs encode alike, plus weir's
 * compiler version, hs_version() and this host's hs_platform_info_t.
 *
 * An entry is <dir>/<64 hex digits of the key>.hsdb:
 *
 *   off  size  field (integers little-endian)
 *     0     8  magic "WEIRHSDB"
 *     8     4  format version (DBC_FORMAT)
 *    12     4  reserved, 0
 *    16    32  the key again
 *    48     8  blob length in bytes
 *    56    32  SHA-256 of the blob
 *    88     -  the blob: hs_serialize_database()'s bytes
 *
 * Nothing in an entry is trusted: magic, version, key, length (against the
 * file size) and the blob's hash are checked before Hyperscan sees it, and
 * Hyperscan checks its own version and platform again. Any mismatch removes
 * the entry and returns -EINVAL; the caller rebuilds. Entries are written
 * to a temporary file in the same directory, fsynced and renamed, and the
 * directory is fsynced, so a reader sees a whole entry or none.
 *
 * The directory is bounded (weir_dbcache_prune, after each build): a load
 * that hits refreshes the entry's mtime, so the mtime says when an entry
 * was last of use, and the least recently used entries beyond the
 * configured count or bytes are removed, never one the build just used.
 *
 * Thread: control (compiles, reloads). Several processes may share a
 * directory: the rename makes concurrent stores of one key harmless.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "rules_int.h"

#define DBC_MAGIC     "WEIRHSDB"
#define DBC_FORMAT    1u
#define DBC_HDR_LEN   88u
#define DBC_SUFFIX    ".hsdb"
#define DBC_DIR_MODE  0750
#define DBC_FILE_MODE 0640
/* Domain tag of the key, so the digest cannot stand for anything else. */
#define DBC_KEY_TAG "weir-hs-dbkey-v1"

struct dbc_header {
	uint32_t format;
	uint32_t reserved;
	uint8_t key[32];
	uint64_t blob_len;
	uint8_t blob_sha[32];
};

/* ---- key ------------------------------------------------------------ */

static int
dbc_put(EVP_MD_CTX *md, const void *p, size_t len)
{
	return EVP_DigestUpdate(md, p, len) == 1 ? 0 : -EIO;
}

static int
dbc_put_u64(EVP_MD_CTX *md, uint64_t v)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return dbc_put(md, b, sizeof(b));
}

/* A string as (length, bytes): "ab","c" and "a","bc" differ. */
static int
dbc_put_str(EVP_MD_CTX *md, const char *s)
{
	size_t len = strlen(s);
	int rc;

	rc = dbc_put_u64(md, len);
	if (rc == 0)
		rc = dbc_put(md, s, len);
	return rc;
}

static int
dbc_put_ext(EVP_MD_CTX *md, const hs_expr_ext_t *ext)
{
	int rc;

	/* Present or not is a field of its own. Every field is hashed, set
	 * in flags or not: a needless miss is cheap, a false hit is not. */
	rc = dbc_put_u64(md, ext != NULL);
	if (rc != 0 || ext == NULL)
		return rc;
	rc = dbc_put_u64(md, ext->flags);
	if (rc == 0)
		rc = dbc_put_u64(md, ext->min_offset);
	if (rc == 0)
		rc = dbc_put_u64(md, ext->max_offset);
	if (rc == 0)
		rc = dbc_put_u64(md, ext->min_length);
	if (rc == 0)
		rc = dbc_put_u64(md, ext->edit_distance);
	if (rc == 0)
		rc = dbc_put_u64(md, ext->hamming_distance);
	return rc;
}

static int
dbc_put_platform(EVP_MD_CTX *md)
{
	hs_platform_info_t plat;
	int rc;

	memset(&plat, 0, sizeof(plat));
	if (hs_populate_platform(&plat) != HS_SUCCESS)
		return -ENOTSUP;
	/* Field by field: the struct's padding is not an input. */
	rc = dbc_put_u64(md, plat.tune);
	if (rc == 0)
		rc = dbc_put_u64(md, plat.cpu_features);
	if (rc == 0)
		rc = dbc_put_u64(md, plat.reserved1);
	if (rc == 0)
		rc = dbc_put_u64(md, plat.reserved2);
	return rc;
}

static int
dbc_key_fields(EVP_MD_CTX *md, const char *const *exprs, const unsigned int *flags,
	       const unsigned int *ids, const hs_expr_ext_t *const *ext, unsigned int n,
	       unsigned int mode, const char *weir_compiler_version)
{
	unsigned int i;
	int rc;

	rc = dbc_put(md, DBC_KEY_TAG, sizeof(DBC_KEY_TAG)); /* with its NUL */
	if (rc == 0)
		rc = dbc_put_str(md, weir_compiler_version);
	if (rc == 0)
		rc = dbc_put_str(md, hs_version());
	if (rc == 0)
		rc = dbc_put_platform(md);
	if (rc == 0)
		rc = dbc_put_u64(md, mode);
	if (rc == 0)
		rc = dbc_put_u64(md, n);
	/* NULL flags, ids or ext arrays mean zeros / no ext to Hyperscan,
	 * so they hash as such: the same compile gives the same key. */
	for (i = 0; i < n && rc == 0; i++) {
		rc = dbc_put_str(md, exprs[i]);
		if (rc == 0)
			rc = dbc_put_u64(md, flags != NULL ? flags[i] : 0);
		if (rc == 0)
			rc = dbc_put_u64(md, ids != NULL ? ids[i] : 0);
		if (rc == 0)
			rc = dbc_put_ext(md, ext != NULL ? ext[i] : NULL);
	}
	return rc;
}

int
weir_dbkey_compute(const char *const *exprs, const unsigned int *flags, const unsigned int *ids,
		   const hs_expr_ext_t *const *ext, unsigned int n, unsigned int mode,
		   const char *weir_compiler_version, struct weir_dbkey *out)
{
	unsigned int i, len = 0;
	EVP_MD_CTX *md;
	int rc;

	if (out == NULL || weir_compiler_version == NULL || (n > 0 && exprs == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (exprs[i] == NULL)
			return -EINVAL;

	md = EVP_MD_CTX_new();
	if (md == NULL)
		return -ENOMEM;
	rc = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
	if (rc == 0)
		rc = dbc_key_fields(md, exprs, flags, ids, ext, n, mode, weir_compiler_version);
	if (rc == 0 &&
	    (EVP_DigestFinal_ex(md, out->sha256, &len) != 1 || len != sizeof(out->sha256)))
		rc = -EIO;
	EVP_MD_CTX_free(md);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- files ---------------------------------------------------------- */

static int
dbc_sha256(const void *p, size_t len, uint8_t *out)
{
	unsigned int olen = 0;
	EVP_MD_CTX *md;
	int rc = 0;

	md = EVP_MD_CTX_new();
	if (md == NULL)
		return -ENOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(md, p, len) != 1 ||
	    EVP_DigestFinal_ex(md, out, &olen) != 1 || olen != 32)
		rc = -EIO;
	EVP_MD_CTX_free(md);
	return rc;
}

static void
dbc_hex(const struct weir_dbkey *key, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < sizeof(key->sha256); i++) {
		hex[2 * i] = digits[key->sha256[i] >> 4];
		hex[2 * i + 1] = digits[key->sha256[i] & 0xf];
	}
	hex[2 * sizeof(key->sha256)] = '\0';
}

static int
dbc_path(char *buf, size_t size, const char *dir, const struct weir_dbkey *key)
{
	char hex[2 * sizeof(key->sha256) + 1];
	int n;

	dbc_hex(key, hex);
	n = snprintf(buf, size, "%s/%s%s", dir, hex, DBC_SUFFIX);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static void
dbc_put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
dbc_get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
dbc_header_encode(const struct dbc_header *h, uint8_t *b)
{
	memcpy(&b[0], DBC_MAGIC, 8);
	dbc_put_le(&b[8], h->format, 4);
	dbc_put_le(&b[12], h->reserved, 4);
	memcpy(&b[16], h->key, 32);
	dbc_put_le(&b[48], h->blob_len, 8);
	memcpy(&b[56], h->blob_sha, 32);
}

/* @return 0, or -EINVAL when @p b is not our header. */
static int
dbc_header_decode(const uint8_t *b, struct dbc_header *h)
{
	if (memcmp(&b[0], DBC_MAGIC, 8) != 0)
		return -EINVAL;
	h->format = (uint32_t)dbc_get_le(&b[8], 4);
	h->reserved = (uint32_t)dbc_get_le(&b[12], 4);
	memcpy(h->key, &b[16], 32);
	h->blob_len = dbc_get_le(&b[48], 8);
	memcpy(h->blob_sha, &b[56], 32);
	if (h->format != DBC_FORMAT || h->reserved != 0)
		return -EINVAL;
	return 0;
}

/* Read exactly @p len bytes. @return 0, -EINVAL at an early end of file,
 * or -errno. */
static int
dbc_read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EINVAL;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
dbc_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Remove a refused entry, but only the one we read: if another process
 * renamed a fresh entry over it meanwhile, that one stays.
 */
static void
dbc_discard(const char *path, const struct stat *st)
{
	struct stat now;

	if (lstat(path, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
		(void)unlink(path);
}

static int
dbc_hs_errno(hs_error_t err)
{
	return err == HS_NOMEM ? -ENOMEM : -EINVAL;
}

/*
 * Check a whole entry read from @p fd and deserialize it.
 * @return 0, -EINVAL (refused), or -errno (I/O, memory: not the entry's
 * fault, so it is kept).
 */
static int
dbc_load_fd(int fd, const struct stat *st, const struct weir_dbkey *key, hs_database_t **db)
{
	uint8_t hdr[DBC_HDR_LEN], sha[32];
	struct dbc_header h;
	char *info = NULL;
	char *blob = NULL;
	hs_error_t err;
	int rc;

	if (!S_ISREG(st->st_mode) || st->st_size < (off_t)DBC_HDR_LEN)
		return -EINVAL;
	rc = dbc_read_full(fd, hdr, sizeof(hdr));
	if (rc != 0)
		return rc;
	rc = dbc_header_decode(hdr, &h);
	if (rc != 0)
		return rc;
	if (memcmp(h.key, key->sha256, sizeof(h.key)) != 0)
		return -EINVAL;
	/* The length must account for the file exactly: no short blob, no
	 * trailing bytes, and no allocation a forged header asks for. */
	if (h.blob_len == 0 || h.blob_len != (uint64_t)st->st_size - DBC_HDR_LEN ||
	    (size_t)h.blob_len != h.blob_len)
		return -EINVAL;

	blob = malloc((size_t)h.blob_len);
	if (blob == NULL)
		return -ENOMEM;
	rc = dbc_read_full(fd, blob, (size_t)h.blob_len);
	if (rc != 0)
		goto out;
	rc = dbc_sha256(blob, (size_t)h.blob_len, sha);
	if (rc != 0)
		goto out;
	if (memcmp(sha, h.blob_sha, sizeof(sha)) != 0) {
		rc = -EINVAL;
		goto out;
	}
	/* Hyperscan's own header: magic, version, platform, CRC. */
	err = hs_serialized_database_info(blob, (size_t)h.blob_len, &info);
	/* info comes from Hyperscan's misc allocator: malloc() here. */
	free(info);
	if (err != HS_SUCCESS) {
		rc = dbc_hs_errno(err);
		goto out;
	}
	err = hs_deserialize_database(blob, (size_t)h.blob_len, db);
	if (err != HS_SUCCESS) {
		*db = NULL;
		rc = dbc_hs_errno(err);
		goto out;
	}
	rc = 0;
out:
	free(blob);
	return rc;
}

int
weir_dbcache_load(const char *dir, const struct weir_dbkey *key, hs_database_t **db)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (db == NULL)
		return -EINVAL;
	*db = NULL;
	if (dir == NULL || dir[0] == '\0' || key == NULL)
		return -EINVAL;
	rc = dbc_path(path, sizeof(path), dir, key);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = dbc_load_fd(fd, &st, key, db);
	if (rc == 0)
		(void)futimens(fd, NULL); /* last used now (pruning is LRU) */
	close(fd);
	if (rc == -EINVAL)
		dbc_discard(path, &st);
	return rc;
}

/* mkdir -p @p dir: each missing component made with DBC_DIR_MODE. */
static int
dbc_mkdirs(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	size_t len, i;

	len = strlen(dir);
	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		if (path[i - 1] == '/')
			continue; /* "a//b" */
		path[i] = '\0';
		if (mkdir(path, DBC_DIR_MODE) != 0) {
			int e = errno;

			/* EEXIST: fine if it is a directory (or a link to
			 * one); other errors only count if the component
			 * is really missing, e.g. EACCES on an existing
			 * parent we may not write but may traverse. */
			if (stat(path, &st) != 0)
				return -e;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		if (i < len)
			path[i] = '/';
	}
	return 0;
}

static int
dbc_fsync_dir(const char *dir)
{
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
		rc = -errno; /* some filesystems cannot fsync a directory */
	close(fd);
	return rc;
}

static int
dbc_write_entry(const char *dir, const char *path, const struct weir_dbkey *key, const char *bytes,
		size_t len)
{
	uint8_t hdr[DBC_HDR_LEN];
	struct dbc_header h;
	char tmp[PATH_MAX];
	int fd, n, rc;

	memset(&h, 0, sizeof(h));
	h.format = DBC_FORMAT;
	memcpy(h.key, key->sha256, sizeof(h.key));
	h.blob_len = len;
	rc = dbc_sha256(bytes, len, h.blob_sha);
	if (rc != 0)
		return rc;
	dbc_header_encode(&h, hdr);

	/* A dot name that never ends in .hsdb: loads cannot pick it up. */
	n = snprintf(tmp, sizeof(tmp), "%s/.tmp-%.16s.XXXXXX", dir, strrchr(path, '/') + 1);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, DBC_FILE_MODE) != 0) {
		rc = -errno;
		goto err_close;
	}
	rc = dbc_write_full(fd, hdr, sizeof(hdr));
	if (rc == 0)
		rc = dbc_write_full(fd, bytes, len);
	if (rc != 0)
		goto err_close;
	if (fsync(fd) != 0) {
		rc = -errno;
		goto err_close;
	}
	if (close(fd) != 0) {
		rc = -errno;
		goto err_unlink;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto err_unlink;
	}
	return dbc_fsync_dir(dir);

err_close:
	close(fd);
err_unlink:
	(void)unlink(tmp);
	return rc;
}

int
weir_dbcache_store(const char *dir, const struct weir_dbkey *key, const hs_database_t *db)
{
	char path[PATH_MAX];
	char *bytes = NULL;
	size_t len = 0;
	hs_error_t err;
	int rc;

	if (dir == NULL || dir[0] == '\0' || key == NULL || db == NULL)
		return -EINVAL;
	rc = dbc_path(path, sizeof(path), dir, key);
	if (rc != 0)
		return rc;
	rc = dbc_mkdirs(dir);
	if (rc != 0)
		return rc;
	err = hs_serialize_database(db, &bytes, &len);
	if (err != HS_SUCCESS)
		return dbc_hs_errno(err);
	rc = dbc_write_entry(dir, path, key, bytes, len);
	/* bytes come from Hyperscan's misc allocator: malloc() here. */
	free(bytes);
	return rc;
}

/* One entry of the directory, for pruning. */
struct dbc_ent {
	char name[80];
	struct timespec mtime;
	uint64_t bytes;
};

/* Newest first. */
static int
dbc_ent_cmp(const void *a, const void *b)
{
	const struct dbc_ent *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool
dbc_is_entry_name(const char *n)
{
	size_t i, len = strlen(n);

	if (len != 64 + sizeof(DBC_SUFFIX) - 1 || strcmp(n + 64, DBC_SUFFIX) != 0)
		return false;
	for (i = 0; i < 64; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return false;
	return true;
}

static bool
dbc_ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int
weir_dbcache_prune(const char *dir, unsigned int max_entries, uint64_t max_bytes,
		   const struct timespec *keep_since, unsigned int *n_removed)
{
	struct dbc_ent *v = NULL, *nv;
	unsigned int n = 0, cap = 0, i, kept = 0, removed = 0;
	uint64_t bytes = 0;
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = 0;
	DIR *d;

	if (n_removed != NULL)
		*n_removed = 0;
	if (dir == NULL || dir[0] == '\0')
		return -EINVAL;
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (!dbc_is_entry_name(de->d_name))
			continue; /* not ours: left alone */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].mtime = st.st_mtim;
		v[n].bytes = (uint64_t)st.st_size;
		n++;
	}
	qsort(v, n, sizeof(*v), dbc_ent_cmp);
	for (i = 0; i < n; i++) {
		bool in_use = keep_since != NULL && !dbc_ts_before(&v[i].mtime, keep_since);

		if (in_use || (kept < max_entries && bytes + v[i].bytes <= max_bytes)) {
			kept++;
			bytes += v[i].bytes;
			continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, v[i].name) >= (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			removed++;
	}
	if (n_removed != NULL)
		*n_removed = removed;
out:
	closedir(d);
	free(v);
	return rc;
}
