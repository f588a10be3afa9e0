// `local-id` / `remote-id` (a tunnelisa extension): every identity type through the parser,
// every invalid form with its message, the writer's round trip, the builder, the validator,
// `show`, and IkeIdentity's wire form (RFC 7296 3.5) both ways.
#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/builder.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/config/show.h"
#include "tunnelisa/config/validator.h"
#include "tunnelisa/config/writer.h"

namespace tunnelisa::config {

// gtest prints identities in failure messages through this (found by ADL).
void PrintTo(const IkeIdentity& id, std::ostream* out) { *out << id.ToString(); }

namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FirstError;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ParseOk;
using testing::ReadVector;
using Type = IkeIdentity::Type;

// Five lines that enter an ipsec-tunnel's dynamic-keying; the line under test is line 6.
constexpr char kKeying[] =
    "config service vprn 1 customer 1 create\n"
    "interface \"t\" tunnel create\n"
    "sap tunnel-1.private:1 create\n"
    "ipsec-tunnel \"x\" create\n"
    "dynamic-keying\n";

// Four lines that enter an ipsec-gw; the line under test is line 5.
constexpr char kGw[] =
    "config service ies 1 customer 1 create\n"
    "interface \"p\" create\n"
    "sap tunnel-1.public:1 create\n"
    "ipsec-gw \"g\" create\n";

const DynamicKeying& Keying(const Config& c) {
  const IpsecTunnel& t = c.services.at(1).interfaces.at("t").sap->ipsec_tunnels.at("x");
  return std::get<DynamicKeying>(t.keying);
}

const IpsecGw& Gw(const Config& c) {
  return c.services.at(1).interfaces.at("p").sap->ipsec_gws.at("g");
}

IkeIdentity Id(Type type, std::string value) { return IkeIdentity{type, std::move(value)}; }

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// The path of two_tunnel_groups.cfg's ipsec-tunnel.
constexpr char kSiteB[] =
    "service 101 interface \"private-ipsec\" sap tunnel-1.private:201 ipsec-tunnel "
    "\"to-site-b\"";
constexpr char kSiteBText[] =
    "config service vprn 101 interface \"private-ipsec\" sap tunnel-1.private:201 "
    "ipsec-tunnel \"to-site-b\" dynamic-keying\n";

DynamicKeying& SiteB(Config& c) {
  return std::get<DynamicKeying>(
      c.services.at(101).interfaces.at("private-ipsec").sap->ipsec_tunnels.at("to-site-b").keying);
}

// ---- parsing ---------------------------------------------------------------------------------

TEST(IkeIdentityParse, EveryTypeUnderDynamicKeying) {
  struct Case {
    const char* line;
    IkeIdentity want;
  };
  const Case cases[] = {
      {"local-id ipv4-address 192.0.2.1", Id(Type::kIpv4Address, "192.0.2.1")},
      {"local-id ipv6-address 2001:DB8:0:0::1", Id(Type::kIpv6Address, "2001:db8::1")},
      {"local-id fqdn vpn.Example.com", Id(Type::kFqdn, "vpn.Example.com")},
      {"local-id fqdn gw1", Id(Type::kFqdn, "gw1")},
      {"local-id user-fqdn alice.o'neil+vpn@example.com",
       Id(Type::kUserFqdn, "alice.o'neil+vpn@example.com")},
      {"local-id key-id 0a0b0c", Id(Type::kKeyId, "0a0b0c")},
      {"local-id key-id 0x0A0B0C", Id(Type::kKeyId, "0a0b0c")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    Config config = ParseOk(std::string(kKeying) + c.line + "\n");
    EXPECT_EQ(Keying(config).local_id, c.want);
    EXPECT_EQ(Keying(config).remote_id, std::nullopt);
    std::string remote = std::string(c.line).replace(0, 5, "remote");
    Config config2 = ParseOk(std::string(kKeying) + remote + "\n");
    EXPECT_EQ(Keying(config2).remote_id, c.want);
    EXPECT_EQ(Keying(config2).local_id, std::nullopt);
  }
}

TEST(IkeIdentityParse, EveryTypeUnderIpsecGw) {
  Config c = ParseOk(std::string(kGw) +
                     "local-id fqdn gw.example.com\n"
                     "remote-id user-fqdn branch@example.com\n");
  EXPECT_EQ(Gw(c).local_id, Id(Type::kFqdn, "gw.example.com"));
  EXPECT_EQ(Gw(c).remote_id, Id(Type::kUserFqdn, "branch@example.com"));
  for (const char* line : {"local-id ipv4-address 1.1.1.9", "local-id ipv6-address 2001:db8::9",
                           "local-id key-id 00ff"}) {
    SCOPED_TRACE(line);
    EXPECT_TRUE(ParseOk(std::string(kGw) + line + "\n")
                    .services.at(1)
                    .interfaces.at("p")
                    .sap->ipsec_gws.at("g")
                    .local_id.has_value());
  }
}

TEST(IkeIdentityParse, QuotedValuesAndNoResetToTheDefault) {
  Config c = ParseOk(std::string(kKeying) +
                     "local-id fqdn \"vpn.example.com\"\n"
                     "remote-id user-fqdn \"#ops@example.com\"\n");
  EXPECT_EQ(Keying(c).local_id, Id(Type::kFqdn, "vpn.example.com"));
  EXPECT_EQ(Keying(c).remote_id, Id(Type::kUserFqdn, "#ops@example.com"));
  Config none = ParseOk(std::string(kKeying) +
                        "local-id fqdn a.example\nremote-id key-id 01\n"
                        "no local-id\nno remote-id\n");
  EXPECT_EQ(Keying(none).local_id, std::nullopt);
  EXPECT_EQ(Keying(none).remote_id, std::nullopt);
  Config gw = ParseOk(std::string(kGw) + "local-id fqdn a.example\nno local-id\n");
  EXPECT_EQ(Gw(gw).local_id, std::nullopt);
  // A later setting replaces an earlier one.
  Config twice = ParseOk(std::string(kKeying) + "local-id fqdn a.example\nlocal-id key-id 01\n");
  EXPECT_EQ(Keying(twice).local_id, Id(Type::kKeyId, "01"));
}

TEST(IkeIdentityParse, EveryInvalidFormHasItsMessage) {
  const std::string label64(64, 'a');
  const std::string name254 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(62, 'd');  // 254
  const std::string name253 = name254.substr(1);
  const std::string user65(65, 'u');
  const std::string long_user_fqdn = std::string(64, 'u') + "@" + std::string(63, 'a') + "." +
                                     std::string(63, 'b') + "." + std::string(63, 'c');  // 256
  struct Case {
    std::string line;
    std::string error;  // after "test.cfg:6:"
  };
  const std::vector<Case> cases = {
      {"local-id",
       "1: 'local-id' needs an identity type (ipv4-address, ipv6-address, fqdn, user-fqdn, "
       "key-id, dn) and a value"},
      {"remote-id email a@b.c",
       "11: unknown remote-id type 'email' (ipv4-address, ipv6-address, fqdn, user-fqdn, "
       "key-id, dn)"},
      {"local-id \"fqdn\" a.b",
       "10: unknown local-id type 'fqdn' (ipv4-address, ipv6-address, fqdn, user-fqdn, key-id, "
       "dn)"},
      {"local-id fqdn", "1: 'local-id fqdn' needs a value"},
      {"local-id fqdn a.example extra", "25: unexpected 'extra' after 'local-id'"},
      {"no local-id fqdn", "13: unexpected 'fqdn' after 'local-id'"},
      // addresses
      {"local-id ipv4-address 1.2.3",
       "23: invalid local-id ipv4-address '1.2.3': not an IPv4 "
       "address"},
      {"local-id ipv4-address 2001:db8::1",
       "23: invalid local-id ipv4-address '2001:db8::1': it is an IPv6 address (use "
       "ipv6-address)"},
      {"local-id ipv6-address 10.0.0.1",
       "23: invalid local-id ipv6-address '10.0.0.1': it is an IPv4 address (use ipv4-address)"},
      {"local-id ipv6-address fe80::1%eth0",
       "23: invalid local-id ipv6-address 'fe80::1%eth0': not an IPv6 address"},
      // fqdn
      {"local-id fqdn \"\"", "15: invalid local-id fqdn '': it is empty"},
      {"local-id fqdn a..b", "15: invalid local-id fqdn 'a..b': a label is empty"},
      {"local-id fqdn .a.b", "15: invalid local-id fqdn '.a.b': a label is empty"},
      {"local-id fqdn a.b.",
       "15: invalid local-id fqdn 'a.b.': ends with '.' (write the name without the final dot)"},
      {"local-id fqdn -a.b", "15: invalid local-id fqdn '-a.b': a label begins or ends with '-'"},
      {"local-id fqdn a-.b", "15: invalid local-id fqdn 'a-.b': a label begins or ends with '-'"},
      {"local-id fqdn a_b.example",
       "15: invalid local-id fqdn 'a_b.example': character '_' is not allowed (letters, digits, "
       "'-' and '.')"},
      {"local-id fqdn \"a b.example\"",
       "15: invalid local-id fqdn 'a b.example': a blank is not allowed (letters, digits, '-' "
       "and '.')"},
      {"local-id fqdn vpn.ex\xc3\xa4mple.com",
       "15: invalid local-id fqdn 'vpn.ex\xc3\xa4mple.com': byte 0xc3 is not allowed (letters, "
       "digits, '-' and '.')"},
      {"local-id fqdn " + label64 + ".com", "15: invalid local-id fqdn '" + label64.substr(0, 40) +
                                                "...': a label is longer than 63 characters"},
      {"local-id fqdn " + name254,
       "15: invalid local-id fqdn '" + name254.substr(0, 40) + "...': longer than 253 characters"},
      {"local-id fqdn 192.0.2.1",
       "15: invalid local-id fqdn '192.0.2.1': it is an IPv4 address (use ipv4-address)"},
      // user-fqdn
      {"remote-id user-fqdn alice",
       "21: invalid remote-id user-fqdn 'alice': not of the form user@domain"},
      {"remote-id user-fqdn a@b@example.com",
       "21: invalid remote-id user-fqdn 'a@b@example.com': more than one '@'"},
      {"remote-id user-fqdn @example.com",
       "21: invalid remote-id user-fqdn '@example.com': the user part (before '@') is empty"},
      {"remote-id user-fqdn a(b)@example.com",
       "21: invalid remote-id user-fqdn 'a(b)@example.com': character '(' is not allowed in the "
       "user part"},
      {"remote-id user-fqdn " + user65 + "@example.com",
       "21: invalid remote-id user-fqdn '" + user65.substr(0, 40) +
           "...': the user part is longer than 64 characters"},
      {"remote-id user-fqdn alice@",
       "21: invalid remote-id user-fqdn 'alice@': the domain is not a valid fqdn: it is empty"},
      {"remote-id user-fqdn alice@ex_ample.com",
       "21: invalid remote-id user-fqdn 'alice@ex_ample.com': the domain is not a valid fqdn: "
       "character '_' is not allowed (letters, digits, '-' and '.')"},
      {"remote-id user-fqdn alice@example.com.",
       "21: invalid remote-id user-fqdn 'alice@example.com.': the domain is not a valid fqdn: "
       "ends with '.' (write the name without the final dot)"},
      {"remote-id user-fqdn alice@10.0.0.1",
       "21: invalid remote-id user-fqdn 'alice@10.0.0.1': the domain is an IP address, not an "
       "fqdn"},
      {"remote-id user-fqdn " + long_user_fqdn, "21: invalid remote-id user-fqdn '" +
                                                    long_user_fqdn.substr(0, 40) +
                                                    "...': longer than 255 characters"},
      // key-id
      {"local-id key-id 0x",
       "17: invalid local-id key-id '0x': it is empty (1 to 64 octets of "
       "hex)"},
      {"local-id key-id abc",
       "17: invalid local-id key-id 'abc': an odd number of hex digits (two per octet)"},
      {"local-id key-id 0g", "17: invalid local-id key-id '0g': character 'g' is not a hex digit"},
      {"local-id key-id " + std::string(130, 'f'),
       "17: invalid local-id key-id '" + std::string(40, 'f') + "...': longer than 64 octets"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    EXPECT_EQ(FirstError(std::string(kKeying) + c.line + "\n"), "test.cfg:6:" + c.error);
  }
  // The limits themselves are fine.
  Config ok = ParseOk(std::string(kKeying) + "local-id fqdn " + name253 + "\n" +
                      "remote-id key-id " + std::string(128, 'F') + "\n");
  EXPECT_EQ(Keying(ok).local_id->value, name253);
  EXPECT_EQ(Keying(ok).remote_id->value, std::string(128, 'f'));
  EXPECT_EQ(FirstError(std::string(kKeying) + "local-id fqdn " + std::string(63, 'a') + ".com\n"),
            "");
  EXPECT_EQ(FirstError(std::string(kKeying) + "remote-id user-fqdn " + std::string(64, 'u') +
                       "@example.com\n"),
            "");
  // The same handler serves ipsec-gw (line 5 there).
  EXPECT_EQ(FirstError(std::string(kGw) + "remote-id fqdn a..b\n"),
            "test.cfg:5:16: invalid remote-id fqdn 'a..b': a label is empty");
}

TEST(IkeIdentityParse, OnlyUnderDynamicKeyingAndIpsecGw) {
  EXPECT_EQ(FirstError("config service vprn 1 customer 1 create\n"
                       "interface \"t\" tunnel create\n"
                       "sap tunnel-1.private:1 create\n"
                       "ipsec-tunnel \"x\" create\n"
                       "local-id fqdn a.example\n"),
            "test.cfg:5:1: unknown command 'local-id'");
  EXPECT_EQ(FirstError("config service vprn 1 customer 1 create\n"
                       "interface \"t\" tunnel create\n"
                       "sap tunnel-1.private:1 create\n"
                       "ipsec-tunnel \"x\" create\n"
                       "manual-keying\n"
                       "remote-id fqdn a.example\n"),
            "test.cfg:6:1: unknown command 'remote-id'");
}

TEST(IkeIdentityParse, SourceMapPointsAtTheValue) {
  LoadResult r = LoadConfigText(
      ReadVector("two_tunnel_groups.cfg") + kSiteBText + "    local-id fqdn site-a.example\n",
      "ids.cfg");
  ASSERT_TRUE(r.ok()) << r.errors.front().ToString();
  auto where = r.sources.Find(kSiteB, "local-id");
  ASSERT_TRUE(where.has_value());
  const std::string base = ReadVector("two_tunnel_groups.cfg");
  const int base_lines = static_cast<int>(std::count(base.begin(), base.end(), '\n'));
  EXPECT_EQ(where->line, base_lines + 2);
  EXPECT_EQ(where->column, 19);
}

// ---- writer ----------------------------------------------------------------------------------

TEST(IkeIdentityWriter, RoundTripsAtAFixedPosition) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") + kSiteBText +
                     "    auto-establish\n"
                     "    remote-id user-fqdn \"#branch@Example.com\"\n"
                     "    local-id ipv6-address 2001:DB8::1\n"
                     "exit all\n"
                     "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 "
                     "ipsec-gw \"rw\" create\n"
                     "    remote-id key-id 0XABCDEF\n"
                     "    gateway-address 1.1.1.9\n"
                     "    local-id fqdn gw.example.com\n"
                     "    ike-policy 1\n"
                     "    pre-shared-key \"k\"\n"
                     "    default-tunnel-template 1\n"
                     "exit all\n");
  std::string text = WriteConfig(c);
  const std::string i16(16, ' '), i20(20, ' '), i24(24, ' ');
  EXPECT_THAT(text, HasSubstr(i20 + "dynamic-keying\n" +                               //
                              i24 + "ike-policy 1\n" +                                 //
                              i24 + "pre-shared-key \"s3cret\"\n" +                    //
                              i24 + "local-id ipv6-address 2001:db8::1\n" +            //
                              i24 + "remote-id user-fqdn \"#branch@Example.com\"\n" +  //
                              i24 + "transform 1 2\n" +                                //
                              i24 + "auto-establish\n" +                               //
                              i20 + "exit\n"));
  EXPECT_THAT(text, HasSubstr(i16 + "ipsec-gw \"rw\" create\n" +        //
                              i20 + "gateway-address 1.1.1.9\n" +       //
                              i20 + "ike-policy 1\n" +                  //
                              i20 + "pre-shared-key \"k\"\n" +          //
                              i20 + "local-id fqdn gw.example.com\n" +  //
                              i20 + "remote-id key-id abcdef\n" +       //
                              i20 + "default-tunnel-template 1\n"));
  Config again = ParseOk(text, "written.cfg");
  EXPECT_EQ(again, c) << text;
  EXPECT_EQ(WriteConfig(again), text);
}

TEST(IkeIdentityWriter, EveryTypeRoundTrips) {
  for (const char* id :
       {"ipv4-address 192.0.2.1", "ipv6-address ::ffff:192.0.2.1", "fqdn x", "fqdn a-b.c-d.e",
        "user-fqdn a@b", "user-fqdn !#$%&'*+-/=?^_`{|}~.@x.y", "key-id 00"}) {
    SCOPED_TRACE(id);
    Config c = ParseOk(std::string(kKeying) + "local-id " + id + "\nremote-id " + id + "\n");
    Config again = ParseOk(WriteConfig(c), "written.cfg");
    EXPECT_EQ(again, c);
    EXPECT_EQ(Keying(again).local_id->ToString(), id);
  }
}

// ---- builder ---------------------------------------------------------------------------------

TEST(IkeIdentityBuilder, SaysWhatTheTextSays) {
  Config text = ParseOk(ReadVector("two_tunnel_groups.cfg") + kSiteBText +
                        "    local-id fqdn site-a.example.com\n"
                        "    remote-id key-id 0x0A0B\n"
                        "exit all\n"
                        "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 "
                        "ipsec-gw \"rw\" create\n"
                        "    gateway-address 1.1.1.9\n"
                        "    local-id ipv4-address 1.1.1.9\n"
                        "    remote-id user-fqdn branch@example.com\n");
  ConfigBuilder b(ParseOk(ReadVector("two_tunnel_groups.cfg")));
  b.Vprn(101, 1)
      .TunnelInterface("private-ipsec")
      .Sap("tunnel-1.private:201")
      .IpsecTunnel("to-site-b")
      .LocalId(Type::kFqdn, "site-a.example.com")
      .RemoteId(Type::kKeyId, "0x0A0B");
  b.Ies(100, 1)
      .Interface("public-1")
      .Sap("tunnel-1.public:200")
      .IpsecGw("rw")
      .GatewayAddress("1.1.1.9")
      .LocalId(Type::kIpv4Address, "1.1.1.9")
      .RemoteId(Type::kUserFqdn, "branch@example.com");
  absl::StatusOr<Config> built = b.Build();
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(*built, text);
  EXPECT_EQ(WriteConfig(*built), WriteConfig(text));
}

TEST(IkeIdentityBuilder, NoIdsAndOrderWithDynamicKeying) {
  ConfigBuilder b;
  IpsecTunnelBuilder t =
      b.Vprn(1, 1).TunnelInterface("t").Sap("tunnel-1.private:1").IpsecTunnel("x");
  // local-id first: it starts the dynamic-keying that DynamicKeying() then fills in.
  t.LocalId(Type::kFqdn, "a.example").RemoteId(Type::kFqdn, "b.example");
  t.DynamicKeying(1, "k", {1});
  const auto& dk = std::get<DynamicKeying>(t.raw().keying);
  EXPECT_EQ(dk.local_id, Id(Type::kFqdn, "a.example"));
  EXPECT_EQ(dk.ike_policy, 1u);
  t.NoRemoteId();
  EXPECT_EQ(dk.remote_id, std::nullopt);
  EXPECT_EQ(dk.local_id, Id(Type::kFqdn, "a.example"));
  t.NoLocalId();
  EXPECT_EQ(dk.local_id, std::nullopt);

  IpsecGwBuilder g = b.Ies(2, 1).Interface("p").Sap("tunnel-1.public:1").IpsecGw("g");
  g.LocalId(Type::kKeyId, "01").RemoteId(Type::kKeyId, "02").NoLocalId();
  EXPECT_EQ(g.raw().local_id, std::nullopt);
  EXPECT_EQ(g.raw().remote_id, Id(Type::kKeyId, "02"));
  g.NoRemoteId();
  EXPECT_EQ(g.raw().remote_id, std::nullopt);
}

TEST(IkeIdentityBuilder, InvalidValuesAndManualKeyingAreErrors) {
  {
    ConfigBuilder b;
    b.Ies(1, 1).Interface("p").Sap("tunnel-1.public:1").IpsecGw("g").RemoteId(Type::kFqdn, "a..b");
    EXPECT_EQ(b.Build().status().message(), "invalid remote-id fqdn 'a..b': a label is empty");
    EXPECT_EQ(b.config().services.at(1).interfaces.at("p").sap->ipsec_gws.at("g").remote_id,
              std::nullopt);
  }
  {
    ConfigBuilder b;
    b.Vprn(1, 1)
        .TunnelInterface("t")
        .Sap("tunnel-1.private:1")
        .IpsecTunnel("x")
        .ManualSa(1, SaDirection::kInbound, 300, 1, "", "")
        .LocalId(Type::kFqdn, "a.example");
    EXPECT_EQ(b.Build().status().message(),
              "local-id: ipsec-tunnel \"x\" has manual-keying; local-id needs dynamic-keying");
  }
  {
    ConfigBuilder b;
    b.Vprn(1, 1)
        .TunnelInterface("t")
        .Sap("tunnel-1.private:1")
        .IpsecTunnel("x")
        .LocalId(Type::kIpv4Address, "2001:db8::1");
    EXPECT_EQ(b.Build().status().message(),
              "invalid local-id ipv4-address '2001:db8::1': it is an IPv6 address (use "
              "ipv6-address)");
  }
}

// ---- validator -------------------------------------------------------------------------------

TEST(IkeIdentityValidator, RefusesInvalidAndNonCanonicalValuesInTheModel) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  SiteB(c).local_id = Id(Type::kFqdn, "a..b");
  SiteB(c).remote_id = Id(Type::kKeyId, "0A0B");
  ValidationReport r = Validate(c);
  EXPECT_THAT(r.errors,
              ElementsAre(Finding{kSiteB, "local-id",
                                  "invalid local-id fqdn 'a..b': a label is "
                                  "empty"},
                          Finding{kSiteB, "remote-id",
                                  "invalid remote-id key-id '0A0B': not in canonical form (write "
                                  "0a0b)"}));
  SiteB(c).local_id = Id(Type::kIpv6Address, "2001:DB8::1");
  SiteB(c).remote_id = Id(Type::kIpv4Address, "::1");
  r = Validate(c);
  EXPECT_THAT(r.errors,
              ElementsAre(Finding{kSiteB, "local-id",
                                  "invalid local-id ipv6-address '2001:DB8::1': not in canonical "
                                  "form (write 2001:db8::1)"},
                          Finding{kSiteB, "remote-id",
                                  "invalid remote-id ipv4-address '::1': it is an IPv6 address "
                                  "(use ipv6-address)"}));
  SiteB(c).local_id = Id(Type::kIpv6Address, "2001:db8::1");
  SiteB(c).remote_id = Id(Type::kUserFqdn, "ops@example.com");
  EXPECT_TRUE(Validate(c).ok());

