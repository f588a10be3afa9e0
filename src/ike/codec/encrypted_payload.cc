#include "ike/codec/encrypted_payload.h"

#include <string>

#include "absl/strings/str_format.h"
#include "ike/codec/constants.h"
#include "ike/codec/payload_util.h"

namespace tunnelisa::ike {
namespace {

constexpr size_t kFragmentFieldsSize = 4;  // Fragment Number + Total Fragments

std::string CheckFragment(uint8_t first_inner, uint16_t number, uint16_t total) {
  //= https://www.rfc-editor.org/rfc/rfc7383#section-2.5
  //# This field MUST be less than or equal to the next field (Total Fragments).
  //# This field MUST NOT be zero.
  if (number == 0) return "Fragment Number is 0";
  if (total == 0) return "Total Fragments is 0";
  if (number > total)
    return absl::StrFormat("Fragment Number %d > Total Fragments %d", number, total);
  //= https://www.rfc-editor.org/rfc/rfc7383#section-2.5
  //# In the rest of the Fragment messages (with Fragment Number greater than 1), this field
  //# MUST be set to zero.
  if (number > 1 && first_inner != 0) {
    return absl::StrFormat("Next Payload %d in fragment %d", first_inner, number);
  }
  return "";
}

}  // namespace

// Encrypted payload (RFC 7296 3.14):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Initialization Vector                     |
//   |         (length is block size for encryption algorithm)       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                    Encrypted IKE Payloads                     ~
//   +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |               |             Padding (0-255 octets)            |
//   +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
//   |                                               |  Pad Length   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                    Integrity Checksum Data                    ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<EncryptedPayload> EncryptedPayload::Parse(Reader& body, uint8_t next_payload) {
  if (body.empty()) return internal::Malformed("SK payload", body.offset(), "empty");
  return EncryptedPayload{.first_inner = next_payload, .body = body.CopyRest()};
}

absl::Status EncryptedPayload::Serialize(Writer& w) const {
  if (body.empty()) return internal::SerializeError("SK payload", "empty");
  w.Bytes(body);
  return absl::OkStatus();
}

// Encrypted Fragment payload (RFC 7383 2.5):
//
//                        1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Payload  |C|  RESERVED   |         Payload Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |        Fragment Number        |        Total Fragments        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Initialization Vector                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                      Encrypted content                        ~
//   +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |               |             Padding (0-255 octets)            |
//   +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
//   |                                               |  Pad Length   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   ~                    Integrity Checksum Data                    ~
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
absl::StatusOr<EncryptedFragmentPayload> EncryptedFragmentPayload::Parse(Reader& body,
                                                                         uint8_t next_payload) {
  const size_t at = body.offset();
  EncryptedFragmentPayload f{.first_inner = next_payload};
  if (body.remaining() < kFragmentFieldsSize || !body.U16(f.fragment_number) ||
      !body.U16(f.total_fragments)) {
    return internal::Truncated("SKF payload", body, kFragmentFieldsSize);
  }
  if (std::string problem = CheckFragment(next_payload, f.fragment_number, f.total_fragments);
      !problem.empty()) {
    return internal::Malformed("SKF payload", at, problem);
  }
  if (body.empty()) return internal::Malformed("SKF payload", at, "no encrypted content");
  f.body = body.CopyRest();
  return f;
}

absl::Status EncryptedFragmentPayload::Serialize(Writer& w) const {
  if (std::string problem = CheckFragment(first_inner, fragment_number, total_fragments);
      !problem.empty()) {
    return internal::SerializeError("SKF payload", problem);
  }
  if (body.empty()) return internal::SerializeError("SKF payload", "no encrypted content");
  w.U16(fragment_number);
  w.U16(total_fragments);
  w.Bytes(body);
  return absl::OkStatus();
}

absl::StatusOr<ProtectedLayout> LocateProtected(std::span<const uint8_t> datagram, size_t iv_size,
                                                size_t icv_size, size_t block_size) {
  Reader r(datagram);
  uint8_t next = 0;
  if (r.remaining() < kHeaderSize || !r.Skip(16) || !r.U8(next) || !r.Skip(kHeaderSize - 17)) {
    return internal::Truncated("IKE header", r, kHeaderSize);
  }
  for (size_t count = 0; next != 0; ++count) {
    if (count == kMaxPayloadsPerChain) {
      return CodecError("no SK payload within the payload limit");
    }
    const size_t at = r.offset();
    uint8_t this_type = next;
    uint8_t flags = 0;
    uint16_t length = 0;
    if (r.remaining() < kGenericHeaderSize || !r.U8(next) || !r.U8(flags) || !r.U16(length)) {
      return internal::Truncated("generic payload header", r, kGenericHeaderSize);
    }
    if (length < kGenericHeaderSize || length - kGenericHeaderSize > r.remaining()) {
      return internal::Malformed("payload", at, absl::StrFormat("bad Payload Length %d", length));
    }
    const bool sk = this_type == static_cast<uint8_t>(PayloadType::kEncrypted);
    const bool skf = this_type == static_cast<uint8_t>(PayloadType::kEncryptedFragment);
    if (!sk && !skf) {
      if (!r.Skip(length - kGenericHeaderSize)) return CodecError("payload past the end");
      continue;
    }
    ProtectedLayout layout{.fragment = skf, .end = at + length};
    layout.iv_begin = at + kGenericHeaderSize + (skf ? kFragmentFieldsSize : 0);
    if (layout.iv_begin + iv_size + 1 + icv_size > layout.end) {
      return internal::Malformed(skf ? "SKF payload" : "SK payload", at,
                                 absl::StrFormat("%d octets cannot hold IV %d + ICV %d",
                                                 layout.end - layout.iv_begin, iv_size, icv_size));
    }
    layout.ciphertext_begin = layout.iv_begin + iv_size;
    layout.icv_begin = layout.end - icv_size;
    if (block_size > 1 && layout.ciphertext_size() % block_size != 0) {
      return internal::Malformed(
          skf ? "SKF payload" : "SK payload", at,
          absl::StrFormat("ciphertext of %d octets is not a multiple of the block size %d",
                          layout.ciphertext_size(), block_size));
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.14
    //# The Encrypted payload, if present in a message, MUST be the last
    //# payload in the message.
    if (layout.end != datagram.size()) {
      return internal::Malformed("SK payload", at, "not the last payload");
    }
    return layout;
  }
  return CodecError("message has no SK or SKF payload");
}

absl::StatusOr<std::span<const uint8_t>> StripPadding(std::span<const uint8_t> plaintext) {
  if (plaintext.empty()) return CodecError("decrypted SK payload is empty (no Pad Length)");
  const size_t pad_length = plaintext.back();
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.14
  //# The sender SHOULD set the Pad Length to the minimum value that makes
  //# the combination of the payloads, the Padding, and the Pad Length a
  //# multiple of the block size, but the recipient MUST accept any length
  //# that results in proper alignment.
  if (pad_length + 1 > plaintext.size()) {
    return CodecError(absl::StrFormat("Pad Length %d exceeds the %d-octet plaintext", pad_length,
                                      plaintext.size()));
  }
  return plaintext.first(plaintext.size() - pad_length - 1);
}

void AppendPadding(std::vector<uint8_t>& plaintext, size_t block_size) {
  if (block_size == 0 || block_size > 0xff) block_size = 1;
  const size_t pad = (block_size - (plaintext.size() + 1) % block_size) % block_size;
  plaintext.insert(plaintext.end(), pad, 0);
  plaintext.push_back(static_cast<uint8_t>(pad));
}

}  // namespace tunnelisa::ike
