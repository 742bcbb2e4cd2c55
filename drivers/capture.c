/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture driver registry and the control-plane wrappers around the ops
 * table. The registry is an explicit array, not constructor registration:
 * a static library drops objects that only hold a constructor.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "capture.h"
#include "log.h"
#include "weir_config.h"

extern const struct weir_capture_ops dpdk_capture_ops;
extern const struct weir_capture_ops pcap_capture_ops;
extern const struct weir_capture_ops afxdp_capture_ops;

static const struct weir_capture_ops *const g_capture_drivers[] = {
#if WEIR_HAVE_DPDK
	&dpdk_capture_ops,
#endif
#if WEIR_HAVE_PCAP
	&pcap_capture_ops,
#endif
#if WEIR_HAVE_AFXDP
	&afxdp_capture_ops,
#endif
};

/*
 * Every framing weir decodes, with the LINKTYPE_* number files carry for
 * it and libpcap's name for that number (pcap_datalink_val_to_name()).
 */
static const struct {
	enum weir_l2 l2;
	uint16_t linktype;
	const char *name;
} g_capture_linktypes[] = {
	{WEIR_L2_ETH, 1, "EN10MB"},	 {WEIR_L2_RAW, 101, "RAW"},
	{WEIR_L2_IPV4, 228, "IPV4"},	 {WEIR_L2_IPV6, 229, "IPV6"},
	{WEIR_L2_SLL, 113, "LINUX_SLL"}, {WEIR_L2_SLL2, 276, "LINUX_SLL2"},
	{WEIR_L2_NULL, 0, "NULL"},	 {WEIR_L2_LOOP, 108, "LOOP"},
	{WEIR_L2_PPP, 9, "PPP"},	 {WEIR_L2_PPP_HDLC, 50, "PPP_SERIAL"},
	{WEIR_L2_CHDLC, 104, "C_HDLC"},
};

#define CAPTURE_N_LINKTYPES (sizeof(g_capture_linktypes) / sizeof(g_capture_linktypes[0]))

uint16_t
weir_l2_linktype(enum weir_l2 l2)
{
	size_t i;

	for (i = 0; i < CAPTURE_N_LINKTYPES; i++)
		if (g_capture_linktypes[i].l2 == l2)
			return g_capture_linktypes[i].linktype;
	return 1;
}

int
weir_l2_from_linktype(uint32_t linktype, enum weir_l2 *l2)
{
	size_t i;

	for (i = 0; i < CAPTURE_N_LINKTYPES; i++) {
		if (g_capture_linktypes[i].linktype == linktype) {
			*l2 = g_capture_linktypes[i].l2;
			return 0;
		}
	}
	return -ENOTSUP;
}

const char *
weir_l2_names(void)
{
	static char names[128];
	size_t i, off = 0;

	if (names[0] == '\0')
		for (i = 0; i < CAPTURE_N_LINKTYPES; i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i ? ", " : "", g_capture_linktypes[i].name);
	return names;
}

void
weir_tsc_clock_init(struct weir_tsc_clock *clk)
{
	struct timespec ts;

	/* Back to back, so the two readings name the same instant. */
	clock_gettime(CLOCK_REALTIME, &ts);
	clk->base_tsc = rte_rdtsc();
	clk->base_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	clk->ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();
}

const struct weir_capture_ops *
weir_capture_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(g_capture_drivers) / sizeof(g_capture_drivers[0]); i++)
		if (strcmp(g_capture_drivers[i]->name, name) == 0)
			return g_capture_drivers[i];
	errno = ENOENT;
	return NULL;
}

const char *
weir_capture_names(void)
{
	static char names[128];
	size_t i, off = 0;

	/* Built from the registry so --help and errors cannot drift from it. */
	if (names[0] == '\0')
		for (i = 0; i < sizeof(g_capture_drivers) / sizeof(g_capture_drivers[0]); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i ? ", " : "", g_capture_drivers[i]->name);
	return names;
}

int
weir_port_open(struct weir_port *port, const struct weir_capture_ops *ops,
	       const struct weir_port_conf *conf, uint16_t port_id)
{
	uint16_t q;
	int ret;

	memset(port, 0, sizeof(*port));
	port->ops = ops;
	port->id = port_id;
	if (conf->n_queues == 0 || conf->n_queues > WEIR_MAX_QUEUES)
		return -EINVAL;
	ret = ops->open(port, conf);
	if (ret < 0)
		return ret;
	/* Copy the data ops next to each queue's state: one indirect call per
	 * burst and no pointer chase through the port on the hot path. */
	for (q = 0; q < port->n_queues; q++) {
		struct weir_rxq *rxq = port->rxq[q];

		rxq->rx_burst = ops->rx_burst;
		rxq->release = ops->release;
		rxq->port = port;
		rxq->queue_id = q;
		rxq->l2 = port->l2;
		rxq->eof = false;
	}
	return 0;
}

int
weir_port_start(struct weir_port *port)
{
	return port->ops->start ? port->ops->start(port) : 0;
}

void
weir_port_stop(struct weir_port *port)
{
	if (port->ops && port->ops->stop)
		port->ops->stop(port);
}

int
weir_port_stats(const struct weir_port *port, struct weir_port_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (port->ops->stats == NULL)
		return -ENOTSUP;
	return port->ops->stats(port, st);
}

int
weir_port_reconfigure(struct weir_port *port, const void *drv_conf)
{
	if (port->ops == NULL || port->ops->reconfigure == NULL)
		return -ENOTSUP;
	return port->ops->reconfigure(port, drv_conf);
}

void
weir_port_close(struct weir_port *port)
{
	if (port->ops && port->ops->close)
		port->ops->close(port);
	port->ops = NULL;
}
