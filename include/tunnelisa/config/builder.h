// File: tunnelisa/config/builder.h
//
// ConfigBuilder: the C++ way to write what the configuration text says, for hosts that don't
// use text. Each handle edits one object, and each method mirrors one command of the text
// (docs/configuration.md lists the pairs), so a builder program and a .cfg file produce
// equal Configs (tested with the guide's Figure 27).
//
// Example (part of Figure 27):
//   ConfigBuilder b;
//   b.TunnelGroup(1).Primary({1, 1}).Backup({2, 1}).NoShutdown();
//   b.Ies(100, 1).Interface("public-ipsec-1").Address("1.1.1.1/24").Sap("tunnel-1.public:200");
//   absl::StatusOr<Config> config = b.Build();
//
// Methods taking text ("1.1.1.1/24", "tunnel-1.public:200") record an error instead of
// failing at once; Build() reports the first such error, else the validator's errors
// (InvalidArgument). Handles point into the builder: they stay valid while it lives and the
// object is not removed. Not thread-safe.
#ifndef TUNNELISA_CONFIG_BUILDER_H_
#define TUNNELISA_CONFIG_BUILDER_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/config/model.h"

namespace tunnelisa::config {

class ConfigBuilder;

class TunnelGroupBuilder {
 public:
  TunnelGroupBuilder& Primary(IsaSlot slot);
  TunnelGroupBuilder& Backup(IsaSlot slot);
  TunnelGroupBuilder& Mda(IsaSlot slot);  // multi-active member
  TunnelGroupBuilder& ActiveMdaNumber(uint32_t n);
  TunnelGroupBuilder& IpsecResponderOnly(bool on = true);
  TunnelGroupBuilder& Reassembly(uint32_t wait_ms = kDefaultReassemblyWaitMs);
  TunnelGroupBuilder& Shutdown();
  TunnelGroupBuilder& NoShutdown();
  TunnelGroup& raw() { return *g_; }

 private:
  friend class ConfigBuilder;
  explicit TunnelGroupBuilder(TunnelGroup* g) : g_(g) {}
  TunnelGroup* g_;
};

class IkePolicyBuilder {
 public:
  IkePolicyBuilder& AuthAlgorithm(IntegrityAlgorithm a);
  IkePolicyBuilder& DhGroup(config::DhGroup g);
  IkePolicyBuilder& EncryptionAlgorithm(tunnelisa::EncryptionAlgorithm a);
  IkePolicyBuilder& IkeMode(config::IkeMode m);
  IkePolicyBuilder& IkeVersion(uint8_t v);
  IkePolicyBuilder& IsakmpLifetime(uint32_t seconds);
  IkePolicyBuilder& IpsecLifetime(uint32_t seconds);
  IkePolicyBuilder& Dpd(config::Dpd dpd);
  // AuthMethod: `auth-method`, what the peer authenticates with. OwnAuthMethod:
  // `own-auth-method`, what this side uses; NoOwnAuthMethod: `no own-auth-method` (the same
  // as the peer's).
  IkePolicyBuilder& AuthMethod(IkeAuthMethod method);
  IkePolicyBuilder& OwnAuthMethod(IkeAuthMethod method);
  IkePolicyBuilder& NoOwnAuthMethod();
  IkePolicy& raw() { return *p_; }

 private:
  friend class ConfigBuilder;
  explicit IkePolicyBuilder(IkePolicy* p) : p_(p) {}
  IkePolicy* p_;
};

// CaProfileBuilder: `config system security pki ca-profile "NAME" create` (created shut down).
class CaProfileBuilder {
 public:
  CaProfileBuilder& CertFile(std::string_view name);  // `cert-file`, a PKI directory file
  CaProfileBuilder& CrlFile(std::string_view name);   // `crl-file`, a PKI directory file
  CaProfileBuilder& Shutdown();
  CaProfileBuilder& NoShutdown();
  config::CaProfile& raw() { return *p_; }

 private:
  friend class ConfigBuilder;
  explicit CaProfileBuilder(config::CaProfile* p) : p_(p) {}
  config::CaProfile* p_;
};

class TransformBuilder {
 public:
  TransformBuilder& EspAuthAlgorithm(IntegrityAlgorithm a);
  TransformBuilder& EspEncryptionAlgorithm(EncryptionAlgorithm a);
  TransformBuilder& PfsDhGroup(DhGroup g);
  TransformBuilder& IpsecLifetime(uint32_t seconds);
  IpsecTransform& raw() { return *t_; }

