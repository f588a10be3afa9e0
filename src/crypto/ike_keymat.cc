#include "crypto/ike_keymat.h"

#include <vector>

namespace tunnelisa::crypto {
namespace {

// Take: the next `n` bytes of `keymat` from `*pos`.
SecretBytes Take(const SecretBytes& keymat, size_t* pos, size_t n) {
  SecretBytes out(keymat.span().subspan(*pos, n));
  *pos += n;
  return out;
}

std::vector<uint8_t> Concat(std::initializer_list<std::span<const uint8_t>> parts) {
  std::vector<uint8_t> v;
  for (std::span<const uint8_t> p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

}  // namespace

absl::StatusOr<IkeSaKeys> DeriveIkeSaKeys(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                          const IkeKeySizes& sizes,
                                          std::span<const uint8_t> nonce_i,
                                          std::span<const uint8_t> nonce_r,
                                          std::span<const uint8_t> shared_secret,
                                          std::span<const uint8_t> spi_i,
                                          std::span<const uint8_t> spi_r) {
  if (nonce_i.empty() || nonce_r.empty()) return absl::InvalidArgumentError("empty nonce");
  if (spi_i.size() != 8 || spi_r.size() != 8) {
    return absl::InvalidArgumentError("IKE SPIs are 8 bytes");
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.14
  //# SKEYSEED = prf(Ni | Nr, g^ir)
  const std::vector<uint8_t> nonces = Concat({nonce_i, nonce_r});
  absl::StatusOr<std::unique_ptr<Prf>> p = provider.NewPrf(prf, nonces);
  if (!p.ok()) return p.status();
  std::span<const uint8_t> parts[] = {shared_secret};
  absl::StatusOr<SecretBytes> skeyseed = (*p)->Compute(parts);
  if (!skeyseed.ok()) return skeyseed.status();
  return DeriveIkeSaKeysFromSkeyseed(provider, prf, sizes, skeyseed->span(), nonce_i, nonce_r,
                                     spi_i, spi_r);
}

absl::StatusOr<IkeSaKeys> DeriveIkeSaKeysFromSkeyseed(const IkeCryptoProvider& provider,
                                                      PrfAlgorithm prf, const IkeKeySizes& sizes,
                                                      std::span<const uint8_t> skeyseed,
                                                      std::span<const uint8_t> nonce_i,
                                                      std::span<const uint8_t> nonce_r,
                                                      std::span<const uint8_t> spi_i,
                                                      std::span<const uint8_t> spi_r) {
  if (nonce_i.empty() || nonce_r.empty()) return absl::InvalidArgumentError("empty nonce");
  if (spi_i.size() != 8 || spi_r.size() != 8) {
    return absl::InvalidArgumentError("IKE SPIs are 8 bytes");
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.14
  //# {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
  //#                 = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
  const size_t prf_size = PrfOutputSize(prf);
  const size_t total = 3 * prf_size + 2 * sizes.integrity + 2 * sizes.encryption;
  const std::vector<uint8_t> seed = Concat({nonce_i, nonce_r, spi_i, spi_r});
  absl::StatusOr<std::unique_ptr<Prf>> p = provider.NewPrf(prf, skeyseed);
  if (!p.ok()) return p.status();
  absl::StatusOr<SecretBytes> keymat = PrfPlus(**p, seed, total);
  if (!keymat.ok()) return keymat.status();
  IkeSaKeys k;
  size_t pos = 0;
  k.sk_d = Take(*keymat, &pos, prf_size);
  k.sk_ai = Take(*keymat, &pos, sizes.integrity);
  k.sk_ar = Take(*keymat, &pos, sizes.integrity);
  k.sk_ei = Take(*keymat, &pos, sizes.encryption);
  k.sk_er = Take(*keymat, &pos, sizes.encryption);
  k.sk_pi = Take(*keymat, &pos, prf_size);
  k.sk_pr = Take(*keymat, &pos, prf_size);
  return k;
}

absl::StatusOr<SecretBytes> DeriveRekeyedSkeyseed(const IkeCryptoProvider& provider,
                                                  PrfAlgorithm prf,
                                                  std::span<const uint8_t> old_sk_d,
                                                  std::span<const uint8_t> shared_secret,
                                                  std::span<const uint8_t> nonce_i,
                                                  std::span<const uint8_t> nonce_r) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.18
  //# SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
  absl::StatusOr<std::unique_ptr<Prf>> p = provider.NewPrf(prf, old_sk_d);
  if (!p.ok()) return p.status();
  std::span<const uint8_t> parts[] = {shared_secret, nonce_i, nonce_r};
  return (*p)->Compute(parts);
}

absl::StatusOr<ChildSaKeys> DeriveChildSaKeys(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                              std::span<const uint8_t> sk_d,
                                              std::span<const uint8_t> shared_secret,
                                              std::span<const uint8_t> nonce_i,
                                              std::span<const uint8_t> nonce_r,
                                              size_t encryption_size, size_t integrity_size) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.17
  //# KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)
  const std::vector<uint8_t> seed = Concat({shared_secret, nonce_i, nonce_r});
  const size_t total = 2 * (encryption_size + integrity_size);
  absl::StatusOr<std::unique_ptr<Prf>> p = provider.NewPrf(prf, sk_d);
  if (!p.ok()) return p.status();
  absl::StatusOr<SecretBytes> keymat = PrfPlus(**p, seed, total);
  if (!keymat.ok()) return keymat.status();
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.17
  //# All keys for SAs carrying data from the initiator to the responder are taken before SAs
  //# going from the responder to the initiator.
  //# the encryption key (if any) MUST be taken from the first bits and the integrity key (if
  //# any) MUST be taken from the remaining bits.
  ChildSaKeys k;
  size_t pos = 0;
  k.encr_i = Take(*keymat, &pos, encryption_size);
  k.integ_i = Take(*keymat, &pos, integrity_size);
  k.encr_r = Take(*keymat, &pos, encryption_size);
  k.integ_r = Take(*keymat, &pos, integrity_size);
  return k;
}

}  // namespace tunnelisa::crypto
