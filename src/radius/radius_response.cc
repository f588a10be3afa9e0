#include "radius/radius_response.h"

#include <optional>

#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "radius/radius_crypto.h"

namespace tunnelisa::radius {
namespace {

bool Answers(uint8_t code, PacketCode request_code) {
  switch (request_code) {
    case PacketCode::kAccessRequest:
      return code == static_cast<uint8_t>(PacketCode::kAccessAccept) ||
             code == static_cast<uint8_t>(PacketCode::kAccessReject) ||
             code == static_cast<uint8_t>(PacketCode::kAccessChallenge);
    case PacketCode::kAccountingRequest:
      return code == static_cast<uint8_t>(PacketCode::kAccountingResponse);
    default:
      return false;
  }
}

CheckedResponse Drop(ResponseVerdict verdict, std::string reason) {
  CheckedResponse out;
  out.verdict = verdict;
  out.reason = std::move(reason);
  return out;
}

}  // namespace

CheckedResponse CheckResponse(std::span<const uint8_t> datagram, PacketCode request_code,
                              const Authenticator& request_authenticator,
                              const SecretBytes& secret) {
  absl::StatusOr<Packet> packet = ParsePacket(datagram);
  if (!packet.ok()) {
    return Drop(ResponseVerdict::kMalformed, std::string(packet.status().message()));
  }
  if (!Answers(packet->code, request_code)) {
    return Drop(ResponseVerdict::kMalformed, StrCat(CodeName(packet->code), " does not answer an ",
                                                    CodeName(static_cast<uint8_t>(request_code))));
  }
  // The bytes the authenticators cover: up to Length, without the padding.
  const std::span<const uint8_t> wire =
      datagram.first((static_cast<size_t>(datagram[2]) << 8) | datagram[3]);
  //= https://www.rfc-editor.org/rfc/rfc2865#section-3
  //# The value of the Authenticator field in Access-Accept, Access-Reject, and
  //# Access-Challenge packets is called the Response Authenticator, and contains a one-way MD5
  //# hash calculated over a stream of octets consisting of: the RADIUS packet, beginning with
  //# the Code field, including the Identifier, the Length, the Request Authenticator field
  //# from the Access-Request packet, and the response Attributes, followed by the shared
  //# secret.
  if (!VerifyResponseAuthenticator(wire, request_authenticator, secret)) {
    return Drop(ResponseVerdict::kBadAuthenticator,
                StrCat(CodeName(packet->code), " with a wrong Response Authenticator"));
  }
  const size_t message_authenticators = Count(*packet, attr::kMessageAuthenticator);
  const bool access = request_code == PacketCode::kAccessRequest;
  // BlastRADIUS (CVE-2024-3596): an MD5 collision can forge a Response Authenticator, so an
  // Access response is trusted only with a Message-Authenticator, present or not EAP.
  if (access && message_authenticators == 0) {
    return Drop(ResponseVerdict::kBadMessageAuthenticator,
                StrCat(CodeName(packet->code), " without Message-Authenticator"));
  }
  //= https://www.rfc-editor.org/rfc/rfc2869#section-5.14
  //# A RADIUS Client receiving an Access-Accept, Access-Reject or Access-Challenge with a
  //# Message-Authenticator Attribute present MUST calculate the correct value of the
  //# Message-Authenticator and silently discard the packet if it does not match the value
  //# sent.
  //= https://www.rfc-editor.org/rfc/rfc2869#section-5.14
  //# For Access-Challenge, Access-Accept, and Access-Reject packets, the
  //# Message-Authenticator is calculated as follows, using the Request-Authenticator from the
  //# Access-Request this packet is in reply to
  if (message_authenticators > 0 &&
      !VerifyMessageAuthenticator(wire, request_authenticator, secret)) {
    return Drop(ResponseVerdict::kBadMessageAuthenticator,
                StrCat(CodeName(packet->code), " with a wrong Message-Authenticator"));
  }
  CheckedResponse out;
  out.verdict = ResponseVerdict::kAuthentic;
  out.packet = *std::move(packet);
  return out;
}

AuthResult InterpretAccessResponse(const Packet& packet, const RadiusServerAddress& server,
                                   bool* malformed) {
  *malformed = false;
  AuthResult result;
  result.server = server;
  result.attributes = packet.attributes;
  switch (static_cast<PacketCode>(packet.code)) {
    case PacketCode::kAccessAccept:
      result.outcome = AuthOutcome::kAccept;
      break;
    case PacketCode::kAccessChallenge:
      result.outcome = AuthOutcome::kChallenge;
      break;
    default:
      result.outcome = AuthOutcome::kReject;
      break;
  }
  std::vector<std::string> replies;
  for (const RadiusAttribute& a : packet.attributes) {
    if (a.type == attr::kReplyMessage) replies.emplace_back(a.value.begin(), a.value.end());
  }
  result.reply_message = absl::StrJoin(replies, "\n");

  //= https://www.rfc-editor.org/rfc/rfc2865#section-5
  //# If it is received in an Access-Accept, Access-Reject or Access-Challenge, the attribute
  //# MUST either be treated as an Access-Reject, or else silently discarded.
  absl::Status sizes = CheckAttributeSizes(packet);
  absl::StatusOr<std::vector<uint8_t>> eap =
      sizes.ok() ? JoinEapMessage(packet) : absl::StatusOr<std::vector<uint8_t>>(sizes);
  if (!eap.ok()) {
    *malformed = true;
    result.detail = StrCat(CodeName(packet.code), " from ", server.ToString(),
                           " with malformed attributes (", eap.status().message(), ")");
    if (result.outcome != AuthOutcome::kReject) {
      StrAppend(result.detail, ": treated as Access-Reject");
      result.outcome = AuthOutcome::kReject;
    }
    return result;
  }
  result.eap_message = *std::move(eap);
  // Authorization (address, pool, Class, timeout) comes from an Accept only: a Reject may
  // carry the user's reply items (freeradius without attr_filter does), which must not be
  // mistaken for a grant.
  const bool accept = result.outcome == AuthOutcome::kAccept;
  for (const RadiusAttribute& a : packet.attributes) {
    if (!accept && a.type != attr::kState) continue;
    switch (a.type) {
      case attr::kFramedIpAddress:
        result.framed_ip_address = Ipv4Value(a);
        break;
      case attr::kFramedIpNetmask:
        result.framed_ip_netmask = Ipv4Value(a);
        break;
      case attr::kFramedPool:
        result.framed_pool.assign(a.value.begin(), a.value.end());
        break;
      case attr::kClass:
        result.classes.push_back(a.value);
        break;
      case attr::kSessionTimeout:
        result.session_timeout = U32Value(a);
        break;
      case attr::kState:
        result.state = a.value;
        break;
      default:
        break;
    }
  }
  result.detail = StrCat(CodeName(packet.code), " from ", server.ToString());
  if (!result.reply_message.empty()) StrAppend(result.detail, ": ", result.reply_message);
  return result;
}

}  // namespace tunnelisa::radius
