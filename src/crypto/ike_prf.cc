// The IKEv2 PRF: HMAC (RFC 2104) built on OpenSSL's EVP digests, not on EVP_MAC.
//
// Why not EVP_MAC: OpenSSL 3.0 allocates about eleven times to create and key an HMAC context
// (EVP_MAC_CTX_new + EVP_MAC_init: the MAC's, the digest's and three digest contexts' state)
// and twice more per computation, and a responder's handshake keys about seven PRFs (SKEYSEED,
// prf+ for SK_*, the two AUTH MACs, the CHILD SA's KEYMAT): about 95 of its 114 OpenSSL
// allocations (issue 14, docs/performance.md). Here a Prf holds only its key block K' (the key,
// or H(key) when longer than the digest's block, zero-padded to the block), and a computation
// is two digests on the calling thread's one EVP_MD_CTX: one allocation each (OpenSSL 3.0
// re-creates the provider's digest state on every init) and no per-key OpenSSL object.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "common/str_cat.h"
#include "crypto/ike_crypto.h"

namespace tunnelisa::crypto {
namespace {

constexpr size_t kMaxPrfOutput = 64;     // HMAC-SHA-512
constexpr size_t kMaxDigestBlock = 128;  // SHA-384 / SHA-512

//= https://www.rfc-editor.org/rfc/rfc2104#section-2
//# We define two fixed and different strings ipad and opad as follows
//# (the 'i' and 'o' are mnemonics for inner and outer):
//#                 ipad = the byte 0x36 repeated B times
//#                 opad = the byte 0x5C repeated B times.
constexpr uint8_t kIpad = 0x36;
constexpr uint8_t kOpad = 0x5c;

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

// Digest: OpenSSL's implementation of the PRF's hash, fetched once for the process (a fetch is a
// locked lookup by name). Never freed; EVP_MD objects may be shared between threads. Null when
// OpenSSL lacks it (MD5 under a FIPS-only configuration).
const EVP_MD* Digest(PrfAlgorithm prf) {
  static const std::array<EVP_MD*, 5> digests = [] {
    std::array<EVP_MD*, 5> d{};
    const PrfAlgorithm all[] = {PrfAlgorithm::kHmacMd5, PrfAlgorithm::kHmacSha1,
                                PrfAlgorithm::kHmacSha256, PrfAlgorithm::kHmacSha384,
                                PrfAlgorithm::kHmacSha512};
    for (size_t i = 0; i < d.size(); ++i) d[i] = EVP_MD_fetch(nullptr, DigestName(all[i]), nullptr);
    return d;
  }();
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      return digests[0];
    case PrfAlgorithm::kHmacSha1:
      return digests[1];
    case PrfAlgorithm::kHmacSha256:
      return digests[2];
    case PrfAlgorithm::kHmacSha384:
      return digests[3];
    case PrfAlgorithm::kHmacSha512:
      return digests[4];
  }
  return nullptr;
}

// ThreadDigestContext: the calling thread's digest context, made on first use and freed when
// the thread ends. Reset after every computation (HmacPrf::ComputeInto), so no hash state of a
// key outlives the call that used it.
EVP_MD_CTX* ThreadDigestContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

class HmacPrf final : public Prf {
 public:
  HmacPrf(size_t size, const EVP_MD* md, SecretBytes key_block)
      : Prf(size), md_(md), key_block_(std::move(key_block)) {}

  absl::StatusOr<SecretBytes> Compute(std::span<const std::span<const uint8_t>> parts) override {
    SecretBytes out(output_size());
    if (absl::Status s = ComputeInto(parts, out.mutable_span()); !s.ok()) return s;
    return out;
  }

  //= https://www.rfc-editor.org/rfc/rfc2104#section-2
  //# To compute HMAC over the data `text' we perform
  //#                 H(K XOR opad, H(K XOR ipad, text))
  absl::Status ComputeInto(std::span<const std::span<const uint8_t>> parts,
                           std::span<uint8_t> out) override {
    if (out.size() != output_size()) {
      return absl::InvalidArgumentError("PRF output buffer of the wrong size");
    }
    EVP_MD_CTX* ctx = ThreadDigestContext();
    if (ctx == nullptr) return absl::ResourceExhaustedError("no memory for a digest context");
    std::array<uint8_t, kMaxDigestBlock> pad;
    std::array<uint8_t, kMaxPrfOutput> inner;
    const size_t b = key_block_.size();
    for (size_t i = 0; i < b; ++i) pad[i] = key_block_.data()[i] ^ kIpad;
    bool ok =
        EVP_DigestInit_ex2(ctx, md_, nullptr) == 1 && EVP_DigestUpdate(ctx, pad.data(), b) == 1;
    for (std::span<const uint8_t> p : parts) {
      if (ok && !p.empty()) ok = EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
    }
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, inner.data(), &len) == 1 && len == output_size();
    if (ok) {
      for (size_t i = 0; i < b; ++i) pad[i] = key_block_.data()[i] ^ kOpad;
      ok = EVP_DigestInit_ex2(ctx, md_, nullptr) == 1 &&
           EVP_DigestUpdate(ctx, pad.data(), b) == 1 &&
           EVP_DigestUpdate(ctx, inner.data(), len) == 1 &&
           EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == output_size();
    }
    // The digest's state and the pads are functions of the key: wipe them.
    EVP_MD_CTX_reset(ctx);
    OPENSSL_cleanse(pad.data(), pad.size());
    OPENSSL_cleanse(inner.data(), inner.size());
    if (!ok) return absl::InternalError("HMAC digest failed");
    return absl::OkStatus();
  }

 private:
  const EVP_MD* md_;
  SecretBytes key_block_;  // K' (RFC 2104: the key, or H(key), zero-padded to B octets)
};

}  // namespace

absl::StatusOr<std::unique_ptr<Prf>> OpenSslPrf(PrfAlgorithm prf, std::span<const uint8_t> key) {
  const char* digest = DigestName(prf);
  if (digest == nullptr) return absl::InvalidArgumentError("unknown PRF");
  if (key.empty()) return absl::InvalidArgumentError("PRF key is empty");
  const EVP_MD* md = Digest(prf);
  if (md == nullptr) return absl::UnavailableError(StrCat("HMAC-", digest, " is not available"));
  const int block = EVP_MD_get_block_size(md);
  if (block <= 0 || static_cast<size_t>(block) > kMaxDigestBlock ||
      static_cast<size_t>(EVP_MD_get_size(md)) != PrfOutputSize(prf)) {
    return absl::InternalError(StrCat("unexpected sizes for ", digest));
  }
  SecretBytes key_block(static_cast<size_t>(block));  // zero-filled
  //= https://www.rfc-editor.org/rfc/rfc2104#section-2
  //# Applications that use keys longer
  //# than B bytes will first hash the key using H and then use the
  //# resultant L byte string as the actual key to HMAC.
  if (key.size() > key_block.size()) {
    unsigned int len = 0;
    if (EVP_Digest(key.data(), key.size(), key_block.mutable_span().data(), &len, md, nullptr) !=
        1) {
      return absl::InternalError(StrCat("hashing the HMAC-", digest, " key failed"));
    }
  } else {
    std::copy(key.begin(), key.end(), key_block.mutable_span().begin());
  }
  return std::unique_ptr<Prf>(new HmacPrf(PrfOutputSize(prf), md, std::move(key_block)));
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
