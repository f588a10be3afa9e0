// CHILD SA (ESP) half of proposals.h: OfferChild, SelectChild, AcceptChildReply.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "ike/negotiation/algorithm_info.h"
#include "ike/negotiation/proposal_util.h"
#include "ike/negotiation/proposals.h"
#include "ike/negotiation/transform_ids.h"

namespace tunnelisa::ike {
namespace {

using internal::FindPlain;
using internal::HasType;
using internal::TypeName;

uint32_t SpiValue(const std::vector<uint8_t>& spi) {
  uint32_t v = 0;
  for (uint8_t b : spi) v = v << 8 | b;
  return v;
}

std::vector<uint8_t> SpiBytes(uint32_t spi) {
  return {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16),
          static_cast<uint8_t>(spi >> 8), static_cast<uint8_t>(spi)};
}

// EspProblem: why `p` cannot be an ESP proposal whatever our policy, or "" when it can.
std::string EspProblem(const Proposal& p) {
  if (p.protocol != ProtocolId::kEsp) {
    return p.protocol == ProtocolId::kAh
               ? std::string("AH is not supported")
               : absl::StrFormat("protocol %d, not ESP", static_cast<int>(p.protocol));
  }
  //= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.1
  //# During subsequent negotiations, it is equal to the size, in octets, of
  //# the SPI of the corresponding protocol (8 for IKE, 4 for ESP and AH).
  if (p.spi.size() != kChildSpiSize) {
    return absl::StrFormat("SPI size %d, ESP needs 4", p.spi.size());
  }
  if (SpiValue(p.spi) == 0) return "SPI 0 is reserved";
  // Unknown types and missing mandatory types (ENCR, ESN) make the proposal unacceptable
  // (RFC 7296 3.3.6, quoted in proposals.cc).
  for (const Transform& t : p.transforms) {
    if (t.type != TransformType::kEncr && t.type != TransformType::kInteg &&
        t.type != TransformType::kDh && t.type != TransformType::kEsn) {
      return absl::StrFormat("transform %s is not used by ESP", TransformName(t));
    }
  }
  for (TransformType type : {TransformType::kEncr, TransformType::kEsn}) {
    if (!HasType(p, type)) return absl::StrFormat("no %s transform", TypeName(type));
  }
  if (FindPlain(p, TransformType::kEsn, kEsnNo) == nullptr) {
    return "extended sequence numbers required; we negotiate none yet";
  }
  return "";
}

// MatchChild: the one-per-type answer to `p` under `ours` in `mode`, or nullopt.
std::optional<Proposal> MatchChild(const Proposal& p, const ChildTransformPolicy& ours,
                                   ChildKeMode mode) {
  const Transform* encr = nullptr;
  for (const Transform& t : p.transforms) {
    if (t.type == TransformType::kEncr &&
        EncryptionFromTransform(t, ProtocolId::kEsp) == ours.suite.enc) {
      encr = &t;
      break;
    }
  }
  if (encr == nullptr) return std::nullopt;
  const bool aead = internal::IsAead(ours.suite.enc);
  const Transform* integ = nullptr;
  if (HasType(p, TransformType::kInteg)) {
    const std::optional<uint16_t> id =
        aead ? std::optional<uint16_t>(kIntegNone) : IntegIdFor(ours.suite.integ);
    integ = id ? FindPlain(p, TransformType::kInteg, *id) : nullptr;
    if (integ == nullptr) return std::nullopt;
  } else if (!aead) {
    return std::nullopt;
  }
  const Transform* dh = nullptr;
  const bool offers_dh = HasType(p, TransformType::kDh);
  switch (mode) {
    case ChildKeMode::kIkeAuth:
      //= https://www.rfc-editor.org/rfc/rfc7296#section-1.2
      //# Thus, the SA payloads in the IKE_AUTH exchange cannot contain
      //# Transform Type 4 (Diffie-Hellman group) with any value other than
      //# NONE.
      // We answer NONE when it is offered and otherwise leave groups (which a peer sends by
      // mistake) out of the answer, as strongSwan does; our PFS policy does not apply here.
      dh = FindPlain(p, TransformType::kDh, kDhNone);
      break;
    case ChildKeMode::kCreateChildSa:
      if (ours.pfs_group.has_value()) return std::nullopt;  // we want PFS, no KE came
      if (offers_dh) {
        dh = FindPlain(p, TransformType::kDh, kDhNone);
        if (dh == nullptr) return std::nullopt;
      }
      break;
    case ChildKeMode::kCreateChildSaWithKe:
      if (!ours.pfs_group.has_value()) return std::nullopt;
      dh = FindPlain(p, TransformType::kDh, static_cast<uint16_t>(*ours.pfs_group));
      if (dh == nullptr) return std::nullopt;
      break;
  }
  Proposal chosen{.number = p.number, .protocol = ProtocolId::kEsp};
  chosen.transforms.push_back(*encr);
  if (integ != nullptr) chosen.transforms.push_back(*integ);
  if (dh != nullptr) chosen.transforms.push_back(*dh);
  chosen.transforms.push_back(*FindPlain(p, TransformType::kEsn, kEsnNo));
  return chosen;
}

void FillKeySizes(NegotiatedChild& n) {
  const internal::EncInfo* e = internal::FindEnc(n.suite.enc);
  const internal::IntegInfo* i = internal::FindInteg(n.suite.integ);
  n.encryption_key_size = e != nullptr ? e->key_size + e->salt_size : 0;
  n.integrity_key_size = i != nullptr ? i->key_size : 0;
}

}  // namespace

