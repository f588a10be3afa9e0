#include "ike/codec/v1/v1_payload.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/reader.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using internal::V1Malformed;
using internal::V1SerializeError;
using internal::V1Truncated;

template <typename T>
absl::StatusOr<V1PayloadBody> Wrap(absl::StatusOr<T> parsed) {
  if (!parsed.ok()) return parsed.status();
  return V1PayloadBody(std::move(*parsed));
}

// ParseBody: `type` is known (IsKnownV1PayloadType).
absl::StatusOr<V1PayloadBody> ParseBody(V1PayloadType type, Reader& body) {
  switch (type) {
    case V1PayloadType::kSa:
      return Wrap(V1SaPayload::Parse(body));
    case V1PayloadType::kKe:
      return Wrap(V1KePayload::Parse(body));
    case V1PayloadType::kId:
      return Wrap(V1IdPayload::Parse(body));
    case V1PayloadType::kCert:
      return Wrap(V1CertPayload::Parse(body));
    case V1PayloadType::kCertReq:
      return Wrap(V1CertReqPayload::Parse(body));
    case V1PayloadType::kHash:
      return Wrap(V1HashPayload::Parse(body));
    case V1PayloadType::kSig:
      return Wrap(V1SigPayload::Parse(body));
    case V1PayloadType::kNonce:
      return Wrap(V1NoncePayload::Parse(body));
    case V1PayloadType::kNotify:
      return Wrap(V1NotifyPayload::Parse(body));
    case V1PayloadType::kDelete:
      return Wrap(V1DeletePayload::Parse(body));
    case V1PayloadType::kVendorId:
      return Wrap(V1VendorIdPayload::Parse(body));
    case V1PayloadType::kAttribute:
      return Wrap(V1AttributePayload::Parse(body));
    case V1PayloadType::kNatD:
      return Wrap(V1NatDPayload::Parse(body));
    case V1PayloadType::kNatOa:
      return Wrap(V1NatOaPayload::Parse(body));
    case V1PayloadType::kNone:
    case V1PayloadType::kProposal:
    case V1PayloadType::kTransform:
      break;
  }
  return absl::InternalError("ParseBody called with an unknown payload type");
}

absl::Status SerializeBody(const V1PayloadBody& body, Writer& w) {
  return std::visit([&w](const auto& b) -> absl::Status { return b.Serialize(w); }, body);
}

// SerializeOne: one payload with its generic header naming `next`.
absl::Status SerializeOne(const V1Payload& p, uint8_t next, Writer& w) {
  const std::string name = V1PayloadTypeName(p.type);
  if (!V1BodyMatchesType(p.type, p.body)) {
    return V1SerializeError(name + " payload", "body does not match the type");
  }
  const size_t start = w.size();
  w.U8(next);
  w.U8(0);
  const size_t length_at = w.Reserve16();
  if (absl::Status s = SerializeBody(p.body, w); !s.ok()) return s;
  if (!w.Patch16(length_at, w.size() - start)) {
    return V1SerializeError(name + " payload", "over 65535 octets");
  }
  return absl::OkStatus();
}

uint8_t NextOf(std::span<const V1Payload> payloads, size_t i) {
  return i + 1 < payloads.size() ? static_cast<uint8_t>(payloads[i + 1].type) : 0;
}

}  // namespace

bool V1BodyMatchesType(V1PayloadType type, const V1PayloadBody& body) {
  switch (type) {
    case V1PayloadType::kSa:
      return std::holds_alternative<V1SaPayload>(body);
    case V1PayloadType::kKe:
      return std::holds_alternative<V1KePayload>(body);
    case V1PayloadType::kId:
      return std::holds_alternative<V1IdPayload>(body);
    case V1PayloadType::kCert:
      return std::holds_alternative<V1CertPayload>(body);
    case V1PayloadType::kCertReq:
      return std::holds_alternative<V1CertReqPayload>(body);
    case V1PayloadType::kHash:
      return std::holds_alternative<V1HashPayload>(body);
    case V1PayloadType::kSig:
      return std::holds_alternative<V1SigPayload>(body);
    case V1PayloadType::kNonce:
      return std::holds_alternative<V1NoncePayload>(body);
    case V1PayloadType::kNotify:
      return std::holds_alternative<V1NotifyPayload>(body);
    case V1PayloadType::kDelete:
      return std::holds_alternative<V1DeletePayload>(body);
    case V1PayloadType::kVendorId:
      return std::holds_alternative<V1VendorIdPayload>(body);
    case V1PayloadType::kAttribute:
      return std::holds_alternative<V1AttributePayload>(body);
    case V1PayloadType::kNatD:
      return std::holds_alternative<V1NatDPayload>(body);
    case V1PayloadType::kNatOa:
      return std::holds_alternative<V1NatOaPayload>(body);
    case V1PayloadType::kNone:
    case V1PayloadType::kProposal:
    case V1PayloadType::kTransform:
      break;
  }
  return false;
}

