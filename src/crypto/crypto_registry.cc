#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/str_cat.h"
#include "crypto/ipsecmb_backend.h"
#include "crypto/known_answers.h"
#include "tunnelisa/crypto_backend.h"

namespace tunnelisa {

// Entry: a registered backend and which algorithms passed their known-answer tests on it.
struct CryptoRegistry::Entry {
  std::unique_ptr<CryptoBackend> backend;
  std::vector<bool> enc_ok;    // indexed by EncryptionAlgorithm
  std::vector<bool> integ_ok;  // indexed by IntegrityAlgorithm
  bool Supports(EspSuite s) const {
    return backend->Implements(s) && enc_ok[static_cast<size_t>(s.enc)] &&
           integ_ok[static_cast<size_t>(s.integ)];
  }
};

CryptoRegistry::CryptoRegistry() = default;
CryptoRegistry::~CryptoRegistry() = default;

#ifndef TUNNELISA_HAVE_IPSECMB
// Built without Intel IPsec-MB (CMake did not find libipsec-mb-dev): there is no such backend.
std::unique_ptr<CryptoBackend> CreateIpsecMbBackend() { return nullptr; }
namespace crypto {
std::unique_ptr<CryptoBackend> CreateIpsecMbBackendForArch(IpsecMbArch) { return nullptr; }
}  // namespace crypto
#endif

std::unique_ptr<CryptoRegistry> CryptoRegistry::CreateDefault() {
  auto registry = std::make_unique<CryptoRegistry>();
  // Registration order is the default ranking, fastest measured first (docs/performance.md,
  // "Backends side by side": BM_Esp*/<suite>/<bytes>/<backend>):
  //  - IPsec-MB, where built in: fastest for every suite and size measured (aes128gcm16,
  //    aes256gcm16, chacha20poly1305, aes128-sha256, aes256-sha512, 3des-sha1 at 64, 512 and
  //    1420 bytes, both directions: 0.17-0.64x of raw OpenSSL). The suites not measured run
  //    the same job paths (other AES key sizes, GCM tag lengths, HMAC variants, DES).
  //  - OpenSSL: implements everything, faster than libsodium at 1420 bytes.
  //  - libsodium: the host's choice through Prefer() (faster than OpenSSL at 64-512 bytes for
  //    AES-256-GCM and ChaCha20-Poly1305, slower at 1420).
  if (auto ipsecmb = CreateIpsecMbBackend()) {
    (void)registry->Register(std::move(ipsecmb));
  }
  if (auto openssl = CreateOpenSslBackend()) {
    (void)registry->Register(std::move(openssl));
  }
  if (auto sodium = CreateSodiumBackend()) {
    (void)registry->Register(std::move(sodium));
  }
  return registry;
}

std::string CryptoRegistry::Describe() const {
  std::string out;
  for (const auto& e : entries_) {
    StrAppend(out, out.empty() ? "" : "\n", e->backend->name(), ": ", e->backend->description());
  }
  return out;
}

absl::Status CryptoRegistry::Register(std::unique_ptr<CryptoBackend> backend) {
  if (backend == nullptr) return absl::InvalidArgumentError("null backend");
  if (Find(backend->name()) != nullptr) {
    return absl::AlreadyExistsError(
        StrCat("crypto backend '", backend->name(), "' already registered"));
  }
  auto entry = std::make_unique<Entry>();
  entry->enc_ok.assign(AllEncryptionAlgorithms().size(), false);
  entry->integ_ok.assign(AllIntegrityAlgorithms().size(), false);
  bool any = false;
  // Test each algorithm the backend implements in at least one suite.
  for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
    bool implemented = false;
    for (const IntegrityInfo& i : AllIntegrityAlgorithms()) {
      implemented = implemented || backend->Implements({e.id, i.id});
    }
    if (!implemented) continue;
    absl::Status s = crypto::SelfTestEncryption(*backend, e.id);
    entry->enc_ok[static_cast<size_t>(e.id)] = s.ok();
    if (!s.ok()) {
      failures_.push_back(StrCat(backend->name(), ": ", e.name, ": ", s.message()));
    }
  }
  for (const IntegrityInfo& i : AllIntegrityAlgorithms()) {
    bool implemented = false;
    for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
      implemented = implemented || backend->Implements({e.id, i.id});
    }
    if (!implemented) continue;
    absl::Status s = crypto::SelfTestIntegrity(*backend, i.id);
    entry->integ_ok[static_cast<size_t>(i.id)] = s.ok();
    if (!s.ok()) {
      failures_.push_back(StrCat(backend->name(), ": ", i.name, ": ", s.message()));
    }
  }
  entry->backend = std::move(backend);
  for (const EncryptionInfo& e : AllEncryptionAlgorithms()) {
    for (const IntegrityInfo& i : AllIntegrityAlgorithms()) {
      any = any || entry->Supports({e.id, i.id});
    }
  }
  if (!any) {
    return absl::FailedPreconditionError(StrCat("crypto backend '", entry->backend->name(),
                                                "' passed no known-answer test; not registered"));
  }
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

