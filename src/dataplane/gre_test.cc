// GRE / IP-IP encapsulation and decapsulation: headers field by field, keys, checksums,
// sequence numbers, IPv6 and multicast payload, DSCP, ECN (RFC 6040), TTL, backup remote,
// counters, configuration checks, and every malformed input as a counted drop.
#include <cstring>
#include <vector>

#include "dataplane/gre_test_util.h"
#include "dataplane/ip_header.h"
#include "gtest/gtest.h"
#include "tunnelisa/gre_ipip.h"

namespace tunnelisa {
namespace {

using dataplane::Load16;
using dataplane::Load32;
using dataplane::Store16;
using testing::Arrive;
using testing::Burst;
using testing::Bytes;
using testing::DropCount;
using testing::Ip;
using testing::Ipv4ChecksumOk;
using testing::MakeUdpPacket;

constexpr MonoTime kNow{1000};

IpTunnelConfig Gre(const char* local = "192.0.2.1", const char* remote = "198.51.100.1") {
  IpTunnelConfig c;
  c.type = IpTunnelType::kGre;
  c.local = Ip(local);
  c.remote = Ip(remote);
  return c;
}

std::unique_ptr<IpTunnelDataplane> NewDataplane(Reassembler* r = nullptr) {
  return IpTunnelDataplane::Create({.reassembler = r}).value();
}

// RoundTrip: encapsulates `inner` on `out`, checks kForward, returns the outer bytes.
std::vector<uint8_t> EncapOne(IpTunnelDataplane& dp, IpTunnelHandle t,
                              const std::vector<uint8_t>& inner) {
  Burst b;
  b.Add(inner);
  dp.Encap(t, b.refs(), b.verdicts(), kNow);
  EXPECT_EQ(b.verdict(0).action, Verdict::Action::kForward) << DropReasonName(b.verdict(0).reason);
  return Bytes(b[0]);
}

Verdict DecapOne(IpTunnelDataplane& dp, const std::vector<uint8_t>& outer,
                 std::vector<uint8_t>* inner = nullptr) {
  Burst b;
  b.Add(outer);
  dp.Decap(b.refs(), b.verdicts(), kNow);
  if (inner != nullptr) *inner = Bytes(b[0]);
  return b.verdict(0);
}

TEST(GreEncap, PlainGreOuterHeaderFieldByField) {
  auto dp = NewDataplane();
  IpTunnelConfig c = Gre();
  c.ttl = 77;
  IpTunnelHandle t = dp->Add(c).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 100, 1, /*tos=*/0x00, /*df=*/true);
  auto outer = EncapOne(*dp, t, inner);
  ASSERT_EQ(outer.size(), 20 + 4 + inner.size());
  const uint8_t* o = outer.data();
  EXPECT_EQ(o[0], 0x45);
  EXPECT_EQ(o[1], 0x00);
  EXPECT_EQ(Load16(o + 2), outer.size());
  EXPECT_EQ(Load16(o + 4), 0);       // first identification
  EXPECT_EQ(Load16(o + 6), 0x4000);  // DF copied from the inner header (RFC 2003 3.1)
  EXPECT_EQ(o[8], 77);
  EXPECT_EQ(o[9], kProtoGre);
  EXPECT_TRUE(Ipv4ChecksumOk(o));
  EXPECT_EQ(0, std::memcmp(o + 12, Ip("192.0.2.1").bytes(), 4));
  EXPECT_EQ(0, std::memcmp(o + 16, Ip("198.51.100.1").bytes(), 4));
  EXPECT_EQ(Load16(o + 20), 0);  // no C, K, S; version 0
  EXPECT_EQ(Load16(o + 22), 0x0800);
  EXPECT_EQ(std::vector<uint8_t>(outer.begin() + 24, outer.end()), inner);
  // The next packet takes the next identification.
  auto outer2 = EncapOne(*dp, t, inner);
  EXPECT_EQ(Load16(outer2.data() + 4), 1);
}

TEST(GreEncap, KeyChecksumAndSequence) {
  auto dp = NewDataplane();
  IpTunnelConfig c = Gre();
  c.key = 0x01020304;
  c.gre_checksum = true;
  c.gre_sequence = true;
  IpTunnelHandle t = dp->Add(c).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 51, 2);  // odd length
  auto outer = EncapOne(*dp, t, inner);
  ASSERT_EQ(outer.size(), 20 + 16 + inner.size());
  const uint8_t* g = outer.data() + 20;
  EXPECT_EQ(Load16(g), 0xb000);  // C, K, S
  EXPECT_EQ(Load16(g + 2), 0x0800);
  EXPECT_EQ(Load16(g + 6), 0);  // reserved1
  EXPECT_EQ(Load32(g + 8), 0x01020304u);
  EXPECT_EQ(Load32(g + 12), 0u);
  EXPECT_EQ(dataplane::InternetChecksum(g, outer.size() - 20), 0) << "GRE checksum";
  auto outer2 = EncapOne(*dp, t, inner);
  EXPECT_EQ(Load32(outer2.data() + 20 + 12), 1u);
  EXPECT_EQ(dataplane::InternetChecksum(outer2.data() + 20, outer2.size() - 20), 0);

