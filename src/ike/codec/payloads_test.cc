// Round trips of every payload type, and each payload parser's malformed cases.
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "ike/codec/codec_test_util.h"
#include "ike/codec/payload.h"

namespace tunnelisa::ike {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::ExpectError;
using testing::Raw;
using testing::RoundTrip;

constexpr uint8_t T(PayloadType t) { return static_cast<uint8_t>(t); }

absl::Status ParseOne(PayloadType type, const Bytes& body, uint8_t next = 0) {
  const Bytes bytes = Raw(next, 0, body);
  return ParsePayloadChain(T(type), bytes).status();
}

Proposal IkeProposal(uint8_t number) {
  return Proposal{.number = number,
                  .protocol = ProtocolId::kIke,
                  .transforms = {{.type = TransformType::kEncr, .id = 12, .key_length = 256},
                                 {.type = TransformType::kPrf, .id = 5},
                                 {.type = TransformType::kInteg, .id = 12},
                                 {.type = TransformType::kDh, .id = 19}}};
}

TEST(SaPayloadTest, RoundTripWithProposalsSpisAndAttributes) {
  Proposal esp{.number = 2,
               .protocol = ProtocolId::kEsp,
               .spi = {0xc0, 0xff, 0xee, 0x01},
               .transforms = {{.type = TransformType::kEncr,
                               .id = 20,
                               .key_length = 128,
                               .other_attributes = {{.type = 99, .tv = false, .value = {1, 2, 3}},
                                                    {.type = 98, .tv = true, .value = {4, 5}}}},
                              {.type = TransformType::kEsn, .id = 0}}};
  RoundTrip(Payload::Make(PayloadType::kSa, SaPayload{.proposals = {IkeProposal(1), esp}}));
}

TEST(SaPayloadTest, WireLayoutOfOneTransform) {
  SaPayload sa{
      .proposals = {{.number = 1,
                     .protocol = ProtocolId::kIke,
                     .transforms = {{.type = TransformType::kEncr, .id = 12, .key_length = 256}}}}};
  const Bytes bytes = RoundTrip(Payload::Make(PayloadType::kSa, sa));
  EXPECT_EQ(bytes, (Bytes{0,    0,  0,    24,                // generic header
                          0,    0,  0,    20,  1, 1, 0, 1,   // proposal: last, len, #1, IKE
                          0,    0,  0,    12,  1, 0, 0, 12,  // transform: last, ENCR 12
                          0x80, 14, 0x01, 0x00}));           // Key Length 256 (TV)
}

// Proposal body helper: Last Substruc, length computed, then fields and transforms.
Bytes ProposalBytes(uint8_t last, uint8_t number, uint8_t num_transforms, const Bytes& rest,
                    uint8_t spi_size = 0) {
  const size_t len = 8 + rest.size();
  return Cat({{last, 0, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), number, 1,
               spi_size, num_transforms},
              rest});
}
Bytes TransformBytes(uint8_t last, uint8_t type, uint8_t id, const Bytes& attrs = {}) {
  const size_t len = 8 + attrs.size();
  return Cat({{last, 0, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), type, 0, 0, id},
              attrs});
}

TEST(SaPayloadTest, ZeroLengthSaIsRejected) {
  ExpectError(ParseOne(PayloadType::kSa, {}), "no proposal");
}

TEST(SaPayloadTest, TransformCountMustMatchTheTransformsPresent) {
  // Declares 3 transforms, carries 2 (both marked "more", so only the count can tell).
  ExpectError(
      ParseOne(PayloadType::kSa,
               ProposalBytes(0, 1, 3, Cat({TransformBytes(3, 1, 12), TransformBytes(3, 2, 5)}))),
      "declares 3 transforms but only 2");
  // Declares 3, carries 2 with the second marked last.
  Bytes two = Cat({TransformBytes(3, 1, 12), TransformBytes(0, 2, 5)});
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 3, two)),
              "Last Substruc 0 disagrees with Num Transforms 3");
  // Declares 1, carries 2.
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 1, two)),
              "Last Substruc 3 disagrees with Num Transforms 1");
  // Last transform marked "more".
  Bytes bad_last = Cat({TransformBytes(3, 1, 12), TransformBytes(3, 2, 5)});
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 2, bad_last)), "Last Substruc 3");
  // Declares 0 but carries one: octets after the declared transforms.
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 0, TransformBytes(0, 1, 12))),
              "after the 0 declared transforms");
}

