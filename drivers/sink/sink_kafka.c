/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kafka sink: each event's JSON line becomes one message (without the
 * '\n') on one topic, produced with librdkafka from the sink's thread.
 *
 * Never blocking: rd_kafka_produce() only appends to librdkafka's own
 * bounded queue (queue.buffering.max.messages / .kbytes); when brokers are
 * unreachable messages wait there, retried by librdkafka, and what does
 * not fit is refused at once with QUEUE_FULL, which we count as drop_full.
 * When the brokers come back librdkafka drains the queue by itself.
 *
 * Counting: an event is written only when its delivery report says the
 * broker has it (acks); a failed report is drop_errors. Reports are served
 * by rd_kafka_poll() from the sink's thread, after each batch and while
 * idle, never per event. At close we flush for flush-timeout-ms, purge what
 * is left and count it drop_undelivered, so every event queued to this
 * sink ends in exactly one counter. The flush says what it waits for and,
 * every KAFKA_FLUSH_LOG_MS, how much is left; s->flush_abort (a second
 * SIGTERM/SIGINT) ends it early, what is left counted the same way.
 *
 * Loud: librdkafka's errors (all brokers down, transport, fatal), failed
 * deliveries and a full local queue are logged by weir at warning level,
 * the first of each kind at once with its cause, then at most one line per
 * KAFKA_LOG_EVERY_MS with the count since the last line; the first
 * delivery after brokers were reported down says delivery resumed. All of
 * it on the sink's thread (callbacks come from rd_kafka_poll), never a
 * worker's.
 *
 * Security: outputs.kafka.tls.* and .sasl.* become librdkafka's ssl.* and
 * sasl.* properties, security.protocol follows from them (auto). Secrets
 * come from files only (sasl.password and ssl.key.password are refused in
 * outputs.kafka.properties), and a file holding one is refused when it is
 * readable by everyone, naming the file and its key. A bad CA or
 * certificate fails the open with librdkafka's reason; TLS and SASL
 * failures at run time (handshake, authentication) are logged under their
 * own names, rate-limited like the other broker errors.
 *
 * The idempotent producer is on by default (enable.idempotence): a retry
 * after a lost ack cannot duplicate or reorder a message, which is what
 * lets weir.seq gaps mean losses. The key is the flow id by default, so the
 * events of a flow stay in order on one partition. The sink opened for
 * window observations (windows.observations kafka) keys each record by its
 * window key's keyed hash (key "window"), so a key's records share a
 * partition whichever appliance made them.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <rte_cycles.h>

#include "log.h"
#include "sink.h"

/* Purged messages report within a poll or two; 200 x 10 ms bounds it. */
#define KAFKA_PURGE_POLLS   200
#define KAFKA_LOG_EVERY_MS  10000 /* per kind: one line per interval at most */
#define KAFKA_FLUSH_LOG_MS  5000  /* the close's flush: progress line */
#define KAFKA_FLUSH_STEP_MS 100	  /* the close's flush: abort checked this often */
/* systemd's default stop timeout: a longer flush would end in SIGKILL */
#define KAFKA_SYSTEMD_STOP_MS 90000

/* What is logged, rate-limited per kind. */
enum kafka_note {
	KAFKA_NOTE_ERROR,    /* librdkafka's error callback */
	KAFKA_NOTE_DELIVERY, /* a failed delivery report */
	KAFKA_NOTE_FULL,     /* the local queue refused a message */
	KAFKA_NOTE_TLS,	     /* TLS handshake or certificate failure */
	KAFKA_NOTE_AUTH,     /* SASL authentication failure */
	KAFKA_NOTE_N,
};

enum kafka_key {
	KAFKA_KEY_NONE,
	KAFKA_KEY_FLOW,
	KAFKA_KEY_SRC_IP,
	KAFKA_KEY_WINDOW, /* an observation record's window key (win_key_hash) */
};

