// Whole-engine benchmarks, compiled into tunnelisa_bench (esp_bench.cc owns main()): what a
// host calls (Engine::OnPrivatePackets / OnPublicPackets: demultiplexing, routing, the data
// plane, the Transport), beside the data-plane figures of the same suite and size in the same
// binary (BM_EspEncrypt / BM_EspDecrypt / BM_GreEncap), so the report is a ratio.
//
// Benchmarks (one iteration = one burst of kBurst packets; items and bytes per packet, bytes
// are inner IPv4 packet bytes):
//   BM_EngineEncrypt/<suite>/<bytes>[/<backend>]  (OpenSSL unless a backend is named)
//                                     OnPrivatePackets on an engine with kTunnels manual-keyed
//                                     ipsec-tunnels (each its own peer, security policy and
//                                     route); the packets of a burst go to kBurst different
//                                     tunnels, cycling through all of them.
//   BM_EngineDecrypt/<suite>/<bytes>  OnPublicPackets of those ESP packets on the mirror engine:
//                                     demultiplexing, decryption, the inner packet routed to
//                                     the host. Every sequence number fresh.
//   BM_EngineGreEncap/<bytes>         OnPrivatePackets on an engine with kTunnels GRE tunnels,
//                                     one per private tunnel interface, spread the same way.
//   BM_EngineGreDecap/<bytes>         OnPublicPackets of GRE packets from each of those tunnels'
//                                     remotes (beside BM_GreDecap).
//   BM_EspEncryptSpread/<suite>/<bytes>[/<backend>],
//   BM_EspDecryptSpread/<suite>/<bytes>[/<backend>]
//                                     the ESP data plane alone over kTunnels SAs, bursts
//                                     spread as above (one EncryptEach / Decrypt per burst):
//                                     what the SAs' state costs, beside BM_EspEncrypt's one SA.
//   BM_EngineSlots/threads:<n>        n worker threads, each EngineWorker::OnPrivatePackets of
//                                     its own ISA slot (aes128gcm16, 64 bytes): packets per
//                                     second of the engine as a whole.
// The Transport only counts (a host's send is not the engine's cost). The ESP engines pin the
// OpenSSL backend, as BM_EspEncrypt does.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "benchmark/benchmark.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/esp_dataplane.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::bench {
namespace {

constexpr uint32_t kTunnels = 1000;
constexpr uint32_t kPrivateService = 101;

constexpr const char* kSuites[] = {"aes128gcm16",   "aes256gcm16",   "chacha20poly1305",
                                   "aes128-sha256", "aes256-sha512", "3des-sha1"};
constexpr uint32_t kSizes[] = {64, 512, 1420};

// Tunnel k's far LAN: 10.(128 + k / 256).(k % 256).0/24; its peer
// 198.18.(k / 250).(k % 250 + 1). Side A: local gateway 192.0.2.1; side B (the mirror) the
// peer address.
std::string FarLan(uint32_t k) { return absl::StrFormat("10.%d.%d.0/24", 128 + k / 256, k % 256); }
std::string Peer(uint32_t k) { return absl::StrFormat("198.18.%d.%d", k / 250, k % 250 + 1); }

std::string Hex(size_t bytes, uint32_t seed) {
  std::string s = "0x";
  for (size_t i = 0; i < bytes; ++i) absl::StrAppendFormat(&s, "%02x", (seed * 31 + i * 7) & 0xff);
  return s;
}

// EspConfig: kTunnels manual-keyed ipsec-tunnels of `suite` ("aes128gcm16", "aes128-sha256").
std::string EspConfig(std::string_view suite_name, bool side_a) {
  const size_t dash = suite_name.find('-');
  const std::string enc(suite_name.substr(0, dash));
  const std::string auth(dash == std::string_view::npos ? "none" : suite_name.substr(dash + 1));
  const EspSuite suite{*ParseEncryptionAlgorithm(enc),
                       auth == "none" ? IntegrityAlgorithm::kNone : *ParseIntegrityAlgorithm(auth)};
  const size_t enc_bytes = GetEncryptionInfo(suite.enc).keymat_size();
  const size_t auth_bytes = GetIntegrityInfo(suite.integ).key_size;
  std::string c =
      absl::StrCat("config isa tunnel-group 1 create\nprimary 1/1\nno shutdown\nexit all\n",
                   "config ipsec ipsec-transform 1\nesp-encryption-algorithm ", enc,
                   "\nesp-auth-algorithm ", auth, "\nexit all\n",
                   "config service ies 100 customer 1 create\ninterface \"public\" create\n",
                   side_a ? "address 192.0.2.1/24\n" : "address 198.18.255.254/15\n",
                   "sap tunnel-1.public:1 create\nexit\nexit\n",
                   side_a ? "static-route 198.18.0.0/15 next-hop 192.0.2.254\n"
                          : "static-route 192.0.2.0/24 next-hop 198.18.255.253\n",
                   "exit all\n", "config service vprn 101 customer 1 create\n");
  // B delivers the decrypted packets to the host: its LAN holds every far LAN.
  absl::StrAppend(&c, "interface \"lan\" create\naddress ", side_a ? "10.0.0.1/16" : "10.128.0.1/9",
                  "\nexit\n");
  absl::StrAppend(&c, "ipsec\n");
  for (uint32_t k = 0; k < kTunnels; ++k) {
    absl::StrAppend(&c, "security-policy ", k + 1, " create\nentry 1 create\nlocal-ip ",
                    side_a ? "10.0.0.0/16" : FarLan(k), "\nremote-ip ",
                    side_a ? FarLan(k) : "10.0.0.0/16", "\nexit\nexit\n");
  }
  absl::StrAppend(&c, "exit\ninterface \"tunnels\" tunnel create\nsap tunnel-1.private:1 create\n");
  for (uint32_t k = 0; k < kTunnels; ++k) {
    // A sends on SPI 0x20000 + k and receives on 0x10000 + k; B the other way round.
    const uint32_t a_out = 0x20000 + k, a_in = 0x10000 + k;
    auto sa = [&](uint32_t spi, const char* dir) {
      return absl::StrCat("security-association 1",
                          auth_bytes ? " authentication-key " + Hex(auth_bytes, spi + 1) : "",
                          " encryption-key ", Hex(enc_bytes, spi), " spi ", spi,
                          " transform 1 direction ", dir, "\n");
    };
    absl::StrAppend(&c, "ipsec-tunnel \"t", k, "\" create\nsecurity-policy ", k + 1,
                    "\nlocal-gateway-address ", side_a ? "192.0.2.1" : Peer(k), " peer ",
                    side_a ? Peer(k) : "192.0.2.1", " delivery-service 100\nmanual-keying\n",
                    sa(side_a ? a_in : a_out, "inbound"), sa(side_a ? a_out : a_in, "outbound"),
                    "exit\nno shutdown\nexit\n");
  }
  absl::StrAppend(&c, "exit\nexit\n");
  if (side_a) {
    for (uint32_t k = 0; k < kTunnels; ++k) {
      absl::StrAppend(&c, "static-route ", FarLan(k), " next-hop ipsec-tunnel \"t", k, "\"\n");
    }
  }
  absl::StrAppend(&c, "exit all\n");
  return c;
}

// GreConfig: kTunnels GRE tunnels, each on its own private tunnel interface and SAP.
std::string GreConfig() {
  std::string c =
      "config isa tunnel-group 1 create\nprimary 1/1\nno shutdown\nexit all\n"
      "config service ies 100 customer 1 create\ninterface \"public\" create\n"
      "address 192.0.2.1/24\nsap tunnel-1.public:1 create\nexit\nexit\n"
      "static-route 198.18.0.0/15 next-hop 192.0.2.254\nexit all\n"
      "config service vprn 101 customer 1 create\n"
      "interface \"lan\" create\naddress 10.0.0.1/16\nexit\n";
  for (uint32_t k = 0; k < kTunnels; ++k) {
    // Interface k: 172.16.0.0/16 cut into /30s; dest-ip the far end.
    const uint32_t base = (172u << 24) | (16u << 16) | (k * 4);
    auto dotted = [](uint32_t a) {
      return absl::StrFormat("%d.%d.%d.%d", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    };
    absl::StrAppend(&c, "interface \"g", k, "\" tunnel create\naddress ", dotted(base + 1),
                    "/30\nsap tunnel-1.private:", k + 1, " create\nip-tunnel \"g", k,
                    "\" create\ngre-header\ndest-ip ", dotted(base + 2),
                    "\nsource 192.0.2.1\nremote-ip ", Peer(k),
                    "\ndelivery-service 100\nno shutdown\nexit\nexit\nexit\n");
  }
  for (uint32_t k = 0; k < kTunnels; ++k) {
    absl::StrAppend(&c, "static-route ", FarLan(k), " next-hop ip-tunnel \"g", k, "\"\n");
  }
  absl::StrAppend(&c, "exit all\n");
  return c;
}

// MakePayload: an IPv4 UDP packet of `bytes` bytes from 10.0.0.5 to host 9 of tunnel k's far
// LAN.
void MakePayload(uint8_t* p, uint32_t bytes, uint32_t k) {
  const uint8_t src[4] = {10, 0, 0, 5};
  const uint8_t dst[4] = {10, static_cast<uint8_t>(128 + k / 256), static_cast<uint8_t>(k % 256),
                          9};
  WriteUdp(p, bytes, src, dst, k);
}

// Registry: the default registry with `backend` preferred for every suite it passed (static,
// one per backend); nullptr when that backend is not built in.
CryptoRegistry* Registry(std::string_view backend) {
  static auto* registries = new std::map<std::string, std::unique_ptr<CryptoRegistry>, std::less<>>;
  auto it = registries->find(backend);
  if (it == registries->end()) {
    std::unique_ptr<CryptoRegistry> r = CryptoRegistry::CreateDefault();
    if (!r->PreferForAll(backend).ok()) r.reset();
    it = registries->emplace(std::string(backend), std::move(r)).first;
  }
  return it->second.get();
}

// CountingTransport: counts; optionally records SendPublic packets in `capture`: as views of
// the buffers the engine wrote them in (`capture_views`), or copied into capture's buffers.
class CountingTransport final : public Transport {
 public:
  void SendPublic(const Egress&, const PacketRef& p) override {
    ++sent;
    if (capture != nullptr && captured < capture_size) {
      PacketRef& dst = capture[captured++];
      if (capture_views) {
        dst = p;
        return;
      }
      dst.offset = kPacketHeadroom;
      dst.length = 0;
      std::memcpy(dst.Append(p.length), p.data(), p.length);
    }
  }
  void DeliverPrivate(const Egress&, const PacketRef&) override { ++delivered; }
  uint64_t sent = 0;
  uint64_t delivered = 0;
  PacketRef* capture = nullptr;
  bool capture_views = false;
  size_t capture_size = 0;
  size_t captured = 0;
};

std::unique_ptr<Engine> MakeEngine(const std::string& text, Transport* t, benchmark::State& state,
                                   std::string_view backend = "openssl") {
  CryptoRegistry* crypto = Registry(backend);
  if (crypto == nullptr) {
    state.SkipWithError(
        absl::StrCat("no backend ", std::string(backend), " in this build").c_str());
    return nullptr;
  }
  config::LoadResult loaded = config::LoadConfigText(text, "bench.cfg");
  if (!loaded.ok()) {
    state.SkipWithError(loaded.errors.front().ToString().c_str());
    return nullptr;
  }
  auto e = Engine::Create({.crypto = crypto, .host = {.transport = t}});
  if (!e.ok()) {
    state.SkipWithError(e.status().ToString().c_str());
    return nullptr;
  }
  if (absl::Status s = (*e)->ApplyConfig(loaded.config, MonoTime{}); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return nullptr;
  }
  return *std::move(e);
}

// Fill: arena a's packets for tunnels k0, k0 + 1, ... (mod kTunnels); returns the next k.
uint32_t Fill(Arena& arena, size_t a, uint32_t bytes, uint32_t k) {
  for (size_t i = 0; i < kBurst; ++i) {
    PacketRef& r = arena.refs[a][i];
    r.offset = kPacketHeadroom;
    r.length = bytes;
    MakePayload(r.mutable_data(), bytes, k);
    k = (k + 1) % kTunnels;
  }
  return k;
}

// InnerHeaders: the inner IPv4 header of a `bytes`-byte packet to each tunnel's far LAN.
std::vector<std::array<uint8_t, kIpv4HeaderSize>> InnerHeaders(uint32_t bytes) {
  std::vector<std::array<uint8_t, kIpv4HeaderSize>> headers(kTunnels);
  std::vector<uint8_t> p(bytes);
  for (uint32_t k = 0; k < kTunnels; ++k) {
    MakePayload(p.data(), bytes, k);
    std::memcpy(headers[k].data(), p.data(), kIpv4HeaderSize);
  }
  return headers;
}

// BM_EnginePrivate: shared by the ESP and GRE encapsulation benchmarks.
void BM_EnginePrivate(benchmark::State& state, const std::string& text, uint32_t bytes,
                      std::string_view backend = "openssl") {
  CountingTransport t;
  std::unique_ptr<Engine> engine = MakeEngine(text, &t, state, backend);
  if (!engine) return;
  Arena arena;
  // The inner IPv4 header of a packet to each tunnel's far LAN, prepared once: restoring an
  // input is a 20-byte copy and its view (only the header is read before the payload is
  // encrypted in place), as in BM_EspEncrypt.
  const std::vector<std::array<uint8_t, kIpv4HeaderSize>> headers = InnerHeaders(bytes);
  uint32_t k = 0;
  for (size_t a = 0; a < kArenas; ++a) k = Fill(arena, a, bytes, k);
  // kArenas x kBurst = 256 packets cover 256 tunnels; each round moves on to the next 256.
  std::array<EngineVerdict, kBurst> v;
  size_t a = 0;
  uint32_t next = 0;
  const MonoTime now{1};
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) {
      PacketRef& r = arena.refs[a][i];
      r.offset = kPacketHeadroom;
      r.length = bytes;
      std::memcpy(r.mutable_data(), headers[next].data(), kIpv4HeaderSize);
      next = next + 1 == kTunnels ? 0 : next + 1;
    }
    engine->OnPrivatePackets(kPrivateService, arena.refs[a], v, now);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (t.sent != state.iterations() * kBurst) {
    state.SkipWithError(absl::StrFormat("%d of %d sent; first verdict %s", t.sent,
                                        state.iterations() * kBurst, DropReasonName(v[0].reason))
                            .c_str());
    return;
  }
  SetCounters(state, bytes);
}

void BM_EngineEncrypt(benchmark::State& state, const char* suite, uint32_t bytes,
                      const char* backend) {
  BM_EnginePrivate(state, EspConfig(suite, true), bytes, backend);
}

void BM_EngineGreEncap(benchmark::State& state, uint32_t bytes) {
  BM_EnginePrivate(state, GreConfig(), bytes);
}

// BM_EngineGreDecap: OnPublicPackets of GRE packets from each tunnel's remote, spread over the
// kTunnels GRE tunnels like the encapsulation benchmark: demultiplexing, decapsulation (one
// IpTunnelDataplane::Decap per slot per burst), the inner packet routed to the host.
void BM_EngineGreDecap(benchmark::State& state, uint32_t bytes) {
  CountingTransport t;
  std::unique_ptr<Engine> engine = MakeEngine(GreConfig(), &t, state);
  if (!engine) return;
  Arena arena;
  constexpr uint32_t kOuter = kIpv4HeaderSize + 4;  // IPv4 + a plain GRE header
  uint32_t k = 0;
  for (size_t a = 0; a < kArenas; ++a) {
    for (size_t i = 0; i < kBurst; ++i) {
      uint8_t* p = arena.refs[a][i].mutable_data();
      std::memset(p, 0, kOuter);
      p[0] = 0x45;
      dataplane::Store16(p + 2, static_cast<uint16_t>(kOuter + bytes));
      p[8] = 64;
      p[9] = 47;
      std::memcpy(p + 12, IpAddress::Parse(Peer(k))->bytes(), 4);
      const uint8_t local[4] = {192, 0, 2, 1};
      std::memcpy(p + 16, local, 4);
      dataplane::Store16(p + 10, dataplane::Ipv4HeaderChecksum(p));
      dataplane::Store16(p + kIpv4HeaderSize + 2, 0x0800);
      // The inner packet: from host 9 of tunnel k's far LAN to 10.0.0.5 on the LAN.
      const uint8_t src[4] = {10, static_cast<uint8_t>(128 + k / 256),
                              static_cast<uint8_t>(k % 256), 9};
      const uint8_t dst[4] = {10, 0, 0, 5};
      WriteUdp(p + kOuter, bytes, src, dst, k);
      k = (k + 1) % kTunnels;
    }
  }
  std::array<EngineVerdict, kBurst> v;
  size_t a = 0;
  const MonoTime now{1};
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) {  // undo the last decapsulation (offset, length)
      arena.refs[a][i].offset = kPacketHeadroom;
      arena.refs[a][i].length = kOuter + bytes;
    }
    engine->OnPublicPackets(arena.refs[a], v, now);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (t.delivered != state.iterations() * kBurst) {
    state.SkipWithError(absl::StrFormat("%d of %d delivered; a verdict: %s", t.delivered,
                                        state.iterations() * kBurst, DropReasonName(v[0].reason))
                            .c_str());
    return;
  }
  SetCounters(state, bytes);
}

