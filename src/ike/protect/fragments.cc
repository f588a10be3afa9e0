#include "ike/protect/fragments.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "ike/codec/errors.h"

namespace tunnelisa::ike {

FragmentCollector::FragmentCollector(FragmentLimits limits) : limits_(limits) {}

void FragmentCollector::Clear() {
  for (Direction& d : directions_) d.current.reset();
}

size_t FragmentCollector::buffered_bytes() const {
  size_t n = 0;
  for (const Direction& d : directions_) n += d.current.has_value() ? d.current->bytes : 0;
  return n;
}

std::optional<uint32_t> FragmentCollector::in_progress(bool response) const {
  const Direction& d = directions_[response ? 1 : 0];
  if (!d.current.has_value()) return std::nullopt;
  return d.current->message_id;
}

absl::StatusOr<FragmentOutcome> FragmentCollector::Add(SkProtector& protector,
                                                       std::span<const uint8_t> datagram) {
  // 1. Unauthenticated checks that change nothing: framing, numbers, bounds, staleness,
  //    duplicates. They come before the crypto so junk costs no decryption.
  absl::StatusOr<FragmentInfo> info = protector.InspectFragment(datagram);
  if (!info.ok()) return info.status();
  if (info->total > limits_.max_fragments) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "Total Fragments %d exceeds the limit of %d", info->total, limits_.max_fragments));
  }
  Direction& d = directions_[info->header.response() ? 1 : 0];
  const uint32_t id = info->header.message_id;

  if (d.completed_id.has_value() && id == *d.completed_id) {
    if (info->number != 1) {
      return absl::AlreadyExistsError(
          absl::StrFormat("fragment %d of message %d, already reassembled", info->number, id));
    }
    absl::StatusOr<OpenedFragment> f = protector.OpenFragment(datagram);
    if (!f.ok()) return f.status();
    return FragmentOutcome{.state = FragmentOutcome::State::kRetransmission};
  }
  if ((d.current.has_value() && id < d.current->message_id) ||
      (d.completed_id.has_value() && id < *d.completed_id)) {
    return absl::OutOfRangeError(absl::StrFormat("fragment of stale message %d", id));
  }
  const bool same_message = d.current.has_value() && d.current->message_id == id;
  if (same_message) {
    const Reassembly& cur = *d.current;
    //= https://www.rfc-editor.org/rfc/rfc7383#section-2.6.1
    //# If an incoming message contains an Encrypted Fragment payload, the values of the
    //# Fragment Number and Total Fragments fields MUST be used along with the Message ID to
    //# detect retransmissions and replays.
    if (info->total == cur.total && cur.parts[info->number - 1].has_value()) {
      return absl::AlreadyExistsError(absl::StrFormat(
          "fragment %d of %d of message %d already received", info->number, info->total, id));
    }
    if (info->total < cur.total) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Total Fragments %d below the %d of message %d", info->total, cur.total, id));
    }
    if (info->total == cur.total && info->header.exchange_type != cur.exchange_type) {
      return absl::InvalidArgumentError(
          absl::StrFormat("fragment of message %d changes the exchange type", id));
    }
  }

  // 2. The ICV, before anything is stored (RFC 7383 2.6: verify each fragment's authenticity,
  //    then store it).
  absl::StatusOr<OpenedFragment> f = protector.OpenFragment(datagram);
  if (!f.ok()) return f.status();

  // 3. Authenticated: may start, restart or replace a reassembly.
  //= https://www.rfc-editor.org/rfc/rfc7383#section-2.6
  //# If reassembling is not finished yet and the Total Fragments field
  //# in the received fragment is greater than the Total Fragments field
  //# in those fragments that are in the reassembling queue, the
  //# receiver MUST discard all received fragments and start the
  //# reassembly process over with just the received IKE Fragment
  //# message.
  if (!same_message || f->total > d.current->total) {
    d.current = Reassembly();
    d.current->message_id = id;
    d.current->total = f->total;
    d.current->exchange_type = f->header.exchange_type;
    d.current->parts.resize(f->total);
  }
  Reassembly& cur = *d.current;
  cur.bytes += f->plaintext.size();
  if (cur.bytes > limits_.max_bytes) {
    d.current.reset();
    return absl::ResourceExhaustedError(absl::StrFormat(
        "message %d exceeds %d octets of fragment content; discarded", id, limits_.max_bytes));
  }
  if (f->number == 1) {
    cur.first_header = f->header;
    cur.first_inner = f->first_inner;
  }
  cur.parts[f->number - 1] = std::move(f->plaintext);
  ++cur.count;
  if (cur.count < cur.total) return FragmentOutcome{};

  // 4. Complete: the decrypted contents, in Fragment Number order, form the inner payloads.
  Reassembly done = *std::move(d.current);
  d.current.reset();
  d.completed_id = id;
  std::vector<uint8_t> content;
  content.reserve(done.bytes);
  for (const std::optional<std::vector<uint8_t>>& part : done.parts) {
    content.insert(content.end(), part->begin(), part->end());
  }
  absl::StatusOr<std::vector<Payload>> payloads =
      ParsePayloadChain(done.first_inner, content, {.inside_sk = true});
  if (!payloads.ok()) return WithContext(payloads.status(), "reassembled SKF message");
  return FragmentOutcome{.state = FragmentOutcome::State::kComplete,
                         .header = done.first_header,
                         .payloads = *std::move(payloads)};
}

}  // namespace tunnelisa::ike