  std::vector<uint8_t> got;
  Verdict v = DecapOne(*dp, Arrive(outer), &got);
  ASSERT_EQ(v.action, Verdict::Action::kDeliver) << DropReasonName(v.reason);
  EXPECT_EQ(v.sa, t.index);
  EXPECT_EQ(got, inner);

  // A flipped payload bit fails the checksum.
  auto bad = outer;
  bad.back() ^= 0x01;
  EXPECT_EQ(DecapOne(*dp, Arrive(bad)).reason, DropReason::kGreBadChecksum);
  EXPECT_EQ(DropCount(dp->Counters(t)->drops, DropReason::kGreBadChecksum), 1u);
  // Another key, or no key, is not this tunnel.
  auto other_key = outer;
  other_key[20 + 11] ^= 0xff;
  Store16(&other_key[24], 0);  // zero the checksum field: recomputed below
  Store16(&other_key[24], dataplane::InternetChecksum(&other_key[20], other_key.size() - 20));
  EXPECT_EQ(DecapOne(*dp, Arrive(other_key)).reason, DropReason::kGreKeyMismatch);
  EXPECT_EQ(DropCount(dp->counters().drops, DropReason::kGreKeyMismatch), 1u);
}

TEST(GreDecap, AcceptsEveryOptionCombination) {
  // Receivers accept C, K and S in any combination (RFC 2784, RFC 2890).
  for (int mask = 0; mask < 8; ++mask) {
    const bool csum = mask & 1, key = mask & 2, seq = mask & 4;
    auto dp = NewDataplane();
    IpTunnelConfig c = Gre();
    if (key) c.key = 77;
    IpTunnelHandle t = dp->Add(c).value();
    auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 20, 3);
    // Build the outer packet by hand, as a peer would.
    const size_t gre_len = 4 + (csum ? 4 : 0) + (key ? 4 : 0) + (seq ? 4 : 0);
    std::vector<uint8_t> outer(20 + gre_len + inner.size());
    outer[0] = 0x45;
    Store16(&outer[2], static_cast<uint16_t>(outer.size()));
    outer[8] = 64;
    outer[9] = kProtoGre;
    std::memcpy(&outer[12], Ip("198.51.100.1").bytes(), 4);
    std::memcpy(&outer[16], Ip("192.0.2.1").bytes(), 4);
    Store16(&outer[10], dataplane::InternetChecksum(outer.data(), 20));
    uint8_t* g = &outer[20];
    Store16(g,
            static_cast<uint16_t>((csum ? 0x8000 : 0) | (key ? 0x2000 : 0) | (seq ? 0x1000 : 0)));
    Store16(g + 2, 0x0800);
    size_t pos = 4 + (csum ? 4 : 0);
    if (key) {
      dataplane::Store32(g + pos, 77);
      pos += 4;
    }
    if (seq) dataplane::Store32(g + pos, 0xfffffff0u);
    std::memcpy(g + gre_len, inner.data(), inner.size());
    if (csum) Store16(g + 4, dataplane::InternetChecksum(g, gre_len + inner.size()));
    std::vector<uint8_t> got;
    Verdict v = DecapOne(*dp, outer, &got);
    ASSERT_EQ(v.action, Verdict::Action::kDeliver) << mask << DropReasonName(v.reason);
    EXPECT_EQ(got, inner) << mask;
    EXPECT_EQ(dp->Counters(t)->in_packets, 1u);
    EXPECT_EQ(dp->Counters(t)->in_octets, inner.size());
  }
}

