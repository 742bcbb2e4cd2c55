/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: the key table and everything it drives. One static table
 * of {name, type, offset, range, default, doc} is the only place a key is
 * described; defaults, YAML loading (libyaml document API, so each node
 * keeps its line), command-line --set, --dump-config and --help all walk
 * it. Loading is all or nothing: the file is applied to a scratch copy
 * that replaces the caller's struct only when no error was found, so a
 * bad file never leaves a half-applied configuration behind.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "conf.h"
#include "event.h"

#define CONF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Longest dotted path we look up; anything longer cannot be a key. */
#define CONF_PATH_MAX 128
/* A config file is small; refusing huge inputs keeps a mistaken -c
 * /dev/zero or a multi-GB log from being slurped into memory. */
#define CONF_FILE_MAX (16u << 20)
/* Values quoted in diagnostics are cut here so the message keeps its tail. */
#define CONF_QUOTE_MAX 64
#define CONF_WRAP      80
/* A key's doc and its summary, as one dump comment (the unit test checks
 * that every doc fits). */
#define CONF_DOC_MAX 1024
/* Longest NAME of a family member ("vars.address-groups.NAME"). */
#define CONF_VAR_NAME_MAX 64
/* Family rows in the table (the unit test checks it). */
#define CONF_FAMILY_MAX 4

static const char *const g_conf_drivers[] = {"auto", "dpdk", "pcap", "afxdp", NULL};
static const char *const g_conf_runmodes[] = {"auto", "workers", "pipeline", NULL};
static const char *const g_conf_inspection[] = {"acked", "arrival", NULL};
static const char *const g_conf_defrag_policies[] = {"first",	"last",	   "bsd", "linux",
						     "windows", "solaris", NULL};
static const char *const g_conf_kafka_keys[] = {"flow", "src_ip", "none", NULL};
static const char *const g_conf_kinesis_keys[] = {"flow", "src", "window", NULL};
static const char *const g_conf_late_policies[] = {"drop", "apply", NULL};
static const char *const g_conf_observations[] = {"off", "kafka", NULL};
static const char *const g_conf_sensitive[] = {"mask", "hmac", NULL};
static const char *const g_conf_backpressure[] = {"auto", "block", "drop", NULL};
static const char *const g_conf_kafka_codecs[] = {"none", "gzip", "snappy", "lz4", "zstd", NULL};
static const char *const g_conf_kafka_acks[] = {"all", "1", "0", NULL};
static const char *const g_conf_xdp_modes[] = {"auto", "native", "skb", NULL};
static const char *const g_conf_zero_copy[] = {"auto", "on", "off", NULL};
static const char *const g_conf_kafka_security[] = {"auto",	      "plaintext", "ssl",
						    "sasl_plaintext", "sasl_ssl",  NULL};
static const char *const g_conf_kafka_sasl[] = {"none", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
						NULL};
static const char *const g_conf_levels[] = {"error", "warning", "notice", "info", "debug", NULL};
static const char *const g_conf_log_outputs[] = {"auto", "stderr", "syslog", NULL};
static const char *const g_conf_facilities[] = {"daemon", "user",   "local0", "local1",
						"local2", "local3", "local4", "local5",
						"local6", "local7", NULL};

#define CONF_U32(n, field, lo, hi, d, text)                                                        \
	{                                                                                          \
		.name = (n), .type = WEIR_CT_U32, .offset = offsetof(struct weir_conf, field),     \
		.min = (lo), .max = (hi), .def = (d), .doc = (text)                                \
	}
#define CONF_STR(n, field, d, text)                                                                \
	{                                                                                          \
		.name = (n), .type = WEIR_CT_STR, .offset = offsetof(struct weir_conf, field),     \
		.def = (d), .doc = (text)                                                          \
	}
#define CONF_ENUM(n, field, vals, d, text)                                                         \
	{                                                                                          \
		.name = (n), .type = WEIR_CT_ENUM, .offset = offsetof(struct weir_conf, field),    \
		.def = (d), .enum_vals = (vals), .doc = (text)                                     \
	}
#define CONF_BOOL(n, field, d, text)                                                               \
	{                                                                                          \
		.name = (n), .type = WEIR_CT_BOOL, .offset = offsetof(struct weir_conf, field),    \
		.def = (d), .doc = (text)                                                          \
	}
#define CONF_LIST(n, field, text)                                                                  \
	{                                                                                          \
		.name = (n), .type = WEIR_CT_STRLIST, .offset = offsetof(struct weir_conf, field), \
		.def = "", .doc = (text)                                                           \
	}
#define CONF_FAMILY(n, field, text)                                                                \
	{                                                                                          \
		.name = (n), .type = WEIR_CT_STRLIST, .offset = offsetof(struct weir_conf, field), \
		.def = "", .doc = (text), .family = true                                           \
	}

/*
 * Keys of one section stay together: --dump-config writes them in this
 * order, one mapping per section.
 */
