// File: ike/protect/openssl_lib.h
//
// The OpenSSL library context the IKE SA protection fetches its algorithms from: a private
// OSSL_LIB_CTX with the "default" provider plus the "legacy" one, which holds single DES
// (DES-CBC is still an IKEv2 transform some peers offer), so loading it changes nothing for the
// rest of the process (the approach of src/crypto/openssl_backend.cc). Internal to
// tunnelisa_ike_protect.
#ifndef TUNNELISA_SRC_IKE_PROTECT_OPENSSL_LIB_H_
#define TUNNELISA_SRC_IKE_PROTECT_OPENSSL_LIB_H_

#include <openssl/types.h>

namespace tunnelisa::ike::internal {

// IkeLibCtx: created on first use (thread-safe), lives until exit; never null unless OpenSSL
// cannot allocate one, in which case fetches fall back to the default context (nullptr).
// Whether the legacy provider loaded is reported by LegacyProviderLoaded. Any thread.
OSSL_LIB_CTX* IkeLibCtx();
bool LegacyProviderLoaded();

}  // namespace tunnelisa::ike::internal

#endif  // TUNNELISA_SRC_IKE_PROTECT_OPENSSL_LIB_H_
