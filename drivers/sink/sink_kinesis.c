/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kinesis sink: each event's JSON line becomes one record (without the
 * '\n') of an Amazon Kinesis Data Streams stream, sent with PutRecords over
 * HTTPS (libcurl), signed with SigV4 (kinesis_sigv4.c), from the sink's own
 * thread: the workers and the emitter never wait for the network.
 *
 * Holding: events are copied into the sink's own bounded FIFO (outputs.
 * kinesis.queue-size records) and leave it only when the service says it
 * has them or gives them up for good. When it is full a new event is
 * dropped (drop_full), or, with backpressure (outputs.backpressure, offline
 * replay), the sink keeps sending until there is room.
 *
 * Calls: a call takes up to batch-records records and batch-bytes bytes
 * from the front of the FIFO, and at most one record per partition key:
 * PutRecords does not keep the order of a call's records when some of them
 * fail (the others are stored all the same), so two records of one key in
 * one call could land out of order after a retry. Taking a key's first
 * record only, and leaving failed records where they were, keeps every
 * key's records in order. A full call is sent as soon as it can be made;
 * the rest when the emitter's queue runs dry (flush) or while idle.
 *
 * Failures: records PutRecords reports as throttled or as internal errors,
 * and whole calls that fail for the network, HTTP 5xx or throttling, are
 * retried after an exponential backoff with jitter (retry-backoff-ms,
 * doubling up to retry-backoff-max-ms); nothing is sent meanwhile. Records
 * the service refuses for good (a missing stream, a bad record, and
 * credentials it does not accept) are counted drop_errors. Every kind is
 * logged at warning level, the first at once with the service's error
 * code, then at most one line per KINESIS_LOG_EVERY_MS with the count.
 *
 * Accounting, per sink once closed: enqueued = written + drop_full (this
 * FIFO's part) + drop_errors + drop_undelivered. At close the sink sends
 * for flush-timeout-ms at most (less once s->flush_abort is set: a second
 * stop signal) and counts what is left drop_undelivered.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "kinesis.h"
#include "log.h"
#include "sink.h"

#define KINESIS_LOG_EVERY_MS	10000 /* per kind: one line per interval at most */
#define KINESIS_FLUSH_LOG_MS	5000  /* the close's flush: progress line */
#define KINESIS_STEP_MS		100   /* waits check abort and cancel this often */
#define KINESIS_SCAN_MAX	8192  /* records a call looks at for distinct keys */
#define KINESIS_KEYSET		1024  /* slots of a call's key set (2 x 500 > it) */
#define KINESIS_RESP_MAX	(1u << 20)
#define KINESIS_CONNECT_MS	3000
#define KINESIS_SYSTEMD_STOP_MS 90000

enum kinesis_note {
	KINESIS_NOTE_TRANSPORT,	  /* the endpoint did not answer */
	KINESIS_NOTE_THROTTLED,	  /* records or calls throttled */
	KINESIS_NOTE_RETRY,	  /* 5xx or records' internal errors */
	KINESIS_NOTE_CREDENTIALS, /* the service refused our credentials */
	KINESIS_NOTE_FAILED,	  /* records refused for good */
	KINESIS_NOTE_FULL,	  /* the FIFO was full */
	KINESIS_NOTE_N,
};

static const char *const g_kinesis_note_what[KINESIS_NOTE_N] = {
	[KINESIS_NOTE_TRANSPORT] = "endpoint unreachable, records kept for retry",
	[KINESIS_NOTE_THROTTLED] = "throttled, records kept for retry (counted throttled)",
	[KINESIS_NOTE_RETRY] = "service error, records kept for retry",
	[KINESIS_NOTE_CREDENTIALS] = "credentials refused, records dropped (counted drop_errors)",
	[KINESIS_NOTE_FAILED] = "records refused, dropped (counted drop_errors)",
	[KINESIS_NOTE_FULL] = "queue full, event dropped (counted drop_full)",
};

enum kinesis_key {
	KINESIS_KEY_FLOW,
	KINESIS_KEY_SRC,
};

/* One held record: the line, then its partition key and a NUL. */
struct kinesis_rec {
	uint32_t len;
	uint16_t key_len;
	uint16_t attempts; /* calls it was in so far */
	char data[];
};

struct kinesis {
	CURL *curl;
	char url[512];
	char host[256]; /* as signed: host[:port] */
	char region[64];
	char stream[129];
	char profile[128];
	enum kinesis_key key;
	struct weir_aws_creds creds;
	/* the FIFO: a ring of cap slots, count from head */
	struct kinesis_rec **ring;
	uint32_t cap, head, count;
	uint32_t batch_records;
	size_t batch_bytes;
	uint32_t flush_timeout_ms, request_timeout_ms, backoff_ms, backoff_max_ms;
	uint32_t fails;	  /* calls in a row that did not deliver everything */
	uint64_t next_ms; /* no call before this (backoff), 0 = now */
	uint64_t rng;
	bool down; /* the endpoint was reported unreachable, no call since */
	struct weir_lognote rate[KINESIS_NOTE_N];
	char who[160]; /* "kinesis STREAM", for notes */
	/* one call's scratch */
	struct weir_kinesis_rec recs[WEIR_KINESIS_MAX_RECORDS];
	uint32_t slot[WEIR_KINESIS_MAX_RECORDS]; /* offsets from head */
	uint8_t outcome[WEIR_KINESIS_MAX_RECORDS];
	uint64_t keyset[KINESIS_KEYSET];
	char *resp;
	size_t resp_len;
};

static uint64_t
kinesis_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
kinesis_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* One occurrence of @p kind (weir_lognote: the first logged at once, the
 * others counted and logged once per interval). */
static void
kinesis_note(struct kinesis *k, enum kinesis_note kind, const char *cause)
{
	weir_lognote(&k->rate[kind], KINESIS_LOG_EVERY_MS, k->who, g_kinesis_note_what[kind],
		     cause);
}

static void
kinesis_notes_tick(struct kinesis *k, bool force)
{
	unsigned int i;

	for (i = 0; i < KINESIS_NOTE_N; i++)
		weir_lognote_flush(&k->rate[i], KINESIS_LOG_EVERY_MS, k->who,
				   g_kinesis_note_what[i], force);
}

static void
kinesis_err(const struct weir_sink_conf *conf, const char *fmt, const char *a, const char *b)
{
	if (conf->err != NULL && conf->err_len != 0)
		snprintf(conf->err, conf->err_len, fmt, a, b);
}

static struct kinesis_rec *
kinesis_at(const struct kinesis *k, uint32_t off)
{
	return k->ring[(k->head + off) % k->cap];
}

static size_t
kinesis_resp_cb(char *p, size_t size, size_t nmemb, void *opaque)
{
	struct kinesis *k = opaque;
	size_t n = size * nmemb;

	if (k->resp_len + n > KINESIS_RESP_MAX)
		return 0; /* no response is this long: fail the call */
	memcpy(k->resp + k->resp_len, p, n);
	k->resp_len += n;
	return n;
}

/* Backoff after a call that did not deliver everything: base x 2^fails,
 * capped, then a random point in its second half (jitter). */
static void
kinesis_backoff(struct kinesis *k)
{
	uint64_t d = k->backoff_ms;
	unsigned int i;

	for (i = 0; i < k->fails && d < k->backoff_max_ms; i++)
		d *= 2;
	if (d > k->backoff_max_ms)
		d = k->backoff_max_ms;
	k->fails++;
	/* xorshift64: jitter needs no quality, only spread */
	k->rng ^= k->rng << 13;
	k->rng ^= k->rng >> 7;
	k->rng ^= k->rng << 17;
	d = d / 2 + k->rng % (d / 2 + 1);
	k->next_ms = kinesis_now_ms() + d;
}

/* Take the records of the call out of the window: those the call ended
 * (slot NULL) leave, the others keep their order at its end. */
static void
kinesis_compact(struct kinesis *k, uint32_t window)
{
	uint32_t src = window, dst = window, removed;
	struct kinesis_rec *r;

	while (src-- > 0) {
		r = kinesis_at(k, src);
		if (r == NULL)
			continue;
		dst--;
		k->ring[(k->head + dst) % k->cap] = r;
	}
	removed = dst;
	while (dst-- > 0)
		k->ring[(k->head + dst) % k->cap] = NULL;
	k->head = (k->head + removed) % k->cap;
	k->count -= removed;
}

static void
kinesis_end(struct weir_sink *s, struct kinesis *k, uint32_t off, bool delivered)
{
	uint32_t i = (k->head + off) % k->cap;
	struct kinesis_rec *r = k->ring[i];

	if (delivered) {
		s->st.written++;
		s->st.bytes += r->len;
	} else {
		s->st.drop_errors++;
	}
	free(r);
	k->ring[i] = NULL;
}

/* Pick a call's records: from the front, one per partition key, within
 * the limits. Returns how many; *window = how far it looked. */
static unsigned int
kinesis_pick(struct kinesis *k, uint32_t *window)
{
	size_t bytes = 0;
	uint32_t off, scan = k->count < KINESIS_SCAN_MAX ? k->count : KINESIS_SCAN_MAX;
	unsigned int n = 0;

	memset(k->keyset, 0, sizeof(k->keyset));
	for (off = 0; off < scan && n < k->batch_records; off++) {
		struct kinesis_rec *r = kinesis_at(k, off);
		const char *key = r->data + r->len;
		uint64_t h = 1469598103934665603ull;
		unsigned int j, slot;
		bool dup = false;

		for (j = 0; j < r->key_len; j++)
			h = (h ^ (uint8_t)key[j]) * 1099511628211ull;
		h |= 1; /* 0 marks a free slot */
		for (slot = (unsigned int)(h % KINESIS_KEYSET); k->keyset[slot] != 0;
		     slot = (slot + 1) % KINESIS_KEYSET) {
			/* equal hashes: compare the keys themselves */
			if (k->keyset[slot] == h) {
				for (j = 0; j < n && !dup; j++)
					dup = strcmp(k->recs[j].key, key) == 0;
				if (dup)
					break;
			}
		}
		if (dup)
			continue;
		/* a record larger than batch-bytes (it may be up to 1 MiB) goes
		 * alone, or it would never go */
		if (n > 0 && bytes + r->len + r->key_len > k->batch_bytes)
			break;
		k->keyset[slot] = h;
		bytes += r->len + r->key_len;
		k->recs[n].data = r->data;
		k->recs[n].len = r->len;
		k->recs[n].key = key;
		k->slot[n] = off;
		n++;
	}
	*window = off;
	return n;
}

/* Sign and send one PutRecords call of @p body; the HTTP status, 0 when
 * the endpoint did not answer (@p what says why). */
static long
kinesis_http(struct kinesis *k, const char *body, size_t len, uint32_t timeout_ms, char *what,
	     size_t what_len)
{
	char amz_date[20], auth[512], h_date[64], h_host[300], h_auth[600], *h_token = NULL;
	struct weir_sigv4_header hs[5] = {
		{"content-type", "application/x-amz-json-1.1"},
		{"host", k->host},
		{"x-amz-date", amz_date},
		{"x-amz-target", "Kinesis_20131202.PutRecords"},
		{"x-amz-security-token", k->creds.token},
	};
	struct weir_sigv4_req req = {
		.method = "POST",
		.path = "/",
		.query = "",
		.headers = hs,
		.n_headers = k->creds.token[0] != '\0' ? 5 : 4,
		.payload = body,
		.payload_len = len,
		.region = k->region,
		.service = "kinesis",
		.amz_date = amz_date,
		.key_id = k->creds.key_id,
		.secret = k->creds.secret,
	};
	struct curl_slist *list = NULL, *l;
	struct timespec now;
	struct tm tm;
	long status = 0;
	CURLcode cc;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	rc = weir_sigv4_sign(&req, auth, sizeof(auth));
	if (rc < 0) {
		snprintf(what, what_len, "signing failed: %s", strerror(-rc));
		return 0;
	}
	snprintf(h_date, sizeof(h_date), "X-Amz-Date: %s", amz_date);
	snprintf(h_host, sizeof(h_host), "Host: %s", k->host);
	snprintf(h_auth, sizeof(h_auth), "Authorization: %s", auth);
	if (k->creds.token[0] != '\0' &&
	    asprintf(&h_token, "X-Amz-Security-Token: %s", k->creds.token) < 0) {
		snprintf(what, what_len, "out of memory");
		return 0;
	}
	l = curl_slist_append(list, "Content-Type: application/x-amz-json-1.1");
	l = l ? curl_slist_append(list = l, "X-Amz-Target: Kinesis_20131202.PutRecords") : NULL;
	l = l ? curl_slist_append(list = l, h_date) : NULL;
	l = l ? curl_slist_append(list = l, h_host) : NULL;
	l = l ? curl_slist_append(list = l, h_auth) : NULL;
	l = l ? curl_slist_append(list = l, "Expect:") : NULL; /* no 100-continue wait */
	if (l != NULL && h_token != NULL)
		l = curl_slist_append(list = l, h_token);
	if (l == NULL) {
		snprintf(what, what_len, "out of memory");
		goto out;
	}
	list = l;
	k->resp_len = 0;
	curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(k->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(k->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(k->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(timeout_ms < KINESIS_CONNECT_MS ? timeout_ms : KINESIS_CONNECT_MS));
	cc = curl_easy_perform(k->curl);
	if (cc != CURLE_OK)
		snprintf(what, what_len, "%.256s: %s", k->url, curl_easy_strerror(cc));
	else
		curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, NULL);
out:
	curl_slist_free_all(list);
	if (h_token != NULL) {
		OPENSSL_cleanse(h_token, strlen(h_token));
		free(h_token);
	}
	OPENSSL_cleanse(auth, sizeof(auth));
	return status;
}

/* Exchange the web identity token (its file re-read each time: the
 * platform rotates it) for keys with STS AssumeRoleWithWebIdentity, an
 * unsigned call to AWS_ENDPOINT_URL_STS or the region's STS. */
static int
kinesis_sts(struct kinesis *k, char *err, size_t err_len)
{
	struct weir_aws_creds c = k->creds;
	struct curl_slist *hdr = NULL;
	const char *env = getenv("AWS_ENDPOINT_URL_STS");
	char url[512], *token = NULL, *body = NULL;
	size_t n = 0, cap = 65536;
	long status = 0;
	CURLcode cc;
	CURL *curl;
	FILE *f;
	int rc;

	if (env != NULL && env[0] != '\0')
		snprintf(url, sizeof(url), "%s", env);
	else
		snprintf(url, sizeof(url), "https://sts.%s.amazonaws.com/", k->region);
	f = fopen(c.web_token_file, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, err_len, "web identity token %.256s: %s", c.web_token_file,
			 strerror(errno));
		return rc;
	}
	token = malloc(cap);
	if (token != NULL)
		n = fread(token, 1, cap - 1, f);
	fclose(f);
	if (token == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
		n--;
	token[n] = '\0';
	rc = weir_sts_body(&c, token, &body);
	OPENSSL_cleanse(token, cap);
	free(token);
	if (rc < 0) {
		snprintf(err, err_len, "out of memory");
		return rc;
	}
	curl = curl_easy_init();
	hdr = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	if (curl == NULL || hdr == NULL) {
		snprintf(err, err_len, "libcurl would not start");
		rc = -ENOMEM;
		goto out;
	}
	k->resp_len = 0;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, kinesis_resp_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)k->request_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "weir");
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		snprintf(err, err_len, "STS %.256s: %s", url, curl_easy_strerror(cc));
		rc = -EIO;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	rc = weir_sts_parse(k->resp, k->resp_len, &c, err, err_len);
	if (rc == 0 && status != 200) {
		snprintf(err, err_len, "STS %.256s: HTTP %ld", url, status);
		rc = -EPROTO;
	}
	if (rc == 0)
		k->creds = c;
out:
	OPENSSL_cleanse(&c, sizeof(c));
	if (body != NULL) {
		OPENSSL_cleanse(body, strlen(body));
		free(body);
	}
	curl_slist_free_all(hdr);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return rc;
}

