/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of common/log.c's stream (log.h): the "<N>" priority prefix
 * journald reads (sd-daemon(3): <3> error, <4> warning, <5> notice,
 * <6> info, <7> debug, from rte_log's levels one to one), one per line of
 * a message; no prefix as is; a timestamp on a terminal; how auto picks
 * the mode from JOURNAL_STREAM ("dev:inode" of stderr, systemd.exec(5)).
 */
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "weir_cunit.h"

/* Everything the stream wrote to a temporary file, NUL-terminated. */
static char g_out[4096];

static int
tmp_fd(void)
{
	char path[] = "/tmp/weir_test_log_XXXXXX";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	return fd;
}

static void
read_back(int fd)
{
	ssize_t n = pread(fd, g_out, sizeof(g_out) - 1, 0);

	CU_ASSERT_FATAL(n >= 0);
	g_out[n] = '\0';
}

static void
test_journal_priorities(void)
{
	int fd = tmp_fd();

	rte_log_set_level(weir_logtype_app, RTE_LOG_DEBUG);
	CU_ASSERT_FATAL(weir_log_start(WEIR_LOG_JOURNAL, fd, NULL) == 0);
	WEIR_LOG(ERR, app, "port %s is down", "eth0");
	WEIR_LOG(WARNING, app, "sink behind");
	WEIR_LOG(NOTICE, app, "reloaded");
	WEIR_LOG(INFO, app, "tick");
	WEIR_LOG(DEBUG, app, "detail");
	WEIR_LOG(CRIT, app, "crit");
	weir_log_stop();
	read_back(fd);
	CU_ASSERT_STRING_EQUAL(g_out, "<3>weir: port eth0 is down\n"
				      "<4>weir: sink behind\n"
				      "<5>weir: reloaded\n"
				      "<6>weir: tick\n"
				      "<7>weir: detail\n"
				      "<2>weir: crit\n");
	rte_log_set_level(weir_logtype_app, RTE_LOG_NOTICE);
	close(fd);
}

static void
test_journal_each_line(void)
{
	int fd = tmp_fd();

	CU_ASSERT_FATAL(weir_log_start(WEIR_LOG_JOURNAL, fd, NULL) == 0);
	WEIR_LOG(WARNING, app, "two\nlines");
	/* a message without a final newline is a line too */
	rte_log(RTE_LOG_ERR, weir_logtype_app, "EAL: no newline");
	rte_log(RTE_LOG_NOTICE, weir_logtype_app, "next\n");
	weir_log_stop();
	read_back(fd);
	CU_ASSERT_STRING_EQUAL(g_out, "<4>weir: two\n<4>lines\n<3>EAL: no newline\n<5>next\n");
	close(fd);
}

static void
test_plain_and_levels(void)
{
	int fd = tmp_fd();

	CU_ASSERT_FATAL(weir_log_start(WEIR_LOG_PLAIN, fd, NULL) == 0);
	WEIR_LOG(ERR, app, "as is");
	WEIR_LOG(DEBUG, app, "filtered out at notice");
	weir_log_stop();
	read_back(fd);
	CU_ASSERT_STRING_EQUAL(g_out, "weir: as is\n");
	close(fd);
}

static void
test_terminal_timestamp(void)
{
	int fd = tmp_fd();
	regex_t re;

	CU_ASSERT_FATAL(weir_log_start(WEIR_LOG_TERMINAL, fd, NULL) == 0);
	WEIR_LOG(NOTICE, app, "stamped");
	weir_log_stop();
	read_back(fd);
	CU_ASSERT_FATAL(regcomp(&re,
				"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} "
				"weir: stamped\n$",
				REG_EXTENDED) == 0);
	CU_ASSERT(regexec(&re, g_out, 0, NULL, 0) == 0);
	regfree(&re);
	close(fd);
}

static void
test_mode_auto(void)
{
	int fd = tmp_fd();
	struct stat st;
	char js[64];

	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	CU_ASSERT(weir_log_mode("syslog", fd) == WEIR_LOG_SYSLOG);
	unsetenv("JOURNAL_STREAM");
	CU_ASSERT(weir_log_mode("auto", fd) == WEIR_LOG_PLAIN);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	CU_ASSERT(weir_log_mode("auto", fd) == WEIR_LOG_JOURNAL);
	CU_ASSERT(weir_log_mode(NULL, fd) == WEIR_LOG_JOURNAL);
	/* told to write as is, or another file than journald's */
	CU_ASSERT(weir_log_mode("stderr", fd) == WEIR_LOG_PLAIN);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	CU_ASSERT(weir_log_mode("auto", fd) == WEIR_LOG_PLAIN);
	setenv("JOURNAL_STREAM", "garbage", 1);
	CU_ASSERT(weir_log_mode("auto", fd) == WEIR_LOG_PLAIN);
	unsetenv("JOURNAL_STREAM");
	close(fd);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("log", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_journal_priorities);
	CU_ADD_TEST(s, test_journal_each_line);
	CU_ADD_TEST(s, test_plain_and_levels);
	CU_ADD_TEST(s, test_terminal_timestamp);
	CU_ADD_TEST(s, test_mode_auto);
	return weir_ut_run();
}
