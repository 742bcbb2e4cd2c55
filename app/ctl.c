/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stats socket server. One control thread polls the listening socket and
 * every client (all non-blocking) with a 100 ms timeout, so it notices a
 * stop request within that. Requests are parsed with jansson, dispatched
 * through a command table, and the reply is queued on the client and
 * written as far as the socket takes it; nothing a client does can make
 * this thread wait, except `reopen`, which waits (bounded) for main to
 * reopen the sinks, and `reload`, which waits (bounded) for the reload
 * thread's build, so that their replies tell the truth.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_log.h>

#include "ctl.h"
#include "ctl_cmds.h"
#include "log.h"

#define CTL_POLL_MS	     100
#define CTL_MAX_CLIENTS_HARD 1024
#define CTL_PEER_GROUPS_MAX  256 /* supplementary groups of a peer looked at */

struct ctl_client {
	int fd;
	struct weir_ctl_peer peer; /* SO_PEERCRED at accept, for the audit log */
	bool closing;		   /* close once out is written (error replies) */
	size_t in_len;
	char in[WEIR_CTL_LINE_MAX];
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t last_write_ms; /* last write progress (or when out filled) */
	uint64_t last_req_ms;
};

struct weir_ctl {
	struct weir_obs *obs;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	int lfd;
	/* roles, from weir_ctl_conf */
	bool has_admin_group, has_monitor_group;
	gid_t admin_gid, monitor_gid;
	char admin_group[64], monitor_group[64];
	unsigned int max_clients;
	unsigned int n_slots; /* max_clients + the reserved one (the last) */
	unsigned int idle_ms;
	struct ctl_client *clients; /* n_slots slots, fd -1 = free */
	/* evictions and refusals since the last log line about them */
	unsigned int n_evicted, n_refused;
	uint64_t last_log_ms;
	pthread_t thread;
	atomic_bool quit;
};

/* A command: name, handler (NULL: not served here), one-line doc, and
 * whether it changes weir's state (ADMIN rows: audited). The handler
 * returns the reply object (the server adds schema_version, command and
 * ok), or NULL with a message in err. */
struct ctl_cmd {
	const char *name;
	json_t *(*fn)(struct weir_obs *obs, const json_t *req, char *err, size_t errlen);
	const char *doc;
	bool admin;
};

static uint64_t
ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
weir_ctl_parse_mode(const char *text, unsigned int *mode)
{
	unsigned int v = 0;
	const char *p = text;

	if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		p += 2;
	if (*p == '\0' || strlen(p) > 4)
		return -EINVAL;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			return -EINVAL;
		v = v * 8 + (unsigned int)(*p - '0');
	}
	if (v > 0777)
		return -EINVAL;
	*mode = v;
	return 0;
}

static json_t *
ctl_cmd_version(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	(void)req;
	return weir_obs_version(obs, err, errlen);
}

static json_t *
ctl_cmd_stats(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	(void)req;
	return weir_obs_stats(obs, err, errlen);
}

static json_t *
ctl_cmd_ports(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	(void)req;
	return weir_obs_ports(obs, err, errlen);
}

static json_t *
ctl_cmd_workers(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	(void)req;
	return weir_obs_workers(obs, err, errlen);
}

static json_t *
ctl_cmd_sinks(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	json_t *j = json_object();

	(void)req;
	json_object_set_new(j, "sinks", weir_obs_sinks(obs, err, errlen));
	return j;
}

static json_t *
ctl_cmd_rules(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	const json_t *t = json_object_get(req, "top");
	json_int_t top = 0;

	if (t != NULL) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > WEIR_OBS_RULES_TOP_MAX) {
			snprintf(err, errlen, "\"top\" must be an integer in [1, %d]",
				 WEIR_OBS_RULES_TOP_MAX);
			return NULL;
		}
		top = json_integer_value(t);
	}
	return weir_obs_rules(obs, (unsigned int)top, err, errlen);
}

static json_t *
ctl_cmd_latency(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	(void)req;
	return weir_obs_latency(obs, err, errlen);
}

/* Reload the rules and wait (bounded) for the build covering this request,
 * so the reply says what is in force. The build runs on the reload
 * thread; this thread only waits. */
