// CheckKeySizes: the key lengths every backend's CreateKey requires for a suite, with the
// message hosts see when a configuration gives the wrong ones (one text for all backends).
#ifndef TUNNELISA_SRC_CRYPTO_KEY_SIZES_H_
#define TUNNELISA_SRC_CRYPTO_KEY_SIZES_H_

#include <span>

#include "absl/status/status.h"
#include "common/str_cat.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa::crypto {

inline absl::Status CheckKeySizes(EspSuite suite, std::span<const uint8_t> enc_key,
                                  std::span<const uint8_t> auth_key) {
  const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
  const IntegrityInfo& i = GetIntegrityInfo(suite.integ);
  if (enc_key.size() != e.keymat_size()) {
    return absl::InvalidArgumentError(StrCat(e.name, " needs a ", e.keymat_size(), "-byte key",
                                             e.salt_size ? " (with salt)" : "", ", got ",
                                             enc_key.size()));
  }
  if (auth_key.size() != i.key_size) {
    return absl::InvalidArgumentError(
        StrCat("HMAC-", i.name, " needs a ", i.key_size, "-byte key, got ", auth_key.size()));
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_KEY_SIZES_H_
