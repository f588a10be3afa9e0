// SyslogDropReporter on simulated time: at most one report per reason per interval, counts
// and windows exact, unwatched reasons silent.
#include <array>
#include <cstddef>
#include <vector>

#include "gtest/gtest.h"
#include "tunnelisa/syslog_events.h"

namespace tunnelisa {
namespace {

using Counters = std::array<uint64_t, kNumDropReasons>;
using Report = SyslogDropReporter::Report;

MonoTime At(int64_t ms) { return MonoTime{} + Duration::Milliseconds(ms); }
uint64_t& Of(Counters& c, DropReason r) { return c[static_cast<size_t>(r)]; }

TEST(SyslogDropReporterTest, FirstPollIsTheBaseline) {
  SyslogDropReporter r;
  Counters c{};
  Of(c, DropReason::kBadIcv) = 1000;  // dropped before the reporter started
  EXPECT_TRUE(r.Poll(At(0), c).empty());
  EXPECT_TRUE(r.Poll(At(1000), c).empty());  // nothing new
}

TEST(SyslogDropReporterTest, LoneDropReportedAtOnceThenHeldForAnInterval) {
  SyslogDropReporter r(Duration::Seconds(10));
  Counters c{};
  ASSERT_TRUE(r.Poll(At(0), c).empty());
  Of(c, DropReason::kBadIcv) = 3;
  std::vector<Report> out = r.Poll(At(1000), c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, DropReason::kBadIcv);
  EXPECT_EQ(out[0].packets, 3u);
  EXPECT_EQ(out[0].window, Duration::Seconds(1));
  // More within the interval: held, whatever the number of polls.
  for (int64_t t = 2000; t < 11000; t += 1000) {
    Of(c, DropReason::kBadIcv) += 2;
    EXPECT_TRUE(r.Poll(At(t), c).empty()) << t;
  }
  // Ten seconds after the report: everything since, in one message, over those 10 s.
  Of(c, DropReason::kBadIcv) += 1;
  out = r.Poll(At(11000), c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].packets, 9u * 2 + 1);
  EXPECT_EQ(out[0].window, Duration::Seconds(10));
  // Quiet for a while, then one drop: reported at once, over the last poll period.
  EXPECT_TRUE(r.Poll(At(30000), c).empty());
  Of(c, DropReason::kBadIcv) += 1;
  out = r.Poll(At(31000), c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].packets, 1u);
  EXPECT_EQ(out[0].window, Duration::Seconds(1));
}

TEST(SyslogDropReporterTest, ReasonsAreLimitedIndependently) {
  SyslogDropReporter r(Duration::Seconds(10));
  Counters c{};
  ASSERT_TRUE(r.Poll(At(0), c).empty());
  Of(c, DropReason::kBadIcv) = 1;
  ASSERT_EQ(r.Poll(At(1000), c).size(), 1u);
  Of(c, DropReason::kReplayed) = 4;  // bad-icv was just reported; replayed was not
  Of(c, DropReason::kBadIcv) = 2;
  std::vector<Report> out = r.Poll(At(2000), c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, DropReason::kReplayed);
  EXPECT_EQ(out[0].packets, 4u);
}

TEST(SyslogDropReporterTest, OnlyWatchedReasons) {
  Counters c{};
  SyslogDropReporter esp;  // DefaultReasons: ESP errors only
  SyslogDropReporter all(Duration::Seconds(10), SyslogDropReporter::AllReasons());
  ASSERT_TRUE(esp.Poll(At(0), c).empty());
  ASSERT_TRUE(all.Poll(At(0), c).empty());
  Of(c, DropReason::kNoRoute) = 7;
  Of(c, DropReason::kIkeNegotiating) = 2;
  EXPECT_TRUE(esp.Poll(At(1000), c).empty());
  std::vector<Report> out = all.Poll(At(1000), c);
  ASSERT_EQ(out.size(), 2u);  // in DropReason order
  EXPECT_EQ(out[0].reason, DropReason::kNoRoute);
  EXPECT_EQ(out[1].reason, DropReason::kIkeNegotiating);
  const SyslogDropReporter::Reasons d = SyslogDropReporter::DefaultReasons();
  for (DropReason want : {DropReason::kUnknownSpi, DropReason::kReplayed, DropReason::kBadIcv,
                          DropReason::kBadPadding, DropReason::kCryptoError}) {
    EXPECT_TRUE(d.test(static_cast<size_t>(want))) << DropReasonName(want);
  }
  EXPECT_FALSE(d.test(static_cast<size_t>(DropReason::kNone)));
  EXPECT_FALSE(SyslogDropReporter::AllReasons().test(static_cast<size_t>(DropReason::kNone)));
}

TEST(SyslogDropReporterTest, CounterGoingDownIsANewBaseline) {
  SyslogDropReporter r;
  Counters c{};
  Of(c, DropReason::kBadIcv) = 50;
  ASSERT_TRUE(r.Poll(At(0), c).empty());
  Of(c, DropReason::kBadIcv) = 5;  // a new engine's counters
  EXPECT_TRUE(r.Poll(At(1000), c).empty());
  Of(c, DropReason::kBadIcv) = 6;
  std::vector<Report> out = r.Poll(At(2000), c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].packets, 1u);
}

// A flood of one minute, polled every 100 ms: one report per interval, none lost.
TEST(SyslogDropReporterTest, FloodCostsOneReportPerInterval) {
  SyslogDropReporter r(Duration::Seconds(10));
  Counters c{};
  ASSERT_TRUE(r.Poll(At(0), c).empty());
  std::vector<std::pair<int64_t, Report>> reports;
  uint64_t dropped = 0;
  for (int64_t t = 100; t <= 60000; t += 100) {
    Of(c, DropReason::kBadIcv) += 1000;
    dropped += 1000;
    for (const Report& rep : r.Poll(At(t), c)) reports.push_back({t, rep});
  }
  // Reports at 0.1 s, 10.1 s, ... 50.1 s.
  ASSERT_EQ(reports.size(), 6u);
  uint64_t reported = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].first, 100 + 10000 * static_cast<int64_t>(i));
    if (i > 0) {
      EXPECT_EQ(reports[i].second.window, Duration::Seconds(10));
    }
    reported += reports[i].second.packets;
  }
  // What is still held is reported at the next due poll.
  std::vector<Report> last = r.Poll(At(60100), c);
  ASSERT_EQ(last.size(), 1u);
  reported += last[0].packets;
  EXPECT_EQ(reported, dropped);
}

}  // namespace
}  // namespace tunnelisa
