// IKEv1 key derivation and hashes, checked against an independent computation: OpenSSL's
// one-shot HMAC() over the RFC 2409 formulas written out by hand here (there are no official
// IKEv1 test vectors). Every PRF, both SKEYID forms, Appendix B's key expansion (3DES from
// HMAC-MD5 / HMAC-SHA1, AES-256 from HMAC-SHA1) and truncation, Quick Mode KEYMAT with and
// without PFS.
#include "ike/v1/crypto/v1_keymat.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tunnelisa::ike::v1 {
namespace {

using Bytes = std::vector<uint8_t>;

const EVP_MD* Md(PrfAlgorithm prf) {
  switch (prf) {
    case PrfAlgorithm::kHmacMd5:
      return EVP_md5();
    case PrfAlgorithm::kHmacSha1:
      return EVP_sha1();
    case PrfAlgorithm::kHmacSha256:
      return EVP_sha256();
    case PrfAlgorithm::kHmacSha384:
      return EVP_sha384();
    case PrfAlgorithm::kHmacSha512:
      return EVP_sha512();
  }
  return nullptr;
}

// Hmac: the reference PRF, independent of IkeCryptoProvider.
Bytes Hmac(PrfAlgorithm prf, const Bytes& key, const Bytes& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Md(prf), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
  return Bytes(out, out + len);
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Span(const SecretBytes& s) { return Bytes(s.data(), s.data() + s.size()); }
Bytes Fill(size_t n, uint8_t start) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + i);
  return b;
}

