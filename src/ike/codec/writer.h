// File: ike/codec/writer.h
//
// Writer: appends big-endian integers and bytes to an owned, growing buffer, with
// reserve-then-patch for length fields that precede what they measure:
//
//   Writer w;
//   w.U8(next_payload);
//   w.U8(0);
//   size_t at = w.Reserve16();          // placeholder for Payload Length
//   ... write the body ...
//   if (!w.Patch16(at, w.size() - start)) return error;  // false: the value needs > 16 bits
//
// Patching checks both the position (inside what was written) and the value's range, so a
// serializer can never silently truncate a length. Any thread; one owner per instance. Not on
// the packet fast path (it allocates: once when given its capacity, Writer(capacity)).
#ifndef TUNNELISA_SRC_IKE_CODEC_WRITER_H_
#define TUNNELISA_SRC_IKE_CODEC_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tunnelisa::ike {

class Writer {
 public:
  Writer() = default;
  // Writer(capacity): room for `capacity` octets up front, so a message of about that size is
  // written without the buffer growing (and reallocating) along the way.
  explicit Writer(size_t capacity) { buf_.reserve(capacity); }

  void U8(uint8_t v) { buf_.push_back(v); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Bytes(std::span<const uint8_t> bytes) {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  }
  void Zeros(size_t n) { buf_.insert(buf_.end(), n, 0); }

  // Reserve8/16/32: appends a zero placeholder and returns its position for Patch*.
  size_t Reserve8();
  size_t Reserve16();
  size_t Reserve32();
  // Patch8/16/32: stores `value` at `pos`. False (buffer unchanged) when `value` does not fit
  // the field or `pos` is not a position inside what was written.
  [[nodiscard]] bool Patch8(size_t pos, size_t value);
  [[nodiscard]] bool Patch16(size_t pos, size_t value);
  [[nodiscard]] bool Patch32(size_t pos, size_t value);

  size_t size() const { return buf_.size(); }
  std::span<const uint8_t> bytes() const { return buf_; }
  // Take: moves the buffer out; the Writer is empty afterwards.
  std::vector<uint8_t> Take();

 private:
  std::vector<uint8_t> buf_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_WRITER_H_
