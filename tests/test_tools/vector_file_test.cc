#include "tests/test_tools/vector_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace tunnelisa::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Writes `contents` to a fresh file under the gtest temp dir and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "tunnelisa_vector_file_test";
  std::filesystem::create_directories(dir);
  std::filesystem::path path = dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  return path.string();
}

TEST(HexTest, RoundTrip) {
  EXPECT_EQ(ToHex(FromHex("00017f80ff")), "00017f80ff");
  EXPECT_THAT(FromHex("DEADbeef"), ElementsAre(0xde, 0xad, 0xbe, 0xef));
  EXPECT_THAT(FromHex("de ad\tbe\nef"), ElementsAre(0xde, 0xad, 0xbe, 0xef));
  EXPECT_THAT(FromHex(""), IsEmpty());
  EXPECT_EQ(ToHex({}), "");
}

TEST(HexTest, MaybeFromHexRejectsBadInput) {
  EXPECT_FALSE(MaybeFromHex("abc").has_value());
  EXPECT_FALSE(MaybeFromHex("0g").has_value());
  EXPECT_FALSE(MaybeFromHex("0x01").has_value());
  ASSERT_TRUE(MaybeFromHex("").has_value());
  EXPECT_TRUE(MaybeFromHex("")->empty());
}

TEST(HexTest, FromHexFailsTestOnBadInput) {
  std::vector<uint8_t> bytes;
  EXPECT_NONFATAL_FAILURE(bytes = FromHex("xyz"), "not valid hex");
  EXPECT_TRUE(bytes.empty());
}

TEST(VectorFileTest, ParsesRecordsCommentsAndBlankLines) {
  std::string path = WriteTempFile("good.txt",
                                   "# Source: a document.\n"
                                   "# Second comment line.\n"
                                   "\n"
                                   "Name = first\n"
                                   "Key = 0001ff\n"
                                   "# a comment inside a record\n"
                                   "Empty =\n"
                                   "EmptyWithSpace = \n"
                                   "Spi = 00004321\n"
                                   "\n"
                                   "\n"
                                   "   \n"
                                   "Name = second\r\n"
                                   "Text = has = sign and spaces  \r\n"
                                   "\n");
  absl::StatusOr<std::vector<VectorRecord>> records = LoadVectorFileFromPath(path);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);

  const VectorRecord& first = (*records)[0];
  EXPECT_EQ(first.line, 4);
  EXPECT_EQ(first.file, path);
  EXPECT_EQ(first.fields.size(), 5u);
  EXPECT_EQ(first.Get("Name"), "first");
  EXPECT_TRUE(first.Has("Key"));
  EXPECT_FALSE(first.Has("key"));
  EXPECT_THAT(first.Bytes("Key"), ElementsAre(0x00, 0x01, 0xff));
  EXPECT_EQ(first.Get("Empty"), "");
  EXPECT_THAT(first.Bytes("Empty"), IsEmpty());
  EXPECT_EQ(first.Get("EmptyWithSpace"), "");
  EXPECT_EQ(first.Uint("Spi"), 0x4321u);
  EXPECT_EQ(first.Label(), "good.txt:4 first");

  const VectorRecord& second = (*records)[1];
  EXPECT_EQ(second.line, 13);
  EXPECT_EQ(second.Get("Name"), "second");
  EXPECT_EQ(second.Get("Text"), "has = sign and spaces");
}

TEST(VectorFileTest, LastRecordWithoutTrailingNewline) {
  absl::StatusOr<std::vector<VectorRecord>> records =
      ParseVectorText("Name = a\nX = 01\n\nName = b\nX = 02", "mem");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].Get("X"), "02");
  EXPECT_EQ((*records)[1].Label(), "mem:4 b");
}

TEST(VectorFileTest, EmptyAndCommentOnlyFilesHaveNoRecords) {
  absl::StatusOr<std::vector<VectorRecord>> empty = ParseVectorText("", "mem");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  absl::StatusOr<std::vector<VectorRecord>> comments = ParseVectorText("# a\n\n# b\n", "mem");
  ASSERT_TRUE(comments.ok());
  EXPECT_TRUE(comments->empty());
}

TEST(VectorFileTest, MissingFileIsNotFound) {
  absl::StatusOr<std::vector<VectorRecord>> records =
      LoadVectorFileFromPath(WriteTempFile("unused.txt", "") + ".does-not-exist");
  EXPECT_EQ(records.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadVectorFile("no_such_file.txt").status().code(), absl::StatusCode::kNotFound);
}

