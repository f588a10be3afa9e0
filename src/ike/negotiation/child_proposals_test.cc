// CHILD SA (ESP) proposals: offers, the responder's selection (ESN, PFS, SPIs), replies.
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/errors.h"
#include "ike/negotiation/algorithm_info.h"
#include "ike/negotiation/proposals.h"
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

const std::vector<uint8_t> kPeerSpi = {0xc0, 0xff, 0xee, 0x01};

Proposal Esp(uint8_t number, std::vector<Transform> transforms,
             std::vector<uint8_t> spi = kPeerSpi) {
  return {.number = number,
          .protocol = ProtocolId::kEsp,
          .spi = std::move(spi),
          .transforms = std::move(transforms)};
}

const ChildTransformPolicy kCbc{
    .suite = {.enc = EncryptionAlgorithm::kAes256Cbc, .integ = IntegrityAlgorithm::kHmacSha1_96},
    .pfs_group = DhGroup::kModp2048};
const ChildTransformPolicy kGcm{.suite = {.enc = EncryptionAlgorithm::kAes128Gcm16}};
const std::vector<ChildTransformPolicy> kOurs = {kCbc, kGcm};

void ExpectNoProposal(const absl::StatusOr<NegotiatedChild>& n, const std::string& substring) {
  ASSERT_FALSE(n.ok());
  std::optional<NotifyToSend> notify = GetNotifyToSend(n.status());
  ASSERT_TRUE(notify.has_value());
  EXPECT_EQ(notify->type, NotifyType::kNoProposalChosen);
  EXPECT_THAT(n.status().message(), HasSubstr(substring));
}

void ExpectReplyError(const absl::StatusOr<NegotiatedChild>& n, const std::string& substring) {
  ASSERT_FALSE(n.ok());
  EXPECT_FALSE(GetNotifyToSend(n.status()).has_value());
  EXPECT_THAT(n.status().message(), HasSubstr(substring));
}

TEST(OfferChildTest, ShapesWithAndWithoutDh) {
  const SaPayload sa = OfferChild(kOurs, 0x01020304, /*include_dh=*/false);
  ASSERT_EQ(sa.proposals.size(), 2u);
  const std::vector<uint8_t> spi = {1, 2, 3, 4};
  EXPECT_EQ(sa.proposals[0], Esp(1, {Encr(12, 256), Integ(2), Esn(0)}, spi));
  EXPECT_EQ(sa.proposals[1], Esp(2, {Encr(20, 128), Esn(0)}, spi));
  // RFC 7296 1.2: no D-H in IKE_AUTH; with a KE (CREATE_CHILD_SA + PFS) the group goes in.
  const SaPayload pfs = OfferChild(kOurs, 0x01020304, /*include_dh=*/true);
  EXPECT_EQ(pfs.proposals[0], Esp(1, {Encr(12, 256), Integ(2), Dh(14), Esn(0)}, spi));
  EXPECT_EQ(pfs.proposals[1], sa.proposals[1]);  // no PFS group configured for it
}

struct KeySizeCase {
  EncryptionAlgorithm enc;
  IntegrityAlgorithm integ;
  size_t enc_key;
  size_t integ_key;
  const char* describe;
};

