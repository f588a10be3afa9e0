// tunnelisa_bench: ESP tunnel-mode encapsulation/decapsulation through EspDataplane, each figure
// beside the raw OpenSSL EVP work a caller of the same library would do for the same bytes, in
// the same binary (DESIGN.md "Tests and figures"); bench/ratios.py turns the JSON output into
// the ESP/raw ratios of docs/performance.md.
//
// Benchmarks (one iteration = one burst of kBurst packets; items and bytes are per packet, bytes
// are inner IPv4 packet bytes):
//   BM_EspEncrypt/<suite>/<bytes>  EspDataplane::Encrypt: inner IPv4 packet -> outer IPv4 + ESP.
//   BM_EspDecrypt/<suite>/<bytes>  EspDataplane::Decrypt: outer packet -> inner packet, anti-replay
//                                  on (default 64-packet window), every sequence number fresh.
//                                  Both pinned to the OpenSSL backend (the default pick before
//                                  ipsecmb, and what BM_Engine* pin: their ratios stay valid).
//   BM_EspEncrypt/<suite>/<bytes>/<backend>, BM_EspDecrypt/<suite>/<bytes>/<backend>: the same
//                                  with the SAs pinned to backend openssl, sodium or ipsecmb
//                                  (registered only where the backend passed its self-test for
//                                  the suite).
//   BM_RawSeal/<suite>/<bytes>     EVP baseline: keyed context reused, IV-only re-init, 8-byte
//   BM_RawOpen/<suite>/<bytes>     AAD, tag get/verify; CBC suites: cipher pass + HMAC re-init
//                                  with a NULL key, truncated ICV (CRYPTO_memcmp on open).
//   BM_RawSealThreads/aes128gcm16/64/real_time/threads:<n>  BM_RawSeal on n threads at once:
//                                  how this machine scales (the baseline of BM_EngineSlots).
//   BM_EncryptRestore              what BM_EspEncrypt spends restoring its inputs (see below).
//   BM_SadLookup/<n>               Decrypt bursts of sequence-number-0 packets whose SPIs are
//                                  random among n installed inbound SAs: outer parse + SAD lookup
//                                  + SA state checks per packet, no crypto.
//   BM_SadFind/<n>                 EspDataplane::FindInbound alone, same SPIs (the hash lookup).
//   BM_SadLookupRandomSpi/<n>,     the same two with installed SPIs drawn at random from the
//   BM_SadFindRandomSpi/<n>        32-bit space (as IKE allocates them) instead of 0x100 + i.
//
// Fairness between ESP and raw: both work in place on the same arena of kArenas x kBurst packet
// buffers (the same cache footprint), the raw payload is the ESP payload (inner packet + ESP
// trailer padding), and the open benchmarks of both kinds regenerate fresh ciphertext for the
// arena with timing paused once every kArenas bursts, so the pause overhead is symmetric.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "benchmark/benchmark.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/esp_dataplane.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::bench {
namespace {

constexpr const char* kSuites[] = {"aes128gcm16",   "aes256gcm16",   "chacha20poly1305",
                                   "aes128-sha256", "aes256-sha512", "3des-sha1"};
constexpr uint32_t kSizes[] = {64, 512, 1420};
constexpr uint32_t kSadSizes[] = {1000, 100000, 1000000};

// ---------------------------------------------------------------------------------------------
// Small helpers (copied in spirit from tests/test_tools, which the bench does not link).

EspSuite SuiteByName(std::string_view name) {
  size_t dash = name.find('-');
  EspSuite s{*ParseEncryptionAlgorithm(name.substr(0, dash)), IntegrityAlgorithm::kNone};
  if (dash != std::string_view::npos) s.integ = *ParseIntegrityAlgorithm(name.substr(dash + 1));
  return s;
}

SecretBytes TestKey(size_t size, uint8_t seed) {
  SecretBytes k(size);
  for (size_t i = 0; i < size; ++i) k.mutable_span()[i] = static_cast<uint8_t>(seed * 31 + i);
  return k;
}

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}
uint16_t Checksum(const uint8_t* d, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(d[i] << 8 | d[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(d[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// InnerPacket: an IPv4/UDP packet of exactly `total` bytes (10.0.1.1 -> 10.0.2.2).
std::vector<uint8_t> InnerPacket(uint32_t total) {
  uint8_t p[kStride] = {};  // built here (a fixed array keeps -Wnull-dereference quiet)
  p[0] = 0x45;
  Put16(&p[2], static_cast<uint16_t>(total));
  Put16(&p[4], 0x1234);
  p[8] = 64;
  p[9] = kProtoUdp;
  const uint8_t src[4] = {10, 0, 1, 1}, dst[4] = {10, 0, 2, 2};
  std::memcpy(&p[12], src, 4);
  std::memcpy(&p[16], dst, 4);
  Put16(&p[10], Checksum(p, 20));
  Put16(&p[20], 12345);
  Put16(&p[22], 53);
  Put16(&p[24], static_cast<uint16_t>(total - 20));
  for (uint32_t i = 28; i < total; ++i) p[i] = static_cast<uint8_t>(i * 7);
  return std::vector<uint8_t>(p, p + total);  // UDP checksum 0 (allowed over IPv4)
}

CryptoRegistry* Registry() {
  static CryptoRegistry* r = CryptoRegistry::CreateDefault().release();
  return r;
}

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return IpAddress::V4(static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
                       static_cast<uint32_t>(c) << 8 | d);
}

// MakeSaConfig: pinned to `backend`; the raw baselines are OpenSSL EVP, so by default
// OpenSSL (compare like with like).
SaConfig MakeSaConfig(EspSuite suite, SaDirection dir, uint32_t spi, uint8_t key_seed = 1,
                      std::string_view backend = "openssl") {
  SaConfig c;
  c.spi = spi;
  c.direction = dir;
  c.suite = suite;
  c.enc_key = TestKey(GetEncryptionInfo(suite.enc).keymat_size(), key_seed);
  c.auth_key =
      TestKey(GetIntegrityInfo(suite.integ).key_size, static_cast<uint8_t>(key_seed + 100));
  const IpAddress a = V4(192, 0, 2, 1), b = V4(192, 0, 2, 2);
  c.local = dir == SaDirection::kOutbound ? a : b;
  c.remote = dir == SaDirection::kOutbound ? b : a;
  c.backend = std::string(backend);
  return c;
}

// PayloadLen: ESP payload bytes (inner + padding + pad length + next header), RFC 4303 2.4.
uint32_t PayloadLen(const EspSuite& s, uint32_t inner) {
  const uint32_t bs = GetEncryptionInfo(s.enc).block_size;
  return (inner + 2 + bs - 1) & ~(bs - 1);
}

// ---------------------------------------------------------------------------------------------
// ESP through EspDataplane.

struct EspPair {
  std::unique_ptr<EspDataplane> a;  // outbound SA
  std::unique_ptr<EspDataplane> b;  // inbound SA
  SaHandle out, in;
};

std::unique_ptr<EspPair> MakePair(EspSuite suite, std::string_view backend,
                                  benchmark::State& state) {
  auto p = std::make_unique<EspPair>();
  p->a = EspDataplane::Create({.crypto = Registry()}).value();
  p->b = EspDataplane::Create({.crypto = Registry()}).value();
  auto o =
      p->a->Install(MakeSaConfig(suite, SaDirection::kOutbound, 0x1000, 1, backend), MonoTime{});
  auto i =
      p->b->Install(MakeSaConfig(suite, SaDirection::kInbound, 0x1000, 1, backend), MonoTime{});
  if (!o.ok() || !i.ok()) {
    state.SkipWithError((o.ok() ? i.status() : o.status()).ToString().c_str());
    return nullptr;
  }
  p->out = *o;
  p->in = *i;
  return p;
}

void BM_EspEncrypt(benchmark::State& state, EspSuite suite, uint32_t bytes,
                   std::string_view backend) {
  auto pair = MakePair(suite, backend, state);
  if (!pair) return;
  const std::vector<uint8_t> inner = InnerPacket(bytes);
  Arena arena;
  for (size_t a = 0; a < kArenas; ++a) {
    for (size_t i = 0; i < kBurst; ++i) {
      arena.refs[a][i] = PacketRef::WithHeadroom(arena.buf(a, i), kStride, kPacketHeadroom);
      std::memcpy(arena.refs[a][i].Append(bytes), inner.data(), bytes);
    }
  }
  Verdict v[kBurst];
  size_t a = 0;
  const MonoTime now{1};
  for (auto _ : state) {
    // Restore the input: the inner packet now lies encrypted where it was, and Encrypt only
    // parses the inner IP header, so putting back those 20 bytes and the view is enough (the
    // payload bytes' values do not change the work). BM_EncryptRestore measures this.
    for (size_t i = 0; i < kBurst; ++i) {
      PacketRef& r = arena.refs[a][i];
      r.offset = kPacketHeadroom;
      r.length = bytes;
      std::memcpy(r.buffer + kPacketHeadroom, inner.data(), kIpv4HeaderSize);
    }
    pair->a->Encrypt(pair->out, arena.refs[a], v, now);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  for (const Verdict& x : v) {
    if (x.action != Verdict::Action::kForward) {
      state.SkipWithError(absl::StrFormat("encrypt: %s", DropReasonName(x.reason)).c_str());
      return;
    }
  }
  SetCounters(state, bytes);
}

// BM_EncryptRestore: the per-burst input restore of BM_EspEncrypt alone (same arena walk).
void BM_EncryptRestore(benchmark::State& state) {
  const uint32_t bytes = 1420;
  const std::vector<uint8_t> inner = InnerPacket(bytes);
  Arena arena;
  for (size_t a = 0; a < kArenas; ++a) {
    for (size_t i = 0; i < kBurst; ++i) {
      arena.refs[a][i] = PacketRef::WithHeadroom(arena.buf(a, i), kStride, kPacketHeadroom);
    }
  }
  size_t a = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) {
      PacketRef& r = arena.refs[a][i];
      r.offset = kPacketHeadroom;
      r.length = bytes;
      std::memcpy(r.buffer + kPacketHeadroom, inner.data(), kIpv4HeaderSize);
    }
    benchmark::DoNotOptimize(arena.refs[a]);
    benchmark::ClobberMemory();
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
}

void BM_EspDecrypt(benchmark::State& state, EspSuite suite, uint32_t bytes,
                   std::string_view backend) {
  auto pair = MakePair(suite, backend, state);
  if (!pair) return;
  const std::vector<uint8_t> inner = InnerPacket(bytes);
  Arena arena;
  Verdict v[kBurst];
  // Refill: encrypt kArenas fresh bursts on the sender; sequence numbers keep rising, so every
  // packet the receiver sees is new to its replay window.
  auto refill = [&]() -> bool {
    for (size_t a = 0; a < kArenas; ++a) {
      for (size_t i = 0; i < kBurst; ++i) {
        arena.refs[a][i] = PacketRef::WithHeadroom(arena.buf(a, i), kStride, kPacketHeadroom);
        std::memcpy(arena.refs[a][i].Append(bytes), inner.data(), bytes);
      }
      pair->a->Encrypt(pair->out, arena.refs[a], v, MonoTime{1});
      for (const Verdict& x : v) {
        if (x.action != Verdict::Action::kForward) return false;
      }
    }
    return true;
  };
  size_t a = 0;
  const MonoTime now{2};
  for (auto _ : state) {
    if (a == 0) {
      state.PauseTiming();
      if (!refill()) {
        state.SkipWithError("refill: encrypt failed");
        break;
      }
      state.ResumeTiming();
    }
    pair->b->Decrypt(arena.refs[a], v, now);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  const DataplaneCounters& c = pair->b->counters();
  if (c.total_drops() != 0 || c.decrypted_packets != state.iterations() * kBurst) {
    for (const Verdict& x : v) {
      if (x.dropped()) {
        state.SkipWithError(absl::StrFormat("decrypt: %s", DropReasonName(x.reason)).c_str());
        return;
      }
    }
    state.SkipWithError("decrypt: packets dropped");
    return;
  }
  SetCounters(state, bytes);
}

// ---------------------------------------------------------------------------------------------
// Raw OpenSSL EVP: the best a caller of the same library can do for the same bytes.

struct RawCtx {
  EVP_CIPHER_CTX* cipher = nullptr;
  EVP_CIPHER_CTX* iv_gen = nullptr;  // CBC seal: AES-128-ECB over a counter, as the backend
  EVP_MAC_CTX* mac = nullptr;
  uint8_t salt[4] = {};
  uint8_t iv_nonce[8] = {};
  uint64_t iv_counter = 0;
  bool aead = false;
  uint32_t iv_size = 0, icv_size = 0;
  ~RawCtx() {
    EVP_CIPHER_CTX_free(cipher);
    EVP_CIPHER_CTX_free(iv_gen);
    EVP_MAC_CTX_free(mac);
  }
};

const char* EvpName(EncryptionAlgorithm a) {
  switch (a) {
    case EncryptionAlgorithm::kAes128Gcm16:
      return "AES-128-GCM";
    case EncryptionAlgorithm::kAes256Gcm16:
      return "AES-256-GCM";
    case EncryptionAlgorithm::kChaCha20Poly1305:
      return "ChaCha20-Poly1305";
    case EncryptionAlgorithm::kAes128Cbc:
      return "AES-128-CBC";
    case EncryptionAlgorithm::kAes256Cbc:
      return "AES-256-CBC";
    case EncryptionAlgorithm::k3DesCbc:
      return "DES-EDE3-CBC";
    default:
      return nullptr;
  }
}
const char* DigestName(IntegrityAlgorithm a) {
  switch (a) {
    case IntegrityAlgorithm::kHmacSha1_96:
      return "SHA1";
    case IntegrityAlgorithm::kHmacSha256_128:
      return "SHA256";
    case IntegrityAlgorithm::kHmacSha512_256:
      return "SHA512";
    default:
      return nullptr;
  }
}

// MakeRaw: keyed contexts (key schedule once), the EVP objects fetched once.
std::unique_ptr<RawCtx> MakeRaw(EspSuite suite, bool enc) {
  static EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  static EVP_CIPHER* ecb = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
  auto r = std::make_unique<RawCtx>();
  r->aead = e.aead;
  r->iv_size = e.iv_size;
  r->icv_size = suite.icv_size();
  SecretBytes key = TestKey(e.keymat_size(), 1);
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, EvpName(suite.enc), nullptr);
  if (cipher == nullptr) return nullptr;
  r->cipher = EVP_CIPHER_CTX_new();
  bool ok = EVP_CipherInit_ex2(r->cipher, cipher, key.data(), nullptr, enc ? 1 : 0, nullptr) == 1;
  EVP_CIPHER_free(cipher);
  if (e.aead) {
    std::memcpy(r->salt, key.data() + e.key_size, 4);
  } else {
    ok = ok && EVP_CIPHER_CTX_set_padding(r->cipher, 0) == 1;
    uint8_t iv_key[16];
    RAND_bytes(iv_key, sizeof iv_key);
    RAND_bytes(r->iv_nonce, sizeof r->iv_nonce);
    r->iv_gen = EVP_CIPHER_CTX_new();
    ok = ok && EVP_CipherInit_ex2(r->iv_gen, ecb, iv_key, nullptr, 1, nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(r->iv_gen, 0) == 1;
    SecretBytes akey = TestKey(GetIntegrityInfo(suite.integ).key_size, 101);
    r->mac = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char*>(DigestName(suite.integ)), 0),
        OSSL_PARAM_construct_end()};
    ok = ok && EVP_MAC_init(r->mac, akey.data(), akey.size(), params) == 1;
  }
  return ok ? std::move(r) : nullptr;
}

// Packet layout for raw: [ESP header 8][IV][payload len][ICV], at the ESP position of a tunnel
// packet in the same buffer (after headroom - outer IPv4 header).
struct RawLayout {
  uint8_t* esp;
  uint8_t* iv;
  uint8_t* data;
  uint8_t* icv;
};
RawLayout Layout(const RawCtx& r, uint8_t* buf, uint32_t len) {
  uint8_t* esp = buf + kPacketHeadroom - kEspHeaderSize - r.iv_size;
  return {esp, esp + kEspHeaderSize, esp + kEspHeaderSize + r.iv_size,
          esp + kEspHeaderSize + r.iv_size + len};
}

inline bool RawSealOne(RawCtx& r, const RawLayout& l, uint32_t len, uint64_t seq) {
  int outl = 0;
  Put32(l.esp, 0x1000);
  Put32(l.esp + 4, static_cast<uint32_t>(seq));
  if (r.aead) {
    uint8_t nonce[12];
    std::memcpy(nonce, r.salt, 4);
    for (int k = 0; k < 8; ++k) l.iv[k] = static_cast<uint8_t>(seq >> (56 - 8 * k));
    std::memcpy(nonce + 4, l.iv, 8);
    return EVP_CipherInit_ex(r.cipher, nullptr, nullptr, nullptr, nonce, 1) == 1 &&
           EVP_CipherUpdate(r.cipher, nullptr, &outl, l.esp, 8) == 1 &&
           EVP_CipherUpdate(r.cipher, l.data, &outl, l.data, static_cast<int>(len)) == 1 &&
           EVP_CipherFinal_ex(r.cipher, l.data + len, &outl) == 1 &&
           EVP_CIPHER_CTX_ctrl(r.cipher, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(r.icv_size),
                               l.icv) == 1;
  }
  uint8_t block[16];
  std::memcpy(block, &r.iv_counter, 8);
  std::memcpy(block + 8, r.iv_nonce, 8);
  ++r.iv_counter;
  if (EVP_CipherUpdate(r.iv_gen, block, &outl, block, 16) != 1) return false;
  std::memcpy(l.iv, block, r.iv_size);
  uint8_t full[EVP_MAX_MD_SIZE];
  size_t macl = 0;
  if (EVP_CipherInit_ex(r.cipher, nullptr, nullptr, nullptr, l.iv, 1) != 1 ||
      EVP_CipherUpdate(r.cipher, l.data, &outl, l.data, static_cast<int>(len)) != 1 ||
      EVP_MAC_init(r.mac, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(r.mac, l.esp, kEspHeaderSize + r.iv_size + len) != 1 ||
      EVP_MAC_final(r.mac, full, &macl, sizeof full) != 1) {
    return false;
  }
  std::memcpy(l.icv, full, r.icv_size);
  return true;
}

inline bool RawOpenOne(RawCtx& r, const RawLayout& l, uint32_t len) {
  int outl = 0;
  if (r.aead) {
    uint8_t nonce[12];
    std::memcpy(nonce, r.salt, 4);
    std::memcpy(nonce + 4, l.iv, 8);
    return EVP_CipherInit_ex(r.cipher, nullptr, nullptr, nullptr, nonce, 0) == 1 &&
           EVP_CIPHER_CTX_ctrl(r.cipher, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(r.icv_size),
                               l.icv) == 1 &&
           EVP_CipherUpdate(r.cipher, nullptr, &outl, l.esp, 8) == 1 &&
           EVP_CipherUpdate(r.cipher, l.data, &outl, l.data, static_cast<int>(len)) == 1 &&
           EVP_CipherFinal_ex(r.cipher, l.data + len, &outl) == 1;
  }
  uint8_t full[EVP_MAX_MD_SIZE];
  size_t macl = 0;
  if (EVP_MAC_init(r.mac, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(r.mac, l.esp, kEspHeaderSize + r.iv_size + len) != 1 ||
      EVP_MAC_final(r.mac, full, &macl, sizeof full) != 1 ||
      CRYPTO_memcmp(full, l.icv, r.icv_size) != 0) {
    return false;
  }
  return EVP_CipherInit_ex(r.cipher, nullptr, nullptr, nullptr, l.iv, 0) == 1 &&
         EVP_CipherUpdate(r.cipher, l.data, &outl, l.data, static_cast<int>(len)) == 1;
}

void BM_RawSeal(benchmark::State& state, EspSuite suite, uint32_t bytes) {
  auto r = MakeRaw(suite, true);
  if (!r) {
    state.SkipWithError("EVP setup failed");
    return;
  }
  const uint32_t len = PayloadLen(suite, bytes);
  const std::vector<uint8_t> inner = InnerPacket(bytes);
  Arena arena;
  RawLayout l[kArenas][kBurst];
  for (size_t a = 0; a < kArenas; ++a) {
    for (size_t i = 0; i < kBurst; ++i) {
      l[a][i] = Layout(*r, arena.buf(a, i), len);
      std::memcpy(l[a][i].data, inner.data(), bytes);
    }
  }
  uint64_t seq = 0;
  size_t a = 0;
  bool ok = true;
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) ok &= RawSealOne(*r, l[a][i], len, ++seq);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (!ok) {
    state.SkipWithError("seal failed");
    return;
  }
  SetCounters(state, bytes);
}

void BM_RawOpen(benchmark::State& state, EspSuite suite, uint32_t bytes) {
  auto sealer = MakeRaw(suite, true);
  auto r = MakeRaw(suite, false);
  if (!r || !sealer) {
    state.SkipWithError("EVP setup failed");
    return;
  }
  const uint32_t len = PayloadLen(suite, bytes);
  const std::vector<uint8_t> inner = InnerPacket(bytes);
  Arena arena;
  RawLayout l[kArenas][kBurst];
  for (size_t a = 0; a < kArenas; ++a) {
    for (size_t i = 0; i < kBurst; ++i) {
      l[a][i] = Layout(*r, arena.buf(a, i), len);
      std::memcpy(l[a][i].data, inner.data(), bytes);
    }
  }
  // Refill: seal the arena again (it holds the plaintext the last open produced), with timing
  // paused exactly as BM_EspDecrypt does.
  uint64_t seq = 0;
  auto refill = [&]() -> bool {
    bool ok = true;
    for (size_t a = 0; a < kArenas; ++a) {
      for (size_t i = 0; i < kBurst; ++i) ok &= RawSealOne(*sealer, l[a][i], len, ++seq);
    }
    return ok;
  };
  size_t a = 0;
  bool ok = true;
  for (auto _ : state) {
    if (a == 0) {
      state.PauseTiming();
      if (!refill()) {
        state.SkipWithError("refill: seal failed");
        break;
      }
      state.ResumeTiming();
    }
    for (size_t i = 0; i < kBurst; ++i) ok &= RawOpenOne(*r, l[a][i], len);
    a = a + 1 == kArenas ? 0 : a + 1;
  }
  if (!ok) {
    state.SkipWithError("open: ICV did not verify");
    return;
  }
  SetCounters(state, bytes);
}

// ---------------------------------------------------------------------------------------------
// SAD lookup on the real inbound path.

constexpr size_t kSpiRing = 1 << 20;  // pre-drawn random SPIs, read sequentially

struct SadFixture {
  size_t n = 0;
  bool random_spis = false;
  std::unique_ptr<EspDataplane> dp;
  std::vector<uint32_t> spis;  // random installed SPIs
};

// SadSpis: n distinct SPIs: 0x100 + i, or random ones (>= 0x100) in random order.
std::vector<uint32_t> SadSpis(size_t n, bool random) {
  std::vector<uint32_t> spis;
  if (!random) {
    for (size_t i = 0; i < n; ++i) spis.push_back(static_cast<uint32_t>(0x100 + i));
    return spis;
  }
  std::mt19937 rng(7);
  while (spis.size() < n) {
    while (spis.size() < n + n / 8) {
      const uint32_t spi = rng();
      if (spi >= 0x100) spis.push_back(spi);  // 0..255 are reserved
    }
    std::sort(spis.begin(), spis.end());
    spis.erase(std::unique(spis.begin(), spis.end()), spis.end());
  }
  std::shuffle(spis.begin(), spis.end(), rng);
  spis.resize(n);
  return spis;
}

// Sad: one fixture at a time (1M inbound SAs take ~GBs); rebuilt when n or the kind of SPI
// changes, so run the SadLookup benchmarks without random interleaving.
SadFixture* Sad(size_t n, bool random_spis) {
  static std::unique_ptr<SadFixture> f;
  if (f && f->n == n && f->random_spis == random_spis) return f.get();
  f.reset();
  auto nf = std::make_unique<SadFixture>();
  nf->n = n;
  nf->random_spis = random_spis;
  nf->dp = EspDataplane::Create({.crypto = Registry()}).value();
  const EspSuite suite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone};
  const std::vector<uint32_t> installed = SadSpis(n, random_spis);
  for (uint32_t spi : installed) {
    if (!nf->dp->Install(MakeSaConfig(suite, SaDirection::kInbound, spi), MonoTime{}).ok()) {
      return nullptr;
    }
  }
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  nf->spis.resize(kSpiRing);
  for (uint32_t& s : nf->spis) s = installed[pick(rng)];
  f = std::move(nf);
  return f.get();
}

void BM_SadLookup(benchmark::State& state, size_t n, bool random_spis) {
  SadFixture* f = Sad(n, random_spis);
  if (f == nullptr) {
    state.SkipWithError("install failed");
    return;
  }
  // 32 minimal ESP packets (outer IPv4 + ESP header + 8 IV + 4 ciphertext + 16 ICV) with
  // sequence number 0: Decrypt parses, looks up the SA, checks it, and drops them as seq-zero
  // before any crypto.
  constexpr uint32_t kLen = 20 + 8 + 8 + 4 + 16;
  Arena arena;
  PacketRef* refs = arena.refs[0];
  for (size_t i = 0; i < kBurst; ++i) {
    refs[i] = PacketRef::WithHeadroom(arena.buf(0, i), kStride, kPacketHeadroom);
    uint8_t* p = refs[i].Append(kLen);
    p[0] = 0x45;
    Put16(p + 2, kLen);
    p[8] = 64;
    p[9] = kProtoEsp;
    const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
    std::memcpy(p + 12, src, 4);
    std::memcpy(p + 16, dst, 4);
    Put16(p + 10, Checksum(p, 20));
  }
  Verdict v[kBurst];
  size_t pos = 0;
  const uint64_t drops_before = f->dp->counters().drops[static_cast<size_t>(DropReason::kSeqZero)];
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) Put32(refs[i].mutable_data() + 20, f->spis[pos + i]);
    pos = (pos + kBurst) & (kSpiRing - 1);
    f->dp->Decrypt(std::span<PacketRef>(refs, kBurst), v, MonoTime{1});
  }
  const uint64_t drops =
      f->dp->counters().drops[static_cast<size_t>(DropReason::kSeqZero)] - drops_before;
  if (drops != state.iterations() * kBurst) {
    state.SkipWithError(
        absl::StrFormat("expected seq-zero drops, last: %s", DropReasonName(v[0].reason)).c_str());
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
  state.counters["sas"] = static_cast<double>(n);
}

void BM_SadFind(benchmark::State& state, size_t n, bool random_spis) {
  SadFixture* f = Sad(n, random_spis);
  if (f == nullptr) {
    state.SkipWithError("install failed");
    return;
  }
  const IpAddress dst = V4(192, 0, 2, 2);
  size_t pos = 0;
  size_t found = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) {
      std::optional<SaHandle> h = f->dp->FindInbound(f->spis[pos + i], dst);
      found += h.has_value();
      benchmark::DoNotOptimize(h);
    }
    pos = (pos + kBurst) & (kSpiRing - 1);
  }
  if (found != state.iterations() * kBurst) {
    state.SkipWithError("lookup missed");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
}

void RegisterAll() {
  for (const char* name : kSuites) {
    const EspSuite suite = SuiteByName(name);
    for (uint32_t bytes : kSizes) {
      // No suffix: OpenSSL, as before backends were a dimension; then each backend that
      // passed its self-test for the suite, beside the raw OpenSSL baselines of the same bytes.
      for (std::string_view backend : {"", "openssl", "sodium", "ipsecmb"}) {
        if (!backend.empty() && !Registry()->Supported(backend, suite)) continue;
        const std::string tail =
            backend.empty() ? "" : absl::StrFormat("/%s", std::string(backend));
        const std::string_view pin = backend.empty() ? "openssl" : backend;
        benchmark::RegisterBenchmark(
            absl::StrFormat("BM_EspEncrypt/%s/%d%s", name, bytes, tail).c_str(), BM_EspEncrypt,
            suite, bytes, pin);
        benchmark::RegisterBenchmark(
            absl::StrFormat("BM_EspDecrypt/%s/%d%s", name, bytes, tail).c_str(), BM_EspDecrypt,
            suite, bytes, pin);
      }
      benchmark::RegisterBenchmark(absl::StrFormat("BM_RawSeal/%s/%d", name, bytes).c_str(),
                                   BM_RawSeal, suite, bytes);
      benchmark::RegisterBenchmark(absl::StrFormat("BM_RawOpen/%s/%d", name, bytes).c_str(),
                                   BM_RawOpen, suite, bytes);
    }
  }
  // The machine's own scaling, for BM_EngineSlots: raw OpenSSL sealing on 1 and 2 threads at
  // once (each its own context and arena), packets per second summed over the threads.
  benchmark::RegisterBenchmark("BM_RawSealThreads/aes128gcm16/64", BM_RawSeal,
                               SuiteByName("aes128gcm16"), 64u)
      ->ThreadRange(1, 2)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_EncryptRestore", BM_EncryptRestore);
  for (uint32_t n : kSadSizes) {
    for (bool random_spis : {false, true}) {
      const char* kind = random_spis ? "RandomSpi" : "";
      benchmark::RegisterBenchmark(absl::StrFormat("BM_SadLookup%s/%d", kind, n).c_str(),
                                   BM_SadLookup, static_cast<size_t>(n), random_spis);
      benchmark::RegisterBenchmark(absl::StrFormat("BM_SadFind%s/%d", kind, n).c_str(), BM_SadFind,
                                   static_cast<size_t>(n), random_spis);
    }
  }
}

}  // namespace

void RegisterEngineBenchmarks();  // engine_bench.cc

}  // namespace tunnelisa::bench

int main(int argc, char** argv) {
  tunnelisa::bench::RegisterAll();
  tunnelisa::bench::RegisterEngineBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
