// IKEv1 Quick Mode (RFC 2409 5.5): IPsec SAs under an ISAKMP SA, both roles, with and without
// PFS, and their rekeying (a new Quick Mode for the same client IDs before the old SA's soft
// lifetime; make-before-break).
//
//   Initiator                          Responder
//   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]   -->
//                      <--    HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
//   HDR*, HASH(3)                                 -->
//
// Without loss across a rekey: the responder installs both SAs when it sends message 2 (its
// inbound SA is then ready for the initiator's first packet) and starts sending on the new
// one when message 3 arrives; the initiator installs and sends on the new SAs when it has
// message 2. The SA it replaces keeps receiving for IkeOptions::rekeyed_child_linger, then is
// deleted with a Delete the peer sees. The responder keeps message 2 going until message 3
// arrives; a copy of message 2 makes the initiator send message 3 again.

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/v1/exchange_util.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v1/v1_proposals.h"

namespace tunnelisa::ike::v1 {
namespace {

// How long a finished or unanswered Quick Mode is remembered (copies of its last message).
constexpr Duration kQuickLinger = Duration::Seconds(60);
// How long the initiator of a rekey keeps sending on the old IPsec SA after message 3 (see
// ProcessQm2).
constexpr Duration kRekeySendDelay = Duration::Milliseconds(500);

// Fresh: a copy of a received payload to send back (re-serialized from its body, so the hash
// covers exactly what goes out).
V1Payload Fresh(const V1Payload& p) { return V1Payload::Make(p.type, p.body); }

bool HashEquals(const absl::StatusOr<SecretBytes>& expected, const V1Payload& first) {
  return HashMatches(expected, first.As<V1HashPayload>());
}

IpPrefix AnyOf(const IpAddress& like) {
  return *IpPrefix::Parse(like.is_v6() ? "::/0" : "0.0.0.0/0");
}

IpPrefix Host(const IpAddress& a) { return IpPrefix::Make(a, a.is_v6() ? 128 : 32); }

// Covered: `p` lies inside one of `allowed` (empty: anything).
bool Covered(const IpPrefix& p, const std::vector<IpPrefix>& allowed) {
  if (allowed.empty()) return true;
  for (const IpPrefix& a : allowed) {
    if (a.length() <= p.length() && a.Contains(p.address())) return true;
  }
  return false;
}

}  // namespace

std::vector<std::pair<IpPrefix, IpPrefix>> Ikev1Manager::ChildPairs(const V1Sa& sa,
                                                                    const IkePeerConfig& peer) {
  std::vector<IpPrefix> locals = peer.local_ts;
  std::vector<IpPrefix> remotes = peer.remote_ts;
  // A remote-access client's side of its IPsec SAs is the address Mode Config gave it.
  if (sa.remote_access.inner) locals = {Host(*sa.remote_access.inner)};
  if (locals.empty()) locals.push_back(AnyOf(sa.local.address));
  if (remotes.empty()) remotes.push_back(AnyOf(sa.remote.address));
  // IKEv1 carries one selector per side in a Quick Mode: one IPsec SA per security-policy
  // entry (entries pair up by position), or per combination when the lists differ in size.
  std::vector<std::pair<IpPrefix, IpPrefix>> out;
  if (locals.size() == remotes.size()) {
    for (size_t k = 0; k < locals.size(); ++k) out.emplace_back(locals[k], remotes[k]);
  } else {
    for (const IpPrefix& l : locals) {
      for (const IpPrefix& r : remotes) {
        if (out.size() < 16) out.emplace_back(l, r);
      }
    }
  }
  return out;
}

ChildSa* Ikev1Manager::FindChild(V1Sa& sa, uint32_t inbound_spi) {
  for (ChildSa& c : sa.children) {
    if (c.inbound_spi == inbound_spi) return &c;
  }
  return nullptr;
}

void Ikev1Manager::StartQuickModes(V1Sa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || !peer->remote.is_set()) return;  // an ipsec-gw only answers
  // A remote-access client waits for XAUTH to accept it and, asking for an address, for Mode
  // Config to give it one (its IPsec SAs are for that address): transaction.cc starts them.
  if (!UserAccepted(sa) || (peer->request_address && !sa.remote_access.inner)) return;
  for (const auto& [local, remote] : ChildPairs(sa, *peer)) {
    bool covered = false;
    for (const ChildSa& c : sa.children) {
      covered =
          covered || (c.state == ChildState::kInstalled && !c.local_ts.empty() &&
                      c.local_ts[0] == local && !c.remote_ts.empty() && c.remote_ts[0] == remote);
    }
    for (const auto& [mid, q] : sa.quick) {
      covered =
          covered || (q.initiator && q.step == 1 && q.local_ts == local && q.remote_ts == remote);
    }
    if (!covered) StartQuick(sa, local, remote, 0, now);
  }
}

