// CHILD SAs: installation (shared by IKE_AUTH and CREATE_CHILD_SA), and CREATE_CHILD_SA for new
// CHILD SAs and CHILD SA rekeys in both roles, with make-before-break and the simultaneous-rekey
// rule of RFC 7296 2.8.1. IKE SA rekeys are in ike_rekey.cc.
#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/negotiation/traffic_selectors.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {

ChildSa* IkeManager::FindChild(IkeSa& sa, uint32_t inbound_spi) {
  for (ChildSa& c : sa.children) {
    if (c.inbound_spi == inbound_spi) return &c;
  }
  return nullptr;
}

ChildSa* IkeManager::FindChildByOutbound(IkeSa& sa, uint32_t outbound_spi) {
  for (ChildSa& c : sa.children) {
    if (c.outbound_spi == outbound_spi) return &c;
  }
  return nullptr;
}

absl::StatusOr<ChildSa*> IkeManager::InstallChild(
    IkeSa& sa, const NegotiatedChild& negotiated, uint32_t inbound_spi, const TsPayload& tsi,
    const TsPayload& tsr, std::span<const uint8_t> dh_secret, std::span<const uint8_t> nonce_i,
    std::span<const uint8_t> nonce_r, bool we_initiated, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const auto prf = static_cast<crypto::PrfAlgorithm>(sa.negotiated.prf_id);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.17
  //# KEYMAT = prf+(SK_d, Ni | Nr)
  absl::StatusOr<crypto::ChildSaKeys> keys =
      crypto::DeriveChildSaKeys(crypto_, prf, sa.keys.sk_d.span(), dh_secret, nonce_i, nonce_r,
                                negotiated.encryption_key_size, negotiated.integrity_key_size);
  if (!keys.ok()) return keys.status();
  absl::StatusOr<TsPrefixes> ts_i = TsToPrefixes(tsi);
  absl::StatusOr<TsPrefixes> ts_r = TsToPrefixes(tsr);
  if (!ts_i.ok()) return ts_i.status();
  if (!ts_r.ok()) return ts_r.status();
  ChildInstall install;
  install.inbound_spi = inbound_spi;
  install.outbound_spi = negotiated.peer_spi;
  install.suite = negotiated.suite;
  // The exchange's initiator sends with the first keys of KEYMAT.
  if (we_initiated) {
    install.outbound_enc = std::move(keys->encr_i);
    install.outbound_integ = std::move(keys->integ_i);
    install.inbound_enc = std::move(keys->encr_r);
    install.inbound_integ = std::move(keys->integ_r);
  } else {
    install.outbound_enc = std::move(keys->encr_r);
    install.outbound_integ = std::move(keys->integ_r);
    install.inbound_enc = std::move(keys->encr_i);
    install.inbound_integ = std::move(keys->integ_i);
  }
  install.local = sa.local.address;
  install.remote = sa.remote.address;
  if (sa.natt) install.udp_encap = UdpEncapsulation{sa.local.port, sa.remote.port};
  // TSi describes the exchange initiator's side.
  install.local_selectors = we_initiated ? ts_i->prefixes : ts_r->prefixes;
  install.remote_selectors = we_initiated ? ts_r->prefixes : ts_i->prefixes;
  install.hard_lifetime.time = peer->child_lifetime;
  install.soft_lifetime.time = Duration::Nanoseconds(static_cast<int64_t>(
      static_cast<double>(peer->child_lifetime.ns) * (1.0 - options_.rekey_margin)));
  if (peer->child_lifetime_bytes != 0) {
    install.hard_lifetime.bytes = peer->child_lifetime_bytes;
    install.soft_lifetime.bytes = static_cast<uint64_t>(
        static_cast<double>(peer->child_lifetime_bytes) * (1.0 - options_.rekey_margin));
  }
  install.cookie = ChildCookie(inbound_spi);
  absl::StatusOr<ChildSaPair> pair = host_->InstallChild(sa.peer, std::move(install), now);
  if (!pair.ok()) return pair.status();
  ChildSa child;
  child.inbound_spi = inbound_spi;
  child.outbound_spi = negotiated.peer_spi;
  child.sas = *pair;
  child.negotiated = negotiated;
  child.local_ts = we_initiated ? ts_i->prefixes : ts_r->prefixes;
  child.remote_ts = we_initiated ? ts_r->prefixes : ts_i->prefixes;
  child.installed_at = now;
  // The data plane raises the soft/hard lifetime events (OnChildLifetime); rekey_at is the
  // same moment as a timer so a host without lifetime events still rekeys.
  child.rekey_at = now + install.soft_lifetime.time;
  child.min_nonce = MinNonce(nonce_i, nonce_r);
  sa.children.push_back(std::move(child));
  ChildSa* c = &sa.children.back();
  const std::string detail = negotiated.Describe();
  LogLine(LogLevel::kInfo, absl::StrFormat("IKE: %s: CHILD SA up, SPIs in %08x out %08x, %s",
                                           peer->name, c->inbound_spi, c->outbound_spi, detail));
  return c;
}

