#include "tunnelisa/config/builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {
namespace {

std::optional<IpAddress> Ip(ConfigBuilder* b, std::string_view what, std::string_view text) {
  auto a = IpAddress::Parse(text);
  if (!a)
    b->RecordError(absl::StrCat(std::string(what), ": bad IP address '", std::string(text), "'"));
  return a;
}

std::optional<IpPrefix> Prefix(ConfigBuilder* b, std::string_view what, std::string_view text) {
  if (text == "any") return IpPrefix();
  auto p = IpPrefix::Parse(text);
  if (!p || text.find('/') == std::string_view::npos) {
    b->RecordError(absl::StrCat(std::string(what), ": bad IP prefix '", std::string(text), "'"));
    return std::nullopt;
  }
  return p;
}

// Identity: `value` parsed as a `type` identity; nullopt with an error recorded (worded as the
// parser words it) when it is invalid.
std::optional<IkeIdentity> Identity(ConfigBuilder* b, std::string_view command,
                                    IkeIdentity::Type type, std::string_view value) {
  std::string error;
  auto id = IkeIdentity::Parse(type, value, &error);
  if (!id) {
    b->RecordError(
        StrCat("invalid ", command, " ", IkeIdentityTypeName(type), " '", value, "': ", error));
  }
  return id;
}

CertAuth MakeCert(std::string_view cert, std::string_view key, std::string_view trust_anchor) {
  return CertAuth{std::string(cert), std::string(key), std::string(trust_anchor)};
}

}  // namespace

void ConfigBuilder::RecordError(std::string message) { errors_.push_back(std::move(message)); }

// ---- system security pki ---------------------------------------------------------------------

CaProfileBuilder ConfigBuilder::CaProfile(std::string_view name) {
  auto [it, fresh] = config_.ca_profiles.try_emplace(std::string(name));
  it->second.name = std::string(name);
  return CaProfileBuilder(&it->second);
}
CaProfileBuilder& CaProfileBuilder::CertFile(std::string_view name) {
  p_->cert_file = std::string(name);
  return *this;
}
CaProfileBuilder& CaProfileBuilder::CrlFile(std::string_view name) {
  p_->crl_file = std::string(name);
  return *this;
}
CaProfileBuilder& CaProfileBuilder::Shutdown() {
  p_->admin = AdminState::kDown;
  return *this;
}
CaProfileBuilder& CaProfileBuilder::NoShutdown() {
  p_->admin = AdminState::kUp;
  return *this;
}

// ---- isa / ipsec -----------------------------------------------------------------------------

TunnelGroupBuilder ConfigBuilder::TunnelGroup(uint32_t id, TunnelGroupMode mode) {
  auto [it, fresh] = config_.tunnel_groups.try_emplace(id);
  if (fresh) {
    it->second.id = id;
    it->second.mode = mode;
  }
  return TunnelGroupBuilder(&it->second);
}

