// Import / export: every format round trip, and bad input (wrong password, truncated,
// garbage, wrong type) refused with a message naming the source and the format.
#include "tunnelisa/pki/codec.h"

#include <gtest/gtest.h>

#include "pki/mint.h"

namespace tunnelisa::pki {
namespace {

using testing::CertSpec;
using testing::Key;
using testing::Mint;
using testing::MintCrl;

struct Fixture {
  PrivateKey ca_key = Key(KeyType::kEcdsaP256, 10);
  Certificate ca = Mint({.subject = "C=US,O=Example,CN=Root CA",
                         .key = ca_key.public_key(),
                         .issuer_key = ca_key,
                         .ca = true});
  PrivateKey leaf_key = Key(KeyType::kRsa);
  Certificate leaf = Mint({.subject = "C=US,O=Example,CN=gw1",
                           .key = leaf_key.public_key(),
                           .issuer = &ca,
                           .issuer_key = ca_key,
                           .key_usage = "digitalSignature",
                           .san = "DNS:gw1.example.com,IP:192.0.2.1,email:ops@example.com",
                           .serial = 7});
  Crl crl = MintCrl({.issuer = &ca, .issuer_key = ca_key, .revoked = {leaf}});
};

const Fixture& F() {
  static const Fixture* f = new Fixture();
  return *f;
}

std::vector<uint8_t> Bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }
std::string Text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

void ExpectError(const absl::Status& s, std::string_view source, std::string_view what) {
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(std::string(source)), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find(std::string(what)), absl::string_view::npos) << s;
}

TEST(CodecTest, FormatNames) {
  for (FileFormat f : {FileFormat::kPkcs10, FileFormat::kPkcs12, FileFormat::kPkcs7Der,
                       FileFormat::kPkcs7Pem, FileFormat::kPem, FileFormat::kDer}) {
    auto back = ParseFileFormat(FileFormatName(f));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, f);
  }
  EXPECT_FALSE(ParseFileFormat("p12").ok());
}

TEST(CodecTest, CertificateRoundTripsInEveryFormat) {
  for (FileFormat f :
       {FileFormat::kDer, FileFormat::kPem, FileFormat::kPkcs7Der, FileFormat::kPkcs7Pem}) {
    SCOPED_TRACE(FileFormatName(f));
    auto out = ExportCertificate(F().leaf, f);
    ASSERT_TRUE(out.ok()) << out.status();
    auto back = ImportCertificate(*out, f, "gw1.crt");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(*back == F().leaf);
    EXPECT_EQ(back->Der(), F().leaf.Der());
  }
  EXPECT_NE(Text(*ExportCertificate(F().leaf, FileFormat::kPem)).find("BEGIN CERTIFICATE"),
            std::string::npos);
  EXPECT_NE(Text(*ExportCertificate(F().leaf, FileFormat::kPkcs7Pem)).find("BEGIN PKCS7"),
            std::string::npos);
}

TEST(CodecTest, BundlesGiveTheFirstCertificateAndAllOfThem) {
  std::vector<Certificate> both = {F().leaf, F().ca};
  for (FileFormat f :
       {FileFormat::kDer, FileFormat::kPem, FileFormat::kPkcs7Der, FileFormat::kPkcs7Pem}) {
    SCOPED_TRACE(FileFormatName(f));
    auto out = ExportCertificates(both, f);
    ASSERT_TRUE(out.ok()) << out.status();
    auto first = ImportCertificate(*out, f, "bundle");
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_TRUE(*first == F().leaf);
    auto all = ImportCertificates(*out, f, "bundle");
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_TRUE((*all)[1] == F().ca);
  }
}

TEST(CodecTest, PemSkipsOtherBlocks) {
  auto key = ExportKey(F().leaf_key, FileFormat::kPem);
  auto cert = ExportCertificate(F().leaf, FileFormat::kPem);
  ASSERT_TRUE(key.ok() && cert.ok());
  std::vector<uint8_t> both = *key;
  both.insert(both.end(), cert->begin(), cert->end());
  auto got = ImportCertificate(both, FileFormat::kPem, "combined.pem");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == F().leaf);
  // And the key import of the same file brings the matching certificate along.
  auto bundle = ImportKey(both, FileFormat::kPem, "combined.pem");
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  ASSERT_TRUE(bundle->certificate.has_value());
  EXPECT_TRUE(*bundle->certificate == F().leaf);
}

