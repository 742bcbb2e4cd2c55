/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture ports as weir sets them up: which interfaces (capture.interface
 * split at commas), which capture driver (capture.driver, "auto" resolved),
 * the driver's options from the configuration (afxdp.*), and opening,
 * starting, stopping, closing and reconfiguring (SIGUSR2) every port. It
 * sits between the configuration and drivers/capture.h, at the head of the
 * packet path: the ports it opens are the ones the workers poll. Everything
 * here runs on the main thread; the caller owns the port array.
 */
#ifndef WEIR_PORTS_H
#define WEIR_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "conf.h"

/**
 * Split @p list (capture.interface) at commas into @p names, blanks around
 * each name dropped. A single name, even "", is one port, verbatim; a list
 * may not have empty, repeated or too long names, nor more than
 * WEIR_MAX_PORTS. Errors are printed to stderr. Main thread.
 * @param buf    out: the copy @p names point into (NULL for a single name);
 *               the caller frees it, also on error
 * @param names  out: WEIR_MAX_PORTS slots, borrowed from @p list or @p *buf
 * @param n      out: how many names
 * @return 0, -EINVAL (a bad list) or -ENOMEM.
 */
int weir_ports_split(const char *list, char **buf, const char *names[WEIR_MAX_PORTS],
		     unsigned int *n);

/**
 * The capture driver to use: capture.driver, or for "auto" pcap with a
 * file, afxdp when every name is a kernel interface (/sys/class/net), else
 * dpdk. Main thread. @return a static string or @p c's (not to be freed).
 */
const char *weir_ports_driver(const struct weir_conf *c, const char *const *names, unsigned int n);

/**
 * Whether @p driver can capture what @p c asks: several interfaces only
 * with afxdp or dpdk, a pcap driver only with a file, a driver that was
 * built. Errors are printed to stderr. Main thread.
 * @return the driver's ops table, or NULL (a usage error, printed).
 */
const struct weir_capture_ops *weir_ports_check(const struct weir_conf *c, const char *driver,
						unsigned int n);

/**
 * --check-config: parse the driver's options as opening would, without
 * opening anything (afxdp: the capture filter and block list), so a bad
 * port, prefix or protocol fails the check. Main thread.
 * @return 0, or -EINVAL (printed to stderr).
 */
int weir_ports_check_options(const struct weir_conf *c, const char *driver);

/**
 * Open one port per name with @p ops, each with @p n_queues queues (pcap
 * opens capture.pcap-file; dpdk ports get the other names as their group,
 * struct weir_dpdk_conf, so they hash alike). On a failure the error is printed, every
 * port opened so far is closed and its ops reset to NULL. Main thread,
 * after EAL.
 * @param portv     @p n ports, filled; the caller closes them
 * @param n_queues  queues per port: the workers (run mode workers or
 *                  auto), 1 (pipeline)
 * @param fewer_ok  a port may open fewer queues (weir_port_conf
 *                  fewer_queues_ok): each port's n_queues says how many
 * @param every_queue  run mode pipeline (weir_port_conf every_queue): a
 *                  driver that cannot set the device's queue count (afxdp)
 *                  opens every queue it has, so no packet bypasses the rx
 *                  stage
 * @param label     out: the port names joined with commas, for logs
 * @return 0, or the driver's -errno (-EINVAL and -ENOTSUP: a bad name or
 *         option, anything else: the port could not start).
 */
int weir_ports_open(struct weir_port *portv, unsigned int n, const char *const *names,
		    const struct weir_capture_ops *ops, const struct weir_conf *c,
		    uint16_t n_queues, bool fewer_ok, bool every_queue, char *label,
		    size_t label_len);

/**
 * Start every port (their queues deliver from now on). The error is
 * printed; the caller closes the ports. Main thread.
 * @return 0 or the first failing port's -errno.
 */
int weir_ports_start(struct weir_port *portv, unsigned int n);

/** Stop every port still open (ops != NULL). Main thread, after the
 *  workers returned. */
void weir_ports_stop(struct weir_port *portv, unsigned int n);

/** Stop and close every port still open (afxdp: detaches the XDP program
 *  from each interface); closed ports have ops NULL. Main thread. */
void weir_ports_close(struct weir_port *portv, unsigned int n);

/**
 * SIGUSR2 (and `weirctl reconfigure`): re-read @p conf_file and hand the
 * driver's run-time options to every running port (afxdp: capture filter
 * and block list, by rewriting the XDP program's maps). Nothing else
 * changes without a restart, and a file that does not load changes
 * nothing. The outcome is logged. Main thread, while the workers run.
 * @param label  the ports' names, for the log
 * @return 0, -ENOENT (no file), -ENOTSUP (the driver has nothing to change),
 *         -EIO (some ports refused), or the load's -errno.
 */
int weir_ports_reconfigure(struct weir_port *portv, unsigned int n, const char *conf_file,
			   const char *label);

#endif /* WEIR_PORTS_H */
