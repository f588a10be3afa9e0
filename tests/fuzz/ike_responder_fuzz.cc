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
//
// The custom mutator keeps that framing (the 2-byte lengths right) and mutates each datagram
// with ike_chain_mutator.h (header length, payload chain, the SK payload's inner chain as the
// null crypto frames it); it also duplicates, removes and swaps whole datagrams, and now and
// then flips the two selector bits.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#include "ike/auth/psk_authenticator.h"
#include "ike/v2/ike_manager.h"
#include "tests/fuzz/ike_chain_mutator.h"

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

constexpr size_t kMaxDatagrams = 32;       // LLVMFuzzerTestOneInput reads at most these
constexpr size_t kMaxDatagramSize = 4095;  // and takes each length modulo 4096
// The SK payload under null crypto with the peers' AES-128-GCM-16 IKE SA: 8-octet IV,
// 16-octet ICV (RFC 5282).
constexpr fuzz::SkFraming kSkFraming{.iv = 8, .icv = 16};

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  if (fuzz::BytesOnly() || size < 2) return LLVMFuzzerMutate(data, size, max_size);
  fuzz::Rng rng(seed);
  if (rng.OneIn(16)) return LLVMFuzzerMutate(data, size, max_size);
  // The datagrams as LLVMFuzzerTestOneInput reads them.
  std::vector<std::vector<uint8_t>> datagrams;
  for (size_t pos = 2; datagrams.size() < kMaxDatagrams && pos + 2 <= size;) {
    const size_t len = fuzz::Be16(data + pos) % 4096;
    pos += 2;
    datagrams.emplace_back(data + pos, data + std::min(size, pos + len));
    pos += len;
  }
  uint8_t selector[2] = {data[0], data[1]};
  size_t total = 2;
  for (const auto& d : datagrams) total += 2 + d.size();
  const size_t budget = max_size > total ? max_size - total : 0;
  switch (rng.Below(16)) {
    case 0:  // the starting point (fresh responder / established IKE SA) or SPI patching
      selector[rng.Below(2)] ^= 1;
      break;
    case 1:  // duplicate a datagram (retransmissions, replays)
      if (!datagrams.empty() && datagrams.size() < kMaxDatagrams) {
        std::vector<uint8_t> copy = datagrams[rng.Below(datagrams.size())];
        if (copy.size() + 2 > budget) break;
        datagrams.insert(
            datagrams.begin() + static_cast<ptrdiff_t>(rng.Below(datagrams.size() + 1)),
            std::move(copy));
      }
      break;
    case 2:  // remove one
      if (datagrams.size() > 1) {
        datagrams.erase(datagrams.begin() + static_cast<ptrdiff_t>(rng.Below(datagrams.size())));
      }
      break;
    case 3:  // swap two
      if (datagrams.size() > 1) {
        std::swap(datagrams[rng.Below(datagrams.size())], datagrams[rng.Below(datagrams.size())]);
      }
      break;
    default: {  // one datagram's structure
      if (datagrams.empty()) return LLVMFuzzerMutate(data, size, max_size);
      std::vector<uint8_t>& d = datagrams[rng.Below(datagrams.size())];
      const size_t room = std::min(kMaxDatagramSize, d.size() + budget);
      const size_t old_size = d.size();
      d.resize(std::max(room, old_size));
      d.resize(fuzz::MutateIkeDatagram(d.data(), old_size, d.size(), rng.U32(), kSkFraming));
      break;
    }
  }
  std::vector<uint8_t> out(selector, selector + 2);
  for (const auto& d : datagrams) {
    const size_t len = std::min(d.size(), kMaxDatagramSize);
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), d.begin(), d.begin() + static_cast<ptrdiff_t>(len));
  }
  return fuzz::Emit(out, data, size, max_size);
}

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
