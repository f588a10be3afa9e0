// Value helpers of the configuration model: names, parsing of small value types, lookups.
#include "tunnelisa/config/model.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace tunnelisa::config {
namespace {

// ParseSmall: decimal digits only, no sign, value in [lo, hi].
std::optional<uint32_t> ParseSmall(std::string_view s, uint32_t lo, uint32_t hi) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<uint32_t>(v);
}

struct DscpNameEntry {
  std::string_view name;
  uint8_t value;
};
constexpr DscpNameEntry kDscpNames[] = {
    {"be", 0},    {"cs1", 8},   {"af11", 10}, {"af12", 12}, {"af13", 14}, {"cs2", 16},
    {"af21", 18}, {"af22", 20}, {"af23", 22}, {"cs3", 24},  {"af31", 26}, {"af32", 28},
    {"af33", 30}, {"cs4", 32},  {"af41", 34}, {"af42", 36}, {"af43", 38}, {"cs5", 40},
    {"ef", 46},   {"cs6", 48},  {"cs7", 56},  {"nc1", 48},  {"nc2", 56},  {"cs0", 0},
};

struct AuthMethodName {
  IkeAuthMethod method;
  std::string_view name;
};
constexpr AuthMethodName kAuthMethodNames[] = {
    {IkeAuthMethod::kPsk, "psk"},
    {IkeAuthMethod::kCertAuth, "cert-auth"},
    {IkeAuthMethod::kPlainPskXauth, "plain-psk-xauth"},
    {IkeAuthMethod::kPskRadius, "psk-radius"},
    {IkeAuthMethod::kCertRadius, "cert-radius"},
    {IkeAuthMethod::kEap, "eap"},
};
constexpr std::array<IkeAuthMethod, std::size(kAuthMethodNames)> kAuthMethods = [] {
  std::array<IkeAuthMethod, std::size(kAuthMethodNames)> all{};
  for (size_t i = 0; i < all.size(); ++i) all[i] = kAuthMethodNames[i].method;
  return all;
}();

constexpr std::array<DhGroup, 9> kDhGroups = {
    DhGroup::kModp768,  DhGroup::kModp1024, DhGroup::kModp1536,
    DhGroup::kModp2048, DhGroup::kModp3072, DhGroup::kEcp256,
    DhGroup::kEcp384,   DhGroup::kEcp521,   DhGroup::kCurve25519};

std::string Quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

ConfigSecret ConfigSecret::FromText(std::string_view text) {
  return ConfigSecret(SecretBytes(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
}

std::optional<IsaSlot> IsaSlot::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto card = ParseSmall(text.substr(0, slash), 1, 255);
  auto mda = ParseSmall(text.substr(slash + 1), 1, 255);
  if (!card || !mda) return std::nullopt;
  return IsaSlot{static_cast<uint8_t>(*card), static_cast<uint8_t>(*mda)};
}

std::string IsaSlot::ToString() const {
  return absl::StrCat(static_cast<int>(card), "/", static_cast<int>(mda));
}

std::optional<DhGroup> ParseDhGroup(uint64_t number) {
  for (DhGroup g : kDhGroups) {
    if (static_cast<uint64_t>(g) == number) return g;
  }
  return std::nullopt;
}

std::span<const DhGroup> AllDhGroups() { return kDhGroups; }

std::string_view IkeAuthMethodName(IkeAuthMethod method) {
  for (const AuthMethodName& e : kAuthMethodNames) {
    if (e.method == method) return e.name;
  }
  return "unknown";
}

std::optional<IkeAuthMethod> ParseIkeAuthMethod(std::string_view name) {
  for (const AuthMethodName& e : kAuthMethodNames) {
    if (e.name == name) return e.method;
  }
  return std::nullopt;
}

std::span<const IkeAuthMethod> AllIkeAuthMethods() { return kAuthMethods; }

bool UsesRadius(IkeAuthMethod method) {
  return method != IkeAuthMethod::kPsk && method != IkeAuthMethod::kCertAuth;
}

std::optional<IkeAuthMethod> PeerProof(IkeAuthMethod method) {
  switch (method) {
    case IkeAuthMethod::kPsk:
    case IkeAuthMethod::kPlainPskXauth:
    case IkeAuthMethod::kPskRadius:
      return IkeAuthMethod::kPsk;
    case IkeAuthMethod::kCertAuth:
    case IkeAuthMethod::kCertRadius:
      return IkeAuthMethod::kCertAuth;
    case IkeAuthMethod::kEap:
      return std::nullopt;
  }
  return std::nullopt;
}

uint8_t IkeAuthMethodVersion(IkeAuthMethod method) {
  switch (method) {
    case IkeAuthMethod::kPsk:
    case IkeAuthMethod::kCertAuth:  // IKEv1: RSA signatures (RFC 2409 5.1)
      return 0;
    case IkeAuthMethod::kPlainPskXauth:
      return 1;
    case IkeAuthMethod::kPskRadius:
    case IkeAuthMethod::kCertRadius:
    case IkeAuthMethod::kEap:
      return 2;
  }
  return 0;
}

IkeAuthMethod OwnAuthMethod(const IkePolicy& policy) {
  if (policy.own_auth_method) return *policy.own_auth_method;
  return PeerProof(policy.auth_method).value_or(IkeAuthMethod::kCertAuth);
}

EspSuite IpsecTransform::suite() const {
  EspSuite s;
  s.enc = esp_encryption_algorithm;
  if (esp_auth_algorithm.has_value()) {
    s.integ = *esp_auth_algorithm;
  } else {
    s.integ = GetEncryptionInfo(esp_encryption_algorithm).aead ? IntegrityAlgorithm::kNone
                                                               : IntegrityAlgorithm::kHmacSha1_96;
  }
  return s;
}

std::string ServiceRef::ToString() const {
  if (!name.empty()) return Quoted(name);
  return absl::StrCat(id);
}

std::optional<TunnelSapId> TunnelSapId::Parse(std::string_view text) {
  constexpr std::string_view kPrefix = "tunnel-";
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  size_t dot = text.find('.');
  size_t colon = text.find(':');
  if (dot == std::string_view::npos || colon == std::string_view::npos || colon < dot) {
    return std::nullopt;
  }
  auto group = ParseSmall(text.substr(0, dot), 1, kMaxTunnelGroupId);
  std::string_view kind = text.substr(dot + 1, colon - dot - 1);
  auto index = ParseSmall(text.substr(colon + 1), 1, 4094);
  if (!group || !index) return std::nullopt;
  TunnelSapId id;
  id.tunnel_group = *group;
  id.index = *index;
  if (kind == "public") {
    id.kind = SapKind::kPublic;
  } else if (kind == "private") {
    id.kind = SapKind::kPrivate;
  } else {
    return std::nullopt;
  }
  return id;
}

std::string TunnelSapId::ToString() const {
  return absl::StrCat("tunnel-", tunnel_group, ".", std::string(SapKindName(kind)), ":", index);
}

std::optional<InterfaceAddress> InterfaceAddress::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  auto len = ParseSmall(text.substr(slash + 1), 0, addr->is_v4() ? 32 : 128);
  if (!len) return std::nullopt;
  return InterfaceAddress{*addr, static_cast<int>(*len)};
}

