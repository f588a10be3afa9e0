// The IkeHost the IKE benchmarks share (bench/ike_bench.cc, bench/ike_load_bench.cc): CHILD
// SAs go into a real EspDataplane of its own (so a handshake's figure includes installing
// them), random bytes come from OpenSSL, events only count CHILD SAs coming up. Where the
// datagrams go is each benchmark's own (SendIke).
#ifndef TUNNELISA_BENCH_BENCH_IKE_HOST_H_
#define TUNNELISA_BENCH_BENCH_IKE_HOST_H_

#include <openssl/rand.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "ike/v2/ike_host.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa::bench {

inline CryptoRegistry* BenchCryptoRegistry() {
  static CryptoRegistry* r = CryptoRegistry::CreateDefault().release();
  return r;
}

class EspIkeHost : public ike::IkeHost {
 public:
  EspIkeHost() : esp_(EspDataplane::Create({.crypto = BenchCryptoRegistry()}).value()) {}
  absl::StatusOr<ike::ChildSaPair> InstallChild(uint64_t, ike::ChildInstall in,
                                                MonoTime now) override {
    SaConfig i;
    i.direction = SaDirection::kInbound;
    i.spi = in.inbound_spi;
    i.suite = in.suite;
    i.enc_key = std::move(in.inbound_enc);
    i.auth_key = std::move(in.inbound_integ);
    i.local = in.local;
    i.remote = in.remote;
    SaConfig o;
    o.direction = SaDirection::kOutbound;
    o.spi = in.outbound_spi;
    o.suite = in.suite;
    o.enc_key = std::move(in.outbound_enc);
    o.auth_key = std::move(in.outbound_integ);
    o.local = in.local;
    o.remote = in.remote;
    absl::StatusOr<SaHandle> a = esp_->Install(std::move(i), now);
    absl::StatusOr<SaHandle> b = esp_->Install(std::move(o), now);
    if (!a.ok() || !b.ok()) return absl::InternalError("install");
    return ike::ChildSaPair{*a, *b};
  }
  void ActivateChild(uint64_t, const ike::ChildSaPair&) override {}
  void RemoveChild(uint64_t, const ike::ChildSaPair& p) override {
    (void)esp_->Delete(p.inbound);
    (void)esp_->Delete(p.outbound);
  }
  void UpdateChild(uint64_t, const ike::ChildSaPair&, const SaUpdate&) override {}
  absl::StatusOr<SaStats> QueryChild(uint64_t, SaHandle sa) const override {
    return esp_->Query(sa);
  }
  void RandomBytes(std::span<uint8_t> out) override {
    RAND_bytes(out.data(), static_cast<int>(out.size()));
  }
  void Event(const IkeEvent& e) override {
    if (e.kind == IkeEventKind::kChildUp) ++children_up;
  }
  void Log(LogLevel, std::string_view) override {}
  uint64_t children_up = 0;

 private:
  std::unique_ptr<EspDataplane> esp_;
};

}  // namespace tunnelisa::bench

#endif  // TUNNELISA_BENCH_BENCH_IKE_HOST_H_
