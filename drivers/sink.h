/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sinks: where the emitter sends formatted events (jsonl, unix, kafka,
 * kinesis, pcap). Every sink implements one ops table; nothing calls a sink's
 * functions directly.
 *
 * Queueing. Each opened sink gets its own bounded queue and its own thread
 * (weir_sink_start). The emitter formats an event once and copies it into
 * every sink's queue (weir_sink_enqueue); a full queue is a counted drop
 * (drop_full) for that sink alone, so one slow sink never delays the
 * others, the emitter or the workers. That is for live capture; offline
 * (conf->block) a full queue makes the emitter wait instead, so a replay
 * slows to its slowest sink and loses nothing. The sink's thread drains its queue in
 * batches through ops->write, calls ops->flush when the queue runs dry and
 * ops->idle while it waits. Why a thread per sink rather than per-sink
 * queues served from the emitter's loop: jsonl and pcap write files, and a
 * write(2) to a file can block for as long as the disk likes; the unix
 * sink's subscribers and librdkafka's delivery reports want a thread that
 * can sleep in poll() too. Kafka's produce is already non-blocking with its
 * own bounded queue (queue.buffering.max.messages); our queue in front of it
 * only decouples the emitter from rd_kafka_poll().
 *
 * The queue is two single-producer single-consumer rte_rings of pointers
 * (rte_ring_init on plain memory, so no EAL is needed: unit tests run the
 * threads too) over a pool of fixed-size records allocated once: "full"
 * (emitter -> sink thread) and "free" (back). A record holds the event
 * head (struct weir_event), the frame copy when the sink asks for it
 * (WEIR_SINK_F_FRAME: up to WEIR_EVENT_FRAME_MAX bytes) and the text when
 * it asks for it (WEIR_SINK_F_TEXT), so a text-only sink pays no frame
 * memory and the pcap sink no text.
 * Records are fixed-size, sized from the rule set's longest line: simple and
 * O(1), at the cost of memory (queue-size x slot) that malloc only commits
 * as it is touched.
 *
 * Threads: open/start/stop/close and stats on the main thread; enqueue on
 * the emitter thread (which is the main thread today); write/flush/idle/
 * reopen on the sink's own thread only, so a sink's state needs no lock.
 *
 * Accounting, per sink, once stopped and closed:
 *   offered = enqueued + drop_full(queue)
 *   enqueued = written + skipped + drop_backpressure + drop_errors + drop_undelivered
 * (skipped: events a sink has nothing to write for, not a loss: the pcap
 * sink passes over flow records, which carry no frame)
 * (kafka counts its own full local queue in drop_full too, and in written
 * only what a delivery report confirmed; kinesis likewise its own queue,
 * and in written only what PutRecords stored).
 */
#ifndef WEIR_SINK_H
#define WEIR_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h" /* WEIR_SINK_COUNTERS */
#include "event.h"
#include "hist.h"

#define WEIR_SINK_BATCH		 64  /* records per write() from the sink thread */
#define WEIR_SINK_IDLE_MS	 100 /* longest idle wait: housekeeping period */
#define WEIR_SINK_MAX_IFACES	 8
#define WEIR_SINK_REOPEN_WAIT_MS 2000 /* a reopen is an open(2): fast or broken */
/* Events whose rx time the sink's thread holds until the flush after their
 * write returns (struct weir_sink lat) */
#define WEIR_SINK_LAT_PENDING 512

/* What a sink reads from each queued event (ops->flags). */
#define WEIR_SINK_F_TEXT  0x1 /* the formatted JSON line */
#define WEIR_SINK_F_FRAME 0x2 /* the frame (write's @p frame; else that is NULL) */

/* An interface the events may name (ev->port indexes this). */
struct weir_sink_iface {
	const char *name;
	uint16_t linktype; /* LINKTYPE_* of its frames (pcapng IDB) */
};

/*
 * One flat conf for every sink type; each reads its own fields. Strings
 * are borrowed for open() only: a sink copies what it keeps.
 */
