// File: tunnelisa/config/model.h
//
// The typed configuration model: what an operator configures on a router in the vendor guide's
// SR OS syntax (see docs/configuration.md), as plain structs with value semantics. The text
// parser (parser.h), the C++ builder (builder.h) and the canonical writer (writer.h) all work
// on these types; the engine builds tunnels and SAs from them.
//
// Conventions:
//  - Keyed collections are std::map by the object's key (id or name), so a Config compares with
//    == and copies like any value, and the canonical writer's order is the key order.
//  - Every default below is the router's default (docs/configuration.md lists them).
//  - Secrets (pre-shared keys, manual keys) are ConfigSecret: a copyable wrapper around
//    SecretBytes. A Config must be copyable (the diff keeps the running and the candidate
//    configuration side by side, hosts keep snapshots), and each copy is again a SecretBytes
//    that wipes itself and can't be printed; key bytes never pass through std::string.
//
// Thread-safety: plain values; no internal synchronisation.
#ifndef TUNNELISA_CONFIG_MODEL_H_
#define TUNNELISA_CONFIG_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tunnelisa/algorithms.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::config {

// AdminState: `shutdown` (kDown) or `no shutdown` (kUp).
enum class AdminState : uint8_t { kDown, kUp };

// ConfigSecret: key material inside the model. Copyable (each copy is a fresh SecretBytes that
// wipes itself); compared in constant time; never printed except by the canonical writer.
class ConfigSecret {
 public:
  ConfigSecret() = default;
  explicit ConfigSecret(SecretBytes bytes) : bytes_(std::move(bytes)) {}
  // FromText: the bytes of a quoted string such as a pre-shared key.
  static ConfigSecret FromText(std::string_view text);
  ConfigSecret(const ConfigSecret& other) : bytes_(other.bytes_.Clone()) {}
  ConfigSecret& operator=(const ConfigSecret& other) {
    if (this != &other) bytes_ = other.bytes_.Clone();
    return *this;
  }
  ConfigSecret(ConfigSecret&&) noexcept = default;
  ConfigSecret& operator=(ConfigSecret&&) noexcept = default;

  const SecretBytes& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  bool operator==(const ConfigSecret& other) const { return bytes_.Equals(other.bytes_); }

 private:
  SecretBytes bytes_;
};

// ---------------------------------------------------------------------------------------------
// config isa
// ---------------------------------------------------------------------------------------------

// IsaSlot: an MS-ISA position "card/mda", e.g. 1/1. Both numbers 1..255.
struct IsaSlot {
  uint8_t card = 0;
  uint8_t mda = 0;
  // Parse: "1/1"; nullopt on anything else.
  static std::optional<IsaSlot> Parse(std::string_view text);
  std::string ToString() const;
  auto operator<=>(const IsaSlot&) const = default;
};

enum class TunnelGroupMode : uint8_t { kSingleActive, kMultiActive };

inline constexpr uint32_t kMaxTunnelGroupId = 16;
inline constexpr uint32_t kDefaultReassemblyWaitMs = 2000;  // `reassembly` without a value

// TunnelGroup: `config isa tunnel-group ID create [multi-active]`.
struct TunnelGroup {
  uint32_t id = 0;  // 1..kMaxTunnelGroupId
  TunnelGroupMode mode = TunnelGroupMode::kSingleActive;
  std::optional<IsaSlot> primary;  // single-active only
  std::optional<IsaSlot> backup;   // single-active only (cold standby)
  std::vector<IsaSlot> mdas;       // multi-active members, sorted, unique
  uint32_t active_mda_number = 1;  // multi-active: how many members are active
  bool ipsec_responder_only = false;
  std::optional<uint32_t> reassembly_wait_ms;  // nullopt: `no reassembly` (the default)
  AdminState admin = AdminState::kDown;
  std::string description;
  bool operator==(const TunnelGroup&) const = default;
};

// ---------------------------------------------------------------------------------------------
// config ipsec
// ---------------------------------------------------------------------------------------------

// DhGroup (tunnelisa/algorithms.h): the `dh-group` / `pfs-dh-group` value.
using ::tunnelisa::DhGroup;
// ParseDhGroup: the group with this number, or nullopt if it is not one of the above.
std::optional<DhGroup> ParseDhGroup(uint64_t number);
std::span<const DhGroup> AllDhGroups();

