#include "tunnelisa/pki/enroll.h"

#include <gtest/gtest.h>

#include "pki/mint.h"
#include "tunnelisa/pki/codec.h"

namespace tunnelisa::pki {
namespace {

using testing::Key;

TEST(EnrollTest, RequestCarriesSubjectAltNamesAndVerifies) {
  for (KeyType t : {KeyType::kRsa, KeyType::kDsa, KeyType::kEcdsaP256, KeyType::kEd25519}) {
    SCOPED_TRACE(KeyTypeName(t));
    PrivateKey key = Key(t);
    auto req = CreateCertificateRequest(key, {.subject_dn = "C=US,O=Example,CN=gw1",
                                              .dns = {"gw1.example.com", "vpn.example.com"},
                                              .ip = {"192.0.2.1", "2001:db8::1"},
                                              .email = {"ops@example.com"}});
    ASSERT_TRUE(req.ok()) << req.status();
    EXPECT_TRUE(req->VerifySignature().ok());
    EXPECT_EQ(req->SubjectText(), "C=US, O=Example, CN=gw1");
    EXPECT_TRUE(req->public_key().Equals(key.public_key()));
    SubjectAltNames sans = req->subject_alt_names();
    EXPECT_EQ(sans.dns, (std::vector<std::string>{"gw1.example.com", "vpn.example.com"}));
    ASSERT_EQ(sans.ip.size(), 2u);
    EXPECT_EQ(sans.ip[0], *IpAddress::Parse("192.0.2.1"));
    EXPECT_EQ(sans.ip[1], *IpAddress::Parse("2001:db8::1"));
    EXPECT_EQ(sans.email, std::vector<std::string>{"ops@example.com"});

    // The guide's format is PEM; it imports back (pkcs10 and pem) with the same content.
    std::string pem = req->Pem();
    EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0), 0u) << pem;
    std::vector<uint8_t> bytes(pem.begin(), pem.end());
    for (FileFormat f : {FileFormat::kPkcs10, FileFormat::kPem}) {
      auto back = ImportRequest(bytes, f, "gw1.csr");
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(back->Der(), req->Der());
    }
    auto der_back = ImportRequest(req->Der(), FileFormat::kPkcs10, "gw1.csr.der");
    ASSERT_TRUE(der_back.ok()) << der_back.status();
    EXPECT_NE(req->Summary().find("DNS:vpn.example.com"), std::string::npos);
  }
}

TEST(EnrollTest, RequestWithoutAltNames) {
  auto req = CreateCertificateRequest(Key(KeyType::kEcdsaP384),
                                      {.subject_dn = "CN=gw2", .hash = HashAlgorithm::kSha384});
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_TRUE(req->subject_alt_names().empty());
}

TEST(EnrollTest, RefusesBadInput) {
  PrivateKey key = Key(KeyType::kEcdsaP256);
  EXPECT_FALSE(CreateCertificateRequest(key, {.subject_dn = ""}).ok());
  EXPECT_FALSE(CreateCertificateRequest(key, {.subject_dn = "CN=a", .ip = {"300.1.1.1"}}).ok());
  EXPECT_FALSE(CreateCertificateRequest(key, {.subject_dn = "CN=a", .dns = {""}}).ok());
  EXPECT_FALSE(CreateCertificateRequest(key, {.subject_dn = "CN=a", .dns = {"a b"}}).ok());
  EXPECT_FALSE(CreateCertificateRequest(PrivateKey(), {.subject_dn = "CN=a"}).ok());
  auto bad_ip = CreateCertificateRequest(key, {.subject_dn = "CN=a", .ip = {"nope"}});
  EXPECT_NE(bad_ip.status().message().find("nope"), absl::string_view::npos);
}

TEST(EnrollTest, TamperedRequestIsRefusedOnImport) {
  auto req = CreateCertificateRequest(Key(KeyType::kEcdsaP256), {.subject_dn = "CN=gw1"});
  ASSERT_TRUE(req.ok());
  std::vector<uint8_t> der = req->Der();
  // Change a byte of the subject's CN value ("gw1" -> "gx1"): the signature no longer fits.
  for (size_t i = 0; i + 2 < der.size(); ++i) {
    if (der[i] == 'g' && der[i + 1] == 'w' && der[i + 2] == '1') {
      der[i + 1] = 'x';
      break;
    }
  }
  auto back = ImportRequest(der, FileFormat::kDer, "t.csr");
  EXPECT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("t.csr"), absl::string_view::npos);
}

}  // namespace
}  // namespace tunnelisa::pki
