// One test per rule of the validator (docs/configuration.md, "Rules").
#include "tunnelisa/config/validator.h"

#include <string>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::config {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using testing::ParseOk;
using testing::ReadVector;

// Base: two tunnel groups, a public IES with one public SAP per group, a VPRN with a GRE
// tunnel and an IPsec tunnel, both valid. Tests append lines that break one rule.
constexpr char kBase[] = R"(
config isa
  tunnel-group 1 create
    primary 1/1
    no shutdown
  exit
  tunnel-group 2 create
    primary 2/1
    no shutdown
  exit
exit all
config ipsec
  ike-policy 1 create
  exit
  ipsec-transform 1 create
  exit
exit all
config service ies 100 customer 1 create
  interface "pub1" create
    address 1.1.1.1/24
    sap tunnel-1.public:1 create
    exit
  exit
  interface "pub2" create
    address 2.2.2.1/24
    sap tunnel-2.public:1 create
    exit
  exit
exit all
config service vprn 200 customer 1 create
  ipsec
    security-policy 1 create
      entry 1 create
        local-ip 10.1.0.0/16
        remote-ip 10.2.0.0/16
      exit
    exit
  exit
  interface "gre" tunnel create
    address 10.0.0.1/30
    sap tunnel-1.private:1 create
      ip-tunnel "g" create
        gre-header
        dest-ip 10.0.0.2
        source 1.1.1.2
        remote-ip 9.9.9.9
        delivery-service 100
        no shutdown
      exit
    exit
  exit
  interface "sec" tunnel create
    sap tunnel-1.private:2 create
      ipsec-tunnel "s" create
        security-policy 1
        local-gateway-address 1.1.1.3 peer 8.8.8.8 delivery-service 100
        dynamic-keying
          ike-policy 1
          pre-shared-key "k"
          transform 1
        exit
        no shutdown
      exit
    exit
  exit
  static-route 10.2.0.0/16 next-hop ipsec-tunnel "s"
exit all
)";

ValidationReport Check(const std::string& extra) {
  return Validate(ParseOk(std::string(kBase) + extra));
}

std::vector<std::string> Errors(const ValidationReport& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.errors) out.push_back(f.message);
  return out;
}
std::vector<std::string> Down(const ValidationReport& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.oper_down) out.push_back(f.message);
  return out;
}

const char kGre[] =
    "config service vprn 200 interface \"gre\" sap tunnel-1.private:1 "
    "ip-tunnel \"g\"\n";
const char kSec[] =
    "config service vprn 200 interface \"sec\" sap tunnel-1.private:2 "
    "ipsec-tunnel \"s\"\n";

TEST(Validator, BaseAndGuideExamplesAreValid) {
  ValidationReport r = Check("");
  EXPECT_THAT(Errors(r), ElementsAre());
  EXPECT_THAT(Down(r), ElementsAre());
  ValidationReport fig27 = Validate(ParseOk(ReadVector("guide_figure27_router_a.cfg")));
  EXPECT_THAT(Errors(fig27), ElementsAre());
  EXPECT_THAT(Down(fig27), ElementsAre());
}

TEST(Validator, SapNamesAMissingTunnelGroup) {
  auto r = Check("config service ies 100 interface \"p3\" create sap tunnel-3.public:1 create\n");
  EXPECT_THAT(Errors(r), ElementsAre("sap tunnel-3.public:1: tunnel-group 3 does not exist"));
  EXPECT_EQ(r.errors[0].object, "service 100 interface \"p3\" sap tunnel-3.public:1");
}

TEST(Validator, DeliveryServiceMustExist) {
  EXPECT_THAT(Errors(Check(std::string(kGre) + "delivery-service 999\n")),
              ElementsAre("delivery-service 999 does not exist"));
  EXPECT_THAT(Errors(Check(std::string(kGre) + "delivery-service \"nope\"\n")),
              ElementsAre("delivery-service \"nope\" does not exist"));
}

TEST(Validator, DeliveryServiceByName) {
  auto r = Check("config service ies 100 service-name \"internet\"\nexit all\n" +
                 std::string(kGre) + "delivery-service \"internet\"\n");
  EXPECT_THAT(Errors(r), ElementsAre());
}

TEST(Validator, SecurityPolicyMustExistInTheTunnelsService) {
  EXPECT_THAT(Errors(Check(std::string(kSec) + "security-policy 7\n")),
              ElementsAre("security-policy 7 does not exist in service 200"));
}