absl::Status CryptoRegistry::RegisterWithoutSelfTests(std::unique_ptr<CryptoBackend> backend) {
  if (backend == nullptr) return absl::InvalidArgumentError("null backend");
  if (Find(backend->name()) != nullptr) {
    return absl::AlreadyExistsError(
        StrCat("crypto backend '", backend->name(), "' already registered"));
  }
  auto entry = std::make_unique<Entry>();
  entry->enc_ok.assign(AllEncryptionAlgorithms().size(), true);
  entry->integ_ok.assign(AllIntegrityAlgorithms().size(), true);
  entry->backend = std::move(backend);
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

CryptoBackend* CryptoRegistry::Find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e->backend->name() == name) return e->backend.get();
  }
  return nullptr;
}

bool CryptoRegistry::Supported(std::string_view backend, EspSuite suite) const {
  for (const auto& e : entries_) {
    if (e->backend->name() == backend) return e->Supports(suite);
  }
  return false;
}

std::vector<CryptoBackend*> CryptoRegistry::backends() const {
  std::vector<CryptoBackend*> out;
  for (const auto& e : entries_) out.push_back(e->backend.get());
  return out;
}

absl::Status CryptoRegistry::Prefer(EncryptionAlgorithm enc, std::string_view name) {
  CryptoBackend* b = Find(name);
  if (b == nullptr) return absl::NotFoundError(StrCat("no crypto backend '", name, "'"));
  preferences_.push_back({Preference::Kind::kEncryption, static_cast<uint8_t>(enc), b});
  return absl::OkStatus();
}

absl::Status CryptoRegistry::Prefer(IntegrityAlgorithm integ, std::string_view name) {
  CryptoBackend* b = Find(name);
  if (b == nullptr) return absl::NotFoundError(StrCat("no crypto backend '", name, "'"));
  preferences_.push_back({Preference::Kind::kIntegrity, static_cast<uint8_t>(integ), b});
  return absl::OkStatus();
}

absl::Status CryptoRegistry::PreferForAll(std::string_view name) {
  CryptoBackend* b = Find(name);
  if (b == nullptr) return absl::NotFoundError(StrCat("no crypto backend '", name, "'"));
  preferences_.push_back({Preference::Kind::kAll, 0, b});
  return absl::OkStatus();
}

absl::StatusOr<CryptoBackend*> CryptoRegistry::Select(EspSuite suite) const {
  auto supports = [&](CryptoBackend* b) { return Supported(b->name(), suite); };
  for (auto it = preferences_.rbegin(); it != preferences_.rend(); ++it) {
    bool matches = it->kind == Preference::Kind::kAll ||
                   (it->kind == Preference::Kind::kEncryption &&
                    it->algorithm == static_cast<uint8_t>(suite.enc)) ||
                   (it->kind == Preference::Kind::kIntegrity &&
                    it->algorithm == static_cast<uint8_t>(suite.integ));
    if (matches && supports(it->backend)) return it->backend;
  }
  for (const auto& e : entries_) {
    if (e->Supports(suite)) return e->backend.get();
  }
  // Say why: the self-test failures of this suite's algorithms (e.g. DES without OpenSSL's
  // legacy provider).
  std::string why;
  for (const std::string& f : failures_) {
    for (std::string_view alg :
         {GetEncryptionInfo(suite.enc).name, GetIntegrityInfo(suite.integ).name}) {
      if (f.find(StrCat(": ", alg, ": ")) != std::string::npos) StrAppend(why, "; ", f);
    }
  }
  return absl::UnavailableError(StrCat("no crypto backend supports ",
                                       GetEncryptionInfo(suite.enc).name, "/",
                                       GetIntegrityInfo(suite.integ).name, " here", why));
}

}  // namespace tunnelisa