static json_t *
ctl_cmd_reload(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	struct weir_reload_outcome *out;
	json_t *j, *errs, *force = json_object_get(req, "force");
	uint64_t ticket;
	unsigned int i;
	int rc;

	if (force != NULL && !json_is_boolean(force)) {
		snprintf(err, errlen, "\"force\" must be true or false");
		return NULL;
	}
	if (obs->rules == NULL) {
		snprintf(err, errlen, "not supported yet: no rule set in this run");
		return NULL;
	}
	out = malloc(sizeof(*out));
	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ticket = weir_reload_request(obs->rules, json_is_true(force));
	rc = weir_reload_wait(obs->rules, ticket, WEIR_CTL_RELOAD_WAIT_MS, out);
	if (rc < 0) {
		free(out);
		snprintf(err, errlen,
			 "reload requested; not finished within %d ms (it goes on, "
			 "see the log)",
			 WEIR_CTL_RELOAD_WAIT_MS);
		return NULL;
	}
	j = json_object();
	errs = json_array();
	for (i = 0; i < out->n_kept; i++)
		json_array_append_new(errs, json_string(out->errors[i]));
	json_object_set_new(j, "errors", errs);
	json_object_set_new(j, "n_errors", json_integer(out->n_errors));
	json_object_set_new(j, "generation", json_integer((json_int_t)out->generation));
	json_object_set_new(j, "n_rules", json_integer(out->n_rules));
	json_object_set_new(j, "n_built", json_integer(out->n_built));
	json_object_set_new(j, "forced", json_boolean(out->forced));
	if (out->rc < 0 && out->reason[0] != '\0') {
		char msg[400];

		snprintf(msg, sizeof(msg),
			 "%s; the running rules (generation %llu, %u rules) stay in force%s",
			 out->reason, (unsigned long long)out->generation, out->n_rules,
			 out->rc == -ECANCELED ? " (force: weirctl reload --force)" : "");
		json_object_set_new(j, "ok", json_false());
		json_object_set_new(j, "error", json_string(msg));
	} else if (out->rc < 0) {
		char msg[200];

		snprintf(msg, sizeof(msg),
			 "rules refused (%u problem%s): the running rules (generation %llu) stay "
			 "in force",
			 out->n_errors, out->n_errors == 1 ? "" : "s",
			 (unsigned long long)out->generation);
		json_object_set_new(j, "ok", json_false());
		json_object_set_new(j, "error", json_string(msg));
	} else {
		json_object_set_new(j, "reloaded", json_true());
		json_object_set_new(j, "n_skipped", json_integer(out->n_skipped));
		json_object_set_new(j, "from_cache", json_integer(out->n_from_cache));
		json_object_set_new(j, "build_ms", json_real(out->build_ms));
	}
	free(out);
	return j;
}

/* disable/enable {"sid": N}: drop that rule's matches (no recompile);
 * remembered over reloads. */
static json_t *
ctl_cmd_set_disabled(struct weir_obs *obs, const json_t *req, char *err, size_t errlen, bool off)
{
	json_t *sid = json_object_get(req, "sid");
	json_int_t v;
	int n;

	if (obs->rules == NULL) {
		snprintf(err, errlen, "no rule set in this run");
		return NULL;
	}
	if (!json_is_integer(sid) || (v = json_integer_value(sid)) <= 0 || v > UINT32_MAX) {
		snprintf(err, errlen, "\"sid\" must be an integer in 1..4294967295");
		return NULL;
	}
	n = weir_rules_set_disabled(obs->rules, (uint32_t)v, off);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (n == 0) {
		/* not remembered either: a typo must not lurk until a reload */
		(void)weir_rules_set_disabled(obs->rules, (uint32_t)v, false);
		snprintf(err, errlen, "no rule with sid %lld is loaded", (long long)v);
		return NULL;
	}
	return json_pack("{s:I,s:b,s:i}", "sid", v, "disabled", off, "rules", n);
}

static json_t *
ctl_cmd_disable(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	return ctl_cmd_set_disabled(obs, req, err, errlen, true);
}

static json_t *
ctl_cmd_enable(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	return ctl_cmd_set_disabled(obs, req, err, errlen, false);
}

/*
 * Hand a request to main (which owns what it changes) through the flag its
 * signal raises, and wait (bounded) for main's answer: bump @p req, raise
 * @p flag, poll until @p ack caught up. Both reopen and reconfigure use
 * it (struct weir_obs's hand-shakes). @return true with main's answer in
 * @p out, or false when main did not answer within WEIR_CTL_REOPEN_WAIT_MS.
 */
