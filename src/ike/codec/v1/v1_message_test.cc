// The payload chain and whole messages: exact bytes, raw-byte bookkeeping for the hashes,
// padding, limits, and every chain-level refusal.
#include "ike/codec/v1/v1_message.h"

#include "gtest/gtest.h"
#include "ike/codec/v1/v1_test_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::ExpectV1Error;
using testing::kCkyI;
using testing::MakeDatagram;
using testing::Raw;
using testing::T;

V1Message QuickModeLike() {
  V1SaPayload sa{
      .proposals = {
          {.protocol = V1ProtocolId::kIpsecEsp, .spi = {1, 2, 3, 4}, .transforms = {{.id = 3}}}}};
  return V1Message{
      .header = {.icookie = kCkyI,
                 .rcookie = 7,
                 .exchange = V1Exchange::kQuickMode,
                 .message_id = 0x01020304},
      .payloads = {V1Payload::Make(V1PayloadType::kHash, V1HashPayload{.data = Bytes(20, 0xaa)}),
                   V1Payload::Make(V1PayloadType::kSa, sa),
                   V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{.data = Bytes(16, 5)}),
                   V1Payload::Make(V1PayloadType::kId,
                                   V1IdPayload::FromPrefix(*IpPrefix::Parse("10.0.0.0/24"))),
                   V1Payload::Make(V1PayloadType::kId,
                                   V1IdPayload::FromPrefix(*IpPrefix::Parse("10.0.1.0/24")))}};
}

TEST(V1MessageTest, HandMadeInformationalParsesAndSerializesToTheSameBytes) {
  // HDR (Informational), N(INITIAL-CONTACT, ISAKMP, cookies as SPI), VID(DPD).
  const Bytes notify_body =
      Cat({{0, 0, 0, 1, 1, 16, 0x60, 0x02},
           {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}});
  const Bytes payloads = Cat({Raw(T(V1PayloadType::kVendorId), 0, notify_body),
                              Raw(0, 0, Bytes(kVendorIdDpd.begin(), kVendorIdDpd.end()))});
  const Bytes datagram =
      MakeDatagram(T(V1PayloadType::kNotify), payloads, V1Exchange::kInformational);
  absl::StatusOr<V1Message> m = ParseV1Message(datagram);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->payloads.size(), 2u);
  const V1NotifyPayload* n = m->FindNotify(V1NotifyType::kInitialContact);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->spi.size(), 16u);
  EXPECT_EQ(m->Count(V1PayloadType::kVendorId), 1u);
  EXPECT_EQ(m->Find(V1PayloadType::kSa), nullptr);
  EXPECT_EQ(m->payloads[0].raw, Raw(T(V1PayloadType::kVendorId), 0, notify_body));
  absl::StatusOr<std::vector<uint8_t>> again = m->Serialize();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, datagram);
}

TEST(V1MessageTest, RoundTripKeepsRawBytesForTheHashes) {
  const V1Message built = QuickModeLike();
  absl::StatusOr<std::vector<uint8_t>> bytes = built.Serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<V1Message> parsed = ParseV1Message(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->payloads, built.payloads);
  V1Header expected = built.header;  // as built, with the fields Serialize computes
  expected.length = static_cast<uint32_t>(bytes->size());
  expected.next_payload = V1PayloadType::kHash;
  EXPECT_EQ(parsed->header, expected);

  // Everything after HASH, as received and as built, is the same octets, and those are the
  // datagram's tail (HASH(1) covers exactly this).
  const size_t hash_size = 4 + 20;
  const Bytes tail(bytes->begin() + kV1HeaderSize + hash_size, bytes->end());
  absl::StatusOr<std::vector<uint8_t>> received =
      V1ChainBytes(std::span<const V1Payload>(parsed->payloads).subspan(1));
  absl::StatusOr<std::vector<uint8_t>> ours =
      V1ChainBytes(std::span<const V1Payload>(built.payloads).subspan(1));
  ASSERT_TRUE(received.ok() && ours.ok());
  EXPECT_EQ(*received, tail);
  EXPECT_EQ(*ours, tail);

  // Body bytes (SAi_b, IDii_b) from a received payload and from the built one agree.
  for (size_t i = 0; i < built.payloads.size(); ++i) {
    absl::StatusOr<std::vector<uint8_t>> a = V1PayloadBodyBytes(parsed->payloads[i]);
    absl::StatusOr<std::vector<uint8_t>> b = V1PayloadBodyBytes(built.payloads[i]);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b) << i;
    EXPECT_EQ(Bytes(parsed->payloads[i].raw_body().begin(), parsed->payloads[i].raw_body().end()),
              *a);
  }
}

TEST(V1MessageTest, ReceivedBytesWinOverReserialization) {
  // A peer that sets a RESERVED octet: the parsed body drops it, the raw bytes keep it, and
  // the hash inputs use the raw bytes.
  Bytes hash = Raw(T(V1PayloadType::kVendorId), 0, Bytes(20, 1));
  Bytes vid = Raw(0, 0x5a, {9, 9});
  absl::StatusOr<std::vector<V1Payload>> chain =
      ParseV1Payloads(V1PayloadType::kHash, Cat({hash, vid}), {.allow_padding = false});
  ASSERT_TRUE(chain.ok()) << chain.status();
  absl::StatusOr<std::vector<uint8_t>> tail =
      V1ChainBytes(std::span<const V1Payload>(*chain).subspan(1));
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, vid);
  absl::StatusOr<std::vector<uint8_t>> reserialized =
      SerializeV1Payloads(std::span<const V1Payload>(*chain).subspan(1));
  ASSERT_TRUE(reserialized.ok());
  EXPECT_NE(*reserialized, vid);
}

