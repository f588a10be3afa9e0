#include "ike/protect/sk_protection.h"

#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/errors.h"
#include "ike/codec/message.h"
#include "ike/protect/protect_test_util.h"

namespace tunnelisa::ike {
namespace {

using testing::AllSuites;
using testing::Bytes;
using testing::CountingRandom;
using testing::FixedRandom;
using ::testing::HasSubstr;
using testing::MakePeers;
using testing::Peers;
using testing::SampleHeader;
using testing::SamplePayloads;
using testing::SomeSuites;

constexpr size_t kSkHeaderEnd = kHeaderSize + kGenericHeaderSize;  // IV starts here

bool IsIcvFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kPermissionDenied && s.message() == "ICV check failed" &&
         !GetNotifyToSend(s).has_value();
}

// A datagram's SK payload length, patched (and the IKE header's Length) after editing.
void FixLengths(Bytes& d) {
  const size_t sk = d.size() - kHeaderSize;
  d[kHeaderSize + 2] = static_cast<uint8_t>(sk >> 8);
  d[kHeaderSize + 3] = static_cast<uint8_t>(sk);
  for (int i = 0; i < 4; ++i) d[24 + i] = static_cast<uint8_t>(d.size() >> (8 * (3 - i)));
}

TEST(SkProtector, RoundTripsEverySuiteBothWays) {
  for (const SkSuite& suite : AllSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    ASSERT_TRUE(p.a && p.b);
    const std::vector<Payload> payloads = SamplePayloads(37);
    const Header h = SampleHeader(7);

    absl::StatusOr<Bytes> sealed = p.a->Seal(h, payloads);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    absl::StatusOr<std::vector<Payload>> opened = p.b->Open(*sealed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, payloads);

    // The datagram is a well-formed IKE message whose only payload is SK.
    absl::StatusOr<Message> m = Message::Parse(*sealed);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->payloads.size(), 1u);
    EXPECT_EQ(m->payloads[0].type, PayloadType::kEncrypted);
    EXPECT_EQ(m->payloads[0].As<EncryptedPayload>()->first_inner,
              static_cast<uint8_t>(PayloadType::kIdi));
    EXPECT_EQ(m->header.message_id, 7u);
    EXPECT_EQ(m->header.flags, kFlagInitiator);
    // Minimal padding: the ciphertext is the smallest block multiple holding payloads + 1.
    const SkSizes& s = p.a->sizes();
    Writer w;
    ASSERT_TRUE(SerializePayloadChain(payloads, w).ok());
    const size_t ct = (w.size() + 1 + s.block - 1) / s.block * s.block;
    EXPECT_EQ(sealed->size(), kSkHeaderEnd + s.iv + ct + s.icv);

    // And the other way round.
    absl::StatusOr<Bytes> back = p.b->Seal(SampleHeader(7, kFlagResponse), payloads);
    ASSERT_TRUE(back.ok()) << back.status();
    opened = p.a->Open(*back);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, payloads);
  }
}

// The OpenSSL cipher contexts are the thread's, keyed per message (sk_protection.cc): many IKE
// SAs of every suite (more ciphers than a thread keeps contexts for) protecting in turn, on two
// threads at once, each message still opening only under its own SA's keys.
TEST(SkProtector, ProtectorsTakingTurnsOnTwoThreadsKeepTheirOwnKeys) {
  const std::vector<SkSuite> suites = AllSuites();
  auto run = [&suites](int* failures) {
    std::vector<Peers> peers;
    for (const SkSuite& suite : suites) peers.push_back(MakePeers(suite));
    const std::vector<Payload> payloads = SamplePayloads(19);
    for (int round = 0; round < 3; ++round) {
      for (size_t i = 0; i < peers.size(); ++i) {
        Peers& p = peers[i];
        Peers& other = peers[(i + 1) % peers.size()];
        if (!p.a || !p.b) {
          ++*failures;
          continue;
        }
        absl::StatusOr<Bytes> sealed = p.a->Seal(SampleHeader(round + 1), payloads);
        absl::StatusOr<Bytes> back = p.b->Seal(SampleHeader(round + 1, kFlagResponse), payloads);
        if (!sealed.ok() || !back.ok()) {
          ++*failures;
          continue;
        }
        absl::StatusOr<std::vector<Payload>> opened = p.b->Open(*sealed);
        absl::StatusOr<std::vector<Payload>> opened_back = p.a->Open(*back);
        if (!opened.ok() || *opened != payloads) ++*failures;
        if (!opened_back.ok() || *opened_back != payloads) ++*failures;
        // Another SA (another suite or key) never opens it.
        if (other.b && other.b->Open(*sealed).ok()) ++*failures;
      }
    }
  };
  int failures[2] = {0, 0};
  std::thread second(run, &failures[1]);
  run(&failures[0]);
  second.join();
  EXPECT_EQ(failures[0], 0);
  EXPECT_EQ(failures[1], 0);
}

