// ParseExposition: a strict reader of Prometheus' text exposition format (version 0.0.4) for
// tests of what MetricsText and Engine::Metrics write: every sample line belongs to a family
// declared before it by one HELP and one TYPE line (counter or gauge, its samples right after
// it, never declared twice), names and label names are valid, label values are quoted with
// only \\, \" and \n escapes, no label set repeats within a family, and values are numbers.
// Anything else is an error naming the line. Test-only.
#ifndef TUNNELISA_TESTS_TEST_TOOLS_EXPOSITION_H_
#define TUNNELISA_TESTS_TEST_TOOLS_EXPOSITION_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelisa::testing {

struct ExpositionSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> "counter" / "gauge"
  std::map<std::string, std::string> help;   // family -> help text (escaped as written)
  std::vector<ExpositionSample> samples;
  std::vector<std::string> errors;  // "line N: what"
  // Value: the sample of `name` whose labels are exactly `labels`; nullopt when none.
  std::optional<double> Value(std::string_view name,
                              const std::map<std::string, std::string>& labels = {}) const;
  // Sum: the sum over samples of `name` whose labels include `match`.
  double Sum(std::string_view name, const std::map<std::string, std::string>& match = {}) const;
};

Exposition ParseExposition(std::string_view text);

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_TESTS_TEST_TOOLS_EXPOSITION_H_
