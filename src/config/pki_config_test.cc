// Certificate authentication in the configuration (docs/configuration.md, "Certificates"):
// parsing, the canonical writer, each validator rule at its FILE:LINE:COL, the builder, the
// run-time diff and show. tests/vectors/configs/pki_cert_auth.cfg is the base.
#include <string>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/builder.h"
#include "tunnelisa/config/diff.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/config/show.h"
#include "tunnelisa/config/validator.h"
#include "tunnelisa/config/writer.h"

namespace tunnelisa::config {
namespace {

using ::testing::ElementsAre;
using testing::FirstError;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ParseOk;
using testing::ReadVector;

std::string Base() { return ReadVector("pki_cert_auth.cfg"); }  // 83 lines

// Navigation lines appended to the base (they become line 84).
constexpr char kTunnel[] =
    "config service vprn 101 interface \"private-ipsec\" sap tunnel-1.private:201 "
    "ipsec-tunnel \"to-site-b\"\n";
constexpr char kGw[] =
    "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw\"\n";
constexpr char kCorpCa[] = "config system security pki ca-profile \"corp-ca\"\n";

const DynamicKeying& Keying(const Config& c) {
  return std::get<DynamicKeying>(
      c.services.at(101).interfaces.at("private-ipsec").sap->ipsec_tunnels.at("to-site-b").keying);
}
const IpsecGw& Gw(const Config& c) {
  return c.services.at(100).interfaces.at("public-1").sap->ipsec_gws.at("rw");
}

// Errors / Warnings: every finding of LoadConfigText as "FILE:LINE:COL: message".
std::vector<std::string> Errors(const std::string& text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : LoadConfigText(text, "pki.cfg").errors) out.push_back(d.ToString());
  return out;
}
std::vector<std::string> Warnings(const std::string& text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : LoadConfigText(text, "pki.cfg").warnings) {
    out.push_back(d.ToString());
  }
  return out;
}

// ---- parser ----------------------------------------------------------------------------------

TEST(PkiConfig, TheVectorParsesIntoTheModel) {
  Config c = ParseOk(Base());
  ASSERT_EQ(c.ca_profiles.size(), 1u);
  const CaProfile& ca = c.ca_profiles.at("corp-ca");
  EXPECT_EQ(ca, (CaProfile{"corp-ca", "corp-ca.der", "corp-ca.crl", AdminState::kUp,
                           "the corporate CA"}));
  const IkePolicy& both = c.ike_policies.at(1);
  EXPECT_EQ(both.auth_method, IkeAuthMethod::kCertAuth);
  EXPECT_EQ(both.own_auth_method, std::nullopt);
  EXPECT_EQ(OwnAuthMethod(both), IkeAuthMethod::kCertAuth);
  const IkePolicy& asymmetric = c.ike_policies.at(2);
  EXPECT_EQ(asymmetric.auth_method, IkeAuthMethod::kCertAuth);
  EXPECT_EQ(OwnAuthMethod(asymmetric), IkeAuthMethod::kPsk);
  EXPECT_EQ(Keying(c).cert, (CertAuth{"gw1.der", "gw1.key", "corp-ca"}));
  EXPECT_EQ(Keying(c).pre_shared_key, std::nullopt);
  EXPECT_EQ(Gw(c).cert, (CertAuth{"", "", "corp-ca"}));
  // A policy that says nothing authenticates both ways with the pre-shared key.
  EXPECT_EQ(OwnAuthMethod(IkePolicy{}), IkeAuthMethod::kPsk);
  EXPECT_EQ(IkePolicy{}.auth_method, IkeAuthMethod::kPsk);
}

TEST(PkiConfig, AuthMethodWordsComeFromOneTable) {
  for (IkeAuthMethod m : AllIkeAuthMethods()) {
    EXPECT_EQ(ParseIkeAuthMethod(IkeAuthMethodName(m)), m);
  }
  EXPECT_EQ(IkeAuthMethodName(IkeAuthMethod::kPsk), "psk");
  EXPECT_EQ(IkeAuthMethodName(IkeAuthMethod::kCertAuth), "cert-auth");
  EXPECT_EQ(ParseIkeAuthMethod("cert"), std::nullopt);
  EXPECT_EQ(ParseIkeAuthMethod("PSK"), std::nullopt);
}

