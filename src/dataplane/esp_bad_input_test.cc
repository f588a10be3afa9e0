// Bad input of every kind is a counted drop with its reason, never a crash. Packets are crafted
// with ENCR_NULL + HMAC-SHA-256-128 (RFC 2410 + RFC 4868) so the test controls every byte of
// the "decrypted" payload and still produces a valid ICV.
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <vector>

#include "dataplane/ip_header.h"
#include "gtest/gtest.h"
#include "tests/test_tools/esp_pair.h"
#include "tests/test_tools/packets.h"
#include "tunnelisa/esp_dataplane.h"

namespace tunnelisa {
namespace {

using dataplane::Store16;
using dataplane::Store32;
using testing::Ip;
using testing::MakeUdpPacket;
using testing::TestBuffer;

constexpr uint32_t kSpi = 0x1234;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = CryptoRegistry::CreateDefault();
    dp_ = EspDataplane::Create({.crypto = registry_.get()}).value();
    SaConfig c =
        testing::MakeSaConfig({EncryptionAlgorithm::kNull, IntegrityAlgorithm::kHmacSha256_128},
                              SaDirection::kInbound, kSpi, Ip("192.0.2.2"), Ip("192.0.2.1"));
    auth_key_ = std::vector<uint8_t>(c.auth_key.data(), c.auth_key.data() + c.auth_key.size());
    sa_ = dp_->Install(std::move(c), MonoTime{}).value();
  }

  // Esp: SPI, seq, payload (already with its trailer), valid ICV.
  std::vector<uint8_t> Esp(uint32_t seq, const std::vector<uint8_t>& payload, uint32_t spi = kSpi) {
    std::vector<uint8_t> esp(8 + payload.size());
    Store32(esp.data(), spi);
    Store32(esp.data() + 4, seq);
    std::memcpy(esp.data() + 8, payload.data(), payload.size());
    uint8_t mac[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), auth_key_.data(), static_cast<int>(auth_key_.size()), esp.data(), esp.size(),
         mac, &len);
    esp.insert(esp.end(), mac, mac + 16);
    return esp;
  }
  // Trailer: inner + pad (1, 2, ...) + pad length + next header, aligned to 4.
  static std::vector<uint8_t> WithTrailer(std::vector<uint8_t> inner, uint8_t nh = 4) {
    size_t pad = (4 - (inner.size() + 2) % 4) % 4;
    for (size_t i = 0; i < pad; ++i) inner.push_back(static_cast<uint8_t>(i + 1));
    inner.push_back(static_cast<uint8_t>(pad));
    inner.push_back(nh);
    return inner;
  }
  static std::vector<uint8_t> Outer(const std::vector<uint8_t>& esp, uint8_t proto = kProtoEsp) {
    // Built in an array, then appended only when there is something to append: g++ 12 -O3
    // cannot see that these vectors are non-empty and warns of null dereferences
    // (-Wnull-dereference) and bounds (-Warray-bounds) otherwise.
    std::array<uint8_t, 20> h{};
    h[0] = 0x45;
    Store16(&h[2], static_cast<uint16_t>(h.size() + esp.size()));
    h[8] = 64;
    h[9] = proto;
    std::memcpy(&h[12], Ip("192.0.2.1").bytes(), 4);
    std::memcpy(&h[16], Ip("192.0.2.2").bytes(), 4);
    Store16(&h[10], dataplane::Ipv4HeaderChecksum(h.data()));
    std::vector<uint8_t> p(h.begin(), h.end());
    p.resize(h.size() + esp.size());
    if (!esp.empty()) std::memcpy(p.data() + h.size(), esp.data(), esp.size());
    return p;
  }
  static std::vector<uint8_t> Udp(const std::vector<uint8_t>& payload, uint16_t port = 4500,
                                  int length_error = 0) {
    std::vector<uint8_t> u(8 + payload.size());
    Store16(&u[0], 4500);
    Store16(&u[2], port);
    Store16(&u[4], static_cast<uint16_t>(u.size() + length_error));
    std::memcpy(&u[8], payload.data(), payload.size());
    return Outer(u, kProtoUdp);
  }
  Verdict Feed(const std::vector<uint8_t>& bytes, InboundFormat format = InboundFormat::kOuterIp,
               MonoTime now = MonoTime{}) {
    TestBuffer b(bytes);
    Verdict v;
    dp_->Decrypt(std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1), now, format);
    return v;
  }
  Verdict FeedAt(const std::vector<uint8_t>& bytes, MonoTime now) {
    return Feed(bytes, InboundFormat::kOuterIp, now);
  }
  // Install: another inbound SA of the fixture's kind (same keys) with `spi`.
  absl::StatusOr<SaHandle> Install(uint32_t spi, void (*tweak)(SaConfig&) = nullptr) {
    SaConfig c =
        testing::MakeSaConfig({EncryptionAlgorithm::kNull, IntegrityAlgorithm::kHmacSha256_128},
                              SaDirection::kInbound, spi, Ip("192.0.2.2"), Ip("192.0.2.1"));
    if (tweak != nullptr) tweak(c);
    return dp_->Install(std::move(c), MonoTime{});
  }
  uint64_t SaDrops(SaHandle h, DropReason r) const {
    return dp_->Query(h)->drops[static_cast<size_t>(r)];
  }
  uint64_t Count(DropReason r) const { return dp_->counters().drops[static_cast<size_t>(r)]; }
  std::vector<uint8_t> Good() const { return MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 20); }

  std::unique_ptr<CryptoRegistry> registry_;
  std::unique_ptr<EspDataplane> dp_;
  std::vector<uint8_t> auth_key_;
  SaHandle sa_;
};

