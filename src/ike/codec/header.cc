#include "ike/codec/header.h"

#include "absl/strings/str_format.h"
#include "ike/codec/errors.h"

namespace tunnelisa::ike {

absl::StatusOr<Header> Header::Parse(Reader& r) {
  if (r.remaining() < kHeaderSize) {
    return CodecError(absl::StrFormat("IKE header truncated at offset %d: %d of %d octets",
                                      r.offset(), r.remaining(), kHeaderSize));
  }
  Header h;
  uint8_t version = 0;
  bool ok = r.U64(h.initiator_spi) && r.U64(h.responder_spi) && r.U8(h.next_payload) &&
            r.U8(version) && r.U8(h.exchange_type) && r.U8(h.flags) && r.U32(h.message_id) &&
            r.U32(h.length);
  if (!ok) return CodecError("IKE header truncated");
  h.major_version = version >> 4;
  h.minor_version = version & 0x0f;
  return h;
}

void Header::Serialize(Writer& w) const {
  w.U64(initiator_spi);
  w.U64(responder_spi);
  w.U8(next_payload);
  w.U8(static_cast<uint8_t>((major_version & 0x0f) << 4 | (minor_version & 0x0f)));
  w.U8(exchange_type);
  w.U8(flags);
  w.U32(message_id);
  w.U32(length);
}

absl::Status ValidateIkev2Header(const Header& h, size_t datagram_size) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.1
  //# Implementations based on this document's version (version 2) of IKE
  //# MUST reject or ignore messages containing a version number greater than
  //# 2 with an INVALID_MAJOR_VERSION notification message as described in
  //# Section 2.5.
  if (h.major_version > kIkev2MajorVersion) {
    return CodecError(
        absl::StrFormat("IKE header: major version %d is not supported", h.major_version),
        NotifyType::kInvalidMajorVersion, {kIkev2Version});
  }
  if (h.major_version < kIkev2MajorVersion) {
    return PlainCodecError(absl::StrFormat(
        "IKE header: major version %d is not IKEv2 (dispatch IKEv1 before this codec)",
        h.major_version));
  }
  if (h.length < kHeaderSize) {
    return CodecError(
        absl::StrFormat("IKE header: length %d is smaller than the header", h.length));
  }
  if (h.length != datagram_size) {
    return CodecError(absl::StrFormat("IKE header: length %d but the datagram has %d octets",
                                      h.length, datagram_size));
  }
  if (!IsKnownExchangeType(h.exchange_type)) {
    return CodecError(absl::StrFormat("IKE header: unknown exchange type %d", h.exchange_type));
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.1
  //# This value MUST NOT be zero.
  if (h.initiator_spi == 0) return CodecError("IKE header: initiator SPI is zero");
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.1
  //# This value MUST be zero in the first message of an IKE initial
  //# exchange (including repeats of that message including a cookie).
  if (h.exchange() == ExchangeType::kIkeSaInit && !h.response() && h.responder_spi != 0) {
    return CodecError("IKE header: IKE_SA_INIT request with a nonzero responder SPI");
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.1
  //# Implementations of IKEv2 MUST clear this bit when sending and MUST
  //# ignore it in incoming messages.
  // (The V bit; the unused X bits are likewise ignored on receipt.)
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