TEST(PkiConfig, ACaProfileIsCreatedShutDown) {
  Config c = ParseOk("config system security pki ca-profile \"staged\" create\n");
  EXPECT_EQ(c.ca_profiles.at("staged"), (CaProfile{"staged", "", "", AdminState::kDown, ""}));
  EXPECT_TRUE(
      LoadConfigText("config system security pki ca-profile \"staged\" create\n", "s.cfg").ok());
}

TEST(PkiConfig, NoRemovesAndResets) {
  Config c = ParseOk(Base() + "config ipsec ike-policy 2 no own-auth-method\nexit\n" +
                     "ike-policy 1 no auth-method\nexit all\n" + kTunnel +
                     "dynamic-keying cert no cert\nno trust-anchor\nexit all\n" + kGw +
                     "no cert\nexit all\n" + kCorpCa + "no cert-file\nno description\n" +
                     "exit all\nconfig system security pki ca-profile \"other\" create\n" +
                     "exit\nno ca-profile \"other\"\n");
  EXPECT_EQ(c.ike_policies.at(2).own_auth_method, std::nullopt);
  EXPECT_EQ(c.ike_policies.at(1).auth_method, IkeAuthMethod::kPsk);
  EXPECT_EQ(Keying(c).cert, (CertAuth{"", "gw1.key", ""}));
  EXPECT_EQ(Gw(c).cert, std::nullopt);
  EXPECT_EQ(c.ca_profiles.at("corp-ca").cert_file, "");
  EXPECT_EQ(c.ca_profiles.at("corp-ca").description, "");
  EXPECT_FALSE(c.ca_profiles.contains("other"));
  // `no cert` outside the block removes the block; commands after the block's lines go back
  // to the enclosing contexts as everywhere else.
  Config d = ParseOk(Base() + kTunnel + "dynamic-keying no cert\n");
  EXPECT_EQ(Keying(d).cert, std::nullopt);
  Config e = ParseOk(Base() + kTunnel + "dynamic-keying cert key \"k2\"\ntransform 1\nshutdown\n");
  EXPECT_EQ(Keying(e).cert->key, "k2");
  EXPECT_EQ(
      e.services.at(101).interfaces.at("private-ipsec").sap->ipsec_tunnels.at("to-site-b").admin,
      AdminState::kDown);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

class PkiParserErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PkiParserErrors, ExactMessageAndPlace) {
  EXPECT_EQ(FirstError(GetParam().text), GetParam().error);
}

#define PRIVATE_TUNNEL                                                                  \
  "config service vprn 1 customer 1 create interface \"i\" tunnel create sap tunnel-1." \
  "private:1 create ipsec-tunnel \"t\" create\n"

