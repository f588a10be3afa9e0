// Engine::Impl::Apply: a configuration becomes slots, installed SAs and tunnels, route tables
// and counters. Control path.
#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/bug.h"
#include "common/str_cat.h"
#include "engine/engine_impl.h"
#include "tunnelisa/key_log.h"
#include "tunnelisa/sa_config.h"

namespace tunnelisa {
namespace {

// Place: a tunnel's key, private SAP and private service (the key's service).
void Place(TunnelPlacement& t, const config::TunnelKey& key, const config::TunnelSapId& sap) {
  t.key = key;
  t.sap = sap;
  t.private_service = key.service;
}

using config::TunnelKey;

// ForEachSap: fn(service, interface name, interface, sap) for every SAP of the configuration.
template <typename Fn>
void ForEachSap(const config::Config& c, Fn fn) {
  for (const auto& [sid, s] : c.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (i.sap) fn(s, ifname, i, *i.sap);
    }
  }
}

// PublicSapFor: the SAP of the interface of `delivery` whose public tunnel SAP subnet holds
// `address` (the tunnel's source or local gateway), or nullopt.
std::optional<config::TunnelSapId> PublicSapFor(const config::Service& delivery,
                                                const IpAddress& address) {
  for (const auto& [ifname, i] : delivery.interfaces) {
    if (i.sap && i.sap->id.kind == config::SapKind::kPublic && i.address &&
        i.address->subnet().Contains(address)) {
      return i.sap->id;
    }
  }
  return std::nullopt;
}

// Selectors: the security policy's local or remote prefixes (`any` entries mean no limit).
std::vector<IpPrefix> Selectors(const config::SecurityPolicy* policy, bool local) {
  std::vector<IpPrefix> out;
  if (policy == nullptr) return out;
  for (const auto& [id, e] : policy->entries) {
    const std::optional<IpPrefix>& p = local ? e.local_ip : e.remote_ip;
    if (!p || !p->address().is_set()) return {};  // `any` allows everything
    out.push_back(*p);
  }
  return out;
}

}  // namespace

void Engine::Impl::Log(LogLevel level, const std::string& message) const {
  if (options.host.log != nullptr) options.host.log->Log(level, message);
}

void Engine::Impl::LogEspKeys(const SaConfig& c) const {
  if (options.host.key_log == nullptr) return;
  // As the SA's packets carry them: outbound local -> remote, inbound remote -> local.
  const bool out = c.direction == SaDirection::kOutbound;
  options.host.key_log->OnEspSa({.source = out ? c.local : c.remote,
                                 .destination = out ? c.remote : c.local,
                                 .spi = c.spi,
                                 .suite = c.suite,
                                 .enc_key = c.enc_key,
                                 .auth_key = c.auth_key});
}

absl::Status Engine::Impl::Apply(const config::Config& candidate, MonoTime now) {
  // Validation and the change plan touch nothing the workers use (the runtime view reads the
  // slots in windows of its own): the workers run on while a large candidate is checked.
  // The PKI files first: a candidate whose certificates do not load changes nothing. Read
  // again on every apply, so a reload picks up a re-imported certificate or a new CRL.
  absl::StatusOr<std::shared_ptr<const EnginePki>> loaded =
      LoadEnginePki(candidate, options.pki_store);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<config::ChangePlan> plan = running.Apply(candidate, view);
  if (!plan.ok()) return plan.status();
  pki = *std::move(loaded);
  ControlWindow w(*this);
  RaiseIsaEvents(groups.Configure(running.config()), now);
  Reconcile(now, "configuration applied");
  for (const std::string& note : plan->notes) Log(LogLevel::kInfo, note);
  Log(LogLevel::kInfo, StrCat("configuration applied: ", plan->changes.size(), " changes"));
  return absl::OkStatus();
}

