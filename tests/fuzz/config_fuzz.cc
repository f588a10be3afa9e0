// libFuzzer target: the configuration text parser, and everything that consumes its output.
// Build with clang and -DTUNNELISA_FUZZ=ON; seeds: tests/vectors/configs/ (and broken/).
//
// Checks, besides "no crash, no hang, no sanitizer report":
//  - whatever parses without errors is written back canonically and re-parses to an equal
//    model whose canonical text is the same (parse(write(x)) == x);
//  - validation, the configuration-derived runtime view, every show command (text and JSON)
//    and change planning run on every model the parser accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tunnelisa/config/diff.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/config/parser.h"
#include "tunnelisa/config/runtime_view.h"
#include "tunnelisa/config/show.h"
#include "tunnelisa/config/validator.h"
#include "tunnelisa/config/writer.h"

namespace {

using namespace tunnelisa::config;

void Check(bool ok) {
  if (!ok) std::abort();
}

void ShowEverything(const Config& c, const RuntimeView& rt) {
  std::vector<std::vector<std::string>> commands = {
      {"isa", "tunnel-group"}, {"ip", "tunnel"}, {"ipsec", "tunnel"}, {"ipsec", "security-policy"}};
  for (const auto& [id, s] : c.services) {
    commands.push_back({"router", std::to_string(id), "route-table"});
    for (const auto& [name, i] : s.interfaces) {
      if (!i.sap) continue;
      if (i.sap->ip_tunnel) commands.push_back({"ip", "tunnel", i.sap->ip_tunnel->name});
      for (const auto& [t, tunnel] : i.sap->ipsec_tunnels) {
        commands.push_back({"ipsec", "tunnel", t});
      }
    }
    if (commands.size() > 64) break;
  }
  for (const auto& words : commands) {
    for (ShowFormat f : {ShowFormat::kText, ShowFormat::kJson}) {
      Check(RenderShow(c, rt, words, f).ok());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseResult parsed = ParseConfigText(text, "fuzz.cfg");
  if (!parsed.ok()) return 0;
  const Config& c = parsed.config;

  std::string written = WriteConfig(c);
  ParseResult again = ParseConfigText(written, "written.cfg");
  Check(again.ok());
  Check(again.config == c);
  Check(WriteConfig(again.config) == written);

  ValidationReport report = Validate(c);
  (void)report;
  LoadResult loaded = LoadConfigText(text, "fuzz.cfg");
  Check(loaded.config == c);

  ConfigRuntimeView runtime(c);
  ShowEverything(c, runtime);

  ChangePlan from_empty = PlanChange(Config{}, c, runtime);
  ChangePlan to_empty = PlanChange(c, Config{}, runtime);
  ChangePlan same = PlanChange(c, c, runtime);
  Check(same.changes.empty() && same.allowed());
  (void)from_empty;
  (void)to_empty;
  return 0;
}