struct kafka {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	enum kafka_key key;
	int flush_timeout_ms;
	const char *topic; /* the sink's target, for logs */
	bool brokers_down; /* reported down, no delivery since */
	struct weir_lognote rate[KAFKA_NOTE_N];
	char who[160]; /* "kafka TOPIC", for notes */
};

static const char *const g_kafka_note_what[KAFKA_NOTE_N] = {
	[KAFKA_NOTE_ERROR] = "broker error",
	[KAFKA_NOTE_DELIVERY] = "delivery failed (counted drop_errors)",
	[KAFKA_NOTE_FULL] = "local queue full, event dropped (counted drop_full)",
	[KAFKA_NOTE_TLS] = "TLS failure (see outputs.kafka.tls.*)",
	[KAFKA_NOTE_AUTH] = "SASL authentication failed (see outputs.kafka.sasl.*)",
};

/* Longest secret read from a file (a password, a key passphrase). */
#define KAFKA_SECRET_MAX 1024

static uint64_t
kafka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One occurrence of @p kind (weir_lognote: the first logged at once, the
 * others counted and logged once per interval). */
static void
kafka_note(struct kafka *k, enum kafka_note kind, const char *cause)
{
	weir_lognote(&k->rate[kind], KAFKA_LOG_EVERY_MS, k->who, g_kafka_note_what[kind], cause);
}

static void
kafka_notes_tick(struct kafka *k, bool force)
{
	unsigned int i;

	for (i = 0; i < KAFKA_NOTE_N; i++)
		weir_lognote_flush(&k->rate[i], KAFKA_LOG_EVERY_MS, k->who, g_kafka_note_what[i],
				   force);
}

/* The brokers' state as weir last heard it, for the cause of a loss. */
static const char *
kafka_brokers_state(const struct kafka *k)
{
	return k->brokers_down ? "all brokers down" : "brokers reachable";
}

/* librdkafka's error callback, on the thread that called rd_kafka_poll
 * (ours): broker state changes as librdkafka reports them. */
static void
kafka_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct weir_sink *s = opaque;
	struct kafka *k = s->priv;
	char cause[160];

	if (k == NULL)
		return;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char fatal[256];

		rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		WEIR_LOG(ERR, sink, "kafka %s: fatal error, no more delivery: %s", k->topic, fatal);
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !k->brokers_down) {
		k->brokers_down = true;
		WEIR_LOG(WARNING, sink,
			 "kafka %s: all brokers down (%s); events wait in librdkafka's queue "
			 "(what does not fit is counted drop_full)",
			 k->topic, reason);
		return;
	}
	snprintf(cause, sizeof(cause), "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err),
		 reason);
	/* A handshake that fails because the peer hung up (a plaintext
	 * listener) comes as a transport error; say TLS all the same. */
	if (err == RD_KAFKA_RESP_ERR__SSL ||
	    (err == RD_KAFKA_RESP_ERR__TRANSPORT && strstr(reason, "SSL handshake") != NULL))
		kafka_note(k, KAFKA_NOTE_TLS, cause);
	else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
		 err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
		 err == RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM ||
		 err == RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE)
		kafka_note(k, KAFKA_NOTE_AUTH, cause);
	else
		kafka_note(k, KAFKA_NOTE_ERROR, cause);
}

static void
kafka_err(const struct weir_sink_conf *conf, const char *fmt, const char *a, const char *b)
{
	if (conf->err != NULL && conf->err_len != 0)
		snprintf(conf->err, conf->err_len, fmt, a, b);
}

