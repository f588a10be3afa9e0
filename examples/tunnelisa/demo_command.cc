// `tunnelisa demo`: the project's showcase. Two in-process endpoints ("west" and "east"), each
// an EspDataplane with a manual-keyed SA pair per ESP suite (the guide's "Manual Keying"),
// pass traffic both ways through every suite, then print per-suite counters and throughput.
// Later issues grow it into two routers configured from text.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/args.h"
#include "examples/tunnelisa/command.h"
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

}  // namespace

int RunDemo(std::span<const std::string_view> args) {
  constexpr ArgOption kOptions[] = {{"seconds", true}, {"size", true}, {"help", false}};
  absl::StatusOr<Args> a = Args::Parse(args, kOptions);
  if (!a.ok()) {
    std::fprintf(stderr, "tunnelisa demo: %s\n", std::string(a.status().message()).c_str());
    return 2;
  }
  if (a->Has("help")) {
    std::printf(
        "usage: tunnelisa demo [--seconds MS_PER_DIRECTION (default 300)] [--size BYTES "
        "(default 1420)]\n");
    return 0;
  }
  absl::StatusOr<std::optional<uint64_t>> ms = a->GetUint("seconds", 60000);
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
  std::printf("\n%s: every suite carried traffic both ways; payloads verified end to end.\n",
              failures == 0 ? "OK" : "FAILED");
  return failures == 0 ? 0 : 1;
}

}  // namespace tunnelisa::cli
