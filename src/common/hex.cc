#include "common/hex.h"

#include "absl/status/status.h"
#include "common/str_cat.h"

namespace tunnelisa {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ParseHex(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ':' || c == ' ') {
      if (high >= 0) {
        return absl::InvalidArgumentError(
            StrCat("hex: odd digit before separator at position ", i));
      }
      continue;
    }
    int v = HexValue(c);
    if (v < 0) {
      return absl::InvalidArgumentError(StrCat("hex: '", std::string_view(&text[i], 1),
                                               "' at position ", i, " is not a hex digit"));
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return absl::InvalidArgumentError("hex: odd number of digits");
  return out;
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return s;
}

}  // namespace tunnelisa
