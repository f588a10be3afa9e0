// Engine's ipsec-gw support: a dynamic LAN-to-LAN responder on a public tunnel SAP. IKE answers
// any peer whose ID and pre-shared key match; each peer gets a session (an IpsecTunnelState the
// engine creates when IKE installs the first CHILD SA) whose remote traffic selectors become
// routes in the default secure service, and which goes away with its last SA. Control path
// (the sessions' packets take the ordinary ipsec-tunnel paths).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "engine/engine_impl.h"

namespace tunnelisa {
namespace {

// EapRelayTimeout: what one relayed EAP-Response may take: every server of the gateway's
// radius-server-policy tried `retry` times `timeout` apart, and a second to spare.
Duration EapRelayTimeout(const config::Config& config, const config::IpsecGw& gw) {
  auto auth = config.radius_authentication_policies.find(gw.radius_authentication_policy);
  if (auth == config.radius_authentication_policies.end()) return Duration();
  auto policy = config.radius_server_policies.find(auth->second.radius_server_policy);
  if (policy == config.radius_server_policies.end()) return Duration();
  const int64_t s = int64_t{policy->second.timeout_s} * policy->second.retry *
                    static_cast<int64_t>(std::max<size_t>(1, policy->second.servers.size()));
  return Duration::Seconds(s + 1);
}

}  // namespace

void Engine::Impl::ReconcileGws(const config::Config& config, const config::RuntimeView& base,
                                std::vector<ike::IkePeerConfig>& peers) {
  std::set<std::string> seen;
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap || i.sap->id.kind != config::SapKind::kPublic) continue;
      for (const auto& [name, gw] : i.sap->ipsec_gws) {
        if (gw.admin != config::AdminState::kUp || i.admin != config::AdminState::kUp ||
            !base.TunnelGroupStatus(i.sap->id.tunnel_group).up()) {
          continue;
        }
        absl::StatusOr<ike::IkePeerConfig> peer = IkePeerForGw(config, gw, pki.get());
        if (absl::Status r = radius.UsableFor(config, gw); !r.ok()) peer = r;
        auto existing = gws.find(name);
        absl::StatusOr<EngineSlot*> slot =
            TunnelSlot(base, i.sap->id.tunnel_group,
                       existing == gws.end() ? nullptr : existing->second.slot, config);
        if (!peer.ok() || !slot.ok()) {
          Log(LogLevel::kWarning,
              StrCat("ipsec-gw \"", name, "\" does not answer: ",
                     !peer.ok() ? peer.status().message() : slot.status().message()));
          continue;
        }
        seen.insert(name);
        GwState& g = gws[name];
        if (g.slot != nullptr && g.slot != *slot) {
          // The sessions' SAs lived in the old slot: a new IKE peer id makes IKE drop their
          // IKE SAs too (a configuration change that keeps the slot keeps them all).
          RemoveGwSessions(g, AcctTerminateCause::kNasError);
          gw_peer_names.erase(g.peer);
          g.peer = 0;
        }
        if (g.peer == 0) g.peer = next_ike_peer++;
        g.slot = *slot;
        g.address = *gw.gateway_address;
        g.delivery_service = sid;
        g.secure_service = gw.default_secure_service->service;
        g.interface = gw.default_secure_service->interface;
        if (absl::Status pool = ReconcilePool(g, gw); !pool.ok()) {
          Log(LogLevel::kWarning, StrCat("ipsec-gw \"", name, "\": ", pool.message()));
        }
        ReconcileEapRelay(g, name, config, gw);
        peer->eap_relay = g.eap_relay;
        if (g.eap_relay != nullptr) peer->eap_relay_timeout = EapRelayTimeout(config, gw);
        peer->address_assigner = g.pool;
        ReconcileXauth(g, name, config, gw);
        peer->xauth_verifier = g.xauth;
        peer->id = g.peer;
        peer->service = g.secure_service;
        peer->name = StrCat("ipsec-gw ", name);
        peer->child_lifetime_bytes = options.ike_child_lifetime_bytes;
        g.name = peer->name;
        gw_peer_names[g.peer] = name;
        peers.push_back(*std::move(peer));
      }
    }
  }
  for (auto it = gws.begin(); it != gws.end();) {
    if (seen.contains(it->first)) {
      ++it;
    } else {
      RemoveGwSessions(it->second, AcctTerminateCause::kAdminReset);
      gw_peer_names.erase(it->second.peer);
      it = gws.erase(it);
    }
  }
}

