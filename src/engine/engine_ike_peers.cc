// The IKE view of the configuration (DESIGN.md: config builds the model, IKE never reads it):
// an IkePeerConfig for each dynamic-keying ipsec-tunnel and each ipsec-gw. Control path.
#include "common/str_cat.h"
#include "engine/engine_impl.h"
#include "engine/engine_pki.h"
#include "ike/auth/cert_authenticator.h"
#include "ike/v1/v1_proposals.h"

namespace tunnelisa {
namespace {

ike::IdPayload IdFor(const config::IkeIdentity& id) {
  ike::IdPayload p;
  p.type = static_cast<ike::IdType>(id.WireType());
  p.data = id.WireData();
  return p;
}

// IkePeerCommon: what tunnels and gateways share: the ike-policy (IKEv1 or IKEv2), the
// authenticators (pre-shared key, certificates: engine_pki.cc), identities, the transforms (their
// first one's ipsec-lifetime wins over the policy's), lifetimes and DPD. `what` names the object in
// the reasons ("dynamic-keying", "ipsec-gw").
absl::StatusOr<ike::IkePeerConfig> IkePeerCommon(
    const config::Config& config, std::string_view what, std::optional<uint32_t> ike_policy,
    const std::optional<config::ConfigSecret>& psk, const std::optional<config::CertAuth>& cert,
    const EnginePki* pki, const IpAddress& local,
    const std::optional<config::IkeIdentity>& local_id,
    const std::optional<config::IkeIdentity>& remote_id, std::span<const uint32_t> transforms,
    const std::optional<config::Dpd>& dpd) {
  ike::IkePeerConfig p;
  auto policy = ike_policy ? config.ike_policies.find(*ike_policy) : config.ike_policies.end();
  if (policy == config.ike_policies.end()) {
    return absl::FailedPreconditionError(StrCat("no SA: ", what, " has no ike-policy"));
  }
  const config::IkePolicy& ip = policy->second;
  if (ip.ike_version != 1 && ip.ike_version != 2) {
    return absl::FailedPreconditionError(
        StrCat("no SA: ike-policy ", ip.id, " is ike-version ", static_cast<int>(ip.ike_version)));
  }
  absl::StatusOr<IkeAuthSetup> auth = IkeAuthFor(what, ip, psk, cert, pki);
  if (!auth.ok()) return auth.status();
  p.auth = std::move(auth->auth);
  p.local = local;
  // A configured local-id wins; with certificates the identity is the certificate's subject
  // (the guide: "the SR OS will use the subject of the configured certificate as its ID").
  p.local_id = local_id         ? IdFor(*local_id)
               : auth->local_id ? *auth->local_id
                                : ike::IdPayload::FromAddress(local);
  if (remote_id) p.remote_id = IdFor(*remote_id);
  p.ike = {ip.encryption_algorithm, ip.auth_algorithm, ip.dh_group};
  p.ike_version = ip.ike_version;
  p.aggressive = ip.ike_version == 1 && ip.ike_mode == config::IkeMode::kAggressive;
  if (absl::Status s =
          ip.ike_version == 1 ? ike::v1::ValidateV1Policy(p.ike) : ike::ValidateIkePolicy(p.ike);
      !s.ok()) {
    return absl::FailedPreconditionError(StrCat("no SA: ike-policy ", ip.id, ": ", s.message()));
  }
  // IKEv1 negotiates one method for both sides: the pre-shared key, or certificates with RSA
  // signatures (RFC 2409 5.1; its ECDSA methods, RFC 4754, are not supported).
  if (ip.ike_version == 1) {
    const bool psk_both =
        p.auth.own != nullptr && p.auth.own->PreSharedKey() != nullptr && p.auth.peer == p.auth.own;
    const auto* cert_auth = dynamic_cast<const ike::CertAuthenticator*>(p.auth.own.get());
    const bool cert_both =
        cert_auth != nullptr && p.auth.peer == p.auth.own && cert_auth->own() && cert_auth->check();
    if (!psk_both && !cert_both) {
      return absl::FailedPreconditionError(
          StrCat("no SA: ike-policy ", ip.id,
                 ": IKEv1 authenticates with a pre-shared key or with certificates, the same "
                 "both ways"));
    }
    if (cert_both && cert_auth->own()->key.type() != pki::KeyType::kRsa) {
      return absl::FailedPreconditionError(
          StrCat("no SA: ike-policy ", ip.id,
                 ": IKEv1 signs with RSA keys only (the certificate's key is ",
                 pki::KeyTypeName(cert_auth->own()->key.type()), ")"));
    }
  }
  Duration child_life = Duration::Seconds(ip.ipsec_lifetime_s);
  for (uint32_t id : transforms) {
    auto tr = config.ipsec_transforms.find(id);
    if (tr == config.ipsec_transforms.end()) continue;
    p.child.push_back({tr->second.suite(), tr->second.pfs_dh_group});
    if (tr->second.ipsec_lifetime_s && p.child.size() == 1) {
      child_life = Duration::Seconds(*tr->second.ipsec_lifetime_s);
    }
  }
  if (p.child.empty()) {
    return absl::FailedPreconditionError(StrCat("no SA: ", what, " has no ipsec-transform"));
  }
  if (absl::Status s = ike::ValidateChildPolicies(p.child); !s.ok()) {
    return absl::FailedPreconditionError(StrCat("no SA: ipsec-transform: ", s.message()));
  }
  p.ike_lifetime = Duration::Seconds(ip.isakmp_lifetime_s);
  p.child_lifetime = child_life;
  const std::optional<config::Dpd>& effective_dpd = dpd ? dpd : ip.dpd;
  if (effective_dpd) {
    p.dpd = ike::DpdPolicy{Duration::Seconds(effective_dpd->interval_s), effective_dpd->max_retries,
                           effective_dpd->reply_only};
  }
  return p;
}

}  // namespace

absl::StatusOr<ike::IkePeerConfig> IkePeerForTunnel(
    const config::Config& config, const config::IpsecTunnel& t,
    const config::DynamicKeying& dynamic, std::vector<IpPrefix> local_ts,
    std::vector<IpPrefix> remote_ts, const config::TunnelGroup* group, const EnginePki* pki) {
  absl::StatusOr<ike::IkePeerConfig> p = IkePeerCommon(
      config, "dynamic-keying", dynamic.ike_policy, dynamic.pre_shared_key, dynamic.cert, pki,
      *t.local_gateway_address, dynamic.local_id, dynamic.remote_id, dynamic.transforms, t.dpd);
  if (!p.ok()) return p;
  p->remote = *t.peer;
  p->local_ts = std::move(local_ts);
  p->remote_ts = std::move(remote_ts);
  p->auto_establish = dynamic.auto_establish;
  p->request_address = dynamic.request_address;
  if (!dynamic.xauth_user.empty() && dynamic.xauth_password) {
    p->xauth_login = ike::XauthLogin{
        dynamic.xauth_user,
        std::make_shared<const SecretBytes>(dynamic.xauth_password->bytes().Clone())};
  }
  if (dynamic.eap_identity && dynamic.eap_password) {
    p->eap_client = ike::EapCredentials{
        *dynamic.eap_identity,
        std::make_shared<const SecretBytes>(dynamic.eap_password->bytes().Clone())};
  }
  p->responder_only = group != nullptr && group->ipsec_responder_only;
  return p;
}

absl::StatusOr<ike::IkePeerConfig> IkePeerForGw(const config::Config& config,
                                                const config::IpsecGw& gw, const EnginePki* pki) {
  if (!gw.gateway_address) return absl::FailedPreconditionError("no gateway-address");
  if (!gw.default_secure_service) {
    return absl::FailedPreconditionError("no default-secure-service");
  }
  auto tmpl = gw.default_tunnel_template ? config.tunnel_templates.find(*gw.default_tunnel_template)
                                         : config.tunnel_templates.end();
  if (tmpl == config.tunnel_templates.end()) {
    return absl::FailedPreconditionError("no default-tunnel-template");
  }
  // Any remote and any traffic selectors: the peer's are taken as offered and routed to it.
  absl::StatusOr<ike::IkePeerConfig> p = IkePeerCommon(
      config, "ipsec-gw", gw.ike_policy, gw.pre_shared_key, gw.cert, pki, *gw.gateway_address,
      gw.local_id, gw.remote_id, tmpl->second.transforms, gw.dpd);
  if (!p.ok()) return p;
  p->responder_only = true;  // a concentrator answers; it never knows whom to call
  return p;
}

}  // namespace tunnelisa
