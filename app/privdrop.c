/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Privilege drop (privdrop.h): off the packet path, once, on the main
 * thread between opening everything and serving. What each driver keeps:
 *
 *   pcap   nothing: the file is open, replay needs no privilege.
 *   dpdk   ipc_lock (memory the EAL locks after start, hugepage hotplug),
 *          sys_rawio (physical addresses from /proc/self/pagemap for
 *          memory mapped after start, IOVA as PA), net_admin (NIC control
 *          through kernel interfaces: tap, af_packet vdevs, link state).
 *          Memory the EAL maps after start also needs the hugetlbfs mount
 *          writable by the user: give -m/--socket-mem so it maps it all at
 *          start, or use --in-memory.
 *   afxdp  net_admin, sys_admin, bpf and dac_override: at exit libxdp finds
 *          our program by id, detaches it over netlink and removes its
 *          dispatcher's pins under /sys/fs/bpf. Reading the BPF counters and
 *          updating the filter maps (reconfigure) go through descriptors
 *          opened at start and need nothing on Linux >= 6.5.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "privdrop.h"

/* A path weir created and hands to the user, or checks it can write. */
struct privdrop_path {
	const char *key;  /* the configuration key, for messages */
	const char *path; /* "" or NULL: skipped */
	bool chown;	  /* the file, or a directory and its files */
	bool dir;	  /* its directory must stay writable (reopen, rotation) */
	bool glob;	  /* path is a prefix: chown PREFIX.* (pcap's numbered files) */
	bool mkdir;	  /* a directory weir writes later: made now if missing */
};

static const int g_caps_none[] = {-1};
static const int g_caps_dpdk[] = {CAP_IPC_LOCK, CAP_SYS_RAWIO, CAP_NET_ADMIN, -1};
static const int g_caps_afxdp[] = {CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_BPF, CAP_DAC_OVERRIDE, -1};

const int *
weir_privdrop_caps(const char *driver, const char **names)
{
	const char *n = "none";
	const int *caps = g_caps_none;

	if (driver != NULL && strcmp(driver, "dpdk") == 0) {
		caps = g_caps_dpdk;
		n = "ipc_lock, sys_rawio, net_admin";
	} else if (driver != NULL && strcmp(driver, "afxdp") == 0) {
		caps = g_caps_afxdp;
		n = "net_admin, sys_admin, bpf, dac_override";
	}
	if (names != NULL)
		*names = n;
	return caps;
}

int
weir_privdrop_resolve(struct weir_privdrop *pd, const struct weir_conf *c, bool check_only,
		      char *err, size_t errlen)
{
	const struct passwd *pw;
	const struct group *gr;

	memset(pd, 0, sizeof(*pd));
	if (c->run_as_user[0] == '\0') {
		if (c->run_as_group[0] == '\0')
			return 0;
		snprintf(err, errlen, "run-as.group '%.32s' needs run-as.user", c->run_as_group);
		return -EINVAL;
	}
	errno = 0;
	pw = getpwnam(c->run_as_user);
	if (pw == NULL) {
		snprintf(err, errlen, "run-as.user: no user '%.32s'%s%s", c->run_as_user,
			 errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		return -EINVAL;
	}
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	snprintf(pd->user, sizeof(pd->user), "%s", pw->pw_name);
	if (c->run_as_group[0] != '\0') {
		errno = 0;
		gr = getgrnam(c->run_as_group);
		if (gr == NULL) {
			snprintf(err, errlen, "run-as.group: no group '%.32s'", c->run_as_group);
			return -EINVAL;
		}
		pd->gid = gr->gr_gid;
		snprintf(pd->group, sizeof(pd->group), "%s", gr->gr_name);
	} else {
		gr = getgrgid(pd->gid);
		snprintf(pd->group, sizeof(pd->group), "%s", gr != NULL ? gr->gr_name : "");
	}
	if (geteuid() != 0) {
		/* Already that user (systemd's User=), or only checking: nothing
		 * to drop. */
		if ((geteuid() == pd->uid && getegid() == pd->gid) || check_only)
			return 0;
		snprintf(err, errlen,
			 "run-as.user '%.32s': weir runs as uid %u, not root, and cannot switch",
			 pd->user, (unsigned int)geteuid());
		return -EPERM;
	}
	pd->on = true;
	return 0;
}

static int
privdrop_chown_one(const struct weir_privdrop *pd, const char *key, const char *path)
{
	if (chown(path, pd->uid, pd->gid) == 0 || errno == ENOENT)
		return 0;
	WEIR_LOG(WARNING, app, "%s: cannot hand %s to %s: %s", key, path, pd->user,
		 strerror(errno));
	return -errno;
}

/* A directory and the files in it (the rule cache: one level). */
static void
privdrop_chown_dir(const struct weir_privdrop *pd, const char *key, const char *dir)
{
	struct dirent *de;
	char p[4096];
	DIR *d;

	if (privdrop_chown_one(pd, key, dir) < 0)
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) < sizeof(p))
			(void)privdrop_chown_one(pd, key, p);
	}
	closedir(d);
}

