/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcap driver's native reader against libpcap itself: for files built
 * here (random records in both timestamp resolutions, edge timestamps,
 * records around the refill size, a record longer than the snapshot
 * length, files cut inside a record header and inside a record, another
 * byte order, an empty file), every packet the driver hands out (bytes,
 * lengths, time, pcap_cnt) and the error it reports at the end equal what
 * pcap_next_ex() gives for the same file. Each case also checks which
 * reader served it (the native one, libpcap from the start, or a handover
 * at a known record).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "pcap/pcap_priv.h"
#include "weir_cunit.h"

#define MAX_REC 70000u

struct ref_pkt {
	uint32_t len, wire_len;
	uint64_t ts_ns;
	uint8_t *data;
};

static char g_dir[] = "/tmp/weir_pcap_native_XXXXXX";
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	return weir_ut_xorshift(&g_rng);
}

static void
put32(FILE *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	CU_ASSERT_FATAL(fwrite(&v, 4, 1, f) == 1);
}

static FILE *
file_begin(const char *name, char *path, size_t len, uint32_t magic, uint32_t snap, bool swap)
{
	FILE *f;

	snprintf(path, len, "%s/%s", g_dir, name);
	f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	put32(f, magic, swap);
	put32(f, swap ? 0x04000200u : 0x00040002u, false); /* version 2.4 */
	put32(f, 0, swap);
	put32(f, 0, swap);
	put32(f, snap, swap);
	put32(f, 1, swap); /* Ethernet */
	return f;
}

static void
rec(FILE *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wlen, bool swap)
{
	static uint8_t b[MAX_REC];

	put32(f, sec, swap);
	put32(f, frac, swap);
	put32(f, caplen, swap);
	put32(f, wlen, swap);
	for (uint32_t i = 0; i < caplen; i++)
		b[i] = (uint8_t)rnd();
	CU_ASSERT_FATAL(fwrite(b, 1, caplen, f) == caplen);
}

/* A random record: mostly small, some with the wire length below or above
 * the captured one, edge timestamps now and then. */
static void
rec_random(FILE *f, uint32_t max, bool swap)
{
	static const uint32_t edge[] = {0,	   1,	       999999,	   1000000,
					999999999, 0x7fffffff, 0x80000000, 0xffffffff};
	uint32_t caplen = (uint32_t)(rnd() % 8 == 0 ? rnd() % (max + 1) : rnd() % 1600);
	uint32_t wlen = caplen + (uint32_t)(rnd() % 3 == 0 ? rnd() % 100 : 0);
	uint32_t sec = (uint32_t)rnd(), frac = (uint32_t)(rnd() % 1000000000u);

	if (caplen > max)
		caplen = max;
	if (rnd() % 10 == 0)
		wlen = caplen / 2;
	if (rnd() % 5 == 0)
		sec = edge[rnd() % 8];
	if (rnd() % 5 == 0)
		frac = edge[rnd() % 8];
	rec(f, sec, frac, caplen, wlen, swap);
}

/* What libpcap hands over for @p path. @return packets; *err its error
 * at the end ("" at a clean end of file). */
static unsigned int
read_libpcap(const char *path, struct ref_pkt **out, char *err, size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned int n = 0, cap = 0;
	int rc;

	CU_ASSERT_FATAL(p != NULL);
	*out = NULL;
	err[0] = '\0';
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			*out = realloc(*out, cap * sizeof(**out));
			CU_ASSERT_FATAL(*out != NULL);
		}
		(*out)[n].len = h->caplen;
		(*out)[n].wire_len = h->len > h->caplen ? h->len : h->caplen;
		(*out)[n].ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		(*out)[n].data = malloc(h->caplen ? h->caplen : 1);
		CU_ASSERT_FATAL((*out)[n].data != NULL);
		memcpy((*out)[n].data, d, h->caplen);
		n++;
	}
	if (rc == -1)
		snprintf(err, errlen, "%s", pcap_geterr(p));
	pcap_close(p);
	return n;
}

/*
 * Read @p path through the driver, bursts of 1 to 32, and compare with
 * libpcap. @p native: packets the native reader must have served
 * (UINT64_MAX: every one); @p handover: whether it must have given the
 * rest to libpcap.
 */
static void
check_file(const char *path, uint64_t native, bool handover)
{
	const struct weir_capture_ops *ops = weir_capture_find("pcap");
	struct weir_port_conf conf = {.name = path, .n_queues = 1};
	struct weir_port port;
	struct weir_port_stats st;
	struct pcapdrv_queue *pq;
	struct weir_pkt pkts[WEIR_BURST];
	struct ref_pkt *ref;
	char err[PCAP_ERRBUF_SIZE];
	unsigned int n_ref = read_libpcap(path, &ref, err, sizeof(err)), got = 0, bad = 0, rounds;
	uint16_t burst = 1;

	WEIR_CU_ASSERT_FATAL(ops != NULL);
	WEIR_CU_ASSERT_FATAL(weir_port_open(&port, ops, &conf, 0) == 0);
	pq = port.priv;
	/* every burst short of the end hands out a packet at least */
	for (rounds = 0; rounds < n_ref + 100 && !port.rxq[0]->eof; rounds++) {
		uint16_t k = port.rxq[0]->rx_burst(port.rxq[0], pkts, burst);

		for (uint16_t i = 0; i < k; i++, got++) {
			if (got >= n_ref) {
				bad++;
				continue;
			}
			if (pkts[i].len != ref[got].len || pkts[i].wire_len != ref[got].wire_len ||
			    pkts[i].ts_ns != ref[got].ts_ns || pkts[i].pcap_cnt != got + 1u ||
			    memcmp(pkts[i].data, ref[got].data, ref[got].len) != 0) {
				if (bad++ < 5)
					fprintf(stderr,
						"\n  %s packet %u: len %u/%u wire %u/%u ts "
						"%llu/%llu "
						"cnt %llu\n",
						path, got + 1, pkts[i].len, ref[got].len,
						pkts[i].wire_len, ref[got].wire_len,
						(unsigned long long)pkts[i].ts_ns,
						(unsigned long long)ref[got].ts_ns,
						(unsigned long long)pkts[i].pcap_cnt);
			}
		}
		if (k == 0 && !port.rxq[0]->eof)
			bad++; /* a file never answers "nothing yet" */
		port.rxq[0]->release(port.rxq[0], pkts, k);
		burst = (uint16_t)(burst % WEIR_BURST + 1);
	}
	CU_ASSERT(port.rxq[0]->eof);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(got, n_ref);
	CU_ASSERT(weir_port_stats(&port, &st) == 0);
	CU_ASSERT_STRING_EQUAL(st.error, err);
	CU_ASSERT_EQUAL(st.rx_packets, n_ref);
	CU_ASSERT_EQUAL(pq->nat.packets, native == UINT64_MAX ? n_ref : native);
	CU_ASSERT_EQUAL(pq->nat.handovers, handover ? 1u : 0u);
	weir_port_close(&port);
	for (unsigned int i = 0; i < n_ref; i++)
		free(ref[i].data);
	free(ref);
}

