/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir: the binary. Parses the command line and the configuration (cli.c),
 * loads the rules (rules_cmd.c), starts EAL, opens the capture ports
 * (ports.c) and the sinks (outputs.c), picks the run mode (workers: worker i
 * polls queue i of every port; pipeline: an rx lcore spreads the sources'
 * packets over the workers, dispatch.c), launches one worker per worker
 * lcore (and the rx stage on the next one) and runs the emitter's loop on the main lcore
 * (emitter_loop.c) until the source ends (offline) or a signal arrives; then drains every ring,
 * flushes every sink and prints the summary. `weir rules ...` is rules_cmd.c's. The only file that
 * may exit().
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "capture.h"
#include "cli.h"
#include "conf.h"
#include "control.h"
#include "dispatch.h"
#include "emitter.h"
#include "emitter_loop.h"
#include "latency.h"
#include "log.h"
#include "metrics.h"
#include "obs.h"
#include "outputs.h"
#include "ports.h"
#include "prefault.h"
#include "privdrop.h"
#include "reload.h"
#include "rules.h"
#include "rules_cmd.h"
#include "service.h"
#include "sink.h"
#include "stats.h"
#include "summary.h"
#include "weir_config.h"
#include "worker.h"

/* Set from signal handlers (the only way to reach them); read by the
 * emitter's loop and (stop) by the workers. */
static struct weir_signals g_sig;
/* Pipeline workers' stop flag, never set: they end when the rx stage
 * (which does stop on g_sig.stop) ended and their ring is empty, so
 * whatever was dispatched is processed and accounted for. */
static atomic_bool g_never_stop;
/* A second SIGINT/SIGTERM, or one once weir is stopping anyway (the end
 * of an offline file): the sinks' close stops waiting for delivery
 * (kafka's flush) and counts what is left undelivered. */
static atomic_bool g_stop_signalled, g_stopping, g_flush_abort;

struct weir_app {
	struct weir_conf conf;
	struct weir_cli cli;
	struct weir_eal_args eal;
	struct weir_ruleset *rs; /* as loaded; then owned by rl */
	struct weir_reloader rl; /* publishes rs, reloads it */
	int rl_ready;
	struct rte_rcu_qsbr *qs; /* workers' quiescent states */
	/* capture.interface split at commas (afxdp and dpdk capture several
	 * ports); port p is names[p]; worker i polls queue i of each */
	char *if_buf;
	const char *if_names[WEIR_MAX_PORTS];
	char if_label[WEIR_MAX_PORTS * (WEIR_PORT_NAME_MAX + 1)]; /* "a,b" for logs */
	struct weir_port portv[WEIR_MAX_PORTS];
	const struct weir_port *ports[WEIR_MAX_PORTS];
	unsigned int n_ports;
	struct weir_sink sinks[WEIR_MAX_SINKS]; /* open ones, in em.sinks order */
	unsigned int n_sinks;
	uint32_t frame_bytes; /* frame copied into events: the pcap sink's snaplen */
	char host[256];	      /* host-id, or the host name */
	struct rte_ring *rings[RTE_MAX_LCORE];
	struct weir_worker *workers[RTE_MAX_LCORE];
	unsigned int n_workers;
	struct weir_wwin_shared wsh; /* window rules' rings and watermark */
	bool wsh_ready;
	bool pipeline;		    /* run mode pipeline: the rx stage below */
	struct weir_dispatch *disp; /* pipeline only */
	unsigned int disp_lcore;    /* the rx stage's lcore */
	struct weir_emitter em;
	struct weir_obs obs; /* what ctl/telemetry/metrics read */
	struct weir_latency *lat;
	struct weir_control control; /* stats socket, telemetry, Prometheus */
	struct weir_lossmon lm;	     /* the loss log (main lcore) */
	struct weir_lossmon_in lm_in;
	struct weir_privdrop pd; /* run-as.user: who weir becomes once serving */
	struct weir_service svc; /* sd_notify (app/service.h) */
};

