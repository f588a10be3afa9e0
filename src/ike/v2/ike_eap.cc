// EAP in IKE_AUTH (RFC 7296 2.16), both roles.
//
// Responder (an ipsec-gw with an EapRelay): the client's first IKE_AUTH request without AUTH
// is answered with our IDr, CERT, AUTH and an EAP-Request/Identity; each EAP-Response that
// follows goes to the relay (asynchronously: the exchange waits, the client's
// retransmissions of that request go unanswered, other SAs go on), and the relay's answer
// comes back as the next EAP-Request, or EAP-Success, or EAP-Failure with
// AUTHENTICATION_FAILED. After EAP-Success the client's AUTH is checked with the MSK (SK_pi
// for methods without one) and the first request's CP, SA and TS are answered as in a plain
// IKE_AUTH.
//
//   HDR, SK {IDi, [CERTREQ,] [IDr,] SAi2, TSi, TSr}  -->
//                        <--  HDR, SK {IDr, [CERT,] AUTH, EAP}
//   HDR, SK {EAP}  -->
//                        <--  HDR, SK {EAP (Request | Success)}
//   HDR, SK {AUTH}  -->
//                        <--  HDR, SK {AUTH, SAr2, TSi, TSr}
//
// Initiator (EapCredentials): the mirror image, with EapClient answering the requests.
//
// Bounds: kMaxEapRounds EAP round trips per IKE SA, one relay request outstanding per
// conversation, IkePeerConfig::eap_relay_timeout (else IkeOptions::auth_timeout) for each
// relay answer, and the half-open timeout over the whole (the IKE SA is not established
// before the final AUTH).
#include "common/str_cat.h"
#include "ike/auth/id_text.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {
namespace {

// kMaxEapRounds: EAP round trips one IKE SA may take (MSCHAPv2 needs 3, MD5 2, with the
// identity one more); a server or client that goes on longer is refused.
constexpr uint32_t kMaxEapRounds = 16;
// kMaxIdentity: an EAP identity longer than RADIUS's User-Name can carry is refused.
constexpr size_t kMaxIdentity = 253;

Payload EapPayloadOf(std::vector<uint8_t> message) {
  return Payload::Make(PayloadType::kEap, EapPayload{std::move(message)});
}

std::vector<uint8_t> EapOf(EapCode code, uint8_t identifier) {
  return EapPacket{code, identifier, 0, {}}.Serialize();
}

}  // namespace

std::shared_ptr<const SecretBytes> IkeManager::EapAuthKey(const IkeSa& sa, const SecretBytes& msk,
                                                          bool of_initiator) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.16
  //# If the EAP method does not generate a shared key, the AUTH payloads are computed as
  //# if the shared key were SK_pi and SK_pr, respectively.
  if (!msk.empty()) return std::make_shared<const SecretBytes>(msk.Clone());
  return std::make_shared<const SecretBytes>(
      (of_initiator ? sa.keys.sk_pi : sa.keys.sk_pr).Clone());
}

// ---------------------------------------------------------------------------------------------
// Responder
// ---------------------------------------------------------------------------------------------

void IkeManager::StartEapServer(IkeSa& sa, const Received& in, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const Header& h = in.message.header;
  const IdPayload* idi = FindBody<IdPayload>(in.inner, PayloadType::kIdi);
  absl::StatusOr<AuthPayload> our_auth = OurAuth(sa, peer->local_id);
  if (!our_auth.ok()) {
    SendResponse(sa, h, {ErrorNotify(NotifyType::kAuthenticationFailed)});
    RemoveSa(sa, StrCat("cannot authenticate: ", our_auth.status().message()), now, false);
    return;
  }
  sa.local_id = peer->local_id;
  sa.peer_id_text = IdText(*idi);
  auto state = std::make_unique<IkeSa::EapServerState>();
  state->conversation = next_eap_conversation_++;
  state->relay = peer->eap_relay;
  state->first = in.inner;
  state->idi = *idi;
  host_->RandomBytes({&state->identifier, 1});
  sa.eap_server = std::move(state);
  eap_conversations_[sa.eap_server->conversation] = sa.our_spi();
  ++stats_.eap_started;
  std::vector<Payload> out;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.16
  //# <--  HDR, SK {IDr, [CERT,] AUTH,
  //#          EAP }
  out.push_back(Payload::Make(PayloadType::kIdr, peer->local_id));
  AddOwnCertificates(*peer, out);
  out.push_back(Payload::Make(PayloadType::kAuth, *std::move(our_auth)));
  // The identity first, from us: the relay needs it as the RADIUS User-Name, and the client's
  // IDi (often an address) is not the user.
  out.push_back(EapPayloadOf(EapPacket{
      EapCode::kRequest, sa.eap_server->identifier, static_cast<uint8_t>(EapType::kIdentity), {}}
                                 .Serialize()));
  SendResponse(sa, h, std::move(out));
}

