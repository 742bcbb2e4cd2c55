/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp driver, cold half. weir's own XDP program (bpf/weir_xdp.bpf.c, its
 * bpftool skeleton embedded here) is attached to a kernel interface with
 * libxdp, native mode first and generic (SKB) mode as a logged fallback;
 * the capture filter and block list go into its maps; then one AF_XDP
 * socket per worker queue (run mode pipeline: per queue of the interface;
 * an interface with fewer queues than workers: per queue it has, and run
 * mode auto takes the pipeline), each with its own UMEM, is bound to queue
 * q of the interface and put into the XSKMAP at index q. What the filter selects
 * arrives in the sockets, everything else goes on to the kernel.
 *
 * A program of ours left behind by a crashed run (kill -9 leaves the
 * netlink attachment in place) is found by name at the next open and
 * removed before anything else happens. Maps are never pinned, so they die
 * with the program.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/if_xdp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <rte_malloc.h>

#include "afxdp_priv.h"
#include "log.h"
#include "weir_xdp.skel.h"

#define AFXDP_PROG_NAME	 "weir_xdp"
#define AFXDP_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE /* 4 KiB: one page per frame */
/* Completion ring: required by xsk_umem__create, never used (rx only). */
#define AFXDP_COMP_SIZE	     64
#define AFXDP_DEFAULT_FRAMES 4096
#define AFXDP_DEFAULT_RING   2048

struct afxdp_port {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct weir_xdp *skel;
	struct xdp_program *prog;
	enum xdp_attach_mode attached; /* XDP_MODE_UNSPEC = not attached */
	bool dispatcher;	       /* under libxdp's multi-prog dispatcher */
	struct weir_afxdp_filter filter;
	struct afxdp_queue *q[WEIR_MAX_QUEUES];
	uint16_t n_queues;
};

/* Why libxdp did not use its dispatcher, kept from its log during attach. */
static char g_afxdp_dispatch_note[256];
static bool g_afxdp_noting;

/*
 * libbpf and libxdp print through weir's log, demoted one level (as
 * xdp-tools does): their warnings are often expected fallbacks (the
 * dispatcher probe, zero-copy probing), so they show at INFO, and their
 * debug chatter only at DEBUG.
 */
static void
afxdp_vlog(int lib_level, const char *lib, const char *fmt, va_list ap)
{
	char buf[512];
	size_t len;
	uint32_t level = lib_level == LIBBPF_WARN ? RTE_LOG_INFO : RTE_LOG_DEBUG;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	/* While attaching, keep libxdp's reason for not using its dispatcher:
	 * no bpffs, or the kernel refusing the freplace compatibility probe. */
	if (g_afxdp_noting && strcmp(lib, "libxdp") == 0 &&
	    ((strstr(buf, "bpffs") != NULL && g_afxdp_dispatch_note[0] == '\0') ||
	     (strstr(buf, "ispatcher") != NULL && strstr(buf, "ailed") != NULL)))
		snprintf(g_afxdp_dispatch_note, sizeof(g_afxdp_dispatch_note), "%s", buf);
	rte_log(level, weir_logtype_capture, "weir: afxdp: %s: %s\n", lib, buf);
}

static int
afxdp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	afxdp_vlog((int)level, "libbpf", fmt, ap);
	return 0;
}

static int
afxdp_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	afxdp_vlog((int)level, "libxdp", fmt, ap);
	return 0;
}

static const char *
afxdp_mode_name(enum xdp_attach_mode m)
{
	return m == XDP_MODE_NATIVE ? "native" : m == XDP_MODE_SKB ? "skb" : "none";
}

