#include "ike/codec/v1/v1_message.h"

#include <utility>

#include "ike/codec/errors.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {

absl::StatusOr<V1Datagram> SplitV1Datagram(std::span<const uint8_t> datagram) {
  Reader r(datagram);
  absl::StatusOr<V1Header> header = V1Header::Parse(r);
  if (!header.ok()) return header.status();
  if (absl::Status s = ValidateV1Header(*header, datagram.size()); !s.ok()) return s;
  return V1Datagram{.header = *header, .body = datagram.subspan(kV1HeaderSize)};
}

absl::StatusOr<V1Message> ParseV1Message(std::span<const uint8_t> datagram) {
  absl::StatusOr<V1Datagram> d = SplitV1Datagram(datagram);
  if (!d.ok()) return d.status();
  if (d->header.encrypted()) {
    return absl::FailedPreconditionError(
        "ISAKMP message is encrypted: decrypt its body (V1Protector::Open)");
  }
  absl::StatusOr<std::vector<V1Payload>> payloads = ParseV1Payloads(
      d->header.next_payload, d->body, {.base_offset = kV1HeaderSize, .allow_padding = false});
  if (!payloads.ok()) return WithContext(payloads.status(), V1ExchangeName(d->header.exchange));
  return V1Message{.header = d->header, .payloads = std::move(*payloads)};
}

absl::StatusOr<std::vector<uint8_t>> SerializeV1Message(const V1Header& header,
                                                        std::span<const V1Payload> payloads) {
  if (header.encrypted()) {
    return internal::V1SerializeError("ISAKMP message", "E flag set (use V1Protector::Seal)");
  }
  Writer w;
  V1Header h = header;
  h.next_payload = payloads.empty() ? V1PayloadType::kNone : payloads.front().type;
  h.Serialize(w);
  if (absl::Status s = SerializeV1Payloads(payloads, w); !s.ok()) return s;
  if (w.size() > kV1MaxMessageSize || !w.Patch32(kV1HeaderSize - 4, w.size())) {
    return internal::V1SerializeError("ISAKMP message", "over the size limit");
  }
  return w.Take();
}

absl::StatusOr<std::vector<uint8_t>> V1Message::Serialize() const {
  return SerializeV1Message(header, payloads);
}

const V1Payload* V1Message::Find(V1PayloadType type) const {
  for (const V1Payload& p : payloads) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

size_t V1Message::Count(V1PayloadType type) const {
  size_t n = 0;
  for (const V1Payload& p : payloads) n += p.type == type ? 1 : 0;
  return n;
}

const V1NotifyPayload* V1Message::FindNotify(V1NotifyType type) const {
  for (const V1Payload& p : payloads) {
    const auto* n = p.As<V1NotifyPayload>();
    if (n != nullptr && n->type == type) return n;
  }
  return nullptr;
}

}  // namespace tunnelisa::ike::v1
