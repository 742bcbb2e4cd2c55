/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp capture driver, the part other folders see: its options (filled by
 * app/ports.c from the afxdp.* configuration keys and handed over as
 * weir_port_conf.drv_conf) and the capture filter in its parsed form, which
 * tests/bpf drives directly. Built only when WEIR_HAVE_AFXDP is 1.
 */
#ifndef WEIR_AFXDP_H
#define WEIR_AFXDP_H

#include <stddef.h>
#include <stdint.h>

#include "weir_xdp_shared.h"

struct weir_xdp; /* the bpftool skeleton, bpf/weir_xdp.skel.h */

/* Options of one afxdp port. Lists are borrowed for the duration of the
 * open or reconfigure call only. */
struct weir_afxdp_conf {
	const char *mode;	      /* auto | native | skb (XDP attach mode) */
	const char *zero_copy;	      /* auto | on | off */
	uint32_t umem_frames;	      /* UMEM frames per queue = fill ring size, 2^n */
	uint32_t ring_size;	      /* rx ring descriptors per queue, 2^n */
	const char *const *protocols; /* "tcp" "udp" "icmp" "other" "all"; none = tcp, udp */
	unsigned int n_protocols;
	const char *const *dst_ports; /* "80", "8000-8100"; none = every port */
	unsigned int n_dst_ports;
	const char *const *src_prefixes; /* CIDR v4/v6; none = any source */
	unsigned int n_src_prefixes;
	const char *const *dst_prefixes; /* CIDR v4/v6; none = any destination */
	unsigned int n_dst_prefixes;
	const char *const *blocklist; /* CIDR v4/v6 sources dropped in XDP */
	unsigned int n_blocklist;
};

/* The capture filter and block list as the XDP program's maps hold them. */
struct weir_afxdp_filter {
	struct weir_xdp_conf conf;
	uint8_t *ports; /* 65536 bytes, 1 = destination port selected */
	struct weir_xdp_lpm_key *src, *dst, *block;
	unsigned int n_src, n_dst, n_block;
};

/**
 * Parse the filter part of @p c (borrowed for the call) into @p f, which
 * the caller owns and frees with weir_afxdp_filter_free(). On -EINVAL and
 * -E2BIG @p err says which entry and why; on -ENOMEM it is not written.
 * Thread: any; no global state (main calls it: weir_ports_check_options,
 * the driver's open and reconfigure).
 * @return 0, -EINVAL (bad entry), -E2BIG (more prefixes than the maps
 * hold), -ENOMEM. @p f is left empty (zeroed, nothing to free) on error.
 */
int weir_afxdp_filter_parse(const struct weir_afxdp_conf *c, struct weir_afxdp_filter *f, char *err,
			    size_t errlen);

/** Free what weir_afxdp_filter_parse() allocated and zero @p f; safe on a
 *  zeroed filter. Thread: the filter's owner. */
void weir_afxdp_filter_free(struct weir_afxdp_filter *f);

/**
 * Write @p f into the maps of a loaded skeleton, replacing what @p old (the
 * filter they hold now, NULL = fresh maps) put there; both are borrowed
 * for the call. @p old is trusted for the port bytes (only those that
 * differ from it are written); the prefix tries are read back from the
 * kernel. Prefix entries go in before stale ones are deleted and the
 * protocol/flag word goes last, so a packet in flight meets either rule
 * set or their union, with two exceptions: port bytes are rewritten one by
 * one in port order, and going from a list to "any" (no dst-ports, no
 * prefixes) empties the map before the flag that says "any" is written;
 * in between, the filter may pass none of those packets. The program is
 * not reloaded. Thread: main (the driver's open and reconfigure) or a
 * test; not concurrent with itself on one skeleton.
 * @return 0, -ENOMEM, or -errno from the map update that failed; the maps
 *         then hold a mix of old and new entries, which @p old no longer
 *         describes.
 */
int weir_afxdp_filter_apply(struct weir_xdp *skel, const struct weir_afxdp_filter *f,
			    const struct weir_afxdp_filter *old);

#endif /* WEIR_AFXDP_H */