INSTANTIATE_TEST_SUITE_P(
    All, PkiParserErrors,
    ::testing::Values(
        ErrorCase{"config ipsec ike-policy 1 create\nauth-method rsa\n",
                  "test.cfg:2:13: unknown auth-method 'rsa' (psk, cert-auth, plain-psk-xauth, "
                  "psk-radius, cert-radius, eap)"},
        ErrorCase{"config ipsec ike-policy 1 create\nown-auth-method \"psk\"\n",
                  "test.cfg:2:17: unknown own-auth-method 'psk' (psk, cert-auth)"},
        ErrorCase{"config ipsec ike-policy 1 create\nown-auth-method\n",
                  "test.cfg:2:1: 'own-auth-method' needs a method (psk, cert-auth)"},
        ErrorCase{"config ipsec ike-policy 1 create\nauth-method psk cert-auth\n",
                  "test.cfg:2:17: unexpected 'cert-auth' after 'auth-method'"},
        ErrorCase{"config system security pki ca-profile \"x\"\n",
                  "test.cfg:1:28: missing 'create': ca-profile \"x\" does not exist"},
        ErrorCase{"config system security pki ca-profile \"x\" create cert-file \"a/b\"\n",
                  "test.cfg:1:60: invalid cert-file: PKI file name \"a/b\" must be a plain "
                  "name, not a path"},
        ErrorCase{"config system security pki ca-profile \"x\" create\ncrl-file .store-key\n",
                  "test.cfg:2:10: invalid crl-file: PKI file name \".store-key\" must not start "
                  "with '.'"},
        ErrorCase{"config system security pki ca-profile \"x\" create\ncrl-file\n",
                  "test.cfg:2:1: 'crl-file' needs a file name in the PKI directory"},
        ErrorCase{"config system security pki ca-profile \"x\" create\nshutdown now\n",
                  "test.cfg:2:10: unexpected 'now' after 'shutdown'"},
        ErrorCase{"config no system\n", "test.cfg:1:11: 'no system' is not supported"},
        ErrorCase{PRIVATE_TUNNEL "dynamic-keying cert\ncert\n",
                  "test.cfg:3:1: 'cert' needs a file name in the PKI directory"},
        ErrorCase{PRIVATE_TUNNEL "dynamic-keying cert\nkey \"../gw1.key\"\n",
                  "test.cfg:3:5: invalid key: PKI file name \"../gw1.key\" must be a plain "
                  "name, not a path"},
        ErrorCase{PRIVATE_TUNNEL "dynamic-keying cert\ntrust-anchor\n",
                  "test.cfg:3:1: 'trust-anchor' needs a ca-profile name"},
        ErrorCase{PRIVATE_TUNNEL "dynamic-keying\nkey \"gw1.key\"\n",
                  "test.cfg:3:1: unknown command 'key'"},
        ErrorCase{PRIVATE_TUNNEL "cert\n", "test.cfg:2:1: unknown command 'cert'"}));

// ---- writer ----------------------------------------------------------------------------------

TEST(PkiConfig, CanonicalTextAndRoundTrip) {
  Config c = ParseOk(Base());
  std::string text = WriteConfig(c);
  EXPECT_EQ(text.substr(0, text.find("config isa")),
            "config system security pki\n"
            "    ca-profile \"corp-ca\" create\n"
            "        description \"the corporate CA\"\n"
            "        cert-file \"corp-ca.der\"\n"
            "        crl-file \"corp-ca.crl\"\n"
            "        no shutdown\n"
            "    exit\n"
            "exit all\n");
  EXPECT_THAT(text, HasSubstr("        ike-version 2\n"
                              "        auth-method cert-auth\n"
                              "        own-auth-method psk\n"));
  EXPECT_THAT(text, HasSubstr("                        transform 1\n"
                              "                        cert\n"
                              "                            cert \"gw1.der\"\n"
                              "                            key \"gw1.key\"\n"
                              "                            trust-anchor \"corp-ca\"\n"
                              "                        exit\n"
                              "                    exit\n"));
  EXPECT_THAT(text, HasSubstr("                    pre-shared-key \"gw-secret\"\n"
                              "                    cert\n"
                              "                        trust-anchor \"corp-ca\"\n"
                              "                    exit\n"
                              "                    default-tunnel-template 1\n"));
  Config again = ParseOk(text, "written.cfg");
  EXPECT_EQ(again, c);
  EXPECT_EQ(WriteConfig(again), text);
}

TEST(PkiConfig, EmptyCertBlockAndShutProfileRoundTrip) {
  Config c = ParseOk(Base() + kGw + "no cert\ncert\nexit all\n" + kCorpCa + "shutdown\n" +
                     "exit all\nconfig ipsec ike-policy 1 own-auth-method cert-auth\n");
  ASSERT_TRUE(Gw(c).cert.has_value());
  EXPECT_EQ(*Gw(c).cert, CertAuth{});
  EXPECT_EQ(c.ike_policies.at(1).own_auth_method, IkeAuthMethod::kCertAuth);
  Config again = ParseOk(WriteConfig(c), "written.cfg");
  EXPECT_EQ(again, c);
}