enum class IkeMode : uint8_t { kMain, kAggressive };

// Dpd: dead peer detection, `dpd [interval S] [max-retries N] [reply-only]`.
struct Dpd {
  uint32_t interval_s = 30;  // 10..300
  uint32_t max_retries = 3;  // 1..32
  bool reply_only = false;
  bool operator==(const Dpd&) const = default;
};

// IkeAuthMethod: how one side of an IKE SA authenticates (`auth-method` / `own-auth-method`).
// Words in parentheses.
//   kPsk           ("psk") the pre-shared key.
//   kCertAuth      ("cert-auth") an X.509 certificate (IKEv2; the guide's "Use Certificate
//                  Authentication for IKEv2").
// The remote-access methods (the guide's "xauth with RADIUS support"), `auth-method` only, and
// only on an ipsec-gw with a radius-authentication-policy (the user is checked by RADIUS):
//   kPlainPskXauth ("plain-psk-xauth") IKEv1: the client proves the pre-shared key, then the
//                  gateway, as XAUTH server, asks for a user name and password.
//   kPskRadius     ("psk-radius") IKEv2: the client's pre-shared key, then an EAP exchange
//                  relayed to RADIUS.
//   kCertRadius    ("cert-radius") IKEv2: the client's certificate, then EAP relayed to RADIUS.
//   kEap           ("eap") IKEv2: EAP only, relayed to RADIUS.
enum class IkeAuthMethod : uint8_t {
  kPsk,
  kCertAuth,
  kPlainPskXauth,
  kPskRadius,
  kCertRadius,
  kEap,
};
// IkeAuthMethodName: the word the configuration writes. ParseIkeAuthMethod: the inverse;
// nullopt for any other word. AllIkeAuthMethods: every method, in the order messages list
// them (the words come from one table, so methods added later need no other change here).
std::string_view IkeAuthMethodName(IkeAuthMethod method);
std::optional<IkeAuthMethod> ParseIkeAuthMethod(std::string_view name);
std::span<const IkeAuthMethod> AllIkeAuthMethods();
// UsesRadius: whether `method` authenticates a user through RADIUS (the four remote-access
// methods above).
bool UsesRadius(IkeAuthMethod method);
// PeerProof: what the peer's own IKE authentication (its AUTH payload) is checked with under
// `method`: kPsk (psk, plain-psk-xauth, psk-radius), kCertAuth (cert-auth, cert-radius), or
// nullopt for eap (EAP alone authenticates the client).
std::optional<IkeAuthMethod> PeerProof(IkeAuthMethod method);
// IkeAuthMethodVersion: the IKE version `method` needs (1 for plain-psk-xauth, 2 for the
// RADIUS IKEv2 methods), or 0 when it works with both (psk, cert-auth; IKEv1 with cert-auth
// has further limits: the validator's CheckIkePolicy).
uint8_t IkeAuthMethodVersion(IkeAuthMethod method);

// IkePolicy: `config ipsec ike-policy ID create`. The auth-algorithm is also the PRF.
struct IkePolicy {
  uint32_t id = 0;  // 1..2048
  IntegrityAlgorithm auth_algorithm = IntegrityAlgorithm::kHmacSha1_96;
  DhGroup dh_group = DhGroup::kModp1024;
  EncryptionAlgorithm encryption_algorithm = EncryptionAlgorithm::kAes128Cbc;
  IkeMode ike_mode = IkeMode::kMain;
  uint8_t ike_version = 1;             // 1 or 2
  uint32_t isakmp_lifetime_s = 86400;  // IKE SA, 1200..31536000
  uint32_t ipsec_lifetime_s = 3600;    // CHILD SA, 1200..31536000
  // auth_method: `auth-method`, what the peer must authenticate with. own_auth_method:
  // `own-auth-method`, what this side uses; nullopt: the same as auth_method. The two differ
  // for asymmetric authentication (IKEv2 only): e.g. the peer proves itself with a
  // certificate, this side with the pre-shared key.
  IkeAuthMethod auth_method = IkeAuthMethod::kPsk;
  std::optional<IkeAuthMethod> own_auth_method;
  std::optional<Dpd> dpd;
  std::string description;
  bool operator==(const IkePolicy&) const = default;
};

