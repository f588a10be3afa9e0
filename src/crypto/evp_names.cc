#include "crypto/evp_names.h"

namespace tunnelisa::crypto {

const char* EvpCipherName(EncryptionAlgorithm alg) {
  switch (alg) {
    case EncryptionAlgorithm::kNull:
      return nullptr;
    case EncryptionAlgorithm::kDesCbc:
      return "DES-CBC";
    case EncryptionAlgorithm::k3DesCbc:
      return "DES-EDE3-CBC";
    case EncryptionAlgorithm::kAes128Cbc:
      return "AES-128-CBC";
    case EncryptionAlgorithm::kAes192Cbc:
      return "AES-192-CBC";
    case EncryptionAlgorithm::kAes256Cbc:
      return "AES-256-CBC";
    case EncryptionAlgorithm::kAes128Gcm8:
    case EncryptionAlgorithm::kAes128Gcm12:
    case EncryptionAlgorithm::kAes128Gcm16:
      return "AES-128-GCM";
    case EncryptionAlgorithm::kAes192Gcm8:
    case EncryptionAlgorithm::kAes192Gcm12:
    case EncryptionAlgorithm::kAes192Gcm16:
      return "AES-192-GCM";
    case EncryptionAlgorithm::kAes256Gcm8:
    case EncryptionAlgorithm::kAes256Gcm12:
    case EncryptionAlgorithm::kAes256Gcm16:
      return "AES-256-GCM";
    case EncryptionAlgorithm::kChaCha20Poly1305:
      return "ChaCha20-Poly1305";
  }
  return nullptr;
}

}  // namespace tunnelisa::crypto