TEST(SkProtector, EmptyMessageRoundTrips) {
  for (const SkSuite& suite : SomeSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    absl::StatusOr<Bytes> sealed =
        p.a->Seal(SampleHeader(3, kFlagInitiator, ExchangeType::kInformational), {});
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ((*sealed)[kHeaderSize], 0) << "first inner payload: none";
    absl::StatusOr<std::vector<Payload>> opened = p.b->Open(*sealed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_TRUE(opened->empty());
  }
}

TEST(SkProtector, OwnOrWrongKeysFailTheIcv) {
  for (const SkSuite& suite : AllSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    absl::StatusOr<Bytes> sealed = p.a->Seal(SampleHeader(), SamplePayloads());
    ASSERT_TRUE(sealed.ok());
    // A opens with B's outbound keys, which are not A's own.
    EXPECT_TRUE(IsIcvFailure(p.a->Open(*sealed).status()));
    // A third party with other keys.
    SkKeys other = testing::KeysFor(p.a->sizes(), 0);
    other.encr_in = SecretBytes(testing::Pattern(p.a->sizes().encr_key, 0x77));
    auto c = SkProtector::Create(suite, std::move(other));
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(IsIcvFailure((*c)->Open(*sealed).status()));
  }
}

TEST(SkProtector, WrongIntegrityKeyFailsTheIcv) {
  const SkSuite suite{IkeEncrId::kAesCbc, 256, IkeIntegId::kHmacSha384_192};
  Peers p = MakePeers(suite);
  absl::StatusOr<Bytes> sealed = p.a->Seal(SampleHeader(), SamplePayloads());
  ASSERT_TRUE(sealed.ok());
  SkKeys keys = testing::KeysFor(p.a->sizes(), 1);
  keys.integ_in = SecretBytes(testing::Pattern(48, 0x01));
  auto c = SkProtector::Create(suite, std::move(keys));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(IsIcvFailure((*c)->Open(*sealed).status()));
}

// Every single-bit change is rejected. Changes to the octets the ICV covers are ICV failures;
// only the two fields that steer the parser to the SK payload (the header's Next Payload and
// the SK Payload Length) may instead fail as framing errors.
TEST(SkProtector, EveryBitFlipIsRejected) {
  for (const SkSuite& suite : SomeSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    absl::StatusOr<Bytes> sealed = p.a->Seal(SampleHeader(), SamplePayloads(5));
    ASSERT_TRUE(sealed.ok());
    ASSERT_TRUE(p.b->Open(*sealed).ok());
    for (size_t i = 0; i < sealed->size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes d = *sealed;
        d[i] ^= static_cast<uint8_t>(1u << bit);
        absl::Status s = p.b->Open(d).status();
        ASSERT_FALSE(s.ok()) << "octet " << i << " bit " << bit;
        const bool steering = i == 16 || i == kHeaderSize + 2 || i == kHeaderSize + 3;
        if (!steering) {
          EXPECT_TRUE(IsIcvFailure(s)) << "octet " << i << " bit " << bit << ": " << s;
        }
      }
    }
  }
}