TEST(CodecTest, KeyRoundTripsPlainAndEncrypted) {
  for (KeyType t : {KeyType::kRsa, KeyType::kDsa, KeyType::kEcdsaP384, KeyType::kEd25519}) {
    for (FileFormat f : {FileFormat::kPem, FileFormat::kDer}) {
      for (std::string_view pw : {"", "s3cret pass"}) {
        SCOPED_TRACE(std::string(KeyTypeName(t)) + " " + std::string(FileFormatName(f)) +
                     " pw=" + std::string(pw));
        PrivateKey key = Key(t);
        auto out = ExportKey(key, f, pw);
        ASSERT_TRUE(out.ok()) << out.status();
        auto back = ImportKey(*out, f, "k", pw);
        ASSERT_TRUE(back.ok()) << back.status();
        EXPECT_TRUE(back->key.public_key().Equals(key.public_key()));
        // It signs like the original.
        SignatureOptions o{.hash = t == KeyType::kEd25519 ? HashAlgorithm::kNone
                                                          : HashAlgorithm::kSha256};
        auto sig = back->key.Sign(Bytes("x"), o);
        ASSERT_TRUE(sig.ok());
        EXPECT_TRUE(key.public_key().Verify(Bytes("x"), *sig, o).ok());
        if (!pw.empty()) {
          ExpectError(ImportKey(*out, f, "k.enc", "wrong").status(), "k.enc", "password");
          ExpectError(ImportKey(*out, f, "k.enc").status(), "k.enc", "password");
        }
      }
    }
  }
}

TEST(CodecTest, ImportsTraditionalPemKeys) {
  // "BEGIN EC PRIVATE KEY", as `openssl ecparam -genkey` and older tools write.
  const char* kPem =
      "-----BEGIN EC PRIVATE KEY-----\n"
      "MHcCAQEEIBYdQiMXWKi5Cq1z1XWQR4Q6qGrmo8Dxyce6W9w+JnNLoAoGCCqGSM49\n"
      "AwEHoUQDQgAEGmpRR0DfSgrdtKnv/0RXdNWzVjn9DW/DkG+/pClNCxnyPCeq8qvu\n"
      "cEE6PuC7uZrrRzLRgczzM9zLoVxtTE3Vkw==\n"
      "-----END EC PRIVATE KEY-----\n";
  auto got = ImportKey(Bytes(kPem), FileFormat::kPem, "old.pem");
  if (got.ok()) {
    EXPECT_EQ(got->key.type(), KeyType::kEcdsaP256);
  } else {
    // The literal above is a made-up key; what matters is that OpenSSL's traditional
    // decoder was reached and the error is ours.
    ExpectError(got.status(), "old.pem", "pem");
  }
}

TEST(CodecTest, Pkcs12RoundTripWithChain) {
  auto p12 = ExportKey(F().leaf_key, FileFormat::kPkcs12, "pw", &F().leaf,
                       std::span<const Certificate>(&F().ca, 1));
  ASSERT_TRUE(p12.ok()) << p12.status();
  auto back = ImportKey(*p12, FileFormat::kPkcs12, "gw1.p12", "pw");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->key.Matches(F().leaf));
  ASSERT_TRUE(back->certificate.has_value());
  EXPECT_TRUE(*back->certificate == F().leaf);
  ASSERT_EQ(back->chain.size(), 1u);
  EXPECT_TRUE(back->chain[0] == F().ca);
  auto cert = ImportCertificate(*p12, FileFormat::kPkcs12, "gw1.p12", "pw");
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(*cert == F().leaf);

  ExpectError(ImportKey(*p12, FileFormat::kPkcs12, "gw1.p12", "nope").status(), "gw1.p12",
              "wrong or missing password");
  ExpectError(ImportKey(*p12, FileFormat::kPkcs12, "gw1.p12").status(), "gw1.p12", "password");
}

TEST(CodecTest, Pkcs12ExportNeedsAMatchingCertificateAndAPassword) {
  EXPECT_FALSE(ExportKey(F().leaf_key, FileFormat::kPkcs12, "pw").ok());
  EXPECT_FALSE(ExportKey(F().leaf_key, FileFormat::kPkcs12, "", &F().leaf).ok());
  EXPECT_FALSE(ExportKey(F().ca_key, FileFormat::kPkcs12, "pw", &F().leaf).ok());
  EXPECT_FALSE(ExportKey(F().leaf_key, FileFormat::kPkcs7Der).ok());
}