absl::StatusOr<std::vector<V1Payload>> Ikev1Manager::WithHash1(const V1Sa& sa, uint32_t message_id,
                                                               std::vector<V1Payload> rest) const {
  absl::StatusOr<std::vector<uint8_t>> bytes = V1ChainBytes(rest);
  if (!bytes.ok()) return bytes.status();
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
  //# HASH(1) is the prf over the message id (M-ID) from the ISAKMP header concatenated with
  //# the entire message that follows the hash including all payload headers, but excluding
  //# any padding added for encryption.
  absl::StatusOr<SecretBytes> hash =
      QuickHash1(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(), message_id, *bytes);
  if (!hash.ok()) return hash.status();
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kHash,
                                V1HashPayload{{hash->span().begin(), hash->span().end()}}));
  for (V1Payload& p : rest) out.push_back(std::move(p));
  return out;
}

bool Ikev1Manager::VerifyHash1(const V1Sa& sa, const V1Opened& in) const {
  if (in.payloads.empty() || in.payloads[0].type != V1PayloadType::kHash) return false;
  absl::StatusOr<std::vector<uint8_t>> rest =
      V1ChainBytes(std::span<const V1Payload>(in.payloads).subspan(1));
  if (!rest.ok()) return false;
  return HashEquals(
      QuickHash1(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(), in.header.message_id, *rest),
      in.payloads[0]);
}

void Ikev1Manager::StartQuick(V1Sa& sa, const IpPrefix& local_ts, const IpPrefix& remote_ts,
                              uint32_t rekey_of, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || sa.state != Phase1State::kEstablished) return;
  const uint32_t mid = NewMessageId(sa);
  QuickState q;
  q.initiator = true;
  q.step = 1;
  q.our_spi = NewChildSpi(sa);
  // Given back on every way out unless the stored Quick Mode uses it.
  absl::Cleanup release_spi = [&sa, spi = q.our_spi, this] { ReleaseChildSpi(sa, spi); };
  q.rekey_of = rekey_of;
  q.local_ts = local_ts;
  q.remote_ts = remote_ts;
  q.nonce_i.assign(kV1NonceSize, 0);
  host_->RandomBytes(q.nonce_i);
  q.expires = now + kQuickLinger;
  QuickOffer offer;
  offer.transforms = peer->child;
  offer.spi = q.our_spi;
  offer.lifetime = peer->child_lifetime;
  offer.lifetime_kilobytes = peer->child_lifetime_bytes / 1024;
  offer.udp_encap = sa.natt;
  std::optional<DhGroup> pfs;
  q.offered = OfferQuick(offer, pfs);
  if (q.offered.proposals.empty()) {
    LogLine(LogLevel::kWarning,
            StrCat("IKEv1: ", peer->name, ": no ipsec-transform can be offered in Quick Mode"));
    return;
  }
  std::vector<V1Payload> rest;
  rest.push_back(V1Payload::Make(V1PayloadType::kSa, q.offered));
  rest.push_back(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{q.nonce_i}));
  if (pfs) {
    absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(*pfs);
    if (!dh.ok()) return;
    q.dh = *std::move(dh);
    rest.push_back(V1Payload::Make(V1PayloadType::kKe, V1KePayload{q.dh->public_value()}));
  }
  rest.push_back(V1Payload::Make(V1PayloadType::kId, V1IdPayload::FromPrefix(local_ts)));
  rest.push_back(V1Payload::Make(V1PayloadType::kId, V1IdPayload::FromPrefix(remote_ts)));
  absl::StatusOr<std::vector<V1Payload>> message = WithHash1(sa, mid, std::move(rest));
  if (!message.ok()) return;
  absl::StatusOr<std::vector<uint8_t>> datagram = Seal(sa, V1Exchange::kQuickMode, mid, *message);
  if (!datagram.ok()) return;
  LogLine(LogLevel::kInfo,
          absl::StrFormat("IKEv1: %s: Quick Mode %08x for %s === %s%s", peer->name, mid,
                          local_ts.ToString(), remote_ts.ToString(),
                          rekey_of != 0 ? absl::StrFormat(" (rekey of %08x)", rekey_of) : ""));
  QuickState& stored = sa.quick[mid] = std::move(q);
  Send(sa, stored.flight, *std::move(datagram), /*wait=*/true, now);
}

