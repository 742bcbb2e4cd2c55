/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcap sink: the flagged packets themselves, as pcapng, so an analyst
 * opens exactly what fired in Wireshark. Each event's frame (copied by the
 * worker at match time, up to outputs.pcap.snaplen, into its frame ring,
 * then by the emitter into this sink's queue) becomes one Enhanced
 * Packet Block whose comment names the rule and the interface:
 * "sid=N rev=R iface=X". A packet that matched two rules is written twice,
 * once per alert, so packets = alerts and each block says why it is there.
 * Flow records (event_type flow) have no frame: they are counted skipped
 * and written nowhere.
 *
 * libpcap writes only classic pcap, which has no per-packet comment, so
 * the blocks are written here (pcapng, draft-ietf-opsawg-pcapng): one
 * Section Header Block, one Interface Description Block per interface
 * (its link type, name, and if_tsresol = 9 for nanosecond timestamps),
 * then the EPBs; every block is padded to 32 bits and repeats its length
 * at its end. Host byte order, which the SHB's byte-order magic declares.
 *
 * Files are PREFIX.NNNNNN.pcapng, created O_EXCL with the first free
 * number, so a restart never overwrites evidence; past max-bytes the next
 * number starts a new section. Blocks collect in a buffer written on flush
 * or when full; an event counts as written once its block is in the file.
 * A failed write is cut back off the file (ftruncate) so the file stays
 * readable, and the events of that buffer are counted drop_errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"

#define PCAPNG_SHB	    0x0A0D0D0Au
#define PCAPNG_IDB	    0x00000001u
#define PCAPNG_EPB	    0x00000006u
#define PCAPNG_MAGIC	    0x1A2B3C4Du
#define PCAPNG_OPT_END	    0
#define PCAPNG_OPT_COMMENT  1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME	    2
#define PCAPNG_IF_TSRESOL   9

#define PCAP_BUF_SIZE	 (256 * 1024) /* bytes between write(2)s */
#define PCAP_MODE	 0640	      /* the payloads are not for every local user */
#define PCAP_NAME_MAX	 4096
#define PCAP_FILES_MAX	 1000000 /* NNNNNN */
#define PCAP_COMMENT_MAX 128
/* The largest block: EPB header, a full frame, a comment, the trailer. */
#define PCAP_BLOCK_MAX (32 + WEIR_EVENT_FRAME_MAX + 4 + 4 + PCAP_COMMENT_MAX + 4 + 4)

struct pcap_sink {
	int fd;
	char *prefix;
	unsigned int next_no; /* number of the next file */
	uint64_t max_bytes;
	uint32_t snaplen;
	struct weir_sink_iface ifaces[WEIR_SINK_MAX_IFACES];
	char *iface_names[WEIR_SINK_MAX_IFACES];
	unsigned int n_ifaces;
	off_t file_bytes;    /* in the file (written) */
	uint64_t file_pkts;  /* EPBs in this file, buffered ones included */
	uint64_t n_buffered; /* events whose block is in buf */
	size_t used;
	uint8_t buf[PCAP_BUF_SIZE];
};

static inline void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static inline size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One option (code, length, value padded to 32 bits); returns its size. */
static size_t
put_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	put16(p, code);
	put16(p + 2, len);
	if (len != 0) /* opt_endofopt has no value: val may be NULL */
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad4(len) - len);
	return 4 + pad4(len);
}

/* Close a block begun at @p b, @p len bytes so far (trailer excluded). */
static size_t
end_block(uint8_t *b, size_t len)
{
	put32(b + len, (uint32_t)(len + 4));
	put32(b + 4, (uint32_t)(len + 4));
	return len + 4;
}

