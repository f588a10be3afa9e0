// V1Header: exact bytes, parse, and ValidateV1Header's refusals.
#include "ike/codec/v1/v1_header.h"

#include "gtest/gtest.h"
#include "ike/codec/v1/v1_test_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using testing::Bytes;
using testing::ExpectV1Error;
using testing::kCkyI;
using testing::kCkyR;

V1Header Sample() {
  return {.icookie = kCkyI,
          .rcookie = kCkyR,
          .next_payload = V1PayloadType::kHash,
          .exchange = V1Exchange::kQuickMode,
          .flags = kV1FlagEncryption | kV1FlagCommit,
          .message_id = 0xa1b2c3d4,
          .length = 60};
}

TEST(V1HeaderTest, SerializesTheRfc2408Layout) {
  Writer w;
  Sample().Serialize(w);
  const Bytes expected = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // CKY-I
                          0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,  // CKY-R
                          8,    0x10, 32,   0x03,                          // HASH, 1.0, QM, E|C
                          0xa1, 0xb2, 0xc3, 0xd4,                          // Message ID
                          0,    0,    0,    60};                           // Length
  EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), expected);
  Reader r(expected);
  absl::StatusOr<V1Header> h = V1Header::Parse(r);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(*h, Sample());
  EXPECT_TRUE(h->encrypted());
  EXPECT_TRUE(h->commit());
  EXPECT_FALSE(h->auth_only());
  EXPECT_EQ(h->major_version(), 1);
}

TEST(V1HeaderTest, EveryTruncationFails) {
  Writer w;
  Sample().Serialize(w);
  for (size_t n = 0; n < kV1HeaderSize; ++n) {
    Reader r(w.bytes().first(n));
    ExpectV1Error(V1Header::Parse(r).status(), "ISAKMP header truncated");
  }
}

TEST(V1HeaderTest, ValidateRefusesVersionLengthAndCookie) {
  V1Header h = Sample();
  EXPECT_TRUE(ValidateV1Header(h, 60).ok());
  // Length lying in both directions.
  ExpectV1Error(ValidateV1Header(h, 59), "Length 60 but the datagram has 59",
                V1NotifyType::kUnequalPayloadLengths);
  ExpectV1Error(ValidateV1Header(h, 61), "Length 60 but the datagram has 61",
                V1NotifyType::kUnequalPayloadLengths);
  V1Header v2 = h;
  v2.version = 0x20;
  ExpectV1Error(ValidateV1Header(v2, 60), "major version 2", V1NotifyType::kInvalidMajorVersion);
  V1Header minor = h;
  minor.version = 0x11;  // minor versions are not checked
  EXPECT_TRUE(ValidateV1Header(minor, 60).ok());
  V1Header no_cookie = h;
  no_cookie.icookie = 0;
  ExpectV1Error(ValidateV1Header(no_cookie, 60), "initiator cookie is zero",
                V1NotifyType::kInvalidCookie);
  ExpectV1Error(ValidateV1Header(h, 20), "20 octets");
  V1Header huge = h;
  huge.length = 70000;
  ExpectV1Error(ValidateV1Header(huge, 70000), "70000 octets");
}

}  // namespace
}  // namespace tunnelisa::ike::v1
