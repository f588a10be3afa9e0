#include "tunnelisa/esp_dataplane.h"

#include <memory>
#include <string>
#include <vector>

#include "dataplane/ip_header.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/esp_pair.h"
#include "tests/test_tools/null_crypto.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa {
namespace {

using dataplane::Load16;
using dataplane::Load32;
using testing::EspPair;
using testing::Ip;
using testing::MakeUdpPacket;
using testing::SuiteByName;
using testing::TestBuffer;

CryptoRegistry* Registry() {
  static CryptoRegistry* r = CryptoRegistry::CreateDefault().release();
  return r;
}

struct RoundTripCase {
  std::string suite;
  bool outer_v6;
  bool inner_v6;
  bool udp;
  bool esn;
};

std::string CaseName(const ::testing::TestParamInfo<RoundTripCase>& info) {
  std::string s = info.param.suite;
  for (char& c : s) {
    if (c == '-') c = '_';
  }
  return s + (info.param.outer_v6 ? "_o6" : "_o4") + (info.param.inner_v6 ? "_i6" : "_i4") +
         (info.param.udp ? "_udp" : "") + (info.param.esn ? "_esn" : "");
}

std::vector<RoundTripCase> AllCases() {
  std::vector<RoundTripCase> cases;
  for (const char* suite :
       {"null-sha256", "des-md5", "3des-sha1", "aes128-sha256", "aes192-sha384", "aes256-sha512",
        "aes128gcm8", "aes128gcm12", "aes128gcm16", "aes192gcm16", "aes256gcm8", "aes256gcm12",
        "aes256gcm16", "chacha20poly1305"}) {
    for (int bits = 0; bits < 16; ++bits) {
      cases.push_back({suite, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0});
    }
  }
  return cases;
}

class EspRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(EspRoundTrip, EncryptThenDecryptRestoresEveryPacket) {
  const RoundTripCase& c = GetParam();
  EspSuite suite = SuiteByName(c.suite);
  IpAddress a = c.outer_v6 ? Ip("2001:db8::1") : Ip("192.0.2.1");
  IpAddress b = c.outer_v6 ? Ip("2001:db8::2") : Ip("192.0.2.2");
  auto pair = EspPair::Create(Registry(), suite, a, b, [&](SaConfig& s) {
    s.esn = c.esn;
    if (c.udp) s.udp_encap = UdpEncapsulation{};
  });
  ASSERT_NE(pair, nullptr);

  IpAddress in_src = c.inner_v6 ? Ip("2001:db8:1::10") : Ip("10.0.1.10");
  IpAddress in_dst = c.inner_v6 ? Ip("2001:db8:2::20") : Ip("10.0.2.20");
  // Sizes around every block boundary, plus an empty payload and a 1400-byte one.
  std::vector<size_t> sizes = {0, 1, 2, 3, 13, 14, 15, 16, 17, 31, 64, 255, 1000, 1400};
  std::vector<std::vector<uint8_t>> originals;
  std::vector<TestBuffer> bufs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    originals.push_back(MakeUdpPacket(in_src, in_dst, sizes[i], static_cast<uint8_t>(i),
                                      static_cast<uint8_t>(i * 4)));
  }
  for (const auto& o : originals) bufs.emplace_back(o);
  std::vector<PacketRef> refs;
  for (auto& b2 : bufs) refs.push_back(b2.ref());
  std::vector<Verdict> v(refs.size());
  pair->a->Encrypt(pair->out, refs, v, MonoTime{1});

