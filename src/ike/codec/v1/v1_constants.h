// File: ike/codec/v1/v1_constants.h
//
// Wire constants of IKEv1: the ISAKMP message format (RFC 2408), the IPsec DOI (RFC 2407), IKE's
// phase 1 attributes (RFC 2409 Appendix A, RFC 3602, RFC 4868, RFC 4754), NAT traversal
// (RFC 3947), Dead Peer Detection (RFC 3706), and the Mode Config / XAUTH attributes
// (draft-dukes-ike-mode-cfg-02, draft-beaulieu-ike-xauth-02). Plain enums with fixed underlying
// types so unknown values received from a peer stay representable: parsers keep the number,
// never assume it is named. Everything here is constexpr data; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_CONSTANTS_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_CONSTANTS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tunnelisa::ike::v1 {

// Sizes and limits.
inline constexpr size_t kV1HeaderSize = 28;         // RFC 2408 3.1
inline constexpr size_t kV1GenericHeaderSize = 4;   // RFC 2408 3.2
inline constexpr size_t kV1MaxMessageSize = 65535;  // our bound on one datagram
inline constexpr size_t kV1MaxPayloads = 64;        // our bound on one payload chain
inline constexpr size_t kV1MaxProposals = 64;       // our bound per SA payload
inline constexpr size_t kV1MaxTransforms = 64;      // our bound per proposal
inline constexpr size_t kV1MaxAttributes = 128;     // our bound per transform / ATTR payload
inline constexpr size_t kV1MaxDeleteSpis = 256;     // our bound per Delete payload
inline constexpr size_t kV1MinNonceSize = 8;        // RFC 2409 5
inline constexpr size_t kV1MaxNonceSize = 256;      // RFC 2409 5
inline constexpr size_t kV1CookieSize = 8;          // RFC 2408 3.1
inline constexpr uint8_t kV1Version = 0x10;         // major 1, minor 0
inline constexpr uint8_t kV1MajorVersion = 1;

// Header flags (RFC 2408 3.1): E(ncryption), C(ommit), A(uthentication only).
inline constexpr uint8_t kV1FlagEncryption = 0x01;
inline constexpr uint8_t kV1FlagCommit = 0x02;
inline constexpr uint8_t kV1FlagAuthOnly = 0x04;

// V1Exchange: ISAKMP exchange types (RFC 2408 3.1, RFC 2409 5; 6 is draft-dukes' transaction
// exchange, Mode Config and XAUTH; 32 is RFC 2409's Quick Mode).
enum class V1Exchange : uint8_t {
  kNone = 0,
  kBase = 1,
  kIdentityProtection = 2,  // Main Mode
  kAuthOnly = 3,
  kAggressive = 4,
  kInformational = 5,
  kTransaction = 6,  // Mode Config, XAUTH
  kQuickMode = 32,
  kNewGroupMode = 33,
};

// V1PayloadType: "Next Payload" values (RFC 2408 3.1, RFC 3947 for NAT-D / NAT-OA,
// draft-dukes-ike-mode-cfg for ATTR).
enum class V1PayloadType : uint8_t {
  kNone = 0,
  kSa = 1,
  kProposal = 2,   // only inside an SA payload
  kTransform = 3,  // only inside a proposal
  kKe = 4,
  kId = 5,
  kCert = 6,
  kCertReq = 7,
  kHash = 8,
  kSig = 9,
  kNonce = 10,
  kNotify = 11,
  kDelete = 12,
  kVendorId = 13,
  kAttribute = 14,  // Mode Config / XAUTH
  kNatD = 20,       // RFC 3947
  kNatOa = 21,      // RFC 3947
};

// Domains of interpretation (RFC 2408 3.4, RFC 2407 4.2) and the IPsec DOI's situation.
inline constexpr uint32_t kV1DoiIsakmp = 0;
inline constexpr uint32_t kV1DoiIpsec = 1;
inline constexpr uint32_t kV1SitIdentityOnly = 1;  // RFC 2407 4.2.1

// V1ProtocolId: RFC 2407 4.4.1 (proposals, notify, delete).
enum class V1ProtocolId : uint8_t {
  kNone = 0,
  kIsakmp = 1,
  kIpsecAh = 2,
  kIpsecEsp = 3,
  kIpcomp = 4,
};

// Transform IDs. Phase 1: KEY_IKE (RFC 2407 4.4.2). Phase 2 ESP (RFC 2407 4.4.4, RFC 3602,
// RFC 4106 for the GCM values, RFC 2410 for NULL).
inline constexpr uint8_t kV1KeyIke = 1;
enum class V1EspTransform : uint8_t {
  kDes = 2,
  k3Des = 3,
  kNull = 11,
  kAes = 12,  // AES-CBC, Key Length attribute required
  kAesGcm8 = 18,
  kAesGcm12 = 19,
  kAesGcm16 = 20,
};