TEST(GreDecap, IgnoresReservedBits6To12) {
  auto dp = NewDataplane();
  IpTunnelHandle t = dp->Add(Gre()).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 20);
  auto outer = EncapOne(*dp, t, inner);
  Store16(&outer[20], 0x03f8);  // bits 6-12 set: MUST be ignored on receipt
  EXPECT_EQ(DecapOne(*dp, Arrive(outer)).action, Verdict::Action::kDeliver);
}

TEST(IpIp, Ipv4AndIpv6PayloadOverIpv4AndIpv6) {
  struct Case {
    const char* local;
    const char* remote;
    const char* inner_src;
    uint8_t outer_proto_expected;
  };
  for (const Case& k : {Case{"192.0.2.1", "198.51.100.1", "10.0.0.1", 4},
                        Case{"192.0.2.1", "198.51.100.1", "2001:db8:a::1", 41},
                        Case{"2001:db8::1", "2001:db8::2", "10.0.0.1", 4},
                        Case{"2001:db8::1", "2001:db8::2", "2001:db8:a::1", 41}}) {
    auto dp = NewDataplane();
    IpTunnelConfig c = Gre(k.local, k.remote);
    c.type = IpTunnelType::kIpIp;
    IpTunnelHandle t = dp->Add(c).value();
    const bool inner_v6 = Ip(k.inner_src).is_v6();
    auto inner = MakeUdpPacket(Ip(k.inner_src), Ip(inner_v6 ? "2001:db8:b::1" : "10.9.9.9"), 33);
    auto outer = EncapOne(*dp, t, inner);
    const bool outer_v6 = Ip(k.local).is_v6();
    const size_t ip = outer_v6 ? 40 : 20;
    ASSERT_EQ(outer.size(), ip + inner.size());
    EXPECT_EQ(outer_v6 ? outer[6] : outer[9], k.outer_proto_expected) << k.local << k.inner_src;
    if (outer_v6) {
      EXPECT_EQ(Load16(&outer[4]), inner.size());
      EXPECT_EQ(outer[7], 64);
    } else {
      EXPECT_TRUE(Ipv4ChecksumOk(outer.data()));
      EXPECT_EQ(Load16(&outer[6]), 0);  // inner IPv6 / DF clear: outer DF clear
    }
    std::vector<uint8_t> got;
    Verdict v = DecapOne(*dp, Arrive(outer), &got);
    ASSERT_EQ(v.action, Verdict::Action::kDeliver) << DropReasonName(v.reason);
    EXPECT_EQ(got, inner);
    // The protocol number must match the payload's version.
    auto wrong = outer;
    (outer_v6 ? wrong[6] : wrong[9]) = k.outer_proto_expected == 4 ? 41 : 4;
    if (!outer_v6) {
      Store16(&wrong[10], 0);
      Store16(&wrong[10], dataplane::InternetChecksum(wrong.data(), 20));
    }
    EXPECT_EQ(DecapOne(*dp, Arrive(wrong)).reason, DropReason::kMalformedInner);
  }
}