// OwnAuthMethod: the method this side authenticates with under `policy`: its own-auth-method
// (psk or cert-auth), else the one auth-method implies: psk for psk, plain-psk-xauth and
// psk-radius; cert-auth for cert-auth, cert-radius and eap (RFC 7296 2.16: with EAP the
// responder proves itself with a public-key signature).
IkeAuthMethod OwnAuthMethod(const IkePolicy& policy);

// IpsecTransform: `config ipsec ipsec-transform ID [create]`.
struct IpsecTransform {
  uint32_t id = 0;  // 1..2048
  // esp_auth_algorithm: nullopt means the default: sha1 with a non-AEAD cipher, none with an
  // AEAD cipher (aes128gcm16, chacha20poly1305, ...).
  std::optional<IntegrityAlgorithm> esp_auth_algorithm;
  EncryptionAlgorithm esp_encryption_algorithm = EncryptionAlgorithm::kAes128Cbc;
  std::optional<DhGroup> pfs_dh_group;
  std::optional<uint32_t> ipsec_lifetime_s;  // nullopt: the ike-policy's ipsec-lifetime
  std::string description;
  // suite: the ESP algorithms an SA of this transform uses.
  EspSuite suite() const;
  bool operator==(const IpsecTransform&) const = default;
};

// TunnelTemplate: `config ipsec tunnel-template ID create`, the transforms an ipsec-gw offers.
struct TunnelTemplate {
  uint32_t id = 0;
  std::vector<uint32_t> transforms;  // 1..4, in preference order
  std::string description;
  bool operator==(const TunnelTemplate&) const = default;
};

// ---------------------------------------------------------------------------------------------
// config service ies|vprn
// ---------------------------------------------------------------------------------------------

// ServiceRef: a service named by id (`delivery-service 100`) or by name.
struct ServiceRef {
  uint32_t id = 0;   // set when named by id
  std::string name;  // set when named by name
  static ServiceRef Id(uint32_t id) { return {id, {}}; }
  static ServiceRef Name(std::string name) { return {0, std::move(name)}; }
  std::string ToString() const;  // "100" or "\"name\""
  bool operator==(const ServiceRef&) const = default;
};

// SecurityPolicyEntry: `entry ID create` with `local-ip` / `remote-ip`. The prefix IpPrefix()
// (no family) stands for `any`.
struct SecurityPolicyEntry {
  uint32_t id = 0;  // 1..16
  std::optional<IpPrefix> local_ip;
  std::optional<IpPrefix> remote_ip;
  bool operator==(const SecurityPolicyEntry&) const = default;
};

// SecurityPolicy: `config service vprn N ipsec security-policy ID create`.
struct SecurityPolicy {
  uint32_t id = 0;  // 1..8192
  std::map<uint32_t, SecurityPolicyEntry> entries;
  bool operator==(const SecurityPolicy&) const = default;
};

// TunnelReassembly: an ip-tunnel's `reassembly` setting.
struct TunnelReassembly {
  enum class Mode : uint8_t {
    kTunnelGroup,  // `reassembly use-tunnel-group-setting` (the default)
    kEnabled,      // `reassembly [wait-msecs]`
    kDisabled,     // `no reassembly`
  };
  Mode mode = Mode::kTunnelGroup;
  uint32_t wait_ms = kDefaultReassemblyWaitMs;  // kEnabled only
  bool operator==(const TunnelReassembly&) const = default;
};

// IpTunnel: `ip-tunnel "NAME" create` under a private tunnel SAP. GRE with `gre-header`,
// IP-IP with `no gre-header` (the default).
struct IpTunnel {
  std::string name;
  bool gre_header = false;
  std::optional<IpAddress> dest_ip;           // mandatory: private address of the far end
  std::optional<IpAddress> source;            // in the public SAP interface's subnet
  std::optional<IpAddress> remote_ip;         // outer destination
  std::optional<IpAddress> backup_remote_ip;  // used when remote-ip is unreachable
  std::optional<ServiceRef> delivery_service;
  std::optional<uint8_t> dscp;  // 0..63; nullopt: copy the inner packet's DSCP
  std::optional<uint32_t> ip_mtu;
  TunnelReassembly reassembly;
  bool clear_df_bit = false;
  AdminState admin = AdminState::kDown;
  std::string description;
  bool operator==(const IpTunnel&) const = default;
};