static void
on_signal(int sig)
{
	if (sig == SIGUSR1) {
		atomic_store(&g_sig.usr1, true);
		atomic_store(&g_sig.reopen, true);
	} else if (sig == SIGUSR2) {
		atomic_store(&g_sig.usr2, true);
		atomic_store(&g_sig.reconf, true);
	} else if (sig == SIGHUP) {
		atomic_store(&g_sig.hup, true);
	} else {
		atomic_store(&g_sig.abort, true);
		/* A stop signal once weir is stopping (the outputs' flush has
		 * begun or is about to) ends the flush. One before that only
		 * stops: `timeout` and a kill of the process group deliver
		 * SIGTERM twice within microseconds, which must not cut the
		 * flush short. */
		atomic_store(&g_stop_signalled, true);
		if (atomic_load(&g_stopping))
			atomic_store(&g_flush_abort, true);
		atomic_store(&g_sig.stop, true);
	}
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Each worker's flow table from the configuration: flow.memcap is shared
 * by all the workers' tables; the hash seed is random per run. */
static void
app_flow_conf(const struct weir_conf *c, unsigned int n_workers, struct weir_flow_conf *fc)
{
	unsigned int p, k;

	weir_flow_conf_defaults(fc);
	fc->entries = c->flow_entries;
	fc->memcap = ((uint64_t)c->flow_memcap_mib << 20) / (n_workers != 0 ? n_workers : 1);
	fc->seed = rte_rand();
	fc->use_vlan = c->vlan_use_for_tracking;
	fc->midstream = c->stream_midstream;
	fc->prefault = c->flow_prefault;
	fc->emergency_recovery = (uint8_t)c->flow_emergency_recovery;
	for (p = 0; p < WEIR_FLOW_PROTO_MAX; p++) {
		uint32_t *t[6] = {&fc->timeouts[p].new_s,	&fc->timeouts[p].est_s,
				  &fc->timeouts[p].closed_s,	&fc->timeouts[p].emerg_new_s,
				  &fc->timeouts[p].emerg_est_s, &fc->timeouts[p].emerg_closed_s};

		for (k = 0; k < 6; k++)
			*t[k] = c->flow_timeouts[p][k];
	}
}

/*
 * Each worker's stream pools: the memcaps are shared by the workers; a
 * Hyperscan state slot is twice what the loaded set needs (at least
 * 1 KiB), so a reloaded set may grow that much before its streams are
 * refused (stream_state_nomem).
 */
static void
app_stream_conf(const struct weir_conf *c, unsigned int n_workers, const struct weir_ruleset *rs,
		struct weir_stream_conf *sc)
{
	unsigned int n = n_workers != 0 ? n_workers : 1;
	size_t need = rs != NULL ? rs->stream_state_bytes * 2 : 0;

	weir_stream_conf_defaults(sc);
	sc->memcap = ((uint64_t)c->stream_memcap_mib << 20) / n;
	sc->reassembly_memcap = ((uint64_t)c->stream_reassembly_memcap_mib << 20) / n;
	sc->depth = c->stream_depth;
	sc->max_held = c->stream_max_held;
	sc->confirm_window = c->stream_confirm_window;
	sc->acked = strcmp(c->stream_inspection, "arrival") != 0;
	sc->idle_ns = (uint64_t)c->stream_idle_compress * 1000000000ull;
	sc->payload_before = c->outputs_stream_payload_before < c->events_payload_bytes
				     ? c->outputs_stream_payload_before
				     : c->events_payload_bytes;
	if (need > sc->state_bytes)
		sc->state_bytes = need > UINT32_MAX ? UINT32_MAX : (uint32_t)need;
}

/* The decapsulations the workers do (decoder.*). */
static struct weir_decode_conf
app_decode_conf(const struct weir_conf *c)
{
	struct weir_decode_conf d = {.max_depth = (uint8_t)c->decoder_max_layers};

	d.tunnels = (c->decoder_vxlan ? WEIR_TUN_VXLAN : 0) |
		    (c->decoder_geneve ? WEIR_TUN_GENEVE : 0) |
		    (c->decoder_gre ? WEIR_TUN_GRE : 0) | (c->decoder_ipip ? WEIR_TUN_IPIP : 0) |
		    (c->decoder_teredo ? WEIR_TUN_TEREDO : 0) |
		    (c->decoder_gtpu ? WEIR_TUN_GTPU : 0) | (c->decoder_mpls ? WEIR_TUN_MPLS : 0) |
		    (c->decoder_pppoe ? WEIR_TUN_PPPOE : 0) | (c->decoder_nsh ? WEIR_TUN_NSH : 0);
	return d;
}

/* Each worker's reassembly table: the totals are shared by the workers. */
static void
app_defrag_conf(const struct weir_conf *c, unsigned int n_workers, struct weir_defrag_conf *dc)
{
	unsigned int n = n_workers != 0 ? n_workers : 1;

	dc->trackers = c->defrag_trackers / n > 0 ? c->defrag_trackers / n : 1;
	dc->frags = c->defrag_max_frags / n > 0 ? c->defrag_max_frags / n : 1;
	dc->memcap = ((uint64_t)c->defrag_memcap_mib << 20) / n;
	if (dc->memcap < WEIR_DEFRAG_BLOCK)
		dc->memcap = WEIR_DEFRAG_BLOCK;
	dc->max_frags = c->defrag_datagram_max_frags;
	dc->timeout_ns = (uint64_t)c->defrag_timeout * 1000000000ull;
	if (weir_defrag_policy_parse(c->defrag_policy, &dc->policy) != 0)
		dc->policy = WEIR_DEFRAG_BSD; /* the enum key allows no other */
}

static int
setup_workers(struct weir_app *app)
{
	struct weir_defrag_conf dc;
	struct weir_flow_conf fc;
	struct weir_stream_conf sc;
	unsigned int lcore, i = 0, p;
	/* pipeline: the rx stage counts (capture.count) */
	uint64_t max_pkts = app->conf.workers == 1 && !app->pipeline ? app->conf.capture_count : 0;
	int ret;

	app_flow_conf(&app->conf, app->n_workers, &fc);
	app_stream_conf(&app->conf, app->n_workers, app->rs, &sc);
	app_defrag_conf(&app->conf, app->n_workers, &dc);
	weir_stream_global_init();
	{
		char err[256] = "";

		ret = weir_wwin_shared_init(&app->wsh, app->n_workers, &app->conf,
					    app->rs->n_win > 0, err, sizeof(err));
		app->wsh_ready = true;
		if (app->disp != NULL)
			app->wsh.read_ts = &app->disp->read_ts;
		if (ret < 0) {
			WEIR_LOG(ERR, app, "window rules: %s", err);
			return ret;
		}
	}

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		char name[RTE_RING_NAMESIZE];
		struct weir_rxq *rxq[WEIR_MAX_PORTS];
		uint16_t n_rxq = 0;
		struct weir_worker *w;

		if (i == app->n_workers)
			break;
		if (app->pipeline) {
			rxq[n_rxq++] = weir_dispatch_rxq(app->disp, i);
		} else {
			/* Queue i of every port: symmetric RSS puts both
			 * directions of a flow on the same queue index. */
			for (p = 0; p < app->n_ports; p++) {
				if (app->portv[p].n_queues <= i) {
					WEIR_LOG(ERR, app, "port %s has %u queues for %u workers",
						 app->portv[p].name, app->portv[p].n_queues,
						 app->n_workers);
					return -EINVAL;
				}
				rxq[n_rxq++] = app->portv[p].rxq[i];
			}
		}
		snprintf(name, sizeof(name), "weir_ev_%u", i);
		app->rings[i] = rte_ring_create_elem(
			name, sizeof(struct weir_event), app->conf.events_ring_size,
			(int)rte_lcore_to_socket_id(lcore),
			RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (app->rings[i] == NULL) {
			WEIR_LOG(ERR, app, "rte_ring_create_elem(%u events) failed: %s",
				 app->conf.events_ring_size, rte_strerror(rte_errno));
			return -rte_errno;
		}
		/* DPDK's memory without hugepages (--no-huge, offline's
		 * default) is backed on first write: the worker would fault
		 * in the ring's pages over its first pass, one event in eight
		 * paying a page's zeroing. A failure leaves them to that. */
		(void)weir_prefault(app->rings[i]->memzone->addr, app->rings[i]->memzone->len);
		w = rte_zmalloc_socket("weir_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return -ENOMEM;
		app->workers[i] = w;
		ret = weir_worker_init(w, (uint16_t)i, rxq, n_rxq, &app->rl.active, app->qs,
				       app->rings[i], app->conf.events_payload_bytes, max_pkts,
				       app->pipeline ? &g_never_stop : &g_sig.stop);
		if (ret == 0 && rte_rcu_qsbr_thread_register(app->qs, i) != 0)
			ret = -EINVAL;
		if (ret < 0)
			return ret;
		/* After init, which zeroes the worker: with a pcap sink the
		 * workers copy each flagged frame, up to its snaplen. */
		/* Offline, lossless: a full ring makes the worker wait. */
		w->ring_wait = weir_outputs_block(&app->conf, app->portv[0].offline);
		w->wsh = &app->wsh;
		ret = weir_wwin_start(w, &app->wsh, app->rs);
		if (ret < 0) {
			WEIR_LOG(ERR, app, "window state of worker %u (windows.memcap %u MiB): %s",
				 i, app->conf.windows_memcap_mib, strerror(-ret));
			return ret;
		}
		ret = weir_worker_set_frames(w, app->frame_bytes);
		if (ret < 0)
			return ret;
		app->em.frames[i] = w->frames;
#ifdef WEIR_BENCH_SWITCHES
		/* benchmark builds only (meson -Dbench_switches=true): the
		 * worker without its flow table, perf/bench_flows.sh's
		 * baseline (rules that read flows then never match) */
		if (getenv("WEIR_BENCH_NOFLOWS") != NULL)
			ret = 0;
		else
#endif
			ret = weir_worker_set_flows(w, &fc, app->conf.outputs_flow_records);
		if (ret < 0) {
			WEIR_LOG(ERR, app, "flow table of worker %u (%" PRIu64 " bytes): %s", i,
				 fc.entries != 0 ? (uint64_t)fc.entries * sizeof(struct weir_flow)
						 : fc.memcap,
				 strerror(-ret));
			return ret;
		}
		ret = weir_worker_set_streams(w, &sc);
		if (ret < 0) {
			WEIR_LOG(ERR, app, "stream pools of worker %u (%" PRIu64 " bytes): %s", i,
				 sc.memcap + sc.reassembly_memcap, strerror(-ret));
			return ret;
		}
		w->dconf = app_decode_conf(&app->conf);
		if (app->conf.defrag_enabled) {
			ret = weir_worker_set_defrag(w, &dc, app->conf.vlan_use_for_tracking);
			if (ret < 0) {
				WEIR_LOG(ERR, app, "reassembly table of worker %u: %s", i,
					 strerror(-ret));
				return ret;
			}
		}
		i++;
	}
	if (app->conf.windows_restore)
		weir_wwin_restore(app->workers, app->n_workers);
	return 0;
}

/* After the workers' final flush: their window state to windows.ckpt. */
static void
app_windows_checkpoint(struct weir_app *app)
{
	char err[512] = "";
	int rc;

	if (!app->wsh_ready || app->n_workers == 0 || app->workers[0] == NULL ||
	    app->workers[0]->win.final_blk == NULL)
		return;
	rc = weir_wwin_ckpt_write(app->workers, app->n_workers, true, err, sizeof(err));
	if (rc < 0)
		WEIR_LOG(ERR, app, "window checkpoint not written: %s", err);
	else if (rc == 0)
		WEIR_LOG(INFO, app, "window checkpoint written: %s", app->wsh.ckpt_path);
}

static int
launch_workers(struct weir_app *app)
{
	unsigned int lcore, i = 0;
	int ret;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (i == app->n_workers)
			break;
		ret = rte_eal_remote_launch(weir_worker_main, app->workers[i], lcore);
		if (ret < 0)
			goto err_launch;
		i++;
	}
	if (app->pipeline) {
		ret = rte_eal_remote_launch(weir_dispatch_main, app->disp, app->disp_lcore);
		if (ret < 0)
			goto err_launch;
	}
	return 0;

err_launch:
	WEIR_LOG(ERR, app, "rte_eal_remote_launch failed: %s", strerror(-ret));
	atomic_store(&g_sig.stop, true);
	if (app->pipeline) /* the launched workers end once their rings are empty */
		weir_dispatch_abort(app->disp);
	return ret;
}

/*
 * runmode: the ports were opened with one queue per worker (auto: fewer
 * allowed). Pipeline when asked for, or (auto) when a port got fewer
 * queues than there are workers or cannot spread flows symmetrically
 * (no RSS); then the rx stage polls every queue of
 * every port and needs one more lcore than the workers and main.
 * @return 0, or -EINVAL (printed).
 */
static int
pick_runmode(struct weir_app *app)
{
	const char *rm = app->conf.runmode;
	unsigned int p, lcore, need, i = 0;

	app->pipeline = strcmp(rm, "pipeline") == 0 && app->n_workers > 1;
	if (strcmp(rm, "auto") == 0 && app->n_workers > 1)
		for (p = 0; p < app->n_ports; p++) {
			const struct weir_port *pt = &app->portv[p];

			if (pt->n_queues < app->n_workers || !pt->rss_symmetric) {
				fprintf(stderr,
					"weir: port %s has %u rx queue%s%s for %u workers: run "
					"mode pipeline (an rx lcore spreads flows over the "
					"workers)\n",
					pt->name, pt->n_queues, pt->n_queues == 1 ? "" : "s",
					pt->rss_symmetric ? "" : " and no RSS", app->n_workers);
				app->pipeline = true;
				break;
			}
		}
	need = app->n_workers + 1 + (app->pipeline ? 1 : 0);
	if (rte_lcore_count() < need) {
		fprintf(stderr,
			"weir: %u workers need %u lcores (one main, %s%u workers), EAL has %u "
			"(set -l/--lcores after --, or leave the choice to weir)\n",
			app->n_workers, need,
			app->pipeline ? "one rx stage (runmode pipeline), " : "", app->n_workers,
			rte_lcore_count());
		return -EINVAL;
	}
	if (!app->pipeline)
		return 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (i++ == app->n_workers) {
			app->disp_lcore = lcore;
			break;
		}
	}
	app->disp = weir_dispatch_create(app->portv, app->n_ports, app->n_workers,
					 app->conf.vlan_use_for_tracking, app->conf.capture_count,
					 &g_sig.stop);
	if (app->disp != NULL)
		app->disp->dconf = app_decode_conf(&app->conf);
	if (app->disp == NULL) {
		fprintf(stderr, "weir: cannot set up the pipeline's rx stage: %s\n",
			strerror(errno));
		return -errno;
	}
	return 0;
}

