// Remote access in the configuration (docs/configuration.md, "Remote access"): the RADIUS
// trees, the remote-access auth-methods, an ipsec-gw's RADIUS policies and address pool, and
// request-address: parsing, the canonical writer, and each parser and validator rule at its
// FILE:LINE:COL. tests/vectors/configs/remote_access.cfg is the base.
#include <string>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/diff.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/config/writer.h"

namespace tunnelisa::config {
namespace {

using ::testing::ElementsAre;
using testing::FirstError;
using ::testing::HasSubstr;
using testing::ParseOk;
using testing::ReadVector;

std::string Base() { return ReadVector("remote_access.cfg"); }  // 107 lines

// Navigation lines appended to the base (the first becomes line 108).
constexpr char kGw[] =
    "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw\"\n";
constexpr char kPool[] =
    "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw\" "
    "local-address-assignment ipv4\n";
constexpr char kClient[] =
    "config service vprn 101 interface \"clients\" sap tunnel-1.private:201 ipsec-tunnel "
    "\"to-hq\" dynamic-keying\n";

IpAddress A(std::string_view text) { return *IpAddress::Parse(text); }

const IpsecGw& Gw(const Config& c) {
  return c.services.at(100).interfaces.at("public-1").sap->ipsec_gws.at("rw");
}
const DynamicKeying& Client(const Config& c) {
  return std::get<DynamicKeying>(
      c.services.at(101).interfaces.at("clients").sap->ipsec_tunnels.at("to-hq").keying);
}

std::vector<std::string> Errors(const std::string& text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : LoadConfigText(text, "ra.cfg").errors) out.push_back(d.ToString());
  return out;
}

// ---- the model -------------------------------------------------------------------------------

TEST(RemoteAccessConfig, TheVectorParsesIntoTheModel) {
  Config c = ParseOk(Base());
  ASSERT_EQ(c.radius_servers.size(), 2u);
  const RadiusServer& r1 = c.radius_servers.at("rad-1");
  EXPECT_EQ(r1.address, A("127.0.0.1"));
  EXPECT_EQ(r1.secret, ConfigSecret::FromText("s3cret-1"));
  EXPECT_EQ(r1.auth_port, 1812);
  EXPECT_EQ(r1.acct_port, 1813);
  EXPECT_EQ(r1.description, "primary");
  EXPECT_EQ(c.radius_servers.at("rad-2").auth_port, 11812);
  EXPECT_EQ(c.radius_servers.at("rad-2").acct_port, 11813);

  const RadiusServerPolicy& p = c.radius_server_policies.at("rsp");
  EXPECT_EQ(p.timeout_s, 3u);
  EXPECT_EQ(p.retry, 2u);
  EXPECT_EQ(p.nas_identifier, "gw-a");
  EXPECT_EQ(p.servers, (std::map<uint32_t, std::string>{{1, "rad-1"}, {2, "rad-2"}}));
  EXPECT_EQ(c.radius_authentication_policies.at("ra-auth").radius_server_policy, "rsp");
  EXPECT_EQ(c.radius_accounting_policies.at("ra-acct").update_interval_min, 10u);

  EXPECT_EQ(c.ike_policies.at(1).auth_method, IkeAuthMethod::kPskRadius);
  EXPECT_EQ(c.ike_policies.at(2).auth_method, IkeAuthMethod::kPlainPskXauth);

  const IpsecGw& gw = Gw(c);
  EXPECT_EQ(gw.radius_authentication_policy, "ra-auth");
  EXPECT_EQ(gw.radius_accounting_policy, "ra-acct");
  ASSERT_TRUE(gw.local_address_assignment && gw.local_address_assignment->ipv4);
  const Ipv4AddressAssignment& v4 = *gw.local_address_assignment->ipv4;
  EXPECT_EQ(v4.range_start, A("10.9.0.10"));
  EXPECT_EQ(v4.range_end, A("10.9.0.200"));
  EXPECT_THAT(v4.dns_servers, ElementsAre(A("10.9.0.1"), A("192.0.2.53")));
  EXPECT_TRUE(Client(c).request_address);
}

TEST(RemoteAccessConfig, TheVectorLoadsWithoutFindings) {
  LoadResult r = LoadConfigText(Base(), "ra.cfg");
  EXPECT_TRUE(r.ok()) << r.errors.front().ToString();
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front().ToString();
}

TEST(RemoteAccessConfig, TheWriterRoundTripsEverything) {
  Config c = ParseOk(Base());
  const std::string text = WriteConfig(c);
  EXPECT_EQ(ParseOk(text, "written.cfg"), c);
  EXPECT_THAT(text, HasSubstr("server \"rad-2\" address 127.0.0.2 secret \"s3cret-2\" create"));
  EXPECT_THAT(text, HasSubstr("address-range 10.9.0.10 10.9.0.200"));
  EXPECT_THAT(text, HasSubstr("auth-method plain-psk-xauth"));
  EXPECT_THAT(text, HasSubstr("request-address"));
}

TEST(RemoteAccessConfig, NoCommandsUndoEachSetting) {
  Config c = ParseOk(Base() + kPool + "no dns-server 10.9.0.1\n" + kGw +
                     "no radius-accounting-policy\n"
                     "config aaa radius-server-policy \"rsp\" servers no server 2\n"
                     "config router radius-server server \"rad-2\"\nno auth-port\n" +
                     kClient + "no request-address\n");
  EXPECT_THAT(Gw(c).local_address_assignment->ipv4->dns_servers, ElementsAre(A("192.0.2.53")));
  EXPECT_EQ(Gw(c).radius_accounting_policy, "");
  EXPECT_EQ(c.radius_server_policies.at("rsp").servers.size(), 1u);
  EXPECT_EQ(c.radius_servers.at("rad-2").auth_port, 1812);
  EXPECT_FALSE(Client(c).request_address);
  Config gone = ParseOk(Base() + kGw + "no local-address-assignment\n" +
                        "config router radius-server no server \"rad-2\"\n");
  EXPECT_FALSE(Gw(gone).local_address_assignment.has_value());
  EXPECT_FALSE(gone.radius_servers.contains("rad-2"));
}

TEST(RemoteAccessConfig, AnExistingRadiusServerTakesANewAddressAndSecret) {
  Config c = ParseOk(Base() +
                     "config router radius-server server \"rad-1\" address 127.0.0.9 secret \"x\"\n"
                     "acct-port 1646\n");
  EXPECT_EQ(c.radius_servers.at("rad-1").address, A("127.0.0.9"));
  EXPECT_EQ(c.radius_servers.at("rad-1").secret, ConfigSecret::FromText("x"));
  EXPECT_EQ(c.radius_servers.at("rad-1").acct_port, 1646);
}

// ---- parser errors ---------------------------------------------------------------------------

struct ErrorCase {
  const char* text;
  const char* error;
};

class RemoteAccessParserErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RemoteAccessParserErrors, ExactMessageAndPlace) {
  EXPECT_EQ(FirstError(GetParam().text), GetParam().error);
}

