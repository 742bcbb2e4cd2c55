/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/service.c (sd_notify): what reaches a stand-in for
 * systemd's notification socket (a unix datagram socket named by
 * NOTIFY_SOCKET, sd_notify(3)). READY=1 carries WATCHDOG=1 and a status;
 * WATCHDOG=1 follows a check only when every worker's poll counters moved
 * or the worker is done, never while one stands still; RELOADING=1 then
 * READY=1 around a reload seen in the reloader's tickets, also when the
 * build began and ended between two checks; STOPPING=1. Checks are forced
 * by clearing their due times, so nothing waits on the clock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "reload.h"
#include "service.h"
#include "weir_config.h"
#include "worker.h"
#include "weir_cunit.h"

static int g_fd = -1;
static char g_path[108];
static char g_msg[1024];

/* The next message on the socket, or NULL when none is waiting. */
static const char *
next_msg(void)
{
	ssize_t n = recv(g_fd, g_msg, sizeof(g_msg) - 1, MSG_DONTWAIT);

	if (n < 0)
		return NULL;
	g_msg[n] = '\0';
	return g_msg;
}

static int
suite_init(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(g_path, sizeof(g_path), "/tmp/weir_test_service_%d.sock", (int)getpid());
	unlink(g_path);
	g_fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (g_fd < 0)
		return -1;
	memcpy(sa.sun_path, g_path, strlen(g_path) + 1);
	if (bind(g_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	setenv("NOTIFY_SOCKET", g_path, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	unsetenv("WATCHDOG_PID");
	return 0;
}

static int
suite_fini(void)
{
	close(g_fd);
	unlink(g_path);
	return 0;
}

static void
test_watchdog_follows_workers(void)
{
	struct weir_worker *w = calloc(2, sizeof(*w));
	struct weir_worker *ws[2] = {&w[0], &w[1]};
	struct weir_service s;

	if (!WEIR_HAVE_SYSTEMD) {
		weir_ut_skip("built without libsystemd");
		free(w);
		return;
	}
	CU_ASSERT_FATAL(w != NULL);
	weir_service_init(&s);
	CU_ASSERT_FATAL(s.notify);
	CU_ASSERT_EQUAL(s.watchdog_us, 30000000);
	weir_service_ready(&s, "running: %u rules", 5u);
	CU_ASSERT_STRING_EQUAL(next_msg(), "READY=1\nWATCHDOG=1\nSTATUS=running: 5 rules");
	/* not due yet: nothing */
	weir_service_tick(&s, ws, 2, NULL);
	CU_ASSERT_PTR_NULL(next_msg());
	/* both polled (one busy, one idle): fed */
	w[0].st.busy_polls = 10;
	w[1].st.idle_polls = 7;
	s.next_check_ns = 0;
	weir_service_tick(&s, ws, 2, NULL);
	CU_ASSERT_STRING_EQUAL(next_msg(), "WATCHDOG=1");
	/* worker 1 stands still: not fed, however often it is checked */
	w[0].st.idle_polls = 3;
	s.next_check_ns = 0;
	weir_service_tick(&s, ws, 2, NULL);
	CU_ASSERT_PTR_NULL(next_msg());
	CU_ASSERT(s.stalled);
	w[0].st.idle_polls = 4;
	s.next_check_ns = 0;
	weir_service_tick(&s, ws, 2, NULL);
	CU_ASSERT_PTR_NULL(next_msg());
	/* it moves again: fed */
	w[0].st.idle_polls = 5;
	w[1].st.busy_polls = 1;
	s.next_check_ns = 0;
	weir_service_tick(&s, ws, 2, NULL);
	CU_ASSERT_STRING_EQUAL(next_msg(), "WATCHDOG=1");
	CU_ASSERT(!s.stalled);
	/* a worker that finished (offline, end of file) is alive */
	atomic_store(&w[1].done, true);
	w[0].st.idle_polls = 6;
	s.next_check_ns = 0;
	weir_service_tick(&s, ws, 2, NULL);
	CU_ASSERT_STRING_EQUAL(next_msg(), "WATCHDOG=1");
	weir_service_stopping(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next_msg());
	CU_ASSERT(strncmp(g_msg, "STOPPING=1\n", 11) == 0);
	free(w);
}

static void
test_reload_notifications(void)
{
	static struct weir_reloader rl;
	struct weir_service s;

	if (!WEIR_HAVE_SYSTEMD) {
		weir_ut_skip("built without libsystemd");
		return;
	}
	memset(&rl, 0, sizeof(rl));
	pthread_mutex_init(&rl.mu, NULL);
	setenv("WATCHDOG_USEC", "0", 1); /* no watchdog: reloads only */
	weir_service_init(&s);
	CU_ASSERT_EQUAL(s.watchdog_us, 0);
	weir_service_ready(&s, "running");
	CU_ASSERT_STRING_EQUAL(next_msg(), "READY=1\nSTATUS=running");
	weir_service_tick(&s, NULL, 0, &rl);
	CU_ASSERT_PTR_NULL(next_msg());
	/* a request pending, then built */
	rl.req = 1;
	s.next_reload_ns = 0;
	weir_service_tick(&s, NULL, 0, &rl);
	CU_ASSERT_STRING_EQUAL(next_msg(), "RELOADING=1\nSTATUS=reloading the rules");
	rl.building = true;
	s.next_reload_ns = 0;
	weir_service_tick(&s, NULL, 0, &rl); /* still reloading: said once */
	CU_ASSERT_PTR_NULL(next_msg());
	rl.building = false;
	rl.done = 1;
	rl.n_ok = 1;
	rl.generation = 2;
	rl.last.n_rules = 7;
	s.next_reload_ns = 0;
	weir_service_tick(&s, NULL, 0, &rl);
	CU_ASSERT_STRING_EQUAL(next_msg(),
			       "READY=1\nSTATUS=running; last reload done, generation 2, 7 rules");
	/* a refused build that began and ended between two checks */
	rl.req = rl.done = 2;
	rl.n_failed = 1;
	s.next_reload_ns = 0;
	weir_service_tick(&s, NULL, 0, &rl);
	CU_ASSERT_STRING_EQUAL(next_msg(), "RELOADING=1\nSTATUS=reloading the rules");
	CU_ASSERT_STRING_EQUAL(
		next_msg(), "READY=1\nSTATUS=running; last reload refused, generation 2, 7 rules");
	s.next_reload_ns = 0;
	weir_service_tick(&s, NULL, 0, &rl);
	CU_ASSERT_PTR_NULL(next_msg());
	pthread_mutex_destroy(&rl.mu);
	setenv("WATCHDOG_USEC", "30000000", 1);
}

static void
test_not_under_systemd(void)
{
	struct weir_service s;

	unsetenv("NOTIFY_SOCKET");
	weir_service_init(&s);
	CU_ASSERT(!s.notify);
	weir_service_ready(&s, "running");
	weir_service_stopping(&s);
	CU_ASSERT_PTR_NULL(next_msg());
	setenv("NOTIFY_SOCKET", g_path, 1);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("service", suite_init, suite_fini);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_watchdog_follows_workers);
	CU_ADD_TEST(s, test_reload_notifications);
	CU_ADD_TEST(s, test_not_under_systemd);
	return weir_ut_run();
}
