/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk driver, cold half: find the ethdev (PCI NIC or vdev such as net_pcap,
 * net_ring, net_null) by name or index, give it a mempool sized from the
 * config, one rx queue per worker with RSS over IP/TCP/UDP where the port
 * supports it, and no tx queue. EAL must be initialised before open.
 *
 * Several ports in one weir (struct weir_dpdk_conf's group) are configured
 * alike so that a flow's two directions, even on two ports, reach the same
 * queue index, hence the same worker: the same symmetric key, the hash
 * functions every port of the group supports, the same queue count (the
 * caller asks each for one per worker), and redirection tables that map a
 * hash to the same index. A port that cannot take part (no RSS, key
 * refused or ignored, tables that disagree) is logged, counted
 * (rss_key_refused) and marked not symmetric, so that run mode auto
 * spreads flows in software instead (the pipeline).
 *
 * One mempool per port, named after the ethdev port id (unique in the
 * process) and on the port's NUMA socket: a port short of mbufs
 * (drop_nombuf) never starves another, at the cost of
 * capture.mempool-size mbufs per port.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "dpdk.h"
#include "dpdk_priv.h"
#include "log.h"

#define DPDK_MBUF_CACHE 256 /* per-lcore mempool cache, DPDK's usual size */

/*
 * The RSS key of every port: 0x6d5a repeated (Woo and Park, "Scalable TCP
 * Session Monitoring with Symmetric Receive-side Scaling", 2012). Toeplitz
 * hashes each input bit with a 32-bit window of the key that starts at the
 * bit's offset; a key with a 16-bit period gives every 16-bit-aligned input
 * chunk the same windows, so swapping source and destination (addresses:
 * 32 or 128 bits apart; ports: 16 bits apart) permutes equal terms of the
 * XOR and leaves the hash, hence the queue, unchanged. Both directions of a
 * flow, on one port or on two ports configured alike (a network TAP's two
 * halves), reach the same queue index, which is the same worker.
 * tests/unit/drivers/test_dpdk_rss.c checks it with rte_softrss(). Sized
 * for the longest key a NIC asks for (i40e/ice: 52 bytes).
 */
const uint8_t dpdk_rss_key[DPDK_RSS_KEY_MAX] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/* The hash functions every port is asked for; a port hashes the subset it
 * supports (logged, as ports of different models may differ). */
#define DPDK_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

static int
dpdk_find_port(const char *name, uint16_t *port_id)
{
	char *end;
	unsigned long idx;

	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	idx = strtoul(name, &end, 10);
	if (*name != '\0' && *end == '\0' && idx < RTE_MAX_ETHPORTS &&
	    rte_eth_dev_is_valid_port((uint16_t)idx)) {
		*port_id = (uint16_t)idx;
		return 0;
	}
	return -ENODEV;
}

uint64_t
dpdk_rss_group_hf(const struct dpdk_rss_peer *peers, unsigned int n)
{
	uint64_t hf = DPDK_RSS_HF;
	unsigned int i;

	for (i = 0; i < n; i++)
		hf &= peers[i].hf;
	return hf;
}

bool
dpdk_rss_group_aligned(const struct dpdk_rss_peer *peers, unsigned int n, uint16_t n_queues)
{
	bool equal = true, divides = true;
	unsigned int i;

	if (n <= 1 || n_queues <= 1)
		return true;
	for (i = 0; i < n; i++) {
		if (peers[i].reta_size == 0)
			return false;
		equal = equal && peers[i].reta_size == peers[0].reta_size;
		divides = divides && peers[i].reta_size % n_queues == 0;
	}
	return equal || divides;
}

/*
 * @p info's port first, then every other port of the group that exists
 * (a name that does not is its own open's error).
 * @return how many peers were filled.
 */
static unsigned int
dpdk_group_peers(uint16_t pid, const struct rte_eth_dev_info *info, const struct weir_dpdk_conf *dc,
		 struct dpdk_rss_peer *peers)
{
	unsigned int i, n = 0;

	peers[n].hf = info->flow_type_rss_offloads;
	peers[n++].reta_size = info->reta_size;
	for (i = 0; dc != NULL && i < dc->n_group && n < WEIR_MAX_PORTS; i++) {
		struct rte_eth_dev_info pi;
		uint16_t other;

		if (dpdk_find_port(dc->group[i], &other) < 0 || other == pid ||
		    rte_eth_dev_info_get(other, &pi) < 0)
			continue;
		peers[n].hf = pi.flow_type_rss_offloads;
		peers[n++].reta_size = pi.reta_size;
	}
	return n;
}

/* rte_eth_dev_configure with weir's RSS (dp->rss) or none; when the port
 * refuses that but takes its own key, that (dp->rss_own_key). */
static int
dpdk_configure(struct dpdk_port *dp, const char *name, uint16_t n_queues, uint64_t hf, uint8_t klen,
	       struct rte_eth_conf *eth_conf)
{
	int ret, ret2;

	memset(eth_conf, 0, sizeof(*eth_conf));
	if (dp->rss) {
		eth_conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		eth_conf->rx_adv_conf.rss_conf.rss_hf = hf;
		eth_conf->rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)dpdk_rss_key;
		eth_conf->rx_adv_conf.rss_conf.rss_key_len = klen;
	}
	ret = rte_eth_dev_configure(dp->port_id, n_queues, 0, eth_conf);
	if (ret >= 0 || !dp->rss)
		return ret;
	/* Some NICs (and virtual functions) refuse a key of the caller's:
	 * keep their RSS, which still spreads flows, but not both directions
	 * of one to one queue. Counted and logged; run mode auto then takes
	 * the pipeline, whose rx stage hashes symmetrically in software. A
	 * port that refuses its own key too failed for another reason: the
	 * first error stands. */
	eth_conf->rx_adv_conf.rss_conf.rss_key = NULL;
	eth_conf->rx_adv_conf.rss_conf.rss_key_len = 0;
	ret2 = rte_eth_dev_configure(dp->port_id, n_queues, 0, eth_conf);
	if (ret2 < 0)
		return ret;
	WEIR_LOG(WARNING, capture,
		 "dpdk: port %s refused the symmetric RSS key (%s): hashing with its own "
		 "key, so the two directions of a flow may reach different queues (and "
		 "workers); run mode auto spreads flows in software instead",
		 name, strerror(-ret));
	dp->rss_key_refused++;
	dp->rss_own_key = true;
	return 0;
}

