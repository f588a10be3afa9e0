#include "ike/protect/cbc_cipher.h"

#include <openssl/evp.h>

#include <utility>

#include "absl/strings/str_format.h"
#include "crypto/evp_names.h"
#include "ike/protect/openssl_lib.h"

namespace tunnelisa::ike {

struct CbcCipher::Contexts {
  EVP_CIPHER* cipher = nullptr;
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  ~Contexts() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    EVP_CIPHER_free(cipher);
  }
};

CbcCipher::CbcCipher(EncryptionAlgorithm alg, size_t block_size)
    : alg_(alg), block_size_(block_size), ctx_(std::make_unique<Contexts>()) {}

CbcCipher::~CbcCipher() = default;

absl::StatusOr<std::unique_ptr<CbcCipher>> CbcCipher::Create(EncryptionAlgorithm alg,
                                                             std::span<const uint8_t> key) {
  const EncryptionInfo& info = GetEncryptionInfo(alg);
  const bool cbc = alg == EncryptionAlgorithm::kDesCbc || alg == EncryptionAlgorithm::k3DesCbc ||
                   alg == EncryptionAlgorithm::kAes128Cbc ||
                   alg == EncryptionAlgorithm::kAes192Cbc || alg == EncryptionAlgorithm::kAes256Cbc;
  if (!cbc) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is not a CBC cipher", std::string(info.name)));
  }
  if (key.size() != info.key_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s needs a %d-octet key, got %d", std::string(info.name), info.key_size, key.size()));
  }
  std::unique_ptr<CbcCipher> c(new CbcCipher(alg, info.block_size));
  Contexts& x = *c->ctx_;
  const char* name = crypto::EvpCipherName(alg);
  x.cipher = EVP_CIPHER_fetch(internal::IkeLibCtx(), name, nullptr);
  if (x.cipher == nullptr) {
    return absl::UnavailableError(
        alg == EncryptionAlgorithm::kDesCbc && !internal::LegacyProviderLoaded()
            ? std::string("DES-CBC needs OpenSSL's legacy provider, which could not be loaded")
            : absl::StrFormat("OpenSSL has no %s", name));
  }
  x.enc = EVP_CIPHER_CTX_new();
  x.dec = EVP_CIPHER_CTX_new();
  if (x.enc == nullptr || x.dec == nullptr ||
      EVP_CipherInit_ex2(x.enc, x.cipher, key.data(), nullptr, 1, nullptr) != 1 ||
      EVP_CipherInit_ex2(x.dec, x.cipher, key.data(), nullptr, 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(x.enc, 0) != 1 || EVP_CIPHER_CTX_set_padding(x.dec, 0) != 1 ||
      static_cast<size_t>(EVP_CIPHER_CTX_get_block_size(x.enc)) != info.block_size) {
    return absl::InternalError(absl::StrFormat("%s key setup failed", name));
  }
  return c;
}

absl::Status CbcCipher::Encrypt(std::span<const uint8_t> iv, std::span<uint8_t> data) {
  return Run(true, iv, data);
}

absl::Status CbcCipher::Decrypt(std::span<const uint8_t> iv, std::span<uint8_t> data) {
  return Run(false, iv, data);
}

absl::Status CbcCipher::Run(bool encrypt, std::span<const uint8_t> iv, std::span<uint8_t> data) {
  if (iv.size() != block_size_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("IV of %d octets, the block is %d", iv.size(), block_size_));
  }
  if (data.size() % block_size_ != 0 || data.size() > INT32_MAX) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d octets are not a multiple of the %d-octet block", data.size(), block_size_));
  }
  EVP_CIPHER_CTX* ctx = encrypt ? ctx_->enc : ctx_->dec;
  int len = 0;
  int final_len = 0;
  const int n = static_cast<int>(data.size());
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv.data(), encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CipherUpdate(ctx, data.data(), &len, data.data(), n) != 1 ||
      EVP_CipherFinal_ex(ctx, data.data() + len, &final_len) != 1 || len + final_len != n) {
    return absl::InternalError(encrypt ? "CBC encryption failed" : "CBC decryption failed");
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
