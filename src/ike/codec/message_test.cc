// Whole messages: the payload chain, malformed datagrams, and the SK framing helpers.
#include "ike/codec/message.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "ike/codec/codec_test_util.h"

namespace tunnelisa::ike {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::Datagram;
using testing::ExpectError;
using testing::Raw;

constexpr uint8_t T(PayloadType t) { return static_cast<uint8_t>(t); }
constexpr uint8_t kN = T(PayloadType::kNotify);
constexpr uint8_t kV = T(PayloadType::kVendorId);

const Bytes kVendorBody = {0xde, 0xad, 0xbe, 0xef};
const Bytes kNotifyBody = {0, 0, 0x40, 0x07};  // USE_TRANSPORT_MODE

Message SampleInit() {
  Message m;
  m.header = {.initiator_spi = testing::kSpiI,
              .exchange_type = static_cast<uint8_t>(ExchangeType::kIkeSaInit),
              .flags = kFlagInitiator};
  m.payloads = {
      Payload::Make(
          PayloadType::kSa,
          SaPayload{.proposals = {{.transforms = {{.id = 20, .key_length = 256},
                                                  {.type = TransformType::kPrf, .id = 7},
                                                  {.type = TransformType::kDh, .id = 31}}}}}),
      Payload::Make(PayloadType::kKe, KePayload{.dh_group = 31, .data = Bytes(32, 0x11)}),
      Payload::Make(PayloadType::kNonce, NoncePayload{.nonce = Bytes(32, 0x22)}),
      Payload::Make(PayloadType::kNotify,
                    NotifyPayload::Of(NotifyType::kNatDetectionSourceIp, Bytes(20, 0x33))),
      Payload::Make(PayloadType::kNotify,
                    NotifyPayload::Of(NotifyType::kIkev2FragmentationSupported)),
  };
  return m;
}

TEST(MessageTest, SerializeThenParseGivesTheSameMessage) {
  const Message m = SampleInit();
  absl::StatusOr<Bytes> bytes = m.Serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Message> parsed = Message::Parse(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header.next_payload, T(PayloadType::kSa));
  EXPECT_EQ(parsed->header.length, bytes->size());
  EXPECT_EQ(parsed->payloads, m.payloads);
  EXPECT_EQ(parsed->Count(PayloadType::kNotify), 2u);
  ASSERT_NE(parsed->Find(PayloadType::kKe), nullptr);
  EXPECT_EQ(testing::BodyOf<KePayload>(*parsed, PayloadType::kKe).dh_group, 31);
  EXPECT_NE(parsed->FindNotify(NotifyType::kIkev2FragmentationSupported), nullptr);
  EXPECT_EQ(parsed->FindNotify(NotifyType::kCookie), nullptr);
  EXPECT_EQ(parsed->Serialize().value(), *bytes);
}

TEST(MessageTest, EmptyInformationalParses) {
  absl::StatusOr<Message> m = Message::Parse(Datagram(0, {}));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->payloads.empty());
}

TEST(MessageTest, TruncatedHeader) {
  const Bytes d = Datagram(0, {});
  ExpectError(Message::Parse(std::span<const uint8_t>(d).first(27)).status(),
              "IKE header truncated at offset 0: 27 of 28");
  ExpectError(Message::Parse({}).status(), "IKE header truncated");
}

TEST(MessageTest, LengthLargerOrSmallerThanTheDatagram) {
  Bytes d = Datagram(kV, Raw(0, 0, kVendorBody));
  Bytes longer = d;
  longer[27] += 1;
  ExpectError(Message::Parse(longer).status(), "length 37 but the datagram has 36");
  Bytes shorter = d;
  shorter[27] -= 1;
  ExpectError(Message::Parse(shorter).status(), "length 35 but the datagram has 36");
  d.push_back(0);  // a datagram longer than the header says: trailing octets
  ExpectError(Message::Parse(d).status(), "but the datagram has 37");
}

TEST(MessageTest, WrongMajorVersion) {
  Bytes d = Datagram(0, {});
  d[17] = 0x30;
  ExpectError(Message::Parse(d).status(), "major version 3", NotifyType::kInvalidMajorVersion);
}

TEST(MessageTest, PayloadLengthBelowFour) {
  for (uint8_t len = 0; len < 4; ++len) {
    Bytes payload = {0, 0, 0, len, 0, 0, 0, 0};
    ExpectError(Message::Parse(Datagram(kV, payload)).status(),
                "Vendor ID payload at offset 28: Payload Length");
  }
}

