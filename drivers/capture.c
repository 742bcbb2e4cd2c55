/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture driver registry and the control-plane wrappers around the ops
 * table. The registry is an explicit array, not constructor registration:
 * a static library drops objects that only hold a constructor.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