void Ikev1Manager::HandleQuick(V1Sa& sa, const V1Opened& in, std::span<const uint8_t> raw,
                               MonoTime now) {
  auto it = sa.quick.find(in.header.message_id);
  if (it == sa.quick.end()) {
    RespondQm1(sa, in, raw, now);
    return;
  }
  QuickState& q = it->second;
  const int before = q.step;
  const uint64_t sent_before = q.flight.sends;
  if (q.initiator && q.step == 1) {
    ProcessQm2(sa, q, in, now);
  } else if (!q.initiator && q.step == 2) {
    ProcessQm3(sa, q, in, now);
  } else {
    ++stats_.dropped;
    return;
  }
  auto again = sa.quick.find(in.header.message_id);
  if (again != sa.quick.end() && again->second.step != before) {
    if (again->second.flight.sends != sent_before) {
      again->second.flight.last_received.assign(raw.begin(), raw.end());
    } else {
      again->second.flight.last_received.clear();
    }
  }
}

void Ikev1Manager::RespondQm1(V1Sa& sa, const V1Opened& in, std::span<const uint8_t> raw,
                              MonoTime now) {
  const uint32_t mid = in.header.message_id;
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || sa.state != Phase1State::kEstablished || !VerifyHash1(sa, in)) {
    ++stats_.dropped;
    sa.protector->ivs().Forget(mid);
    return;
  }
  if (!UserAccepted(sa)) {
    // Phase 1 proved only the group's pre-shared key: no IPsec SA before XAUTH let the user in.
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": Quick Mode from ",
                                       sa.remote.address.ToString(), " before XAUTH: ignored"));
    sa.protector->ivs().Forget(mid);
    return;
  }
  (void)sa.protector->Accept(in);
  sa.last_heard = now;
  const std::span<const V1Payload> body = std::span<const V1Payload>(in.payloads).subspan(1);
  const V1SaPayload* offered = FindV1<V1SaPayload>(body, V1PayloadType::kSa);
  const V1NoncePayload* nonce = FindV1<V1NoncePayload>(body, V1PayloadType::kNonce);
  const V1KePayload* ke = FindV1<V1KePayload>(body, V1PayloadType::kKe);
  std::vector<const V1Payload*> ids;
  for (const V1Payload& p : body) {
    if (p.type == V1PayloadType::kId) ids.push_back(&p);
  }
  auto refuse = [&](V1NotifyType type, std::string why) {
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": Quick Mode: ", why));
    Emit(IkeEventKind::kNegotiationFailed, sa, StrCat("Quick Mode: ", why), now);
    V1NotifyPayload n;
    n.protocol = V1ProtocolId::kIpsecEsp;
    n.type = type;
    SendInformational(sa, {V1Payload::Make(V1PayloadType::kNotify, std::move(n))});
    sa.protector->ivs().Forget(mid);
  };
  if (offered == nullptr || nonce == nullptr || (ids.size() != 0 && ids.size() != 2)) {
    refuse(V1NotifyType::kPayloadMalformed, "message 1 lacks SA / Nonce or has one client ID");
    return;
  }
  IpPrefix remote_ts = Host(sa.remote.address);
  IpPrefix local_ts = Host(sa.local.address);
  if (ids.size() == 2) {
    std::optional<IpPrefix> ci = ids[0]->As<V1IdPayload>()->prefix();
    std::optional<IpPrefix> cr = ids[1]->As<V1IdPayload>()->prefix();
    if (!ci || !cr) {
      refuse(V1NotifyType::kInvalidIdInformation, "client IDs must be addresses or subnets");
      return;
    }
    remote_ts = *ci;  // IDci: the initiator's side
    local_ts = *cr;
  }
  if (peer->address_assigner != nullptr && !sa.initiator) {
    // A remote-access client's IPsec SAs are for the address it was given (Mode Config),
    // nothing else: its IDci is routed into its tunnel.
    const std::optional<IpAddress> lease = sa.remote_access.inner_address();
    if (!lease || ids.size() != 2 || !(remote_ts == Host(*lease))) {
      refuse(V1NotifyType::kInvalidIdInformation,
             lease ? StrCat("client ID ", remote_ts.ToString(), " is not ", Host(*lease).ToString(),
                            ", the address Mode Config gave it")
                   : std::string("a remote-access client must get its address (Mode Config) "
                                 "before Quick Mode"));
      return;
    }
  }
  if (!Covered(local_ts, peer->local_ts) || !Covered(remote_ts, peer->remote_ts)) {
    refuse(V1NotifyType::kInvalidIdInformation,
           StrCat(remote_ts.ToString(), " === ", local_ts.ToString(),
                  " is outside the security policy"));
    return;
  }
  const uint32_t our_spi = NewChildSpi(sa);
  // Given back on every way out unless the stored Quick Mode or its IPsec SA uses it.
  absl::Cleanup release_spi = [&sa, our_spi, this] { ReleaseChildSpi(sa, our_spi); };
  V1SaPayload reply;
  absl::StatusOr<NegotiatedChild> chosen =
      SelectQuick(*offered, peer->child, sa.natt, ke != nullptr, our_spi, reply);
  if (!chosen.ok()) {
    refuse(V1NotifyType::kNoProposalChosen, std::string(chosen.status().message()));
    return;
  }
  QuickState q;
  q.initiator = false;
  q.step = 2;
  q.our_spi = our_spi;
  q.local_ts = local_ts;
  q.remote_ts = remote_ts;
  q.ids_sent = ids.size() == 2;
  q.nonce_i = nonce->data;
  q.nonce_r.assign(kV1NonceSize, 0);
  host_->RandomBytes(q.nonce_r);
  q.expires = now + kQuickLinger;
  SecretBytes g_qm;
  std::vector<V1Payload> rest;
  rest.push_back(V1Payload::Make(V1PayloadType::kSa, std::move(reply)));
  rest.push_back(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{q.nonce_r}));
  if (chosen->pfs_group) {
    absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh =
        crypto_.NewDhKeyPair(*chosen->pfs_group);
    absl::StatusOr<SecretBytes> shared =
        dh.ok() ? (*dh)->Derive(ke->data) : absl::StatusOr<SecretBytes>(dh.status());
    if (!shared.ok()) {
      refuse(V1NotifyType::kInvalidKeyInformation, std::string(shared.status().message()));
      return;
    }
    g_qm = *std::move(shared);
    rest.push_back(V1Payload::Make(V1PayloadType::kKe, V1KePayload{(*dh)->public_value()}));
  }
  if (q.ids_sent) {
    //= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
    //# If ISAKMP is acting as a client negotiator on behalf of another party, the identities of
    //# the parties MUST be passed as IDci and then IDcr.
    rest.push_back(Fresh(*ids[0]));
    rest.push_back(Fresh(*ids[1]));
  }
  absl::StatusOr<std::vector<uint8_t>> rest_bytes = V1ChainBytes(rest);
  if (!rest_bytes.ok()) return;
  absl::StatusOr<SecretBytes> hash2 =
      QuickHash2(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(), mid, q.nonce_i, *rest_bytes);
  if (!hash2.ok()) return;
  std::vector<V1Payload> message;
  message.push_back(V1Payload::Make(V1PayloadType::kHash,
                                    V1HashPayload{{hash2->span().begin(), hash2->span().end()}}));
  for (V1Payload& p : rest) message.push_back(std::move(p));
  absl::StatusOr<ChildSa*> child =
      InstallQuickChild(sa, q, *chosen, chosen->peer_spi, g_qm.span(), now);
  if (!child.ok()) {
    refuse(V1NotifyType::kNoProposalChosen,
           StrCat("cannot install the IPsec SA: ", child.status().message()));
    return;
  }
  q.installed_spi = our_spi;
  absl::StatusOr<std::vector<uint8_t>> datagram = Seal(sa, V1Exchange::kQuickMode, mid, message);
  if (!datagram.ok()) {
    RemoveChild(sa, **child, now, "Quick Mode failed");
    return;
  }
  q.flight.last_received.assign(raw.begin(), raw.end());
  QuickState& stored = sa.quick[mid] = std::move(q);
  Send(sa, stored.flight, *std::move(datagram), /*wait=*/true, now);
}

