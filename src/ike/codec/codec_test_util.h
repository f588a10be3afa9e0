// File: ike/codec/codec_test_util.h
//
// Test-only helpers for the codec tests: hand-built datagrams (so malformed inputs are
// explicit bytes), a payload round trip, and a status expectation that checks the message
// and the attached notify.
#ifndef TUNNELISA_SRC_IKE_CODEC_CODEC_TEST_UTIL_H_
#define TUNNELISA_SRC_IKE_CODEC_CODEC_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/errors.h"
#include "ike/codec/message.h"
#include "ike/codec/payload.h"

namespace tunnelisa::ike::testing {

using Bytes = std::vector<uint8_t>;

inline constexpr uint64_t kSpiI = 0x0102030405060708;
inline constexpr uint64_t kSpiR = 0x1112131415161718;

// Raw: a generic payload header (`next`, `flags`, length computed) followed by `body`.
inline Bytes Raw(uint8_t next, uint8_t flags, const Bytes& body) {
  const size_t length = body.size() + 4;
  // Reserved first and filled in place: g++ -O3 sees a 4-octet buffer grown by insert() as an
  // out-of-bounds copy (-Warray-bounds false positive).
  Bytes out;
  out.reserve(length);
  out.push_back(next);
  out.push_back(flags);
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Cat: concatenation.
inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Datagram: an IKE header (SPIs kSpiI/kSpiR, or a zero responder SPI for an IKE_SA_INIT
// request) whose Length covers `payloads`, which follow it.
inline Bytes Datagram(uint8_t first, const Bytes& payloads,
                      ExchangeType exchange = ExchangeType::kInformational,
                      uint8_t flags = kFlagInitiator, uint32_t message_id = 0) {
  Header h{.initiator_spi = kSpiI,
           .responder_spi =
               (exchange == ExchangeType::kIkeSaInit && !(flags & kFlagResponse)) ? 0 : kSpiR,
           .next_payload = first,
           .exchange_type = static_cast<uint8_t>(exchange),
           .flags = flags,
           .message_id = message_id,
           .length = static_cast<uint32_t>(kHeaderSize + payloads.size())};
  Writer w;
  h.Serialize(w);
  w.Bytes(payloads);
  return w.Take();
}

// ExpectError: `status` failed, its message contains `needle`, and it carries `notify`
// (nullopt: no notify attached).
inline void ExpectError(const absl::Status& status, const std::string& needle,
                        std::optional<NotifyType> notify = NotifyType::kInvalidSyntax) {
  ASSERT_FALSE(status.ok()) << "expected an error containing: " << needle;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(needle));
  std::optional<NotifyToSend> got = GetNotifyToSend(status);
  if (notify.has_value()) {
    ASSERT_TRUE(got.has_value()) << status;
    EXPECT_EQ(got->type, *notify) << status;
  } else {
    EXPECT_FALSE(got.has_value()) << status;
  }
}

// RoundTrip: serializes `p` as a one-payload chain, parses it back, expects equality and
// byte-identical re-serialization; returns the bytes.
inline Bytes RoundTrip(const Payload& p) {
  Writer w;
  absl::StatusOr<uint8_t> first = SerializePayloadChain({&p, 1}, w);
  EXPECT_TRUE(first.ok()) << first.status();
  if (!first.ok()) return {};
  Bytes bytes(w.bytes().begin(), w.bytes().end());
  absl::StatusOr<std::vector<Payload>> parsed = ParsePayloadChain(*first, bytes);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return bytes;
  EXPECT_EQ(parsed->size(), 1u);
  if (parsed->size() != 1) return bytes;
  EXPECT_TRUE((*parsed)[0] == p) << PayloadTypeName(p.type) << " differs after a round trip";
  Writer again;
  EXPECT_TRUE(SerializePayloadChain(*parsed, again).ok());
  EXPECT_EQ(Bytes(again.bytes().begin(), again.bytes().end()), bytes);
  return bytes;
}

// BodyOf: the body of `m`'s first payload of `type` as T; a test failure (and an empty T) if
// there is none or it holds another alternative.
template <typename T>
const T& BodyOf(const Message& m, PayloadType type) {
  static const T kEmpty{};
  const Payload* p = m.Find(type);
  const T* body = p == nullptr ? nullptr : p->As<T>();
  if (body == nullptr) {
    ADD_FAILURE() << "no " << PayloadTypeName(type) << " payload of the expected kind";
    return kEmpty;
  }
  return *body;
}

// NotifyOf: `m`'s first Notify of `type`; a test failure (and an empty Notify) if none.
inline const NotifyPayload& NotifyOf(const Message& m, NotifyType type) {
  static const NotifyPayload kEmpty{};
  const NotifyPayload* n = m.FindNotify(type);
  if (n == nullptr) {
    ADD_FAILURE() << "no " << NotifyTypeName(type) << " notify";
    return kEmpty;
  }
  return *n;
}

}  // namespace tunnelisa::ike::testing

#endif  // TUNNELISA_SRC_IKE_CODEC_CODEC_TEST_UTIL_H_