TEST(V1MessageTest, PaddingIsAcceptedOnlyWhereAllowed) {
  const Bytes chain = Cat({Raw(0, 0, Bytes(20, 1)), Bytes(5, 0)});
  absl::StatusOr<std::vector<V1Payload>> padded = ParseV1Payloads(V1PayloadType::kHash, chain);
  ASSERT_TRUE(padded.ok()) << padded.status();
  EXPECT_EQ(padded->size(), 1u);
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kHash, chain, {.allow_padding = false}).status(),
                "5 octets after the last payload", V1NotifyType::kUnequalPayloadLengths);
  ExpectV1Error(ParseV1Message(MakeDatagram(T(V1PayloadType::kHash), chain)).status(),
                "5 octets after the last payload", V1NotifyType::kUnequalPayloadLengths);
}

TEST(V1MessageTest, ChainRefusals) {
  // Unknown type, and the SA-internal P / T types at message level.
  for (uint8_t type : {uint8_t{15}, uint8_t{130}, uint8_t{2}, uint8_t{3}}) {
    absl::Status s = ParseV1Payloads(static_cast<V1PayloadType>(type), Raw(0, 0, {1})).status();
    ExpectV1Error(s, "invalid payload type", V1NotifyType::kInvalidPayloadType);
    EXPECT_EQ(GetV1NotifyToSend(s)->data, Bytes({type}));
  }
  // Next Payload naming an unknown type after a good payload.
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kHash, Raw(99, 0, {1})).status(),
                "invalid payload type 99", V1NotifyType::kInvalidPayloadType);
  // Payload Length below 4, past the end, and a header cut short.
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kHash, Bytes{0, 0, 0, 3}).status(),
                "Payload Length 3 < 4");
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kHash, Bytes{0, 0, 0, 9, 1, 2}).status(),
                "Payload Length 9 runs past the end");
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kHash, Bytes{0, 0, 0}).status(), "truncated");
  // A Next Payload promising more than there is.
  ExpectV1Error(
      ParseV1Payloads(V1PayloadType::kHash, Raw(T(V1PayloadType::kNonce), 0, {1})).status(),
      "truncated");
  // A body its parser refuses carries that parser's notify.
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kId, Raw(0, 0, {2, 0, 0, 0})).status(),
                "no identification data", V1NotifyType::kInvalidIdInformation);
}

TEST(V1MessageTest, PayloadCountAndSizeLimits) {
  Bytes chain;
  for (size_t i = 0; i <= kV1MaxPayloads; ++i) {
    chain = Cat({chain, Raw(i == kV1MaxPayloads ? 0 : T(V1PayloadType::kVendorId), 0, {1})});
  }
  ExpectV1Error(ParseV1Payloads(V1PayloadType::kVendorId, chain).status(), "more than 64 payloads");
  V1Message big = QuickModeLike();
  for (int i = 0; i < 2; ++i) {
    big.payloads.push_back(
        V1Payload::Make(V1PayloadType::kCert, V1CertPayload{.data = Bytes(40000, 1)}));
  }
  EXPECT_FALSE(big.Serialize().ok());
}

TEST(V1MessageTest, EncryptedMessagesAreSplitNotParsed) {
  const Bytes ciphertext(32, 0x77);
  const Bytes datagram = MakeDatagram(T(V1PayloadType::kHash), ciphertext, V1Exchange::kQuickMode,
                                      kV1FlagEncryption, 5);
  absl::StatusOr<V1Datagram> d = SplitV1Datagram(datagram);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->header.encrypted());
  EXPECT_EQ(Bytes(d->body.begin(), d->body.end()), ciphertext);
  EXPECT_TRUE(absl::IsFailedPrecondition(ParseV1Message(datagram).status()));
  V1Message m = QuickModeLike();
  m.header.flags = kV1FlagEncryption;
  EXPECT_FALSE(m.Serialize().ok());
}

TEST(V1MessageTest, HeaderErrorsComeFirst) {
  Bytes datagram = *QuickModeLike().Serialize();
  datagram.push_back(0);  // Length now one short of the datagram
  ExpectV1Error(ParseV1Message(datagram).status(), "Length", V1NotifyType::kUnequalPayloadLengths);
  datagram.pop_back();
  datagram[17] = 0x20;
  ExpectV1Error(ParseV1Message(datagram).status(), "major version 2",
                V1NotifyType::kInvalidMajorVersion);
  for (size_t n = 0; n < kV1HeaderSize; ++n) {
    EXPECT_FALSE(ParseV1Message(Bytes(datagram.begin(), datagram.begin() + n)).ok());
  }
}

TEST(V1MessageTest, EveryTruncationOfAMessageFails) {
  const Bytes full = *QuickModeLike().Serialize();
  for (size_t n = kV1HeaderSize; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + n);
    // Fix the header's Length so only the payloads are short.
    cut[24] = 0;
    cut[25] = 0;
    cut[26] = static_cast<uint8_t>(n >> 8);
    cut[27] = static_cast<uint8_t>(n);
    EXPECT_FALSE(ParseV1Message(cut).ok()) << "cut to " << n;
  }
}

}  // namespace
}  // namespace tunnelisa::ike::v1
