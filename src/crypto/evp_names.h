// File: crypto/evp_names.h
//
// EvpCipherName: OpenSSL's EVP name of each algorithms.h cipher, the one table the ESP backend
// (openssl_backend.cc), the IKEv2 SK protection and IKEv1's CBC cipher (ike/protect) fetch
// their ciphers by. Pure function; any thread.
#ifndef TUNNELISA_SRC_CRYPTO_EVP_NAMES_H_
#define TUNNELISA_SRC_CRYPTO_EVP_NAMES_H_

#include "tunnelisa/algorithms.h"

namespace tunnelisa::crypto {

// EvpCipherName: "AES-128-CBC", "DES-EDE3-CBC", "AES-256-GCM", "ChaCha20-Poly1305", ...;
// nullptr for kNull (not an EVP cipher).
const char* EvpCipherName(EncryptionAlgorithm alg);

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_EVP_NAMES_H_