TEST_F(BadInput, CraftedGoodPacketIsDelivered) {
  Verdict v = Feed(Outer(Esp(1, WithTrailer(Good()))));
  EXPECT_EQ(v.action, Verdict::Action::kDeliver) << DropReasonName(v.reason);
}

TEST_F(BadInput, EveryCaseIsACountedDropWithItsReason) {
  struct Case {
    const char* name;
    std::vector<uint8_t> packet;
    DropReason want;
  };
  std::vector<uint8_t> good = Outer(Esp(1, WithTrailer(Good())));
  std::vector<uint8_t> truncated_ip(good.begin(), good.begin() + 10);
  std::vector<uint8_t> short_total = good;
  Store16(&short_total[2], 10);  // total length below the header length
  std::vector<uint8_t> long_total = good;
  Store16(&long_total[2], static_cast<uint16_t>(good.size() + 1));
  std::vector<uint8_t> bad_ihl = good;
  bad_ihl[0] = 0x44;
  std::vector<uint8_t> fragment = good;
  fragment[6] = 0x20;  // MF
  std::vector<uint8_t> bad_icv = good;
  bad_icv.back() ^= 1;
  std::vector<uint8_t> flipped_payload = good;
  flipped_payload[40] ^= 0x10;
  std::vector<uint8_t> bad_pad = WithTrailer(Good());
  std::vector<uint8_t> bad_pad_value = Good();  // 48 bytes: pad 2 -> [1, 9]
  bad_pad_value.insert(bad_pad_value.end(), {1, 9, 2, 4});
  std::vector<uint8_t> pad_too_long = Good();
  pad_too_long.insert(pad_too_long.end(), {0, 0, 200, 4});  // pad length 200 > payload
  std::vector<uint8_t> malformed_inner = Good();
  Store16(&malformed_inner[2], 400);  // inner total length past the payload
  std::vector<uint8_t> v6_in_v4 = Good();
  std::vector<uint8_t> unaligned = WithTrailer(Good());
  unaligned.push_back(0);

  std::vector<Case> cases = {
      {"empty", {}, DropReason::kTruncated},
      {"truncated IP header", truncated_ip, DropReason::kTruncated},
      {"total length below header", short_total, DropReason::kBadLength},
      {"total length past the packet", long_total, DropReason::kBadLength},
      {"IHL below 5", bad_ihl, DropReason::kBadOuterHeader},
      {"IP version 7",
       [&] {
         auto p = good;
         p[0] = 0x75;
         return p;
       }(),
       DropReason::kBadOuterHeader},
      {"outer fragment", fragment, DropReason::kOuterFragment},
      {"GRE is not ESP", Outer(Esp(1, WithTrailer(Good())), kProtoGre), DropReason::kNotForUs},
      {"ESP header cut", Outer({0, 0, 0x12}), DropReason::kTruncated},
      {"ESP without ICV room", Outer({0, 0, 0x12, 0x34, 0, 0, 0, 1, 0, 4}), DropReason::kTruncated},
      {"unknown SPI", Outer(Esp(1, WithTrailer(Good()), 0x9999)), DropReason::kUnknownSpi},
      {"sequence 0", Outer(Esp(0, WithTrailer(Good()))), DropReason::kSeqZero},
      {"bad ICV", bad_icv, DropReason::kBadIcv},
      {"payload changed", flipped_payload, DropReason::kBadIcv},
      {"pad bytes not 1,2,..", Outer(Esp(2, bad_pad_value)), DropReason::kBadPadding},
      {"pad length past payload", Outer(Esp(3, pad_too_long)), DropReason::kBadPadding},
      {"ciphertext not 4-aligned", Outer(Esp(4, unaligned)), DropReason::kBadEspLength},
      {"next header 17", Outer(Esp(5, WithTrailer(Good(), 17))), DropReason::kBadNextHeader},
      {"dummy packet", Outer(Esp(6, WithTrailer(Good(), 59))), DropReason::kDummyPacket},
      {"inner length wrong", Outer(Esp(7, WithTrailer(malformed_inner))),
       DropReason::kMalformedInner},
      {"IPv4 packet labelled IPv6", Outer(Esp(8, WithTrailer(v6_in_v4, 41))),
       DropReason::kMalformedInner},
      {"inner is 3 bytes", Outer(Esp(9, WithTrailer({0x45, 0, 0}))), DropReason::kMalformedInner},
      {"UDP length too long", Udp(Esp(10, WithTrailer(Good())), 4500, 1),
       DropReason::kBadUdpLength},
      {"UDP length too short", Udp(Esp(11, WithTrailer(Good())), 4500, -1),
       DropReason::kBadUdpLength},
      {"UDP to another port", Udp(Esp(12, WithTrailer(Good())), 4501), DropReason::kNotForUs},
      {"UDP header cut", Outer({0x11, 0x94, 0x11}, kProtoUdp), DropReason::kTruncated},
      {"oversized", std::vector<uint8_t>(70000, 0x45), DropReason::kOversized},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    uint64_t before = Count(c.want);
    Verdict v = Feed(c.packet);
    EXPECT_TRUE(v.dropped());
    EXPECT_EQ(DropReasonName(v.reason), DropReasonName(c.want));
    EXPECT_EQ(Count(c.want), before + 1);
  }
  // After all of that the SA still works (no lost state).
  std::vector<uint8_t> seq100 = Outer(Esp(100, WithTrailer(Good())));
  EXPECT_EQ(Feed(seq100).action, Verdict::Action::kDeliver);
  EXPECT_EQ(Feed(seq100).reason, DropReason::kReplayed);
  EXPECT_EQ(Feed(Outer(Esp(20, WithTrailer(Good())))).reason, DropReason::kLeftOfWindow);
  // Per-SA counters saw the SA's drops too.
  EXPECT_GE(dp_->Query(sa_)->drops[static_cast<size_t>(DropReason::kBadIcv)], 2u);
}

