// ResolvePkiFiles: the PKI directory files of tests/vectors/configs/pki_cert_auth.cfg, minted
// in the test (pki/mint.h) into a store in a temporary directory, and each way a file can be
// wrong, reported at the line naming it.
#include "tunnelisa/config/pki_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pki/mint.h"
#include "tunnelisa/config/loader.h"

namespace tunnelisa::config {
namespace {

using pki::testing::Key;
using pki::testing::Mint;
using pki::testing::MintCrl;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kTunnel[] =
    "config service vprn 101 interface \"private-ipsec\" sap tunnel-1.private:201 "
    "ipsec-tunnel \"to-site-b\"\n";
constexpr char kGw[] =
    "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw\"\n";
constexpr char kCorpCa[] = "config system security pki ca-profile \"corp-ca\"\n";

class PkiFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/config_pki_files_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    auto store = pki::PkiStore::OpenWithKeyFile(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_.emplace(std::move(*store));

    pki::PrivateKey ca_key = Key(pki::KeyType::kEcdsaP256, 40);
    pki::PrivateKey other_ca_key = Key(pki::KeyType::kEcdsaP256, 41);
    gw_key_ = Key(pki::KeyType::kEcdsaP256, 42);
    pki::PrivateKey other_key = Key(pki::KeyType::kEcdsaP256, 43);
    ca_ = Mint({.subject = "C=US,O=Example,CN=Corp CA",
                .key = ca_key.public_key(),
                .issuer_key = ca_key,
                .ca = true});
    pki::Certificate other_ca = Mint({.subject = "C=US,O=Example,CN=Other CA",
                                      .key = other_ca_key.public_key(),
                                      .issuer_key = other_ca_key,
                                      .ca = true});
    gw_cert_ = Mint({.subject = "C=US,O=Example,CN=gw1",
                     .key = gw_key_.public_key(),
                     .issuer = &ca_,
                     .issuer_key = ca_key,
                     .key_usage = "critical,digitalSignature"});
    Save(store_->SaveCertificate("corp-ca.der", ca_));
    Save(store_->SaveCrl("corp-ca.crl", MintCrl({.issuer = &ca_, .issuer_key = ca_key})));
    Save(store_->SaveCertificate("gw1.der", gw_cert_));
    Save(store_->SaveKey("gw1.key", gw_key_));
    Save(store_->SaveKey("other.key", other_key));
    Save(store_->SaveCrl("other-ca.crl",
                         MintCrl({.issuer = &other_ca, .issuer_key = other_ca_key})));
    // Naming the CA as issuer, but signed with another key.
    Save(store_->SaveCrl("forged.crl", MintCrl({.issuer = &ca_, .issuer_key = other_ca_key})));
    Save(store_->SaveCrl("v1.crl", MintCrl({.issuer = &ca_, .issuer_key = ca_key, .version = 1})));
    auto garbage = store_->PathOf("garbage.der");
    ASSERT_TRUE(garbage.ok());
    std::ofstream(*garbage, std::ios::binary) << "this is not DER";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void Save(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }

  // Resolve: the vector plus `change`, loaded (it must load without errors) and resolved.
  PkiResolution Resolve(const std::string& change = "") {
    LoadResult r = LoadConfigText(testing::ReadVector("pki_cert_auth.cfg") + change, "pki.cfg");
    for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
    return ResolvePkiFiles(r.config, *store_, r.sources, "pki.cfg");
  }
  static std::vector<std::string> Errors(const PkiResolution& r) {
    std::vector<std::string> out;
    for (const Diagnostic& d : r.errors) out.push_back(d.ToString());
    return out;
  }

  std::string dir_;
  std::optional<pki::PkiStore> store_;
  pki::Certificate ca_;
  pki::Certificate gw_cert_;
  pki::PrivateKey gw_key_;
};

TEST_F(PkiFilesTest, AllGood) {
  PkiResolution r = Resolve();
  EXPECT_TRUE(r.ok()) << r.errors.front().ToString();
  ASSERT_EQ(r.material.ca_profiles.size(), 1u);
  const pki::CaProfile* ca = r.material.FindCaProfile("corp-ca");
  ASSERT_NE(ca, nullptr);
  EXPECT_FALSE(ca->shutdown());
  EXPECT_TRUE(ca->certificate() == ca_);
  EXPECT_EQ(r.material.FindCaProfile("other"), nullptr);
  ASSERT_EQ(r.material.certs.size(), 1u);
  EXPECT_TRUE(r.material.certs.at("gw1.der") == gw_cert_);
  ASSERT_EQ(r.material.keys.size(), 1u);
  EXPECT_TRUE(r.material.keys.at("gw1.key").Matches(gw_cert_));
}

TEST_F(PkiFilesTest, AConfigurationWithoutCertificatesNeedsNoStore) {
  Config plain = testing::ParseOk(testing::ReadVector("two_tunnel_groups.cfg"));
  EXPECT_FALSE(UsesPkiFiles(plain));
  EXPECT_TRUE(UsesPkiFiles(testing::ParseOk(testing::ReadVector("pki_cert_auth.cfg"))));
  // A shut ca-profile and an empty cert block name no file either.
  EXPECT_FALSE(UsesPkiFiles(testing::ParseOk(
      testing::ReadVector("two_tunnel_groups.cfg") +
      "config system security pki ca-profile \"x\" create\nexit all\n"
      "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw\" "
      "create cert trust-anchor \"x\"\n")));
  // The store is not touched: even with its directory gone, nothing is reported.
  std::filesystem::remove_all(dir_);
  PkiResolution none = ResolvePkiFiles(plain, *store_);
  EXPECT_TRUE(none.ok());
  EXPECT_TRUE(none.material.ca_profiles.empty());
  EXPECT_TRUE(none.material.certs.empty());
  EXPECT_TRUE(none.material.keys.empty());
  // A configuration that does name files does notice.
  EXPECT_FALSE(Resolve().ok());
}

TEST_F(PkiFilesTest, MissingCertificate) {
  EXPECT_THAT(Errors(Resolve(std::string(kTunnel) + "dynamic-keying cert cert \"gw9.der\"\n")),
              ElementsAre("pki.cfg:85:26: cert \"gw9.der\": not in the PKI directory (import it "
                          "first)"));
}

TEST_F(PkiFilesTest, MissingKey) {
  PkiResolution r = Resolve(std::string(kTunnel) + "dynamic-keying cert key \"gw9.key\"\n");
  EXPECT_THAT(Errors(r), ElementsAre("pki.cfg:85:25: key \"gw9.key\": not in the PKI directory "
                                     "(import it first)"));
  // What did load is still there.
  EXPECT_EQ(r.material.certs.count("gw1.der"), 1u);
  EXPECT_TRUE(r.material.keys.empty());
}

TEST_F(PkiFilesTest, KeyDoesNotMatchItsCertificate) {
  EXPECT_THAT(Errors(Resolve(std::string(kTunnel) + "dynamic-keying cert key \"other.key\"\n")),
              ElementsAre("pki.cfg:85:25: key \"other.key\" does not match certificate "
                          "\"gw1.der\""));
}

TEST_F(PkiFilesTest, CrlNotSignedByTheCa) {
  PkiResolution r = Resolve(std::string(kCorpCa) + "crl-file \"other-ca.crl\"\n");
  EXPECT_THAT(Errors(r), ElementsAre("pki.cfg:85:10: ca-profile \"corp-ca\" crl-file "
                                     "\"other-ca.crl\": the CRL's issuer \"C=US, O=Example, "
                                     "CN=Other CA\" is not the CA \"C=US, O=Example, CN=Corp "
                                     "CA\""));
  EXPECT_TRUE(r.material.ca_profiles.empty());
  EXPECT_THAT(Errors(Resolve(std::string(kCorpCa) + "crl-file \"forged.crl\"\n")),
              ElementsAre(StartsWith("pki.cfg:85:10: ca-profile \"corp-ca\" crl-file "
                                     "\"forged.crl\": the CRL's signature does not verify with "
                                     "the key of")));
}

TEST_F(PkiFilesTest, CrlNotV2AndCertificateNotACa) {
  EXPECT_THAT(Errors(Resolve(std::string(kCorpCa) + "crl-file \"v1.crl\"\n")),
              ElementsAre("pki.cfg:85:10: ca-profile \"corp-ca\" crl-file \"v1.crl\": the CRL "
                          "is version 1, not v2"));
  EXPECT_THAT(Errors(Resolve(std::string(kCorpCa) + "cert-file \"gw1.der\"\n")),
              ElementsAre(HasSubstr("pki.cfg:85:11: ca-profile \"corp-ca\" cert-file "
                                    "\"gw1.der\": \"C=US, O=Example, CN=gw1\" is not a CA "
                                    "certificate")));
}

TEST_F(PkiFilesTest, UnparsableFiles) {
  EXPECT_THAT(Errors(Resolve(std::string(kCorpCa) + "cert-file \"garbage.der\"\n")),
              ElementsAre(StartsWith("pki.cfg:85:11: ca-profile \"corp-ca\" cert-file "
                                     "\"garbage.der\": malformed certificate")));
  EXPECT_THAT(Errors(Resolve(std::string(kCorpCa) + "crl-file \"gw1.der\"\n")),
              ElementsAre(StartsWith("pki.cfg:85:10: ca-profile \"corp-ca\" crl-file "
                                     "\"gw1.der\": malformed CRL")));
  EXPECT_THAT(Errors(Resolve(std::string(kTunnel) + "dynamic-keying cert cert \"garbage.der\"\n" +
                             "key \"corp-ca.der\"\n")),
              ElementsAre(StartsWith("pki.cfg:85:26: cert \"garbage.der\": malformed "
                                     "certificate"),
                          "pki.cfg:86:5: key \"corp-ca.der\": not an encrypted key of this store "
                          "(import keys with the store)"));
}

TEST_F(PkiFilesTest, MissingCaProfileFilesAreReportedAtTheirLines) {
  EXPECT_THAT(Errors(Resolve(std::string(kCorpCa) + "cert-file \"gone.der\"\n" +
                             "crl-file \"gone.crl\"\n")),
              ElementsAre("pki.cfg:85:11: ca-profile \"corp-ca\" cert-file \"gone.der\": not in "
                          "the PKI directory (import it first)",
                          "pki.cfg:86:10: ca-profile \"corp-ca\" crl-file \"gone.crl\": not in "
                          "the PKI directory (import it first)"));
}

TEST_F(PkiFilesTest, EveryLineNamingABadFileIsReported) {
  PkiResolution r =
      Resolve(std::string(kGw) + "cert cert \"gw9.der\"\nkey \"gw1.key\"\nexit all\n" + kTunnel +
              "dynamic-keying cert cert \"gw9.der\"\n");
  EXPECT_THAT(Errors(r), ElementsAre("pki.cfg:85:11: cert \"gw9.der\": not in the PKI directory "
                                     "(import it first)",
                                     "pki.cfg:89:26: cert \"gw9.der\": not in the PKI directory "
                                     "(import it first)"));
}

TEST_F(PkiFilesTest, ShutProfilesLoadWhenTheyCanAndWaitQuietlyOtherwise) {
  PkiResolution r = Resolve(
      "config system security pki\nca-profile \"spare\" create\ncert-file \"corp-ca.der\"\n"
      "crl-file \"corp-ca.crl\"\nexit\nca-profile \"staged\" create\ncert-file \"next.der\"\n"
      "crl-file \"next.crl\"\nexit all\n");
  EXPECT_TRUE(r.ok()) << r.errors.front().ToString();
  ASSERT_EQ(r.material.ca_profiles.size(), 2u);
  EXPECT_EQ(r.material.ca_profiles[0].name(), "corp-ca");
  EXPECT_FALSE(r.material.ca_profiles[0].shutdown());
  EXPECT_EQ(r.material.ca_profiles[1].name(), "spare");
  EXPECT_TRUE(r.material.ca_profiles[1].shutdown());
  EXPECT_EQ(r.material.FindCaProfile("staged"), nullptr);
}

TEST_F(PkiFilesTest, WithoutASourceMapErrorsNameTheFile) {
  Config c = testing::ParseOk(testing::ReadVector("pki_cert_auth.cfg") + kTunnel +
                              "dynamic-keying cert cert \"gw9.der\"\n");
  PkiResolution r = ResolvePkiFiles(c, *store_);
  EXPECT_THAT(Errors(r), ElementsAre("<config>: cert \"gw9.der\": not in the PKI directory "
                                     "(import it first)"));
  EXPECT_THAT(Errors(ResolvePkiFiles(c, *store_, {}, "router.cfg")),
              ElementsAre(StartsWith("router.cfg: cert \"gw9.der\"")));
}

}  // namespace
}  // namespace tunnelisa::config