void Engine::Impl::Reconcile(MonoTime now, std::string_view cause) {
  const config::Config& config = running.config();
  // The running configuration's validation, done once by RunningConfig::Apply, serves both
  // views (`base` and `view`).
  config::ConfigRuntimeView base(config, groups.assignments(), running.report());
  CountIsaLoad();
  reinitiate_.clear();
  departing_owner_.clear();
  for (const auto& [address, svc] : public_owner) departing_owner_.emplace(address, svc->id);
  radius.Reconcile(config);  // before the gateways: they need their RADIUS clients
  accounting->Reconcile(config, now);
  std::vector<ike::IkePeerConfig> peers = ReconcileIpsec(config, base, now);
  ReconcileGws(config, base, peers);
  IndexIkeNames();
  std::map<TunnelKey, std::string> down;
  for (const auto& [key, t] : ipsec_tunnels) {
    if (!t.down_reason.empty()) down[key] = t.down_reason;
  }
  view.Rebuild(config, groups.assignments(), down, running.report());
  ReconcileIp(config);
  BuildServices(config);
  RelinkGws();
  LinkCounters(config);
  // After the services: a removed peer's IKE Delete still finds its way out.
  SetIkePeers(std::move(peers), now);
  ike->RevokeAddressLeases(revoked_leases_, now);
  ike_v1->RevokeAddressLeases(revoked_leases_, now);
  revoked_leases_.clear();
  departing_owner_.clear();
  // XAUTH checks whose RADIUS client the reload rebuilt or removed cannot be answered: their
  // users are refused now instead of waiting for nothing.
  for (auto& [name, g] : gws) {
    if (g.xauth != nullptr) g.xauth->Sweep(now);
  }
  accounting->Flush(now);  // the Stops of the sessions this change ended
  // Dynamic tunnels moved to another ISA renegotiate from there at once (RFC 7296
  // INITIAL_CONTACT tells the peer to drop what it had with the failed ISA); responder-only
  // groups wait for the peer to come back.
  for (uint64_t id : reinitiate_) {
    if (absl::Status s = IkeInitiate(id, now); !s.ok()) {
      Log(LogLevel::kInfo, StrCat("IKE peer ", id, " not renegotiated: ", s.message()));
    }
  }
  reinitiate_.clear();
  RaiseTunnelEvents(now, cause);
}

void Engine::Impl::CountIsaLoad() {
  isa_load.clear();
  for (const auto& [key, t] : ipsec_tunnels) {
    if (t.slot != nullptr && (t.installed || t.ike_peer != 0)) ++isa_load[t.slot->isa];
  }
  for (const auto& [key, t] : ip_tunnels) {
    if (t.slot != nullptr && t.installed) ++isa_load[t.slot->isa];
  }
}

absl::StatusOr<EngineSlot*> Engine::Impl::TunnelSlot(const config::RuntimeView& runtime,
                                                     uint32_t group, EngineSlot* current,
                                                     const config::Config& config) {
  std::vector<config::IsaSlot> isas = runtime.ActiveIsas(group);
  // Tunnels are reconciled only while operationally up, which needs their tunnel group up,
  // which needs an active ISA (config::ConfigRuntimeView).
  if (TUNNELISA_BUG_IF(engine_up_tunnel_group_without_active_isa, isas.empty())) {
    return absl::InternalError(StrCat("tunnel-group ", group, " has no active ISA"));
  }
  if (current != nullptr && std::find(isas.begin(), isas.end(), current->isa) != isas.end()) {
    return current;  // stays where it is while that ISA serves the group
  }
  const config::IsaSlot* best = &isas.front();
  for (const config::IsaSlot& isa : isas) {
    if (isa_load[isa] < isa_load[*best]) best = &isa;
  }
  absl::StatusOr<EngineSlot*> slot = SlotFor(*best, config);
  if (!slot.ok()) {
    return absl::Status(slot.status().code(),
                        StrCat("ISA ", best->ToString(), ": ", slot.status().message()));
  }
  ++isa_load[*best];
  if (current != nullptr && isa_load[current->isa] > 0) --isa_load[current->isa];
  return slot;
}

