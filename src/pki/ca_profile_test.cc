#include "tunnelisa/pki/ca_profile.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "pki/mint.h"

namespace tunnelisa::pki {
namespace {

using testing::Key;
using testing::Mint;
using testing::MintCrl;

TEST(CaProfileTest, LoadsFromTheStoreAndChecksEverything) {
  std::string dir = ::testing::TempDir() + "/pki_ca_profile_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  auto store = PkiStore::OpenWithKeyFile(dir);
  ASSERT_TRUE(store.ok());
  PrivateKey ca_key = Key(KeyType::kEcdsaP256, 20);
  PrivateKey other_key = Key(KeyType::kEcdsaP256, 21);
  Certificate ca = Mint({.subject = "C=US,O=Example,CN=Corp CA",
                         .key = ca_key.public_key(),
                         .issuer_key = ca_key,
                         .ca = true});
  Certificate other = Mint({.subject = "CN=Other CA",
                            .key = other_key.public_key(),
                            .issuer_key = other_key,
                            .ca = true});
  Certificate leaf = Mint(
      {.subject = "CN=leaf", .key = other_key.public_key(), .issuer = &ca, .issuer_key = ca_key});
  ASSERT_TRUE(store->SaveCertificate("corp-ca.der", ca).ok());
  ASSERT_TRUE(store->SaveCertificate("leaf.der", leaf).ok());
  ASSERT_TRUE(store->SaveCrl("corp-ca.crl", MintCrl({.issuer = &ca, .issuer_key = ca_key})).ok());
  ASSERT_TRUE(
      store->SaveCrl("v1.crl", MintCrl({.issuer = &ca, .issuer_key = ca_key, .version = 1})).ok());
  ASSERT_TRUE(
      store->SaveCrl("other.crl", MintCrl({.issuer = &other, .issuer_key = other_key})).ok());
  // Signed by another key but naming the CA as issuer.
  ASSERT_TRUE(store->SaveCrl("forged.crl", MintCrl({.issuer = &ca, .issuer_key = other_key})).ok());

  auto ok = CaProfile::Load(
      *store, {.name = "corp-ca", .cert_file = "corp-ca.der", .crl_file = "corp-ca.crl"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->name(), "corp-ca");
  EXPECT_TRUE(ok->certificate() == ca);
  EXPECT_FALSE(ok->shutdown());
  EXPECT_EQ(ok->CertReqHash(), ca_key.public_key().SpkiSha1());

  struct Bad {
    CaProfileConfig config;
    std::string_view expect;
  };
  for (const Bad& b : {
           Bad{{.name = "p", .cert_file = "", .crl_file = "corp-ca.crl"}, "no cert-file"},
           Bad{{.name = "p", .cert_file = "corp-ca.der", .crl_file = ""}, "no crl-file"},
           Bad{{.name = "p", .cert_file = "missing.der", .crl_file = "corp-ca.crl"},
               "not in the PKI directory"},
           Bad{{.name = "p", .cert_file = "corp-ca.der", .crl_file = "missing.crl"},
               "not in the PKI directory"},
           Bad{{.name = "p", .cert_file = "corp-ca.crl", .crl_file = "corp-ca.crl"},
               "malformed certificate"},
           Bad{{.name = "p", .cert_file = "corp-ca.der", .crl_file = "corp-ca.der"},
               "malformed CRL"},
           Bad{{.name = "p", .cert_file = "leaf.der", .crl_file = "corp-ca.crl"}, "not a CA"},
           Bad{{.name = "p", .cert_file = "corp-ca.der", .crl_file = "v1.crl"}, "not v2"},
           Bad{{.name = "p", .cert_file = "corp-ca.der", .crl_file = "other.crl"}, "is not the CA"},
           Bad{{.name = "p", .cert_file = "corp-ca.der", .crl_file = "forged.crl"},
               "does not verify"},
           Bad{{.name = "p", .cert_file = "../corp-ca.der", .crl_file = "corp-ca.crl"},
               "plain name"},
       }) {
    auto got = CaProfile::Load(*store, b.config);
    EXPECT_FALSE(got.ok()) << b.expect;
    EXPECT_NE(got.status().message().find("ca-profile \"p\""), absl::string_view::npos)
        << got.status();
    EXPECT_NE(got.status().message().find(std::string(b.expect)), absl::string_view::npos)
        << got.status();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tunnelisa::pki