/* Remove a weir_xdp left on @p ifindex by an earlier run that died. */
static int
afxdp_remove_stale(struct afxdp_port *ap)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ap->ifindex);
	struct xdp_program *p;
	int ret = libxdp_get_error(mp);

	if (ret != 0 || mp == NULL)
		return 0; /* nothing attached (or nothing libxdp can read) */
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p != NULL && strcmp(xdp_program__name(p), AFXDP_PROG_NAME) == 0) {
			WEIR_LOG(NOTICE, capture,
				 "afxdp: %s: removing stale %s (id %u) left by an earlier run",
				 ap->ifname, AFXDP_PROG_NAME, xdp_program__id(p));
			ret = xdp_multiprog__detach(mp);
		}
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p != NULL;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (strcmp(xdp_program__name(p), AFXDP_PROG_NAME) != 0)
				continue;
			WEIR_LOG(NOTICE, capture,
				 "afxdp: %s: removing stale %s (id %u) from the dispatcher",
				 ap->ifname, AFXDP_PROG_NAME, xdp_program__id(p));
			ret = xdp_program__detach(p, ap->ifindex, xdp_multiprog__attach_mode(mp),
						  0);
			break;
		}
	}
	xdp_multiprog__close(mp);
	if (ret < 0)
		WEIR_LOG(ERR, capture, "afxdp: %s: cannot remove the stale program: %s", ap->ifname,
			 strerror(-ret));
	return ret;
}

static int
afxdp_attach(struct afxdp_port *ap, const char *mode)
{
	struct xdp_multiprog *mp;
	int ret = -EINVAL;

	g_afxdp_dispatch_note[0] = '\0';
	g_afxdp_noting = true;
	if (strcmp(mode, "skb") != 0) {
		ret = xdp_program__attach(ap->prog, ap->ifindex, XDP_MODE_NATIVE, 0);
		if (ret == 0)
			ap->attached = XDP_MODE_NATIVE;
		else if (strcmp(mode, "native") == 0)
			WEIR_LOG(ERR, capture, "afxdp: %s: native XDP attach failed: %s",
				 ap->ifname, strerror(-ret));
		else
			WEIR_LOG(WARNING, capture,
				 "afxdp: %s: native XDP attach failed (%s); falling back to "
				 "generic (SKB) mode, which is slower and copies every packet",
				 ap->ifname, strerror(-ret));
	}
	if (ap->attached == XDP_MODE_UNSPEC && strcmp(mode, "native") != 0) {
		ret = xdp_program__attach(ap->prog, ap->ifindex, XDP_MODE_SKB, 0);
		if (ret == 0)
			ap->attached = XDP_MODE_SKB;
		else
			WEIR_LOG(ERR, capture, "afxdp: %s: generic (SKB) XDP attach failed: %s",
				 ap->ifname, strerror(-ret));
	}
	g_afxdp_noting = false;
	if (ret < 0) {
		if (ret == -EEXIST || ret == -EBUSY)
			WEIR_LOG(ERR, capture,
				 "afxdp: %s: another XDP program is attached and libxdp's "
				 "dispatcher is not usable here (%s): weir will not replace it",
				 ap->ifname,
				 g_afxdp_dispatch_note[0] ? g_afxdp_dispatch_note : "see -v");
		return ret;
	}
	mp = xdp_multiprog__get_from_ifindex(ap->ifindex);
	if (libxdp_get_error(mp) == 0 && mp != NULL) {
		ap->dispatcher = !xdp_multiprog__is_legacy(mp);
		xdp_multiprog__close(mp);
	}
	if (ap->dispatcher)
		WEIR_LOG(NOTICE, capture,
			 "afxdp: %s: %s attached in %s mode under libxdp's dispatcher", ap->ifname,
			 AFXDP_PROG_NAME, afxdp_mode_name(ap->attached));
	else
		WEIR_LOG(NOTICE, capture,
			 "afxdp: %s: %s attached in %s mode as the only program (libxdp's "
			 "dispatcher not usable: %s)",
			 ap->ifname, AFXDP_PROG_NAME, afxdp_mode_name(ap->attached),
			 g_afxdp_dispatch_note[0] ? g_afxdp_dispatch_note : "reason not logged");
	return 0;
}

