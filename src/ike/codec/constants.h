// File: ike/codec/constants.h
//
// Wire constants of the IKEv2 message format (RFC 7296 section 3, IANA "IKEv2 Parameters"),
// plus RFC 7383 (fragmentation). Plain enums with fixed underlying types so unknown values
// received from a peer stay representable: parsers keep the number, never assume it is named.
// Everything here is constexpr data; any thread may use it.
#ifndef TUNNELISA_SRC_IKE_CODEC_CONSTANTS_H_
#define TUNNELISA_SRC_IKE_CODEC_CONSTANTS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tunnelisa::ike {

// Sizes and limits.
inline constexpr size_t kHeaderSize = 28;           // RFC 7296 3.1
inline constexpr size_t kGenericHeaderSize = 4;     // RFC 7296 3.2
inline constexpr size_t kMaxPayloadsPerChain = 64;  // our bound on one payload chain
inline constexpr size_t kMaxProposals = 64;         // our bound per SA payload
inline constexpr size_t kMaxTransforms = 64;        // our bound per proposal
inline constexpr size_t kMinNonceSize = 16;         // RFC 7296 3.9
inline constexpr size_t kMaxNonceSize = 256;        // RFC 7296 3.9
// kTypicalMessageSize: what a message's Writer reserves up front: an IKE_SA_INIT with a MODP
// 2048 KE, or an IKE_AUTH without certificates, fits (larger ones grow the buffer as needed).
inline constexpr size_t kTypicalMessageSize = 768;
inline constexpr uint8_t kIkev2MajorVersion = 2;
inline constexpr uint8_t kIkev2Version = 0x20;  // major 2, minor 0
static_assert(kHeaderSize == 2 * 8 + 4 + 4 + 4);

// PayloadType: "Next Payload" values (RFC 7296 3.2, RFC 7383 2.5).
enum class PayloadType : uint8_t {
  kNone = 0,
  kSa = 33,
  kKe = 34,
  kIdi = 35,
  kIdr = 36,
  kCert = 37,
  kCertReq = 38,
  kAuth = 39,
  kNonce = 40,
  kNotify = 41,
  kDelete = 42,
  kVendorId = 43,
  kTsi = 44,
  kTsr = 45,
  kEncrypted = 46,  // SK
  kCp = 47,
  kEap = 48,
  kEncryptedFragment = 53,  // SKF, RFC 7383
};

// ExchangeType: RFC 7296 3.1. Values 0-33 are reserved (IKEv1 uses some of them).
enum class ExchangeType : uint8_t {
  kIkeSaInit = 34,
  kIkeAuth = 35,
  kCreateChildSa = 36,
  kInformational = 37,
};

// Header flag bits (RFC 7296 3.1).
inline constexpr uint8_t kFlagInitiator = 0x08;
inline constexpr uint8_t kFlagVersion = 0x10;
inline constexpr uint8_t kFlagResponse = 0x20;

// NotifyType: RFC 7296 3.10.1 (errors below 16384, status at and above) and later RFCs.
enum class NotifyType : uint16_t {
  kUnsupportedCriticalPayload = 1,
  kInvalidIkeSpi = 4,
  kInvalidMajorVersion = 5,
  kInvalidSyntax = 7,
  kInvalidMessageId = 9,
  kInvalidSpi = 11,
  kNoProposalChosen = 14,
  kInvalidKePayload = 17,
  kAuthenticationFailed = 24,
  kSinglePairRequired = 34,
  kNoAdditionalSas = 35,
  kInternalAddressFailure = 36,
  kFailedCpRequired = 37,
  kTsUnacceptable = 38,
  kInvalidSelectors = 39,
  kTemporaryFailure = 43,
  kChildSaNotFound = 44,
  kInitialContact = 16384,
  kSetWindowSize = 16385,
  kAdditionalTsPossible = 16386,
  kIpcompSupported = 16387,
  kNatDetectionSourceIp = 16388,
  kNatDetectionDestinationIp = 16389,
  kCookie = 16390,
  kUseTransportMode = 16391,
  kHttpCertLookupSupported = 16392,
  kRekeySa = 16393,
  kEspTfcPaddingNotSupported = 16394,
  kNonFirstFragmentsAlso = 16395,
  kMobikeSupported = 16396,              // RFC 4555
  kMultipleAuthSupported = 16404,        // RFC 4739
  kAnotherAuthFollows = 16405,           // RFC 4739
  kRedirectSupported = 16406,            // RFC 5685
  kEapOnlyAuthentication = 16417,        // RFC 5998
  kChildlessIkev2Supported = 16418,      // RFC 6023
  kIkev2FragmentationSupported = 16430,  // RFC 7383
  kSignatureHashAlgorithms = 16431,      // RFC 7427
};
inline constexpr uint16_t kFirstStatusNotify = 16384;