TEST_F(BadInput, NatKeepaliveIsCountedNotDelivered) {
  Verdict v = Feed(Udp({0xff}));
  EXPECT_EQ(v.action, Verdict::Action::kConsumed);
  EXPECT_EQ(dp_->counters().nat_keepalives, 1u);
  v = Feed({0xff}, InboundFormat::kUdpPayload);
  EXPECT_EQ(v.action, Verdict::Action::kConsumed);
  EXPECT_EQ(dp_->counters().nat_keepalives, 2u);
}

TEST_F(BadInput, NonEspMarkerHandsIkeToTheControlPlane) {
  std::vector<uint8_t> ike = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(Feed(Udp(ike)).action, Verdict::Action::kToControl);
  EXPECT_EQ(Feed(ike, InboundFormat::kUdpPayload).action, Verdict::Action::kToControl);
  EXPECT_EQ(dp_->counters().to_control, 2u);
  // Raw ESP (protocol 50) is never IKE, even with a zero SPI.
  EXPECT_EQ(Feed(Outer(ike)).reason, DropReason::kUnknownSpi);
}

TEST_F(BadInput, UdpPayloadFormatCarriesEsp) {
  Verdict v = Feed(Esp(1, WithTrailer(Good())), InboundFormat::kUdpPayload);
  EXPECT_EQ(v.action, Verdict::Action::kDeliver) << DropReasonName(v.reason);
}

