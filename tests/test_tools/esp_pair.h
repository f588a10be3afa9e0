// EspPair: two data planes, "a" with an outbound SA and "b" with the matching inbound SA, for
// tests that encrypt on one side and decrypt on the other.
#ifndef TUNNELISA_TESTS_TEST_TOOLS_ESP_PAIR_H_
#define TUNNELISA_TESTS_TEST_TOOLS_ESP_PAIR_H_

#include <memory>
#include <string>
#include <vector>

#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa::testing {

// SuiteByName: "aes128gcm16", "aes128-sha256", "3des-sha1", "null-sha256" ...
EspSuite SuiteByName(std::string_view name);
// TestKey: deterministic key bytes of the given size.
SecretBytes TestKey(size_t size, uint8_t seed);

// MakeSaConfig: a valid SA config for `suite` with deterministic keys.
SaConfig MakeSaConfig(EspSuite suite, SaDirection dir, uint32_t spi, const IpAddress& local,
                      const IpAddress& remote, uint8_t key_seed = 1);

struct EspPair {
  // Create: installs outbound SPI `spi` on a (local_a -> local_b) and the inbound twin on b.
  // `tweak` may change both configs before install (e.g. ESN, UDP encap, lifetimes).
  template <typename Tweak>
  static std::unique_ptr<EspPair> Create(CryptoRegistry* registry, EspSuite suite,
                                         const IpAddress& a, const IpAddress& b, Tweak tweak,
                                         EventListener* events_b = nullptr);
  static std::unique_ptr<EspPair> Create(CryptoRegistry* registry, EspSuite suite,
                                         const IpAddress& a, const IpAddress& b) {
    return Create(registry, suite, a, b, [](SaConfig&) {});
  }

  std::unique_ptr<EspDataplane> a;
  std::unique_ptr<EspDataplane> b;
  SaHandle out;
  SaHandle in;
};

template <typename Tweak>
std::unique_ptr<EspPair> EspPair::Create(CryptoRegistry* registry, EspSuite suite,
                                         const IpAddress& a, const IpAddress& b, Tweak tweak,
                                         EventListener* events_b) {
  auto p = std::make_unique<EspPair>();
  p->a = EspDataplane::Create({.crypto = registry}).value();
  p->b = EspDataplane::Create({.crypto = registry, .events = events_b}).value();
  SaConfig out = MakeSaConfig(suite, SaDirection::kOutbound, 0x1000, a, b);
  SaConfig in = MakeSaConfig(suite, SaDirection::kInbound, 0x1000, b, a);
  tweak(out);
  tweak(in);
  auto o = p->a->Install(std::move(out), MonoTime{});
  auto i = p->b->Install(std::move(in), MonoTime{});
  if (!o.ok() || !i.ok()) return nullptr;
  p->out = *o;
  p->in = *i;
  return p;
}

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_TESTS_TEST_TOOLS_ESP_PAIR_H_
