// The Intel IPsec-MB backend ("ipsecmb"): every algorithm of algorithms.h through the library's
// job manager, which runs several packets at once in the lanes of one SIMD register. Serial
// modes (CBC encryption, HMAC) become parallel across the packets of a burst, and AES-GCM at
// small sizes loses the per-call overhead an EVP call has.
//
// Per SA direction (CreateKey, control path): the AES key schedule (encrypt and decrypt
// rounds), the GCM hash-key table, the DES key schedules, and the HMAC inner / outer pad
// digests (SHA one-block of key ^ ipad / opad) are computed once; a packet only points a job at
// them.
//
// Per burst (Process): each op becomes one job, all jobs are submitted and then flushed, and
// only then are ICVs compared; with cipher + HMAC, open verifies first and decrypts only the
// ops whose ICV matched (a second round of jobs), as the OpenSSL backend does.
//
// Threads: a job manager holds lanes of half-done jobs, so it is per thread: Process uses a
// thread_local manager (one per worker thread, hence per ISA slot worker), allocated on the
// thread's first call (about 200 KB) and freed when the thread exits. Process flushes every job
// before it returns, so the manager holds nothing between calls; keys are read-only there
// except the CBC IV counter, which belongs to the key's one worker (crypto_backend.h).
#include "crypto/ipsecmb_backend.h"

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "common/str_cat.h"
#include "crypto/key_sizes.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa {
namespace crypto {
namespace {

// kChunk: ops per submit / flush round; the per-op scratch (nonces, computed ICVs) lives on
// the stack for one round. Bursts are at most 64 packets (EspDataplane::kMaxBurst).
constexpr size_t kChunk = 64;
constexpr size_t kMaxTag = 32;  // longest ICV: HMAC-SHA-512-256

const char* ArchName(IMB_ARCH a) {
  switch (a) {
    case IMB_ARCH_SSE:
      return "SSE";
    case IMB_ARCH_AVX:
      return "AVX";
    case IMB_ARCH_AVX2:
      return "AVX2";
    case IMB_ARCH_AVX512:
      return "AVX512";
    default:
      return "none";
  }
}

// NewManager: a manager for `arch`, or nullptr (allocation failed, or the CPU lacks the
// features the architecture needs: the library then records an error).
IMB_MGR* NewManager(IMB_ARCH arch) {
  IMB_MGR* m = alloc_mb_mgr(0);
  if (m == nullptr) return nullptr;
  switch (arch) {
    case IMB_ARCH_SSE:
      init_mb_mgr_sse(m);
      break;
    case IMB_ARCH_AVX:
      init_mb_mgr_avx(m);
      break;
    case IMB_ARCH_AVX2:
      init_mb_mgr_avx2(m);
      break;
    case IMB_ARCH_AVX512:
      init_mb_mgr_avx512(m);
      break;
    default:
      free_mb_mgr(m);
      return nullptr;
  }
  if (imb_get_errno(m) != 0) {
    free_mb_mgr(m);
    return nullptr;
  }
  return m;
}

// ThreadManagers: this thread's managers, one per architecture (tests run several backends,
// each on its own architecture, on one thread).
class ThreadManagers {
 public:
  ThreadManagers() = default;
  ThreadManagers(const ThreadManagers&) = delete;
  ThreadManagers& operator=(const ThreadManagers&) = delete;
  ~ThreadManagers() {
    for (IMB_MGR* m : mgr_) {
      if (m != nullptr) free_mb_mgr(m);
    }
  }
  IMB_MGR* Get(IMB_ARCH arch) {
    IMB_MGR*& m = mgr_[static_cast<size_t>(arch)];
    if (m == nullptr) m = NewManager(arch);
    return m;
  }

