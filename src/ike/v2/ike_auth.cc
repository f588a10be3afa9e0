// IKE_AUTH (RFC 7296 1.2, 2.15): authentication in both roles (through the peer's
// Authenticators, ike/auth) and the first CHILD SA.
#include "common/str_cat.h"
#include "crypto/ike_crypto.h"
#include "ike/auth/id_text.h"
#include "ike/auth/signature_methods.h"
#include "ike/codec/writer.h"
#include "ike/negotiation/traffic_selectors.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::ike {

absl::StatusOr<SecretBytes> IkeManager::MacedId(const IkeSa& sa, bool of_initiator,
                                                const IdPayload& id) const {
  // RestOfInitIDPayload / RestOfRespIDPayload: the ID payload body (type, reserved, data).
  Writer w(4 + id.data.size());
  if (absl::Status s = id.Serialize(w); !s.ok()) return s;
  const std::vector<uint8_t> id_body = w.Take();
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.15
  //# InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
  //# GenIKEHDR = [ four octets 0 if using port 4500 ] | RealIKEHDR
  //# RealIKEHDR =  SPIi | SPIr |  . . . | Length
  //# RealMessage1 = RealIKEHDR | RestOfMessage1
  //# NonceRPayload = PayloadHeader | NonceRData
  //# InitiatorIDPayload = PayloadHeader | RestOfInitIDPayload
  //# RestOfInitIDPayload = IDType | RESERVED | InitIDData
  //# MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
  const SecretBytes& sk_p = of_initiator ? sa.keys.sk_pi : sa.keys.sk_pr;
  absl::StatusOr<std::unique_ptr<crypto::Prf>> id_prf =
      crypto_.NewPrf(static_cast<crypto::PrfAlgorithm>(sa.negotiated.prf_id), sk_p.span());
  if (!id_prf.ok()) return id_prf.status();
  std::span<const uint8_t> id_parts[] = {id_body};
  return (*id_prf)->Compute(id_parts);
}

AuthInput IkeManager::SignedOctets(const IkeSa& sa, bool of_initiator,
                                   const SecretBytes& maced_id) const {
  AuthInput in;
  in.prf = static_cast<crypto::PrfAlgorithm>(sa.negotiated.prf_id);
  in.crypto = &crypto_;
  in.now = host_->WallNow();
  in.real_message = of_initiator ? sa.init_request : sa.init_response;
  in.nonce = of_initiator ? sa.nonce_r : sa.nonce_i;
  in.maced_id = maced_id.span();
  in.peer_hashes = sa.peer_signature_hashes;
  if (const IkePeerConfig* peer = Peer(sa.peer); peer != nullptr && peer->remote_id) {
    in.remote_id = &*peer->remote_id;
  }
  return in;
}

absl::StatusOr<AuthPayload> IkeManager::OurAuth(const IkeSa& sa, const IdPayload& id) const {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || peer->auth.own == nullptr) {
    return absl::FailedPreconditionError("no authentication method");
  }
  absl::StatusOr<SecretBytes> maced = MacedId(sa, sa.initiator, id);
  if (!maced.ok()) return maced.status();
  return peer->auth.own->Create(SignedOctets(sa, sa.initiator, *maced));
}

AuthCheck IkeManager::CheckPeerAuth(IkeSa& sa, const IdPayload& id, const AuthPayload& auth,
                                    std::span<const Payload> payloads) {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer->remote_id && !(*peer->remote_id == id) &&
      (peer->auth.peer == nullptr || !peer->auth.peer->MatchesRemoteId())) {
    return AuthCheck::Failed(StrCat("peer ID ", IdText(id), " is not the configured remote-id ",
                                    IdText(*peer->remote_id)));
  }
  if (peer->auth.peer == nullptr) return AuthCheck::Failed("no authentication method for the peer");
  absl::StatusOr<SecretBytes> maced = MacedId(sa, !sa.initiator, id);
  if (!maced.ok()) return AuthCheck::Failed(std::string(maced.status().message()));
  const uint64_t ticket = next_auth_ticket_++;
  AuthCheck check =
      peer->auth.peer->Verify(SignedOctets(sa, !sa.initiator, *maced), auth, id, payloads, ticket);
  if (check.pending()) auth_tickets_[ticket] = sa.our_spi();
  return check;
}

