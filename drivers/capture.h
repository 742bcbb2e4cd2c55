/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture drivers: the one ops table every packet source implements (dpdk,
 * pcap, afxdp). A worker polls a struct weir_rxq through the inline
 * wrappers at the end of this file and never knows which driver is behind
 * it; the driver is chosen once, when the port is opened.
 */
#ifndef WEIR_CAPTURE_H
#define WEIR_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h" /* WEIR_PORT_COUNTERS */

#define WEIR_BURST	     32 /* packets per rx burst, as in DPDK's examples */
#define WEIR_MAX_QUEUES	     64
#define WEIR_MAX_PORTS	     8 /* ports (interfaces) one weir captures at once */
#define WEIR_PORT_NAME_MAX   64
#define WEIR_PORT_XSTATS_MAX 16 /* driver-specific counters in weir_port_stats */

/* Link-layer framing of the bytes a driver hands over. */
enum weir_l2 {
	WEIR_L2_ETH = 0,  /* Ethernet II, optional 802.1Q / 802.1ad tags */
	WEIR_L2_RAW,	  /* raw IPv4 or IPv6, version from the first nibble */
	WEIR_L2_IPV4,	  /* raw IPv4 only (LINKTYPE_IPV4) */
	WEIR_L2_IPV6,	  /* raw IPv6 only (LINKTYPE_IPV6) */
	WEIR_L2_SLL,	  /* Linux cooked capture v1 (16-byte header) */
	WEIR_L2_SLL2,	  /* Linux cooked capture v2 (20-byte header) */
	WEIR_L2_NULL,	  /* BSD loopback, 4-byte family in host byte order */
	WEIR_L2_LOOP,	  /* OpenBSD loopback, 4-byte family in network order */
	WEIR_L2_PPP,	  /* PPP (RFC 1661), optionally ff 03 first (RFC 1662) */
	WEIR_L2_PPP_HDLC, /* PPP in HDLC-like framing (ff 03), or Cisco HDLC */
	WEIR_L2_CHDLC,	  /* Cisco HDLC: address, control, ethertype */
};

/*
 * The framings above and the LINKTYPE_* numbers (tcpdump.org) that pcap and
 * pcapng files carry for them come from one table in capture.c, walked by
 * the pcap driver (file to framing), the pcap sink's interface blocks
 * (framing to file) and the pcap driver's refusal message.
 */

/** LINKTYPE_* of @p l2 (LINKTYPE_ETHERNET, 1, for a value not in the table). Any thread. */
uint16_t weir_l2_linktype(enum weir_l2 l2);

/**
 * The framing of LINKTYPE_* @p linktype. Any thread.
 * @return 0 with *l2 set, or -ENOTSUP when weir does not decode it.
 */
int weir_l2_from_linktype(uint32_t linktype, enum weir_l2 *l2);

/**
 * Names of the link types weir decodes, comma separated ("EN10MB, RAW, ..."),
 * for messages. A static string the caller must not free. Thread: main
 * (the pcap driver's open): the string is built on the first call, without
 * a lock, so two first calls at once would race.
 */
const char *weir_l2_names(void);

/*
 * A view of one received packet. The driver owns the bytes; they stay valid
 * until the worker gives them back with weir_rxq_release().
 */
struct weir_pkt {
	const uint8_t *data;
	uint32_t len;	   /* bytes readable at data (capture length) */
	uint32_t wire_len; /* length on the wire (>= len) */
	uint64_t ts_ns;	   /* capture timestamp, ns since the Unix epoch */
	void *handle;	   /* driver cookie (an mbuf for dpdk) */
	uint64_t pcap_cnt; /* pcap: the packet's number in the file, from 1 (EVE
			      pcap_cnt); 0 for live capture */
};

/*
 * Wall clock from the TSC, for drivers whose packets carry no timestamp
 * (dpdk, afxdp): ns = base_ns + (tsc - base_tsc) * ns_per_tsc. The base is
 * taken once, at start, so a burst costs one rte_rdtsc() and no syscall.
 * Each queue keeps a copy beside its other hot fields.
 */
struct weir_tsc_clock {
	uint64_t base_tsc;
	uint64_t base_ns; /* CLOCK_REALTIME at base_tsc, ns since the Unix epoch */
	double ns_per_tsc;
};

/** Take the base now (@p clk is the caller's). Thread: main, after
 *  rte_eal_init() (a driver's open, weir_worker_set_flows()). */
void weir_tsc_clock_init(struct weir_tsc_clock *clk);

/** ns since the Unix epoch at TSC value @p tsc. Any thread; reads @p clk only. */
static inline uint64_t
weir_tsc_clock_ns(const struct weir_tsc_clock *clk, uint64_t tsc)
{
	return clk->base_ns + (uint64_t)((double)(tsc - clk->base_tsc) * clk->ns_per_tsc);
}

