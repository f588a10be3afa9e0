#include "ike/negotiation/policy.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "ike/negotiation/algorithm_info.h"
#include "ike/negotiation/transform_ids.h"

namespace tunnelisa::ike {
namespace {

absl::Status CheckKnown(EncryptionAlgorithm enc, IntegrityAlgorithm integ,
                        const std::string& where) {
  if (internal::FindEnc(enc) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unknown encryption algorithm %d", where, static_cast<int>(enc)));
  }
  if (internal::FindInteg(integ) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unknown integrity algorithm %d", where, static_cast<int>(integ)));
  }
  return absl::OkStatus();
}

absl::Status CheckGroup(DhGroup group, const std::string& where) {
  if (!DhGroupFromId(static_cast<uint16_t>(group)).has_value()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unknown D-H group %d", where, static_cast<int>(group)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateIkePolicy(const IkeCryptoPolicy& policy) {
  if (absl::Status s = CheckKnown(policy.encryption, policy.integrity, "ike-policy"); !s.ok()) {
    return s;
  }
  if (policy.encryption == EncryptionAlgorithm::kNull) {
    return absl::InvalidArgumentError(
        "ike-policy: encryption-algorithm null is not allowed for IKE (ENCR_NULL is ESP-only)");
  }
  if (policy.integrity == IntegrityAlgorithm::kNone) {
    return absl::InvalidArgumentError(
        "ike-policy: auth-algorithm none leaves IKE without a PRF; choose md5, sha1, sha256, "
        "sha384 or sha512");
  }
  return CheckGroup(policy.dh_group, "ike-policy dh-group");
}

absl::Status ValidateChildPolicies(std::span<const ChildTransformPolicy> policies) {
  if (policies.empty() || policies.size() > kMaxChildTransforms) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d ipsec-transforms; between 1 and %d are allowed", policies.size(), kMaxChildTransforms));
  }
  for (size_t i = 0; i < policies.size(); ++i) {
    const ChildTransformPolicy& p = policies[i];
    const std::string where = absl::StrFormat("ipsec-transform %d", i + 1);
    if (absl::Status s = CheckKnown(p.suite.enc, p.suite.integ, where); !s.ok()) return s;
    const bool aead = internal::IsAead(p.suite.enc);
    if (aead && p.suite.integ != IntegrityAlgorithm::kNone) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %s is a combined-mode cipher and takes no esp-auth-algorithm (got %s)", where,
          internal::FindEnc(p.suite.enc)->name, internal::FindInteg(p.suite.integ)->name));
    }
    if (!aead && p.suite.integ == IntegrityAlgorithm::kNone) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: %s needs an esp-auth-algorithm", where,
                                                        internal::FindEnc(p.suite.enc)->name));
    }
    if (p.pfs_group.has_value()) {
      if (absl::Status s = CheckGroup(*p.pfs_group, where + " pfs-dh-group"); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike
