// PkiStore: the PKI directory. Files are written to a temporary name, flushed, then renamed,
// so a crash never leaves a half-written certificate under a configured name; modes are set
// with fchmod so the host's umask can't loosen a key file. Keys are PKCS#8
// EncryptedPrivateKeyInfo (PBES2 / PBKDF2 / AES-256-CBC) under the store's key, through
// PKCS8_encrypt / PKCS8_decrypt, which take the key with its length (it is binary).
#include "tunnelisa/pki/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/ossl.h"
#include "tunnelisa/pki/codec.h"

namespace tunnelisa::pki {
namespace {

constexpr size_t kMinKekBytes = 16;
constexpr size_t kKeyFileBytes = 32;

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

// WriteAll: write `bytes` to a new file with `mode`; O_EXCL so an existing file (or a
// symlink planted in its place) is never written through.
absl::Status WriteNewFile(const std::string& path, std::span<const uint8_t> bytes, int mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return Errno("cannot create", path);
  absl::Status status;
  if (fchmod(fd, static_cast<mode_t>(mode)) != 0) status = Errno("chmod", path);
  size_t done = 0;
  while (status.ok() && done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = Errno("write", path);
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (status.ok() && fsync(fd) != 0) status = Errno("fsync", path);
  close(fd);
  if (!status.ok()) unlink(path.c_str());
  return status;
}

absl::StatusOr<std::vector<uint8_t>> ReadRegularFile(const std::string& path,
                                                     std::string_view name) {
  struct stat st = {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(StrCat(name, ": not in the PKI directory (import it first)"));
    }
    return Errno("stat", path);
  }
  // A symlink or device in the directory is not an imported file.
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(StrCat(name, ": not a regular file"));
  }
  return ReadInputFile(path);
}

}  // namespace