  Config g = ParseOk(std::string(kGw));
  IpsecGw& gw = g.services.at(1).interfaces.at("p").sap->ipsec_gws.at("g");
  gw.local_id = Id(Type::kUserFqdn, "nobody");
  const std::string gw_path = "service 1 interface \"p\" sap tunnel-1.public:1 ipsec-gw \"g\"";
  EXPECT_THAT(Validate(g).errors,
              Contains(Finding{gw_path, "local-id",
                               "invalid local-id user-fqdn 'nobody': not of the form "
                               "user@domain"}));
}

TEST(IkeIdentityValidator, IdsAreOptional) {
  // Unset ids are the defaults (the local gateway address; any peer identity), not findings.
  LoadResult r = LoadConfigText(ReadVector("two_tunnel_groups.cfg"), "base.cfg");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.warnings.empty());
}

// ---- show ------------------------------------------------------------------------------------

TEST(IkeIdentityShow, DetailAndJsonListTheIds) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ConfigRuntimeView runtime(c);
  std::string detail = *ShowIpsecTunnel(c, runtime, "to-site-b", ShowFormat::kText);
  EXPECT_THAT(detail, HasSubstr("Local IKE ID     : ipv4-address 1.1.1.2 (default)\n"
                                "Remote IKE ID    : any\n"));
  EXPECT_THAT(*ShowIpsecTunnel(c, runtime, "", ShowFormat::kJson),
              HasSubstr("\"local_id\":null,\"remote_id\":null"));

  Config ids = ParseOk(ReadVector("two_tunnel_groups.cfg") + kSiteBText +
                       "local-id fqdn site-a.example.com\nremote-id user-fqdn b@example.com\n");
  ConfigRuntimeView runtime2(ids);
  detail = *ShowIpsecTunnel(ids, runtime2, "to-site-b", ShowFormat::kText);
  EXPECT_THAT(detail, HasSubstr("Local IKE ID     : fqdn site-a.example.com\n"
                                "Remote IKE ID    : user-fqdn b@example.com\n"));
  EXPECT_THAT(*ShowIpsecTunnel(ids, runtime2, "", ShowFormat::kJson),
              HasSubstr("\"local_id\":{\"type\":\"fqdn\",\"value\":\"site-a.example.com\"},"
                        "\"remote_id\":{\"type\":\"user-fqdn\",\"value\":\"b@example.com\"}"));
}

