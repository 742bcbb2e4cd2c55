/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pcap sink's pcapng writer (drivers/sink/sink_pcap.c),
 * read back with libpcap, the independent reader: one packet per event
 * with its exact bytes, nanosecond timestamp and lengths, snaplen, the
 * file numbering that never overwrites, and rotation by size with every
 * file readable on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "sink.h"
#include "weir_cunit.h"

static char g_dir[64];

static int
suite_init(void)
{
	strcpy(g_dir, "/tmp/weir-sink-pcap-XXXXXX");
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_fini(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct weir_sink_iface g_ifaces[] = {
	{.name = "eth0", .linktype = 1},
};

static int
open_pcap(struct weir_sink *s, const char *prefix, uint32_t snaplen, uint64_t max_bytes)
{
	struct weir_sink_conf conf = {
		.path = prefix,
		.snaplen = snaplen,
		.max_bytes = max_bytes,
		.ifaces = g_ifaces,
		.n_ifaces = 1,
	};

	memset(s, 0, sizeof(*s));
	return weir_sink_open(s, weir_sink_find("pcap"), &conf);
}

/* Frame bytes of the events below, as a frame ring would hold them. */
static uint8_t g_frame_bytes[40][WEIR_EVENT_FRAME_MAX];

/* Event @p i with a frame of @p len bytes in @p buf, named by @p f. */
static void
fill(struct weir_event *ev, struct weir_frame *f, uint8_t *buf, unsigned int i, uint16_t len)
{
	unsigned int b;

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 1700000000123456789ull + i;
	ev->rule_id = 1000 + i;
	ev->rule_rev = 2;
	ev->wire_len = len + 10u;
	ev->frame_len = len;
	for (b = 0; b < len; b++)
		buf[b] = (uint8_t)(b * 7 + i);
	f->data = buf;
	f->len = len;
}

/* Packets of @p path: count, and checks each against fill(first + k). */
static int
read_back(const char *path, unsigned int first, uint32_t snaplen, uint16_t len)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct weir_event want;
	struct weir_frame wf;
	uint8_t wbuf[WEIR_EVENT_FRAME_MAX];
	pcap_t *p;
	int n = 0, rc;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(pcap_datalink(p) == 1);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		uint32_t cap = len < snaplen ? len : snaplen;

		fill(&want, &wf, wbuf, first + (unsigned int)n, len);
		CU_ASSERT(h->caplen == cap);
		CU_ASSERT(h->len == want.wire_len);
		CU_ASSERT(memcmp(data, wbuf, cap) == 0);
		CU_ASSERT((uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec ==
			  want.ts_ns);
		n++;
	}
	CU_ASSERT(rc == PCAP_ERROR_BREAK); /* clean end of file */
	pcap_close(p);
	return n;
}

static void
test_frames_read_back_with_libpcap(void)
{
	struct weir_event ev[5];
	struct weir_frame fr[5];
	struct weir_text t[5] = {{"", 0}};
	struct weir_sink_stats st;
	struct weir_sink s;
	char prefix[128], path[160];
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "%s/a", g_dir);
	CU_ASSERT_FATAL(open_pcap(&s, prefix, 1544, 0) == 0);
	for (i = 0; i < 5; i++)
		fill(&ev[i], &fr[i], g_frame_bytes[i], i, (uint16_t)(61 + i)); /* odd: padding */
	CU_ASSERT(weir_sink_write(&s, ev, t, fr, 5) == 5);
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.written == 0); /* buffered until flush */
	CU_ASSERT(weir_sink_flush(&s) == 0);
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.written == 5);
	CU_ASSERT(st.files == 1);
	weir_sink_close(&s);
	snprintf(path, sizeof(path), "%s.000000.pcapng", prefix);
	/* each event has its own length; check them one by one */
	{
		char errbuf[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p = pcap_open_offline_with_tstamp_precision(
			path, PCAP_TSTAMP_PRECISION_NANO, errbuf);

		CU_ASSERT_FATAL(p != NULL);
		for (i = 0; i < 5; i++) {
			CU_ASSERT_FATAL(pcap_next_ex(p, &h, &data) == 1);
			CU_ASSERT(h->caplen == 61 + i);
			CU_ASSERT(memcmp(data, g_frame_bytes[i], h->caplen) == 0);
		}
		CU_ASSERT(pcap_next_ex(p, &h, &data) == PCAP_ERROR_BREAK);
		pcap_close(p);
	}
}

static void
test_snaplen_cuts_frames(void)
{
	struct weir_event ev[3];
	struct weir_frame fr[3];
	struct weir_text t[3] = {{"", 0}};
	struct weir_sink s;
	char prefix[128], path[160];
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "%s/snap", g_dir);
	CU_ASSERT_FATAL(open_pcap(&s, prefix, 64, 0) == 0);
	for (i = 0; i < 3; i++)
		fill(&ev[i], &fr[i], g_frame_bytes[i], i, 300);
	CU_ASSERT(weir_sink_write(&s, ev, t, fr, 3) == 3);
	weir_sink_close(&s);
	snprintf(path, sizeof(path), "%s.000000.pcapng", prefix);
	CU_ASSERT(read_back(path, 0, 64, 300) == 3);
}