TEST_F(BadInput, TrailingLinkPaddingIsIgnored) {
  std::vector<uint8_t> p = Outer(Esp(1, WithTrailer(Good())));
  p.insert(p.end(), 6, 0);  // Ethernet minimum-frame padding after the IP packet
  EXPECT_EQ(Feed(p).action, Verdict::Action::kDeliver);
}

TEST_F(BadInput, RandomGarbageNeverCrashes) {
  // Deterministic pseudo-random packets around a valid one: mutations of every byte.
  std::vector<uint8_t> good = Outer(Esp(1, WithTrailer(Good())));
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  const std::vector<uint8_t> inner = Good();
  size_t dropped = 0;
  size_t delivered = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> p = good;
    int flips = 1 + next() % 4;
    for (int f = 0; f < flips; ++f) p[next() % p.size()] ^= static_cast<uint8_t>(1 + next() % 255);
    if (next() % 4 == 0) p.resize(next() % (p.size() + 1));
    TestBuffer b(p);
    Verdict v;
    dp_->Decrypt(std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1), MonoTime{},
                 InboundFormat::kOuterIp);
    dropped += v.dropped();
    if (v.action == Verdict::Action::kDeliver) {
      // Only a mutation the ICV does not cover (the outer header) can get through, and what
      // comes out must be exactly the packet that was sent.
      ++delivered;
      EXPECT_EQ(b.bytes(), inner) << "mutation " << i;
    }
  }
  EXPECT_GT(dropped, 19000u);
  EXPECT_EQ(dropped + delivered, 20000u);
  EXPECT_EQ(dp_->counters().decrypted_packets + dp_->counters().total_drops(), 20000u);
}

// The drops found before authentication are counted in the SA's InboundRecord (in the SPI
// table): Query adds them to the SA's own counters.
TEST_F(BadInput, PreAuthenticationDropsAreCountedPerSa) {
  for (int i = 0; i < 3; ++i) {
    Verdict v = Feed(Outer(Esp(0, WithTrailer(Good()))));
    EXPECT_EQ(v.reason, DropReason::kSeqZero);
    EXPECT_EQ(v.sa, sa_.index);
  }
  EXPECT_EQ(Feed(Outer({0x00, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0, 4})).reason, DropReason::kTruncated);
  std::vector<uint8_t> unaligned = WithTrailer(Good());
  unaligned.push_back(0);
  EXPECT_EQ(Feed(Outer(Esp(4, unaligned))).reason, DropReason::kBadEspLength);
  std::vector<uint8_t> seq100 = Outer(Esp(100, WithTrailer(Good())));
  ASSERT_EQ(Feed(seq100).action, Verdict::Action::kDeliver);
  EXPECT_EQ(Feed(seq100).reason, DropReason::kReplayed);
  EXPECT_EQ(Feed(Outer(Esp(20, WithTrailer(Good())))).reason, DropReason::kLeftOfWindow);
  std::vector<uint8_t> bad_icv = Outer(Esp(101, WithTrailer(Good())));
  bad_icv.back() ^= 1;
  EXPECT_EQ(Feed(bad_icv).reason, DropReason::kBadIcv);  // after crypto: the Sa's counter

  EXPECT_EQ(SaDrops(sa_, DropReason::kSeqZero), 3u);
  for (DropReason r : {DropReason::kTruncated, DropReason::kBadEspLength, DropReason::kReplayed,
                       DropReason::kLeftOfWindow, DropReason::kBadIcv}) {
    SCOPED_TRACE(DropReasonName(r));
    EXPECT_EQ(SaDrops(sa_, r), 1u);
    EXPECT_EQ(Count(r), 1u);
  }
  EXPECT_EQ(dp_->Query(sa_)->packets, 1u);
}

