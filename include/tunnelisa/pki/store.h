// File: tunnelisa/pki/store.h
//
// PkiStore: the PKI directory of "Formats and Local Storage" (the guide's cf3:\system-pki).
// Imported certificates and CRLs are kept in DER, keys as PKCS#8 encrypted (PBES2,
// AES-256-CBC) under a key-encryption key. Only files in this directory can be named by a
// ca-profile or a tunnel: every load takes a plain file name, never a path.
//
// The key-encryption key comes from the host (Open), or for the command-line tool from a
// random key file `.store-key` that OpenWithKeyFile creates mode 0600 in the directory on
// first use (and refuses when group or others can read it).
//
// Names: 1-255 characters, no '/', no NUL, not "." or "..", not starting with '.' (the
// store's own files start with '.'). Threads: a PkiStore is immutable after Open; calls may
// run on any thread, but two writers of one name race (last rename wins). Control path.
#ifndef TUNNELISA_PKI_STORE_H_
#define TUNNELISA_PKI_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::pki {

// kStoreKeyFileName: the command-line tool's key-encryption key inside the directory.
inline constexpr std::string_view kStoreKeyFileName = ".store-key";

class PkiStore {
 public:
  // Open: a store over an existing directory with the host's key-encryption key (at least
  // 16 bytes; InvalidArgument otherwise). NotFound if the directory does not exist.
  static absl::StatusOr<PkiStore> Open(std::string directory, SecretBytes key_encryption_key);
  // OpenWithKeyFile: creates the directory (0700) if needed, then reads `.store-key` or
  // creates it (32 random bytes, 0600). PermissionDenied when an existing key file is
  // readable by group or others, or is not a regular file.
  static absl::StatusOr<PkiStore> OpenWithKeyFile(std::string directory);

  PkiStore(PkiStore&&) = default;
  PkiStore& operator=(PkiStore&&) = default;

  // CheckName: OK for a valid store name (see above), InvalidArgument saying why not.
  static absl::Status CheckName(std::string_view name);

  const std::string& directory() const { return directory_; }
  // PathOf: the file a name is stored in (after CheckName).
  absl::StatusOr<std::string> PathOf(std::string_view name) const;

  // Save*: write the object under `name` (atomically: a temporary file then rename),
  // replacing an existing file. Certificates and CRLs 0644, keys 0600.
  absl::Status SaveCertificate(std::string_view name, const Certificate& cert) const;
  absl::Status SaveCrl(std::string_view name, const Crl& crl) const;
  absl::Status SaveKey(std::string_view name, const PrivateKey& key) const;

  // Load*: NotFound "<name>: not in the PKI directory" when missing (not imported);
  // InvalidArgument naming the file and what is wrong when it does not parse or, for a key,
  // does not decrypt with this store's key.
  absl::StatusOr<Certificate> LoadCertificate(std::string_view name) const;
  absl::StatusOr<Crl> LoadCrl(std::string_view name) const;
  absl::StatusOr<PrivateKey> LoadKey(std::string_view name) const;

  // Remove: delete a stored file; NotFound if absent.
  absl::Status Remove(std::string_view name) const;
  // List: the stored names, sorted (the store's own dot files excluded).
  absl::StatusOr<std::vector<std::string>> List() const;

 private:
  PkiStore(std::string directory, SecretBytes kek)
      : directory_(std::move(directory)), kek_(std::move(kek)) {}
  absl::StatusOr<std::vector<uint8_t>> ReadStored(std::string_view name) const;
  absl::Status WriteStored(std::string_view name, const std::vector<uint8_t>& bytes,
                           int mode) const;

  std::string directory_;
  SecretBytes kek_;
};

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_STORE_H_