// ManualSa: one `security-association` line of `manual-keying`.
struct ManualSa {
  uint32_t entry = 0;  // 1..16
  SaDirection direction = SaDirection::kInbound;
  uint32_t spi = 0;  // 256..4294967295
  uint32_t transform = 0;
  ConfigSecret authentication_key;  // empty for AEAD transforms
  ConfigSecret encryption_key;      // cipher key followed by the salt for AEAD transforms
  bool operator==(const ManualSa&) const = default;
};

struct ManualKeying {
  std::vector<ManualSa> security_associations;  // sorted by (entry, direction), unique
  bool operator==(const ManualKeying&) const = default;
};

// IkeIdentity: the IKE identity one side uses (RFC 7296 3.5, the ID payload), set with
// `local-id TYPE VALUE` / `remote-id TYPE VALUE` under `dynamic-keying` and `ipsec-gw` (a
// tunnelisa extension; the guide has no such command). `value` is canonical text, which the
// validator enforces (Check()):
//   kIpv4Address  "192.0.2.1"               (IpAddress::ToString form)
//   kIpv6Address  "2001:db8::1"             (IpAddress::ToString form)
//   kFqdn         "vpn.example.com"          1..253 characters; labels of 1..63 letters, digits
//                                            and '-', not beginning or ending with '-'; no
//                                            final '.'; not an IPv4 address; case as written
//   kUserFqdn     "alice@vpn.example.com"    RFC 822: USER@FQDN, USER 1..64 characters of
//                                            letters, digits and !#$%&'*+-/=?^_`{|}~. ;
//                                            at most 255 characters in all
//   kKeyId        "0a0b0c"                   1..64 octets as lowercase hex (no 0x)
//   kDn           "C=US, O=Example, CN=gw1"  an X.509 distinguished name (ID_DER_ASN1_DN),
//                                            written as pki::DnToText writes it (the word
//                                            `dn`; quote it: it has blanks)
// With certificate authentication a remote-id of any type must be carried by the peer's
// certificate (its subject, or a subjectAltName of that type); see docs/configuration.md.
struct IkeIdentity {
  enum class Type : uint8_t { kIpv4Address, kIpv6Address, kFqdn, kUserFqdn, kKeyId, kDn };
  Type type = Type::kFqdn;
  std::string value;
  bool operator==(const IkeIdentity&) const = default;

  // Parse: `text` as the configuration writes a value of `type` (addresses in any form
  // IpAddress::Parse takes; key-id hex in either case, with or without 0x), canonicalised.
  // nullopt if it is invalid, with the reason (e.g. "a label is empty") in *error if given.
  static std::optional<IkeIdentity> Parse(Type type, std::string_view text,
                                          std::string* error = nullptr);
  // ForAddress: the IP-address identity of `address` (the default local identity).
  static IkeIdentity ForAddress(const IpAddress& address);
  // Check: "" if `value` is valid, canonical text for `type`; else the reason.
  std::string Check() const;
  // ToString: "TYPE VALUE" as the configuration writes it, e.g. "fqdn vpn.example.com" (the
  // value is quoted if it begins with '#').
  std::string ToString() const;

  // WireType: the RFC 7296 ID Type: 1 ID_IPV4_ADDR, 2 ID_FQDN, 3 ID_RFC822_ADDR, 9 ID_DER_ASN1_DN,
  // 5 ID_IPV6_ADDR, 11 ID_KEY_ID.
  uint8_t WireType() const;
  // WireData: the ID payload's Identification Data: 4 or 16 address octets, the FQDN or
  // RFC 822 address as ASCII without a terminator, the key-id's octets. Empty if the identity
  // does not pass Check().
  std::vector<uint8_t> WireData() const;
  // FromWire: the identity an ID payload carries, or nullopt when it is not one a
  // configuration could name: an ID type other than the five above, an address of the wrong
  // length, empty data, and FQDN / RFC 822 text (or a key-id longer than 64 octets) that the
  // configuration would refuse (non-ASCII, blanks, '_', ...). FromWire(WireType(), WireData())
  // gives back every valid identity; whatever it returns passes Check(). A nullopt can't match
  // any configured remote-id; with remote-id unset the peer's ID needs no conversion at all.
  static std::optional<IkeIdentity> FromWire(uint8_t id_type, std::span<const uint8_t> data);
  // Matches: whether the identity a peer presents is this (configured) one: equal, except
  // that FQDNs and the domain of an RFC 822 address compare without regard to ASCII case (the
  // user part before '@' compares exactly).
  bool Matches(const IkeIdentity& presented) const;
};