void Ikev1Manager::ProcessQm2(V1Sa& sa, QuickState& q, const V1Opened& in, MonoTime now) {
  const uint32_t mid = in.header.message_id;
  const IkePeerConfig* peer = Peer(sa.peer);
  if (in.payloads.empty() || peer == nullptr) {
    ++stats_.dropped;
    return;
  }
  const std::span<const V1Payload> body = std::span<const V1Payload>(in.payloads).subspan(1);
  absl::StatusOr<std::vector<uint8_t>> rest = V1ChainBytes(body);
  if (!rest.ok() || !HashEquals(QuickHash2(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(),
                                           mid, q.nonce_i, *rest),
                                in.payloads[0])) {
    ++stats_.dropped;  // forged or corrupt: the exchange goes on retransmitting
    return;
  }
  (void)sa.protector->Accept(in);
  sa.last_heard = now;
  const V1SaPayload* answer = FindV1<V1SaPayload>(body, V1PayloadType::kSa);
  const V1NoncePayload* nonce = FindV1<V1NoncePayload>(body, V1PayloadType::kNonce);
  const V1KePayload* ke = FindV1<V1KePayload>(body, V1PayloadType::kKe);
  auto fail = [&](std::string why) {
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": Quick Mode: ", why));
    Emit(IkeEventKind::kNegotiationFailed, sa, StrCat("Quick Mode: ", why), now);
    if (ChildSa* old = FindChild(sa, q.rekey_of)) old->rekey_requested = false;
    const uint32_t spi = q.our_spi;
    sa.quick.erase(mid);
    ReleaseChildSpi(sa, spi);
    sa.protector->ivs().Forget(mid);
  };
  if (answer == nullptr || nonce == nullptr) return fail("message 2 lacks SA or Nonce");
  absl::StatusOr<NegotiatedChild> chosen = CheckQuickAnswer(*answer, q.offered);
  if (!chosen.ok()) return fail(std::string(chosen.status().message()));
  if ((ke != nullptr) != (q.dh != nullptr)) return fail("KE payload does not match the offer");
  SecretBytes g_qm;
  if (q.dh != nullptr) {
    absl::StatusOr<SecretBytes> shared = q.dh->Derive(ke->data);
    if (!shared.ok()) return fail(std::string(shared.status().message()));
    g_qm = *std::move(shared);
  }
  q.nonce_r = nonce->data;
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5.5
  //# HASH(3)-- for liveliness-- is the prf over the value zero represented as a single octet,
  //# followed by a concatenation of the message id and the two nonces-- the initiator's
  //# followed by the responder's-- minus the payload header.
  absl::StatusOr<SecretBytes> hash3 =
      QuickHash3(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(), mid, q.nonce_i, q.nonce_r);
  if (!hash3.ok()) return fail(std::string(hash3.status().message()));
  std::vector<V1Payload> message;
  message.push_back(V1Payload::Make(V1PayloadType::kHash,
                                    V1HashPayload{{hash3->span().begin(), hash3->span().end()}}));
  absl::StatusOr<std::vector<uint8_t>> datagram = Seal(sa, V1Exchange::kQuickMode, mid, message);
  if (!datagram.ok()) return fail("cannot encrypt message 3");
  absl::StatusOr<ChildSa*> child =
      InstallQuickChild(sa, q, *chosen, chosen->peer_spi, g_qm.span(), now);
  if (!child.ok()) return fail(StrCat("cannot install the IPsec SA: ", child.status().message()));
  Send(sa, q.flight, *std::move(datagram), /*wait=*/false, now);
  q.step = 3;
  const uint32_t fresh = (*child)->inbound_spi;
  if (q.rekey_of != 0 && FindChild(sa, q.rekey_of) != nullptr) {
    //= https://www.rfc-editor.org/rfc/rfc2408#section-3.1
    //# It is used to ensure that encrypted material is not received prior to completion of
    //# the SA establishment.
    // (The Commit bit, which peers do not set.) A responder may install the new SA only when
    // message 3 arrives (strongSwan 5.9.8 does, in another thread than its ESP): packets on
    // it before then are lost. The old SA still works both ways, so we stay on it a moment.
    q.activate_at = now + kRekeySendDelay;
    Emit(IkeEventKind::kChildRekeyed, sa, (*child)->negotiated.Describe(), now, *child);
    RetireChild(sa, q.rekey_of, fresh, now);
  } else {
    SendOn(sa, fresh);
    Emit(IkeEventKind::kChildUp, sa, (*child)->negotiated.Describe(), now, *child);
  }
}

