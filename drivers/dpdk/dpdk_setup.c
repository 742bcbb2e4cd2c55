/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk driver, cold half: find the ethdev (PCI NIC or vdev such as net_pcap,
 * net_ring, net_null) by name or index, give it a mempool sized from the
 * config, one rx queue per worker with RSS over IP/TCP/UDP where the port
 * supports it, and no tx queue. EAL must be initialised before open.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

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

static int
dpdk_open(struct weir_port *port, const struct weir_port_conf *conf)
{
	struct rte_eth_conf eth_conf;
	struct rte_eth_dev_info info;
	struct dpdk_port *dp;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	uint16_t pid, q, nb_rxd, n_queues;
	uint16_t nb_txd = 0;
	uint64_t hf;
	int ret;

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
	n_queues = conf->n_queues;
	hf = DPDK_RSS_HF & info.flow_type_rss_offloads;
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
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return -ENOMEM;
	dp->port_id = pid;

	memset(&eth_conf, 0, sizeof(eth_conf));
	if (n_queues > 1) {
		if (hf == 0) {
			if (!conf->fewer_queues_ok)
				WEIR_LOG(WARNING, capture,
					 "dpdk: port %s has no RSS: flows are not spread over "
					 "its queues, nor both directions kept on one (runmode "
					 "auto or pipeline spreads them in software)",
					 conf->name);
		} else {
			uint8_t klen = info.hash_key_size != 0 ? info.hash_key_size : 40;

			if (klen > DPDK_RSS_KEY_MAX) {
				WEIR_LOG(ERR, capture,
					 "dpdk: port %s wants a %u-byte RSS key, weir has %u bytes",
					 conf->name, klen, DPDK_RSS_KEY_MAX);
				ret = -ENOTSUP;
				goto err_free;
			}
			eth_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			eth_conf.rx_adv_conf.rss_conf.rss_hf = hf;
			eth_conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)dpdk_rss_key;
			eth_conf.rx_adv_conf.rss_conf.rss_key_len = klen;
			WEIR_LOG(INFO, capture,
				 "dpdk: port %s: %u queues, symmetric RSS (key 0x6d5a x %u, hash "
				 "functions 0x%" PRIx64 ")",
				 conf->name, n_queues, klen / 2u, hf);
		}
	}
	ret = rte_eth_dev_configure(pid, n_queues, 0, &eth_conf);
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
	snprintf(pool_name, sizeof(pool_name), "weir_mp_%u", pid);
	dp->pool = rte_pktmbuf_pool_create(pool_name, conf->mempool_size, DPDK_MBUF_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, conf->socket_id);
	if (dp->pool == NULL) {
		WEIR_LOG(ERR, capture, "dpdk: rte_pktmbuf_pool_create(%u mbufs) failed: %s",
			 conf->mempool_size, rte_strerror(rte_errno));
		ret = -rte_errno;
		goto err_free;
	}
	for (q = 0; q < n_queues; q++) {
		struct dpdk_queue *dq;

		ret = rte_eth_rx_queue_setup(pid, q, nb_rxd, conf->socket_id, NULL, dp->pool);
		if (ret < 0) {
			WEIR_LOG(ERR, capture, "dpdk: rte_eth_rx_queue_setup(%u) failed: %s", q,
				 strerror(-ret));
			goto err_queues;
		}
		dq = rte_zmalloc_socket("weir_rxq", sizeof(*dq), RTE_CACHE_LINE_SIZE,
					conf->socket_id);
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
	port->rss_symmetric = n_queues == 1 || eth_conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS;
	port->l2 = WEIR_L2_ETH;
	port->offline = false;
	if (rte_eth_dev_get_name_by_port(pid, port->name) != 0)
		snprintf(port->name, sizeof(port->name), "dpdk%u", pid);
	return 0;

err_queues:
	for (q = 0; q < n_queues; q++)
		rte_free(dp->q[q]);
	rte_mempool_free(dp->pool);
err_free:
	free(dp);
	return ret;
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
