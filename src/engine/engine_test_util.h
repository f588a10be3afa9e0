// Test helpers for the engine: a Router (an Engine built from a configuration file with a
// transport that records what leaves it) and RouterPair, two routers wired back to back
// through an in-memory public network (Router A's public outputs are Router B's public inputs
// and vice versa). Test-only.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_TEST_UTIL_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/test_tools/packets.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/engine.h"

namespace tunnelisa::testing {

// Output: one packet that left an engine through its Transport.
struct Output {
  uint32_t service = 0;
  std::string interface;
  IpAddress next_hop;
  std::vector<uint8_t> bytes;
  uint32_t interface_id = 0;
};

class RecordingTransport final : public Transport {
 public:
  void SendPublic(const Egress& e, const PacketRef& p) override;
  void DeliverPrivate(const Egress& e, const PacketRef& p) override;
  bool ToControl(const PacketRef& p) override;  // recorded in to_control
  std::vector<Output> public_out;
  std::vector<Output> private_out;
  std::vector<Output> to_control;
};

// ReadEngineVector: the text of tests/vectors/engine/<name>; fails the test if unreadable.
std::string ReadEngineVector(std::string_view name);
// TestRegistry: the default crypto registry, shared by the tests of one binary.
CryptoRegistry* TestRegistry();
// ParseConfig: loads configuration text; fails the test (empty Config) on errors.
config::Config ParseConfig(std::string_view text);
// Replace: `text` with the first `from` replaced by `to`; fails the test if absent.
std::string Replace(std::string text, std::string_view from, std::string_view to);

// RecordingEvents: every IKE event (kind, tunnel, detail) an engine raised, in order.
class RecordingEvents final : public EventListener {
 public:
  struct Ike {
    IkeEventKind kind;
    std::string tunnel;
    std::string peer_id;
    std::string detail;
    uint32_t child_spi_in = 0;
    uint64_t ike_spi_i = 0;
    uint64_t ike_spi_r = 0;
  };
  void OnIke(const IkeEvent& e) override;
  void OnSaLifetime(const SaLifetimeEvent& e) override { lifetime.push_back(e); }
  // Isa: "KIND group G isa C/M: detail" (group 0 and isa 0/0 left out).
  void OnIsa(const IsaEvent& e) override;
  // Tunnel: "KIND SERVICE/NAME up|down[: reasons] (cause)", as tunnelisa run prints it.
  void OnTunnel(const TunnelEvent& e) override {
    std::string line = std::string(TunnelKindName(e.kind)) + " " + std::to_string(e.service) + "/" +
                       std::string(e.name) + (e.up ? " up" : " down");
    if (!e.reasons.empty()) line += ": " + std::string(e.reasons);
    tunnel.push_back(line + " (" + std::string(e.cause) + ")");
  }
  std::vector<std::string> isa;
  std::vector<std::string> tunnel;
  size_t Count(IkeEventKind kind) const;
  std::vector<Ike> ike;
  std::vector<SaLifetimeEvent> lifetime;
};

// SeededRandom: deterministic bytes (SplitMix64) so IKE negotiations repeat run to run.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  uint64_t state_;
};

struct Router {
  RecordingTransport transport;
  RecordingEvents events;
  std::unique_ptr<SeededRandom> random;
  std::unique_ptr<Engine> engine;
  // Private / Public: one packet through the engine; returns its verdict.
  EngineVerdict Private(uint32_t service, const std::vector<uint8_t>& packet, MonoTime now = {});
  EngineVerdict Public(const std::vector<uint8_t>& packet, MonoTime now = {});
  // PrivateBurst / PublicBurst: the packets as one burst call, as hosts send them; returns the
  // verdicts in order. PublicBurst then hands each kToControl packet to OnControlPacket, in
  // order, as a host's control thread would after the burst.
  std::vector<EngineVerdict> PrivateBurst(uint32_t service,
                                          const std::vector<std::vector<uint8_t>>& packets,
                                          MonoTime now = {});
  std::vector<EngineVerdict> PublicBurst(const std::vector<std::vector<uint8_t>>& packets,
                                         MonoTime now = {});
};