struct weir_sink_conf {
	const char *path; /* jsonl: file, "-" stdout; unix: socket; pcap: file prefix */
	/* jsonl, unix, pcap: bytes buffered between writes, 0 = 64 KiB.
	 * jsonl: a line longer than this is dropped (drop_errors), so size it
	 * at least weir_event_json_max() of the rule set. unix: the bound of
	 * each subscriber's backlog, past which it is disconnected. */
	size_t buffer_size;
	/* The longest formatted line the caller makes (the emitter's text
	 * slot), 0 = unknown. jsonl with buffer_size 0: a buffer of two such
	 * lines, at least 64 KiB, so that every line fits. */
	size_t text_max;
	bool fsync;	  /* jsonl: fsync(2) after each flush that wrote */
	uint32_t mode;	  /* unix: socket file mode */
	const char *host; /* kafka: client.id suffix */
	/* kafka */
	const char *brokers;
	const char *topic;
	const char *key;	 /* "flow" | "src_ip" | "none" | "window" (ev->win_key_hash) */
	const char *compression; /* none | gzip | snappy | lz4 | zstd */
	const char *acks;	 /* all | 1 | 0 */
	bool idempotence;
	const char *const *properties; /* "name=value" passed to librdkafka */
	unsigned int n_properties;
	uint32_t flush_timeout_ms;
	/* kafka security: "" or NULL = not set. The files holding secrets
	 * (key, key password, SASL password) are refused when readable by
	 * everyone; the passwords are read from their files at open, never
	 * taken from the configuration. */
	const char *security_protocol; /* auto | plaintext | ssl | sasl_plaintext | sasl_ssl */
	const char *tls_ca_file;
	const char *tls_cert_file;
	const char *tls_key_file;
	const char *tls_key_password_file;
	const char *sasl_mechanism; /* none | PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 */
	const char *sasl_username;
	const char *sasl_password_file;
	/* kinesis (flush_timeout_ms too) */
	const char *stream;
	const char *region;	   /* "" = AWS_REGION, AWS_DEFAULT_REGION */
	const char *endpoint;	   /* "" = https://kinesis.REGION.amazonaws.com */
	const char *partition_key; /* "flow" | "src" | "window" */
	const char *profile;	   /* shared credentials file's, "" = AWS_PROFILE */
	uint32_t max_pending;	   /* records held for sending and retrying */
	uint32_t batch_records;	   /* per PutRecords, <= 500 */
	size_t batch_bytes;	   /* per PutRecords, <= 5 MiB */
	uint32_t request_timeout_ms;
	uint32_t retry_backoff_ms;
	uint32_t retry_backoff_max_ms;
	/* pcap */
	uint32_t snaplen;
	uint64_t max_bytes; /* rotate past this file size, 0 = never */
	const struct weir_sink_iface *ifaces;
	unsigned int n_ifaces;
	/* Backpressure instead of loss (outputs.backpressure; offline replay
	 * by default): weir_sink_enqueue() waits for room in the queue
	 * instead of counting drop_full, and the jsonl sink waits for a slow
	 * pipe reader instead of counting drop_backpressure. */
	bool block;
	/* With block: stop waiting once this reads true (SIGINT/SIGTERM),
	 * so a reader that never reads cannot hold weir forever; NULL =
	 * never. Borrowed for the sink's lifetime. */
	const atomic_bool *cancel;
	/* The sink takes window observation records only (weir_sink.observations) */
	bool observations;
	/* optional: open() writes the reason for a failure in words here
	 * (librdkafka's own message, say), for the caller to print */
	char *err;
	size_t err_len;
};

/*
 * A sink's counters: one uint64_t per row of WEIR_SINK_COUNTERS (common/
 * counters.h), in that order. Every sink type has every field; the
 * per-type ones (kafka: drop_undelivered; unix: subscribers, accepted,
 * drop_subscribers; pcap: files) stay 0 for the other types, and every
 * view shows every row for every sink, so no view branches on the type.
 * Kept by the sink (s->st, written by its thread), read through
 * weir_sink_stats() into a struct the caller owns.
 */
#define WEIR_SINK_DECLARE_COUNTER(name, kind, doc) uint64_t name;
struct weir_sink_stats {
	WEIR_SINK_COUNTERS(WEIR_SINK_DECLARE_COUNTER)
};

#define WEIR_SINK_TARGET_MAX 256

struct weir_sink_ops;
struct weir_sink_queue;

