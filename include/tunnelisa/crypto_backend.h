// File: tunnelisa/crypto_backend.h
//
// The pluggable symmetric crypto behind ESP. A CryptoBackend turns key material into a keyed
// EspKey once per SA and direction (the key schedule is done there, on the control path), and
// then seals or opens whole bursts of packets in place with Process(): one virtual call per
// burst, no allocation, no locks.
//
// Backends shipped: "openssl" (OpenSSL 3 EVP, every algorithm of algorithms.h), "sodium"
// (libsodium: AES-256-GCM-16 where the CPU has AES-NI, ChaCha20-Poly1305, HMAC-SHA-256/512)
// and, when the build found Intel's IPsec-MB library (libipsec-mb-dev), "ipsecmb" (every
// algorithm of algorithms.h, several packets at once in one job manager per thread).
// A CryptoRegistry runs each backend's known-answer tests when it is registered and refuses
// the algorithms that fail; it then picks, per suite, the host's preferred backend or the
// fastest one available (a ranking measured per suite, docs/performance.md).
//
// Example (host choosing libsodium for ChaCha20-Poly1305, OpenSSL for the rest):
//   auto registry = CryptoRegistry::CreateDefault();
//   registry->Prefer(EncryptionAlgorithm::kChaCha20Poly1305, "sodium");
#ifndef TUNNELISA_CRYPTO_BACKEND_H_
#define TUNNELISA_CRYPTO_BACKEND_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/algorithms.h"

namespace tunnelisa {

class CryptoBackend;

enum class CryptoDirection : uint8_t { kSeal, kOpen };

// EspKey: a keyed handle for one SA direction. Owned by the SA; must not outlive its backend.
// Not thread-safe: one worker uses it at a time (the worker of the ISA slot owning the SA).
class EspKey {
 public:
  virtual ~EspKey() = default;
  EspKey(const EspKey&) = delete;
  EspKey& operator=(const EspKey&) = delete;

  const EspSuite& suite() const { return suite_; }
  CryptoDirection direction() const { return direction_; }
  CryptoBackend& backend() const { return *backend_; }

 protected:
  EspKey(CryptoBackend* backend, EspSuite suite, CryptoDirection direction)
      : backend_(backend), suite_(suite), direction_(direction) {}

 private:
  CryptoBackend* backend_;
  EspSuite suite_;
  CryptoDirection direction_;
};

// CryptoOp: one packet's crypto work, all pointers into the packet (in place).
//
// ESP layout:  [ESP hdr 8][IV][payload ... pad, padlen, nh][ICV]
//                          ^iv ^data (len bytes, encrypted)  ^icv
// AEAD (RFC 4106/7634): nonce = salt || iv; AAD = aad[0..aad_len) (SPI, [seq high], seq low).
// Cipher + HMAC: the ICV covers auth[0..auth_len) (ESP header, IV and ciphertext) followed by
// aad[0..aad_len) when aad_len == 4 (the ESN high bits, RFC 4303 appendix A2).
struct CryptoOp {
  const EspKey* key = nullptr;
  uint8_t* iv = nullptr;
  uint8_t* data = nullptr;
  uint32_t len = 0;
  const uint8_t* auth = nullptr;
  uint32_t auth_len = 0;
  uint8_t* icv = nullptr;
  uint8_t aad[12] = {};
  uint8_t aad_len = 0;
  // fill_iv (seal, non-AEAD ciphers): the backend writes a fresh unpredictable IV into `iv`
  // first (RFC 3602 section 2.3 requires CBC IVs that an attacker cannot predict).
  bool fill_iv = false;
  // ok: set by Process. For open, false means the ICV did not verify: with cipher + HMAC nothing
  // is decrypted; an AEAD open may already have written (unauthenticated) plaintext to data,
  // which the caller must drop.
  bool ok = false;
};

// CryptoBackend: implemented by backends; hosts may add their own (e.g. a multi-buffer or
// hardware backend) by implementing this and registering it with a CryptoRegistry.
class CryptoBackend {
 public:
  virtual ~CryptoBackend() = default;
  // name: short, stable identifier ("openssl", "sodium", "ipsecmb").
  virtual std::string_view name() const = 0;
  // description: one line for people: library, version, code path (e.g. "Intel IPsec-MB
  // 1.3.0, AVX512 job manager per thread"). Defaults to the name.
  virtual std::string description() const { return std::string(name()); }
  // Implements: whether the backend has code for this suite (before self-tests).
  virtual bool Implements(EspSuite suite) const = 0;
  // CreateKey: key schedule for one SA direction. enc_key includes the salt for AEAD suites.
  // Control path (may allocate). InvalidArgument for a wrong key length, Unavailable for an
  // algorithm the backend can't provide here (e.g. DES without OpenSSL's legacy provider).
  virtual absl::StatusOr<std::unique_ptr<EspKey>> CreateKey(EspSuite suite,
                                                            std::span<const uint8_t> enc_key,
                                                            std::span<const uint8_t> auth_key,
                                                            CryptoDirection direction) = 0;
  // Process: seals or opens every op (all keys of this backend), setting op.ok. Fast path:
  // no allocation, no locks. Callers batch a burst into one call.
  // Threads: Process may run on several threads at once for disjoint sets of keys (each ISA
  // slot's worker seals and opens its own SAs' keys); one key is used by one thread at a time.
  // A backend therefore keeps all per-packet mutable state in its keys or in per-thread state,
  // never in the backend object: the OpenSSL and libsodium backends keep contexts and the CBC
  // IV generator per key; "ipsecmb" keeps its job manager thread_local (one per worker thread,
  // made on the thread's first call, empty again when Process returns) and the IV generator per
  // key. CreateKey and the registry are control path.
  virtual void Process(std::span<CryptoOp> ops) = 0;
};

// CreateOpenSslBackend / CreateSodiumBackend / CreateIpsecMbBackend: the shipped backends.
// The OpenSSL backend uses a library context of its own with the default and legacy providers
// (DES needs legacy); sodium returns nullptr if sodium_init fails. IPsec-MB returns nullptr
// when the library was not found at build time (TUNNELISA_HAVE_IPSECMB) or the CPU has no
// AES-NI; otherwise it uses the best of the library's SSE / AVX / AVX2 / AVX512 code paths,
// chosen once (init_mb_mgr_auto) and named in description(). Its AEAD open decrypts while it
// authenticates (as OpenSSL's does): on a bad tag op.ok is false and the data is garbage; its
// cipher + HMAC open verifies first and decrypts nothing unless the ICV matched.
std::unique_ptr<CryptoBackend> CreateOpenSslBackend();
std::unique_ptr<CryptoBackend> CreateSodiumBackend();
std::unique_ptr<CryptoBackend> CreateIpsecMbBackend();

namespace crypto {
class RegistryTestPeer;
}  // namespace crypto

// CryptoRegistry: the backends an engine may use, with their self-test results.
// Control path only; not thread-safe. Backends live as long as the registry.
class CryptoRegistry {
 public:
  CryptoRegistry();
  ~CryptoRegistry();
  CryptoRegistry(const CryptoRegistry&) = delete;
  CryptoRegistry& operator=(const CryptoRegistry&) = delete;

