// Reassembler: in-order and out-of-order IPv4 and IPv6 fragments, overlaps (RFC 5722),
// duplicates, tiny and malformed fragments, limits, timeouts, memory caps and a flood of
// random fragments with valid datagrams interleaved; and the Decap integration.
#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "dataplane/gre_test_util.h"
#include "dataplane/ip_header.h"
#include "gtest/gtest.h"
#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/reassembly.h"

namespace tunnelisa {
namespace {

using dataplane::Load16;
using dataplane::Store16;
using dataplane::Store32;
using testing::Arrive;
using testing::Burst;
using testing::Bytes;
using testing::DropCount;
using testing::Ip;
using testing::Ipv4ChecksumOk;
using testing::MakeUdpPacket;
using testing::Spares;

constexpr MonoTime kT0{1000000000};

// Frag4: the IPv4 fragment of `whole` (a complete IPv4 packet with a 20-byte header) holding
// data bytes [off, off + len).
std::vector<uint8_t> Frag4(const std::vector<uint8_t>& whole, uint32_t off, uint32_t len,
                           bool more) {
  std::vector<uint8_t> f(20 + len);
  std::memcpy(f.data(), whole.data(), 20);
  if (len != 0) std::memcpy(f.data() + 20, whole.data() + 20 + off, len);
  Store16(&f[2], static_cast<uint16_t>(f.size()));
  Store16(&f[6],
          static_cast<uint16_t>((Load16(&whole[6]) & 0x4000) | (more ? 0x2000 : 0) | off / 8));
  Store16(&f[10], 0);
  Store16(&f[10], dataplane::InternetChecksum(f.data(), 20));
  return f;
}

// Frag6: the IPv6 fragment of `whole` (a complete IPv6 packet, no extension headers) holding
// data bytes [off, off + len) after the 40-byte header, with optional Destination Options
// before the Fragment header.
std::vector<uint8_t> Frag6(const std::vector<uint8_t>& whole, uint32_t off, uint32_t len, bool more,
                           uint32_t id, bool dest_opts = false) {
  const size_t ext = dest_opts ? 8 : 0;
  std::vector<uint8_t> f(40 + ext + 8 + len);
  std::memcpy(f.data(), whole.data(), 40);
  uint8_t* fh = f.data() + 40 + ext;
  if (dest_opts) {
    const uint8_t opts[8] = {44, 0, 1, 4, 0, 0, 0, 0};  // next: Fragment; PadN
    f[6] = 60;
    std::memcpy(f.data() + 40, opts, 8);
  } else {
    f[6] = 44;
  }
  fh[0] = whole[6];
  Store16(fh + 2, static_cast<uint16_t>(off | (more ? 1 : 0)));
  Store32(fh + 4, id);
  std::memcpy(fh + 8, whole.data() + 40 + off, len);
  Store16(&f[4], static_cast<uint16_t>(f.size() - 40));
  return f;
}

class Out {
 public:
  explicit Out(uint32_t size = 70000) : buf_(size) { Reset(); }
  void Reset() {
    ref_ = PacketRef::WithHeadroom(buf_.data(), static_cast<uint32_t>(buf_.size()), 64);
  }
  PacketRef& ref() { return ref_; }
  std::vector<uint8_t> bytes() const { return Bytes(ref_); }

 private:
  std::vector<uint8_t> buf_;
  PacketRef ref_;
};

std::unique_ptr<Reassembler> Make(ReassemblyOptions o = {}) {
  return Reassembler::Create(o).value();
}

ReassemblyResult::Status Feed(Reassembler& r, const std::vector<uint8_t>& f, Out& out,
                              MonoTime now = kT0) {
  return r.Add(f, now, out.ref()).status;
}

void CheckInvariant(const Reassembler& r, uint64_t held) {
  const ReassemblyCounters& c = r.counters();
  uint64_t dropped = 0;
  for (uint64_t d : c.drops) dropped += d;
  EXPECT_EQ(c.fragments, c.fragments_reassembled + held + dropped);
}

TEST(Reassembler, Ipv4InOrderAndOutOfOrder) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 2000, 4, 0, /*df=*/false);
  const std::vector<std::vector<uint32_t>> orders = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}};
  for (const auto& order : orders) {
    auto r = Make();
    Out out;
    // 2008 data bytes: 600, 600, 600, 208.
    std::vector<std::vector<uint8_t>> frags;
    for (uint32_t k = 0; k < 4; ++k) {
      frags.push_back(Frag4(whole, 600 * k, k < 3 ? 600 : 208, k < 3));
    }
    for (size_t i = 0; i < order.size(); ++i) {
      auto st = Feed(*r, frags[order[i]], out);
      EXPECT_EQ(st, i + 1 < order.size() ? ReassemblyResult::kHeld : ReassemblyResult::kComplete);
    }
    auto got = out.bytes();
    EXPECT_EQ(got, whole);
    EXPECT_TRUE(Ipv4ChecksumOk(got.data()));
    EXPECT_EQ(r->pending_datagrams(), 0u);
    EXPECT_EQ(r->memory_in_use(), 0u);
    EXPECT_EQ(r->counters().datagrams_completed, 1u);
    CheckInvariant(*r, 0);
  }
}