TEST(GreEncap, Ipv6PayloadAndGreOverIpv6) {
  auto dp = NewDataplane();
  IpTunnelHandle t4 = dp->Add(Gre()).value();
  IpTunnelHandle t6 = dp->Add(Gre("2001:db8::1", "2001:db8::2")).value();
  auto inner = MakeUdpPacket(Ip("2001:db8:a::1"), Ip("2001:db8:b::1"), 64, 4, /*tos=*/0xb8);
  auto o4 = EncapOne(*dp, t4, inner);
  EXPECT_EQ(Load16(&o4[22]), 0x86dd);
  EXPECT_EQ(o4[1], 0xb8);  // traffic class DSCP copied to the outer TOS
  auto o6 = EncapOne(*dp, t6, inner);
  ASSERT_EQ(o6.size(), 40 + 4 + inner.size());
  EXPECT_EQ(o6[0], 0x60 | 0xb8 >> 4);
  EXPECT_EQ(o6[1] & 0xf0, (0xb8 & 0x0f) << 4);
  EXPECT_EQ(o6[6], kProtoGre);
  EXPECT_EQ(Load16(&o6[4]), 4 + inner.size());
  EXPECT_EQ(Load16(&o6[42]), 0x86dd);
  for (auto* o : {&o4, &o6}) {
    std::vector<uint8_t> got;
    ASSERT_EQ(DecapOne(*dp, Arrive(*o), &got).action, Verdict::Action::kDeliver);
    EXPECT_EQ(got, inner);
  }
}

TEST(GreEncap, MulticastPayloadPassesUnchanged) {
  auto dp = NewDataplane();
  IpTunnelHandle t = dp->Add(Gre()).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("239.1.2.3"), 80, 5);
  auto outer = EncapOne(*dp, t, inner);
  EXPECT_EQ(0, std::memcmp(&outer[16], Ip("198.51.100.1").bytes(), 4));  // unicast outer
  EXPECT_EQ(std::vector<uint8_t>(outer.begin() + 24, outer.end()), inner);
  std::vector<uint8_t> got;
  ASSERT_EQ(DecapOne(*dp, Arrive(outer), &got).action, Verdict::Action::kDeliver);
  EXPECT_EQ(got, inner);
  EXPECT_EQ(0, std::memcmp(&got[16], Ip("239.1.2.3").bytes(), 4));
}

TEST(GreEncap, DscpCopiedOrSetEcnAlwaysCopied) {
  auto dp = NewDataplane();
  IpTunnelHandle copy = dp->Add(Gre()).value();
  IpTunnelConfig c = Gre("192.0.2.1", "198.51.100.2");
  c.dscp = 10;  // AF11
  IpTunnelHandle set = dp->Add(c).value();
  for (uint8_t tos : {0x00, 0xb8, 0xb9, 0x2a, 0x03, 0xfe}) {
    auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10, 0, tos);
    EXPECT_EQ(EncapOne(*dp, copy, inner)[1], tos) << int{tos};
    EXPECT_EQ(EncapOne(*dp, set, inner)[1], 10 << 2 | (tos & 3)) << int{tos};
  }
  // Decapsulation leaves the inner DSCP alone.
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10, 0, 0xb8);
  std::vector<uint8_t> got;
  ASSERT_EQ(DecapOne(*dp, Arrive(EncapOne(*dp, set, inner)), &got).action,
            Verdict::Action::kDeliver);
  EXPECT_EQ(got, inner);
}