static const struct weir_conf_key g_conf_keys[] = {
	CONF_ENUM("capture.driver", capture_driver, g_conf_drivers, "auto",
		  "Capture driver; auto = pcap when capture.pcap-file is set, afxdp when "
		  "capture.interface is a kernel network interface (/sys/class/net), else dpdk."),
	CONF_STR("capture.interface", capture_interface, "0",
		 "DPDK port name (e.g. net_pcap0, 0000:01:00.0) or port index; afxdp: kernel "
		 "interface name (eth0); or a comma-separated list of up to 8 (eth0,eth1; "
		 "net_pcap0,net_pcap1) captured at once (afxdp and dpdk), each with one queue "
		 "per worker."),
	CONF_STR("capture.pcap-file", capture_pcap_file, "",
		 "pcap/pcapng file to replay offline (-r); \"\" = none."),
	CONF_U32("capture.rx-descriptors", capture_rx_desc, 64, 32768, "1024",
		 "RX descriptors per queue."),
	CONF_U32("capture.mempool-size", capture_mempool, 1023, 4194304, "16383",
		 "Mbufs per port; 2^n - 1 is the most memory-efficient size."),
	CONF_U32("capture.count", capture_count, 0, UINT32_MAX, "0",
		 "Stop after this many packets (0 = run until end of file or signal)."),
	CONF_U32("workers", workers, 1, 64, "1",
		 "Worker lcores. Run mode workers: every interface gets one rx queue per "
		 "worker and worker i polls queue i of each (symmetric RSS keeps both "
		 "directions of a flow on one worker), any number of workers for any number "
		 "of interfaces; pipeline: the workers get packets from the rx stage."),
	CONF_ENUM("runmode", runmode, g_conf_runmodes, "auto",
		  "How packets reach the workers: workers = each worker polls its own rx "
		  "queue of every interface (needs as many queues as workers, and RSS); "
		  "pipeline = one more lcore polls the source's queues and hands each packet "
		  "to a worker by a symmetric flow hash (a pcap file, one AF_XDP queue, a NIC "
		  "without RSS); auto = pipeline when a source has fewer queues than workers "
		  "and workers > 1, else workers."),
	CONF_U32("flow.memcap", flow_memcap_mib, 1, 1048576, "128",
		 "Flow table memory in MiB, all workers together (Suricata's flow.memcap), "
		 "allocated at start; used when flow.entries is 0."),
	CONF_BOOL("flow.prefault", flow_prefault, "true",
		  "Back the flow tables (flow.memcap) with memory at start, so that new flows "
		  "do not fault their pages in on the workers (the default 128 MiB took 10-20 ms "
		  "on a 2-vCPU VM); false = as flows first use them."),
	CONF_U32("flow.entries", flow_entries, 0, 16777216, "0",
		 "Flows each worker's table holds; 0 = as many as flow.memcap allows."),
	CONF_U32("flow.emergency-recovery", flow_emergency_recovery, 1, 100, "30",
		 "Percent of a full table that must be free again to leave emergency mode."),
	CONF_U32("flow-timeouts.default.new", flow_timeouts[0][0], 0, 86400, "30",
		 "Idle timeout (s) of a other IP protocols flow not yet established."),
	CONF_U32("flow-timeouts.default.established", flow_timeouts[0][1], 0, 86400, "300",
		 "Idle timeout (s) of a other IP protocols flow established."),
	CONF_U32("flow-timeouts.default.closed", flow_timeouts[0][2], 0, 86400, "0",
		 "Idle timeout (s) of a closed other IP protocols flow (only TCP closes; kept for "
		 "Suricata configs)."),
	CONF_U32("flow-timeouts.default.emergency-new", flow_timeouts[0][3], 0, 86400, "10",
		 "Idle timeout (s) of a other IP protocols flow not yet established, in emergency "
		 "mode."),
	CONF_U32("flow-timeouts.default.emergency-established", flow_timeouts[0][4], 0, 86400,
		 "100",
		 "Idle timeout (s) of a other IP protocols flow established, in emergency mode."),
	CONF_U32("flow-timeouts.default.emergency-closed", flow_timeouts[0][5], 0, 86400, "0",
		 "Idle timeout (s) of a closed other IP protocols flow in emergency mode (only TCP "
		 "closes)."),
	CONF_U32("flow-timeouts.tcp.new", flow_timeouts[1][0], 0, 86400, "60",
		 "Idle timeout (s) of a TCP flow not yet established."),
	CONF_U32("flow-timeouts.tcp.established", flow_timeouts[1][1], 0, 86400, "600",
		 "Idle timeout (s) of a TCP flow established."),
	CONF_U32("flow-timeouts.tcp.closed", flow_timeouts[1][2], 0, 86400, "60",
		 "Idle timeout (s) of a TCP flow closed."),
	CONF_U32("flow-timeouts.tcp.emergency-new", flow_timeouts[1][3], 0, 86400, "5",
		 "Idle timeout (s) of a TCP flow not yet established, in emergency mode."),
	CONF_U32("flow-timeouts.tcp.emergency-established", flow_timeouts[1][4], 0, 86400, "100",
		 "Idle timeout (s) of a TCP flow established, in emergency mode."),
	CONF_U32("flow-timeouts.tcp.emergency-closed", flow_timeouts[1][5], 0, 86400, "10",
		 "Idle timeout (s) of a TCP flow closed, in emergency mode."),
	CONF_U32("flow-timeouts.udp.new", flow_timeouts[2][0], 0, 86400, "30",
		 "Idle timeout (s) of a UDP flow not yet established."),
	CONF_U32("flow-timeouts.udp.established", flow_timeouts[2][1], 0, 86400, "300",
		 "Idle timeout (s) of a UDP flow established."),
	CONF_U32("flow-timeouts.udp.closed", flow_timeouts[2][2], 0, 86400, "0",
		 "Idle timeout (s) of a closed UDP flow (only TCP closes; kept for Suricata "
		 "configs)."),
	CONF_U32("flow-timeouts.udp.emergency-new", flow_timeouts[2][3], 0, 86400, "10",
		 "Idle timeout (s) of a UDP flow not yet established, in emergency mode."),
	CONF_U32("flow-timeouts.udp.emergency-established", flow_timeouts[2][4], 0, 86400, "100",
		 "Idle timeout (s) of a UDP flow established, in emergency mode."),
	CONF_U32("flow-timeouts.udp.emergency-closed", flow_timeouts[2][5], 0, 86400, "0",
		 "Idle timeout (s) of a closed UDP flow in emergency mode (only TCP closes)."),
	CONF_U32("flow-timeouts.icmp.new", flow_timeouts[3][0], 0, 86400, "30",
		 "Idle timeout (s) of a ICMP and ICMPv6 flow not yet established."),
	CONF_U32("flow-timeouts.icmp.established", flow_timeouts[3][1], 0, 86400, "300",
		 "Idle timeout (s) of a ICMP and ICMPv6 flow established."),
	CONF_U32("flow-timeouts.icmp.closed", flow_timeouts[3][2], 0, 86400, "0",
		 "Idle timeout (s) of a closed ICMP and ICMPv6 flow (only TCP closes; kept for "
		 "Suricata configs)."),
	CONF_U32("flow-timeouts.icmp.emergency-new", flow_timeouts[3][3], 0, 86400, "10",
		 "Idle timeout (s) of a ICMP and ICMPv6 flow not yet established, in emergency "
		 "mode."),
	CONF_U32("flow-timeouts.icmp.emergency-established", flow_timeouts[3][4], 0, 86400, "100",
		 "Idle timeout (s) of a ICMP and ICMPv6 flow established, in emergency mode."),
	CONF_U32("flow-timeouts.icmp.emergency-closed", flow_timeouts[3][5], 0, 86400, "0",
		 "Idle timeout (s) of a closed ICMP and ICMPv6 flow in emergency mode (only TCP "
		 "closes)."),
	CONF_BOOL("stream.midstream", stream_midstream, "false",
		  "Pick up TCP sessions whose handshake was not seen (the first packet's sender "
		  "is the client); off = such flows have no session and are never established."),
	CONF_U32("stream.memcap", stream_memcap_mib, 1, 1048576, "64",
		 "Memory in MiB for the Hyperscan stream states of stream rules, all workers "
		 "together (Suricata's stream.memcap); a direction that finds none is no longer "
		 "streamed (stream_state_nomem)."),
	CONF_U32("stream.reassembly.memcap", stream_reassembly_memcap_mib, 1, 1048576, "256",
		 "Memory in MiB for TCP segments held for reassembly (out of order, or until "
		 "acknowledged), all workers together (Suricata's stream.reassembly.memcap)."),
	CONF_U32("stream.reassembly.depth", stream_depth, 0, 0x7fffffff, "1048576",
		 "Bytes of each TCP direction stream rules inspect (Suricata's "
		 "stream.reassembly.depth, 1 MiB); 0 = no limit."),
	CONF_U32("stream.reassembly.max-held", stream_max_held, 4096, 0x7fffffff, "262144",
		 "Bytes held per TCP direction: past it a hole is given up (stream_gaps) or, "
		 "with acked inspection, in-order bytes are inspected before their ACK "
		 "(stream_early)."),
	CONF_U32("stream.reassembly.confirm-window", stream_confirm_window, 0, 65536, "1024",
		 "Bytes of each TCP direction's past kept for the confirm step of stream rules "
		 "(pcre Hyperscan cannot decide, negated or relative contents): such a rule is "
		 "decided over these bytes and the new ones; 0 = the new bytes only."),
	CONF_ENUM("stream.inspection", stream_inspection, g_conf_inspection, "acked",
		  "When stream rules see TCP bytes: acked = once the receiver acknowledged them "
		  "(Suricata's IDS mode; alerts wait one round trip, on the ACK), arrival = as "
		  "soon as they are in order (no wait; bytes the receiver never took count)."),
	CONF_U32("windows.memcap", windows_memcap_mib, 1, 1048576, "256",
		 "Memory in MiB for window rule state (README \"Stateful rules (windows)\"), all "
		 "owners together (each worker owns memcap / workers); past it the least "
		 "recently updated key is evicted (window_evicted)."),
	CONF_U32("windows.prefault", windows_prefault_mib, 0, 1048576, "32",
		 "MiB of each owner's window state backed with memory at start, so the first "
		 "observations do not fault it in on the worker (at least the hash heads, at "
		 "most the owner's share of windows.memcap); 0 = none. Only with window rules "
		 "at start; a reload's new state is backed as it is used."),
	CONF_U32("windows.max-events-per-key", windows_max_events, 1, 1048576, "1024",
		 "Observations kept per (window rule, key); on overflow the oldest is dropped "
		 "(window_key_overflow). A condition count > N or count >= N with N at or past "
		 "it is refused at load."),
	CONF_U32("windows.ring-size", windows_ring_size, 64, 1048576, "4096",
		 "Observations each worker-to-owner ring holds; a full ring drops the "
		 "observation (window_ring_full; offline with outputs.backpressure block: waits)."),
	CONF_U32("windows.allowed-lateness", windows_lateness_s, 0, 86400, "0",
		 "Seconds the watermark (the slowest worker's progress) is held back: "
		 "observations within it of the watermark are still applied in event-time "
		 "order."),
	CONF_ENUM("windows.late-policy", windows_late_policy, g_conf_late_policies, "drop",
		  "An observation older than its owner's last applied time (window_late): "
		  "drop = counted and dropped, apply = applied at once, in arrival order."),
	CONF_STR("windows.state-dir", windows_state_dir, "/var/lib/weir",
		 "Directory of the window checkpoint windows.ckpt (written on shutdown and on "
		 "weirctl checkpoint)."),
	CONF_BOOL("windows.restore", windows_restore, "true",
		  "Restore window state from windows.ckpt at start (rules whose sid, rev or "
		  "window/field clauses changed start empty)."),
	CONF_ENUM("windows.observations", windows_observations, g_conf_observations, "off",
		  "Send every window observation (rule, key, fields, event time, flow id) as a "
		  "compact JSON record, keyed by the window key, for a stream processor to "
		  "aggregate across appliances (README \"Observations to Kafka\"): off, or kafka "
		  "(outputs.kafka.brokers, topic windows.observations-topic; needs "
		  "outputs.sensitive-hmac-key-file)."),
	CONF_STR("windows.observations-topic", windows_observations_topic, "weir-observations",
		 "Kafka topic of the observation records (windows.observations kafka), on the "
		 "cluster and with the settings of outputs.kafka.*."),
	CONF_U32("stream.idle-compress", stream_idle_compress, 0, 86400, "30",
		 "Seconds of packet time a TCP direction may go without new bytes before its "
		 "Hyperscan stream state is compressed into stream.memcap (stream_compressed); "
		 "its next bytes expand it (stream_expanded); 0 = never compress."),
	CONF_BOOL("vlan.use-for-tracking", vlan_use_for_tracking, "true",
		  "VLAN ids are part of the flow key (Suricata's vlan.use-for-tracking)."),
	CONF_BOOL("decoder.vxlan.enabled", decoder_vxlan, "true",
		  "Decode VXLAN (UDP port 4789) to the inner packet (Suricata's "
		  "decoder.vxlan.enabled)."),
	CONF_BOOL("decoder.geneve.enabled", decoder_geneve, "true",
		  "Decode Geneve (UDP port 6081) to the inner packet (Suricata's "
		  "decoder.geneve.enabled)."),
	CONF_BOOL("decoder.gre.enabled", decoder_gre, "true",
		  "Decode GRE (keys, sequence numbers; ERSPAN I-III inside) to the inner packet."),
	CONF_BOOL("decoder.ipip.enabled", decoder_ipip, "true",
		  "Decode IPv4 and IPv6 carried in IPv4 or IPv6 (IP protocols 4 and 41)."),
	CONF_BOOL("decoder.teredo.enabled", decoder_teredo, "true",
		  "Decode Teredo (IPv6 in UDP port 3544; Suricata's decoder.teredo.enabled)."),
	CONF_BOOL("decoder.gtpu.enabled", decoder_gtpu, "true",
		  "Decode GTP-U G-PDUs (UDP port 2152) to the user's IP packet."),
	CONF_BOOL("decoder.mpls.enabled", decoder_mpls, "true",
		  "Decode MPLS label stacks (payload guessed by its first nibble, as Suricata)."),
	CONF_BOOL("decoder.pppoe.enabled", decoder_pppoe, "true",
		  "Decode PPPoE sessions (ethertype 0x8864) to the IP packet inside."),
	CONF_BOOL("decoder.nsh.enabled", decoder_nsh, "true",
		  "Decode the Network Service Header (RFC 8300, ethertype 0x894F) to the "
		  "packet it carries, as Suricata does."),
	CONF_U32("decoder.max-layers", decoder_max_layers, 1, 16, "16",
		 "Tunnel layers decoded at most (Suricata's decoder.max-layers); a packet "
		 "deeper than that is matched as the last layer reached."),
	CONF_BOOL("defrag.enabled", defrag_enabled, "true",
		  "Rebuild fragmented IPv4 and IPv6 datagrams and match each as one packet "
		  "(Suricata's defrag); false = fragments are only matched one by one by ip "
		  "rules' header keywords."),
	CONF_U32("defrag.trackers", defrag_trackers, 1, 16777216, "4096",
		 "Datagrams in reassembly at once, all workers together (Suricata's "
		 "defrag.trackers), allocated at start."),
	CONF_U32("defrag.max-frags", defrag_max_frags, 1, 16777216, "16384",
		 "Fragments held at once, all workers together (Suricata's defrag.max-frags)."),
	CONF_U32("defrag.memcap", defrag_memcap_mib, 1, 65536, "32",
		 "Fragment data held at once in MiB, all workers together (Suricata's "
		 "defrag.memcap); a fragment that finds no room is dropped and counted."),
	CONF_U32("defrag.timeout", defrag_timeout, 1, 86400, "60",
		 "Seconds without a fragment after which a datagram is given up (Suricata's "
		 "defrag.timeout)."),
	CONF_U32("defrag.datagram-max-frags", defrag_datagram_max_frags, 1, 255, "128",
		 "Fragments one datagram may have; more are refused and counted."),
	CONF_ENUM("defrag.policy", defrag_policy, g_conf_defrag_policies, "bsd",
		  "Which bytes win where fragments overlap, as Suricata's defrag policies "
		  "(its default is bsd): first, last, bsd, linux, windows, solaris (see README)."),
	CONF_LIST("rules.files", rules_files,
		  "Rule files: *.rules in the Suricata subset (see README), any other name in "
		  "Hyperscan's signature format (ID:/regex/flags)."),
	CONF_BOOL("rules.skip-invalid", rules_skip_invalid, "false",
		  "Load the valid rules of a file that has bad ones, listing every skipped rule; "
		  "default: any bad rule refuses the whole set."),
	CONF_U32("rules.reload-max-loss", rules_reload_max_loss, 0, 100, "50",
		 "A reload (SIGHUP, weirctl reload) is refused, the running rules staying in "
		 "force, when the new set has more than this per cent fewer rules than the "
		 "running one (by count), or none while the running set has some; 100 = refuse "
		 "only an empty set. `weirctl reload --force` (or rules.reload-sighup-force) "
		 "accepts it anyway; both cases are logged at warning level."),
	CONF_BOOL("rules.reload-sighup-force", rules_reload_sighup_force, "false",
		  "SIGHUP reloads as `weirctl reload --force`: a set that loses rules beyond "
		  "rules.reload-max-loss, or every rule, is accepted with a warning."),
	CONF_STR("rules.cache-dir", rules_cache_dir, "/var/cache/weir",
		 "Directory of compiled Hyperscan databases, keyed by rule text, weir's compiler "
		 "version, the Hyperscan version and the CPU; \"\" = no cache."),
	CONF_U32("rules.cache-max-entries", rules_cache_max_entries, 0, 1000000, "512",
		 "After each rule build the cache keeps at most this many compiled databases, "
		 "the least recently used removed first (a database the build just used always "
		 "stays); 0 = no bound on the count."),
	CONF_U32("rules.cache-max-mib", rules_cache_max_mib, 0, 1048576, "2048",
		 "... and at most this many MiB of them; 0 = no bound on the size."),
	CONF_BOOL("rules.address-split", rules_address_split, "true",
		  "When most packet rules name one address set or its other side ($HOME_NET and "
		  "$EXTERNAL_NET in ET Open), also build the packet databases per address class "
		  "(source in the set or not, destination in it or not): a packet scans only the "
		  "rules its addresses can meet. Alerts are the same either way; the split costs "
		  "build time and database memory (`weir rules check` shows it)."),
	CONF_STR("threshold-file", threshold_file, "",
		 "Suricata's threshold.config (suppress, threshold, event_filter entries) applied "
		 "to the *.rules rules; read again with them on every reload. \"\" = none."),
	CONF_FAMILY("vars.address-groups", vars_address_groups,
		    "Address variables of *.rules headers ($HOME_NET), one NAME: value each, "
		    "NAME as [A-Za-z_][A-Za-z0-9_]*; a YAML list is joined into \"[a,b]\". "
		    "--set vars.address-groups.NAME=VALUE sets one. Names not set keep "
		    "Suricata's defaults: HOME_NET [192.168.0.0/16,10.0.0.0/8,172.16.0.0/12], "
		    "EXTERNAL_NET !$HOME_NET, AIM_SERVERS $EXTERNAL_NET, and $HOME_NET for "
		    "HTTP_SERVERS, SMTP_SERVERS, SQL_SERVERS, DNS_SERVERS, TELNET_SERVERS, "
		    "DC_SERVERS, DNP3_SERVER, DNP3_CLIENT, MODBUS_CLIENT, MODBUS_SERVER, "
		    "ENIP_CLIENT, ENIP_SERVER. Values are checked when the rules load."),
	CONF_FAMILY("vars.port-groups", vars_port_groups,
		    "Port variables of *.rules headers ($HTTP_PORTS), one NAME: value each, "
		    "NAME as [A-Za-z_][A-Za-z0-9_]*; a YAML list is joined into \"[a,b]\". "
		    "--set vars.port-groups.NAME=VALUE sets one. Names not set keep Suricata's "
		    "defaults: HTTP_PORTS 80, SHELLCODE_PORTS !80, ORACLE_PORTS 1521, SSH_PORTS "
		    "22, DNP3_PORTS 20000, MODBUS_PORTS 502, FILE_DATA_PORTS "
		    "[$HTTP_PORTS,110,143], FTP_PORTS 21, GENEVE_PORTS 6081, VXLAN_PORTS 4789, "
		    "TEREDO_PORTS 3544. Values are checked when the rules load."),
	CONF_U32("events.ring-size", events_ring_size, 64, 1048576, "8192",
		 "Events per worker ring."),
	CONF_U32("events.payload-bytes", events_payload_bytes, 0, WEIR_EVENT_PAYLOAD_MAX, "256",
		 "Payload bytes copied into each event."),
	CONF_U32("events.emitter-spin-us", events_emitter_spin_us, 0, 1000000, "1000",
		 "After its last event the emitter (main lcore) keeps polling the workers' "
		 "rings for this long, yielding the CPU between polls so threads sharing it run, "
		 "then sleeps in steps doubling from 1 us to 100 us: an alert after a quiet spell "
		 "waits at most that step. 0 = sleep at once (less CPU when traffic is sparse, up "
		 "to 100 us more alert latency)."),
	CONF_U32("outputs.stream-payload-before", outputs_stream_payload_before, 0,
		 WEIR_EVENT_PAYLOAD_MAX, "0",
		 "Bytes of a TCP direction's stream before the bytes a packet released that a "
		 "stream alert's payload may start with (kept with each direction's state): 0 = "
		 "the released bytes up to the match's end only, the stream segment Suricata logs "
		 "once it pruned what it inspected."),
	CONF_STR("output.jsonl", output_jsonl, "-",
		 "EVE JSON lines file; \"-\" = stdout, \"\" = off."),
	CONF_STR("host-id", host_id, "",
		 "This appliance's name in every event's EVE \"host\" (Suricata's sensor-name), so "
		 "appliances can share one Kafka topic; \"\" = the host name."),
	CONF_BOOL("outputs.weir-fields", outputs_weir_fields, "false",
		  "Add weir's own \"weir\" object to every event (rule_index, match_end, worker, "
		  "seq, port, queue, wire_len, payload_len, payload_truncated, ts_ns): loss and "
		  "order checks per worker. Suricata's EVE schema has no such key, so consumers "
		  "that validate against it must leave it off."),
	CONF_BOOL("outputs.rule-metadata", outputs_rule_metadata, "true",
		  "alert.metadata: the rule's metadata keywords grouped by key, each key an array "
		  "of its values, as Suricata writes them (eve-log alert metadata.rule.metadata, "
		  "on by default there too)."),
	CONF_BOOL("outputs.rule-references", outputs_rule_references, "false",
		  "alert.references: each reference keyword of the rule as its URL, the system's "
		  "prefix from Suricata's shipped reference.config then the id, as Suricata "
		  "writes them (eve-log alert metadata.rule.reference, off by default there too)."),
	CONF_U32("outputs.queue-size", outputs_queue_size, 64, 1048576, "8192",
		 "Events queued per sink between the emitter and the sink's thread; past it the "
		 "sink counts drop_full."),
	CONF_ENUM("outputs.backpressure", outputs_backpressure, g_conf_backpressure, "auto",
		  "What a sink that falls behind does: block = the sink's queue, a jsonl pipe "
		  "reader and through them the workers wait (nothing is lost; the replay slows "
		  "to the slowest sink), drop = never wait, count the loss (drop_full, "
		  "drop_backpressure); auto = block when the input is a file (-r), drop on live "
		  "capture. SIGINT/SIGTERM end any wait. The unix sink's subscribers and kafka's "
		  "local queue never block."),
	CONF_BOOL("outputs.loss-exit", outputs_loss_exit, "true",
		  "Exit with status 4 when the run lost anything (any drop_* counter non-zero: "
		  "packets or events); false = exit 0 for operators who accept loss."),
	CONF_BOOL("outputs.flow-records", outputs_flow_records, "false",
		  "A flow record (EVE event_type flow: counters, start, end, age, state, reason) "
		  "for every flow a worker's flow table ends, on the same rings and sinks as the "
		  "alerts (pcap skips them)."),
	CONF_BOOL("outputs.community-id", outputs_community_id, "true",
		  "Add community_id (Community ID v1) to every alert with a flow and every flow "
		  "record, to join them with Zeek and Suricata logs (Suricata's eve-log "
		  "community-id defaults to false)."),
	CONF_U32("outputs.community-id-seed", outputs_community_id_seed, 0, 65535, "0",
		 "Community ID seed; set the same in every tool whose logs are joined."),
	CONF_ENUM("outputs.sensitive-rendering", outputs_sensitive_rendering, g_conf_sensitive,
		  "mask",
		  "How a field marked sensitive (a card number) is written anywhere (EVE, logs): "
		  "mask = first 6 and last 4 digits, hmac = a keyed token (hmac: + 16 bytes of "
		  "HMAC-SHA256, key from outputs.sensitive-hmac-key-file)."),
	CONF_STR("outputs.sensitive-hmac-key-file", outputs_sensitive_hmac_key_file, "",
		 "File holding the key of outputs.sensitive-rendering hmac (its bytes, 16 to "
		 "1024); \"\" = none (hmac then refuses to start)."),
	CONF_BOOL("outputs.jsonl.fsync", outputs_jsonl_fsync, "false",
		  "fsync(2) the output.jsonl file after each flush that wrote."),
	CONF_STR("outputs.unix.path", outputs_unix_path, "",
		 "Unix stream socket serving every event as a JSON line to each connected "
		 "subscriber; \"\" = off."),
	CONF_STR("outputs.unix.mode", outputs_unix_mode, "0660", "Its permissions, octal."),
	CONF_U32("outputs.unix.buffer-bytes", outputs_unix_buffer, 4096, 268435456, "1048576",
		 "Backlog per subscriber; one that falls this far behind is disconnected "
		 "(drop_subscribers)."),
	CONF_STR("outputs.kafka.brokers", outputs_kafka_brokers, "",
		 "Kafka bootstrap servers, \"host:port,...\"; \"\" = off."),
	CONF_STR("outputs.kafka.topic", outputs_kafka_topic, "weir-alerts",
		 "Kafka topic of the events; \"\" = none (with windows.observations kafka: only "
		 "the observations go to Kafka)."),
	CONF_ENUM("outputs.kafka.key", outputs_kafka_key, g_conf_kafka_keys, "flow",
		  "Message key: flow (flow_id, so a flow's events stay in order on one partition), "
		  "src_ip, or none."),
	CONF_ENUM("outputs.kafka.compression", outputs_kafka_compression, g_conf_kafka_codecs,
		  "none", "compression.codec."),
	CONF_ENUM("outputs.kafka.acks", outputs_kafka_acks, g_conf_kafka_acks, "all",
		  "acks; the idempotent producer needs all."),
	CONF_BOOL("outputs.kafka.idempotence", outputs_kafka_idempotence, "true",
		  "enable.idempotence: no duplicates or reordering on retries."),
	CONF_LIST("outputs.kafka.properties", outputs_kafka_properties,
		  "More librdkafka properties, \"name=value\" each, e.g. [\"linger.ms=5\", "
		  "\"queue.buffering.max.messages=100000\"]; applied last."),
	CONF_U32("outputs.kafka.flush-timeout-ms", outputs_kafka_flush_timeout_ms, 0, 3600000,
		 "10000",
		 "At exit, how long to wait for delivery; what is left is counted "
		 "drop_undelivered."),
	CONF_ENUM("outputs.kafka.security-protocol", outputs_kafka_security_protocol,
		  g_conf_kafka_security, "auto",
		  "security.protocol; auto = sasl_ssl when outputs.kafka.sasl.mechanism is set, "
		  "ssl when any outputs.kafka.tls.* file is, else plaintext. sasl_plaintext sends "
		  "the credentials unencrypted (SCRAM hides the password, PLAIN does not)."),
	CONF_STR("outputs.kafka.tls.ca-file", outputs_kafka_tls_ca_file, "",
		 "PEM file of the CA(s) that signed the brokers' certificates (ssl.ca.location); "
		 "\"\" = the system's CAs."),
	CONF_STR("outputs.kafka.tls.cert-file", outputs_kafka_tls_cert_file, "",
		 "PEM client certificate for mutual TLS (ssl.certificate.location); \"\" = none."),
	CONF_STR("outputs.kafka.tls.key-file", outputs_kafka_tls_key_file, "",
		 "PEM private key of tls.cert-file (ssl.key.location); refused when readable by "
		 "everyone (chmod 0600 or 0640)."),
	CONF_STR("outputs.kafka.tls.key-password-file", outputs_kafka_tls_key_password_file, "",
		 "File holding the passphrase of an encrypted tls.key-file (first line); refused "
		 "when readable by everyone; \"\" = the key is not encrypted."),
	CONF_ENUM("outputs.kafka.sasl.mechanism", outputs_kafka_sasl_mechanism, g_conf_kafka_sasl,
		  "none", "SASL mechanism (sasl.mechanisms); none = no SASL."),
	CONF_STR("outputs.kafka.sasl.username", outputs_kafka_sasl_username, "",
		 "SASL user name (sasl.username)."),
	CONF_STR("outputs.kafka.sasl.password-file", outputs_kafka_sasl_password_file, "",
		 "File holding the SASL password (first line; sasl.password is never taken from "
		 "the configuration or the command line); refused when readable by everyone."),
	CONF_STR("outputs.kinesis.stream", outputs_kinesis_stream, "",
		 "Amazon Kinesis Data Streams stream name; \"\" = off. Credentials come from "
		 "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), else STS for "
		 "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, else the shared credentials file "
		 "(AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, mode 0600 or stricter), "
		 "never the command line."),
	CONF_STR("outputs.kinesis.region", outputs_kinesis_region, "",
		 "AWS region (us-east-1); \"\" = AWS_REGION, then AWS_DEFAULT_REGION."),
	CONF_STR("outputs.kinesis.endpoint", outputs_kinesis_endpoint, "",
		 "Endpoint URL for local or VPC endpoints (http://127.0.0.1:4567); \"\" = "
		 "https://kinesis.REGION.amazonaws.com."),
	CONF_ENUM("outputs.kinesis.partition-key", outputs_kinesis_partition_key,
		  g_conf_kinesis_keys, "flow",
		  "Partition key: flow (flow_id: a flow's events stay in order on one shard), src "
		  "(source address) or window (not supported yet)."),
	CONF_STR("outputs.kinesis.profile", outputs_kinesis_profile, "",
		 "Profile of the shared credentials file; \"\" = AWS_PROFILE, then default."),
	CONF_U32("outputs.kinesis.queue-size", outputs_kinesis_queue_size, 16, 1048576, "10000",
		 "Records the sink holds for sending and retrying; past it events are dropped "
		 "(drop_full), or with backpressure the sink waits."),
	CONF_U32("outputs.kinesis.batch-records", outputs_kinesis_batch_records, 1, 500, "500",
		 "Records per PutRecords call at most (the service's limit is 500)."),
	CONF_U32("outputs.kinesis.batch-bytes", outputs_kinesis_batch_bytes, 65536, 5242880,
		 "5242880", "Bytes of data and keys per PutRecords call at most (limit 5 MiB)."),
	CONF_U32("outputs.kinesis.flush-timeout-ms", outputs_kinesis_flush_timeout_ms, 0, 3600000,
		 "10000",
		 "At exit, how long to keep sending; what is left is counted drop_undelivered."),
	CONF_U32("outputs.kinesis.request-timeout-ms", outputs_kinesis_request_timeout_ms, 100,
		 600000, "10000", "Longest PutRecords call (connect included)."),
	CONF_U32("outputs.kinesis.retry-backoff-ms", outputs_kinesis_retry_backoff_ms, 1, 60000,
		 "100", "First wait after a failed call or failed records; doubles each time."),
	CONF_U32("outputs.kinesis.retry-backoff-max-ms", outputs_kinesis_retry_backoff_max_ms, 1,
		 600000, "5000", "Longest wait between attempts (with jitter: half to all of it)."),
	CONF_STR("outputs.pcap.file", outputs_pcap_file, "",
		 "pcapng of the flagged frames: files PREFIX.NNNNNN.pcapng, never overwritten; "
		 "\"\" = off."),
	CONF_U32("outputs.pcap.snaplen", outputs_pcap_snaplen, 64, WEIR_EVENT_FRAME_MAX, "1544",
		 "Bytes of each flagged frame copied into its event and written."),
	CONF_U32("outputs.pcap.max-bytes", outputs_pcap_max_bytes, 0, UINT32_MAX, "0",
		 "Start a new file past this size; 0 = one file."),
	CONF_LIST("dpdk.eal-args", eal_args,
		  "Extra EAL arguments, e.g. [\"--vdev\", \"net_null0\"]."),
	CONF_ENUM("afxdp.mode", afxdp_mode, g_conf_xdp_modes, "auto",
		  "XDP attach mode; auto = native, else generic (skb) with a warning."),
	CONF_ENUM("afxdp.zero-copy", afxdp_zero_copy, g_conf_zero_copy, "auto",
		  "AF_XDP zero-copy; auto = where the NIC driver supports it, else copy."),
	CONF_U32("afxdp.umem-frames", afxdp_umem_frames, 64, 262144, "4096",
		 "UMEM frames (4 KiB each, locked memory) per queue; a power of two."),
	CONF_U32("afxdp.ring-size", afxdp_ring_size, 64, 65536, "2048",
		 "AF_XDP rx ring descriptors per queue; a power of two, <= umem-frames."),
	CONF_LIST("afxdp.filter.protocols", afxdp_protocols,
		  "Protocols sent to weir (tcp, udp, icmp, other, all); empty = tcp, udp. "
		  "Re-read on SIGUSR2."),
	CONF_LIST("afxdp.filter.dst-ports", afxdp_dst_ports,
		  "TCP/UDP destination ports sent to weir, \"80\" or \"8000-8100\"; empty = all. "
		  "Re-read on SIGUSR2."),
	CONF_LIST("afxdp.filter.src-prefixes", afxdp_src_prefixes,
		  "Source CIDRs (v4/v6) sent to weir; empty = any. Re-read on SIGUSR2."),
	CONF_LIST("afxdp.filter.dst-prefixes", afxdp_dst_prefixes,
		  "Destination CIDRs (v4/v6) sent to weir; empty = any. Re-read on SIGUSR2."),
	CONF_LIST("afxdp.blocklist", afxdp_blocklist,
		  "Source CIDRs (v4/v6) dropped in XDP before anything else. Re-read on SIGUSR2."),
	CONF_ENUM("log.level", log_level, g_conf_levels, "notice", "Log level."),
	CONF_ENUM("log.output", log_output, g_conf_log_outputs, "auto",
		  "Where log messages go: auto = stderr, each line prefixed with its syslog "
		  "priority (<N>, sd-daemon(3)) when stderr is journald's stream (run by "
		  "systemd: JOURNAL_STREAM), with a timestamp on a terminal, as is otherwise; "
		  "stderr = as is; syslog = syslog(3) as \"weir\" with log.syslog-facility. "
		  "Start-up errors and the summary are always written to stderr."),
	CONF_ENUM("log.syslog-facility", log_syslog_facility, g_conf_facilities, "daemon",
		  "syslog(3) facility with log.output syslog."),
	CONF_BOOL("ctl.enabled", ctl_enabled, "true",
		  "Serve the stats socket (weirctl); offline runs only with ctl.keep-alive."),
	CONF_STR("ctl.socket", ctl_socket, "/run/weir/weir.sock",
		 "Stats socket path; its directory is created if missing."),
	CONF_STR("ctl.mode", ctl_mode, "0660", "Stats socket permissions, octal (e.g. 0660)."),
	CONF_U32("ctl.max-clients", ctl_max_clients, 1, 1024, "64",
		 "Stats socket connections served at once; when all are taken, a newcomer "
		 "closes the longest-idle one, and one more slot is kept for root and the "
		 "socket's owner."),
	CONF_U32("ctl.idle-timeout-ms", ctl_idle_timeout_ms, 100, 3600000, "30000",
		 "Stats socket: a connection that sends no request for this long is closed."),
	CONF_BOOL("ctl.keep-alive", ctl_keep_alive, "false",
		  "Offline (-r): stay up after the end of the file, serving the stats socket, "
		  "until SIGINT or the shutdown command (--keep-alive)."),
	CONF_STR("metrics.listen", metrics_listen, "",
		 "Prometheus /metrics HTTP endpoint, \"ADDR:PORT\" or \"PORT\" (127.0.0.1); "
		 "\"\" = off."),
	CONF_U32("metrics.max-clients", metrics_max_clients, 2, 1024, "64",
		 "/metrics connections at once; one address holds at most half of them."),
	CONF_U32("metrics.timeout-ms", metrics_timeout_ms, 1000, 600000, "3000",
		 "/metrics: a connection idle this long is closed (rounded up to seconds)."),
	CONF_STR("ctl.admin-group", ctl_admin_group, "",
		 "Group whose members (primary or supplementary, by SO_PEERCRED/SO_PEERGROUPS) "
		 "may run the administration commands (reload, disable, enable, reconfigure, "
		 "reopen, shutdown); root and weir's own user always may; other peers get the "
		 "monitoring commands only. \"\" = only root and weir's user administer; when "
		 "ctl.monitor-group is \"\" too, roles are off and every peer that can open the "
		 "socket (ctl.mode, its owner and group) administers."),
	CONF_STR("ctl.monitor-group", ctl_monitor_group, "",
		 "Group whose members may use the monitoring commands (stats, top, latency, "
		 "rules, ...); peers in neither group are refused. \"\" = any peer that can open "
		 "the socket monitors."),
	CONF_STR("run-as.user", run_as_user, "",
		 "Started as root: once the ports, sockets and output files are open, switch to "
		 "this user (Suricata's run-as) and keep only the capabilities the capture "
		 "driver still needs (pcap: none; dpdk: ipc_lock, sys_rawio, net_admin; afxdp: "
		 "net_admin, sys_admin, bpf, dac_override, to detach its XDP program at exit). "
		 "The stats socket, the output files and rules.cache-dir are handed to it. "
		 "--user. \"\" = keep running as the starting user."),
	CONF_STR("run-as.group", run_as_group, "",
		 "Group to switch to with run-as.user; \"\" = that user's primary group. The "
		 "user's supplementary groups are set as well. --group."),
};

