/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sink registry, the control-path wrappers of sink.h, and the per-sink
 * queue and thread (see sink.h for why each sink has both). The registry
 * is an explicit array rather than constructor registration: a static
 * library drops an object file whose only reference is a constructor
 * (STYLE.md, Driver/sink ops).
 *
 * The thread's sleep is the one subtle part. It sleeps only after setting
 * q->sleeping and seeing the queue still empty; the emitter enqueues, then
 * reads q->sleeping, with a full fence on both sides between the write and
 * the read (Dekker), so at least one of them sees the other: either the
 * thread sees the new records, or the emitter sees it asleep and writes the
 * eventfd. One syscall per batch at most, and only when the thread sleeps.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "log.h"
#include "sink.h"
#include "weir_config.h"

extern const struct weir_sink_ops jsonl_sink_ops;
extern const struct weir_sink_ops unix_sink_ops;
extern const struct weir_sink_ops pcap_sink_ops;
#if WEIR_HAVE_KAFKA
extern const struct weir_sink_ops kafka_sink_ops;
#endif
#if WEIR_HAVE_KINESIS
extern const struct weir_sink_ops kinesis_sink_ops;
#endif

#define SINK_WAIT_NS 50000 /* 50 us: backpressure's poll of a full queue */

static const struct weir_sink_ops *const sink_registry[] = {
	&jsonl_sink_ops,   &unix_sink_ops, &pcap_sink_ops,
#if WEIR_HAVE_KAFKA
	&kafka_sink_ops,
#endif
#if WEIR_HAVE_KINESIS
	&kinesis_sink_ops,
#endif
};

/* One queued event. The frame follows it at frame_off, the text at
 * text_off. */
struct sink_rec {
	uint32_t text_len;
	uint32_t frame_len;
	struct weir_event ev;
};

struct weir_sink_queue {
	struct rte_ring *full; /* emitter -> thread */
	struct rte_ring *free; /* thread -> emitter */
	char *pool;
	size_t rec_size;
	size_t frame_off; /* of the frame in a record, 0 = no frame */
	size_t text_off;  /* of the text in a record, 0 = no text */
	size_t text_max;
	unsigned int size;
	int wake_fd; /* eventfd */
	pthread_t thread;
	bool thread_started;
	atomic_bool sleeping;
	atomic_bool stop;
	atomic_bool reopen;
	pthread_mutex_t reopen_mu;
	pthread_cond_t reopen_cv;
	unsigned int reopen_gen; /* bumped by the thread after each reopen */
	int reopen_rc;
	/* emitter side, single writer */
	uint64_t enqueued;
	uint64_t flow_records; /* among enqueued */
	uint64_t drop_full;
	uint64_t hwm;
	/* thread's batch scratch */
	struct sink_rec *batch[WEIR_SINK_BATCH];
	struct weir_text json[WEIR_SINK_BATCH];
	struct weir_frame frames[WEIR_SINK_BATCH];
	struct weir_event *evs; /* WEIR_SINK_BATCH events, gathered */
	/* rx times of the events written since the last flush (s->lat) */
	uint64_t lat_pend[WEIR_SINK_LAT_PENDING];
	unsigned int n_lat_pend;
};

const struct weir_sink_ops *
weir_sink_find(const char *name)
{
	size_t i;

	if (name != NULL) {
		for (i = 0; i < sizeof(sink_registry) / sizeof(sink_registry[0]); i++)
			if (strcmp(sink_registry[i]->name, name) == 0)
				return sink_registry[i];
	}
	errno = ENOENT;
	return NULL;
}

const char *
weir_sink_names(void)
{
	static char names[64];
	size_t i, off = 0;

	/* Built from the registry so errors cannot drift from it. */
	if (names[0] == '\0')
		for (i = 0; i < sizeof(sink_registry) / sizeof(sink_registry[0]); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i ? ", " : "", sink_registry[i]->name);
	return names;
}

int
weir_sink_open(struct weir_sink *s, const struct weir_sink_ops *ops,
	       const struct weir_sink_conf *conf)
{
	int rc;

	if (s == NULL || ops == NULL || ops->open == NULL || conf == NULL)
		return -EINVAL;
	s->ops = ops;
	if (s->name == NULL)
		s->name = ops->name;
	s->priv = NULL;
	s->q = NULL;
	memset(&s->st, 0, sizeof(s->st));
	memset(&s->lat, 0, sizeof(s->lat));
	memset(&s->lat_delivered, 0, sizeof(s->lat_delivered));
	s->block = conf->block;
	s->cancel = conf->cancel;
	s->observations = conf->observations;
	snprintf(s->target, sizeof(s->target), "%s",
		 conf->topic != NULL && conf->topic[0] != '\0'	   ? conf->topic
		 : conf->stream != NULL && conf->stream[0] != '\0' ? conf->stream
		 : conf->path != NULL				   ? conf->path
								   : "");
	rc = ops->open(s, conf);
	if (rc < 0) {
		/* Leave nothing that weir_sink_close() would act on. */
		s->ops = NULL;
		s->priv = NULL;
	}
	return rc;
}

