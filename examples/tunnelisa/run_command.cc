// `tunnelisa run CONFIG`: the reference gateway, a real Linux host around tunnelisa::Engine
// (examples/tunnelisa/gateway/gateway.h; docs/gateway.md). Private services get TUN devices,
// the public side UDP (IKE, NAT-T) and raw (ESP, GRE, IP-IP) sockets; a Unix control socket
// answers `tunnelisa show --control PATH ...`. Runs until SIGTERM / SIGINT.
//
// Exit codes: 0 after a clean shutdown; 1 when a TUN, socket or file can't be set up; 2 on bad
// usage or a configuration that does not load (with the loader's diagnostics).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "examples/tunnelisa/args.h"
#include "examples/tunnelisa/command.h"
#include "examples/tunnelisa/gateway/config_file.h"
#include "examples/tunnelisa/gateway/gateway.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/syslog.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::cli {
namespace {

constexpr char kUsage[] =
    "usage: tunnelisa run [--config] CONFIG [--ike-port N] [--natt-port N]\n"
    "         [--control PATH|none] [--tun SERVICE=NAME]...\n"
    "         [--crypto auto|openssl|sodium|ipsecmb]\n"
    "         [--pidfile PATH] [--ready-file PATH] [--log FILE] [--freebind] [--no-raw]\n"
    "         [--workers N] [--pki-dir DIR] [--metrics-listen ADDR:PORT]\n"
    "         [--syslog unix:PATH|udp:ADDRESS:PORT [--syslog-facility FACILITY]]\n"
    "         [--export-keys DIR]\n"
    "\n"
    "Runs the configuration's tunnels on this host until SIGTERM or SIGINT (docs/gateway.md).\n"
    "  --ike-port, --natt-port  local UDP ports for IKE / NAT-T (default 500 / 4500)\n"
    "  --control PATH           control socket (default /run/tunnelisa/PID.sock; none: off);\n"
    "                           query it with `tunnelisa show --control PATH WORDS...`\n"
    "  --tun SERVICE=NAME       TUN name of a service (default tl<SERVICE>); repeatable\n"
    "  --crypto                 crypto backend for every suite it supports (default auto:\n"
    "                           the fastest measured per suite; ipsecmb only when built in)\n"
    "  --pidfile, --ready-file  written once TUNs and sockets are up; removed at exit\n"
    "  --log FILE               log there instead of stderr (appended)\n"
    "  --freebind               bind public addresses not (yet) configured on the host\n"
    "  --no-raw                 no raw sockets: UDP only (IKE, ESP-in-UDP)\n"
    "  --workers N              worker threads serving the ISA slots (default: one per\n"
    "                           configured ISA, at most the CPU count; 0: one thread)\n"
    "  --pki-dir DIR            PKI directory the configuration's certificate files are in\n"
    "                           (default ./system-pki; see `tunnelisa pki`)\n"
    "  --syslog TARGET          also send the log and events as RFC 5424 syslog messages to a\n"
    "                           Unix datagram socket (unix:/dev/log) or over UDP\n"
    "                           (udp:192.0.2.9:514); never blocks, failures counted\n"
    "  --syslog-facility F      daemon (default), auth, authpriv, user or local0..local7\n"
    "  --metrics-listen ADDR:PORT  serve GET /metrics (Prometheus text format) over HTTP on\n"
    "                           that address (127.0.0.1:9464, [::1]:9464; port 0: any)\n"
    "  --export-keys DIR        DEBUGGING ONLY: append the keys of every ESP and IKEv2 SA to\n"
    "                           DIR/esp_sa and DIR/ikev2_decryption_table (Wireshark's key\n"
    "                           tables; files 0600): WIRESHARK_CONFIG_DIR=DIR tshark -r CAP\n"
    "                           -o esp.enable_encryption_decode:TRUE decrypts a capture\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "tunnelisa run: %s\n%s", message.c_str(), kUsage);
  return 2;
}

