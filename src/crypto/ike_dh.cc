// IKEv2 Diffie-Hellman on OpenSSL 3: MODP groups 1, 2, 5, 14, 15 (RFC 2409, RFC 3526), ECP
// groups 19, 20, 21 (RFC 5903), and Curve25519 (RFC 8031) on libsodium, each with the RFC 6989
// checks on the peer's value and without EVP's slow generic peer validation.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include <memory>

#include "common/str_cat.h"
#include "crypto/ike_crypto.h"
#include "crypto/random_pool.h"

namespace tunnelisa::crypto {
namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

struct ModpInfo {
  BIGNUM* (*prime)(BIGNUM*);
  int private_bits;  // exponent length: about twice the group's strength (RFC 3526 section 8)
};

std::optional<ModpInfo> Modp(DhGroup g) {
  switch (g) {
    case DhGroup::kModp768:
      return ModpInfo{BN_get_rfc2409_prime_768, 160};
    case DhGroup::kModp1024:
      return ModpInfo{BN_get_rfc2409_prime_1024, 160};
    case DhGroup::kModp1536:
      return ModpInfo{BN_get_rfc3526_prime_1536, 240};
    case DhGroup::kModp2048:
      return ModpInfo{BN_get_rfc3526_prime_2048, 256};
    case DhGroup::kModp3072:
      return ModpInfo{BN_get_rfc3526_prime_3072, 320};
    default:
      return std::nullopt;
  }
}

const char* EcpCurve(DhGroup g) {
  switch (g) {
    case DhGroup::kEcp256:
      return "P-256";
    case DhGroup::kEcp384:
      return "P-384";
    case DhGroup::kEcp521:
      return "P-521";
    default:
      return nullptr;
  }
}

// DeriveWith: EVP derive of `key` with `peer`, output exactly `size` bytes (padded).
absl::StatusOr<SecretBytes> DeriveWith(EVP_PKEY* key, EVP_PKEY* peer, size_t size, bool dh_pad) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return absl::InternalError("derive setup failed");
  }
  if (dh_pad && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1) {
    return absl::InternalError("DH padding setup failed");
  }
  // validate_peer = 0: the RFC 6989 checks were made by the caller (or by decoding the point).
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) != 1) {
    return absl::InvalidArgumentError("peer public value refused");
  }
  SecretBytes out(size);
  size_t len = size;
  if (EVP_PKEY_derive(ctx.get(), out.mutable_span().data(), &len) != 1) {
    return absl::InvalidArgumentError("key agreement failed (invalid peer value)");
  }
  if (len != size) return absl::InternalError("shared secret of unexpected length");
  return out;
}

class ModpKeyPair final : public DhKeyPair {
 public:
  ModpKeyPair(DhGroup g, std::vector<uint8_t> pub, Pkey key, Bn p)
      : DhKeyPair(g, std::move(pub)), key_(std::move(key)), p_(std::move(p)) {}

  absl::StatusOr<SecretBytes> Derive(std::span<const uint8_t> peer) const override {
    const size_t plen = static_cast<size_t>(BN_num_bytes(p_.get()));
    if (peer.size() != plen) {
      return absl::InvalidArgumentError(
          StrCat("MODP public value of ", peer.size(), " bytes, expected ", plen));
    }
    Bn y(BN_bin2bn(peer.data(), static_cast<int>(peer.size()), nullptr));
    Bn p_minus_1(BN_dup(p_.get()));
    if (!y || !p_minus_1 || BN_sub_word(p_minus_1.get(), 1) != 1) {
      return absl::InternalError("BIGNUM allocation failed");
    }
    // RFC 6989 section 2.1 (paraphrased): for these safe-prime MODP groups the recipient
    // checks that the peer's public value r satisfies 1 < r < p-1.
    if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), p_minus_1.get()) >= 0) {
      return absl::InvalidArgumentError("MODP public value outside 1 < y < p-1 (RFC 6989)");
    }
    Pkey peer_key;
    {
      std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
      Bn g(BN_new());
      if (!bld || !g || BN_set_word(g.get(), 2) != 1 ||
          OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p_.get()) != 1 ||
          OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()) != 1 ||
          OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()) != 1) {
        return absl::InternalError("parameter build failed");
      }
      std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
      PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
      EVP_PKEY* raw = nullptr;
      if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
          EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return absl::InvalidArgumentError("MODP public value refused");
      }
      peer_key.reset(raw);
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.14
    //# g^ir is represented as a string of octets in big endian order padded with zeros if
    //# necessary to make it the length of the modulus.
    return DeriveWith(key_.get(), peer_key.get(), plen, /*dh_pad=*/true);
  }

 private:
  Pkey key_;
  Bn p_;
};

