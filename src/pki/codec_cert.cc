// Import / export of certificates, requests and CRLs: DER (concatenated objects), PEM
// (PEM_read_bio_* skips blocks of other types), PKCS#7 degenerate signed-data (RFC 2315
// section 9.1: certificates and CRLs, no signers), and PKCS#12 certificates.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/codec_internal.h"
#include "pki/ossl.h"
#include "tunnelisa/pki/codec.h"

namespace tunnelisa::pki {

namespace codec {

absl::Status Error(std::string_view source, FileFormat format, std::string_view what) {
  std::string reasons = ossl::ErrorText();
  return absl::InvalidArgumentError(StrCat(source, ": ", FileFormatName(format), ": ", what,
                                           reasons.empty() ? "" : " (", reasons,
                                           reasons.empty() ? "" : ")"));
}

absl::Status CheckInput(std::span<const uint8_t> input, FileFormat format,
                        std::string_view source) {
  ossl::ClearErrors();
  if (input.empty()) return Error(source, format, "empty input");
  if (input.size() > kMaxImportBytes) {
    return Error(
        source, format,
        StrCat("input of ", input.size(), " bytes is over the limit of ", kMaxImportBytes));
  }
  return absl::OkStatus();
}

std::string PemLabel(std::span<const uint8_t> input) {
  std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  constexpr std::string_view kBegin = "-----BEGIN ";
  size_t start = text.find(kBegin);
  if (start == std::string_view::npos) return {};
  start += kBegin.size();
  size_t end = text.find("-----", start);
  if (end == std::string_view::npos || end - start > 64) return {};
  return std::string(text.substr(start, end - start));
}

std::string Holds(std::span<const uint8_t> input) {
  std::string label = PemLabel(input);
  return label.empty() ? "" : StrCat(" (the input holds ", label, ")");
}

}  // namespace codec

namespace {

using codec::CheckInput;
using codec::Error;

// D2iAll: every DER object of a concatenation; an error on the first byte that does not
// start one (a truncated bundle is refused, not cut short silently).
template <typename T, T* (*D2i)(T**, const unsigned char**, long), void (*Free)(T*)>
absl::StatusOr<std::vector<ossl::Ptr<T, Free>>> D2iAll(std::span<const uint8_t> input,
                                                       FileFormat format, std::string_view source,
                                                       std::string_view what) {
  std::vector<ossl::Ptr<T, Free>> out;
  const unsigned char* p = input.data();
  const unsigned char* end = input.data() + input.size();
  while (p < end) {
    T* obj = D2i(nullptr, &p, static_cast<long>(end - p));
    if (obj == nullptr) {
      return Error(source, format,
                   out.empty() ? StrCat("not a DER ", what, codec::Holds(input))
                               : StrCat("bytes after DER ", what, " ", out.size(),
                                        " are not one (truncated or garbage)"));
    }
    out.emplace_back(obj);
  }
  return out;
}

// PemAll: every PEM object of one type; blocks of other types are skipped.
template <typename T, T* (*Read)(BIO*, T**, pem_password_cb*, void*), void (*Free)(T*)>
absl::StatusOr<std::vector<ossl::Ptr<T, Free>>> PemAll(std::span<const uint8_t> input,
                                                       FileFormat format, std::string_view source,
                                                       std::string_view what) {
  std::vector<ossl::Ptr<T, Free>> out;
  ossl::BioPtr bio = ossl::MemBio(input);
  if (!bio) return Error(source, format, "out of memory");
  for (;;) {
    T* obj = Read(bio.get(), nullptr, nullptr, nullptr);
    if (obj == nullptr) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ossl::ClearErrors();  // the normal end: no further block of this type
        break;
      }
      return Error(source, format,
                   StrCat("PEM ", what, " ", out.size() + 1, " is damaged or truncated"));
    }
    out.emplace_back(obj);
  }
  if (out.empty()) {
    return Error(source, format, StrCat("no PEM ", what, codec::Holds(input)));
  }
  return out;
}