// ---- model helpers ---------------------------------------------------------------------------

TEST(IkeIdentityModel, TypeNamesToStringAndEffectiveLocalId) {
  for (Type t :
       {Type::kIpv4Address, Type::kIpv6Address, Type::kFqdn, Type::kUserFqdn, Type::kKeyId}) {
    EXPECT_EQ(ParseIkeIdentityType(IkeIdentityTypeName(t)), t);
  }
  EXPECT_EQ(ParseIkeIdentityType("email"), std::nullopt);
  EXPECT_EQ(Id(Type::kFqdn, "vpn.example.com").ToString(), "fqdn vpn.example.com");
  EXPECT_EQ(Id(Type::kUserFqdn, "#a@b.c").ToString(), "user-fqdn \"#a@b.c\"");
  EXPECT_EQ(IkeIdentity::ForAddress(*IpAddress::Parse("2001:db8::1")),
            Id(Type::kIpv6Address, "2001:db8::1"));

  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  const IpsecTunnel& t =
      c.services.at(101).interfaces.at("private-ipsec").sap->ipsec_tunnels.at("to-site-b");
  EXPECT_EQ(EffectiveLocalId(t), Id(Type::kIpv4Address, "1.1.1.2"));
  SiteB(c).local_id = Id(Type::kFqdn, "a.example");
  EXPECT_EQ(EffectiveLocalId(t), Id(Type::kFqdn, "a.example"));
  IpsecTunnel manual;
  manual.keying = ManualKeying{};
  manual.local_gateway_address = IpAddress::Parse("1.1.1.2");
  EXPECT_EQ(EffectiveLocalId(manual), std::nullopt);
  IpsecTunnel no_gateway;
  no_gateway.keying = DynamicKeying{};
  EXPECT_EQ(EffectiveLocalId(no_gateway), std::nullopt);

  IpsecGw gw;
  EXPECT_EQ(EffectiveLocalId(gw), std::nullopt);
  gw.gateway_address = IpAddress::Parse("1.1.1.9");
  EXPECT_EQ(EffectiveLocalId(gw), Id(Type::kIpv4Address, "1.1.1.9"));
  gw.local_id = Id(Type::kKeyId, "01");
  EXPECT_EQ(EffectiveLocalId(gw), Id(Type::kKeyId, "01"));
}

