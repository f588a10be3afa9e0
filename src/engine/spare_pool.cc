#include "engine/spare_pool.h"

#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

SparePool::SparePool(uint32_t count, uint32_t payload_size)
    : buffer_size_(static_cast<uint32_t>(kPacketHeadroom + payload_size + kPacketTailroom)),
      storage_(static_cast<size_t>(count) * buffer_size_),
      refs_(count),
      verdicts_(count),
      origin_(count) {
  for (size_t i = 0; i < refs_.size(); ++i) Reset(i);
}

void SparePool::Reset(size_t i) {
  refs_[i] = PacketRef::WithHeadroom(storage_.data() + i * buffer_size_, buffer_size_,
                                     static_cast<uint32_t>(kPacketHeadroom));
  verdicts_[i] = Verdict{};
  origin_[i] = 0;
}

SpareBuffers SparePool::TakeFree() {
  const size_t n = refs_.size() - top_;
  // Only buffers handed out since they were last reset need resetting.
  for (size_t i = top_; i < dirty_; ++i) Reset(i);
  if (dirty_ > top_) dirty_ = top_;
  SpareBuffers s;
  s.packets = std::span<PacketRef>(refs_).subspan(top_, n);
  s.verdicts = std::span<Verdict>(verdicts_).subspan(top_, n);
  s.origin = std::span<uint32_t>(origin_).subspan(top_, n);
  s.used = 0;
  return s;
}

}  // namespace tunnelisa
