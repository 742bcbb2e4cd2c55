/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outputs: the sinks the configuration enables, built from one table that
 * maps configuration keys (output.jsonl, outputs.<sink>.*) to the fields of
 * struct weir_sink_conf, then opened and started through the sink ops
 * (drivers/sink.h) and handed to the emitter. It sits at the tail of the
 * packet path, between the emitter and the sinks' own threads. Adding a
 * sink, or a key of one, is a row of that table (outputs.c); nothing here
 * knows what a sink does with its fields. Everything here runs on the main
 * thread; the caller owns the sink array.
 */
#ifndef WEIR_OUTPUTS_H
#define WEIR_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "conf.h"
#include "emitter.h"
#include "sink.h"

/**
 * The weir.host of every event: host-id, else the host name, else
 * "unknown". Thread: main, before launch (any would do: no global state).
 * @param host  out: the caller's @p len bytes, NUL-terminated
 */
void weir_outputs_host(const struct weir_conf *c, char *host, size_t len);

/**
 * Open every sink the configuration enables (each by its own key, in the
 * table's order: output.jsonl, outputs.unix.path, outputs.kafka.brokers,
 * outputs.pcap.file), start its queue (outputs.queue-size events) and
 * thread, and append it to @p em's sinks (em->sinks[] then points into
 * @p sinks, which must outlive the emitter's use of them). Before the
 * workers: a sink that wants frames decides how much of each frame they
 * copy. Errors are logged. Thread: main, before launch.
 * @param sinks        WEIR_MAX_SINKS slots, the caller's; sinks[0..*n_sinks)
 *                     are open on return, also on error (close them with
 *                     weir_outputs_close())
 * @param n_sinks      out: how many are open
 * @param em           initialised emitter: its text_slot sizes the queues'
 *                     records, its host names the kafka client
 * @param ports        the open capture ports, for the pcapng interfaces
 * @param frame_bytes  out: frame bytes the workers copy into each event
 *                     (the largest snaplen of a sink that wants frames),
 *                     unchanged when none does
 * @return 0, -EINVAL (a bad value, such as outputs.unix.mode), -ENOENT (a
 *         sink that was not built), or the -errno of weir_sink_open() or
 *         weir_sink_start() (-ENOMEM, ...).
 */
/** Whether sinks and workers wait rather than drop (outputs.backpressure:
 *  block, or auto on an @p offline input). Thread: any. */
bool weir_outputs_block(const struct weir_conf *c, bool offline);

int weir_outputs_open(struct weir_sink *sinks, unsigned int *n_sinks, struct weir_emitter *em,
		      const struct weir_conf *c, const struct weir_port *const *ports,
		      unsigned int n_ports, uint32_t *frame_bytes);

/**
 * SIGUSR1: reopen every sink's output (log rotation); sinks without reopen
 * are skipped. Failures are logged. Main thread (the emitter's), while the
 * sinks' threads run: each reopen waits for its sink's thread.
 * @return 0, or the last failure's -errno (-ETIMEDOUT when a sink's
 *         thread did not answer in WEIR_SINK_REOPEN_WAIT_MS); -ENOTSUP of a
 *         sink without reopen is not a failure.
 */
int weir_outputs_reopen(struct weir_sink *const *sinks, unsigned int n_sinks);

/**
 * Let every sink write its queue out, then close it: what close() still
 * counts (kafka's undelivered after its flush timeout) stays readable with
 * weir_sink_stats(). Every sink is stopped (drained, its thread joined,
 * one after the other) before the first is closed. Safe on sinks already closed. The array stays
 * the caller's. Thread: main, after the emitter's last enqueue and after
 * the control side stopped (weir_obs_tick() is main's too, so no reader
 * of the sinks is left).
 * @param flush_abort  when it turns true (a second SIGTERM/SIGINT), each
 *                     sink's close stops waiting for its output and counts
 *                     what is left undelivered; NULL = wait the bounds
 */
void weir_outputs_close(struct weir_sink *sinks, unsigned int n_sinks,
			const atomic_bool *flush_abort);

#endif /* WEIR_OUTPUTS_H */