TEST(VectorFileTest, LineWithoutSeparatorIsAnError) {
  std::string path = WriteTempFile("bad_line.txt", "Name = a\nKey=00\n");
  absl::StatusOr<std::vector<VectorRecord>> records = LoadVectorFileFromPath(path);
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(records.status().message()), HasSubstr("bad_line.txt:2"));

  for (const char* text : {"just text\n", "[ENCRYPT]\n", " = value\n", "Two words = 1\n"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseVectorText(text, "mem").status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(VectorFileTest, DuplicateKeyInRecordIsAnError) {
  std::string path = WriteTempFile("dup.txt", "Name = a\nKey = 00\nKey = 01\n");
  absl::StatusOr<std::vector<VectorRecord>> records = LoadVectorFileFromPath(path);
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(records.status().message()), HasSubstr("dup.txt:3"));
  EXPECT_THAT(std::string(records.status().message()), HasSubstr("Key"));

  // The same key in different records is fine.
  EXPECT_TRUE(ParseVectorText("Name = a\nKey = 00\n\nName = b\nKey = 01\n", "mem").ok());
}

TEST(VectorRecordTest, AccessorsFailTheTestOnBadFields) {
  absl::StatusOr<std::vector<VectorRecord>> records = ParseVectorText(
      "Name = r\nOdd = abc\nNotHex = zz\nBig = 10000000000000000\nEmpty =\nMax = "
      "ffffffffffffffff\n",
      "mem");
  ASSERT_TRUE(records.ok()) << records.status();
  const VectorRecord& r = records->at(0);

  std::string text = "unchanged";
  EXPECT_NONFATAL_FAILURE(text = r.Get("Missing"), "mem:1 r: no field \"Missing\"");
  EXPECT_EQ(text, "");
  std::vector<uint8_t> bytes = {1};
  EXPECT_NONFATAL_FAILURE(bytes = r.Bytes("Missing"), "no field");
  EXPECT_TRUE(bytes.empty());
  EXPECT_NONFATAL_FAILURE(r.Bytes("Odd"), "is not hex");
  EXPECT_NONFATAL_FAILURE(r.Bytes("NotHex"), "is not hex");

  uint64_t value = 1;
  EXPECT_NONFATAL_FAILURE(value = r.Uint("Missing"), "no field");
  EXPECT_EQ(value, 0u);
  EXPECT_NONFATAL_FAILURE(r.Uint("Big"), "hex integer");
  EXPECT_NONFATAL_FAILURE(r.Uint("Empty"), "hex integer");
  EXPECT_NONFATAL_FAILURE(r.Uint("NotHex"), "hex integer");
  EXPECT_EQ(r.Uint("Max"), 0xffffffffffffffffu);
  EXPECT_EQ(r.Uint("Odd"), 0xabcu);
}

TEST(VectorRecordTest, LabelWithoutName) {
  absl::StatusOr<std::vector<VectorRecord>> records = ParseVectorText("\n\nKey = 00\n", "x.txt");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->at(0).Label(), "x.txt:3 <no Name>");
}

// Fields whose values are not hex byte strings.
const std::set<std::string>& NonHexFields() {
  static const std::set<std::string> kFields = {"Name", "Alg", "Esn", "Truncated"};
  return kFields;
}

TEST(VectorFilesTest, EveryFileParsesAndEveryRecordHasAName) {
  std::filesystem::path dir(VectorFilePath(""));
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".txt") names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_THAT(
      names, ::testing::IsSupersetOf({"chacha20poly1305.txt", "des_cbc.txt",
                                      "esp_aes_cbc_rfc3602.txt", "esp_gcm_mcgrew.txt",
                                      "hmac_rfc2202.txt", "hmac_rfc4231.txt", "hmac_rfc4868.txt"}));

  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    // The file must start with comment lines naming its source.
    std::ifstream in(VectorFilePath(name));
    std::string first_line, header;
    std::getline(in, first_line);
    EXPECT_EQ(first_line.rfind('#', 0), 0u) << "file does not start with a comment";
    for (std::string line = first_line; in && !line.empty() && line[0] == '#';
         std::getline(in, line)) {
      header += line;
    }
    EXPECT_THAT(header, HasSubstr("Source"));

    absl::StatusOr<std::vector<VectorRecord>> records = LoadVectorFile(name);
    ASSERT_TRUE(records.ok()) << records.status();
    EXPECT_FALSE(records->empty());
    std::set<std::string> seen;
    for (const VectorRecord& r : *records) {
      SCOPED_TRACE(r.Label());
      ASSERT_TRUE(r.Has("Name"));
      EXPECT_FALSE(r.Get("Name").empty());
      EXPECT_TRUE(seen.insert(r.Get("Name")).second) << "duplicate Name";
      EXPECT_TRUE(r.Has("Alg"));
      for (const auto& [key, value] : r.fields) {
        if (NonHexFields().count(key) != 0) continue;
        EXPECT_TRUE(MaybeFromHex(value).has_value()) << key << " = " << value;
      }
    }
  }
}

}  // namespace
}  // namespace tunnelisa::testing
