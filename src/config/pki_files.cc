// Resolving the PKI directory files a configuration names: each file is loaded once, checked
// with the PKI layer's own checks (pki::CaProfile::Create, PrivateKey::Matches), and every
// problem becomes a finding at the line naming the file.
#include "tunnelisa/config/pki_files.h"

#include <map>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "common/str_cat.h"
#include "config/object_path.h"
#include "tunnelisa/config/loader.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {
namespace {

using internal::Quote;

// Reason: `status`'s message without a leading "PREFIX: " (the PKI layer starts its messages
// with the file or profile name, which our messages give themselves, quoted).
std::string Reason(const absl::Status& status, std::string_view prefix) {
  std::string message(status.message());
  std::string lead = StrCat(prefix, ": ");
  if (message.compare(0, lead.size(), lead) == 0) message.erase(0, lead.size());
  return message;
}

bool NamesFiles(const CertAuth& cert) { return !cert.cert.empty() || !cert.key.empty(); }

// ForEachCertBlock: fn(path, block) for every tunnel's and ipsec-gw's cert block.
template <typename Fn>
void ForEachCertBlock(const Config& config, Fn fn) {
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      std::string sap = internal::SapPath(sid, ifname, i.sap->id);
      for (const auto& [name, t] : i.sap->ipsec_tunnels) {
        const auto* dk = std::get_if<DynamicKeying>(&t.keying);
        if (dk != nullptr && dk->cert) fn(internal::IpsecTunnelPath(sap, name), *dk->cert);
      }
      for (const auto& [name, g] : i.sap->ipsec_gws) {
        if (g.cert) fn(internal::IpsecGwPath(sap, name), *g.cert);
      }
    }
  }
}

class Resolver {
 public:
  Resolver(const Config& config, const pki::PkiStore& store) : c_(config), store_(store) {}

  void Run() {
    for (const auto& [name, profile] : c_.ca_profiles) LoadCaProfile(name, profile);
    ForEachCertBlock(c_, [&](const std::string& path, const CertAuth& cert) {
      std::optional<pki::Certificate> c =
          cert.cert.empty() ? std::nullopt : Load<pki::Certificate>(path, kCert, cert.cert);
      std::optional<pki::PrivateKey> k =
          cert.key.empty() ? std::nullopt : Load<pki::PrivateKey>(path, kKey, cert.key);
      if (c && k && !k->Matches(*c)) {
        Error(path, internal::kKeyField,
              StrCat("key ", Quote(cert.key), " does not match certificate ", Quote(cert.cert)));
      }
    });
  }

  PkiMaterial TakeMaterial() { return std::move(material_); }
  const std::vector<Finding>& findings() const { return findings_; }

 private:
  enum Kind { kCert, kKey };

  void Error(const std::string& object, std::string_view field, std::string message) {
    findings_.push_back({object, std::string(field), std::move(message)});
  }

  // LoadCaProfile: an enabled profile's problems are errors at its cert-file or crl-file line; a
  // shut one that does not load is left out quietly (see PkiMaterial).
  void LoadCaProfile(const std::string& name, const CaProfile& p) {
    if (p.cert_file.empty() || p.crl_file.empty()) return;  // nothing to load (the validator)
    const bool enabled = p.admin == AdminState::kUp;
    const std::string path = internal::CaProfilePath(name);
    const std::string who = StrCat("ca-profile ", Quote(name));
    auto file_error = [&](bool cert_file, const std::string& reason) {
      if (!enabled) return;
      std::string_view field = cert_file ? "cert-file" : "crl-file";
      Error(
          path, field,
          StrCat(who, " ", field, " ", Quote(cert_file ? p.cert_file : p.crl_file), ": ", reason));
    };
    absl::StatusOr<pki::Certificate> cert = store_.LoadCertificate(p.cert_file);
    absl::StatusOr<pki::Crl> crl = store_.LoadCrl(p.crl_file);
    if (!cert.ok()) file_error(true, Reason(cert.status(), p.cert_file));
    if (!crl.ok()) file_error(false, Reason(crl.status(), p.crl_file));
    if (!cert.ok() || !crl.ok()) return;
    // Create's checks: a CA certificate (about the cert-file), then a v2 CRL signed by it
    // (about the crl-file).
    const bool is_ca = cert->is_ca();
    absl::StatusOr<pki::CaProfile> loaded = pki::CaProfile::Create(name, *cert, *crl, !enabled);
    if (!loaded.ok()) {
      file_error(!is_ca, Reason(loaded.status(), StrCat("ca-profile \"", name, "\"")));
      return;
    }
    material_.ca_profiles.push_back(std::move(*loaded));
  }

  // Load: a cert block's certificate or key, read once however many blocks name it; each
  // block naming a bad file gets its own error.
  template <typename T>
  std::optional<T> Load(const std::string& path, Kind kind, const std::string& name) {
    auto& loaded = LoadedMap<T>();
    if (auto it = loaded.find(name); it != loaded.end()) return it->second;
    auto failed = failed_[kind].find(name);
    if (failed == failed_[kind].end()) {
      absl::StatusOr<T> got = Read<T>(name);
      if (got.ok()) {
        loaded.emplace(name, *got);
        return *std::move(got);
      }
      failed = failed_[kind].emplace(name, Reason(got.status(), name)).first;
    }
    std::string_view field = kind == kCert ? internal::kCertField : internal::kKeyField;
    Error(path, field, StrCat(field, " ", Quote(name), ": ", failed->second));
    return std::nullopt;
  }

  template <typename T>
  absl::flat_hash_map<std::string, T>& LoadedMap() {
    if constexpr (std::is_same_v<T, pki::Certificate>) {
      return material_.certs;
    } else {
      return material_.keys;
    }
  }

  template <typename T>
  absl::StatusOr<T> Read(const std::string& name) const {
    if constexpr (std::is_same_v<T, pki::Certificate>) {
      return store_.LoadCertificate(name);
    } else {
      return store_.LoadKey(name);
    }
  }

  const Config& c_;
  const pki::PkiStore& store_;
  PkiMaterial material_;
  std::vector<Finding> findings_;
  std::map<std::string, std::string> failed_[2];  // by Kind: file name -> reason
};

}  // namespace

const pki::CaProfile* PkiMaterial::FindCaProfile(std::string_view name) const {
  for (const pki::CaProfile& p : ca_profiles) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

bool UsesPkiFiles(const Config& config) {
  for (const auto& [name, p] : config.ca_profiles) {
    if (!p.cert_file.empty() || !p.crl_file.empty()) return true;
  }
  bool uses = false;
  ForEachCertBlock(
      config, [&](const std::string&, const CertAuth& cert) { uses = uses || NamesFiles(cert); });
  return uses;
}

PkiResolution ResolvePkiFiles(const Config& config, const pki::PkiStore& store,
                              const SourceMap& sources, std::string_view file) {
  PkiResolution result;
  if (!UsesPkiFiles(config)) return result;
  Resolver resolver(config, store);
  resolver.Run();
  result.errors = Locate(resolver.findings(), sources, file);
  result.material = resolver.TakeMaterial();
  return result;
}

}  // namespace tunnelisa::config