TEST(SaPayloadTest, ProposalMarkersAndNumbersAreChecked) {
  const Bytes t = TransformBytes(0, 1, 12);
  // First proposal says "more" but nothing follows.
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(2, 1, 1, t)), "not marked last");
  // Proposal after the one marked last.
  ExpectError(
      ParseOne(PayloadType::kSa, Cat({ProposalBytes(0, 1, 1, t), ProposalBytes(0, 2, 1, t)})),
      "after the proposal marked last");
  // Last Substruc value that is neither 0 nor 2.
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(3, 1, 1, t)), "Last Substruc 3");
  // Numbers out of sequence.
  ExpectError(
      ParseOne(PayloadType::kSa, Cat({ProposalBytes(2, 1, 1, t), ProposalBytes(0, 3, 1, t)})),
      "proposal number 3 out of sequence");
  ExpectError(
      ParseOne(PayloadType::kSa, Cat({ProposalBytes(2, 2, 1, t), ProposalBytes(0, 3, 1, t)})),
      "out of sequence");
  // A lone accepted proposal keeps its offered number.
  EXPECT_TRUE(ParseOne(PayloadType::kSa, ProposalBytes(0, 5, 1, t)).ok());
}

TEST(SaPayloadTest, SubstructureLengthsAreChecked) {
  const Bytes t = TransformBytes(0, 1, 12);
  Bytes short_proposal = ProposalBytes(0, 1, 1, t);
  short_proposal[3] = 7;
  ExpectError(ParseOne(PayloadType::kSa, short_proposal), "proposal length 7 < 8");
  Bytes long_proposal = ProposalBytes(0, 1, 1, t);
  long_proposal[3] = 200;
  ExpectError(ParseOne(PayloadType::kSa, long_proposal), "runs past the SA payload");
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 1, t, /*spi_size=*/40)),
              "SPI size 40 runs past the proposal");
  Bytes short_transform = t;
  short_transform[3] = 4;
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 1, short_transform)),
              "transform length 4 < 8");
  Bytes long_transform = t;
  long_transform[3] = 9;
  ExpectError(ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 1, long_transform)),
              "runs past the proposal");
}

TEST(SaPayloadTest, AttributeLengthsAreChecked) {
  // TLV attribute whose length runs past the transform.
  ExpectError(ParseOne(PayloadType::kSa,
                       ProposalBytes(0, 1, 1, TransformBytes(0, 1, 12, {0, 99, 0, 9, 1, 2}))),
              "attribute length 9 runs past the transform");
  // Half an attribute header.
  ExpectError(
      ParseOne(PayloadType::kSa, ProposalBytes(0, 1, 1, TransformBytes(0, 1, 12, {0x80, 14}))),
      "transform attribute truncated");
  // Key Length in TLV form, and twice.
  ExpectError(ParseOne(PayloadType::kSa,
                       ProposalBytes(0, 1, 1, TransformBytes(0, 1, 12, {0, 14, 0, 2, 1, 0}))),
              "not in Type/Value format");
  ExpectError(ParseOne(PayloadType::kSa,
                       ProposalBytes(0, 1, 1,
                                     TransformBytes(0, 1, 12, {0x80, 14, 1, 0, 0x80, 14, 0, 128}))),
              "Key Length attribute at offset");
}

TEST(SaPayloadTest, SerializeRejectsWhatTheWireCannotCarry) {
  Writer w;
  EXPECT_FALSE(SaPayload{}.Serialize(w).ok());
  Proposal p = IkeProposal(1);
  p.transforms[0].other_attributes = {{.type = 1, .tv = true, .value = {1, 2, 3}}};
  EXPECT_FALSE(SaPayload{.proposals = {p}}.Serialize(w).ok());
}

TEST(KePayloadTest, RoundTripAndErrors) {
  RoundTrip(Payload::Make(PayloadType::kKe, KePayload{.dh_group = 31, .data = Bytes(32, 0xab)}));
  ExpectError(ParseOne(PayloadType::kKe, {0, 31, 0}), "KE payload truncated");
  ExpectError(ParseOne(PayloadType::kKe, {0, 31, 0, 0}), "no key exchange data");
}

