// File: examples/tunnelisa/pki_transfer_command.cc
//
// `tunnelisa pki import|export|display`: the guide's "Import and Export". Import converts an
// ordinary file into the PKI directory's own format (certificates and CRLs DER, keys
// encrypted); export converts a stored object back into a chosen format; display prints a
// summary of an ordinary file (or, with --stored, of a stored object) without storing it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "examples/tunnelisa/pki_command.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/codec.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::cli::pki_cli {
namespace {

using pki::FileFormat;

// Common: the keywords import, export and display all start with.
struct Common {
  ObjectType type;
  FileFormat format;
  std::string password;
  std::string_view input;
};

absl::StatusOr<Common> ParseCommon(const Invocation& inv, FormatUse use) {
  auto type = ParseObjectType(inv);
  if (!type.ok()) return type.status();
  auto input = Require(inv, "input");
  if (!input.ok()) return input.status();
  auto format = FormatFor(inv, *type, use);
  if (!format.ok()) return format.status();
  auto password = Password(inv, *type, *format);
  if (!password.ok()) return password.status();
  return Common{*type, *format, std::move(*password), *input};
}

std::string CertificatesSummary(const std::vector<pki::Certificate>& certs) {
  if (certs.size() == 1) return certs[0].Summary();
  std::string out;
  for (size_t i = 0; i < certs.size(); ++i) {
    StrAppend(out, "[", i + 1, " of ", certs.size(), i == 0 ? ": the one import stores]\n" : "]\n",
              certs[i].Summary());
  }
  return out;
}

std::string KeyBundleSummary(const pki::KeyBundle& bundle) {
  std::string out = KeySummary(bundle.key);
  if (bundle.certificate.has_value()) {
    StrAppend(out, "With its certificate:\n", bundle.certificate->Summary());
  }
  for (const pki::Certificate& c : bundle.chain) {
    StrAppend(out, "Chain certificate:\n", c.Summary());
  }
  return out;
}

// DisplayStored: `display ... input NAME --stored`.
absl::Status DisplayStored(const Invocation& inv) {
  auto type = ParseObjectType(inv);
  if (!type.ok()) return type.status();
  auto name = Require(inv, "input");
  if (!name.ok()) return name.status();
  for (std::string_view k : {"format", "password", "password-file"}) {
    if (inv.Get(k).has_value()) {
      return UsageError(StrCat("'", k, "' does not apply with --stored (a stored ",
                               "object has the directory's own format and key)"));
    }
  }
  auto store = OpenStore(inv, /*create=*/false);
  if (!store.ok()) return store.status();
  switch (*type) {
    case ObjectType::kCert: {
      auto cert = store->LoadCertificate(*name);
      if (!cert.ok()) return cert.status();
      PrintOut(cert->Summary());
      break;
    }
    case ObjectType::kKey: {
      auto key = store->LoadKey(*name);
      if (!key.ok()) return key.status();
      PrintOut(KeySummary(*key));
      break;
    }
    case ObjectType::kCrl: {
      auto crl = store->LoadCrl(*name);
      if (!crl.ok()) return crl.status();
      PrintOut(crl->Summary());
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunImport(const Invocation& inv) {
  auto c = ParseCommon(inv, FormatUse::kImport);
  if (!c.ok()) return c.status();
  auto name = Require(inv, "output");
  if (!name.ok()) return name.status();
  if (absl::Status s = pki::PkiStore::CheckName(*name); !s.ok()) return s;
  auto bytes = ReadInput(c->input);
  if (!bytes.ok()) return bytes.status();
  std::string source(c->input);

  // Parse first, so a bad file never creates the directory nor touches a stored name.
  std::string what;
  std::vector<std::string> notes;
  std::optional<pki::Certificate> cert;
  std::optional<pki::KeyBundle> key;
  std::optional<pki::Crl> crl;
  switch (c->type) {
    case ObjectType::kCert: {
      auto certs = pki::ImportCertificates(*bytes, c->format, source, c->password);
      if (!certs.ok()) return certs.status();
      cert = (*certs)[0];
      what = cert->SubjectText();
      if (certs->size() > 1) {
        notes.push_back(
            StrCat(source, " holds ", certs->size(), " certificates: the first one is stored"));
      }
      break;
    }
    case ObjectType::kKey: {
      auto bundle = pki::ImportKey(*bytes, c->format, source, c->password);
      if (!bundle.ok()) return bundle.status();
      key = std::move(*bundle);
      what = StrCat(pki::KeyTypeName(key->key.type()), " ", key->key.bits(), " bits");
      if (key->certificate.has_value()) {
        notes.push_back(StrCat(source, " also holds the key's certificate (",
                               key->certificate->SubjectText(), "): import it with `type cert`"));
      }
      break;
    }
    case ObjectType::kCrl: {
      auto parsed = pki::ImportCrl(*bytes, c->format, source);
      if (!parsed.ok()) return parsed.status();
      crl = std::move(*parsed);
      what = StrCat("issuer ", crl->IssuerText(), ", ", crl->revoked_count(), " revoked");
      break;
    }
  }

  auto store = OpenStore(inv, /*create=*/true);
  if (!store.ok()) return store.status();
  if (absl::Status s = CheckWritableName(*store, *name, inv.force); !s.ok()) return s;
  absl::Status saved = cert.has_value()  ? store->SaveCertificate(*name, *cert)
                       : key.has_value() ? store->SaveKey(*name, key->key)
                                         : store->SaveCrl(*name, *crl);
  if (!saved.ok()) return saved;
  for (const std::string& n : notes) PrintErr(StrCat("note: ", n, "\n"));
  PrintOut(StrCat("imported ", ObjectTypeName(c->type), " \"", *name, "\" into ",
                  store->directory(), ": ", what, "\n"));
  return absl::OkStatus();
}

absl::Status RunExport(const Invocation& inv) {
  auto c = ParseCommon(inv, FormatUse::kExport);
  if (!c.ok()) return c.status();
  auto out = Require(inv, "output");
  if (!out.ok()) return out.status();
  std::optional<std::string_view> cert_name = inv.Get("cert");
  bool pkcs12 = c->type == ObjectType::kKey && c->format == FileFormat::kPkcs12;
  if (cert_name.has_value() && !pkcs12) {
    return UsageError("'cert' applies to export type key format pkcs12 only");
  }
  if (pkcs12 && !cert_name.has_value()) {
    return UsageError("a PKCS#12 file carries the key's certificate: name it with 'cert NAME'");
  }
  if (pkcs12 && c->password.empty()) {
    return UsageError(
        "a PKCS#12 file is password-protected: give 'password' or "
        "'password-file'");
  }
  auto store = OpenStore(inv, /*create=*/false);
  if (!store.ok()) return store.status();

  absl::StatusOr<std::vector<uint8_t>> bytes;
  switch (c->type) {
    case ObjectType::kCert: {
      auto cert = store->LoadCertificate(c->input);
      if (!cert.ok()) return cert.status();
      bytes = pki::ExportCertificate(*cert, c->format);
      break;
    }
    case ObjectType::kKey: {
      auto key = store->LoadKey(c->input);
      if (!key.ok()) return key.status();
      std::optional<pki::Certificate> cert;
      if (pkcs12) {
        auto loaded = store->LoadCertificate(*cert_name);
        if (!loaded.ok()) return loaded.status();
        if (!key->Matches(*loaded)) {
          return absl::InvalidArgumentError(StrCat("certificate \"", *cert_name,
                                                   "\" is not for key \"", c->input,
                                                   "\" (its public key differs)"));
        }
        cert = std::move(*loaded);
      }
      bytes = pki::ExportKey(*key, c->format, c->password, cert ? &*cert : nullptr);
      break;
    }
    case ObjectType::kCrl: {
      auto crl = store->LoadCrl(c->input);
      if (!crl.ok()) return crl.status();
      bytes = pki::ExportCrl(*crl, c->format);
      break;
    }
  }
  if (!bytes.ok()) return bytes.status();
  bool secret = c->type == ObjectType::kKey;
  if (absl::Status s = WriteOutput(*out, *bytes, secret); !s.ok()) return s;
  PrintOut(StrCat("exported ", ObjectTypeName(c->type), " \"", c->input, "\" to ", *out, " (",
                  FileFormatName(c->format),
                  secret && c->password.empty() ? ", not encrypted: keep it private" : "", ")\n"));
  return absl::OkStatus();
}

absl::Status RunDisplay(const Invocation& inv) {
  if (inv.stored) return DisplayStored(inv);
  auto c = ParseCommon(inv, FormatUse::kDisplay);
  if (!c.ok()) return c.status();
  auto bytes = ReadInput(c->input);
  if (!bytes.ok()) return bytes.status();
  std::string source(c->input);
  switch (c->type) {
    case ObjectType::kCert: {
      if (c->format == FileFormat::kPkcs10) {
        auto req = pki::ImportRequest(*bytes, c->format, source);
        if (!req.ok()) return req.status();
        PrintOut(req->Summary());
        break;
      }
      auto certs = pki::ImportCertificates(*bytes, c->format, source, c->password);
      if (!certs.ok()) return certs.status();
      PrintOut(CertificatesSummary(*certs));
      break;
    }
    case ObjectType::kKey: {
      auto bundle = pki::ImportKey(*bytes, c->format, source, c->password);
      if (!bundle.ok()) return bundle.status();
      PrintOut(KeyBundleSummary(*bundle));
      break;
    }
    case ObjectType::kCrl: {
      auto crl = pki::ImportCrl(*bytes, c->format, source);
      if (!crl.ok()) return crl.status();
      PrintOut(crl->Summary());
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::cli::pki_cli