// ---- validator -------------------------------------------------------------------------------

TEST(PkiValidator, TheVectorIsValidAndNeedsNoPreSharedKeyForCertificatesBothWays) {
  LoadResult r = LoadConfigText(Base(), "pki.cfg");
  EXPECT_TRUE(r.ok()) << r.errors.front().ToString();
  EXPECT_THAT(r.warnings, IsEmpty()) << r.warnings.front().ToString();
}

TEST(PkiValidator, APreSharedKeyIsNeededWhenEitherSideUsesIt) {
  // The gateway authenticates itself with the key (own-auth-method psk).
  EXPECT_THAT(Warnings(Base() + kGw + "no pre-shared-key\n"),
              ElementsAre("pki.cfg:40:22: warning: will be operationally down: no "
                          "pre-shared-key is configured"));
  // The tunnel's peer does (auth-method psk, own cert-auth).
  EXPECT_THAT(Warnings(Base() + "config ipsec ike-policy 1 auth-method psk\n"
                                "own-auth-method cert-auth\n"),
              ElementsAre("pki.cfg:69:17: warning: will be operationally down: dynamic-keying "
                          "has no pre-shared-key"));
}

TEST(PkiValidator, Ikev1TakesCertificatesTheSameBothWays) {
  // IKEv1 authenticates with RSA signatures (RFC 2409 5.1) ...
  EXPECT_THAT(Errors(Base() + "config ipsec ike-policy 1 ike-version 1\n"), ElementsAre());
  // ... but one method for both sides: no asymmetric authentication.
  EXPECT_THAT(Errors(Base() + "config ipsec ike-policy 3 create\nown-auth-method cert-auth\n"),
              ElementsAre("pki.cfg:85:17: own-auth-method cert-auth needs ike-version 2: IKEv1 "
                          "negotiates one authentication method for both sides"));
}

TEST(PkiValidator, OwnCertificateNeedsCertAndKey) {
  EXPECT_THAT(Errors(Base() + kTunnel + "dynamic-keying cert no key\n"),
              ElementsAre("pki.cfg:85:16: ike-policy 1 authenticates this side with a "
                          "certificate: the cert block needs 'key'"));
  EXPECT_THAT(Errors(Base() + kTunnel + "dynamic-keying cert no key\nno cert\n"),
              ElementsAre("pki.cfg:85:16: ike-policy 1 authenticates this side with a "
                          "certificate: the cert block needs 'cert' and 'key'"));
  // The gateway: own-auth-method cert-auth on its policy, and a block with a trust anchor only.
  EXPECT_THAT(Errors(Base() + "config ipsec ike-policy 2 own-auth-method cert-auth\n"),
              ElementsAre("pki.cfg:44:17: ike-policy 2 authenticates this side with a "
                          "certificate: the cert block needs 'cert' and 'key'"));
}

TEST(PkiValidator, WithoutACertBlockTheErrorIsAtTheIkePolicy) {
  EXPECT_THAT(Errors(Base() + kTunnel + "dynamic-keying no cert\n"),
              ElementsAre("pki.cfg:70:32: ike-policy 1 authenticates this side with a "
                          "certificate: a cert block is required with 'cert' and 'key'",
                          "pki.cfg:70:32: ike-policy 1 authenticates the peer with a "
                          "certificate: a cert block is required with 'trust-anchor'"));
}

TEST(PkiValidator, PeerCertificateNeedsATrustAnchor) {
  EXPECT_THAT(Errors(Base() + kTunnel + "dynamic-keying cert no trust-anchor\n"),
              ElementsAre("pki.cfg:85:16: ike-policy 1 authenticates the peer with a "
                          "certificate: the cert block needs 'trust-anchor'"));
}