/* Web identity keys that expire within 5 minutes are renewed first. */
static void
kinesis_sts_refresh(struct kinesis *k, bool force)
{
	char err[400];

	if (k->creds.web_token_file[0] == '\0' ||
	    (!force && (k->creds.expires == 0 || (int64_t)time(NULL) + 300 < k->creds.expires)))
		return;
	if (kinesis_sts(k, err, sizeof(err)) < 0)
		kinesis_note(k, KINESIS_NOTE_CREDENTIALS, err);
}

/* The credentials were refused: read them again, in case they were
 * rotated (a new session token in the environment of a restart cannot
 * reach us, a rewritten credentials file or web identity token can). */
static void
kinesis_creds_reload(struct kinesis *k)
{
	struct weir_aws_creds c;
	char err[256];
	int rc;

	if (k->creds.web_token_file[0] != '\0') {
		kinesis_sts_refresh(k, true);
		return;
	}
	rc = weir_aws_creds_load(k->profile, &c, err, sizeof(err));
	if (rc == 0) {
		if (strcmp(c.key_id, k->creds.key_id) != 0 ||
		    strcmp(c.secret, k->creds.secret) != 0 || strcmp(c.token, k->creds.token) != 0)
			WEIR_LOG(NOTICE, sink, "kinesis %s: credentials reloaded from %s",
				 k->stream, c.source);
		k->creds = c;
	}
	OPENSSL_cleanse(&c, sizeof(c));
}

