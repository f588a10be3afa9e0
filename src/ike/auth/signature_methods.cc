// Signature AUTH methods (RFC 7296 3.8, RFC 4754, RFC 7427, RFC 8420): choosing a scheme,
// and the AlgorithmIdentifiers of method 14 built and parsed with OpenSSL's ASN.1 types.
#include "ike/auth/signature_methods.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "common/str_cat.h"

namespace tunnelisa::ike {
namespace {

using pki::HashAlgorithm;
using pki::KeyType;

struct AlgorFree {
  void operator()(X509_ALGOR* a) const { X509_ALGOR_free(a); }
};
struct PssFree {
  void operator()(RSA_PSS_PARAMS* p) const { RSA_PSS_PARAMS_free(p); }
};
using Algor = std::unique_ptr<X509_ALGOR, AlgorFree>;
using PssParams = std::unique_ptr<RSA_PSS_PARAMS, PssFree>;

const EVP_MD* MdOf(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha1:
      return EVP_sha1();
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha384:
      return EVP_sha384();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
    case HashAlgorithm::kNone:
    case HashAlgorithm::kMd5:  // never a signature hash
      break;
  }
  return nullptr;
}

std::optional<HashAlgorithm> HashOfNid(int nid) {
  switch (nid) {
    case NID_sha1:
      return HashAlgorithm::kSha1;
    case NID_sha256:
      return HashAlgorithm::kSha256;
    case NID_sha384:
      return HashAlgorithm::kSha384;
    case NID_sha512:
      return HashAlgorithm::kSha512;
    default:
      return std::nullopt;
  }
}

std::string_view HashName(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha1:
      return "SHA-1";
    case HashAlgorithm::kSha256:
      return "SHA-256";
    case HashAlgorithm::kSha384:
      return "SHA-384";
    case HashAlgorithm::kSha512:
      return "SHA-512";
    case HashAlgorithm::kMd5:
      return "MD5";
    case HashAlgorithm::kNone:
      break;
  }
  return "none";
}

bool IsEcdsa(KeyType t) {
  return t == KeyType::kEcdsaP256 || t == KeyType::kEcdsaP384 || t == KeyType::kEcdsaP521;
}

bool IsRsaPssKey(const pki::PrivateKey& key) {
  return key.native() != nullptr && EVP_PKEY_is_a(key.native(), "RSA-PSS") == 1;
}

HashAlgorithm HashOf(SignatureHash h) {
  switch (h) {
    case SignatureHash::kSha1:
      return HashAlgorithm::kSha1;
    case SignatureHash::kSha256:
      return HashAlgorithm::kSha256;
    case SignatureHash::kSha384:
      return HashAlgorithm::kSha384;
    case SignatureHash::kSha512:
      return HashAlgorithm::kSha512;
    case SignatureHash::kIdentity:
      break;
  }
  return HashAlgorithm::kNone;
}

bool Announced(std::span<const uint16_t> peer, SignatureHash h) {
  return std::find(peer.begin(), peer.end(), static_cast<uint16_t>(h)) != peer.end();
}

// EcdsaCurveHash: RFC 4754's pairing of curve and hash (also our first choice in method 14).
SignatureHash EcdsaCurveHash(KeyType t) {
  return t == KeyType::kEcdsaP256   ? SignatureHash::kSha256
         : t == KeyType::kEcdsaP384 ? SignatureHash::kSha384
                                    : SignatureHash::kSha512;
}

AuthMethod EcdsaMethod(KeyType t) {
  return t == KeyType::kEcdsaP256   ? AuthMethod::kEcdsaSha256P256
         : t == KeyType::kEcdsaP384 ? AuthMethod::kEcdsaSha384P384
                                    : AuthMethod::kEcdsaSha512P521;
}

absl::StatusOr<std::vector<uint8_t>> AlgorDer(X509_ALGOR* alg) {
  unsigned char* out = nullptr;
  const int len = i2d_X509_ALGOR(alg, &out);
  if (len <= 0) return absl::InternalError("AlgorithmIdentifier encoding failed");
  std::vector<uint8_t> der(out, out + len);
  OPENSSL_free(out);
  return der;
}