TEST(SelectChildTest, KeySizesAndNames) {
  const KeySizeCase cases[] = {
      {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone, 20, 0, "aes128gcm16"},
      {EncryptionAlgorithm::kAes256Gcm8, IntegrityAlgorithm::kNone, 36, 0, "aes256gcm8"},
      {EncryptionAlgorithm::kChaCha20Poly1305, IntegrityAlgorithm::kNone, 36, 0,
       "chacha20poly1305"},
      {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha1_96, 16, 20, "aes128-sha1"},
      {EncryptionAlgorithm::kAes192Cbc, IntegrityAlgorithm::kHmacSha384_192, 24, 48,
       "aes192-sha384"},
      {EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacMd5_96, 24, 16, "3des-md5"},
      {EncryptionAlgorithm::kDesCbc, IntegrityAlgorithm::kHmacSha512_256, 8, 64, "des-sha512"},
      {EncryptionAlgorithm::kNull, IntegrityAlgorithm::kHmacSha256_128, 0, 32, "null-sha256"},
  };
  for (const KeySizeCase& c : cases) {
    SCOPED_TRACE(c.describe);
    const std::vector<ChildTransformPolicy> ours = {{.suite = {.enc = c.enc, .integ = c.integ}}};
    absl::StatusOr<NegotiatedChild> n =
        SelectChild(OfferChild(ours, 0x11111111, false), ours, ChildKeMode::kIkeAuth);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(n->encryption_key_size, c.enc_key);
    EXPECT_EQ(n->integrity_key_size, c.integ_key);
    EXPECT_EQ(n->Describe(), c.describe);
  }
}

// Every valid ESP suite against its own offer and back through AcceptChildReply.
TEST(SelectChildTest, EverySuiteAgreesWithItself) {
  int tried = 0;
  for (const internal::EncInfo& e : internal::kEncInfo) {
    for (const internal::IntegInfo& i : internal::kIntegInfo) {
      if (e.aead != (i.id == IntegrityAlgorithm::kNone)) continue;
      const std::vector<ChildTransformPolicy> ours = {{.suite = {.enc = e.id, .integ = i.id}}};
      SCOPED_TRACE(testing::Message() << e.name << "-" << i.name);
      const SaPayload offer = OfferChild(ours, 0x0a0b0c0d, false);
      absl::StatusOr<NegotiatedChild> n = SelectChild(offer, ours, ChildKeMode::kIkeAuth);
      ASSERT_TRUE(n.ok()) << n.status();
      EXPECT_EQ(n->suite, ours[0].suite);
      EXPECT_EQ(n->peer_spi, 0x0a0b0c0du);
      EXPECT_FALSE(n->esn);
      EXPECT_EQ(n->chosen.transforms, offer.proposals[0].transforms);
      const SaPayload reply = n->Reply(0xaabbccdd);
      EXPECT_EQ(reply.proposals[0].spi, (std::vector<uint8_t>{0xaa, 0xbb, 0xcc, 0xdd}));
      absl::StatusOr<NegotiatedChild> back = AcceptChildReply(reply, offer);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(back->suite, n->suite);
      EXPECT_EQ(back->peer_spi, 0xaabbccddu);
      EXPECT_EQ(back->encryption_key_size, n->encryption_key_size);
      EXPECT_EQ(back->integrity_key_size, n->integrity_key_size);
      ++tried;
    }
  }
  EXPECT_EQ(tried, 10 + 6 * 5);  // 10 AEAD ciphers; 6 others, each with 5 integrity algorithms
}

TEST(SelectChildTest, PeerOrderDecidesNotOurs) {
  const SaPayload offered{.proposals = {
                              Esp(1, {Encr(3), Integ(1), Esn(0)}),        // 3DES/MD5: no
                              Esp(2, {Encr(20, 128), Esn(0)}),            // our 2nd choice
                              Esp(3, {Encr(12, 256), Integ(2), Esn(0)}),  // our 1st choice
                          }};
  absl::StatusOr<NegotiatedChild> n = SelectChild(offered, kOurs, ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.number, 2);
  EXPECT_EQ(n->suite, kGcm.suite);
  EXPECT_EQ(n->peer_spi, 0xc0ffee01u);
}

