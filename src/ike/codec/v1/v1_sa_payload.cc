#include "ike/codec/v1/v1_sa_payload.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using internal::V1Malformed;
using internal::V1SerializeError;
using internal::V1Truncated;

constexpr uint8_t kNextProposal = static_cast<uint8_t>(V1PayloadType::kProposal);
constexpr uint8_t kNextTransform = static_cast<uint8_t>(V1PayloadType::kTransform);
constexpr V1NotifyType kBadSyntax = V1NotifyType::kBadProposalSyntax;
constexpr size_t kSubstructHeaderSize = 4;  // Next Payload, RESERVED, Payload Length

// ReadSubstruct: a proposal's or transform's generic header; `inner` gets what follows it up to
// its Payload Length (at least `min_length` in all).
absl::Status ReadSubstruct(Reader& r, const char* what, size_t min_length, uint8_t& next,
                           Reader& inner) {
  const size_t at = r.offset();
  uint16_t length = 0;
  if (r.remaining() < kSubstructHeaderSize || !r.U8(next) || !r.Skip(1) || !r.U16(length)) {
    return V1Truncated(what, r, kSubstructHeaderSize, kBadSyntax);
  }
  if (length < min_length) {
    return V1Malformed(what, at, absl::StrFormat("Payload Length %d < %d", length, min_length),
                       kBadSyntax);
  }
  if (!r.Sub(length - kSubstructHeaderSize, inner)) {
    return V1Malformed(what, at,
                       absl::StrFormat("Payload Length %d runs past its container (%d left)",
                                       length, r.remaining() + kSubstructHeaderSize),
                       kBadSyntax);
  }
  return absl::OkStatus();
}

// Transform payload (RFC 2408 3.6): see the header's diagram.
absl::Status ParseTransforms(Reader& r, size_t count, V1Proposal& p) {
  for (size_t i = 0; i < count; ++i) {
    const size_t at = r.offset();
    if (r.empty()) {
      return V1Malformed("transform", at,
                         absl::StrFormat("# Transforms is %d but only %d are present", count, i),
                         kBadSyntax);
    }
    uint8_t next = 0;
    Reader t;
    if (absl::Status s = ReadSubstruct(r, "transform", 8, next, t); !s.ok()) return s;
    //= https://www.rfc-editor.org/rfc/rfc2408#section-3.6
    //# This field MUST only contain the value "3" or "0".
    const bool is_last = i + 1 == count;
    if (next != (is_last ? 0 : kNextTransform)) {
      return V1Malformed(
          "transform", at,
          absl::StrFormat("Next Payload %d disagrees with # Transforms %d", next, count),
          kBadSyntax);
    }
    V1Transform transform;
    // Cannot fail: the length is at least 8.
    (void)(t.U8(transform.number) && t.U8(transform.id) && t.Skip(2));
    if (absl::Status s =
            ParseV1Attributes(t, "transform attribute", kV1MaxAttributes, transform.attributes);
        !s.ok()) {
      return s;
    }
    p.transforms.push_back(std::move(transform));
  }
  if (!r.empty()) {
    return V1Malformed(
        "proposal", r.offset(),
        absl::StrFormat("%d octets after the %d declared transforms", r.remaining(), count),
        kBadSyntax);
  }
  return absl::OkStatus();
}