// Phase 1 SA attribute classes (RFC 2409 Appendix A).
enum class V1Phase1Attribute : uint16_t {
  kEncryptionAlgorithm = 1,
  kHashAlgorithm = 2,
  kAuthenticationMethod = 3,
  kGroupDescription = 4,  // the DH group, numbered like IKEv2's (algorithms.h DhGroup)
  kGroupType = 5,
  kGroupPrime = 6,
  kGroupGeneratorOne = 7,
  kGroupGeneratorTwo = 8,
  kGroupCurveA = 9,
  kGroupCurveB = 10,
  kLifeType = 11,
  kLifeDuration = 12,
  kPrf = 13,
  kKeyLength = 14,  // bits
  kFieldSize = 15,
  kGroupOrder = 16,
};

// Phase 1 attribute values (RFC 2409 Appendix A; AES-CBC: RFC 3602 / IANA; SHA2: RFC 4868).
enum class V1EncryptionAlgorithm : uint16_t {
  kDesCbc = 1,
  kIdeaCbc = 2,
  kBlowfishCbc = 3,
  kRc5 = 4,
  k3DesCbc = 5,
  kCastCbc = 6,
  kAesCbc = 7,
};
enum class V1HashAlgorithm : uint16_t {
  kMd5 = 1,
  kSha1 = 2,
  kTiger = 3,
  kSha2_256 = 4,
  kSha2_384 = 5,
  kSha2_512 = 6,
};
// V1AuthMethod: RFC 2409 Appendix A, RFC 4754 (ECDSA), draft-beaulieu-ike-xauth-02 (XAUTH).
// XAUTH "Init" methods: the initiator authenticates with XAUTH on top of phase 1; "Resp": the
// responder.
enum class V1AuthMethod : uint16_t {
  kPreSharedKey = 1,
  kDssSignatures = 2,
  kRsaSignatures = 3,
  kRsaEncryption = 4,
  kRevisedRsaEncryption = 5,
  kEcdsaSha256 = 9,   // RFC 4754: ECDSA with SHA-256 on the P-256 curve
  kEcdsaSha384 = 10,  // RFC 4754: P-384
  kEcdsaSha512 = 11,  // RFC 4754: P-521
  kXauthInitPreShared = 65001,
  kXauthRespPreShared = 65002,
  kXauthInitDssSignatures = 65003,
  kXauthRespDssSignatures = 65004,
  kXauthInitRsaSignatures = 65005,
  kXauthRespRsaSignatures = 65006,
  kXauthInitRsaEncryption = 65007,
  kXauthRespRsaEncryption = 65008,
  kXauthInitRevisedRsaEncryption = 65009,
  kXauthRespRevisedRsaEncryption = 65010,
};
// V1LifeType: phase 1 Life Type values (RFC 2409 Appendix A); phase 2 SA Life Type uses the
// same numbers (RFC 2407 4.5).
enum class V1LifeType : uint16_t { kSeconds = 1, kKilobytes = 2 };

// Phase 2 (IPsec DOI) SA attribute classes (RFC 2407 4.5).
enum class V1Phase2Attribute : uint16_t {
  kSaLifeType = 1,
  kSaLifeDuration = 2,
  kGroupDescription = 3,  // PFS group
  kEncapsulationMode = 4,
  kAuthenticationAlgorithm = 5,
  kKeyLength = 6,  // bits
  kKeyRounds = 7,
  kCompressDictionarySize = 8,
  kCompressPrivateAlgorithm = 9,
};
// V1EncapsulationMode: RFC 2407 4.5, RFC 3947 section 5 (UDP-encapsulated modes; 61443/61444
// are the values of draft-ietf-ipsec-nat-t-ike-00..03 that older peers still send).
enum class V1EncapsulationMode : uint16_t {
  kTunnel = 1,
  kTransport = 2,
  kUdpTunnel = 3,
  kUdpTransport = 4,
  kUdpTunnelDraft = 61443,
  kUdpTransportDraft = 61444,
};
// V1AuthAlgorithm: phase 2 Authentication Algorithm (RFC 2407 4.5, RFC 4868 for SHA2).
enum class V1AuthAlgorithm : uint16_t {
  kHmacMd5 = 1,
  kHmacSha1 = 2,
  kDesMac = 3,
  kKpdk = 4,
  kHmacSha2_256 = 5,
  kHmacSha2_384 = 6,
  kHmacSha2_512 = 7,
};

// V1IdType: RFC 2407 4.6.2.1 (phase 1 identities and Quick Mode client IDs).
enum class V1IdType : uint8_t {
  kIpv4Addr = 1,
  kFqdn = 2,
  kUserFqdn = 3,
  kIpv4AddrSubnet = 4,
  kIpv6Addr = 5,
  kIpv6AddrSubnet = 6,
  kIpv4AddrRange = 7,
  kIpv6AddrRange = 8,
  kDerAsn1Dn = 9,
  kDerAsn1Gn = 10,
  kKeyId = 11,
};

// V1CertEncoding: Certificate / Certificate Request types (RFC 2408 3.9).
enum class V1CertEncoding : uint8_t {
  kNone = 0,
  kPkcs7 = 1,
  kPgp = 2,
  kDnsSignedKey = 3,
  kX509Signature = 4,
  kX509KeyExchange = 5,
  kKerberos = 6,
  kCrl = 7,
  kArl = 8,
  kSpki = 9,
  kX509Attribute = 10,
};

