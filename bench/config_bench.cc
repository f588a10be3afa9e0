// Configuration benchmarks at scale, compiled into tunnelisa_bench: what a host pays to check,
// apply and change a configuration of n ipsec-tunnels (bench/config_scale.h: half manual, half
// dynamic IKEv2 keying, 1,000 tunnels per VPRN, 100 per private SAP, four tunnel groups).
// docs/performance.md, "Configuration at 100k tunnels", reports them.
//
// Benchmarks (n = 1k, 10k, 100k; "per tunnel" counters are seconds per tunnel):
//   BM_ConfigCheck/<n>         LoadConfigText: parse and validate, as `tunnelisa check` does.
//   BM_ApplyConfig/<n>         Engine::ApplyConfig of the whole configuration on a fresh engine
//                              (the engine's creation and destruction are not timed).
//   BM_ApplyOneLineChange/<n>  Engine::ApplyConfig, on the engine running the configuration, of
//                              a candidate that differs by one line: one tunnel's `no shutdown`
//                              becomes `shutdown` and back, alternately (each iteration one
//                              change; the candidates are parsed beforehand).
// Manual timing: only the call itself is timed. Few iterations: at 100k each call takes
// seconds, so the figures are single measurements unless --benchmark_repetitions asks for more.
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/config_scale.h"
#include "benchmark/benchmark.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/engine.h"

namespace tunnelisa::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// NullTransport: the engine's outputs (IKE_SA_INIT requests of the dynamic tunnels) are not
// the configuration's cost.
class NullTransport final : public Transport {
 public:
  void SendPublic(const Egress&, const PacketRef&) override {}
  void DeliverPrivate(const Egress&, const PacketRef&) override {}
};

CryptoRegistry* Crypto() {
  static CryptoRegistry* r = CryptoRegistry::CreateDefault().release();
  return r;
}

// Loaded: the configuration of n tunnels (tunnel `shut` shut down, if set), parsed and
// validated; skips the benchmark on an error (a generator bug).
std::optional<config::Config> Loaded(benchmark::State& state, uint32_t n,
                                     std::optional<uint32_t> shut = std::nullopt) {
  config::LoadResult r =
      config::LoadConfigText(ScaleConfig({.tunnels = n, .shut_tunnel = shut}), "scale.cfg");
  if (!r.ok()) {
    state.SkipWithError(r.errors.front().ToString().c_str());
    return std::nullopt;
  }
  return std::move(r.config);
}

std::unique_ptr<Engine> NewEngine(benchmark::State& state, Transport* t) {
  auto e = Engine::Create({.crypto = Crypto(), .host = {.transport = t}});
  if (!e.ok()) {
    state.SkipWithError(e.status().ToString().c_str());
    return nullptr;
  }
  return *std::move(e);
}

void PerTunnel(benchmark::State& state, uint32_t n) {
  state.counters["tunnels"] = n;
  state.counters["per_tunnel"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ConfigCheck(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  const std::string text = ScaleConfig({.tunnels = n});
  for (auto _ : state) {
    config::LoadResult r = config::LoadConfigText(text, "scale.cfg");
    if (!r.ok()) {
      state.SkipWithError(r.errors.front().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(r.config.services.size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  PerTunnel(state, n);
}

void BM_ApplyConfig(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  std::optional<config::Config> c = Loaded(state, n);
  if (!c) return;
  NullTransport t;
  for (auto _ : state) {
    std::unique_ptr<Engine> e = NewEngine(state, &t);
    if (e == nullptr) return;
    const Clock::time_point start = Clock::now();
    absl::Status s = e->ApplyConfig(*c, MonoTime{});
    const Clock::time_point end = Clock::now();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    state.SetIterationTime(Seconds(start, end));
  }
  PerTunnel(state, n);
}

void BM_ApplyOneLineChange(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  const uint32_t k = n / 2 + 1;  // a manual tunnel in the middle
  std::optional<config::Config> running = Loaded(state, n);
  std::optional<config::Config> changed = Loaded(state, n, k);
  if (!running || !changed) return;
  NullTransport t;
  std::unique_ptr<Engine> e = NewEngine(state, &t);
  if (e == nullptr) return;
  if (absl::Status s = e->ApplyConfig(*running, MonoTime{}); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  bool shut = false;
  for (auto _ : state) {
    shut = !shut;
    const Clock::time_point start = Clock::now();
    absl::Status s = e->ApplyConfig(shut ? *changed : *running, MonoTime{});
    const Clock::time_point end = Clock::now();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    state.SetIterationTime(Seconds(start, end));
  }
  state.counters["tunnels"] = n;
}

// Sizes: 1k and 10k always; 100k where TUNNELISA_BENCH_100K is set (each call there takes
// seconds and the parsed configurations a few hundred MB).
void Sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1000)->Arg(10'000);
  if (std::getenv("TUNNELISA_BENCH_100K") != nullptr) b->Arg(100'000);
}

BENCHMARK(BM_ConfigCheck)->Apply(Sizes)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ApplyConfig)
    ->Apply(Sizes)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);
BENCHMARK(BM_ApplyOneLineChange)
    ->Apply(Sizes)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(4);

}  // namespace
}  // namespace tunnelisa::bench