absl::Status ParseProposals(Reader& body, V1SaPayload& sa) {
  bool saw_last = false;
  while (!body.empty()) {
    const size_t at = body.offset();
    if (saw_last) return V1Malformed("proposal", at, "data after the last proposal", kBadSyntax);
    if (sa.proposals.size() == kV1MaxProposals) {
      return V1Malformed("proposal", at, absl::StrFormat("more than %d", kV1MaxProposals),
                         kBadSyntax);
    }
    uint8_t next = 0;
    Reader p;
    if (absl::Status s = ReadSubstruct(body, "proposal", 8, next, p); !s.ok()) return s;
    //= https://www.rfc-editor.org/rfc/rfc2408#section-3.5
    //# This field MUST only contain the value "2" or "0".
    if (next == 0) {
      saw_last = true;
    } else if (next != kNextProposal) {
      return V1Malformed("proposal", at, absl::StrFormat("Next Payload %d", next), kBadSyntax);
    }
    V1Proposal proposal;
    uint8_t protocol = 0;
    uint8_t spi_size = 0;
    uint8_t num_transforms = 0;
    // Cannot fail: the length is at least 8.
    (void)(p.U8(proposal.number) && p.U8(protocol) && p.U8(spi_size) && p.U8(num_transforms));
    proposal.protocol = static_cast<V1ProtocolId>(protocol);
    if (!p.CopyBytes(spi_size, proposal.spi)) {
      return V1Malformed("proposal", at,
                         absl::StrFormat("SPI Size %d runs past the proposal", spi_size),
                         kBadSyntax);
    }
    //= https://www.rfc-editor.org/rfc/rfc2408#section-3.5
    //# Proposal # (1 octet) - Identifies the Proposal number for the current payload.
    // RFC 2408 4.2 numbers alternatives in increasing order and repeats a number for proposals
    // that belong together (AND), so numbers never decrease.
    if (!sa.proposals.empty() && proposal.number < sa.proposals.back().number) {
      return V1Malformed(
          "proposal", at,
          absl::StrFormat("Proposal # %d after %d", proposal.number, sa.proposals.back().number),
          kBadSyntax);
    }
    if (num_transforms == 0 || num_transforms > kV1MaxTransforms) {
      return V1Malformed(
          "proposal", at,
          absl::StrFormat("# Transforms %d (allowed: 1 to %d)", num_transforms, kV1MaxTransforms),
          kBadSyntax);
    }
    if (absl::Status s = ParseTransforms(p, num_transforms, proposal); !s.ok()) return s;
    sa.proposals.push_back(std::move(proposal));
  }
  if (sa.proposals.empty()) {
    return V1Malformed("SA payload", body.offset(), "no proposal", kBadSyntax);
  }
  if (!saw_last) {
    return V1Malformed("SA payload", body.offset(), "last proposal not marked last", kBadSyntax);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<V1SaPayload> V1SaPayload::Parse(Reader& body) {
  V1SaPayload sa;
  const size_t at = body.offset();
  if (body.remaining() < 8 || !body.U32(sa.doi)) return V1Truncated("SA payload", body, 8);
  if (sa.doi != kV1DoiIpsec) {
    return V1Malformed("SA payload", at, absl::StrFormat("DOI %d is not IPsec (1)", sa.doi),
                       V1NotifyType::kDoiNotSupported);
  }
  (void)body.U32(sa.situation);  // cannot fail: 8 octets were there
  //= https://www.rfc-editor.org/rfc/rfc2407#section-4.2.1
  //# All IPSEC DOI implementations MUST support SIT_IDENTITY_ONLY
  // and nothing else is needed here: the secrecy and integrity situations add labelled-domain
  // fields for multi-level security, which tunnelisa does not offer.
  if (sa.situation != kV1SitIdentityOnly) {
    return V1Malformed("SA payload", at + 4,
                       absl::StrFormat("situation 0x%x is not SIT_IDENTITY_ONLY", sa.situation),
                       V1NotifyType::kSituationNotSupported);
  }
  if (absl::Status s = ParseProposals(body, sa); !s.ok()) return s;
  return sa;
}

absl::Status V1SaPayload::Serialize(Writer& w) const {
  if (proposals.empty()) return V1SerializeError("SA payload", "no proposal");
  w.U32(doi);
  w.U32(situation);
  for (size_t i = 0; i < proposals.size(); ++i) {
    const V1Proposal& p = proposals[i];
    const size_t start = w.size();
    w.U8(i + 1 == proposals.size() ? 0 : kNextProposal);
    w.U8(0);
    const size_t length_at = w.Reserve16();
    w.U8(p.number);
    w.U8(static_cast<uint8_t>(p.protocol));
    if (p.spi.size() > 0xff) return V1SerializeError("proposal", "SPI over 255 octets");
    if (p.transforms.empty() || p.transforms.size() > 0xff) {
      return V1SerializeError("proposal", "needs 1 to 255 transforms");
    }
    w.U8(static_cast<uint8_t>(p.spi.size()));
    w.U8(static_cast<uint8_t>(p.transforms.size()));
    w.Bytes(p.spi);
    for (size_t j = 0; j < p.transforms.size(); ++j) {
      const V1Transform& t = p.transforms[j];
      const size_t t_start = w.size();
      w.U8(j + 1 == p.transforms.size() ? 0 : kNextTransform);
      w.U8(0);
      const size_t t_length_at = w.Reserve16();
      w.U8(t.number);
      w.U8(t.id);
      w.U16(0);
      if (absl::Status s = SerializeV1Attributes(t.attributes, w); !s.ok()) return s;
      if (!w.Patch16(t_length_at, w.size() - t_start)) {
        return V1SerializeError("transform", "over 65535 octets");
      }
    }
    if (!w.Patch16(length_at, w.size() - start)) {
      return V1SerializeError("proposal", "over 65535 octets");
    }
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike::v1
