/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control commands, written out once: _(name, role, options, doc).
 * Three views walk this list and map each name to their own handler
 * (by token pasting, so a missing handler does not compile):
 *
 *   stats socket (app/ctl.c)        {"command":"NAME"}: MONITOR and ADMIN
 *                                   rows, handler ctl_cmd_NAME
 *   DPDK telemetry (app/telemetry.c) /weir/NAME: MONITOR rows only,
 *                                   handler tel_NAME
 *   weirctl (app/weirctl/main.c)    weirctl NAME: every row, cmd_NAME
 *
 * role: MONITOR reads counters and changes nothing (so DPDK's telemetry
 * socket may serve it too); ADMIN changes what weir does (rules, outputs,
 * stopping) and is served only where the socket's mode (ctl.mode)
 * guards it; CLIENT exists in weirctl only, built from other commands.
 * options are weirctl's (its --help prints them); the stats socket's
 * request members are named in doc.
 *
 * Pure preprocessor, no include: weirctl (jansson only) includes it.
 * tests/unit/app/test_ctl.c and tests/integration/test_ctl.sh walk it.
 */
#ifndef WEIR_CTL_CMDS_H
#define WEIR_CTL_CMDS_H

#define WEIR_CTL_COMMANDS(_)                                                                       \
	_(version, MONITOR, "", "versions of weir, DPDK and Hyperscan")                            \
	_(stats, MONITOR, "",                                                                      \
	  "every counter, the accounting identities, latency (weirctl: as tables)")                \
	_(top, CLIENT, "[--iterations N] [--top N]",                                               \
	  "live view, refreshed each second: rates, drops, latency, top rules")                    \
	_(ports, MONITOR, "", "per port and queue counters, NIC drops")                            \
	_(workers, MONITOR, "", "per worker counters and busy ratio")                              \
	_(rules, MONITOR, "[--top N]", "rules by hits, most first; {\"top\":N}, default 10")       \
	_(latency, MONITOR, "", "rx to sink latency percentiles")                                  \
	_(sinks, MONITOR, "", "per sink counters")                                                 \
	_(reload, ADMIN, "[--force]",                                                              \
	  "reload every rule file; replies when done, with the rule errors if refused "            \
	  "(as SIGHUP); a set losing too many rules (rules.reload-max-loss) is refused "           \
	  "unless {\"force\":true}")                                                               \
	_(disable, ADMIN, "SID", "drop the matches of rule {\"sid\":N}, kept over reloads")        \
	_(enable, ADMIN, "SID", "undo disable {\"sid\":N}")                                        \
	_(reconfigure, ADMIN, "",                                                                  \
	  "re-read -c FILE, apply the capture filter and block list (as SIGUSR2)")                 \
	_(reopen, ADMIN, "", "reopen the output files (log rotation, as SIGUSR1)")                 \
	_(checkpoint, ADMIN, "",                                                                   \
	  "write the window rules' state to windows.state-dir/windows.ckpt now (the applied "      \
	  "state; observations waiting for the watermark are not in it)")                          \
	_(shutdown, ADMIN, "", "stop weir: drain, flush, summary (as SIGINT)")                     \
	_(help, MONITOR, "", "the commands weir serves")

#endif /* WEIR_CTL_CMDS_H */
