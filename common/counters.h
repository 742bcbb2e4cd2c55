/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counter lists, each written out once. Every view walks these:
 * the structs (drivers/capture.h, drivers/sink.h, app/stats.h), the
 * summary (app/summary.c), the stats socket's JSON (app/obs.c, whose
 * member names are the list's names), DPDK telemetry (app/telemetry.c,
 * which flattens that JSON), Prometheus (app/metrics.c) and weirctl
 * (app/weirctl/). Adding a row here shows the counter everywhere; the
 * unit tests (tests/unit/app/test_views.c) and tests/integration/
 * test_ctl.sh walk the lists to prove it.
 *
 * Pure preprocessor: no include, no DPDK, so weirctl (which links jansson
 * only) includes it too. Every loss counter is named drop_*; Prometheus
 * turns drop_X into weir_drop_X_total (ports, workers, emitter) or
 * weir_drop_sink_X_total (sinks).
 */
#ifndef WEIR_COUNTERS_H
#define WEIR_COUNTERS_H

/* A port's counters, as its driver's stats op reports them:
 * _(name, doc). Driver-specific extras (afxdp) are xstats, by name. */
#define WEIR_PORT_COUNTERS(_)                                                                      \
	_(rx_packets, "packets the port's driver received")                                        \
	_(rx_bytes, "bytes the port's driver received")                                            \
	_(drop_nic_missed, "packets the NIC dropped (no free descriptor)")                         \
	_(drop_nic_errors, "receive errors the NIC reported")                                      \
	_(drop_nombuf, "packets lost for want of a buffer")

/*
 * A sink's counters: _(name, kind, doc), kind COUNTER (only grows) or
 * GAUGE (a level now). Every sink reports every row: the per-type ones
 * (marked with their sink type in the doc) are 0 for the other types, so
 * no view needs to know which type a sink is. Accounting, once closed:
 *   enqueued = written + skipped + drop_backpressure + drop_errors
 *              + drop_undelivered
 */
#define WEIR_SINK_COUNTERS(_)                                                                      \
	_(enqueued, COUNTER, "events the sink's queue took")                                       \
	_(flow_records, COUNTER, "flow records (event_type flow) among them")                      \
	_(written, COUNTER,                                                                        \
	  "events whose output reached the peer (kafka: delivery "                                 \
	  "report OK)")                                                                            \
	_(bytes, COUNTER, "bytes that reached the output")                                         \
	_(skipped, COUNTER,                                                                        \
	  "events the sink has no output for, not a loss (pcap: flow records, "                    \
	  "which have no frame)")                                                                  \
	_(drop_full, COUNTER,                                                                      \
	  "events dropped: the sink's queue (kafka: or its local "                                 \
	  "queue) was full")                                                                       \
	_(drop_backpressure, COUNTER,                                                              \
	  "events dropped: the output was behind (jsonl "                                          \
	  "pipe reader)")                                                                          \
	_(drop_errors, COUNTER, "events lost to write errors or failed delivery reports")          \
	_(drop_undelivered, COUNTER, "kafka, kinesis: events still undelivered at close")          \
	_(queue_depth, GAUGE, "events in the sink's queue now")                                    \
	_(queue_hwm, GAUGE, "most events ever in the sink's queue")                                \
	_(subscribers, GAUGE, "unix: subscribers connected now")                                   \
	_(accepted, COUNTER, "unix: subscribers accepted in all")                                  \
	_(drop_subscribers, COUNTER, "unix: subscribers disconnected as too slow")                 \
	_(files, COUNTER, "pcap: files opened (rotation)")                                         \
	_(pending, GAUGE, "kinesis: records held for (re)sending now")                             \
	_(requests, COUNTER, "kinesis: PutRecords calls made")                                     \
	_(request_errors, COUNTER,                                                                 \
	  "kinesis: PutRecords calls that failed whole (transport, HTTP or service error)")        \
	_(retried, COUNTER, "kinesis: records sent again after a failed attempt")                  \
	_(throttled, COUNTER,                                                                      \
	  "kinesis: record attempts refused as throttled (ProvisionedThroughputExceeded)")         \
	_(request_time, COUNTER, "kinesis: microseconds spent in PutRecords calls, in all")        \
	_(request_time_max, GAUGE, "kinesis: longest PutRecords call, microseconds")