#define RADIUS "config router radius-server "
#define POLICY "config aaa radius-server-policy \"p\" create servers\n"
#define POOL                                                                             \
  "config service ies 1 customer 1 create interface \"i\" create sap tunnel-1.public:1 " \
  "create ipsec-gw \"g\" create local-address-assignment ipv4\n"

INSTANTIATE_TEST_SUITE_P(
    All, RemoteAccessParserErrors,
    ::testing::Values(
        ErrorCase{"config ipsec ike-policy 1 create\nown-auth-method psk-radius\n",
                  "test.cfg:2:17: own-auth-method psk-radius is not allowed: this side "
                  "authenticates with psk, cert-auth (psk-radius is a client's method, for "
                  "auth-method)"},
        ErrorCase{RADIUS "server \"r\" address 127.0.0.1 create\n",
                  "test.cfg:1:29: radius-server \"r\" does not exist: creating it needs "
                  "'secret' (server \"NAME\" address A.B.C.D secret \"S\" create)"},
        ErrorCase{RADIUS "server \"r\" address 127.0.0.1 secret \"s\"\n",
                  "test.cfg:1:29: radius-server \"r\" does not exist: creating it needs "
                  "'create' (server \"NAME\" address A.B.C.D secret \"S\" create)"},
        ErrorCase{RADIUS "server \"r\" secret \"s\" create\n",
                  "test.cfg:1:29: radius-server \"r\" does not exist: creating it needs "
                  "'address' (server \"NAME\" address A.B.C.D secret \"S\" create)"},
        ErrorCase{RADIUS "server \"r\" address ::1 secret \"s\" create\n",
                  "test.cfg:1:48: radius-server address must be an IPv4 address"},
        ErrorCase{RADIUS "server \"r\" address 127.0.0.1 secret \"\" create\n",
                  "test.cfg:1:65: secret must be 1..64 characters long"},
        ErrorCase{RADIUS "server \"r\" address 127.0.0.1 secret \"s\" create now\n",
                  "test.cfg:1:76: unexpected 'now' after 'server'"},
        ErrorCase{RADIUS "server \"r\" address 127.0.0.1 secret \"s\" create\nauth-port 0\n",
                  "test.cfg:2:11: auth-port 0 is out of range 1..65535"},
        ErrorCase{POLICY "timeout 91\n", "test.cfg:2:9: timeout 91 is out of range 1..90"},
        ErrorCase{POLICY "retry 0\n", "test.cfg:2:7: retry 0 is out of range 1..10"},
        ErrorCase{POLICY "server 17 name \"r\"\n",
                  "test.cfg:2:8: server index 17 is out of range 1..16"},
        ErrorCase{POLICY "server 1 \"r\"\n",
                  "test.cfg:2:10: 'server INDEX' needs 'name \"RADIUS-SERVER\"'"},
        ErrorCase{POLICY "server 1 name \"a\"\nserver 1 name \"b\"\n",
                  "test.cfg:3:1: server 1 is already radius-server \"a\" ('no server 1' first)"},
        ErrorCase{"config ipsec radius-accounting-policy \"a\" create\nupdate-interval 4\n",
                  "test.cfg:2:17: update-interval 4 is out of range 5..1440"},
        ErrorCase{"config ipsec radius-authentication-policy \"a\"\n",
                  "test.cfg:1:14: missing 'create': radius-authentication-policy \"a\" does not "
                  "exist"},
        ErrorCase{POOL "address-range 10.0.0.1\n",
                  "test.cfg:2:1: 'address-range' needs address-range"},
        ErrorCase{POOL "address-range 10.0.0.1 2001:db8::1\n",
                  "test.cfg:2:24: address-range must be an IPv4 address (this is the ipv4 "
                  "block)"},
        ErrorCase{POOL "dns-server 10.0.0.1\ndns-server 10.0.0.2\ndns-server 10.0.0.3\n",
                  "test.cfg:4:1: at most 2 dns-server lines (10.0.0.1 and 10.0.0.2 are "
                  "configured)"},
        ErrorCase{POOL "dns-server dns.example\n",
                  "test.cfg:2:12: expected an IP address for dns-server, got 'dns.example'"}));