TEST(Validator, IkePolicyAndTransformMustExist) {
  EXPECT_THAT(Errors(Check(std::string(kSec) + "dynamic-keying ike-policy 5\n")),
              ElementsAre("ike-policy 5 does not exist"));
  EXPECT_THAT(Errors(Check(std::string(kSec) + "dynamic-keying transform 1 6\n")),
              ElementsAre("ipsec-transform 6 does not exist"));
}

TEST(Validator, StaticRouteTunnelMustExist) {
  EXPECT_THAT(Errors(Check("config service vprn 200 static-route 10.3.0.0/16 next-hop ipsec-tunnel "
                           "\"x\"\nstatic-route 10.4.0.0/16 next-hop ip-tunnel \"y\"\n")),
              ElementsAre("next-hop ipsec-tunnel \"x\" does not exist in service 200",
                          "next-hop ip-tunnel \"y\" does not exist in service 200"));
}

TEST(Validator, PrivateSapNeedsATunnelInterface) {
  EXPECT_THAT(Errors(Check("config service vprn 200 interface \"x\" create sap tunnel-1.private:9 "
                           "create\n")),
              ElementsAre("a private tunnel SAP needs a tunnel interface (interface \"x\" tunnel "
                          "create)"));
}

TEST(Validator, PublicSapBelongsOnARegularInterface) {
  EXPECT_THAT(
      Errors(Check("config service ies 100 interface \"x\" tunnel create sap tunnel-1.public:9 "
                   "create\n")),
      ElementsAre("a public tunnel SAP belongs on a regular interface, not a tunnel interface"));
}

TEST(Validator, PrivateTunnelInterfaceCantBeUnnumbered) {
  auto r = Check("config service vprn 200 interface \"sec\" unnumbered \"system\"\n");
  EXPECT_THAT(Errors(r), ElementsAre("an IP interface associated with a private tunnel SAP "
                                     "does not support unnumbered operation"));
}

TEST(Validator, AddressAndUnnumberedExcludeEachOther) {
  EXPECT_THAT(Errors(Check("config service ies 100 interface \"pub1\" unnumbered \"x\"\n")),
              ElementsAre("an interface has either an address or 'unnumbered', not both"));
}

TEST(Validator, DestIpIsMandatory) {
  EXPECT_THAT(Errors(Check(std::string(kGre) + "no dest-ip\n")),
              ElementsAre("ip-tunnel \"g\": dest-ip is mandatory"));
}

TEST(Validator, DestIpOutsideThePrivateSubnetIsOperDown) {
  auto r = Check(std::string(kGre) + "dest-ip 10.0.0.9\n");
  EXPECT_THAT(Errors(r), ElementsAre());
  EXPECT_THAT(Down(r), ElementsAre("dest-ip 10.0.0.9 is not within the subnet of the local "
                                   "private endpoint 10.0.0.1/30"));
  EXPECT_EQ(r.oper_down[0].field, "dest-ip");
}

TEST(Validator, SourceOutsideThePublicSapSubnetIsOperDown) {
  auto r = Check(std::string(kGre) + "source 3.3.3.3\n");
  EXPECT_THAT(Errors(r), ElementsAre());
  EXPECT_THAT(Down(r), ElementsAre("source 3.3.3.3 is not in the subnet of a public tunnel SAP "
                                   "interface of tunnel-group 1 in delivery service 100"));
}

TEST(Validator, LocalGatewayOutsideThePublicSapSubnetIsOperDown) {
  auto r = Check(std::string(kSec) +
                 "local-gateway-address 7.7.7.7 peer 8.8.8.8 delivery-service 100\n");
  EXPECT_THAT(Down(r), ElementsAre("local-gateway-address 7.7.7.7 is not in the subnet of a "
                                   "public tunnel SAP interface of tunnel-group 1 in delivery "
                                   "service 100"));
}

TEST(Validator, ATunnelBelongsToExactlyOneTunnelGroup) {
  auto r = Check(std::string(kGre) + "source 2.2.2.2\n");
  EXPECT_THAT(Errors(r), ElementsAre("a tunnel belongs to exactly one tunnel group: source "
                                     "2.2.2.2 is on public SAP tunnel-2.public:1 "
                                     "(tunnel-group 2) but the tunnel's private SAP is in "
                                     "tunnel-group 1"));
}

TEST(Validator, DeliveryServiceNeedsAPublicSapOfTheGroup) {
  auto r = Check(std::string(kGre) + "delivery-service 200\n");
  EXPECT_THAT(Errors(r), ElementsAre("delivery service 200 has no IP interface with a public "
                                     "tunnel SAP of tunnel-group 1"));
}