absl::StatusOr<EngineSlot*> Engine::Impl::SlotFor(const config::IsaSlot& isa,
                                                  const config::Config& config) {
  auto it = slots.find(isa);
  if (it != slots.end()) return it->second.get();
  auto slot = std::make_unique<EngineSlot>();
  slot->isa = isa;
  slot->number = static_cast<uint16_t>(slots.size());
  // The reassembly timeout: the wait of the first tunnel group with this ISA as a member
  // (primary, backup or multi-active mda) that sets one.
  uint32_t wait_ms = config::kDefaultReassemblyWaitMs;
  for (const auto& [id, g] : config.tunnel_groups) {
    const bool member = g.primary == isa || g.backup == isa ||
                        std::find(g.mdas.begin(), g.mdas.end(), isa) != g.mdas.end();
    if (member && g.reassembly_wait_ms) {
      wait_ms = *g.reassembly_wait_ms;
      break;
    }
  }
  absl::StatusOr<std::unique_ptr<Reassembler>> r =
      Reassembler::Create({.memory_cap_bytes = options.reassembly_memory,
                           .max_datagrams = options.reassembly_datagrams,
                           .timeout = Duration::Milliseconds(wait_ms)});
  if (!r.ok()) return r.status();
  slot->reassembler = *std::move(r);
  absl::StatusOr<std::unique_ptr<EspDataplane>> esp = EspDataplane::Create(
      {.crypto = options.crypto, .events = &slot->queue_events, .slot = slot->number});
  if (!esp.ok()) return esp.status();
  slot->esp = *std::move(esp);
  absl::StatusOr<std::unique_ptr<IpTunnelDataplane>> ip =
      IpTunnelDataplane::Create({.reassembler = slot->reassembler.get(), .slot = slot->number});
  if (!ip.ok()) return ip.status();
  slot->ip = *std::move(ip);
  EngineSlot* raw = slot.get();
  slots.emplace(isa, std::move(slot));
  Log(LogLevel::kInfo, StrCat("ISA ", isa.ToString(), " is slot ", raw->number));
  return raw;
}

void Engine::Impl::UninstallIpsec(IpsecTunnelState& t) {
  if (t.slot != nullptr) {
    for (const SaHandle& h : t.inbound) {
      t.slot->ipsec_by_sa.Erase(h.index);
      (void)t.slot->esp->Delete(h);
    }
    if (t.outbound.valid()) (void)t.slot->esp->Delete(t.outbound);
    for (const SaHandle& h : t.ike_outbound) (void)t.slot->esp->Delete(h);
  }
  t.inbound.clear();
  t.ike_outbound.clear();
  if (t.ike_peer != 0) ike_peer_keys.erase(t.ike_peer);
  t.ike_peer = 0;
  t.outbound = SaHandle{};
  t.installed = false;
  t.slot = nullptr;
}

