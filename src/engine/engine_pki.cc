// EnginePki and the IKE authenticators of a tunnel (see engine_pki.h).
#include "engine/engine_pki.h"

#include "common/str_cat.h"
#include "ike/auth/cert_authenticator.h"
#include "ike/auth/psk_authenticator.h"

namespace tunnelisa {
namespace {

// Intermediates: the CA certificates between `cert` and its root among the loaded
// ca-profiles, issuer by issuer (RFC 7296 3.6: the peer may need them to build the chain; a
// root is left out, the peer has it or cannot trust it anyway).
std::vector<pki::Certificate> Intermediates(const pki::Certificate& cert,
                                            const config::PkiMaterial& material) {
  std::vector<pki::Certificate> chain;
  const pki::Certificate* at = &cert;
  for (int depth = 0; depth < 8; ++depth) {
    const pki::Certificate* issuer = nullptr;
    for (const pki::CaProfile& p : material.ca_profiles) {
      if (pki::DnEquals(p.certificate().SubjectDer(), at->IssuerDer()) &&
          !(p.certificate() == *at)) {
        issuer = &p.certificate();
        break;
      }
    }
    if (issuer == nullptr || issuer->is_self_signed()) break;
    chain.push_back(*issuer);
    at = &chain.back();
  }
  return chain;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const EnginePki>> LoadEnginePki(const config::Config& config,
                                                               const pki::PkiStore* store) {
  if (!config::UsesPkiFiles(config)) return std::shared_ptr<const EnginePki>();
  if (store == nullptr) {
    return absl::FailedPreconditionError(
        "the configuration names PKI files (ca-profile, cert) but the engine has no PKI "
        "directory (EngineOptions::pki_store; tunnelisa run --pki-dir)");
  }
  config::PkiResolution r = config::ResolvePkiFiles(config, *store);
  if (!r.ok()) {
    std::string message = "PKI files refused:";
    for (const config::Diagnostic& d : r.errors) message += StrCat(" ", d.message, ";");
    message.pop_back();
    return absl::InvalidArgumentError(message);
  }
  auto pki = std::make_shared<EnginePki>();
  absl::StatusOr<std::unique_ptr<pki::ChainVerifier>> verifier =
      pki::ChainVerifier::Create(r.material.ca_profiles);
  if (!verifier.ok()) return verifier.status();
  pki->verifier = std::shared_ptr<const pki::ChainVerifier>(*std::move(verifier));
  pki->material = std::move(r.material);
  return std::shared_ptr<const EnginePki>(std::move(pki));
}

absl::StatusOr<IkeAuthSetup> IkeAuthFor(std::string_view what, const config::IkePolicy& policy,
                                        const std::optional<config::ConfigSecret>& psk,
                                        const std::optional<config::CertAuth>& cert,
                                        const EnginePki* pki) {
  // The remote-access methods check users through RADIUS. IKEv2's `eap` relays the client's
  // EAP to RADIUS (engine_eap.h): the gateway proves itself with `own` and no AUTH of the
  // client counts (auth.peer stays null). psk-radius and cert-radius want the client's key or
  // certificate and then EAP, two authentications of one IKE SA (RFC 4739), which IKE does not
  // do yet: such a gateway stays down with the reason rather than letting a client in on half
  // of its authentication. plain-psk-xauth: phase 1 is the pre-shared key both ways; the
  // gateway checks the user afterwards (XAUTH through RADIUS: engine_gw.cc ReconcileXauth).
  if (policy.auth_method == config::IkeAuthMethod::kPskRadius ||
      policy.auth_method == config::IkeAuthMethod::kCertRadius) {
    return absl::FailedPreconditionError(StrCat(
        "no SA: auth-method ", config::IkeAuthMethodName(policy.auth_method),
        " needs two client authentications in one IKE SA (RFC 4739: the client's ",
        policy.auth_method == config::IkeAuthMethod::kPskRadius ? "pre-shared key" : "certificate",
        ", then EAP), which this engine does not support yet; auth-method eap works"));
  }
  const config::IkeAuthMethod own = config::OwnAuthMethod(policy);
  const std::optional<config::IkeAuthMethod> peer = config::PeerProof(policy.auth_method);
  IkeAuthSetup setup;
  std::shared_ptr<const ike::Authenticator> psk_auth;
  if (own == config::IkeAuthMethod::kPsk || peer == config::IkeAuthMethod::kPsk) {
    if (!psk)
      return absl::FailedPreconditionError(StrCat("no SA: ", what, " has no pre-shared-key"));
    psk_auth = std::make_shared<const ike::PskAuthenticator>(
        std::make_shared<const SecretBytes>(psk->bytes().Clone()));
  }
  std::optional<ike::CertOwn> cert_own;
  std::optional<ike::CertCheck> cert_check;
  const bool own_cert = own == config::IkeAuthMethod::kCertAuth;
  const bool peer_cert = peer == config::IkeAuthMethod::kCertAuth;
  if (own_cert || peer_cert) {
    if (!cert) return absl::FailedPreconditionError(StrCat("no SA: ", what, " has no cert block"));
    if (pki == nullptr) return absl::FailedPreconditionError("no SA: no PKI directory");
  }
  if (own_cert) {
    auto c = pki->material.certs.find(cert->cert);
    auto k = pki->material.keys.find(cert->key);
    if (c == pki->material.certs.end() || k == pki->material.keys.end()) {
      return absl::FailedPreconditionError(
          StrCat("no SA: cert \"", cert->cert, "\" or key \"", cert->key, "\" not loaded"));
    }
    cert_own = ike::CertOwn{c->second, k->second, Intermediates(c->second, pki->material)};
    setup.local_id = ike::CertAuthenticator::IdentityOf(c->second);
  }
  if (peer_cert) {
    const pki::CaProfile* anchor = pki->material.FindCaProfile(cert->trust_anchor);
    if (anchor == nullptr || anchor->shutdown()) {
      return absl::FailedPreconditionError(
          StrCat("no SA: trust-anchor \"", cert->trust_anchor, "\" is unknown or shut down"));
    }
    cert_check = ike::CertCheck{pki->verifier, cert->trust_anchor, anchor->certificate()};
  }
  std::shared_ptr<const ike::Authenticator> cert_auth;
  if (cert_own || cert_check) {
    absl::StatusOr<std::shared_ptr<const ike::CertAuthenticator>> a =
        ike::CertAuthenticator::Create(std::move(cert_own), std::move(cert_check));
    if (!a.ok()) return absl::FailedPreconditionError(StrCat("no SA: ", a.status().message()));
    cert_auth = *std::move(a);
  }
  setup.auth.own = own_cert ? cert_auth : psk_auth;
  setup.auth.peer = peer_cert                             ? cert_auth
                    : peer == config::IkeAuthMethod::kPsk ? psk_auth
                                                          : nullptr;
  return setup;
}

}  // namespace tunnelisa