static struct rte_ring *
sink_ring_new(const char *name, unsigned int count)
{
	ssize_t sz = rte_ring_get_memsize(rte_align32pow2(count + 1));
	struct rte_ring *r;

	if (sz < 0)
		return NULL;
	r = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE));
	if (r == NULL)
		return NULL;
	if (rte_ring_init(r, name, count, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void
sink_queue_free(struct weir_sink_queue *q)
{
	pthread_mutex_destroy(&q->reopen_mu);
	pthread_cond_destroy(&q->reopen_cv);
	if (q->wake_fd >= 0)
		close(q->wake_fd);
	free(q->full);
	free(q->free);
	free(q->pool);
	free(q->evs);
	free(q);
}

static void
sink_wake(struct weir_sink_queue *q)
{
	uint64_t one = 1;

	/* EAGAIN only when the counter is at its maximum: already awake. */
	if (write(q->wake_fd, &one, sizeof(one)) < 0)
		return;
}

/* Record the first @p n pending rx times as of @p now, keep the rest. */
static void
sink_lat_record(struct weir_sink *s, struct weir_sink_queue *q, unsigned int n, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		weir_hist_record(&s->lat, now > q->lat_pend[i] ? now - q->lat_pend[i] : 0);
	memmove(q->lat_pend, q->lat_pend + n, (q->n_lat_pend - n) * sizeof(q->lat_pend[0]));
	q->n_lat_pend -= n;
}

/* After a write of @p n events (q->evs) returned: hold their rx times for
 * the flush; when the holding room runs out, the oldest are recorded now. */
static void
sink_lat_written(struct weir_sink *s, struct weir_sink_queue *q, unsigned int n)
{
	unsigned int i;

	if (q->n_lat_pend + n > WEIR_SINK_LAT_PENDING)
		sink_lat_record(s, q, q->n_lat_pend + n - WEIR_SINK_LAT_PENDING, rte_rdtsc());
	for (i = 0; i < n; i++)
		if (q->evs[i].rx_tsc != 0)
			q->lat_pend[q->n_lat_pend++] = q->evs[i].rx_tsc;
}

/* Hand a batch to the sink; the records go back to the free ring. */
static unsigned int
sink_drain_batch(struct weir_sink *s, struct weir_sink_queue *q)
{
	unsigned int n, i;

	n = rte_ring_dequeue_burst(q->full, (void **)q->batch, WEIR_SINK_BATCH, NULL);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct sink_rec *r = q->batch[i];

		/* Gathered: write() takes arrays, as the emitter had them. */
		memcpy(&q->evs[i], &r->ev, sizeof(r->ev));
		q->json[i].data = q->text_off ? (const char *)r + q->text_off : "";
		q->json[i].len = q->text_off ? r->text_len : 0;
		q->frames[i].data = (const uint8_t *)r + q->frame_off;
		q->frames[i].len = q->frame_off ? r->frame_len : 0;
	}
	s->ops->write(s, q->evs, q->json, q->frame_off ? q->frames : NULL, n);
	sink_lat_written(s, q, n);
	rte_ring_enqueue_bulk(q->free, (void **)q->batch, n, NULL);
	return n;
}

static void
sink_sleep(struct weir_sink *s, struct weir_sink_queue *q)
{
	struct pollfd pfd = {.fd = q->wake_fd, .events = POLLIN};
	uint64_t v;

	atomic_store(&q->sleeping, true);
	atomic_thread_fence(memory_order_seq_cst);
	if (rte_ring_count(q->full) == 0 && !atomic_load(&q->stop) && !atomic_load(&q->reopen)) {
		if (s->ops->idle != NULL)
			s->ops->idle(s, q->wake_fd, WEIR_SINK_IDLE_MS);
		else
			poll(&pfd, 1, WEIR_SINK_IDLE_MS);
	}
	atomic_store(&q->sleeping, false);
	if (read(q->wake_fd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: nobody woke us */
}

static void *
sink_thread(void *arg)
{
	struct weir_sink *s = arg;
	struct weir_sink_queue *q = s->q;
	bool dirty = false;
	int rc;

	for (;;) {
		if (sink_drain_batch(s, q) != 0) {
			dirty = true;
			continue;
		}
		/* The queue ran dry: push what the sink buffered down. */
		if (dirty) {
			weir_sink_flush(s);
			sink_lat_record(s, q, q->n_lat_pend, rte_rdtsc());
			dirty = false;
		}
		if (atomic_exchange(&q->reopen, false)) {
			rc = s->ops->reopen(s);
			pthread_mutex_lock(&q->reopen_mu);
			q->reopen_rc = rc;
			q->reopen_gen++;
			pthread_cond_broadcast(&q->reopen_cv);
			pthread_mutex_unlock(&q->reopen_mu);
		}
		/* stop is set after the emitter's last enqueue: once it is
		 * seen and the queue is empty, nothing more will come. */
		if (atomic_load(&q->stop) && rte_ring_count(q->full) == 0)
			break;
		sink_sleep(s, q);
	}
	weir_sink_flush(s);
	sink_lat_record(s, q, q->n_lat_pend, rte_rdtsc());
	return NULL;
}

int
weir_sink_start(struct weir_sink *s, unsigned int queue_size, size_t text_max)
{
	struct weir_sink_queue *q;
	char name[RTE_RING_NAMESIZE];
	unsigned int flags, i;
	int rc;

	if (s->ops == NULL || s->q != NULL || queue_size == 0)
		return -EINVAL;
	flags = s->ops->flags;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->wake_fd = -1;
	pthread_mutex_init(&q->reopen_mu, NULL);
	pthread_cond_init(&q->reopen_cv, NULL);
	q->size = queue_size;
	q->text_max = text_max;
	q->rec_size = sizeof(struct sink_rec);
	if (flags & WEIR_SINK_F_FRAME) {
		q->frame_off = q->rec_size;
		q->rec_size += WEIR_EVENT_FRAME_MAX;
	}
	if (flags & WEIR_SINK_F_TEXT) {
		q->text_off = q->rec_size;
		q->rec_size += text_max;
	}
	q->rec_size = RTE_ALIGN_CEIL(q->rec_size, 64);
	atomic_init(&q->sleeping, false);
	atomic_init(&q->stop, false);
	atomic_init(&q->reopen, false);
	snprintf(name, sizeof(name), "sink_%s_full", s->ops->name);
	q->full = sink_ring_new(name, queue_size);
	snprintf(name, sizeof(name), "sink_%s_free", s->ops->name);
	q->free = sink_ring_new(name, queue_size);
	/* The pool is touched page by page as it fills: queue-size is a
	 * bound, not a commitment. */
	q->pool = malloc((size_t)queue_size * q->rec_size);
	q->evs = malloc(WEIR_SINK_BATCH * sizeof(struct weir_event));
	q->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->full == NULL || q->free == NULL || q->pool == NULL || q->evs == NULL ||
	    q->wake_fd < 0) {
		rc = q->wake_fd < 0 ? -errno : -ENOMEM;
		sink_queue_free(q);
		return rc;
	}
	for (i = 0; i < queue_size; i++) {
		void *r = q->pool + (size_t)i * q->rec_size;

		rte_ring_enqueue(q->free, r);
	}
	s->q = q;
	rc = pthread_create(&q->thread, NULL, sink_thread, s);
	if (rc != 0) {
		s->q = NULL;
		sink_queue_free(q);
		return -rc;
	}
	q->thread_started = true;
	snprintf(name, sizeof(name), "weir-%s", s->ops->name);
	pthread_setname_np(q->thread, name);
	return 0;
}

/*
 * Backpressure (s->block): the queue had no free record. Wake the sink's
 * thread and give it a moment; the thread returns records as it writes.
 * Polled rather than signalled: this runs offline only, where a short
 * sleep costs nothing and a second eventfd would cost every live enqueue.
 * @return true to try again, false to count the rest as drop_full.
 */
static bool
sink_wait_room(struct weir_sink *s, struct weir_sink_queue *q)
{
	const struct timespec nap = {.tv_sec = 0, .tv_nsec = SINK_WAIT_NS};

	if (!s->block || weir_sink_cancelled(s))
		return false;
	sink_wake(q);
	nanosleep(&nap, NULL);
	return true;
}

unsigned int
weir_sink_enqueue(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
		  const struct weir_frame *frame, unsigned int n)
{
	struct weir_sink_queue *q = s->q;
	struct sink_rec *recs[WEIR_SINK_BATCH];
	unsigned int done = 0, got, i, depth;

	while (done < n) {
		unsigned int want = n - done < WEIR_SINK_BATCH ? n - done : WEIR_SINK_BATCH;

		got = rte_ring_dequeue_burst(q->free, (void **)recs, want, NULL);
		for (i = 0; i < got; i++) {
			const struct weir_event *e = &ev[done + i];
			struct sink_rec *r = recs[i];
			size_t len = 0;

			memcpy(&r->ev, e, sizeof(r->ev));
			q->flow_records += e->kind == WEIR_EV_FLOW;
			r->frame_len = 0;
			if (q->frame_off && frame != NULL && frame[done + i].len > 0) {
				/* no frame (data NULL): a flow record, a stream
				 * alert raised at a flow's end */
				r->frame_len = frame[done + i].len < WEIR_EVENT_FRAME_MAX
						       ? frame[done + i].len
						       : WEIR_EVENT_FRAME_MAX;
				memcpy((char *)r + q->frame_off, frame[done + i].data,
				       r->frame_len);
			}
			if (q->text_off) {
				len = json[done + i].len < q->text_max ? json[done + i].len
								       : q->text_max;
				memcpy((char *)r + q->text_off, json[done + i].data, len);
			}
			r->text_len = (uint32_t)len;
		}
		if (got != 0)
			rte_ring_enqueue_bulk(q->full, (void **)recs, got, NULL);
		done += got;
		if (got < want && !sink_wait_room(s, q))
			break;
	}
	q->enqueued += done;
	q->drop_full += n - done;
	depth = rte_ring_count(q->full);
	if (depth > q->hwm)
		q->hwm = depth;
	atomic_thread_fence(memory_order_seq_cst);
	if (done != 0 && atomic_load_explicit(&q->sleeping, memory_order_relaxed))
		sink_wake(q);
	return done;
}

void
weir_sink_kick(struct weir_sink *s)
{
	if (s->q != NULL)
		sink_wake(s->q);
}

void
weir_sink_stop(struct weir_sink *s)
{
	struct weir_sink_queue *q = s->q;

	if (q == NULL || !q->thread_started)
		return;
	atomic_store(&q->stop, true);
	sink_wake(q);
	pthread_join(q->thread, NULL);
	q->thread_started = false;
}

void
weir_sink_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	const struct weir_sink_queue *q = s->q;

	/* A closed sink keeps its last counters in s->st (see close). */
	if (s->ops == NULL || s->ops->stats == NULL)
		*st = s->st;
	else
		s->ops->stats(s, st);
	if (q == NULL)
		return;
	st->enqueued = q->enqueued;
	st->flow_records = q->flow_records;
	st->drop_full += q->drop_full;
	st->queue_depth = rte_ring_count(q->full);
	st->queue_hwm = q->hwm;
}

int
weir_sink_reopen(struct weir_sink *s)
{
	struct weir_sink_queue *q = s->q;
	struct timespec deadline;
	unsigned int gen;
	int rc = 0;

	if (s->ops == NULL)
		return -EBADF;
	if (s->ops->reopen == NULL)
		return -ENOTSUP;
	if (q == NULL || !q->thread_started)
		return s->ops->reopen(s);
	/* The sink's state belongs to its thread: ask it, wait for it. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WEIR_SINK_REOPEN_WAIT_MS / 1000;
	deadline.tv_nsec += (long)(WEIR_SINK_REOPEN_WAIT_MS % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q->reopen_mu);
	gen = q->reopen_gen;
	atomic_store(&q->reopen, true);
	sink_wake(q);
	while (q->reopen_gen == gen && rc == 0)
		rc = -pthread_cond_timedwait(&q->reopen_cv, &q->reopen_mu, &deadline);
	if (q->reopen_gen != gen)
		rc = q->reopen_rc;
	pthread_mutex_unlock(&q->reopen_mu);
	return rc;
}

void
weir_sink_close(struct weir_sink *s)
{
	/* Safe on a sink that failed to open or is already closed. */
	if (s->ops == NULL)
		return;
	weir_sink_stop(s);
	if (s->ops->close != NULL)
		s->ops->close(s);
	/* What close() counted (the tail it could not write, kafka's
	 * undelivered) stays readable with the queue's counters folded in. */
	if (s->q != NULL) {
		s->st.enqueued = s->q->enqueued;
		s->st.flow_records = s->q->flow_records;
		s->st.drop_full += s->q->drop_full;
		s->st.queue_hwm = s->q->hwm;
		s->st.queue_depth = 0;
		sink_queue_free(s->q);
	}
	s->q = NULL;
	s->ops = NULL;
	s->priv = NULL;
}
