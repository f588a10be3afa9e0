// INFORMATIONAL exchanges (RFC 7296 1.4, 2.4, 2.21.2, 2.25): Delete of IKE and CHILD SAs in both
// roles, liveness checks (DPD), and AUTHENTICATION_FAILED after IKE_AUTH in both roles.
#include "common/str_cat.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {

void IkeManager::SendOnce(IkeSa& sa, const std::vector<Payload>& payloads) {
  Header h;
  h.initiator_spi = sa.spi_i;
  h.responder_spi = sa.spi_r;
  h.exchange_type = static_cast<uint8_t>(ExchangeType::kInformational);
  h.flags = sa.initiator ? kFlagInitiator : 0;
  h.message_id = sa.next_message_id++;
  SendDatagrams(sa, Protect(sa, h, payloads));
}

void IkeManager::SendAuthFailed(IkeSa& sa) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.21.2
  //# If the error occurs on the initiator, the notification MAY be returned in a separate
  //# INFORMATIONAL exchange, usually with no other payloads.
  // The responder installed its IKE SA and CHILD SA when it answered; without this it keeps
  // them (strongSwan deletes its IKE SA on this notify, and so does RespondInformational).
  SendOnce(sa, {Payload::Make(PayloadType::kNotify,
                              NotifyPayload::Of(NotifyType::kAuthenticationFailed))});
}

void IkeManager::SendDeleteIke(IkeSa& sa, MonoTime now, bool wait_for_reply) {
  std::vector<Payload> out;
  out.push_back(Payload::Make(PayloadType::kDelete, DeletePayload{ProtocolId::kIke, {}}));
  if (!wait_for_reply) {
    // Best effort (shutdown, lifetime expiry, configuration change): sent once.
    SendOnce(sa, out);
    return;
  }
  if (sa.redundant_to != 0) {
    // A rekey that finished while this Delete waited may have moved the tunnel's traffic
    // back onto this IKE SA's new CHILD SA: move it to the IKE SA kept once more.
    if (IkeSa* kept = KeptInsteadOf(sa)) HandOverTraffic(sa, *kept);
  }
  if (sa.state == IkeState::kEstablished) sa.state = IkeState::kDeleting;
  SendRequest(sa, RequestKind::kDeleteIke, ExchangeType::kInformational, std::move(out), now, {});
}

void IkeManager::SendDeleteChild(IkeSa& sa, uint32_t child_spi, MonoTime now) {
  ChildSa* c = FindChild(sa, child_spi);
  if (c == nullptr) return;
  if (c->state == ChildState::kInstalled) c->state = ChildState::kDeleting;
  OutstandingRequest ctx;
  ctx.child_spi = child_spi;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-1.4.1
  //# To delete an SA, an INFORMATIONAL exchange with one or more Delete payloads is sent
  //# listing the SPIs (as they would be expected in the headers of inbound packets) of the
  //# SAs to be deleted.
  std::vector<Payload> out;
  out.push_back(Payload::Make(PayloadType::kDelete, DeletePayload{ProtocolId::kEsp, {child_spi}}));
  SendRequest(sa, RequestKind::kDeleteChild, ExchangeType::kInformational, std::move(out), now,
              std::move(ctx));
}

void IkeManager::SendLiveness(IkeSa& sa, MonoTime now) {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-1
  //# An INFORMATIONAL request with no payloads (other than the empty Encrypted payload required
  //# by the syntax) is commonly used as a check for liveness.
  ++sa.liveness_misses;
  SendRequest(sa, RequestKind::kLiveness, ExchangeType::kInformational, {}, now, {});
}