// ---- validator rules -------------------------------------------------------------------------

TEST(RemoteAccessConfig, XauthIsIkev1AndTheEapMethodsAreIkev2) {
  EXPECT_THAT(Errors(Base() + "config ipsec ike-policy 2 ike-version 2\n"),
              ElementsAre("ra.cfg:39:21: auth-method plain-psk-xauth needs ike-version 1: XAUTH "
                          "is an IKEv1 extension (IKEv2 checks users with EAP: psk-radius, "
                          "cert-radius, eap)"));
  for (const char* method : {"psk-radius", "cert-radius", "eap"}) {
    SCOPED_TRACE(method);
    EXPECT_THAT(Errors(Base() + "config ipsec ike-policy 2 auth-method " + method + "\n"),
                ElementsAre(std::string("ra.cfg:108:39: auth-method ") + method +
                            " needs ike-version 2: EAP is IKEv2's (IKEv1 checks users with XAUTH: "
                            "plain-psk-xauth)"));
  }
}

TEST(RemoteAccessConfig, AStaticTunnelCannotUseARadiusMethod) {
  EXPECT_THAT(Errors(Base() + kClient + "ike-policy 1\n"),
              ElementsAre("ra.cfg:109:12: ike-policy 1 uses auth-method psk-radius, which "
                          "authenticates remote-access users: only an ipsec-gw can use it (a "
                          "static ipsec-tunnel has no client to authenticate)"));
}

