// BM_EngineIkeResponderLoad/<n> (issue 14 section 1): BM_IkeResponderLoad's handshakes, but
// answered by a whole Engine configured as `tunnelisa run` would be for an ipsec-gw responder
// (bench/ike_vs_charon.sh's configuration: ipsec-gw "gw" in IES 100, PSK, x25519, IKE and ESP
// aes128gcm16, sessions routed into VPRN 101). The gateway already holds n ipsec-gw sessions
// (n distinct peers, one address each, each with one IKE SA and one CHILD SA, its selector
// routed into VPRN 101), set up untimed and once per process for each n. Each iteration is a
// whole handshake from a new peer (IKE_SA_INIT + IKE_AUTH with one CHILD SA), which then
// deletes its IKE SA again (untimed), so n stays n.
//
// The figure is the gateway's own thread CPU time per completed handshake: around the calls
// a host makes for each datagram (OnPublicPackets, which hands IKE to the control path,
// OnControlPacket, and then OnTimer, as `tunnelisa run` re-arms its timer after each batch of
// control packets), reported as manual time; the initiators' work is not in it. Beside
// BM_IkeResponderLoad it shows what the Engine adds per session: the session's tunnel state,
// its routes, the SA installs through the ISA slot, accounting and the session log.
//
// Counters: allocs / ossl_allocs as in BM_IkeResponderLoad; setup_s = the wall time the n
// sessions took to set up (the initiators' work included).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/alloc_count.h"
#include "bench/ike_load_util.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa {
namespace {

using bench::Datagram;
using bench::ThreadCpuNs;
using dataplane::Store16;

// The gateway's configuration: bench/ike_vs_charon.sh's `tunnelisa run` responder, with the
// peers (10.0.0.0/8) behind a next hop on the public subnet.
std::string GatewayConfigText() {
  return absl::StrCat(R"(config isa
  tunnel-group 1 create
    primary 1/1
    no shutdown
  exit
exit all
config ipsec
  ike-policy 1 create
    ike-version 2
    auth-algorithm sha256
    encryption-algorithm aes128gcm16
    dh-group 31
  exit
  ipsec-transform 1
    esp-encryption-algorithm aes128gcm16
  exit
  tunnel-template 1 create
    transform 1
  exit
exit all
config service ies 100 customer 1 create
  interface "public" create
    address 192.0.2.2/24
    sap tunnel-1.public:1 create
      ipsec-gw "gw" create
        gateway-address 192.0.2.2
        ike-policy 1
        pre-shared-key ")",
                      bench::kLoadPskText, R"("
        default-tunnel-template 1
        default-secure-service 101 interface "clients"
        no shutdown
      exit
    exit
  exit
  static-route 10.0.0.0/8 next-hop 192.0.2.9
exit all
config service vprn 101 customer 1 create
  interface "clients" tunnel create
    address 172.16.0.1/24
    sap tunnel-1.private:1 create
    exit
  exit
exit all
)");
}

// Wire: what leaves the gateway: its IKE datagrams (IPv4 / UDP, unpacked for the initiators).
class Wire final : public Transport {
 public:
  explicit Wire(std::deque<Datagram>* out) : out_(out) {}
  void SendPublic(const Egress&, const PacketRef& p) override {
    const uint8_t* d = p.data();
    if (p.length < 28 || (d[0] >> 4) != 4 || d[9] != kProtoUdp) {
      ++other;
      return;
    }
    const size_t ihl = (d[0] & 0x0f) * 4u;
    Datagram g;
    g.from = {IpAddress::V4(dataplane::Load32(d + 12)), dataplane::Load16(d + ihl)};
    g.to = {IpAddress::V4(dataplane::Load32(d + 16)), dataplane::Load16(d + ihl + 2)};
    g.bytes.assign(d + ihl + kUdpHeaderSize, d + p.length);
    out_->push_back(std::move(g));
  }
  void DeliverPrivate(const Egress&, const PacketRef&) override { ++other; }
  uint64_t other = 0;  // anything but IKE (none expected)

