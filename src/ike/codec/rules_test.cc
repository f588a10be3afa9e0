// One test per rule of the per-exchange table: each builds the smallest message that breaks
// exactly that rule, next to one that keeps it.
#include "ike/codec/rules.h"

#include <vector>

#include "gtest/gtest.h"
#include "ike/codec/codec_test_util.h"

namespace tunnelisa::ike {
namespace {

using testing::ExpectError;
using PT = PayloadType;

std::vector<PayloadSeen> Clear(std::initializer_list<PT> types) {
  std::vector<PayloadSeen> out;
  for (PT t : types) out.push_back({t, false});
  return out;
}

// Protected: an SK payload followed by `inner` as its decrypted contents.
std::vector<PayloadSeen> Protected(std::initializer_list<PT> inner) {
  std::vector<PayloadSeen> out = {{PT::kEncrypted, false}};
  for (PT t : inner) out.push_back({t, true});
  return out;
}

absl::Status Check(ExchangeType e, bool response, const std::vector<PayloadSeen>& p) {
  return CheckRules(e, response, p);
}

constexpr ExchangeType kInit = ExchangeType::kIkeSaInit;
constexpr ExchangeType kAuth = ExchangeType::kIkeAuth;
constexpr ExchangeType kChild = ExchangeType::kCreateChildSa;
constexpr ExchangeType kInfo = ExchangeType::kInformational;

TEST(RulesTest, TableCoversEveryExchangeAndDirection) {
  for (ExchangeType e : {kInit, kAuth, kChild, kInfo}) {
    for (bool response : {false, true}) {
      const ExchangeRules* r = RulesFor(e, response);
      ASSERT_NE(r, nullptr);
      EXPECT_EQ(r->exchange, e);
      EXPECT_EQ(r->response, response);
      EXPECT_EQ(r->encrypted, e != kInit);
    }
  }
  EXPECT_EQ(RulesFor(static_cast<ExchangeType>(40), false), nullptr);
  ExpectError(Check(static_cast<ExchangeType>(40), false, {}), "no payload rules");
}

TEST(RulesTest, IkeSaInitRequestNeedsSaKeNonce) {
  EXPECT_TRUE(
      Check(kInit, false, Clear({PT::kSa, PT::kKe, PT::kNonce, PT::kNotify, PT::kVendorId})).ok());
  ExpectError(Check(kInit, false, Clear({PT::kKe, PT::kNonce})),
              "IKE_SA_INIT request violates rule missing: SA payload missing");
  ExpectError(Check(kInit, false, Clear({PT::kSa, PT::kNonce})), "rule missing: KE payload");
  ExpectError(Check(kInit, false, Clear({PT::kSa, PT::kKe})), "rule missing: Nonce payload");
}

TEST(RulesTest, IkeSaInitRequestNotifyOnlyIsNotEnough) {
  ExpectError(Check(kInit, false, Clear({PT::kNotify})), "rule missing");
}

TEST(RulesTest, IkeSaInitResponseMayBeNotifyOnly) {
  EXPECT_TRUE(Check(kInit, true, Clear({PT::kNotify})).ok());
  EXPECT_TRUE(Check(kInit, true, Clear({PT::kNotify, PT::kVendorId})).ok());
  EXPECT_TRUE(Check(kInit, true, Clear({PT::kSa, PT::kKe, PT::kNonce, PT::kCertReq})).ok());
  ExpectError(Check(kInit, true, Clear({PT::kVendorId})), "rule missing");
  ExpectError(Check(kInit, true, Clear({PT::kNotify, PT::kSa})), "rule missing: KE");
}

TEST(RulesTest, IkeSaInitTooMany) {
  ExpectError(Check(kInit, false, Clear({PT::kSa, PT::kSa, PT::kKe, PT::kNonce})),
              "rule too-many: 2 SA payloads (at most 1)");
  ExpectError(Check(kInit, true, Clear({PT::kSa, PT::kKe, PT::kKe, PT::kNonce})),
              "rule too-many: 2 KE payloads");
}

TEST(RulesTest, IkeSaInitNotAllowed) {
  ExpectError(Check(kInit, false, Clear({PT::kSa, PT::kKe, PT::kNonce, PT::kCertReq})),
              "rule not-allowed: CERTREQ payload not allowed");
  ExpectError(Check(kInit, true, Clear({PT::kSa, PT::kKe, PT::kNonce, PT::kIdr})),
              "rule not-allowed: IDr");
}

TEST(RulesTest, IkeSaInitSkForbidden) {
  ExpectError(Check(kInit, false, Clear({PT::kSa, PT::kKe, PT::kNonce, PT::kEncrypted})),
              "rule sk-forbidden");
  ExpectError(Check(kInit, true, Clear({PT::kEncryptedFragment})), "rule sk-forbidden");
}

TEST(RulesTest, ProtectedExchangesNeedSk) {
  for (ExchangeType e : {kAuth, kChild, kInfo}) {
    for (bool response : {false, true}) {
      ExpectError(Check(e, response, {}), "rule sk-required");
    }
  }
  EXPECT_TRUE(Check(kInfo, false, Protected({})).ok());
  std::vector<PayloadSeen> fragment = {{PT::kEncryptedFragment, false}, {PT::kNotify, true}};
  EXPECT_TRUE(Check(kInfo, true, fragment).ok());
}

TEST(RulesTest, SkOnlyOnce) {
  std::vector<PayloadSeen> two = {{PT::kEncrypted, false}, {PT::kEncrypted, false}};
  ExpectError(Check(kInfo, false, two), "rule sk-once: 2 Encrypted payloads");
}

TEST(RulesTest, PayloadsOutsideSkAreRejected) {
  std::vector<PayloadSeen> v = {{PT::kVendorId, false}, {PT::kEncrypted, false}};
  ExpectError(Check(kAuth, false, v), "rule outside-sk: Vendor ID payload outside SK");
  std::vector<PayloadSeen> n = {{PT::kNotify, false}, {PT::kEncrypted, false}};
  ExpectError(Check(kInfo, true, n), "rule outside-sk: Notify");
}

TEST(RulesTest, UnknownPayloadTypesAreIgnored) {
  std::vector<PayloadSeen> v = {{static_cast<PT>(99), false}, {PT::kEncrypted, false}};
  EXPECT_TRUE(Check(kInfo, false, v).ok());
}

TEST(RulesTest, IkeAuthRequestAndResponse) {
  EXPECT_TRUE(Check(kAuth, false,
                    Protected({PT::kIdi, PT::kCert, PT::kCertReq, PT::kIdr, PT::kAuth, PT::kCp,
                               PT::kSa, PT::kTsi, PT::kTsr, PT::kNotify}))
                  .ok());
  EXPECT_TRUE(Check(kAuth, false, Protected({PT::kIdi, PT::kSa, PT::kTsi, PT::kTsr})).ok());
  EXPECT_TRUE(Check(kAuth, false, Protected({PT::kEap})).ok());  // a later EAP round
  EXPECT_TRUE(
      Check(kAuth, true, Protected({PT::kIdr, PT::kAuth, PT::kSa, PT::kTsi, PT::kTsr})).ok());
  EXPECT_TRUE(Check(kAuth, true, Protected({PT::kIdr, PT::kAuth, PT::kNotify})).ok());
  ExpectError(Check(kAuth, true, Protected({PT::kIdi, PT::kAuth})), "rule not-allowed: IDi");
  ExpectError(Check(kAuth, false, Protected({PT::kIdi, PT::kKe})), "rule not-allowed: KE");
  ExpectError(Check(kAuth, false, Protected({PT::kIdi, PT::kIdi})), "rule too-many: 2 IDi");
  ExpectError(Check(kAuth, true, Protected({PT::kIdr, PT::kAuth, PT::kAuth})),
              "IKE_AUTH response violates rule too-many: 2 AUTH");
}

TEST(RulesTest, IkeAuthChildSaPayloadsTravelTogether) {
  ExpectError(Check(kAuth, false, Protected({PT::kIdi, PT::kAuth, PT::kSa, PT::kTsi})),
              "rule together: SA/TSi/TSr must appear together");
  ExpectError(Check(kAuth, true, Protected({PT::kIdr, PT::kAuth, PT::kTsr})), "rule together");
}

TEST(RulesTest, CreateChildSaRequest) {
  EXPECT_TRUE(Check(kChild, false,
                    Protected({PT::kNotify, PT::kSa, PT::kNonce, PT::kKe, PT::kTsi, PT::kTsr}))
                  .ok());
  EXPECT_TRUE(Check(kChild, false, Protected({PT::kSa, PT::kNonce, PT::kKe})).ok());  // IKE rekey
  ExpectError(Check(kChild, false, Protected({PT::kNonce})), "rule missing: SA");
  ExpectError(Check(kChild, false, Protected({PT::kSa})), "rule missing: Nonce");
  ExpectError(Check(kChild, false, Protected({PT::kSa, PT::kNonce, PT::kTsi})),
              "rule together: TSi/TSr");
  ExpectError(Check(kChild, false, Protected({PT::kSa, PT::kNonce, PT::kKe, PT::kKe})),
              "rule too-many: 2 KE");
  ExpectError(Check(kChild, false, Protected({PT::kSa, PT::kNonce, PT::kAuth})),
              "rule not-allowed: AUTH");
  ExpectError(Check(kChild, false, Protected({PT::kNotify})), "rule missing");
}

TEST(RulesTest, CreateChildSaResponseMayBeNotifyOnly) {
  EXPECT_TRUE(Check(kChild, true, Protected({PT::kNotify})).ok());
  EXPECT_TRUE(Check(kChild, true, Protected({PT::kSa, PT::kNonce, PT::kTsi, PT::kTsr})).ok());
  ExpectError(Check(kChild, true, Protected({PT::kSa})),
              "CREATE_CHILD_SA response violates "
              "rule missing: Nonce");
  ExpectError(Check(kChild, true, Protected({})), "rule missing");
}

TEST(RulesTest, Informational) {
  EXPECT_TRUE(Check(kInfo, false, Protected({PT::kDelete, PT::kDelete, PT::kNotify})).ok());
  EXPECT_TRUE(Check(kInfo, true, Protected({PT::kCp})).ok());
  ExpectError(Check(kInfo, false, Protected({PT::kCp, PT::kCp})), "rule too-many: 2 CP");
  ExpectError(Check(kInfo, false, Protected({PT::kSa})),
              "INFORMATIONAL request violates rule "
              "not-allowed: SA");
  ExpectError(Check(kInfo, true, Protected({PT::kTsi})), "rule not-allowed: TSi");
}

TEST(RulesTest, ViolationsAskForInvalidSyntax) {
  absl::Status s = Check(kInit, false, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(GetNotifyToSend(s)->type, NotifyType::kInvalidSyntax);
}

TEST(RulesTest, CheckRulesOnAMessageUsesHeaderAndDecryptedPayloads) {
  Message m;
  m.header = {.initiator_spi = testing::kSpiI,
              .responder_spi = testing::kSpiR,
              .exchange_type = static_cast<uint8_t>(kInfo),
              .flags = kFlagResponse};
  m.payloads = {Payload::Make(PT::kEncrypted, EncryptedPayload{.body = {1, 2, 3}})};
  const std::vector<Payload> inner = {
      Payload::Make(PT::kDelete, DeletePayload{.protocol = ProtocolId::kIke})};
  EXPECT_TRUE(CheckRules(m, inner).ok());
  const std::vector<Payload> bad = {
      Payload::Make(PT::kNonce, NoncePayload{.nonce = std::vector<uint8_t>(16, 0)})};
  ExpectError(CheckRules(m, bad), "INFORMATIONAL response violates rule not-allowed: Nonce");
  std::vector<PayloadSeen> seen = SeenPayloads(m.payloads, inner);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].in_sk);
  EXPECT_TRUE(seen[1].in_sk);
}

}  // namespace
}  // namespace tunnelisa::ike
