#include "tunnelisa/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tunnelisa {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return V4Bytes(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return V6Bytes(buf);
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf);
  } else if (is_v6()) {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  } else {
    return "none";
  }
  return buf;
}

IpPrefix IpPrefix::Make(const IpAddress& addr, int length) {
  IpPrefix p;
  int width = static_cast<int>(addr.size()) * 8;
  p.length_ = std::clamp(length, 0, width);
  uint8_t bytes[16] = {};
  std::memcpy(bytes, addr.bytes(), addr.size());
  for (int bit = p.length_; bit < width; ++bit) {
    bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  p.address_ = addr.is_v4() ? IpAddress::V4Bytes(bytes) : IpAddress::V6Bytes(bytes);
  if (!addr.is_set()) p.address_ = IpAddress();
  return p;
}

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  size_t slash = text.find('/');
  std::optional<IpAddress> addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  int width = static_cast<int>(addr->size()) * 8;
  int length = width;
  if (slash != std::string_view::npos) {
    std::string_view len_text = text.substr(slash + 1);
    if (len_text.empty() || len_text.size() > 3 ||
        !absl::SimpleAtoi(absl::string_view(len_text.data(), len_text.size()), &length) ||
        length < 0 || length > width) {
      return std::nullopt;
    }
  }
  return Make(*addr, length);
}

bool IpPrefix::ContainsBytes(const IpAddress& a) const {
  if (a.family() != address_.family()) return false;
  const uint8_t* x = a.bytes();
  const uint8_t* y = address_.bytes();
  int full = length_ / 8;
  if (std::memcmp(x, y, full) != 0) return false;
  int rest = length_ % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff00u >> rest);
  return (x[full] & mask) == (y[full] & mask);
}

std::string IpPrefix::ToString() const { return absl::StrCat(address_.ToString(), "/", length_); }

}  // namespace tunnelisa
