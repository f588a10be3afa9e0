// File: ike/v1/crypto/v1_protector.h
//
// V1Protector: encrypts and decrypts whole IKEv1 messages of one ISAKMP SA: the codec
// (ike/codec/v1) plus V1Cipher and V1IvState (v1_cipher.h). Seal builds an encrypted datagram
// and advances the exchange's IV chain at once (what we send is final); Open decrypts and
// parses a received one but leaves the chain alone until the caller has verified the
// message's HASH and calls Accept.
//
// Example (Quick Mode responder):
//   absl::StatusOr<V1Opened> in = protector.Open(datagram);    // message 1
//   ... verify HASH(1) over V1ChainBytes(tail) ...
//   protector.Accept(*in);
//   absl::StatusOr<std::vector<uint8_t>> out = protector.Seal(header, reply_payloads);
//   keep *out for retransmission: re-send it unchanged, never Seal again.
//
// One thread at a time. Control path only.
#ifndef TUNNELISA_SRC_IKE_V1_CRYPTO_V1_PROTECTOR_H_
#define TUNNELISA_SRC_IKE_V1_CRYPTO_V1_PROTECTOR_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/v1/v1_header.h"
#include "ike/codec/v1/v1_payload.h"
#include "ike/v1/crypto/v1_cipher.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::ike::v1 {

// V1Opened: a decrypted, parsed message (payloads keep their raw bytes) and the last
// ciphertext block Accept needs.
struct V1Opened {
  V1Header header;
  std::vector<V1Payload> payloads;
  std::vector<uint8_t> last_block;
};

class V1Protector {
 public:
  // Create: V1Cipher::Create(alg, enc_key) and V1IvState::Create(provider, hash, g_xi, g_xr).
  // `hash` is the negotiated phase-1 hash (HashForPrf(prf)). `provider` must outlive it.
  static absl::StatusOr<std::unique_ptr<V1Protector>> Create(
      const IkeCryptoProvider& provider, EncryptionAlgorithm alg, std::span<const uint8_t> enc_key,
      pki::HashAlgorithm hash, std::span<const uint8_t> g_xi, std::span<const uint8_t> g_xr);

  // Seal: the datagram for `header` (E flag set, Next Payload and Length computed, the other
  // fields as given) with `payloads` encrypted under the IV of header.message_id; the chain
  // then advances. Errors: SerializeV1Payloads's, an empty chain, the cipher's, a message
  // over kV1MaxMessageSize.
  absl::StatusOr<std::vector<uint8_t>> Seal(const V1Header& header,
                                            std::span<const V1Payload> payloads);
  // Open: SplitV1Datagram, decrypt with the IV of the message's ID, ParseV1Payloads (padding
  // allowed). The chain does not move. Errors: the header's (with their notify); E flag clear
  // (FailedPrecondition); Next Payload NONE (PAYLOAD-MALFORMED: an encrypted message always
  // carries payloads); the cipher's; the payload chain's.
  absl::StatusOr<V1Opened> Open(std::span<const uint8_t> datagram);
  // Accept: the opened message is authentic; its last block continues its exchange's chain.
  absl::Status Accept(const V1Opened& opened) {
    return ivs_.Update(opened.header.message_id, opened.last_block);
  }

  V1IvState& ivs() { return ivs_; }
  V1Cipher& cipher() { return *cipher_; }

 private:
  V1Protector(std::unique_ptr<V1Cipher> cipher, V1IvState ivs)
      : cipher_(std::move(cipher)), ivs_(std::move(ivs)) {}

  std::unique_ptr<V1Cipher> cipher_;
  V1IvState ivs_;
};

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_CRYPTO_V1_PROTECTOR_H_
