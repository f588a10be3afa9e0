// IKEv1 remote access after phase 1, in transaction exchanges (exchange type 6): XAUTH
// (draft-beaulieu-ike-xauth-02) with the gateway as the XAUTH server, and Mode Config
// (draft-dukes-ike-mode-cfg) giving the client its inner address, both roles:
//
//   Gateway (ipsec-gw)                                 Client
//   HDR*, HASH, ATTR(REQUEST user, password)     -->              (the gateway's M-ID)
//                       <--  HDR*, HASH, ATTR(REPLY "user", "password")  (the same M-ID)
//        ... the XauthVerifier checks the user (the engine: RADIUS) ...
//   HDR*, HASH, ATTR(SET status OK / FAIL)       -->              (a new M-ID)
//                       <--  HDR*, HASH, ATTR(ACK)
//                       <--  HDR*, HASH, ATTR(REQUEST address)    (the client's M-ID)
//   HDR*, HASH, ATTR(REPLY address, DNS)         -->
//   ... then the client's Quick Modes, IDci = its inner address.
//
// Each message carries HASH = prf(SKEYID_a, M-ID | ATTR) and is sent once per M-ID's IV chain;
// whoever waits for an answer re-sends its message on the timer, whoever answered answers a
// copy again (V1Flight, as in Quick Mode). Phase 1 alone lets nothing through: the gateway
// refuses Quick Modes and Mode Config before it accepted the user, and with an address
// assigner a client's IPsec SAs are for the address it was given, nothing else.
#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/codec/v1/v1_constants.h"
#include "ike/v1/exchange_util.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v1/v1_transaction_attrs.h"

namespace tunnelisa::ike::v1 {
namespace {

// How long a finished transaction is remembered (to answer copies of its last message).
constexpr Duration kTransactionLinger = Duration::Seconds(60);
// At most this many transactions per ISAKMP SA at once: XAUTH takes two, Mode Config one; a
// peer opening more is ignored, not remembered.
constexpr size_t kMaxTransactions = 8;

std::string Quoted(std::string_view user) { return StrCat("\"", user, "\""); }

}  // namespace

bool Ikev1Manager::UsesXauth(const V1Sa& sa) {
  return sa.negotiated.auth_method == static_cast<uint16_t>(V1AuthMethod::kXauthInitPreShared);
}

bool Ikev1Manager::UserAccepted(const V1Sa& sa) {
  if (!UsesXauth(sa)) return true;
  return sa.initiator ? sa.remote_access.xauth == XauthStep::kAccepted : sa.remote_access.accepted;
}

uint16_t Ikev1Manager::NewIdentifier() {
  uint16_t id = 0;
  while (id == 0) host_->RandomBytes({reinterpret_cast<uint8_t*>(&id), sizeof(id)});
  return id;
}

absl::StatusOr<std::vector<V1Payload>> Ikev1Manager::WithTransactionHash(
    const V1Sa& sa, uint32_t message_id, V1AttributePayload attributes) const {
  std::vector<V1Payload> rest;
  rest.push_back(V1Payload::Make(V1PayloadType::kAttribute, std::move(attributes)));
  absl::StatusOr<std::vector<uint8_t>> bytes = V1ChainBytes(rest);
  if (!bytes.ok()) return bytes.status();
  //= https://datatracker.ietf.org/doc/html/draft-dukes-ike-mode-cfg-02#section-3.1
  //# HASH = prf( SKEYID_a, M-ID | ATTR )
  absl::StatusOr<SecretBytes> hash =
      ModeCfgHash(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(), message_id, *bytes);
  if (!hash.ok()) return hash.status();
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kHash,
                                V1HashPayload{{hash->span().begin(), hash->span().end()}}));
  for (V1Payload& p : rest) out.push_back(std::move(p));
  return out;
}

bool Ikev1Manager::VerifyTransactionHash(const V1Sa& sa, const V1Opened& in) const {
  if (in.payloads.size() < 2 || in.payloads[0].type != V1PayloadType::kHash) return false;
  absl::StatusOr<std::vector<uint8_t>> rest =
      V1ChainBytes(std::span<const V1Payload>(in.payloads).subspan(1));
  if (!rest.ok()) return false;
  return HashMatches(ModeCfgHash(crypto_, sa.negotiated.prf, sa.keys->skeyid_a.span(),
                                 in.header.message_id, *rest),
                     in.payloads[0].As<V1HashPayload>());
}