std::vector<ike::IkePeerConfig> Engine::Impl::ReconcileIpsec(const config::Config& config,
                                                             const config::RuntimeView& base,
                                                             MonoTime now) {
  std::vector<ike::IkePeerConfig> peers;
  std::set<TunnelKey> seen;
  ForEachSap(config, [&](const config::Service& s, const std::string&, const config::Interface& i,
                         const config::Sap& sap) {
    for (const auto& [name, t] : sap.ipsec_tunnels) {
      TunnelKey key{s.id, name};
      seen.insert(key);
      IpsecTunnelState& st = ipsec_tunnels[key];
      Place(st, key, sap.id);
      // ip-mtu, clear-df-bit and reassembly act before encryption / after reception, so they
      // change without reinstalling the SAs. The ip-mtu falls back to the interface's, as for
      // ip-tunnels; the ICMP errors come from the private tunnel interface's address.
      st.ip_mtu = t.ip_mtu.value_or(i.ip_mtu.value_or(0));
      st.clear_df = t.clear_df_bit;
      st.icmp_source_v4 =
          i.address && i.address->address.is_v4() ? i.address->address : IpAddress();
      st.icmp_source_v6 =
          i.address && i.address->address.is_v6() ? i.address->address : IpAddress();
      if (!st.icmp_configured) {
        const IpTunnelConfig defaults;
        st.icmp.Configure(defaults.icmp_rate, defaults.icmp_burst);
        st.icmp_configured = true;
      }
      auto group = config.tunnel_groups.find(sap.id.tunnel_group);
      st.reassembly =
          group != config.tunnel_groups.end() && group->second.reassembly_wait_ms.has_value();
      const config::Service* d =
          t.delivery_service ? config.FindService(*t.delivery_service) : nullptr;
      st.delivery_service = d != nullptr ? d->id : 0;
      st.down_reason.clear();
      if (!base.IpsecTunnelStatus(key).up()) {
        UninstallIpsec(st);
        continue;
      }
      const auto* manual = std::get_if<config::ManualKeying>(&t.keying);
      if (const auto* dynamic = std::get_if<config::DynamicKeying>(&t.keying)) {
        std::optional<config::SecurityPolicy> policy;
        if (t.security_policy) {
          auto p = s.security_policies.find(*t.security_policy);
          if (p != s.security_policies.end()) policy = p->second;
        }
        auto tg = config.tunnel_groups.find(sap.id.tunnel_group);
        const config::SecurityPolicy* pol = policy ? &*policy : nullptr;
        absl::StatusOr<ike::IkePeerConfig> peer =
            IkePeerForTunnel(config, t, *dynamic, Selectors(pol, true), Selectors(pol, false),
                             tg != config.tunnel_groups.end() ? &tg->second : nullptr, pki.get());
        absl::StatusOr<EngineSlot*> slot = TunnelSlot(base, sap.id.tunnel_group, st.slot, config);
        if (!peer.ok() || !slot.ok()) {
          UninstallIpsec(st);
          st.down_reason =
              std::string(!peer.ok() ? peer.status().message() : slot.status().message());
          continue;
        }
        // A dynamic tunnel keeps its SAs and its IKE peer id across configuration changes, so
        // IKE keeps the IKE SA and renegotiates with the new settings at the next rekey (the
        // guide: such changes do not impact established tunnels until they are renegotiated).
        // Only a move to another ISA slot (the SAs live in the slot's data plane) or other
        // gateway addresses (the SAs carry them) start clean, under a new IKE peer id: IKE
        // then sees the old peer removed and drops its SAs, whose handles are gone already.
        const bool keep = st.ike_peer != 0 && st.slot == *slot && st.local == peer->local &&
                          st.peer == peer->remote;
        // Moved to another ISA (failover): negotiate again from the new one at once.
        const bool moved = st.ike_peer != 0 && st.slot != nullptr && st.slot != *slot &&
                           st.local == peer->local && st.peer == peer->remote;
        if (!keep) {
          if (st.ike_peer != 0) ike_peer_ids.erase(key);
          UninstallIpsec(st);
        }
        auto id = ike_peer_ids.find(key);
        if (id == ike_peer_ids.end()) id = ike_peer_ids.emplace(key, next_ike_peer++).first;
        peer->id = id->second;
        if (moved && !peer->responder_only) reinitiate_.push_back(peer->id);
        peer->service = s.id;
        peer->name = StrCat("ipsec-tunnel ", s.id, "/", name);
        peer->child_lifetime_bytes = options.ike_child_lifetime_bytes;
        st.slot = *slot;
        st.local = peer->local;
        st.peer = peer->remote;
        st.ike_peer = peer->id;
        st.ike_name = peer->name;
        st.installed_config = t;
        ike_peer_keys[peer->id] = key;
        peers.push_back(*std::move(peer));
        continue;
      }
      if (manual == nullptr) {
        UninstallIpsec(st);
        st.down_reason = "no SA: neither manual-keying nor dynamic-keying is configured";
        continue;
      }
      std::vector<config::IpsecTransform> transforms;
      for (const config::ManualSa& sa : manual->security_associations) {
        transforms.push_back(config.ipsec_transforms.at(sa.transform));
      }
      std::optional<config::SecurityPolicy> policy;
      if (t.security_policy) {
        auto p = s.security_policies.find(*t.security_policy);
        if (p != s.security_policies.end()) policy = p->second;
      }
      absl::StatusOr<EngineSlot*> slot = TunnelSlot(base, sap.id.tunnel_group, st.slot, config);
      if (!slot.ok()) {
        UninstallIpsec(st);
        st.down_reason = std::string(slot.status().message());
        continue;
      }
      if (st.installed && st.slot == *slot && st.installed_config == t &&
          st.installed_transforms == transforms && st.installed_policy == policy) {
        continue;  // unchanged: keep SAs, sequence numbers and replay windows
      }
      UninstallIpsec(st);
      st.slot = *slot;
      st.local = *t.local_gateway_address;
      st.peer = *t.peer;
      const config::SecurityPolicy* pol = policy ? &*policy : nullptr;
      bool have_outbound = false;
      for (size_t k = 0; k < manual->security_associations.size() && st.down_reason.empty(); ++k) {
        const config::ManualSa& sa = manual->security_associations[k];
        const bool outbound = sa.direction == SaDirection::kOutbound;
        if (outbound && have_outbound) continue;  // the lowest entry's outbound SA is used
        SaConfig c;
        c.spi = sa.spi;
        c.direction = sa.direction;
        c.suite = transforms[k].suite();
        c.enc_key = sa.encryption_key.bytes().Clone();
        c.auth_key = sa.authentication_key.bytes().Clone();
        c.local = st.local;
        c.remote = st.peer;
        c.df = t.clear_df_bit ? DfPolicy::kClear : DfPolicy::kCopy;
        if (!outbound) {
          c.local_selectors = Selectors(pol, true);
          c.remote_selectors = Selectors(pol, false);
        }
        LogEspKeys(c);
        absl::StatusOr<SaHandle> h = st.slot->esp->Install(std::move(c), now);
        if (!h.ok()) {
          st.down_reason =
              StrCat("manual security-association ", sa.entry, outbound ? " outbound" : " inbound",
                     " spi ", sa.spi, " refused: ", h.status().message());
          Log(LogLevel::kError, StrCat("ipsec-tunnel \"", name, "\": ", st.down_reason));
          break;
        }
        if (outbound) {
          st.outbound = *h;
          have_outbound = true;
          // The same outbound SA re-established (on another ISA after a failover): go on above
          // the last sequence number seen, with a margin for what was sent since.
          if (st.snapshot_spi == sa.spi && st.snapshot_sequence != 0) {
            const uint64_t from = st.snapshot_sequence + kFailoverSequenceMargin;
            if (absl::Status u = st.slot->esp->Update(*h, SaUpdate{.last_sequence = from});
                !u.ok()) {
              Log(LogLevel::kWarning, StrCat("ipsec-tunnel \"", name, "\": ", u.message()));
            }
          }
          st.snapshot_spi = sa.spi;
        } else {
          st.inbound.push_back(*h);
          st.slot->ipsec_by_sa.Set(h->index, &st);
        }
      }
      if (!st.down_reason.empty()) {
        UninstallIpsec(st);
        continue;
      }
      st.installed = true;
      st.installed_config = t;
      st.installed_transforms = std::move(transforms);
      st.installed_policy = std::move(policy);
    }
  });
  for (auto it = ipsec_tunnels.begin(); it != ipsec_tunnels.end();) {
    if (seen.contains(it->first)) {
      ++it;
    } else {
      UninstallIpsec(it->second);
      it = ipsec_tunnels.erase(it);
    }
  }
  return peers;
}

