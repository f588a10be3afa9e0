// IKE SA proposals: offers, the responder's selection, the initiator's reply check.
#include "ike/negotiation/proposals.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/errors.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"
#include "ike/negotiation/algorithm_info.h"
#include "ike/negotiation/transform_builders_test_util.h"
#include "ike/negotiation/transform_ids.h"

namespace tunnelisa::ike {
namespace {

using ::testing::HasSubstr;

using test_transforms::Dh;
using test_transforms::Encr;
using test_transforms::Esn;
using test_transforms::Integ;
using test_transforms::Prf;

Proposal Ike(uint8_t number, std::vector<Transform> transforms, std::vector<uint8_t> spi = {}) {
  return {.number = number,
          .protocol = ProtocolId::kIke,
          .spi = std::move(spi),
          .transforms = std::move(transforms)};
}

// The default policy: aes256 / sha256 (PRF and INTEG) / modp2048.
const IkeCryptoPolicy kOurs{};
const std::vector<Transform> kOursTransforms = {Encr(12, 256), Prf(5), Integ(12), Dh(14)};

void ExpectNoProposal(const absl::StatusOr<NegotiatedIke>& n, const std::string& substring) {
  ASSERT_FALSE(n.ok());
  std::optional<NotifyToSend> notify = GetNotifyToSend(n.status());
  ASSERT_TRUE(notify.has_value());
  EXPECT_EQ(notify->type, NotifyType::kNoProposalChosen);
  EXPECT_THAT(n.status().message(), HasSubstr(substring));
}

void ExpectReplyError(const absl::StatusOr<NegotiatedIke>& n, const std::string& substring) {
  ASSERT_FALSE(n.ok());
  EXPECT_FALSE(GetNotifyToSend(n.status()).has_value());  // nobody answers a response
  EXPECT_THAT(n.status().message(), HasSubstr(substring));
}

TEST(OfferIkeTest, NonAeadAndAeadShapes) {
  const SaPayload offer = OfferIke(kOurs, {});
  ASSERT_EQ(offer.proposals.size(), 1u);
  EXPECT_EQ(offer.proposals[0], Ike(1, kOursTransforms));

  const IkeCryptoPolicy gcm{.encryption = EncryptionAlgorithm::kAes256Gcm16,
                            .integrity = IntegrityAlgorithm::kHmacSha384_192,
                            .dh_group = DhGroup::kEcp384};
  // RFC 5282: no INTEG transform for a combined-mode cipher.
  EXPECT_EQ(OfferIke(gcm, {}).proposals[0], Ike(1, {Encr(20, 256), Prf(6), Dh(20)}));

  const std::vector<uint8_t> spi = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(OfferIke(kOurs, spi).proposals[0].spi, spi);
}

TEST(OfferIkeTest, SerializesThroughTheCodec) {
  const SaPayload offer = OfferIke(kOurs, std::vector<uint8_t>(8, 0xab));
  Writer w;
  ASSERT_TRUE(offer.Serialize(w).ok());
  Reader r(w.bytes());
  absl::StatusOr<SaPayload> back = SaPayload::Parse(r);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, offer);
}

// Every valid ike-policy against its own offer, and the reply back through AcceptIkeReply:
// each algorithm mapping both ways through real proposals.
TEST(SelectIkeTest, EveryPolicyAgreesWithItself) {
  const DhGroup groups[] = {DhGroup::kModp768,  DhGroup::kModp1024, DhGroup::kModp1536,
                            DhGroup::kModp2048, DhGroup::kModp3072, DhGroup::kEcp256,
                            DhGroup::kEcp384,   DhGroup::kEcp521,   DhGroup::kCurve25519};
  int tried = 0;
  for (const internal::EncInfo& e : internal::kEncInfo) {
    if (e.id == EncryptionAlgorithm::kNull) continue;
    for (const internal::IntegInfo& i : internal::kIntegInfo) {
      if (i.id == IntegrityAlgorithm::kNone) continue;
      for (DhGroup g : groups) {
        const IkeCryptoPolicy p{.encryption = e.id, .integrity = i.id, .dh_group = g};
        SCOPED_TRACE(testing::Message() << e.name << "-" << i.name << "-" << DhGroupName(g));
        const SaPayload offer = OfferIke(p, {});
        absl::StatusOr<NegotiatedIke> n = SelectIke(offer, p);
        ASSERT_TRUE(n.ok()) << n.status();
        EXPECT_EQ(n->encryption, e.id);
        EXPECT_EQ(n->integrity, e.aead ? IntegrityAlgorithm::kNone : i.id);
        EXPECT_EQ(n->prf, i.id);
        EXPECT_EQ(n->prf_id, PrfIdFor(i.id));
        EXPECT_EQ(n->dh_group, g);
        EXPECT_EQ(n->chosen, offer.proposals[0]);
        absl::StatusOr<NegotiatedIke> back = AcceptIkeReply(n->Reply({}), offer);
        ASSERT_TRUE(back.ok()) << back.status();
        EXPECT_EQ(back->encryption, n->encryption);
        EXPECT_EQ(back->integrity, n->integrity);
        EXPECT_EQ(back->prf, n->prf);
        EXPECT_EQ(back->prf_id, n->prf_id);
        EXPECT_EQ(back->dh_group, n->dh_group);
        EXPECT_EQ(back->Describe(), n->Describe());
        ++tried;
      }
    }
  }
  EXPECT_EQ(tried, 15 * 5 * 9);
}

TEST(SelectIkeTest, DescribeNames) {
  NegotiatedIke n = *SelectIke(OfferIke(kOurs, {}), kOurs);
  EXPECT_EQ(n.Describe(), "aes256-sha256-modp2048");
  const IkeCryptoPolicy gcm{.encryption = EncryptionAlgorithm::kAes256Gcm16,
                            .integrity = IntegrityAlgorithm::kHmacSha384_192,
                            .dh_group = DhGroup::kEcp384};
  EXPECT_EQ(SelectIke(OfferIke(gcm, {}), gcm)->Describe(), "aes256gcm16-prfsha384-ecp384");
  n.prf = IntegrityAlgorithm::kHmacSha512_256;  // a peer's reply may pair them differently
  EXPECT_EQ(n.Describe(), "aes256-sha256-prfsha512-modp2048");
}

TEST(SelectIkeTest, FirstAcceptableProposalOfThePeerWins) {
  const SaPayload offered{.proposals = {
                              Ike(1, {Encr(12, 128), Prf(5), Integ(12), Dh(14)}),  // wrong keylen
                              Ike(2, kOursTransforms),
                              Ike(3, kOursTransforms),
                          }};
  absl::StatusOr<NegotiatedIke> n = SelectIke(offered, kOurs);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.number, 2);
  EXPECT_TRUE(n->chosen.spi.empty());
}

