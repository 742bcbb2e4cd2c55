/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the jsonl sink (drivers/sink/sink_jsonl.c) and the sink
 * registry, against real files in a fresh mkdtemp() directory: exact file
 * contents, append, rotation by rename + reopen, open and write errors,
 * a FIFO whose reader is slower than us, and exact stats throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sink.h"
#include "weir_cunit.h"

extern const struct weir_sink_ops jsonl_sink_ops;

static char g_dir[64];

static int
suite_init(void)
{
	strcpy(g_dir, "/tmp/weir-sink-XXXXXX");
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_fini(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", g_dir, name);
}

/* Whole file as a NUL-terminated string; "" when missing. */
static char *
slurp(const char *path)
{
	static char buf[1 << 20];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
open_sink(struct weir_sink *s, const char *path, size_t buffer_size)
{
	struct weir_sink_conf conf = {.path = path, .buffer_size = buffer_size};

	memset(s, 0, sizeof(*s));
	return weir_sink_open(s, weir_sink_find("jsonl"), &conf);
}

/* Write texts as one batch; returns what the sink accepted. */
static int
write_lines(struct weir_sink *s, const char *const *lines, unsigned int n)
{
	struct weir_text t[16];
	struct weir_event ev[16];
	unsigned int i;

	CU_ASSERT_FATAL(n <= 16);
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		t[i].data = lines[i];
		t[i].len = strlen(lines[i]);
	}
	return weir_sink_write(s, ev, t, NULL, n);
}

static void
check_stats(const struct weir_sink *s, uint64_t written, uint64_t bytes, uint64_t drop_errors)
{
	struct weir_sink_stats st;

	weir_sink_stats(s, &st);
	CU_ASSERT(st.written == written);
	CU_ASSERT(st.bytes == bytes);
	CU_ASSERT(st.drop_errors == drop_errors);
	CU_ASSERT(st.drop_backpressure == 0);
	if (st.written != written || st.bytes != bytes || st.drop_errors != drop_errors)
		fprintf(stderr, "stats %llu/%llu/%llu, want %llu/%llu/%llu\n",
			(unsigned long long)st.written, (unsigned long long)st.bytes,
			(unsigned long long)st.drop_errors, (unsigned long long)written,
			(unsigned long long)bytes, (unsigned long long)drop_errors);
}

static void
test_registry_find(void)
{
	const struct weir_sink_ops *ops = weir_sink_find("jsonl");

	CU_ASSERT(ops == &jsonl_sink_ops);
	CU_ASSERT_STRING_EQUAL(ops->name, "jsonl");
	errno = 0;
	CU_ASSERT(weir_sink_find("kafka-not-built") == NULL);
	CU_ASSERT(errno == ENOENT);
	CU_ASSERT(weir_sink_find(NULL) == NULL);
}

static void
test_write_flush_exact_lines(void)
{
	static const char *const lines[] = {"{\"a\":1}\n", "{\"b\":\"x y\"}\n", "{}\n"};
	struct weir_sink s;
	char path[128];
	struct stat sb;

	tmp_path(path, sizeof(path), "exact.json");
	umask(022);
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	CU_ASSERT_STRING_EQUAL(s.name, "jsonl");
	CU_ASSERT(write_lines(&s, lines, 3) == 3);
	/* Buffered: nothing reached the file before the flush. */
	CU_ASSERT_STRING_EQUAL(slurp(path), "");
	check_stats(&s, 0, 0, 0);
	CU_ASSERT(weir_sink_flush(&s) == 0);
	CU_ASSERT_STRING_EQUAL(slurp(path), "{\"a\":1}\n{\"b\":\"x y\"}\n{}\n");
	check_stats(&s, 3, 23, 0);
	CU_ASSERT(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	CU_ASSERT(weir_sink_flush(&s) == 0); /* empty flush is harmless */
	weir_sink_close(&s);
	CU_ASSERT(s.ops == NULL);
	check_stats(&(struct weir_sink){.ops = &jsonl_sink_ops, .st = s.st}, 3, 23, 0);
	weir_sink_close(&s); /* twice is harmless */
}

static void
test_missing_newline_added(void)
{
	static const char *const lines[] = {"{\"a\":1}", "", "{\"c\":3}\n"};
	struct weir_sink s;
	char path[128];

	tmp_path(path, sizeof(path), "nl.json");
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	CU_ASSERT(write_lines(&s, lines, 3) == 3);
	weir_sink_close(&s); /* close flushes */
	CU_ASSERT_STRING_EQUAL(slurp(path), "{\"a\":1}\n\n{\"c\":3}\n");
	CU_ASSERT(s.st.written == 3 && s.st.bytes == 17 && s.st.drop_errors == 0);
}

static void
test_append_preserves_content(void)
{
	static const char *const one[] = {"{\"n\":1}\n"};
	static const char *const two[] = {"{\"n\":2}\n"};
	struct weir_sink s;
	char path[128];
	FILE *f;

	tmp_path(path, sizeof(path), "append.json");
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("{\"old\":true}\n", f);
	fclose(f);

	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	CU_ASSERT(write_lines(&s, one, 1) == 1);
	weir_sink_close(&s);
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	CU_ASSERT(write_lines(&s, two, 1) == 1);
	weir_sink_close(&s);
	CU_ASSERT_STRING_EQUAL(slurp(path), "{\"old\":true}\n{\"n\":1}\n{\"n\":2}\n");
}

/* logrotate: rename the file, signal, and new lines land in a new file. */
static void
test_reopen_after_rename(void)
{
	static const char *const a[] = {"{\"a\":1}\n"};
	static const char *const b[] = {"{\"b\":2}\n"};
	static const char *const c[] = {"{\"c\":3}\n"};
	char path[128], rotated[128];
	struct weir_sink s;

	tmp_path(path, sizeof(path), "rot.json");
	tmp_path(rotated, sizeof(rotated), "rot.json.1");
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	CU_ASSERT(write_lines(&s, a, 1) == 1);
	CU_ASSERT(weir_sink_flush(&s) == 0);
	CU_ASSERT_FATAL(rename(path, rotated) == 0);
	/* Written after the rename but before the signal: old file. */
	CU_ASSERT(write_lines(&s, b, 1) == 1);
	CU_ASSERT(weir_sink_reopen(&s) == 0);
	CU_ASSERT(write_lines(&s, c, 1) == 1);
	weir_sink_close(&s);
	CU_ASSERT_STRING_EQUAL(slurp(rotated), "{\"a\":1}\n{\"b\":2}\n");
	CU_ASSERT_STRING_EQUAL(slurp(path), "{\"c\":3}\n");
	CU_ASSERT(s.st.written == 3 && s.st.bytes == 24 && s.st.drop_errors == 0);
}

/* If the new file cannot be created, keep writing to the old one. */
static void
test_reopen_failure_keeps_old_file(void)
{
	static const char *const a[] = {"{\"a\":1}\n"};
	char dir[128], path[128], moved[128];
	struct weir_sink s;

	tmp_path(dir, sizeof(dir), "gone");
	tmp_path(path, sizeof(path), "gone/x.json");
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
	tmp_path(moved, sizeof(moved), "gone.json");
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	CU_ASSERT_FATAL(rename(path, moved) == 0);
	CU_ASSERT_FATAL(rmdir(dir) == 0);
	CU_ASSERT(weir_sink_reopen(&s) == -ENOENT);
	CU_ASSERT(write_lines(&s, a, 1) == 1);
	weir_sink_close(&s);
	CU_ASSERT_STRING_EQUAL(slurp(moved), "{\"a\":1}\n");
	CU_ASSERT(s.st.written == 1 && s.st.drop_errors == 0);
}

static void
test_open_unwritable_path_fails(void)
{
	char path[128], dir[128];
	struct weir_sink s;
	int rc;

	tmp_path(path, sizeof(path), "no/such/dir/x.json");
	CU_ASSERT(open_sink(&s, path, 0) == -ENOENT);
	CU_ASSERT(s.ops == NULL && s.priv == NULL);
	weir_sink_close(&s); /* harmless after a failed open */
	CU_ASSERT(weir_sink_reopen(&s) == -EBADF);

	if (geteuid() != 0) {
		tmp_path(dir, sizeof(dir), "ro");
		tmp_path(path, sizeof(path), "ro/x.json");
		CU_ASSERT_FATAL(mkdir(dir, 0500) == 0);
		CU_ASSERT(open_sink(&s, path, 0) == -EACCES);
	} else if (access("/sys/kernel/notes", F_OK) == 0) {
		/* root passes directory permissions; a read-only sysfs
		 * attribute still refuses to be opened for writing. */
		rc = open_sink(&s, "/sys/kernel/notes", 0);
		CU_ASSERT(rc == -EACCES);
		if (rc == 0)
			weir_sink_close(&s);
	}
	CU_ASSERT(open_sink(&s, "", 0) == -EINVAL);
	CU_ASSERT(open_sink(&s, NULL, 0) == -EINVAL);
}

/* /dev/full fails every write with ENOSPC: all events are counted as
 * dropped, none as written, and nothing crashes. */
static void
test_write_error_counted(void)
{
	static const char *const lines[] = {"{\"a\":1}\n", "{\"b\":2}\n"};
	struct weir_sink s;

	CU_ASSERT_FATAL(open_sink(&s, "/dev/full", 0) == 0);
	CU_ASSERT(write_lines(&s, lines, 2) == 2);
	CU_ASSERT(weir_sink_flush(&s) == -ENOSPC);
	check_stats(&s, 0, 0, 2);
	CU_ASSERT(write_lines(&s, lines, 2) == 2);
	CU_ASSERT(weir_sink_flush(&s) == -ENOSPC);
	check_stats(&s, 0, 0, 4);
	CU_ASSERT(weir_sink_reopen(&s) == 0);
	CU_ASSERT(write_lines(&s, lines, 1) == 1);
	weir_sink_close(&s); /* the last one is lost at close */
	CU_ASSERT(s.st.written == 0 && s.st.drop_errors == 5);
}

/* A small buffer forces write(2) from inside write(); a line larger than
 * the whole buffer is dropped and counted, the rest are exact. */
static void
test_small_buffer_and_oversized_line(void)
{
	static const char *const lines[] = {
		"{\"k\":\"0123456789\"}\n", /* 19 bytes */
		"{\"k\":\"abcdefghij\"}\n",
		"{\"k\":\"this line is longer than the 40 byte buffer\"}\n",
		"{\"k\":\"ABCDEFGHIJ\"}\n",
		"{\"k\":\"klmnopqrst\"}\n",
	};
	struct weir_sink s;
	char path[128];

	tmp_path(path, sizeof(path), "small.json");
	CU_ASSERT_FATAL(open_sink(&s, path, 40) == 0);
	CU_ASSERT(write_lines(&s, lines, 5) == 4);
	/* Two lines filled the buffer and went out when the fourth came. */
	check_stats(&s, 2, 38, 1);
	CU_ASSERT(weir_sink_flush(&s) == 0);
	check_stats(&s, 4, 76, 1);
	weir_sink_close(&s);
	CU_ASSERT_STRING_EQUAL(slurp(path), "{\"k\":\"0123456789\"}\n{\"k\":\"abcdefghij\"}\n"
					    "{\"k\":\"ABCDEFGHIJ\"}\n{\"k\":\"klmnopqrst\"}\n");
}

/* Many events through the write path, then exact totals. */
static void
test_stats_exact_many_events(void)
{
	static const char *const line[] = {"{\"event_type\":\"alert\",\"n\":12345}\n"};
	size_t len = strlen(line[0]);
	struct weir_sink s;
	char path[128];
	unsigned int i;
	size_t flen;

	tmp_path(path, sizeof(path), "many.json");
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	for (i = 0; i < 10000; i++)
		CU_ASSERT(write_lines(&s, line, 1) == 1);
	CU_ASSERT(weir_sink_flush(&s) == 0);
	check_stats(&s, 10000, 10000 * len, 0);
	weir_sink_close(&s);
	flen = strlen(slurp(path));
	CU_ASSERT(flen == 10000 * len);
}

/*
 * A FIFO whose reader does not keep up: writes never block, the reader
 * always sees whole lines, and written + dropped + still buffered always
 * equals what was offered.
 */
static void
test_fifo_slow_reader_never_blocks(void)
{
	static char line[101];
	const char *lines[1] = {line};
	static char rd[1 << 16];
	uint64_t offered = 0, got_lines = 0, got_bytes = 0;
	struct weir_sink_stats st;
	struct weir_sink s;
	char path[128];
	unsigned int i;
	bool mid = false;
	ssize_t r;
	int fd, k;

	memset(line, 'x', 99);
	line[0] = '{';
	line[98] = '}';
	line[99] = '\n';
	tmp_path(path, sizeof(path), "fifo");
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	/* No reader yet: open fails at once instead of hanging. */
	CU_ASSERT(open_sink(&s, path, 0) == -ENXIO);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);

	/* Four times what the pipe and the buffer can hold together. */
	for (i = 0; i < 5000; i++) {
		k = write_lines(&s, lines, 1);
		CU_ASSERT(k == 0 || k == 1);
		offered++;
	}
	weir_sink_flush(&s);
	weir_sink_stats(&s, &st);
	/* a stalled reader is backpressure, not an error */
	CU_ASSERT(st.drop_backpressure > 0);
	CU_ASSERT(st.drop_errors == 0);
	CU_ASSERT(st.written > 0);

	/* Drain the reader side while flushing until everything is out. */
	for (k = 0; k < 1000; k++) {
		while ((r = read(fd, rd, sizeof(rd))) > 0) {
			got_bytes += (uint64_t)r;
			for (i = 0; i < (unsigned int)r; i++)
				if (rd[i] == '\n')
					got_lines++;
			mid = rd[r - 1] != '\n';
		}
		if (weir_sink_flush(&s) == 0)
			break;
	}
	while ((r = read(fd, rd, sizeof(rd))) > 0) {
		got_bytes += (uint64_t)r;
		for (i = 0; i < (unsigned int)r; i++)
			if (rd[i] == '\n')
				got_lines++;
		mid = rd[r - 1] != '\n';
	}
	CU_ASSERT(!mid);
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.written == got_lines);
	CU_ASSERT(st.bytes == got_bytes);
	CU_ASSERT(got_bytes == got_lines * 100);
	CU_ASSERT(st.written + st.drop_backpressure == offered);
	weir_sink_close(&s);
	close(fd);
}

