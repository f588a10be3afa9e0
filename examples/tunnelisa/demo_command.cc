// `tunnelisa demo`: the project's showcase. Two in-process endpoints ("west" and "east"), each
// an EspDataplane with a manual-keyed SA pair per ESP suite (the guide's "Manual Keying"),
// pass traffic both ways through every suite, then print per-suite counters and throughput.
// Then two routers configured from text (the guide's Figure 27 Router A and its mirror), each
// an Engine, negotiate their IPsec tunnel with IKEv1 Main Mode and a pre-shared key, exactly
// as the guide's text says, and pass traffic over GRE over IPsec, plain GRE and IP-IP; it
// prints the IKE session, `show ip tunnel`,
// `show ipsec tunnel`, counters and throughput.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "demo_configs.h"
#include "examples/tunnelisa/args.h"
#include "examples/tunnelisa/command.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa::cli {
namespace {

struct DemoSuite {
  const char* label;
  EspSuite suite;
};

constexpr DemoSuite kSuites[] = {
    {"aes128gcm16", {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}},
    {"aes256gcm16", {EncryptionAlgorithm::kAes256Gcm16, IntegrityAlgorithm::kNone}},
    {"chacha20poly1305", {EncryptionAlgorithm::kChaCha20Poly1305, IntegrityAlgorithm::kNone}},
    {"aes128-sha256", {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128}},
    {"aes256-sha512", {EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha512_256}},
    {"3des-sha1", {EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacSha1_96}},
};

constexpr size_t kBurst = 32;

// Deterministic demo keys: the same bytes on both ends, as an operator would type them.
SecretBytes DemoKey(size_t size, uint8_t seed) {
  SecretBytes k(size);
  for (size_t i = 0; i < size; ++i) k.mutable_span()[i] = static_cast<uint8_t>(seed ^ (i * 13));
  return k;
}

SaConfig Config(EspSuite suite, SaDirection dir, uint32_t spi, const IpAddress& local,
                const IpAddress& remote) {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.suite = suite;
  c.enc_key = DemoKey(GetEncryptionInfo(suite.enc).keymat_size(), static_cast<uint8_t>(spi));
  c.auth_key = DemoKey(GetIntegrityInfo(suite.integ).key_size, static_cast<uint8_t>(spi >> 8));
  c.local = local;
  c.remote = remote;
  c.replay_window = 1024;
  return c;
}

// Endpoint: one side of the demo: a data plane plus its two SA handles for a suite.
struct Endpoint {
  std::unique_ptr<EspDataplane> dp;
  SaHandle out;
  SaHandle in;
};

// SetIpv4Checksum: fills in the header checksum of the IPv4 header at p.
void SetIpv4Checksum(uint8_t* p) {
  p[10] = p[11] = 0;
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  p[10] = static_cast<uint8_t>(~sum >> 8);
  p[11] = static_cast<uint8_t>(~sum);
}

// InnerPacket: an IPv4 UDP packet of `size` bytes from `src` to `dst`.
void WriteInner(uint8_t* p, size_t size, uint32_t src, uint32_t dst, uint32_t n) {
  std::memset(p, 0, size);
  p[0] = 0x45;
  p[2] = static_cast<uint8_t>(size >> 8);
  p[3] = static_cast<uint8_t>(size);
  p[8] = 64;
  p[9] = 17;
  for (int i = 0; i < 4; ++i) {
    p[12 + i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    p[16 + i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  uint16_t udp_len = static_cast<uint16_t>(size - 20);
  p[24] = static_cast<uint8_t>(udp_len >> 8);
  p[25] = static_cast<uint8_t>(udp_len);
  std::memcpy(p + 28, &n, std::min<size_t>(4, size - 28));
}

struct Result {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  uint64_t drops = 0;
  bool verified = true;
};

// Pump: sends bursts from `from` to `to` for `budget` seconds; checks every delivered packet.
Result Pump(Endpoint& from, Endpoint& to, size_t size, double budget, uint32_t src, uint32_t dst) {
  std::vector<uint8_t> storage(kBurst * 2048);
  std::vector<PacketRef> refs(kBurst);
  std::vector<Verdict> verdicts(kBurst);
  Result r;
  auto start = std::chrono::steady_clock::now();
  uint32_t n = 0;
  // Bounded: at most 2^24 bursts, and stops once the time budget is used.
  for (int burst = 0; burst < (1 << 24); ++burst) {
    for (size_t i = 0; i < kBurst; ++i) {
      refs[i] = PacketRef::WithHeadroom(storage.data() + i * 2048, 2048, kPacketHeadroom);
      WriteInner(refs[i].Append(static_cast<uint32_t>(size)), size, src, dst, n + i);
    }
    MonoTime now{std::chrono::steady_clock::now().time_since_epoch().count()};
    from.dp->Encrypt(from.out, refs, verdicts, now);
    to.dp->Decrypt(refs, verdicts, now);
    for (size_t i = 0; i < kBurst; ++i) {
      if (verdicts[i].action != Verdict::Action::kDeliver) {
        ++r.drops;
        continue;
      }
      uint32_t got;
      std::memcpy(&got, refs[i].data() + 28, 4);
      r.verified &= refs[i].length == size && got == n + i;
      ++r.packets;
      r.bytes += size;
    }
    n += kBurst;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.seconds >= budget) break;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Part two: two routers (the guide's Figure 27 Router A and its mirror Router B, the same
// configurations as tests/vectors/engine/figure27_ikev1_{a,b}.cfg: IKEv1 Main Mode with a
// pre-shared key, as the guide writes it), each an Engine, wired back to back in memory: GRE
// over IPsec, plain GRE and IP-IP, both ways. Router A's host asks for the tunnel
// (Engine::Initiate), as an operator's `admin ipsec tunnel ... establish` would.
// ---------------------------------------------------------------------------------------------

// kRouterA / kRouterB come from demo_configs.h (generated from those files).

// DemoWire: a router's Transport. Public packets are copied into `queue` (the other router's
// next input); private deliveries are checked against the expected size and sequence tags.
class DemoWire final : public Transport {
 public:
  void SendPublic(const Egress&, const PacketRef& p) override {
    if (queued == queue.size()) queue.emplace_back();
    queue[queued++].assign(p.data(), p.data() + p.length);
  }
  void DeliverPrivate(const Egress&, const PacketRef& p) override {
    uint32_t tag = 0;
    if (p.length == expected_size) std::memcpy(&tag, p.data() + 28, 4);
    if (p.length == expected_size && tag == next_tag) {
      ++next_tag;
      ++verified;
    } else {
      ++mismatched;
    }
  }
  std::vector<std::vector<uint8_t>> queue;  // reused across bursts (no reallocation)
  size_t queued = 0;
  size_t expected_size = 0;
  uint32_t next_tag = 0;
  uint64_t verified = 0;
  uint64_t mismatched = 0;
};

struct DemoRouter {
  const char* name;
  DemoWire wire;
  std::unique_ptr<Engine> engine;
};

absl::Status BuildRouter(DemoRouter& r, std::string_view text, CryptoRegistry* registry) {
  config::LoadResult loaded = config::LoadConfigText(text, r.name);
  if (!loaded.ok()) return absl::InvalidArgumentError(loaded.errors.front().ToString());
  absl::StatusOr<std::unique_ptr<Engine>> e =
      Engine::Create({.crypto = registry, .host = {.transport = &r.wire}});
  if (!e.ok()) return e.status();
  r.engine = *std::move(e);
  return r.engine->ApplyConfig(loaded.config, MonoTime{});
}

// Deliver: `from`'s queued public packets into `to`; IKE datagrams (kToControl) go to the
// control plane as a host would hand them. Returns how many packets moved.
size_t Deliver(DemoRouter& from, DemoRouter& to, MonoTime now) {
  const size_t n = from.wire.queued;
  std::vector<std::vector<uint8_t>> packets(from.wire.queue.begin(),
                                            from.wire.queue.begin() + static_cast<long>(n));
  from.wire.queued = 0;
  for (const std::vector<uint8_t>& q : packets) {
    std::vector<uint8_t> buffer(kPacketHeadroom + q.size() + kPacketTailroom);
    PacketRef p = PacketRef::WithHeadroom(buffer.data(), static_cast<uint32_t>(buffer.size()),
                                          kPacketHeadroom);
    std::memcpy(p.Append(static_cast<uint32_t>(q.size())), q.data(), q.size());
    EngineVerdict v;
    to.engine->OnPublicPackets({&p, 1}, {&v, 1}, now);
    if (v.action == Verdict::Action::kToControl) to.engine->OnControlPacket(p, now);
  }
  return n;
}

// Negotiate: runs IKE between the routers until they are quiet (bounded: 16 rounds).
void Negotiate(DemoRouter& a, DemoRouter& b) {
  const MonoTime now{std::chrono::steady_clock::now().time_since_epoch().count()};
  for (int round = 0; round < 16; ++round) {
    if (Deliver(a, b, now) + Deliver(b, a, now) == 0) break;
  }
}

struct DemoPath {
  const char* label;
  uint32_t service;
  uint32_t a_lan;  // host in Router A's LAN; Router B's is a_lan + 0x100
};

constexpr DemoPath kPaths[] = {
    {"gre-over-ipsec", 101, 0xac10010a},  // 172.16.1.10 <-> 172.16.2.10
    {"gre", 102, 0xac11010a},             // 172.17.1.10 <-> 172.17.2.10
    {"ip-ip", 102, 0xac12010a},           // 172.18.1.10 <-> 172.18.2.10
};

// RouterPump: bursts from `from`'s LAN into its service, across the wire, out of `to`'s LAN,
// for `budget` seconds.
Result RouterPump(DemoRouter& from, DemoRouter& to, const DemoPath& path, uint32_t src,
                  uint32_t dst, size_t size, double budget) {
  std::vector<uint8_t> storage(kBurst * 2048);
  std::vector<PacketRef> refs(kBurst);
  std::vector<EngineVerdict> verdicts(kBurst);
  to.wire.expected_size = size;
  to.wire.next_tag = 0;
  to.wire.verified = to.wire.mismatched = 0;
  Result r;
  auto start = std::chrono::steady_clock::now();
  uint32_t n = 0;
  // Bounded: at most 2^24 bursts, and stops once the time budget is used.
  for (int burst = 0; burst < (1 << 24); ++burst) {
    for (size_t i = 0; i < kBurst; ++i) {
      refs[i] = PacketRef::WithHeadroom(storage.data() + i * 2048, 2048, kPacketHeadroom);
      uint8_t* p = refs[i].Append(static_cast<uint32_t>(size));
      WriteInner(p, size, src, dst, n + static_cast<uint32_t>(i));
      SetIpv4Checksum(p);
    }
    MonoTime now{std::chrono::steady_clock::now().time_since_epoch().count()};
    from.wire.queued = 0;
    from.engine->OnPrivatePackets(path.service, refs, verdicts, now);
    for (const EngineVerdict& v : verdicts) r.drops += v.dropped() ? 1 : 0;
    const size_t out = std::min(from.wire.queued, kBurst);
    for (size_t i = 0; i < out; ++i) {
      refs[i] = PacketRef::WithHeadroom(storage.data() + i * 2048, 2048, kPacketHeadroom);
      const std::vector<uint8_t>& q = from.wire.queue[i];
      std::memcpy(refs[i].Append(static_cast<uint32_t>(q.size())), q.data(), q.size());
    }
    to.engine->OnPublicPackets(std::span(refs).first(out), verdicts, now);
    for (size_t i = 0; i < out; ++i) r.drops += verdicts[i].dropped() ? 1 : 0;
    n += kBurst;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.seconds >= budget) break;
  }
  r.packets = to.wire.verified;
  r.bytes = to.wire.verified * size;
  r.verified = to.wire.mismatched == 0 && to.wire.verified == n;
  return r;
}

void PrintShow(DemoRouter& r, std::vector<std::string> words) {
  absl::StatusOr<std::string> out = r.engine->Show(words);
  std::printf("%s# show %s\n%s\n", r.name, absl::StrJoin(words, " ").c_str(),
              out.ok() ? out->c_str() : std::string(out.status().message()).c_str());
}

void PrintTunnelCounters(DemoRouter& r) {
  std::printf("%s tunnel counters (payload packets/octets):\n", r.name);
  for (const auto& [sid, s] : r.engine->config().services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      auto print = [&](const char* kind, const std::string& name,
                       std::optional<TrafficCounters> t) {
        if (!t) return;
        std::printf("  %-13s %-32s in %10llu / %12llu  out %10llu / %12llu\n", kind, name.c_str(),
                    static_cast<unsigned long long>(t->in_packets),
                    static_cast<unsigned long long>(t->in_octets),
                    static_cast<unsigned long long>(t->out_packets),
                    static_cast<unsigned long long>(t->out_octets));
      };
      if (i.sap->ip_tunnel) {
        print("ip-tunnel", i.sap->ip_tunnel->name,
              r.engine->IpTunnelTraffic({sid, i.sap->ip_tunnel->name}));
      }
      for (const auto& [name, t] : i.sap->ipsec_tunnels) {
        print("ipsec-tunnel", name, r.engine->IpsecTunnelTraffic({sid, name}));
      }
    }
  }
  const EngineCounters& c = r.engine->counters();
  std::printf("  engine: %llu public in, %llu private in, %llu sent, %llu delivered, %llu drops\n",
              static_cast<unsigned long long>(c.public_in),
              static_cast<unsigned long long>(c.private_in),
              static_cast<unsigned long long>(c.sent_public),
              static_cast<unsigned long long>(c.delivered_private),
              static_cast<unsigned long long>(c.total_drops()));
}

// RunRouters: part two; returns the number of failures.
int RunRouters(CryptoRegistry* registry, double budget) {
  DemoRouter a{"router-a", {}, nullptr};
  DemoRouter b{"router-b", {}, nullptr};
  for (auto [router, text] : {std::pair{&a, kRouterA}, std::pair{&b, kRouterB}}) {
    if (absl::Status s = BuildRouter(*router, text, registry); !s.ok()) {
      std::printf("%s: %s\n", router->name, std::string(s.message()).c_str());
      return 1;
    }
  }
  const auto ike_start = std::chrono::steady_clock::now();
  const config::TunnelKey figure27{101, "ipsec-tunnel-for-n-gre-tunnels"};
  if (absl::Status s = a.engine->Initiate(
          figure27, MonoTime{std::chrono::steady_clock::now().time_since_epoch().count()});
      !s.ok()) {
    std::printf("router-a: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  Negotiate(a, b);
  const double ike_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ike_start)
          .count();
  std::vector<Engine::SessionRecord> sessions = a.engine->IkeSessions();
  if (sessions.empty()) {
    std::printf("\nFigure 27: IKEv1 did not establish the IPsec tunnel\n");
    return 1;
  }
  std::printf(
      "\nFigure 27: IKEv1 (main mode, pre-shared key) established %s with peer %s in %.1f ms: %s\n",
      sessions[0].tunnel.c_str(), sessions[0].peer_id.c_str(), ike_ms,
      sessions[0].algorithms.c_str());
  constexpr size_t kSize = 1000;  // fits plain-ipip's ip-mtu 1000 unfragmented
  std::printf(
      "Figure 27: router-a <-> router-b, GRE over IPsec (IKEv1 keys), plain GRE and IP-IP; "
      "%zu-byte packets, bursts of %zu\n\n",
      kSize, kBurst);
  std::printf("%-18s %-10s %12s %10s %10s %8s\n", "path", "direction", "packets", "Mpps", "Gbit/s",
              "drops");
  int failures = 0;
  for (const DemoPath& path : kPaths) {
    Result ab = RouterPump(a, b, path, path.a_lan, path.a_lan + 0x100, kSize, budget);
    Result ba = RouterPump(b, a, path, path.a_lan + 0x100, path.a_lan, kSize, budget);
    for (const auto& [dir, r] : {std::pair{"a>b", ab}, std::pair{"b>a", ba}}) {
      double pps = r.seconds > 0 ? static_cast<double>(r.packets) / r.seconds : 0;
      std::printf("%-18s %-10s %12llu %10.3f %10.2f %8llu%s\n", path.label, dir,
                  static_cast<unsigned long long>(r.packets), pps / 1e6,
                  pps * static_cast<double>(kSize) * 8 / 1e9,
                  static_cast<unsigned long long>(r.drops), r.verified ? "" : "  PAYLOAD MISMATCH");
      if (!r.verified || r.drops != 0 || r.packets == 0) ++failures;
    }
  }
  std::printf("\n");
  PrintShow(a, {"ip", "tunnel"});
  PrintShow(a, {"ipsec", "tunnel"});
  PrintShow(a, {"ipsec", "tunnel", "ipsec-tunnel-for-n-gre-tunnels"});
  PrintTunnelCounters(a);
  PrintTunnelCounters(b);
  return failures;
}

}  // namespace

int RunDemo(std::span<const std::string_view> args) {
  constexpr ArgOption kOptions[] = {{"ms", true}, {"size", true}, {"help", false}};
  absl::StatusOr<Args> a = Args::Parse(args, kOptions);
  if (!a.ok()) {
    std::fprintf(stderr, "tunnelisa demo: %s\n", std::string(a.status().message()).c_str());
    return 2;
  }
  if (a->Has("help")) {
    std::printf(
        "usage: tunnelisa demo [--ms MILLISECONDS_PER_DIRECTION (default 300)] [--size BYTES "
        "(default 1420)]\n");
    return 0;
  }
  absl::StatusOr<std::optional<uint64_t>> ms = a->GetUint("ms", 60000);
  absl::StatusOr<std::optional<uint64_t>> size = a->GetUint("size", 1500);
  if (!ms.ok() || !size.ok()) {
    std::fprintf(stderr, "tunnelisa demo: %s\n",
                 std::string((!ms.ok() ? ms.status() : size.status()).message()).c_str());
    return 2;
  }
  const double budget = static_cast<double>(ms->value_or(300)) / 1000.0;
  const size_t bytes = size->value_or(1420);
  if (bytes < 32) {
    std::fprintf(stderr, "tunnelisa demo: --size must be at least 32\n");
    return 2;
  }

  std::unique_ptr<CryptoRegistry> registry = CryptoRegistry::CreateDefault();
  const IpAddress west = *IpAddress::Parse("192.0.2.1");
  const IpAddress east = *IpAddress::Parse("192.0.2.2");
  std::printf(
      "tunnelisa demo: west %s <-> east %s, ESP tunnel mode, manual keys, %zu-byte "
      "packets, bursts of %zu\n\n",
      west.ToString().c_str(), east.ToString().c_str(), bytes, kBurst);
  // The registered crypto backends (library, version, code path); the `backend` column below
  // is the one the registry picked for each suite.
  std::printf("crypto backends:\n");
  std::string described = registry->Describe();
  for (size_t pos = 0; pos < described.size();) {
    size_t end = described.find('\n', pos);
    if (end == std::string::npos) end = described.size();
    std::printf("  %s\n", described.substr(pos, end - pos).c_str());
    pos = end + 1;
  }
  std::printf("\n");
  std::printf("%-18s %-10s %12s %10s %10s %8s %s\n", "suite", "direction", "packets", "Mpps",
              "Gbit/s", "drops", "backend");
  int failures = 0;
  for (size_t s = 0; s < std::size(kSuites); ++s) {
    const DemoSuite& d = kSuites[s];
    std::fprintf(stderr, "\r[%zu/%zu] %-20s", s + 1, std::size(kSuites), d.label);
    Endpoint w, e;
    w.dp = EspDataplane::Create({.crypto = registry.get()}).value();
    e.dp = EspDataplane::Create({.crypto = registry.get()}).value();
    uint32_t spi_we = 0x1000 + static_cast<uint32_t>(s) * 2, spi_ew = spi_we + 1;
    absl::StatusOr<SaHandle> h[4] = {
        w.dp->Install(Config(d.suite, SaDirection::kOutbound, spi_we, west, east), MonoTime{}),
        e.dp->Install(Config(d.suite, SaDirection::kInbound, spi_we, east, west), MonoTime{}),
        e.dp->Install(Config(d.suite, SaDirection::kOutbound, spi_ew, east, west), MonoTime{}),
        w.dp->Install(Config(d.suite, SaDirection::kInbound, spi_ew, west, east), MonoTime{})};
    bool ok = true;
    for (auto& x : h) {
      if (!x.ok()) {
        std::printf("%-18s cannot install: %s\n", d.label,
                    std::string(x.status().message()).c_str());
        ok = false;
        break;
      }
    }
    if (!ok) {
      ++failures;
      continue;
    }
    w.out = *h[0];
    e.in = *h[1];
    e.out = *h[2];
    w.in = *h[3];
    std::string backend(registry->Select(d.suite).value()->name());
    Result we = Pump(w, e, bytes, budget, 0x0a000101, 0x0a000201);
    Result ew = Pump(e, w, bytes, budget, 0x0a000201, 0x0a000101);
    for (const auto& [dir, r] : {std::pair{"west>east", we}, std::pair{"east>west", ew}}) {
      double pps = r.seconds > 0 ? static_cast<double>(r.packets) / r.seconds : 0;
      std::printf("%-18s %-10s %12llu %10.3f %10.2f %8llu %s%s\n", d.label, dir,
                  static_cast<unsigned long long>(r.packets), pps / 1e6,
                  pps * static_cast<double>(bytes) * 8 / 1e9,
                  static_cast<unsigned long long>(r.drops), backend.c_str(),
                  r.verified ? "" : "  PAYLOAD MISMATCH");
      if (!r.verified || r.drops != 0 || r.packets == 0) ++failures;
    }
    // Counters as the data plane keeps them.
    SaStats in_e = e.dp->Query(e.in).value();
    if (in_e.packets != we.packets) ++failures;
  }
  std::fprintf(stderr, "\r%40s\r", "");
  failures += RunRouters(registry.get(), budget / 3);
  std::printf(
      "\n%s: every suite and every Figure 27 path carried traffic both ways; payloads verified "
      "end to end.\n",
      failures == 0 ? "OK" : "FAILED");
  return failures == 0 ? 0 : 1;
}

}  // namespace tunnelisa::cli