void IkeManager::SuspendAuth(IkeSa& sa, const Header& h, std::vector<Payload> inner,
                             OutstandingRequest child, MonoTime now) {
  IkeSa::PendingAuth p;
  p.ticket = next_auth_ticket_ - 1;  // the one CheckPeerAuth just gave out
  p.header = h;
  p.inner = std::move(inner);
  p.child = std::move(child);
  p.deadline = now + options_.auth_timeout;
  sa.pending_auth = std::move(p);
}

void IkeManager::CompleteAuth(uint64_t ticket, AuthCheck outcome, MonoTime now) {
  Call call(this);
  auto t = auth_tickets_.find(ticket);
  if (t == auth_tickets_.end()) return;  // unknown, answered twice, or its SA is gone
  auto it = sas_.find(t->second);
  if (it == sas_.end() || !it->second->pending_auth || it->second->pending_auth->ticket != ticket) {
    auth_tickets_.erase(t);
    return;
  }
  Touch(*it->second);
  ResumeAuth(*it->second, std::move(outcome), now);
  Purge();
}

void IkeManager::ResumeAuth(IkeSa& sa, AuthCheck outcome, MonoTime now) {
  if (!sa.pending_auth || sa.state == IkeState::kDead) return;
  IkeSa::PendingAuth p = *std::move(sa.pending_auth);
  sa.pending_auth.reset();
  auth_tickets_.erase(p.ticket);
  if (outcome.pending()) outcome = AuthCheck::Failed("the authenticator answered pending again");
  if (sa.initiator) {
    FinishAuthResponse(sa, p.inner, outcome, std::move(p.child), now);
    StartNext(sa, now);
  } else {
    FinishRespondAuth(sa, p.header, p.inner, outcome, now);
  }
}

void IkeManager::SendAuthRequest(IkeSa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.23
  //# The IKE initiator MUST check the NAT_DETECTION_SOURCE_IP or
  //# NAT_DETECTION_DESTINATION_IP payloads if present, and if they do not match the
  //# addresses in the outer packet, MUST tunnel all future IKE and ESP packets associated
  //# with this IKE SA over UDP port 4500.
  // (libipsec peers such as strongSwan's always fake a NAT, so ESP goes in UDP 4500.)
  if ((sa.nat_local || sa.nat_remote) && !sa.natt) {
    sa.natt = true;
    sa.local.port = kNatTPort;
    sa.remote.port = kNatTPort;
  }
  std::vector<Payload> out;
  out.reserve(kHandshakePayloads);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-1.2
  //# HDR, SK {IDi, [CERT,] [CERTREQ,]
  //#     [IDr,] AUTH, SAi2,
  //#     TSi, TSr}  -->
  out.push_back(Payload::Make(PayloadType::kIdi, peer->local_id));
  const bool eap = peer->eap_client.has_value();
  if (!eap) AddOwnCertificates(*peer, out);
  AddCertRequest(*peer, out);
  std::optional<AuthPayload> auth;
  if (eap) {
    // AUTH left out: we ask for EAP (RFC 7296 2.16); ProcessEapResponse takes it from here.
    sa.eap_client = std::make_unique<IkeSa::EapClientState>();
    sa.eap_client->client = std::make_unique<EapClient>(
        *peer->eap_client, [this](std::span<uint8_t> bytes) { host_->RandomBytes(bytes); });
    ++stats_.eap_started;
  } else {
    absl::StatusOr<AuthPayload> ours = OurAuth(sa, peer->local_id);
    if (!ours.ok()) {
      RemoveSa(sa, StrCat("cannot authenticate: ", ours.status().message()), now);
      return;
    }
    auth = *std::move(ours);
  }
  sa.local_id = peer->local_id;
  if (peer->remote_id) out.push_back(Payload::Make(PayloadType::kIdr, *peer->remote_id));
  if (auth) out.push_back(Payload::Make(PayloadType::kAuth, *std::move(auth)));
  if (MaySendInitialContact(sa)) {
    sa.initial_contact = true;
    out.push_back(
        Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInitialContact)));
  }
  AddAddressRequest(*peer, out);
  OutstandingRequest child;
  child.new_spi = NewChildSpi();
  child.offered = OfferChild(peer->child, child.new_spi, /*include_dh=*/false);
  child.offered_tsi = TsFromPrefixes(peer->local_ts);
  child.offered_tsr = TsFromPrefixes(peer->remote_ts);
  out.push_back(Payload::Make(PayloadType::kSa, child.offered));
  out.push_back(Payload::Make(PayloadType::kTsi, child.offered_tsi));
  out.push_back(Payload::Make(PayloadType::kTsr, child.offered_tsr));
  sa.state = IkeState::kAuthSent;
  SendRequest(sa, RequestKind::kIkeAuth, ExchangeType::kIkeAuth, std::move(out), now,
              std::move(child));
}

