// Syntax, navigation and error reporting of the configuration parser.
#include "tunnelisa/config/parser.h"

#include <string>

#include "config/config_test_util.h"
#include "gtest/gtest.h"

namespace tunnelisa::config {
namespace {

using testing::FirstError;
using testing::ParseOk;

TEST(Parser, ExitAndExitAllNavigate) {
  Config c = ParseOk(
      "config isa\n"
      "tunnel-group 1 create\n"
      "exit\n"
      "tunnel-group 2 create\n"
      "exit all\n"
      "configure isa tunnel-group 3 create\n"
      "no shutdown\n");
  EXPECT_EQ(c.tunnel_groups.size(), 3u);
  EXPECT_EQ(c.tunnel_groups.at(3).admin, AdminState::kUp);
  EXPECT_EQ(c.tunnel_groups.at(1).admin, AdminState::kDown);
}

TEST(Parser, CommandsOfEnclosingContextsMoveThere) {
  // `egress` is not a command of sap>ingress: the parser goes back to the SAP (as the router
  // does), and `vprn` after a SAP goes back to `config service`.
  Config c = ParseOk(
      "config isa tunnel-group 1 create\n"
      "config service vprn 1 customer 1 create\n"
      "interface \"t\" tunnel create\n"
      "sap tunnel-1.private:1 create\n"
      "ingress\n"
      "qos 3\n"
      "egress\n"
      "qos 4\n"
      "vprn 2 customer 1 create\n");
  const Sap& sap = *c.services.at(1).interfaces.at("t").sap;
  EXPECT_EQ(sap.ingress_qos, 3u);
  EXPECT_EQ(sap.egress_qos, 4u);
  EXPECT_TRUE(c.services.contains(2));
}

TEST(Parser, SavedConfigBannersAreIgnored) {
  Config c = ParseOk(
      "# TiMOS-B-10.0.R5 saved configuration\n"
      "configure\n"
      "    echo \"ISA Configuration\"\n"
      "    isa\n"
      "        tunnel-group 1 create\n"
      "            echo \"inside\"\n"
      "            primary 1/1\n"
      "        exit\n"
      "    exit\n"
      "exit all\n");
  EXPECT_EQ(c.tunnel_groups.at(1).primary, (IsaSlot{1, 1}));
}

TEST(Parser, ReenteringAnObjectWithoutCreate) {
  Config c = ParseOk(
      "config isa tunnel-group 1 create\nexit all\n"
      "config isa tunnel-group 1\nprimary 1/1\n");
  EXPECT_EQ(c.tunnel_groups.at(1).primary, (IsaSlot{1, 1}));
}

TEST(Parser, NoRemovesAndResets) {
  Config c = ParseOk(
      "config isa\n"
      "tunnel-group 1 create\nprimary 1/1\nno primary\nexit\n"
      "tunnel-group 2 create\nexit\n"
      "no tunnel-group 2\n");
  EXPECT_FALSE(c.tunnel_groups.at(1).primary.has_value());
  EXPECT_FALSE(c.tunnel_groups.contains(2));
}

TEST(Parser, AllAlgorithmKeywords) {
  for (const char* enc : {"des", "3des", "aes128", "aes192", "aes256", "aes128gcm16", "aes256gcm16",
                          "chacha20poly1305"}) {
    for (const char* auth : {"md5", "sha1", "sha256", "sha384", "sha512"}) {
      SCOPED_TRACE(std::string(enc) + " " + auth);
      Config c = ParseOk(std::string("config ipsec ipsec-transform 1\nesp-encryption-algorithm ") +
                         enc + "\nesp-auth-algorithm " + auth + "\n");
      EXPECT_EQ(c.ipsec_transforms.at(1).esp_encryption_algorithm, *ParseEncryptionAlgorithm(enc));
    }
  }
  for (int g : {1, 2, 5, 14, 15, 19, 20, 21, 31}) {
    Config c = ParseOk("config ipsec ike-policy 1 create\ndh-group " + std::to_string(g) +
                       "\nexit\nipsec-transform 2\npfs-dh-group " + std::to_string(g) + "\n");
    EXPECT_EQ(static_cast<int>(c.ike_policies.at(1).dh_group), g);
    EXPECT_EQ(static_cast<int>(*c.ipsec_transforms.at(2).pfs_dh_group), g);
  }
}

TEST(Parser, ManualKeying) {
  Config c = ParseOk(
      "config service vprn 1 customer 1 create\n"
      "interface \"t\" tunnel create\n"
      "sap tunnel-1.private:1 create\n"
      "ipsec-tunnel \"m\" create\n"
      "manual-keying\n"
      "security-association 1 authentication-key 0x00112233445566778899aabbccddeeff00112233 "
      "encryption-key 0x000102030405060708090a0b0c0d0e0f spi 1000 transform 1 direction "
      "inbound\n"
      "security-association 1 encryption-key 0x0f0e0d0c0b0a09080706050403020100 "
      "authentication-key 0x00112233445566778899aabbccddeeff00112233 spi 1001 transform 1 "
      "direction outbound\n");
  const IpsecTunnel& t = c.services.at(1).interfaces.at("t").sap->ipsec_tunnels.at("m");
  const auto& mk = std::get<ManualKeying>(t.keying);
  ASSERT_EQ(mk.security_associations.size(), 2u);
  EXPECT_EQ(mk.security_associations[0].spi, 1000u);
  EXPECT_EQ(mk.security_associations[0].direction, SaDirection::kInbound);
  EXPECT_EQ(mk.security_associations[1].encryption_key.size(), 16u);
  EXPECT_EQ(mk.security_associations[1].authentication_key.size(), 20u);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

class ParserErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParserErrors, ExactMessageAndPlace) {
  EXPECT_EQ(FirstError(GetParam().text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    All, ParserErrors,
    ::testing::Values(
        ErrorCase{"config isa\n  tunnel-grup 1 create\n",
                  "test.cfg:2:3: unknown command 'tunnel-grup'"},
        ErrorCase{"config isa\n  tunnel-group 1\n",
                  "test.cfg:2:3: missing 'create': tunnel-group 1 does not exist"},
        ErrorCase{"config isa tunnel-group 17 create\n",
                  "test.cfg:1:25: tunnel-group id 17 is out of range 1..16"},
        ErrorCase{"config isa tunnel-group x create\n",
                  "test.cfg:1:25: expected a number for tunnel-group id, got 'x'"},
        ErrorCase{"config isa tunnel-group 99999999999999999999999 create\n",
                  "test.cfg:1:25: tunnel-group id 99999999999999999999999 is out of range "
                  "1..16"},
        ErrorCase{"config isa tunnel-group 1 create\nprimary 1-1\n",
                  "test.cfg:2:9: expected an ISA slot card/mda (e.g. 1/1) for primary, got "
                  "'1-1'"},
        ErrorCase{"config isa tunnel-group 1 create\nactive-mda-number 2\n",
                  "test.cfg:2:1: 'active-mda-number' is for multi-active tunnel groups "
                  "(tunnel-group ID create multi-active)"},
        ErrorCase{"config isa tunnel-group 1 create\nprimary\n",
                  "test.cfg:2:1: 'primary' needs primary"},
        ErrorCase{"config isa tunnel-group 1 create extra\n",
                  "test.cfg:1:34: unknown command 'extra'"},
        ErrorCase{"config service ies 1 create\n",
                  "test.cfg:1:16: 'customer' is required when creating ies 1"},
        ErrorCase{"config service ies 1 customer 1 create\nexit all\n"
                  "config service vprn 1 customer 1 create\n",
                  "test.cfg:3:21: service 1 exists as a ies service"},
        ErrorCase{"config service ies 1 customer 1 create\ninterface \"a\"\n",
                  "test.cfg:2:1: missing 'create': interface \"a\" does not exist"},
        ErrorCase{"config service ies 1 customer 1 create\ninterface \"a\" create\n"
                  "address 10.0.0.1\n",
                  "test.cfg:3:9: expected an interface address (address/length) for address, "
                  "got '10.0.0.1'"},
        ErrorCase{"config service ies 1 customer 1 create\ninterface \"a\" create\n"
                  "sap 1/1/1 create\n",
                  "test.cfg:3:5: expected a tunnel SAP (tunnel-<group>.public:<index> or "
                  "tunnel-<group>.private:<index>, group 1..16, index 1..4094), got '1/1/1'"},
        ErrorCase{"config service ies 1 customer 1 create\ninterface \"a\" create\n"
                  "sap tunnel-1.public:1 create\nexit\nsap tunnel-1.public:2 create\n",
                  "test.cfg:5:5: interface \"a\" already has sap tunnel-1.public:1 (one SAP per "
                  "interface)"},
        ErrorCase{"config service vprn 1 customer 1 create\ninterface \"a\" tunnel create\n"
                  "sap tunnel-1.private:1 create\nip-tunnel \"x\" create\nexit\n"
                  "ip-tunnel \"y\" create\n",
                  "test.cfg:6:11: a private tunnel SAP can have only one ip-tunnel; "
                  "tunnel-1.private:1 already has ip-tunnel \"x\""},
        ErrorCase{"config service ies 1 customer 1 create\ninterface \"a\" create\n"
                  "sap tunnel-1.public:1 create\nip-tunnel \"x\" create\n",
                  "test.cfg:4:1: ip-tunnel is only allowed under a private tunnel SAP "
                  "(tunnel-<group>.private:<index>)"},
        ErrorCase{"config service vprn 1 customer 1 create\ninterface \"a\" tunnel create\n"
                  "sap tunnel-1.private:1 create\nip-tunnel \"x\" create\ndest-ip 10.0.0.300\n",
                  "test.cfg:5:9: expected an IP address for dest-ip, got '10.0.0.300'"},
        ErrorCase{"config service vprn 1 customer 1 create\ninterface \"a\" tunnel create\n"
                  "sap tunnel-1.private:1 create\nip-tunnel \"x\" create\ndscp af99\n",
                  "test.cfg:5:6: unknown dscp 'af99' (be, ef, af11..af43, cs1..cs7, nc1, nc2, "
                  "cp0..cp63)"},
        ErrorCase{"config service vprn 1 customer 1 create\ninterface \"a\" tunnel create\n"
                  "ip-mtu 100\n",
                  "test.cfg:3:8: ip-mtu 100 is out of range 512..9000"},
        ErrorCase{"config ipsec ike-policy 1 create\nauth-algorithm sha3\n",
                  "test.cfg:2:16: unknown auth-algorithm 'sha3' (md5 sha1 sha256 sha384 sha512)"},
        ErrorCase{"config ipsec ike-policy 1 create\ndh-group 3\n",
                  "test.cfg:2:10: dh-group 3 is not supported (1 2 5 14 15 19 20 21 31)"},
        ErrorCase{"config ipsec ike-policy 1 create\nike-mode quick\n",
                  "test.cfg:2:10: ike-mode must be main or aggressive, got 'quick'"},
        ErrorCase{"config ipsec ike-policy 1 create\nike-version 3\n",
                  "test.cfg:2:13: ike-version 3 is out of range 1..2"},
        ErrorCase{"config ipsec tunnel-template 1 create\ntransform 1 2 3 4 5\n",
                  "test.cfg:2:19: at most 4 transforms"},
        ErrorCase{"config service vprn 1 customer 1 create\n"
                  "static-route 10.1.1.1/24 next-hop 10.0.0.1\n",
                  "test.cfg:2:14: static-route prefix '10.1.1.1/24' has host bits set (did you "
                  "mean 10.1.1.0/24?)"},
        ErrorCase{"config service vprn 1 customer 1 create\nstatic-route 10.1.1.0/24 via x\n",
                  "test.cfg:2:26: expected 'next-hop', got 'via'"},
        ErrorCase{"exit now\n", "test.cfg:1:6: unexpected 'now' after 'exit'"},
        ErrorCase{"no\n", "test.cfg:1:1: 'no' needs a command"},
        ErrorCase{"no config\n", "test.cfg:1:4: 'no config' is not supported"},
        ErrorCase{"\"config\" isa\n", "test.cfg:1:1: unknown command 'config'"},
        ErrorCase{"config isa tunnel-group 1 create\nshutdown now\n",
                  "test.cfg:2:10: unexpected 'now' after 'shutdown'"}));

TEST(Parser, ReportsEveryErrorAndKeepsGoing) {
  ParseResult r = ParseConfigText(
      "config isa\n"
      "  tunnel-group 1\n"  // missing create: its body is checked against a scratch group
      "    primary x\n"
      "  exit\n"
      "  tunnel-group 2 create\n"
      "    bogus\n"
      "  exit\n",
      "f.cfg");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].ToString(), "f.cfg:2:3: missing 'create': tunnel-group 1 does not exist");
  EXPECT_EQ(r.errors[1].ToString(),
            "f.cfg:3:13: expected an ISA slot card/mda (e.g. 1/1) for primary, got 'x'");
  EXPECT_EQ(r.errors[2].ToString(), "f.cfg:6:5: unknown command 'bogus'");
  EXPECT_FALSE(r.config.tunnel_groups.contains(1));
  EXPECT_TRUE(r.config.tunnel_groups.contains(2));
}

TEST(Parser, StopsAfterTooManyErrors) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "bogus\n";
  ParseResult r = ParseConfigText(text, "f.cfg");
  ASSERT_EQ(r.errors.size(), 101u);
  EXPECT_EQ(r.errors.back().ToString(), "f.cfg:101:1: too many errors (100); stopping");
}

TEST(Parser, MalformedInputNeverCrashes) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "config isa ipsec service ";
  std::string nul("config\0isa", 10);
  std::string huge = "config isa tunnel-group " + std::string(5 * 1024 * 1024, '9') + " create";
  std::string nav;
  for (int i = 0; i < 50000; ++i) nav += "config service vprn 1 customer 1 create\n";
  for (const std::string& text :
       {deep, nul, huge, nav, std::string("config isa tunnel-group 1 create \"unterminated"),
        std::string(1 << 20, '"'), std::string(1 << 20, '\n'), std::string("\xff\xfe\x00", 3)}) {
    ParseResult r = ParseConfigText(text, "f.cfg");
    (void)r;
  }
  EXPECT_EQ(FirstError(nul), "test.cfg:1:7: NUL byte");
}

TEST(Parser, SourceMapRecordsObjectsAndFields) {
  ParseResult r = ParseConfigText(
      "config service vprn 1 customer 1 create\n"
      "  interface \"a\" tunnel create\n"
      "    sap tunnel-1.private:1 create\n"
      "      ip-tunnel \"x\" create\n"
      "        dest-ip 10.0.0.2\n",
      "f.cfg");
  ASSERT_TRUE(r.ok());
  std::string tunnel = "service 1 interface \"a\" sap tunnel-1.private:1 ip-tunnel \"x\"";
  EXPECT_EQ(r.sources.Find(tunnel, "")->ToString(), "f.cfg:4:17");
  EXPECT_EQ(r.sources.Find(tunnel, "dest-ip")->ToString(), "f.cfg:5:17");
  EXPECT_EQ(r.sources.Find(tunnel, "source")->ToString(), "f.cfg:4:17");
}

TEST(Parser, StatusOrForm) {
  EXPECT_TRUE(ParseConfig("config isa tunnel-group 1 create\n").ok());
  auto bad = ParseConfig("bogus\n", "x.cfg");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "x.cfg:1:1: unknown command 'bogus'");
}

}  // namespace
}  // namespace tunnelisa::config
