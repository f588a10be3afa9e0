// libFuzzer target: PKCS#7 (DER and PEM) import of certificate and CRL bundles.
// Seeds: tests/fuzz/corpus/pki_pkcs7/.
#include "pki_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tunnelisa::pki;
  std::span<const uint8_t> in(data, size);
  for (FileFormat f : {FileFormat::kPkcs7Der, FileFormat::kPkcs7Pem}) {
    auto certs = ImportCertificates(in, f, "fuzz");
    if (certs.ok()) {
      for (const Certificate& c : *certs) fuzz::ExerciseCertificate(c);
      auto out = ExportCertificates(*certs, f);
      fuzz::Require(out.ok());
      auto back = ImportCertificates(*out, f, "fuzz");
      fuzz::Require(back.ok() && back->size() == certs->size());
    }
    auto crl = ImportCrl(in, f, "fuzz");
    if (crl.ok()) fuzz::ExerciseCrl(*crl);
  }
  return 0;
}