 private:
  std::array<IMB_MGR*, IMB_ARCH_NUM> mgr_{};
};

thread_local ThreadManagers t_managers;

// The key material of one SA direction, wiped when the key goes.
struct Material {
  union {
    // AES-GCM: round keys + GHASH key powers. 16-byte aligned here (the header asks for 64
    // only when LINUX is defined); the library's loads do not need more, as the cross-checks
    // on every code path show.
    gcm_key_data gcm;
    struct {
      alignas(16) uint8_t enc[16 * 15];
      alignas(16) uint8_t dec[16 * 15];
    } aes;                // AES-CBC round keys
    uint64_t des[3][16];  // DES / 3DES key schedules (IMB_DES_KEY_SCHED_SIZE each)
    uint8_t chacha[32];   // ChaCha20-Poly1305 key as is
  } cipher;
  alignas(16) uint8_t ipad[64];  // HMAC: digest state after (key ^ 0x36..) and (key ^ 0x5c..)
  alignas(16) uint8_t opad[64];
  alignas(16) uint8_t iv_key[16 * 15];  // CBC seal: AES-128 round keys of the IV generator
  uint8_t iv_nonce[8];
  uint8_t salt[4];
};

class IpsecMbKey final : public EspKey {
 public:
  IpsecMbKey(CryptoBackend* backend, EspSuite suite, CryptoDirection dir)
      : EspKey(backend, suite, dir) {}
  ~IpsecMbKey() override { OPENSSL_cleanse(&m, sizeof m); }

  Material m{};
  const void* des3[3] = {};    // 3DES: the job takes an array of the three schedules
  const void* keys = nullptr;  // enc_keys / dec_keys of the cipher's jobs
  uint64_t iv_counter = 0;
  IMB_CIPHER_MODE cipher = IMB_CIPHER_NULL;
  IMB_HASH_ALG hash = IMB_AUTH_NULL;
  uint8_t key_len = 0;
  uint8_t iv_size = 0;
  uint8_t block = 1;  // cipher input must be a multiple of this (CBC)
  uint8_t icv_size = 0;
  bool aead = false;
  bool seal = false;
};

// Plan: the jobs of one op. "Then" plans run their second job in a second round, only if the
// first one completed (and, for open, only if the ICV matched: nothing unverified is decrypted).
enum class Plan : uint8_t {
  kNone,            // nothing to compute (NULL / none, or zero bytes of CBC without HMAC)
  kFail,            // the op is malformed for this key: ok = false, no job
  kAead,            // AES-GCM or ChaCha20-Poly1305
  kCipher,          // CBC only
  kHash,            // HMAC only (NULL encryption, or zero bytes of CBC)
  kCipherHash,      // seal: CBC encrypt and HMAC chained in one job
  kCipherThenHash,  // seal: CBC encrypt, then HMAC (data outside the authenticated bytes)
  kHashThenCipher,  // open: HMAC, compare, then CBC decrypt
};

// Scratch for one round of up to kChunk ops.
struct Scratch {
  alignas(16) uint8_t nonce[kChunk][16];
  alignas(16) uint8_t tag[kChunk][kMaxTag];  // computed ICV (open, and seal with ESN)
  uint8_t saved_icv[kChunk][4];              // ICV bytes the ESN high bits borrow
  IMB_STATUS status[kChunk];
  Plan plan[kChunk];
  bool esn[kChunk];
};

// An address for empty inputs: the library refuses null source pointers even for 0 bytes.
alignas(16) const uint8_t kEmpty[16] = {};

class IpsecMbBackend final : public CryptoBackend {
 public:
  explicit IpsecMbBackend(IMB_ARCH arch) : arch_(arch) {
    description_ = StrCat("Intel IPsec-MB ", imb_get_version_str(), ", ", ArchName(arch),
                          " job manager per thread");
  }

  std::string_view name() const override { return "ipsecmb"; }
  std::string description() const override { return description_; }

  bool Implements(EspSuite suite) const override {
    const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
    return !e.aead || suite.integ == IntegrityAlgorithm::kNone;
  }

  absl::StatusOr<std::unique_ptr<EspKey>> CreateKey(EspSuite suite,
                                                    std::span<const uint8_t> enc_key,
                                                    std::span<const uint8_t> auth_key,
                                                    CryptoDirection dir) override {
    if (!Implements(suite)) {
      return absl::InvalidArgumentError("AEAD ciphers take no separate integrity algorithm");
    }
    const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
    if (absl::Status s = crypto::CheckKeySizes(suite, enc_key, auth_key); !s.ok()) return s;
    IMB_MGR* mgr = t_managers.Get(arch_);
    if (mgr == nullptr) return absl::ResourceExhaustedError("IPsec-MB: no job manager");
    auto key = std::make_unique<IpsecMbKey>(this, suite, dir);
    key->seal = dir == CryptoDirection::kSeal;
    key->aead = e.aead;
    key->iv_size = e.iv_size;
    key->icv_size = suite.icv_size();
    key->key_len = e.key_size;
    if (absl::Status s = SetCipher(mgr, *key, enc_key); !s.ok()) return s;
    if (suite.integ != IntegrityAlgorithm::kNone) SetHmac(mgr, *key, auth_key);
    return std::unique_ptr<EspKey>(std::move(key));
  }

