// IKEv2 messages encoded by scapy (tests/vectors/ike/make_ike_vectors.py) parse, re-serialize
// byte for byte, and pass the exchange rules.
#include <sstream>
#include <vector>

#include "gtest/gtest.h"
#include "ike/codec/codec_test_util.h"
#include "ike/codec/message.h"
#include "ike/codec/rules.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::ike {
namespace {

using ::tunnelisa::testing::LoadVectorFile;
using ::tunnelisa::testing::VectorRecord;

std::vector<VectorRecord> Records() {
  auto records = LoadVectorFile("ike/ikev2_messages.txt");
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *records : std::vector<VectorRecord>{};
}

const VectorRecord* Named(const std::vector<VectorRecord>& records, const std::string& name) {
  for (const VectorRecord& r : records) {
    if (r.Get("Name") == name) return &r;
  }
  ADD_FAILURE() << "no vector " << name;
  return nullptr;
}

TEST(VectorsTest, EveryVectorParsesAndReserializesExactly) {
  const std::vector<VectorRecord> records = Records();
  ASSERT_GE(records.size(), 9u);
  for (const VectorRecord& r : records) {
    SCOPED_TRACE(r.Label());
    const std::vector<uint8_t> datagram = r.Bytes("Message");
    absl::StatusOr<Message> m = Message::Parse(datagram);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->header.exchange_type, r.Uint("Exchange"));
    EXPECT_EQ(m->header.response(), r.Get("Response") == "1");
    std::vector<uint8_t> types;
    for (const Payload& p : m->payloads) types.push_back(static_cast<uint8_t>(p.type));
    EXPECT_EQ(types, r.Bytes("Payloads"));
    absl::StatusOr<std::vector<uint8_t>> again = m->Serialize();
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, datagram);
    absl::Status rules = CheckRules(*m, {});
    EXPECT_TRUE(rules.ok()) << rules;
    if (r.Has("Protected")) {
      std::istringstream sizes(r.Get("Protected"));
      size_t iv = 0, ct = 0, icv = 0;
      sizes >> iv >> ct >> icv;
      absl::StatusOr<ProtectedLayout> l = LocateProtected(datagram, iv, icv, 1);
      ASSERT_TRUE(l.ok()) << l.status();
      EXPECT_EQ(l->ciphertext_size(), ct);
      EXPECT_EQ(l->end, datagram.size());
    }
  }
}

