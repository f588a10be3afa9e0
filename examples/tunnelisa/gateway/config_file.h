// File: examples/tunnelisa/gateway/config_file.h
//
// LoadConfigFile: a configuration file for `tunnelisa run`, at start-up and at each reload
// (SIGHUP, the control request `config reload [FILE]`).
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONFIG_FILE_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONFIG_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/config/model.h"

namespace tunnelisa::gateway {

// kMaxConfigFileSize: larger files are refused before they are read whole.
inline constexpr size_t kMaxConfigFileSize = 64 << 20;

// LoadConfigFile: the file's configuration. NotFound when it can't be read, InvalidArgument
// (the loader's diagnostics, one per line) when it is too large or does not load. The
// loader's warnings go to `*warnings`.
absl::StatusOr<config::Config> LoadConfigFile(const std::string& path,
                                              std::vector<std::string>* warnings);

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONFIG_FILE_H_