TEST(IkeIdentityModel, MatchesComparesNamesWithoutCase) {
  IkeIdentity fqdn = Id(Type::kFqdn, "vpn.example.com");
  EXPECT_TRUE(fqdn.Matches(Id(Type::kFqdn, "VPN.Example.COM")));
  EXPECT_FALSE(fqdn.Matches(Id(Type::kFqdn, "vpn.example.org")));
  EXPECT_FALSE(fqdn.Matches(Id(Type::kUserFqdn, "vpn@example.com")));
  IkeIdentity user = Id(Type::kUserFqdn, "Alice@example.com");
  EXPECT_TRUE(user.Matches(Id(Type::kUserFqdn, "Alice@EXAMPLE.com")));
  EXPECT_FALSE(user.Matches(Id(Type::kUserFqdn, "alice@example.com")));  // the user part is exact
  EXPECT_FALSE(user.Matches(Id(Type::kUserFqdn, "Alic@eexample.com")));
  EXPECT_TRUE(Id(Type::kKeyId, "0a0b").Matches(Id(Type::kKeyId, "0a0b")));
  EXPECT_FALSE(Id(Type::kKeyId, "0a0b").Matches(Id(Type::kKeyId, "0a0c")));
  EXPECT_TRUE(Id(Type::kIpv4Address, "192.0.2.1").Matches(Id(Type::kIpv4Address, "192.0.2.1")));
  EXPECT_FALSE(Id(Type::kIpv4Address, "192.0.2.1").Matches(Id(Type::kIpv4Address, "192.0.2.2")));
}