  const EncryptionInfo& e = GetEncryptionInfo(suite.enc);
  for (size_t i = 0; i < refs.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(v[i].action, Verdict::Action::kForward) << DropReasonName(v[i].reason);
    const uint8_t* p = refs[i].data();
    size_t ip = c.outer_v6 ? 40 : 20;
    EXPECT_EQ(p[0] >> 4, c.outer_v6 ? 6 : 4);
    EXPECT_EQ(c.outer_v6 ? p[6] : p[9], c.udp ? 17 : 50);
    if (!c.outer_v6) {
      EXPECT_EQ(Load16(p + 2), refs[i].length);
      EXPECT_EQ(dataplane::InternetChecksum(p, 20), 0);  // a valid header sums to zero
      EXPECT_EQ(p[1] >> 2, (i * 4) >> 2) << "DSCP copied from the inner packet";
    } else {
      EXPECT_EQ(Load16(p + 4) + 40u, refs[i].length);
    }
    size_t esp = ip;
    if (c.udp) {
      EXPECT_EQ(Load16(p + ip), kNatTPort);
      EXPECT_EQ(Load16(p + ip + 2), kNatTPort);
      EXPECT_EQ(Load16(p + ip + 4), refs[i].length - ip);
      esp += 8;
    }
    EXPECT_EQ(Load32(p + esp), 0x1000u);
    EXPECT_EQ(Load32(p + esp + 4), i + 1) << "sequence numbers start at 1";
    size_t ct = refs[i].length - esp - 8 - e.iv_size - suite.icv_size();
    EXPECT_EQ(ct % e.block_size, 0u);
    EXPECT_EQ(ct % 4, 0u);
    // Ciphertext differs from plaintext (except NULL encryption).
    if (suite.enc != EncryptionAlgorithm::kNull) {
      EXPECT_NE(0, std::memcmp(p + esp + 8 + e.iv_size, originals[i].data(),
                               std::min(ct, originals[i].size())));
    }
  }

  pair->b->Decrypt(refs, v, MonoTime{2});
  for (size_t i = 0; i < refs.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(v[i].action, Verdict::Action::kDeliver) << DropReasonName(v[i].reason);
    EXPECT_EQ(v[i].sa, pair->in.index);
    std::vector<uint8_t> got(refs[i].data(), refs[i].data() + refs[i].length);
    EXPECT_EQ(got, originals[i]);
  }
  SaStats in = pair->b->Query(pair->in).value();
  EXPECT_EQ(in.packets, sizes.size());
  EXPECT_EQ(in.last_sequence, sizes.size());
  SaStats out = pair->a->Query(pair->out).value();
  EXPECT_EQ(out.packets, sizes.size());
  EXPECT_EQ(pair->b->counters().decrypted_packets, sizes.size());
  EXPECT_EQ(pair->b->counters().total_drops(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, EspRoundTrip, ::testing::ValuesIn(AllCases()), CaseName);

class Recorder : public EventListener {
 public:
  void OnSaLifetime(const SaLifetimeEvent& e) override { events.push_back(e); }
  std::vector<SaLifetimeEvent> events;
};

std::vector<uint8_t> Inner(size_t payload = 100) {
  return MakeUdpPacket(Ip("10.0.1.1"), Ip("10.0.2.2"), payload);
}

// Encrypts `count` packets on `pair` in one burst; returns the encrypted packets' bytes.
std::vector<std::vector<uint8_t>> EncryptN(EspPair& pair, size_t count, MonoTime now,
                                           std::vector<Verdict>* verdicts = nullptr) {
  std::vector<TestBuffer> bufs;
  bufs.reserve(count);
  std::vector<uint8_t> pkt = Inner();
  for (size_t i = 0; i < count; ++i) bufs.emplace_back(pkt);
  std::vector<PacketRef> refs;
  for (auto& b : bufs) refs.push_back(b.ref());
  std::vector<Verdict> v(count);
  pair.a->Encrypt(pair.out, refs, v, now);
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < count; ++i) {
    out.emplace_back(refs[i].data(), refs[i].data() + refs[i].length);
  }
  if (verdicts) *verdicts = v;
  return out;
}

Verdict DecryptOne(EspPair& pair, const std::vector<uint8_t>& bytes, MonoTime now = MonoTime{}) {
  TestBuffer b(bytes);
  Verdict v;
  pair.b->Decrypt(std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1), now);
  return v;
}

TEST(EspDataplane, BurstsLongerThanMaxBurstAreProcessedInOrder) {
  auto pair =
      EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"), Ip("192.0.2.2"));
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 3 * EspDataplane::kMaxBurst + 5, MonoTime{});
  for (size_t i = 0; i < pkts.size(); ++i) {
    EXPECT_EQ(Load32(pkts[i].data() + 24), i + 1);
  }
  std::vector<TestBuffer> bufs;
  bufs.reserve(pkts.size());
  for (auto& p : pkts) bufs.emplace_back(p);
  std::vector<PacketRef> refs;
  for (auto& b : bufs) refs.push_back(b.ref());
  std::vector<Verdict> v(refs.size());
  pair->b->Decrypt(refs, v, MonoTime{});
  for (const Verdict& x : v) EXPECT_EQ(x.action, Verdict::Action::kDeliver);
}

