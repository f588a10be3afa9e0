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
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

namespace {

// WindowedReads: Engine::Metrics' reads of what the workers write (tunnel, SA, SAP and slot
// counters), at most kReadsPerWindow of them per control window. A scrape of 100k tunnels
// reads for tens of milliseconds and renders for longer; one window around all of it would
// keep the workers out that long, and a worker parks only one burst per window (what does not
// fit is dropped as slot-busy). Between two windows the workers run. What is iterated
// (configuration, tunnels, sessions, counter links) belongs to the control thread, which is
// here, so it does not change between windows; only the counters move on, and each series is
// still read once, at one instant, which is all the exposition format promises.
class WindowedReads {
 public:
  explicit WindowedReads(Engine::Impl& e) : e_(e) {}
  ~WindowedReads() { Done(); }
  WindowedReads(const WindowedReads&) = delete;
  WindowedReads& operator=(const WindowedReads&) = delete;
  // Step: before each read of worker-written state.
  void Step() {
    if (open_ && ++reads_ < kReadsPerWindow) return;
    Done();
    e_.gate.Open(e_.worker_flags);  // as ControlWindow does
    open_ = true;
    reads_ = 0;
  }
  // Done: no more reads; the rendering runs outside any window.
  void Done() {
    if (open_) e_.gate.Close();
    open_ = false;
  }

 private:
  static constexpr size_t kReadsPerWindow = 256;
  Engine::Impl& e_;
  bool open_ = false;
  size_t reads_ = 0;
};

struct TunnelRow {
  config::TunnelKey key;
  bool up = false;
  config::TrafficStatistics stats;
};

// TunnelRows: every configured tunnel of one kind with its state and statistics, in the
// configuration's order (service, interface, tunnel name).
std::vector<TunnelRow> TunnelRows(Engine::Impl& e, bool ipsec, WindowedReads& reads) {
  std::vector<TunnelRow> rows;
  for (const auto& [sid, s] : e.running.config().services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      std::vector<const std::string*> names;
      if (ipsec) {
        for (const auto& [name, t] : i.sap->ipsec_tunnels) names.push_back(&name);
      } else if (i.sap->ip_tunnel) {
        names.push_back(&i.sap->ip_tunnel->name);
      }
      for (const std::string* name : names) {
        TunnelRow r{.key = {sid, *name}};
        reads.Step();
        r.up = ipsec ? e.view.IpsecTunnelStatus(r.key).up() : e.view.IpTunnelStatus(r.key).up();
        r.stats = e.TunnelStatistics(r.key, ipsec).value_or(config::TrafficStatistics{});
        rows.push_back(std::move(r));
      }
    }
  }
  return rows;
}

void RenderTunnels(MetricsText& m, bool ipsec, const std::vector<TunnelRow>& rows) {
  const std::string kind = ipsec ? "ipsec_tunnel" : "ip_tunnel";
  const std::string what = ipsec ? "ipsec-tunnel" : "ip-tunnel (GRE / IP-IP)";
  m.Family(StrCat("tunnelisa_", kind, "_up"), MetricsText::kGauge,
           StrCat("1 when the ", what, " is operationally up, else 0."));
  for (const TunnelRow& r : rows) {
    const std::string service = std::to_string(r.key.service);
    m.Sample({{"service", service}, {"tunnel", r.key.name}}, r.up ? 1 : 0);
  }
  for (bool octets : {false, true}) {
    m.Family(StrCat("tunnelisa_", kind, octets ? "_octets_total" : "_packets_total"),
             MetricsText::kCounter,
             StrCat("Payload ", octets ? "octets" : "packets", " of the ", what,
                    ": in = decapsulated from it, out = encapsulated into it."));
    for (const TunnelRow& r : rows) {
      const std::string service = std::to_string(r.key.service);
      m.Sample({{"service", service}, {"tunnel", r.key.name}, {"direction", "in"}},
               octets ? r.stats.in_octets : r.stats.in_packets);
      m.Sample({{"service", service}, {"tunnel", r.key.name}, {"direction", "out"}},
               octets ? r.stats.out_octets : r.stats.out_packets);
    }
  }
  m.Family(StrCat("tunnelisa_", kind, "_drops_total"), MetricsText::kCounter,
           StrCat("Packets of the ", what, " dropped, by reason (",
                  ipsec ? "its current SAs'" : "since it was installed", "; reasons seen only)."));
  for (const TunnelRow& r : rows) {
    const std::string service = std::to_string(r.key.service);
    for (const auto& [reason, n] : r.stats.drops) {
      m.Sample({{"service", service}, {"tunnel", r.key.name}, {"reason", reason}}, n);
    }
  }
}