TEST(SelectIkeTest, OneTransformOfEachTypeFromAWideProposal) {
  const SaPayload offered{
      .proposals = {Ike(1, {Encr(12, 128), Encr(99), Encr(12, 256), Encr(20, 256), Prf(2), Prf(5),
                            Prf(7), Integ(2), Integ(12), Integ(14), Dh(19), Dh(14), Dh(31)})}};
  absl::StatusOr<NegotiatedIke> n = SelectIke(offered, kOurs);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen, Ike(1, {Encr(12, 256), Prf(5), Integ(12), Dh(14)}));
  // The reply an initiator gets is one we can check against the wide offer.
  EXPECT_TRUE(AcceptIkeReply(n->Reply({}), offered).ok());
}

TEST(SelectIkeTest, MismatchMessageSaysWhatEachSideHas) {
  const SaPayload offered{.proposals = {Ike(1, {Encr(12, 128), Integ(2), Prf(2), Dh(2)}),
                                        Ike(2, {Encr(20, 256), Prf(6), Dh(20)})}};
  absl::StatusOr<NegotiatedIke> n = SelectIke(offered, kOurs);
  ExpectNoProposal(n, "");
  EXPECT_EQ(n.status().message(),
            "no acceptable IKE proposal: peer offered "
            "AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 | "
            "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384; "
            "we accept AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
  ExpectNoProposal(SelectIke({}, kOurs), "peer offered nothing");
}

TEST(SelectIkeTest, UnknownTransformTypesAndIds) {
  // Proposal 1 would match but carries a type IKE does not use: unacceptable (3.3.6), and so is
  // proposal 2 with ESN; proposal 3 is chosen.
  const Transform type9{.type = static_cast<TransformType>(9), .id = 1};
  std::vector<Transform> with9 = kOursTransforms;
  with9.push_back(type9);
  std::vector<Transform> with_esn = kOursTransforms;
  with_esn.push_back(Esn(0));
  const SaPayload offered{.proposals = {Ike(1, with9), Ike(2, with_esn), Ike(3, kOursTransforms)}};
  absl::StatusOr<NegotiatedIke> n = SelectIke(offered, kOurs);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.number, 3);

  ExpectNoProposal(SelectIke({.proposals = {Ike(1, with9), Ike(2, with_esn)}}, kOurs),
                   "(transform TYPE9_1 is not used by IKE) | "
                   "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048/NO_ESN "
                   "(transform NO_ESN is not used by IKE)");

  // Unknown IDs beside ours are skipped; alone they leave the type unmatched.
  EXPECT_TRUE(SelectIke({.proposals = {Ike(1, {Encr(1234), Encr(12, 256), Prf(99), Prf(5),
                                               Integ(77), Integ(12), Dh(999), Dh(14)})}},
                        kOurs)
                  .ok());
  ExpectNoProposal(
      SelectIke({.proposals = {Ike(1, {Encr(1234), Prf(5), Integ(12), Dh(14)})}}, kOurs),
      "ENCR_1234/");
  // An attribute we do not understand makes that transform unusable.
  Transform odd = Encr(12, 256);
  odd.other_attributes = {{.type = 17, .tv = true, .value = {0, 1}}};
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, {odd, Prf(5), Integ(12), Dh(14)})}}, kOurs),
                   "AES_CBC_256+attr17");
}

