#include "tunnelisa/secret.h"

#include <openssl/crypto.h>

#include <utility>

#include "common/hex.h"

namespace tunnelisa {

SecretBytes::SecretBytes(std::span<const uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
SecretBytes::SecretBytes(size_t size) : bytes_(size, 0) {}
SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

absl::StatusOr<SecretBytes> SecretBytes::FromHex(std::string_view hex) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ParseHex(hex);
  if (!bytes.ok()) return bytes.status();
  SecretBytes s(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return s;
}

bool SecretBytes::Equals(const SecretBytes& other) const {
  if (bytes_.size() != other.bytes_.size()) return false;
  if (bytes_.empty()) return true;
  return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

}  // namespace tunnelisa