void Engine::Impl::UninstallIp(IpTunnelState& t) {
  if (t.installed && t.slot != nullptr) {
    t.slot->ip_by_index.erase(t.handle.index);
    (void)t.slot->ip->Remove(t.handle);
  }
  t.installed = false;
  t.slot = nullptr;
  t.handle = IpTunnelHandle{};
}

void Engine::Impl::ReconcileIp(const config::Config& config) {
  std::set<TunnelKey> seen;
  std::map<uint32_t, config::RouteTable> tables;  // delivery services, built on demand
  ForEachSap(config, [&](const config::Service& s, const std::string&, const config::Interface& i,
                         const config::Sap& sap) {
    if (!sap.ip_tunnel) return;
    const config::IpTunnel& t = *sap.ip_tunnel;
    TunnelKey key{s.id, t.name};
    seen.insert(key);
    IpTunnelState& st = ip_tunnels[key];
    Place(st, key, sap.id);
    const config::Service* d =
        t.delivery_service ? config.FindService(*t.delivery_service) : nullptr;
    st.delivery_service = d != nullptr ? d->id : 0;
    if (!view.IpTunnelStatus(key).up() || d == nullptr) {
      UninstallIp(st);
      return;
    }
    auto table = tables.find(d->id);
    if (table == tables.end()) {
      table = tables.emplace(d->id, config::RouteTable::Build(*d, view)).first;
    }
    // The guide: remote-ip while it has a route in the delivery service, else the backup.
    TunnelRemote want = TunnelRemote::kPrimary;
    if (table->second.Lookup(*t.remote_ip) == nullptr && t.backup_remote_ip &&
        table->second.Lookup(*t.backup_remote_ip) != nullptr) {
      want = TunnelRemote::kBackup;
    }
    const uint32_t mtu = t.ip_mtu.value_or(i.ip_mtu.value_or(0));
    const config::TunnelGroup& group = config.tunnel_groups.at(sap.id.tunnel_group);
    const bool reassembly = t.reassembly.mode == config::TunnelReassembly::Mode::kEnabled ||
                            (t.reassembly.mode == config::TunnelReassembly::Mode::kTunnelGroup &&
                             group.reassembly_wait_ms.has_value());
    absl::StatusOr<EngineSlot*> slot = TunnelSlot(view, sap.id.tunnel_group, st.slot, config);
    if (!slot.ok()) {
      UninstallIp(st);
      view.SetIpTunnelDown(key, std::string(slot.status().message()));
      return;
    }
    const bool same = st.installed && st.slot == *slot && st.installed_config == t &&
                      st.installed_interface == i.address && st.installed_mtu == mtu &&
                      st.installed_reassembly == reassembly;
    if (!same) {
      UninstallIp(st);
      IpTunnelConfig c;
      c.type = t.gre_header ? IpTunnelType::kGre : IpTunnelType::kIpIp;
      c.local = *t.source;
      c.remote = *t.remote_ip;
      if (t.backup_remote_ip) c.backup_remote = *t.backup_remote_ip;
      c.dscp = t.dscp;
      c.ip_mtu = static_cast<uint16_t>(mtu);
      c.clear_df = t.clear_df_bit;
      if (i.address && i.address->address.is_v4()) c.icmp_source_v4 = i.address->address;
      if (i.address && i.address->address.is_v6()) c.icmp_source_v6 = i.address->address;
      c.reassembly = reassembly;
      absl::StatusOr<IpTunnelHandle> h = (*slot)->ip->Add(c);
      if (!h.ok()) {
        std::string reason = StrCat("cannot install: ", h.status().message());
        Log(LogLevel::kError, StrCat("ip-tunnel \"", t.name, "\": ", reason));
        view.SetIpTunnelDown(key, std::move(reason));
        return;
      }
      st.slot = *slot;
      st.handle = *h;
      st.installed = true;
      st.active = TunnelRemote::kPrimary;
      st.installed_config = t;
      st.installed_interface = i.address;
      st.installed_mtu = mtu;
      st.installed_reassembly = reassembly;
      st.overhead = static_cast<uint32_t>((c.local.is_v4() ? kIpv4HeaderSize : kIpv6HeaderSize) +
                                          (t.gre_header ? 4 : 0));
      st.slot->ip_by_index[h->index] = &st;
    }
    if (st.active != want) {
      absl::Status a = st.slot->ip->SetActiveRemote(st.handle, want);
      if (a.ok()) {
        st.active = want;
        Log(LogLevel::kInfo,
            StrCat(
                "ip-tunnel \"", t.name, "\" now sends to ",
                want == TunnelRemote::kBackup ? "backup-remote-ip " : "remote-ip ",
                (want == TunnelRemote::kBackup ? *t.backup_remote_ip : *t.remote_ip).ToString()));
      }
    }
  });
  for (auto it = ip_tunnels.begin(); it != ip_tunnels.end();) {
    if (seen.contains(it->first)) {
      ++it;
    } else {
      UninstallIp(it->second);
      it = ip_tunnels.erase(it);
    }
  }
}

