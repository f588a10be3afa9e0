// File: ike/codec/encrypted_payload.h
//
// The Encrypted payload SK (RFC 7296 3.14) and the Encrypted Fragment payload SKF (RFC 7383
// 2.5), as framing only: the codec never encrypts. Their "Next Payload" field names the first
// payload inside the ciphertext, so it is kept here (first_inner) rather than derived from the
// chain; both must be the last payload of a message.
//
// The crypto step uses LocateProtected to find, in a datagram, the byte ranges it works on:
//  - associated data (AEAD, RFC 5282): the IKE header through the SK generic header (for SKF
//    through Total Fragments);
//  - IV, ciphertext (inner payloads + Padding + Pad Length, encrypted), ICV;
//  - the bytes an integrity algorithm covers (everything before the ICV).
// On receive it decrypts the ciphertext, calls StripPadding and parses the inner payloads with
// ParsePayloadChain (payload.h). On send it serializes the inner payloads, AppendPadding,
// encrypts into an SK body of IV || ciphertext || zeroed ICV, serializes the message, and fills
// the ICV in place at the offsets LocateProtected returns.
//
// Value types and pure functions; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_ENCRYPTED_PAYLOAD_H_
#define TUNNELISA_SRC_IKE_CODEC_ENCRYPTED_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {

struct EncryptedPayload {
  uint8_t first_inner = 0;    // payload type of the first inner payload
  std::vector<uint8_t> body;  // IV || encrypted payloads, Padding, Pad Length || ICV

  // Parse: `body` is the payload body, `next_payload` the generic header's Next Payload.
  // Fails (INVALID_SYNTAX) on an empty body.
  static absl::StatusOr<EncryptedPayload> Parse(Reader& body, uint8_t next_payload);
  absl::Status Serialize(Writer& w) const;
  bool operator==(const EncryptedPayload&) const = default;
};

struct EncryptedFragmentPayload {
  uint8_t first_inner = 0;  // only in fragment 1; 0 in the others
  uint16_t fragment_number = 1;
  uint16_t total_fragments = 1;
  std::vector<uint8_t> body;  // IV || encrypted content || ICV

  // Parse: fails (INVALID_SYNTAX) on a body under 4 octets or without encrypted content, a zero
  // Fragment Number or Total Fragments, a Fragment Number above Total Fragments, or a nonzero
  // Next Payload in a fragment other than the first.
  static absl::StatusOr<EncryptedFragmentPayload> Parse(Reader& body, uint8_t next_payload);
  // Serialize: fails (no notify) on the same conditions.
  absl::Status Serialize(Writer& w) const;
  bool operator==(const EncryptedFragmentPayload&) const = default;
};

// ProtectedLayout: offsets into a datagram, as [begin, end) pairs laid end to end:
// [0, iv_begin) associated data, [iv_begin, ciphertext_begin) IV,
// [ciphertext_begin, icv_begin) ciphertext, [icv_begin, end) ICV.
struct ProtectedLayout {
  bool fragment = false;  // SKF rather than SK
  size_t iv_begin = 0;    // == end of the associated data
  size_t ciphertext_begin = 0;
  size_t icv_begin = 0;  // == end of the bytes an integrity algorithm covers
  size_t end = 0;        // == datagram size

  size_t associated_data_size() const { return iv_begin; }
  size_t ciphertext_size() const { return icv_begin - ciphertext_begin; }
  bool operator==(const ProtectedLayout&) const = default;
};

// LocateProtected: walks the generic payload headers of `datagram` (an IKE message with its
// header) to its SK or SKF payload and splits that payload's body. `block_size` is the
// cipher's block size (1 for AEAD ciphers such as AES-GCM). Errors (INVALID_SYNTAX): no
// SK/SKF payload, a malformed chain, a body shorter than IV + ICV + 1, or a ciphertext that is
// not a whole number of blocks.
absl::StatusOr<ProtectedLayout> LocateProtected(std::span<const uint8_t> datagram, size_t iv_size,
                                                size_t icv_size, size_t block_size);

// StripPadding: the inner payloads of a decrypted SK plaintext (payloads, Padding, Pad Length).
// Errors (INVALID_SYNTAX): an empty plaintext or a Pad Length longer than what precedes it.
absl::StatusOr<std::span<const uint8_t>> StripPadding(std::span<const uint8_t> plaintext);

// AppendPadding: pads serialized inner payloads to a multiple of `block_size` (zero octets,
// then the Pad Length octet), ready for encryption. `block_size` 1..255.
void AppendPadding(std::vector<uint8_t>& plaintext, size_t block_size);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_ENCRYPTED_PAYLOAD_H_