void IkeManager::RespondAuth(IkeSa& sa, const Received& in, MonoTime now) {
  const Header& h = in.message.header;
  if (sa.eap_server != nullptr) return RespondEap(sa, in, now);
  const IdPayload* idi = FindBody<IdPayload>(in.inner, PayloadType::kIdi);
  const AuthPayload* auth = FindBody<AuthPayload>(in.inner, PayloadType::kAuth);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.16
  //# An initiator indicates a desire to use EAP by leaving out the AUTH payload from the
  //# first message in the IKE_AUTH exchange.
  if (idi != nullptr && auth == nullptr && Peer(sa.peer)->eap_relay != nullptr) {
    return StartEapServer(sa, in, now);
  }
  if (idi == nullptr || auth == nullptr) {
    SendResponse(
        sa, h,
        {Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInvalidSyntax))});
    RemoveSa(sa, "IKE_AUTH without IDi/AUTH", now, false);
    return;
  }
  sa.peer_id_text = IdText(*idi);
  AuthCheck check = CheckPeerAuth(sa, *idi, *auth, in.inner);
  if (check.pending()) return SuspendAuth(sa, h, in.inner, {}, now);
  FinishRespondAuth(sa, h, in.inner, check, now);
}

void IkeManager::FinishRespondAuth(IkeSa& sa, const Header& h, const std::vector<Payload>& inner,
                                   const AuthCheck& check, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (!check.ok()) {
    const std::string& failure = check.failure;
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.21.2
    //# If the error occurred on the responder, the notification is returned in the protected
    //# response, and is usually the only payload in that response.
    ++stats_.auth_failures;
    SendResponse(sa, h,
                 {Payload::Make(PayloadType::kNotify,
                                NotifyPayload::Of(NotifyType::kAuthenticationFailed))});
    Emit(IkeEventKind::kAuthFailed, sa, failure, now);
    RemoveSa(sa, StrCat("authentication failed: ", failure), now, false);
    return;
  }
  absl::StatusOr<AuthPayload> our_auth = OurAuth(sa, peer->local_id);
  if (!our_auth.ok()) {
    RemoveSa(sa, StrCat("cannot authenticate: ", our_auth.status().message()), now);
    return;
  }
  sa.local_id = peer->local_id;
  // The ID the check passed for (present: RespondAuth checked).
  if (const IdPayload* idi = FindBody<IdPayload>(inner, PayloadType::kIdi)) sa.peer_id = *idi;
  RespondAuthenticated(sa, h, inner, *std::move(our_auth), now);
}

void IkeManager::RespondAuthenticated(IkeSa& sa, const Header& h, const std::vector<Payload>& inner,
                                      AuthPayload our_auth, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  std::vector<Payload> out;
  out.reserve(kHandshakePayloads);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-1.2
  //# <--  HDR, SK {IDr, [CERT,] AUTH,
  //#          SAr2, TSi, TSr}
  // After EAP the final response carries only AUTH (RFC 7296 2.16): IDr and CERT went out
  // with the first one.
  if (sa.eap_server == nullptr) {
    out.push_back(Payload::Make(PayloadType::kIdr, peer->local_id));
    AddOwnCertificates(*peer, out);
  }
  out.push_back(Payload::Make(PayloadType::kAuth, std::move(our_auth)));
  // Remote access: the inner address before the IKE SA is up, so its events carry it.
  std::string no_address;
  const bool child_allowed = AssignAddress(sa, inner, out, &no_address);
  Established(sa, now);
  if (!child_allowed) Emit(IkeEventKind::kNegotiationFailed, sa, no_address, now);
  if (child_allowed && FindBody<SaPayload>(inner, PayloadType::kSa) != nullptr) {
    if (ChildSa* c =
            AcceptChild(sa, inner, /*create_child=*/false, sa.nonce_i, sa.nonce_r, out, now)) {
      host_->ActivateChild(sa.peer, c->sas);
      Emit(IkeEventKind::kChildUp, sa, c->negotiated.Describe(), now, c);
    }
  }
  // A retransmitted IKE_AUTH request gets the cached response: nothing computes AUTH again.
  ReleaseHandshakeState(sa);
  // After the new CHILD SA carries the tunnel, so the old ones go without a gap.
  HonourInitialContact(sa, inner, now);
  // A responder may assert it too (a restarted responder answering an initiator that still
  // holds an SA with it).
  if (MaySendInitialContact(sa)) {
    sa.initial_contact = true;
    out.push_back(
        Payload::Make(PayloadType::kNotify, NotifyPayload::Of(NotifyType::kInitialContact)));
  }
  SendResponse(sa, h, std::move(out));
  // Once the response is out, so that a Delete of ours for another IKE SA reaches the peer
  // after the CHILD SA that replaces it.
  CloseRedundantIkeSas(sa, now);
}

