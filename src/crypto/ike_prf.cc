// The IKEv2 PRF (HMAC) and prf+ on OpenSSL's EVP_MAC: one keyed context per Prf, re-initialised
// with a NULL key per computation (the precomputed pads are kept), as PERFORMANCE-NOTES advise.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "common/str_cat.h"
#include "crypto/ike_crypto.h"

namespace tunnelisa::crypto {
namespace {

constexpr size_t kMaxPrfOutput = 64;  // HMAC-SHA-512

const char* DigestName(PrfAlgorithm prf) {
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      return "MD5";
    case PrfAlgorithm::kHmacSha1:
      return "SHA1";
    case PrfAlgorithm::kHmacSha256:
      return "SHA256";
    case PrfAlgorithm::kHmacSha384:
      return "SHA384";
    case PrfAlgorithm::kHmacSha512:
      return "SHA512";
  }
  return nullptr;
}

// Hmac: OpenSSL's HMAC implementation, fetched once for the process (a fetch is a locked
// lookup by name; a handshake makes about eight PRFs). Never freed: each context holds its
// own reference, and EVP_MAC objects may be shared between threads.
EVP_MAC* Hmac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

class HmacPrf final : public Prf {
 public:
  HmacPrf(size_t size, EVP_MAC_CTX* ctx) : Prf(size), ctx_(ctx) {}
  ~HmacPrf() override { EVP_MAC_CTX_free(ctx_); }

  absl::StatusOr<SecretBytes> Compute(std::span<const std::span<const uint8_t>> parts) override {
    SecretBytes out(output_size());
    if (absl::Status s = ComputeInto(parts, out.mutable_span()); !s.ok()) return s;
    return out;
  }

  absl::Status ComputeInto(std::span<const std::span<const uint8_t>> parts,
                           std::span<uint8_t> out) override {
    if (out.size() != output_size()) {
      return absl::InvalidArgumentError("PRF output buffer of the wrong size");
    }
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) {
      return absl::InternalError("HMAC re-initialisation failed");
    }
    for (std::span<const uint8_t> p : parts) {
      if (!p.empty() && EVP_MAC_update(ctx_, p.data(), p.size()) != 1) {
        return absl::InternalError("HMAC update failed");
      }
    }
    size_t len = 0;
    if (EVP_MAC_final(ctx_, out.data(), &len, out.size()) != 1 || len != out.size()) {
      return absl::InternalError("HMAC final failed");
    }
    return absl::OkStatus();
  }

 private:
  EVP_MAC_CTX* ctx_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Prf>> OpenSslPrf(PrfAlgorithm prf, std::span<const uint8_t> key) {
  const char* digest = DigestName(prf);
  if (digest == nullptr) return absl::InvalidArgumentError("unknown PRF");
  if (key.empty()) return absl::InvalidArgumentError("PRF key is empty");
  EVP_MAC* mac = Hmac();
  if (mac == nullptr) return absl::UnavailableError("OpenSSL has no HMAC");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  if (ctx == nullptr || EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return absl::UnavailableError(StrCat("HMAC-", digest, " is not available"));
  }
  return std::unique_ptr<Prf>(new HmacPrf(PrfOutputSize(prf), ctx));
}

//= https://www.rfc-editor.org/rfc/rfc7296#section-2.13
//# prf+ (K,S) = T1 | T2 | T3 | T4 | ...
//# where:
//# T1 = prf (K, S | 0x01)
//# T2 = prf (K, T1 | S | 0x02)
//# T3 = prf (K, T2 | S | 0x03)
//# T4 = prf (K, T3 | S | 0x04)
//# ...
//# The prf+ function is not defined beyond 255 times the size of the prf function output.
absl::StatusOr<SecretBytes> PrfPlus(Prf& prf, std::span<const uint8_t> seed, size_t length) {
  const size_t block = prf.output_size();
  if (block == 0) return absl::InvalidArgumentError("unknown PRF");
  if (length > 255 * block) {
    return absl::InvalidArgumentError(
        StrCat("prf+ output of ", length, " bytes exceeds 255 PRF blocks"));
  }
  SecretBytes out(length);
  const std::span<uint8_t> all = out.mutable_span();
  // Each whole block T(n) is written in place and is T(n+1)'s input from there; only a last,
  // partial block goes through `tail` (wiped after).
  std::array<uint8_t, kMaxPrfOutput> tail{};
  if (block > tail.size()) return absl::InvalidArgumentError("PRF output too large");
  std::span<const uint8_t> previous;
  size_t done = 0;
  for (uint8_t n = 1; done < length; ++n) {
    const uint8_t counter[1] = {n};
    std::span<const uint8_t> parts[] = {previous, seed, counter};
    const size_t take = std::min(block, length - done);
    const std::span<uint8_t> t =
        take == block ? all.subspan(done, block) : std::span(tail).first(block);
    if (absl::Status s = prf.ComputeInto(parts, t); !s.ok()) {
      OPENSSL_cleanse(tail.data(), tail.size());
      return s;
    }
    if (take != block) std::copy_n(t.data(), take, all.data() + done);
    previous = t;
    done += take;
  }
  OPENSSL_cleanse(tail.data(), tail.size());
  return out;
}

}  // namespace tunnelisa::crypto

namespace tunnelisa {

absl::Status Prf::ComputeInto(std::span<const std::span<const uint8_t>> parts,
                              std::span<uint8_t> out) {
  if (out.size() != output_size()) {
    return absl::InvalidArgumentError("PRF output buffer of the wrong size");
  }
  absl::StatusOr<SecretBytes> t = Compute(parts);
  if (!t.ok()) return t.status();
  if (t->size() != out.size()) return absl::InternalError("PRF output of the wrong size");
  std::copy_n(t->data(), out.size(), out.data());
  return absl::OkStatus();
}

size_t PrfOutputSize(PrfAlgorithm prf) {
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      return 16;
    case PrfAlgorithm::kHmacSha1:
      return 20;
    case PrfAlgorithm::kHmacSha256:
      return 32;
    case PrfAlgorithm::kHmacSha384:
      return 48;
    case PrfAlgorithm::kHmacSha512:
      return 64;
  }
  return 0;
}

}  // namespace tunnelisa