TunnelGroupBuilder& TunnelGroupBuilder::Primary(IsaSlot slot) {
  g_->primary = slot;
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::Backup(IsaSlot slot) {
  g_->backup = slot;
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::Mda(IsaSlot slot) {
  auto it = std::lower_bound(g_->mdas.begin(), g_->mdas.end(), slot);
  if (it == g_->mdas.end() || *it != slot) g_->mdas.insert(it, slot);
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::ActiveMdaNumber(uint32_t n) {
  g_->active_mda_number = n;
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::IpsecResponderOnly(bool on) {
  g_->ipsec_responder_only = on;
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::Reassembly(uint32_t wait_ms) {
  g_->reassembly_wait_ms = wait_ms;
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::Shutdown() {
  g_->admin = AdminState::kDown;
  return *this;
}
TunnelGroupBuilder& TunnelGroupBuilder::NoShutdown() {
  g_->admin = AdminState::kUp;
  return *this;
}

IkePolicyBuilder ConfigBuilder::IkePolicy(uint32_t id) {
  auto [it, fresh] = config_.ike_policies.try_emplace(id);
  it->second.id = id;
  return IkePolicyBuilder(&it->second);
}
IkePolicyBuilder& IkePolicyBuilder::AuthAlgorithm(IntegrityAlgorithm a) {
  p_->auth_algorithm = a;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::DhGroup(config::DhGroup g) {
  p_->dh_group = g;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::EncryptionAlgorithm(tunnelisa::EncryptionAlgorithm a) {
  p_->encryption_algorithm = a;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::IkeMode(config::IkeMode m) {
  p_->ike_mode = m;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::IkeVersion(uint8_t v) {
  p_->ike_version = v;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::IsakmpLifetime(uint32_t seconds) {
  p_->isakmp_lifetime_s = seconds;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::IpsecLifetime(uint32_t seconds) {
  p_->ipsec_lifetime_s = seconds;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::Dpd(config::Dpd dpd) {
  p_->dpd = dpd;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::AuthMethod(IkeAuthMethod method) {
  p_->auth_method = method;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::OwnAuthMethod(IkeAuthMethod method) {
  p_->own_auth_method = method;
  return *this;
}
IkePolicyBuilder& IkePolicyBuilder::NoOwnAuthMethod() {
  p_->own_auth_method.reset();
  return *this;
}

TransformBuilder ConfigBuilder::IpsecTransform(uint32_t id) {
  auto [it, fresh] = config_.ipsec_transforms.try_emplace(id);
  it->second.id = id;
  return TransformBuilder(&it->second);
}
TransformBuilder& TransformBuilder::EspAuthAlgorithm(IntegrityAlgorithm a) {
  t_->esp_auth_algorithm = a;
  return *this;
}
TransformBuilder& TransformBuilder::EspEncryptionAlgorithm(EncryptionAlgorithm a) {
  t_->esp_encryption_algorithm = a;
  return *this;
}
TransformBuilder& TransformBuilder::PfsDhGroup(DhGroup g) {
  t_->pfs_dh_group = g;
  return *this;
}
TransformBuilder& TransformBuilder::IpsecLifetime(uint32_t seconds) {
  t_->ipsec_lifetime_s = seconds;
  return *this;
}

ConfigBuilder& ConfigBuilder::TunnelTemplate(uint32_t id, std::vector<uint32_t> transforms) {
  auto& t = config_.tunnel_templates[id];
  t.id = id;
  t.transforms = std::move(transforms);
  return *this;
}

// ---- services --------------------------------------------------------------------------------

ServiceBuilder ConfigBuilder::Service(uint32_t id, uint32_t customer, ServiceType type) {
  auto [it, fresh] = config_.services.try_emplace(id);
  if (fresh) {
    it->second.id = id;
    it->second.type = type;
    it->second.customer = customer;
  } else if (it->second.type != type) {
    RecordError(absl::StrCat("service ", id, " exists as a ",
                             std::string(ServiceTypeName(it->second.type)), " service"));
  }
  return ServiceBuilder(this, &it->second);
}
ServiceBuilder ConfigBuilder::Ies(uint32_t id, uint32_t customer) {
  return Service(id, customer, ServiceType::kIes);
}
ServiceBuilder ConfigBuilder::Vprn(uint32_t id, uint32_t customer) {
  return Service(id, customer, ServiceType::kVprn);
}

InterfaceBuilder ServiceBuilder::Interface(std::string_view name) {
  auto [it, fresh] = s_->interfaces.try_emplace(std::string(name));
  it->second.name = std::string(name);
  return InterfaceBuilder(b_, &it->second);
}
InterfaceBuilder ServiceBuilder::TunnelInterface(std::string_view name) {
  InterfaceBuilder i = Interface(name);
  i.raw().tunnel = true;
  return i;
}
ServiceBuilder& ServiceBuilder::SecurityPolicyEntry(uint32_t policy, uint32_t entry,
                                                    std::string_view local_ip,
                                                    std::string_view remote_ip) {
  config::SecurityPolicy& p = s_->security_policies[policy];
  p.id = policy;
  config::SecurityPolicyEntry& e = p.entries[entry];
  e.id = entry;
  e.local_ip = Prefix(b_, "local-ip", local_ip);
  e.remote_ip = Prefix(b_, "remote-ip", remote_ip);
  return *this;
}
ServiceBuilder& ServiceBuilder::AddRoute(std::string_view prefix, config::StaticRoute route) {
  auto p = Prefix(b_, "static-route", prefix);
  if (!p) return *this;
  route.prefix = *p;
  auto& routes = s_->static_routes;
  auto it = std::lower_bound(routes.begin(), routes.end(), route);
  if (it == routes.end() || !(*it == route)) routes.insert(it, route);
  return *this;
}
ServiceBuilder& ServiceBuilder::StaticRoute(std::string_view prefix, std::string_view next_hop) {
  auto ip = Ip(b_, "next-hop", next_hop);
  if (!ip) return *this;
  config::StaticRoute r;
  r.kind = NextHopKind::kIp;
  r.next_hop = *ip;
  return AddRoute(prefix, r);
}
ServiceBuilder& ServiceBuilder::StaticRouteToIpsecTunnel(std::string_view prefix,
                                                         std::string_view tunnel) {
  config::StaticRoute r;
  r.kind = NextHopKind::kIpsecTunnel;
  r.tunnel_name = std::string(tunnel);
  return AddRoute(prefix, r);
}
ServiceBuilder& ServiceBuilder::StaticRouteToIpTunnel(std::string_view prefix,
                                                      std::string_view tunnel) {
  config::StaticRoute r;
  r.kind = NextHopKind::kIpTunnel;
  r.tunnel_name = std::string(tunnel);
  return AddRoute(prefix, r);
}
ServiceBuilder& ServiceBuilder::Name(std::string_view name) {
  s_->name = std::string(name);
  return *this;
}
ServiceBuilder& ServiceBuilder::Shutdown() {
  s_->admin = AdminState::kDown;
  return *this;
}
ServiceBuilder& ServiceBuilder::NoShutdown() {
  s_->admin = AdminState::kUp;
  return *this;
}

InterfaceBuilder& InterfaceBuilder::Address(std::string_view text) {
  auto a = InterfaceAddress::Parse(text);
  if (!a) {
    b_->RecordError(absl::StrCat("address: bad interface address '", std::string(text), "'"));
  } else {
    i_->address = *a;
  }
  return *this;
}
InterfaceBuilder& InterfaceBuilder::IpMtu(uint32_t mtu) {
  i_->ip_mtu = mtu;
  return *this;
}
InterfaceBuilder& InterfaceBuilder::Shutdown() {
  i_->admin = AdminState::kDown;
  return *this;
}
SapBuilder InterfaceBuilder::Sap(std::string_view sap_id) {
  auto id = TunnelSapId::Parse(sap_id);
  if (!id) {
    b_->RecordError(absl::StrCat("sap: bad tunnel SAP '", std::string(sap_id), "'"));
    id = TunnelSapId{};
  }
  if (i_->sap && i_->sap->id != *id) {
    b_->RecordError(absl::StrCat("interface \"", i_->name, "\" already has sap ",
                                 i_->sap->id.ToString(), " (one SAP per interface)"));
  } else if (!i_->sap) {
    i_->sap.emplace();
    i_->sap->id = *id;
  }
  return SapBuilder(b_, &*i_->sap);
}

// ---- SAP contents ----------------------------------------------------------------------------

IpTunnelBuilder SapBuilder::IpTunnel(std::string_view name) {
  if (s_->ip_tunnel && s_->ip_tunnel->name != name) {
    b_->RecordError(absl::StrCat("a private tunnel SAP can have only one ip-tunnel; ",
                                 s_->id.ToString(), " already has ip-tunnel \"",
                                 s_->ip_tunnel->name, "\""));
  } else if (!s_->ip_tunnel) {
    s_->ip_tunnel.emplace();
    s_->ip_tunnel->name = std::string(name);
  }
  return IpTunnelBuilder(b_, &*s_->ip_tunnel);
}
IpsecTunnelBuilder SapBuilder::IpsecTunnel(std::string_view name) {
  auto [it, fresh] = s_->ipsec_tunnels.try_emplace(std::string(name));
  it->second.name = std::string(name);
  return IpsecTunnelBuilder(b_, &it->second);
}
IpsecGwBuilder SapBuilder::IpsecGw(std::string_view name) {
  auto [it, fresh] = s_->ipsec_gws.try_emplace(std::string(name));
  it->second.name = std::string(name);
  return IpsecGwBuilder(b_, &it->second);
}
SapBuilder& SapBuilder::Shutdown() {
  s_->admin = AdminState::kDown;
  return *this;
}

IpTunnelBuilder& IpTunnelBuilder::GreHeader(bool on) {
  t_->gre_header = on;
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::DestIp(std::string_view ip) {
  t_->dest_ip = Ip(b_, "dest-ip", ip);
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::Source(std::string_view ip) {
  t_->source = Ip(b_, "source", ip);
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::RemoteIp(std::string_view ip) {
  t_->remote_ip = Ip(b_, "remote-ip", ip);
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::BackupRemoteIp(std::string_view ip) {
  t_->backup_remote_ip = Ip(b_, "backup-remote-ip", ip);
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::DeliveryService(ServiceRef service) {
  t_->delivery_service = std::move(service);
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::Dscp(std::string_view name) {
  auto v = ParseDscp(name);
  if (!v) b_->RecordError(absl::StrCat("dscp: unknown name '", std::string(name), "'"));
  t_->dscp = v;
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::IpMtu(uint32_t mtu) {
  t_->ip_mtu = mtu;
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::Reassembly(TunnelReassembly r) {
  t_->reassembly = r;
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::ClearDfBit(bool on) {
  t_->clear_df_bit = on;
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::Shutdown() {
  t_->admin = AdminState::kDown;
  return *this;
}
IpTunnelBuilder& IpTunnelBuilder::NoShutdown() {
  t_->admin = AdminState::kUp;
  return *this;
}

IpsecTunnelBuilder& IpsecTunnelBuilder::SecurityPolicy(uint32_t id) {
  t_->security_policy = id;
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::LocalGatewayAddress(std::string_view local,
                                                            std::string_view peer,
                                                            ServiceRef delivery_service) {
  t_->local_gateway_address = Ip(b_, "local-gateway-address", local);
  t_->peer = Ip(b_, "peer", peer);
  t_->delivery_service = std::move(delivery_service);
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::DynamicKeying(uint32_t ike_policy,
                                                      std::string_view pre_shared_key,
                                                      std::vector<uint32_t> transforms) {
  if (!std::holds_alternative<config::DynamicKeying>(t_->keying)) {
    t_->keying = config::DynamicKeying{};
  }
  auto& dk = std::get<config::DynamicKeying>(t_->keying);
  dk.ike_policy = ike_policy;
  dk.pre_shared_key.reset();
  if (!pre_shared_key.empty()) dk.pre_shared_key = ConfigSecret::FromText(pre_shared_key);
  dk.transforms = std::move(transforms);
  return *this;
}
config::DynamicKeying* IpsecTunnelBuilder::Keying(std::string_view command) {
  if (std::holds_alternative<ManualKeying>(t_->keying)) {
    b_->RecordError(StrCat(command, ": ipsec-tunnel \"", t_->name, "\" has manual-keying; ",
                           command, " needs dynamic-keying"));
    return nullptr;
  }
  if (!std::holds_alternative<config::DynamicKeying>(t_->keying)) {
    t_->keying = config::DynamicKeying{};
  }
  return &std::get<config::DynamicKeying>(t_->keying);
}
IpsecTunnelBuilder& IpsecTunnelBuilder::LocalId(IkeIdentity::Type type, std::string_view value) {
  config::DynamicKeying* dk = Keying("local-id");
  auto id = Identity(b_, "local-id", type, value);
  if (dk != nullptr && id) dk->local_id = std::move(id);
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::RemoteId(IkeIdentity::Type type, std::string_view value) {
  config::DynamicKeying* dk = Keying("remote-id");
  auto id = Identity(b_, "remote-id", type, value);
  if (dk != nullptr && id) dk->remote_id = std::move(id);
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::NoLocalId() {
  if (auto* dk = std::get_if<config::DynamicKeying>(&t_->keying)) dk->local_id.reset();
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::NoRemoteId() {
  if (auto* dk = std::get_if<config::DynamicKeying>(&t_->keying)) dk->remote_id.reset();
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::Cert(std::string_view cert, std::string_view key,
                                             std::string_view trust_anchor) {
  if (config::DynamicKeying* dk = Keying("cert")) dk->cert = MakeCert(cert, key, trust_anchor);
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::NoCert() {
  if (auto* dk = std::get_if<config::DynamicKeying>(&t_->keying)) dk->cert.reset();
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::ManualSa(uint32_t entry, SaDirection direction,
                                                 uint32_t spi, uint32_t transform,
                                                 std::string_view authentication_key_hex,
                                                 std::string_view encryption_key_hex) {
  if (!std::holds_alternative<ManualKeying>(t_->keying)) t_->keying = ManualKeying{};
  auto& sas = std::get<ManualKeying>(t_->keying).security_associations;
  config::ManualSa sa;
  sa.entry = entry;
  sa.direction = direction;
  sa.spi = spi;
  sa.transform = transform;
  for (auto [hex, key] : {std::pair{authentication_key_hex, &sa.authentication_key},
                          std::pair{encryption_key_hex, &sa.encryption_key}}) {
    if (hex.empty()) continue;
    auto bytes = SecretBytes::FromHex(hex);
    if (!bytes.ok()) {
      b_->RecordError("security-association: keys must be hexadecimal");
    } else {
      *key = ConfigSecret(std::move(*bytes));
    }
  }
  auto key = [](const config::ManualSa& s) { return std::make_pair(s.entry, s.direction); };
  auto it = std::lower_bound(sas.begin(), sas.end(), sa,
                             [&](const auto& a, const auto& b) { return key(a) < key(b); });
  if (it != sas.end() && key(*it) == key(sa)) {
    *it = std::move(sa);
  } else {
    sas.insert(it, std::move(sa));
  }
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::IpMtu(uint32_t mtu) {
  t_->ip_mtu = mtu;
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::ClearDfBit(bool on) {
  t_->clear_df_bit = on;
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::Dpd(config::Dpd dpd) {
  t_->dpd = dpd;
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::Shutdown() {
  t_->admin = AdminState::kDown;
  return *this;
}
IpsecTunnelBuilder& IpsecTunnelBuilder::NoShutdown() {
  t_->admin = AdminState::kUp;
  return *this;
}

IpsecGwBuilder& IpsecGwBuilder::GatewayAddress(std::string_view ip) {
  g_->gateway_address = Ip(b_, "gateway-address", ip);
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::IkePolicy(uint32_t id) {
  g_->ike_policy = id;
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::PreSharedKey(std::string_view key) {
  g_->pre_shared_key = ConfigSecret::FromText(key);
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::LocalId(IkeIdentity::Type type, std::string_view value) {
  if (auto id = Identity(b_, "local-id", type, value)) g_->local_id = std::move(id);
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::RemoteId(IkeIdentity::Type type, std::string_view value) {
  if (auto id = Identity(b_, "remote-id", type, value)) g_->remote_id = std::move(id);
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::NoLocalId() {
  g_->local_id.reset();
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::NoRemoteId() {
  g_->remote_id.reset();
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::Cert(std::string_view cert, std::string_view key,
                                     std::string_view trust_anchor) {
  g_->cert = MakeCert(cert, key, trust_anchor);
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::NoCert() {
  g_->cert.reset();
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::DefaultTunnelTemplate(uint32_t id) {
  g_->default_tunnel_template = id;
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::DefaultSecureService(uint32_t service, std::string_view interface) {
  g_->default_secure_service = SecureServiceRef{service, std::string(interface)};
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::Shutdown() {
  g_->admin = AdminState::kDown;
  return *this;
}
IpsecGwBuilder& IpsecGwBuilder::NoShutdown() {
  g_->admin = AdminState::kUp;
  return *this;
}

// ---- Build -----------------------------------------------------------------------------------

absl::StatusOr<Config> ConfigBuilder::Build() const {
  if (!errors_.empty()) return absl::InvalidArgumentError(errors_.front());
  ValidationReport report = Validate(config_);
  if (!report.ok()) {
    std::vector<std::string> lines;
    for (const Finding& f : report.errors) lines.push_back(f.object + ": " + f.message);
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }
  return config_;
}

}  // namespace tunnelisa::config
