// The corpus of broken configurations (tests/vectors/configs/broken/): each file's first line
// is `# expect: FILE:LINE:COL: message`, the first diagnostic LoadConfigText must report, with
// FILE the path relative to tests/vectors/configs/ (see its README.md).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config_test_util.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/loader.h"

namespace tunnelisa::config {
namespace {

std::vector<std::string> BrokenFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(testing::VectorPath("broken"))) {
    if (entry.path().extension() == ".cfg") {
      files.push_back("broken/" + entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(BrokenConfigs, CorpusIsPresent) { EXPECT_GE(BrokenFiles().size(), 30u); }

TEST(BrokenConfigs, EachReportsItsExpectedFirstError) {
  for (const std::string& file : BrokenFiles()) {
    SCOPED_TRACE(file);
    std::string text = testing::ReadVector(file);
    constexpr std::string_view kExpect = "# expect: ";
    ASSERT_EQ(text.compare(0, kExpect.size(), kExpect), 0) << "first line must be # expect:";
    std::string expected = text.substr(kExpect.size(), text.find('\n') - kExpect.size());
    LoadResult r = LoadConfigText(text, file);
    ASSERT_FALSE(r.errors.empty());
    EXPECT_EQ(r.errors.front().ToString(), expected);
  }
}

TEST(BrokenConfigs, GuideExamplesAndTheBaseVectorLoadCleanly) {
  for (const char* file : {"guide_tunnel_group.cfg", "guide_figure27_router_a.cfg",
                           "two_tunnel_groups.cfg", "pki_cert_auth.cfg"}) {
    LoadResult r = LoadConfigText(testing::ReadVector(file), file);
    EXPECT_TRUE(r.ok()) << file << ": " << r.errors.front().ToString();
    EXPECT_TRUE(r.warnings.empty()) << file;
  }
  // The IES and VPRN snippets are fragments: they name tunnel group 1 and delivery service 199
  // configured elsewhere.
  LoadResult gre = LoadConfigText(testing::ReadVector("guide_vprn_gre_tunnel.cfg"), "gre.cfg");
  ASSERT_EQ(gre.errors.size(), 2u);
  EXPECT_EQ(gre.errors[1].ToString(), "gre.cfg:12:26: delivery-service 199 does not exist");
  LoadResult both = LoadConfigText(testing::ReadVector("guide_tunnel_group.cfg") +
                                       testing::ReadVector("guide_ies_public_sap.cfg") +
                                       testing::ReadVector("guide_vprn_gre_tunnel.cfg"),
                                   "all.cfg");
  EXPECT_TRUE(both.ok()) << both.errors.front().ToString();
  EXPECT_TRUE(both.warnings.empty()) << both.warnings.front().ToString();
}

TEST(BrokenConfigs, WarningsCarryTheirPlace) {
  LoadResult r = LoadConfigText(
      testing::ReadVector("two_tunnel_groups.cfg") +
          "config service vprn 101 interface \"private-gre\" sap tunnel-2.private:201 ip-tunnel "
          "\"to-site-c\"\n    dest-ip 10.0.0.6\n",
      "w.cfg");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].ToString(),
            "w.cfg:100:13: warning: will be operationally down: dest-ip 10.0.0.6 is not within "
            "the subnet of the local private endpoint 10.0.0.1/30");
}

}  // namespace
}  // namespace tunnelisa::config
