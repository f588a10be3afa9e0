#include "ike/codec/header.h"

#include "gtest/gtest.h"
#include "ike/codec/codec_test_util.h"

namespace tunnelisa::ike {
namespace {

using testing::Bytes;
using testing::Datagram;
using testing::ExpectError;

TEST(HeaderTest, ParsesEveryField) {
  const Bytes d = Datagram(0, {}, ExchangeType::kIkeAuth, kFlagInitiator | kFlagResponse, 7);
  Reader r(d);
  absl::StatusOr<Header> h = Header::Parse(r);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->initiator_spi, testing::kSpiI);
  EXPECT_EQ(h->responder_spi, testing::kSpiR);
  EXPECT_EQ(h->major_version, 2);
  EXPECT_EQ(h->minor_version, 0);
  EXPECT_EQ(h->exchange(), ExchangeType::kIkeAuth);
  EXPECT_TRUE(h->initiator());
  EXPECT_TRUE(h->response());
  EXPECT_EQ(h->message_id, 7u);
  EXPECT_EQ(h->length, kHeaderSize);
  EXPECT_TRUE(ValidateIkev2Header(*h, d.size()).ok());
  Writer w;
  h->Serialize(w);
  EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), d);
}

TEST(HeaderTest, TruncatedHeaderIsAnErrorAtEveryLength) {
  const Bytes d = Datagram(0, {});
  for (size_t n = 0; n < kHeaderSize; ++n) {
    Reader r(std::span<const uint8_t>(d).first(n));
    ExpectError(Header::Parse(r).status(), "IKE header truncated");
  }
}

absl::Status Validate(Bytes d, size_t datagram_size) {
  Reader r(d);
  absl::StatusOr<Header> h = Header::Parse(r);
  if (!h.ok()) return h.status();
  return ValidateIkev2Header(*h, datagram_size);
}

TEST(HeaderTest, HigherMajorVersionAsksForInvalidMajorVersion) {
  Bytes d = Datagram(0, {});
  d[17] = 0x30;
  absl::Status s = Validate(d, d.size());
  ExpectError(s, "major version 3", NotifyType::kInvalidMajorVersion);
  EXPECT_EQ(GetNotifyToSend(s)->data, Bytes{0x20});
}

TEST(HeaderTest, Ikev1IsRejectedWithoutANotify) {
  Bytes d = Datagram(0, {});
  d[17] = 0x10;
  ExpectError(Validate(d, d.size()), "major version 1", std::nullopt);
}

TEST(HeaderTest, MinorVersionIsAccepted) {
  Bytes d = Datagram(0, {});
  d[17] = 0x21;
  EXPECT_TRUE(Validate(d, d.size()).ok());
}

TEST(HeaderTest, LengthMustEqualTheDatagram) {
  const Bytes d = Datagram(0, {});
  ExpectError(Validate(d, d.size() + 1), "length 28 but the datagram has 29");
  ExpectError(Validate(d, d.size() - 1), "length 28 but the datagram has 27");
  Bytes small = d;
  small[27] = 20;
  ExpectError(Validate(small, 20), "smaller than the header");
}

TEST(HeaderTest, UnknownExchangeTypeIsRejected) {
  for (uint8_t exchange : {0, 5, 33, 38, 255}) {
    Bytes d = Datagram(0, {});
    d[18] = exchange;
    ExpectError(Validate(d, d.size()), "unknown exchange type");
  }
}

TEST(HeaderTest, ZeroInitiatorSpiIsRejected) {
  Bytes d = Datagram(0, {});
  for (int i = 0; i < 8; ++i) d[i] = 0;
  ExpectError(Validate(d, d.size()), "initiator SPI is zero");
}

TEST(HeaderTest, IkeSaInitRequestNeedsAZeroResponderSpi) {
  Bytes d = Datagram(0, {}, ExchangeType::kIkeSaInit);
  EXPECT_TRUE(Validate(d, d.size()).ok());
  d[15] = 1;
  ExpectError(Validate(d, d.size()), "nonzero responder SPI");
  Bytes response = Datagram(0, {}, ExchangeType::kIkeSaInit, kFlagResponse);
  EXPECT_TRUE(Validate(response, response.size()).ok());
}

TEST(HeaderTest, VersionAndReservedFlagBitsAreIgnored) {
  Bytes d = Datagram(0, {}, ExchangeType::kInformational, kFlagInitiator | kFlagVersion | 0xc7);
  EXPECT_TRUE(Validate(d, d.size()).ok());
}

}  // namespace
}  // namespace tunnelisa::ike
