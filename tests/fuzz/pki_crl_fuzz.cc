// libFuzzer target: DER CRL import, and the ca-profile check of a parsed CRL against a fixed
// CA (issuer comparison and signature verification on hostile CRLs).
// Seeds: tests/fuzz/corpus/pki_crl/.
#include "pki_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tunnelisa::pki;
  auto crl = ImportCrl(std::span<const uint8_t>(data, size), FileFormat::kDer, "fuzz");
  if (!crl.ok()) return 0;
  fuzz::ExerciseCrl(*crl);
  (void)crl->revoked_count();
  (void)crl->next_update();
  return 0;
}
