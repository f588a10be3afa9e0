#include "ike/protect/fragments.h"

#include <algorithm>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/codec/errors.h"
#include "ike/protect/protect_test_util.h"

namespace tunnelisa::ike {
namespace {

using testing::Bytes;
using ::testing::HasSubstr;
using testing::MakePeers;
using testing::Peers;
using testing::SampleHeader;
using testing::SamplePayloads;
using testing::SomeSuites;
using State = FragmentOutcome::State;

const SkSuite kGcm{IkeEncrId::kAesGcm16, 256, IkeIntegId::kNone};
const SkSuite kCbc{IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128};

std::vector<Bytes> Fragments(SkProtector& p, size_t max, uint32_t message_id = 1,
                             size_t extra = 1500, uint8_t flags = kFlagInitiator) {
  auto f = p.SealFragments(SampleHeader(message_id, flags), SamplePayloads(extra), max);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *f : std::vector<Bytes>{};
}

// Feeds all of `datagrams`; returns the outcome of the last one.
absl::StatusOr<FragmentOutcome> AddAll(FragmentCollector& c, SkProtector& p,
                                       const std::vector<Bytes>& datagrams) {
  absl::StatusOr<FragmentOutcome> last = absl::UnknownError("nothing added");
  for (const Bytes& d : datagrams) last = c.Add(p, d);
  return last;
}

TEST(SealFragments, SplitsToTheSizeAndReassemblesAtSeveralSizes) {
  for (const SkSuite& suite : SomeSuites()) {
    SCOPED_TRACE(SkSuiteName(suite));
    Peers p = MakePeers(suite);
    const size_t overhead = kHeaderSize + 8 + p.a->sizes().iv + p.a->sizes().icv;
    const size_t tiny = overhead + 2 * p.a->sizes().block + 1;
    for (size_t max : {size_t{576}, size_t{1280}, tiny}) {
      SCOPED_TRACE(max);
      const std::vector<Payload> payloads = SamplePayloads(1500);
      auto sealed = p.a->SealFragments(SampleHeader(9), payloads, max);
      ASSERT_TRUE(sealed.ok()) << sealed.status();
      Writer w;
      ASSERT_TRUE(SerializePayloadChain(payloads, w).ok());
      const size_t chunk = p.a->MaxFragmentContent(max);
      ASSERT_GT(chunk, 0u);
      EXPECT_EQ(sealed->size(), (w.size() + chunk - 1) / chunk);
      for (size_t i = 0; i < sealed->size(); ++i) {
        EXPECT_LE((*sealed)[i].size(), max) << i;
        if (i + 1 < sealed->size()) {
          EXPECT_GT((*sealed)[i].size() + p.a->sizes().block, max) << "fragment " << i << " full";
        }
      }
      FragmentCollector c({.max_fragments = 0xffff, .max_bytes = 1 << 20});
      for (size_t i = 0; i < sealed->size(); ++i) {
        absl::StatusOr<FragmentOutcome> out = c.Add(*p.b, (*sealed)[i]);
        ASSERT_TRUE(out.ok()) << i << ": " << out.status();
        if (i + 1 < sealed->size()) {
          EXPECT_EQ(out->state, State::kIncomplete);
        } else {
          ASSERT_EQ(out->state, State::kComplete);
          EXPECT_EQ(out->payloads, payloads);
          EXPECT_EQ(out->header.message_id, 9u);
          EXPECT_EQ(out->header.next_payload,
                    static_cast<uint8_t>(PayloadType::kEncryptedFragment));
        }
      }
      EXPECT_EQ(c.buffered_bytes(), 0u);
      EXPECT_FALSE(c.in_progress(false).has_value());
    }
  }
}

TEST(SealFragments, RejectsSizesThatHoldNothing) {
  Peers p = MakePeers(kCbc);
  const size_t overhead = kHeaderSize + 8 + 16 + 16;
  EXPECT_EQ(p.a->MaxFragmentContent(overhead), 0u);
  EXPECT_EQ(p.a->MaxFragmentContent(overhead + 15), 0u);
  EXPECT_EQ(p.a->MaxFragmentContent(overhead + 16), 15u);
  auto r = p.a->SealFragments(SampleHeader(), SamplePayloads(), overhead + 15);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  Peers g = MakePeers(kGcm);
  EXPECT_EQ(g.a->MaxFragmentContent(kHeaderSize + 8 + 8 + 16 + 1), 0u);
  EXPECT_EQ(g.a->MaxFragmentContent(kHeaderSize + 8 + 8 + 16 + 2), 1u);
  // Over 65535 fragments.
  std::vector<Payload> huge = SamplePayloads(40000);
  huge.push_back(Payload::Make(PayloadType::kVendorId, VendorIdPayload{.id = Bytes(40000, 1)}));
  auto many = g.a->SealFragments(SampleHeader(), huge, kHeaderSize + 8 + 8 + 16 + 2);
  EXPECT_EQ(many.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FragmentCollector, SingleAndEmptyMessages) {
  Peers p = MakePeers(kGcm);
  FragmentCollector c;
  std::vector<Bytes> one = Fragments(*p.a, 1280, 1, 10);
  ASSERT_EQ(one.size(), 1u);
  absl::StatusOr<FragmentOutcome> out = c.Add(*p.b, one[0]);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
  EXPECT_EQ(out->payloads, SamplePayloads(10));

  auto empty = p.a->SealFragments(SampleHeader(2), {}, 576);
  ASSERT_TRUE(empty.ok());
  ASSERT_EQ(empty->size(), 1u);
  out = c.Add(*p.b, (*empty)[0]);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
  EXPECT_TRUE(out->payloads.empty());
}

TEST(FragmentCollector, OutOfOrderWithDuplicates) {
  Peers p = MakePeers(kCbc);
  std::vector<Bytes> f = Fragments(*p.a, 576);
  ASSERT_GE(f.size(), 4u);
  std::vector<size_t> order(f.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  FragmentCollector c;
  for (size_t k = 0; k < order.size(); ++k) {
    absl::StatusOr<FragmentOutcome> out = c.Add(*p.b, f[order[k]]);
    ASSERT_TRUE(out.ok()) << out.status();
    if (k + 1 == order.size()) {
      ASSERT_EQ(out->state, State::kComplete);
      EXPECT_EQ(out->payloads, SamplePayloads(1500));
      break;
    }
    EXPECT_EQ(out->state, State::kIncomplete);
    // Each stored fragment again, and an earlier one: duplicates, dropped before crypto.
    EXPECT_EQ(c.Add(*p.b, f[order[k]]).status().code(), absl::StatusCode::kAlreadyExists);
    EXPECT_EQ(c.Add(*p.b, f[order[0]]).status().code(), absl::StatusCode::kAlreadyExists);
  }
}

TEST(FragmentCollector, MissingFragmentNeverCompletes) {
  Peers p = MakePeers(kGcm);
  std::vector<Bytes> f = Fragments(*p.a, 576, 4);
  ASSERT_GE(f.size(), 3u);
  FragmentCollector c;
  for (size_t i = 0; i < f.size(); ++i) {
    if (i == 1) continue;
    absl::StatusOr<FragmentOutcome> out = c.Add(*p.b, f[i]);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->state, State::kIncomplete);
  }
  EXPECT_EQ(c.in_progress(false), 4u);
  EXPECT_GT(c.buffered_bytes(), 0u);
  c.Clear();  // the reassembly timer fired
  EXPECT_EQ(c.buffered_bytes(), 0u);
  EXPECT_FALSE(c.in_progress(false).has_value());
}

TEST(FragmentCollector, ForgedFragmentsAreNotStored) {
  Peers p = MakePeers(kCbc);
  std::vector<Bytes> f = Fragments(*p.a, 576, 6);
  ASSERT_GE(f.size(), 3u);
  FragmentCollector c;
  ASSERT_TRUE(c.Add(*p.b, f[0]).ok());
  // A corrupted copy of fragment 2: ICV failure, and the genuine one is still welcome.
  Bytes bad = f[1];
  bad[bad.size() - 40] ^= 1;
  absl::Status s = c.Add(*p.b, bad).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  // An attacker's fragments (other keys) with a larger Total Fragments and a newer Message ID
  // neither restart nor replace the reassembly.
  Peers attacker = MakePeers(kCbc);
  SkKeys keys = testing::KeysFor(attacker.a->sizes(), 0);
  keys.integ_out = SecretBytes(testing::Pattern(32, 0x55));
  auto forger = SkProtector::Create(kCbc, std::move(keys));
  ASSERT_TRUE(forger.ok());
  for (const Bytes& forged : {Fragments(**forger, 300, 6)[1], Fragments(**forger, 576, 7)[0]}) {
    EXPECT_EQ(c.Add(*p.b, forged).status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(c.in_progress(false), 6u);
  }
  absl::StatusOr<FragmentOutcome> out = AddAll(c, *p.b, std::vector<Bytes>(f.begin() + 1, f.end()));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
}

TEST(FragmentCollector, TotalFragmentsChanges) {
  Peers p = MakePeers(kGcm);
  // The same message cut two ways (a sender re-fragmenting after a PMTU change).
  std::vector<Bytes> coarse = Fragments(*p.a, 1280, 3);
  std::vector<Bytes> fine = Fragments(*p.a, 576, 3);
  ASSERT_LT(coarse.size(), fine.size());

  FragmentCollector c;
  ASSERT_TRUE(c.Add(*p.b, fine[0]).ok());
  // Fewer Total Fragments than the reassembly in progress: dropped.
  absl::Status s = c.Add(*p.b, coarse[0]).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("Total Fragments"));

  FragmentCollector d;
  ASSERT_TRUE(d.Add(*p.b, coarse[0]).ok());
  const size_t before = d.buffered_bytes();
  // More: start over with just this fragment.
  absl::StatusOr<FragmentOutcome> out = d.Add(*p.b, fine[1]);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kIncomplete);
  EXPECT_LT(d.buffered_bytes(), before);
  EXPECT_EQ(d.Add(*p.b, coarse[1]).status().code(), absl::StatusCode::kInvalidArgument);
  out = AddAll(d, *p.b, {fine[0]});
  for (size_t i = 2; i < fine.size(); ++i) out = d.Add(*p.b, fine[i]);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
  EXPECT_EQ(out->payloads, SamplePayloads(1500));
}

TEST(FragmentCollector, BoundsAreEnforced) {
  Peers p = MakePeers(kGcm);
  std::vector<Bytes> f = Fragments(*p.a, 200, 1, 3000);
  ASSERT_GT(f.size(), 8u);
  // Too many fragments: refused before any crypto (even a forged one would be).
  FragmentCollector few({.max_fragments = 8});
  for (const Bytes& d : f) {
    EXPECT_EQ(few.Add(*p.b, d).status().code(), absl::StatusCode::kResourceExhausted);
  }
  EXPECT_EQ(few.buffered_bytes(), 0u);
  // Too many bytes: the whole reassembly goes.
  FragmentCollector small({.max_fragments = 64, .max_bytes = 1000});
  absl::Status last;
  size_t accepted = 0;
  for (const Bytes& d : f) {
    last = small.Add(*p.b, d).status();
    if (!last.ok()) break;
    ++accepted;
    EXPECT_LE(small.buffered_bytes(), 1000u);
  }
  EXPECT_EQ(last.code(), absl::StatusCode::kResourceExhausted) << last;
  EXPECT_LT(accepted, f.size());
  EXPECT_EQ(small.buffered_bytes(), 0u);
  EXPECT_FALSE(small.in_progress(false).has_value());
}

TEST(FragmentCollector, MessageIdsAndDirections) {
  Peers p = MakePeers(kCbc);
  std::vector<Bytes> m5 = Fragments(*p.a, 576, 5);
  std::vector<Bytes> m6 = Fragments(*p.a, 576, 6);
  std::vector<Bytes> r5 = Fragments(*p.a, 576, 5, 1500, kFlagResponse);
  FragmentCollector c;
  ASSERT_TRUE(c.Add(*p.b, m5[0]).ok());
  ASSERT_TRUE(c.Add(*p.b, r5[0]).ok());  // the other direction has its own slot
  EXPECT_EQ(c.in_progress(false), 5u);
  EXPECT_EQ(c.in_progress(true), 5u);
  // A newer message discards the older one.
  ASSERT_TRUE(c.Add(*p.b, m6[1]).ok());
  EXPECT_EQ(c.in_progress(false), 6u);
  EXPECT_EQ(c.Add(*p.b, m5[1]).status().code(), absl::StatusCode::kOutOfRange);
  absl::StatusOr<FragmentOutcome> out = c.Add(*p.b, m6[0]);
  for (size_t i = 2; i < m6.size(); ++i) out = c.Add(*p.b, m6[i]);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
  // The response is still collecting.
  out = AddAll(c, *p.b, std::vector<Bytes>(r5.begin() + 1, r5.end()));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
  EXPECT_TRUE(out->header.response());
}

TEST(FragmentCollector, RetransmittedFragmentsOfACompletedMessage) {
  Peers p = MakePeers(kGcm);
  std::vector<Bytes> f = Fragments(*p.a, 576, 8);
  FragmentCollector c;
  absl::StatusOr<FragmentOutcome> out = AddAll(c, *p.b, f);
  ASSERT_TRUE(out.ok() && out->state == State::kComplete);
  // RFC 7383 2.6.1: only fragment 1 signals a retransmission; the rest are ignored.
  out = c.Add(*p.b, f[0]);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kRetransmission);
  EXPECT_EQ(c.Add(*p.b, f[1]).status().code(), absl::StatusCode::kAlreadyExists);
  Bytes forged = f[0];
  forged.back() ^= 0x80;
  EXPECT_EQ(c.Add(*p.b, forged).status().code(), absl::StatusCode::kPermissionDenied);
  // Older messages are stale.
  std::vector<Bytes> older = Fragments(*p.a, 576, 7);
  EXPECT_EQ(c.Add(*p.b, older[0]).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(FragmentCollector, ExchangeTypeMustNotChange) {
  Peers p = MakePeers(kGcm);
  auto a = p.a->SealFragments(SampleHeader(3), SamplePayloads(1500), 576);
  auto b = p.a->SealFragments(SampleHeader(3, kFlagInitiator, ExchangeType::kInformational),
                              SamplePayloads(1500), 576);
  ASSERT_TRUE(a.ok() && b.ok());
  FragmentCollector c;
  ASSERT_TRUE(c.Add(*p.b, (*a)[0]).ok());
  EXPECT_EQ(c.Add(*p.b, (*b)[1]).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FragmentCollector, MalformedReassembledChainCarriesTheNotify) {
  Peers p = MakePeers(kGcm);
  // Two authenticated fragments whose concatenation is a Notify with a Payload Length of 2.
  const FragmentFields f1{.number = 1, .total = 2}, f2{.number = 2, .total = 2};
  auto d1 = p.a->SealPlaintext(SampleHeader(), static_cast<uint8_t>(PayloadType::kNotify),
                               Bytes{0, 0, 0}, &f1);
  auto d2 = p.a->SealPlaintext(SampleHeader(), 0, Bytes{2, 0}, &f2);
  ASSERT_TRUE(d1.ok() && d2.ok());
  FragmentCollector c;
  ASSERT_TRUE(c.Add(*p.b, *d1).ok());
  absl::Status s = c.Add(*p.b, *d2).status();
  ASSERT_TRUE(GetNotifyToSend(s).has_value()) << s;
  EXPECT_EQ(GetNotifyToSend(s)->type, NotifyType::kInvalidSyntax);
  EXPECT_THAT(std::string(s.message()), HasSubstr("reassembled"));
  EXPECT_EQ(c.buffered_bytes(), 0u);
}

TEST(FragmentCollector, SurvivesHostileInput) {
  Peers p = MakePeers(kCbc);
  std::vector<Bytes> f = Fragments(*p.a, 300, 2, 2000);
  FragmentCollector c;
  std::mt19937 rng(1);
  for (int round = 0; round < 3000; ++round) {
    Bytes d = f[rng() % f.size()];
    switch (rng() % 4) {
      case 0:  // random octets flipped
        for (int k = 0; k < 3; ++k) d[rng() % d.size()] ^= static_cast<uint8_t>(rng());
        break;
      case 1:  // truncated
        d.resize(rng() % d.size());
        break;
      case 2:  // garbage
        d.resize(rng() % 600);
        for (uint8_t& b : d) b = static_cast<uint8_t>(rng());
        break;
      default:  // fragment fields changed
        if (d.size() > 36) {
          d[32 + rng() % 4] = static_cast<uint8_t>(rng());
        }
        break;
    }
    (void)c.Add(*p.b, d);
    EXPECT_LE(c.buffered_bytes(), FragmentLimits{}.max_bytes);
  }
  // Genuine fragments of the next message still reassemble afterwards.
  c.Clear();
  absl::StatusOr<FragmentOutcome> out = AddAll(c, *p.b, Fragments(*p.a, 300, 3, 2000));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->state, State::kComplete);
}

}  // namespace
}  // namespace tunnelisa::ike
