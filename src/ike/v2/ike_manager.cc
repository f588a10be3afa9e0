// IkeManager: dispatch, message IDs, retransmission, timers and teardown. The exchanges
// themselves are in ike_sa_init.cc, ike_auth.cc, create_child.cc and informational.cc.
#include "ike/v2/ike_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/codec/rules.h"

namespace tunnelisa::ike {

IkeManager::IkeManager(IkeHost* host, IkeOptions options)
    : host_(host),
      crypto_(options.crypto != nullptr ? *options.crypto : OpenSslIkeCrypto()),
      options_(options),
      cookie_secret_(32) {
  host_->RandomBytes(cookie_secret_.mutable_span());
}

IkeManager::~IkeManager() = default;

const IkePeerConfig* IkeManager::Peer(uint64_t id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

void IkeManager::LogLine(LogLevel level, std::string message) { host_->Log(level, message); }

uint64_t IkeManager::NewSpi() {
  for (;;) {
    uint64_t spi = 0;
    host_->RandomBytes({reinterpret_cast<uint8_t*>(&spi), sizeof(spi)});
    if (spi != 0 && !sas_.contains(spi)) return spi;
  }
}

uint32_t IkeManager::NewChildSpi() {
  for (;;) {
    uint32_t spi = 0;
    host_->RandomBytes({reinterpret_cast<uint8_t*>(&spi), sizeof(spi)});
    // RFC 4303: SPIs 1..255 are reserved; we also keep them unique across all our SAs
    // (those held or offered: child_spis_, and those handed out during this call).
    if (spi < 256 || child_spis_.contains(spi)) continue;
    if (std::find(fresh_child_spis_.begin(), fresh_child_spis_.end(), spi) !=
        fresh_child_spis_.end()) {
      continue;
    }
    fresh_child_spis_.push_back(spi);
    return spi;
  }
}

size_t IkeManager::half_open_count() const { return half_open_.size(); }

const IkeSa* IkeManager::EstablishedSa(uint64_t peer) const {
  for (uint64_t spi : SasOf(peer)) {
    const IkeSa* sa = sas_.at(spi).get();
    if (sa->state == IkeState::kEstablished) return sa;
  }
  return nullptr;
}

void IkeManager::Emit(IkeEventKind kind, const IkeSa& sa, std::string_view detail, MonoTime now,
                      const ChildSa* child, const IkeSa* replaced) {
  const IkePeerConfig* peer = Peer(sa.peer);
  IkeEvent e;
  e.kind = kind;
  e.tunnel = peer != nullptr ? std::string_view(peer->name) : std::string_view();
  e.peer = sa.remote.address;
  e.peer_port = sa.remote.port;
  e.peer_id = sa.peer_id_text;
  e.ike_spi_i = sa.spi_i;
  e.ike_spi_r = sa.spi_r;
  if (replaced != nullptr) {
    e.prior_ike_spi_i = replaced->spi_i;
    e.prior_ike_spi_r = replaced->spi_r;
  }
  if (child != nullptr) {
    e.child_spi_in = child->inbound_spi;
    e.child_spi_out = child->outbound_spi;
  }
  e.detail = detail;
  e.at = now;
  if (std::optional<IpAddress> inner = sa.inner_address()) e.inner_address = *inner;
  e.user = sa.eap_identity;
  host_->Event(e);
}

// ---------------------------------------------------------------------------------------------
// Receive
// ---------------------------------------------------------------------------------------------

void IkeManager::OnDatagram(const IkeEndpoint& local, const IkeEndpoint& remote,
                            std::span<const uint8_t> datagram, bool natt_port, MonoTime now) {
  Call call(this);
  ++stats_.datagrams_in;
  absl::StatusOr<Message> message = Message::Parse(datagram);
  if (!message.ok()) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, StrCat("IKE: malformed datagram from ", remote.address.ToString(),
                                       ": ", message.status().message()));
    return;
  }
  Received in{*std::move(message), {}, local, remote, natt_port};
  const Header& h = in.message.header;
  if (h.exchange() == ExchangeType::kIkeSaInit) {
    if (!h.response()) {
      HandleInitRequest(in, datagram, now);
    } else {
      auto it = sas_.find(h.initiator_spi);
      if (it == sas_.end() || !it->second->initiator || it->second->state != IkeState::kInitSent ||
          h.message_id != 0 || h.initiator()) {
        ++stats_.dropped;
      } else {
        Touch(*it->second);
        ProcessInitResponse(*it->second, in, datagram, now);
      }
    }
    Purge();
    return;
  }
  IkeSa* sa = FindSa(h.initiator_spi, h.responder_spi, h.initiator());
  if (sa == nullptr) {
    // RFC 7296 2.21.4 allows an INVALID_IKE_SPI notify here; we stay silent, as a gateway
    // that only answers configured peers should (and to give scanners nothing).
    ++stats_.dropped;
    return;
  }
  Touch(*sa);
  HandleProtected(*sa, in, datagram, now);
  Purge();
}

