// The transaction exchange's ATTR payloads (v1_transaction_attrs.h).
#include "ike/v1/v1_transaction_attrs.h"

#include "common/str_cat.h"

namespace tunnelisa::ike::v1 {
namespace {

uint16_t T(V1ModeCfgAttribute a) { return static_cast<uint16_t>(a); }

std::vector<uint8_t> Octets(const IpAddress& a) {
  return std::vector<uint8_t>(a.bytes(), a.bytes() + a.size());
}

absl::Status Expect(const V1AttributePayload& p, V1CfgType type, std::string_view what) {
  if (p.type != type) {
    return absl::InvalidArgumentError(StrCat(what, ": ATTR type ", static_cast<int>(p.type),
                                             ", expected ", static_cast<int>(type)));
  }
  return absl::OkStatus();
}

absl::Status ExpectIdentifier(const V1AttributePayload& p, uint16_t identifier,
                              std::string_view what) {
  // draft-dukes-ike-mode-cfg 3.2: the Identifier names the transaction; a REPLY / ACK
  // carries the one of the REQUEST / SET it answers.
  if (p.identifier != identifier) {
    return absl::InvalidArgumentError(
        StrCat(what, ": identifier ", p.identifier, " answers none of ours (", identifier, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IpAddress> Ipv4Of(const V1Attribute& a, std::string_view what) {
  if (a.tv || a.value.size() != 4) {
    return absl::InvalidArgumentError(
        StrCat(what, ": ", a.value.size(), " octets, an IPv4 address has 4"));
  }
  return IpAddress::V4Bytes(a.value.data());
}

}  // namespace

V1AttributePayload XauthRequest(uint16_t identifier) {
  return {.type = V1CfgType::kRequest,
          .identifier = identifier,
          .attributes = {V1Attribute::Tv(T(V1ModeCfgAttribute::kXauthType),
                                         static_cast<uint16_t>(V1XauthType::kGeneric)),
                         V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthUserName), {}),
                         V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthUserPassword), {})}};
}

absl::Status CheckXauthRequest(const V1AttributePayload& request) {
  if (absl::Status s = Expect(request, V1CfgType::kRequest, "XAUTH request"); !s.ok()) return s;
  if (const V1Attribute* type = request.Find(V1ModeCfgAttribute::kXauthType)) {
    absl::StatusOr<uint64_t> v = type->AsInteger();
    if (!v.ok() || *v != static_cast<uint16_t>(V1XauthType::kGeneric)) {
      return absl::InvalidArgumentError("XAUTH request: only XAUTH-TYPE generic is supported");
    }
  }
  if (request.Find(V1ModeCfgAttribute::kXauthUserName) == nullptr ||
      request.Find(V1ModeCfgAttribute::kXauthUserPassword) == nullptr) {
    return absl::InvalidArgumentError(
        "XAUTH request: asks for no XAUTH-USER-NAME and XAUTH-USER-PASSWORD");
  }
  return absl::OkStatus();
}

V1AttributePayload XauthReply(uint16_t identifier, const std::string& user,
                              const SecretBytes& password) {
  const std::vector<uint8_t> name(user.begin(), user.end());
  return {
      .type = V1CfgType::kReply,
      .identifier = identifier,
      .attributes = {V1Attribute::Tv(T(V1ModeCfgAttribute::kXauthType),
                                     static_cast<uint16_t>(V1XauthType::kGeneric)),
                     V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthUserName), name),
                     V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthUserPassword), password.span())}};
}

absl::StatusOr<XauthAnswer> ParseXauthReply(const V1AttributePayload& reply, uint16_t identifier) {
  if (absl::Status s = Expect(reply, V1CfgType::kReply, "XAUTH reply"); !s.ok()) return s;
  // strongSwan 5.9.8 (xauth-generic) answers every XAUTH REQUEST with Identifier 0, never the
  // REQUEST's: 0 is "not set", not another transaction. The exchange's M-ID and its HASH
  // (prf(SKEYID_a, M-ID | ATTR)) bind the REPLY to our REQUEST regardless.
  if (reply.identifier != 0) {
    if (absl::Status s = ExpectIdentifier(reply, identifier, "XAUTH reply"); !s.ok()) return s;
  }
  const V1Attribute* user = reply.Find(V1ModeCfgAttribute::kXauthUserName);
  const V1Attribute* password = reply.Find(V1ModeCfgAttribute::kXauthUserPassword);
  if (user == nullptr || password == nullptr || user->tv || password->tv) {
    return absl::InvalidArgumentError(
        "XAUTH reply: no XAUTH-USER-NAME or XAUTH-USER-PASSWORD (variable-length) attribute");
  }
  if (user->value.empty() || user->value.size() > kMaxXauthUserName) {
    return absl::InvalidArgumentError(StrCat("XAUTH reply: a user name of ", user->value.size(),
                                             " octets (1..", kMaxXauthUserName, ")"));
  }
  if (password->value.size() > kMaxXauthPassword) {
    return absl::InvalidArgumentError(StrCat("XAUTH reply: a password of ", password->value.size(),
                                             " octets (at most ", kMaxXauthPassword, ")"));
  }
  return XauthAnswer{.user = std::string(user->value.begin(), user->value.end()),
                     .password = SecretBytes(password->value)};
}