// EncryptEach seals a burst spread over several SAs (as an engine burst over many tunnels is)
// exactly as per-SA Encrypt calls would, byte for byte, with each SA's sequence numbers in
// order; a handle that is no active outbound SA drops only its own packet.
TEST(EspDataplane, EncryptEachMatchesPerSaEncryptAcrossSas) {
  for (const char* suite : {"aes128gcm16", "aes128-sha256", "chacha20poly1305"}) {
    SCOPED_TRACE(suite);
    // Two identical data planes: `each` gets EncryptEach, `one` per-SA Encrypt calls. CBC
    // IVs are random, so the CBC case pins them per packet on both.
    auto each = EspDataplane::Create({.crypto = Registry()}).value();
    auto one = EspDataplane::Create({.crypto = Registry()}).value();
    std::vector<SaHandle> sa_each, sa_one;
    for (uint32_t k = 0; k < 3; ++k) {
      for (EspDataplane* dp : {each.get(), one.get()}) {
        SaConfig c =
            testing::MakeSaConfig(SuiteByName(suite), SaDirection::kOutbound, 0x100 + k,
                                  Ip("192.0.2.1"), Ip("198.51.100.1"), static_cast<uint8_t>(k + 1));
        (dp == each.get() ? sa_each : sa_one)
            .push_back(dp->Install(std::move(c), MonoTime{}).value());
      }
    }
    SaConfig in = testing::MakeSaConfig(SuiteByName(suite), SaDirection::kInbound, 0x999,
                                        Ip("198.51.100.1"), Ip("192.0.2.1"));
    const SaHandle inbound = each->Install(std::move(in), MonoTime{}).value();
    // Packet i goes on SA pattern[i]; 3 is an inbound SA and 4 a handle never installed.
    const std::vector<int> pattern = {0, 1, 0, 2, 3, 2, 4, 1, 1, 0};
    std::vector<std::vector<uint8_t>> inner;
    for (size_t i = 0; i < pattern.size(); ++i) {
      inner.push_back(
          MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 40 + 10 * i, static_cast<uint8_t>(i)));
    }
    std::vector<TestBuffer> bufs;
    bufs.reserve(inner.size());
    std::vector<PacketRef> refs;
    std::vector<SaHandle> handles;
    for (size_t i = 0; i < inner.size(); ++i) {
      refs.push_back(bufs.emplace_back(inner[i]).ref());
      handles.push_back(pattern[i] < 3    ? sa_each[pattern[i]]
                        : pattern[i] == 3 ? inbound
                                          : SaHandle{});
    }
    const std::vector<uint8_t> iv(16, 0x5a);
    // AEAD suites: the whole burst in one call. CBC: a random IV per packet unless pinned, and
    // a pin holds for one packet, so that case goes packet by packet.
    std::vector<Verdict> v(refs.size());
    const bool cbc = std::string(suite).find('-') != std::string::npos;
    if (cbc) {
      for (size_t i = 0; i < refs.size(); ++i) {
        if (pattern[i] < 3) {
          ASSERT_TRUE(each->SetNextIvForTest(handles[i], iv).ok());
        }
        each->EncryptEach(std::span<const SaHandle>(&handles[i], 1), {&refs[i], 1}, {&v[i], 1},
                          MonoTime{});
      }
    } else {
      each->EncryptEach(handles, refs, v, MonoTime{});
    }
    for (size_t i = 0; i < inner.size(); ++i) {
      SCOPED_TRACE(i);
      if (pattern[i] >= 3) {
        EXPECT_EQ(v[i].action, Verdict::Action::kDrop);
        EXPECT_EQ(v[i].reason, DropReason::kSaNotActive);
        continue;
      }
      ASSERT_EQ(v[i].action, Verdict::Action::kForward) << DropReasonName(v[i].reason);
      TestBuffer expected(inner[i]);
      Verdict ev;
      if (cbc) {
        ASSERT_TRUE(one->SetNextIvForTest(sa_one[pattern[i]], iv).ok());
      }
      one->Encrypt(sa_one[pattern[i]], {&expected.ref(), 1}, {&ev, 1}, MonoTime{});
      ASSERT_EQ(ev.action, Verdict::Action::kForward);
      EXPECT_EQ(std::vector<uint8_t>(refs[i].data(), refs[i].data() + refs[i].length),
                expected.bytes());
    }
    EXPECT_EQ(each->counters().encrypted_packets, 8u);
  }
}