void Engine::Impl::BuildServices(const config::Config& config) {
  services.clear();
  public_owner.clear();
  public_owner_v4.Clear();
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (interface_ids.emplace(std::make_pair(sid, ifname), next_interface_id).second) {
        ++next_interface_id;
      }
    }
  }
  for (const auto& [sid, s] : config.services) {
    EngineService& es = services[sid];
    es.id = sid;
    es.routes = config::RouteTable::Build(s, view);
    for (const auto& [ifname, i] : s.interfaces) {
      if (i.address && i.admin == config::AdminState::kUp) {
        es.own_addresses.insert(i.address->address);
      }
      if (!i.sap) continue;
      if (i.sap->ip_tunnel) {
        IpTunnelState* st = &ip_tunnels.at(TunnelKey{sid, i.sap->ip_tunnel->name});
        es.ip_by_name[i.sap->ip_tunnel->name] = st;
        es.ip_by_interface[ifname] = st;
      }
      for (const auto& [name, t] : i.sap->ipsec_tunnels) {
        IpsecTunnelState* st = &ipsec_tunnels.at(TunnelKey{sid, name});
        es.ipsec_by_name[name] = st;
        if (i.sap->ipsec_tunnels.size() == 1) es.ipsec_by_interface[ifname] = st;
      }
    }
  }
  auto service = [&](uint32_t id) -> EngineService* {
    auto it = services.find(id);
    return it == services.end() ? nullptr : &it->second;
  };
  for (auto& [key, st] : ip_tunnels) {
    st.private_svc = service(st.private_service);
    st.delivery_svc = service(st.delivery_service);
    if (!st.installed || st.delivery_svc == nullptr) continue;
    const config::IpTunnel& t = st.installed_config;
    EngineService& d = *st.delivery_svc;
    d.terminated.insert(*t.source);
    d.ip_by_endpoints.Set(*t.source, *t.remote_ip, &st);
    if (t.backup_remote_ip) d.ip_by_endpoints.Set(*t.source, *t.backup_remote_ip, &st);
  }
  for (auto& [key, st] : ipsec_tunnels) {
    st.private_svc = service(st.private_service);
    st.delivery_svc = service(st.delivery_service);
    if ((!st.installed && st.ike_peer == 0) || st.delivery_svc == nullptr) continue;
    st.delivery_svc->terminated.insert(st.local);
    st.delivery_svc->ipsec_by_endpoints.Set(st.local, st.peer, &st);
  }
  for (auto& [sid, es] : services) {  // by service id: the lowest id owns a shared address
    for (const IpAddress& a : es.terminated) {
      public_owner.emplace(a, &es);
      public_owner_v4.Add(a, &es);
    }
    es.ResolveTargets(interface_ids);
    es.IndexLocal();
  }
  for (auto& [key, st] : ip_tunnels) {
    if (st.installed) {
      const config::IpTunnel& t = st.installed_config;
      CacheEgress(st, st.active == TunnelRemote::kBackup ? *t.backup_remote_ip : *t.remote_ip);
    }
  }
  for (auto& [key, st] : ipsec_tunnels) CacheEgress(st, st.peer);
}

