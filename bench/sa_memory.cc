// tunnelisa_sa_memory: installs N inbound+outbound ESP SA pairs (AES-128-GCM-16, distinct SPIs
// and keys) in one EspDataplane and reports the memory per SA pair, from the resident set size
// (/proc/self/statm) and from glibc's malloc statistics (mallinfo2), plus the install rate.
//
//   tunnelisa_sa_memory [--pairs N]      (default 1000000)
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "dataplane/anti_replay.h"
#include "dataplane/sa.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/esp_dataplane.h"
#include "tunnelisa/sa_config.h"

namespace {

using namespace tunnelisa;  // NOLINT: a small tool

struct Mem {
  uint64_t rss = 0;     // bytes resident
  uint64_t malloc = 0;  // bytes in use from malloc (arena + mmapped chunks)
};

Mem Measure() {
  Mem m;
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  m.rss = resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  struct mallinfo2 mi = mallinfo2();
  m.malloc = mi.uordblks + mi.hblkhd;
  return m;
}

SecretBytes Key(size_t size, uint64_t seed) {
  SecretBytes k(size);
  for (size_t i = 0; i < size; ++i) {
    k.mutable_span()[i] = static_cast<uint8_t>((seed >> (8 * (i % 8))) * 131 + i);
  }
  return k;
}

SaConfig Config(SaDirection dir, uint32_t spi, uint64_t seed) {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.suite = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone};
  c.enc_key = Key(20, seed);
  const IpAddress a = IpAddress::V4(0xc0000201), b = IpAddress::V4(0xc0000202);
  c.local = dir == SaDirection::kOutbound ? a : b;
  c.remote = dir == SaDirection::kOutbound ? b : a;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t pairs = 1000000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pairs") == 0 && i + 1 < argc) {
      pairs = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strncmp(argv[i], "--pairs=", 8) == 0) {
      pairs = std::strtoull(argv[i] + 8, nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--pairs N]\n", argv[0]);
      return 2;
    }
  }
  if (pairs == 0 || pairs > 1000000000) {
    std::fprintf(stderr, "--pairs must be 1..1e9\n");
    return 2;
  }

  // The registry (providers, self-tests) and the empty data plane are not per-SA cost.
  auto registry = CryptoRegistry::CreateDefault();
  auto dp = EspDataplane::Create({.crypto = registry.get()}).value();
  // Warm up allocator and OpenSSL's lazy structures with one pair, then measure from there.
  {
    auto o = dp->Install(Config(SaDirection::kOutbound, 0x100, 1), MonoTime{});
    auto in = dp->Install(Config(SaDirection::kInbound, 0x101, 1), MonoTime{});
    if (!o.ok() || !in.ok()) {
      std::fprintf(stderr, "install failed: %s\n",
                   (o.ok() ? in.status() : o.status()).ToString().c_str());
      return 1;
    }
  }
  const Mem before = Measure();
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= pairs; ++i) {
    const uint32_t spi = static_cast<uint32_t>(0x100 + 2 * i);
    auto o = dp->Install(Config(SaDirection::kOutbound, spi, i), MonoTime{});
    auto in = dp->Install(Config(SaDirection::kInbound, spi + 1, i), MonoTime{});
    if (!o.ok() || !in.ok()) {
      std::fprintf(stderr, "install %llu failed: %s\n", static_cast<unsigned long long>(i),
                   (o.ok() ? in.status() : o.status()).ToString().c_str());
      return 1;
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  const Mem after = Measure();
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  const double n = static_cast<double>(pairs);

  std::printf("sa_pairs            %llu (aes128gcm16, inbound replay window %u)\n",
              static_cast<unsigned long long>(pairs), kDefaultReplayWindow);
  std::printf("sa_count            %zu\n", dp->sa_count());
  std::printf("rss_before_mib      %.1f\n", before.rss / 1048576.0);
  std::printf("rss_after_mib       %.1f\n", after.rss / 1048576.0);
  std::printf("rss_bytes_per_pair  %.0f\n", (static_cast<double>(after.rss) - before.rss) / n);
  std::printf("malloc_bytes_per_pair %.0f\n",
              (static_cast<double>(after.malloc) - before.malloc) / n);
  std::printf("install_seconds     %.3f\n", secs);
  std::printf("install_pairs_per_s %.0f\n", n / secs);
  std::printf("install_us_per_sa   %.2f\n", secs * 1e6 / (2 * n));
  // Fixed-size parts we can name (the rest: EVP contexts, SaConfig heap parts, SAD tables).
  std::printf("sizeof_Sa           %zu (of which SaHot %zu)\n", sizeof(dataplane::Sa),
              sizeof(dataplane::SaHot));
  std::printf("sizeof_ReplayWindow %zu + bitmap %zu\n", sizeof(dataplane::ReplayWindow),
              dataplane::ReplayWindow(kDefaultReplayWindow, false).bitmap_bytes());
  std::printf("sizeof_SaConfig     %zu\n", sizeof(SaConfig));
  return 0;
}