// ReadPkcs7: a signed-data PKCS#7 (certificates and CRLs are in its SignedData).
absl::StatusOr<ossl::Pkcs7Ptr> ReadPkcs7(std::span<const uint8_t> input, FileFormat format,
                                         std::string_view source) {
  ossl::Pkcs7Ptr p7;
  if (format == FileFormat::kPkcs7Pem) {
    ossl::BioPtr bio = ossl::MemBio(input);
    if (bio) p7.reset(PEM_read_bio_PKCS7(bio.get(), nullptr, nullptr, nullptr));
    if (!p7) return Error(source, format, StrCat("no PEM PKCS#7", codec::Holds(input)));
  } else {
    const unsigned char* p = input.data();
    p7.reset(d2i_PKCS7(nullptr, &p, static_cast<long>(input.size())));
    if (!p7) return Error(source, format, "not a DER PKCS#7 structure");
  }
  if (!PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr) {
    return Error(source, format, "PKCS#7 is not signed-data (no certificates or CRLs in it)");
  }
  return p7;
}

absl::StatusOr<ossl::Pkcs7Ptr> NewPkcs7() {
  ossl::Pkcs7Ptr p7(PKCS7_new());
  if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1 || PKCS7_set_detached(p7.get(), 1) != 1) {
    return ossl::Fail("cannot build PKCS#7");
  }
  return p7;
}

absl::StatusOr<std::vector<uint8_t>> WritePkcs7(PKCS7* p7, FileFormat format) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  int ok = !bio                              ? 0
           : format == FileFormat::kPkcs7Pem ? PEM_write_bio_PKCS7(bio.get(), p7)
                                             : i2d_PKCS7_bio(bio.get(), p7);
  if (ok != 1) return ossl::Fail("cannot encode PKCS#7");
  return ossl::BioBytes(bio.get());
}

std::vector<Certificate> Wrap(std::vector<ossl::X509Ptr> certs) {
  std::vector<Certificate> out;
  for (auto& c : certs) out.emplace_back(ossl::ShareX509(std::move(c)));
  return out;
}

}  // namespace

std::string_view FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kPkcs10:
      return "pkcs10";
    case FileFormat::kPkcs12:
      return "pkcs12";
    case FileFormat::kPkcs7Der:
      return "pkcs7-der";
    case FileFormat::kPkcs7Pem:
      return "pkcs7-pem";
    case FileFormat::kPem:
      return "pem";
    case FileFormat::kDer:
      return "der";
  }
  return "?";
}

absl::StatusOr<FileFormat> ParseFileFormat(std::string_view name) {
  for (FileFormat f : {FileFormat::kPkcs10, FileFormat::kPkcs12, FileFormat::kPkcs7Der,
                       FileFormat::kPkcs7Pem, FileFormat::kPem, FileFormat::kDer}) {
    if (FileFormatName(f) == name) return f;
  }
  return absl::InvalidArgumentError(
      StrCat("unknown format \"", name, "\" (pkcs10, pkcs12, pkcs7-der, pkcs7-pem, pem or der)"));
}

absl::StatusOr<std::vector<uint8_t>> ReadInputFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat(path, ": cannot open"));
  std::vector<uint8_t> bytes;
  char buf[16384];
  while (in) {
    in.read(buf, sizeof(buf));
    bytes.insert(bytes.end(), buf, buf + in.gcount());
    if (bytes.size() > max_bytes) {
      return absl::InvalidArgumentError(
          StrCat(path, ": larger than the limit of ", max_bytes, " bytes"));
    }
  }
  if (in.bad()) return absl::DataLossError(StrCat(path, ": read error"));
  return bytes;
}

