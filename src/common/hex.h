// Hex encoding helpers shared by key parsing, tools and tests.
#ifndef TUNNELISA_SRC_COMMON_HEX_H_
#define TUNNELISA_SRC_COMMON_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tunnelisa {

// ParseHex: "0x0011aa", "0011AA", "00:11:aa" or "00 11 aa". InvalidArgument on an odd digit
// count or a non-hex character (the message names its position).
absl::StatusOr<std::vector<uint8_t>> ParseHex(std::string_view text);
// ToHex: lower-case, no separators.
std::string ToHex(std::span<const uint8_t> bytes);

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_COMMON_HEX_H_
