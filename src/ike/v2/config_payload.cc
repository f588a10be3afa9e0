// Remote access over IKEv2 (RFC 7296 2.19, 3.15): the configuration payload in IKE_AUTH. As an
// ipsec-gw with an address assigner we answer a client's CP(CFG_REQUEST) for
// INTERNAL_IP4_ADDRESS with an address from the ClientAddressAssigner (ike/auth/
// address_assigner.h) and narrow its CHILD SAs to that address; as a client (request_address)
// we ask for one and take what the gateway gives.
//
//   Client                                   Gateway
//   HDR, SK {IDi, AUTH, CP(CFG_REQUEST),
//            SAi2, TSi, TSr}            -->
//                                       <--  HDR, SK {IDr, AUTH, CP(CFG_REPLY),
//                                                     SAr2, TSi(assigned/32), TSr}
#include "absl/container/flat_hash_set.h"
#include "common/str_cat.h"
#include "ike/codec/cp_payload.h"
#include "ike/v2/exchange_util.h"
#include "ike/v2/ike_manager.h"

namespace tunnelisa::ike {
namespace {

const CpPayload* FindCp(const std::vector<Payload>& payloads, CfgType type) {
  const CpPayload* cp = FindBody<CpPayload>(payloads, PayloadType::kCp);
  return cp != nullptr && cp->cfg_type == type ? cp : nullptr;
}

const ConfigAttribute* FindAttribute(const CpPayload& cp, ConfigAttributeType type) {
  for (const ConfigAttribute& a : cp.attributes) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

}  // namespace

void IkeManager::AddAddressRequest(const IkePeerConfig& peer, std::vector<Payload>& out) const {
  if (!peer.request_address) return;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.15.1
  //# In a request message, the address specified is a requested address (or a zero-length
  //# address if no specific address is requested).
  CpPayload cp;
  cp.cfg_type = CfgType::kRequest;
  cp.attributes.push_back({ConfigAttributeType::kInternalIp4Address, {}});
  cp.attributes.push_back({ConfigAttributeType::kInternalIp4Dns, {}});
  out.push_back(Payload::Make(PayloadType::kCp, std::move(cp)));
}

bool IkeManager::AssignAddress(IkeSa& sa, const std::vector<Payload>& inner,
                               std::vector<Payload>& out, std::string* failure) {
  const IkePeerConfig* peer = Peer(sa.peer);
  const CpPayload* request = FindCp(inner, CfgType::kRequest);
  // Without an assigner (a LAN-to-LAN gateway) a CP request is ignored, as RFC 7296 3.15
  // allows a responder that does not support it: the peer gets no address and its own TS.
  if (peer == nullptr || peer->address_assigner == nullptr || request == nullptr) return true;
  const ConfigAttribute* want = FindAttribute(*request, ConfigAttributeType::kInternalIp4Address);
  if (want == nullptr) return true;  // asks for something else only (DNS, IPv6): nothing to do
  if (sa.address_lease) {
    // Only IKE_AUTH carries the request; a second one would be a retransmission we answer
    // from the cache, so this is defensive: keep the one lease.
    return true;
  }
  AddressRequest ask;
  ask.identity = sa.peer_id_text;
  // An EAP user's RADIUS Framed-IP-Address binds (as XAUTH's does).
  if (sa.eap_server != nullptr) ask.preassigned = sa.eap_server->framed_address;
  // A zero-length value, or 0.0.0.0 as some clients send, asks for any address.
  if (std::optional<IpAddress> a = want->address(); a && a->v4_host_order() != 0) {
    ask.requested = *a;
  }
  absl::StatusOr<ClientAddress> got = peer->address_assigner->Assign(ask);
  if (!got.ok()) {
    ++stats_.address_failures;
    *failure = StrCat("no inner address for ", sa.peer_id_text, ": ", got.status().message());
    LogLine(LogLevel::kWarning, StrCat("IKE: ", peer->name, ": ", *failure));
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.10.1
    //# INTERNAL_ADDRESS_FAILURE 36
    //# Indicates an error assigning an internal address (i.e., INTERNAL_IP4_ADDRESS or
    //# INTERNAL_IP6_ADDRESS) during the processing of a Configuration payload by a responder.
    //# If this error is generated within an IKE_AUTH exchange, no Child SA will be created.
    out.push_back(ErrorNotify(NotifyType::kInternalAddressFailure));
    return false;
  }
  ++stats_.addresses_assigned;
  sa.address_lease = IkeSa::AddressLease{*got, peer->address_assigner};
  CpPayload reply;
  reply.cfg_type = CfgType::kReply;
  reply.attributes.push_back(
      ConfigAttribute::Address(ConfigAttributeType::kInternalIp4Address, got->address));
  // No INTERNAL_IP4_NETMASK: the client's address is a host route into its tunnel, not a
  // link. RFC 7296 3.15.1 gives the netmask a link boundary meaning ("also implies a link
  // boundary"), which would tell the client the rest of the subnet is on-link.
  if (FindAttribute(*request, ConfigAttributeType::kInternalIp4Dns) != nullptr) {
    for (const IpAddress& dns : got->dns) {
      reply.attributes.push_back(
          ConfigAttribute::Address(ConfigAttributeType::kInternalIp4Dns, dns));
    }
  }
  out.push_back(Payload::Make(PayloadType::kCp, std::move(reply)));
  LogLine(LogLevel::kInfo, StrCat("IKE: ", peer->name, ": ", sa.peer_id_text,
                                  " gets inner address ", got->address.ToString()));
  return true;
}

bool IkeManager::TakeAssignedAddress(IkeSa& sa, const std::vector<Payload>& inner,
                                     std::string* why) {
  const IkePeerConfig* peer = Peer(sa.peer);
  if (peer == nullptr || !peer->request_address) return true;
  const CpPayload* reply = FindCp(inner, CfgType::kReply);
  const ConfigAttribute* a =
      reply != nullptr ? FindAttribute(*reply, ConfigAttributeType::kInternalIp4Address) : nullptr;
  std::optional<IpAddress> address = a != nullptr ? a->address() : std::nullopt;
  if (!address || !address->is_v4() || address->v4_host_order() == 0) {
    *why = reply == nullptr ? "the gateway sent no CP(CFG_REPLY)"
                            : "the gateway's CP(CFG_REPLY) has no INTERNAL_IP4_ADDRESS";
    return false;
  }
  sa.assigned_address = *address;
  LogLine(LogLevel::kInfo, StrCat("IKE: ", peer->name, ": the gateway assigned inner address ",
                                  address->ToString()));
  return true;
}

void IkeManager::ReleaseAddress(IkeSa& sa) {
  if (!sa.address_lease) return;
  sa.address_lease->owner->Release(sa.address_lease->address.lease);
  sa.address_lease.reset();
}

void IkeManager::MoveAddressLease(IkeSa& from, IkeSa& to) {
  if (from.address_lease && !to.address_lease) to.address_lease = std::move(from.address_lease);
  from.address_lease.reset();
  if (from.assigned_address && !to.assigned_address) to.assigned_address = from.assigned_address;
}

std::vector<IpPrefix> IkeManager::ChildRemoteTs(const IkeSa& sa, const IkePeerConfig& peer) const {
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.19
  //# TSi = (0, 0-65535,192.0.2.202-192.0.2.202)
  // (the RFC's example reply): the client's side of its CHILD SAs is its assigned address.
  if (sa.address_lease) return {IpPrefix::Make(sa.address_lease->address.address, 32)};
  return peer.remote_ts;
}

void IkeManager::RevokeAddressLeases(std::span<const uint64_t> leases, MonoTime now) {
  if (leases.empty()) return;
  Call call(this);
  absl::flat_hash_set<uint64_t> revoked(leases.begin(), leases.end());
  for (uint64_t spi : SpisInOrder()) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) continue;
    IkeSa* sa = it->second.get();
    if (sa->state == IkeState::kDead || !sa->address_lease ||
        !revoked.contains(sa->address_lease->address.lease)) {
      continue;
    }
    sa->address_lease.reset();  // the pool already took it back
    const std::string reason = "its inner address left the reconfigured address pool";
    if (sa->state == IkeState::kEstablished) {
      SendDeleteIke(*sa, now, /*wait_for_reply=*/false);
    }
    RemoveSa(*sa, reason, now);
  }
  Purge();
}

}  // namespace tunnelisa::ike
