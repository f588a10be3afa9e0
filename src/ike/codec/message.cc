#include "ike/codec/message.h"

#include <utility>

#include "ike/codec/errors.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {

absl::StatusOr<Message> Message::Parse(std::span<const uint8_t> datagram) {
  Reader r(datagram);
  absl::StatusOr<Header> header = Header::Parse(r);
  if (!header.ok()) return header.status();
  if (absl::Status s = ValidateIkev2Header(*header, datagram.size()); !s.ok()) return s;
  ChainOptions options{.base_offset = kHeaderSize};
  absl::StatusOr<std::vector<Payload>> payloads =
      ParsePayloadChain(header->next_payload, datagram.subspan(kHeaderSize), options);
  if (!payloads.ok()) {
    return WithContext(payloads.status(), ExchangeTypeName(header->exchange()));
  }
  return Message{.header = *header, .payloads = std::move(*payloads)};
}

absl::StatusOr<std::vector<uint8_t>> Message::Serialize() const {
  Writer w(kTypicalMessageSize);
  Header h = header;
  h.Serialize(w);
  absl::StatusOr<uint8_t> first = SerializePayloadChain(payloads, w);
  if (!first.ok()) return first.status();
  // Next Payload is the 17th octet, Length the last four of the header.
  if (!w.Patch8(16, *first) || !w.Patch32(kHeaderSize - 4, w.size())) {
    return internal::SerializeError("IKE message", "over 2^32 - 1 octets");
  }
  return w.Take();
}

const Payload* Message::Find(PayloadType type) const {
  for (const Payload& p : payloads) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

size_t Message::Count(PayloadType type) const {
  size_t n = 0;
  for (const Payload& p : payloads) n += p.type == type ? 1 : 0;
  return n;
}

const NotifyPayload* Message::FindNotify(NotifyType type) const {
  for (const Payload& p : payloads) {
    const auto* n = p.As<NotifyPayload>();
    if (n != nullptr && n->type == type) return n;
  }
  return nullptr;
}

}  // namespace tunnelisa::ike
