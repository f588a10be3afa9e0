// File: ike/v2/peer_config.h
//
// IkePeerConfig: what one configured IKE peer (a dynamic-keying ipsec-tunnel) asks of IKE,
// in IKE's own terms. The engine maps the SR OS-style model (ike-policy, ipsec-transforms,
// security-policy, dpd, tunnel-group flags) into it, so this layer never parses configuration.
#ifndef TUNNELISA_SRC_IKE_V2_PEER_CONFIG_H_
#define TUNNELISA_SRC_IKE_V2_PEER_CONFIG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ike/auth/address_assigner.h"
#include "ike/auth/authenticator.h"
#include "ike/auth/eap_client.h"
#include "ike/auth/eap_relay.h"
#include "ike/auth/xauth_verifier.h"
#include "ike/codec/id_payload.h"
#include "ike/negotiation/policy.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"

namespace tunnelisa::ike {

// DpdPolicy: the guide's `dpd [interval S] [max-retries N] [reply-only]`. Without reply-only a
// liveness check (empty INFORMATIONAL) goes out after `interval` without anything received
// from the peer, and is retried every `interval` up to `max_retries` times; then the peer is
// declared dead and its SAs are removed. With reply-only we only answer.
struct DpdPolicy {
  Duration interval = Duration::Seconds(30);
  uint32_t max_retries = 3;
  bool reply_only = false;
  bool operator==(const DpdPolicy&) const = default;
};

// XauthLogin: what an IKEv1 remote-access client answers a gateway's XAUTH request with.
struct XauthLogin {
  std::string user;
  std::shared_ptr<const SecretBytes> password;  // never null in a configured login
  bool operator==(const XauthLogin& o) const;
};

struct IkePeerConfig {
  uint64_t id = 0;   // the embedder's key for this peer (stable while configured)
  std::string name;  // for logs and events: "ipsec-tunnel 200/to-b"
  uint32_t service = 0;
  IpAddress local;   // our gateway address
  IpAddress remote;  // the peer's address
  uint16_t remote_port = 500;
  IkeAuthConfig auth;  // how we prove ourselves and check the peer (PskAuthenticator::Both)
  IdPayload local_id;
  std::optional<IdPayload> remote_id;  // nullopt: any ID (the authenticator checks the peer)
  IkeCryptoPolicy ike;
  std::vector<ChildTransformPolicy> child;  // 1..4, preference order
  std::vector<IpPrefix> local_ts;           // empty: any
  std::vector<IpPrefix> remote_ts;          // empty: any
  Duration ike_lifetime = Duration::Seconds(86400);
  Duration child_lifetime = Duration::Seconds(3600);
  // child_lifetime_bytes: hard limit on payload bytes per CHILD SA direction (0: none); the
  // data plane raises the soft event at 90 %, which starts a rekey.
  uint64_t child_lifetime_bytes = 0;
  std::optional<DpdPolicy> dpd;
  bool auto_establish = false;
  bool responder_only = false;  // the tunnel group's ipsec-responder-only
  // ike_version: the ike-policy's `ike-version`: 2 (IkeManager) or 1 (v1::Ikev1Manager);
  // aggressive: IKEv1's `ike-mode aggressive` (else main mode).
  uint8_t ike_version = 2;
  bool aggressive = false;
  // address_assigner: remote-access address assignment of an ipsec-gw (its
  // local-address-assignment pool, later RADIUS); null: none, the peer is a LAN-to-LAN peer
  // and a CP request gets no address. Shared: every IKE SA holding a lease keeps the assigner
  // alive until it releases the lease, even across a reconfiguration that replaced it.
  std::shared_ptr<ClientAddressAssigner> address_assigner;
  // request_address: as initiator, ask the responder for an inner address (CP(CFG_REQUEST)
  // with INTERNAL_IP4_ADDRESS and INTERNAL_IP4_DNS; a remote-access client). The address
  // granted becomes the CHILD SA's local traffic selector.
  bool request_address = false;
  // IKEv1 remote access (draft-beaulieu-ike-xauth-02, draft-dukes-ike-mode-cfg), either side:
  // xauth_verifier: we are an ipsec-gw whose clients authenticate with the pre-shared key and
  // then XAUTH (auth-method plain-psk-xauth): phase 1 accepts only XAUTHInitPreShared, the
  // gateway asks for a user name and password once phase 1 is up and hands them to the
  // verifier; no Quick Mode until it accepted them. Shared like address_assigner: an ISAKMP
  // SA whose check is in flight keeps the verifier it started it on (to cancel it).
  std::shared_ptr<XauthVerifier> xauth_verifier;
  // xauth_login: we are the client: offer XAUTHInitPreShared and answer the gateway's XAUTH
  // request with this user and password; with request_address, Mode Config then asks for the
  // inner address, which becomes the local selector of our Quick Modes.
  std::optional<XauthLogin> xauth_login;
  // EAP (RFC 7296 2.16). eap_relay: as responder (an ipsec-gw whose auth-method is eap), a
  // client that leaves AUTH out of its first IKE_AUTH request is authenticated by EAP through
  // this relay (null: EAP is refused); `auth.own` proves us in the first response; `auth.peer`
  // may be null (no other way in). eap_client: as initiator, we leave AUTH out and answer the
  // gateway's EAP requests as this user (nullopt: we authenticate with `auth.own`).
  std::shared_ptr<EapRelay> eap_relay;
  std::optional<EapCredentials> eap_client;
  // eap_relay_timeout: how long one relayed EAP-Response may wait for its answer (then the
  // client gets EAP-Failure); zero: IkeOptions::auth_timeout. The engine sets what its RADIUS
  // policy may take (every server's tries), so a failover is not cut short.
  Duration eap_relay_timeout;

  // SameAs: everything but `id` is equal (a changed peer: auto-establish is looked at again).
  bool SameAs(const IkePeerConfig& o) const;
  // SamePath: the same gateway addresses. While a peer stays configured, only a change of
  // these ends its SAs (IkeManager::SetPeers, set_peers.cc says why).
  bool SamePath(const IkePeerConfig& o) const;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_V2_PEER_CONFIG_H_
