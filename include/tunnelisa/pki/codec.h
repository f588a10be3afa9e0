// File: tunnelisa/pki/codec.h
//
// Import and export in the formats the guide lists ("Import and Export"): certificates in
// PKCS#10 (a request only), PKCS#7 (DER and PEM), PEM and DER; key pairs in PKCS#12 (with
// the certificate, password-protected), PEM and DER; CRLs in PKCS#7 (DER and PEM), PEM and
// DER. Where a file holds several certificates the first one is used, as the guide says
// (ImportCertificates returns them all, for a peer's intermediates).
//
// Every import takes `source`, a name for messages (usually the file name): errors are
// InvalidArgument "<source>: <format>: <what is wrong>" and never crash on truncated,
// garbage or hostile input. Inputs over kMaxImportBytes are refused before parsing.
// Threads: any. Control path only.
#ifndef TUNNELISA_PKI_CODEC_H_
#define TUNNELISA_PKI_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/pki/certificate.h"
#include "tunnelisa/pki/key.h"

namespace tunnelisa::pki {

// kMaxImportBytes: the largest file any import reads (1 MiB: a CRL of ~25k entries).
inline constexpr size_t kMaxImportBytes = size_t{1} << 20;

// FileFormat: the command line's `format` words.
enum class FileFormat : uint8_t {
  kPkcs10,    // "pkcs10": a certificate request, PEM or DER (certificates: requests only)
  kPkcs12,    // "pkcs12": key + certificate (+ chain), password-protected, DER
  kPkcs7Der,  // "pkcs7-der": a degenerate signed-data of certificates and/or CRLs
  kPkcs7Pem,  // "pkcs7-pem"
  kPem,       // "pem"
  kDer,       // "der"
};
std::string_view FileFormatName(FileFormat format);
absl::StatusOr<FileFormat> ParseFileFormat(std::string_view name);

// ReadInputFile: a whole file, refused (InvalidArgument) when it is larger than `max_bytes`;
// NotFound when it does not exist.
absl::StatusOr<std::vector<uint8_t>> ReadInputFile(const std::string& path,
                                                   size_t max_bytes = kMaxImportBytes);

// --- Certificates ---
// ImportCertificate: the first certificate of the input. kPkcs12 needs the password and
// returns the bundle's own certificate; kPkcs10 is refused (a request is not a
// certificate: use ImportRequest). kDer accepts concatenated DER certificates.
absl::StatusOr<Certificate> ImportCertificate(std::span<const uint8_t> input, FileFormat format,
                                              std::string_view source,
                                              std::string_view password = {});
// ImportCertificates: every certificate, in file order (never empty on success).
absl::StatusOr<std::vector<Certificate>> ImportCertificates(std::span<const uint8_t> input,
                                                            FileFormat format,
                                                            std::string_view source,
                                                            std::string_view password = {});
// ExportCertificate: kDer, kPem, kPkcs7Der, kPkcs7Pem. kPkcs12 needs the key (ExportKey);
// kPkcs10 is a request (CertificateRequest::Pem): both InvalidArgument.
absl::StatusOr<std::vector<uint8_t>> ExportCertificate(const Certificate& cert, FileFormat format);
// ExportCertificates: a bundle in kDer (concatenated), kPem, kPkcs7Der or kPkcs7Pem.
absl::StatusOr<std::vector<uint8_t>> ExportCertificates(std::span<const Certificate> certs,
                                                        FileFormat format);

// --- Requests ---
// ImportRequest: a PKCS#10 request, PEM or DER (kPkcs10 tries both, kPem, kDer), with its
// self-signature checked.
absl::StatusOr<CertificateRequest> ImportRequest(std::span<const uint8_t> input, FileFormat format,
                                                 std::string_view source);

// --- Key pairs ---
// KeyBundle: an imported key and whatever certificates came with it.
struct KeyBundle {
  PrivateKey key;
  std::optional<Certificate> certificate;  // PKCS#12's (or a PEM file's) matching certificate
  std::vector<Certificate> chain;          // the other certificates (CA chain)
};
// ImportKey: kPem (PKCS#8, encrypted PKCS#8, or the traditional RSA/DSA/EC forms; any
// certificates in the same file are returned too), kDer (PKCS#8, encrypted PKCS#8 or
// traditional), kPkcs12. An encrypted input needs `password`: a missing or wrong one is
// InvalidArgument "... wrong or missing password".
absl::StatusOr<KeyBundle> ImportKey(std::span<const uint8_t> input, FileFormat format,
                                    std::string_view source, std::string_view password = {});
// ExportKey: kPem or kDer as PKCS#8, encrypted with AES-256-CBC (PBES2) when `password` is
// not empty (the guide's generated key is plain DER: empty password); kPkcs12 needs
// `certificate` (which must match the key) and a password, and carries `chain` too.
absl::StatusOr<std::vector<uint8_t>> ExportKey(const PrivateKey& key, FileFormat format,
                                               std::string_view password = {},
                                               const Certificate* certificate = nullptr,
                                               std::span<const Certificate> chain = {});

// --- CRLs ---
// ImportCrl: the first CRL of kDer, kPem, kPkcs7Der or kPkcs7Pem input.
absl::StatusOr<Crl> ImportCrl(std::span<const uint8_t> input, FileFormat format,
                              std::string_view source);
absl::StatusOr<std::vector<uint8_t>> ExportCrl(const Crl& crl, FileFormat format);

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_CODEC_H_