std::string InterfaceAddress::ToString() const {
  return absl::StrCat(address.ToString(), "/", prefix_length);
}

std::string StaticRoute::NextHopText() const {
  switch (kind) {
    case NextHopKind::kIp:
      return next_hop.ToString();
    case NextHopKind::kIpsecTunnel:
      return "ipsec-tunnel " + Quoted(tunnel_name);
    case NextHopKind::kIpTunnel:
      return "ip-tunnel " + Quoted(tunnel_name);
  }
  return {};
}

std::string_view ServiceTypeName(ServiceType type) {
  return type == ServiceType::kIes ? "ies" : "vprn";
}

const Service* Config::FindService(const ServiceRef& ref) const {
  if (ref.name.empty()) {
    auto it = services.find(ref.id);
    return it == services.end() ? nullptr : &it->second;
  }
  for (const auto& [id, service] : services) {
    if (service.name == ref.name) return &service;
  }
  return nullptr;
}

ConfigCounts CountObjects(const Config& config) {
  ConfigCounts n;
  n.tunnel_groups = config.tunnel_groups.size();
  n.services = config.services.size();
  for (const auto& [sid, s] : config.services) {
    n.interfaces += s.interfaces.size();
    for (const auto& [name, i] : s.interfaces) {
      if (!i.sap) continue;
      n.ip_tunnels += i.sap->ip_tunnel ? 1 : 0;
      n.ipsec_tunnels += i.sap->ipsec_tunnels.size();
      n.ipsec_gws += i.sap->ipsec_gws.size();
    }
  }
  return n;
}

std::optional<uint8_t> ParseDscp(std::string_view name) {
  for (const DscpNameEntry& e : kDscpNames) {
    if (e.name == name) return e.value;
  }
  if (name.size() > 2 && name.substr(0, 2) == "cp") {
    auto v = ParseSmall(name.substr(2), 0, 63);
    if (v) return static_cast<uint8_t>(*v);
  }
  return std::nullopt;
}

std::string DscpName(uint8_t dscp) {
  for (const DscpNameEntry& e : kDscpNames) {
    if (e.value == dscp) return std::string(e.name);
  }
  return absl::StrCat("cp", static_cast<int>(dscp));
}

std::string_view AdminStateName(AdminState state) {
  return state == AdminState::kUp ? "up" : "down";
}
std::string_view IkeModeName(IkeMode mode) {
  return mode == IkeMode::kMain ? "main" : "aggressive";
}
std::string_view SapKindName(SapKind kind) {
  return kind == SapKind::kPublic ? "public" : "private";
}

}  // namespace tunnelisa::config
