/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The logtypes of every weir module, registered in one place below the
 * layers that log (app/, drivers/), so that `--log-level=weir.*:debug`
 * sees all of them however the binary or a test is linked. Each is a
 * constructor that runs before main() and before rte_eal_init() parses
 * --log-level.
 *
 * And the stream rte_log writes to (log.h): a fopencookie() stream whose
 * write callback runs under the FILE's lock, inside rte_vlog's
 * vfprintf/fflush, on the logging thread, so rte_log_cur_msg_loglevel()
 * is the level of the message being written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

RTE_LOG_REGISTER(weir_logtype_app, weir.app, NOTICE);
RTE_LOG_REGISTER(weir_logtype_capture, weir.capture, NOTICE);
RTE_LOG_REGISTER(weir_logtype_sink, weir.sink, NOTICE);
RTE_LOG_REGISTER(weir_logtype_ctl, weir.ctl, NOTICE);
RTE_LOG_REGISTER(weir_logtype_rules, weir.rules, NOTICE);

/* A line longer than this is cut into several, each with its prefix. */
#define LOG_LINE_MAX 1024

struct log_sink {
	enum weir_log_mode mode;
	int fd;
	bool bol;		     /* the next byte starts a line */
	size_t n;		     /* syslog: bytes of the line so far */
	char line[LOG_LINE_MAX + 1]; /* syslog: the line being built */
};

static FILE *g_log_stream;

static const struct {
	const char *name;
	int facility;
} g_log_facilities[] = {
	{"daemon", LOG_DAEMON}, {"user", LOG_USER},	{"local0", LOG_LOCAL0},
	{"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
	{"local7", LOG_LOCAL7},
};

/* rte_log's level of the message being written, as a syslog priority. */
static int
log_priority(void)
{
	int lvl = rte_log_cur_msg_loglevel();

	if (lvl < (int)RTE_LOG_EMERG || lvl > (int)RTE_LOG_DEBUG)
		return LOG_INFO; /* not from rte_log (a direct fprintf) */
	return lvl - 1;
}

static void
log_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to report it */
		p += w;
		n -= (size_t)w;
	}
}

static size_t
log_prefix(const struct log_sink *s, char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	if (s->mode == WEIR_LOG_JOURNAL)
		return (size_t)snprintf(buf, len, "<%d>", log_priority());
	if (s->mode != WEIR_LOG_TERMINAL)
		return 0;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return n + (size_t)snprintf(buf + n, len - n, ".%03ld ", (long)(tv.tv_usec / 1000));
}

static void
log_syslog_flush(struct log_sink *s)
{
	if (s->n == 0)
		return;
	s->line[s->n] = '\0';
	syslog(log_priority(), "%s", s->line);
	s->n = 0;
}

static ssize_t
log_cookie_write(void *cookie, const char *buf, size_t size)
{
	struct log_sink *s = cookie;
	size_t i = 0;

	while (i < size) {
		const char *nl = memchr(buf + i, '\n', size - i);
		size_t end = nl != NULL ? (size_t)(nl - buf) + 1 : size;

		if (s->mode == WEIR_LOG_SYSLOG) {
			size_t take = end - i - (nl != NULL ? 1 : 0);

			while (take > 0) {
				size_t room = LOG_LINE_MAX - s->n;
				size_t c = take < room ? take : room;

				memcpy(s->line + s->n, buf + i, c);
				s->n += c;
				i += c;
				take -= c;
				if (s->n == LOG_LINE_MAX)
					log_syslog_flush(s);
			}
			if (nl != NULL) {
				log_syslog_flush(s);
				i++;
			}
			continue;
		}
		if (s->bol) {
			char pre[64];
			size_t n = log_prefix(s, pre, sizeof(pre));

			log_write_all(s->fd, pre, n < sizeof(pre) ? n : sizeof(pre) - 1);
		}
		log_write_all(s->fd, buf + i, end - i);
		s->bol = nl != NULL;
		i = end;
	}
	/* rte_vlog flushes after each message: one without a final newline
	 * is a whole line too, and the next message starts its own. */
	if (s->mode == WEIR_LOG_SYSLOG) {
		log_syslog_flush(s);
	} else if (!s->bol) {
		log_write_all(s->fd, "\n", 1);
		s->bol = true;
	}
	return (ssize_t)size;
}

