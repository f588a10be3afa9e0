#include "tunnelisa/config/loader.h"

#include <algorithm>
#include <tuple>

namespace tunnelisa::config {

std::vector<Diagnostic> Locate(const std::vector<Finding>& findings, const SourceMap& sources,
                               std::string_view file, std::string_view prefix) {
  std::vector<Diagnostic> out;
  out.reserve(findings.size());
  for (const Finding& f : findings) {
    Diagnostic d;
    d.location = sources.Find(f.object, f.field).value_or(SourceLocation{std::string(file), 0, 0});
    d.message = std::string(prefix) + f.message;
    out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.location.line, a.location.column) <
           std::tie(b.location.line, b.location.column);
  });
  return out;
}

LoadResult LoadConfigText(std::string_view text, std::string_view file,
                          const ParseOptions& options) {
  ParseResult parsed = ParseConfigText(text, file, options);
  LoadResult result;
  result.config = std::move(parsed.config);
  result.sources = std::move(parsed.sources);
  if (!parsed.errors.empty()) {
    result.errors = std::move(parsed.errors);
    return result;
  }
  ValidationReport report = Validate(result.config);
  result.errors = Locate(report.errors, result.sources, file);
  result.warnings =
      Locate(report.oper_down, result.sources, file, "warning: will be operationally down: ");
  return result;
}

}  // namespace tunnelisa::config
