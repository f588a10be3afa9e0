// IkeIdentity: the `local-id` / `remote-id` values of the model (a tunnelisa extension):
// parsing and checking the configured text, and the ID payload's wire form (RFC 7296 3.5).
#include <array>
#include <string>

#include "common/str_cat.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::config {
namespace {

using Type = IkeIdentity::Type;

constexpr size_t kMaxFqdnLength = 253;
constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxUserLength = 64;
constexpr size_t kMaxUserFqdnLength = 255;
constexpr size_t kMaxKeyIdOctets = 64;

// RFC 7296 3.5 ID Types.
constexpr uint8_t kIdIpv4Addr = 1;
constexpr uint8_t kIdFqdn = 2;
constexpr uint8_t kIdRfc822Addr = 3;
constexpr uint8_t kIdIpv6Addr = 5;
constexpr uint8_t kIdDerAsn1Dn = 9;
constexpr uint8_t kIdKeyId = 11;

struct TypeName {
  Type type;
  std::string_view name;
};
constexpr std::array<TypeName, 6> kTypeNames = {{
    {Type::kIpv4Address, "ipv4-address"},
    {Type::kIpv6Address, "ipv6-address"},
    {Type::kFqdn, "fqdn"},
    {Type::kUserFqdn, "user-fqdn"},
    {Type::kKeyId, "key-id"},
    {Type::kDn, "dn"},
}};

bool IsLetterOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// CharText: a character as messages show it: 'c' if printable ASCII, else "byte 0xNN".
std::string CharText(char c) {
  auto u = static_cast<unsigned char>(c);
  if (c == ' ') return "a blank";
  if (u > 0x20 && u < 0x7f) return std::string("character '") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "byte 0x";
  s += kHex[u >> 4];
  s += kHex[u & 15];
  return s;
}

// FqdnProblem: "" if `text` is a valid FQDN identity (see model.h), else the reason.
std::string FqdnProblem(std::string_view text) {
  if (text.empty()) return "it is empty";
  for (char c : text) {
    if (!IsLetterOrDigit(c) && c != '-' && c != '.') {
      return StrCat(CharText(c), " is not allowed (letters, digits, '-' and '.')");
    }
  }
  if (text.size() > kMaxFqdnLength) return StrCat("longer than ", kMaxFqdnLength, " characters");
  if (text.back() == '.') return "ends with '.' (write the name without the final dot)";
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view label = text.substr(start, dot - start);
    if (label.empty()) return "a label is empty";
    if (label.size() > kMaxLabelLength) {
      return StrCat("a label is longer than ", kMaxLabelLength, " characters");
    }
    if (label.front() == '-' || label.back() == '-') return "a label begins or ends with '-'";
    start = dot + 1;
  }
  if (auto a = IpAddress::Parse(text); a && a->is_v4()) {
    return "it is an IPv4 address (use ipv4-address)";
  }
  return "";
}