static void
afxdp_queue_free(struct afxdp_queue *q)
{
	if (q->xsk != NULL)
		xsk_socket__delete(q->xsk);
	if (q->umem != NULL)
		xsk_umem__delete(q->umem);
	if (q->umem_area != NULL)
		munmap(q->umem_area, q->umem_bytes);
	q->xsk = NULL;
	q->umem = NULL;
	q->umem_area = NULL;
}

/* UMEM + socket on one queue, bound with @p bind_copy_flag (XDP_ZEROCOPY
 * or XDP_COPY). Undoes itself on failure so the caller may retry. */
static int
afxdp_queue_bind(struct afxdp_port *ap, struct afxdp_queue *q, const struct weir_afxdp_conf *c,
		 uint16_t bind_copy_flag)
{
	struct xsk_umem_config ucfg = {
		.fill_size = c->umem_frames,
		.comp_size = AFXDP_COMP_SIZE,
		.frame_size = AFXDP_FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = c->ring_size,
		.tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, /* ours is loaded */
		.bind_flags = XDP_USE_NEED_WAKEUP | bind_copy_flag,
	};
	struct xdp_options opts;
	socklen_t optlen = sizeof(opts);
	uint32_t i, idx;
	int ret;

	q->umem_bytes = (size_t)c->umem_frames * AFXDP_FRAME_SIZE;
	q->umem_area = mmap(NULL, q->umem_bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (q->umem_area == MAP_FAILED) {
		q->umem_area = NULL;
		return -errno;
	}
	ret = xsk_umem__create(&q->umem, q->umem_area, q->umem_bytes, &q->fq, &q->cq, &ucfg);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "afxdp: %s: xsk_umem__create(%u frames) failed: %s%s",
			 ap->ifname, c->umem_frames, strerror(-ret),
			 ret == -EPERM || ret == -ENOBUFS || ret == -ENOMEM
				 ? " (UMEM is locked memory: raise ulimit -l or run with "
				   "CAP_IPC_LOCK)"
				 : "");
		goto err_unmap;
	}
	ret = xsk_socket__create(&q->xsk, ap->ifname, q->queue_id, q->umem, &q->rx, NULL, &scfg);
	if (ret < 0)
		goto err_umem;
	q->fd = xsk_socket__fd(q->xsk);
	q->zero_copy = getsockopt(q->fd, SOL_XDP, XDP_OPTIONS, &opts, &optlen) == 0 &&
		       (opts.flags & XDP_OPTIONS_ZEROCOPY) != 0;
	/* Every frame goes to the fill ring now; the ring is as large as the
	 * UMEM, so release() can always give a frame back. */
	if (xsk_ring_prod__reserve(&q->fq, c->umem_frames, &idx) != c->umem_frames) {
		ret = -ENOSPC;
		goto err_socket;
	}
	for (i = 0; i < c->umem_frames; i++)
		*xsk_ring_prod__fill_addr(&q->fq, idx + i) = (uint64_t)i * AFXDP_FRAME_SIZE;
	xsk_ring_prod__submit(&q->fq, c->umem_frames);
	q->frame_mask = ~(uint64_t)(AFXDP_FRAME_SIZE - 1);
	return 0;

err_socket:
	xsk_socket__delete(q->xsk);
	q->xsk = NULL;
err_umem:
	xsk_umem__delete(q->umem);
	q->umem = NULL;
err_unmap:
	munmap(q->umem_area, q->umem_bytes);
	q->umem_area = NULL;
	return ret;
}

