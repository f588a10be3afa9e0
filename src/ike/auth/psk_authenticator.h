// File: ike/auth/psk_authenticator.h
//
// PskAuthenticator: IKEv2's shared key message integrity code (RFC 7296 2.15, AUTH method 2),
// both ways: the same secret proves us and checks the peer.
#ifndef TUNNELISA_SRC_IKE_AUTH_PSK_AUTHENTICATOR_H_
#define TUNNELISA_SRC_IKE_AUTH_PSK_AUTHENTICATOR_H_

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "ike/auth/authenticator.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike {

class PskAuthenticator final : public Authenticator {
 public:
  explicit PskAuthenticator(std::shared_ptr<const SecretBytes> secret)
      : secret_(std::move(secret)) {}
  // Both: one PskAuthenticator as `own` and `peer`.
  static IkeAuthConfig Both(std::shared_ptr<const SecretBytes> secret);

  std::string_view name() const override { return "psk"; }
  absl::StatusOr<AuthPayload> Create(const AuthInput& in) const override;
  // Verify: never pending.
  AuthCheck Verify(const AuthInput& in, const AuthPayload& auth, const IdPayload& id,
                   std::span<const Payload> payloads, uint64_t ticket) const override;
  bool SameAs(const Authenticator& other) const override;
  const SecretBytes* PreSharedKey() const override { return secret_.get(); }

 private:
  // Mic: prf(prf(secret, "Key Pad for IKEv2"), in's octets).
  absl::StatusOr<SecretBytes> Mic(const AuthInput& in) const;
  // KeyPad: prf(secret, "Key Pad for IKEv2") under in.prf. It depends on the secret and the
  // PRF only, so it is computed once per PRF algorithm and kept (it is as secret as the key
  // itself): every handshake then makes two PRF keys fewer (one per AUTH made or checked).
  absl::StatusOr<std::shared_ptr<const SecretBytes>> KeyPad(const AuthInput& in) const;

  std::shared_ptr<const SecretBytes> secret_;  // shared, never copied into logs
  mutable std::mutex pads_mutex_;              // an authenticator may serve several engines
  mutable std::vector<std::pair<crypto::PrfAlgorithm, std::shared_ptr<const SecretBytes>>> pads_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_PSK_AUTHENTICATOR_H_
