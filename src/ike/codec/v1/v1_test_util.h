// File: ike/codec/v1/v1_test_util.h
//
// Test-only helpers for the IKEv1 codec tests: hand-built payloads and datagrams (so malformed
// inputs are explicit bytes), a payload round trip, a status expectation that checks the
// message and the attached IKEv1 notify, and every-truncation checks.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_TEST_UTIL_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/codec_test_util.h"
#include "ike/codec/v1/v1_errors.h"
#include "ike/codec/v1/v1_message.h"
#include "ike/codec/v1/v1_payload.h"

namespace tunnelisa::ike::v1::testing {

using ::tunnelisa::ike::testing::Bytes;
using ::tunnelisa::ike::testing::Cat;
using ::tunnelisa::ike::testing::Raw;  // generic header: next, RESERVED, length, body

inline constexpr uint64_t kCkyI = 0x0102030405060708;
inline constexpr uint64_t kCkyR = 0x1112131415161718;

constexpr uint8_t T(V1PayloadType t) { return static_cast<uint8_t>(t); }

// V1Datagram: an ISAKMP header (kCkyI / kCkyR) whose Length covers `payloads`.
inline Bytes MakeDatagram(uint8_t first, const Bytes& payloads,
                          V1Exchange exchange = V1Exchange::kIdentityProtection, uint8_t flags = 0,
                          uint32_t message_id = 0) {
  V1Header h{.icookie = kCkyI,
             .rcookie = kCkyR,
             .next_payload = static_cast<V1PayloadType>(first),
             .exchange = exchange,
             .flags = flags,
             .message_id = message_id,
             .length = static_cast<uint32_t>(kV1HeaderSize + payloads.size())};
  Writer w;
  h.Serialize(w);
  w.Bytes(payloads);
  return w.Take();
}

// ExpectV1Error: `status` failed, its message contains `needle`, and it carries `notify`
// (nullopt: no notify attached).
inline void ExpectV1Error(const absl::Status& status, const std::string& needle,
                          std::optional<V1NotifyType> notify = V1NotifyType::kPayloadMalformed) {
  ASSERT_FALSE(status.ok()) << "expected an error containing: " << needle;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(needle));
  std::optional<V1NotifyToSend> got = GetV1NotifyToSend(status);
  if (notify.has_value()) {
    ASSERT_TRUE(got.has_value()) << status;
    EXPECT_EQ(got->type, *notify) << status;
  } else {
    EXPECT_FALSE(got.has_value()) << status;
  }
}

// ParseOne: `body` as the only payload of `type` in a chain.
inline absl::StatusOr<std::vector<V1Payload>> ParseOne(V1PayloadType type, const Bytes& body) {
  return ParseV1Payloads(type, Raw(0, 0, body), {.allow_padding = false});
}

// V1RoundTrip: serializes `p` as a one-payload chain, parses it back, expects equality, the
// raw bytes kept, and byte-identical re-serialization; returns the bytes.
inline Bytes V1RoundTrip(const V1Payload& p) {
  absl::StatusOr<std::vector<uint8_t>> bytes = SerializeV1Payloads({&p, 1});
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return {};
  absl::StatusOr<std::vector<V1Payload>> parsed =
      ParseV1Payloads(p.type, *bytes, {.allow_padding = false});
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok() || parsed->size() != 1) return *bytes;
  EXPECT_TRUE((*parsed)[0] == p) << V1PayloadTypeName(p.type) << " differs after a round trip";
  EXPECT_EQ((*parsed)[0].raw, *bytes);
  absl::StatusOr<std::vector<uint8_t>> again = SerializeV1Payloads(*parsed);
  EXPECT_TRUE(again.ok() && *again == *bytes);
  return *bytes;
}

// ExpectEveryTruncationFails: every proper prefix of the payload body `body` (re-framed with a
// correct generic header, so only the body is short) fails to parse as `type`, except the
// prefix lengths in `allowed` (for payloads whose trailing field may be empty).
inline void ExpectEveryTruncationFails(V1PayloadType type, const Bytes& body,
                                       std::vector<size_t> allowed = {}) {
  for (size_t n = 0; n < body.size(); ++n) {
    if (std::find(allowed.begin(), allowed.end(), n) != allowed.end()) continue;
    const Bytes prefix(body.begin(), body.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(ParseOne(type, prefix).ok())
        << V1PayloadTypeName(type) << " body cut to " << n << " of " << body.size();
  }
}

}  // namespace tunnelisa::ike::v1::testing

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_TEST_UTIL_H_
