// File: tunnelisa/config/loader.h
//
// LoadConfigText: parse + validate one configuration file, with every finding placed at
// `FILE:LINE:COL` (validator findings are located through the parser's SourceMap). This is
// what `tunnelisa check` runs and what a host reading a configuration file should call.
//
// Example:
//   LoadResult r = LoadConfigText(text, "router-a.cfg");
//   if (!r.ok()) { for (auto& d : r.errors) log(d.ToString()); return; }
//   engine.Apply(std::move(r.config));
#ifndef TUNNELISA_CONFIG_LOADER_H_
#define TUNNELISA_CONFIG_LOADER_H_

#include <string_view>
#include <vector>

#include "tunnelisa/config/diagnostic.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/config/parser.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {

struct LoadResult {
  Config config;
  std::vector<Diagnostic> errors;    // parse errors, else validation errors (text order)
  std::vector<Diagnostic> warnings;  // "will be operationally down: ..." findings
  SourceMap sources;
  bool ok() const { return errors.empty(); }
};

// LoadConfigText: validation runs only when the text parsed without errors (a partial model
// would give misleading findings). Thread-safe; never fails as a call.
LoadResult LoadConfigText(std::string_view text, std::string_view file,
                          const ParseOptions& options = {});

// Locate: findings as diagnostics placed through `sources` (line 0 when not found), sorted by
// place. `prefix` is put before each message (e.g. "warning: ").
std::vector<Diagnostic> Locate(const std::vector<Finding>& findings, const SourceMap& sources,
                               std::string_view file, std::string_view prefix = "");

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_LOADER_H_
