// tunnelisa_config_gen: writes ScaleConfig (bench/config_scale.h) to stdout, for timing
// `tunnelisa check` on large configurations (docs/performance.md, "Configuration at 100k
// tunnels").
//
//   tunnelisa_config_gen TUNNELS [--shut K] > cfg    (--shut K: tunnel K shut down)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "bench/config_scale.h"

int main(int argc, char** argv) {
  tunnelisa::bench::ScaleOptions o;
  uint32_t n = 0;
  bool ok = argc >= 2 && absl::SimpleAtoi(argv[1], &n) && n > 0 && n <= 130'000;
  o.tunnels = n;
  for (int i = 2; ok && i < argc; ++i) {
    uint32_t k = 0;
    ok = std::string_view(argv[i]) == "--shut" && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &k);
    o.shut_tunnel = k;
    ++i;
  }
  if (!ok) {
    std::fprintf(stderr, "usage: tunnelisa_config_gen TUNNELS(1..130000) [--shut K]\n");
    return 2;
  }
  const std::string text = tunnelisa::bench::ScaleConfig(o);
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() ? 0 : 1;
}