absl::StatusOr<std::vector<Certificate>> ImportCertificates(std::span<const uint8_t> input,
                                                            FileFormat format,
                                                            std::string_view source,
                                                            std::string_view password) {
  if (absl::Status s = CheckInput(input, format, source); !s.ok()) return s;
  switch (format) {
    case FileFormat::kDer: {
      auto certs = D2iAll<X509, d2i_X509, X509_free>(input, format, source, "certificate");
      if (!certs.ok()) return certs.status();
      return Wrap(std::move(*certs));
    }
    case FileFormat::kPem: {
      auto certs = PemAll<X509, PEM_read_bio_X509, X509_free>(input, format, source, "certificate");
      if (!certs.ok()) return certs.status();
      return Wrap(std::move(*certs));
    }
    case FileFormat::kPkcs7Der:
    case FileFormat::kPkcs7Pem: {
      auto p7 = ReadPkcs7(input, format, source);
      if (!p7.ok()) return p7.status();
      STACK_OF(X509)* certs = (*p7)->d.sign->cert;
      std::vector<Certificate> out;
      for (int i = 0; certs != nullptr && i < sk_X509_num(certs); ++i) {
        X509* c = sk_X509_value(certs, i);
        X509_up_ref(c);
        out.emplace_back(ossl::ShareX509(ossl::X509Ptr(c)));
      }
      if (out.empty()) return Error(source, format, "PKCS#7 holds no certificate");
      return out;
    }
    case FileFormat::kPkcs12: {
      auto bundle = ImportKey(input, format, source, password);
      if (!bundle.ok()) return bundle.status();
      std::vector<Certificate> out;
      if (bundle->certificate) out.push_back(*bundle->certificate);
      out.insert(out.end(), bundle->chain.begin(), bundle->chain.end());
      if (out.empty()) return Error(source, format, "PKCS#12 holds no certificate");
      return out;
    }
    case FileFormat::kPkcs10:
      break;
  }
  return Error(source, format,
               "a PKCS#10 file is a certificate request, not a certificate: send it to the CA "
               "and import the certificate it returns (ImportRequest reads requests)");
}

absl::StatusOr<Certificate> ImportCertificate(std::span<const uint8_t> input, FileFormat format,
                                              std::string_view source, std::string_view password) {
  auto certs = ImportCertificates(input, format, source, password);
  if (!certs.ok()) return certs.status();
  return certs->front();  // the guide: "the SR-OS will only use the first certificate"
}

absl::StatusOr<std::vector<uint8_t>> ExportCertificates(std::span<const Certificate> certs,
                                                        FileFormat format) {
  if (certs.empty()) return absl::InvalidArgumentError("no certificate to export");
  for (const Certificate& c : certs) {
    if (c.empty()) return absl::InvalidArgumentError("empty certificate");
  }
  switch (format) {
    case FileFormat::kDer: {
      std::vector<uint8_t> out;
      for (const Certificate& c : certs) {
        std::vector<uint8_t> der = c.Der();
        out.insert(out.end(), der.begin(), der.end());
      }
      return out;
    }
    case FileFormat::kPem: {
      ossl::BioPtr bio(BIO_new(BIO_s_mem()));
      for (const Certificate& c : certs) {
        if (!bio || PEM_write_bio_X509(bio.get(), c.native()) != 1) {
          return ossl::Fail("cannot write PEM");
        }
      }
      return ossl::BioBytes(bio.get());
    }
    case FileFormat::kPkcs7Der:
    case FileFormat::kPkcs7Pem: {
      auto p7 = NewPkcs7();
      if (!p7.ok()) return p7.status();
      for (const Certificate& c : certs) {
        if (PKCS7_add_certificate(p7->get(), c.native()) != 1) return ossl::Fail("PKCS#7");
      }
      return WritePkcs7(p7->get(), format);
    }
    case FileFormat::kPkcs12:
      return absl::InvalidArgumentError(
          "pkcs12 carries a key pair: export the key with its certificate (ExportKey)");
    case FileFormat::kPkcs10:
      break;
  }
  return absl::InvalidArgumentError(
      "pkcs10 is a certificate request format: a certificate cannot be exported as one");
}

absl::StatusOr<std::vector<uint8_t>> ExportCertificate(const Certificate& cert, FileFormat format) {
  return ExportCertificates(std::span<const Certificate>(&cert, 1), format);
}