 private:
  friend class ConfigBuilder;
  explicit TransformBuilder(IpsecTransform* t) : t_(t) {}
  IpsecTransform* t_;
};

class IpTunnelBuilder {
 public:
  IpTunnelBuilder& GreHeader(bool on = true);
  IpTunnelBuilder& DestIp(std::string_view ip);
  IpTunnelBuilder& Source(std::string_view ip);
  IpTunnelBuilder& RemoteIp(std::string_view ip);
  IpTunnelBuilder& BackupRemoteIp(std::string_view ip);
  IpTunnelBuilder& DeliveryService(ServiceRef service);
  IpTunnelBuilder& Dscp(std::string_view name);  // "af11", "ef", ...
  IpTunnelBuilder& IpMtu(uint32_t mtu);
  IpTunnelBuilder& Reassembly(TunnelReassembly r);
  IpTunnelBuilder& ClearDfBit(bool on = true);
  IpTunnelBuilder& Shutdown();
  IpTunnelBuilder& NoShutdown();
  IpTunnel& raw() { return *t_; }

 private:
  friend class SapBuilder;
  IpTunnelBuilder(ConfigBuilder* b, IpTunnel* t) : b_(b), t_(t) {}
  ConfigBuilder* b_;
  IpTunnel* t_;
};

class IpsecTunnelBuilder {
 public:
  IpsecTunnelBuilder& SecurityPolicy(uint32_t id);
  IpsecTunnelBuilder& LocalGatewayAddress(std::string_view local, std::string_view peer,
                                          ServiceRef delivery_service);
  // DynamicKeying: `dynamic-keying` with `ike-policy`, `pre-shared-key`, `transform ...`.
  // Replaces manual keying; on a tunnel that already has dynamic keying it sets these three
  // and keeps the rest (local-id, remote-id, auto-establish, cert), as the text does. An
  // empty pre_shared_key sets none (a policy with cert-auth both ways needs none).
  IpsecTunnelBuilder& DynamicKeying(uint32_t ike_policy, std::string_view pre_shared_key,
                                    std::vector<uint32_t> transforms);
  // LocalId / RemoteId: `dynamic-keying local-id TYPE VALUE` / `remote-id TYPE VALUE` (a
  // tunnelisa extension), VALUE as the text writes it (IkeIdentity::Parse). They start an
  // empty dynamic-keying on a tunnel without keying; an invalid value, or a tunnel with
  // manual keying, is a recorded error. NoLocalId / NoRemoteId: `no local-id` / `no remote-id`.
  IpsecTunnelBuilder& LocalId(IkeIdentity::Type type, std::string_view value);
  IpsecTunnelBuilder& RemoteId(IkeIdentity::Type type, std::string_view value);
  IpsecTunnelBuilder& NoLocalId();
  IpsecTunnelBuilder& NoRemoteId();
  // Cert: the `dynamic-keying cert` block: this side's certificate and key (PKI directory
  // file names) and the trust anchor (a ca-profile name); "" leaves one unset. Starts an
  // empty dynamic-keying like LocalId. NoCert: `no cert`.
  IpsecTunnelBuilder& Cert(std::string_view cert, std::string_view key,
                           std::string_view trust_anchor);
  IpsecTunnelBuilder& NoCert();
  // ManualSa: one `manual-keying security-association` (keys in hex, as in the text).
  IpsecTunnelBuilder& ManualSa(uint32_t entry, SaDirection direction, uint32_t spi,
                               uint32_t transform, std::string_view authentication_key_hex,
                               std::string_view encryption_key_hex);
  IpsecTunnelBuilder& IpMtu(uint32_t mtu);
  IpsecTunnelBuilder& ClearDfBit(bool on = true);
  IpsecTunnelBuilder& Dpd(config::Dpd dpd);
  IpsecTunnelBuilder& Shutdown();
  IpsecTunnelBuilder& NoShutdown();
  IpsecTunnel& raw() { return *t_; }

 private:
  friend class SapBuilder;
  IpsecTunnelBuilder(ConfigBuilder* b, IpsecTunnel* t) : b_(b), t_(t) {}
  // Keying: the tunnel's dynamic keying (started if there is no keying), or nullptr with an
  // error recorded when it has manual keying.
  config::DynamicKeying* Keying(std::string_view command);
  ConfigBuilder* b_;
  IpsecTunnel* t_;
};

class IpsecGwBuilder {
 public:
  IpsecGwBuilder& GatewayAddress(std::string_view ip);
  IpsecGwBuilder& IkePolicy(uint32_t id);
  IpsecGwBuilder& PreSharedKey(std::string_view key);
  // LocalId / RemoteId: `local-id TYPE VALUE` / `remote-id TYPE VALUE` (tunnelisa extension);
  // an invalid value is a recorded error.
  IpsecGwBuilder& LocalId(IkeIdentity::Type type, std::string_view value);
  IpsecGwBuilder& RemoteId(IkeIdentity::Type type, std::string_view value);
  IpsecGwBuilder& NoLocalId();
  IpsecGwBuilder& NoRemoteId();
  // Cert / NoCert: the gateway's `cert` block (see IpsecTunnelBuilder::Cert).
  IpsecGwBuilder& Cert(std::string_view cert, std::string_view key, std::string_view trust_anchor);
  IpsecGwBuilder& NoCert();
  IpsecGwBuilder& DefaultTunnelTemplate(uint32_t id);
  IpsecGwBuilder& DefaultSecureService(uint32_t service, std::string_view interface);
  IpsecGwBuilder& Shutdown();
  IpsecGwBuilder& NoShutdown();
  IpsecGw& raw() { return *g_; }

