#include "ike/codec/payload.h"

#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/errors.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

constexpr uint8_t kCriticalBit = 0x80;

template <typename T>
absl::StatusOr<PayloadBody> Wrap(absl::StatusOr<T> parsed) {
  if (!parsed.ok()) return parsed.status();
  return PayloadBody(std::move(*parsed));
}

absl::StatusOr<PayloadBody> ParseBody(PayloadType type, uint8_t next, Reader& body) {
  switch (type) {
    case PayloadType::kSa:
      return Wrap(SaPayload::Parse(body));
    case PayloadType::kKe:
      return Wrap(KePayload::Parse(body));
    case PayloadType::kIdi:
    case PayloadType::kIdr:
      return Wrap(IdPayload::Parse(body));
    case PayloadType::kCert:
    case PayloadType::kCertReq:
      return Wrap(CertPayload::Parse(body));
    case PayloadType::kAuth:
      return Wrap(AuthPayload::Parse(body));
    case PayloadType::kNonce:
      return Wrap(NoncePayload::Parse(body));
    case PayloadType::kNotify:
      return Wrap(NotifyPayload::Parse(body));
    case PayloadType::kDelete:
      return Wrap(DeletePayload::Parse(body));
    case PayloadType::kVendorId:
      return Wrap(VendorIdPayload::Parse(body));
    case PayloadType::kTsi:
    case PayloadType::kTsr:
      return Wrap(TsPayload::Parse(body));
    case PayloadType::kEncrypted:
      return Wrap(EncryptedPayload::Parse(body, next));
    case PayloadType::kEncryptedFragment:
      return Wrap(EncryptedFragmentPayload::Parse(body, next));
    case PayloadType::kCp:
      return Wrap(CpPayload::Parse(body));
    case PayloadType::kEap:
      return Wrap(EapPayload::Parse(body));
    case PayloadType::kNone:
      break;
  }
  return PayloadBody(UnknownPayload{.body = body.CopyRest()});
}

absl::Status SerializeBody(const PayloadBody& body, Writer& w) {
  return std::visit(
      [&w](const auto& b) -> absl::Status {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, UnknownPayload>) {
          w.Bytes(b.body);
          return absl::OkStatus();
        } else {
          return b.Serialize(w);
        }
      },
      body);
}

bool IsEncrypted(PayloadType type) {
  return type == PayloadType::kEncrypted || type == PayloadType::kEncryptedFragment;
}

}  // namespace

bool BodyMatchesType(PayloadType type, const PayloadBody& body) {
  if (!IsKnownPayloadType(static_cast<uint8_t>(type))) {
    return std::holds_alternative<UnknownPayload>(body);
  }
  switch (type) {
    case PayloadType::kSa:
      return std::holds_alternative<SaPayload>(body);
    case PayloadType::kKe:
      return std::holds_alternative<KePayload>(body);
    case PayloadType::kIdi:
    case PayloadType::kIdr:
      return std::holds_alternative<IdPayload>(body);
    case PayloadType::kCert:
    case PayloadType::kCertReq:
      return std::holds_alternative<CertPayload>(body);
    case PayloadType::kAuth:
      return std::holds_alternative<AuthPayload>(body);
    case PayloadType::kNonce:
      return std::holds_alternative<NoncePayload>(body);
    case PayloadType::kNotify:
      return std::holds_alternative<NotifyPayload>(body);
    case PayloadType::kDelete:
      return std::holds_alternative<DeletePayload>(body);
    case PayloadType::kVendorId:
      return std::holds_alternative<VendorIdPayload>(body);
    case PayloadType::kTsi:
    case PayloadType::kTsr:
      return std::holds_alternative<TsPayload>(body);
    case PayloadType::kEncrypted:
      return std::holds_alternative<EncryptedPayload>(body);
    case PayloadType::kEncryptedFragment:
      return std::holds_alternative<EncryptedFragmentPayload>(body);
    case PayloadType::kCp:
      return std::holds_alternative<CpPayload>(body);
    case PayloadType::kEap:
      return std::holds_alternative<EapPayload>(body);
    case PayloadType::kNone:
      break;
  }
  return false;
}

namespace {

// ChainLength: how many payloads the chain in `bytes` announces (following the Next Payload and
// Payload Length fields without checking anything else; at most `max`), so the parse below
// allocates its vector once. A malformed chain just gives a poor estimate: the parse finds
// and reports what is wrong.
size_t ChainLength(uint8_t first_type, std::span<const uint8_t> bytes, size_t max) {
  size_t n = 0;
  size_t at = 0;
  for (uint8_t next = first_type; next != 0 && n < max; ++n) {
    if (bytes.size() - at < kGenericHeaderSize) return n + 1;
    const size_t length = static_cast<size_t>(bytes[at + 2] << 8 | bytes[at + 3]);
    if (IsEncrypted(static_cast<PayloadType>(next)) || length < kGenericHeaderSize ||
        length > bytes.size() - at) {
      return n + 1;
    }
    next = bytes[at];
    at += length;
  }
  return n;
}

}  // namespace