// PssAlgorithmIdentifier: id-RSASSA-PSS with its parameters (RFC 4055 section 3.1: hash,
// MGF1 over the same hash, salt as long as the hash; the trailer field left at its default).
absl::StatusOr<std::vector<uint8_t>> PssAlgorithmIdentifier(const EVP_MD* md) {
  PssParams pss(RSA_PSS_PARAMS_new());
  Algor mgf_hash(X509_ALGOR_new());
  if (!pss || !mgf_hash) return absl::InternalError("out of memory");
  pss->hashAlgorithm = X509_ALGOR_new();
  pss->maskGenAlgorithm = X509_ALGOR_new();
  pss->saltLength = ASN1_INTEGER_new();
  if (pss->hashAlgorithm == nullptr || pss->maskGenAlgorithm == nullptr ||
      pss->saltLength == nullptr || ASN1_INTEGER_set(pss->saltLength, EVP_MD_get_size(md)) != 1) {
    return absl::InternalError("RSASSA-PSS parameters");
  }
  X509_ALGOR_set_md(pss->hashAlgorithm, md);
  X509_ALGOR_set_md(mgf_hash.get(), md);
  ASN1_STRING* mgf_param = ASN1_item_pack(mgf_hash.get(), ASN1_ITEM_rptr(X509_ALGOR), nullptr);
  if (mgf_param == nullptr || X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1),
                                              V_ASN1_SEQUENCE, mgf_param) != 1) {
    ASN1_STRING_free(mgf_param);
    return absl::InternalError("RSASSA-PSS MGF1 parameters");
  }
  ASN1_STRING* params = ASN1_item_pack(pss.get(), ASN1_ITEM_rptr(RSA_PSS_PARAMS), nullptr);
  Algor alg(X509_ALGOR_new());
  if (params == nullptr || !alg ||
      X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params) != 1) {
    ASN1_STRING_free(params);
    return absl::InternalError("RSASSA-PSS AlgorithmIdentifier");
  }
  return AlgorDer(alg.get());
}

// AlgorithmIdentifier: the signature algorithm of method 14 (RFC 7427 section 3).
absl::StatusOr<std::vector<uint8_t>> AlgorithmIdentifier(KeyType type,
                                                         const pki::SignatureOptions& o) {
  int nid = NID_undef;
  int param_type = V_ASN1_UNDEF;
  if (type == KeyType::kEd25519) {
    nid = NID_ED25519;  // RFC 8410: parameters absent
  } else if (IsEcdsa(type)) {
    nid = o.hash == HashAlgorithm::kSha256   ? NID_ecdsa_with_SHA256
          : o.hash == HashAlgorithm::kSha384 ? NID_ecdsa_with_SHA384
          : o.hash == HashAlgorithm::kSha512 ? NID_ecdsa_with_SHA512
                                             : NID_undef;  // RFC 5758: parameters absent
  } else if (type == KeyType::kRsa && o.rsa_pss) {
    return PssAlgorithmIdentifier(MdOf(o.hash));
  } else if (type == KeyType::kRsa) {
    param_type = V_ASN1_NULL;  // RFC 4055 section 5: NULL parameters
    nid = o.hash == HashAlgorithm::kSha256   ? NID_sha256WithRSAEncryption
          : o.hash == HashAlgorithm::kSha384 ? NID_sha384WithRSAEncryption
          : o.hash == HashAlgorithm::kSha512 ? NID_sha512WithRSAEncryption
                                             : NID_undef;
  }
  if (nid == NID_undef) return absl::InvalidArgumentError("no AlgorithmIdentifier for this key");
  Algor alg(X509_ALGOR_new());
  if (!alg || X509_ALGOR_set0(alg.get(), OBJ_nid2obj(nid), param_type, nullptr) != 1) {
    return absl::InternalError("AlgorithmIdentifier");
  }
  return AlgorDer(alg.get());
}

