// Every backend against the published vectors in tests/vectors/ (files carry their sources),
// and whole ESP packets built by the data plane matched byte for byte where a vector is a
// tunnel-mode packet (RFC 3602 cases 7-8, RFC 7634 appendix A).
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"
#include "tests/test_tools/vector_file.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa {
namespace {

using testing::LoadVectorFile;
using testing::VectorRecord;

CryptoRegistry& Registry() {
  static CryptoRegistry* r = CryptoRegistry::CreateDefault().release();
  return *r;
}

std::vector<VectorRecord> Load(std::string_view name) {
  absl::StatusOr<std::vector<VectorRecord>> r = LoadVectorFile(name);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<VectorRecord>{};
}

// RunOp: one op on `backend` with a fresh key; returns op.ok (and fails the test on key errors).
bool RunOp(CryptoBackend& backend, EspSuite suite, CryptoDirection dir,
           std::span<const uint8_t> enc_key, std::span<const uint8_t> auth_key, CryptoOp op) {
  absl::StatusOr<std::unique_ptr<EspKey>> key = backend.CreateKey(suite, enc_key, auth_key, dir);
  EXPECT_TRUE(key.ok()) << key.status();
  if (!key.ok()) return false;
  op.key = key->get();
  backend.Process(std::span<CryptoOp>(&op, 1));
  return op.ok;
}

// ForEachBackend: calls f for every registered backend that passed its self-test for suite;
// returns how many.
template <typename F>
int ForEachBackend(EspSuite suite, F f) {
  int n = 0;
  for (CryptoBackend* b : Registry().backends()) {
    if (!Registry().Supported(b->name(), suite)) continue;
    SCOPED_TRACE(std::string(b->name()));
    f(*b);
    ++n;
  }
  return n;
}

void CheckMac(const VectorRecord& r, IntegrityAlgorithm alg, const std::vector<uint8_t>& want) {
  SCOPED_TRACE(r.Label());
  EspSuite suite{EncryptionAlgorithm::kNull, alg};
  std::vector<uint8_t> key = r.Bytes("Key"), data = r.Bytes("Data");
  int backends = ForEachBackend(suite, [&](CryptoBackend& b) {
    std::vector<uint8_t> icv(want.size());
    CryptoOp op;
    op.auth = data.data();
    op.auth_len = static_cast<uint32_t>(data.size());
    op.icv = icv.data();
    ASSERT_TRUE(RunOp(b, suite, CryptoDirection::kSeal, {}, key, op));
    EXPECT_EQ(icv, want);
    EXPECT_TRUE(RunOp(b, suite, CryptoDirection::kOpen, {}, key, op));
    icv[want.size() / 2] ^= 0x40;
    EXPECT_FALSE(RunOp(b, suite, CryptoDirection::kOpen, {}, key, op));
  });
  EXPECT_GE(backends, 1);
}

TEST(CryptoVectors, HmacRfc4868AuthenticatorCases) {
  std::vector<VectorRecord> records = Load("hmac_rfc4868.txt");
  ASSERT_EQ(records.size(), 12u);
  for (const VectorRecord& r : records) {
    IntegrityAlgorithm alg = *ParseIntegrityAlgorithm(r.Get("Alg"));
    CheckMac(r, alg, r.Bytes("Icv"));
  }
}

// RFC 2202 and RFC 4231 use many key lengths; ESP keys have one length per algorithm
// (RFC 2403/2404/4868), so the records with that length are the ones that apply.
TEST(CryptoVectors, HmacRfc2202AndRfc4231WithEspKeyLengths) {
  int checked = 0;
  for (const char* file : {"hmac_rfc2202.txt", "hmac_rfc4231.txt"}) {
    for (const VectorRecord& r : Load(file)) {
      std::optional<IntegrityAlgorithm> alg = ParseIntegrityAlgorithm(r.Get("Alg"));
      ASSERT_TRUE(alg.has_value()) << r.Label();
      const IntegrityInfo& info = GetIntegrityInfo(*alg);
      std::vector<uint8_t> mac = r.Bytes("Mac");
      if (r.Bytes("Key").size() != info.key_size || mac.size() < info.icv_size) continue;
      mac.resize(info.icv_size);  // truncated as the ESP transform specifies
      CheckMac(r, *alg, mac);
      ++checked;
    }
  }
  EXPECT_GE(checked, 5) << "RFC 2202 case 1 (MD5, SHA-1) and RFC 4231 cases for SHA-2";
}

TEST(CryptoVectors, CbcCiphers) {
  int checked = 0;
  for (const char* file : {"des_cbc.txt", "esp_aes_cbc_rfc3602.txt"}) {
    for (const VectorRecord& r : Load(file)) {
      SCOPED_TRACE(r.Label());
      std::optional<EncryptionAlgorithm> alg = ParseEncryptionAlgorithm(r.Get("Alg"));
      ASSERT_TRUE(alg.has_value());
      EspSuite suite{*alg, IntegrityAlgorithm::kNone};
      std::vector<uint8_t> key = r.Bytes("Key"), iv = r.Bytes("IV");
      std::vector<uint8_t> plain = r.Bytes("Plaintext"), cipher = r.Bytes("Ciphertext");
      int n = ForEachBackend(suite, [&](CryptoBackend& b) {
        std::vector<uint8_t> data = plain;
        CryptoOp op;
        op.iv = iv.data();
        op.data = data.data();
        op.len = static_cast<uint32_t>(data.size());
        ASSERT_TRUE(RunOp(b, suite, CryptoDirection::kSeal, key, {}, op));
        EXPECT_EQ(data, cipher);
        ASSERT_TRUE(RunOp(b, suite, CryptoDirection::kOpen, key, {}, op));
        EXPECT_EQ(data, plain);
      });
      EXPECT_GE(n, 1) << "no backend for " << r.Get("Alg");
      ++checked;
    }
  }
  EXPECT_EQ(checked, 16);
}

// AEAD records: nonce = Salt || IV, AAD as given. GCM tags truncated to 8 and 12 bytes are
// prefixes of the full tag (RFC 4106 section 6), so each record also checks the shorter ICVs.
void CheckAead(const VectorRecord& r, EncryptionAlgorithm alg, size_t tag_size) {
  SCOPED_TRACE(r.Label() + " tag " + std::to_string(tag_size));
  EspSuite suite{alg, IntegrityAlgorithm::kNone};
  std::vector<uint8_t> key = r.Bytes("Key"), salt = r.Bytes("Salt");
  key.insert(key.end(), salt.begin(), salt.end());
  std::vector<uint8_t> iv = r.Bytes("IV"), aad = r.Bytes("Aad");
  std::vector<uint8_t> plain = r.Bytes("Plaintext"), cipher = r.Bytes("Ciphertext");
  std::vector<uint8_t> tag = r.Bytes("Tag");
  tag.resize(tag_size);
  ASSERT_LE(aad.size(), sizeof(CryptoOp::aad));
  int n = ForEachBackend(suite, [&](CryptoBackend& b) {
    std::vector<uint8_t> data = plain, icv(tag_size);
    CryptoOp op;
    op.iv = iv.data();
    op.data = data.data();
    op.len = static_cast<uint32_t>(data.size());
    op.icv = icv.data();
    std::memcpy(op.aad, aad.data(), aad.size());
    op.aad_len = static_cast<uint8_t>(aad.size());
    ASSERT_TRUE(RunOp(b, suite, CryptoDirection::kSeal, key, {}, op));
    EXPECT_EQ(data, cipher);
    EXPECT_EQ(icv, tag);
    ASSERT_TRUE(RunOp(b, suite, CryptoDirection::kOpen, key, {}, op));
    EXPECT_EQ(data, plain);
    data = cipher;
    op.aad[0] ^= 1;  // AAD (SPI) is authenticated
    EXPECT_FALSE(RunOp(b, suite, CryptoDirection::kOpen, key, {}, op));
  });
  EXPECT_GE(n, 1);
}

TEST(CryptoVectors, GcmDraftMcgrewPackets) {
  int checked = 0;
  for (const VectorRecord& r : Load("esp_gcm_mcgrew.txt")) {
    std::string name = r.Get("Alg");
    if (name == "aes128gmac") continue;  // ENCR_NULL_AUTH_AES_GMAC (RFC 4543) is not offered
    std::optional<EncryptionAlgorithm> alg16 = ParseEncryptionAlgorithm(name);
    ASSERT_TRUE(alg16.has_value()) << name;
    std::string base = name.substr(0, name.size() - 2);  // "aes128gcm"
    CheckAead(r, *alg16, 16);
    CheckAead(r, *ParseEncryptionAlgorithm(base + "12"), 12);
    CheckAead(r, *ParseEncryptionAlgorithm(base + "8"), 8);
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

TEST(CryptoVectors, ChaCha20Poly1305Rfc8439AndRfc7634) {
  std::vector<VectorRecord> records = Load("chacha20poly1305.txt");
  ASSERT_EQ(records.size(), 3u);
  for (const VectorRecord& r : records) CheckAead(r, EncryptionAlgorithm::kChaCha20Poly1305, 16);
}

// WholePacket: the data plane, given the vector's key, SPI, sequence number and IV, must build
// exactly the vector's ESP packet from its inner packet, and take it back.
void CheckWholePacket(const VectorRecord& r, EspSuite suite, std::vector<uint8_t> enc_key,
                      std::vector<uint8_t> want_esp, size_t icv_in_vector) {
  SCOPED_TRACE(r.Label());
  std::vector<uint8_t> plain = r.Bytes("Plaintext");
  ASSERT_EQ(plain.back(), kProtoIpv4InIp) << "tunnel-mode vectors only";
  const size_t inner_len = plain.size() - 2 - plain[plain.size() - 2];
  std::vector<uint8_t> inner(plain.begin(), plain.begin() + static_cast<long>(inner_len));
  const IpAddress a = testing::Ip("192.0.2.1"), b = testing::Ip("192.0.2.2");
  ForEachBackend(suite, [&](CryptoBackend& backend) {
    auto dp = EspDataplane::Create({.crypto = &Registry()}).value();
    auto config = [&](SaDirection dir) {
      SaConfig c;
      c.spi = static_cast<uint32_t>(r.Uint("Spi"));
      c.direction = dir;
      c.suite = suite;
      c.enc_key = SecretBytes(enc_key);
      c.auth_key = SecretBytes(GetIntegrityInfo(suite.integ).key_size);
      c.local = dir == SaDirection::kOutbound ? a : b;
      c.remote = dir == SaDirection::kOutbound ? b : a;
      c.backend = std::string(backend.name());
      return c;
    };
    SaHandle out = dp->Install(config(SaDirection::kOutbound), MonoTime{}).value();
    SaHandle in = dp->Install(config(SaDirection::kInbound), MonoTime{}).value();
    ASSERT_TRUE(dp->Update(out, {.last_sequence = r.Uint("Seq") - 1}).ok());
    ASSERT_TRUE(dp->SetNextIvForTest(out, r.Bytes("IV")).ok());
    testing::TestBuffer buf(inner);
    Verdict v;
    dp->Encrypt(out, std::span<PacketRef>(&buf.ref(), 1), std::span<Verdict>(&v, 1), MonoTime{});
    ASSERT_EQ(v.action, Verdict::Action::kForward) << DropReasonName(v.reason);
    std::vector<uint8_t> got = buf.bytes();
    got.erase(got.begin(), got.begin() + 20);  // our outer header
    // Our packet carries an ICV the vector may lack (RFC 3602's cases have no integrity).
    ASSERT_EQ(got.size(), want_esp.size() - icv_in_vector + suite.icv_size());
    got.resize(got.size() - suite.icv_size() + icv_in_vector);
    EXPECT_EQ(testing::ToHex(got), testing::ToHex(want_esp));
    dp->Decrypt(std::span<PacketRef>(&buf.ref(), 1), std::span<Verdict>(&v, 1), MonoTime{});
    ASSERT_EQ(v.action, Verdict::Action::kDeliver) << DropReasonName(v.reason);
    EXPECT_EQ(buf.bytes(), inner);
    EXPECT_EQ(v.sa, in.index);
  });
}

TEST(CryptoVectors, WholeEspPacketsRfc3602TunnelCases) {
  int checked = 0;
  for (const VectorRecord& r : Load("esp_aes_cbc_rfc3602.txt")) {
    if (!r.Has("NextHeader") || r.Uint("NextHeader") != 4) continue;
    // RFC 3602's packets carry no ICV; we pair AES-CBC with HMAC-SHA1-96 and compare all but
    // the ICV.
    CheckWholePacket(r, {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha1_96},
                     r.Bytes("Key"), r.Bytes("EspPacket"), 0);
    ++checked;
  }
  EXPECT_EQ(checked, 2) << "cases 7 and 8";
}

TEST(CryptoVectors, WholeEspPacketRfc7634AppendixA) {
  for (const VectorRecord& r : Load("chacha20poly1305.txt")) {
    if (!r.Has("Spi")) continue;
    std::vector<uint8_t> key = r.Bytes("Key"), salt = r.Bytes("Salt");
    key.insert(key.end(), salt.begin(), salt.end());
    std::vector<uint8_t> esp = r.Bytes("Aad");  // SPI || sequence number = the ESP header
    std::vector<uint8_t> iv = r.Bytes("IV"), ct = r.Bytes("Ciphertext"), tag = r.Bytes("Tag");
    esp.insert(esp.end(), iv.begin(), iv.end());
    esp.insert(esp.end(), ct.begin(), ct.end());
    esp.insert(esp.end(), tag.begin(), tag.end());
    CheckWholePacket(r, {EncryptionAlgorithm::kChaCha20Poly1305, IntegrityAlgorithm::kNone}, key,
                     esp, 16);
    return;
  }
  FAIL() << "RFC 7634 record missing";
}

TEST(CryptoRegistry, EveryShippedAlgorithmPassesItsSelfTest) {
  EXPECT_TRUE(Registry().FailedSuites().empty())
      << (Registry().FailedSuites().empty() ? "" : Registry().FailedSuites().front());
  for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
    EspSuite s{e.id, e.aead ? IntegrityAlgorithm::kNone : IntegrityAlgorithm::kHmacSha256_128};
    EXPECT_TRUE(Registry().Supported("openssl", s)) << e.name;
  }
  for (const IntegrityInfo& i : AllIntegrityAlgorithms()) {
    if (i.id == IntegrityAlgorithm::kNone) continue;
    EXPECT_TRUE(Registry().Supported("openssl", {EncryptionAlgorithm::kAes128Cbc, i.id})) << i.name;
  }
}

// A backend whose AES-GCM is broken is refused for that algorithm only.
class BrokenGcmBackend final : public CryptoBackend {
 public:
  BrokenGcmBackend() : inner_(CreateOpenSslBackend()) {}
  std::string_view name() const override { return "broken"; }
  bool Implements(EspSuite s) const override { return inner_->Implements(s); }
  absl::StatusOr<std::unique_ptr<EspKey>> CreateKey(EspSuite s, std::span<const uint8_t> e,
                                                    std::span<const uint8_t> a,
                                                    CryptoDirection d) override {
    return inner_->CreateKey(s, e, a, d);
  }
  void Process(std::span<CryptoOp> ops) override {
    inner_->Process(ops);
    for (CryptoOp& op : ops) {
      if (op.key->suite().enc == EncryptionAlgorithm::kAes128Gcm16 &&
          op.key->direction() == CryptoDirection::kSeal && op.len > 0) {
        op.data[0] ^= 1;  // wrong ciphertext
      }
    }
  }

 private:
  std::unique_ptr<CryptoBackend> inner_;
};

TEST(CryptoRegistry, SelfTestRefusesABrokenAlgorithm) {
  CryptoRegistry r;
  ASSERT_TRUE(r.Register(std::make_unique<BrokenGcmBackend>()).ok());
  EXPECT_FALSE(
      r.Supported("broken", {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}));
  EXPECT_TRUE(
      r.Supported("broken", {EncryptionAlgorithm::kAes256Gcm16, IntegrityAlgorithm::kNone}));
  ASSERT_EQ(r.FailedSuites().size(), 1u);
  EXPECT_NE(r.FailedSuites()[0].find("aes128gcm16"), std::string::npos);
  absl::StatusOr<CryptoBackend*> s =
      r.Select({EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(s.status().message()).find("aes128gcm16"), std::string::npos) << s.status();
}

// DES lives in OpenSSL's legacy provider. Without it (here: a module path with no providers)
// the backend refuses DES at its self-test, everything else still works, and installing a DES
// SA fails with a message that says why.
TEST(CryptoRegistry, DesWithoutTheLegacyProviderFailsClearly) {
  const char* old = std::getenv("OPENSSL_MODULES");
  std::string saved = old ? old : "";
  setenv("OPENSSL_MODULES", "/nonexistent-tunnelisa-test", 1);
  // OpenSSL alone: IPsec-MB (when built in) has a DES of its own and would take the SA.
  auto r = std::make_unique<CryptoRegistry>();
  ASSERT_TRUE(r->Register(CreateOpenSslBackend()).ok());
  if (old) {
    setenv("OPENSSL_MODULES", saved.c_str(), 1);
  } else {
    unsetenv("OPENSSL_MODULES");
  }
  EspSuite des{EncryptionAlgorithm::kDesCbc, IntegrityAlgorithm::kHmacMd5_96};
  EXPECT_FALSE(r->Supported("openssl", des));
  EXPECT_TRUE(
      r->Supported("openssl", {EncryptionAlgorithm::k3DesCbc, IntegrityAlgorithm::kHmacSha1_96}));
  auto dp = EspDataplane::Create({.crypto = r.get()}).value();
  SaConfig c;
  c.spi = 0x1000;
  c.suite = des;
  c.enc_key = SecretBytes(8);
  c.auth_key = SecretBytes(16);
  c.local = testing::Ip("192.0.2.1");
  c.remote = testing::Ip("192.0.2.2");
  absl::StatusOr<SaHandle> h = dp->Install(std::move(c), MonoTime{});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(h.status().message()).find("legacy provider"), std::string::npos)
      << h.status();
}

}  // namespace
}  // namespace tunnelisa