/*
 * Statistics of a port, filled by the driver's stats op (weir_port_stats).
 * The common counters are the rows of WEIR_PORT_COUNTERS (common/
 * counters.h: rx_packets, rx_bytes, drop_nic_missed, drop_nic_errors,
 * drop_nombuf), which every view walks. The caller owns the struct; the
 * driver fills it, and the xstats names point at the driver's static
 * strings.
 */
#define WEIR_PORT_DECLARE_COUNTER(name, doc) uint64_t name;
struct weir_port_stats {
	WEIR_PORT_COUNTERS(WEIR_PORT_DECLARE_COUNTER)
	char error[256]; /* why the source ended early, "" = it did not */
	/* Driver-specific counters (afxdp: XDP verdicts, socket ring stats),
	 * printed by name after the common ones. Names starting with drop_
	 * are losses, like the fields above. */
	char mode[64]; /* how the port runs ("native xdp, copy"), "" = n/a */
	unsigned int n_xstats;
	struct {
		const char *name; /* static string */
		uint64_t value;
	} xstats[WEIR_PORT_XSTATS_MAX];
};

struct weir_port_conf {
	const char *name;      /* dpdk: port name or index; pcap: file path */
	uint16_t n_queues;     /* one per worker (run mode workers) */
	bool fewer_queues_ok;  /* n_queues is a maximum: the driver may open
				* fewer (at least 1) when the device has fewer;
				* port->n_queues says how many. Without it, a
				* device with fewer queues fails to open. */
	bool every_queue;      /* run mode pipeline: the rx stage polls every
				* queue. A driver that sets the device's queue
				* count (dpdk) opens n_queues; one that cannot
				* (afxdp: the kernel's channels) opens every rx
				* queue the device has, up to WEIR_MAX_QUEUES,
				* so that no packet bypasses weir. */
	uint16_t rx_desc;      /* descriptors per rx queue */
	uint32_t mempool_size; /* mbufs in the port's pool */
	int socket_id;	       /* NUMA socket for rings and pools */
	const void *drv_conf;  /* driver-specific options (afxdp: struct
				* weir_afxdp_conf), NULL = the driver's defaults */
};

struct weir_capture_ops;
struct weir_rxq;

/* An opened packet source. Control-plane only. */
struct weir_port {
	const struct weir_capture_ops *ops;
	char name[WEIR_PORT_NAME_MAX]; /* as shown in events' in_iface */
	uint16_t id;		       /* weir's port index */
	uint16_t n_queues;
	enum weir_l2 l2; /* framing of every packet of this port */
	bool offline;	 /* queues end (eof) instead of waiting */
	/* Both directions of a flow reach the same queue index (symmetric
	 * RSS: dpdk sets it when it configured its key; afxdp assumes the
	 * kernel's RSS was made symmetric, README). False: run mode auto
	 * picks pipeline for several workers. */
	bool rss_symmetric;
	void *priv; /* driver state */
	struct weir_rxq *rxq[WEIR_MAX_QUEUES];
};

typedef uint16_t (*weir_rx_burst_t)(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);
typedef void (*weir_release_t)(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);

/*
 * One receive queue, owned by exactly one worker. The driver's data ops are
 * copied here at open so a burst costs one indirect call (DPDK's
 * rte_eth_fp_ops). Fits one cache line.
 */
struct weir_rxq {
	/* fields below are accessed in the data plane (hot) */
	weir_rx_burst_t rx_burst;
	weir_release_t release;
	void *priv; /* driver's queue state */
	struct weir_port *port;
	uint16_t queue_id;
	enum weir_l2 l2;
	/* Set by an offline driver once the source is exhausted; read by the
	 * owning worker only, so a plain store is enough. */
	bool eof;
} __attribute__((aligned(64)));

struct weir_capture_ops {
	const char *name;
	/* control: main thread, may block, return 0 or -errno */
	int (*open)(struct weir_port *port, const struct weir_port_conf *conf);
	int (*start)(struct weir_port *port);
	void (*stop)(struct weir_port *port);
	int (*stats)(const struct weir_port *port, struct weir_port_stats *st);
	void (*close)(struct weir_port *port);
	/* optional: apply changed driver options (drv_conf of the same type as
	 * at open) to the running port; afxdp rewrites its filter maps */
	int (*reconfigure)(struct weir_port *port, const void *drv_conf);
	/* data: owning worker only; no blocking, allocation, logging or locks */
	weir_rx_burst_t rx_burst;
	weir_release_t release;
};

/**
 * Find a capture driver by name ("dpdk", "pcap", "afxdp"). Thread: any;
 * reads the const registry only.
 * @return the ops (static, never freed), or NULL (errno = ENOENT) when no
 *         such driver was built.
 */
