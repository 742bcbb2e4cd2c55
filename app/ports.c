/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture ports from the configuration (ports.h): the interface list, the
 * driver "auto" stands for, the afxdp.* keys as the afxdp driver's options,
 * and the loops over every port that main() and the SIGUSR2 handler need.
 * Errors at set-up go to stderr (weir has not started yet); the SIGUSR2
 * outcome goes to the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "cli.h"
#include "log.h"
#include "ports.h"
#include "weir_config.h"
#include "dpdk/dpdk.h"
#if WEIR_HAVE_AFXDP
#include "afxdp/afxdp.h"
#endif

/*
 * capture.interface split at commas into names (blanks around a name
 * dropped). A single name, even "", is one port as before; a list may not
 * have empty or repeated names.
 */
int
weir_ports_split(const char *list, char **buf, const char *names[WEIR_MAX_PORTS], unsigned int *n)
{
	char *p, *next;
	unsigned int i;

	*buf = NULL;
	*n = 0;
	if (strchr(list, ',') == NULL) {
		names[(*n)++] = list; /* one name, verbatim */
		return 0;
	}
	*buf = strdup(list);
	if (*buf == NULL) {
		fprintf(stderr, "weir: out of memory\n");
		return -ENOMEM;
	}
	for (p = *buf; p != NULL; p = next) {
		char *end;

		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0') {
			fprintf(stderr, "weir: capture.interface '%s': empty name in the list\n",
				list);
			return -EINVAL;
		}
		if (*n == WEIR_MAX_PORTS) {
			fprintf(stderr, "weir: capture.interface '%s': more than %d interfaces\n",
				list, WEIR_MAX_PORTS);
			return -EINVAL;
		}
		if (strlen(p) >= WEIR_PORT_NAME_MAX) {
			fprintf(stderr, "weir: capture.interface: name '%s' too long\n", p);
			return -EINVAL;
		}
		for (i = 0; i < *n; i++)
			if (strcmp(names[i], p) == 0) {
				fprintf(stderr, "weir: capture.interface '%s': '%s' listed twice\n",
					list, p);
				return -EINVAL;
			}
		names[(*n)++] = p;
	}
	return 0;
}

/* The capture driver for "auto": pcap for a file, afxdp when every
 * interface is a kernel netdev, else dpdk. */
const char *
weir_ports_driver(const struct weir_conf *c, const char *const *names, unsigned int n)
{
	if (strcmp(c->capture_driver, "auto") != 0)
		return c->capture_driver;
	if (c->capture_pcap_file[0] != '\0')
		return "pcap";
#if WEIR_HAVE_AFXDP
	{
		char path[128];
		unsigned int i;

		/* A kernel netdev stays with its driver and gets XDP; anything
		 * else (a PCI address bound to vfio-pci, a vdev) is DPDK's. */
		for (i = 0; i < n; i++) {
			const char *name = names[i];

			snprintf(path, sizeof(path), "/sys/class/net/%s", name);
			if (name[0] == '\0' || strchr(name, '/') != NULL || access(path, F_OK) != 0)
				break;
		}
		if (i == n)
			return "afxdp";
	}
#else
	(void)names;
	(void)n;
#endif
	return "dpdk";
}

/*
 * Several interfaces: afxdp (kernel interfaces) and dpdk (ethdev ports:
 * NICs, vdevs) both capture any number, worker i polling queue i of every
 * port (run mode workers) or the rx stage polling all (pipeline). The
 * pcap driver replays one file.
 */
static int
ports_check_interfaces(const struct weir_conf *c, const char *driver, unsigned int n)
{
	if (n <= 1)
		return 0;
	if (strcmp(driver, "afxdp") != 0 && strcmp(driver, "dpdk") != 0) {
		fprintf(stderr,
			"weir: capture.interface '%s' lists %u interfaces: several interfaces "
			"are not supported with the %s driver (afxdp and dpdk only)\n",
			c->capture_interface, n, driver);
		return -ENOTSUP;
	}
	return 0;
}

