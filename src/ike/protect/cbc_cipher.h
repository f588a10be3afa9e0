// File: ike/protect/cbc_cipher.h
//
// CbcCipher: raw CBC encryption and decryption (no padding, caller-supplied IV) with DES,
// 3DES or AES-128/192/256 on OpenSSL, for IKEv1's phase-1 encryption (ike/v1/crypto), whose
// IVs chain from message to message instead of travelling in the message. Fetches its cipher
// from the IKE library context (openssl_lib.h: the legacy provider for single DES), the same
// one SkProtector uses.
//
// Example:
//   auto c = CbcCipher::Create(EncryptionAlgorithm::kAes128Cbc, key);
//   std::vector<uint8_t> data = ...;  // a multiple of (*c)->block_size()
//   absl::Status s = (*c)->Encrypt(iv, data);  // in place
//
// One thread at a time per instance (keyed OpenSSL contexts). Control path only.
#ifndef TUNNELISA_SRC_IKE_PROTECT_CBC_CIPHER_H_
#define TUNNELISA_SRC_IKE_PROTECT_CBC_CIPHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa::ike {

class CbcCipher {
 public:
  // Create: keys encryption and decryption contexts with `key`. Errors: InvalidArgument for an
  // algorithm that is not DES/3DES/AES-CBC or a key of the wrong size
  // (GetEncryptionInfo(alg).key_size); Unavailable when OpenSSL lacks the cipher (DES needs the
  // legacy provider); Internal for OpenSSL failures.
  static absl::StatusOr<std::unique_ptr<CbcCipher>> Create(EncryptionAlgorithm alg,
                                                           std::span<const uint8_t> key);
  ~CbcCipher();
  CbcCipher(const CbcCipher&) = delete;
  CbcCipher& operator=(const CbcCipher&) = delete;

  EncryptionAlgorithm algorithm() const { return alg_; }
  size_t block_size() const { return block_size_; }

  // Encrypt / Decrypt: CBC over `data` in place with `iv`. InvalidArgument when `iv` is not
  // one block or `data` is not a multiple of the block size; Internal on OpenSSL failure.
  absl::Status Encrypt(std::span<const uint8_t> iv, std::span<uint8_t> data);
  absl::Status Decrypt(std::span<const uint8_t> iv, std::span<uint8_t> data);

 private:
  struct Contexts;
  CbcCipher(EncryptionAlgorithm alg, size_t block_size);
  absl::Status Run(bool encrypt, std::span<const uint8_t> iv, std::span<uint8_t> data);

  EncryptionAlgorithm alg_;
  size_t block_size_;
  std::unique_ptr<Contexts> ctx_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_PROTECT_CBC_CIPHER_H_
