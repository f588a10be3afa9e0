// IKEv1 phase 1 in Aggressive Mode (RFC 2409 5) with pre-shared keys or RSA signatures (5.1:
// [CERT,] SIG_R in message 2, [CERT,] SIG_I in 3, CR in 1 and 2; phase1_auth.cc), both roles,
// NAT-T as
// RFC 3947 4 describes it (NAT-D in messages 2 and 3; the initiator floats to port 4500 for
// message 3, which it then sends encrypted; unencrypted ones are accepted too).
//
//   Initiator                               Responder
//   HDR, SA, KE, Ni, IDii           -->
//                                   <--    HDR, SA, KE, Nr, IDir, HASH_R [, NAT-D, NAT-D]
//   HDR*, HASH_I [, NAT-D, NAT-D]   -->
//
// The responder's HASH_R goes out before the initiator proved anything, keyed with the
// pre-shared key: an offline dictionary target, which SetPeers warns about. (With signatures
// it is not: SKEYID does not involve a secret of ours.)

#include "common/str_cat.h"
#include "ike/v1/exchange_util.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v1/v1_proposals.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::ike::v1 {

absl::Status Ikev1Manager::StartAggressive(const IkePeerConfig& peer, MonoTime now) {
  if (absl::Status s = ValidateV1Policy(peer.ike); !s.ok()) {
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer.name, ": ", s.message()));
    return s;
  }
  if (std::string why = Phase1AuthProblem(peer); !why.empty()) {
    return absl::FailedPreconditionError(StrCat(peer.name, ": ", why));
  }
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh = crypto_.NewDhKeyPair(peer.ike.dh_group);
  if (!dh.ok()) return dh.status();
  auto owned = std::make_unique<V1Sa>();
  V1Sa& sa = *owned;
  sa.peer = peer.id;
  sa.initiator = true;
  sa.aggressive = true;
  sa.cky_i = NewCookie();
  sa.state = Phase1State::kAm1Sent;
  sa.local = {peer.local, kIkePort};
  sa.remote = {peer.remote, peer.remote_port};
  sa.natt = peer.remote_port != kIkePort;
  if (sa.natt) sa.local.port = kNatTPort;
  sa.created = now;
  sa.last_heard = now;
  sa.dh = *std::move(dh);
  sa.g_xi = sa.dh->public_value();
  sa.nonce_i.assign(kV1NonceSize, 0);
  host_->RandomBytes(sa.nonce_i);
  sa.offered = OfferPhase1(peer.ike, Phase1AuthMethod(peer), peer.ike_lifetime);
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kSa, sa.offered));
  out.push_back(V1Payload::Make(V1PayloadType::kKe, V1KePayload{sa.g_xi}));
  out.push_back(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{sa.nonce_i}));
  out.push_back(V1Payload::Make(V1PayloadType::kId, OurId(peer)));
  AddCertRequest(peer, out);
  for (V1Payload& v : OurVendorIds()) out.push_back(std::move(v));
  absl::StatusOr<std::vector<uint8_t>> sa_body = V1PayloadBodyBytes(out[0]);
  absl::StatusOr<std::vector<uint8_t>> id_body = V1PayloadBodyBytes(out[3]);
  absl::StatusOr<std::vector<uint8_t>> datagram =
      SerializeV1Message(HeaderFor(sa, V1Exchange::kAggressive, 0), out);
  if (!sa_body.ok() || !id_body.ok() || !datagram.ok()) {
    return absl::InternalError("cannot build Aggressive Mode message 1");
  }
  sa.sa_i_body = *std::move(sa_body);
  sa.id_i_body = *std::move(id_body);
  AddSa(std::move(owned));
  LogLine(LogLevel::kInfo,
          StrCat("IKEv1: ", peer.name, ": initiating Aggressive Mode to ", peer.remote.ToString()));
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/true, now);
  return absl::OkStatus();
}

