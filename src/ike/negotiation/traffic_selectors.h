// File: ike/negotiation/traffic_selectors.h
//
// Traffic selector negotiation (RFC 7296 2.9, 3.13): the TS payloads we propose for a policy's
// prefixes, the responder's narrowing of the initiator's proposal to its policy, the
// initiator's check that the answer is within what it proposed, and the conversion of the
// agreed address ranges into the exact prefix list the data plane's SA selectors take.
//
// Policies here are plain prefix lists (the security-policy's local-ip / remote-ip entries);
// an empty list means "any address of either family". Our policy never restricts protocol or
// ports, so those of the peer's selectors are kept as proposed.
//
// Example (responder, IKE_AUTH):
//   absl::StatusOr<NarrowedTs> ts = NarrowAsResponder(tsi, tsr, remote_ips, local_ips);
//   if (!ts.ok()) return ts.status();  // TS_UNACCEPTABLE attached
//   absl::StatusOr<TsPrefixes> remote = TsToPrefixes(ts->tsi);
//
// Value types and pure functions; any thread. Control plane only, never on the fast path.
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_TRAFFIC_SELECTORS_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_TRAFFIC_SELECTORS_H_

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/ts_payload.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike {

// kMaxTsPrefixes: the default bound on the prefixes one TS payload may decompose into.
inline constexpr size_t kMaxTsPrefixes = 64;
// kMaxSelectors: the wire limit of selectors in one TS payload (Number of TSs is one octet).
inline constexpr size_t kMaxSelectors = 255;

// TsFromPrefixes: a TS payload with one selector per prefix (protocol any, ports 0-65535), in
// order. A /0 prefix gives its family's whole range; an empty span gives both whole ranges
// (IPv4 then IPv6). Unset prefixes are skipped (so only unset ones give an empty payload,
// which Serialize refuses). Never fails.
TsPayload TsFromPrefixes(std::span<const IpPrefix> prefixes);

// SelectorString: one selector for messages: "10.1.0.0/16 (proto 0, ports 0-65535)", or
// "10.1.0.1-10.1.0.9 (proto 6, ports 80-80)" when the range is not a prefix.
std::string SelectorString(const TrafficSelector& ts);

// NarrowedTs: the responder's answer: TSi (the initiator's side) and TSr (ours).
struct NarrowedTs {
  TsPayload tsi;
  TsPayload tsr;
};

// NarrowAsResponder: the intersection of what the initiator proposed with what our policy
// allows: each proposed TSi selector with each `our_remote` prefix (the initiator's side) and
// each TSr selector with each `our_local` prefix, keeping the proposal's order (so the
// initiator's first, possibly packet-specific, selectors lead the answer) and its protocol and
// ports. A result contained in an earlier result is dropped; at most kMaxSelectors remain.
// Errors carry TS_UNACCEPTABLE: a selector that is invalid (start above end in addresses or
// ports other than OPAQUE 65535-0, or families mixed within it), or a side with no
// intersection, named with what it was tested against, e.g.
// "TSi 10.9.0.0/16 (proto 0, ports 0-65535) does not intersect local policy remote-ip
// 10.2.0.0/16".
absl::StatusOr<NarrowedTs> NarrowAsResponder(const TsPayload& tsi, const TsPayload& tsr,
                                             std::span<const IpPrefix> our_remote,
                                             std::span<const IpPrefix> our_local);

// CheckNarrowedReply: initiator. OK when the responder's TSi/TSr are valid, non-empty, and
// each selector lies within what we offered on that side (its address range covered by the
// offered selectors of its family whose protocol and ports contain its own). Errors
// (InvalidArgument, no notification: the caller deletes the CHILD SA) name the selector.
absl::Status CheckNarrowedReply(const TsPayload& reply_tsi, const TsPayload& reply_tsr,
                                const TsPayload& offered_tsi, const TsPayload& offered_tsr);

// TsPrefixes: the exact prefix cover of a TS payload's address ranges. `restricted` is set when
// some selector limits protocol or ports: the data plane enforces addresses only, so such a
// selector is widened to all protocols and ports, and the caller should log that.
struct TsPrefixes {
  std::vector<IpPrefix> prefixes;  // IPv4 first, each family ascending, no overlaps
  bool restricted = false;
};

// TsToPrefixes: the smallest list of prefixes covering exactly the union of the selectors'
// address ranges (ranges merged per family, then split into CIDR blocks). Errors
// (InvalidArgument): an invalid selector (as for NarrowAsResponder), an empty payload, or more
// than `max_prefixes` prefixes ("... would need more than 64 prefixes").
absl::StatusOr<TsPrefixes> TsToPrefixes(const TsPayload& ts, size_t max_prefixes = kMaxTsPrefixes);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_TRAFFIC_SELECTORS_H_
