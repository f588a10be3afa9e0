// Test-only: two IkeManagers in one process with the message order under the test's control
// (ike_manager_test.cc, ike_cert_test.cc).
#ifndef TUNNELISA_SRC_IKE_V2_IKE_MANAGER_TEST_UTIL_H_
#define TUNNELISA_SRC_IKE_V2_IKE_MANAGER_TEST_UTIL_H_

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike::testing {

// Every IkeManager of a test binary that includes this checks its indexes after each call
// (IkeManager::CheckIndexesForTesting): a change to an SA the indexes missed aborts the test.
inline const bool kIkeIndexChecks = (IkeManager::CheckIndexesForTesting(true), true);

// TestHost: datagrams into a queue; CHILD SAs as fake handles with the keys kept, so the test
// can check that both ends derived the same keys for each direction.
class TestHost final : public IkeHost {
 public:
  struct Child {
    ChildInstall install;
    bool active = false;
  };
  explicit TestHost(uint64_t seed) : seed_(seed) {}
  void SendIke(const IkeEndpoint&, const IkeEndpoint&, std::span<const uint8_t> d) override {
    out.emplace_back(d.begin(), d.end());
  }
  absl::StatusOr<ChildSaPair> InstallChild(uint64_t, ChildInstall in, MonoTime) override {
    const uint32_t id = ++next_;
    const uint32_t spi = in.inbound_spi;
    children[spi] = Child{std::move(in), false};
    handle_spi[id] = spi;
    return ChildSaPair{{id, 1}, {id + 100000, 1}};
  }
  void ActivateChild(uint64_t, const ChildSaPair& p) override {
    for (auto& [spi, c] : children) c.active = false;
    children[handle_spi[p.inbound.index]].active = true;
  }
  void RemoveChild(uint64_t, const ChildSaPair& p) override {
    children.erase(handle_spi[p.inbound.index]);
  }
  void UpdateChild(uint64_t, const ChildSaPair&, const SaUpdate&) override {}
  absl::StatusOr<SaStats> QueryChild(uint64_t, SaHandle) const override { return SaStats{}; }
  void RandomBytes(std::span<uint8_t> out_bytes) override {
    for (uint8_t& b : out_bytes) {
      seed_ = seed_ * 6364136223846793005ull + 1442695040888963407ull;
      b = static_cast<uint8_t>(seed_ >> 56);
    }
  }
  void Event(const IkeEvent& e) override { events.push_back({e.kind, std::string(e.detail)}); }
  void Log(LogLevel, std::string_view) override {}
  WallTime WallNow() override { return wall; }
  // Detail: the text of the last event of kind `k` ("" when there is none).
  std::string Detail(IkeEventKind k) const {
    std::string d;
    for (const auto& e : events) {
      if (e.first == k) d = e.second;
    }
    return d;
  }
  size_t Count(IkeEventKind k) const {
    size_t n = 0;
    for (const auto& e : events) n += e.first == k ? 1 : 0;
    return n;
  }
  const Child* Active() const {
    const Child* a = nullptr;
    for (const auto& [spi, c] : children) {
      if (c.active) a = &c;
    }
    return a;
  }

  std::deque<std::vector<uint8_t>> out;
  std::map<uint32_t, Child> children;  // by our inbound SPI
  std::map<uint32_t, uint32_t> handle_spi;
  std::vector<std::pair<IkeEventKind, std::string>> events;
  WallTime wall = WallTime::FromUnixSeconds(1800000000);  // the PKI tests' kNow

 private:
  uint64_t seed_;
  uint32_t next_ = 0;
};

inline IkePeerConfig Peer(bool a) {
  IkePeerConfig p;
  p.id = 7;
  p.name = a ? "to-b" : "to-a";
  p.local = *IpAddress::Parse(a ? "192.0.2.1" : "192.0.2.2");
  p.remote = *IpAddress::Parse(a ? "192.0.2.2" : "192.0.2.1");
  static const uint8_t kPsk[] = {'p', 's', 'k'};
  p.auth =
      PskAuthenticator::Both(std::make_shared<const SecretBytes>(std::span<const uint8_t>(kPsk)));
  p.local_id = IdPayload::FromAddress(p.local);
  p.ike = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kHmacSha256_128,
           DhGroup::kCurve25519};
  p.child = {{EspSuite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone},
              DhGroup::kCurve25519}};
  return p;
}

// Pair: A and B; messages wait in each host's queue until the test delivers them.
struct Pair {
  TestHost ha{1}, hb{2};
  IkeManager a, b;
  IkePeerConfig pa = Peer(true), pb = Peer(false);
  MonoTime now;
  size_t largest_datagram = 0;

  explicit Pair(IkeOptions options = {}) : a(&ha, options), b(&hb, options) {
    a.SetPeers({pa}, now);
    b.SetPeers({pb}, now);
  }
  // With A's and B's peer configurations given (certificates, identities).
  Pair(IkeOptions options, IkePeerConfig config_a, IkePeerConfig config_b)
      : a(&ha, options), b(&hb, options), pa(std::move(config_a)), pb(std::move(config_b)) {
    a.SetPeers({pa}, now);
    b.SetPeers({pb}, now);
  }
  // ToB / ToA: delivers the oldest queued message; false if there is none.
  bool ToB() {
    if (ha.out.empty()) return false;
    std::vector<uint8_t> d = std::move(ha.out.front());
    largest_datagram = std::max(largest_datagram, d.size());
    ha.out.pop_front();
    b.OnDatagram({pb.local, 500}, {pa.local, 500}, d, false, now);
    return true;
  }
  bool ToA() {
    if (hb.out.empty()) return false;
    std::vector<uint8_t> d = std::move(hb.out.front());
    largest_datagram = std::max(largest_datagram, d.size());
    hb.out.pop_front();
    a.OnDatagram({pa.local, 500}, {pb.local, 500}, d, false, now);
    return true;
  }
  void Flush() {
    for (int k = 0; k < 64 && (ToB() || ToA()); ++k) {
    }
  }
  void Establish() {
    ASSERT_TRUE(a.Initiate(7, now).ok());
    Flush();
    ASSERT_NE(a.EstablishedSa(7), nullptr);
    ASSERT_NE(b.EstablishedSa(7), nullptr);
  }
  // Agree: each side's active CHILD SA sends with what the other's active one receives with.
  void ExpectOneAgreedPair() const {
    const TestHost::Child* ca = ha.Active();
    const TestHost::Child* cb = hb.Active();
    ASSERT_NE(ca, nullptr);
    ASSERT_NE(cb, nullptr);
    EXPECT_EQ(ca->install.outbound_spi, cb->install.inbound_spi);
    EXPECT_EQ(cb->install.outbound_spi, ca->install.inbound_spi);
    EXPECT_TRUE(ca->install.outbound_enc.Equals(cb->install.inbound_enc));
    EXPECT_TRUE(cb->install.outbound_enc.Equals(ca->install.inbound_enc));
  }
};

}  // namespace tunnelisa::ike::testing

#endif  // TUNNELISA_SRC_IKE_V2_IKE_MANAGER_TEST_UTIL_H_
