// EngineRadius (engine_radius.h): the engine's RADIUS clients, one per radius-server-policy.
#include "engine/engine_radius.h"

#include <algorithm>

#include "common/str_cat.h"

namespace tunnelisa {
namespace {

// UsesServerPolicy: whether ipsec-gw `gw` reaches radius-server-policy `policy` through its
// authentication or accounting policy.
bool UsesServerPolicy(const config::Config& config, const config::IpsecGw& gw,
                      const std::string& policy) {
  auto auth = config.radius_authentication_policies.find(gw.radius_authentication_policy);
  if (auth != config.radius_authentication_policies.end() &&
      auth->second.radius_server_policy == policy) {
    return true;
  }
  auto acct = config.radius_accounting_policies.find(gw.radius_accounting_policy);
  return acct != config.radius_accounting_policies.end() &&
         acct->second.radius_server_policy == policy;
}

// NasAddressFor: the gateway address of the first ipsec-gw (services, interfaces and gateways
// in order) that uses radius-server-policy `policy`: the NAS-IP-Address when the policy names
// no nas-identifier (RFC 2865 4.1: an Access-Request carries one of the two).
IpAddress NasAddressFor(const config::Config& config, const std::string& policy) {
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      for (const auto& [name, gw] : i.sap->ipsec_gws) {
        if (gw.gateway_address && UsesServerPolicy(config, gw, policy)) {
          return *gw.gateway_address;
        }
      }
    }
  }
  return IpAddress();
}

std::vector<config::RadiusServer> ServersOf(const config::Config& config,
                                            const config::RadiusServerPolicy& policy) {
  std::vector<config::RadiusServer> servers;
  for (const auto& [index, name] : policy.servers) {
    auto s = config.radius_servers.find(name);
    if (s != config.radius_servers.end()) servers.push_back(s->second);
  }
  return servers;
}

}  // namespace

absl::StatusOr<radius::RadiusClientOptions> EngineRadius::OptionsFor(
    const config::Config& config, const config::RadiusServerPolicy& policy,
    const IpAddress& nas_address) {
  radius::RadiusClientOptions options;
  for (const auto& [index, name] : policy.servers) {
    auto s = config.radius_servers.find(name);
    if (s == config.radius_servers.end()) {
      return absl::FailedPreconditionError(
          StrCat("server ", index, ": radius-server \"", name, "\" does not exist"));
    }
    options.servers.push_back({.address = s->second.address,
                               .auth_port = s->second.auth_port,
                               .acct_port = s->second.acct_port,
                               .secret = s->second.secret.bytes().Clone()});
  }
  options.timeout = Duration::Seconds(policy.timeout_s);
  // `retry`: "requests to one server before the next" (docs/configuration.md), which is what
  // the client's `tries` counts (the first send included).
  options.tries = static_cast<int>(policy.retry);
  options.nas_identifier = policy.nas_identifier;
  if (policy.nas_identifier.empty()) options.nas_ip_address = nas_address;
  return options;
}

void EngineRadius::Reconcile(const config::Config& config) {
  std::erase_if(clients_, [&](const auto& entry) {
    return !config.radius_server_policies.contains(entry.first);
  });
  for (const auto& [name, policy] : config.radius_server_policies) {
    Built wanted{
        .policy = policy,
        .servers = ServersOf(config, policy),
        .nas_address = policy.nas_identifier.empty() ? NasAddressFor(config, name) : IpAddress()};
    auto it = clients_.find(name);
    if (it != clients_.end() && it->second.policy == wanted.policy &&
        it->second.servers == wanted.servers && it->second.nas_address == wanted.nas_address) {
      continue;  // unchanged: keep the client and the requests it has in flight
    }
    if (transport_ == nullptr) {
      wanted.error =
          "the host gave the engine no RADIUS transport (Host::radius), so no RADIUS server can "
          "be asked";
    } else {
      absl::StatusOr<radius::RadiusClientOptions> options =
          OptionsFor(config, policy, wanted.nas_address);
      if (options.ok()) options->identifiers = identifiers_;
      absl::StatusOr<std::unique_ptr<radius::RadiusClient>> client =
          options.ok()
              ? radius::RadiusClient::Create(*std::move(options), transport_, random_, log_)
              : absl::StatusOr<std::unique_ptr<radius::RadiusClient>>(options.status());
      if (client.ok()) {
        wanted.client = *std::move(client);
      } else {
        wanted.error = StrCat("radius-server-policy \"", name,
                              "\" is not usable: ", client.status().message());
        if (log_ != nullptr) log_->Log(LogLevel::kWarning, wanted.error);
      }
    }
    wanted.generation = next_generation_++;
    clients_[name] = std::move(wanted);
  }
}

absl::StatusOr<radius::RadiusClient*> EngineRadius::ClientFor(const std::string& policy,
                                                              uint64_t* generation) const {
  auto it = clients_.find(policy);
  if (it == clients_.end()) {
    return absl::FailedPreconditionError(
        StrCat("radius-server-policy \"", policy, "\" does not exist"));
  }
  if (it->second.client == nullptr) return absl::FailedPreconditionError(it->second.error);
  if (generation != nullptr) *generation = it->second.generation;
  return it->second.client.get();
}

radius::RadiusClient* EngineRadius::Live(const std::string& policy, uint64_t generation) const {
  auto it = clients_.find(policy);
  if (it == clients_.end() || it->second.generation != generation) return nullptr;
  return it->second.client.get();
}

absl::Status EngineRadius::UsableFor(const config::Config& config,
                                     const config::IpsecGw& gw) const {
  auto policy =
      gw.ike_policy ? config.ike_policies.find(*gw.ike_policy) : config.ike_policies.end();
  if (policy == config.ike_policies.end() || !config::UsesRadius(policy->second.auth_method)) {
    return absl::OkStatus();
  }
  auto auth = config.radius_authentication_policies.find(gw.radius_authentication_policy);
  if (auth == config.radius_authentication_policies.end()) {
    return absl::FailedPreconditionError("no radius-authentication-policy");
  }
  absl::StatusOr<radius::RadiusClient*> client = ClientFor(auth->second.radius_server_policy);
  if (!client.ok()) {
    return absl::FailedPreconditionError(
        StrCat("no SA: auth-method ", config::IkeAuthMethodName(policy->second.auth_method),
               " checks users through RADIUS: ", client.status().message()));
  }
  return absl::OkStatus();
}

void EngineRadius::OnDatagram(const radius::RadiusServerAddress& from,
                              std::span<const uint8_t> datagram, MonoTime now) {
  now_ = now;
  for (auto& [name, built] : clients_) {
    if (built.client == nullptr) continue;
    const bool asks =
        std::any_of(built.servers.begin(), built.servers.end(), [&](const config::RadiusServer& s) {
          return s.address == from.address &&
                 (s.auth_port == from.port || s.acct_port == from.port);
        });
    if (asks) built.client->OnDatagram(from, datagram, now);
  }
}

MonoTime EngineRadius::OnTimer(MonoTime now) {
  now_ = now;
  MonoTime next = MonoTime::Infinite();
  for (auto& [name, built] : clients_) {
    if (built.client != nullptr) next = std::min(next, built.client->OnTimer(now));
  }
  return next;
}

}  // namespace tunnelisa
