/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The values of decode-event, stream-event and engine-event, as
 * Suricata's detect-engine-event.c reads them: decode-event:NAME looks up
 * "decoder.NAME", stream-event:NAME "stream.NAME" (with its two
 * *_with_different_ack aliases), engine-event:NAME the full name, each
 * case-insensitively in Suricata's event table (decode-events.c). A name
 * weir raises gives its enum weir_pkt_event; a name Suricata knows and weir
 * does not raise is refused "not supported yet"; any other is an
 * unknown event, as Suricata refuses it. Control side only.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dec_event.h"
#include "rules_int.h"

/* Suricata's names weir's decoder and stream engine do not raise (the
 * rest of DEvents[]: the ones weir raises come from WEIR_DECODER_EVENTS
 * and weir_event_stream[]). */
static const char *const ev_unsupported[] = {
	"decoder.ipv4.opt_invalid",
	"decoder.ipv4.opt_invalid_len",
	"decoder.ipv4.opt_malformed",
	"decoder.ipv4.opt_pad_required",
	"decoder.ipv4.opt_eol_required",
	"decoder.ipv4.opt_duplicate",
	"decoder.ipv4.opt_unknown",
	"decoder.icmpv4.unknown_type",
	"decoder.icmpv4.unknown_code",
	"decoder.icmpv4.ipv4_trunc_pkt",
	"decoder.icmpv4.ipv4_unknown_ver",
	"decoder.icmpv6.unknown_type",
	"decoder.icmpv6.unknown_code",
	"decoder.icmpv6.ipv6_unknown_version",
	"decoder.icmpv6.ipv6_trunc_pkt",
	"decoder.icmpv6.mld_message_with_invalid_hl",
	"decoder.icmpv6.unassigned_type",
	"decoder.icmpv6.experimentation_type",
	"decoder.ipv6.exthdr_dupl_ah",
	"decoder.ipv6.exthdr_dupl_eh",
	"decoder.ipv6.exthdr_invalid_optlen",
	"decoder.ipv6.exthdr_ah_res_not_null",
	"decoder.ipv6.hopopts_unknown_opt",
	"decoder.ipv6.hopopts_only_padding",
	"decoder.ipv6.dstopts_unknown_opt",
	"decoder.ipv6.dstopts_only_padding",
	"decoder.ipv6.zero_len_padn",
	"decoder.ipv6.unknown_next_header",
	"decoder.tcp.opt_invalid_len",
	"decoder.tcp.opt_duplicate",
	"decoder.ppp.vju_pkt_too_small",
	"decoder.ppp.ip4_pkt_too_small",
	"decoder.ppp.ip6_pkt_too_small",
	"decoder.ppp.wrong_type",
	"decoder.ppp.unsup_proto",
	"decoder.pppoe.malformed_tags",
	"decoder.gre.version0_malformed_sre_hdr",
	"decoder.gre.version1_chksum",
	"decoder.gre.version1_route",
	"decoder.gre.version1_ssr",
	"decoder.gre.version1_recur",
	"decoder.gre.version1_flags",
	"decoder.gre.version1_no_key",
	"decoder.gre.version1_wrong_protocol",
	"decoder.gre.version1_malformed_sre_hdr",
	"decoder.gre.version1_hdr_too_big",
	"decoder.vlan.unknown_type",
	"decoder.ieee8021ah.header_too_small",
	"decoder.vntag.header_too_small",
	"decoder.vntag.unknown_type",
	"decoder.sctp.pkt_too_small",
	"decoder.esp.pkt_too_small",
	"decoder.ipv6.frag_invalid_length",
	"decoder.ipv4.frag_ignored",
	"decoder.ipv6.frag_ignored",
	"decoder.ipv6.ipv4_in_ipv6_too_small",
	"decoder.ipv6.ipv4_in_ipv6_wrong_version",
	"decoder.ipv6.ipv6_in_ipv6_too_small",
	"decoder.ipv6.ipv6_in_ipv6_wrong_version",
	"decoder.mpls.bad_label_router_alert",
	"decoder.mpls.bad_label_implicit_null",
	"decoder.mpls.bad_label_reserved",
	"decoder.erspan.too_many_vlan_layers",
	"decoder.dce.pkt_too_small",
	"decoder.nsh.header_too_small",
	"decoder.nsh.unsupported_version",
	"decoder.nsh.bad_header_length",
	"decoder.nsh.reserved_type",
	"decoder.nsh.unsupported_type",
	"decoder.nsh.unknown_payload",
	"decoder.too_many_layers",
	"stream.3whs_ack_in_wrong_dir",
	"stream.3whs_async_wrong_seq",
	"stream.3whs_right_seq_wrong_ack_evasion",
	"stream.3whs_synack_in_wrong_direction",
	"stream.3whs_synack_resend_with_diff_ack",
	"stream.3whs_synack_resend_with_diff_seq",
	"stream.3whs_synack_toserver_on_syn_recv",
	"stream.3whs_synack_with_wrong_ack",
	"stream.3whs_synack_flood",
	"stream.3whs_syn_resend_diff_seq_on_syn_recv",
	"stream.3whs_syn_toclient_on_syn_recv",
	"stream.3whs_wrong_seq_wrong_ack",
	"stream.3whs_ack_data_inject",
	"stream.4whs_synack_with_wrong_ack",
	"stream.4whs_synack_with_wrong_syn",
	"stream.4whs_wrong_seq",
	"stream.4whs_invalid_ack",
	"stream.closewait_ack_out_of_window",
	"stream.closewait_fin_out_of_window",
	"stream.closewait_pkt_before_last_ack",
	"stream.closewait_invalid_ack",
	"stream.closing_ack_wrong_seq",
	"stream.closing_invalid_ack",
	"stream.est_packet_out_of_window",
	"stream.est_pkt_before_last_ack",
	"stream.est_synack_resend",
	"stream.est_synack_resend_with_diff_ack",
	"stream.est_synack_resend_with_diff_seq",
	"stream.est_synack_toserver",
	"stream.est_syn_resend",
	"stream.est_syn_resend_diff_seq",
	"stream.est_syn_toclient",
	"stream.est_invalid_ack",
	"stream.fin_invalid_ack",
	"stream.fin1_ack_wrong_seq",
	"stream.fin1_fin_wrong_seq",
	"stream.fin1_invalid_ack",
	"stream.fin2_ack_wrong_seq",
	"stream.fin2_fin_wrong_seq",
	"stream.fin2_invalid_ack",
	"stream.fin_but_no_session",
	"stream.fin_out_of_window",
	"stream.fin_syn",
	"stream.lastack_ack_wrong_seq",
	"stream.lastack_invalid_ack",
	"stream.rst_but_no_session",
	"stream.timewait_ack_wrong_seq",
	"stream.timewait_invalid_ack",
	"stream.shutdown_syn_resend",
	"stream.pkt_invalid_timestamp",
	"stream.pkt_invalid_ack",
	"stream.pkt_broken_ack",
	"stream.rst_invalid_ack",
	"stream.pkt_spurious_retransmission",
	"stream.pkt_bad_window_update",
	"stream.suspected_rst_inject",
	"stream.wrong_thread",
	"stream.reassembly_segment_before_base_seq",
	"stream.reassembly_no_segment",
	"stream.reassembly_overlap_different_data",
};