// RFC 6040 Figure 4, rows = inner, columns = outer (Not-ECT, ECT(0), ECT(1), CE); 0xff = drop.
TEST(GreDecap, EcnCombinationTable) {
  constexpr uint8_t kNotEct = 0, kEct1 = 1, kEct0 = 2, kCe = 3, kDrop = 0xff;
  const uint8_t kOuter[4] = {kNotEct, kEct0, kEct1, kCe};
  const uint8_t kInner[4] = {kNotEct, kEct0, kEct1, kCe};
  const uint8_t kExpected[4][4] = {
      {kNotEct, kNotEct, kNotEct, kDrop},
      {kEct0, kEct0, kEct1, kCe},
      {kEct1, kEct1, kEct1, kCe},
      {kCe, kCe, kCe, kCe},
  };
  for (bool v6 : {false, true}) {
    for (int i = 0; i < 4; ++i) {
      for (int o = 0; o < 4; ++o) {
        auto dp = NewDataplane();
        IpTunnelHandle t = dp->Add(Gre()).value();
        auto inner =
            MakeUdpPacket(Ip(v6 ? "2001:db8::a" : "10.0.0.1"), Ip(v6 ? "2001:db8::b" : "10.0.1.1"),
                          10, 0, static_cast<uint8_t>(0xa0 | kInner[i]));
        auto outer = EncapOne(*dp, t, inner);
        EXPECT_EQ(outer[1] & 3, kInner[i]) << "encap copies ECN";
        outer[1] = static_cast<uint8_t>((outer[1] & 0xfc) | kOuter[o]);
        Store16(&outer[10], 0);
        Store16(&outer[10], dataplane::InternetChecksum(outer.data(), 20));
        std::vector<uint8_t> got;
        Verdict v = DecapOne(*dp, Arrive(outer), &got);
        if (kExpected[i][o] == kDrop) {
          EXPECT_EQ(v.reason, DropReason::kEcnCeNotEct);
          EXPECT_EQ(DropCount(dp->Counters(t)->drops, DropReason::kEcnCeNotEct), 1u);
          continue;
        }
        ASSERT_EQ(v.action, Verdict::Action::kDeliver) << i << o;
        const uint8_t tc = v6 ? static_cast<uint8_t>((got[0] & 0x0f) << 4 | got[1] >> 4) : got[1];
        EXPECT_EQ(tc & 3, kExpected[i][o]) << "inner " << i << " outer " << o << " v6 " << v6;
        EXPECT_EQ(tc >> 2, 0xa0 >> 2) << "DSCP untouched";
        if (!v6) {
          EXPECT_TRUE(Ipv4ChecksumOk(got.data()));
        }
      }
    }
  }
}