void IkeManager::RespondInformational(IkeSa& sa, const Received& in, MonoTime now) {
  const Header& h = in.message.header;
  std::vector<uint32_t> deleted;
  bool delete_ike = false;
  bool auth_refused = false;
  for (const Payload& p : in.inner) {
    if (const DeletePayload* d = p.As<DeletePayload>()) {
      if (d->protocol == ProtocolId::kIke) delete_ike = true;
      if (d->protocol != ProtocolId::kEsp) continue;
      for (uint32_t spi : d->spis) {
        // The peer names its inbound SA, which is our outbound one.
        ChildSa* c = FindChildByOutbound(sa, spi);
        if (c == nullptr) continue;
        //= https://www.rfc-editor.org/rfc/rfc7296#section-1.4.1
        //# If, by chance, both ends of a set of SAs independently decide to close them, each
        //# may send a Delete payload and the two requests may cross in the network.  If a node
        //# receives a delete request for SAs for which it has already issued a delete request,
        //# it MUST delete the outgoing SAs while processing the request and the incoming SAs
        //# while processing the response.
        if (c->state != ChildState::kDeleting) deleted.push_back(c->inbound_spi);
        if (c->state == ChildState::kRekeyed) {
          // Replaced already: its successor carries our traffic from now on, and its inbound SA
          // takes what the peer sent on it before the Delete for a little longer
          // (IkeOptions::deleted_inbound_grace); the timers remove it, without a Delete of ours.
          ActivateSuccessor(sa, *c);
          c->expire_at = std::min(c->expire_at, now + options_.deleted_inbound_grace);
          continue;
        }
        RemoveChild(sa, *c, now);
      }
    } else if (const NotifyPayload* n = p.As<NotifyPayload>()) {
      if (n->type == NotifyType::kAuthenticationFailed) {
        auth_refused = true;
      } else if (n->is_error()) {
        LogLine(LogLevel::kWarning,
                StrCat("IKE: peer reports ", NotifyTypeName(n->type), " in INFORMATIONAL"));
      }
    }
  }
  if (auth_refused) {
    // The initiator refused our IKE_AUTH response (RFC 7296 2.21.2, the notify in a separate
    // INFORMATIONAL): the SAs we installed when we answered go, as at a delete of the IKE SA.
    SendResponse(sa, h, {});
    ++stats_.auth_failures;
    const std::string why = "peer refused our authentication (AUTHENTICATION_FAILED)";
    Emit(IkeEventKind::kAuthFailed, sa, why, now);
    RemoveSa(sa, StrCat("authentication failed: ", why), now);
    return;
  }
  if (delete_ike) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-1.4.1
    //# Deleting an IKE SA implicitly closes any remaining Child SAs negotiated under it.  The
    //# response to a request that deletes the IKE SA is an empty INFORMATIONAL response.
    SendResponse(sa, h, {});
    RemoveSa(sa,
             sa.state == IkeState::kRekeyed ? std::string("rekeyed")
             : sa.redundant_to != 0         ? RedundantReason(sa)
                                            : std::string("deleted by the peer"),
             now);
    return;
  }
  std::vector<Payload> out;
  if (!deleted.empty()) {
    out.push_back(Payload::Make(PayloadType::kDelete, DeletePayload{ProtocolId::kEsp, deleted}));
  }
  SendResponse(sa, h, std::move(out));
}

void IkeManager::ProcessInformationalResponse(IkeSa& sa, const Received& in, MonoTime now) {
  (void)in;
  switch (sa.request.kind) {
    case RequestKind::kDeleteIke:
      RemoveSa(sa,
               sa.state == IkeState::kRekeyed ? std::string("rekeyed")
               : sa.redundant_to != 0         ? RedundantReason(sa)
                                              : std::string("deleted"),
               now);
      break;
    case RequestKind::kDeleteChild:
      if (ChildSa* c = FindChild(sa, sa.request.child_spi)) RemoveChild(sa, *c, now);
      break;
    case RequestKind::kLiveness:
      sa.liveness_misses = 0;
      DeleteRedundantOf(sa, now);  // the peer holds `sa`: a duplicate of it may go now
      break;
    default:
      break;
  }
}

}  // namespace tunnelisa::ike
