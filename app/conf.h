/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: one struct weir_conf, filled from defaults, then the YAML
 * file (-c), then command-line overrides. One key table drives all of it:
 * YAML parsing and validation, --help, --dump-config and --check-config.
 * A later capability adds its keys to the table in conf.c and its fields
 * here, and nothing else.
 *
 * Threads and ownership: the main thread builds a weir_conf before launch
 * (and again, into a fresh struct, when SIGUSR2 asks it to re-read -c FILE)
 * and owns it and every string in it; after launch the running struct is
 * only read (workers and the control thread get what they need copied
 * into their own state at start). Nothing here keeps global state, so
 * each function may run on any thread on a struct that thread owns; none
 * may run concurrently with a writer of the same struct. None logs or
 * exits: problems go to the caller's weir_diags.
 */
#ifndef WEIR_CONF_H
#define WEIR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

#define WEIR_CONF_LIST_MAX 64

struct weir_strlist {
	char *v[WEIR_CONF_LIST_MAX];
	unsigned int n;
};

enum weir_conf_type {
	WEIR_CT_BOOL,	/* bool: true/false, yes/no, on/off (any case) */
	WEIR_CT_U32,	/* uint32_t, range [min, max] */
	WEIR_CT_STR,	/* char * (owned) */
	WEIR_CT_ENUM,	/* char * (owned), one of enum_vals */
	WEIR_CT_STRLIST /* struct weir_strlist; a YAML sequence (a lone scalar
			 * is read as a one-element list) */
};

/* One row of the key table. */
struct weir_conf_key {
	const char *name; /* dotted YAML path: "capture.driver" */
	enum weir_conf_type type;
	size_t offset;		      /* into struct weir_conf */
	uint64_t min, max;	      /* WEIR_CT_U32 */
	const char *def;	      /* default, as text ("" for none) */
	const char *const *enum_vals; /* WEIR_CT_ENUM, NULL terminated */
	const char *doc;
	/*
	 * A family of keys rather than one key (WEIR_CT_STRLIST only): the
	 * row "vars.address-groups" stands for every "vars.address-groups.NAME",
	 * NAME matching [A-Za-z_][A-Za-z0-9_]*, and its list holds "NAME=VALUE"
	 * strings in the order the names were first set. Setting a NAME again
	 * replaces its value in place. In YAML the row is a mapping of
	 * NAME: value, where a sequence value is joined into "[a,b,c]".
	 */
	bool family;
};

