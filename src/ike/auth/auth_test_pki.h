// Test-only: the PKI the certificate authentication tests share.
//
//   Root CA (RSA) ──> Sub CA (P-256) ──> gw-ec (P-256, SAN gw-ec.example.com, 192.0.2.1)
//        ├──> gw-rsa (RSA, SAN gw-rsa.example.com)     revoked (P-256, in Sub's CRL)
//        └──> expired (P-256, expired a day before kNow)
//   Other CA (P-384, its own profile) ──> gw-other (Ed25519)
#ifndef TUNNELISA_SRC_IKE_AUTH_AUTH_TEST_PKI_H_
#define TUNNELISA_SRC_IKE_AUTH_AUTH_TEST_PKI_H_

#include <memory>
#include <string>
#include <vector>

#include "pki/mint.h"
#include "tunnelisa/pki/ca_profile.h"
#include "tunnelisa/pki/verify.h"

namespace tunnelisa::ike::testing {

using pki::Certificate;
using pki::KeyType;
using pki::PrivateKey;
using pki::testing::kDay;
using pki::testing::Key;
using pki::testing::kNow;
using pki::testing::Mint;
using pki::testing::MintCrl;

struct TestPki {
  PrivateKey root_key = Key(KeyType::kRsa, 40);
  PrivateKey sub_key = Key(KeyType::kEcdsaP256, 41);
  PrivateKey other_key = Key(KeyType::kEcdsaP384, 42);
  PrivateKey ec_key = Key(KeyType::kEcdsaP256, 43);
  PrivateKey rsa_key = Key(KeyType::kRsa, 44);
  PrivateKey ed_key = Key(KeyType::kEd25519, 45);
  Certificate root = Mint({.subject = "O=Example,CN=Root CA",
                           .key = root_key.public_key(),
                           .issuer_key = root_key,
                           .ca = true,
                           .serial = 1});
  Certificate sub = Mint({.subject = "O=Example,CN=Sub CA",
                          .key = sub_key.public_key(),
                          .issuer = &root,
                          .issuer_key = root_key,
                          .ca = true,
                          .serial = 2});
  Certificate other = Mint({.subject = "O=Other,CN=Other CA",
                            .key = other_key.public_key(),
                            .issuer_key = other_key,
                            .ca = true,
                            .serial = 3});
  Certificate gw_ec = Mint({.subject = "O=Example,CN=gw-ec",
                            .key = ec_key.public_key(),
                            .issuer = &sub,
                            .issuer_key = sub_key,
                            .key_usage = "critical,digitalSignature",
                            .san = "DNS:gw-ec.example.com,IP:192.0.2.1,email:ec@example.com",
                            .serial = 10});
  Certificate gw_rsa = Mint({.subject = "O=Example,CN=gw-rsa",
                             .key = rsa_key.public_key(),
                             .issuer = &root,
                             .issuer_key = root_key,
                             .san = "DNS:gw-rsa.example.com",
                             .serial = 11});
  Certificate revoked = Mint({.subject = "O=Example,CN=revoked",
                              .key = ec_key.public_key(),
                              .issuer = &sub,
                              .issuer_key = sub_key,
                              .serial = 12});
  Certificate expired = Mint({.subject = "O=Example,CN=expired",
                              .key = ec_key.public_key(),
                              .issuer = &root,
                              .issuer_key = root_key,
                              .not_before = kNow - 30 * kDay,
                              .not_after = kNow - kDay,
                              .serial = 13});
  Certificate gw_other = Mint({.subject = "O=Other,CN=gw-other",
                               .key = ed_key.public_key(),
                               .issuer = &other,
                               .issuer_key = other_key,
                               .serial = 14});
  pki::Crl root_crl = MintCrl({.issuer = &root, .issuer_key = root_key});
  pki::Crl sub_crl = MintCrl({.issuer = &sub, .issuer_key = sub_key, .revoked = {revoked}});
  pki::Crl other_crl = MintCrl({.issuer = &other, .issuer_key = other_key});

  std::vector<pki::CaProfile> Profiles() const {
    return {*pki::CaProfile::Create("root", root, root_crl),
            *pki::CaProfile::Create("sub", sub, sub_crl),
            *pki::CaProfile::Create("other", other, other_crl)};
  }
  std::shared_ptr<const pki::ChainVerifier> Verifier() const {
    std::vector<pki::CaProfile> profiles = Profiles();
    return std::shared_ptr<const pki::ChainVerifier>(*pki::ChainVerifier::Create(profiles));
  }
};

inline const TestPki& Pki() {
  static const TestPki* p = new TestPki();
  return *p;
}

}  // namespace tunnelisa::ike::testing

#endif  // TUNNELISA_SRC_IKE_AUTH_AUTH_TEST_PKI_H_