void IkeManager::FailEap(IkeSa& sa, const Header& h, std::string reason, MonoTime now,
                         std::vector<uint8_t> eap_failure) {
  IkeSa::EapServerState& e = *sa.eap_server;
  if (eap_failure.empty()) eap_failure = EapOf(EapCode::kFailure, e.identifier);
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.21.2
  //# If the error occurred on the responder, the notification is returned in the protected
  //# response, and is usually the only payload in that response.
  // With EAP the failure is its EAP-Failure too, so the client's EAP layer ends as well.
  ++stats_.auth_failures;
  std::vector<Payload> out;
  // After EAP-Success (a wrong final AUTH) the EAP conversation is over: the notify alone.
  if (!e.succeeded) out.push_back(EapPayloadOf(std::move(eap_failure)));
  out.push_back(ErrorNotify(NotifyType::kAuthenticationFailed));
  SendResponse(sa, h, std::move(out));
  Emit(IkeEventKind::kAuthFailed, sa, reason, now);
  RemoveSa(sa, StrCat("EAP authentication failed: ", reason), now, false);
}

void IkeManager::RespondEap(IkeSa& sa, const Received& in, MonoTime now) {
  IkeSa::EapServerState& e = *sa.eap_server;
  const Header& h = in.message.header;
  if (e.waiting) {  // cannot happen (one request at a time): a new message ID while we wait
    ++stats_.eap_refused;
    return FailEap(sa, h, "a new IKE_AUTH request while the last one waits for the EAP server",
                   now);
  }
  const AuthPayload* auth = FindBody<AuthPayload>(in.inner, PayloadType::kAuth);
  const EapPayload* eap = FindBody<EapPayload>(in.inner, PayloadType::kEap);
  if (e.succeeded) {
    if (auth == nullptr) {
      ++stats_.eap_refused;
      return FailEap(sa, h, "the client's request after EAP-Success has no AUTH", now);
    }
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.16
    //# the shared key generated during the EAP exchange [...] MUST be used to generate the
    //# AUTH payloads
    const PskAuthenticator check(EapAuthKey(sa, e.msk, /*of_initiator=*/true));
    absl::StatusOr<SecretBytes> maced = MacedId(sa, /*of_initiator=*/true, e.idi);
    AuthCheck c = maced.ok() ? check.Verify(SignedOctets(sa, true, *maced), *auth, e.idi, {}, 0)
                             : AuthCheck::Failed(std::string(maced.status().message()));
    if (!c.ok()) {
      return FailEap(sa, h,
                     StrCat("the client's AUTH after EAP does not match the ",
                            e.msk.empty() ? "SK_pi key" : "EAP MSK", " (", c.failure, ")"),
                     now);
    }
    const PskAuthenticator ours(EapAuthKey(sa, e.msk, /*of_initiator=*/false));
    absl::StatusOr<SecretBytes> our_maced = MacedId(sa, /*of_initiator=*/false, sa.local_id);
    absl::StatusOr<AuthPayload> our_auth = our_maced.ok()
                                               ? ours.Create(SignedOctets(sa, false, *our_maced))
                                               : absl::StatusOr<AuthPayload>(our_maced.status());
    if (!our_auth.ok()) {
      RemoveSa(sa, StrCat("cannot authenticate: ", our_auth.status().message()), now);
      return;
    }
    ++stats_.eap_succeeded;
    sa.peer_id = e.idi;
    sa.eap_identity = e.identity;
    sa.peer_id_text = StrCat("user ", e.identity, " (EAP, ", IdText(e.idi), ")");
    if (e.relay != nullptr) e.relay->End(e.conversation, now);
    eap_conversations_.erase(e.conversation);
    // The first request carries the CP, SA and TS this answer settles.
    std::vector<Payload> first = std::move(e.first);
    RespondAuthenticated(sa, h, first, *std::move(our_auth), now);
    return;
  }
  if (eap == nullptr) {
    ++stats_.eap_refused;
    return FailEap(sa, h,
                   auth != nullptr ? "the client sent AUTH before EAP succeeded"
                                   : "IKE_AUTH request without the EAP payload",
                   now);
  }
  absl::StatusOr<EapPacket> p = EapPacket::Parse(eap->message);
  if (!p.ok()) {
    ++stats_.eap_refused;
    return FailEap(sa, h, StrCat("malformed EAP from the client: ", p.status().message()), now);
  }
  if (p->code != EapCode::kResponse || p->identifier != e.identifier) {
    ++stats_.eap_refused;
    return FailEap(sa, h,
                   StrCat("the client sent EAP ", EapCodeName(p->code), " ", int{p->identifier},
                          " where Response ", int{e.identifier}, " was due"),
                   now);
  }
  if (e.identity.empty()) {
    if (p->type != static_cast<uint8_t>(EapType::kIdentity) || p->data.empty() ||
        p->data.size() > kMaxIdentity) {
      ++stats_.eap_refused;
      return FailEap(sa, h,
                     StrCat("the client answered the identity request with ", EapTypeName(p->type),
                            " of ", p->data.size(), " octets (an identity of 1..253)"),
                     now);
    }
    e.identity.assign(p->data.begin(), p->data.end());
  }
  if (++e.rounds > kMaxEapRounds) {
    ++stats_.eap_refused;
    return FailEap(sa, h, StrCat("EAP went on for more than ", kMaxEapRounds, " round trips"), now);
  }
  if (e.relay == nullptr) return FailEap(sa, h, "no EAP server", now);
  EapRelayStep step{e.identity, eap->message, sa.remote.address, sa.local.address};
  e.waiting = true;  // before Relay: an answer is never delivered from inside it, but be sure
  e.waiting_header = h;
  const IkePeerConfig* peer = Peer(sa.peer);
  e.deadline = now + (peer != nullptr && peer->eap_relay_timeout.ns > 0 ? peer->eap_relay_timeout
                                                                        : options_.auth_timeout);
  if (absl::Status s = e.relay->Relay(e.conversation, std::move(step), now); !s.ok()) {
    e.waiting = false;
    return FailEap(sa, h, StrCat("cannot reach the EAP server: ", s.message()), now);
  }
}

