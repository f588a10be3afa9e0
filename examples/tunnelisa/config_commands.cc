// `tunnelisa check`, `tunnelisa config print` and `tunnelisa show`: the configuration tools.
//
//   tunnelisa check [--pki-dir DIR] FILE...  validate (PKI files too); exit 0 with a summary line
//   per file,
//                                            else every error as FILE:LINE:COL: message, exit 1
//   tunnelisa config print FILE              the canonical form of FILE
//   tunnelisa show [--json] FILE WORDS...    a show command rendered from FILE, e.g.
//                                            tunnelisa show router-a.cfg ip tunnel
//   tunnelisa show [--json] --control PATH WORDS...
//                                            the same from a running `tunnelisa run`
//                                            (plus sessions, counters, metrics, initiate S NAME,
//                                            rekey S NAME child|ike)
#include <cstdio>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "examples/tunnelisa/command.h"
#include "examples/tunnelisa/gateway/control_client.h"
#include "examples/tunnelisa/pki_command.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/config/pki_files.h"
#include "tunnelisa/config/runtime_view.h"
#include "tunnelisa/config/show.h"
#include "tunnelisa/config/writer.h"

namespace tunnelisa::cli {
namespace {

constexpr std::streamoff kMaxFileSize = 256 << 20;

void Print(std::FILE* out, std::string_view text) { std::fwrite(text.data(), 1, text.size(), out); }

// ReadFile: false (after printing why) when the file can't be read.
bool ReadFile(std::string_view tool, const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tunnelisa %.*s: cannot read %s\n", static_cast<int>(tool.size()),
                 tool.data(), path.c_str());
    return false;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size > kMaxFileSize) {
    std::fprintf(stderr, "tunnelisa %.*s: %s is larger than 256 MiB\n",
                 static_cast<int>(tool.size()), tool.data(), path.c_str());
    return false;
  }
  in.seekg(0, std::ios::beg);
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

void PrintDiagnostics(const std::vector<config::Diagnostic>& diagnostics, std::FILE* out) {
  for (const config::Diagnostic& d : diagnostics) Print(out, d.ToString() + "\n");
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return absl::StrCat(n, " ", std::string(n == 1 ? one : many));
}

std::string Summary(const config::Config& c, size_t warnings) {
  config::ConfigCounts n = config::CountObjects(c);
  std::string s = absl::StrCat("OK: ", Plural(n.tunnel_groups, "tunnel group", "tunnel groups"),
                               ", ", Plural(n.services, "service", "services"), ", ",
                               Plural(n.ip_tunnels, "ip-tunnel", "ip-tunnels"), ", ",
                               Plural(n.ipsec_tunnels, "ipsec-tunnel", "ipsec-tunnels"), ", ",
                               Plural(n.ipsec_gws, "ipsec-gw", "ipsec-gws"));
  if (warnings > 0) absl::StrAppend(&s, " (", Plural(warnings, "warning", "warnings"), ")");
  return s;
}

}  // namespace