/* "-" writes to stdout (here redirected to a file); reopen is a no-op. */
static void
test_stdout_dash(void)
{
	static const char *const lines[] = {"{\"out\":1}\n"};
	struct weir_sink s;
	char path[128];
	int saved, fd;

	tmp_path(path, sizeof(path), "stdout.json");
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
	CU_ASSERT_FATAL(dup2(fd, STDOUT_FILENO) == STDOUT_FILENO);
	close(fd);

	CU_ASSERT(open_sink(&s, "-", 0) == 0);
	CU_ASSERT(write_lines(&s, lines, 1) == 1);
	CU_ASSERT(weir_sink_reopen(&s) == 0);
	CU_ASSERT(write_lines(&s, lines, 1) == 1);
	weir_sink_close(&s);
	/* stdout itself stays open after close. */
	CU_ASSERT(fcntl(STDOUT_FILENO, F_GETFD) >= 0);

	CU_ASSERT_FATAL(dup2(saved, STDOUT_FILENO) == STDOUT_FILENO);
	close(saved);
	CU_ASSERT_STRING_EQUAL(slurp(path), "{\"out\":1}\n{\"out\":1}\n");
	CU_ASSERT(s.st.written == 2);
}

/* 50 lines of 100 bytes: more than a 4 KiB pipe holds, so the first
 * flush cuts line 41 after 96 of its bytes and keeps the rest. */