/* One PutRecords call over the front of the FIFO. */
static void
kinesis_call(struct weir_sink *s, struct kinesis *k, uint32_t timeout_ms)
{
	uint32_t window, i;
	unsigned int n, bad = 0, throttled = 0;
	char *body = NULL, what[600];
	enum weir_kinesis_call_error ce;
	uint64_t t0, us;
	size_t len;
	long status;
	int rc;

	n = kinesis_pick(k, &window);
	if (n == 0)
		return;
	rc = weir_kinesis_put_body(k->stream, k->recs, n, &body, &len);
	if (rc < 0) { /* out of memory: try again later */
		kinesis_note(k, KINESIS_NOTE_RETRY, strerror(-rc));
		kinesis_backoff(k);
		return;
	}
	for (i = 0; i < n; i++)
		if (kinesis_at(k, k->slot[i])->attempts++ > 0)
			s->st.retried++;
	kinesis_sts_refresh(k, false);
	t0 = kinesis_now_us();
	status = kinesis_http(k, body, len, timeout_ms, what, sizeof(what));
	us = kinesis_now_us() - t0;
	free(body);
	s->st.requests++;
	s->st.request_time += us;
	if (us > s->st.request_time_max)
		s->st.request_time_max = us;

	if (status == 200) {
		rc = weir_kinesis_put_parse(k->resp, k->resp_len, n, k->outcome, what,
					    sizeof(what));
		if (rc < 0) {
			s->st.request_errors++;
			kinesis_note(k, KINESIS_NOTE_RETRY, "a response that is not PutRecords'");
			kinesis_backoff(k);
			return;
		}
		if (k->down) {
			k->down = false;
			WEIR_LOG(NOTICE, sink, "kinesis %s: endpoint back, delivering again",
				 k->stream);
		}
		for (i = 0; i < n; i++) {
			switch (k->outcome[i]) {
			case WEIR_KINESIS_OK:
				kinesis_end(s, k, k->slot[i], true);
				break;
			case WEIR_KINESIS_FAILED:
				kinesis_end(s, k, k->slot[i], false);
				bad++;
				break;
			case WEIR_KINESIS_THROTTLED:
				throttled++;
				break;
			default:
				break;
			}
		}
		s->st.throttled += throttled;
		if (bad != 0)
			kinesis_note(k, KINESIS_NOTE_FAILED, what);
		if (throttled != 0)
			kinesis_note(k, KINESIS_NOTE_THROTTLED, what);
		else if (rc > (int)bad)
			kinesis_note(k, KINESIS_NOTE_RETRY, what);
		kinesis_compact(k, window);
		if (rc > (int)bad) {
			kinesis_backoff(k);
		} else {
			k->fails = 0;
			k->next_ms = 0;
		}
		return;
	}
	s->st.request_errors++;
	if (status == 0) {
		if (!k->down)
			WEIR_LOG(
				WARNING, sink,
				"kinesis %s: endpoint unreachable (%s); records wait in the sink's "
				"queue (what does not fit is counted drop_full)",
				k->stream, what);
		else
			kinesis_note(k, KINESIS_NOTE_TRANSPORT, what);
		k->down = true;
		kinesis_backoff(k);
		return;
	}
	ce = weir_kinesis_error_parse(status, k->resp, k->resp_len, what, sizeof(what));
	switch (ce) {
	case WEIR_KINESIS_CALL_THROTTLED:
		s->st.throttled += n;
		kinesis_note(k, KINESIS_NOTE_THROTTLED, what);
		kinesis_backoff(k);
		return;
	case WEIR_KINESIS_CALL_RETRY:
		kinesis_note(k, KINESIS_NOTE_RETRY, what);
		kinesis_backoff(k);
		return;
	case WEIR_KINESIS_CALL_CREDENTIALS:
		kinesis_note(k, KINESIS_NOTE_CREDENTIALS, what);
		kinesis_creds_reload(k);
		break;
	case WEIR_KINESIS_CALL_FAILED:
		kinesis_note(k, KINESIS_NOTE_FAILED, what);
		break;
	}
	for (i = 0; i < n; i++)
		kinesis_end(s, k, k->slot[i], false);
	kinesis_compact(k, window);
	kinesis_backoff(k);
}