/* The summary (app/summary.c) of what this run did, on stderr.
 * @return weir_summary_print()'s WEIR_SUMMARY_* flags. */
static int
print_summary(struct weir_app *app, const char *driver)
{
	const struct weir_ruleset *rs = atomic_load(&app->rl.active);
	struct weir_summary_in in = {
		.driver = driver,
		.if_label = app->if_label,
		.n_rules = rs ? rs->n_rules : 0,
		.reloads_ok = app->rl.n_ok,
		.reloads_failed = app->rl.n_failed,
		.generation = app->rl.generation,
		.workers = app->workers,
		.n_workers = app->n_workers,
		.ports = app->portv,
		.n_ports = app->n_ports,
		.disp = app->disp != NULL ? &app->disp->st : NULL,
		.em = &app->em.st,
		.lat = app->lat,
		.sinks = app->sinks,
		.n_sinks = app->n_sinks,
		.hz = rte_get_tsc_hz(),
	};

	return weir_summary_print(stderr, &in);
}

/* Observation: fill the view the control side reads (app/obs.h). Before
 * launch; the latency histogram is optional (no memory: not kept). */
static void
setup_obs(struct weir_app *app, const char *driver)
{
	struct weir_obs *o = &app->obs;

	app->lat = malloc(sizeof(*app->lat));
	if (app->lat != NULL)
		weir_latency_init(app->lat, rte_get_tsc_hz());
	app->em.lat = app->lat;
	o->driver = driver;
	o->workers = app->workers;
	o->n_workers = app->n_workers;
	o->rings = app->rings;
	o->ports = app->ports;
	o->n_ports = app->n_ports;
	o->disp = app->disp;
	o->em = &app->em;
	app->lm_in = (struct weir_lossmon_in){
		.workers = app->workers,
		.n_workers = app->n_workers,
		.ports = app->portv,
		.n_ports = app->n_ports,
		.disp = app->disp != NULL ? &app->disp->st : NULL,
		.em = &app->em.st,
		.sinks = app->em.sinks,
		.n_sinks = app->em.n_sinks,
	};
	o->rules = &app->rl;
	o->lat = app->lat;
	o->start_tsc = rte_rdtsc();
	o->hz = rte_get_tsc_hz();
	o->stop = &g_sig.stop;
	o->cancel = &g_sig.abort;
	o->reopen = &g_sig.reopen;
	o->reconf = &g_sig.reconf;
	o->windows = app->wsh_ready ? &app->wsh : NULL;
}