#define CUT_LINES 50

static void
write_cut_lines(struct weir_sink *s)
{
	static char line[101];
	const char *lines[1] = {line};
	unsigned int i;

	memset(line, 'y', 99);
	line[0] = '{';
	line[98] = '}';
	line[99] = '\n';
	for (i = 0; i < CUT_LINES; i++)
		CU_ASSERT(write_lines(s, lines, 1) == 1);
}

static int
open_small_fifo_reader(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(fcntl(fd, F_SETPIPE_SZ, 4096) >= 4096);
	return fd;
}

static size_t
read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len && (r = read(fd, buf + n, len - n)) > 0)
		n += (size_t)r;
	return n;
}

/*
 * The reader goes away while a line is cut: the buffered events are
 * dropped, and a '\n' is queued so the next reader's first line is whole.
 */
static void
test_cut_line_closed_after_error(void)
{
	static const char *const two[] = {"{\"a\":1}\n", "{\"b\":2}\n"};
	struct weir_sink s;
	char path[128], got[8192];
	int r1, r2;

	tmp_path(path, sizeof(path), "fifo-cut");
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	r1 = open_small_fifo_reader(path);
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	write_cut_lines(&s);
	CU_ASSERT(weir_sink_flush(&s) == -EAGAIN);
	check_stats(&s, 40, 4096, 0);

	close(r1); /* EPIPE from now on; SIGPIPE is ignored in main() */
	CU_ASSERT(weir_sink_flush(&s) == -EPIPE);
	check_stats(&s, 40, 4096, CUT_LINES - 40);

	/* The next reader first gets what the pipe still holds, ending in
	 * the cut line, then the '\n' that closes it, then whole lines. */
	r2 = open_small_fifo_reader(path);
	CU_ASSERT(write_lines(&s, two, 2) == 2);
	CU_ASSERT(read_all(r2, got, sizeof(got)) == 4096);
	CU_ASSERT(got[4095] == 'y');
	CU_ASSERT(weir_sink_flush(&s) == 0);
	got[read_all(r2, got, sizeof(got) - 1)] = '\0';
	CU_ASSERT_STRING_EQUAL(got, "\n{\"a\":1}\n{\"b\":2}\n");
	/* The closing '\n' is output but not an event. */
	check_stats(&s, 42, 4096 + 1 + 16, CUT_LINES - 40);
	weir_sink_close(&s);
	close(r2);
}

