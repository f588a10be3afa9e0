// WiresharkEspSaLine / WiresharkIkev2Line: the exact lines Wireshark 4.0's esp_sa and
// ikev2_decryption_table take (tests/interop/key_export_test.sh has tshark read them).
#include <string>

#include "gtest/gtest.h"
#include "tunnelisa/key_log.h"

namespace tunnelisa {
namespace {

SecretBytes Key(std::initializer_list<uint8_t> bytes) {
  return SecretBytes(std::span<const uint8_t>(bytes.begin(), bytes.size()));
}

IpAddress Ip(std::string_view text) { return *IpAddress::Parse(text); }

TEST(WiresharkEspSaLine, CbcWithHmacIpv4) {
  SecretBytes enc = Key({0x00, 0x11, 0x22, 0xff});
  SecretBytes auth = Key({0xab, 0xcd});
  absl::StatusOr<std::string> line = WiresharkEspSaLine(
      {.source = Ip("192.0.2.1"),
       .destination = Ip("192.0.2.2"),
       .spi = 0x1000,
       .suite = {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128},
       .enc_key = enc,
       .auth_key = auth});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line,
            R"("IPv4","192.0.2.1","192.0.2.2","0x00001000","AES-CBC [RFC3602]","0x001122ff",)"
            R"("HMAC-SHA-256-128 [RFC4868]","0xabcd")");
}

TEST(WiresharkEspSaLine, GcmIpv6KeepsTheSaltAndHasNoAuthKey) {
  SecretBytes enc = Key({1, 2, 3, 4, 5});
  SecretBytes none;
  absl::StatusOr<std::string> line =
      WiresharkEspSaLine({.source = Ip("2001:db8::2"),
                          .destination = Ip("2001:db8::1"),
                          .spi = 0xc0ffee01,
                          .suite = {EncryptionAlgorithm::kAes256Gcm12, IntegrityAlgorithm::kNone},
                          .enc_key = enc,
                          .auth_key = none});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, R"("IPv6","2001:db8::2","2001:db8::1","0xc0ffee01",)"
                   R"("AES-GCM with 12 octet ICV [RFC4106]","0x0102030405","NULL","0x")");
}

TEST(WiresharkEspSaLine, EveryOtherName) {
  SecretBytes k = Key({0x42});
  struct Case {
    EspSuite suite;
    std::string enc, auth;
  };
  const Case cases[] = {
      {{EncryptionAlgorithm::kNull, IntegrityAlgorithm::kHmacSha1_96},
       "NULL",
       "HMAC-SHA-1-96 [RFC2404]"},
      {{EncryptionAlgorithm::kDesCbc, IntegrityAlgorithm::kHmacMd5_96},
       "DES-CBC [RFC2405]",
       "HMAC-MD5-96 [RFC2403]"},
      {{EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacSha384_192},
       "TripleDES-CBC [RFC2451]",
       "HMAC-SHA-384-192 [RFC4868]"},
      {{EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha512_256},
       "AES-CBC [RFC3602]",
       "HMAC-SHA-512-256 [RFC4868]"},
      {{EncryptionAlgorithm::kAes128Gcm8, IntegrityAlgorithm::kNone},
       "AES-GCM with 8 octet ICV [RFC4106]",
       "NULL"},
      {{EncryptionAlgorithm::kAes192Gcm16, IntegrityAlgorithm::kNone},
       "AES-GCM with 16 octet ICV [RFC4106]",
       "NULL"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> line = WiresharkEspSaLine({.source = Ip("10.0.0.1"),
                                                           .destination = Ip("10.0.0.2"),
                                                           .spi = 256,
                                                           .suite = c.suite,
                                                           .enc_key = k,
                                                           .auth_key = k});
    ASSERT_TRUE(line.ok()) << c.enc;
    EXPECT_EQ(*line, R"("IPv4","10.0.0.1","10.0.0.2","0x00000100",")" + c.enc + R"(","0x42",")" +
                         c.auth + R"(","0x42")");
  }
}