/* Send while a call is due: full calls only, or (@p all) whatever is held. */
static void
kinesis_pump(struct weir_sink *s, struct kinesis *k, bool all)
{
	while (k->count > 0 && (all || k->count >= k->batch_records) &&
	       kinesis_now_ms() >= k->next_ms)
		kinesis_call(s, k, k->request_timeout_ms);
	s->st.pending = k->count;
}

/* Backpressure: send until the FIFO has room or the sink is cancelled. */
static void
kinesis_wait_room(struct weir_sink *s, struct kinesis *k)
{
	uint64_t now;

	while (k->count == k->cap && !weir_sink_cancelled(s)) {
		now = kinesis_now_ms();
		if (now < k->next_ms) {
			uint64_t d = k->next_ms - now;

			poll(NULL, 0, (int)(d < KINESIS_STEP_MS ? d : KINESIS_STEP_MS));
			continue;
		}
		kinesis_call(s, k, k->request_timeout_ms);
		s->st.pending = k->count;
		kinesis_notes_tick(k, false);
	}
}

static int
kinesis_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
	      const struct weir_frame *frame, unsigned int n)
{
	struct kinesis *k = s->priv;
	unsigned int i, accepted = 0;
	struct kinesis_rec *r;
	char key[64];
	int klen;

	(void)frame;
	for (i = 0; i < n; i++) {
		size_t len = json[i].len;

		/* A record is one JSON object; the line's '\n' is framing. */
		if (len != 0 && json[i].data[len - 1] == '\n')
			len--;
		if (k->key == KINESIS_KEY_SRC)
			klen = weir_event_addr_text(&ev[i], 0, key, sizeof(key));
		else
			klen = snprintf(key, sizeof(key), "%" PRIu64, ev[i].flow_id);
		if (klen <= 0 || (size_t)klen >= sizeof(key))
			klen = snprintf(key, sizeof(key), "%" PRIu64, ev[i].flow_id);
		if (len + (size_t)klen > WEIR_KINESIS_MAX_REC_BYTES) {
			s->st.drop_errors++;
			kinesis_note(k, KINESIS_NOTE_FAILED, "an event larger than 1 MiB");
			continue;
		}
		if (k->count == k->cap && s->block)
			kinesis_wait_room(s, k);
		if (k->count == k->cap) {
			s->st.drop_full++;
			kinesis_note(k, KINESIS_NOTE_FULL,
				     k->down ? "endpoint unreachable" : "endpoint too slow");
			continue;
		}
		r = malloc(sizeof(*r) + len + (size_t)klen + 1);
		if (r == NULL) {
			s->st.drop_errors++;
			weir_sink_set_errno(s, ENOMEM);
			continue;
		}
		r->len = (uint32_t)len;
		r->key_len = (uint16_t)klen;
		r->attempts = 0;
		memcpy(r->data, json[i].data, len);
		memcpy(r->data + len, key, (size_t)klen + 1);
		k->ring[(k->head + k->count) % k->cap] = r;
		k->count++;
		accepted++;
	}
	kinesis_pump(s, k, false);
	kinesis_notes_tick(k, false);
	return (int)accepted;
}

