// IKEv1 proposals of both phases (see v1_proposals.h).
#include "ike/v1/v1_proposals.h"

#include "common/str_cat.h"
#include "ike/negotiation/transform_ids.h"
#include "ike/v1/crypto/v1_suite.h"

namespace tunnelisa::ike::v1 {
namespace {

using P1 = V1Phase1Attribute;
using P2 = V1Phase2Attribute;

uint16_t A(P1 a) { return static_cast<uint16_t>(a); }
uint16_t A(P2 a) { return static_cast<uint16_t>(a); }

// Int: the attribute's integer value, or nullopt when absent or malformed.
std::optional<uint64_t> Int(const V1Transform& t, uint16_t type) {
  const V1Attribute* a = t.Find(type);
  if (a == nullptr) return std::nullopt;
  absl::StatusOr<uint64_t> v = a->AsInteger();
  if (!v.ok()) return std::nullopt;
  return *v;
}

// Phase1Of: what one phase 1 transform says, or why it cannot be used.
absl::StatusOr<V1Negotiated> Phase1Of(const V1Transform& t) {
  if (t.id != kV1KeyIke) return absl::InvalidArgumentError("transform is not KEY_IKE");
  std::optional<uint64_t> enc = Int(t, A(P1::kEncryptionAlgorithm));
  std::optional<uint64_t> hash = Int(t, A(P1::kHashAlgorithm));
  std::optional<uint64_t> auth = Int(t, A(P1::kAuthenticationMethod));
  std::optional<uint64_t> group = Int(t, A(P1::kGroupDescription));
  std::optional<uint64_t> key_bits = Int(t, A(P1::kKeyLength));
  if (!enc || !hash || !auth || !group) {
    return absl::InvalidArgumentError("transform lacks a mandatory attribute");
  }
  if (t.Find(A(P1::kPrf)) != nullptr) {
    return absl::InvalidArgumentError("PRF attribute not supported");
  }
  V1Negotiated n;
  std::optional<EncryptionAlgorithm> cipher =
      Phase1Cipher({static_cast<uint16_t>(*enc), static_cast<uint16_t>(key_bits.value_or(0))});
  if (!cipher) return absl::InvalidArgumentError(StrCat("cipher ", *enc, " not supported"));
  std::optional<PrfAlgorithm> prf = PrfForV1Hash(static_cast<uint16_t>(*hash));
  if (!prf) return absl::InvalidArgumentError(StrCat("hash ", *hash, " not supported"));
  n.encryption = *cipher;
  n.prf = *prf;
  n.dh_group = static_cast<DhGroup>(*group);
  n.auth_method = static_cast<uint16_t>(*auth);
  // Life Type / Life Duration pairs; only seconds matter to us (kilobytes: ignored, as the
  // ISAKMP SA carries next to no traffic).
  for (size_t k = 0; k + 1 < t.attributes.size(); ++k) {
    if (t.attributes[k].type != A(P1::kLifeType)) continue;
    absl::StatusOr<uint64_t> type = t.attributes[k].AsInteger();
    if (t.attributes[k + 1].type != A(P1::kLifeDuration)) continue;
    absl::StatusOr<uint64_t> value = t.attributes[k + 1].AsInteger();
    if (type.ok() && value.ok() && *type == static_cast<uint64_t>(V1LifeType::kSeconds) &&
        *value > 0 && *value < (uint64_t{1} << 31)) {
      n.lifetime = Duration::Seconds(static_cast<int64_t>(*value));
    }
  }
  return n;
}

struct ChildOf {
  EspSuite suite;
  std::optional<DhGroup> pfs;
  uint16_t encap = 0;
};

absl::StatusOr<ChildOf> QuickTransformOf(const V1Transform& t) {
  ChildOf c;
  std::optional<uint64_t> key_bits = Int(t, A(P2::kKeyLength));
  std::optional<EncryptionAlgorithm> cipher =
      EspCipher({t.id, static_cast<uint16_t>(key_bits.value_or(0))});
  if (!cipher) return absl::InvalidArgumentError(StrCat("ESP transform ", t.id, " not supported"));
  c.suite.enc = *cipher;
  std::optional<uint64_t> auth = Int(t, A(P2::kAuthenticationAlgorithm));
  if (GetEncryptionInfo(*cipher).aead) {
    if (auth) return absl::InvalidArgumentError("AEAD cipher with an authentication algorithm");
    c.suite.integ = IntegrityAlgorithm::kNone;
  } else {
    if (!auth) return absl::InvalidArgumentError("no authentication algorithm");
    std::optional<IntegrityAlgorithm> integ = EspIntegrity(static_cast<uint16_t>(*auth));
    if (!integ) return absl::InvalidArgumentError(StrCat("authentication ", *auth, " unknown"));
    c.suite.integ = *integ;
  }
  if (std::optional<uint64_t> g = Int(t, A(P2::kGroupDescription))) {
    c.pfs = static_cast<DhGroup>(*g);
  }
  c.encap = static_cast<uint16_t>(Int(t, A(P2::kEncapsulationMode)).value_or(0));
  return c;
}

bool EncapOk(uint16_t encap, bool udp_encap) {
  using M = V1EncapsulationMode;
  if (udp_encap) {
    return encap == static_cast<uint16_t>(M::kUdpTunnel) ||
           encap == static_cast<uint16_t>(M::kUdpTunnelDraft);
  }
  return encap == static_cast<uint16_t>(M::kTunnel);
}

std::vector<uint8_t> SpiBytes4(uint32_t spi) {
  return {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16),
          static_cast<uint8_t>(spi >> 8), static_cast<uint8_t>(spi)};
}

uint32_t Spi4(const std::vector<uint8_t>& b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

NegotiatedChild NegotiatedFrom(const ChildOf& c, uint32_t peer_spi) {
  NegotiatedChild n;
  n.suite = c.suite;
  n.pfs_group = c.pfs;
  n.peer_spi = peer_spi;
  n.encryption_key_size = GetEncryptionInfo(c.suite.enc).keymat_size();
  n.integrity_key_size = GetIntegrityInfo(c.suite.integ).key_size;
  return n;
}

}  // namespace

std::optional<PrfAlgorithm> V1PrfFor(IntegrityAlgorithm integrity) {
  switch (integrity) {
    case IntegrityAlgorithm::kHmacMd5_96:
      return PrfAlgorithm::kHmacMd5;
    case IntegrityAlgorithm::kHmacSha1_96:
      return PrfAlgorithm::kHmacSha1;
    case IntegrityAlgorithm::kHmacSha256_128:
      return PrfAlgorithm::kHmacSha256;
    case IntegrityAlgorithm::kHmacSha384_192:
      return PrfAlgorithm::kHmacSha384;
    case IntegrityAlgorithm::kHmacSha512_256:
      return PrfAlgorithm::kHmacSha512;
    default:
      return std::nullopt;
  }
}

absl::Status ValidateV1Policy(const IkeCryptoPolicy& policy) {
  if (!Phase1CipherAttributes(policy.encryption)) {
    return absl::InvalidArgumentError(
        StrCat(GetEncryptionInfo(policy.encryption).name,
               ": IKEv1 phase 1 has CBC ciphers only (des, 3des, aes128/192/256)"));
  }
  if (!V1PrfFor(policy.integrity)) {
    return absl::InvalidArgumentError("IKEv1 needs an auth-algorithm (md5, sha1, sha256...)");
  }
  return absl::OkStatus();
}

uint16_t Phase1AuthMethod(const IkePeerConfig& peer) {
  // Certificates: RSA signatures, method 3 (RFC 2409 appendix A). XAUTH with them is refused
  // before this (Ikev1Manager::Phase1AuthProblem).
  if (peer.auth.own != nullptr && peer.auth.own->PreSharedKey() == nullptr &&
      peer.auth.own->UsesSignatures()) {
    return static_cast<uint16_t>(V1AuthMethod::kRsaSignatures);
  }
  const bool xauth = peer.xauth_verifier != nullptr || peer.xauth_login.has_value();
  return static_cast<uint16_t>(xauth ? V1AuthMethod::kXauthInitPreShared
                                     : V1AuthMethod::kPreSharedKey);
}

V1SaPayload OfferPhase1(const IkeCryptoPolicy& policy, uint16_t auth_method, Duration lifetime) {
  V1Transform t;
  t.number = 1;
  t.id = kV1KeyIke;
  const V1CipherAttributes cipher = *Phase1CipherAttributes(policy.encryption);
  t.attributes.push_back(V1Attribute::Tv(A(P1::kEncryptionAlgorithm), cipher.id));
  if (cipher.key_bits != 0) {
    t.attributes.push_back(V1Attribute::Tv(A(P1::kKeyLength), cipher.key_bits));
  }
  t.attributes.push_back(
      V1Attribute::Tv(A(P1::kHashAlgorithm), *V1HashFor(*V1PrfFor(policy.integrity))));
  t.attributes.push_back(V1Attribute::Tv(A(P1::kAuthenticationMethod), auth_method));
  t.attributes.push_back(
      V1Attribute::Tv(A(P1::kGroupDescription), static_cast<uint16_t>(policy.dh_group)));
  t.attributes.push_back(
      V1Attribute::Tv(A(P1::kLifeType), static_cast<uint16_t>(V1LifeType::kSeconds)));
  t.attributes.push_back(
      V1Attribute::Integer(A(P1::kLifeDuration), static_cast<uint64_t>(lifetime.ns / 1000000000)));
  V1Proposal p;
  p.number = 1;
  p.protocol = V1ProtocolId::kIsakmp;
  p.transforms.push_back(std::move(t));
  V1SaPayload sa;
  sa.proposals.push_back(std::move(p));
  return sa;
}

absl::StatusOr<V1Negotiated> SelectPhase1(const V1SaPayload& offered, const IkeCryptoPolicy& policy,
                                          uint16_t auth_method, V1SaPayload& reply) {
  std::string why = "no ISAKMP proposal";
  for (const V1Proposal& p : offered.proposals) {
    if (p.protocol != V1ProtocolId::kIsakmp) continue;
    for (const V1Transform& t : p.transforms) {
      absl::StatusOr<V1Negotiated> n = Phase1Of(t);
      if (!n.ok()) {
        why = std::string(n.status().message());
        continue;
      }
      if (n->encryption != policy.encryption || n->prf != V1PrfFor(policy.integrity) ||
          n->dh_group != policy.dh_group) {
        why = StrCat("offered ", n->Describe(), ", configured ",
                     GetEncryptionInfo(policy.encryption).name, "-",
                     GetIntegrityInfo(policy.integrity).name, "-", DhGroupName(policy.dh_group));
        continue;
      }
      if (n->auth_method != auth_method) {
        why = StrCat("authentication method ", n->auth_method, " offered, ", auth_method,
                     " configured");
        continue;
      }
      V1Proposal chosen = p;
      chosen.transforms = {t};
      reply = V1SaPayload{offered.doi, offered.situation, {std::move(chosen)}};
      return n;
    }
  }
  return absl::InvalidArgumentError(StrCat("no acceptable phase 1 proposal (", why, ")"));
}

absl::StatusOr<V1Negotiated> CheckPhase1Answer(const V1SaPayload& answer,
                                               const V1SaPayload& offered) {
  if (answer.proposals.size() != 1 || answer.proposals[0].transforms.size() != 1 ||
      answer.proposals[0].protocol != V1ProtocolId::kIsakmp) {
    return absl::InvalidArgumentError("the answer is not one ISAKMP proposal with one transform");
  }
  // What the answer means, not its bytes: a responder re-encodes the transform it chose
  // (strongSwan puts the group before the authentication method), and each side keeps its own
  // lifetime (Phase1Done takes the shorter).
  absl::StatusOr<V1Negotiated> n = Phase1Of(answer.proposals[0].transforms[0]);
  if (!n.ok()) return n.status();
  for (const V1Proposal& p : offered.proposals) {
    for (const V1Transform& o : p.transforms) {
      absl::StatusOr<V1Negotiated> ours = Phase1Of(o);
      if (ours.ok() && ours->encryption == n->encryption && ours->prf == n->prf &&
          ours->dh_group == n->dh_group && ours->auth_method == n->auth_method) {
        return n;
      }
    }
  }
  return absl::InvalidArgumentError(
      StrCat("the answer is not a transform we offered (", n->Describe(), ")"));
}

V1SaPayload OfferQuick(const QuickOffer& offer, std::optional<DhGroup>& pfs) {
  V1SaPayload sa;
  pfs = offer.transforms.empty() ? std::nullopt : offer.transforms[0].pfs_group;
  uint8_t number = 1;
  for (const ChildTransformPolicy& c : offer.transforms) {
    if (c.pfs_group != pfs) continue;
    std::optional<V1CipherAttributes> cipher = EspCipherAttributes(c.suite.enc);
    if (!cipher) continue;
    V1Transform t;
    t.number = 1;
    t.id = static_cast<uint8_t>(cipher->id);
    t.attributes.push_back(
        V1Attribute::Tv(A(P2::kSaLifeType), static_cast<uint16_t>(V1LifeType::kSeconds)));
    t.attributes.push_back(V1Attribute::Integer(
        A(P2::kSaLifeDuration), static_cast<uint64_t>(offer.lifetime.ns / 1000000000)));
    if (offer.lifetime_kilobytes != 0) {
      t.attributes.push_back(
          V1Attribute::Tv(A(P2::kSaLifeType), static_cast<uint16_t>(V1LifeType::kKilobytes)));
      t.attributes.push_back(
          V1Attribute::Integer(A(P2::kSaLifeDuration), offer.lifetime_kilobytes));
    }
    if (pfs) {
      t.attributes.push_back(
          V1Attribute::Tv(A(P2::kGroupDescription), static_cast<uint16_t>(*pfs)));
    }
    t.attributes.push_back(
        V1Attribute::Tv(A(P2::kEncapsulationMode),
                        static_cast<uint16_t>(offer.udp_encap ? V1EncapsulationMode::kUdpTunnel
                                                              : V1EncapsulationMode::kTunnel)));
    if (std::optional<uint16_t> auth = V1AuthAlgorithmFor(c.suite.integ)) {
      t.attributes.push_back(V1Attribute::Tv(A(P2::kAuthenticationAlgorithm), *auth));
    }
    if (cipher->key_bits != 0) {
      t.attributes.push_back(V1Attribute::Tv(A(P2::kKeyLength), cipher->key_bits));
    }
    V1Proposal p;
    p.number = number++;
    p.protocol = V1ProtocolId::kIpsecEsp;
    p.spi = SpiBytes4(offer.spi);
    p.transforms.push_back(std::move(t));
    sa.proposals.push_back(std::move(p));
  }
  return sa;
}

absl::StatusOr<NegotiatedChild> SelectQuick(const V1SaPayload& offered,
                                            std::span<const ChildTransformPolicy> ours,
                                            bool udp_encap, bool has_ke, uint32_t our_spi,
                                            V1SaPayload& reply) {
  std::string why = "no ESP proposal";
  for (size_t k = 0; k < offered.proposals.size(); ++k) {
    const V1Proposal& p = offered.proposals[k];
    // Proposals sharing a number are AND-ed (ESP with AH, IPComp): we speak ESP alone.
    const bool and_ed =
        (k > 0 && offered.proposals[k - 1].number == p.number) ||
        (k + 1 < offered.proposals.size() && offered.proposals[k + 1].number == p.number);
    if (p.protocol != V1ProtocolId::kIpsecEsp || p.spi.size() != 4 || and_ed) continue;
    for (const V1Transform& t : p.transforms) {
      absl::StatusOr<ChildOf> c = QuickTransformOf(t);
      if (!c.ok()) {
        why = std::string(c.status().message());
        continue;
      }
      if (!EncapOk(c->encap, udp_encap)) {
        why = StrCat("encapsulation mode ", c->encap, udp_encap ? " (NAT-T needs UDP-Tunnel)" : "");
        continue;
      }
      if (c->pfs.has_value() != has_ke) {
        why = has_ke ? "KE payload without a PFS group" : "PFS group without a KE payload";
        continue;
      }
      for (const ChildTransformPolicy& o : ours) {
        if (o.suite != c->suite) continue;
        if (o.pfs_group && o.pfs_group != c->pfs) {
          why = "PFS required";
          continue;
        }
        V1Proposal chosen = p;
        chosen.spi = SpiBytes4(our_spi);
        chosen.transforms = {t};
        reply = V1SaPayload{offered.doi, offered.situation, {std::move(chosen)}};
        return NegotiatedFrom(*c, Spi4(p.spi));
      }
      why = StrCat(GetEncryptionInfo(c->suite.enc).name, "-", GetIntegrityInfo(c->suite.integ).name,
                   " not configured");
    }
  }
  return absl::InvalidArgumentError(StrCat("no acceptable Quick Mode proposal (", why, ")"));
}

absl::StatusOr<NegotiatedChild> CheckQuickAnswer(const V1SaPayload& answer,
                                                 const V1SaPayload& offered) {
  if (answer.proposals.size() != 1 || answer.proposals[0].transforms.size() != 1 ||
      answer.proposals[0].protocol != V1ProtocolId::kIpsecEsp ||
      answer.proposals[0].spi.size() != 4) {
    return absl::InvalidArgumentError("the answer is not one ESP proposal with one transform");
  }
  // As in phase 1: the answer's meaning (cipher, key length, integrity, group, encapsulation),
  // whatever the order of its attributes and its lifetimes.
  const V1Transform& t = answer.proposals[0].transforms[0];
  absl::StatusOr<ChildOf> c = QuickTransformOf(t);
  if (!c.ok()) return c.status();
  for (const V1Proposal& p : offered.proposals) {
    for (const V1Transform& o : p.transforms) {
      absl::StatusOr<ChildOf> ours = QuickTransformOf(o);
      if (o.id == t.id && ours.ok() && ours->suite == c->suite && ours->pfs == c->pfs &&
          ours->encap == c->encap) {
        return NegotiatedFrom(*c, Spi4(answer.proposals[0].spi));
      }
    }
  }
  return absl::InvalidArgumentError("the answer is not a transform we offered");
}

std::string V1Negotiated::Describe() const {
  std::string hash = "sha1";
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      hash = "md5";
      break;
    case PrfAlgorithm::kHmacSha256:
      hash = "sha256";
      break;
    case PrfAlgorithm::kHmacSha384:
      hash = "sha384";
      break;
    case PrfAlgorithm::kHmacSha512:
      hash = "sha512";
      break;
    default:
      break;
  }
  return StrCat(GetEncryptionInfo(encryption).name, "-", hash, "-", DhGroupName(dh_group));
}

}  // namespace tunnelisa::ike::v1
