// File: ike/v2/ike_sa.h
//
// IkeSa and ChildSa: the state of one IKE SA and its CHILD SAs, as plain data the exchange
// code (ike_sa_init.cc, ike_auth.cc, create_child.cc, informational.cc) and the IkeManager
// work on. Internal to src/ike.
//
// Message IDs (RFC 7296 2.3): we keep a window of one in each direction: one request of ours
// outstanding at a time (later work waits in `queue`), and the peer's requests answered in
// order with the last response cached for retransmitted requests.
#ifndef TUNNELISA_SRC_IKE_V2_IKE_SA_H_
#define TUNNELISA_SRC_IKE_V2_IKE_SA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ike_crypto.h"
#include "crypto/ike_keymat.h"
#include "ike/auth/eap_client.h"
#include "ike/auth/eap_relay.h"
#include "ike/codec/constants.h"
#include "ike/codec/header.h"
#include "ike/codec/id_payload.h"
#include "ike/codec/payload.h"
#include "ike/codec/sa_payload.h"
#include "ike/codec/ts_payload.h"
#include "ike/negotiation/proposals.h"
#include "ike/protect/fragments.h"
#include "ike/protect/sk_protection.h"
#include "ike/v2/ike_host.h"
#include "ike/v2/peer_config.h"

namespace tunnelisa::ike {

enum class ChildState : uint8_t {
  kInstalled,  // carrying traffic
  kRekeyed,    // replaced; its inbound SA stays until the peer deletes it or a timeout
  kDeleting,   // we sent a Delete
};

struct ChildSa {
  uint32_t inbound_spi = 0;
  uint32_t outbound_spi = 0;
  ChildSaPair sas;
  NegotiatedChild negotiated;
  std::vector<IpPrefix> local_ts;
  std::vector<IpPrefix> remote_ts;
  ChildState state = ChildState::kInstalled;
  MonoTime installed_at;
  MonoTime rekey_at = MonoTime::Infinite();   // soft lifetime by time
  MonoTime expire_at = MonoTime::Infinite();  // hard lifetime / removal of a rekeyed SA
  bool rekey_requested = false;               // soft limit reached, rekey queued or running
  // Make-before-break: a CHILD SA made by a rekey the peer started carries our outbound
  // traffic only once the peer deleted the old one (it has our new inbound SA by then) or
  // the old one lingered out; `active` says whether it does.
  bool active = true;
  uint32_t successor_spi = 0;  // kRekeyed: the CHILD SA that replaced this one
  // The smallest nonce of the exchange that created this CHILD SA: the tie-breaker for
  // simultaneous rekeys (RFC 7296 2.8.1).
  std::vector<uint8_t> min_nonce;
};

// PendingKind: the request of ours an exchange is waiting on.
enum class RequestKind : uint8_t {
  kNone,
  kIkeSaInit,
  kIkeAuth,
  kCreateChild,  // rekey of `rekey_child_spi` (or a new CHILD SA when 0)
  kRekeyIke,
  kDeleteChild,
  kDeleteIke,
  kLiveness,
};

// Work: something we want to ask the peer, queued while another request is outstanding.
struct Work {
  RequestKind kind = RequestKind::kNone;
  uint32_t child_spi = 0;  // kCreateChild (rekey) / kDeleteChild: our inbound SPI
};

// OutstandingRequest: our last request, kept for retransmission.
struct OutstandingRequest {
  RequestKind kind = RequestKind::kNone;
  uint32_t message_id = 0;
  std::vector<std::vector<uint8_t>> datagrams;  // one, or several SKF fragments
  int retransmits = 0;
  int max_retransmits = 0;
  Duration timeout;
  MonoTime next_send = MonoTime::Infinite();
  // CREATE_CHILD_SA context: what we proposed, to finish the exchange with the reply.
  uint32_t child_spi = 0;    // rekeyed CHILD SA (our inbound SPI), 0: none
  uint32_t new_spi = 0;      // our inbound SPI in the proposal
  uint64_t new_ike_spi = 0;  // IKE rekey: our SPI in the proposal
  std::vector<uint8_t> nonce;
  std::unique_ptr<crypto::DhKeyPair> dh;
  SaPayload offered;
  TsPayload offered_tsi, offered_tsr;
};

enum class IkeState : uint8_t {
  kInitSent,      // initiator: IKE_SA_INIT request out
  kInitReceived,  // responder: answered IKE_SA_INIT, waiting for IKE_AUTH
  kAuthSent,      // initiator: IKE_AUTH request out
  kEstablished,
  kRekeyed,   // replaced by a new IKE SA; only its Delete exchange remains
  kDeleting,  // our Delete is out
  kDead,      // to be removed by the manager
};

struct IkeSa {
  uint64_t peer = 0;       // IkePeerConfig::id
  bool initiator = false;  // our role in the exchange that created this IKE SA
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  uint64_t our_spi() const { return initiator ? spi_i : spi_r; }
  IkeState state = IkeState::kInitSent;

