/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outputs (outputs.h): one table says which key enables each sink and
 * which configuration key fills which field of its struct weir_sink_conf;
 * one loop walks it. What every sink may need and no key says (the host,
 * the capture interfaces, the longest formatted line) is filled in for all
 * of them, and each reads only its own fields. The sinks are named here
 * only as data, to find their ops in the registry.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "outputs.h"

/* How a configuration value becomes a sink conf field. */
enum outputs_conv {
	OUT_STR,   /* char * -> const char * */
	OUT_BOOL,  /* bool -> bool */
	OUT_U32,   /* uint32_t -> uint32_t */
	OUT_SIZE,  /* uint32_t -> size_t */
	OUT_U64,   /* uint32_t -> uint64_t */
	OUT_LIST,  /* struct weir_strlist -> const char *const * and its count */
	OUT_OCTAL, /* char *, octal text -> uint32_t file mode (<= 07777) */
};

struct outputs_field {
	const char *key; /* the configuration key, for errors */
	size_t conf_off; /* in struct weir_conf */
	size_t sc_off;	 /* in struct weir_sink_conf */
	size_t sc_n_off; /* OUT_LIST: the unsigned int count's offset */
	enum outputs_conv conv;
};

#define OUTPUTS_FIELDS_MAX 18

struct outputs_sink {
	const char *name;  /* the sink's ops name in the registry */
	size_t enable_off; /* char * in struct weir_conf: "" = off; names it in errors */
	struct outputs_field fields[OUTPUTS_FIELDS_MAX]; /* ends at key NULL */
};

/* 0, or a compile error when @p e is not of type @p T: a row cannot copy
 * a field into one of another type. */
#define OUT_IS(e, T) (0 * sizeof(char[_Generic((e), T : 1, default : -1)]))
#define OUT_CONF(cm) (((struct weir_conf *)0)->cm)
#define OUT_SC(sm)   (((struct weir_sink_conf *)0)->sm)

#define OUT_F(k, cm, ct, sm, st, cv)                                                               \
	{                                                                                          \
		.key = k, .conf_off = offsetof(struct weir_conf, cm) + OUT_IS(OUT_CONF(cm), ct),   \
		.sc_off = offsetof(struct weir_sink_conf, sm) + OUT_IS(OUT_SC(sm), st), .conv = cv \
	}
#define OUT_STRF(k, cm, sm)   OUT_F(k, cm, char *, sm, const char *, OUT_STR)
#define OUT_BOOLF(k, cm, sm)  OUT_F(k, cm, bool, sm, bool, OUT_BOOL)
#define OUT_U32F(k, cm, sm)   OUT_F(k, cm, uint32_t, sm, uint32_t, OUT_U32)
#define OUT_SIZEF(k, cm, sm)  OUT_F(k, cm, uint32_t, sm, size_t, OUT_SIZE)
#define OUT_U64F(k, cm, sm)   OUT_F(k, cm, uint32_t, sm, uint64_t, OUT_U64)
#define OUT_OCTALF(k, cm, sm) OUT_F(k, cm, char *, sm, uint32_t, OUT_OCTAL)
#define OUT_LISTF(k, cm, sm, nm)                                                                   \
	{                                                                                          \
		.key = k,                                                                          \
		.conf_off = offsetof(struct weir_conf, cm) +                                       \
			    OUT_IS(OUT_CONF(cm), struct weir_strlist),                             \
		.sc_off = offsetof(struct weir_sink_conf, sm) +                                    \
			  OUT_IS(OUT_SC(sm), const char *const *),                                 \
		.sc_n_off =                                                                        \
			offsetof(struct weir_sink_conf, nm) + OUT_IS(OUT_SC(nm), unsigned int),    \
		.conv = OUT_LIST                                                                   \
	}
#define OUT_ENABLE(cm) (offsetof(struct weir_conf, cm) + OUT_IS(OUT_CONF(cm), char *))