TEST(SelectIkeTest, MissingMandatoryTypes) {
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, {Encr(12, 256), Integ(12), Dh(14)})}}, kOurs),
                   "(no PRF transform)");
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, {Encr(12, 256), Prf(5), Integ(12)})}}, kOurs),
                   "(no D-H transform)");
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, {Prf(5), Integ(12), Dh(14)})}}, kOurs),
                   "(no ENCR transform)");
  // INTEG is mandatory for a non-AEAD suite...
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, {Encr(12, 256), Prf(5), Dh(14)})}}, kOurs),
                   "peer offered AES_CBC_256/PRF_HMAC_SHA2_256/MODP_2048;");
}

TEST(SelectIkeTest, AeadAndIntegrity) {
  const IkeCryptoPolicy gcm{.encryption = EncryptionAlgorithm::kAes128Gcm16,
                            .integrity = IntegrityAlgorithm::kHmacSha256_128,
                            .dh_group = DhGroup::kCurve25519};
  // INTEG NONE beside a combined-mode cipher is answered with NONE.
  absl::StatusOr<NegotiatedIke> n =
      SelectIke({.proposals = {Ike(1, {Encr(20, 128), Integ(0), Prf(5), Dh(31)})}}, gcm);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen, Ike(1, {Encr(20, 128), Prf(5), Integ(0), Dh(31)}));
  EXPECT_EQ(n->integrity, IntegrityAlgorithm::kNone);
  // A real integrity algorithm cannot be answered for GCM: that proposal is unacceptable.
  ExpectNoProposal(
      SelectIke({.proposals = {Ike(1, {Encr(20, 128), Integ(12), Prf(5), Dh(31)})}}, gcm),
      "we accept AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
  // A mixed proposal (CBC + GCM, one INTEG) serves a CBC policy.
  const IkeCryptoPolicy cbc{.encryption = EncryptionAlgorithm::kAes128Cbc,
                            .integrity = IntegrityAlgorithm::kHmacSha256_128,
                            .dh_group = DhGroup::kCurve25519};
  EXPECT_TRUE(
      SelectIke({.proposals = {Ike(1, {Encr(20, 128), Encr(12, 128), Integ(12), Prf(5), Dh(31)})}},
                cbc)
          .ok());
}

TEST(SelectIkeTest, SpiSizesAndProtocol) {
  const std::vector<uint8_t> spi8 = {1, 2, 3, 4, 5, 6, 7, 8};
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, kOursTransforms, spi8)}}, kOurs),
                   "(SPI size 8, expected 0)");
  ExpectNoProposal(SelectIke({.proposals = {Ike(1, kOursTransforms)}}, kOurs, IkeSpiMode::kRekey),
                   "(SPI size 0, expected 8)");
  ExpectNoProposal(
      SelectIke({.proposals = {Ike(1, kOursTransforms, {1, 2, 3, 4})}}, kOurs, IkeSpiMode::kRekey),
      "(SPI size 4, expected 8)");
  Proposal esp = Ike(1, kOursTransforms);
  esp.protocol = ProtocolId::kEsp;
  ExpectNoProposal(SelectIke({.proposals = {esp}}, kOurs), "(protocol 3, not IKE)");

  // Rekey: the peer's SPI comes out, ours goes into the reply.
  absl::StatusOr<NegotiatedIke> n =
      SelectIke({.proposals = {Ike(1, kOursTransforms, spi8)}}, kOurs, IkeSpiMode::kRekey);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->peer_spi, spi8);
  EXPECT_TRUE(n->chosen.spi.empty());
  const std::vector<uint8_t> ours = {9, 9, 9, 9, 9, 9, 9, 9};
  const SaPayload reply = n->Reply(ours);
  ASSERT_EQ(reply.proposals.size(), 1u);
  EXPECT_EQ(reply.proposals[0].spi, ours);

  // The initiator's side of the same rekey.
  const SaPayload offer = OfferIke(kOurs, spi8);
  absl::StatusOr<NegotiatedIke> back = AcceptIkeReply(reply, offer);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->peer_spi, ours);
  ExpectReplyError(AcceptIkeReply(n->Reply({}), offer), "SPI size 0, expected 8");
  ExpectReplyError(AcceptIkeReply(reply, OfferIke(kOurs, {})), "SPI size 8, expected 0");
}

