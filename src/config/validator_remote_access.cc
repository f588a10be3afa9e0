// The validator's RADIUS and remote-access rules (docs/configuration.md, "Remote access").
#include "config/validator_remote_access.h"

#include <set>

#include "common/str_cat.h"
#include "config/object_path.h"

namespace tunnelisa::config::internal {
namespace {

bool Printable(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool NameOk(const std::string& name) {
  return !name.empty() && name.size() <= 64 && Printable(name);
}

bool SecretOk(const ConfigSecret& s) {
  if (s.empty() || s.size() > 64) return false;
  auto bytes = s.bytes().span();
  return Printable(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

void RemoteAccessChecker::CheckRadius() {
  for (const auto& [name, r] : c_.radius_servers) {
    const std::string path = RadiusServerPath(name);
    if (r.name != name || !NameOk(name)) {
      Error(path, "", "radius-server names are 1..64 printable characters");
    }
    if (!r.address.is_v4()) Error(path, "", "radius-server address must be an IPv4 address");
    if (!SecretOk(r.secret)) Error(path, "", "secret must be 1..64 printable characters");
    if (r.auth_port == 0) Error(path, "auth-port", "auth-port must be 1..65535");
    if (r.acct_port == 0) Error(path, "acct-port", "acct-port must be 1..65535");
  }
  for (const auto& [name, p] : c_.radius_server_policies) {
    const std::string path = RadiusServerPolicyPath(name);
    if (p.name != name || !NameOk(name)) {
      Error(path, "", "radius-server-policy names are 1..64 printable characters");
    }
    if (p.timeout_s < 1 || p.timeout_s > 90) Error(path, "timeout", "timeout must be 1..90");
    if (p.retry < 1 || p.retry > 10) Error(path, "retry", "retry must be 1..10");
    if (!p.nas_identifier.empty() && !NameOk(p.nas_identifier)) {
      Error(path, "nas-identifier", "nas-identifier must be 1..64 printable characters");
    }
    if (p.servers.empty()) {
      Error(path, "",
            StrCat("radius-server-policy ", Quote(name),
                   " has no server (servers / server INDEX name \"NAME\")"));
    }
    std::map<std::string, uint32_t> first_index;
    for (const auto& [index, server] : p.servers) {
      const std::string field = StrCat("server ", index);
      if (index < 1 || index > kMaxRadiusServerIndex) {
        Error(path, field, StrCat("server index ", index, " is out of range 1..16"));
      }
      if (!c_.radius_servers.contains(server)) {
        Error(path, field,
              StrCat("server ", index, ": radius-server ", Quote(server),
                     " does not exist (config router radius-server)"));
      }
      auto [it, fresh] = first_index.emplace(server, index);
      if (!fresh) {
        Error(path, field,
              StrCat("radius-server ", Quote(server), " is listed twice (server ", it->second,
                     " and server ", index, "): each server once, in failover order"));
      }
    }
  }
  auto check_ref = [&](const std::string& path, const std::string& ref) {
    if (ref.empty()) {
      Error(path, "", "no radius-server-policy is configured");
    } else if (!c_.radius_server_policies.contains(ref)) {
      Error(path, "radius-server-policy",
            StrCat("radius-server-policy ", Quote(ref), " does not exist (config aaa)"));
    }
  };
  for (const auto& [name, p] : c_.radius_authentication_policies) {
    const std::string path = RadiusAuthPolicyPath(name);
    if (p.name != name || !NameOk(name)) {
      Error(path, "", "radius-authentication-policy names are 1..64 printable characters");
    }
    check_ref(path, p.radius_server_policy);
  }
  for (const auto& [name, p] : c_.radius_accounting_policies) {
    const std::string path = RadiusAcctPolicyPath(name);
    if (p.name != name || !NameOk(name)) {
      Error(path, "", "radius-accounting-policy names are 1..64 printable characters");
    }
    check_ref(path, p.radius_server_policy);
    if (p.update_interval_min && (*p.update_interval_min < 5 || *p.update_interval_min > 1440)) {
      Error(path, "update-interval", "update-interval must be 5..1440 minutes");
    }
  }
}

void RemoteAccessChecker::CheckGw(const std::string& path, const IpsecGw& g) {
  auto policy = g.ike_policy ? c_.ike_policies.find(*g.ike_policy) : c_.ike_policies.end();
  if (policy != c_.ike_policies.end() && UsesRadius(policy->second.auth_method) &&
      g.radius_authentication_policy.empty()) {
    Error(path, "ike-policy",
          StrCat("ike-policy ", policy->second.id, " uses auth-method ",
                 IkeAuthMethodName(policy->second.auth_method),
                 ", which checks users with RADIUS: the ipsec-gw needs a "
                 "radius-authentication-policy"));
  }
  if (!g.radius_authentication_policy.empty() &&
      !c_.radius_authentication_policies.contains(g.radius_authentication_policy)) {
    Error(path, "radius-authentication-policy",
          StrCat("radius-authentication-policy ", Quote(g.radius_authentication_policy),
                 " does not exist"));
  }
  if (!g.radius_accounting_policy.empty() &&
      !c_.radius_accounting_policies.contains(g.radius_accounting_policy)) {
    Error(
        path, "radius-accounting-policy",
        StrCat("radius-accounting-policy ", Quote(g.radius_accounting_policy), " does not exist"));
  }
  CheckPool(path, g);
}

void RemoteAccessChecker::CheckPool(const std::string& path, const IpsecGw& g) {
  if (!g.local_address_assignment) return;
  const auto& v4 = g.local_address_assignment->ipv4;
  if (!v4 || !v4->range_start || !v4->range_end) {
    Error(path, kLocalAddressAssignmentField,
          "local-address-assignment needs an ipv4 block with an address-range");
    return;
  }
  for (const IpAddress& dns : v4->dns_servers) {
    if (!dns.is_v4()) Error(path, kDnsServerField, "dns-server must be an IPv4 address");
  }
  if (v4->dns_servers.size() > kMaxDnsServers) {
    Error(path, kDnsServerField, StrCat("at most ", kMaxDnsServers, " dns-server lines"));
  }
  const IpAddress& start = *v4->range_start;
  const IpAddress& end = *v4->range_end;
  if (!start.is_v4() || !end.is_v4()) {
    Error(path, kAddressRangeField, "address-range must be two IPv4 addresses");
    return;
  }
  const std::string range = StrCat(start.ToString(), " ", end.ToString());
  if (start.v4_host_order() > end.v4_host_order()) {
    Error(path, kAddressRangeField,
          StrCat("address-range ", range, ": the start is above the end"));
    return;
  }
  const uint64_t size = uint64_t{end.v4_host_order()} - start.v4_host_order() + 1;
  if (size > kMaxAddressRangeSize) {
    Error(path, kAddressRangeField,
          StrCat("address-range ", range, " has ", size, " addresses; at most ",
                 kMaxAddressRangeSize));
  }
  // The guide: the private tunnel interface "can be used to define the subnet for remote access
  // IPSec clients": the pool lives inside it, so the clients' /32 routes fall in its subnet.
  if (!g.default_secure_service) {
    Error(path, kAddressRangeField,
          "address-range needs a default-secure-service (its private tunnel interface's subnet "
          "holds the pool)");
    return;
  }
  auto svc = c_.services.find(g.default_secure_service->service);
  if (svc == c_.services.end()) return;  // reported at default-secure-service
  auto itf = svc->second.interfaces.find(g.default_secure_service->interface);
  if (itf == svc->second.interfaces.end()) return;  // likewise
  const std::string if_name = Quote(g.default_secure_service->interface);
  if (!itf->second.address || !itf->second.address->address.is_v4()) {
    Error(path, kAddressRangeField,
          StrCat("address-range needs an IPv4 address on interface ", if_name,
                 " (the pool lies inside its subnet)"));
    return;
  }
  const InterfaceAddress& ia = *itf->second.address;
  const IpPrefix subnet = ia.subnet();
  if (!subnet.Contains(start) || !subnet.Contains(end)) {
    Error(path, kAddressRangeField,
          StrCat("address-range ", range, " is not inside the subnet ", subnet.ToString(),
                 " of interface ", if_name));
    return;
  }
  const uint32_t own = ia.address.v4_host_order();
  if (own >= start.v4_host_order() && own <= end.v4_host_order()) {
    Error(path, kAddressRangeField,
          StrCat("address-range ", range, " contains ", ia.address.ToString(),
                 ", the address of interface ", if_name));
  }
  std::vector<Pool>& seen = pools_[g.default_secure_service->service];
  for (const Pool& other : seen) {
    if (start.v4_host_order() <= other.end && other.start <= end.v4_host_order()) {
      Error(path, kAddressRangeField,
            StrCat("address-range ", range, " overlaps the pool of ipsec-gw ", Quote(other.gw),
                   " in service ", g.default_secure_service->service,
                   " (two clients would get the same address)"));
    }
  }
  seen.push_back({start.v4_host_order(), end.v4_host_order(), g.name});
}

}  // namespace tunnelisa::config::internal
