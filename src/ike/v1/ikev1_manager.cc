// Ikev1Manager: dispatch, retransmission and duplicates, timers, rekeying and teardown. The
// exchanges are in main_mode.cc, aggressive_mode.cc, quick_mode.cc and v1_informational.cc.
#include "ike/v1/ikev1_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"

namespace tunnelisa::ike::v1 {

Ikev1Manager::Ikev1Manager(IkeHost* host, IkeOptions options)
    : host_(host),
      crypto_(options.crypto != nullptr ? *options.crypto : OpenSslIkeCrypto()),
      options_(options) {}

Ikev1Manager::~Ikev1Manager() = default;

const IkePeerConfig* Ikev1Manager::Peer(uint64_t id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

void Ikev1Manager::LogLine(LogLevel level, std::string message) { host_->Log(level, message); }

uint64_t Ikev1Manager::NewCookie() {
  for (;;) {
    uint64_t c = 0;
    host_->RandomBytes({reinterpret_cast<uint8_t*>(&c), sizeof(c)});
    if (c != 0 && !sas_.contains(c)) return c;
  }
}

uint32_t Ikev1Manager::NewChildSpi(const V1Sa& sa) {
  for (;;) {
    uint32_t spi = 0;
    host_->RandomBytes({reinterpret_cast<uint8_t*>(&spi), sizeof(spi)});
    if (spi < 256) continue;  // RFC 4303: 1..255 reserved
    if (child_spis_.try_emplace(spi, sa.our_cookie()).second) return spi;
  }
}

uint32_t Ikev1Manager::NewMessageId(const V1Sa& sa) {
  for (;;) {
    uint32_t mid = 0;
    host_->RandomBytes({reinterpret_cast<uint8_t*>(&mid), sizeof(mid)});
    if (mid != 0 && !sa.quick.contains(mid) && !sa.transactions.contains(mid)) return mid;
  }
}

size_t Ikev1Manager::half_open_count() const { return half_open_.size(); }

const V1Sa* Ikev1Manager::EstablishedSa(uint64_t peer) const {
  for (uint64_t cookie : SasOf(peer)) {
    const V1Sa& sa = *sas_.at(cookie);
    if (sa.state == Phase1State::kEstablished) return &sa;
  }
  return nullptr;
}

void Ikev1Manager::Emit(IkeEventKind kind, const V1Sa& sa, std::string_view detail, MonoTime now,
                        const ChildSa* child, const V1Sa* replaced) {
  const IkePeerConfig* peer = Peer(sa.peer);
  IkeEvent e;
  e.kind = kind;
  e.tunnel = peer != nullptr ? std::string_view(peer->name) : std::string_view();
  e.peer = sa.remote.address;
  e.peer_port = sa.remote.port;
  e.peer_id = sa.peer_id_text;
  e.ike_spi_i = sa.cky_i;
  e.ike_spi_r = sa.cky_r;
  if (replaced != nullptr) {
    e.prior_ike_spi_i = replaced->cky_i;
    e.prior_ike_spi_r = replaced->cky_r;
  }
  if (child != nullptr) {
    e.child_spi_in = child->inbound_spi;
    e.child_spi_out = child->outbound_spi;
  }
  e.detail = detail;
  e.at = now;
  e.user = sa.remote_access.user;
  if (std::optional<IpAddress> inner = sa.remote_access.inner_address()) e.inner_address = *inner;
  host_->Event(e);
}

// ---------------------------------------------------------------------------------------------
// Receive
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::OnDatagram(const IkeEndpoint& local, const IkeEndpoint& remote,
                              std::span<const uint8_t> datagram, bool natt_port, MonoTime now) {
  ++stats_.datagrams_in;
  absl::StatusOr<V1Datagram> d = SplitV1Datagram(datagram);
  if (!d.ok()) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, StrCat("IKEv1: malformed datagram from ", remote.address.ToString(),
                                       ": ", d.status().message()));
    return;
  }
  if (!d->header.encrypted()) {
    absl::StatusOr<V1Message> m = ParseV1Message(datagram);
    if (!m.ok()) {
      ++stats_.dropped;
      LogLine(LogLevel::kWarning, StrCat("IKEv1: malformed message from ",
                                         remote.address.ToString(), ": ", m.status().message()));
      return;
    }
    switch (m->header.exchange) {
      case V1Exchange::kIdentityProtection:
      case V1Exchange::kAggressive:
        HandlePhase1Plain(*m, datagram, local, remote, natt_port, now);
        break;
      case V1Exchange::kInformational:
        HandlePlainInformational(*m, remote, now);
        break;
      default:
        ++stats_.dropped;
        break;
    }
    Purge();
    return;
  }
  V1Sa* sa = FindSa(d->header.icookie, d->header.rcookie);
  if (sa == nullptr || sa->protector == nullptr) {
    ++stats_.dropped;  // unknown cookies: silence, as for IKEv2's unknown SPIs
    return;
  }
  HandleEncrypted(*sa, *d, datagram, local, remote, natt_port, now);
  Purge();
}

