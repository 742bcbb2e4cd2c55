/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window rules in the worker (worker_window.h): observations from matches,
 * the rings to their owners, the watermark, and window alerts. Per match
 * nothing here allocates, locks, logs or makes a syscall; a rule reload
 * rebuilds the table on the owner's thread at its next burst boundary
 * (which allocates, as any reload does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "conf.h"
#include "log.h"
#include "outputs.h"
#include "prefault.h"
#include "window_ckpt.h"
#include "worker.h"
#include "worker_window.h"

/* What rides with each observation: enough of the completing packet's
 * event for the owner to write the alert. */
struct wwin_aux {
	uint32_t gen; /* the producer's rule set generation (low 32 bits) */
	uint32_t sid, rev;
	uint32_t pad_;
	uint64_t clause_hash;
	uint64_t pcap_cnt;	/* (head's is past the bytes carried) */
	struct weir_event head; /* payload[] unused: see excerpt */
};

/* An observation and its aux block, as a ring carries it (its first
 * WWIN_ELEM bytes) and as the table keeps it pending. */
struct wwin_msg {
	struct weir_window_obs obs;
	struct {
		struct wwin_aux a;
	} aux;
};

/* The aux bytes handed to the table: the aux block then the excerpt (in
 * head.payload[0..WEIR_WWIN_EXCERPT)), so only that much of the head's
 * payload is carried; rounded up so that a ring element and a pending
 * record (app/window.c: the observation then aux_size bytes) are the
 * same bytes and a ring is drained straight into the table. */
#define WWIN_AUX_SIZE                                                                              \
	((offsetof(struct wwin_aux, head.payload) + WEIR_WWIN_EXCERPT + 7u) & ~(size_t)7u)
#define WWIN_ELEM (sizeof(struct weir_window_obs) + WWIN_AUX_SIZE)
_Static_assert(offsetof(struct wwin_msg, aux) == sizeof(struct weir_window_obs),
	       "a message is the observation then the aux bytes, as a pending record");
_Static_assert(WWIN_ELEM % 8 == 0 && WWIN_ELEM <= sizeof(struct wwin_msg), "ring element");

/* ---- SipHash-2-4 --------------------------------------------------------- */

static inline uint64_t
wwin_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Eight bytes, little-endian: one load (gcc does not merge the byte
 * loop it replaced, 16 loads and shifts per word). */
static inline uint64_t
wwin_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_64(v);
}

#define WWIN_SIPROUND                                                                              \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = wwin_rotl(v1, 13);                                                            \
		v1 ^= v0;                                                                          \
		v0 = wwin_rotl(v0, 32);                                                            \
		v2 += v3;                                                                          \
		v3 = wwin_rotl(v3, 16);                                                            \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = wwin_rotl(v3, 21);                                                            \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = wwin_rotl(v1, 17);                                                            \
		v1 ^= v2;                                                                          \
		v2 = wwin_rotl(v2, 32);                                                            \
	} while (0)

uint64_t
weir_wwin_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = wwin_le64(key), k1 = wwin_le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = wwin_le64(in + i);
		v3 ^= m;
		WWIN_SIPROUND;
		WWIN_SIPROUND;
		v0 ^= m;
	}
	if (left > 0) {
		uint8_t tail[8] = {0};

		memcpy(tail, in + i, left);
		m = wwin_le64(tail);
	} else {
		m = 0;
	}
	b |= m;
	v3 ^= b;
	WWIN_SIPROUND;
	WWIN_SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	WWIN_SIPROUND;
	WWIN_SIPROUND;
	WWIN_SIPROUND;
	WWIN_SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- event time ----------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
wwin_days(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
wwin_digits(const uint8_t *p, size_t n, unsigned int *out)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* fraction digits [p, p+n) as ns (first 9 digits count) */
static uint64_t
wwin_frac_ns(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 9; i++)
		v = v * 10 + (i < n ? (uint64_t)(p[i] - '0') : 0);
	return v;
}

bool
weir_wwin_parse_time(const struct weir_field_val *v, uint8_t how, uint64_t *ns)
{
	const uint8_t *p = v->bytes;
	size_t n = v->len, i = 0, f0, fn;
	uint64_t secs = 0;
	unsigned int y, mo, d, h, mi, s, oh = 0, om = 0;
	int64_t days, t;

	if (v->truncated || n == 0 || (v->type != WEIR_FV_STRING && v->type != WEIR_FV_NUMBER))
		return false;
	switch (how) {
	case WEIR_RFT_EPOCH:
	case WEIR_RFT_EPOCH_MS:
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			if (secs > UINT64_MAX / 100)
				return false;
			secs = secs * 10 + (p[i] - '0');
			i++;
		}
		if (i == 0)
			return false;
		if (how == WEIR_RFT_EPOCH_MS) {
			if (i != n || secs > UINT64_MAX / 1000000ull)
				return false;
			*ns = secs * 1000000ull;
			return true;
		}
		f0 = fn = 0;
		if (i < n && p[i] == '.') {
			f0 = ++i;
			while (i < n && p[i] >= '0' && p[i] <= '9')
				i++;
			fn = i - f0;
			if (fn == 0)
				return false;
		}
		if (i != n || secs > UINT64_MAX / 1000000000ull - 1)
			return false;
		*ns = secs * 1000000000ull + (fn ? wwin_frac_ns(p + f0, fn) : 0);
		return true;
	case WEIR_RFT_ISO8601:
		/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
		if (n < 20 || !wwin_digits(p, 4, &y) || p[4] != '-' ||
		    !wwin_digits(p + 5, 2, &mo) || p[7] != '-' || !wwin_digits(p + 8, 2, &d) ||
		    (p[10] != 'T' && p[10] != 't') || !wwin_digits(p + 11, 2, &h) || p[13] != ':' ||
		    !wwin_digits(p + 14, 2, &mi) || p[16] != ':' || !wwin_digits(p + 17, 2, &s))
			return false;
		if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
			return false;
		i = 19;
		f0 = fn = 0;
		if (i < n && p[i] == '.') {
			f0 = ++i;
			while (i < n && p[i] >= '0' && p[i] <= '9')
				i++;
			fn = i - f0;
			if (fn == 0)
				return false;
		}
		if (i == n)
			return false;
		if (p[i] == 'Z' || p[i] == 'z') {
			if (i + 1 != n)
				return false;
		} else if (p[i] == '+' || p[i] == '-') {
			if (i + 6 != n || !wwin_digits(p + i + 1, 2, &oh) || p[i + 3] != ':' ||
			    !wwin_digits(p + i + 4, 2, &om) || oh > 23 || om > 59)
				return false;
		} else {
			return false;
		}
		days = wwin_days(y, mo, d);
		t = days * 86400 + h * 3600 + mi * 60 + s;
		if (p[i] == '+')
			t -= oh * 3600 + om * 60;
		else if (p[i] == '-')
			t += oh * 3600 + om * 60;
		if (t < 0)
			return false;
		*ns = (uint64_t)t * 1000000000ull + (fn ? wwin_frac_ns(p + f0, fn) : 0);
		return true;
	default:
		return false;
	}
}

/* ---- start, rules ------------------------------------------------------------ */