TEST(EspDataplane, ReplayedPacketIsDroppedAndCounted) {
  auto pair =
      EspPair::Create(Registry(), SuiteByName("aes256-sha512"), Ip("192.0.2.1"), Ip("192.0.2.2"));
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 1, MonoTime{});
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).action, Verdict::Action::kDeliver);
  Verdict v = DecryptOne(*pair, pkts[0]);
  EXPECT_EQ(v.reason, DropReason::kReplayed);
  EXPECT_EQ(pair->b->Query(pair->in)->drops[static_cast<size_t>(DropReason::kReplayed)], 1u);
  EXPECT_EQ(pair->b->counters().drops[static_cast<size_t>(DropReason::kReplayed)], 1u);
}

TEST(EspDataplane, PacketLeftOfWindowIsDropped) {
  auto pair = EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"),
                              Ip("192.0.2.2"), [](SaConfig& c) { c.replay_window = 32; });
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 40, MonoTime{});
  EXPECT_EQ(DecryptOne(*pair, pkts[39]).action, Verdict::Action::kDeliver);  // seq 40
  // Window [9, 40]: 40 - 32 + 1 is the oldest acceptable.
  EXPECT_EQ(DecryptOne(*pair, pkts[8]).action, Verdict::Action::kDeliver);  // seq 9: inside
  EXPECT_EQ(DecryptOne(*pair, pkts[7]).reason, DropReason::kLeftOfWindow);  // seq 8
}

TEST(EspDataplane, ReplayWindowZeroAcceptsReplays) {
  auto pair = EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"),
                              Ip("192.0.2.2"), [](SaConfig& c) { c.replay_window = 0; });
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 1, MonoTime{});
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).action, Verdict::Action::kDeliver);
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).action, Verdict::Action::kDeliver);
}

TEST(EspDataplane, ForgedPacketDoesNotMoveTheReplayWindow) {
  auto pair =
      EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"), Ip("192.0.2.2"));
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 2, MonoTime{});
  // A forged packet claiming a far-ahead sequence number must not advance the window.
  std::vector<uint8_t> forged = pkts[1];
  forged[24 + 4] = 0x7f;  // seq high byte
  EXPECT_EQ(DecryptOne(*pair, forged).reason, DropReason::kBadIcv);
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).action, Verdict::Action::kDeliver);
  EXPECT_EQ(DecryptOne(*pair, pkts[1]).action, Verdict::Action::kDeliver);
}

TEST(EspDataplane, SoftAndHardPacketLifetimesRaiseEventsOnce) {
  Recorder rec;
  auto pair = EspPair::Create(
      Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"), Ip("192.0.2.2"),
      [](SaConfig& c) {
        c.soft_lifetime.packets = 3;
        c.hard_lifetime.packets = 5;
        c.cookie = 77;
      },
      &rec);
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 5, MonoTime{});
  std::vector<Verdict> v;
  auto more = EncryptN(*pair, 1, MonoTime{}, &v);
  EXPECT_EQ(v[0].reason, DropReason::kSaExpired) << "outbound hard limit stops the SA";
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(DecryptOne(*pair, pkts[i]).action, Verdict::Action::kDeliver);
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_FALSE(rec.events[0].hard);
  EXPECT_EQ(rec.events[0].kind, LifetimeKind::kPackets);
  EXPECT_EQ(rec.events[0].cookie, 77u);
  EXPECT_EQ(rec.events[0].direction, SaDirection::kInbound);
  EXPECT_TRUE(rec.events[1].hard);
  SaStats s = pair->b->Query(pair->in).value();
  EXPECT_TRUE(s.soft_expired);
  EXPECT_TRUE(s.hard_expired);
}

TEST(EspDataplane, ByteLifetimeCountsInnerBytes) {
  Recorder rec;
  auto pair = EspPair::Create(
      Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"), Ip("192.0.2.2"),
      [](SaConfig& c) { c.soft_lifetime.bytes = 1000; }, &rec);
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 8, MonoTime{});  // 128-byte inner packets
  for (int i = 0; i < 7; ++i) DecryptOne(*pair, pkts[i]);
  EXPECT_TRUE(rec.events.empty()) << "7 * 128 = 896 < 1000";
  DecryptOne(*pair, pkts[7]);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, LifetimeKind::kBytes);
}