// ---- wire form -------------------------------------------------------------------------------

TEST(IkeIdentityWire, WireDataOfEveryType) {
  struct Case {
    IkeIdentity id;
    uint8_t wire_type;
    std::vector<uint8_t> data;
  };
  std::vector<uint8_t> v6(16, 0);
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[2] = 0x0d;
  v6[3] = 0xb8;
  v6[15] = 0x01;
  const Case cases[] = {
      {Id(Type::kIpv4Address, "192.0.2.1"), 1, {192, 0, 2, 1}},
      {Id(Type::kIpv6Address, "2001:db8::1"), 5, v6},
      {Id(Type::kFqdn, "vpn.example.com"), 2, Bytes("vpn.example.com")},
      {Id(Type::kUserFqdn, "alice@example.com"), 3, Bytes("alice@example.com")},
      {Id(Type::kKeyId, "0a0b0c"), 11, {0x0a, 0x0b, 0x0c}},
      {Id(Type::kKeyId, "00ff"), 11, {0x00, 0xff}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id.ToString());
    EXPECT_EQ(c.id.WireType(), c.wire_type);
    EXPECT_EQ(c.id.WireData(), c.data);
    EXPECT_EQ(IkeIdentity::FromWire(c.wire_type, c.data), c.id);
  }
  // Identities that do not pass Check() have no wire form.
  EXPECT_TRUE(Id(Type::kFqdn, "a..b").WireData().empty());
  EXPECT_TRUE(Id(Type::kKeyId, "0A").WireData().empty());
  EXPECT_TRUE(Id(Type::kIpv4Address, "::1").WireData().empty());
}