/* Delivery report, on the thread that called rd_kafka_poll (ours). */
static void
kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct weir_sink *s = opaque;

	struct kafka *k = s->priv;

	(void)rk;
	if (k == NULL)
		return; /* destroying: what was left is already counted */
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		uint64_t rx = (uint64_t)(uintptr_t)m->_private, now = rte_rdtsc();

		s->st.written++;
		s->st.bytes += m->len;
		/* the message's rx time rode as its opaque (kafka_write);
		 * this callback runs in rd_kafka_poll on the sink's thread */
		if (rx != 0)
			weir_hist_record(&s->lat_delivered, now > rx ? now - rx : 0);
		if (k->brokers_down) {
			k->brokers_down = false;
			WEIR_LOG(NOTICE, sink, "kafka %s: brokers back, delivering again",
				 k->topic);
		}
	} else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		   m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		s->st.drop_undelivered++; /* purged at close, see kafka_close */
	} else {
		char cause[192];

		s->st.drop_errors++;
		/* librdkafka's names are static: they outlive the sink */
		weir_sink_set_cause(s, rd_kafka_err2name(m->err));
		snprintf(cause, sizeof(cause), "%s: %s (%s)", rd_kafka_err2name(m->err),
			 rd_kafka_err2str(m->err), kafka_brokers_state(k));
		kafka_note(k, KAFKA_NOTE_DELIVERY, cause);
	}
}