int
weir_wwin_shared_init(struct weir_wwin_shared *sh, unsigned int n, const struct weir_conf *conf,
		      bool with_rings, char *err, size_t errlen)
{
	unsigned int a, b;

	memset(sh, 0, sizeof(*sh));
	sh->n = n;
	sh->lateness_ns = (uint64_t)conf->windows_lateness_s * 1000000000ull;
	sh->wconf.memcap = ((size_t)conf->windows_memcap_mib << 20) / n;
	sh->prefault = (size_t)conf->windows_prefault_mib << 20;
	sh->wconf.max_events_per_key = conf->windows_max_events;
	sh->wconf.pending_max = conf->windows_ring_size * n;
	sh->wconf.aux_size = (uint32_t)WWIN_AUX_SIZE; /* a pending record = a ring element */
	sh->wconf.late_apply = strcmp(conf->windows_late_policy, "apply") == 0;
	sh->hmac = strcmp(conf->outputs_sensitive_rendering, "hmac") == 0;
	if (conf->outputs_sensitive_hmac_key_file[0] != '\0') {
		int fd = open(conf->outputs_sensitive_hmac_key_file, O_RDONLY | O_CLOEXEC);
		ssize_t got;

		if (fd < 0) {
			snprintf(err, errlen, "outputs.sensitive-hmac-key-file %s: %s",
				 conf->outputs_sensitive_hmac_key_file, strerror(errno));
			return -errno;
		}
		got = read(fd, sh->hmac_key, sizeof(sh->hmac_key));
		close(fd);
		if (got < 16) {
			snprintf(err, errlen,
				 "outputs.sensitive-hmac-key-file %s: needs 16 to %d bytes of key",
				 conf->outputs_sensitive_hmac_key_file, WEIR_WWIN_HMAC_MAX);
			return -EINVAL;
		}
		sh->hmac_klen = (size_t)got;
	} else if (sh->hmac) {
		snprintf(err, errlen,
			 "outputs.sensitive-rendering hmac needs outputs.sensitive-hmac-key-file");
		return -EINVAL;
	}
	/* The key and distinct hashes must be the same across restarts (the
	 * checkpoint holds them): keyed by the HMAC key when there is one,
	 * else by a constant (a hash of a sensitive value is then no secret:
	 * checkpoints with card keys want a key file). */
	if (sh->hmac_klen > 0) {
		uint64_t h0 = weir_wwin_siphash((const uint8_t *)"weir-window-seed", sh->hmac_key,
						sh->hmac_klen);
		uint64_t h1 = weir_wwin_siphash((const uint8_t *)"weir-window-see2", sh->hmac_key,
						sh->hmac_klen);

		memcpy(sh->seed, &h0, 8);
		memcpy(sh->seed + 8, &h1, 8);
	} else {
		memcpy(sh->seed, "weir-windows-v1!", 16);
	}
	memcpy(&sh->wconf.hash_seed, sh->seed, sizeof(sh->wconf.hash_seed));
	sh->obs = strcmp(conf->windows_observations, "off") != 0;
	if (sh->obs && sh->hmac_klen == 0) {
		/* key_id, the records' Kafka key, is the key's keyed hash: it
		 * must be keyed by a secret every appliance shares, or the
		 * hash of a masked card could be reversed by trying its few
		 * million candidates */
		snprintf(err, errlen,
			 "windows.observations needs outputs.sensitive-hmac-key-file (the same "
			 "file on every appliance): the records' key_id is a hash keyed by it");
		return -EINVAL;
	}
	weir_outputs_host(conf, sh->host, sizeof(sh->host));
	if (conf->windows_state_dir[0] != '\0')
		snprintf(sh->ckpt_path, sizeof(sh->ckpt_path), "%s/windows.ckpt",
			 conf->windows_state_dir);
	sh->prog = rte_zmalloc("weir_wwin_prog", sizeof(*sh->prog) * n, 64);
	if (sh->prog == NULL) {
		snprintf(err, errlen, "window progress: out of memory");
		return -ENOMEM;
	}
	if (n == 1 || !with_rings)
		return 0;
	sh->rings = calloc((size_t)n * n, sizeof(*sh->rings));
	if (sh->rings == NULL) {
		snprintf(err, errlen, "window rings: out of memory");
		return -ENOMEM;
	}
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++) {
			char name[RTE_RING_NAMESIZE];

			if (a == b)
				continue;
			snprintf(name, sizeof(name), "weir_win_%u_%u", a & 0xffu, b & 0xffu);
			sh->rings[a * n + b] = rte_ring_create_elem(
				name, WWIN_ELEM, conf->windows_ring_size, SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
			if (sh->rings[a * n + b] == NULL) {
				snprintf(err, errlen, "window ring %u->%u (%u x %zu bytes): %s", a,
					 b, conf->windows_ring_size, WWIN_ELEM,
					 rte_strerror(rte_errno));
				return -ENOMEM;
			}
			/* backed now, not on the producer's first pass (main.c) */
			(void)weir_prefault(sh->rings[a * n + b]->memzone->addr,
					    sh->rings[a * n + b]->memzone->len);
		}
	return 0;
}

void
weir_wwin_shared_fini(struct weir_wwin_shared *sh)
{
	unsigned int i;

	if (sh->rings != NULL)
		for (i = 0; i < sh->n * sh->n; i++)
			rte_ring_free(sh->rings[i]);
	free(sh->rings);
	rte_free(sh->prog);
	memset(sh, 0, sizeof(*sh));
}

unsigned int
weir_wwin_check(const struct weir_ruleset *rs, uint32_t max_events, char *out, size_t cap)
{
	unsigned int i, k, bad = 0;
	size_t n = 0;

	if (cap > 0)
		out[0] = '\0';
	for (i = 0; i < rs->n_win; i++) {
		const struct weir_rt_rule *r = &rs->rules[weir_ruleset_window(rs, i)];

		for (k = 0; k < r->win->n_cond; k++) {
			const struct weir_rwin_cond *c = &r->win->cond[k];

			if (c->agg != WEIR_RWA_COUNT ||
			    (c->op != WEIR_RWO_GT && c->op != WEIR_RWO_GE) ||
			    c->n < (double)max_events)
				continue;
			bad++;
			if (n < cap) {
				int m = snprintf(
					out + n, cap - n,
					"%s%s:%u: sid %u: window: count %s %.0f is refused: "
					"windows.max-events-per-key keeps %u observations "
					"per key (N must stay below it)",
					n ? "\n" : "", r->file, r->line, r->sid,
					c->op == WEIR_RWO_GT ? ">" : ">=", c->n, max_events);
				n += m > 0 ? (size_t)m : 0;
			}
			break;
		}
	}
	return bad;
}

/* The table's definitions from rule set @p rs. */
static struct weir_window_def *
wwin_defs(const struct weir_ruleset *rs)
{
	struct weir_window_def *d = calloc(rs->n_win ? rs->n_win : 1, sizeof(*d));
	unsigned int i, k;

	if (d == NULL)
		return NULL;
	for (i = 0; i < rs->n_win; i++) {
		const struct weir_rt_rule *r = &rs->rules[weir_ruleset_window(rs, i)];

		d[i].sid = r->sid;
		d[i].rev = r->rev;
		d[i].clause_hash = r->win->clause_hash;
		d[i].length_ns = r->win->length_ns;
		d[i].n_cond = r->win->n_cond;
		d[i].fire_each = r->win->fire_each;
		for (k = 0; k < r->win->n_cond; k++) {
			d[i].cond[k].agg = r->win->cond[k].agg;
			d[i].cond[k].op = r->win->cond[k].op;
			d[i].cond[k].n = r->win->cond[k].n;
		}
	}
	return d;
}

/* The producer's lookups for rule set @p rs into ww->pm (its old ones
 * freed); json/kv fields of equal definitions share a cache entry, the
 * cache is emptied (its entries were the old set's). On no memory pm.rs
 * stays NULL: observe looks up per observation and caches nothing. */
static void
wwin_pmap_build(struct weir_wwin *ww, const struct weir_ruleset *rs)
{
	struct weir_wwin_pmap *pm = &ww->pm;
	const struct weir_rfield *uniq[WEIR_WWIN_FC_N];
	unsigned int n_uniq = 0, d, i, k;

	free(pm->def_of);
	free(pm->pd);
	*pm = (struct weir_wwin_pmap){0};
	if (ww->fc != NULL)
		ww->fc->rec_len = 0;
	pm->def_of = malloc((rs->n_rules ? rs->n_rules : 1) * sizeof(*pm->def_of));
	pm->pd = calloc(rs->n_win ? rs->n_win : 1, sizeof(*pm->pd));
	if (pm->def_of == NULL || pm->pd == NULL) {
		free(pm->def_of);
		free(pm->pd);
		*pm = (struct weir_wwin_pmap){0};
		return;
	}
	memset(pm->def_of, 0xff, (rs->n_rules ? rs->n_rules : 1) * sizeof(*pm->def_of));
	for (d = 0; d < rs->n_win; d++) {
		uint32_t idx = weir_ruleset_window(rs, d);
		const struct weir_rt_rule *r = &rs->rules[idx];
		const struct weir_rwin *win = r->win;
		struct weir_wwin_pdef *p = &pm->pd[d];

		if (pm->def_of[idx] == UINT32_MAX) /* the first, as a search finds */
			pm->def_of[idx] = d;
		for (i = 0; i < win->n_key; i++)
			if (win->key[i].kind == WEIR_RWK_FIELD)
				p->need |= (uint8_t)(1u << win->key[i].field);
		for (i = 0; i < win->n_cond; i++)
			if (win->cond[i].field >= 0)
				p->need |= (uint8_t)(1u << win->cond[i].field);
		if (win->time_field >= 0)
			p->need |= (uint8_t)(1u << win->time_field);
		for (i = 0; i < WEIR_RFIELD_MAX; i++) {
			const struct weir_rfield *f = &r->fields[i];

			p->fid[i] = WEIR_WWIN_FID_NONE;
			if (i >= r->n_fields || (f->src != WEIR_RFS_JSON && f->src != WEIR_RFS_KV))
				continue;
			for (k = 0; k < n_uniq; k++)
				if (uniq[k]->src == f->src && uniq[k]->klen == f->klen &&
				    uniq[k]->sep == f->sep && uniq[k]->form == f->form &&
				    uniq[k]->sensitive == f->sensitive &&
				    memcmp(uniq[k]->key, f->key, f->klen) == 0)
					break;
			if (k == n_uniq) {
				if (n_uniq == WEIR_WWIN_FC_N)
					continue; /* past the cache: extracted each time */
				uniq[n_uniq++] = f;
			}
			p->fid[i] = (uint8_t)k;
		}
	}
	pm->n_rules = rs->n_rules;
	pm->rs = rs;
}