TEST(SkProtector, EveryTruncationIsRejected) {
  for (const SkSuite& suite : SomeSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    absl::StatusOr<Bytes> sealed = p.a->Seal(SampleHeader(), SamplePayloads());
    ASSERT_TRUE(sealed.ok());
    for (size_t n = 0; n < sealed->size(); ++n) {
      Bytes d(sealed->begin(), sealed->begin() + n);
      EXPECT_FALSE(p.b->Open(d).ok()) << n;
      EXPECT_FALSE(p.b->OpenFragment(d).ok()) << n;
      // With the lengths patched to match, the ICV (or framing) still fails.
      if (n > kSkHeaderEnd) {
        FixLengths(d);
        EXPECT_FALSE(p.b->Open(d).ok()) << "patched " << n;
      }
    }
    Bytes longer = *sealed;
    longer.push_back(0);
    EXPECT_FALSE(p.b->Open(longer).ok());
  }
}

TEST(SkProtector, CiphertextNotAMultipleOfTheBlockIsAFramingError) {
  Peers p = MakePeers({IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha1_96});
  absl::StatusOr<Bytes> sealed = p.a->Seal(SampleHeader(), SamplePayloads());
  ASSERT_TRUE(sealed.ok());
  Bytes d = *sealed;
  d.erase(d.begin() + kSkHeaderEnd + 16);  // one ciphertext octet
  FixLengths(d);
  absl::Status s = p.b->Open(d).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("multiple of the block size"));
  EXPECT_FALSE(IsIcvFailure(s));
}

TEST(SkProtector, BadPadLengthAfterAGoodIcvIsInvalidSyntax) {
  for (const SkSuite& suite : SomeSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    const size_t block = p.a->sizes().block;
    Bytes plain(block == 1 ? 4 : block, 0);
    plain.back() = static_cast<uint8_t>(plain.size());  // Pad Length = everything + 1
    absl::StatusOr<Bytes> sealed =
        p.a->SealPlaintext(SampleHeader(), static_cast<uint8_t>(PayloadType::kNotify), plain);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    absl::Status s = p.b->Open(*sealed).status();
    EXPECT_THAT(std::string(s.message()), HasSubstr("Pad Length"));
    ASSERT_TRUE(GetNotifyToSend(s).has_value()) << s;
    EXPECT_EQ(GetNotifyToSend(s)->type, NotifyType::kInvalidSyntax);
  }
}

TEST(SkProtector, AcceptsAnyPadLengthThatAligns) {
  Peers p = MakePeers({IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128});
  Writer w;
  std::vector<Payload> payloads = SamplePayloads();
  absl::StatusOr<uint8_t> first = SerializePayloadChain(payloads, w);
  ASSERT_TRUE(first.ok());
  Bytes plain = w.Take();
  // Two extra blocks of (non-zero) padding, as some implementations send.
  const size_t pad = (16 - (plain.size() + 1) % 16) % 16 + 32;
  plain.insert(plain.end(), pad, 0xa5);
  plain.push_back(static_cast<uint8_t>(pad));
  absl::StatusOr<Bytes> sealed = p.a->SealPlaintext(SampleHeader(), *first, plain);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  absl::StatusOr<std::vector<Payload>> opened = p.b->Open(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, payloads);
}

TEST(SkProtector, MalformedInnerChainAfterAGoodIcvCarriesTheNotify) {
  Peers p = MakePeers({IkeEncrId::kAesGcm16, 128, IkeIntegId::kNone});
  // A Notify whose Payload Length (2) is below the generic header's 4 octets.
  const Bytes plain = {0, 0, 0, 2, 0};
  absl::StatusOr<Bytes> sealed =
      p.a->SealPlaintext(SampleHeader(), static_cast<uint8_t>(PayloadType::kNotify), plain);
  ASSERT_TRUE(sealed.ok());
  absl::Status s = p.b->Open(*sealed).status();
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(IsIcvFailure(s));
  ASSERT_TRUE(GetNotifyToSend(s).has_value()) << s;
  EXPECT_EQ(GetNotifyToSend(s)->type, NotifyType::kInvalidSyntax);
  // An SK payload nested inside SK is refused too.
  const Bytes nested = {0, 0, 0, 5, 0xaa, 0};
  sealed =
      p.a->SealPlaintext(SampleHeader(), static_cast<uint8_t>(PayloadType::kEncrypted), nested);
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(p.b->Open(*sealed).ok());
}