TEST(GreTunnel, BackupRemoteSwitchingAndAcceptance) {
  auto dp = NewDataplane();
  IpTunnelConfig c = Gre();
  c.backup_remote = Ip("203.0.113.9");
  IpTunnelHandle t = dp->Add(c).value();
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10);
  auto to_primary = EncapOne(*dp, t, inner);
  EXPECT_EQ(0, std::memcmp(&to_primary[16], Ip("198.51.100.1").bytes(), 4));
  ASSERT_TRUE(dp->SetActiveRemote(t, TunnelRemote::kBackup).ok());
  auto to_backup = EncapOne(*dp, t, inner);
  EXPECT_EQ(0, std::memcmp(&to_backup[16], Ip("203.0.113.9").bytes(), 4));
  EXPECT_TRUE(Ipv4ChecksumOk(to_backup.data()));
  ASSERT_TRUE(dp->SetActiveRemote(t, TunnelRemote::kPrimary).ok());
  EXPECT_EQ(0, std::memcmp(&EncapOne(*dp, t, inner)[16], Ip("198.51.100.1").bytes(), 4));

  // Decap accepts packets from either remote, and from nobody else.
  auto from = [&](const char* src) {
    auto o = to_primary;
    std::memcpy(&o[12], Ip(src).bytes(), 4);
    std::memcpy(&o[16], Ip("192.0.2.1").bytes(), 4);
    Store16(&o[10], 0);
    Store16(&o[10], dataplane::InternetChecksum(o.data(), 20));
    return DecapOne(*dp, o);
  };
  EXPECT_EQ(from("198.51.100.1").action, Verdict::Action::kDeliver);
  EXPECT_EQ(from("203.0.113.9").action, Verdict::Action::kDeliver);
  EXPECT_EQ(from("203.0.113.10").reason, DropReason::kNotForUs);
  EXPECT_EQ(dp->Counters(t)->in_packets, 2u);
  EXPECT_EQ(DropCount(dp->counters().drops, DropReason::kNotForUs), 1u);

  IpTunnelHandle no_backup = dp->Add(Gre("192.0.2.1", "198.51.100.77")).value();
  EXPECT_EQ(dp->SetActiveRemote(no_backup, TunnelRemote::kBackup).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(GreTunnel, CountersPerTunnelAndGlobal) {
  auto dp = NewDataplane();
  IpTunnelHandle a = dp->Add(Gre()).value();
  IpTunnelHandle b = dp->Add(Gre("192.0.2.1", "198.51.100.2")).value();
  auto p1 = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 100);
  auto p2 = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 200);
  Burst burst;
  burst.Add(p1);
  burst.Add(p2);
  dp->Encap(a, burst.refs(), burst.verdicts(), kNow);
  EncapOne(*dp, b, p1);
  EXPECT_EQ(dp->Counters(a)->out_packets, 2u);
  EXPECT_EQ(dp->Counters(a)->out_octets, p1.size() + p2.size());
  EXPECT_EQ(dp->Counters(b)->out_packets, 1u);
  EXPECT_EQ(dp->counters().encapsulated, 3u);
  EXPECT_EQ(DecapOne(*dp, Arrive(Bytes(burst[1]))).action, Verdict::Action::kDeliver);
  EXPECT_EQ(dp->Counters(a)->in_packets, 1u);
  EXPECT_EQ(dp->Counters(a)->in_octets, p2.size());
  EXPECT_EQ(dp->counters().decapsulated, 1u);
  EXPECT_EQ(dp->tunnel_count(), 2u);
}

TEST(GreTunnel, ConfigurationChecksAndLifecycle) {
  auto dp = NewDataplane();
  auto bad = [&](auto mutate) {
    IpTunnelConfig c = Gre();
    mutate(c);
    return dp->Add(c).status().code();
  };
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.local = IpAddress(); }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.remote = Ip("2001:db8::1"); }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.backup_remote = Ip("2001:db8::1"); }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) {
              c.type = IpTunnelType::kIpIp;
              c.key = 1;
            }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.dscp = 64; }), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.ttl = 0; }), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.ip_mtu = 67; }), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.icmp_source_v4 = Ip("2001:db8::1"); }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](IpTunnelConfig& c) { c.icmp_source_v6 = Ip("10.0.0.1"); }),
            absl::StatusCode::kInvalidArgument);

  IpTunnelHandle t = dp->Add(Gre()).value();
  EXPECT_EQ(dp->Add(Gre()).status().code(), absl::StatusCode::kAlreadyExists);
  IpTunnelConfig keyed = Gre();
  keyed.key = 5;
  IpTunnelHandle tk = dp->Add(keyed).value();  // same addresses, with a key: another tunnel
  IpTunnelConfig ipip = Gre();
  ipip.type = IpTunnelType::kIpIp;
  ASSERT_TRUE(dp->Add(ipip).ok());
  IpTunnelConfig clash = Gre("192.0.2.1", "198.51.100.50");
  clash.backup_remote = Ip("198.51.100.1");  // the first tunnel's remote
  EXPECT_EQ(dp->Add(clash).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(dp->Find(IpTunnelType::kGre, Ip("192.0.2.1"), Ip("198.51.100.1")), t);
  EXPECT_EQ(dp->Find(IpTunnelType::kGre, Ip("192.0.2.1"), Ip("198.51.100.1"), 5), tk);

  ASSERT_TRUE(dp->Remove(t).ok());
  EXPECT_EQ(dp->Remove(t).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(dp->Counters(t), nullptr);
  EXPECT_FALSE(dp->Find(IpTunnelType::kGre, Ip("192.0.2.1"), Ip("198.51.100.1")).has_value());
  // A stale handle is refused on the fast path, and its slot reuse gets a new generation.
  Burst b;
  b.Add(MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10));
  dp->Encap(t, b.refs(), b.verdicts(), kNow);
  EXPECT_EQ(b.verdict(0).reason, DropReason::kNotForUs);
  IpTunnelHandle again = dp->Add(Gre()).value();
  EXPECT_EQ(again.index, t.index);
  EXPECT_NE(again.generation, t.generation);
}

