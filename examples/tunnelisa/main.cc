// The `tunnelisa` command-line tool: dispatches to one subcommand per file.
#include <cstdio>
#include <string_view>
#include <vector>

#include "examples/tunnelisa/command.h"

namespace tunnelisa::cli {
namespace {

constexpr Command kCommands[] = {
    {"demo", "ESP suites end to end, then two Figure 27 routers (GRE over IPsec, GRE, IP-IP)",
     RunDemo},
    {"esp", "esp encrypt|decrypt: build or decrypt ESP captures (pcap)", RunEsp},
    {"check", "check FILE...: validate SR OS-style configuration files", RunCheck},
    {"config", "config print FILE: print a configuration in canonical form", RunConfig},
    {"show", "show [--json] FILE <show command>: router show output from a config file", RunShow},
    {"replay", "replay CONFIG --service ID [pcaps]: captured packets through an engine", RunReplay},
    {"run", "run CONFIG: a gateway on this host (TUN devices, UDP/raw sockets, control socket)",
     RunRun},
    {"pki", "pki VERB: keys, requests, import/export/display of certificates, keys and CRLs",
     RunPki},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: tunnelisa <command> [args...]\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
}

}  // namespace
}  // namespace tunnelisa::cli

int main(int argc, char** argv) {
  using namespace tunnelisa::cli;
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  std::vector<std::string_view> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(args);
  }
  std::fprintf(stderr, "tunnelisa: unknown command '%s'\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
