/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers the benchmarks share: see bench_common.h. Nothing here is timed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
bench_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int
bench_bytes_append(struct bench_bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1 << 20;
		uint8_t *v;

		while (cap < b->len + n)
			cap *= 2;
		v = realloc(b->data, cap);
		if (v == NULL)
			return -ENOMEM;
		b->data = v;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
bench_bytes_end(struct bench_bytes *b)
{
	if (b->n + 2 > b->n_cap) {
		size_t cap = b->n_cap ? b->n_cap * 2 : 4096;
		size_t *v = realloc(b->off, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		b->off = v;
		b->n_cap = cap;
	}
	if (b->n == 0)
		b->off[0] = 0;
	b->off[++b->n] = b->len;
	return 0;
}

int
bench_bytes_add(struct bench_bytes *b, const void *p, size_t n)
{
	int rc = bench_bytes_append(b, p, n);

	return rc < 0 ? rc : bench_bytes_end(b);
}

void
bench_bytes_free(struct bench_bytes *b)
{
	free(b->data);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

int
bench_pcap_frames(const char *prog, const char *path, bench_frame_fn fn, void *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *pc;
	int rc = 0, r;

	pc = pcap_open_offline(path, errbuf);
	if (pc == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, errbuf);
		return -EIO;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "%s: %s: only Ethernet captures are supported\n", prog, path);
		rc = -ENOTSUP;
		goto out;
	}
	while ((r = pcap_next_ex(pc, &h, &pkt)) == 1) {
		rc = fn(ctx, h, pkt);
		if (rc < 0)
			goto out;
	}
	rc = 0;
	if (r == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, pcap_geterr(pc));
		rc = -EIO;
	}
out:
	pcap_close(pc);
	return rc;
}

int
bench_expected_read(const char *prog, const char *path, bench_rule_index_fn index_of,
		    const void *ctx, uint64_t *want)
{
	unsigned long long cnt;
	unsigned long sid;
	int bad = 0;
	FILE *f;
	long i;

	f = fopen(path, "r");
	if (f == NULL) {
		int rc = -errno;

		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return rc;
	}
	while (fscanf(f, "%lu\t%llu", &sid, &cnt) == 2) {
		i = index_of(ctx, sid);
		if (i < 0) {
			fprintf(stderr, "%s: %s: signature %lu is no rule\n", prog, path, sid);
			bad++;
			continue;
		}
		want[i] += cnt;
	}
	fclose(f);
	return bad;
}