TEST(IdPayloadTest, RoundTripOfEachIdType) {
  const IpAddress v4 = *IpAddress::Parse("192.0.2.7");
  const IpAddress v6 = *IpAddress::Parse("2001:db8::7");
  for (const IdPayload& id :
       {IdPayload::FromAddress(v4), IdPayload::FromAddress(v6), IdPayload::FromFqdn("gw.example"),
        IdPayload::FromRfc822("ops@example.net"), IdPayload::FromKeyId(Bytes{1, 2, 3, 4})}) {
    RoundTrip(Payload::Make(PayloadType::kIdi, id));
    RoundTrip(Payload::Make(PayloadType::kIdr, id));
  }
  EXPECT_EQ(IdPayload::FromAddress(v6).address(), v6);
  EXPECT_EQ(IdPayload::FromAddress(v4).type, IdType::kIpv4Addr);
  EXPECT_EQ(IdPayload::FromFqdn("gw.example").text(), "gw.example");
  EXPECT_FALSE(IdPayload::FromKeyId(Bytes{1}).text().has_value());
}

TEST(IdPayloadTest, AddressSizesAndEmptyDataAreChecked) {
  ExpectError(ParseOne(PayloadType::kIdi, {1, 0, 0, 0, 192, 0, 2}), "ID_IPV4_ADDR of 3 octets");
  ExpectError(ParseOne(PayloadType::kIdr, Cat({{5, 0, 0, 0}, Bytes(4, 1)})),
              "ID_IPV6_ADDR of 4 octets");
  ExpectError(ParseOne(PayloadType::kIdi, {2, 0, 0, 0}), "no identification data");
  ExpectError(ParseOne(PayloadType::kIdi, {2, 0}), "ID payload truncated");
}

TEST(CertPayloadTest, RoundTripOfCertAndCertReq) {
  RoundTrip(Payload::Make(PayloadType::kCert, CertPayload{.data = Bytes(300, 0x30)}));
  RoundTrip(Payload::Make(PayloadType::kCertReq, CertPayload{.data = Bytes(40, 0x55)}));
  ExpectError(ParseOne(PayloadType::kCert, {}), "CERT payload truncated");
}

TEST(AuthPayloadTest, RoundTripAndErrors) {
  RoundTrip(Payload::Make(PayloadType::kAuth,
                          AuthPayload{.method = AuthMethod::kSharedKeyMic, .data = Bytes(32, 7)}));
  ExpectError(ParseOne(PayloadType::kAuth, {2, 0, 0}), "AUTH payload truncated");
  ExpectError(ParseOne(PayloadType::kAuth, {2, 0, 0, 0}), "no authentication data");
}

TEST(NoncePayloadTest, SizeLimitsAreInclusive) {
  RoundTrip(Payload::Make(PayloadType::kNonce, NoncePayload{.nonce = Bytes(16, 1)}));
  RoundTrip(Payload::Make(PayloadType::kNonce, NoncePayload{.nonce = Bytes(256, 2)}));
  ExpectError(ParseOne(PayloadType::kNonce, Bytes(15, 1)), "nonce of 15 octets");
  ExpectError(ParseOne(PayloadType::kNonce, Bytes(257, 1)), "nonce of 257 octets");
  Writer w;
  EXPECT_FALSE(NoncePayload{.nonce = Bytes(8, 0)}.Serialize(w).ok());
}

