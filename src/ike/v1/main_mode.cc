// IKEv1 phase 1 in Main Mode (RFC 2409 5, 5.4) with pre-shared keys or RSA signatures (5.1;
// the proofs: phase1_auth.cc), both roles, with NAT-T
// (RFC 3947: Vendor IDs in messages 1-2, NAT-D in 3-4, floating to port 4500 for 5-6) and
// what Main Mode shares with Aggressive Mode (aggressive_mode.cc): the key derivation, the
// HASH_I / HASH_R, vendor IDs, identities and the end of phase 1.
//
//   Initiator                          Responder
//   HDR, SA                     -->
//                               <--    HDR, SA
//   HDR, KE, Ni [, NAT-D, NAT-D] -->
//                               <--    HDR, KE, Nr [, NAT-D, NAT-D]
//   HDR*, IDii, HASH_I          -->
//                               <--    HDR*, IDir, HASH_R
// With signatures CR joins messages 3 and 4, and [CERT,] SIG_I / SIG_R replace the hashes.

#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/auth/id_text.h"
#include "ike/v1/crypto/v1_suite.h"
#include "ike/v1/exchange_util.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v1/v1_proposals.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::ike::v1 {

// ---------------------------------------------------------------------------------------------
// Shared by Main Mode and Aggressive Mode
// ---------------------------------------------------------------------------------------------

std::vector<V1Payload> Ikev1Manager::OurVendorIds() const {
  std::vector<V1Payload> out;
  out.push_back(
      V1Payload::Make(V1PayloadType::kVendorId,
                      V1VendorIdPayload{{kVendorIdRfc3947.begin(), kVendorIdRfc3947.end()}}));
  out.push_back(V1Payload::Make(V1PayloadType::kVendorId,
                                V1VendorIdPayload{{kVendorIdDpd.begin(), kVendorIdDpd.end()}}));
  return out;
}

void Ikev1Manager::NoteVendorIds(V1Sa& sa, std::span<const V1Payload> payloads) const {
  for (const V1Payload& p : payloads) {
    const V1VendorIdPayload* vid = p.As<V1VendorIdPayload>();
    if (vid == nullptr) continue;
    if (std::ranges::equal(vid->data, kVendorIdRfc3947)) sa.peer_natt = true;
    if (std::ranges::equal(vid->data, kVendorIdDpd)) sa.peer_dpd = true;
  }
}

namespace {

// NatHash: RFC 3947 3.2: HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash.
absl::StatusOr<std::vector<uint8_t>> NatHash(const IkeCryptoProvider& crypto, const V1Sa& sa,
                                             const IkeEndpoint& e) {
  std::vector<uint8_t> data = CookieBytes(sa.cky_i, sa.cky_r);
  const uint8_t* a = e.address.bytes();
  data.insert(data.end(), a, a + (e.address.is_v6() ? 16 : 4));
  data.push_back(static_cast<uint8_t>(e.port >> 8));
  data.push_back(static_cast<uint8_t>(e.port));
  return crypto.Hash(HashForPrf(sa.negotiated.prf), data);
}

}  // namespace

void Ikev1Manager::AddNatD(const V1Sa& sa, std::vector<V1Payload>& out) const {
  if (!sa.peer_natt) return;
  //= https://www.rfc-editor.org/rfc/rfc3947#section-3.2
  //# The first NAT-D payload contains the remote end's IP address and port (i.e., the
  //# destination address of the UDP packet).  The remaining NAT-D payloads contain possible
  //# local-end IP addresses and ports (i.e., all possible source addresses of the UDP packet).
  for (const IkeEndpoint* e : {&sa.remote, &sa.local}) {
    absl::StatusOr<std::vector<uint8_t>> h = NatHash(crypto_, sa, *e);
    if (h.ok()) out.push_back(V1Payload::Make(V1PayloadType::kNatD, V1NatDPayload{*h}));
  }
}

