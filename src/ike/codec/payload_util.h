// File: ike/codec/payload_util.h
//
// Internal helpers shared by the payload parsers: uniform error messages that name the payload
// and the absolute offset in the datagram, all carrying INVALID_SYNTAX. Codec-internal; any
// thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_PAYLOAD_UTIL_H_
#define TUNNELISA_SRC_IKE_CODEC_PAYLOAD_UTIL_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "ike/codec/errors.h"
#include "ike/codec/reader.h"

namespace tunnelisa::ike::internal {

// Truncated: "<what> truncated at offset N: needs X octets, Y left".
inline absl::Status Truncated(std::string_view what, const Reader& r, size_t need) {
  return CodecError(absl::StrFormat("%s truncated at offset %d: needs %d octets, %d left", what,
                                    r.offset(), need, r.remaining()));
}

// Malformed: "<what> at offset N: <detail>".
inline absl::Status Malformed(std::string_view what, size_t offset, std::string_view detail) {
  return CodecError(absl::StrFormat("%s at offset %d: %s", what, offset, detail));
}

// SerializeError: our own caller built something the wire format cannot carry (no notify).
inline absl::Status SerializeError(std::string_view what, std::string_view detail) {
  return PlainCodecError(absl::StrFormat("cannot serialize %s: %s", what, detail));
}

}  // namespace tunnelisa::ike::internal

#endif  // TUNNELISA_SRC_IKE_CODEC_PAYLOAD_UTIL_H_
