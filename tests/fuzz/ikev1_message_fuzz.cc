// libFuzzer target: the IKEv1 message codec (src/ike/codec/v1) and the ISAKMP SA's decryption
// (src/ike/v1/crypto). Build with clang and -DTUNNELISA_FUZZ=ON; seeds:
// tests/fuzz/corpus/ikev1_message/ (written by make_ikev1_seeds, built in fuzz builds, from
// the codec's own serializer: Main Mode, Aggressive Mode, Quick Mode, informational and
// transaction messages, plaintext and encrypted).
//
// Checks, besides "no crash, no hang, no sanitizer report":
//  - whatever parses re-serializes, and the result parses to an equal message that serializes
//    to the same bytes (parse(serialize(m)) == m, serialization idempotent);
//  - a failed parse always has a message;
//  - the body is also parsed as a decrypted body (padding allowed) from every payload type, so
//    chains behind an E flag get fuzzed without encryption;
//  - an encrypted datagram is opened with fixed keys (V1Protector): decryption of arbitrary
//    ciphertext then parsing garbage plaintext must fail cleanly or parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "ike/codec/v1/v1_message.h"
#include "ike/v1/crypto/v1_protector.h"

namespace {

using namespace tunnelisa;
using namespace tunnelisa::ike::v1;

void Check(bool ok) {
  if (!ok) std::abort();
}

V1Protector& Protector() {
  static const std::vector<uint8_t> kGxi(128, 1), kGxr(128, 2), kKey(16, 3);
  static std::unique_ptr<V1Protector> p =
      *V1Protector::Create(OpenSslIkeCrypto(), EncryptionAlgorithm::kAes128Cbc, kKey,
                           pki::HashAlgorithm::kSha1, kGxi, kGxr);
  return *p;
}

void RoundTrip(const V1Message& m) {
  absl::StatusOr<std::vector<uint8_t>> bytes = m.Serialize();
  Check(bytes.ok());
  absl::StatusOr<V1Message> again = ParseV1Message(*bytes);
  Check(again.ok() && again->payloads == m.payloads);
  absl::StatusOr<std::vector<uint8_t>> bytes_again = again->Serialize();
  Check(bytes_again.ok() && *bytes_again == *bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> datagram(data, size);
  absl::StatusOr<V1Datagram> split = SplitV1Datagram(datagram);
  if (!split.ok()) {
    Check(!split.status().message().empty());
  } else if (!split->header.encrypted()) {
    absl::StatusOr<V1Message> m = ParseV1Message(datagram);
    if (m.ok()) {
      RoundTrip(*m);
    } else {
      Check(!m.status().message().empty());
    }
  } else {
    absl::StatusOr<V1Opened> opened = Protector().Open(datagram);
    if (opened.ok()) {
      Check(!opened->payloads.empty());
      RoundTrip(V1Message{.header = {.icookie = 1}, .payloads = opened->payloads});
    }
  }
  // The bytes after the header as a decrypted body, from the type the header names.
  if (size > kV1HeaderSize) {
    absl::StatusOr<std::vector<V1Payload>> chain =
        ParseV1Payloads(static_cast<V1PayloadType>(data[16]), datagram.subspan(kV1HeaderSize));
    if (chain.ok()) {
      absl::StatusOr<std::vector<uint8_t>> tail = V1ChainBytes(*chain);
      Check(tail.ok() && tail->size() <= size - kV1HeaderSize);
      for (const V1Payload& p : *chain) Check(V1PayloadBodyBytes(p).ok());
    }
  }
  return 0;
}