TEST(Reassembler, Ipv4KeepsDfAndDistinguishesKeys) {
  auto a = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 100, 1, 0, /*df=*/true);
  auto b = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 100, 2);
  Store16(&b[4], 0x9999);  // another id
  Store16(&b[10], 0);
  Store16(&b[10], dataplane::InternetChecksum(b.data(), 20));
  auto r = Make();
  Out oa, ob;
  ASSERT_EQ(Feed(*r, Frag4(a, 0, 64, true), oa), ReassemblyResult::kHeld);
  ASSERT_EQ(Feed(*r, Frag4(b, 0, 64, true), ob), ReassemblyResult::kHeld);
  auto c = a;
  c[9] = 47;  // same ids, another protocol: another datagram
  ASSERT_EQ(Feed(*r, Frag4(c, 0, 64, true), oa), ReassemblyResult::kHeld);
  EXPECT_EQ(r->pending_datagrams(), 3u);
  ASSERT_EQ(Feed(*r, Frag4(b, 64, 44, false), ob), ReassemblyResult::kComplete);
  ASSERT_EQ(Feed(*r, Frag4(a, 64, 44, false), oa), ReassemblyResult::kComplete);
  EXPECT_EQ(oa.bytes(), a);
  EXPECT_EQ(ob.bytes(), b);
}

TEST(Reassembler, Ipv6InOrderOutOfOrderWithExtensionHeaderAndAtomic) {
  auto whole = MakeUdpPacket(Ip("2001:db8::9"), Ip("2001:db8::1"), 1500, 5);
  for (bool dest_opts : {false, true}) {
    for (bool reverse : {false, true}) {
      auto r = Make();
      Out out;
      std::vector<std::vector<uint8_t>> frags = {Frag6(whole, 0, 512, true, 77, dest_opts),
                                                 Frag6(whole, 512, 512, true, 77, dest_opts),
                                                 Frag6(whole, 1024, 484, false, 77, dest_opts)};
      if (reverse) std::reverse(frags.begin(), frags.end());
      for (size_t i = 0; i < frags.size(); ++i) {
        EXPECT_EQ(Feed(*r, frags[i], out),
                  i + 1 < frags.size() ? ReassemblyResult::kHeld : ReassemblyResult::kComplete);
      }
      auto got = out.bytes();
      if (!dest_opts) {
        EXPECT_EQ(got, whole);
      } else {
        ASSERT_EQ(got.size(), whole.size() + 8);
        EXPECT_EQ(got[6], 60);
        EXPECT_EQ(got[40], 17) << "the Destination Options header now points at UDP";
        EXPECT_EQ(Load16(&got[4]), whole.size() - 40 + 8);
        EXPECT_EQ(0, std::memcmp(&got[48], &whole[40], whole.size() - 40));
      }
    }
  }
  // RFC 6946: an atomic fragment is processed in isolation.
  auto r = Make();
  Out out;
  ASSERT_EQ(Feed(*r, Frag6(whole, 0, 1508, false, 5), out), ReassemblyResult::kComplete);
  EXPECT_EQ(out.bytes(), whole);
}

