// File: ike/negotiation/proposal_util.h
//
// Helpers shared by the IKE and CHILD SA proposal code (proposals.cc, child_proposals.cc):
// transform lookups, the NO_PROPOSAL_CHOSEN status with its log message, and the initiator's
// structural check of a reply. Internal to ike/negotiation; pure functions, any thread.
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_PROPOSAL_UTIL_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_PROPOSAL_UTIL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/sa_payload.h"

namespace tunnelisa::ike::internal {

// TypeName: "ENCR", "PRF", "INTEG", "D-H", "ESN", or "type <N>".
std::string TypeName(TransformType type);

// HasType: whether `p` has a transform of `type`.
bool HasType(const Proposal& p, TransformType type);

// HasTransform: whether `p` has a transform of `type` with `id` (whatever its attributes).
bool HasTransform(const Proposal& p, TransformType type, uint16_t id);

// FindPlain: the first transform of `type` with `id` and no attribute at all, or nullptr.
const Transform* FindPlain(const Proposal& p, TransformType type, uint16_t id);

// ReplyProposal: an SA payload holding `chosen` with `spi`.
SaPayload ReplyProposal(Proposal chosen, std::vector<uint8_t> spi);

// NoProposalChosen: the responder's failure: NO_PROPOSAL_CHOSEN attached, message
// "no acceptable <what> proposal: peer offered <P1> [(problem)] | <P2>; we accept <we_accept>".
// `problems[i]`, when present and non-empty, says why proposal i was unacceptable whatever our
// policy.
absl::Status NoProposalChosen(std::string_view what, const SaPayload& offered,
                              std::span<const std::string> problems, std::string_view we_accept);

// ReplyMatch: the responder's single proposal and the offered proposal it answers.
struct ReplyMatch {
  const Proposal* reply = nullptr;
  const Proposal* offered = nullptr;
};

// MatchReply: checks the shape of a reply to our `offered` SA payload of `protocol`: exactly
// one proposal, of `protocol`, numbered as one we offered; exactly one transform of each type
// that offered proposal contains and no other type; every transform one we offered (with the
// same attributes). SPI sizes are the caller's. Errors (InvalidArgument, no notification)
// name the problem.
absl::StatusOr<ReplyMatch> MatchReply(const SaPayload& reply, const SaPayload& offered,
                                      ProtocolId protocol);

}  // namespace tunnelisa::ike::internal

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_PROPOSAL_UTIL_H_
