// File: src/tools/pcap.h
//
// PcapReader / PcapWriter: classic libpcap capture files (not pcapng), for the `tunnelisa`
// command-line tool and for tests that keep packets as captures.
//
// Reading accepts both timestamp resolutions (magic 0xa1b2c3d4: microseconds, 0xa1b23c4d:
// nanoseconds) in either byte order, and the link types Ethernet (1: the 14-byte header and
// up to two 802.1Q/802.1ad tags are stripped) and raw IP (101, 228 = IPv4, 229 = IPv6). A
// record is handed out as the IP packet it carries. Ethernet frames of another ethertype (ARP,
// LLDP, ...) are returned as records with `skipped` set and an empty packet, so that record
// numbers stay those of the file (what Wireshark shows).
//
// Writing produces microsecond, little-endian files with link type 101 (raw IP).
//
// Every malformed input is an error Status naming the file and the 1-based record number;
// nothing is allocated beyond kMaxRecordSize per record. Control-path helpers (they allocate
// and do file I/O); not for the data plane.
//
// Example:
//   absl::StatusOr<PcapReader> in = PcapReader::Open("esp.pcap");
//   if (!in.ok()) return in.status();
//   while (true) {
//     absl::StatusOr<std::optional<PcapRecord>> r = in->Next();
//     if (!r.ok()) return r.status();
//     if (!r->has_value()) break;              // end of file
//     if ((*r)->skipped) continue;             // not IP
//     Use((*r)->packet);
//   }
#ifndef TUNNELISA_TOOLS_PCAP_H_
#define TUNNELISA_TOOLS_PCAP_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tunnelisa::tools {

// Link types (https://www.tcpdump.org/linktypes.html).
inline constexpr uint32_t kLinkTypeEthernet = 1;
inline constexpr uint32_t kLinkTypeRaw = 101;
inline constexpr uint32_t kLinkTypeIpv4 = 228;
inline constexpr uint32_t kLinkTypeIpv6 = 229;

inline constexpr uint32_t kPcapMagicMicro = 0xa1b2c3d4;
inline constexpr uint32_t kPcapMagicNano = 0xa1b23c4d;
inline constexpr size_t kPcapFileHeaderSize = 24;
inline constexpr size_t kPcapRecordHeaderSize = 16;

// kMaxRecordSize: the largest captured length accepted (and written). Real captures never
// exceed 256 KiB (tcpdump's maximum snaplen); a larger incl_len means a corrupt file.
inline constexpr uint32_t kMaxRecordSize = 256 * 1024;

// FileCloser: closes a FILE* (for std::unique_ptr).
struct FileCloser {
  void operator()(std::FILE* f) const;
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct PcapRecord {
  uint64_t index = 0;        // 1-based record number in the file
  int64_t timestamp_ns = 0;  // since the Unix epoch
  uint32_t link_type = 0;    // of the file
  // packet: the IP packet (link-layer header removed); empty when `skipped`.
  std::vector<uint8_t> packet;
  // original_length: the packet's length on the wire as the file records it, minus the
  // link-layer header that was removed (so it compares with packet.size(); larger means the
  // capture truncated the packet to the snaplen).
  uint32_t original_length = 0;
  // skipped: an Ethernet frame that does not carry IPv4/IPv6; `ethertype` says what it was.
  bool skipped = false;
  uint16_t ethertype = 0;

  bool truncated() const { return original_length > packet.size(); }
};

class PcapReader {
 public:
  // Open: reads and checks the file header. NotFound / PermissionDenied-like errors for an
  // unreadable file; InvalidArgument (DataLoss for a short header) naming the file for an
  // unknown magic, a bad version, or an unsupported link type.
  static absl::StatusOr<PcapReader> Open(const std::string& path);

  PcapReader(PcapReader&&) = default;
  PcapReader& operator=(PcapReader&&) = default;

  // Next: the next record, std::nullopt at a clean end of file. DataLoss for a truncated
  // record header or body, InvalidArgument for incl_len > snaplen or > kMaxRecordSize or a
  // malformed link-layer header; the message names the file and the record number. After an
  // error the reader stays at the error (further calls repeat it).
  absl::StatusOr<std::optional<PcapRecord>> Next();

  // ReadAll: every record up to the end of file, or the first error.
  absl::StatusOr<std::vector<PcapRecord>> ReadAll();

  uint32_t link_type() const { return link_type_; }
  uint32_t snaplen() const { return snaplen_; }
  bool nanosecond() const { return nanosecond_; }
  bool swapped() const { return swapped_; }
  const std::string& path() const { return path_; }

 private:
  PcapReader() = default;
  absl::Status Error(absl::StatusCode code, const std::string& what) const;
  uint32_t Get32(const uint8_t* p) const;
  uint16_t Get16(const uint8_t* p) const;

  std::string path_;
  FilePtr file_;
  uint32_t link_type_ = 0;
  uint32_t snaplen_ = 0;
  bool nanosecond_ = false;
  bool swapped_ = false;  // file byte order differs from little-endian
  uint64_t records_ = 0;  // records returned so far
  absl::Status error_;    // sticky
};

class PcapWriter {
 public:
  // Create: creates (truncates) the file and writes the header (microseconds, little-endian,
  // snaplen kMaxRecordSize, link type 101 = raw IP).
  static absl::StatusOr<PcapWriter> Create(const std::string& path);

  PcapWriter(PcapWriter&&) = default;
  PcapWriter& operator=(PcapWriter&&) = default;
  // The destructor closes the file if Close was not called (errors are then lost).
  ~PcapWriter() = default;

  // Write: appends one record. timestamp_ns >= 0 (rounded down to microseconds);
  // packet.size() <= kMaxRecordSize. InvalidArgument otherwise, or an I/O error.
  absl::Status Write(int64_t timestamp_ns, std::span<const uint8_t> packet);
  // Close: flushes and closes; reports the first write or close error. Idempotent.
  absl::Status Close();

  uint64_t records() const { return records_; }
  const std::string& path() const { return path_; }

 private:
  PcapWriter() = default;

  std::string path_;
  FilePtr file_;
  uint64_t records_ = 0;
};

}  // namespace tunnelisa::tools

#endif  // TUNNELISA_TOOLS_PCAP_H_
