// Distinguished names as text. OpenSSL has no public parser for the one-line form (its
// `openssl req -subj` parser lives in apps/), so the split into RDNs is ours; each attribute
// is added with X509_NAME_add_entry_by_txt, which knows the names and string types.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/ossl.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::pki {
namespace {

// SplitUnescaped: `text` cut at every `sep` not preceded by a backslash; escapes kept.
std::vector<std::string> SplitUnescaped(std::string_view text, char sep) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      parts.back() += text.substr(i, 2);
      ++i;
    } else if (text[i] == sep) {
      parts.emplace_back();
    } else {
      parts.back() += text[i];
    }
  }
  return parts;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ParseDn(std::string_view text) {
  if (Trim(text).empty()) {
    return absl::InvalidArgumentError("empty distinguished name");
  }
  ossl::NamePtr name(X509_NAME_new());
  if (!name) return ossl::Fail("out of memory");
  for (const std::string& rdn : SplitUnescaped(text, ',')) {
    // '+' joins attributes of one multi-valued RDN (RFC 4514 section 2.2).
    int set = 0;  // 0: a new RDN for the first attribute, then -1: join the previous one
    for (const std::string& ava : SplitUnescaped(rdn, '+')) {
      size_t eq = ava.find('=');
      std::string_view attr = Trim(std::string_view(ava).substr(0, std::min(eq, ava.size())));
      if (eq == std::string::npos || attr.empty()) {
        return absl::InvalidArgumentError(
            StrCat("distinguished name part \"", ava, "\" is not NAME=VALUE"));
      }
      std::string value = Unescape(Trim(std::string_view(ava).substr(eq + 1)));
      if (value.empty()) {
        return absl::InvalidArgumentError(StrCat("empty value for ", attr));
      }
      std::string attr_s(attr);
      ossl::ClearErrors();
      if (X509_NAME_add_entry_by_txt(name.get(), attr_s.c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.data()),
                                     static_cast<int>(value.size()), -1, set) != 1) {
        return ossl::Fail(
            StrCat("distinguished name attribute \"", attr_s, "\" unknown or its value invalid"));
      }
      set = -1;
    }
  }
  return ossl::NameDer(name.get());
}

absl::StatusOr<std::string> DnToText(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  ossl::NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  if (!name || p != der.data() + der.size()) {
    return ossl::Fail("malformed distinguished name");
  }
  return ossl::NameText(name.get());
}

bool DnEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  const unsigned char* pa = a.data();
  const unsigned char* pb = b.data();
  ossl::NamePtr na(d2i_X509_NAME(nullptr, &pa, static_cast<long>(a.size())));
  ossl::NamePtr nb(d2i_X509_NAME(nullptr, &pb, static_cast<long>(b.size())));
  ERR_clear_error();
  return na && nb && X509_NAME_cmp(na.get(), nb.get()) == 0;
}

}  // namespace tunnelisa::pki