bool Ikev1Manager::SendTransaction(V1Sa& sa, uint32_t message_id, V1AttributePayload attributes,
                                   bool wait, MonoTime now) {
  absl::StatusOr<std::vector<V1Payload>> message =
      WithTransactionHash(sa, message_id, std::move(attributes));
  if (!message.ok()) return false;
  absl::StatusOr<std::vector<uint8_t>> datagram =
      Seal(sa, V1Exchange::kTransaction, message_id, *message);
  if (!datagram.ok()) return false;
  V1Transaction& t = sa.transactions[message_id];
  t.expires = now + kTransactionLinger;
  Send(sa, t.flight, *std::move(datagram), wait, now);
  return true;
}

void Ikev1Manager::HandleTransaction(V1Sa& sa, const V1Opened& in, std::span<const uint8_t> raw,
                                     MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const uint32_t mid = in.header.message_id;
  const V1AttributePayload* attr =
      in.payloads.size() == 2 ? in.payloads[1].As<V1AttributePayload>() : nullptr;
  if (peer == nullptr || attr == nullptr) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, "IKEv1: a transaction message without exactly one ATTR payload");
    return;
  }
  const bool known = sa.transactions.contains(mid);
  if (!known && sa.transactions.size() >= kMaxTransactions) {
    ++stats_.dropped;
    return;
  }
  V1RemoteAccess& ra = sa.remote_access;
  const uint64_t sent_before = known ? sa.transactions[mid].flight.sends : 0;
  if (!sa.initiator) {
    // The gateway's side: the client's REPLY and ACK to our REQUEST and SET, its Mode Config
    // REQUEST.
    if (attr->type == V1CfgType::kReply && ra.xauth == XauthStep::kRequested && mid == ra.mid) {
      ProcessXauthReply(sa, *attr, now);
    } else if (attr->type == V1CfgType::kAck && ra.xauth == XauthStep::kSetSent && mid == ra.mid) {
      ProcessXauthAck(sa, *attr, now);
    } else if (attr->type == V1CfgType::kRequest && !known) {
      AnswerModeCfg(sa, mid, *attr, now);
    } else {
      ++stats_.dropped;
    }
  } else {
    // The client's side: the gateway's XAUTH REQUEST and SET, its Mode Config REPLY.
    if (attr->type == V1CfgType::kRequest && !known) {
      AnswerXauthRequest(sa, mid, *attr, now);
    } else if (attr->type == V1CfgType::kSet && !known) {
      AnswerXauthSet(sa, mid, *attr, now);
    } else if (attr->type == V1CfgType::kReply && mid == ra.mid && ra.mid != 0) {
      ProcessModeCfgReply(sa, *attr, now);
    } else {
      ++stats_.dropped;
    }
  }
  // What we answered, a copy of it is answered again (V1Flight).
  if (sa.state == Phase1State::kDead) return;
  if (auto t = sa.transactions.find(mid); t != sa.transactions.end()) {
    if (t->second.flight.sends != sent_before) {
      t->second.flight.last_received.assign(raw.begin(), raw.end());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gateway (the XAUTH server)
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::StartXauth(V1Sa& sa, MonoTime now) {
  V1RemoteAccess& ra = sa.remote_access;
  ra.xauth = XauthStep::kRequested;
  ra.identifier = NewIdentifier();
  ra.mid = NewMessageId(sa);
  //= https://datatracker.ietf.org/doc/html/draft-beaulieu-ike-xauth-02#section-4.1
  //# The edge device MUST initiate the extended authentication exchange
  // (we are the edge device: REQUEST with the attributes we need, generic type).
  if (!SendTransaction(sa, ra.mid, XauthRequest(ra.identifier), /*wait=*/true, now)) {
    RemoveSa(sa, "XAUTH request could not be built", now);
  }
}

void Ikev1Manager::ProcessXauthReply(V1Sa& sa, const V1AttributePayload& attr, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  V1RemoteAccess& ra = sa.remote_access;
  absl::StatusOr<XauthAnswer> answer = ParseXauthReply(attr, ra.identifier);
  if (auto t = sa.transactions.find(ra.mid); t != sa.transactions.end()) {
    t->second.flight.waiting = false;
  }
  if (!answer.ok()) {
    FinishXauth(sa, XauthResult{.reason = std::string(answer.status().message())}, now);
    return;
  }
  ra.user = answer->user;
  ra.xauth = XauthStep::kChecking;
  if (peer == nullptr || peer->xauth_verifier == nullptr) {
    FinishXauth(sa, XauthResult{.reason = "no user database for this gateway"}, now);
    return;
  }
  ra.verifier = peer->xauth_verifier;
  ra.ticket = next_xauth_ticket_++;
  xauth_tickets_[ra.ticket] = sa.our_cookie();
  LogLine(LogLevel::kInfo, StrCat("IKEv1: ", peer->name, ": XAUTH user ", Quoted(ra.user), " at ",
                                  sa.remote.address.ToString(), ": checking"));
  XauthCredentials credentials{.user = answer->user,
                               .password = std::move(answer->password),
                               .client_address = sa.remote.address,
                               .gateway_address = sa.local.address};
  if (absl::Status s = ra.verifier->Start(ra.ticket, std::move(credentials), now); !s.ok()) {
    xauth_tickets_.erase(ra.ticket);
    ra.ticket = 0;
    ra.verifier.reset();
    FinishXauth(sa, XauthResult{.reason = std::string(s.message())}, now);
  }
}

void Ikev1Manager::CompleteXauth(uint64_t ticket, const XauthResult& result, MonoTime now) {
  auto it = xauth_tickets_.find(ticket);
  if (it == xauth_tickets_.end()) return;
  const uint64_t cookie = it->second;
  xauth_tickets_.erase(it);
  auto s = sas_.find(cookie);
  if (s == sas_.end()) return;
  V1Sa& sa = *s->second;
  Touch(sa);
  if (sa.state != Phase1State::kEstablished || sa.remote_access.ticket != ticket ||
      sa.remote_access.xauth != XauthStep::kChecking) {
    return;
  }
  sa.remote_access.ticket = 0;
  sa.remote_access.verifier.reset();
  FinishXauth(sa, result, now);
  Purge();
}

bool Ikev1Manager::XauthTicket(uint64_t ticket, IpAddress* client, std::string* user) const {
  auto it = xauth_tickets_.find(ticket);
  if (it == xauth_tickets_.end()) return false;
  auto s = sas_.find(it->second);
  if (s == sas_.end()) return false;
  *client = s->second->remote.address;
  *user = s->second->remote_access.user;
  return true;
}

void Ikev1Manager::FinishXauth(V1Sa& sa, const XauthResult& result, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const std::string name = peer != nullptr ? peer->name : std::string("?");
  V1RemoteAccess& ra = sa.remote_access;
  ra.accepted = result.accepted;
  ra.result = result;
  ra.xauth = XauthStep::kSetSent;
  ra.identifier = NewIdentifier();
  ra.mid = NewMessageId(sa);
  //= https://datatracker.ietf.org/doc/html/draft-beaulieu-ike-xauth-02#section-4.1
  //# the edge device will send a SET message with the XAUTH-STATUS attribute
  if (!SendTransaction(sa, ra.mid, XauthSet(ra.identifier, result.accepted), /*wait=*/true, now)) {
    RemoveSa(sa, "XAUTH status could not be built", now);
    return;
  }
  if (result.accepted) {
    if (result.session_timeout_s) {
      //= https://www.rfc-editor.org/rfc/rfc2865#section-5.27
      //# This Attribute sets the maximum number of seconds of service to be provided to the
      //# user before termination of the session or prompt.
      ra.deadline = now + Duration::Seconds(*result.session_timeout_s);
    }
    LogLine(LogLevel::kInfo,
            StrCat("IKEv1: ", name, ": XAUTH user ", Quoted(ra.user), " at ",
                   sa.remote.address.ToString(), " accepted (", result.reason, ")"));
    RemoteAccessUp(sa, now);
    return;
  }
  ++stats_.auth_failures;
  const std::string why = StrCat("XAUTH user ", Quoted(ra.user), " refused: ", result.reason);
  LogLine(LogLevel::kWarning, StrCat("IKEv1: ", name, ": ", why));
  Emit(IkeEventKind::kAuthFailed, sa, why, now);
  // The SA ends when the client acknowledges the FAIL (ProcessXauthAck) or stops answering.
}

void Ikev1Manager::ProcessXauthAck(V1Sa& sa, const V1AttributePayload& attr, MonoTime now) {
  V1RemoteAccess& ra = sa.remote_access;
  if (!CheckXauthAck(attr, ra.identifier).ok()) {
    ++stats_.dropped;
    return;
  }
  if (auto t = sa.transactions.find(ra.mid); t != sa.transactions.end()) {
    t->second.flight.waiting = false;
  }
  if (ra.accepted) {
    ra.xauth = XauthStep::kAccepted;
    return;
  }
  ra.xauth = XauthStep::kRefused;
  SendDeleteIsakmp(sa);
  RemoveSa(sa, StrCat("XAUTH user ", Quoted(ra.user), " refused"), now, /*notify_down=*/false);
}

void Ikev1Manager::AnswerModeCfg(V1Sa& sa, uint32_t mid, const V1AttributePayload& attr,
                                 MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  V1RemoteAccess& ra = sa.remote_access;
  if (peer == nullptr || !UserAccepted(sa)) {
    // RFC-less but obvious: an address only for a user the gateway let in.
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, "IKEv1: Mode Config request before XAUTH accepted the user");
    return;
  }
  if (peer->address_assigner == nullptr && !ra.lease) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning,
            StrCat("IKEv1: ", peer->name, ": Mode Config request, but no address pool here"));
    return;
  }
  absl::StatusOr<ModeCfgAsk> ask = ParseModeCfgRequest(attr);
  if (!ask.ok()) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", ask.status().message()));
    return;
  }
  if (!ra.lease) {
    const std::string identity = ra.user.empty() ? sa.peer_id_text : ra.user;
    AddressRequest request;
    request.identity = identity;
    request.requested = ask->requested;
    request.preassigned = ra.result.framed_address;
    absl::StatusOr<ClientAddress> got = peer->address_assigner->Assign(request);
    if (!got.ok()) {
      //= https://datatracker.ietf.org/doc/html/draft-dukes-ike-mode-cfg-02#section-3.1
      // (no address, no remote-access connection: the ISAKMP SA ends.)
      const std::string why =
          StrCat("Mode Config: no address for ", Quoted(identity), ": ", got.status().message());
      LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", why));
      Emit(IkeEventKind::kNegotiationFailed, sa, why, now);
      SendDeleteIsakmp(sa);
      RemoveSa(sa, why, now);
      return;
    }
    ra.lease = *got;
    ra.lease_owner = peer->address_assigner;
  }
  LogLine(LogLevel::kInfo,
          StrCat("IKEv1: ", peer->name,
                 ": Mode Config: ", ra.user.empty() ? sa.peer_id_text : Quoted(ra.user), " at ",
                 sa.remote.address.ToString(), " gets ", ra.lease->address.ToString()));
  (void)SendTransaction(sa, mid, ModeCfgReply(attr.identifier, *ra.lease), /*wait=*/false, now);
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::AnswerXauthRequest(V1Sa& sa, uint32_t mid, const V1AttributePayload& attr,
                                      MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  V1RemoteAccess& ra = sa.remote_access;
  if (peer == nullptr || !peer->xauth_login || !UsesXauth(sa) || ra.xauth == XauthStep::kAccepted) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, "IKEv1: an XAUTH request nobody asked for (no xauth login here)");
    return;
  }
  if (absl::Status s = CheckXauthRequest(attr); !s.ok()) {
    ++stats_.dropped;
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", s.message()));
    return;
  }
  const XauthLogin& login = *peer->xauth_login;
  ra.xauth = XauthStep::kChecking;
  ra.user = login.user;
  (void)SendTransaction(sa, mid, XauthReply(attr.identifier, login.user, *login.password),
                        /*wait=*/false, now);
}