/* Rotation while a cut line's tail is still buffered: the tail belonged
 * to the old file, so it is dropped rather than written to the new one. */
static void
test_reopen_drops_cut_tail(void)
{
	struct weir_sink s;
	char path[128], got[8192];
	size_t n, total = 0;
	int r;

	tmp_path(path, sizeof(path), "fifo-reopen");
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	r = open_small_fifo_reader(path);
	CU_ASSERT_FATAL(open_sink(&s, path, 0) == 0);
	write_cut_lines(&s);
	CU_ASSERT(weir_sink_flush(&s) == -EAGAIN);
	CU_ASSERT(weir_sink_reopen(&s) == 0);
	check_stats(&s, 40, 4096, 1);
	/* The rest are whole lines and all get out. */
	do {
		n = read_all(r, got, sizeof(got));
		total += n;
	} while (weir_sink_flush(&s) == -EAGAIN || n > 0);
	check_stats(&s, CUT_LINES - 1, 4096 + (CUT_LINES - 41) * 100, 1);
	CU_ASSERT(total == 4096 + (CUT_LINES - 41) * 100);
	weir_sink_close(&s);
	close(r);
}

/*
 * stdout on a pipe is made non-blocking while the sink is open and put
 * back at close; close waits a bounded time (1 s) for a reader that never
 * reads, then counts what is left as dropped because the output was behind
 * (drop_backpressure).
 */
