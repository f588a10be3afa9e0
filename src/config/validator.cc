// The guide's static rules. Each check names the rule it enforces; validator_test.cc has one
// test per rule.
#include "tunnelisa/config/validator.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "config/object_path.h"
#include "config/pki_names.h"
#include "config/validator_remote_access.h"

namespace tunnelisa::config {
namespace {

using internal::Quote;

bool NameOk(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool SecretTextOk(const ConfigSecret& s) {
  if (s.empty() || s.size() > 64) return false;
  for (uint8_t c : s.bytes().span()) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string Family(const IpAddress& a) { return a.is_v4() ? "IPv4" : "IPv6"; }

// IdProblem: "" if the optional `local-id` / `remote-id` is valid, else the message (as the
// parser words it: "invalid local-id fqdn 'a..b': a label is empty").
std::string IdProblem(std::string_view keyword, const std::optional<IkeIdentity>& id) {
  if (!id) return "";
  std::string reason = id->Check();
  if (reason.empty()) return "";
  std::string shown = id->value.size() <= 40 ? id->value : id->value.substr(0, 40) + "...";
  return StrCat("invalid ", keyword, " ", IkeIdentityTypeName(id->type), " '", shown,
                "': ", reason);
}

class Validator {
 public:
  explicit Validator(const Config& c) : c_(c) {}

  ValidationReport Run() {
    for (const auto& [name, p] : c_.ca_profiles) CheckCaProfile(name, p);
    for (const auto& [id, g] : c_.tunnel_groups) CheckTunnelGroup(g);
    for (const auto& [id, p] : c_.ike_policies) CheckIkePolicy(p);
    for (const auto& [id, t] : c_.ipsec_transforms) CheckTransform(t);
    for (const auto& [id, t] : c_.tunnel_templates) CheckTemplate(t);
    remote_access_.CheckRadius();
    CollectSaps();
    std::map<std::string, uint32_t> names;
    for (const auto& [id, s] : c_.services) {
      if (s.id != id) Error(internal::ServicePath(id), "", "service id does not match its key");
      if (!s.name.empty()) {
        if (!NameOk(s.name)) Error(internal::ServicePath(id), "", "invalid service name");
        auto [it, fresh] = names.emplace(s.name, id);
        if (!fresh) {
          Error(internal::ServicePath(id), "",
                absl::StrCat("service name ", Quote(s.name), " is already used by service ",
                             it->second));
        }
      }
      CheckService(s);
    }
    return std::move(report_);
  }

 private:
  void Error(const std::string& object, std::string_view field, std::string message) {
    report_.errors.push_back({object, std::string(field), std::move(message)});
  }
  void Down(const std::string& object, std::string_view field, std::string message) {
    report_.oper_down.push_back({object, std::string(field), std::move(message)});
  }

  // ---- system security pki ------------------------------------------------------------------

  // CheckFileName: a PKI directory file name (`cert-file`, `crl-file`, `cert`, `key`).
  void CheckFileName(const std::string& path, std::string_view field, const std::string& name) {
    if (name.empty()) return;  // not set
    std::string problem = internal::PkiFileNameProblem(name);
    if (!problem.empty()) Error(path, field, StrCat("invalid ", field, ": ", problem));
  }

  void CheckCaProfile(const std::string& key, const CaProfile& p) {
    std::string path = internal::CaProfilePath(key);
    if (p.name != key) Error(path, "", "ca-profile name does not match its key");
    if (!NameOk(p.name)) Error(path, "", "ca-profile names are 1..64 printable characters");
    CheckFileName(path, "cert-file", p.cert_file);
    CheckFileName(path, "crl-file", p.crl_file);
    // The guide's ca-profile is a CA certificate and its CRLv2: an enabled profile without
    // either could not verify a chain or a revocation.
    if (p.admin == AdminState::kUp && (p.cert_file.empty() || p.crl_file.empty())) {
      std::string_view missing = p.cert_file.empty() && p.crl_file.empty()
                                     ? "cert-file and crl-file"
                                 : p.cert_file.empty() ? "cert-file"
                                                       : "crl-file";
      Error(path, "shutdown",
            StrCat("ca-profile ", Quote(p.name), " needs ", missing, " to be in no shutdown"));
    }
  }

  // ---- isa ----------------------------------------------------------------------------------

  void CheckTunnelGroup(const TunnelGroup& g) {
    std::string path = internal::TunnelGroupPath(g.id);
    if (g.id < 1 || g.id > kMaxTunnelGroupId) {
      Error(path, "", absl::StrCat("tunnel-group id must be 1..", kMaxTunnelGroupId));
    }
    if (g.mode == TunnelGroupMode::kSingleActive) {
      if (!g.mdas.empty()) Error(path, "mda", "'mda' is for multi-active tunnel groups");
      if (!g.primary) {
        Down(path, "", "no primary ISA is configured");
      } else if (g.backup && *g.backup == *g.primary) {
        Error(path, "backup",
              absl::StrCat("backup ISA ", g.backup->ToString(),
                           " is also the primary ISA of this tunnel group"));
      }
    } else {
      if (g.primary || g.backup) {
        Error(path, g.primary ? "primary" : "backup",
              "'primary' and 'backup' are for single-active tunnel groups; a multi-active "
              "group lists its ISAs with 'mda'");
      }
      if (g.active_mda_number < 1 || g.active_mda_number > kMaxTunnelGroupId) {
        Error(path, "active-mda-number",
              absl::StrCat("active-mda-number must be 1..", kMaxTunnelGroupId));
      }
      if (g.mdas.empty()) {
        Down(path, "", "no ISA is configured (mda)");
      } else if (g.mdas.size() < g.active_mda_number) {
        Down(path, "active-mda-number",
             absl::StrCat("active-mda-number ", g.active_mda_number, " exceeds the ", g.mdas.size(),
                          " configured ISAs"));
      }
    }
  }

  // ---- ipsec --------------------------------------------------------------------------------

  void CheckIkePolicy(const IkePolicy& p) {
    std::string path = internal::IkePolicyPath(p.id);
    if (p.ike_version != 1 && p.ike_version != 2) {
      Error(path, "ike-version", "ike-version must be 1 or 2");
    }
    if (p.ike_mode == IkeMode::kAggressive && p.ike_version == 2) {
      Error(path, "ike-mode", "ike-mode aggressive exists in IKEv1 only (ike-version 1)");
    }
    const EncryptionInfo& enc = GetEncryptionInfo(p.encryption_algorithm);
    if (p.encryption_algorithm == EncryptionAlgorithm::kNull) {
      Error(path, "encryption-algorithm", "an ike-policy needs an encryption-algorithm");
    } else if (enc.aead && p.ike_version == 1) {
      Error(path, "encryption-algorithm",
            absl::StrCat("encryption-algorithm ", std::string(enc.name),
                         " is an AEAD cipher, which IKE supports in version 2 only"));
    }
    if (p.auth_algorithm == IntegrityAlgorithm::kNone) {
      Error(path, "auth-algorithm", "an ike-policy needs an auth-algorithm (it is also the PRF)");
    }
    // Certificates work with both versions (IKEv1: RSA signatures, RFC 2409 5.1); asymmetric
    // authentication is IKEv2's only (IKEv1 negotiates one method for both sides). XAUTH is
    // an IKEv1 extension; IKEv2 authenticates users with EAP instead.
    if (p.own_auth_method && UsesRadius(*p.own_auth_method)) {
      Error(path, "own-auth-method",
            StrCat("own-auth-method ", IkeAuthMethodName(*p.own_auth_method),
                   " is not allowed: this side authenticates with psk or cert-auth"));
    }
    auto version_error = [&](IkeAuthMethod m, std::string_view keyword) {
      const uint8_t need = IkeAuthMethodVersion(m);
      if (need == 0 || need == p.ike_version || (p.ike_version != 1 && p.ike_version != 2)) {
        return false;
      }
      std::string_view why = m == IkeAuthMethod::kPlainPskXauth
                                 ? "XAUTH is an IKEv1 extension (IKEv2 checks users with EAP: "
                                   "psk-radius, cert-radius, eap)"
                                 : "EAP is IKEv2's (IKEv1 checks users with XAUTH: "
                                   "plain-psk-xauth)";
      Error(path, keyword,
            StrCat(keyword, " ", IkeAuthMethodName(m), " needs ike-version ", need, ": ", why));
      return true;
    };
    if (!version_error(p.auth_method, "auth-method") && p.own_auth_method) {
      if (!version_error(*p.own_auth_method, "own-auth-method") && p.ike_version == 1 &&
          PeerProof(p.auth_method) != *p.own_auth_method) {
        Error(path, "own-auth-method",
              StrCat("own-auth-method ", IkeAuthMethodName(*p.own_auth_method),
                     " needs ike-version 2: IKEv1 negotiates one authentication method for "
                     "both sides"));
      }
    }
  }

  void CheckTransform(const IpsecTransform& t) {
    std::string path = internal::TransformPath(t.id);
    const EncryptionInfo& enc = GetEncryptionInfo(t.esp_encryption_algorithm);
    if (enc.aead && t.esp_auth_algorithm && *t.esp_auth_algorithm != IntegrityAlgorithm::kNone) {
      Error(path, "esp-auth-algorithm",
            absl::StrCat("esp-encryption-algorithm ", std::string(enc.name),
                         " authenticates by itself; esp-auth-algorithm must be none"));
    }
    if (!enc.aead && t.suite().integ == IntegrityAlgorithm::kNone) {
      Error(path, "esp-auth-algorithm",
            "ESP needs authentication: esp-auth-algorithm none needs an AEAD "
            "esp-encryption-algorithm");
    }
  }

  void CheckTemplate(const TunnelTemplate& t) {
    std::string path = internal::TunnelTemplatePath(t.id);
    if (t.transforms.size() > 4) Error(path, "transform", "at most 4 transforms");
    for (uint32_t id : t.transforms) CheckTransformRef(path, id);
  }

  void CheckTransformRef(const std::string& path, uint32_t id) {
    if (!c_.ipsec_transforms.contains(id)) {
      Error(path, absl::StrCat("transform ", id),
            absl::StrCat("ipsec-transform ", id, " does not exist"));
    }
  }

  // CheckIds: local-id / remote-id values (tunnelisa extension; docs/configuration.md).
  void CheckIds(const std::string& path, const std::optional<IkeIdentity>& local_id,
                const std::optional<IkeIdentity>& remote_id) {
    for (auto [keyword, id] :
         {std::pair{"local-id", &local_id}, std::pair{"remote-id", &remote_id}}) {
      std::string problem = IdProblem(keyword, *id);
      if (!problem.empty()) Error(path, keyword, std::move(problem));
    }
  }

  void CheckIkePolicyRef(const std::string& path, uint32_t id) {
    if (!c_.ike_policies.contains(id)) {
      Error(path, "ike-policy", absl::StrCat("ike-policy ", id, " does not exist"));
    }
  }

  // CheckAuth: what a tunnel's dynamic-keying or an ipsec-gw needs for the authentication
  // methods of its ike-policy (psk both ways when the policy is missing, its default): the
  // pre-shared key when either side uses psk (a missing one keeps the tunnel down, as before
  // certificates existed); when this side uses cert-auth, the cert block's cert and key; when
  // the peer does, its trust-anchor, a ca-profile that exists and is not shut down.
  // `no_psk` is the operationally-down reason for a missing key.
  void CheckAuth(const std::string& path, std::string_view psk_field, std::string no_psk,
                 std::optional<uint32_t> policy_id, const std::optional<ConfigSecret>& psk,
                 const std::optional<CertAuth>& cert) {
    auto policy = policy_id ? c_.ike_policies.find(*policy_id) : c_.ike_policies.end();
    // `peer`: what the peer's AUTH payload is checked with (nullopt: EAP only).
    std::optional<IkeAuthMethod> peer = IkeAuthMethod::kPsk;
    IkeAuthMethod own = IkeAuthMethod::kPsk;
    if (policy != c_.ike_policies.end()) {
      peer = PeerProof(policy->second.auth_method);
      own = OwnAuthMethod(policy->second);
    }
    if (!psk) {
      if (peer == IkeAuthMethod::kPsk || own == IkeAuthMethod::kPsk) {
        Down(path, psk_field, std::move(no_psk));
      }
    } else if (!SecretTextOk(*psk)) {
      Error(path, "pre-shared-key", "pre-shared-key must be 1..64 printable characters");
    }
    if (cert) {
      CheckFileName(path, internal::kCertField, cert->cert);
      CheckFileName(path, internal::kKeyField, cert->key);
      if (!cert->trust_anchor.empty()) CheckTrustAnchor(path, cert->trust_anchor);
    }
    if (policy == c_.ike_policies.end()) return;
    // Missing pieces are reported at the cert block, or where the ike-policy is named when
    // there is no block.
    std::string_view field = cert ? internal::kCertBlockField : "ike-policy";
    std::string_view where = cert ? "the cert block needs" : "a cert block is required with";
    if (own == IkeAuthMethod::kCertAuth) {
      bool no_cert = !cert || cert->cert.empty(), no_key = !cert || cert->key.empty();
      if (no_cert || no_key) {
        Error(path, field,
              StrCat("ike-policy ", *policy_id,
                     " authenticates this side with a certificate: ", where, " ",
                     no_cert && no_key ? "'cert' and 'key'"
                     : no_cert         ? "'cert'"
                                       : "'key'"));
      }
    }
    if (peer == IkeAuthMethod::kCertAuth && (!cert || cert->trust_anchor.empty())) {
      Error(path, field,
            StrCat("ike-policy ", *policy_id, " authenticates the peer with a certificate: ", where,
                   " 'trust-anchor'"));
    }
  }

  void CheckTrustAnchor(const std::string& path, const std::string& name) {
    auto profile = c_.ca_profiles.find(name);
    if (profile == c_.ca_profiles.end()) {
      Error(path, internal::kTrustAnchorField,
            StrCat("trust-anchor: ca-profile ", Quote(name), " does not exist"));
    } else if (profile->second.admin == AdminState::kDown) {
      Error(path, internal::kTrustAnchorField,
            StrCat("trust-anchor: ca-profile ", Quote(name),
                   " is shut down (a trust anchor must be in no shutdown)"));
    }
  }

  // ---- services -----------------------------------------------------------------------------

  // CollectSaps: SAP ids are unique in the node.
  void CollectSaps() {
    std::map<TunnelSapId, std::string> seen;
    for (const auto& [sid, s] : c_.services) {
      for (const auto& [name, i] : s.interfaces) {
        if (!i.sap) continue;
        std::string path = internal::SapPath(sid, name, i.sap->id);
        auto [it, fresh] = seen.emplace(i.sap->id, internal::InterfacePath(sid, name));
        if (!fresh) {
          Error(path, "",
                absl::StrCat("sap ", i.sap->id.ToString(), " is already used by ", it->second));
        }
      }
    }
  }

  void CheckService(const Service& s) {
    std::string spath = internal::ServicePath(s.id);
    for (const auto& [id, p] : s.security_policies) {
      for (const auto& [eid, e] : p.entries) {
        // The path only for a finding (no structured bindings in the capture: clang 14).
        const uint32_t policy = id, entry = eid;
        auto epath = [&] { return internal::SecurityPolicyEntryPath(s.id, policy, entry); };
        if (!e.local_ip) Error(epath(), "", "entry needs local-ip");
        if (!e.remote_ip) Error(epath(), "", "entry needs remote-ip");
      }
    }
    // Tunnel name -> its interface's name (both owned by the configuration); the SAP path is
    // formatted only for a finding.
    absl::flat_hash_map<std::string_view, std::string_view> ip_tunnels, ipsec_tunnels;
    auto sap_path_of = [&](std::string_view ifname) {
      const Interface& i = s.interfaces.at(std::string(ifname));
      return internal::SapPath(s.id, ifname, i.sap->id);
    };
    for (const auto& [name, i] : s.interfaces) {
      CheckInterface(s, i);
      if (!i.sap) continue;
      if (i.sap->ip_tunnel) {
        auto [it, fresh] = ip_tunnels.emplace(i.sap->ip_tunnel->name, name);
        if (!fresh) {
          Error(internal::IpTunnelPath(sap_path_of(name), i.sap->ip_tunnel->name), "",
                absl::StrCat("ip-tunnel ", Quote(i.sap->ip_tunnel->name),
                             " already exists in this service (", sap_path_of(it->second), ")"));
        }
      }
      for (const auto& [tname, t] : i.sap->ipsec_tunnels) {
        auto [it, fresh] = ipsec_tunnels.emplace(tname, name);
        if (!fresh) {
          Error(internal::IpsecTunnelPath(sap_path_of(name), tname), "",
                absl::StrCat("ipsec-tunnel ", Quote(tname), " already exists in this service (",
                             sap_path_of(it->second), ")"));
        }
      }
    }
    for (const StaticRoute& r : s.static_routes) {
      // The path only for a finding: formatting it for each of 100k routes cost more than
      // the checks (docs/performance.md, "Configuration at 100k tunnels").
      auto rpath = [&] { return internal::StaticRoutePath(s.id, r); };
      if (r.kind == NextHopKind::kIpsecTunnel && !ipsec_tunnels.contains(r.tunnel_name)) {
        Error(rpath(), "",
              absl::StrCat("next-hop ipsec-tunnel ", Quote(r.tunnel_name),
                           " does not exist in service ", s.id));
      }
      if (r.kind == NextHopKind::kIpTunnel && !ip_tunnels.contains(r.tunnel_name)) {
        Error(rpath(), "",
              absl::StrCat("next-hop ip-tunnel ", Quote(r.tunnel_name),
                           " does not exist in service ", s.id));
      }
      if (r.kind == NextHopKind::kIp && r.next_hop.family() != r.prefix.address().family()) {
        Error(rpath(), "", "next-hop and prefix are of different IP families");
      }
    }
  }

  void CheckInterface(const Service& s, const Interface& i) {
    std::string ipath = internal::InterfacePath(s.id, i.name);
    if (!NameOk(i.name)) Error(ipath, "", "interface names are 1..64 printable characters");
    if (i.address && i.unnumbered) {
      Error(ipath, "unnumbered", "an interface has either an address or 'unnumbered', not both");
    }
    if (i.ip_mtu && (*i.ip_mtu < 512 || *i.ip_mtu > 9000)) {
      Error(ipath, "ip-mtu", "ip-mtu must be 512..9000");
    }
    if (!i.sap) return;
    const Sap& sap = *i.sap;
    std::string sap_path = internal::SapPath(s.id, i.name, sap.id);
    if (!c_.tunnel_groups.contains(sap.id.tunnel_group)) {
      Error(sap_path, "",
            absl::StrCat("sap ", sap.id.ToString(), ": tunnel-group ", sap.id.tunnel_group,
                         " does not exist"));
    }
    if (sap.id.kind == SapKind::kPrivate) {
      if (!i.tunnel) {
        Error(sap_path, "",
              absl::StrCat("a private tunnel SAP needs a tunnel interface (interface ",
                           Quote(i.name), " tunnel create)"));
      }
      if (i.unnumbered) {
        Error(ipath, "unnumbered",
              "an IP interface associated with a private tunnel SAP does not support "
              "unnumbered operation");
      } else if (!i.address && sap.ip_tunnel) {
        // Without an address the GRE / IP-IP tunnel's private endpoint (dest-ip's subnet) is
        // missing: the tunnel stays down. An ipsec-tunnel's interface may go without one, as
        // in the guide's Figure 27 (routes name the tunnel: next-hop ipsec-tunnel).
        Down(ipath, "address",
             absl::StrCat("an IP interface associated with a private tunnel SAP does not "
                          "support unnumbered operation: interface ",
                          Quote(i.name), " needs an address for ip-tunnel ",
                          Quote(sap.ip_tunnel->name)));
      }
      if (!sap.ipsec_gws.empty()) {
        Error(sap_path, "", "ipsec-gw is only allowed under a public tunnel SAP");
      }
      if (sap.ip_tunnel) CheckIpTunnel(s, i, sap_path, *sap.ip_tunnel);
      for (const auto& [name, t] : sap.ipsec_tunnels) CheckIpsecTunnel(s, sap_path, sap, t);
    } else {
      if (i.tunnel) {
        Error(sap_path, "",
              "a public tunnel SAP belongs on a regular interface, not a tunnel interface");
      }
      if (sap.ip_tunnel || !sap.ipsec_tunnels.empty()) {
        Error(sap_path, "", "tunnels are configured under a private tunnel SAP, not a public one");
      }
      for (const auto& [name, g] : sap.ipsec_gws) CheckIpsecGw(s, i, sap_path, g);
    }
  }

  // PublicEndpoint: checks `address` (a tunnel's source or local gateway) against the public
  // tunnel SAP interfaces of `group` in the delivery service.
  void PublicEndpoint(const std::string& path, std::string_view field, const Service& delivery,
                      uint32_t group, const IpAddress& address) {
    bool group_has_sap = false;
    for (const auto& [name, i] : delivery.interfaces) {
      if (!i.sap || i.sap->id.kind != SapKind::kPublic || !i.address) continue;
      bool in_subnet = i.address->subnet().Contains(address);
      if (i.sap->id.tunnel_group == group) {
        group_has_sap = true;
        if (in_subnet) return;
      } else if (in_subnet) {
        Error(path, field,
              absl::StrCat("a tunnel belongs to exactly one tunnel group: ", std::string(field),
                           " ", address.ToString(), " is on public SAP ", i.sap->id.ToString(),
                           " (tunnel-group ", i.sap->id.tunnel_group,
                           ") but the tunnel's private SAP is in tunnel-group ", group));
        return;
      }
    }
    bool any_sap = group_has_sap;
    for (const auto& [name, i] : delivery.interfaces) {
      if (i.sap && i.sap->id.kind == SapKind::kPublic && i.sap->id.tunnel_group == group) {
        any_sap = true;
      }
    }
    if (!any_sap) {
      Error(path, "delivery-service",
            absl::StrCat("delivery service ", delivery.id,
                         " has no IP interface with a public tunnel SAP of tunnel-group ", group));
      return;
    }
    Down(path, field,
         absl::StrCat(std::string(field), " ", address.ToString(),
                      " is not in the subnet of a public tunnel SAP interface of tunnel-group ",
                      group, " in delivery service ", delivery.id));
  }

  const Service* DeliveryService(const std::string& path, const std::optional<ServiceRef>& ref) {
    if (!ref) {
      Down(path, "", "no delivery-service is configured");
      return nullptr;
    }
    const Service* d = c_.FindService(*ref);
    if (d == nullptr) {
      Error(path, "delivery-service",
            absl::StrCat("delivery-service ", ref->ToString(), " does not exist"));
    }
    return d;
  }

  void CheckIpTunnel(const Service& s, const Interface& i, const std::string& sap_path,
                     const IpTunnel& t) {
    std::string path = internal::IpTunnelPath(sap_path, t.name);
    uint32_t group = i.sap->id.tunnel_group;
    if (!NameOk(t.name)) Error(path, "", "ip-tunnel names are 1..64 printable characters");
    if (t.ip_mtu && (*t.ip_mtu < 512 || *t.ip_mtu > 9000)) {
      Error(path, "ip-mtu", "ip-mtu must be 512..9000");
    }
    if (t.dscp && *t.dscp > 63) Error(path, "dscp", "dscp must be 0..63");
    if (!t.dest_ip) {
      Error(path, "", absl::StrCat("ip-tunnel ", Quote(t.name), ": dest-ip is mandatory"));
    } else if (i.address && !i.address->subnet().Contains(*t.dest_ip)) {
      Down(path, "dest-ip",
           absl::StrCat("dest-ip ", t.dest_ip->ToString(),
                        " is not within the subnet of the local private endpoint ",
                        i.address->ToString()));
    }
    if (t.source && t.remote_ip && t.source->family() != t.remote_ip->family()) {
      Error(path, "remote-ip",
            absl::StrCat("remote-ip is ", Family(*t.remote_ip), " but source is ",
                         Family(*t.source)));
    }
    if (t.backup_remote_ip && t.remote_ip &&
        t.backup_remote_ip->family() != t.remote_ip->family()) {
      Error(path, "backup-remote-ip", "backup-remote-ip and remote-ip are of different families");
    }
    const Service* d = DeliveryService(path, t.delivery_service);
    if (!t.source) {
      Down(path, "", "no source address is configured");
    } else if (d != nullptr) {
      PublicEndpoint(path, "source", *d, group, *t.source);
    }
    if (!t.remote_ip) Down(path, "", "no remote-ip is configured");
    (void)s;
  }

  void CheckIpsecTunnel(const Service& s, const std::string& sap_path, const Sap& sap,
                        const IpsecTunnel& t) {
    std::string path = internal::IpsecTunnelPath(sap_path, t.name);
    uint32_t group = sap.id.tunnel_group;
    if (!NameOk(t.name)) Error(path, "", "ipsec-tunnel names are 1..64 printable characters");
    if (t.ip_mtu && (*t.ip_mtu < 512 || *t.ip_mtu > 9000)) {
      Error(path, "ip-mtu", "ip-mtu must be 512..9000");
    }
    if (!t.security_policy) {
      Down(path, "", "no security-policy is configured");
    } else if (!s.security_policies.contains(*t.security_policy)) {
      Error(path, "security-policy",
            absl::StrCat("security-policy ", *t.security_policy, " does not exist in service ",
                         s.id));
    }
    if (!t.local_gateway_address || !t.peer) {
      Down(path, "", "no local-gateway-address is configured");
    } else {
      if (t.local_gateway_address->family() != t.peer->family()) {
        Error(path, "peer", "peer and local-gateway-address are of different IP families");
      }
      const Service* d = DeliveryService(path, t.delivery_service);
      if (d != nullptr) {
        PublicEndpoint(path, "local-gateway-address", *d, group, *t.local_gateway_address);
        // The engine (and IKE, as a responder) finds an ipsec-tunnel by its (local gateway,
        // peer) pair in its delivery service: a second tunnel on the same pair would never
        // receive a packet.
        auto [it, fresh] = ipsec_endpoints_.try_emplace(
            std::make_tuple(d, *t.local_gateway_address, *t.peer), path);
        if (!fresh) {
          Error(path, "peer",
                absl::StrCat("local-gateway-address ", t.local_gateway_address->ToString(),
                             " and peer ", t.peer->ToString(), " in delivery-service ",
                             t.delivery_service->ToString(), " are already used by ", it->second));
        }
      }
    }
    if (std::holds_alternative<std::monostate>(t.keying)) {
      Down(path, "", "no keying is configured (manual-keying or dynamic-keying)");
    } else if (const auto* dk = std::get_if<DynamicKeying>(&t.keying)) {
      if (!dk->ike_policy) {
        Down(path, "dynamic-keying", "dynamic-keying has no ike-policy");
      } else {
        CheckIkePolicyRef(path, *dk->ike_policy);
      }
      CheckAuth(path, "dynamic-keying", "dynamic-keying has no pre-shared-key", dk->ike_policy,
                dk->pre_shared_key, dk->cert);
      CheckTunnelRemoteAccess(path, *dk);
      CheckIds(path, dk->local_id, dk->remote_id);
      if (dk->transforms.empty()) {
        Down(path, "dynamic-keying", "dynamic-keying has no transform");
      } else if (dk->transforms.size() > 4) {
        Error(path, "transform", "at most 4 transforms");
      }
      for (uint32_t id : dk->transforms) CheckTransformRef(path, id);
    } else {
      CheckManualKeying(path, std::get<ManualKeying>(t.keying));
    }
  }

  void CheckManualKeying(const std::string& path, const ManualKeying& mk) {
    bool in = false, out = false;
    for (const ManualSa& sa : mk.security_associations) {
      std::string field =
          absl::StrCat("security-association ", sa.entry,
                       sa.direction == SaDirection::kInbound ? " inbound" : " outbound");
      (sa.direction == SaDirection::kInbound ? in : out) = true;
      if (sa.spi < 256) Error(path, field, "spi must be 256..4294967295");
      if (sa.direction == SaDirection::kInbound) {
        auto [it, fresh] = inbound_spis_.emplace(sa.spi, path);
        if (!fresh) {
          Error(path, field,
                absl::StrCat("inbound spi ", sa.spi, " is already used by ", it->second));
        }
      }
      auto tr = c_.ipsec_transforms.find(sa.transform);
      if (tr == c_.ipsec_transforms.end()) {
        Error(path, field, absl::StrCat("ipsec-transform ", sa.transform, " does not exist"));
        continue;
      }
      EspSuite suite = tr->second.suite();
      const EncryptionInfo& enc = GetEncryptionInfo(suite.enc);
      const IntegrityInfo& integ = GetIntegrityInfo(suite.integ);
      if (sa.encryption_key.size() != enc.keymat_size()) {
        Error(path, field,
              absl::StrCat("encryption-key is ", sa.encryption_key.size(), " bytes; ",
                           std::string(enc.name), " needs ", enc.keymat_size()));
      }
      if (sa.authentication_key.size() != integ.key_size) {
        Error(path, field,
              absl::StrCat("authentication-key is ", sa.authentication_key.size(), " bytes; ",
                           std::string(integ.name), " needs ", integ.key_size));
      }
    }
    if (!in || !out) {
      Down(path, "manual-keying",
           "manual-keying needs an inbound and an outbound security-association");
    }
  }

  void CheckIpsecGw(const Service& s, const Interface& i, const std::string& sap_path,
                    const IpsecGw& g) {
    std::string path = internal::IpsecGwPath(sap_path, g.name);
    if (!NameOk(g.name)) Error(path, "", "ipsec-gw names are 1..64 printable characters");
    if (!g.gateway_address) {
      Down(path, "", "no gateway-address is configured");
    } else if (!i.address || !i.address->subnet().Contains(*g.gateway_address)) {
      Down(path, "gateway-address",
           absl::StrCat("gateway-address ", g.gateway_address->ToString(),
                        " is not in the subnet of interface ", Quote(i.name)));
    }
    if (!g.ike_policy) {
      Down(path, "", "no ike-policy is configured");
    } else {
      CheckIkePolicyRef(path, *g.ike_policy);
    }
    CheckAuth(path, "", "no pre-shared-key is configured", g.ike_policy, g.pre_shared_key, g.cert);
    remote_access_.CheckGw(path, g);
    CheckIds(path, g.local_id, g.remote_id);
    if (!g.default_tunnel_template) {
      Down(path, "", "no default-tunnel-template is configured");
    } else if (!c_.tunnel_templates.contains(*g.default_tunnel_template)) {
      Error(path, "default-tunnel-template",
            absl::StrCat("tunnel-template ", *g.default_tunnel_template, " does not exist"));
    }
    if (!g.default_secure_service) {
      Down(path, "", "no default-secure-service is configured");
    } else {
      const SecureServiceRef& ref = *g.default_secure_service;
      auto svc = c_.services.find(ref.service);
      if (svc == c_.services.end()) {
        Error(path, "default-secure-service",
              absl::StrCat("default-secure-service ", ref.service, " does not exist"));
      } else {
        auto it = svc->second.interfaces.find(ref.interface);
        if (it == svc->second.interfaces.end()) {
          Error(path, "default-secure-service",
                absl::StrCat("interface ", Quote(ref.interface), " does not exist in service ",
                             ref.service));
        } else if (!it->second.sap || it->second.sap->id.kind != SapKind::kPrivate) {
          Error(path, "default-secure-service",
                absl::StrCat("interface ", Quote(ref.interface), " has no private tunnel SAP"));
        } else if (it->second.sap->id.tunnel_group != i.sap->id.tunnel_group) {
          Error(path, "default-secure-service",
                absl::StrCat("a tunnel belongs to exactly one tunnel group: interface ",
                             Quote(ref.interface), " is in tunnel-group ",
                             it->second.sap->id.tunnel_group, ", the ipsec-gw in ",
                             i.sap->id.tunnel_group));
        }
      }
    }
    (void)s;
  }

  // CheckTunnelRemoteAccess: a static tunnel has no client to authenticate, so its ike-policy
  // may not use a RADIUS method; `xauth-user` (the XAUTH client's login) is IKEv1's, over a
  // pre-shared key.
  void CheckTunnelRemoteAccess(const std::string& path, const DynamicKeying& dk) {
    auto policy = dk.ike_policy ? c_.ike_policies.find(*dk.ike_policy) : c_.ike_policies.end();
    if (policy == c_.ike_policies.end()) return;
    const IkePolicy& p = policy->second;
    if (UsesRadius(p.auth_method)) {
      Error(path, "ike-policy",
            StrCat("ike-policy ", p.id, " uses auth-method ", IkeAuthMethodName(p.auth_method),
                   ", which authenticates remote-access users: only an ipsec-gw can use it (a "
                   "static ipsec-tunnel has no client to authenticate)"));
    }
    if (!dk.xauth_user.empty() && (p.ike_version != 1 || p.auth_method != IkeAuthMethod::kPsk)) {
      Error(path, "xauth-user",
            StrCat("xauth-user needs ike-version 1 and auth-method psk (the client proves the "
                   "gateway's pre-shared key, then XAUTH; XAUTH with certificates is not "
                   "supported); ike-policy ",
                   p.id, " is ike-version ", static_cast<int>(p.ike_version), ", auth-method ",
                   IkeAuthMethodName(p.auth_method)));
    }
    if (dk.eap_identity.has_value() != dk.eap_password.has_value()) {
      Error(path, dk.eap_identity ? "eap-identity" : "eap-password",
            "eap-identity and eap-password go together (an EAP client needs both)");
    }
    if (dk.eap_identity && p.ike_version != 2) {
      Error(path, "eap-identity",
            StrCat("eap-identity needs ike-version 2 (EAP in IKE_AUTH); ike-policy ", p.id,
                   " is ike-version ", static_cast<int>(p.ike_version)));
    }
  }

  const Config& c_;
  ValidationReport report_;
  internal::RemoteAccessChecker remote_access_{c_, report_};
  absl::flat_hash_map<uint32_t, std::string> inbound_spis_;
  // (delivery service, local gateway, peer) -> the ipsec-tunnel using the pair.
  absl::flat_hash_map<std::tuple<const Service*, IpAddress, IpAddress>, std::string>
      ipsec_endpoints_;
};

}  // namespace

ValidationReport Validate(const Config& config) { return Validator(config).Run(); }

}  // namespace tunnelisa::config