void Ikev1Manager::CheckNatD(V1Sa& sa, std::span<const V1Payload> payloads) {
  std::vector<const V1NatDPayload*> natd;
  for (const V1Payload& p : payloads) {
    if (const V1NatDPayload* n = p.As<V1NatDPayload>()) natd.push_back(n);
  }
  if (!sa.peer_natt || natd.size() < 2) return;
  absl::StatusOr<std::vector<uint8_t>> ours = NatHash(crypto_, sa, sa.local);
  absl::StatusOr<std::vector<uint8_t>> theirs = NatHash(crypto_, sa, sa.remote);
  if (!ours.ok() || !theirs.ok()) return;
  //= https://www.rfc-editor.org/rfc/rfc3947#section-3.2
  //# If the hash of the local address and port does not match the first NAT-D payload, the
  //# local end is behind a NAT
  sa.nat_local = natd[0]->hash != *ours;
  sa.nat_remote = std::none_of(natd.begin() + 1, natd.end(),
                               [&](const V1NatDPayload* n) { return n->hash == *theirs; });
  if (sa.nat_local || sa.nat_remote) {
    LogLine(LogLevel::kInfo, StrCat("IKEv1: NAT detected (", sa.nat_local ? "local" : "",
                                    sa.nat_local && sa.nat_remote ? " and " : "",
                                    sa.nat_remote ? "remote" : "", ")"));
  }
}

bool Ikev1Manager::DerivePhase1(V1Sa& sa, std::span<const uint8_t> peer_ke, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const SecretBytes* psk =
      peer != nullptr && peer->auth.own ? peer->auth.own->PreSharedKey() : nullptr;
  const bool signatures = peer != nullptr && UsesSignatures(*peer);
  if (psk == nullptr && !signatures) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, "no pre-shared key or certificate", now);
    return false;
  }
  absl::StatusOr<SecretBytes> shared = sa.dh->Derive(peer_ke);
  if (!shared.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed,
                 StrCat("bad KE payload: ", shared.status().message()), now);
    return false;
  }
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5
  //# For signatures: SKEYID = prf(Ni_b | Nr_b, g^xy)
  absl::StatusOr<V1Phase1Keys> keys = DerivePhase1Keys(
      crypto_, sa.negotiated.prf, signatures ? V1AuthKind::kSignature : V1AuthKind::kPreSharedKey,
      signatures ? std::span<const uint8_t>() : psk->span(), sa.nonce_i, sa.nonce_r, shared->span(),
      sa.cky_i, sa.cky_r, GetEncryptionInfo(sa.negotiated.encryption).key_size);
  if (!keys.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed,
                 StrCat("key derivation: ", keys.status().message()), now);
    return false;
  }
  absl::StatusOr<std::unique_ptr<V1Protector>> protector =
      V1Protector::Create(crypto_, sa.negotiated.encryption, keys->enc_key.span(),
                          HashForPrf(sa.negotiated.prf), sa.g_xi, sa.g_xr);
  if (!protector.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed,
                 StrCat("cipher: ", protector.status().message()), now);
    return false;
  }
  sa.keys = *std::move(keys);
  sa.protector = *std::move(protector);
  sa.dh.reset();
  return true;
}

absl::StatusOr<SecretBytes> Ikev1Manager::Phase1HashOf(const V1Sa& sa, V1Side side,
                                                       std::span<const uint8_t> id_body) const {
  return Phase1Hash(crypto_, sa.negotiated.prf, sa.keys->skeyid.span(), side, sa.g_xi, sa.g_xr,
                    sa.cky_i, sa.cky_r, sa.sa_i_body, id_body);
}

V1IdPayload Ikev1Manager::OurId(const IkePeerConfig& peer) const {
  V1IdPayload id;
  id.id_type = static_cast<V1IdType>(peer.local_id.type);
  id.data = peer.local_id.data;
  //= https://www.rfc-editor.org/rfc/rfc2407#section-4.6.2
  //# During Phase I negotiations, the ID port and protocol fields MUST be set to zero or to
  //# UDP port 500.
  return id;
}

std::string Ikev1Manager::CheckPeerId(const V1Sa& sa, const V1IdPayload& id) const {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr) return "tunnel removed";
  if (id.protocol != 0 &&
      !(id.protocol == 17 && (id.port == 0 || id.port == 500 || id.port == 4500))) {
    return StrCat("phase 1 ID with protocol ", id.protocol, " port ", id.port);
  }
  IdPayload as_v2{static_cast<IdType>(id.id_type), id.data};
  const bool by_authenticator = peer->auth.peer != nullptr && peer->auth.peer->MatchesRemoteId();
  if (peer->remote_id && !by_authenticator && !(*peer->remote_id == as_v2)) {
    return StrCat("peer ID ", IdText(as_v2), " is not the configured remote-id ",
                  IdText(*peer->remote_id));
  }
  return "";
}