static void
test_stdout_pipe_nonblocking_restored(void)
{
	struct weir_sink s;
	int saved, p[2], fl;

	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT_FATAL(fcntl(p[0], F_SETPIPE_SZ, 4096) >= 4096);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	CU_ASSERT_FATAL(saved >= 0);
	CU_ASSERT_FATAL(dup2(p[1], STDOUT_FILENO) == STDOUT_FILENO);
	close(p[1]);

	CU_ASSERT_FATAL(open_sink(&s, "-", 0) == 0);
	fl = fcntl(STDOUT_FILENO, F_GETFL);
	CU_ASSERT(fl >= 0 && (fl & O_NONBLOCK) != 0);
	write_cut_lines(&s);
	weir_sink_close(&s);
	fl = fcntl(STDOUT_FILENO, F_GETFL);
	CU_ASSERT(fl >= 0 && (fl & O_NONBLOCK) == 0);

	CU_ASSERT_FATAL(dup2(saved, STDOUT_FILENO) == STDOUT_FILENO);
	close(saved);
	close(p[0]);
	CU_ASSERT(s.st.written == 40 && s.st.bytes == 4096);
	/* the reader was behind, nothing failed */
	CU_ASSERT(s.st.drop_backpressure == CUT_LINES - 40 && s.st.drop_errors == 0);
}

/* The child of test_fifo_backpressure_loses_nothing: wait for @p go (the
 * parent's writer is open: a FIFO read before any writer opened returns
 * EOF at once), then read @p fd slowly to EOF, count whole 100-byte lines,
 * report the count on @p out. */