// DecodePss: RSASSA-PSS parameters we accept: MGF1 with the signature's hash and a salt of the
// hash's length (what RFC 7427 Appendix A.4 and every IKE implementation use).
absl::StatusOr<DecodedAuth> DecodePss(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&obj, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE) return absl::InvalidArgumentError("RSASSA-PSS without parameters");
  ASN1_TYPE* param = alg->parameter;
  PssParams pss(static_cast<RSA_PSS_PARAMS*>(
      ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), param)));
  if (!pss) return absl::InvalidArgumentError("malformed RSASSA-PSS parameters");
  const int hash_nid =
      pss->hashAlgorithm != nullptr ? OBJ_obj2nid(pss->hashAlgorithm->algorithm) : NID_sha1;
  std::optional<HashAlgorithm> hash = HashOfNid(hash_nid);
  if (!hash) return absl::InvalidArgumentError("RSASSA-PSS with an unsupported hash");
  int mgf_hash_nid = NID_sha1;
  if (pss->maskGenAlgorithm != nullptr) {
    if (OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1 ||
        pss->maskGenAlgorithm->parameter == nullptr) {
      return absl::InvalidArgumentError("RSASSA-PSS with a mask generation other than MGF1");
    }
    Algor mgf_hash(static_cast<X509_ALGOR*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), pss->maskGenAlgorithm->parameter)));
    if (!mgf_hash) return absl::InvalidArgumentError("malformed MGF1 parameters");
    mgf_hash_nid = OBJ_obj2nid(mgf_hash->algorithm);
  }
  const int64_t salt = pss->saltLength != nullptr ? ASN1_INTEGER_get(pss->saltLength) : 20;
  const int hash_size = EVP_MD_get_size(MdOf(*hash));
  if (mgf_hash_nid != hash_nid || salt != hash_size ||
      (pss->trailerField != nullptr && ASN1_INTEGER_get(pss->trailerField) != 1)) {
    return absl::InvalidArgumentError(
        StrCat("RSASSA-PSS parameters not supported (MGF1 hash must be the signature's, salt ",
               hash_size, " octets)"));
  }
  DecodedAuth d;
  d.options = {.hash = *hash, .rsa_pss = true};
  d.description = StrCat("RSASSA-PSS ", HashName(*hash));
  return d;
}

absl::StatusOr<DecodedAuth> DecodeDigitalSignature(std::span<const uint8_t> data, KeyType key) {
  // RFC 7427 section 3: one octet of ASN.1 length, the AlgorithmIdentifier, the signature.
  if (data.empty() || static_cast<size_t>(data[0]) + 1 > data.size()) {
    return absl::InvalidArgumentError("Digital Signature AUTH data shorter than its ASN.1 length");
  }
  const size_t len = data[0];
  const unsigned char* p = data.data() + 1;
  Algor alg(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(len)));
  if (!alg || p != data.data() + 1 + len) {
    return absl::InvalidArgumentError("malformed AlgorithmIdentifier in AUTH");
  }
  const int nid = OBJ_obj2nid(alg->algorithm);
  absl::StatusOr<DecodedAuth> d = absl::InvalidArgumentError(StrCat(
      "unsupported signature algorithm ", nid == NID_undef ? "(unknown OID)" : OBJ_nid2sn(nid)));
  auto plain = [&](HashAlgorithm h, bool raw_rs, std::string name) {
    DecodedAuth r;
    r.options = {.hash = h, .raw_rs = raw_rs};
    r.description = std::move(name);
    return r;
  };
  bool fits = false;
  switch (nid) {
    case NID_sha1WithRSAEncryption:
    case NID_sha256WithRSAEncryption:
    case NID_sha384WithRSAEncryption:
    case NID_sha512WithRSAEncryption: {
      const HashAlgorithm h = nid == NID_sha1WithRSAEncryption     ? HashAlgorithm::kSha1
                              : nid == NID_sha256WithRSAEncryption ? HashAlgorithm::kSha256
                              : nid == NID_sha384WithRSAEncryption ? HashAlgorithm::kSha384
                                                                   : HashAlgorithm::kSha512;
      d = plain(h, false, OBJ_nid2sn(nid));
      fits = key == KeyType::kRsa;
      break;
    }
    case NID_rsassaPss:
      d = DecodePss(alg.get());
      fits = key == KeyType::kRsa;
      break;
    case NID_ecdsa_with_SHA1:
    case NID_ecdsa_with_SHA256:
    case NID_ecdsa_with_SHA384:
    case NID_ecdsa_with_SHA512: {
      const HashAlgorithm h = nid == NID_ecdsa_with_SHA1     ? HashAlgorithm::kSha1
                              : nid == NID_ecdsa_with_SHA256 ? HashAlgorithm::kSha256
                              : nid == NID_ecdsa_with_SHA384 ? HashAlgorithm::kSha384
                                                             : HashAlgorithm::kSha512;
      d = plain(h, false, OBJ_nid2sn(nid));  // RFC 7427: the DER Ecdsa-Sig-Value
      fits = IsEcdsa(key);
      break;
    }
    case NID_ED25519:
      d = plain(HashAlgorithm::kNone, false, "Ed25519");
      fits = key == KeyType::kEd25519;
      break;
    case NID_dsaWithSHA1:
    case NID_dsa_with_SHA256:
      d = plain(nid == NID_dsaWithSHA1 ? HashAlgorithm::kSha1 : HashAlgorithm::kSha256, false,
                OBJ_nid2sn(nid));
      fits = key == KeyType::kDsa;
      break;
    default:
      return d;
  }
  if (!d.ok()) return d;
  if (!fits) {
    return absl::InvalidArgumentError(StrCat("signature algorithm ", d->description,
                                             " does not fit the certificate's ",
                                             pki::KeyTypeName(key), " key"));
  }
  d->signature = data.subspan(1 + len);
  if (d->signature.empty()) return absl::InvalidArgumentError("AUTH without a signature value");
  return d;
}

}  // namespace

