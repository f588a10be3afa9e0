// Sa: one installed ESP SA. Hot per-packet state first, in its own cache lines, then the
// cold configuration that only the control path reads.
#ifndef TUNNELISA_SRC_DATAPLANE_SA_H_
#define TUNNELISA_SRC_DATAPLANE_SA_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "dataplane/anti_replay.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/sa_installer.h"

namespace tunnelisa::dataplane {

// SaHot: what Encrypt/Decrypt touch for every packet. Chosen once at install: sizes, the outer
// header template, the crypto handle.
struct alignas(64) SaHot {
  // -- first cache line: read for every packet
  const EspKey* key = nullptr;
  CryptoBackend* backend = nullptr;
  uint64_t seq = 0;        // outbound: last sequence number used
  uint64_t seq_limit = 0;  // outbound: last usable (2^32-1, or 2^64-1 with ESN)
  uint32_t spi = 0;
  uint8_t iv_size = 0;
  uint8_t icv_size = 0;
  uint8_t block_size = 4;
  uint8_t header_size = 0;  // outer IP (+ UDP) bytes in `header_template`
  bool aead = false;
  bool esn = false;
  bool udp = false;
  bool outer_v6 = false;
  bool expired = false;  // hard limit reached
  bool has_selectors = false;
  bool iv_override = false;  // tests: next IV given by SetNextIvForTest
  uint8_t dscp = 0xff;       // 0xff: copy the inner DSCP
  DfPolicy df = DfPolicy::kCopy;
  uint16_t ip_id = 0;
  // Limits in packets/bytes/time, as absolute values (UINT64_MAX / MonoTime::Infinite: none).
  uint64_t soft_packets = UINT64_MAX;
  // -- second cache line
  uint64_t hard_packets = UINT64_MAX;
  uint64_t soft_bytes = UINT64_MAX;
  uint64_t hard_bytes = UINT64_MAX;
  int64_t hard_deadline_ns = INT64_MAX;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int64_t last_used_ns = 0;
  bool soft_fired = false;
  bool hard_fired = false;
  // -- third/fourth cache lines: outer header template (IPv6 + UDP = 48 bytes)
  alignas(64) std::array<uint8_t, 48> header_template{};
  std::array<uint8_t, 16> next_iv{};
};
static_assert(sizeof(SaHot) == 192, "SaHot grew: keep the per-packet state to three lines");
static_assert(offsetof(SaHot, hard_packets) == 64);

// Sa: hot state, replay window (inbound), counters, then the cold config.
struct Sa {
  SaHot hot;
  std::unique_ptr<ReplayWindow> replay;  // inbound with a window (or ESN) only
  uint64_t batch_epoch = 0;              // inbound: which batch batch_top belongs to
  uint64_t batch_top = 0;                // inbound: highest sequence number checked in that batch
  std::array<uint64_t, kNumDropReasons> drops{};
  SaConfig config;
  std::unique_ptr<EspKey> key_owner;
  SaHandle handle;
  MonoTime installed_at;
  MonoTime soft_deadline = MonoTime::Infinite();
  MonoTime hard_deadline = MonoTime::Infinite();
};

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SA_H_