struct weir_conf {
	/* capture */
	char *capture_driver;	  /* auto | dpdk | pcap | afxdp */
	char *capture_interface;  /* dpdk: port name or index; afxdp: netdev */
	char *capture_pcap_file;  /* pcap: file to replay (-r) */
	uint32_t capture_rx_desc; /* rx descriptors per queue */
	uint32_t capture_mempool; /* mbufs per port */
	uint32_t capture_count;	  /* stop after this many packets, 0 = never */
	uint32_t workers;	  /* worker lcores (queue i of every port each) */
	char *runmode;		  /* auto | workers | pipeline */
	/* flows (app/flow.h): one table per worker */
	uint32_t flow_memcap_mib;		/* all workers' tables together */
	bool flow_prefault;			/* back the tables at start */
	uint32_t flow_entries;			/* flows per worker, 0 = from memcap */
	uint32_t flow_emergency_recovery;	/* percent free to leave emergency */
	uint32_t flow_timeouts[4][6];		/* [enum weir_flow_proto][new, est,
						   closed, emerg-new, emerg-est,
						   emerg-closed], seconds */
	bool stream_midstream;			/* pick up TCP sessions midstream */
	uint32_t stream_memcap_mib;		/* Hyperscan stream states, all workers */
	uint32_t stream_reassembly_memcap_mib;	/* held segments, all workers */
	uint32_t stream_depth;			/* bytes per direction, 0: no limit */
	uint32_t stream_max_held;		/* bytes held per direction */
	uint32_t stream_confirm_window;		/* bytes of the past kept for confirm steps */
	char *stream_inspection;		/* acked | arrival */
	uint32_t stream_idle_compress;		/* s without bytes before a state is compressed */
	uint32_t outputs_stream_payload_before; /* stream bytes before the run in a payload */
	uint32_t windows_memcap_mib;		/* window state, all owners together */
	uint32_t windows_prefault_mib;		/* per owner, backed at start */
	uint32_t windows_max_events;		/* observations kept per (rule, key) */
	uint32_t windows_ring_size;		/* per worker-to-owner ring */
	uint32_t windows_lateness_s;		/* allowed lateness of the watermark */
	char *windows_late_policy;		/* drop | apply */
	char *windows_state_dir;		/* where windows.ckpt lives */
	bool windows_restore;			/* restore windows.ckpt at start */
	char *windows_observations;		/* off | kafka */
	char *windows_observations_topic;	/* Kafka topic of the observation records */
	bool vlan_use_for_tracking;		/* VLAN ids are part of the flow key */
	/* IP reassembly (app/defrag.h): one table per worker */
	bool defrag_enabled;
	uint32_t defrag_trackers;	    /* datagrams at once, all workers */
	uint32_t defrag_max_frags;	    /* fragments held, all workers */
	uint32_t defrag_memcap_mib;	    /* fragment data held, all workers */
	uint32_t defrag_timeout;	    /* seconds */
	uint32_t defrag_datagram_max_frags; /* fragments per datagram */
	char *defrag_policy;		    /* first | last | bsd | linux | windows | solaris */
	/* decapsulation (app/decode.h) */
	bool decoder_vxlan, decoder_geneve, decoder_gre, decoder_ipip, decoder_teredo, decoder_gtpu,
		decoder_mpls, decoder_pppoe, decoder_nsh;
	uint32_t decoder_max_layers;
	/* rules */
	struct weir_strlist rules_files;
	bool rules_skip_invalid;	/* load the valid rules of a file with bad ones */
	uint32_t rules_reload_max_loss; /* per cent of the running rules a reload may lose */
	bool rules_reload_sighup_force; /* SIGHUP reloads as `weirctl reload --force` */
	char *rules_cache_dir;		/* compiled database cache, "" = none */
	char *threshold_file;		/* Suricata's threshold.config, "" = none */
	/* vars (Suricata's vars: section), families of "NAME=VALUE" strings;
	 * names not set here take Suricata's defaults when the rules load */
	struct weir_strlist vars_address_groups; /* vars.address-groups.NAME */
	struct weir_strlist vars_port_groups;	 /* vars.port-groups.NAME */
	/* events */
	uint32_t events_ring_size;	 /* per worker ring, events */
	uint32_t events_emitter_spin_us; /* emitter polls this long after its last event */
	uint32_t events_payload_bytes;	 /* payload bytes copied into an event */
	/* output */
	char *output_jsonl; /* path, "-" = stdout, "" = off */
	/* sinks (outputs.*), each off while its enabling key is "" */
	char *host_id;			       /* EVE host of events, "" = the host name */
	bool outputs_weir_fields;	       /* the "weir" object in every event */
	uint32_t rules_cache_max_entries;      /* cache bound: entries, 0 = none */
	uint32_t rules_cache_max_mib;	       /* cache bound: MiB, 0 = none */
	bool rules_address_split;	       /* packet databases per address class */
	bool outputs_rule_metadata;	       /* alert.metadata */
	bool outputs_rule_references;	       /* alert.references */
	uint32_t outputs_queue_size;	       /* per-sink queue, events */
	char *outputs_backpressure;	       /* auto | block | drop */
	bool outputs_loss_exit;		       /* exit WEIR_EXIT_LOSS when anything was dropped */
	bool outputs_flow_records;	       /* workers queue a flow record per ended flow */
	bool outputs_community_id;	       /* community_id in every event with a flow */
	uint32_t outputs_community_id_seed;    /* its seed, <= 65535 */
	char *outputs_sensitive_rendering;     /* mask | hmac (field: ..., sensitive) */
	char *outputs_sensitive_hmac_key_file; /* its key for hmac, "" = none */
	bool outputs_jsonl_fsync;
	char *outputs_unix_path;      /* enables the unix sink */
	char *outputs_unix_mode;      /* octal text */
	uint32_t outputs_unix_buffer; /* per-subscriber backlog, bytes */
	char *outputs_kafka_brokers;  /* enables the kafka sink */
	char *outputs_kafka_topic;
	char *outputs_kafka_key; /* flow | src_ip | none */
	char *outputs_kafka_compression;
	char *outputs_kafka_acks; /* all | 1 | 0 */
	bool outputs_kafka_idempotence;
	struct weir_strlist outputs_kafka_properties; /* "name=value" */
	uint32_t outputs_kafka_flush_timeout_ms;
	char *outputs_kafka_security_protocol;	   /* auto | plaintext | ssl | sasl_* */
	char *outputs_kafka_tls_ca_file;	   /* ssl.ca.location, "" = system CAs */
	char *outputs_kafka_tls_cert_file;	   /* ssl.certificate.location */
	char *outputs_kafka_tls_key_file;	   /* ssl.key.location, not world-readable */
	char *outputs_kafka_tls_key_password_file; /* ssl.key.password, from this file */
	char *outputs_kafka_sasl_mechanism;	   /* none | PLAIN | SCRAM-SHA-256 | -512 */
	char *outputs_kafka_sasl_username;
	char *outputs_kafka_sasl_password_file; /* sasl.password, from this file */
	char *outputs_pcap_file;		/* enables the pcap sink: file prefix */
	char *outputs_kinesis_stream;		/* enables the kinesis sink */
	char *outputs_kinesis_region;
	char *outputs_kinesis_endpoint;
	char *outputs_kinesis_partition_key; /* flow | src | window */
	char *outputs_kinesis_profile;
	uint32_t outputs_kinesis_queue_size;
	uint32_t outputs_kinesis_batch_records;
	uint32_t outputs_kinesis_batch_bytes;
	uint32_t outputs_kinesis_flush_timeout_ms;
	uint32_t outputs_kinesis_request_timeout_ms;
	uint32_t outputs_kinesis_retry_backoff_ms;
	uint32_t outputs_kinesis_retry_backoff_max_ms;
	uint32_t outputs_pcap_snaplen;
	uint32_t outputs_pcap_max_bytes; /* rotate past this, 0 = never */
	/* dpdk */
	struct weir_strlist eal_args; /* passed to rte_eal_init */
	/* afxdp (drivers/afxdp/afxdp.h says what each means) */
	char *afxdp_mode;	    /* auto | native | skb */
	char *afxdp_zero_copy;	    /* auto | on | off */
	uint32_t afxdp_umem_frames; /* per queue, 2^n */
	uint32_t afxdp_ring_size;   /* rx descriptors per queue, 2^n */
	struct weir_strlist afxdp_protocols;
	struct weir_strlist afxdp_dst_ports;
	struct weir_strlist afxdp_src_prefixes;
	struct weir_strlist afxdp_dst_prefixes;
	struct weir_strlist afxdp_blocklist;
	/* logging */
	char *log_level;	   /* error | warning | notice | info | debug */
	char *log_output;	   /* auto | stderr | syslog (common/log.h) */
	char *log_syslog_facility; /* daemon | user | local0..local7 */
	/* control: stats socket (app/ctl.c) and Prometheus (app/metrics.c) */
	bool ctl_enabled;	      /* serve the stats socket */
	char *ctl_socket;	      /* its path */
	char *ctl_mode;		      /* its permission bits, octal text */
	uint32_t ctl_max_clients;     /* connections served at once */
	uint32_t ctl_idle_timeout_ms; /* a connection with no request is closed */
	bool ctl_keep_alive;	      /* offline: stay up after the end of file */
	char *metrics_listen;	      /* "ADDR:PORT" or "PORT" (loopback), "" = off */
	uint32_t metrics_max_clients; /* scrape connections at once */
	uint32_t metrics_timeout_ms;  /* a scrape connection idle this long is closed */
	char *ctl_admin_group;	      /* "" = root and weir's uid (both "": roles off) */
	char *ctl_monitor_group;      /* "" = any other peer monitors */
	/* privilege drop (app/privdrop.c), Suricata's run-as */
	char *run_as_user;  /* "" = keep the user weir started as */
	char *run_as_group; /* "" = run_as_user's primary group */
};