TEST(EspDataplane, TimeLifetimesFireFromOnTimerAndStopTraffic) {
  Recorder rec;
  auto pair = EspPair::Create(
      Registry(), SuiteByName("chacha20poly1305"), Ip("192.0.2.1"), Ip("192.0.2.2"),
      [](SaConfig& c) {
        c.soft_lifetime.time = Duration::Seconds(10);
        c.hard_lifetime.time = Duration::Seconds(20);
      },
      &rec);
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->b->OnTimer(MonoTime{}), MonoTime{} + Duration::Seconds(10));
  auto pkts = EncryptN(*pair, 2, MonoTime{});
  EXPECT_EQ(pair->b->OnTimer(MonoTime{} + Duration::Seconds(10)),
            MonoTime{} + Duration::Seconds(20));
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, LifetimeKind::kTime);
  EXPECT_FALSE(rec.events[0].hard);
  EXPECT_EQ(DecryptOne(*pair, pkts[0], MonoTime{} + Duration::Seconds(15)).action,
            Verdict::Action::kDeliver);
  // Past the hard deadline the SA refuses traffic even before OnTimer runs.
  EXPECT_EQ(DecryptOne(*pair, pkts[1], MonoTime{} + Duration::Seconds(21)).reason,
            DropReason::kSaExpired);
  EXPECT_EQ(pair->b->OnTimer(MonoTime{} + Duration::Seconds(30)), MonoTime::Infinite());
  EXPECT_EQ(rec.events.size(), 2u);
}

TEST(EspDataplane, SequenceNumbersNeverCycleWithoutEsn) {
  Recorder rec;
  auto registry = testing::RegistryWithNullCrypto();
  auto a = EspDataplane::Create({.crypto = registry.get(), .events = &rec}).value();
  SaConfig c = testing::MakeSaConfig(SuiteByName("aes128gcm16"), SaDirection::kOutbound, 0x2000,
                                     Ip("192.0.2.1"), Ip("192.0.2.2"));
  SaHandle h = a->Install(std::move(c), MonoTime{}).value();
  ASSERT_TRUE(a->Update(h, {.last_sequence = 0xfffffffeull}).ok());
  std::vector<TestBuffer> bufs;
  for (int i = 0; i < 3; ++i) bufs.emplace_back(Inner());
  std::vector<PacketRef> refs;
  for (auto& b : bufs) refs.push_back(b.ref());
  std::vector<Verdict> v(3);
  a->Encrypt(h, refs, v, MonoTime{});
  EXPECT_EQ(v[0].action, Verdict::Action::kForward);
  EXPECT_EQ(Load32(refs[0].data() + 24), 0xffffffffu);
  EXPECT_EQ(v[1].reason, DropReason::kSeqExhausted);
  EXPECT_EQ(v[2].reason, DropReason::kSeqExhausted);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, LifetimeKind::kSequence);
  EXPECT_TRUE(rec.events[0].hard);
  EXPECT_FALSE(a->Update(h, {.last_sequence = 5}).ok()) << "sequence numbers never go back";
}

TEST(EspDataplane, EsnCrossesThe32BitBoundary) {
  auto pair = EspPair::Create(Registry(), SuiteByName("aes128-sha256"), Ip("192.0.2.1"),
                              Ip("192.0.2.2"), [](SaConfig& c) { c.esn = true; });
  ASSERT_NE(pair, nullptr);
  ASSERT_TRUE(pair->a->Update(pair->out, {.last_sequence = 0xfffffffdull}).ok());
  auto pkts = EncryptN(*pair, 6, MonoTime{});
  for (size_t i = 0; i < pkts.size(); ++i) {
    EXPECT_EQ(Load32(pkts[i].data() + 24), static_cast<uint32_t>(0xfffffffeull + i));
    EXPECT_EQ(DecryptOne(*pair, pkts[i]).action, Verdict::Action::kDeliver) << i;
  }
  EXPECT_EQ(pair->b->Query(pair->in)->last_sequence, 0x100000003ull);
}

