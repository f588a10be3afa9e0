// The statistics show commands (the guide's "Statistics Collection": input and output packets
// and octets per service, for billing; per SAP and per tunnel here too, with drops by reason
// where the engine counts them per object):
//   show service id SERVICE stats
//   show service id SERVICE sap SAP stats
//   show ip tunnel NAME statistics
//   show ipsec tunnel NAME statistics
// The guide shows no output for them; the layout is SR OS's `show service id N sap SAP stats`
// (a header block, then "Packets" and "Octets" columns). The figures come from the
// RuntimeView; a view without counters (a configuration checked offline) says so.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "config/json_writer.h"
#include "config/show_common.h"
#include "config/text_table.h"
#include "config/walk.h"
#include "tunnelisa/config/show.h"

namespace tunnelisa::config {
namespace {

using internal::JsonWriter;

constexpr size_t kWidth = 79;
constexpr char kNoCounters[] = "not available (no running engine)";

std::string Rule(char c) { return std::string(kWidth, c) + "\n"; }

// Row: "Label                   : packets                 octets".
std::string Row(std::string_view label, const std::string& packets, const std::string& octets) {
  std::string line = absl::StrFormat("%-24s: %-24s%s", label, packets, octets);
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}

// StatsSection: the counters under `title`; `in` / `out` name the directions for this kind of
// object; `no_drops` says why there is no drop figure (drops_counted false).
std::string StatsSection(std::string_view title, const std::optional<TrafficStatistics>& s,
                         std::string_view in, std::string_view out, std::string_view no_drops) {
  std::string text = Rule('-') + std::string(title) + "\n" + Rule('-');
  if (!s) return text + Row("Counters", kNoCounters, "") + Rule('=');
  text += absl::StrFormat("%-26s%-24s%s\n", "", "Packets", "Octets");
  text += Row(in, std::to_string(s->in_packets), std::to_string(s->in_octets));
  text += Row(out, std::to_string(s->out_packets), std::to_string(s->out_octets));
  if (!s->drops_counted) return text + Row("Dropped", std::string(no_drops), "") + Rule('=');
  uint64_t total = 0;
  for (const auto& [reason, n] : s->drops) total += n;
  text += Row("Dropped", std::to_string(total), "");
  for (const auto& [reason, n] : s->drops) text += Row("  " + reason, std::to_string(n), "");
  return text + Rule('=');
}

// Head: a detail block without its closing rule (the statistics section follows and closes).
std::string Head(const internal::DetailBlock& d) {
  std::string h = d.Render();
  h.erase(h.rfind('\n', h.size() - 2) + 1);
  return h;
}

void JsonStats(JsonWriter& j, const std::optional<TrafficStatistics>& s) {
  j.Key("statistics");
  if (!s) {
    j.Null();
    return;
  }
  j.BeginObject();
  j.Field("in_packets", s->in_packets);
  j.Field("in_octets", s->in_octets);
  j.Field("out_packets", s->out_packets);
  j.Field("out_octets", s->out_octets);
  j.Key("drops");
  if (!s->drops_counted) {
    j.Null();
  } else {
    j.BeginObject();
    for (const auto& [reason, n] : s->drops) j.Field(reason, n);
    j.EndObject();
  }
  j.EndObject();
}

const Service* FindService(const Config& config, std::string_view text) {
  return internal::ServiceByText(config, text);
}

// FindSap: the interface holding SAP `id` in service `s`, or nullptr.
const Interface* FindSap(const Service& s, const TunnelSapId& id) {
  for (const auto& [name, i] : s.interfaces) {
    if (i.sap && i.sap->id == id) return &i;
  }
  return nullptr;
}

constexpr char kTunnelDrops[] = "";  // tunnels always count drops
constexpr char kSapDrops[] = "not counted per SAP (see the tunnels' statistics)";
constexpr char kServiceDrops[] = "not counted per service (see the tunnels' statistics)";

}  // namespace

absl::StatusOr<std::string> ShowServiceStats(const Config& config, const RuntimeView& runtime,
                                             std::string_view service, ShowFormat format) {
  const Service* s = FindService(config, service);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no service ", std::string(service)));
  const std::optional<TrafficStatistics> stats = runtime.ServiceStatistics(s->id);
  size_t saps = 0;
  for (const auto& [name, i] : s->interfaces) saps += i.sap ? 1 : 0;
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject();
    j.Field("service", s->id);
    j.Field("type", ServiceTypeName(s->type));
    j.OptionalField("name", s->name);
    j.Field("admin", internal::Lower(s->admin));
    j.Field("saps", static_cast<uint64_t>(saps));
    JsonStats(j, stats);
    j.EndObject();
    return j.Take();
  }
  internal::DetailBlock d("Service Basic Information");
  d.Add("Service Id", std::to_string(s->id));
  d.Add("Service Type", absl::AsciiStrToUpper(std::string(ServiceTypeName(s->type))));
  d.Add("Name", s->name.empty() ? "(Not Specified)" : s->name);
  d.Add("Admin State", internal::AdminText(s->admin));
  d.Add("SAP Count", std::to_string(saps));
  return Head(d) + StatsSection("Service Statistics (sum over its SAPs)", stats,
                                "Ingress (from tunnels)", "Egress (into tunnels)", kServiceDrops);
}

