// Cross-check against tests/vectors/ike/sk/sk_vectors.txt, written by an independent Python
// implementation (tests/vectors/ike/sk/make_sk_vectors.py, pyca/cryptography): SkProtector
// opens every datagram, and with the same IV re-seals the same payloads into the same octets.
#include <string>

#include "gtest/gtest.h"
#include "ike/protect/fragments.h"
#include "ike/protect/protect_test_util.h"
#include "ike/protect/sk_protection.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::ike {
namespace {

using ::tunnelisa::testing::LoadVectorFile;
using ::tunnelisa::testing::ToHex;
using ::tunnelisa::testing::VectorRecord;
using Bytes = std::vector<uint8_t>;

// ProtectorFor: one protector that both sends and receives with the record's keys, its CBC IV
// source fixed to the record's IV and its AEAD counter set to it.
std::unique_ptr<SkProtector> ProtectorFor(const VectorRecord& r, Random* random) {
  const SkSuite suite{.encr = static_cast<IkeEncrId>(r.Uint("Encr")),
                      .key_bits = static_cast<uint16_t>(r.Uint("KeyBits")),
                      .integ = static_cast<IkeIntegId>(r.Uint("Integ"))};
  EXPECT_EQ(SkSuiteName(suite), r.Get("Suite"));
  const Bytes encr = r.Bytes("EncrKey");
  const Bytes integ = r.Bytes("IntegKey");
  auto p = SkProtector::Create(suite,
                               {.encr_out = SecretBytes(encr),
                                .integ_out = SecretBytes(integ),
                                .encr_in = SecretBytes(encr),
                                .integ_in = SecretBytes(integ)},
                               random);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return nullptr;
  if ((*p)->sizes().aead) (*p)->SetNextAeadIvForTesting(r.Uint("IV"));
  return *std::move(p);
}

// Inner: the record's inner payloads, parsed by the codec.
std::vector<Payload> Inner(const VectorRecord& r) {
  absl::StatusOr<std::vector<Payload>> p = ParsePayloadChain(
      static_cast<uint8_t>(r.Uint("FirstInner")), r.Bytes("Inner"), {.inside_sk = true});
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : std::vector<Payload>{};
}

Header HeaderOf(const Bytes& datagram) {
  Reader reader(datagram);
  absl::StatusOr<Header> h = Header::Parse(reader);
  EXPECT_TRUE(h.ok());
  return h.ok() ? *h : Header{};
}

absl::StatusOr<std::vector<VectorRecord>> Records() {
  return LoadVectorFile("ike/sk/sk_vectors.txt");
}

TEST(SkVectors, FileHasTheExpectedRecords) {
  auto records = Records();
  ASSERT_TRUE(records.ok()) << records.status();
  size_t sk = 0, skf = 0;
  for (const VectorRecord& r : *records) (r.Has("Datagram") ? sk : skf) += 1;
  EXPECT_EQ(sk, 12u);  // 4 suites x 3 messages
  EXPECT_EQ(skf, 2u);
}

TEST(SkVectors, OpenAndResealSk) {
  auto records = Records();
  ASSERT_TRUE(records.ok()) << records.status();
  for (const VectorRecord& r : *records) {
    if (!r.Has("Datagram")) continue;
    SCOPED_TRACE(r.Label());
    testing::FixedRandom random(r.Bytes("IV"));
    std::unique_ptr<SkProtector> p = ProtectorFor(r, &random);
    ASSERT_NE(p, nullptr);
    const Bytes datagram = r.Bytes("Datagram");
    const std::vector<Payload> inner = Inner(r);

    absl::StatusOr<std::vector<Payload>> opened = p->Open(datagram);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, inner);

    absl::StatusOr<Bytes> sealed = p->Seal(HeaderOf(datagram), inner);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(ToHex(*sealed), ToHex(datagram));
  }
}

TEST(SkVectors, OpenReassembleAndResealSkf) {
  auto records = Records();
  ASSERT_TRUE(records.ok()) << records.status();
  for (const VectorRecord& r : *records) {
    if (r.Has("Datagram")) continue;
    SCOPED_TRACE(r.Label());
    testing::FixedRandom random(r.Bytes("IV"));
    std::unique_ptr<SkProtector> p = ProtectorFor(r, &random);
    ASSERT_NE(p, nullptr);
    const size_t n = r.Uint("Fragments");
    ASSERT_GE(n, 2u);
    std::vector<Bytes> datagrams;
    for (size_t i = 1; i <= n; ++i) datagrams.push_back(r.Bytes("Datagram" + std::to_string(i)));

    // Reassembled, last fragment first.
    FragmentCollector collector;
    for (size_t i = n; i-- > 0;) {
      absl::StatusOr<FragmentOutcome> out = collector.Add(*p, datagrams[i]);
      ASSERT_TRUE(out.ok()) << i << ": " << out.status();
      if (i > 0) {
        EXPECT_EQ(out->state, FragmentOutcome::State::kIncomplete);
      } else {
        ASSERT_EQ(out->state, FragmentOutcome::State::kComplete);
        EXPECT_EQ(out->payloads, Inner(r));
        EXPECT_EQ(out->header.message_id, HeaderOf(datagrams[0]).message_id);
      }
    }

    absl::StatusOr<std::vector<Bytes>> sealed =
        p->SealFragments(HeaderOf(datagrams[0]), Inner(r), r.Uint("MaxDatagram"));
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    ASSERT_EQ(sealed->size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(ToHex((*sealed)[i]), ToHex(datagrams[i])) << "fragment " << i + 1;
      EXPECT_LE((*sealed)[i].size(), r.Uint("MaxDatagram"));
    }
  }
}

}  // namespace
}  // namespace tunnelisa::ike