TEST(Reassembler, OverlapDiscardsWholeDatagramIncludingLaterFragments) {
  for (bool v6 : {false, true}) {
    auto whole = v6 ? MakeUdpPacket(Ip("2001:db8::9"), Ip("2001:db8::1"), 400)
                    : MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
    auto frag = [&](uint32_t off, uint32_t len, bool more) {
      return v6 ? Frag6(whole, off, len, more, 1) : Frag4(whole, off, len, more);
    };
    auto r = Make();
    Out out;
    ASSERT_EQ(Feed(*r, frag(0, 200, true), out), ReassemblyResult::kHeld);
    ReassemblyResult res = r->Add(frag(192, 200, true), kT0, out.ref());  // overlaps by 8
    EXPECT_EQ(res.status, ReassemblyResult::kDropped);
    EXPECT_EQ(res.reason, DropReason::kFragmentOverlap);
    // The rest, even the pieces that would complete it, are discarded too.
    EXPECT_EQ(r->Add(frag(200, 208, false), kT0, out.ref()).reason, DropReason::kFragmentOverlap);
    EXPECT_EQ(r->Add(frag(0, 200, true), kT0, out.ref()).reason, DropReason::kFragmentOverlap);
    EXPECT_EQ(r->counters().datagrams_abandoned, 1u);
    EXPECT_EQ(r->counters().datagrams_completed, 0u);
    EXPECT_EQ(DropCount(r->counters().drops, DropReason::kFragmentOverlap), 4u);  // 1 held + 3
    CheckInvariant(*r, 0);
    // After the timeout the key is free again.
    r->OnTimer(kT0 + Duration::Seconds(15));
    ASSERT_EQ(Feed(*r, frag(0, 200, true), out, kT0 + Duration::Seconds(16)),
              ReassemblyResult::kHeld);
    ASSERT_EQ(Feed(*r, frag(200, 208, false), out, kT0 + Duration::Seconds(16)),
              ReassemblyResult::kComplete);
    EXPECT_EQ(out.bytes(), whole);
  }
}

TEST(Reassembler, OverlapVariants) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);  // 408 data bytes
  struct Case {
    uint32_t off, len;
    bool more;
  };
  // Against a held [96, 200): inside, covering, left edge, right edge.
  for (Case k : {Case{104, 8, true}, Case{88, 200, true}, Case{64, 40, true}, Case{192, 16, true},
                 Case{96, 312, false}}) {
    auto r = Make();
    Out out;
    ASSERT_EQ(Feed(*r, Frag4(whole, 96, 104, true), out), ReassemblyResult::kHeld);
    EXPECT_EQ(r->Add(Frag4(whole, k.off, k.len, k.more), kT0, out.ref()).reason,
              DropReason::kFragmentOverlap)
        << k.off << "+" << k.len;
  }
}

TEST(Reassembler, ExactDuplicateIsDroppedAloneAndDatagramCompletes) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  auto r = Make();
  Out out;
  ASSERT_EQ(Feed(*r, Frag4(whole, 0, 200, true), out), ReassemblyResult::kHeld);
  ReassemblyResult res = r->Add(Frag4(whole, 0, 200, true), kT0, out.ref());
  EXPECT_EQ(res.reason, DropReason::kFragmentDuplicate);
  ASSERT_EQ(Feed(*r, Frag4(whole, 200, 208, false), out), ReassemblyResult::kComplete);
  EXPECT_EQ(out.bytes(), whole);
  CheckInvariant(*r, 0);
}