V1Sa* Ikev1Manager::FindSa(uint64_t cky_i, uint64_t cky_r) {
  // We initiated: our cookie is CKY-I. A responder's first answer brings its CKY-R.
  if (auto it = sas_.find(cky_i); it != sas_.end() && it->second->initiator) {
    V1Sa& sa = *it->second;
    const bool fresh =
        sa.cky_r == 0 && (sa.state == Phase1State::kMm1Sent || sa.state == Phase1State::kAm1Sent);
    if (sa.state != Phase1State::kDead && (sa.cky_r == cky_r || fresh)) {
      Touch(sa);
      return &sa;
    }
  }
  if (auto it = sas_.find(cky_r); it != sas_.end() && !it->second->initiator) {
    V1Sa& sa = *it->second;
    if (sa.state != Phase1State::kDead && sa.cky_i == cky_i) {
      Touch(sa);
      return &sa;
    }
  }
  return nullptr;
}

bool Ikev1Manager::Repeat(V1Sa& sa, V1Flight& flight, std::span<const uint8_t> raw) {
  if (flight.last_received.empty() ||
      !std::equal(raw.begin(), raw.end(), flight.last_received.begin(),
                  flight.last_received.end())) {
    return false;
  }
  // The peer did not get our answer (or this is a copy the network made): answer again, byte
  // for byte (the IV chain must not move).
  ++stats_.responses_replayed;
  if (!flight.last_sent.empty()) SendRaw(sa.local, sa.remote, sa.natt, flight.last_sent);
  return true;
}

