#include "tools/pcap.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::tools {
namespace {

using ::testing::HasSubstr;

// Bytes builds a pcap file by hand, in either byte order.
class Bytes {
 public:
  explicit Bytes(bool big_endian = false) : big_(big_endian) {}
  Bytes& U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      int shift = big_ ? 24 - 8 * i : 8 * i;
      b_.push_back(static_cast<uint8_t>(v >> shift));
    }
    return *this;
  }
  Bytes& U16(uint16_t v) {
    if (big_) {
      b_.push_back(static_cast<uint8_t>(v >> 8));
      b_.push_back(static_cast<uint8_t>(v));
    } else {
      b_.push_back(static_cast<uint8_t>(v));
      b_.push_back(static_cast<uint8_t>(v >> 8));
    }
    return *this;
  }
  Bytes& Raw(const std::vector<uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  Bytes& FileHeader(uint32_t magic, uint32_t link_type, uint32_t snaplen = 65535) {
    return U32(magic).U16(2).U16(4).U32(0).U32(0).U32(snaplen).U32(link_type);
  }
  Bytes& Record(uint32_t sec, uint32_t frac, const std::vector<uint8_t>& data,
                uint32_t orig_len = 0) {
    U32(sec).U32(frac).U32(static_cast<uint32_t>(data.size()));
    U32(orig_len != 0 ? orig_len : static_cast<uint32_t>(data.size()));
    return Raw(data);
  }
  const std::vector<uint8_t>& bytes() const { return b_; }

 private:
  bool big_;
  std::vector<uint8_t> b_;
};

// A minimal IPv4 header (20 bytes, protocol UDP) followed by `extra` payload bytes.
std::vector<uint8_t> Ipv4Packet(uint8_t tag, size_t extra = 0) {
  std::vector<uint8_t> p = {
      0x45, 0, 0,  static_cast<uint8_t>(20 + extra), 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10,
      0,    0, tag};
  for (size_t i = 0; i < extra; ++i) p.push_back(static_cast<uint8_t>(i));
  return p;
}
std::vector<uint8_t> Ipv6Packet() {
  std::vector<uint8_t> p(40, 0);
  p[0] = 0x60;
  p[6] = 59;  // no next header
  p[7] = 64;
  return p;
}
std::vector<uint8_t> Ethernet(std::vector<uint16_t> ethertypes, const std::vector<uint8_t>& ip) {
  std::vector<uint8_t> f = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
  for (size_t i = 0; i < ethertypes.size(); ++i) {
    f.push_back(static_cast<uint8_t>(ethertypes[i] >> 8));
    f.push_back(static_cast<uint8_t>(ethertypes[i]));
    if (i + 1 < ethertypes.size()) {  // VLAN TCI
      f.push_back(0x00);
      f.push_back(static_cast<uint8_t>(100 + i));
    }
  }
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

class PcapTest : public ::testing::Test {
 protected:
  std::string PathFor(const std::string& name) {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string test = std::string(info->test_suite_name()) + "." + info->name();
    for (char& c : test) {
      if (c == '/') c = '_';  // parameterised test names contain '/'
    }
    return ::testing::TempDir() + "/pcap_test_" + test + "_" + name;
  }
  std::string WriteFile(const std::vector<uint8_t>& bytes, const std::string& name = "in.pcap") {
    std::string path = PathFor(name);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    }
    std::fclose(f);
    return path;
  }
  // ReadError: opens `bytes` as a file and reads until the first error (expected).
  absl::Status ReadError(const std::vector<uint8_t>& bytes) {
    absl::StatusOr<PcapReader> r = PcapReader::Open(WriteFile(bytes));
    if (!r.ok()) return r.status();
    absl::StatusOr<std::vector<PcapRecord>> all = r->ReadAll();
    if (!all.ok()) return all.status();
    ADD_FAILURE() << "expected an error, read " << all->size() << " records";
    return absl::OkStatus();
  }
};

