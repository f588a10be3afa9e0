// IKEv1 informational exchanges (RFC 2408 4.8, RFC 2409 5.7): Delete of ISAKMP and IPsec SAs,
// notifications, INITIAL-CONTACT (RFC 2407 4.6.3.3), DPD's R-U-THERE / R-U-THERE-ACK
// (RFC 3706), and what happens to IPsec SAs when phase 1 is renegotiated.
//
// Every informational message after phase 1 is one encrypted message under its own random
// message ID: HDR*, HASH(1), N/D, with HASH(1) = prf(SKEYID_a, M-ID | N/D). Nothing answers it
// (except R-U-THERE, with an R-U-THERE-ACK in another informational exchange), so it is sent
// once; lost Deletes are made up for by lifetimes and DPD.
#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/v1/exchange_util.h"
#include "ike/v1/ikev1_manager.h"

namespace tunnelisa::ike::v1 {
namespace {

uint32_t Be32(std::span<const uint8_t> b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

void Ikev1Manager::SendInformational(V1Sa& sa, std::vector<V1Payload> payloads) {
  if (sa.protector == nullptr || !sa.keys) return;
  const uint32_t mid = NewMessageId(sa);
  //= https://www.rfc-editor.org/rfc/rfc2409#section-5.7
  //# HASH(1) = prf(SKEYID_a, M-ID | N/D)
  absl::StatusOr<std::vector<V1Payload>> message = WithHash1(sa, mid, std::move(payloads));
  if (!message.ok()) return;
  absl::StatusOr<std::vector<uint8_t>> datagram =
      Seal(sa, V1Exchange::kInformational, mid, *message);
  sa.protector->ivs().Forget(mid);
  if (datagram.ok()) SendRaw(sa.local, sa.remote, sa.natt, *datagram);
}

void Ikev1Manager::SendDeleteIsakmp(V1Sa& sa) {
  V1DeletePayload d;
  d.protocol = V1ProtocolId::kIsakmp;
  d.spi_size = 16;
  d.spis.push_back(CookieBytes(sa.cky_i, sa.cky_r));
  SendInformational(sa, {V1Payload::Make(V1PayloadType::kDelete, std::move(d))});
}

void Ikev1Manager::SendDeleteChild(V1Sa& sa, uint32_t inbound_spi) {
  //= https://www.rfc-editor.org/rfc/rfc2408#section-3.15
  //# The Delete Payload, payload type 12, contains a protocol-specific security association
  //# identifier that the sender has removed from its security association database and is,
  //# therefore, no longer valid.
  // The SPI we receive on, as the peer sends it (what IKEv2 does too).
  V1DeletePayload d;
  d.protocol = V1ProtocolId::kIpsecEsp;
  d.spi_size = 4;
  d.spis.push_back({static_cast<uint8_t>(inbound_spi >> 24),
                    static_cast<uint8_t>(inbound_spi >> 16), static_cast<uint8_t>(inbound_spi >> 8),
                    static_cast<uint8_t>(inbound_spi)});
  SendInformational(sa, {V1Payload::Make(V1PayloadType::kDelete, std::move(d))});
}

void Ikev1Manager::SendDpd(V1Sa& sa, bool ack, uint32_t seq) {
  //= https://www.rfc-editor.org/rfc/rfc3706#section-5.1
  //# The Notification Payload has a Notify Message Type of R-U-THERE (36136) ...
  V1NotifyPayload n;
  n.protocol = V1ProtocolId::kIsakmp;
  n.type = ack ? V1NotifyType::kRUThereAck : V1NotifyType::kRUThere;
  n.spi = CookieBytes(sa.cky_i, sa.cky_r);
  n.data = {static_cast<uint8_t>(seq >> 24), static_cast<uint8_t>(seq >> 16),
            static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
  SendInformational(sa, {V1Payload::Make(V1PayloadType::kNotify, std::move(n))});
}

void Ikev1Manager::HandleInformational(V1Sa& sa, const V1Opened& in, MonoTime now) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const std::string name = peer != nullptr ? peer->name : std::string("?");
  for (size_t k = 1; k < in.payloads.size(); ++k) {
    const V1Payload& p = in.payloads[k];
    if (const V1DeletePayload* d = p.As<V1DeletePayload>()) {
      if (d->protocol == V1ProtocolId::kIsakmp) {
        for (const std::vector<uint8_t>& spi : d->spis) {
          if (spi != CookieBytes(sa.cky_i, sa.cky_r)) continue;
          LogLine(LogLevel::kInfo, StrCat("IKEv1: ", name, ": the peer deleted the ISAKMP SA"));
          // IKEv1 lets IPsec SAs outlive their ISAKMP SA, but with none left to rekey or
          // delete them they would end silently at their lifetime; a renegotiated phase 1
          // has adopted them already (AdoptChildren), so those that remain go with it, as
          // strongSwan's do.
          RemoveSa(sa, "deleted by the peer", now);
          return;
        }
      } else if (d->protocol == V1ProtocolId::kIpsecEsp && d->spi_size == 4) {
        for (const std::vector<uint8_t>& spi : d->spis) {
          const uint32_t outbound = Be32(spi);
          for (size_t j = 0; j < sa.children.size(); ++j) {
            if (sa.children[j].outbound_spi != outbound) continue;
            LogLine(LogLevel::kInfo,
                    absl::StrFormat("IKEv1: %s: the peer deleted IPsec SA %08x", name, outbound));
            RemoveChild(sa, sa.children[j], now, "deleted by the peer");
            break;
          }
        }
      }
      continue;
    }
    const V1NotifyPayload* n = p.As<V1NotifyPayload>();
    if (n == nullptr) continue;
    switch (n->type) {
      case V1NotifyType::kRUThere:
        if (n->data.size() == 4) SendDpd(sa, /*ack=*/true, Be32(n->data));
        break;
      case V1NotifyType::kRUThereAck:
        //= https://www.rfc-editor.org/rfc/rfc3706#section-5.3
        //# If the receiver of a R-U-THERE-ACK receives a sequence number that does not match
        //# the one it sent, it SHOULD discard the message.
        if (n->data.size() == 4 && Be32(n->data) == sa.dpd_seq) {
          sa.dpd_outstanding = false;
          sa.dpd_misses = 0;
        }
        break;
      case V1NotifyType::kInitialContact:
        HonourInitialContact(sa, now);
        break;
      default:
        LogLine(LogLevel::kInfo,
                StrCat("IKEv1: ", name, ": the peer says ", V1NotifyTypeName(n->type)));
        break;
    }
  }
}

void Ikev1Manager::HandlePlainInformational(const V1Message& m, const IkeEndpoint& remote,
                                            MonoTime now) {
  // Unprotected notifications count only where they cannot hurt: a phase 1 we are running as
  // initiator from this peer's address, with our cookie, refused before keys existed (or,
  // after, with keys that never matched).
  const V1NotifyPayload* n = m.FindNotify(V1NotifyType::kNoProposalChosen);
  if (n == nullptr) n = m.FindNotify(V1NotifyType::kAuthenticationFailed);
  if (n == nullptr) n = m.FindNotify(V1NotifyType::kInvalidIdInformation);
  if (n == nullptr) n = m.FindNotify(V1NotifyType::kInvalidSignature);  // signatures
  if (n == nullptr) n = m.FindNotify(V1NotifyType::kPayloadMalformed);
  auto it = sas_.find(m.header.icookie);
  if (n == nullptr || it == sas_.end() || !it->second->initiator ||
      it->second->remote.address != remote.address) {
    ++stats_.dropped;
    return;
  }
  V1Sa& sa = *it->second;
  Touch(sa);
  if (sa.state != Phase1State::kMm1Sent && sa.state != Phase1State::kMm3Sent &&
      sa.state != Phase1State::kMm5Sent && sa.state != Phase1State::kAm1Sent) {
    ++stats_.dropped;
    return;
  }
  const bool auth = n->type == V1NotifyType::kAuthenticationFailed ||
                    n->type == V1NotifyType::kInvalidIdInformation ||
                    n->type == V1NotifyType::kInvalidSignature;
  if (auth) ++stats_.auth_failures;
  const std::string detail = StrCat("the peer refused phase 1: ", V1NotifyTypeName(n->type));
  Emit(auth ? IkeEventKind::kAuthFailed : IkeEventKind::kNegotiationFailed, sa, detail, now);
  RemoveSa(sa, detail, now);
}

void Ikev1Manager::HandleMm5Refusal(V1Sa& sa, uint32_t message_id, std::span<const uint8_t> raw,
                                    MonoTime now) {
  // A responder that cannot take message 5 may say so under its phase 1 keys: strongSwan 5.9.8
  // answers a message 5 it cannot decrypt with HASH(1), N(PAYLOAD-MALFORMED). Under keys that
  // are not ours, it does not open or its HASH(1) does not verify: as the responder concludes
  // from a message 5 that does not decrypt, the pre-shared keys differ. (Otherwise we would
  // repeat message 5 into nothing until the retransmissions give up.)
  absl::StatusOr<V1Opened> in = sa.protector->Open(raw);
  const bool verified = in.ok() && VerifyHash1(sa, *in);
  sa.protector->ivs().Forget(message_id);
  if (!verified) {
    Phase1Failed(sa, IkeEventKind::kAuthFailed,
                 "the peer's answer to message 5 does not decrypt: pre-shared keys differ", now);
    return;
  }
  for (size_t k = 1; k < in->payloads.size(); ++k) {
    const V1NotifyPayload* n = in->payloads[k].As<V1NotifyPayload>();
    // RFC 2408 3.14.1: error types are 1 to 16383 (status types, INITIAL-CONTACT..., above).
    if (n == nullptr || static_cast<uint16_t>(n->type) >= 16384) continue;
    const bool auth = n->type == V1NotifyType::kAuthenticationFailed ||
                      n->type == V1NotifyType::kInvalidIdInformation ||
                      n->type == V1NotifyType::kInvalidHashInformation;
    Phase1Failed(sa, auth ? IkeEventKind::kAuthFailed : IkeEventKind::kNegotiationFailed,
                 StrCat("the peer refused phase 1: ", V1NotifyTypeName(n->type)), now);
    return;
  }
  ++stats_.dropped;
}

bool Ikev1Manager::MaySendInitialContact(const V1Sa& sa) const {
  for (uint64_t cookie : SasOf(sa.peer)) {
    const V1Sa& other = *sas_.at(cookie);
    if (&other != &sa && other.state != Phase1State::kDead) return false;
  }
  return true;
}

void Ikev1Manager::HonourInitialContact(V1Sa& fresh, MonoTime now) {
  //= https://www.rfc-editor.org/rfc/rfc2407#section-4.6.3.3
  //# The INITIAL-CONTACT status message may be used when one side wishes to inform the other
  //# that this is the first SA being established with the remote system.  The receiver of
  //# this Notification Message might then elect to delete any existing SA's it has for the
  //# sending system under the assumption that the sending system has rebooted and no longer
  //# has access to the original SA's and their associated keying material.
  // (A copy of the candidates: RemoveSa leaves the indexes alone until Purge, but stay safe.)
  const absl::btree_set<uint64_t> candidates = SameClientCandidates(fresh);
  for (uint64_t cookie : candidates) {
    auto it = sas_.find(cookie);
    if (it == sas_.end()) continue;
    V1Sa* other = it->second.get();
    if (other == &fresh || other->state == Phase1State::kDead || !SameClient(*other, fresh)) {
      continue;
    }
    RemoveSa(*other, "the peer restarted (INITIAL-CONTACT)", now);
  }
}

bool Ikev1Manager::AdoptChildren(V1Sa& fresh, MonoTime now) {
  bool renewed = false;
  const absl::btree_set<uint64_t> candidates = SameClientCandidates(fresh);  // Emit may call out
  for (uint64_t cookie : candidates) {
    auto it = sas_.find(cookie);
    if (it == sas_.end()) continue;
    V1Sa* other = it->second.get();
    if (other == &fresh || other->state != Phase1State::kEstablished ||
        !SameClient(*other, fresh) || !other->announced) {
      continue;
    }
    // The newer ISAKMP SA carries on: it rekeys and deletes the IPsec SAs from now on, the
    // old one stays until the peer's Delete or, a little later, ours (OnTimer). Not at once
    // even when we made the new one: the peer moves its IPsec SAs to the new ISAKMP SA on
    // its own time (strongSwan 5.9.8 in a job queued when it sends message 6), and an ISAKMP
    // SA deleted before that takes its IPsec SAs with it there.
    for (ChildSa& child : other->children) {
      child_spis_[child.inbound_spi] = fresh.our_cookie();
      fresh.children.push_back(std::move(child));
    }
    other->children.clear();
    // A remote-access client keeps its address across the renewal.
    V1RemoteAccess& from = other->remote_access;
    if (from.lease && !fresh.remote_access.lease) {
      fresh.remote_access.lease = std::move(from.lease);
      fresh.remote_access.lease_owner = std::move(from.lease_owner);
    }
    from.lease.reset();
    from.lease_owner.reset();
    if (from.inner && !fresh.remote_access.inner) fresh.remote_access.inner = from.inner;
    other->state = Phase1State::kRekeyed;
    if (!renewed) {
      Emit(IkeEventKind::kIkeRekeyed, fresh, fresh.negotiated.Describe(), now, nullptr, other);
    }
    renewed = true;
    other->expire_at = std::min(other->expire_at, now + options_.rekeyed_child_linger);
    Touch(*other);  // its expiry came forward
  }
  return renewed;
}

}  // namespace tunnelisa::ike::v1