TEST(IkeIdentityWire, FromWireOfEveryType) {
  const uint8_t v4[] = {10, 0, 0, 1};
  EXPECT_EQ(IkeIdentity::FromWire(1, v4), Id(Type::kIpv4Address, "10.0.0.1"));
  std::vector<uint8_t> v6(16, 0);
  v6[15] = 1;
  EXPECT_EQ(IkeIdentity::FromWire(5, v6), Id(Type::kIpv6Address, "::1"));
  EXPECT_EQ(IkeIdentity::FromWire(2, Bytes("VPN.Example.com")), Id(Type::kFqdn, "VPN.Example.com"));
  EXPECT_EQ(IkeIdentity::FromWire(3, Bytes("a@b.c")), Id(Type::kUserFqdn, "a@b.c"));
  EXPECT_EQ(IkeIdentity::FromWire(11, std::vector<uint8_t>{0xAB, 0x01}), Id(Type::kKeyId, "ab01"));
  EXPECT_EQ(IkeIdentity::FromWire(11, std::vector<uint8_t>(64, 0x11)),
            Id(Type::kKeyId, std::string(128, '1')));
  // The longest name: four labels, 63 + 63 + 63 + 61 characters and three dots.
  const std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_EQ(IkeIdentity::FromWire(2, Bytes(longest)), Id(Type::kFqdn, longest));
}