struct weir_sink {
	const struct weir_sink_ops *ops;
	const char *name; /* instance name for stats */
	/* Where the output goes, for people (summary, logs): conf->topic when
	 * set (kafka), conf->stream (kinesis), else conf->path (jsonl, unix,
	 * pcap). Set by
	 * weir_sink_open(); kept after close. */
	char target[WEIR_SINK_TARGET_MAX];
	void *priv;
	struct weir_sink_stats st; /* kept by the sink (its thread), read via ops->stats */
	/* close() waits no longer for its output (kafka's flush) once this
	 * is true: a second stop signal. The owner's flag, set before close;
	 * NULL = wait the whole bound. */
	const atomic_bool *flush_abort;
	bool block; /* conf->block, see weir_sink_conf */
	/* The errno of the sink's last failed write (drop_errors' cause), 0
	 * = none; stored by the sink's thread, read by anyone, relaxed. */
	int last_errno;
	/* The cause of the sink's last loss of any kind as static text (a
	 * library's error name, the brokers' state), NULL = none beyond
	 * last_errno; stored by the sink's thread, read by anyone, relaxed. */
	const char *last_cause;
	const atomic_bool *cancel; /* conf->cancel */
	struct weir_sink_queue *q; /* NULL until weir_sink_start() */
	/* Opened for window observation records (conf->observations): the
	 * emitter gives it those (WEIR_EV_OBS) and nothing else, and the
	 * other sinks never see them. Set by weir_sink_open(). */
	bool observations;
	/* Latency of each event from its worker's rx burst (ev->rx_tsc, TSC
	 * cycles) to the return of the sink's flush that pushed it out (for
	 * jsonl and pcap the write(2) to the file, for unix the sends to the
	 * subscribers, for kafka and kinesis the hand-over to the client
	 * library's queue; delivery is not in it). When more than
	 * WEIR_SINK_LAT_PENDING events wait for a flush (a steady stream:
	 * the queue never runs dry), the oldest are recorded when their write
	 * returns instead. Written by the sink's thread once started, read by
	 * any thread (relaxed, hist.h); zeroed by weir_sink_open(). Events
	 * without an rx time (rx_tsc 0) are not recorded. */
	struct weir_hist lat;
	/* kafka: each event's rx (ev->rx_tsc) to its delivery report's
	 * success (the brokers stored it, as acks says); recorded on the
	 * sink's thread (rd_kafka_poll), empty for the other sinks. Zeroed
	 * by weir_sink_open(). */
	struct weir_hist lat_delivered;
};

struct weir_sink_ops {
	const char *name;
	unsigned int flags; /* WEIR_SINK_F_* */
	/* control: main thread; return 0 or -errno */
	int (*open)(struct weir_sink *s, const struct weir_sink_conf *conf);
	void (*close)(struct weir_sink *s);
	/* optional: log rotation; on the sink's thread once started (main
	 * waits for it, see weir_sink_reopen()), else on main */
	int (*reopen)(struct weir_sink *s);
	/* the sink's thread (or the caller, when not started); @p frame is
	 * NULL unless flags has WEIR_SINK_F_FRAME, see weir_sink_write() */
	int (*write)(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
		     const struct weir_frame *frame, unsigned int n);
	int (*flush)(struct weir_sink *s);
	/* optional: wait up to @p timeout_ms for @p wake_fd to become readable
	 * or for the sink's own I/O, doing its housekeeping (accept, delivery
	 * reports). Without it the thread waits on wake_fd alone. */
	void (*idle)(struct weir_sink *s, int wake_fd, int timeout_ms);
	/* main thread, while the sink's thread writes s->st: see
	 * weir_sink_stats() */
	void (*stats)(const struct weir_sink *s, struct weir_sink_stats *st);
};

/** Find a sink by name ("jsonl"); NULL (errno = ENOENT) when not built or
 *  @p name is NULL. The ops are static, never freed. Thread: any; reads
 *  the const registry only. */
const struct weir_sink_ops *weir_sink_find(const char *name);

/** The names of the sinks built, in registry order ("jsonl, unix, pcap,
 *  kafka"), for errors. A static string the caller must not free, built
 *  at the first call without a lock. Thread: main. */
const char *weir_sink_names(void);

/**
 * Open sink @p s (the caller's, which keeps it until weir_sink_close())
 * with @p ops; sets s->name (when NULL) and s->target, zeroes s->st. @p conf
 * is borrowed for the call. Thread: main, before launch.
 * @return 0 or -errno: -EINVAL (NULL @p s, @p ops, ops->open or @p conf),
 *         or the sink's own (e.g. -ENOENT, -EACCES). On failure s->ops is
 *         NULL, so weir_sink_close() is a no-op.
 */
int weir_sink_open(struct weir_sink *s, const struct weir_sink_ops *ops,
		   const struct weir_sink_conf *conf);

/**
 * Give the open sink @p s its queue of @p queue_size events (records of
 * @p text_max text bytes) and start its thread. The queue belongs to the
 * sink and is freed by weir_sink_close(). From then on only
 * weir_sink_enqueue() feeds it. Thread: main, before launch.
 * @return 0, -EINVAL (not open, already started, or @p queue_size 0;
 *         s->ops must not be NULL, see sink.c), -ENOMEM, or the -errno of
 *         eventfd() or pthread_create(); on failure nothing is left
 *         started.
 */
int weir_sink_start(struct weir_sink *s, unsigned int queue_size, size_t text_max);

/** The errno of the sink's last failed write, 0 = none. Thread: any. */
static inline int
weir_sink_last_errno(const struct weir_sink *s)
{
	return __atomic_load_n(&s->last_errno, __ATOMIC_RELAXED);
}

/** Record @p err (> 0) as the cause of the sink's latest drop_errors.
 *  Thread: the sink's. */
