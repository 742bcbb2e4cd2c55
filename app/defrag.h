/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly (IPv4, and IPv6 fragments behind any extension headers):
 * one table per worker, used by that worker alone (no locks), with all of
 * its memory allocated by weir_defrag_create() and never again:
 *
 * - trackers: datagrams being rebuilt at once, keyed by (IP version,
 *   source, destination, identification, IPv4 protocol, VLAN ids);
 * - fragment slots: fragments held at once, all trackers together;
 * - data blocks: the held fragments' bytes (WEIR_DEFRAG_BLOCK each);
 * - one output frame of the largest datagram, the rebuilt packet.
 *
 * A tracker lives until its datagram is complete (rebuilt and handed back
 * to the caller), or until no fragment came for the timeout (Suricata's
 * defrag.timeout: refreshed by every fragment). A fragment that finds no
 * free tracker, slot or block is dropped for memory (an expired tracker is
 * reclaimed first), never a reason to allocate.
 *
 * Overlaps are resolved byte by byte by a policy, Suricata's defrag
 * policies (after Novak's target-based reassembly; the tests check
 * Suricata's Sturges-Novak vectors): for a byte that an earlier fragment O
 * already holds, a later fragment N takes it when
 *   first:   never;
 *   last:    always;
 *   bsd:     N starts before O;
 *   linux:   N starts before O or where O starts;
 *   windows: N starts before O and ends after it;
 *   solaris: N starts before O and ends where O ends or after.
 * (O's and N's offsets and ends are each fragment's own, untrimmed.)
 *
 * Accounting: every fragment offered is counted once, when its fate is
 * known:
 *   fragments = used + timeout + nomem + invalid + held
 * used: it was part of a datagram that was rebuilt; timeout: its datagram
 * was given up (timeout, or incomplete at the end of the run: flush);
 * nomem: no tracker, slot or block was free; invalid: refused (empty,
 * past the largest datagram, past the end the last fragment set, more
 * than max_frags for its datagram, a header too long to keep), each also
 * counted in its cause (nomem_*, invalid_*); held: in the table now (a
 * gauge). Anomalies, counted besides: overlaps
 * (fragments overlapping bytes already held) and tiny (a first fragment
 * too short for its TCP, UDP or ICMP header, RFC 1858).
 *
 * Nothing here logs or makes a syscall after creation.
 */
#ifndef WEIR_DEFRAG_H
#define WEIR_DEFRAG_H

#include <stdbool.h>
#include <stdint.h>

/* Suricata's defrag policies, in its names. */
enum weir_defrag_policy {
	WEIR_DEFRAG_FIRST,
	WEIR_DEFRAG_LAST,
	WEIR_DEFRAG_BSD, /* Suricata's default */
	WEIR_DEFRAG_LINUX,
	WEIR_DEFRAG_WINDOWS,
	WEIR_DEFRAG_SOLARIS,
};

/* Bytes of data block: a fragment of an Ethernet MTU takes three. */
#define WEIR_DEFRAG_BLOCK 512
/* Bytes of the first fragment kept to head the rebuilt packet: its link
 * header, IP header and (IPv6) the extension headers before the fragment
 * header. */
#define WEIR_DEFRAG_HDR_MAX 256
/* Largest rebuilt frame: that header and 65535 bytes of IP payload. */
#define WEIR_DEFRAG_FRAME_MAX (WEIR_DEFRAG_HDR_MAX + 65535)

struct weir_defrag_conf {
	uint32_t trackers;  /* datagrams in reassembly at once (>= 1) */
	uint32_t frags;	    /* fragments held at once (>= 1) */
	uint64_t memcap;    /* bytes of fragment data held at once */
	uint32_t max_frags; /* fragments per datagram (1..255) */
	uint64_t timeout_ns;
	enum weir_defrag_policy policy;
};

struct weir_defrag_stats {
	uint64_t fragments;   /* offered to weir_defrag_insert() */
	uint64_t reassembled; /* datagrams rebuilt */
	uint64_t used;
	uint64_t timeout;
	uint64_t nomem;
	uint64_t invalid;
	uint64_t held; /* gauge */
	/* The causes: nomem = nomem_trackers + nomem_frags + nomem_memcap,
	 * invalid = invalid_empty + invalid_too_large + invalid_header +
	 * invalid_max_frags + invalid_past_end. */
	uint64_t nomem_trackers;    /* no free tracker (defrag.trackers) */
	uint64_t nomem_frags;	    /* no free fragment slot (defrag.max-frags) */
	uint64_t nomem_memcap;	    /* no room for its data (defrag.memcap) */
	uint64_t invalid_empty;	    /* no data */
	uint64_t invalid_too_large; /* past the largest datagram (65535) */
	uint64_t invalid_header;    /* headers ahead of the data too long to keep */
	uint64_t invalid_max_frags; /* past defrag.datagram-max-frags */
	uint64_t invalid_past_end;  /* past the end a last fragment set, or a last
				       fragment ending before data held */
	uint64_t overlaps;
	uint64_t tiny;
	uint64_t memory_bytes; /* allocated at creation */
};

/* One fragment, as the decoder found it (app/decode.h). */
struct weir_defrag_frag {
	const uint8_t *frame; /* the captured frame */
	uint32_t hdr_len;     /* bytes of frame before the fragmentable part
				 (IPv6: up to the fragment header) */
	uint32_t data_off;    /* the fragment's data in frame */
	uint32_t data_len;
	uint32_t offset;	  /* in the datagram, bytes */
	uint32_t id;		  /* identification (IPv4: 16 bits) */
	const uint8_t *src, *dst; /* 4 (IPv4) or 16 bytes */
	uint16_t l3_off;	  /* IP header in frame */
	uint16_t nh_off;	  /* IPv6: the byte naming the fragment header */
	uint16_t vlan[2];
	uint8_t n_vlan;
	uint8_t ip_version;
	uint8_t proto; /* IPv4 protocol; IPv6: the fragment header's next */
	bool more;
	uint64_t ts_ns;
};

/* What became of one fragment. */
enum weir_defrag_res {
	WEIR_DEFRAG_HELD,    /* kept, datagram not complete yet */
	WEIR_DEFRAG_DONE,    /* the datagram is complete: see *out */
	WEIR_DEFRAG_INVALID, /* refused (counted) */
	WEIR_DEFRAG_NOMEM,   /* dropped for memory (counted) */
};

struct weir_defrag;

/**
 * Allocate a table for @p c. Cold (main thread, at start).
 * @return the table, or NULL with errno (EINVAL, ENOMEM).
 */
struct weir_defrag *weir_defrag_create(const struct weir_defrag_conf *c);

void weir_defrag_destroy(struct weir_defrag *t);

/**
 * Offer one fragment. With WEIR_DEFRAG_DONE, *out and *out_len are the
 * rebuilt frame (the first fragment's link and IP headers, lengths and
 * fragment fields rewritten, IPv4 checksum recomputed, the IPv6 fragment
 * header removed, then the datagram): valid until the next call on @p t.
 * Owning worker only.
 */
enum weir_defrag_res weir_defrag_insert(struct weir_defrag *t, const struct weir_defrag_frag *f,
					const uint8_t **out, uint32_t *out_len);

/** Give up the datagrams whose last fragment came before @p now_ns minus
 *  the timeout. @return how many. Owning worker only. */
uint32_t weir_defrag_expire(struct weir_defrag *t, uint64_t now_ns);

/** Give up every datagram (end of the run): counted as timeout. */
void weir_defrag_flush(struct weir_defrag *t);

/** Suricata's decoder events (WEIR_PEV_BIT of enum weir_pkt_event) the last
 *  weir_defrag_insert() raised on its fragment: ipv4/ipv6.frag_overlap,
 *  ipv4/ipv6.frag_pkt_too_large. Owning worker only. */
uint64_t weir_defrag_events(const struct weir_defrag *t);

/** Copy the counters. Owning worker only. */
void weir_defrag_stats_get(const struct weir_defrag *t, struct weir_defrag_stats *s);

/** Parse a policy name (first, last, bsd, linux, windows, solaris).
 *  @return 0, or -EINVAL. */
int weir_defrag_policy_parse(const char *name, enum weir_defrag_policy *p);

#endif /* WEIR_DEFRAG_H */
