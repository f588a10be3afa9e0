// The canonical writer. Each object prints its non-default settings (and its admin state
// always), in the order docs/configuration.md documents.
#include "tunnelisa/config/writer.h"

#include "absl/strings/str_cat.h"
#include "config/object_path.h"

namespace tunnelisa::config {
namespace {

using internal::Quote;

class Emitter {
 public:
  void Line(const std::string& text) {
    out_.append(static_cast<size_t>(depth_) * 4, ' ');
    out_ += text;
    out_ += '\n';
  }
  void Open(const std::string& text) {
    Line(text);
    ++depth_;
  }
  void Close() {
    --depth_;
    Line("exit");
  }
  void ExitAll() {
    depth_ = 0;
    Line("exit all");
  }
  void Admin(AdminState admin) { Line(admin == AdminState::kUp ? "no shutdown" : "shutdown"); }
  void Description(const std::string& d) {
    if (!d.empty()) Line(absl::StrCat("description ", Quote(d)));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  int depth_ = 0;
};

std::string Hex(const ConfigSecret& secret) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (uint8_t b : secret.bytes().span()) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string Text(const ConfigSecret& secret) {
  auto span = secret.bytes().span();
  return Quote(std::string_view(reinterpret_cast<const char*>(span.data()), span.size()));
}

std::string Ids(const std::vector<uint32_t>& ids) {
  std::string s;
  for (uint32_t id : ids) absl::StrAppend(&s, " ", id);
  return s;
}

std::string DpdText(const Dpd& d) {
  std::string s = absl::StrCat("dpd interval ", d.interval_s, " max-retries ", d.max_retries);
  if (d.reply_only) s += " reply-only";
  return s;
}

// WriteCertBlock: a tunnel's or ipsec-gw's `cert` block, the files and trust anchor set.
void WriteCertBlock(const std::optional<CertAuth>& cert, Emitter& e) {
  if (!cert) return;
  e.Open("cert");
  if (!cert->cert.empty()) e.Line("cert " + Quote(cert->cert));
  if (!cert->key.empty()) e.Line("key " + Quote(cert->key));
  if (!cert->trust_anchor.empty()) e.Line("trust-anchor " + Quote(cert->trust_anchor));
  e.Close();
}

void WritePki(const Config& c, Emitter& e) {
  if (c.ca_profiles.empty()) return;
  e.Open("config system security pki");
  for (const auto& [name, p] : c.ca_profiles) {
    e.Open(absl::StrCat("ca-profile ", Quote(name), " create"));
    e.Description(p.description);
    if (!p.cert_file.empty()) e.Line("cert-file " + Quote(p.cert_file));
    if (!p.crl_file.empty()) e.Line("crl-file " + Quote(p.crl_file));
    e.Admin(p.admin);
    e.Close();
  }
  e.ExitAll();
}

// WriteRadius: `config router radius-server` and `config aaa` (the servers and the policies
// listing them). Secrets are written as pre-shared keys are: quoted, as configured.
void WriteRadius(const Config& c, Emitter& e) {
  if (!c.radius_servers.empty()) {
    e.Open("config router");
    e.Open("radius-server");
    for (const auto& [name, r] : c.radius_servers) {
      e.Open(absl::StrCat("server ", Quote(name), " address ", r.address.ToString(), " secret ",
                          Text(r.secret), " create"));
      e.Description(r.description);
      if (r.auth_port != kDefaultRadiusAuthPort) e.Line(absl::StrCat("auth-port ", r.auth_port));
      if (r.acct_port != kDefaultRadiusAcctPort) e.Line(absl::StrCat("acct-port ", r.acct_port));
      e.Close();
    }
    e.ExitAll();
  }
  if (!c.radius_server_policies.empty()) {
    e.Open("config aaa");
    for (const auto& [name, p] : c.radius_server_policies) {
      e.Open(absl::StrCat("radius-server-policy ", Quote(name), " create"));
      e.Description(p.description);
      if (!p.nas_identifier.empty()) e.Line("nas-identifier " + Quote(p.nas_identifier));
      e.Open("servers");
      e.Line(absl::StrCat("timeout ", p.timeout_s));
      e.Line(absl::StrCat("retry ", p.retry));
      for (const auto& [index, server] : p.servers) {
        e.Line(absl::StrCat("server ", index, " name ", Quote(server)));
      }
      e.Close();
      e.Close();
    }
    e.ExitAll();
  }
}

// WriteRadiusPolicies: the `config ipsec` radius-authentication-policy and
// radius-accounting-policy objects.
void WriteRadiusPolicies(const Config& c, Emitter& e) {
  for (const auto& [name, p] : c.radius_authentication_policies) {
    e.Open(absl::StrCat("radius-authentication-policy ", Quote(name), " create"));
    e.Description(p.description);
    if (!p.radius_server_policy.empty()) {
      e.Line("radius-server-policy " + Quote(p.radius_server_policy));
    }
    e.Close();
  }
  for (const auto& [name, p] : c.radius_accounting_policies) {
    e.Open(absl::StrCat("radius-accounting-policy ", Quote(name), " create"));
    e.Description(p.description);
    if (!p.radius_server_policy.empty()) {
      e.Line("radius-server-policy " + Quote(p.radius_server_policy));
    }
    if (p.update_interval_min) e.Line(absl::StrCat("update-interval ", *p.update_interval_min));
    e.Close();
  }
}

// WriteRemoteAccess: an ipsec-gw's RADIUS policies and local-address-assignment.
void WriteRemoteAccess(const IpsecGw& g, Emitter& e) {
  if (!g.radius_authentication_policy.empty()) {
    e.Line("radius-authentication-policy " + Quote(g.radius_authentication_policy));
  }
  if (!g.radius_accounting_policy.empty()) {
    e.Line("radius-accounting-policy " + Quote(g.radius_accounting_policy));
  }
  if (!g.local_address_assignment) return;
  e.Open("local-address-assignment");
  if (const auto& v4 = g.local_address_assignment->ipv4) {
    e.Open("ipv4");
    if (v4->range_start && v4->range_end) {
      e.Line(absl::StrCat("address-range ", v4->range_start->ToString(), " ",
                          v4->range_end->ToString()));
    }
    for (const IpAddress& dns : v4->dns_servers) e.Line("dns-server " + dns.ToString());
    e.Close();
  }
  e.Close();
}

void WriteIsa(const Config& c, Emitter& e) {
  if (c.tunnel_groups.empty()) return;
  e.Open("config isa");
  for (const auto& [id, g] : c.tunnel_groups) {
    bool multi = g.mode == TunnelGroupMode::kMultiActive;
    e.Open(absl::StrCat("tunnel-group ", id, " create", multi ? " multi-active" : ""));
    e.Description(g.description);
    if (g.primary) e.Line("primary " + g.primary->ToString());
    if (g.backup) e.Line("backup " + g.backup->ToString());
    for (const IsaSlot& s : g.mdas) e.Line("mda " + s.ToString());
    if (multi) e.Line(absl::StrCat("active-mda-number ", g.active_mda_number));
    if (g.ipsec_responder_only) e.Line("ipsec-responder-only");
    if (g.reassembly_wait_ms) e.Line(absl::StrCat("reassembly ", *g.reassembly_wait_ms));
    e.Admin(g.admin);
    e.Close();
  }
  e.ExitAll();
}

void WriteIpsec(const Config& c, Emitter& e) {
  if (c.ike_policies.empty() && c.ipsec_transforms.empty() && c.tunnel_templates.empty() &&
      c.radius_authentication_policies.empty() && c.radius_accounting_policies.empty()) {
    return;
  }
  e.Open("config ipsec");
  for (const auto& [id, p] : c.ike_policies) {
    e.Open(absl::StrCat("ike-policy ", id, " create"));
    e.Description(p.description);
    e.Line(absl::StrCat("auth-algorithm ", std::string(GetIntegrityInfo(p.auth_algorithm).name)));
    e.Line(absl::StrCat("dh-group ", static_cast<int>(p.dh_group)));
    e.Line(absl::StrCat("encryption-algorithm ",
                        std::string(GetEncryptionInfo(p.encryption_algorithm).name)));
    e.Line(absl::StrCat("ike-mode ", std::string(IkeModeName(p.ike_mode))));
    e.Line(absl::StrCat("ike-version ", static_cast<int>(p.ike_version)));
    e.Line(absl::StrCat("auth-method ", std::string(IkeAuthMethodName(p.auth_method))));
    if (p.own_auth_method) {
      e.Line(absl::StrCat("own-auth-method ", std::string(IkeAuthMethodName(*p.own_auth_method))));
    }
    e.Line(absl::StrCat("isakmp-lifetime ", p.isakmp_lifetime_s));
    e.Line(absl::StrCat("ipsec-lifetime ", p.ipsec_lifetime_s));
    if (p.dpd) e.Line(DpdText(*p.dpd));
    e.Close();
  }
  for (const auto& [id, t] : c.ipsec_transforms) {
    e.Open(absl::StrCat("ipsec-transform ", id, " create"));
    e.Description(t.description);
    if (t.esp_auth_algorithm) {
      e.Line(absl::StrCat("esp-auth-algorithm ",
                          std::string(GetIntegrityInfo(*t.esp_auth_algorithm).name)));
    }
    e.Line(absl::StrCat("esp-encryption-algorithm ",
                        std::string(GetEncryptionInfo(t.esp_encryption_algorithm).name)));
    if (t.pfs_dh_group) e.Line(absl::StrCat("pfs-dh-group ", static_cast<int>(*t.pfs_dh_group)));
    if (t.ipsec_lifetime_s) e.Line(absl::StrCat("ipsec-lifetime ", *t.ipsec_lifetime_s));
    e.Close();
  }
  for (const auto& [id, t] : c.tunnel_templates) {
    e.Open(absl::StrCat("tunnel-template ", id, " create"));
    e.Description(t.description);
    if (!t.transforms.empty()) e.Line("transform" + Ids(t.transforms));
    e.Close();
  }
  WriteRadiusPolicies(c, e);
  e.ExitAll();
}

void WriteIpTunnel(const IpTunnel& t, Emitter& e) {
  e.Open(absl::StrCat("ip-tunnel ", Quote(t.name), " create"));
  e.Description(t.description);
  e.Line(t.gre_header ? "gre-header" : "no gre-header");
  if (t.dest_ip) e.Line("dest-ip " + t.dest_ip->ToString());
  if (t.source) e.Line("source " + t.source->ToString());
  if (t.remote_ip) e.Line("remote-ip " + t.remote_ip->ToString());
  if (t.backup_remote_ip) e.Line("backup-remote-ip " + t.backup_remote_ip->ToString());
  if (t.delivery_service) e.Line("delivery-service " + t.delivery_service->ToString());
  if (t.dscp) e.Line("dscp " + DscpName(*t.dscp));
  if (t.ip_mtu) e.Line(absl::StrCat("ip-mtu ", *t.ip_mtu));
  switch (t.reassembly.mode) {
    case TunnelReassembly::Mode::kTunnelGroup:
      break;
    case TunnelReassembly::Mode::kEnabled:
      e.Line(absl::StrCat("reassembly ", t.reassembly.wait_ms));
      break;
    case TunnelReassembly::Mode::kDisabled:
      e.Line("no reassembly");
      break;
  }
  if (t.clear_df_bit) e.Line("clear-df-bit");
  e.Admin(t.admin);
  e.Close();
}

void WriteIpsecTunnel(const IpsecTunnel& t, Emitter& e) {
  e.Open(absl::StrCat("ipsec-tunnel ", Quote(t.name), " create"));
  e.Description(t.description);
  if (t.security_policy) e.Line(absl::StrCat("security-policy ", *t.security_policy));
  if (t.local_gateway_address && t.peer && t.delivery_service) {
    e.Line(absl::StrCat("local-gateway-address ", t.local_gateway_address->ToString(), " peer ",
                        t.peer->ToString(), " delivery-service ", t.delivery_service->ToString()));
  }
  if (const auto* dk = std::get_if<DynamicKeying>(&t.keying)) {
    e.Open("dynamic-keying");
    if (dk->ike_policy) e.Line(absl::StrCat("ike-policy ", *dk->ike_policy));
    if (dk->pre_shared_key) e.Line("pre-shared-key " + Text(*dk->pre_shared_key));
    if (dk->local_id) e.Line("local-id " + dk->local_id->ToString());
    if (dk->remote_id) e.Line("remote-id " + dk->remote_id->ToString());
    if (!dk->transforms.empty()) e.Line("transform" + Ids(dk->transforms));
    if (dk->auto_establish) e.Line("auto-establish");
    if (dk->request_address) e.Line("request-address");
    if (!dk->xauth_user.empty() && dk->xauth_password) {
      e.Line("xauth-user " + Quote(dk->xauth_user) + " password " + Text(*dk->xauth_password));
    }
    if (dk->eap_identity) e.Line("eap-identity " + Quote(*dk->eap_identity));
    if (dk->eap_password) e.Line("eap-password " + Text(*dk->eap_password));
    WriteCertBlock(dk->cert, e);
    e.Close();
  } else if (const auto* mk = std::get_if<ManualKeying>(&t.keying)) {
    e.Open("manual-keying");
    for (const ManualSa& sa : mk->security_associations) {
      std::string line = absl::StrCat("security-association ", sa.entry);
      if (!sa.authentication_key.empty()) {
        absl::StrAppend(&line, " authentication-key ", Hex(sa.authentication_key));
      }
      if (!sa.encryption_key.empty()) {
        absl::StrAppend(&line, " encryption-key ", Hex(sa.encryption_key));
      }
      absl::StrAppend(&line, " spi ", sa.spi, " transform ", sa.transform, " direction ",
                      sa.direction == SaDirection::kInbound ? "inbound" : "outbound");
      e.Line(line);
    }
    e.Close();
  }
  if (t.ip_mtu) e.Line(absl::StrCat("ip-mtu ", *t.ip_mtu));
  if (t.clear_df_bit) e.Line("clear-df-bit");
  if (t.dpd) e.Line(DpdText(*t.dpd));
  e.Admin(t.admin);
  e.Close();
}

void WriteIpsecGw(const IpsecGw& g, Emitter& e) {
  e.Open(absl::StrCat("ipsec-gw ", Quote(g.name), " create"));
  e.Description(g.description);
  if (g.gateway_address) e.Line("gateway-address " + g.gateway_address->ToString());
  if (g.ike_policy) e.Line(absl::StrCat("ike-policy ", *g.ike_policy));
  if (g.pre_shared_key) e.Line("pre-shared-key " + Text(*g.pre_shared_key));
  if (g.local_id) e.Line("local-id " + g.local_id->ToString());
  if (g.remote_id) e.Line("remote-id " + g.remote_id->ToString());
  WriteCertBlock(g.cert, e);
  if (g.default_tunnel_template) {
    e.Line(absl::StrCat("default-tunnel-template ", *g.default_tunnel_template));
  }
  if (g.default_secure_service) {
    e.Line(absl::StrCat("default-secure-service ", g.default_secure_service->service, " interface ",
                        Quote(g.default_secure_service->interface)));
  }
  if (g.dpd) e.Line(DpdText(*g.dpd));
  WriteRemoteAccess(g, e);
  e.Admin(g.admin);
  e.Close();
}

void WriteSap(const Sap& s, Emitter& e) {
  e.Open(absl::StrCat("sap ", s.id.ToString(), " create"));
  e.Description(s.description);
  if (s.ingress_qos) {
    e.Open("ingress");
    e.Line(absl::StrCat("qos ", *s.ingress_qos));
    e.Close();
  }
  if (s.egress_qos) {
    e.Open("egress");
    e.Line(absl::StrCat("qos ", *s.egress_qos));
    e.Close();
  }
  if (s.ip_tunnel) WriteIpTunnel(*s.ip_tunnel, e);
  for (const auto& [name, t] : s.ipsec_tunnels) WriteIpsecTunnel(t, e);
  for (const auto& [name, g] : s.ipsec_gws) WriteIpsecGw(g, e);
  if (s.admin == AdminState::kDown) e.Line("shutdown");
  e.Close();
}

void WriteService(const Service& s, Emitter& e) {
  std::string header = absl::StrCat(std::string(ServiceTypeName(s.type)), " ", s.id);
  if (!s.name.empty()) absl::StrAppend(&header, " name ", Quote(s.name));
  absl::StrAppend(&header, " customer ", s.customer, " create");
  e.Open(header);
  e.Description(s.description);
  if (!s.security_policies.empty()) {
    e.Open("ipsec");
    for (const auto& [id, p] : s.security_policies) {
      e.Open(absl::StrCat("security-policy ", id, " create"));
      for (const auto& [eid, entry] : p.entries) {
        e.Open(absl::StrCat("entry ", eid, " create"));
        auto sel = [](const IpPrefix& prefix) {
          return prefix.address().is_set() ? prefix.ToString() : std::string("any");
        };
        if (entry.local_ip) e.Line("local-ip " + sel(*entry.local_ip));
        if (entry.remote_ip) e.Line("remote-ip " + sel(*entry.remote_ip));
        e.Close();
      }
      e.Close();
    }
    e.Close();
  }
  for (const auto& [name, i] : s.interfaces) {
    e.Open(absl::StrCat("interface ", Quote(name), i.tunnel ? " tunnel" : "", " create"));
    e.Description(i.description);
    if (i.address) e.Line("address " + i.address->ToString());
    if (i.unnumbered) e.Line("unnumbered " + Quote(*i.unnumbered));
    if (i.ip_mtu) e.Line(absl::StrCat("ip-mtu ", *i.ip_mtu));
    if (i.sap) WriteSap(*i.sap, e);
    if (i.admin == AdminState::kDown) e.Line("shutdown");
    e.Close();
  }
  for (const StaticRoute& r : s.static_routes) {
    e.Line(absl::StrCat("static-route ", r.prefix.ToString(), " next-hop ", r.NextHopText()));
  }
  e.Admin(s.admin);
  e.Close();
}

}  // namespace

std::string WriteConfig(const Config& config) {
  Emitter e;
  WritePki(config, e);
  WriteRadius(config, e);
  WriteIsa(config, e);
  WriteIpsec(config, e);
  if (!config.services.empty()) {
    e.Open("config service");
    for (const auto& [id, s] : config.services) WriteService(s, e);
    e.ExitAll();
  }
  return e.Take();
}

}  // namespace tunnelisa::config