TEST(EspDataplane, EsnBurstAcrossTheBoundaryDecryptsInOneCall) {
  for (const char* suite : {"aes128gcm16", "aes256-sha512"}) {
    SCOPED_TRACE(suite);
    auto pair = EspPair::Create(Registry(), SuiteByName(suite), Ip("192.0.2.1"), Ip("192.0.2.2"),
                                [](SaConfig& c) { c.esn = true; });
    ASSERT_NE(pair, nullptr);
    ASSERT_TRUE(pair->a->Update(pair->out, {.last_sequence = 0xfffffff0ull}).ok());
    auto pkts = EncryptN(*pair, 40, MonoTime{});  // 0xfffffff1 .. 0x100000018
    std::vector<TestBuffer> bufs;
    bufs.reserve(pkts.size() + 1);
    for (auto& p : pkts) bufs.emplace_back(p);
    bufs.emplace_back(pkts[30]);  // a replay of 2^32 + 0xe, after the boundary
    std::vector<PacketRef> refs;
    for (auto& b : bufs) refs.push_back(b.ref());
    std::vector<Verdict> v(refs.size());
    pair->b->Decrypt(refs, v, MonoTime{});
    for (size_t i = 0; i < pkts.size(); ++i) {
      EXPECT_EQ(v[i].action, Verdict::Action::kDeliver) << i << " " << DropReasonName(v[i].reason);
    }
    EXPECT_EQ(v.back().reason, DropReason::kReplayed);
    EXPECT_EQ(pair->b->Query(pair->in)->last_sequence, 0x100000018ull);
  }
}

TEST(EspDataplane, EsnHighBitsAreAuthenticated) {
  // A receiver that infers the wrong high half must fail the ICV: encrypt with seq 2^32+1 and
  // receive on a fresh SA (top 0 => infers high half 0).
  auto pair = EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"),
                              Ip("192.0.2.2"), [](SaConfig& c) { c.esn = true; });
  ASSERT_NE(pair, nullptr);
  ASSERT_TRUE(pair->a->Update(pair->out, {.last_sequence = 0x100000000ull}).ok());
  auto pkts = EncryptN(*pair, 1, MonoTime{});
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).reason, DropReason::kBadIcv);
}

TEST(EspDataplane, InstallRefusesBadConfigsWithClearErrors) {
  auto dp = EspDataplane::Create({.crypto = Registry()}).value();
  auto base = [] {
    return testing::MakeSaConfig(SuiteByName("aes128gcm16"), SaDirection::kInbound, 0x3000,
                                 Ip("192.0.2.1"), Ip("192.0.2.2"));
  };
  struct Bad {
    std::function<void(SaConfig&)> change;
    std::string message;
  };
  std::vector<Bad> bads = {
      {[](SaConfig& c) { c.spi = 255; }, "reserved"},
      {[](SaConfig& c) { c.enc_key = testing::TestKey(16, 1); }, "needs 20 bytes"},
      {[](SaConfig& c) { c.suite.integ = IntegrityAlgorithm::kHmacSha1_96; }, "AEAD"},
      {[](SaConfig& c) {
         c.suite = SuiteByName("aes128");
         c.enc_key = testing::TestKey(16, 1);
       },
       "integrity"},
      {[](SaConfig& c) { c.replay_window = 16; }, "replay window"},
      {[](SaConfig& c) { c.replay_window = 70000; }, "replay window"},
      {[](SaConfig& c) { c.remote = Ip("2001:db8::1"); }, "family"},
      {[](SaConfig& c) { c.local = IpAddress(); }, "required"},
      {[](SaConfig& c) { c.dscp = 64; }, "dscp"},
      {[](SaConfig& c) {
         c.soft_lifetime.bytes = 10;
         c.hard_lifetime.bytes = 5;
       },
       "soft lifetime"},
      {[](SaConfig& c) { c.backend = "nosuch"; }, "nosuch"},
  };
  for (const Bad& b : bads) {
    SaConfig c = base();
    b.change(c);
    absl::StatusOr<SaHandle> h = dp->Install(std::move(c), MonoTime{});
    ASSERT_FALSE(h.ok()) << b.message;
    EXPECT_THAT(std::string(h.status().message()), ::testing::HasSubstr(b.message));
  }
  ASSERT_TRUE(dp->Install(base(), MonoTime{}).ok());
  absl::StatusOr<SaHandle> dup = dp->Install(base(), MonoTime{});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(dp->sa_count(), 1u);
}