static int
afxdp_queue_open(struct afxdp_port *ap, uint16_t qid, const struct weir_afxdp_conf *c,
		 int socket_id)
{
	struct afxdp_queue *q;
	uint32_t key = qid;
	int ret = -EINVAL;

	q = rte_zmalloc_socket("weir_afxdp_q", sizeof(*q), RTE_CACHE_LINE_SIZE, socket_id);
	if (q == NULL)
		return -ENOMEM;
	q->queue_id = qid;
	ap->q[qid] = q;
	/* Zero-copy needs native XDP and driver support; generic mode never
	 * has it, so do not even try there. */
	if (strcmp(c->zero_copy, "off") != 0 && ap->attached == XDP_MODE_NATIVE) {
		ret = afxdp_queue_bind(ap, q, c, XDP_ZEROCOPY);
		if (ret < 0 && strcmp(c->zero_copy, "on") == 0) {
			WEIR_LOG(ERR, capture,
				 "afxdp: %s queue %u: zero-copy bind failed: %s (afxdp.zero-copy: "
				 "on)",
				 ap->ifname, qid, strerror(-ret));
			return ret;
		}
		if (ret < 0)
			WEIR_LOG(INFO, capture, "afxdp: %s queue %u: no zero-copy (%s); copy mode",
				 ap->ifname, qid, strerror(-ret));
	} else if (strcmp(c->zero_copy, "on") == 0) {
		WEIR_LOG(ERR, capture,
			 "afxdp: %s: afxdp.zero-copy is on but XDP runs in %s mode, which has "
			 "no zero-copy",
			 ap->ifname, afxdp_mode_name(ap->attached));
		return -EINVAL;
	}
	if (ret < 0)
		ret = afxdp_queue_bind(ap, q, c, XDP_COPY);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "afxdp: %s queue %u: xsk_socket__create failed: %s%s",
			 ap->ifname, qid, strerror(-ret),
			 ret == -EINVAL ? " (does the interface have that many rx queues? "
					  "see ethtool -l)"
					: "");
		return ret;
	}
	if (bpf_map_update_elem(bpf_map__fd(ap->skel->maps.weir_xsks), &key, &q->fd, BPF_ANY) < 0) {
		ret = -errno;
		WEIR_LOG(ERR, capture, "afxdp: %s queue %u: XSKMAP update failed: %s", ap->ifname,
			 qid, strerror(-ret));
		return ret;
	}
	return 0;
}

static int
afxdp_conf_check(const char *ifname, const struct weir_afxdp_conf *c)
{
	if (c->umem_frames == 0 || (c->umem_frames & (c->umem_frames - 1)) != 0 ||
	    c->ring_size == 0 || (c->ring_size & (c->ring_size - 1)) != 0) {
		WEIR_LOG(ERR, capture,
			 "afxdp: %s: afxdp.umem-frames (%u) and afxdp.ring-size (%u) must be "
			 "powers of two",
			 ifname, c->umem_frames, c->ring_size);
		return -EINVAL;
	}
	if (c->ring_size > c->umem_frames) {
		WEIR_LOG(ERR, capture,
			 "afxdp: %s: afxdp.ring-size (%u) larger than afxdp.umem-frames (%u): "
			 "the rx ring could never fill",
			 ifname, c->ring_size, c->umem_frames);
		return -EINVAL;
	}
	return 0;
}

/*
 * The interface's rx queues now (the ids an AF_XDP socket can bind to):
 * ethtool's channels (combined + rx-only), as `ethtool -l` shows them, or,
 * for a driver without that ioctl, the rx-N entries of its sysfs queues
 * directory (right only when /sys belongs to weir's network namespace,
 * which `ip netns exec` arranges). @return the count, or 0 when neither
 * says.
 */
static unsigned int
afxdp_rx_queues(const char *ifname)
{
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
	struct ifreq ifr;
	char path[64 + IF_NAMESIZE];
	struct dirent *de;
	unsigned int n = 0;
	DIR *dir;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (char *)&ch;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			n = ch.combined_count + ch.rx_count;
		close(fd);
		if (n != 0)
			return n;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL)
		if (strncmp(de->d_name, "rx-", 3) == 0)
			n++;
	closedir(dir);
	return n;
}