ChildSa* IkeManager::AcceptChild(IkeSa& sa, const std::vector<Payload>& in, bool create_child,
                                 std::span<const uint8_t> nonce_i, std::span<const uint8_t> nonce_r,
                                 std::vector<Payload>& out, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const SaPayload* offered = FindBody<SaPayload>(in, PayloadType::kSa);
  const TsPayload* tsi = FindBody<TsPayload>(in, PayloadType::kTsi);
  const TsPayload* tsr = FindBody<TsPayload>(in, PayloadType::kTsr);
  const KePayload* ke = FindBody<KePayload>(in, PayloadType::kKe);
  if (offered == nullptr || tsi == nullptr || tsr == nullptr) {
    out.push_back(ErrorNotify(NotifyType::kInvalidSyntax));
    return nullptr;
  }
  absl::StatusOr<NegotiatedChild> chosen =
      SelectChild(*offered, peer->child,
                  !create_child   ? ChildKeMode::kIkeAuth
                  : ke != nullptr ? ChildKeMode::kCreateChildSaWithKe
                                  : ChildKeMode::kCreateChildSa);
  if (!chosen.ok()) {
    std::string detail = StrCat("CHILD SA: ", chosen.status().message());
    LogLine(LogLevel::kWarning, StrCat("IKE: ", peer->name, ": ", detail));
    Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
    out.push_back(ErrorNotify(NotifyType::kNoProposalChosen));
    return nullptr;
  }
  std::unique_ptr<crypto::DhKeyPair> dh;
  SecretBytes shared;
  if (chosen->pfs_group) {
    if (ke == nullptr || ke->dh_group != static_cast<uint16_t>(*chosen->pfs_group)) {
      //= https://www.rfc-editor.org/rfc/rfc7296#section-1.3
      //# the responder MUST reject the request and indicate its preferred Diffie-Hellman
      //# group in the INVALID_KE_PAYLOAD Notify payload.
      const uint16_t g = static_cast<uint16_t>(*chosen->pfs_group);
      out.push_back(Payload::Make(PayloadType::kNotify, NotifyPayload::InvalidKe(g)));
      return nullptr;
    }
    absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> pair =
        crypto_.NewDhKeyPair(*chosen->pfs_group);
    if (!pair.ok()) {
      out.push_back(ErrorNotify(NotifyType::kNoProposalChosen));
      return nullptr;
    }
    dh = *std::move(pair);
    absl::StatusOr<SecretBytes> s = dh->Derive(ke->data);
    if (!s.ok()) {
      out.push_back(ErrorNotify(NotifyType::kInvalidSyntax));
      return nullptr;
    }
    shared = *std::move(s);
  }
  const std::vector<IpPrefix> remote_ts = ChildRemoteTs(sa, *peer);
  absl::StatusOr<NarrowedTs> narrowed = NarrowAsResponder(*tsi, *tsr, remote_ts, peer->local_ts);
  if (!narrowed.ok()) {
    std::string detail = StrCat("TS_UNACCEPTABLE: ", narrowed.status().message());
    LogLine(LogLevel::kWarning, StrCat("IKE: ", peer->name, ": ", detail));
    Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
    out.push_back(ErrorNotify(NotifyType::kTsUnacceptable));
    return nullptr;
  }
  const uint32_t spi = NewChildSpi();
  absl::StatusOr<ChildSa*> child =
      InstallChild(sa, *chosen, spi, narrowed->tsi, narrowed->tsr, shared.span(), nonce_i, nonce_r,
                   /*we_initiated=*/false, now);
  if (!child.ok()) {
    LogLine(LogLevel::kError,
            StrCat("IKE: ", peer->name, ": CHILD SA install failed: ", child.status().message()));
    out.push_back(ErrorNotify(NotifyType::kNoProposalChosen));
    return nullptr;
  }
  Proposal p = chosen->chosen;
  p.spi = {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16),
           static_cast<uint8_t>(spi >> 8), static_cast<uint8_t>(spi)};
  out.push_back(Payload::Make(PayloadType::kSa, SaPayload{{p}}));
  if (create_child)
    out.push_back(
        Payload::Make(PayloadType::kNonce, NoncePayload{{nonce_r.begin(), nonce_r.end()}}));
  if (dh != nullptr) {
    out.push_back(Payload::Make(PayloadType::kKe,
                                KePayload{static_cast<uint16_t>(dh->group()), dh->public_value()}));
  }
  out.push_back(Payload::Make(PayloadType::kTsi, narrowed->tsi));
  out.push_back(Payload::Make(PayloadType::kTsr, narrowed->tsr));
  return *child;
}

void IkeManager::RemoveChild(IkeSa& sa, ChildSa& child, MonoTime now, std::string_view reason) {
  host_->RemoveChild(sa.peer, child.sas);
  const ChildSa copy = child;
  sa.children.erase(sa.children.begin() + (&child - sa.children.data()));
  if (copy.state == ChildState::kRekeyed) {
    ActivateSuccessor(sa, copy);
  } else {
    Emit(IkeEventKind::kChildDown, sa, reason, now, &copy);
  }
}

void IkeManager::ActivateSuccessor(IkeSa& sa, const ChildSa& old_child) {
  ChildSa* next = FindChild(sa, old_child.successor_spi);
  if (next == nullptr || next->active) return;
  next->active = true;
  host_->ActivateChild(sa.peer, next->sas);
}

// --- CHILD SA rekey, initiator ---------------------------------------------------------------

void IkeManager::StartChildRekey(IkeSa& sa, uint32_t child_spi, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (child_spi == 0) return StartNewChild(sa, now);
  ChildSa* old_child = FindChild(sa, child_spi);
  if (old_child == nullptr || old_child->state != ChildState::kInstalled) return;
  // PFS: the configured transform with this CHILD SA's suite says whether the rekey carries
  // a KE (and of which group); if the configuration no longer has that suite, the first
  // transform, which leads our offer. Never the group the old CHILD SA was made with: the
  // configuration may have changed since (SetPeers keeps SAs across changes).
  std::optional<DhGroup> pfs = peer->child.front().pfs_group;
  for (const ChildTransformPolicy& t : peer->child) {
    if (t.suite == old_child->negotiated.suite) {
      pfs = t.pfs_group;
      break;
    }
  }
  SendCreateChild(sa, child_spi, pfs, old_child->local_ts, old_child->remote_ts, now);
}

// StartNewChild: a CHILD SA from scratch under an established IKE SA (RFC 7296 1.3.1), when the
// tunnel lost its last one (deleted by the peer, or a rekey that collided with a delete).
void IkeManager::StartNewChild(IkeSa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  for (const ChildSa& c : sa.children) {
    if (c.state == ChildState::kInstalled) return;  // it has one again
  }
  // A remote-access client's CHILD SAs carry its assigned address only.
  std::vector<IpPrefix> local_ts = peer->local_ts;
  if (sa.assigned_address) local_ts = {IpPrefix::Make(*sa.assigned_address, 32)};
  SendCreateChild(sa, 0, peer->child.front().pfs_group, local_ts, peer->remote_ts, now);
}