TEST(SelectIkeTest, InvalidLocalPolicyChoosesNothing) {
  const IkeCryptoPolicy bad{.encryption = EncryptionAlgorithm::kNull};
  ExpectNoProposal(SelectIke(OfferIke(kOurs, {}), bad), "we accept nothing: ike-policy");
  // OfferIke leaves out what cannot be mapped instead of inventing it.
  EXPECT_EQ(OfferIke(bad, {}).proposals[0], Ike(1, {Prf(5), Integ(12), Dh(14)}));
}

TEST(AcceptIkeReplyTest, RefusesMalformedAnswers) {
  const SaPayload offer{
      .proposals = {Ike(1, {Encr(12, 256), Encr(12, 128), Prf(5), Integ(12), Dh(14), Dh(19)})}};
  EXPECT_TRUE(AcceptIkeReply({.proposals = {Ike(1, kOursTransforms)}}, offer).ok());
  const absl::StatusOr<NegotiatedIke> ecp =
      AcceptIkeReply({.proposals = {Ike(1, {Encr(12, 128), Prf(5), Integ(12), Dh(19)})}}, offer);
  ASSERT_TRUE(ecp.ok()) << ecp.status();
  EXPECT_EQ(ecp->encryption, EncryptionAlgorithm::kAes128Cbc);
  EXPECT_EQ(ecp->dh_group, DhGroup::kEcp256);

  ExpectReplyError(AcceptIkeReply({}, offer), "0 proposals, exactly one expected");
  ExpectReplyError(
      AcceptIkeReply({.proposals = {Ike(1, kOursTransforms), Ike(2, kOursTransforms)}}, offer),
      "2 proposals");
  ExpectReplyError(
      AcceptIkeReply(
          {.proposals = {Ike(1, {Encr(12, 256), Encr(12, 128), Prf(5), Integ(12), Dh(14)})}},
          offer),
      "two ENCR transforms (AES_CBC_256, AES_CBC_128)");
  ExpectReplyError(
      AcceptIkeReply({.proposals = {Ike(1, {Encr(12, 192), Prf(5), Integ(12), Dh(14)})}}, offer),
      "AES_CBC_192 was never offered");
  ExpectReplyError(
      AcceptIkeReply({.proposals = {Ike(1, {Encr(12, 256), Prf(5), Integ(12), Dh(31)})}}, offer),
      "CURVE_25519 was never offered");
  ExpectReplyError(AcceptIkeReply({.proposals = {Ike(1, {Encr(12, 256), Prf(5), Dh(14)})}}, offer),
                   "no INTEG transform");
  ExpectReplyError(
      AcceptIkeReply({.proposals = {Ike(1, {Encr(12, 256), Prf(5), Integ(12), Dh(14), Esn(0)})}},
                     offer),
      "ESN transform NO_ESN, but our proposal #1 had none");
  ExpectReplyError(AcceptIkeReply({.proposals = {Ike(2, kOursTransforms)}}, offer), "proposal #2");
  Proposal esp = Ike(1, kOursTransforms);
  esp.protocol = ProtocolId::kEsp;
  ExpectReplyError(AcceptIkeReply({.proposals = {esp}}, offer), "protocol 3");
  // An offer we could not have produced: the reply is refused where it leaves our algorithms.
  const SaPayload foreign{.proposals = {Ike(1, {Encr(13, 128), Prf(5), Integ(12), Dh(14)})}};
  ExpectReplyError(AcceptIkeReply(foreign, foreign), "AES_CTR_128 is not an IKE algorithm");
  const SaPayload gcm_integ{.proposals = {Ike(1, {Encr(20, 128), Prf(5), Integ(12), Dh(14)})}};
  ExpectReplyError(AcceptIkeReply(gcm_integ, gcm_integ),
                   "pairs a combined-mode cipher with an integrity algorithm");
  const SaPayload cbc_alone{.proposals = {Ike(1, {Encr(12, 128), Prf(5), Dh(14)})}};
  ExpectReplyError(AcceptIkeReply(cbc_alone, cbc_alone), "has no integrity algorithm");
}

TEST(OfferContainsGroupTest, LooksAtEveryProposal) {
  const SaPayload sa{.proposals = {Ike(1, {Dh(14)}), Ike(2, {Dh(19), Dh(31)})}};
  EXPECT_TRUE(OfferContainsGroup(sa, DhGroup::kModp2048));
  EXPECT_TRUE(OfferContainsGroup(sa, DhGroup::kCurve25519));
  EXPECT_FALSE(OfferContainsGroup(sa, DhGroup::kEcp384));
  EXPECT_FALSE(OfferContainsGroup({}, DhGroup::kModp2048));
}

}  // namespace
}  // namespace tunnelisa::ike
