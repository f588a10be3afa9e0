// The guide's tunnel-group redundancy rules, each on its own (isa_groups.h).
#include "engine/isa_groups.h"

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa {
namespace {

using config::IsaSlot;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Change = IsaGroups::Change;

IsaSlot S(uint8_t card, uint8_t mda = 1) { return IsaSlot{card, mda}; }

// Groups 1 and 2 share backup 3/1; group 5 is multi-active over 5/1..8/1 with 2 active.
config::Config Groups(const std::string& extra = "") {
  return config::testing::ParseOk(
      "config isa\n"
      "  tunnel-group 1 create\n    primary 1/1\n    backup 3/1\n    no shutdown\n  exit\n"
      "  tunnel-group 2 create\n    primary 2/1\n    backup 3/1\n    no shutdown\n  exit\n"
      "  tunnel-group 5 create multi-active\n    mda 5/1\n    mda 6/1\n    mda 7/1\n"
      "    mda 8/1\n    active-mda-number 2\n    no shutdown\n  exit\n" +
      extra + "exit all\n");
}

std::vector<IsaSlot> Active(const IsaGroups& g, uint32_t id) {
  auto it = g.assignments().find(id);
  return it == g.assignments().end() ? std::vector<IsaSlot>{} : it->second.active;
}
std::string Reason(const IsaGroups& g, uint32_t id) { return g.assignments().at(id).down_reason; }

TEST(IsaGroups, PrimariesAndTheFirstMdasStartActiveWithoutEvents) {
  IsaGroups g;
  EXPECT_TRUE(g.Configure(Groups()).empty());
  EXPECT_THAT(Active(g, 1), ElementsAre(S(1)));
  EXPECT_THAT(Active(g, 2), ElementsAre(S(2)));
  EXPECT_THAT(Active(g, 5), ElementsAre(S(5), S(6)));
}

TEST(IsaGroups, PrimaryFailureMovesTheGroupToItsBackup) {
  IsaGroups g;
  g.Configure(Groups());
  std::vector<Change> c = g.SetHealth(S(1), false);
  EXPECT_THAT(c,
              ElementsAre(Change{IsaEventKind::kIsaFailed, 0, S(1), "reported failed by the host"},
                          Change{IsaEventKind::kIsaStandby, 1, S(1), "ISA 1/1 failed"},
                          Change{IsaEventKind::kIsaActive, 1, S(3), "ISA 1/1 failed"}));
  EXPECT_THAT(Active(g, 1), ElementsAre(S(3)));
  EXPECT_THAT(Active(g, 2), ElementsAre(S(2)));   // untouched
  EXPECT_TRUE(g.SetHealth(S(1), false).empty());  // no change, no event
}

TEST(IsaGroups, DoubleFailureOnASharedBackupTakesTheSecondGroupDown) {
  IsaGroups g;
  g.Configure(Groups());
  g.SetHealth(S(1), false);  // group 1 on backup 3/1
  std::vector<Change> c = g.SetHealth(S(2), false);
  EXPECT_THAT(Active(g, 1), ElementsAre(S(3)));
  EXPECT_THAT(Active(g, 2), ElementsAre());
  EXPECT_EQ(Reason(g, 2),
            "primary ISA 2/1 failed; backup ISA 3/1 is in use by tunnel-group 1 (no double "
            "failure support)");
  EXPECT_THAT(c, Contains(Change{IsaEventKind::kGroupDown, 2, IsaSlot{}, Reason(g, 2)}));
  // Group 2's primary comes back: it is up again there; group 1 stays on the backup.
  c = g.SetHealth(S(2), true);
  EXPECT_THAT(Active(g, 2), ElementsAre(S(2)));
  EXPECT_THAT(Active(g, 1), ElementsAre(S(3)));
  EXPECT_THAT(c,
              Contains(Change{IsaEventKind::kGroupUp, 2, S(2), "on ISA 2/1 (ISA 2/1 recovered)"}));
}

TEST(IsaGroups, RecoveryDoesNotRevert) {
  IsaGroups g;
  g.Configure(Groups());
  g.SetHealth(S(1), false);
  std::vector<Change> c = g.SetHealth(S(1), true);
  EXPECT_THAT(
      c, ElementsAre(Change{IsaEventKind::kIsaRecovered, 0, S(1), "reported healthy by the host"}));
  EXPECT_THAT(Active(g, 1), ElementsAre(S(3)));
  // The backup fails in turn: back to the (healthy) primary.
  g.SetHealth(S(3), false);
  EXPECT_THAT(Active(g, 1), ElementsAre(S(1)));
  // Shut down and up again: from the primary.
  g.SetHealth(S(3), true);
  g.SetHealth(S(1), false);
  g.SetHealth(S(1), true);
  EXPECT_THAT(Active(g, 1), ElementsAre(S(3)));
  g.Configure(Groups("  tunnel-group 1 shutdown\n"));
  EXPECT_THAT(Active(g, 1), ElementsAre());
  g.Configure(Groups());
  EXPECT_THAT(Active(g, 1), ElementsAre(S(1)));
}

TEST(IsaGroups, FailedBackupOrNoBackupLeavesTheGroupDown) {
  IsaGroups g;
  g.Configure(Groups("  tunnel-group 4 create\n    primary 4/1\n    no shutdown\n  exit\n"));
  g.SetHealth(S(4), false);
  EXPECT_EQ(Reason(g, 4), "primary ISA 4/1 failed and no backup ISA is configured");
  g.SetHealth(S(3), false);
  g.SetHealth(S(1), false);
  EXPECT_EQ(Reason(g, 1), "primary ISA 1/1 failed and backup ISA 3/1 failed too");
  // The backup recovers: the group comes up there.
  std::vector<Change> c = g.SetHealth(S(3), true);
  EXPECT_THAT(Active(g, 1), ElementsAre(S(3)));
  EXPECT_THAT(c,
              Contains(Change{IsaEventKind::kGroupUp, 1, S(3), "on ISA 3/1 (ISA 3/1 recovered)"}));
}

TEST(IsaGroups, MultiActiveStandbyReplacesAFailedActive) {
  IsaGroups g;
  g.Configure(Groups());
  std::vector<Change> c = g.SetHealth(S(5), false);
  EXPECT_THAT(Active(g, 5), ElementsAre(S(6), S(7)));
  EXPECT_THAT(c,
              ElementsAre(Change{IsaEventKind::kIsaFailed, 0, S(5), "reported failed by the host"},
                          Change{IsaEventKind::kIsaStandby, 5, S(5), "ISA 5/1 failed"},
                          Change{IsaEventKind::kIsaActive, 5, S(7), "ISA 5/1 failed"}));
  // A standby failing changes nothing active.
  c = g.SetHealth(S(8), false);
  EXPECT_THAT(Active(g, 5), ElementsAre(S(6), S(7)));
  EXPECT_EQ(c.size(), 1u);
  // The recovered ISA is a standby now.
  g.SetHealth(S(5), true);
  EXPECT_THAT(Active(g, 5), ElementsAre(S(6), S(7)));
}

TEST(IsaGroups, MultiActiveWithNoStandbyLeftIsDown) {
  IsaGroups g;
  g.Configure(Groups());
  g.SetHealth(S(7), false);
  g.SetHealth(S(8), false);
  std::vector<Change> c = g.SetHealth(S(6), false);
  EXPECT_THAT(Active(g, 5), ElementsAre());
  EXPECT_THAT(Reason(g, 5), HasSubstr("no standby ISA is left"));
  EXPECT_THAT(c, Contains(Change{IsaEventKind::kGroupDown, 5, IsaSlot{}, Reason(g, 5)}));
  c = g.SetHealth(S(8), true);
  EXPECT_THAT(Active(g, 5), ElementsAre(S(5), S(8)));
}

}  // namespace
}  // namespace tunnelisa
