// CertAuthenticator: certificate authentication for IKEv2 (see the header).
#include "ike/auth/cert_authenticator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "ike/auth/signature_methods.h"

namespace tunnelisa::ike {
namespace {

// Signed: the octets one side's AUTH signs (RFC 7296 2.15: RealMessage | NonceData | MACedID).
std::vector<uint8_t> Signed(const AuthInput& in) {
  std::vector<uint8_t> out;
  out.reserve(in.real_message.size() + in.nonce.size() + in.maced_id.size());
  out.insert(out.end(), in.real_message.begin(), in.real_message.end());
  out.insert(out.end(), in.nonce.begin(), in.nonce.end());
  out.insert(out.end(), in.maced_id.begin(), in.maced_id.end());
  return out;
}

std::string IdDescription(const IdPayload& id) {
  if (id.type == IdType::kDerAsn1Dn) {
    absl::StatusOr<std::string> dn = pki::DnToText(id.data);
    return dn.ok() ? StrCat("DN \"", *dn, "\"") : std::string("a malformed DN");
  }
  if (std::optional<IpAddress> a = id.address()) return a->ToString();
  if (std::optional<std::string_view> t = id.text()) return std::string(*t);
  return StrCat("an ID of type ", static_cast<int>(id.type));
}

// Reason: the short reason the auth-failure event names, then the detail.
std::string Reason(pki::VerifyFailure f) {
  switch (f) {
    case pki::VerifyFailure::kExpired:
      return "certificate expired";
    case pki::VerifyFailure::kNotYetValid:
      return "certificate not yet valid";
    case pki::VerifyFailure::kRevoked:
      return "certificate revoked";
    case pki::VerifyFailure::kUnknownCa:
      return "unknown CA";
    case pki::VerifyFailure::kTrustAnchorAbsent:
      return "trust anchor absent";
    case pki::VerifyFailure::kTrustAnchorDown:
      return "trust anchor unknown or shut";
    case pki::VerifyFailure::kBadKeyUsage:
      return "bad key usage";
    case pki::VerifyFailure::kBadSignature:
      return "bad certificate signature";
    case pki::VerifyFailure::kCrlUnavailable:
      return "CRL unavailable";
    case pki::VerifyFailure::kMalformed:
      return "malformed certificate";
    default:
      return "certificate refused";
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CertAuthenticator>> CertAuthenticator::Create(
    std::optional<CertOwn> own, std::optional<CertCheck> check) {
  if (!own && !check) return absl::InvalidArgumentError("certificate authentication: no role");
  if (own) {
    if (own->cert.empty() || own->key.empty()) {
      return absl::InvalidArgumentError("certificate authentication: no certificate or key");
    }
    if (!own->key.Matches(own->cert)) {
      return absl::InvalidArgumentError("the private key does not match the certificate");
    }
  }
  if (check && (check->verifier == nullptr || check->trust_anchor.empty())) {
    return absl::InvalidArgumentError("certificate authentication: no trust anchor");
  }
  return std::shared_ptr<const CertAuthenticator>(
      new CertAuthenticator(std::move(own), std::move(check)));
}

IdPayload CertAuthenticator::IdentityOf(const pki::Certificate& cert) {
  IdPayload id;
  id.type = IdType::kDerAsn1Dn;
  id.data = cert.SubjectDer();
  return id;
}

// RFC 4945 3.1 and 3.2: a DN identity is matched against the certificate's subject, the other
// types against a subjectAltName of the same kind.
absl::Status CertAuthenticator::IdMatches(const IdPayload& id, const pki::Certificate& cert) {
  const pki::SubjectAltNames san = cert.subject_alt_names();
  bool match = false;
  switch (id.type) {
    case IdType::kDerAsn1Dn:
      match = pki::DnEquals(id.data, cert.SubjectDer());
      break;
    case IdType::kFqdn:
      if (std::optional<std::string_view> t = id.text()) {
        match = std::any_of(san.dns.begin(), san.dns.end(), [&](const std::string& d) {
          return absl::EqualsIgnoreCase(d, absl::string_view(t->data(), t->size()));
        });
      }
      break;
    case IdType::kRfc822Addr:
      if (std::optional<std::string_view> t = id.text()) {
        match = std::any_of(san.email.begin(), san.email.end(), [&](const std::string& e) {
          return absl::EqualsIgnoreCase(e, absl::string_view(t->data(), t->size()));
        });
      }
      break;
    case IdType::kIpv4Addr:
    case IdType::kIpv6Addr:
      if (std::optional<IpAddress> a = id.address()) {
        match = std::find(san.ip.begin(), san.ip.end(), *a) != san.ip.end();
      }
      break;
    default:
      return absl::InvalidArgumentError(StrCat("ID mismatch: an ID of type ",
                                               static_cast<int>(id.type),
                                               " cannot be matched to a certificate"));
  }
  if (match) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat("ID mismatch: certificate \"", cert.SubjectText(),
                                           "\" does not carry ", IdDescription(id)));
}

absl::StatusOr<AuthPayload> CertAuthenticator::Create(const AuthInput& in) const {
  if (!own_) return absl::FailedPreconditionError("no certificate and key to authenticate with");
  if (in.ikev1()) {
    // RFC 2409 5.1 signs HASH_I / HASH_R as they are: PKCS#1 v1.5 padding without the
    // DigestInfo a hashed signature would carry (no hash is negotiated for the signature).
    if (own_->key.type() != pki::KeyType::kRsa) {
      return absl::FailedPreconditionError(StrCat("IKEv1 signs with RSA keys only (this key is ",
                                                  pki::KeyTypeName(own_->key.type()), ")"));
    }
    absl::StatusOr<std::vector<uint8_t>> sig =
        in.crypto->Sign(own_->key, in.ikev1_hash, {.rsa_pkcs1_raw = true});
    if (!sig.ok()) return sig.status();
    return AuthPayload{AuthMethod::kRsaSignature, *std::move(sig)};
  }
  absl::StatusOr<SignatureScheme> scheme =
      ChooseSignatureScheme(own_->key, in.peer_hashes, own_->rsa_pss);
  if (!scheme.ok()) return scheme.status();
  absl::StatusOr<std::vector<uint8_t>> sig =
      in.crypto->Sign(own_->key, Signed(in), scheme->options);
  if (!sig.ok()) return sig.status();
  absl::StatusOr<std::vector<uint8_t>> data = EncodeAuthData(own_->key.type(), *scheme, *sig);
  if (!data.ok()) return data.status();
  AuthPayload auth;
  auth.method = scheme->method;
  auth.data = *std::move(data);
  return auth;
}

absl::StatusOr<pki::Certificate> CertAuthenticator::CheckPeerCertificate(
    const AuthInput& in, const IdPayload& id, std::span<const Payload> payloads) const {
  if (!check_)
    return absl::FailedPreconditionError("no trust anchor to check a certificate against");
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.6
  //# The first certificate provided MUST contain the public key used to verify the AUTH
  //# field.
  std::vector<std::span<const uint8_t>> certs;
  for (const Payload& p : payloads) {
    if (p.type != PayloadType::kCert) continue;
    const auto* c = std::get_if<CertPayload>(&p.body);
    if (c == nullptr) continue;
    if (c->encoding != kCertX509Signature) {
      if (certs.empty()) {
        return absl::InvalidArgumentError(StrCat("certificate encoding ",
                                                 static_cast<int>(c->encoding),
                                                 " is not supported (X.509 Signature only)"));
      }
      continue;  // an intermediate we cannot use; the chain check says if it was needed
    }
    certs.push_back(c->data);
  }
  if (certs.empty()) {
    return absl::InvalidArgumentError("no certificate: the peer sent no CERT payload");
  }
  absl::StatusOr<pki::Certificate> peer = pki::Certificate::FromDer(certs.front());
  if (!peer.ok()) {
    return absl::InvalidArgumentError(StrCat("malformed certificate: ", peer.status().message()));
  }
  const std::span<const std::span<const uint8_t>> intermediates =
      std::span<const std::span<const uint8_t>>(certs).subspan(1);
  pki::VerifyResult chain = check_->verifier->Verify({.peer_cert = certs.front(),
                                                      .peer_parsed = &*peer,
                                                      .intermediates = intermediates,
                                                      .trust_anchor = check_->trust_anchor,
                                                      .now = in.now});
  if (!chain.ok()) {
    return absl::InvalidArgumentError(StrCat(Reason(chain.failure), ": ", chain.detail));
  }
  if (absl::Status s = IdMatches(id, *peer); !s.ok()) return s;
  if (in.remote_id != nullptr) {
    if (absl::Status s = IdMatches(*in.remote_id, *peer); !s.ok()) {
      return absl::InvalidArgumentError(StrCat(s.message(), " (the configured remote-id)"));
    }
  }
  return peer;
}

AuthCheck CertAuthenticator::Verify(const AuthInput& in, const AuthPayload& auth,
                                    const IdPayload& id, std::span<const Payload> payloads,
                                    uint64_t ticket) const {
  (void)ticket;  // answered at once: verification is local
  absl::StatusOr<pki::Certificate> peer = CheckPeerCertificate(in, id, payloads);
  if (!peer.ok()) return AuthCheck::Failed(std::string(peer.status().message()));
  const pki::PublicKey key = peer->public_key();
  if (in.ikev1()) {
    if (key.type() != pki::KeyType::kRsa) {
      return AuthCheck::Failed(StrCat("bad signature: IKEv1 signatures are RSA only, the key of \"",
                                      peer->SubjectText(), "\" is ", pki::KeyTypeName(key.type())));
    }
    if (absl::Status s = in.crypto->Verify(key, in.ikev1_hash, auth.data, {.rsa_pkcs1_raw = true});
        !s.ok()) {
      return AuthCheck::Failed(StrCat("bad signature: SIG does not verify with the key of \"",
                                      peer->SubjectText(), "\""));
    }
    return AuthCheck::Ok();
  }
  absl::StatusOr<DecodedAuth> decoded = DecodeAuth(auth, key.type());
  if (!decoded.ok())
    return AuthCheck::Failed(StrCat("bad signature: ", decoded.status().message()));
  if (absl::Status s = in.crypto->Verify(key, Signed(in), decoded->signature, decoded->options);
      !s.ok()) {
    return AuthCheck::Failed(StrCat("bad signature: AUTH (", decoded->description,
                                    ") does not verify with the key of \"", peer->SubjectText(),
                                    "\""));
  }
  return AuthCheck::Ok();
}

bool CertAuthenticator::SameAs(const Authenticator& other) const {
  const auto* o = dynamic_cast<const CertAuthenticator*>(&other);
  if (o == nullptr || own_.has_value() != o->own_.has_value() ||
      check_.has_value() != o->check_.has_value()) {
    return false;
  }
  if (own_ &&
      !(own_->cert == o->own_->cert && own_->key.public_key().Equals(o->own_->key.public_key()) &&
        own_->rsa_pss == o->own_->rsa_pss &&
        std::equal(own_->intermediates.begin(), own_->intermediates.end(),
                   o->own_->intermediates.begin(), o->own_->intermediates.end()))) {
    return false;
  }
  return !check_ || (check_->trust_anchor == o->check_->trust_anchor &&
                     check_->anchor_cert == o->check_->anchor_cert);
}

std::vector<CertPayload> CertAuthenticator::OwnCertificates() const { return own_certs_; }

//= https://www.rfc-editor.org/rfc/rfc2408#section-3.10
//# Certificate Authority (variable length) - Contains an encoding of an acceptable
//# certificate authority for the type of certificate requested.
std::vector<uint8_t> CertAuthenticator::CertAuthorityDn() const {
  return check_ && !check_->anchor_cert.empty() ? check_->anchor_cert.SubjectDer()
                                                : std::vector<uint8_t>();
}

//= https://www.rfc-editor.org/rfc/rfc7296#section-3.7
//# a concatenated list of SHA-1 hashes of the public keys of trusted Certification
//# Authorities (CAs). Each is encoded as the SHA-1 hash of the Subject Public Key Info
//# element
std::optional<CertPayload> CertAuthenticator::CertRequest() const { return cert_request_; }

CertAuthenticator::CertAuthenticator(std::optional<CertOwn> own, std::optional<CertCheck> check)
    : own_(std::move(own)), check_(std::move(check)) {
  // Encoded once: every IKE_AUTH sends them.
  if (own_) {
    own_certs_.push_back({kCertX509Signature, own_->cert.Der()});
    for (const pki::Certificate& c : own_->intermediates) {
      own_certs_.push_back({kCertX509Signature, c.Der()});
    }
  }
  if (check_ && !check_->anchor_cert.empty()) {
    const std::array<uint8_t, 20> hash = check_->anchor_cert.SpkiSha1();
    cert_request_ = CertPayload{kCertX509Signature, std::vector<uint8_t>(hash.begin(), hash.end())};
  }
}

}  // namespace tunnelisa::ike