// MakeRouter: an engine with the default crypto registry, configured from `config_text` at
// `now`, its randomness seeded with `seed`. Public() hands IKE datagrams (kToControl) on to
// OnControlPacket, as a host does.
std::unique_ptr<Router> MakeRouter(std::string_view config_text, uint64_t seed = 1,
                                   MonoTime now = {}, const EngineOptions* options = nullptr);

// RouterPair: Router A (router_a.cfg) and Router B (router_b.cfg) back to back.
class RouterPair {
 public:
  RouterPair();
  // RouterPair(a, b): from configuration texts (A configured first).
  RouterPair(std::string_view a_config, std::string_view b_config, MonoTime now = {},
             const EngineOptions* options = nullptr);
  // Pump: moves public outputs across until both are quiet, each round's packets as one burst
  // per direction; returns the packets moved.
  // `copies` (optional) says how many times to deliver each packet: 0 drops it (loss), 2
  // duplicates it; `a_to_b` tells the direction.
  using CopiesFn = std::function<int(const Output& packet, bool a_to_b)>;
  // `rewrite` (optional) changes each packet on its way (a NAT).
  using RewriteFn = std::function<void(std::vector<uint8_t>& packet, bool a_to_b)>;
  size_t Pump(MonoTime now = {}, const CopiesFn& copies = nullptr,
              const RewriteFn& rewrite = nullptr);
  Router& a() { return *a_; }
  Router& b() { return *b_; }
  // Restart: router A (`a`) or B replaced by a fresh engine configured from `config` at `now`,
  // its randomness seeded with `seed`: the router rebooted and lost every SA.
  void Restart(bool a, std::string_view config, uint64_t seed, MonoTime now = {});

 private:
  std::unique_ptr<Router> a_;
  std::unique_ptr<Router> b_;
};

// Burst: packets in buffers with the engine's headroom and tailroom, as a burst call takes
// them, and room for the verdicts.
struct Burst {
  explicit Burst(const std::vector<std::vector<uint8_t>>& packets) : verdicts(packets.size()) {
    buffers.reserve(packets.size());
    for (const auto& p : packets) refs.push_back(buffers.emplace_back(p).ref());
  }
  std::vector<TestBuffer> buffers;
  std::vector<PacketRef> refs;
  std::vector<EngineVerdict> verdicts;
};

// Router A / Router B (tests/vectors/engine/): their private services and tunnels.
inline constexpr uint32_t kVprn101 = 101;
inline constexpr uint32_t kVprn102 = 102;
inline const config::TunnelKey kGreOverIpsec{101, "protected-gre-tunnel"};
inline const config::TunnelKey kIpsec{101, "ipsec-tunnel-for-n-gre-tunnels"};
inline const config::TunnelKey kPlainGre{102, "plain-gre"};
inline const config::TunnelKey kPlainIpip{102, "plain-ipip"};

// Proto / Src / Dst: fields of an IPv4 packet.
inline uint8_t Proto(const std::vector<uint8_t>& p) { return p[9]; }
inline IpAddress Src(const std::vector<uint8_t>& p) { return IpAddress::V4Bytes(&p[12]); }
inline IpAddress Dst(const std::vector<uint8_t>& p) { return IpAddress::V4Bytes(&p[16]); }

// WrapIpv4: `inner` inside an IPv4 header (protocol `proto`: 47 adds a 4-byte GRE header
// for an IPv4 payload) from src to dst, with a valid header checksum.
std::vector<uint8_t> WrapIpv4(const std::vector<uint8_t>& inner, const IpAddress& src,
                              const IpAddress& dst, uint8_t proto);

// SetIpv4Source: `packet` (IPv4) with its source replaced and the header checksum redone.
std::vector<uint8_t> SetIpv4Source(std::vector<uint8_t> packet, const IpAddress& src);

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_TEST_UTIL_H_
