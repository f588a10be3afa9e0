// Test packets: buffers with the data plane's headroom/tailroom contract, and builders for
// inner IPv4/IPv6 UDP packets.
#ifndef TUNNELISA_TESTS_TEST_TOOLS_PACKETS_H_
#define TUNNELISA_TESTS_TEST_TOOLS_PACKETS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tunnelisa/ip_address.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::testing {

// TestBuffer: owns storage for one packet with kPacketHeadroom/kPacketTailroom around it.
class TestBuffer {
 public:
  explicit TestBuffer(std::span<const uint8_t> bytes, uint32_t headroom = kPacketHeadroom,
                      uint32_t tailroom = kPacketTailroom);
  PacketRef& ref() { return ref_; }
  std::vector<uint8_t> bytes() const { return {ref_.data(), ref_.data() + ref_.length}; }

 private:
  std::vector<uint8_t> storage_;
  PacketRef ref_;
};

// MakeUdpPacket: an IPv4 or IPv6 (by src's family) UDP packet with `payload_size` bytes of a
// deterministic pattern (seeded by `seed`), valid checksums, TOS/traffic class `tos`.
std::vector<uint8_t> MakeUdpPacket(const IpAddress& src, const IpAddress& dst, size_t payload_size,
                                   uint8_t seed = 0, uint8_t tos = 0, bool df = false);
IpAddress Ip(std::string_view text);  // parses or fails the test

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_TESTS_TEST_TOOLS_PACKETS_H_
