#include "ike/codec/v1/v1_constants.h"

#include "absl/strings/str_cat.h"

namespace tunnelisa::ike::v1 {

std::string V1PayloadTypeName(V1PayloadType type) {
  switch (type) {
    case V1PayloadType::kNone:
      return "NONE";
    case V1PayloadType::kSa:
      return "SA";
    case V1PayloadType::kProposal:
      return "P";
    case V1PayloadType::kTransform:
      return "T";
    case V1PayloadType::kKe:
      return "KE";
    case V1PayloadType::kId:
      return "ID";
    case V1PayloadType::kCert:
      return "CERT";
    case V1PayloadType::kCertReq:
      return "CR";
    case V1PayloadType::kHash:
      return "HASH";
    case V1PayloadType::kSig:
      return "SIG";
    case V1PayloadType::kNonce:
      return "NONCE";
    case V1PayloadType::kNotify:
      return "N";
    case V1PayloadType::kDelete:
      return "D";
    case V1PayloadType::kVendorId:
      return "VID";
    case V1PayloadType::kAttribute:
      return "ATTR";
    case V1PayloadType::kNatD:
      return "NAT-D";
    case V1PayloadType::kNatOa:
      return "NAT-OA";
  }
  return absl::StrCat("payload ", static_cast<int>(type));
}

std::string V1ExchangeName(V1Exchange exchange) {
  switch (exchange) {
    case V1Exchange::kNone:
      return "NONE";
    case V1Exchange::kBase:
      return "Base";
    case V1Exchange::kIdentityProtection:
      return "Main Mode";
    case V1Exchange::kAuthOnly:
      return "Authentication Only";
    case V1Exchange::kAggressive:
      return "Aggressive Mode";
    case V1Exchange::kInformational:
      return "Informational";
    case V1Exchange::kTransaction:
      return "Transaction";
    case V1Exchange::kQuickMode:
      return "Quick Mode";
    case V1Exchange::kNewGroupMode:
      return "New Group Mode";
  }
  return absl::StrCat("exchange ", static_cast<int>(exchange));
}

std::string V1NotifyTypeName(V1NotifyType type) {
  switch (type) {
    case V1NotifyType::kInvalidPayloadType:
      return "INVALID-PAYLOAD-TYPE";
    case V1NotifyType::kDoiNotSupported:
      return "DOI-NOT-SUPPORTED";
    case V1NotifyType::kSituationNotSupported:
      return "SITUATION-NOT-SUPPORTED";
    case V1NotifyType::kInvalidCookie:
      return "INVALID-COOKIE";
    case V1NotifyType::kInvalidMajorVersion:
      return "INVALID-MAJOR-VERSION";
    case V1NotifyType::kInvalidMinorVersion:
      return "INVALID-MINOR-VERSION";
    case V1NotifyType::kInvalidExchangeType:
      return "INVALID-EXCHANGE-TYPE";
    case V1NotifyType::kInvalidFlags:
      return "INVALID-FLAGS";
    case V1NotifyType::kInvalidMessageId:
      return "INVALID-MESSAGE-ID";
    case V1NotifyType::kInvalidProtocolId:
      return "INVALID-PROTOCOL-ID";
    case V1NotifyType::kInvalidSpi:
      return "INVALID-SPI";
    case V1NotifyType::kInvalidTransformId:
      return "INVALID-TRANSFORM-ID";
    case V1NotifyType::kAttributesNotSupported:
      return "ATTRIBUTES-NOT-SUPPORTED";
    case V1NotifyType::kNoProposalChosen:
      return "NO-PROPOSAL-CHOSEN";
    case V1NotifyType::kBadProposalSyntax:
      return "BAD-PROPOSAL-SYNTAX";
    case V1NotifyType::kPayloadMalformed:
      return "PAYLOAD-MALFORMED";
    case V1NotifyType::kInvalidKeyInformation:
      return "INVALID-KEY-INFORMATION";
    case V1NotifyType::kInvalidIdInformation:
      return "INVALID-ID-INFORMATION";
    case V1NotifyType::kInvalidCertEncoding:
      return "INVALID-CERT-ENCODING";
    case V1NotifyType::kInvalidCertificate:
      return "INVALID-CERTIFICATE";
    case V1NotifyType::kCertTypeUnsupported:
      return "CERT-TYPE-UNSUPPORTED";
    case V1NotifyType::kInvalidCertAuthority:
      return "INVALID-CERT-AUTHORITY";
    case V1NotifyType::kInvalidHashInformation:
      return "INVALID-HASH-INFORMATION";
    case V1NotifyType::kAuthenticationFailed:
      return "AUTHENTICATION-FAILED";
    case V1NotifyType::kInvalidSignature:
      return "INVALID-SIGNATURE";
    case V1NotifyType::kAddressNotification:
      return "ADDRESS-NOTIFICATION";
    case V1NotifyType::kNotifySaLifetime:
      return "NOTIFY-SA-LIFETIME";
    case V1NotifyType::kCertificateUnavailable:
      return "CERTIFICATE-UNAVAILABLE";
    case V1NotifyType::kUnsupportedExchangeType:
      return "UNSUPPORTED-EXCHANGE-TYPE";
    case V1NotifyType::kUnequalPayloadLengths:
      return "UNEQUAL-PAYLOAD-LENGTHS";
    case V1NotifyType::kConnected:
      return "CONNECTED";
    case V1NotifyType::kResponderLifetime:
      return "RESPONDER-LIFETIME";
    case V1NotifyType::kReplayStatus:
      return "REPLAY-STATUS";
    case V1NotifyType::kInitialContact:
      return "INITIAL-CONTACT";
    case V1NotifyType::kRUThere:
      return "R-U-THERE";
    case V1NotifyType::kRUThereAck:
      return "R-U-THERE-ACK";
  }
  return absl::StrCat("notify ", static_cast<int>(type));
}

bool IsKnownV1PayloadType(uint8_t type) {
  switch (static_cast<V1PayloadType>(type)) {
    case V1PayloadType::kSa:
    case V1PayloadType::kKe:
    case V1PayloadType::kId:
    case V1PayloadType::kCert:
    case V1PayloadType::kCertReq:
    case V1PayloadType::kHash:
    case V1PayloadType::kSig:
    case V1PayloadType::kNonce:
    case V1PayloadType::kNotify:
    case V1PayloadType::kDelete:
    case V1PayloadType::kVendorId:
    case V1PayloadType::kAttribute:
    case V1PayloadType::kNatD:
    case V1PayloadType::kNatOa:
      return true;
    case V1PayloadType::kNone:
    case V1PayloadType::kProposal:
    case V1PayloadType::kTransform:
      break;
  }
  return false;
}

}  // namespace tunnelisa::ike::v1