void Ikev1Manager::Phase1Failed(V1Sa& sa, IkeEventKind kind, std::string detail, MonoTime now,
                                V1NotifyType notify) {
  const IkePeerConfig* peer = Peer(sa.peer);
  LogLine(LogLevel::kWarning,
          StrCat("IKEv1: ", peer != nullptr ? peer->name : std::string("?"), ": ", detail));
  if (kind == IkeEventKind::kAuthFailed) ++stats_.auth_failures;
  Emit(kind, sa, detail, now);
  if (kind == IkeEventKind::kAuthFailed) {
    // Unprotected (the keys are what failed); the peer gives up at once instead of
    // retransmitting into nothing. RFC 2408 5 lets a notification go unprotected before
    // keys exist.
    SendPlainNotify(sa.local, sa.remote, sa.natt, sa.cky_i, sa.cky_r, notify);
  }
  RemoveSa(sa, std::move(detail), now, /*notify_down=*/false);
}

void Ikev1Manager::SendPlainNotify(const IkeEndpoint& local, const IkeEndpoint& remote, bool natt,
                                   uint64_t cky_i, uint64_t cky_r, V1NotifyType type) {
  V1Header h;
  h.icookie = cky_i;
  h.rcookie = cky_r;
  h.exchange = V1Exchange::kInformational;
  V1NotifyPayload n;
  n.protocol = V1ProtocolId::kIsakmp;
  n.type = type;
  n.spi = CookieBytes(cky_i, cky_r);
  std::vector<V1Payload> payloads = {V1Payload::Make(V1PayloadType::kNotify, std::move(n))};
  absl::StatusOr<std::vector<uint8_t>> out = SerializeV1Message(h, payloads);
  if (out.ok()) SendRaw(local, remote, natt, *out);
}

void Ikev1Manager::Phase1Done(V1Sa& sa, const V1IdPayload& peer_id,
                              std::span<const V1Payload> payloads, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  sa.state = Phase1State::kEstablished;
  sa.established_at = now;
  sa.last_heard = now;
  sa.half_open_expiry = MonoTime::Infinite();
  sa.flight.waiting = false;
  half_open_.erase({sa.cky_i, sa.first_remote});
  sa.peer_id = IdPayload{static_cast<IdType>(peer_id.id_type), peer_id.data};
  sa.peer_id_text = IdText(sa.peer_id);
  // Lifetimes: the shorter of the one negotiated and ours. The phase 1 initiator renews
  // first; the responder later, so both rarely start a new phase 1 at once.
  Duration life = peer->ike_lifetime;
  if (sa.negotiated.lifetime.ns > 0 && sa.negotiated.lifetime < life) life = sa.negotiated.lifetime;
  const double margin = sa.initiator ? options_.rekey_margin : options_.rekey_margin / 2;
  sa.rekey_at = now + Duration::Nanoseconds(
                          static_cast<int64_t>(static_cast<double>(life.ns) * (1.0 - margin)));
  sa.expire_at = now + life;
  if (sa.nat_local) sa.next_keepalive = now + options_.natt_keepalive;
  const std::string detail =
      StrCat(sa.aggressive ? "aggressive" : "main", " mode, ", sa.negotiated.Describe());
  LogLine(LogLevel::kInfo, StrCat("IKEv1: ", peer->name, ": ISAKMP SA up with ", sa.peer_id_text,
                                  " at ", sa.remote.address.ToString(), ", ", detail));
  for (const V1Payload& p : payloads) {
    const V1NotifyPayload* n = p.As<V1NotifyPayload>();
    sa.initial_contact =
        sa.initial_contact || (n != nullptr && n->type == V1NotifyType::kInitialContact);
  }
  if (UsesXauth(sa)) {
    // Remote access: phase 1 proved the group's pre-shared key, not the user. The connection
    // is announced once XAUTH accepted the user (transaction.cc); the gateway asks now.
    sa.remote_access.xauth = XauthStep::kRequested;
    if (!sa.initiator) StartXauth(sa, now);
    return;
  }
  RemoteAccessUp(sa, now);  // a client asking for an address: Mode Config first
}

