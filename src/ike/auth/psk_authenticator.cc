// IKEv2 pre-shared key authentication (RFC 7296 2.15).
#include "ike/auth/psk_authenticator.h"

#include <openssl/crypto.h>

#include "common/str_cat.h"

namespace tunnelisa::ike {

bool IkeAuthConfig::SameAs(const IkeAuthConfig& o) const {
  auto same = [](const std::shared_ptr<const Authenticator>& a,
                 const std::shared_ptr<const Authenticator>& b) {
    return a == b || (a != nullptr && b != nullptr && a->SameAs(*b));
  };
  return same(own, o.own) && same(peer, o.peer);
}

IkeAuthConfig PskAuthenticator::Both(std::shared_ptr<const SecretBytes> secret) {
  auto psk = std::make_shared<const PskAuthenticator>(std::move(secret));
  return IkeAuthConfig{psk, psk};
}

absl::StatusOr<std::shared_ptr<const SecretBytes>> PskAuthenticator::KeyPad(
    const AuthInput& in) const {
  std::lock_guard<std::mutex> lock(pads_mutex_);
  for (const auto& [prf, pad] : pads_) {
    if (prf == in.prf) return pad;
  }
  static constexpr char kKeyPad[] = "Key Pad for IKEv2";
  absl::StatusOr<std::unique_ptr<crypto::Prf>> psk_prf = in.crypto->NewPrf(in.prf, secret_->span());
  if (!psk_prf.ok()) return psk_prf.status();
  std::span<const uint8_t> pad[] = {
      {reinterpret_cast<const uint8_t*>(kKeyPad), sizeof(kKeyPad) - 1}};
  absl::StatusOr<SecretBytes> key = (*psk_prf)->Compute(pad);
  if (!key.ok()) return key.status();
  pads_.emplace_back(in.prf, std::make_shared<const SecretBytes>(*std::move(key)));
  return pads_.back().second;
}

absl::StatusOr<SecretBytes> PskAuthenticator::Mic(const AuthInput& in) const {
  if (secret_ == nullptr || secret_->empty()) {
    return absl::FailedPreconditionError("no pre-shared key");
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.15
  //# AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <InitiatorSignedOctets>)
  absl::StatusOr<std::shared_ptr<const SecretBytes>> key = KeyPad(in);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::unique_ptr<crypto::Prf>> auth_prf = in.crypto->NewPrf(in.prf, (*key)->span());
  if (!auth_prf.ok()) return auth_prf.status();
  std::span<const uint8_t> octets[] = {in.real_message, in.nonce, in.maced_id};
  return (*auth_prf)->Compute(octets);
}

absl::StatusOr<AuthPayload> PskAuthenticator::Create(const AuthInput& in) const {
  if (in.ikev1()) {
    // IKEv1's key is inside SKEYID: HASH_I / HASH_R prove it, there is nothing to sign.
    return absl::FailedPreconditionError("IKEv1 proves a pre-shared key with HASH_I / HASH_R");
  }
  absl::StatusOr<SecretBytes> mic = Mic(in);
  if (!mic.ok()) return mic.status();
  return AuthPayload{AuthMethod::kSharedKeyMic,
                     std::vector<uint8_t>(mic->span().begin(), mic->span().end())};
}

AuthCheck PskAuthenticator::Verify(const AuthInput& in, const AuthPayload& auth,
                                   const IdPayload& /*id: any ID may use the key*/,
                                   std::span<const Payload> /*payloads*/,
                                   uint64_t /*ticket*/) const {
  if (auth.method != AuthMethod::kSharedKeyMic) {
    return AuthCheck::Failed(StrCat("peer uses auth method ", static_cast<int>(auth.method),
                                    ", not the pre-shared key"));
  }
  absl::StatusOr<SecretBytes> expected = Mic(in);
  if (!expected.ok()) return AuthCheck::Failed(std::string(expected.status().message()));
  // Constant time: the comparison must not tell a forger how many leading bytes were right.
  if (expected->size() != auth.data.size() ||
      CRYPTO_memcmp(expected->data(), auth.data.data(), auth.data.size()) != 0) {
    return AuthCheck::Failed("AUTH payload does not match the pre-shared key");
  }
  return AuthCheck::Ok();
}

bool PskAuthenticator::SameAs(const Authenticator& other) const {
  const auto* o = dynamic_cast<const PskAuthenticator*>(&other);
  if (o == nullptr) return false;
  if (secret_ == nullptr || o->secret_ == nullptr) return secret_ == o->secret_;
  return secret_->Equals(*o->secret_);
}

}  // namespace tunnelisa::ike