/*
 * How many queues to bind: conf->n_queues (one per worker), or with
 * fewer_queues_ok at most what the interface has (run mode auto then
 * takes the pipeline), or with every_queue all it has (pipeline: a queue
 * without a socket passes its packets to the kernel, unseen by weir).
 * @return the count, or -EINVAL (printed) when the interface has fewer
 * queues than run mode workers needs.
 */
static int
afxdp_queue_count(const char *ifname, const struct weir_port_conf *conf)
{
	unsigned int have = afxdp_rx_queues(ifname), want = conf->n_queues;

	if (have == 0) /* unknown: binding says whether the queues exist */
		return (int)want;
	if (have > WEIR_MAX_QUEUES)
		have = WEIR_MAX_QUEUES;
	if (conf->every_queue)
		return (int)have;
	if (want > have) {
		if (conf->fewer_queues_ok)
			return (int)have;
		WEIR_LOG(ERR, capture,
			 "afxdp: %s has %u rx queue%s, %u workers asked for one each (runmode "
			 "workers; ethtool -L %s combined %u, or runmode auto or pipeline, which "
			 "spread flows in software)",
			 ifname, have, have == 1 ? "" : "s", want, ifname, want);
		return -EINVAL;
	}
	if (want < have)
		WEIR_LOG(WARNING, capture,
			 "afxdp: %s has %u rx queues, weir binds %u (one per worker): what RSS "
			 "puts on queues %u-%u goes to the kernel, unseen (ethtool -L %s combined "
			 "%u)",
			 ifname, have, want, want, have - 1, ifname, want);
	return (int)want;
}

static void afxdp_close(struct weir_port *port);

static int
afxdp_open(struct weir_port *port, const struct weir_port_conf *conf)
{
	static const struct weir_afxdp_conf defaults = {
		.mode = "auto",
		.zero_copy = "auto",
		.umem_frames = AFXDP_DEFAULT_FRAMES,
		.ring_size = AFXDP_DEFAULT_RING,
	};
	const struct weir_afxdp_conf *c = conf->drv_conf ? conf->drv_conf : &defaults;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, popts, .prog_name = AFXDP_PROG_NAME);
	struct afxdp_port *ap;
	char err[256];
	uint16_t q, n_queues;
	int ret;

	if (conf->n_queues > WEIR_XDP_MAX_QUEUES)
		return -EINVAL;
	ret = afxdp_conf_check(conf->name, c);
	if (ret < 0)
		return ret;
	ap = calloc(1, sizeof(*ap));
	if (ap == NULL)
		return -ENOMEM;
	port->priv = ap;
	snprintf(ap->ifname, sizeof(ap->ifname), "%s", conf->name);
	ap->ifindex = (int)if_nametoindex(conf->name);
	if (ap->ifindex == 0 || strlen(conf->name) >= IF_NAMESIZE) {
		WEIR_LOG(ERR, capture, "afxdp: no kernel network interface '%s'", conf->name);
		ret = -ENODEV;
		goto err_close;
	}
	ret = weir_afxdp_filter_parse(c, &ap->filter, err, sizeof(err));
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "afxdp: %s", err);
		goto err_close;
	}
	/* before anything is attached: a refusal leaves the interface as it was */
	ret = afxdp_queue_count(ap->ifname, conf);
	if (ret < 0)
		goto err_close;
	n_queues = (uint16_t)(ret > WEIR_XDP_MAX_QUEUES ? WEIR_XDP_MAX_QUEUES : ret);
	libbpf_set_print(afxdp_libbpf_print);
	libxdp_set_print(afxdp_libxdp_print);
	ret = afxdp_remove_stale(ap);
	if (ret < 0)
		goto err_close;

	/* Opened, not loaded: libxdp loads it, as a dispatcher component
	 * where the kernel allows and as a plain XDP program otherwise. */
	ap->skel = weir_xdp__open();
	if (ap->skel == NULL) {
		ret = -errno;
		WEIR_LOG(ERR, capture, "afxdp: weir_xdp__open failed: %s", strerror(-ret));
		goto err_close;
	}
	popts.obj = ap->skel->obj;
	ap->prog = xdp_program__create(&popts);
	ret = libxdp_get_error(ap->prog);
	if (ret != 0) {
		ap->prog = NULL;
		WEIR_LOG(ERR, capture, "afxdp: xdp_program__create failed: %s", strerror(-ret));
		goto err_close;
	}
	ret = afxdp_attach(ap, c->mode);
	if (ret < 0)
		goto err_close;
	/* Until the filter is in, the program's zeroed conf selects nothing
	 * and every packet goes to the kernel, as without weir. */
	ret = weir_afxdp_filter_apply(ap->skel, &ap->filter, NULL);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "afxdp: %s: filter maps: %s", ap->ifname, strerror(-ret));
		goto err_close;
	}
	for (q = 0; q < n_queues; q++) {
		ap->n_queues = (uint16_t)(q + 1);
		ret = afxdp_queue_open(ap, q, c, conf->socket_id);
		if (ret < 0)
			goto err_close;
		port->rxq[q] = &ap->q[q]->rxq;
	}
	port->n_queues = n_queues;
	/* the NIC's RSS is the kernel's to set (ethtool -X ... hkey 6d:5a:...,
	 * README): weir cannot check it from here */
	port->rss_symmetric = true;
	port->l2 = WEIR_L2_ETH;
	port->offline = false;
	snprintf(port->name, sizeof(port->name), "%s", ap->ifname);
	WEIR_LOG(NOTICE, capture,
		 "afxdp: %s: %u queue%s, %s, %u UMEM frames and %u rx descriptors "
		 "each",
		 ap->ifname, ap->n_queues, ap->n_queues == 1 ? "" : "s",
		 ap->q[0]->zero_copy ? "zero-copy" : "copy mode", c->umem_frames, c->ring_size);
	return 0;

