/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl ports: one row per port and per queue. */
#include <inttypes.h>
#include <stdio.h>

#include "weirctl.h"

void
weirctl_print_ports(const json_t *ports)
{
	const json_t *p, *q, *x;
	const char *xname;
	size_t i, j;

	/* one column per row of WEIR_PORT_COUNTERS */
	printf("%-22s", "port/queue");
#define PORT_HEAD(name, doc) printf(" %*s", weirctl_width(#name, 12), #name);
	WEIR_PORT_COUNTERS(PORT_HEAD)
#undef PORT_HEAD
	printf("\n");
	json_array_foreach(ports, i, p)
	{
		printf("%-22s", weirctl_str(p, "name"));
#define PORT_COL(name, doc) printf(" %*" PRIu64, weirctl_width(#name, 12), weirctl_u64(p, #name));
		WEIR_PORT_COUNTERS(PORT_COL)
#undef PORT_COL
		printf("\n");
		/* a queue's packets are its worker's: the first two columns */
		json_array_foreach(json_object_get(p, "queues"), j, q) printf(
			"  queue %-3" PRIu64 " worker %-3" PRIu64 " %*" PRIu64 " %*" PRIu64 "\n",
			weirctl_u64(q, "queue"), weirctl_u64(q, "worker"),
			weirctl_width("rx_packets", 12), weirctl_u64(q, "rx_packets"),
			weirctl_width("rx_bytes", 12), weirctl_u64(q, "rx_bytes"));
		if (weirctl_str(p, "mode")[0] != '\0')
			printf("  mode: %s\n", weirctl_str(p, "mode"));
		/* the driver's own counters (afxdp), by name */
		json_object_foreach(json_object_get(p, "xstats"), xname, x)
			printf("  %-28s %16lld\n", xname, (long long)json_integer_value(x));
		if (weirctl_str(p, "error")[0] != '\0')
			printf("  input error: %s\n", weirctl_str(p, "error"));
	}
}

int
cmd_ports(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "ports", &rep);
	if (rep != NULL)
		weirctl_print_ports(json_object_get(rep, "ports"));
	json_decref(rep);
	return ret;
}
