// File: examples/tunnelisa/pki_keys_command.cc
//
// `tunnelisa pki gen-keypair` and `tunnelisa pki gen-local-cert-req`: the guide's "Key
// Generation" and the first two steps of "Certificate Enrollment". Unlike SR OS, whose
// generated key is a plain DER file to import afterwards, the key goes straight into the PKI
// directory, encrypted at rest; `export type key ... format der` gives the plain DER file.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "examples/tunnelisa/args.h"
#include "examples/tunnelisa/pki_command.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/enroll.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::cli::pki_cli {
namespace {

using pki::KeyType;

// SizesFor: the sizes `size` may name for a key type. A curve has one size; it may be
// given (a script that always passes `size`) but not changed.
std::vector<int> SizesFor(KeyType type) {
  switch (type) {
    case KeyType::kRsa:
      return {512, 1024, 2048, 3072, 4096};
    case KeyType::kDsa:
      return {1024, 2048};
    case KeyType::kEcdsaP256:
      return {256};
    case KeyType::kEcdsaP384:
      return {384};
    case KeyType::kEcdsaP521:
      return {521};
    case KeyType::kEd25519:
      return {255, 256};  // OpenSSL counts 255 bits; the name says 25519 / 256
  }
  return {};
}

bool IsCurve(KeyType type) { return type != KeyType::kRsa && type != KeyType::kDsa; }

// KeyBits: what GenerateKey takes: the size for RSA and DSA (default 2048), 0 for curves.
absl::StatusOr<int> KeyBits(const Invocation& inv, KeyType type) {
  std::optional<std::string_view> size_word = inv.Get("size");
  if (!size_word.has_value()) return IsCurve(type) ? 0 : 2048;
  std::optional<uint64_t> size = ParseUint(*size_word, 1 << 20);
  std::vector<int> allowed = SizesFor(type);
  bool ok = false;
  for (int s : allowed) ok = ok || (size.has_value() && *size == static_cast<uint64_t>(s));
  if (!ok) {
    return UsageError(StrCat("size ", *size_word, " is not allowed for type ",
                             pki::KeyTypeName(type), " (", absl::StrJoin(allowed, ", "),
                             IsCurve(type) ? ": the curve sets the size" : "", ")"));
  }
  return IsCurve(type) ? 0 : static_cast<int>(*size);
}

}  // namespace

absl::Status RunGenKeypair(const Invocation& inv) {
  std::string_view name = *inv.positional;
  if (absl::Status s = pki::PkiStore::CheckName(name); !s.ok()) return s;
  KeyType type = KeyType::kRsa;
  if (std::optional<std::string_view> word = inv.Get("type"); word.has_value()) {
    absl::StatusOr<KeyType> parsed = pki::ParseKeyType(*word);
    if (!parsed.ok()) {
      return UsageError(StrCat("unknown key type '", *word,
                               "' (rsa, dsa, ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519)"));
    }
    type = *parsed;
  }
  absl::StatusOr<int> bits = KeyBits(inv, type);
  if (!bits.ok()) return bits.status();
  // Check the name before generating: a DSA key takes seconds.
  auto store = OpenStore(inv, /*create=*/true);
  if (!store.ok()) return store.status();
  if (absl::Status s = CheckWritableName(*store, name, inv.force); !s.ok()) return s;
  absl::StatusOr<pki::GeneratedKey> generated = pki::GenerateKey(type, *bits);
  if (!generated.ok()) return generated.status();
  if (absl::Status s = store->SaveKey(name, generated->key); !s.ok()) return s;
  if (!generated->warning.empty()) PrintErr(StrCat("warning: ", generated->warning, "\n"));
  PrintOut(StrCat("generated ", pki::KeyTypeName(type), " ", generated->key.bits(), "-bit key \"",
                  name, "\" in ", store->directory(), " (encrypted at rest)\n"));
  return absl::OkStatus();
}

absl::Status RunGenLocalCertReq(const Invocation& inv) {
  auto key_name = Require(inv, "keypair");
  if (!key_name.ok()) return key_name.status();
  auto dn = Require(inv, "subject-dn");
  if (!dn.ok()) return dn.status();
  auto out = Require(inv, "file");
  if (!out.ok()) return out.status();
  pki::RequestOptions options{.subject_dn = std::string(*dn)};
  for (std::string_view v : inv.GetAll("domain-name")) options.dns.emplace_back(v);
  for (std::string_view v : inv.GetAll("ip-addr")) options.ip.emplace_back(v);
  for (std::string_view v : inv.GetAll("email")) options.email.emplace_back(v);

  auto store = OpenStore(inv, /*create=*/false);
  if (!store.ok()) return store.status();
  absl::StatusOr<pki::PrivateKey> key = store->LoadKey(*key_name);
  if (!key.ok()) return key.status();
  absl::StatusOr<pki::CertificateRequest> req = pki::CreateCertificateRequest(*key, options);
  if (!req.ok()) return req.status();
  std::string pem = req->Pem();
  if (pem.empty()) return absl::InternalError("the request does not encode as PEM");
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(pem.data()), pem.size());
  if (absl::Status s = WriteOutput(*out, bytes, /*secret=*/false); !s.ok()) return s;
  PrintOut(StrCat("wrote certificate request ", *out, " for ", req->SubjectText(), " (key \"",
                  *key_name,
                  "\"): send it to the CA, then import the "
                  "certificate it returns\n"));
  return absl::OkStatus();
}

}  // namespace tunnelisa::cli::pki_cli