TEST(Validator, SapIdsAreUniqueInTheNode) {
  auto r = Check("config service vprn 200 interface \"x\" create sap tunnel-1.public:1 create\n");
  EXPECT_THAT(Errors(r), ElementsAre("sap tunnel-1.public:1 is already used by service 100 "
                                     "interface \"pub1\""));
}

TEST(Validator, TunnelNamesAreUniqueInAService) {
  auto r = Check(
      "config service vprn 200 interface \"gre2\" tunnel create address 10.0.1.1/30\n"
      "sap tunnel-1.private:3 create ip-tunnel \"g\" create dest-ip 10.0.1.2\nexit all\n"
      "config service vprn 200 interface \"sec2\" tunnel create sap tunnel-1.private:4 create "
      "ipsec-tunnel \"s\" create\n");
  EXPECT_THAT(Errors(r),
              ElementsAre("ip-tunnel \"g\" already exists in this service (service 200 interface "
                          "\"gre\" sap tunnel-1.private:1)",
                          "ipsec-tunnel \"s\" already exists in this service (service 200 "
                          "interface \"sec\" sap tunnel-1.private:2)"));
  EXPECT_EQ(r.errors[0].object,
            "service 200 interface \"gre2\" sap tunnel-1.private:3 ip-tunnel \"g\"");
}

TEST(Validator, TransformAlgorithms) {
  EXPECT_THAT(Errors(Check("config ipsec ipsec-transform 2\nesp-encryption-algorithm "
                           "aes128gcm16\nesp-auth-algorithm sha1\n")),
              ElementsAre("esp-encryption-algorithm aes128gcm16 authenticates by itself; "
                          "esp-auth-algorithm must be none"));
  EXPECT_THAT(Errors(Check("config ipsec ipsec-transform 2\nesp-auth-algorithm none\n")),
              ElementsAre("ESP needs authentication: esp-auth-algorithm none needs an AEAD "
                          "esp-encryption-algorithm"));
  EXPECT_THAT(Errors(Check("config ipsec ipsec-transform 2\nesp-encryption-algorithm "
                           "chacha20poly1305\n")),
              ElementsAre());
}

TEST(Validator, IkePolicyVersionRules) {
  EXPECT_THAT(Errors(Check("config ipsec ike-policy 2 create\nike-version 2\nike-mode "
                           "aggressive\n")),
              ElementsAre("ike-mode aggressive exists in IKEv1 only (ike-version 1)"));
  EXPECT_THAT(Errors(Check("config ipsec ike-policy 2 create\nencryption-algorithm "
                           "aes256gcm16\n")),
              ElementsAre("encryption-algorithm aes256gcm16 is an AEAD cipher, which IKE "
                          "supports in version 2 only"));
}

TEST(Validator, ManualKeyingKeysMatchTheTransform) {
  std::string manual = std::string(kSec) +
                       "no dynamic-keying\nmanual-keying\n"
                       "security-association 1 authentication-key 0x0011 encryption-key "
                       "0x0011 spi 300 transform 1 direction inbound\n";
  EXPECT_THAT(Errors(Check(manual)), ElementsAre("encryption-key is 2 bytes; aes128 needs 16",
                                                 "authentication-key is 2 bytes; sha1 needs 20"));
  EXPECT_THAT(Down(Check(manual)),
              ElementsAre("manual-keying needs an inbound and an outbound security-association"));
}

TEST(Validator, InboundSpisAreUnique) {
  std::string key16 = "0x000102030405060708090a0b0c0d0e0f";
  std::string key20 = "0x000102030405060708090a0b0c0d0e0f10111213";
  std::string sa = " authentication-key " + key20 + " encryption-key " + key16 +
                   " spi 300 transform 1 direction ";
  auto r = Check(std::string(kSec) + "no dynamic-keying\nmanual-keying\n" +
                 "security-association 1" + sa + "inbound\nsecurity-association 2" + sa +
                 "inbound\nsecurity-association 1" + sa + "outbound\n");
  EXPECT_THAT(Errors(r), ElementsAre(HasSubstr("inbound spi 300 is already used by")));
  EXPECT_THAT(Down(r), ElementsAre());
}

// A second ipsec-tunnel on the (local gateway, peer) pair of "s" in the same delivery service.
std::string SecondTunnel(const char* local, const char* peer) {
  return std::string("config service vprn 200 interface \"sec2\" tunnel create ") +
         "sap tunnel-1.private:3 create ipsec-tunnel \"s2\" create\nsecurity-policy 1\n" +
         "local-gateway-address " + local + " peer " + peer + " delivery-service 100\n" +
         "dynamic-keying\nike-policy 1\npre-shared-key \"k\"\ntransform 1\nexit\n" +
         "no shutdown\n";
}

