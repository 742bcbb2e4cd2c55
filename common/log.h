/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging over rte_log, one logtype per module, so `--log-level=weir.*:debug`
 * works like any DPDK component. Messages are lower-case and lead with the
 * object they are about. Never used per packet.
 *
 * The logtypes are registered in common/log.c (constructors, before main).
 * WEIR_LOG may be called from any thread: rte_log serialises writes to its
 * stream. It is the only way app/, drivers/ and rules/ code reports a
 * problem it does not return; libraries under rules/ return diagnostics
 * (diag.h) instead and never log.
 *
 * Where the messages go (log.output, weir_log_start()): rte_log's stream is
 * a stdio cookie stream that writes each line of a message with what the
 * reader needs in front of it: the syslog priority as "<N>" (sd-daemon(3))
 * when stderr is journald's stream (systemd sets JOURNAL_STREAM), a local
 * timestamp on a terminal, nothing otherwise (pipes, files, tests); or it
 * hands each line to syslog(3) at the message's priority. rte_log's levels
 * map one to one: RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) are LOG_EMERG (0)
 * .. LOG_DEBUG (7).
 */
#ifndef WEIR_LOG_H
#define WEIR_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

extern int weir_logtype_app;
extern int weir_logtype_capture;
extern int weir_logtype_sink;
extern int weir_logtype_ctl;   /* stats socket, telemetry, metrics (app/ctl.c) */
extern int weir_logtype_rules; /* rule reload (app/reload.c) */

#define WEIR_LOG(level, module, fmt, ...)                                                          \
	rte_log(RTE_LOG_##level, weir_logtype_##module, "weir: " fmt "\n", ##__VA_ARGS__)

/* How lines are written (weir_log_mode() picks one for log.output auto). */
enum weir_log_mode {
	WEIR_LOG_PLAIN,	   /* as they are */
	WEIR_LOG_JOURNAL,  /* "<N>" priority prefix, for journald */
	WEIR_LOG_TERMINAL, /* "YYYY-MM-DD HH:MM:SS.mmm " prefix */
	WEIR_LOG_SYSLOG,   /* syslog(3), not the fd */
};

/**
 * The mode log.output asks for: "syslog"; "stderr" = plain; "auto" =
 * journal when @p fd is the stream named by $JOURNAL_STREAM ("dev:inode",
 * compared with fstat), terminal when it is a tty, else plain. NULL or an
 * unknown name is auto. Thread: any.
 */
enum weir_log_mode weir_log_mode(const char *output, int fd);

/**
 * Route rte_log through a stream in @p mode writing to @p fd (not closed;
 * syslog: openlog("weir", LOG_PID, facility) instead, @p facility a
 * syslog(3) name: daemon, user, local0..local7; unknown = daemon). Replaces
 * a stream set by an earlier call (which is closed). Thread: main, before
 * other threads log (EAL's may: call it before rte_eal_init).
 * @return 0, or -errno (the stream is left as it was).
 */
int weir_log_start(enum weir_log_mode mode, int fd, const char *facility);

/** Give rte_log back stderr and close the stream of weir_log_start(). */
void weir_log_stop(void);

/*
 * A rate-limited warning about one kind of recurring trouble (a sink's
 * delivery failures, a full queue): the first occurrence is logged at once
 * with its cause, later ones are counted and logged as one line per
 * interval ("N times in the last S s (last: CAUSE)"). One per kind, owned
 * by one thread (the sink's).
 */
struct weir_lognote {
	uint64_t last_ms; /* of the last line, 0 = none yet */
	uint64_t pending; /* occurrences since the last line */
	char last[256];	  /* the latest cause */
};

/** One occurrence of the trouble @p what of @p who (e.g. "kafka events",
 *  "local queue full, event dropped"), with @p cause. Logged in module
 *  sink at WARNING. */
void weir_lognote(struct weir_lognote *n, uint32_t every_ms, const char *who, const char *what,
		  const char *cause);

/** Log what is pending when the interval is over, or now if @p force
 *  (at close, so nothing counted goes unsaid). */
void weir_lognote_flush(struct weir_lognote *n, uint32_t every_ms, const char *who,
			const char *what, bool force);

#endif /* WEIR_LOG_H */
