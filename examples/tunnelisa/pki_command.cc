// File: examples/tunnelisa/pki_command.cc
//
// `tunnelisa pki VERB ...`: the command line (the usage text, the verbs' keywords and
// options, parsing) and the `list` verb. The other verbs live in pki_keys_command.cc and
// pki_transfer_command.cc; pki_command.h says how arguments are read.
#include "examples/tunnelisa/pki_command.h"

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "examples/tunnelisa/command.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::cli {
namespace pki_cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 2;

constexpr char kUsage[] =
    "usage: tunnelisa pki [--pki-dir DIR] VERB KEYWORD VALUE...\n"
    "\n"
    "  gen-keypair NAME [size 512|1024|2048|3072|4096] [type rsa|dsa|ecdsa-p256|ecdsa-p384|\n"
    "              ecdsa-p521|ed25519] [--force]\n"
    "      A new key pair, stored in the PKI directory as NAME (encrypted at rest). Default\n"
    "      type rsa, size 2048; dsa takes 1024 or 2048; the curves take no size (or their\n"
    "      own). RSA 512 / 1024 and DSA 1024 are made with a warning: they are weak.\n"
    "  gen-local-cert-req keypair NAME subject-dn DN [domain-name FQDN]... [ip-addr IP]...\n"
    "              [email ADDR]... file OUT.csr\n"
    "      A PKCS#10 request (PEM) for the stored key NAME, written to OUT.csr, for the CA.\n"
    "      DN as \"C=US,O=Example,CN=gw1\"; the others become subjectAltNames.\n"
    "  import type cert|key|crl input FILE output NAME format FORMAT [password PW]\n"
    "              [--force]\n"
    "      FILE (an ordinary file) converted and stored as NAME: certificates and CRLs in\n"
    "      DER, keys encrypted. A bundle's first certificate is the one stored.\n"
    "  export type cert|key|crl input NAME output FILE format FORMAT [password PW]\n"
    "              [cert CERT-NAME]\n"
    "      The stored NAME written to the ordinary file FILE. A key is plain PKCS#8 unless a\n"
    "      password is given (then encrypted, AES-256); pkcs12 needs a password and the\n"
    "      stored certificate that goes with the key (cert CERT-NAME).\n"
    "  display type cert|key|crl input FILE format FORMAT [password PW]\n"
    "  display type cert|key|crl input NAME --stored\n"
    "      A human-readable summary of an ordinary file, or with --stored of a stored\n"
    "      object. `type cert format pkcs10` shows a certificate request.\n"
    "  list\n"
    "      What the PKI directory holds: each name with its type and subject or key.\n"
    "\n"
    "Formats (FORMAT):\n"
    "  type cert   import: der pem pkcs7-der pkcs7-pem pkcs12;  export: der pem pkcs7-der\n"
    "              pkcs7-pem;  display: the import formats and pkcs10 (a request)\n"
    "  type key    der pem pkcs12 (PKCS#12 holds the key with its certificate)\n"
    "  type crl    der pem pkcs7-der pkcs7-pem\n"
    "\n"
    "Options:\n"
    "  --pki-dir DIR   the PKI directory (default ./system-pki, the guide's cf3:\\system-pki);\n"
    "                  created 0700 with its key file .store-key on first use\n"
    "  --force         gen-keypair, import: replace a name already in the directory\n"
    "  --stored        display: `input` is a stored name (no format, no password)\n"
    "  password-file PATH   instead of `password PW`: the password is the file's first\n"
    "                  line, so scripts need not put secrets on the command line (where\n"
    "                  other users see them in ps)\n"
    "\n"
    "Exit status: 0 done, 2 bad arguments or a bad file (the message names it).\n";

// VerbSpec: what one verb accepts.
struct VerbSpec {
  std::string_view name;
  absl::Status (*run)(const Invocation&);
  bool takes_positional;
  std::span<const std::string_view> keywords;  // each takes a value
  std::span<const std::string_view> repeatable;
  bool allows_force;
  bool allows_stored;
};

constexpr std::string_view kGenKeypairWords[] = {"size", "type"};
constexpr std::string_view kCertReqWords[] = {"keypair", "subject-dn", "domain-name",
                                              "ip-addr", "email",      "file"};
constexpr std::string_view kCertReqRepeatable[] = {"domain-name", "ip-addr", "email"};
constexpr std::string_view kImportWords[] = {"type",   "input",    "output",
                                             "format", "password", "password-file"};
constexpr std::string_view kExportWords[] = {"type",     "input",         "output", "format",
                                             "password", "password-file", "cert"};
constexpr std::string_view kDisplayWords[] = {"type", "input", "format", "password",
                                              "password-file"};

constexpr VerbSpec kVerbs[] = {
    {"gen-keypair", RunGenKeypair, true, kGenKeypairWords, {}, true, false},
    {"gen-local-cert-req", RunGenLocalCertReq, false, kCertReqWords, kCertReqRepeatable, false,
     false},
    {"import", RunImport, false, kImportWords, {}, true, false},
    {"export", RunExport, false, kExportWords, {}, false, false},
    {"display", RunDisplay, false, kDisplayWords, {}, false, true},
    {"list", RunList, false, {}, {}, false, false},
};

bool Contains(std::span<const std::string_view> words, std::string_view w) {
  for (std::string_view x : words) {
    if (x == w) return true;
  }
  return false;
}