TEST(MessageTest, PayloadRunningPastTheEnd) {
  Bytes payload = Raw(0, 0, kVendorBody);
  payload[3] = 9;  // one octet more than present
  ExpectError(Message::Parse(Datagram(kV, payload)).status(), "Payload Length 9 runs past the end");
  // The second payload's header is cut short.
  ExpectError(Message::Parse(Datagram(kV, Cat({Raw(kV, 0, kVendorBody), {0, 0}}))).status(),
              "Vendor ID payload header truncated at offset 36");
  // The chain names a next payload but the message ends.
  ExpectError(Message::Parse(Datagram(kV, Raw(kN, 0, kVendorBody))).status(),
              "Notify payload header truncated");
}

TEST(MessageTest, TrailingGarbageAfterTheLastPayload) {
  ExpectError(Message::Parse(Datagram(kV, Cat({Raw(0, 0, kVendorBody), {1, 2, 3}}))).status(),
              "3 octets after the last payload");
  ExpectError(Message::Parse(Datagram(0, {1, 2, 3, 4})).status(), "4 octets after the last");
}

TEST(MessageTest, UnknownCriticalPayloadFailsWithUnsupportedCriticalPayload) {
  const Bytes d = Datagram(kV, Cat({Raw(99, 0, kVendorBody), Raw(0, 0x80, {1, 2})}));
  absl::Status s = Message::Parse(d).status();
  ExpectError(s, "unsupported critical payload type 99 at offset 36",
              NotifyType::kUnsupportedCriticalPayload);
  EXPECT_EQ(GetNotifyToSend(s)->data, Bytes{99});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
}

TEST(MessageTest, UnknownNonCriticalPayloadIsSkippedIntoTheList) {
  const Bytes d =
      Datagram(kV, Cat({Raw(99, 0, kVendorBody), Raw(kN, 0x7f, {1, 2}), Raw(0, 0, kNotifyBody)}));
  absl::StatusOr<Message> m = Message::Parse(d);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->payloads.size(), 3u);
  EXPECT_EQ(m->payloads[1].type, static_cast<PayloadType>(99));
  EXPECT_EQ(std::get<UnknownPayload>(m->payloads[1].body).body, (Bytes{1, 2}));
  EXPECT_EQ(m->payloads[2].type, PayloadType::kNotify);
  EXPECT_EQ(m->Serialize().value()[36 + 1], 0);  // RESERVED bits are sent as zero
}

TEST(MessageTest, CriticalBitOnAKnownPayloadIsIgnored) {
  absl::StatusOr<Message> m = Message::Parse(Datagram(kV, Raw(0, 0x80, kVendorBody)));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->payloads[0].critical);
}

TEST(MessageTest, TooManyPayloads) {
  Bytes chain;
  const size_t n = kMaxPayloadsPerChain + 1;
  for (size_t i = 0; i < n; ++i) {
    chain = Cat({chain, Raw(i + 1 == n ? 0 : kV, 0, kVendorBody)});
  }
  ExpectError(Message::Parse(Datagram(kV, chain)).status(), "more than 64 payloads");
  // Exactly the limit is fine.
  chain.resize(chain.size() - (kVendorBody.size() + 4));
  chain[chain.size() - kVendorBody.size() - 4] = 0;
  EXPECT_TRUE(Message::Parse(Datagram(kV, chain)).ok());
}

TEST(MessageTest, PayloadErrorsNameTheExchangePayloadAndOffset) {
  const Bytes d =
      Datagram(kV, Cat({Raw(T(PayloadType::kNonce), 0, kVendorBody), Raw(0, 0, Bytes(8, 1))}));
  ExpectError(Message::Parse(d).status(),
              "INFORMATIONAL: Nonce payload at offset 40: nonce of 8 octets");
}

TEST(MessageTest, EncryptedPayloadMustBeLast) {
  const uint8_t sk = T(PayloadType::kEncrypted);
  const Bytes d =
      Datagram(sk, Cat({Raw(kV, 0, Bytes(32, 1)), Raw(0, 0, kVendorBody)}), ExchangeType::kIkeAuth);
  ExpectError(Message::Parse(d).status(), "SK payload at offset 28: not the last payload");
  Message m;
  m.header = {.initiator_spi = 1, .exchange_type = 35};
  m.payloads = {Payload::Make(PayloadType::kEncrypted, EncryptedPayload{.body = Bytes(8, 1)}),
                Payload::Make(PayloadType::kVendorId, VendorIdPayload{.id = {1}})};
  EXPECT_FALSE(m.Serialize().ok());
}

TEST(MessageTest, EncryptedInsideEncryptedIsRejected) {
  const Bytes inner = Raw(0, 0, Bytes(16, 1));
  ChainOptions options{.inside_sk = true};
  ExpectError(ParsePayloadChain(T(PayloadType::kEncrypted), inner, options).status(),
              "inside an Encrypted payload");
}