void Ikev1Manager::ProcessAm2(V1Sa& sa, const V1Message& m, MonoTime now) {
  const V1SaPayload* answer = FindV1<V1SaPayload>(m.payloads, V1PayloadType::kSa);
  const V1KePayload* ke = FindV1<V1KePayload>(m.payloads, V1PayloadType::kKe);
  const V1NoncePayload* nonce = FindV1<V1NoncePayload>(m.payloads, V1PayloadType::kNonce);
  const V1Payload* id = FindPayload(m.payloads, V1PayloadType::kId);
  const bool proof = FindPayload(m.payloads, V1PayloadType::kHash) != nullptr ||
                     FindPayload(m.payloads, V1PayloadType::kSig) != nullptr;
  if (answer == nullptr || ke == nullptr || nonce == nullptr || id == nullptr || !proof) {
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
  sa.g_xr = ke->data;
  sa.nonce_r = nonce->data;
  NoteVendorIds(sa, m.payloads);
  CheckNatD(sa, m.payloads);
  if (!DerivePhase1(sa, ke->data, now)) return;
  const V1IdPayload& peer_id = *id->As<V1IdPayload>();
  PeerProof checked = CheckPeerProof(sa, V1Side::kResponder,
                                     IdPayload{static_cast<IdType>(peer_id.id_type), peer_id.data},
                                     id->raw_body(), m.payloads);
  if (!checked.ok()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(checked.failure), now, checked.notify);
    return;
  }
  if (std::string bad = CheckPeerId(sa, peer_id); !bad.empty()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(bad), now);
    return;
  }
  if ((sa.nat_local || sa.nat_remote) && !sa.natt) {
    //= https://www.rfc-editor.org/rfc/rfc3947#section-4
    //# In Aggressive Mode, the initiator MUST change ports when sending the ID payload if
    //# there is a NAT between the hosts.
    sa.natt = true;
    sa.local.port = kNatTPort;
    sa.remote.port = kNatTPort;
  }
  std::vector<V1Payload> out;
  if (absl::Status s = AddOurProof(sa, V1Side::kInitiator, sa.id_i_body, out); !s.ok()) {
    Phase1Failed(sa, IkeEventKind::kNegotiationFailed, StrCat("HASH_I / SIG_I: ", s.message()),
                 now);
    return;
  }
  AddNatD(sa, out);
  absl::StatusOr<std::vector<uint8_t>> datagram = Seal(sa, V1Exchange::kAggressive, 0, out);
  if (!datagram.ok()) return;
  Send(sa, sa.flight, *std::move(datagram), /*wait=*/false, now);
  Phase1Done(sa, peer_id, m.payloads, now);
}