static bool
ctl_ask_main(atomic_bool *flag, atomic_uint *req, atomic_uint *ack, atomic_int *rc, int *out)
{
	const struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
	unsigned int my, i;

	my = atomic_fetch_add(req, 1) + 1;
	atomic_store(flag, true);
	for (i = 0; i < WEIR_CTL_REOPEN_WAIT_MS; i++) {
		/* seq_cst: main stored rc before ack */
		if ((int)(atomic_load(ack) - my) >= 0) {
			*out = atomic_load(rc);
			return true;
		}
		nanosleep(&ms, NULL);
	}
	return false;
}

/* Hand the reopen to main (the sinks' owner) and wait for its answer. */
static json_t *
ctl_cmd_reopen(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	int rc;

	(void)req;
	if (obs->reopen == NULL) {
		snprintf(err, errlen, "not supported yet: no sink to reopen in this run");
		return NULL;
	}
	if (!ctl_ask_main(obs->reopen, &obs->reopen_req, &obs->reopen_ack, &obs->reopen_rc, &rc)) {
		snprintf(err, errlen, "reopen requested but not done within %d ms",
			 WEIR_CTL_REOPEN_WAIT_MS);
		return NULL;
	}
	if (rc < 0 && rc != -ENOTSUP) {
		snprintf(err, errlen, "reopen failed: %s", strerror(-rc));
		return NULL;
	}
	return json_pack("{s:b}", "reopened", 1);
}

/* Window rules' state to windows.ckpt now: each worker dumps its table at
 * its next poll, then this thread writes the file (bounded wait). */
static json_t *
ctl_cmd_checkpoint(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	int rc;

	(void)req;
	if (obs->windows == NULL || obs->n_workers == 0) {
		snprintf(err, errlen, "no window state in this run");
		return NULL;
	}
	rc = weir_wwin_ckpt_now(obs->windows, obs->workers, obs->n_workers, WEIR_CTL_REOPEN_WAIT_MS,
				err, errlen);
	if (rc == 1) {
		snprintf(err, errlen, "windows.state-dir is empty: no checkpoint");
		return NULL;
	}
	if (rc < 0)
		return NULL;
	return json_pack("{s:b,s:s}", "written", 1, "path", obs->windows->ckpt_path);
}

/* As SIGUSR2: main re-reads the configuration file and applies the
 * driver's run-time options (afxdp: capture filter, block list, by
 * updating the XDP maps); waits (bounded) for main's answer. */
static json_t *
ctl_cmd_reconfigure(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	int rc;

	(void)req;
	if (obs->reconf == NULL) {
		snprintf(err, errlen, "not supported yet: nothing to reconfigure in this run");
		return NULL;
	}
	if (!ctl_ask_main(obs->reconf, &obs->reconf_req, &obs->reconf_ack, &obs->reconf_rc, &rc)) {
		snprintf(err, errlen, "reconfigure requested but not done within %d ms",
			 WEIR_CTL_REOPEN_WAIT_MS);
		return NULL;
	}
	if (rc == -ENOTSUP) {
		snprintf(err, errlen, "the capture driver has nothing to change at run time");
		return NULL;
	}
	if (rc == -ENOENT) {
		snprintf(err, errlen, "no configuration file (-c) to re-read");
		return NULL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "configuration refused or not applied (see weir's log): %s",
			 strerror(-rc));
		return NULL;
	}
	return json_pack("{s:b}", "reconfigured", 1);
}

static json_t *
ctl_cmd_shutdown(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	(void)req;
	(void)err;
	(void)errlen;
	/* as SIGTERM: blocked sinks stop waiting, what remains is counted */
	if (obs->cancel != NULL)
		atomic_store(obs->cancel, true);
	atomic_store(obs->stop, true);
	return json_pack("{s:b}", "stopping", 1);
}

static json_t *ctl_cmd_help(struct weir_obs *obs, const json_t *req, char *err, size_t errlen);

/* The list of common/ctl_cmds.h: MONITOR and ADMIN rows are served here
 * (a missing ctl_cmd_NAME does not compile); CLIENT rows (weirctl's own)
 * get no handler and are unknown to the socket. */
#define CTL_FN_MONITOR(name)		  ctl_cmd_##name
#define CTL_FN_ADMIN(name)		  ctl_cmd_##name
#define CTL_FN_CLIENT(name)		  NULL
#define CTL_ADMIN_MONITOR		  false
#define CTL_ADMIN_ADMIN			  true
#define CTL_ADMIN_CLIENT		  false
#define CTL_ROW(name, role, options, doc) {#name, CTL_FN_##role(name), doc, CTL_ADMIN_##role},
static const struct ctl_cmd g_ctl_cmds[] = {WEIR_CTL_COMMANDS(CTL_ROW)};
#undef CTL_ROW

