// File: ike/codec/reader.h
//
// Reader: a bounds-checked cursor over a byte span for wire formats (IKEv2 now, IKEv1 later).
// Every read checks the remaining length first; a read past the end returns false and leaves
// the cursor where it was, so malformed input can never cause an out-of-bounds access. Integers
// are big-endian (network order). A Reader does not own the bytes: the span must outlive it.
//
// Each Reader knows the absolute offset of its first byte in the original datagram, so
// sub-readers (a payload body inside a message) report offsets the user can find in a capture.
//
// Example:
//   Reader r(datagram);
//   uint8_t type; uint16_t length;
//   if (!r.U8(type) || !r.Skip(1) || !r.U16(length)) return Truncated(...);
//   Reader body;
//   if (!r.Sub(length - 4, body)) return Truncated(...);
//
// Any thread; not thread-safe per instance (cheap to copy). Not on the packet fast path.
#ifndef TUNNELISA_SRC_IKE_CODEC_READER_H_
#define TUNNELISA_SRC_IKE_CODEC_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tunnelisa::ike {

class Reader {
 public:
  Reader() = default;
  // Reader: reads `data`; `base_offset` is the absolute offset of data[0] (for messages).
  explicit Reader(std::span<const uint8_t> data, size_t base_offset = 0)
      : data_(data), base_offset_(base_offset) {}

  // remaining: bytes not yet read. empty: remaining() == 0.
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  // offset: absolute offset of the next byte to read.
  size_t offset() const { return base_offset_ + pos_; }

  // Integer reads: false (cursor unchanged) when too few bytes remain.
  [[nodiscard]] bool U8(uint8_t& out);
  [[nodiscard]] bool U16(uint16_t& out);
  [[nodiscard]] bool U32(uint32_t& out);
  [[nodiscard]] bool U64(uint64_t& out);
  // Bytes: a view of the next `n` bytes (valid while the underlying span is).
  [[nodiscard]] bool Bytes(size_t n, std::span<const uint8_t>& out);
  // CopyBytes: the next `n` bytes appended to a fresh vector.
  [[nodiscard]] bool CopyBytes(size_t n, std::vector<uint8_t>& out);
  // Skip: advances `n` bytes.
  [[nodiscard]] bool Skip(size_t n);
  // Sub: a Reader over the next `n` bytes (with the right absolute offset), and advances past.
  [[nodiscard]] bool Sub(size_t n, Reader& out);
  // Rest: everything not yet read; the Reader is then empty.
  std::span<const uint8_t> Rest();
  // CopyRest: Rest() as a vector.
  std::vector<uint8_t> CopyRest();

 private:
  std::span<const uint8_t> data_;
  size_t base_offset_ = 0;
  size_t pos_ = 0;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_READER_H_