static int
dpdk_open(struct weir_port *port, const struct weir_port_conf *conf)
{
	struct dpdk_rss_peer peers[WEIR_MAX_PORTS];
	struct rte_eth_conf eth_conf;
	struct rte_eth_dev_info info;
	struct dpdk_port *dp;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	uint16_t pid, q, nb_rxd, n_queues;
	uint16_t nb_txd = 0;
	unsigned int n_peers;
	bool aligned;
	uint8_t klen = 0;
	uint64_t hf;
	int ret, socket_id;

	if (dpdk_find_port(conf->name, &pid) < 0) {
		WEIR_LOG(ERR, capture,
			 "dpdk: no ethdev port '%s' (%u ports available; bind a NIC to vfio-pci or "
			 "pass --vdev after --)",
			 conf->name, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "dpdk: rte_eth_dev_info_get failed: %s", strerror(-ret));
		return ret;
	}
	/* The hash functions every port of the group supports, so that a
	 * flow hashes alike on each (a TAP's two halves may be two models). */
	n_peers = dpdk_group_peers(pid, &info, conf->drv_conf, peers);
	hf = dpdk_rss_group_hf(peers, n_peers);
	n_queues = conf->n_queues;
	if (n_queues > info.max_rx_queues) {
		if (!conf->fewer_queues_ok) {
			WEIR_LOG(ERR, capture,
				 "dpdk: port %s has %u rx queues, %u workers asked for (runmode "
				 "auto or pipeline would spread them in software)",
				 conf->name, info.max_rx_queues, n_queues);
			return -EINVAL;
		}
		n_queues = info.max_rx_queues > 0 ? info.max_rx_queues : 1;
	}
	/* The port's own NUMA node for its pool and rings, when it has one. */
	socket_id = rte_eth_dev_socket_id(pid);
	if (socket_id < 0)
		socket_id = conf->socket_id;
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return -ENOMEM;
	dp->port_id = pid;
	dp->reta_size = info.reta_size;

	aligned = dpdk_rss_group_aligned(peers, n_peers, n_queues);
	if (n_queues > 1) {
		if (hf == 0) {
			if (!conf->fewer_queues_ok)
				WEIR_LOG(WARNING, capture,
					 "dpdk: port %s has no RSS%s: flows are not spread over "
					 "its queues, nor both directions kept on one (runmode "
					 "auto or pipeline spreads them in software)",
					 conf->name,
					 (DPDK_RSS_HF & info.flow_type_rss_offloads) != 0
						 ? " function in common with the other ports"
						 : "");
		} else {
			klen = info.hash_key_size != 0 ? info.hash_key_size : 40;
			if (klen > DPDK_RSS_KEY_MAX) {
				WEIR_LOG(ERR, capture,
					 "dpdk: port %s wants a %u-byte RSS key, weir has %u bytes",
					 conf->name, klen, DPDK_RSS_KEY_MAX);
				ret = -ENOTSUP;
				goto err_free;
			}
			dp->rss = true;
			dp->rss_key_len = klen;
			if (hf != (DPDK_RSS_HF & info.flow_type_rss_offloads))
				WEIR_LOG(INFO, capture,
					 "dpdk: port %s: RSS over the hash functions all %u ports "
					 "support (0x%" PRIx64 " of its 0x%" PRIx64 ")",
					 conf->name, n_peers, hf,
					 DPDK_RSS_HF & info.flow_type_rss_offloads);
			if (!aligned)
				WEIR_LOG(
					WARNING, capture,
					"dpdk: port %s: %s: a flow seen on two ports may reach "
					"two workers; run mode auto spreads flows in software "
					"instead",
					conf->name,
					info.reta_size == 0
						? "reports no RSS redirection table, so whether "
						  "a hash picks the same queue as on the other "
						  "ports cannot be known"
						: "the RSS redirection tables of the ports differ "
						  "in a way that sends a hash to different queues");
		}
	}
	ret = dpdk_configure(dp, conf->name, n_queues, hf, klen, &eth_conf);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "dpdk: rte_eth_dev_configure failed: %s", strerror(-ret));
		goto err_free;
	}
	nb_rxd = conf->rx_desc;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "dpdk: rte_eth_dev_adjust_nb_rx_tx_desc failed: %s",
			 strerror(-ret));
		goto err_free;
	}
	/* ethdev port ids are unique in the process, so are the pools' names */
	snprintf(pool_name, sizeof(pool_name), "weir_mp_%u", pid);
	dp->pool = rte_pktmbuf_pool_create(pool_name, conf->mempool_size, DPDK_MBUF_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, socket_id);
	if (dp->pool == NULL) {
		WEIR_LOG(ERR, capture, "dpdk: rte_pktmbuf_pool_create(%u mbufs) failed: %s",
			 conf->mempool_size, rte_strerror(rte_errno));
		ret = -rte_errno;
		goto err_free;
	}
	for (q = 0; q < n_queues; q++) {
		struct dpdk_queue *dq;

		ret = rte_eth_rx_queue_setup(pid, q, nb_rxd, (unsigned int)socket_id, NULL,
					     dp->pool);
		if (ret < 0) {
			WEIR_LOG(ERR, capture, "dpdk: rte_eth_rx_queue_setup(%u) failed: %s", q,
				 strerror(-ret));
			goto err_queues;
		}
		dq = rte_zmalloc_socket("weir_rxq", sizeof(*dq), RTE_CACHE_LINE_SIZE, socket_id);
		if (dq == NULL) {
			ret = -ENOMEM;
			goto err_queues;
		}
		dq->port_id = pid;
		dq->queue_id = q;
		dq->rxq.priv = dq;
		dp->q[q] = dq;
		port->rxq[q] = &dq->rxq;
	}
	ret = rte_eth_promiscuous_enable(pid);
	if (ret < 0 && ret != -ENOTSUP)
		WEIR_LOG(WARNING, capture, "dpdk: rte_eth_promiscuous_enable failed: %s",
			 strerror(-ret));
	port->priv = dp;
	port->n_queues = n_queues;
	port->rss_symmetric = n_queues == 1 || (dp->rss && !dp->rss_own_key && aligned);
	port->l2 = WEIR_L2_ETH;
	port->offline = false;
	if (rte_eth_dev_get_name_by_port(pid, port->name) != 0)
		snprintf(port->name, sizeof(port->name), "dpdk%u", pid);
	if (n_queues == 1)
		snprintf(dp->mode, sizeof(dp->mode), "1 queue");
	else
		snprintf(dp->mode, sizeof(dp->mode), "%u queues, %s", n_queues,
			 !dp->rss	       ? "no rss"
			 : dp->rss_own_key     ? "rss with the nic's key (not symmetric)"
			 : port->rss_symmetric ? "symmetric rss"
					       : "symmetric rss, tables differ");
	if (dp->rss && !dp->rss_own_key)
		WEIR_LOG(INFO, capture,
			 "dpdk: port %s: %u queues, symmetric RSS (key 0x6d5a x %u, hash "
			 "functions 0x%" PRIx64 ")",
			 port->name, n_queues, klen / 2u, hf);
	return 0;

