// libFuzzer target: the engine's packet paths as the guide's Figure 27 Router A configures
// them (tests/vectors/engine/router_a.cfg): public-side demultiplexing (GRE, IP-IP, ESP,
// ESP-in-UDP, IKE), decapsulation, private routing into tunnels, fragmentation and
// reassembly. Build with clang and -DTUNNELISA_FUZZ=ON.
//
// Input: byte 0 picks the side (even: public; odd: private, into service 101 or 102 by bit 1),
// the burst size (1 + bits 2-3: the packet and variants of it) and, by bit 4, an ISA slot's
// EngineWorker instead of the one-thread calls (bit 5: which one), whose kWrongSlot verdicts
// are followed to the owners' OnHandoff; the rest is one IP packet. Null
// crypto in "fuzz mode" accepts every ICV, so mutated ESP packets reach the inner checks and the
// private service's routing.
//
// The custom mutator (esp_mutator.h) keeps public-side ESP packets on Router A's inbound SA
// (SPI 1000: AES-256-CBC and HMAC-SHA1-96) with a sequence number near its replay window (the
// engine does not export the window, so the target tracks the highest sequence number of an
// ESP packet it saw pass) and mutates the rest; private-side inputs get byte mutations.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/esp_mutator.h"
#include "tests/test_tools/null_crypto.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/engine.h"

namespace {

using namespace tunnelisa;

class CountingTransport final : public Transport {
 public:
  void SendPublic(const Egress&, const PacketRef& p) override { Check(p); }
  void DeliverPrivate(const Egress&, const PacketRef& p) override { Check(p); }

 private:
  static void Check(const PacketRef& p) {
    // Every output must lie inside its buffer.
    if (p.offset + static_cast<uint64_t>(p.length) > p.capacity) __builtin_trap();
  }
};

struct Target {
  std::unique_ptr<CryptoRegistry> registry = testing::RegistryWithNullCrypto(true);
  CountingTransport transport;
  std::unique_ptr<Engine> engine;
  std::vector<std::unique_ptr<EngineWorker>> workers;  // 1/1, 2/1, 3/1
  int64_t now_ns = 0;
  // Router A's inbound SA (router_a.cfg: spi 1000, transform 1 = aes256 + sha1).
  const fuzz::EspSa inbound_sa{.spi = 1000, .iv = 16, .block = 16, .icv = 12};
  uint32_t window_top = 0;  // highest sequence number of an inbound ESP packet that passed

  EngineWorker* WorkerFor(const config::IsaSlot& isa) {
    for (auto& w : workers) {
      if (w->isa() == isa) return w.get();
    }
    return nullptr;
  }

