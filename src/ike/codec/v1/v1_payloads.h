// File: ike/codec/v1/v1_payloads.h
//
// The IKEv1 payload bodies other than SA (v1_sa_payload.h): what follows each payload's generic
// header (RFC 2408 3.2). Each has Parse(Reader& body), which consumes the whole body, and
// Serialize(Writer&), which appends it. Errors carry PAYLOAD-MALFORMED and name the payload and
// offset. Value types; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_PAYLOADS_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_PAYLOADS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/v1/v1_attribute.h"
#include "ike/codec/v1/v1_constants.h"
#include "ike/codec/writer.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike::v1 {

// Payloads whose body is one opaque field: KE (3.7: the DH public value), HASH (3.11), SIG
// (3.12), VID (3.16), NAT-D (RFC 3947 3.2: HASH(CKY-I | CKY-R | IP | Port)). Parse refuses an
// empty body.
struct V1KePayload {
  std::vector<uint8_t> data;
  static absl::StatusOr<V1KePayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1KePayload&) const = default;
};
struct V1HashPayload {
  std::vector<uint8_t> data;
  static absl::StatusOr<V1HashPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1HashPayload&) const = default;
};
struct V1SigPayload {
  std::vector<uint8_t> data;
  static absl::StatusOr<V1SigPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1SigPayload&) const = default;
};
struct V1VendorIdPayload {
  std::vector<uint8_t> data;
  static absl::StatusOr<V1VendorIdPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1VendorIdPayload&) const = default;
};
struct V1NatDPayload {
  std::vector<uint8_t> hash;
  static absl::StatusOr<V1NatDPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1NatDPayload&) const = default;
};

// V1NoncePayload: RFC 2408 3.13. Parse refuses data outside kV1MinNonceSize..kV1MaxNonceSize:
//= https://www.rfc-editor.org/rfc/rfc2409#section-5
//# The length of nonce payload MUST be between 8 and 256 bytes inclusive.
struct V1NoncePayload {
  std::vector<uint8_t> data;
  static absl::StatusOr<V1NoncePayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1NoncePayload&) const = default;
};

// V1IdPayload: the Identification payload of the IPsec DOI (RFC 2407 4.6.2):
//   !   ID Type     !  Protocol ID  !             Port              !
//   ~                     Identification Data                       ~
// Phase 1 identities have protocol 0 / port 0 or UDP / 500; Quick Mode client IDs carry the
// traffic selector (an address, subnet or range, and an IP protocol and port).
// The HASH_I / HASH_R of phase 1 covers "IDii_b", the body of this payload as it appears on
// the wire (V1PayloadBodyBytes in v1_payload.h gives it for a received or a built payload).
struct V1IdPayload {
  V1IdType id_type = V1IdType::kIpv4Addr;  // raw value kept if unknown
  uint8_t protocol = 0;                    // IP protocol, 0 = any
  uint16_t port = 0;                       // 0 = any
  std::vector<uint8_t> data;

  static V1IdPayload FromAddress(const IpAddress& address);  // ID_IPV4_ADDR / ID_IPV6_ADDR
  // FromPrefix: ID_IPV4_ADDR_SUBNET / ID_IPV6_ADDR_SUBNET (address then mask). Quick Mode
  // client IDs.
  static V1IdPayload FromPrefix(const IpPrefix& prefix);
  static V1IdPayload FromFqdn(std::string_view fqdn);
  static V1IdPayload FromUserFqdn(std::string_view user_fqdn);
  static V1IdPayload FromKeyId(std::span<const uint8_t> key_id);

  // address: the address of an ID_IPV4_ADDR / ID_IPV6_ADDR identity, else nullopt.
  std::optional<IpAddress> address() const;
  // prefix: the prefix of a *_ADDR_SUBNET identity with a contiguous mask, or of a single
  // address (/32, /128); nullopt otherwise (non-contiguous masks, other types).
  std::optional<IpPrefix> prefix() const;
  // range: {first, last} of a *_ADDR_RANGE identity, else nullopt.
  std::optional<std::pair<IpAddress, IpAddress>> range() const;