void BM_EngineDecrypt(benchmark::State& state, const char* suite, uint32_t bytes,
                      const char* backend) {
  CountingTransport ta, tb;
  std::unique_ptr<Engine> a_engine = MakeEngine(EspConfig(suite, true), &ta, state, backend);
  if (!a_engine) return;
  std::unique_ptr<Engine> b_engine = MakeEngine(EspConfig(suite, false), &tb, state, backend);
  if (!b_engine) return;
  Arena plain;
  // wire[a]: views of the ESP packets where A encrypted them, in plain's buffers (in place, as
  // BM_EspDecrypt's refill leaves them): B decrypts the same 8 x 32 buffers the data-plane
  // baselines do, not a copy of them (a second arena would double the working set, and at
  // 1420 bytes 2 x 442 KB no longer fits a 512 KB L2).
  PacketRef wire[kArenas][kBurst];
  const uint8_t* const plain_begin = plain.buf(0, 0);
  const uint8_t* const plain_end = plain.buf(kArenas - 1, kBurst - 1) + kStride;
  std::array<EngineVerdict, kBurst> v;
  uint32_t k = 0;
  // Refill: A encrypts kArenas fresh bursts (sequence numbers keep rising); `wire` records them.
  auto refill = [&]() -> bool {
    ta.capture_views = true;
    for (size_t a = 0; a < kArenas; ++a) {
      k = Fill(plain, a, bytes, k);
      ta.capture = wire[a];
      ta.capture_size = kBurst;
      ta.captured = 0;
      a_engine->OnPrivatePackets(kPrivateService, plain.refs[a], v, MonoTime{1});
      if (ta.captured != kBurst) return false;
      for (const PacketRef& r : wire[a]) {
        if (r.buffer < plain_begin || r.buffer >= plain_end) return false;  // not in place
      }
    }
    ta.capture = nullptr;
    return true;
  };
  size_t a = 0;
  const MonoTime now{2};
  for (auto _ : state) {
    if (a == 0) {
      state.PauseTiming();
      if (!refill()) {
        state.SkipWithError("refill: engine A did not encrypt every packet in place");
        break;
      }
      state.ResumeTiming();
    }
    b_engine->OnPublicPackets(wire[a], v, now);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (tb.delivered != state.iterations() * kBurst) {
    state.SkipWithError(absl::StrFormat("%d of %d delivered; a verdict: %s", tb.delivered,
                                        state.iterations() * kBurst, DropReasonName(v[0].reason))
                            .c_str());
    return;
  }
  SetCounters(state, bytes);
}

// SlotsConfig: kTunnels aes128gcm16 ipsec-tunnels spread over `n` tunnel groups, group g on
// ISA g/1 alone (tunnel k in group k % n + 1), each group with its own public and private
// interface.
std::string SlotsConfig(uint32_t n) {
  std::string c = "config isa\n";
  for (uint32_t g = 1; g <= n; ++g) {
    absl::StrAppend(&c, "tunnel-group ", g, " create\nprimary ", g, "/1\nno shutdown\nexit\n");
  }
  absl::StrAppend(&c, "exit all\n",
                  "config ipsec ipsec-transform 1\nesp-encryption-algorithm aes128gcm16\n"
                  "esp-auth-algorithm none\nexit all\n",
                  "config service ies 100 customer 1 create\n");
  for (uint32_t g = 1; g <= n; ++g) {
    absl::StrAppend(&c, "interface \"public", g, "\" create\naddress 192.0.", g + 1,
                    ".1/24\nsap tunnel-", g, ".public:1 create\nexit\nexit\n");
  }
  absl::StrAppend(&c, "static-route 198.18.0.0/15 next-hop 192.0.2.254\nexit all\n",
                  "config service vprn 101 customer 1 create\n",
                  "interface \"lan\" create\naddress 10.0.0.1/16\nexit\nipsec\n");
  for (uint32_t k = 0; k < kTunnels; ++k) {
    absl::StrAppend(&c, "security-policy ", k + 1, " create\nentry 1 create\nlocal-ip ",
                    "10.0.0.0/16\nremote-ip ", FarLan(k), "\nexit\nexit\n");
  }
  absl::StrAppend(&c, "exit\n");
  for (uint32_t g = 1; g <= n; ++g) {
    absl::StrAppend(&c, "interface \"tunnels", g, "\" tunnel create\nsap tunnel-", g,
                    ".private:1 create\n");
    for (uint32_t k = g - 1; k < kTunnels; k += n) {
      absl::StrAppend(&c, "ipsec-tunnel \"t", k, "\" create\nsecurity-policy ", k + 1,
                      "\nlocal-gateway-address 192.0.", g + 1, ".1 peer ", Peer(k),
                      " delivery-service 100\nmanual-keying\n",
                      "security-association 1 encryption-key ", Hex(20, k), " spi ", 0x10000 + k,
                      " transform 1 direction inbound\n", "security-association 1 encryption-key ",
                      Hex(20, k + 7), " spi ", 0x20000 + k, " transform 1 direction outbound\n",
                      "exit\nno shutdown\nexit\n");
    }
    absl::StrAppend(&c, "exit\nexit\n");
  }
  for (uint32_t k = 0; k < kTunnels; ++k) {
    absl::StrAppend(&c, "static-route ", FarLan(k), " next-hop ipsec-tunnel \"t", k, "\"\n");
  }
  absl::StrAppend(&c, "exit all\n");
  return c;
}

// SlotTransport: counts on the calling thread (workers share no counter).
class SlotTransport final : public Transport {
 public:
  void SendPublic(const Egress&, const PacketRef&) override { ++sent; }
  void DeliverPrivate(const Egress&, const PacketRef&) override {}
  static thread_local uint64_t sent;
};
thread_local uint64_t SlotTransport::sent = 0;

// BM_EngineSlots/<n>: n threads, each the worker of ISA slot i/1 (EngineWorker), sealing
// 64-byte aes128gcm16 bursts of kBurst packets spread over its own slot's tunnels. Items are
// packets, summed over the threads (real time): packets per second of the whole engine.
void BM_EngineSlots(benchmark::State& state) {
  static std::unique_ptr<Engine> engine;
  static SlotTransport transport;
  static std::vector<std::unique_ptr<EngineWorker>> workers;
  const uint32_t n = static_cast<uint32_t>(state.threads());
  const uint32_t me = static_cast<uint32_t>(state.thread_index());
  if (me == 0) {  // set up before the threads start together (the benchmark's barrier)
    workers.clear();
    engine = MakeEngine(SlotsConfig(n), &transport, state);
    if (engine) {
      for (uint32_t i = 1; i <= n; ++i) {
        workers.push_back(engine->AttachWorker({static_cast<uint8_t>(i), 1}).value());
      }
    }
  }
  constexpr uint32_t kBytes = 64;
  Arena arena;
  std::vector<std::array<uint8_t, kIpv4HeaderSize>> headers;
  {
    std::vector<uint8_t> p(kBytes);
    for (uint32_t k = me; k < kTunnels; k += n) {
      MakePayload(p.data(), kBytes, k);
      headers.push_back({});
      std::memcpy(headers.back().data(), p.data(), kIpv4HeaderSize);
    }
  }
  for (size_t a = 0; a < kArenas; ++a) {
    for (size_t i = 0; i < kBurst; ++i) MakePayload(arena.refs[a][i].mutable_data(), kBytes, me);
  }
  std::array<EngineVerdict, kBurst> v;
  size_t a = 0, next = 0;
  SlotTransport::sent = 0;
  const MonoTime now{1};
  for (auto _ : state) {
    if (!engine) break;
    for (size_t i = 0; i < kBurst; ++i) {
      PacketRef& r = arena.refs[a][i];
      r.offset = kPacketHeadroom;
      r.length = kBytes;
      std::memcpy(r.mutable_data(), headers[next].data(), kIpv4HeaderSize);
      next = next + 1 == headers.size() ? 0 : next + 1;
    }
    workers[me]->OnPrivatePackets(kPrivateService, arena.refs[a], v, now);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (engine && SlotTransport::sent != state.iterations() * kBurst) {
    state.SkipWithError(absl::StrFormat("%d of %d sent; a verdict %s", SlotTransport::sent,
                                        state.iterations() * kBurst, DropReasonName(v[0].reason))
                            .c_str());
  }
  SetCounters(state, kBytes);
}

// ---------------------------------------------------------------------------------------------
// The data plane alone over the engine benchmarks' kTunnels SAs (keys, selectors and the spread
// of a burst as BM_EngineEncrypt / BM_EngineDecrypt have them): BM_EngineX / BM_EspXSpread is
// the engine's own cost; BM_EspXSpread / BM_EspX what 1000 SAs' state (cache misses) costs.

struct SpreadPair {
  std::unique_ptr<EspDataplane> a, b;
  std::vector<SaHandle> out, in;
};

std::unique_ptr<SpreadPair> MakeSpreadPair(std::string_view suite_name, benchmark::State& state,
                                           const char* backend) {
  CryptoRegistry* crypto = Registry(backend);
  if (crypto == nullptr) {
    state.SkipWithError(absl::StrCat("no backend ", backend, " in this build").c_str());
    return nullptr;
  }
  const size_t dash = suite_name.find('-');
  const std::string enc(suite_name.substr(0, dash));
  const std::string auth(dash == std::string_view::npos ? "none" : suite_name.substr(dash + 1));
  const EspSuite suite{*ParseEncryptionAlgorithm(enc),
                       auth == "none" ? IntegrityAlgorithm::kNone : *ParseIntegrityAlgorithm(auth)};
  auto p = std::make_unique<SpreadPair>();
  p->a = EspDataplane::Create({.crypto = crypto}).value();
  p->b = EspDataplane::Create({.crypto = crypto}).value();
  for (uint32_t k = 0; k < kTunnels; ++k) {
    // Sender and receiver see the same SA, the receiver's addresses and selectors reversed.
    auto config = [&](SaDirection dir) {
      const bool out = dir == SaDirection::kOutbound;
      SaConfig c;
      c.spi = 0x20000 + k;
      c.direction = dir;
      c.suite = suite;
      c.enc_key = SecretBytes(std::vector<uint8_t>(GetEncryptionInfo(suite.enc).keymat_size(),
                                                   static_cast<uint8_t>(k)));
      c.auth_key = SecretBytes(std::vector<uint8_t>(GetIntegrityInfo(suite.integ).key_size,
                                                    static_cast<uint8_t>(k + 1)));
      const IpAddress gateway = *IpAddress::Parse("192.0.2.1"), peer = *IpAddress::Parse(Peer(k));
      const IpPrefix lan = *IpPrefix::Parse("10.0.0.0/16"), far = *IpPrefix::Parse(FarLan(k));
      c.local = out ? gateway : peer;
      c.remote = out ? peer : gateway;
      c.local_selectors = {out ? lan : far};
      c.remote_selectors = {out ? far : lan};
      c.backend = backend;
      return c;
    };
    auto o = p->a->Install(config(SaDirection::kOutbound), MonoTime{});
    auto i = p->b->Install(config(SaDirection::kInbound), MonoTime{});
    if (!o.ok() || !i.ok()) {
      state.SkipWithError((o.ok() ? i.status() : o.status()).ToString().c_str());
      return nullptr;
    }
    p->out.push_back(*o);
    p->in.push_back(*i);
  }
  return p;
}

// SealSpread: packet i of `arena` burst `a` (filled by Fill, so tunnel k's payload) on its SA.
bool SealSpread(SpreadPair& pair, Arena& arena, size_t a, uint32_t first, MonoTime now) {
  std::array<SaHandle, kBurst> sas;
  std::array<Verdict, kBurst> v;
  for (size_t i = 0; i < kBurst; ++i) sas[i] = pair.out[(first + i) % kTunnels];
  pair.a->EncryptEach(sas, arena.refs[a], v, now);
  for (const Verdict& x : v) {
    if (x.action != Verdict::Action::kForward) return false;
  }
  return true;
}

void BM_EspEncryptSpread(benchmark::State& state, const char* suite, uint32_t bytes,
                         const char* backend) {
  auto pair = MakeSpreadPair(suite, state, backend);
  if (!pair) return;
  Arena arena;
  const std::vector<std::array<uint8_t, kIpv4HeaderSize>> headers = InnerHeaders(bytes);
  uint32_t k = 0;
  for (size_t a = 0; a < kArenas; ++a) k = Fill(arena, a, bytes, k);
  size_t a = 0;
  k = 0;
  bool ok = true;
  for (auto _ : state) {
    // Restored as BM_EngineEncrypt restores its input (header and view).
    for (size_t i = 0; i < kBurst; ++i) {
      PacketRef& r = arena.refs[a][i];
      r.offset = kPacketHeadroom;
      r.length = bytes;
      std::memcpy(r.mutable_data(), headers[(k + i) % kTunnels].data(), kIpv4HeaderSize);
    }
    ok &= SealSpread(*pair, arena, a, k, MonoTime{1});
    k = static_cast<uint32_t>((k + kBurst) % kTunnels);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (!ok) {
    state.SkipWithError("encrypt failed");
    return;
  }
  SetCounters(state, bytes);
}

void BM_EspDecryptSpread(benchmark::State& state, const char* suite, uint32_t bytes,
                         const char* backend) {
  auto pair = MakeSpreadPair(suite, state, backend);
  if (!pair) return;
  Arena arena;
  std::array<Verdict, kBurst> v;
  uint32_t k = 0;
  auto refill = [&]() -> bool {
    for (size_t a = 0; a < kArenas; ++a) {
      const uint32_t first = k;
      k = Fill(arena, a, bytes, k);
      if (!SealSpread(*pair, arena, a, first, MonoTime{1})) return false;
    }
    return true;
  };
  size_t a = 0;
  for (auto _ : state) {
    if (a == 0) {
      state.PauseTiming();
      if (!refill()) {
        state.SkipWithError("refill: encrypt failed");
        break;
      }
      state.ResumeTiming();
    }
    pair->b->Decrypt(arena.refs[a], v, MonoTime{2});
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  const DataplaneCounters& c = pair->b->counters();
  if (c.total_drops() != 0 || c.decrypted_packets != state.iterations() * kBurst) {
    state.SkipWithError(absl::StrFormat("decrypt: %d drops", c.total_drops()).c_str());
    return;
  }
  SetCounters(state, bytes);
}

}  // namespace

void RegisterEngineBenchmarks() {
  benchmark::RegisterBenchmark("BM_EngineSlots", BM_EngineSlots)->ThreadRange(1, 2)->UseRealTime();
  for (const char* suite : kSuites) {
    for (uint32_t bytes : kSizes) {
      // Without a backend: OpenSSL, as BM_EspEncrypt/<suite>/<bytes>; with one, beside
      // BM_EspEncrypt/<suite>/<bytes>/<backend> (esp_bench.cc).
      for (const char* backend : {"", "openssl", "ipsecmb"}) {
        const std::string tail = *backend ? absl::StrCat("/", backend) : "";
        const char* use = *backend ? backend : "openssl";
        benchmark::RegisterBenchmark(
            absl::StrFormat("BM_EngineEncrypt/%s/%d%s", suite, bytes, tail).c_str(),
            BM_EngineEncrypt, suite, bytes, use);
        benchmark::RegisterBenchmark(
            absl::StrFormat("BM_EngineDecrypt/%s/%d%s", suite, bytes, tail).c_str(),
            BM_EngineDecrypt, suite, bytes, use);
        benchmark::RegisterBenchmark(
            absl::StrFormat("BM_EspEncryptSpread/%s/%d%s", suite, bytes, tail).c_str(),
            BM_EspEncryptSpread, suite, bytes, use);
        benchmark::RegisterBenchmark(
            absl::StrFormat("BM_EspDecryptSpread/%s/%d%s", suite, bytes, tail).c_str(),
            BM_EspDecryptSpread, suite, bytes, use);
      }
    }
  }
  for (uint32_t bytes : kSizes) {
    benchmark::RegisterBenchmark(absl::StrFormat("BM_EngineGreEncap/%d", bytes).c_str(),
                                 BM_EngineGreEncap, bytes);
    benchmark::RegisterBenchmark(absl::StrFormat("BM_EngineGreDecap/%d", bytes).c_str(),
                                 BM_EngineGreDecap, bytes);
  }
}

}  // namespace tunnelisa::bench