static int
kinesis_flush(struct weir_sink *s)
{
	kinesis_pump(s, s->priv, true);
	return 0;
}

static void
kinesis_idle(struct weir_sink *s, int wake_fd, int timeout_ms)
{
	struct kinesis *k = s->priv;
	struct pollfd pfd = {.fd = wake_fd, .events = POLLIN};
	uint64_t now;

	kinesis_pump(s, k, true);
	now = kinesis_now_ms();
	/* Records wait for their backoff: come back when it ends. */
	if (k->count > 0 && k->next_ms > now && k->next_ms - now < (uint64_t)timeout_ms)
		timeout_ms = (int)(k->next_ms - now);
	poll(&pfd, 1, timeout_ms);
	kinesis_notes_tick(k, false);
}

static void
kinesis_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	*st = s->st;
}

/* Bounded: flush-timeout-ms, no more, and less once s->flush_abort turns
 * true. Says what it does. */
static void
kinesis_flush_bounded(struct weir_sink *s, struct kinesis *k)
{
	uint64_t start = kinesis_now_ms(), now = start, last_log = start;
	uint64_t end = start + k->flush_timeout_ms;
	bool aborted = false;

	if (k->count == 0)
		return;
	WEIR_LOG(NOTICE, sink,
		 "kinesis %s: flushing %u record%s, at most %u ms "
		 "(SIGTERM/SIGINT again to stop waiting)",
		 k->stream, k->count, k->count == 1 ? "" : "s", k->flush_timeout_ms);
	while (k->count > 0 && now < end) {
		if (s->flush_abort != NULL && atomic_load(s->flush_abort)) {
			aborted = true;
			break;
		}
		if (now < k->next_ms) {
			uint64_t d = (k->next_ms < end ? k->next_ms : end) - now;

			poll(NULL, 0, (int)(d < KINESIS_STEP_MS ? d : KINESIS_STEP_MS));
		} else {
			kinesis_call(s, k,
				     (uint32_t)(end - now < k->request_timeout_ms
							? end - now
							: k->request_timeout_ms));
		}
		s->st.pending = k->count;
		now = kinesis_now_ms();
		if (k->count > 0 && now - last_log >= KINESIS_FLUSH_LOG_MS) {
			WEIR_LOG(NOTICE, sink,
				 "kinesis %s: still flushing: %u left, %" PRIu64 " ms to go",
				 k->stream, k->count, now < end ? end - now : 0);
			last_log = now;
		}
	}
	if (k->count == 0)
		WEIR_LOG(NOTICE, sink, "kinesis %s: flushed in %" PRIu64 " ms", k->stream,
			 now - start);
	else
		WEIR_LOG(WARNING, sink,
			 "kinesis %s: flush %s after %" PRIu64 " ms; %u record%s counted "
			 "drop_undelivered",
			 k->stream, aborted ? "cut short by SIGTERM/SIGINT" : "timed out",
			 now - start, k->count, k->count == 1 ? "" : "s");
}