class EcKeyPair final : public DhKeyPair {
 public:
  EcKeyPair(DhGroup g, std::vector<uint8_t> pub, Pkey key, const char* curve)
      : DhKeyPair(g, std::move(pub)), key_(std::move(key)), curve_(curve) {}

  absl::StatusOr<SecretBytes> Derive(std::span<const uint8_t> peer) const override {
    const size_t expected = public_value().size();
    if (peer.size() != expected) {
      return absl::InvalidArgumentError(
          StrCat("ECP public value of ", peer.size(), " bytes, expected ", expected));
    }
    // RFC 5903 section 7: the KE data is x | y; OpenSSL takes the uncompressed point
    // 0x04 | x | y and, decoding it, checks that it lies on the curve.
    // RFC 6989 section 2.3 (paraphrased): for elliptic curve groups the recipient verifies
    // that the received public value is a valid point on the curve.
    std::vector<uint8_t> point;
    point.reserve(peer.size() + 1);
    point.push_back(0x04);
    point.insert(point.end(), peer.begin(), peer.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve_), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      return absl::InvalidArgumentError("ECP public value is not a point on the curve");
    }
    Pkey peer_key(raw);
    //= https://www.rfc-editor.org/rfc/rfc5903#section-7
    //# The Diffie-Hellman shared secret value consists of the x value of the Diffie-Hellman
    //# common value.
    return DeriveWith(key_.get(), peer_key.get(), expected / 2, /*dh_pad=*/false);
  }

 private:
  Pkey key_;
  const char* curve_;
};

// X25519 (RFC 7748) through libsodium's crypto_scalarmult_curve25519: a key pair is 32 octets
// of private key and no library object, keygen and derive allocate nothing and look nothing up
// by name. (OpenSSL's EVP_PKEY_Q_keygen / EVP_PKEY_derive spend as long on provider lookups,
// EVP_PKEY objects and their allocations as on the curve arithmetic when a responder's caches
// are cold between handshakes: docs/performance.md, "tunnelisa run's handshake, cold".)
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;  // once; sodium_init itself takes a lock
  return ready;
}

class X25519KeyPair final : public DhKeyPair {
 public:
  X25519KeyPair(std::vector<uint8_t> pub, SecretBytes private_key)
      : DhKeyPair(DhGroup::kCurve25519, std::move(pub)), private_key_(std::move(private_key)) {}

  absl::StatusOr<SecretBytes> Derive(std::span<const uint8_t> peer) const override {
    if (peer.size() != crypto_scalarmult_curve25519_BYTES) {
      return absl::InvalidArgumentError(
          StrCat("Curve25519 public value of ", peer.size(), " bytes, expected 32"));
    }
    SecretBytes shared(crypto_scalarmult_curve25519_BYTES);
    // RFC 8031 section 2.3 (paraphrased): the receiver checks whether the computed shared
    // secret is the all-zero value and aborts if it is (as in RFC 7748 section 6).
    // crypto_scalarmult_curve25519 returns -1 exactly for an all-zero result (and for the
    // small-order public values that are the only ones to produce it).
    if (crypto_scalarmult_curve25519(shared.mutable_span().data(), private_key_.data(),
                                     peer.data()) != 0) {
      return absl::InvalidArgumentError("Curve25519 shared secret is all zeros");
    }
    return shared;
  }

 private:
  SecretBytes private_key_;
};

// X25519FromPrivate: the key pair of a 32-octet private key (clamped by libsodium as RFC 7748
// section 5 says).
absl::StatusOr<std::unique_ptr<DhKeyPair>> X25519FromPrivate(SecretBytes private_key) {
  if (!SodiumReady()) return absl::UnavailableError("libsodium failed to initialize");
  if (private_key.size() != crypto_scalarmult_curve25519_SCALARBYTES) {
    return absl::InvalidArgumentError("not an X25519 private key");
  }
  std::vector<uint8_t> pub(crypto_scalarmult_curve25519_BYTES);
  if (crypto_scalarmult_curve25519_base(pub.data(), private_key.data()) != 0) {
    return absl::InternalError("X25519 public value computation failed");
  }
  return std::unique_ptr<DhKeyPair>(new X25519KeyPair(std::move(pub), std::move(private_key)));
}

