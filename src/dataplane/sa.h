// Sa: one installed ESP SA. Hot per-packet state first, in its own cache lines, then the
// cold configuration that only the control path reads.
#ifndef TUNNELISA_SRC_DATAPLANE_SA_H_
#define TUNNELISA_SRC_DATAPLANE_SA_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>

#include "dataplane/anti_replay.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/sa_installer.h"

namespace tunnelisa::dataplane {

// SaHot: what Encrypt/Decrypt touch for every packet. Chosen once at install: sizes, the outer
// header template, the crypto handle.
struct alignas(64) SaHot {
  // -- first cache line: what Encrypt reads for every packet, and Decrypt for every packet
  // that passed its InboundRecord's checks (the inbound pre-crypto checks read only that)
  const EspKey* key = nullptr;
  CryptoBackend* backend = nullptr;
  // seq: outbound: the last sequence number used; inbound with replay_on: the highest
  // authenticated one (a copy of replay.top(); the pre-crypto check reads InboundRecord::top).
  uint64_t seq = 0;
  int64_t hard_deadline_ns = INT64_MAX;  // hard time limit (MonoTime ns)
  uint32_t spi = 0;
  uint32_t index = 0;  // the SA's arena index (reported in verdicts)
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
  bool outbound = false;       // the SA's direction (config.direction, on the hot line)
  bool replay_on = false;      // inbound: `Sa::replay` checks (a window, or ESN inference)
  uint32_t replay_window = 0;  // inbound: window size (0: off), as in `Sa::replay`
  // -- second cache line: accounting after a packet passed. Limits in packets/bytes as
  // absolute values (UINT64_MAX: none).
  alignas(64) uint64_t soft_packets = UINT64_MAX;
  uint64_t hard_packets = UINT64_MAX;
  uint64_t soft_bytes = UINT64_MAX;
  uint64_t hard_bytes = UINT64_MAX;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int64_t last_used_ns = 0;
  bool soft_fired = false;
  bool hard_fired = false;
  uint32_t template_sum = 0;  // IPv4: one's-complement sum of the template's fixed words
  // -- third cache line: outbound outer header template (IPv6 + UDP = 48 bytes)
  alignas(64) std::array<uint8_t, 48> header_template{};
  std::array<uint8_t, 16> next_iv{};  // the test IV override (rarely read)

  // seq_limit: the last usable outbound sequence number.
  //= https://www.rfc-editor.org/rfc/rfc4303#section-3.3.3
  //# the transmitted Sequence Number must never be allowed to cycle.
  uint64_t seq_limit() const { return esn ? UINT64_MAX : UINT32_MAX; }
};
static_assert(offsetof(SaHot, soft_packets) == 64, "first line: pre-crypto state only");
static_assert(sizeof(SaHot) == 192);
static_assert(offsetof(SaHot, header_template) == 128);

// InboundRecord: everything the inbound path checks before crypto, one cache line per
// published inbound SA, kept inside the SAD's lookup table itself (the SpiTable's buckets, or
// the SPI + destination map's nodes), so a packet's lookup and its pre-crypto checks read
// one line: the Sa is touched only by packets that go on to crypto (and by rare events).
// The Sa stays the owner of the state: the record holds copies (made at Publish, refreshed
// when the window moves or the SA expires) and counts the pre-authentication drops.
struct alignas(64) InboundRecord {
  static constexpr uint32_t kNoIndex = UINT32_MAX;  // marks an empty SpiTable bucket
  static constexpr uint8_t kEsn = 1;
  static constexpr uint8_t kReplayOn = 2;
  // The drops counted here (reasons the pre-crypto checks find), in this order.
  static constexpr DropReason kReasons[] = {DropReason::kSaExpired,    DropReason::kTruncated,
                                            DropReason::kBadEspLength, DropReason::kSeqZero,
                                            DropReason::kReplayed,     DropReason::kLeftOfWindow};
  static constexpr size_t kNumCounted = std::size(kReasons);
  // Slot: the position of `r` in kReasons, or kNumCounted when it is not counted here.
  static constexpr size_t Slot(DropReason r) {
    for (size_t i = 0; i < kNumCounted; ++i) {
      if (kReasons[i] == r) return i;
    }
    return kNumCounted;
  }

  uint32_t spi = 0;
  uint32_t index = kNoIndex;  // the SA's arena index
  uint32_t generation = 0;    // with index: the SA's handle
  uint8_t iv_size = 0;
  uint8_t icv_size = 0;
  uint8_t block_size = 4;
  uint8_t flags = 0;  // kEsn | kReplayOn
  // hard_deadline_ns: the hard time limit (MonoTime ns); INT64_MIN once hard-expired by
  // any limit, so one comparison covers both.
  int64_t hard_deadline_ns = INT64_MAX;
  // top: with kReplayOn, the highest authenticated sequence number (Sa::replay.top()).
  uint64_t top = 0;
  // drops: pre-authentication drops by kReasons slot. 32 bits each: when one wraps, 2^32 is
  // added to the Sa's own counter (Sa::drops holds the rest; Query adds both).
  std::array<uint32_t, kNumCounted> drops{};
};
static_assert(sizeof(InboundRecord) == 64, "one cache line per inbound SA");

// Sa: hot state, replay window (inbound), counters, then the cold config. Sas live in the
// Sad's arena (contiguous, on huge pages where the kernel allows) and never move.
struct Sa {
  SaHot hot;
  ReplayWindow replay;       // inbound: used when hot.replay_on; the 4th cache line
  uint64_t batch_epoch = 0;  // inbound ESN: which batch batch_top belongs to
  uint64_t batch_top = 0;    // inbound ESN: highest sequence number checked in that batch
  // drops: per reason; for an inbound SA, InboundRecord::drops holds the pre-authentication
  // drops counted since the last 2^32 carry.
  std::array<uint64_t, kNumDropReasons> drops{};
  SaConfig config;
  std::unique_ptr<EspKey> key_owner;
  SaHandle handle;
  MonoTime installed_at;
  MonoTime soft_deadline = MonoTime::Infinite();
  MonoTime hard_deadline = MonoTime::Infinite();
};
static_assert(offsetof(Sa, replay) == 192, "the replay window is the SA's 4th cache line");

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_SA_H_
