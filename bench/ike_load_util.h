// What the IKE-under-load benchmarks share (bench/ike_load_bench.cc: an IkeManager as the
// responder; bench/ike_engine_load_bench.cc: a whole Engine): the initiators (one IkeManager
// per batch of peers, peer k on its own address 10.x.y.z), their suites (PSK, x25519, IKE and
// ESP aes128gcm16) and the responder's thread CPU clock.
#ifndef TUNNELISA_BENCH_IKE_LOAD_UTIL_H_
#define TUNNELISA_BENCH_IKE_LOAD_UTIL_H_

#include <benchmark/benchmark.h>
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
#include "bench/alloc_count.h"
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

// LoadGatewayOf: the responder under load, one IKE manager (IKEv2's or IKEv1's) answering as
// `gateway_peer`, with the IKE SAs its Connect set up. Exchange times its own calls only.
template <typename Manager>
struct LoadGatewayOf {
  using Clients = LoadClientsOf<Manager>;
  std::deque<Datagram> to_clients;
  LoadHost host{&to_clients};
  Manager ike;
  ike::IkeOptions options;
  MonoTime now = MonoTime{} + Duration::Seconds(1);
  uint64_t next_peer = 0;  // the next fresh peer address
  int64_t responder_ns = 0;
  AllocCounts responder_allocs;  // made inside the timed calls
  bool rearm_timer = true;       // call OnTimer after every datagram, as a host does

  LoadGatewayOf(const ike::IkeOptions& o, ike::IkePeerConfig gateway_peer)
      : ike(&host, o), options(o) {
    std::vector<ike::IkePeerConfig> peers;
    peers.push_back(std::move(gateway_peer));
    ike.SetPeers(std::move(peers), now);
  }

  // Exchange: delivers datagrams both ways until both sides are quiet (bounded).
  void Exchange(Clients& c) {
    for (int round = 0; round < 64 && (!c.to_gateway.empty() || !to_clients.empty()); ++round) {
      while (!c.to_gateway.empty()) {
        Datagram d = std::move(c.to_gateway.front());
        c.to_gateway.pop_front();
        const AllocCounts a0 = AllocCountsNow();
        const int64_t t0 = ThreadCpuNs();
        ike.OnDatagram(d.to, d.from, d.bytes, false, now);
        if (rearm_timer) benchmark::DoNotOptimize(ike.OnTimer(now));
        responder_ns += ThreadCpuNs() - t0;
        const AllocCounts a1 = AllocCountsNow();
        responder_allocs.cxx += a1.cxx - a0.cxx;
        responder_allocs.openssl += a1.openssl - a0.openssl;
      }
      while (!to_clients.empty()) {
        Datagram d = std::move(to_clients.front());
        to_clients.pop_front();
        c.ike.OnDatagram(d.to, d.from, d.bytes, false, now);
      }
    }
  }

  // Connect: `count` fresh peers (`peer(k)` their configuration), `batch` at a time, each ends
  // with an IKE SA and a CHILD SA on the gateway; the clients' side is thrown away (their SAs
  // stay on the gateway). False if a handshake failed.
  template <typename PeerFn>
  bool Connect(uint64_t count, uint64_t batch, PeerFn peer) {
    rearm_timer = false;  // setup: the timer is not what is looked at here
    if (!ConnectInBatches<Clients>(count, batch, next_peer, options, now, peer,
                                   [this](Clients& c) { Exchange(c); })) {
      return false;
    }
    rearm_timer = true;
    return true;
  }
};

// HeldGateway: the gateway of the current n for this Manager (made by `make()`, then n peers
// connected with `peer`), kept across a benchmark's repetitions (setup at 100k takes a while);
// another n replaces it. Null if the setup failed.
template <typename Manager, typename MakeFn, typename PeerFn>
LoadGatewayOf<Manager>* HeldGateway(uint64_t n, MakeFn make, PeerFn peer) {
  static std::unique_ptr<LoadGatewayOf<Manager>> gateway;
  static uint64_t held = 0;
  if (gateway == nullptr || held != n) {
    gateway.reset();
    gateway = make();
    held = n;
    if (!gateway->Connect(n, 512, peer)) gateway.reset();
  }
  return gateway.get();
}

// RunResponderLoad: the benchmark loop both load benchmarks share. Each iteration one fresh
// peer (`peer(k)`) makes a whole handshake with `g`, which holds n IKE SAs; the peer's Delete
// afterwards is not timed, so n stays n. Manual time: the responder's thread CPU. Counters:
// `held_name` = n, allocs / ossl_allocs per handshake.
template <typename Manager, typename PeerFn>
void RunResponderLoad(benchmark::State& state, LoadGatewayOf<Manager>* g, uint64_t n, PeerFn peer,
                      const char* held_name) {
  if (g == nullptr || g->ike.ike_sa_count() != n) {
    state.SkipWithError("setup failed");
    return;
  }
  g->responder_allocs = {};
  for (auto _ : state) {
    LoadClientsOf<Manager> c(g->options);
    const uint64_t k = g->next_peer++;
    c.ike.SetPeers({peer(k)}, g->now);
    g->responder_ns = 0;
    (void)c.ike.Initiate(k + 1, g->now);
    g->Exchange(c);
    const int64_t handshake_ns = g->responder_ns;
    const AllocCounts handshake_allocs = g->responder_allocs;
    if (c.host.children_up != 1 || g->ike.ike_sa_count() != n + 1) {
      state.SkipWithError("handshake failed");
      break;
    }
    // The peer leaves again (its Delete; not part of the figure).
    c.ike.Shutdown(g->now);
    g->Exchange(c);
    g->responder_allocs = handshake_allocs;
    if (g->ike.ike_sa_count() != n) {
      state.SkipWithError("the peer's IKE SA stayed");
      break;
    }
    state.SetIterationTime(static_cast<double>(handshake_ns) * 1e-9);
  }
  state.counters[held_name] = static_cast<double>(n);
  const auto per = [&](uint64_t v) {
    return benchmark::Counter(static_cast<double>(v), benchmark::Counter::kAvgIterations);
  };
  // (The peer's Delete, untimed, is not in them: only the handshake's own calls count.)
  state.counters["allocs"] = per(g->responder_allocs.cxx);
  if (OpensslCounted()) state.counters["ossl_allocs"] = per(g->responder_allocs.openssl);
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace tunnelisa::bench

#endif  // TUNNELISA_BENCH_IKE_LOAD_UTIL_H_