  // Parse: fails (INVALID-ID-INFORMATION) on a body under 4 octets, empty identification data,
  // or an address / subnet / range identity of the wrong size (4 / 8 octets for IPv4, 16 / 32
  // for IPv6).
  static absl::StatusOr<V1IdPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1IdPayload&) const = default;
};

// V1CertPayload: CERT (RFC 2408 3.9): Cert Encoding (1) | Certificate Data. Parse refuses an
// empty certificate.
struct V1CertPayload {
  V1CertEncoding encoding = V1CertEncoding::kX509Signature;
  std::vector<uint8_t> data;
  static absl::StatusOr<V1CertPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1CertPayload&) const = default;
};

// V1CertReqPayload: CR (RFC 2408 3.10): Cert Type (1) | Certificate Authority (a DER
// distinguished name, possibly empty: "any CA").
struct V1CertReqPayload {
  V1CertEncoding type = V1CertEncoding::kX509Signature;
  std::vector<uint8_t> authority;
  static absl::StatusOr<V1CertReqPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1CertReqPayload&) const = default;
};

// V1NotifyPayload: N (RFC 2408 3.14):
//   !              Domain of Interpretation  (DOI)                  !
//   !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
//   ~                Security Parameter Index (SPI)                 ~
//   ~                       Notification Data                       ~
// Phase 1 notifications (INITIAL-CONTACT, DPD) carry the two cookies as a 16-octet SPI
// (RFC 2407 4.6.3.3, RFC 3706 5.2); DPD's data is the 4-octet sequence number.
struct V1NotifyPayload {
  uint32_t doi = kV1DoiIpsec;
  V1ProtocolId protocol = V1ProtocolId::kIsakmp;
  V1NotifyType type = V1NotifyType::kPayloadMalformed;  // raw value kept if unknown
  std::vector<uint8_t> spi;
  std::vector<uint8_t> data;
  static absl::StatusOr<V1NotifyPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1NotifyPayload&) const = default;
};

// V1DeletePayload: D (RFC 2408 3.15):
//   !              Domain of Interpretation  (DOI)                  !
//   !  Protocol-Id  !   SPI Size    !           # of SPIs           !
//   ~               Security Parameter Index(es) (SPI)              ~
// An ISAKMP SA is deleted by its cookies (SPI size 16), IPsec SAs by 4-octet SPIs.
struct V1DeletePayload {
  uint32_t doi = kV1DoiIpsec;
  V1ProtocolId protocol = V1ProtocolId::kIpsecEsp;
  uint8_t spi_size = 4;
  std::vector<std::vector<uint8_t>> spis;  // each exactly spi_size octets
  // Parse: errors when # of SPIs * SPI Size differs from what follows, for no SPI, or for over
  // kV1MaxDeleteSpis.
  static absl::StatusOr<V1DeletePayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1DeletePayload&) const = default;
};

// V1AttributePayload: ATTR (draft-dukes-ike-mode-cfg 3.2, also XAUTH):
//   !     Type      !   RESERVED    !           Identifier          !
//   ~                           Attributes                          ~
// An empty TLV attribute in a REQUEST asks for that attribute ("send me an address").
struct V1AttributePayload {
  V1CfgType type = V1CfgType::kRequest;  // raw value kept if unknown
  uint16_t identifier = 0;               // matches a REPLY / ACK to its REQUEST / SET
  std::vector<V1Attribute> attributes;
  const V1Attribute* Find(V1ModeCfgAttribute t) const {
    return FindV1Attribute(attributes, static_cast<uint16_t>(t));
  }
  static absl::StatusOr<V1AttributePayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1AttributePayload&) const = default;
};

// V1NatOaPayload: NAT-OA (RFC 3947 5.2): the original address of a peer behind a NAT, sent in
// Quick Mode for transport mode.
//   !    ID Type    !   RESERVED    !            RESERVED           !
//   ~           IPv4 (4 octets) or IPv6 address (16 octets)         ~
struct V1NatOaPayload {
  IpAddress address;
  // Parse: ID Type must be ID_IPV4_ADDR (4 octets follow) or ID_IPV6_ADDR (16).
  static absl::StatusOr<V1NatOaPayload> Parse(Reader& body);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const V1NatOaPayload&) const = default;
};

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_PAYLOADS_H_
