#include "ike/negotiation/proposal_util.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/codec/errors.h"
#include "ike/negotiation/transform_ids.h"

namespace tunnelisa::ike::internal {
namespace {

std::string SaName(ProtocolId protocol) {
  return protocol == ProtocolId::kIke ? "IKE SA reply" : "CHILD SA reply";
}

}  // namespace

std::string TypeName(TransformType type) {
  switch (type) {
    case TransformType::kEncr:
      return "ENCR";
    case TransformType::kPrf:
      return "PRF";
    case TransformType::kInteg:
      return "INTEG";
    case TransformType::kDh:
      return "D-H";
    case TransformType::kEsn:
      return "ESN";
  }
  return absl::StrFormat("type %d", static_cast<int>(type));
}

bool HasType(const Proposal& p, TransformType type) {
  return std::any_of(p.transforms.begin(), p.transforms.end(),
                     [type](const Transform& t) { return t.type == type; });
}

bool HasTransform(const Proposal& p, TransformType type, uint16_t id) {
  return std::any_of(p.transforms.begin(), p.transforms.end(),
                     [type, id](const Transform& t) { return t.type == type && t.id == id; });
}

const Transform* FindPlain(const Proposal& p, TransformType type, uint16_t id) {
  for (const Transform& t : p.transforms) {
    if (t.type == type && t.id == id && !t.key_length.has_value() && t.other_attributes.empty()) {
      return &t;
    }
  }
  return nullptr;
}

SaPayload ReplyProposal(Proposal chosen, std::vector<uint8_t> spi) {
  chosen.spi = std::move(spi);
  return SaPayload{.proposals = {std::move(chosen)}};
}

absl::Status NoProposalChosen(std::string_view what, const SaPayload& offered,
                              std::span<const std::string> problems, std::string_view we_accept) {
  std::string peer;
  for (size_t i = 0; i < offered.proposals.size(); ++i) {
    if (i > 0) peer += " | ";
    peer += ProposalString(offered.proposals[i]);
    if (i < problems.size() && !problems[i].empty()) StrAppend(peer, " (", problems[i], ")");
  }
  if (offered.proposals.empty()) peer = "nothing";
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.7
  //# The error is given in a notification of type NO_PROPOSAL_CHOSEN.
  return CodecError(
      StrCat("no acceptable ", what, " proposal: peer offered ", peer, "; we accept ", we_accept),
      NotifyType::kNoProposalChosen);
}

absl::StatusOr<ReplyMatch> MatchReply(const SaPayload& reply, const SaPayload& offered,
                                      ProtocolId protocol) {
  const std::string sa = SaName(protocol);
  if (reply.proposals.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d proposals, exactly one expected", sa, reply.proposals.size()));
  }
  const Proposal& r = reply.proposals.front();
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.7
  //# If a proposal is accepted, the SA response MUST contain the same
  //# protocol.
  if (r.protocol != protocol) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: protocol %d, we offered %d", sa,
                                                      static_cast<int>(r.protocol),
                                                      static_cast<int>(protocol)));
  }
  const Proposal* o = nullptr;
  for (const Proposal& p : offered.proposals) {
    if (p.number == r.number && p.protocol == protocol) o = &p;
  }
  if (o == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: proposal #%d (%s) answers no proposal we offered (%s)", sa, r.number,
                        ProposalString(r), SaPayloadString(offered)));
  }
  for (size_t i = 0; i < r.transforms.size(); ++i) {
    const Transform& t = r.transforms[i];
    if (!HasType(*o, t.type)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: %s transform %s, but our proposal #%d had none", sa,
                          TypeName(t.type), TransformName(t), o->number));
    }
    for (size_t j = 0; j < i; ++j) {
      if (r.transforms[j].type == t.type) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s: two %s transforms (%s, %s); exactly one expected", sa,
                            TypeName(t.type), TransformName(r.transforms[j]), TransformName(t)));
      }
    }
    if (std::find(o->transforms.begin(), o->transforms.end(), t) == o->transforms.end()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: %s was never offered (we offered %s)",
                                                        sa, TransformName(t), ProposalString(*o)));
    }
  }
  for (const Transform& t : o->transforms) {
    if (!HasType(r, t.type)) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: no %s transform (we offered %s)", sa,
                                                        TypeName(t.type), ProposalString(*o)));
    }
  }
  return ReplyMatch{.reply = &r, .offered = o};
}

}  // namespace tunnelisa::ike::internal
