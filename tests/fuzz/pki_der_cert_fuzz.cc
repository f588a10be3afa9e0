// libFuzzer target: DER certificate import (a bundle of concatenated certificates), and the
// same bytes as a DER key and a DER certificate request. Seeds: tests/fuzz/corpus/pki_der_cert/
// (tests/fuzz/make_pki_seeds.sh).
#include "pki_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tunnelisa::pki;
  std::span<const uint8_t> in(data, size);
  auto certs = ImportCertificates(in, FileFormat::kDer, "fuzz");
  if (certs.ok()) {
    for (const Certificate& c : *certs) fuzz::ExerciseCertificate(c);
  }
  (void)ImportKey(in, FileFormat::kDer, "fuzz", "pw");
  (void)ImportRequest(in, FileFormat::kDer, "fuzz");
  return 0;
}