int RunCheck(std::span<const std::string_view> raw_args) {
  constexpr char kCheckUsage[] = "usage: tunnelisa check [--pki-dir DIR] FILE...\n";
  std::vector<std::string_view> args(raw_args.begin(), raw_args.end());
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kCheckUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  // --pki-dir DIR: the directory a configuration's certificate files are checked in (default
  // ./system-pki, opened only for a configuration that names PKI files).
  std::string pki_dir(pki_cli::kDefaultPkiDir);
  std::vector<std::string_view> files;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--pki-dir" || args[i].starts_with("--pki-dir=")) {
      if (args[i] == "--pki-dir" && i + 1 >= args.size()) {
        std::fputs(kCheckUsage, stderr);
        return 2;
      }
      pki_dir = std::string(args[i] == "--pki-dir" ? args[++i] : args[i].substr(10));
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.empty()) {
    std::fputs(kCheckUsage, stderr);
    return 2;
  }
  int status = 0;
  std::optional<pki::PkiStore> store;
  for (std::string_view arg : files) {
    std::string path(arg);
    std::string text;
    if (!ReadFile("check", path, &text)) return 2;
    config::LoadResult r = config::LoadConfigText(text, path);
    if (!r.ok()) {
      PrintDiagnostics(r.errors, stdout);
      status = 1;
      continue;
    }
    if (config::UsesPkiFiles(r.config)) {
      if (!store) {
        absl::StatusOr<pki::PkiStore> s = pki_cli::OpenPkiDir(pki_dir);
        if (!s.ok()) {
          Print(stdout, absl::StrCat(path, ": names PKI files: ", s.status().message(), "\n"));
          status = 2;
          continue;
        }
        store.emplace(*std::move(s));
      }
      config::PkiResolution pki = config::ResolvePkiFiles(r.config, *store, r.sources, path);
      if (!pki.ok()) {
        // Bad files (missing, unparsable, a key not matching its certificate): exit 2, as for
        // an unreadable configuration file (issue 11: "Bad files: ... exit 2").
        PrintDiagnostics(pki.errors, stdout);
        status = 2;
        continue;
      }
    }
    PrintDiagnostics(r.warnings, stdout);
    Print(stdout, absl::StrCat(path, ": ", Summary(r.config, r.warnings.size()), "\n"));
  }
  return status;
}

int RunConfig(std::span<const std::string_view> args) {
  if (args.size() != 2 || args[0] != "print") {
    std::fprintf(stderr, "usage: tunnelisa config print FILE\n");
    return 2;
  }
  std::string path(args[1]);
  std::string text;
  if (!ReadFile("config", path, &text)) return 2;
  config::ParseResult r = config::ParseConfigText(text, path);
  if (!r.ok()) {
    PrintDiagnostics(r.errors, stderr);
    return 1;
  }
  Print(stdout, config::WriteConfig(r.config));
  return 0;
}

int RunShow(std::span<const std::string_view> args) {
  config::ShowFormat format = config::ShowFormat::kText;
  std::vector<std::string> positional;
  std::optional<std::string> control;  // --control PATH: ask a running `tunnelisa run`
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--json") {
      format = config::ShowFormat::kJson;
    } else if (a == "--control" && i + 1 < args.size()) {
      control = std::string(args[++i]);
    } else if (a.starts_with("--control=")) {
      control = std::string(a.substr(10));
    } else {
      positional.emplace_back(a);
    }
  }
  if (control && !positional.empty()) {
    return gateway::RunControlShow(*control, format == config::ShowFormat::kJson, positional);
  }
  if (positional.size() < 2) {
    std::fprintf(stderr,
                 "usage: tunnelisa show [--json] FILE|--control PATH isa tunnel-group | "
                 "ip tunnel [NAME] | ipsec tunnel [NAME] | ipsec security-policy [SERVICE] | "
                 "router SERVICE route-table | service id SERVICE stats | "
                 "service id SERVICE sap SAP stats | ip|ipsec tunnel NAME statistics\n"
                 "       tunnelisa show --control PATH sessions | counters | metrics | "
                 "initiate SERVICE NAME | rekey SERVICE NAME child|ike\n");
    return 2;
  }
  std::string text;
  if (!ReadFile("show", positional[0], &text)) return 2;
  config::LoadResult r = config::LoadConfigText(text, positional[0]);
  if (!r.ok()) {
    PrintDiagnostics(r.errors, stderr);
    // Validation errors still leave a usable model; parse errors do not.
    if (!config::ParseConfigText(text, positional[0]).ok()) return 1;
  }
  config::ConfigRuntimeView runtime(r.config);
  std::vector<std::string> words(positional.begin() + 1, positional.end());
  absl::StatusOr<std::string> out = config::RenderShow(r.config, runtime, words, format);
  if (!out.ok()) {
    std::fprintf(stderr, "tunnelisa show: %s\n", std::string(out.status().message()).c_str());
    return out.status().code() == absl::StatusCode::kNotFound ? 1 : 2;
  }
  Print(stdout, *out);
  return 0;
}

}  // namespace tunnelisa::cli
