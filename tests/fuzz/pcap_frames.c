/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seed maker for fuzz_decode: "fuzz_pcap_frames CAPTURE OUTDIR PREFIX
 * [MAX]" writes the first MAX (default 64) frames of a pcap or pcapng file
 * as OUTDIR/PREFIX-N, each one byte of enum weir_l2 followed by the
 * captured bytes, which is fuzz_decode's input format. The link-type table
 * is drivers/pcap's; a capture of any other link type is skipped (exit 0,
 * nothing written), as weir itself refuses it. Used by make_corpus.sh.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "capture.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* Same mapping as drivers/pcap/pcap_setup.c. */
static const struct {
	int dlt;
	enum weir_l2 l2;
} g_frames_l2[] = {
	{DLT_EN10MB, WEIR_L2_ETH},
	{DLT_RAW, WEIR_L2_RAW},
	{101 /* LINKTYPE_RAW, when libpcap does not map it */, WEIR_L2_RAW},
	{DLT_IPV4, WEIR_L2_IPV4},
	{DLT_IPV6, WEIR_L2_IPV6},
	{DLT_LINUX_SLL, WEIR_L2_SLL},
	{DLT_LINUX_SLL2, WEIR_L2_SLL2},
	{DLT_NULL, WEIR_L2_NULL},
	{DLT_LOOP, WEIR_L2_LOOP},
};

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE], path[4096];
	const unsigned char *bytes;
	struct pcap_pkthdr *h;
	unsigned long max, n = 0;
	unsigned char l2;
	size_t i;
	pcap_t *p;
	FILE *f;
	int dlt;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CAPTURE OUTDIR PREFIX [MAX]\n", argv[0]);
		return 2;
	}
	max = argc > 4 ? strtoul(argv[4], NULL, 10) : 64;
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		/* Files libpcap cannot read are no seeds, and no error here. */
		fprintf(stderr, "%s: skipped: %s\n", argv[1], errbuf);
		return 0;
	}
	dlt = pcap_datalink(p);
	for (i = 0; i < sizeof(g_frames_l2) / sizeof(g_frames_l2[0]); i++)
		if (g_frames_l2[i].dlt == dlt)
			break;
	if (i == sizeof(g_frames_l2) / sizeof(g_frames_l2[0])) {
		fprintf(stderr, "%s: skipped: link type %d\n", argv[1], dlt);
		pcap_close(p);
		return 0;
	}
	l2 = (unsigned char)g_frames_l2[i].l2;
	while (n < max && pcap_next_ex(p, &h, &bytes) == 1) {
		snprintf(path, sizeof(path), "%s/%s-%lu", argv[2], argv[3], n++);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(&l2, 1, 1, f) != 1 ||
		    fwrite(bytes, 1, h->caplen, f) != h->caplen || fclose(f) != 0) {
			perror(path);
			pcap_close(p);
			return 1;
		}
	}
	pcap_close(p);
	return 0;
}
