// File: tunnelisa/packet.h
//
// PacketRef: a non-owning view of one packet in caller memory. The host owns the buffer; the
// library moves `offset` and `length` as it prepends headers (into headroom) or appends
// trailers (into tailroom). It never reallocates or copies the payload.
//
// Example:
//   alignas(64) uint8_t buf[2048];
//   PacketRef p = PacketRef::WithHeadroom(buf, sizeof buf, kPacketHeadroom);
//   std::memcpy(p.mutable_data(), ip_packet, n);  p.length = n;
#ifndef TUNNELISA_PACKET_H_
#define TUNNELISA_PACKET_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace tunnelisa {

struct PacketRef {
  uint8_t* buffer = nullptr;  // start of the caller's buffer
  uint32_t capacity = 0;      // bytes available at `buffer`
  uint32_t offset = 0;        // where the packet starts inside the buffer
  uint32_t length = 0;        // packet bytes from `offset`

  // WithHeadroom: an empty packet starting `headroom` bytes into `buf`.
  static PacketRef WithHeadroom(uint8_t* buf, uint32_t cap, uint32_t headroom) {
    return PacketRef{buf, cap, headroom, 0};
  }

  uint8_t* mutable_data() const { return buffer + offset; }
  const uint8_t* data() const { return buffer + offset; }
  uint32_t headroom() const { return offset; }
  uint32_t tailroom() const { return capacity - offset - length; }
  std::span<const uint8_t> bytes() const { return {data(), length}; }

  // Prepend: grows the packet at the front by n bytes (caller checked headroom() >= n).
  uint8_t* Prepend(uint32_t n) {
    offset -= n;
    length += n;
    return buffer + offset;
  }
  // Append: grows the packet at the back by n bytes (caller checked tailroom() >= n).
  uint8_t* Append(uint32_t n) {
    uint8_t* p = buffer + offset + length;
    length += n;
    return p;
  }
  // Consume: removes n bytes from the front.
  void Consume(uint32_t n) {
    offset += n;
    length -= n;
  }
  // Truncate: removes n bytes from the back.
  void Truncate(uint32_t n) { length -= n; }
};

}  // namespace tunnelisa

#endif  // TUNNELISA_PACKET_H_