TEST_F(PcapTest, WriterReaderRoundTrip) {
  std::string path = PathFor("rt.pcap");
  absl::StatusOr<PcapWriter> w = PcapWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status();
  std::vector<uint8_t> a = Ipv4Packet(1, 3);
  std::vector<uint8_t> b = Ipv6Packet();
  ASSERT_TRUE(w->Write(1700000000123456789, a).ok());
  ASSERT_TRUE(w->Write(5, b).ok());
  ASSERT_TRUE(w->Write(0, {}).ok());
  EXPECT_EQ(w->records(), 3u);
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(w->Close().ok());  // idempotent

  absl::StatusOr<PcapReader> r = PcapReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->link_type(), kLinkTypeRaw);
  EXPECT_FALSE(r->nanosecond());
  EXPECT_FALSE(r->swapped());
  EXPECT_EQ(r->snaplen(), kMaxRecordSize);
  absl::StatusOr<std::vector<PcapRecord>> all = r->ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].index, 1u);
  EXPECT_EQ((*all)[0].timestamp_ns, 1700000000123456000);  // microsecond resolution
  EXPECT_EQ((*all)[0].packet, a);
  EXPECT_EQ((*all)[0].original_length, a.size());
  EXPECT_FALSE((*all)[0].truncated());
  EXPECT_EQ((*all)[1].timestamp_ns, 0);
  EXPECT_EQ((*all)[1].packet, b);
  EXPECT_TRUE((*all)[2].packet.empty());
  EXPECT_EQ((*all)[2].index, 3u);
  // After the end, Next keeps saying end of file.
  absl::StatusOr<std::optional<PcapRecord>> end = r->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST_F(PcapTest, WrittenHeaderIsLittleEndianMicrosecondRawIp) {
  std::string path = PathFor("hdr.pcap");
  absl::StatusOr<PcapWriter> w = PcapWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->Write(2000001000, {std::vector<uint8_t>{0x45}}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::vector<uint8_t> got(64);
  got.resize(std::fread(got.data(), 1, got.size(), f));
  std::fclose(f);
  std::vector<uint8_t> want = Bytes()
                                  .FileHeader(kPcapMagicMicro, kLinkTypeRaw, kMaxRecordSize)
                                  .Record(2, 1, {0x45})
                                  .bytes();
  EXPECT_EQ(got, want);
}

struct MagicCase {
  uint32_t magic;
  bool big_endian;
  int64_t want_ts;
};

class PcapMagicTest : public PcapTest, public ::testing::WithParamInterface<MagicCase> {};

TEST_P(PcapMagicTest, ReadsBothResolutionsAndByteOrders) {
  const MagicCase& c = GetParam();
  std::vector<uint8_t> ip = Ipv4Packet(7, 2);
  std::string path = WriteFile(
      Bytes(c.big_endian).FileHeader(c.magic, kLinkTypeRaw).Record(10, 500, ip, 1500).bytes());
  absl::StatusOr<PcapReader> r = PcapReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->swapped(), c.big_endian);
  EXPECT_EQ(r->nanosecond(), c.magic == kPcapMagicNano);
  absl::StatusOr<std::optional<PcapRecord>> rec = r->Next();
  ASSERT_TRUE(rec.ok()) << rec.status();
  ASSERT_TRUE(rec->has_value());
  EXPECT_EQ((*rec)->timestamp_ns, c.want_ts);
  EXPECT_EQ((*rec)->packet, ip);
  EXPECT_EQ((*rec)->original_length, 1500u);
  EXPECT_TRUE((*rec)->truncated());
  EXPECT_EQ((*rec)->link_type, kLinkTypeRaw);
}

INSTANTIATE_TEST_SUITE_P(Magics, PcapMagicTest,
                         ::testing::Values(MagicCase{kPcapMagicMicro, false, 10000500000},
                                           MagicCase{kPcapMagicMicro, true, 10000500000},
                                           MagicCase{kPcapMagicNano, false, 10000000500},
                                           MagicCase{kPcapMagicNano, true, 10000000500}));

TEST_F(PcapTest, RawIpv4AndIpv6LinkTypes) {
  for (uint32_t lt : {kLinkTypeIpv4, kLinkTypeIpv6}) {
    std::vector<uint8_t> ip = lt == kLinkTypeIpv4 ? Ipv4Packet(1) : Ipv6Packet();
    absl::StatusOr<PcapReader> r = PcapReader::Open(
        WriteFile(Bytes().FileHeader(kPcapMagicMicro, lt).Record(1, 0, ip).bytes()));
    ASSERT_TRUE(r.ok()) << r.status();
    absl::StatusOr<std::vector<PcapRecord>> all = r->ReadAll();
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].packet, ip);
    EXPECT_EQ((*all)[0].link_type, lt);
  }
}

