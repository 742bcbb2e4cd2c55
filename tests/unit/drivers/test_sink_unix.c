/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the unix sink (drivers/sink/sink_unix.c) with real
 * sockets in a fresh directory: every subscriber gets every event from
 * its connection on, a subscriber that does not read is disconnected
 * once its backlog is full while a reading one loses nothing, the socket
 * mode, a stale socket replaced and a live one refused. The sink is driven
 * synchronously (no thread) so each step is deterministic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sink.h"
#include "weir_cunit.h"

static char g_dir[64];

static int
suite_init(void)
{
	strcpy(g_dir, "/tmp/weir-sink-unix-XXXXXX");
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_fini(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
open_unix(struct weir_sink *s, const char *path, size_t buf)
{
	struct weir_sink_conf conf = {.path = path, .buffer_size = buf, .mode = 0600};

	memset(s, 0, sizeof(*s));
	return weir_sink_open(s, weir_sink_find("unix"), &conf);
}

static int
connect_to(const char *path, int rcvbuf)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(strlen(path) < sizeof(sa.sun_path));
	if (rcvbuf != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	strcpy(sa.sun_path, path);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	return fd;
}

/* Everything readable now, appended to @p acc (NUL-terminated). */
static size_t
read_avail(int fd, char *acc, size_t used, size_t cap)
{
	ssize_t r;

	while (used + 1 < cap && (r = recv(fd, acc + used, cap - 1 - used, MSG_DONTWAIT)) > 0)
		used += (size_t)r;
	acc[used] = '\0';
	return used;
}

static void
write_n(struct weir_sink *s, unsigned int first, unsigned int n)
{
	static char lines[16][64];
	struct weir_event ev[16];
	struct weir_text t[16];
	unsigned int i;

	CU_ASSERT_FATAL(n <= 16);
	for (i = 0; i < n; i++) {
		snprintf(lines[i], sizeof(lines[i]), "{\"seq\":%08u,\"pad\":\"xxxxxxxxxxxx\"}\n",
			 first + i);
		t[i].data = lines[i];
		t[i].len = strlen(lines[i]);
	}
	CU_ASSERT(weir_sink_write(s, ev, t, NULL, n) == (int)n);
}

static void
test_subscribers_and_a_stalled_one(void)
{
	static char got[1 << 20];
	struct weir_sink_stats st;
	struct weir_sink s;
	char path[128], want[64];
	struct stat sb;
	size_t used = 0;
	unsigned int i, lines = 0;
	const char *p;
	int a, b, late;

	snprintf(path, sizeof(path), "%s/ev.sock", g_dir);
	CU_ASSERT_FATAL(open_unix(&s, path, 4096) == 0);
	CU_ASSERT(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0600);
	write_n(&s, 0, 4); /* nobody listening: written all the same */
	a = connect_to(path, 0);
	b = connect_to(path, 4096); /* never reads */
	for (i = 0; i < 4000; i += 16) {
		write_n(&s, 1000 + i, 16);
		used = read_avail(a, got, used, sizeof(got));
	}
	weir_sink_flush(&s);
	late = connect_to(path, 0);
	write_n(&s, 9000, 1);
	weir_sink_flush(&s);
	used = read_avail(a, got, used, sizeof(got));
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.written == 4 + 4000 + 1);
	CU_ASSERT(st.accepted == 3);
	CU_ASSERT(st.drop_subscribers == 1);
	/* 3 while the stalled one still owes the rest of a cut line */
	CU_ASSERT(st.subscribers == 2 || st.subscribers == 3);
	/* the reader has every line since it connected, in order */
	for (p = got; *p != '\0'; p = strchr(p, '\n') + 1) {
		snprintf(want, sizeof(want), "{\"seq\":%08u,", lines < 4000 ? 1000 + lines : 9000);
		CU_ASSERT(strncmp(p, want, strlen(want)) == 0);
		lines++;
	}
	CU_ASSERT(lines == 4001);
	/* the late one has only what came after it connected */
	used = read_avail(late, got, 0, sizeof(got));
	CU_ASSERT(strncmp(got, "{\"seq\":00009000,", 16) == 0 &&
		  strchr(got, '\n') == got + used - 1);
	/* the stalled one was cut off at a line's end: once it reads again
	 * it gets the rest of the line it was in, then EOF; whole lines only */
	used = 0;
	for (i = 0; i < 1000; i++) {
		used = read_avail(b, got, used, sizeof(got));
		weir_sink_flush(&s);
		if (recv(b, want, 1, MSG_DONTWAIT | MSG_PEEK) == 0)
			break;
	}
	CU_ASSERT(i < 1000 && used > 0 && got[used - 1] == '\n');
	for (p = got; *p != '\0'; p = strchr(p, '\n') + 1)
		CU_ASSERT(strncmp(p, "{\"seq\":0000", 11) == 0 &&
			  strncmp(strchr(p, '\n') - 2, "\"}", 2) == 0);
	weir_sink_stats(&s, &st);
	CU_ASSERT(st.subscribers == 2 && st.drop_subscribers == 1);
	weir_sink_close(&s);
	CU_ASSERT(stat(path, &sb) < 0 && errno == ENOENT); /* removed at close */
	close(a);
	close(b);
	close(late);
}

static void
test_stale_socket_replaced_live_one_refused(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct weir_sink s, s2;
	char path[sizeof(sa.sun_path)];
	int fd;

	snprintf(path, sizeof(path), "%s/stale.sock", g_dir);
	memcpy(sa.sun_path, path, sizeof(path));
	/* bound, never listened: what a crashed process leaves */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CU_ASSERT_FATAL(open_unix(&s, path, 0) == 0);
	CU_ASSERT(open_unix(&s2, path, 0) == -EADDRINUSE); /* s serves it */
	weir_sink_close(&s);
	/* a regular file is not ours to remove */
	CU_ASSERT_FATAL(fclose(fopen(path, "w")) == 0);
	CU_ASSERT(open_unix(&s, path, 0) == -EEXIST);
}

int
main(void)
{
	CU_pSuite su;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("sink_unix", suite_init, suite_fini);
	CU_ADD_TEST(su, test_subscribers_and_a_stalled_one);
	CU_ADD_TEST(su, test_stale_socket_replaced_live_one_refused);
	return weir_ut_run();
}