static void wwin_fire(void *ctx, const struct weir_window_def *def,
		      const struct weir_window_obs *obs, const struct weir_window_result *res,
		      const void *aux);
static void wwin_record_emit(struct weir_worker *w, const struct weir_rt_rule *r,
			     const struct weir_field_val *const *val,
			     const struct weir_window_obs *obs, const struct weir_event *head);

int
weir_wwin_start(struct weir_worker *w, const struct weir_wwin_shared *sh,
		const struct weir_ruleset *rs)
{
	struct weir_wwin *ww = &w->win;

	ww->sh = sh;
	ww->defs = wwin_defs(rs);
	if (ww->defs == NULL)
		return -ENOMEM;
	ww->n_defs = rs->n_win;
	ww->table = weir_window_table_create(&sh->wconf, ww->defs, ww->n_defs, wwin_fire, w);
	if (ww->table == NULL)
		return -ENOMEM;
	/* before the worker runs: its first observations then find their
	 * pages (a failure only leaves them to be faulted in as before) */
	if (ww->n_defs > 0 && sh->prefault > 0)
		(void)weir_window_table_prefault(ww->table, sh->prefault);
	ww->table_rs = rs;
	ww->table_gen = (uint32_t)rs->generation;
	ww->fc = calloc(1, sizeof(*ww->fc)); /* NULL: observe without it */
	if (ww->fc != NULL)
		ww->fc->gen = 1;
	wwin_pmap_build(ww, rs);
	return 0;
}

static uint32_t
wwin_owner_of(uint64_t key_hash, void *arg)
{
	return (uint32_t)(key_hash % *(const unsigned int *)arg);
}

void
weir_wwin_restore(struct weir_worker *const *ws, unsigned int n)
{
	const struct weir_wwin_shared *sh = ws[0]->win.sh;
	struct weir_window_table *tables[RTE_MAX_LCORE];
	struct weir_window_ckpt_stats st;
	char err[512], refused[4200];
	unsigned int i;

	if (sh == NULL || sh->ckpt_path[0] == '\0' || ws[0]->win.n_defs == 0)
		return;
	if (access(sh->ckpt_path, F_OK) != 0) {
		WEIR_LOG(INFO, app, "window checkpoint %s: none (starting with empty windows)",
			 sh->ckpt_path);
		return;
	}
	for (i = 0; i < n; i++)
		tables[i] = ws[i]->win.table;
	if (weir_window_ckpt_load(sh->ckpt_path, tables, n, wwin_owner_of, &n, &st, err,
				  sizeof(err)) == 0) {
		ws[0]->win.ckpt_restored += st.rules_kept;
		WEIR_LOG(INFO, app,
			 "window checkpoint %s restored: %u rule%s kept, %u dropped (changed or "
			 "gone), %" PRIu64 " of %" PRIu64 " keys",
			 sh->ckpt_path, st.rules_kept, st.rules_kept == 1 ? "" : "s",
			 st.rules_dropped, st.restored, st.entries);
		return;
	}
	snprintf(refused, sizeof(refused), "%s.refused", sh->ckpt_path);
	ws[0]->win.ckpt_refused++;
	WEIR_LOG(ERR, app,
		 "window checkpoint %s refused: %s; renamed to %s, starting with empty "
		 "windows",
		 sh->ckpt_path, err, refused);
	if (rename(sh->ckpt_path, refused) != 0)
		WEIR_LOG(ERR, app, "window checkpoint: rename to %s: %s", refused, strerror(errno));
}

int
weir_wwin_ckpt_write(struct weir_worker *const *ws, unsigned int n, bool final, char *err,
		     size_t errlen)
{
	const struct weir_wwin_shared *sh = ws[0]->win.sh;
	void *blks[RTE_MAX_LCORE] = {0};
	size_t lens[RTE_MAX_LCORE] = {0};
	unsigned int i;
	int rc;

	if (sh == NULL || sh->ckpt_path[0] == '\0')
		return 1;
	for (i = 0; i < n; i++) {
		blks[i] = final ? ws[i]->win.final_blk : ws[i]->win.ckpt_blk;
		lens[i] = final ? ws[i]->win.final_len : ws[i]->win.ckpt_len;
		if (blks[i] == NULL) {
			snprintf(err, errlen, "worker %u has no state to write", i);
			return -EAGAIN;
		}
	}
	rc = weir_window_ckpt_write(sh->ckpt_path, blks, lens, n, err, errlen);
	for (i = 0; i < n; i++) {
		struct weir_wwin *ww = (struct weir_wwin *)&ws[i]->win;

		free(blks[i]);
		if (final)
			ww->final_blk = NULL;
		else
			ww->ckpt_blk = NULL;
	}
	return rc;
}

int
weir_wwin_ckpt_now(struct weir_wwin_shared *sh, struct weir_worker *const *ws, unsigned int n,
		   unsigned int timeout_ms, char *err, size_t errlen)
{
	uint64_t req = atomic_fetch_add_explicit(&sh->ckpt_req, 1, memory_order_acq_rel) + 1;
	uint64_t t_end = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * timeout_ms;
	unsigned int i;

	if (sh->ckpt_path[0] == '\0') {
		snprintf(err, errlen, "windows.state-dir is empty: no checkpoint");
		return -EINVAL;
	}
	/* after the end of input (--keep-alive): the state of the final
	 * flush, which main still writes at exit */
	for (i = 0; i < n; i++)
		if (!atomic_load_explicit(&ws[i]->done, memory_order_acquire))
			break;
	if (i == n) {
		void *blks[RTE_MAX_LCORE] = {0};
		size_t lens[RTE_MAX_LCORE] = {0};

		for (i = 0; i < n; i++) {
			blks[i] = ws[i]->win.final_blk;
			lens[i] = ws[i]->win.final_len;
			if (blks[i] == NULL) {
				snprintf(err, errlen, "worker %u has no state to write", i);
				return -EAGAIN;
			}
		}
		return weir_window_ckpt_write(sh->ckpt_path, blks, lens, n, err, errlen);
	}
	for (i = 0; i < n; i++)
		while (atomic_load_explicit(&ws[i]->win.ckpt_done, memory_order_acquire) < req) {
			if (rte_get_timer_cycles() > t_end) {
				snprintf(err, errlen, "worker %u did not answer within %u ms", i,
					 timeout_ms);
				return -ETIMEDOUT;
			}
			usleep(1000);
		}
	return weir_wwin_ckpt_write(ws, n, false, err, errlen);
}

/* A checkpoint request (weirctl): dump the applied state (what is still
 * pending waits for the watermark and is not in it). Owner's thread. */
static void
wwin_ckpt_serve(struct weir_worker *w)
{
	struct weir_wwin *ww = &w->win;
	uint64_t req = atomic_load_explicit(&ww->sh->ckpt_req, memory_order_acquire);

	if (req == ww->ckpt_seen || ww->table == NULL)
		return;
	/* requests are one at a time (the control thread's): a block of an
	 * earlier one it gave up on is ours to free */
	ww->ckpt_seen = req;
	free(ww->ckpt_blk);
	ww->ckpt_blk = NULL;
	if (weir_window_ckpt_dump(ww->table, &ww->ckpt_blk, &ww->ckpt_len) < 0)
		ww->ckpt_blk = NULL;
	atomic_store_explicit(&ww->ckpt_done, req, memory_order_release);
}

static void
wwin_stats_add(struct weir_window_stats *a, const struct weir_window_stats *b)
{
	a->observations += b->observations;
	a->applied += b->applied;
	a->alerts += b->alerts;
	a->late += b->late;
	a->late_dropped += b->late_dropped;
	a->pending_full += b->pending_full;
	a->key_overflow += b->key_overflow;
	a->evicted += b->evicted;
	a->reload_pending_dropped += b->reload_pending_dropped;
}

