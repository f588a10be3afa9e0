// File: src/tools/pcap.cc
#include "tools/pcap.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tunnelisa::tools {
namespace {

constexpr size_t kEthernetHeaderSize = 14;
constexpr size_t kVlanTagSize = 4;
constexpr int kMaxVlanTags = 2;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q
constexpr uint16_t kEtherTypeQinQ = 0x88a8;  // 802.1ad
constexpr uint16_t kPcapVersionMajor = 2;
constexpr uint16_t kPcapVersionMinor = 4;

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint32_t LoadBe32(const uint8_t* p) {
  return uint32_t{p[3]} | uint32_t{p[2]} << 8 | uint32_t{p[1]} << 16 | uint32_t{p[0]} << 24;
}
void StoreLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
void StoreLe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

bool SupportedLinkType(uint32_t t) {
  return t == kLinkTypeEthernet || t == kLinkTypeRaw || t == kLinkTypeIpv4 || t == kLinkTypeIpv6;
}

}  // namespace

void FileCloser::operator()(std::FILE* f) const {
  if (f != nullptr) std::fclose(f);
}

// ---- PcapReader ----------------------------------------------------------------------------

uint32_t PcapReader::Get32(const uint8_t* p) const { return swapped_ ? LoadBe32(p) : LoadLe32(p); }
uint16_t PcapReader::Get16(const uint8_t* p) const {
  return swapped_ ? static_cast<uint16_t>(p[0] << 8 | p[1])
                  : static_cast<uint16_t>(p[1] << 8 | p[0]);
}

absl::Status PcapReader::Error(absl::StatusCode code, const std::string& what) const {
  return absl::Status(code, absl::StrCat(path_, ": record ", records_ + 1, ": ", what));
}

absl::StatusOr<PcapReader> PcapReader::Open(const std::string& path) {
  PcapReader r;
  r.path_ = path;
  r.file_.reset(std::fopen(path.c_str(), "rb"));
  if (r.file_ == nullptr) {
    int err = errno;
    return absl::ErrnoToStatus(err, absl::StrCat("cannot open pcap file ", path));
  }
  uint8_t h[kPcapFileHeaderSize];
  size_t n = std::fread(h, 1, sizeof h, r.file_.get());
  if (n != sizeof h) {
    return absl::DataLossError(absl::StrCat(path, ": truncated pcap file header (", n, " of ",
                                            kPcapFileHeaderSize, " bytes)"));
  }
  // The magic tells the byte order: read little-endian, it is either the magic or its swap.
  uint32_t magic = LoadLe32(h);
  if (magic == kPcapMagicMicro || magic == kPcapMagicNano) {
    r.swapped_ = false;
  } else if (LoadBe32(h) == kPcapMagicMicro || LoadBe32(h) == kPcapMagicNano) {
    r.swapped_ = true;
    magic = LoadBe32(h);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a pcap file (unknown magic 0x", absl::Hex(LoadBe32(h)),
                     "; pcapng files must be converted, e.g. editcap -F pcap)"));
  }
  r.nanosecond_ = magic == kPcapMagicNano;
  uint16_t major = r.Get16(h + 4);
  uint16_t minor = r.Get16(h + 6);
  if (major != kPcapVersionMajor) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unsupported pcap version ", major, ".", minor));
  }
  r.snaplen_ = r.Get32(h + 16);
  // The upper bits of the link type field carry FCS information (ignored: the IP header's
  // length says where the packet ends).
  r.link_type_ = r.Get32(h + 20) & 0x0fffffff;
  if (!SupportedLinkType(r.link_type_)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": unsupported link type ", r.link_type_,
                     " (supported: 1 Ethernet, 101 raw IP, 228 IPv4, 229 IPv6)"));
  }
  return r;
}