void Ikev1Manager::HandleEncrypted(V1Sa& sa, const V1Datagram& d, std::span<const uint8_t> raw,
                                   const IkeEndpoint& local, const IkeEndpoint& remote,
                                   bool natt_port, MonoTime now) {
  const V1Header& h = d.header;
  if (h.message_id == 0) {
    if (Repeat(sa, sa.flight, raw)) return;
    absl::StatusOr<V1Opened> in = sa.protector->Open(raw);
    if (!in.ok()) {
      ++stats_.dropped;
      if (sa.state == Phase1State::kMm4Sent || sa.state == Phase1State::kAm2Sent) {
        // CBC has no integrity of its own: a message that does not parse under our keys was
        // encrypted with others, i.e. a different pre-shared key. The initiator has floated
        // to the NAT-T port for it (RFC 3947 4): the refusal goes there, with the marker.
        if (natt_port && !sa.natt) {
          sa.natt = true;
          sa.local = local;
          sa.remote = remote;
        }
        Phase1Failed(sa, IkeEventKind::kAuthFailed,
                     "the peer's phase 1 message does not decrypt: pre-shared keys differ", now);
      }
      return;
    }
    const uint64_t sent_before = sa.flight.sends;
    if (natt_port && !sa.natt) {
      // The initiator floated to the NAT-T port (RFC 3947 4): answer there.
      sa.natt = true;
      sa.local = local;
      sa.remote = remote;
    }
    switch (sa.state) {
      case Phase1State::kMm4Sent:
        RespondMm5(sa, *in, now);
        break;
      case Phase1State::kMm5Sent:
        ProcessMm6(sa, *in, now);
        break;
      case Phase1State::kAm2Sent:
        ProcessAm3(sa, *in, now);
        break;
      default:
        ++stats_.dropped;
        return;
    }
    if (sa.state == Phase1State::kDead) return;
    if (sa.flight.sends != sent_before) {
      sa.flight.last_received.assign(raw.begin(), raw.end());
    } else {
      sa.flight.last_received.clear();
    }
    return;
  }
  if (sa.state != Phase1State::kEstablished && sa.state != Phase1State::kRekeyed) {
    if (sa.state == Phase1State::kMm5Sent && h.exchange == V1Exchange::kInformational) {
      HandleMm5Refusal(sa, h.message_id, raw, now);
      return;
    }
    ++stats_.dropped;  // phase 2 before phase 1 finished
    return;
  }
  switch (h.exchange) {
    case V1Exchange::kQuickMode: {
      auto q = sa.quick.find(h.message_id);
      if (q != sa.quick.end() && Repeat(sa, q->second.flight, raw)) return;
      absl::StatusOr<V1Opened> in = sa.protector->Open(raw);
      if (!in.ok()) {
        ++stats_.dropped;
        return;
      }
      FollowPeer(sa, remote, local);
      HandleQuick(sa, *in, raw, now);
      return;
    }
    case V1Exchange::kTransaction: {
      // XAUTH and Mode Config (transaction.cc).
      auto t = sa.transactions.find(h.message_id);
      if (t != sa.transactions.end() && Repeat(sa, t->second.flight, raw)) return;
      absl::StatusOr<V1Opened> in = sa.protector->Open(raw);
      if (!in.ok() || !VerifyTransactionHash(sa, *in)) {
        ++stats_.dropped;
        if (t == sa.transactions.end()) sa.protector->ivs().Forget(h.message_id);
        return;
      }
      (void)sa.protector->Accept(*in);
      sa.last_heard = now;
      FollowPeer(sa, remote, local);
      HandleTransaction(sa, *in, raw, now);
      if (sa.state != Phase1State::kDead && !sa.transactions.contains(h.message_id)) {
        sa.protector->ivs().Forget(h.message_id);  // dropped: nothing continues its chain
      }
      return;
    }
    case V1Exchange::kInformational: {
      absl::StatusOr<V1Opened> in = sa.protector->Open(raw);
      if (!in.ok() || !VerifyHash1(sa, *in)) {
        ++stats_.dropped;
        sa.protector->ivs().Forget(h.message_id);
        return;
      }
      sa.last_heard = now;
      FollowPeer(sa, remote, local);
      HandleInformational(sa, *in, now);
      if (sa.protector != nullptr) sa.protector->ivs().Forget(h.message_id);
      return;
    }
    default:
      ++stats_.dropped;
      return;
  }
}

// FollowPeer: an authenticated message from a new address or port behind a NAT: later
// messages and the IPsec SAs' ESP-in-UDP go where the peer now is.
void Ikev1Manager::FollowPeer(V1Sa& sa, const IkeEndpoint& remote, const IkeEndpoint& local) {
  if (remote == sa.remote) return;
  if (!sa.nat_remote && remote.address != sa.remote.address) return;
  if (!sa.nat_remote && !sa.natt) return;
  LogLine(LogLevel::kInfo,
          StrCat("IKEv1: peer moved from ", sa.remote.address.ToString(), ":", sa.remote.port,
                 " to ", remote.address.ToString(), ":", remote.port));
  sa.remote = remote;
  sa.local = local;
  for (ChildSa& c : sa.children) {
    SaUpdate u;
    u.remote = remote.address;
    if (sa.natt) u.udp_encap = UdpEncapsulation{local.port, remote.port};
    host_->UpdateChild(sa.peer, c.sas, u);
  }
}

// ---------------------------------------------------------------------------------------------
// Send
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::SendRaw(const IkeEndpoint& local, const IkeEndpoint& remote, bool natt,
                           std::span<const uint8_t> datagram) {
  if (!natt) {
    host_->SendIke(local, remote, datagram);
    return;
  }
  //= https://www.rfc-editor.org/rfc/rfc3948#section-2.2
  //# A Non-ESP Marker is 4 zero-valued bytes aligning with the SPI field of an ESP packet.
  std::vector<uint8_t> marked(4 + datagram.size(), 0);
  std::copy(datagram.begin(), datagram.end(), marked.begin() + 4);
  host_->SendIke(local, remote, marked);
}

void Ikev1Manager::Send(V1Sa& sa, V1Flight& flight, std::vector<uint8_t> datagram, bool wait,
                        MonoTime now) {
  flight.last_sent = std::move(datagram);
  ++flight.sends;
  flight.waiting = wait;
  flight.retransmits = 0;
  flight.timeout = options_.retransmit_timeout;
  flight.next_send = wait ? now + flight.timeout : MonoTime::Infinite();
  Touch(sa);  // a retransmission timer: re-filed by the call's Settle
  SendRaw(sa.local, sa.remote, sa.natt, flight.last_sent);
}

