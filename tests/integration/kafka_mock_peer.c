/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kafka_mock_peer: the Kafka cluster of the kafka sink's integration tests,
 * in its own process, so weir speaks the real Kafka protocol to it over
 * loopback TCP. It starts librdkafka's mock cluster (rdkafka_mock.h),
 * creates the topic, prints "bootstrap HOST:PORT" on stdout, and consumes
 * the topic with a real consumer from the beginning, appending each message
 * to OUTFILE as "PARTITION<TAB>KEY<TAB>VALUE" (values are one JSON object,
 * keys are text; neither holds a tab or a newline).
 *
 *   SIGUSR1  takes the broker down (prints "down"), SIGUSR2 brings it back
 *            ("up"): a broker outage in the middle of a run.
 *   SIGTERM  reads the partitions' high watermarks, consumes up to them,
 *            prints "consumed N" and exits 0 (1 if it could not catch up
 *            within 30 s).
 *
 * usage: kafka_mock_peer TOPIC PARTITIONS OUTFILE
 */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define PEER_MAX_PARTITIONS 64
#define PEER_BROKER_ID	    1
#define PEER_CATCH_UP_S	    30

static atomic_int g_sig_down, g_sig_up, g_sig_stop;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		atomic_store(&g_sig_down, 1);
	else if (sig == SIGUSR2)
		atomic_store(&g_sig_up, 1);
	else
		atomic_store(&g_sig_stop, 1);
}

static void
set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char err[256];

	if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "kafka_mock_peer: %s: %s\n", k, err);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	int64_t next[PEER_MAX_PARTITIONS], hi[PEER_MAX_PARTITIONS];
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *mrk, *cons;
	rd_kafka_conf_t *c;
	struct sigaction sa;
	const char *topic;
	uint64_t consumed = 0;
	time_t deadline = 0;
	char err[256];
	int np, p, caught_up = 0;
	FILE *out;

	if (argc != 4 || (np = atoi(argv[2])) < 1 || np > PEER_MAX_PARTITIONS) {
		fprintf(stderr, "usage: kafka_mock_peer TOPIC PARTITIONS OUTFILE\n");
		return 2;
	}
	topic = argv[1];
	out = fopen(argv[3], "w");
	if (out == NULL) {
		perror(argv[3]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* The mock cluster lives on a handle of its own. */
	c = rd_kafka_conf_new();
	mrk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (mrk == NULL) {
		fprintf(stderr, "kafka_mock_peer: %s\n", err);
		return 2;
	}
	mc = rd_kafka_mock_cluster_new(mrk, 1);
	if (mc == NULL || rd_kafka_mock_topic_create(mc, topic, np, 1) != 0) {
		fprintf(stderr, "kafka_mock_peer: cannot start the mock cluster\n");
		return 2;
	}

	c = rd_kafka_conf_new();
	set(c, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mc));
	set(c, "group.id", "kafka_mock_peer");
	set(c, "enable.auto.commit", "false");
	set(c, "auto.offset.reset", "earliest");
	set(c, "reconnect.backoff.max.ms", "500");
	cons = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (cons == NULL) {
		fprintf(stderr, "kafka_mock_peer: %s\n", err);
		return 2;
	}
	parts = rd_kafka_topic_partition_list_new(np);
	for (p = 0; p < np; p++) {
		rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
		next[p] = 0;
		hi[p] = -1;
	}
	if (rd_kafka_assign(cons, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		fprintf(stderr, "kafka_mock_peer: assign failed\n");
		return 2;
	}
	rd_kafka_topic_partition_list_destroy(parts);
	printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	for (;;) {
		rd_kafka_message_t *m;

		if (atomic_exchange(&g_sig_down, 0)) {
			rd_kafka_mock_broker_set_down(mc, PEER_BROKER_ID);
			printf("down\n");
			fflush(stdout);
		}
		if (atomic_exchange(&g_sig_up, 0)) {
			rd_kafka_mock_broker_set_up(mc, PEER_BROKER_ID);
			printf("up\n");
			fflush(stdout);
		}
		if (atomic_exchange(&g_sig_stop, 0) && deadline == 0) {
			deadline = time(NULL) + PEER_CATCH_UP_S;
			for (p = 0; p < np; p++) {
				int64_t lo;

				if (rd_kafka_query_watermark_offsets(cons, topic, p, &lo, &hi[p],
								     5000) != 0) {
					fprintf(stderr, "kafka_mock_peer: no watermark for %d\n",
						p);
					hi[p] = INT64_MAX;
				}
			}
		}
		if (deadline != 0) {
			caught_up = 1;
			for (p = 0; p < np; p++)
				if (next[p] < hi[p])
					caught_up = 0;
			if (caught_up || time(NULL) > deadline)
				break;
		}
		m = rd_kafka_consumer_poll(cons, 100);
		if (m == NULL) {
			fflush(out); /* idle: the test sees everything so far */
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->partition >= 0 &&
		    m->partition < np) {
			fprintf(out, "%" PRId32 "\t%.*s\t%.*s\n", m->partition, (int)m->key_len,
				m->key ? (const char *)m->key : "", (int)m->len,
				m->payload ? (const char *)m->payload : "");
			if (consumed % 256 == 0)
				fflush(out);
			next[m->partition] = m->offset + 1;
			consumed++;
		}
		rd_kafka_message_destroy(m);
	}
	printf("consumed %" PRIu64 "\n", consumed);
	fflush(stdout);
	fclose(out);
	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mrk);
	return caught_up ? 0 : 1;
}
