// `show isa tunnel-group`, `show ipsec security-policy`, `show router SVC route-table`, and the
// dispatcher from command words. The tunnel commands are in show_tunnels.cc.
#include "tunnelisa/config/show.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/json_writer.h"
#include "config/show_common.h"
#include "config/text_table.h"
#include "tunnelisa/config/route_table.h"

namespace tunnelisa::config {
namespace {

using internal::JsonWriter;

std::string SlotList(const std::vector<IsaSlot>& slots) {
  if (slots.empty()) return "n/a";
  std::vector<std::string> s;
  for (const IsaSlot& slot : slots) s.push_back(slot.ToString());
  return absl::StrJoin(s, ",");
}

std::vector<IsaSlot> Primaries(const TunnelGroup& g) {
  if (g.mode == TunnelGroupMode::kMultiActive) return g.mdas;
  return g.primary ? std::vector<IsaSlot>{*g.primary} : std::vector<IsaSlot>{};
}

std::string SelectorText(const std::optional<IpPrefix>& p) {
  if (!p) return "n/a";
  return p->address().is_set() ? p->ToString() : std::string("any");
}

constexpr std::string_view kUsage =
    "supported show commands: isa tunnel-group [ID] | ip tunnel [NAME] | ipsec tunnel [NAME] | "
    "ipsec security-policy [SERVICE] | router SERVICE route-table | service id SERVICE stats | "
    "service id SERVICE sap SAP stats | ip tunnel NAME statistics | ipsec tunnel NAME statistics";

}  // namespace

std::string ShowIsaTunnelGroup(const Config& config, const RuntimeView& runtime,
                               ShowFormat format) {
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject().Key("tunnel_groups").BeginArray();
    for (const auto& [id, g] : config.tunnel_groups) {
      OperStatus oper = runtime.TunnelGroupStatus(id);
      j.BeginObject();
      j.Field("id", id);
      j.Field("mode", g.mode == TunnelGroupMode::kMultiActive ? "multi-active" : "single-active");
      j.Key("primary").BeginArray();
      for (const IsaSlot& s : Primaries(g)) j.String(s.ToString());
      j.EndArray();
      j.OptionalField("backup", g.backup ? g.backup->ToString() : "");
      if (g.mode == TunnelGroupMode::kMultiActive) {
        j.Field("active_mda_number", g.active_mda_number);
      }
      j.Key("active").BeginArray();
      for (const IsaSlot& s : runtime.ActiveIsas(id)) j.String(s.ToString());
      j.EndArray();
      j.Field("ipsec_responder_only", g.ipsec_responder_only);
      j.Field("admin", internal::Lower(g.admin));
      j.Field("oper", internal::LowerOper(oper));
      j.Key("oper_reasons").BeginArray();
      for (const std::string& r : oper.reasons) j.String(r);
      j.EndArray();
      j.EndObject();
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  internal::TextTable table("ISA Tunnel Groups", {{"TunnelGroupId", "PrimaryIsa", "BackupIsa",
                                                   "ActiveIsa", "Admin", "Oper", "Mode"}});
  for (const auto& [id, g] : config.tunnel_groups) {
    OperStatus oper = runtime.TunnelGroupStatus(id);
    table.AddRecord(
        {{std::to_string(id), SlotList(Primaries(g)), g.backup ? g.backup->ToString() : "n/a",
          SlotList(runtime.ActiveIsas(id)), internal::AdminText(g.admin), internal::OperText(oper),
          g.mode == TunnelGroupMode::kMultiActive ? "multi-active" : "single-active"}});
  }
  return table.Render(absl::StrCat("No. of ISA Tunnel Groups: ", config.tunnel_groups.size()));
}

absl::StatusOr<std::string> ShowIsaTunnelGroupDetail(const Config& config,
                                                     const RuntimeView& runtime, uint32_t id,
                                                     ShowFormat format) {
  auto it = config.tunnel_groups.find(id);
  if (it == config.tunnel_groups.end()) {
    return absl::NotFoundError(absl::StrCat("no tunnel-group ", id));
  }
  const TunnelGroup& g = it->second;
  const OperStatus oper = runtime.TunnelGroupStatus(id);
  const std::vector<IsaMemberState> members = runtime.IsaMembers(id);
  const char* mode = g.mode == TunnelGroupMode::kMultiActive ? "multi-active" : "single-active";
  auto state = [](const IsaMemberState& m) {
    return !m.healthy ? "failed" : m.active ? "active" : "standby";
  };
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject();
    j.Field("id", id);
    j.Field("mode", mode);
    if (g.mode == TunnelGroupMode::kMultiActive) j.Field("active_mda_number", g.active_mda_number);
    j.Key("active").BeginArray();
    for (const IsaSlot& s : runtime.ActiveIsas(id)) j.String(s.ToString());
    j.EndArray();
    j.Field("admin", internal::Lower(g.admin));
    j.Field("oper", internal::LowerOper(oper));
    j.Key("oper_reasons").BeginArray();
    for (const std::string& r : oper.reasons) j.String(r);
    j.EndArray();
    j.Key("members").BeginArray();
    for (const IsaMemberState& m : members) {
      j.BeginObject();
      j.Field("isa", m.isa.ToString());
      j.Field("role", m.role);
      j.Field("state", state(m));
      j.Field("tunnels", static_cast<uint64_t>(m.tunnels));
      j.Field("sas", m.sas);
      j.Field("packets", m.packets);
      j.Field("drops", m.drops);
      j.EndObject();
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  internal::DetailBlock d(absl::StrCat("ISA Tunnel Group ", id));
  d.Add("Mode", mode);
  if (g.mode == TunnelGroupMode::kMultiActive) {
    d.Add("Active MDA Number", std::to_string(g.active_mda_number));
  }
  d.Add("Active ISA", SlotList(runtime.ActiveIsas(id)));
  d.Add("Admin State", internal::AdminText(g.admin));
  d.Add("Oper State", internal::OperText(oper));
  for (const std::string& r : oper.reasons) d.Add("Down Reason", r);
  std::string out = d.Render();
  internal::TextTable t(absl::StrCat("Members of Tunnel Group ", id),
                        {{"Isa", "Role", "State", "Tunnels", "SAs", "Packets", "Drops"}});
  for (const IsaMemberState& m : members) {
    t.AddRecord({{m.isa.ToString(), m.role, state(m), std::to_string(m.tunnels),
                  std::to_string(m.sas), std::to_string(m.packets), std::to_string(m.drops)}});
  }
  return out + t.Render(absl::StrCat("No. of Members: ", members.size()));
}

absl::StatusOr<std::string> ShowIpsecSecurityPolicy(const Config& config, std::string_view service,
                                                    ShowFormat format) {
  std::vector<const Service*> services;
  if (service.empty()) {
    for (const auto& [id, s] : config.services) services.push_back(&s);
  } else {
    const Service* s = internal::ServiceByText(config, service);
    if (s == nullptr) {
      return absl::NotFoundError(absl::StrCat("no service ", std::string(service)));
    }
    services.push_back(s);
  }
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject().Key("security_policies").BeginArray();
    for (const Service* s : services) {
      for (const auto& [pid, p] : s->security_policies) {
        j.BeginObject();
        j.Field("service", s->id);
        j.Field("id", pid);
        j.Key("entries").BeginArray();
        for (const auto& [eid, e] : p.entries) {
          j.BeginObject();
          j.Field("id", eid);
          j.Field("local_ip", SelectorText(e.local_ip));
          j.Field("remote_ip", SelectorText(e.remote_ip));
          j.EndObject();
        }
        j.EndArray();
        j.EndObject();
      }
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  internal::TextTable table("IPsec Security Policy Entries",
                            {{"SvcId", "Policy", "Entry", "Local IP", "Remote IP"}});
  size_t count = 0;
  for (const Service* s : services) {
    for (const auto& [pid, p] : s->security_policies) {
      ++count;
      for (const auto& [eid, e] : p.entries) {
        table.AddRecord({{std::to_string(s->id), std::to_string(pid), std::to_string(eid),
                          SelectorText(e.local_ip), SelectorText(e.remote_ip)}});
      }
    }
  }
  return table.Render(absl::StrCat("No. of Security Policies: ", count));
}

absl::StatusOr<std::string> ShowRouterRouteTable(const Config& config, const RuntimeView& runtime,
                                                 std::string_view service, ShowFormat format) {
  const Service* s = internal::ServiceByText(config, service);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no service ", std::string(service)));
  RouteTable table = RouteTable::Build(*s, runtime);
  std::vector<Route> routes = table.routes();
  auto next_hop = [](const Route& r) {
    if (r.protocol == RouteProtocol::kLocal) return r.interface;
    switch (r.next_hop_kind) {
      case NextHopKind::kIp:
        return r.next_hop.ToString();
      case NextHopKind::kIpsecTunnel:
        return absl::StrCat("ipsec-tunnel \"", r.tunnel, "\"");
      case NextHopKind::kIpTunnel:
        return absl::StrCat("ip-tunnel \"", r.tunnel, "\"");
    }
    return std::string();
  };
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject();
    j.Field("service", s->id);
    j.Key("routes").BeginArray();
    for (const Route& r : routes) {
      j.BeginObject();
      j.Field("prefix", r.prefix.ToString());
      j.Field("protocol", r.protocol == RouteProtocol::kLocal ? "local" : "static");
      j.Field("next_hop", next_hop(r));
      j.OptionalField("interface", r.interface);
      j.Field("preference", r.preference);
      j.Field("active", r.active);
      j.OptionalField("inactive_reason", r.inactive_reason);
      j.EndObject();
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  internal::TextTable out(
      absl::StrCat("Route Table (Service: ", s->id, ")"),
      {{"Dest Prefix", "Type", "Proto", "Active", "Pref", "Next Hop[Interface Name]"}});
  for (const Route& r : routes) {
    bool local = r.protocol == RouteProtocol::kLocal;
    out.AddRecord({{r.prefix.ToString(), local ? "Local" : "Remote", local ? "Local" : "Static",
                    r.active ? "Y" : "N", std::to_string(r.preference), next_hop(r)}});
  }
  return out.Render(absl::StrCat("No. of Routes: ", routes.size()));
}

absl::StatusOr<std::string> RenderShow(const Config& config, const RuntimeView& runtime,
                                       std::span<const std::string> words, ShowFormat format) {
  auto is = [&](std::initializer_list<std::string_view> prefix) {
    if (words.size() < prefix.size()) return false;
    size_t i = 0;
    for (std::string_view w : prefix) {
      if (words[i++] != w) return false;
    }
    return true;
  };
  if (is({"isa", "tunnel-group"}) && words.size() == 2) {
    return ShowIsaTunnelGroup(config, runtime, format);
  }
  if (is({"isa", "tunnel-group"}) && words.size() == 3) {
    uint32_t id = 0;
    if (!absl::SimpleAtoi(words[2], &id)) {
      return absl::InvalidArgumentError(absl::StrCat("not a tunnel-group id: ", words[2]));
    }
    return ShowIsaTunnelGroupDetail(config, runtime, id, format);
  }
  if (is({"ip", "tunnel"}) && words.size() == 4 && words[3] == "statistics") {
    return ShowTunnelStats(config, runtime, words[2], /*ipsec=*/false, format);
  }
  if (is({"ipsec", "tunnel"}) && words.size() == 4 && words[3] == "statistics") {
    return ShowTunnelStats(config, runtime, words[2], /*ipsec=*/true, format);
  }
  if (is({"service", "id"}) && words.size() == 4 && words[3] == "stats") {
    return ShowServiceStats(config, runtime, words[2], format);
  }
  if (is({"service", "id"}) && words.size() == 6 && words[3] == "sap" && words[5] == "stats") {
    return ShowSapStats(config, runtime, words[2], words[4], format);
  }
  if (is({"ip", "tunnel"}) && words.size() <= 3) {
    return ShowIpTunnel(config, runtime, words.size() == 3 ? words[2] : "", format);
  }
  if (is({"ipsec", "tunnel"}) && words.size() <= 3) {
    return ShowIpsecTunnel(config, runtime, words.size() == 3 ? words[2] : "", format);
  }
  if (is({"ipsec", "security-policy"}) && words.size() <= 3) {
    return ShowIpsecSecurityPolicy(config, words.size() == 3 ? words[2] : "", format);
  }
  if (words.size() == 3 && words[0] == "router" && words[2] == "route-table") {
    return ShowRouterRouteTable(config, runtime, words[1], format);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown show command '", absl::StrJoin(words, " "), "'; ", std::string(kUsage)));
}

}  // namespace tunnelisa::config