TEST(PkiValidator, TrustAnchorMustNameAnEnabledCaProfile) {
  EXPECT_THAT(Errors(Base() + kTunnel + "dynamic-keying cert trust-anchor \"other-ca\"\n"),
              ElementsAre("pki.cfg:85:34: trust-anchor: ca-profile \"other-ca\" does not exist"));
  EXPECT_THAT(Errors(Base() + kCorpCa + "shutdown\n"),
              ElementsAre("pki.cfg:45:34: trust-anchor: ca-profile \"corp-ca\" is shut down (a "
                          "trust anchor must be in no shutdown)",
                          "pki.cfg:75:38: trust-anchor: ca-profile \"corp-ca\" is shut down (a "
                          "trust anchor must be in no shutdown)"));
  EXPECT_THAT(Errors(Base() + "config system security pki no ca-profile \"corp-ca\"\n"),
              ElementsAre(HasSubstr("pki.cfg:45:34: trust-anchor: ca-profile \"corp-ca\" does "
                                    "not exist"),
                          HasSubstr("pki.cfg:75:38:")));
}

TEST(PkiValidator, AnEnabledCaProfileNeedsBothFiles) {
  EXPECT_THAT(Errors(Base() + kCorpCa + "no crl-file\n"),
              ElementsAre("pki.cfg:10:12: ca-profile \"corp-ca\" needs crl-file to be in no "
                          "shutdown"));
  EXPECT_THAT(Errors(Base() + kCorpCa + "no crl-file\nno cert-file\n"),
              ElementsAre("pki.cfg:10:12: ca-profile \"corp-ca\" needs cert-file and crl-file "
                          "to be in no shutdown"));
  // Shut, it may wait for its files.
  EXPECT_THAT(Errors(Base() + "config system security pki ca-profile \"next\" create\n"
                              "cert-file \"next.der\"\n"),
              IsEmpty());
}

TEST(PkiValidator, ModelsBuiltInCppGetTheFileNameRules) {
  Config c = ParseOk(Base());
  c.ca_profiles.at("corp-ca").cert_file = "../corp-ca.der";
  std::get<DynamicKeying>(
      c.services.at(101).interfaces.at("private-ipsec").sap->ipsec_tunnels.at("to-site-b").keying)
      .cert->key = "gw1\n.key";
  c.ca_profiles["bad\x01name"] = CaProfile{"bad\x01name", "", "", AdminState::kDown, ""};
  ValidationReport r = Validate(c);
  std::vector<std::string> messages;
  for (const Finding& f : r.errors)
    messages.push_back(f.object + " / " + f.field + ": " + f.message);
  EXPECT_THAT(messages,
              ElementsAre("ca-profile \"bad\x01name\" / : ca-profile names are 1..64 printable "
                          "characters",
                          "ca-profile \"corp-ca\" / cert-file: invalid cert-file: PKI file name "
                          "\"../corp-ca.der\" must be a plain name, not a path",
                          "service 101 interface \"private-ipsec\" sap tunnel-1.private:201 "
                          "ipsec-tunnel \"to-site-b\" / key: invalid key: a PKI file name must "
                          "not contain control characters"));
}

// ---- builder ---------------------------------------------------------------------------------

