// File: tunnelisa/pki/key.h
//
// Public and private keys for certificate authentication: generation (RSA, DSA, ECDSA,
// Ed25519), signing and verification with a chosen hash and padding. Everything is OpenSSL 3
// underneath; the types here are handles that hide it.
//
// Threads: any. A key is immutable once made, so one key may sign or verify on several
// threads at once. Control path only (signatures allocate and take milliseconds for RSA).
//
// Example:
//   auto gen = tunnelisa::pki::GenerateKey(tunnelisa::pki::KeyType::kEcdsaP256);
//   auto sig = gen->key.Sign(data, {.hash = tunnelisa::pki::HashAlgorithm::kSha256});
//   absl::Status ok = gen->key.public_key().Verify(data, *sig, {.hash = ...kSha256});
#ifndef TUNNELISA_PKI_KEY_H_
#define TUNNELISA_PKI_KEY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// OpenSSL's key type, declared here so the header does not pull in OpenSSL.
struct evp_pkey_st;

namespace tunnelisa::pki {

// KeyType: the key algorithms the PKI generates and accepts. The guide lists RSA and DSA;
// ECDSA and Ed25519 are for IKEv2's AUTH methods 9-11 and 14 (RFC 4754, RFC 7427, RFC 8420).
enum class KeyType : uint8_t {
  kRsa,  // also an RSA key restricted to PSS (id-RSASSA-PSS): it signs and verifies as RSA
  kDsa,
  kEcdsaP256,
  kEcdsaP384,
  kEcdsaP521,
  kEd25519,
};

// KeyTypeName: "rsa", "dsa", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519" (the
// command line's `type` words). ParseKeyType: the inverse; InvalidArgument otherwise.
std::string_view KeyTypeName(KeyType type);
absl::StatusOr<KeyType> ParseKeyType(std::string_view name);

// HashAlgorithm: the hash a signature covers. kNone is for Ed25519, which hashes internally
// (RFC 8032); any other value is refused for Ed25519. kMd5 exists for IKEv1 only (its phase-1
// IVs hash with the negotiated hash, IkeCryptoProvider::Hash); signatures refuse it.
enum class HashAlgorithm : uint8_t { kNone, kSha1, kSha256, kSha384, kSha512, kMd5 };

// SignatureOptions: how to sign or verify.
struct SignatureOptions {
  HashAlgorithm hash = HashAlgorithm::kSha256;
  // RSA only: RSASSA-PSS (salt length = hash length, MGF1 with the same hash, as RFC 7427
  // and RFC 4055 recommend) instead of PKCS#1 v1.5. An id-RSASSA-PSS key always uses PSS.
  bool rsa_pss = false;
  // ECDSA and DSA only: the signature as r | s, each padded to the group order's length
  // (IKEv2 AUTH methods 9-11, RFC 4754 section 7) instead of the DER SEQUENCE of RFC 3279
  // (RFC 7427's Digital Signature method).
  bool raw_rs = false;
  // RSA only: sign `data` itself, as given, with PKCS#1 v1.5 type-1 padding and no
  // DigestInfo (no hash; `hash` is ignored). IKEv1 signature authentication (RFC 2409 5.1)
  // signs HASH_I / HASH_R this way, as every IKEv1 implementation does in practice. The data
  // must be at most the modulus length minus 11 octets.
  bool rsa_pkcs1_raw = false;
};

class Certificate;

// PublicKey: a public key, from a certificate, a request or a private key.
class PublicKey {
 public:
  PublicKey() = default;  // empty: every call fails
  // FromSpkiDer: a DER SubjectPublicKeyInfo. InvalidArgument if it does not parse.
  static absl::StatusOr<PublicKey> FromSpkiDer(std::span<const uint8_t> der);

  bool empty() const { return key_ == nullptr; }
  KeyType type() const;
  // bits: the key's size (RSA / DSA modulus, EC curve), 255 for Ed25519.
  int bits() const;
  // Verify: OK when `signature` is a valid signature of `data`; InvalidArgument
  // ("bad signature") otherwise, or when the options do not fit the key.
  absl::Status Verify(std::span<const uint8_t> data, std::span<const uint8_t> signature,
                      const SignatureOptions& options) const;
  // SpkiDer: the DER SubjectPublicKeyInfo.
  std::vector<uint8_t> SpkiDer() const;
  // SpkiSha1: SHA-1 of the DER SubjectPublicKeyInfo: a CA's entry in IKEv2's CERTREQ
  // (RFC 7296 section 3.7) and the key of a Hash-and-URL certificate.
  std::array<uint8_t, 20> SpkiSha1() const;
  bool Equals(const PublicKey& other) const;

  // native: the OpenSSL key (borrowed, valid as long as this object), for tunnelisa's own
  // layers; hosts need not use it.
  evp_pkey_st* native() const { return key_.get(); }
  explicit PublicKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

// PrivateKey: a key pair. Copies share the same immutable key; the key is wiped by OpenSSL
// when the last copy goes. Never printed; exports go through codec.h or the store.
class PrivateKey {
 public:
  PrivateKey() = default;  // empty: every call fails
  bool empty() const { return key_ == nullptr; }
  KeyType type() const;
  int bits() const;
  PublicKey public_key() const;
  // Sign: a signature of `data`. InvalidArgument when the options do not fit the key (a hash
  // for Ed25519, none for the others, PSS for a non-RSA key); Internal if OpenSSL fails.
  absl::StatusOr<std::vector<uint8_t>> Sign(std::span<const uint8_t> data,
                                            const SignatureOptions& options) const;
  // Matches: whether `cert` carries this key's public half (a configured key and
  // certificate must belong together).
  bool Matches(const Certificate& cert) const;

  evp_pkey_st* native() const { return key_.get(); }
  explicit PrivateKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

// GeneratedKey: a new key and, for sizes the guide still lists but that are no longer
// safe (RSA 512 and 1024, DSA 1024), a warning for the operator; empty otherwise.
struct GeneratedKey {
  PrivateKey key;
  std::string warning;
};

// GenerateKey: a fresh key. `bits`: RSA 512, 1024, 2048, 3072 or 4096 (default 2048); DSA
// 1024 or 2048 (default 2048; parameter generation takes seconds); ignored (0) for ECDSA and
// Ed25519. InvalidArgument for any other size. Slow: call it off the packet threads.
absl::StatusOr<GeneratedKey> GenerateKey(KeyType type, int bits = 0);

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_KEY_H_
