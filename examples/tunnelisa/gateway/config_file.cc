// File: examples/tunnelisa/gateway/config_file.cc
#include "examples/tunnelisa/gateway/config_file.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tunnelisa/config/loader.h"

namespace tunnelisa::gateway {

absl::StatusOr<config::Config> LoadConfigFile(const std::string& path,
                                              std::vector<std::string>* warnings) {
  struct stat st {};
  std::ifstream in(path, std::ios::binary);
  if (stat(path.c_str(), &st) != 0 || !in) {
    return absl::NotFoundError(absl::StrFormat("cannot read %s", path));
  }
  if (static_cast<size_t>(st.st_size) > kMaxConfigFileSize) {
    return absl::InvalidArgumentError(absl::StrFormat("%s is larger than 64 MiB", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  config::LoadResult r = config::LoadConfigText(text.str(), path);
  if (!r.ok()) {
    std::vector<std::string> lines;
    for (const config::Diagnostic& d : r.errors) lines.push_back(d.ToString());
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }
  for (const config::Diagnostic& d : r.warnings) warnings->push_back(d.ToString());
  return std::move(r.config);
}

}  // namespace tunnelisa::gateway