TEST(SkProtector, HeaderIsValidatedAfterTheIcv) {
  Peers p = MakePeers({IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kNone});
  Header h = SampleHeader();
  h.major_version = 3;
  absl::StatusOr<Bytes> sealed = p.a->Seal(h, SamplePayloads());
  ASSERT_TRUE(sealed.ok());
  absl::Status s = p.b->Open(*sealed).status();
  ASSERT_TRUE(GetNotifyToSend(s).has_value()) << s;
  EXPECT_EQ(GetNotifyToSend(s)->type, NotifyType::kInvalidMajorVersion);
}

TEST(SkProtector, SkAndSkfAreNotInterchangeable) {
  Peers p = MakePeers({IkeEncrId::kAesGcm12, 192, IkeIntegId::kNone});
  absl::StatusOr<Bytes> sk = p.a->Seal(SampleHeader(), SamplePayloads());
  ASSERT_TRUE(sk.ok());
  EXPECT_FALSE(p.b->OpenFragment(*sk).ok());
  auto skf = p.a->SealFragments(SampleHeader(), SamplePayloads(), 1280);
  ASSERT_TRUE(skf.ok());
  ASSERT_EQ(skf->size(), 1u);
  EXPECT_EQ(p.b->Open((*skf)[0]).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(p.b->OpenFragment((*skf)[0]).ok());
}

TEST(SkProtector, NotAnSkMessage) {
  Peers p = MakePeers({IkeEncrId::kAesGcm16, 256, IkeIntegId::kNone});
  Message m{.header = SampleHeader(), .payloads = SamplePayloads()};
  absl::StatusOr<Bytes> plain = m.Serialize();
  ASSERT_TRUE(plain.ok());
  absl::Status s = p.b->Open(*plain).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("no SK"));
}

TEST(SkProtector, SealRejectsWhatCannotBeSent) {
  Peers p = MakePeers({IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128});
  // Over 65535 octets in one SK payload.
  absl::StatusOr<Bytes> big = p.a->Seal(SampleHeader(), SamplePayloads(65500));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(big.status().message()), HasSubstr("fragment"));
  // A payload whose body does not match its type.
  std::vector<Payload> bad = {Payload::Make(PayloadType::kNonce, AuthPayload{})};
  EXPECT_FALSE(p.a->Seal(SampleHeader(), bad).ok());
  // An unaligned plaintext.
  EXPECT_FALSE(p.a->SealPlaintext(SampleHeader(), 0, Bytes(15, 0)).ok());
  EXPECT_FALSE(p.a->SealPlaintext(SampleHeader(), 0, Bytes()).ok());
  // Bad fragment fields.
  FragmentFields f{.number = 2, .total = 1};
  EXPECT_FALSE(p.a->SealPlaintext(SampleHeader(), 0, Bytes(16, 0), &f).ok());
  f = {.number = 2, .total = 2};
  EXPECT_FALSE(p.a->SealPlaintext(SampleHeader(), 41, Bytes(16, 0), &f).ok());
}

