// Known-answer self-tests that a CryptoRegistry runs on every backend it registers.
#ifndef TUNNELISA_SRC_CRYPTO_KNOWN_ANSWERS_H_
#define TUNNELISA_SRC_CRYPTO_KNOWN_ANSWERS_H_

#include "absl/status/status.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa::crypto {

// SelfTestEncryption: seals and opens the compiled-in vector of `enc` with `backend` (for
// non-AEAD ciphers with NULL integrity), compares ciphertext and tag, and checks that a
// corrupted tag is refused. kNull passes trivially. Control path.
absl::Status SelfTestEncryption(CryptoBackend& backend, EncryptionAlgorithm enc);
// SelfTestIntegrity: computes and verifies the vector's ICV of `integ` under NULL encryption,
// and checks that a corrupted ICV is refused. kNone passes trivially.
absl::Status SelfTestIntegrity(CryptoBackend& backend, IntegrityAlgorithm integ);

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_KNOWN_ANSWERS_H_
