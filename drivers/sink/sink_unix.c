/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The unix sink: a listening Unix stream socket; every subscriber that
 * connects gets every event from then on, one JSON line each, until it
 * hangs up. A local agent reads alerts without a file or a broker between.
 *
 * Nobody stalls anybody: sockets are non-blocking, each subscriber has its
 * own bounded backlog (buffer_size bytes), and one that lets its backlog
 * fill is disconnected and counted (drop_subscribers), so a subscriber
 * that stopped reading costs the others nothing and the emitter nothing.
 * Everything runs on the sink's thread: write() appends to the backlogs and
 * sends what each socket takes, idle() sleeps in poll() on the listening
 * socket, the subscribers and the queue's wake fd, and accepts.
 *
 * written counts the events broadcast (to however many subscribers were
 * connected, none included); bytes counts what the subscribers took.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"

#define UNIX_BUF_DEFAULT   (64 * 1024) /* bytes of backlog per subscriber */
#define UNIX_MAX_SUBS	   1024	       /* bounds the poll set; more are refused */
#define UNIX_BACKLOG	   64	       /* listen(2) */
#define UNIX_CLOSE_WAIT_MS 1000	       /* close(): time given to take the tail */

struct usub {
	int fd;
	size_t off;	   /* first unsent byte in buf */
	size_t len;	   /* unsent bytes */
	bool cut;	   /* what was sent ends inside a line */
	uint64_t close_ns; /* closing: gets nothing new, and is closed once its cut
			      line is out or at this time (monotonic); 0 = no */
	char *buf;
};

struct unix_sink {
	int lfd;
	char *path;
	size_t cap; /* per subscriber */
	struct usub *subs;
	unsigned int n_subs;
	struct pollfd pfd[UNIX_MAX_SUBS + 2];
};

static void
usub_close(struct weir_sink *s, struct unix_sink *u, unsigned int i)
{
	close(u->subs[i].fd);
	free(u->subs[i].buf);
	u->subs[i] = u->subs[--u->n_subs];
	s->st.subscribers = u->n_subs;
}

static int usub_send(struct weir_sink *s, struct usub *c);

static uint64_t
unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Send what the socket takes. @return 0, or -1 when the peer is gone (or
 * a closing subscriber is done: its cut line is out, or its time is up). */
static int
usub_drain(struct weir_sink *s, struct usub *c)
{
	int rc = usub_send(s, c);

	if (rc == 0 && c->close_ns != 0 && (c->len == 0 || unix_now_ns() >= c->close_ns))
		rc = -1;
	return rc;
}

/*
 * A subscriber too slow to keep: disconnected (drop_subscribers), but never
 * inside a line. When what it was sent ends mid-line, it keeps only the
 * rest of that line and is closed once that is out (or after
 * UNIX_CLOSE_WAIT_MS), so a subscriber reads whole records only.
 * @return true to close it now.
 */
static bool
usub_give_up(struct weir_sink *s, struct usub *c)
{
	const char *nl;

	if (c->close_ns != 0)
		return false; /* already counted and closing */
	s->st.drop_subscribers++;
	if (!c->cut)
		return true;
	nl = memchr(c->buf + c->off, '\n', c->len);
	if (nl == NULL) /* cannot happen: lines go in whole */
		return true;
	c->len = (size_t)(nl - (c->buf + c->off)) + 1;
	c->close_ns = unix_now_ns() + (uint64_t)UNIX_CLOSE_WAIT_MS * 1000000u;
	return false;
}