// ExtractTuns: removes every `--tun SERVICE=NAME` (the one repeatable option) from `args`.
absl::Status ExtractTuns(std::vector<std::string_view>& args,
                         std::map<uint32_t, std::string>& out) {
  std::vector<std::string_view> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view value;
    if (args[i] == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (args[i] == "--tun") {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError("option --tun needs a value");
      value = args[++i];
    } else if (args[i].starts_with("--tun=")) {
      value = args[i].substr(6);
    } else {
      rest.push_back(args[i]);
      continue;
    }
    size_t eq = value.find('=');
    std::optional<uint64_t> service =
        eq == std::string_view::npos ? std::nullopt : ParseUint(value.substr(0, eq), 2147483647);
    if (!service || eq + 1 >= value.size() || out.contains(static_cast<uint32_t>(*service))) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--tun %s: expected SERVICE=NAME, one per service", std::string(value)));
    }
    out[static_cast<uint32_t>(*service)] = std::string(value.substr(eq + 1));
  }
  args = std::move(rest);
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> Port(const Args& a, std::string_view name, uint16_t fallback) {
  absl::StatusOr<std::optional<uint64_t>> v = a.GetUint(name, 65535);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return fallback;
  if (**v == 0) return absl::InvalidArgumentError(absl::StrFormat("--%s 0 is not a port", name));
  return static_cast<uint16_t>(**v);
}

// LoadConfig: the loaded configuration, or nullopt after printing why (exit 2).
std::optional<config::Config> LoadConfig(const std::string& path) {
  std::vector<std::string> warnings;
  absl::StatusOr<config::Config> c = gateway::LoadConfigFile(path, &warnings);
  if (!c.ok()) {
    std::fprintf(stderr, "tunnelisa run: %s\n", std::string(c.status().message()).c_str());
    return std::nullopt;
  }
  for (const std::string& w : warnings) std::fprintf(stderr, "%s\n", w.c_str());
  return *std::move(c);
}

bool WritePidfile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f, "%d\n", getpid());
  return std::fclose(f) == 0;
}

// EnableSyslog: --syslog TARGET [--syslog-facility F] (docs/gateway.md, "Syslog").
absl::Status EnableSyslog(const Args& a, gateway::GatewayLog& log) {
  std::optional<std::string_view> target = a.Value("syslog");
  std::optional<std::string_view> facility_name = a.Value("syslog-facility");
  if (!target) {
    if (facility_name) return absl::InvalidArgumentError("--syslog-facility needs --syslog");
    return absl::OkStatus();
  }
  std::optional<SyslogFacility> facility = ParseSyslogFacility(facility_name.value_or("daemon"));
  if (!facility) {
    return absl::InvalidArgumentError(
        "--syslog-facility must be daemon, auth, authpriv, user or local0..local7");
  }
  return log.EnableSyslog(*target, *facility);
}

}  // namespace