void
weir_wwin_stop(struct weir_worker *w)
{
	struct weir_wwin *ww = &w->win;

	weir_window_table_free(ww->table);
	free(ww->ckpt_blk);
	ww->ckpt_blk = NULL;
	free(ww->final_blk);
	ww->final_blk = NULL;
	free(ww->defs);
	free(ww->fc);
	free(ww->pm.def_of);
	free(ww->pm.pd);
	ww->pm = (struct weir_wwin_pmap){0};
	ww->table = NULL;
	ww->defs = NULL;
	ww->fc = NULL;
}

void
weir_wwin_rules_changed(struct weir_worker *w)
{
	struct weir_wwin *ww = &w->win;
	struct weir_window_table *t;
	struct weir_window_def *defs;
	uint32_t kept = 0, reset = 0;

	if (ww->table == NULL)
		return;
	if (ww->pm.rs != w->rs)
		wwin_pmap_build(ww, w->rs);
	if (w->rs == ww->table_rs)
		return;
	defs = wwin_defs(w->rs);
	if (defs == NULL)
		return; /* the old table stays (observations of new rules remap or are lost) */
	t = weir_window_table_rebuild(ww->table, defs, w->rs->n_win, wwin_fire, w, &kept, &reset);
	if (t == NULL) {
		free(defs);
		return;
	}
	/* the rebuilt table carries the old one's counters on (app/window.h
	 * weir_window_table_rebuild): adding them to base would count them
	 * twice */
	weir_window_table_free(ww->table);
	free(ww->defs);
	ww->table = t;
	ww->defs = defs;
	ww->n_defs = w->rs->n_win;
	ww->table_rs = w->rs;
	ww->table_gen = (uint32_t)w->rs->generation;
	if (w->id == 0) { /* per rule, not per owner: every owner rebuilds alike */
		ww->reload_kept += kept;
		ww->reload_reset += reset;
	}
}

/* ---- producer ------------------------------------------------------------------ */

/* The bytes a sensitive value's hash and distinct see: its digits when it
 * holds 13 to 19 (a card, however spaced), else its bytes. */
static size_t
wwin_canon(const struct weir_field_val *v, uint8_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < v->len; i++)
		if (v->bytes[i] >= '0' && v->bytes[i] <= '9')
			out[n++] = v->bytes[i];
	if (n >= 13 && n <= 19)
		return n;
	memcpy(out, v->bytes, v->len);
	return v->len;
}

/* Append the rendered value of field @p f (@p v) to the key at @p key
 * (*kn bytes so far, cap WEIR_WINDOW_KEY_MAX). */
static void
wwin_key_put(uint8_t *key, size_t *kn, const void *s, size_t n)
{
	if (*kn + n > WEIR_WINDOW_KEY_MAX)
		n = WEIR_WINDOW_KEY_MAX - *kn;
	memcpy(key + *kn, s, n);
	*kn += n;
}

/* Hand @p m to its owner. */
static void
wwin_send(struct weir_worker *w, struct wwin_msg *m)
{
	struct weir_wwin *ww = &w->win;
	unsigned int owner = (unsigned int)(m->obs.key_hash % ww->sh->n);
	struct rte_ring *r;

	if (owner == w->id) {
		(void)weir_window_offer(ww->table, &m->obs, &m->aux); /* pending_full counted */
		return;
	}
	if (ww->sh->rings == NULL) {
		/* started without window rules, several workers: no rings
		 * (README: until a restart, other owners' keys are lost) */
		ww->ring_full++;
		return;
	}
	r = ww->sh->rings[w->id * ww->sh->n + owner];
	while (rte_ring_enqueue_elem(r, m, WWIN_ELEM) != 0) {
		if (!w->ring_wait || atomic_load_explicit(w->stop, memory_order_relaxed)) {
			ww->ring_full++;
			return;
		}
		/* offline, lossless: wait, taking our own inbound meanwhile so
		 * that two workers waiting on each other both progress */
		{
			unsigned int from;
			struct wwin_msg in;

			for (from = 0; from < ww->sh->n; from++) {
				struct rte_ring *q = ww->sh->rings[from * ww->sh->n + w->id];

				if (q != NULL && rte_ring_dequeue_elem(q, &in, WWIN_ELEM) == 0)
					(void)weir_window_offer(ww->table, &in.obs, &in.aux);
			}
		}
		rte_pause();
	}
}

/* The aux block of an observation of rule @p r into @p a (WWIN_AUX_SIZE
 * bytes): the event head and the payload excerpt. */
static void
wwin_aux_fill(struct wwin_aux *a, const struct weir_ruleset *rs, const struct weir_rt_rule *r,
	      const struct weir_event *head, const uint8_t *payload, uint32_t payload_len)
{
	a->gen = (uint32_t)rs->generation;
	a->sid = r->sid;
	a->rev = r->rev;
	a->pad_ = 0;
	a->clause_hash = r->win->clause_hash;
	a->pcap_cnt = head->pcap_cnt;
	memcpy(&a->head, head, offsetof(struct weir_event, payload));
	a->head.payload_cap = 0;
	if (payload_len > 0) {
		uint32_t n = payload_len < WEIR_WWIN_EXCERPT ? payload_len : WEIR_WWIN_EXCERPT;

		memcpy(a->head.payload, payload, n);
		a->head.payload_cap = (uint16_t)n;
	}
}

/* The field cache for the record [@p rec, + @p n): kept when it holds
 * that record's fields, emptied for another record (a new stamp); NULL
 * when the record is not cached (none, empty or too long). */
static struct weir_wwin_fcache *
wwin_fc_record(struct weir_wwin *ww, const uint8_t *rec, uint32_t n)
{
	struct weir_wwin_fcache *fc = ww->fc;

	if (fc == NULL || n == 0 || n > WEIR_WWIN_FC_REC)
		return NULL;
	if (fc->rec_len != n || memcmp(fc->rec, rec, n) != 0) {
		memcpy(fc->rec, rec, n);
		fc->rec_len = n;
		if (++fc->gen == 0) { /* wrapped: no entry may match the new stamp */
			for (unsigned int k = 0; k < WEIR_WWIN_FC_N; k++)
				fc->e[k].gen = 0;
			fc->gen = 1;
		}
	}
	return fc;
}

/* Field @p i of window rule @p idx from cache entry @p fid of the cached
 * record, extracted now (by weir_rule_field, as without the cache) when
 * the entry holds another record's. */
static struct weir_wwin_fval *
wwin_fc_field(struct weir_wwin_fcache *fc, uint8_t fid, const struct weir_ruleset *rs,
	      unsigned int worker, uint32_t idx, unsigned int i, const uint8_t *buf, uint32_t len,
	      uint32_t rb, uint32_t re, struct weir_field_caps *caps)
{
	struct weir_wwin_fval *e = &fc->e[fid];

	if (e->gen == fc->gen)
		return e;
	e->gen = fc->gen;
	e->hashed = false;
	e->rn = -1;
	e->t_how = 0;
	e->res = (uint8_t)weir_rule_field(rs, worker, idx, i, buf, len, rb, re, caps, &e->v);
	return e;
}

/* The event time in value @p v (time= @p how), parsed once per cached
 * value when @p e is set. */
static bool
wwin_val_time(struct weir_wwin_fval *e, const struct weir_field_val *v, uint8_t how, uint64_t *ns)
{
	bool ok;

	if (e != NULL && e->t_how == how + 1u) {
		*ns = e->t_ns;
		return e->t_ok;
	}
	ok = weir_wwin_parse_time(v, how, ns);
	if (e != NULL) {
		e->t_how = (uint8_t)(how + 1u);
		e->t_ok = ok;
		e->t_ns = ok ? *ns : 0;
	}
	return ok;
}

/* A sensitive value as keys show it (outputs.sensitive-rendering). */
static size_t
wwin_render(const struct weir_wwin *ww, const struct weir_field_val *v, char *out, size_t cap)
{
	return ww->sh->hmac ? weir_field_hmac(v, ww->sh->hmac_key, ww->sh->hmac_klen, out, cap)
			    : weir_field_mask(v, out, cap);
}

/* The hash a value's distinct and a one-item key see (the digits of a
 * sensitive one), computed once per cached value when @p e is set. */
static uint64_t
wwin_val_hash(const struct weir_wwin *ww, struct weir_wwin_fval *e, const struct weir_field_val *v,
	      bool sensitive)
{
	uint8_t canon[WEIR_FIELD_MAX];
	uint64_t h;

	if (e != NULL && e->hashed)
		return e->hash;
	h = sensitive ? weir_wwin_siphash(ww->sh->seed, canon, wwin_canon(v, canon))
		      : weir_wwin_siphash(ww->sh->seed, v->bytes, v->len);
	if (e != NULL) {
		e->hash = h;
		e->hashed = true;
	}
	return h;
}