static void
privdrop_chown(const struct weir_privdrop *pd, const struct privdrop_path *pp)
{
	struct stat st;
	char pat[4096];
	glob_t g;
	size_t i;

	if (pp->glob) {
		if ((size_t)snprintf(pat, sizeof(pat), "%s.*", pp->path) >= sizeof(pat) ||
		    glob(pat, GLOB_NOSORT, NULL, &g) != 0)
			return;
		for (i = 0; i < g.gl_pathc; i++)
			(void)privdrop_chown_one(pd, pp->key, g.gl_pathv[i]);
		globfree(&g);
		return;
	}
	/* the cache's parent (/var/cache) is root's: make the directory
	 * itself now, so that the reload thread can store there as the user */
	if (pp->mkdir && mkdir(pp->path, 0750) < 0 && errno != EEXIST)
		WEIR_LOG(WARNING, app, "%s: cannot create %s: %s", pp->key, pp->path,
			 strerror(errno));
	if (stat(pp->path, &st) == 0 && S_ISDIR(st.st_mode))
		privdrop_chown_dir(pd, pp->key, pp->path);
	else
		(void)privdrop_chown_one(pd, pp->key, pp->path);
}

/* After the drop: can the user create files where @p pp's are? */
static void
privdrop_check_dir(const struct weir_privdrop *pd, const struct privdrop_path *pp)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", pp->path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK) == 0)
		return;
	WEIR_LOG(WARNING, app,
		 "%s: directory %s is not writable by %s (%s): reopen (SIGUSR1, weirctl "
		 "reopen) and rotation cannot create new files there; make it %s's",
		 pp->key, dir, pd->user, strerror(errno), pd->user);
}

int
weir_privdrop_apply(const struct weir_privdrop *pd, const char *driver, const struct weir_conf *c,
		    bool ctl_served, char *err, size_t errlen)
{
	const bool jsonl = strcmp(c->output_jsonl, "-") != 0;
	const struct privdrop_path paths[] = {
		{"ctl.socket", ctl_served ? c->ctl_socket : NULL, true, false, false},
		{"output.jsonl", jsonl ? c->output_jsonl : NULL, true, true, false},
		{"outputs.unix.path", c->outputs_unix_path, true, false, false},
		{"outputs.pcap.file", c->outputs_pcap_file, true, true, true},
		{"rules.cache-dir", c->rules_cache_dir, true, false, false, true},
	};
	const unsigned int n_paths = sizeof(paths) / sizeof(paths[0]);
	const char *names;
	const int *caps = weir_privdrop_caps(driver, &names);
	unsigned int i;
	int rc;

	if (!pd->on)
		return 0;
	for (i = 0; i < n_paths; i++)
		if (paths[i].chown && paths[i].path != NULL && paths[i].path[0] != '\0')
			privdrop_chown(pd, &paths[i]);
	capng_clear(CAPNG_SELECT_BOTH);
	for (i = 0; caps[i] >= 0; i++) {
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				 (unsigned int)caps[i]) < 0) {
			snprintf(err, errlen, "capng_update(%s) failed",
				 capng_capability_to_name((unsigned int)caps[i]));
			return -EINVAL;
		}
	}
	/* setgid, initgroups, setuid (glibc: on every thread), keeping caps on
	 * this thread only; bounding and ambient sets emptied. */
	rc = capng_change_id((int)pd->uid, (int)pd->gid,
			     CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT);
	if (rc < 0) {
		snprintf(err, errlen,
			 "capng_change_id(uid %u, gid %u) failed (%d: see capng_change_id(3)): %s",
			 (unsigned int)pd->uid, (unsigned int)pd->gid, rc, strerror(errno));
		return -EPERM;
	}
	if (getuid() != pd->uid || geteuid() != pd->uid || getgid() != pd->gid ||
	    getegid() != pd->gid) {
		snprintf(err, errlen, "uid/gid did not change to %u/%u", (unsigned int)pd->uid,
			 (unsigned int)pd->gid);
		return -EPERM;
	}
	WEIR_LOG(NOTICE, app, "running as %s:%s (uid %u, gid %u), capabilities kept: %s", pd->user,
		 pd->group, (unsigned int)pd->uid, (unsigned int)pd->gid, names);
	for (i = 0; i < n_paths; i++)
		if (paths[i].dir && paths[i].path != NULL && paths[i].path[0] != '\0')
			privdrop_check_dir(pd, &paths[i]);
	return 0;
}
