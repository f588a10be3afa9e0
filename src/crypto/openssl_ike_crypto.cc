// OpenSslIkeCrypto: the default IkeCryptoProvider (tunnelisa/ike_crypto.h) on OpenSSL 3: the
// HMAC PRF and Diffie-Hellman of ike_prf.cc / ike_dh.cc, EVP digests, and the PKI keys' own
// signatures.
#include <openssl/evp.h>

#include "crypto/ike_crypto.h"

namespace tunnelisa {
namespace {

// DigestOf: fetched once (the implicit EVP_sha1() looks the algorithm up on every call).
const EVP_MD* DigestOf(pki::HashAlgorithm hash) {
  static const EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static const EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  static const EVP_MD* const kMd5 = EVP_MD_fetch(nullptr, "MD5", nullptr);  // IKEv1 IVs
  switch (hash) {
    case pki::HashAlgorithm::kSha1:
      return kSha1;
    case pki::HashAlgorithm::kSha256:
      return kSha256;
    case pki::HashAlgorithm::kSha384:
      return kSha384;
    case pki::HashAlgorithm::kSha512:
      return kSha512;
    case pki::HashAlgorithm::kMd5:
      return kMd5;
    case pki::HashAlgorithm::kNone:
      break;
  }
  return nullptr;
}

class OpenSslProvider final : public IkeCryptoProvider {
 public:
  std::string_view name() const override { return "openssl"; }
  absl::StatusOr<std::unique_ptr<Prf>> NewPrf(PrfAlgorithm prf,
                                              std::span<const uint8_t> key) const override {
    return crypto::OpenSslPrf(prf, key);
  }
  absl::StatusOr<std::unique_ptr<DhKeyPair>> NewDhKeyPair(DhGroup group) const override {
    return crypto::OpenSslDhKeyPair(group);
  }
  absl::StatusOr<std::vector<uint8_t>> Hash(pki::HashAlgorithm hash,
                                            std::span<const uint8_t> data) const override {
    const EVP_MD* md = DigestOf(hash);
    if (md == nullptr) return absl::InvalidArgumentError("no hash algorithm");
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
      return absl::InternalError("digest failed");
    }
    out.resize(len);
    return out;
  }
  absl::StatusOr<std::vector<uint8_t>> Sign(const pki::PrivateKey& key,
                                            std::span<const uint8_t> data,
                                            const pki::SignatureOptions& options) const override {
    return key.Sign(data, options);
  }
  absl::Status Verify(const pki::PublicKey& key, std::span<const uint8_t> data,
                      std::span<const uint8_t> signature,
                      const pki::SignatureOptions& options) const override {
    return key.Verify(data, signature, options);
  }
};

}  // namespace

const IkeCryptoProvider& OpenSslIkeCrypto() {
  static const OpenSslProvider provider;
  return provider;
}

}  // namespace tunnelisa