TEST(Validator, TwoIpsecTunnelsCannotShareALocalGatewayAndPeer) {
  EXPECT_THAT(Errors(Check(SecondTunnel("1.1.1.3", "8.8.8.8"))),
              ElementsAre(HasSubstr("local-gateway-address 1.1.1.3 and peer 8.8.8.8 in "
                                    "delivery-service 100 are already used by")));
  // Another peer, or another local gateway address, is another pair.
  EXPECT_THAT(Errors(Check(SecondTunnel("1.1.1.3", "8.8.4.4"))), ElementsAre());
  EXPECT_THAT(Errors(Check(SecondTunnel("1.1.1.4", "8.8.8.8"))), ElementsAre());
}

TEST(Validator, TunnelGroupRules) {
  EXPECT_THAT(Errors(Check("config isa tunnel-group 1 backup 1/1\n")),
              ElementsAre("backup ISA 1/1 is also the primary ISA of this tunnel group"));
  EXPECT_THAT(Down(Check("config isa tunnel-group 3 create\n")),
              ElementsAre("no primary ISA is configured"));
  EXPECT_THAT(Down(Check("config isa tunnel-group 3 create multi-active\nmda 1/1\n"
                         "active-mda-number 2\n")),
              ElementsAre("active-mda-number 2 exceeds the 1 configured ISAs"));
  EXPECT_THAT(Down(Check("config isa tunnel-group 3 create multi-active\n")),
              ElementsAre("no ISA is configured (mda)"));
}

TEST(Validator, MissingPiecesMakeTunnelsOperDown) {
  EXPECT_THAT(Down(Check(std::string(kGre) + "no source\nno remote-ip\n")),
              ElementsAre("no source address is configured", "no remote-ip is configured"));
  EXPECT_THAT(Down(Check(std::string(kSec) + "no security-policy\nno dynamic-keying\n")),
              ElementsAre("no security-policy is configured",
                          "no keying is configured (manual-keying or dynamic-keying)"));
  EXPECT_THAT(
      Down(Check(std::string(kSec) +
                 "dynamic-keying\nno ike-policy\nno pre-shared-key\nno transform\n")),
      ElementsAre("dynamic-keying has no ike-policy", "dynamic-keying has no pre-shared-key",
                  "dynamic-keying has no transform"));
  EXPECT_THAT(Down(Check("config service vprn 200 interface \"gre\" no address\n")),
              ElementsAre("an IP interface associated with a private tunnel SAP does not "
                          "support unnumbered operation: interface \"gre\" needs an address "
                          "for ip-tunnel \"g\""));
}

TEST(Validator, IpsecGwReferences) {
  auto r = Check(
      "config ipsec tunnel-template 1 create transform 1\nexit all\n"
      "config service ies 100 interface \"pub1\" sap tunnel-1.public:1 ipsec-gw \"rw\" create\n"
      "gateway-address 1.1.1.9\nike-policy 1\npre-shared-key \"x\"\ndefault-tunnel-template 1\n"
      "default-secure-service 200 interface \"gre\"\n");
  EXPECT_THAT(Errors(r), ElementsAre());
  EXPECT_THAT(Down(r), ElementsAre());
  auto bad = Check(
      "config service ies 100 interface \"pub1\" sap tunnel-1.public:1 ipsec-gw \"rw\" create\n"
      "gateway-address 9.9.9.9\nike-policy 4\npre-shared-key \"x\"\ndefault-tunnel-template 4\n"
      "default-secure-service 200 interface \"none\"\n");
  EXPECT_THAT(Errors(bad),
              ElementsAre("ike-policy 4 does not exist", "tunnel-template 4 does not exist",
                          "interface \"none\" does not exist in service 200"));
  EXPECT_THAT(Down(bad), ElementsAre("gateway-address 9.9.9.9 is not in the subnet of interface "
                                     "\"pub1\""));
}

TEST(Validator, ServiceNamesAreUnique) {
  auto r = Check(
      "config service ies 100 service-name \"a\"\nexit all\n"
      "config service vprn 200 service-name \"a\"\n");
  EXPECT_THAT(Errors(r), ElementsAre("service name \"a\" is already used by service 100"));
}

TEST(Validator, SecurityPolicyEntriesNeedBothSelectors) {
  auto r = Check(
      "config service vprn 200 ipsec security-policy 2 create entry 1 create\n"
      "local-ip any\n");
  EXPECT_THAT(Errors(r), ElementsAre("entry needs remote-ip"));
}

}  // namespace
}  // namespace tunnelisa::config
