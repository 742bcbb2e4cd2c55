/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: one struct weir_conf, filled from defaults, then the YAML
 * file (-c), then command-line overrides. One key table drives all of it:
 * YAML parsing and validation, --help, --dump-config and --check-config.
 * A later capability adds its keys to the table in conf.c and its fields
 * here, and nothing else.
 */
#ifndef WEIR_CONF_H
#define WEIR_CONF_H

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
	WEIR_CT_BOOL,
	WEIR_CT_U32,    /* uint32_t, range [min, max] */
	WEIR_CT_STR,    /* char * (owned) */
	WEIR_CT_ENUM,   /* char * (owned), one of enum_vals */
	WEIR_CT_STRLIST /* struct weir_strlist; a YAML sequence */
};

/* One row of the key table. */
struct weir_conf_key {
	const char *name;     /* dotted YAML path: "capture.driver" */
	enum weir_conf_type type;
	size_t offset;        /* into struct weir_conf */
	uint64_t min, max;    /* WEIR_CT_U32 */
	const char *def;      /* default, as text ("" for none) */
	const char *const *enum_vals; /* WEIR_CT_ENUM, NULL terminated */
	const char *doc;
};

struct weir_conf {
	/* capture */
	char *capture_driver;      /* auto | dpdk | pcap */
	char *capture_interface;   /* dpdk: port name or index */
	char *capture_pcap_file;   /* pcap: file to replay (-r) */
	uint32_t capture_rx_desc;  /* rx descriptors per queue */
	uint32_t capture_mempool;  /* mbufs per port */
	uint32_t capture_count;    /* stop after this many packets, 0 = never */
	uint32_t workers;          /* worker lcores (one rx queue each) */
	/* rules */
	struct weir_strlist rules_files;
	/* events */
	uint32_t events_ring_size;     /* per worker ring, events */
	uint32_t events_payload_bytes; /* payload bytes copied into an event */
	/* output */
	char *output_jsonl;        /* path, "-" = stdout, "" = off */
	/* dpdk */
	struct weir_strlist eal_args; /* passed to rte_eal_init */
	/* logging */
	char *log_level;           /* error | warning | info | debug */
};

/** The key table and its length. */
const struct weir_conf_key *weir_conf_keys(unsigned int *n);

/** Fill @p c with the table's defaults. @return 0 or -ENOMEM. */
int weir_conf_defaults(struct weir_conf *c);

/**
 * Load a YAML file over @p c. Nested mappings give dotted keys
 * ("capture: {driver: dpdk}" sets capture.driver). Unknown keys, wrong
 * types and out-of-range values each add "file:line: key: reason (allowed
 * ...)" to @p diags. @return 0, -EINVAL (diagnostics given) or -errno when
 * the file cannot be read.
 */
int weir_conf_load_file(struct weir_conf *c, const char *path, struct weir_diags *diags);

/**
 * Set one key from text (command-line --set key=value, or a shortcut
 * option). For a list key the value is appended. @p origin names the
 * source in diagnostics ("command line").
 * @return 0, -ENOENT unknown key, -EINVAL bad value (diagnostic given).
 */
int weir_conf_set(struct weir_conf *c, const char *key, const char *value, const char *origin,
		  struct weir_diags *diags);

/** Empty a list key (so command-line -S replaces the file's rules.files). */
int weir_conf_clear(struct weir_conf *c, const char *key);

/** Write @p c as YAML that weir_conf_load_file() reads back unchanged. */
int weir_conf_dump(const struct weir_conf *c, FILE *f);

/** Print the key table (name, type, range, default, doc) for --help. */
void weir_conf_help(FILE *f);

void weir_conf_free(struct weir_conf *c);

#endif /* WEIR_CONF_H */
