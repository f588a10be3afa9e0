// The `tunnelisa check`, `config print` and `show` subcommands
// (examples/tunnelisa/config_commands.cc, compiled into this test): exit codes and output.
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::cli {
int RunCheck(std::span<const std::string_view> args);
int RunConfig(std::span<const std::string_view> args);
int RunShow(std::span<const std::string_view> args);
}  // namespace tunnelisa::cli

namespace tunnelisa::config {
namespace {

using ::testing::HasSubstr;
using testing::VectorPath;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Invoke(int (*fn)(std::span<const std::string_view>), std::vector<std::string> args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = fn(views);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  return {code, out, err};
}

TEST(CheckCommand, ValidFilesGiveASummaryLineEach) {
  std::string fig27 = VectorPath("guide_figure27_router_a.cfg");
  CliRun r = Invoke(cli::RunCheck, {fig27, VectorPath("guide_tunnel_group.cfg")});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, fig27 +
                       ": OK: 2 tunnel groups, 2 services, 1 ip-tunnel, 1 ipsec-tunnel, 0 "
                       "ipsec-gws\n" +
                       VectorPath("guide_tunnel_group.cfg") +
                       ": OK: 1 tunnel group, 0 services, 0 ip-tunnels, 0 ipsec-tunnels, 0 "
                       "ipsec-gws\n");
}

TEST(CheckCommand, ErrorsAsFileLineColumnAndExitOne) {
  std::string bad = VectorPath("broken/dangling_delivery_service.cfg");
  CliRun r = Invoke(cli::RunCheck, {bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, bad + ":17:26: delivery-service 199 does not exist\n");
}

TEST(CheckCommand, UnreadableFileIsExitTwo) {
  CliRun r = Invoke(cli::RunCheck, {"/nonexistent/x.cfg"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot read /nonexistent/x.cfg"));
  EXPECT_EQ(Invoke(cli::RunCheck, {}).code, 2);
}

TEST(CheckCommand, PkiFilesAreCheckedInThePkiDirectory) {
  // pki_cert_auth.cfg names corp-ca.der / corp-ca.crl and certificates none of which are in
  // an empty PKI directory: each is an error at the line naming it; no directory at all is
  // said once.
  const std::string cfg = VectorPath("pki_cert_auth.cfg");
  const std::string dir = ::testing::TempDir() + "tunnelisa-check-pki";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  CliRun r = Invoke(cli::RunCheck, {"--pki-dir", dir, cfg});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr(cfg + ":8:"));
  EXPECT_THAT(r.out, HasSubstr("\"corp-ca.der\": not in the PKI directory"));
  r = Invoke(cli::RunCheck, {"--pki-dir=" + dir + "/absent", cfg});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("names PKI files"));
  // A configuration without PKI files needs no directory.
  r = Invoke(cli::RunCheck, {"--pki-dir", dir + "/absent", VectorPath("guide_tunnel_group.cfg")});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(Invoke(cli::RunCheck, {"--pki-dir"}).code, 2);
  std::filesystem::remove_all(dir);
}

TEST(ConfigPrintCommand, PrintsTheCanonicalForm) {
  CliRun r = Invoke(cli::RunConfig, {"print", VectorPath("guide_tunnel_group.cfg")});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out,
            "config isa\n    tunnel-group 1 create\n        primary 1/1\n        backup 2/1\n"
            "        no shutdown\n    exit\nexit all\n");
  EXPECT_EQ(Invoke(cli::RunConfig, {"print", VectorPath("broken/unknown_command.cfg")}).code, 1);
  EXPECT_EQ(Invoke(cli::RunConfig, {"dump"}).code, 2);
}

TEST(ShowCommand, TextAndJson) {
  std::string file = VectorPath("two_tunnel_groups.cfg");
  CliRun text = Invoke(cli::RunShow, {file, "isa", "tunnel-group"});
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(text.out, testing::ReadVector("show/isa_tunnel_group.txt"));
  CliRun json = Invoke(cli::RunShow, {"--json", file, "router", "101", "route-table"});
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(json.out, testing::ReadVector("show/router_101_route_table.json"));
  EXPECT_EQ(Invoke(cli::RunShow, {file, "ip", "tunnel", "nope"}).code, 1);
  EXPECT_EQ(Invoke(cli::RunShow, {file, "bogus"}).code, 2);
  EXPECT_EQ(Invoke(cli::RunShow, {file}).code, 2);
}

}  // namespace
}  // namespace tunnelisa::config