#if WEIR_HAVE_AFXDP
/* The afxdp.* keys as the driver's options; the lists stay @p c's. */
static void
ports_afxdp_conf(const struct weir_conf *c, struct weir_afxdp_conf *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->mode = c->afxdp_mode;
	ac->zero_copy = c->afxdp_zero_copy;
	ac->umem_frames = c->afxdp_umem_frames;
	ac->ring_size = c->afxdp_ring_size;
	ac->protocols = (const char *const *)c->afxdp_protocols.v;
	ac->n_protocols = c->afxdp_protocols.n;
	ac->dst_ports = (const char *const *)c->afxdp_dst_ports.v;
	ac->n_dst_ports = c->afxdp_dst_ports.n;
	ac->src_prefixes = (const char *const *)c->afxdp_src_prefixes.v;
	ac->n_src_prefixes = c->afxdp_src_prefixes.n;
	ac->dst_prefixes = (const char *const *)c->afxdp_dst_prefixes.v;
	ac->n_dst_prefixes = c->afxdp_dst_prefixes.n;
	ac->blocklist = (const char *const *)c->afxdp_blocklist.v;
	ac->n_blocklist = c->afxdp_blocklist.n;
}
#endif

const struct weir_capture_ops *
weir_ports_check(const struct weir_conf *c, const char *driver, unsigned int n)
{
	const struct weir_capture_ops *ops;

	if (ports_check_interfaces(c, driver, n) < 0)
		return NULL;
	if (strcmp(driver, "pcap") == 0 && c->capture_pcap_file[0] == '\0') {
		fprintf(stderr, "weir: capture.driver is pcap but no file was given (-r FILE)\n");
		return NULL;
	}
	ops = weir_capture_find(driver);
	if (ops == NULL)
		fprintf(stderr, "weir: capture driver '%s' is not supported yet (built: %s)\n",
			driver, weir_capture_names());
	return ops;
}

int
weir_ports_check_options(const struct weir_conf *c, const char *driver)
{
#if WEIR_HAVE_AFXDP
	/* The capture filter and block list as the driver parses them at
	 * open, without attaching anything: a bad port, prefix or protocol
	 * fails here, not at the first start. */
	if (strcmp(driver, "afxdp") == 0) {
		struct weir_afxdp_conf ac;
		struct weir_afxdp_filter f;
		char err[256];

		ports_afxdp_conf(c, &ac);
		if (weir_afxdp_filter_parse(&ac, &f, err, sizeof(err)) < 0) {
			fprintf(stderr, "weir: %s\n", err);
			return -EINVAL;
		}
		weir_afxdp_filter_free(&f);
	}
#else
	(void)c;
	(void)driver;
#endif
	return 0;
}

int
weir_ports_open(struct weir_port *portv, unsigned int n, const char *const *names,
		const struct weir_capture_ops *ops, const struct weir_conf *c, uint16_t n_queues,
		bool fewer_ok, bool every_queue, char *label, size_t label_len)
{
	struct weir_port_conf pc;
	struct weir_dpdk_conf dc = {.group = names, .n_group = n};
#if WEIR_HAVE_AFXDP
	struct weir_afxdp_conf ac;
#endif
	const char *driver = ops->name;
	size_t off = 0;
	unsigned int p;
	int ret;

	/* One port per interface, each with the same number of queues. */
	memset(&pc, 0, sizeof(pc));
	pc.n_queues = n_queues;
	pc.fewer_queues_ok = fewer_ok;
	pc.rx_desc = (uint16_t)c->capture_rx_desc;
	pc.mempool_size = c->capture_mempool;
	pc.every_queue = every_queue;
	pc.socket_id = (int)rte_socket_id();
	/* every dpdk port knows the others: they must hash alike */
	if (strcmp(driver, "dpdk") == 0)
		pc.drv_conf = &dc;
#if WEIR_HAVE_AFXDP
	if (strcmp(driver, "afxdp") == 0) {
		ports_afxdp_conf(c, &ac);
		pc.drv_conf = &ac;
	}
#endif
	label[0] = '\0';
	for (p = 0; p < n; p++) {
		pc.name = strcmp(driver, "pcap") == 0 ? c->capture_pcap_file : names[p];
		ret = weir_port_open(&portv[p], ops, &pc, (uint16_t)p);
		if (ret < 0) {
			fprintf(stderr, "weir: cannot open %s port '%s': %s\n", driver, pc.name,
				strerror(-ret));
			/* the driver undid its own half-open port */
			portv[p].ops = NULL;
			weir_ports_close(portv, n);
			return ret;
		}
		off += (size_t)snprintf(label + off, label_len - off, "%s%s", p ? "," : "",
					portv[p].name);
		if (off >= label_len)
			off = label_len - 1;
	}
	return 0;
}

