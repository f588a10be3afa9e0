// File: ike/v2/ike_host.h
//
// IkeHost: what the IKE layer needs from whoever embeds it (the Engine): a way to send
// datagrams, the SaInstaller seam for CHILD SAs, randomness, events and logs. IKE owns no
// socket, clock or SA table; this is its whole view of the world, which is what lets two
// engines negotiate in one process under a fake clock and lets redundancy replay state later.
//
// All calls happen on the control thread, from inside an IkeManager call. Implementations must
// not call back into the IkeManager.
#ifndef TUNNELISA_SRC_IKE_V2_IKE_HOST_H_
#define TUNNELISA_SRC_IKE_V2_IKE_HOST_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/events.h"
#include "tunnelisa/host.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/key_log.h"
#include "tunnelisa/sa_config.h"
#include "tunnelisa/sa_installer.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"

namespace tunnelisa::ike {

// IkeEndpoint: one end of an IKE conversation (address and UDP port).
struct IkeEndpoint {
  IpAddress address;
  uint16_t port = 0;
  bool operator==(const IkeEndpoint&) const = default;
};

// ChildSaPair: the two data-plane SAs of one CHILD SA.
struct ChildSaPair {
  SaHandle inbound;
  SaHandle outbound;
};

// ChildSaKeysForInstall: everything the host needs to install one CHILD SA's two SAs.
struct ChildInstall {
  uint32_t inbound_spi = 0;   // ours (chosen by us, the peer sends with it)
  uint32_t outbound_spi = 0;  // the peer's
  EspSuite suite;
  SecretBytes inbound_enc, inbound_integ, outbound_enc, outbound_integ;
  IpAddress local;
  IpAddress remote;
  std::optional<UdpEncapsulation> udp_encap;  // set after NAT detection (RFC 3948)
  std::vector<IpPrefix> local_selectors;      // negotiated TS (ours)
  std::vector<IpPrefix> remote_selectors;     // negotiated TS (the peer's)
  SaLifetime soft_lifetime;
  SaLifetime hard_lifetime;
  uint64_t cookie = 0;  // echoed in the data plane's lifetime events
};

class IkeHost {
 public:
  virtual ~IkeHost() = default;
  // SendIke: one datagram from `local` to `remote`. `datagram` already carries the non-ESP
  // marker when the conversation runs on the NAT-T port.
  virtual void SendIke(const IkeEndpoint& local, const IkeEndpoint& remote,
                       std::span<const uint8_t> datagram) = 0;
  // InstallChild: installs both SAs of a CHILD SA for `peer` (IkePeerConfig::id), inbound
  // first; the outbound SA is not used for traffic until ActivateChild. On failure nothing
  // stays installed.
  virtual absl::StatusOr<ChildSaPair> InstallChild(uint64_t peer, ChildInstall install,
                                                   MonoTime now) = 0;
  // ActivateChild: `pair`'s outbound SA now carries the peer's traffic (make-before-break: the
  // previous pair's inbound SA stays until RemoveChild).
  virtual void ActivateChild(uint64_t peer, const ChildSaPair& pair) = 0;
  // RemoveChild: deletes both SAs of `pair` (either may be invalid).
  virtual void RemoveChild(uint64_t peer, const ChildSaPair& pair) = 0;
  // UpdateChild: the peer moved (NAT mapping change): new remote address / UDP ports.
  virtual void UpdateChild(uint64_t peer, const ChildSaPair& pair, const SaUpdate& update) = 0;
  // QueryChild: counters of one SA (lifetime by bytes, DPD's "traffic seen").
  virtual absl::StatusOr<SaStats> QueryChild(uint64_t peer, SaHandle sa) const = 0;
  // WallNow: the date, for certificate validity and CRLs (authenticators get it in AuthInput).
  virtual WallTime WallNow() { return SystemWallNow(); }
  // RandomBytes: fills `out` (nonces, SPIs, cookies secrets).
  virtual void RandomBytes(std::span<uint8_t> out) = 0;
  // IkeSaKeysDerived: the keys of an IKE SA of `peer` were derived (IKE_SA_INIT, IKE SA
  // rekey), for Host::key_log (key_log.h; debugging only). The default tells no one.
  virtual void IkeSaKeysDerived(uint64_t peer, const Ikev2SaKeys& keys) {
    (void)peer;
    (void)keys;
  }
  virtual void Event(const IkeEvent& event) = 0;
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_V2_IKE_HOST_H_