absl::StatusOr<std::unique_ptr<DhKeyPair>> GenerateModp(DhGroup group, const ModpInfo& info) {
  Bn p(info.prime(nullptr));
  Bn g(BN_new());
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!p || !g || !bld || BN_set_word(g.get(), 2) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()) != 1 ||
      OSSL_PARAM_BLD_push_int(bld.get(), OSSL_PKEY_PARAM_DH_PRIV_LEN, info.private_bits) != 1) {
    return absl::InternalError("MODP parameter build failed");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  EVP_PKEY* domain = nullptr;
  if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &domain, EVP_PKEY_KEY_PARAMETERS, params.get()) != 1) {
    return absl::UnavailableError("OpenSSL refused the MODP group parameters");
  }
  Pkey domain_key(domain);
  PkeyCtx kctx(EVP_PKEY_CTX_new_from_pkey(nullptr, domain_key.get(), nullptr));
  EVP_PKEY* raw = nullptr;
  if (!kctx || EVP_PKEY_keygen_init(kctx.get()) != 1 || EVP_PKEY_generate(kctx.get(), &raw) != 1) {
    return absl::InternalError("MODP key generation failed");
  }
  Pkey key(raw);
  BIGNUM* y = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, &y) != 1) {
    return absl::InternalError("MODP public value unavailable");
  }
  Bn yb(y);
  std::vector<uint8_t> pub(static_cast<size_t>(BN_num_bytes(p.get())));
  if (BN_bn2binpad(yb.get(), pub.data(), static_cast<int>(pub.size())) < 0) {
    return absl::InternalError("MODP public value encoding failed");
  }
  return std::unique_ptr<DhKeyPair>(
      new ModpKeyPair(group, std::move(pub), std::move(key), std::move(p)));
}

}  // namespace

size_t DhPublicValueSize(DhGroup group) {
  switch (group) {
    case DhGroup::kModp768:
      return 96;
    case DhGroup::kModp1024:
      return 128;
    case DhGroup::kModp1536:
      return 192;
    case DhGroup::kModp2048:
      return 256;
    case DhGroup::kModp3072:
      return 384;
    case DhGroup::kEcp256:
      return 64;
    case DhGroup::kEcp384:
      return 96;
    case DhGroup::kEcp521:
      return 132;
    case DhGroup::kCurve25519:
      return 32;
  }
  return 0;
}

std::optional<DhGroup> DhGroupFromNumber(uint16_t number) {
  switch (number) {
    case 1:
    case 2:
    case 5:
    case 14:
    case 15:
    case 19:
    case 20:
    case 21:
    case 31:
      return static_cast<DhGroup>(number);
    default:
      return std::nullopt;
  }
}

absl::StatusOr<std::unique_ptr<DhKeyPair>> OpenSslDhKeyPair(DhGroup group) {
  if (std::optional<ModpInfo> m = Modp(group)) return GenerateModp(group, *m);
  if (const char* curve = EcpCurve(group)) {
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    if (!key) return absl::UnavailableError(StrCat("OpenSSL cannot generate ", curve, " keys"));
    // The encoded point is 0x04 | x | y (uncompressed); the KE data is x | y.
    uint8_t point[1 + 2 * 66];
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        sizeof point, &len) != 1 ||
        len != 1 + DhPublicValueSize(group) || point[0] != 0x04) {
      return absl::InternalError("ECP public value encoding failed");
    }
    std::vector<uint8_t> pub(point + 1, point + len);
    return std::unique_ptr<DhKeyPair>(new EcKeyPair(group, std::move(pub), std::move(key), curve));
  }
  if (group == DhGroup::kCurve25519) {
    // The private key from OpenSSL's private DRBG (as EVP_PKEY_Q_keygen would draw it), by
    // the block: one RAND_priv_bytes call per eight keys (crypto/random_pool.h). Per thread:
    // a pool serves one thread at a time.
    thread_local RandomPool private_keys(RandomPool::Source::kPrivate);
    SecretBytes private_key(crypto_scalarmult_curve25519_SCALARBYTES);
    private_keys.Fill(private_key.mutable_span());
    return X25519FromPrivate(std::move(private_key));
  }
  return absl::InvalidArgumentError(
      StrCat("Diffie-Hellman group ", static_cast<int>(group), " is not supported"));
}

absl::StatusOr<std::unique_ptr<DhKeyPair>> X25519FromPrivateForTest(
    std::span<const uint8_t> private_key) {
  return X25519FromPrivate(SecretBytes(private_key));
}

}  // namespace tunnelisa::crypto
