#include "ike/codec/v1/v1_payloads.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using internal::V1Malformed;
using internal::V1SerializeError;
using internal::V1Truncated;

// ReadOpaque: the whole body as one non-empty field.
absl::Status ReadOpaque(Reader& body, const char* what, std::vector<uint8_t>& out) {
  if (body.empty()) return V1Malformed(what, body.offset(), "empty");
  out = body.CopyRest();
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<T> ParseOpaque(Reader& body, const char* what, std::vector<uint8_t> T::*field) {
  T out;
  if (absl::Status s = ReadOpaque(body, what, out.*field); !s.ok()) return s;
  return out;
}

absl::Status WriteOpaque(const std::vector<uint8_t>& data, const char* what, Writer& w) {
  if (data.empty()) return V1SerializeError(what, "empty");
  w.Bytes(data);
  return absl::OkStatus();
}

// ReadDoiProtocolSpiSize: DOI, Protocol-ID and SPI Size, which start Notify and Delete.
bool ReadDoiProtocolSpiSize(Reader& r, uint32_t& doi, V1ProtocolId& protocol, uint8_t& spi_size) {
  uint8_t p = 0;
  if (!r.U32(doi) || !r.U8(p) || !r.U8(spi_size)) return false;
  protocol = static_cast<V1ProtocolId>(p);
  return true;
}

}  // namespace

absl::StatusOr<V1KePayload> V1KePayload::Parse(Reader& body) {
  return ParseOpaque<V1KePayload>(body, "KE payload", &V1KePayload::data);
}
absl::Status V1KePayload::Serialize(Writer& w) const { return WriteOpaque(data, "KE payload", w); }

absl::StatusOr<V1HashPayload> V1HashPayload::Parse(Reader& body) {
  return ParseOpaque<V1HashPayload>(body, "HASH payload", &V1HashPayload::data);
}
absl::Status V1HashPayload::Serialize(Writer& w) const {
  return WriteOpaque(data, "HASH payload", w);
}

absl::StatusOr<V1SigPayload> V1SigPayload::Parse(Reader& body) {
  return ParseOpaque<V1SigPayload>(body, "SIG payload", &V1SigPayload::data);
}
absl::Status V1SigPayload::Serialize(Writer& w) const {
  return WriteOpaque(data, "SIG payload", w);
}

absl::StatusOr<V1VendorIdPayload> V1VendorIdPayload::Parse(Reader& body) {
  return ParseOpaque<V1VendorIdPayload>(body, "VID payload", &V1VendorIdPayload::data);
}
absl::Status V1VendorIdPayload::Serialize(Writer& w) const {
  return WriteOpaque(data, "VID payload", w);
}

absl::StatusOr<V1NatDPayload> V1NatDPayload::Parse(Reader& body) {
  return ParseOpaque<V1NatDPayload>(body, "NAT-D payload", &V1NatDPayload::hash);
}
absl::Status V1NatDPayload::Serialize(Writer& w) const {
  return WriteOpaque(hash, "NAT-D payload", w);
}

absl::StatusOr<V1NoncePayload> V1NoncePayload::Parse(Reader& body) {
  if (body.remaining() < kV1MinNonceSize || body.remaining() > kV1MaxNonceSize) {
    return V1Malformed("Nonce payload", body.offset(),
                       absl::StrFormat("%d octets (allowed: %d to %d)", body.remaining(),
                                       kV1MinNonceSize, kV1MaxNonceSize));
  }
  return V1NoncePayload{.data = body.CopyRest()};
}
absl::Status V1NoncePayload::Serialize(Writer& w) const {
  if (data.size() < kV1MinNonceSize || data.size() > kV1MaxNonceSize) {
    return V1SerializeError("Nonce payload", "size outside 8..256 octets");
  }
  w.Bytes(data);
  return absl::OkStatus();
}

absl::StatusOr<V1CertPayload> V1CertPayload::Parse(Reader& body) {
  V1CertPayload out;
  uint8_t encoding = 0;
  if (!body.U8(encoding)) return V1Truncated("CERT payload", body, 1);
  out.encoding = static_cast<V1CertEncoding>(encoding);
  if (absl::Status s = ReadOpaque(body, "CERT payload data", out.data); !s.ok()) return s;
  return out;
}
absl::Status V1CertPayload::Serialize(Writer& w) const {
  w.U8(static_cast<uint8_t>(encoding));
  return WriteOpaque(data, "CERT payload", w);
}

absl::StatusOr<V1CertReqPayload> V1CertReqPayload::Parse(Reader& body) {
  V1CertReqPayload out;
  uint8_t type = 0;
  if (!body.U8(type)) return V1Truncated("CR payload", body, 1);
  out.type = static_cast<V1CertEncoding>(type);
  out.authority = body.CopyRest();
  return out;
}
absl::Status V1CertReqPayload::Serialize(Writer& w) const {
  w.U8(static_cast<uint8_t>(type));
  w.Bytes(authority);
  return absl::OkStatus();
}