absl::StatusOr<std::string> ShowSapStats(const Config& config, const RuntimeView& runtime,
                                         std::string_view service, std::string_view sap,
                                         ShowFormat format) {
  const Service* s = FindService(config, service);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no service ", std::string(service)));
  std::optional<TunnelSapId> id = TunnelSapId::Parse(sap);
  if (!id) {
    return absl::InvalidArgumentError(absl::StrCat("not a tunnel SAP: ", std::string(sap),
                                                   " (tunnel-G.public:N or tunnel-G.private:N)"));
  }
  const Interface* i = FindSap(*s, *id);
  if (i == nullptr) {
    return absl::NotFoundError(absl::StrCat("no sap ", id->ToString(), " in service ", s->id));
  }
  const bool is_public = id->kind == SapKind::kPublic;
  const std::optional<TrafficStatistics> stats = runtime.SapStatistics(s->id, *id);
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject();
    j.Field("service", s->id);
    j.Field("sap", id->ToString());
    j.Field("interface", i->name);
    j.Field("kind", is_public ? "public" : "private");
    j.Field("admin", internal::Lower(i->sap->admin));
    JsonStats(j, stats);
    j.EndObject();
    return j.Take();
  }
  internal::DetailBlock d("Service Access Points(SAP)");
  d.Add("Service Id", std::to_string(s->id));
  d.Add("SAP", id->ToString());
  d.Add("Interface", i->name);
  d.Add("Kind",
        is_public ? "public tunnel SAP (outer packets)" : "private tunnel SAP (payload packets)");
  d.Add("Admin State", internal::AdminText(i->sap->admin));
  return Head(d) + StatsSection("Sap Statistics", stats,
                                is_public ? "Ingress (received)" : "Ingress (from tunnels)",
                                is_public ? "Egress (sent)" : "Egress (into tunnels)", kSapDrops);
}

absl::StatusOr<std::string> ShowTunnelStats(const Config& config, const RuntimeView& runtime,
                                            std::string_view name, bool ipsec, ShowFormat format) {
  struct Row {
    const Service* service;
    const Sap* sap;
    TunnelKey key;
  };
  std::vector<Row> rows;
  auto keep = [&](const auto& at) {
    if (at.tunnel->name == name)
      rows.push_back({at.service, at.sap, {at.service->id, at.tunnel->name}});
  };
  if (ipsec) {
    internal::ForEachIpsecTunnel(config, keep);
  } else {
    internal::ForEachIpTunnel(config, keep);
  }
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("no ", ipsec ? "ipsec-tunnel" : "ip-tunnel",
                                            " named \"", std::string(name), "\""));
  }
  auto oper = [&](const TunnelKey& key) {
    return ipsec ? runtime.IpsecTunnelStatus(key) : runtime.IpTunnelStatus(key);
  };
  if (format == ShowFormat::kJson) {
    JsonWriter j;
    j.BeginObject().Key(ipsec ? "ipsec_tunnels" : "ip_tunnels").BeginArray();
    for (const Row& r : rows) {
      j.BeginObject();
      j.Field("name", r.key.name);
      j.Field("service", r.service->id);
      j.Field("sap", r.sap->id.ToString());
      j.Field("oper", internal::LowerOper(oper(r.key)));
      JsonStats(j, runtime.TunnelStatistics(r.key, ipsec));
      j.EndObject();
    }
    j.EndArray().EndObject();
    return j.Take();
  }
  std::string out;
  for (const Row& r : rows) {
    internal::DetailBlock d(ipsec ? "IPsec Tunnel Statistics" : "IP Tunnel Statistics");
    d.Add("Service Id", std::to_string(r.service->id));
    d.Add("Sap Id", r.sap->id.ToString());
    d.Add("Tunnel Name", r.key.name);
    d.Add("Oper State", internal::OperText(oper(r.key)));
    out += Head(d) + StatsSection("Tunnel Statistics (payload packets)",
                                  runtime.TunnelStatistics(r.key, ipsec),
                                  ipsec ? "Ingress (decrypted)" : "Ingress (decapsulated)",
                                  ipsec ? "Egress (encrypted)" : "Egress (encapsulated)",
                                  kTunnelDrops);
  }
  return out;
}

}  // namespace tunnelisa::config