absl::StatusOr<std::optional<PcapRecord>> PcapReader::Next() {
  if (!error_.ok()) return error_;
  if (file_ == nullptr) return std::optional<PcapRecord>();
  uint8_t h[kPcapRecordHeaderSize];
  size_t n = std::fread(h, 1, sizeof h, file_.get());
  if (n == 0 && std::feof(file_.get())) {
    file_.reset();
    return std::optional<PcapRecord>();
  }
  if (n != sizeof h) {
    error_ = std::ferror(file_.get()) ? Error(absl::StatusCode::kDataLoss, "read error")
                                      : Error(absl::StatusCode::kDataLoss,
                                              absl::StrCat("truncated record header (", n, " of ",
                                                           kPcapRecordHeaderSize, " bytes)"));
    return error_;
  }
  const uint32_t ts_sec = Get32(h);
  const uint32_t ts_frac = Get32(h + 4);
  const uint32_t incl_len = Get32(h + 8);
  const uint32_t orig_len = Get32(h + 12);
  if (incl_len > kMaxRecordSize) {
    error_ = Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("captured length ", incl_len, " exceeds the maximum of ",
                                kMaxRecordSize, " bytes (corrupt file?)"));
    return error_;
  }
  // A snaplen of 0 is written by some tools to mean "unlimited".
  if (snaplen_ != 0 && incl_len > snaplen_) {
    error_ = Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("captured length ", incl_len, " exceeds the file's snaplen ",
                                snaplen_, " (corrupt file?)"));
    return error_;
  }
  PcapRecord rec;
  rec.index = records_ + 1;
  rec.link_type = link_type_;
  rec.timestamp_ns =
      int64_t{ts_sec} * 1000000000 + (nanosecond_ ? int64_t{ts_frac} : int64_t{ts_frac} * 1000);
  rec.packet.resize(incl_len);
  n = incl_len == 0 ? 0 : std::fread(rec.packet.data(), 1, incl_len, file_.get());
  if (n != incl_len) {
    error_ = Error(absl::StatusCode::kDataLoss,
                   absl::StrCat("truncated record (", n, " of ", incl_len, " bytes)"));
    return error_;
  }
  uint32_t wire_len = orig_len < incl_len ? incl_len : orig_len;

  if (link_type_ == kLinkTypeEthernet) {
    size_t header = kEthernetHeaderSize;
    if (incl_len < header) {
      error_ = Error(absl::StatusCode::kInvalidArgument,
                     absl::StrCat("Ethernet frame of ", incl_len,
                                  " bytes is shorter than its 14-byte header"));
      return error_;
    }
    uint16_t ethertype = static_cast<uint16_t>(rec.packet[12] << 8 | rec.packet[13]);
    int tags = 0;
    while ((ethertype == kEtherTypeVlan || ethertype == kEtherTypeQinQ) && tags < kMaxVlanTags) {
      if (incl_len < header + kVlanTagSize) {
        error_ = Error(
            absl::StatusCode::kInvalidArgument,
            absl::StrCat("Ethernet frame of ", incl_len, " bytes is shorter than its VLAN tag"));
        return error_;
      }
      ethertype = static_cast<uint16_t>(rec.packet[header + 2] << 8 | rec.packet[header + 3]);
      header += kVlanTagSize;
      ++tags;
    }
    rec.ethertype = ethertype;
    if (ethertype != kEtherTypeIpv4 && ethertype != kEtherTypeIpv6) {
      rec.skipped = true;
      rec.packet.clear();
      rec.original_length = 0;
    } else {
      rec.packet.erase(rec.packet.begin(), rec.packet.begin() + static_cast<ptrdiff_t>(header));
      rec.original_length = wire_len - static_cast<uint32_t>(header);
    }
  } else {
    rec.original_length = wire_len;
  }
  ++records_;
  return std::optional<PcapRecord>(std::move(rec));
}

absl::StatusOr<std::vector<PcapRecord>> PcapReader::ReadAll() {
  std::vector<PcapRecord> out;
  while (true) {
    absl::StatusOr<std::optional<PcapRecord>> r = Next();
    if (!r.ok()) return r.status();
    if (!r->has_value()) return out;
    out.push_back(std::move(**r));
  }
}

// ---- PcapWriter ----------------------------------------------------------------------------

absl::StatusOr<PcapWriter> PcapWriter::Create(const std::string& path) {
  PcapWriter w;
  w.path_ = path;
  w.file_.reset(std::fopen(path.c_str(), "wb"));
  if (w.file_ == nullptr) {
    int err = errno;
    return absl::ErrnoToStatus(err, absl::StrCat("cannot create pcap file ", path));
  }
  uint8_t h[kPcapFileHeaderSize] = {};
  StoreLe32(h, kPcapMagicMicro);
  StoreLe16(h + 4, kPcapVersionMajor);
  StoreLe16(h + 6, kPcapVersionMinor);
  // thiszone and sigfigs stay 0.
  StoreLe32(h + 16, kMaxRecordSize);
  StoreLe32(h + 20, kLinkTypeRaw);
  if (std::fwrite(h, 1, sizeof h, w.file_.get()) != sizeof h) {
    int err = errno;
    return absl::ErrnoToStatus(err, absl::StrCat(path, ": cannot write pcap header"));
  }
  return w;
}

absl::Status PcapWriter::Write(int64_t timestamp_ns, std::span<const uint8_t> packet) {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": pcap writer is closed"));
  }
  if (packet.size() > kMaxRecordSize) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": record ", records_ + 1, ": ",
                                                   packet.size(), " bytes exceed the maximum of ",
                                                   kMaxRecordSize));
  }
  constexpr int64_t kMaxSeconds = 0xffffffffLL;
  if (timestamp_ns < 0 || timestamp_ns / 1000000000 > kMaxSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": record ", records_ + 1, ": timestamp ",
                                                   timestamp_ns, " ns is outside the pcap range"));
  }
  uint8_t h[kPcapRecordHeaderSize];
  StoreLe32(h, static_cast<uint32_t>(timestamp_ns / 1000000000));
  StoreLe32(h + 4, static_cast<uint32_t>(timestamp_ns % 1000000000 / 1000));
  StoreLe32(h + 8, static_cast<uint32_t>(packet.size()));
  StoreLe32(h + 12, static_cast<uint32_t>(packet.size()));
  if (std::fwrite(h, 1, sizeof h, file_.get()) != sizeof h ||
      (!packet.empty() &&
       std::fwrite(packet.data(), 1, packet.size(), file_.get()) != packet.size())) {
    int err = errno;
    return absl::ErrnoToStatus(err,
                               absl::StrCat(path_, ": record ", records_ + 1, ": write failed"));
  }
  ++records_;
  return absl::OkStatus();
}

absl::Status PcapWriter::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  std::FILE* f = file_.release();
  bool failed = std::ferror(f) != 0;
  int err = errno;
  if (std::fclose(f) != 0) {
    failed = true;
    err = errno;
  }
  if (failed) {
    return absl::ErrnoToStatus(err, absl::StrCat(path_, ": error writing pcap file"));
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::tools
