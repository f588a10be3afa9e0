// How phase 1 proves each side, for Main Mode and Aggressive Mode alike (RFC 2409 5): with a
// pre-shared key the HASH_I / HASH_R payload itself; with RSA signatures (method 3, RFC 2409
// 5.1) our CERT payloads and SIG_I / SIG_R, the authenticator's signature of that hash, and a
// CR naming the CA we trust. The signature and certificate work is the Authenticator's (the
// same CertAuthenticator as IKEv2's, AuthInput::ikev1_hash); this file only moves payloads.
//
//   Main Mode, signatures                     Aggressive Mode, signatures
//   HDR, SA                      -->          HDR, SA, KE, Ni, IDii [, CR]          -->
//                                <--   HDR, SA           <--  HDR, SA, KE, Nr, IDir, [CERT,]
//   HDR, KE, Ni [, CR]           -->                          SIG_R [, CR]
//                                <--   HDR, KE, Nr [, CR]     HDR*, [CERT,] SIG_I   -->
//   HDR*, IDii, [CERT,] SIG_I    -->
//                                <--   HDR*, IDir, [CERT,] SIG_R

#include "common/str_cat.h"
#include "ike/codec/v1/v1_payload.h"
#include "ike/v1/exchange_util.h"
#include "ike/v1/ikev1_manager.h"

namespace tunnelisa::ike::v1 {

bool Ikev1Manager::UsesSignatures(const IkePeerConfig& peer) {
  return peer.auth.own != nullptr && peer.auth.own->PreSharedKey() == nullptr &&
         peer.auth.own->UsesSignatures();
}

std::string Ikev1Manager::Phase1AuthProblem(const IkePeerConfig& peer) {
  if (peer.auth.own == nullptr || peer.auth.peer == nullptr) {
    return "IKEv1 needs an authentication method for both sides";
  }
  if (peer.auth.own->PreSharedKey() != nullptr) {
    // The key is in SKEYID: both sides prove the same one.
    if (peer.auth.peer != peer.auth.own) {
      return "IKEv1 negotiates one authentication method for both sides (pre-shared key)";
    }
    return "";
  }
  if (!peer.auth.own->UsesSignatures() || !peer.auth.peer->UsesSignatures()) {
    return "IKEv1 authenticates with a pre-shared key or with certificates, the same both ways";
  }
  if (peer.xauth_verifier != nullptr || peer.xauth_login.has_value()) {
    return "XAUTH with certificates (hybrid authentication, methods 65001-65006 with RSA) is not "
           "supported: IKEv1 XAUTH goes with a pre-shared key";
  }
  return "";
}

void Ikev1Manager::AddCertRequest(const IkePeerConfig& peer, std::vector<V1Payload>& out) const {
  if (!UsesSignatures(peer)) return;
  // RFC 2408 3.10: a CR asks the peer for its certificate under the CA it names. Main Mode
  // sends it with KE and the nonce (messages 3 and 4), Aggressive Mode in messages 1 and 2,
  // where other implementations send and expect it. A CR we receive changes nothing: we
  // always send our certificate.
  V1CertReqPayload cr;
  cr.type = V1CertEncoding::kX509Signature;
  cr.authority = peer.auth.peer->CertAuthorityDn();
  out.push_back(V1Payload::Make(V1PayloadType::kCertReq, std::move(cr)));
}

absl::Status Ikev1Manager::AddOurProof(const V1Sa& sa, V1Side side,
                                       std::span<const uint8_t> id_body,
                                       std::vector<V1Payload>& out) const {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || peer->auth.own == nullptr) {
    return absl::FailedPreconditionError("tunnel removed");
  }
  absl::StatusOr<SecretBytes> hash = Phase1HashOf(sa, side, id_body);
  if (!hash.ok()) return hash.status();
  if (!UsesSignatures(*peer)) {
    out.push_back(V1Payload::Make(V1PayloadType::kHash,
                                  V1HashPayload{{hash->span().begin(), hash->span().end()}}));
    return absl::OkStatus();
  }
  AuthInput in;
  in.crypto = &crypto_;
  in.now = host_->WallNow();
  in.ikev1_hash = hash->span();
  absl::StatusOr<AuthPayload> sig = peer->auth.own->Create(in);
  if (!sig.ok()) return sig.status();
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5.1
  //# HDR*, IDii, [ CERT, ] SIG_I
  for (CertPayload& c : peer->auth.own->OwnCertificates()) {
    out.push_back(
        V1Payload::Make(V1PayloadType::kCert,
                        V1CertPayload{static_cast<V1CertEncoding>(c.encoding), std::move(c.data)}));
  }
  out.push_back(V1Payload::Make(V1PayloadType::kSig, V1SigPayload{std::move(sig->data)}));
  return absl::OkStatus();
}

Ikev1Manager::PeerProof Ikev1Manager::CheckPeerProof(const V1Sa& sa, V1Side side,
                                                     const IdPayload& peer_id,
                                                     std::span<const uint8_t> id_body,
                                                     std::span<const V1Payload> payloads) const {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || peer->auth.peer == nullptr) {
    return {"tunnel removed", V1NotifyType::kAuthenticationFailed};
  }
  const char* whose = side == V1Side::kInitiator ? "HASH_I" : "HASH_R";
  absl::StatusOr<SecretBytes> expected = Phase1HashOf(sa, side, id_body);
  if (!UsesSignatures(*peer)) {
    if (!HashMatches(expected, FindV1<V1HashPayload>(payloads, V1PayloadType::kHash))) {
      return {StrCat(whose, " does not match the pre-shared key"),
              V1NotifyType::kAuthenticationFailed};
    }
    return {};
  }
  if (!expected.ok()) {
    return {std::string(expected.status().message()), V1NotifyType::kAuthenticationFailed};
  }
  const V1SigPayload* sig = FindV1<V1SigPayload>(payloads, V1PayloadType::kSig);
  if (sig == nullptr) {
    return {StrCat("no SIG payload (", side == V1Side::kInitiator ? "SIG_I" : "SIG_R",
                   "): the peer does not authenticate with signatures"),
            V1NotifyType::kAuthenticationFailed};
  }
  // The certificates in IKEv2 form, for the authenticator both versions share.
  std::vector<Payload> certs;
  for (const V1Payload& p : payloads) {
    if (const V1CertPayload* c = p.As<V1CertPayload>()) {
      certs.push_back(Payload::Make(PayloadType::kCert,
                                    CertPayload{static_cast<uint8_t>(c->encoding), c->data}));
    }
  }
  AuthInput in;
  in.crypto = &crypto_;
  in.now = host_->WallNow();
  in.ikev1_hash = expected->span();
  if (peer->remote_id) in.remote_id = &*peer->remote_id;
  const AuthPayload auth{AuthMethod::kRsaSignature, sig->data};
  AuthCheck check = peer->auth.peer->Verify(in, auth, peer_id, certs, 0);
  if (check.pending()) {
    return {"the certificate check cannot wait in IKEv1 phase 1",
            V1NotifyType::kAuthenticationFailed};
  }
  if (!check.ok()) {
    // RFC 2408 5.12 / 3.14.1: a signature that does not verify is INVALID-SIGNATURE; a
    // certificate or identity we refuse, AUTHENTICATION-FAILED.
    const bool bad_sig = check.failure.starts_with("bad signature");
    return {std::move(check.failure),
            bad_sig ? V1NotifyType::kInvalidSignature : V1NotifyType::kAuthenticationFailed};
  }
  return {};
}

}  // namespace tunnelisa::ike::v1