IkeSa* IkeManager::FindSa(uint64_t spi_i, uint64_t spi_r, bool from_initiator) {
  // The sender set the I flag: it is the original initiator, so we are the responder and the
  // SA is under our responder SPI.
  auto it = sas_.find(from_initiator ? spi_r : spi_i);
  if (it == sas_.end()) return nullptr;
  IkeSa& sa = *it->second;
  if (sa.initiator == from_initiator) return nullptr;
  if (sa.spi_i != spi_i || sa.spi_r != spi_r) return nullptr;
  if (sa.state == IkeState::kDead || sa.protector == nullptr) return nullptr;
  return &sa;
}

void IkeManager::HandleProtected(IkeSa& sa, Received& in, std::span<const uint8_t> raw,
                                 MonoTime now) {
  const Header& h = in.message.header;
  bool replay = false;
  if (h.response()) {
    if (sa.request.kind == RequestKind::kNone || h.message_id != sa.request.message_id) {
      ++stats_.dropped;
      return;
    }
  } else if (sa.cached_response_id && h.message_id == *sa.cached_response_id) {
    replay = true;
  } else if (h.message_id != sa.expected_message_id) {
    ++stats_.dropped;
    return;
  }
  // Integrity first: nothing in the message is acted on (not even a retransmission of our
  // cached response, which would let anyone make us send) before its ICV is checked.
  if (in.message.Find(PayloadType::kEncryptedFragment) != nullptr) {
    if (sa.fragments == nullptr) sa.fragments = std::make_unique<FragmentCollector>();
    absl::StatusOr<FragmentOutcome> whole = sa.fragments->Add(*sa.protector, raw);
    if (!whole.ok()) {
      ++stats_.dropped;
      return;
    }
    if (whole->state == FragmentOutcome::State::kIncomplete) return;  // more to come
    if (whole->state == FragmentOutcome::State::kRetransmission) {
      // RFC 7383 section 2.6.1 (paraphrased): a retransmitted request fragment for a
      // request already answered triggers a retransmission of the response only when it
      // is the first fragment (Fragment Number 1); other such fragments are ignored.
      if (replay) {
        ++stats_.responses_replayed;
        SendDatagrams(sa, sa.cached_response);
      }
      return;
    }
    in.inner = std::move(whole->payloads);
  } else {
    absl::StatusOr<std::vector<Payload>> inner = sa.protector->Open(raw);
    if (!inner.ok()) {
      ++stats_.dropped;
      if (!absl::IsPermissionDenied(inner.status()) && !h.response() && !replay) {
        // Authenticated but malformed inside: RFC 7296 2.21.2 says answer INVALID_SYNTAX.
        ++sa.expected_message_id;
        SendResponse(
            sa, h,
            {Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInvalidSyntax))});
      }
      return;
    }
    in.inner = *std::move(inner);
  }
  sa.last_heard = now;
  sa.liveness_misses = 0;
  if (replay) {
    ++stats_.responses_replayed;
    SendDatagrams(sa, sa.cached_response);
    return;
  }
  if (in.natt_port && !sa.natt) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.23
    //# For this reason, even though IKE packets MUST be sent to and from UDP port 500 or
    //# 4500, they MUST be accepted coming from any port and responses MUST be sent to the
    //# port from whence they came.
    // The initiator moved to the NAT-T port: answer there, with the non-ESP marker.
    sa.natt = true;
    sa.local = in.local;
    sa.remote = in.remote;
  }
  FollowPeer(sa, in.remote, in.local, now);
  if (absl::Status rules = CheckRules(in.message, in.inner); !rules.ok()) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, StrCat("IKE: ", rules.message()));
    if (!h.response()) {
      ++sa.expected_message_id;
      SendResponse(
          sa, h,
          {Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInvalidSyntax))});
    } else {
      RemoveSa(sa, StrCat("malformed response: ", rules.message()), now);
    }
    return;
  }
  if (h.response()) {
    const RequestKind kind = sa.request.kind;
    switch (kind) {
      case RequestKind::kIkeAuth:
        ProcessAuthResponse(sa, in, now);
        break;
      case RequestKind::kCreateChild:
        ProcessCreateChildResponse(sa, in, now);
        break;
      case RequestKind::kRekeyIke:
        ProcessIkeRekeyResponse(sa, in, now);
        break;
      default:
        ProcessInformationalResponse(sa, in, now);
        break;
    }
    if (sa.state != IkeState::kDead && sa.request.message_id == h.message_id &&
        sa.request.kind == kind) {
      sa.request = OutstandingRequest{};
    }
    StartNext(sa, now);
    return;
  }
  ++sa.expected_message_id;
  switch (h.exchange()) {
    case ExchangeType::kIkeAuth:
      if (sa.initiator || sa.state != IkeState::kInitReceived) {
        SendResponse(
            sa, h,
            {Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInvalidSyntax))});
        return;
      }
      RespondAuth(sa, in, now);
      break;
    case ExchangeType::kCreateChildSa:
      RespondCreateChild(sa, in, now);
      break;
    case ExchangeType::kInformational:
      RespondInformational(sa, in, now);
      break;
    default:
      SendResponse(
          sa, h,
          {Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInvalidSyntax))});
      break;
  }
}

