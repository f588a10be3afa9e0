// File: tests/test_tools/vector_file.h
//
// Reader for the known-answer vector files in tests/vectors/*.txt. The format follows
// BoringSSL's FileTest:
//
//   # Comment lines start with '#'. Each file begins with comments naming its source.
//
//   Name = case-1
//   Key = 000102
//   Data =
//
// A record is a run of `Key = value` lines; records are separated by one or more blank lines.
// Values are raw text (usually hex without 0x, possibly empty). A key may appear only once in a
// record. Comment lines may appear anywhere and are ignored.
//
// Typical use in a test:
//
//   auto records = LoadVectorFile("hmac_rfc4231.txt");
//   ASSERT_TRUE(records.ok()) << records.status();
//   for (const VectorRecord& r : *records) {
//     SCOPED_TRACE(r.Label());
//     EXPECT_EQ(Compute(r.Bytes("Key"), r.Bytes("Data")), r.Bytes("Mac"));
//   }
#ifndef TUNNELISA_TESTS_TEST_TOOLS_VECTOR_FILE_H_
#define TUNNELISA_TESTS_TEST_TOOLS_VECTOR_FILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tunnelisa::testing {

// One record of a vector file.
struct VectorRecord {
  std::string file;  // path of the file the record came from ("" when parsed from a string)
  int line = 0;      // 1-based line of the record's first field
  std::map<std::string, std::string> fields;  // key -> raw value text

  bool Has(std::string_view key) const;
  // Get: the raw value. If `key` is missing, fails the current test (ADD_FAILURE) and returns "".
  std::string Get(std::string_view key) const;
  // Bytes: the value decoded from hex. Fails the current test on a missing key or bad hex and
  // returns an empty vector.
  std::vector<uint8_t> Bytes(std::string_view key) const;
  // Uint: the value as a hex integer of 1-16 digits ("00004321" -> 0x4321). Fails the current
  // test on a missing key, bad digits or overflow and returns 0.
  uint64_t Uint(std::string_view key) const;
  // Label: "file:line Name" (file base name), for SCOPED_TRACE and failure messages.
  std::string Label() const;
};

// SourceDir: the checkout the tests were built from. Tests read their data through it rather
// than through a compile definition of their own, so that their objects do not depend on
// where the checkout is (ccache shares them between worktrees).
std::string SourceDir();

// VectorFilePath: SourceDir() + "/tests/vectors/" + name.
std::string VectorFilePath(std::string_view name);

// LoadVectorFile: reads tests/vectors/<name> (see VectorFilePath). Errors: NotFound if the file
// cannot be read; InvalidArgument for a line that is neither blank, a comment nor `Key = value`,
// or for a key repeated within one record.
absl::StatusOr<std::vector<VectorRecord>> LoadVectorFile(std::string_view name);

// LoadVectorFileFromPath: as LoadVectorFile, for an arbitrary path.
absl::StatusOr<std::vector<VectorRecord>> LoadVectorFileFromPath(const std::string& path);

// ParseVectorText: parses file contents already in memory; `file` is used in labels and errors.
absl::StatusOr<std::vector<VectorRecord>> ParseVectorText(std::string_view text,
                                                          std::string_view file);

// MaybeFromHex: hex (either case, ASCII whitespace ignored) to bytes; nullopt on a non-hex
// character or an odd number of digits.
std::optional<std::vector<uint8_t>> MaybeFromHex(std::string_view hex);

// FromHex: as MaybeFromHex, but fails the current test (ADD_FAILURE) on bad hex and returns an
// empty vector. Meant for hex literals in tests.
std::vector<uint8_t> FromHex(std::string_view hex);

// ToHex: lower-case hex, no separators.
std::string ToHex(std::span<const uint8_t> bytes);

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_TESTS_TEST_TOOLS_VECTOR_FILE_H_