static void __attribute__((format(printf, 2, 3)))
kafka_errf(const struct weir_sink_conf *conf, const char *fmt, ...)
{
	va_list ap;

	if (conf->err == NULL || conf->err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(conf->err, conf->err_len, fmt, ap);
	va_end(ap);
}

static bool
kafka_isset(const char *v)
{
	return v != NULL && v[0] != '\0';
}

/* A file weir reads a secret from, or hands to librdkafka (the private
 * key): it must exist and not be readable by everyone. */
static int
kafka_secret_file_ok(const struct weir_sink_conf *conf, const char *key, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		kafka_errf(conf, "%s: %s: %s", path, key, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		kafka_errf(conf, "%s: %s: not a regular file", path, key);
		return -EINVAL;
	}
	if (st.st_mode & S_IROTH) {
		kafka_errf(conf,
			   "%s: %s: readable by everyone (mode %04o); refused: chmod o-rwx it "
			   "(0600, or 0640 with weir's group)",
			   path, key, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* The first line of secret file @p path into @p out (no newline). */
static int
kafka_read_secret(const struct weir_sink_conf *conf, const char *key, const char *path, char *out,
		  size_t outlen)
{
	size_t n;
	FILE *f;
	int rc = kafka_secret_file_ok(conf, key, path);

	if (rc < 0)
		return rc;
	f = fopen(path, "re");
	if (f == NULL) {
		kafka_errf(conf, "%s: %s: %s", path, key, strerror(errno));
		return -errno;
	}
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n == 0) {
		kafka_errf(conf, "%s: %s: empty (the secret is its first line)", path, key);
		return -EINVAL;
	}
	return 0;
}

static int kafka_set(rd_kafka_conf_t *kc, const struct weir_sink_conf *conf, const char *name,
		     const char *value);

/* Secrets never come through outputs.kafka.properties. */
static bool
kafka_secret_property(const char *name)
{
	static const char *const secret[] = {
		"sasl.password", "ssl.key.password",	  "ssl.key.pem",
		"ssl_key",	 "ssl.keystore.password", "sasl.oauthbearer.client.secret"};
	unsigned int i;

	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (strcmp(name, secret[i]) == 0)
			return true;
	return false;
}

/*
 * outputs.kafka.security-protocol, tls.* and sasl.* into @p kc. auto:
 * sasl_ssl with a SASL mechanism, ssl with any TLS file, else plaintext.
 */
static int
kafka_security(rd_kafka_conf_t *kc, const struct weir_sink_conf *conf)
{
	const bool sasl = kafka_isset(conf->sasl_mechanism) && strcmp(conf->sasl_mechanism, "none");
	const bool tls_files = kafka_isset(conf->tls_ca_file) || kafka_isset(conf->tls_cert_file) ||
			       kafka_isset(conf->tls_key_file);
	const char *proto = kafka_isset(conf->security_protocol) ? conf->security_protocol : "auto";
	char secret[KAFKA_SECRET_MAX];
	bool use_tls, use_sasl;
	int rc = 0;

	if (strcmp(proto, "auto") == 0)
		proto = sasl ? "sasl_ssl" : tls_files ? "ssl" : "plaintext";
	use_tls = strcmp(proto, "ssl") == 0 || strcmp(proto, "sasl_ssl") == 0;
	use_sasl = strcmp(proto, "sasl_ssl") == 0 || strcmp(proto, "sasl_plaintext") == 0;
	if (use_sasl != sasl) {
		kafka_errf(conf,
			   "outputs.kafka.security-protocol %s %s outputs.kafka.sasl.mechanism",
			   proto, use_sasl ? "needs" : "does not use");
		return -EINVAL;
	}
	if (!use_tls && tls_files) {
		kafka_errf(conf,
			   "outputs.kafka.security-protocol %s does not use the "
			   "outputs.kafka.tls.* files (ssl or sasl_ssl does)",
			   proto);
		return -EINVAL;
	}
	if (kafka_isset(conf->tls_cert_file) != kafka_isset(conf->tls_key_file)) {
		kafka_errf(conf, "outputs.kafka.tls.cert-file and tls.key-file go together (mutual "
				 "TLS)");
		return -EINVAL;
	}
	rc = kafka_set(kc, conf, "security.protocol", proto);
	if (rc == 0 && kafka_isset(conf->tls_ca_file))
		rc = kafka_set(kc, conf, "ssl.ca.location", conf->tls_ca_file);
	if (rc == 0 && kafka_isset(conf->tls_cert_file))
		rc = kafka_set(kc, conf, "ssl.certificate.location", conf->tls_cert_file);
	if (rc == 0 && kafka_isset(conf->tls_key_file)) {
		rc = kafka_secret_file_ok(conf, "outputs.kafka.tls.key-file", conf->tls_key_file);
		if (rc == 0)
			rc = kafka_set(kc, conf, "ssl.key.location", conf->tls_key_file);
	}
	if (rc == 0 && kafka_isset(conf->tls_key_password_file)) {
		rc = kafka_read_secret(conf, "outputs.kafka.tls.key-password-file",
				       conf->tls_key_password_file, secret, sizeof(secret));
		if (rc == 0)
			rc = kafka_set(kc, conf, "ssl.key.password", secret);
	}
	if (rc == 0 && sasl) {
		if (!kafka_isset(conf->sasl_username) || !kafka_isset(conf->sasl_password_file)) {
			kafka_errf(conf,
				   "outputs.kafka.sasl.mechanism %s needs sasl.username and "
				   "sasl.password-file",
				   conf->sasl_mechanism);
			rc = -EINVAL;
		}
		if (rc == 0)
			rc = kafka_set(kc, conf, "sasl.mechanisms", conf->sasl_mechanism);
		if (rc == 0)
			rc = kafka_set(kc, conf, "sasl.username", conf->sasl_username);
		if (rc == 0)
			rc = kafka_read_secret(conf, "outputs.kafka.sasl.password-file",
					       conf->sasl_password_file, secret, sizeof(secret));
		if (rc == 0)
			rc = kafka_set(kc, conf, "sasl.password", secret);
	}
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

static int
kafka_set(rd_kafka_conf_t *kc, const struct weir_sink_conf *conf, const char *name,
	  const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(kc, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		kafka_err(conf, "%s: %s", name, errstr);
		return -EINVAL;
	}
	return 0;
}

/* rd_kafka_new's reason, led by the file and weir's key when it is about
 * one of the TLS files (librdkafka loads them there). */
static void
kafka_new_err(const struct weir_sink_conf *conf, const char *errstr)
{
	const struct {
		const char *prop, *key, *path;
	} files[] = {
		{"ssl.ca.location", "outputs.kafka.tls.ca-file", conf->tls_ca_file},
		{"ssl.certificate.location", "outputs.kafka.tls.cert-file", conf->tls_cert_file},
		{"ssl.key.location", "outputs.kafka.tls.key-file", conf->tls_key_file},
	};
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (kafka_isset(files[i].path) && strstr(errstr, files[i].prop) != NULL) {
			kafka_errf(conf, "%s: %s: %s", files[i].path, files[i].key, errstr);
			return;
		}
	kafka_errf(conf, "%s", errstr);
}

static int
kafka_open(struct weir_sink *s, const struct weir_sink_conf *conf)
{
	char errstr[512], client_id[128], prop[512];
	rd_kafka_conf_t *kc;
	struct kafka *k;
	unsigned int i;
	char *eq;
	int rc;

	if (conf->brokers == NULL || conf->brokers[0] == '\0' || conf->topic == NULL ||
	    conf->topic[0] == '\0')
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	snprintf(k->who, sizeof(k->who), "kafka %s", conf->topic != NULL ? conf->topic : "?");
	k->key = KAFKA_KEY_FLOW;
	if (conf->key != NULL && strcmp(conf->key, "none") == 0)
		k->key = KAFKA_KEY_NONE;
	else if (conf->key != NULL && strcmp(conf->key, "src_ip") == 0)
		k->key = KAFKA_KEY_SRC_IP;
	else if (conf->key != NULL && strcmp(conf->key, "window") == 0)
		k->key = KAFKA_KEY_WINDOW;
	k->flush_timeout_ms =
		(int)(conf->flush_timeout_ms > INT32_MAX ? INT32_MAX : conf->flush_timeout_ms);
	snprintf(client_id, sizeof(client_id), "weir-%s", conf->host ? conf->host : "");

	kc = rd_kafka_conf_new();
	rc = kafka_set(kc, conf, "bootstrap.servers", conf->brokers);
	if (rc == 0)
		rc = kafka_set(kc, conf, "client.id", client_id);
	if (rc == 0 && conf->compression != NULL)
		rc = kafka_set(kc, conf, "compression.codec", conf->compression);
	if (rc == 0 && conf->acks != NULL)
		rc = kafka_set(kc, conf, "acks",
			       strcmp(conf->acks, "all") == 0 ? "-1" : conf->acks);
	if (rc == 0)
		rc = kafka_set(kc, conf, "enable.idempotence",
			       conf->idempotence ? "true" : "false");
	/* Failed reports name the error; successful ones need no payload. */
	if (rc == 0)
		rc = kafka_set(kc, conf, "delivery.report.only.error", "false");
	if (rc == 0)
		rc = kafka_security(kc, conf);
	/* The operator's properties last, so any of ours can be overridden. */
	for (i = 0; rc == 0 && i < conf->n_properties; i++) {
		snprintf(prop, sizeof(prop), "%s", conf->properties[i]);
		eq = strchr(prop, '=');
		if (eq == NULL || eq == prop) {
			kafka_err(conf, "outputs.kafka.properties: '%s' is not name=value%s",
				  conf->properties[i], "");
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		if (kafka_secret_property(prop)) {
			kafka_errf(conf,
				   "outputs.kafka.properties: %s is a secret: give it as a file "
				   "(outputs.kafka.sasl.password-file, tls.key-password-file), "
				   "never in the configuration",
				   prop);
			rc = -EINVAL;
			break;
		}
		rc = kafka_set(kc, conf, prop, eq + 1);
	}
	if (rc < 0) {
		rd_kafka_conf_destroy(kc);
		free(k);
		return rc;
	}
	rd_kafka_conf_set_dr_msg_cb(kc, kafka_dr);
	rd_kafka_conf_set_error_cb(kc, kafka_error_cb);
	rd_kafka_conf_set_opaque(kc, s);
	/* rd_kafka_new owns kc from here, on success only. */
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
	if (k->rk == NULL) {
		kafka_new_err(conf, errstr);
		rd_kafka_conf_destroy(kc);
		free(k);
		return -EINVAL;
	}
	k->rkt = rd_kafka_topic_new(k->rk, conf->topic, NULL);
	if (k->rkt == NULL) {
		kafka_err(conf, "topic %s: %s", conf->topic,
			  rd_kafka_err2str(rd_kafka_last_error()));
		rd_kafka_destroy(k->rk);
		free(k);
		return -EINVAL;
	}
	k->topic = conf->topic;
	s->priv = k;
	if (conf->flush_timeout_ms > KAFKA_SYSTEMD_STOP_MS)
		WEIR_LOG(WARNING, sink,
			 "kafka %s: flush-timeout-ms %u exceeds systemd's default stop timeout (%d "
			 "ms): a stop may end in SIGKILL before the flush does",
			 k->topic, conf->flush_timeout_ms, KAFKA_SYSTEMD_STOP_MS);
	return 0;
}

static int
kafka_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
	    const struct weir_frame *frame, unsigned int n)
{
	struct kafka *k = s->priv;
	unsigned int i, accepted = 0;
	char key[48];
	int klen;

	(void)frame;
	for (i = 0; i < n; i++) {
		size_t len = json[i].len;

		/* A message is one JSON object; the line's '\n' is framing. */
		if (len != 0 && json[i].data[len - 1] == '\n')
			len--;
		switch (k->key) {
		case KAFKA_KEY_FLOW:
			klen = snprintf(key, sizeof(key), "%" PRIu64, ev[i].flow_id);
			break;
		case KAFKA_KEY_SRC_IP:
			klen = weir_event_addr_text(&ev[i], 0, key, sizeof(key));
			break;
		case KAFKA_KEY_WINDOW:
			/* the record's key_id: one key, one message key, so the
			 * default partitioner puts a key's records together */
			klen = snprintf(key, sizeof(key), "%016" PRIx64, ev[i].win_key_hash);
			break;
		default:
			klen = 0;
			break;
		}
		if (klen < 0)
			klen = 0;
		if (rd_kafka_produce(k->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
				     (void *)json[i].data, len, klen ? key : NULL, (size_t)klen,
				     (void *)(uintptr_t)ev[i].rx_tsc) == 0) {
			accepted++;
			continue;
		}
		if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			s->st.drop_full++; /* brokers away and librdkafka's queue full */
			weir_sink_set_cause(
				s, k->brokers_down
					   ? "_QUEUE_FULL (all brokers down)"
					   : "_QUEUE_FULL (brokers reachable but too slow)");
			kafka_note(k, KAFKA_NOTE_FULL, weir_sink_last_cause(s));
		} else {
			rd_kafka_resp_err_t e = rd_kafka_last_error();
			char cause[192];

			s->st.drop_errors++;
			weir_sink_set_cause(s, rd_kafka_err2name(e));
			snprintf(cause, sizeof(cause), "%s: %s (%s)", rd_kafka_err2name(e),
				 rd_kafka_err2str(e), kafka_brokers_state(k));
			kafka_note(k, KAFKA_NOTE_DELIVERY, cause);
		}
	}
	/* Serve delivery reports once per batch. */
	rd_kafka_poll(k->rk, 0);
	kafka_notes_tick(k, false);
	return (int)accepted;
}

static int
kafka_flush(struct weir_sink *s)
{
	struct kafka *k = s->priv;

	rd_kafka_poll(k->rk, 0);
	return 0;
}

/* Waiting for the emitter is when delivery reports get served. */
static void
kafka_idle(struct weir_sink *s, int wake_fd, int timeout_ms)
{
	struct kafka *k = s->priv;
	struct pollfd pfd = {.fd = wake_fd, .events = POLLIN};

	rd_kafka_poll(k->rk, 0);
	/* With messages in flight, come back sooner for their reports. */
	if (rd_kafka_outq_len(k->rk) > 0 && timeout_ms > 10)
		timeout_ms = 10;
	poll(&pfd, 1, timeout_ms);
	rd_kafka_poll(k->rk, 0);
	kafka_notes_tick(k, false);
}

static void
kafka_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	*st = s->st;
}

/* Bounded: a cluster that is down gets flush-timeout-ms, no more, and
 * less once s->flush_abort turns true. Says what it does. */
static void
kafka_flush_bounded(struct weir_sink *s, struct kafka *k)
{
	uint64_t start = kafka_now_ms(), now = start, last_log = start;
	int left = rd_kafka_outq_len(k->rk);
	bool aborted = false;

	if (left == 0)
		return;
	WEIR_LOG(NOTICE, sink,
		 "kafka %s: flushing %d message%s to the brokers, at most %d ms "
		 "(SIGTERM/SIGINT again to stop waiting)",
		 k->topic, left, left == 1 ? "" : "s", k->flush_timeout_ms);
	while (left > 0 && now - start < (uint64_t)k->flush_timeout_ms) {
		uint64_t rest = (uint64_t)k->flush_timeout_ms - (now - start);

		if (s->flush_abort != NULL && atomic_load(s->flush_abort)) {
			aborted = true;
			break;
		}
		/* serves delivery reports too */
		rd_kafka_flush(k->rk,
			       (int)(rest < KAFKA_FLUSH_STEP_MS ? rest : KAFKA_FLUSH_STEP_MS));
		left = rd_kafka_outq_len(k->rk);
		now = kafka_now_ms();
		if (left > 0 && now - last_log >= KAFKA_FLUSH_LOG_MS) {
			WEIR_LOG(NOTICE, sink,
				 "kafka %s: still flushing: %d left, %" PRIu64 " ms to go",
				 k->topic, left,
				 now - start < (uint64_t)k->flush_timeout_ms
					 ? (uint64_t)k->flush_timeout_ms - (now - start)
					 : 0);
			last_log = now;
		}
	}
	if (left == 0)
		WEIR_LOG(NOTICE, sink, "kafka %s: flushed in %" PRIu64 " ms", k->topic,
			 now - start);
	else {
		weir_sink_set_cause(
			s, aborted ? (k->brokers_down ? "flush cut short by a second stop "
							"signal (all brokers down)"
						      : "flush cut short by a second stop "
							"signal")
				   : (k->brokers_down ? "flush timed out (all brokers down)"
						      : "flush timed out (brokers reachable "
							"but too slow)"));
		WEIR_LOG(WARNING, sink,
			 "kafka %s: flush %s after %" PRIu64 " ms; %d message%s counted "
			 "drop_undelivered (%s)",
			 k->topic, aborted ? "cut short by SIGTERM/SIGINT" : "timed out",
			 now - start, left, left == 1 ? "" : "s", kafka_brokers_state(k));
	}
}

static void
kafka_close(struct weir_sink *s)
{
	struct kafka *k = s->priv;
	int left, i;

	kafka_flush_bounded(s, k);
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* The purged messages' reports (drop_undelivered) come on poll. */
	for (i = 0; i < KAFKA_PURGE_POLLS && rd_kafka_outq_len(k->rk) > 0; i++)
		rd_kafka_poll(k->rk, 10);
	/* Whatever has not reported even now is undelivered all the same. */
	left = rd_kafka_outq_len(k->rk);
	if (left > 0)
		s->st.drop_undelivered += (uint64_t)left;
	kafka_notes_tick(k, true);
	s->priv = NULL;
	rd_kafka_topic_destroy(k->rkt);
	rd_kafka_destroy(k->rk);
	free(k);
}

const struct weir_sink_ops kafka_sink_ops = {
	.name = "kafka",
	.flags = WEIR_SINK_F_TEXT,
	.open = kafka_open,
	.close = kafka_close,
	.write = kafka_write,
	.flush = kafka_flush,
	.idle = kafka_idle,
	.stats = kafka_stats,
};
