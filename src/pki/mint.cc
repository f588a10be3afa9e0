#include "pki/mint.h"

#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "pki/ossl.h"

namespace tunnelisa::pki::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    // Printed and aborted rather than a gtest failure: the benchmarks mint with this too.
    std::fprintf(stderr, "mint: %s: %s\n", what, ossl::ErrorText().c_str());
    std::abort();
  }
}

X509_NAME* Name(const std::string& text) {
  auto der = ParseDn(text);
  Check(der.ok(), "subject DN");
  const unsigned char* p = der->data();
  return d2i_X509_NAME(nullptr, &p, static_cast<long>(der->size()));
}

void AddExt(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  Check(ext != nullptr, "extension");
  Check(X509_add_ext(x, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

// SignCtx: a digest-sign context with the spec's hash and padding (PSS when asked).
ossl::MdCtxPtr SignCtx(const PrivateKey& key, HashAlgorithm hash, bool pss) {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = key.type() == KeyType::kEd25519 ? nullptr : ossl::Md(hash);
  Check(EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.native()) == 1, "sign init");
  if (pss) {
    Check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1,
          "pss");
  }
  return ctx;
}

}  // namespace

Certificate Mint(const CertSpec& spec) {
  ossl::X509Ptr x(X509_new());
  Check(x && X509_set_version(x.get(), 2) == 1, "new");
  Check(ASN1_INTEGER_set_int64(X509_get_serialNumber(x.get()), spec.serial) == 1, "serial");
  ossl::NamePtr subject(Name(spec.subject));
  Check(X509_set_subject_name(x.get(), subject.get()) == 1, "subject");
  X509_NAME* issuer_name =
      spec.issuer ? X509_get_subject_name(spec.issuer->native()) : subject.get();
  Check(X509_set_issuer_name(x.get(), issuer_name) == 1, "issuer");
  Check(ASN1_TIME_set(X509_getm_notBefore(x.get()), spec.not_before) != nullptr &&
            ASN1_TIME_set(X509_getm_notAfter(x.get()), spec.not_after) != nullptr,
        "validity");
  Check(X509_set_pubkey(x.get(), spec.key.native()) == 1, "pubkey");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, spec.issuer ? spec.issuer->native() : x.get(), x.get(), nullptr, nullptr, 0);
  if (spec.ca) AddExt(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
  std::string ku = spec.key_usage;
  if (ku.empty() && spec.ca) ku = "critical,keyCertSign,cRLSign";
  if (!ku.empty()) AddExt(x.get(), &ctx, NID_key_usage, ku);
  if (!spec.san.empty()) AddExt(x.get(), &ctx, NID_subject_alt_name, spec.san);
  ossl::MdCtxPtr sign = SignCtx(spec.issuer_key, spec.hash, spec.rsa_pss);
  Check(X509_sign_ctx(x.get(), sign.get()) > 0, "sign");
  return Certificate(ossl::ShareX509(std::move(x)));
}

Crl MintCrl(const CrlSpec& spec) {
  ossl::CrlPtr crl(X509_CRL_new());
  Check(crl && X509_CRL_set_version(crl.get(), spec.version - 1) == 1, "new");
  Check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(spec.issuer->native())) == 1,
        "issuer");
  ossl::Ptr<ASN1_TIME, ASN1_TIME_free> last(ASN1_TIME_set(nullptr, spec.last_update));
  ossl::Ptr<ASN1_TIME, ASN1_TIME_free> next(ASN1_TIME_set(nullptr, spec.next_update));
  Check(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1 &&
            X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1,
        "dates");
  for (const Certificate& c : spec.revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    Check(r != nullptr &&
              X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(c.native())) == 1 &&
              X509_REVOKED_set_revocationDate(r, last.get()) == 1 &&
              X509_CRL_add0_revoked(crl.get(), r) == 1,
          "revoked");
  }
  X509_CRL_sort(crl.get());
  ossl::MdCtxPtr sign = SignCtx(spec.issuer_key, HashAlgorithm::kSha256, false);
  Check(X509_CRL_sign_ctx(crl.get(), sign.get()) > 0, "sign");
  return Crl(ossl::ShareCrl(std::move(crl)));
}

PrivateKey Key(KeyType type, int n) {
  static auto* cache = new std::map<std::pair<KeyType, int>, PrivateKey>();
  auto it = cache->find({type, n});
  if (it != cache->end()) return it->second;
  int bits = type == KeyType::kRsa ? 2048 : type == KeyType::kDsa ? 1024 : 0;
  auto gen = GenerateKey(type, bits);
  Check(gen.ok(), "key");
  cache->emplace(std::make_pair(type, n), gen->key);
  return gen->key;
}

}  // namespace tunnelisa::pki::testing
