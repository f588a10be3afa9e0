#include "ike/codec/reader.h"

namespace tunnelisa::ike {

bool Reader::U8(uint8_t& out) {
  if (remaining() < 1) return false;
  out = data_[pos_];
  pos_ += 1;
  return true;
}

bool Reader::U16(uint16_t& out) {
  if (remaining() < 2) return false;
  out = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool Reader::U32(uint32_t& out) {
  if (remaining() < 4) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | data_[pos_ + i];
  out = v;
  pos_ += 4;
  return true;
}

bool Reader::U64(uint64_t& out) {
  if (remaining() < 8) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | data_[pos_ + i];
  out = v;
  pos_ += 8;
  return true;
}

bool Reader::Bytes(size_t n, std::span<const uint8_t>& out) {
  if (remaining() < n) return false;
  out = data_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::CopyBytes(size_t n, std::vector<uint8_t>& out) {
  std::span<const uint8_t> view;
  if (!Bytes(n, view)) return false;
  out.assign(view.begin(), view.end());
  return true;
}

bool Reader::Skip(size_t n) {
  if (remaining() < n) return false;
  pos_ += n;
  return true;
}

bool Reader::Sub(size_t n, Reader& out) {
  if (remaining() < n) return false;
  out = Reader(data_.subspan(pos_, n), base_offset_ + pos_);
  pos_ += n;
  return true;
}

std::span<const uint8_t> Reader::Rest() {
  std::span<const uint8_t> out = data_.subspan(pos_);
  pos_ = data_.size();
  return out;
}

std::vector<uint8_t> Reader::CopyRest() {
  std::span<const uint8_t> rest = Rest();
  return {rest.begin(), rest.end()};
}

}  // namespace tunnelisa::ike