  void Process(std::span<CryptoOp> ops) override {
    IMB_MGR* mgr = t_managers.Get(arch_);
    for (size_t base = 0; base < ops.size(); base += kChunk) {
      std::span<CryptoOp> chunk = ops.subspan(base, std::min(kChunk, ops.size() - base));
      if (mgr == nullptr) {
        // This thread could not get a manager (out of memory): every op fails, counted by the
        // caller as an ICV / crypto failure rather than a crash.
        for (CryptoOp& op : chunk) op.ok = false;
        continue;
      }
      ProcessChunk(mgr, chunk);
    }
  }

 private:
  static absl::Status SetCipher(IMB_MGR* mgr, IpsecMbKey& k, std::span<const uint8_t> key) {
    Material& m = k.m;
    using E = EncryptionAlgorithm;
    switch (k.suite().enc) {
      case E::kNull:
        return absl::OkStatus();
      case E::kDesCbc:
        k.cipher = IMB_CIPHER_DES;
        k.block = 8;
        if (IMB_DES_KEYSCHED(mgr, m.cipher.des[0], key.data()) != 0) {
          return absl::InternalError("DES key schedule failed");
        }
        k.keys = m.cipher.des[0];
        break;
      case E::k3DesCbc:
        k.cipher = IMB_CIPHER_DES3;
        k.block = 8;
        for (int j = 0; j < 3; ++j) {
          if (IMB_DES_KEYSCHED(mgr, m.cipher.des[j], key.data() + 8 * j) != 0) {
            return absl::InternalError("3DES key schedule failed");
          }
          k.des3[j] = m.cipher.des[j];
        }
        k.keys = k.des3;
        break;
      case E::kAes128Cbc:
      case E::kAes192Cbc:
      case E::kAes256Cbc:
        k.cipher = IMB_CIPHER_CBC;
        k.block = 16;
        if (k.key_len == 16)
          IMB_AES_KEYEXP_128(mgr, key.data(), m.cipher.aes.enc, m.cipher.aes.dec);
        if (k.key_len == 24)
          IMB_AES_KEYEXP_192(mgr, key.data(), m.cipher.aes.enc, m.cipher.aes.dec);
        if (k.key_len == 32)
          IMB_AES_KEYEXP_256(mgr, key.data(), m.cipher.aes.enc, m.cipher.aes.dec);
        k.keys = k.seal ? m.cipher.aes.enc : m.cipher.aes.dec;
        break;
      case E::kChaCha20Poly1305:
        k.cipher = IMB_CIPHER_CHACHA20_POLY1305;
        k.hash = IMB_AUTH_CHACHA20_POLY1305;
        std::memcpy(m.cipher.chacha, key.data(), 32);
        std::memcpy(m.salt, key.data() + 32, 4);
        k.keys = m.cipher.chacha;
        return absl::OkStatus();
      default:  // AES-GCM, 128/192/256 with 8/12/16-byte ICVs
        k.cipher = IMB_CIPHER_GCM;
        k.hash = IMB_AUTH_AES_GMAC;
        if (k.key_len == 16) IMB_AES128_GCM_PRE(mgr, key.data(), &m.cipher.gcm);
        if (k.key_len == 24) IMB_AES192_GCM_PRE(mgr, key.data(), &m.cipher.gcm);
        if (k.key_len == 32) IMB_AES256_GCM_PRE(mgr, key.data(), &m.cipher.gcm);
        std::memcpy(m.salt, key.data() + k.key_len, 4);
        k.keys = &m.cipher.gcm;
        return absl::OkStatus();
    }
    if (k.seal) {
      //= https://www.rfc-editor.org/rfc/rfc3602#section-2.3
      //# The IV MUST be chosen at random, and MUST be unpredictable.
      // As the OpenSSL backend: a counter encrypted under a random AES key, no CSPRNG call per
      // packet.
      uint8_t iv_key[16];
      alignas(16) uint8_t unused_dec[16 * 15];
      if (RAND_bytes(iv_key, sizeof iv_key) != 1 ||
          RAND_bytes(m.iv_nonce, sizeof m.iv_nonce) != 1) {
        return absl::InternalError("RAND_bytes failed");
      }
      IMB_AES_KEYEXP_128(mgr, iv_key, m.iv_key, unused_dec);
      OPENSSL_cleanse(iv_key, sizeof iv_key);
      OPENSSL_cleanse(unused_dec, sizeof unused_dec);
    }
    return absl::OkStatus();
  }

