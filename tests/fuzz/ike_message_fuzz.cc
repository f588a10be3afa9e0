// libFuzzer target: the IKEv2 message codec (src/ike/codec).
// Build with clang and -DTUNNELISA_FUZZ=ON; seeds: tests/fuzz/corpus/ike_message/ (written by
// tests/vectors/ike/make_ike_vectors.py from scapy-encoded messages).
//
// Checks, besides "no crash, no hang, no sanitizer report":
//  - whatever parses re-serializes, and the result parses to an equal message that serializes
//    to the same bytes (parse(serialize(m)) == m, serialization idempotent);
//  - a failed parse never returns OK from a later step and always has a message;
//  - the rules table, the SK framing helpers and the inner-payload parser run on every input
//    (the SK body is treated as if it were decrypted plaintext, so inner chains get fuzzed).
//
// The custom mutator (ike_chain_mutator.h) keeps the header's length and the payload chain
// right and mutates inside and across payloads, the SK body's inner chain included.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "ike/codec/encrypted_payload.h"
#include "ike/codec/message.h"
#include "ike/codec/rules.h"
#include "tests/fuzz/ike_chain_mutator.h"

namespace {

using namespace tunnelisa::ike;

void Check(bool ok) {
  if (!ok) std::abort();
}

void FuzzInner(const Message& m) {
  if (m.payloads.empty()) return;
  const auto* sk = m.payloads.back().As<EncryptedPayload>();
  if (sk == nullptr) return;
  absl::StatusOr<std::span<const uint8_t>> plain = StripPadding(sk->body);
  std::span<const uint8_t> inner_bytes = plain.ok() ? *plain : std::span<const uint8_t>(sk->body);
  absl::StatusOr<std::vector<Payload>> inner =
      ParsePayloadChain(sk->first_inner, inner_bytes, {.inside_sk = true});
  if (!inner.ok()) {
    Check(!inner.status().message().empty());
    return;
  }
  (void)CheckRules(m, *inner);
  Writer w;
  absl::StatusOr<uint8_t> first = SerializePayloadChain(*inner, w);
  Check(first.ok());
  absl::StatusOr<std::vector<Payload>> again =
      ParsePayloadChain(*first, w.bytes(), {.inside_sk = true});
  Check(again.ok() && *again == *inner);
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  if (tunnelisa::fuzz::BytesOnly()) return LLVMFuzzerMutate(data, size, max_size);
  // FuzzInner reads the whole SK body as padded plaintext: no IV, no ICV.
  return tunnelisa::fuzz::MutateIkeDatagram(data, size, max_size, seed, {.iv = 0, .icv = 0});
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> datagram(data, size);
  for (size_t iv : {0, 8, 16}) {
    absl::StatusOr<ProtectedLayout> layout = LocateProtected(datagram, iv, 16, iv == 16 ? 16 : 1);
    if (layout.ok()) Check(layout->end == size && layout->icv_begin <= size);
  }

  absl::StatusOr<Message> m = Message::Parse(datagram);
  if (!m.ok()) {
    Check(!m.status().message().empty());
    return 0;
  }
  (void)CheckRules(*m, {});
  FuzzInner(*m);

  absl::StatusOr<std::vector<uint8_t>> bytes = m->Serialize();
  Check(bytes.ok());
  absl::StatusOr<Message> again = Message::Parse(*bytes);
  Check(again.ok());
  Check(again->payloads == m->payloads);
  Message expected = *m;
  expected.header.length = static_cast<uint32_t>(bytes->size());
  Check(again->header == expected.header);
  absl::StatusOr<std::vector<uint8_t>> bytes_again = again->Serialize();
  Check(bytes_again.ok() && *bytes_again == *bytes);
  return 0;
}
