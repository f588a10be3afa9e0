// File: tunnelisa/ike_crypto.h
//
// IkeCryptoProvider: every cryptographic operation IKE's exchanges make (the PRF, the
// Diffie-Hellman key exchange, hashes, signatures), behind one interface, as CryptoBackend
// (crypto_backend.h) is for ESP. The default is OpenSSL 3 (OpenSslIkeCrypto()); a host with
// an HSM, a crypto offload card or a certified module passes its own through Host::ike_crypto.
// The exchanges (IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA) make no OpenSSL call of their own.
// (The SK payload's cipher and ICV, and ESP itself, stay with their own layers.)
//
// Threads: called on the control thread of each Engine that uses it; one provider may serve
// several Engines (several control threads), so its const methods must be safe to call
// concurrently. The objects it returns (Prf, DhKeyPair) are used by one thread at a time.
// Control path only: may allocate, may take milliseconds (RSA signatures).
//
// Example (a host delegating signatures to its HSM, the rest to OpenSSL):
//   class HsmCrypto final : public tunnelisa::IkeCryptoProvider {
//     std::string_view name() const override { return "hsm"; }
//     absl::StatusOr<std::unique_ptr<Prf>> NewPrf(PrfAlgorithm a, std::span<const uint8_t> k)
//         const override { return tunnelisa::OpenSslIkeCrypto().NewPrf(a, k); }
//     ...
//     absl::StatusOr<std::vector<uint8_t>> Sign(const pki::PrivateKey& key, ...) const override
//         { return hsm_.Sign(LabelOf(key), data, options); }
//   };
//   tunnelisa::Host host{.transport = &t, .ike_crypto = &hsm_crypto};
#ifndef TUNNELISA_IKE_CRYPTO_H_
#define TUNNELISA_IKE_CRYPTO_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/pki/key.h"
#include "tunnelisa/secret.h"

namespace tunnelisa {

// PrfAlgorithm: IKEv2 PRF transform IDs (RFC 7296 3.3.2, RFC 4868). The guide's ike-policy
// auth-algorithm names the PRF.
enum class PrfAlgorithm : uint16_t {
  kHmacMd5 = 1,
  kHmacSha1 = 2,
  kHmacSha256 = 5,
  kHmacSha384 = 6,
  kHmacSha512 = 7,
};

// PrfOutputSize: bytes of one PRF output (and the preferred key size, RFC 7296 2.13); 0 for a
// value outside the enum.
size_t PrfOutputSize(PrfAlgorithm prf);

// Prf: a keyed PRF; Compute may be called many times (the key schedule is kept). One thread
// at a time.
class Prf {
 public:
  virtual ~Prf() = default;
  // Compute: prf(key, parts[0] | parts[1] | ...).
  virtual absl::StatusOr<SecretBytes> Compute(std::span<const std::span<const uint8_t>> parts) = 0;
  // ComputeInto: the same, written to `out`, which must be exactly output_size() octets
  // (InvalidArgument otherwise). prf+ writes its blocks this way, straight into the key
  // material. The default calls Compute and copies; an implementation may override it to
  // spare that allocation (the OpenSSL one does).
  virtual absl::Status ComputeInto(std::span<const std::span<const uint8_t>> parts,
                                   std::span<uint8_t> out);
  size_t output_size() const { return output_size_; }

 protected:
  explicit Prf(size_t output_size) : output_size_(output_size) {}

 private:
  size_t output_size_;
};

// DhKeyPair: our ephemeral key for one exchange.
class DhKeyPair {
 public:
  virtual ~DhKeyPair() = default;
  DhGroup group() const { return group_; }
  // public_value: the KE payload data: MODP y padded to the prime's length; ECP x | y
  // (RFC 5903 section 7); Curve25519 the 32-byte u-coordinate (RFC 8031).
  const std::vector<uint8_t>& public_value() const { return public_value_; }
  // Derive: g^ir from the peer's KE data. InvalidArgument (the exchange fails) when the value
  // has the wrong length or fails the RFC 6989 checks: MODP 1 < y < p-1; ECP a point on the
  // curve; Curve25519 a non-zero shared secret. The secret is padded as RFC 7296 / 5903 /
  // 8031 say. Implementations must make these checks too.
  virtual absl::StatusOr<SecretBytes> Derive(std::span<const uint8_t> peer_public) const = 0;

 protected:
  DhKeyPair(DhGroup group, std::vector<uint8_t> public_value)
      : group_(group), public_value_(std::move(public_value)) {}

 private:
  DhGroup group_;
  std::vector<uint8_t> public_value_;
};

class IkeCryptoProvider {
 public:
  virtual ~IkeCryptoProvider() = default;
  // name: for logs ("openssl").
  virtual std::string_view name() const = 0;
  // NewPrf: a PRF keyed with `key`. InvalidArgument for an empty key (RFC 7296 keys are never
  // empty) or an unknown algorithm; Unavailable if the provider cannot do it.
  virtual absl::StatusOr<std::unique_ptr<Prf>> NewPrf(PrfAlgorithm prf,
                                                      std::span<const uint8_t> key) const = 0;
  // NewDhKeyPair: a fresh ephemeral key pair. InvalidArgument for a group the provider does
  // not know, Unavailable when it cannot generate one.
  virtual absl::StatusOr<std::unique_ptr<DhKeyPair>> NewDhKeyPair(DhGroup group) const = 0;
  // Hash: the digest of `data` (SHA-1 for NAT detection and CERTREQ, SHA-256 for cookies, the
  // negotiated hash, MD5 included, for IKEv1's phase-1 IVs).
  // kNone is InvalidArgument.
  virtual absl::StatusOr<std::vector<uint8_t>> Hash(pki::HashAlgorithm hash,
                                                    std::span<const uint8_t> data) const = 0;
  // Sign: `key`'s signature of `data` (IKE_AUTH with certificates). `key` may stand for a key
  // the provider holds elsewhere (an OpenSSL 3 provider-backed key, or one the host maps to
  // an HSM handle). Errors as pki::PrivateKey::Sign. IKEv1 asks for
  // SignatureOptions::rsa_pkcs1_raw (HASH_I / HASH_R padded as they are, no DigestInfo: an
  // HSM's CKM_RSA_PKCS mechanism); a provider that cannot do it returns Unimplemented.
  virtual absl::StatusOr<std::vector<uint8_t>> Sign(const pki::PrivateKey& key,
                                                    std::span<const uint8_t> data,
                                                    const pki::SignatureOptions& options) const = 0;
  // Verify: OK when `signature` is `key`'s valid signature of `data`; InvalidArgument
  // ("bad signature") otherwise.
  virtual absl::Status Verify(const pki::PublicKey& key, std::span<const uint8_t> data,
                              std::span<const uint8_t> signature,
                              const pki::SignatureOptions& options) const = 0;
};

// OpenSslIkeCrypto: the default provider, OpenSSL 3 (stateless; lives for the program).
const IkeCryptoProvider& OpenSslIkeCrypto();

}  // namespace tunnelisa

#endif  // TUNNELISA_IKE_CRYPTO_H_