// IkeIdentityTypeName: "ipv4-address", "ipv6-address", "fqdn", "user-fqdn", "key-id".
std::string_view IkeIdentityTypeName(IkeIdentity::Type type);
std::optional<IkeIdentity::Type> ParseIkeIdentityType(std::string_view name);

// CertAuth: the `cert` block of `dynamic-keying` or an `ipsec-gw`: this side's certificate and
// private key, and the ca-profile the peer's certificate chain must lead to. `cert` and `key`
// are file names in the PKI directory (pki::PkiStore names: no '/', not starting with '.'),
// `trust_anchor` the name of a `ca-profile`; empty means not set. Which ones are required
// depends on the ike-policy (docs/configuration.md, "Certificates"): `cert` and `key` when
// this side uses cert-auth, `trust_anchor` when the peer does. With certificate
// authentication this side's IKE identity is the subject DN of `cert` (the guide's note).
struct CertAuth {
  std::string cert;
  std::string key;
  std::string trust_anchor;
  bool operator==(const CertAuth&) const = default;
};

// DynamicKeying: `dynamic-keying` of an ipsec-tunnel. local_id unset: IKE uses the tunnel's
// local-gateway-address as an IP-address identity; remote_id unset: any identity the peer
// presents is accepted (the pre-shared key authenticates it).
struct DynamicKeying {
  std::optional<uint32_t> ike_policy;
  std::optional<ConfigSecret> pre_shared_key;
  std::optional<IkeIdentity> local_id;   // `local-id TYPE VALUE` (tunnelisa extension)
  std::optional<IkeIdentity> remote_id;  // `remote-id TYPE VALUE` (tunnelisa extension)
  std::vector<uint32_t> transforms;      // 1..4, in preference order
  bool auto_establish = false;
  std::optional<CertAuth> cert;  // the `cert` block; nullopt: none
  // request_address: `request-address` (tunnelisa extension): this side is a remote-access
  // client and asks the peer's ipsec-gw for an inner address (IKEv2: CP(CFG_REQUEST); IKEv1:
  // Mode Config REQUEST).
  bool request_address = false;
  // xauth_user / xauth_password: `xauth-user "NAME" password "SECRET"` (tunnelisa extension,
  // IKEv1): this side is a remote-access client of an ipsec-gw with auth-method
  // plain-psk-xauth: phase 1 offers XAUTHInitPreShared and the gateway's XAUTH request is
  // answered with this user and password (with request-address, Mode Config then asks for
  // the inner address). Empty user: none.
  std::string xauth_user;
  std::optional<ConfigSecret> xauth_password;
  // eap_identity / eap_password: `eap-identity NAME`, `eap-password SECRET` (tunnelisa
  // extensions, IKEv2, both or neither): this side is a remote-access client that
  // authenticates to an ipsec-gw with EAP (MD5-Challenge or MSCHAPv2, whichever the gateway's
  // RADIUS server asks for) as this user, instead of an AUTH payload of its own; the
  // ike-policy's auth-method still says how the gateway proves itself (psk or cert-auth).
  std::optional<std::string> eap_identity;
  std::optional<ConfigSecret> eap_password;
  bool operator==(const DynamicKeying&) const = default;
};

// IpsecTunnel: `ipsec-tunnel "NAME" create` under a private tunnel SAP (static LAN-to-LAN).
struct IpsecTunnel {
  std::string name;
  std::optional<uint32_t> security_policy;  // an id in the tunnel's own service
  std::optional<IpAddress> local_gateway_address;
  std::optional<IpAddress> peer;
  std::optional<ServiceRef> delivery_service;
  std::variant<std::monostate, ManualKeying, DynamicKeying> keying;
  std::optional<uint32_t> ip_mtu;
  bool clear_df_bit = false;
  std::optional<Dpd> dpd;
  AdminState admin = AdminState::kDown;
  std::string description;
  bool operator==(const IpsecTunnel&) const = default;
};

