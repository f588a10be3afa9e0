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
// It measures the IkeManager with a real data plane rather than a whole Engine: setting up
// 100k ipsec-gw sessions through an Engine is dominated today by per-session work there
// (every new session relinks every session's routes), which section 1 fixes separately.
#include <benchmark/benchmark.h>
#include <openssl/rand.h>
#include <time.h>

#include <array>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_ike_host.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa {
namespace {

struct Datagram {
  ike::IkeEndpoint from, to;
  std::vector<uint8_t> bytes;
};

// LoadHost: one side's IkeHost: datagrams into `out`, with their endpoints.
class LoadHost final : public bench::EspIkeHost {
 public:
  explicit LoadHost(std::deque<Datagram>* out) : out_(out) {}
  void SendIke(const ike::IkeEndpoint& local, const ike::IkeEndpoint& remote,
               std::span<const uint8_t> datagram) override {
    out_->push_back({local, remote, {datagram.begin(), datagram.end()}});
  }

 private:
  std::deque<Datagram>* out_;
};

const IpAddress& GatewayAddress() {
  static const IpAddress a = *IpAddress::Parse("192.0.2.2");
  return a;
}

// PeerAddress: peer k's own address, 10.0.0.1 onwards (16M distinct).
IpAddress PeerAddress(uint64_t k) {
  const uint64_t v = k + 1;
  return *IpAddress::Parse(
      absl::StrCat("10.", (v >> 16) & 0xff, ".", (v >> 8) & 0xff, ".", v & 0xff));
}

std::shared_ptr<const SecretBytes> Psk() {
  static const std::array<uint8_t, 12> kPsk = {'l', 'o', 'a', 'd', '-', 'p',
                                               's', 'k', '-', '1', '4'};
  static const auto psk = std::make_shared<const SecretBytes>(kPsk);
  return psk;
}

void Suites(ike::IkePeerConfig& p) {
  p.auth = ike::PskAuthenticator::Both(Psk());
  p.ike = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kHmacSha256_128,
           DhGroup::kCurve25519};
  p.child = {{EspSuite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, {}}};
}

// The gateway: an ipsec-gw on 192.0.2.2 (no remote address: any peer with the PSK).
ike::IkePeerConfig GatewayPeer() {
  ike::IkePeerConfig p;
  p.id = 1;
  p.name = "ipsec-gw gw1";
  p.local = GatewayAddress();
  p.local_id = ike::IdPayload::FromAddress(p.local);
  Suites(p);
  return p;
}

// ClientPeer: peer k as its own initiator sees the gateway (id k + 1 in its IkeManager).
ike::IkePeerConfig ClientPeer(uint64_t k) {
  ike::IkePeerConfig p;
  p.id = k + 1;
  p.name = absl::StrCat("client ", k);
  p.local = PeerAddress(k);
  p.remote = GatewayAddress();
  p.local_id = ike::IdPayload::FromAddress(p.local);
  Suites(p);
  return p;
}

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Clients: one IkeManager initiating for a batch of peers.
struct Clients {
  std::deque<Datagram> to_gateway;
  LoadHost host{&to_gateway};
  ike::IkeManager ike;
  explicit Clients(const ike::IkeOptions& options) : ike(&host, options) {}
};

// Gateway: the responder under load, with `held` IKE SAs set up.
struct Gateway {
  std::deque<Datagram> to_clients;
  LoadHost host{&to_clients};
  ike::IkeManager ike;
  ike::IkeOptions options;
  MonoTime now = MonoTime{} + Duration::Seconds(1);
  uint64_t next_peer = 0;  // the next fresh peer address
  int64_t responder_ns = 0;
  bool rearm_timer = true;  // call OnTimer after every datagram, as a host does

  explicit Gateway(const ike::IkeOptions& o) : ike(&host, o), options(o) {
    ike.SetPeers({GatewayPeer()}, now);
  }

  // Exchange: delivers datagrams both ways until both sides are quiet (bounded).
  void Exchange(Clients& c) {
    for (int round = 0; round < 64 && (!c.to_gateway.empty() || !to_clients.empty()); ++round) {
      while (!c.to_gateway.empty()) {
        Datagram d = std::move(c.to_gateway.front());
        c.to_gateway.pop_front();
        const int64_t t0 = ThreadCpuNs();
        ike.OnDatagram(d.to, d.from, d.bytes, false, now);
        if (rearm_timer) benchmark::DoNotOptimize(ike.OnTimer(now));
        responder_ns += ThreadCpuNs() - t0;
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
    for (uint64_t done = 0; done < count;) {
      const uint64_t m = std::min(batch, count - done);
      Clients c(options);
      std::vector<ike::IkePeerConfig> peers;
      for (uint64_t k = 0; k < m; ++k) peers.push_back(ClientPeer(next_peer + k));
      c.ike.SetPeers(peers, now);
      for (uint64_t k = 0; k < m; ++k) (void)c.ike.Initiate(next_peer + k + 1, now);
      Exchange(c);
      if (c.host.children_up != m) return false;
      next_peer += m;
      done += m;
    }
    rearm_timer = true;
    return true;
  }
};

ike::IkeOptions LoadOptions() {
  ike::IkeOptions o;
  // Setup runs many handshakes at once from one host: no COOKIE round trips or refusals.
  o.cookie_threshold = std::numeric_limits<size_t>::max();
  o.half_open_limit = std::numeric_limits<size_t>::max();
  return o;
}

// The gateway of the current n, kept across the benchmark's repetitions (setup at 100k takes
// a while); another n replaces it.
Gateway* GatewayHolding(uint64_t n) {
  static std::unique_ptr<Gateway> gateway;
  static uint64_t held = 0;
  if (gateway == nullptr || held != n) {
    gateway.reset();
    gateway = std::make_unique<Gateway>(LoadOptions());
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
  for (auto _ : state) {
    Clients c(g->options);
    const uint64_t k = g->next_peer++;
    c.ike.SetPeers({ClientPeer(k)}, g->now);
    g->responder_ns = 0;
    (void)c.ike.Initiate(k + 1, g->now);
    g->Exchange(c);
    const int64_t handshake_ns = g->responder_ns;
    if (c.host.children_up != 1 || g->ike.ike_sa_count() != n + 1) {
      state.SkipWithError("handshake failed");
      break;
    }
    // The peer leaves again (its Delete; not part of the figure).
    c.ike.Shutdown(g->now);
    g->Exchange(c);
    if (g->ike.ike_sa_count() != n) {
      state.SkipWithError("the peer's IKE SA stayed");
      break;
    }
    state.SetIterationTime(static_cast<double>(handshake_ns) * 1e-9);
  }
  state.counters["ike_sas"] = static_cast<double>(n);
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