// SendCreateChild: the CREATE_CHILD_SA request for a new CHILD SA, rekeying `rekey_spi` (our
// inbound SPI) unless 0, with a KE of `pfs` when set.
void IkeManager::SendCreateChild(IkeSa& sa, uint32_t rekey_spi, std::optional<DhGroup> pfs,
                                 std::span<const IpPrefix> local_ts,
                                 std::span<const IpPrefix> remote_ts, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  OutstandingRequest ctx;
  ctx.child_spi = rekey_spi;
  ctx.new_spi = NewChildSpi();
  ctx.nonce.assign(kNonceSize, 0);
  host_->RandomBytes(ctx.nonce);
  ctx.offered = OfferChild(peer->child, ctx.new_spi, /*include_dh=*/true);
  ctx.offered_tsi = TsFromPrefixes(local_ts);
  ctx.offered_tsr = TsFromPrefixes(remote_ts);
  std::vector<Payload> out;
  if (rekey_spi != 0) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-1.3.3
    //# The CREATE_CHILD_SA request for rekeying a Child SA is:
    out.push_back(Payload::Make(
        PayloadType::kNotify,
        NotifyPayload::ForChildSa(NotifyType::kRekeySa, ProtocolId::kEsp, rekey_spi)));
  }
  out.push_back(Payload::Make(PayloadType::kSa, ctx.offered));
  out.push_back(Payload::Make(PayloadType::kNonce, NoncePayload{ctx.nonce}));
  if (pfs) {
    absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(*pfs);
    if (dh.ok()) {
      ctx.dh = *std::move(dh);
      out.push_back(Payload::Make(PayloadType::kKe,
                                  KePayload{static_cast<uint16_t>(*pfs), ctx.dh->public_value()}));
    }
  }
  out.push_back(Payload::Make(PayloadType::kTsi, ctx.offered_tsi));
  out.push_back(Payload::Make(PayloadType::kTsr, ctx.offered_tsr));
  SendRequest(sa, RequestKind::kCreateChild, ExchangeType::kCreateChildSa, std::move(out), now,
              std::move(ctx));
}

void IkeManager::ProcessCreateChildResponse(IkeSa& sa, const Received& in, MonoTime now) {
  const uint32_t old_spi = sa.request.child_spi;
  const SaPayload* reply = FindBody<SaPayload>(in.inner, PayloadType::kSa);
  const NoncePayload* nonce = FindBody<NoncePayload>(in.inner, PayloadType::kNonce);
  const TsPayload* tsi = FindBody<TsPayload>(in.inner, PayloadType::kTsi);
  const TsPayload* tsr = FindBody<TsPayload>(in.inner, PayloadType::kTsr);
  const KePayload* ke = FindBody<KePayload>(in.inner, PayloadType::kKe);
  ChildSa* old_child = FindChild(sa, old_spi);
  if (reply == nullptr || nonce == nullptr || tsi == nullptr || tsr == nullptr) {
    const NotifyPayload* n = in.inner.empty() ? nullptr : in.inner.front().As<NotifyPayload>();
    const std::string what = n != nullptr ? NotifyTypeName(n->type) : std::string("nothing");
    if (old_child != nullptr) {
      // TEMPORARY_FAILURE (RFC 7296 2.25: the peer is rekeying or deleting it too) or a
      // refusal: try again a little later unless the CHILD SA went away meanwhile.
      old_child->rekey_requested = false;
      old_child->rekey_at = now + Duration::Seconds(5);
    }
    LogLine(LogLevel::kWarning, StrCat("IKE: CHILD SA rekey answered with ", what));
    return;
  }
  absl::StatusOr<NegotiatedChild> chosen = AcceptChildReply(*reply, sa.request.offered);
  absl::Status ts = CheckNarrowedReply(*tsi, *tsr, sa.request.offered_tsi, sa.request.offered_tsr);
  SecretBytes shared;
  if (chosen.ok() && chosen->pfs_group) {
    if (ke == nullptr || sa.request.dh == nullptr) {
      chosen = absl::InvalidArgumentError("PFS group chosen without a KE");
    } else if (absl::StatusOr<SecretBytes> s = sa.request.dh->Derive(ke->data); s.ok()) {
      shared = *std::move(s);
    } else {
      chosen = s.status();
    }
  }
  if (!chosen.ok() || !ts.ok()) {
    const std::string detail = StrCat("CHILD SA rekey reply refused: ",
                                      !chosen.ok() ? chosen.status().message() : ts.message());
    Emit(IkeEventKind::kNegotiationFailed, sa, detail, now);
    LogLine(LogLevel::kWarning, StrCat("IKE: ", detail));
    return;
  }
  absl::StatusOr<ChildSa*> fresh =
      InstallChild(sa, *chosen, sa.request.new_spi, *tsi, *tsr, shared.span(), sa.request.nonce,
                   nonce->nonce, /*we_initiated=*/true, now);
  if (!fresh.ok()) {
    LogLine(LogLevel::kError,
            StrCat("IKE: rekeyed CHILD SA install failed: ", fresh.status().message()));
    return;
  }
  if (old_spi == 0) {
    host_->ActivateChild(sa.peer, (*fresh)->sas);
    Emit(IkeEventKind::kChildUp, sa, (*fresh)->negotiated.Describe(), now, *fresh);
    return;
  }
  FinishChildRekey(sa, old_spi, (*fresh)->inbound_spi, now);
}

