// File: tunnelisa/reassembly.h
//
// Reassembler: rebuilds fragmented outer (tunnel) IPv4 datagrams (RFC 791, RFC 815) and IPv6
// datagrams carrying a Fragment header (RFC 8200 section 4.5), so that GRE, IP-IP and ESP
// tunnel packets fragmented by the public network can be decapsulated.
//
// Bounded by construction: every byte it holds comes from a pool allocated once in Create
// (fragment data blocks, fragment records, datagram records and the lookup table, all counted
// against `memory_cap_bytes`). When the pool or the records run out the oldest pending datagram
// is evicted; a ReassemblyBudget shared by several reassemblers (one per tunnel group) caps
// what they hold together. Overlapping fragments discard the whole datagram (RFC 5722, applied
// to IPv4 too); exact duplicates are dropped alone. Every refused fragment is a counted
// DropReason.
//
// Threads: one Reassembler is used by one worker (no locks). A ReassemblyBudget may be shared
// by reassemblers on different workers (it is atomic).
//
// Example:
//   auto r = Reassembler::Create({.memory_cap_bytes = 4 << 20}).value();
//   PacketRef out = PacketRef::WithHeadroom(big, sizeof big, kPacketHeadroom);
//   ReassemblyResult res = r->Add(fragment.bytes(), now, out);
//   if (res.status == ReassemblyResult::kComplete) Decapsulate(out);
//   ...
//   MonoTime next = r->OnTimer(now);
#ifndef TUNNELISA_REASSEMBLY_H_
#define TUNNELISA_REASSEMBLY_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

// ReassemblyBudget: a byte budget several reassemblers charge their held fragment data to
// (the global cap over all tunnel groups). Thread-safe; owned by the host, must outlive every
// Reassembler that uses it.
class ReassemblyBudget {
 public:
  explicit ReassemblyBudget(size_t cap_bytes) : cap_(cap_bytes) {}
  // TryCharge: takes `bytes` if they fit under the cap; false (nothing taken) otherwise.
  bool TryCharge(size_t bytes) {
    size_t cur = used_.load(std::memory_order_relaxed);
    do {
      if (cur + bytes > cap_) return false;
    } while (!used_.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed));
    return true;
  }
  void Release(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t cap() const { return cap_; }

 private:
  const size_t cap_;
  std::atomic<size_t> used_{0};
};

struct ReassemblyOptions {
  // enabled: when false every fragment is refused with kReassemblyDisabled.
  bool enabled = true;
  // memory_cap_bytes: everything this reassembler allocates (in Create, never later).
  size_t memory_cap_bytes = 4 << 20;
  // max_datagrams: datagrams pending at once (their records come out of memory_cap_bytes).
  uint32_t max_datagrams = 1024;
  // max_fragments_per_datagram: one more fragment abandons the datagram (kFragmentTooMany).
  uint32_t max_fragments_per_datagram = 64;
  // timeout: a datagram not complete this long after its first fragment is discarded
  // (RFC 791 suggests 15 s).
  Duration timeout = Duration::Seconds(15);
  // min_first_fragment_payload: a first fragment (offset 0, more fragments) carrying fewer
  // bytes after the IP header(s) is refused as kFragmentTiny (RFC 1858, RFC 8200 section 4.5:
  // the first fragment must hold the tunnel headers; 24 covers GRE with every option, ESP
  // with a 16-byte IV, and an IPv4 inner header).
  uint32_t min_first_fragment_payload = 24;
  // budget: optional shared cap over several reassemblers; not owned.
  ReassemblyBudget* budget = nullptr;
};

struct ReassemblyResult {
  enum Status : uint8_t {
    kHeld,      // fragment kept; the datagram is not complete yet
    kComplete,  // `out` holds the whole datagram
    kDropped,   // refused: see `reason` (counted)
  };
  Status status = kDropped;
  DropReason reason = DropReason::kNone;
};

struct ReassemblyCounters {
  uint64_t fragments = 0;              // fragments offered to Add
  uint64_t datagrams_completed = 0;    // written to an output buffer
  uint64_t datagrams_timed_out = 0;    // discarded by the timeout
  uint64_t datagrams_evicted = 0;      // discarded to make room (memory or records)
  uint64_t datagrams_abandoned = 0;    // discarded for overlap, inconsistency or too many
  uint64_t fragments_discarded = 0;    // held fragments thrown away with their datagram
  uint64_t fragments_reassembled = 0;  // fragments of the completed datagrams
  // drops: every fragment not reassembled, by reason: refused by Add (the reason returned), or
  // held and later discarded (kReassemblyTimeout, kReassemblyMemory for evictions, the
  // abandoning reason). So fragments == fragments_reassembled + held + sum(drops).
  std::array<uint64_t, kNumDropReasons> drops{};
};

class Reassembler {
 public:
  // Create: control path; allocates the whole pool. InvalidArgument when the cap cannot hold
  // the records for max_datagrams plus one maximal datagram's worth of fragments, or a limit is
  // zero.
  static absl::StatusOr<std::unique_ptr<Reassembler>> Create(const ReassemblyOptions& options);
  ~Reassembler();
  Reassembler(const Reassembler&) = delete;
  Reassembler& operator=(const Reassembler&) = delete;

  // Add: fast path (no allocation, no lock). `fragment` is a whole outer IPv4 packet with MF or
  // a non-zero offset, or an IPv6 packet with a Fragment header (after optional Hop-by-Hop,
  // Routing and Destination Options headers). Its bytes are copied; the caller keeps its
  // buffer. On kComplete the reassembled datagram (first fragment's IP header with total
  // length, MF/offset and checksum fixed; IPv6: Fragment header removed) is written at
  // out.offset, out.length set; an `out` too small drops the datagram with kNoSpareBuffer.
  // Anything else, including a non-fragment, is kDropped with a counted reason.
  ReassemblyResult Add(std::span<const uint8_t> fragment, MonoTime now, PacketRef& out);

  // OnTimer: control path or worker; discards datagrams older than the timeout and returns the
  // next deadline (MonoTime::Infinite() when nothing is pending).
  MonoTime OnTimer(MonoTime now);

  void set_enabled(bool enabled);
  bool enabled() const;
  const ReassemblyCounters& counters() const;
  // memory_in_use: bytes of the pool holding pending data and records now (<= pool_bytes()).
  size_t memory_in_use() const;
  // pool_bytes: what Create allocated (<= memory_cap_bytes).
  size_t pool_bytes() const;
  size_t pending_datagrams() const;

  class Impl;

 private:
  explicit Reassembler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_REASSEMBLY_H_
