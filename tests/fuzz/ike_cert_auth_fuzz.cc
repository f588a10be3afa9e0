// libFuzzer target: the CERT / AUTH handling of IKE_AUTH with certificate authentication
// (CertAuthenticator::Verify: CERT payloads, chain verification against a ca-profile, the ID
// against the certificate, the AUTH payload's signature method and AlgorithmIdentifier).
//
// Input: flags (1) | ID type (1) | ID length (1) | ID data | AUTH method (1) |
//        n (1) | n x (length (2, big endian) | CERT data) | rest: AUTH data.
// flags bit 0: put the PKI's real end-entity certificate in front of the fuzzed ones (so the
// chain verifies and the fuzzer reaches the signature checks); bit 1: and its issuing CA.
// Every input must get an answer (ok or failed with a reason), never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ike/auth/cert_authenticator.h"
#include "pki/mint.h"
#include "tunnelisa/pki/ca_profile.h"

namespace {

using namespace tunnelisa;

struct World {
  pki::PrivateKey ca_key = pki::testing::Key(pki::KeyType::kEcdsaP256, 1);
  pki::PrivateKey leaf_key = pki::testing::Key(pki::KeyType::kEcdsaP256, 2);
  pki::Certificate ca = pki::testing::Mint({.subject = "O=Fuzz,CN=CA",
                                            .key = ca_key.public_key(),
                                            .issuer_key = ca_key,
                                            .ca = true,
                                            .serial = 1});
  pki::Certificate leaf = pki::testing::Mint({.subject = "O=Fuzz,CN=peer",
                                              .key = leaf_key.public_key(),
                                              .issuer = &ca,
                                              .issuer_key = ca_key,
                                              .san = "DNS:peer.example.com",
                                              .serial = 2});
  std::shared_ptr<const ike::CertAuthenticator> checker;
  World() {
    pki::Crl crl = pki::testing::MintCrl({.issuer = &ca, .issuer_key = ca_key});
    std::vector<pki::CaProfile> profiles = {*pki::CaProfile::Create("ca", ca, crl)};
    std::shared_ptr<const pki::ChainVerifier> verifier(*pki::ChainVerifier::Create(profiles));
    checker = *ike::CertAuthenticator::Create(std::nullopt, ike::CertCheck{verifier, "ca", ca});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const World* world = new World();
  size_t at = 0;
  auto take = [&](size_t n) -> std::span<const uint8_t> {
    if (size - at < n) n = size - at;
    std::span<const uint8_t> s(data + at, n);
    at += n;
    return s;
  };
  auto byte = [&]() -> uint8_t { return at < size ? data[at++] : 0; };
  const uint8_t flags = byte();
  ike::IdPayload id;
  id.type = static_cast<ike::IdType>(byte());
  std::span<const uint8_t> id_data = take(byte());
  id.data.assign(id_data.begin(), id_data.end());
  ike::AuthPayload auth;
  auth.method = static_cast<ike::AuthMethod>(byte());
  std::vector<ike::Payload> payloads;
  if (flags & 1) {
    payloads.push_back(ike::Payload::Make(
        ike::PayloadType::kCert, ike::CertPayload{ike::kCertX509Signature, world->leaf.Der()}));
  }
  if (flags & 2) {
    payloads.push_back(ike::Payload::Make(
        ike::PayloadType::kCert, ike::CertPayload{ike::kCertX509Signature, world->ca.Der()}));
  }
  const uint8_t n = byte() % 8;
  for (uint8_t k = 0; k < n; ++k) {
    const size_t len = static_cast<size_t>(byte()) << 8 | byte();
    std::span<const uint8_t> c = take(len);
    ike::CertPayload cert;
    cert.encoding = (flags & 4) ? ike::kCertHashAndUrlX509 : ike::kCertX509Signature;
    cert.data.assign(c.begin(), c.end());
    payloads.push_back(ike::Payload::Make(ike::PayloadType::kCert, std::move(cert)));
  }
  std::span<const uint8_t> rest = take(size - at);
  auth.data.assign(rest.begin(), rest.end());
  const std::vector<uint8_t> message(64, 0x11), nonce(32, 0x22), maced(32, 0x33);
  ike::AuthInput in{crypto::PrfAlgorithm::kHmacSha256, message, nonce, maced};
  in.now = WallTime::FromUnixSeconds(pki::testing::kNow);
  ike::AuthCheck check = world->checker->Verify(in, auth, id, payloads, 1);
  // Nothing here was signed by the leaf's key over these octets.
  if (check.ok() || check.pending() || check.failure.empty()) std::abort();
  return 0;
}