int RunRun(std::span<const std::string_view> raw_args) {
  std::vector<std::string_view> args(raw_args.begin(), raw_args.end());
  gateway::GatewayOptions options;
  if (absl::Status s = ExtractTuns(args, options.tun_names); !s.ok()) {
    return Usage(std::string(s.message()));
  }
  // One option per added line, so that concurrent additions merge cleanly.
  // clang-format off
  constexpr ArgOption kOptions[] = {{"config", true},     {"ike-port", true}, {"natt-port", true},
                                    {"control", true},    {"crypto", true},   {"pidfile", true},
                                    {"ready-file", true}, {"log", true},      {"freebind", false},
                                    {"no-raw", false},    {"workers", true},  {"help", false},
                                    {"pki-dir", true},
                                    {"syslog", true},
                                    {"syslog-facility", true},
                                    {"metrics-listen", true},
                                    {"export-keys", true}};
  // clang-format on
  absl::StatusOr<Args> a = Args::Parse(args, kOptions);
  if (!a.ok()) return Usage(std::string(a.status().message()));
  if (a->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::optional<std::string_view> config_path = a->Value("config");
  const size_t positionals = a->positionals().size();
  if (config_path ? positionals != 0 : positionals != 1) return Usage("one CONFIG file expected");
  options.config_path = std::string(config_path ? *config_path : a->positionals()[0]);
  absl::StatusOr<uint16_t> ike = Port(*a, "ike-port", kIkePort);
  absl::StatusOr<uint16_t> natt = Port(*a, "natt-port", kNatTPort);
  if (!ike.ok()) return Usage(std::string(ike.status().message()));
  if (!natt.ok()) return Usage(std::string(natt.status().message()));
  if (*ike == *natt) return Usage("--ike-port and --natt-port must differ");
  options.sockets = {.ike_port = *ike,
                     .natt_port = *natt,
                     .freebind = a->Has("freebind"),
                     .raw = !a->Has("no-raw")};
  options.crypto = std::string(a->Value("crypto").value_or("auto"));
  if (options.crypto != "auto" && options.crypto != "openssl" && options.crypto != "sodium" &&
      options.crypto != "ipsecmb") {
    return Usage("--crypto must be auto, openssl, sodium or ipsecmb");
  }
  options.ready_file = std::string(a->Value("ready-file").value_or(""));
  absl::StatusOr<std::optional<uint64_t>> workers = a->GetUint("workers", 64);
  if (!workers.ok()) return Usage(std::string(workers.status().message()));
  if (workers->has_value()) options.workers = static_cast<int>(**workers);
  const std::string pidfile(a->Value("pidfile").value_or(""));
  options.metrics_listen = std::string(a->Value("metrics-listen").value_or(""));
  if (!options.metrics_listen.empty() &&
      !gateway::MetricsHttpServer::ParseListenAddress(options.metrics_listen)) {
    return Usage("--metrics-listen takes IPv4:PORT or [IPv6]:PORT (literal addresses)");
  }
  if (std::optional<std::string_view> dir = a->Value("pki-dir")) {
    options.pki_dir = std::string(*dir);
    options.pki_dir_given = true;
  }

  options.export_keys = std::string(a->Value("export-keys").value_or(""));
  if (a->Has("export-keys") && options.export_keys.empty()) {
    return Usage("--export-keys needs a directory");
  }

  std::optional<config::Config> config = LoadConfig(options.config_path);
  if (!config) return 2;

  std::string control(a->Value("control").value_or(""));
  if (control.empty()) {
    // The default lives in /run/tunnelisa/, made on first use (root-only, like the socket).
    if (mkdir("/run/tunnelisa", 0700) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "tunnelisa run: cannot create /run/tunnelisa: %s (see --control)\n",
                   std::strerror(errno));
      return 1;
    }
    control = absl::StrFormat("/run/tunnelisa/%d.sock", getpid());
  }
  options.control_path = control == "none" ? "" : control;

  absl::StatusOr<std::unique_ptr<gateway::GatewayLog>> log =
      gateway::GatewayLog::Open(std::string(a->Value("log").value_or("")));
  if (!log.ok()) {
    std::fprintf(stderr, "tunnelisa run: %s\n", std::string(log.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = EnableSyslog(*a, **log); !s.ok()) {
    if (absl::IsInvalidArgument(s)) return Usage(std::string(s.message()));
    std::fprintf(stderr, "tunnelisa run: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  int exit_code = 1;
  absl::StatusOr<std::unique_ptr<gateway::Gateway>> gw =
      gateway::Gateway::Create(options, *config, **log, &exit_code);
  if (!gw.ok()) {
    std::string message(gw.status().message());
    (*log)->Error(message);
    if (a->Has("log")) std::fprintf(stderr, "tunnelisa run: %s\n", message.c_str());
    return exit_code;
  }
  if (!pidfile.empty() && !WritePidfile(pidfile)) {
    std::fprintf(stderr, "tunnelisa run: cannot write %s: %s\n", pidfile.c_str(),
                 std::strerror(errno));
    return 1;
  }
  int rc = (*gw)->Run();
  gw->reset();  // closes sockets and TUNs (the kernel removes the TUNs), the control socket
  if (!pidfile.empty()) unlink(pidfile.c_str());
  (*log)->Info(absl::StrFormat("exit %d", rc));
  return rc;
}

}  // namespace tunnelisa::cli
