// File: ike/negotiation/policy.h
//
// The policy inputs of IKEv2 SA negotiation, in IKE's own terms: what one ike-policy asks of
// the IKE SA (IkeCryptoPolicy) and what the ipsec-transforms of a tunnel ask of its CHILD SAs
// (ChildTransformPolicy, up to kMaxChildTransforms in preference order). The engine maps the
// configuration model into these structs; this layer never reads configuration.
//
// Example:
//   IkeCryptoPolicy ike{.encryption = EncryptionAlgorithm::kAes256Cbc,
//                       .integrity = IntegrityAlgorithm::kHmacSha256_128,
//                       .dh_group = DhGroup::kModp2048};
//   if (absl::Status s = ValidateIkePolicy(ike); !s.ok()) return s;
//
// Value types; any thread. Not on the packet fast path.
#ifndef TUNNELISA_SRC_IKE_NEGOTIATION_POLICY_H_
#define TUNNELISA_SRC_IKE_NEGOTIATION_POLICY_H_

#include <cstddef>
#include <optional>
#include <span>

#include "absl/status/status.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa::ike {

// kMaxChildTransforms: the guide's limit of ipsec-transforms per tunnel; each becomes one ESP
// proposal.
inline constexpr size_t kMaxChildTransforms = 4;

// IkeCryptoPolicy: one ike-policy, which yields exactly one IKE proposal. `integrity` is also
// the PRF (the guide's ike-policy auth-algorithm names both): for an AEAD `encryption` it is
// the PRF only and the proposal carries no INTEG transform (RFC 5282).
struct IkeCryptoPolicy {
  EncryptionAlgorithm encryption = EncryptionAlgorithm::kAes256Cbc;
  IntegrityAlgorithm integrity = IntegrityAlgorithm::kHmacSha256_128;
  DhGroup dh_group = DhGroup::kModp2048;
  bool operator==(const IkeCryptoPolicy&) const = default;
};

// ChildTransformPolicy: one ipsec-transform: the ESP suite and, for CREATE_CHILD_SA, the PFS
// group (pfs-dh-group; nullopt: no PFS).
struct ChildTransformPolicy {
  EspSuite suite;
  std::optional<DhGroup> pfs_group;
  bool operator==(const ChildTransformPolicy&) const = default;
};

// ValidateIkePolicy: OK when `policy` can be offered and negotiated. Errors (InvalidArgument,
// naming the field): encryption null (ENCR_NULL is not allowed for IKE), integrity none (the
// PRF is mandatory), an unknown enum value. Any thread; never on the fast path.
absl::Status ValidateIkePolicy(const IkeCryptoPolicy& policy);

// ValidateChildPolicies: OK when `policies` holds 1..kMaxChildTransforms entries, each with a
// non-AEAD cipher paired with an integrity algorithm (null encryption included) or an AEAD
// cipher with integrity none, and known DH groups. Errors name the entry (1-based) and field.
absl::Status ValidateChildPolicies(std::span<const ChildTransformPolicy> policies);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_NEGOTIATION_POLICY_H_
