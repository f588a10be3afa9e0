#include "engine/engine_test_util.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/gw_routes.h"
#include "gtest/gtest.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v2/ike_manager.h"
#include "tests/test_tools/packets.h"
#include "tests/test_tools/vector_file.h"
#include "tunnelisa/config/loader.h"

namespace tunnelisa::testing {
namespace {

// Every IkeManager of the engines these tests run checks its indexes after each call: an SA
// change its deadline or SPI indexes missed aborts the test.
[[maybe_unused]] const bool kIkeIndexChecks = (ike::IkeManager::CheckIndexesForTesting(true), true);
[[maybe_unused]] const bool kV1IndexChecks =
    (ike::v1::Ikev1Manager::CheckIndexesForTesting(true), true);
// Every ipsec-gw session change checks the secure services' session routes against a full
// build from all sessions (the incremental RelinkGwSession against RelinkGws).
[[maybe_unused]] const bool kGwRouteChecks = (CheckGwRoutesForTesting(true), true);

std::unique_ptr<CryptoRegistry>& Registry() {
  static auto* registry = new std::unique_ptr<CryptoRegistry>(CryptoRegistry::CreateDefault());
  return *registry;
}

}  // namespace

CryptoRegistry* TestRegistry() { return Registry().get(); }

namespace {

Output Record(const Egress& e, const PacketRef& p) {
  return Output{e.service, std::string(e.interface), e.next_hop,
                std::vector<uint8_t>(p.data(), p.data() + p.length), e.interface_id};
}

// SetHeaderChecksum: the IPv4 header checksum of the 20-byte header at p.
void SetHeaderChecksum(uint8_t* p) {
  p[10] = p[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t c = static_cast<uint16_t>(~sum);
  p[10] = static_cast<uint8_t>(c >> 8);
  p[11] = static_cast<uint8_t>(c);
}

}  // namespace

void RecordingTransport::SendPublic(const Egress& e, const PacketRef& p) {
  public_out.push_back(Record(e, p));
}

void RecordingTransport::DeliverPrivate(const Egress& e, const PacketRef& p) {
  private_out.push_back(Record(e, p));
}

bool RecordingTransport::ToControl(const PacketRef& p) {
  to_control.push_back(Record(Egress{}, p));
  return true;
}

std::string ReadEngineVector(std::string_view name) {
  std::string path = tunnelisa::testing::SourceDir() + "/tests/vectors/engine/" + std::string(name);
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

config::Config ParseConfig(std::string_view text) {
  config::LoadResult r = config::LoadConfigText(text, "test.cfg");
  for (const config::Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  return r.config;
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "not in the text: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

EngineVerdict Router::Private(uint32_t service, const std::vector<uint8_t>& packet, MonoTime now) {
  TestBuffer b(packet);
  EngineVerdict v;
  engine->OnPrivatePackets(service, {&b.ref(), 1}, {&v, 1}, now);
  return v;
}

EngineVerdict Router::Public(const std::vector<uint8_t>& packet, MonoTime now) {
  TestBuffer b(packet);
  EngineVerdict v;
  engine->OnPublicPackets({&b.ref(), 1}, {&v, 1}, now);
  if (v.action == Verdict::Action::kToControl) engine->OnControlPacket(b.ref(), now);
  return v;
}

namespace {
// Burst: buffers for `packets` and the views a burst call takes.
}  // namespace

std::vector<EngineVerdict> Router::PrivateBurst(uint32_t service,
                                                const std::vector<std::vector<uint8_t>>& packets,
                                                MonoTime now) {
  Burst b(packets);
  engine->OnPrivatePackets(service, b.refs, b.verdicts, now);
  return b.verdicts;
}

std::vector<EngineVerdict> Router::PublicBurst(const std::vector<std::vector<uint8_t>>& packets,
                                               MonoTime now) {
  Burst b(packets);
  std::vector<PacketRef>& refs = b.refs;
  std::vector<EngineVerdict>& v = b.verdicts;
  engine->OnPublicPackets(refs, v, now);
  for (size_t i = 0; i < refs.size(); ++i) {
    if (v[i].action == Verdict::Action::kToControl) engine->OnControlPacket(refs[i], now);
  }
  return v;
}

void RecordingEvents::OnIke(const IkeEvent& e) {
  ike.push_back({e.kind, std::string(e.tunnel), std::string(e.peer_id), std::string(e.detail),
                 e.child_spi_in, e.ike_spi_i, e.ike_spi_r});
}

void RecordingEvents::OnIsa(const IsaEvent& e) {
  std::string line(IsaEventKindName(e.kind));
  if (e.group != 0) line += " group " + std::to_string(e.group);
  if (e.card != 0) line += " isa " + std::to_string(e.card) + "/" + std::to_string(e.mda);
  isa.push_back(line + ": " + std::string(e.detail));
}

size_t RecordingEvents::Count(IkeEventKind kind) const {
  return static_cast<size_t>(
      std::count_if(ike.begin(), ike.end(), [kind](const Ike& e) { return e.kind == kind; }));
}

void SeededRandom::Fill(std::span<uint8_t> out) {
  for (size_t k = 0; k < out.size(); k += 8) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (size_t j = 0; j < 8 && k + j < out.size(); ++j)
      out[k + j] = static_cast<uint8_t>(z >> (8 * j));
  }
}

std::unique_ptr<Router> MakeRouter(std::string_view config_text, uint64_t seed, MonoTime now,
                                   const EngineOptions* options) {
  auto r = std::make_unique<Router>();
  r->random = std::make_unique<SeededRandom>(seed);
  EngineOptions o = options != nullptr ? *options : EngineOptions{};
  o.crypto = Registry().get();
  o.host = {.transport = &r->transport,
            .events = &r->events,
            .log = o.host.log,
            .random = r->random.get(),
            .wall_clock = o.host.wall_clock,
            .ike_crypto = o.host.ike_crypto,
            .radius = o.host.radius,
            .key_log = o.host.key_log};
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  r->engine = *std::move(e);
  absl::Status s = r->engine->ApplyConfig(ParseConfig(config_text), now);
  EXPECT_TRUE(s.ok()) << s;
  return r;
}

RouterPair::RouterPair()
    : a_(MakeRouter(ReadEngineVector("router_a.cfg"))),
      b_(MakeRouter(ReadEngineVector("router_b.cfg"), 2)) {}

RouterPair::RouterPair(std::string_view a_config, std::string_view b_config, MonoTime now,
                       const EngineOptions* options)
    : a_(MakeRouter(a_config, 1, now, options)), b_(MakeRouter(b_config, 2, now, options)) {}

void RouterPair::Restart(bool a, std::string_view config, uint64_t seed, MonoTime now) {
  (a ? a_ : b_) = MakeRouter(config, seed, now);
}

size_t RouterPair::Pump(MonoTime now, const CopiesFn& copies, const RewriteFn& rewrite) {
  size_t moved = 0;
  // Bounded: each round moves what is pending; 16 rounds are far more than any test needs.
  for (int round = 0; round < 16; ++round) {
    std::vector<Output> from_a = std::move(a_->transport.public_out);
    std::vector<Output> from_b = std::move(b_->transport.public_out);
    a_->transport.public_out.clear();
    b_->transport.public_out.clear();
    if (from_a.empty() && from_b.empty()) break;
    auto burst = [&](std::vector<Output>& from, bool a_to_b) {
      std::vector<std::vector<uint8_t>> packets;
      for (Output& o : from) {
        if (rewrite) rewrite(o.bytes, a_to_b);
        for (int k = copies ? copies(o, a_to_b) : 1; k > 0; --k) packets.push_back(o.bytes);
      }
      if (!packets.empty()) (a_to_b ? b_ : a_)->PublicBurst(packets, now);
    };
    burst(from_a, true);
    burst(from_b, false);
    moved += from_a.size() + from_b.size();
  }
  return moved;
}

std::vector<uint8_t> WrapIpv4(const std::vector<uint8_t>& inner, const IpAddress& src,
                              const IpAddress& dst, uint8_t proto) {
  const size_t gre = proto == 47 ? 4 : 0;
  const size_t total = 20 + gre + inner.size();
  // The header in an array of its own: built in place in the vector, GCC 12 at -O3 sees a
  // possible null data() (-Wnull-dereference) when this file is compiled into small tools.
  std::array<uint8_t, 24> h{};
  h[0] = 0x45;
  h[2] = static_cast<uint8_t>(total >> 8);
  h[3] = static_cast<uint8_t>(total);
  h[8] = 64;
  h[9] = proto;
  std::memcpy(&h[12], src.bytes(), 4);
  std::memcpy(&h[16], dst.bytes(), 4);
  SetHeaderChecksum(h.data());
  if (gre) h[22] = 0x08;  // protocol type 0x0800: IPv4
  std::vector<uint8_t> p(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(20 + gre));
  p.insert(p.end(), inner.begin(), inner.end());
  return p;
}

std::vector<uint8_t> SetIpv4Source(std::vector<uint8_t> packet, const IpAddress& src) {
  EXPECT_GE(packet.size(), 20u);
  if (packet.size() < 20) return packet;
  std::memcpy(packet.data() + 12, src.bytes(), 4);
  SetHeaderChecksum(packet.data());
  return packet;
}

}  // namespace tunnelisa::testing