void
weir_wwin_observe(struct weir_worker *w, uint32_t idx, const uint8_t *buf, uint32_t len,
		  uint32_t match_end, const struct weir_event *head, const uint8_t *payload,
		  uint32_t payload_len, bool stream)
{
	struct weir_wwin *ww = &w->win;
	const struct weir_ruleset *rs = w->rs;
	const struct weir_rt_rule *r = &rs->rules[idx];
	const struct weir_rwin *win = r->win;
	struct weir_field_val val[WEIR_RFIELD_MAX];
	const struct weir_field_val *vp[WEIR_RFIELD_MAX];
	struct weir_wwin_fval *fe[WEIR_RFIELD_MAX] = {NULL};
	struct weir_wwin_fcache *fc;
	struct weir_field_caps caps;
	uint8_t canon[WEIR_FIELD_MAX];
	const uint8_t *fid;
	struct wwin_msg m;
	uint32_t rb, re, def = UINT32_MAX, i, need;
	uint64_t t_ns = head->ts_ns;
	size_t kn = 0;
	char tmp[64];

	if (stream)
		ww->diverted_stream++;
	else
		ww->diverted++;
	if (ww->table == NULL)
		return;
	if (ww->pm.rs == rs) {
		if (idx < ww->pm.n_rules)
			def = ww->pm.def_of[idx];
	} else {
		for (i = 0; i < rs->n_win; i++)
			if (weir_ruleset_window(rs, i) == idx) {
				def = i;
				break;
			}
	}
	if (def == UINT32_MAX)
		return;
	weir_field_record(buf, len, match_end, &rb, &re);
	if (ww->pm.rs == rs) {
		need = ww->pm.pd[def].need;
		fid = ww->pm.pd[def].fid;
		fc = wwin_fc_record(ww, buf + rb, re - rb);
	} else {
		need = 0;
		for (i = 0; i < win->n_key; i++)
			if (win->key[i].kind == WEIR_RWK_FIELD)
				need |= 1u << win->key[i].field;
		for (i = 0; i < win->n_cond; i++)
			if (win->cond[i].field >= 0)
				need |= 1u << win->cond[i].field;
		if (win->time_field >= 0)
			need |= 1u << win->time_field;
		fid = NULL;
		fc = NULL;
	}
	caps.done = false; /* pcre/byte_extract fields: run once, on the first */
	for (i = 0; i < r->n_fields; i++) {
		enum weir_field_res res;

		if (!(need & (1u << i)))
			continue;
		/* json and kv read only the record: from the cache */
		if (fc != NULL && fid[i] != WEIR_WWIN_FID_NONE)
			fe[i] = wwin_fc_field(fc, fid[i], rs, w->id, idx, i, buf, len, rb, re,
					      &caps);
		if (fe[i] != NULL) {
			res = (enum weir_field_res)fe[i]->res;
			vp[i] = &fe[i]->v;
		} else {
			res = weir_rule_field(rs, w->id, idx, i, buf, len, rb, re, &caps, &val[i]);
			vp[i] = &val[i];
		}
		if (res != WEIR_FIELD_FOUND) {
			w->win.field_missing++;
			return;
		}
	}
	memset(&m.obs, 0, offsetof(struct weir_window_obs, key));
	for (i = 0; i < win->n_cond; i++) {
		const struct weir_rwin_cond *c = &win->cond[i];

		if (c->agg == WEIR_RWA_COUNT) {
			m.obs.v[i].num = 0;
		} else if (c->agg == WEIR_RWA_DISTINCT) {
			m.obs.v[i].hash = wwin_val_hash(ww, fe[c->field], vp[c->field],
							r->fields[c->field].sensitive);
		} else if (!weir_field_number(vp[c->field], &m.obs.v[i].num)) {
			ww->field_bad++;
			return;
		}
	}
	if (win->time_field >= 0 && !wwin_val_time(fe[win->time_field], vp[win->time_field],
						   r->fields[win->time_field].time, &t_ns)) {
		ww->field_bad++;
		return;
	}
	/* the key as alerts show it: items joined by 0x1f; its hash over the
	 * values (a sensitive one's digits), not over their rendering. One
	 * field (the usual key): its value's hash, as a distinct sees it, and
	 * its rendering, both kept in the field cache for the record's other
	 * rules. */
	if (win->n_key == 1 && win->key[0].kind == WEIR_RWK_FIELD) {
		const struct weir_rfield *f = &r->fields[win->key[0].field];
		const struct weir_field_val *v = vp[win->key[0].field];
		struct weir_wwin_fval *e = fe[win->key[0].field];

		if (!f->sensitive) {
			wwin_key_put(m.obs.key, &kn, v->bytes, v->len);
		} else if (e != NULL && e->rn >= 0) {
			wwin_key_put(m.obs.key, &kn, e->rend, (size_t)e->rn);
		} else {
			char rend[WEIR_FIELD_MAX + 8];
			size_t rn = wwin_render(ww, v, rend, sizeof(rend));

			wwin_key_put(m.obs.key, &kn, rend, rn);
			if (e != NULL) {
				memcpy(e->rend, rend, rn);
				e->rn = (int16_t)rn;
			}
		}
		m.obs.key_hash = wwin_val_hash(ww, e, v, f->sensitive) ^ ((uint64_t)r->sid << 1);
	} else {
		uint8_t hin[WEIR_RWIN_KEY_MAX * (WEIR_FIELD_MAX + 1)];
		size_t hn = 0;

		for (i = 0; i < win->n_key; i++) {
			const uint8_t *src;
			size_t n;

			if (i > 0) {
				wwin_key_put(m.obs.key, &kn, "\x1f", 1);
				hin[hn++] = 0x1f;
			}
			switch (win->key[i].kind) {
			case WEIR_RWK_FIELD: {
				const struct weir_rfield *f = &r->fields[win->key[i].field];
				const struct weir_field_val *v = vp[win->key[i].field];

				if (f->sensitive) {
					char rend[WEIR_FIELD_MAX + 8];
					size_t rn = wwin_render(ww, v, rend, sizeof(rend));

					wwin_key_put(m.obs.key, &kn, rend, rn);
					n = wwin_canon(v, canon);
					src = canon;
				} else {
					wwin_key_put(m.obs.key, &kn, v->bytes, v->len);
					src = v->bytes;
					n = v->len;
				}
				break;
			}
			case WEIR_RWK_SRC_IP:
			case WEIR_RWK_DST_IP:
				n = weir_event_addr_text(head, win->key[i].kind == WEIR_RWK_DST_IP,
							 tmp, sizeof(tmp)) > 0
					    ? strlen(tmp)
					    : 0;
				wwin_key_put(m.obs.key, &kn, tmp, n);
				src = (const uint8_t *)tmp;
				break;
			case WEIR_RWK_SRC_PORT:
			case WEIR_RWK_DST_PORT:
				n = (size_t)snprintf(tmp, sizeof(tmp), "%u",
						     win->key[i].kind == WEIR_RWK_SRC_PORT
							     ? head->sport
							     : head->dport);
				wwin_key_put(m.obs.key, &kn, tmp, n);
				src = (const uint8_t *)tmp;
				break;
			default:
				n = (size_t)snprintf(tmp, sizeof(tmp), "%" PRIu64, head->flow_id);
				wwin_key_put(m.obs.key, &kn, tmp, n);
				src = (const uint8_t *)tmp;
				break;
			}
			memcpy(hin + hn, src, n);
			hn += n;
		}
		m.obs.key_hash = weir_wwin_siphash(ww->sh->seed, hin, hn) ^ ((uint64_t)r->sid << 1);
	}
	m.obs.key_len = (uint16_t)kn;
	m.obs.t_ns = t_ns;
	m.obs.order = head->pcap_cnt != 0 ? head->pcap_cnt : ++ww->seq;
	m.obs.def = def;
	ww->observations++;
	if (ww->sh->obs)
		wwin_record_emit(w, r, vp, &m.obs, head);
	/* a key of this worker's: written once, straight into the table's
	 * pending record (the ~530 bytes are not copied a second time) */
	if ((unsigned int)(m.obs.key_hash % ww->sh->n) == w->id) {
		void *aux;
		struct weir_window_obs *o = weir_window_reserve(ww->table, &aux);

		if (o != NULL) {
			memcpy(o, &m.obs, offsetof(struct weir_window_obs, key) + m.obs.key_len);
			memcpy(o->v, m.obs.v, sizeof(o->v));
			wwin_aux_fill(aux, rs, r, head, payload, payload_len);
			(void)weir_window_commit(ww->table); /* pending_full counted */
			return;
		}
	}
	wwin_aux_fill(&m.aux.a, rs, r, head, payload, payload_len);
	wwin_send(w, &m);
}