TEST(Reassembler, TinyAndMalformedFragmentsAreRefused) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  auto w6 = MakeUdpPacket(Ip("2001:db8::9"), Ip("2001:db8::1"), 400);
  auto r = Make({.min_first_fragment_payload = 24});
  Out out;
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    DropReason want;
  };
  std::vector<Case> cases = {
      {"tiny first v4", Frag4(whole, 0, 16, true), DropReason::kFragmentTiny},
      {"tiny first v6", Frag6(w6, 0, 16, true, 3), DropReason::kFragmentTiny},
      {"not a fragment", whole, DropReason::kFragmentMalformed},
      {"short", std::vector<uint8_t>(whole.begin(), whole.begin() + 19),
       DropReason::kFragmentMalformed},
      {"not multiple of 8", Frag4(whole, 0, 100, true), DropReason::kFragmentMalformed},
      {"v6 not multiple of 8", Frag6(w6, 0, 100, true, 3), DropReason::kFragmentMalformed},
      {"v6 no fragment header", w6, DropReason::kFragmentMalformed},
      {"version 5",
       [&] {
         auto f = Frag4(whole, 0, 200, true);
         f[0] = 0x55;
         return f;
       }(),
       DropReason::kFragmentMalformed},
      {"length past data",
       [&] {
         auto f = Frag4(whole, 0, 200, true);
         Store16(&f[2], static_cast<uint16_t>(f.size() + 8));
         return f;
       }(),
       DropReason::kFragmentMalformed},
      {"beyond 65535",
       [&] {
         auto f = Frag4(whole, 0, 200, true);
         Store16(&f[6], 0x2000 | 8180);  // offset 65440 + 200 bytes
         return f;
       }(),
       DropReason::kFragmentMalformed},
      {"v6 beyond 65535",
       [&] {
         auto f = Frag6(w6, 0, 200, true, 3);
         Store16(&f[42], static_cast<uint16_t>(65400 | 1));
         return f;
       }(),
       DropReason::kFragmentMalformed},
      {"empty last", Frag4(whole, 400, 0, false), DropReason::kFragmentMalformed},
  };
  for (const Case& k : cases) {
    ReassemblyResult res = r->Add(k.bytes, kT0, out.ref());
    EXPECT_EQ(res.status, ReassemblyResult::kDropped) << k.name;
    EXPECT_EQ(res.reason, k.want) << k.name << ": " << DropReasonName(res.reason);
  }
  EXPECT_EQ(DropCount(r->counters().drops, DropReason::kFragmentTiny), 2u);
  EXPECT_EQ(r->pending_datagrams(), 0u);
  CheckInvariant(*r, 0);
}

TEST(Reassembler, InconsistentLastFragmentAbandonsDatagram) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  {
    auto r = Make();
    Out out;
    ASSERT_EQ(Feed(*r, Frag4(whole, 200, 208, false), out), ReassemblyResult::kHeld);
    EXPECT_EQ(r->Add(Frag4(whole, 200, 200, false), kT0, out.ref()).reason,
              DropReason::kFragmentMalformed);  // a second, different end
  }
  {
    auto r = Make();
    Out out;
    ASSERT_EQ(Feed(*r, Frag4(whole, 200, 200, true), out), ReassemblyResult::kHeld);
    EXPECT_EQ(r->Add(Frag4(whole, 0, 104, false), kT0, out.ref()).reason,
              DropReason::kFragmentMalformed);  // ends before data already held
  }
  {
    auto r = Make();
    Out out;
    ASSERT_EQ(Feed(*r, Frag4(whole, 0, 104, false), out), ReassemblyResult::kDropped)
        << "offset 0 and no MF is not a fragment";
    ASSERT_EQ(Feed(*r, Frag4(whole, 104, 96, false), out), ReassemblyResult::kHeld);
    EXPECT_EQ(r->Add(Frag4(whole, 200, 200, true), kT0, out.ref()).reason,
              DropReason::kFragmentMalformed);  // beyond the known end
    EXPECT_EQ(r->counters().datagrams_abandoned, 1u);
  }
}

TEST(Reassembler, FragmentCountLimit) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  auto r = Make({.max_fragments_per_datagram = 4});
  Out out;
  for (uint32_t k = 0; k < 4; ++k) {
    ASSERT_EQ(Feed(*r, Frag4(whole, 24 + 8 * k, 8, true), out), ReassemblyResult::kHeld);
  }
  const size_t held = r->memory_in_use();
  EXPECT_EQ(r->Add(Frag4(whole, 80, 8, true), kT0, out.ref()).reason, DropReason::kFragmentTooMany);
  EXPECT_LT(r->memory_in_use(), held) << "the abandoned datagram's fragments were freed";
  EXPECT_EQ(r->pending_datagrams(), 1u) << "its record stays until the timeout";
  EXPECT_EQ(r->counters().fragments_discarded, 4u);
  EXPECT_EQ(DropCount(r->counters().drops, DropReason::kFragmentTooMany), 5u);
  EXPECT_EQ(r->Add(Frag4(whole, 0, 24, true), kT0, out.ref()).reason, DropReason::kFragmentTooMany)
      << "later fragments of an abandoned datagram are discarded";
}

