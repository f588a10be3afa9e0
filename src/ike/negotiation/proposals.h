// File: ike/negotiation/proposals.h
//
// IKEv2 proposal construction and selection (RFC 7296 2.7, 3.3): the SA payloads we offer for
// the IKE SA (one proposal from the ike-policy) and for CHILD SAs (one ESP proposal per
// ipsec-transform), the responder's choice among a peer's proposals, and the initiator's check
// of the responder's answer.
//
// Failures of the responder side carry NO_PROPOSAL_CHOSEN (GetNotifyToSend in
// ike/codec/errors.h) and a message fit for a log line:
//   "no acceptable IKE proposal: peer offered AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 |
//    AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384; we accept
//    AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
// Failures of the initiator side (a reply we cannot use) carry no notification: RFC 7296 has
// no answer to a response; the caller gives up on the SA and logs the message.
//
// Example (responder, IKE_SA_INIT):
//   absl::StatusOr<NegotiatedIke> n = SelectIke(sai1, policy);
//   if (!n.ok()) return n.status();            // NO_PROPOSAL_CHOSEN attached
//   if (ke.group != n->dh_group) ...           // INVALID_KE_PAYLOAD naming n->dh_group
//   SaPayload sar1 = n->Reply({});
//
// Value types and pure functions; any thread. Control plane only, never on the fast path.
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_PROPOSALS_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_PROPOSALS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/sa_payload.h"
#include "ike/negotiation/policy.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa::ike {

inline constexpr size_t kIkeSpiSize = 8;    // RFC 7296 3.3.1
inline constexpr size_t kChildSpiSize = 4;  // ESP

// IkeSpiMode: which IKE SA negotiation an SA payload belongs to, which fixes the proposals'
// SPI size: none in IKE_SA_INIT, 8 octets when a CREATE_CHILD_SA rekeys the IKE SA.
enum class IkeSpiMode : uint8_t { kInitial, kRekey };

// ChildKeMode: the exchange a CHILD SA proposal arrives in, which decides what a D-H transform
// may mean.
enum class ChildKeMode : uint8_t {
  // IKE_AUTH: no KE payload. PFS groups of our policies do not apply; a D-H transform other than
  // NONE in the peer's proposal is ignored (RFC 7296 1.2 forbids it; strongSwan ignores it too).
  kIkeAuth,
  // CREATE_CHILD_SA without KE: only our policies without a PFS group are acceptable.
  kCreateChildSa,
  // CREATE_CHILD_SA with KE: only our policies with a PFS group that the proposal offers. The
  // caller checks the KE payload's group against NegotiatedChild::pfs_group (a mismatch is
  // answered with INVALID_KE_PAYLOAD naming it).
  kCreateChildSaWithKe,
};

// NegotiatedIke: the IKE SA suite agreed on. Default-constructed it names nothing usable.
struct NegotiatedIke {
  EncryptionAlgorithm encryption = EncryptionAlgorithm::kAes256Cbc;
  IntegrityAlgorithm integrity = IntegrityAlgorithm::kNone;  // kNone with AEAD encryption
  IntegrityAlgorithm prf = IntegrityAlgorithm::kNone;        // the PRF's hash, as config enum
  uint16_t prf_id = 0;                                       // PRF transform ID (RFC 4868)
  DhGroup dh_group = DhGroup::kModp2048;
  std::vector<uint8_t> peer_spi;  // empty in IKE_SA_INIT; the peer's new SPI when rekeying
  // chosen: the accepted proposal, one transform of each type, the peer's proposal number; its
  // spi is empty (Reply fills ours in).
  Proposal chosen;

  // Describe: "aes256-sha256-modp2048", "aes256gcm16-prfsha384-ecp384".
  std::string Describe() const;
  // Reply: the SA payload a responder answers with: `chosen` carrying `our_spi` (empty in
  // IKE_SA_INIT, our new 8-octet SPI when rekeying).
  SaPayload Reply(std::span<const uint8_t> our_spi) const;
};

