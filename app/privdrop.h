/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Privilege drop (run-as.user, run-as.group): weir starts as root, opens
 * its ports, sockets and output files, then becomes an unprivileged user
 * and keeps only the capabilities its capture driver still needs, through
 * libcap-ng. Main thread only.
 *
 * Capabilities are per thread. The drop runs on the main thread (the
 * emitter's, which also reopens the outputs, re-reads the configuration
 * and closes the ports); glibc applies the uid/gid change to every thread
 * of the process, and the kernel clears the capabilities of every thread
 * but the caller (which alone set PR_SET_KEEPCAPS): the workers, the sinks',
 * reload and control threads end up with none. The caller keeps
 * weir_privdrop_caps(driver) in its effective and permitted sets; its
 * bounding and ambient sets are emptied (nothing can be regained, not even
 * through execve).
 */
#ifndef WEIR_PRIVDROP_H
#define WEIR_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

/* Who weir becomes; on = false: no drop configured. */
struct weir_privdrop {
	bool on;
	uid_t uid;
	gid_t gid;
	char user[64];
	char group[64];
};

/**
 * Resolve run-as.user and run-as.group (before EAL: a typo stops weir at
 * once). Thread: main.
 * @param check_only  --check-config: a process that is not root may check
 * @return 0 (pd->on false when run-as.user is "" or weir already runs as
 *         that user and group), -EINVAL with a message in @p err (an
 *         unknown user or group, a group without a user), or -EPERM (a
 *         drop asked of a process that is not root).
 */
int weir_privdrop_resolve(struct weir_privdrop *pd, const struct weir_conf *c, bool check_only,
			  char *err, size_t errlen);

/** The capabilities @p driver ("pcap", "dpdk", "afxdp") keeps, as libcap-ng
 *  numbers ending with -1, and their names ("net_admin, bpf" or "none"). */
const int *weir_privdrop_caps(const char *driver, const char **names);

/**
 * Hand what weir created to the user (chown: the stats socket when
 * @p ctl_served, output.jsonl, outputs.unix.path, the outputs.pcap.file
 * files, rules.cache-dir and its files), switch uid, gid and supplementary
 * groups, keep weir_privdrop_caps(@p driver) on this thread, empty the
 * bounding set;
 * then warn for each output whose directory the user cannot write (reopen
 * and rotation create files there). Thread: main, after every socket and
 * output is open. No-op when !pd->on.
 * @return 0, or -errno with a message in @p err (weir must stop: it may be
 *         half-dropped).
 */
int weir_privdrop_apply(const struct weir_privdrop *pd, const char *driver,
			const struct weir_conf *c, bool ctl_served, char *err, size_t errlen);

#endif /* WEIR_PRIVDROP_H */