absl::StatusOr<std::vector<Payload>> ParsePayloadChain(uint8_t first_type,
                                                       std::span<const uint8_t> bytes,
                                                       const ChainOptions& options) {
  Reader r(bytes, options.base_offset);
  std::vector<Payload> out;
  out.reserve(ChainLength(first_type, bytes, options.max_payloads));
  uint8_t next = first_type;
  while (next != 0) {
    const size_t at = r.offset();
    if (out.size() == options.max_payloads) {
      return CodecError(
          absl::StrFormat("more than %d payloads (offset %d)", options.max_payloads, at));
    }
    const uint8_t type = next;
    const std::string name = PayloadTypeName(static_cast<PayloadType>(type));
    uint8_t flags = 0;
    uint16_t length = 0;
    if (r.remaining() < kGenericHeaderSize || !r.U8(next) || !r.U8(flags) || !r.U16(length)) {
      return internal::Truncated(name + " payload header", r, kGenericHeaderSize);
    }
    if (length < kGenericHeaderSize) {
      return internal::Malformed(name + " payload", at,
                                 absl::StrFormat("Payload Length %d < 4", length));
    }
    Reader body;
    if (!r.Sub(length - kGenericHeaderSize, body)) {
      return internal::Malformed(
          name + " payload", at,
          absl::StrFormat("Payload Length %d runs past the end (%d octets left)", length,
                          r.remaining() + kGenericHeaderSize));
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.2
    //# RESERVED (7 bits) - MUST be sent as zero; MUST be ignored on receipt.
    const bool critical = (flags & kCriticalBit) != 0;
    if (!IsKnownPayloadType(type) && critical) {
      //= https://www.rfc-editor.org/rfc/rfc7296#section-2.5
      //# If the critical flag is set and the payload type is unrecognized, the message MUST
      //# be rejected and the response to the IKE request containing that payload MUST
      //# include a Notify payload UNSUPPORTED_CRITICAL_PAYLOAD, indicating an unsupported
      //# critical payload was included.  In that Notify payload, the Notification Data
      //# contains the one-octet payload type.
      return CodecError(
          absl::StrFormat("unsupported critical payload type %d at offset %d", type, at),
          NotifyType::kUnsupportedCriticalPayload, {type}, absl::StatusCode::kUnimplemented);
    }
    const auto ptype = static_cast<PayloadType>(type);
    if (IsEncrypted(ptype)) {
      //= https://www.rfc-editor.org/rfc/rfc7296#section-3.1
      //# An Encrypted payload MUST be the last payload in a packet and an Encrypted payload
      //# MUST NOT contain another Encrypted payload.
      if (options.inside_sk) {
        return internal::Malformed(name + " payload", at, "inside an Encrypted payload");
      }
      if (!r.empty()) {
        return internal::Malformed(name + " payload", at, "not the last payload");
      }
    }
    absl::StatusOr<PayloadBody> parsed = ParseBody(ptype, next, body);
    if (!parsed.ok()) return parsed.status();
    out.push_back(Payload{.type = ptype, .critical = critical, .body = std::move(*parsed)});
    if (IsEncrypted(ptype)) break;  // its Next Payload names the first inner payload
  }
  if (!r.empty()) {
    return internal::Malformed("payload chain", r.offset(),
                               absl::StrFormat("%d octets after the last payload", r.remaining()));
  }
  return out;
}

absl::StatusOr<uint8_t> SerializePayloadChain(std::span<const Payload> payloads, Writer& w) {
  for (size_t i = 0; i < payloads.size(); ++i) {
    const Payload& p = payloads[i];
    const std::string name = PayloadTypeName(p.type);
    if (p.type == PayloadType::kNone || !BodyMatchesType(p.type, p.body)) {
      return internal::SerializeError(name + " payload", "body does not match the type");
    }
    const bool last = i + 1 == payloads.size();
    uint8_t next = last ? 0 : static_cast<uint8_t>(payloads[i + 1].type);
    if (const auto* sk = p.As<EncryptedPayload>()) next = sk->first_inner;
    if (const auto* skf = p.As<EncryptedFragmentPayload>()) next = skf->first_inner;
    if (IsEncrypted(p.type) && !last) {
      return internal::SerializeError(name + " payload", "not the last payload");
    }
    const size_t start = w.size();
    w.U8(next);
    w.U8(p.critical ? kCriticalBit : 0);
    const size_t length_at = w.Reserve16();
    if (absl::Status s = SerializeBody(p.body, w); !s.ok()) return s;
    if (!w.Patch16(length_at, w.size() - start)) {
      return internal::SerializeError(name + " payload", "over 65535 octets");
    }
  }
  return payloads.empty() ? uint8_t{0} : static_cast<uint8_t>(payloads.front().type);
}

}  // namespace tunnelisa::ike