void Ikev1Manager::Announce(V1Sa& sa, MonoTime now) {
  if (sa.announced) return;
  sa.announced = true;
  if (sa.initial_contact) HonourInitialContact(sa, now);
  // A renewed phase 1 (an older ISAKMP SA with the same peer) continues the same session:
  // kIkeRekeyed, as an IKEv2 IKE SA rekey says; otherwise a new one is up.
  if (sa.initial_contact || !AdoptChildren(sa, now)) {
    Emit(IkeEventKind::kIkeUp, sa,
         StrCat(sa.aggressive ? "aggressive" : "main", " mode, ", sa.negotiated.Describe()), now);
  }
}

bool Ikev1Manager::SameClient(const V1Sa& a, const V1Sa& b) const {
  if (a.peer != b.peer || !(a.peer_id == b.peer_id)) return false;
  const IkePeerConfig* peer = Peer(a.peer);
  if (peer != nullptr && peer->remote.is_set()) return true;  // a static tunnel: one peer
  // An ipsec-gw: its clients may all present the same group identity.
  return a.remote.address == b.remote.address && a.remote_access.user == b.remote_access.user;
}

// ---------------------------------------------------------------------------------------------
// Dispatch of unencrypted phase 1 messages
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::HandlePhase1Plain(const V1Message& m, std::span<const uint8_t> raw,
                                     const IkeEndpoint& local, const IkeEndpoint& remote,
                                     bool natt_port, MonoTime now) {
  const V1Header& h = m.header;
  if (h.message_id != 0) {
    ++stats_.dropped;
    return;
  }
  if (h.rcookie == 0) {
    // An initiator's first message, or a copy of one we answered.
    if (auto it = responders_.find({h.icookie, remote.address}); it != responders_.end()) {
      auto sa = sas_.find(it->second);
      if (sa != sas_.end()) Touch(*sa->second);
      if (sa == sas_.end() || !Repeat(*sa->second, sa->second->flight, raw)) ++stats_.dropped;
      return;
    }
    if (h.exchange == V1Exchange::kIdentityProtection) {
      RespondMm1(m, raw, local, remote, natt_port, now);
    } else {
      RespondAm1(m, raw, local, remote, natt_port, now);
    }
    return;
  }
  V1Sa* sa = FindSa(h.icookie, h.rcookie);
  if (sa == nullptr) {
    ++stats_.dropped;
    return;
  }
  if (Repeat(*sa, sa->flight, raw)) return;
  const bool main = h.exchange == V1Exchange::kIdentityProtection;
  const Phase1State before = sa->state;
  const uint64_t sent_before = sa->flight.sends;
  if (main && before == Phase1State::kMm1Sent) {
    ProcessMm2(*sa, m, now);
  } else if (main && before == Phase1State::kMm2Sent) {
    RespondMm3(*sa, m, now);
  } else if (main && before == Phase1State::kMm3Sent) {
    ProcessMm4(*sa, m, now);
  } else if (!main && before == Phase1State::kAm1Sent) {
    ProcessAm2(*sa, m, now);
  } else if (!main && before == Phase1State::kAm2Sent) {
    // Aggressive Mode's third message unencrypted, as RFC 2409 5 draws it.
    ProcessAm3(*sa, V1Opened{m.header, m.payloads, {}}, now);
  } else {
    ++stats_.dropped;
    return;
  }
  // A copy of this message later means our answer was lost: Repeat sends it again.
  if (sa->state != before && sa->state != Phase1State::kDead) {
    if (sa->flight.sends != sent_before) {
      sa->flight.last_received.assign(raw.begin(), raw.end());
    } else {
      sa->flight.last_received.clear();
    }
  }
}

bool Ikev1Manager::AdmitNewPhase1(const IkeEndpoint& remote, MonoTime now) {
  // DoS protection as far as IKEv1 allows: a cap on half-open SAs and a per-peer rate (IKEv1
  // has no cookie exchange before state is kept).
  if (half_open_.size() >= options_.half_open_limit) {
    ++stats_.half_open_refused;
    return false;
  }
  const int64_t second = now.ns / 1000000000;
  if (init_rate_.size() > 4096) init_rate_.clear();  // bounded memory under a spoofed flood
  auto& [rate_second, rate_count] = init_rate_[remote.address];
  if (rate_second != second) {
    rate_second = second;
    rate_count = 0;
  }
  if (++rate_count > options_.init_rate_per_peer) {
    ++stats_.half_open_refused;
    return false;
  }
  return true;
}