TEST(RemoteAccessConfig, RequestAddressWorksWithBothIkeVersions) {
  // IKEv2 asks with CP(CFG_REQUEST), IKEv1 with Mode Config.
  EXPECT_THAT(Errors(Base() + "config ipsec ike-policy 3 ike-version 1\n"), ElementsAre());
}

TEST(RemoteAccessConfig, AnXauthLoginNeedsIkev1AndAPreSharedKey) {
  const std::string v1 = "config ipsec ike-policy 3 ike-version 1\n";
  Config c = ParseOk(Base() + v1 + kClient + "xauth-user \"alice\" password \"pw\"\n");
  EXPECT_EQ(Client(c).xauth_user, "alice");
  ASSERT_TRUE(Client(c).xauth_password.has_value());
  EXPECT_EQ(*Client(c).xauth_password, ConfigSecret::FromText("pw"));
  Config gone = ParseOk(Base() + v1 + kClient + "xauth-user \"alice\" password \"pw\"\n" + kClient +
                        "no xauth-user\n");
  EXPECT_EQ(Client(gone).xauth_user, "");
  EXPECT_FALSE(Client(gone).xauth_password.has_value());
  // ike-policy 3 of the vector is IKEv2.
  EXPECT_THAT(Errors(Base() + kClient + "xauth-user \"alice\" password \"pw\"\n"),
              ElementsAre("ra.cfg:109:1: xauth-user needs ike-version 1 and auth-method psk (the "
                          "client proves the gateway's pre-shared key, then XAUTH; XAUTH with "
                          "certificates is not supported); ike-policy 3 is ike-version 2, "
                          "auth-method psk"));
  EXPECT_THAT(Errors(Base() + v1 + kClient + "xauth-user \"\" password \"pw\"\n"),
              ElementsAre("ra.cfg:110:12: xauth-user must be 1..253 characters long"));
  EXPECT_THAT(Errors(Base() + v1 + kClient + "xauth-user \"alice\" password \"\"\n"),
              ElementsAre("ra.cfg:110:29: xauth-user password must be 1..128 characters long"));
  EXPECT_THAT(Errors(Base() + v1 + kClient + "xauth-user \"alice\"\n"),
              ElementsAre("ra.cfg:110:12: xauth-user needs its password: xauth-user \"NAME\" "
                          "password \"SECRET\""));
  EXPECT_EQ(Errors(Base() + v1 + kClient + "xauth-user \"alice\" password\n").size(), 1u);
}