void Ikev1Manager::AnswerXauthSet(V1Sa& sa, uint32_t mid, const V1AttributePayload& attr,
                                  MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  V1RemoteAccess& ra = sa.remote_access;
  absl::StatusOr<bool> ok = ParseXauthSet(attr);
  if (peer == nullptr || !UsesXauth(sa) || ra.xauth != XauthStep::kChecking || !ok.ok()) {
    ++stats_.dropped;
    return;
  }
  (void)SendTransaction(sa, mid, XauthAck(attr.identifier), /*wait=*/false, now);
  if (*ok) {
    ra.xauth = XauthStep::kAccepted;
    LogLine(LogLevel::kInfo,
            StrCat("IKEv1: ", peer->name, ": XAUTH user ", Quoted(ra.user), " accepted"));
    RemoteAccessUp(sa, now);
    return;
  }
  ra.xauth = XauthStep::kRefused;
  ++stats_.auth_failures;
  const std::string why = StrCat("XAUTH user ", Quoted(ra.user), " refused by the gateway");
  LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", why));
  Emit(IkeEventKind::kAuthFailed, sa, why, now);
  RemoveSa(sa, why, now, /*notify_down=*/false);
}

void Ikev1Manager::StartModeCfg(V1Sa& sa, MonoTime now) {
  V1RemoteAccess& ra = sa.remote_access;
  ra.identifier = NewIdentifier();
  ra.mid = NewMessageId(sa);
  if (!SendTransaction(sa, ra.mid, ModeCfgRequest(ra.identifier), /*wait=*/true, now)) {
    RemoveSa(sa, "Mode Config request could not be built", now);
  }
}

