// File: examples/tunnelisa/command.h
//
// The `tunnelisa` tool's subcommands. Each lives in its own file and returns the process exit
// code: 0 success, 1 "ran, found problems" (dropped packets, invalid config), 2 bad usage or
// unreadable input.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_COMMAND_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_COMMAND_H_

#include <span>
#include <string_view>

namespace tunnelisa::cli {

// args excludes the program name and the subcommand word itself.
using CommandFn = int (*)(std::span<const std::string_view> args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

// Each subcommand file defines one of these.
int RunDemo(std::span<const std::string_view> args);
int RunEsp(std::span<const std::string_view> args);
int RunCheck(std::span<const std::string_view> args);   // tunnelisa check FILE...
int RunConfig(std::span<const std::string_view> args);  // tunnelisa config print FILE
int RunShow(std::span<const std::string_view> args);    // tunnelisa show [--json] FILE WORDS...
int RunReplay(std::span<const std::string_view> args);  // tunnelisa replay CONFIG --service ID ...
int RunRun(std::span<const std::string_view> args);     // tunnelisa run CONFIG [--control PATH] ...
int RunPki(std::span<const std::string_view> args);     // tunnelisa pki VERB KEYWORD VALUE...

}  // namespace tunnelisa::cli

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_COMMAND_H_
