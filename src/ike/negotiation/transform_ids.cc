#include "ike/negotiation/transform_ids.h"

#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ike/negotiation/algorithm_info.h"

namespace tunnelisa::ike {
namespace {

// EncrRow: one encryption algorithm as a transform: ID and Key Length (0: fixed-size key, no
// attribute). `esp_only`: not allowed in IKE proposals.
struct EncrRow {
  EncryptionAlgorithm alg;
  uint16_t id;
  uint16_t key_bits;
  bool esp_only;
};

//= https://www.rfc-editor.org/rfc/rfc7296#section-3.3.5
//# The Key Length attribute MUST NOT be used with transforms that use a
//# fixed-length key.
// (So DES, 3DES, NULL and ChaCha20-Poly1305 carry key_bits 0 here.)
constexpr EncrRow kEncrRows[] = {
    {EncryptionAlgorithm::kNull, kEncrNull, 0, true},
    {EncryptionAlgorithm::kDesCbc, kEncrDes, 0, false},
    {EncryptionAlgorithm::k3DesCbc, kEncr3Des, 0, false},
    {EncryptionAlgorithm::kAes128Cbc, kEncrAesCbc, 128, false},
    {EncryptionAlgorithm::kAes192Cbc, kEncrAesCbc, 192, false},
    {EncryptionAlgorithm::kAes256Cbc, kEncrAesCbc, 256, false},
    {EncryptionAlgorithm::kAes128Gcm8, kEncrAesGcm8, 128, false},
    {EncryptionAlgorithm::kAes128Gcm12, kEncrAesGcm12, 128, false},
    {EncryptionAlgorithm::kAes128Gcm16, kEncrAesGcm16, 128, false},
    {EncryptionAlgorithm::kAes192Gcm8, kEncrAesGcm8, 192, false},
    {EncryptionAlgorithm::kAes192Gcm12, kEncrAesGcm12, 192, false},
    {EncryptionAlgorithm::kAes192Gcm16, kEncrAesGcm16, 192, false},
    {EncryptionAlgorithm::kAes256Gcm8, kEncrAesGcm8, 256, false},
    {EncryptionAlgorithm::kAes256Gcm12, kEncrAesGcm12, 256, false},
    {EncryptionAlgorithm::kAes256Gcm16, kEncrAesGcm16, 256, false},
    {EncryptionAlgorithm::kChaCha20Poly1305, kEncrChaCha20Poly1305, 0, false},
};
static_assert(std::size(kEncrRows) == std::size(internal::kEncInfo));

// HashRow: one hash as PRF and INTEG transform IDs.
struct HashRow {
  IntegrityAlgorithm alg;
  uint16_t prf_id;  // 0: no PRF
  uint16_t integ_id;
};

constexpr HashRow kHashRows[] = {
    {IntegrityAlgorithm::kNone, 0, kIntegNone},
    {IntegrityAlgorithm::kHmacMd5_96, 1, 1},
    {IntegrityAlgorithm::kHmacSha1_96, 2, 2},
    // RFC 4868 section 2.1 / 2.2: PRF_HMAC_SHA2_* 5-7, AUTH_HMAC_SHA2_*_* 12-14.
    {IntegrityAlgorithm::kHmacSha256_128, 5, 12},
    {IntegrityAlgorithm::kHmacSha384_192, 6, 13},
    {IntegrityAlgorithm::kHmacSha512_256, 7, 14},
};
static_assert(std::size(kHashRows) == std::size(internal::kIntegInfo));

// DhRow: a group we implement, with its names.
struct DhRow {
  DhGroup group;
  const char* config_name;
  const char* wire_name;
};

constexpr DhRow kDhRows[] = {
    {DhGroup::kModp768, "modp768", "MODP_768"},
    {DhGroup::kModp1024, "modp1024", "MODP_1024"},
    {DhGroup::kModp1536, "modp1536", "MODP_1536"},
    {DhGroup::kModp2048, "modp2048", "MODP_2048"},
    {DhGroup::kModp3072, "modp3072", "MODP_3072"},
    {DhGroup::kEcp256, "ecp256", "ECP_256"},  // RFC 5903
    {DhGroup::kEcp384, "ecp384", "ECP_384"},
    {DhGroup::kEcp521, "ecp521", "ECP_521"},
    {DhGroup::kCurve25519, "curve25519", "CURVE_25519"},  // RFC 8031
};

// Names of IDs we do not implement but that peers commonly send, so logs read well.
struct IdName {
  uint16_t id;
  const char* name;
};
constexpr IdName kOtherEncrNames[] = {{1, "DES_IV64"},     {7, "BLOWFISH"},    {13, "AES_CTR"},
                                      {14, "AES_CCM_8"},   {15, "AES_CCM_12"}, {16, "AES_CCM_16"},
                                      {23, "CAMELLIA_CBC"}};
constexpr IdName kPrfNames[] = {{1, "PRF_HMAC_MD5"},      {2, "PRF_HMAC_SHA1"},
                                {4, "PRF_AES128_XCBC"},   {5, "PRF_HMAC_SHA2_256"},
                                {6, "PRF_HMAC_SHA2_384"}, {7, "PRF_HMAC_SHA2_512"},
                                {8, "PRF_AES128_CMAC"}};
constexpr IdName kIntegNames[] = {{0, "NONE"},
                                  {1, "HMAC_MD5_96"},
                                  {2, "HMAC_SHA1_96"},
                                  {5, "AES_XCBC_96"},
                                  {8, "AES_CMAC_96"},
                                  {12, "HMAC_SHA2_256_128"},
                                  {13, "HMAC_SHA2_384_192"},
                                  {14, "HMAC_SHA2_512_256"}};
constexpr IdName kOtherDhNames[] = {{0, "DH_NONE"},    {16, "MODP_4096"},     {17, "MODP_6144"},
                                    {18, "MODP_8192"}, {24, "MODP_2048_256"}, {32, "CURVE_448"}};

const char* Lookup(std::span<const IdName> table, uint16_t id) {
  for (const IdName& n : table) {
    if (n.id == id) return n.name;
  }
  return nullptr;
}

std::string EncrName(const Transform& t) {
  std::string base;
  switch (t.id) {
    case kEncrDes:
      base = "DES";
      break;
    case kEncr3Des:
      base = "3DES";
      break;
    case kEncrNull:
      base = "NULL";
      break;
    case kEncrAesCbc:
      base = "AES_CBC";
      break;
    case kEncrAesGcm8:
      base = "AES_GCM_8";
      break;
    case kEncrAesGcm12:
      base = "AES_GCM_12";
      break;
    case kEncrAesGcm16:
      base = "AES_GCM_16";
      break;
    case kEncrChaCha20Poly1305:
      base = "CHACHA20_POLY1305";
      break;
    default: {
      const char* other = Lookup(kOtherEncrNames, t.id);
      base = other != nullptr ? other : absl::StrFormat("ENCR_%d", t.id);
    }
  }
  if (t.key_length.has_value()) base += absl::StrFormat("_%d", *t.key_length);
  return base;
}

}  // namespace

std::optional<Transform> EncrTransformFor(EncryptionAlgorithm a, ProtocolId protocol) {
  for (const EncrRow& row : kEncrRows) {
    if (row.alg != a) continue;
    if (row.esp_only && protocol == ProtocolId::kIke) return std::nullopt;
    Transform t{.type = TransformType::kEncr, .id = row.id};
    if (row.key_bits != 0) t.key_length = row.key_bits;
    return t;
  }
  return std::nullopt;
}

std::optional<EncryptionAlgorithm> EncryptionFromTransform(const Transform& t,
                                                           ProtocolId protocol) {
  if (t.type != TransformType::kEncr || !t.other_attributes.empty()) return std::nullopt;
  for (const EncrRow& row : kEncrRows) {
    if (row.id != t.id || (row.esp_only && protocol == ProtocolId::kIke)) continue;
    const uint16_t key_bits = t.key_length.value_or(0);
    if (key_bits == row.key_bits && t.key_length.has_value() == (row.key_bits != 0)) {
      return row.alg;
    }
  }
  return std::nullopt;
}

std::optional<uint16_t> PrfIdFor(IntegrityAlgorithm a) {
  for (const HashRow& row : kHashRows) {
    if (row.alg == a) return row.prf_id == 0 ? std::nullopt : std::optional<uint16_t>(row.prf_id);
  }
  return std::nullopt;
}

std::optional<IntegrityAlgorithm> PrfFromId(uint16_t id) {
  if (id == 0) return std::nullopt;
  for (const HashRow& row : kHashRows) {
    if (row.prf_id == id) return row.alg;
  }
  return std::nullopt;
}

std::optional<uint16_t> IntegIdFor(IntegrityAlgorithm a) {
  for (const HashRow& row : kHashRows) {
    if (row.alg == a) return row.integ_id;
  }
  return std::nullopt;
}

std::optional<IntegrityAlgorithm> IntegFromId(uint16_t id) {
  for (const HashRow& row : kHashRows) {
    if (row.integ_id == id) return row.alg;
  }
  return std::nullopt;
}

std::optional<DhGroup> DhGroupFromId(uint16_t id) {
  for (const DhRow& row : kDhRows) {
    if (static_cast<uint16_t>(row.group) == id) return row.group;
  }
  return std::nullopt;
}

std::string DhGroupName(DhGroup group) {
  for (const DhRow& row : kDhRows) {
    if (row.group == group) return row.config_name;
  }
  return absl::StrFormat("group%d", static_cast<uint16_t>(group));
}

std::string TransformName(const Transform& t) {
  std::string name;
  const char* known = nullptr;
  switch (t.type) {
    case TransformType::kEncr:
      name = EncrName(t);
      break;
    case TransformType::kPrf:
      known = Lookup(kPrfNames, t.id);
      name = known != nullptr ? known : absl::StrFormat("PRF_%d", t.id);
      break;
    case TransformType::kInteg:
      known = Lookup(kIntegNames, t.id);
      name = known != nullptr ? known : absl::StrFormat("INTEG_%d", t.id);
      break;
    case TransformType::kDh:
      if (std::optional<DhGroup> g = DhGroupFromId(t.id)) {
        for (const DhRow& row : kDhRows) {
          if (row.group == *g) name = row.wire_name;
        }
      } else {
        known = Lookup(kOtherDhNames, t.id);
        name = known != nullptr ? known : absl::StrFormat("DH_%d", t.id);
      }
      break;
    case TransformType::kEsn:
      name = t.id == kEsnNo ? "NO_ESN" : t.id == kEsnYes ? "ESN" : absl::StrFormat("ESN_%d", t.id);
      break;
    default:
      name = absl::StrFormat("TYPE%d_%d", static_cast<int>(t.type), t.id);
  }
  if (t.type != TransformType::kEncr && t.key_length.has_value()) {
    name += absl::StrFormat("+keylen%d", *t.key_length);
  }
  for (const TransformAttribute& a : t.other_attributes) {
    name += absl::StrFormat("+attr%d", a.type);
  }
  return name;
}

std::string ProposalString(const Proposal& p) {
  static constexpr TransformType kOrder[] = {TransformType::kEncr, TransformType::kInteg,
                                             TransformType::kPrf, TransformType::kDh,
                                             TransformType::kEsn};
  std::vector<std::string> parts;
  for (TransformType type : kOrder) {
    for (const Transform& t : p.transforms) {
      if (t.type == type) parts.push_back(TransformName(t));
    }
  }
  for (const Transform& t : p.transforms) {
    const auto raw = static_cast<uint8_t>(t.type);
    if (raw < 1 || raw > 5) parts.push_back(TransformName(t));
  }
  std::string out;
  if (p.protocol == ProtocolId::kAh) {
    out = "AH:";
  } else if (p.protocol != ProtocolId::kIke && p.protocol != ProtocolId::kEsp) {
    out = absl::StrFormat("PROTO%d:", static_cast<int>(p.protocol));
  }
  out += parts.empty() ? std::string("(no transforms)") : absl::StrJoin(parts, "/");
  return out;
}

std::string SaPayloadString(const SaPayload& sa) {
  std::vector<std::string> parts;
  parts.reserve(sa.proposals.size());
  for (const Proposal& p : sa.proposals) parts.push_back(ProposalString(p));
  return absl::StrJoin(parts, " | ");
}

}  // namespace tunnelisa::ike