const VerbSpec* FindVerb(std::string_view name) {
  for (const VerbSpec& v : kVerbs) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

struct Parsed {
  Invocation inv;
  const VerbSpec* spec = nullptr;
  bool help = false;
};

// Parse: the options anywhere, the verb (the first other word), then its positional and
// keyword pairs. A keyword's value is taken as it is, even when it starts with "--".
absl::StatusOr<Parsed> Parse(std::span<const std::string_view> args) {
  Parsed p;
  bool pki_dir_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
      continue;
    }
    if (a.starts_with("--")) {
      std::string_view name = a.substr(2);
      if (name == "pki-dir" || name.starts_with("pki-dir=")) {
        if (pki_dir_given) return UsageError("--pki-dir given twice");
        pki_dir_given = true;
        if (name == "pki-dir") {
          if (i + 1 >= args.size()) return UsageError("--pki-dir needs a directory");
          p.inv.pki_dir = std::string(args[++i]);
        } else {
          p.inv.pki_dir = std::string(name.substr(8));
        }
        if (p.inv.pki_dir.empty()) return UsageError("--pki-dir: empty directory name");
      } else if (name == "force") {
        p.inv.force = true;
      } else if (name == "stored") {
        p.inv.stored = true;
      } else {
        return UsageError(StrCat("unknown option '", a, "'"));
      }
      continue;
    }
    if (p.spec == nullptr) {
      p.spec = FindVerb(a);
      if (p.spec == nullptr) return UsageError(StrCat("unknown verb '", a, "'"));
      p.inv.verb = p.spec->name;
      continue;
    }
    bool first_word = !p.inv.positional.has_value() && p.inv.keywords.empty();
    if (p.spec->takes_positional && first_word) {
      p.inv.positional = a;
      continue;
    }
    if (!Contains(p.spec->keywords, a)) {
      return UsageError(StrCat("'", a, "' is not a keyword of ", p.spec->name));
    }
    if (i + 1 >= args.size()) return UsageError(StrCat("'", a, "' needs a value"));
    if (!Contains(p.spec->repeatable, a) && p.inv.Get(a).has_value()) {
      return UsageError(StrCat("'", a, "' given twice"));
    }
    p.inv.keywords.emplace_back(a, args[++i]);
  }
  if (p.help) return p;
  if (p.spec == nullptr) return UsageError("no verb");
  if (p.inv.force && !p.spec->allows_force) {
    return UsageError(StrCat("--force does not apply to ", p.spec->name));
  }
  if (p.inv.stored && !p.spec->allows_stored) {
    return UsageError(StrCat("--stored does not apply to ", p.spec->name));
  }
  if (p.spec->takes_positional && !p.inv.positional.has_value()) {
    return UsageError(StrCat(p.spec->name, " needs the key's NAME"));
  }
  return p;
}

// Describe: a stored file's type and a few words about it, trying each kind in turn.
std::pair<std::string, std::string> Describe(const pki::PkiStore& store, const std::string& name) {
  if (auto cert = store.LoadCertificate(name); cert.ok()) {
    return {"cert", StrCat(cert->SubjectText(), cert->is_ca() ? " (CA)" : "")};
  }
  if (auto crl = store.LoadCrl(name); crl.ok()) {
    return {"crl", StrCat("issuer ", crl->IssuerText(), ", ", crl->revoked_count(), " revoked")};
  }
  if (auto key = store.LoadKey(name); key.ok()) {
    return {"key", StrCat(pki::KeyTypeName(key->type()), " ", key->bits(), " bits")};
  } else if (key.status().code() != absl::StatusCode::kInvalidArgument) {
    return {"?", std::string(key.status().message())};
  }
  return {"?", "not a certificate, CRL or key of this directory"};
}

}  // namespace

absl::Status RunList(const Invocation& inv) {
  auto store = OpenStore(inv, /*create=*/false);
  if (!store.ok()) return store.status();
  auto names = store->List();
  if (!names.ok()) return names.status();
  std::string out = StrCat("PKI directory ", store->directory(), ": ", names->size(),
                           names->size() == 1 ? " file\n" : " files\n");
  if (!names->empty()) absl::StrAppendFormat(&out, "%-24s %-4s  %s\n", "NAME", "TYPE", "DETAILS");
  for (const std::string& name : *names) {
    auto [type, details] = Describe(*store, name);
    absl::StrAppendFormat(&out, "%-24s %-4s  %s\n", name, type, details);
  }
  PrintOut(out);
  return absl::OkStatus();
}

}  // namespace pki_cli

int RunPki(std::span<const std::string_view> args) {
  using pki_cli::PrintErr;
  if (args.empty()) {
    PrintErr(pki_cli::kUsage);
    return pki_cli::kExitError;
  }
  absl::StatusOr<pki_cli::Parsed> parsed = pki_cli::Parse(args);
  if (!parsed.ok()) {
    PrintErr(StrCat("tunnelisa pki: ", parsed.status().message(), "\n"));
    return pki_cli::kExitError;
  }
  if (parsed->help) {
    pki_cli::PrintOut(pki_cli::kUsage);
    return pki_cli::kExitOk;
  }
  absl::Status s = parsed->spec->run(parsed->inv);
  if (!s.ok()) {
    PrintErr(StrCat("tunnelisa pki ", parsed->inv.verb, ": ", s.message(), "\n"));
    return pki_cli::kExitError;
  }
  return pki_cli::kExitOk;
}

}  // namespace tunnelisa::cli
