// File: tunnelisa/config/pki_files.h
//
// ResolvePkiFiles: reads the PKI directory files a configuration names (docs/configuration.md,
// "Certificates") and checks them, so that a bad file is refused with the configuration, at
// the line that names it, rather than at the first IKE_AUTH:
//   - each ca-profile's cert-file and crl-file: present (imported), parsable, a CA
//     certificate, a v2 CRL signed by that CA (pki::CaProfile's checks);
//   - each cert block's cert and key: present, parsable (the key decrypts with the store's
//     key), and the key is the certificate's.
// The parser and validator check names and references only; this is the step that opens
// files, which is why it is separate: `tunnelisa check --pki-dir DIR` and a host applying a
// configuration with certificates run it after LoadConfigText.
//
// A configuration that names no PKI file (no ca-profile or cert block with a file:
// UsesPkiFiles() is false) needs no PKI directory at all: ResolvePkiFiles on it returns no
// material and no errors without touching the store, so hosts without PKI are unaffected and
// need not open a store.
//
// Example:
//   LoadResult r = LoadConfigText(text, "router-a.cfg");
//   if (r.ok() && UsesPkiFiles(r.config)) {
//     auto store = pki::PkiStore::OpenWithKeyFile("/etc/tunnelisa/pki");
//     PkiResolution pki = ResolvePkiFiles(r.config, *store, r.sources, "router-a.cfg");
//     for (const Diagnostic& d : pki.errors) log(d.ToString());
//   }
//
// Thread-safe for const inputs; reads files (control path). Never fails as a call.
#ifndef TUNNELISA_CONFIG_PKI_FILES_H_
#define TUNNELISA_CONFIG_PKI_FILES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tunnelisa/config/diagnostic.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/pki/ca_profile.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::config {

// PkiMaterial: everything a configuration's certificate authentication needs, loaded.
struct PkiMaterial {
  // Every configured ca-profile that loaded, in name order; shut ones too, with shutdown()
  // set. A shut profile whose files are missing or bad is left out without an error: the
  // router checks a profile's files when it is enabled, so a profile can be configured
  // before its files are imported.
  std::vector<pki::CaProfile> ca_profiles;
  absl::flat_hash_map<std::string, pki::Certificate> certs;  // by file name (a cert block's cert)
  absl::flat_hash_map<std::string, pki::PrivateKey> keys;    // by file name (a cert block's key)

  // FindCaProfile: the loaded profile of that name, or nullptr.
  const pki::CaProfile* FindCaProfile(std::string_view name) const;
};

struct PkiResolution {
  PkiMaterial material;
  // errors: one per bad file reference, placed at the line naming the file (through
  // `sources`; line 0 when it is not there), in text order. The message names the file and
  // what is wrong, e.g. `cert "gw1.der": not in the PKI directory (import it first)`,
  // `key "gw1.key" does not match certificate "gw1.der"`, `ca-profile "corp-ca" crl-file
  // "corp-ca.crl": the CRL's signature does not verify with the key of "..."`.
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

// UsesPkiFiles: whether any ca-profile or cert block of `config` names a file.
bool UsesPkiFiles(const Config& config);

// ResolvePkiFiles: loads and checks every file `config` names from `store`. Objects with
// errors are left out of the material; everything else is in it, so a caller may still use
// what loaded (but should refuse the configuration when errors is not empty). `sources` and
// `file` place the errors (the LoadResult's sources and the file name given to it).
PkiResolution ResolvePkiFiles(const Config& config, const pki::PkiStore& store,
                              const SourceMap& sources = {}, std::string_view file = "<config>");

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_PKI_FILES_H_
