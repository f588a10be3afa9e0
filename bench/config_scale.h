// File: bench/config_scale.h
//
// ScaleConfig: the text of a configuration with `tunnels` ipsec-tunnels laid out as the
// guide's examples lay out a few (docs/configuration.md): tunnel groups with a primary and a
// backup ISA, one public IES delivering every tunnel, and private VPRNs (one per customer),
// each with private tunnel interfaces whose SAPs hold the tunnels, one security policy and one
// static route (next-hop ipsec-tunnel) per tunnel. Used by the configuration benchmarks
// (bench/config_bench.cc) and tunnelisa_config_gen, which writes it for `tunnelisa check`.
//
// Example:
//   std::string text = ScaleConfig({.tunnels = 100'000});
//   std::string changed = ScaleConfig({.tunnels = 100'000, .shut_tunnel = 4711});
// The two differ by one line: tunnel 4711's `no shutdown` becomes `shutdown`.
//
// Bench-only; deterministic (the same options give the same bytes).
#ifndef TUNNELISA_BENCH_CONFIG_SCALE_H_
#define TUNNELISA_BENCH_CONFIG_SCALE_H_

#include <cstdint>
#include <optional>
#include <string>

namespace tunnelisa::bench {

struct ScaleOptions {
  uint32_t tunnels = 1000;
  // Tunnels per private service (VPRN) and per private tunnel SAP.
  uint32_t tunnels_per_service = 1000;
  uint32_t tunnels_per_sap = 100;
  // Tunnel groups (1..16): the private SAPs are spread over them round-robin, each group with
  // its own public interface in the delivery service.
  uint32_t tunnel_groups = 4;
  // Every `dynamic_every`-th tunnel uses dynamic keying (IKEv2, pre-shared key); the others
  // manual keying. 0: all manual.
  uint32_t dynamic_every = 2;
  // The tunnel written with `shutdown` instead of `no shutdown` (the one-line change).
  std::optional<uint32_t> shut_tunnel;
};

std::string ScaleConfig(const ScaleOptions& options);

// ScaleTunnelName: the name of tunnel k ("t<k>") and the id of the service holding it.
std::string ScaleTunnelName(uint32_t k);
uint32_t ScaleTunnelService(const ScaleOptions& options, uint32_t k);

}  // namespace tunnelisa::bench

#endif  // TUNNELISA_BENCH_CONFIG_SCALE_H_
