// Test-only shorthands for building proposal transforms (negotiation tests).
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_TRANSFORM_BUILDERS_TEST_UTIL_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_TRANSFORM_BUILDERS_TEST_UTIL_H_

#include <cstdint>
#include <optional>

#include "ike/codec/sa_payload.h"

namespace tunnelisa::ike::test_transforms {

inline Transform Encr(uint16_t id, std::optional<uint16_t> kl = std::nullopt) {
  return {.type = TransformType::kEncr, .id = id, .key_length = kl};
}
inline Transform Prf(uint16_t id) { return {.type = TransformType::kPrf, .id = id}; }
inline Transform Integ(uint16_t id) { return {.type = TransformType::kInteg, .id = id}; }
inline Transform Dh(uint16_t id) { return {.type = TransformType::kDh, .id = id}; }
inline Transform Esn(uint16_t id) { return {.type = TransformType::kEsn, .id = id}; }

}  // namespace tunnelisa::ike::test_transforms

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_TRANSFORM_BUILDERS_TEST_UTIL_H_