const IkePeerConfig* Ikev1Manager::ResponderPeer(const IkeEndpoint& local,
                                                 const IkeEndpoint& remote) const {
  // Static tunnels answer only their configured peer (the guide's "Security"); an ipsec-gw
  // anyone whose identity and key match.
  return responder_peers_.Find(local.address, remote.address);
}

// ---------------------------------------------------------------------------------------------
// Initiator
// ---------------------------------------------------------------------------------------------

absl::Status Ikev1Manager::StartMainMode(const IkePeerConfig& peer, MonoTime now) {
  if (absl::Status s = ValidateV1Policy(peer.ike); !s.ok()) {
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer.name, ": ", s.message()));
    return s;
  }
  if (std::string why = Phase1AuthProblem(peer); !why.empty()) {
    return absl::FailedPreconditionError(StrCat(peer.name, ": ", why));
  }
  auto owned = std::make_unique<V1Sa>();
  V1Sa& sa = *owned;
  sa.peer = peer.id;
  sa.initiator = true;
  sa.cky_i = NewCookie();
  sa.state = Phase1State::kMm1Sent;
  sa.local = {peer.local, kIkePort};
  sa.remote = {peer.remote, peer.remote_port};
  sa.natt = peer.remote_port != kIkePort;  // a non-standard port always carries the marker
  if (sa.natt) sa.local.port = kNatTPort;
  sa.created = now;
  sa.last_heard = now;
  sa.offered = OfferPhase1(peer.ike, Phase1AuthMethod(peer), peer.ike_lifetime);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kSa, sa.offered));
  for (V1Payload& v : OurVendorIds()) out.push_back(std::move(v));
  absl::StatusOr<std::vector<uint8_t>> body = V1PayloadBodyBytes(out[0]);
  absl::StatusOr<std::vector<uint8_t>> datagram =
      SerializeV1Message(HeaderFor(sa, V1Exchange::kIdentityProtection, 0), out);
  if (!body.ok() || !datagram.ok()) return !body.ok() ? body.status() : datagram.status();
  sa.sa_i_body = *std::move(body);
  AddSa(std::move(owned));
  LogLine(LogLevel::kInfo,
          StrCat("IKEv1: ", peer.name, ": initiating Main Mode to ", peer.remote.ToString()));
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/true, now);
  return absl::OkStatus();
}

void Ikev1Manager::ProcessMm2(V1Sa& sa, const V1Message& m, MonoTime now) {
  const V1SaPayload* answer = FindV1<V1SaPayload>(m.payloads, V1PayloadType::kSa);
  if (answer == nullptr) {
    ++stats_.dropped;
    return;
  }
  absl::StatusOr<V1Negotiated> chosen = CheckPhase1Answer(*answer, sa.offered);
  if (!chosen.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, std::string(chosen.status().message()), now);
    return;
  }
  sa.cky_r = m.header.rcookie;
  sa.negotiated = *chosen;
  NoteVendorIds(sa, m.payloads);
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh =
      crypto_.NewDhKeyPair(sa.negotiated.dh_group);
  if (!dh.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, std::string(dh.status().message()), now);
    return;
  }
  sa.dh = *std::move(dh);
  sa.g_xi = sa.dh->public_value();
  sa.nonce_i.assign(kV1NonceSize, 0);
  host_->RandomBytes(sa.nonce_i);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kKe, V1KePayload{sa.g_xi}));
  out.push_back(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{sa.nonce_i}));
  if (const IkePeerConfig* peer = Peer(sa.peer)) AddCertRequest(*peer, out);
  AddNatD(sa, out);
  absl::StatusOr<std::vector<uint8_t>> datagram =
      SerializeV1Message(HeaderFor(sa, V1Exchange::kIdentityProtection, 0), out);
  if (!datagram.ok()) return;
  sa.state = Phase1State::kMm3Sent;
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/true, now);
}