void IkeManager::CompleteEap(uint64_t conversation, EapRelayAnswer answer, MonoTime now) {
  Call call(this);
  auto c = eap_conversations_.find(conversation);
  if (c == eap_conversations_.end()) return;
  auto it = sas_.find(c->second);
  if (it == sas_.end() || it->second->eap_server == nullptr ||
      it->second->eap_server->conversation != conversation || !it->second->eap_server->waiting ||
      it->second->state == IkeState::kDead) {
    return;
  }
  IkeSa& sa = *it->second;
  Touch(sa);
  IkeSa::EapServerState& e = *sa.eap_server;
  e.waiting = false;
  e.deadline = MonoTime::Infinite();
  const Header h = e.waiting_header;
  absl::StatusOr<EapPacket> p = answer.eap_message.empty()
                                    ? absl::InvalidArgumentError("no EAP-Message")
                                    : EapPacket::Parse(answer.eap_message);
  switch (answer.kind) {
    case EapRelayAnswer::Kind::kContinue:
      if (!p.ok() || p->code != EapCode::kRequest) {
        ++stats_.eap_refused;
        FailEap(sa, h,
                StrCat("the EAP server's challenge carries ",
                       p.ok() ? StrCat("EAP ", EapCodeName(p->code))
                              : StrCat("no usable EAP-Request (", p.status().message(), ")"),
                       " where a Request was due"),
                now);
        break;
      }
      e.identifier = p->identifier;
      SendResponse(sa, h, {EapPayloadOf(std::move(answer.eap_message))});
      break;
    case EapRelayAnswer::Kind::kSuccess: {
      if (p.ok() && p->code != EapCode::kSuccess) {
        ++stats_.eap_refused;
        FailEap(sa, h,
                StrCat("the EAP server accepted the user but sent EAP ", EapCodeName(p->code),
                       " instead of Success"),
                now);
        break;
      }
      e.succeeded = true;
      e.msk = std::move(answer.msk);
      e.framed_address = answer.framed_address;
      LogLine(LogLevel::kInfo,
              StrCat("IKE: EAP user ", e.identity, " from ", sa.remote.address.ToString(), ": ",
                     answer.reason, e.msk.empty() ? " (no MSK: AUTH with SK_pi/SK_pr)" : ""));
      //= https://www.rfc-editor.org/rfc/rfc7296#section-2.16
      //# <--  HDR, SK {EAP (success)}
      SendResponse(sa, h,
                   {EapPayloadOf(p.ok() ? std::move(answer.eap_message)
                                        : EapOf(EapCode::kSuccess, e.identifier))});
      break;
    }
    case EapRelayAnswer::Kind::kFailure:
      FailEap(sa, h, answer.reason, now,
              p.ok() && p->code == EapCode::kFailure ? std::move(answer.eap_message)
                                                     : std::vector<uint8_t>{});
      break;
  }
  Purge();
}

