#include "ike/v1/crypto/v1_cipher.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_errors.h"

namespace tunnelisa::ike::v1 {
namespace {

using Bytes = std::span<const uint8_t>;

absl::StatusOr<std::vector<uint8_t>> TruncatedHash(const IkeCryptoProvider& provider,
                                                   pki::HashAlgorithm hash, Bytes a, Bytes b,
                                                   size_t block_size) {
  std::vector<uint8_t> input(a.begin(), a.end());
  input.insert(input.end(), b.begin(), b.end());
  absl::StatusOr<std::vector<uint8_t>> digest = provider.Hash(hash, input);
  if (!digest.ok()) return digest.status();
  if (block_size == 0 || digest->size() < block_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("a %d-octet hash cannot supply a %d-octet IV", digest->size(), block_size));
  }
  digest->resize(block_size);
  return digest;
}

absl::Status CheckBlock(Bytes b, size_t block_size, const char* what) {
  if (b.size() != block_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s of %d octets, the block is %d", what, b.size(), block_size));
  }
  return absl::OkStatus();
}

}  // namespace

//= https://www.rfc-editor.org/rfc/rfc2409#appendix-B
//# In phase 1, material for the initialization vector (IV material) for CBC mode encryption
//# algorithms is derived from a hash of a concatenation of the initiator's public
//# Diffie-Hellman value and the responder's public Diffie-Hellman value using the negotiated
//# hash algorithm. This is used for the first message only.
absl::StatusOr<std::vector<uint8_t>> Phase1Iv(const IkeCryptoProvider& provider,
                                              pki::HashAlgorithm hash, Bytes g_xi, Bytes g_xr,
                                              size_t block_size) {
  if (g_xi.empty() || g_xr.empty()) {
    return absl::InvalidArgumentError("phase-1 IV needs both public DH values");
  }
  return TruncatedHash(provider, hash, g_xi, g_xr, block_size);
}

//= https://www.rfc-editor.org/rfc/rfc2409#appendix-B
//# Subsequent messages MUST use the last CBC encryption block from the previous message as
//# their initialization vector.
// and, for phase 2 and informational exchanges, the first message's IV is the hash of the last
// phase-1 CBC output block and the M-ID (RFC 2409 Appendix B, 5.5, 5.7).
absl::StatusOr<std::vector<uint8_t>> ExchangeIv(const IkeCryptoProvider& provider,
                                                pki::HashAlgorithm hash, Bytes phase1_last_block,
                                                uint32_t message_id, size_t block_size) {
  const std::array<uint8_t, 4> mid = {
      static_cast<uint8_t>(message_id >> 24), static_cast<uint8_t>(message_id >> 16),
      static_cast<uint8_t>(message_id >> 8), static_cast<uint8_t>(message_id)};
  return TruncatedHash(provider, hash, phase1_last_block, mid, block_size);
}

absl::StatusOr<std::unique_ptr<V1Cipher>> V1Cipher::Create(EncryptionAlgorithm alg, Bytes enc_key) {
  absl::StatusOr<std::unique_ptr<CbcCipher>> cbc = CbcCipher::Create(alg, enc_key);
  if (!cbc.ok()) return cbc.status();
  return std::unique_ptr<V1Cipher>(new V1Cipher(*std::move(cbc)));
}

absl::StatusOr<V1CipherOutput> V1Cipher::Encrypt(Bytes iv, Bytes plaintext) {
  if (plaintext.empty()) return absl::InvalidArgumentError("nothing to encrypt");
  if (absl::Status s = CheckBlock(iv, block_size(), "IV"); !s.ok()) return s;
  //= https://www.rfc-editor.org/rfc/rfc2409#appendix-B
  //# Each message should be padded up to the nearest block size using bytes containing 0x00.
  //# The message length in the header MUST include the length of the pad since this
  //# reflects the size of the ciphertext.
  const size_t padded = (plaintext.size() + block_size() - 1) / block_size() * block_size();
  V1CipherOutput out;
  out.data.assign(plaintext.begin(), plaintext.end());
  out.data.resize(padded, 0);
  if (absl::Status s = cbc_->Encrypt(iv, out.data); !s.ok()) return s;
  out.last_block.assign(out.data.end() - static_cast<ptrdiff_t>(block_size()), out.data.end());
  return out;
}

absl::StatusOr<V1CipherOutput> V1Cipher::Decrypt(Bytes iv, Bytes ciphertext) {
  if (absl::Status s = CheckBlock(iv, block_size(), "IV"); !s.ok()) return s;
  if (ciphertext.empty() || ciphertext.size() % block_size() != 0) {
    return V1CodecError(
        absl::StrFormat("encrypted body of %d octets is not a nonzero multiple "
                        "of the %d-octet block",
                        ciphertext.size(), block_size()));
  }
  V1CipherOutput out;
  out.last_block.assign(ciphertext.end() - static_cast<ptrdiff_t>(block_size()), ciphertext.end());
  out.data.assign(ciphertext.begin(), ciphertext.end());
  if (absl::Status s = cbc_->Decrypt(iv, out.data); !s.ok()) return s;
  return out;
}

absl::StatusOr<V1IvState> V1IvState::Create(const IkeCryptoProvider& provider,
                                            pki::HashAlgorithm hash, Bytes g_xi, Bytes g_xr,
                                            size_t block_size) {
  absl::StatusOr<std::vector<uint8_t>> iv = Phase1Iv(provider, hash, g_xi, g_xr, block_size);
  if (!iv.ok()) return iv.status();
  return V1IvState(provider, hash, block_size, *std::move(iv));
}

absl::StatusOr<std::vector<uint8_t>> V1IvState::Iv(uint32_t message_id) {
  if (message_id == 0) return phase1_;
  if (auto it = chains_.find(message_id); it != chains_.end()) return it->second;
  absl::StatusOr<std::vector<uint8_t>> iv =
      ExchangeIv(*provider_, hash_, phase1_, message_id, block_size_);
  if (!iv.ok()) return iv.status();
  if (chains_.size() == kMaxExchanges) {
    chains_.erase(order_.front());
    order_.pop_front();
  }
  chains_.emplace(message_id, *iv);
  order_.push_back(message_id);
  return iv;
}

absl::Status V1IvState::Update(uint32_t message_id, Bytes last_block) {
  if (absl::Status s = CheckBlock(last_block, block_size_, "last block"); !s.ok()) return s;
  if (message_id == 0) {
    phase1_.assign(last_block.begin(), last_block.end());
    return absl::OkStatus();
  }
  auto it = chains_.find(message_id);
  if (it == chains_.end()) {
    // Iv() was not asked (or the chain was evicted): start tracking from this block.
    if (chains_.size() == kMaxExchanges) {
      chains_.erase(order_.front());
      order_.pop_front();
    }
    chains_.emplace(message_id, std::vector<uint8_t>(last_block.begin(), last_block.end()));
    order_.push_back(message_id);
    return absl::OkStatus();
  }
  it->second.assign(last_block.begin(), last_block.end());
  return absl::OkStatus();
}

void V1IvState::Forget(uint32_t message_id) {
  if (chains_.erase(message_id) == 0) return;
  order_.erase(std::find(order_.begin(), order_.end(), message_id));
}

}  // namespace tunnelisa::ike::v1
