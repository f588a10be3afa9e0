#include "common/bug.h"

#include "gtest/gtest.h"

namespace tunnelisa::internal {
namespace {

int Guarded(int divisor) {
  if (TUNNELISA_BUG_IF(test_zero_divisor, divisor == 0)) return -1;  // the recovery path
  return 100 / divisor;
}

TEST(Bug, AHoldingInvariantCostsNothingAndReportsNothing) {
  const uint64_t before = BugCount();
  EXPECT_EQ(Guarded(4), 25);
  EXPECT_EQ(BugCount(), before);
}

TEST(Bug, ConditionIsEvaluatedOnce) {
  int evaluations = 0;
  EXPECT_FALSE(TUNNELISA_BUG_IF(test_once, ++evaluations == 0));
  EXPECT_EQ(evaluations, 1);
}

#ifdef NDEBUG
TEST(Bug, ReleaseBuildsCountAndRecover) {
  const uint64_t before = BugCount();
  EXPECT_EQ(Guarded(0), -1);
  EXPECT_EQ(Guarded(0), -1);
  EXPECT_EQ(BugCount(), before + 2);
}
#else
TEST(BugDeathTest, DebugBuildsAbortNamingTheBug) {
  EXPECT_DEATH(Guarded(0), "tunnelisa BUG test_zero_divisor at .*bug_test.cc");
}
#endif

}  // namespace
}  // namespace tunnelisa::internal