void Ikev1Manager::ProcessModeCfgReply(V1Sa& sa, const V1AttributePayload& attr, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  V1RemoteAccess& ra = sa.remote_access;
  absl::StatusOr<ClientAddress> got = ParseModeCfgReply(attr, ra.identifier);
  if (!got.ok() || peer == nullptr) {
    ++stats_.dropped;
    if (got.ok()) return;
    const std::string why = StrCat("Mode Config: ", got.status().message());
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer != nullptr ? peer->name : "?", ": ", why));
    SendDeleteIsakmp(sa);
    RemoveSa(sa, why, now);
    return;
  }
  if (auto t = sa.transactions.find(ra.mid); t != sa.transactions.end()) {
    t->second.flight.waiting = false;
  }
  ra.mid = 0;
  const bool first = !ra.inner.has_value();
  ra.inner = got->address;
  LogLine(LogLevel::kInfo,
          StrCat("IKEv1: ", peer->name, ": Mode Config gave us ", got->address.ToString()));
  if (first && !sa.announced) Announce(sa, now);
  StartQuickModes(sa, now);
}

// ---------------------------------------------------------------------------------------------
// Both
// ---------------------------------------------------------------------------------------------

void Ikev1Manager::RemoteAccessUp(V1Sa& sa, MonoTime now) {
  // (Also the end of every phase 1 without XAUTH: then it announces and starts Quick Modes.)
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr) return;
  if (sa.initiator && peer->request_address) {
    // The connection is announced once Mode Config gave us our address (the event says it).
    StartModeCfg(sa, now);
    return;
  }
  Announce(sa, now);
  if (sa.initiator) StartQuickModes(sa, now);
}