#define CONF_NKEYS CONF_ARRAY_SIZE(g_conf_keys)

const struct weir_conf_key *
weir_conf_keys(unsigned int *n)
{
	if (n != NULL)
		*n = CONF_NKEYS;
	return g_conf_keys;
}

static void *
conf_field(const struct weir_conf *c, const struct weir_conf_key *k)
{
	return (char *)c + k->offset;
}

static const struct weir_conf_key *
conf_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(g_conf_keys[i].name, name) == 0)
			return &g_conf_keys[i];
	return NULL;
}

/* Whether @p path names a section, i.e. is a dotted prefix of some key. */
static bool
conf_is_section(const char *path)
{
	size_t len = strlen(path);
	unsigned int i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strncmp(g_conf_keys[i].name, path, len) == 0 && g_conf_keys[i].name[len] == '.')
			return true;
	return false;
}

/*
 * The family row that @p name is a member of ("vars.address-groups.HOME_NET"
 * gives the row "vars.address-groups" and *@p member "HOME_NET"), whether
 * or not the member is a valid name. NULL when @p name is in no family.
 */
static const struct weir_conf_key *
conf_find_family(const char *name, const char **member)
{
	unsigned int i;

	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];
		size_t len = strlen(k->name);

		if (k->family && strncmp(k->name, name, len) == 0 && name[len] == '.') {
			*member = name + len + 1;
			return k;
		}
	}
	return NULL;
}