static void
kinesis_free(struct kinesis *k)
{
	uint32_t i;

	for (i = 0; k->ring != NULL && i < k->count; i++)
		free(kinesis_at(k, i));
	free(k->ring);
	free(k->resp);
	if (k->curl != NULL)
		curl_easy_cleanup(k->curl);
	OPENSSL_cleanse(&k->creds, sizeof(k->creds));
	free(k);
}

static void
kinesis_close(struct weir_sink *s)
{
	struct kinesis *k = s->priv;

	kinesis_flush_bounded(s, k);
	s->st.drop_undelivered += k->count;
	s->st.pending = 0;
	kinesis_notes_tick(k, true);
	s->priv = NULL;
	kinesis_free(k);
}

/* The stream name: 1..128 of [a-zA-Z0-9_.-] (the service's pattern). */
static bool
kinesis_stream_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 128 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       n;
}

/* The endpoint: the configured URL (http:// or https://, no path) or the
 * region's. Fills k->url and k->host (what the Host header says). */
static int
kinesis_endpoint(struct kinesis *k, const struct weir_sink_conf *conf)
{
	const char *e = conf->endpoint, *h;
	size_t hl;

	if (e == NULL || e[0] == '\0') {
		snprintf(k->host, sizeof(k->host), "kinesis.%s.amazonaws.com", k->region);
		snprintf(k->url, sizeof(k->url), "https://%s/", k->host);
		return 0;
	}
	if (strncmp(e, "https://", 8) == 0)
		h = e + 8;
	else if (strncmp(e, "http://", 7) == 0)
		h = e + 7;
	else
		goto bad;
	hl = strcspn(h, "/");
	if (hl == 0 || hl >= sizeof(k->host) || (h[hl] != '\0' && strcmp(h + hl, "/") != 0))
		goto bad;
	memcpy(k->host, h, hl);
	k->host[hl] = '\0';
	snprintf(k->url, sizeof(k->url), "%.*s/", (int)(h - e + hl), e);
	return 0;
bad:
	kinesis_err(conf, "outputs.kinesis.endpoint: '%s' is not http(s)://host[:port]%s", e, "");
	return -EINVAL;
}

