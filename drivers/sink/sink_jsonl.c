/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The jsonl sink: the emitter's last stop for an event on the way to an
 * eve.json-style file or stdout, one JSON object per line. Lines collect in
 * a buffer and reach the kernel in one write(2) when it fills or at flush,
 * so a burst of events costs one syscall. The emitter must never stall
 * behind a slow reader: pipes and sockets are written non-blocking, what the
 * reader has not taken stays buffered, and what no longer fits is dropped
 * and counted; unless the sink applies backpressure (conf->block, offline
 * replay by default), when it waits for the reader instead. reopen() supports logrotate (SIGUSR1).
 * With fsync on (outputs.jsonl.fsync), a flush that wrote also fsync(2)s, so what the summary
 * counts as written has reached the disk, not only the page cache; a flush happens each time the
 * sink's queue runs dry, so under load it costs one fsync per drained backlog, not one per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"

#define JSONL_BUF_DEFAULT (64 * 1024) /* bytes */
#define JSONL_MODE	  0640	      /* alerts are not for every local user */
/* How long close() waits for a slow pipe reader to take the tail. */
#define JSONL_CLOSE_WAIT_MS 1000
/* Backpressure: longest single wait for a pipe reader between checks of
 * the cancel flag. */
#define JSONL_WAIT_MS 100

struct jsonl {
	int fd;
	bool is_stdout;
	bool restore_fl; /* stdout: put stdout_fl back at close */
	int stdout_fl;
	bool mid_line; /* the output ends inside a line (a write was cut) */
	bool lead_nl;  /* buf[0] is a '\n' closing that line, not an event */
	bool fsync;    /* fsync(2) after a flush that wrote */
	bool unsynced; /* bytes written since the last fsync */
	char *path;    /* own copy, for reopen */
	size_t tail;   /* bytes of the unfinished line (mid_line) already out */
	size_t used;   /* bytes in buf */
	size_t cap;
	uint64_t n_buffered; /* events whose line is (partly) in buf */
	char buf[];
};

static int
jsonl_open_path(const char *path)
{
	/*
	 * O_NONBLOCK: a FIFO without a reader fails with ENXIO instead of
	 * hanging start-up, and later writes to one return EAGAIN instead of
	 * stalling the emitter. Regular files ignore it.
	 */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, JSONL_MODE);

	return fd < 0 ? -errno : fd;
}

/* write(2) until done, retrying EINTR. @return 0, -EAGAIN or -errno; the
 * bytes that went out are in *done either way. */
