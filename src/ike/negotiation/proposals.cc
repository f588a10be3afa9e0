#include "ike/negotiation/proposals.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/negotiation/algorithm_info.h"
#include "ike/negotiation/proposal_util.h"
#include "ike/negotiation/transform_ids.h"

namespace tunnelisa::ike {
namespace {

using internal::FindPlain;
using internal::HasTransform;
using internal::HasType;
using internal::NoProposalChosen;
using internal::ReplyProposal;
using internal::TypeName;

// The transform types each protocol uses (RFC 7296 3.3.3):
//
//   Protocol    Mandatory Types          Optional Types
//   ---------------------------------------------------
//   IKE         ENCR, PRF, INTEG*, D-H
//   ESP         ENCR, ESN                INTEG, D-H
//
// (*) INTEG is left out with combined-mode (AEAD) ciphers.
constexpr TransformType kIkeTypes[] = {TransformType::kEncr, TransformType::kPrf,
                                       TransformType::kInteg, TransformType::kDh};

// IkeProblem: why `p` cannot be an IKE proposal whatever our policy, or "" when it can.
std::string IkeProblem(const Proposal& p, IkeSpiMode mode) {
  if (p.protocol != ProtocolId::kIke) {
    return absl::StrFormat("protocol %d, not IKE", static_cast<int>(p.protocol));
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.1
  //# For an initial IKE SA negotiation, this field MUST be zero; the SPI is
  //# obtained from the outer header.
  const size_t want_spi = mode == IkeSpiMode::kInitial ? 0 : kIkeSpiSize;
  if (p.spi.size() != want_spi) {
    return absl::StrFormat("SPI size %d, expected %d", p.spi.size(), want_spi);
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.6
  //# If the responder receives a proposal that contains a Transform Type
  //# it does not understand, or a proposal that is missing a mandatory
  //# Transform Type, it MUST consider this proposal unacceptable; however,
  //# other proposals in the same SA payload are processed as usual.
  for (const Transform& t : p.transforms) {
    if (std::find(std::begin(kIkeTypes), std::end(kIkeTypes), t.type) == std::end(kIkeTypes)) {
      return absl::StrFormat("transform %s is not used by IKE", TransformName(t));
    }
  }
  for (TransformType type : {TransformType::kEncr, TransformType::kPrf, TransformType::kDh}) {
    if (!HasType(p, type)) return absl::StrFormat("no %s transform", TypeName(type));
  }
  return "";
}

// MatchIke: the one-per-type answer to `p` under `ours`, or nullopt if some type has no
// transform we accept.
std::optional<Proposal> MatchIke(const Proposal& p, const IkeCryptoPolicy& ours) {
  const bool aead = internal::IsAead(ours.encryption);
  const Transform* encr = nullptr;
  for (const Transform& t : p.transforms) {
    if (t.type == TransformType::kEncr &&
        EncryptionFromTransform(t, ProtocolId::kIke) == ours.encryption) {
      encr = &t;
      break;
    }
  }
  const std::optional<uint16_t> prf_id = PrfIdFor(ours.integrity);
  const std::optional<uint16_t> integ_id =
      aead ? std::optional<uint16_t>(kIntegNone) : IntegIdFor(ours.integrity);
  const Transform* prf = prf_id ? FindPlain(p, TransformType::kPrf, *prf_id) : nullptr;
  const Transform* dh = FindPlain(p, TransformType::kDh, static_cast<uint16_t>(ours.dh_group));
  const Transform* integ = nullptr;
  if (HasType(p, TransformType::kInteg)) {
    // With AEAD only INTEG NONE is acceptable; a non-AEAD suite needs our algorithm.
    integ = integ_id ? FindPlain(p, TransformType::kInteg, *integ_id) : nullptr;
    if (integ == nullptr) return std::nullopt;
  } else if (!aead) {
    return std::nullopt;
  }
  if (encr == nullptr || prf == nullptr || dh == nullptr) return std::nullopt;
  //= https://www.rfc-editor.org/rfc/rfc7296#section-2.7
  //# The accepted cryptographic suite MUST contain exactly one transform of
  //# each type included in the proposal.
  Proposal chosen{.number = p.number, .protocol = ProtocolId::kIke};
  chosen.transforms.push_back(*encr);
  chosen.transforms.push_back(*prf);
  if (integ != nullptr) chosen.transforms.push_back(*integ);
  chosen.transforms.push_back(*dh);
  return chosen;
}

std::string DescribeIke(EncryptionAlgorithm enc, IntegrityAlgorithm integ, IntegrityAlgorithm prf,
                        DhGroup group) {
  const internal::EncInfo* e = internal::FindEnc(enc);
  std::string out(e != nullptr ? e->name : "?");
  const internal::IntegInfo* i = internal::FindInteg(integ);
  const internal::IntegInfo* p = internal::FindInteg(prf);
  if (integ != IntegrityAlgorithm::kNone && i != nullptr) StrAppend(out, "-", i->name);
  if ((integ != prf || integ == IntegrityAlgorithm::kNone) && p != nullptr) {
    StrAppend(out, "-prf", p->name);
  }
  StrAppend(out, "-", DhGroupName(group));
  return out;
}

}  // namespace

std::string NegotiatedIke::Describe() const {
  return DescribeIke(encryption, integrity, prf, dh_group);
}

SaPayload NegotiatedIke::Reply(std::span<const uint8_t> our_spi) const {
  return ReplyProposal(chosen, std::vector<uint8_t>(our_spi.begin(), our_spi.end()));
}

SaPayload OfferIke(const IkeCryptoPolicy& policy, std::span<const uint8_t> spi) {
  Proposal p{.number = 1,
             .protocol = ProtocolId::kIke,
             .spi = std::vector<uint8_t>(spi.begin(), spi.end())};
  if (std::optional<Transform> encr = EncrTransformFor(policy.encryption, ProtocolId::kIke)) {
    p.transforms.push_back(*encr);
  }
  if (std::optional<uint16_t> prf = PrfIdFor(policy.integrity)) {
    p.transforms.push_back({.type = TransformType::kPrf, .id = *prf});
  }
  if (!internal::IsAead(policy.encryption)) {
    std::optional<uint16_t> integ = IntegIdFor(policy.integrity);
    if (integ.has_value() && *integ != kIntegNone) {
      p.transforms.push_back({.type = TransformType::kInteg, .id = *integ});
    }
  }
  p.transforms.push_back(
      {.type = TransformType::kDh, .id = static_cast<uint16_t>(policy.dh_group)});
  return SaPayload{.proposals = {std::move(p)}};
}

absl::StatusOr<NegotiatedIke> SelectIke(const SaPayload& offered, const IkeCryptoPolicy& ours,
                                        IkeSpiMode mode) {
  if (absl::Status s = ValidateIkePolicy(ours); !s.ok()) {
    return NoProposalChosen("IKE", offered, {}, StrCat("nothing: ", s.message()));
  }
  std::vector<std::string> problems;
  for (const Proposal& p : offered.proposals) {
    problems.push_back(IkeProblem(p, mode));
    if (!problems.back().empty()) continue;
    std::optional<Proposal> chosen = MatchIke(p, ours);
    if (!chosen.has_value()) continue;
    //= https://www.rfc-editor.org/rfc/rfc7296#section-2.7
    //# The responder MUST accept a single proposal or reject them all and
    //# return an error.
    NegotiatedIke n{
        .encryption = ours.encryption,
        .integrity = internal::IsAead(ours.encryption) ? IntegrityAlgorithm::kNone : ours.integrity,
        .prf = ours.integrity,
        .prf_id = PrfIdFor(ours.integrity).value_or(0),
        .dh_group = ours.dh_group,
        .peer_spi = p.spi,
        .chosen = *std::move(chosen)};
    return n;
  }
  return NoProposalChosen("IKE", offered, problems,
                          ProposalString(OfferIke(ours, {}).proposals.front()));
}

absl::StatusOr<NegotiatedIke> AcceptIkeReply(const SaPayload& reply, const SaPayload& offered) {
  absl::StatusOr<internal::ReplyMatch> m = internal::MatchReply(reply, offered, ProtocolId::kIke);
  if (!m.ok()) return m.status();
  const Proposal& r = *m->reply;
  const size_t want_spi = m->offered->spi.empty() ? 0 : kIkeSpiSize;
  if (r.spi.size() != want_spi) {
    return absl::InvalidArgumentError(
        absl::StrFormat("IKE SA reply: SPI size %d, expected %d", r.spi.size(), want_spi));
  }
  for (TransformType type : {TransformType::kEncr, TransformType::kPrf, TransformType::kDh}) {
    if (!HasType(r, type)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("IKE SA reply: no %s transform", TypeName(type)));
    }
  }
  NegotiatedIke n{.peer_spi = r.spi, .chosen = r};
  n.chosen.spi.clear();
  for (const Transform& t : r.transforms) {
    bool ok = true;
    switch (t.type) {
      case TransformType::kEncr: {
        std::optional<EncryptionAlgorithm> e = EncryptionFromTransform(t, ProtocolId::kIke);
        ok = e.has_value();
        if (ok) n.encryption = *e;
        break;
      }
      case TransformType::kPrf: {
        std::optional<IntegrityAlgorithm> prf = PrfFromId(t.id);
        ok = prf.has_value();
        if (ok) n.prf = *prf;
        n.prf_id = t.id;
        break;
      }
      case TransformType::kInteg: {
        std::optional<IntegrityAlgorithm> integ = IntegFromId(t.id);
        ok = integ.has_value();
        if (ok) n.integrity = *integ;
        break;
      }
      case TransformType::kDh: {
        std::optional<DhGroup> g = DhGroupFromId(t.id);
        ok = g.has_value();
        if (ok) n.dh_group = *g;
        break;
      }
      default:
        ok = false;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "IKE SA reply: %s is not an IKE algorithm we implement", TransformName(t)));
    }
  }
  const bool aead = internal::IsAead(n.encryption);
  if (aead != (n.integrity == IntegrityAlgorithm::kNone)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("IKE SA reply: %s %s", ProposalString(r),
                        aead ? "pairs a combined-mode cipher with an integrity algorithm"
                             : "has no integrity algorithm for a non-AEAD cipher"));
  }
  return n;
}

bool OfferContainsGroup(const SaPayload& sa, DhGroup group) {
  for (const Proposal& p : sa.proposals) {
    if (HasTransform(p, TransformType::kDh, static_cast<uint16_t>(group))) return true;
  }
  return false;
}

}  // namespace tunnelisa::ike