V1Header Ikev1Manager::HeaderFor(const V1Sa& sa, V1Exchange exchange, uint32_t message_id) const {
  V1Header h;
  h.icookie = sa.cky_i;
  h.rcookie = sa.cky_r;
  h.exchange = exchange;
  h.message_id = message_id;
  return h;
}

absl::StatusOr<std::vector<uint8_t>> Ikev1Manager::Seal(V1Sa& sa, V1Exchange exchange,
                                                        uint32_t message_id,
                                                        std::span<const V1Payload> payloads) {
  absl::StatusOr<std::vector<uint8_t>> out =
      sa.protector->Seal(HeaderFor(sa, exchange, message_id), payloads);
  if (!out.ok()) {
    LogLine(LogLevel::kError, StrCat("IKEv1: cannot encrypt a message: ", out.status().message()));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Peers, timers, teardown
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::SetPeers(std::vector<IkePeerConfig> peers, MonoTime now) {
  std::map<uint64_t, IkePeerConfig> next;
  for (IkePeerConfig& p : peers) next.emplace(p.id, std::move(p));
  for (auto& [c, sa] : sas_) {
    Touch(*sa);  // its peer's settings (DPD) may change: re-filed at the end
    if (sa->state == Phase1State::kDead) continue;
    auto n = next.find(sa->peer);
    const IkePeerConfig* old = Peer(sa->peer);
    // As for IKEv2 (set_peers.cc): only the gateway addresses end the SAs of a peer that stays;
    // everything else is policy for the next negotiation.
    std::string reason;
    if (n == next.end() || old == nullptr) {
      reason = "tunnel removed";
    } else if (!n->second.SamePath(*old)) {
      reason = "gateway addresses changed";
    }
    if (reason.empty()) continue;
    if (sa->state == Phase1State::kEstablished || sa->state == Phase1State::kRekeyed) {
      for (const ChildSa& child : sa->children) SendDeleteChild(*sa, child.inbound_spi);
      SendDeleteIsakmp(*sa);
    }
    RemoveSa(*sa, std::move(reason), now);
  }
  Purge();
  std::vector<uint64_t> start;
  for (const auto& [id, p] : next) {
    auto old = peers_.find(id);
    const bool fresh = old == peers_.end() || !old->second.SameAs(p);
    if (fresh && p.auto_establish && !p.responder_only) start.push_back(id);
    if (p.aggressive && !UsesSignatures(p) && (old == peers_.end() || !old->second.aggressive)) {
      //= https://www.rfc-editor.org/rfc/rfc2409#section-5.4
      //# When using pre-shared key authentication with Main Mode the key can only be
      //# identified by the IP address of the peers since HASH_I must be computed before the
      //# initiator has processed IDir.
      // Aggressive Mode sends the responder's HASH_R in the clear before the initiator proves
      // anything, so anyone can collect it and guess the pre-shared key offline. (With
      // signatures there is no secret in it: no warning.)
      LogLine(LogLevel::kWarning,
              StrCat("IKEv1: ", p.name,
                     ": aggressive mode with a pre-shared key exposes a hash "
                     "of the key to offline dictionary attacks; prefer main mode or IKEv2"));
    }
  }
  peers_ = std::move(next);
  responder_peers_.Build(peers_);
  for (uint64_t id : start) (void)Initiate(id, now);
  Settle();
}

absl::Status Ikev1Manager::Initiate(uint64_t peer, MonoTime now) {
  const IkePeerConfig* p = Peer(peer);
  if (p == nullptr) return absl::NotFoundError(StrCat("no IKEv1 peer ", peer));
  for (uint64_t cookie : SasOf(peer)) {
    V1Sa* sa = sas_.at(cookie).get();
    if (sa->state == Phase1State::kDead || sa->state == Phase1State::kRekeyed) continue;
    Touch(*sa);
    if (sa->state == Phase1State::kEstablished) StartQuickModes(*sa, now);
    Settle();
    return absl::OkStatus();
  }
  if (p->responder_only) {
    return absl::FailedPreconditionError(
        StrCat(p->name, ": the tunnel group is ipsec-responder-only"));
  }
  absl::Status started = p->aggressive ? StartAggressive(*p, now) : StartMainMode(*p, now);
  Settle();
  return started;
}

void Ikev1Manager::Retransmit(V1Sa& sa, V1Flight& flight, MonoTime now, bool& gave_up) {
  gave_up = false;
  if (!flight.waiting || now < flight.next_send) return;
  if (flight.retransmits >= options_.max_retransmits) {
    gave_up = true;
    flight.waiting = false;
    return;
  }
  ++flight.retransmits;
  ++stats_.retransmits;
  flight.timeout = Duration::Nanoseconds(flight.timeout.ns * 2);
  flight.next_send = now + flight.timeout;
  SendRaw(sa.local, sa.remote, sa.natt, flight.last_sent);
}

MonoTime Ikev1Manager::OnTimer(MonoTime now) {
  // Only the ISAKMP SAs whose deadline has come (the deadline index, v1_index.cc): a tick costs
  // what it does, not a walk over every SA (issue 14).
  std::vector<uint64_t> due;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const uint64_t cookie = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = sas_.find(cookie);
    if (it == sas_.end()) continue;
    it->second->filed_deadline = MonoTime::Infinite();
    due.push_back(cookie);
  }
  for (uint64_t cookie : due) {
    auto it = sas_.find(cookie);
    if (it == sas_.end()) continue;
    Touch(*it->second);  // re-filed at its next deadline by Purge below
    if (it->second->state != Phase1State::kDead) RunTimers(*it->second, now);
  }
  Purge();
  return deadlines_.empty() ? MonoTime::Infinite() : deadlines_.begin()->first;
}

void Ikev1Manager::RunTimers(V1Sa& sa, MonoTime now) {
  if (sa.state == Phase1State::kDead) return;
  bool gave_up = false;
  Retransmit(sa, sa.flight, now, gave_up);
  if (gave_up) {
    RemoveSa(sa, "peer not responding", now);
    return;
  }
  if (now >= sa.half_open_expiry) {
    RemoveSa(sa, "half-open ISAKMP SA timed out", now, /*notify_down=*/false);
    return;
  }
  if (now >= sa.expire_at) {
    for (const ChildSa& child : sa.children) SendDeleteChild(sa, child.inbound_spi);
    SendDeleteIsakmp(sa);
    RemoveSa(sa,
             sa.state == Phase1State::kRekeyed ? "replaced by a new ISAKMP SA"
                                               : "ISAKMP SA lifetime expired",
             now);
    return;
  }
  if (now >= sa.remote_access.deadline) {
    for (const ChildSa& child : sa.children) SendDeleteChild(sa, child.inbound_spi);
    SendDeleteIsakmp(sa);
    RemoveSa(sa, "the RADIUS Session-Timeout ended the session", now);
    return;
  }
  // Quick Modes: retransmissions, and forgetting finished or abandoned ones.
  std::vector<uint32_t> forget;
  for (auto& [mid, q] : sa.quick) {
    bool quit = false;
    Retransmit(sa, q.flight, now, quit);
    if (quit) {
      LogLine(LogLevel::kWarning,
              absl::StrFormat("IKEv1: Quick Mode %08x: peer not responding", mid));
      if (q.installed_spi != 0) {
        if (ChildSa* c = FindChild(sa, q.installed_spi))
          RemoveChild(sa, *c, now, "Quick Mode failed");
      }
      forget.push_back(mid);
      continue;
    }
    if (now >= q.activate_at) {
      SendOn(sa, q.our_spi);
      q.activate_at = MonoTime::Infinite();
    }
    if (now >= q.expires) forget.push_back(mid);
  }
  for (uint32_t mid : forget) {
    auto q = sa.quick.find(mid);
    if (q == sa.quick.end()) continue;
    const uint32_t spi = q->second.our_spi;
    sa.quick.erase(q);
    ReleaseChildSpi(sa, spi);  // unless its IPsec SA carries on
    sa.protector->ivs().Forget(mid);
  }
  // Transactions (XAUTH, Mode Config): the same.
  forget.clear();
  bool transaction_gave_up = false;
  for (auto& [mid, t] : sa.transactions) {
    bool quit = false;
    Retransmit(sa, t.flight, now, quit);
    transaction_gave_up = transaction_gave_up || quit;
    if (!t.flight.waiting && now >= t.expires) forget.push_back(mid);
  }
  for (uint32_t mid : forget) {
    sa.transactions.erase(mid);
    sa.protector->ivs().Forget(mid);
  }
  if (transaction_gave_up) {
    RemoveSa(sa,
             sa.remote_access.xauth == XauthStep::kSetSent && !sa.remote_access.accepted
                 ? StrCat("XAUTH user \"", sa.remote_access.user, "\" refused")
                 : std::string("peer not responding (XAUTH / Mode Config)"),
             now, /*notify_down=*/sa.announced);
    return;
  }
  const IkePeerConfig* peer = Peer(sa.peer);
  if (sa.state == Phase1State::kEstablished && peer != nullptr) {
    if (now >= sa.rekey_at) {
      sa.rekey_at = MonoTime::Infinite();
      // A new phase 1 beside this one; when it is up it adopts our IPsec SAs (AdoptChildren).
      if (!peer->responder_only) {
        (void)(peer->aggressive ? StartAggressive(*peer, now) : StartMainMode(*peer, now));
      }
    }
    for (size_t k = 0; k < sa.children.size();) {
      ChildSa& c = sa.children[k];
      if (c.state == ChildState::kInstalled && now >= c.rekey_at && !c.rekey_requested) {
        c.rekey_requested = true;
        StartQuick(sa, c.local_ts.empty() ? IpPrefix{} : c.local_ts[0],
                   c.remote_ts.empty() ? IpPrefix{} : c.remote_ts[0], c.inbound_spi, now);
      }
      if (c.state != ChildState::kInstalled && now >= c.expire_at) {
        const uint32_t spi = c.inbound_spi;
        SendDeleteChild(sa, spi);
        RemoveChild(sa, c, now, "rekeyed");
        continue;
      }
      ++k;
    }
    // DPD (RFC 3706): R-U-THERE after `interval` without hearing from the peer.
    if (peer->dpd && !peer->dpd->reply_only && sa.peer_dpd) {
      if (!sa.dpd_outstanding && now >= sa.last_heard + peer->dpd->interval) {
        for (const ChildSa& c : sa.children) {
          absl::StatusOr<SaStats> st = host_->QueryChild(sa.peer, c.sas.inbound);
          if (st.ok() && st->last_used > sa.last_heard) sa.last_heard = st->last_used;
        }
      }
      if (sa.dpd_outstanding && now >= sa.dpd_next) {
        if (sa.dpd_misses >= peer->dpd->max_retries) {
          RemoveSa(sa, "dead peer detected (DPD)", now);
          return;
        }
        ++sa.dpd_misses;
        SendDpd(sa, /*ack=*/false, ++sa.dpd_seq);
        sa.dpd_next = now + peer->dpd->interval;
      } else if (!sa.dpd_outstanding && now >= sa.last_heard + peer->dpd->interval) {
        sa.dpd_outstanding = true;
        sa.dpd_misses = 0;
        SendDpd(sa, /*ack=*/false, ++sa.dpd_seq);
        sa.dpd_next = now + peer->dpd->interval;
      }
    }
    // NAT keepalives (RFC 3948 2.3) while we are behind a NAT.
    if (sa.nat_local && now >= sa.next_keepalive) {
      const uint8_t keepalive = 0xff;
      SendRaw(sa.local, sa.remote, /*natt=*/false, {&keepalive, 1});
      sa.next_keepalive = now + options_.natt_keepalive;
    }
  }
}

void Ikev1Manager::OnChildLifetime(uint64_t cookie, bool hard, MonoTime now) {
  const uint32_t spi = static_cast<uint32_t>(cookie);
  auto owner = child_spis_.find(spi);
  auto found = owner == child_spis_.end() ? sas_.end() : sas_.find(owner->second);
  for (; found != sas_.end(); found = sas_.end()) {  // at most the one owner
    V1Sa* sa = found->second.get();
    ChildSa* c = FindChild(*sa, spi);
    if (c == nullptr || sa->state != Phase1State::kEstablished) continue;
    Touch(*sa);
    if (hard) {
      SendDeleteChild(*sa, spi);
      RemoveChild(*sa, *c, now, "lifetime expired");
    } else if (c->state == ChildState::kInstalled && !c->rekey_requested) {
      c->rekey_requested = true;
      StartQuick(*sa, c->local_ts.empty() ? IpPrefix{} : c->local_ts[0],
                 c->remote_ts.empty() ? IpPrefix{} : c->remote_ts[0], spi, now);
    }
    break;
  }
  Purge();
}

void Ikev1Manager::Shutdown(MonoTime now) {
  for (auto& [c, sa] : sas_) {
    // (A replaced ISAKMP SA, lingering without IPsec SAs, is deleted at the peer too.)
    if (sa->state == Phase1State::kEstablished || sa->state == Phase1State::kRekeyed) {
      for (const ChildSa& child : sa->children) SendDeleteChild(*sa, child.inbound_spi);
      SendDeleteIsakmp(*sa);
    }
    if (sa->state != Phase1State::kDead) RemoveSa(*sa, "shutdown", now);
  }
  Purge();
}

void Ikev1Manager::RemoveSa(V1Sa& sa, std::string reason, MonoTime now, bool notify_down) {
  if (sa.state == Phase1State::kDead) return;
  const bool was_up = sa.state == Phase1State::kEstablished && sa.announced;
  const bool rekeyed = sa.state == Phase1State::kRekeyed;
  while (!sa.children.empty()) RemoveChild(sa, sa.children.back(), now, reason);
  EndRemoteAccess(sa, now);
  sa.state = Phase1State::kDead;
  sa.down_reason = std::move(reason);
  if (notify_down && !rekeyed && (was_up || sa.initiator)) {
    Emit(IkeEventKind::kIkeDown, sa, sa.down_reason, now);
  }
  const IkePeerConfig* peer = Peer(sa.peer);
  LogLine(
      was_up || rekeyed ? LogLevel::kInfo : LogLevel::kWarning,
      StrCat("IKEv1: ", peer != nullptr ? peer->name : std::string("?"), " ISAKMP SA ",
             absl::StrFormat("%016x_i %016x_r", sa.cky_i, sa.cky_r), " down: ", sa.down_reason));
  dead_.push_back(sa.our_cookie());
}

void Ikev1Manager::Purge() {
  for (uint64_t c : dead_) {
    auto it = sas_.find(c);
    if (it == sas_.end() || it->second->state != Phase1State::kDead) continue;
    half_open_.erase({it->second->cky_i, it->second->first_remote});
    if (!it->second->initiator) responders_.erase({it->second->cky_i, it->second->first_remote});
    Unfile(*it->second);
    Unindex(*it->second);
    sas_.erase(it);
  }
  dead_.clear();
  Settle();
}

absl::Status Ikev1Manager::RekeyChild(uint64_t peer, MonoTime now) {
  for (uint64_t cookie : SasOf(peer)) {
    V1Sa* sa = sas_.at(cookie).get();
    if (sa->state != Phase1State::kEstablished) continue;
    for (ChildSa& c : sa->children) {
      if (c.state != ChildState::kInstalled) continue;
      if (c.rekey_requested) return absl::OkStatus();
      c.rekey_requested = true;
      Touch(*sa);
      StartQuick(*sa, c.local_ts.empty() ? IpPrefix{} : c.local_ts[0],
                 c.remote_ts.empty() ? IpPrefix{} : c.remote_ts[0], c.inbound_spi, now);
      Settle();
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError("no established IPsec SA");
}

absl::Status Ikev1Manager::RekeyIke(uint64_t peer, MonoTime now) {
  const V1Sa* sa = EstablishedSa(peer);
  const IkePeerConfig* p = Peer(peer);
  if (sa == nullptr || p == nullptr)
    return absl::FailedPreconditionError("no established ISAKMP SA");
  absl::Status started = p->aggressive ? StartAggressive(*p, now) : StartMainMode(*p, now);
  Settle();
  return started;
}

absl::Status Ikev1Manager::CheckLiveness(uint64_t peer, MonoTime now) {
  for (uint64_t cookie : SasOf(peer)) {
    V1Sa* sa = sas_.at(cookie).get();
    if (sa->state != Phase1State::kEstablished) continue;
    const IkePeerConfig* p = Peer(peer);
    sa->dpd_outstanding = true;
    sa->dpd_misses = 0;
    SendDpd(*sa, /*ack=*/false, ++sa->dpd_seq);
    sa->dpd_next = now + (p != nullptr && p->dpd ? p->dpd->interval : Duration::Seconds(30));
    Touch(*sa);
    Settle();
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("no established ISAKMP SA");
}

}  // namespace tunnelisa::ike::v1
