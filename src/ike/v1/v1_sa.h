// File: ike/v1/v1_sa.h
//
// V1Sa: the state of one ISAKMP SA (IKEv1 phase 1, RFC 2409) and of the exchanges running
// under it (Quick Mode, informational), as plain data the IKEv1 exchange files (main_mode.cc,
// quick_mode.cc, v1_informational.cc) and Ikev1Manager work on. The IPsec SAs it negotiated
// are the same ChildSa records IKEv2 keeps (ike/v2/ike_sa.h). Internal to src/ike.
//
// IKEv1 has no request / response window: every exchange is a fixed sequence of messages in
// which each side, when it expects an answer, re-sends its last message on a timer, and
// answers a copy of the message it last received with its own last message again
// (V1Flight). A message is never encrypted twice: the IV chain of RFC 2409 Appendix B moves
// with each encryption, so a retransmission is the kept datagram, byte for byte.
#ifndef TUNNELISA_SRC_IKE_V1_V1_SA_H_
#define TUNNELISA_SRC_IKE_V1_V1_SA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ike/auth/address_assigner.h"
#include "ike/auth/xauth_verifier.h"
#include "ike/codec/v1/v1_payload.h"
#include "ike/v1/crypto/v1_keymat.h"
#include "ike/v1/crypto/v1_protector.h"
#include "ike/v2/ike_host.h"
#include "ike/v2/ike_sa.h"
#include "tunnelisa/ike_crypto.h"

namespace tunnelisa::ike::v1 {

// V1Flight: the retransmission state of one exchange: what we last sent, whether we wait for
// an answer to it, and the last datagram received that our last message answered (a copy of
// it means our answer was lost). A message we answer nothing to (the exchange's last) is not
// kept: answering copies of it with our previous message would make two peers repeat each
// other's messages for ever.
struct V1Flight {
  std::vector<uint8_t> last_sent;      // without any non-ESP marker
  std::vector<uint8_t> last_received;  // as received, to recognise retransmissions
  uint64_t sends = 0;                  // messages sent in this flight (answered or not)
  bool waiting = false;                // re-send last_sent on the timer
  int retransmits = 0;
  Duration timeout;
  MonoTime next_send = MonoTime::Infinite();
};

enum class Phase1State : uint8_t {
  kMm1Sent,  // initiator: SA offered
  kMm3Sent,  // initiator: KE, Ni sent
  kMm5Sent,  // initiator: IDii, HASH_I sent (encrypted)
  kMm2Sent,  // responder: SA chosen, waiting for KE, Ni
  kMm4Sent,  // responder: KE, Nr sent, waiting for IDii, HASH_I
  kAm1Sent,  // initiator: aggressive mode SA, KE, Ni, IDii sent
  kAm2Sent,  // responder: aggressive mode answer sent, waiting for HASH_I
  kEstablished,
  kRekeyed,  // replaced by a newer ISAKMP SA with the same peer; only its Delete remains
  kDead,     // to be removed by the manager
};

// V1Negotiated: what phase 1 agreed on.
struct V1Negotiated {
  EncryptionAlgorithm encryption = EncryptionAlgorithm::kAes128Cbc;
  PrfAlgorithm prf = PrfAlgorithm::kHmacSha1;  // HMAC of the negotiated hash
  DhGroup dh_group = DhGroup::kModp2048;
  uint16_t auth_method = 1;  // V1AuthMethod value
  Duration lifetime = Duration::Seconds(86400);
  std::string Describe() const;  // "aes128-sha1-modp1536"
};

// QuickState: one Quick Mode exchange (RFC 2409 5.5), by message ID.
struct QuickState {
  bool initiator = false;
  int step = 0;  // initiator: 1 = QM1 sent, 3 = QM3 sent; responder: 2 = QM2 sent, 4 = done
  V1Flight flight;
  std::vector<uint8_t> nonce_i, nonce_r;
  std::unique_ptr<crypto::DhKeyPair> dh;  // PFS
  uint32_t our_spi = 0;                   // our inbound SPI in the proposal / answer
  uint32_t rekey_of = 0;                  // our inbound SPI of the IPsec SA it replaces
  IpPrefix local_ts, remote_ts;           // the client IDs (our side, the peer's)
  bool ids_sent = true;                   // IDci / IDcr present
  // Initiator: the proposals offered, to check the answer.
  V1SaPayload offered;
  // Responder: the IPsec SA installed with QM2, activated by QM3.
  uint32_t installed_spi = 0;
  // Initiator of a rekey: when to start sending on the new IPsec SA (Infinite: done).
  MonoTime activate_at = MonoTime::Infinite();
  MonoTime expires = MonoTime::Infinite();  // forgotten after this (done or abandoned)
};

// XauthStep: where XAUTH (draft-beaulieu-ike-xauth-02) stands on an ISAKMP SA of a remote-
// access connection. The gateway (the XAUTH server) drives it: REQUEST, the client's REPLY,
// the check, SET, the client's ACK. Phase 1 alone lets nothing through: no Quick Mode and no
// Mode Config before kAccepted.
enum class XauthStep : uint8_t {
  kNone,       // no XAUTH on this ISAKMP SA (LAN-to-LAN)
  kRequested,  // gateway: REQUEST sent, waiting for the REPLY; client: waiting for a REQUEST
  kChecking,   // gateway: the verifier checks the user; client: REPLY sent, waiting for SET
  kSetSent,    // gateway: SET(OK) or SET(FAIL) sent, waiting for the ACK
  kAccepted,   // the user is in
  kRefused,    // the user was refused: the ISAKMP SA ends
};

// V1Transaction: one transaction exchange (exchange type 6: XAUTH or Mode Config) by message
// ID, kept until `expires` to answer copies of its messages.
struct V1Transaction {
  V1Flight flight;
  MonoTime expires = MonoTime::Infinite();
};

// V1RemoteAccess: XAUTH and Mode Config state of one ISAKMP SA (either side).
struct V1RemoteAccess {
  XauthStep xauth = XauthStep::kNone;
  uint16_t identifier = 0;  // of our REQUEST / SET in flight (gateway)
  uint32_t mid = 0;         // its message ID (gateway), or the client's Mode Config REQUEST's
  // Gateway: the check in flight (ticket != 0) and the verifier it runs on.
  uint64_t ticket = 0;
  std::shared_ptr<XauthVerifier> verifier;
  bool accepted = false;  // gateway: what our SET said
  std::string user;       // the user the client authenticated as (either side)
  XauthResult result;     // gateway: the verifier's answer (RADIUS Framed-IP-Address...)
  // Gateway: the end of the session the verifier allowed (RADIUS Session-Timeout, RFC 2865
  // 5.27); Infinite: none. A phase 1 renewal checks the user again and gets its own.
  MonoTime deadline = MonoTime::Infinite();
  // Gateway: the Mode Config lease (released when the connection ends; moves with a phase 1
  // renewal, as the IPsec SAs do).
  std::optional<ClientAddress> lease;
  std::shared_ptr<ClientAddressAssigner> lease_owner;
  // Client: the inner address Mode Config gave us.
  std::optional<IpAddress> inner;
  // inner_address: the connection's remote-access address, either side (unset: none).
  std::optional<IpAddress> inner_address() const {
    if (lease) return lease->address;
    return inner;
  }
};

struct V1Sa {
  uint64_t peer = 0;       // IkePeerConfig::id
  bool initiator = false;  // our role in phase 1
  bool aggressive = false;
  uint64_t cky_i = 0;
  uint64_t cky_r = 0;
  uint64_t our_cookie() const { return initiator ? cky_i : cky_r; }
  Phase1State state = Phase1State::kMm1Sent;