  // SetHmac: the digests of (key ^ ipad) and (key ^ opad), RFC 2104; ESP keys are never
  // longer than the hash's block, so the key is only zero-padded.
  static void SetHmac(IMB_MGR* mgr, IpsecMbKey& k, std::span<const uint8_t> key) {
    using I = IntegrityAlgorithm;
    const size_t block =
        k.suite().integ == I::kHmacSha384_192 || k.suite().integ == I::kHmacSha512_256 ? 128 : 64;
    alignas(16) uint8_t ipad[128], opad[128];
    std::memset(ipad, 0x36, block);
    std::memset(opad, 0x5c, block);
    for (size_t j = 0; j < key.size(); ++j) {
      ipad[j] ^= key[j];
      opad[j] ^= key[j];
    }
    switch (k.suite().integ) {
      case I::kHmacMd5_96:
        k.hash = IMB_AUTH_MD5;
        IMB_MD5_ONE_BLOCK(mgr, ipad, k.m.ipad);
        IMB_MD5_ONE_BLOCK(mgr, opad, k.m.opad);
        break;
      case I::kHmacSha1_96:
        k.hash = IMB_AUTH_HMAC_SHA_1;
        IMB_SHA1_ONE_BLOCK(mgr, ipad, k.m.ipad);
        IMB_SHA1_ONE_BLOCK(mgr, opad, k.m.opad);
        break;
      case I::kHmacSha256_128:
        k.hash = IMB_AUTH_HMAC_SHA_256;
        IMB_SHA256_ONE_BLOCK(mgr, ipad, k.m.ipad);
        IMB_SHA256_ONE_BLOCK(mgr, opad, k.m.opad);
        break;
      case I::kHmacSha384_192:
        k.hash = IMB_AUTH_HMAC_SHA_384;
        IMB_SHA384_ONE_BLOCK(mgr, ipad, k.m.ipad);
        IMB_SHA384_ONE_BLOCK(mgr, opad, k.m.opad);
        break;
      case I::kHmacSha512_256:
        k.hash = IMB_AUTH_HMAC_SHA_512;
        IMB_SHA512_ONE_BLOCK(mgr, ipad, k.m.ipad);
        IMB_SHA512_ONE_BLOCK(mgr, opad, k.m.opad);
        break;
      case I::kNone:
        break;
    }
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
  }

  // FillIv: the next unpredictable CBC IV of a sealing key: AES-128(counter || nonce).
  static void FillIv(IMB_MGR* mgr, IpsecMbKey& k, uint8_t* iv) {
    alignas(16) uint8_t block[16];
    std::memcpy(block, &k.iv_counter, 8);
    std::memcpy(block + 8, k.m.iv_nonce, 8);
    ++k.iv_counter;
    alignas(16) uint8_t out[16];
    IMB_AES128_CFB_ONE(mgr, out, kEmpty, block, k.m.iv_key, 16);  // = AES(block) ^ 0
    std::memcpy(iv, out, k.iv_size);
  }

  // Job: a job with every field this backend uses reset (jobs are recycled by the manager).
  static IMB_JOB* Job(IMB_MGR* mgr, size_t index) {
    IMB_JOB* j = IMB_GET_NEXT_JOB(mgr);
    j->cipher_mode = IMB_CIPHER_NULL;
    j->hash_alg = IMB_AUTH_NULL;
    j->chain_order = IMB_ORDER_CIPHER_HASH;
    j->cipher_direction = IMB_DIR_ENCRYPT;
    j->enc_keys = nullptr;
    j->dec_keys = nullptr;
    j->key_len_in_bytes = 0;
    j->src = kEmpty;
    j->dst = const_cast<uint8_t*>(kEmpty);
    j->cipher_start_src_offset_in_bytes = 0;
    j->msg_len_to_cipher_in_bytes = 0;
    j->hash_start_src_offset_in_bytes = 0;
    j->msg_len_to_hash_in_bytes = 0;
    j->iv = kEmpty;
    j->iv_len_in_bytes = 0;
    j->auth_tag_output = nullptr;
    j->auth_tag_output_len_in_bytes = 0;
    j->user_data = reinterpret_cast<void*>(index);
    return j;
  }