TEST(SelectChildTest, MismatchMessage) {
  const SaPayload offered{
      .proposals = {Esp(1, {Encr(3), Integ(1), Esn(0)}), Esp(2, {Encr(28), Esn(0), Esn(1)})}};
  absl::StatusOr<NegotiatedChild> n = SelectChild(offered, kOurs, ChildKeMode::kIkeAuth);
  ExpectNoProposal(n, "");
  EXPECT_EQ(n.status().message(),
            "no acceptable CHILD SA proposal: peer offered 3DES/HMAC_MD5_96/NO_ESN | "
            "CHACHA20_POLY1305/NO_ESN/ESN; we accept "
            "AES_CBC_256/HMAC_SHA1_96/NO_ESN | AES_GCM_16_128/NO_ESN");
}

TEST(SelectChildTest, EsnHandling) {
  // Both offered: "No ESN" is chosen.
  absl::StatusOr<NegotiatedChild> n = SelectChild(
      {.proposals = {Esp(1, {Encr(20, 128), Esn(1), Esn(0)})}}, kOurs, ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.transforms, (std::vector<Transform>{Encr(20, 128), Esn(0)}));
  EXPECT_FALSE(n->esn);
  // ESN only, an unknown ESN value only, or no ESN transform at all (it is mandatory for ESP).
  ExpectNoProposal(
      SelectChild({.proposals = {Esp(1, {Encr(20, 128), Esn(1)})}}, kOurs, ChildKeMode::kIkeAuth),
      "(extended sequence numbers required; we negotiate none yet)");
  ExpectNoProposal(
      SelectChild({.proposals = {Esp(1, {Encr(20, 128), Esn(7)})}}, kOurs, ChildKeMode::kIkeAuth),
      "ESN_7 (extended sequence numbers required");
  ExpectNoProposal(
      SelectChild({.proposals = {Esp(1, {Encr(20, 128)})}}, kOurs, ChildKeMode::kIkeAuth),
      "(no ESN transform)");
  // A responder may not pick ESN when we offered only "No ESN".
  const SaPayload offer = OfferChild(kOurs, 7, false);
  ExpectReplyError(AcceptChildReply({.proposals = {Esp(2, {Encr(20, 128), Esn(1)})}}, offer),
                   "ESN was never offered");
  ExpectReplyError(AcceptChildReply({.proposals = {Esp(2, {Encr(20, 128)})}}, offer),
                   "no ESN transform");
}

TEST(SelectChildTest, PfsOnAndOff) {
  const SaPayload with_ke = OfferChild(kOurs, 5, true);
  // CREATE_CHILD_SA with KE: our PFS group out of several.
  absl::StatusOr<NegotiatedChild> n =
      SelectChild({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Dh(19), Dh(14), Esn(0)})}}, kOurs,
                  ChildKeMode::kCreateChildSaWithKe);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->pfs_group, DhGroup::kModp2048);
  EXPECT_EQ(n->chosen.transforms,
            (std::vector<Transform>{Encr(12, 256), Integ(2), Dh(14), Esn(0)}));
  EXPECT_EQ(n->Describe(), "aes256-sha1-modp2048");
  absl::StatusOr<NegotiatedChild> back = AcceptChildReply(n->Reply(9), with_ke);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->pfs_group, DhGroup::kModp2048);
  // Not our group; and a KE for a policy without PFS (the GCM entry) is not acceptable.
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Dh(19), Esn(0)}),
                                              Esp(2, {Encr(20, 128), Dh(19), Esn(0)})}},
                               kOurs, ChildKeMode::kCreateChildSaWithKe),
                   "no acceptable CHILD SA (with KE) proposal");
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), Dh(14), Esn(0)})}}, kOurs,
                               ChildKeMode::kCreateChildSaWithKe),
                   "we accept AES_CBC_256/HMAC_SHA1_96/MODP_2048/NO_ESN | AES_GCM_16_128/NO_ESN");

  // CREATE_CHILD_SA without KE: a policy wanting PFS is not satisfied; one without is.
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Esn(0)})}}, kOurs,
                               ChildKeMode::kCreateChildSa),
                   "CHILD SA (without KE)");
  n = SelectChild({.proposals = {Esp(1, {Encr(20, 128), Dh(0), Dh(14), Esn(0)})}}, kOurs,
                  ChildKeMode::kCreateChildSa);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.transforms, (std::vector<Transform>{Encr(20, 128), Dh(0), Esn(0)}));
  EXPECT_EQ(n->pfs_group, std::nullopt);
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), Dh(14), Esn(0)})}}, kOurs,
                               ChildKeMode::kCreateChildSa),
                   "AES_GCM_16_128/MODP_2048/NO_ESN;");

  // IKE_AUTH: the PFS policy does not apply; a stray group is left out, NONE is echoed.
  n = SelectChild({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Esn(0)})}}, kOurs,
                  ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->pfs_group, std::nullopt);
  EXPECT_EQ(n->Describe(), "aes256-sha1");
  n = SelectChild({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Dh(14), Esn(0)})}}, kOurs,
                  ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.transforms, (std::vector<Transform>{Encr(12, 256), Integ(2), Esn(0)}));
  n = SelectChild({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Dh(0), Esn(0)})}}, kOurs,
                  ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.transforms, (std::vector<Transform>{Encr(12, 256), Integ(2), Dh(0), Esn(0)}));
}