TEST(CodecTest, CrlRoundTripsInEveryFormat) {
  for (FileFormat f :
       {FileFormat::kDer, FileFormat::kPem, FileFormat::kPkcs7Der, FileFormat::kPkcs7Pem}) {
    SCOPED_TRACE(FileFormatName(f));
    auto out = ExportCrl(F().crl, f);
    ASSERT_TRUE(out.ok()) << out.status();
    auto back = ImportCrl(*out, f, "ca.crl");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->Der(), F().crl.Der());
    EXPECT_TRUE(back->IsRevoked(F().leaf));
    EXPECT_FALSE(back->IsRevoked(F().ca));
  }
  EXPECT_FALSE(ExportCrl(F().crl, FileFormat::kPkcs12).ok());
  EXPECT_FALSE(ImportCrl(F().crl.Der(), FileFormat::kPkcs10, "x").ok());
}

TEST(CodecTest, CrlListsItsRevokedSerials) {
  std::vector<Crl::RevokedEntry> entries = F().crl.revoked();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].serial_hex, F().leaf.SerialHex());
  EXPECT_EQ(entries[0].serial_hex, "07");
  EXPECT_GT(entries[0].revocation_date.unix_seconds, 0);
  std::string summary = F().crl.Summary();
  EXPECT_NE(summary.find("Serial 07"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Revoked:     1 certificate(s)"), std::string::npos) << summary;
  EXPECT_TRUE(Crl().revoked().empty());
}

TEST(CodecTest, PkcsTenIsARequestNotACertificate) {
  auto s = ImportCertificate(Bytes("whatever"), FileFormat::kPkcs10, "gw1.csr");
  ExpectError(s.status(), "gw1.csr", "request");
  EXPECT_FALSE(ExportCertificate(F().leaf, FileFormat::kPkcs10).ok());
  EXPECT_FALSE(ExportCertificate(F().leaf, FileFormat::kPkcs12).ok());
}

TEST(CodecTest, WrongTypeSaysWhatTheFileHolds) {
  auto key_pem = ExportKey(F().leaf_key, FileFormat::kPem);
  ASSERT_TRUE(key_pem.ok());
  ExpectError(ImportCertificate(*key_pem, FileFormat::kPem, "gw1.key").status(), "gw1.key",
              "PRIVATE KEY");
  ExpectError(ImportCrl(*key_pem, FileFormat::kPem, "gw1.key").status(), "gw1.key", "no PEM CRL");
  // A certificate where a CRL was expected, in DER and PKCS#7.
  ExpectError(ImportCrl(F().leaf.Der(), FileFormat::kDer, "gw1.der").status(), "gw1.der",
              "not a DER CRL");
  auto p7 = ExportCertificate(F().leaf, FileFormat::kPkcs7Der);
  ExpectError(ImportCrl(*p7, FileFormat::kPkcs7Der, "c.p7b").status(), "c.p7b", "no CRL");
  auto crl_p7 = ExportCrl(F().crl, FileFormat::kPkcs7Der);
  ExpectError(ImportCertificate(*crl_p7, FileFormat::kPkcs7Der, "r.p7c").status(), "r.p7c",
              "no certificate");
  // A certificate where a key was expected.
  ExpectError(ImportKey(F().leaf.Der(), FileFormat::kDer, "gw1.der").status(), "gw1.der",
              "no private key");
  auto cert_pem = ExportCertificate(F().leaf, FileFormat::kPem);
  ExpectError(ImportKey(*cert_pem, FileFormat::kPem, "gw1.pem").status(), "gw1.pem", "CERTIFICATE");
}

TEST(CodecTest, TruncatedAndGarbageInputNeverCrash) {
  std::vector<std::pair<FileFormat, std::vector<uint8_t>>> inputs = {
      {FileFormat::kDer, F().leaf.Der()},
      {FileFormat::kPem, *ExportCertificate(F().leaf, FileFormat::kPem)},
      {FileFormat::kPkcs7Der, *ExportCertificate(F().leaf, FileFormat::kPkcs7Der)},
      {FileFormat::kPkcs7Pem, *ExportCertificate(F().leaf, FileFormat::kPkcs7Pem)},
      {FileFormat::kPkcs12, *ExportKey(F().leaf_key, FileFormat::kPkcs12, "pw", &F().leaf)},
  };
  for (const auto& [f, full] : inputs) {
    SCOPED_TRACE(FileFormatName(f));
    for (size_t cut : {size_t{1}, full.size() / 3, full.size() / 2, full.size() - 40}) {
      std::vector<uint8_t> part(full.begin(), full.begin() + cut);
      auto got = ImportCertificate(part, f, "cut", "pw");
      ExpectError(got.status(), "cut", FileFormatName(f));
    }
    std::vector<uint8_t> garbage = full;
    for (size_t i = 20; i < garbage.size(); i += 7) garbage[i] ^= 0x5a;
    EXPECT_FALSE(ImportCertificate(garbage, f, "junk", "pw").ok());
    EXPECT_FALSE(
        ImportKey(garbage, f == FileFormat::kPkcs12 ? f : FileFormat::kDer, "junk", "pw").ok());
    EXPECT_FALSE(ImportCrl(garbage, f == FileFormat::kPkcs12 ? FileFormat::kDer : f, "junk").ok());
  }
  // A DER bundle whose second certificate is cut short is refused, not silently shortened.
  std::vector<uint8_t> two = F().leaf.Der();
  std::vector<uint8_t> ca = F().ca.Der();
  two.insert(two.end(), ca.begin(), ca.begin() + ca.size() / 2);
  ExpectError(ImportCertificate(two, FileFormat::kDer, "two.der").status(), "two.der", "truncated");
}

TEST(CodecTest, EmptyAndOversizedInputsAreRefused) {
  ExpectError(ImportCertificate({}, FileFormat::kDer, "empty").status(), "empty", "empty input");
  std::vector<uint8_t> big(kMaxImportBytes + 1, 0x30);
  ExpectError(ImportCertificate(big, FileFormat::kDer, "big").status(), "big", "limit");
  ExpectError(ImportKey(big, FileFormat::kPem, "big").status(), "big", "limit");
  ExpectError(ImportCrl(big, FileFormat::kPem, "big").status(), "big", "limit");
}

TEST(CodecTest, ReadInputFileCapsTheSize) {
  EXPECT_EQ(ReadInputFile("/nonexistent/x").status().code(), absl::StatusCode::kNotFound);
  std::string path = ::testing::TempDir() + "/pki_codec_big";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::vector<char> buf(100, 'x');
    std::fwrite(buf.data(), 1, buf.size(), f);
    std::fclose(f);
  }
  EXPECT_TRUE(ReadInputFile(path, 100).ok());
  EXPECT_FALSE(ReadInputFile(path, 99).ok());
  std::remove(path.c_str());
}