TEST(PkiBuilder, BuildsTheVector) {
  ConfigBuilder b;
  b.CaProfile("corp-ca").CertFile("corp-ca.der").CrlFile("corp-ca.crl").NoShutdown();
  b.CaProfile("corp-ca").raw().description = "the corporate CA";
  b.TunnelGroup(1).Primary({1, 1}).NoShutdown();
  b.IkePolicy(1).IkeVersion(2).AuthMethod(IkeAuthMethod::kCertAuth);
  b.IkePolicy(2)
      .IkeVersion(2)
      .AuthMethod(IkeAuthMethod::kCertAuth)
      .OwnAuthMethod(IkeAuthMethod::kPsk);
  b.IpsecTransform(1).EspEncryptionAlgorithm(EncryptionAlgorithm::kAes256Gcm16);
  b.TunnelTemplate(1, {1});
  b.Ies(100, 1)
      .Interface("public-1")
      .Address("1.1.1.1/24")
      .Sap("tunnel-1.public:200")
      .IpsecGw("rw")
      .GatewayAddress("1.1.1.9")
      .IkePolicy(2)
      .PreSharedKey("gw-secret")
      .Cert("", "", "corp-ca")
      .DefaultTunnelTemplate(1)
      .DefaultSecureService(101, "private-ipsec")
      .NoShutdown();
  ServiceBuilder vprn = b.Vprn(101, 1);
  vprn.SecurityPolicyEntry(1, 1, "192.168.1.0/24", "192.168.2.0/24");
  vprn.TunnelInterface("private-ipsec")
      .Address("10.1.1.1/30")
      .Sap("tunnel-1.private:201")
      .IpsecTunnel("to-site-b")
      .SecurityPolicy(1)
      .LocalGatewayAddress("1.1.1.2", "5.5.5.5", ServiceRef::Id(100))
      .DynamicKeying(1, "", {1})  // no pre-shared key: certificates both ways
      .Cert("gw1.der", "gw1.key", "corp-ca")
      .NoShutdown();
  vprn.StaticRouteToIpsecTunnel("192.168.2.0/24", "to-site-b");
  absl::StatusOr<Config> built = b.Build();
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(*built, ParseOk(Base()));
}

TEST(PkiBuilder, NoMethodsAndValidationErrors) {
  ConfigBuilder b(ParseOk(Base()));
  b.IkePolicy(2).NoOwnAuthMethod();
  EXPECT_EQ(b.config().ike_policies.at(2).own_auth_method, std::nullopt);
  b.CaProfile("corp-ca").Shutdown();
  EXPECT_THAT(std::string(b.Build().status().message()),
              HasSubstr("trust-anchor: ca-profile \"corp-ca\" is shut down"));
  b.CaProfile("corp-ca").NoShutdown();
  ConfigBuilder tunnel_builder(ParseOk(Base()));
  tunnel_builder.Vprn(101, 1)
      .TunnelInterface("private-ipsec")
      .Sap("tunnel-1.private:201")
      .IpsecTunnel("to-site-b")
      .NoCert();
  EXPECT_THAT(std::string(tunnel_builder.Build().status().message()),
              HasSubstr("a cert block is required with 'cert' and 'key'"));
  // A cert block on a manual-keyed tunnel is a recorded error, as local-id is.
  ConfigBuilder manual;
  manual.Vprn(1, 1)
      .TunnelInterface("t")
      .Sap("tunnel-1.private:1")
      .IpsecTunnel("m")
      .ManualSa(1, SaDirection::kInbound, 300, 1, "", "")
      .Cert("a.der", "a.key", "");
  EXPECT_EQ(manual.Build().status().message(),
            "cert: ipsec-tunnel \"m\" has manual-keying; cert needs dynamic-keying");
}

// ---- diff ------------------------------------------------------------------------------------

class FakeRuntime : public RuntimeView {
 public:
  OperStatus TunnelGroupStatus(uint32_t) const override { return {OperState::kUp, {}}; }
  std::vector<IsaSlot> ActiveIsas(uint32_t) const override { return {{1, 1}}; }
  OperStatus IpTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  OperStatus IpsecTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey&) const override {
    return std::nullopt;
  }
};

TEST(PkiDiff, ACaProfileChangeAppliesAtOnceToItsTunnels) {
  Config running = ParseOk(Base());
  Config candidate = ParseOk(Base() + kCorpCa + "crl-file \"corp-ca-2.crl\"\n");
  ChangePlan p = PlanChange(running, candidate, FakeRuntime());
  EXPECT_TRUE(p.allowed());
  EXPECT_THAT(p.changes, ElementsAre(Change{ChangeKind::kModified, "ca-profile \"corp-ca\""}));
  EXPECT_THAT(p.notes,
              ElementsAre("ca-profile \"corp-ca\" changed: applies at once to the authentication "
                          "of the tunnels that use it as trust-anchor: ipsec-tunnel \"to-site-b\", "
                          "ipsec-gw \"rw\""));
  Config added = ParseOk(Base() + "config system security pki ca-profile \"b\" create\n");
  EXPECT_THAT(PlanChange(running, added, FakeRuntime()).changes,
              ElementsAre(Change{ChangeKind::kAdded, "ca-profile \"b\""}));
  EXPECT_THAT(PlanChange(added, running, FakeRuntime()).changes,
              ElementsAre(Change{ChangeKind::kRemoved, "ca-profile \"b\""}));
}