TEST(Reassembler, TimeoutExpiresAndReportsNextDeadline) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  auto other = MakeUdpPacket(Ip("192.0.2.8"), Ip("192.0.2.1"), 400);
  auto r = Make({.timeout = Duration::Seconds(2)});
  Out out;
  EXPECT_TRUE(r->OnTimer(kT0).is_infinite());
  ASSERT_EQ(Feed(*r, Frag4(whole, 0, 200, true), out, kT0), ReassemblyResult::kHeld);
  ASSERT_EQ(Feed(*r, Frag4(other, 0, 200, true), out, kT0 + Duration::Seconds(1)),
            ReassemblyResult::kHeld);
  EXPECT_EQ(r->OnTimer(kT0 + Duration::Milliseconds(1999)), kT0 + Duration::Seconds(2));
  EXPECT_EQ(r->pending_datagrams(), 2u);
  EXPECT_EQ(r->OnTimer(kT0 + Duration::Seconds(2)), kT0 + Duration::Seconds(3));
  EXPECT_EQ(r->pending_datagrams(), 1u);
  EXPECT_EQ(r->counters().datagrams_timed_out, 1u);
  EXPECT_EQ(DropCount(r->counters().drops, DropReason::kReassemblyTimeout), 1u);
  // The late second half starts a new datagram that cannot complete.
  EXPECT_EQ(Feed(*r, Frag4(whole, 200, 208, false), out, kT0 + Duration::Seconds(2)),
            ReassemblyResult::kHeld);
  // Without OnTimer, Add expires due datagrams itself: `other` is gone at +3 s.
  EXPECT_EQ(Feed(*r, Frag4(other, 200, 208, false), out, kT0 + Duration::Seconds(3)),
            ReassemblyResult::kHeld);
  EXPECT_EQ(r->counters().datagrams_timed_out, 2u);
  EXPECT_TRUE(r->OnTimer(kT0 + Duration::Seconds(100)).is_infinite());
  EXPECT_EQ(r->memory_in_use(), 0u);
  CheckInvariant(*r, 0);
}

TEST(Reassembler, DisabledRefusesEverything) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  auto r = Make({.enabled = false});
  Out out;
  EXPECT_EQ(r->Add(Frag4(whole, 0, 200, true), kT0, out.ref()).reason,
            DropReason::kReassemblyDisabled);
  r->set_enabled(true);
  EXPECT_TRUE(r->enabled());
  EXPECT_EQ(Feed(*r, Frag4(whole, 0, 200, true), out), ReassemblyResult::kHeld);
  EXPECT_EQ(DropCount(r->counters().drops, DropReason::kReassemblyDisabled), 1u);
}

TEST(Reassembler, OutputBufferTooSmallDropsDatagram) {
  auto whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 400);
  auto r = Make();
  Out small(64 + 400);
  ASSERT_EQ(Feed(*r, Frag4(whole, 0, 200, true), small), ReassemblyResult::kHeld);
  ReassemblyResult res = r->Add(Frag4(whole, 200, 208, false), kT0, small.ref());
  EXPECT_EQ(res.status, ReassemblyResult::kDropped);
  EXPECT_EQ(res.reason, DropReason::kNoSpareBuffer);
  EXPECT_EQ(r->pending_datagrams(), 0u);
  EXPECT_EQ(DropCount(r->counters().drops, DropReason::kNoSpareBuffer), 2u);
}

TEST(Reassembler, CreateChecksLimits) {
  EXPECT_FALSE(Reassembler::Create({.memory_cap_bytes = 64 << 10}).ok());
  EXPECT_FALSE(Reassembler::Create({.max_datagrams = 0}).ok());
  EXPECT_FALSE(Reassembler::Create({.max_fragments_per_datagram = 0}).ok());
  EXPECT_FALSE(Reassembler::Create({.timeout = Duration{0}}).ok());
  auto r = Make({.memory_cap_bytes = 1 << 20});
  EXPECT_LE(r->pool_bytes(), size_t{1} << 20);
  EXPECT_GT(r->pool_bytes(), size_t{900} << 10);
}