#define CTL_NCMDS (sizeof(g_ctl_cmds) / sizeof(g_ctl_cmds[0]))

static json_t *
ctl_cmd_help(struct weir_obs *obs, const json_t *req, char *err, size_t errlen)
{
	json_t *j = json_object(), *c = json_object();
	unsigned int i;

	(void)obs;
	(void)req;
	(void)err;
	(void)errlen;
	for (i = 0; i < CTL_NCMDS; i++)
		if (g_ctl_cmds[i].fn != NULL)
			json_object_set_new(c, g_ctl_cmds[i].name, json_string(g_ctl_cmds[i].doc));
	json_object_set_new(j, "commands", c);
	return j;
}

static char *
ctl_dump_line(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII), *line;
	size_t n;

	json_decref(j);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (line == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

static char *
ctl_error_line(const char *command, const char *msg)
{
	json_t *j = json_object();

	json_object_set_new(j, "schema_version", json_integer(WEIR_OBS_SCHEMA_VERSION));
	if (command != NULL)
		json_object_set_new(j, "command", json_string(command));
	json_object_set_new(j, "ok", json_false());
	/* The message may quote the client's bytes (jansson's parse errors
	 * do), which need not be UTF-8: json_string() refuses those, and a
	 * refusal must never lose its reason. Fall back to a fixed text. */
	if (json_object_set_new(j, "error", json_string(msg)) < 0)
		json_object_set_new(j, "error", json_string("invalid request (not UTF-8)"));
	return ctl_dump_line(j);
}

/*
 * The audit line of an ADMIN command: who (uid/pid of the socket peer),
 * what (the command and its arguments), and the outcome: @p rep, or NULL
 * with the handler's @p err. Notice level, on the control thread, so every
 * change an operator makes is in weir's log.
 */
static void
ctl_audit(const char *name, const json_t *req, const struct weir_ctl_peer *peer, const json_t *rep,
	  const char *err)
{
	const json_t *sid = json_object_get(req, "sid");
	char who[64], args[48] = "";
	const char *outcome = "done";

	if (peer != NULL && peer->known)
		snprintf(who, sizeof(who), "uid %u pid %d", peer->uid, (int)peer->pid);
	else
		snprintf(who, sizeof(who), "an unknown peer");
	if (json_is_integer(sid))
		snprintf(args, sizeof(args), " sid %lld", (long long)json_integer_value(sid));
	else if (json_is_true(json_object_get(req, "force")))
		snprintf(args, sizeof(args), " --force");
	if (rep == NULL)
		outcome = "failed";
	else if (json_is_false(json_object_get(rep, "ok")))
		outcome = "refused";
	if (rep != NULL && json_is_string(json_object_get(rep, "error")))
		err = json_string_value(json_object_get(rep, "error"));
	else if (rep == NULL && (err == NULL || err[0] == '\0'))
		err = "failed";
	WEIR_LOG(NOTICE, ctl, "ctl: %s%s by %s: %s%s%s", name, args, who, outcome,
		 err != NULL ? ": " : "", err != NULL ? err : "");
}

char *
weir_ctl_handle(struct weir_obs *obs, const char *line, size_t len)
{
	return weir_ctl_handle_peer(obs, line, len, NULL);
}

char *
weir_ctl_handle_peer(struct weir_obs *obs, const char *line, size_t len,
		     const struct weir_ctl_peer *peer)
{
	char err[256] = "";
	const char *name;
	json_error_t jerr;
	json_t *req, *rep, *cmd;
	unsigned int i;
	char *out;

	/* JSON_REJECT_DUPLICATES: {"command":"stats","command":"shutdown"}
	 * must not mean whichever a parser happens to keep. */
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(err, sizeof(err), "malformed request: %s (column %d)", jerr.text,
			 jerr.column);
		return ctl_error_line(NULL, err);
	}
	if (!json_is_object(req)) {
		json_decref(req);
		return ctl_error_line(NULL, "malformed request: not a JSON object");
	}
	cmd = json_object_get(req, "command");
	if (!json_is_string(cmd)) {
		json_decref(req);
		return ctl_error_line(NULL, "malformed request: \"command\" (a string) is missing");
	}
	name = json_string_value(cmd);
	for (i = 0; i < CTL_NCMDS; i++)
		if (g_ctl_cmds[i].fn != NULL && strcmp(g_ctl_cmds[i].name, name) == 0)
			break;
	if (i == CTL_NCMDS) {
		snprintf(err, sizeof(err), "unknown command '%.64s' (try \"help\")", name);
		out = ctl_error_line(NULL, err);
		json_decref(req);
		return out;
	}
	name = g_ctl_cmds[i].name; /* ours: req is freed below */
	if (peer != NULL && peer->refused) {
		rep = json_pack("{s:b,s:s}", "ok", 0, "error", peer->why);
		if (g_ctl_cmds[i].admin)
			ctl_audit(name, req, peer, rep, NULL);
		json_decref(req);
		json_decref(rep);
		return ctl_error_line(name, peer->why);
	}
	if (g_ctl_cmds[i].admin && peer != NULL && !peer->admin) {
		char deny[512];

		snprintf(deny, sizeof(deny),
			 "permission denied: '%s' is an administration command and uid %u has "
			 "the monitoring role only (%s)",
			 name, peer->uid, peer->why);
		rep = json_pack("{s:b,s:s}", "ok", 0, "error", deny);
		ctl_audit(name, req, peer, rep, NULL);
		json_decref(req);
		if (rep == NULL)
			return ctl_error_line(name, deny);
		json_object_set_new(rep, "schema_version", json_integer(WEIR_OBS_SCHEMA_VERSION));
		json_object_set_new(rep, "command", json_string(name));
		return ctl_dump_line(rep);
	}
	rep = g_ctl_cmds[i].fn(obs, req, err, sizeof(err));
	if (g_ctl_cmds[i].admin)
		ctl_audit(name, req, peer, rep, rep == NULL ? err : NULL);
	json_decref(req);
	if (rep == NULL)
		return ctl_error_line(name, err[0] ? err : "failed");
	json_object_set_new(rep, "schema_version", json_integer(WEIR_OBS_SCHEMA_VERSION));
	json_object_set_new(rep, "command", json_string(name));
	/* a handler may answer ok:false with details (reload's errors) */
	if (json_object_get(rep, "ok") == NULL)
		json_object_set_new(rep, "ok", json_true());
	return ctl_dump_line(rep);
}