static int
usub_send(struct weir_sink *s, struct usub *c)
{
	ssize_t r;

	while (c->len > 0) {
		r = send(c->fd, c->buf + c->off, c->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			c->cut = c->buf[c->off + (size_t)r - 1] != '\n';
			c->off += (size_t)r;
			c->len -= (size_t)r;
			s->st.bytes += (uint64_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return 0;
		} else {
			return -1;
		}
	}
	c->off = 0;
	return 0;
}

static void
unix_accept(struct weir_sink *s, struct unix_sink *u)
{
	struct usub *c;
	int fd;

	for (;;) {
		fd = accept4(u->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN: none left; others: try again next time */
		if (u->n_subs == UNIX_MAX_SUBS) {
			close(fd);
			s->st.drop_subscribers++;
			continue;
		}
		c = &u->subs[u->n_subs];
		c->buf = malloc(u->cap);
		if (c->buf == NULL) {
			close(fd);
			s->st.drop_subscribers++;
			continue;
		}
		c->fd = fd;
		c->off = 0;
		c->len = 0;
		c->cut = false;
		c->close_ns = 0;
		u->n_subs++;
		s->st.accepted++;
		s->st.subscribers = u->n_subs;
	}
}

/* Refuse to take over a socket another live process is serving. */
static int
unix_path_free(const char *path, const struct sockaddr_un *sa)
{
	struct stat sb;
	int fd, rc;

	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	/* Stale, left by a process that died: ours to replace. */
	return unlink(path) < 0 ? -errno : 0;
}

static int
unix_open(struct weir_sink *s, const struct weir_sink_conf *conf)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct unix_sink *u;
	int rc;

	if (conf->path == NULL || conf->path[0] == '\0' ||
	    strlen(conf->path) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, conf->path);
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->cap = conf->buffer_size != 0 ? conf->buffer_size : UNIX_BUF_DEFAULT;
	u->subs = calloc(UNIX_MAX_SUBS, sizeof(*u->subs));
	u->path = strdup(conf->path);
	if (u->subs == NULL || u->path == NULL) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = unix_path_free(conf->path, &sa);
	if (rc < 0)
		goto err_free;
	u->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->lfd < 0) {
		rc = -errno;
		goto err_free;
	}
	if (bind(u->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(conf->path, conf->mode != 0 ? conf->mode : 0660) < 0 ||
	    listen(u->lfd, UNIX_BACKLOG) < 0) {
		rc = -errno;
		close(u->lfd);
		unlink(conf->path);
		goto err_free;
	}
	s->priv = u;
	return 0;

err_free:
	free(u->path);
	free(u->subs);
	free(u);
	return rc;
}

static int
unix_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
	   const struct weir_frame *frame, unsigned int n)
{
	struct unix_sink *u = s->priv;
	unsigned int i, e;

	(void)ev;
	(void)frame;
	/* A subscriber gets what is written after it connected. */
	unix_accept(s, u);
	for (i = 0; i < u->n_subs;) {
		struct usub *c = &u->subs[i];
		bool gone = false;

		/* A closing subscriber gets nothing new: see usub_give_up(). */
		for (e = 0; e < n && !gone && c->close_ns == 0; e++) {
			size_t len = json[e].len;
			bool nl = len == 0 || json[e].data[len - 1] != '\n';

			if (c->off + c->len + len + nl > u->cap) {
				/* Make room: send, then slide the rest down. */
				gone = usub_drain(s, c) < 0;
				if (!gone && c->off != 0) {
					memmove(c->buf, c->buf + c->off, c->len);
					c->off = 0;
				}
				if (!gone && c->len + len + nl > u->cap) {
					/* Still no room: it stopped reading. */
					gone = usub_give_up(s, c);
					break;
				}
				if (gone)
					break;
			}
			memcpy(c->buf + c->off + c->len, json[e].data, len);
			c->len += len;
			if (nl)
				c->buf[c->off + c->len++] = '\n';
		}
		if (!gone)
			gone = usub_drain(s, c) < 0;
		if (gone)
			usub_close(s, u, i); /* the last one moved to i */
		else
			i++;
	}
	s->st.written += n;
	return (int)n;
}

static int
unix_flush(struct weir_sink *s)
{
	struct unix_sink *u = s->priv;
	unsigned int i;

	unix_accept(s, u);
	for (i = 0; i < u->n_subs;) {
		if (usub_drain(s, &u->subs[i]) < 0)
			usub_close(s, u, i);
		else
			i++;
	}
	return 0;
}

static void
unix_idle(struct weir_sink *s, int wake_fd, int timeout_ms)
{
	struct unix_sink *u = s->priv;
	unsigned int i, n = u->n_subs;
	char junk[512];
	ssize_t r;

	u->pfd[0] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
	u->pfd[1] = (struct pollfd){.fd = u->lfd, .events = POLLIN};
	for (i = 0; i < n; i++)
		u->pfd[2 + i] = (struct pollfd){
			.fd = u->subs[i].fd,
			.events = POLLIN | (u->subs[i].len ? POLLOUT : 0),
		};
	/* On a timeout too: a closing subscriber's time may be up. */
	if (poll(u->pfd, n + 2, timeout_ms) < 0)
		return;
	/* Backwards: usub_close() moves the last subscriber into the hole. */
	for (i = n; i-- > 0;) {
		short re = u->pfd[2 + i].revents;
		bool gone = false;

		if (re & POLLIN) {
			/* Subscribers have nothing to say; EOF means gone. */
			r = recv(u->subs[i].fd, junk, sizeof(junk), MSG_DONTWAIT);
			gone = r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR);
		}
		if (!gone && (re & (POLLERR | POLLHUP)))
			gone = true;
		/* closing, and it did not take its cut line in time */
		if (!gone && u->subs[i].close_ns != 0 && unix_now_ns() >= u->subs[i].close_ns)
			gone = true;
		if (!gone && (re & POLLOUT))
			gone = usub_drain(s, &u->subs[i]) < 0;
		if (gone)
			usub_close(s, u, i);
	}
	if (u->pfd[1].revents & POLLIN)
		unix_accept(s, u);
}

static void
unix_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	*st = s->st;
}

static void
unix_close(struct weir_sink *s)
{
	struct unix_sink *u = s->priv;
	struct timespec t0, t;
	unsigned int i;
	bool pending;
	long ms;

	/* Give the subscribers a bounded time to take their tails. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unix_flush(s);
		pending = false;
		for (i = 0; i < u->n_subs; i++)
			pending |= u->subs[i].len != 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (!pending || ms >= UNIX_CLOSE_WAIT_MS)
			break;
		for (i = 0; i < u->n_subs; i++)
			u->pfd[i] = (struct pollfd){.fd = u->subs[i].fd, .events = POLLOUT};
		poll(u->pfd, u->n_subs, (int)(UNIX_CLOSE_WAIT_MS - ms));
	}
	while (u->n_subs > 0)
		usub_close(s, u, u->n_subs - 1);
	close(u->lfd);
	unlink(u->path);
	free(u->path);
	free(u->subs);
	free(u);
	s->priv = NULL;
}

const struct weir_sink_ops unix_sink_ops = {
	.name = "unix",
	.flags = WEIR_SINK_F_TEXT,
	.open = unix_open,
	.close = unix_close,
	.write = unix_write,
	.flush = unix_flush,
	.idle = unix_idle,
	.stats = unix_stats,
};