struct SaRow {
  const char* owner;             // "ipsec-tunnel" or "ipsec-gw"
  const config::TunnelKey* key;  // the control thread's: stable while Metrics runs
  SaStats stats;
};

std::vector<SaRow> SaRows(Engine::Impl& e, WindowedReads& reads) {
  std::vector<SaRow> rows;
  auto add = [&rows, &reads](const char* owner, const IpsecTunnelState& t) {
    if (t.slot == nullptr) return;
    for (const SaHandle& h : SaHandles(t)) {
      reads.Step();
      absl::StatusOr<SaStats> sa = t.slot->esp->Query(h);
      if (sa.ok()) rows.push_back({owner, &t.key, *sa});
    }
  };
  for (const auto& [key, t] : e.ipsec_tunnels) add("ipsec-tunnel", t);
  for (const auto& [key, t] : e.gw_session_by_key) add("ipsec-gw", *t);
  return rows;
}

void RenderSas(MetricsText& m, const std::vector<SaRow>& rows) {
  static constexpr const char* kNames[] = {"tunnelisa_sa_packets_total",
                                           "tunnelisa_sa_octets_total", "tunnelisa_sa_drops_total"};
  static constexpr const char* kHelp[] = {
      "Packets an SA passed (encrypted, or decrypted and delivered).",
      "Inner octets of the packets an SA passed.",
      "Packets an SA dropped, by reason (reasons seen only)."};
  for (int metric = 0; metric < 3; ++metric) {
    m.Family(kNames[metric], MetricsText::kCounter, kHelp[metric]);
    for (const SaRow& r : rows) {
      // Labels are views: the strings they show must outlive them.
      const std::string service = std::to_string(r.key->service);
      const std::string spi = std::to_string(r.stats.spi);
      const std::string dir = Direction(r.stats.direction);
      const std::array<MetricsText::Label, 5> l{{{"service", service},
                                                 {"owner", r.owner},
                                                 {"tunnel", r.key->name},
                                                 {"spi", spi},
                                                 {"direction", dir}}};
      if (metric < 2) {
        m.Sample(l, metric == 0 ? r.stats.packets : r.stats.bytes);
        continue;
      }
      for (const auto& [reason, n] : NonZero(r.stats.drops)) {
        const std::array<MetricsText::Label, 6> with{l[0], l[1], l[2],
                                                     l[3], l[4], {"reason", reason}};
        m.Sample(with, n);
      }
    }
  }
}

using SapId = std::pair<uint32_t, config::TunnelSapId>;

struct SapServiceRows {
  std::vector<std::pair<SapId, TrafficCounters>> saps;         // configuration order
  std::vector<std::pair<uint32_t, TrafficCounters>> services;  // configuration order
};

// SapServiceTotals: every configured SAP's and service's traffic (Engine::Impl::SapTraffic /
// ServiceTraffic for all of them), from one pass over the tunnels' counter links rather than
// one per SAP and service (which is quadratic in a configuration of many SAPs).
SapServiceRows SapServiceTotals(Engine::Impl& e, WindowedReads& reads) {
  SapServiceRows out;
  absl::flat_hash_map<uint32_t, size_t> service_row;
  std::map<SapId, size_t> sap_row;
  for (const auto& [sid, s] : e.running.config().services) {
    auto retired = e.retired_service_traffic.find(sid);
    service_row.emplace(sid, out.services.size());
    out.services.emplace_back(
        sid, retired == e.retired_service_traffic.end() ? TrafficCounters{} : retired->second);
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      const SapId id{sid, i.sap->id};
      auto r = e.retired_sap_traffic.find(id);
      sap_row.emplace(id, out.saps.size());
      out.saps.emplace_back(id, r == e.retired_sap_traffic.end() ? TrafficCounters{} : r->second);
    }
  }
  auto add_sap = [&](const SapId& id, const TrafficCounters& now, const TrafficCounters& base) {
    if (auto it = sap_row.find(id); it != sap_row.end()) {
      AddSince(out.saps[it->second].second, now, base);
    }
  };
  auto add_service = [&](uint32_t sid, const TrafficCounters& now, const TrafficCounters& base) {
    if (auto it = service_row.find(sid); it != service_row.end()) {
      AddSince(out.services[it->second].second, now, base);
    }
  };
  for (const auto& [key, c] : e.counter_links) {
    reads.Step();
    add_sap(c.private_sap, c.traffic->inner, c.base.inner);
    add_service(c.private_service, c.traffic->inner, c.base.inner);
    if (c.public_sap) add_sap(*c.public_sap, c.traffic->outer, c.base.outer);
    if (c.delivery_service) add_service(*c.delivery_service, c.traffic->outer, c.base.outer);
  }
  return out;
}