TEST(SkProtector, CreateChecksKeys) {
  const SkSuite gcm{IkeEncrId::kAesGcm16, 128, IkeIntegId::kNone};
  SkKeys k{.encr_out = SecretBytes(Bytes(16, 1)), .encr_in = SecretBytes(Bytes(20, 1))};
  EXPECT_EQ(SkProtector::Create(gcm, std::move(k)).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "GCM-128 needs 20 octets (key + salt)";
  SkKeys k2{.encr_out = SecretBytes(Bytes(20, 1)),
            .integ_out = SecretBytes(Bytes(32, 1)),
            .encr_in = SecretBytes(Bytes(20, 1)),
            .integ_in = SecretBytes(Bytes(32, 1))};
  EXPECT_EQ(SkProtector::Create(gcm, std::move(k2)).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "AEAD takes no integrity keys";
  SkKeys k3{.encr_out = SecretBytes(Bytes(16, 1)),
            .integ_out = SecretBytes(Bytes(31, 1)),
            .encr_in = SecretBytes(Bytes(16, 1)),
            .integ_in = SecretBytes(Bytes(32, 1))};
  EXPECT_EQ(
      SkProtector::Create({IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128}, std::move(k3))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SkProtector::Create({IkeEncrId::kAesGcm16, 128, IkeIntegId::kHmacSha1_96}, SkKeys{})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SkProtector, AeadIvIsACounterThatNeverRepeats) {
  CountingRandom random;  // the counter's random start: 00 01 02 ... 07
  Peers p = MakePeers({IkeEncrId::kAesGcm16, 128, IkeIntegId::kNone}, &random);
  uint64_t expected = 0x0001020304050607;
  for (int i = 0; i < 5; ++i, ++expected) {
    absl::StatusOr<Bytes> d = p.a->Seal(SampleHeader(), SamplePayloads());
    ASSERT_TRUE(d.ok());
    uint64_t iv = 0;
    for (size_t j = 0; j < 8; ++j) iv = iv << 8 | (*d)[kSkHeaderEnd + j];
    EXPECT_EQ(iv, expected);
  }
  p.a->SetNextAeadIvForTesting(UINT64_MAX);
  absl::StatusOr<Bytes> last = p.a->Seal(SampleHeader(), SamplePayloads());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(Bytes(last->begin() + kSkHeaderEnd, last->begin() + kSkHeaderEnd + 8), Bytes(8, 0xff));
  EXPECT_TRUE(p.b->Open(*last).ok());
}

TEST(SkProtector, CbcIvComesFromRandom) {
  FixedRandom random(testing::Pattern(16, 0x42));
  Peers p = MakePeers({IkeEncrId::kAesCbc, 192, IkeIntegId::kHmacSha1_96}, &random);
  absl::StatusOr<Bytes> d = p.a->Seal(SampleHeader(), SamplePayloads());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Bytes(d->begin() + kSkHeaderEnd, d->begin() + kSkHeaderEnd + 16),
            testing::Pattern(16, 0x42));
  // Without an injected Random the IVs differ from message to message.
  Peers q = MakePeers({IkeEncrId::kAesCbc, 192, IkeIntegId::kHmacSha1_96});
  absl::StatusOr<Bytes> d1 = q.a->Seal(SampleHeader(), SamplePayloads());
  absl::StatusOr<Bytes> d2 = q.a->Seal(SampleHeader(), SamplePayloads());
  ASSERT_TRUE(d1.ok() && d2.ok());
  EXPECT_NE(*d1, *d2);
}

TEST(SkProtector, NullCryptoExistsOnlyInFuzzBuilds) {
  // A real build must never be able to switch the SK protection off.
  Peers p = MakePeers(SkSuite{IkeEncrId::kAesGcm16, 128, IkeIntegId::kNone});
#ifdef TUNNELISA_FUZZING
  EXPECT_TRUE(p.a->EnableNullCryptoForFuzzing().ok());
#else
  EXPECT_EQ(p.a->EnableNullCryptoForFuzzing().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(p.b->EnableNullCryptoForFuzzing().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<std::vector<uint8_t>> sealed = p.a->Seal(testing::SampleHeader(), {});
  ASSERT_TRUE(sealed.ok());
  std::vector<uint8_t> forged = *sealed;
  forged.back() ^= 1;
  EXPECT_EQ(p.b->Open(forged).status().code(), absl::StatusCode::kPermissionDenied);
#endif
}

}  // namespace
}  // namespace tunnelisa::ike