/* ---- the server ---- */

static void
ctl_client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/* Queue @p line (consumed) on @p cl; drop a client that reads too little. */
static int
ctl_client_queue(struct ctl_client *cl, char *line)
{
	size_t n;

	if (line == NULL)
		return -ENOMEM;
	n = strlen(line);
	if (cl->out_off != 0 && cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->out_len + n > WEIR_CTL_OUT_MAX) {
		free(line);
		return -ENOBUFS;
	}
	if (cl->out_len + n > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *p;

		while (cap < cl->out_len + n)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (p == NULL) {
			free(line);
			return -ENOMEM;
		}
		cl->out = p;
		cl->out_cap = cap;
	}
	if (cl->out_len == cl->out_off)
		cl->last_write_ms = ctl_now_ms(); /* the stall clock starts now */
	memcpy(cl->out + cl->out_len, line, n);
	cl->out_len += n;
	free(line);
	return 0;
}

/* Write what the socket takes. @return 0, or -errno to disconnect. */
static int
ctl_client_flush(struct ctl_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t w = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		cl->out_off += (size_t)w;
		cl->last_write_ms = ctl_now_ms();
	}
	cl->out_off = cl->out_len = 0;
	return 0;
}

/* Serve every complete line in the input buffer. */
static int
ctl_client_serve(struct weir_ctl *c, struct ctl_client *cl)
{
	char *nl;
	int ret;

	while (!cl->closing && (nl = memchr(cl->in, '\n', cl->in_len)) != NULL) {
		size_t len = (size_t)(nl - cl->in);

		if (len > 0 && cl->in[len - 1] == '\r')
			len--;
		if (len > 0) {
			ret = ctl_client_queue(
				cl, weir_ctl_handle_peer(c->obs, cl->in, len, &cl->peer));
			if (ret < 0)
				return ret;
		}
		cl->last_req_ms = ctl_now_ms();
		cl->in_len -= (size_t)(nl + 1 - cl->in);
		memmove(cl->in, nl + 1, cl->in_len);
	}
	if (!cl->closing && cl->in_len == sizeof(cl->in)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "request line longer than %d bytes; disconnecting",
			 WEIR_CTL_LINE_MAX - 1);
		cl->closing = true;
		cl->in_len = 0;
		return ctl_client_queue(cl, ctl_error_line(NULL, msg));
	}
	return 0;
}

