/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl's side of the stats socket: connect, send one line, read one
 * line back within WEIRCTL_TIMEOUT_MS. Replies are parsed with jansson.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "weirctl.h"

/* One drop_* counter of object @p o into the loss sum. */
static uint64_t
client_lost_one(FILE *f, const char *where, const json_t *o, const char *name)
{
	uint64_t v = weirctl_u64(o, name);

	if (f != NULL && v != 0)
		fprintf(f, " %s%s%s %" PRIu64, where, where[0] ? " " : "", name, v);
	return v;
}

uint64_t
weirctl_lost(const json_t *st, FILE *f)
{
	const json_t *w = json_object_get(st, "workers");
	const json_t *em = json_object_get(st, "emitter");
	const json_t *rx = json_object_get(st, "rx_stage");
	const json_t *o;
	uint64_t n = 0;
	size_t i;

#define LOST(where, obj, name)                                                                     \
	if (strncmp(#name, "drop_", 5) == 0)                                                       \
		n += client_lost_one(f, where, obj, #name);
#define LOST_W(name, kind, doc) LOST("", w, name)
#define LOST_D(name, kind, doc) LOST("rx_stage", rx, name)
#define LOST_E(name, doc)	LOST("emitter", em, name)
#define LOST_P(name, doc)	LOST(weirctl_str(o, "name"), o, name)
#define LOST_S(name, kind, doc) LOST(weirctl_str(o, "name"), o, name)
	WEIR_WORKER_COUNTERS(LOST_W)
	WEIR_DISPATCH_COUNTERS(LOST_D)
	WEIR_EMITTER_COUNTERS(LOST_E)
	json_array_foreach(json_object_get(st, "ports"), i, o){
		WEIR_PORT_COUNTERS(LOST_P)} json_array_foreach(json_object_get(st, "sinks"), i, o)
	{
		WEIR_SINK_COUNTERS(LOST_S)
	}
#undef LOST_S
#undef LOST_P
#undef LOST_E
#undef LOST_D
#undef LOST_W
#undef LOST
	return n;
}

#define WEIRCTL_REPLY_MAX (64u << 20) /* a sane bound on one reply line */

int
weirctl_connect(struct weirctl *ctl)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (ctl->fd >= 0)
		return WEIRCTL_EXIT_OK;
	if (strlen(ctl->socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "weirctl: socket path too long: %s\n", ctl->socket);
		return WEIRCTL_EXIT_CONNECT;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl->socket);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0 || connect(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "weirctl: cannot connect to %s: %s (is weir running? --socket)\n",
			ctl->socket, strerror(errno));
		weirctl_close(ctl);
		return WEIRCTL_EXIT_CONNECT;
	}
	return WEIRCTL_EXIT_OK;
}

void
weirctl_close(struct weirctl *ctl)
{
	if (ctl->fd >= 0)
		close(ctl->fd);
	ctl->fd = -1;
}

static int
weirctl_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read up to and including '\n'; the line is returned without it. */
static char *
weirctl_read_line(int fd, int timeout_ms)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);

	while (buf != NULL) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char *nl;
		ssize_t r;
		int pr = poll(&p, 1, timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			fprintf(stderr, "weirctl: no reply within %d ms\n", timeout_ms);
			break;
		}
		if (len + 4096 > cap) {
			char *nb;

			if (cap >= WEIRCTL_REPLY_MAX)
				break;
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "weirctl: connection closed before a full reply\n");
			break;
		}
		/* One request, one reply: nothing follows the newline. */
		nl = memchr(buf + len, '\n', (size_t)r);
		len += (size_t)r;
		if (nl != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

int
weirctl_request(struct weirctl *ctl, json_t *req, json_t **rep, char **raw)
{
	char *line = json_dumps(req, JSON_COMPACT), *text;
	json_error_t jerr;
	int ret;

	json_decref(req);
	*rep = NULL;
	if (raw != NULL)
		*raw = NULL;
	if (line == NULL)
		return WEIRCTL_EXIT_CONNECT;
	ret = weirctl_connect(ctl);
	if (ret != WEIRCTL_EXIT_OK) {
		free(line);
		return ret;
	}
	if (weirctl_send_all(ctl->fd, line, strlen(line)) < 0 ||
	    weirctl_send_all(ctl->fd, "\n", 1) < 0) {
		fprintf(stderr, "weirctl: cannot send to %s: %s\n", ctl->socket, strerror(errno));
		free(line);
		weirctl_close(ctl);
		return WEIRCTL_EXIT_CONNECT;
	}
	free(line);
	text = weirctl_read_line(ctl->fd,
				 ctl->timeout_ms > 0 ? ctl->timeout_ms : WEIRCTL_TIMEOUT_MS);
	if (text == NULL) {
		weirctl_close(ctl);
		return WEIRCTL_EXIT_CONNECT;
	}
	*rep = json_loads(text, 0, &jerr);
	if (*rep == NULL || !json_is_object(*rep)) {
		fprintf(stderr, "weirctl: weir's reply is not a JSON object: %s\n", jerr.text);
		json_decref(*rep);
		*rep = NULL;
		free(text);
		return WEIRCTL_EXIT_CONNECT;
	}
	if (raw != NULL)
		*raw = text;
	else
		free(text);
	return json_is_true(json_object_get(*rep, "ok")) ? WEIRCTL_EXIT_OK : WEIRCTL_EXIT_REPLY;
}

void
weirctl_print_error(const json_t *rep)
{
	fprintf(stderr, "weirctl: weir replied: %s\n", weirctl_str(rep, "error"));
}

int
weirctl_simple(struct weirctl *ctl, const char *name, json_t **rep)
{
	char *raw = NULL;
	int ret = weirctl_request(ctl, json_pack("{s:s}", "command", name), rep, &raw);

	if (ret == WEIRCTL_EXIT_CONNECT)
		return ret;
	if (ctl->json) {
		printf("%s\n", raw);
		json_decref(*rep);
		*rep = NULL;
	} else if (ret == WEIRCTL_EXIT_REPLY) {
		weirctl_print_error(*rep);
		json_decref(*rep);
		*rep = NULL;
	}
	free(raw);
	return ret;
}

uint64_t
weirctl_u64(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

double
weirctl_real(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

const char *
weirctl_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* "p99.9" for p99_9: the list's name with '_' as '.' */
static const char *
weirctl_pct_label(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && name[i] != '\0'; i++)
		buf[i] = name[i] == '_' ? '.' : name[i];
	buf[i] = '\0';
	return buf;
}

/* A latency table's head, @p what naming the first column. */
static void
weirctl_print_lat_head(const char *what)
{
	char label[16];

	printf("  %-24s %12s", what, "events");
#define LAT_HEAD(name, pct) printf(" %10s", weirctl_pct_label(#name, label, sizeof(label)));
	WEIR_LAT_PERCENTILES(LAT_HEAD)
#undef LAT_HEAD
	printf(" %10s\n", "max");
}

/* One row of a latency table: @p label, events, percentiles, max. */
static void
weirctl_print_lat_row(const char *label, const json_t *h)
{
	printf("  %-24s %12" PRIu64, label, weirctl_u64(h, "count"));
#define LAT_COL(name, pct) printf(" %10.1f", weirctl_real(h, #name "_us"));
	WEIR_LAT_PERCENTILES(LAT_COL)
#undef LAT_COL
	printf(" %10.1f\n", weirctl_real(h, "max_us"));
}

void
weirctl_print_latency(const json_t *lat)
{
	static const char *const win[] = {"since_start", "last_10s"};
	const json_t *st, *one;
	char label[64];
	size_t i;

	if (lat == NULL) {
		printf("latency: not recorded\n");
		return;
	}
	printf("latency (rx burst to every sink's queue, us):\n");
	weirctl_print_lat_head("window");
	for (i = 0; i < 2; i++)
		weirctl_print_lat_row(win[i], json_object_get(lat, win[i]));
	/* where the time went (weir_obs_latency's "stages") */
	st = json_object_get(lat, "stages");
	if (st == NULL)
		return;
	printf("where it went, since start (us):\n");
	weirctl_print_lat_head("stage");
	weirctl_print_lat_row("worker (rx to ring)", json_object_get(st, "worker"));
	weirctl_print_lat_row("ring (to emitter)", json_object_get(st, "ring"));
	weirctl_print_lat_row("emitter (to queues)", json_object_get(st, "emitter"));
	json_array_foreach(json_object_get(st, "sinks"), i, one)
	{
		const json_t *dl = json_object_get(one, "delivered");

		snprintf(label, sizeof(label), "sink %s (rx to write)",
			 json_string_value(json_object_get(one, "name")) ?: "?");
		weirctl_print_lat_row(label, one);
		if (weirctl_u64(dl, "count") == 0)
			continue;
		snprintf(label, sizeof(label), "sink %s (delivered)",
			 json_string_value(json_object_get(one, "name")) ?: "?");
		weirctl_print_lat_row(label, dl);
	}
}

void
weirctl_print_pct_line(const json_t *h)
{
	char label[16];

#define LAT_ONE(name, pct)                                                                         \
	printf("%s %.1f  ", weirctl_pct_label(#name, label, sizeof(label)),                        \
	       weirctl_real(h, #name "_us"));
	WEIR_LAT_PERCENTILES(LAT_ONE)
#undef LAT_ONE
	printf("max %.1f", weirctl_real(h, "max_us"));
}