/* SHB and one IDB per interface, into buf: the start of every file. */
static void
pcap_put_section(struct pcap_sink *p)
{
	static const char appl[] = "weir";
	uint8_t *b = p->buf + p->used;
	uint64_t section_len = UINT64_MAX; /* -1: not given */
	uint8_t tsresol = 9;		   /* 10^-9 s */
	unsigned int i;
	size_t n;

	put32(b, PCAPNG_SHB);
	put32(b + 8, PCAPNG_MAGIC);
	put16(b + 12, 1);
	put16(b + 14, 0);
	memcpy(b + 16, &section_len, 8);
	n = 24;
	n += put_opt(b + n, PCAPNG_SHB_USERAPPL, appl, sizeof(appl) - 1);
	n += put_opt(b + n, PCAPNG_OPT_END, NULL, 0);
	p->used += end_block(b, n);

	for (i = 0; i < p->n_ifaces; i++) {
		size_t nl = strlen(p->iface_names[i]);

		b = p->buf + p->used;
		put32(b, PCAPNG_IDB);
		put16(b + 8, p->ifaces[i].linktype);
		put16(b + 10, 0);
		put32(b + 12, p->snaplen);
		n = 16;
		n += put_opt(b + n, PCAPNG_IF_NAME, p->iface_names[i], (uint16_t)nl);
		n += put_opt(b + n, PCAPNG_IF_TSRESOL, &tsresol, 1);
		n += put_opt(b + n, PCAPNG_OPT_END, NULL, 0);
		p->used += end_block(b, n);
	}
}

/* Write buf out. On error, cut the file back to what was good and count
 * the buffered events lost; the file stays a valid pcapng either way. */
