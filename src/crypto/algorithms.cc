#include "tunnelisa/algorithms.h"

#include <array>

namespace tunnelisa {
namespace {

constexpr EncryptionInfo kEncryption[] = {
#define TUNNELISA_X(e, name, key, salt, iv, block, icv, aead) \
  {EncryptionAlgorithm::e, name, key, salt, iv, block, icv, aead},
    TUNNELISA_ENCRYPTION_ALGORITHMS(TUNNELISA_X)
#undef TUNNELISA_X
};

constexpr IntegrityInfo kIntegrity[] = {
#define TUNNELISA_X(e, name, key, icv) {IntegrityAlgorithm::e, name, key, icv},
    TUNNELISA_INTEGRITY_ALGORITHMS(TUNNELISA_X)
#undef TUNNELISA_X
};

// The tables are indexed by enumerator value: check that the X-macro order is the enum order.
constexpr bool TablesInEnumOrder() {
  for (size_t i = 0; i < std::size(kEncryption); ++i) {
    if (static_cast<size_t>(kEncryption[i].id) != i) return false;
  }
  for (size_t i = 0; i < std::size(kIntegrity); ++i) {
    if (static_cast<size_t>(kIntegrity[i].id) != i) return false;
  }
  return true;
}
static_assert(TablesInEnumOrder());

}  // namespace

const EncryptionInfo& GetEncryptionInfo(EncryptionAlgorithm a) {
  return kEncryption[static_cast<size_t>(a)];
}
const IntegrityInfo& GetIntegrityInfo(IntegrityAlgorithm a) {
  return kIntegrity[static_cast<size_t>(a)];
}
std::span<const EncryptionInfo> AllEncryptionAlgorithms() { return kEncryption; }
std::span<const IntegrityInfo> AllIntegrityAlgorithms() { return kIntegrity; }

std::optional<EncryptionAlgorithm> ParseEncryptionAlgorithm(std::string_view name) {
  for (const EncryptionInfo& e : kEncryption) {
    if (e.name == name) return e.id;
  }
  return std::nullopt;
}

std::optional<IntegrityAlgorithm> ParseIntegrityAlgorithm(std::string_view name) {
  for (const IntegrityInfo& i : kIntegrity) {
    if (i.name == name) return i.id;
  }
  return std::nullopt;
}

uint8_t EspSuite::icv_size() const {
  const EncryptionInfo& e = GetEncryptionInfo(enc);
  return e.aead ? e.icv_size : GetIntegrityInfo(integ).icv_size;
}

}  // namespace tunnelisa
