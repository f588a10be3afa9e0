// File: ike/auth/authenticator.h
//
// Authenticator: one IKE authentication method, as the exchanges see it. An IKE peer has two:
// the one that proves us (our AUTH payload) and the one that checks the peer (its AUTH
// payload and, for certificates, the CERT payloads it sent). They are the same object for a
// pre-shared key, different ones for asymmetric authentication (RFC 7296 2.15 allows each
// side its own method; the guide's `auth-method` / `own-auth-method`). IKEv1, XAUTH and EAP
// plug in here too; the exchanges never compute an AUTH payload themselves.
//
// Threads: called on the control thread, from inside IkeManager calls; an authenticator may
// be shared by several peers (it holds no per-exchange state).
#ifndef TUNNELISA_SRC_IKE_AUTH_AUTHENTICATOR_H_
#define TUNNELISA_SRC_IKE_AUTH_AUTHENTICATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/ike_crypto.h"
#include "ike/codec/cert_payload.h"
#include "ike/codec/id_payload.h"
#include "ike/codec/payload.h"
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"

namespace tunnelisa::ike {

//= https://www.rfc-editor.org/rfc/rfc7296#section-2.15
//# InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
// AuthInput: the octets one side signs (or MACs), in their three parts, and the negotiated PRF
// (which the pre-shared key method also keys with the secret).
struct AuthInput {
  crypto::PrfAlgorithm prf = crypto::PrfAlgorithm::kHmacSha256;
  std::span<const uint8_t> real_message;  // the side's IKE_SA_INIT message, as sent
  std::span<const uint8_t> nonce;         // the other side's nonce data
  std::span<const uint8_t> maced_id;      // prf(SK_px, the side's ID payload body)
  // crypto: the IKE manager's provider (PRF, signatures); never null.
  const IkeCryptoProvider* crypto = &OpenSslIkeCrypto();
  // now: the host's wall clock (certificate and CRL validity).
  WallTime now;
  // peer_hashes: the hash algorithms the peer announced in SIGNATURE_HASH_ALGORITHMS
  // (RFC 7427; empty when it sent none): which signatures it can verify (Create).
  std::span<const uint16_t> peer_hashes;
  // remote_id: the configured identity the peer must prove (Verify; null: any). Checked by
  // IkeManager as an exact ID match unless the authenticator MatchesRemoteId().
  const IdPayload* remote_id = nullptr;
  // ikev1_hash: IKEv1 only (empty for IKEv2): HASH_I or HASH_R of the side being proved
  // (RFC 2409 5). A signature method signs these octets themselves (SIG_I / SIG_R) instead of
  // real_message | nonce | maced_id, which are then unused.
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5.1
  //# SIG_I or SIG_R is the result of the negotiated digital signature algorithm applied to
  //# HASH_I or HASH_R respectively.
  std::span<const uint8_t> ikev1_hash;
  bool ikev1() const { return !ikev1_hash.empty(); }
};

// AuthCheck: the outcome of checking the peer: ok; failed, with the reason given in the
// auth-failure event ("AUTH payload does not match the pre-shared key", "certificate
// expired", ...); or pending (see Authenticator::Verify).
struct AuthCheck {
  enum class State : uint8_t { kOk, kFailed, kPending };
  State state = State::kFailed;
  std::string failure;
  bool ok() const { return state == State::kOk; }
  bool pending() const { return state == State::kPending; }
  static AuthCheck Ok() { return {State::kOk, {}}; }
  static AuthCheck Failed(std::string why) { return {State::kFailed, std::move(why)}; }
  static AuthCheck Pending() { return {State::kPending, {}}; }
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // name: for logs and `show` ("psk", "cert").
  virtual std::string_view name() const = 0;
  // Create: our AUTH payload over `in` (method and data). FailedPrecondition when this
  // authenticator cannot prove us (no secret or key).
  virtual absl::StatusOr<AuthPayload> Create(const AuthInput& in) const = 0;
  // Verify: the peer's AUTH payload `auth` over `in`, the peer claiming identity `id`, with the
  // other payloads of its IKE_AUTH message (`payloads`: CERT, CERTREQ...). The spans are valid
  // during the call only.
  // IKEv1 (AuthInput::ikev1_hash set): `auth` carries the SIG payload's data (its method
  // is the IKEv2 number of the signature kind, kRsaSignature for RSA) and `payloads` the CERT
  // payloads in IKEv2 form.
  // Pending: the check goes on elsewhere (a RADIUS server, an HSM, a slow verification); its
  // outcome comes back later through IkeManager::CompleteAuth(ticket, outcome, now), on the
  // control thread. Until then the exchange is suspended: the peer's retransmissions of that
  // request are not answered (earlier exchanges' still are, from the cache); after
  // IkeOptions::auth_timeout without an outcome it fails.
  virtual AuthCheck Verify(const AuthInput& in, const AuthPayload& auth, const IdPayload& id,
                           std::span<const Payload> payloads, uint64_t ticket) const = 0;
  // SameAs: `other` authenticates the same way with the same material (a configuration
  // change that keeps it keeps the peer's SAs).
  virtual bool SameAs(const Authenticator& other) const = 0;

  // Certificates (defaults: none). OwnCertificates: the CERT payloads sent before our AUTH
  // (our certificate first, then intermediates). CertRequest: the CERTREQ payload asking the
  // peer for certificates under our trust anchors (nullopt: none).
  virtual std::vector<CertPayload> OwnCertificates() const { return {}; }
  virtual std::optional<CertPayload> CertRequest() const { return std::nullopt; }
  // CertAuthorityDn: the DER distinguished name of the CA we trust, for IKEv1's CR payload,
  // which names a CA by its DN (RFC 2408 3.10) where IKEv2's CERTREQ hashes its key; empty:
  // none.
  virtual std::vector<uint8_t> CertAuthorityDn() const { return {}; }
  // UsesSignatures: we announce SIGNATURE_HASH_ALGORITHMS (RFC 7427) for this method.
  virtual bool UsesSignatures() const { return false; }
  // MatchesRemoteId: Verify itself checks AuthInput::remote_id (a certificate must carry it
  // as its subject DN or a subjectAltName), instead of IkeManager's exact ID comparison.
  virtual bool MatchesRemoteId() const { return false; }
  // PreSharedKey: the secret itself, for IKEv1, whose keys derive from it (RFC 2409 5:
  // "SKEYID = prf(pre-shared-key, Ni_b | Nr_b)") so that it cannot be a separate check;
  // nullptr for methods without one (the default).
  virtual const SecretBytes* PreSharedKey() const { return nullptr; }
};

// IkeAuthConfig: an IKE peer's two authenticators (see above). Both required.
struct IkeAuthConfig {
  std::shared_ptr<const Authenticator> own;   // proves us
  std::shared_ptr<const Authenticator> peer;  // checks the peer
  bool SameAs(const IkeAuthConfig& o) const;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_AUTHENTICATOR_H_
