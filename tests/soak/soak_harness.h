// Soak harness (tests/soak/): one engine of a back-to-back pair with everything a long run
// needs to account for its packets: the host's own ledger of what it gave the engine, what
// the engine answered (verdicts) and what left through the Transport, checked against
// EngineCounters; event counts per tunnel instead of event logs (a 24-hour run raises millions
// of events: keeping them would be the harness's own memory growth); RSS samples; parameters
// from the environment. Test-only.
#ifndef TUNNELISA_TESTS_SOAK_SOAK_HARNESS_H_
#define TUNNELISA_TESTS_SOAK_SOAK_HARNESS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine_test_util.h"
#include "tunnelisa/engine.h"

namespace tunnelisa::testing::soak {

// EnvNumber: the environment variable `name` as a number, `fallback` when unset; a value that
// does not parse fails the test (a mistyped long-run command must not silently run the
// defaults).
double EnvNumber(const char* name, double fallback);

// RssKb: this process's resident set (/proc/self/statm), in KiB; 0 if unreadable.
uint64_t RssKb();
// RssChecked: false in an AddressSanitizer build, whose quarantine keeps freed memory resident
// (hundreds of MiB): there the RSS table is printed, not bounded.
bool RssChecked();

// At: simulated monotonic time, `seconds` after the epoch of the run.
MonoTime At(double seconds);

// CountingEvents: IKE events counted by kind, overall and per tunnel (tunnel names "t<N>").
class CountingEvents final : public EventListener {
 public:
  explicit CountingEvents(size_t tunnels);
  void OnIke(const IkeEvent& e) override;
  static constexpr size_t kKinds = 8;  // IkeEventKind's values
  uint64_t Total(IkeEventKind k) const { return total_[static_cast<size_t>(k)]; }
  uint32_t Of(size_t tunnel, IkeEventKind k) const;
  // unknown: events naming no tunnel "t<N>" of the run (counted; the soak expects none).
  uint64_t unknown = 0;
  // downs: (tunnel, detail) of the first kMaxDowns kIkeDown events (rare in a soak: kept to
  // tell DPD's "dead peer" from other reasons).
  static constexpr size_t kMaxDowns = 256;
  std::vector<std::pair<size_t, std::string>> downs;

 private:
  std::array<uint64_t, kKinds> total_{};
  std::vector<std::array<uint32_t, kKinds>> per_tunnel_;
};

// Ledger: the host's side of the accounting, kept by SoakSide.
struct Ledger {
  uint64_t public_in = 0;              // packets given to OnPublicPackets
  uint64_t private_in = 0;             // packets given to OnPrivatePackets
  std::array<uint64_t, 5> verdicts{};  // by Verdict::Action
  std::array<uint64_t, kNumDropReasons> drops{};
  uint64_t sent_public = 0;  // public outputs seen (data and IKE)
  uint64_t sent_ike = 0;     // of those, IKE datagrams (control outputs: no input packet)
  uint64_t delivered_private = 0;
};

// SoakSide: one engine, its Transport (RecordingTransport: the outputs are collected per pump
// round and handed on), its events and its ledger.
class SoakSide {
 public:
  SoakSide(std::string_view config_text, uint64_t seed, size_t tunnels, MonoTime now,
           const EngineOptions& options = {});
  Engine& engine() { return *engine_; }
  CountingEvents& events() { return events_; }
  const Ledger& ledger() const { return ledger_; }

  // Public / Private: the packets as bursts of at most 32 (as a host's receive loop), every
  // verdict tallied; kToControl packets go to OnControlPacket after their burst.
  void Public(const std::vector<std::vector<uint8_t>>& packets, MonoTime now);
  void Private(uint32_t service, const std::vector<std::vector<uint8_t>>& packets, MonoTime now);
  // TakePublic / TakePrivate: what left through the Transport since the last call, counted
  // (public outputs classified as IKE or data).
  std::vector<Output> TakePublic();
  std::vector<Output> TakePrivate();

  // CheckCounters: EngineCounters against the ledger; one message per mismatch, empty if all
  // agree. The identity (every packet the engine handled ends exactly one way):
  //   public_in + private_in + IKE datagrams sent
  //     == sent_public + delivered_private + consumed + to_control + sum(drops by reason)
  // IKE datagrams are the only outputs without an input packet (the control plane makes them);
  // each input otherwise leaves at most once, or is consumed (a fragment held for reassembly),
  // handed to the control plane, or dropped with one reason. `extra_units` adds the packets
  // made inside the engine that are accounted on their own (the datagrams reassembly
  // completes: their fragments were each counted consumed, the datagram then leaves or drops).
  // One-thread use (no EngineWorker), so nothing is handed off between slots.
  std::vector<std::string> CheckCounters(const char* name, uint64_t extra_units = 0) const;

 private:
  void Tally(std::span<const EngineVerdict> v, size_t n);
  RecordingTransport transport_;
  CountingEvents events_;
  SeededRandom random_;
  std::unique_ptr<Engine> engine_;
  Ledger ledger_;
};

// IsIke: an IPv4 UDP datagram to port 500 (or 4500 with the non-ESP marker).
bool IsIke(const std::vector<uint8_t>& p);

// Pump: moves public outputs between the two sides until both are quiet (at most
// `max_rounds` rounds), each round's packets as bursts; returns the packets moved.
size_t Pump(SoakSide& a, SoakSide& b, MonoTime now, int max_rounds = 32);

// Memory over the run: the resident set (what an operator sees) and the heap bytes in use
// (glibc's mallinfo2, every arena: what a leak grows). glibc gives memory back to the system
// only from the top of a heap, so RSS can step up after a burst of allocations and stay there
// while the bytes in use are flat: fragmentation, not a leak. The 10k x 24 h IKE run showed
// such steps (docs/reliability.md), hence two checks.
struct RssSample {
  double hour;
  uint64_t kb;       // resident set
  uint64_t heap_kb;  // heap in use
};
RssSample SampleMemory(double hour);
std::string FormatRss(const std::vector<RssSample>& samples);
// RssGrowthAfter / HeapGrowthAfter: the largest sample after `from_hour` minus the first
// sample at or after it.
int64_t RssGrowthAfter(const std::vector<RssSample>& samples, double from_hour);
int64_t HeapGrowthAfter(const std::vector<RssSample>& samples, double from_hour);
// CheckMemoryAfterHourOne: prints the table; then, when `check` (not under a sanitizer, and
// the run is longer than an hour), fails the test if the heap in use grew by more than
// `bound_kb` after hour 1 (the leak check), or RSS by more than `bound_kb` plus an eighth of
// hour 1's RSS (the allocator's fragmentation allowance: a leak large enough to matter still
// shows in the first check; runaway fragmentation in this one).
void CheckMemoryAfterHourOne(const std::vector<RssSample>& samples, int64_t bound_kb, bool check);

// DropTable: "reason count" lines for every non-zero reason of `drops`.
std::string FormatDrops(const std::array<uint64_t, kNumDropReasons>& drops);

}  // namespace tunnelisa::testing::soak

#endif  // TUNNELISA_TESTS_SOAK_SOAK_HARNESS_H_