V1AttributePayload XauthSet(uint16_t identifier, bool ok) {
  return {.type = V1CfgType::kSet,
          .identifier = identifier,
          .attributes = {V1Attribute::Tv(T(V1ModeCfgAttribute::kXauthStatus),
                                         ok ? kV1XauthStatusOk : kV1XauthStatusFail)}};
}

absl::StatusOr<bool> ParseXauthSet(const V1AttributePayload& set) {
  if (absl::Status s = Expect(set, V1CfgType::kSet, "XAUTH set"); !s.ok()) return s;
  const V1Attribute* status = set.Find(V1ModeCfgAttribute::kXauthStatus);
  if (status == nullptr) return absl::InvalidArgumentError("XAUTH set: no XAUTH-STATUS");
  absl::StatusOr<uint64_t> v = status->AsInteger();
  if (!v.ok() || (*v != kV1XauthStatusOk && *v != kV1XauthStatusFail)) {
    return absl::InvalidArgumentError("XAUTH set: XAUTH-STATUS is neither 0 nor 1");
  }
  return *v == kV1XauthStatusOk;
}

V1AttributePayload XauthAck(uint16_t identifier) {
  // draft-beaulieu-ike-xauth-02: the client acknowledges the SET with an ACK naming the
  // attribute it received (XAUTH-STATUS, without a value).
  return {.type = V1CfgType::kAck,
          .identifier = identifier,
          .attributes = {V1Attribute::Tlv(T(V1ModeCfgAttribute::kXauthStatus), {})}};
}

absl::Status CheckXauthAck(const V1AttributePayload& ack, uint16_t identifier) {
  if (absl::Status s = Expect(ack, V1CfgType::kAck, "XAUTH ack"); !s.ok()) return s;
  return ExpectIdentifier(ack, identifier, "XAUTH ack");
}

V1AttributePayload ModeCfgRequest(uint16_t identifier) {
  return {.type = V1CfgType::kRequest,
          .identifier = identifier,
          .attributes = {V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Address), {}),
                         V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Netmask), {}),
                         V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Dns), {})}};
}

absl::StatusOr<ModeCfgAsk> ParseModeCfgRequest(const V1AttributePayload& request) {
  if (absl::Status s = Expect(request, V1CfgType::kRequest, "Mode Config request"); !s.ok()) {
    return s;
  }
  ModeCfgAsk ask;
  const V1Attribute* address = request.Find(V1ModeCfgAttribute::kInternalIp4Address);
  if (address == nullptr) return ask;
  ask.address = true;
  if (address->value.empty()) return ask;
  absl::StatusOr<IpAddress> hint = Ipv4Of(*address, "Mode Config request INTERNAL_IP4_ADDRESS");
  if (!hint.ok()) return hint.status();
  if (hint->v4_host_order() != 0) ask.requested = *hint;
  return ask;
}

V1AttributePayload ModeCfgReply(uint16_t identifier, const ClientAddress& granted) {
  V1AttributePayload p{.type = V1CfgType::kReply, .identifier = identifier};
  p.attributes.push_back(
      V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Address), Octets(granted.address)));
  const uint32_t mask = granted.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - granted.prefix_len);
  p.attributes.push_back(
      V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Netmask), Octets(IpAddress::V4(mask))));
  for (const IpAddress& dns : granted.dns) {
    if (dns.is_v4()) {
      p.attributes.push_back(V1Attribute::Tlv(T(V1ModeCfgAttribute::kInternalIp4Dns), Octets(dns)));
    }
  }
  return p;
}

absl::StatusOr<ClientAddress> ParseModeCfgReply(const V1AttributePayload& reply,
                                                uint16_t identifier) {
  if (absl::Status s = Expect(reply, V1CfgType::kReply, "Mode Config reply"); !s.ok()) return s;
  if (absl::Status s = ExpectIdentifier(reply, identifier, "Mode Config reply"); !s.ok()) return s;
  const V1Attribute* address = reply.Find(V1ModeCfgAttribute::kInternalIp4Address);
  if (address == nullptr) {
    return absl::InvalidArgumentError("Mode Config reply: no INTERNAL_IP4_ADDRESS");
  }
  absl::StatusOr<IpAddress> a = Ipv4Of(*address, "Mode Config reply INTERNAL_IP4_ADDRESS");
  if (!a.ok()) return a.status();
  if (a->v4_host_order() == 0) {
    return absl::InvalidArgumentError("Mode Config reply: INTERNAL_IP4_ADDRESS 0.0.0.0");
  }
  ClientAddress granted{.address = *a};
  for (const V1Attribute& attr : reply.attributes) {
    if (attr.type != T(V1ModeCfgAttribute::kInternalIp4Dns)) continue;
    absl::StatusOr<IpAddress> dns = Ipv4Of(attr, "Mode Config reply INTERNAL_IP4_DNS");
    if (!dns.ok()) return dns.status();
    granted.dns.push_back(*dns);
  }
  return granted;
}

}  // namespace tunnelisa::ike::v1
