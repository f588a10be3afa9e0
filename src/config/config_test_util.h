// File: src/config/config_test_util.h
//
// Helpers shared by the config layer's tests: reading the committed configuration vectors.
// Test-only.
#ifndef TUNNELISA_SRC_CONFIG_CONFIG_TEST_UTIL_H_
#define TUNNELISA_SRC_CONFIG_CONFIG_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/test_tools/vector_file.h"
#include "tunnelisa/config/parser.h"

namespace tunnelisa::config::testing {

// VectorPath: path of a file under tests/vectors/configs/.
inline std::string VectorPath(const std::string& relative) {
  return tunnelisa::testing::SourceDir() + "/tests/vectors/configs/" + relative;
}

inline std::string ReadVector(const std::string& relative) {
  std::ifstream in(VectorPath(relative), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << VectorPath(relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ParseOk: parses text that must be free of errors.
inline Config ParseOk(const std::string& text, const std::string& file = "test.cfg") {
  ParseResult r = ParseConfigText(text, file);
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  return std::move(r.config);
}

// FirstError: the first parse error as "FILE:LINE:COL: message", or "" if none.
inline std::string FirstError(const std::string& text, const std::string& file = "test.cfg") {
  ParseResult r = ParseConfigText(text, file);
  return r.errors.empty() ? std::string() : r.errors.front().ToString();
}

}  // namespace tunnelisa::config::testing

#endif  // TUNNELISA_SRC_CONFIG_CONFIG_TEST_UTIL_H_
