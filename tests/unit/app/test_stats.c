/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/stats.c: per-worker blocks sum correctly, and a copy
 * taken while the worker publishes bursts is always consistent (both
 * identities hold in every copy), because of the seqlock in
 * weir_worker_stats_begin/end and weir_worker_stats_read. A reader that
 * meets a block stuck mid-update gives up with -EAGAIN, it does not spin
 * forever.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "stats.h"
#include "weir_cunit.h"

#define BURSTS 2000000u /* writer's bound; the reader stops it earlier */

static void
test_sum_of_blocks(void)
{
	struct weir_worker_stats a, b, sum;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&sum, 0, sizeof(sum));
	a.rx_packets = 10;
	a.scanned = 7;
	a.malformed = 3;
	a.busy_cycles = 100;
	b.rx_packets = 5;
	b.not_scanned = 4;
	b.drop_scan_error = 1;
	b.idle_cycles = 50;
	weir_worker_stats_add(&sum, &a);
	weir_worker_stats_add(&sum, &b);
	CU_ASSERT_EQUAL(sum.rx_packets, 15);
	CU_ASSERT_EQUAL(sum.busy_cycles, 100);
	CU_ASSERT_EQUAL(sum.idle_cycles, 50);
	CU_ASSERT_EQUAL(weir_worker_stats_unaccounted(&sum), 0);
	sum.rx_packets++;
	CU_ASSERT_EQUAL(weir_worker_stats_unaccounted(&sum), 1);
}

struct writer {
	struct weir_worker_stats st __attribute__((aligned(64)));
	atomic_bool stop;
	unsigned int bursts;
};

/* What a worker does per burst: every outcome and rx in one window. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned int i;

	for (i = 0; i < BURSTS && !atomic_load_explicit(&w->stop, memory_order_relaxed); i++) {
		uint64_t n = 1 + i % 32, bad = i % 3, alerts = i % 5, full = i % 2;
		volatile unsigned int work;

		for (work = 0; work < 50; work++) /* the burst's decode and scan */
			;

		weir_worker_stats_begin(&w->st);
		w->st.events_enqueued += alerts - (alerts ? full : 0);
		w->st.drop_ring_full += alerts ? full : 0;
		w->st.rx_packets += n;
		w->st.scanned += n - bad;
		w->st.malformed += bad;
		w->st.alerts += alerts;
		w->st.busy_polls++;
		weir_worker_stats_end(&w->st);
	}
	w->bursts = i;
	return NULL;
}

static void
test_snapshot_is_consistent_under_writes(void)
{
	static struct writer w;
	struct weir_worker_stats copy;
	pthread_t t;
	unsigned int reads, moving = 0;
	uint64_t last = 0;

	memset(&w, 0, sizeof(w));
	CU_ASSERT_FATAL(pthread_create(&t, NULL, writer_main, &w) == 0);
	/* wait (bounded, ~5 s) until the writer has started */
	for (reads = 0; reads < 5000000 && __atomic_load_n(&w.st.seq, __ATOMIC_ACQUIRE) == 0;
	     reads++)
		sched_yield();
	for (reads = 0; reads < 20000; reads++) {
		CU_ASSERT_FATAL(weir_worker_stats_read(&w.st, &copy) == 0);
		CU_ASSERT_FATAL(weir_worker_stats_unaccounted(&copy) == 0);
		CU_ASSERT_FATAL(copy.alerts == copy.events_enqueued + copy.drop_ring_full);
		CU_ASSERT_FATAL(copy.rx_packets >= last); /* monotonic */
		CU_ASSERT_FATAL((copy.seq & 1) == 0);
		moving += copy.rx_packets != last;
		last = copy.rx_packets;
	}
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);
	CU_ASSERT(weir_worker_stats_read(&w.st, &copy) == 0);
	CU_ASSERT_EQUAL(copy.busy_polls, w.bursts);
	CU_ASSERT(moving > 0); /* the copies did see the writer progress */
}

static void
test_reader_gives_up_on_a_stuck_block(void)
{
	struct weir_worker_stats st, copy;

	memset(&st, 0, sizeof(st));
	weir_worker_stats_begin(&st); /* a writer that never finishes */
	st.rx_packets = 1;
	CU_ASSERT_EQUAL(weir_worker_stats_read(&st, &copy), -EAGAIN);
	weir_worker_stats_end(&st);
	CU_ASSERT_EQUAL(weir_worker_stats_read(&st, &copy), 0);
	CU_ASSERT_EQUAL(copy.rx_packets, 1);
	CU_ASSERT_EQUAL(copy.seq, 2);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("stats", NULL, NULL);
	CU_ADD_TEST(s, test_sum_of_blocks);
	CU_ADD_TEST(s, test_snapshot_is_consistent_under_writes);
	CU_ADD_TEST(s, test_reader_gives_up_on_a_stuck_block);
	return weir_ut_run();
}