/* Opened in this order, each when its enabling key is not "". */
static const struct outputs_sink g_outputs[] = {
	{"jsonl",
	 OUT_ENABLE(output_jsonl),
	 {
		 OUT_STRF("output.jsonl", output_jsonl, path),
		 OUT_BOOLF("outputs.jsonl.fsync", outputs_jsonl_fsync, fsync),
	 }},
	{"unix",
	 OUT_ENABLE(outputs_unix_path),
	 {
		 OUT_STRF("outputs.unix.path", outputs_unix_path, path),
		 OUT_SIZEF("outputs.unix.buffer-bytes", outputs_unix_buffer, buffer_size),
		 OUT_OCTALF("outputs.unix.mode", outputs_unix_mode, mode),
	 }},
	{"kafka",
	 OUT_ENABLE(outputs_kafka_brokers),
	 {
		 OUT_STRF("outputs.kafka.brokers", outputs_kafka_brokers, brokers),
		 OUT_STRF("outputs.kafka.topic", outputs_kafka_topic, topic),
		 OUT_STRF("outputs.kafka.key", outputs_kafka_key, key),
		 OUT_STRF("outputs.kafka.compression", outputs_kafka_compression, compression),
		 OUT_STRF("outputs.kafka.acks", outputs_kafka_acks, acks),
		 OUT_BOOLF("outputs.kafka.idempotence", outputs_kafka_idempotence, idempotence),
		 OUT_LISTF("outputs.kafka.properties", outputs_kafka_properties, properties,
			   n_properties),
		 OUT_U32F("outputs.kafka.flush-timeout-ms", outputs_kafka_flush_timeout_ms,
			  flush_timeout_ms),
		 OUT_STRF("outputs.kafka.security-protocol", outputs_kafka_security_protocol,
			  security_protocol),
		 OUT_STRF("outputs.kafka.tls.ca-file", outputs_kafka_tls_ca_file, tls_ca_file),
		 OUT_STRF("outputs.kafka.tls.cert-file", outputs_kafka_tls_cert_file,
			  tls_cert_file),
		 OUT_STRF("outputs.kafka.tls.key-file", outputs_kafka_tls_key_file, tls_key_file),
		 OUT_STRF("outputs.kafka.tls.key-password-file",
			  outputs_kafka_tls_key_password_file, tls_key_password_file),
		 OUT_STRF("outputs.kafka.sasl.mechanism", outputs_kafka_sasl_mechanism,
			  sasl_mechanism),
		 OUT_STRF("outputs.kafka.sasl.username", outputs_kafka_sasl_username,
			  sasl_username),
		 OUT_STRF("outputs.kafka.sasl.password-file", outputs_kafka_sasl_password_file,
			  sasl_password_file),
	 }},
	{"kinesis",
	 OUT_ENABLE(outputs_kinesis_stream),
	 {
		 OUT_STRF("outputs.kinesis.stream", outputs_kinesis_stream, stream),
		 OUT_STRF("outputs.kinesis.region", outputs_kinesis_region, region),
		 OUT_STRF("outputs.kinesis.endpoint", outputs_kinesis_endpoint, endpoint),
		 OUT_STRF("outputs.kinesis.partition-key", outputs_kinesis_partition_key,
			  partition_key),
		 OUT_STRF("outputs.kinesis.profile", outputs_kinesis_profile, profile),
		 OUT_U32F("outputs.kinesis.queue-size", outputs_kinesis_queue_size, max_pending),
		 OUT_U32F("outputs.kinesis.batch-records", outputs_kinesis_batch_records,
			  batch_records),
		 OUT_SIZEF("outputs.kinesis.batch-bytes", outputs_kinesis_batch_bytes, batch_bytes),
		 OUT_U32F("outputs.kinesis.flush-timeout-ms", outputs_kinesis_flush_timeout_ms,
			  flush_timeout_ms),
		 OUT_U32F("outputs.kinesis.request-timeout-ms", outputs_kinesis_request_timeout_ms,
			  request_timeout_ms),
		 OUT_U32F("outputs.kinesis.retry-backoff-ms", outputs_kinesis_retry_backoff_ms,
			  retry_backoff_ms),
		 OUT_U32F("outputs.kinesis.retry-backoff-max-ms",
			  outputs_kinesis_retry_backoff_max_ms, retry_backoff_max_ms),
	 }},
	{"pcap",
	 OUT_ENABLE(outputs_pcap_file),
	 {
		 OUT_STRF("outputs.pcap.file", outputs_pcap_file, path),
		 OUT_U32F("outputs.pcap.snaplen", outputs_pcap_snaplen, snaplen),
		 OUT_U64F("outputs.pcap.max-bytes", outputs_pcap_max_bytes, max_bytes),
	 }},
};