static inline void
weir_sink_set_errno(struct weir_sink *s, int err)
{
	__atomic_store_n(&s->last_errno, err, __ATOMIC_RELAXED);
}

/** The cause of the sink's last loss (static text), NULL = none.
 *  Thread: any. */
static inline const char *
weir_sink_last_cause(const struct weir_sink *s)
{
	return __atomic_load_n(&s->last_cause, __ATOMIC_RELAXED);
}

/** Record @p cause, static text that outlives the sink, as the cause of
 *  its latest loss (the loss monitor's LOSS lines name it). Thread: the
 *  sink's. */
static inline void
weir_sink_set_cause(struct weir_sink *s, const char *cause)
{
	__atomic_store_n(&s->last_cause, cause, __ATOMIC_RELAXED);
}

/** True once the sink should stop waiting for a slow output (its
 *  cancel flag is set). Thread: any. */
static inline bool
weir_sink_cancelled(const struct weir_sink *s)
{
	return s->cancel != NULL && atomic_load_explicit(s->cancel, memory_order_relaxed);
}

/**
 * Copy @p n events, their texts and, for a sink with WEIR_SINK_F_FRAME,
 * their frames (@p frame: n entries, or NULL for none; a frame is cut to
 * WEIR_EVENT_FRAME_MAX) into the sink's queue; what does not fit is
 * counted in drop_full. With s->block, waits for the sink's thread to
 * free room instead (until weir_sink_cancelled()): the emitter, and
 * through the rings the workers, slow to the sink. Nothing is borrowed past the return: the caller
 * may reuse all three arrays and what they point at. Thread: the emitter
 * only (the queue's single producer; the main thread today), on a started
 * sink (s->q set). Wakes the sink's thread if it sleeps.
 * @return number of events queued (0..n).
 */
unsigned int weir_sink_enqueue(struct weir_sink *s, const struct weir_event *ev,
			       const struct weir_text *json, const struct weir_frame *frame,
			       unsigned int n);

/** Wake the sink's thread (it writes and flushes what is queued); a no-op
 *  on a sink not started. Thread: any (a write to its eventfd); the
 *  emitter's weir_emitter_flush() calls it. */
void weir_sink_kick(struct weir_sink *s);

/** Let the thread drain the queue, flush, and end; join it. Thread: main,
 *  after the emitter's last weir_sink_enqueue(); a no-op when not started. */
void weir_sink_stop(struct weir_sink *s);

/**
 * Write @p n events, their formatted text and (@p frame, n entries, or
 * NULL: no frames) their captured frames, synchronously (tests, and a sink
 * that was not started). Everything is borrowed for the call only.
 * Thread: the sink's own thread, or the caller's when it was not started. A sink
 * never blocks the caller for long: what it cannot take is counted in its
 * drop_* stats.
 * @return number of events accepted (0..n), or -errno on a hard error.
 */
static inline int
weir_sink_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
		const struct weir_frame *frame, unsigned int n)
{
	return s->ops->write(s, ev, json, frame, n);
}

/** Push buffered output down (called when the queue runs dry and at exit).
 *  Thread: as weir_sink_write(). @return 0 (also without a flush op) or
 *  the sink's -errno. */
static inline int
weir_sink_flush(struct weir_sink *s)
{
	return s->ops->flush ? s->ops->flush(s) : 0;
}

/**
 * The sink's counters plus its queue's, into @p st (the caller's). Thread:
 * main only: the queue's counters are the emitter's (the main thread), and
 * the control side reads the copies main publishes instead (see
 * weir_obs_tick). The sink's thread writes s->st meanwhile: plain 64-bit
 * loads, each current but not one snapshot. Exact once stopped; after
 * weir_sink_close() the last counters.
 */
void weir_sink_stats(const struct weir_sink *s, struct weir_sink_stats *st);

/**
 * Reopen output (SIGUSR1 / log rotation). On a started sink its thread
 * does it and this waits for the result (at most WEIR_SINK_REOPEN_WAIT_MS;
 * after a timeout the thread still reopens, later). Thread: main (the
 * emitter loop, via weir_outputs_reopen); not concurrent with itself.
 * @return 0, -EBADF (not open), -ENOTSUP when not supported, -ETIMEDOUT,
 *         or the sink's -errno.
 */
int weir_sink_reopen(struct weir_sink *s);

/**
 * Stop (if started), flush and close; frees the queue and the sink's
 * state, not @p s itself, which keeps its last counters (weir_sink_stats())
 * and s->target. Safe on a sink that failed to open or is closed already.
 * Thread: main, after the emitter stopped enqueueing.
 */
void weir_sink_close(struct weir_sink *s);

#endif /* WEIR_SINK_H */