TEST(EspDataplane, DeletedHandleIsStaleEvenWhenTheSlotIsReused) {
  auto dp = EspDataplane::Create({.crypto = Registry()}).value();
  auto cfg = [](uint32_t spi) {
    return testing::MakeSaConfig(SuiteByName("aes128gcm16"), SaDirection::kOutbound, spi,
                                 Ip("192.0.2.1"), Ip("192.0.2.2"));
  };
  SaHandle h1 = dp->Install(cfg(0x4000), MonoTime{}).value();
  ASSERT_TRUE(dp->Delete(h1).ok());
  SaHandle h2 = dp->Install(cfg(0x4001), MonoTime{}).value();
  EXPECT_EQ(h1.index, h2.index);
  EXPECT_NE(h1, h2);
  EXPECT_FALSE(dp->Query(h1).ok());
  EXPECT_FALSE(dp->Delete(h1).ok());
  TestBuffer b(Inner());
  Verdict v;
  dp->Encrypt(h1, std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1), MonoTime{});
  EXPECT_EQ(v.reason, DropReason::kSaNotActive);
}

TEST(EspDataplane, LookupBySpiAndDestinationSeparatesTwoSasWithOneSpi) {
  auto dp =
      EspDataplane::Create({.crypto = Registry(), .lookup = SadLookup::kSpiAndDestination}).value();
  SaConfig c1 = testing::MakeSaConfig(SuiteByName("aes128gcm16"), SaDirection::kInbound, 0x5000,
                                      Ip("192.0.2.1"), Ip("192.0.2.9"), 1);
  SaConfig c2 = testing::MakeSaConfig(SuiteByName("aes128gcm16"), SaDirection::kInbound, 0x5000,
                                      Ip("192.0.2.2"), Ip("192.0.2.9"), 2);
  SaHandle h1 = dp->Install(std::move(c1), MonoTime{}).value();
  SaHandle h2 = dp->Install(std::move(c2), MonoTime{}).value();
  EXPECT_EQ(dp->FindInbound(0x5000, Ip("192.0.2.1")), h1);
  EXPECT_EQ(dp->FindInbound(0x5000, Ip("192.0.2.2")), h2);
  EXPECT_FALSE(dp->FindInbound(0x5000, Ip("192.0.2.3")).has_value());
}

TEST(EspDataplane, SelectorsAreCheckedAfterDecryption) {
  auto pair = EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"),
                              Ip("192.0.2.2"), [](SaConfig& c) {
                                if (c.direction == SaDirection::kInbound) {
                                  c.remote_selectors = {*IpPrefix::Parse("10.9.0.0/16")};
                                }
                              });
  ASSERT_NE(pair, nullptr);
  auto pkts = EncryptN(*pair, 1, MonoTime{});  // inner source 10.0.1.1
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).reason, DropReason::kSelectorMismatch);
}

TEST(EspDataplane, OuterHeaderSettingsAreApplied) {
  auto pair = EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"),
                              Ip("192.0.2.2"), [](SaConfig& c) {
                                c.ttl = 17;
                                c.dscp = 46;
                                c.df = DfPolicy::kSet;
                              });
  ASSERT_NE(pair, nullptr);
  TestBuffer b(MakeUdpPacket(Ip("10.0.1.1"), Ip("10.0.2.2"), 10, 0, /*tos=*/0x02));
  Verdict v;
  pair->a->Encrypt(pair->out, std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1),
                   MonoTime{});
  const uint8_t* p = b.ref().data();
  EXPECT_EQ(p[8], 17);
  EXPECT_EQ(p[1], 46 << 2 | 0x02) << "DSCP set, ECN copied (RFC 6040)";
  EXPECT_EQ(p[6] & 0x40, 0x40);
}