absl::StatusOr<std::vector<V1Payload>> ParseV1Payloads(V1PayloadType first,
                                                       std::span<const uint8_t> body,
                                                       const V1ChainOptions& options) {
  Reader r(body, options.base_offset);
  std::vector<V1Payload> out;
  auto next = static_cast<uint8_t>(first);
  while (next != 0) {
    const size_t at = r.offset();
    if (out.size() == options.max_payloads) {
      return V1Malformed("payload chain", at,
                         absl::StrFormat("more than %d payloads", options.max_payloads));
    }
    const uint8_t type = next;
    if (!IsKnownV1PayloadType(type)) {
      return V1CodecError(absl::StrFormat("invalid payload type %d at offset %d", type, at),
                          V1NotifyType::kInvalidPayloadType, {type});
    }
    const auto ptype = static_cast<V1PayloadType>(type);
    const std::string name = V1PayloadTypeName(ptype) + " payload";
    std::span<const uint8_t> whole = r.Rest();
    Reader header(whole, at);
    uint16_t length = 0;
    if (header.remaining() < kV1GenericHeaderSize || !header.U8(next) || !header.Skip(1) ||
        !header.U16(length)) {
      return V1Truncated(name + " header", header, kV1GenericHeaderSize);
    }
    if (length < kV1GenericHeaderSize) {
      return V1Malformed(name, at, absl::StrFormat("Payload Length %d < 4", length));
    }
    if (length > whole.size()) {
      return V1Malformed(name, at,
                         absl::StrFormat("Payload Length %d runs past the end (%d octets left)",
                                         length, whole.size()));
    }
    r = Reader(whole.subspan(length), at + length);
    Reader payload_body(whole.subspan(kV1GenericHeaderSize, length - kV1GenericHeaderSize),
                        at + kV1GenericHeaderSize);
    absl::StatusOr<V1PayloadBody> parsed = ParseBody(ptype, payload_body);
    if (!parsed.ok()) return parsed.status();
    std::span<const uint8_t> raw = whole.first(length);
    out.push_back(
        V1Payload{.type = ptype, .body = std::move(*parsed), .raw = {raw.begin(), raw.end()}});
  }
  if (!r.empty() && !options.allow_padding) {
    return V1Malformed("payload chain", r.offset(),
                       absl::StrFormat("%d octets after the last payload", r.remaining()),
                       V1NotifyType::kUnequalPayloadLengths);
  }
  return out;
}

absl::Status SerializeV1Payloads(std::span<const V1Payload> payloads, Writer& w) {
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (absl::Status s = SerializeOne(payloads[i], NextOf(payloads, i), w); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> SerializeV1Payloads(std::span<const V1Payload> payloads) {
  Writer w;
  if (absl::Status s = SerializeV1Payloads(payloads, w); !s.ok()) return s;
  return w.Take();
}

absl::StatusOr<std::vector<uint8_t>> V1PayloadBodyBytes(const V1Payload& payload) {
  if (!payload.raw.empty()) {
    std::span<const uint8_t> body = payload.raw_body();
    return std::vector<uint8_t>(body.begin(), body.end());
  }
  if (!V1BodyMatchesType(payload.type, payload.body)) {
    return V1SerializeError(V1PayloadTypeName(payload.type) + " payload",
                            "body does not match the type");
  }
  Writer w;
  if (absl::Status s = SerializeBody(payload.body, w); !s.ok()) return s;
  return w.Take();
}

absl::StatusOr<std::vector<uint8_t>> V1ChainBytes(std::span<const V1Payload> payloads) {
  Writer w;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (!payloads[i].raw.empty()) {
      w.Bytes(payloads[i].raw);
    } else if (absl::Status s = SerializeOne(payloads[i], NextOf(payloads, i), w); !s.ok()) {
      return s;
    }
  }
  return w.Take();
}

}  // namespace tunnelisa::ike::v1
