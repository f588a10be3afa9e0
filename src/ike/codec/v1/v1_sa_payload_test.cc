// V1SaPayload: round trips, exact bytes, and the proposal / transform structure refused in
// every way it can be inconsistent.
#include "ike/codec/v1/v1_sa_payload.h"

#include "gtest/gtest.h"
#include "ike/codec/v1/v1_test_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::ExpectEveryTruncationFails;
using testing::ExpectV1Error;
using testing::ParseOne;
using testing::V1RoundTrip;

uint16_t A(V1Phase1Attribute a) { return static_cast<uint16_t>(a); }

V1Transform Phase1Transform(uint8_t number, uint16_t encr, uint16_t key_bits) {
  V1Transform t{.number = number, .id = kV1KeyIke};
  t.attributes.push_back(V1Attribute::Tv(A(V1Phase1Attribute::kEncryptionAlgorithm), encr));
  if (key_bits != 0) {
    t.attributes.push_back(V1Attribute::Tv(A(V1Phase1Attribute::kKeyLength), key_bits));
  }
  t.attributes.push_back(V1Attribute::Tv(A(V1Phase1Attribute::kHashAlgorithm), 2));
  t.attributes.push_back(V1Attribute::Tv(A(V1Phase1Attribute::kAuthenticationMethod), 1));
  t.attributes.push_back(V1Attribute::Tv(A(V1Phase1Attribute::kGroupDescription), 14));
  t.attributes.push_back(V1Attribute::Tv(A(V1Phase1Attribute::kLifeType), 1));
  t.attributes.push_back(V1Attribute::Integer(A(V1Phase1Attribute::kLifeDuration), 86400));
  return t;
}

V1SaPayload Phase1Sa() {
  return {.proposals = {{.number = 1,
                         .protocol = V1ProtocolId::kIsakmp,
                         .transforms = {Phase1Transform(1, 7, 256), Phase1Transform(2, 5, 0)}}}};
}

// The bytes of a small SA payload body written by hand from RFC 2408 3.4-3.6.
const Bytes kSmallSaBody = {
    0,    0,    0,    1,     // DOI: IPsec
    0,    0,    0,    1,     // situation: SIT_IDENTITY_ONLY
    0,    0,    0,    20,    // proposal: last, length 20
    1,    3,    4,    1,     // #1, ESP, SPI size 4, 1 transform
    0xca, 0xfe, 0xba, 0xbe,  // SPI
    0,    0,    0,    8,     // transform: last, length 8
    1,    12,   0,    0,     // #1, ESP_AES, RESERVED2
};

TEST(V1SaPayloadTest, ParsesHandMadeBytesExactly) {
  Bytes body = kSmallSaBody;
  // Add one attribute: Key Length 128 (TV) in the transform.
  body.insert(body.end(), {0x80, 6, 0, 128});
  body[11] = 24;  // proposal length
  body[23] = 12;  // transform length
  Reader r(body);
  absl::StatusOr<V1SaPayload> sa = V1SaPayload::Parse(r);
  ASSERT_TRUE(sa.ok()) << sa.status();
  ASSERT_EQ(sa->proposals.size(), 1u);
  const V1Proposal& p = sa->proposals[0];
  EXPECT_EQ(p.protocol, V1ProtocolId::kIpsecEsp);
  EXPECT_EQ(p.spi, Bytes({0xca, 0xfe, 0xba, 0xbe}));
  ASSERT_EQ(p.transforms.size(), 1u);
  EXPECT_EQ(p.transforms[0].id, 12);
  ASSERT_NE(p.transforms[0].Find(6), nullptr);
  EXPECT_EQ(*p.transforms[0].Find(6)->AsInteger(), 128u);
  Writer w;
  ASSERT_TRUE(sa->Serialize(w).ok());
  EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), body);
}

TEST(V1SaPayloadTest, RoundTripsPhase1AndPhase2Offers) {
  V1RoundTrip(V1Payload::Make(V1PayloadType::kSa, Phase1Sa()));
  V1SaPayload qm{
      .proposals = {{.number = 1,
                     .protocol = V1ProtocolId::kIpsecEsp,
                     .spi = {1, 2, 3, 4},
                     .transforms = {{.number = 1,
                                     .id = 12,
                                     .attributes = {V1Attribute::Tv(4, 1), V1Attribute::Tv(5, 2),
                                                    V1Attribute::Tv(6, 128)}}}},
                    {.number = 2,
                     .protocol = V1ProtocolId::kIpsecEsp,
                     .spi = {1, 2, 3, 4},
                     .transforms = {{.number = 1, .id = 3}}}}};
  V1RoundTrip(V1Payload::Make(V1PayloadType::kSa, qm));
  // Two proposals with the same number (an AND offer) are kept as they are.
  qm.proposals[1].number = 1;
  V1RoundTrip(V1Payload::Make(V1PayloadType::kSa, qm));
}

TEST(V1SaPayloadTest, EveryTruncationFails) {
  ExpectEveryTruncationFails(V1PayloadType::kSa, kSmallSaBody);
}