TEST(VectorsTest, IkeSaInitRequestContents) {
  const std::vector<VectorRecord> records = Records();
  const VectorRecord* r = Named(records, "ike_sa_init_request");
  ASSERT_NE(r, nullptr);
  absl::StatusOr<Message> m = Message::Parse(r->Bytes("Message"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->header.initiator_spi, 0x8a3f2c1d5e6b7a09u);
  EXPECT_EQ(m->header.responder_spi, 0u);
  EXPECT_TRUE(m->header.initiator());
  const SaPayload* sa = &testing::BodyOf<SaPayload>(*m, PayloadType::kSa);
  ASSERT_EQ(sa->proposals.size(), 2u);
  EXPECT_EQ(sa->proposals[0].number, 1);
  EXPECT_EQ(sa->proposals[1].number, 2);
  ASSERT_EQ(sa->proposals[0].transforms.size(), 4u);
  EXPECT_EQ(sa->proposals[0].transforms[0].type, TransformType::kEncr);
  EXPECT_EQ(sa->proposals[0].transforms[0].id, 12);
  EXPECT_EQ(sa->proposals[0].transforms[0].key_length, 256);
  EXPECT_EQ(sa->proposals[0].transforms[3].type, TransformType::kDh);
  EXPECT_EQ(sa->proposals[0].transforms[3].id, 19);
  EXPECT_EQ(sa->proposals[1].transforms[0].key_length, 128);
  EXPECT_EQ(testing::BodyOf<KePayload>(*m, PayloadType::kKe).dh_group, 19);
  EXPECT_EQ(testing::BodyOf<KePayload>(*m, PayloadType::kKe).data.size(), 64u);
  EXPECT_EQ(testing::BodyOf<NoncePayload>(*m, PayloadType::kNonce).nonce.size(), 32u);
  ASSERT_NE(m->FindNotify(NotifyType::kNatDetectionSourceIp), nullptr);
  EXPECT_EQ(testing::NotifyOf(*m, NotifyType::kNatDetectionDestinationIp).data.size(), 20u);
  EXPECT_NE(m->FindNotify(NotifyType::kIkev2FragmentationSupported), nullptr);
  EXPECT_EQ(testing::BodyOf<VendorIdPayload>(*m, PayloadType::kVendorId).id.size(), 16u);
}

TEST(VectorsTest, IkeSaInitResponsesContents) {
  const std::vector<VectorRecord> records = Records();
  const VectorRecord* r = Named(records, "ike_sa_init_response");
  ASSERT_NE(r, nullptr);
  absl::StatusOr<Message> m = Message::Parse(r->Bytes("Message"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->header.responder_spi, 0x1122334455667788u);
  EXPECT_EQ(testing::BodyOf<SaPayload>(*m, PayloadType::kSa).proposals.size(), 1u);
  EXPECT_EQ(testing::BodyOf<CertPayload>(*m, PayloadType::kCertReq).data.size(), 20u);

  const VectorRecord* invalid_ke = Named(records, "ike_sa_init_invalid_ke");
  ASSERT_NE(invalid_ke, nullptr);
  absl::StatusOr<Message> ike = Message::Parse(invalid_ke->Bytes("Message"));
  ASSERT_TRUE(ike.ok()) << ike.status();
  EXPECT_EQ(testing::NotifyOf(*ike, NotifyType::kInvalidKePayload).accepted_group(), 31);

  const VectorRecord* cookie = Named(records, "ike_sa_init_cookie_response");
  ASSERT_NE(cookie, nullptr);
  absl::StatusOr<Message> c = Message::Parse(cookie->Bytes("Message"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(testing::NotifyOf(*c, NotifyType::kCookie).data.size(), 32u);
}

TEST(VectorsTest, FragmentsCarryTheirNumbers) {
  const std::vector<VectorRecord> records = Records();
  for (uint16_t n : {1, 2}) {
    const VectorRecord* r = Named(records, "ike_auth_request_fragment_" + std::to_string(n));
    ASSERT_NE(r, nullptr);
    absl::StatusOr<Message> m = Message::Parse(r->Bytes("Message"));
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->payloads.back().type, PayloadType::kEncryptedFragment);
    const auto& f = std::get<EncryptedFragmentPayload>(m->payloads.back().body);
    EXPECT_EQ(f.fragment_number, n);
    EXPECT_EQ(f.total_fragments, 2);
    EXPECT_EQ(f.first_inner, n == 1 ? static_cast<uint8_t>(PayloadType::kIdi) : 0);
  }
}

TEST(VectorsTest, EveryTruncationOfEveryVectorIsACleanError) {
  for (const VectorRecord& r : Records()) {
    SCOPED_TRACE(r.Label());
    const std::vector<uint8_t> datagram = r.Bytes("Message");
    for (size_t n = 0; n < datagram.size(); ++n) {
      std::vector<uint8_t> cut(datagram.begin(), datagram.begin() + n);
      EXPECT_FALSE(Message::Parse(cut).ok()) << n;
      // Also with the header's Length patched to match, so the payload parsers see the cut.
      if (n >= kHeaderSize) {
        cut[24] = static_cast<uint8_t>(n >> 24);
        cut[25] = static_cast<uint8_t>(n >> 16);
        cut[26] = static_cast<uint8_t>(n >> 8);
        cut[27] = static_cast<uint8_t>(n);
        EXPECT_FALSE(Message::Parse(cut).ok()) << n;
      }
    }
  }
}

}  // namespace
}  // namespace tunnelisa::ike