 private:
  friend class SapBuilder;
  IpsecGwBuilder(ConfigBuilder* b, IpsecGw* g) : b_(b), g_(g) {}
  ConfigBuilder* b_;
  IpsecGw* g_;
};

class SapBuilder {
 public:
  // IpTunnel: the SAP's ip-tunnel (created, or the existing one if the name matches).
  IpTunnelBuilder IpTunnel(std::string_view name);
  IpsecTunnelBuilder IpsecTunnel(std::string_view name);
  IpsecGwBuilder IpsecGw(std::string_view name);
  SapBuilder& Shutdown();
  Sap& raw() { return *s_; }

 private:
  friend class InterfaceBuilder;
  SapBuilder(ConfigBuilder* b, Sap* s) : b_(b), s_(s) {}
  ConfigBuilder* b_;
  Sap* s_;
};

class InterfaceBuilder {
 public:
  InterfaceBuilder& Address(std::string_view address_with_length);
  InterfaceBuilder& IpMtu(uint32_t mtu);
  InterfaceBuilder& Shutdown();
  // Sap: "tunnel-G.public:N" or "tunnel-G.private:N"; at most one per interface.
  SapBuilder Sap(std::string_view sap_id);
  Interface& raw() { return *i_; }

 private:
  friend class ServiceBuilder;
  InterfaceBuilder(ConfigBuilder* b, Interface* i) : b_(b), i_(i) {}
  ConfigBuilder* b_;
  Interface* i_;
};

class ServiceBuilder {
 public:
  // Interface / TunnelInterface: `interface "NAME" create` / `interface "NAME" tunnel create`.
  InterfaceBuilder Interface(std::string_view name);
  InterfaceBuilder TunnelInterface(std::string_view name);
  // SecurityPolicyEntry: `ipsec security-policy P create entry E create local-ip remote-ip`.
  ServiceBuilder& SecurityPolicyEntry(uint32_t policy, uint32_t entry, std::string_view local_ip,
                                      std::string_view remote_ip);
  ServiceBuilder& StaticRoute(std::string_view prefix, std::string_view next_hop_ip);
  ServiceBuilder& StaticRouteToIpsecTunnel(std::string_view prefix, std::string_view tunnel);
  ServiceBuilder& StaticRouteToIpTunnel(std::string_view prefix, std::string_view tunnel);
  ServiceBuilder& Name(std::string_view name);
  ServiceBuilder& Shutdown();
  ServiceBuilder& NoShutdown();
  Service& raw() { return *s_; }

 private:
  friend class ConfigBuilder;
  ServiceBuilder(ConfigBuilder* b, Service* s) : b_(b), s_(s) {}
  ServiceBuilder& AddRoute(std::string_view prefix, config::StaticRoute route);
  ConfigBuilder* b_;
  Service* s_;
};

class ConfigBuilder {
 public:
  ConfigBuilder() = default;
  explicit ConfigBuilder(Config start) : config_(std::move(start)) {}

  // CaProfile: `config system security pki ca-profile "NAME" create` (or the existing one).
  CaProfileBuilder CaProfile(std::string_view name);
  TunnelGroupBuilder TunnelGroup(uint32_t id,
                                 TunnelGroupMode mode = TunnelGroupMode::kSingleActive);
  IkePolicyBuilder IkePolicy(uint32_t id);
  TransformBuilder IpsecTransform(uint32_t id);
  ConfigBuilder& TunnelTemplate(uint32_t id, std::vector<uint32_t> transforms);
  ServiceBuilder Ies(uint32_t id, uint32_t customer);
  ServiceBuilder Vprn(uint32_t id, uint32_t customer);

  // Build: the configuration, validated (see the file comment). The builder keeps its state.
  absl::StatusOr<Config> Build() const;
  // config: what has been built so far, unvalidated.
  const Config& config() const { return config_; }

  // RecordError: used by the handles for text that does not parse.
  void RecordError(std::string message);

 private:
  ServiceBuilder Service(uint32_t id, uint32_t customer, ServiceType type);
  Config config_;
  std::vector<std::string> errors_;
};

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_BUILDER_H_