TEST(RemoteAccessConfig, EapClientCredentialsParseWriteAndUndo) {
  Config c =
      ParseOk(Base() + kClient + "eap-identity \"alice\"\neap-password \"alice-password\"\n");
  EXPECT_EQ(Client(c).eap_identity, "alice");
  EXPECT_EQ(Client(c).eap_password, ConfigSecret::FromText("alice-password"));
  const std::string text = WriteConfig(c);
  EXPECT_THAT(text, HasSubstr("eap-identity \"alice\""));
  EXPECT_THAT(text, HasSubstr("eap-password \"alice-password\""));
  EXPECT_EQ(ParseOk(text, "written.cfg"), c);
  Config undone = ParseOk(Base() + kClient +
                          "eap-identity \"alice\"\neap-password \"alice-password\"\n"
                          "no eap-identity\nno eap-password\n");
  EXPECT_FALSE(Client(undone).eap_identity.has_value());
  EXPECT_FALSE(Client(undone).eap_password.has_value());
}

TEST(RemoteAccessConfig, EapClientRulesAreErrorsAtTheirLine) {
  EXPECT_THAT(Errors(Base() + kClient + "eap-identity \"alice\"\n"),
              ElementsAre(::testing::AllOf(
                  HasSubstr("ra.cfg:109:"),
                  HasSubstr("eap-identity and eap-password go together (an EAP client needs "
                            "both)"))));
  EXPECT_THAT(Errors(Base() + kClient + "eap-password \"\"\n"),
              ElementsAre("ra.cfg:109:14: eap-password must be 1..128 characters long"));
  EXPECT_THAT(Errors(Base() + kClient + "eap-identity \"alice\"\neap-password \"pw\"\n" +
                     "config ipsec ike-policy 3 ike-version 1\n"),
              ::testing::Contains(HasSubstr("eap-identity needs ike-version 2 (EAP in IKE_AUTH); "
                                            "ike-policy 3 is ike-version 1")));
}

TEST(RemoteAccessConfig, ARadiusMethodNeedsAnAuthenticationPolicy) {
  EXPECT_THAT(Errors(Base() + kGw + "no radius-authentication-policy\n"),
              ElementsAre("ra.cfg:64:28: ike-policy 1 uses auth-method psk-radius, which checks "
                          "users with RADIUS: the ipsec-gw needs a radius-authentication-policy"));
}

TEST(RemoteAccessConfig, DanglingRadiusReferencesAreErrors) {
  EXPECT_THAT(Errors(Base() + kGw + "radius-authentication-policy \"nope\"\n"),
              ElementsAre("ra.cfg:109:30: radius-authentication-policy \"nope\" does not exist"));
  EXPECT_THAT(Errors(Base() + kGw + "radius-accounting-policy \"nope\"\n"),
              ElementsAre("ra.cfg:109:26: radius-accounting-policy \"nope\" does not exist"));
  EXPECT_THAT(
      Errors(Base() + "config ipsec radius-authentication-policy \"ra-auth\" "
                      "radius-server-policy \"nope\"\n"),
      ElementsAre("ra.cfg:108:74: radius-server-policy \"nope\" does not exist (config aaa)"));
  EXPECT_THAT(Errors(Base() + "config ipsec radius-accounting-policy \"x\" create\n"),
              ElementsAre("ra.cfg:108:39: no radius-server-policy is configured"));
  EXPECT_THAT(Errors(Base() + "config aaa radius-server-policy \"rsp\" servers server 3 name "
                              "\"nope\"\n"),
              ElementsAre("ra.cfg:108:47: server 3: radius-server \"nope\" does not exist "
                          "(config router radius-server)"));
}

TEST(RemoteAccessConfig, AServerListedTwiceOrNoneAtAllIsRefused) {
  EXPECT_THAT(Errors(Base() + "config aaa radius-server-policy \"rsp\" servers server 5 name "
                              "\"rad-1\"\n"),
              ElementsAre("ra.cfg:108:47: radius-server \"rad-1\" is listed twice (server 1 and "
                          "server 5): each server once, in failover order"));
  EXPECT_THAT(Errors(Base() + "config aaa radius-server-policy \"empty\" create\n"),
              ElementsAre("ra.cfg:108:33: radius-server-policy \"empty\" has no server (servers "
                          "/ server INDEX name \"NAME\")"));
}