void Ikev1Manager::SendOn(V1Sa& sa, uint32_t inbound_spi) {
  ChildSa* c = FindChild(sa, inbound_spi);
  if (c == nullptr || c->active) return;
  c->active = true;
  host_->ActivateChild(sa.peer, c->sas);
}

void Ikev1Manager::ProcessQm3(V1Sa& sa, QuickState& q, const V1Opened& in, MonoTime now) {
  const uint32_t mid = in.header.message_id;
  if (in.payloads.empty() ||
      !HashEquals(QuickHash3(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(), mid, q.nonce_i,
                             q.nonce_r),
                  in.payloads[0])) {
    ++stats_.dropped;
    return;
  }
  sa.last_heard = now;
  q.flight.waiting = false;
  q.step = 4;
  ChildSa* child = FindChild(sa, q.installed_spi);
  if (child == nullptr) return;
  child->active = true;
  host_->ActivateChild(sa.peer, child->sas);
  // The peer renewed an IPsec SA (IKEv1 says nothing of which): an older one for the same
  // client IDs is replaced by this one.
  uint32_t replaced = 0;
  for (const ChildSa& c : sa.children) {
    if (&c != child && c.state == ChildState::kInstalled && c.local_ts == child->local_ts &&
        c.remote_ts == child->remote_ts) {
      replaced = c.inbound_spi;
    }
  }
  const uint32_t fresh = child->inbound_spi;
  if (replaced != 0) {
    Emit(IkeEventKind::kChildRekeyed, sa, child->negotiated.Describe(), now, child);
    RetireChild(sa, replaced, fresh, now);
  } else {
    Emit(IkeEventKind::kChildUp, sa, child->negotiated.Describe(), now, child);
  }
  // Remembered (step 4) until it expires, so a late copy of message 1 is not a new exchange.
  q.expires = now + kQuickLinger;
  sa.protector->ivs().Forget(mid);
}