TEST(GreEncap, MalformedPayloadAndBufferProblemsAreCountedDrops) {
  auto dp = NewDataplane();
  IpTunnelHandle t = dp->Add(Gre()).value();
  auto good = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10);
  struct Case {
    std::vector<uint8_t> bytes;
    uint32_t headroom;
    DropReason want;
  };
  std::vector<Case> cases;
  cases.push_back({{}, kPacketHeadroom, DropReason::kMalformedInner});
  cases.push_back({{0x45, 0, 0}, kPacketHeadroom, DropReason::kMalformedInner});
  auto v5 = good;
  v5[0] = 0x55;
  cases.push_back({v5, kPacketHeadroom, DropReason::kMalformedInner});
  auto long_len = good;
  Store16(&long_len[2], static_cast<uint16_t>(good.size() + 1));
  cases.push_back({long_len, kPacketHeadroom, DropReason::kMalformedInner});
  cases.push_back({good, 23, DropReason::kNoHeadroom});
  cases.push_back({std::vector<uint8_t>(65536, 0x45), kPacketHeadroom, DropReason::kOversized});
  for (const Case& k : cases) {
    Burst b;
    b.Add(k.bytes, k.headroom);
    const uint64_t before = DropCount(dp->Counters(t)->drops, k.want);
    dp->Encap(t, b.refs(), b.verdicts(), kNow);
    EXPECT_EQ(b.verdict(0).action, Verdict::Action::kDrop);
    EXPECT_EQ(b.verdict(0).reason, k.want) << DropReasonName(b.verdict(0).reason);
    EXPECT_EQ(DropCount(dp->Counters(t)->drops, k.want), before + 1);
  }
  // Link padding after the IP length is not payload.
  auto padded = good;
  padded.resize(good.size() + 6, 0xee);
  auto outer = EncapOne(*dp, t, padded);
  EXPECT_EQ(outer.size(), 24 + good.size());
}

