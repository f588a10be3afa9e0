// File: tunnelisa/pki/certificate.h
//
// X.509 objects as immutable handles over OpenSSL: Certificate, Crl (revocation list) and
// CertificateRequest (PKCS#10), plus distinguished names as text and DER. Copies are cheap
// (they share one parsed object). Threads: any; control path only.
//
// Distinguished names as text use the guide's syntax, the first RDN first:
// "C=US,O=Example,CN=gw1" (spaces after commas allowed; a literal ',' '=' '+' or '\' inside
// a value is written with a backslash before it).
#ifndef TUNNELISA_PKI_CERTIFICATE_H_
#define TUNNELISA_PKI_CERTIFICATE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/pki/key.h"
#include "tunnelisa/time.h"

struct x509_st;
struct X509_crl_st;
struct X509_req_st;

namespace tunnelisa::pki {

// ParseDn: the DER encoding of a text DN ("C=US,O=Example,CN=gw1"). Attribute names are
// OpenSSL's short or long names (C, ST, L, O, OU, CN, DC, emailAddress, serialNumber, ...).
// InvalidArgument, naming the bad part, for an empty DN, an unknown attribute or a part
// without '='. Use it to compare a configured remote-id with ID_DER_ASN1_DN.
absl::StatusOr<std::vector<uint8_t>> ParseDn(std::string_view text);
// DnToText: "C=US, O=Example, CN=gw1" from a DER Name. InvalidArgument if it does not parse.
absl::StatusOr<std::string> DnToText(std::span<const uint8_t> der);
// DnEquals: whether two DER Names are the same name (OpenSSL's canonical comparison: case
// and spacing of string values do not matter, as RFC 5280 section 7.1 asks). False when
// either does not parse.
bool DnEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

// SubjectAltNames: the subjectAltName entries IKE IDs are matched against (RFC 4945
// section 3.1: ID_FQDN, ID_IPV4_ADDR / ID_IPV6_ADDR, ID_RFC822_ADDR). Other kinds are skipped.
struct SubjectAltNames {
  std::vector<std::string> dns;
  std::vector<IpAddress> ip;
  std::vector<std::string> email;
  bool empty() const { return dns.empty() && ip.empty() && email.empty(); }
};

// KeyUsage bits of RFC 5280 section 4.2.1.3 that matter here.
struct KeyUsage {
  bool present = false;  // no extension: every usage is allowed (RFC 5280)
  bool digital_signature = false;
  bool non_repudiation = false;
  bool key_cert_sign = false;
  bool crl_sign = false;
};

// Certificate: one parsed X.509 certificate.
class Certificate {
 public:
  Certificate() = default;  // empty
  // FromDer: exactly one DER certificate; InvalidArgument ("malformed certificate") if it
  // does not parse or bytes follow it. Import other formats with codec.h.
  static absl::StatusOr<Certificate> FromDer(std::span<const uint8_t> der);

  bool empty() const { return cert_ == nullptr; }
  std::vector<uint8_t> Der() const;
  std::string SubjectText() const;
  std::vector<uint8_t> SubjectDer() const;  // ID_DER_ASN1_DN's data
  std::string IssuerText() const;
  std::vector<uint8_t> IssuerDer() const;
  std::string SerialHex() const;  // "01:A3:..." as OpenSSL prints serials
  WallTime not_before() const;
  WallTime not_after() const;
  SubjectAltNames subject_alt_names() const;
  KeyUsage key_usage() const;
  bool is_ca() const;           // basicConstraints cA=TRUE
  bool is_self_signed() const;  // issuer == subject and the signature verifies with its key
  PublicKey public_key() const;
  // SpkiSha1: SHA-1 of the SubjectPublicKeyInfo (a trust anchor's CERTREQ entry).
  std::array<uint8_t, 20> SpkiSha1() const;
  std::array<uint8_t, 32> Sha256Fingerprint() const;
  // SignatureAlgorithmName: OpenSSL's name of the signature the issuer made
  // ("sha256WithRSAEncryption", "rsassaPss", "ecdsa-with-SHA384", "ED25519", ...).
  std::string SignatureAlgorithmName() const;
  // Summary: a few lines for an operator (the CLI's display): subject, issuer, serial,
  // validity, key, SANs, usage, fingerprint.
  std::string Summary() const;
  bool operator==(const Certificate& other) const;

  x509_st* native() const { return cert_.get(); }
  explicit Certificate(std::shared_ptr<x509_st> cert) : cert_(std::move(cert)) {}

 private:
  std::shared_ptr<x509_st> cert_;
};

// Crl: one parsed certificate revocation list.
class Crl {
 public:
  Crl() = default;
  // FromDer: exactly one DER CRL; InvalidArgument ("malformed CRL") otherwise.
  static absl::StatusOr<Crl> FromDer(std::span<const uint8_t> der);

  bool empty() const { return crl_ == nullptr; }
  std::vector<uint8_t> Der() const;
  // version: 1 or 2 (the ca-profile wants a CRLv2).
  int version() const;
  std::string IssuerText() const;
  std::vector<uint8_t> IssuerDer() const;
  WallTime last_update() const;
  // next_update: the nextUpdate field, or WallTime{INT64_MAX} when the CRL has none.
  WallTime next_update() const;
  size_t revoked_count() const;
  // IsRevoked: whether `cert`'s serial number is listed (the issuer is not compared: pair
  // the CRL with its CA first, as CaProfile does).
  bool IsRevoked(const Certificate& cert) const;
  // RevokedEntry / revoked: the listed certificates in CRL order, serials as SerialHex
  // prints them ("07", "01:A3:..."), for an operator's display.
  struct RevokedEntry {
    std::string serial_hex;
    WallTime revocation_date;
  };
  std::vector<RevokedEntry> revoked() const;
  // SignedBy: OK when `issuer` issued this CRL (names match and the signature verifies with
  // its key); FailedPrecondition saying which check failed otherwise.
  absl::Status SignedBy(const Certificate& issuer) const;
  // Summary: issuer, dates, and the revoked serials (the first kSummaryMaxRevoked of them).
  static constexpr size_t kSummaryMaxRevoked = 50;
  std::string Summary() const;

  X509_crl_st* native() const { return crl_.get(); }
  explicit Crl(std::shared_ptr<X509_crl_st> crl) : crl_(std::move(crl)) {}

 private:
  std::shared_ptr<X509_crl_st> crl_;
};

// CertificateRequest: a PKCS#10 certificate signing request (enroll.h makes them).
class CertificateRequest {
 public:
  CertificateRequest() = default;
  static absl::StatusOr<CertificateRequest> FromDer(std::span<const uint8_t> der);

  bool empty() const { return req_ == nullptr; }
  std::vector<uint8_t> Der() const;
  std::string Pem() const;  // "-----BEGIN CERTIFICATE REQUEST-----" (the guide's format)
  std::string SubjectText() const;
  std::vector<uint8_t> SubjectDer() const;
  SubjectAltNames subject_alt_names() const;  // from the extensionRequest attribute
  PublicKey public_key() const;
  // VerifySignature: OK when the request is signed by its own key (proof of possession).
  absl::Status VerifySignature() const;
  std::string Summary() const;

  X509_req_st* native() const { return req_.get(); }
  explicit CertificateRequest(std::shared_ptr<X509_req_st> req) : req_(std::move(req)) {}

 private:
  std::shared_ptr<X509_req_st> req_;
};

}  // namespace tunnelisa::pki

#endif  // TUNNELISA_PKI_CERTIFICATE_H_
