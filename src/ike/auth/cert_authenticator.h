// File: ike/auth/cert_authenticator.h
//
// CertAuthenticator: IKE authentication with X.509 certificates: IKEv2 (RFC 7296 2.15 and
// 3.6-3.8, RFC 4945, RFC 7427) and IKEv1 RSA signatures (RFC 2409 5.1, AuthInput::ikev1_hash:
// HASH_I / HASH_R signed with PKCS#1 v1.5 padding and no DigestInfo; RSA keys only). The
// certificate checks are the same for both versions. One object plays either role or both:
//   - proving us (`own`): our certificate and intermediates go out as CERT payloads (X.509
//     Signature, encoding 4), and AUTH is our private key's signature over the signed octets,
//     in the method the peer can verify (signature_methods.h);
//   - checking the peer (`check`): the peer's first CERT is its end-entity certificate, the
//     others intermediates; the chain must reach the configured trust anchor (a ca-profile)
//     with every certificate valid at the host's wall-clock time and not revoked
//     (pki::ChainVerifier); the peer's ID must be in its certificate (subject DN, or a
//     subjectAltName of the ID's type); a configured remote-id must be too; and AUTH must
//     verify with the certificate's key. Our CERTREQ names the trust anchor's key.
// A failure names its reason: "certificate expired", "certificate revoked", "unknown CA",
// "trust anchor absent", "ID mismatch", "bad signature" and so on, for the auth-failure event.
//
// Threads: immutable after Create; may be shared by several peers (control thread).
#ifndef TUNNELISA_SRC_IKE_AUTH_CERT_AUTHENTICATOR_H_
#define TUNNELISA_SRC_IKE_AUTH_CERT_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/auth/authenticator.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"
#include "tunnelisa/pki/verify.h"

namespace tunnelisa::ike {

// CertOwn: what proves us.
struct CertOwn {
  pki::Certificate cert;
  pki::PrivateKey key;
  std::vector<pki::Certificate> intermediates;  // sent after `cert`, in this order
  // rsa_pss: an RSA key signs with RSASSA-PSS when the peer takes RFC 7427 signatures (a key
  // restricted to PSS always does); otherwise PKCS#1 v1.5.
  bool rsa_pss = false;
};

// CertCheck: how the peer is checked.
struct CertCheck {
  std::shared_ptr<const pki::ChainVerifier> verifier;
  std::string trust_anchor;      // the ca-profile the chain must reach
  pki::Certificate anchor_cert;  // its certificate (CERTREQ; SameAs)
};

class CertAuthenticator final : public Authenticator {
 public:
  // Create: InvalidArgument when neither role is given, when `own`'s key does not match its
  // certificate, or when `check` has no verifier / trust anchor.
  static absl::StatusOr<std::shared_ptr<const CertAuthenticator>> Create(
      std::optional<CertOwn> own, std::optional<CertCheck> check);

  // IdentityOf: ID_DER_ASN1_DN with `cert`'s subject: our IKE identity with certificates.
  static IdPayload IdentityOf(const pki::Certificate& cert);
  // IdMatches: OK when `cert` carries `id` (DN: the subject; FQDN, RFC 822, IP: a
  // subjectAltName of that type); InvalidArgument saying why not.
  static absl::Status IdMatches(const IdPayload& id, const pki::Certificate& cert);

  std::string_view name() const override { return "cert"; }
  absl::StatusOr<AuthPayload> Create(const AuthInput& in) const override;
  AuthCheck Verify(const AuthInput& in, const AuthPayload& auth, const IdPayload& id,
                   std::span<const Payload> payloads, uint64_t ticket) const override;
  bool SameAs(const Authenticator& other) const override;
  std::vector<CertPayload> OwnCertificates() const override;
  std::optional<CertPayload> CertRequest() const override;
  std::vector<uint8_t> CertAuthorityDn() const override;
  bool UsesSignatures() const override { return true; }
  bool MatchesRemoteId() const override { return true; }

  const std::optional<CertOwn>& own() const { return own_; }
  const std::optional<CertCheck>& check() const { return check_; }

 private:
  // CheckPeerCertificate: everything but the signature, for IKEv1 and IKEv2 alike: the first
  // CERT is the peer's, the rest intermediates; the chain reaches the trust anchor, valid and
  // unrevoked at `in.now`; the peer's `id` and the configured remote-id are in it. The peer's
  // certificate, or InvalidArgument with the reason for the auth-failure event.
  absl::StatusOr<pki::Certificate> CheckPeerCertificate(const AuthInput& in, const IdPayload& id,
                                                        std::span<const Payload> payloads) const;

  CertAuthenticator(std::optional<CertOwn> own, std::optional<CertCheck> check);

  std::optional<CertOwn> own_;
  std::optional<CertCheck> check_;
  std::vector<CertPayload> own_certs_;       // OwnCertificates()
  std::optional<CertPayload> cert_request_;  // CertRequest()
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_CERT_AUTHENTICATOR_H_