  static void SetCipherJob(IMB_JOB* j, const IpsecMbKey& k, bool encrypt) {
    j->cipher_mode = k.cipher;
    j->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    j->enc_keys = k.keys;
    j->dec_keys = k.keys;
    j->key_len_in_bytes = k.key_len;
  }

  // SetHashJob: HMAC over auth[0..auth_len) (+ the 4 ESN bytes placed after it), the ICV
  // going to `out`.
  static void SetHashJob(IMB_JOB* j, const IpsecMbKey& k, const CryptoOp& op, bool esn,
                         uint8_t* out) {
    j->hash_alg = k.hash;
    j->hash_start_src_offset_in_bytes = 0;
    j->msg_len_to_hash_in_bytes = op.auth_len + (esn ? 4u : 0u);
    j->u.HMAC._hashed_auth_key_xor_ipad = k.m.ipad;
    j->u.HMAC._hashed_auth_key_xor_opad = k.m.opad;
    j->auth_tag_output = out;
    j->auth_tag_output_len_in_bytes = k.icv_size;
  }

  // Submit: hands the job over and records every job the manager returns as done.
  static void Submit(IMB_MGR* mgr, Scratch& s) {
    IMB_JOB* done = IMB_SUBMIT_JOB(mgr);
    while (done != nullptr) {
      s.status[reinterpret_cast<size_t>(done->user_data)] = done->status;
      done = IMB_GET_COMPLETED_JOB(mgr);
    }
  }
  static void Flush(IMB_MGR* mgr, Scratch& s) {
    while (IMB_JOB* done = IMB_FLUSH_JOB(mgr)) {
      s.status[reinterpret_cast<size_t>(done->user_data)] = done->status;
    }
  }

  // PlanOp: checks the op against its key (never trusting lengths) and decides its jobs.
  static Plan PlanOp(const IpsecMbKey& k, const CryptoOp& op, bool& esn) {
    esn = false;
    if (k.aead) {
      const bool bad = op.aad_len > sizeof op.aad || (op.len > 0 && op.data == nullptr) ||
                       op.iv == nullptr || op.icv == nullptr;
      return bad ? Plan::kFail : Plan::kAead;
    }
    const bool has_cipher = k.cipher != IMB_CIPHER_NULL;
    if (has_cipher &&
        (op.len % k.block != 0 || (op.len > 0 && op.data == nullptr) || op.iv == nullptr)) {
      return Plan::kFail;
    }
    const bool cipher_work = has_cipher && op.len > 0;
    if (k.hash == IMB_AUTH_NULL) return cipher_work ? Plan::kCipher : Plan::kNone;
    if (op.icv == nullptr || (op.auth_len > 0 && op.auth == nullptr)) return Plan::kFail;
    //= https://www.rfc-editor.org/rfc/rfc4303#appendix-A.2.1
    //# the high-order 32 bits are ... included in the ICV computation ... appended after the
    //# payload (they are not transmitted).
    // A job hashes one contiguous range: the high bits go where the ICV lies, right after the
    // authenticated bytes (the ESP layout), and the ICV is written or compared from scratch.
    esn = op.aad_len == 4;
    if (esn && op.auth + op.auth_len != op.icv) return Plan::kFail;
    if (!cipher_work) return Plan::kHash;
    if (!k.seal) return Plan::kHashThenCipher;
    const bool inside = op.data >= op.auth && op.data + op.len <= op.auth + op.auth_len;
    return inside ? Plan::kCipherHash : Plan::kCipherThenHash;
  }

  // SubmitCbc: the CBC pass of an op (with the HMAC chained after it when `chain`).
  static void SubmitCbc(IMB_MGR* mgr, Scratch& s, size_t i, const IpsecMbKey& k, const CryptoOp& op,
                        bool chain) {
    IMB_JOB* j = Job(mgr, i);
    SetCipherJob(j, k, k.seal);
    j->iv = op.iv;
    j->iv_len_in_bytes = k.iv_size;
    j->src = op.data;
    j->dst = op.data;
    j->msg_len_to_cipher_in_bytes = op.len;
    if (chain) {
      // One source for both: the authenticated bytes, the ciphertext inside them.
      j->src = op.auth;
      j->cipher_start_src_offset_in_bytes = static_cast<uint64_t>(op.data - op.auth);
      SetHashJob(j, k, op, s.esn[i], TagOut(s, i, k, op));
    }
    Submit(mgr, s);
  }