/* Position of family row @p k among the table's families. */
static unsigned int
conf_family_index(const struct weir_conf_key *k)
{
	unsigned int i, n = 0;

	for (i = 0; i < CONF_NKEYS && &g_conf_keys[i] != k; i++)
		if (g_conf_keys[i].family)
			n++;
	return n;
}

/* [A-Za-z_][A-Za-z0-9_]*, at most CONF_VAR_NAME_MAX bytes. */
static bool
conf_var_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > CONF_VAR_NAME_MAX || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

/* Index of the "NAME=VALUE" string of @p name in @p l, or -1. */
static int
conf_var_find(const struct weir_strlist *l, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (strncmp(l->v[i], name, len) == 0 && l->v[i][len] == '=')
			return (int)i;
	return -1;
}

const char *
weir_conf_var_get(const struct weir_strlist *vars, const char *name)
{
	size_t len = strlen(name);
	int i;

	if (!conf_var_name_ok(name, len))
		return NULL;
	i = conf_var_find(vars, name, len);
	return i < 0 ? NULL : vars->v[i] + len + 1;
}

static unsigned int
conf_edit_distance(const char *a, const char *b)
{
	unsigned int row[CONF_PATH_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > CONF_PATH_MAX || lb > CONF_PATH_MAX)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0], up;

		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Consider @p cand as a suggestion for @p name; keep the closest. */