/* Read what is there. @return 0, or -errno / -EPIPE (peer closed). */
static int
ctl_client_read(struct weir_ctl *c, struct ctl_client *cl)
{
	unsigned int round;

	/* Bounded: a client that writes without pause gets its turn again
	 * on the next poll, after the others. */
	for (round = 0; round < 16; round++) {
		ssize_t r;

		if (cl->closing) {
			char sink[512];

			/* discard: the client is being shown the door */
			r = recv(cl->fd, sink, sizeof(sink), MSG_DONTWAIT);
		} else {
			r = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len,
				 MSG_DONTWAIT);
		}
		if (r == 0)
			return -EPIPE;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		if (cl->closing)
			return 0;
		cl->in_len += (size_t)r;
		if (ctl_client_serve(c, cl) < 0)
			return -ENOBUFS;
		if (cl->closing)
			return 0;
	}
	return 0;
}

/* Whether the peer on @p fd (primary gid @p gid) is in group @p g: its
 * primary group or one of its supplementary groups (SO_PEERGROUPS). */
static bool
ctl_peer_in_group(int fd, gid_t gid, gid_t g)
{
	gid_t groups[CTL_PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);
	unsigned int i;

	if (gid == g)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false; /* ERANGE: more groups than we look at; not a member */
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == g)
			return true;
	return false;
}

/*
 * The connecting process's credentials (for the audit log) and its role
 * (weir_ctl_conf). @return 0, or -EACCES when it has no role (in neither
 * group), with the reason in peer->why.
 */
static int
ctl_peer_cred(const struct weir_ctl *c, int fd, struct weir_ctl_peer *peer)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(peer, 0, sizeof(*peer));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 && len == sizeof(uc)) {
		peer->known = true;
		peer->uid = uc.uid;
		peer->gid = uc.gid;
		peer->pid = uc.pid;
	}
	if (!c->has_admin_group && !c->has_monitor_group) {
		peer->admin = true; /* the socket's mode and owner decide */
		return 0;
	}
	if (peer->known && (uc.uid == 0 || uc.uid == geteuid())) {
		peer->admin = true;
		return 0;
	}
	if (peer->known && c->has_admin_group && ctl_peer_in_group(fd, uc.gid, c->admin_gid)) {
		peer->admin = true;
		return 0;
	}
	if (c->has_admin_group)
		snprintf(peer->why, sizeof(peer->why),
			 "not root, not weir's user, not in "
			 "ctl.admin-group '%.32s'",
			 c->admin_group);
	else
		snprintf(peer->why, sizeof(peer->why),
			 "not root, not weir's user; ctl.admin-group "
			 "is not set");
	if (!c->has_monitor_group || (peer->known && ctl_peer_in_group(fd, uc.gid, c->monitor_gid)))
		return 0;
	snprintf(peer->why, sizeof(peer->why),
		 "permission denied: uid %u is in neither ctl.admin-group '%.32s' nor "
		 "ctl.monitor-group '%.32s'",
		 peer->uid, c->has_admin_group ? c->admin_group : "", c->monitor_group);
	return -EACCES;
}

/* Log evictions and refusals: the first at once, then at most one line
 * per WEIR_CTL_LOG_EVERY_MS with the counts since the last line. */
static void
ctl_note_pressure(struct weir_ctl *c, uint64_t now, bool force)
{
	if (c->n_evicted == 0 && c->n_refused == 0)
		return;
	if (!force && c->last_log_ms != 0 && now - c->last_log_ms < WEIR_CTL_LOG_EVERY_MS)
		return;
	WEIR_LOG(WARNING, ctl,
		 "ctl: %s: all %u connection slots held; %u idle client%s closed to make room, "
		 "%u new client%s refused (no client idle %d ms)",
		 c->path, c->max_clients, c->n_evicted, c->n_evicted == 1 ? "" : "s", c->n_refused,
		 c->n_refused == 1 ? "" : "s", WEIR_CTL_EVICT_MIN_MS);
	c->n_evicted = c->n_refused = 0;
	c->last_log_ms = now;
}

/* Root and weir's own user (the socket's owner, also after run-as.user
 * handed it over) may take the reserved slot. */
static bool
ctl_peer_is_admin(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr))
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* Close @p cl to make room, telling it why (best effort, never waits:
 * nothing is pending on it). */
