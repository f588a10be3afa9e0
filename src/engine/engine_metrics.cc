// The engine's statistics for `show ... stats` (EngineView::set_statistics) and its metrics in
// Prometheus' text format (Engine::Metrics). Control path: what they read of the slots (SA
// counters, data-plane counters) they read inside a control window.
//
// Where drops are counted: per SA by the ESP data plane (replay, ICV, lifetime, ...: an
// ipsec-tunnel's drops are its SAs'), per GRE / IP-IP tunnel by the IP tunnel data plane, per
// ISA slot by both data planes (which includes packets no tunnel claimed), and per engine by
// reason for every packet (routing, tunnel-down, MTU, ...). SAPs and services have no drop
// counters of their own.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/str_cat.h"
#include "engine/engine_impl.h"
#include "tunnelisa/metrics_text.h"

namespace tunnelisa {
namespace {

using Drops = std::array<uint64_t, kNumDropReasons>;

// NonZero: the reasons that occurred, in the X-macro list's order.
std::vector<std::pair<std::string, uint64_t>> NonZero(const Drops& drops) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (size_t i = 1; i < drops.size(); ++i) {
    if (drops[i] != 0) out.emplace_back(DropReasonName(static_cast<DropReason>(i)), drops[i]);
  }
  return out;
}

config::TrafficStatistics FromCounters(const TrafficCounters& c) {
  config::TrafficStatistics s;
  s.in_packets = c.in_packets;
  s.in_octets = c.in_octets;
  s.out_packets = c.out_packets;
  s.out_octets = c.out_octets;
  return s;
}

// SaHandles: every SA of an ipsec-tunnel or ipsec-gw session now, each once: the active
// outbound SA, the outbound SAs IKE installed (rekeyed ones not yet deleted), the inbound SAs.
std::vector<SaHandle> SaHandles(const IpsecTunnelState& t) {
  std::vector<SaHandle> out;
  auto add = [&out](const SaHandle& h) {
    if (h.valid() && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  };
  add(t.outbound);
  for (const SaHandle& h : t.ike_outbound) add(h);
  for (const SaHandle& h : t.inbound) add(h);
  return out;
}

std::string Direction(SaDirection d) { return d == SaDirection::kInbound ? "in" : "out"; }

}  // namespace

std::optional<config::TrafficStatistics> Engine::Impl::TunnelStatistics(
    const config::TunnelKey& key, bool ipsec) const {
  if (ipsec) {
    auto traffic = ipsec_traffic.find(key);
    if (traffic == ipsec_traffic.end()) return std::nullopt;
    config::TrafficStatistics s = FromCounters(traffic->second.inner);
    s.drops_counted = true;
    auto t = ipsec_tunnels.find(key);
    if (t != ipsec_tunnels.end() && t->second.slot != nullptr) {
      Drops drops{};
      for (const SaHandle& h : SaHandles(t->second)) {
        absl::StatusOr<SaStats> sa = t->second.slot->esp->Query(h);
        if (!sa.ok()) continue;
        for (size_t i = 0; i < drops.size(); ++i) drops[i] += sa->drops[i];
      }
      s.drops = NonZero(drops);
    }
    return s;
  }
  auto traffic = ip_traffic.find(key);
  if (traffic == ip_traffic.end()) return std::nullopt;
  config::TrafficStatistics s = FromCounters(traffic->second.inner);
  s.drops_counted = true;
  auto t = ip_tunnels.find(key);
  if (t != ip_tunnels.end() && t->second.installed && t->second.slot != nullptr) {
    if (const IpTunnelCounters* c = t->second.slot->ip->Counters(t->second.handle)) {
      s.drops = NonZero(c->drops);
    }
  }
  return s;
}

void Engine::Impl::WireStatistics() {
  view.set_statistics({
      .tunnel =
          [this](const config::TunnelKey& key, bool ipsec) {
            ControlWindow w(*this);
            return TunnelStatistics(key, ipsec);
          },
      .sap = [this](uint32_t service,
                    const config::TunnelSapId& sap) -> std::optional<config::TrafficStatistics> {
        ControlWindow w(*this);
        std::optional<TrafficCounters> c = SapTraffic(service, sap);
        if (!c) return std::nullopt;
        return FromCounters(*c);
      },
      .service = [this](uint32_t service) -> std::optional<config::TrafficStatistics> {
        ControlWindow w(*this);
        std::optional<TrafficCounters> c = ServiceTraffic(service);
        if (!c) return std::nullopt;
        return FromCounters(*c);
      },
  });
}

void Engine::Impl::TunnelMetrics(MetricsText& m) const {
  const config::Config& config = running.config();
  for (bool ipsec : {false, true}) {
    const std::string kind = ipsec ? "ipsec_tunnel" : "ip_tunnel";
    const std::string what = ipsec ? "ipsec-tunnel" : "ip-tunnel (GRE / IP-IP)";
    // Every configured tunnel of this kind with its statistics, in key order.
    std::vector<std::pair<config::TunnelKey, config::TrafficStatistics>> rows;
    for (const auto& [sid, s] : config.services) {
      for (const auto& [ifname, i] : s.interfaces) {
        if (!i.sap) continue;
        std::vector<std::string> names;
        if (ipsec) {
          for (const auto& [name, t] : i.sap->ipsec_tunnels) names.push_back(name);
        } else if (i.sap->ip_tunnel) {
          names.push_back(i.sap->ip_tunnel->name);
        }
        for (const std::string& name : names) {
          config::TunnelKey key{sid, name};
          rows.emplace_back(key,
                            TunnelStatistics(key, ipsec).value_or(config::TrafficStatistics{}));
        }
      }
    }
    m.Family(StrCat("tunnelisa_", kind, "_up"), MetricsText::kGauge,
             StrCat("1 when the ", what, " is operationally up, else 0."));
    for (const auto& [key, s] : rows) {
      const std::string service = std::to_string(key.service);
      const bool up = ipsec ? view.IpsecTunnelStatus(key).up() : view.IpTunnelStatus(key).up();
      m.Sample({{"service", service}, {"tunnel", key.name}}, up ? 1 : 0);
    }
    for (bool octets : {false, true}) {
      m.Family(StrCat("tunnelisa_", kind, octets ? "_octets_total" : "_packets_total"),
               MetricsText::kCounter,
               StrCat("Payload ", octets ? "octets" : "packets", " of the ", what,
                      ": in = decapsulated from it, out = encapsulated into it."));
      for (const auto& [key, s] : rows) {
        const std::string service = std::to_string(key.service);
        m.Sample({{"service", service}, {"tunnel", key.name}, {"direction", "in"}},
                 octets ? s.in_octets : s.in_packets);
        m.Sample({{"service", service}, {"tunnel", key.name}, {"direction", "out"}},
                 octets ? s.out_octets : s.out_packets);
      }
    }
    m.Family(
        StrCat("tunnelisa_", kind, "_drops_total"), MetricsText::kCounter,
        StrCat("Packets of the ", what, " dropped, by reason (",
               ipsec ? "its current SAs'" : "since it was installed", "; reasons seen only)."));
    for (const auto& [key, s] : rows) {
      const std::string service = std::to_string(key.service);
      for (const auto& [reason, n] : s.drops) {
        m.Sample({{"service", service}, {"tunnel", key.name}, {"reason", reason}}, n);
      }
    }
  }
}

void Engine::Impl::SaMetrics(MetricsText& m) const {
  struct SaRow {
    std::string owner;  // "ipsec-tunnel" or "ipsec-gw"
    const config::TunnelKey* key;
    SaStats stats;
  };
  std::vector<SaRow> rows;
  auto add = [&](const char* owner, const IpsecTunnelState& t) {
    if (t.slot == nullptr) return;
    for (const SaHandle& h : SaHandles(t)) {
      absl::StatusOr<SaStats> sa = t.slot->esp->Query(h);
      if (sa.ok()) rows.push_back({owner, &t.key, *sa});
    }
  };
  for (const auto& [key, t] : ipsec_tunnels) add("ipsec-tunnel", t);
  for (const auto& [key, t] : gw_session_by_key) add("ipsec-gw", *t);
  auto labels = [](const SaRow& r, const std::string& service, const std::string& spi) {
    return std::array<MetricsText::Label, 5>{{{"service", service},
                                              {"owner", r.owner},
                                              {"tunnel", r.key->name},
                                              {"spi", spi},
                                              {"direction", ""}}};
  };
  for (int metric = 0; metric < 3; ++metric) {
    static constexpr const char* kNames[] = {
        "tunnelisa_sa_packets_total", "tunnelisa_sa_octets_total", "tunnelisa_sa_drops_total"};
    static constexpr const char* kHelp[] = {
        "Packets an SA passed (encrypted, or decrypted and delivered).",
        "Inner octets of the packets an SA passed.",
        "Packets an SA dropped, by reason (reasons seen only)."};
    m.Family(kNames[metric], MetricsText::kCounter, kHelp[metric]);
    for (const SaRow& r : rows) {
      const std::string service = std::to_string(r.key->service);
      const std::string spi = std::to_string(r.stats.spi);
      const std::string dir = Direction(r.stats.direction);
      auto l = labels(r, service, spi);
      l[4].second = dir;
      if (metric < 2) {
        m.Sample(l, metric == 0 ? r.stats.packets : r.stats.bytes);
        continue;
      }
      for (const auto& [reason, n] : NonZero(r.stats.drops)) {
        std::array<MetricsText::Label, 6> with{l[0], l[1], l[2], l[3], l[4], {"reason", reason}};
        m.Sample(with, n);
      }
    }
  }
}

void Engine::Impl::SapServiceMetrics(MetricsText& m) const {
  const config::Config& config = running.config();
  std::vector<std::pair<std::pair<uint32_t, config::TunnelSapId>, TrafficCounters>> saps;
  std::vector<std::pair<uint32_t, TrafficCounters>> svcs;
  for (const auto& [sid, s] : config.services) {
    svcs.emplace_back(sid, ServiceTraffic(sid).value_or(TrafficCounters{}));
    for (const auto& [ifname, i] : s.interfaces) {
      if (i.sap)
        saps.emplace_back(std::pair{sid, i.sap->id},
                          SapTraffic(sid, i.sap->id).value_or(TrafficCounters{}));
    }
  }
  for (bool octets : {false, true}) {
    m.Family(octets ? "tunnelisa_sap_octets_total" : "tunnelisa_sap_packets_total",
             MetricsText::kCounter,
             StrCat("Tunnel SAP ", octets ? "octets" : "packets",
                    ": a private SAP's tunnels' payload, a public SAP's outer packets."));
    for (const auto& [id, c] : saps) {
      const std::string service = std::to_string(id.first);
      const std::string sap = id.second.ToString();
      m.Sample({{"service", service}, {"sap", sap}, {"direction", "in"}},
               octets ? c.in_octets : c.in_packets);
      m.Sample({{"service", service}, {"sap", sap}, {"direction", "out"}},
               octets ? c.out_octets : c.out_packets);
    }
    m.Family(octets ? "tunnelisa_service_octets_total" : "tunnelisa_service_packets_total",
             MetricsText::kCounter,
             StrCat("Service ", octets ? "octets" : "packets",
                    ", the sum over its tunnel SAPs (the guide's billing statistics)."));
    for (const auto& [sid, c] : svcs) {
      const std::string service = std::to_string(sid);
      m.Sample({{"service", service}, {"direction", "in"}}, octets ? c.in_octets : c.in_packets);
      m.Sample({{"service", service}, {"direction", "out"}}, octets ? c.out_octets : c.out_packets);
    }
  }
}

void Engine::Impl::IsaMetrics(MetricsText& m) const {
  const std::vector<Engine::SlotState> states = Slots();
  struct Gauge {
    const char* name;
    const char* help;
    uint64_t (*get)(const Engine::SlotState&);
  };
  static constexpr Gauge kGauges[] = {
      {"tunnelisa_isa_healthy", "1 unless the ISA slot failed (SetIsaHealth, or a hung worker).",
       [](const Engine::SlotState& s) -> uint64_t { return s.healthy ? 1 : 0; }},
      {"tunnelisa_isa_tunnels", "Tunnels on the ISA slot (all tunnel groups).",
       [](const Engine::SlotState& s) -> uint64_t { return s.tunnels; }},
      {"tunnelisa_isa_sas", "SAs installed on the ISA slot.",
       [](const Engine::SlotState& s) -> uint64_t { return s.sas; }},
  };
  for (const Gauge& g : kGauges) {
    m.Family(g.name, MetricsText::kGauge, g.help);
    for (const Engine::SlotState& s : states) m.Sample({{"isa", s.isa.ToString()}}, g.get(s));
  }
  m.Family("tunnelisa_isa_packets_total", MetricsText::kCounter,
           "Packets the ISA slot's data planes processed, by operation.");
  for (const auto& [isa, slot] : slots) {
    const std::string name = isa.ToString();
    const DataplaneCounters& esp = slot->esp->counters();
    const IpTunnelGlobalCounters& ip = slot->ip->counters();
    m.Sample({{"isa", name}, {"operation", "encrypt"}}, esp.encrypted_packets);
    m.Sample({{"isa", name}, {"operation", "decrypt"}}, esp.decrypted_packets);
    m.Sample({{"isa", name}, {"operation", "encapsulate"}}, ip.encapsulated);
    m.Sample({{"isa", name}, {"operation", "decapsulate"}}, ip.decapsulated);
  }
  m.Family("tunnelisa_isa_drops_total", MetricsText::kCounter,
           "Packets the ISA slot's data planes (esp, ip-tunnel) dropped, by reason, including "
           "packets no tunnel claimed (reasons seen only).");
  for (const auto& [isa, slot] : slots) {
    const std::string name = isa.ToString();
    for (const auto& [reason, n] : NonZero(slot->esp->counters().drops)) {
      m.Sample({{"isa", name}, {"plane", "esp"}, {"reason", reason}}, n);
    }
    for (const auto& [reason, n] : NonZero(slot->ip->counters().drops)) {
      m.Sample({{"isa", name}, {"plane", "ip-tunnel"}, {"reason", reason}}, n);
    }
  }
}

std::string Engine::Metrics() const {
  ControlWindow w(*impl_);
  MetricsText m;
  const EngineCounters c = impl_->Counters();
  m.Family("tunnelisa_engine_packets_total", MetricsText::kCounter,
           "Packets through the engine's burst calls, by event (EngineCounters).");
  for (const auto& [event, value] : {std::pair{"public_in", c.public_in},
                                     {"private_in", c.private_in},
                                     {"sent_public", c.sent_public},
                                     {"delivered_private", c.delivered_private},
                                     {"consumed", c.consumed},
                                     {"to_control", c.to_control},
                                     {"ike_in", c.ike_in},
                                     {"ike_dropped", c.ike_drops},
                                     {"handoff_in", c.handoff_in},
                                     {"handed_off", c.handed_off},
                                     {"parked", c.parked}}) {
    m.Sample({{"event", event}}, value);
  }
  m.Family("tunnelisa_engine_drops_total", MetricsText::kCounter,
           "Packets the engine dropped, by reason (every reason, zero included).");
  for (size_t i = 1; i < kNumDropReasons; ++i) {
    m.Sample({{"reason", DropReasonName(static_cast<DropReason>(i))}}, c.drops[i]);
  }
  m.Family("tunnelisa_engine_control_queue_overflows_total", MetricsText::kCounter,
           "Control work the slots could not queue (retried later).");
  m.Sample({}, c.control_queue_overflows);
  impl_->TunnelMetrics(m);
  impl_->SaMetrics(m);
  impl_->SapServiceMetrics(m);
  impl_->IsaMetrics(m);

  const IkeCounters k = ike_counters();
  m.Family("tunnelisa_ike_sas", MetricsText::kGauge, "IKE SAs now (IKEv1 and IKEv2, any state).");
  m.Sample({}, k.ike_sas);
  m.Family("tunnelisa_ike_half_open", MetricsText::kGauge,
           "Responder IKE SAs waiting for IKE_AUTH now.");
  m.Sample({}, k.half_open);
  struct IkeCounter {
    const char* name;
    const char* help;
    uint64_t value;
  };
  for (const IkeCounter& ic : {
           IkeCounter{"tunnelisa_ike_datagrams_total", "IKE messages handed to IKE.",
                      k.datagrams_in},
           {"tunnelisa_ike_dropped_total",
            "IKE messages dropped (malformed, unknown SPI, failed ICV, out of window).", k.dropped},
           {"tunnelisa_ike_retransmits_total", "IKE requests sent again.", k.retransmits},
           {"tunnelisa_ike_responses_replayed_total",
            "Cached IKE responses sent for retransmitted requests.", k.responses_replayed},
           {"tunnelisa_ike_cookies_sent_total", "COOKIE challenges sent (RFC 7296 2.6).",
            k.cookies_sent},
           {"tunnelisa_ike_half_open_refused_total",
            "IKE_SA_INIT requests dropped at the half-open limit.", k.half_open_refused},
           {"tunnelisa_ike_auth_failures_total", "IKE authentication failures, either way.",
            k.auth_failures},
           {"tunnelisa_ike_addresses_assigned_total",
            "Remote-access clients given an inner address.", k.addresses_assigned},
           {"tunnelisa_ike_address_failures_total",
            "Remote-access address requests refused (INTERNAL_ADDRESS_FAILURE).",
            k.address_failures},
           {"tunnelisa_ike_redundant_sas_total",
            "Duplicate IKE SAs of one ipsec-tunnel found (both ends initiated); one of each "
            "pair is deleted.",
            k.redundant_ike_sas},
       }) {
    m.Family(ic.name, MetricsText::kCounter, ic.help);
    m.Sample({}, ic.value);
  }
  const AccountingCounters a = impl_->accounting->counters();
  m.Family("tunnelisa_accounting_sessions", MetricsText::kGauge,
           "Remote-access sessions accounted now (RADIUS Start sent, no Stop yet).");
  m.Sample({}, a.sessions);
  m.Family("tunnelisa_accounting_requests_total", MetricsText::kCounter,
           "RADIUS Accounting-Requests handed to the RADIUS client, by type.");
  m.Sample({{"type", "start"}}, a.starts);
  m.Sample({{"type", "interim"}}, a.interims);
  m.Sample({{"type", "stop"}}, a.stops);
  m.Family("tunnelisa_accounting_results_total", MetricsText::kCounter,
           "Outcomes of RADIUS accounting requests.");
  m.Sample({{"result", "response"}}, a.responses);
  m.Sample({{"result", "timeout"}}, a.timeouts);
  m.Sample({{"result", "refused"}}, a.refused);
  return m.Take();
}

}  // namespace tunnelisa
