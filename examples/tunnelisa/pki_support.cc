// File: examples/tunnelisa/pki_support.cc
//
// What the `tunnelisa pki` verbs share: keywords, the type / format table, passwords, input
// and output files, and the PKI directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "examples/tunnelisa/pki_command.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::cli::pki_cli {
namespace {

using pki::FileFormat;

std::string ErrnoText() { return std::strerror(errno); }

// Allowed: the formats of one type for one use, in the order the help lists them.
std::vector<FileFormat> Allowed(ObjectType type, FormatUse use) {
  switch (type) {
    case ObjectType::kCert: {
      std::vector<FileFormat> f = {FileFormat::kDer, FileFormat::kPem, FileFormat::kPkcs7Der,
                                   FileFormat::kPkcs7Pem};
      if (use != FormatUse::kExport) f.push_back(FileFormat::kPkcs12);
      if (use == FormatUse::kDisplay) f.push_back(FileFormat::kPkcs10);
      return f;
    }
    case ObjectType::kKey:
      return {FileFormat::kDer, FileFormat::kPem, FileFormat::kPkcs12};
    case ObjectType::kCrl:
      return {FileFormat::kDer, FileFormat::kPem, FileFormat::kPkcs7Der, FileFormat::kPkcs7Pem};
  }
  return {};
}

// WhyNot: the reason a known format is refused, with what to do instead.
std::string WhyNot(ObjectType type, FormatUse use, FileFormat format) {
  if (type == ObjectType::kCert && format == FileFormat::kPkcs10) {
    return "pkcs10 is a certificate request, not a certificate: gen-local-cert-req writes "
           "one and `display type cert format pkcs10` shows one; send it to the CA and import "
           "the certificate the CA returns";
  }
  if (type == ObjectType::kCert && format == FileFormat::kPkcs12 && use == FormatUse::kExport) {
    return "a PKCS#12 file holds a key with its certificate: export type key input KEY format "
           "pkcs12 cert CERT";
  }
  if (type == ObjectType::kKey) return "PKCS#7 and PKCS#10 carry no private keys";
  return "PKCS#10 and PKCS#12 carry no CRLs";
}

}  // namespace

std::optional<std::string_view> Invocation::Get(std::string_view keyword) const {
  for (const auto& [k, v] : keywords) {
    if (k == keyword) return v;
  }
  return std::nullopt;
}

std::vector<std::string_view> Invocation::GetAll(std::string_view keyword) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : keywords) {
    if (k == keyword) out.push_back(v);
  }
  return out;
}

absl::Status UsageError(std::string_view message) {
  return absl::InvalidArgumentError(StrCat(message, "\n(see tunnelisa pki --help)"));
}

absl::StatusOr<std::string_view> Require(const Invocation& inv, std::string_view keyword) {
  std::optional<std::string_view> v = inv.Get(keyword);
  if (!v.has_value()) return UsageError(StrCat(inv.verb, " needs '", keyword, "'"));
  if (v->empty()) return UsageError(StrCat("'", keyword, "' is empty"));
  return *v;
}

absl::StatusOr<ObjectType> ParseObjectType(const Invocation& inv) {
  auto word = Require(inv, "type");
  if (!word.ok()) return word.status();
  if (*word == "cert") return ObjectType::kCert;
  if (*word == "key") return ObjectType::kKey;
  if (*word == "crl") return ObjectType::kCrl;
  return UsageError(StrCat("unknown type '", *word, "' (cert, key or crl)"));
}

std::string_view ObjectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kCert:
      return "certificate";
    case ObjectType::kKey:
      return "key";
    case ObjectType::kCrl:
      return "CRL";
  }
  return "?";
}

absl::StatusOr<FileFormat> FormatFor(const Invocation& inv, ObjectType type, FormatUse use) {
  auto word = Require(inv, "format");
  if (!word.ok()) return word.status();
  absl::StatusOr<FileFormat> format = pki::ParseFileFormat(*word);
  if (!format.ok()) return UsageError(std::string(format.status().message()));
  std::vector<FileFormat> allowed = Allowed(type, use);
  for (FileFormat f : allowed) {
    if (f == *format) return f;
  }
  std::string list;
  for (FileFormat f : allowed) StrAppend(list, list.empty() ? "" : ", ", FileFormatName(f));
  return UsageError(StrCat("format ", *word, " is not for type ",
                           type == ObjectType::kCert  ? "cert"
                           : type == ObjectType::kKey ? "key"
                                                      : "crl",
                           " here (", list, "): ", WhyNot(type, use, *format)));
}