TEST(IkeIdentityWire, FromWireOnGarbageIsNullopt) {
  const std::vector<std::pair<uint8_t, std::vector<uint8_t>>> garbage = {
      {1, {}},                                    // empty
      {1, {10, 0, 0}},                            // IPv4, 3 octets
      {1, {10, 0, 0, 1, 0}},                      // IPv4, 5 octets
      {1, std::vector<uint8_t>(16, 1)},           // IPv6 octets as IPv4
      {5, {}},                                    // empty
      {5, {10, 0, 0, 1}},                         // IPv4 octets as IPv6
      {5, std::vector<uint8_t>(15, 1)},           // 15 octets
      {5, std::vector<uint8_t>(17, 1)},           // 17 octets
      {2, {}},                                    // empty FQDN
      {2, Bytes("vpn.ex\xc3\xa4mple.com")},       // non-ASCII
      {2, {'a', 0x00, 'b'}},                      // NUL inside
      {2, Bytes("a.example\n")},                  // control character
      {2, Bytes("a b.example")},                  // blank
      {2, Bytes("a_b.example")},                  // underscore
      {2, Bytes("vpn.example.com.")},             // final dot
      {2, Bytes("a..b")},                         // empty label
      {2, Bytes("192.0.2.1")},                    // an address as text
      {2, Bytes(std::string(64, 'a') + ".com")},  // label too long
      {2, Bytes(std::string(254, 'a'))},          // too long
      {3, {}},                                    // empty RFC 822
      {3, Bytes("no-at-sign.example")},           // no '@'
      {3, Bytes("a@b@c")},                        // two '@'
      {3, Bytes("@example.com")},                 // no user
      {3, Bytes("al\xffice@example.com")},        // non-ASCII user
      {3, Bytes("alice@")},                       // no domain
      {11, {}},                                   // empty key-id
      {11, std::vector<uint8_t>(65, 0)},          // key-id over 64 octets
      {0, {1, 2, 3, 4}},                          // reserved type
      {4, {10, 0, 0, 0, 255, 255, 255, 0}},       // ID_IPV4_ADDR_SUBNET (IKEv1)
      {9, {0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x00}},  // DN
      {10, Bytes("anything")},  // ID_DER_ASN1_GN
      {12, Bytes("anything")},  // ID_FC_NAME
      {255, Bytes("anything")},
  };
  for (const auto& [type, data] : garbage) {
    SCOPED_TRACE(::testing::Message() << "type " << int{type} << ", " << data.size() << " octets");
    EXPECT_EQ(IkeIdentity::FromWire(type, data), std::nullopt);
  }
}

