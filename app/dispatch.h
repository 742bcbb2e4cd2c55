/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipeline run mode: the rx stage. For sources with fewer queues than
 * workers (a pcap file, one AF_XDP queue, a NIC without RSS), one rx lcore
 * polls every queue of every port, computes a symmetric flow hash per
 * packet and hands the packet to worker hash % workers, so both directions
 * of a flow reach the worker that owns its flow table entry, as symmetric
 * RSS does in run mode workers. It sits between the capture drivers and
 * the workers:
 *
 *   source queue(s) -> rx lcore: decode, hash, copy -> per worker:
 *      byte ring (packet bytes) + descriptor ring -> virtual rx queue
 *      -> worker (unchanged loop: weir_rxq_burst / weir_rxq_release)
 *
 * Threads and ownership:
 * - struct weir_dispatch is main's (weir_dispatch_create/destroy, before
 *   launch and after every lcore returned). The rx lcore runs
 *   weir_dispatch_main() and alone writes its counters (seqlock, like a
 *   worker's) and the producer side of every worker's rings.
 * - Worker i owns the consumer side of its rings through its virtual
 *   queue (weir_dispatch_rxq()): a struct weir_rxq whose rx_burst dequeues
 *   descriptors and hands out views into the byte ring, and whose release
 *   gives the bytes back. Both rings are single producer, single consumer.
 * - Packet bytes are copied: a source's buffers go back to it when the
 *   burst is released (the pcap driver reuses its slots on the next
 *   burst), and the copy is owned by the byte ring until the worker
 *   releases it.
 * - A burst the virtual queue returns holds packets of one source queue
 *   only; the virtual queue's port, queue_id and l2 are that source's
 *   while the worker processes it (written by rx_burst, read by the same
 *   worker), so events name the packet's own port, queue and in_iface.
 *
 * Loss and waiting: offline (-r), a full ring makes the rx stage wait
 * (nothing may be lost replaying a file; counted in full_waits); live, a
 * full ring is a counted drop (drop_dispatch_full), never a wait.
 * Accounting (stats.h): rx_packets = dispatched + drop_dispatch_full, and
 * once the workers are done, dispatched = the workers' rx_packets.
 *
 * End: the rx stage stops when every source reported eof, at
 * capture.count, or on stop; it then release-stores done. A virtual queue
 * reports eof once done was set and its rings are empty, so each worker
 * ends (flushing its flows) after the last packet it was given.
 */
#ifndef WEIR_DISPATCH_H
#define WEIR_DISPATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "decode.h"
#include "stats.h"

#define WEIR_DISPATCH_MAX_WORKERS 64 /* the workers key's maximum */
#define WEIR_DISPATCH_MAX_SRC	  (WEIR_MAX_PORTS * WEIR_MAX_QUEUES)
#define WEIR_DISPATCH_RING_SLOTS  2048 /* descriptors per worker */
#define WEIR_DISPATCH_SLOT_BYTES                                                                   \
	2048 /* byte ring: this much per slot on average                                           \
	      * (larger packets take several) */

/* One packet handed to a worker: where its bytes are and what the source
 * said about it. 24 bytes, a multiple of 4 as rte_ring elements must be. */
struct weir_dispatch_desc {
	uint64_t ts_ns;
	uint64_t pcap_cnt; /* weir_pkt.pcap_cnt */
	uint32_t pos;	   /* record in the worker's byte ring */
	uint32_t len;
	uint32_t wire_len;
	uint16_t src; /* index of the source queue (weir_dispatch.src) */
	uint16_t pad;
};

struct weir_dispatch_q;

struct weir_dispatch {
	/* fields below are accessed by the rx lcore (hot) */
	struct weir_rxq *src[WEIR_DISPATCH_MAX_SRC]; /* every queue of every port */
	uint16_t n_src;
	uint16_t n_workers;
	uint32_t seed;		       /* flow hash seed, random per run */
	bool use_vlan;		       /* vlan.use-for-tracking: VLAN ids in the hash */
	struct weir_decode_conf dconf; /* the workers' decapsulations (set by
					  main after create; zero: none) */
	bool offline;		       /* wait on a full ring instead of dropping */
	uint64_t max_packets;	       /* capture.count, 0 = no limit */
	const atomic_bool *stop;
	struct weir_dispatch_q *q[WEIR_DISPATCH_MAX_WORKERS];
	struct weir_dispatch_stats st; /* rx lcore writes, anyone reads */
	/* Time of the last packet of the last burst, release-stored after
	 * that burst's descriptors are on the workers' rings: a worker that
	 * acquire-loads it and then finds its ring empty has had every packet
	 * up to it (window rules' watermark, app/worker_window.c). */
	_Atomic uint64_t read_ts;

	/* control-plane only (cold) */
	uint64_t start_tsc;
	uint64_t end_tsc;
	atomic_bool done; /* release-stored after the last enqueue; virtual
			     queues acquire-load it before their last dequeue */
};

/**
 * Create the rx stage over every queue of the @p n_ports ports @p portv
 * and one virtual queue (with its two rings) per worker. Main thread,
 * after the ports are open and before launch.
 * @param use_vlan     vlan.use-for-tracking
 * @param max_packets  capture.count (0 = no limit): the rx stage stops there
 * @param stop         main's stop flag (SIGINT/SIGTERM)
 * @return the stage (weir_dispatch_destroy() frees it), or NULL with errno
 *         EINVAL (no port, too many queues or workers) or ENOMEM.
 */
struct weir_dispatch *weir_dispatch_create(struct weir_port *portv, unsigned int n_ports,
					   unsigned int n_workers, bool use_vlan,
					   uint64_t max_packets, const atomic_bool *stop);

/** Worker @p i's virtual rx queue, owned by @p d. Main thread. */
struct weir_rxq *weir_dispatch_rxq(struct weir_dispatch *d, unsigned int i);

/**
 * Lcore entry point of the rx stage (rte_eal_remote_launch); @p arg is a
 * struct weir_dispatch. Returns when the sources end, at capture.count or
 * on stop, after setting done.
 */
int weir_dispatch_main(void *arg);

/**
 * The rx stage will not run (its lcore could not be launched): set done
 * so the workers end once their rings are empty. Main thread.
 */
void weir_dispatch_abort(struct weir_dispatch *d);

/** Free @p d and its rings (NULL is fine). Main thread, once the rx lcore
 *  and the workers returned. */
void weir_dispatch_destroy(struct weir_dispatch *d);

#endif /* WEIR_DISPATCH_H */