static void
conf_suggest_one(const char *name, const char *cand, size_t cand_len, const char **best,
		 size_t *best_len, unsigned int *best_d)
{
	char buf[CONF_PATH_MAX + 1];
	unsigned int d;

	if (cand_len > CONF_PATH_MAX)
		return;
	memcpy(buf, cand, cand_len);
	buf[cand_len] = '\0';
	d = conf_edit_distance(name, buf);
	/* A quarter of the name may be wrong, and at least one edit. */
	if (d < *best_d && d <= (cand_len / 4 > 1 ? cand_len / 4 : 1)) {
		*best = cand;
		*best_len = cand_len;
		*best_d = d;
	}
}

/*
 * The key or section closest to @p name, for "did you mean". Sections
 * count too, so that a misspelt "captur:" mapping gets "capture".
 */
static int
conf_suggest(const char *name, char *out, size_t len)
{
	const char *best = NULL, *dot;
	size_t best_len = 0;
	unsigned int best_d = UINT_MAX, i;

	for (i = 0; i < CONF_NKEYS; i++) {
		const char *n = g_conf_keys[i].name;

		conf_suggest_one(name, n, strlen(n), &best, &best_len, &best_d);
		for (dot = strchr(n, '.'); dot != NULL; dot = strchr(dot + 1, '.'))
			conf_suggest_one(name, n, (size_t)(dot - n), &best, &best_len, &best_d);
	}
	if (best == NULL)
		return -ENOENT;
	snprintf(out, len, "%.*s", (int)best_len, best);
	return 0;
}

/*
 * The hint for unknown @p name under the section of a family ("vars.foo.X"):
 * "did you mean 'vars.port-groups.X'?" when its next part is close to a
 * family's leaf, else a close key if there is one, else the families of
 * that section ("expected vars.address-groups.NAME or vars.port-groups.NAME").
 * @return 0 with @p out set, -ENOENT when @p name is under no family.
 */
static int
conf_family_hint(const char *name, char *out, size_t len)
{
	const struct weir_conf_key *fam[CONF_FAMILY_MAX], *best_k = NULL;
	const char *best = NULL, *best_tail = "", *leaf, *sub, *prev;
	char part[CONF_PATH_MAX + 1];
	size_t plen, sublen, best_len = 0, off;
	unsigned int i, n = 0, best_d = UINT_MAX;

	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];

		leaf = k->family ? strrchr(k->name, '.') : NULL;
		if (leaf == NULL)
			continue;
		plen = (size_t)(leaf - k->name);
		if (strncmp(name, k->name, plen) != 0 || name[plen] != '.')
			continue;
		if (n < CONF_FAMILY_MAX)
			fam[n++] = k;
		sub = name + plen + 1;
		sublen = strcspn(sub, ".");
		if (sublen > CONF_PATH_MAX)
			continue;
		memcpy(part, sub, sublen);
		part[sublen] = '\0';
		prev = best;
		conf_suggest_one(part, leaf + 1, strlen(leaf + 1), &best, &best_len, &best_d);
		if (best != prev) {
			best_k = k;
			best_tail = sub + sublen;
		}
	}
	if (n == 0)
		return -ENOENT;
	if (best_k != NULL) {
		snprintf(out, len, "did you mean '%s%.*s'?", best_k->name, CONF_QUOTE_MAX,
			 best_tail);
		return 0;
	}
	if (conf_suggest(name, part, sizeof(part)) == 0) {
		snprintf(out, len, "did you mean '%s'?", part);
		return 0;
	}
	off = (size_t)snprintf(out, len, "expected ");
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s.NAME",
					i == 0 ? "" : (i + 1 < n ? ", " : " or "), fam[i]->name);
	return 0;
}

static void
conf_unknown_key(struct weir_diags *diags, const char *file, unsigned int line, const char *name)
{
	char sugg[CONF_PATH_MAX + 1], hint[160];

	if (conf_family_hint(name, hint, sizeof(hint)) == 0)
		weir_diag_add(diags, file, line, 0, name, "unknown key '%.*s' (%s)", CONF_QUOTE_MAX,
			      name, hint);
	else if (conf_suggest(name, sugg, sizeof(sugg)) == 0)
		weir_diag_add(diags, file, line, 0, name, "unknown key '%.*s' (did you mean '%s'?)",
			      CONF_QUOTE_MAX, name, sugg);
	else
		weir_diag_add(diags, file, line, 0, name, "unknown key '%.*s'", CONF_QUOTE_MAX,
			      name);
}

/* "an integer in [1, 64]": what a key expects, for type errors. */
static void
conf_expected(const struct weir_conf_key *k, char *buf, size_t len)
{
	size_t off;
	unsigned int i;

	switch (k->type) {
	case WEIR_CT_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case WEIR_CT_U32:
		snprintf(buf, len, "an integer in [%llu, %llu]", (unsigned long long)k->min,
			 (unsigned long long)k->max);
		break;
	case WEIR_CT_STR:
		snprintf(buf, len, "a string");
		break;
	case WEIR_CT_ENUM:
		off = (size_t)snprintf(buf, len, "one of ");
		for (i = 0; k->enum_vals[i] != NULL && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
						k->enum_vals[i]);
		break;
	case WEIR_CT_STRLIST:
		snprintf(buf, len, "a list of strings");
		break;
	}
}

/* Accepts RFC 3629 UTF-8 only: what libyaml will read back from a dump. */
static bool
conf_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char b = s[i];
		uint32_t cp;
		size_t n, j;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (j = 1; j <= n; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static int
conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	unsigned int i;

	for (i = 0; i < CONF_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Decimal, or hex after 0x. Leading zeros do not mean octal. A leading
 * '-' is parsed so that "-1" is reported as out of range rather than as
 * junk; a value beyond 64 bits saturates, which is out of range too.
 * @return 0, -ERANGE (negative or too big for 64 bits), -EINVAL (junk).
 */
static int
conf_parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10, digit;
	bool neg = false, over = false;
	uint64_t v = 0;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digit = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			digit = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			digit = (unsigned int)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - digit) / base)
			over = true;
		else
			v = v * base + digit;
	}
	if (over || (neg && v != 0))
		return -ERANGE;
	*out = v;
	return 0;
}

static int
conf_store_str(char **field, const char *text)
{
	char *dup = strdup(text);

	if (dup == NULL)
		return -ENOMEM;
	free(*field);
	*field = dup;
	return 0;
}

/*
 * Validate @p text for @p k and store it in @p c; a list key appends.
 * @p c is untouched on error. The one place where values are checked, so
 * the YAML file and the command line say exactly the same thing.
 */