void Engine::Impl::ReconcileEapRelay(GwState& g, const std::string& name,
                                     const config::Config& config, const config::IpsecGw& gw) {
  auto policy =
      gw.ike_policy ? config.ike_policies.find(*gw.ike_policy) : config.ike_policies.end();
  auto auth = config.radius_authentication_policies.find(gw.radius_authentication_policy);
  if (policy == config.ike_policies.end() ||
      policy->second.auth_method != config::IkeAuthMethod::kEap ||
      auth == config.radius_authentication_policies.end()) {
    g.eap_relay.reset();  // conversations in progress end with it (no answer: IKE times out)
    return;
  }
  const std::string& server_policy = auth->second.radius_server_policy;
  if (g.eap_relay == nullptr || g.eap_relay->server_policy() != server_policy) {
    g.eap_relay = std::make_shared<RadiusEapRelay>(
        radius, server_policy,
        [this](uint64_t conversation, ike::EapRelayAnswer answer, MonoTime now) {
          if (ike != nullptr) ike->CompleteEap(conversation, std::move(answer), now);
        },
        // Accounting echoes the Access-Accept's Class values (RFC 2865 5.25) for the session
        // this user's IKE SA is about to bring up, as for XAUTH (ReconcileXauth).
        [this, name](const IpAddress& client, const std::string& user,
                     const std::vector<std::vector<uint8_t>>& classes, MonoTime now) {
          accounting->NoteAuthorization(name, client, {user, classes}, now);
        });
  }
  // A rebuilt RADIUS client lost the requests in flight: their clients are told now.
  g.eap_relay->Sweep(radius.now());
}

