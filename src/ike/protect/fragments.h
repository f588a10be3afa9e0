// File: ike/protect/fragments.h
//
// FragmentCollector: reassembly of received IKE Fragment messages (RFC 7383 2.6). The sending
// side is SkProtector::SealFragments (sk_protection.h); each fragment is protected on its own,
// so every fragment's ICV is verified before it is stored, and a forged fragment can neither
// take a slot nor end or restart a reassembly.
//
// Policy (one collector per IKE SA):
//  - one message in progress per direction (requests and responses, by the header's R flag);
//    an authenticated fragment of a newer Message ID discards the older reassembly; fragments
//    of older Message IDs are dropped;
//  - the Fragment Number, Total Fragments and Message ID identify a fragment: a repeat of a
//    stored one is dropped without decrypting (RFC 7383 2.6.1);
//  - a Total Fragments below the one of the reassembly in progress is dropped; an
//    authenticated one above it restarts the reassembly with that fragment (a sender that
//    re-fragments after a PMTU change, RFC 7383 2.6);
//  - bounds: at most `max_fragments` per message (a larger Total Fragments is dropped before
//    any crypto) and `max_bytes` of decrypted content (exceeding it discards the message);
//    memory is bounded by those, whatever arrives;
//  - once complete, the concatenated content is parsed as the inner payloads (first type from
//    fragment 1) and the Message ID remembered: a later authenticated fragment 1 of that
//    message is reported as a retransmission (the caller may resend its response, RFC 7383
//    2.6.1), other fragments of it are dropped.
// There is no clock: the caller discards a stalled reassembly with Clear() when its timer
// fires.
//
// Example:
//   absl::StatusOr<FragmentOutcome> r = collector.Add(*protector, datagram);
//   if (!r.ok()) { count(r.status()); return; }  // dropped; PermissionDenied = ICV failure
//   if (r->state == FragmentOutcome::State::kComplete) Process(r->header, r->payloads);
//
// Control thread only; not thread-safe. Allocates; not on the packet fast path.
#ifndef TUNNELISA_SRC_IKE_PROTECT_FRAGMENTS_H_
#define TUNNELISA_SRC_IKE_PROTECT_FRAGMENTS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/codec/header.h"
#include "ike/codec/payload.h"
#include "ike/protect/sk_protection.h"

namespace tunnelisa::ike {

// FragmentLimits: the collector's bounds per message being reassembled.
struct FragmentLimits {
  size_t max_fragments = 64;     // largest Total Fragments accepted
  size_t max_bytes = 64 * 1024;  // decrypted content of one message
};

// FragmentOutcome: what an accepted fragment did.
struct FragmentOutcome {
  enum class State {
    kIncomplete,      // stored; more fragments needed
    kComplete,        // the message is whole: header and payloads are set
    kRetransmission,  // fragment 1 of the message completed last in this direction
  };
  State state = State::kIncomplete;
  Header header;                  // kComplete: fragment 1's header (next_payload is SKF)
  std::vector<Payload> payloads;  // kComplete: the inner payloads
};

class FragmentCollector {
 public:
  explicit FragmentCollector(FragmentLimits limits = {});

  // Add: one received SKF datagram (non-ESP marker removed), verified and decrypted with
  // `protector` (the IKE SA's). Errors, the fragment being dropped and nothing else changing:
  //  - codec errors (INVALID_SYNTAX attached, unauthenticated: do not answer): not SKF, bad
  //    framing, bad Fragment Number / Total Fragments;
  //  - ResourceExhausted: Total Fragments above max_fragments; or content above max_bytes, in
  //    which case the whole reassembly is discarded;
  //  - OutOfRange: a Message ID older than the one in progress or completed last;
  //  - AlreadyExists: a fragment already stored, or one of a completed message (not number 1);
  //  - InvalidArgument (no notify): Total Fragments below the reassembly's, or an exchange type
  //    different from the other fragments';
  //  - PermissionDenied("ICV check failed"): forged or corrupted, drop silently;
  //  - once complete, a codec error (notify attached: the message was authenticated) when the
  //    reassembled content is not a valid payload chain; the message counts as completed.
  absl::StatusOr<FragmentOutcome> Add(SkProtector& protector, std::span<const uint8_t> datagram);

  // Clear: discards every reassembly in progress (the reassembly timer fired, or the IKE SA
  // is rekeyed); remembered completed Message IDs are kept.
  void Clear();

  // buffered_bytes: decrypted content held for incomplete messages (for counters and tests).
  size_t buffered_bytes() const;
  // in_progress: the Message ID being reassembled in a direction (`response`: R flag set).
  std::optional<uint32_t> in_progress(bool response) const;

 private:
  struct Reassembly {
    uint32_t message_id = 0;
    uint16_t total = 0;
    uint8_t exchange_type = 0;
    uint8_t first_inner = 0;
    Header first_header;
    size_t count = 0;
    size_t bytes = 0;
    std::vector<std::optional<std::vector<uint8_t>>> parts;  // index: Fragment Number - 1
  };
  struct Direction {
    std::optional<Reassembly> current;
    std::optional<uint32_t> completed_id;
  };

  FragmentLimits limits_;
  Direction directions_[2];  // [0] requests, [1] responses
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_PROTECT_FRAGMENTS_H_
