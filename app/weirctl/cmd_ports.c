/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl ports: one row per port and per queue. */
#include <inttypes.h>
#include <stdio.h>

#include "weirctl.h"

void
weirctl_print_ports(const json_t *ports)
{
	const json_t *p, *q;
	size_t i, j;

	printf("%-22s %14s %16s %12s %12s %10s\n", "port/queue", "rx_packets", "rx_bytes",
	       "nic_missed", "nic_errors", "nombuf");
	json_array_foreach(ports, i, p) {
		printf("%-22s %14" PRIu64 " %16" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64
		       "\n",
		       weirctl_str(p, "name"), weirctl_u64(p, "rx_packets"),
		       weirctl_u64(p, "rx_bytes"), weirctl_u64(p, "drop_nic_missed"),
		       weirctl_u64(p, "drop_nic_errors"), weirctl_u64(p, "drop_nombuf"));
		json_array_foreach(json_object_get(p, "queues"), j, q)
			printf("  queue %-3" PRIu64 " worker %-5" PRIu64 " %14" PRIu64 " %16" PRIu64
			       "\n",
			       weirctl_u64(q, "queue"), weirctl_u64(q, "worker"),
			       weirctl_u64(q, "rx_packets"), weirctl_u64(q, "rx_bytes"));
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