/* The decoder's names, without "decoder.", in enum weir_pkt_event order. */
#define EV_NAME_(a, id, name, doc) name,
static const char *const ev_decoder[] = {WEIR_DECODER_EVENTS(EV_NAME_, ~)};
#undef EV_NAME_

/* The stream events weir raises (app/worker.c, from app/stream.c's
 * counters), and the one Suricata parses but no longer raises. */
static const struct {
	const char *name;
	enum weir_pkt_event ev;
} ev_other[] = {
	{"stream.pkt_retransmission", WEIR_PEV_STREAM_PKT_RETRANSMISSION},
	{"stream.reassembly_seq_gap", WEIR_PEV_STREAM_REASSEMBLY_SEQ_GAP},
	/* detect-engine-event.c OutdatedEvent(): loads with a warning,
	 * never raised */
	{"decoder.udp.hlen_invalid", WEIR_PEV_NEVER},
};

_Static_assert(sizeof(ev_decoder) / sizeof(ev_decoder[0]) == WEIR_PEV_DECODER_N,
	       "one name per decoder event");

/* Suricata's PARSE_REGEX accepts only these characters at the end it
 * anchors ([A-z0-9_+.], A-z taken as letters). */
static int
ev_name_ok(const char *s, size_t n)
{
	size_t i;
	int dot = 0;

	if (n < 3)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.')
			dot = 1;
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '_' || ch == '+'))
			return 0;
	}
	return dot;
}

int
weir_event_parse(const char *kw, const char *val, size_t len, char *err, size_t errlen)
{
	char name[96];
	const char *prefix = "";
	size_t i, pl;

	if (strcasecmp(kw, "decode-event") == 0) {
		prefix = "decoder.";
	} else if (strcasecmp(kw, "stream-event") == 0) {
		prefix = "stream.";
		if (len == 36 && strncmp(val, "est_synack_resend_with_different_ack", len) == 0) {
			val = "est_synack_resend_with_diff_ack";
			len = strlen(val);
		} else if (len == 37 &&
			   strncmp(val, "3whs_synack_resend_with_different_ack", len) == 0) {
			val = "3whs_synack_resend_with_diff_ack";
			len = strlen(val);
		}
	}
	pl = strlen(prefix);
	if (len > sizeof(name) - 1 - pl)
		len = sizeof(name) - 1 - pl; /* no event is that long: unknown */
	memcpy(name, prefix, pl);
	memcpy(name + pl, val, len);
	name[pl + len] = '\0';
	if (!ev_name_ok(name, pl + len)) {
		snprintf(err, errlen,
			 "%s: invalid event name '%.*s' (Suricata's form: "
			 "[A-Za-z0-9_+.], with a dot)",
			 kw, len > 64 ? 64 : (int)len, val);
		return -1;
	}

	if (strncasecmp(name, "decoder.", 8) == 0)
		for (i = 0; i < WEIR_PEV_DECODER_N; i++)
			if (strcasecmp(name + 8, ev_decoder[i]) == 0)
				return (int)i;
	for (i = 0; i < sizeof(ev_other) / sizeof(ev_other[0]); i++)
		if (strcasecmp(name, ev_other[i].name) == 0)
			return (int)ev_other[i].ev;
	for (i = 0; i < sizeof(ev_unsupported) / sizeof(ev_unsupported[0]); i++) {
		if (strcasecmp(name, ev_unsupported[i]) == 0) {
			snprintf(err, errlen,
				 "%s: event '%s' is not supported yet (weir's %s does not "
				 "raise it)",
				 kw, name,
				 strncmp(ev_unsupported[i], "stream.", 7) == 0 ? "stream engine"
									       : "decoder");
			return -1;
		}
	}
	snprintf(err, errlen, "%s: unknown event \"%s\"%s", kw, name,
		 strncasecmp(name, "decoder.decoder.", 16) == 0
			 ? " (decode-event adds the decoder. prefix itself; engine-event "
			   "takes the full name)"
			 : "");
	return -1;
}
