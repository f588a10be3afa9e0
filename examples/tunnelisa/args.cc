// File: examples/tunnelisa/args.cc
#include "examples/tunnelisa/args.h"

#include <charconv>

namespace tunnelisa::cli {
namespace {

const ArgOption* FindOption(std::span<const ArgOption> options, std::string_view name) {
  for (const ArgOption& o : options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

}  // namespace

std::optional<uint64_t> ParseUint(std::string_view text, uint64_t max) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v, base);
  if (ec != std::errc() || ptr != end || v > max) return std::nullopt;
  return v;
}

absl::StatusOr<Args> Args::Parse(std::span<const std::string_view> args,
                                 std::span<const ArgOption> options) {
  Args out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-' ||
        (a[1] != '-' && a != "-h")) {  // "-" alone or "-x..." other than -h: a positional
      out.positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    std::string_view name = a == "-h" ? std::string_view("help") : a.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const ArgOption* opt = FindOption(options, name);
    if (opt == nullptr) {
      return absl::InvalidArgumentError("unknown option '" + std::string(a) + "'");
    }
    if (opt->takes_value && !value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError("option --" + std::string(name) + " needs a value");
      }
      value = args[++i];
    } else if (!opt->takes_value && value.has_value()) {
      return absl::InvalidArgumentError("option --" + std::string(name) + " takes no value");
    }
    if (out.Has(name)) {
      return absl::InvalidArgumentError("option --" + std::string(name) + " given twice");
    }
    out.given_.push_back({name, value});
  }
  return out;
}

bool Args::Has(std::string_view name) const {
  for (const Given& g : given_) {
    if (g.name == name) return true;
  }
  return false;
}

std::optional<std::string_view> Args::Value(std::string_view name) const {
  for (const Given& g : given_) {
    if (g.name == name) return g.value;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<uint64_t>> Args::GetUint(std::string_view name, uint64_t max) const {
  std::optional<std::string_view> v = Value(name);
  if (!v.has_value()) return std::optional<uint64_t>();
  std::optional<uint64_t> n = ParseUint(*v, max);
  if (!n.has_value()) {
    return absl::InvalidArgumentError("option --" + std::string(name) + ": '" + std::string(*v) +
                                      "' is not a number from 0 to " + std::to_string(max));
  }
  return n;
}

}  // namespace tunnelisa::cli
