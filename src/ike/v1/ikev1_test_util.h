// Test-only: two Ikev1Managers in one process (the IKEv2 tests' TestHost) with the message
// order, loss, duplicates and a NAT under the test's control (ikev1_manager_test.cc,
// ikev1_xauth_test.cc).
#ifndef TUNNELISA_SRC_IKE_V1_IKEV1_TEST_UTIL_H_
#define TUNNELISA_SRC_IKE_V1_IKEV1_TEST_UTIL_H_

#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike::v1::testing {

// Every IKEv1 unit test checks the deadline index after each call into an Ikev1Manager
// (Ikev1Manager::CheckIndexesForTesting): an SA whose timer the index missed aborts the test.
inline const bool kV1IndexChecks = (Ikev1Manager::CheckIndexesForTesting(true), true);

using ::tunnelisa::ike::testing::TestHost;

// ActiveOf: the host's active IPsec SA pair (a failed expectation and an empty one if none).
inline const TestHost::Child& ActiveOf(const TestHost& h) {
  static const TestHost::Child kNone;
  const TestHost::Child* c = h.Active();
  EXPECT_NE(c, nullptr);
  return c != nullptr ? *c : kNone;
}

inline IkePeerConfig V1Peer(bool a, std::string_view psk = "secret") {
  IkePeerConfig p;
  p.id = 7;
  p.name = a ? "to-b" : "to-a";
  p.ike_version = 1;
  p.local = *IpAddress::Parse(a ? "192.0.2.1" : "192.0.2.2");
  p.remote = *IpAddress::Parse(a ? "192.0.2.2" : "192.0.2.1");
  std::vector<uint8_t> key(psk.begin(), psk.end());
  p.auth =
      PskAuthenticator::Both(std::make_shared<const SecretBytes>(std::span<const uint8_t>(key)));
  p.local_id = IdPayload::FromAddress(p.local);
  p.ike = {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha1_96, DhGroup::kModp1536};
  p.child = {
      {EspSuite{EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha1_96}, std::nullopt}};
  p.local_ts = {*IpPrefix::Parse(a ? "192.168.1.0/24" : "192.168.2.0/24")};
  p.remote_ts = {*IpPrefix::Parse(a ? "192.168.2.0/24" : "192.168.1.0/24")};
  return p;
}

// V1Pair: A and B; messages wait in each host's queue until the test delivers them. A NAT in
// front of A can be simulated by rewriting A's source port (nat_port).
struct V1Pair {
  TestHost ha{1}, hb{2};
  Ikev1Manager a, b;
  IkePeerConfig pa, pb;
  MonoTime now;
  uint16_t nat_port = 0;  // non-zero: B sees A's datagrams from this port (A behind a NAT)

  explicit V1Pair(IkePeerConfig config_a = V1Peer(true), IkePeerConfig config_b = V1Peer(false),
                  IkeOptions options = {})
      : a(&ha, options), b(&hb, options), pa(std::move(config_a)), pb(std::move(config_b)) {
    a.SetPeers({pa}, now);
    b.SetPeers({pb}, now);
  }
  // Strip: the datagram without a non-ESP marker, and whether it had one.
  static std::pair<std::vector<uint8_t>, bool> Strip(std::vector<uint8_t> d) {
    if (d.size() >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0) {
      return {std::vector<uint8_t>(d.begin() + 4, d.end()), true};
    }
    return {std::move(d), false};
  }
  bool ToB() {
    if (ha.out.empty()) return false;
    auto [d, natt] = Strip(std::move(ha.out.front()));
    ha.out.pop_front();
    const uint16_t port = natt ? 4500 : 500;
    b.OnDatagram({pb.local, port},
                 {pa.local, nat_port != 0 ? static_cast<uint16_t>(nat_port + natt) : port}, d, natt,
                 now);
    return true;
  }
  bool ToA() {
    if (hb.out.empty()) return false;
    auto [d, natt] = Strip(std::move(hb.out.front()));
    hb.out.pop_front();
    const uint16_t port = natt ? 4500 : 500;
    a.OnDatagram({pa.local, port}, {pb.local, port}, d, natt, now);
    return true;
  }
  void Flush() {
    for (int k = 0; k < 64 && (ToB() || ToA()); ++k) {
    }
  }
  // Run: advances time in one-second steps, with timers, delivering everything.
  void Run(int seconds) {
    for (int k = 0; k < seconds; ++k) {
      now = now + Duration::Seconds(1);
      a.OnTimer(now);
      b.OnTimer(now);
      Flush();
    }
  }
  // RunLosing: A initiates to peer 7 and the exchanges run (timers in one-second steps, at
  // most 40 rounds) until both sides hold an SA and nothing is in flight, with the `lost`-th
  // message sent (counting both directions from 0) dropped once.
  void RunLosing(int lost) {
    ASSERT_TRUE(a.Initiate(7, now).ok());
    int seen = 0;
    for (int round = 0; round < 40 && (ha.Active() == nullptr || hb.Active() == nullptr ||
                                       !ha.out.empty() || !hb.out.empty());
         ++round) {
      for (int k = 0; k < 16; ++k) {
        if (!ha.out.empty()) {
          if (seen++ == lost) {
            ha.out.pop_front();
          } else {
            ToB();
          }
        }
        if (!hb.out.empty()) {
          if (seen++ == lost) {
            hb.out.pop_front();
          } else {
            ToA();
          }
        }
      }
      now = now + Duration::Seconds(1);
      a.OnTimer(now);
      b.OnTimer(now);
    }
  }
  void Establish() {
    ASSERT_TRUE(a.Initiate(7, now).ok());
    Flush();
    ASSERT_NE(a.EstablishedSa(7), nullptr);
    ASSERT_NE(b.EstablishedSa(7), nullptr);
  }
  void ExpectOneAgreedPair() const {
    const TestHost::Child* ca = ha.Active();
    const TestHost::Child* cb = hb.Active();
    ASSERT_NE(ca, nullptr);
    ASSERT_NE(cb, nullptr);
    EXPECT_EQ(ca->install.outbound_spi, cb->install.inbound_spi);
    EXPECT_EQ(cb->install.outbound_spi, ca->install.inbound_spi);
    EXPECT_TRUE(ca->install.outbound_enc.Equals(cb->install.inbound_enc));
    EXPECT_TRUE(cb->install.outbound_enc.Equals(ca->install.inbound_enc));
    EXPECT_TRUE(ca->install.outbound_integ.Equals(cb->install.inbound_integ));
    EXPECT_TRUE(cb->install.outbound_integ.Equals(ca->install.inbound_integ));
    EXPECT_FALSE(ca->install.outbound_enc.Equals(ca->install.inbound_enc));
  }
};

}  // namespace tunnelisa::ike::v1::testing

#endif  // TUNNELISA_SRC_IKE_V1_IKEV1_TEST_UTIL_H_