// ProtocolId: RFC 7296 3.3.1 (proposals), 3.10 (notify), 3.11 (delete).
enum class ProtocolId : uint8_t { kNone = 0, kIke = 1, kAh = 2, kEsp = 3 };

// TransformType: RFC 7296 3.3.2.
enum class TransformType : uint8_t {
  kEncr = 1,
  kPrf = 2,
  kInteg = 3,
  kDh = 4,
  kEsn = 5,
};

// Transform attribute types (RFC 7296 3.3.5).
inline constexpr uint16_t kAttributeKeyLength = 14;

// EncrId / IntegId: the Transform Type 1 (encryption) and 3 (integrity) IDs tunnelisa
// implements (RFC 7296 3.3.2, RFC 5282, RFC 7634, RFC 4868; IANA "IKEv2 Parameters"). The one
// list both the SK protection (ike/protect) and proposals (ike/negotiation) use.
enum class EncrId : uint16_t {
  kDesCbc = 2,
  k3DesCbc = 3,
  kNull = 11,  // ESP only
  kAesCbc = 12,
  kAesGcm8 = 18,
  kAesGcm12 = 19,
  kAesGcm16 = 20,
  kChaCha20Poly1305 = 28,
};
enum class IntegId : uint16_t {
  kNone = 0,
  kHmacMd5_96 = 1,
  kHmacSha1_96 = 2,
  kHmacSha256_128 = 12,
  kHmacSha384_192 = 13,
  kHmacSha512_256 = 14,
};

// IdType: RFC 7296 3.5.
enum class IdType : uint8_t {
  kIpv4Addr = 1,
  kFqdn = 2,
  kRfc822Addr = 3,
  kIpv6Addr = 5,
  kDerAsn1Dn = 9,
  kDerAsn1Gn = 10,
  kKeyId = 11,
};

// AuthMethod: RFC 7296 3.8, RFC 4754, RFC 7427.
enum class AuthMethod : uint8_t {
  kRsaSignature = 1,
  kSharedKeyMic = 2,
  kDssSignature = 3,
  kEcdsaSha256P256 = 9,
  kEcdsaSha384P384 = 10,
  kEcdsaSha512P521 = 11,
  kDigitalSignature = 14,
};

// TsType: RFC 7296 3.13.1.
enum class TsType : uint8_t { kIpv4AddrRange = 7, kIpv6AddrRange = 8 };

// CfgType and configuration attribute types: RFC 7296 3.15, 3.15.1.
enum class CfgType : uint8_t { kRequest = 1, kReply = 2, kSet = 3, kAck = 4 };
enum class ConfigAttributeType : uint16_t {
  kInternalIp4Address = 1,
  kInternalIp4Netmask = 2,
  kInternalIp4Dns = 3,
  kInternalIp4Nbns = 4,
  kInternalIp4Dhcp = 6,
  kApplicationVersion = 7,
  kInternalIp6Address = 8,
  kInternalIp6Dns = 10,
  kInternalIp6Dhcp = 12,
  kInternalIp4Subnet = 13,
  kSupportedAttributes = 14,
  kInternalIp6Subnet = 15,
};

// Names for messages and logs ("SA", "IKE_SA_INIT", "INVALID_SYNTAX"); unknown values print as
// their number, e.g. "payload 99".
std::string PayloadTypeName(PayloadType type);
std::string ExchangeTypeName(ExchangeType type);
std::string NotifyTypeName(NotifyType type);

// IsKnownPayloadType: a type this codec parses (not kNone).
bool IsKnownPayloadType(uint8_t type);
// IsKnownExchangeType: one of the four IKEv2 exchanges.
bool IsKnownExchangeType(uint8_t type);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_CONSTANTS_H_
