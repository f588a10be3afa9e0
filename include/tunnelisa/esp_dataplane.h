// File: tunnelisa/esp_dataplane.h
//
// EspDataplane: the ESP tunnel-mode data plane of one ISA slot: its SA database, per-packet
// encapsulation and decapsulation in bursts, anti-replay, lifetimes, and counters. It is what
// an Engine runs per slot; hosts that only want ESP (a crypto benchmark, a manual-keyed link)
// can use it alone.
//
// Threads: burst calls (Encrypt, Decrypt) and OnTimer run on the one worker owning the slot;
// SaInstaller calls must not run concurrently with them (the Engine serialises them).
//
// Example:
//   auto registry = CryptoRegistry::CreateDefault();
//   auto dp = EspDataplane::Create({.crypto = registry.get()}).value();
//   SaHandle out = dp->Install(std::move(outbound_config), now).value();
//   std::array<Verdict, 32> v;
//   dp->Encrypt(out, packets, v, now);   // packets now hold outer IP/ESP packets
//   dp->Decrypt(received, v, now);       // received now hold inner IP packets
#ifndef TUNNELISA_ESP_DATAPLANE_H_
#define TUNNELISA_ESP_DATAPLANE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/drop_reason.h"
#include "tunnelisa/events.h"
#include "tunnelisa/packet.h"
#include "tunnelisa/sa_installer.h"

namespace tunnelisa {

// SadLookup: how inbound packets find their SA (RFC 4301 section 4.1: by SPI alone for
// unicast, or by SPI and destination address).
enum class SadLookup : uint8_t { kSpi, kSpiAndDestination };

// InboundFormat: what a Decrypt burst holds.
enum class InboundFormat : uint8_t {
  kOuterIp,     // whole outer IPv4/IPv6 packets: ESP (protocol 50) or UDP to the NAT-T port
  kUdpPayload,  // the payload of a UDP datagram received on the NAT-T port (from a socket)
};

struct DataplaneOptions {
  CryptoRegistry* crypto = nullptr;  // required; not owned, must outlive the data plane
  EventListener* events = nullptr;   // optional; not owned
  SadLookup lookup = SadLookup::kSpi;
  uint16_t natt_port = kNatTPort;  // UDP port whose datagrams may carry ESP, IKE, keepalives
  uint16_t slot = 0;               // ISA slot number, reported in verdicts
};

// DataplaneCounters: global counters of one data plane (packets without an SA are counted
// only here).
struct DataplaneCounters {
  uint64_t encrypted_packets = 0;
  uint64_t decrypted_packets = 0;
  uint64_t nat_keepalives = 0;
  uint64_t to_control = 0;
  std::array<uint64_t, kNumDropReasons> drops{};
  uint64_t total_drops() const;
};

class EspDataplane final : public SaInstaller {
 public:
  // kMaxBurst: bursts longer than this are processed in chunks of it.
  static constexpr size_t kMaxBurst = 64;

  static absl::StatusOr<std::unique_ptr<EspDataplane>> Create(const DataplaneOptions& options);
  ~EspDataplane() override;

  // SaInstaller.
  absl::StatusOr<SaHandle> Install(SaConfig config, MonoTime now) override;
  absl::Status Update(SaHandle sa, const SaUpdate& update) override;
  absl::StatusOr<SaStats> Query(SaHandle sa) const override;
  absl::Status Delete(SaHandle sa) override;

  // Encrypt: fast path. Each packet holds an inner IPv4/IPv6 packet with the headroom and
  // tailroom of wire_constants.h; on kForward it holds the outer packet (IP, [UDP], ESP).
  // verdicts.size() must be >= packets.size(). Sequence numbers are reserved once per burst.
  void Encrypt(SaHandle sa, std::span<PacketRef> packets, std::span<Verdict> verdicts,
               MonoTime now);
  // EncryptEach: fast path. As Encrypt, but packet i is sealed on sas[i] (outbound SAs of
  // this data plane in any mix, e.g. a burst spread over many tunnels): one crypto backend
  // call for the burst instead of one per SA. A handle that is not an active outbound SA
  // drops its packet (kSaNotActive). sas, packets and verdicts are parallel.
  void EncryptEach(std::span<const SaHandle> sas, std::span<PacketRef> packets,
                   std::span<Verdict> verdicts, MonoTime now);

  // Decrypt: fast path. Each packet is received as `format` says; on kDeliver it holds the
  // inner IP packet and verdict.sa names the SA index. Order of inbound processing per packet:
  // SAD lookup, replay check (no state change), ICV verify + decrypt, replay update, padding
  // and next-header checks, selector check.
  void Decrypt(std::span<PacketRef> packets, std::span<Verdict> verdicts, MonoTime now,
               InboundFormat format = InboundFormat::kOuterIp);

  // OnTimer: expires SAs by time lifetime (raising events); returns the next deadline
  // (MonoTime::Infinite() if none).
  MonoTime OnTimer(MonoTime now);

  // FindInbound: the inbound SA with this SPI (and destination, with kSpiAndDestination).
  std::optional<SaHandle> FindInbound(uint32_t spi, const IpAddress& destination) const;

  const DataplaneCounters& counters() const;
  size_t sa_count() const;
  // SetNextIvForTest: the next packet sealed on `sa` uses this explicit IV (tests that match
  // published vectors byte for byte). Not for production use.
  absl::Status SetNextIvForTest(SaHandle sa, std::span<const uint8_t> iv);

  class Impl;

 private:
  explicit EspDataplane(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_ESP_DATAPLANE_H_