static int
conf_assign(struct weir_conf *c, const struct weir_conf_key *k, const char *text, size_t len,
	    const char *file, unsigned int line, struct weir_diags *diags)
{
	char exp[128];
	void *field = conf_field(c, k);
	uint64_t v;
	char *dup;
	int rc;

	if (strlen(text) != len) {
		weir_diag_add(diags, file, line, 0, k->name, "%s: value contains a NUL byte",
			      k->name);
		return -EINVAL;
	}
	if (!conf_utf8_valid((const unsigned char *)text, len)) {
		weir_diag_add(diags, file, line, 0, k->name, "%s: value is not valid UTF-8",
			      k->name);
		return -EINVAL;
	}
	switch (k->type) {
	case WEIR_CT_BOOL:
		if (conf_parse_bool(text, field) != 0) {
			weir_diag_add(diags, file, line, 0, k->name,
				      "%s: '%.*s' is not a boolean (true/false, yes/no, on/off)",
				      k->name, CONF_QUOTE_MAX, text);
			return -EINVAL;
		}
		return 0;
	case WEIR_CT_U32:
		rc = conf_parse_u64(text, &v);
		if (rc == -EINVAL) {
			conf_expected(k, exp, sizeof(exp));
			weir_diag_add(diags, file, line, 0, k->name,
				      "%s: '%.*s' is not a number (expected %s)", k->name,
				      CONF_QUOTE_MAX, text, exp);
			return -EINVAL;
		}
		if (rc != 0 || v < k->min || v > k->max) {
			weir_diag_add(diags, file, line, 0, k->name,
				      "%s: %.*s is out of range [%llu, %llu]", k->name,
				      CONF_QUOTE_MAX, text, (unsigned long long)k->min,
				      (unsigned long long)k->max);
			return -EINVAL;
		}
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	case WEIR_CT_ENUM: {
		unsigned int i;

		for (i = 0; k->enum_vals[i] != NULL; i++)
			if (strcmp(k->enum_vals[i], text) == 0)
				break;
		if (k->enum_vals[i] == NULL) {
			conf_expected(k, exp, sizeof(exp));
			weir_diag_add(diags, file, line, 0, k->name, "%s: '%.*s' is not %s",
				      k->name, CONF_QUOTE_MAX, text, exp);
			return -EINVAL;
		}
		return conf_store_str(field, text);
	}
	case WEIR_CT_STR:
		return conf_store_str(field, text);
	case WEIR_CT_STRLIST: {
		struct weir_strlist *l = field;

		if (l->n >= WEIR_CONF_LIST_MAX) {
			weir_diag_add(diags, file, line, 0, k->name,
				      "%s: too many values (at most %u)", k->name,
				      WEIR_CONF_LIST_MAX);
			return -E2BIG;
		}
		dup = strdup(text);
		if (dup == NULL)
			return -ENOMEM;
		l->v[l->n++] = dup;
		return 0;
	}
	}
	return -EINVAL;
}

/* Whether @p name is a valid member name of @p k; says why not if not. */
static bool
conf_var_name_check(const struct weir_conf_key *k, const char *name, size_t len, const char *file,
		    unsigned int line, struct weir_diags *diags)
{
	if (conf_var_name_ok(name, len))
		return true;
	weir_diag_add(diags, file, line, 0, k->name,
		      "%s: '%.*s' is not a variable name (expected [A-Za-z_][A-Za-z0-9_]*, at "
		      "most %u characters)",
		      k->name, (int)(len < CONF_QUOTE_MAX ? len : CONF_QUOTE_MAX), name,
		      CONF_VAR_NAME_MAX);
	return false;
}

/*
 * Set member @p name of family @p k to @p value (@p len bytes): a name
 * already set gets the new value in place, a new one is appended as
 * "NAME=VALUE". The name is checked here, the value as conf_assign()
 * checks a string (what it means is the rule loader's to check). @p c is
 * untouched on error. @p slot, unless NULL, gets the member's index.
 * @return 0, -EINVAL, -E2BIG, -ENOMEM.
 */
static int
conf_var_set(struct weir_conf *c, const struct weir_conf_key *k, const char *name, size_t name_len,
	     const char *value, size_t len, const char *file, unsigned int line,
	     struct weir_diags *diags, unsigned int *slot)
{
	struct weir_strlist *l = conf_field(c, k);
	char *entry;
	int i;

	if (!conf_var_name_check(k, name, name_len, file, line, diags))
		return -EINVAL;
	if (strlen(value) != len) {
		weir_diag_add(diags, file, line, 0, k->name, "%s.%.*s: value contains a NUL byte",
			      k->name, (int)name_len, name);
		return -EINVAL;
	}
	if (!conf_utf8_valid((const unsigned char *)value, len)) {
		weir_diag_add(diags, file, line, 0, k->name, "%s.%.*s: value is not valid UTF-8",
			      k->name, (int)name_len, name);
		return -EINVAL;
	}
	i = conf_var_find(l, name, name_len);
	if (i < 0 && l->n >= WEIR_CONF_LIST_MAX) {
		weir_diag_add(diags, file, line, 0, k->name, "%s: too many names (at most %u)",
			      k->name, WEIR_CONF_LIST_MAX);
		return -E2BIG;
	}
	entry = malloc(name_len + len + 2);
	if (entry == NULL)
		return -ENOMEM;
	memcpy(entry, name, name_len);
	entry[name_len] = '=';
	memcpy(entry + name_len + 1, value, len + 1);
	if (i >= 0) {
		free(l->v[i]);
		l->v[i] = entry;
	} else {
		i = (int)l->n;
		l->v[l->n++] = entry;
	}
	if (slot != NULL)
		*slot = (unsigned int)i;
	return 0;
}

static void
conf_list_clear(struct weir_strlist *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
		l->v[i] = NULL;
	}
	l->n = 0;
}

void
weir_conf_free(struct weir_conf *c)
{
	unsigned int i;

	if (c == NULL)
		return;
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];

		if (k->type == WEIR_CT_STR || k->type == WEIR_CT_ENUM)
			free(*(char **)conf_field(c, k));
		else if (k->type == WEIR_CT_STRLIST)
			conf_list_clear(conf_field(c, k));
	}
	memset(c, 0, sizeof(*c));
}

int
weir_conf_defaults(struct weir_conf *c)
{
	unsigned int i;
	int rc;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];

		/* An empty default for a list means "no items", not one "". */
		if (k->type == WEIR_CT_STRLIST && k->def[0] == '\0')
			continue;
		/* The table is trusted: the unit test checks every default. */
		rc = conf_assign(c, k, k->def, strlen(k->def), "defaults", 0, NULL);
		if (rc != 0) {
			weir_conf_free(c);
			return rc == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

/* Deep copy of @p src into uninitialised @p dst. */
static int
conf_copy(struct weir_conf *dst, const struct weir_conf *src)
{
	unsigned int i, j;

	memcpy(dst, src, sizeof(*dst));
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];

		if (k->type == WEIR_CT_STR || k->type == WEIR_CT_ENUM) {
			char **p = conf_field(dst, k);

			if (*p != NULL && (*p = strdup(*p)) == NULL)
				goto nomem;
		} else if (k->type == WEIR_CT_STRLIST) {
			struct weir_strlist *l = conf_field(dst, k);

			for (j = 0; j < l->n; j++)
				if ((l->v[j] = strdup(l->v[j])) == NULL)
					goto nomem;
		}
	}
	return 0;
nomem:
	/*
	 * Fields after the failing one still point into @p src: cut them off
	 * before freeing. The failed slot itself is already NULL.
	 */
	for (; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];

		if (k->type == WEIR_CT_STR || k->type == WEIR_CT_ENUM) {
			char **p = conf_field(dst, k);
			char *const *s = conf_field(src, k);

			if (*p == *s)
				*p = NULL;
		} else if (k->type == WEIR_CT_STRLIST) {
			struct weir_strlist *l = conf_field(dst, k);
			const struct weir_strlist *s = conf_field(src, k);

			for (j = 0; j < l->n; j++)
				if (l->v[j] == s->v[j])
					l->v[j] = NULL;
		}
	}
	weir_conf_free(dst);
	return -ENOMEM;
}

static bool
conf_str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool
weir_conf_equal(const struct weir_conf *a, const struct weir_conf *b)
{
	unsigned int i, j;

	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];
		const void *fa = conf_field(a, k), *fb = conf_field(b, k);

		switch (k->type) {
		case WEIR_CT_BOOL:
			if (*(const bool *)fa != *(const bool *)fb)
				return false;
			break;
		case WEIR_CT_U32:
			if (*(const uint32_t *)fa != *(const uint32_t *)fb)
				return false;
			break;
		case WEIR_CT_STR:
		case WEIR_CT_ENUM:
			if (!conf_str_eq(*(char *const *)fa, *(char *const *)fb))
				return false;
			break;
		case WEIR_CT_STRLIST: {
			const struct weir_strlist *la = fa, *lb = fb;

			if (la->n != lb->n)
				return false;
			for (j = 0; j < la->n; j++)
				if (!conf_str_eq(la->v[j], lb->v[j]))
					return false;
			break;
		}
		}
	}
	return true;
}

int
weir_conf_set(struct weir_conf *c, const char *key, const char *value, const char *origin,
	      struct weir_diags *diags)
{
	const struct weir_conf_key *k;

	if (key == NULL || value == NULL)
		return -EINVAL;
	k = conf_find(key);
	if (k == NULL) {
		const char *member;

		k = conf_find_family(key, &member);
		if (k != NULL)
			return conf_var_set(c, k, member, strlen(member), value, strlen(value),
					    origin, 0, diags, NULL);
		conf_unknown_key(diags, origin, 0, key);
		return -ENOENT;
	}
	if (k->family) {
		weir_diag_add(diags, origin, 0, 0, k->name, "%s: name the variable: %s.NAME=VALUE",
			      k->name, k->name);
		return -EINVAL;
	}
	return conf_assign(c, k, value, strlen(value), origin, 0, diags);
}

int
weir_conf_clear(struct weir_conf *c, const char *key)
{
	const struct weir_conf_key *k = conf_find(key);

	if (k == NULL)
		return -ENOENT;
	if (k->type != WEIR_CT_STRLIST)
		return -EINVAL;
	conf_list_clear(conf_field(c, k));
	return 0;
}

/* ---- YAML loading ---- */

struct conf_load {
	struct weir_conf *c; /* the scratch copy being filled */
	yaml_document_t *doc;
	const char *file;
	struct weir_diags *diags;
	unsigned int errors; /* counted here too: @p diags may be NULL */
	bool nomem;
	unsigned int seen[CONF_NKEYS]; /* line each key was set at, 0 = not yet */
	/* The same for each member of each family, by its index in the list. */
	unsigned int var_seen[CONF_FAMILY_MAX][WEIR_CONF_LIST_MAX];
};

static unsigned int
conf_line(const yaml_node_t *n)
{
	return (unsigned int)n->start_mark.line + 1;
}

static const char *
conf_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	default:
		return "a scalar";
	}
}

