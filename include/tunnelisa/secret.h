// File: tunnelisa/secret.h
//
// SecretBytes: key material that wipes itself (OPENSSL_cleanse) when destroyed or reassigned
// and cannot be printed or streamed. Copies are explicit (Clone) so that key bytes do not
// spread through the program by accident.
#ifndef TUNNELISA_SECRET_H_
#define TUNNELISA_SECRET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tunnelisa {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::span<const uint8_t> bytes);
  explicit SecretBytes(size_t size);  // zero-filled
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // FromHex: parses "0x0123..." or "0123..." (colons and spaces allowed between bytes).
  // Fails with InvalidArgument on an odd digit count or a non-hex character.
  static absl::StatusOr<SecretBytes> FromHex(std::string_view hex);

  SecretBytes Clone() const { return SecretBytes(span()); }
  std::span<const uint8_t> span() const { return {bytes_.data(), bytes_.size()}; }
  std::span<uint8_t> mutable_span() { return {bytes_.data(), bytes_.size()}; }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  // Constant-time comparison.
  bool Equals(const SecretBytes& other) const;

 private:
  void Wipe();
  std::vector<uint8_t> bytes_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SECRET_H_