int
weir_ports_start(struct weir_port *portv, unsigned int n)
{
	unsigned int p;
	int ret;

	for (p = 0; p < n; p++) {
		ret = weir_port_start(&portv[p]);
		if (ret < 0) {
			fprintf(stderr, "weir: cannot start port '%s': %s\n", portv[p].name,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void
weir_ports_stop(struct weir_port *portv, unsigned int n)
{
	unsigned int p;

	for (p = 0; p < n; p++)
		if (portv[p].ops != NULL)
			weir_port_stop(&portv[p]);
}

void
weir_ports_close(struct weir_port *portv, unsigned int n)
{
	unsigned int p;

	weir_ports_stop(portv, n);
	for (p = 0; p < n; p++)
		if (portv[p].ops != NULL)
			weir_port_close(&portv[p]);
}

/*
 * SIGUSR2: re-read the configuration file and hand the driver's run-time
 * options to the running port (afxdp: capture filter and block list, by
 * rewriting the XDP program's maps). Nothing else changes without a
 * restart, and a file that does not load changes nothing.
 */
int
weir_ports_reconfigure(struct weir_port *portv, unsigned int n, const char *conf_file,
		       const char *label)
{
#if WEIR_HAVE_AFXDP
	struct weir_afxdp_conf ac;
	struct weir_diags ds;
	struct weir_conf c;
	unsigned int p, n_ok = 0;
	int ret;

	if (conf_file == NULL) {
		WEIR_LOG(WARNING, app, "SIGUSR2: no configuration file (-c) to re-read");
		return -ENOENT;
	}
	if (weir_diags_init(&ds, 20) < 0)
		return -ENOMEM;
	ret = weir_conf_defaults(&c);
	if (ret < 0)
		goto out_diags;
	ret = weir_conf_load_file(&c, conf_file, &ds);
	if (ret < 0) {
		weir_cli_print_diags(&ds);
		WEIR_LOG(ERR, app, "SIGUSR2: %s refused; nothing changed", conf_file);
		goto out_conf;
	}
	ports_afxdp_conf(&c, &ac);
	/* Every port gets the same filter; each logs its own outcome. */
	for (p = 0; p < n; p++) {
		ret = weir_port_reconfigure(&portv[p], &ac);
		if (ret == -ENOTSUP) {
			WEIR_LOG(NOTICE, app,
				 "SIGUSR2: the %s driver has nothing to change at run time",
				 portv[p].ops->name);
			goto out_conf;
		}
		if (ret == 0)
			n_ok++;
	}
	if (n_ok == n) {
		WEIR_LOG(NOTICE, app, "SIGUSR2: %s re-read, capture filter applied to %s",
			 conf_file, label);
		ret = 0;
	} else {
		WEIR_LOG(ERR, app,
			 "SIGUSR2: %s re-read, capture filter applied to %u of %u "
			 "interfaces (see above)",
			 conf_file, n_ok, n);
		ret = -EIO;
	}
out_conf:
	weir_conf_free(&c);
out_diags:
	weir_diags_free(&ds);
	return ret;
#else
	(void)n;
	(void)conf_file;
	(void)label;
	WEIR_LOG(NOTICE, app, "SIGUSR2: the %s driver has nothing to change at run time",
		 portv[0].ops->name);
	return -ENOTSUP;
#endif
}