  IkeEndpoint local;
  IkeEndpoint remote;
  bool natt = false;                // talking on the NAT-T port (marker in front of every message)
  bool nat_local = false;           // we are behind a NAT (our NAT-D hash did not match)
  bool nat_remote = false;          // the peer is behind a NAT
  bool peer_fragmentation = false;  // IKEV2_FRAGMENTATION_SUPPORTED received
  // The peer's SIGNATURE_HASH_ALGORITHMS from IKE_SA_INIT (RFC 7427; empty: none sent).
  std::vector<uint16_t> peer_signature_hashes;

  // IKE_SA_INIT
  std::unique_ptr<crypto::DhKeyPair> dh;
  DhGroup dh_group = DhGroup::kModp2048;
  std::vector<uint8_t> nonce_i, nonce_r;
  std::vector<uint8_t> init_request;   // RealMessage1 (without any non-ESP marker)
  std::vector<uint8_t> init_response;  // RealMessage2
  std::vector<uint8_t> cookie;         // initiator: the responder's COOKIE to echo
  int init_attempts = 0;               // INVALID_KE / COOKIE restarts
  NegotiatedIke negotiated;
  crypto::IkeSaKeys keys;
  std::unique_ptr<SkProtector> protector;
  std::unique_ptr<FragmentCollector> fragments;

  // IKE_AUTH: the authenticated identities (ours as sent, the peer's as it proved it), set
  // once AUTH checks out; INITIAL_CONTACT compares them (RFC 7296 2.4).
  std::string peer_id_text;
  IdPayload local_id;
  IdPayload peer_id;
  // An IKE_AUTH suspended while the peer's authenticator works (AuthCheck::kPending): the
  // request's header and payloads (responder) or the response's payloads and our offer
  // (initiator), until IkeManager::CompleteAuth or `deadline`.
  struct PendingAuth {
    uint64_t ticket = 0;
    Header header;
    std::vector<Payload> inner;
    OutstandingRequest child;
    MonoTime deadline = MonoTime::Infinite();
  };
  std::optional<PendingAuth> pending_auth;

