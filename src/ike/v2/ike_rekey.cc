// CREATE_CHILD_SA for IKE SA rekeys (RFC 7296 1.3.2, 2.18) in both roles, with the
// simultaneous-rekey rule of 2.8.2: the CHILD SAs move to the new IKE SA and the rekey's
// initiator deletes the old one.
#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {

void IkeManager::ProcessIkeRekeyResponse(IkeSa& sa, const Received& in, MonoTime now) {
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
  absl::StatusOr<SecretBytes> shared =
      chosen.ok() ? sa.request.dh->Derive(ke->data) : absl::StatusOr<SecretBytes>(chosen.status());
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
}

absl::StatusOr<std::unique_ptr<IkeSa>> IkeManager::RekeyedIkeSa(IkeSa& old_sa, bool we_initiated,
                                                                const NegotiatedIke& negotiated,
                                                                uint64_t spi_i, uint64_t spi_r,
                                                                std::span<const uint8_t> shared,
                                                                std::span<const uint8_t> nonce_i,
                                                                std::span<const uint8_t> nonce_r) {
  const auto old_prf = static_cast<crypto::PrfAlgorithm>(old_sa.negotiated.prf_id);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.18
  //# SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
  absl::StatusOr<SecretBytes> skeyseed = crypto::DeriveRekeyedSkeyseed(
      crypto_, old_prf, old_sa.keys.sk_d.span(), shared, nonce_i, nonce_r);
  if (!skeyseed.ok()) return skeyseed.status();
  std::optional<SkSuite> suite = SkSuiteFromConfig(negotiated.encryption, negotiated.integrity);
  if (!suite) return absl::InvalidArgumentError("unsupported IKE cipher");
  absl::StatusOr<SkSizes> sizes = SkSizesFor(*suite);
  if (!sizes.ok()) return sizes.status();
  const auto prf = static_cast<crypto::PrfAlgorithm>(negotiated.prf_id);
  absl::StatusOr<crypto::IkeSaKeys> keys = crypto::DeriveIkeSaKeysFromSkeyseed(
      crypto_, prf, {.integrity = sizes->integ_key, .encryption = sizes->encr_key},
      skeyseed->span(), nonce_i, nonce_r, SpiBytes(spi_i), SpiBytes(spi_r));
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
  fresh->local_id = old_sa.local_id;
  fresh->peer_id = old_sa.peer_id;
  ReportKeys(*fresh);
  return fresh;
}

void IkeManager::StartIkeRekey(IkeSa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  OutstandingRequest ctx;
  ctx.new_ike_spi = NewSpi();
  ctx.nonce.assign(kNonceSize, 0);
  host_->RandomBytes(ctx.nonce);
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(peer->ike.dh_group);
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
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(chosen->dh_group);
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
  return AddSa(std::move(fresh));
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
  Touch(loser);
  Touch(winner);
  for (ChildSa& c : loser.children) winner.children.push_back(std::move(c));
  loser.children.clear();
  MoveAddressLease(loser, winner);
  loser.state = IkeState::kRekeyed;
  loser.rekeyed_into = winner.our_spi();
  loser.rekey_at = MonoTime::Infinite();
  loser.expire_at = now + options_.rekeyed_child_linger + options_.rekeyed_child_linger;
  // The IKE SA that was rekeyed now hands over to the winner too.
  for (uint64_t spi : SasOf(winner.peer)) {
    IkeSa* sa = sas_.at(spi).get();
    if (sa->state != IkeState::kRekeyed || sa->rekeyed_into != loser.our_spi()) continue;
    Touch(*sa);
    for (ChildSa& c : sa->children) winner.children.push_back(std::move(c));
    sa->children.clear();
    MoveAddressLease(*sa, winner);
    sa->rekeyed_into = winner.our_spi();
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
  MoveAddressLease(old_sa, *fresh);
  IkeSa& n = AdoptIkeSa(std::move(fresh), now);
  old_sa.state = IkeState::kRekeyed;
  old_sa.rekeyed_into = n.our_spi();
  old_sa.expire_at = now + options_.rekeyed_child_linger + options_.rekeyed_child_linger;
  old_sa.rekey_at = MonoTime::Infinite();
  const bool we_started = n.initiator;
  LogLine(LogLevel::kInfo, absl::StrFormat("IKE: %s: IKE SA rekeyed, now %016x_i %016x_r",
                                           peer->name, n.spi_i, n.spi_r));
  Emit(IkeEventKind::kIkeRekeyed, n, n.negotiated.Describe(), now, nullptr, &old_sa);
  IkeSa& old_ref = old_sa;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.8
  //# After the new equivalent IKE SA is created, the initiator deletes the old IKE SA, and
  //# the Delete payload to delete itself MUST be the last request sent over the old IKE SA.
  if (we_started) Queue(old_ref, {RequestKind::kDeleteIke, 0}, now);
}

}  // namespace tunnelisa::ike
