// File: tunnelisa/sa_config.h
//
// SaConfig: everything needed to install one ESP SA (one direction) in tunnel mode. IKE fills
// it from a negotiation; a host doing manual keying (the guide's "Manual Keying") fills it by
// hand and installs an inbound/outbound pair through SaInstaller.
//
// Example (manual keying, outbound half of a pair):
//   SaConfig out;
//   out.spi = 0x1000;  out.direction = SaDirection::kOutbound;
//   out.suite = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone};
//   out.enc_key = *SecretBytes::FromHex("0x...20 bytes: 16 key + 4 salt...");
//   out.local = *IpAddress::Parse("192.0.2.1");  out.remote = *IpAddress::Parse("192.0.2.2");
//   absl::StatusOr<SaHandle> h = dataplane->Install(std::move(out));
#ifndef TUNNELISA_SA_CONFIG_H_
#define TUNNELISA_SA_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tunnelisa/algorithms.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

enum class SaDirection : uint8_t { kInbound, kOutbound };

// SaLifetime: a limit in each dimension; 0 means none in that dimension. Reaching a soft limit
// raises an event once (time to rekey); reaching a hard limit raises an event and the SA stops
// passing traffic.
struct SaLifetime {
  Duration time{0};
  uint64_t bytes = 0;  // payload (inner packet) bytes
  uint64_t packets = 0;
  bool operator==(const SaLifetime&) const = default;
};

// UdpEncapsulation: ESP-in-UDP (RFC 3948), used after NAT detection or when configured.
struct UdpEncapsulation {
  uint16_t local_port = kNatTPort;
  uint16_t remote_port = kNatTPort;
  bool operator==(const UdpEncapsulation&) const = default;
};

enum class DfPolicy : uint8_t { kCopy, kSet, kClear };

struct SaConfig {
  uint32_t spi = 0;  // must be >= 256 (RFC 4303: 1..255 are reserved by IANA)
  SaDirection direction = SaDirection::kOutbound;
  EspSuite suite;
  SecretBytes enc_key;   // cipher key followed by the salt for AEAD suites
  SecretBytes auth_key;  // empty for AEAD and for integrity kNone
  bool esn = false;      // 64-bit extended sequence numbers (RFC 4303 section 2.2.1)
  // replay_window: inbound only; packets (32..65536), or 0 to disable anti-replay.
  uint32_t replay_window = kDefaultReplayWindow;

  // Tunnel endpoints (outer header): outbound packets go local -> remote; inbound packets
  // arrive remote -> local. Both of one family.
  IpAddress local;
  IpAddress remote;
  std::optional<UdpEncapsulation> udp_encap;

  // Outer header settings (outbound).
  uint8_t ttl = 64;
  std::optional<uint8_t> dscp;  // unset: copy the inner packet's DSCP
  DfPolicy df = DfPolicy::kCopy;

  // Inner selectors checked after decryption (inbound): inner source within one of
  // `remote_selectors` and destination within one of `local_selectors`; empty = any.
  std::vector<IpPrefix> local_selectors;
  std::vector<IpPrefix> remote_selectors;

  SaLifetime soft_lifetime;
  SaLifetime hard_lifetime;

  // backend: crypto backend by name; empty = the registry's choice for the suite.
  std::string backend;
  // cookie: the host's or IKE's own tag, echoed in events about this SA.
  uint64_t cookie = 0;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SA_CONFIG_H_
