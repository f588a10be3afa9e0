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

using Gateway = bench::LoadGatewayOf<ike::IkeManager>;

void BM_IkeResponderLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  Gateway* g = bench::HeldGateway<ike::IkeManager>(
      n, [] { return std::make_unique<Gateway>(bench::LoadOptions(), GatewayPeer()); },
      &ClientPeer);
  bench::RunResponderLoad(state, g, n, &ClientPeer, "ike_sas");
}

BENCHMARK(BM_IkeResponderLoad)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tunnelisa
