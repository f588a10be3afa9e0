// Test-only: a small CA made of OpenSSL calls, to mint the certificates and CRLs the PKI
// tests verify (chains with intermediates, expired, revoked, wrong usage, RSA-PSS, ...).
// Failures abort the test with a message: minting is the test's setup, not its subject.
#ifndef TUNNELISA_SRC_PKI_MINT_H_
#define TUNNELISA_SRC_PKI_MINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::pki::testing {

// kNow: the wall-clock time the tests verify at (2027-01-15 08:00:00 UTC); certificates
// default to being valid a day before it and a year after.
inline constexpr int64_t kNow = 1800000000;
inline constexpr int64_t kDay = 86400;

struct CertSpec {
  std::string subject = "C=US,O=Example,CN=leaf";
  PublicKey key;                        // the subject's key (required)
  const Certificate* issuer = nullptr;  // null: self-signed (key_of_issuer signs)
  PrivateKey issuer_key;                // the signer
  int64_t not_before = kNow - kDay;
  int64_t not_after = kNow + 365 * kDay;
  bool ca = false;
  // key_usage: OpenSSL's config syntax ("critical,digitalSignature"); empty: none. CAs
  // default to "critical,keyCertSign,cRLSign" when left empty.
  std::string key_usage;
  std::string san;  // "DNS:gw1.example.com,IP:192.0.2.1,email:a@example.com"; empty: none
  int64_t serial = 1;
  HashAlgorithm hash = HashAlgorithm::kSha256;
  bool rsa_pss = false;  // the issuer signs with RSASSA-PSS
};
Certificate Mint(const CertSpec& spec);

struct CrlSpec {
  const Certificate* issuer = nullptr;
  PrivateKey issuer_key;
  std::vector<Certificate> revoked;
  int64_t last_update = kNow - kDay;
  int64_t next_update = kNow + 30 * kDay;
  int version = 2;
};
Crl MintCrl(const CrlSpec& spec);

// Key: a cached key of a type (generation is slow; tests share them). `n` picks one of
// several distinct keys of the same type.
PrivateKey Key(KeyType type, int n = 0);

}  // namespace tunnelisa::pki::testing

#endif  // TUNNELISA_SRC_PKI_MINT_H_
