// BM_Ikev1ResponderLoad/<n> (issue 14 section 1, for IKEv1): what one more IKEv1 connection
// (Main Mode with a pre-shared key, then one Quick Mode) costs an Ikev1Manager answering as an
// ipsec-gw while it already holds n ISAKMP SAs, each with its IPsec SA pair in a real ESP data
// plane. The same shape as BM_IkeResponderLoad (bench/ike_load_bench.cc): n distinct peers set
// up first (untimed, once per n), then each iteration one new peer's whole connection, timed
// as the responder's thread CPU in its OnDatagram and OnTimer calls; the peer deletes its SAs
// again afterwards (untimed), so n stays n. Phase 1 aes128-sha256 with ecp256 (IKEv1 has no
// Curve25519), ESP aes128gcm16.
#include <benchmark/benchmark.h>

#include <deque>
#include <limits>
#include <memory>
#include <vector>

#include "bench/alloc_count.h"
#include "bench/ike_load_util.h"
#include "ike/v1/ikev1_manager.h"

namespace tunnelisa {
namespace {

using bench::Datagram;
using bench::LoadHost;
using bench::ThreadCpuNs;
using Clients = bench::LoadClientsOf<ike::v1::Ikev1Manager>;

void V1Suites(ike::IkePeerConfig& p) {
  bench::LoadSuites(p);
  p.ike_version = 1;
  p.ike = {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128, DhGroup::kEcp256};
}

// ClientPeer: peer k, its own inner address 10.200.x.y/32 (k + 1) behind it, to anything
// behind the gateway.
ike::IkePeerConfig ClientPeer(uint64_t k) {
  ike::IkePeerConfig p = bench::LoadClientPeer(k);
  V1Suites(p);
  const uint64_t v = k + 1;
  p.local_ts = {IpPrefix::Make(
      IpAddress::V4(static_cast<uint32_t>((10u << 24) | (200u << 16) | (v & 0xffff))), 32)};
  p.remote_ts = {*IpPrefix::Parse("0.0.0.0/0")};
  return p;
}

// The gateway: an ipsec-gw on 192.0.2.2 answering any peer with the pre-shared key.
ike::IkePeerConfig GatewayPeer() {
  ike::IkePeerConfig p;
  p.id = 1;
  p.name = "ipsec-gw gw1";
  p.local = bench::LoadGatewayAddress();
  p.local_id = ike::IdPayload::FromAddress(p.local);
  V1Suites(p);
  p.local_ts = {*IpPrefix::Parse("0.0.0.0/0")};
  p.remote_ts = {*IpPrefix::Parse("0.0.0.0/0")};
  return p;
}

// V1Options: the load options, and no per-address rate limit (the bench's clock stands
// still; every peer has its own address anyway).
ike::IkeOptions V1Options() {
  ike::IkeOptions o = bench::LoadOptions();
  o.init_rate_per_peer = std::numeric_limits<uint32_t>::max();
  return o;
}

struct Gateway {
  std::deque<Datagram> to_clients;
  LoadHost host{&to_clients};
  ike::v1::Ikev1Manager ike;
  ike::IkeOptions options;
  MonoTime now = MonoTime{} + Duration::Seconds(1);
  uint64_t next_peer = 0;
  int64_t responder_ns = 0;
  bench::AllocCounts responder_allocs;
  bool rearm_timer = true;

  explicit Gateway(const ike::IkeOptions& o) : ike(&host, o), options(o) {
    ike.SetPeers({GatewayPeer()}, now);
  }

  void Exchange(Clients& c) {
    for (int round = 0; round < 64 && (!c.to_gateway.empty() || !to_clients.empty()); ++round) {
      while (!c.to_gateway.empty()) {
        Datagram d = std::move(c.to_gateway.front());
        c.to_gateway.pop_front();
        const bench::AllocCounts a0 = bench::AllocCountsNow();
        const int64_t t0 = ThreadCpuNs();
        ike.OnDatagram(d.to, d.from, d.bytes, false, now);
        if (rearm_timer) benchmark::DoNotOptimize(ike.OnTimer(now));
        responder_ns += ThreadCpuNs() - t0;
        const bench::AllocCounts a1 = bench::AllocCountsNow();
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

  bool Connect(uint64_t count, uint64_t batch) {
    rearm_timer = false;
    if (!bench::ConnectInBatches<Clients>(count, batch, next_peer, options, now, &ClientPeer,
                                          [this](Clients& c) { Exchange(c); })) {
      return false;
    }
    rearm_timer = true;
    return true;
  }
};

Gateway* GatewayHolding(uint64_t n) {
  static std::unique_ptr<Gateway> gateway;
  static uint64_t held = 0;
  if (gateway == nullptr || held != n) {
    gateway.reset();
    gateway = std::make_unique<Gateway>(V1Options());
    held = n;
    if (!gateway->Connect(n, 512)) {
      gateway.reset();
      return nullptr;
    }
  }
  return gateway.get();
}

void BM_Ikev1ResponderLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  Gateway* g = GatewayHolding(n);
  if (g == nullptr || g->ike.ike_sa_count() != n) {
    state.SkipWithError("setup failed");
    return;
  }
  g->responder_allocs = {};
  for (auto _ : state) {
    Clients c(g->options);
    const uint64_t k = g->next_peer++;
    c.ike.SetPeers({ClientPeer(k)}, g->now);
    g->responder_ns = 0;
    (void)c.ike.Initiate(k + 1, g->now);
    g->Exchange(c);
    const int64_t handshake_ns = g->responder_ns;
    const bench::AllocCounts handshake_allocs = g->responder_allocs;
    if (c.host.children_up != 1 || g->ike.ike_sa_count() != n + 1) {
      state.SkipWithError("handshake failed");
      break;
    }
    c.ike.Shutdown(g->now);  // the peer's Deletes: not part of the figure
    g->Exchange(c);
    g->responder_allocs = handshake_allocs;
    if (g->ike.ike_sa_count() != n) {
      state.SkipWithError("the peer's ISAKMP SA stayed");
      break;
    }
    state.SetIterationTime(static_cast<double>(handshake_ns) * 1e-9);
  }
  state.counters["isakmp_sas"] = static_cast<double>(n);
  const auto per = [&](uint64_t v) {
    return benchmark::Counter(static_cast<double>(v), benchmark::Counter::kAvgIterations);
  };
  state.counters["allocs"] = per(g->responder_allocs.cxx);
  if (bench::OpensslCounted()) state.counters["ossl_allocs"] = per(g->responder_allocs.openssl);
}

BENCHMARK(BM_Ikev1ResponderLoad)
    ->Arg(1000)
    ->Arg(10000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tunnelisa