TEST_F(BadInput, RecordsKeepTheirStateWhileTheTableGrowsAndShrinks) {
  ASSERT_EQ(Feed(Outer(Esp(5, WithTrailer(Good())))).action, Verdict::Action::kDeliver);
  EXPECT_EQ(Feed(Outer(Esp(0, WithTrailer(Good())))).reason, DropReason::kSeqZero);
  // Thousands of other inbound SAs: the SPI table rehashes several times (moving every
  // record), and deleting half of them shifts probe runs backwards.
  std::vector<SaHandle> others;
  for (uint32_t i = 0; i < 3000; ++i) {
    absl::StatusOr<SaHandle> h = Install(0x10000 + i * 7919);
    ASSERT_TRUE(h.ok()) << h.status();
    others.push_back(*h);
  }
  for (size_t i = 0; i < others.size(); i += 2) ASSERT_TRUE(dp_->Delete(others[i]).ok());
  EXPECT_EQ(dp_->FindInbound(kSpi, Ip("192.0.2.2")), sa_);
  EXPECT_EQ(SaDrops(sa_, DropReason::kSeqZero), 1u);
  EXPECT_EQ(Feed(Outer(Esp(5, WithTrailer(Good())))).reason, DropReason::kReplayed);
  EXPECT_EQ(Feed(Outer(Esp(6, WithTrailer(Good())))).action, Verdict::Action::kDeliver);
  EXPECT_EQ(dp_->Query(sa_)->last_sequence, 6u);
  // Deleted SAs' SPIs are unknown; the others still work and count for themselves.
  EXPECT_EQ(Feed(Outer(Esp(1, WithTrailer(Good()), 0x10000))).reason, DropReason::kUnknownSpi);
  EXPECT_FALSE(dp_->FindInbound(0x10000, Ip("192.0.2.2")).has_value());
  const uint32_t kept = 0x10000 + 7919;
  EXPECT_EQ(dp_->FindInbound(kept, Ip("192.0.2.2")), others[1]);
  EXPECT_EQ(Feed(Outer(Esp(1, WithTrailer(Good()), kept))).action, Verdict::Action::kDeliver);
  Verdict v = Feed(Outer(Esp(0, WithTrailer(Good()), kept)));
  EXPECT_EQ(v.reason, DropReason::kSeqZero);
  EXPECT_EQ(v.sa, others[1].index);
  EXPECT_EQ(SaDrops(others[1], DropReason::kSeqZero), 1u);
  EXPECT_EQ(SaDrops(sa_, DropReason::kSeqZero), 1u);
  // A new SA in a deleted SA's slot and SPI starts with clean counters.
  absl::StatusOr<SaHandle> again = Install(0x10000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(SaDrops(*again, DropReason::kSeqZero), 0u);
  EXPECT_EQ(Feed(Outer(Esp(1, WithTrailer(Good()), 0x10000))).action, Verdict::Action::kDeliver);
}

TEST_F(BadInput, HardPacketLimitStopsTheSaBeforeCrypto) {
  absl::StatusOr<SaHandle> h = Install(0x2345, [](SaConfig& c) { c.hard_lifetime.packets = 2; });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(Feed(Outer(Esp(1, WithTrailer(Good()), 0x2345))).action, Verdict::Action::kDeliver);
  EXPECT_EQ(Feed(Outer(Esp(2, WithTrailer(Good()), 0x2345))).action, Verdict::Action::kDeliver);
  EXPECT_EQ(Feed(Outer(Esp(3, WithTrailer(Good()), 0x2345))).reason, DropReason::kSaExpired);
  EXPECT_EQ(Feed(Outer(Esp(0, WithTrailer(Good()), 0x2345))).reason, DropReason::kSaExpired);
  SaStats s = dp_->Query(*h).value();
  EXPECT_TRUE(s.hard_expired);
  EXPECT_EQ(s.packets, 2u);
  EXPECT_EQ(s.drops[static_cast<size_t>(DropReason::kSaExpired)], 2u);
  // The fixture's SA is unaffected.
  EXPECT_EQ(Feed(Outer(Esp(1, WithTrailer(Good())))).action, Verdict::Action::kDeliver);
}

class Events : public EventListener {
 public:
  void OnSaLifetime(const SaLifetimeEvent& e) override { events.push_back(e); }
  std::vector<SaLifetimeEvent> events;
};

// With SadLookup::kSpiAndDestination the records live in the map's nodes: same behaviour.
TEST_F(BadInput, SpiAndDestinationRecordsCountDropsAndExpire) {
  Events events;
  dp_ = EspDataplane::Create(
            {.crypto = registry_.get(), .events = &events, .lookup = SadLookup::kSpiAndDestination})
            .value();
  sa_ = Install(kSpi, [](SaConfig& c) { c.hard_lifetime.time = Duration::Seconds(10); }).value();
  const MonoTime t0{};
  EXPECT_EQ(FeedAt(Outer(Esp(0, WithTrailer(Good()))), t0).reason, DropReason::kSeqZero);
  EXPECT_EQ(FeedAt(Outer(Esp(1, WithTrailer(Good()))), t0 + Duration::Seconds(1)).action,
            Verdict::Action::kDeliver);
  EXPECT_EQ(FeedAt(Outer(Esp(1, WithTrailer(Good()))), t0 + Duration::Seconds(2)).reason,
            DropReason::kReplayed);
  // Past the hard deadline, before OnTimer: the first packet expires the SA (one event).
  EXPECT_EQ(FeedAt(Outer(Esp(2, WithTrailer(Good()))), t0 + Duration::Seconds(11)).reason,
            DropReason::kSaExpired);
  EXPECT_EQ(FeedAt(Outer(Esp(3, WithTrailer(Good()))), t0 + Duration::Seconds(12)).reason,
            DropReason::kSaExpired);
  ASSERT_EQ(events.events.size(), 1u);
  EXPECT_TRUE(events.events[0].hard);
  dp_->OnTimer(t0 + Duration::Seconds(20));
  EXPECT_EQ(events.events.size(), 1u) << "the hard event fires once";
  SaStats s = dp_->Query(sa_).value();
  EXPECT_TRUE(s.hard_expired);
  EXPECT_EQ(s.drops[static_cast<size_t>(DropReason::kSeqZero)], 1u);
  EXPECT_EQ(s.drops[static_cast<size_t>(DropReason::kReplayed)], 1u);
  EXPECT_EQ(s.drops[static_cast<size_t>(DropReason::kSaExpired)], 2u);
  ASSERT_TRUE(dp_->Delete(sa_).ok());
  EXPECT_EQ(Feed(Outer(Esp(4, WithTrailer(Good())))).reason, DropReason::kUnknownSpi);
}

TEST(EncryptBadInput, MalformedInnerAndMissingRoomAreDrops) {
  auto registry = CryptoRegistry::CreateDefault();
  auto dp = EspDataplane::Create({.crypto = registry.get()}).value();
  SaHandle h = dp->Install(testing::MakeSaConfig(
                               {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone},
                               SaDirection::kOutbound, 0x777, Ip("192.0.2.1"), Ip("192.0.2.2")),
                           MonoTime{})
                   .value();
  auto run = [&](TestBuffer& b) {
    Verdict v;
    dp->Encrypt(h, std::span<PacketRef>(&b.ref(), 1), std::span<Verdict>(&v, 1), MonoTime{});
    return v.reason;
  };
  std::vector<uint8_t> good = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.0.2"), 50);
  TestBuffer no_head(good, 10);
  EXPECT_EQ(run(no_head), DropReason::kNoHeadroom);
  TestBuffer no_tail(good, kPacketHeadroom, 3);
  EXPECT_EQ(run(no_tail), DropReason::kNoTailroom);
  std::vector<uint8_t> bad = good;
  bad[0] = 0x35;
  TestBuffer bad_version(bad);
  EXPECT_EQ(run(bad_version), DropReason::kMalformedInner);
  std::vector<uint8_t> cut(good.begin(), good.begin() + 30);
  TestBuffer truncated(cut);
  EXPECT_EQ(run(truncated), DropReason::kMalformedInner);
  std::vector<uint8_t> empty;
  TestBuffer nothing(empty);
  EXPECT_EQ(run(nothing), DropReason::kMalformedInner);
  EXPECT_EQ(dp->Query(h)->packets, 0u);
  EXPECT_EQ(dp->Query(h)->last_sequence, 0u) << "dropped packets consume no sequence numbers";
}

}  // namespace
}  // namespace tunnelisa
