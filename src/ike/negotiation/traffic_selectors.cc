#include "ike/negotiation/traffic_selectors.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "ike/codec/errors.h"

namespace tunnelisa::ike {
namespace {

using absl::uint128;
using Family = IpAddress::Family;

constexpr uint16_t kOpaqueStart = 65535;  // RFC 7296 3.13.1: OPAQUE ports are 65535-0
constexpr uint16_t kOpaqueEnd = 0;

// Range: an inclusive address range of one family, as integers.
struct Range {
  Family family = Family::kNone;
  uint128 start = 0;
  uint128 end = 0;
};

int Width(Family f) { return f == Family::kV4 ? 32 : 128; }

uint128 FamilyMax(Family f) { return f == Family::kV4 ? uint128(0xffffffffu) : absl::Uint128Max(); }

uint128 ToInt(const IpAddress& a) {
  uint128 v = 0;
  for (size_t i = 0; i < a.size(); ++i) v = v << 8 | a.bytes()[i];
  return v;
}

IpAddress FromInt(Family f, uint128 v) {
  std::array<uint8_t, 16> b{};
  const size_t n = f == Family::kV4 ? 4 : 16;
  for (size_t i = 0; i < n; ++i) {
    b[n - 1 - i] = static_cast<uint8_t>(absl::Uint128Low64(v));
    v >>= 8;
  }
  return f == Family::kV4 ? IpAddress::V4Bytes(b.data()) : IpAddress::V6Bytes(b.data());
}

// Mask: the low `bits` bits set.
uint128 Mask(int bits) { return bits >= 128 ? absl::Uint128Max() : (uint128(1) << bits) - 1; }

int TrailingZeros(uint128 v, int width) {
  const uint64_t low = absl::Uint128Low64(v);
  const uint64_t high = absl::Uint128High64(v);
  if (low != 0) return std::min(width, std::countr_zero(low));
  if (high != 0) return std::min(width, 64 + std::countr_zero(high));
  return width;
}

// Decompose: appends the CIDR blocks covering exactly [start, end] to `out`; false (with `out`
// holding `limit` prefixes) when more than `limit` would be needed.
bool Decompose(const Range& r, size_t limit, std::vector<IpPrefix>& out) {
  const int width = Width(r.family);
  uint128 cur = r.start;
  while (true) {
    int k = TrailingZeros(cur, width);
    while (k > 0 && (cur | Mask(k)) > r.end) --k;
    if (out.size() >= limit) return false;
    out.push_back(IpPrefix::Make(FromInt(r.family, cur), width - k));
    const uint128 last = cur | Mask(k);
    if (last >= r.end) return true;
    cur = last + 1;
  }
}

Range RangeOf(const TrafficSelector& s) {
  return {s.start_address.family(), ToInt(s.start_address), ToInt(s.end_address)};
}

Range RangeOf(const IpPrefix& p) { return RangeOf(TrafficSelector::ForPrefix(p)); }

bool Opaque(const TrafficSelector& s) {
  return s.start_port == kOpaqueStart && s.end_port == kOpaqueEnd;
}

bool AnyPort(const TrafficSelector& s) { return s.start_port == 0 && s.end_port == 0xffff; }

bool Restricted(const TrafficSelector& s) { return s.ip_protocol != 0 || !AnyPort(s); }

// ProtoPortsContain: whether `outer`'s protocol and ports include all of `inner`'s. "Any port"
// includes OPAQUE (RFC 4301 4.4.1.1); OPAQUE includes only itself.
bool ProtoPortsContain(const TrafficSelector& outer, const TrafficSelector& inner) {
  if (outer.ip_protocol != 0 && outer.ip_protocol != inner.ip_protocol) return false;
  if (AnyPort(outer)) return true;
  if (Opaque(inner) || Opaque(outer)) return Opaque(inner) && Opaque(outer);
  return outer.start_port <= inner.start_port && inner.end_port <= outer.end_port;
}

bool Contains(const TrafficSelector& outer, const TrafficSelector& inner) {
  if (outer.start_address.family() != inner.start_address.family()) return false;
  const Range o = RangeOf(outer);
  const Range i = RangeOf(inner);
  return o.start <= i.start && i.end <= o.end && ProtoPortsContain(outer, inner);
}

// Invalid: why `s` is not a usable selector, or "".
std::string Invalid(const TrafficSelector& s) {
  if (!s.start_address.is_set() || !s.end_address.is_set()) return "an address is unset";
  if (s.start_address.family() != s.end_address.family()) {
    return absl::StrFormat("start address %s and end address %s are of different families",
                           s.start_address.ToString(), s.end_address.ToString());
  }
  if (ToInt(s.start_address) > ToInt(s.end_address)) {
    return absl::StrFormat("start address %s is above end address %s", s.start_address.ToString(),
                           s.end_address.ToString());
  }
  if (s.start_port > s.end_port && !Opaque(s)) {
    return absl::StrFormat("start port %d is above end port %d", s.start_port, s.end_port);
  }
  return "";
}

// ValidatePayload: the first invalid selector of `side` ("TSi"), as a message, or "".
std::string ValidatePayload(const TsPayload& ts, std::string_view side) {
  if (ts.selectors.empty()) return StrCat(side, " has no selector");
  if (ts.selectors.size() > kMaxSelectors) {
    return absl::StrFormat("%s has %d selectors (limit %d)", side, ts.selectors.size(),
                           kMaxSelectors);
  }
  for (size_t i = 0; i < ts.selectors.size(); ++i) {
    if (std::string why = Invalid(ts.selectors[i]); !why.empty()) {
      return absl::StrFormat("%s selector %d is invalid: %s", side, i + 1, why);
    }
  }
  return "";
}

std::string AddressString(const TrafficSelector& s) {
  std::vector<IpPrefix> one;
  if (Invalid(s).empty() && Decompose(RangeOf(s), 1, one)) return one.front().ToString();
  return StrCat(s.start_address.ToString(), "-", s.end_address.ToString());
}

std::vector<Range> PolicyRanges(std::span<const IpPrefix> policy) {
  std::vector<Range> out;
  if (policy.empty()) {
    out.push_back(RangeOf(TrafficSelector::Any(Family::kV4)));
    out.push_back(RangeOf(TrafficSelector::Any(Family::kV6)));
  }
  for (const IpPrefix& p : policy) {
    if (p.address().is_set()) out.push_back(RangeOf(p));
  }
  return out;
}

std::string PolicyString(std::span<const IpPrefix> policy) {
  if (policy.empty()) return "any";
  std::vector<std::string> parts;
  for (const IpPrefix& p : policy) parts.push_back(p.ToString());
  return absl::StrJoin(parts, ", ");
}

// Narrow: one side of NarrowAsResponder.
absl::StatusOr<TsPayload> Narrow(const TsPayload& proposed, std::span<const IpPrefix> policy,
                                 std::string_view side, std::string_view policy_name) {
  if (std::string why = ValidatePayload(proposed, side); !why.empty()) {
    return CodecError(why, NotifyType::kTsUnacceptable);
  }
  const std::vector<Range> allowed = PolicyRanges(policy);
  TsPayload out;
  for (const TrafficSelector& s : proposed.selectors) {
    const Range r = RangeOf(s);
    for (const Range& a : allowed) {
      if (a.family != r.family) continue;
      const uint128 lo = std::max(a.start, r.start);
      const uint128 hi = std::min(a.end, r.end);
      if (lo > hi) continue;
      TrafficSelector narrowed = s;
      narrowed.start_address = FromInt(r.family, lo);
      narrowed.end_address = FromInt(r.family, hi);
      const bool covered =
          std::any_of(out.selectors.begin(), out.selectors.end(),
                      [&](const TrafficSelector& have) { return Contains(have, narrowed); });
      if (covered) continue;
      if (out.selectors.size() == kMaxSelectors) return out;
      out.selectors.push_back(narrowed);
    }
  }
  if (out.selectors.empty()) {
    std::vector<std::string> parts;
    for (const TrafficSelector& s : proposed.selectors) parts.push_back(SelectorString(s));
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.9
    //# If the responder's policy does not allow it to accept any part of
    //# the proposed Traffic Selectors, it responds with a TS_UNACCEPTABLE
    //# Notify message.
    return CodecError(absl::StrFormat("%s %s %s not intersect local policy %s %s", side,
                                      absl::StrJoin(parts, ", "), parts.size() == 1 ? "does" : "do",
                                      policy_name, PolicyString(policy)),
                      NotifyType::kTsUnacceptable);
  }
  return out;
}

// Covered: whether `r`'s addresses lie in the union of the `offered` selectors of its family
// whose protocol and ports include its own.
bool Covered(const TrafficSelector& r, const TsPayload& offered) {
  const Range want = RangeOf(r);
  std::vector<Range> have;
  for (const TrafficSelector& o : offered.selectors) {
    if (o.start_address.family() == want.family && ProtoPortsContain(o, r)) {
      have.push_back(RangeOf(o));
    }
  }
  std::sort(have.begin(), have.end(),
            [](const Range& a, const Range& b) { return a.start < b.start; });
  uint128 cur = want.start;
  for (const Range& h : have) {
    if (h.start > cur) return false;  // a gap before `cur` is reached
    if (h.end >= want.end) return true;
    if (h.end >= cur) cur = h.end + 1;  // h.end < want.end <= max: no overflow
  }
  return false;
}

absl::Status CheckSide(const TsPayload& reply, const TsPayload& offered, std::string_view side) {
  if (std::string why = ValidatePayload(reply, StrCat("reply ", side)); !why.empty()) {
    return absl::InvalidArgumentError(why);
  }
  if (std::string why = ValidatePayload(offered, StrCat("offered ", side)); !why.empty()) {
    return absl::InvalidArgumentError(why);
  }
  for (const TrafficSelector& r : reply.selectors) {
    if (Covered(r, offered)) continue;
    std::vector<std::string> parts;
    for (const TrafficSelector& o : offered.selectors) parts.push_back(SelectorString(o));
    return absl::InvalidArgumentError(
        absl::StrFormat("responder's %s %s is not within what we offered: %s (TS_UNACCEPTABLE)",
                        side, SelectorString(r), absl::StrJoin(parts, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace

TsPayload TsFromPrefixes(std::span<const IpPrefix> prefixes) {
  TsPayload ts;
  if (prefixes.empty()) {
    ts.selectors = {TrafficSelector::Any(Family::kV4), TrafficSelector::Any(Family::kV6)};
    return ts;
  }
  for (const IpPrefix& p : prefixes) {
    if (!p.address().is_set()) continue;
    ts.selectors.push_back(p.length() == 0 ? TrafficSelector::Any(p.address().family())
                                           : TrafficSelector::ForPrefix(p));
  }
  return ts;
}

std::string SelectorString(const TrafficSelector& ts) {
  return absl::StrFormat("%s (proto %d, ports %d-%d)", AddressString(ts), ts.ip_protocol,
                         ts.start_port, ts.end_port);
}

absl::StatusOr<NarrowedTs> NarrowAsResponder(const TsPayload& tsi, const TsPayload& tsr,
                                             std::span<const IpPrefix> our_remote,
                                             std::span<const IpPrefix> our_local) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.9
  //# If the responder's policy allows it to accept the first selector of
  //# TSi and TSr, then the responder MUST narrow the Traffic Selectors to
  //# a subset that includes the initiator's first choices.
  // Narrow keeps the proposal's order and intersects every selector, so an acceptable first
  // selector is in the answer, first.
  absl::StatusOr<TsPayload> i = Narrow(tsi, our_remote, "TSi", "remote-ip");
  if (!i.ok()) return i.status();
  absl::StatusOr<TsPayload> r = Narrow(tsr, our_local, "TSr", "local-ip");
  if (!r.ok()) return r.status();
  return NarrowedTs{.tsi = *std::move(i), .tsr = *std::move(r)};
}

absl::Status CheckNarrowedReply(const TsPayload& reply_tsi, const TsPayload& reply_tsr,
                                const TsPayload& offered_tsi, const TsPayload& offered_tsr) {
  if (absl::Status s = CheckSide(reply_tsi, offered_tsi, "TSi"); !s.ok()) return s;
  return CheckSide(reply_tsr, offered_tsr, "TSr");
}

absl::StatusOr<TsPrefixes> TsToPrefixes(const TsPayload& ts, size_t max_prefixes) {
  if (std::string why = ValidatePayload(ts, "TS payload"); !why.empty()) {
    return absl::InvalidArgumentError(why);
  }
  TsPrefixes out;
  for (Family family : {Family::kV4, Family::kV6}) {
    std::vector<Range> ranges;
    for (const TrafficSelector& s : ts.selectors) {
      out.restricted |= Restricted(s);
      if (s.start_address.family() == family) ranges.push_back(RangeOf(s));
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.start < b.start; });
    std::vector<Range> merged;
    for (const Range& r : ranges) {
      if (!merged.empty() &&
          (merged.back().end == FamilyMax(family) || r.start <= merged.back().end + 1)) {
        merged.back().end = std::max(merged.back().end, r.end);
      } else {
        merged.push_back(r);
      }
    }
    for (const Range& r : merged) {
      if (!Decompose(r, max_prefixes, out.prefixes)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "traffic selectors would need more than %d prefixes (the %s range %s-%s alone "
            "is not a short list of CIDR blocks)",
            max_prefixes, family == Family::kV4 ? "IPv4" : "IPv6",
            FromInt(family, r.start).ToString(), FromInt(family, r.end).ToString()));
      }
    }
  }
  return out;
}

}  // namespace tunnelisa::ike
