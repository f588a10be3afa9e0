// GRE / IP-IP soak (label `soak`, docs/reliability.md): N ip-tunnels (even: GRE, odd: IP-IP)
// between two engines with reassembly on (tunnel group `reassembly 500`), simulated hours of
// good traffic whose outer packets the network fragments, mixed with a flood of forged
// fragments from the tunnels' own remote addresses (so they pass the endpoint check and reach
// the reassembler): incomplete datagrams, overlapping fragments, duplicates, tiny first
// fragments, and bursts of 80 incomplete datagrams of 1200 bytes (a tick's bursts hold more
// than the 512 KiB pool: the bytes run out before the 256 records). Hard failures: a
// good datagram not delivered intact; a flood fragment delivered; a drop of a reason the flood
// does not explain; reassembly memory above its pool or the pool above
// EngineOptions::reassembly_memory; an engine counter disagreeing with the host's ledger; the
// heap in use or RSS growing after hour 1 (CheckMemoryAfterHourOne).
// Parameters (environment; defaults = the short ctest run): TUNNELISA_SOAK_IP_TUNNELS 200,
// TUNNELISA_SOAK_IP_HOURS 2, TUNNELISA_SOAK_IP_TICK 10 (simulated seconds),
// TUNNELISA_SOAK_IP_DATAGRAMS 2 (good datagrams per tunnel, direction and tick),
// TUNNELISA_SOAK_FLOOD 400 (forged fragments per tick), TUNNELISA_SOAK_SEED 1,
// TUNNELISA_SOAK_RSS_GROWTH_KB 4096.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "soak_harness.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing::soak {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kService = 101;

std::string Name(size_t k) { return absl::StrCat("g", k); }
bool IsGre(size_t k) { return k % 2 == 0; }
IpAddress Endpoint(size_t k, bool a) {
  return IpAddress::V4((a ? 0x01000000u : 0x02000000u) + 16 + static_cast<uint32_t>(k));
}
IpAddress LanHostOf(size_t k, bool a) {
  return IpAddress::V4((a ? 10u : 11u) << 24 | static_cast<uint32_t>((k & 0xffff) << 8) | 10);
}

std::string IpConfigText(size_t n, bool a) {
  std::string t = absl::StrCat(
      "config isa\n  tunnel-group 1 create\n    primary 1/1\n    reassembly 500\n"
      "    no shutdown\n  exit\nexit all\n"
      "config service ies 100 customer 1 create\n  interface \"public\" create\n    address ",
      a ? "1.0.0.1/8" : "2.0.0.1/8", "\n    sap tunnel-1.public:4094 create\n  exit\n",
      "  static-route ",
      a ? "2.0.0.0/8 next-hop 1.255.255.254" : "1.0.0.0/8 next-hop 2.255.255.254",
      "\nexit all\nconfig service vprn 101 customer 1 create\n");
  for (size_t k = 0; k < n; ++k) {
    const uint32_t p2p = 0x64400000u + 4 * static_cast<uint32_t>(k);  // 100.64.0.0/30 each
    absl::StrAppend(&t, "  interface \"p", k, "\" tunnel create\n    address ",
                    IpAddress::V4(p2p + (a ? 1 : 2)).ToString(),
                    "/30\n    sap tunnel-1.private:", k + 1, " create\n      ip-tunnel \"", Name(k),
                    "\" create\n", IsGre(k) ? "        gre-header\n" : "", "        dest-ip ",
                    IpAddress::V4(p2p + (a ? 2 : 1)).ToString(), "\n        source ",
                    Endpoint(k, a).ToString(), "\n        remote-ip ", Endpoint(k, !a).ToString(),
                    "\n        delivery-service 100\n"
                    "        reassembly use-tunnel-group-setting\n"
                    "        no shutdown\n      exit\n    exit\n  exit\n");
  }
  absl::StrAppend(&t, "  interface \"lan\" create\n    address ",
                  a ? "10.255.255.254/8" : "11.255.255.254/8", "\n  exit\n");
  for (size_t k = 0; k < n; ++k) {
    absl::StrAppend(&t, "  static-route ", a ? 11 : 10, ".", (k >> 8) & 0xff, ".", k & 0xff,
                    ".0/24 next-hop ip-tunnel \"", Name(k), "\"\n");
  }
  absl::StrAppend(&t, "exit all\n");
  return t;
}