TEST(SelectChildTest, SpiSizesProtocolsAndTypes) {
  ExpectNoProposal(
      SelectChild({.proposals = {Esp(1, {Encr(20, 128), Esn(0)}, {1, 2, 3, 4, 5, 6, 7, 8})}}, kOurs,
                  ChildKeMode::kIkeAuth),
      "(SPI size 8, ESP needs 4)");
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), Esn(0)}, {})}}, kOurs,
                               ChildKeMode::kIkeAuth),
                   "(SPI size 0, ESP needs 4)");
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), Esn(0)}, {0, 0, 0, 0})}},
                               kOurs, ChildKeMode::kIkeAuth),
                   "(SPI 0 is reserved)");
  Proposal ah = Esp(1, {Integ(12), Esn(0)});
  ah.protocol = ProtocolId::kAh;
  ExpectNoProposal(SelectChild({.proposals = {ah}}, kOurs, ChildKeMode::kIkeAuth),
                   "AH:HMAC_SHA2_256_128/NO_ESN (AH is not supported)");
  Proposal ike = Esp(1, {Encr(20, 128), Esn(0)});
  ike.protocol = ProtocolId::kIke;
  ExpectNoProposal(SelectChild({.proposals = {ike}}, kOurs, ChildKeMode::kIkeAuth),
                   "(protocol 1, not ESP)");
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), Prf(5), Esn(0)})}}, kOurs,
                               ChildKeMode::kIkeAuth),
                   "(transform PRF_HMAC_SHA2_256 is not used by ESP)");
  const Transform type7{.type = static_cast<TransformType>(7), .id = 3};
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), type7, Esn(0)})}}, kOurs,
                               ChildKeMode::kIkeAuth),
                   "(transform TYPE7_3 is not used by ESP)");
  ExpectNoProposal(
      SelectChild({.proposals = {Esp(1, {Integ(2), Esn(0)})}}, kOurs, ChildKeMode::kIkeAuth),
      "(no ENCR transform)");
  // Good proposals after bad ones still count.
  absl::StatusOr<NegotiatedChild> n = SelectChild(
      {.proposals = {ah, ike, Esp(3, {Encr(20, 128), Esn(0)})}}, kOurs, ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.number, 3);
}

