// BM_IkeResponderLoad/<n> (issue 14 section 1): what one more IKEv2 handshake costs a
// responder that already holds n IKE SAs. One IkeManager answers as an ipsec-gw (any peer,
// PSK, x25519, IKE and ESP aes128gcm16) with its CHILD SAs installed into a real ESP data
// plane; n distinct peers (one address each) are set up first, untimed and once per process
// for each n. Each iteration is then a whole handshake (IKE_SA_INIT + IKE_AUTH with one CHILD
// SA) from a new peer; the peer deletes its IKE SA again afterwards (untimed), so n stays n.
//
// The figure is the responder's own CPU time per completed handshake (thread CPU time around
// its OnDatagram and OnTimer calls, reported as manual time); the initiators' work is not in
// it. Like `tunnelisa run`, the host re-arms its timer (OnTimer) after every datagram it hands
// to IKE, so per-tick costs that grow with n show up here.
//
// Counters: allocs = the responder's C++ heap allocations per handshake, ossl_allocs =
// OpenSSL's (bench/alloc_count.h), both counted inside the same timed calls.
//
// It measures the IkeManager with a real data plane rather than a whole Engine; the same
// handshakes through an Engine are BM_EngineIkeResponderLoad (bench/ike_engine_load_bench.cc).
#include <benchmark/benchmark.h>

#include <deque>
#include <limits>
#include <memory>
#include <vector>

#include "bench/alloc_count.h"
#include "bench/ike_load_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa {
namespace {

using bench::Datagram;
using bench::LoadHost;
using bench::ThreadCpuNs;
using Clients = bench::LoadClients;

ike::IkePeerConfig ClientPeer(uint64_t k) { return bench::LoadClientPeer(k); }

// The gateway: an ipsec-gw on 192.0.2.2 (no remote address: any peer with the PSK).
ike::IkePeerConfig GatewayPeer() {
  ike::IkePeerConfig p;
  p.id = 1;
  p.name = "ipsec-gw gw1";
  p.local = bench::LoadGatewayAddress();
  p.local_id = ike::IdPayload::FromAddress(p.local);
  bench::LoadSuites(p);
  return p;
}

// Gateway: the responder under load, with `held` IKE SAs set up.
struct Gateway {
  std::deque<Datagram> to_clients;
  LoadHost host{&to_clients};
  ike::IkeManager ike;
  ike::IkeOptions options;
  MonoTime now = MonoTime{} + Duration::Seconds(1);
  uint64_t next_peer = 0;  // the next fresh peer address
  int64_t responder_ns = 0;
  bench::AllocCounts responder_allocs;  // made inside the timed calls
  bool rearm_timer = true;              // call OnTimer after every datagram, as a host does

  explicit Gateway(const ike::IkeOptions& o) : ike(&host, o), options(o) {
    ike.SetPeers({GatewayPeer()}, now);
  }

  // Exchange: delivers datagrams both ways until both sides are quiet (bounded).
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

  // Connect: `count` fresh peers, `batch` at a time, each ends with an IKE SA and a CHILD SA on
  // the gateway; the clients' side is thrown away (their SAs stay on the gateway). False if a
  // handshake failed.
  bool Connect(uint64_t count, uint64_t batch) {
    rearm_timer = false;  // setup: the timer is not what is looked at here
    if (!bench::ConnectInBatches(count, batch, next_peer, options, now, &ClientPeer,
                                 [this](bench::LoadClients& c) { Exchange(c); })) {
      return false;
    }
    rearm_timer = true;
    return true;
  }
};

// The gateway of the current n, kept across the benchmark's repetitions (setup at 100k takes
// a while); another n replaces it.
Gateway* GatewayHolding(uint64_t n) {
  static std::unique_ptr<Gateway> gateway;
  static uint64_t held = 0;
  if (gateway == nullptr || held != n) {
    gateway.reset();
    gateway = std::make_unique<Gateway>(bench::LoadOptions());
    held = n;
    if (!gateway->Connect(n, 512)) {
      gateway.reset();
      return nullptr;
    }
  }
  return gateway.get();
}

void BM_IkeResponderLoad(benchmark::State& state) {
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
  state.counters["ike_sas"] = static_cast<double>(n);
  const auto per = [&](uint64_t v) {
    return benchmark::Counter(static_cast<double>(v), benchmark::Counter::kAvgIterations);
  };
  // (The peer's Delete, untimed, is not in them: only the handshake's own calls count.)
  state.counters["allocs"] = per(g->responder_allocs.cxx);
  if (bench::OpensslCounted()) state.counters["ossl_allocs"] = per(g->responder_allocs.openssl);
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_IkeResponderLoad)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tunnelisa
