// RegistryTestPeer: registers a crypto backend without its known-answer tests, trusting its
// Implements(). For test backends only (the null cipher that protocol tests and fuzz targets
// use): the public CryptoRegistry API has no way to skip the self-tests, and this header is
// not installed.
#ifndef TUNNELISA_SRC_CRYPTO_REGISTRY_TEST_PEER_H_
#define TUNNELISA_SRC_CRYPTO_REGISTRY_TEST_PEER_H_

#include <memory>

#include "absl/status/status.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa::crypto {

class RegistryTestPeer {
 public:
  static absl::Status RegisterWithoutSelfTests(CryptoRegistry& registry,
                                               std::unique_ptr<CryptoBackend> backend) {
    return registry.RegisterWithoutSelfTests(std::move(backend));
  }
};

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_REGISTRY_TEST_PEER_H_