/* The sinks, before the workers: a pcap sink decides how much of each
 * frame they copy. */
static int
open_outputs(struct weir_app *app)
{
	weir_outputs_host(&app->conf, app->host, sizeof(app->host));
	app->em.cancel = &g_sig.abort;
	app->em.fmt = (struct weir_event_fmt){
		.host = app->host,
		.community_id = app->conf.outputs_community_id,
		.community_id_seed = (uint16_t)app->conf.outputs_community_id_seed,
		.weir_fields = app->conf.outputs_weir_fields,
		.rule_metadata = app->conf.outputs_rule_metadata,
		.rule_references = app->conf.outputs_rule_references,
	};
	return weir_outputs_open(app->sinks, &app->n_sinks, &app->em, &app->conf, app->ports,
				 app->n_ports, &app->frame_bytes);
}

/* @return 0, or -EPERM when the privilege drop failed (weir stops). */
static int
run(struct weir_app *app, const char *driver)
{
	char err[256];
	const struct weir_emitter_loop loop = {
		.lm = &app->lm,
		.lm_in = &app->lm_in,
		.em = &app->em,
		.obs = &app->obs,
		.rl = &app->rl,
		.workers = app->workers,
		.n_workers = app->n_workers,
		.ports = app->portv,
		.n_ports = app->n_ports,
		.ports_label = app->if_label,
		.conf_file = app->cli.conf_file,
		.count = app->pipeline ? 0 : app->conf.capture_count, /* rx stage's */
		.keep_alive = app->conf.ctl_keep_alive,
		.spin_ns = (uint64_t)app->conf.events_emitter_spin_us * 1000,
		.hup_force = app->conf.rules_reload_sighup_force,
		.sig = &g_sig,
		.svc = &app->svc,
	};

	fprintf(stderr, "weir: running: %s %s, %u worker%s%s, %u rules%s\n", driver, app->if_label,
		app->n_workers, app->n_workers == 1 ? "" : "s",
		app->pipeline ? " (runmode pipeline)" : "", app->rs->n_rules,
		app->portv[0].offline ? "" : " (SIGINT/SIGTERM to stop)");
	weir_control_start(&app->control, &app->conf, &app->obs, app->portv[0].offline);
	/* Everything is open: ports, sinks, the sockets. */
	if (weir_privdrop_apply(&app->pd, driver, &app->conf, app->control.ctl != NULL, err,
				sizeof(err)) < 0) {
		fprintf(stderr, "weir: run-as: %s; stopping\n", err);
		atomic_store(&g_sig.stop, true);
		return -EPERM;
	}
	weir_service_ready(&app->svc, "running: %s %s, %u worker%s, %u rules", driver,
			   app->if_label, app->n_workers, app->n_workers == 1 ? "" : "s",
			   app->rs->n_rules);
	weir_emitter_loop_run(&loop);
	return 0;
}