/* ---- owner ----------------------------------------------------------------------- */

/* An observation made under another rule set: its rule in ours, by (sid,
 * rev, clause hash), or false (the rule changed or went: lost). */
static bool
wwin_remap(struct weir_wwin *ww, struct weir_window_obs *o, const struct wwin_aux *a)
{
	uint32_t i;

	if (a->gen == ww->table_gen)
		return true;
	for (i = 0; i < ww->n_defs; i++)
		if (ww->defs[i].sid == a->sid && ww->defs[i].rev == a->rev &&
		    ww->defs[i].clause_hash == a->clause_hash) {
			o->def = i;
			return true;
		}
	return false;
}

/* Take up to @p budget observations off each inbound ring. */
static void
wwin_drain(struct weir_worker *w, unsigned int budget)
{
	struct weir_wwin *ww = &w->win;
	unsigned int from, k;
	struct wwin_msg m;

	if (ww->sh->rings == NULL || ww->table == NULL)
		return;
	for (from = 0; from < ww->sh->n; from++) {
		struct rte_ring *q = ww->sh->rings[from * ww->sh->n + w->id];

		if (q == NULL)
			continue;
		for (k = 0; k < budget; k++) {
			void *aux;
			struct weir_window_obs *o = weir_window_reserve(ww->table, &aux);

			if (o == NULL) {
				/* pending full: weir_window_offer counts (or applies
				 * a late one) */
				if (rte_ring_dequeue_elem(q, &m, WWIN_ELEM) != 0)
					break;
				if (!wwin_remap(ww, &m.obs, &m.aux.a)) {
					ww->remap_lost++;
					continue;
				}
				(void)weir_window_offer(ww->table, &m.obs, &m.aux);
				continue;
			}
			/* straight into the table's pending record (the same
			 * layout, see WWIN_ELEM) */
			if (rte_ring_dequeue_elem(q, o, WWIN_ELEM) != 0)
				break;
			if (!wwin_remap(ww, o, aux)) {
				ww->remap_lost++; /* the record stays free */
				continue;
			}
			(void)weir_window_commit(ww->table);
		}
	}
}

static uint64_t
wwin_watermark(const struct weir_wwin *ww)
{
	uint64_t wm = UINT64_MAX, p;
	unsigned int i;

	for (i = 0; i < ww->sh->n; i++) {
		p = atomic_load_explicit(&ww->sh->prog[i].ns, memory_order_acquire);
		if (p < wm)
			wm = p;
	}
	if (wm == UINT64_MAX)
		return wm;
	return wm > ww->sh->lateness_ns ? wm - ww->sh->lateness_ns : 0;
}

void
weir_wwin_poll_begin(struct weir_worker *w)
{
	struct weir_wwin *ww = &w->win;
	uint64_t mx = 0, p;
	unsigned int i;

	if (ww->sh == NULL || ww->sh->n == 1)
		return;
	if (ww->sh->read_ts != NULL) {
		/* before the rx poll: a ring found empty after this load holds
		 * nothing the rx stage handed out up to this time */
		ww->others_max = atomic_load_explicit(ww->sh->read_ts, memory_order_acquire);
		return;
	}
	for (i = 0; i < ww->sh->n; i++) {
		if (i == w->id)
			continue;
		p = atomic_load_explicit(&ww->sh->prog[i].ns, memory_order_acquire);
		if (p > mx && p != UINT64_MAX)
			mx = p;
	}
	ww->others_max = mx;
}

/* Apply up to @p wm; the firings write events (flushed here). */
static void
wwin_advance(struct weir_worker *w, uint64_t wm)
{
	if (w->win.table == NULL)
		return;
	if (weir_window_advance(w->win.table, wm) > 0 || w->win.alerts > 0)
		weir_worker_flush_events(w);
}

void
weir_wwin_poll_end(struct weir_worker *w, unsigned int got, uint64_t last_ts, uint64_t now_ns)
{
	struct weir_wwin *ww = &w->win;
	uint64_t cur, p, wm;

	if (ww->sh == NULL)
		return;
	cur = atomic_load_explicit(&ww->sh->prog[w->id].ns, memory_order_relaxed);
	if (got > 0)
		p = last_ts;
	else if (now_ns != 0)
		p = now_ns; /* live and idle: the wall clock */
	else
		p = ww->others_max; /* offline and idle: the reader is at least there */
	if (p > cur)		    /* the progress never goes back */
		atomic_store_explicit(&ww->sh->prog[w->id].ns, p, memory_order_release);
	/* The watermark first, then the rings: a producer enqueues an
	 * observation before it publishes the progress past its time, so
	 * every observation at or below the watermark read here is on a
	 * ring now, and draining them all before applying keeps it from
	 * arriving late. */
	wm = wwin_watermark(ww);
	wwin_drain(w, UINT32_MAX);
	wwin_advance(w, wm);
	wwin_ckpt_serve(w);
}

void
weir_wwin_finish(struct weir_worker *w)
{
	struct weir_wwin *ww = &w->win;
	unsigned int i;
	uint64_t wm;
	bool all;

	if (ww->sh == NULL)
		return;
	/* Everything this worker made is on its rings or in its table. */
	atomic_store_explicit(&ww->sh->prog[w->id].ns, UINT64_MAX, memory_order_release);
	atomic_store_explicit(&ww->sh->prog[w->id].produced, true, memory_order_release);
	do {
		all = true;
		for (i = 0; i < ww->sh->n; i++)
			if (!atomic_load_explicit(&ww->sh->prog[i].produced, memory_order_acquire))
				all = false;
		/* after the acquire of every producer's flag (and of the
		 * watermark's progress): its enqueues are visible to the
		 * dequeues below */
		wm = all ? UINT64_MAX : wwin_watermark(ww);
		wwin_drain(w, UINT32_MAX);
		wwin_advance(w, wm);
		if (!all)
			rte_pause();
	} while (!all);
	weir_worker_flush_events(w);
	/* the state after the final flush, for the checkpoint main writes */
	if (ww->table != NULL && ww->sh->ckpt_path[0] != '\0' && ww->n_defs > 0 &&
	    weir_window_ckpt_dump(ww->table, &ww->final_blk, &ww->final_len) < 0)
		ww->final_blk = NULL;
}

void
weir_wwin_publish(struct weir_worker *w)
{
	struct weir_wwin *ww = &w->win;
	struct weir_window_stats st = {0}, sum;

	if (ww->table != NULL)
		weir_window_stats(ww->table, &st);
	sum = ww->base;
	wwin_stats_add(&sum, &st);
	w->st.alerts -= ww->diverted + ww->diverted_stream;
	w->st.stream_alerts -= ww->diverted_stream;
	w->st.alerts += ww->alerts;
	w->st.window_alerts += ww->alerts;
	w->st.window_observations += ww->observations;
	w->st.window_field_missing += ww->field_missing;
	w->st.window_field_bad += ww->field_bad;
	w->st.window_ring_full += ww->ring_full;
	w->st.window_reload_kept += ww->reload_kept;
	w->st.window_reload_reset += ww->reload_reset;
	w->st.window_reload_dropped += ww->remap_lost;
	w->st.window_ckpt_restored += ww->ckpt_restored;
	w->st.window_ckpt_refused += ww->ckpt_refused;
	w->st.window_obs_records += ww->obs_records;
	w->st.window_obs_ring_full += ww->obs_ring_full;
	w->st.window_obs_too_long += ww->obs_too_long;
	ww->obs_records = ww->obs_ring_full = ww->obs_too_long = 0;
	ww->ckpt_restored = ww->ckpt_refused = 0;
	ww->diverted = ww->diverted_stream = ww->alerts = ww->observations = 0;
	ww->field_missing = ww->field_bad = ww->ring_full = 0;
	ww->reload_kept = ww->reload_reset = ww->remap_lost = 0;
	w->st.window_late = sum.late;
	w->st.window_late_dropped = sum.late_dropped;
	w->st.window_applied = sum.applied;
	w->st.window_pending_full = sum.pending_full;
	w->st.window_key_overflow = sum.key_overflow;
	w->st.window_evicted = sum.evicted;
	w->st.window_keys = st.keys;
	w->st.window_state_bytes = st.state_bytes;
	w->st.window_pending = st.pending;
	w->st.window_reload_dropped += sum.reload_pending_dropped - ww->reported_rpd;
	ww->reported_rpd = sum.reload_pending_dropped;
}