// SecureServiceRef: `default-secure-service SVC interface "IF"` of an ipsec-gw.
struct SecureServiceRef {
  uint32_t service = 0;
  std::string interface;
  bool operator==(const SecureServiceRef&) const = default;
};

// Ipv4AddressAssignment: the `ipv4` block of an ipsec-gw's `local-address-assignment`: the
// pool remote-access clients get their inner address from (`address-range START END`, inside
// the subnet of the default-secure-service's private tunnel interface, at most 65536
// addresses, not the interface's own) and the DNS servers announced to them (`dns-server
// A.B.C.D`, one line each, at most 2, in the order configured).
struct Ipv4AddressAssignment {
  std::optional<IpAddress> range_start;  // set together with range_end
  std::optional<IpAddress> range_end;
  std::vector<IpAddress> dns_servers;
  bool operator==(const Ipv4AddressAssignment&) const = default;
};

inline constexpr uint64_t kMaxAddressRangeSize = 65536;
inline constexpr size_t kMaxDnsServers = 2;

// LocalAddressAssignment: `local-address-assignment` of an ipsec-gw: addresses for
// remote-access clients from a local pool (an address RADIUS returns, Framed-IP-Address, is
// used instead when there is one).
struct LocalAddressAssignment {
  std::optional<Ipv4AddressAssignment> ipv4;  // the `ipv4` block
  bool operator==(const LocalAddressAssignment&) const = default;
};

// IpsecGw: `ipsec-gw "NAME" create` under a public tunnel SAP: a dynamic LAN-to-LAN responder,
// and with a remote-access auth-method or a local-address-assignment a remote-access
// concentrator (the guide's Figure 28).
struct IpsecGw {
  std::string name;
  std::optional<IpAddress> gateway_address;  // in the SAP interface's subnet
  std::optional<uint32_t> ike_policy;
  std::optional<ConfigSecret> pre_shared_key;
  // local_id unset: the gateway-address as an IP-address identity; remote_id unset: any
  // identity the peer presents (see DynamicKeying).
  std::optional<IkeIdentity> local_id;   // `local-id TYPE VALUE` (tunnelisa extension)
  std::optional<IkeIdentity> remote_id;  // `remote-id TYPE VALUE` (tunnelisa extension)
  std::optional<CertAuth> cert;          // the `cert` block; nullopt: none
  std::optional<uint32_t> default_tunnel_template;
  std::optional<SecureServiceRef> default_secure_service;
  std::optional<Dpd> dpd;
  // radius_authentication_policy / radius_accounting_policy: `radius-authentication-policy
  // "NAME"` / `radius-accounting-policy "NAME"`, names in Config; empty: none. The first is
  // required when the ike-policy's auth-method uses RADIUS.
  std::string radius_authentication_policy;
  std::string radius_accounting_policy;
  std::optional<LocalAddressAssignment> local_address_assignment;
  AdminState admin = AdminState::kDown;
  std::string description;
  bool operator==(const IpsecGw&) const = default;
};

// EffectiveLocalId: the identity IKE sends for a tunnel / ipsec-gw: its local-id, else its
// local-gateway-address / gateway-address as an IP-address identity; nullopt when neither is
// configured (and, for a tunnel, when it has no dynamic-keying).
std::optional<IkeIdentity> EffectiveLocalId(const IpsecTunnel& tunnel);
std::optional<IkeIdentity> EffectiveLocalId(const IpsecGw& gw);

enum class SapKind : uint8_t { kPublic, kPrivate };

// TunnelSapId: "tunnel-<group>.public:<index>" or "tunnel-<group>.private:<index>".
struct TunnelSapId {
  uint32_t tunnel_group = 0;  // 1..kMaxTunnelGroupId
  SapKind kind = SapKind::kPublic;
  uint32_t index = 0;  // 1..4094
  // Parse: nullopt unless the text has exactly the form above with numbers in range.
  static std::optional<TunnelSapId> Parse(std::string_view text);
  std::string ToString() const;
  auto operator<=>(const TunnelSapId&) const = default;
};