void Engine::Impl::CacheEgress(TunnelPlacement& t, const IpAddress& remote) {
  t.egress = OuterEgress{};
  EngineService* d = t.delivery_svc;
  if (d == nullptr || !remote.is_set() || d->has_gw_routes || d->local.Find(remote) != 0) return;
  const int index = d->routes.LookupIndex(remote);
  if (index < 0) return;
  const RouteTarget& target = d->route_targets[static_cast<size_t>(index)];
  if (target.ip != nullptr || target.ipsec != nullptr || target.names_tunnel) return;
  const config::Route& r = d->routes.route(static_cast<size_t>(index));
  t.egress = {.valid = true,
              .remote = remote,
              .interface = r.interface,
              .next_hop = r.gateway,
              .interface_id = target.interface_id};
}

void EngineService::IndexLocal() {
  local.Clear();
  for (const IpAddress& a : terminated) local.Add(a, AddressIndex::kTerminated);
  for (const IpAddress& a : own_addresses) local.Add(a, AddressIndex::kOwn);
}

void EngineService::ResolveTargets(
    const std::map<std::pair<uint32_t, std::string>, uint32_t>& interface_ids) {
  route_targets.assign(routes.size(), RouteTarget{});
  for (size_t i = 0; i < routes.size(); ++i) {
    const config::Route& r = routes.route(i);
    RouteTarget& t = route_targets[i];
    if (auto n = interface_ids.find({id, r.interface}); n != interface_ids.end()) {
      t.interface_id = n->second;
    }
    switch (r.via) {
      case config::NextHopKind::kIpTunnel:
        t.names_tunnel = true;
        if (auto it = ip_by_name.find(r.tunnel); it != ip_by_name.end()) t.ip = it->second;
        break;
      case config::NextHopKind::kIpsecTunnel:
        t.names_tunnel = true;
        if (auto it = ipsec_by_name.find(r.tunnel); it != ipsec_by_name.end()) t.ipsec = it->second;
        break;
      case config::NextHopKind::kIp:
        // A private tunnel interface's subnet is the far end of its tunnel (dest-ip).
        if (auto it = ip_by_interface.find(r.interface); it != ip_by_interface.end()) {
          t.ip = it->second;
        } else if (auto sec = ipsec_by_interface.find(r.interface);
                   sec != ipsec_by_interface.end()) {
          t.ipsec = sec->second;
        }
        break;
    }
  }
}