/** The key table and its length (into @p n): static, immutable, never
 *  freed. Thread: any. */
const struct weir_conf_key *weir_conf_keys(unsigned int *n);

/**
 * Fill @p c with the table's defaults; strings are strdup'ed so that
 * weir_conf_free() frees uniformly. @p c is overwritten, not freed; the
 * caller owns the strings from then on (weir_conf_free()).
 * Thread: the struct's owner (main; the reconfigure path on SIGUSR2).
 * @return 0 or -ENOMEM (then @p c is left empty).
 */
int weir_conf_defaults(struct weir_conf *c);

/**
 * Load a YAML file over @p c. Nested mappings give dotted keys
 * ("capture: {driver: dpdk}" sets capture.driver). Unknown keys, wrong
 * types and out-of-range values each add "file:line: key: reason (allowed
 * ...)" to @p diags; every error in the file is reported, not just the
 * first. A dotted key may also be written flat ("capture.driver: dpdk").
 * YAML null (empty, ~, null) means "" for a string, an empty list for a
 * list, and is an error for a number, enum or bool. The load is all or
 * nothing: on any error @p c is left as it was. Thread: the struct's owner.
 * @return 0, -EINVAL (diagnostics given), -ENOMEM, or -errno when the file
 * cannot be read (also with a diagnostic).
 */
