// File: examples/tunnelisa/gateway/packet_ring.h
//
// PacketRing: a single-producer / single-consumer ring of packet buffers between two gateway
// threads (a worker handing a packet to the worker of the ISA slot that owns it, or an IKE
// datagram to the control thread). Push copies the packet into the ring's own buffer; the
// consumer works on the packets in place (Peek), then gives the buffers back (Release), so a
// buffer is never reused while its packet is being processed. No lock, no allocation after
// construction; full: Push fails (the caller counts the drop), nobody waits.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PACKET_RING_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PACKET_RING_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "tunnelisa/handoff.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::gateway {

class PacketRing {
 public:
  enum class Kind : uint8_t { kHandoff, kControl };
  struct Meta {
    Kind kind = Kind::kHandoff;
    SlotHandoff handoff;  // kHandoff
  };
  // slots: buffers in the ring; payload: the largest packet one holds.
  PacketRing(size_t slots, uint32_t payload)
      : size_(slots),
        stride_(kPacketHeadroom + payload + kPacketTailroom),
        storage_(slots * stride_),
        meta_(slots),
        refs_(slots) {}
  PacketRing(const PacketRing&) = delete;
  PacketRing& operator=(const PacketRing&) = delete;

  // Push: producer only. False when full or the packet does not fit a buffer.
  bool Push(const PacketRef& p, const Meta& meta) {
    if (p.length > stride_ - kPacketHeadroom - kPacketTailroom) return false;
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) == size_) return false;
    const size_t i = tail % size_;
    PacketRef& r = refs_[i];
    r = PacketRef::WithHeadroom(storage_.data() + i * stride_, static_cast<uint32_t>(stride_),
                                static_cast<uint32_t>(kPacketHeadroom));
    std::memcpy(r.mutable_data(), p.data(), p.length);
    r.length = p.length;
    meta_[i] = meta;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  // Peek: consumer only. Up to out.size() packets from the oldest, as views into the ring
  // (writable: the engine works on them in place) and their metadata; how many.
  size_t Peek(std::span<PacketRef> out, std::span<Meta> meta) {
    const size_t head = head_.load(std::memory_order_relaxed);
    size_t n = tail_.load(std::memory_order_acquire) - head;
    if (n > out.size()) n = out.size();
    for (size_t k = 0; k < n; ++k) {
      out[k] = refs_[(head + k) % size_];
      meta[k] = meta_[(head + k) % size_];
    }
    return n;
  }
  // Release: consumer only; the n oldest buffers are free again.
  void Release(size_t n) {
    head_.store(head_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }

 private:
  const size_t size_;
  const size_t stride_;
  std::vector<uint8_t> storage_;
  std::vector<Meta> meta_;
  std::vector<PacketRef> refs_;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_PACKET_RING_H_
