// Captures made by scapy (tests/vectors/gre/make_gre_pcaps.py): tunnelisa decapsulates each
// outer packet into the expected payload, and encapsulates each payload into the same outer
// packet byte for byte (seen from the other end). Fragment captures go through the
// Reassembler.
#include <string>
#include <vector>

#include "dataplane/gre_test_util.h"
#include "gtest/gtest.h"
#include "tests/test_tools/vector_file.h"
#include "tools/pcap.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/reassembly.h"

namespace tunnelisa {
namespace {

using testing::Arrive;
using testing::Burst;
using testing::Bytes;
using testing::DropCount;
using testing::Ip;
using testing::Spares;

constexpr MonoTime kNow{42};

std::vector<std::vector<uint8_t>> ReadPcap(const std::string& name) {
  const std::string path = tunnelisa::testing::SourceDir() + "/tests/vectors/gre/" + name;
  absl::StatusOr<tools::PcapReader> r = tools::PcapReader::Open(path);
  EXPECT_TRUE(r.ok()) << r.status();
  std::vector<std::vector<uint8_t>> out;
  if (!r.ok()) return out;
  absl::StatusOr<std::vector<tools::PcapRecord>> all = r->ReadAll();
  EXPECT_TRUE(all.ok()) << all.status();
  if (!all.ok()) return out;
  for (auto& rec : *all) out.push_back(std::move(rec.packet));
  return out;
}

struct VectorCase {
  const char* name;
  IpTunnelType type;
  bool key;  // checksum + key 0x1234abcd + sequence
  int dscp;  // -1: copy
};

class GreVectors : public ::testing::TestWithParam<VectorCase> {};

TEST_P(GreVectors, DecapsulatesAndEncapsulatesLikeScapy) {
  const VectorCase& k = GetParam();
  auto outers = ReadPcap(std::string(k.name) + ".outer.pcap");
  auto inners = ReadPcap(std::string(k.name) + ".inner.pcap");
  ASSERT_FALSE(outers.empty());
  ASSERT_EQ(outers.size(), inners.size());
  auto dp = IpTunnelDataplane::Create({}).value();
  IpTunnelConfig c;
  c.type = k.type;
  c.local = Ip("192.0.2.1");
  c.remote = Ip("198.51.100.1");
  if (k.key) {
    c.key = 0x1234abcd;
    c.gre_checksum = true;
    c.gre_sequence = true;
  }
  if (k.dscp >= 0) c.dscp = static_cast<uint8_t>(k.dscp);
  IpTunnelHandle t = dp->Add(c).value();
  for (size_t i = 0; i < outers.size(); ++i) {
    Burst b;
    b.Add(outers[i]);
    dp->Decap(b.refs(), b.verdicts(), kNow);
    ASSERT_EQ(b.verdict(0).action, Verdict::Action::kDeliver)
        << k.name << " #" << i << ": " << DropReasonName(b.verdict(0).reason);
    EXPECT_EQ(Bytes(b[0]), inners[i]) << k.name << " #" << i;

    Burst e;
    e.Add(inners[i]);
    dp->Encap(t, e.refs(), e.verdicts(), kNow);
    ASSERT_EQ(e.verdict(0).action, Verdict::Action::kForward);
    EXPECT_EQ(Arrive(Bytes(e[0])), outers[i]) << k.name << " #" << i << " encapsulation";
  }
  EXPECT_EQ(dp->Counters(t)->in_packets, outers.size());
}

INSTANTIATE_TEST_SUITE_P(Scapy, GreVectors,
                         ::testing::Values(VectorCase{"gre-nokey", IpTunnelType::kGre, false, -1},
                                           VectorCase{"gre-key", IpTunnelType::kGre, true, -1},
                                           VectorCase{"ipip", IpTunnelType::kIpIp, false, -1},
                                           VectorCase{"ip6ip", IpTunnelType::kIpIp, false, -1},
                                           VectorCase{"gre-ipv6", IpTunnelType::kGre, false, -1},
                                           VectorCase{"gre-multicast", IpTunnelType::kGre, false,
                                                      -1},
                                           VectorCase{"gre-dscp", IpTunnelType::kGre, false, 10}),
                         [](const ::testing::TestParamInfo<VectorCase>& param) {
                           std::string n = param.param.name;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

TEST(GreVectorsFragments, InOrderOutOfOrderAndOverlapping) {
  for (const char* name : {"frag-inorder", "frag-outoforder", "frag-overlap"}) {
    auto outers = ReadPcap(std::string(name) + ".outer.pcap");
    auto inners = ReadPcap(std::string(name) + ".inner.pcap");
    ASSERT_EQ(outers.size(), 3u) << name;
    auto reasm = Reassembler::Create({}).value();
    auto dp = IpTunnelDataplane::Create({.reassembler = reasm.get()}).value();
    IpTunnelConfig c;
    c.local = Ip("192.0.2.1");
    c.remote = Ip("198.51.100.1");
    c.reassembly = true;
    ASSERT_TRUE(dp->Add(c).ok());
    Burst b;
    for (const auto& o : outers) b.Add(o);
    Spares spares(2, 2000);
    dp->Decap(b.refs(), b.verdicts(), kNow, spares.get());
    std::vector<std::vector<uint8_t>> delivered;
    for (size_t k = 0; k < spares.used(); ++k) {
      if (spares.verdict(k).action == Verdict::Action::kDeliver) {
        delivered.push_back(Bytes(spares.packet(k)));
      }
    }
    EXPECT_EQ(delivered, inners) << name;
    if (inners.empty()) {
      EXPECT_EQ(DropCount(dp->counters().drops, DropReason::kFragmentOverlap), 2u) << name;
      EXPECT_EQ(reasm->counters().datagrams_abandoned, 1u);
    }
  }
}

}  // namespace
}  // namespace tunnelisa