TEST_F(PcapTest, EthernetStripsHeaderAndVlanTags) {
  std::vector<uint8_t> v4 = Ipv4Packet(1, 4);
  std::vector<uint8_t> v6 = Ipv6Packet();
  std::vector<uint8_t> arp(28, 0xaa);
  Bytes b;
  b.FileHeader(kPcapMagicMicro, kLinkTypeEthernet)
      .Record(1, 0, Ethernet({0x0800}, v4))
      .Record(2, 0, Ethernet({0x8100, 0x86dd}, v6))
      .Record(3, 0, Ethernet({0x88a8, 0x8100, 0x0800}, v4))
      .Record(4, 0, Ethernet({0x0806}, arp))
      .Record(5, 0, Ethernet({0x8100, 0x8100, 0x8100, 0x0800}, v4))  // three tags: not ours
      .Record(6, 0, Ethernet({0x0800}, v4), 14 + 100);
  absl::StatusOr<PcapReader> r = PcapReader::Open(WriteFile(b.bytes()));
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<PcapRecord>> all = r->ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 6u);
  EXPECT_EQ((*all)[0].packet, v4);
  EXPECT_EQ((*all)[0].ethertype, 0x0800);
  EXPECT_EQ((*all)[0].original_length, v4.size());
  EXPECT_FALSE((*all)[0].skipped);
  EXPECT_EQ((*all)[1].packet, v6);
  EXPECT_EQ((*all)[1].ethertype, 0x86dd);
  EXPECT_EQ((*all)[2].packet, v4);
  EXPECT_TRUE((*all)[3].skipped);
  EXPECT_EQ((*all)[3].ethertype, 0x0806);
  EXPECT_TRUE((*all)[3].packet.empty());
  EXPECT_EQ((*all)[3].index, 4u);
  EXPECT_TRUE((*all)[4].skipped);
  EXPECT_EQ((*all)[4].ethertype, 0x8100);
  EXPECT_EQ((*all)[5].original_length, 100u);
  EXPECT_TRUE((*all)[5].truncated());
}

TEST_F(PcapTest, ShortEthernetFrameIsAnError) {
  absl::Status s = ReadError(Bytes()
                                 .FileHeader(kPcapMagicMicro, kLinkTypeEthernet)
                                 .Record(1, 0, Ethernet({0x0800}, Ipv4Packet(1)))
                                 .Record(1, 0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08})
                                 .bytes());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("record 2"));
  EXPECT_THAT(s.message(), HasSubstr("shorter than its 14-byte header"));
  std::vector<uint8_t> tag_cut = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0};
  s = ReadError(
      Bytes().FileHeader(kPcapMagicMicro, kLinkTypeEthernet).Record(1, 0, tag_cut).bytes());
  EXPECT_THAT(s.message(), HasSubstr("record 1: Ethernet frame of 15 bytes"));
}

TEST_F(PcapTest, MissingFile) {
  absl::StatusOr<PcapReader> r = PcapReader::Open(PathFor("does-not-exist.pcap"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("does-not-exist.pcap"));
}

TEST_F(PcapTest, EmptyFileIsTruncatedHeader) {
  absl::Status s = ReadError({});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("truncated pcap file header (0 of 24 bytes)"));
  EXPECT_THAT(s.message(), HasSubstr("in.pcap"));
}

TEST_F(PcapTest, TruncatedFileHeader) {
  std::vector<uint8_t> h = Bytes().FileHeader(kPcapMagicMicro, kLinkTypeRaw).bytes();
  h.resize(10);
  absl::Status s = ReadError(h);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("(10 of 24 bytes)"));
}

TEST_F(PcapTest, UnknownMagic) {
  absl::Status s = ReadError(Bytes().FileHeader(0x0a0d0d0a, kLinkTypeRaw).bytes());  // pcapng
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("unknown magic"));
  EXPECT_THAT(s.message(), HasSubstr("in.pcap"));
}

TEST_F(PcapTest, UnsupportedVersion) {
  std::vector<uint8_t> h = Bytes().FileHeader(kPcapMagicMicro, kLinkTypeRaw).bytes();
  h[4] = 3;
  absl::Status s = ReadError(h);
  EXPECT_THAT(s.message(), HasSubstr("unsupported pcap version 3.4"));
}

