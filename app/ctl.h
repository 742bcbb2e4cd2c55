/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stats socket: a Unix stream socket served by one control thread (a DPDK
 * control thread, never a worker lcore). One JSON request per line,
 * {"command":"stats"}, one JSON reply per line, each carrying
 * schema_version. The commands are the MONITOR and ADMIN rows of
 * common/ctl_cmds.h ("help" lists them). The thread only reads counters through the views of
 * obs.h; stop and reopen go to main through the flags its signals use.
 *
 * Misbehaving clients are bounded, and none can lock the others out: a
 * line longer than WEIR_CTL_LINE_MAX gets an error and a disconnect; a
 * client that does not read its replies is dropped once WEIR_CTL_OUT_MAX
 * bytes are pending or no byte could be written for WEIR_CTL_STALL_MS; a
 * client that sends no request for idle_ms is dropped. max_clients
 * connections are served at once, plus one slot only root and the
 * socket's owner (SO_PEERCRED) may take. When every slot a newcomer may
 * take is held, the client idle longest (at least WEIR_CTL_EVICT_MIN_MS,
 * no reply pending) is closed to make room; only when none is idle that
 * long is the newcomer refused with an error. Evictions and refusals are
 * logged, at most one line per WEIR_CTL_LOG_EVERY_MS with the count.
 */
#ifndef WEIR_CTL_H
#define WEIR_CTL_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "obs.h"

#define WEIR_CTL_LINE_MAX	4096	   /* bytes per request line, '\n' included */
#define WEIR_CTL_OUT_MAX	(1u << 20) /* reply bytes pending per client */
#define WEIR_CTL_STALL_MS	5000	   /* no write progress: disconnect */
#define WEIR_CTL_IDLE_MS	30000	   /* default of ctl.idle-timeout-ms */
#define WEIR_CTL_EVICT_MIN_MS	1000	   /* idle this long: may make room */
#define WEIR_CTL_LOG_EVERY_MS	10000	   /* evictions/refusals: one line per */
#define WEIR_CTL_REOPEN_WAIT_MS 2000
/* A reload reply waits this long for the build (10,000 rules compile in
 * tens of seconds on a slow machine; the database cache makes it fast). */
#define WEIR_CTL_RELOAD_WAIT_MS 300000

struct weir_ctl_conf {
	const char *path;	  /* socket path; its directory is created */
	unsigned int mode;	  /* permission bits of the socket */
	unsigned int max_clients; /* connections served at once (+1 for root/owner) */
	unsigned int idle_ms;	  /* no request for this long: closed; 0 = default */
	/* Roles (ctl.admin-group, ctl.monitor-group): with neither group set
	 * every peer that can open the socket (mode, ownership) administers.
	 * With either set, administrators are root, weir's own uid and the
	 * members of admin_group; monitors the members of monitor_group (any
	 * other peer when no monitor group is set); everyone else is refused
	 * at connect. Membership: the peer's gid (SO_PEERCRED) or any of its
	 * supplementary groups (SO_PEERGROUPS). */
	bool has_admin_group, has_monitor_group;
	gid_t admin_gid, monitor_gid;
	const char *admin_group, *monitor_group; /* names, for refusals */
};

struct weir_ctl;

/**
 * Parse a socket mode: octal digits ("0660", "660", "0o660"), at most
 * 0777. Any thread. @return 0 or -EINVAL.
 */
int weir_ctl_parse_mode(const char *text, unsigned int *mode);

/**
 * Create the socket and start the control thread. Main thread, after the
 * workers were launched; @p obs must outlive weir_ctl_stop().
 * @return the server, or NULL with errno set: EADDRINUSE (another process
 * serves @p conf->path), ENAMETOOLONG, EEXIST (path is not a socket),
 * or the errno of mkdir/socket/bind/listen/thread creation.
 */
struct weir_ctl *weir_ctl_start(struct weir_obs *obs, const struct weir_ctl_conf *conf);

/** Stop the thread (returns once it ended: nothing reads @p obs any
 *  more), close every client, remove the socket. Main thread. NULL safe. */
void weir_ctl_stop(struct weir_ctl *c);

/**
 * Serve one request line (without its '\n'). Used by the control thread
 * and by tests; never a worker (reopen and reconfigure wait for main, so
 * never main either). @return the reply as a malloc'ed line ending in
 * '\n', which the caller frees, or NULL when out of memory.
 */
char *weir_ctl_handle(struct weir_obs *obs, const char *line, size_t len);

/* Who sent a request: the client's credentials (SO_PEERCRED) when it
 * connected. */
struct weir_ctl_peer {
	bool known; /* false: not a socket peer (tests) or not found */
	uint32_t uid, gid;
	int32_t pid;
	/* may run ADMIN commands (weir_ctl_conf's roles); false: MONITOR rows
	 * only, the others refused with the reason in @ref why */
	bool admin;
	/* in neither role's group: every request is refused with @ref why */
	bool refused;
	char why[224];
};

/**
 * weir_ctl_handle() for a request of @p peer (NULL: an internal caller,
 * served as an administrator). Every ADMIN command (common/ctl_cmds.h:
 * reload, disable, enable, reconfigure, reopen, shutdown) is logged at
 * notice level with the peer's uid and pid, its arguments and its
 * outcome; a peer without the administration role (!peer->admin) gets
 * "permission denied" and the command is not run (logged as refused).
 */
char *weir_ctl_handle_peer(struct weir_obs *obs, const char *line, size_t len,
			   const struct weir_ctl_peer *peer);

#endif /* WEIR_CTL_H */