TEST(Reassembler, LargestDatagramFitsAndMemoryCapEvictsOldest) {
  // 64 KiB datagram in 45 fragments of 1480 bytes: fits a minimal pool.
  std::vector<uint8_t> whole = MakeUdpPacket(Ip("192.0.2.9"), Ip("192.0.2.1"), 65535 - 28);
  auto r = Make({.memory_cap_bytes = 100 << 10, .max_datagrams = 16});
  Out out;
  const uint32_t data = 65535 - 20;
  std::vector<uint8_t> partial = MakeUdpPacket(Ip("192.0.2.7"), Ip("192.0.2.1"), 30000);
  ASSERT_EQ(Feed(*r, Frag4(partial, 0, 29000, true), out), ReassemblyResult::kHeld);
  for (uint32_t off = 0; off < data; off += 1480) {
    const uint32_t len = std::min(1480u, data - off);
    auto st = Feed(*r, Frag4(whole, off, len, off + len < data), out);
    ASSERT_EQ(st, off + len < data ? ReassemblyResult::kHeld : ReassemblyResult::kComplete);
    EXPECT_LE(r->memory_in_use(), r->pool_bytes());
  }
  EXPECT_EQ(out.bytes(), whole);
  EXPECT_EQ(r->counters().datagrams_evicted, 1u) << "the partial datagram made room";
  EXPECT_EQ(DropCount(r->counters().drops, DropReason::kReassemblyMemory), 1u);
}

TEST(Reassembler, SharedBudgetCapsSeveralReassemblers) {
  ReassemblyBudget budget(200 << 10);
  auto a = Make({.budget = &budget});
  auto b = Make({.budget = &budget});
  Out out;
  std::mt19937 rng(7);
  size_t peak = 0;
  for (int i = 0; i < 2000; ++i) {
    auto p = MakeUdpPacket(IpAddress::V4(0x0a000000u + rng() % 5000), Ip("192.0.2.1"), 1400);
    auto f = Frag4(p, 0, 1000, true);
    Reassembler& r = i % 2 ? *a : *b;
    EXPECT_NE(r.Add(f, kT0, out.ref()).status, ReassemblyResult::kComplete);
    peak = std::max(peak, budget.used());
  }
  EXPECT_LE(peak, budget.cap());
  EXPECT_GT(a->counters().datagrams_evicted + b->counters().datagrams_evicted, 0u);
  a.reset();
  b.reset();
  EXPECT_EQ(budget.used(), 0u) << "destruction returns the budget";
}

// A flood of 1M random fragments from many sources, with valid datagrams interleaved: memory
// stays under the cap, and every valid datagram still reassembles.
TEST(Reassembler, FloodStaysUnderCapAndValidDatagramsStillComplete) {
  const size_t kCap = 2 << 20;
  auto r = Make({.memory_cap_bytes = kCap, .max_datagrams = 2048});
  ASSERT_LE(r->pool_bytes(), kCap);
  std::mt19937_64 rng(12345);
  Out out;
  std::vector<uint8_t> junk(20 + 1480);
  size_t valid_sent = 0, valid_done = 0, peak = 0;
  std::vector<std::vector<uint8_t>> pending;  // fragments of the valid datagram in flight
  std::vector<uint8_t> expected;
  MonoTime now = kT0;
  for (int i = 0; i < 1000000; ++i) {
    now = now + Duration::Nanoseconds(1000);
    if (i % 997 == 0 && pending.empty()) {
      expected = MakeUdpPacket(IpAddress::V4(0xc6336400u + valid_sent % 200), Ip("192.0.2.1"),
                               1500 + valid_sent % 700, static_cast<uint8_t>(valid_sent));
      Store16(&expected[4], static_cast<uint16_t>(valid_sent));
      Store16(&expected[10], 0);
      Store16(&expected[10], dataplane::InternetChecksum(expected.data(), 20));
      const uint32_t data = static_cast<uint32_t>(expected.size() - 20);
      for (uint32_t off = 0; off < data; off += 800) {
        pending.push_back(Frag4(expected, off, std::min(800u, data - off), off + 800 < data));
      }
      std::shuffle(pending.begin(), pending.end(), rng);
      ++valid_sent;
    }
    if (!pending.empty() && i % 50 == 0) {
      out.Reset();
      if (Feed(*r, pending.back(), out, now) == ReassemblyResult::kComplete) {
        EXPECT_EQ(out.bytes(), expected);
        ++valid_done;
      }
      pending.pop_back();
      continue;
    }
    // Junk: random source, id, offset, length, MF.
    const uint64_t x = rng();
    const uint32_t len = 8 * (1 + (x >> 8) % 185);
    junk[0] = 0x45;
    Store16(&junk[2], static_cast<uint16_t>(20 + len));
    Store16(&junk[4], static_cast<uint16_t>(x >> 20));
    Store16(&junk[6], static_cast<uint16_t>(((x >> 40) & 1 ? 0x2000 : 0) | ((x >> 41) % 1000)));
    junk[9] = 47;
    Store32(&junk[12], static_cast<uint32_t>(x));
    Store32(&junk[16], 0xc0000201u);
    r->Add(std::span<const uint8_t>(junk.data(), 20 + len), now, out.ref());
    peak = std::max(peak, r->memory_in_use());
  }
  EXPECT_LE(peak, kCap);
  EXPECT_GT(peak, kCap / 2) << "the flood did fill the pool";
  EXPECT_GT(r->counters().datagrams_evicted, 1000u);
  EXPECT_GE(valid_sent, 900u);
  EXPECT_EQ(valid_done + (pending.empty() ? 0 : 1), valid_sent);
}

