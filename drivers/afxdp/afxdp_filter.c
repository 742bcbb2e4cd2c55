/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp driver, capture filter and block list: configuration text (protocol
 * names, port ranges, CIDR prefixes) to the key/value form of the XDP
 * program's maps, and the map updates that install it. Cold: runs at open
 * and on every run-time reconfiguration (SIGUSR2), never per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "afxdp.h"
#include "weir_xdp.skel.h"

#define FILTER_NPORTS 65536

static int
filter_proto(const char *s, uint32_t *bits)
{
	if (strcasecmp(s, "tcp") == 0)
		*bits |= WEIR_XDP_PROTO_TCP;
	else if (strcasecmp(s, "udp") == 0)
		*bits |= WEIR_XDP_PROTO_UDP;
	else if (strcasecmp(s, "icmp") == 0)
		*bits |= WEIR_XDP_PROTO_ICMP;
	else if (strcasecmp(s, "other") == 0)
		*bits |= WEIR_XDP_PROTO_OTHER;
	else if (strcasecmp(s, "all") == 0)
		*bits |= WEIR_XDP_PROTO_TCP | WEIR_XDP_PROTO_UDP | WEIR_XDP_PROTO_ICMP |
			 WEIR_XDP_PROTO_OTHER;
	else
		return -EINVAL;
	return 0;
}

static int
filter_port(const char *s, unsigned long *v, char **end)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, end, 10);
	if (errno != 0 || *v > 65535)
		return -EINVAL;
	return 0;
}

/* "80" or "8000-8100" (inclusive). */
static int
filter_port_range(const char *s, uint8_t *ports)
{
	unsigned long lo, hi, p;
	char *end;

	if (filter_port(s, &lo, &end) < 0)
		return -EINVAL;
	hi = lo;
	if (*end == '-' && filter_port(end + 1, &hi, &end) < 0)
		return -EINVAL;
	if (*end != '\0' || hi < lo)
		return -EINVAL;
	for (p = lo; p <= hi; p++)
		ports[p] = 1;
	return 0;
}

/* "10.0.0.0/8", "2001:db8::/32", or a bare address (a host prefix). */
int
afxdp_parse_prefix(const char *s, struct weir_xdp_lpm_key *k)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long plen, max;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int i;
	char *end;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, buf, k->addr) == 1) {
		k->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, k->addr) == 1) {
		k->family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash != NULL && filter_port(slash + 1, &plen, &end) < 0)
		return -EINVAL;
	if (slash != NULL && *end != '\0')
		return -EINVAL;
	if (plen > max)
		return -EINVAL;
	/* Host bits cleared, so "10.1.2.3/8" and "10.0.0.0/8" are one key
	 * and a later delete finds what was inserted. */
	for (i = 0; i < 16; i++) {
		unsigned long bit = i * 8ul;

		if (bit >= plen)
			k->addr[i] = 0;
		else if (bit + 8 > plen)
			k->addr[i] &= (uint8_t)(0xff00u >> (plen - bit));
	}
	k->prefixlen = (uint32_t)(8 + plen); /* the family byte counts for 8 */
	return 0;
}

static int
filter_prefixes(const char *what, const char *const *v, unsigned int n,
		struct weir_xdp_lpm_key **out, unsigned int *n_out, char *err, size_t errlen)
{
	unsigned int i;

	if (n == 0)
		return 0;
	if (n > WEIR_XDP_MAX_PREFIXES) {
		snprintf(err, errlen, "%s: %u prefixes, at most %u", what, n,
			 WEIR_XDP_MAX_PREFIXES);
		return -E2BIG;
	}
	*out = calloc(n, sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (afxdp_parse_prefix(v[i], &(*out)[i]) < 0) {
			snprintf(err, errlen,
				 "%s: '%s' is not an IPv4/IPv6 address or prefix (a.b.c.d/len, "
				 "x::y/len)",
				 what, v[i]);
			return -EINVAL;
		}
	}
	*n_out = n;
	return 0;
}