 private:
  std::deque<Datagram>* out_;
};

// Gateway: the Engine under load, with n sessions set up.
struct Gateway {
  std::deque<Datagram> to_clients;
  Wire wire{&to_clients};
  std::unique_ptr<Engine> engine;
  ike::IkeOptions client_options;
  MonoTime now = MonoTime{} + Duration::Seconds(1);
  uint64_t next_peer = 0;
  int64_t responder_ns = 0;
  bench::AllocCounts responder_allocs;
  bool rearm_timer = true;
  std::vector<uint8_t> buffer;  // one inbound packet, with the engine's headroom / tailroom
  double setup_s = 0;

  // Deliver: datagram `d` as the host would: an IPv4 / UDP packet into OnPublicPackets, the
  // verdict's IKE to OnControlPacket, then OnTimer.
  void Deliver(const Datagram& d) {
    const auto total = static_cast<uint32_t>(kIpv4HeaderSize + kUdpHeaderSize + d.bytes.size());
    buffer.assign(kPacketHeadroom + total + kPacketTailroom, 0);
    PacketRef p = PacketRef::WithHeadroom(buffer.data(), static_cast<uint32_t>(buffer.size()),
                                          static_cast<uint32_t>(kPacketHeadroom));
    uint8_t* ip = p.Append(total);
    ip[0] = 0x45;
    Store16(ip + 2, static_cast<uint16_t>(total));
    ip[8] = 64;
    ip[9] = kProtoUdp;
    std::memcpy(ip + 12, d.from.address.bytes(), 4);
    std::memcpy(ip + 16, d.to.address.bytes(), 4);
    Store16(ip + 10, dataplane::Ipv4HeaderChecksum(ip));
    uint8_t* udp = ip + kIpv4HeaderSize;
    Store16(udp, d.from.port);
    Store16(udp + 2, d.to.port);
    Store16(udp + 4, static_cast<uint16_t>(kUdpHeaderSize + d.bytes.size()));
    std::memcpy(udp + kUdpHeaderSize, d.bytes.data(), d.bytes.size());
    const bench::AllocCounts a0 = bench::AllocCountsNow();
    const int64_t t0 = ThreadCpuNs();
    EngineVerdict v;
    engine->OnPublicPackets({&p, 1}, {&v, 1}, now);
    if (v.action == Verdict::Action::kToControl) engine->OnControlPacket(p, now);
    if (rearm_timer) benchmark::DoNotOptimize(engine->OnTimer(now));
    responder_ns += ThreadCpuNs() - t0;
    const bench::AllocCounts a1 = bench::AllocCountsNow();
    responder_allocs.cxx += a1.cxx - a0.cxx;
    responder_allocs.openssl += a1.openssl - a0.openssl;
  }

  // Exchange: datagrams both ways until both sides are quiet (bounded).
  void Exchange(bench::LoadClients& c) {
    for (int round = 0; round < 64 && (!c.to_gateway.empty() || !to_clients.empty()); ++round) {
      while (!c.to_gateway.empty()) {
        Datagram d = std::move(c.to_gateway.front());
        c.to_gateway.pop_front();
        Deliver(d);
      }
      while (!to_clients.empty()) {
        Datagram d = std::move(to_clients.front());
        to_clients.pop_front();
        c.ike.OnDatagram(d.to, d.from, d.bytes, false, now);
      }
    }
  }

  uint64_t Sessions() const { return engine->ike_counters().ike_sas; }

  // Connect: `count` fresh peers, `batch` at a time; false if a handshake failed.
  bool Connect(uint64_t count, uint64_t batch) {
    rearm_timer = false;  // setup: the timer is not what is looked at here
    const auto t0 = std::chrono::steady_clock::now();
    if (!bench::ConnectInBatches(count, batch, next_peer, client_options, now, &ClientPeer,
                                 [this](bench::LoadClients& c) { Exchange(c); })) {
      return false;
    }
    setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rearm_timer = true;
    return true;
  }

