// MetricsText against the format's rules (checked by tests/test_tools/exposition.h, whose own
// rejections are tested here too, so a lenient checker cannot pass a broken writer).
#include "tunnelisa/metrics_text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/exposition.h"

namespace tunnelisa {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ParseExposition;

TEST(MetricsText, WritesHelpTypeAndSamples) {
  MetricsText m;
  m.Family("t_packets_total", MetricsText::kCounter, "Packets.");
  m.Sample({{"service", "101"}, {"direction", "in"}}, 12);
  m.Sample({{"service", "101"}, {"direction", "out"}}, 0);
  m.Family("t_up", MetricsText::kGauge, "Up.");
  m.Sample({}, 1);
  EXPECT_EQ(m.text(),
            "# HELP t_packets_total Packets.\n# TYPE t_packets_total counter\n"
            "t_packets_total{service=\"101\",direction=\"in\"} 12\n"
            "t_packets_total{service=\"101\",direction=\"out\"} 0\n"
            "# HELP t_up Up.\n# TYPE t_up gauge\nt_up 1\n");
  testing::Exposition e = ParseExposition(m.text());
  EXPECT_THAT(e.errors, ElementsAre());
  EXPECT_EQ(e.Value("t_packets_total", {{"service", "101"}, {"direction", "in"}}), 12);
  EXPECT_EQ(e.types["t_up"], "gauge");
}

TEST(MetricsText, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(MetricsText::EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  MetricsText m;
  m.Family("t_x_total", MetricsText::kCounter, "Help with \\ and\nnewline.");
  const std::string odd = "tunnel \"a\"\\b\nc";
  m.Sample({{"tunnel", odd}}, 7);
  EXPECT_THAT(m.text(), HasSubstr("# HELP t_x_total Help with \\\\ and\\nnewline.\n"));
  testing::Exposition e = ParseExposition(m.text());
  EXPECT_THAT(e.errors, ElementsAre());
  EXPECT_EQ(e.Value("t_x_total", {{"tunnel", odd}}), 7);  // round trip
}

TEST(MetricsText, NameRules) {
  EXPECT_TRUE(MetricsText::ValidName("tunnelisa_a:b_total", true));
  EXPECT_FALSE(MetricsText::ValidName("9lives", true));
  EXPECT_FALSE(MetricsText::ValidName("a-b", true));
  EXPECT_FALSE(MetricsText::ValidName("a:b", false));
  EXPECT_FALSE(MetricsText::ValidName("__reserved", false));
  EXPECT_TRUE(MetricsText::ValidName("direction", false));
}

TEST(MetricsText, AppendKeepsOneFamilyPerName) {
  MetricsText a;
  a.Family("t_a_total", MetricsText::kCounter, "A.");
  a.Sample({}, 1);
  MetricsText b;
  b.Family("t_b", MetricsText::kGauge, "B.");
  b.Sample({{"k", "v"}}, 2);
  a.Append(std::move(b));
  testing::Exposition e = ParseExposition(a.text());
  EXPECT_THAT(e.errors, ElementsAre());
  EXPECT_EQ(e.Value("t_b", {{"k", "v"}}), 2);
}

TEST(ExpositionChecker, RejectsWhatTheFormatForbids) {
  struct Case {
    const char* text;
    const char* error;
  };
  const std::string head = "# HELP t_total h\n# TYPE t_total counter\n";
  for (const Case& c : {
           Case{"t_total 1\n", "sample outside its declared family"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total{a=\"x} 1\n",
                "unterminated label value"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total{a=x} 1\n",
                "label value not quoted"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total{a=\"\\t\"} 1\n", "bad escape"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total{1a=\"x\"} 1\n",
                "bad label name"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total one\n", "not a number"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total 1\nt_total 2\n",
                "label set repeated"},
           Case{"# HELP t h\n# TYPE t counter\nt 1\n", "counter name without _total"},
           Case{"# HELP t_total h\n# TYPE t_total counter\n# HELP u h\n# TYPE u gauge\n"
                "# HELP t_total h\n",
                "family declared twice"},
           Case{"# HELP t_total h\n# TYPE t_total counter\nt_total 1", "newline"},
       }) {
    testing::Exposition e = ParseExposition(c.text);
    ASSERT_FALSE(e.errors.empty()) << c.text;
    EXPECT_THAT(e.errors.front(), HasSubstr(c.error)) << c.text;
  }
  EXPECT_THAT(ParseExposition(head + "t_total{a=\"x\",b=\"y\"} 3\n").errors, ElementsAre());
}

}  // namespace
}  // namespace tunnelisa
