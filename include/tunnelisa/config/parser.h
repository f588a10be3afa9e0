// File: tunnelisa/config/parser.h
//
// The configuration-text parser: SR OS CLI syntax as the vendor guide writes it (`config isa`,
// `config ipsec`, `config service ies|vprn` trees; `create`, `exit`, `exit all`,
// `no <command>`, quoted names, `#` comments). docs/configuration.md lists every command.
//
// Navigation follows the router's CLI: a command that is not known in the current context is
// looked up in the enclosing contexts, and the parser moves there (that is how the guide's
// examples go from `ingress` to `egress`, or from a SAP to the next `interface`, without an
// `exit`). `exit` leaves one context, `exit all` returns to the top.
//
// Example:
//   ParseResult r = ParseConfigText(text, "router-a.cfg");
//   for (const Diagnostic& d : r.errors) std::cerr << d.ToString() << "\n";
//
// The parser checks syntax, value types and ranges, and the structural rules it can see on one
// line (missing `create`, a second ip-tunnel under a SAP). Cross-references and the guide's
// rules are the validator's job (validator.h); loader.h runs both.
#ifndef TUNNELISA_CONFIG_PARSER_H_
#define TUNNELISA_CONFIG_PARSER_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/config/diagnostic.h"
#include "tunnelisa/config/model.h"

namespace tunnelisa::config {

struct ParseOptions {
  size_t max_errors = 100;             // then one "too many errors" diagnostic and stop
  size_t max_line_length = 64 * 1024;  // longer lines are an error (never a crash or a hang)
};

// ParseResult: the model built from the text (partial when there are errors: lines with
// errors are skipped), every error in text order, and where each object was written.
struct ParseResult {
  Config config;
  std::vector<Diagnostic> errors;
  SourceMap sources;
  bool ok() const { return errors.empty(); }
};

// ParseConfigText: parses one file. `file` is only used in diagnostics. Any input is
// accepted (binary, huge, deeply "nested"); problems are diagnostics, never crashes.
// Thread-safe (no shared state). Cost linear in the input.
ParseResult ParseConfigText(std::string_view text, std::string_view file,
                            const ParseOptions& options = {});

// ParseConfig: the same, as a StatusOr: InvalidArgument whose message is the diagnostics,
// one per line, when there is any error.
absl::StatusOr<Config> ParseConfig(std::string_view text, std::string_view file = "<config>");

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_PARSER_H_
