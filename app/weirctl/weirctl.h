/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl: the stats socket's client. main.c walks the command list
 * (common/ctl_cmds.h) and holds the global options; client.c talks to the socket (one JSON request
 * per line, one reply per line); each cmd_<name>.c turns a reply into a table. Exit codes are the
 * same for every command (WEIRCTL_EXIT_*).
 */
#ifndef WEIRCTL_H
#define WEIRCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "counters.h" /* the counter lists every table walks */

#define WEIRCTL_EXIT_OK	     0
#define WEIRCTL_EXIT_USAGE   1 /* bad command line */
#define WEIRCTL_EXIT_CONNECT 2 /* cannot connect, or no (valid) reply */
#define WEIRCTL_EXIT_REPLY   3 /* weir replied with an error */

#define WEIRCTL_DEFAULT_SOCKET "/run/weir/weir.sock"
#define WEIRCTL_TIMEOUT_MS     5000

struct weirctl {
	const char *socket;
	bool json;	/* print the raw reply */
	int fd;		/* connection, -1 until weirctl_connect() */
	int timeout_ms; /* for a reply; 0 = WEIRCTL_TIMEOUT_MS */
};

/* One row of the command table (xdp-bench's DEFINE_COMMAND shape). */
struct weirctl_cmd {
	const char *name;
	int (*fn)(struct weirctl *ctl, int argc, char **argv);
	const char *options;
	const char *doc;
};

/** Connect to ctl->socket. @return 0 or WEIRCTL_EXIT_CONNECT (printed). */
int weirctl_connect(struct weirctl *ctl);
void weirctl_close(struct weirctl *ctl);

/**
 * Send @p req (consumed) and read one reply line into @p rep (caller
 * decrefs). Connects first when needed. @return WEIRCTL_EXIT_OK, _CONNECT
 * (printed) or _REPLY (the reply had ok=false; *rep is still set).
 */
int weirctl_request(struct weirctl *ctl, json_t *req, json_t **rep, char **raw);

/** Run command @p name (no arguments) and print its raw reply (--json) or
 *  hand it back. Convenience for the simple commands. */
int weirctl_simple(struct weirctl *ctl, const char *name, json_t **rep);

/** Print "weirctl: weir replied: <error>" for an ok=false reply. */
void weirctl_print_error(const json_t *rep);

/* Table helpers. */
uint64_t weirctl_u64(const json_t *o, const char *key);
double weirctl_real(const json_t *o, const char *key);
const char *weirctl_str(const json_t *o, const char *key);
/** Print the "ports" array of a stats/ports reply (cmd_ports.c). */
void weirctl_print_ports(const json_t *ports);
/** Print a rules reply (cmd_rules.c). */
void weirctl_print_rules(const json_t *rep);
/** Parse a --top value, 1..1000. @return it, or 0 when invalid. */
int weirctl_parse_top(const char *s);
/** Print the latency block of a stats/latency reply. */
void weirctl_print_latency(const json_t *lat);
/** Print "p50 X  p90 X  ...  max X" (us) of one latency window, no
 *  newline: every row of WEIR_LAT_PERCENTILES (client.c). */
void weirctl_print_pct_line(const json_t *h);
/** Print the "sinks" array of a stats/sinks reply: one row per counter of
 *  WEIR_SINK_COUNTERS, one column per sink (cmd_sinks.c). */
void weirctl_print_sinks(const json_t *sinks);
/* Every drop_* counter of every list in stats reply @p st (ports, workers,
 * rx stage, emitter, sinks), summed; with @p f, each non-zero one is
 * printed there as " [where ]name n". */
uint64_t weirctl_lost(const json_t *st, FILE *f);
/** Width of a column headed @p name: its length, at least @p min. */
int weirctl_width(const char *name, int min);

int cmd_version(struct weirctl *ctl, int argc, char **argv);
int cmd_stats(struct weirctl *ctl, int argc, char **argv);
int cmd_ports(struct weirctl *ctl, int argc, char **argv);
int cmd_workers(struct weirctl *ctl, int argc, char **argv);
int cmd_rules(struct weirctl *ctl, int argc, char **argv);
int cmd_latency(struct weirctl *ctl, int argc, char **argv);
int cmd_reload(struct weirctl *ctl, int argc, char **argv);
int cmd_reopen(struct weirctl *ctl, int argc, char **argv);
int cmd_checkpoint(struct weirctl *ctl, int argc, char **argv);
int cmd_shutdown(struct weirctl *ctl, int argc, char **argv);
int cmd_top(struct weirctl *ctl, int argc, char **argv);
int cmd_disable(struct weirctl *ctl, int argc, char **argv);
int cmd_reconfigure(struct weirctl *ctl, int argc, char **argv);
int cmd_enable(struct weirctl *ctl, int argc, char **argv);
int cmd_sinks(struct weirctl *ctl, int argc, char **argv);
int cmd_help(struct weirctl *ctl, int argc, char **argv);

#endif /* WEIRCTL_H */