  // CreateDefault: IPsec-MB (when built in and the CPU runs it), OpenSSL and libsodium,
  // self-tested, in that order of preference (fastest measured first, docs/performance.md).
  static std::unique_ptr<CryptoRegistry> CreateDefault();

  // Register: runs the backend's known-answer tests for every suite it implements; suites
  // that fail are refused (and listed by FailedSuites). Fails if the name is taken or the
  // backend passes no test at all.
  absl::Status Register(std::unique_ptr<CryptoBackend> backend);

  // Prefer: use backend `name` for every suite with this encryption algorithm (or integrity
  // algorithm), when it supports the suite. Later calls win. NotFound if no such backend.
  absl::Status Prefer(EncryptionAlgorithm enc, std::string_view name);
  absl::Status Prefer(IntegrityAlgorithm integ, std::string_view name);
  // PreferForAll: use backend `name` wherever it supports a suite (the host's engine-wide pick).
  absl::Status PreferForAll(std::string_view name);

  // Select: the backend for this suite: the host's preference if it passed its tests for the
  // suite, else the default ranking (fastest measured first, see docs/performance.md).
  // Unavailable if no registered backend supports it.
  absl::StatusOr<CryptoBackend*> Select(EspSuite suite) const;
  // Find: a backend by name, or nullptr.
  CryptoBackend* Find(std::string_view name) const;
  // Supported: passed its known-answer tests on `backend`.
  bool Supported(std::string_view backend, EspSuite suite) const;
  // Describe: one line per backend, "name: description", in registration order.
  std::string Describe() const;
  // FailedSuites: "backend: suite: why" for each self-test failure (empty when all passed).
  const std::vector<std::string>& FailedSuites() const { return failures_; }
  std::vector<CryptoBackend*> backends() const;

 private:
  // Test backends (the null cipher of protocol tests) register without known-answer tests
  // through crypto::RegistryTestPeer (src/crypto/registry_test_peer.h, not installed).
  friend class crypto::RegistryTestPeer;
  absl::Status RegisterWithoutSelfTests(std::unique_ptr<CryptoBackend> backend);

  struct Entry;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::string> failures_;
  struct Preference {
    enum class Kind : uint8_t { kAll, kEncryption, kIntegrity } kind;
    uint8_t algorithm;  // EncryptionAlgorithm or IntegrityAlgorithm value
    CryptoBackend* backend;
  };
  std::vector<Preference> preferences_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_CRYPTO_BACKEND_H_