void Engine::Impl::LinkCounters(const config::Config& config) {
  // Where each tunnel counts now.
  std::map<std::pair<bool, config::TunnelKey>, CounterLink> wanted;
  auto link = [&](bool ipsec, const TunnelPlacement& st, uint32_t private_service,
                  const config::TunnelSapId& sap, const std::optional<IpAddress>& source) {
    CounterLink& c = wanted[{ipsec, st.key}];
    c.private_sap = {private_service, sap};
    c.private_service = private_service;
    auto d = config.services.find(st.delivery_service);
    if (d == config.services.end()) return;
    c.delivery_service = st.delivery_service;
    if (!source) return;
    if (std::optional<config::TunnelSapId> pub = PublicSapFor(d->second, *source)) {
      c.public_sap = std::make_pair(st.delivery_service, *pub);
    }
  };
  ForEachSap(config, [&](const config::Service& s, const std::string&, const config::Interface&,
                         const config::Sap& sap) {
    if (sap.ip_tunnel) {
      link(false, ip_tunnels.at(TunnelKey{s.id, sap.ip_tunnel->name}), s.id, sap.id,
           sap.ip_tunnel->source);
    }
    for (const auto& [name, t] : sap.ipsec_tunnels) {
      link(true, ipsec_tunnels.at(TunnelKey{s.id, name}), s.id, sap.id, t.local_gateway_address);
    }
  });
  // Links that end: what the tunnel counted there stays there (retired totals).
  for (auto it = counter_links.begin(); it != counter_links.end();) {
    auto w = wanted.find(it->first);
    if (w != wanted.end() && w->second.SameTargets(it->second)) {
      ++it;
      continue;
    }
    const CounterLink& old = it->second;
    AddSince(retired_sap_traffic[old.private_sap], old.traffic->inner, old.base.inner);
    AddSince(retired_service_traffic[old.private_service], old.traffic->inner, old.base.inner);
    if (old.public_sap) {
      AddSince(retired_sap_traffic[*old.public_sap], old.traffic->outer, old.base.outer);
    }
    if (old.delivery_service) {
      AddSince(retired_service_traffic[*old.delivery_service], old.traffic->outer, old.base.outer);
    }
    it = counter_links.erase(it);
  }
  // Objects that are gone lose their counters.
  std::set<std::pair<uint32_t, config::TunnelSapId>> saps;
  ForEachSap(config, [&](const config::Service& s, const std::string&, const config::Interface&,
                         const config::Sap& sap) {
    saps.insert({s.id, sap.id});
  });
  std::erase_if(retired_sap_traffic, [&](const auto& e) { return !saps.contains(e.first); });
  std::erase_if(retired_service_traffic,
                [&](const auto& e) { return !config.services.contains(e.first); });
  std::erase_if(ip_traffic, [&](const auto& e) { return !ip_tunnels.contains(e.first); });
  std::erase_if(ipsec_traffic, [&](const auto& e) { return !ipsec_tunnels.contains(e.first); });
  // New links count from the tunnel's figures now.
  for (auto& [key, c] : wanted) {
    TunnelTraffic* traffic = key.first ? &ipsec_traffic[key.second] : &ip_traffic[key.second];
    if (key.first) {
      ipsec_tunnels.at(key.second).traffic = traffic;
    } else {
      ip_tunnels.at(key.second).traffic = traffic;
    }
    if (counter_links.contains(key)) continue;
    c.traffic = traffic;
    c.base = *traffic;
    counter_links.emplace(key, c);
  }
}

std::optional<TrafficCounters> Engine::Impl::ServiceTraffic(uint32_t service) const {
  if (!running.config().services.contains(service)) return std::nullopt;
  TrafficCounters sum;
  if (auto r = retired_service_traffic.find(service); r != retired_service_traffic.end()) {
    sum = r->second;
  }
  for (const auto& [key, c] : counter_links) {
    if (c.private_service == service) AddSince(sum, c.traffic->inner, c.base.inner);
    if (c.delivery_service == service) AddSince(sum, c.traffic->outer, c.base.outer);
  }
  return sum;
}

std::optional<TrafficCounters> Engine::Impl::SapTraffic(uint32_t service,
                                                        const config::TunnelSapId& sap) const {
  const std::pair<uint32_t, config::TunnelSapId> id{service, sap};
  bool configured = false;
  ForEachSap(running.config(), [&](const config::Service& s, const std::string&,
                                   const config::Interface&, const config::Sap& p) {
    configured = configured || (s.id == service && p.id == sap);
  });
  if (!configured) return std::nullopt;
  TrafficCounters sum;
  if (auto r = retired_sap_traffic.find(id); r != retired_sap_traffic.end()) sum = r->second;
  for (const auto& [key, c] : counter_links) {
    if (c.private_sap == id) AddSince(sum, c.traffic->inner, c.base.inner);
    if (c.public_sap == id) AddSince(sum, c.traffic->outer, c.base.outer);
  }
  return sum;
}

}  // namespace tunnelisa
