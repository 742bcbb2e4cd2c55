/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk capture driver, the part other folders see: its options, filled by
 * app/ports.c and handed over as weir_port_conf.drv_conf. They exist for
 * several ports in one weir (a network TAP's two halves, several links):
 * every port must hash a flow's two directions onto the same queue index,
 * so each port is configured knowing the others.
 */
#ifndef WEIR_DPDK_H
#define WEIR_DPDK_H

/* Options of one dpdk port. Borrowed for the duration of the open call. */
struct weir_dpdk_conf {
	/* Every port this weir opens with the dpdk driver (names or
	 * indexes, as capture.interface lists them), the one being opened
	 * included. Each port hashes with the RSS functions all of them
	 * support, and one whose redirection table would send a hash to
	 * another queue index than its peers' is marked not symmetric (run
	 * mode auto then takes the pipeline). NULL/0: the port alone. */
	const char *const *group;
	unsigned int n_group;
};

#endif /* WEIR_DPDK_H */