static void
test_rotation_and_no_overwrite(void)
{
	struct weir_event ev[40];
	struct weir_frame fr[40];
	struct weir_text t[40] = {{"", 0}};
	struct weir_sink_stats st;
	struct weir_sink s;
	char prefix[128], path[160];
	struct stat sb;
	unsigned int i, f, total = 0;

	snprintf(prefix, sizeof(prefix), "%s/rot", g_dir);
	/* a file left by an earlier run keeps its number */
	snprintf(path, sizeof(path), "%s.000000.pcapng", prefix);
	CU_ASSERT_FATAL(fclose(fopen(path, "w")) == 0);
	CU_ASSERT_FATAL(open_pcap(&s, prefix, 1544, 2048) == 0);
	for (i = 0; i < 40; i++)
		fill(&ev[i], &fr[i], g_frame_bytes[i], i, 200);
	CU_ASSERT(weir_sink_write(&s, ev, t, fr, 40) == 40);
	weir_sink_close(&s);
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.written == 40);
	CU_ASSERT(st.files > 1);
	CU_ASSERT(stat(path, &sb) == 0 && sb.st_size == 0); /* untouched */
	for (f = 1; f <= st.files; f++) {
		snprintf(path, sizeof(path), "%s.%06u.pcapng", prefix, f);
		CU_ASSERT_FATAL(stat(path, &sb) == 0);
		CU_ASSERT(sb.st_size <= 2048);
		total += (unsigned int)read_back(path, total, 1544, 200);
	}
	CU_ASSERT(total == 40);
}

static void
test_bad_conf_refused(void)
{
	struct weir_sink_conf conf = {.path = "", .snaplen = 64, .ifaces = g_ifaces, .n_ifaces = 1};
	struct weir_sink s;
	char prefix[128];

	memset(&s, 0, sizeof(s));
	CU_ASSERT(weir_sink_open(&s, weir_sink_find("pcap"), &conf) == -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s/no/such/dir/x", g_dir);
	CU_ASSERT(open_pcap(&s, prefix, 64, 0) == -ENOENT);
	weir_sink_close(&s); /* safe after a failed open */
}

/* Flow records have no frame: passed over, counted skipped, not lost; the
 * alerts around them are written as usual. */
static void
test_flow_records_skipped(void)
{
	struct weir_event ev[4];
	struct weir_frame fr[4];
	struct weir_text t[4] = {{"", 0}};
	struct weir_sink_stats st;
	struct weir_sink s;
	char prefix[128], path[160];
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "%s/flows", g_dir);
	CU_ASSERT_FATAL(open_pcap(&s, prefix, 1544, 0) == 0);
	for (i = 0; i < 4; i++)
		fill(&ev[i], &fr[i], g_frame_bytes[i], i, 100);
	ev[1].kind = WEIR_EV_FLOW;
	ev[3].kind = WEIR_EV_FLOW;
	fr[1].data = NULL;
	fr[1].len = 0;
	fr[3].data = NULL;
	fr[3].len = 0;
	CU_ASSERT(weir_sink_write(&s, ev, t, fr, 4) == 4);
	CU_ASSERT(weir_sink_flush(&s) == 0);
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.written == 2);
	CU_ASSERT(st.skipped == 2);
	CU_ASSERT(st.drop_errors == 0 && st.drop_full == 0 && st.drop_backpressure == 0);
	weir_sink_close(&s);
	snprintf(path, sizeof(path), "%s.000000.pcapng", prefix);
	{
		char errbuf[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p = pcap_open_offline_with_tstamp_precision(
			path, PCAP_TSTAMP_PRECISION_NANO, errbuf);

		CU_ASSERT_FATAL(p != NULL);
		for (i = 0; i < 4; i += 2) { /* the alerts, 0 and 2 */
			CU_ASSERT_FATAL(pcap_next_ex(p, &h, &data) == 1);
			CU_ASSERT((uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec ==
				  ev[i].ts_ns);
			CU_ASSERT(memcmp(data, g_frame_bytes[i], h->caplen) == 0);
		}
		CU_ASSERT(pcap_next_ex(p, &h, &data) == PCAP_ERROR_BREAK);
		pcap_close(p);
	}
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("sink_pcap", suite_init, suite_fini);
	CU_ADD_TEST(su, test_frames_read_back_with_libpcap);
	CU_ADD_TEST(su, test_snaplen_cuts_frames);
	CU_ADD_TEST(su, test_rotation_and_no_overwrite);
	CU_ADD_TEST(su, test_bad_conf_refused);
	CU_ADD_TEST(su, test_flow_records_skipped);
	return weir_ut_run();
}
