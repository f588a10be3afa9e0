// Shared by the codec files: error messages in one shape ("<source>: <format>: <what>"),
// the size cap, and the first PEM label of an input (to say what a wrong file holds).
#ifndef TUNNELISA_SRC_PKI_CODEC_INTERNAL_H_
#define TUNNELISA_SRC_PKI_CODEC_INTERNAL_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "tunnelisa/pki/codec.h"

namespace tunnelisa::pki::codec {

// Error: InvalidArgument "<source>: <format>: <what>" plus OpenSSL's queued reasons.
absl::Status Error(std::string_view source, FileFormat format, std::string_view what);
// CheckInput: empty or over kMaxImportBytes is an Error.
absl::Status CheckInput(std::span<const uint8_t> input, FileFormat format, std::string_view source);
// PemLabel: the label of the first "-----BEGIN <label>-----" line, or "" when there is none.
std::string PemLabel(std::span<const uint8_t> input);
// Holds: " (the input holds <label>)" or "" for messages about a wrong file.
std::string Holds(std::span<const uint8_t> input);

}  // namespace tunnelisa::pki::codec

#endif  // TUNNELISA_SRC_PKI_CODEC_INTERNAL_H_