static int
kinesis_open(struct weir_sink *s, const struct weir_sink_conf *conf)
{
	const char *region = conf->region;
	struct kinesis *k;
	char err[400];
	int rc;

	if (conf->stream == NULL || !kinesis_stream_ok(conf->stream)) {
		kinesis_err(conf, "outputs.kinesis.stream: '%s' is not a stream name%s",
			    conf->stream ? conf->stream : "", "");
		return -EINVAL;
	}
	if (conf->partition_key != NULL && strcmp(conf->partition_key, "window") == 0) {
		kinesis_err(conf,
			    "outputs.kinesis.partition-key window: not supported yet (a window "
			    "alert's key does not reach the sinks; Kafka's observation records "
			    "are keyed by it: windows.observations); use flow or src%s%s",
			    "", "");
		return -ENOTSUP;
	}
	if (region == NULL || region[0] == '\0')
		region = getenv("AWS_REGION");
	if (region == NULL || region[0] == '\0')
		region = getenv("AWS_DEFAULT_REGION");
	if (region == NULL || region[0] == '\0' || strlen(region) >= 64 ||
	    strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
		kinesis_err(conf,
			    "outputs.kinesis.region: '%s' is not a region, and neither AWS_REGION "
			    "nor AWS_DEFAULT_REGION says one%s",
			    region ? region : "", "");
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	snprintf(k->stream, sizeof(k->stream), "%s", conf->stream);
	snprintf(k->who, sizeof(k->who), "kinesis %s", k->stream);
	snprintf(k->region, sizeof(k->region), "%s", region);
	snprintf(k->profile, sizeof(k->profile), "%s", conf->profile ? conf->profile : "");
	k->key = conf->partition_key != NULL && strcmp(conf->partition_key, "src") == 0
			 ? KINESIS_KEY_SRC
			 : KINESIS_KEY_FLOW;
	k->cap = conf->max_pending ? conf->max_pending : 10000;
	k->batch_records = conf->batch_records && conf->batch_records <= WEIR_KINESIS_MAX_RECORDS
				   ? conf->batch_records
				   : WEIR_KINESIS_MAX_RECORDS;
	k->batch_bytes = conf->batch_bytes && conf->batch_bytes <= WEIR_KINESIS_MAX_CALL_BYTES
				 ? conf->batch_bytes
				 : WEIR_KINESIS_MAX_CALL_BYTES;
	k->flush_timeout_ms = conf->flush_timeout_ms;
	k->request_timeout_ms = conf->request_timeout_ms ? conf->request_timeout_ms : 10000;
	k->backoff_ms = conf->retry_backoff_ms ? conf->retry_backoff_ms : 100;
	k->backoff_max_ms = conf->retry_backoff_max_ms ? conf->retry_backoff_max_ms : 5000;
	if (k->backoff_max_ms < k->backoff_ms)
		k->backoff_max_ms = k->backoff_ms;
	k->rng = (uint64_t)kinesis_now_us() | 1;
	rc = kinesis_endpoint(k, conf);
	if (rc < 0)
		goto err_free;
	k->ring = calloc(k->cap, sizeof(k->ring[0]));
	k->resp = malloc(KINESIS_RESP_MAX);
	if (k->ring == NULL || k->resp == NULL) {
		rc = -ENOMEM;
		goto err_free;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (k->curl = curl_easy_init()) == NULL) {
		kinesis_err(conf, "libcurl would not start%s%s", "", "");
		rc = -ENOMEM;
		goto err_free;
	}
	curl_easy_setopt(k->curl, CURLOPT_URL, k->url);
	curl_easy_setopt(k->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, kinesis_resp_cb);
	curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(k->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(k->curl, CURLOPT_USERAGENT, "weir");
	rc = weir_aws_creds_load(k->profile, &k->creds, err, sizeof(err));
	/* Web identity: keys from STS now, so that a refusal stops the start. */
	if (rc == WEIR_AWS_CREDS_WEB)
		rc = kinesis_sts(k, err, sizeof(err));
	if (rc < 0) {
		kinesis_err(conf, "credentials: %s%s", err, "");
		goto err_free;
	}
	s->priv = k;
	WEIR_LOG(NOTICE, sink, "kinesis %s: region %s, endpoint %s, credentials from %s", k->stream,
		 k->region, k->url, k->creds.source);
	if (conf->flush_timeout_ms > KINESIS_SYSTEMD_STOP_MS)
		WEIR_LOG(WARNING, sink,
			 "kinesis %s: flush-timeout-ms %u exceeds systemd's default stop timeout "
			 "(%d ms): a stop may end in SIGKILL before the flush does",
			 k->stream, conf->flush_timeout_ms, KINESIS_SYSTEMD_STOP_MS);
	return 0;
err_free:
	kinesis_free(k);
	return rc;
}

const struct weir_sink_ops kinesis_sink_ops = {
	.name = "kinesis",
	.flags = WEIR_SINK_F_TEXT,
	.open = kinesis_open,
	.close = kinesis_close,
	.write = kinesis_write,
	.flush = kinesis_flush,
	.idle = kinesis_idle,
	.stats = kinesis_stats,
};
