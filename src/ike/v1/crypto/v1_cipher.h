// File: ike/v1/crypto/v1_cipher.h
//
// The ISAKMP SA's encryption (RFC 2409 Appendix B, RFC 2408 3.1): CBC with DES, 3DES or AES,
// keyed with the phase-1 enc_key (v1_keymat.h), and IVs that are never sent: they chain.
//
//   phase 1 (message ID 0): the first encrypted message's IV is hash(g^xi | g^xr), truncated to
//     the block size (Phase1Iv); every later one uses the last ciphertext block of the
//     previous encrypted message of phase 1, sent or received.
//   each later exchange (Quick Mode, informational, transaction), by its message ID: the first
//     message's IV is hash(last phase-1 CBC output block | M-ID), truncated (ExchangeIv); later
//     messages of that exchange chain from the previous message's last ciphertext block.
//
// V1IvState keeps those chains for one ISAKMP SA; V1Cipher does one encryption or decryption
// given an IV and reports the new last block; V1Protector (v1_protector.h) combines them with
// the codec. Padding: zero octets up to the block size (none when already aligned); on receipt
// any padding is accepted, as the payload chain ends where its Next Payload says.
//
// Retransmission: a retransmitted message must be re-sent byte for byte (keep the datagram);
// encrypting it again would advance the IV chain and desynchronise the peer. Likewise a
// received duplicate must be recognised before it is decrypted (compare datagrams) and must
// not update the chain.
//
// One thread at a time per instance (OpenSSL contexts, chain state). Control path only.
#ifndef TUNNELISA_SRC_IKE_V1_CRYPTO_V1_CIPHER_H_
#define TUNNELISA_SRC_IKE_V1_CRYPTO_V1_CIPHER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/protect/cbc_cipher.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::ike::v1 {

// Phase1Iv: hash(g^xi | g^xr) truncated to `block_size` (the initiator's and the responder's
// KE data, in that order). Errors: InvalidArgument for empty values or a hash shorter than
// the block; the provider's errors.
absl::StatusOr<std::vector<uint8_t>> Phase1Iv(const IkeCryptoProvider& provider,
                                              pki::HashAlgorithm hash,
                                              std::span<const uint8_t> g_xi,
                                              std::span<const uint8_t> g_xr, size_t block_size);

// ExchangeIv: hash(last phase-1 CBC output block | M-ID) truncated to `block_size`, the IV of
// the first message of the exchange with `message_id`.
absl::StatusOr<std::vector<uint8_t>> ExchangeIv(const IkeCryptoProvider& provider,
                                                pki::HashAlgorithm hash,
                                                std::span<const uint8_t> phase1_last_block,
                                                uint32_t message_id, size_t block_size);

// V1CipherOutput: the result of one operation: `data` (ciphertext, or plaintext with its
// padding) and the last ciphertext block, i.e. the IV of the exchange's next message.
struct V1CipherOutput {
  std::vector<uint8_t> data;
  std::vector<uint8_t> last_block;
};

class V1Cipher {
 public:
  // Create: DES, 3DES or AES-128/192/256-CBC with `enc_key` (GetEncryptionInfo(alg).key_size
  // octets). Errors as CbcCipher::Create.
  static absl::StatusOr<std::unique_ptr<V1Cipher>> Create(EncryptionAlgorithm alg,
                                                          std::span<const uint8_t> enc_key);
  size_t block_size() const { return cbc_->block_size(); }
  EncryptionAlgorithm algorithm() const { return cbc_->algorithm(); }

  // Encrypt: `plaintext` padded with zero octets to a multiple of the block size, encrypted
  // with `iv`. InvalidArgument for an empty plaintext or an IV that is not one block.
  absl::StatusOr<V1CipherOutput> Encrypt(std::span<const uint8_t> iv,
                                         std::span<const uint8_t> plaintext);
  // Decrypt: `ciphertext` decrypted with `iv`; the plaintext keeps its padding. InvalidArgument
  // (PAYLOAD-MALFORMED attached) for an empty ciphertext or one that is not a multiple of the
  // block size; InvalidArgument for an IV that is not one block. A wrong key or IV is not
  // detected here (CBC has no integrity): the payload chain fails to parse or the HASH does
  // not verify.
  absl::StatusOr<V1CipherOutput> Decrypt(std::span<const uint8_t> iv,
                                         std::span<const uint8_t> ciphertext);

 private:
  explicit V1Cipher(std::unique_ptr<CbcCipher> cbc) : cbc_(std::move(cbc)) {}
  std::unique_ptr<CbcCipher> cbc_;
};

// V1IvState: the IV chains of one ISAKMP SA (see the file comment). Message ID 0 is phase 1.
//
// Usage:
//   sending:   iv = Iv(mid); out = cipher.Encrypt(iv, plain); Update(mid, out.last_block);
//   receiving: iv = Iv(mid); out = cipher.Decrypt(iv, ct); parse, verify the HASH; only then
//              Update(mid, out.last_block) (a forged or corrupt message must not move the
//              chain);
//   exchange finished (Quick Mode after HASH(3), an informational message, a transaction
//   exchange's last message): Forget(mid).
// At most kMaxExchanges exchanges are tracked; beyond that the oldest is forgotten (its next
// message then fails to decrypt, as an expired exchange should).
class V1IvState {
 public:
  static constexpr size_t kMaxExchanges = 32;

  // Create: the state at the start of phase 1 encryption: Phase1Iv(g^xi | g^xr). `provider`
  // is kept (not owned) and must outlive the state.
  static absl::StatusOr<V1IvState> Create(const IkeCryptoProvider& provider,
                                          pki::HashAlgorithm hash, std::span<const uint8_t> g_xi,
                                          std::span<const uint8_t> g_xr, size_t block_size);

  // Iv: the IV for the next message of exchange `message_id`: phase 1's chain for 0; for
  // another ID the chain started by an earlier message, or a new one from ExchangeIv (which
  // is remembered). Errors: the provider's.
  absl::StatusOr<std::vector<uint8_t>> Iv(uint32_t message_id);
  // Update: `last_block` ends the latest message of exchange `message_id` (sent, or received
  // and verified). For message ID 0 this also becomes the "last phase-1 CBC output block"
  // later exchanges derive from. InvalidArgument when it is not one block.
  absl::Status Update(uint32_t message_id, std::span<const uint8_t> last_block);
  // Forget: drops the chain of a finished exchange (no-op for 0 or an unknown ID).
  void Forget(uint32_t message_id);

  size_t block_size() const { return block_size_; }
  size_t tracked_exchanges() const { return chains_.size(); }
  // phase1_last_block: phase 1's current chain value (Phase1Iv until an encrypted phase-1
  // message passes).
  const std::vector<uint8_t>& phase1_last_block() const { return phase1_; }

 private:
  V1IvState(const IkeCryptoProvider& provider, pki::HashAlgorithm hash, size_t block_size,
            std::vector<uint8_t> phase1)
      : provider_(&provider), hash_(hash), block_size_(block_size), phase1_(std::move(phase1)) {}

  const IkeCryptoProvider* provider_;
  pki::HashAlgorithm hash_;
  size_t block_size_;
  std::vector<uint8_t> phase1_;
  absl::flat_hash_map<uint32_t, std::vector<uint8_t>> chains_;
  std::deque<uint32_t> order_;  // insertion order of chains_, for eviction
};

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_CRYPTO_V1_CIPHER_H_