static int
jsonl_write_all(int fd, const char *data, size_t len, size_t *done)
{
	size_t off = 0;
	ssize_t r;
	int rc = 0;

	while (off < len) {
		r = write(fd, data + off, len - off);
		if (r > 0) {
			off += (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			rc = r < 0 ? -errno : -EIO;
			if (rc == -EWOULDBLOCK)
				rc = -EAGAIN;
			break;
		}
	}
	*done = off;
	return rc;
}

static uint64_t
count_nl(const char *p, size_t n)
{
	const char *end = p + n;
	uint64_t c = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

/*
 * A line cut by a failed write (ENOSPC, EIO, EFBIG): take its written part
 * back out of a regular file, so the file ends on a whole line and the
 * next line starts clean when space returns. ftruncate(2) frees space, so
 * it works on a full filesystem too. Not for pipes and sockets, which
 * cannot take bytes back (nor a file another process appends to: its
 * lines after ours would go too; weir's output file is its own).
 * @return true when the output ends on a whole line now.
 */
static bool
jsonl_rollback(struct weir_sink *s, struct jsonl *j)
{
	struct stat sb;

	if (!j->mid_line)
		return true;
	if (fstat(j->fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < j->tail ||
	    ftruncate(j->fd, sb.st_size - (off_t)j->tail) < 0)
		return false;
	s->st.bytes -= j->tail;
	j->tail = 0;
	j->mid_line = false;
	return true;
}

/*
 * Push the buffer to the fd. Accounting follows line ends: an event counts
 * as written once its '\n' is out. On EAGAIN the rest stays buffered for the
 * next attempt; on any other error the buffered events are dropped, and a
 * line cut by it is rolled back (jsonl_rollback), or where that cannot be
 * done (a pipe) a '\n' is queued first so the next event starts a line of
 * its own instead of gluing onto the fragment.
 */
static int
jsonl_drain(struct weir_sink *s, struct jsonl *j)
{
	size_t off;
	uint64_t lines;
	int rc;

	if (j->used == 0)
		return 0;
	rc = jsonl_write_all(j->fd, j->buf, j->used, &off);
	if (off > 0) {
		const char *nl = memrchr(j->buf, '\n', off);

		/* what of the last line is out, if it is not out whole */
		j->tail = nl != NULL ? off - (size_t)(nl - j->buf) - 1 : j->tail + off;
		lines = count_nl(j->buf, off);
		if (j->lead_nl) {
			lines--;
			j->lead_nl = false;
		}
		s->st.bytes += off;
		s->st.written += lines;
		j->unsynced = true;
		j->n_buffered -= lines;
		j->mid_line = j->buf[off - 1] != '\n';
	}
	if (rc == 0) {
		j->used = 0;
		return 0;
	}
	if (rc == -EAGAIN) {
		memmove(j->buf, j->buf + off, j->used - off);
		j->used -= off;
		return rc;
	}
	s->st.drop_errors += j->n_buffered;
	weir_sink_set_errno(s, -rc);
	j->n_buffered = 0;
	j->used = 0;
	j->lead_nl = false;
	if (!jsonl_rollback(s, j)) {
		j->buf[0] = '\n';
		j->used = 1;
		j->lead_nl = true;
	}
	return rc;
}

/*
 * Drain, and with backpressure (s->block) wait for a slow pipe reader
 * until at least @p room bytes of the buffer are free (cap: all of it) or
 * the wait is cancelled. @return as jsonl_drain().
 */
static int
jsonl_drain_wait(struct weir_sink *s, struct jsonl *j, size_t room)
{
	struct pollfd pfd = {.fd = j->fd, .events = POLLOUT};
	int rc = jsonl_drain(s, j);

	while (rc == -EAGAIN && s->block && room > j->cap - j->used && !weir_sink_cancelled(s)) {
		/* Bounded, so a cancel is seen within JSONL_WAIT_MS. */
		(void)poll(&pfd, 1, JSONL_WAIT_MS);
		rc = jsonl_drain(s, j);
	}
	return rc;
}

static int
jsonl_open(struct weir_sink *s, const struct weir_sink_conf *conf)
{
	size_t cap = conf->buffer_size;
	struct stat sb;
	struct jsonl *j;
	int rc, fl;

	/* A line longer than the buffer could never be written whole. */
	if (cap == 0)
		cap = conf->text_max > JSONL_BUF_DEFAULT / 2 ? 2 * conf->text_max
							     : JSONL_BUF_DEFAULT;
	if (conf->path == NULL || conf->path[0] == '\0' || cap < 2)
		return -EINVAL;
	j = calloc(1, sizeof(*j) + cap);
	if (j == NULL)
		return -ENOMEM;
	j->cap = cap;
	j->fd = -1;
	j->fsync = conf->fsync;

	if (strcmp(conf->path, "-") == 0) {
		j->is_stdout = true;
		j->fd = STDOUT_FILENO;
		/*
		 * stdout is shared with whoever started us, so O_NONBLOCK is
		 * set only where a stalled reader could block us (a pipe or a
		 * socket, as in `weir | jq`) and undone at close. A terminal
		 * or a file is left alone.
		 */
		if (fstat(j->fd, &sb) < 0) {
			rc = -errno;
			goto err_free;
		}
		if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) {
			fl = fcntl(j->fd, F_GETFL);
			if (fl < 0 || fcntl(j->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
				rc = -errno;
				goto err_free;
			}
			j->stdout_fl = fl;
			j->restore_fl = true;
		}
	} else {
		j->path = strdup(conf->path);
		if (j->path == NULL) {
			rc = -ENOMEM;
			goto err_free;
		}
		rc = jsonl_open_path(j->path);
		if (rc < 0)
			goto err_free_path;
		j->fd = rc;
	}
	s->priv = j;
	return 0;

err_free_path:
	free(j->path);
err_free:
	free(j);
	return rc;
}

static int
jsonl_write(struct weir_sink *s, const struct weir_event *ev, const struct weir_text *json,
	    const struct weir_frame *frame, unsigned int n)
{
	struct jsonl *j = s->priv;
	unsigned int i, accepted = 0;
	bool nl, stalled = false;
	size_t len, need;

	(void)ev; /* the text is all a line needs */
	(void)frame;
	for (i = 0; i < n; i++) {
		len = json[i].len;
		/* One event, one line: add the '\n' if the text lacks it. */
		nl = len == 0 || json[i].data[len - 1] != '\n';
		need = len + nl;
		/* One write(2) attempt per batch against a stalled reader,
		 * not one per event; with backpressure, a wait each time. */
		if (need > j->cap - j->used && (!stalled || s->block))
			stalled = jsonl_drain_wait(s, j, need) == -EAGAIN;
		if (need > j->cap - j->used) {
			/* Still no room: the reader is behind (EAGAIN:
			 * backpressure) or the line is larger than the
			 * whole buffer (an error). */
			if (stalled)
				s->st.drop_backpressure++;
			else {
				s->st.drop_errors++;
				weir_sink_set_errno(s, EMSGSIZE);
			}
			continue;
		}
		memcpy(j->buf + j->used, json[i].data, len);
		j->used += len;
		if (nl)
			j->buf[j->used++] = '\n';
		j->n_buffered++;
		accepted++;
	}
	return (int)accepted;
}

static int
jsonl_flush(struct weir_sink *s)
{
	struct jsonl *j = s->priv;
	int rc = jsonl_drain_wait(s, j, j->cap);

	/* EINVAL: a pipe or a terminal, which have nothing to sync. */
	if (j->fsync && j->unsynced) {
		j->unsynced = false;
		if (fsync(j->fd) < 0 && errno != EINVAL && rc == 0)
			rc = -errno;
	}
	return rc;
}

static int
jsonl_reopen(struct weir_sink *s)
{
	struct jsonl *j = s->priv;
	size_t cut = 0;
	char *nl;
	int fd;

	/* Whatever the old file can still take goes there first. */
	jsonl_drain(s, j);
	if (j->is_stdout)
		return 0;
	/*
	 * Open the new file before closing the old one: if the new one
	 * cannot be opened we keep writing to the renamed file rather than
	 * lose events.
	 */
	fd = jsonl_open_path(j->path);
	if (fd < 0)
		return fd;
	close(j->fd);
	j->fd = fd;
	/*
	 * A line cut in the old file is not continued in the new one: the
	 * '\n' queued to close it is dropped, and so is the cut line's tail
	 * that EAGAIN left buffered (FIFOs only; files do not return EAGAIN).
	 */
	if (j->lead_nl) {
		cut = 1;
		j->lead_nl = false;
	} else if (j->mid_line && (nl = memchr(j->buf, '\n', j->used)) != NULL) {
		cut = (size_t)(nl - j->buf) + 1;
		j->n_buffered--;
		s->st.drop_errors++;
	}
	memmove(j->buf, j->buf + cut, j->used - cut);
	j->used -= cut;
	j->mid_line = false;
	j->tail = 0;
	return 0;
}

static void
jsonl_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	*st = s->st;
}

static void
jsonl_close(struct weir_sink *s)
{
	struct jsonl *j = s->priv;
	struct pollfd pfd = {.fd = j->fd, .events = POLLOUT};
	struct timespec t0, t;
	long waited_ms;

	/* Give a slow pipe reader a bounded time to take the tail (with
	 * backpressure: until it took it, or the wait was cancelled). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (jsonl_drain_wait(s, j, j->cap) == -EAGAIN) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited_ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (waited_ms >= JSONL_CLOSE_WAIT_MS ||
		    poll(&pfd, 1, (int)(JSONL_CLOSE_WAIT_MS - waited_ms)) <= 0)
			break;
	}
	/* What is still buffered is there because the reader did not take
	 * it (EAGAIN until the bounded wait ended or was cancelled): any
	 * other error was counted, and the buffer emptied, by jsonl_drain.
	 * So it is the output being behind, not a write error. */
	s->st.drop_backpressure += j->n_buffered;
	/* The reader gave up mid-line (close timed out) on a file: whole lines only. */
	(void)jsonl_rollback(s, j);
	if (j->fsync && j->unsynced)
		fsync(j->fd);
	if (j->restore_fl)
		fcntl(j->fd, F_SETFL, j->stdout_fl);
	if (!j->is_stdout)
		close(j->fd);
	free(j->path);
	free(j);
	s->priv = NULL;
}

const struct weir_sink_ops jsonl_sink_ops = {
	.name = "jsonl",
	.flags = WEIR_SINK_F_TEXT,
	.open = jsonl_open,
	.close = jsonl_close,
	.reopen = jsonl_reopen,
	.write = jsonl_write,
	.flush = jsonl_flush,
	.stats = jsonl_stats,
};
