#include "tests/test_tools/vector_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace tunnelisa::testing {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Cat: concatenates anything printable with <<. (absl::StrCat is not used because this
// system's Abseil is built with its own string_view, which std::string_view does not convert
// to.)
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "Key = value" or "Key =" (empty value). Returns false if the line has neither form.
bool SplitField(std::string_view line, std::string_view& key, std::string_view& value) {
  size_t pos = line.find(" = ");
  if (pos != std::string_view::npos) {
    key = line.substr(0, pos);
    value = line.substr(pos + 3);
  } else if (line.size() >= 2 && line.substr(line.size() - 2) == " =") {
    key = line.substr(0, line.size() - 2);
    value = {};
  } else {
    return false;
  }
  key = Trim(key);
  value = Trim(value);
  if (key.empty()) return false;
  for (char c : key) {
    if (IsSpace(c) || c == '=') return false;
  }
  return true;
}

// Fails the current test at the record's line in the vector file.
void RecordFailure(const VectorRecord& record, std::string_view message) {
  const char* where = record.file.empty() ? "<vector text>" : record.file.c_str();
  ADD_FAILURE_AT(where, record.line) << record.Label() << ": " << message;
}

}  // namespace

// Directory holding the checkout: TUNNELISA_SOURCE_DIR, a compile definition of this file
// only; if this file is built without it, fall back to the location of this source file
// (<root>/tests/test_tools/vector_file.cc), which CMake passes to the compiler as an absolute
// path.
std::string SourceDir() {
#ifdef TUNNELISA_SOURCE_DIR
  return TUNNELISA_SOURCE_DIR;
#else
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().string();
#endif
}

bool VectorRecord::Has(std::string_view key) const {
  return fields.find(std::string(key)) != fields.end();
}

std::string VectorRecord::Get(std::string_view key) const {
  auto it = fields.find(std::string(key));
  if (it == fields.end()) {
    RecordFailure(*this, Cat("no field \"", key, "\""));
    return "";
  }
  return it->second;
}

std::vector<uint8_t> VectorRecord::Bytes(std::string_view key) const {
  if (!Has(key)) {
    RecordFailure(*this, Cat("no field \"", key, "\""));
    return {};
  }
  const std::string& text = fields.at(std::string(key));
  std::optional<std::vector<uint8_t>> bytes = MaybeFromHex(text);
  if (!bytes.has_value()) {
    RecordFailure(*this, Cat("field \"", key, "\" is not hex: \"", text, "\""));
    return {};
  }
  return *std::move(bytes);
}

uint64_t VectorRecord::Uint(std::string_view key) const {
  if (!Has(key)) {
    RecordFailure(*this, Cat("no field \"", key, "\""));
    return 0;
  }
  const std::string& text = fields.at(std::string(key));
  bool ok = !text.empty() && text.size() <= 16;
  uint64_t value = 0;
  for (char c : text) {
    int d = HexDigit(c);
    if (d < 0) {
      ok = false;
      break;
    }
    value = (value << 4) | static_cast<uint64_t>(d);
  }
  if (!ok) {
    RecordFailure(*this,
                  Cat("field \"", key, "\" is not a 1-16 digit hex integer: \"", text, "\""));
    return 0;
  }
  return value;
}

std::string VectorRecord::Label() const {
  std::string base = file.empty() ? "<text>" : std::filesystem::path(file).filename().string();
  auto it = fields.find("Name");
  return Cat(base, ":", line, " ", it == fields.end() ? "<no Name>" : it->second);
}

std::string VectorFilePath(std::string_view name) {
  return Cat(SourceDir(), "/tests/vectors/", name);
}

absl::StatusOr<std::vector<VectorRecord>> LoadVectorFile(std::string_view name) {
  return LoadVectorFileFromPath(VectorFilePath(name));
}

absl::StatusOr<std::vector<VectorRecord>> LoadVectorFileFromPath(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot open vector file ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(Cat("cannot read vector file ", path));
  return ParseVectorText(text.str(), path);
}

absl::StatusOr<std::vector<VectorRecord>> ParseVectorText(std::string_view text,
                                                          std::string_view file) {
  std::vector<VectorRecord> records;
  std::optional<VectorRecord> current;
  std::map<std::string, int> field_lines;  // key -> line, for duplicate-key messages
  int line_number = 0;
  auto finish_record = [&] {
    if (current.has_value()) records.push_back(*std::move(current));
    current.reset();
    field_lines.clear();
  };

  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    std::string_view trimmed = Trim(line);
    if (trimmed.empty()) {
      finish_record();
      continue;
    }
    if (trimmed.front() == '#') continue;

    std::string_view key, value;
    if (!SplitField(line, key, value)) {
      return absl::InvalidArgumentError(
          Cat(file, ":", line_number, ": expected \"Key = value\", got \"", line, "\""));
    }
    if (!current.has_value()) {
      current.emplace();
      current->file = std::string(file);
      current->line = line_number;
    }
    auto [it, inserted] = field_lines.emplace(std::string(key), line_number);
    if (!inserted) {
      return absl::InvalidArgumentError(Cat(file, ":", line_number, ": duplicate key \"", key,
                                            "\" (first at line ", it->second, ")"));
    }
    current->fields.emplace(std::string(key), std::string(value));
  }
  finish_record();
  return records;
}

std::optional<std::vector<uint8_t>> MaybeFromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  out.reserve(hex.size() / 2);
  int high = -1;
  for (char c : hex) {
    if (IsSpace(c)) continue;
    int d = HexDigit(c);
    if (d < 0) return std::nullopt;
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<uint8_t>((high << 4) | d));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::optional<std::vector<uint8_t>> bytes = MaybeFromHex(hex);
  if (!bytes.has_value()) {
    ADD_FAILURE() << "FromHex: not valid hex: \"" << hex << "\"";
    return {};
  }
  return *std::move(bytes);
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace tunnelisa::testing