void Ikev1Manager::RevokeAddressLeases(std::span<const uint64_t> leases, MonoTime now) {
  if (leases.empty()) return;
  for (auto& [cookie, sa] : sas_) {
    V1RemoteAccess& ra = sa->remote_access;
    if (sa->state == Phase1State::kDead || !ra.lease ||
        std::find(leases.begin(), leases.end(), ra.lease->lease) == leases.end()) {
      continue;
    }
    ra.lease.reset();  // the pool already took it back
    for (const ChildSa& child : sa->children) SendDeleteChild(*sa, child.inbound_spi);
    SendDeleteIsakmp(*sa);
    RemoveSa(*sa, "its inner address left the reconfigured address pool", now);
  }
  Purge();
}

void Ikev1Manager::EndRemoteAccess(V1Sa& sa, MonoTime now) {
  V1RemoteAccess& ra = sa.remote_access;
  if (ra.ticket != 0) {
    xauth_tickets_.erase(ra.ticket);
    if (ra.verifier != nullptr) ra.verifier->Cancel(ra.ticket, now);
    ra.ticket = 0;
  }
  ra.verifier.reset();
  if (ra.lease && ra.lease_owner != nullptr) ra.lease_owner->Release(ra.lease->lease);
  ra.lease.reset();
  ra.lease_owner.reset();
}

}  // namespace tunnelisa::ike::v1