// FinishChildRekey: our rekey of `old_spi` produced `new_spi`.
void IkeManager::FinishChildRekey(IkeSa& sa, uint32_t old_spi, uint32_t new_spi, MonoTime now) {
  ChildSa* fresh = FindChild(sa, new_spi);
  ChildSa* old_child = FindChild(sa, old_spi);
  if (old_child != nullptr && old_child->state == ChildState::kRekeyed &&
      old_child->successor_spi != 0 && old_child->successor_spi != new_spi) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.8.1
    //# If redundant SAs are created through such a collision, the SA created with the lowest
    //# of the four nonces used in the two exchanges SHOULD be closed by the endpoint that
    //# created it.
    ChildSa* theirs = FindChild(sa, old_child->successor_spi);
    if (theirs != nullptr && NonceLess(fresh->min_nonce, theirs->min_nonce)) {
      fresh->active = false;
      fresh->state = ChildState::kRekeyed;  // redundant: ours goes
      fresh->expire_at = now + options_.rekeyed_child_linger;
      Queue(sa, {RequestKind::kDeleteChild, new_spi}, now);
      return;
    }
    // Ours stays; the peer deletes its redundant one and the old one is ours to delete.
    if (theirs != nullptr) {
      theirs->active = false;
      theirs->state = ChildState::kRekeyed;
      theirs->expire_at = now + options_.rekeyed_child_linger;
    }
  }
  host_->ActivateChild(sa.peer, fresh->sas);
  fresh->active = true;
  Emit(IkeEventKind::kChildRekeyed, sa, fresh->negotiated.Describe(), now, fresh);
  if (old_child != nullptr) {
    old_child->state = ChildState::kRekeyed;
    old_child->successor_spi = new_spi;
    old_child->expire_at = now + options_.rekeyed_child_linger;
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.8
    //# To rekey a Child SA within an existing IKE SA, create a new, equivalent SA (see
    //# Section 2.17 below), and when the new one is established, delete the old one.
    Queue(sa, {RequestKind::kDeleteChild, old_spi}, now);
  }
}

// --- CREATE_CHILD_SA, responder --------------------------------------------------------------