void RenderSapsServices(MetricsText& m, const SapServiceRows& rows) {
  for (bool octets : {false, true}) {
    m.Family(octets ? "tunnelisa_sap_octets_total" : "tunnelisa_sap_packets_total",
             MetricsText::kCounter,
             StrCat("Tunnel SAP ", octets ? "octets" : "packets",
                    ": a private SAP's tunnels' payload, a public SAP's outer packets."));
    for (const auto& [id, c] : rows.saps) {
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
    for (const auto& [sid, c] : rows.services) {
      const std::string service = std::to_string(sid);
      m.Sample({{"service", service}, {"direction", "in"}}, octets ? c.in_octets : c.in_packets);
      m.Sample({{"service", service}, {"direction", "out"}}, octets ? c.out_octets : c.out_packets);
    }
  }
}

struct IsaRows {
  std::vector<Engine::SlotState> states;
  struct Planes {
    std::string isa;
    DataplaneCounters esp;
    IpTunnelGlobalCounters ip;
  };
  std::vector<Planes> planes;
};

IsaRows IsaTotals(Engine::Impl& e, WindowedReads& reads) {
  IsaRows out;
  reads.Step();
  out.states = e.Slots();
  for (const auto& [isa, slot] : e.slots) {
    reads.Step();
    out.planes.push_back({isa.ToString(), slot->esp->counters(), slot->ip->counters()});
  }
  return out;
}

void RenderIsas(MetricsText& m, const IsaRows& rows) {
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
    for (const Engine::SlotState& s : rows.states) m.Sample({{"isa", s.isa.ToString()}}, g.get(s));
  }
  m.Family("tunnelisa_isa_packets_total", MetricsText::kCounter,
           "Packets the ISA slot's data planes processed, by operation.");
  for (const IsaRows::Planes& p : rows.planes) {
    m.Sample({{"isa", p.isa}, {"operation", "encrypt"}}, p.esp.encrypted_packets);
    m.Sample({{"isa", p.isa}, {"operation", "decrypt"}}, p.esp.decrypted_packets);
    m.Sample({{"isa", p.isa}, {"operation", "encapsulate"}}, p.ip.encapsulated);
    m.Sample({{"isa", p.isa}, {"operation", "decapsulate"}}, p.ip.decapsulated);
  }
  m.Family("tunnelisa_isa_drops_total", MetricsText::kCounter,
           "Packets the ISA slot's data planes (esp, ip-tunnel) dropped, by reason, including "
           "packets no tunnel claimed (reasons seen only).");
  for (const IsaRows::Planes& p : rows.planes) {
    for (const auto& [reason, n] : NonZero(p.esp.drops)) {
      m.Sample({{"isa", p.isa}, {"plane", "esp"}, {"reason", reason}}, n);
    }
    for (const auto& [reason, n] : NonZero(p.ip.drops)) {
      m.Sample({{"isa", p.isa}, {"plane", "ip-tunnel"}, {"reason", reason}}, n);
    }
  }
}

}  // namespace

std::string Engine::Metrics() const {
  Engine::Impl& e = *impl_;
  // What the workers write, read in short windows (WindowedReads); then rendered with none.
  WindowedReads reads(e);
  reads.Step();
  const EngineCounters c = e.Counters();
  const std::vector<TunnelRow> ip_rows = TunnelRows(e, /*ipsec=*/false, reads);
  const std::vector<TunnelRow> ipsec_rows = TunnelRows(e, /*ipsec=*/true, reads);
  const std::vector<SaRow> sa_rows = SaRows(e, reads);
  const SapServiceRows sap_rows = SapServiceTotals(e, reads);
  const IsaRows isa_rows = IsaTotals(e, reads);
  reads.Done();

  MetricsText m;
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
  RenderTunnels(m, /*ipsec=*/false, ip_rows);
  RenderTunnels(m, /*ipsec=*/true, ipsec_rows);
  RenderSas(m, sa_rows);
  RenderSapsServices(m, sap_rows);
  RenderIsas(m, isa_rows);

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