// FollowPeer: an authenticated message from a new address or port (a NAT rebinding, RFC 7296
// 2.23): later messages and the CHILD SAs' ESP-in-UDP go to where the peer now is.
void IkeManager::FollowPeer(IkeSa& sa, const IkeEndpoint& remote, const IkeEndpoint& local,
                            MonoTime now) {
  (void)now;
  if (remote == sa.remote) return;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.23
  //# There are cases where a NAT box decides to remove mappings that are still alive (for
  //# example, the keepalive interval is too long, or the NAT box is rebooted).
  if (!sa.nat_remote && remote.address != sa.remote.address) return;  // no NAT: stay put
  LogLine(LogLevel::kInfo,
          StrCat("IKE: peer moved from ", sa.remote.address.ToString(), ":", sa.remote.port, " to ",
                 remote.address.ToString(), ":", remote.port));
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

void IkeManager::SendRaw(const IkeEndpoint& local, const IkeEndpoint& remote, bool natt,
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

void IkeManager::SendDatagrams(const IkeSa& sa,
                               const std::vector<std::vector<uint8_t>>& datagrams) {
  for (const auto& d : datagrams) SendRaw(sa.local, sa.remote, sa.natt, d);
}

std::vector<std::vector<uint8_t>> IkeManager::Protect(IkeSa& sa, const Header& header,
                                                      const std::vector<Payload>& inner) {
  absl::StatusOr<std::vector<uint8_t>> whole = sa.protector->Seal(header, inner);
  if (!whole.ok()) {
    LogLine(LogLevel::kError, StrCat("IKE: cannot protect a message: ", whole.status().message()));
    return {};
  }
  const size_t limit = options_.max_datagram - (sa.natt ? 4 : 0);
  if (whole->size() <= limit || !sa.peer_fragmentation) return {*std::move(whole)};
  // RFC 7383 section 2.3 (paraphrased): IKE fragmentation is used only when both peers
  // announced IKEV2_FRAGMENTATION_SUPPORTED in the IKE_SA_INIT exchange.
  absl::StatusOr<std::vector<std::vector<uint8_t>>> parts =
      sa.protector->SealFragments(header, inner, limit);
  if (!parts.ok()) return {*std::move(whole)};
  return *std::move(parts);
}

void IkeManager::SendRequest(IkeSa& sa, RequestKind kind, ExchangeType exchange,
                             std::vector<Payload> inner, MonoTime now, OutstandingRequest context) {
  Touch(sa);
  Header h;
  h.initiator_spi = sa.spi_i;
  h.responder_spi = sa.spi_r;
  h.exchange_type = static_cast<uint8_t>(exchange);
  h.flags = sa.initiator ? kFlagInitiator : 0;
  h.message_id = sa.next_message_id++;
  sa.request = std::move(context);
  sa.request.kind = kind;
  sa.request.message_id = h.message_id;
  sa.request.datagrams = Protect(sa, h, inner);
  sa.request.retransmits = 0;
  const IkePeerConfig* peer = Peer(sa.peer);
  if (kind == RequestKind::kLiveness && peer != nullptr && peer->dpd) {
    sa.request.timeout = peer->dpd->interval;
    sa.request.max_retransmits = static_cast<int>(peer->dpd->max_retries);
  } else {
    sa.request.timeout = options_.retransmit_timeout;
    sa.request.max_retransmits = options_.max_retransmits;
  }
  sa.request.next_send = now + sa.request.timeout;
  SendDatagrams(sa, sa.request.datagrams);
}

void IkeManager::SendResponse(IkeSa& sa, const Header& request, std::vector<Payload> inner) {
  Header h;
  h.initiator_spi = sa.spi_i;
  h.responder_spi = sa.spi_r;
  h.exchange_type = request.exchange_type;
  h.flags = kFlagResponse | (sa.initiator ? kFlagInitiator : 0);
  h.message_id = request.message_id;
  sa.cached_response = Protect(sa, h, inner);
  sa.cached_response_id = request.message_id;
  SendDatagrams(sa, sa.cached_response);
}

void IkeManager::Queue(IkeSa& sa, Work work, MonoTime now) {
  Touch(sa);
  for (const Work& w : sa.queue) {
    if (w.kind == work.kind && w.child_spi == work.child_spi) return;
  }
  sa.queue.push_back(work);
  StartNext(sa, now);
}

void IkeManager::StartNext(IkeSa& sa, MonoTime now) {
  if (sa.request.kind != RequestKind::kNone) return;
  if (sa.state != IkeState::kEstablished && sa.state != IkeState::kRekeyed) return;
  while (!sa.queue.empty() && sa.request.kind == RequestKind::kNone &&
         sa.state != IkeState::kDead) {
    Work w = sa.queue.front();
    sa.queue.erase(sa.queue.begin());
    switch (w.kind) {
      case RequestKind::kCreateChild:
        StartChildRekey(sa, w.child_spi, now);
        break;
      case RequestKind::kRekeyIke:
        StartIkeRekey(sa, now);
        break;
      case RequestKind::kDeleteChild:
        SendDeleteChild(sa, w.child_spi, now);
        break;
      case RequestKind::kDeleteIke:
        SendDeleteIke(sa, now, /*wait_for_reply=*/true);
        break;
      case RequestKind::kLiveness:
        SendLiveness(sa, now);
        break;
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Peers, timers, teardown
// ---------------------------------------------------------------------------------------------

absl::Status IkeManager::Initiate(uint64_t peer, MonoTime now) {
  const IkePeerConfig* p = Peer(peer);
  if (p == nullptr) return absl::NotFoundError(StrCat("no IKE peer ", peer));
  Call call(this);
  for (uint64_t spi : SasOf(peer)) {
    IkeSa* sa = sas_.at(spi).get();
    if (sa->state != IkeState::kDead && sa->state != IkeState::kRekeyed &&
        sa->state != IkeState::kDeleting) {
      if (sa->state == IkeState::kEstablished &&
          std::none_of(sa->children.begin(), sa->children.end(),
                       [](const ChildSa& c) { return c.state == ChildState::kInstalled; })) {
        Queue(*sa, {RequestKind::kCreateChild, 0}, now);  // lost its CHILD SA: a new one
      }
      return absl::OkStatus();
    }
  }
  if (p->responder_only) {
    return absl::FailedPreconditionError(
        StrCat(p->name, ": the tunnel group is ipsec-responder-only"));
  }
  return StartInitiator(*p, now);
}

MonoTime IkeManager::OnTimer(MonoTime now) {
  Call call(this);
  // Only the SAs whose deadline has come, in the order of their SPIs (as a scan would).
  std::vector<uint64_t> due;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
    due.push_back(it->second);
  }
  std::sort(due.begin(), due.end());
  for (uint64_t spi : due) {
    auto it = sas_.find(spi);
    if (it == sas_.end() || it->second->state == IkeState::kDead) continue;
    Touch(*it->second);
    RunTimers(*it->second, now);
  }
  if (depth_ == 1) Settle();  // the next deadline below is the index's
  return deadlines_.empty() ? MonoTime::Infinite() : deadlines_.begin()->first;
}

void IkeManager::RunTimers(IkeSa& sa, MonoTime now) {
  // Retransmission (RFC 7296 2.1), or giving up on a peer that does not answer.
  if (sa.request.kind != RequestKind::kNone && now >= sa.request.next_send) {
    if (sa.request.retransmits >= sa.request.max_retransmits) {
      const bool liveness = sa.request.kind == RequestKind::kLiveness;
      RemoveSa(sa, liveness ? "dead peer detected (DPD)" : "peer not responding", now);
      return;
    }
    ++sa.request.retransmits;
    ++stats_.retransmits;
    if (sa.request.kind != RequestKind::kLiveness) {
      sa.request.timeout = Duration::Nanoseconds(sa.request.timeout.ns * 2);
    }
    sa.request.next_send = now + sa.request.timeout;
    if (sa.state == IkeState::kInitSent) {
      SendRaw(sa.local, sa.remote, sa.natt, sa.init_request);
    } else {
      SendDatagrams(sa, sa.request.datagrams);
    }
  }
  if (sa.eap_server != nullptr && sa.eap_server->waiting && now >= sa.eap_server->deadline) {
    sa.eap_server->waiting = false;
    ++stats_.eap_refused;
    FailEap(sa, sa.eap_server->waiting_header, "the EAP server did not answer in time", now);
    return;
  }
  if (sa.pending_auth && now >= sa.pending_auth->deadline) {
    ResumeAuth(sa, AuthCheck::Failed("the authenticator did not answer in time"), now);
    if (sa.state == IkeState::kDead) return;
  }
  if (now >= sa.half_open_expiry) {
    RemoveSa(sa, "half-open IKE SA timed out", now, /*notify_down=*/false);
    return;
  }
  if (now >= sa.expire_at) {
    SendDeleteIke(sa, now, /*wait_for_reply=*/false);
    RemoveSa(sa, "IKE SA lifetime expired", now);
    return;
  }
  const IkePeerConfig* peer = Peer(sa.peer);
  if (sa.state == IkeState::kEstablished) {
    if (now >= sa.rekey_at) {
      sa.rekey_at = MonoTime::Infinite();
      Queue(sa, {RequestKind::kRekeyIke, 0}, now);
    }
    for (ChildSa& c : sa.children) {
      if (c.state == ChildState::kInstalled && now >= c.rekey_at && !c.rekey_requested) {
        c.rekey_requested = true;
        Queue(sa, {RequestKind::kCreateChild, c.inbound_spi}, now);
      }
    }
    // Rekeyed CHILD SAs the peer never deleted: remove them ourselves.
    for (size_t k = 0; k < sa.children.size();) {
      ChildSa& c = sa.children[k];
      if (c.state != ChildState::kInstalled && now >= c.expire_at) {
        RemoveChild(sa, c, now);
      } else {
        ++k;
      }
    }
    // DPD: a liveness check after `interval` without hearing from the peer.
    if (peer != nullptr && peer->dpd && !peer->dpd->reply_only &&
        sa.request.kind == RequestKind::kNone && now >= sa.last_heard + peer->dpd->interval) {
      // ESP from the peer counts as hearing from it.
      for (const ChildSa& c : sa.children) {
        absl::StatusOr<SaStats> st = host_->QueryChild(sa.peer, c.sas.inbound);
        if (st.ok() && st->last_used > sa.last_heard) sa.last_heard = st->last_used;
      }
      if (now >= sa.last_heard + peer->dpd->interval) Queue(sa, {RequestKind::kLiveness, 0}, now);
    }
    // NAT keepalives (RFC 3948 2.3) while we are behind a NAT.
    if (sa.nat_local && now >= sa.next_keepalive) {
      const uint8_t keepalive = 0xff;
      SendRaw(sa.local, sa.remote, /*natt=*/false, {&keepalive, 1});
      sa.next_keepalive = now + options_.natt_keepalive;
    }
  }
}

void IkeManager::OnChildLifetime(uint64_t cookie, bool hard, MonoTime now) {
  Call call(this);
  const uint32_t spi = static_cast<uint32_t>(cookie);
  // The IKE SA holding the CHILD SA (one at most: our inbound SPIs are unique).
  auto owner = child_spis_.find(spi);
  if (owner == child_spis_.end()) return;
  auto it = sas_.find(owner->second);
  if (it == sas_.end()) return;
  IkeSa* sa = it->second.get();
  ChildSa* c = FindChild(*sa, spi);
  if (c == nullptr || sa->state != IkeState::kEstablished) return;
  if (hard) {
    Queue(*sa, {RequestKind::kDeleteChild, spi}, now);
  } else if (c->state == ChildState::kInstalled && !c->rekey_requested) {
    Touch(*sa);
    c->rekey_requested = true;
    Queue(*sa, {RequestKind::kCreateChild, spi}, now);
  }
  Purge();
}

void IkeManager::Shutdown(MonoTime now) {
  Call call(this);
  for (uint64_t spi : SpisInOrder()) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) continue;
    IkeSa* sa = it->second.get();
    if (sa->state == IkeState::kEstablished || sa->state == IkeState::kRekeyed) {
      SendDeleteIke(*sa, now, /*wait_for_reply=*/false);
    }
    if (sa->state != IkeState::kDead) RemoveSa(*sa, "shutdown", now);
  }
  Purge();
}

void IkeManager::RemoveSa(IkeSa& sa, std::string reason, MonoTime now, bool notify_down) {
  if (sa.state == IkeState::kDead) return;
  const bool was_up = sa.state == IkeState::kEstablished || sa.state == IkeState::kDeleting;
  const bool rekeyed = sa.state == IkeState::kRekeyed;
  Touch(sa);
  // Another IKE SA of the same tunnel carries on (a duplicate, duplicate_ike_sa.cc): its CHILD
  // SA takes the traffic before this one's are uninstalled, so no packet finds none.
  if (!sa.children.empty()) {
    if (IkeSa* kept = KeptInsteadOf(sa)) HandOverTraffic(sa, *kept);
  }
  ForgetRedundancy(sa);
  while (!sa.children.empty()) RemoveChild(sa, sa.children.back(), now, reason);
  if (sa.pending_auth) {  // a late outcome finds nothing to resume
    auth_tickets_.erase(sa.pending_auth->ticket);
    sa.pending_auth.reset();
  }
  if (sa.eap_server != nullptr) {  // the relay forgets the conversation; no answer follows
    if (sa.eap_server->relay != nullptr)
      sa.eap_server->relay->End(sa.eap_server->conversation, now);
    eap_conversations_.erase(sa.eap_server->conversation);
    sa.eap_server->conversation = 0;
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.15.1
  //# The requested address is valid as long as this IKE SA (or its rekeyed successors)
  //# requesting the address is valid.
  // A rekeyed IKE SA handed its lease on (MoveAddressLease); any other goes back now.
  ReleaseAddress(sa);
  sa.state = IkeState::kDead;
  sa.down_reason = std::move(reason);
  if (notify_down && !rekeyed && (was_up || sa.initiator)) {
    Emit(IkeEventKind::kIkeDown, sa, sa.down_reason, now);
  }
  const IkePeerConfig* peer = Peer(sa.peer);
  LogLine(
      was_up || rekeyed ? LogLevel::kInfo : LogLevel::kWarning,
      StrCat("IKE: ", peer != nullptr ? peer->name : std::string("?"), " SA ",
             absl::StrFormat("%016x_i %016x_r", sa.spi_i, sa.spi_r), " down: ", sa.down_reason));
  dead_.push_back(sa.our_spi());
}

void IkeManager::Purge() {
  // Inside a nested call (a host callback calling back in), the outer call may still hold
  // the SAs or iterate the indexes: its Settle purges.
  if (depth_ > 1) return;
  for (uint64_t spi : dead_) {
    auto it = sas_.find(spi);
    if (it == sas_.end() || it->second->state != IkeState::kDead) continue;
    half_open_.erase({it->second->spi_i, it->second->remote.address});
    Unindex(*it->second);
    sas_.erase(it);
  }
  dead_.clear();
}

absl::Status IkeManager::RekeyChild(uint64_t peer, MonoTime now) {
  Call call(this);
  for (uint64_t spi : SasOf(peer)) {
    IkeSa* sa = sas_.at(spi).get();
    if (sa->state != IkeState::kEstablished) continue;
    for (ChildSa& c : sa->children) {
      if (c.state != ChildState::kInstalled) continue;
      if (c.rekey_requested) return absl::OkStatus();  // already queued or in flight
      Touch(*sa);
      c.rekey_requested = true;
      Queue(*sa, {RequestKind::kCreateChild, c.inbound_spi}, now);
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError("no established CHILD SA");
}

absl::Status IkeManager::RekeyIke(uint64_t peer, MonoTime now) {
  Call call(this);
  for (uint64_t spi : SasOf(peer)) {
    IkeSa* sa = sas_.at(spi).get();
    if (sa->state != IkeState::kEstablished) continue;
    Queue(*sa, {RequestKind::kRekeyIke, 0}, now);
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("no established IKE SA");
}

absl::Status IkeManager::CheckLiveness(uint64_t peer, MonoTime now) {
  Call call(this);
  for (uint64_t spi : SasOf(peer)) {
    IkeSa* sa = sas_.at(spi).get();
    if (sa->state != IkeState::kEstablished) continue;
    Queue(*sa, {RequestKind::kLiveness, 0}, now);
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("no established IKE SA");
}

}  // namespace tunnelisa::ike