/* Random records over several refills, microsecond and nanosecond files. */
static void
test_random(void)
{
	static const uint32_t magic[2] = {0xa1b2c3d4u, 0xa1b23c4du};
	char path[512];

	for (int m = 0; m < 2; m++) {
		FILE *f = file_begin(m ? "rand_ns.pcap" : "rand_us.pcap", path, sizeof(path),
				     magic[m], 65535, false);

		for (int i = 0; i < 6000; i++)
			rec_random(f, 65535, false);
		fclose(f);
		check_file(path, UINT64_MAX, false);
	}
}

/* Records of 40-65 KiB between small ones: a record that does not fit the
 * bytes left, reads in the middle of what would be a burst. */
static void
test_large_records(void)
{
	char path[512];
	FILE *f = file_begin("large.pcap", path, sizeof(path), 0xa1b2c3d4u, 65535, false);

	for (int i = 0; i < 300; i++) {
		uint32_t c = i % 3 ? 40000u + (uint32_t)(rnd() % 25536u) : (uint32_t)(rnd() % 200u);

		rec(f, 1700000000u + (uint32_t)i, (uint32_t)i, c, c, false);
	}
	fclose(f);
	check_file(path, UINT64_MAX, false);
}

/* A header snapshot length of 0 (libpcap reads it as its maximum). */
static void
test_snap_zero(void)
{
	char path[512];
	FILE *f = file_begin("snap0.pcap", path, sizeof(path), 0xa1b2c3d4u, 0, false);

	for (int i = 0; i < 500; i++)
		rec_random(f, 65535, false);
	fclose(f);
	check_file(path, UINT64_MAX, false);
}

/* A record longer than the snapshot length: libpcap from there on. */
static void
test_over_snap(void)
{
	char path[512];
	FILE *f = file_begin("oversnap.pcap", path, sizeof(path), 0xa1b2c3d4u, 200, false);

	for (int i = 0; i < 100; i++)
		rec(f, 1000u + (uint32_t)i, 5, 200, 300, false);
	rec(f, 2000, 6, 300, 300, false); /* record 101 */
	for (int i = 0; i < 50; i++)
		rec(f, 3000u + (uint32_t)i, 7, 150, 150, false);
	fclose(f);
	check_file(path, 100, true);
}

/* Cut inside a record's header, and inside a record's bytes: libpcap
 * reads the broken record and says what is wrong. */
static void
test_cut(void)
{
	char path[512];
	FILE *f = file_begin("cut_hdr.pcap", path, sizeof(path), 0xa1b2c3d4u, 65535, false);
	static const uint8_t part[7] = {1, 2, 3, 4, 5, 6, 7};

	for (int i = 0; i < 3000; i++)
		rec_random(f, 2000, false);
	CU_ASSERT_FATAL(fwrite(part, 1, sizeof(part), f) == sizeof(part));
	fclose(f);
	check_file(path, 3000, true);

	f = file_begin("cut_data.pcap", path, sizeof(path), 0xa1b23c4du, 65535, false);
	for (int i = 0; i < 40; i++)
		rec_random(f, 2000, false);
	put32(f, 5, false);
	put32(f, 6, false);
	put32(f, 100, false);
	put32(f, 100, false);
	CU_ASSERT_FATAL(fwrite(part, 1, sizeof(part), f) == sizeof(part));
	fclose(f);
	check_file(path, 40, true);
}

/* The other byte order is libpcap's from the start; an empty file ends. */
static void
test_swapped_and_empty(void)
{
	char path[512];
	FILE *f = file_begin("swapped.pcap", path, sizeof(path), 0xa1b2c3d4u, 65535, true);

	for (int i = 0; i < 200; i++)
		rec_random(f, 2000, true);
	fclose(f);
	check_file(path, 0, false);

	f = file_begin("empty.pcap", path, sizeof(path), 0xa1b23c4du, 65535, false);
	fclose(f);
	check_file(path, 0, false);
}

static int
suite_init(void)
{
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pcap_native", suite_init, suite_clean);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_random);
	CU_ADD_TEST(s, test_large_records);
	CU_ADD_TEST(s, test_snap_zero);
	CU_ADD_TEST(s, test_over_snap);
	CU_ADD_TEST(s, test_cut);
	CU_ADD_TEST(s, test_swapped_and_empty);
	return weir_ut_run();
}