TEST(RemoteAccessConfig, ThePoolLiesInsideThePrivateInterfaceSubnet) {
  EXPECT_THAT(Errors(Base() + kPool + "address-range 10.9.0.100 10.9.1.5\n"),
              ElementsAre("ra.cfg:109:1: address-range 10.9.0.100 10.9.1.5 is not inside the "
                          "subnet 10.9.0.0/24 of interface \"clients\""));
  EXPECT_THAT(Errors(Base() + kPool + "address-range 10.9.0.50 10.9.0.20\n"),
              ElementsAre("ra.cfg:109:1: address-range 10.9.0.50 10.9.0.20: the start is above "
                          "the end"));
  EXPECT_THAT(Errors(Base() + kPool + "address-range 10.9.0.1 10.9.0.20\n"),
              ElementsAre("ra.cfg:109:1: address-range 10.9.0.1 10.9.0.20 contains 10.9.0.1, the "
                          "address of interface \"clients\""));
  EXPECT_THAT(Errors(Base() + "config service vprn 101 interface \"clients\" address 10.0.0.1/8\n" +
                     kPool + "address-range 10.1.0.0 10.2.0.0\n"),
              ElementsAre("ra.cfg:110:1: address-range 10.1.0.0 10.2.0.0 has 65537 addresses; "
                          "at most 65536"));
  EXPECT_THAT(Errors(Base() + kGw + "no default-secure-service\n"),
              ElementsAre("ra.cfg:72:25: address-range needs a default-secure-service (its "
                          "private tunnel interface's subnet holds the pool)"));
  EXPECT_THAT(Errors(Base() + kGw + "local-address-assignment no ipv4\n"),
              ElementsAre("ra.cfg:109:1: local-address-assignment needs an ipv4 block with an "
                          "address-range"));
}

TEST(RemoteAccessConfig, TwoGatewaysMayNotShareAddresses) {
  const std::string second =
      "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw2\" "
      "create\n"
      "gateway-address 1.1.1.10\nike-policy 3\npre-shared-key \"k\"\ndefault-tunnel-template 1\n"
      "default-secure-service 101 interface \"clients\"\n"
      "local-address-assignment ipv4 address-range 10.9.0.200 10.9.0.250\n";
  EXPECT_THAT(Errors(Base() + second),
              ElementsAre("ra.cfg:114:31: address-range 10.9.0.200 10.9.0.250 overlaps the pool "
                          "of ipsec-gw \"rw\" in service 101 (two clients would get the same "
                          "address)"));
}

// ---- diff ------------------------------------------------------------------------------------

class UpRuntime : public RuntimeView {
 public:
  OperStatus TunnelGroupStatus(uint32_t) const override { return {OperState::kUp, {}}; }
  std::vector<IsaSlot> ActiveIsas(uint32_t) const override { return {{1, 1}}; }
  OperStatus IpTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  OperStatus IpsecTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey&) const override {
    return std::nullopt;
  }
};

TEST(RemoteAccessDiff, RadiusObjectChangesAreListed) {
  Config running = ParseOk(Base());
  Config candidate =
      ParseOk(Base() + "config router radius-server server \"rad-2\"\nacct-port 1646\n" +
              "config ipsec radius-accounting-policy \"acct-2\" create radius-server-policy "
              "\"rsp\"\n" +
              "config aaa radius-server-policy \"rsp\" servers timeout 9\n");
  ChangePlan p = PlanChange(running, candidate, UpRuntime());
  EXPECT_TRUE(p.allowed());
  EXPECT_THAT(p.changes,
              ElementsAre(Change{ChangeKind::kModified, "radius-server \"rad-2\""},
                          Change{ChangeKind::kModified, "radius-server-policy \"rsp\""},
                          Change{ChangeKind::kAdded, "radius-accounting-policy \"acct-2\""}));
}

}  // namespace
}  // namespace tunnelisa::config