static void
slow_reader_child(int fd, int go, int out)
{
	static char rd[4096];
	uint64_t lines = 0, bytes = 0;
	ssize_t r;
	char c;

	if (read(go, &c, 1) != 1)
		_exit(1);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	while ((r = read(fd, rd, sizeof(rd))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			lines += rd[i] == '\n';
		bytes += (uint64_t)r;
		usleep(1000);
	}
	if (bytes != lines * 100)
		lines = 0; /* not whole lines */
	if (write(out, &lines, sizeof(lines)) != sizeof(lines))
		_exit(1);
	_exit(0);
}

/*
 * Backpressure (conf.block, offline replay): a started sink with a small
 * queue (64) in front of a FIFO whose reader is slow. Every enqueue takes
 * the whole batch (the emitter waits for room) and the jsonl sink waits
 * for the reader: all 5000 lines arrive whole, nothing is dropped. With
 * the cancel flag set, the same sink does not wait: the loss is counted.
 */
static void
test_fifo_backpressure_loses_nothing(void)
{
	static char line[101];
	struct weir_event ev[25];
	struct weir_text t[25];
	struct weir_sink_conf conf = {.block = true};
	atomic_bool cancel = false;
	struct weir_sink_stats st;
	struct weir_sink s;
	char path[128];
	uint64_t got = 0;
	unsigned int i, taken = 0;
	int fd, res[2], go[2], status;
	pid_t pid;

	memset(line, 'x', 99);
	line[0] = '{';
	line[98] = '}';
	line[99] = '\n';
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < 25; i++) {
		t[i] = (struct weir_text){.data = line, .len = 100};
		ev[i].rx_tsc = i < 20 ? 1 : 0; /* 0: no rx time, not in s.lat */
	}
	tmp_path(path, sizeof(path), "fifo-bp");
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(fd >= 0 && pipe(res) == 0 && pipe(go) == 0);
	conf.path = path;
	conf.cancel = &cancel;
	/* Fork before the sink opens: the child must not hold a write end. */
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		slow_reader_child(fd, go[0], res[1]);
	}
	close(res[1]);
	close(go[0]);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_FATAL(weir_sink_open(&s, weir_sink_find("jsonl"), &conf) == 0);
	CU_ASSERT_FATAL(write(go[1], "g", 1) == 1);
	close(go[1]);
	close(fd);
	CU_ASSERT_FATAL(weir_sink_start(&s, 64, 128) == 0);
	for (i = 0; i < 200; i++)
		taken += weir_sink_enqueue(&s, ev, t, NULL, 25);
	weir_sink_close(&s); /* drains, then closes the FIFO: the reader's EOF */
	CU_ASSERT(read(res[0], &got, sizeof(got)) == sizeof(got));
	close(res[0]);
	CU_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	weir_sink_stats(&s, &st);
	CU_ASSERT(taken == 5000 && got == 5000);
	CU_ASSERT(st.written == 5000 && st.enqueued == 5000);
	CU_ASSERT(st.drop_full == 0 && st.drop_backpressure == 0 && st.drop_errors == 0);
	/* every written event with an rx time, once, after its write */
	CU_ASSERT(s.lat.count == 4000 && s.lat.b[0] == 0 && s.lat.max > 1);

	/* Cancelled (SIGINT): a reader that never reads holds nobody. */
	atomic_store(&cancel, true);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_FATAL(weir_sink_open(&s, weir_sink_find("jsonl"), &conf) == 0);
	CU_ASSERT_FATAL(weir_sink_start(&s, 64, 128) == 0);
	for (i = 0, taken = 0; i < 200; i++)
		taken += weir_sink_enqueue(&s, ev, t, NULL, 25);
	weir_sink_close(&s);
	close(fd);
	weir_sink_stats(&s, &st);
	CU_ASSERT(taken < 5000 && st.drop_full == 5000 - taken);
	CU_ASSERT(st.written + st.drop_backpressure + st.drop_errors == taken);
}

/* Every line of @p text is one whole "{...}" line and it ends with '\n';
 * @return the number of lines, -1 when not. */
static long
whole_lines(const char *text)
{
	const char *p = text, *nl;
	long n = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL || p[0] != '{' || nl[-1] != '}')
			return -1;
		n++;
		p = nl + 1;
	}
	return n;
}

/*
 * A full filesystem (a tmpfs of two pages, as root; skipped otherwise): a
 * write(2) that fills it is cut mid-line, then ENOSPC. The cut line is
 * rolled back, so the file holds whole lines only and exactly the ones
 * counted as written (bytes = file size); the rest are drop_errors with
 * ENOSPC as the cause. When space returns (a filler file removed), the
 * next lines follow on whole lines, and so after a reopen.
 */