void Ikev1Manager::ProcessMm4(V1Sa& sa, const V1Message& m, MonoTime now) {
  const V1KePayload* ke = FindV1<V1KePayload>(m.payloads, V1PayloadType::kKe);
  const V1NoncePayload* nonce = FindV1<V1NoncePayload>(m.payloads, V1PayloadType::kNonce);
  if (ke == nullptr || nonce == nullptr) {
    ++stats_.dropped;
    return;
  }
  sa.g_xr = ke->data;
  sa.nonce_r = nonce->data;
  CheckNatD(sa, m.payloads);
  if (!DerivePhase1(sa, ke->data, now)) return;
  const IkePeerConfig* peer = Peer(sa.peer);
  if ((sa.nat_local || sa.nat_remote) && !sa.natt) {
    //= https://www.rfc-editor.org/rfc/rfc3947#section-4
    //# If a NAT device has been detected, the initiator MUST change to port 4500 for MM5
    sa.natt = true;
    sa.local.port = kNatTPort;
    sa.remote.port = kNatTPort;
  }
  const V1IdPayload id = OurId(*peer);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kId, id));
  absl::StatusOr<std::vector<uint8_t>> id_body = V1PayloadBodyBytes(out[0]);
  if (!id_body.ok()) return;
  if (absl::Status s = AddOurProof(sa, V1Side::kInitiator, *id_body, out); !s.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, StrCat("HASH_I / SIG_I: ", s.message()),
                 now);
    return;
  }
  if (MaySendInitialContact(sa)) {
    V1NotifyPayload n;
    n.protocol = V1ProtocolId::kIsakmp;
    n.type = V1NotifyType::kInitialContact;
    n.spi = CookieBytes(sa.cky_i, sa.cky_r);
    out.push_back(V1Payload::Make(V1PayloadType::kNotify, std::move(n)));
  }
  absl::StatusOr<std::vector<uint8_t>> datagram = Seal(sa, V1Exchange::kIdentityProtection, 0, out);
  if (!datagram.ok()) return;
  sa.state = Phase1State::kMm5Sent;
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/true, now);
}

void Ikev1Manager::ProcessMm6(V1Sa& sa, const V1Opened& in, MonoTime now) {
  const V1Payload* id = FindPayload(in.payloads, V1PayloadType::kId);
  if (id == nullptr || (FindPayload(in.payloads, V1PayloadType::kHash) == nullptr &&
                        FindPayload(in.payloads, V1PayloadType::kSig) == nullptr)) {
    ++stats_.dropped;
    return;
  }
  const V1IdPayload& peer_id = *id->As<V1IdPayload>();
  PeerProof proof = CheckPeerProof(sa, V1Side::kResponder,
                                   IdPayload{static_cast<IdType>(peer_id.id_type), peer_id.data},
                                   id->raw_body(), in.payloads);
  if (!proof.ok()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(proof.failure), now, proof.notify);
    return;
  }
  if (std::string bad = CheckPeerId(sa, peer_id); !bad.empty()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(bad), now);
    return;
  }
  (void)sa.protector->Accept(in);
  Phase1Done(sa, peer_id, in.payloads, now);
}

// ---------------------------------------------------------------------------------------------
// Responder
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::RespondMm1(const V1Message& m, std::span<const uint8_t> raw,
                              const IkeEndpoint& local, const IkeEndpoint& remote, bool natt_port,
                              MonoTime now) {
  const IkePeerConfig* peer = ResponderPeer(local, remote);
  const V1Payload* sa_payload = FindPayload(m.payloads, V1PayloadType::kSa);
  const V1SaPayload* offered = sa_payload != nullptr ? sa_payload->As<V1SaPayload>() : nullptr;
  if (peer == nullptr || sa_payload == nullptr || offered == nullptr ||
      m.header.exchange != V1Exchange::kIdentityProtection) {
    ++stats_.dropped;
    return;
  }
  if (!AdmitNewPhase1(remote, now)) return;
  auto owned = std::make_unique<V1Sa>();
  V1Sa& sa = *owned;
  sa.peer = peer->id;
  sa.initiator = false;
  sa.cky_i = m.header.icookie;
  sa.cky_r = NewCookie();
  sa.local = local;
  sa.remote = remote;
  sa.natt = natt_port;
  sa.created = now;
  sa.last_heard = now;
  V1SaPayload reply;
  absl::StatusOr<V1Negotiated> chosen =
      SelectPhase1(*offered, peer->ike, Phase1AuthMethod(*peer), reply);
  const std::string auth_problem = Phase1AuthProblem(*peer);
  if (!chosen.ok() || !auth_problem.empty()) {
    const std::string why = chosen.ok() ? auth_problem : std::string(chosen.status().message());
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", why));
    Emit(IkeEventKind::kNegotiationFailed, sa, why, now);
    SendPlainNotify(local, remote, natt_port, sa.cky_i, 0, V1NotifyType::kNoProposalChosen);
    return;
  }
  sa.negotiated = *chosen;
  sa.state = Phase1State::kMm2Sent;
  sa.half_open_expiry = now + options_.half_open_timeout;
  const std::span<const uint8_t> sa_body = sa_payload->raw_body();
  sa.sa_i_body.assign(sa_body.begin(), sa_body.end());
  NoteVendorIds(sa, m.payloads);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kSa, std::move(reply)));
  for (V1Payload& v : OurVendorIds()) out.push_back(std::move(v));
  absl::StatusOr<std::vector<uint8_t>> datagram =
      SerializeV1Message(HeaderFor(sa, V1Exchange::kIdentityProtection, 0), out);
  if (!datagram.ok()) return;
  half_open_[{sa.cky_i, remote.address}] = sa.cky_r;
  responders_[{sa.cky_i, remote.address}] = sa.cky_r;
  sa.first_remote = remote.address;
  sa.flight.last_received.assign(raw.begin(), raw.end());
  V1Sa& ref = sa;
  AddSa(std::move(owned));
  Send(ref, ref.flight, *std::move(datagram), /*wait=*/false, now);
}