TEST(WiresharkEspSaLine, RefusesWhatWiresharkCannotTake) {
  SecretBytes k = Key({1});
  absl::StatusOr<std::string> chacha = WiresharkEspSaLine(
      {.source = Ip("10.0.0.1"),
       .destination = Ip("10.0.0.2"),
       .spi = 256,
       .suite = {EncryptionAlgorithm::kChaCha20Poly1305, IntegrityAlgorithm::kNone},
       .enc_key = k,
       .auth_key = k});
  EXPECT_EQ(chacha.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(chacha.status().message().find("chacha20poly1305"), std::string_view::npos);
  absl::StatusOr<std::string> mixed = WiresharkEspSaLine({.source = Ip("10.0.0.1"),
                                                          .destination = Ip("2001:db8::1"),
                                                          .spi = 256,
                                                          .suite = {},
                                                          .enc_key = k,
                                                          .auth_key = k});
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> unset = WiresharkEspSaLine(
      {.source = {}, .destination = {}, .spi = 256, .suite = {}, .enc_key = k, .auth_key = k});
  EXPECT_EQ(unset.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WiresharkIkev2Line, CbcWithHmac) {
  SecretBytes ei = Key({0x01, 0x02}), er = Key({0x03}), ai = Key({0xaa}), ar = Key({0xbb, 0x0c});
  absl::StatusOr<std::string> line =
      WiresharkIkev2Line({.spi_i = 0x0123456789abcdef,
                          .spi_r = 0x42,
                          .encryption = EncryptionAlgorithm::kAes128Cbc,
                          .integrity = IntegrityAlgorithm::kHmacSha256_128,
                          .sk_ei = ei,
                          .sk_er = er,
                          .sk_ai = ai,
                          .sk_ar = ar});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, R"(0123456789abcdef,0000000000000042,0102,03,"AES-CBC-128 [RFC3602]",aa,bb0c,)"
                   R"("HMAC_SHA2_256_128 [RFC4868]")");
}

TEST(WiresharkIkev2Line, AeadHasNoIntegrityColumns) {
  SecretBytes ei = Key({0x01}), er = Key({0x02}), ai = Key({0xaa}), ar = Key({0xbb});
  // Integrity given with an AEAD cipher is ignored: Wireshark wants NONE and no SK_a*.
  absl::StatusOr<std::string> line =
      WiresharkIkev2Line({.spi_i = 1,
                          .spi_r = 2,
                          .encryption = EncryptionAlgorithm::kAes256Gcm16,
                          .integrity = IntegrityAlgorithm::kHmacSha1_96,
                          .sk_ei = ei,
                          .sk_er = er,
                          .sk_ai = ai,
                          .sk_ar = ar});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, R"(0000000000000001,0000000000000002,01,02,)"
                   R"("AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]")");
}

TEST(WiresharkIkev2Line, NamesAndRefusals) {
  SecretBytes k = Key({0x42});
  auto line = [&](EncryptionAlgorithm e, IntegrityAlgorithm i) {
    return WiresharkIkev2Line({.spi_i = 1,
                               .spi_r = 2,
                               .encryption = e,
                               .integrity = i,
                               .sk_ei = k,
                               .sk_er = k,
                               .sk_ai = k,
                               .sk_ar = k});
  };
  absl::StatusOr<std::string> des3 =
      line(EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacSha1_96);
  ASSERT_TRUE(des3.ok());
  EXPECT_NE(des3->find(R"("3DES [RFC2451]",42,42,"HMAC_SHA1_96 [RFC2404]")"), std::string::npos);
  absl::StatusOr<std::string> md5 =
      line(EncryptionAlgorithm::kAes192Cbc, IntegrityAlgorithm::kHmacMd5_96);
  ASSERT_TRUE(md5.ok());
  EXPECT_NE(md5->find(R"("AES-CBC-192 [RFC3602]",42,42,"HMAC_MD5_96 [RFC2403]")"),
            std::string::npos);
  absl::StatusOr<std::string> sha512 =
      line(EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kHmacSha512_256);
  ASSERT_TRUE(sha512.ok());
  EXPECT_NE(sha512->find(R"("AES-CBC-256 [RFC3602]",42,42,"HMAC_SHA2_512_256 [RFC4868]")"),
            std::string::npos);
  absl::StatusOr<std::string> gcm8 =
      line(EncryptionAlgorithm::kAes128Gcm8, IntegrityAlgorithm::kNone);
  ASSERT_TRUE(gcm8.ok());
  EXPECT_NE(gcm8->find(R"("AES-GCM-128 with 8 octet ICV [RFC5282]")"), std::string::npos);
  EXPECT_EQ(line(EncryptionAlgorithm::kChaCha20Poly1305, IntegrityAlgorithm::kNone).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(line(EncryptionAlgorithm::kDesCbc, IntegrityAlgorithm::kHmacSha1_96).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(line(EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kNone).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tunnelisa