  Target() {
    std::ifstream in(TUNNELISA_SOURCE_DIR "/tests/vectors/engine/router_a.cfg");
    std::stringstream text;
    text << in.rdbuf();
    config::LoadResult loaded = config::LoadConfigText(text.str(), "router_a.cfg");
    if (!loaded.ok()) __builtin_trap();
    EngineOptions options;
    options.crypto = registry.get();
    options.host.transport = &transport;
    options.reassembly_memory = 256 << 10;
    engine = Engine::Create(options).value();
    if (!engine->ApplyConfig(loaded.config, MonoTime{}).ok()) __builtin_trap();
    for (uint8_t card : {1, 2, 3}) workers.push_back(engine->AttachWorker({card, 1}).value());
  }
};

Target* GetTarget() {
  static Target* target = new Target();
  return target;
}

// InboundSequence: the sequence number of a public-side ESP (or ESP-in-UDP) packet to SPI
// 1000, or nullopt.
std::optional<uint32_t> InboundSequence(const uint8_t* packet, size_t size, uint32_t spi) {
  fuzz::EspPacket p;
  std::optional<size_t> at = fuzz::internal::LocateEsp(packet, size, &p);
  if (!at || size - *at < 8 || fuzz::Be32(packet + *at) != spi) return std::nullopt;
  return fuzz::Be32(packet + *at + 4);
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  if (fuzz::BytesOnly() || size < 2) return LLVMFuzzerMutate(data, size, max_size);
  fuzz::Rng rng(seed);
  // The selector byte (side, burst size, worker) now and then; private-side packets carry no
  // ESP: byte mutations.
  if (rng.OneIn(16)) data[0] = rng.Byte();
  if (data[0] & 1) return LLVMFuzzerMutate(data, size, max_size);
  Target* target = GetTarget();
  return 1 + fuzz::MutateEspBytes(data + 1, size - 1, max_size - 1, rng, false,
                                  std::span<const fuzz::EspSa>(&target->inbound_sa, 1),
                                  [target](uint32_t) { return target->window_top; });
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Target* target = GetTarget();
  if (size < 1 || size > 16384) return 0;
  const uint8_t selector = data[0];
  ++data;
  --size;
  // Bursts, as hosts send them (the engine defers a burst's ESP work and does it per slot):
  // the packet and up to three variants of it (last byte changed) in one call.
  const size_t n = 1 + ((selector >> 2) & 3);
  const size_t stride = kPacketHeadroom + size + kPacketTailroom;
  std::vector<uint8_t> buffer(n * stride);
  std::vector<PacketRef> packets;
  for (size_t k = 0; k < n; ++k) {
    PacketRef p = PacketRef::WithHeadroom(buffer.data() + k * stride, static_cast<uint32_t>(stride),
                                          kPacketHeadroom);
    if (size > 0) {
      uint8_t* d = p.Append(static_cast<uint32_t>(size));
      std::memcpy(d, data, size);
      d[size - 1] = static_cast<uint8_t>(d[size - 1] ^ k);
    }
    packets.push_back(p);
  }
  std::vector<EngineVerdict> verdicts(n);
  // Time moves forward so reassembly timeouts and rate limits are exercised too.
  target->now_ns += 50'000'000;
  MonoTime now{target->now_ns};
  if (selector & 16) {
    EngineWorker* w = target->workers[selector & 32 ? 2 : 0].get();
    if (selector & 1) {
      w->OnPrivatePackets(selector & 2 ? 102 : 101, packets, verdicts, now);
    } else {
      w->OnPublicPackets(packets, verdicts, now);
    }
    // Follow the handoffs, one owner at a time (bounded: each step is a tunnel operation
    // further, and the engine stops at kMaxTunnelLayers).
    for (int round = 0; round < 2 * kMaxTunnelLayers + 2; ++round) {
      std::vector<PacketRef> next;
      std::vector<SlotHandoff> how;
      for (size_t k = 0; k < packets.size(); ++k) {
        if (!verdicts[k].handed_off()) continue;
        if (!how.empty() && verdicts[k].handoff.owner != how.front().owner) continue;
        next.push_back(packets[k]);
        how.push_back(verdicts[k].handoff);
      }
      if (next.empty()) break;
      EngineWorker* owner = target->WorkerFor(how.front().owner);
      if (owner == nullptr) __builtin_trap();  // Router A's ISAs all have workers
      packets = next;
      verdicts.assign(next.size(), EngineVerdict{});
      owner->OnHandoff(packets, how, verdicts, now);
    }
    for (auto& worker : target->workers) (void)worker->OnTimer(now);
  } else if (selector & 1) {
    target->engine->OnPrivatePackets(selector & 2 ? 102 : 101, packets, verdicts, now);
  } else {
    target->engine->OnPublicPackets(packets, verdicts, now);
  }
  (void)target->engine->OnTimer(now);
  // The mutator's view of the replay window: a public ESP packet that passed moved it.
  if ((selector & 1) == 0 && std::any_of(verdicts.begin(), verdicts.end(),
                                         [](const EngineVerdict& v) { return !v.dropped(); })) {
    if (std::optional<uint32_t> seq = InboundSequence(data, size, target->inbound_sa.spi)) {
      target->window_top = std::max(target->window_top, *seq);
    }
  }
  return 0;
}
