#include "tunnelisa/config/diagnostic.h"

#include "absl/strings/str_cat.h"

namespace tunnelisa::config {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

std::string Diagnostic::ToString() const {
  return absl::StrCat(location.ToString(), ": ", message);
}

std::string SourceMap::Key(std::string_view object, std::string_view field) {
  std::string key(object);
  if (!field.empty()) {
    key += '\x1f';
    key.append(field);
  }
  return key;
}

void SourceMap::Record(std::string_view object, std::string_view field, SourceLocation location) {
  entries_[Key(object, field)] = std::move(location);
}

std::optional<SourceLocation> SourceMap::Find(std::string_view object,
                                              std::string_view field) const {
  if (!field.empty()) {
    auto it = entries_.find(Key(object, field));
    if (it != entries_.end()) return it->second;
  }
  auto it = entries_.find(Key(object, {}));
  if (it != entries_.end()) return it->second;
  return std::nullopt;
}

}  // namespace tunnelisa::config