// Sap: `sap tunnel-G.public:N create` or `sap tunnel-G.private:N create`.
struct Sap {
  TunnelSapId id;
  AdminState admin = AdminState::kUp;
  std::optional<uint32_t> ingress_qos;  // `ingress` / `qos N`
  std::optional<uint32_t> egress_qos;   // `egress` / `qos N`
  // Private SAPs: at most one ip-tunnel (guide: one GRE or IP-IP tunnel per SAP) and any
  // number of ipsec-tunnels. Public SAPs: ipsec-gws.
  std::optional<IpTunnel> ip_tunnel;
  std::map<std::string, IpsecTunnel> ipsec_tunnels;
  std::map<std::string, IpsecGw> ipsec_gws;
  std::string description;
  bool operator==(const Sap&) const = default;
};

// InterfaceAddress: `address 10.0.0.1/30`: the interface's own address and its subnet.
struct InterfaceAddress {
  IpAddress address;
  int prefix_length = 0;
  // Parse: "a.b.c.d/len" or "v6/len" (the length is mandatory).
  static std::optional<InterfaceAddress> Parse(std::string_view text);
  IpPrefix subnet() const { return IpPrefix::Make(address, prefix_length); }
  std::string ToString() const;
  bool operator==(const InterfaceAddress&) const = default;
};

// Interface: `interface "NAME" [tunnel] create`. One SAP per interface.
struct Interface {
  std::string name;
  bool tunnel = false;  // a private tunnel interface (`tunnel` at creation)
  std::optional<InterfaceAddress> address;
  std::optional<std::string> unnumbered;  // `unnumbered "IF"|IP` (not on private tunnel SAPs)
  std::optional<uint32_t> ip_mtu;         // 512..9000
  AdminState admin = AdminState::kUp;
  std::optional<Sap> sap;
  std::string description;
  bool operator==(const Interface&) const = default;
};

enum class NextHopKind : uint8_t { kIp, kIpsecTunnel, kIpTunnel };

// StaticRoute: `static-route PREFIX next-hop IP|ipsec-tunnel "NAME"|ip-tunnel "NAME"`.
struct StaticRoute {
  IpPrefix prefix;
  NextHopKind kind = NextHopKind::kIp;
  IpAddress next_hop;               // kIp
  std::string tunnel_name;          // kIpsecTunnel, kIpTunnel: a tunnel in the same service
  std::string NextHopText() const;  // "10.0.0.2", "ipsec-tunnel \"x\"", "ip-tunnel \"x\""
  auto operator<=>(const StaticRoute&) const = default;
};

enum class ServiceType : uint8_t { kIes, kVprn };
std::string_view ServiceTypeName(ServiceType type);  // "ies", "vprn"

// Service: `config service ies|vprn ID customer C create`: one routing instance.
struct Service {
  ServiceType type = ServiceType::kVprn;
  uint32_t id = 0;  // 1..2147483647
  uint32_t customer = 1;
  std::string name;  // `service-name "NAME"`, optional
  AdminState admin = AdminState::kUp;
  std::string description;
  std::map<std::string, Interface> interfaces;
  std::map<uint32_t, SecurityPolicy> security_policies;  // `ipsec security-policy`
  std::vector<StaticRoute> static_routes;                // sorted, unique
  bool operator==(const Service&) const = default;
};

// ---------------------------------------------------------------------------------------------
// config system security pki
// ---------------------------------------------------------------------------------------------

// CaProfile: `ca-profile "NAME" create`: a certificate authority the peers' certificates may
// chain to (a `trust-anchor` names it). `cert_file` is the CA's certificate and `crl_file` its
// CRLv2, both file names in the PKI directory (empty: not set). Created shut down, as on
// SR OS; `no shutdown` needs both files. The files are read and checked (a CA certificate, a
// v2 CRL signed by it) by ResolvePkiFiles (pki_files.h), not by the parser or validator.
// Not to be confused with pki::CaProfile, the loaded profile that ResolvePkiFiles makes.
struct CaProfile {
  std::string name;
  std::string cert_file;
  std::string crl_file;
  AdminState admin = AdminState::kDown;
  std::string description;
  bool operator==(const CaProfile&) const = default;
};

// ---------------------------------------------------------------------------------------------
// RADIUS: config router radius-server, config aaa, config ipsec radius-*-policy
// ---------------------------------------------------------------------------------------------

inline constexpr uint16_t kDefaultRadiusAuthPort = 1812;
inline constexpr uint16_t kDefaultRadiusAcctPort = 1813;