void Ikev1Manager::RespondAm1(const V1Message& m, std::span<const uint8_t> raw,
                              const IkeEndpoint& local, const IkeEndpoint& remote, bool natt_port,
                              MonoTime now) {
  const IkePeerConfig* peer = ResponderPeer(local, remote);
  const V1Payload* sa_payload = FindPayload(m.payloads, V1PayloadType::kSa);
  const V1SaPayload* offered = sa_payload != nullptr ? sa_payload->As<V1SaPayload>() : nullptr;
  const V1KePayload* ke = FindV1<V1KePayload>(m.payloads, V1PayloadType::kKe);
  const V1NoncePayload* nonce = FindV1<V1NoncePayload>(m.payloads, V1PayloadType::kNonce);
  const V1Payload* id = FindPayload(m.payloads, V1PayloadType::kId);
  if (peer == nullptr || sa_payload == nullptr || offered == nullptr || ke == nullptr ||
      nonce == nullptr || id == nullptr || m.header.exchange != V1Exchange::kAggressive) {
    ++stats_.dropped;
    return;
  }
  if (!peer->aggressive) {
    // Answering Aggressive Mode hands out a hash of the key: only where it is configured. The
    // refusal (a small unprotected notify, no state kept) tells the initiator at once.
    const std::string why = "Aggressive Mode offered, ike-mode is main";
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", why));
    V1Sa probe;
    probe.peer = peer->id;
    probe.remote = remote;
    probe.cky_i = m.header.icookie;
    Emit(IkeEventKind::kNegotiationFailed, probe, why, now);
    SendPlainNotify(local, remote, natt_port, m.header.icookie, 0, V1NotifyType::kNoProposalChosen);
    return;
  }
  if (!AdmitNewPhase1(remote, now)) return;
  auto owned = std::make_unique<V1Sa>();
  V1Sa& sa = *owned;
  sa.peer = peer->id;
  sa.initiator = false;
  sa.aggressive = true;
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
  const V1IdPayload& peer_id = *id->As<V1IdPayload>();
  std::string bad = !chosen.ok() ? std::string(chosen.status().message()) : "";
  if (bad.empty()) bad = Phase1AuthProblem(*peer);
  if (!bad.empty()) {
    LogLine(LogLevel::kWarning, StrCat("IKEv1: ", peer->name, ": ", bad));
    Emit(IkeEventKind::kNegotiationFailed, sa, bad, now);
    SendPlainNotify(local, remote, natt_port, sa.cky_i, 0, V1NotifyType::kNoProposalChosen);
    return;
  }
  if (std::string wrong = CheckPeerId(sa, peer_id); !wrong.empty()) {
    ++stats_.auth_failures;
    Emit(IkeEventKind::kAuthFailed, sa, wrong, now);
    SendPlainNotify(local, remote, natt_port, sa.cky_i, 0, V1NotifyType::kInvalidIdInformation);
    return;
  }
  sa.negotiated = *chosen;
  absl::StatusOr<std::unique_ptr<crypto::DhKeyPair>> dh =
      crypto_.NewDhKeyPair(sa.negotiated.dh_group);
  if (!dh.ok()) return;
  sa.dh = *std::move(dh);
  sa.g_xi = ke->data;
  sa.g_xr = sa.dh->public_value();
  sa.nonce_i = nonce->data;
  sa.nonce_r.assign(kV1NonceSize, 0);
  host_->RandomBytes(sa.nonce_r);
  const std::span<const uint8_t> sa_body = sa_payload->raw_body();
  const std::span<const uint8_t> peer_id_body = id->raw_body();
  sa.sa_i_body.assign(sa_body.begin(), sa_body.end());
  sa.id_i_body.assign(peer_id_body.begin(), peer_id_body.end());
  sa.peer_id = IdPayload{static_cast<IdType>(peer_id.id_type), peer_id.data};
  NoteVendorIds(sa, m.payloads);
  sa.state = Phase1State::kAm2Sent;
  sa.half_open_expiry = now + options_.half_open_timeout;
  V1Sa& ref = sa;
  AddSa(std::move(owned));
  if (!DerivePhase1(ref, ke->data, now)) return;
  std::vector<V1Payload> out;
  out.push_back(V1Payload::Make(V1PayloadType::kSa, std::move(reply)));
  out.push_back(V1Payload::Make(V1PayloadType::kKe, V1KePayload{ref.g_xr}));
  out.push_back(V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{ref.nonce_r}));
  out.push_back(V1Payload::Make(V1PayloadType::kId, OurId(*peer)));
  absl::StatusOr<std::vector<uint8_t>> id_body = V1PayloadBodyBytes(out[3]);
  if (!id_body.ok()) return;
  if (absl::Status s = AddOurProof(ref, V1Side::kResponder, *id_body, out); !s.ok()) {
    Phase1Failed(ref, IkeEventKind::kNegotiationFailed, StrCat("HASH_R / SIG_R: ", s.message()),
                 now);
    return;
  }
  AddCertRequest(*peer, out);
  AddNatD(ref, out);
  for (V1Payload& v : OurVendorIds()) out.push_back(std::move(v));
  absl::StatusOr<std::vector<uint8_t>> datagram =
      SerializeV1Message(HeaderFor(ref, V1Exchange::kAggressive, 0), out);
  if (!datagram.ok()) return;
  half_open_[{ref.cky_i, remote.address}] = ref.cky_r;
  responders_[{ref.cky_i, remote.address}] = ref.cky_r;
  ref.first_remote = remote.address;
  ref.flight.last_received.assign(raw.begin(), raw.end());
  // Message 3 is the initiator's last: nothing would make it send message 3 again but our
  // message 2, so we repeat it until message 3 comes.
  Send(ref, ref.flight, *std::move(datagram), /*wait=*/true, now);
}

void Ikev1Manager::ProcessAm3(V1Sa& sa, const V1Opened& in, MonoTime now) {
  if (FindPayload(in.payloads, V1PayloadType::kHash) == nullptr &&
      FindPayload(in.payloads, V1PayloadType::kSig) == nullptr) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, "message 3 without HASH or SIG", now);
    return;
  }
  PeerProof checked = CheckPeerProof(sa, V1Side::kInitiator, sa.peer_id, sa.id_i_body, in.payloads);
  if (!checked.ok()) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed, std::move(checked.failure), now, checked.notify);
    return;
  }
  CheckNatD(sa, in.payloads);
  if (!in.last_block.empty()) (void)sa.protector->Accept(in);
  V1IdPayload peer_id;
  peer_id.id_type = static_cast<V1IdType>(sa.peer_id.type);
  peer_id.data = sa.peer_id.data;
  Phase1Done(sa, peer_id, in.payloads, now);
}

}  // namespace tunnelisa::ike::v1