/* YAML 1.1 null: an empty, "~" or "null" plain scalar. */
static bool
conf_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static void conf_err(struct conf_load *ld, unsigned int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
conf_err(struct conf_load *ld, unsigned int line, const char *key, const char *fmt, ...)
{
	char msg[sizeof(((struct weir_diag *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->errors++;
	weir_diag_add(ld->diags, ld->file, line, 0, key, "%s", msg);
}

static void
conf_assign_node(struct conf_load *ld, const struct weir_conf_key *k, const yaml_node_t *n)
{
	int rc = conf_assign(ld->c, k, (const char *)n->data.scalar.value, n->data.scalar.length,
			     ld->file, conf_line(n), ld->diags);

	if (rc == -ENOMEM)
		ld->nomem = true;
	else if (rc != 0)
		ld->errors++;
}

static void
conf_load_list(struct conf_load *ld, const struct weir_conf_key *k, const yaml_node_t *v)
{
	struct weir_strlist *l = conf_field(ld->c, k);
	yaml_node_item_t *it;
	unsigned int idx = 0;

	/* The file's list replaces what was there (the defaults). */
	conf_list_clear(l);
	if (v->type == YAML_SCALAR_NODE) {
		if (!conf_is_null(v))
			conf_assign_node(ld, k, v);
		return;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);

		idx++;
		if (item->type != YAML_SCALAR_NODE) {
			conf_err(ld, conf_line(item), k->name,
				 "%s: item %u: expected a string, got %s", k->name, idx,
				 conf_node_kind(item));
		} else if (conf_is_null(item)) {
			if (conf_assign(ld->c, k, "", 0, ld->file, conf_line(item), ld->diags) != 0)
				ld->errors++;
		} else {
			conf_assign_node(ld, k, item);
		}
		/* One "too many" is enough, not one per extra item. */
		if (l->n >= WEIR_CONF_LIST_MAX && it + 1 < v->data.sequence.items.top) {
			conf_err(ld, conf_line(yaml_document_get_node(ld->doc, it[1])), k->name,
				 "%s: too many values (at most %u)", k->name, WEIR_CONF_LIST_MAX);
			return;
		}
	}
}

/*
 * "[a,b,c]" of the scalars of sequence @p v (the member @p path's value),
 * as Suricata reads a list; malloc'ed, its length in *@p outlen. NULL
 * after an error (counted) or on ENOMEM (flagged).
 */
static char *
conf_join_seq(struct conf_load *ld, const char *path, const yaml_node_t *v, size_t *outlen)
{
	yaml_node_item_t *it;
	unsigned int idx = 0;
	size_t len = 2, off = 0;
	bool bad = false;
	char *buf;

	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);

		idx++;
		if (item->type != YAML_SCALAR_NODE) {
			conf_err(ld, conf_line(item), path,
				 "%s: item %u: expected a string, got %s", path, idx,
				 conf_node_kind(item));
			bad = true;
		} else if (conf_is_null(item)) {
			conf_err(ld, conf_line(item), path, "%s: item %u: missing value", path,
				 idx);
			bad = true;
		} else {
			/* Aliases can repeat one big scalar: bound the sum. */
			len += item->data.scalar.length + 1;
			if (len > CONF_FILE_MAX) {
				conf_err(ld, conf_line(item), path,
					 "%s: value longer than %u bytes", path, CONF_FILE_MAX);
				return NULL;
			}
		}
	}
	if (bad)
		return NULL;
	buf = malloc(len + 1);
	if (buf == NULL) {
		ld->nomem = true;
		return NULL;
	}
	buf[off++] = '[';
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);

		if (off > 1)
			buf[off++] = ',';
		memcpy(buf + off, item->data.scalar.value, item->data.scalar.length);
		off += item->data.scalar.length;
	}
	buf[off++] = ']';
	buf[off] = '\0';
	*outlen = off;
	return buf;
}

/*
 * Member @p name of family @p k, from a mapping key at @p line: a scalar
 * (null = ""), or a sequence of scalars joined into "[a,b,c]".
 */
static void
conf_load_var(struct conf_load *ld, const struct weir_conf_key *k, const char *name,
	      size_t name_len, unsigned int line, const yaml_node_t *v)
{
	unsigned int fam = conf_family_index(k), slot;
	char path[CONF_PATH_MAX + 1], *joined = NULL;
	const char *text = "";
	size_t len = 0;
	int i, rc;

	if (!conf_var_name_check(k, name, name_len, ld->file, line, ld->diags)) {
		ld->errors++;
		return;
	}
	snprintf(path, sizeof(path), "%s.%.*s", k->name, (int)name_len, name);
	i = conf_var_find(conf_field(ld->c, k), name, name_len);
	if (i >= 0 && fam < CONF_FAMILY_MAX && ld->var_seen[fam][i] != 0) {
		conf_err(ld, line, k->name, "duplicate key '%s' (first set at line %u)", path,
			 ld->var_seen[fam][i]);
		return;
	}
	if (v->type == YAML_MAPPING_NODE) {
		conf_err(ld, line, k->name, "%s: expected a string or a list of strings, got %s",
			 path, conf_node_kind(v));
		return;
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		joined = conf_join_seq(ld, path, v, &len);
		if (joined == NULL)
			return;
		text = joined;
	} else if (!conf_is_null(v)) {
		text = (const char *)v->data.scalar.value;
		len = v->data.scalar.length;
	}
	rc = conf_var_set(ld->c, k, name, name_len, text, len, ld->file, line, ld->diags, &slot);
	free(joined);
	if (rc == -ENOMEM)
		ld->nomem = true;
	else if (rc != 0)
		ld->errors++;
	else if (fam < CONF_FAMILY_MAX)
		ld->var_seen[fam][slot] = line;
}

/*
 * A family's mapping of NAME: value. Its members are merged into what is
 * set already (a name set again gets the new value), unlike a list key,
 * which the file replaces. A member may be set once per file.
 */
static void
conf_load_family(struct conf_load *ld, const struct weir_conf_key *k, unsigned int keyline,
		 const yaml_node_t *v)
{
	yaml_node_pair_t *p;

	if (v->type != YAML_MAPPING_NODE) {
		if (!conf_is_null(v))
			conf_err(ld, keyline, k->name,
				 "%s: expected a mapping of NAME: value, got %s", k->name,
				 conf_node_kind(v));
		return;
	}
	for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *vn = yaml_document_get_node(ld->doc, p->value);

		if (kn->type != YAML_SCALAR_NODE) {
			conf_err(ld, conf_line(kn), NULL, "a key must be a scalar, got %s",
				 conf_node_kind(kn));
			continue;
		}
		conf_load_var(ld, k, (const char *)kn->data.scalar.value, kn->data.scalar.length,
			      conf_line(kn), vn);
	}
}

/* Type errors name the key's line: a block value starts on the next one. */
static void
conf_load_value(struct conf_load *ld, const struct weir_conf_key *k, unsigned int keyline,
		const yaml_node_t *v)
{
	unsigned int idx = (unsigned int)(k - g_conf_keys);
	char exp[128];

	if (k->family) {
		conf_load_family(ld, k, keyline, v);
		return;
	}
	if (ld->seen[idx] != 0) {
		conf_err(ld, keyline, k->name, "duplicate key '%s' (first set at line %u)", k->name,
			 ld->seen[idx]);
		return;
	}
	ld->seen[idx] = keyline;
	conf_expected(k, exp, sizeof(exp));
	if (k->type == WEIR_CT_STRLIST) {
		if (v->type == YAML_MAPPING_NODE)
			conf_err(ld, keyline, k->name, "%s: expected %s, got a mapping", k->name,
				 exp);
		else
			conf_load_list(ld, k, v);
		return;
	}
	if (v->type != YAML_SCALAR_NODE) {
		conf_err(ld, keyline, k->name, "%s: expected %s, got %s", k->name, exp,
			 conf_node_kind(v));
		return;
	}
	if (conf_is_null(v)) {
		if (k->type == WEIR_CT_STR) {
			if (conf_assign(ld->c, k, "", 0, ld->file, keyline, ld->diags) != 0)
				ld->nomem = true;
		} else {
			conf_err(ld, keyline, k->name, "%s: missing value (expected %s)", k->name,
				 exp);
		}
		return;
	}
	conf_assign_node(ld, k, v);
}

/*
 * Walk a mapping whose keys are relative to @p prefix ("" at top level).
 * Recursion only follows known sections, so its depth is bounded by the
 * key table, whatever the file (or a self-referencing alias) holds.
 */
static void
conf_load_mapping(struct conf_load *ld, const yaml_node_t *map, const char *prefix)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *vn = yaml_document_get_node(ld->doc, p->value);
		const struct weir_conf_key *k;
		char path[CONF_PATH_MAX + 1];
		const char *member;
		int len;

		if (kn->type != YAML_SCALAR_NODE) {
			conf_err(ld, conf_line(kn), NULL, "a key must be a scalar, got %s",
				 conf_node_kind(kn));
			continue;
		}
		len = snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "",
			       (const char *)kn->data.scalar.value);
		if (len < 0 || (size_t)len >= sizeof(path) ||
		    strlen((const char *)kn->data.scalar.value) != kn->data.scalar.length) {
			conf_err(ld, conf_line(kn), NULL, "unknown key '%.*s'", CONF_QUOTE_MAX,
				 path);
			continue;
		}
		k = conf_find(path);
		if (k != NULL) {
			conf_load_value(ld, k, conf_line(kn), vn);
		} else if (conf_is_section(path)) {
			if (vn->type == YAML_MAPPING_NODE)
				conf_load_mapping(ld, vn, path);
			else if (!conf_is_null(vn))
				conf_err(ld, conf_line(kn), path,
					 "%s: expected a mapping of %s.* keys, got %s", path, path,
					 conf_node_kind(vn));
		} else if ((k = conf_find_family(path, &member)) != NULL) {
			conf_load_var(ld, k, member, strlen(member), conf_line(kn), vn);
		} else {
			ld->errors++;
			conf_unknown_key(ld->diags, ld->file, conf_line(kn), path);
		}
	}
}