TEST(NotifyPayloadTest, RoundTripOfIkeAndChildSaNotifications) {
  const Bytes hash(20, 0x5a);
  for (const NotifyPayload& n :
       {NotifyPayload::Of(NotifyType::kNatDetectionSourceIp, hash),
        NotifyPayload::Of(NotifyType::kNatDetectionDestinationIp, hash),
        NotifyPayload::Of(NotifyType::kCookie, Bytes(64, 3)),
        NotifyPayload::Of(NotifyType::kIkev2FragmentationSupported),
        NotifyPayload::Of(NotifyType::kUseTransportMode), NotifyPayload::InvalidKe(19),
        NotifyPayload::Of(NotifyType::kUnsupportedCriticalPayload, Bytes{99}),
        NotifyPayload::ForChildSa(NotifyType::kRekeySa, ProtocolId::kEsp, 0xc0ffee01),
        NotifyPayload::Of(static_cast<NotifyType>(40000), Bytes{1, 2})}) {
    RoundTrip(Payload::Make(PayloadType::kNotify, n));
  }
  EXPECT_EQ(NotifyPayload::InvalidKe(19).accepted_group(), 19);
  EXPECT_TRUE(NotifyPayload::InvalidKe(19).is_error());
  EXPECT_EQ(NotifyPayload::ForChildSa(NotifyType::kRekeySa, ProtocolId::kEsp, 0xc0ffee01).spi32(),
            0xc0ffee01u);
  EXPECT_FALSE(NotifyPayload::Of(NotifyType::kCookie, Bytes{1}).is_error());
}

TEST(NotifyPayloadTest, ProtocolIdIsIgnoredWithoutAnSpi) {
  const Bytes body = {3, 0, 0x40, 0x07};  // protocol ESP, no SPI, USE_TRANSPORT_MODE
  const Bytes bytes = Raw(0, 0, body);
  absl::StatusOr<std::vector<Payload>> p = ParsePayloadChain(T(PayloadType::kNotify), bytes);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(std::get<NotifyPayload>((*p)[0].body).protocol, ProtocolId::kNone);
}

TEST(NotifyPayloadTest, DataSizesAreChecked) {
  ExpectError(ParseOne(PayloadType::kNotify, Cat({{0, 0, 0x40, 0x04}, Bytes(19, 1)})),
              "NAT detection hash of 19");
  ExpectError(ParseOne(PayloadType::kNotify, Cat({{0, 0, 0x40, 0x05}, Bytes(21, 1)})),
              "NAT detection hash of 21");
  ExpectError(ParseOne(PayloadType::kNotify, {0, 0, 0x40, 0x06}), "COOKIE of 0 octets");
  ExpectError(ParseOne(PayloadType::kNotify, Cat({{0, 0, 0x40, 0x06}, Bytes(65, 1)})),
              "COOKIE of 65 octets");
  ExpectError(ParseOne(PayloadType::kNotify, {0, 0, 0, 17, 0}), "INVALID_KE_PAYLOAD data of 1");
  ExpectError(ParseOne(PayloadType::kNotify, {0, 0, 0, 1}), "UNSUPPORTED_CRITICAL_PAYLOAD data");
  ExpectError(ParseOne(PayloadType::kNotify, {3, 4, 0x40, 0x09, 1, 2}), "SPI size 4 runs past");
  ExpectError(ParseOne(PayloadType::kNotify, {0, 0, 0x40}), "Notify payload truncated");
}

TEST(DeletePayloadTest, RoundTripAndErrors) {
  RoundTrip(Payload::Make(PayloadType::kDelete, DeletePayload{.protocol = ProtocolId::kIke}));
  RoundTrip(Payload::Make(PayloadType::kDelete,
                          DeletePayload{.protocol = ProtocolId::kEsp, .spis = {1, 0xfffffffe}}));
  ExpectError(ParseOne(PayloadType::kDelete, {3, 4, 0, 2, 0, 0, 0, 1}),
              "Num of SPIs 2 but 4 octets");
  ExpectError(ParseOne(PayloadType::kDelete, {3, 8, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}),
              "SPI size 8 for protocol 3");
  ExpectError(ParseOne(PayloadType::kDelete, {1, 4, 0, 0}), "SPI size 4 for protocol 1");
  ExpectError(ParseOne(PayloadType::kDelete, {9, 4, 0, 0}), "unknown protocol ID 9");
  ExpectError(ParseOne(PayloadType::kDelete, {1, 0, 0, 0, 7}), "data after an IKE SA delete");
}

TEST(VendorIdPayloadTest, RoundTripAndEmpty) {
  RoundTrip(Payload::Make(PayloadType::kVendorId, VendorIdPayload{.id = Bytes(16, 0x42)}));
  ExpectError(ParseOne(PayloadType::kVendorId, {}), "Vendor ID payload at offset 4: empty");
}