TEST(GreDecap, MalformedOuterAndGreAreCountedDrops) {
  auto dp = NewDataplane();
  IpTunnelHandle t = dp->Add(Gre()).value();
  IpTunnelConfig ipip = Gre("192.0.2.1", "198.51.100.9");
  ipip.type = IpTunnelType::kIpIp;
  ASSERT_TRUE(dp->Add(ipip).ok());
  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 10);
  auto good = EncapOne(*dp, t, inner);
  good = Arrive(good);
  auto fix = [](std::vector<uint8_t> o) {
    Store16(&o[10], 0);
    Store16(&o[10], dataplane::InternetChecksum(o.data(), 20));
    return o;
  };
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    DropReason want;
  };
  std::vector<Case> cases;
  cases.push_back({"empty", {}, DropReason::kTruncated});
  cases.push_back(
      {"short ip", std::vector<uint8_t>(good.begin(), good.begin() + 19), DropReason::kTruncated});
  {
    auto o = good;
    o[0] = 0x35;
    cases.push_back({"version 3", o, DropReason::kBadOuterHeader});
  }
  {
    auto o = good;
    o[0] = 0x44;
    cases.push_back({"ihl 4", o, DropReason::kBadOuterHeader});
  }
  {
    auto o = good;
    Store16(&o[2], static_cast<uint16_t>(o.size() + 1));
    cases.push_back({"ip length", fix(o), DropReason::kBadLength});
  }
  {
    auto o = good;
    o[9] = kProtoUdp;
    cases.push_back({"udp", fix(o), DropReason::kNotForUs});
  }
  {
    auto o = std::vector<uint8_t>(good.begin(), good.begin() + 23);
    Store16(&o[2], 23);
    cases.push_back({"gre short", fix(o), DropReason::kTruncated});
  }
  for (uint16_t flags : {0x0001, 0x4000, 0x0800, 0x0400}) {
    auto o = good;
    Store16(&o[20], flags);
    cases.push_back({"gre flags", o, DropReason::kGreBadHeader});
  }
  {
    auto o = std::vector<uint8_t>(good.begin(), good.begin() + 24);
    Store16(&o[2], 24);
    Store16(&o[20], 0xb000);  // C K S present, none of them there
    cases.push_back({"gre options short", fix(o), DropReason::kTruncated});
  }
  {
    auto o = good;
    Store16(&o[22], 0x6558);  // transparent Ethernet bridging: not an IP payload
    cases.push_back({"gre ethertype", o, DropReason::kBadNextHeader});
  }
  {
    auto o = good;
    Store16(&o[22], 0x86dd);  // says IPv6, carries IPv4
    cases.push_back({"gre wrong version", o, DropReason::kMalformedInner});
  }
  {
    auto o = good;
    o[24] = 0x35;
    cases.push_back({"inner version", o, DropReason::kMalformedInner});
  }
  {
    auto o = good;
    Store16(&o[26], 0xffff);
    cases.push_back({"inner length", o, DropReason::kMalformedInner});
  }
  {
    auto o = good;
    std::memcpy(&o[16], Ip("192.0.2.99").bytes(), 4);
    cases.push_back({"other local", fix(o), DropReason::kNotForUs});
  }
  {
    auto o = good;
    std::memcpy(&o[12], Ip("198.51.100.99").bytes(), 4);
    cases.push_back({"unknown remote", fix(o), DropReason::kNotForUs});
  }
  {
    auto o = good;
    Store16(&o[20], 0x2000);  // a key this tunnel does not have
    cases.push_back({"unexpected key", o, DropReason::kGreKeyMismatch});
  }
  {
    auto o = good;
    o[9] = kProtoIpv4InIp;  // IP-IP from the GRE peer: no IP-IP tunnel with it
    cases.push_back({"ipip unknown", fix(o), DropReason::kNotForUs});
  }
  {
    auto o = good;
    Store16(&o[6], 0x2000);  // MF: an outer fragment, no reassembly configured
    cases.push_back({"fragment", fix(o), DropReason::kReassemblyDisabled});
  }
  {
    auto o = good;
    std::memcpy(&o[12], Ip("198.51.100.99").bytes(), 4);
    Store16(&o[6], 0x2000);
    cases.push_back({"fragment from nobody", fix(o), DropReason::kNotForUs});
  }
  cases.push_back({"oversized", std::vector<uint8_t>(65536, 0x45), DropReason::kOversized});
  for (const Case& k : cases) {
    const uint64_t before = DropCount(dp->counters().drops, k.want);
    Verdict v = DecapOne(*dp, k.bytes);
    EXPECT_EQ(v.action, Verdict::Action::kDrop) << k.name;
    EXPECT_EQ(v.reason, k.want) << k.name << ": " << DropReasonName(v.reason);
    EXPECT_EQ(DropCount(dp->counters().drops, k.want), before + 1) << k.name;
  }
  EXPECT_EQ(DecapOne(*dp, good).action, Verdict::Action::kDeliver);
}

}  // namespace
}  // namespace tunnelisa