int weir_conf_load_file(struct weir_conf *c, const char *path, struct weir_diags *diags);

/**
 * Set one key from text (command-line --set key=value, or a shortcut
 * option). For a list key the value is appended. A family member
 * ("vars.address-groups.HOME_NET") is set by its full name: a new NAME is
 * appended, a known one gets the new value in place; a bad NAME is
 * -EINVAL, and the bare family name ("vars.address-groups") is -EINVAL
 * too. @p origin names the source in diagnostics ("command line: workers:
 * 0 is out of range ..."). Values must be valid UTF-8 without NUL so that
 * weir_conf_dump() can always write them back. @p c is unchanged on error.
 * @p value is copied. Thread: the struct's owner.
 * @return 0, -EINVAL also for a NULL @p key or @p value, -ENOENT unknown key, -EINVAL bad value,
 * -E2BIG list full (diagnostic given for each), -ENOMEM.
 */
int weir_conf_set(struct weir_conf *c, const char *key, const char *value, const char *origin,
		  struct weir_diags *diags);

/**
 * Empty a list key (so command-line -S replaces the file's rules.files),
 * or every name of a family ("vars.address-groups"), freeing its strings.
 * Thread: the struct's owner (main, while parsing the command line).
 * @return 0, -ENOENT unknown key, -EINVAL not a list key.
 */
int weir_conf_clear(struct weir_conf *c, const char *key);

/**
 * The value of @p name in a family's list of "NAME=VALUE" strings
 * (c->vars_address_groups, c->vars_port_groups), or NULL when it is not
 * set there or @p name is not a valid variable name (the caller then
 * applies Suricata's default, if any). The result is borrowed from
 * @p vars: valid until that list changes or is freed. Thread: any that
 * may read @p vars.
 */
const char *weir_conf_var_get(const struct weir_strlist *vars, const char *name);

/**
 * Write @p c as YAML that weir_conf_load_file() reads back unchanged:
 * nested mappings, each key after a "# doc (type, default)" comment,
 * strings double-quoted with escapes. Thread: any that may read @p c
 * (main, for --dump-config). @return 0, or -EIO when @p f has an error
 * after the flush (@p f stays the caller's, not closed).
 */
int weir_conf_dump(const struct weir_conf *c, FILE *f);

/** Whether every key of the table has the same value in @p a and @p b
 *  (strings and lists compared by content). Thread: any that may read
 *  both. */
bool weir_conf_equal(const struct weir_conf *a, const struct weir_conf *b);

/** Print the key table (name, type, range, default, doc) for --help to
 *  @p f. Thread: any; reads only the static table (main calls it). */
void weir_conf_help(FILE *f);

/** The type, range and default of key @p k as --help words them ("u32 in
 *  [64, 32768], default 1024"), into @p buf. Thread: any (man/weir_man.c
 *  writes weir.yaml(5) from it). */
void weir_conf_describe(const struct weir_conf_key *k, char *buf, size_t len);

/** Free every owned string and zero @p c (not @p c itself); safe to call
 *  twice, and on NULL. Pointers into it (weir_conf_var_get()) die with it.
 *  Thread: the struct's owner, once no reader is left. */
void weir_conf_free(struct weir_conf *c);

#endif /* WEIR_CONF_H */
