#include "tests/test_tools/esp_pair.h"

#include "gtest/gtest.h"

namespace tunnelisa::testing {

EspSuite SuiteByName(std::string_view name) {
  size_t dash = name.find('-');
  std::string_view enc = name.substr(0, dash);
  std::optional<EncryptionAlgorithm> e = ParseEncryptionAlgorithm(enc);
  EXPECT_TRUE(e.has_value()) << name;
  EspSuite s{e.value_or(EncryptionAlgorithm::kNull), IntegrityAlgorithm::kNone};
  if (dash != std::string_view::npos) {
    std::optional<IntegrityAlgorithm> i = ParseIntegrityAlgorithm(name.substr(dash + 1));
    EXPECT_TRUE(i.has_value()) << name;
    s.integ = i.value_or(IntegrityAlgorithm::kNone);
  }
  return s;
}

SecretBytes TestKey(size_t size, uint8_t seed) {
  SecretBytes k(size);
  for (size_t i = 0; i < size; ++i) k.mutable_span()[i] = static_cast<uint8_t>(seed * 31 + i);
  return k;
}

SaConfig MakeSaConfig(EspSuite suite, SaDirection dir, uint32_t spi, const IpAddress& local,
                      const IpAddress& remote, uint8_t key_seed) {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.suite = suite;
  c.enc_key = TestKey(GetEncryptionInfo(suite.enc).keymat_size(), key_seed);
  c.auth_key = TestKey(GetIntegrityInfo(suite.integ).key_size, key_seed + 100);
  c.local = local;
  c.remote = remote;
  return c;
}

}  // namespace tunnelisa::testing