  static void SubmitHash(IMB_MGR* mgr, Scratch& s, size_t i, const IpsecMbKey& k,
                         const CryptoOp& op) {
    IMB_JOB* j = Job(mgr, i);
    j->src = op.auth_len > 0 ? op.auth : kEmpty;
    SetHashJob(j, k, op, s.esn[i], TagOut(s, i, k, op));
    Submit(mgr, s);
  }

  // TagOut: where the job writes the ICV: in place when sealing without ESN, else scratch.
  static uint8_t* TagOut(Scratch& s, size_t i, const IpsecMbKey& k, const CryptoOp& op) {
    return k.seal && !s.esn[i] ? op.icv : s.tag[i];
  }

  // IcvMatches: constant-time comparison of the computed ICV with the received one (whose
  // first 4 bytes sit in saved_icv while the ESN high bits borrow them).
  static bool IcvMatches(const Scratch& s, size_t i, const IpsecMbKey& k, const CryptoOp& op) {
    const uint8_t* head = s.esn[i] ? s.saved_icv[i] : op.icv;
    return (CRYPTO_memcmp(s.tag[i], head, 4) |
            CRYPTO_memcmp(s.tag[i] + 4, op.icv + 4, k.icv_size - 4u)) == 0;
  }

  void ProcessChunk(IMB_MGR* mgr, std::span<CryptoOp> ops) {
    Scratch s;
    // Round 1: the first job of every op, all submitted before any is flushed.
    for (size_t i = 0; i < ops.size(); ++i) {
      CryptoOp& op = ops[i];
      auto& k = const_cast<IpsecMbKey&>(static_cast<const IpsecMbKey&>(*op.key));
      s.status[i] = IMB_STATUS_BEING_PROCESSED;
      s.plan[i] = PlanOp(k, op, s.esn[i]);
      if (s.plan[i] == Plan::kFail) continue;
      if (k.seal && op.fill_iv && k.cipher != IMB_CIPHER_NULL && !k.aead) FillIv(mgr, k, op.iv);
      if (s.esn[i]) {
        std::memcpy(s.saved_icv[i], op.icv, 4);
        std::memcpy(op.icv, op.aad, 4);
      }
      switch (s.plan[i]) {
        case Plan::kAead:
          SubmitAead(mgr, s, i, k, op);
          break;
        case Plan::kCipher:
        case Plan::kCipherThenHash:
          SubmitCbc(mgr, s, i, k, op, false);
          break;
        case Plan::kCipherHash:
          SubmitCbc(mgr, s, i, k, op, true);
          break;
        case Plan::kHash:
        case Plan::kHashThenCipher:
          SubmitHash(mgr, s, i, k, op);
          break;
        case Plan::kNone:
        case Plan::kFail:
          break;
      }
    }
    Flush(mgr, s);

    // Round 2: the HMAC of a split seal; the decryption of an open whose ICV matched.
    bool second = false;
    for (size_t i = 0; i < ops.size(); ++i) {
      const CryptoOp& op = ops[i];
      const auto& k = static_cast<const IpsecMbKey&>(*op.key);
      if (s.status[i] != IMB_STATUS_COMPLETED) continue;
      if (s.plan[i] == Plan::kHashThenCipher) {
        if (!IcvMatches(s, i, k, op)) {
          s.status[i] = IMB_STATUS_ERROR;  // counted by the caller as a bad ICV
          continue;
        }
        s.status[i] = IMB_STATUS_BEING_PROCESSED;
        SubmitCbc(mgr, s, i, k, op, false);
        second = true;
      } else if (s.plan[i] == Plan::kCipherThenHash) {
        s.status[i] = IMB_STATUS_BEING_PROCESSED;
        SubmitHash(mgr, s, i, k, op);
        second = true;
      }
    }
    if (second) Flush(mgr, s);

    for (size_t i = 0; i < ops.size(); ++i) {
      CryptoOp& op = ops[i];
      const auto& k = static_cast<const IpsecMbKey&>(*op.key);
      const Plan plan = s.plan[i];
      if (plan == Plan::kNone || plan == Plan::kFail) {
        op.ok = plan == Plan::kNone;
        continue;
      }
      bool ok = s.status[i] == IMB_STATUS_COMPLETED;
      if (ok && !k.seal && (plan == Plan::kAead || plan == Plan::kHash)) {
        ok = IcvMatches(s, i, k, op);
      }
      if (s.esn[i]) {
        // The ICV gets its bytes back: the computed ICV (seal) or the received one (open).
        if (k.seal) {
          std::memcpy(op.icv, s.tag[i], k.icv_size);
        } else {
          std::memcpy(op.icv, s.saved_icv[i], 4);
        }
      }
      op.ok = ok;
    }
  }