int
weir_afxdp_filter_parse(const struct weir_afxdp_conf *c, struct weir_afxdp_filter *f, char *err,
			size_t errlen)
{
	unsigned int i;
	int ret;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < c->n_protocols; i++) {
		if (filter_proto(c->protocols[i], &f->conf.protocols) < 0) {
			snprintf(err, errlen,
				 "afxdp.filter.protocols: '%s' is not one of tcp, udp, icmp, "
				 "other, all",
				 c->protocols[i]);
			ret = -EINVAL;
			goto err_free;
		}
	}
	/* weir scans TCP and UDP payloads: that is what an unset filter takes. */
	if (c->n_protocols == 0)
		f->conf.protocols = WEIR_XDP_PROTO_TCP | WEIR_XDP_PROTO_UDP;
	f->ports = calloc(FILTER_NPORTS, 1);
	if (f->ports == NULL) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < c->n_dst_ports; i++) {
		if (filter_port_range(c->dst_ports[i], f->ports) < 0) {
			snprintf(err, errlen,
				 "afxdp.filter.dst-ports: '%s' is not a port or range (\"80\", "
				 "\"8000-8100\", 0-65535)",
				 c->dst_ports[i]);
			ret = -EINVAL;
			goto err_free;
		}
	}
	if (c->n_dst_ports == 0)
		f->conf.flags |= WEIR_XDP_F_PORTS_ANY;
	ret = filter_prefixes("afxdp.filter.src-prefixes", c->src_prefixes, c->n_src_prefixes,
			      &f->src, &f->n_src, err, errlen);
	if (ret == 0)
		ret = filter_prefixes("afxdp.filter.dst-prefixes", c->dst_prefixes,
				      c->n_dst_prefixes, &f->dst, &f->n_dst, err, errlen);
	if (ret == 0)
		ret = filter_prefixes("afxdp.blocklist", c->blocklist, c->n_blocklist, &f->block,
				      &f->n_block, err, errlen);
	if (ret < 0)
		goto err_free;
	if (f->n_src == 0)
		f->conf.flags |= WEIR_XDP_F_SRC_ANY;
	if (f->n_dst == 0)
		f->conf.flags |= WEIR_XDP_F_DST_ANY;
	return 0;

err_free:
	weir_afxdp_filter_free(f);
	return ret;
}

void
weir_afxdp_filter_free(struct weir_afxdp_filter *f)
{
	free(f->ports);
	free(f->src);
	free(f->dst);
	free(f->block);
	memset(f, 0, sizeof(*f));
}

static bool
filter_has_key(const struct weir_xdp_lpm_key *v, unsigned int n, const struct weir_xdp_lpm_key *k)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (memcmp(&v[i], k, sizeof(*k)) == 0)
			return true;
	return false;
}

/* Make the trie @p map hold exactly @p v: insert, then delete the rest. */
static int
filter_sync_trie(struct bpf_map *map, const struct weir_xdp_lpm_key *v, unsigned int n)
{
	struct weir_xdp_lpm_key key, next, *stale = NULL;
	unsigned int i, n_stale = 0, cap = 0;
	uint8_t one = 1;
	int fd = bpf_map__fd(map), ret = 0;
	void *prev = NULL;

	for (i = 0; i < n; i++) {
		ret = bpf_map_update_elem(fd, &v[i], &one, BPF_ANY);
		if (ret < 0)
			return -errno;
	}
	/* Collect first, delete after: deleting while walking an LPM trie
	 * restarts get_next_key from the beginning. */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (!filter_has_key(v, n, &next)) {
			if (n_stale == cap) {
				struct weir_xdp_lpm_key *grown;

				cap = cap ? 2 * cap : 64;
				grown = realloc(stale, cap * sizeof(*stale));
				if (grown == NULL) {
					ret = -ENOMEM;
					goto out;
				}
				stale = grown;
			}
			stale[n_stale++] = next;
		}
		key = next;
		prev = &key;
	}
	for (i = 0; i < n_stale; i++)
		if (bpf_map_delete_elem(fd, &stale[i]) < 0 && errno != ENOENT) {
			ret = -errno;
			goto out;
		}
out:
	free(stale);
	return ret;
}

int
weir_afxdp_filter_apply(struct weir_xdp *skel, const struct weir_afxdp_filter *f,
			const struct weir_afxdp_filter *old)
{
	int ports_fd = bpf_map__fd(skel->maps.weir_dst_ports);
	uint32_t zero = 0, p;
	int ret;

	for (p = 0; p < FILTER_NPORTS; p++) {
		/* Fresh maps are all zero: write only what differs. */
		uint8_t was = old != NULL && old->ports != NULL ? old->ports[p] : 0;

		if (f->ports[p] != was &&
		    bpf_map_update_elem(ports_fd, &p, &f->ports[p], BPF_ANY) < 0)
			return -errno;
	}
	ret = filter_sync_trie(skel->maps.weir_src_prefixes, f->src, f->n_src);
	if (ret == 0)
		ret = filter_sync_trie(skel->maps.weir_dst_prefixes, f->dst, f->n_dst);
	if (ret == 0)
		ret = filter_sync_trie(skel->maps.weir_blocklist, f->block, f->n_block);
	if (ret < 0)
		return ret;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.weir_conf), &zero, &f->conf, BPF_ANY) < 0)
		return -errno;
	return 0;
}
