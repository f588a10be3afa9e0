#include "dataplane/sa_arena.h"

#include <cstdlib>
#include <new>

#include "dataplane/huge_page_allocator.h"

namespace tunnelisa::dataplane {
namespace {

Sa* AllocateChunk(bool huge) {
  size_t bytes = sizeof(Sa) * SaArena::kChunkSize;
  if (!huge) {
    void* p =
        std::aligned_alloc(alignof(Sa), (bytes + alignof(Sa) - 1) / alignof(Sa) * alignof(Sa));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<Sa*>(p);
  }
  return static_cast<Sa*>(AllocateHuge(bytes));
}

}  // namespace

SaArena::~SaArena() {
  for (uint32_t i = 0; i < live_.size(); ++i) {
    if (live_[i]) At(i)->~Sa();
  }
  for (Sa* c : chunks_) std::free(c);  // AllocateHuge memory is aligned_alloc'd too
}

Sa* SaArena::Allocate(uint32_t& index) {
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(live_.size());
    if ((index >> kChunkShift) >= chunks_.size()) {
      // The first chunk stays on small pages: a host with a few SAs pays for what it touches.
      chunks_.push_back(AllocateChunk(/*huge=*/!chunks_.empty()));
    }
    live_.push_back(false);
  }
  Sa* sa = chunks_[index >> kChunkShift] + (index & (kChunkSize - 1));
  new (sa) Sa();
  live_[index] = true;
  ++live_count_;
  return sa;
}

void SaArena::Free(uint32_t index) {
  Sa* sa = At(index);
  if (sa == nullptr) return;
  sa->~Sa();
  live_[index] = false;
  free_.push_back(index);
  --live_count_;
}

}  // namespace tunnelisa::dataplane
