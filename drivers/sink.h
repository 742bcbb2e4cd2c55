/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sinks: where the emitter sends formatted events (jsonl now; unix socket,
 * kafka and pcap later). Every sink implements one ops table; the emitter
 * calls the inline wrappers below and never a sink directly. Sinks are
 * called from the emitter thread only.
 */
#ifndef WEIR_SINK_H
#define WEIR_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct weir_sink_conf {
	const char *path; /* jsonl: file path, "-" for stdout */
	/* jsonl: bytes buffered between write(2) calls, 0 = 64 KiB. A line
	 * longer than this is dropped (drop_errors), so size it at least
	 * weir_event_json_max() of the rule set. */
	size_t buffer_size;
};

struct weir_sink_stats {
	uint64_t written;       /* events whose whole line reached the output */
	uint64_t bytes;         /* bytes that reached the output */
	uint64_t drop_errors;   /* events lost to write errors */
	uint64_t drop_backpressure; /* events dropped because the sink was full */
};

struct weir_sink_ops;

struct weir_sink {
	const struct weir_sink_ops *ops;
	const char *name; /* instance name for stats */
	void *priv;
	struct weir_sink_stats st; /* kept by the sink, read via ops->stats */
};

struct weir_sink_ops {
	const char *name;
	/* control: main thread; return 0 or -errno */
	int (*open)(struct weir_sink *s, const struct weir_sink_conf *conf);
	void (*close)(struct weir_sink *s);
	int (*reopen)(struct weir_sink *s); /* optional: log rotation */
	/* emitter thread */
	int (*write)(struct weir_sink *s, const struct weir_event *ev,
		     const struct weir_text *json, unsigned int n);
	int (*flush)(struct weir_sink *s);
	void (*stats)(const struct weir_sink *s, struct weir_sink_stats *st);
};

/** Find a sink by name ("jsonl"); NULL (errno = ENOENT) when not built. */
const struct weir_sink_ops *weir_sink_find(const char *name);

/** Open sink @p s with @p ops. @return 0 or -errno (e.g. -ENOENT, -EACCES). */
int weir_sink_open(struct weir_sink *s, const struct weir_sink_ops *ops,
		   const struct weir_sink_conf *conf);

/**
 * Write @p n events and their formatted text. A sink never blocks the
 * caller for long: what it cannot take is counted in its drop_* stats.
 * @return number of events accepted (0..n), or -errno on a hard error.
 */
static inline int
weir_sink_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
		unsigned int n)
{
	return s->ops->write(s, ev, json, n);
}

/** Push buffered output down (called after each batch and at exit). */
static inline int
weir_sink_flush(struct weir_sink *s)
{
	return s->ops->flush ? s->ops->flush(s) : 0;
}

static inline void
weir_sink_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	s->ops->stats(s, st);
}

/** Reopen output (SIGUSR1 / log rotation). -ENOTSUP when not supported. */
int weir_sink_reopen(struct weir_sink *s);

/** Flush and close. */
void weir_sink_close(struct weir_sink *s);

#endif /* WEIR_SINK_H */
