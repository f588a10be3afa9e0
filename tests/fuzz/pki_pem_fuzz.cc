// libFuzzer target: PEM import of certificates, keys (with a password, so encrypted ones are
// decrypted), CRLs and requests from the same bytes. Seeds: tests/fuzz/corpus/pki_pem/.
#include "pki_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tunnelisa::pki;
  std::span<const uint8_t> in(data, size);
  auto certs = ImportCertificates(in, FileFormat::kPem, "fuzz");
  if (certs.ok()) {
    for (const Certificate& c : *certs) fuzz::ExerciseCertificate(c);
  }
  auto key = ImportKey(in, FileFormat::kPem, "fuzz", "pw");
  if (key.ok()) {
    auto der = ExportKey(key->key, FileFormat::kDer);
    fuzz::Require(der.ok());
    auto back = ImportKey(*der, FileFormat::kDer, "fuzz");
    fuzz::Require(back.ok() && back->key.public_key().Equals(key->key.public_key()));
  }
  auto crl = ImportCrl(in, FileFormat::kPem, "fuzz");
  if (crl.ok()) fuzz::ExerciseCrl(*crl);
  auto req = ImportRequest(in, FileFormat::kPem, "fuzz");
  if (req.ok()) (void)req->Summary();
  return 0;
}
