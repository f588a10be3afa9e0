// OpenSSL glue for the PKI layer: one unique_ptr type per OpenSSL object (so nothing leaks on
// an early return), shared_ptr makers for the public handles, memory BIOs, and the error
// queue turned into text for absl::Status messages.
#ifndef TUNNELISA_SRC_PKI_OSSL_H_
#define TUNNELISA_SRC_PKI_OSSL_H_

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::pki::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
template <typename T, auto Free>
using Ptr = std::unique_ptr<T, Deleter<Free>>;

using BioPtr = Ptr<BIO, BIO_free_all>;
using PkeyPtr = Ptr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = Ptr<X509, X509_free>;
using CrlPtr = Ptr<X509_CRL, X509_CRL_free>;
using ReqPtr = Ptr<X509_REQ, X509_REQ_free>;
using NamePtr = Ptr<X509_NAME, X509_NAME_free>;
using Pkcs7Ptr = Ptr<PKCS7, PKCS7_free>;
using Pkcs12Ptr = Ptr<PKCS12, PKCS12_free>;
using StorePtr = Ptr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = Ptr<X509_STORE_CTX, X509_STORE_CTX_free>;
using GeneralNamesPtr = Ptr<GENERAL_NAMES, GENERAL_NAMES_free>;
using SigPtr = Ptr<X509_SIG, X509_SIG_free>;
using P8InfoPtr = Ptr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;

inline void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
inline void FreeCrlStack(STACK_OF(X509_CRL) * s) { sk_X509_CRL_pop_free(s, X509_CRL_free); }
inline void FreeExtStack(STACK_OF(X509_EXTENSION) * s) {
  sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}
using X509StackPtr = Ptr<STACK_OF(X509), FreeX509Stack>;
// BorrowedX509StackPtr: a stack of certificates owned elsewhere (only the stack is freed).
inline void FreeX509StackOnly(STACK_OF(X509) * s) { sk_X509_free(s); }
using BorrowedX509StackPtr = Ptr<STACK_OF(X509), FreeX509StackOnly>;
using CrlStackPtr = Ptr<STACK_OF(X509_CRL), FreeCrlStack>;
using ExtStackPtr = Ptr<STACK_OF(X509_EXTENSION), FreeExtStack>;

// Share*: the public handles hold a shared_ptr to the object (taking ownership).
inline std::shared_ptr<EVP_PKEY> SharePkey(PkeyPtr p) {
  return std::shared_ptr<EVP_PKEY>(p.release(), EVP_PKEY_free);
}
inline std::shared_ptr<X509> ShareX509(X509Ptr p) {
  return std::shared_ptr<X509>(p.release(), X509_free);
}
inline std::shared_ptr<X509_CRL> ShareCrl(CrlPtr p) {
  return std::shared_ptr<X509_CRL>(p.release(), X509_CRL_free);
}
inline std::shared_ptr<X509_REQ> ShareReq(ReqPtr p) {
  return std::shared_ptr<X509_REQ>(p.release(), X509_REQ_free);
}

// ErrorText: OpenSSL's queued errors as "; "-joined reasons, and the queue cleared (so one
// failure's errors never show up in the next message). Empty when the queue was empty.
std::string ErrorText();
// ClearErrors: drop the queue before an operation whose failure we will explain.
inline void ClearErrors() { ERR_clear_error(); }
// Fail: InvalidArgument "<what>" plus OpenSSL's reasons, if any.
absl::Status Fail(std::string_view what);

// MemBio: a read-only BIO over caller memory (no copy). Null only if OpenSSL is out of memory.
BioPtr MemBio(std::span<const uint8_t> bytes);
// BioBytes: what was written to a memory BIO.
std::vector<uint8_t> BioBytes(BIO* bio);

// Md: the EVP_MD of a hash (nullptr for kNone).
const EVP_MD* Md(HashAlgorithm hash);

// NameDer / NameText: a X509_NAME as DER, and as "C=US, O=Example, CN=gw1" (first RDN first).
std::vector<uint8_t> NameDer(const X509_NAME* name);
std::string NameText(const X509_NAME* name);
// AsnTimeToWall: seconds since the epoch of an ASN1_TIME (0 if it cannot be read).
int64_t AsnTimeToUnix(const ASN1_TIME* t);
// FormatUnix: "2026-12-06 13:10:00 UTC".
std::string FormatUnix(int64_t unix_seconds);
// Hex: "0A:1B:..." for fingerprints in summaries.
std::string ColonHex(std::span<const uint8_t> bytes);

// SupportedKey: OK for the key algorithms the PKI signs with (RSA, RSA-PSS, DSA, ECDSA on
// P-256 / P-384 / P-521, Ed25519); InvalidArgument naming the others.
absl::Status SupportedKey(EVP_PKEY* key);

// SansFrom: the DNS, IP and email entries of a subjectAltName (nullptr: none).
SubjectAltNames SansFrom(const GENERAL_NAMES* names);

}  // namespace tunnelisa::pki::ossl

#endif  // TUNNELISA_SRC_PKI_OSSL_H_
