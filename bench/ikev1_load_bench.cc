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

using Gateway = bench::LoadGatewayOf<ike::v1::Ikev1Manager>;

void BM_Ikev1ResponderLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  Gateway* g = bench::HeldGateway<ike::v1::Ikev1Manager>(
      n, [] { return std::make_unique<Gateway>(V1Options(), GatewayPeer()); }, &ClientPeer);
  bench::RunResponderLoad(state, g, n, &ClientPeer, "isakmp_sas");
}

BENCHMARK(BM_Ikev1ResponderLoad)
    ->Arg(1000)
    ->Arg(10000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tunnelisa