void Ikev1Manager::RespondMm3(V1Sa& sa, const V1Message& m, MonoTime now) {
  const V1KePayload* ke = FindV1<V1KePayload>(m.payloads, V1PayloadType::kKe);
  const V1NoncePayload* nonce = FindV1<V1NoncePayload>(m.payloads, V1PayloadType::kNonce);
  if (ke == nullptr || nonce == nullptr) {
    ++stats_.dropped;
    return;
  }
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh =
      crypto_.NewDhKeyPair(sa.negotiated.dh_group);
  if (!dh.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, std::string(dh.status().message()), now);
    return;
  }
  sa.dh = *std::move(dh);
  sa.g_xi = ke->data;
  sa.g_xr = sa.dh->public_value();
  sa.nonce_i = nonce->data;
  sa.nonce_r.assign(kV1NonceSize, 0);
  host_->RandomBytes(sa.nonce_r);
  CheckNatD(sa, m.payloads);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kKe, V1KePayload{sa.g_xr}));
  out.push_back(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{sa.nonce_r}));
  if (const IkePeerConfig* peer = Peer(sa.peer)) AddCertRequest(*peer, out);
  AddNatD(sa, out);
  if (!DerivePhase1(sa, ke->data, now)) return;
  absl::StatusOr<std::vector<uint8_t>> datagram =
      SerializeV1Message(HeaderFor(sa, V1Exchange::kIdentityProtection, 0), out);
  if (!datagram.ok()) return;
  sa.state = Phase1State::kMm4Sent;
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/false, now);
}

void Ikev1Manager::RespondMm5(V1Sa& sa, const V1Opened& in, MonoTime now) {
  const V1Payload* id = FindPayload(in.payloads, V1PayloadType::kId);
  if (id == nullptr) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, "message 5 without ID", now);
    return;
  }
  const V1IdPayload& peer_id = *id->As<V1IdPayload>();
  PeerProof proof = CheckPeerProof(sa, V1Side::kInitiator,
                                   IdPayload{static_cast<IdType>(peer_id.id_type), peer_id.data},
                                   id->raw_body(), in.payloads);
  if (!proof.ok()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(proof.failure), now, proof.notify);
    return;
  }
  if (std::string bad = CheckPeerId(sa, peer_id); !bad.empty()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(bad), now);
    return;
  }
  (void)sa.protector->Accept(in);
  const IkePeerConfig* peer = Peer(sa.peer);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kId, OurId(*peer)));
  absl::StatusOr<std::vector<uint8_t>> id_body = V1PayloadBodyBytes(out[0]);
  if (!id_body.ok()) return;
  if (absl::Status s = AddOurProof(sa, V1Side::kResponder, *id_body, out); !s.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, StrCat("HASH_R / SIG_R: ", s.message()),
                 now);
    return;
  }
  absl::StatusOr<std::vector<uint8_t>> datagram = Seal(sa, V1Exchange::kIdentityProtection, 0, out);
  if (!datagram.ok()) return;
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/false, now);
  Phase1Done(sa, peer_id, in.payloads, now);
}

}  // namespace tunnelisa::ike::v1
