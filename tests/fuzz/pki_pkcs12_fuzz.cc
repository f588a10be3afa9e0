// libFuzzer target: PKCS#12 import with the seeds' password ("pw") and with none.
// Seeds: tests/fuzz/corpus/pki_pkcs12/ (password "pw").
#include "pki_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tunnelisa::pki;
  std::span<const uint8_t> in(data, size);
  for (std::string_view pw : {"pw", ""}) {
    auto bundle = ImportKey(in, FileFormat::kPkcs12, "fuzz", pw);
    if (!bundle.ok()) continue;
    if (bundle->certificate) fuzz::ExerciseCertificate(*bundle->certificate);
    for (const Certificate& c : bundle->chain) fuzz::ExerciseCertificate(c);
  }
  return 0;
}
