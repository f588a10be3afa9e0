// IkeManager::SetPeers: a new configuration reaches IKE. Which SAs survive it, and why.
//
// The guide's "Operational Conditions": a change to an ipsec-transform or ike-policy "will not
// impact tunnels that have been established until they are renegotiated". So a peer that is
// still configured keeps its IKE SA and CHILD SAs whatever else changed, and the next
// negotiation (CHILD SA or IKE SA rekey, a new CHILD SA, a new IKE SA) reads the new settings:
// every exchange looks the peer up by id (Peer()) when it builds or checks a message, so no
// copy of the old settings lives on in an SA.
#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {

bool IkePeerConfig::SameAs(const IkePeerConfig& o) const {
  return name == o.name && service == o.service && local == o.local && remote == o.remote &&
         remote_port == o.remote_port && auth.SameAs(o.auth) && local_id == o.local_id &&
         remote_id == o.remote_id && ike == o.ike && child == o.child && local_ts == o.local_ts &&
         remote_ts == o.remote_ts && ike_lifetime == o.ike_lifetime &&
         child_lifetime == o.child_lifetime && child_lifetime_bytes == o.child_lifetime_bytes &&
         dpd == o.dpd && auto_establish == o.auto_establish && responder_only == o.responder_only &&
         ike_version == o.ike_version && aggressive == o.aggressive &&
         address_assigner == o.address_assigner && request_address == o.request_address &&
         xauth_verifier == o.xauth_verifier && xauth_login == o.xauth_login &&
         eap_relay == o.eap_relay && eap_client == o.eap_client &&
         eap_relay_timeout == o.eap_relay_timeout;
}

bool XauthLogin::operator==(const XauthLogin& o) const {
  if (user != o.user || (password == nullptr) != (o.password == nullptr)) return false;
  return password == nullptr || password->Equals(*o.password);
}

bool IkePeerConfig::SamePath(const IkePeerConfig& o) const {
  return local == o.local && remote == o.remote;
}

void IkeManager::SetPeers(std::vector<IkePeerConfig> peers, MonoTime now) {
  Call call(this);
  std::map<uint64_t, IkePeerConfig> next;
  for (IkePeerConfig& p : peers) next.emplace(p.id, std::move(p));
  std::map<uint64_t, size_t> kept;  // changed peers: how many of their SAs stay
  for (uint64_t spi : SpisInOrder()) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) continue;
    IkeSa* sa = it->second.get();
    Touch(*sa);  // a changed peer's DPD settings move its SAs' deadlines
    if (sa->state == IkeState::kDead) continue;
    auto n = next.find(sa->peer);
    const IkePeerConfig* old = Peer(sa->peer);
    // Only the gateway addresses end an SA while its peer is configured. The IKE SA talks
    // between them and its CHILD SAs carry them in every outer header; the host finds the
    // tunnel by them. IKEv2 cannot move an SA to other addresses (a rekey inherits them;
    // only MOBIKE could, and we do not speak it), so those SAs can never carry this tunnel
    // again. Everything else (algorithms, DH groups, lifetimes, DPD, PSK, identities,
    // selectors, the peer's port, auto-establish) is policy for the next negotiation: the SA
    // stays. strongSwan behaves alike on a reload: an IKE_SA holds on to the connection it
    // was made from, and a new configuration only changes what later negotiations use.
    std::string reason;
    if (n == next.end() || old == nullptr) {
      reason = "tunnel removed";
    } else if (!n->second.SamePath(*old)) {
      reason = StrCat("gateway addresses changed (", old->local.ToString(), " -> ",
                      old->remote.ToString(), " is now ", n->second.local.ToString(), " -> ",
                      n->second.remote.ToString(), ")");
    }
    if (reason.empty()) {
      // Half-open SAs stay too: the exchange on the wire finishes with what it offered
      // (IKE_SA_INIT's proposal is checked against the one sent), and what it has not used
      // yet (the PSK, identities and CHILD SA proposals of IKE_AUTH, the lifetimes) comes
      // from the new settings. Dropping it instead would leave a peer that already has our
      // IKE_SA_INIT response retransmitting its IKE_AUTH into nothing.
      if (!n->second.SameAs(*old)) ++kept[sa->peer];
      continue;
    }
    if (sa->state == IkeState::kEstablished) SendDeleteIke(*sa, now, /*wait_for_reply=*/false);
    RemoveSa(*sa, std::move(reason), now);
  }
  Purge();
  std::vector<uint64_t> start;
  for (const auto& [id, p] : next) {
    auto old = peers_.find(id);
    const bool fresh = old == peers_.end() || !old->second.SameAs(p);
    // Initiate is a no-op for a changed peer that kept its IKE SA.
    if (fresh && p.auto_establish && !p.responder_only) start.push_back(id);
  }
  peers_ = std::move(next);
  responder_peers_.Build(peers_);
  for (const auto& [id, count] : kept) {
    LogLine(LogLevel::kInfo,
            absl::StrFormat("IKE: %s: configuration changed; %d IKE SA(s) kept, the new settings "
                            "apply from their next negotiation (rekey)",
                            Peer(id)->name, count));
  }
  for (uint64_t id : start) (void)Initiate(id, now);
}

}  // namespace tunnelisa::ike