TEST(IkeIdentityWire, WhateverFromWireReturnsIsValidAndRoundTrips) {
  // A deterministic stream of short random payloads of every ID type number, biased towards
  // printable text so that some parse.
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char kAlphabet[] = "ab-.@0_Z\x80 ";
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    uint8_t type = static_cast<uint8_t>(next() % 13);
    size_t size = static_cast<size_t>(next() % 24);
    std::vector<uint8_t> data(size);
    bool text = next() % 2 == 0;
    for (uint8_t& b : data) {
      b = text ? static_cast<uint8_t>(kAlphabet[next() % (sizeof kAlphabet - 1)])
               : static_cast<uint8_t>(next());
    }
    auto id = IkeIdentity::FromWire(type, data);
    if (!id) continue;
    ++parsed;
    ASSERT_EQ(id->Check(), "") << id->ToString();
    ASSERT_EQ(id->WireType(), type);
    ASSERT_EQ(id->WireData(), data);
    ASSERT_EQ(IkeIdentity::Parse(id->type, id->value), id);
  }
  EXPECT_GT(parsed, 1000);
}

TEST(IkeIdentityWire, ParseCheckAndWireAgree) {
  for (const auto& [type, text] :
       std::vector<std::pair<Type, std::string>>{{Type::kIpv4Address, "010.1.1.1"},
                                                 {Type::kIpv6Address, "::FFFF:1.2.3.4"},
                                                 {Type::kFqdn, "Mixed-Case.Example"},
                                                 {Type::kUserFqdn, "x@y"},
                                                 {Type::kKeyId, "0XdeadBEEF"}}) {
    SCOPED_TRACE(text);
    std::string error;
    auto id = IkeIdentity::Parse(type, text, &error);
    if (!id) {
      // inet_pton refuses leading zeros; that is a parse error, not a crash.
      EXPECT_EQ(error, "not an IPv4 address");
      continue;
    }
    EXPECT_EQ(id->Check(), "");
    EXPECT_EQ(IkeIdentity::FromWire(id->WireType(), id->WireData()), id);
  }
}

}  // namespace
}  // namespace tunnelisa::config

namespace tunnelisa::config {
namespace {

TEST(IkeIdentityDn, CanonicalTextWireFormAndMatching) {
  std::string error;
  auto id = IkeIdentity::Parse(IkeIdentity::Type::kDn, "C=US,O=Example,CN=gw1", &error);
  ASSERT_TRUE(id.has_value()) << error;
  EXPECT_EQ(id->value, "C=US, O=Example, CN=gw1");
  EXPECT_EQ(id->Check(), "");
  EXPECT_EQ(id->ToString(), "dn \"C=US, O=Example, CN=gw1\"");  // one word for the parser
  EXPECT_EQ(id->WireType(), 9);
  const std::vector<uint8_t> der = id->WireData();
  ASSERT_FALSE(der.empty());
  EXPECT_EQ(der[0], 0x30);  // a DER SEQUENCE (RDNSequence)
  EXPECT_EQ(IkeIdentity::FromWire(9, der), id);
  auto spaced = IkeIdentity::Parse(IkeIdentity::Type::kDn, "C=US, O=Example, CN=gw1");
  ASSERT_TRUE(spaced.has_value());
  EXPECT_TRUE(id->Matches(*spaced));
  auto other = IkeIdentity::Parse(IkeIdentity::Type::kDn, "C=US, O=Example, CN=gw2");
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(id->Matches(*other));
  EXPECT_FALSE(IkeIdentity::Parse(IkeIdentity::Type::kDn, "no equals sign", &error).has_value());
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(IkeIdentity::Parse(IkeIdentity::Type::kDn, "", &error).has_value());
  EXPECT_EQ(ParseIkeIdentityType("dn"), IkeIdentity::Type::kDn);
}

}  // namespace
}  // namespace tunnelisa::config
