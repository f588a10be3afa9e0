// NullCryptoBackend: a test-only backend that does no encryption and computes a keyed,
// non-cryptographic checksum as the ICV, so protocol logic (sequence numbers, replay, padding,
// lifetimes, tampering) can be tested without real crypto (DPDK's null-crypto tests).
#ifndef TUNNELISA_TESTS_TEST_TOOLS_NULL_CRYPTO_H_
#define TUNNELISA_TESTS_TEST_TOOLS_NULL_CRYPTO_H_

#include <memory>

#include "tunnelisa/crypto_backend.h"

namespace tunnelisa::testing {

// accept_any_icv: "fuzz mode": open() accepts every ICV so a fuzzer reaches the code behind
// the integrity check (BoringSSL's FUZZING.md does the same with its null crypto).
std::unique_ptr<CryptoBackend> CreateNullCryptoBackend(bool accept_any_icv = false);
// RegistryWithNullCrypto: a registry holding only the null backend.
std::unique_ptr<CryptoRegistry> RegistryWithNullCrypto(bool accept_any_icv = false);

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_TESTS_TEST_TOOLS_NULL_CRYPTO_H_