err_close:
	afxdp_close(port);
	return ret;
}

static int
afxdp_start(struct weir_port *port)
{
	struct afxdp_port *ap = port->priv;
	struct weir_tsc_clock clock;
	uint16_t q;

	weir_tsc_clock_init(&clock);
	for (q = 0; q < ap->n_queues; q++)
		ap->q[q]->clock = clock;
	return 0;
}

static void
afxdp_xstat(struct weir_port_stats *st, const char *name, uint64_t v)
{
	if (st->n_xstats < WEIR_PORT_XSTATS_MAX) {
		st->xstats[st->n_xstats].name = name;
		st->xstats[st->n_xstats].value = v;
		st->n_xstats++;
	}
}

static int
afxdp_stats(const struct weir_port *port, struct weir_port_stats *st)
{
	static const char *const names[] = {
#define AFXDP_NAME(e, name, doc) name,
		WEIR_XDP_COUNTERS(AFXDP_NAME)
#undef AFXDP_NAME
	};
	const struct afxdp_port *ap = port->priv;
	struct xdp_statistics xs, sum = {0};
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(ap->skel->maps.weir_counters);
	uint64_t *percpu;
	uint32_t i;
	uint16_t q;
	int c;

	for (q = 0; q < ap->n_queues; q++) {
		socklen_t len = sizeof(xs);

		st->rx_packets += ap->q[q]->rx_packets;
		st->rx_bytes += ap->q[q]->rx_bytes;
		if (getsockopt(ap->q[q]->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) == 0) {
			sum.rx_dropped += xs.rx_dropped;
			sum.rx_invalid_descs += xs.rx_invalid_descs;
			sum.rx_ring_full += xs.rx_ring_full;
			sum.rx_fill_ring_empty_descs += xs.rx_fill_ring_empty_descs;
		}
	}
	snprintf(st->mode, sizeof(st->mode), "%s xdp%s, %s", afxdp_mode_name(ap->attached),
		 ap->dispatcher ? " (dispatcher)" : "",
		 ap->n_queues && ap->q[0]->zero_copy ? "zero-copy" : "copy");
	if (ncpu > 0 && (percpu = calloc((size_t)ncpu, sizeof(*percpu))) != NULL) {
		for (i = 0; i < WEIR_XDP_NCOUNTERS; i++) {
			uint64_t total = 0;

			if (bpf_map_lookup_elem(fd, &i, percpu) == 0)
				for (c = 0; c < ncpu; c++)
					total += percpu[c];
			afxdp_xstat(st, names[i], total);
		}
		free(percpu);
	}
	afxdp_xstat(st, "drop_xsk_rx_ring_full", sum.rx_ring_full);
	afxdp_xstat(st, "drop_xsk_invalid_descs", sum.rx_invalid_descs);
	afxdp_xstat(st, "drop_xsk_other", sum.rx_dropped);
	afxdp_xstat(st, "xsk_fill_ring_empty", sum.rx_fill_ring_empty_descs);
	{
		uint64_t wakeups = 0; /* 64-bit: a busy queue wraps 32 bits */

		for (q = 0; q < ap->n_queues; q++)
			wakeups += ap->q[q]->wakeups;
		afxdp_xstat(st, "xsk_wakeups", wakeups);
	}
	return 0;
}