static int
pcap_drain(struct weir_sink *s, struct pcap_sink *p)
{
	size_t off = 0;
	ssize_t r;
	int rc = 0;

	while (off < p->used) {
		r = write(p->fd, p->buf + off, p->used - off);
		if (r > 0) {
			off += (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			rc = r < 0 ? -errno : -EIO;
			break;
		}
	}
	if (rc == 0) {
		p->file_bytes += (off_t)p->used;
		s->st.bytes += p->used;
		s->st.written += p->n_buffered;
	} else {
		if (ftruncate(p->fd, p->file_bytes) < 0 ||
		    lseek(p->fd, p->file_bytes, SEEK_SET) < 0)
			rc = -errno;
		s->st.drop_errors += p->n_buffered;
		p->file_pkts -= p->n_buffered;
	}
	p->used = 0;
	p->n_buffered = 0;
	return rc;
}

/* Open the next free PREFIX.NNNNNN.pcapng and queue its section header. */
static int
pcap_open_next(struct weir_sink *s, struct pcap_sink *p)
{
	char name[PCAP_NAME_MAX];
	int fd = -1;

	for (; p->next_no < PCAP_FILES_MAX; p->next_no++) {
		snprintf(name, sizeof(name), "%s.%06u.pcapng", p->prefix, p->next_no);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PCAP_MODE);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (p->next_no == PCAP_FILES_MAX)
		return -EEXIST;
	p->next_no++;
	p->fd = fd;
	p->file_bytes = 0;
	p->file_pkts = 0;
	s->st.files++;
	pcap_put_section(p);
	return 0;
}

static int
pcap_rotate(struct weir_sink *s, struct pcap_sink *p)
{
	int rc = pcap_drain(s, p);

	close(p->fd);
	p->fd = -1;
	if (rc < 0)
		return rc;
	return pcap_open_next(s, p);
}

static void
pcap_free(struct pcap_sink *p)
{
	unsigned int i;

	for (i = 0; i < p->n_ifaces; i++)
		free(p->iface_names[i]);
	free(p->prefix);
	free(p);
}

static int
pcap_open(struct weir_sink *s, const struct weir_sink_conf *conf)
{
	struct pcap_sink *p;
	unsigned int i;
	int rc;

	if (conf->path == NULL || conf->path[0] == '\0' || conf->n_ifaces == 0 ||
	    conf->n_ifaces > WEIR_SINK_MAX_IFACES || conf->snaplen == 0 ||
	    strlen(conf->path) > PCAP_NAME_MAX - 16)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->fd = -1;
	p->snaplen = conf->snaplen;
	p->max_bytes = conf->max_bytes;
	p->prefix = strdup(conf->path);
	for (i = 0; i < conf->n_ifaces; i++) {
		p->ifaces[i] = conf->ifaces[i];
		/* Longer names are cut: the IDB option length is 16 bits. */
		p->iface_names[i] = conf->ifaces[i].name != NULL
					    ? strndup(conf->ifaces[i].name, 256)
					    : strdup("");
		p->n_ifaces = i + 1;
		if (p->iface_names[i] == NULL)
			break;
	}
	if (p->prefix == NULL || p->iface_names[conf->n_ifaces - 1] == NULL) {
		pcap_free(p);
		return -ENOMEM;
	}
	rc = pcap_open_next(s, p);
	if (rc < 0) {
		pcap_free(p);
		return rc;
	}
	/* The header reaches the file now: an empty run leaves a valid file. */
	rc = pcap_drain(s, p);
	if (rc < 0) {
		close(p->fd);
		pcap_free(p);
		return rc;
	}
	s->priv = p;
	return 0;
}

/* One EPB for @p ev and its frame @p f into buf; returns its size. */
static size_t
pcap_put_epb(struct pcap_sink *p, const struct weir_event *ev, const struct weir_frame *f)
{
	uint8_t *b = p->buf + p->used;
	uint32_t cap = f->len < p->snaplen ? f->len : p->snaplen;
	uint32_t wire = ev->wire_len > cap ? ev->wire_len : cap;
	char comment[PCAP_COMMENT_MAX];
	int cl;
	size_t n;

	if (cap > WEIR_EVENT_FRAME_MAX)
		cap = WEIR_EVENT_FRAME_MAX;
	cl = snprintf(comment, sizeof(comment), "sid=%" PRIu32 " rev=%" PRIu32 " iface=%s",
		      ev->rule_id, ev->rule_rev,
		      ev->port < p->n_ifaces ? p->iface_names[ev->port] : "");
	if (cl < 0)
		cl = 0;
	if ((size_t)cl >= sizeof(comment))
		cl = sizeof(comment) - 1;
	put32(b, PCAPNG_EPB);
	put32(b + 8, ev->port < p->n_ifaces ? ev->port : 0);
	put32(b + 12, (uint32_t)(ev->ts_ns >> 32));
	put32(b + 16, (uint32_t)ev->ts_ns);
	put32(b + 20, cap);
	put32(b + 24, wire);
	if (cap > 0)
		memcpy(b + 28, f->data, cap);
	memset(b + 28 + cap, 0, pad4(cap) - cap);
	n = 28 + pad4(cap);
	n += put_opt(b + n, PCAPNG_OPT_COMMENT, comment, (uint16_t)cl);
	n += put_opt(b + n, PCAPNG_OPT_END, NULL, 0);
	return end_block(b, n);
}

static int
pcap_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
	   const struct weir_frame *frame, unsigned int n)
{
	static const struct weir_frame none = {.data = NULL, .len = 0};
	struct pcap_sink *p = s->priv;
	unsigned int i, accepted = 0;
	size_t blen;

	(void)json;
	for (i = 0; i < n; i++) {
		const struct weir_frame *f = frame != NULL ? &frame[i] : &none;

		/* A flow record has no frame and is no flagged packet:
		 * nothing to write, and nothing lost. */
		if (ev[i].kind == WEIR_EV_FLOW) {
			s->st.skipped++;
			accepted++;
			continue;
		}
		if (p->fd < 0) {
			/* A rotation failed: try again, but do not spin. */
			if (pcap_open_next(s, p) < 0) {
				s->st.drop_errors++;
				continue;
			}
		}
		if (PCAP_BUF_SIZE - p->used < PCAP_BLOCK_MAX)
			pcap_drain(s, p);
		blen = pcap_put_epb(p, &ev[i], f);
		/* Rotate before the block that would pass max-bytes, unless
		 * it is the file's first: one packet always fits a file. */
		if (p->max_bytes != 0 && p->file_pkts > 0 &&
		    (uint64_t)p->file_bytes + p->used + blen > p->max_bytes) {
			if (pcap_rotate(s, p) < 0) {
				s->st.drop_errors++;
				continue;
			}
			blen = pcap_put_epb(p, &ev[i], f);
		}
		p->used += blen;
		p->n_buffered++;
		p->file_pkts++;
		accepted++;
	}
	return (int)accepted;
}

static int
pcap_flush(struct weir_sink *s)
{
	struct pcap_sink *p = s->priv;

	return p->fd < 0 ? 0 : pcap_drain(s, p);
}

static void
pcap_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	*st = s->st;
}

static void
pcap_close(struct weir_sink *s)
{
	struct pcap_sink *p = s->priv;

	if (p->fd >= 0) {
		pcap_drain(s, p);
		close(p->fd);
	}
	pcap_free(p);
	s->priv = NULL;
}

const struct weir_sink_ops pcap_sink_ops = {
	.name = "pcap",
	.flags = WEIR_SINK_F_FRAME,
	.open = pcap_open,
	.close = pcap_close,
	.write = pcap_write,
	.flush = pcap_flush,
	.stats = pcap_stats,
};