void IkeManager::RespondCreateChild(IkeSa& sa, const Received& in, MonoTime now) {
  const Header& h = in.message.header;
  if (sa.state != IkeState::kEstablished) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.25.1
    //# If a peer receives a request to rekey a Child SA that it is currently trying to close,
    //# it SHOULD reply with TEMPORARY_FAILURE.
    SendResponse(sa, h, {ErrorNotify(NotifyType::kTemporaryFailure)});
    return;
  }
  const SaPayload* offered = FindBody<SaPayload>(in.inner, PayloadType::kSa);
  const NoncePayload* nonce = FindBody<NoncePayload>(in.inner, PayloadType::kNonce);
  if (offered == nullptr || nonce == nullptr || offered->proposals.empty()) {
    SendResponse(sa, h, {ErrorNotify(NotifyType::kInvalidSyntax)});
    return;
  }
  if (offered->proposals.front().protocol == ProtocolId::kIke) {
    RespondRekeyIke(sa, in, now);
    return;
  }
  const NotifyPayload* rekey = in.message.FindNotify(NotifyType::kRekeySa);
  for (const Payload& p : in.inner) {
    const NotifyPayload* n = p.As<NotifyPayload>();
    if (n != nullptr && n->type == NotifyType::kRekeySa) rekey = n;
  }
  ChildSa* old_child = nullptr;
  if (rekey != nullptr) {
    std::optional<uint32_t> spi = rekey->spi32();
    old_child = spi ? FindChildByOutbound(sa, *spi) : nullptr;
    if (old_child == nullptr || old_child->state == ChildState::kDeleting) {
      //= https://www.rfc-editor.org/rfc/rfc7296#section-2.25
      //# A peer that receives a CHILD_SA_NOT_FOUND notification SHOULD silently delete the
      //# Child SA (if it still exists) and send a request to create a new Child SA from
      //# scratch (if the Child SA does not yet exist).
      SendResponse(sa, h,
                   {old_child == nullptr ? ErrorNotify(NotifyType::kChildSaNotFound)
                                         : ErrorNotify(NotifyType::kTemporaryFailure)});
      return;
    }
  }
  std::vector<uint8_t> nonce_r(kNonceSize);
  host_->RandomBytes(nonce_r);
  std::vector<Payload> out;
  const uint32_t old_spi = old_child != nullptr ? old_child->inbound_spi : 0;
  ChildSa* fresh =
      AcceptChild(sa, in.inner, /*create_child=*/true, nonce->nonce, nonce_r, out, now);
  SendResponse(sa, h, std::move(out));
  if (fresh == nullptr) return;
  const uint32_t new_spi = fresh->inbound_spi;
  old_child = old_spi != 0 ? FindChild(sa, old_spi) : nullptr;
  if (old_child == nullptr) {
    host_->ActivateChild(sa.peer, fresh->sas);
    Emit(IkeEventKind::kChildUp, sa, fresh->negotiated.Describe(), now, fresh);
    return;
  }
  if (old_child->state == ChildState::kRekeyed && old_child->successor_spi != 0) {
    // Simultaneous rekey, and ours finished first (RFC 7296 2.8.1): the redundant one is the
    // one whose exchange had the lowest nonce; its creator deletes it.
    ChildSa* ours = FindChild(sa, old_child->successor_spi);
    if (ours != nullptr && NonceLess(ours->min_nonce, fresh->min_nonce)) {
      ours->state = ChildState::kRekeyed;
      ours->expire_at = now + options_.rekeyed_child_linger;
      host_->ActivateChild(sa.peer, fresh->sas);
      Queue(sa, {RequestKind::kDeleteChild, ours->inbound_spi}, now);
    } else {
      fresh->active = false;  // theirs is redundant: the peer deletes it
      fresh->state = ChildState::kRekeyed;
      fresh->expire_at = now + options_.rekeyed_child_linger;
    }
    return;
  }
  // Make-before-break: our new inbound SA is installed; the new outbound one takes over once
  // the peer deletes the old CHILD SA (it has installed its inbound side by then).
  fresh->active = false;
  old_child->state = ChildState::kRekeyed;
  old_child->successor_spi = new_spi;
  old_child->expire_at = now + options_.rekeyed_child_linger;
  Emit(IkeEventKind::kChildRekeyed, sa, fresh->negotiated.Describe(), now, fresh);
}

}  // namespace tunnelisa::ike
