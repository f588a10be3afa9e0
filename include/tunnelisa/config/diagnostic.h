// File: tunnelisa/config/diagnostic.h
//
// Diagnostic: one problem found in configuration text, printed as `FILE:LINE:COL: message`
// (the form compilers use, so editors jump to it). SourceMap remembers where each object and
// each of its settings was written, so that problems found later in the typed model (by the
// validator or the diff) can still be reported at their place in the text.
#ifndef TUNNELISA_CONFIG_DIAGNOSTIC_H_
#define TUNNELISA_CONFIG_DIAGNOSTIC_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tunnelisa::config {

// SourceLocation: a 1-based line and byte column in a named file. line 0 means "somewhere in
// the file" (e.g. an object built with the C++ builder, which has no text).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  // ToString: "FILE:LINE:COL", or "FILE" when line is 0.
  std::string ToString() const;
  bool operator==(const SourceLocation&) const = default;
};

// Diagnostic: an error or warning with its place.
struct Diagnostic {
  SourceLocation location;
  std::string message;
  // ToString: "FILE:LINE:COL: message".
  std::string ToString() const;
  bool operator==(const Diagnostic&) const = default;
};

// SourceMap: object path (see docs/configuration.md, "Object paths"; e.g.
// `service 101 interface "x" sap tunnel-1.private:201`) and optional field (a command
// keyword such as "dest-ip") to the place the object was created or the field last set.
// Filled by the parser; read by whoever reports a finding about the model. Copyable value.
class SourceMap {
 public:
  void Record(std::string_view object, std::string_view field, SourceLocation location);
  // Find: the field's place, else the object's, else nullopt.
  std::optional<SourceLocation> Find(std::string_view object, std::string_view field) const;
  size_t size() const { return entries_.size(); }

 private:
  static std::string Key(std::string_view object, std::string_view field);
  std::map<std::string, SourceLocation, std::less<>> entries_;
};

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_DIAGNOSTIC_H_
