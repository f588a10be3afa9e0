// File: src/config/pki_names.h
//
// The rule for the file names a configuration gives the PKI directory (`cert-file`,
// `crl-file`, a cert block's `cert` and `key`), shared by the parser and the validator so
// both word it alike. Internal.
#ifndef TUNNELISA_SRC_CONFIG_PKI_NAMES_H_
#define TUNNELISA_SRC_CONFIG_PKI_NAMES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::config::internal {

// PkiFileNameProblem: "" when `name` is a valid PKI directory name (pki::PkiStore::CheckName:
// a plain name, no '/', not starting with '.', at most 255 characters) without control
// characters (which the configuration text cannot carry); else why not.
inline std::string PkiFileNameProblem(std::string_view name) {
  if (absl::Status s = pki::PkiStore::CheckName(name); !s.ok()) return std::string(s.message());
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "a PKI file name must not contain control characters";
  }
  return "";
}

}  // namespace tunnelisa::config::internal

#endif  // TUNNELISA_SRC_CONFIG_PKI_NAMES_H_
