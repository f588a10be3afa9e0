// What the IKE-under-load benchmarks share (bench/ike_load_bench.cc: an IkeManager as the
// responder; bench/ike_engine_load_bench.cc: a whole Engine): the initiators (one IkeManager
// per batch of peers, peer k on its own address 10.x.y.z), their suites (PSK, x25519, IKE and
// ESP aes128gcm16) and the responder's thread CPU clock.
#ifndef TUNNELISA_BENCH_IKE_LOAD_UTIL_H_
#define TUNNELISA_BENCH_IKE_LOAD_UTIL_H_

#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_ike_host.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::bench {

// LoadOptions: IKE options for a side that runs many handshakes at once from one host (the
// benchmarks' setup): no COOKIE round trips or half-open refusals.
inline ike::IkeOptions LoadOptions() {
  ike::IkeOptions o;
  o.cookie_threshold = std::numeric_limits<size_t>::max();
  o.half_open_limit = std::numeric_limits<size_t>::max();
  return o;
}

struct Datagram {
  ike::IkeEndpoint from, to;
  std::vector<uint8_t> bytes;
};

// LoadHost: one side's IkeHost: datagrams into `out`, with their endpoints.
class LoadHost final : public EspIkeHost {
 public:
  explicit LoadHost(std::deque<Datagram>* out) : out_(out) {}
  void SendIke(const ike::IkeEndpoint& local, const ike::IkeEndpoint& remote,
               std::span<const uint8_t> datagram) override {
    out_->push_back({local, remote, {datagram.begin(), datagram.end()}});
  }

 private:
  std::deque<Datagram>* out_;
};

inline const IpAddress& LoadGatewayAddress() {
  static const IpAddress a = *IpAddress::Parse("192.0.2.2");
  return a;
}

// LoadPeerAddress: peer k's own address, 10.0.0.1 onwards (16M distinct).
inline IpAddress LoadPeerAddress(uint64_t k) {
  const uint64_t v = k + 1;
  return *IpAddress::Parse(
      absl::StrCat("10.", (v >> 16) & 0xff, ".", (v >> 8) & 0xff, ".", v & 0xff));
}

inline std::shared_ptr<const SecretBytes> LoadPsk() {
  static const std::array<uint8_t, 11> kPsk = {'l', 'o', 'a', 'd', '-', 'p',
                                               's', 'k', '-', '1', '4'};
  static const auto psk = std::make_shared<const SecretBytes>(kPsk);
  return psk;
}
inline constexpr const char* kLoadPskText = "load-psk-14";

inline void LoadSuites(ike::IkePeerConfig& p) {
  p.auth = ike::PskAuthenticator::Both(LoadPsk());
  p.ike = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kHmacSha256_128,
           DhGroup::kCurve25519};
  p.child = {{EspSuite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, {}}};
}

// LoadClientPeer: peer k as its own initiator sees the gateway (id k + 1 in its IkeManager).
inline ike::IkePeerConfig LoadClientPeer(uint64_t k) {
  ike::IkePeerConfig p;
  p.id = k + 1;
  p.name = absl::StrCat("client ", k);
  p.local = LoadPeerAddress(k);
  p.remote = LoadGatewayAddress();
  p.local_id = ike::IdPayload::FromAddress(p.local);
  LoadSuites(p);
  return p;
}

inline int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// LoadClientsOf: one IKE manager (ike::IkeManager, or IKEv1's ike::v1::Ikev1Manager)
// initiating for a batch of peers.
template <typename Manager>
struct LoadClientsOf {
  std::deque<Datagram> to_gateway;
  LoadHost host{&to_gateway};
  Manager ike;
  explicit LoadClientsOf(const ike::IkeOptions& options) : ike(&host, options) {}
};
using LoadClients = LoadClientsOf<ike::IkeManager>;

// ConnectInBatches: `count` fresh peers from `next_peer` on, `batch` at a time, each batch
// from a new LoadClients (thrown away after; the SAs stay on the gateway): every peer's
// IKE_SA_INIT and IKE_AUTH through `exchange(clients)`. Advances `next_peer`; false if a
// batch did not bring up a CHILD SA for every peer.
template <typename Clients = LoadClients, typename PeerFn, typename ExchangeFn>
bool ConnectInBatches(uint64_t count, uint64_t batch, uint64_t& next_peer,
                      const ike::IkeOptions& options, MonoTime now, PeerFn peer,
                      ExchangeFn exchange) {
  for (uint64_t done = 0; done < count;) {
    const uint64_t m = std::min(batch, count - done);
    Clients c(options);
    std::vector<ike::IkePeerConfig> peers;
    for (uint64_t k = 0; k < m; ++k) peers.push_back(peer(next_peer + k));
    c.ike.SetPeers(peers, now);
    for (uint64_t k = 0; k < m; ++k) (void)c.ike.Initiate(next_peer + k + 1, now);
    exchange(c);
    if (c.host.children_up != m) return false;
    next_peer += m;
    done += m;
  }
  return true;
}

}  // namespace tunnelisa::bench

#endif  // TUNNELISA_BENCH_IKE_LOAD_UTIL_H_
