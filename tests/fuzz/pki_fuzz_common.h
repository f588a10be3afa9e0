// Shared by the PKI import fuzz targets: what every successfully imported object must
// survive (accessors, summaries, and an export that imports back to the same object).
// A trap is a finding.
#ifndef TUNNELISA_TESTS_FUZZ_PKI_FUZZ_COMMON_H_
#define TUNNELISA_TESTS_FUZZ_PKI_FUZZ_COMMON_H_

#include <cstdlib>

#include "tunnelisa/pki.h"

namespace tunnelisa::pki::fuzz {

inline void Require(bool ok) {
  if (!ok) std::abort();
}

inline void ExerciseCertificate(const Certificate& c) {
  (void)c.Summary();
  (void)c.subject_alt_names();
  (void)c.SpkiSha1();
  (void)c.is_self_signed();
  (void)DnToText(c.SubjectDer());
  auto der = ExportCertificate(c, FileFormat::kDer);
  Require(der.ok());
  auto back = Certificate::FromDer(*der);
  Require(back.ok() && *back == c);
}

inline void ExerciseCrl(const Crl& crl) {
  (void)crl.Summary();
  auto pem = ExportCrl(crl, FileFormat::kPem);
  Require(pem.ok());
  auto back = ImportCrl(*pem, FileFormat::kPem, "fuzz");
  Require(back.ok() && back->Der() == crl.Der());
}

}  // namespace tunnelisa::pki::fuzz

#endif  // TUNNELISA_TESTS_FUZZ_PKI_FUZZ_COMMON_H_
