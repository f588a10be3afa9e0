// Replay window tables in the style of WireGuard's counter selftest: each row is one packet
// (sequence number), whether Check accepts it, and whether Update (after a good ICV) does.
#include "dataplane/anti_replay.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace tunnelisa::dataplane {
namespace {

struct Row {
  int line;
  uint64_t seq;  // full sequence number (low 32 bits go on the wire)
  DropReason expect;
};

void RunTable(ReplayWindow& w, std::initializer_list<Row> rows) {
  for (const Row& r : rows) {
    SCOPED_TRACE(testing::Message() << "row at line " << r.line << " seq " << r.seq);
    ReplayWindow::CheckResult c = w.Check(static_cast<uint32_t>(r.seq));
    if (c.reason != DropReason::kNone) {
      EXPECT_EQ(DropReasonName(c.reason), DropReasonName(r.expect));
      continue;
    }
    EXPECT_EQ(c.seq, r.seq);
    EXPECT_EQ(DropReasonName(w.Update(c.seq)), DropReasonName(r.expect));
  }
}

constexpr DropReason kOk = DropReason::kNone;
constexpr DropReason kReplay = DropReason::kReplayed;
constexpr DropReason kOld = DropReason::kLeftOfWindow;
constexpr DropReason kZero = DropReason::kSeqZero;

TEST(ReplayWindow, Window64Table) {
  ReplayWindow w(64, false);
  RunTable(w, {
                  {__LINE__, 0, kZero},      //  1: zero is never sent
                  {__LINE__, 1, kOk},        //  2
                  {__LINE__, 1, kReplay},    //  3
                  {__LINE__, 2, kOk},        //  4
                  {__LINE__, 64, kOk},       //  5: window now [1, 64]
                  {__LINE__, 3, kOk},        //  6: inside, unseen
                  {__LINE__, 3, kReplay},    //  7
                  {__LINE__, 65, kOk},       //  8: window [2, 65]
                  {__LINE__, 1, kOld},       //  9: fell out
                  {__LINE__, 2, kReplay},    // 10: still inside, seen
                  {__LINE__, 200, kOk},      // 11: big jump
                  {__LINE__, 136, kOld},     // 12: 200 - 64 = 136 is outside
                  {__LINE__, 137, kOk},      // 13: the oldest inside
                  {__LINE__, 137, kReplay},  // 14
                  {__LINE__, 199, kOk},      // 15
                  {__LINE__, 10000, kOk},    // 16: jump past the whole ring
                  {__LINE__, 9999, kOk},     // 17: ring was cleared, not stale
                  {__LINE__, 200, kOld},     // 18
              });
}

TEST(ReplayWindow, LargeWindowTable) {
  ReplayWindow w(4096, false);
  RunTable(w, {
                  {__LINE__, 5000, kOk},
                  {__LINE__, 905, kOk},  // 5000 - 4095
                  {__LINE__, 904, kOld},
                  {__LINE__, 4999, kOk},
                  {__LINE__, 905, kReplay},
                  {__LINE__, 9095, kOk},  // slides 4095: 5000 leaves? 9095-4096=4999 -> out
                  {__LINE__, 4999, kOld},
                  {__LINE__, 5000, kReplay},
              });
}

TEST(ReplayWindow, DisabledAcceptsReplays) {
  ReplayWindow w(0, false);
  RunTable(w, {{__LINE__, 5, kOk}, {__LINE__, 5, kOk}, {__LINE__, 1, kOk}, {__LINE__, 0, kZero}});
}

TEST(ReplayWindow, UpdateCatchesDuplicateWithinOneBurst) {
  ReplayWindow w(64, false);
  // Both copies pass Check before either updates (one burst), the second Update refuses it.
  EXPECT_EQ(w.Check(7).reason, kOk);
  EXPECT_EQ(w.Check(7).reason, kOk);
  EXPECT_EQ(w.Update(7), kOk);
  EXPECT_EQ(w.Update(7), kReplay);
}

TEST(ReplayWindow, UpdateCatchesPacketThatFellOutDuringTheBurst) {
  ReplayWindow w(64, false);
  ASSERT_EQ(w.Update(10), kOk);
  EXPECT_EQ(w.Check(5).reason, kOk);
  EXPECT_EQ(w.Update(100), kOk);
  EXPECT_EQ(w.Update(5), kOld);
}

// RFC 4303 appendix A2: the high-order bits are inferred from the window position.
TEST(ReplayWindow, EsnTableAcrossTheBoundary) {
  constexpr uint64_t k2_32 = uint64_t{1} << 32;
  ReplayWindow w(64, true);
  RunTable(w, {
                  {__LINE__, 0xfffffff0, kOk},      // case A: Th = 0
                  {__LINE__, k2_32 + 2, kOk},       // low 2 < bottom: Seqh = Th + 1
                  {__LINE__, 0xfffffff1, kOk},      // case B: low >= bottom -> Th - 1 = 0
                  {__LINE__, 0xfffffff0, kReplay},  // inferred in subspace 0, already seen
                  {__LINE__, k2_32 + 2, kReplay},
                  {__LINE__, k2_32 + 0, kOk},  // low 0 in subspace 1 is valid with ESN
                  {__LINE__, k2_32 + 1, kOk},
                  {__LINE__, k2_32 + 5, kOk},           // case B, low 5 < bottom: Seqh = Th
                  {__LINE__, k2_32 + 0x7fffffff, kOk},  // ahead: low < bottom -> Th
                  {__LINE__, 2 * k2_32 - 1, kOk},       // case A: end of subspace 1
                  {__LINE__, 2 * k2_32 + 5, kOk},       // case A again: wraps into subspace 2
                  {__LINE__, 2 * k2_32 - 1, kReplay},   // case B: back in subspace 1, seen
              });
  EXPECT_EQ(w.top(), 2 * k2_32 + 5);
}

TEST(ReplayWindow, EsnBeforeTheFirstSubspaceStaysInIt) {
  ReplayWindow w(64, true);
  // Top = 0 is case B with Th = 0: there is no subspace before 0, so a high low value means
  // a jump ahead within subspace 0 (a sender that started high, as test peers do).
  ReplayWindow::CheckResult c = w.Check(0xfffffffe);
  EXPECT_EQ(c.reason, kOk);
  EXPECT_EQ(c.seq, 0xfffffffeu);
  EXPECT_EQ(w.Check(0).reason, kZero);
}

TEST(ReplayWindow, BitmapSizeFollowsWindow) {
  EXPECT_EQ(ReplayWindow(64, false).bitmap_bytes(), 16u);        // 2 blocks
  EXPECT_EQ(ReplayWindow(4096, false).bitmap_bytes(), 1024u);    // 65 -> 128 blocks
  EXPECT_EQ(ReplayWindow(65536, false).bitmap_bytes(), 16384u);  // 1025 -> 2048 blocks
}

}  // namespace
}  // namespace tunnelisa::dataplane