TEST(TsPayloadTest, RoundTripOfIpv4AndIpv6Ranges) {
  TrafficSelector web{.ip_protocol = 6,
                      .start_port = 443,
                      .end_port = 443,
                      .start_address = *IpAddress::Parse("10.1.0.0"),
                      .end_address = *IpAddress::Parse("10.1.255.255")};
  TsPayload ts{.selectors = {web, TrafficSelector::Any(IpAddress::Family::kV6),
                             TrafficSelector::ForPrefix(*IpPrefix::Parse("2001:db8:1::/48"))}};
  RoundTrip(Payload::Make(PayloadType::kTsi, ts));
  RoundTrip(Payload::Make(PayloadType::kTsr, ts));
  EXPECT_EQ(ts.selectors[2].end_address, *IpAddress::Parse("2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_EQ(TrafficSelector::ForPrefix(*IpPrefix::Parse("10.2.0.0/15")).end_address,
            *IpAddress::Parse("10.3.255.255"));
}

Bytes V4Selector(uint8_t type = 7, uint8_t length = 16) {
  return {type, 0, 0, length, 0, 0, 0xff, 0xff, 10, 0, 0, 0, 10, 0, 0, 255};
}

TEST(TsPayloadTest, CountsTypesAndLengthsAreChecked) {
  ExpectError(ParseOne(PayloadType::kTsi, {0, 0, 0, 0}), "Number of TSs is 0");
  ExpectError(ParseOne(PayloadType::kTsi, Cat({{2, 0, 0, 0}, V4Selector()})),
              "Number of TSs is 2 but only 1");
  ExpectError(ParseOne(PayloadType::kTsi, Cat({{1, 0, 0, 0}, V4Selector(), V4Selector()})),
              "after the 1 declared selectors");
  ExpectError(ParseOne(PayloadType::kTsr, Cat({{1, 0, 0, 0}, V4Selector(9)})), "unknown TS type 9");
  ExpectError(ParseOne(PayloadType::kTsr, Cat({{1, 0, 0, 0}, V4Selector(7, 40)})),
              "Selector Length 40 for TS type 7");
  Bytes cut = Cat({{1, 0, 0, 0}, V4Selector()});
  cut.pop_back();
  ExpectError(ParseOne(PayloadType::kTsr, cut), "runs past the TS payload");
}

TEST(EncryptedPayloadTest, RoundTripOfSkAndSkf) {
  RoundTrip(
      Payload::Make(PayloadType::kEncrypted,
                    EncryptedPayload{.first_inner = T(PayloadType::kIdi), .body = Bytes(48, 9)}));
  RoundTrip(Payload::Make(PayloadType::kEncryptedFragment,
                          EncryptedFragmentPayload{.first_inner = T(PayloadType::kIdi),
                                                   .fragment_number = 1,
                                                   .total_fragments = 3,
                                                   .body = Bytes(40, 1)}));
  RoundTrip(Payload::Make(
      PayloadType::kEncryptedFragment,
      EncryptedFragmentPayload{.fragment_number = 3, .total_fragments = 3, .body = Bytes(40, 1)}));
}

TEST(EncryptedPayloadTest, FragmentNumbersAreChecked) {
  ExpectError(ParseOne(PayloadType::kEncryptedFragment, {0, 0, 0, 2, 1}), "Fragment Number is 0");
  ExpectError(ParseOne(PayloadType::kEncryptedFragment, {0, 1, 0, 0, 1}), "Total Fragments is 0");
  ExpectError(ParseOne(PayloadType::kEncryptedFragment, {0, 3, 0, 2, 1}),
              "Fragment Number 3 > Total Fragments 2");
  ExpectError(ParseOne(PayloadType::kEncryptedFragment, {0, 2, 0, 2, 1}, T(PayloadType::kIdi)),
              "Next Payload 35 in fragment 2");
  ExpectError(ParseOne(PayloadType::kEncryptedFragment, {0, 1, 0, 2}), "no encrypted content");
  ExpectError(ParseOne(PayloadType::kEncryptedFragment, {0, 1}), "SKF payload truncated");
  ExpectError(ParseOne(PayloadType::kEncrypted, {}), "SK payload at offset 4: empty");
}

TEST(CpPayloadTest, RoundTripOfRequestAndReply) {
  RoundTrip(
      Payload::Make(PayloadType::kCp,
                    CpPayload{.cfg_type = CfgType::kRequest,
                              .attributes = {{.type = ConfigAttributeType::kInternalIp4Address},
                                             {.type = ConfigAttributeType::kInternalIp4Dns},
                                             {.type = ConfigAttributeType::kInternalIp6Address}}}));
  CpPayload reply{
      .cfg_type = CfgType::kReply,
      .attributes = {ConfigAttribute::Address(ConfigAttributeType::kInternalIp4Address,
                                              *IpAddress::Parse("10.9.0.2")),
                     ConfigAttribute::Address(ConfigAttributeType::kInternalIp6Dns,
                                              *IpAddress::Parse("2001:db8::53")),
                     {.type = ConfigAttributeType::kApplicationVersion, .value = {'v', '1'}}}};
  RoundTrip(Payload::Make(PayloadType::kCp, reply));
  EXPECT_EQ(reply.attributes[0].address(), *IpAddress::Parse("10.9.0.2"));
}

TEST(CpPayloadTest, UnknownAndUnsizedAttributesAreKeptAsBytes) {
  // An unknown type (0x4321) with 3 octets, then INTERNAL_IP4_ADDRESS empty: both parse, the
  // unknown one kept for the exchange code to ignore.
  const std::vector<uint8_t> body = {1, 0, 0, 0, 0x43, 0x21, 0, 3, 7, 8, 9, 0, 1, 0, 0};
  Reader r(body);
  absl::StatusOr<CpPayload> cp = CpPayload::Parse(r);
  ASSERT_TRUE(cp.ok()) << cp.status();
  ASSERT_EQ(cp->attributes.size(), 2u);
  EXPECT_EQ(static_cast<uint16_t>(cp->attributes[0].type), 0x4321);
  EXPECT_EQ(cp->attributes[0].value, (std::vector<uint8_t>{7, 8, 9}));
  EXPECT_EQ(cp->attributes[0].address(), std::nullopt);
  EXPECT_EQ(cp->attributes[1].type, ConfigAttributeType::kInternalIp4Address);
  EXPECT_TRUE(cp->attributes[1].value.empty());
}

TEST(CpPayloadTest, AttributeLengthsAreChecked) {
  ExpectError(ParseOne(PayloadType::kCp, {2, 0, 0, 0, 0, 1, 0, 8, 10, 0, 0, 1}),
              "length 8 runs past the CP payload");
  ExpectError(ParseOne(PayloadType::kCp, {2, 0, 0, 0, 0, 1, 0, 3, 10, 0, 0}),
              "attribute type 1 with a 3-octet value");
  ExpectError(ParseOne(PayloadType::kCp, {2, 0, 0, 0, 0, 1}), "configuration attribute truncated");
  ExpectError(ParseOne(PayloadType::kCp, {2, 0}), "CP payload truncated");
  // The reserved bit is ignored on receipt.
  absl::Status ok = ParseOne(PayloadType::kCp, {1, 0, 0, 0, 0x80, 1, 0, 0});
  EXPECT_TRUE(ok.ok()) << ok;
}

TEST(EapPayloadTest, RoundTripAndEmpty) {
  RoundTrip(Payload::Make(PayloadType::kEap, EapPayload{.message = {1, 7, 0, 5, 1}}));
  ExpectError(ParseOne(PayloadType::kEap, {}), "EAP payload at offset 4: empty");
}

TEST(UnknownPayloadTest, NonCriticalUnknownPayloadIsKeptAndRoundTrips) {
  Payload p{.type = static_cast<PayloadType>(200), .body = UnknownPayload{.body = {1, 2, 3}}};
  RoundTrip(p);
}

TEST(PayloadChainTest, SerializeRejectsABodyOfTheWrongType) {
  Writer w;
  const Payload wrong = Payload::Make(PayloadType::kKe, NoncePayload{.nonce = Bytes(16, 0)});
  EXPECT_FALSE(SerializePayloadChain({&wrong, 1}, w).ok());
  const Payload oversized =
      Payload::Make(PayloadType::kVendorId, VendorIdPayload{.id = Bytes(70000, 0)});
  EXPECT_FALSE(SerializePayloadChain({&oversized, 1}, w).ok());
}

}  // namespace
}  // namespace tunnelisa::ike
