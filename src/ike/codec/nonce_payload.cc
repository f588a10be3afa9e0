#include "ike/codec/nonce_payload.h"

#include "absl/strings/str_format.h"
#include "ike/codec/constants.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

bool SizeOk(size_t size) { return size >= kMinNonceSize && size <= kMaxNonceSize; }

}  // namespace

// Nonce payload (RFC 7296 3.9):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   ~                            Nonce Data                         ~
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<NoncePayload> NoncePayload::Parse(Reader& body) {
  const size_t at = body.offset();
  NoncePayload n{.nonce = body.CopyRest()};
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.9
  //# The size of the Nonce Data MUST be between 16 and 256 octets,
  //# inclusive.
  if (!SizeOk(n.nonce.size())) {
    return internal::Malformed("Nonce payload", at,
                               absl::StrFormat("nonce of %d octets (16..256)", n.nonce.size()));
  }
  return n;
}

absl::Status NoncePayload::Serialize(Writer& w) const {
  if (!SizeOk(nonce.size())) return internal::SerializeError("Nonce payload", "size not 16..256");
  w.Bytes(nonce);
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