std::vector<uint8_t> AnnouncedSignatureHashes() {
  std::vector<uint8_t> out;
  for (SignatureHash h : {SignatureHash::kSha256, SignatureHash::kSha384, SignatureHash::kSha512,
                          SignatureHash::kIdentity}) {
    out.push_back(static_cast<uint8_t>(static_cast<uint16_t>(h) >> 8));
    out.push_back(static_cast<uint8_t>(static_cast<uint16_t>(h)));
  }
  return out;
}

absl::StatusOr<std::vector<uint16_t>> ParseSignatureHashes(std::span<const uint8_t> data) {
  if (data.size() % 2 != 0) {
    return absl::InvalidArgumentError("SIGNATURE_HASH_ALGORITHMS data of odd length");
  }
  std::vector<uint16_t> out;
  for (size_t i = 0; i < data.size(); i += 2) {
    out.push_back(static_cast<uint16_t>(data[i] << 8 | data[i + 1]));
  }
  return out;
}

absl::StatusOr<SignatureScheme> ChooseSignatureScheme(const pki::PrivateKey& key,
                                                      std::span<const uint16_t> peer_hashes,
                                                      bool rsa_pss) {
  if (key.empty()) return absl::FailedPreconditionError("no private key");
  const KeyType type = key.type();
  const bool pss_only = IsRsaPssKey(key);
  const bool pss = type == KeyType::kRsa && (pss_only || rsa_pss);
  if (!peer_hashes.empty() && type != KeyType::kDsa) {
    std::vector<SignatureHash> preference;
    if (type == KeyType::kEd25519) {
      preference = {SignatureHash::kIdentity};
    } else if (IsEcdsa(type)) {
      preference = {EcdsaCurveHash(type), SignatureHash::kSha256, SignatureHash::kSha384,
                    SignatureHash::kSha512};
    } else {
      preference = {SignatureHash::kSha256, SignatureHash::kSha384, SignatureHash::kSha512};
    }
    for (SignatureHash h : preference) {
      if (!Announced(peer_hashes, h)) continue;
      SignatureScheme s;
      s.method = AuthMethod::kDigitalSignature;
      s.options = {.hash = HashOf(h), .rsa_pss = pss};
      return s;
    }
  }
  // RFC 8420: Ed25519 signs the data itself, which the peer must have announced as the
  // Identity hash; RSA-PSS exists only in method 14.
  if (type == KeyType::kEd25519 || pss_only) {
    return absl::FailedPreconditionError(
        StrCat("the peer announced no signature hash usable with our ",
               pss_only ? "RSA-PSS" : "Ed25519", " key (RFC 7427 SIGNATURE_HASH_ALGORITHMS)"));
  }
  SignatureScheme s;
  if (type == KeyType::kRsa) {
    //= https://www.rfc-editor.org/rfc/rfc7296#section-3.8
    //# RSA Digital Signature (1) Computed as specified in Section 2.15 using an RSA private
    //# key with RSASSA-PKCS1-v1_5 signature scheme
    s.method = AuthMethod::kRsaSignature;
    s.options = {.hash = HashAlgorithm::kSha1};
  } else if (type == KeyType::kDsa) {
    // DSS Digital Signature (3): a DSS key over a SHA-1 hash, r | s (RFC 7296 3.8).
    s.method = AuthMethod::kDssSignature;
    s.options = {.hash = HashAlgorithm::kSha1, .raw_rs = true};
  } else {
    // RFC 4754 section 7: r | s, each as long as the group order.
    s.method = EcdsaMethod(type);
    s.options = {.hash = HashOf(EcdsaCurveHash(type)), .raw_rs = true};
  }
  return s;
}