void IkeManager::ProcessAuthResponse(IkeSa& sa, const Received& in, MonoTime now) {
  if (sa.eap_client != nullptr) return ProcessEapResponse(sa, in, now);
  const IdPayload* idr = FindBody<IdPayload>(in.inner, PayloadType::kIdr);
  const AuthPayload* auth = FindBody<AuthPayload>(in.inner, PayloadType::kAuth);
  if (auth == nullptr || idr == nullptr) {
    const NotifyPayload* n = FirstErrorNotify(in.inner);
    const bool auth_failed = n != nullptr && n->type == NotifyType::kAuthenticationFailed;
    std::string detail = n != nullptr ? StrCat("peer answered ", NotifyTypeName(n->type))
                                      : std::string("IKE_AUTH response without AUTH");
    if (auth_failed) ++stats_.auth_failures;
    Emit(auth_failed ? IkeEventKind::kAuthFailed : IkeEventKind::kNegotiationFailed, sa, detail,
         now);
    RemoveSa(sa, detail, now);
    return;
  }
  sa.peer_id_text = IdText(*idr);
  AuthCheck check = CheckPeerAuth(sa, *idr, *auth, in.inner);
  OutstandingRequest child = std::move(sa.request);
  sa.request = OutstandingRequest{};  // answered: no more retransmissions, whatever follows
  if (check.pending()) return SuspendAuth(sa, in.message.header, in.inner, std::move(child), now);
  FinishAuthResponse(sa, in.inner, check, std::move(child), now);
}

void IkeManager::FinishAuthResponse(IkeSa& sa, const std::vector<Payload>& inner,
                                    const AuthCheck& check, OutstandingRequest child,
                                    MonoTime now) {
  if (!check.ok()) {
    ++stats_.auth_failures;
    Emit(IkeEventKind::kAuthFailed, sa, check.failure, now);
    SendAuthFailed(sa);
    RemoveSa(sa, StrCat("authentication failed: ", check.failure), now);
    return;
  }
  // The ID the check passed for (present: ProcessAuthResponse checked).
  if (const IdPayload* idr = FindBody<IdPayload>(inner, PayloadType::kIdr)) sa.peer_id = *idr;
  std::string no_address;
  const bool have_address = TakeAssignedAddress(sa, inner, &no_address);
  Established(sa, now);
  const SaPayload* reply = FindBody<SaPayload>(inner, PayloadType::kSa);
  const TsPayload* tsi = FindBody<TsPayload>(inner, PayloadType::kTsi);
  const TsPayload* tsr = FindBody<TsPayload>(inner, PayloadType::kTsr);
  std::string failed;
  if (reply == nullptr || tsi == nullptr || tsr == nullptr) {
    const NotifyPayload* n = FirstErrorNotify(inner);
    failed = StrCat("no CHILD SA: peer answered ",
                    n != nullptr ? NotifyTypeName(n->type) : std::string("without SA/TS"));
  } else if (!have_address) {
    failed = StrCat("no CHILD SA: ", no_address);
  } else {
    absl::StatusOr<NegotiatedChild> chosen = AcceptChildReply(*reply, child.offered);
    absl::Status ts = CheckNarrowedReply(*tsi, *tsr, child.offered_tsi, child.offered_tsr);
    if (!chosen.ok()) {
      failed = StrCat("bad CHILD SA reply: ", chosen.status().message());
    } else if (!ts.ok()) {
      failed = StrCat("bad traffic selectors: ", ts.message());
    } else {
      absl::StatusOr<ChildSa*> c = InstallChild(sa, *chosen, child.new_spi, *tsi, *tsr, {},
                                                sa.nonce_i, sa.nonce_r, /*we_initiated=*/true, now);
      if (!c.ok()) {
        failed = StrCat("CHILD SA install failed: ", c.status().message());
      } else {
        host_->ActivateChild(sa.peer, (*c)->sas);
        Emit(IkeEventKind::kChildUp, sa, (*c)->negotiated.Describe(), now, *c);
      }
    }
  }
  ReleaseHandshakeState(sa);
  // After the new CHILD SA carries the tunnel (and even if it failed: the peer's assertion
  // about its IKE SAs stands).
  HonourInitialContact(sa, inner, now);
  if (failed.empty()) CloseRedundantIkeSas(sa, now);
  if (!failed.empty()) {
    // An IKE SA without its CHILD SA carries nothing for a LAN-to-LAN tunnel: report and close.
    Emit(IkeEventKind::kNegotiationFailed, sa, failed, now);
    SendDeleteIke(sa, now, /*wait_for_reply=*/false);
    RemoveSa(sa, failed, now);
  }
}

