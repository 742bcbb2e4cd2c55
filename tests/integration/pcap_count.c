/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap_count: the integration tests' independent witness. Counts the records
 * libpcap returns for a capture file, without weir's code, so a test can
 * check weir's rx_packets against it. Prints "<count> ok" or
 * "<count> error: <text>" (read stopped early) or "open-error: <text>".
 */
#include <stdio.h>

#include <pcap/pcap.h>

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	unsigned long long n = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_count FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		printf("open-error: %s\n", errbuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1)
		n++;
	if (rc == -1)
		printf("%llu error: %s\n", n, pcap_geterr(p));
	else
		printf("%llu ok\n", n);
	pcap_close(p);
	return 0;
}