/*
 * Suricata's decoder events weir's decoder raises (app/decode.c, the
 * tunnel decoders, app/defrag.c): _(a, id, name, doc) (a: passed through,
 * for lists built from this one), name as Suricata's
 * decode-event keyword takes it (decode-events.c without "decoder.").
 * Each is one bit of weir_decoded.events (enum weir_dec_event, in this
 * order) and one worker counter, decoder_event_<id>: packets that raised
 * it. decode-event:NAME matches the packets carrying it (rules/
 * rules_event.c); Suricata's other names are refused "not supported yet".
 */
#define WEIR_DECODER_EVENTS(_, a)                                                                  \
	_(a, ethernet_pkt_too_small, "ethernet.pkt_too_small",                                     \
	  "Ethernet frame shorter than 14 bytes")                                                  \
	_(a, sll_pkt_too_small, "sll.pkt_too_small", "Linux cooked (SLL/SLL2) header cut short")   \
	_(a, ltnull_pkt_too_small, "ltnull.pkt_too_small", "NULL/LOOP header cut short")           \
	_(a, ltnull_unsupported_type, "ltnull.unsupported_type",                                   \
	  "NULL/LOOP address family neither IPv4 nor IPv6")                                        \
	_(a, ipraw_invalid_ip_version, "ipraw.invalid_ip_version",                                 \
	  "raw IP link: first nibble neither 4 nor 6")                                             \
	_(a, vlan_header_too_small, "vlan.header_too_small", "802.1Q/802.1ad tag cut short")       \
	_(a, vlan_too_many_layers, "vlan.too_many_layers", "more than 3 VLAN tags")                \
	_(a, ppp_pkt_too_small, "ppp.pkt_too_small", "PPP header cut short")                       \
	_(a, chdlc_pkt_too_small, "chdlc.pkt_too_small", "Cisco HDLC header cut short")            \
	_(a, pppoe_pkt_too_small, "pppoe.pkt_too_small",                                           \
	  "PPPoE session header cut short, or its length past the frame")                          \
	_(a, pppoe_wrong_code, "pppoe.wrong_code",                                                 \
	  "PPPoE session packet with a code other than 0")                                         \
	_(a, mpls_header_too_small, "mpls.header_too_small", "MPLS label stack cut short")         \
	_(a, mpls_pkt_too_small, "mpls.pkt_too_small",                                             \
	  "nothing, or a cut control word, after MPLS")                                            \
	_(a, mpls_unknown_payload_type, "mpls.unknown_payload_type",                               \
	  "MPLS payload neither IPv4, IPv6 nor an Ethernet pseudowire")                            \
	_(a, ipv4_pkt_too_small, "ipv4.pkt_too_small", "IPv4 packet shorter than 20 bytes")        \
	_(a, ipv4_wrong_ip_version, "ipv4.wrong_ip_version", "IPv4 header with a version not 4")   \
	_(a, ipv4_hlen_too_small, "ipv4.hlen_too_small", "IPv4 header length below 20 bytes")      \
	_(a, ipv4_iplen_smaller_than_hlen, "ipv4.iplen_smaller_than_hlen",                         \
	  "IPv4 total length below the header length")                                             \
	_(a, ipv4_trunc_pkt, "ipv4.trunc_pkt", "IPv4 total length past the captured bytes")        \
	_(a, ipv4_icmpv6, "ipv4.icmpv6", "ICMPv6 carried in IPv4")                                 \
	_(a, ipv6_pkt_too_small, "ipv6.pkt_too_small", "IPv6 packet shorter than 40 bytes")        \
	_(a, ipv6_wrong_ip_version, "ipv6.wrong_ip_version", "IPv6 header with a version not 6")   \
	_(a, ipv6_trunc_pkt, "ipv6.trunc_pkt", "IPv6 payload length past the captured bytes")      \
	_(a, ipv6_trunc_exthdr, "ipv6.trunc_exthdr", "IPv6 extension header cut short")            \
	_(a, ipv6_exthdr_dupl_fh, "ipv6.exthdr_dupl_fh", "IPv6 fragment header twice")             \
	_(a, ipv6_exthdr_dupl_rh, "ipv6.exthdr_dupl_rh", "IPv6 routing header twice")              \
	_(a, ipv6_exthdr_dupl_hh, "ipv6.exthdr_dupl_hh", "IPv6 hop-by-hop header twice")           \
	_(a, ipv6_exthdr_dupl_dh, "ipv6.exthdr_dupl_dh",                                           \
	  "IPv6 destination options header more than twice")                                       \
	_(a, ipv6_exthdr_useless_fh, "ipv6.exthdr_useless_fh",                                     \
	  "IPv6 fragment header of offset 0 without M (atomic fragment)")                          \
	_(a, ipv6_fh_non_zero_reserved_field, "ipv6.fh_non_zero_reserved_field",                   \
	  "IPv6 fragment header with a reserved field set")                                        \
	_(a, ipv6_rh_type_0, "ipv6.rh_type_0", "IPv6 routing header of type 0 (deprecated)")       \
	_(a, ipv6_data_after_none_header, "ipv6.data_after_none_header",                           \
	  "bytes after an IPv6 No Next Header")                                                    \
	_(a, ipv6_icmpv4, "ipv6.icmpv4", "ICMPv4 carried in IPv6")                                 \
	_(a, tcp_pkt_too_small, "tcp.pkt_too_small", "TCP header cut short (below 20 bytes)")      \
	_(a, tcp_hlen_too_small, "tcp.hlen_too_small", "TCP data offset past the segment's end")   \
	_(a, tcp_invalid_optlen, "tcp.invalid_optlen", "TCP data offset below 5 (20 bytes)")       \
	_(a, udp_hlen_too_small, "udp.hlen_too_small", "UDP header cut short (below 8 bytes)")     \
	_(a, udp_pkt_too_small, "udp.pkt_too_small", "UDP length past the datagram's end")         \
	_(a, icmpv4_pkt_too_small, "icmpv4.pkt_too_small",                                         \
	  "ICMPv4 header cut short (below 8 bytes)")                                               \
	_(a, icmpv6_pkt_too_small, "icmpv6.pkt_too_small",                                         \
	  "ICMPv6 header cut short (below 8 bytes)")                                               \
	_(a, gre_pkt_too_small, "gre.pkt_too_small", "GRE header cut short")                       \
	_(a, gre_wrong_version, "gre.wrong_version", "GRE version neither 0 nor 1")                \
	_(a, gre_version0_recur, "gre.version0_recur", "GRE v0 with recursion control set")        \
	_(a, gre_version0_flags, "gre.version0_flags", "GRE v0 with reserved flags set")           \
	_(a, gre_version0_hdr_too_big, "gre.version0_hdr_too_big",                                 \
	  "GRE v0 optional fields past the packet's end")                                          \
	_(a, erspan_header_too_small, "erspan.header_too_small", "ERSPAN header cut short")        \
	_(a, erspan_unsupported_version, "erspan.unsupported_version",                             \
	  "ERSPAN header of a version not matching its GRE type")                                  \
	_(a, vxlan_unknown_payload_type, "vxlan.unknown_payload_type",                             \
	  "VXLAN inner frame neither IPv4, IPv6 nor VLAN-tagged")                                  \
	_(a, geneve_unknown_payload_type, "geneve.unknown_payload_type",                           \
	  "Geneve protocol neither Ethernet, IPv4 nor IPv6")                                       \
	_(a, ipv4_frag_pkt_too_large, "ipv4.frag_pkt_too_large",                                   \
	  "IPv4 fragment reaching past 65535 bytes")                                               \
	_(a, ipv6_frag_pkt_too_large, "ipv6.frag_pkt_too_large",                                   \
	  "IPv6 fragment reaching past 65535 bytes")                                               \
	_(a, ipv4_frag_overlap, "ipv4.frag_overlap",                                               \
	  "IPv4 fragment overlapping bytes already held")                                          \
	_(a, ipv6_frag_overlap, "ipv6.frag_overlap",                                               \
	  "IPv6 fragment overlapping bytes already held")                                          \
	_(a, too_many_layers, "too_many_layers",                                                   \
	  "more than 16 Ethernet headers in one packet (MPLS pseudowires, NSH): a decoding loop")