// NegotiatedChild: the ESP suite of a CHILD SA agreed on.
struct NegotiatedChild {
  EspSuite suite;
  std::optional<DhGroup> pfs_group;  // set when the CHILD SA's keys include a fresh D-H
  uint32_t peer_spi = 0;             // the SPI the peer receives on (our outbound SPI)
  bool esn = false;                  // always false for now: we negotiate no ESN
  // chosen: the accepted proposal, one transform of each type, the peer's proposal number; its
  // spi is empty (Reply fills ours in).
  Proposal chosen;
  size_t encryption_key_size = 0;  // KEYMAT octets per direction, including any salt
  size_t integrity_key_size = 0;   // KEYMAT octets per direction; 0 for AEAD

  // Describe: "aes128gcm16", "aes256-sha1-modp2048" (with PFS), "...-esn" with ESN.
  std::string Describe() const;
  // Reply: the SA payload a responder answers with: `chosen` carrying `our_spi`.
  SaPayload Reply(uint32_t our_spi) const;
};

// OfferIke: our SAi for `policy`: exactly one proposal (number 1, protocol IKE, SPI `spi`)
// with ENCR (+ Key Length for AES), PRF, INTEG (non-AEAD only) and D-H. `spi` is empty for
// IKE_SA_INIT and our new 8-octet SPI for a rekey. The caller validates `policy` first
// (ValidateIkePolicy); an invalid one yields a proposal without the unmappable transforms.
SaPayload OfferIke(const IkeCryptoPolicy& policy, std::span<const uint8_t> spi);

// SelectIke: responder. The first of the peer's proposals (in the peer's order) acceptable to
// `ours`, answered with one transform of each type it contains. A proposal is unacceptable
// when its protocol is not IKE, its SPI size does not match `mode`, it contains a transform
// type IKE does not use, it misses a mandatory type, or no transform of some type matches ours
// (unknown IDs and attributes never match); other proposals are still considered.
// Errors: NO_PROPOSAL_CHOSEN with "peer offered ...; we accept ..." (also for an invalid
// `ours`).
absl::StatusOr<NegotiatedIke> SelectIke(const SaPayload& offered, const IkeCryptoPolicy& ours,
                                        IkeSpiMode mode = IkeSpiMode::kInitial);

// AcceptIkeReply: initiator. Checks the responder's SAr against our `offered` SAi: exactly one
// proposal, with the number, protocol and SPI size of one we offered (8 when we offered 8,
// else none), exactly one transform of each type that proposal contains and none other, each
// transform one we offered. Errors (no notification) name what is wrong.
absl::StatusOr<NegotiatedIke> AcceptIkeReply(const SaPayload& reply, const SaPayload& offered);

// OfferContainsGroup: whether any proposal of `sa` offers D-H `group`; the initiator asks it
// before retrying with the group an INVALID_KE_PAYLOAD names.
bool OfferContainsGroup(const SaPayload& sa, DhGroup group);

// OfferChild: our SA payload for a CHILD SA: one ESP proposal per entry of `ours` (numbered
// from 1, in order), each with the 4-octet `spi`, ENCR (+ Key Length for AES), INTEG unless
// AEAD, D-H when `include_dh` and the entry has a PFS group (CREATE_CHILD_SA with KE; never
// in IKE_AUTH), and ESN "No ESN". The caller validates `ours` (ValidateChildPolicies).
SaPayload OfferChild(std::span<const ChildTransformPolicy> ours, uint32_t spi, bool include_dh);

// SelectChild: responder. The first of the peer's proposals acceptable to any entry of `ours`
// (entries tried in our order for each proposal). Unacceptable: a protocol other than ESP, an
// SPI that is not 4 octets or is zero, a transform type ESP does not use, no ENCR or no ESN
// transform, an ESN offer without "No ESN", or no matching transform of some type; see
// ChildKeMode for D-H. Errors: NO_PROPOSAL_CHOSEN with "peer offered ...; we accept ...".
absl::StatusOr<NegotiatedChild> SelectChild(const SaPayload& offered,
                                            std::span<const ChildTransformPolicy> ours,
                                            ChildKeMode mode);

// AcceptChildReply: initiator. Checks the responder's SA payload against our `offered` one as
// AcceptIkeReply does (one proposal, protocol ESP, a non-zero 4-octet SPI, one transform of
// each offered type, each one we offered) and maps it back to algorithms.
absl::StatusOr<NegotiatedChild> AcceptChildReply(const SaPayload& reply, const SaPayload& offered);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_PROPOSALS_H_
