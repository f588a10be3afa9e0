// The "ipsecmb" backend against the OpenSSL backend: for every suite, many sizes, with and
// without ESN, on every IPsec-MB code path this CPU runs (SSE, AVX, AVX2, AVX512), the same
// keys and IVs must give the same bytes, each must open what the other sealed, and bad ICVs
// and malformed ops must fail cleanly. The RFC vectors themselves run on every registered
// backend in crypto_vectors_test.cc. Skipped when the library was not built in.
#include "crypto/ipsecmb_backend.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa {
namespace {

using crypto::CreateIpsecMbBackendForArch;
using crypto::IpsecMbArch;

// Every suite a backend may be asked for: AEAD alone, every other cipher with every integrity
// algorithm (none included).
std::vector<EspSuite> AllSuites() {
  std::vector<EspSuite> out;
  for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
    if (e.aead) {
      out.push_back({e.id, IntegrityAlgorithm::kNone});
      continue;
    }
    for (const IntegrityInfo& i : AllIntegrityAlgorithms()) out.push_back({e.id, i.id});
  }
  return out;
}

std::string SuiteName(EspSuite s) {
  return std::string(GetEncryptionInfo(s.enc).name) + "-" +
         std::string(GetIntegrityInfo(s.integ).name);
}

std::vector<uint8_t> Random(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Packet: one ESP packet's bytes, [ESP header 8][IV][data][ICV], as the data plane lays them
// out, and the op that covers it.
struct Packet {
  Packet(EspSuite suite, uint32_t n, bool esn, std::mt19937& rng)
      : iv_size(GetEncryptionInfo(suite.enc).iv_size), len(n), icv_size(suite.icv_size()) {
    bytes = Random(rng, 8 + iv_size + len + icv_size);
    aead = GetEncryptionInfo(suite.enc).aead;
    aad = Random(rng, aead ? (esn ? 12 : 8) : (esn ? 4 : 0));
  }
  CryptoOp Op(const EspKey* key) {
    CryptoOp op;
    op.key = key;
    op.iv = bytes.data() + 8;
    op.data = op.iv + iv_size;
    op.len = len;
    op.icv = op.data + len;
    if (!aead) {
      op.auth = bytes.data();
      op.auth_len = 8 + iv_size + len;
    }
    if (!aad.empty()) std::memcpy(op.aad, aad.data(), aad.size());
    op.aad_len = static_cast<uint8_t>(aad.size());
    return op;
  }
  uint8_t* data() { return bytes.data() + 8 + iv_size; }
  std::vector<uint8_t> bytes, aad;
  uint32_t iv_size, len, icv_size;
  bool aead = false;
};

// Keys: both directions of one SA on one backend.
struct Keys {
  std::unique_ptr<EspKey> seal, open;
};
Keys MakeKeys(CryptoBackend& b, EspSuite suite, const std::vector<uint8_t>& ek,
              const std::vector<uint8_t>& ak) {
  Keys k;
  auto s = b.CreateKey(suite, ek, ak, CryptoDirection::kSeal);
  auto o = b.CreateKey(suite, ek, ak, CryptoDirection::kOpen);
  EXPECT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(o.ok()) << o.status();
  if (s.ok()) k.seal = std::move(*s);
  if (o.ok()) k.open = std::move(*o);
  return k;
}

bool RunOne(CryptoBackend& b, CryptoOp op) {
  b.Process(std::span<CryptoOp>(&op, 1));
  return op.ok;
}

// Sizes: ESP sizes and awkward ones; CBC takes whole blocks only.
std::vector<uint32_t> Sizes(EspSuite s) {
  const uint32_t block = GetEncryptionInfo(s.enc).aead ? 1 : GetEncryptionInfo(s.enc).block_size;
  std::vector<uint32_t> out;
  for (uint32_t n : {0u,  1u,  3u,   8u,   15u,  16u,  17u,   31u,   48u,   63u,   64u,
                     65u, 96u, 127u, 255u, 256u, 512u, 1000u, 1420u, 1504u, 2048u, 9000u}) {
    if (s.enc == EncryptionAlgorithm::kNull || n % block == 0) out.push_back(n);
  }
  return out;
}

class IpsecMbVsOpenSsl : public ::testing::TestWithParam<IpsecMbArch> {
 protected:
  void SetUp() override {
    mb_ = CreateIpsecMbBackendForArch(GetParam());
    if (mb_ == nullptr) GTEST_SKIP() << "IPsec-MB not built in, or this CPU lacks the code path";
    ossl_ = CreateOpenSslBackend();
  }
  std::unique_ptr<CryptoBackend> mb_, ossl_;
};

TEST_P(IpsecMbVsOpenSsl, EverySuiteAndSizeBothWays) {
  std::mt19937 rng(1234);
  for (EspSuite suite : AllSuites()) {
    if (!mb_->Implements(suite)) continue;
    for (bool esn : {false, true}) {
      if (esn && GetEncryptionInfo(suite.enc).aead == false &&
          suite.integ == IntegrityAlgorithm::kNone) {
        continue;  // no ICV: nothing for the ESN bits to go into
      }
      const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
      const std::vector<uint8_t> ek = Random(rng, e.keymat_size());
      const std::vector<uint8_t> ak = Random(rng, GetIntegrityInfo(suite.integ).key_size);
      Keys mb = MakeKeys(*mb_, suite, ek, ak), os = MakeKeys(*ossl_, suite, ek, ak);
      ASSERT_TRUE(mb.seal && mb.open && os.seal && os.open) << SuiteName(suite);
      for (uint32_t len : Sizes(suite)) {
        SCOPED_TRACE(SuiteName(suite) + " len " + std::to_string(len) + (esn ? " esn" : ""));
        Packet a(suite, len, esn, rng);
        const std::vector<uint8_t> plain = a.bytes;
        Packet b = a;
        ASSERT_TRUE(RunOne(*mb_, a.Op(mb.seal.get())));
        ASSERT_TRUE(RunOne(*ossl_, b.Op(os.seal.get())));
        ASSERT_EQ(a.bytes, b.bytes) << "ciphertext or ICV differs from OpenSSL's";
        // Each opens the other's packet.
        ASSERT_TRUE(RunOne(*ossl_, a.Op(os.open.get())));
        ASSERT_TRUE(RunOne(*mb_, b.Op(mb.open.get())));
        const size_t end = plain.size() - a.icv_size;  // all but the ICV
        EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + end, a.bytes.begin()));
        EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + end, b.bytes.begin()));
        if (suite.icv_size() == 0) continue;
        // A flipped ICV bit or AAD bit is refused; with cipher + HMAC nothing is decrypted.
        ASSERT_TRUE(RunOne(*mb_, a.Op(mb.seal.get())));
        for (int which = 0; which < 2; ++which) {
          Packet bad = a;
          if (which == 0) bad.bytes.back() ^= 0x20;
          if (which == 1 && bad.aad.empty()) continue;
          if (which == 1) bad.aad[0] ^= 1;
          const std::vector<uint8_t> sent = bad.bytes;
          EXPECT_FALSE(RunOne(*mb_, bad.Op(mb.open.get())));
          if (!e.aead) {
            EXPECT_EQ(bad.bytes, sent) << "decrypted although the ICV was bad";
          }
        }
      }
    }
  }
}