  // EAP (RFC 7296 2.16, ike_eap.cc), responder side: an ipsec-gw relaying the client's EAP to
  // its EapRelay. `first`: the payloads of the client's first IKE_AUTH request (SA, TS, CP,
  // notifies), answered only once EAP and the final AUTH succeeded. One Relay outstanding at a
  // time (`waiting`, until `deadline`); the client's request it answers is `waiting_header`.
  struct EapServerState {
    uint64_t conversation = 0;
    std::shared_ptr<EapRelay> relay;
    std::vector<Payload> first;
    IdPayload idi;
    std::string identity;    // from the client's EAP-Response/Identity
    uint8_t identifier = 0;  // of our outstanding EAP-Request
    uint32_t rounds = 0;
    bool waiting = false;
    Header waiting_header;
    MonoTime deadline = MonoTime::Infinite();
    bool succeeded = false;  // EAP-Success sent: the next request carries the final AUTH
    SecretBytes msk;         // empty: the method exported none (AUTH keyed with SK_pi/SK_pr)
    std::optional<IpAddress> framed_address;
  };
  std::unique_ptr<EapServerState> eap_server;
  // EAP, initiator side (a client with EapCredentials): the conversation, our first
  // request's CHILD SA offer (answered in the last response), where we are.
  struct EapClientState {
    std::unique_ptr<EapClient> client;
    OutstandingRequest child;
    bool responder_checked = false;  // the gateway's AUTH (message 4) checked out
    bool succeeded = false;          // EAP-Success received, our final AUTH sent
    uint32_t rounds = 0;
    SecretBytes msk;
  };
  std::unique_ptr<EapClientState> eap_client;
  // eap_identity: the user EAP authenticated (either role), for the session's log line.
  std::string eap_identity;

  // Remote access (RFC 7296 2.19, config_payload.cc). `address_lease`: as an ipsec-gw with an
  // address assigner, the inner address the client got through CP, with the assigner that
  // takes it back when the connection ends (RemoveSa); an IKE SA rekey moves it to the new
  // IKE SA. `assigned_address`: as a client (request_address), the address the gateway gave.
  struct AddressLease {
    ClientAddress address;
    std::shared_ptr<ClientAddressAssigner> owner;
  };
  std::optional<AddressLease> address_lease;
  std::optional<IpAddress> assigned_address;
  // inner_address: the remote-access address of this connection, either way (unset: none).
  std::optional<IpAddress> inner_address() const {
    if (address_lease) return address_lease->address.address;
    return assigned_address;
  }

  // Messages
  uint32_t next_message_id = 0;      // of our next request
  uint32_t expected_message_id = 0;  // of the peer's next request
  OutstandingRequest request;        // kind kNone: nothing outstanding
  // The work waiting for `request` to be answered (a few entries: Queue drops duplicates). A
  // vector, not a deque: an empty libstdc++ deque already holds two heap blocks (~600 octets),
  // which every one of many idle IKE SAs would carry (issue 14).
  std::vector<Work> queue;
  std::optional<uint32_t> cached_response_id;
  std::vector<std::vector<uint8_t>> cached_response;

  std::vector<ChildSa> children;

  // Timers
  MonoTime created;
  MonoTime established_at;
  MonoTime last_heard;  // anything authenticated from the peer
  MonoTime half_open_expiry = MonoTime::Infinite();
  MonoTime rekey_at = MonoTime::Infinite();        // IKE SA soft lifetime
  MonoTime expire_at = MonoTime::Infinite();       // IKE SA hard lifetime
  MonoTime next_keepalive = MonoTime::Infinite();  // NAT keepalive while behind a NAT
  uint32_t liveness_misses = 0;

  std::string down_reason;  // why it ended (events, session log)
  // Duplicates (duplicate_ike_sa.cc). initial_contact: INITIAL_CONTACT was sent or received in
  // this IKE SA's IKE_AUTH. redundant_to: our SPI of the IKE SA of the same tunnel kept instead
  // of this one (0: not redundant). awaiting_kept_check: we delete this one once the peer
  // answered our liveness check over that one.
  bool initial_contact = false;
  uint64_t redundant_to = 0;
  bool awaiting_kept_check = false;
  uint64_t rekeyed_into = 0;       // kRekeyed: our SPI of the IKE SA that replaced this one
  std::vector<uint8_t> min_nonce;  // IKE rekey collisions (RFC 7296 2.8.2)

  // Where IkeManager's indexes have this SA filed (ike_index.cc): its deadline (Infinite: not
  // in the deadline index), identity key and CHILD SPIs as of the last Reindex.
  struct Filed {
    MonoTime deadline = MonoTime::Infinite();
    std::string identity;
    bool identity_filed = false;
    std::vector<uint32_t> child_spis;
  };
  Filed filed;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_V2_IKE_SA_H_