absl::StatusOr<std::string> Password(const Invocation& inv, ObjectType type, FileFormat format) {
  std::optional<std::string_view> given = inv.Get("password");
  std::optional<std::string_view> file = inv.Get("password-file");
  if (given.has_value() && file.has_value()) {
    return UsageError("give 'password' or 'password-file', not both");
  }
  if (!given.has_value() && !file.has_value()) return std::string();
  bool encrypted = type == ObjectType::kKey || format == FileFormat::kPkcs12;
  if (!encrypted) {
    return UsageError(StrCat("a password applies to keys and PKCS#12 only, not to format ",
                             FileFormatName(format), " of a ", ObjectTypeName(type)));
  }
  if (given.has_value()) {
    if (given->empty()) return UsageError("'password' is empty");
    return std::string(*given);
  }
  std::string path(*file);
  auto bytes = pki::ReadInputFile(path, kMaxPasswordFileBytes);
  if (!bytes.ok())
    return absl::InvalidArgumentError(
        StrCat("password-file ", path, ": ", bytes.status().message()));
  std::string text(bytes->begin(), bytes->end());
  std::fill(bytes->begin(), bytes->end(), 0);
  // The first line; a final "\n" or "\r\n" is how editors and `echo` end it.
  if (size_t nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) {
    return absl::InvalidArgumentError(StrCat("password-file ", path, ": empty password"));
  }
  return text;
}

absl::StatusOr<std::vector<uint8_t>> ReadInput(std::string_view path_view) {
  std::string path(path_view);
  struct stat st = {};
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(StrCat(path, ": cannot read: ", ErrnoText()));
  }
  if (S_ISDIR(st.st_mode)) return absl::InvalidArgumentError(path + ": is a directory");
  auto bytes = pki::ReadInputFile(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->empty()) return absl::InvalidArgumentError(path + ": empty file");
  return bytes;
}

absl::Status WriteOutput(std::string_view path_view, std::span<const uint8_t> bytes, bool secret) {
  std::string path(path_view);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return absl::InvalidArgumentError(StrCat(path, ": cannot write: ", ErrnoText()));
  absl::Status status;
  // An existing file keeps its mode through O_TRUNC: a private key must not stay readable.
  if (secret && fchmod(fd, 0600) != 0) {
    status = absl::InvalidArgumentError(StrCat(path, ": chmod 600: ", ErrnoText()));
  }
  size_t done = 0;
  while (status.ok() && done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = absl::InvalidArgumentError(StrCat(path, ": write: ", ErrnoText()));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 && status.ok()) {
    status = absl::InvalidArgumentError(StrCat(path, ": close: ", ErrnoText()));
  }
  return status;
}

absl::StatusOr<pki::PkiStore> OpenStore(const Invocation& inv, bool create) {
  if (!create) {
    struct stat st = {};
    if (stat(inv.pki_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::NotFoundError(StrCat(
          inv.pki_dir, ": no PKI directory (gen-keypair or import creates it; --pki-dir DIR)"));
    }
  }
  return pki::PkiStore::OpenWithKeyFile(inv.pki_dir);
}

absl::StatusOr<pki::PkiStore> OpenPkiDir(const std::string& dir) {
  Invocation inv;
  inv.pki_dir = dir;
  return OpenStore(inv, /*create=*/false);
}

absl::Status CheckWritableName(const pki::PkiStore& store, std::string_view name, bool force) {
  auto path = store.PathOf(name);
  if (!path.ok()) return path.status();
  struct stat st = {};
  if (lstat(path->c_str(), &st) == 0 && !force) {
    return absl::AlreadyExistsError(
        StrCat("\"", name, "\" is already in ", store.directory(), " (--force replaces it)"));
  }
  return absl::OkStatus();
}

std::string KeySummary(const pki::PrivateKey& key) {
  pki::PublicKey pub = key.public_key();
  std::array<uint8_t, 20> id = pub.SpkiSha1();
  std::string hex;
  for (uint8_t b : id) {
    StrAppend(hex, hex.empty() ? "" : ":", absl::Hex(b, absl::kZeroPad2));
  }
  // The SHA-1 of the SubjectPublicKeyInfo is strongSwan's `pki --keyid` "keyid", and what
  // IKEv2's CERTREQ lists for a CA key (RFC 7296 section 3.7).
  return StrCat("Private key\n  Key:        ", pki::KeyTypeName(key.type()), " ", key.bits(),
                " bits\n  SPKI SHA-1: ", absl::AsciiStrToUpper(hex), "\n");
}

void PrintOut(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }
void PrintErr(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }

}  // namespace tunnelisa::cli::pki_cli