TEST(SelectChildTest, AeadIntegrityRules) {
  absl::StatusOr<NegotiatedChild> n = SelectChild(
      {.proposals = {Esp(1, {Encr(20, 128), Integ(0), Esn(0)})}}, kOurs, ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.transforms, (std::vector<Transform>{Encr(20, 128), Integ(0), Esn(0)}));
  ExpectNoProposal(SelectChild({.proposals = {Esp(1, {Encr(20, 128), Integ(2), Esn(0)})}}, kOurs,
                               ChildKeMode::kIkeAuth),
                   "AES_GCM_16_128/HMAC_SHA1_96/NO_ESN;");
  ExpectNoProposal(
      SelectChild({.proposals = {Esp(1, {Encr(12, 256), Esn(0)})}}, kOurs, ChildKeMode::kIkeAuth),
      "AES_CBC_256/NO_ESN;");
  // Unknown IDs and attributes next to ours do not hurt.
  Transform odd = Encr(12, 256);
  odd.other_attributes = {{.type = 99, .tv = false, .value = {1}}};
  n = SelectChild(
      {.proposals = {Esp(1, {odd, Encr(500), Encr(12, 256), Integ(99), Integ(2), Esn(9), Esn(0)})}},
      kOurs, ChildKeMode::kIkeAuth);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->chosen.transforms, (std::vector<Transform>{Encr(12, 256), Integ(2), Esn(0)}));
}

TEST(SelectChildTest, InvalidLocalPolicy) {
  const std::vector<ChildTransformPolicy> bad = {
      {.suite = {.enc = EncryptionAlgorithm::kAes256Cbc, .integ = IntegrityAlgorithm::kNone}}};
  ExpectNoProposal(SelectChild(OfferChild(kOurs, 1, false), bad, ChildKeMode::kIkeAuth),
                   "we accept nothing: ipsec-transform 1");
  ExpectNoProposal(SelectChild(OfferChild(kOurs, 1, false), {}, ChildKeMode::kIkeAuth),
                   "we accept nothing: 0 ipsec-transforms");
}

TEST(AcceptChildReplyTest, RefusesMalformedAnswers) {
  const SaPayload offer = OfferChild(kOurs, 0x01020304, false);
  ExpectReplyError(
      AcceptChildReply({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Integ(2), Esn(0)})}}, offer),
      "two INTEG transforms");
  ExpectReplyError(
      AcceptChildReply({.proposals = {Esp(1, {Encr(12, 128), Integ(2), Esn(0)})}}, offer),
      "AES_CBC_128 was never offered");
  ExpectReplyError(
      AcceptChildReply({.proposals = {Esp(1, {Encr(12, 256), Integ(12), Esn(0)})}}, offer),
      "HMAC_SHA2_256_128 was never offered");
  ExpectReplyError(
      AcceptChildReply({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Dh(14), Esn(0)})}}, offer),
      "D-H transform MODP_2048, but our proposal #1 had none");
  ExpectReplyError(
      AcceptChildReply({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Esn(0)}, {1, 2})}}, offer),
      "SPI of 2 octets");
  ExpectReplyError(
      AcceptChildReply({.proposals = {Esp(1, {Encr(12, 256), Integ(2), Esn(0)}, {0, 0, 0, 0})}},
                       offer),
      "with value 0");
  ExpectReplyError(AcceptChildReply({.proposals = {Esp(3, {Encr(20, 128), Esn(0)})}}, offer),
                   "proposal #3");
  ExpectReplyError(AcceptChildReply(offer, offer), "2 proposals, exactly one expected");
  Proposal ah = Esp(1, {Encr(12, 256), Integ(2), Esn(0)});
  ah.protocol = ProtocolId::kAh;
  ExpectReplyError(AcceptChildReply({.proposals = {ah}}, offer), "protocol 2, we offered 3");
  // An offer we never make (GCM with an INTEG) is refused when it comes back.
  const SaPayload odd{.proposals = {Esp(1, {Encr(20, 128), Integ(2), Esn(0)})}};
  ExpectReplyError(AcceptChildReply(odd, odd), "pairs a combined-mode cipher");
  const SaPayload ccm{.proposals = {Esp(1, {Encr(14, 128), Esn(0)})}};
  ExpectReplyError(AcceptChildReply(ccm, ccm), "AES_CCM_8_128 is not an ESP algorithm");
}

}  // namespace
}  // namespace tunnelisa::ike