absl::StatusOr<ChildSa*> Ikev1Manager::InstallQuickChild(V1Sa& sa, QuickState& q,
                                                         const NegotiatedChild& negotiated,
                                                         uint32_t peer_spi,
                                                         std::span<const uint8_t> g_qm,
                                                         MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const size_t length = negotiated.encryption_key_size + negotiated.integrity_key_size;
  const uint8_t esp = static_cast<uint8_t>(V1ProtocolId::kIpsecEsp);
  // Each direction's keys come from the SPI its receiver chose (RFC 2409 5.5).
  absl::StatusOr<SecretBytes> in_keys =
      QuickKeymat(crypto_, sa.negotiated.prf, sa.keys->skeyid_d.span(), g_qm, esp, q.our_spi,
                  q.nonce_i, q.nonce_r, length);
  absl::StatusOr<SecretBytes> out_keys =
      QuickKeymat(crypto_, sa.negotiated.prf, sa.keys->skeyid_d.span(), g_qm, esp, peer_spi,
                  q.nonce_i, q.nonce_r, length);
  if (!in_keys.ok()) return in_keys.status();
  if (!out_keys.ok()) return out_keys.status();
  const size_t e = negotiated.encryption_key_size;
  ChildInstall install;
  install.inbound_spi = q.our_spi;
  install.outbound_spi = peer_spi;
  install.suite = negotiated.suite;
  install.inbound_enc = SecretBytes(in_keys->span().first(e));
  install.inbound_integ = SecretBytes(in_keys->span().subspan(e));
  install.outbound_enc = SecretBytes(out_keys->span().first(e));
  install.outbound_integ = SecretBytes(out_keys->span().subspan(e));
  install.local = sa.local.address;
  install.remote = sa.remote.address;
  if (sa.natt) install.udp_encap = UdpEncapsulation{sa.local.port, sa.remote.port};
  install.local_selectors = {q.local_ts};
  install.remote_selectors = {q.remote_ts};
  // The Quick Mode initiator renews first; the responder a little later, so both rarely
  // start a new Quick Mode for the same SA at once.
  const double margin = q.initiator ? options_.rekey_margin : options_.rekey_margin / 2;
  install.hard_lifetime.time = peer->child_lifetime;
  install.soft_lifetime.time = Duration::Nanoseconds(
      static_cast<int64_t>(static_cast<double>(peer->child_lifetime.ns) * (1.0 - margin)));
  if (peer->child_lifetime_bytes != 0) {
    install.hard_lifetime.bytes = peer->child_lifetime_bytes;
    install.soft_lifetime.bytes =
        static_cast<uint64_t>(static_cast<double>(peer->child_lifetime_bytes) * (1.0 - margin));
  }
  install.cookie = ChildCookie(q.our_spi);
  const Duration soft = install.soft_lifetime.time;
  absl::StatusOr<ChildSaPair> pair = host_->InstallChild(sa.peer, std::move(install), now);
  if (!pair.ok()) return pair.status();
  ChildSa child;
  child.inbound_spi = q.our_spi;
  child.outbound_spi = peer_spi;
  child.sas = *pair;
  child.negotiated = negotiated;
  child.local_ts = {q.local_ts};
  child.remote_ts = {q.remote_ts};
  child.installed_at = now;
  child.rekey_at = now + soft;
  child.active = false;
  sa.children.push_back(std::move(child));
  ChildSa* c = &sa.children.back();
  LogLine(LogLevel::kInfo,
          absl::StrFormat("IKEv1: %s: IPsec SA up, SPIs in %08x out %08x, %s", peer->name,
                          c->inbound_spi, c->outbound_spi, negotiated.Describe()));
  return c;
}

void Ikev1Manager::RetireChild(V1Sa& sa, uint32_t old_spi, uint32_t fresh_spi, MonoTime now) {
  ChildSa* old = FindChild(sa, old_spi);
  if (old == nullptr) return;
  old->state = ChildState::kRekeyed;
  old->successor_spi = fresh_spi;
  old->expire_at = now + options_.rekeyed_child_linger;
}

void Ikev1Manager::RemoveChild(V1Sa& sa, ChildSa& child, MonoTime now, std::string_view reason) {
  host_->RemoveChild(sa.peer, child.sas);
  const ChildSa copy = child;
  sa.children.erase(sa.children.begin() + (&child - sa.children.data()));
  ReleaseChildSpi(sa, copy.inbound_spi);
  // A replaced SA gone before its successor took over (ProcessQm2): the successor at once.
  if (copy.state == ChildState::kRekeyed) SendOn(sa, copy.successor_spi);
  if (copy.state != ChildState::kRekeyed) {
    Emit(IkeEventKind::kChildDown, sa, reason, now, &copy);
  }
}

}  // namespace tunnelisa::ike::v1