TEST_P(IpsecMbVsOpenSsl, BurstsMixingSasSizesAndDirectionsWithSomeBadIcvs) {
  std::mt19937 rng(99);
  std::vector<EspSuite> suites;
  for (EspSuite s : AllSuites()) {
    if (s.enc != EncryptionAlgorithm::kNull || s.integ != IntegrityAlgorithm::kNone) {
      suites.push_back(s);
    }
  }
  struct Sa {
    EspSuite suite;
    Keys mb, os;
  };
  std::vector<Sa> sas;
  for (int i = 0; i < 24; ++i) {
    EspSuite s = suites[rng() % suites.size()];
    std::vector<uint8_t> ek = Random(rng, GetEncryptionInfo(s.enc).keymat_size());
    std::vector<uint8_t> ak = Random(rng, GetIntegrityInfo(s.integ).key_size);
    sas.push_back({s, MakeKeys(*mb_, s, ek, ak), MakeKeys(*ossl_, s, ek, ak)});
  }
  for (size_t burst : {1u, 7u, 32u, 64u, 65u, 150u}) {
    SCOPED_TRACE("burst " + std::to_string(burst));
    // Half the ops seal fresh packets, half open packets OpenSSL sealed (a third of those with
    // a corrupted ICV), in one Process call.
    std::vector<Packet> pkts, want;
    std::vector<CryptoOp> ops;
    std::vector<bool> expect_ok;
    for (size_t i = 0; i < burst; ++i) {
      Sa& sa = sas[rng() % sas.size()];
      const bool esn = rng() % 2 && sa.suite.icv_size() > 0;
      const std::vector<uint32_t> sizes = Sizes(sa.suite);
      Packet p(sa.suite, sizes[rng() % sizes.size()], esn, rng);
      Packet w = p;
      bool ok = true;
      if (rng() % 2) {
        EXPECT_TRUE(RunOne(*ossl_, w.Op(sa.os.seal.get())));
        ops.push_back(p.Op(sa.mb.seal.get()));
      } else {
        EXPECT_TRUE(RunOne(*ossl_, p.Op(sa.os.seal.get())));
        if (sa.suite.icv_size() > 0 && rng() % 3 == 0) {
          p.bytes.back() ^= 1;
          ok = false;
          w = p;  // nothing may change
        } else {
          w = p;
          EXPECT_TRUE(RunOne(*ossl_, w.Op(sa.os.open.get())));
        }
        ops.push_back(p.Op(sa.mb.open.get()));
      }
      pkts.push_back(std::move(p));
      want.push_back(std::move(w));
      expect_ok.push_back(ok);
    }
    // The ops point into pkts' buffers, which moved with them: point them again.
    for (size_t i = 0; i < burst; ++i) {
      const EspKey* key = ops[i].key;
      ops[i] = pkts[i].Op(key);
    }
    mb_->Process(ops);
    for (size_t i = 0; i < burst; ++i) {
      SCOPED_TRACE("op " + std::to_string(i) + " " + SuiteName(ops[i].key->suite()));
      EXPECT_EQ(ops[i].ok, expect_ok[i]);
      const bool aead_failure = !expect_ok[i] && GetEncryptionInfo(ops[i].key->suite().enc).aead;
      if (!aead_failure) {
        EXPECT_EQ(pkts[i].bytes, want[i].bytes);
      }
    }
  }
}