  // ClientPeer: peer k, its own address its traffic selector (a remote-access client's
  // inner address, routed by the gateway into VPRN 101).
  static ike::IkePeerConfig ClientPeer(uint64_t k) {
    ike::IkePeerConfig p = bench::LoadClientPeer(k);
    p.local_ts = {IpPrefix::Make(p.local, 32)};
    p.remote_ts = {IpPrefix::Make(IpAddress::V4(0), 0)};
    return p;
  }
};

std::unique_ptr<Gateway> MakeGateway(benchmark::State& state) {
  auto g = std::make_unique<Gateway>();
  g->client_options = bench::LoadOptions();
  config::LoadResult loaded = config::LoadConfigText(GatewayConfigText(), "gateway.cfg");
  if (!loaded.ok()) {
    state.SkipWithError(loaded.errors.front().ToString().c_str());
    return nullptr;
  }
  EngineOptions o;
  o.crypto = bench::BenchCryptoRegistry();
  o.host.transport = &g->wire;
  // Setup runs many handshakes at once from one host: no COOKIE round trips or refusals.
  o.ike_cookie_threshold = std::numeric_limits<size_t>::max();
  o.ike_half_open_limit = std::numeric_limits<size_t>::max();
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Create(o);
  if (!e.ok()) {
    state.SkipWithError(e.status().ToString().c_str());
    return nullptr;
  }
  g->engine = *std::move(e);
  if (absl::Status s = g->engine->ApplyConfig(loaded.config, g->now); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return nullptr;
  }
  return g;
}

// The gateway of the current n, kept across repetitions; another n replaces it.
Gateway* GatewayHolding(uint64_t n, benchmark::State& state) {
  static std::unique_ptr<Gateway> gateway;
  static uint64_t held = 0;
  if (gateway == nullptr || held != n) {
    gateway.reset();
    gateway = MakeGateway(state);
    held = n;
    if (gateway == nullptr) return nullptr;
    if (!gateway->Connect(n, 512)) {
      gateway.reset();
      state.SkipWithError("setup failed");
      return nullptr;
    }
  }
  return gateway.get();
}

void BM_EngineIkeResponderLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  Gateway* g = GatewayHolding(n, state);
  if (g == nullptr) return;
  if (g->Sessions() != n) {
    state.SkipWithError("setup left the wrong number of IKE SAs");
    return;
  }
  g->responder_allocs = {};
  for (auto _ : state) {
    bench::LoadClients c(g->client_options);
    const uint64_t k = g->next_peer++;
    c.ike.SetPeers({Gateway::ClientPeer(k)}, g->now);
    g->responder_ns = 0;
    (void)c.ike.Initiate(k + 1, g->now);
    g->Exchange(c);
    const int64_t handshake_ns = g->responder_ns;
    const bench::AllocCounts handshake_allocs = g->responder_allocs;
    if (c.host.children_up != 1 || g->Sessions() != n + 1) {
      state.SkipWithError("handshake failed");
      break;
    }
    // The peer leaves again (its Delete; not part of the figure).
    c.ike.Shutdown(g->now);
    g->Exchange(c);
    g->responder_allocs = handshake_allocs;
    if (g->Sessions() != n) {
      state.SkipWithError("the peer's IKE SA stayed");
      break;
    }
    state.SetIterationTime(static_cast<double>(handshake_ns) * 1e-9);
  }
  const auto per = [&](uint64_t v) {
    return benchmark::Counter(static_cast<double>(v), benchmark::Counter::kAvgIterations);
  };
  state.counters["sessions"] = static_cast<double>(n);
  state.counters["allocs"] = per(g->responder_allocs.cxx);
  if (bench::OpensslCounted()) state.counters["ossl_allocs"] = per(g->responder_allocs.openssl);
  state.counters["setup_s"] = g->setup_s;
  state.counters["not_ike_out"] = static_cast<double>(g->wire.other);
}

BENCHMARK(BM_EngineIkeResponderLoad)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tunnelisa