void SetChecksum(uint8_t* h) {
  h[10] = h[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  h[10] = static_cast<uint8_t>(~sum >> 8);
  h[11] = static_cast<uint8_t>(~sum);
}

// Fragment: one IPv4 fragment (20-byte header) of a datagram with header `h` (copied from
// the whole packet or made up): payload `data` at byte `offset` (a multiple of 8), MF `more`.
std::vector<uint8_t> Fragment(const uint8_t* h, const uint8_t* data, size_t len, size_t offset,
                              bool more) {
  // Sized once and copied in: GCC 12 sees a false out-of-bounds copy in an insert after a
  // 20-byte construction (-Warray-bounds).
  std::vector<uint8_t> f(20 + len);
  std::memcpy(f.data(), h, 20);
  if (len > 0) std::memcpy(f.data() + 20, data, len);
  const size_t total = f.size();
  f[0] = 0x45;
  f[2] = static_cast<uint8_t>(total >> 8);
  f[3] = static_cast<uint8_t>(total);
  const auto field = static_cast<uint16_t>((more ? 0x2000 : 0) | (offset / 8));
  f[6] = static_cast<uint8_t>(field >> 8);
  f[7] = static_cast<uint8_t>(field);
  SetChecksum(f.data());
  return f;
}

// FragmentPacket: the network splitting an outer IPv4 packet (no options) for a path MTU.
std::vector<std::vector<uint8_t>> FragmentPacket(const std::vector<uint8_t>& p, size_t mtu) {
  const size_t chunk = (mtu - 20) / 8 * 8;
  std::vector<std::vector<uint8_t>> out;
  for (size_t off = 0; off + 20 < p.size(); off += chunk) {
    const size_t len = std::min(chunk, p.size() - 20 - off);
    out.push_back(Fragment(p.data(), p.data() + 20 + off, len, off, off + len < p.size() - 20));
  }
  return out;
}

struct Params {
  size_t tunnels;
  double hours;
  double tick;
  int datagrams;
  int flood;
  uint64_t seed;
  int64_t rss_growth_kb;
};

class IpSoak {
 public:
  explicit IpSoak(const Params& p)
      : p_(p),
        rng_(p.seed),
        a_(IpConfigText(p.tunnels, true), 2 * p.seed + 1, 0, At(0), Options()),
        b_(IpConfigText(p.tunnels, false), 2 * p.seed + 2, 0, At(0), Options()) {
    for (size_t k = 0; k < p.tunnels; ++k) {
      // 1400 bytes: fragmented in three by the network's 576-byte path MTU.
      ab_.push_back(
          MakeUdpPacket(LanHostOf(k, true), LanHostOf(k, false), 1372, static_cast<uint8_t>(k)));
      ba_.push_back(MakeUdpPacket(LanHostOf(k, false), LanHostOf(k, true), 1372,
                                  static_cast<uint8_t>(k + 7)));
    }
  }

  static EngineOptions Options() {
    EngineOptions o;
    // A small pool and more datagram records than the pool's bytes can fill with the bursts'
    // fragments: the bytes run out (evictions for memory), not the records.
    o.reassembly_memory = kPool;
    o.reassembly_datagrams = 256;
    return o;
  }

  void Run() {
    const auto wall0 = Clock::now();
    const auto ticks = static_cast<int64_t>(std::llround(p_.hours * 3600.0 / p_.tick));
    double next_checkpoint = 3600.0;
    rss_.push_back(SampleMemory(0));
    for (int64_t k = 1; k <= ticks && !::testing::Test::HasFailure(); ++k) {
      const double t = static_cast<double>(k) * p_.tick;
      const MonoTime now = At(t);
      a_.engine().OnTimer(now);  // reassembly timeouts: last tick's flood goes
      b_.engine().OnTimer(now);
      Tick(t, now);
      if (t + 1e-9 >= next_checkpoint || k == ticks) {
        Checkpoint(t);
        next_checkpoint += 3600.0;
      }
    }
    wall_seconds_ = std::chrono::duration<double>(Clock::now() - wall0).count();
    Final();
  }

 private:
  static constexpr size_t kPool = 512 << 10;
  static constexpr size_t kMtu = 576;

  // Flood: `n` forged fragments to B, from tunnel endpoints picked at random, avoiding the IP
  // ids the tick's good datagrams on that tunnel use (`used`).
  void Flood(int n, const std::vector<std::vector<uint16_t>>& used,
             std::vector<std::vector<uint8_t>>& out) {
    std::vector<uint8_t> junk(1200, 0x5a);
    const size_t before = out.size();
    for (int i = 0; i < n;) {
      const size_t k = static_cast<size_t>(rng_() % p_.tunnels);
      uint16_t id = 0;
      do {
        id = static_cast<uint16_t>(rng_());
      } while (std::find(used[k].begin(), used[k].end(), id) != used[k].end());
      uint8_t h[20] = {0x45,
                       0,
                       0,
                       0,
                       static_cast<uint8_t>(id >> 8),
                       static_cast<uint8_t>(id),
                       0,
                       0,
                       64,
                       static_cast<uint8_t>(IsGre(k) ? 47 : 4)};
      std::memcpy(h + 12, Endpoint(k, true).bytes(), 4);
      std::memcpy(h + 16, Endpoint(k, false).bytes(), 4);
      switch (rng_() % 5) {
        case 0:  // incomplete: a first fragment only (times out, or is evicted)
          out.push_back(Fragment(h, junk.data(), 256, 0, true));
          ++i;
          break;
        case 1:  // overlapping: the second overlaps the first (the datagram is abandoned)
          out.push_back(Fragment(h, junk.data(), 256, 0, true));
          out.push_back(Fragment(h, junk.data(), 256, 128, true));
          i += 2;
          break;
        case 2:  // duplicate: a middle fragment twice (then it times out)
          out.push_back(Fragment(h, junk.data(), 128, 256, true));
          out.push_back(Fragment(h, junk.data(), 128, 256, true));
          i += 2;
          break;
        case 3:  // tiny first fragment (RFC 1858)
          out.push_back(Fragment(h, junk.data(), 8, 0, true));
          ++i;
          break;
        default:  // a burst of incomplete datagrams: more than the reassembler holds
          for (int b = 0; b < 80; ++b, ++i) {
            h[4] = static_cast<uint8_t>(rng_());
            h[5] = static_cast<uint8_t>(rng_());
            if (std::find(used[k].begin(), used[k].end(),
                          static_cast<uint16_t>(h[4] << 8 | h[5])) != used[k].end()) {
              continue;
            }
            out.push_back(Fragment(h, junk.data(), 1200, 1600, true));
          }
          break;
      }
    }
    flood_sent_ += out.size() - before;
  }

  void Tick(double t, MonoTime now) {
    std::vector<std::vector<uint8_t>> ab, ba;
    for (size_t k = 0; k < p_.tunnels; ++k) {
      for (int d = 0; d < p_.datagrams; ++d) {
        ab.push_back(ab_[k]);
        ba.push_back(ba_[k]);
      }
    }
    a_.Private(kService, ab, now);
    b_.Private(kService, ba, now);
    for (int dir = 0; dir < 2; ++dir) {
      SoakSide& from = dir == 0 ? a_ : b_;
      SoakSide& to = dir == 0 ? b_ : a_;
      std::vector<Output> outer = from.TakePublic();
      std::vector<std::vector<uint16_t>> used(p_.tunnels);
      for (const Output& o : outer) {
        const size_t k =
            o.bytes.size() >= 20 ? TunnelOf(o.bytes.data() + 16, /*lan=*/false) : p_.tunnels;
        if (k >= p_.tunnels) continue;
        used[k].push_back(static_cast<uint16_t>(o.bytes[4] << 8 | o.bytes[5]));
      }
      // Good datagrams' fragments back to back, the flood between datagrams (toward B) and,
      // every 8th datagram, one flood fragment between two of its fragments.
      std::vector<std::vector<uint8_t>> wire;
      std::vector<std::vector<uint8_t>> flood;
      if (dir == 0) Flood(p_.flood, used, flood);
      const size_t per = outer.empty() ? 0 : flood.size() / outer.size() + 1;
      size_t next_flood = 0;
      for (size_t j = 0; j < outer.size(); ++j) {
        std::vector<std::vector<uint8_t>> frags = FragmentPacket(outer[j].bytes, kMtu);
        if (frags.size() > 1) ++good_datagrams_;
        for (size_t f = 0; f < frags.size(); ++f) {
          wire.push_back(std::move(frags[f]));
          if (f == 0 && j % 8 == 0 && next_flood < flood.size()) {
            wire.push_back(flood[next_flood++]);
          }
        }
        for (size_t m = 0; m < per && next_flood < flood.size(); ++m) {
          wire.push_back(flood[next_flood++]);
        }
      }
      while (next_flood < flood.size()) wire.push_back(flood[next_flood++]);
      to.Public(wire, now);
      // Reassembly memory right after the flood, when it is highest.
      for (const Slot& slot : to.engine().Slots()) {
        EXPECT_LE(slot.reassembly_memory, slot.reassembly_pool) << "reassembly over its pool";
        max_memory_ = std::max(max_memory_, slot.reassembly_memory);
      }
      const std::vector<std::vector<uint8_t>>& want = dir == 0 ? ab_ : ba_;
      std::vector<uint32_t> got(p_.tunnels, 0);
      for (const Output& o : to.TakePrivate()) {
        const size_t k =
            o.bytes.size() >= 20 ? TunnelOf(o.bytes.data() + 12, /*lan=*/true) : p_.tunnels;
        if (k >= p_.tunnels || o.bytes != want[k]) {
          ADD_FAILURE() << "at " << t << " s: a packet no tunnel sent was delivered ("
                        << o.bytes.size() << " bytes)";
          continue;
        }
        ++got[k];
      }
      for (size_t k = 0; k < p_.tunnels; ++k) {
        delivered_ += got[k];
        if (got[k] != static_cast<uint32_t>(p_.datagrams)) {
          ADD_FAILURE() << Name(k) << " at " << t << " s: " << got[k] << " of " << p_.datagrams
                        << " datagrams " << (dir == 0 ? "A->B" : "B->A") << " arrived";
        }
      }
      sent_ += static_cast<uint64_t>(p_.tunnels) * static_cast<uint64_t>(p_.datagrams);
    }
  }

  // TunnelOf: the tunnel of a LAN host (10./11.H.L.x, `lan`) or of an endpoint (1./2.0.x.y).
  size_t TunnelOf(const uint8_t* addr, bool lan) const {
    if (lan) return static_cast<size_t>(addr[1]) << 8 | addr[2];
    const uint32_t v = static_cast<uint32_t>(addr[1]) << 16 | addr[2] << 8 | addr[3];
    return v >= 16 ? v - 16 : p_.tunnels;
  }

  void Checkpoint(double t) {
    rss_.push_back(SampleMemory(t / 3600.0));
    for (SoakSide* s : {&a_, &b_}) {
      for (const Slot& slot : s->engine().Slots()) {
        EXPECT_LE(slot.reassembly_memory, slot.reassembly_pool) << "reassembly over its pool";
        EXPECT_LE(slot.reassembly_pool, kPool) << "reassembly pool over reassembly_memory";
      }
    }
    // Every completed datagram is an extra unit in the identity (its fragments were consumed).
    for (SoakSide* s : {&a_, &b_}) {
      for (const std::string& bad : s->CheckCounters(s == &a_ ? "A" : "B", Completed(*s))) {
        ADD_FAILURE() << "checkpoint " << t << " s: " << bad;
      }
    }
    std::printf("[soak] checkpoint %.1f h: RSS %lu KiB, reassembly memory now %zu of %zu\n",
                t / 3600.0, static_cast<unsigned long>(rss_.back().kb), Memory(b_), kPool);
    std::fflush(stdout);
  }

  using Slot = Engine::SlotState;

  static uint64_t Completed(SoakSide& s) {
    uint64_t n = 0;
    for (const Slot& slot : s.engine().Slots()) n += slot.reassembly.datagrams_completed;
    return n;
  }
  static size_t Memory(SoakSide& s) {
    size_t n = 0;
    for (const Slot& slot : s.engine().Slots()) n += slot.reassembly_memory;
    return n;
  }

  void Final() {
    EXPECT_EQ(delivered_, sent_) << "good datagrams lost";
    // Every good datagram completed once; the flood never completes one.
    EXPECT_EQ(Completed(a_) + Completed(b_), good_datagrams_);
    ReassemblyCounters rb{};
    for (const Slot& slot : b_.engine().Slots()) rb = slot.reassembly;
    // The reassembler's own identity (reassembly.h): fragments == reassembled + held + drops.
    uint64_t held_drops = 0;
    for (uint64_t d : rb.drops) held_drops += d;
    size_t pending = 0;
    for (const Slot& slot : b_.engine().Slots()) pending += slot.reassembly_pending;
    EXPECT_GE(rb.fragments, rb.fragments_reassembled + held_drops);
    // The flood shows up under its reasons, and only there.
    std::array<uint64_t, kNumDropReasons> engine_drops = b_.engine().counters().drops;
    for (DropReason r : {DropReason::kFragmentOverlap, DropReason::kFragmentDuplicate,
                         DropReason::kFragmentTiny}) {
      EXPECT_GT(engine_drops[static_cast<size_t>(r)], 0u) << DropReasonName(r);
    }
    for (DropReason r : {DropReason::kReassemblyTimeout, DropReason::kReassemblyMemory}) {
      EXPECT_GT(rb.drops[static_cast<size_t>(r)], 0u) << DropReasonName(r);
    }
    for (size_t r = 0; r < kNumDropReasons; ++r) {
      const auto reason = static_cast<DropReason>(r);
      const bool flood =
          reason == DropReason::kFragmentOverlap || reason == DropReason::kFragmentDuplicate ||
          reason == DropReason::kFragmentTiny || reason == DropReason::kReassemblyMemory ||
          reason == DropReason::kReassemblyTimeout;
      if (!flood) {
        EXPECT_EQ(engine_drops[r], 0u) << "B dropped for " << DropReasonName(reason);
        EXPECT_EQ(a_.engine().counters().drops[r], 0u)
            << "A dropped for " << DropReasonName(reason);
      }
    }
    std::printf(
        "[soak] GRE/IP-IP soak: %zu tunnels (%zu GRE, %zu IP-IP), %.1f simulated hours (tick %.0f "
        "s), %.1f s wall\n",
        p_.tunnels, (p_.tunnels + 1) / 2, p_.tunnels / 2, p_.hours, p_.tick, wall_seconds_);
    std::printf(
        "[soak] good datagrams: %lu sent, %lu delivered, %lu of them fragmented and "
        "reassembled; forged fragments: %lu\n",
        static_cast<unsigned long>(sent_), static_cast<unsigned long>(delivered_),
        static_cast<unsigned long>(good_datagrams_), static_cast<unsigned long>(flood_sent_));
    std::printf(
        "[soak] B drops (verdicts):\n%s[soak] B reassembler: %lu fragments, %lu "
        "reassembled, %lu pending now, drops:\n%s",
        FormatDrops(b_.ledger().drops).c_str(), static_cast<unsigned long>(rb.fragments),
        static_cast<unsigned long>(rb.fragments_reassembled), pending,
        FormatDrops(rb.drops).c_str());
    std::printf(
        "[soak] reassembly memory: at most %zu bytes in use (after each tick's flood), pool %zu\n",
        max_memory_, kPool);
    CheckMemoryAfterHourOne(rss_, p_.rss_growth_kb, /*check=*/p_.hours > 1.0);
  }

  Params p_;
  std::mt19937_64 rng_;
  SoakSide a_, b_;
  std::vector<std::vector<uint8_t>> ab_, ba_;
  std::vector<RssSample> rss_;
  uint64_t sent_ = 0, delivered_ = 0, good_datagrams_ = 0, flood_sent_ = 0;
  size_t max_memory_ = 0;
  double wall_seconds_ = 0;
};

TEST(Soak, IpTunnelsReassembleUnderFragmentFloods) {
  Params p;
  p.tunnels = static_cast<size_t>(EnvNumber("TUNNELISA_SOAK_IP_TUNNELS", 200));
  p.hours = EnvNumber("TUNNELISA_SOAK_IP_HOURS", 2);
  p.tick = EnvNumber("TUNNELISA_SOAK_IP_TICK", 10);
  p.datagrams = static_cast<int>(EnvNumber("TUNNELISA_SOAK_IP_DATAGRAMS", 2));
  p.flood = static_cast<int>(EnvNumber("TUNNELISA_SOAK_FLOOD", 400));
  p.seed = static_cast<uint64_t>(EnvNumber("TUNNELISA_SOAK_SEED", 1));
  // The engine's reassembly pool is allocated once at configuration; after hour 1 nothing of
  // the flood's may stay. 4 MiB covers allocator noise of the harness's own per-tick vectors.
  p.rss_growth_kb = static_cast<int64_t>(EnvNumber("TUNNELISA_SOAK_RSS_GROWTH_KB", 4096));
  ASSERT_GT(p.tunnels, 0u);
  ASSERT_LE(p.tunnels, 4000u);  // one private SAP each (tunnel-1.private:1..4094)
  ASSERT_GT(p.tick, 0.5);       // longer than the 500 ms reassembly wait
  IpSoak soak(p);
  soak.Run();
}

}  // namespace
}  // namespace tunnelisa::testing::soak