/* ---- window alerts ---------------------------------------------------------------- */

struct wwin_out {
	char *p, *end;
	bool full;
};

static void
wwin_put(struct wwin_out *o, const char *s, size_t n)
{
	if (o->full || (size_t)(o->end - o->p) < n) {
		o->full = true;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

static void wwin_putf(struct wwin_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
wwin_putf(struct wwin_out *o, const char *fmt, ...)
{
	char tmp[96];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->full = true;
		return;
	}
	wwin_put(o, tmp, (size_t)n);
}

static void
wwin_put_str(struct wwin_out *o, const void *s, size_t n)
{
	char tmp[WEIR_WINDOW_KEY_MAX * 6 + 3];
	int m = weir_json_str(s, n, tmp, sizeof(tmp));

	if (m < 0) {
		o->full = true;
		return;
	}
	wwin_put(o, tmp, (size_t)m);
}

/* @p v as @p n decimal digits, zero padded, at @p p. */
static void
wwin_digits_at(char *p, unsigned int v, unsigned int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", as gmtime_r and the printf format it
 * replaces wrote it (per window alert, twice): the civil date of a day
 * count by the proleptic Gregorian calendar (H. Hinnant's
 * civil_from_days, wwin_days' inverse). A u64 of ns ends in 2554: four
 * digits always do. */
static void
wwin_put_ts(struct wwin_out *o, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull, z = s / 86400 + 719468;
	unsigned int sod = (unsigned int)(s % 86400),
		     us = (unsigned int)(ns % 1000000000ull / 1000);
	uint64_t era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned int d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	unsigned int m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	unsigned int y = (unsigned int)(yoe + era * 400 + (m <= 2));
	char b[29];

	memcpy(b, "\"0000-00-00T00:00:00.000000Z\"", sizeof(b));
	wwin_digits_at(b + 1, y, 4);
	wwin_digits_at(b + 6, m, 2);
	wwin_digits_at(b + 9, d, 2);
	wwin_digits_at(b + 12, sod / 3600, 2);
	wwin_digits_at(b + 15, sod / 60 % 60, 2);
	wwin_digits_at(b + 18, sod % 60, 2);
	wwin_digits_at(b + 21, us, 6);
	wwin_put(o, b, sizeof(b));
}

static const char *const wwin_agg_names[] = {"count", "sum", "min", "max", "distinct"};

/* The key as a JSON object {NAME: rendered value, ...}, from the
 * observation's key (items joined by 0x1f, sensitive ones rendered). */
static void
wwin_put_key(struct wwin_out *o, const struct weir_rt_rule *r, const struct weir_window_obs *obs)
{
	const struct weir_rwin *win = r->win;
	const uint8_t *k = obs->key, *kend = obs->key + obs->key_len;
	unsigned int i;

	wwin_put(o, "{", 1);
	for (i = 0; i < win->n_key; i++) {
		const uint8_t *sep = memchr(k, 0x1f, (size_t)(kend - k));
		const char *name;

		if (sep == NULL)
			sep = kend;
		name = win->key[i].kind == WEIR_RWK_FIELD      ? r->fields[win->key[i].field].name
		       : win->key[i].kind == WEIR_RWK_SRC_IP   ? "src_ip"
		       : win->key[i].kind == WEIR_RWK_DST_IP   ? "dst_ip"
		       : win->key[i].kind == WEIR_RWK_SRC_PORT ? "src_port"
		       : win->key[i].kind == WEIR_RWK_DST_PORT ? "dst_port"
							       : "flow";
		if (i > 0)
			wwin_put(o, ",", 1);
		wwin_put_str(o, name, strlen(name));
		wwin_put(o, ":", 1);
		wwin_put_str(o, k, (size_t)(sep - k));
		k = sep < kend ? sep + 1 : kend;
	}
	wwin_put(o, "}", 1);
}

/* A decimal u64 without printf (per observation, on the worker). */
static void
wwin_put_u64(struct wwin_out *o, uint64_t v)
{
	char tmp[20];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	wwin_put(o, tmp + n, sizeof(tmp) - n);
}

__extension__ typedef unsigned __int128 wwin_u128;

size_t
weir_wwin_g17(double v, char *out)
{
	static const uint64_t p10[20] = {1ull,
					 10ull,
					 100ull,
					 1000ull,
					 10000ull,
					 100000ull,
					 1000000ull,
					 10000000ull,
					 100000000ull,
					 1000000000ull,
					 10000000000ull,
					 100000000000ull,
					 1000000000000ull,
					 10000000000000ull,
					 100000000000000ull,
					 1000000000000000ull,
					 10000000000000000ull,
					 100000000000000000ull,
					 1000000000000000000ull,
					 10000000000000000000ull};
	double a = fabs(v);
	char dig[17], *p = out;
	wwin_u128 n, rem, half;
	uint64_t mant, q;
	int ex, s, x, i, k, last;

	if (!(a >= 1e-4 && a < 9007199254740992.0))
		return 0; /* zero, tiny, huge, inf, nan: printf's */
	/* a = mant / 2^s exactly (mant < 2^53, 0 <= s <= 66) */
	mant = (uint64_t)ldexp(frexp(a, &ex), 53);
	s = 53 - ex;
	/* x = floor(log10(a)): 10^16 <= floor(a * 10^(16 - x)) < 10^17 */
	x = (int)floor(log10(a));
	x = x < -4 ? -4 : x > 15 ? 15 : x;
	for (;;) {
		k = 16 - x; /* 1..20 */
		n = (wwin_u128)mant * p10[k < 20 ? k : 19] * (k == 20 ? 10u : 1u);
		q = (uint64_t)(n >> s);
		if (q < p10[16] && x > -4)
			x--;
		else if (q >= p10[17] && x < 15)
			x++;
		else
			break;
	}
	if (q < p10[16] || q >= p10[17])
		return 0;
	/* to nearest, ties to even, as glibc rounds the exact value */
	rem = n - ((wwin_u128)q << s);
	half = s > 0 ? (wwin_u128)1 << (s - 1) : 0;
	if (s > 0 && (rem > half || (rem == half && (q & 1))))
		q++;
	if (q == p10[17]) {
		q = p10[16];
		x++;
	}
	for (i = 16; i >= 0; i--, q /= 10)
		dig[i] = (char)('0' + q % 10);
	/* %g with precision 17 and -4 <= x < 17: %f with 16 - x decimals,
	 * trailing zeros and a bare point removed */
	for (last = 16; last > x && last > 0 && dig[last] == '0'; last--)
		;
	if (v < 0)
		*p++ = '-';
	if (x >= 0) {
		memcpy(p, dig, (size_t)x + 1);
		p += x + 1;
		if (last > x) {
			*p++ = '.';
			memcpy(p, dig + x + 1, (size_t)(last - x));
			p += last - x;
		}
	} else {
		*p++ = '0';
		*p++ = '.';
		for (i = 0; i < -x - 1; i++)
			*p++ = '0';
		memcpy(p, dig, (size_t)last + 1);
		p += last + 1;
	}
	return (size_t)(p - out);
}

/* A double as "%.17g" writes it; an integral one below 2^53 (a count, a
 * distinct, a sum of whole amounts) without printf: %.17g prints such a
 * value's digits alone; most others by weir_wwin_g17. */
static void
wwin_put_num(struct wwin_out *o, double v)
{
	char tmp[32];
	size_t n;

	if (v == v && v > -9007199254740992.0 && v < 9007199254740992.0 &&
	    v == (double)(int64_t)v && !(v == 0 && signbit(v))) {
		if (v < 0) {
			wwin_put(o, "-", 1);
			v = -v;
		}
		wwin_put_u64(o, (uint64_t)v);
		return;
	}
	n = weir_wwin_g17(v, tmp);
	if (n > 0) {
		wwin_put(o, tmp, n);
		return;
	}
	wwin_putf(o, "%.17g", v);
}

/*
 * windows.observations: the observation as a compact JSON record in an
 * event of this worker's ring (README "Observations to Kafka"):
 *   {"sid":N,"rev":N,"key_id":"16 hex","key":{NAME:VALUE,...},
 *    "fields":{NAME:VALUE,...},"t_ns":N,"flow_id":N,"pcap_cnt":N,"host":S}
 * key_id is the key's keyed hash (the owner's, the Kafka message key);
 * fields are the other fields the window's conditions use (a sum/min/max
 * field as the number it parsed to, the others as text, a sensitive one
 * rendered as everywhere); pcap_cnt offline only. On the producer's
 * thread: no allocation, lock or syscall.
 */
static void
wwin_record_emit(struct weir_worker *w, const struct weir_rt_rule *r,
		 const struct weir_field_val *const *val, const struct weir_window_obs *obs,
		 const struct weir_event *head)
{
	static const char hex[] = "0123456789abcdef";
	struct weir_wwin *ww = &w->win;
	const struct weir_rwin *win = r->win;
	uint8_t done[WEIR_RFIELD_MAX] = {0};
	struct weir_event *ev;
	struct wwin_out o;
	char kid[16];
	unsigned int i, nf = 0;
	int b;

	ev = weir_worker_event_slot(w);
	ww->obs_records++;
	if (ev == NULL) {
		ww->obs_ring_full++; /* and drop_ring_full */
		return;
	}
	o = (struct wwin_out){.p = (char *)ev->payload,
			      .end = (char *)ev->payload + WEIR_EVENT_PAYLOAD_MAX};
	wwin_put(&o, "{\"sid\":", 7);
	wwin_put_u64(&o, r->sid);
	wwin_put(&o, ",\"rev\":", 7);
	wwin_put_u64(&o, r->rev);
	for (b = 0; b < 16; b++)
		kid[b] = hex[(obs->key_hash >> (60 - 4 * b)) & 0xf];
	wwin_put(&o, ",\"key_id\":\"", 11);
	wwin_put(&o, kid, sizeof(kid));
	wwin_put(&o, "\",\"key\":", 8);
	wwin_put_key(&o, r, obs);
	for (i = 0; i < win->n_key; i++)
		if (win->key[i].kind == WEIR_RWK_FIELD)
			done[win->key[i].field] = 1;
	wwin_put(&o, ",\"fields\":{", 11);
	for (i = 0; i < win->n_cond; i++) {
		const struct weir_rwin_cond *c = &win->cond[i];
		const struct weir_rfield *f;

		if (c->field < 0 || done[c->field])
			continue;
		done[c->field] = 1;
		f = &r->fields[c->field];
		if (nf++ > 0)
			wwin_put(&o, ",", 1);
		wwin_put_str(&o, f->name, strlen(f->name));
		wwin_put(&o, ":", 1);
		if (c->agg == WEIR_RWA_SUM || c->agg == WEIR_RWA_MIN || c->agg == WEIR_RWA_MAX) {
			wwin_put_num(&o, obs->v[i].num);
		} else if (f->sensitive) {
			char rend[WEIR_FIELD_MAX + 8];
			size_t rn = ww->sh->hmac
					    ? weir_field_hmac(val[c->field], ww->sh->hmac_key,
							      ww->sh->hmac_klen, rend, sizeof(rend))
					    : weir_field_mask(val[c->field], rend, sizeof(rend));

			wwin_put_str(&o, rend, rn);
		} else {
			wwin_put_str(&o, val[c->field]->bytes, val[c->field]->len);
		}
	}
	wwin_put(&o, "},\"t_ns\":", 9);
	wwin_put_u64(&o, obs->t_ns);
	wwin_put(&o, ",\"flow_id\":", 11);
	wwin_put_u64(&o, head->flow_id);
	if (head->pcap_cnt != 0) {
		wwin_put(&o, ",\"pcap_cnt\":", 12);
		wwin_put_u64(&o, head->pcap_cnt);
	}
	if (ww->sh->host[0] != '\0') {
		wwin_put(&o, ",\"host\":", 8);
		wwin_put_str(&o, ww->sh->host, strlen(ww->sh->host));
	}
	wwin_put(&o, "}", 1);
	if (o.full) {
		/* the slot is not committed: the next event takes it */
		ww->obs_records--;
		ww->obs_too_long++;
		return;
	}
	ev->payload_cap = (uint16_t)(o.p - (char *)ev->payload);
	ev->payload_len = ev->payload_cap;
	ev->win_ctx_len = 0;
	ev->kind = WEIR_EV_OBS;
	ev->win_key_hash = obs->key_hash;
	ev->rule_id = r->sid;
	ev->rule_rev = r->rev;
	ev->rule_gid = r->gid;
	ev->flow_id = head->flow_id;
	ev->ts_ns = obs->t_ns;
	ev->rx_tsc = head->rx_tsc;
	ev->pcap_cnt = head->pcap_cnt;
	ev->worker = head->worker;
	ev->port = head->port;
	ev->frame_len = 0;
	ev->seq = ++ww->obs_seq;
	weir_worker_event_commit_noseq(w);
}

/* alert.context.window of a firing into [buf, buf+cap): @return its
 * length, 0 when it does not fit. */
static size_t
wwin_context(const struct weir_rt_rule *r, const struct weir_window_obs *obs,
	     const struct weir_window_result *res, char *buf, size_t cap)
{
	const struct weir_rwin *win = r->win;
	struct wwin_out o = {.p = buf, .end = buf + cap};
	unsigned int i, j;

	wwin_put(&o, "{\"key\":", 7);
	wwin_put_key(&o, r, obs);
	wwin_put(&o, ",\"length_s\":", 12);
	wwin_put_u64(&o, (uint64_t)(win->length_ns / 1000000000u));
	wwin_put(&o, ",\"count\":", 9);
	wwin_put_u64(&o, res->count);
	for (i = 0; i < win->n_cond; i++) {
		const struct weir_rwin_cond *c = &win->cond[i];
		bool dup = false;

		if (c->agg == WEIR_RWA_COUNT)
			continue;
		for (j = 0; j < i; j++)
			dup |= win->cond[j].agg == c->agg && win->cond[j].field == c->field;
		if (dup)
			continue;
		wwin_put(&o, ",\"", 2);
		wwin_put(&o, wwin_agg_names[c->agg], strlen(wwin_agg_names[c->agg]));
		wwin_put(&o, "_", 1);
		wwin_put(&o, r->fields[c->field].name, strlen(r->fields[c->field].name));
		wwin_put(&o, "\":", 2);
		wwin_put_num(&o, res->agg[i]);
	}
	wwin_put(&o, ",\"first_ts\":", 12);
	wwin_put_ts(&o, res->first_ts_ns);
	wwin_put(&o, ",\"last_ts\":", 11);
	wwin_put_ts(&o, res->last_ts_ns);
	wwin_put(&o, "}", 1);
	return o.full ? 0 : (size_t)(o.p - buf);
}

static void
wwin_fire(void *ctx, const struct weir_window_def *def, const struct weir_window_obs *obs,
	  const struct weir_window_result *res, const void *auxp)
{
	struct weir_worker *w = ctx;
	struct weir_wwin *ww = &w->win;
	const struct wwin_aux *aux = auxp;
	const struct weir_ruleset *rs = ww->table_rs;
	const struct weir_rt_rule *r;
	struct weir_event *ev;
	char cbuf[WEIR_EVENT_PAYLOAD_MAX];
	size_t cn;
	uint32_t idx, cap;

	(void)def;
	if (obs->def >= rs->n_win)
		return;
	idx = weir_ruleset_window(rs, obs->def);
	r = &rs->rules[idx];
	ww->alerts++;
	ev = weir_worker_event_slot(w);
	if (ev == NULL)
		return; /* counted drop_ring_full */
	memcpy(ev, &aux->head, offsetof(struct weir_event, payload));
	cn = wwin_context(r, obs, res, cbuf, sizeof(cbuf));
	cap = aux->head.payload_cap;
	if (cap + cn > WEIR_EVENT_PAYLOAD_MAX)
		cap = (uint32_t)(WEIR_EVENT_PAYLOAD_MAX - cn);
	memcpy(ev->payload, aux->head.payload, cap);
	memcpy(ev->payload + cap, cbuf, cn);
	ev->payload_cap = (uint16_t)cap;
	ev->win_ctx_len = (uint16_t)cn;
	ev->pcap_cnt = aux->pcap_cnt;
	ev->kind = WEIR_EV_ALERT;
	ev->rule_id = r->sid;
	ev->rule_rev = r->rev;
	ev->rule_gid = r->gid;
	ev->rule_priority = r->priority;
	ev->rule_index = idx;
	ev->generation = (uint32_t)rs->generation;
	/* latency (the emitter's histogram): from the rx burst of the packet
	 * whose observation completed the condition, through the ring to its
	 * owner and the watermark, to the sinks */
	ev->rx_tsc = aux->head.rx_tsc;
	ev->frame_len = 0; /* the frame is not carried to the owner */
	weir_worker_event_commit(w, ev);
}
