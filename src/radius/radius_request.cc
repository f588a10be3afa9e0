#include "radius/radius_request.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "common/str_cat.h"
#include "radius/radius_crypto.h"

namespace tunnelisa::radius {
namespace {

absl::Status CheckText(std::string_view field, std::string_view value) {
  if (value.size() > kMaxAttributeValueSize) {
    return absl::InvalidArgumentError(
        StrCat("RADIUS ", field, " of ", value.size(), " octets (at most 253)"));
  }
  return absl::OkStatus();
}

absl::Status CheckExtras(const std::vector<RadiusAttribute>& extras,
                         std::initializer_list<uint8_t> forbidden, std::string_view why) {
  for (const RadiusAttribute& a : extras) {
    if (std::find(forbidden.begin(), forbidden.end(), a.type) != forbidden.end()) {
      return absl::InvalidArgumentError(
          StrCat("extra RADIUS attribute ", a.type, " not allowed: ", why));
    }
    if (a.value.empty() || a.value.size() > kMaxAttributeValueSize) {
      return absl::InvalidArgumentError(
          StrCat("extra RADIUS attribute ", a.type, " has ", a.value.size(), " octets (1..253)"));
    }
  }
  return absl::OkStatus();
}

void AddText(std::vector<RadiusAttribute>& out, uint8_t type, std::string_view text) {
  if (!text.empty()) out.push_back(TextAttribute(type, text));
}

void AddU32(std::vector<RadiusAttribute>& out, uint8_t type, const std::optional<uint32_t>& v) {
  if (v.has_value()) out.push_back(U32Attribute(type, *v));
}

void AddNas(std::vector<RadiusAttribute>& out, const NasIdentity& nas) {
  //= https://www.rfc-editor.org/rfc/rfc2865#section-4.1
  //# An Access-Request MUST contain either a NAS-IP-Address attribute or a NAS-Identifier
  //# attribute (or both).
  if (nas.address.is_v4()) out.push_back(AddressAttribute(attr::kNasIpAddress, nas.address));
  if (nas.address.is_v6()) out.push_back(AddressAttribute(attr::kNasIpv6Address, nas.address));
  AddText(out, attr::kNasIdentifier, nas.identifier);
}

uint32_t Saturate32(uint64_t v) {
  return static_cast<uint32_t>(std::min<uint64_t>(v, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

absl::Status CheckAccessRequest(const AccessRequest& request) {
  if (request.user_name.empty()) return absl::InvalidArgumentError("RADIUS user name is empty");
  if (absl::Status s = CheckText("user name", request.user_name); !s.ok()) return s;
  if (absl::Status s = CheckText("Calling-Station-Id", request.calling_station_id); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("Called-Station-Id", request.called_station_id); !s.ok()) {
    return s;
  }
  const bool pap = request.password.has_value();
  const bool eap = !request.eap_message.empty();
  if (pap && eap) {
    return absl::InvalidArgumentError("RADIUS Access-Request with both a password and EAP");
  }
  //= https://www.rfc-editor.org/rfc/rfc2865#section-4.1
  //# An Access-Request MUST contain either a User-Password or a CHAP-Password or a State.
  if (!pap && !eap && request.state.empty()) {
    return absl::InvalidArgumentError(
        "RADIUS Access-Request needs a password, an EAP message or a State");
  }
  if (pap && request.password->size() > kMaxPasswordSize) {
    return absl::InvalidArgumentError(StrCat("RADIUS password of ", request.password->size(),
                                             " octets (User-Password holds at most 128)"));
  }
  if (request.state.size() > kMaxAttributeValueSize) {
    return absl::InvalidArgumentError(
        StrCat("RADIUS State of ", request.state.size(), " octets (at most 253)"));
  }
  return CheckExtras(
      request.extra_attributes,
      {attr::kUserPassword, attr::kEapMessage, attr::kMessageAuthenticator, attr::kState},
      "the client writes it from the request's own fields");
}

absl::Status CheckAccountingRequest(const AccountingRequest& request) {
  if (request.session_id.empty()) {
    return absl::InvalidArgumentError("RADIUS Acct-Session-Id is empty");
  }
  if (absl::Status s = CheckText("Acct-Session-Id", request.session_id); !s.ok()) return s;
  if (absl::Status s = CheckText("user name", request.user_name); !s.ok()) return s;
  if (absl::Status s = CheckText("Calling-Station-Id", request.calling_station_id); !s.ok()) {
    return s;
  }
  if (request.terminate_cause.has_value() && request.status_type != AcctStatusType::kStop) {
    return absl::InvalidArgumentError("Acct-Terminate-Cause belongs to a Stop record only");
  }
  if (request.session_time.has_value() && request.status_type == AcctStatusType::kStart) {
    return absl::InvalidArgumentError("Acct-Session-Time belongs to Interim-Update and Stop");
  }
  if (request.framed_ip_address.has_value() && !request.framed_ip_address->is_v4()) {
    return absl::InvalidArgumentError("Framed-IP-Address must be an IPv4 address");
  }
  for (const auto& c : request.classes) {
    if (c.empty() || c.size() > kMaxAttributeValueSize) {
      return absl::InvalidArgumentError(StrCat("RADIUS Class of ", c.size(), " octets (1..253)"));
    }
  }
  //= https://www.rfc-editor.org/rfc/rfc2866#section-4.1
  //# the following attributes MUST NOT be present in an Accounting-Request: User-Password,
  //# CHAP-Password, Reply-Message, State.
  return CheckExtras(request.extra_attributes,
                     {attr::kUserPassword, attr::kChapPassword, attr::kReplyMessage, attr::kState,
                      attr::kMessageAuthenticator},
                     "RFC 2866 4.1 forbids it in an Accounting-Request");
}

absl::StatusOr<std::vector<uint8_t>> EncodeAccessRequest(const AccessRequest& request,
                                                         const NasIdentity& nas, uint8_t identifier,
                                                         const Authenticator& request_authenticator,
                                                         const SecretBytes& secret) {
  Packet packet;
  packet.code = static_cast<uint8_t>(PacketCode::kAccessRequest);
  packet.identifier = identifier;
  packet.authenticator = request_authenticator;
  std::vector<RadiusAttribute>& a = packet.attributes;
  // Message-Authenticator first: the BlastRADIUS mitigations ask for it there, so that the
  // server's check covers everything after it.
  a.push_back({attr::kMessageAuthenticator, std::vector<uint8_t>(kAuthenticatorSize, 0)});
  a.push_back(TextAttribute(attr::kUserName, request.user_name));
  if (request.password.has_value()) {
    absl::StatusOr<std::vector<uint8_t>> hidden =
        HidePassword(*request.password, secret, request_authenticator);
    if (!hidden.ok()) return hidden.status();
    a.push_back({attr::kUserPassword, *std::move(hidden)});
  }
  AddNas(a, nas);
  AddU32(a, attr::kNasPort, request.nas_port);
  AddU32(a, attr::kNasPortType, request.nas_port_type);
  AddU32(a, attr::kServiceType, request.service_type);
  AddU32(a, attr::kFramedProtocol, request.framed_protocol);
  AddText(a, attr::kCalledStationId, request.called_station_id);
  AddText(a, attr::kCallingStationId, request.calling_station_id);
  if (!request.state.empty()) a.push_back(BytesAttribute(attr::kState, request.state));
  if (!request.eap_message.empty()) {
    if (absl::Status s = AppendEapMessage(request.eap_message, a); !s.ok()) return s;
  }
  a.insert(a.end(), request.extra_attributes.begin(), request.extra_attributes.end());
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(packet);
  if (!wire.ok()) return wire.status();
  //= https://www.rfc-editor.org/rfc/rfc2869#section-5.14
  //# When present in an Access-Request packet, Message-Authenticator is an HMAC-MD5 checksum
  //# of the entire Access-Request packet, including Type, ID, Length and authenticator, using
  //# the shared secret as the key
  SignMessageAuthenticator(*wire, kHeaderSize + kAttributeHeaderSize, secret);
  return wire;
}

absl::StatusOr<std::vector<uint8_t>> EncodeAccountingRequest(const AccountingRequest& request,
                                                             const NasIdentity& nas,
                                                             uint32_t delay_seconds,
                                                             uint8_t identifier,
                                                             const SecretBytes& secret) {
  Packet packet;
  packet.code = static_cast<uint8_t>(PacketCode::kAccountingRequest);
  packet.identifier = identifier;
  std::vector<RadiusAttribute>& a = packet.attributes;
  a.push_back(U32Attribute(attr::kAcctStatusType, static_cast<uint32_t>(request.status_type)));
  a.push_back(TextAttribute(attr::kAcctSessionId, request.session_id));
  AddText(a, attr::kUserName, request.user_name);
  AddNas(a, nas);
  AddU32(a, attr::kNasPort, request.nas_port);
  AddU32(a, attr::kNasPortType, request.nas_port_type);
  AddText(a, attr::kCallingStationId, request.calling_station_id);
  if (request.framed_ip_address.has_value()) {
    a.push_back(AddressAttribute(attr::kFramedIpAddress, *request.framed_ip_address));
  }
  a.push_back(U32Attribute(attr::kAcctAuthentic, 1));  // RADIUS
  a.push_back(U32Attribute(attr::kAcctDelayTime, delay_seconds));
  if (request.status_type != AcctStatusType::kStart) {
    //= https://www.rfc-editor.org/rfc/rfc2869#section-5.1
    //# This attribute indicates how many times the Acct-Input-Octets counter has wrapped
    //# around 2^32 over the course of this service being provided
    a.push_back(U32Attribute(attr::kAcctInputOctets, static_cast<uint32_t>(request.input_octets)));
    a.push_back(
        U32Attribute(attr::kAcctInputGigawords, static_cast<uint32_t>(request.input_octets >> 32)));
    a.push_back(
        U32Attribute(attr::kAcctOutputOctets, static_cast<uint32_t>(request.output_octets)));
    a.push_back(U32Attribute(attr::kAcctOutputGigawords,
                             static_cast<uint32_t>(request.output_octets >> 32)));
    a.push_back(U32Attribute(attr::kAcctInputPackets, Saturate32(request.input_packets)));
    a.push_back(U32Attribute(attr::kAcctOutputPackets, Saturate32(request.output_packets)));
  }
  AddU32(a, attr::kAcctSessionTime, request.session_time);
  AddU32(a, attr::kAcctTerminateCause, request.terminate_cause);
  AddU32(a, attr::kEventTimestamp, request.event_timestamp);
  for (const auto& c : request.classes) a.push_back(BytesAttribute(attr::kClass, c));
  a.insert(a.end(), request.extra_attributes.begin(), request.extra_attributes.end());
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(packet);
  if (!wire.ok()) return wire.status();
  const Authenticator auth = AccountingRequestAuthenticator(*wire, secret);
  std::copy(auth.begin(), auth.end(), wire->begin() + kAuthenticatorOffset);
  return wire;
}

Authenticator AuthenticatorOf(std::span<const uint8_t> packet) {
  Authenticator out{};
  if (packet.size() >= kHeaderSize) {
    std::copy_n(packet.begin() + kAuthenticatorOffset, kAuthenticatorSize, out.begin());
  }
  return out;
}

}  // namespace tunnelisa::radius