// ---------------------------------------------------------------------------------------------
// Initiator
// ---------------------------------------------------------------------------------------------

void IkeManager::FailEapClient(IkeSa& sa, std::string reason, bool auth_failed, MonoTime now) {
  if (auth_failed) ++stats_.auth_failures;
  Emit(auth_failed ? IkeEventKind::kAuthFailed : IkeEventKind::kNegotiationFailed, sa, reason, now);
  RemoveSa(sa, StrCat("EAP authentication failed: ", reason), now);
}

void IkeManager::ProcessEapResponse(IkeSa& sa, const Received& in, MonoTime now) {
  IkeSa::EapClientState& e = *sa.eap_client;
  const IkePeerConfig* peer = Peer(sa.peer);
  const AuthPayload* auth = FindBody<AuthPayload>(in.inner, PayloadType::kAuth);
  const EapPayload* eap = FindBody<EapPayload>(in.inner, PayloadType::kEap);
  const NotifyPayload* error = FirstErrorNotify(in.inner);
  if (!e.responder_checked) {
    // Message 4: the gateway proves itself (its AUTH, checked as without EAP) before we say a
    // word of our password.
    e.child = std::move(sa.request);
    sa.request = OutstandingRequest{};
    const IdPayload* idr = FindBody<IdPayload>(in.inner, PayloadType::kIdr);
    if (idr == nullptr || auth == nullptr) {
      const bool refused = error != nullptr && error->type == NotifyType::kAuthenticationFailed;
      return FailEapClient(sa,
                           error != nullptr ? StrCat("peer answered ", NotifyTypeName(error->type))
                                            : std::string("IKE_AUTH response without IDr/AUTH"),
                           refused, now);
    }
    sa.peer_id_text = IdText(*idr);
    AuthCheck check = CheckPeerAuth(sa, *idr, *auth, in.inner);
    if (check.pending()) {
      auth_tickets_.erase(next_auth_ticket_ - 1);
      check = AuthCheck::Failed("the gateway's AUTH check cannot wait during EAP");
    }
    if (!check.ok()) {
      SendAuthFailed(sa);
      return FailEapClient(sa, check.failure, true, now);
    }
    sa.peer_id = *idr;
    e.responder_checked = true;
  } else if (e.succeeded) {
    // The last response: the gateway's AUTH with the EAP key, then CP, SA, TS.
    if (auth == nullptr) {
      return FailEapClient(
          sa,
          error != nullptr ? StrCat("peer answered ", NotifyTypeName(error->type))
                           : std::string("the final IKE_AUTH response has no AUTH"),
          error != nullptr && error->type == NotifyType::kAuthenticationFailed, now);
    }
    const PskAuthenticator check(EapAuthKey(sa, e.msk, /*of_initiator=*/false));
    absl::StatusOr<SecretBytes> maced = MacedId(sa, /*of_initiator=*/false, sa.peer_id);
    AuthCheck c = maced.ok()
                      ? check.Verify(SignedOctets(sa, false, *maced), *auth, sa.peer_id, {}, 0)
                      : AuthCheck::Failed(std::string(maced.status().message()));
    if (!c.ok()) {
      ++stats_.auth_failures;
      Emit(IkeEventKind::kAuthFailed, sa, c.failure, now);
      SendAuthFailed(sa);
      RemoveSa(sa, StrCat("authentication failed: gateway's AUTH after EAP: ", c.failure), now);
      return;
    }
    ++stats_.eap_succeeded;
    sa.eap_identity = peer->eap_client ? peer->eap_client->identity : std::string();
    OutstandingRequest child = std::move(e.child);
    sa.eap_client.reset();
    FinishAuthResponse(sa, in.inner, AuthCheck::Ok(), std::move(child), now);
    return;
  }
  if (eap == nullptr) {
    const bool refused = error != nullptr && error->type == NotifyType::kAuthenticationFailed;
    if (!refused) ++stats_.eap_refused;
    return FailEapClient(sa,
                         error != nullptr ? StrCat("peer answered ", NotifyTypeName(error->type))
                                          : std::string("IKE_AUTH response without EAP"),
                         refused, now);
  }
  absl::StatusOr<EapPacket> p = EapPacket::Parse(eap->message);
  if (!p.ok()) {
    ++stats_.eap_refused;
    return FailEapClient(sa, StrCat("malformed EAP from the gateway: ", p.status().message()),
                         false, now);
  }
  if (++e.rounds > kMaxEapRounds) {
    ++stats_.eap_refused;
    return FailEapClient(sa, StrCat("EAP went on for more than ", kMaxEapRounds, " round trips"),
                         false, now);
  }
  std::vector<Payload> out;
  switch (p->code) {
    case EapCode::kRequest: {
      absl::StatusOr<std::vector<uint8_t>> answer = e.client->Respond(*p);
      if (!answer.ok()) {
        ++stats_.eap_refused;
        return FailEapClient(sa, std::string(answer.status().message()), true, now);
      }
      out.push_back(EapPayloadOf(*std::move(answer)));
      break;
    }
    case EapCode::kSuccess: {
      if (e.client->method() == "MSCHAPv2" && !e.client->server_proven()) {
        ++stats_.eap_refused;
        return FailEapClient(sa, "EAP-Success before the MSCHAPv2 server proved itself", true, now);
      }
      if (e.client->method().empty()) {
        ++stats_.eap_refused;
        return FailEapClient(sa, "EAP-Success before any EAP method ran", true, now);
      }
      e.msk = e.client->TakeMsk();
      e.succeeded = true;
      const PskAuthenticator ours(EapAuthKey(sa, e.msk, /*of_initiator=*/true));
      absl::StatusOr<SecretBytes> maced = MacedId(sa, /*of_initiator=*/true, sa.local_id);
      absl::StatusOr<AuthPayload> our_auth = maced.ok()
                                                 ? ours.Create(SignedOctets(sa, true, *maced))
                                                 : absl::StatusOr<AuthPayload>(maced.status());
      if (!our_auth.ok()) {
        RemoveSa(sa, StrCat("cannot authenticate: ", our_auth.status().message()), now);
        return;
      }
      //= https://www.rfc-editor.org/rfc/rfc7296#section-2.16
      //# HDR, SK {AUTH}  -->
      out.push_back(Payload::Make(PayloadType::kAuth, *std::move(our_auth)));
      break;
    }
    case EapCode::kFailure:
      return FailEapClient(
          sa,
          StrCat(
              "the gateway refused EAP user ", peer->eap_client->identity,
              e.client->method().empty() ? "" : StrCat(" (", e.client->method(), ")"),
              e.client->failure_detail().empty() ? "" : StrCat(": ", e.client->failure_detail())),
          true, now);
    case EapCode::kResponse:
      ++stats_.eap_refused;
      return FailEapClient(sa, "the gateway sent an EAP Response", false, now);
  }
  SendRequest(sa, RequestKind::kIkeAuth, ExchangeType::kIkeAuth, std::move(out), now, {});
}

}  // namespace tunnelisa::ike
