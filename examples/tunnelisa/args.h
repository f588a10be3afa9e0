// File: examples/tunnelisa/args.h
//
// Args: a tiny command-line parser for the `tunnelisa` subcommands: `--name value`,
// `--name=value`, switches (`--esn`), positionals, and `--` to end options. Each subcommand
// declares its options in a table; anything else is an error with a message fit for stderr.
//
// Example:
//   constexpr ArgOption kOptions[] = {{"spi", true}, {"esn", false}};
//   absl::StatusOr<Args> a = Args::Parse(args, kOptions);
//   if (!a.ok()) { Fail(a.status()); }
//   absl::StatusOr<std::optional<uint64_t>> spi = a->GetUint("spi", 0xffffffff);
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_ARGS_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_ARGS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tunnelisa::cli {

// ArgOption: one accepted `--name`; takes_value false makes it a switch.
struct ArgOption {
  std::string_view name;  // without the leading "--"
  bool takes_value;
};

class Args {
 public:
  // Parse: InvalidArgument for an unknown option, a missing value, a value given to a switch,
  // or an option given twice. A lone "-h" is read as "--help" when "help" is declared. The
  // views point into `args` (which must outlive the result).
  static absl::StatusOr<Args> Parse(std::span<const std::string_view> args,
                                    std::span<const ArgOption> options);

  // Has: the option (switch or valued) was given.
  bool Has(std::string_view name) const;
  // Value: the option's value, or nullopt when it was not given.
  std::optional<std::string_view> Value(std::string_view name) const;
  // GetUint: the option as an unsigned number, decimal or 0x-prefixed hex, at most `max`;
  // nullopt when not given; InvalidArgument naming the option otherwise.
  absl::StatusOr<std::optional<uint64_t>> GetUint(std::string_view name, uint64_t max) const;

  const std::vector<std::string_view>& positionals() const { return positionals_; }

 private:
  struct Given {
    std::string_view name;
    std::optional<std::string_view> value;
  };
  std::vector<Given> given_;
  std::vector<std::string_view> positionals_;
};

// ParseUint: decimal or 0x-prefixed hex, at most `max`; nullopt on anything else.
std::optional<uint64_t> ParseUint(std::string_view text, uint64_t max);

}  // namespace tunnelisa::cli

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_ARGS_H_