static void
app_cleanup(struct weir_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_workers; i++) {
		if (app->workers[i] != NULL) {
			weir_worker_fini(app->workers[i]);
			rte_free(app->workers[i]);
		}
		rte_ring_free(app->rings[i]);
	}
	if (app->wsh_ready)
		weir_wwin_shared_fini(&app->wsh);
	app->wsh_ready = false;
	weir_dispatch_destroy(app->disp);
	app->disp = NULL;
	weir_outputs_close(app->sinks, app->n_sinks, &g_flush_abort);
	if (app->rl_ready) {
		/* after workers and emitter: joins the reload thread */
		weir_reloader_fini(&app->rl);
		app->rl_ready = 0;
		app->rs = NULL;
	}
	rte_free(app->qs);
	app->qs = NULL;
	weir_emitter_fini(&app->em);
	free(app->lat);
	weir_ports_close(app->portv, app->n_ports);
}

int
main(int argc, char **argv)
{
	static struct weir_app app;
	static char *eal_argv[WEIR_MAX_EAL_ARGS];
	const struct weir_capture_ops *ops;
	struct weir_ruleset_opts ropts;
	struct weir_rule_vars vars = {0};
	char **rule_paths = NULL; /* rules.files and threshold-file */
	int n_rule_paths;
	struct weir_diags ds;
	const char *driver;
	unsigned int p;
	int ret, status = WEIR_EXIT_OK;
	char errbuf[256];

	if (argc >= 2 && strcmp(argv[1], "rules") == 0)
		return weir_rules_cmd_main(argc - 1, argv + 1);

	/* EAL logs to stdout by default; stdout may carry our JSON. */
	rte_openlog_stream(stderr);
	if (weir_diags_init(&ds, WEIR_DIAGS_MAX) < 0 || weir_conf_defaults(&app.conf) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		return WEIR_EXIT_RUNTIME;
	}
	if (weir_cli_parse(&app.conf, &app.cli, argc, argv, &ds) < 0) {
		weir_cli_print_diags(&ds);
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	if (app.cli.action == WEIR_CLI_HELP || app.cli.action == WEIR_CLI_VERSION) {
		if (app.cli.action == WEIR_CLI_HELP)
			weir_cli_usage(stdout);
		else
			weir_cli_version(stdout);
		goto out_conf;
	}
	/* log.output: journald's priorities, timestamps, or syslog */
	if (weir_log_start(weir_log_mode(app.conf.log_output, STDERR_FILENO), STDERR_FILENO,
			   app.conf.log_syslog_facility) < 0)
		fprintf(stderr, "weir: cannot set up logging (log.output), logging as is\n");
	weir_service_init(&app.svc);
	if (app.cli.dump_config) {
		weir_conf_dump(&app.conf, stdout);
		goto out_conf;
	}
	if (weir_control_conf_check(&app.conf, &ds) < 0) {
		weir_cli_print_diags(&ds);
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	if (weir_privdrop_resolve(&app.pd, &app.conf, app.cli.check_config, errbuf,
				  sizeof(errbuf)) < 0) {
		fprintf(stderr, "weir: %s\n", errbuf);
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	if (weir_ports_split(app.conf.capture_interface, &app.if_buf, app.if_names, &app.n_ports) <
	    0) {
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	driver = weir_ports_driver(&app.conf, app.if_names, app.n_ports);
	ops = weir_ports_check(&app.conf, driver, app.n_ports);
	if (ops == NULL) {
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}

	if (weir_rules_cmd_opts(&app.conf, app.conf.workers, &vars, &ropts, &ds) < 0) {
		weir_cli_print_diags(&ds);
		status = WEIR_EXIT_USAGE;
		goto out_vars;
	}
	n_rule_paths = weir_rules_cmd_files(&app.conf, &rule_paths);
	if (n_rule_paths < 0) {
		fprintf(stderr, "weir: out of memory\n");
		status = WEIR_EXIT_RUNTIME;
		goto out_vars;
	}
	app.rs = weir_ruleset_load((const char *const *)rule_paths, (unsigned int)n_rule_paths,
				   &ropts, &ds);
	weir_cli_print_diags(&ds);
	if (app.rs == NULL) {
		fprintf(stderr, "weir: rules refused (%u error%s); not starting\n", ds.total,
			ds.total == 1 ? "" : "s");
		status = WEIR_EXIT_USAGE;
		goto out_vars;
	}
	weir_ruleset_notes(app.rs, stderr);
	if (app.rs->n_win > 0) {
		char why[1024];

		if (weir_wwin_check(app.rs, app.conf.windows_max_events, why, sizeof(why)) > 0) {
			fprintf(stderr, "%s\nweir: rules refused; not starting\n", why);
			status = WEIR_EXIT_USAGE;
			goto out_rules;
		}
	}
	if (app.rs->n_skipped > 0)
		fprintf(stderr, "weir: %u rule%s skipped (rules.skip-invalid)\n", app.rs->n_skipped,
			app.rs->n_skipped == 1 ? "" : "s");
	if (app.cli.check_config) {
		if (weir_ports_check_options(&app.conf, driver) < 0) {
			status = WEIR_EXIT_USAGE;
			goto out_rules;
		}
		printf("configuration OK: %u rules from %u file%s in %u group%s, databases %zu "
		       "bytes, built in %.1f ms\n",
		       app.rs->n_rules, app.conf.rules_files.n,
		       app.conf.rules_files.n == 1 ? "" : "s", app.rs->n_groups,
		       app.rs->n_groups == 1 ? "" : "s", app.rs->db_bytes, app.rs->compile_ms);
		goto out_rules;
	}
	if (app.rs->n_rules == 0)
		fprintf(stderr, "weir: no rules loaded (-S FILE): packets are only decoded and "
				"counted\n");
	if (weir_reloader_init(&app.rl, app.rs, (const char *const *)rule_paths,
			       (unsigned int)n_rule_paths, &vars, app.conf.rules_skip_invalid,
			       ropts.cache_dir, app.conf.workers) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		weir_reloader_fini(&app.rl);
		app.rs = NULL;
		status = WEIR_EXIT_RUNTIME;
		goto out_vars;
	}
	app.rl.cache_max_entries = ropts.cache_max_entries;
	app.rl.cache_max_bytes = ropts.cache_max_bytes;
	app.rl.no_addr_split = ropts.no_addr_split;
	app.rl_ready = 1;
	weir_reloader_set_max_loss(&app.rl, app.conf.rules_reload_max_loss);
	app.rl.window_max_events = app.conf.windows_max_events;

	if (weir_cli_eal_args(&app.eal, &app.conf, driver, argc - app.cli.eal_first,
			      argv + app.cli.eal_first) < 0) {
		fprintf(stderr, "weir: too many EAL arguments\n");
		status = WEIR_EXIT_USAGE;
		goto out_rules;
	}
	/* EAL rewrites its argv (permutes it, stores the program name over
	 * the last option): give it a copy so we can free what we own. */
	memcpy(eal_argv, app.eal.argv, sizeof(eal_argv));
	ret = rte_eal_init(app.eal.argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "weir: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		status = WEIR_EXIT_RUNTIME;
		goto out_rules;
	}
	install_signals();

	app.n_workers = app.conf.workers;
	/* runmode workers: a queue per worker on every port; pipeline: one
	 * (afxdp: every queue the interface has, it cannot be told to use
	 * one); auto: a queue per worker where the port has them, else
	 * pipeline (pick_runmode) */
	ret = weir_ports_open(app.portv, app.n_ports, app.if_names, ops, &app.conf,
			      strcmp(app.conf.runmode, "pipeline") == 0 ? 1
									: (uint16_t)app.n_workers,
			      strcmp(app.conf.runmode, "workers") != 0,
			      strcmp(app.conf.runmode, "pipeline") == 0 && app.n_workers > 1,
			      app.if_label, sizeof(app.if_label));
	if (ret < 0) {
		status = ret == -EINVAL || ret == -ENOTSUP ? WEIR_EXIT_USAGE : WEIR_EXIT_RUNTIME;
		goto out_eal;
	}
	ret = pick_runmode(&app);
	if (ret < 0) {
		status = ret == -EINVAL ? WEIR_EXIT_USAGE : WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	for (p = 0; p < app.n_ports; p++)
		app.ports[p] = &app.portv[p];
	app.qs = rte_zmalloc("weir_qsbr", rte_rcu_qsbr_get_memsize(app.n_workers),
			     RTE_CACHE_LINE_SIZE);
	if (app.qs == NULL || rte_rcu_qsbr_init(app.qs, app.n_workers) != 0) {
		fprintf(stderr, "weir: cannot set up the workers' QSBR state\n");
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	if (weir_emitter_init(&app.em) < 0 || open_outputs(&app) < 0) {
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	app.em.ports = app.ports;
	app.em.n_ports = app.n_ports;
	ret = setup_workers(&app);
	if (ret < 0) {
		fprintf(stderr, "weir: worker set-up failed: %s\n", strerror(-ret));
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	app.em.rings = app.rings;
	app.em.n_rings = app.n_workers;
	setup_obs(&app, driver);
	if (weir_ports_start(app.portv, app.n_ports) < 0) {
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	ret = weir_reloader_start(&app.rl, app.qs, app.workers, &app.em);
	if (ret < 0) {
		fprintf(stderr, "weir: cannot start the reload thread: %s\n", strerror(-ret));
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	if (launch_workers(&app) == 0 && run(&app, driver) < 0)
		status = WEIR_EXIT_RUNTIME;
	atomic_store(&g_stopping, true);
	weir_service_stopping(&app.svc);
	rte_eal_mp_wait_lcore();
	weir_control_stop(&app.control);
	app_windows_checkpoint(&app);
	/* A worker that failed to launch leaves nothing in its ring; drain
	 * whatever the others left in case the loop ended early. */
	while (weir_emitter_poll(&app.em) != 0)
		;
	weir_emitter_flush(&app.em);
	weir_ports_stop(app.portv, app.n_ports);
	weir_outputs_close(app.sinks, app.n_sinks, &g_flush_abort);
	weir_lossmon_check(&app.lm, &app.lm_in, true); /* what the last interval held back */
	ret = print_summary(&app, driver);
	if (ret & WEIR_SUMMARY_INPUT_ERROR)
		status = WEIR_EXIT_INPUT;
	else if ((ret & WEIR_SUMMARY_LOSS) && app.conf.outputs_loss_exit && status == WEIR_EXIT_OK)
		status = WEIR_EXIT_LOSS;

out_app:
	app_cleanup(&app);
out_eal:
	rte_eal_cleanup();
out_rules:
	if (!app.rl_ready)
		weir_ruleset_free(app.rs);
	else
		weir_reloader_fini(&app.rl); /* EAL failed: no thread was started */
out_vars:
	weir_rules_cmd_files_free(rule_paths);
	weir_rule_vars_free(&vars);
out_conf:
	free(app.if_buf);
	weir_conf_free(&app.conf);
	weir_diags_free(&ds);
	weir_cli_eal_free(&app.eal);
	weir_log_stop();
	return status;
}