/* 1-based line of byte @p off, for reader errors that carry no mark. */
static unsigned int
conf_offset_line(const unsigned char *buf, size_t len, size_t off)
{
	unsigned int line = 1;
	size_t i;

	for (i = 0; i < off && i < len; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

static int
conf_yaml_error(struct conf_load *ld, const yaml_parser_t *ps, const unsigned char *buf, size_t len)
{
	unsigned int line, ctx_line;

	if (ps->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	ld->errors++;
	if (ps->error == YAML_READER_ERROR) {
		weir_diag_add(ld->diags, ld->file, conf_offset_line(buf, len, ps->problem_offset),
			      0, NULL, "%s", ps->problem ? ps->problem : "cannot read input");
		return -EINVAL;
	}
	line = (unsigned int)ps->problem_mark.line + 1;
	ctx_line = (unsigned int)ps->context_mark.line + 1;
	if (ps->context != NULL && ctx_line != line)
		weir_diag_add(ld->diags, ld->file, line, 0, NULL, "%s (%s at line %u)",
			      ps->problem ? ps->problem : "syntax error", ps->context, ctx_line);
	else if (ps->context != NULL)
		weir_diag_add(ld->diags, ld->file, line, 0, NULL, "%s (%s)",
			      ps->problem ? ps->problem : "syntax error", ps->context);
	else
		weir_diag_add(ld->diags, ld->file, line, 0, NULL, "%s",
			      ps->problem ? ps->problem : "syntax error");
	return -EINVAL;
}

/* Read all of @p path: a small file, and a line for reader errors. */
static int
conf_read_file(const char *path, unsigned char **out, size_t *outlen, struct weir_diags *diags)
{
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;
	struct stat st;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (f == NULL) {
		rc = -errno;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot open: %s", strerror(-rc));
		return rc;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		weir_diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(EISDIR));
		return -EISDIR;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= CONF_FILE_MAX) {
				rc = -EFBIG;
				weir_diag_add(diags, path, 0, 0, NULL, "file larger than %u bytes",
					      CONF_FILE_MAX);
				goto fail;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(-rc));
		goto fail;
	}
	fclose(f);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	fclose(f);
	free(buf);
	return rc;
}

int
weir_conf_load_file(struct weir_conf *c, const char *path, struct weir_diags *diags)
{
	struct conf_load ld = {.file = path, .diags = diags};
	struct weir_conf scratch;
	yaml_document_t doc;
	yaml_parser_t ps;
	unsigned char *buf = NULL;
	unsigned int ndocs = 0;
	size_t len = 0;
	int rc;

	rc = conf_read_file(path, &buf, &len, diags);
	if (rc != 0)
		return rc;
	rc = conf_copy(&scratch, c);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	ld.c = &scratch;
	if (!yaml_parser_initialize(&ps)) {
		rc = -ENOMEM;
		goto out;
	}
	yaml_parser_set_input_string(&ps, buf, len);
	for (;;) {
		const yaml_node_t *root;

		if (!yaml_parser_load(&ps, &doc)) {
			rc = conf_yaml_error(&ld, &ps, buf, len);
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (root == NULL) { /* end of stream */
			yaml_document_delete(&doc);
			break;
		}
		ld.doc = &doc;
		if (++ndocs > 1)
			conf_err(&ld, conf_line(root), NULL,
				 "only one YAML document is allowed per file");
		else if (root->type == YAML_MAPPING_NODE)
			conf_load_mapping(&ld, root, "");
		else if (!conf_is_null(root))
			conf_err(&ld, conf_line(root), NULL,
				 "expected a mapping of keys at top level, got %s",
				 conf_node_kind(root));
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&ps);
	if (rc == 0 && ld.nomem)
		rc = -ENOMEM;
	if (rc == 0 && ld.errors != 0)
		rc = -EINVAL;
out:
	free(buf);
	if (rc != 0) {
		weir_conf_free(&scratch);
		return rc;
	}
	weir_conf_free(c);
	*c = scratch;
	return 0;
}

/* ---- dump and help ---- */

/*
 * Print @p text word-wrapped to CONF_WRAP columns, each line starting with
 * @p prefix. A word longer than a line is printed whole.
 */
static void
conf_wrap(FILE *f, const char *prefix, const char *text)
{
	size_t plen = strlen(prefix), col = 0, w;
	const char *p = text;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w = strcspn(p, " ");
		if (col != 0 && col + 1 + w > CONF_WRAP) {
			fputc('\n', f);
			col = 0;
		}
		if (col == 0) {
			fputs(prefix, f);
			col = plen;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += w;
		p += w;
	}
	if (col != 0)
		fputc('\n', f);
}

/* "u32 in [64, 32768], default 1024": the summary --help and dumps share. */
static void
conf_describe(const struct weir_conf_key *k, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	switch (k->type) {
	case WEIR_CT_BOOL:
		snprintf(buf, len, "bool, default %s", k->def);
		break;
	case WEIR_CT_U32:
		snprintf(buf, len, "u32 in [%llu, %llu], default %s", (unsigned long long)k->min,
			 (unsigned long long)k->max, k->def);
		break;
	case WEIR_CT_STR:
		snprintf(buf, len, "string, default \"%s\"", k->def);
		break;
	case WEIR_CT_ENUM:
		off = (size_t)snprintf(buf, len, "one of ");
		for (i = 0; k->enum_vals[i] != NULL && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " | " : "",
						k->enum_vals[i]);
		if (off < len)
			snprintf(buf + off, len - off, ", default %s", k->def);
		break;
	case WEIR_CT_STRLIST:
		if (k->family)
			snprintf(buf, len, "mapping of NAME: string or list, default empty");
		else
			snprintf(buf, len, "list of strings, default %s",
				 k->def[0] ? k->def : "empty");
		break;
	}
}

static void
conf_put_codepoint_escape(FILE *f, uint32_t cp)
{
	switch (cp) {
	case '\n':
		fputs("\\n", f);
		break;
	case '\t':
		fputs("\\t", f);
		break;
	case '\r':
		fputs("\\r", f);
		break;
	default:
		if (cp <= 0xff)
			fprintf(f, "\\x%02x", (unsigned int)cp);
		else
			fprintf(f, "\\u%04x", (unsigned int)cp);
	}
}

/*
 * Write @p s as a YAML double-quoted scalar. Besides '"' and '\\', escape
 * what libyaml would not read back verbatim: C0/C1 controls, DEL, the
 * YAML 1.1 line breaks NEL, LS, PS (they would be folded) and the
 * non-characters U+FFFE/U+FFFF. @p s is valid UTF-8 (conf_assign checks).
 */
static void
conf_put_quoted(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	fputc('"', f);
	while (*s != '\0') {
		uint32_t cp = *s;
		size_t n = 1;

		if (cp >= 0xf0) {
			cp = ((cp & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
			     (s[3] & 0x3fu);
			n = 4;
		} else if (cp >= 0xe0) {
			cp = ((cp & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
			n = 3;
		} else if (cp >= 0xc0) {
			cp = ((cp & 0x1fu) << 6) | (s[1] & 0x3fu);
			n = 2;
		}
		if (cp == '"' || cp == '\\') {
			fputc('\\', f);
			fputc((int)cp, f);
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
			   cp == 0x2029 || cp == 0xfffe || cp == 0xffff) {
			conf_put_codepoint_escape(f, cp);
		} else {
			fwrite(s, 1, n, f);
		}
		s += n;
	}
	fputc('"', f);
}

/* Split the section part of @p name (all but the leaf) at its dots. */
static unsigned int
conf_sections(const char *name, const char **start, size_t *len, unsigned int max)
{
	const char *p = name, *dot;
	unsigned int n = 0;

	while ((dot = strchr(p, '.')) != NULL && n < max) {
		start[n] = p;
		len[n++] = (size_t)(dot - p);
		p = dot + 1;
	}
	return n;
}

#define CONF_DEPTH_MAX 8

int
weir_conf_dump(const struct weir_conf *c, FILE *f)
{
	const char *ps[CONF_DEPTH_MAX] = {0}, *cs[CONF_DEPTH_MAX] = {0};
	size_t pl[CONF_DEPTH_MAX] = {0}, cl[CONF_DEPTH_MAX] = {0};
	unsigned int i, j, np = 0, nc, common, d;

	fputs("# weir configuration (weir --dump-config); load with weir -c FILE\n", f);
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];
		const void *field = conf_field(c, k);
		const char *leaf = strrchr(k->name, '.');
		char indent[2 * CONF_DEPTH_MAX + 3], doc[CONF_DOC_MAX], desc[256];

		leaf = leaf ? leaf + 1 : k->name;
		nc = conf_sections(k->name, cs, cl, CONF_DEPTH_MAX);
		/* Sections shared with the previous key stay open. */
		for (common = 0; common < nc && common < np; common++)
			if (cl[common] != pl[common] || memcmp(cs[common], ps[common], cl[common]))
				break;
		fputc('\n', f);
		for (d = common; d < nc; d++)
			fprintf(f, "%*s%.*s:\n", (int)(2 * d), "", (int)cl[d], cs[d]);
		snprintf(indent, sizeof(indent), "%*s# ", (int)(2 * nc), "");
		conf_describe(k, desc, sizeof(desc));
		snprintf(doc, sizeof(doc), "%s (%s)", k->doc, desc);
		conf_wrap(f, indent, doc);
		fprintf(f, "%*s%s:", (int)(2 * nc), "", leaf);
		switch (k->type) {
		case WEIR_CT_BOOL:
			fprintf(f, " %s\n", *(const bool *)field ? "true" : "false");
			break;
		case WEIR_CT_U32:
			fprintf(f, " %u\n", (unsigned int)*(const uint32_t *)field);
			break;
		case WEIR_CT_STR:
		case WEIR_CT_ENUM:
			fputc(' ', f);
			conf_put_quoted(f, *(char *const *)field);
			fputc('\n', f);
			break;
		case WEIR_CT_STRLIST: {
			const struct weir_strlist *l = field;

			if (k->family) {
				fputs(l->n == 0 ? " {}\n" : "\n", f);
				for (j = 0; j < l->n; j++) {
					const char *eq = strchr(l->v[j], '=');
					size_t nl = eq ? (size_t)(eq - l->v[j]) : strlen(l->v[j]);

					fprintf(f, "%*s%.*s: ", (int)(2 * nc + 2), "", (int)nl,
						l->v[j]);
					conf_put_quoted(f, eq ? eq + 1 : "");
					fputc('\n', f);
				}
				break;
			}
			fputs(l->n == 0 ? " []\n" : "\n", f);
			for (j = 0; j < l->n; j++) {
				fprintf(f, "%*s- ", (int)(2 * nc + 2), "");
				conf_put_quoted(f, l->v[j]);
				fputc('\n', f);
			}
			break;
		}
		}
		memcpy(ps, cs, sizeof(ps));
		memcpy(pl, cl, sizeof(pl));
		np = nc;
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

void
weir_conf_help(FILE *f)
{
	char desc[256];
	unsigned int i;

	fputs("Configuration keys (YAML file -c, or --set key=value):\n", f);
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct weir_conf_key *k = &g_conf_keys[i];

		conf_describe(k, desc, sizeof(desc));
		fprintf(f, "\n  %s%s\n", k->name, k->family ? ".NAME" : "");
		conf_wrap(f, "      ", desc);
		conf_wrap(f, "      ", k->doc);
	}
}

void
weir_conf_describe(const struct weir_conf_key *k, char *buf, size_t len)
{
	conf_describe(k, buf, len);
}