TEST(CodecTest, CertificateAccessors) {
  const Certificate& c = F().leaf;
  EXPECT_EQ(c.SubjectText(), "C=US, O=Example, CN=gw1");
  EXPECT_EQ(c.IssuerText(), "C=US, O=Example, CN=Root CA");
  EXPECT_TRUE(DnEquals(c.SubjectDer(), *ParseDn("C=US,O=Example,CN=gw1")));
  SubjectAltNames sans = c.subject_alt_names();
  EXPECT_EQ(sans.dns, std::vector<std::string>{"gw1.example.com"});
  ASSERT_EQ(sans.ip.size(), 1u);
  EXPECT_EQ(sans.ip[0], *IpAddress::Parse("192.0.2.1"));
  EXPECT_EQ(sans.email, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(c.not_before().unix_seconds, testing::kNow - testing::kDay);
  EXPECT_EQ(c.not_after().unix_seconds, testing::kNow + 365 * testing::kDay);
  EXPECT_EQ(c.SerialHex(), "07");
  EXPECT_FALSE(c.is_ca());
  EXPECT_TRUE(F().ca.is_ca());
  EXPECT_TRUE(F().ca.is_self_signed());
  EXPECT_FALSE(c.is_self_signed());
  EXPECT_TRUE(c.key_usage().present);
  EXPECT_TRUE(c.key_usage().digital_signature);
  EXPECT_TRUE(F().ca.key_usage().key_cert_sign);
  EXPECT_EQ(c.SpkiSha1(), F().leaf_key.public_key().SpkiSha1());
  std::string summary = c.Summary();
  EXPECT_NE(summary.find("CN=gw1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("DNS:gw1.example.com"), std::string::npos) << summary;
  EXPECT_NE(summary.find("rsa 2048"), std::string::npos) << summary;
  EXPECT_NE(F().crl.Summary().find("Revoked:     1"), std::string::npos) << F().crl.Summary();
  EXPECT_EQ(F().crl.version(), 2);
  EXPECT_TRUE(F().crl.SignedBy(F().ca).ok());
  EXPECT_FALSE(F().crl.SignedBy(F().leaf).ok());
}

}  // namespace
}  // namespace tunnelisa::pki