// A cert block, like the pre-shared key, may change while the tunnel is up.
TEST(PkiDiff, CertBlockChangesAreChangesOfTheirTunnel) {
  Config running = ParseOk(Base());
  for (std::string change :
       {std::string(kTunnel) + "dynamic-keying cert cert \"gw2.der\"\n" + "key \"gw2.key\"\n",
        std::string(kGw) + "cert trust-anchor \"corp-ca\"\ncert \"gw.der\"\n" +
            "key \"gw.key\"\n"}) {
    SCOPED_TRACE(change);
    Config candidate = ParseOk(Base() + change);
    ChangePlan p = PlanChange(running, candidate, FakeRuntime());
    EXPECT_TRUE(p.allowed());
    EXPECT_THAT(p.notes, IsEmpty());
    ASSERT_EQ(p.changes.size(), 1u);
    EXPECT_EQ(p.changes[0].kind, ChangeKind::kModified);
  }
  // Removing a ca-profile still named as a trust anchor is refused by validation.
  RunningConfig rc(running);
  Config removed = ParseOk(Base() + "config system security pki no ca-profile \"corp-ca\"\n");
  auto applied = rc.Apply(removed, FakeRuntime());
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(applied.status().message()),
              HasSubstr("trust-anchor: ca-profile \"corp-ca\" does not exist"));
}

// ---- show ------------------------------------------------------------------------------------

TEST(PkiShow, IpsecTunnelShowsTheAuthenticationMethodsAndTheCertBlock) {
  Config c = ParseOk(Base());
  ConfigRuntimeView rt(c);
  auto detail = ShowIpsecTunnel(c, rt, "to-site-b", ShowFormat::kText);
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_THAT(*detail, HasSubstr("IKE Policy       : 1\n"
                                 "Auth Method      : cert-auth\n"
                                 "Own Auth Method  : cert-auth\n"
                                 "Transforms       : 1\n"
                                 "Local IKE ID     : subject of cert \"gw1.der\"\n"
                                 "Remote IKE ID    : any\n"
                                 "Certificate      : gw1.der\n"
                                 "Private Key      : gw1.key\n"
                                 "Trust Anchor     : corp-ca\n"));
  auto json = ShowIpsecTunnel(c, rt, "", ShowFormat::kJson);
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr("\"auth_method\":\"cert-auth\",\"own_auth_method\":\"cert-auth\","
                               "\"local_id\":null,\"remote_id\":null,\"cert\":{\"cert\":"
                               "\"gw1.der\",\"key\":\"gw1.key\",\"trust_anchor\":\"corp-ca\"}"));
  // Asymmetric, and a policy that does not exist.
  Config asym = ParseOk(Base() + kTunnel + "dynamic-keying ike-policy 2\npre-shared-key \"k\"\n");
  auto a = ShowIpsecTunnel(asym, ConfigRuntimeView(asym), "to-site-b", ShowFormat::kText);
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(*a, HasSubstr("Auth Method      : cert-auth\nOwn Auth Method  : psk\n"));
  EXPECT_THAT(*a, HasSubstr("Local IKE ID     : ipv4-address 1.1.1.2 (default)\n"));
  Config none = ParseOk(Base() + kTunnel + "dynamic-keying ike-policy 9\n");
  auto n = ShowIpsecTunnel(none, ConfigRuntimeView(none), "to-site-b", ShowFormat::kJson);
  ASSERT_TRUE(n.ok());
  EXPECT_THAT(*n, HasSubstr("\"auth_method\":null,\"own_auth_method\":null"));
}

}  // namespace
}  // namespace tunnelisa::config
