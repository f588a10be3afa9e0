// Test helpers shared by the GRE / IP-IP / fragmentation / reassembly tests: packet buffers
// with the data plane's headroom, spare-buffer sets, header field readers and checksum checks.
#ifndef TUNNELISA_SRC_DATAPLANE_GRE_TEST_UTIL_H_
#define TUNNELISA_SRC_DATAPLANE_GRE_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <vector>

#include "dataplane/ip_header.h"
#include "tests/test_tools/packets.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::testing {

// Bytes: the packet's bytes as a vector.
inline std::vector<uint8_t> Bytes(const PacketRef& p) { return {p.data(), p.data() + p.length}; }

// Ipv4ChecksumOk: the IPv4 header of `p` verifies.
inline bool Ipv4ChecksumOk(const uint8_t* p) {
  return dataplane::InternetChecksum(p, (p[0] & 0x0f) * 4u) == 0;
}

// Spares: owns `n` empty buffers of `size` bytes (plus headroom) and the SpareBuffers view.
class Spares {
 public:
  explicit Spares(size_t n, uint32_t size = 2048)
      : storage_(n, std::vector<uint8_t>(kPacketHeadroom + size)),
        packets_(n),
        verdicts_(n),
        origin_(n) {
    Reset();
  }
  void Reset() {
    for (size_t i = 0; i < storage_.size(); ++i) {
      packets_[i] = PacketRef::WithHeadroom(
          storage_[i].data(), static_cast<uint32_t>(storage_[i].size()), kPacketHeadroom);
      verdicts_[i] = Verdict{};
      origin_[i] = 0;
    }
    view_ = SpareBuffers{packets_, verdicts_, origin_, 0};
  }
  SpareBuffers* get() { return &view_; }
  size_t used() const { return view_.used; }
  PacketRef& packet(size_t k) { return packets_[k]; }
  const Verdict& verdict(size_t k) const { return verdicts_[k]; }
  uint32_t origin(size_t k) const { return origin_[k]; }

 private:
  std::vector<std::vector<uint8_t>> storage_;
  std::vector<PacketRef> packets_;
  std::vector<Verdict> verdicts_;
  std::vector<uint32_t> origin_;
  SpareBuffers view_;
};

// Burst: owns buffers for several packets and a verdict per packet.
class Burst {
 public:
  void Add(std::span<const uint8_t> bytes, uint32_t headroom = kPacketHeadroom,
           uint32_t tailroom = kPacketTailroom) {
    // TestBuffer copies with memcpy, which must not see a null source even for 0 bytes.
    static constexpr uint8_t kOne[1] = {0};
    buffers_.emplace_back(bytes.empty() ? std::span<const uint8_t>(kOne) : bytes, headroom,
                          tailroom);
    refs_.push_back(buffers_.back().ref());
    if (bytes.empty()) refs_.back().length = 0;
    verdicts_.emplace_back();
  }
  std::span<PacketRef> refs() { return refs_; }
  std::span<Verdict> verdicts() { return verdicts_; }
  PacketRef& operator[](size_t i) { return refs_[i]; }
  const Verdict& verdict(size_t i) const { return verdicts_[i]; }
  size_t size() const { return refs_.size(); }

 private:
  std::deque<TestBuffer> buffers_;  // stable addresses
  std::vector<PacketRef> refs_;
  std::vector<Verdict> verdicts_;
};

// Arrive: an outer packet we sent, as the peer would send it back to us (source and
// destination swapped; the IPv4 header checksum does not change).
inline std::vector<uint8_t> Arrive(std::vector<uint8_t> o) {
  if (o.size() < 20) return o;
  const bool v6 = o.front() >> 4 == 6;
  const size_t src = v6 ? 8 : 12, n = v6 ? 16 : 4;
  if (o.size() < src + 2 * n) return o;
  std::swap_ranges(o.begin() + src, o.begin() + src + n, o.begin() + src + n);
  return o;
}

// DropCount: a counter array's entry for `r`.
inline uint64_t DropCount(const std::array<uint64_t, kNumDropReasons>& drops, DropReason r) {
  return drops[static_cast<size_t>(r)];
}

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_SRC_DATAPLANE_GRE_TEST_UTIL_H_
