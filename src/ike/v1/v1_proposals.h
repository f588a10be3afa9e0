// File: ike/v1/v1_proposals.h
//
// The SA payloads of IKEv1's two phases, from the peer's configuration and back:
//
//  - phase 1 (RFC 2409 5, Appendix A): one proposal (protocol ISAKMP) with one KEY_IKE
//    transform carrying the ike-policy's encryption (+ Key Length for AES), hash (which is
//    also the PRF: the guide's "SR OS will use a configured authentication algorithm in an
//    ike-policy for Pseudorandom Function"), authentication method, DH group and lifetime;
//  - Quick Mode (RFC 2407 4.5): one proposal (protocol ESP, our 4-octet SPI) per
//    ipsec-transform, in preference order, with the transform's cipher and Authentication
//    Algorithm, encapsulation mode (tunnel, or UDP-encapsulated tunnel under NAT-T), lifetime
//    and, with PFS, the group.
//
// The responder picks the first acceptable transform in the initiator's order and answers
// with it exactly as offered (RFC 2408 4.2: the responder "MUST" return the proposal it
// chose, with the one transform it accepted). Lifetimes are not negotiated down: each side
// keeps its own and rekeys at its own time (as strongSwan does), so any offered lifetime is
// accepted. Pure functions; any thread.
#ifndef TUNNELISA_SRC_IKE_V1_V1_PROPOSALS_H_
#define TUNNELISA_SRC_IKE_V1_V1_PROPOSALS_H_

#include <cstdint>
#include <optional>
#include <span>

#include "absl/status/statusor.h"
#include "ike/codec/v1/v1_sa_payload.h"
#include "ike/negotiation/policy.h"
#include "ike/negotiation/proposals.h"
#include "ike/v1/v1_sa.h"
#include "ike/v2/peer_config.h"

namespace tunnelisa::ike::v1 {

// V1PrfFor: the PRF an ike-policy's auth-algorithm names (md5, sha1, sha256...); nullopt for
// kNone.
std::optional<PrfAlgorithm> V1PrfFor(IntegrityAlgorithm integrity);

// ValidateV1Policy: the policy can be offered in phase 1: a CBC cipher (DES, 3DES, AES) and
// an HMAC auth-algorithm. InvalidArgument naming what cannot ("aes128gcm16: IKEv1 phase 1
// has CBC ciphers only").
absl::Status ValidateV1Policy(const IkeCryptoPolicy& policy);

// OfferPhase1: our phase 1 SA payload. Call ValidateV1Policy first.
V1SaPayload OfferPhase1(const IkeCryptoPolicy& policy, uint16_t auth_method, Duration lifetime);

// Phase1AuthMethod: the Authentication Method attribute a peer's phase 1 offers or accepts:
// XAUTHInitPreShared (65001, draft-beaulieu-ike-xauth-02 section 7.2) for a remote-access
// connection with XAUTH (either side), RSA signatures (3) when the peer proves us with a
// certificate, else pre-shared key (1). The pre-shared key
// authenticates phase 1 the same way under both (SKEYID, HASH_I/R); 65001 says XAUTH follows,
// the initiator being the XAUTH client.
uint16_t Phase1AuthMethod(const IkePeerConfig& peer);

// SelectPhase1: responder. The first transform of the initiator's ISAKMP proposals matching
// `policy` and `auth_method` exactly; `reply` gets the SA payload to answer with (that
// proposal with only that transform). InvalidArgument with the reason (NO-PROPOSAL-CHOSEN)
// otherwise.
absl::StatusOr<V1Negotiated> SelectPhase1(const V1SaPayload& offered, const IkeCryptoPolicy& policy,
                                          uint16_t auth_method, V1SaPayload& reply);

// CheckPhase1Answer: initiator. The responder's SA payload: exactly one proposal with one
// transform, which must be one we offered (`offered`, parsed back). InvalidArgument otherwise.
absl::StatusOr<V1Negotiated> CheckPhase1Answer(const V1SaPayload& answer,
                                               const V1SaPayload& offered);

// QuickOffer: what a Quick Mode initiator proposes.
struct QuickOffer {
  std::span<const ChildTransformPolicy> transforms;  // in preference order
  uint32_t spi = 0;                                  // our inbound SPI
  Duration lifetime;
  uint64_t lifetime_kilobytes = 0;  // 0: no Life Type kilobytes
  bool udp_encap = false;           // NAT-T: UDP-Encapsulated-Tunnel (RFC 3947)
};

// OfferQuick: one proposal per transform that shares the first transform's PFS group (one KE
// payload serves the whole offer), numbered 1, 2, ... Returns the PFS group in `pfs`.
V1SaPayload OfferQuick(const QuickOffer& offer, std::optional<DhGroup>& pfs);

// SelectQuick: responder. The first transform of the initiator's ESP proposals that one of
// `ours` accepts (same cipher, key length and integrity; tunnel mode, UDP-encapsulated
// exactly when `udp_encap`; a PFS group exactly when the message carries a KE payload
// (`has_ke`), and when ours asks for one). `reply`: that proposal with only that transform
// and our SPI. The result's peer_spi is the initiator's SPI, its pfs_group the group.
absl::StatusOr<NegotiatedChild> SelectQuick(const V1SaPayload& offered,
                                            std::span<const ChildTransformPolicy> ours,
                                            bool udp_encap, bool has_ke, uint32_t our_spi,
                                            V1SaPayload& reply);

// CheckQuickAnswer: initiator. The responder's answer: one ESP proposal with one transform
// that we offered; peer_spi is its SPI.
absl::StatusOr<NegotiatedChild> CheckQuickAnswer(const V1SaPayload& answer,
                                                 const V1SaPayload& offered);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_V1_PROPOSALS_H_