// IsUserChar: RFC 5322 atext, and '.'.
bool IsUserChar(char c) {
  if (IsLetterOrDigit(c)) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

std::string UserFqdnProblem(std::string_view text) {
  size_t at = text.find('@');
  if (at == std::string_view::npos) return "not of the form user@domain";
  if (text.find('@', at + 1) != std::string_view::npos) return "more than one '@'";
  std::string_view user = text.substr(0, at);
  if (user.empty()) return "the user part (before '@') is empty";
  for (char c : user) {
    if (!IsUserChar(c)) return StrCat(CharText(c), " is not allowed in the user part");
  }
  if (user.size() > kMaxUserLength) {
    return StrCat("the user part is longer than ", kMaxUserLength, " characters");
  }
  if (auto a = IpAddress::Parse(text.substr(at + 1)); a) {
    return "the domain is an IP address, not an fqdn";
  }
  std::string domain = FqdnProblem(text.substr(at + 1));
  if (!domain.empty()) return "the domain is not a valid fqdn: " + domain;
  if (text.size() > kMaxUserFqdnLength) {
    return StrCat("longer than ", kMaxUserFqdnLength, " characters");
  }
  return "";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ParseKeyId: hex digits (optionally after 0x) to lowercase hex; "" and *error on failure.
std::string CanonicalKeyId(std::string_view text, std::string* error) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  if (text.empty()) {
    *error = StrCat("it is empty (1 to ", kMaxKeyIdOctets, " octets of hex)");
    return "";
  }
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    int v = HexValue(c);
    if (v < 0) {
      *error = StrCat(CharText(c), " is not a hex digit");
      return "";
    }
    out += "0123456789abcdef"[v];
  }
  if (out.size() % 2 != 0) {
    *error = "an odd number of hex digits (two per octet)";
    return "";
  }
  if (out.size() > 2 * kMaxKeyIdOctets) {
    *error = StrCat("longer than ", kMaxKeyIdOctets, " octets");
    return "";
  }
  return out;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view IkeIdentityTypeName(IkeIdentity::Type type) {
  for (const TypeName& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

std::optional<IkeIdentity::Type> ParseIkeIdentityType(std::string_view name) {
  for (const TypeName& t : kTypeNames) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

std::optional<IkeIdentity> IkeIdentity::Parse(Type type, std::string_view text,
                                              std::string* error) {
  std::string reason;
  IkeIdentity id;
  id.type = type;
  switch (type) {
    case Type::kIpv4Address:
    case Type::kIpv6Address: {
      bool v4 = type == Type::kIpv4Address;
      auto a = IpAddress::Parse(text);
      if (!a) {
        reason = v4 ? "not an IPv4 address" : "not an IPv6 address";
      } else if (a->is_v4() != v4) {
        reason = v4 ? "it is an IPv6 address (use ipv6-address)"
                    : "it is an IPv4 address (use ipv4-address)";
      } else {
        id.value = a->ToString();
      }
      break;
    }
    case Type::kFqdn:
      reason = FqdnProblem(text);
      id.value = std::string(text);
      break;
    case Type::kUserFqdn:
      reason = UserFqdnProblem(text);
      id.value = std::string(text);
      break;
    case Type::kKeyId:
      id.value = CanonicalKeyId(text, &reason);
      break;
    case Type::kDn: {
      // Canonical: OpenSSL's RFC 2253-like text of the parsed name, so two spellings of one
      // name are one identity.
      absl::StatusOr<std::vector<uint8_t>> der = pki::ParseDn(text);
      absl::StatusOr<std::string> canonical =
          der.ok() ? pki::DnToText(*der) : absl::StatusOr<std::string>(der.status());
      if (!canonical.ok()) {
        reason = std::string(canonical.status().message());
      } else {
        id.value = *std::move(canonical);
      }
      break;
    }
    default:
      reason = "unknown identity type";
      break;
  }
  if (!reason.empty()) {
    if (error != nullptr) *error = std::move(reason);
    return std::nullopt;
  }
  return id;
}

IkeIdentity IkeIdentity::ForAddress(const IpAddress& address) {
  IkeIdentity id;
  id.type = address.is_v6() ? Type::kIpv6Address : Type::kIpv4Address;
  id.value = address.ToString();
  return id;
}

std::string IkeIdentity::Check() const {
  std::string error;
  auto canonical = Parse(type, value, &error);
  if (!canonical) return error;
  if (canonical->value != value) {
    return StrCat("not in canonical form (write ", canonical->value, ")");
  }
  return "";
}

std::string IkeIdentity::ToString() const {
  std::string out(IkeIdentityTypeName(type));
  out += ' ';
  if (!value.empty() && (value[0] == '#' || value.find_first_of(" \t\"") != std::string::npos)) {
    // '#' at the start of a word would begin a comment, and a DN has blanks: quote (escaping
    // " and \ as names are).
    out += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out += value;
  }
  return out;
}

uint8_t IkeIdentity::WireType() const {
  switch (type) {
    case Type::kIpv4Address:
      return kIdIpv4Addr;
    case Type::kIpv6Address:
      return kIdIpv6Addr;
    case Type::kFqdn:
      return kIdFqdn;
    case Type::kUserFqdn:
      return kIdRfc822Addr;
    case Type::kKeyId:
      return kIdKeyId;
    case Type::kDn:
      return kIdDerAsn1Dn;
  }
  return 0;
}

std::vector<uint8_t> IkeIdentity::WireData() const {
  if (!Check().empty()) return {};
  switch (type) {
    case Type::kIpv4Address:
    case Type::kIpv6Address: {
      IpAddress a = *IpAddress::Parse(value);
      return std::vector<uint8_t>(a.bytes(), a.bytes() + a.size());
    }
    case Type::kFqdn:
    case Type::kUserFqdn:
      return std::vector<uint8_t>(value.begin(), value.end());
    case Type::kKeyId: {
      std::vector<uint8_t> out;
      out.reserve(value.size() / 2);
      for (size_t i = 0; i + 1 < value.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(HexValue(value[i]) << 4 | HexValue(value[i + 1])));
      }
      return out;
    }
    case Type::kDn: {
      absl::StatusOr<std::vector<uint8_t>> der = pki::ParseDn(value);
      return der.ok() ? *std::move(der) : std::vector<uint8_t>{};
    }
  }
  return {};
}

std::optional<IkeIdentity> IkeIdentity::FromWire(uint8_t id_type, std::span<const uint8_t> data) {
  switch (id_type) {
    case kIdIpv4Addr:
      if (data.size() != 4) return std::nullopt;
      return ForAddress(IpAddress::V4Bytes(data.data()));
    case kIdIpv6Addr:
      if (data.size() != 16) return std::nullopt;
      return ForAddress(IpAddress::V6Bytes(data.data()));
    case kIdFqdn:
    case kIdRfc822Addr: {
      // Parse refuses everything but the printable ASCII the configuration allows, so bytes
      // past 0x7f, NULs and blanks never reach an identity.
      std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
      auto id = Parse(id_type == kIdFqdn ? Type::kFqdn : Type::kUserFqdn, text);
      if (!id || id->value != text) return std::nullopt;
      return id;
    }
    case kIdKeyId: {
      if (data.empty() || data.size() > kMaxKeyIdOctets) return std::nullopt;
      static constexpr char kHex[] = "0123456789abcdef";
      IkeIdentity id;
      id.type = Type::kKeyId;
      for (uint8_t b : data) {
        id.value += kHex[b >> 4];
        id.value += kHex[b & 15];
      }
      return id;
    }
    case kIdDerAsn1Dn: {
      // Only a name the configuration could write back (an empty value, "CN=", cannot).
      absl::StatusOr<std::string> text = pki::DnToText(data);
      if (!text.ok()) return std::nullopt;
      auto id = Parse(Type::kDn, *text);
      if (!id || id->value != *text) return std::nullopt;
      return id;
    }
    default:
      return std::nullopt;
  }
}

bool IkeIdentity::Matches(const IkeIdentity& presented) const {
  if (type != presented.type) return false;
  switch (type) {
    case Type::kFqdn:
      return EqualsIgnoringCase(value, presented.value);
    case Type::kUserFqdn: {
      size_t at = value.find('@');
      size_t pat = presented.value.find('@');
      if (at == std::string::npos || pat == std::string::npos) return value == presented.value;
      return value.compare(0, at, presented.value, 0, pat) == 0 && at == pat &&
             EqualsIgnoringCase(std::string_view(value).substr(at + 1),
                                std::string_view(presented.value).substr(pat + 1));
    }
    case Type::kIpv4Address:
    case Type::kIpv6Address: {
      auto a = IpAddress::Parse(value);
      auto b = IpAddress::Parse(presented.value);
      return a && b ? *a == *b : value == presented.value;
    }
    case Type::kKeyId:
      return value == presented.value;
    case Type::kDn: {
      absl::StatusOr<std::vector<uint8_t>> a = pki::ParseDn(value);
      absl::StatusOr<std::vector<uint8_t>> b = pki::ParseDn(presented.value);
      return a.ok() && b.ok() && pki::DnEquals(*a, *b);
    }
  }
  return false;
}

std::optional<IkeIdentity> EffectiveLocalId(const IpsecTunnel& tunnel) {
  const auto* dk = std::get_if<DynamicKeying>(&tunnel.keying);
  if (dk == nullptr) return std::nullopt;
  if (dk->local_id) return dk->local_id;
  if (tunnel.local_gateway_address) return IkeIdentity::ForAddress(*tunnel.local_gateway_address);
  return std::nullopt;
}

std::optional<IkeIdentity> EffectiveLocalId(const IpsecGw& gw) {
  if (gw.local_id) return gw.local_id;
  if (gw.gateway_address) return IkeIdentity::ForAddress(*gw.gateway_address);
  return std::nullopt;
}

}  // namespace tunnelisa::config