// RadiusServer: `config router radius-server server "NAME" address A.B.C.D secret "S"
// create`, with `auth-port N` (1812) and `acct-port N` (1813) inside. The secret is the
// RFC 2865 shared secret (1..64 printable characters), written back as pre-shared keys are.
struct RadiusServer {
  std::string name;
  IpAddress address;
  ConfigSecret secret;
  uint16_t auth_port = kDefaultRadiusAuthPort;
  uint16_t acct_port = kDefaultRadiusAcctPort;
  std::string description;
  bool operator==(const RadiusServer&) const = default;
};

inline constexpr uint32_t kMaxRadiusServerIndex = 16;

// RadiusServerPolicy: `config aaa radius-server-policy "NAME" create`: which servers to ask,
// in failover order (the `servers` block's `server INDEX name "NAME"`, INDEX 1..16, lowest
// first), how long to wait for each answer (`timeout`, 1..90 s) and how often to send a
// request to one server before the next (`retry`, 1..10), and the NAS-Identifier to send
// (`nas-identifier "X"` at the policy level; empty: none).
struct RadiusServerPolicy {
  std::string name;
  uint32_t timeout_s = 5;
  uint32_t retry = 3;
  std::map<uint32_t, std::string> servers;  // index -> radius-server name
  std::string nas_identifier;
  std::string description;
  bool operator==(const RadiusServerPolicy&) const = default;
};

// RadiusAuthenticationPolicy: `config ipsec radius-authentication-policy "NAME" create` with
// `radius-server-policy "NAME"`: how an ipsec-gw checks its remote-access users.
struct RadiusAuthenticationPolicy {
  std::string name;
  std::string radius_server_policy;  // required
  std::string description;
  bool operator==(const RadiusAuthenticationPolicy&) const = default;
};

// RadiusAccountingPolicy: `config ipsec radius-accounting-policy "NAME" create` with
// `radius-server-policy "NAME"` and `update-interval MINUTES` (5..1440; nullopt: no interim
// updates, only start and stop).
struct RadiusAccountingPolicy {
  std::string name;
  std::string radius_server_policy;  // required
  std::optional<uint32_t> update_interval_min;
  std::string description;
  bool operator==(const RadiusAccountingPolicy&) const = default;
};

// Config: a whole router configuration.
struct Config {
  std::map<std::string, CaProfile> ca_profiles;        // `config system security pki`, by name
  std::map<std::string, RadiusServer> radius_servers;  // `config router`
  std::map<std::string, RadiusServerPolicy> radius_server_policies;  // `config aaa`
  std::map<std::string, RadiusAuthenticationPolicy> radius_authentication_policies;
  std::map<std::string, RadiusAccountingPolicy> radius_accounting_policies;
  std::map<uint32_t, TunnelGroup> tunnel_groups;
  std::map<uint32_t, IkePolicy> ike_policies;
  std::map<uint32_t, IpsecTransform> ipsec_transforms;
  std::map<uint32_t, TunnelTemplate> tunnel_templates;
  std::map<uint32_t, Service> services;
  bool operator==(const Config&) const = default;

  // FindService: by id or name; nullptr if there is none.
  const Service* FindService(const ServiceRef& ref) const;
};

// ConfigCounts: how many objects of each kind a configuration has (for summaries).
struct ConfigCounts {
  size_t tunnel_groups = 0;
  size_t services = 0;
  size_t interfaces = 0;
  size_t ip_tunnels = 0;
  size_t ipsec_tunnels = 0;
  size_t ipsec_gws = 0;
};
ConfigCounts CountObjects(const Config& config);

// Dscp names: "be", "ef", "af11".."af43", "cs1".."cs7", "nc1" (= cs6), "nc2" (= cs7), and
// "cp0".."cp63". DscpName prints the canonical name (cs6 rather than nc1).
std::optional<uint8_t> ParseDscp(std::string_view name);
std::string DscpName(uint8_t dscp);

// Display names used by the writer and show commands.
std::string_view AdminStateName(AdminState state);  // "up" / "down"
std::string_view IkeModeName(IkeMode mode);         // "main" / "aggressive"
std::string_view SapKindName(SapKind kind);         // "public" / "private"

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_MODEL_H_