absl::Status PkiStore::CheckName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("empty PKI file name");
  if (name.size() > 255) return absl::InvalidArgumentError("PKI file name over 255 characters");
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat("PKI file name \"", name, "\" must be a plain name, not a path"));
  }
  if (name.front() == '.') {
    // Covers "." and "..", and keeps the store's own files (".store-key") out of reach.
    return absl::InvalidArgumentError(
        StrCat("PKI file name \"", name, "\" must not start with '.'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PkiStore> PkiStore::Open(std::string directory, SecretBytes key_encryption_key) {
  if (key_encryption_key.size() < kMinKekBytes) {
    return absl::InvalidArgumentError(
        StrCat("the key-encryption key must have at least ", kMinKekBytes, " bytes"));
  }
  struct stat st = {};
  if (stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(StrCat(directory, ": PKI directory does not exist"));
  }
  return PkiStore(std::move(directory), std::move(key_encryption_key));
}

absl::StatusOr<PkiStore> PkiStore::OpenWithKeyFile(std::string directory) {
  if (mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno("cannot create the PKI directory", directory);
  }
  std::string path = StrCat(directory, "/", kStoreKeyFileName);
  struct stat st = {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Errno("stat", path);
    SecretBytes fresh(kKeyFileBytes);
    if (RAND_bytes(fresh.mutable_span().data(), static_cast<int>(kKeyFileBytes)) != 1) {
      return absl::InternalError("no randomness for the PKI key file");
    }
    absl::Status written = WriteNewFile(path, fresh.span(), 0600);
    // EEXIST: another process made it first; read theirs below.
    if (!written.ok() && errno != EEXIST) return written;
    if (lstat(path.c_str(), &st) != 0) return Errno("stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::PermissionDeniedError(StrCat(path, ": not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(StrCat(path, ": readable by group or others (mode ",
                                              absl::Hex(st.st_mode & 0777),
                                              " in hex); chmod 600 it"));
  }
  auto bytes = ReadInputFile(path, 1024);
  if (!bytes.ok()) return bytes.status();
  SecretBytes kek(*bytes);
  std::fill(bytes->begin(), bytes->end(), 0);
  if (kek.size() < kMinKekBytes) {
    return absl::FailedPreconditionError(StrCat(path, ": too short to be a key"));
  }
  return PkiStore(std::move(directory), std::move(kek));
}

absl::StatusOr<std::string> PkiStore::PathOf(std::string_view name) const {
  if (absl::Status s = CheckName(name); !s.ok()) return s;
  return StrCat(directory_, "/", name);
}

absl::StatusOr<std::vector<uint8_t>> PkiStore::ReadStored(std::string_view name) const {
  auto path = PathOf(name);
  if (!path.ok()) return path.status();
  return ReadRegularFile(*path, name);
}

absl::Status PkiStore::WriteStored(std::string_view name, const std::vector<uint8_t>& bytes,
                                   int mode) const {
  auto path = PathOf(name);
  if (!path.ok()) return path.status();
  std::string tmp = StrCat(directory_, "/.tmp-", name);
  unlink(tmp.c_str());  // a leftover of a crash
  if (absl::Status s = WriteNewFile(tmp, bytes, mode); !s.ok()) return s;
  if (rename(tmp.c_str(), path->c_str()) != 0) {
    absl::Status s = Errno("rename", *path);
    unlink(tmp.c_str());
    return s;
  }
  return absl::OkStatus();
}

absl::Status PkiStore::SaveCertificate(std::string_view name, const Certificate& cert) const {
  if (cert.empty()) return absl::InvalidArgumentError("no certificate");
  return WriteStored(name, cert.Der(), 0644);
}

absl::Status PkiStore::SaveCrl(std::string_view name, const Crl& crl) const {
  if (crl.empty()) return absl::InvalidArgumentError("no CRL");
  return WriteStored(name, crl.Der(), 0644);
}

absl::Status PkiStore::SaveKey(std::string_view name, const PrivateKey& key) const {
  if (key.empty()) return absl::InvalidArgumentError("no key");
  ossl::ClearErrors();
  ossl::P8InfoPtr p8(EVP_PKEY2PKCS8(key.native()));
  if (!p8) return ossl::Fail("cannot encode the key as PKCS#8");
  // pbe_nid -1 with a cipher: PBES2 (PBKDF2 + AES-256-CBC), a random salt, default
  // iterations.
  ossl::SigPtr encrypted(PKCS8_encrypt(-1, EVP_aes_256_cbc(),
                                       reinterpret_cast<const char*>(kek_.data()),
                                       static_cast<int>(kek_.size()), nullptr, 0, 0, p8.get()));
  if (!encrypted) return ossl::Fail("cannot encrypt the key");
  unsigned char* der = nullptr;
  int len = i2d_X509_SIG(encrypted.get(), &der);
  if (len <= 0) return ossl::Fail("cannot encode the encrypted key");
  std::vector<uint8_t> bytes(der, der + len);
  OPENSSL_free(der);
  return WriteStored(name, bytes, 0600);
}

absl::StatusOr<Certificate> PkiStore::LoadCertificate(std::string_view name) const {
  auto bytes = ReadStored(name);
  if (!bytes.ok()) return bytes.status();
  auto cert = Certificate::FromDer(*bytes);
  if (!cert.ok()) {
    return absl::InvalidArgumentError(StrCat(name, ": ", cert.status().message()));
  }
  return cert;
}

absl::StatusOr<Crl> PkiStore::LoadCrl(std::string_view name) const {
  auto bytes = ReadStored(name);
  if (!bytes.ok()) return bytes.status();
  auto crl = Crl::FromDer(*bytes);
  if (!crl.ok()) {
    return absl::InvalidArgumentError(StrCat(name, ": ", crl.status().message()));
  }
  return crl;
}

absl::StatusOr<PrivateKey> PkiStore::LoadKey(std::string_view name) const {
  auto bytes = ReadStored(name);
  if (!bytes.ok()) return bytes.status();
  ossl::ClearErrors();
  const unsigned char* p = bytes->data();
  ossl::SigPtr encrypted(d2i_X509_SIG(nullptr, &p, static_cast<long>(bytes->size())));
  if (!encrypted) {
    return absl::InvalidArgumentError(
        StrCat(name, ": not an encrypted key of this store (import keys with the store)"));
  }
  ossl::P8InfoPtr p8(PKCS8_decrypt(encrypted.get(), reinterpret_cast<const char*>(kek_.data()),
                                   static_cast<int>(kek_.size())));
  if (!p8) {
    ossl::ErrorText();
    return absl::InvalidArgumentError(
        StrCat(name, ": the key does not decrypt with this store's key (another store's file?)"));
  }
  ossl::PkeyPtr key(EVP_PKCS82PKEY(p8.get()));
  if (!key) return ossl::Fail(StrCat(name, ": decrypted key does not parse"));
  return PrivateKey(ossl::SharePkey(std::move(key)));
}

absl::Status PkiStore::Remove(std::string_view name) const {
  auto path = PathOf(name);
  if (!path.ok()) return path.status();
  if (unlink(path->c_str()) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(StrCat(name, ": not in the PKI directory"));
    return Errno("unlink", *path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PkiStore::List() const {
  struct CloseDir {
    void operator()(DIR* d) const { closedir(d); }
  };
  std::unique_ptr<DIR, CloseDir> dir(opendir(directory_.c_str()));
  if (!dir) return Errno("opendir", directory_);
  std::vector<std::string> names;
  while (struct dirent* e = readdir(dir.get())) {
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tunnelisa::pki