absl::StatusOr<std::vector<uint8_t>> EncodeAuthData(KeyType key_type, const SignatureScheme& scheme,
                                                    std::span<const uint8_t> signature) {
  if (scheme.method != AuthMethod::kDigitalSignature) {
    return std::vector<uint8_t>(signature.begin(), signature.end());
  }
  absl::StatusOr<std::vector<uint8_t>> alg = AlgorithmIdentifier(key_type, scheme.options);
  if (!alg.ok()) return alg.status();
  if (alg->size() > 255) return absl::InternalError("AlgorithmIdentifier over 255 octets");
  std::vector<uint8_t> out;
  out.reserve(1 + alg->size() + signature.size());
  out.push_back(static_cast<uint8_t>(alg->size()));
  out.insert(out.end(), alg->begin(), alg->end());
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

absl::StatusOr<DecodedAuth> DecodeAuth(const AuthPayload& auth, KeyType key_type) {
  DecodedAuth d;
  d.signature = auth.data;
  switch (auth.method) {
    case AuthMethod::kDigitalSignature:
      return DecodeDigitalSignature(auth.data, key_type);
    case AuthMethod::kRsaSignature:
      if (key_type != KeyType::kRsa) break;
      d.options = {.hash = HashAlgorithm::kSha1};
      d.description = "RSA (method 1, SHA-1)";
      return d;
    case AuthMethod::kDssSignature:
      if (key_type != KeyType::kDsa) break;
      d.options = {.hash = HashAlgorithm::kSha1, .raw_rs = true};
      d.description = "DSS (method 3, SHA-1)";
      return d;
    case AuthMethod::kEcdsaSha256P256:
    case AuthMethod::kEcdsaSha384P384:
    case AuthMethod::kEcdsaSha512P521:
      // RFC 4754: 9 is P-256 with SHA-256, 10 P-384 with SHA-384, 11 P-521 with SHA-512.
      if (!IsEcdsa(key_type) || EcdsaMethod(key_type) != auth.method) break;
      d.options = {.hash = HashOf(EcdsaCurveHash(key_type)), .raw_rs = true};
      d.description = StrCat("ECDSA (method ", static_cast<int>(auth.method), ")");
      return d;
    case AuthMethod::kSharedKeyMic:
      return absl::InvalidArgumentError(
          "the peer used a pre-shared key where a certificate signature is required");
    default:
      return absl::InvalidArgumentError(
          StrCat("unsupported AUTH method ", static_cast<int>(auth.method)));
  }
  return absl::InvalidArgumentError(StrCat("AUTH method ", static_cast<int>(auth.method),
                                           " does not fit the certificate's ",
                                           pki::KeyTypeName(key_type), " key"));
}

}  // namespace tunnelisa::ike
