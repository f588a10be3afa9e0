// SparePool: the engine's own spare buffers for extra outputs (fragments made at a tunnel's
// ip-mtu, datagrams completed by reassembly). Allocated once at construction; used as a stack:
// an operation takes every free buffer, keeps the ones it filled (Commit), and the caller
// releases them (Release to a mark) once those outputs have left through the Transport.
// Nested operations (a fragment that is then encrypted) take buffers above the outer ones.
// Fast path; one thread.
#ifndef TUNNELISA_SRC_ENGINE_SPARE_POOL_H_
#define TUNNELISA_SRC_ENGINE_SPARE_POOL_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tunnelisa/drop_reason.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/packet.h"

namespace tunnelisa {

class SparePool {
 public:
  // count buffers of payload_size bytes plus kPacketHeadroom + kPacketTailroom each.
  SparePool(uint32_t count, uint32_t payload_size);

  size_t mark() const { return top_; }
  // TakeFree: every free buffer, reset to empty with kPacketHeadroom, as a SpareBuffers.
  SpareBuffers TakeFree();
  // Commit: keeps the first `used` buffers of the last TakeFree (the rest stay free).
  // Always called after the operation (also with used == 0): the buffer after the last used
  // one may have been written to before the operation gave up on it.
  void Commit(const SpareBuffers& taken) {
    dirty_ = std::max(dirty_, std::min(refs_.size(), top_ + taken.used + 1));
    top_ += taken.used;
  }
  // Release: frees every buffer taken after `mark`.
  void Release(size_t mark) { top_ = mark; }
  size_t size() const { return refs_.size(); }

 private:
  void Reset(size_t i);

  uint32_t buffer_size_ = 0;
  std::vector<uint8_t> storage_;
  std::vector<PacketRef> refs_;
  std::vector<Verdict> verdicts_;
  std::vector<uint32_t> origin_;
  size_t top_ = 0;
  size_t dirty_ = 0;  // buffers at [0, dirty_) may hold old data
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_SPARE_POOL_H_