// Decap integration: outer fragments of GRE packets reassembled into a spare buffer.
TEST(Reassembler, DecapReassemblesTunnelFragmentsIntoSpares) {
  auto reasm = Make();
  auto dp = IpTunnelDataplane::Create({.reassembler = reasm.get()}).value();
  IpTunnelConfig c;
  c.local = Ip("192.0.2.1");
  c.remote = Ip("198.51.100.1");
  c.reassembly = true;
  IpTunnelHandle t = dp->Add(c).value();
  IpTunnelConfig c2 = c;
  c2.remote = Ip("198.51.100.2");
  c2.reassembly = false;
  ASSERT_TRUE(dp->Add(c2).ok());

  auto inner = MakeUdpPacket(Ip("10.0.0.1"), Ip("10.0.1.1"), 1300, 8);
  Burst enc;
  enc.Add(inner);
  dp->Encap(t, enc.refs(), enc.verdicts(), kT0);
  auto outer = Arrive(Bytes(enc[0]));  // 1352 bytes from 198.51.100.1
  Burst b;
  b.Add(Frag4(outer, 800, static_cast<uint32_t>(outer.size() - 820), false));
  b.Add(Frag4(outer, 0, 800, true));
  Spares spares(2, 4000);
  dp->Decap(b.refs(), b.verdicts(), kT0, spares.get());
  EXPECT_EQ(b.verdict(0).action, Verdict::Action::kConsumed);
  EXPECT_EQ(b.verdict(1).action, Verdict::Action::kConsumed);
  ASSERT_EQ(spares.used(), 1u);
  EXPECT_EQ(spares.origin(0), 1u);
  ASSERT_EQ(spares.verdict(0).action, Verdict::Action::kDeliver)
      << DropReasonName(spares.verdict(0).reason);
  EXPECT_EQ(spares.verdict(0).sa, t.index);
  EXPECT_EQ(Bytes(spares.packet(0)), inner);
  EXPECT_EQ(dp->counters().reassembled, 1u);
  EXPECT_EQ(dp->Counters(t)->in_packets, 1u);

  // No spare left for the next completed datagram.
  Burst b2;
  b2.Add(Frag4(outer, 0, 800, true));
  b2.Add(Frag4(outer, 800, static_cast<uint32_t>(outer.size() - 820), false));
  SpareBuffers none;
  dp->Decap(b2.refs(), b2.verdicts(), kT0, &none);
  EXPECT_EQ(b2.verdict(0).action, Verdict::Action::kConsumed);
  EXPECT_EQ(b2.verdict(1).reason, DropReason::kNoSpareBuffer);

  // A tunnel without reassembly drops its fragments.
  auto from2 = outer;
  std::memcpy(&from2[12], Ip("198.51.100.2").bytes(), 4);
  Burst b3;
  b3.Add(Frag4(from2, 0, 800, true));
  dp->Decap(b3.refs(), b3.verdicts(), kT0);
  EXPECT_EQ(b3.verdict(0).reason, DropReason::kReassemblyDisabled);
  // Refusals of the reassembler are counted by Decap too.
  Burst b4;
  b4.Add(Frag4(outer, 0, 16, true));
  dp->Decap(b4.refs(), b4.verdicts(), kT0);
  EXPECT_EQ(b4.verdict(0).reason, DropReason::kFragmentTiny);
  EXPECT_EQ(DropCount(dp->counters().drops, DropReason::kFragmentTiny), 1u);
}

}  // namespace
}  // namespace tunnelisa
