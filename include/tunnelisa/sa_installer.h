// File: tunnelisa/sa_installer.h
//
// SaInstaller: the only way into the data plane's SA database. IKE (or a host doing manual
// keying) installs, updates, queries and deletes SAs through it; nothing else reaches SAs.
// All methods are control path: call them from the control thread, never concurrently with a
// burst call on the same data plane.
#ifndef TUNNELISA_SA_INSTALLER_H_
#define TUNNELISA_SA_INSTALLER_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/sa_config.h"

namespace tunnelisa {

// SaHandle: names one installed SA. A handle of a deleted SA never names a later one (the
// generation differs), so a stale handle fails cleanly.
struct SaHandle {
  uint32_t index = 0;
  uint32_t generation = 0;
  bool valid() const { return generation != 0; }
  bool operator==(const SaHandle&) const = default;
};

// SaStats: counters of one SA, as `show ipsec tunnel` and IKE lifetime logic read them.
struct SaStats {
  uint32_t spi = 0;
  SaDirection direction = SaDirection::kOutbound;
  uint64_t packets = 0;        // passed (encrypted, or decrypted and delivered)
  uint64_t bytes = 0;          // inner packet bytes of those
  uint64_t last_sequence = 0;  // outbound: last sent; inbound: highest authenticated
  std::array<uint64_t, kNumDropReasons> drops{};
  bool soft_expired = false;
  bool hard_expired = false;
  MonoTime installed_at;
  MonoTime last_used;  // MonoTime{} until the first packet
};

// SaUpdate: what may change on a live SA (e.g. the peer moved behind a NAT).
// last_sequence moves an outbound SA's counter (the next packet carries last_sequence + 1):
// a new master takes over a synchronised SA this way, and tools start captures mid-stream.
// It may only move forward (RFC 4303: a sequence number is never reused under one key).
struct SaUpdate {
  std::optional<IpAddress> remote;
  std::optional<std::optional<UdpEncapsulation>> udp_encap;
  std::optional<uint64_t> last_sequence;
};

class SaInstaller {
 public:
  virtual ~SaInstaller() = default;
  // Install: validates the config (key lengths, SPI, addresses, window), keys the crypto and
  // adds the SA. InvalidArgument names the bad field; AlreadyExists for a duplicate inbound
  // SPI (or SPI + destination); Unavailable when no backend can run the suite.
  virtual absl::StatusOr<SaHandle> Install(SaConfig config, MonoTime now) = 0;
  virtual absl::Status Update(SaHandle sa, const SaUpdate& update) = 0;
  virtual absl::StatusOr<SaStats> Query(SaHandle sa) const = 0;
  // Delete: removes the SA; later packets for it count as unknown SPI / inactive SA.
  virtual absl::Status Delete(SaHandle sa) = 0;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SA_INSTALLER_H_