absl::Status Engine::Impl::ReconcilePool(GwState& g, const config::IpsecGw& gw) {
  const config::Ipv4AddressAssignment* v4 =
      gw.local_address_assignment && gw.local_address_assignment->ipv4
          ? &*gw.local_address_assignment->ipv4
          : nullptr;
  if (v4 == nullptr || !v4->range_start || !v4->range_end) {
    // No pool any more: the clients keep their addresses until they leave (their IKE SAs hold
    // the old pool); new clients get none.
    g.pool.reset();
    return absl::OkStatus();
  }
  if (g.pool == nullptr) {
    absl::StatusOr<std::shared_ptr<ike::AddressPool>> pool =
        ike::AddressPool::Create(*v4->range_start, *v4->range_end, v4->dns_servers);
    if (!pool.ok()) return pool.status();
    g.pool = *std::move(pool);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<uint64_t>> revoked =
      g.pool->SetRange(*v4->range_start, *v4->range_end, v4->dns_servers);
  if (!revoked.ok()) return revoked.status();
  revoked_leases_.insert(revoked_leases_.end(), revoked->begin(), revoked->end());
  return absl::OkStatus();
}

void Engine::Impl::ReconcileXauth(GwState& g, const std::string& name, const config::Config& config,
                                  const config::IpsecGw& gw) {
  auto policy =
      gw.ike_policy ? config.ike_policies.find(*gw.ike_policy) : config.ike_policies.end();
  auto auth = config.radius_authentication_policies.find(gw.radius_authentication_policy);
  if (policy == config.ike_policies.end() ||
      policy->second.auth_method != config::IkeAuthMethod::kPlainPskXauth ||
      auth == config.radius_authentication_policies.end()) {
    g.xauth.reset();
    g.xauth_server_policy.clear();
    return;
  }
  const std::string& server_policy = auth->second.radius_server_policy;
  if (g.xauth != nullptr && g.xauth_server_policy == server_policy) return;
  g.xauth = std::make_shared<RadiusXauthVerifier>(
      radius, server_policy,
      [this, name](uint64_t ticket, const ike::XauthResult& result, MonoTime now) {
        // Accounting echoes the Access-Accept's Class values (RFC 2865 5.25) for the session
        // this user's connection is about to bring up.
        IpAddress client;
        std::string user;
        if (result.accepted && ike_v1->XauthTicket(ticket, &client, &user)) {
          accounting->NoteAuthorization(name, client, {user, result.classes}, now);
        }
        ike_v1->CompleteXauth(ticket, result, now);
      });
  g.xauth_server_policy = server_policy;
}

void Engine::Impl::RemoveGwSessions(GwState& g, AcctTerminateCause cause) {
  for (auto& [remote, st] : g.sessions) {
    // The final counters before the SAs go.
    accounting->SessionDown(st->key, GwSessionCounters(*st), cause);
    gw_session_by_key.erase(st->key);
    UninstallIpsec(*st);
  }
  g.sessions.clear();
  g.session_by_outbound.clear();
}

Engine::Impl::GwState* Engine::Impl::GwForPeer(uint64_t peer) {
  auto n = gw_peer_names.find(peer);
  if (n == gw_peer_names.end()) return nullptr;
  auto g = gws.find(n->second);
  return g == gws.end() ? nullptr : &g->second;
}

IpsecTunnelState* Engine::Impl::GwSession(GwState& g, const GwState::SessionKey& key, bool create) {
  auto it = g.sessions.find(key);
  if (it != g.sessions.end()) return it->second.get();
  if (!create) return nullptr;
  auto st = std::make_unique<IpsecTunnelState>();
  const std::string where =
      key.port == 0 ? key.address.ToString() : StrCat(key.address.ToString(), ":", key.port);
  st->key = {g.secure_service, StrCat(g.name, " ", where)};
  st->private_service = g.secure_service;
  st->delivery_service = g.delivery_service;
  st->slot = g.slot;
  st->local = g.address;
  st->peer = key.address;
  st->gw_port = key.port;
  st->ike_peer = g.peer;
  st->ike_name = g.name;
  IpsecTunnelState* raw = st.get();
  gw_session_by_key[raw->key] = raw;
  g.sessions.emplace(key, std::move(st));
  return raw;
}

void Engine::Impl::RelinkGws() {
  for (auto& [name, g] : gws) {
    EngineService* delivery = nullptr;
    if (auto d = services.find(g.delivery_service); d != services.end()) delivery = &d->second;
    EngineService* secure = nullptr;
    if (auto s = services.find(g.secure_service); s != services.end()) secure = &s->second;
    if (delivery != nullptr) {
      // IKE from anyone reaches the control plane; ESP only from peers with a session.
      delivery->terminated.insert(g.address);
      delivery->local.Add(g.address, AddressIndex::kTerminated);
      delivery->gw_addresses.insert(g.address);
      public_owner.emplace(g.address, delivery);
    }
    if (secure != nullptr) {
      secure->gw_routes.Clear();
      secure->has_gw_routes = false;
      // A remote-access pool's subnet: an address without a connected client goes nowhere
      // (the private tunnel interface leads only into the clients' tunnels).
      if (g.pool != nullptr) {
        for (size_t i = 0; i < secure->routes.size(); ++i) {
          const config::Route& r = secure->routes.route(i);
          RouteTarget& t = secure->route_targets[i];
          if (r.interface == g.interface && r.via == config::NextHopKind::kIp && t.ip == nullptr &&
              t.ipsec == nullptr) {
            t.clients_only = true;
          }
        }
      }
    }
    for (auto& [remote, st] : g.sessions) {
      st->private_svc = secure;
      st->delivery_svc = delivery;
      if (delivery != nullptr) delivery->ipsec_by_endpoints.Set(st->local, st->peer, st.get());
      CacheEgress(*st, st->peer);
      if (secure == nullptr) continue;
      secure->ipsec_by_name[st->key.name] = st.get();
    }
  }
  // Routes after every session is linked (one secure service may serve several gateways).
  for (auto& [name, g] : gws) {
    auto s = services.find(g.secure_service);
    if (s == services.end()) continue;
    for (auto& [remote, st] : g.sessions) {
      if (!st->installed) continue;
      s->second.gw_routes.Set(RankOf(g, *st), st.get(), st->key.name, g.interface, st->gw_routes);
      s->second.has_gw_routes = !s->second.gw_routes.empty();
    }
  }
  // A delivery service with sessions' routes routes each outer packet (a session's route may
  // be more specific than the one an egress was resolved from).
  auto uncache = [](TunnelPlacement& t) {
    if (t.delivery_svc != nullptr && t.delivery_svc->has_gw_routes) t.egress.valid = false;
  };
  for (auto& [key, t] : ip_tunnels) uncache(t);
  for (auto& [key, t] : ipsec_tunnels) uncache(t);
  for (auto& [name, g] : gws) {
    for (auto& [remote, st] : g.sessions) uncache(*st);
  }
}

GwRoutes::SessionRank Engine::Impl::RankOf(const GwState& g, const IpsecTunnelState& st) {
  // The order RelinkGws visits sessions in: gateways by name ("ipsec-gw NAME" orders as NAME),
  // then their sessions by key.
  return {g.name, st.peer, st.gw_port};
}

void Engine::Impl::RelinkGwSession(GwState& g, IpsecTunnelState& st) {
  // RelinkGws for this session alone: the gateway's own links (addresses, pool subnet) and
  // every other session's are as RelinkGws left them, and nothing but `st` changed.
  EngineService* delivery = nullptr;
  if (auto d = services.find(g.delivery_service); d != services.end()) delivery = &d->second;
  EngineService* secure = nullptr;
  if (auto s = services.find(g.secure_service); s != services.end()) secure = &s->second;
  st.private_svc = secure;
  st.delivery_svc = delivery;
  if (delivery != nullptr) delivery->ipsec_by_endpoints.Set(st.local, st.peer, &st);
  if (secure != nullptr) {
    secure->ipsec_by_name[st.key.name] = &st;
    if (st.installed) {
      secure->gw_routes.Set(RankOf(g, st), &st, st.key.name, g.interface, st.gw_routes);
    } else {
      secure->gw_routes.Remove(RankOf(g, st));
    }
    GwRoutesChanged(*secure);
    CheckGwRoutes();
  }
  // After GwRoutesChanged: CacheEgress resolves nothing through a service with gw routes.
  CacheEgress(st, st.peer);
}

void Engine::Impl::GwRoutesChanged(EngineService& secure) {
  const bool has = !secure.gw_routes.empty();
  if (has == secure.has_gw_routes) return;
  secure.has_gw_routes = has;
  // What RelinkGws leaves: the sessions' egress resolved again (none while the service has
  // gw routes), the configured tunnels' egress dropped while it has them. Only when the
  // service gained its first or lost its last session route: not per session.
  for (auto& [key, t] : ip_tunnels) {
    if (has && t.delivery_svc == &secure) t.egress.valid = false;
  }
  for (auto& [key, t] : ipsec_tunnels) {
    if (has && t.delivery_svc == &secure) t.egress.valid = false;
  }
  for (auto& [name, g] : gws) {
    for (auto& [remote, st] : g.sessions) {
      if (st->delivery_svc == &secure) CacheEgress(*st, st->peer);
    }
  }
}

void Engine::Impl::DropGwSessionIfEmpty(GwState& g, IpsecTunnelState& st) {
  if (!st.inbound.empty() || !st.ike_outbound.empty() || st.outbound.valid()) {
    RelinkGwSession(g, st);  // it stays, perhaps without an active SA (no routes then)
    return;
  }
  if (st.delivery_svc != nullptr) st.delivery_svc->ipsec_by_endpoints.Erase(st.local, st.peer);
  if (st.private_svc != nullptr) {
    st.private_svc->ipsec_by_name.erase(st.key.name);
    st.private_svc->gw_routes.Remove(RankOf(g, st));
    GwRoutesChanged(*st.private_svc);
  }
  // Every SA is retired by now: the counters are final. Why the session ended, the IKE SA's
  // down event that follows (if any) tells (EngineAccounting::SessionDown).
  accounting->SessionDown(st.key, st.gw_retired, std::nullopt);
  gw_session_by_key.erase(st.key);
  g.sessions.erase(GwState::SessionKey{st.peer, st.gw_port});  // `st` is gone
  CheckGwRoutes();
}

void Engine::Impl::CheckGwRoutes() const {
  if (!GwRoutesChecked()) return;
  std::map<uint32_t, GwRoutes> full;
  for (const auto& [name, g] : gws) {
    if (!services.contains(g.secure_service)) continue;
    for (const auto& [remote, st] : g.sessions) {
      if (!st->installed) continue;
      full[g.secure_service].Set(RankOf(g, *st), st.get(), st->key.name, g.interface,
                                 st->gw_routes);
    }
  }
  std::string problems;
  for (const auto& [id, s] : services) {
    auto f = full.find(id);
    const std::vector<std::pair<config::Route, RouteTarget>> want =
        f == full.end() ? std::vector<std::pair<config::Route, RouteTarget>>() : f->second.Routes();
    if (s.gw_routes.Routes() != want || s.has_gw_routes != !want.empty()) {
      absl::StrAppendFormat(&problems, "service %d: %d gw routes, a full build has %d\n", id,
                            s.gw_routes.size(), want.size());
    }
  }
  if (problems.empty()) return;
  std::fprintf(stderr, "ipsec-gw routes disagree with the sessions:\n%s", problems.c_str());
  std::abort();
}

void Engine::Impl::RetireGwSa(IpsecTunnelState& st, SaHandle sa) {
  if (st.slot == nullptr || !sa.valid()) return;
  absl::StatusOr<SaStats> stats = st.slot->esp->Query(sa);
  if (!stats.ok()) return;
  if (stats->direction == SaDirection::kInbound) {
    st.gw_retired.input_packets += stats->packets;
    st.gw_retired.input_octets += stats->bytes;
  } else {
    st.gw_retired.output_packets += stats->packets;
    st.gw_retired.output_octets += stats->bytes;
  }
}

SessionCounters Engine::Impl::GwSessionCounters(const IpsecTunnelState& st) const {
  // As `show` reads SA counters (IpsecCounters): each SA's own, from its slot, inside the
  // caller's control window. `outbound` is one of `ike_outbound`.
  SessionCounters c = st.gw_retired;
  if (st.slot == nullptr) return c;
  for (const SaHandle& h : st.inbound) {
    if (absl::StatusOr<SaStats> s = st.slot->esp->Query(h); s.ok()) {
      c.input_packets += s->packets;
      c.input_octets += s->bytes;
    }
  }
  for (const SaHandle& h : st.ike_outbound) {
    if (absl::StatusOr<SaStats> s = st.slot->esp->Query(h); s.ok()) {
      c.output_packets += s->packets;
      c.output_octets += s->bytes;
    }
  }
  return c;
}

void Engine::Impl::GwSessionUp(const IkeEvent& e) {
  for (auto& [name, g] : gws) {
    if (g.name != e.tunnel || g.slot == nullptr) continue;
    // The session whose inbound SA the event names (the CHILD SA just activated), among
    // those of the client's address (sessions are keyed by address first).
    for (auto it = g.sessions.lower_bound({e.peer, 0});
         it != g.sessions.end() && it->first.address == e.peer; ++it) {
      IpsecTunnelState* st = it->second.get();
      // A named pointer, not `g` itself: clang 14 cannot capture a structured binding.
      EspDataplane* esp = g.slot->esp.get();
      const bool holds = std::any_of(st->inbound.begin(), st->inbound.end(), [&](SaHandle h) {
        absl::StatusOr<SaStats> s = esp->Query(h);
        return s.ok() && s->spi == e.child_spi_in;
      });
      if (!holds || !st->installed) continue;
      accounting->SessionUp({.gateway = name,
                             .session = st->key,
                             // The XAUTH / EAP user when there is one, else the IKE ID.
                             .ike_identity = std::string(e.user.empty() ? e.peer_id : e.user),
                             .client = e.peer,
                             .client_port = e.peer_port,
                             .gateway_address = g.address,
                             .inner_address = e.inner_address},
                            e.at);
      return;
    }
  }
}

}  // namespace tunnelisa