Bytes SkDatagram(size_t iv, size_t ct, size_t icv) {
  Bytes body(iv + ct + icv, 0);
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i);
  return Datagram(
      kN,
      Cat({Raw(T(PayloadType::kEncrypted), 0, kNotifyBody), Raw(T(PayloadType::kIdi), 0, body)}),
      ExchangeType::kIkeAuth);
}

TEST(ProtectedLayoutTest, LocatesAadIvCiphertextAndIcv) {
  const Bytes d = SkDatagram(16, 32, 12);
  ASSERT_TRUE(Message::Parse(d).ok());
  absl::StatusOr<ProtectedLayout> l = LocateProtected(d, 16, 12, 16);
  ASSERT_TRUE(l.ok()) << l.status();
  // Header 28 + Notify 8 + SK generic header 4: the associated data ends at 40.
  EXPECT_EQ(*l,
            (ProtectedLayout{.iv_begin = 40, .ciphertext_begin = 56, .icv_begin = 88, .end = 100}));
  EXPECT_EQ(l->associated_data_size(), 40u);
  EXPECT_EQ(l->ciphertext_size(), 32u);
}

TEST(ProtectedLayoutTest, FragmentAadIncludesFragmentFields) {
  const Bytes body = Cat({{0, 1, 0, 2}, Bytes(8 + 16 + 16, 7)});
  const Bytes d = Datagram(T(PayloadType::kEncryptedFragment), Raw(T(PayloadType::kIdi), 0, body),
                           ExchangeType::kIkeAuth);
  ASSERT_TRUE(Message::Parse(d).ok());
  absl::StatusOr<ProtectedLayout> l = LocateProtected(d, 8, 16, 1);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_TRUE(l->fragment);
  EXPECT_EQ(l->iv_begin, 28u + 4 + 4);
  EXPECT_EQ(l->ciphertext_size(), 16u);
}

TEST(ProtectedLayoutTest, RejectsBadFramings) {
  const Bytes d = SkDatagram(16, 30, 12);
  ExpectError(LocateProtected(d, 16, 12, 16).status(), "not a multiple of the block size 16");
  EXPECT_TRUE(LocateProtected(d, 16, 12, 1).ok());
  ExpectError(LocateProtected(d, 40, 30, 1).status(), "cannot hold IV 40 + ICV 30");
  ExpectError(LocateProtected(Datagram(kV, Raw(0, 0, kVendorBody)), 16, 12, 16).status(),
              "no SK or SKF payload");
  ExpectError(LocateProtected(std::span<const uint8_t>(d).first(20), 16, 12, 16).status(),
              "IKE header truncated");
}

TEST(PaddingTest, AppendThenStripGivesThePayloadsBack) {
  for (size_t block : {1, 8, 16}) {
    for (size_t n : {0, 1, 15, 16, 17}) {
      Bytes plain(n, 0xab);
      AppendPadding(plain, block);
      EXPECT_EQ(plain.size() % block, 0u);
      EXPECT_LT(plain.size() - n, block + 1);
      absl::StatusOr<std::span<const uint8_t>> inner = StripPadding(plain);
      ASSERT_TRUE(inner.ok()) << inner.status();
      EXPECT_EQ(inner->size(), n);
    }
  }
}

TEST(PaddingTest, PadLengthLongerThanThePlaintextIsRejected) {
  ExpectError(StripPadding({}).status(), "empty");
  const Bytes bad = {1, 2, 3};
  ExpectError(StripPadding(bad).status(), "Pad Length 3 exceeds the 3-octet plaintext");
  const Bytes all_padding = {0, 0, 2};  // any length that aligns is accepted
  EXPECT_EQ(StripPadding(all_padding).value().size(), 0u);
}

TEST(InnerChainTest, DecryptedPayloadsParseWithAbsoluteOffsets) {
  const Bytes good =
      Cat({Raw(T(PayloadType::kAuth), 0, {2, 0, 0, 0, 'x'}), Raw(0, 0, {2, 0, 0, 0, 'y'})});
  absl::StatusOr<std::vector<Payload>> ok =
      ParsePayloadChain(T(PayloadType::kIdi), good, {.base_offset = 56, .inside_sk = true});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[1].type, PayloadType::kAuth);
  const Bytes bad = Raw(0, 0, {1, 0, 0, 0});  // ID_IPV4_ADDR without an address
  ExpectError(
      ParsePayloadChain(T(PayloadType::kIdi), bad, {.base_offset = 56, .inside_sk = true}).status(),
      "ID payload at offset 64: no identification data");
}

}  // namespace
}  // namespace tunnelisa::ike