TEST(V1SaPayloadTest, RefusesOtherDoiAndSituation) {
  Bytes body = kSmallSaBody;
  body[3] = 2;
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "DOI 2",
                V1NotifyType::kDoiNotSupported);
  body = kSmallSaBody;
  body[7] = 3;  // SIT_IDENTITY_ONLY | SIT_SECRECY
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "situation 0x3",
                V1NotifyType::kSituationNotSupported);
}

TEST(V1SaPayloadTest, RefusesInconsistentNestedLengths) {
  const V1NotifyType bad = V1NotifyType::kBadProposalSyntax;
  Bytes body = kSmallSaBody;
  body[11] = 21;  // proposal longer than the SA payload
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "runs past", bad);
  body = kSmallSaBody;
  body[11] = 19;  // proposal shorter than its transform
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "runs past", bad);
  body = kSmallSaBody;
  body[11] = 7;  // below the fixed part
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "Payload Length 7 < 8", bad);
  body = kSmallSaBody;
  body[23] = 12;  // transform longer than the proposal
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "runs past", bad);
  body = kSmallSaBody;
  body[23] = 4;  // transform below its fixed part
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "Payload Length 4 < 8", bad);
  body = kSmallSaBody;
  body[14] = 13;  // SPI size past the proposal
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "SPI Size 13", bad);
  body = kSmallSaBody;
  body[15] = 2;  // # Transforms says 2, one present
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "Next Payload 0 disagrees", bad);
  body = kSmallSaBody;
  body[15] = 0;
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "# Transforms 0", bad);
  body = kSmallSaBody;
  body[20] = 3;  // transform claims another follows
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "Next Payload 3 disagrees", bad);
  body = kSmallSaBody;
  body[8] = 9;  // proposal Next Payload neither P nor NONE
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "Next Payload 9", bad);
  body = kSmallSaBody;
  body[8] = 2;  // says another proposal follows, none does
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "not marked last", bad);
  // Data after the proposal marked last.
  body = Cat({kSmallSaBody, Bytes(kSmallSaBody.begin() + 8, kSmallSaBody.end())});
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "after the last proposal", bad);
  // No proposal at all.
  ExpectV1Error(
      ParseOne(V1PayloadType::kSa, Bytes(kSmallSaBody.begin(), kSmallSaBody.begin() + 8)).status(),
      "no proposal", bad);
}

TEST(V1SaPayloadTest, RefusesDecreasingProposalNumbers) {
  Bytes second(kSmallSaBody.begin() + 8, kSmallSaBody.end());
  Bytes body = Cat({kSmallSaBody, second});
  body[8] = 2;   // first proposal: more follow
  body[12] = 2;  // #2, then #1
  ExpectV1Error(ParseOne(V1PayloadType::kSa, body).status(), "Proposal # 1 after 2",
                V1NotifyType::kBadProposalSyntax);
  body[12] = 1;
  EXPECT_TRUE(ParseOne(V1PayloadType::kSa, body).ok());  // 1, 1: an AND offer
}

TEST(V1SaPayloadTest, RefusesExcessiveCounts) {
  V1SaPayload many;
  for (int i = 0; i <= static_cast<int>(kV1MaxProposals); ++i) {
    many.proposals.push_back({.number = static_cast<uint8_t>(i + 1),
                              .protocol = V1ProtocolId::kIpsecEsp,
                              .transforms = {{.id = 3}}});
  }
  Writer w;
  ASSERT_TRUE(many.Serialize(w).ok());
  ExpectV1Error(ParseOne(V1PayloadType::kSa, Bytes(w.bytes().begin(), w.bytes().end())).status(),
                "more than 64", V1NotifyType::kBadProposalSyntax);

  V1SaPayload attrs{.proposals = {{.transforms = {{}}}}};
  for (int i = 0; i <= static_cast<int>(kV1MaxAttributes); ++i) {
    attrs.proposals[0].transforms[0].attributes.push_back(V1Attribute::Tv(1, 1));
  }
  Writer w2;
  ASSERT_TRUE(attrs.Serialize(w2).ok());
  ExpectV1Error(ParseOne(V1PayloadType::kSa, Bytes(w2.bytes().begin(), w2.bytes().end())).status(),
                "more than 128 attributes");
}

TEST(V1SaPayloadTest, SerializeRefusesWhatTheWireCannotCarry) {
  Writer w;
  EXPECT_FALSE(V1SaPayload{}.Serialize(w).ok());
  V1SaPayload no_transform{.proposals = {{}}};
  EXPECT_FALSE(no_transform.Serialize(w).ok());
  V1SaPayload bad_tv{
      .proposals = {
          {.transforms = {{.attributes = {{.type = 1, .value = {1, 2, 3}, .tv = true}}}}}}};
  EXPECT_FALSE(bad_tv.Serialize(w).ok());
}

}  // namespace
}  // namespace tunnelisa::ike::v1
