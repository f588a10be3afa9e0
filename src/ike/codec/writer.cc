#include "ike/codec/writer.h"

#include <utility>

namespace tunnelisa::ike {

void Writer::U16(uint16_t v) {
  buf_.push_back(static_cast<uint8_t>(v >> 8));
  buf_.push_back(static_cast<uint8_t>(v));
}

void Writer::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) buf_.push_back(static_cast<uint8_t>(v >> shift));
}

void Writer::U64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) buf_.push_back(static_cast<uint8_t>(v >> shift));
}

size_t Writer::Reserve8() {
  size_t pos = buf_.size();
  Zeros(1);
  return pos;
}

size_t Writer::Reserve16() {
  size_t pos = buf_.size();
  Zeros(2);
  return pos;
}

size_t Writer::Reserve32() {
  size_t pos = buf_.size();
  Zeros(4);
  return pos;
}

bool Writer::Patch8(size_t pos, size_t value) {
  if (value > 0xff || pos >= buf_.size()) return false;
  buf_[pos] = static_cast<uint8_t>(value);
  return true;
}

bool Writer::Patch16(size_t pos, size_t value) {
  if (value > 0xffff || pos > buf_.size() || buf_.size() - pos < 2) return false;
  buf_[pos] = static_cast<uint8_t>(value >> 8);
  buf_[pos + 1] = static_cast<uint8_t>(value);
  return true;
}

bool Writer::Patch32(size_t pos, size_t value) {
  if (value > 0xffffffffu || pos > buf_.size() || buf_.size() - pos < 4) return false;
  for (size_t i = 0; i < 4; ++i) buf_[pos + i] = static_cast<uint8_t>(value >> (24 - 8 * i));
  return true;
}

std::vector<uint8_t> Writer::Take() {
  std::vector<uint8_t> out = std::move(buf_);
  buf_.clear();
  return out;
}

}  // namespace tunnelisa::ike