TEST_P(IpsecMbVsOpenSsl, CbcIvsAreFreshAndOpenable) {
  for (EspSuite suite :
       {EspSuite{EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha1_96},
        EspSuite{EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacSha256_128},
        EspSuite{EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kNone}}) {
    std::mt19937 rng(5);
    std::vector<uint8_t> ek = Random(rng, GetEncryptionInfo(suite.enc).keymat_size());
    std::vector<uint8_t> ak = Random(rng, GetIntegrityInfo(suite.integ).key_size);
    Keys mb = MakeKeys(*mb_, suite, ek, ak), os = MakeKeys(*ossl_, suite, ek, ak);
    std::vector<uint8_t> last_iv;
    for (int i = 0; i < 4; ++i) {
      Packet p(suite, 64, false, rng);
      const std::vector<uint8_t> plain(p.data(), p.data() + 64);
      CryptoOp op = p.Op(mb.seal.get());
      op.fill_iv = true;
      ASSERT_TRUE(RunOne(*mb_, op));
      std::vector<uint8_t> iv(p.bytes.begin() + 8, p.bytes.begin() + 8 + p.iv_size);
      EXPECT_NE(iv, last_iv);
      last_iv = iv;
      ASSERT_TRUE(RunOne(*ossl_, p.Op(os.open.get())));
      EXPECT_EQ(std::vector<uint8_t>(p.data(), p.data() + 64), plain);
    }
  }
}

TEST_P(IpsecMbVsOpenSsl, MalformedOpsFailWithoutCrashing) {
  std::mt19937 rng(7);
  const EspSuite cbc{EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128};
  Keys k = MakeKeys(*mb_, cbc, Random(rng, 16), Random(rng, 32));
  Packet p(cbc, 64, true, rng);
  CryptoOp op = p.Op(k.seal.get());
  op.len = 60;  // not whole AES blocks
  op.icv = p.data() + 60;
  op.auth_len -= 4;
  EXPECT_FALSE(RunOne(*mb_, op));
  op = p.Op(k.seal.get());
  op.icv += 1;  // ESN needs the ICV right after the authenticated bytes
  EXPECT_FALSE(RunOne(*mb_, op));
  op = p.Op(k.open.get());
  op.data = nullptr;
  EXPECT_FALSE(RunOne(*mb_, op));
  const EspSuite gcm{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone};
  Keys g = MakeKeys(*mb_, gcm, Random(rng, 20), {});
  Packet q(gcm, 40, false, rng);
  op = q.Op(g.open.get());
  op.aad_len = 200;
  EXPECT_FALSE(RunOne(*mb_, op));
  op = q.Op(g.open.get());
  op.icv = nullptr;
  EXPECT_FALSE(RunOne(*mb_, op));
}

