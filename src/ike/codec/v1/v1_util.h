// File: ike/codec/v1/v1_util.h
//
// Internal helpers of the IKEv1 payload parsers: uniform error messages that name the payload
// and the absolute offset in the datagram, carrying PAYLOAD-MALFORMED unless told otherwise
// (the IKEv1 counterpart of ike/codec/payload_util.h). Codec-internal; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_V1_V1_UTIL_H_
#define TUNNELISA_SRC_IKE_CODEC_V1_V1_UTIL_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "ike/codec/errors.h"
#include "ike/codec/reader.h"
#include "ike/codec/v1/v1_errors.h"

namespace tunnelisa::ike::v1::internal {

// V1Truncated: "<what> truncated at offset N: needs X octets, Y left".
inline absl::Status V1Truncated(std::string_view what, const Reader& r, size_t need,
                                V1NotifyType notify = V1NotifyType::kPayloadMalformed) {
  return V1CodecError(absl::StrFormat("%s truncated at offset %d: needs %d octets, %d left", what,
                                      r.offset(), need, r.remaining()),
                      notify);
}

// V1Malformed: "<what> at offset N: <detail>".
inline absl::Status V1Malformed(std::string_view what, size_t offset, std::string_view detail,
                                V1NotifyType notify = V1NotifyType::kPayloadMalformed) {
  return V1CodecError(absl::StrFormat("%s at offset %d: %s", what, offset, detail), notify);
}

// V1SerializeError: our own caller built something the wire format cannot carry (no notify).
inline absl::Status V1SerializeError(std::string_view what, std::string_view detail) {
  return PlainCodecError(absl::StrFormat("cannot serialize %s: %s", what, detail));
}

}  // namespace tunnelisa::ike::v1::internal

#endif  // TUNNELISA_SRC_IKE_CODEC_V1_V1_UTIL_H_
