#include "tests/test_tools/packets.h"

#include <cstring>

#include "gtest/gtest.h"

namespace tunnelisa::testing {

TestBuffer::TestBuffer(std::span<const uint8_t> bytes, uint32_t headroom, uint32_t tailroom)
    : storage_(headroom + bytes.size() + tailroom) {
  ref_ = PacketRef::WithHeadroom(storage_.data(), static_cast<uint32_t>(storage_.size()), headroom);
  uint8_t* dst = ref_.Append(static_cast<uint32_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(dst, bytes.data(), bytes.size());
}

namespace {
void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
uint16_t Checksum(const uint8_t* d, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(d[i] << 8 | d[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(d[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}
}  // namespace

std::vector<uint8_t> MakeUdpPacket(const IpAddress& src, const IpAddress& dst, size_t payload_size,
                                   uint8_t seed, uint8_t tos, bool df) {
  const bool v4 = src.is_v4();
  const size_t ip = v4 ? 20 : 40;
  std::vector<uint8_t> p(ip + 8 + payload_size);
  uint8_t* u = p.data() + ip;
  Put16(u, 12345);
  Put16(u + 2, 53);
  Put16(u + 4, static_cast<uint16_t>(8 + payload_size));
  for (size_t i = 0; i < payload_size; ++i) u[8 + i] = static_cast<uint8_t>(seed + i * 7);
  uint32_t pseudo = 0;
  for (size_t i = 0; i < src.size(); i += 2) {
    pseudo += static_cast<uint32_t>(src.bytes()[i] << 8 | src.bytes()[i + 1]);
    pseudo += static_cast<uint32_t>(dst.bytes()[i] << 8 | dst.bytes()[i + 1]);
  }
  pseudo += 17 + static_cast<uint32_t>(8 + payload_size);
  uint16_t c = Checksum(u, 8 + payload_size, pseudo);
  Put16(u + 6, c == 0 ? 0xffff : c);
  if (v4) {
    p[0] = 0x45;
    p[1] = tos;
    Put16(&p[2], static_cast<uint16_t>(p.size()));
    Put16(&p[4], 0x1234);
    p[6] = df ? 0x40 : 0;
    p[8] = 64;
    p[9] = 17;
    std::memcpy(&p[12], src.bytes(), 4);
    std::memcpy(&p[16], dst.bytes(), 4);
    Put16(&p[10], Checksum(p.data(), 20));
  } else {
    p[0] = static_cast<uint8_t>(0x60 | tos >> 4);
    p[1] = static_cast<uint8_t>(tos << 4);
    Put16(&p[4], static_cast<uint16_t>(8 + payload_size));
    p[6] = 17;
    p[7] = 64;
    std::memcpy(&p[8], src.bytes(), 16);
    std::memcpy(&p[24], dst.bytes(), 16);
  }
  return p;
}

IpAddress Ip(std::string_view text) {
  std::optional<IpAddress> a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress());
}

}  // namespace tunnelisa::testing