err_queues:
	for (q = 0; q < n_queues; q++)
		rte_free(dp->q[q]);
	rte_mempool_free(dp->pool);
err_free:
	free(dp);
	return ret;
}

/*
 * After the port started (some PMDs write RSS registers only then): point
 * entry i of the redirection table at queue i % n_queues, the mapping
 * dpdk_rss_group_aligned() reasons about, and read the key back: a NIC
 * that took the key without complaint but hashes with another is counted
 * like one that refused it (the run mode is chosen by now: logged, with
 * the remedy).
 */
static void
dpdk_rss_finish(struct weir_port *port, struct dpdk_port *dp)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint8_t key[DPDK_RSS_KEY_MAX];
	struct rte_eth_rss_conf rc;
	unsigned int i;
	int ret;

	if (!dp->rss)
		return;
	if (dp->reta_size != 0 && dp->reta_size <= RTE_ETH_RSS_RETA_SIZE_512) {
		memset(reta, 0, sizeof(reta));
		for (i = 0; i < dp->reta_size; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull
								  << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				(uint16_t)(i % port->n_queues);
		}
		/* Not supported: the PMD's default table, which is this one on
		 * the common PMDs; anything else is worth a warning. */
		ret = rte_eth_dev_rss_reta_update(dp->port_id, reta, dp->reta_size);
		if (ret == -ENOTSUP)
			WEIR_LOG(INFO, capture,
				 "dpdk: port %s: no redirection table update (its default "
				 "stays)",
				 port->name);
		else if (ret < 0)
			WEIR_LOG(WARNING, capture,
				 "dpdk: port %s: rte_eth_dev_rss_reta_update failed: %s (its "
				 "default redirection table stays)",
				 port->name, strerror(-ret));
	}
	if (dp->rss_own_key)
		return;
	memset(&rc, 0, sizeof(rc));
	memset(key, 0, sizeof(key));
	/* the length it was given, which is its hash_key_size: what ethdev
	 * asks of the buffer, and the bytes the PMD writes */
	rc.rss_key = key;
	rc.rss_key_len = dp->rss_key_len;
	ret = rte_eth_dev_rss_hash_conf_get(dp->port_id, &rc);
	if (ret < 0) {
		WEIR_LOG(INFO, capture,
			 "dpdk: port %s: rte_eth_dev_rss_hash_conf_get failed: %s (the RSS key "
			 "cannot be checked)",
			 port->name, strerror(-ret));
		return;
	}
	if (memcmp(key, dpdk_rss_key, dp->rss_key_len) != 0) {
		WEIR_LOG(WARNING, capture,
			 "dpdk: port %s took the symmetric RSS key but hashes with another: the "
			 "two directions of a flow may reach different workers (set runmode: "
			 "pipeline for this NIC)",
			 port->name);
		dp->rss_key_refused++;
		dp->rss_own_key = true;
		port->rss_symmetric = false;
		snprintf(dp->mode, sizeof(dp->mode), "%u queues, %s", port->n_queues,
			 "rss with the nic's key (not symmetric)");
	}
}