const struct weir_capture_ops *weir_capture_find(const char *name);

/** Names of the drivers built in, comma separated (for --help and errors).
 *  A static string the caller must not free. Thread: main: it is built on
 *  the first call, without a lock. */
const char *weir_capture_names(void);

/**
 * Open a port with driver @p ops; zeroes @p port (the caller's), then fills
 * port->rxq[] for conf->n_queues queues, each owned by the driver until
 * weir_port_close(). @p conf and what it points at are borrowed for the
 * call. Thread: main only, before launch.
 * @return 0, -EINVAL (n_queues 0 or past WEIR_MAX_QUEUES, or a bad conf),
 *         or another -errno from the driver (-ENOENT no device). On failure
 *         the driver undid its half-open port, but port->ops is left set:
 *         the caller clears it before any weir_port_close() (app/ports.c
 *         does).
 */
int weir_port_open(struct weir_port *port, const struct weir_capture_ops *ops,
		   const struct weir_port_conf *conf, uint16_t port_id);

/**
 * Start receiving (dpdk: rte_eth_dev_start). Thread: main, after open and
 * before the workers are launched.
 * @return 0 (also for a driver without a start op), or -errno from the
 *         driver.
 */
int weir_port_start(struct weir_port *port);

/**
 * Stop receiving. Thread: main, once the workers that poll the port's
 * queues are done (rte_eal_mp_wait_lcore); the counters stay readable
 * with weir_port_stats() until weir_port_close(). NULL-ops safe.
 */
void weir_port_stop(struct weir_port *port);

/**
 * Fill @p st (zeroed first; the caller owns it) with the port's counters;
 * xstats names are the driver's static strings.
 * Threads: main (the exit summary) and the control side (the stats
 * socket's thread, DPDK telemetry, libmicrohttpd's thread, through
 * app/obs.c's port view while the workers run), any number at once,
 * between a successful weir_port_open() and weir_port_close() (port->ops
 * must not be NULL); never from a worker. Why that is safe, per driver:
 * - dpdk: rte_eth_stats_get() only reads the PMD's counters; the port's
 *   id and state are set at open.
 * - pcap: plain 64-bit loads of rx_packets/rx_bytes, which the one worker
 *   writes (never torn on x86 or arm64). read_error and errbuf are written
 *   by that worker at a damaged file, with no ordering: a reader at that
 *   very moment may copy a partial message (harmless, the summary at exit
 *   sees the whole one).
 * - afxdp: the same loads of the queues' counters, plus getsockopt(
 *   XDP_STATISTICS) and bpf_map_lookup_elem() (syscalls, safe at once) and
 *   a calloc() of its own per call; it does not read the filter that
 *   weir_port_reconfigure() replaces.
 * So the values are each current but not one consistent snapshot while
 * capturing.
 * @return 0, -ENOTSUP (the driver keeps no counters), or -errno (dpdk:
 *         rte_eth_stats_get()'s, e.g. -ENODEV).
 */
int weir_port_stats(const struct weir_port *port, struct weir_port_stats *st);

/**
 * Release the port and its queues (port->rxq[] and port->priv die with
 * it). Thread: main, after weir_port_stop() and after every reader of the
 * port (the control side: weir_ctl_stop, weir_metrics_stop,
 * weir_telemetry_detach) has stopped. port->ops is NULL afterwards, and
 * NULL-ops safe.
 */
void weir_port_close(struct weir_port *port);

/**
 * Apply changed driver options to a running port without stopping it
 * (afxdp: capture filter and block list). @p drv_conf is borrowed for the
 * call. Thread: main only (the emitter loop, on SIGUSR2 or the reconfigure
 * command), while the workers run and the control side may read stats.
 * @return 0, -ENOTSUP (no port->ops, or the driver has nothing to change
 * at run time), -EINVAL or -E2BIG (bad options; the port keeps its
 * previous ones), -ENOMEM, or -errno of a failed map update (afxdp: the
 * maps may then hold a mix of old and new entries).
 */
int weir_port_reconfigure(struct weir_port *port, const void *drv_conf);

/**
 * Receive up to @p n packets into the caller's @p pkts. Thread: the owning
 * worker only. The bytes are the driver's, borrowed until
 * weir_rxq_release(). Returns how many views were filled; 0 means nothing
 * now (or, when q->eof is set, never again).
 */
static inline uint16_t
weir_rxq_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	return q->rx_burst(q, pkts, n);
}

/** Give back the buffers of @p n packets from the last burst; their views
 *  are invalid afterwards. Thread: the owning worker only. */
static inline void
weir_rxq_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	q->release(q, pkts, n);
}

#endif /* WEIR_CAPTURE_H */