TEST_P(IpsecMbVsOpenSsl, WrongKeyLengthsAreInvalidArgument) {
  const std::vector<uint8_t> k16(16), k20(20), k32(32);
  auto r = mb_->CreateKey({EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, k16, {},
                          CryptoDirection::kSeal);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  r = mb_->CreateKey({EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128}, k16,
                     k20, CryptoDirection::kOpen);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  r = mb_->CreateKey({EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kHmacSha1_96}, k20,
                     k20, CryptoDirection::kOpen);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  r = mb_->CreateKey({EncryptionAlgorithm::kAes256Cbc, IntegrityAlgorithm::kNone}, k32, {},
                     CryptoDirection::kOpen);
  EXPECT_TRUE(r.ok()) << r.status();
}

// Two threads at once, each sealing and opening its own SAs' packets (as two ISA slots'
// workers do): each gets its own job manager, so neither sees the other's jobs.
TEST_P(IpsecMbVsOpenSsl, TwoWorkerThreadsAtOnce) {
  auto worker = [&](uint32_t seed, bool* ok) {
    std::mt19937 rng(seed);
    const EspSuite suite{EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128};
    std::vector<uint8_t> ek = Random(rng, 16), ak = Random(rng, 32);
    Keys k = MakeKeys(*mb_, suite, ek, ak);
    for (int round = 0; round < 200 && *ok; ++round) {
      std::vector<Packet> pkts;
      for (int i = 0; i < 32; ++i) pkts.emplace_back(suite, 16u * (1 + rng() % 90), false, rng);
      std::vector<std::vector<uint8_t>> plain;
      std::vector<CryptoOp> ops;
      for (Packet& p : pkts) {
        plain.push_back(p.bytes);
        ops.push_back(p.Op(k.seal.get()));
      }
      mb_->Process(ops);
      for (size_t i = 0; i < ops.size(); ++i) {
        *ok = *ok && ops[i].ok;
        ops[i] = pkts[i].Op(k.open.get());
      }
      mb_->Process(ops);
      for (size_t i = 0; i < ops.size(); ++i) {
        // All but the ICV (which held random bytes before the seal) is the plaintext again.
        *ok = *ok && ops[i].ok &&
              std::equal(plain[i].begin(), plain[i].end() - 16, pkts[i].bytes.begin());
      }
    }
  };
  bool ok1 = true, ok2 = true;
  std::thread t1(worker, 1, &ok1), t2(worker, 2, &ok2);
  t1.join();
  t2.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
}

std::string ArchName(const ::testing::TestParamInfo<IpsecMbArch>& info) {
  constexpr const char* kNames[] = {"auto", "sse", "avx", "avx2", "avx512"};
  return kNames[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Arch, IpsecMbVsOpenSsl,
                         ::testing::Values(IpsecMbArch::kAuto, IpsecMbArch::kSse, IpsecMbArch::kAvx,
                                           IpsecMbArch::kAvx2, IpsecMbArch::kAvx512),
                         ArchName);

// The default registry: IPsec-MB registered and self-tested for every algorithm, the default
// pick, and the host can still pin another backend per suite or for all.
TEST(IpsecMbRegistry, RegisteredSelfTestedFirstAndPinnable) {
  if (CreateIpsecMbBackend() == nullptr) GTEST_SKIP() << "IPsec-MB not built in";
  std::unique_ptr<CryptoRegistry> r = CryptoRegistry::CreateDefault();
  EXPECT_TRUE(r->FailedSuites().empty()) << r->FailedSuites().front();
  for (EspSuite s : AllSuites()) {
    EXPECT_TRUE(r->Supported("ipsecmb", s)) << SuiteName(s);
  }
  EXPECT_NE(r->Describe().find("ipsecmb: Intel IPsec-MB"), std::string::npos) << r->Describe();
  const EspSuite gcm{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone};
  // Fastest measured for every suite (docs/performance.md), so the default pick.
  for (EspSuite s : AllSuites()) {
    EXPECT_EQ(r->Select(s).value()->name(), "ipsecmb") << SuiteName(s);
  }
  ASSERT_TRUE(r->PreferForAll("openssl").ok());
  EXPECT_EQ(r->Select(gcm).value()->name(), "openssl");
  ASSERT_TRUE(r->Prefer(EncryptionAlgorithm::kAes128Gcm16, "ipsecmb").ok());
  EXPECT_EQ(r->Select(gcm).value()->name(), "ipsecmb");
}

}  // namespace
}  // namespace tunnelisa