TEST(EspDataplane, OuterCongestionMarkIsPropagatedToTheInnerPacket) {
  auto pair =
      EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"), Ip("192.0.2.2"));
  ASSERT_NE(pair, nullptr);
  for (uint8_t inner_ecn : {1, 0}) {
    TestBuffer b(MakeUdpPacket(Ip("10.0.1.1"), Ip("10.0.2.2"), 10, 0, inner_ecn));
    Verdict v;
    pair->a->Encrypt(pair->out, std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1),
                     MonoTime{});
    uint8_t* p = b.ref().mutable_data();
    p[1] |= 3;  // a router on the way marks CE
    p[10] = p[11] = 0;
    uint16_t c = dataplane::InternetChecksum(p, 20);
    p[10] = static_cast<uint8_t>(c >> 8);
    p[11] = static_cast<uint8_t>(c);
    pair->b->Decrypt(std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1), MonoTime{});
    if (inner_ecn == 1) {
      ASSERT_EQ(v.action, Verdict::Action::kDeliver);
      EXPECT_EQ(b.ref().data()[1] & 3, 3);
      EXPECT_EQ(dataplane::InternetChecksum(b.ref().data(), 20), 0);
    } else {
      EXPECT_EQ(v.reason, DropReason::kEcnCeNotEct) << "RFC 6040 section 4.2";
    }
  }
}

TEST(EspDataplane, UpdateFollowsAPeerThatMovedBehindANat) {
  auto pair =
      EspPair::Create(Registry(), SuiteByName("aes128gcm16"), Ip("192.0.2.1"), Ip("192.0.2.2"));
  ASSERT_NE(pair, nullptr);
  ASSERT_TRUE(pair->a
                  ->Update(pair->out, {.remote = Ip("198.51.100.7"),
                                       .udp_encap = UdpEncapsulation{4500, 31337}})
                  .ok());
  auto pkts = EncryptN(*pair, 1, MonoTime{});
  uint8_t* p = pkts[0].data();
  EXPECT_EQ(p[9], kProtoUdp);
  EXPECT_EQ(IpAddress::V4Bytes(p + 16), Ip("198.51.100.7"));
  EXPECT_EQ(Load16(p + 22), 31337);
  // The NAT maps 198.51.100.7:31337 back to the peer's port 4500.
  p[22] = 4500 >> 8;
  p[23] = 4500 & 0xff;
  EXPECT_EQ(DecryptOne(*pair, pkts[0]).action, Verdict::Action::kDeliver);
}

TEST(CryptoRegistry, SodiumAndOpenSslInteroperate) {
  CryptoRegistry* r = Registry();
  ASSERT_NE(r->Find("openssl"), nullptr);
  ASSERT_NE(r->Find("sodium"), nullptr);
  EXPECT_TRUE(r->FailedSuites().empty()) << r->FailedSuites().front();
  for (const char* name : {"aes256gcm16", "chacha20poly1305", "null-sha256", "null-sha512"}) {
    EspSuite suite = SuiteByName(name);
    if (!r->Supported("sodium", suite)) {
      ASSERT_EQ(suite.enc, EncryptionAlgorithm::kAes256Gcm16) << "only AES-GCM depends on CPU";
      continue;
    }
    for (bool sodium_seals : {true, false}) {
      SCOPED_TRACE(std::string(name) + (sodium_seals ? " sodium->openssl" : " openssl->sodium"));
      auto pair = EspPair::Create(r, suite, Ip("192.0.2.1"), Ip("192.0.2.2"), [&](SaConfig& c) {
        bool out = c.direction == SaDirection::kOutbound;
        c.backend = out == sodium_seals ? "sodium" : "openssl";
      });
      ASSERT_NE(pair, nullptr);
      auto pkts = EncryptN(*pair, 3, MonoTime{});
      for (auto& p : pkts) EXPECT_EQ(DecryptOne(*pair, p).action, Verdict::Action::kDeliver);
    }
  }
}

TEST(CryptoRegistry, PreferencesChooseTheBackend) {
  auto r = CryptoRegistry::CreateDefault();
  // The default ranking (fastest measured first): IPsec-MB where it is built in, else OpenSSL.
  const std::string fastest = r->Find("ipsecmb") != nullptr ? "ipsecmb" : "openssl";
  EspSuite chacha = SuiteByName("chacha20poly1305");
  EXPECT_EQ(r->Select(chacha).value()->name(), fastest);
  ASSERT_TRUE(r->Prefer(EncryptionAlgorithm::kChaCha20Poly1305, "sodium").ok());
  EXPECT_EQ(r->Select(chacha).value()->name(), "sodium");
  // sodium has no AES-CBC: the preference does not apply there.
  ASSERT_TRUE(r->PreferForAll("sodium").ok());
  EXPECT_EQ(r->Select(SuiteByName("aes128-sha256")).value()->name(), fastest);
  EXPECT_EQ(r->Prefer(EncryptionAlgorithm::kNull, "nosuch").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tunnelisa
