#include "ike/v1/crypto/v1_protector.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_errors.h"
#include "ike/codec/v1/v1_message.h"

namespace tunnelisa::ike::v1 {

absl::StatusOr<std::unique_ptr<V1Protector>> V1Protector::Create(
    const IkeCryptoProvider& provider, EncryptionAlgorithm alg, std::span<const uint8_t> enc_key,
    pki::HashAlgorithm hash, std::span<const uint8_t> g_xi, std::span<const uint8_t> g_xr) {
  absl::StatusOr<std::unique_ptr<V1Cipher>> cipher = V1Cipher::Create(alg, enc_key);
  if (!cipher.ok()) return cipher.status();
  absl::StatusOr<V1IvState> ivs =
      V1IvState::Create(provider, hash, g_xi, g_xr, (*cipher)->block_size());
  if (!ivs.ok()) return ivs.status();
  return std::unique_ptr<V1Protector>(new V1Protector(*std::move(cipher), *std::move(ivs)));
}

absl::StatusOr<std::vector<uint8_t>> V1Protector::Seal(const V1Header& header,
                                                       std::span<const V1Payload> payloads) {
  if (payloads.empty()) return absl::InvalidArgumentError("an encrypted message needs payloads");
  absl::StatusOr<std::vector<uint8_t>> plain = SerializeV1Payloads(payloads);
  if (!plain.ok()) return plain.status();
  absl::StatusOr<std::vector<uint8_t>> iv = ivs_.Iv(header.message_id);
  if (!iv.ok()) return iv.status();
  absl::StatusOr<V1CipherOutput> ct = cipher_->Encrypt(*iv, *plain);
  if (!ct.ok()) return ct.status();
  const size_t total = kV1HeaderSize + ct->data.size();
  if (total > kV1MaxMessageSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("encrypted ISAKMP message of %d octets is over the limit", total));
  }
  V1Header h = header;
  h.flags |= kV1FlagEncryption;
  h.next_payload = payloads.front().type;
  h.length = static_cast<uint32_t>(total);
  Writer w;
  h.Serialize(w);
  w.Bytes(ct->data);
  if (absl::Status s = ivs_.Update(header.message_id, ct->last_block); !s.ok()) return s;
  return w.Take();
}

absl::StatusOr<V1Opened> V1Protector::Open(std::span<const uint8_t> datagram) {
  absl::StatusOr<V1Datagram> d = SplitV1Datagram(datagram);
  if (!d.ok()) return d.status();
  if (!d->header.encrypted()) {
    return absl::FailedPreconditionError("ISAKMP message is not encrypted (E flag clear)");
  }
  // Every encrypted IKEv1 message starts with a payload (HASH, or ID in Main Mode 5/6).
  if (d->header.next_payload == V1PayloadType::kNone) {
    return V1CodecError("encrypted ISAKMP message names no first payload");
  }
  absl::StatusOr<std::vector<uint8_t>> iv = ivs_.Iv(d->header.message_id);
  if (!iv.ok()) return iv.status();
  absl::StatusOr<V1CipherOutput> plain = cipher_->Decrypt(*iv, d->body);
  if (!plain.ok()) return plain.status();
  absl::StatusOr<std::vector<V1Payload>> payloads = ParseV1Payloads(
      d->header.next_payload, plain->data, {.base_offset = kV1HeaderSize, .allow_padding = true});
  if (!payloads.ok()) return payloads.status();
  return V1Opened{.header = d->header,
                  .payloads = *std::move(payloads),
                  .last_block = std::move(plain->last_block)};
}

}  // namespace tunnelisa::ike::v1