TEST_F(PcapTest, UnsupportedLinkType) {
  absl::Status s = ReadError(Bytes().FileHeader(kPcapMagicMicro, 105).bytes());  // 802.11
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("unsupported link type 105"));
}

TEST_F(PcapTest, HeaderOnlyFileHasNoRecords) {
  absl::StatusOr<PcapReader> r =
      PcapReader::Open(WriteFile(Bytes().FileHeader(kPcapMagicNano, kLinkTypeRaw).bytes()));
  ASSERT_TRUE(r.ok());
  absl::StatusOr<std::vector<PcapRecord>> all = r->ReadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(PcapTest, TruncatedRecordHeader) {
  Bytes b;
  b.FileHeader(kPcapMagicMicro, kLinkTypeRaw).Record(1, 0, Ipv4Packet(1)).U32(2).U32(0);
  absl::Status s = ReadError(b.bytes());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("in.pcap: record 2: truncated record header (8 of 16"));
}

TEST_F(PcapTest, TruncatedRecordBody) {
  std::vector<uint8_t> bytes =
      Bytes().FileHeader(kPcapMagicMicro, kLinkTypeRaw).Record(1, 0, Ipv4Packet(1, 30)).bytes();
  bytes.resize(bytes.size() - 5);
  absl::Status s = ReadError(bytes);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("record 1: truncated record (45 of 50 bytes)"));
}

TEST_F(PcapTest, CapturedLengthAboveSnaplen) {
  absl::Status s = ReadError(Bytes()
                                 .FileHeader(kPcapMagicMicro, kLinkTypeRaw, 64)
                                 .Record(1, 0, Ipv4Packet(1, 44))
                                 .Record(1, 0, Ipv4Packet(1, 45))
                                 .bytes());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("record 2: captured length 65 exceeds the file's snaplen 64"));
}

TEST_F(PcapTest, HugeCapturedLengthIsRefusedWithoutAllocating) {
  // Snaplen 0xffffffff and a record claiming 4 GiB - 1: refused before any allocation.
  Bytes b;
  b.FileHeader(kPcapMagicMicro, kLinkTypeRaw, 0xffffffff).U32(1).U32(0).U32(0xffffffff);
  b.U32(0xffffffff);
  absl::Status s = ReadError(b.bytes());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("record 1: captured length 4294967295 exceeds the maximum"));
  // Just above the limit, with a matching snaplen.
  Bytes c;
  c.FileHeader(kPcapMagicMicro, kLinkTypeRaw, kMaxRecordSize + 1)
      .U32(1)
      .U32(0)
      .U32(kMaxRecordSize + 1)
      .U32(kMaxRecordSize + 1);
  s = ReadError(c.bytes());
  EXPECT_THAT(s.message(), HasSubstr("exceeds the maximum of 262144"));
}

TEST_F(PcapTest, ErrorIsSticky) {
  std::vector<uint8_t> bytes =
      Bytes().FileHeader(kPcapMagicMicro, kLinkTypeRaw).Record(1, 0, Ipv4Packet(1)).bytes();
  bytes.resize(bytes.size() - 1);
  absl::StatusOr<PcapReader> r = PcapReader::Open(WriteFile(bytes));
  ASSERT_TRUE(r.ok());
  absl::StatusOr<std::optional<PcapRecord>> first = r->Next();
  ASSERT_FALSE(first.ok());
  absl::StatusOr<std::optional<PcapRecord>> second = r->Next();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(first.status(), second.status());
}

TEST_F(PcapTest, WriterRefusesBadInput) {
  absl::StatusOr<PcapWriter> w = PcapWriter::Create(PathFor("w.pcap"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->Write(-1, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w->Write(int64_t{1} << 62, {}).code(), absl::StatusCode::kInvalidArgument);
  std::vector<uint8_t> big(kMaxRecordSize + 1);
  absl::Status s = w->Write(0, big);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("w.pcap: record 1"));
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(w->Write(0, {}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PcapTest, WriterCannotCreateInMissingDirectory) {
  absl::StatusOr<PcapWriter> w = PcapWriter::Create(PathFor("no/such/dir.pcap"));
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.status().message(), HasSubstr("no/such/dir.pcap"));
}

}  // namespace
}  // namespace tunnelisa::tools