/* A worker counter row per decoder event. */
#define WEIR_DEC_EVENT_ROW_(_, id, name, doc)                                                      \
	_(decoder_event_##id, COUNTER, "decoder event " name ": " doc)

/* A worker's counters: _(name, kind, doc), kind as for sinks. Identities
 * in app/stats.h. The flow_* rows are the worker's flow table (app/flow.h,
 * accounting there: flow_active = flow_created - flow_timeout -
 * flow_evicted - flow_reused - flow_shutdown). */
#define WEIR_WORKER_COUNTERS(_)                                                                    \
	_(rx_packets, COUNTER, "packets received")                                                 \
	_(rx_bytes, COUNTER, "bytes received (wire length)")                                       \
	_(scanned, COUNTER, "packets matched against the rules (some rule group applied)")         \
	_(not_scanned, COUNTER,                                                                    \
	  "well-formed packets no rule can apply to (no rule group, not IP)")                      \
	_(fragments, COUNTER,                                                                      \
	  "IP fragments (with defrag on every one, else the non-first ones): matched only by "     \
	  "ip rules' header keywords")                                                             \
	_(reassembled, COUNTER,                                                                    \
	  "datagrams rebuilt from fragments, each then matched as one packet")                     \
	_(decapsulated, COUNTER,                                                                   \
	  "packets found inside a tunnel, matched besides the tunnel's packet")                    \
	_(malformed, COUNTER, "truncated or inconsistent packets, not scanned")                    \
	WEIR_DECODER_EVENTS(WEIR_DEC_EVENT_ROW_, _)                                                \
	_(drop_scan_error, COUNTER, "packets whose scan failed (Hyperscan error)")                 \
	_(scanned_bytes, COUNTER, "payload bytes scanned")                                         \
	_(alerts, COUNTER, "alerts raised (one per packet and rule)")                              \
	_(alerts_suppressed, COUNTER, "rule matches withheld by a pass rule or a threshold")       \
	_(rule_reloads, COUNTER, "rule sets this worker switched to")                              \
	_(events_enqueued, COUNTER, "events put on the worker's ring")                             \
	_(drop_ring_full, COUNTER, "events dropped because the ring to the emitter was full")      \
	_(busy_polls, COUNTER, "polls that returned packets")                                      \
	_(idle_polls, COUNTER, "polls that returned nothing")                                      \
	_(busy_cycles, COUNTER, "TSC cycles spent in polls that returned packets")                 \
	_(idle_cycles, COUNTER, "TSC cycles spent in polls that returned nothing")                 \
	_(flow_records, COUNTER, "flow records (outputs.flow-records) created")                    \
	_(flow_active, GAUGE, "flows in the table now")                                            \
	_(flow_created, COUNTER, "flows created")                                                  \
	_(flow_timeout, COUNTER, "flows ended by their idle timeout (normal or emergency)")        \
	_(flow_evicted, COUNTER, "flows ended early to make room (table full, emergency mode)")    \
	_(flow_reused, COUNTER, "TCP flows ended by a new SYN on a closed session (port reuse)")   \
	_(flow_shutdown, COUNTER, "flows ended at shutdown (end of file, stop)")                   \
	_(flow_refused, COUNTER,                                                                   \
	  "packets that got no flow (table full, emergency mode): matched as packets")             \
	_(flow_icmp_error_no_flow, COUNTER, "ICMPv4 errors quoting no known flow")                 \
	_(flow_emerg_entered, COUNTER, "times the flow table entered emergency mode")              \
	_(flow_emerg_exited, COUNTER, "times the flow table left emergency mode")                  \
	_(flow_memory_bytes, GAUGE, "bytes the flow table holds (allocated at start)")             \
	_(defrag_used, COUNTER, "fragments that went into a rebuilt datagram")                     \
	_(defrag_timeout, COUNTER,                                                                 \
	  "fragments of datagrams given up (defrag.timeout, or incomplete at the end)")            \
	_(defrag_nomem, COUNTER, "fragments dropped: no free tracker, fragment slot or block")     \
	_(defrag_invalid, COUNTER,                                                                 \
	  "fragments refused: empty, too large, past the datagram's end, past "                    \
	  "defrag.datagram-max-frags")                                                             \
	_(defrag_held, GAUGE, "fragments held for reassembly now")                                 \
	_(defrag_overlaps, COUNTER, "fragments overlapping bytes already held (anomaly)")          \
	_(defrag_tiny, COUNTER,                                                                    \
	  "first fragments too short for their TCP, UDP or ICMP header (anomaly)")                 \
	_(defrag_memory_bytes, GAUGE, "bytes the reassembly table holds (allocated at start)")     \
	_(defrag_nomem_trackers, COUNTER, "of defrag_nomem: no free tracker (defrag.trackers)")    \
	_(defrag_nomem_frags, COUNTER,                                                             \
	  "of defrag_nomem: no free fragment slot (defrag.max-frags)")                             \
	_(defrag_nomem_memcap, COUNTER, "of defrag_nomem: no room for the data (defrag.memcap)")   \
	_(defrag_invalid_empty, COUNTER, "of defrag_invalid: fragments without data")              \
	_(defrag_invalid_too_large, COUNTER, "of defrag_invalid: past the largest datagram")       \
	_(defrag_invalid_header, COUNTER, "of defrag_invalid: headers too long to keep")           \
	_(defrag_invalid_max_frags, COUNTER, "of defrag_invalid: past defrag.datagram-max-frags")  \
	_(defrag_invalid_past_end, COUNTER,                                                        \
	  "of defrag_invalid: past the end a last fragment set (or a last one short of data "      \
	  "held)")                                                                                 \
	_(tun_nsh, COUNTER, "packets with a Network Service Header weir read (decoder.nsh)")       \
	_(tun_bad_header, COUNTER,                                                                 \
	  "encapsulations not decoded through: their header is cut or inconsistent (a broken "     \
	  "MPLS, PPPoE or NSH header makes the packet malformed too)")                             \
	_(tun_inner_malformed, COUNTER,                                                            \
	  "tunnels not decoded through: the packet inside is truncated or inconsistent")           \
	_(tun_inner_not_ip, COUNTER, "tunnels not decoded through: the packet inside is not IP")   \
	_(tun_unknown_type, COUNTER,                                                               \
	  "encapsulations carrying what weir does not decode (GRE version 1 or protocol, Geneve "  \
	  "protocol, MPLS payload, NSH version, MD type or next protocol)")                        \
	_(tun_depth_limit, COUNTER,                                                                \
	  "tunnels not decoded through: past decoder.max-layers, or more than 16 Ethernet "        \
	  "headers (decoder_event_too_many_layers)")                                               \
	_(tun_disabled, COUNTER,                                                                   \
	  "packets of an encapsulation whose decapsulation is off (decoder.*.enabled)")            \
	_(stream_alerts, COUNTER, "alerts raised by stream rules (in alerts too)")                 \
	_(stream_segments, COUNTER, "TCP data segments of streamed directions")                    \
	_(stream_bytes, COUNTER, "stream bytes inspected by the stream rules")                     \
	_(stream_retransmits, COUNTER, "segments with no byte past what was inspected")            \
	_(stream_overlaps, COUNTER, "segments overlapping bytes held or inspected")                \
	_(stream_held_segments, COUNTER, "segments held ahead of a hole or until acknowledged")    \
	_(stream_gaps, COUNTER, "holes given up: inspection resumed after them")                   \
	_(stream_gap_bytes, COUNTER, "bytes skipped over those holes")                             \
	_(stream_early, COUNTER, "bytes inspected before their ACK (hold bound reached)")          \
	_(stream_depth_reached, COUNTER, "TCP directions that reached stream.reassembly.depth")    \
	_(stream_seg_nomem, COUNTER, "directions no longer streamed: reassembly memcap reached")   \
	_(stream_state_nomem, COUNTER, "directions no longer streamed: stream memcap reached")     \
	_(stream_reload_restarts, COUNTER, "directions restarted on a reloaded rule set")          \
	_(stream_out_of_window, COUNTER,                                                           \
	  "segments not streamed: out of window, SYN or RST data, before the handshake")           \
	_(stream_scan_errors, COUNTER, "stream chunks whose scan failed (Hyperscan error)")        \
	_(stream_compressed, COUNTER, "idle TCP directions whose Hyperscan state was compressed")  \
	_(stream_expanded, COUNTER, "compressed stream states expanded again")                     \
	_(stream_compress_fail, COUNTER, "idle stream states left open: no room for the blocks")   \
	_(stream_expand_fail, COUNTER,                                                             \
	  "compressed stream states not expanded (no slot): direction no longer streamed")         \
	_(stream_end_quiet, COUNTER,                                                               \
	  "directions ended without the end-of-data close: no stream rule could report there")     \
	_(stream_states, GAUGE, "Hyperscan stream states open now")                                \
	_(stream_packed, GAUGE, "Hyperscan stream states compressed now")                          \
	_(stream_held_bytes, GAUGE, "bytes held for reassembly now")                               \
	_(stream_memory_bytes, GAUGE, "bytes reserved for the stream pools (touched as used)")     \
	_(window_observations, COUNTER,                                                            \
	  "window rule matches made into observations (this worker extracted them)")               \
	_(window_alerts, COUNTER, "window alerts raised by this worker as owner (in alerts too)")  \
	_(window_field_missing, COUNTER,                                                           \
	  "window rule matches with a needed field absent or malformed: no observation")           \
	_(window_field_bad, COUNTER,                                                               \
	  "window rule matches whose number or time field did not parse: no observation")          \
	_(window_late, COUNTER, "observations below the owner's last applied time")                \
	_(window_late_dropped, COUNTER, "of them, dropped (windows.late-policy drop)")             \
	_(window_applied, COUNTER, "observations the owner applied to its windows")                \
	_(window_pending_full, COUNTER, "observations refused: the owner's pending buffer full")   \
	_(window_key_overflow, COUNTER,                                                            \
	  "oldest observations dropped: windows.max-events-per-key reached")                       \
	_(window_evicted, COUNTER, "window keys evicted: windows.memcap reached")                  \
	_(window_ring_full, COUNTER, "observations dropped: the ring to their owner was full")     \
	_(window_keys, GAUGE, "(rule, key) windows this owner holds now")                          \
	_(window_state_bytes, GAUGE, "bytes of window state this owner uses now")                  \
	_(window_pending, GAUGE, "observations waiting for the watermark now")                     \
	_(window_reload_kept, COUNTER, "window rules whose state a reload kept")                   \
	_(window_reload_reset, COUNTER, "window rules a reload started afresh")                    \
	_(window_reload_dropped, COUNTER,                                                          \
	  "observations of a window rule a reload changed or removed: dropped")                    \
	_(window_ckpt_restored, COUNTER, "window rules restored from the checkpoint")              \
	_(window_ckpt_refused, COUNTER, "checkpoints (or rules in one) refused at restore")        \
	_(window_obs_records, COUNTER,                                                             \
	  "observation records made for windows.observations (events: enqueued or ring full)")     \
	_(window_obs_ring_full, COUNTER,                                                           \
	  "of them, lost: the event ring was full (in drop_ring_full too)")                        \
	_(window_obs_too_long, COUNTER,                                                            \
	  "observations sent no record: longer than an event holds (280 bytes)")

/* The rx stage's counters (pipeline run mode, app/dispatch.h): _(name,
 * kind, doc), kind as for sinks. One block per rx stage; all 0 in run mode
 * workers (no rx stage). Identity: rx_packets = dispatched +
 * drop_dispatch_full; the workers' rx_packets sum to dispatched. */
#define WEIR_DISPATCH_COUNTERS(_)                                                                  \
	_(rx_packets, COUNTER, "packets the rx stage took from the source queues")                 \
	_(rx_bytes, COUNTER, "bytes the rx stage took (wire length)")                              \
	_(dispatched, COUNTER, "packets handed to a worker's ring")                                \
	_(drop_dispatch_full, COUNTER,                                                             \
	  "packets dropped: the worker's ring was full (live only; offline waits)")                \
	_(full_waits, COUNTER, "offline: times the rx stage waited for room in a worker's ring")   \
	_(busy_polls, COUNTER, "source polls that returned packets")                               \
	_(idle_polls, COUNTER, "source polls that returned nothing")

/* The emitter's counters: _(name, doc). */
#define WEIR_EMITTER_COUNTERS(_)                                                                   \
	_(events, "events taken off the rings")                                                    \
	_(batches, "batches drained")                                                              \
	_(written, "events every sink accepted")                                                   \
	_(flow_records, "flow records (event_type flow) taken off the rings, in events too")       \
	_(flow_records_written, "flow records every sink accepted, in written too")                \
	_(observations, "window observation records taken off the rings, in events too")           \
	_(observations_written,                                                                    \
	  "observation records every observation sink accepted, in written too")                   \
	_(drop_format, "events that could not be formatted")                                       \
	_(drop_sink, "events a sink refused or lost (see the sink's counters)")

/*
 * Latency percentiles every report carries, in this order: _(name, pct).
 * JSON keys are NAME_us; the printed label is the name with '_' as '.'
 * ("p99.9"); Prometheus' quantile is pct / 100. Every report adds max
 * (and the JSON mean) after them.
 */
#define WEIR_LAT_PERCENTILES(_)                                                                    \
	_(p50, 50.0)                                                                               \
	_(p90, 90.0)                                                                               \
	_(p99, 99.0)                                                                               \
	_(p99_9, 99.9)

/* Helpers for the views: how many rows a list has. */
#define WEIR_COUNT_ONE2(name, doc)	 +1
#define WEIR_COUNT_ONE3(name, kind, doc) +1
#define WEIR_N_PORT_COUNTERS		 (0 WEIR_PORT_COUNTERS(WEIR_COUNT_ONE2))
#define WEIR_N_SINK_COUNTERS		 (0 WEIR_SINK_COUNTERS(WEIR_COUNT_ONE3))

#endif /* WEIR_COUNTERS_H */