// V1NotifyType: RFC 2408 3.14.1 (errors 1-16383), RFC 2407 4.6.3 (IPsec DOI status),
// RFC 3706 (DPD).
enum class V1NotifyType : uint16_t {
  kInvalidPayloadType = 1,
  kDoiNotSupported = 2,
  kSituationNotSupported = 3,
  kInvalidCookie = 4,
  kInvalidMajorVersion = 5,
  kInvalidMinorVersion = 6,
  kInvalidExchangeType = 7,
  kInvalidFlags = 8,
  kInvalidMessageId = 9,
  kInvalidProtocolId = 10,
  kInvalidSpi = 11,
  kInvalidTransformId = 12,
  kAttributesNotSupported = 13,
  kNoProposalChosen = 14,
  kBadProposalSyntax = 15,
  kPayloadMalformed = 16,
  kInvalidKeyInformation = 17,
  kInvalidIdInformation = 18,
  kInvalidCertEncoding = 19,
  kInvalidCertificate = 20,
  kCertTypeUnsupported = 21,
  kInvalidCertAuthority = 22,
  kInvalidHashInformation = 23,
  kAuthenticationFailed = 24,
  kInvalidSignature = 25,
  kAddressNotification = 26,
  kNotifySaLifetime = 27,
  kCertificateUnavailable = 28,
  kUnsupportedExchangeType = 29,
  kUnequalPayloadLengths = 30,
  kConnected = 16384,
  kResponderLifetime = 24576,
  kReplayStatus = 24577,
  kInitialContact = 24578,
  kRUThere = 36136,     // RFC 3706
  kRUThereAck = 36137,  // RFC 3706
};

// V1CfgType: the ATTR payload's type (draft-dukes-ike-mode-cfg 3.2).
enum class V1CfgType : uint8_t { kRequest = 1, kReply = 2, kSet = 3, kAck = 4 };

// V1ModeCfgAttribute: Mode Config attributes (draft-dukes-ike-mode-cfg 3.2) and XAUTH's
// (draft-beaulieu-ike-xauth-02 section 5), which share the ATTR payload and its encoding.
enum class V1ModeCfgAttribute : uint16_t {
  kInternalIp4Address = 1,
  kInternalIp4Netmask = 2,
  kInternalIp4Dns = 3,
  kInternalIp4Nbns = 4,
  kInternalAddressExpiry = 5,
  kInternalIp4Dhcp = 6,
  kApplicationVersion = 7,
  kInternalIp6Address = 8,
  kInternalIp6Netmask = 9,
  kInternalIp6Dns = 10,
  kInternalIp6Nbns = 11,
  kInternalIp6Dhcp = 12,
  kInternalIp4Subnet = 13,
  kSupportedAttributes = 14,
  kInternalIp6Subnet = 15,
  kXauthType = 16520,
  kXauthUserName = 16521,
  kXauthUserPassword = 16522,
  kXauthPasscode = 16523,
  kXauthMessage = 16524,
  kXauthChallenge = 16525,
  kXauthDomain = 16526,
  kXauthStatus = 16527,
  kXauthNextPin = 16528,
  kXauthAnswer = 16529,
};
// XAUTH-TYPE values (draft-beaulieu 5.1) and XAUTH-STATUS values (5.2).
enum class V1XauthType : uint16_t { kGeneric = 0, kRadiusChap = 1, kOtp = 2, kSKey = 3 };
inline constexpr uint16_t kV1XauthStatusFail = 0;
inline constexpr uint16_t kV1XauthStatusOk = 1;

// Vendor IDs we send or recognise (the VID payload's whole data).
//   RFC 3947 NAT-T: MD5("RFC 3947") (RFC 3947 section 3.1).
//   RFC 3706 DPD: "afcad71368a1f1c96b8696fc77570100" (section 5.1: the last two octets are the
//   major and minor version, 1.0).
//   XAUTH: the 8 octets draft-beaulieu-ike-xauth-02 section 3 gives ("09002689dfd6b712").
inline constexpr std::array<uint8_t, 16> kVendorIdRfc3947 = {
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
inline constexpr std::array<uint8_t, 16> kVendorIdDpd = {
    0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
inline constexpr std::array<uint8_t, 8> kVendorIdXauth = {0x09, 0x00, 0x26, 0x89,
                                                          0xdf, 0xd6, 0xb7, 0x12};

// Names for messages and logs ("SA", "Main Mode", "NO-PROPOSAL-CHOSEN"); unknown values print
// as their number, e.g. "payload 99".
std::string V1PayloadTypeName(V1PayloadType type);
std::string V1ExchangeName(V1Exchange exchange);
std::string V1NotifyTypeName(V1NotifyType type);

// IsKnownV1PayloadType: a type ParseV1Payloads parses at message level (not kNone, not the
// proposal / transform substructures).
bool IsKnownV1PayloadType(uint8_t type);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_CONSTANTS_H_
