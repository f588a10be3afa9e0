// File: ike/protect/protect_test_util.h
//
// Test-only helpers for the SK protection tests: deterministic Random implementations, key
// material for a pair of peers (A's outbound keys are B's inbound keys), the list of every
// suite, and sample messages.
#ifndef TUNNELISA_SRC_IKE_PROTECT_PROTECT_TEST_UTIL_H_
#define TUNNELISA_SRC_IKE_PROTECT_PROTECT_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "ike/codec/constants.h"
#include "ike/codec/header.h"
#include "ike/codec/payload.h"
#include "ike/protect/ike_transforms.h"
#include "ike/protect/sk_protection.h"
#include "tunnelisa/host.h"

namespace tunnelisa::ike::testing {

using Bytes = std::vector<uint8_t>;

// FixedRandom: every Fill writes `bytes` (repeated or cut to the requested size).
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(Bytes bytes) : bytes_(std::move(bytes)) {}
  void Fill(std::span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = bytes_.empty() ? 0 : bytes_[i % bytes_.size()];
  }

 private:
  Bytes bytes_;
};

// CountingRandom: a deterministic stream (0, 1, 2, ... mod 256) continuing across calls.
class CountingRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = next_++;
  }

 private:
  uint8_t next_ = 0;
};

inline Bytes Pattern(size_t n, uint8_t start) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + 7 * i);
  return b;
}

// KeysFor: SkKeys of the right sizes; `side` 0 is peer A, 1 is peer B (B's in = A's out).
inline SkKeys KeysFor(const SkSizes& s, int side) {
  const Bytes ka = Pattern(s.encr_key, 0x11), kb = Pattern(s.encr_key, 0x51);
  const Bytes ia = Pattern(s.integ_key, 0x91), ib = Pattern(s.integ_key, 0xd1);
  const bool a = side == 0;
  return SkKeys{.encr_out = SecretBytes(a ? ka : kb),
                .integ_out = SecretBytes(a ? ia : ib),
                .encr_in = SecretBytes(a ? kb : ka),
                .integ_in = SecretBytes(a ? ib : ia)};
}

struct Peers {
  std::unique_ptr<SkProtector> a;
  std::unique_ptr<SkProtector> b;
};

// MakePeers: two protectors that talk to each other. Fails the test on error.
inline Peers MakePeers(const SkSuite& suite, Random* random = nullptr) {
  absl::StatusOr<SkSizes> sizes = SkSizesFor(suite);
  EXPECT_TRUE(sizes.ok()) << sizes.status();
  if (!sizes.ok()) return {};
  auto a = SkProtector::Create(suite, KeysFor(*sizes, 0), random);
  auto b = SkProtector::Create(suite, KeysFor(*sizes, 1), random);
  EXPECT_TRUE(a.ok()) << SkSuiteName(suite) << ": " << a.status();
  EXPECT_TRUE(b.ok()) << SkSuiteName(suite) << ": " << b.status();
  if (!a.ok() || !b.ok()) return {};
  return {*std::move(a), *std::move(b)};
}

// AllSuites: every encryption x integrity combination SkSizesFor accepts.
inline std::vector<SkSuite> AllSuites() {
  std::vector<SkSuite> out;
  const IkeIntegId integs[] = {IkeIntegId::kHmacMd5_96, IkeIntegId::kHmacSha1_96,
                               IkeIntegId::kHmacSha256_128, IkeIntegId::kHmacSha384_192,
                               IkeIntegId::kHmacSha512_256};
  for (IkeIntegId i : integs) {
    out.push_back({IkeEncrId::kDesCbc, 0, i});
    out.push_back({IkeEncrId::k3DesCbc, 0, i});
    for (uint16_t bits : {128, 192, 256}) out.push_back({IkeEncrId::kAesCbc, bits, i});
  }
  for (IkeEncrId e : {IkeEncrId::kAesGcm8, IkeEncrId::kAesGcm12, IkeEncrId::kAesGcm16}) {
    for (uint16_t bits : {128, 192, 256}) out.push_back({e, bits, IkeIntegId::kNone});
  }
  out.push_back({IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kNone});
  return out;
}

// A few representative suites for the slower exhaustive tests.
inline std::vector<SkSuite> SomeSuites() {
  return {{IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128},
          {IkeEncrId::k3DesCbc, 0, IkeIntegId::kHmacMd5_96},
          {IkeEncrId::kAesGcm8, 128, IkeIntegId::kNone},
          {IkeEncrId::kAesGcm16, 256, IkeIntegId::kNone},
          {IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kNone}};
}

inline Header SampleHeader(uint32_t message_id = 1, uint8_t flags = kFlagInitiator,
                           ExchangeType exchange = ExchangeType::kIkeAuth) {
  return Header{.initiator_spi = 0x0102030405060708,
                .responder_spi = 0x1112131415161718,
                .exchange_type = static_cast<uint8_t>(exchange),
                .flags = flags,
                .message_id = message_id};
}

// SamplePayloads: IDi, AUTH and a Notify, plus a Vendor ID of `extra` octets to make the
// message as large as a test needs.
inline std::vector<Payload> SamplePayloads(size_t extra = 0) {
  std::vector<Payload> p;
  p.push_back(Payload::Make(PayloadType::kIdi, IdPayload::FromFqdn("initiator.example")));
  p.push_back(Payload::Make(PayloadType::kAuth, AuthPayload{.method = AuthMethod::kSharedKeyMic,
                                                            .data = Pattern(32, 0x40)}));
  if (extra > 0) {
    p.push_back(Payload::Make(PayloadType::kVendorId, VendorIdPayload{.id = Pattern(extra, 3)}));
  }
  p.push_back(Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInitialContact)));
  return p;
}

inline std::string SuiteLabel(const SkSuite& s) { return SkSuiteName(s); }

}  // namespace tunnelisa::ike::testing

#endif  // TUNNELISA_SRC_IKE_PROTECT_PROTECT_TEST_UTIL_H_