static int
dpdk_start(struct weir_port *port)
{
	struct dpdk_port *dp = port->priv;
	struct weir_tsc_clock clock;
	uint16_t q;
	int ret;

	ret = rte_eth_dev_start(dp->port_id);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "dpdk: rte_eth_dev_start failed: %s", strerror(-ret));
		return ret;
	}
	dp->started = 1;
	dpdk_rss_finish(port, dp);
	weir_tsc_clock_init(&clock);
	for (q = 0; q < port->n_queues; q++)
		dp->q[q]->clock = clock;
	return 0;
}

static void
dpdk_stop(struct weir_port *port)
{
	struct dpdk_port *dp = port->priv;
	int ret;

	if (dp == NULL || !dp->started)
		return;
	ret = rte_eth_dev_stop(dp->port_id);
	if (ret < 0)
		WEIR_LOG(WARNING, capture, "dpdk: rte_eth_dev_stop failed: %s", strerror(-ret));
	dp->started = 0;
}

static int
dpdk_stats(const struct weir_port *port, struct weir_port_stats *st)
{
	const struct dpdk_port *dp = port->priv;
	struct rte_eth_stats es;
	int ret;

	ret = rte_eth_stats_get(dp->port_id, &es);
	if (ret < 0)
		return ret;
	st->rx_packets = es.ipackets;
	st->rx_bytes = es.ibytes;
	st->drop_nic_missed = es.imissed;
	st->drop_nic_errors = es.ierrors;
	st->drop_nombuf = es.rx_nombuf;
	snprintf(st->mode, sizeof(st->mode), "%s", dp->mode);
	st->xstats[0].name = "rss_key_refused";
	st->xstats[0].value = dp->rss_key_refused;
	st->n_xstats = 1;
	return 0;
}

static void
dpdk_close(struct weir_port *port)
{
	struct dpdk_port *dp = port->priv;
	uint16_t q;
	int ret;

	if (dp == NULL)
		return;
	dpdk_stop(port);
	ret = rte_eth_dev_close(dp->port_id);
	if (ret < 0)
		WEIR_LOG(WARNING, capture, "dpdk: rte_eth_dev_close failed: %s", strerror(-ret));
	for (q = 0; q < port->n_queues; q++)
		rte_free(dp->q[q]);
	rte_mempool_free(dp->pool);
	free(dp);
	port->priv = NULL;
}

const struct weir_capture_ops dpdk_capture_ops = {
	.name = "dpdk",
	.open = dpdk_open,
	.start = dpdk_start,
	.stop = dpdk_stop,
	.stats = dpdk_stats,
	.close = dpdk_close,
	.rx_burst = dpdk_rx_burst,
	.release = dpdk_release,
};