static void
test_enospc_rolls_back_cut_line(void)
{
	char mnt[128], path[160], filler[160], line[101];
	const char *lines[16];
	struct weir_sink_stats st;
	struct weir_sink s;
	struct stat sb;
	long n_file;
	unsigned int i, k;
	int fd;

	if (geteuid() != 0) {
		fprintf(stderr,
			"test_enospc_rolls_back_cut_line: skipped (needs root for a tmpfs)\n");
		return;
	}
	tmp_path(mnt, sizeof(mnt), "tmpfs");
	CU_ASSERT_FATAL(mkdir(mnt, 0700) == 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=8k") != 0) {
		fprintf(stderr, "test_enospc_rolls_back_cut_line: skipped (mount: %s)\n",
			strerror(errno));
		return;
	}
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	snprintf(path, sizeof(path), "%s/eve.json", mnt);
	/* The filler takes one page, the output gets the other. */
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	memset(line, 'f', 100);
	for (i = 0; i < 40; i++)
		CU_ASSERT_FATAL(write(fd, line, 100) == 100);
	close(fd);
	/* 100-byte lines, so a page (4096) ends inside one. */
	memset(line, 'x', sizeof(line));
	line[0] = '{';
	line[98] = '}';
	line[99] = '\n';
	line[100] = '\0';
	for (i = 0; i < 16; i++)
		lines[i] = line;
	CU_ASSERT_FATAL(open_sink(&s, path, 1000) == 0);
	for (k = 0; k < 4; k++)
		CU_ASSERT(write_lines(&s, lines, 16) == 16); /* 6,400 bytes offered */
	CU_ASSERT(weir_sink_flush(&s) == -ENOSPC);
	weir_sink_stats(&s, &st);
	n_file = whole_lines(slurp(path));
	CU_ASSERT(n_file > 0 && n_file < 64);
	CU_ASSERT(stat(path, &sb) == 0 && (uint64_t)sb.st_size == st.bytes);
	CU_ASSERT(st.written == (uint64_t)n_file && st.written + st.drop_errors == 64);
	CU_ASSERT(weir_sink_last_errno(&s) == ENOSPC);
	/* Still full: counted, file unchanged. */
	CU_ASSERT(write_lines(&s, lines, 16) == 16);
	CU_ASSERT(weir_sink_flush(&s) == -ENOSPC);
	CU_ASSERT(whole_lines(slurp(path)) == n_file);
	/* Space returns: the next lines go out whole. */
	CU_ASSERT(unlink(filler) == 0);
	CU_ASSERT(write_lines(&s, lines, 10) == 10);
	CU_ASSERT(weir_sink_flush(&s) == 0);
	CU_ASSERT(whole_lines(slurp(path)) == n_file + 10);
	/* And after a reopen (rotation), the same file again. */
	CU_ASSERT(weir_sink_reopen(&s) == 0);
	CU_ASSERT(write_lines(&s, lines, 3) == 3);
	weir_sink_close(&s);
	CU_ASSERT(whole_lines(slurp(path)) == n_file + 13);
	CU_ASSERT(s.st.written == (uint64_t)n_file + 13 && s.st.written + s.st.drop_errors == 93);
	CU_ASSERT(umount2(mnt, MNT_DETACH) == 0);
}

int
main(void)
{
	CU_pSuite s;

	/* A reader that goes away must give EPIPE, not kill the test;
	 * weir's main() ignores SIGPIPE for the same reason. */
	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sink_jsonl", suite_init, suite_fini);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_registry_find);
	CU_ADD_TEST(s, test_write_flush_exact_lines);
	CU_ADD_TEST(s, test_missing_newline_added);
	CU_ADD_TEST(s, test_append_preserves_content);
	CU_ADD_TEST(s, test_reopen_after_rename);
	CU_ADD_TEST(s, test_reopen_failure_keeps_old_file);
	CU_ADD_TEST(s, test_open_unwritable_path_fails);
	CU_ADD_TEST(s, test_write_error_counted);
	CU_ADD_TEST(s, test_small_buffer_and_oversized_line);
	CU_ADD_TEST(s, test_stats_exact_many_events);
	CU_ADD_TEST(s, test_fifo_slow_reader_never_blocks);
	CU_ADD_TEST(s, test_stdout_dash);
	CU_ADD_TEST(s, test_cut_line_closed_after_error);
	CU_ADD_TEST(s, test_reopen_drops_cut_tail);
	CU_ADD_TEST(s, test_stdout_pipe_nonblocking_restored);
	CU_ADD_TEST(s, test_enospc_rolls_back_cut_line);
	CU_ADD_TEST(s, test_fifo_backpressure_loses_nothing);
	return weir_ut_run();
}
