#include "crypto/known_answers.h"

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "common/hex.h"
#include "common/str_cat.h"

namespace tunnelisa::crypto {
namespace {

struct AeadVector {
  EncryptionAlgorithm alg;
  std::string_view key, iv, aad, plaintext, ciphertext, tag;
};
struct CipherVector {
  EncryptionAlgorithm alg;
  std::string_view key, iv, plaintext, ciphertext;
};
struct MacVector {
  IntegrityAlgorithm alg;
  std::string_view key, data, icv;
};

// The vectors, with their sources, live in known_answer_vectors.inc.
#define TUNNELISA_KAT_AEAD(a, k, i, aad, p, c, t) AeadVector{a, k, i, aad, p, c, t},
#define TUNNELISA_KAT_CIPHER(a, k, i, p, c)
#define TUNNELISA_KAT_MAC(a, k, d, m)
constexpr AeadVector kAeadVectors[] = {
#include "crypto/known_answer_vectors.inc"
    AeadVector{EncryptionAlgorithm::kNull, {}, {}, {}, {}, {}, {}},  // end marker
};
#undef TUNNELISA_KAT_AEAD
#undef TUNNELISA_KAT_CIPHER
#undef TUNNELISA_KAT_MAC

#define TUNNELISA_KAT_AEAD(a, k, i, aad, p, c, t)
#define TUNNELISA_KAT_CIPHER(a, k, i, p, c) CipherVector{a, k, i, p, c},
#define TUNNELISA_KAT_MAC(a, k, d, m)
constexpr CipherVector kCipherVectors[] = {
#include "crypto/known_answer_vectors.inc"
    CipherVector{EncryptionAlgorithm::kNull, {}, {}, {}, {}},  // end marker
};
#undef TUNNELISA_KAT_AEAD
#undef TUNNELISA_KAT_CIPHER
#undef TUNNELISA_KAT_MAC

#define TUNNELISA_KAT_AEAD(a, k, i, aad, p, c, t)
#define TUNNELISA_KAT_CIPHER(a, k, i, p, c)
#define TUNNELISA_KAT_MAC(a, k, d, m) MacVector{a, k, d, m},
constexpr MacVector kMacVectors[] = {
#include "crypto/known_answer_vectors.inc"
    MacVector{IntegrityAlgorithm::kNone, {}, {}, {}},  // end marker
};
#undef TUNNELISA_KAT_AEAD
#undef TUNNELISA_KAT_CIPHER
#undef TUNNELISA_KAT_MAC

std::vector<uint8_t> Hex(std::string_view s) {
  absl::StatusOr<std::vector<uint8_t>> b = ParseHex(s);
  return b.ok() ? *std::move(b) : std::vector<uint8_t>{};
}

// RunOne: one op through the backend with a key made for `suite` and `dir`.
absl::StatusOr<bool> RunOne(CryptoBackend& backend, EspSuite suite, CryptoDirection dir,
                            std::span<const uint8_t> enc_key, std::span<const uint8_t> auth_key,
                            CryptoOp op) {
  absl::StatusOr<std::unique_ptr<EspKey>> key = backend.CreateKey(suite, enc_key, auth_key, dir);
  if (!key.ok()) return key.status();
  op.key = key->get();
  backend.Process(std::span<CryptoOp>(&op, 1));
  return op.ok;
}

absl::Status Mismatch(std::string_view what, std::span<const uint8_t> got) {
  return absl::InternalError(
      StrCat("known-answer test: ", what, " mismatch (got ", ToHex(got), ")"));
}

absl::Status TestAead(CryptoBackend& backend, const AeadVector& v) {
  EspSuite suite{v.alg, IntegrityAlgorithm::kNone};
  std::vector<uint8_t> key = Hex(v.key), iv = Hex(v.iv), aad = Hex(v.aad);
  std::vector<uint8_t> plain = Hex(v.plaintext), cipher = Hex(v.ciphertext), tag = Hex(v.tag);
  if (aad.size() > sizeof(CryptoOp::aad) || iv.size() != 8) {
    return absl::InternalError("known-answer vector malformed");
  }
  std::vector<uint8_t> data = plain, icv(tag.size()), ivbuf = iv;
  CryptoOp op;
  op.iv = ivbuf.data();
  op.data = data.data();
  op.len = static_cast<uint32_t>(data.size());
  op.icv = icv.data();
  std::memcpy(op.aad, aad.data(), aad.size());
  op.aad_len = static_cast<uint8_t>(aad.size());
  absl::StatusOr<bool> ok = RunOne(backend, suite, CryptoDirection::kSeal, key, {}, op);
  if (!ok.ok()) return ok.status();
  if (!*ok) return absl::InternalError("known-answer test: seal failed");
  if (data != cipher) return Mismatch("ciphertext", data);
  if (icv != tag) return Mismatch("tag", icv);

  op.data = data.data();
  ok = RunOne(backend, suite, CryptoDirection::kOpen, key, {}, op);
  if (!ok.ok()) return ok.status();
  if (!*ok) return absl::InternalError("known-answer test: open refused a good tag");
  if (data != plain) return Mismatch("opened plaintext", data);

  data = cipher;
  icv[0] ^= 0x01;
  ok = RunOne(backend, suite, CryptoDirection::kOpen, key, {}, op);
  if (!ok.ok()) return ok.status();
  if (*ok) return absl::InternalError("known-answer test: open accepted a corrupted tag");
  return absl::OkStatus();
}

absl::Status TestCipher(CryptoBackend& backend, const CipherVector& v) {
  EspSuite suite{v.alg, IntegrityAlgorithm::kNone};
  std::vector<uint8_t> key = Hex(v.key), iv = Hex(v.iv);
  std::vector<uint8_t> plain = Hex(v.plaintext), cipher = Hex(v.ciphertext);
  std::vector<uint8_t> data = plain, ivbuf = iv;
  CryptoOp op;
  op.iv = ivbuf.data();
  op.data = data.data();
  op.len = static_cast<uint32_t>(data.size());
  absl::StatusOr<bool> ok = RunOne(backend, suite, CryptoDirection::kSeal, key, {}, op);
  if (!ok.ok()) return ok.status();
  if (!*ok) return absl::InternalError("known-answer test: encrypt failed");
  if (data != cipher) return Mismatch("ciphertext", data);
  ok = RunOne(backend, suite, CryptoDirection::kOpen, key, {}, op);
  if (!ok.ok()) return ok.status();
  if (!*ok || data != plain) return Mismatch("decrypted plaintext", data);
  return absl::OkStatus();
}

absl::Status TestMac(CryptoBackend& backend, const MacVector& v) {
  EspSuite suite{EncryptionAlgorithm::kNull, v.alg};
  std::vector<uint8_t> key = Hex(v.key), msg = Hex(v.data), want = Hex(v.icv);
  std::vector<uint8_t> icv(want.size());
  CryptoOp op;
  op.auth = msg.data();
  op.auth_len = static_cast<uint32_t>(msg.size());
  op.icv = icv.data();
  absl::StatusOr<bool> ok = RunOne(backend, suite, CryptoDirection::kSeal, {}, key, op);
  if (!ok.ok()) return ok.status();
  if (!*ok) return absl::InternalError("known-answer test: MAC failed");
  if (icv != want) return Mismatch("ICV", icv);
  ok = RunOne(backend, suite, CryptoDirection::kOpen, {}, key, op);
  if (!ok.ok()) return ok.status();
  if (!*ok) return absl::InternalError("known-answer test: verify refused a good ICV");
  icv.back() ^= 0x80;
  ok = RunOne(backend, suite, CryptoDirection::kOpen, {}, key, op);
  if (!ok.ok()) return ok.status();
  if (*ok) return absl::InternalError("known-answer test: verify accepted a corrupted ICV");
  return absl::OkStatus();
}

}  // namespace

absl::Status SelfTestEncryption(CryptoBackend& backend, EncryptionAlgorithm enc) {
  if (enc == EncryptionAlgorithm::kNull) return absl::OkStatus();
  for (const AeadVector& v : kAeadVectors) {
    if (v.alg == enc) return TestAead(backend, v);
  }
  for (const CipherVector& v : kCipherVectors) {
    if (v.alg == enc) return TestCipher(backend, v);
  }
  return absl::NotFoundError("no known-answer vector compiled in");
}

absl::Status SelfTestIntegrity(CryptoBackend& backend, IntegrityAlgorithm integ) {
  if (integ == IntegrityAlgorithm::kNone) return absl::OkStatus();
  for (const MacVector& v : kMacVectors) {
    if (v.alg == integ) return TestMac(backend, v);
  }
  return absl::NotFoundError("no known-answer vector compiled in");
}

}  // namespace tunnelisa::crypto
