// CHILD SAs: installation (shared by IKE_AUTH and CREATE_CHILD_SA), CREATE_CHILD_SA for CHILD
// SA rekeys in both roles with make-before-break and the simultaneous-rekey rule of RFC 7296
// 2.8.1, and IKE SA rekeys (2.18, collisions per 2.8.2).
#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/negotiation/traffic_selectors.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {

std::vector<uint8_t> SpiBytes(uint64_t spi);  // ike_sa_init.cc

namespace {

constexpr size_t kNonceSize = 32;

template <typename T>
const T* FindBody(const std::vector<Payload>& payloads, PayloadType type) {
  for (const Payload& p : payloads) {
    if (p.type == type) return p.As<T>();
  }
  return nullptr;
}

std::vector<uint8_t> MinNonce(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  const bool a_less = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  return a_less ? std::vector<uint8_t>(a.begin(), a.end())
                : std::vector<uint8_t>(b.begin(), b.end());
}

bool NonceLess(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

Payload ErrorNotify(NotifyType type) {
  return Payload::Make(PayloadType::kNotify, NotifyPayload::Of(type));
}

}  // namespace

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
      crypto::DeriveChildSaKeys(prf, sa.keys.sk_d.span(), dh_secret, nonce_i, nonce_r,
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
        crypto::DhKeyPair::Generate(*chosen->pfs_group);
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
  absl::StatusOr<NarrowedTs> narrowed =
      NarrowAsResponder(*tsi, *tsr, peer->remote_ts, peer->local_ts);
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

void IkeManager::RemoveChild(IkeSa& sa, ChildSa& child, MonoTime now) {
  host_->RemoveChild(sa.peer, child.sas);
  const ChildSa copy = child;
  sa.children.erase(sa.children.begin() + (&child - sa.children.data()));
  if (copy.state == ChildState::kRekeyed) {
    ActivateSuccessor(sa, copy);
  } else {
    Emit(IkeEventKind::kChildDown, sa, "deleted", now, &copy);
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
  // PFS: the transform that keyed this CHILD SA says whether the rekey carries a KE.
  std::optional<DhGroup> pfs = old_child->negotiated.pfs_group;
  for (const ChildTransformPolicy& t : peer->child) {
    if (t.suite == old_child->negotiated.suite) pfs = t.pfs_group;
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
  SendCreateChild(sa, 0, peer->child.front().pfs_group, peer->local_ts, peer->remote_ts, now);
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
    absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto::DhKeyPair::Generate(*pfs);
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
  if (sa.request.kind == RequestKind::kRekeyIke) {
    const SaPayload* reply = FindBody<SaPayload>(in.inner, PayloadType::kSa);
    const NoncePayload* nonce = FindBody<NoncePayload>(in.inner, PayloadType::kNonce);
    const KePayload* ke = FindBody<KePayload>(in.inner, PayloadType::kKe);
    if (reply == nullptr || nonce == nullptr || ke == nullptr || sa.request.dh == nullptr) {
      // TEMPORARY_FAILURE (a collision on the peer's side), NO_PROPOSAL_CHOSEN...: retry later.
      LogLine(LogLevel::kWarning, "IKE: IKE SA rekey refused by the peer; retrying later");
      sa.rekey_at = now + Duration::Seconds(10);
      return;
    }
    absl::StatusOr<NegotiatedIke> chosen = AcceptIkeReply(*reply, sa.request.offered);
    absl::StatusOr<SecretBytes> shared = chosen.ok() ? sa.request.dh->Derive(ke->data)
                                                     : absl::StatusOr<SecretBytes>(chosen.status());
    if (!chosen.ok() || !shared.ok() || chosen->peer_spi.size() != 8) {
      RemoveSa(sa, "bad IKE SA rekey reply", now);
      return;
    }
    uint64_t spi_r = 0;
    for (uint8_t b : chosen->peer_spi) spi_r = (spi_r << 8) | b;
    absl::StatusOr<std::unique_ptr<IkeSa>> fresh =
        RekeyedIkeSa(sa, /*we_initiated=*/true, *chosen, sa.request.new_ike_spi, spi_r,
                     shared->span(), sa.request.nonce, nonce->nonce);
    if (!fresh.ok()) {
      RemoveSa(sa, StrCat("IKE SA rekey failed: ", fresh.status().message()), now);
      return;
    }
    (*fresh)->min_nonce = MinNonce(sa.request.nonce, nonce->nonce);
    sa.request = OutstandingRequest{};
    if (sa.state == IkeState::kRekeyed) {
      // Simultaneous IKE SA rekey (RFC 7296 2.8.2), the peer's finished first:
      //   A                                     B
      //   CREATE_CHILD_SA(SA IKE, Ni1, KEi) -->   <-- CREATE_CHILD_SA(SA IKE, Ni2, KEi)
      //   <-- response (Nr2) [theirs done]        response (Nr1) --> [ours done here]
      auto theirs = sas_.find(sa.rekeyed_into);
      IkeSa& ours = AdoptIkeSa(*std::move(fresh), now);
      if (theirs != sas_.end()) ResolveIkeRekeyCollision(ours, *theirs->second, now);
      Queue(sa, {RequestKind::kDeleteIke, 0}, now);
      return;
    }
    FinishIkeRekey(sa, *std::move(fresh), now);
    return;
  }
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

// --- IKE SA rekey ----------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<IkeSa>> IkeManager::RekeyedIkeSa(IkeSa& old_sa, bool we_initiated,
                                                                const NegotiatedIke& negotiated,
                                                                uint64_t spi_i, uint64_t spi_r,
                                                                std::span<const uint8_t> shared,
                                                                std::span<const uint8_t> nonce_i,
                                                                std::span<const uint8_t> nonce_r) {
  const auto old_prf = static_cast<crypto::PrfAlgorithm>(old_sa.negotiated.prf_id);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.18
  //# SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
  absl::StatusOr<SecretBytes> skeyseed =
      crypto::DeriveRekeyedSkeyseed(old_prf, old_sa.keys.sk_d.span(), shared, nonce_i, nonce_r);
  if (!skeyseed.ok()) return skeyseed.status();
  std::optional<SkSuite> suite = SkSuiteFromConfig(negotiated.encryption, negotiated.integrity);
  if (!suite) return absl::InvalidArgumentError("unsupported IKE cipher");
  absl::StatusOr<SkSizes> sizes = SkSizesFor(*suite);
  if (!sizes.ok()) return sizes.status();
  const auto prf = static_cast<crypto::PrfAlgorithm>(negotiated.prf_id);
  absl::StatusOr<crypto::IkeSaKeys> keys = crypto::DeriveIkeSaKeysFromSkeyseed(
      prf, {.integrity = sizes->integ_key, .encryption = sizes->encr_key}, skeyseed->span(),
      nonce_i, nonce_r, SpiBytes(spi_i), SpiBytes(spi_r));
  if (!keys.ok()) return keys.status();
  auto fresh = std::make_unique<IkeSa>();
  fresh->peer = old_sa.peer;
  fresh->initiator = we_initiated;
  fresh->spi_i = spi_i;
  fresh->spi_r = spi_r;
  fresh->local = old_sa.local;
  fresh->remote = old_sa.remote;
  fresh->natt = old_sa.natt;
  fresh->nat_local = old_sa.nat_local;
  fresh->nat_remote = old_sa.nat_remote;
  fresh->peer_fragmentation = old_sa.peer_fragmentation;
  fresh->negotiated = negotiated;
  fresh->dh_group = negotiated.dh_group;
  fresh->nonce_i.assign(nonce_i.begin(), nonce_i.end());
  fresh->nonce_r.assign(nonce_r.begin(), nonce_r.end());
  fresh->keys = *std::move(keys);
  absl::StatusOr<std::unique_ptr<SkProtector>> p = MakeProtector(*suite, fresh->keys, we_initiated);
  if (!p.ok()) return p.status();
  fresh->protector = *std::move(p);
  fresh->peer_id_text = old_sa.peer_id_text;
  return fresh;
}

void IkeManager::StartIkeRekey(IkeSa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  OutstandingRequest ctx;
  ctx.new_ike_spi = NewSpi();
  ctx.nonce.assign(kNonceSize, 0);
  host_->RandomBytes(ctx.nonce);
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh =
      crypto::DhKeyPair::Generate(peer->ike.dh_group);
  if (!dh.ok()) return;
  ctx.dh = *std::move(dh);
  ctx.offered = OfferIke(peer->ike, SpiBytes(ctx.new_ike_spi));
  std::vector<Payload> out;
  out.push_back(Payload::Make(PayloadType::kSa, ctx.offered));
  out.push_back(Payload::Make(PayloadType::kNonce, NoncePayload{ctx.nonce}));
  out.push_back(Payload::Make(PayloadType::kKe, KePayload{static_cast<uint16_t>(peer->ike.dh_group),
                                                          ctx.dh->public_value()}));
  SendRequest(sa, RequestKind::kRekeyIke, ExchangeType::kCreateChildSa, std::move(out), now,
              std::move(ctx));
}

void IkeManager::RespondRekeyIke(IkeSa& sa, const Received& in, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const Header& h = in.message.header;
  const SaPayload* offered = FindBody<SaPayload>(in.inner, PayloadType::kSa);
  const NoncePayload* nonce = FindBody<NoncePayload>(in.inner, PayloadType::kNonce);
  const KePayload* ke = FindBody<KePayload>(in.inner, PayloadType::kKe);
  if (sa.request.kind == RequestKind::kCreateChild || ke == nullptr) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.25.1
    //# If a peer receives a request to rekey the IKE SA, and it is currently creating,
    //# rekeying, or closing a Child SA of that IKE SA, it SHOULD reply with
    //# TEMPORARY_FAILURE.
    SendResponse(
        sa, h,
        {ErrorNotify(ke == nullptr ? NotifyType::kInvalidSyntax : NotifyType::kTemporaryFailure)});
    return;
  }
  absl::StatusOr<NegotiatedIke> chosen = SelectIke(*offered, peer->ike, IkeSpiMode::kRekey);
  if (!chosen.ok() || chosen->peer_spi.size() != 8) {
    SendResponse(sa, h, {ErrorNotify(NotifyType::kNoProposalChosen)});
    return;
  }
  if (ke->dh_group != static_cast<uint16_t>(chosen->dh_group)) {
    SendResponse(
        sa, h,
        {Payload::Make(PayloadType::kNotify,
                       NotifyPayload::InvalidKe(static_cast<uint16_t>(chosen->dh_group)))});
    return;
  }
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh =
      crypto::DhKeyPair::Generate(chosen->dh_group);
  if (!dh.ok()) {
    SendResponse(sa, h, {ErrorNotify(NotifyType::kNoProposalChosen)});
    return;
  }
  absl::StatusOr<SecretBytes> shared = (*dh)->Derive(ke->data);
  if (!shared.ok()) {
    SendResponse(sa, h, {ErrorNotify(NotifyType::kInvalidSyntax)});
    return;
  }
  uint64_t spi_i = 0;
  for (uint8_t b : chosen->peer_spi) spi_i = (spi_i << 8) | b;
  const uint64_t spi_r = NewSpi();
  std::vector<uint8_t> nonce_r(kNonceSize);
  host_->RandomBytes(nonce_r);
  absl::StatusOr<std::unique_ptr<IkeSa>> fresh = RekeyedIkeSa(
      sa, /*we_initiated=*/false, *chosen, spi_i, spi_r, shared->span(), nonce->nonce, nonce_r);
  if (!fresh.ok()) {
    SendResponse(sa, h, {ErrorNotify(NotifyType::kNoProposalChosen)});
    return;
  }
  (*fresh)->min_nonce = MinNonce(nonce->nonce, nonce_r);
  Proposal p = chosen->chosen;
  p.spi = SpiBytes(spi_r);
  std::vector<Payload> out;
  out.push_back(Payload::Make(PayloadType::kSa, SaPayload{{p}}));
  out.push_back(Payload::Make(PayloadType::kNonce, NoncePayload{nonce_r}));
  out.push_back(Payload::Make(
      PayloadType::kKe, KePayload{static_cast<uint16_t>(chosen->dh_group), (*dh)->public_value()}));
  SendResponse(sa, h, std::move(out));
  if (sa.state == IkeState::kRekeyed) {
    // Simultaneous IKE SA rekey (RFC 7296 2.8.2), ours finished first: both new IKE SAs exist
    // on both sides now; the one made with the lowest nonce goes.
    auto ours = sas_.find(sa.rekeyed_into);
    IkeSa& theirs = AdoptIkeSa(*std::move(fresh), now);
    if (ours != sas_.end()) ResolveIkeRekeyCollision(*ours->second, theirs, now);
    return;
  }
  FinishIkeRekey(sa, *std::move(fresh), now);
  // The peer started the rekey, so it deletes the old IKE SA.
}

// AdoptIkeSa: a new IKE SA from a rekey takes up its timers and joins the table.
IkeSa& IkeManager::AdoptIkeSa(std::unique_ptr<IkeSa> fresh, MonoTime now) {
  IkeSa& n = *fresh;
  n.created = now;
  StartLifetimes(n, now);
  sas_.emplace(n.our_spi(), std::move(fresh));
  return n;
}

// ResolveIkeRekeyCollision: both sides rekeyed the same IKE SA at once, so there are two new
// ones, `ours` (we started it) and `theirs`. Both ends compare the same nonces, so they agree.
void IkeManager::ResolveIkeRekeyCollision(IkeSa& ours, IkeSa& theirs, MonoTime now) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.8.2
  //# The SA that was created with the lowest of the four nonces
  // (paraphrased remainder) is the redundant one and is deleted by the endpoint that created it.
  const bool ours_redundant = NonceLess(ours.min_nonce, theirs.min_nonce);
  IkeSa& loser = ours_redundant ? ours : theirs;
  IkeSa& winner = ours_redundant ? theirs : ours;
  for (ChildSa& c : loser.children) winner.children.push_back(std::move(c));
  loser.children.clear();
  loser.state = IkeState::kRekeyed;
  loser.rekeyed_into = winner.our_spi();
  loser.rekey_at = MonoTime::Infinite();
  loser.expire_at = now + options_.rekeyed_child_linger + options_.rekeyed_child_linger;
  // The IKE SA that was rekeyed now hands over to the winner too.
  for (auto& [spi, sa] : sas_) {
    if (sa->state == IkeState::kRekeyed && sa->peer == winner.peer &&
        sa->rekeyed_into == loser.our_spi()) {
      for (ChildSa& c : sa->children) winner.children.push_back(std::move(c));
      sa->children.clear();
      sa->rekeyed_into = winner.our_spi();
    }
  }
  LogLine(LogLevel::kInfo,
          absl::StrFormat("IKE: simultaneous IKE SA rekey: keeping %016x_i "
                          "%016x_r, %s deletes %016x_i %016x_r",
                          winner.spi_i, winner.spi_r, ours_redundant ? "we" : "the peer",
                          loser.spi_i, loser.spi_r));
  if (ours_redundant) Queue(loser, {RequestKind::kDeleteIke, 0}, now);
}

// FinishIkeRekey: the CHILD SAs move to `fresh`, which takes over; the old IKE SA only waits
// for its Delete exchange (sent by us when we started the rekey).
void IkeManager::FinishIkeRekey(IkeSa& old_sa, std::unique_ptr<IkeSa> fresh, MonoTime now) {
  const IkePeerConfig* peer = Peer(old_sa.peer);
  for (ChildSa& c : old_sa.children) fresh->children.push_back(std::move(c));
  old_sa.children.clear();
  IkeSa& n = AdoptIkeSa(std::move(fresh), now);
  old_sa.state = IkeState::kRekeyed;
  old_sa.rekeyed_into = n.our_spi();
  old_sa.expire_at = now + options_.rekeyed_child_linger + options_.rekeyed_child_linger;
  old_sa.rekey_at = MonoTime::Infinite();
  const bool we_started = n.initiator;
  LogLine(LogLevel::kInfo, absl::StrFormat("IKE: %s: IKE SA rekeyed, now %016x_i %016x_r",
                                           peer->name, n.spi_i, n.spi_r));
  Emit(IkeEventKind::kIkeRekeyed, n, n.negotiated.Describe(), now);
  IkeSa& old_ref = old_sa;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.8
  //# After the new equivalent IKE SA is created, the initiator deletes the old IKE SA, and
  //# the Delete payload to delete itself MUST be the last request sent over the old IKE SA.
  if (we_started) Queue(old_ref, {RequestKind::kDeleteIke, 0}, now);
}

}  // namespace tunnelisa::ike
