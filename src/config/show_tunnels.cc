// `show ip tunnel [NAME]` and `show ipsec tunnel [NAME]`.
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/json_writer.h"
#include "config/show_common.h"
#include "config/text_table.h"
#include "config/walk.h"
#include "tunnelisa/config/show.h"

namespace tunnelisa::config {
namespace {

using internal::AddressOrNone;
using internal::AdminText;
using internal::DeliveryText;
using internal::JsonWriter;
using internal::OperText;
using internal::TunnelAt;

std::string LocalAddress(const Interface& i) {
  return i.address ? i.address->address.ToString() : std::string("n/a");
}

std::string ReassemblyText(const IpTunnel& t) {
  switch (t.reassembly.mode) {
    case TunnelReassembly::Mode::kTunnelGroup:
      return "use-tunnel-group-setting";
    case TunnelReassembly::Mode::kEnabled:
      return absl::StrCat(t.reassembly.wait_ms, " ms");
    case TunnelReassembly::Mode::kDisabled:
      return "disabled";
  }
  return {};
}

std::string KeyingText(const IpsecTunnel& t) {
  if (std::holds_alternative<DynamicKeying>(t.keying)) return "dynamic";
  if (std::holds_alternative<ManualKeying>(t.keying)) return "manual";
  return "none";
}

// JsonIkeId: {"type": "fqdn", "value": "vpn.example.com"}, or null when not configured.
void JsonIkeId(JsonWriter& j, std::string_view key, const std::optional<IkeIdentity>& id) {
  j.Key(key);
  if (!id) {
    j.Null();
    return;
  }
  j.BeginObject();
  j.Field("type", IkeIdentityTypeName(id->type));
  j.Field("value", id->value);
  j.EndObject();
}

// Policy: the tunnel's ike-policy, or nullptr when it names none that exists.
const IkePolicy* Policy(const Config& config, const DynamicKeying& dk) {
  if (!dk.ike_policy) return nullptr;
  auto it = config.ike_policies.find(*dk.ike_policy);
  return it == config.ike_policies.end() ? nullptr : &it->second;
}

// LocalIdText: the identity IKE sends, "(default)" when it is the local gateway's address;
// with certificate authentication and no local-id, the certificate's subject (the guide:
// "the SR OS will use the subject of the configured certificate as its ID").
std::string LocalIdText(const IpsecTunnel& t, const DynamicKeying& dk, const IkePolicy* policy) {
  if (!dk.local_id && policy != nullptr && OwnAuthMethod(*policy) == IkeAuthMethod::kCertAuth &&
      dk.cert && !dk.cert->cert.empty()) {
    return absl::StrCat("subject of cert \"", dk.cert->cert, "\"");
  }
  std::optional<IkeIdentity> id = EffectiveLocalId(t);
  if (!id) return "n/a";
  return dk.local_id ? id->ToString() : id->ToString() + " (default)";
}

std::string AuthMethodText(const IkePolicy* policy, bool own) {
  if (policy == nullptr) return "n/a";
  return std::string(IkeAuthMethodName(own ? OwnAuthMethod(*policy) : policy->auth_method));
}

// JsonCert: {"cert": ..., "key": ..., "trust_anchor": ...} (null for what is not set), or
// null without a cert block.
void JsonCert(JsonWriter& j, const std::optional<CertAuth>& cert) {
  j.Key("cert");
  if (!cert) {
    j.Null();
    return;
  }
  j.BeginObject();
  j.OptionalField("cert", cert->cert);
  j.OptionalField("key", cert->key);
  j.OptionalField("trust_anchor", cert->trust_anchor);
  j.EndObject();
}

void JsonService(JsonWriter& j, std::string_view key, const std::optional<ServiceRef>& ref) {
  j.Key(key);
  if (!ref) {
    j.Null();
  } else if (ref->name.empty()) {
    j.Uint(ref->id);
  } else {
    j.String(ref->name);
  }
}

void JsonIpTunnel(JsonWriter& j, const TunnelAt<IpTunnel>& at, const OperStatus& oper,
                  const std::optional<IpAddress>& active_remote) {
  const IpTunnel& t = *at.tunnel;
  j.BeginObject();
  j.Field("name", t.name);
  j.Field("service", at.service->id);
  j.Field("sap", at.sap->id.ToString());
  j.Field("type", t.gre_header ? "gre" : "ip-ip");
  j.OptionalField("source", t.source ? t.source->ToString() : "");
  j.OptionalField("remote_ip", t.remote_ip ? t.remote_ip->ToString() : "");
  j.OptionalField("backup_remote_ip", t.backup_remote_ip ? t.backup_remote_ip->ToString() : "");
  j.OptionalField("active_remote_ip", active_remote ? active_remote->ToString() : "");
  j.OptionalField("local_address",
                  at.interface->address ? at.interface->address->address.ToString() : "");
  j.OptionalField("dest_ip", t.dest_ip ? t.dest_ip->ToString() : "");
  JsonService(j, "delivery_service", t.delivery_service);
  j.OptionalField("dscp", t.dscp ? DscpName(*t.dscp) : "");
  j.Key("ip_mtu");
  if (t.ip_mtu) {
    j.Uint(*t.ip_mtu);
  } else {
    j.Null();
  }
  j.Field("reassembly", ReassemblyText(t));
  j.Field("clear_df_bit", t.clear_df_bit);
  j.Field("admin", internal::Lower(t.admin));
  j.Field("oper", internal::LowerOper(oper));
  j.Key("oper_reasons").BeginArray();
  for (const std::string& r : oper.reasons) j.String(r);
  j.EndArray();
  j.EndObject();
}

std::string DetailIpTunnel(const TunnelAt<IpTunnel>& at, const OperStatus& oper,
                           const std::optional<IpAddress>& active_remote) {
  const IpTunnel& t = *at.tunnel;
  internal::DetailBlock b("IP Tunnel Configuration Detail");
  b.Add("Service Id", std::to_string(at.service->id));
  b.Add("Sap Id", at.sap->id.ToString());
  b.Add("Tunnel Name", t.name);
  b.Add("Description", t.description.empty() ? "(Not Specified)" : t.description);
  b.Add("Type", t.gre_header ? "GRE" : "IP-IP");
  b.Add("Source Address", AddressOrNone(t.source));
  b.Add("Remote IP Address", AddressOrNone(t.remote_ip));
  b.Add("Backup Remote IP", AddressOrNone(t.backup_remote_ip));
  b.Add("Active Remote IP", AddressOrNone(active_remote));
  b.Add("Local Address", LocalAddress(*at.interface));
  b.Add("Dest IP (Target)", AddressOrNone(t.dest_ip));
  b.Add("Delivery Service", DeliveryText(t.delivery_service));
  b.Add("DSCP", t.dscp ? DscpName(*t.dscp) : "copy from inner header");
  b.Add("IP MTU", t.ip_mtu ? std::to_string(*t.ip_mtu) : "default");
  b.Add("Reassembly", ReassemblyText(t));
  b.Add("Clear DF Bit", t.clear_df_bit ? "true" : "false");
  b.Add("Admin State", AdminText(t.admin));
  b.Add("Oper State", OperText(oper));
  for (const std::string& r : oper.reasons) b.Add("Oper Down Reason", r);
  return b.Render();
}

void JsonIpsecTunnel(JsonWriter& j, const Config& config, const TunnelAt<IpsecTunnel>& at,
                     const OperStatus& oper, const std::optional<IpsecTunnelCounters>& counters) {
  const IpsecTunnel& t = *at.tunnel;
  j.BeginObject();
  j.Field("name", t.name);
  j.Field("service", at.service->id);
  j.Field("sap", at.sap->id.ToString());
  j.OptionalField("local_gateway_address",
                  t.local_gateway_address ? t.local_gateway_address->ToString() : "");
  j.OptionalField("peer", t.peer ? t.peer->ToString() : "");
  JsonService(j, "delivery_service", t.delivery_service);
  j.Key("security_policy");
  if (t.security_policy) {
    j.Uint(*t.security_policy);
  } else {
    j.Null();
  }
  j.Field("keying", KeyingText(t));
  if (const auto* dk = std::get_if<DynamicKeying>(&t.keying)) {
    j.Key("ike_policy");
    if (dk->ike_policy) {
      j.Uint(*dk->ike_policy);
    } else {
      j.Null();
    }
    j.Key("transforms").BeginArray();
    for (uint32_t id : dk->transforms) j.Uint(id);
    j.EndArray();
    const IkePolicy* policy = Policy(config, *dk);
    j.OptionalField("auth_method", policy ? AuthMethodText(policy, false) : "");
    j.OptionalField("own_auth_method", policy ? AuthMethodText(policy, true) : "");
    JsonIkeId(j, "local_id", dk->local_id);
    JsonIkeId(j, "remote_id", dk->remote_id);
    JsonCert(j, dk->cert);
  }
  j.Key("ip_mtu");
  if (t.ip_mtu) {
    j.Uint(*t.ip_mtu);
  } else {
    j.Null();
  }
  j.Field("clear_df_bit", t.clear_df_bit);
  j.Field("admin", internal::Lower(t.admin));
  j.Field("oper", internal::LowerOper(oper));
  j.Key("oper_reasons").BeginArray();
  for (const std::string& r : oper.reasons) j.String(r);
  j.EndArray();
  j.Key("counters");
  if (counters) {
    j.BeginObject();
    j.Field("inbound_spi", counters->inbound_spi);
    j.Field("outbound_spi", counters->outbound_spi);
    j.Field("inbound_packets", counters->inbound_packets);
    j.Field("inbound_bytes", counters->inbound_bytes);
    j.Field("outbound_packets", counters->outbound_packets);
    j.Field("outbound_bytes", counters->outbound_bytes);
    j.Field("dropped_packets", counters->dropped_packets);
    j.EndObject();
  } else {
    j.Null();
  }
  j.EndObject();
}

std::string DetailIpsecTunnel(const Config& config, const TunnelAt<IpsecTunnel>& at,
                              const OperStatus& oper,
                              const std::optional<IpsecTunnelCounters>& counters) {
  const IpsecTunnel& t = *at.tunnel;
  internal::DetailBlock b("IPsec Tunnel Configuration Detail");
  b.Add("Service Id", std::to_string(at.service->id));
  b.Add("Sap Id", at.sap->id.ToString());
  b.Add("Tunnel Name", t.name);
  b.Add("Description", t.description.empty() ? "(Not Specified)" : t.description);
  b.Add("Local Gateway", AddressOrNone(t.local_gateway_address));
  b.Add("Peer Address", AddressOrNone(t.peer));
  b.Add("Delivery Service", DeliveryText(t.delivery_service));
  b.Add("Security Policy", t.security_policy ? std::to_string(*t.security_policy) : "n/a");
  b.Add("Keying Type", KeyingText(t));
  if (const auto* dk = std::get_if<DynamicKeying>(&t.keying)) {
    const IkePolicy* policy = Policy(config, *dk);
    b.Add("IKE Policy", dk->ike_policy ? std::to_string(*dk->ike_policy) : "n/a");
    b.Add("Auth Method", AuthMethodText(policy, false));
    b.Add("Own Auth Method", AuthMethodText(policy, true));
    b.Add("Transforms", dk->transforms.empty() ? "n/a" : absl::StrJoin(dk->transforms, " "));
    b.Add("Local IKE ID", LocalIdText(t, *dk, policy));
    b.Add("Remote IKE ID", dk->remote_id ? dk->remote_id->ToString() : "any");
    if (dk->cert) {
      auto shown = [](const std::string& s) { return s.empty() ? std::string("n/a") : s; };
      b.Add("Certificate", shown(dk->cert->cert));
      b.Add("Private Key", shown(dk->cert->key));
      b.Add("Trust Anchor", shown(dk->cert->trust_anchor));
    }
  }
  b.Add("IP MTU", t.ip_mtu ? std::to_string(*t.ip_mtu) : "default");
  b.Add("Clear DF Bit", t.clear_df_bit ? "true" : "false");
  b.Add("Admin State", AdminText(t.admin));
  b.Add("Oper State", OperText(oper));
  for (const std::string& r : oper.reasons) b.Add("Oper Down Reason", r);
  if (counters) {
    b.Rule();
    b.Add("Inbound SPI", std::to_string(counters->inbound_spi));
    b.Add("Outbound SPI", std::to_string(counters->outbound_spi));
    b.Add("Inbound Packets", std::to_string(counters->inbound_packets));
    b.Add("Inbound Octets", std::to_string(counters->inbound_bytes));
    b.Add("Outbound Packets", std::to_string(counters->outbound_packets));
    b.Add("Outbound Octets", std::to_string(counters->outbound_bytes));
    b.Add("Dropped Packets", std::to_string(counters->dropped_packets));
  }
  return b.Render();
}

// SelectTunnels: every tunnel of kind T (name empty) or the one named; NotFound names the kind.
template <typename T>
absl::StatusOr<std::vector<TunnelAt<T>>> SelectTunnels(const Config& config,
                                                       std::string_view name) {
  std::vector<TunnelAt<T>> rows;
  auto keep = [&](const TunnelAt<T>& at) {
    if (name.empty() || at.tunnel->name == name) rows.push_back(at);
  };
  constexpr bool kIp = std::is_same_v<T, IpTunnel>;
  if constexpr (kIp) {
    internal::ForEachIpTunnel(config, keep);
  } else {
    internal::ForEachIpsecTunnel(config, keep);
  }
  if (!name.empty() && rows.empty()) {
    return absl::NotFoundError(absl::StrCat("no ", kIp ? "ip-tunnel" : "ipsec-tunnel", " named \"",
                                            std::string(name), "\""));
  }
  return rows;
}

}  // namespace

absl::StatusOr<std::string> ShowIpTunnel(const Config& config, const RuntimeView& runtime,
                                         std::string_view name, ShowFormat format) {
  absl::StatusOr<std::vector<TunnelAt<IpTunnel>>> selected = SelectTunnels<IpTunnel>(config, name);
  if (!selected.ok()) return selected.status();
  const std::vector<TunnelAt<IpTunnel>>& rows = *selected;
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject().Key("ip_tunnels").BeginArray();
    for (const auto& at : rows) {
      const TunnelKey key{at.service->id, at.tunnel->name};
      JsonIpTunnel(j, at, runtime.IpTunnelStatus(key), runtime.IpTunnelActiveRemote(key));
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  if (!name.empty()) {
    std::string out;
    for (const auto& at : rows) {
      const TunnelKey key{at.service->id, at.tunnel->name};
      out += DetailIpTunnel(at, runtime.IpTunnelStatus(key), runtime.IpTunnelActiveRemote(key));
    }
    return out;
  }
  internal::TextTable table("IP Tunnels", {{"TunnelName", "SourceAddress", "SvcId", "Admn"},
                                           {"SapId", "RemoteAddress", "DlvrySvcId", "Oper"},
                                           {"LocalAddress", "To", "Bkup RemAddr", "DSCP", "Type"}});
  for (const auto& at : rows) {
    const IpTunnel& t = *at.tunnel;
    OperStatus oper = runtime.IpTunnelStatus({at.service->id, t.name});
    table.AddRecord(
        {{t.name, AddressOrNone(t.source), std::to_string(at.service->id), AdminText(t.admin)},
         {at.sap->id.ToString(), AddressOrNone(t.remote_ip), DeliveryText(t.delivery_service),
          OperText(oper)},
         {LocalAddress(*at.interface), AddressOrNone(t.dest_ip), AddressOrNone(t.backup_remote_ip),
          t.dscp ? DscpName(*t.dscp) : "None", t.gre_header ? "GRE" : "IP-IP"}});
  }
  return table.Render(absl::StrCat("No. of IP Tunnels: ", rows.size()));
}

absl::StatusOr<std::string> ShowIpsecTunnel(const Config& config, const RuntimeView& runtime,
                                            std::string_view name, ShowFormat format) {
  absl::StatusOr<std::vector<TunnelAt<IpsecTunnel>>> selected =
      SelectTunnels<IpsecTunnel>(config, name);
  if (!selected.ok()) return selected.status();
  const std::vector<TunnelAt<IpsecTunnel>>& rows = *selected;
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject().Key("ipsec_tunnels").BeginArray();
    for (const auto& at : rows) {
      TunnelKey key{at.service->id, at.tunnel->name};
      JsonIpsecTunnel(j, config, at, runtime.IpsecTunnelStatus(key), runtime.IpsecCounters(key));
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  if (!name.empty()) {
    std::string out;
    for (const auto& at : rows) {
      TunnelKey key{at.service->id, at.tunnel->name};
      out +=
          DetailIpsecTunnel(config, at, runtime.IpsecTunnelStatus(key), runtime.IpsecCounters(key));
    }
    return out;
  }
  internal::TextTable table("IPsec Tunnels",
                            {{"TunnelName", "LocalAddress", "SvcId", "Admn", "Keying"},
                             {"SapId", "RemoteAddress", "DlvrySvcId", "Oper", "Sec Plcy"}});
  for (const auto& at : rows) {
    const IpsecTunnel& t = *at.tunnel;
    OperStatus oper = runtime.IpsecTunnelStatus({at.service->id, t.name});
    table.AddRecord(
        {{t.name, AddressOrNone(t.local_gateway_address), std::to_string(at.service->id),
          AdminText(t.admin), KeyingText(t)},
         {at.sap->id.ToString(), AddressOrNone(t.peer), DeliveryText(t.delivery_service),
          OperText(oper), t.security_policy ? std::to_string(*t.security_policy) : "n/a"}});
  }
  return table.Render(absl::StrCat("No. of IPsec Tunnels: ", rows.size()));
}

}  // namespace tunnelisa::config