#define OUTPUTS_N (sizeof(g_outputs) / sizeof(g_outputs[0]))

/* Copy one configuration value into @p sc as the row says. */
static int
outputs_field_set(const struct outputs_field *f, const struct weir_conf *c,
		  struct weir_sink_conf *sc)
{
	const void *from = (const char *)c + f->conf_off;
	void *to = (char *)sc + f->sc_off;
	const struct weir_strlist *l;
	const char *text;
	unsigned long mode;
	char *end;

	switch (f->conv) {
	case OUT_STR:
		*(const char **)to = *(char *const *)from;
		break;
	case OUT_BOOL:
		*(bool *)to = *(const bool *)from;
		break;
	case OUT_U32:
		*(uint32_t *)to = *(const uint32_t *)from;
		break;
	case OUT_SIZE:
		*(size_t *)to = *(const uint32_t *)from;
		break;
	case OUT_U64:
		*(uint64_t *)to = *(const uint32_t *)from;
		break;
	case OUT_LIST:
		l = from;
		*(const char *const **)to = (const char *const *)l->v;
		*(unsigned int *)(void *)((char *)sc + f->sc_n_off) = l->n;
		break;
	case OUT_OCTAL:
		text = *(char *const *)from;
		mode = (uint32_t)strtoul(text, &end, 8);
		if (text[0] == '\0' || *end != '\0' || mode > 07777) {
			WEIR_LOG(ERR, app, "%s: '%s' is not an octal mode", f->key, text);
			return -EINVAL;
		}
		*(uint32_t *)to = (uint32_t)mode;
		break;
	}
	return 0;
}

void
weir_outputs_host(const struct weir_conf *c, char *host, size_t len)
{
	if (c->host_id[0] != '\0')
		snprintf(host, len, "%s", c->host_id);
	else if (gethostname(host, len - 1) < 0)
		snprintf(host, len, "unknown");
}

/* Open one sink and start its thread and queue; *n_sinks counts it once
 * open, so the caller closes it whatever happens next. */
static int
outputs_open_one(struct weir_sink *sinks, unsigned int *n_sinks, struct weir_emitter *em,
		 const struct weir_conf *c, const struct weir_sink_ops *ops, const char *what,
		 const struct weir_sink_conf *sc, const char *name)
{
	struct weir_sink *s = &sinks[*n_sinks];
	int ret;

	if (*n_sinks >= WEIR_MAX_SINKS)
		return -ENOSPC;
	memset(s, 0, sizeof(*s));
	s->name = name; /* NULL: the type's */
	ret = weir_sink_open(s, ops, sc);
	if (ret < 0) {
		WEIR_LOG(ERR, app, "%s: cannot open '%s': %s%s%s", ops->name, what, strerror(-ret),
			 sc->err != NULL && sc->err[0] != '\0' ? ": " : "",
			 sc->err != NULL ? sc->err : "");
		return ret;
	}
	(*n_sinks)++;
	ret = weir_sink_start(s, c->outputs_queue_size, em->text_slot);
	if (ret < 0) {
		WEIR_LOG(ERR, app, "%s: cannot start its queue and thread: %s", ops->name,
			 strerror(-ret));
		return ret;
	}
	em->sinks[em->n_sinks++] = s;
	return 0;
}

bool
weir_outputs_block(const struct weir_conf *c, bool offline)
{
	/* auto: a file's replay waits for its sinks, live capture never does. */
	return strcmp(c->outputs_backpressure, "block") == 0 ||
	       (strcmp(c->outputs_backpressure, "auto") == 0 && offline);
}

