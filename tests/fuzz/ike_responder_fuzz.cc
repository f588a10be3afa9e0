// libFuzzer target: the IKEv2 responder (src/ike/v2) fed arbitrary datagrams. Build with clang
// and -DTUNNELISA_FUZZ=ON.
//
// The input is a sequence of datagrams, each prefixed by a 2-byte length. The first input
// octet picks the starting point:
//   even: a fresh responder with one configured peer; every datagram arrives from that peer
//         (IKE_SA_INIT parsing, proposal selection, KE checks, COOKIE and rate logic);
//   odd:  both sides run with null crypto (SkProtector::EnableNullCryptoForFuzzing: SK
//         contents in the clear, no ICV) and a real initiator in the same process has already
//         completed IKE_SA_INIT and IKE_AUTH with the responder, so the datagrams (with the
//         right SPIs patched in when the second octet says so) reach the established IKE SA's
//         exchanges: CREATE_CHILD_SA, INFORMATIONAL, rules, message IDs, SKF reassembly.
// Nothing may crash, hang or grow without bound; every datagram is answered or counted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager.h"

namespace {

using namespace tunnelisa;
using namespace tunnelisa::ike;

class FuzzHost final : public IkeHost {
 public:
  explicit FuzzHost(std::deque<std::vector<uint8_t>>* out) : out_(out) {}
  void SendIke(const IkeEndpoint&, const IkeEndpoint&, std::span<const uint8_t> d) override {
    if (out_->size() < 64) out_->emplace_back(d.begin(), d.end());
  }
  absl::StatusOr<ChildSaPair> InstallChild(uint64_t, ChildInstall, MonoTime) override {
    ++next_;
    return ChildSaPair{{next_, 1}, {next_ + 1000000, 1}};
  }
  void ActivateChild(uint64_t, const ChildSaPair&) override {}
  void RemoveChild(uint64_t, const ChildSaPair&) override {}
  void UpdateChild(uint64_t, const ChildSaPair&, const SaUpdate&) override {}
  absl::StatusOr<SaStats> QueryChild(uint64_t, SaHandle) const override { return SaStats{}; }
  void RandomBytes(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(seed_ = seed_ * 6364136223846793005ull + 1);
  }
  void Event(const IkeEvent&) override {}
  void Log(LogLevel, std::string_view) override {}

 private:
  std::deque<std::vector<uint8_t>>* out_;
  uint32_t next_ = 0;
  uint64_t seed_ = 42;
};

IkePeerConfig Peer(bool initiator_side) {
  IkePeerConfig p;
  p.id = 1;
  p.name = "fuzz";
  p.local = *IpAddress::Parse(initiator_side ? "192.0.2.1" : "192.0.2.2");
  p.remote = *IpAddress::Parse(initiator_side ? "192.0.2.2" : "192.0.2.1");
  static const uint8_t kPsk[] = {'f', 'u', 'z', 'z'};
  p.auth =
      PskAuthenticator::Both(std::make_shared<const SecretBytes>(std::span<const uint8_t>(kPsk)));
  p.local_id = IdPayload::FromAddress(p.local);
  p.ike = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kHmacSha256_128,
           DhGroup::kCurve25519};
  p.child = {{EspSuite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, {}}};
  p.dpd = DpdPolicy{};
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::deque<std::vector<uint8_t>> to_a, to_b;
  FuzzHost host_a(&to_b), host_b(&to_a);
  const bool handshake = (data[0] & 1) != 0;
  IkeOptions options;
  options.cookie_threshold = 4;
  options.half_open_limit = 8;
  options.null_crypto_for_fuzzing = handshake;
  IkeManager a(&host_a, options), b(&host_b, options);
  const IkePeerConfig pa = Peer(true), pb = Peer(false);
  a.SetPeers({pa}, MonoTime{});
  b.SetPeers({pb}, MonoTime{});
  const bool patch_spis = (data[1] & 1) != 0;
  uint64_t spi_i = 0, spi_r = 0;
  if (handshake) {
    (void)a.Initiate(1, MonoTime{});
    // The whole handshake (bounded), then the fuzzer talks to the established responder.
    for (int round = 0; round < 8 && (!to_a.empty() || !to_b.empty()); ++round) {
      while (!to_b.empty()) {
        std::vector<uint8_t> d = std::move(to_b.front());
        to_b.pop_front();
        b.OnDatagram({pb.local, 500}, {pa.local, 500}, d, false, MonoTime{});
      }
      while (!to_a.empty()) {
        std::vector<uint8_t> d = std::move(to_a.front());
        to_a.pop_front();
        if (d.size() >= 16 && spi_i == 0) {
          for (int k = 0; k < 8; ++k) {
            spi_i = spi_i << 8 | d[k];
            spi_r = spi_r << 8 | d[8 + k];
          }
        }
        a.OnDatagram({pa.local, 500}, {pb.local, 500}, d, false, MonoTime{});
      }
    }
  }
  size_t pos = 2;
  int64_t now_ns = 0;
  for (int n = 0; n < 32 && pos + 2 <= size; ++n) {
    const size_t len = static_cast<size_t>(data[pos] << 8 | data[pos + 1]) % 4096;
    pos += 2;
    std::vector<uint8_t> d(data + pos, data + std::min(size, pos + len));
    pos += len;
    if (patch_spis && d.size() >= 16) {
      for (int k = 0; k < 8; ++k) {
        d[k] = static_cast<uint8_t>(spi_i >> (56 - 8 * k));
        d[8 + k] = static_cast<uint8_t>(spi_r >> (56 - 8 * k));
      }
    }
    const bool natt = (n & 1) != 0;
    b.OnDatagram({pb.local, static_cast<uint16_t>(natt ? 4500 : 500)},
                 {pa.local, static_cast<uint16_t>(natt ? 4500 : 500)}, d, natt, MonoTime{now_ns});
    now_ns += 1000000000;
    b.OnTimer(MonoTime{now_ns});
  }
  if (b.half_open_count() > options.half_open_limit) std::abort();
  return 0;
}
