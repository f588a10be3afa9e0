// Traffic selectors: proposals from prefixes, responder narrowing tables, the initiator's
// check, range -> prefix decomposition, hostile input.
#include "ike/negotiation/traffic_selectors.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/errors.h"

namespace tunnelisa::ike {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress Addr(const char* text) { return *IpAddress::Parse(text); }
IpPrefix Pfx(const char* text) { return *IpPrefix::Parse(text); }

TrafficSelector Sel(const char* prefix, uint8_t proto = 0, uint16_t lo = 0, uint16_t hi = 0xffff) {
  TrafficSelector s = TrafficSelector::ForPrefix(Pfx(prefix));
  s.ip_protocol = proto;
  s.start_port = lo;
  s.end_port = hi;
  return s;
}

TrafficSelector Span(const char* start, const char* end) {
  return {.start_address = Addr(start), .end_address = Addr(end)};
}

std::vector<IpPrefix> Pfxs(std::initializer_list<const char*> texts) {
  std::vector<IpPrefix> out;
  for (const char* t : texts) out.push_back(Pfx(t));
  return out;
}

std::string Str(const TsPayload& ts) {
  std::vector<std::string> parts;
  for (const TrafficSelector& s : ts.selectors) parts.push_back(SelectorString(s));
  return absl::StrJoin(parts, "; ");
}

std::vector<std::string> Strs(const std::vector<IpPrefix>& prefixes) {
  std::vector<std::string> out;
  for (const IpPrefix& p : prefixes) out.push_back(p.ToString());
  return out;
}

TEST(TsFromPrefixesTest, PrefixesAnyAndEmpty) {
  EXPECT_EQ(Str(TsFromPrefixes({})),
            "0.0.0.0/0 (proto 0, ports 0-65535); ::/0 (proto 0, ports 0-65535)");
  const std::vector<IpPrefix> ps = {Pfx("10.1.0.0/16"), IpPrefix(), Pfx("2001:db8::/32"),
                                    Pfx("0.0.0.0/0"), Pfx("192.0.2.7")};
  const TsPayload ts = TsFromPrefixes(ps);
  EXPECT_EQ(Str(ts),
            "10.1.0.0/16 (proto 0, ports 0-65535); 2001:db8::/32 (proto 0, ports 0-65535); "
            "0.0.0.0/0 (proto 0, ports 0-65535); 192.0.2.7/32 (proto 0, ports 0-65535)");
  EXPECT_EQ(ts.selectors[0].start_address, Addr("10.1.0.0"));
  EXPECT_EQ(ts.selectors[0].end_address, Addr("10.1.255.255"));
  EXPECT_EQ(ts.selectors[1].end_address, Addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(TsFromPrefixes(std::vector<IpPrefix>{IpPrefix()}).selectors.empty());
}

TEST(SelectorStringTest, PrefixesRangesOpaque) {
  EXPECT_EQ(SelectorString(Span("10.0.0.1", "10.0.0.9")),
            "10.0.0.1-10.0.0.9 (proto 0, ports 0-65535)");
  EXPECT_EQ(SelectorString(Sel("10.0.0.0/8", 6, 80, 80)), "10.0.0.0/8 (proto 6, ports 80-80)");
  EXPECT_EQ(SelectorString(Span("10.0.0.9", "10.0.0.1")),
            "10.0.0.9-10.0.0.1 (proto 0, ports 0-65535)");
}

// One row of a narrowing table: the initiator's TSi/TSr, our policy (remote = the initiator's
// side, local = ours), and the answer or the error text.
struct NarrowRow {
  int line;
  std::vector<TrafficSelector> tsi, tsr;
  std::vector<IpPrefix> remote, local;
  std::string want_tsi, want_tsr;  // SelectorString of each result joined by "; "
  std::string error;               // non-empty: expected TS_UNACCEPTABLE containing this
};

void RunRows(const std::vector<NarrowRow>& rows) {
  for (const NarrowRow& r : rows) {
    SCOPED_TRACE(testing::Message() << "row " << r.line);
    absl::StatusOr<NarrowedTs> got =
        NarrowAsResponder({.selectors = r.tsi}, {.selectors = r.tsr}, r.remote, r.local);
    if (!r.error.empty()) {
      ASSERT_FALSE(got.ok());
      std::optional<NotifyToSend> n = GetNotifyToSend(got.status());
      ASSERT_TRUE(n.has_value());
      EXPECT_EQ(n->type, NotifyType::kTsUnacceptable);
      EXPECT_THAT(got.status().message(), HasSubstr(r.error));
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(Str(got->tsi), r.want_tsi);
    EXPECT_EQ(Str(got->tsr), r.want_tsr);
  }
}

constexpr char kAny[] = " (proto 0, ports 0-65535)";
std::string A(const char* text) { return std::string(text) + kAny; }

TEST(NarrowAsResponderTest, Ipv4Table) {
  RunRows({
      // 1: proposal wider than policy on both sides: narrowed to the policy.
      {1,
       {Sel("10.0.0.0/8")},
       {Sel("0.0.0.0/0")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.0.0/16"),
       A("10.2.0.0/16"),
       ""},
      // 2: proposal narrower than policy: kept.
      {2,
       {Sel("10.1.2.0/24")},
       {Sel("10.2.3.4/32")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.2.0/24"),
       A("10.2.3.4/32"),
       ""},
      // 3: equal.
      {3,
       {Sel("10.1.0.0/16")},
       {Sel("10.2.0.0/16")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.0.0/16"),
       A("10.2.0.0/16"),
       ""},
      // 4: disjoint initiator side.
      {4,
       {Sel("10.9.0.0/16")},
       {Sel("10.2.0.0/16")},
       Pfxs({"10.2.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       "",
       "",
       "TSi 10.9.0.0/16 (proto 0, ports 0-65535) does not intersect local policy remote-ip "
       "10.2.0.0/16"},
      // 5: disjoint responder side, several selectors and prefixes named.
      {5,
       {Sel("10.1.0.0/16")},
       {Sel("10.8.0.0/16"), Sel("10.9.0.0/16")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16", "10.3.0.0/16"}),
       "",
       "",
       "TSr 10.8.0.0/16 (proto 0, ports 0-65535), 10.9.0.0/16 (proto 0, ports 0-65535) do not "
       "intersect local policy local-ip 10.2.0.0/16, 10.3.0.0/16"},
      // 6: a packet-specific first selector leads the answer (RFC 7296 2.9), then the
      //    intersections of the wider one with each policy prefix.
      {6,
       {Sel("10.1.0.5/32"), Sel("10.1.0.0/16")},
       {Sel("10.2.0.9/32"), Sel("10.2.0.0/16")},
       Pfxs({"10.1.0.0/24", "10.1.128.0/17"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.0.5/32") + "; " + A("10.1.0.0/24") + "; " + A("10.1.128.0/17"),
       A("10.2.0.9/32") + "; " + A("10.2.0.0/16"),
       ""},
      // 7: a result inside an earlier one is dropped.
      {7,
       {Sel("10.0.0.0/8"), Sel("10.1.0.0/16")},
       {Sel("10.2.0.0/16")},
       Pfxs({"10.0.0.0/8"}),
       {},
       A("10.0.0.0/8"),
       A("10.2.0.0/16"),
       ""},
      // 8: the first selector outside policy does not block the others.
      {8,
       {Sel("192.168.1.1/32"), Sel("10.1.0.0/16")},
       {Sel("10.2.0.0/16")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.0.0/16"),
       A("10.2.0.0/16"),
       ""},
      // 9: ranges that are not prefixes stay ranges.
      {9,
       {Span("10.1.0.1", "10.1.0.10")},
       {Sel("10.2.0.0/16")},
       Pfxs({"10.1.0.8/29"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.0.8-10.1.0.10"),
       A("10.2.0.0/16"),
       ""},
      // 10: protocol and ports of the proposal are kept (our policy has none).
      {10,
       {Sel("10.1.0.0/16", 6, 80, 80)},
       {Sel("10.2.0.0/16", 17, 1000, 2000)},
       Pfxs({"10.1.2.0/24"}),
       Pfxs({"10.0.0.0/8"}),
       "10.1.2.0/24 (proto 6, ports 80-80)",
       "10.2.0.0/16 (proto 17, ports 1000-2000)",
       ""},
      // 11: an empty policy allows anything.
      {11,
       {Sel("10.1.0.0/16")},
       {Sel("2001:db8::/32")},
       {},
       {},
       A("10.1.0.0/16"),
       A("2001:db8::/32"),
       ""},
      // 12: OPAQUE ports are valid and kept.
      {12,
       {Sel("10.1.0.0/16", 17, 65535, 0)},
       {Sel("10.2.0.0/16")},
       {},
       {},
       "10.1.0.0/16 (proto 17, ports 65535-0)",
       A("10.2.0.0/16"),
       ""},
      // 13: same addresses, different protocols: both kept (neither contains the other) ...
      {13,
       {Sel("10.1.0.0/16", 6), Sel("10.1.0.0/16", 17)},
       {Sel("10.2.0.0/16")},
       {},
       {},
       "10.1.0.0/16 (proto 6, ports 0-65535); 10.1.0.0/16 (proto 17, ports 0-65535)",
       A("10.2.0.0/16"),
       ""},
      // 14: ... but a protocol-restricted one after "any protocol" is contained and dropped.
      {14,
       {Sel("10.1.0.0/16"), Sel("10.1.0.0/24", 6, 80, 80)},
       {Sel("10.2.0.0/16")},
       {},
       {},
       A("10.1.0.0/16"),
       A("10.2.0.0/16"),
       ""},
  });
}

TEST(NarrowAsResponderTest, Ipv6AndMixedFamilies) {
  RunRows({
      // 1: IPv6 narrowed.
      {1,
       {Sel("2001:db8::/32")},
       {Sel("::/0")},
       Pfxs({"2001:db8:1::/48"}),
       Pfxs({"2001:db8:2::/48"}),
       A("2001:db8:1::/48"),
       A("2001:db8:2::/48"),
       ""},
      // 2: both families proposed, IPv4-only policy: the IPv6 selectors drop out.
      {2,
       {Sel("0.0.0.0/0"), Sel("::/0")},
       {Sel("0.0.0.0/0"), Sel("::/0")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       A("10.1.0.0/16"),
       A("10.2.0.0/16"),
       ""},
      // 3: dual-stack policy keeps both, in the proposal's order.
      {3,
       {Sel("::/0"), Sel("0.0.0.0/0")},
       {Sel("0.0.0.0/0")},
       Pfxs({"10.1.0.0/16", "2001:db8::/32"}),
       Pfxs({"10.2.0.0/16"}),
       A("2001:db8::/32") + "; " + A("10.1.0.0/16"),
       A("10.2.0.0/16"),
       ""},
      // 4: IPv6 proposal against an IPv4-only policy.
      {4,
       {Sel("2001:db8::/32")},
       {Sel("10.2.0.0/16")},
       Pfxs({"10.1.0.0/16"}),
       Pfxs({"10.2.0.0/16"}),
       "",
       "",
       "TSi 2001:db8::/32 (proto 0, ports 0-65535) does not intersect local policy remote-ip "
       "10.1.0.0/16"},
      // 5: IPv6 ranges at the top of the space.
      {5,
       {Span("ffff::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
       {Sel("::/0")},
       Pfxs({"ffff:ffff::/32"}),
       {},
       A("ffff:ffff::/32"),
       A("::/0"),
       ""},
  });
}

TEST(NarrowAsResponderTest, HostileInput) {
  // 255 selectors (the wire maximum), each a distinct /32: all kept.
  TsPayload many;
  for (int i = 0; i < 255; ++i) many.selectors.push_back(Sel("10.0.0.0/32"));
  for (int i = 0; i < 255; ++i) {
    many.selectors[i].start_address = many.selectors[i].end_address = IpAddress::V4(0x0a000000 + i);
  }
  absl::StatusOr<NarrowedTs> got = NarrowAsResponder(many, many, {}, {});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->tsi.selectors.size(), 255u);
  // 255 wide selectors against many policy prefixes: the answer stops at 255 selectors.
  TsPayload wide;
  for (int i = 0; i < 255; ++i) {
    wide.selectors.push_back(Sel("10.0.0.0/8", static_cast<uint8_t>(i + 1)));
  }
  std::vector<IpPrefix> policy;
  for (int i = 0; i < 16; ++i)
    policy.push_back(IpPrefix::Make(IpAddress::V4(0x0a000000 + (i << 16)), 16));
  got = NarrowAsResponder(wide, wide, policy, policy);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->tsi.selectors.size(), 255u);
  // Over 255 (only a hand-built payload can do that).
  TsPayload too_many = many;
  too_many.selectors.push_back(Sel("10.0.0.0/8"));
  EXPECT_THAT(NarrowAsResponder(too_many, many, {}, {}).status().message(),
              HasSubstr("TSi has 256 selectors (limit 255)"));

  const TsPayload good{.selectors = {Sel("10.1.0.0/16")}};
  RunRows({
      {1,
       {Sel("10.1.0.0/16"), Span("10.0.0.9", "10.0.0.1")},
       good.selectors,
       {},
       {},
       "",
       "",
       "TSi selector 2 is invalid: start address 10.0.0.9 is above end address 10.0.0.1"},
      {2,
       good.selectors,
       {Span("10.0.0.1", "2001:db8::1")},
       {},
       {},
       "",
       "",
       "TSr selector 1 is invalid: start address 10.0.0.1 and end address 2001:db8::1 are of "
       "different families"},
      {3,
       {Sel("10.1.0.0/16", 6, 100, 50)},
       good.selectors,
       {},
       {},
       "",
       "",
       "start port 100 is above end port 50"},
      {4, {TrafficSelector{}}, good.selectors, {}, {}, "", "", "an address is unset"},
      {5, {}, good.selectors, {}, {}, "", "", "TSi has no selector"},
      {6,
       {Span("2001:db8::9", "2001:db8::1")},
       good.selectors,
       {},
       {},
       "",
       "",
       "start address 2001:db8::9 is above end address 2001:db8::1"},
  });
}

TEST(CheckNarrowedReplyTest, SubsetsPassOthersFail) {
  const TsPayload offered_i{.selectors = {Sel("10.1.0.0/16"), Sel("10.3.0.0/25"),
                                          Sel("10.3.0.128/25"), Sel("2001:db8::/32", 6, 0, 1023)}};
  const TsPayload offered_r{.selectors = {Sel("10.2.0.0/16")}};
  auto check = [&](std::vector<TrafficSelector> tsi, std::vector<TrafficSelector> tsr) {
    return CheckNarrowedReply({.selectors = std::move(tsi)}, {.selectors = std::move(tsr)},
                              offered_i, offered_r);
  };
  EXPECT_TRUE(check(offered_i.selectors, offered_r.selectors).ok());
  EXPECT_TRUE(check({Sel("10.1.2.0/24")}, {Sel("10.2.0.1/32", 17, 53, 53)}).ok());
  // Spanning two adjacent offered selectors is still within what we offered.
  EXPECT_TRUE(check({Sel("10.3.0.0/24")}, {Sel("10.2.0.0/16")}).ok());
  EXPECT_TRUE(check({Sel("2001:db8:1::/48", 6, 22, 22)}, {Sel("10.2.0.0/16")}).ok());
  EXPECT_TRUE(check({Sel("10.1.0.0/16", 6, 65535, 0)}, {Sel("10.2.0.0/16")}).ok());

  absl::Status s = check({Sel("10.0.0.0/8")}, {Sel("10.2.0.0/16")});
  EXPECT_FALSE(GetNotifyToSend(s).has_value());
  EXPECT_THAT(s.message(), HasSubstr("responder's TSi 10.0.0.0/8 (proto 0, ports 0-65535) is "
                                     "not within what we offered: 10.1.0.0/16"));
  EXPECT_THAT(check({Sel("10.1.0.0/16")}, {Sel("10.2.0.0/15")}).message(),
              HasSubstr("responder's TSr 10.2.0.0/15"));
  EXPECT_FALSE(check({Span("10.1.255.255", "10.3.0.0")}, offered_r.selectors).ok());  // a gap
  EXPECT_FALSE(check({Sel("2001:db8::/32")}, offered_r.selectors).ok());              // wider proto
  EXPECT_FALSE(check({Sel("2001:db8::/32", 6, 0, 2000)}, offered_r.selectors).ok());  // ports
  EXPECT_FALSE(check({Sel("2001:db8::/32", 6, 65535, 0)}, offered_r.selectors).ok());
  EXPECT_FALSE(check({Sel("2001:db9::/32", 6, 0, 1023)}, offered_r.selectors).ok());
  EXPECT_FALSE(check({Sel("::ffff:10.1.0.0/112")}, offered_r.selectors).ok());  // family
  EXPECT_THAT(check({}, offered_r.selectors).message(), HasSubstr("reply TSi has no selector"));
  EXPECT_THAT(check({Span("10.1.0.9", "10.1.0.1")}, offered_r.selectors).message(),
              HasSubstr("is above end address"));
}

TEST(TsToPrefixesTest, DecompositionEdgeCases) {
  auto prefixes = [](std::vector<TrafficSelector> sels, size_t limit = kMaxTsPrefixes) {
    absl::StatusOr<TsPrefixes> p = TsToPrefixes({.selectors = std::move(sels)}, limit);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? Strs(p->prefixes) : std::vector<std::string>{};
  };
  EXPECT_THAT(prefixes({Span("0.0.0.0", "255.255.255.255")}), ElementsAre("0.0.0.0/0"));
  EXPECT_THAT(prefixes({Span("192.0.2.7", "192.0.2.7")}), ElementsAre("192.0.2.7/32"));
  EXPECT_THAT(prefixes({Span("10.0.0.1", "10.0.0.6")}),
              ElementsAre("10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"));
  EXPECT_THAT(prefixes({Span("10.0.0.0", "10.0.1.255")}), ElementsAre("10.0.0.0/23"));
  EXPECT_THAT(prefixes({Span("255.255.255.254", "255.255.255.255")}),
              ElementsAre("255.255.255.254/31"));
  EXPECT_THAT(prefixes({Span("0.0.0.0", "0.0.0.0")}), ElementsAre("0.0.0.0/32"));
  EXPECT_THAT(prefixes({Span("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}),
              ElementsAre("::/0"));
  EXPECT_THAT(prefixes({Span("2001:db8::", "2001:db8::3")}), ElementsAre("2001:db8::/126"));
  EXPECT_THAT(prefixes({Span("::1", "::2")}), ElementsAre("::1/128", "::2/128"));
  EXPECT_THAT(prefixes({Span("::ffff:ffff:ffff:ffff", "0:0:0:1::")}),
              ElementsAre("::ffff:ffff:ffff:ffff/128", "0:0:0:1::/128"));
  // 0.0.0.1-255.255.255.254: 31 + 31 blocks.
  EXPECT_EQ(prefixes({Span("0.0.0.1", "255.255.255.254")}).size(), 62u);
  EXPECT_EQ(prefixes({Span("0.0.0.1", "255.255.255.255")}).size(), 32u);
  // Merging: adjacent, overlapping, contained, and up to the top of the space.
  EXPECT_THAT(prefixes({Sel("10.0.0.128/25"), Sel("10.0.0.0/25")}), ElementsAre("10.0.0.0/24"));
  EXPECT_THAT(prefixes({Sel("10.0.0.0/24"), Sel("10.0.0.0/16"), Sel("10.0.5.0/24")}),
              ElementsAre("10.0.0.0/16"));
  EXPECT_THAT(prefixes({Sel("255.0.0.0/8"), Sel("128.0.0.0/1"), Sel("255.255.255.255/32")}),
              ElementsAre("128.0.0.0/1"));
  // Both families: IPv4 first.
  EXPECT_THAT(prefixes({Sel("2001:db8::/32"), Sel("10.0.0.0/8")}),
              ElementsAre("10.0.0.0/8", "2001:db8::/32"));
}

TEST(TsToPrefixesTest, BoundsRestrictionsAndErrors) {
  // ::1 - ffff:...:fffe needs 2 * 127 blocks.
  const TsPayload worst{.selectors = {Span("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")}};
  absl::StatusOr<TsPrefixes> p = TsToPrefixes(worst);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("would need more than 64 prefixes"));
  p = TsToPrefixes(worst, 254);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->prefixes.size(), 254u);
  EXPECT_EQ(p->prefixes.front().ToString(), "::1/128");
  EXPECT_EQ(p->prefixes.back().ToString(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128");
  EXPECT_FALSE(TsToPrefixes(worst, 253).ok());

  p = TsToPrefixes({.selectors = {Sel("10.0.0.0/8")}});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->restricted);
  p = TsToPrefixes({.selectors = {Sel("10.0.0.0/8"), Sel("10.1.0.0/16", 6)}});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->restricted);
  EXPECT_THAT(Strs(p->prefixes), ElementsAre("10.0.0.0/8"));
  EXPECT_TRUE(TsToPrefixes({.selectors = {Sel("10.0.0.0/8", 0, 443, 443)}})->restricted);

  EXPECT_THAT(TsToPrefixes({}).status().message(), HasSubstr("no selector"));
  EXPECT_THAT(TsToPrefixes({.selectors = {Span("10.0.0.2", "10.0.0.1")}}).status().message(),
              HasSubstr("is above end address"));
  EXPECT_THAT(TsToPrefixes({.selectors = {Span("10.0.0.1", "::1")}}).status().message(),
              HasSubstr("different families"));
}

}  // namespace
}  // namespace tunnelisa::ike