int
weir_outputs_open(struct weir_sink *sinks, unsigned int *n_sinks, struct weir_emitter *em,
		  const struct weir_conf *c, const struct weir_port *const *ports,
		  unsigned int n_ports, uint32_t *frame_bytes)
{
	struct weir_sink_iface ifaces[WEIR_MAX_PORTS];
	char err[512];
	unsigned int i, k;
	bool block;
	int ret;

	if (strcmp(c->windows_observations, "kafka") == 0 && c->outputs_kafka_brokers[0] == '\0') {
		WEIR_LOG(ERR, app,
			 "windows.observations kafka needs outputs.kafka.brokers (the cluster; "
			 "outputs.kafka.topic \"\" sends it nothing else)");
		return -EINVAL;
	}
	if (strcmp(c->windows_observations, "kafka") == 0 &&
	    c->windows_observations_topic[0] == '\0') {
		WEIR_LOG(ERR, app, "windows.observations kafka needs windows.observations-topic");
		return -EINVAL;
	}
	*n_sinks = 0;
	block = weir_outputs_block(c, n_ports > 0 && ports[0]->offline);
	for (i = 0; i < n_ports && i < WEIR_MAX_PORTS; i++) {
		ifaces[i].name = ports[i]->name;
		ifaces[i].linktype = weir_l2_linktype(ports[i]->l2);
	}
	for (k = 0; k < OUTPUTS_N; k++) {
		const struct outputs_sink *o = &g_outputs[k];
		const char *what = *(char *const *)(const void *)((const char *)c + o->enable_off);
		const struct weir_sink_ops *ops;
		const struct outputs_field *f;
		/* What no key says, for every sink; each reads its own fields. */
		struct weir_sink_conf sc = {
			.host = em->fmt.host,
			.ifaces = ifaces,
			.n_ifaces = i,
			.text_max = em->text_slot,
			.err = err,
			.err_len = sizeof(err),
			.block = block,
			.cancel = em->cancel,
		};

		if (what[0] == '\0')
			continue;
		for (f = o->fields; f->key != NULL; f++) {
			ret = outputs_field_set(f, c, &sc);
			if (ret < 0)
				return ret;
		}
		ops = weir_sink_find(o->name);
		if (ops == NULL) {
			WEIR_LOG(ERR, app, "%s sink not built (this weir has: %s)", o->name,
				 weir_sink_names());
			return -ENOENT;
		}
		/* windows.observations kafka: a second kafka sink on the same
		 * cluster, for the observation records only */
		if (strcmp(o->name, "kafka") == 0 &&
		    strcmp(c->windows_observations, "kafka") == 0) {
			struct weir_sink_conf oc = sc;

			oc.topic = c->windows_observations_topic;
			oc.key = "window";
			oc.observations = true;
			err[0] = '\0';
			ret = outputs_open_one(sinks, n_sinks, em, c, ops, oc.topic, &oc,
					       "kafka-observations");
			if (ret < 0)
				return ret;
		}
		/* outputs.kafka.topic "": no events to Kafka */
		if (strcmp(o->name, "kafka") == 0 && sc.topic[0] == '\0')
			continue;
		err[0] = '\0';
		ret = outputs_open_one(sinks, n_sinks, em, c, ops, what, &sc, NULL);
		if (ret < 0)
			return ret;
		if ((ops->flags & WEIR_SINK_F_FRAME) && sc.snaplen > *frame_bytes)
			*frame_bytes = sc.snaplen;
	}
	return 0;
}

int
weir_outputs_reopen(struct weir_sink *const *sinks, unsigned int n_sinks)
{
	unsigned int i;
	int ret = 0, r;

	for (i = 0; i < n_sinks; i++) {
		r = weir_sink_reopen(sinks[i]);
		if (r < 0 && r != -ENOTSUP) {
			WEIR_LOG(ERR, app, "%s: reopen failed: %s", sinks[i]->name, strerror(-r));
			ret = r;
		}
	}
	return ret;
}

void
weir_outputs_close(struct weir_sink *sinks, unsigned int n_sinks, const atomic_bool *flush_abort)
{
	unsigned int i;

	for (i = 0; i < n_sinks; i++)
		weir_sink_stop(&sinks[i]);
	for (i = 0; i < n_sinks; i++) {
		sinks[i].flush_abort = flush_abort;
		weir_sink_close(&sinks[i]);
	}
}
