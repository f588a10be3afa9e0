// Duplicate IKE SAs (duplicate_ike_sa.cc) between two IkeManagers with the message order in the
// test's hands: both ends initiate at once, and one IKE SA is left; and when the peer no longer
// answers over the IKE SA that should stay, the one marked redundant stays instead.
//
//   A                                       B
//   IKE_SA_INIT(X) -->                <-- IKE_SA_INIT(Y)
//   ... both IKE_SA_INITs and IKE_AUTHs complete: X and Y established at both ends
//   the creator of the redundant one  -->  INFORMATIONAL {} over the kept one
//                                     <--  {}
//   the creator                       -->  INFORMATIONAL {D(IKE)} over the redundant one
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/v2/ike_manager.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike {
namespace {

using ::testing::HasSubstr;
using testing::Pair;
using testing::TestHost;

constexpr uint8_t kInformational = 37;  // RFC 7296 3.1 Exchange Type

// IsInformational: the IKE header's Exchange Type (offset 18; no non-ESP marker on port 500).
bool IsInformational(const std::vector<uint8_t>& d) {
  return d.size() > 18 && d[18] == kInformational;
}

// Deliver: every queued message both ways until quiet; INFORMATIONAL ones are dropped (and
// counted per sender) when `drop_informational`.
void Deliver(Pair& p, bool drop_informational, int* dropped_from_a, int* dropped_from_b) {
  for (int k = 0; k < 64; ++k) {
    bool moved = false;
    for (TestHost* h : {&p.ha, &p.hb}) {
      while (drop_informational && !h->out.empty() && IsInformational(h->out.front())) {
        h->out.pop_front();
        ++*(h == &p.ha ? dropped_from_a : dropped_from_b);
      }
    }
    moved = p.ToB() || moved;
    moved = p.ToA() || moved;
    if (!moved) return;
  }
}

TEST(DuplicateIkeSa, BothEndsInitiateAndOneIkeSaIsLeft) {
  Pair p;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_TRUE(p.b.Initiate(7, p.now).ok());
  int none_a = 0, none_b = 0;
  Deliver(p, false, &none_a, &none_b);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeUp), 2u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 2u);
  EXPECT_EQ(p.a.ike_sa_count(), 1u);
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  EXPECT_EQ(p.a.stats().redundant_ike_sas, 1u);
  EXPECT_EQ(p.b.stats().redundant_ike_sas, 1u);
  EXPECT_THAT(p.ha.Detail(IkeEventKind::kIkeDown), HasSubstr("redundant: a duplicate of IKE SA"));
  EXPECT_THAT(p.hb.Detail(IkeEventKind::kIkeDown), HasSubstr("redundant: a duplicate of IKE SA"));
  // One CHILD SA pair left at each end, and the active ones match.
  EXPECT_EQ(p.ha.children.size(), 1u);
  EXPECT_EQ(p.hb.children.size(), 1u);
  p.ExpectOneAgreedPair();
  // Nothing more to say: no retransmission pending.
  p.now = p.now + Duration::Seconds(20);
  p.a.OnTimer(p.now);
  p.b.OnTimer(p.now);
  EXPECT_TRUE(p.ha.out.empty());
  EXPECT_TRUE(p.hb.out.empty());
}

TEST(DuplicateIkeSa, TheRedundantOneStaysWhenThePeerDoesNotAnswerOverTheKeptOne) {
  Pair p;
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  ASSERT_TRUE(p.b.Initiate(7, p.now).ok());
  int from_a = 0, from_b = 0;
  Deliver(p, true, &from_a, &from_b);
  ASSERT_EQ(p.ha.Count(IkeEventKind::kIkeUp), 2u);
  ASSERT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 2u);
  // Exactly one end (the redundant SA's creator) checked the kept SA: its check was lost.
  ASSERT_EQ(from_a + from_b, 1);
  IkeManager& creator = from_a == 1 ? p.a : p.b;
  TestHost& host = from_a == 1 ? p.ha : p.hb;
  // Its retransmissions are lost too (1 + 2 + 4 + 8 + 16 s, then 32 s to give up).
  for (int s = 1; s <= 70; ++s) {
    p.now = p.now + Duration::Seconds(1);
    p.a.OnTimer(p.now);
    p.b.OnTimer(p.now);
    Deliver(p, true, &from_a, &from_b);
  }
  // The kept SA was given up; the redundant one stays and carries the tunnel.
  EXPECT_EQ(creator.ike_sa_count(), 1u);
  EXPECT_EQ(host.Count(IkeEventKind::kIkeDown), 1u);
  EXPECT_EQ(host.Detail(IkeEventKind::kIkeDown), "dead peer detected (DPD)");
  EXPECT_EQ(host.children.size(), 1u);
  ASSERT_NE(host.Active(), nullptr);
  EXPECT_NE(creator.EstablishedSa(7), nullptr);
}

}  // namespace
}  // namespace tunnelisa::ike