void IkeManager::AddSignatureHashes(const IkePeerConfig& peer, std::vector<Payload>& out) {
  const bool signs = (peer.auth.own != nullptr && peer.auth.own->UsesSignatures()) ||
                     (peer.auth.peer != nullptr && peer.auth.peer->UsesSignatures());
  if (!signs) return;
  out.push_back(Payload::Make(
      PayloadType::kNotify,
      NotifyPayload::Of(NotifyType::kSignatureHashAlgorithms, AnnouncedSignatureHashes())));
}

void IkeManager::AddCertRequest(const IkePeerConfig& peer, std::vector<Payload>& out) {
  if (peer.auth.peer == nullptr) return;
  if (std::optional<CertPayload> req = peer.auth.peer->CertRequest()) {
    out.push_back(Payload::Make(PayloadType::kCertReq, *std::move(req)));
  }
}

void IkeManager::AddOwnCertificates(const IkePeerConfig& peer, std::vector<Payload>& out) {
  if (peer.auth.own == nullptr) return;
  for (CertPayload& c : peer.auth.own->OwnCertificates()) {
    out.push_back(Payload::Make(PayloadType::kCert, std::move(c)));
  }
}

std::vector<uint16_t> IkeManager::PeerSignatureHashes(std::span<const Payload> payloads) {
  for (const Payload& p : payloads) {
    const auto* n = std::get_if<NotifyPayload>(&p.body);
    if (n == nullptr || n->type != NotifyType::kSignatureHashAlgorithms) continue;
    absl::StatusOr<std::vector<uint16_t>> hashes = ParseSignatureHashes(n->data);
    return hashes.ok() ? *std::move(hashes) : std::vector<uint16_t>{};
  }
  return {};
}

void IkeManager::StartLifetimes(IkeSa& sa, MonoTime now) {
  const Duration life = Peer(sa.peer)->ike_lifetime;
  sa.state = IkeState::kEstablished;
  sa.established_at = now;
  sa.last_heard = now;
  sa.expire_at = now + life;
  sa.rekey_at = now + Duration::Nanoseconds(static_cast<int64_t>(static_cast<double>(life.ns) *
                                                                 (1.0 - options_.rekey_margin)));
  if (sa.nat_local) sa.next_keepalive = now + options_.natt_keepalive;
}

void IkeManager::Established(IkeSa& sa, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  sa.half_open_expiry = MonoTime::Infinite();
  half_open_.erase({sa.spi_i, sa.remote.address});
  StartLifetimes(sa, now);
  LogLine(LogLevel::kInfo, StrCat("IKE: ", peer->name, ": IKE SA up with ", sa.peer_id_text, " (",
                                  sa.remote.address.ToString(), "), ", sa.negotiated.Describe(),
                                  sa.natt ? ", NAT-T" : ""));
  Emit(IkeEventKind::kIkeUp, sa, sa.negotiated.Describe(), now);
}

void IkeManager::ReleaseHandshakeState(IkeSa& sa) {
  // swap, not clear(): clear() keeps the capacity.
  std::vector<uint8_t>().swap(sa.init_request);
  std::vector<uint8_t>().swap(sa.init_response);
  std::vector<uint8_t>().swap(sa.nonce_i);
  std::vector<uint8_t>().swap(sa.nonce_r);
  sa.keys.sk_pi = SecretBytes();  // wiped as they go
  sa.keys.sk_pr = SecretBytes();
}

}  // namespace tunnelisa::ike