static void
ctl_evict(struct weir_ctl *c, struct ctl_client *cl)
{
	char *line = ctl_error_line(NULL, "idle too long; closed to make room for a new client");

	if (line != NULL && send(cl->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		WEIR_LOG(DEBUG, ctl, "ctl: evicting a client: %s", strerror(errno));
	free(line);
	ctl_client_close(cl);
	c->n_evicted++;
}

/* A slot for a newcomer among the first @p n: a free one, else the one of
 * the client idle longest (at least WEIR_CTL_EVICT_MIN_MS, nothing being
 * written to it), evicted here. @return the slot or -1. */
static int
ctl_slot_for(struct weir_ctl *c, unsigned int n, uint64_t now)
{
	int victim = -1;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (c->clients[i].fd < 0)
			return (int)i;
	for (i = 0; i < n; i++) {
		const struct ctl_client *cl = &c->clients[i];

		if (cl->out_len != cl->out_off || cl->closing ||
		    (int64_t)(now - cl->last_req_ms) < WEIR_CTL_EVICT_MIN_MS)
			continue;
		if (victim < 0 || cl->last_req_ms < c->clients[victim].last_req_ms)
			victim = (int)i;
	}
	if (victim >= 0)
		ctl_evict(c, &c->clients[victim]);
	return victim;
}

static void
ctl_accept(struct weir_ctl *c)
{
	unsigned int n;
	uint64_t now = ctl_now_ms();

	for (n = 0; n < 64; n++) { /* bounded: the rest waits for the next round */
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i;

		if (fd < 0)
			break;
		/* ordinary clients: the first max_clients slots; root and
		 * the owner: the reserved one too */
		i = ctl_slot_for(c, ctl_peer_is_admin(fd) ? c->n_slots : c->max_clients, now);
		if (i < 0) {
			char msg[64], *line;

			c->n_refused++;
			snprintf(msg, sizeof(msg), "too many clients (at most %u)", c->max_clients);
			line = ctl_error_line(NULL, msg);
			if (line != NULL) {
				/* best effort, never waits: the socket is new
				 * and its buffer empty */
				if (send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
					WEIR_LOG(DEBUG, ctl, "ctl: refusing a client: %s",
						 strerror(errno));
				free(line);
			}
			close(fd);
			continue;
		}
		memset(&c->clients[i], 0, sizeof(c->clients[i]));
		c->clients[i].fd = fd;
		c->clients[i].last_req_ms = now;
		/* No role: every request is answered with why (closing at
		 * once would race the client's request: it would see a
		 * reset instead of the reason). */
		if (ctl_peer_cred(c, fd, &c->clients[i].peer) < 0) {
			c->clients[i].peer.refused = true;
			WEIR_LOG(NOTICE, ctl, "ctl: pid %d: %s", (int)c->clients[i].peer.pid,
				 c->clients[i].peer.why);
		}
	}
}

static void *
ctl_thread_main(void *arg)
{
	struct weir_ctl *c = arg;
	struct pollfd *pfd;
	unsigned int *idx, i;

	pfd = calloc(c->n_slots + 1, sizeof(*pfd));
	idx = calloc(c->n_slots + 1, sizeof(*idx));
	if (pfd == NULL || idx == NULL) {
		WEIR_LOG(ERR, ctl, "ctl: out of memory; the stats socket is not served");
		goto out;
	}
	while (!atomic_load(&c->quit)) {
		unsigned int n = 1;
		uint64_t now;
		int ret;

		pfd[0].fd = c->lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < c->n_slots; i++) {
			struct ctl_client *cl = &c->clients[i];

			if (cl->fd < 0)
				continue;
			pfd[n].fd = cl->fd;
			pfd[n].events = POLLIN | (cl->out_len > cl->out_off ? POLLOUT : 0);
			pfd[n].revents = 0;
			idx[n++] = i;
		}
		ret = poll(pfd, n, CTL_POLL_MS);
		if (ret < 0 && errno != EINTR) {
			WEIR_LOG(ERR, ctl, "ctl: poll failed: %s", strerror(errno));
			break;
		}
		now = ctl_now_ms();
		for (i = 1; i < n && ret > 0; i++) {
			struct ctl_client *cl = &c->clients[idx[i]];
			int r = 0;

			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				r = ctl_client_read(c, cl);
			if (r == 0)
				r = ctl_client_flush(cl);
			if (r == 0 && cl->closing && cl->out_len == cl->out_off)
				r = -ECONNRESET; /* error reply written: done */
			if (r < 0)
				ctl_client_close(cl);
		}
		/* Timeouts: a client that takes no bytes, or sends nothing.
		 * Read the clock again: serving above stamped clients with
		 * times later than the poll's. */
		now = ctl_now_ms();
		for (i = 0; i < c->n_slots; i++) {
			struct ctl_client *cl = &c->clients[i];

			if (cl->fd < 0)
				continue;
			if ((cl->out_len > cl->out_off &&
			     (int64_t)(now - cl->last_write_ms) > WEIR_CTL_STALL_MS) ||
			    (cl->out_len == cl->out_off &&
			     (int64_t)(now - cl->last_req_ms) > (int64_t)c->idle_ms))
				ctl_client_close(cl);
		}
		if (ret > 0 && (pfd[0].revents & POLLIN))
			ctl_accept(c);
		ctl_note_pressure(c, now, false);
	}
	ctl_note_pressure(c, ctl_now_ms(), true);
out:
	/* Last words: replies queued (e.g. to "shutdown") get one try. */
	for (i = 0; i < c->n_slots; i++) {
		if (c->clients[i].fd >= 0) {
			ctl_client_flush(&c->clients[i]);
			ctl_client_close(&c->clients[i]);
		}
	}
	free(pfd);
	free(idx);
	return NULL;
}

/* mkdir -p of @p path's directory. */
static int
ctl_mkdirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Remove a socket left by a dead weir; refuse when one is alive. */
static int
ctl_clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (ret == 0)
		return -EADDRINUSE;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

struct weir_ctl *
weir_ctl_start(struct weir_obs *obs, const struct weir_ctl_conf *conf)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct weir_ctl *c;
	struct stat st;
	unsigned int i;
	int ret;

	if (strlen(conf->path) >= sizeof(sa.sun_path) || conf->path[0] == '\0') {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->obs = obs;
	c->lfd = -1;
	c->max_clients = conf->max_clients ? conf->max_clients : 64;
	if (c->max_clients > CTL_MAX_CLIENTS_HARD)
		c->max_clients = CTL_MAX_CLIENTS_HARD;
	c->n_slots = c->max_clients + 1;
	c->idle_ms = conf->idle_ms ? conf->idle_ms : WEIR_CTL_IDLE_MS;
	c->has_admin_group = conf->has_admin_group;
	c->has_monitor_group = conf->has_monitor_group;
	c->admin_gid = conf->admin_gid;
	c->monitor_gid = conf->monitor_gid;
	snprintf(c->admin_group, sizeof(c->admin_group), "%s",
		 conf->admin_group != NULL ? conf->admin_group : "");
	snprintf(c->monitor_group, sizeof(c->monitor_group), "%s",
		 conf->monitor_group != NULL ? conf->monitor_group : "");
	atomic_init(&c->quit, false);
	c->clients = calloc(c->n_slots, sizeof(*c->clients));
	if (c->clients == NULL) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < c->n_slots; i++)
		c->clients[i].fd = -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", conf->path);
	snprintf(c->path, sizeof(c->path), "%s", conf->path);
	ret = ctl_mkdirs(conf->path);
	if (ret < 0)
		goto err_free;
	ret = ctl_clear_stale(&sa);
	if (ret < 0)
		goto err_free;
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		ret = -errno;
		goto err_free;
	}
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto err_close;
	}
	if (chmod(sa.sun_path, conf->mode) < 0 || stat(sa.sun_path, &st) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->lfd, SOMAXCONN) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	/* A DPDK control thread: it runs on the CPUs EAL keeps for control
	 * threads, never on a worker lcore. */
	ret = rte_ctrl_thread_create(&c->thread, "weir-ctl", NULL, ctl_thread_main, c);
	if (ret != 0) {
		ret = ret < 0 ? ret : -ret;
		goto err_unlink;
	}
	return c;

err_unlink:
	unlink(sa.sun_path);
err_close:
	close(c->lfd);
err_free:
	free(c->clients);
	free(c);
	errno = -ret;
	return NULL;
}

void
weir_ctl_stop(struct weir_ctl *c)
{
	struct stat st;

	if (c == NULL)
		return;
	atomic_store(&c->quit, true);
	pthread_join(c->thread, NULL);
	/* Remove the path only if it is still our socket. */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	close(c->lfd);
	free(c->clients);
	free(c);
}
