// File: examples/tunnelisa/pki_command.h
//
// `tunnelisa pki`: the PKI verbs of SR OS's `admin certificate` over a PKI directory
// (pki::PkiStore). pki_command.cc parses the command line and runs `list`;
// pki_keys_command.cc has gen-keypair and gen-local-cert-req; pki_transfer_command.cc has
// import, export and display. This header is what those files share; it is not a public API.
//
// Arguments follow SR OS: `KEYWORD VALUE` pairs after the verb (`type cert input a.pem`),
// a keyword's value taken verbatim (a password may start with "--"), plus `--` options
// anywhere (`--pki-dir DIR`, `--force`, `--stored`, `--help`).
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_PKI_COMMAND_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_PKI_COMMAND_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/pki/codec.h"
#include "tunnelisa/pki/key.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::cli::pki_cli {

// kDefaultPkiDir: the guide's fixed cf3:\system-pki, relative to the working directory.
inline constexpr std::string_view kDefaultPkiDir = "system-pki";
// kMaxPasswordFileBytes: a password file is one line; anything longer is a wrong file.
inline constexpr size_t kMaxPasswordFileBytes = 1024;

// Invocation: one `tunnelisa pki VERB ...` command line after parsing.
struct Invocation {
  std::string_view verb;
  std::string pki_dir = std::string(kDefaultPkiDir);
  bool stored = false;  // --stored (display): `input` names a stored object
  bool force = false;   // --force (gen-keypair, import): replace an existing stored name
  std::optional<std::string_view> positional;                           // gen-keypair's FILE
  std::vector<std::pair<std::string_view, std::string_view>> keywords;  // in command-line order

  std::optional<std::string_view> Get(std::string_view keyword) const;
  std::vector<std::string_view> GetAll(std::string_view keyword) const;
};

// UsageError: an InvalidArgument whose message ends with a pointer to the help.
absl::Status UsageError(std::string_view message);
// Require: the value of a mandatory keyword, or a usage error naming it.
absl::StatusOr<std::string_view> Require(const Invocation& inv, std::string_view keyword);

// ObjectType: the `type` word.
enum class ObjectType : uint8_t { kCert, kKey, kCrl };
absl::StatusOr<ObjectType> ParseObjectType(const Invocation& inv);
std::string_view ObjectTypeName(ObjectType type);  // "certificate", "key", "CRL"

// FormatUse: which verb a `format` is for; the accepted formats differ (FormatFor).
enum class FormatUse : uint8_t { kImport, kExport, kDisplay };
// FormatFor: the `format` keyword checked against the formats `type` allows for `use`
// ("Formats and Local Storage" / "Import and Export" in the guide, as codec.h implements
// them); a usage error saying what is allowed and why otherwise.
absl::StatusOr<pki::FileFormat> FormatFor(const Invocation& inv, ObjectType type, FormatUse use);

// Password: `password PW` or the first line of `password-file PATH` (trailing newline
// dropped); empty when neither is given. Both at once, an unreadable or empty file, or a
// password where `type` / `format` carry no encryption: an error.
absl::StatusOr<std::string> Password(const Invocation& inv, ObjectType type,
                                     pki::FileFormat format);

// ReadInput: an ordinary input file (size-capped by codec.h), with a message naming it when
// it is missing, a directory, empty or too large.
absl::StatusOr<std::vector<uint8_t>> ReadInput(std::string_view path);
// WriteOutput: replace an ordinary file with `bytes`; `secret` makes it mode 0600 whatever
// it was before (exported private keys).
absl::Status WriteOutput(std::string_view path, std::span<const uint8_t> bytes, bool secret);

// OpenStore: the PKI directory of --pki-dir. `create`: make it (0700) with its key file on
// first use; otherwise a missing directory is an error saying nothing was stored yet.
absl::StatusOr<pki::PkiStore> OpenStore(const Invocation& inv, bool create);
// OpenPkiDir: an existing PKI directory for `run` and `check` (never created: a missing one
// says to import files first).
absl::StatusOr<pki::PkiStore> OpenPkiDir(const std::string& dir);
// CheckWritableName: a valid store name that is free, or taken and --force given.
absl::Status CheckWritableName(const pki::PkiStore& store, std::string_view name, bool force);

// KeySummary: a private key for an operator: type, size and the SHA-1 of its public key.
// Never any private material.
std::string KeySummary(const pki::PrivateKey& key);

void PrintOut(std::string_view text);  // stdout
void PrintErr(std::string_view text);  // stderr

// The verbs. Each returns OK (exit 0) or the message for stderr (exit 2).
absl::Status RunGenKeypair(const Invocation& inv);
absl::Status RunGenLocalCertReq(const Invocation& inv);
absl::Status RunImport(const Invocation& inv);
absl::Status RunExport(const Invocation& inv);
absl::Status RunDisplay(const Invocation& inv);
absl::Status RunList(const Invocation& inv);

}  // namespace tunnelisa::cli::pki_cli

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_PKI_COMMAND_H_