static int
afxdp_reconfigure(struct weir_port *port, const void *drv_conf)
{
	struct afxdp_port *ap = port->priv;
	struct weir_afxdp_filter f;
	char err[256];
	int ret;

	ret = weir_afxdp_filter_parse(drv_conf, &f, err, sizeof(err));
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "afxdp: %s: new filter refused, keeping the old one: %s",
			 ap->ifname, err);
		return ret;
	}
	ret = weir_afxdp_filter_apply(ap->skel, &f, &ap->filter);
	if (ret < 0) {
		WEIR_LOG(ERR, capture, "afxdp: %s: filter map update failed: %s", ap->ifname,
			 strerror(-ret));
		weir_afxdp_filter_free(&f);
		return ret;
	}
	weir_afxdp_filter_free(&ap->filter);
	ap->filter = f;
	WEIR_LOG(NOTICE, capture,
		 "afxdp: %s: filter updated (%u source, %u destination prefixes, "
		 "%u block list entries)",
		 ap->ifname, f.n_src, f.n_dst, f.n_block);
	return 0;
}

static void
afxdp_close(struct weir_port *port)
{
	struct afxdp_port *ap = port->priv;
	uint16_t q;
	int ret;

	if (ap == NULL)
		return;
	/* Program first: once it is gone nothing is redirected to a socket
	 * we are about to close, and the interface is back to normal even if
	 * the rest of the teardown fails. */
	if (ap->attached != XDP_MODE_UNSPEC) {
		ret = xdp_program__detach(ap->prog, ap->ifindex, ap->attached, 0);
		if (ret < 0)
			WEIR_LOG(ERR, capture, "afxdp: %s: xdp_program__detach failed: %s",
				 ap->ifname, strerror(-ret));
		else
			WEIR_LOG(INFO, capture, "afxdp: %s: %s detached", ap->ifname,
				 AFXDP_PROG_NAME);
	}
	for (q = 0; q < ap->n_queues; q++) {
		if (ap->q[q] == NULL)
			continue;
		afxdp_queue_free(ap->q[q]);
		rte_free(ap->q[q]);
	}
	if (ap->prog != NULL)
		xdp_program__close(ap->prog); /* the bpf_object stays the skeleton's */
	if (ap->skel != NULL)
		weir_xdp__destroy(ap->skel);
	weir_afxdp_filter_free(&ap->filter);
	free(ap);
	port->priv = NULL;
}

const struct weir_capture_ops afxdp_capture_ops = {
	.name = "afxdp",
	.open = afxdp_open,
	.start = afxdp_start,
	.stats = afxdp_stats,
	.close = afxdp_close,
	.reconfigure = afxdp_reconfigure,
	.rx_burst = afxdp_rx_burst,
	.release = afxdp_release,
};