  IkeEndpoint local;
  IkeEndpoint remote;
  IpAddress first_remote;   // responder: where message 1 came from (Ikev1Manager::responders_)
  bool natt = false;        // talking on the NAT-T port (non-ESP marker in front)
  bool nat_local = false;   // we are behind a NAT
  bool nat_remote = false;  // the peer is behind a NAT
  bool peer_natt = false;   // the peer announced RFC 3947 NAT-T
  bool peer_dpd = false;    // the peer announced RFC 3706 DPD

  // Phase 1 material.
  V1SaPayload offered;             // initiator: our phase 1 offer (to check the answer)
  std::vector<uint8_t> sa_i_body;  // SAi_b: the initiator's SA payload body as sent
  std::unique_ptr<crypto::DhKeyPair> dh;
  std::vector<uint8_t> g_xi, g_xr;
  std::vector<uint8_t> nonce_i, nonce_r;
  std::vector<uint8_t> id_i_body;  // aggressive mode: IDii_b (main mode: in message 5)
  V1Negotiated negotiated;
  std::optional<V1Phase1Keys> keys;
  std::unique_ptr<V1Protector> protector;
  V1Flight flight;  // phase 1's messages

  // announced: kIkeUp (or kIkeRekeyed) was emitted for this ISAKMP SA: after phase 1, or after
  // XAUTH (and the client's Mode Config) when the connection has them. initial_contact: the
  // peer's phase 1 carried INITIAL-CONTACT (honoured when the connection is announced).
  bool announced = false;
  bool initial_contact = false;

  // Identities, once phase 1 is authenticated.
  std::string peer_id_text;
  IdPayload peer_id;

  absl::flat_hash_map<uint32_t, QuickState> quick;            // Quick Modes by message ID
  absl::flat_hash_map<uint32_t, V1Transaction> transactions;  // XAUTH, Mode Config by M-ID
  V1RemoteAccess remote_access;
  std::vector<ChildSa> children;

  // DPD (RFC 3706).
  uint32_t dpd_seq = 0;          // of our last R-U-THERE
  bool dpd_outstanding = false;  // waiting for its ACK
  uint32_t dpd_misses = 0;
  MonoTime dpd_next = MonoTime::Infinite();

  // Timers.
  MonoTime created;
  MonoTime established_at;
  MonoTime last_heard;
  MonoTime half_open_expiry = MonoTime::Infinite();
  MonoTime rekey_at = MonoTime::Infinite();
  MonoTime expire_at = MonoTime::Infinite();
  MonoTime next_keepalive = MonoTime::Infinite();
  std::string down_reason;
  // Where the manager's deadline index has this SA (v1_index.cc): never later than its
  // NextDeadline; Infinite: not filed.
  MonoTime filed_deadline = MonoTime::Infinite();
  IpAddress filed_address;  // the remote address it is filed under in by_address_
};

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_V1_SA_H_