  static void SubmitAead(IMB_MGR* mgr, Scratch& s, size_t i, const IpsecMbKey& k, CryptoOp& op) {
    //= https://www.rfc-editor.org/rfc/rfc4106#section-4
    //# The nonce ... is the salt ... followed by the IV
    std::memcpy(s.nonce[i], k.m.salt, 4);
    std::memcpy(s.nonce[i] + 4, op.iv, 8);
    IMB_JOB* j = Job(mgr, i);
    SetCipherJob(j, k, k.seal);
    j->hash_alg = k.hash;
    j->chain_order = k.seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    j->src = op.len > 0 ? op.data : kEmpty;
    j->dst = op.len > 0 ? op.data : const_cast<uint8_t*>(kEmpty);
    j->msg_len_to_cipher_in_bytes = op.len;
    j->msg_len_to_hash_in_bytes = op.len;
    j->iv = s.nonce[i];
    j->iv_len_in_bytes = 12;
    j->auth_tag_output = k.seal ? op.icv : s.tag[i];
    j->auth_tag_output_len_in_bytes = k.icv_size;
    if (k.cipher == IMB_CIPHER_GCM) {
      j->u.GCM.aad = op.aad_len > 0 ? op.aad : kEmpty;
      j->u.GCM.aad_len_in_bytes = op.aad_len;
      j->u.GCM.ctx = nullptr;
    } else {
      j->u.CHACHA20_POLY1305.aad = op.aad_len > 0 ? op.aad : kEmpty;
      j->u.CHACHA20_POLY1305.aad_len_in_bytes = op.aad_len;
      j->u.CHACHA20_POLY1305.ctx = nullptr;
    }
    Submit(mgr, s);
  }

  IMB_ARCH arch_;
  std::string description_;
};

IMB_ARCH DetectArch() {
  IMB_MGR* m = alloc_mb_mgr(0);
  if (m == nullptr) return IMB_ARCH_NONE;
  IMB_ARCH arch = IMB_ARCH_NONE;
  init_mb_mgr_auto(m, &arch);
  if (imb_get_errno(m) != 0) arch = IMB_ARCH_NONE;
  free_mb_mgr(m);
  return arch;
}

}  // namespace

std::unique_ptr<CryptoBackend> CreateIpsecMbBackendForArch(IpsecMbArch want) {
  // Chosen once per backend: the library's own pick, or the one asked for if this CPU runs it.
  static const IMB_ARCH best = DetectArch();
  IMB_ARCH arch = best;
  uint64_t needs = 0;
  switch (want) {
    case IpsecMbArch::kAuto:
      break;
    case IpsecMbArch::kSse:
      arch = IMB_ARCH_SSE;
      needs = IMB_CPUFLAGS_SSE;
      break;
    case IpsecMbArch::kAvx:
      arch = IMB_ARCH_AVX;
      needs = IMB_CPUFLAGS_AVX;
      break;
    case IpsecMbArch::kAvx2:
      arch = IMB_ARCH_AVX2;
      needs = IMB_CPUFLAGS_AVX2;
      break;
    case IpsecMbArch::kAvx512:
      arch = IMB_ARCH_AVX512;
      needs = IMB_CPUFLAGS_AVX512;
      break;
  }
  // No AES-NI (IMB_ARCH_NOAESNI, the library's software emulation) is slower than OpenSSL:
  // leave such CPUs to the other backends.
  if (arch < IMB_ARCH_SSE || arch >= IMB_ARCH_NUM) return nullptr;
  if ((imb_get_feature_flags() & needs) != needs) return nullptr;
  if (t_managers.Get(arch) == nullptr) return nullptr;
  return std::make_unique<IpsecMbBackend>(arch);
}

}  // namespace crypto

std::unique_ptr<CryptoBackend> CreateIpsecMbBackend() {
  return crypto::CreateIpsecMbBackendForArch(crypto::IpsecMbArch::kAuto);
}

}  // namespace tunnelisa