constexpr uint64_t kCkyI = 0x0011223344556677;
constexpr uint64_t kCkyR = 0x8899aabbccddeeff;
const Bytes kCkyIBytes = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
const Bytes kCkyRBytes = {0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
const Bytes kNi = Fill(16, 0x10);
const Bytes kNr = Fill(32, 0x40);
const Bytes kGxy = Fill(256, 0x80);
const Bytes kPsk = {'s', 'e', 'c', 'r', 'e', 't'};

constexpr PrfAlgorithm kAllPrfs[] = {PrfAlgorithm::kHmacMd5, PrfAlgorithm::kHmacSha1,
                                     PrfAlgorithm::kHmacSha256, PrfAlgorithm::kHmacSha384,
                                     PrfAlgorithm::kHmacSha512};

// Reference: RFC 2409 section 5 and Appendix B written out.
struct Reference {
  Bytes skeyid, d, a, e, enc;
};
Reference Expected(PrfAlgorithm prf, V1AuthKind kind, size_t enc_len) {
  Reference r;
  r.skeyid = kind == V1AuthKind::kSignature ? Hmac(prf, Cat({kNi, kNr}), kGxy)
                                            : Hmac(prf, kPsk, Cat({kNi, kNr}));
  r.d = Hmac(prf, r.skeyid, Cat({kGxy, kCkyIBytes, kCkyRBytes, {0}}));
  r.a = Hmac(prf, r.skeyid, Cat({r.d, kGxy, kCkyIBytes, kCkyRBytes, {1}}));
  r.e = Hmac(prf, r.skeyid, Cat({r.a, kGxy, kCkyIBytes, kCkyRBytes, {2}}));
  if (r.e.size() >= enc_len) {
    r.enc.assign(r.e.begin(), r.e.begin() + static_cast<ptrdiff_t>(enc_len));
  } else {
    Bytes k = Hmac(prf, r.e, {0});  // K1 = prf(SKEYID_e, 0)
    r.enc = k;
    while (r.enc.size() < enc_len) {
      k = Hmac(prf, r.e, k);  // Kn = prf(SKEYID_e, Kn-1)
      r.enc = Cat({r.enc, k});
    }
    r.enc.resize(enc_len);
  }
  return r;
}

TEST(V1KeymatTest, Phase1KeysMatchTheRfcForEveryPrfAndBothKinds) {
  for (PrfAlgorithm prf : kAllPrfs) {
    for (V1AuthKind kind : {V1AuthKind::kPreSharedKey, V1AuthKind::kSignature}) {
      for (size_t enc_len : {size_t{8}, size_t{16}, size_t{24}, size_t{32}}) {
        absl::StatusOr<V1Phase1Keys> k = DerivePhase1Keys(OpenSslIkeCrypto(), prf, kind, kPsk, kNi,
                                                          kNr, kGxy, kCkyI, kCkyR, enc_len);
        ASSERT_TRUE(k.ok()) << k.status();
        const Reference r = Expected(prf, kind, enc_len);
        const std::string what =
            "prf " + std::to_string(static_cast<int>(prf)) + " len " + std::to_string(enc_len);
        EXPECT_EQ(Span(k->skeyid), r.skeyid) << what;
        EXPECT_EQ(Span(k->skeyid_d), r.d) << what;
        EXPECT_EQ(Span(k->skeyid_a), r.a) << what;
        EXPECT_EQ(Span(k->skeyid_e), r.e) << what;
        EXPECT_EQ(Span(k->enc_key), r.enc) << what;
        EXPECT_EQ(k->enc_key.size(), enc_len);
      }
    }
  }
}

TEST(V1KeymatTest, AppendixBExpansionFor3DesFromMd5AndSha1) {
  // 3DES needs 24 octets: HMAC-MD5 gives 16 and HMAC-SHA1 20, so the key is K1 | K2 cut to 24
  // and differs from SKEYID_e's prefix extended any other way.
  for (PrfAlgorithm prf : {PrfAlgorithm::kHmacMd5, PrfAlgorithm::kHmacSha1}) {
    absl::StatusOr<V1Phase1Keys> k = DerivePhase1Keys(
        OpenSslIkeCrypto(), prf, V1AuthKind::kPreSharedKey, kPsk, kNi, kNr, kGxy, kCkyI, kCkyR, 24);
    ASSERT_TRUE(k.ok());
    const Bytes e = Span(k->skeyid_e);
    const Bytes k1 = Hmac(prf, e, {0});
    const Bytes k2 = Hmac(prf, e, k1);
    const Bytes both = Cat({k1, k2});
    const Bytes want(both.begin(), both.begin() + 24);
    EXPECT_EQ(Span(k->enc_key), want);
    EXPECT_NE(Bytes(want.begin(), want.begin() + 16), Bytes(e.begin(), e.begin() + 16));
  }
  // SHA-256's 32 octets cover AES-256 without expansion: the key is SKEYID_e itself.
  absl::StatusOr<V1Phase1Keys> k =
      DerivePhase1Keys(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha256, V1AuthKind::kSignature, {},
                       kNi, kNr, kGxy, kCkyI, kCkyR, 32);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(Span(k->enc_key), Span(k->skeyid_e));
}

TEST(V1KeymatTest, Phase1HashBothSides) {
  const Bytes skeyid = Fill(20, 3);
  const Bytes gxi = Fill(128, 1);
  const Bytes gxr = Fill(128, 9);
  const Bytes sai_b = Fill(52, 0x21);
  const Bytes idii_b = {1, 0, 0, 0, 192, 0, 2, 1};
  const Bytes idir_b = {1, 0, 0, 0, 192, 0, 2, 2};
  for (PrfAlgorithm prf : kAllPrfs) {
    absl::StatusOr<SecretBytes> hi = Phase1Hash(OpenSslIkeCrypto(), prf, skeyid, V1Side::kInitiator,
                                                gxi, gxr, kCkyI, kCkyR, sai_b, idii_b);
    absl::StatusOr<SecretBytes> hr = Phase1Hash(OpenSslIkeCrypto(), prf, skeyid, V1Side::kResponder,
                                                gxi, gxr, kCkyI, kCkyR, sai_b, idir_b);
    ASSERT_TRUE(hi.ok() && hr.ok());
    EXPECT_EQ(Span(*hi), Hmac(prf, skeyid, Cat({gxi, gxr, kCkyIBytes, kCkyRBytes, sai_b, idii_b})));
    EXPECT_EQ(Span(*hr), Hmac(prf, skeyid, Cat({gxr, gxi, kCkyRBytes, kCkyIBytes, sai_b, idir_b})));
  }
  EXPECT_FALSE(Phase1Hash(OpenSslIkeCrypto(), PrfAlgorithm::kHmacSha1, {}, V1Side::kInitiator, gxi,
                          gxr, kCkyI, kCkyR, sai_b, idii_b)
                   .ok());
}

TEST(V1KeymatTest, QuickModeInformationalAndModeCfgHashes) {
  const Bytes skeyid_a = Fill(32, 0x55);
  const Bytes mid = {0xde, 0xad, 0xbe, 0xef};
  const Bytes rest = Fill(90, 7);
  for (PrfAlgorithm prf : kAllPrfs) {
    const IkeCryptoProvider& p = OpenSslIkeCrypto();
    EXPECT_EQ(Span(*QuickHash1(p, prf, skeyid_a, 0xdeadbeef, rest)),
              Hmac(prf, skeyid_a, Cat({mid, rest})));
    EXPECT_EQ(Span(*QuickHash2(p, prf, skeyid_a, 0xdeadbeef, kNi, rest)),
              Hmac(prf, skeyid_a, Cat({mid, kNi, rest})));
    EXPECT_EQ(Span(*QuickHash3(p, prf, skeyid_a, 0xdeadbeef, kNi, kNr)),
              Hmac(prf, skeyid_a, Cat({{0}, mid, kNi, kNr})));
    EXPECT_EQ(Span(*InformationalHash(p, prf, skeyid_a, 0xdeadbeef, rest)),
              Hmac(prf, skeyid_a, Cat({mid, rest})));
    EXPECT_EQ(Span(*ModeCfgHash(p, prf, skeyid_a, 0xdeadbeef, rest)),
              Hmac(prf, skeyid_a, Cat({mid, rest})));
  }
}

TEST(V1KeymatTest, QuickKeymatWithAndWithoutPfs) {
  const Bytes skeyid_d = Fill(20, 0x33);
  const Bytes spi = {0xc0, 0x01, 0xd0, 0x0d};
  const Bytes gqm = Fill(128, 0x99);
  for (PrfAlgorithm prf : kAllPrfs) {
    for (const Bytes& g : {Bytes{}, gqm}) {
      // 3DES + HMAC-SHA1 keys: 24 + 20 = 44 octets, several PRF blocks for every hash.
      absl::StatusOr<SecretBytes> km =
          QuickKeymat(OpenSslIkeCrypto(), prf, skeyid_d, g, 3, 0xc001d00d, kNi, kNr, 44);
      ASSERT_TRUE(km.ok()) << km.status();
      const Bytes seed = Cat({g, {3}, spi, kNi, kNr});
      Bytes k = Hmac(prf, skeyid_d, seed);
      Bytes want = k;
      while (want.size() < 44) {
        k = Hmac(prf, skeyid_d, Cat({k, seed}));
        want = Cat({want, k});
      }
      want.resize(44);
      EXPECT_EQ(Span(*km), want) << static_cast<int>(prf) << " pfs " << !g.empty();
    }
  }
}

TEST(V1KeymatTest, RefusesEmptyInputsAndBadLengths) {
  const IkeCryptoProvider& p = OpenSslIkeCrypto();
  const PrfAlgorithm sha1 = PrfAlgorithm::kHmacSha1;
  EXPECT_FALSE(
      DerivePhase1Keys(p, sha1, V1AuthKind::kPreSharedKey, {}, kNi, kNr, kGxy, kCkyI, kCkyR, 16)
          .ok());
  EXPECT_FALSE(
      DerivePhase1Keys(p, sha1, V1AuthKind::kSignature, {}, {}, kNr, kGxy, kCkyI, kCkyR, 16).ok());
  EXPECT_FALSE(
      DerivePhase1Keys(p, sha1, V1AuthKind::kSignature, {}, kNi, kNr, {}, kCkyI, kCkyR, 16).ok());
  EXPECT_FALSE(
      DerivePhase1Keys(p, sha1, V1AuthKind::kSignature, {}, kNi, kNr, kGxy, kCkyI, kCkyR, 0).ok());
  EXPECT_FALSE(DerivePhase1Keys(p, sha1, V1AuthKind::kSignature, {}, kNi, kNr, kGxy, kCkyI, kCkyR,
                                255 * 20 + 1)
                   .ok());
  EXPECT_FALSE(QuickKeymat(p, sha1, Fill(20, 1), {}, 3, 1, {}, kNr, 16).ok());
  EXPECT_FALSE(QuickKeymat(p, sha1, {}, {}, 3, 1, kNi, kNr, 16).ok());
  EXPECT_FALSE(QuickKeymat(p, sha1, Fill(20, 1), {}, 3, 1, kNi, kNr, 0).ok());
  EXPECT_FALSE(QuickHash1(p, sha1, {}, 1, kNi).ok());
}

}  // namespace
}  // namespace tunnelisa::ike::v1
