#include "ike/v1/crypto/v1_keymat.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/str_format.h"

namespace tunnelisa::ike::v1 {
namespace {

using Bytes = std::span<const uint8_t>;

std::array<uint8_t, 8> Be64(uint64_t v) {
  std::array<uint8_t, 8> out{};
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return out;
}

std::array<uint8_t, 4> Be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

// Prf: prf(key, parts[0] | parts[1] | ...) with a PRF made for this one computation.
absl::StatusOr<SecretBytes> Prf(const IkeCryptoProvider& provider, PrfAlgorithm prf, Bytes key,
                                std::initializer_list<Bytes> parts) {
  if (key.empty()) return absl::InvalidArgumentError("IKEv1 PRF key is empty");
  absl::StatusOr<std::unique_ptr<tunnelisa::Prf>> p = provider.NewPrf(prf, key);
  if (!p.ok()) return p.status();
  return (*p)->Compute(std::span<const Bytes>(parts.begin(), parts.size()));
}

// Expand: K1 | K2 | ... truncated to `length`, where K1 = prf(key, first | seed) and
// Kn = prf(key, Kn-1 | seed): the shape of both Appendix B's key expansion (first = 0x00, seed
// empty) and Quick Mode's KEYMAT (first empty, seed = [g^xy |] protocol | SPI | Ni_b | Nr_b).
absl::StatusOr<SecretBytes> Expand(const IkeCryptoProvider& provider, PrfAlgorithm prf, Bytes key,
                                   Bytes first, std::initializer_list<Bytes> seed, size_t length) {
  const size_t block = PrfOutputSize(prf);
  if (block == 0) return absl::InvalidArgumentError("unknown PRF");
  if (length == 0 || length > 255 * block) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d octets of keying material asked for (1 to %d)", length, 255 * block));
  }
  if (key.empty()) return absl::InvalidArgumentError("IKEv1 PRF key is empty");
  absl::StatusOr<std::unique_ptr<tunnelisa::Prf>> p = provider.NewPrf(prf, key);
  if (!p.ok()) return p.status();
  SecretBytes out(length);
  SecretBytes previous;
  size_t done = 0;
  while (done < length) {
    std::vector<Bytes> parts = {done == 0 ? first : previous.span()};
    parts.insert(parts.end(), seed.begin(), seed.end());
    absl::StatusOr<SecretBytes> k = (*p)->Compute(parts);
    if (!k.ok()) return k.status();
    const size_t take = std::min(k->size(), length - done);
    std::copy_n(k->data(), take, out.mutable_span().data() + done);
    done += take;
    previous = *std::move(k);
  }
  return out;
}

// NonEmpty: InvalidArgument naming the first empty input.
absl::Status NonEmpty(std::initializer_list<std::pair<Bytes, const char*>> inputs) {
  for (const auto& [bytes, what] : inputs) {
    if (bytes.empty()) return absl::InvalidArgumentError(absl::StrFormat("%s is empty", what));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<V1Phase1Keys> DerivePhase1Keys(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                              V1AuthKind kind, Bytes psk, Bytes nonce_i,
                                              Bytes nonce_r, Bytes g_xy, uint64_t cky_i,
                                              uint64_t cky_r, size_t enc_key_len) {
  if (absl::Status s = NonEmpty({{nonce_i, "Ni_b"}, {nonce_r, "Nr_b"}, {g_xy, "g^xy"}}); !s.ok()) {
    return s;
  }
  if (kind == V1AuthKind::kPreSharedKey && psk.empty()) {
    return absl::InvalidArgumentError("pre-shared key is empty");
  }
  const std::array<uint8_t, 8> ci = Be64(cky_i);
  const std::array<uint8_t, 8> cr = Be64(cky_r);
  const uint8_t zero[1] = {0};
  const uint8_t one[1] = {1};
  const uint8_t two[1] = {2};
  V1Phase1Keys k;
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5
  //# For signatures:            SKEYID = prf(Ni_b | Nr_b, g^xy)
  //# For pre-shared keys:       SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
  absl::StatusOr<SecretBytes> skeyid;
  if (kind == V1AuthKind::kSignature) {
    std::vector<uint8_t> key(nonce_i.begin(), nonce_i.end());
    key.insert(key.end(), nonce_r.begin(), nonce_r.end());
    const SecretBytes nonces(key);
    std::fill(key.begin(), key.end(), 0);
    skeyid = Prf(provider, prf, nonces.span(), {g_xy});
  } else {
    skeyid = Prf(provider, prf, psk, {nonce_i, nonce_r});
  }
  if (!skeyid.ok()) return skeyid.status();
  k.skeyid = *std::move(skeyid);
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5
  //# SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
  //# SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
  //# SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
  absl::StatusOr<SecretBytes> d = Prf(provider, prf, k.skeyid.span(), {g_xy, ci, cr, zero});
  if (!d.ok()) return d.status();
  k.skeyid_d = *std::move(d);
  absl::StatusOr<SecretBytes> a =
      Prf(provider, prf, k.skeyid.span(), {k.skeyid_d.span(), g_xy, ci, cr, one});
  if (!a.ok()) return a.status();
  k.skeyid_a = *std::move(a);
  absl::StatusOr<SecretBytes> e =
      Prf(provider, prf, k.skeyid.span(), {k.skeyid_a.span(), g_xy, ci, cr, two});
  if (!e.ok()) return e.status();
  k.skeyid_e = *std::move(e);
  if (enc_key_len == 0) return absl::InvalidArgumentError("encryption key length is 0");
  //= https://www.rfc-editor.org/rfc/rfc2409#appendix-B
  //# Encryption keys used to protect the ISAKMP SA are derived from SKEYID_e in an
  //# algorithm-specific manner. When SKEYID_e is not long enough to supply all the necessary
  //# keying material an algorithm requires, the key is derived from feeding the results of a
  //# pseudo-random function into itself, concatenating the results, and taking the highest
  //# necessary bits.
  if (k.skeyid_e.size() >= enc_key_len) {
    k.enc_key = SecretBytes(k.skeyid_e.span().first(enc_key_len));
  } else {
    //= https://www.rfc-editor.org/rfc/rfc2409#appendix-B
    //# Ka = K1 | K2 | K3
    //# and
    //# K1 = prf(SKEYID_e, 0)
    //# K2 = prf(SKEYID_e, K1)
    //# K3 = prf(SKEYID_e, K2)
    absl::StatusOr<SecretBytes> ka =
        Expand(provider, prf, k.skeyid_e.span(), zero, {}, enc_key_len);
    if (!ka.ok()) return ka.status();
    k.enc_key = *std::move(ka);
  }
  return k;
}

absl::StatusOr<SecretBytes> Phase1Hash(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       Bytes skeyid, V1Side side, Bytes g_xi, Bytes g_xr,
                                       uint64_t cky_i, uint64_t cky_r, Bytes sai_b, Bytes id_b) {
  const std::array<uint8_t, 8> ci = Be64(cky_i);
  const std::array<uint8_t, 8> cr = Be64(cky_r);
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5
  //# HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b )
  //# HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b )
  if (side == V1Side::kInitiator) {
    return Prf(provider, prf, skeyid, {g_xi, g_xr, ci, cr, sai_b, id_b});
  }
  return Prf(provider, prf, skeyid, {g_xr, g_xi, cr, ci, sai_b, id_b});
}

//= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
//# HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr )
absl::StatusOr<SecretBytes> QuickHash1(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       Bytes skeyid_a, uint32_t message_id, Bytes rest) {
  return Prf(provider, prf, skeyid_a, {Be32(message_id), rest});
}

//= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
//# HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr )
absl::StatusOr<SecretBytes> QuickHash2(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       Bytes skeyid_a, uint32_t message_id, Bytes ni_b,
                                       Bytes rest) {
  return Prf(provider, prf, skeyid_a, {Be32(message_id), ni_b, rest});
}

//= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
//# HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
absl::StatusOr<SecretBytes> QuickHash3(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                       Bytes skeyid_a, uint32_t message_id, Bytes ni_b,
                                       Bytes nr_b) {
  const uint8_t zero[1] = {0};
  return Prf(provider, prf, skeyid_a, {zero, Be32(message_id), ni_b, nr_b});
}

//= https://www.rfc-editor.org/rfc/rfc2409#section-5.7
//# HASH(1) = prf(SKEYID_a, M-ID | N/D)
absl::StatusOr<SecretBytes> InformationalHash(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                              Bytes skeyid_a, uint32_t message_id, Bytes rest) {
  return Prf(provider, prf, skeyid_a, {Be32(message_id), rest});
}

// draft-dukes-ike-mode-cfg-02 3.1: HASH = prf(SKEYID_a, M-ID | ATTR).
absl::StatusOr<SecretBytes> ModeCfgHash(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                        Bytes skeyid_a, uint32_t message_id, Bytes rest) {
  return InformationalHash(provider, prf, skeyid_a, message_id, rest);
}

absl::StatusOr<SecretBytes> QuickKeymat(const IkeCryptoProvider& provider, PrfAlgorithm prf,
                                        Bytes skeyid_d, Bytes g_qm_xy, uint8_t protocol,
                                        uint32_t spi, Bytes ni_b, Bytes nr_b, size_t length) {
  if (absl::Status s = NonEmpty({{ni_b, "Ni_b"}, {nr_b, "Nr_b"}, {skeyid_d, "SKEYID_d"}});
      !s.ok()) {
    return s;
  }
  const uint8_t proto[1] = {protocol};
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
  //# KEYMAT = K1 | K2 | K3 | ...
  //# where
  //# K1 = prf(SKEYID_d, [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
  //# K2 = prf(SKEYID_d, K1 | [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
  //# K3 = prf(SKEYID_d, K2 | [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
  return Expand(provider, prf, skeyid_d, {}, {g_qm_xy, proto, Be32(spi), ni_b, nr_b}, length);
}

}  // namespace tunnelisa::ike::v1