absl::StatusOr<CertificateRequest> ImportRequest(std::span<const uint8_t> input, FileFormat format,
                                                 std::string_view source) {
  if (absl::Status s = CheckInput(input, format, source); !s.ok()) return s;
  if (format != FileFormat::kPkcs10 && format != FileFormat::kPem && format != FileFormat::kDer) {
    return Error(source, format, "a certificate request is pkcs10, pem or der");
  }
  ossl::ReqPtr req;
  bool pem = format == FileFormat::kPem ||
             (format == FileFormat::kPkcs10 && !codec::PemLabel(input).empty());
  if (pem) {
    auto reqs = PemAll<X509_REQ, PEM_read_bio_X509_REQ, X509_REQ_free>(input, format, source,
                                                                       "certificate request");
    if (!reqs.ok()) return reqs.status();
    req = std::move(reqs->front());
  } else {
    const unsigned char* p = input.data();
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(input.size())));
    if (!req || p != input.data() + input.size()) {
      return Error(source, format, "not a DER certificate request");
    }
  }
  CertificateRequest out(ossl::ShareReq(std::move(req)));
  if (absl::Status s = out.VerifySignature(); !s.ok()) {
    return Error(source, format, std::string(s.message()));
  }
  return out;
}

absl::StatusOr<Crl> ImportCrl(std::span<const uint8_t> input, FileFormat format,
                              std::string_view source) {
  if (absl::Status s = CheckInput(input, format, source); !s.ok()) return s;
  switch (format) {
    case FileFormat::kDer: {
      auto crls = D2iAll<X509_CRL, d2i_X509_CRL, X509_CRL_free>(input, format, source, "CRL");
      if (!crls.ok()) return crls.status();
      return Crl(ossl::ShareCrl(std::move(crls->front())));
    }
    case FileFormat::kPem: {
      auto crls =
          PemAll<X509_CRL, PEM_read_bio_X509_CRL, X509_CRL_free>(input, format, source, "CRL");
      if (!crls.ok()) return crls.status();
      return Crl(ossl::ShareCrl(std::move(crls->front())));
    }
    case FileFormat::kPkcs7Der:
    case FileFormat::kPkcs7Pem: {
      auto p7 = ReadPkcs7(input, format, source);
      if (!p7.ok()) return p7.status();
      STACK_OF(X509_CRL)* crls = (*p7)->d.sign->crl;
      if (crls == nullptr || sk_X509_CRL_num(crls) == 0) {
        return Error(source, format, "PKCS#7 holds no CRL");
      }
      X509_CRL* crl = sk_X509_CRL_value(crls, 0);
      X509_CRL_up_ref(crl);
      return Crl(ossl::ShareCrl(ossl::CrlPtr(crl)));
    }
    case FileFormat::kPkcs10:
    case FileFormat::kPkcs12:
      break;
  }
  return Error(source, format, "a CRL is pkcs7-der, pkcs7-pem, pem or der");
}

absl::StatusOr<std::vector<uint8_t>> ExportCrl(const Crl& crl, FileFormat format) {
  if (crl.empty()) return absl::InvalidArgumentError("no CRL to export");
  switch (format) {
    case FileFormat::kDer:
      return crl.Der();
    case FileFormat::kPem: {
      ossl::BioPtr bio(BIO_new(BIO_s_mem()));
      if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl.native()) != 1) {
        return ossl::Fail("cannot write PEM");
      }
      return ossl::BioBytes(bio.get());
    }
    case FileFormat::kPkcs7Der:
    case FileFormat::kPkcs7Pem: {
      auto p7 = NewPkcs7();
      if (!p7.ok()) return p7.status();
      if (PKCS7_add_crl(p7->get(), crl.native()) != 1) return ossl::Fail("PKCS#7");
      return WritePkcs7(p7->get(), format);
    }
    case FileFormat::kPkcs10:
    case FileFormat::kPkcs12:
      break;
  }
  return absl::InvalidArgumentError("a CRL exports as pkcs7-der, pkcs7-pem, pem or der");
}

}  // namespace tunnelisa::pki