std::string NegotiatedChild::Describe() const {
  const internal::EncInfo* e = internal::FindEnc(suite.enc);
  std::string out(e != nullptr ? e->name : "?");
  const internal::IntegInfo* i = internal::FindInteg(suite.integ);
  if (suite.integ != IntegrityAlgorithm::kNone && i != nullptr) StrAppend(out, "-", i->name);
  if (pfs_group.has_value()) StrAppend(out, "-", DhGroupName(*pfs_group));
  if (esn) out += "-esn";
  return out;
}

SaPayload NegotiatedChild::Reply(uint32_t our_spi) const {
  return internal::ReplyProposal(chosen, SpiBytes(our_spi));
}

SaPayload OfferChild(std::span<const ChildTransformPolicy> ours, uint32_t spi, bool include_dh) {
  SaPayload sa;
  for (const ChildTransformPolicy& policy : ours) {
    Proposal p{.number = static_cast<uint8_t>(sa.proposals.size() + 1),
               .protocol = ProtocolId::kEsp,
               .spi = SpiBytes(spi)};
    if (std::optional<Transform> encr = EncrTransformFor(policy.suite.enc, ProtocolId::kEsp)) {
      p.transforms.push_back(*encr);
    }
    if (!internal::IsAead(policy.suite.enc)) {
      std::optional<uint16_t> integ = IntegIdFor(policy.suite.integ);
      if (integ.has_value() && *integ != kIntegNone) {
        p.transforms.push_back({.type = TransformType::kInteg, .id = *integ});
      }
    }
    if (include_dh && policy.pfs_group.has_value()) {
      p.transforms.push_back(
          {.type = TransformType::kDh, .id = static_cast<uint16_t>(*policy.pfs_group)});
    }
    p.transforms.push_back({.type = TransformType::kEsn, .id = kEsnNo});
    sa.proposals.push_back(std::move(p));
  }
  return sa;
}

absl::StatusOr<NegotiatedChild> SelectChild(const SaPayload& offered,
                                            std::span<const ChildTransformPolicy> ours,
                                            ChildKeMode mode) {
  if (absl::Status s = ValidateChildPolicies(ours); !s.ok()) {
    return internal::NoProposalChosen("CHILD SA", offered, {}, StrCat("nothing: ", s.message()));
  }
  std::vector<std::string> problems;
  for (const Proposal& p : offered.proposals) {
    problems.push_back(EspProblem(p));
    if (!problems.back().empty()) continue;
    for (const ChildTransformPolicy& policy : ours) {
      std::optional<Proposal> chosen = MatchChild(p, policy, mode);
      if (!chosen.has_value()) continue;
      NegotiatedChild n{
          .suite = policy.suite,
          .pfs_group = mode == ChildKeMode::kCreateChildSaWithKe ? policy.pfs_group : std::nullopt,
          .peer_spi = SpiValue(p.spi),
          .chosen = *std::move(chosen)};
      FillKeySizes(n);
      return n;
    }
  }
  const char* what = mode == ChildKeMode::kCreateChildSaWithKe ? "CHILD SA (with KE)"
                     : mode == ChildKeMode::kCreateChildSa     ? "CHILD SA (without KE)"
                                                               : "CHILD SA";
  return internal::NoProposalChosen(
      what, offered, problems,
      SaPayloadString(OfferChild(ours, 0, mode == ChildKeMode::kCreateChildSaWithKe)));
}

absl::StatusOr<NegotiatedChild> AcceptChildReply(const SaPayload& reply, const SaPayload& offered) {
  absl::StatusOr<internal::ReplyMatch> m = internal::MatchReply(reply, offered, ProtocolId::kEsp);
  if (!m.ok()) return m.status();
  const Proposal& r = *m->reply;
  if (r.spi.size() != kChildSpiSize || SpiValue(r.spi) == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "CHILD SA reply: SPI of %d octets with value %d; a non-zero 4-octet SPI is required",
        r.spi.size(), SpiValue(r.spi)));
  }
  NegotiatedChild n{.peer_spi = SpiValue(r.spi), .chosen = r};
  n.chosen.spi.clear();
  n.suite.integ = IntegrityAlgorithm::kNone;
  bool have_encr = false;
  bool have_esn = false;
  for (const Transform& t : r.transforms) {
    bool ok = false;
    switch (t.type) {
      case TransformType::kEncr:
        if (std::optional<EncryptionAlgorithm> e = EncryptionFromTransform(t, ProtocolId::kEsp)) {
          n.suite.enc = *e;
          ok = have_encr = true;
        }
        break;
      case TransformType::kInteg:
        if (std::optional<IntegrityAlgorithm> i = IntegFromId(t.id)) {
          n.suite.integ = *i;
          ok = true;
        }
        break;
      case TransformType::kDh:
        if (t.id == kDhNone) {
          ok = true;
        } else if (std::optional<DhGroup> g = DhGroupFromId(t.id)) {
          n.pfs_group = *g;
          ok = true;
        }
        break;
      case TransformType::kEsn:
        ok = t.id == kEsnNo || t.id == kEsnYes;
        n.esn = t.id == kEsnYes;
        have_esn = true;
        break;
      default:
        break;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "CHILD SA reply: %s is not an ESP algorithm we implement", TransformName(t)));
    }
  }
  if (!have_encr || !have_esn) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "CHILD SA reply: %s lacks an %s transform", ProposalString(r), have_encr ? "ESN" : "ENCR"));
  }
  const bool aead = internal::IsAead(n.suite.enc);
  if (aead != (n.suite.integ == IntegrityAlgorithm::kNone)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("CHILD SA reply: %s %s", ProposalString(r),
                        aead ? "pairs a combined-mode cipher with an integrity algorithm"
                             : "has no integrity algorithm for a non-AEAD cipher"));
  }
  FillKeySizes(n);
  return n;
}

}  // namespace tunnelisa::ike