absl::StatusOr<V1NotifyPayload> V1NotifyPayload::Parse(Reader& body) {
  V1NotifyPayload out;
  uint8_t spi_size = 0;
  uint16_t type = 0;
  if (body.remaining() < 8 || !ReadDoiProtocolSpiSize(body, out.doi, out.protocol, spi_size) ||
      !body.U16(type)) {
    return V1Truncated("Notification payload", body, 8);
  }
  out.type = static_cast<V1NotifyType>(type);
  if (!body.CopyBytes(spi_size, out.spi)) {
    return V1Malformed(
        "Notification payload", body.offset(),
        absl::StrFormat("SPI Size %d runs past the payload (%d left)", spi_size, body.remaining()));
  }
  out.data = body.CopyRest();
  return out;
}
absl::Status V1NotifyPayload::Serialize(Writer& w) const {
  if (spi.size() > 0xff) return V1SerializeError("Notification payload", "SPI over 255 octets");
  w.U32(doi);
  w.U8(static_cast<uint8_t>(protocol));
  w.U8(static_cast<uint8_t>(spi.size()));
  w.U16(static_cast<uint16_t>(type));
  w.Bytes(spi);
  w.Bytes(data);
  return absl::OkStatus();
}

absl::StatusOr<V1DeletePayload> V1DeletePayload::Parse(Reader& body) {
  V1DeletePayload out;
  const size_t at = body.offset();
  uint16_t count = 0;
  if (body.remaining() < 8 || !ReadDoiProtocolSpiSize(body, out.doi, out.protocol, out.spi_size) ||
      !body.U16(count)) {
    return V1Truncated("Delete payload", body, 8);
  }
  if (count == 0 || count > kV1MaxDeleteSpis || out.spi_size == 0) {
    return V1Malformed("Delete payload", at,
                       absl::StrFormat("%d SPIs of %d octets (allowed: 1 to %d, nonzero size)",
                                       count, out.spi_size, kV1MaxDeleteSpis));
  }
  if (body.remaining() != size_t{count} * out.spi_size) {
    return V1Malformed("Delete payload", at,
                       absl::StrFormat("%d SPIs of %d octets but %d octets follow", count,
                                       out.spi_size, body.remaining()));
  }
  out.spis.resize(count);
  for (std::vector<uint8_t>& spi : out.spis) (void)body.CopyBytes(out.spi_size, spi);
  return out;
}
absl::Status V1DeletePayload::Serialize(Writer& w) const {
  if (spis.empty() || spis.size() > 0xffff || spi_size == 0) {
    return V1SerializeError("Delete payload", "needs 1 to 65535 SPIs of a nonzero size");
  }
  w.U32(doi);
  w.U8(static_cast<uint8_t>(protocol));
  w.U8(spi_size);
  w.U16(static_cast<uint16_t>(spis.size()));
  for (const std::vector<uint8_t>& spi : spis) {
    if (spi.size() != spi_size) return V1SerializeError("Delete payload", "SPI of another size");
    w.Bytes(spi);
  }
  return absl::OkStatus();
}

absl::StatusOr<V1AttributePayload> V1AttributePayload::Parse(Reader& body) {
  V1AttributePayload out;
  uint8_t type = 0;
  if (body.remaining() < 4 || !body.U8(type) || !body.Skip(1) || !body.U16(out.identifier)) {
    return V1Truncated("Attribute payload", body, 4);
  }
  out.type = static_cast<V1CfgType>(type);
  if (absl::Status s =
          ParseV1Attributes(body, "configuration attribute", kV1MaxAttributes, out.attributes);
      !s.ok()) {
    return s;
  }
  return out;
}
absl::Status V1AttributePayload::Serialize(Writer& w) const {
  w.U8(static_cast<uint8_t>(type));
  w.U8(0);
  w.U16(identifier);
  return SerializeV1Attributes(attributes, w);
}

absl::StatusOr<V1NatOaPayload> V1NatOaPayload::Parse(Reader& body) {
  const size_t at = body.offset();
  uint8_t id_type = 0;
  if (body.remaining() < 4 || !body.U8(id_type) || !body.Skip(3)) {
    return V1Truncated("NAT-OA payload", body, 4);
  }
  std::span<const uint8_t> address;
  if (id_type == static_cast<uint8_t>(V1IdType::kIpv4Addr) && body.remaining() == 4) {
    (void)body.Bytes(4, address);
    return V1NatOaPayload{.address = IpAddress::V4Bytes(address.data())};
  }
  if (id_type == static_cast<uint8_t>(V1IdType::kIpv6Addr) && body.remaining() == 16) {
    (void)body.Bytes(16, address);
    return V1NatOaPayload{.address = IpAddress::V6Bytes(address.data())};
  }
  return V1Malformed(
      "NAT-OA payload", at,
      absl::StrFormat("ID Type %d with a %d-octet address (RFC 3947 5.2: ID_IPV4_ADDR with 4, "
                      "ID_IPV6_ADDR with 16)",
                      id_type, body.remaining()));
}
absl::Status V1NatOaPayload::Serialize(Writer& w) const {
  if (!address.is_set()) return V1SerializeError("NAT-OA payload", "no address");
  w.U8(static_cast<uint8_t>(address.is_v4() ? V1IdType::kIpv4Addr : V1IdType::kIpv6Addr));
  w.Zeros(3);
  w.Bytes({address.bytes(), address.size()});
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike::v1