static int
log_cookie_close(void *cookie)
{
	struct log_sink *s = cookie;

	if (s->mode == WEIR_LOG_SYSLOG)
		closelog();
	free(s);
	return 0;
}

enum weir_log_mode
weir_log_mode(const char *output, int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (output != NULL && strcmp(output, "syslog") == 0)
		return WEIR_LOG_SYSLOG;
	if (output != NULL && strcmp(output, "stderr") == 0)
		return WEIR_LOG_PLAIN;
	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(fd, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		return WEIR_LOG_JOURNAL;
	if (isatty(fd))
		return WEIR_LOG_TERMINAL;
	return WEIR_LOG_PLAIN;
}

int
weir_log_start(enum weir_log_mode mode, int fd, const char *facility)
{
	static const cookie_io_functions_t io = {
		.write = log_cookie_write,
		.close = log_cookie_close,
	};
	struct log_sink *s = calloc(1, sizeof(*s));
	int fac = LOG_DAEMON;
	unsigned int i;
	FILE *f;

	if (s == NULL)
		return -ENOMEM;
	s->mode = mode;
	s->fd = fd;
	s->bol = true;
	f = fopencookie(s, "w", io);
	if (f == NULL) {
		int err = errno;

		free(s);
		return -err;
	}
	/* Whole messages: rte_vlog flushes after each one. */
	setvbuf(f, NULL, _IOFBF, 4096);
	rte_openlog_stream(f);
	/* before openlog: a syslog stream's close calls closelog() */
	if (g_log_stream != NULL)
		fclose(g_log_stream);
	g_log_stream = f;
	if (mode == WEIR_LOG_SYSLOG) {
		for (i = 0;
		     facility != NULL && i < sizeof(g_log_facilities) / sizeof(g_log_facilities[0]);
		     i++)
			if (strcasecmp(facility, g_log_facilities[i].name) == 0)
				fac = g_log_facilities[i].facility;
		openlog("weir", LOG_PID, fac);
	}
	return 0;
}

void
weir_log_stop(void)
{
	if (g_log_stream == NULL)
		return;
	rte_openlog_stream(stderr);
	fclose(g_log_stream);
	g_log_stream = NULL;
}

static uint64_t
log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1; /* never 0 */
}

static void
log_note_flush_at(struct weir_lognote *n, uint32_t every_ms, const char *who, const char *what,
		  uint64_t now, bool force)
{
	if (n->pending == 0 || (!force && now - n->last_ms < every_ms))
		return;
	WEIR_LOG(WARNING, sink, "%s: %s: %" PRIu64 " time%s in the last %" PRIu64 " s (last: %s)",
		 who, what, n->pending, n->pending == 1 ? "" : "s", (now - n->last_ms + 999) / 1000,
		 n->last);
	n->pending = 0;
	n->last_ms = now;
}

void
weir_lognote_flush(struct weir_lognote *n, uint32_t every_ms, const char *who, const char *what,
		   bool force)
{
	log_note_flush_at(n, every_ms, who, what, log_now_ms(), force);
}

void
weir_lognote(struct weir_lognote *n, uint32_t every_ms, const char *who, const char *what,
	     const char *cause)
{
	uint64_t now = log_now_ms();

	snprintf(n->last, sizeof(n->last), "%s", cause);
	if (n->last_ms == 0) {
		WEIR_LOG(WARNING, sink, "%s: %s: %s (more are logged at most every %u s)", who,
			 what, cause, every_ms / 1000);
		n->last_ms = now;
		return;
	}
	n->pending++;
	log_note_flush_at(n, every_ms, who, what, now, false);
}
