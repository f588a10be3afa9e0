// IKE soak (label `soak`, docs/reliability.md): N IKEv2 tunnels between two engines in one
// process, simulated time, traffic on every tunnel at every tick while the SAs rekey many
// times, DPD configured and a few tunnels' responders "rebooting" (their state dropped without
// a word to the peer). Hard failures, each with what went wrong:
//  - a tunnel without its SAs (both sides, matching SPIs) at an hourly checkpoint;
//  - a packet lost on a tunnel that was not being restarted (counted per tunnel and tick:
//    traffic is sent before, during and after each tick's IKE exchanges, so rekeys happen
//    under traffic);
//  - a restarted tunnel not back within its recovery time;
//  - too few rekeys, an IKE or CHILD SA going down outside a restart, a failed negotiation;
//  - an engine counter disagreeing with the host's ledger (soak_harness.h, CheckCounters);
//  - the heap in use growing after hour 1 by more than the bound (TUNNELISA_SOAK_RSS_GROWTH_KB),
//    or RSS by more than that plus an eighth of hour 1's RSS (CheckMemoryAfterHourOne).
// Parameters (environment; the defaults are the short ctest run):
//   TUNNELISA_SOAK_TUNNELS 1000, TUNNELISA_SOAK_HOURS 3, TUNNELISA_SOAK_IKE_LIFETIME 2400,
//   TUNNELISA_SOAK_CHILD_LIFETIME 1200, TUNNELISA_SOAK_TICK 20 (simulated seconds),
//   TUNNELISA_SOAK_PACKETS 1 (per tunnel, direction and traffic phase; two phases a tick),
//   TUNNELISA_SOAK_RESTARTS 3, TUNNELISA_SOAK_OUTAGE 300 (simulated seconds),
//   TUNNELISA_SOAK_SEED 1, TUNNELISA_SOAK_RSS_GROWTH_KB (default below).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ike/v2/ike_manager.h"
#include "soak_harness.h"
#include "soak_ike_config.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing::soak {
namespace {

using Clock = std::chrono::steady_clock;

struct Params {
  size_t tunnels;
  double hours;
  IkeSoakConfig config;
  double tick;
  int packets;
  int restarts;
  double outage;
  uint64_t seed;
  int64_t rss_growth_kb;
};

Params ReadParams() {
  Params p;
  p.tunnels = static_cast<size_t>(EnvNumber("TUNNELISA_SOAK_TUNNELS", 1000));
  p.hours = EnvNumber("TUNNELISA_SOAK_HOURS", 3);
  p.config.tunnels = p.tunnels;
  p.config.ike_lifetime = static_cast<uint32_t>(EnvNumber("TUNNELISA_SOAK_IKE_LIFETIME", 2400));
  p.config.child_lifetime = static_cast<uint32_t>(EnvNumber("TUNNELISA_SOAK_CHILD_LIFETIME", 1200));
  p.tick = EnvNumber("TUNNELISA_SOAK_TICK", 20);
  p.packets = static_cast<int>(EnvNumber("TUNNELISA_SOAK_PACKETS", 1));
  p.restarts = static_cast<int>(EnvNumber("TUNNELISA_SOAK_RESTARTS", 3));
  p.outage = EnvNumber("TUNNELISA_SOAK_OUTAGE", 300);
  p.seed = static_cast<uint64_t>(EnvNumber("TUNNELISA_SOAK_SEED", 1));
  // The memory bound after hour 1 (heap in use; RSS gets an eighth of hour 1's RSS more:
  // CheckMemoryAfterHourOne): by then every tunnel has rekeyed its CHILD SA at least twice
  // and its IKE SA at least once (with the default lifetimes), so every structure of the
  // steady state exists at its size; what may still move is the allocator's fragmentation
  // and hash tables holding old and new SAs during rekeys. 8 MiB plus 1 KiB per tunnel: the
  // short run (about 10,000 rekeys after hour 1) catches a leak of about 1 KiB per rekey, the
  // 10k x 24 h run (about 1.1 million) one of 16 bytes.
  p.rss_growth_kb = static_cast<int64_t>(
      EnvNumber("TUNNELISA_SOAK_RSS_GROWTH_KB", 8192.0 + static_cast<double>(p.tunnels)));
  return p;
}

// Phase of a tunnel over the run.
enum class State : uint8_t {
  kIdle,        // not initiated yet
  kLive,        // up; every packet must arrive
  kDown,        // its responder lost it (restart): losses expected
  kRecovering,  // the responder has it again; losses expected until both sides are up
};

struct Tunnel {
  State state = State::kIdle;
  double initiated_at = 0;
  double back_at = 0;  // kRecovering: when B re-added it
  bool restarted = false;
  uint64_t sent[2] = {0, 0};       // [0] A->B, [1] B->A
  uint64_t delivered[2] = {0, 0};  // all the run
  uint32_t tick_sent[2] = {0, 0};
  uint32_t tick_delivered[2] = {0, 0};
};

// SasUp: tunnel i has SAs on both sides, each sending with the SPI the other receives on.
// `*mid_rekey` is set when both sides have SAs but their SPIs do not pair: in the middle of
// a rekey (the responder still lists the old inbound SA until the initiator's Delete), so the
// caller looks again a tick later.
bool SasUp(SoakSide& a, SoakSide& b, size_t i, std::string* why, bool* mid_rekey = nullptr) {
  if (mid_rekey != nullptr) *mid_rekey = false;
  const config::TunnelKey key{kSoakService, TunnelName(i)};
  for (SoakSide* s : {&a, &b}) {
    const config::OperStatus st = s->engine().runtime().IpsecTunnelStatus(key);
    if (!st.up()) {
      *why = absl::StrCat(s == &a ? "A" : "B",
                          " oper down: ", st.reasons.empty() ? "" : st.reasons[0]);
      return false;
    }
  }
  const std::optional<config::IpsecTunnelCounters> ca = a.engine().runtime().IpsecCounters(key);
  const std::optional<config::IpsecTunnelCounters> cb = b.engine().runtime().IpsecCounters(key);
  if (!ca || !cb || ca->outbound_spi == 0 || cb->outbound_spi == 0) {
    *why = absl::StrCat("no SA on ", !ca || ca->outbound_spi == 0 ? "A" : "B");
    return false;
  }
  if (ca->outbound_spi != cb->inbound_spi || cb->outbound_spi != ca->inbound_spi) {
    if (mid_rekey != nullptr) *mid_rekey = true;
    *why = absl::StrCat("SPIs do not pair: A in/out ", ca->inbound_spi, "/", ca->outbound_spi,
                        ", B in/out ", cb->inbound_spi, "/", cb->outbound_spi);
    return false;
  }
  return true;
}

class IkeSoak {
 public:
  explicit IkeSoak(const Params& p)
      : p_(p),
        tunnels_(p.tunnels),
        absent_(p.tunnels, false),
        a_(SoakConfigText(p.config, true), 2 * p.seed + 1, p.tunnels, At(0)),
        b_(SoakConfigText(p.config, false), 2 * p.seed + 2, p.tunnels, At(0)) {
    for (size_t i = 0; i < p.tunnels; ++i) {
      ab_.push_back(
          MakeUdpPacket(LanHost(i, true), LanHost(i, false), 64, static_cast<uint8_t>(i)));
      ba_.push_back(
          MakeUdpPacket(LanHost(i, false), LanHost(i, true), 64, static_cast<uint8_t>(i + 1)));
    }
    // Restarts: distinct tunnels at times spread over the middle of the run (after the first
    // hour's checkpoint, ending early enough to recover and be checked again).
    std::mt19937_64 rng(p.seed);
    const double first = std::min(3600.0 + p.tick, 0.4 * Seconds());
    const double last = 0.8 * Seconds() - p.outage;
    for (int k = 0; k < p.restarts && static_cast<size_t>(k) < p.tunnels; ++k) {
      size_t i = 0;
      do {
        i = static_cast<size_t>(rng() % p.tunnels);
      } while (std::any_of(restarts_.begin(), restarts_.end(),
                           [i](const Restart& r) { return r.tunnel == i; }));
      const double at = first + (last - first) * (k + 0.5) / std::max(1, p.restarts);
      restarts_.push_back({i, std::floor(at / p.tick) * p.tick});
    }
  }

  double Seconds() const { return p_.hours * 3600.0; }

  void Run() {
    // The IKE index self-check of engine_test_util.cc scans every SA after each call: fine for
    // unit tests, quadratic here.
    ike::IkeManager::CheckIndexesForTesting(false);
    const auto wall0 = Clock::now();
    // Initiations spread over the first 600 s (or half a CHILD lifetime): rekeys then spread
    // the same way instead of all falling due in one tick.
    const double spread = std::min(600.0, 0.5 * p_.config.child_lifetime);
    const auto ticks = static_cast<int64_t>(std::llround(Seconds() / p_.tick));
    double next_checkpoint = 3600.0;
    rss_.push_back(SampleMemory(0));
    // One tick more when the last checkpoint found tunnels in the middle of a rekey.
    for (int64_t k = 1; (k <= ticks || (k == ticks + 1 && !recheck_.empty())) &&
                        !::testing::Test::HasFatalFailure();
         ++k) {
      const double t = static_cast<double>(k) * p_.tick;
      const MonoTime now = At(t);
      Restarts(t, now);
      a_.engine().OnTimer(now);
      b_.engine().OnTimer(now);
      for (size_t i = 0; i < p_.tunnels; ++i) {
        Tunnel& tn = tunnels_[i];
        if (tn.state == State::kIdle &&
            static_cast<double>(i) * spread / static_cast<double>(p_.tunnels) < t) {
          const absl::Status s = a_.engine().Initiate({kSoakService, TunnelName(i)}, now);
          ASSERT_TRUE(s.ok()) << TunnelName(i) << ": " << s;
          tn.state = State::kRecovering;  // live once its SAs are seen
          tn.initiated_at = tn.back_at = t;
        }
      }
      // Traffic before the IKE messages of this tick move, after one round (requests answered,
      // responses not yet delivered) and the rest of the exchanges.
      SendTraffic(t, now);
      Pump(a_, b_, now, 1);
      SendTraffic(t, now);
      Pump(a_, b_, now);
      Deliveries(t);
      Recheck(t);
      if (t + 1e-9 >= next_checkpoint || k == ticks) {
        Checkpoint(t);
        next_checkpoint += 3600.0;
      }
    }
    wall_seconds_ = std::chrono::duration<double>(Clock::now() - wall0).count();
    Final();
  }

 private:
  struct Restart {
    size_t tunnel;
    double at;
  };

  void Restarts(double t, MonoTime now) {
    for (const Restart& r : restarts_) {
      Tunnel& tn = tunnels_[r.tunnel];
      if (std::abs(r.at - t) < 1e-6) {
        // B loses the tunnel: a configuration without it, and whatever B sends now is lost
        // (the peer crashed; the engine sends nothing in fact, docs/reliability.md
        // "Findings"). A keeps sending until DPD tells it, B drops what arrives.
        absent_[r.tunnel] = true;
        ASSERT_TRUE(b_.engine()
                        .ApplyConfig(ParseConfig(SoakConfigText(p_.config, false, absent_)), now)
                        .ok());
        lost_on_restart_ += b_.TakePublic().size();
        tn.state = State::kDown;
        tn.restarted = true;
        std::printf("[soak] %6.0f s: B restarts %s\n", t, TunnelName(r.tunnel).c_str());
      } else if (std::abs(r.at + p_.outage - t) < 1e-6) {
        absent_[r.tunnel] = false;
        ASSERT_TRUE(b_.engine()
                        .ApplyConfig(ParseConfig(SoakConfigText(p_.config, false, absent_)), now)
                        .ok());
        tn.state = State::kRecovering;
        tn.back_at = t;
        std::printf("[soak] %6.0f s: B has %s again\n", t, TunnelName(r.tunnel).c_str());
      }
    }
  }

  void SendTraffic(double t, MonoTime now) {
    std::vector<std::vector<uint8_t>> ab, ba;
    for (size_t i = 0; i < p_.tunnels; ++i) {
      Tunnel& tn = tunnels_[i];
      // From the tick after its initiation: that tick's own exchange brings it up, and a
      // packet from B before then would make B initiate too.
      if (tn.state == State::kIdle || tn.initiated_at >= t) continue;
      for (int n = 0; n < p_.packets; ++n) {
        ab.push_back(ab_[i]);
        ba.push_back(ba_[i]);
      }
      tn.tick_sent[0] += static_cast<uint32_t>(p_.packets);
      tn.tick_sent[1] += static_cast<uint32_t>(p_.packets);
    }
    a_.Private(kSoakService, ab, now);
    b_.Private(kSoakService, ba, now);
  }

  void Deliveries(double t) {
    for (int dir = 0; dir < 2; ++dir) {
      SoakSide& to = dir == 0 ? b_ : a_;
      for (const Output& o : to.TakePrivate()) {
        const size_t i = o.bytes.size() >= 20 ? TunnelOfLan(&o.bytes[12]) : p_.tunnels;
        if (i >= p_.tunnels || o.bytes != (dir == 0 ? ab_[i] : ba_[i])) {
          ADD_FAILURE() << "at " << t << " s: " << (dir == 0 ? "B" : "A")
                        << " delivered a packet no tunnel sent (" << o.bytes.size() << " bytes)";
          continue;
        }
        ++tunnels_[i].tick_delivered[dir];
      }
    }
    for (size_t i = 0; i < p_.tunnels; ++i) {
      Tunnel& tn = tunnels_[i];
      for (int dir = 0; dir < 2; ++dir) {
        tn.sent[dir] += tn.tick_sent[dir];
        tn.delivered[dir] += tn.tick_delivered[dir];
        const uint32_t lost =
            tn.tick_sent[dir] - std::min(tn.tick_sent[dir], tn.tick_delivered[dir]);
        if (tn.tick_delivered[dir] > tn.tick_sent[dir]) {
          ADD_FAILURE() << TunnelName(i) << " at " << t << " s: " << tn.tick_delivered[dir]
                        << " delivered of " << tn.tick_sent[dir] << " sent (duplicates)";
        }
        if (lost == 0) continue;
        if (tn.state == State::kLive) {
          ADD_FAILURE() << TunnelName(i) << " at " << t << " s: " << lost << " of "
                        << tn.tick_sent[dir] << " packets " << (dir == 0 ? "A->B" : "B->A")
                        << " lost while live (a rekey losing packets?)";
          lost_live_ += lost;
        } else {
          lost_expected_ += lost;
        }
      }
      const bool all_arrived = tn.tick_sent[0] > 0 && tn.tick_delivered[0] == tn.tick_sent[0] &&
                               tn.tick_delivered[1] == tn.tick_sent[1];
      tn.tick_sent[0] = tn.tick_sent[1] = tn.tick_delivered[0] = tn.tick_delivered[1] = 0;
      if (tn.state != State::kRecovering) continue;
      std::string why;
      if (all_arrived && SasUp(a_, b_, i, &why)) {
        tn.state = State::kLive;
        if (tn.restarted) {
          recovery_.push_back(t - tn.back_at);
          std::printf("[soak] %6.0f s: %s back after %.0f s\n", t, TunnelName(i).c_str(),
                      t - tn.back_at);
        }
      } else if (t - tn.back_at > kRecoverySeconds) {
        ADD_FAILURE() << TunnelName(i) << " not up " << kRecoverySeconds << " s after "
                      << (tn.restarted ? "its responder restarted" : "its initiation") << ": "
                      << (why.empty() ? "packets lost" : why);
        tn.back_at = t;  // once per period, not every tick
      }
    }
  }

  // Recheck: the tunnels a checkpoint found mid-rekey must have paired SPIs a tick later.
  void Recheck(double t) {
    for (size_t i : recheck_) {
      std::string why;
      if (tunnels_[i].state == State::kLive && !SasUp(a_, b_, i, &why)) {
        ADD_FAILURE() << TunnelName(i) << " at " << t << " s, a tick after a checkpoint: " << why;
      }
    }
    recheck_.clear();
  }

  void Checkpoint(double t) {
    rss_.push_back(SampleMemory(t / 3600.0));
    size_t up = 0;
    for (size_t i = 0; i < p_.tunnels; ++i) {
      if (tunnels_[i].state != State::kLive) continue;
      std::string why;
      bool mid_rekey = false;
      if (SasUp(a_, b_, i, &why, &mid_rekey)) {
        ++up;
      } else if (mid_rekey) {
        recheck_.push_back(i);
      } else {
        ADD_FAILURE() << "checkpoint " << t << " s: " << TunnelName(i)
                      << " has lost its SAs: " << why;
      }
    }
    for (SoakSide* s : {&a_, &b_}) {
      for (const std::string& bad : s->CheckCounters(s == &a_ ? "A" : "B")) {
        ADD_FAILURE() << "checkpoint " << t << " s: " << bad;
      }
    }
    std::printf(
        "[soak] checkpoint %.1f h: %zu tunnels live with their SAs, %zu in a rekey "
        "(checked again next tick), RSS %lu KiB\n",
        t / 3600.0, up, recheck_.size(), static_cast<unsigned long>(rss_.back().kb));
    std::fflush(stdout);
  }

  void Final() {
    uint64_t child_rekeys = 0, ike_rekeys = 0, sent = 0, delivered = 0;
    for (size_t i = 0; i < p_.tunnels; ++i) {
      const Tunnel& tn = tunnels_[i];
      sent += tn.sent[0] + tn.sent[1];
      delivered += tn.delivered[0] + tn.delivered[1];
      if (tn.restarted) continue;
      // Each SA is rekeyed at 90 % of its lifetime, seen at the next tick at the latest.
      const double lived = Seconds() - tn.initiated_at;
      const auto want_child =
          static_cast<uint32_t>(std::floor(lived / (0.9 * p_.config.child_lifetime + p_.tick)));
      const auto want_ike =
          static_cast<uint32_t>(std::floor(lived / (0.9 * p_.config.ike_lifetime + p_.tick)));
      const CountingEvents& ea = a_.events();
      EXPECT_GE(ea.Of(i, IkeEventKind::kChildRekeyed), want_child) << TunnelName(i);
      EXPECT_GE(ea.Of(i, IkeEventKind::kIkeRekeyed), want_ike) << TunnelName(i);
      for (SoakSide* s : {&a_, &b_}) {
        const CountingEvents& e = s->events();
        EXPECT_EQ(e.Of(i, IkeEventKind::kIkeUp), 1u) << TunnelName(i) << " IKE SA set up again";
        EXPECT_EQ(e.Of(i, IkeEventKind::kIkeDown), 0u) << TunnelName(i) << " IKE SA lost";
      }
      child_rekeys += ea.Of(i, IkeEventKind::kChildRekeyed);
      ike_rekeys += ea.Of(i, IkeEventKind::kIkeRekeyed);
    }
    for (SoakSide* s : {&a_, &b_}) {
      EXPECT_EQ(s->events().Total(IkeEventKind::kAuthFailed), 0u);
      EXPECT_EQ(s->events().Total(IkeEventKind::kNegotiationFailed), 0u);
      EXPECT_EQ(s->events().unknown, 0u);
    }
    EXPECT_EQ(lost_live_, 0u);
    for (const Restart& r : restarts_) {
      EXPECT_EQ(tunnels_[r.tunnel].state, State::kLive)
          << TunnelName(r.tunnel) << " did not come back after its restart";
    }
    EXPECT_EQ(recovery_.size(), restarts_.size());
    // DPD: with the responder gone longer than DPD needs (interval x (retries + 1), plus a
    // tick), A must have declared each restarted peer dead and removed the IKE SA itself.
    for (const Restart& r : restarts_) {
      bool dead_peer = false;
      for (const auto& [tunnel, detail] : a_.events().downs) {
        if (tunnel != r.tunnel) continue;
        dead_peer = dead_peer || detail.find("dead peer") != std::string::npos;
        std::printf("[soak] A: IKE SA of %s down: %s\n", TunnelName(tunnel).c_str(),
                    detail.c_str());
      }
      if (p_.outage > p_.config.dpd_interval * (p_.config.dpd_retries + 1.0) + p_.tick) {
        EXPECT_TRUE(dead_peer) << TunnelName(r.tunnel) << ": DPD never declared B dead";
      }
    }
    for (const auto& [tunnel, detail] : b_.events().downs) {
      std::printf("[soak] B: IKE SA of %s down: %s\n", TunnelName(tunnel).c_str(), detail.c_str());
    }
    std::printf(
        "[soak] IKE datagrams the engines dropped unsent or unanswered (ike_drops): A %lu, "
        "B %lu\n",
        static_cast<unsigned long>(a_.engine().counters().ike_drops),
        static_cast<unsigned long>(b_.engine().counters().ike_drops));
    std::printf(
        "[soak] IKE soak: %zu tunnels, %.1f simulated hours (tick %.0f s, CHILD lifetime %u s, IKE "
        "lifetime %u s), %.1f s wall\n",
        p_.tunnels, p_.hours, p_.tick, p_.config.child_lifetime, p_.config.ike_lifetime,
        wall_seconds_);
    std::printf("[soak] rekeys (A, tunnels never restarted): %lu CHILD, %lu IKE\n",
                static_cast<unsigned long>(child_rekeys), static_cast<unsigned long>(ike_rekeys));
    std::printf(
        "[soak] packets: %lu sent, %lu delivered, %lu lost while live, %lu lost to the "
        "%zu restarts (plus %lu IKE messages of B's restarts discarded)\n",
        static_cast<unsigned long>(sent), static_cast<unsigned long>(delivered),
        static_cast<unsigned long>(lost_live_), static_cast<unsigned long>(lost_expected_),
        restarts_.size(), static_cast<unsigned long>(lost_on_restart_));
    std::printf("[soak] restart recovery (s after B had the tunnel again):");
    for (double r : recovery_) std::printf(" %.0f", r);
    std::printf("\n[soak] drops A:\n%s[soak] drops B:\n%s", FormatDrops(a_.ledger().drops).c_str(),
                FormatDrops(b_.ledger().drops).c_str());
    const IkeCounters ia = a_.engine().ike_counters(), ib = b_.engine().ike_counters();
    std::printf(
        "[soak] IKE A: %lu SAs, %lu dropped, %lu retransmits; B: %lu SAs, %lu dropped, "
        "%lu retransmits\n",
        static_cast<unsigned long>(ia.ike_sas), static_cast<unsigned long>(ia.dropped),
        static_cast<unsigned long>(ia.retransmits), static_cast<unsigned long>(ib.ike_sas),
        static_cast<unsigned long>(ib.dropped), static_cast<unsigned long>(ib.retransmits));
    CheckMemoryAfterHourOne(rss_, p_.rss_growth_kb, /*check=*/p_.hours > 1.0);
  }

  // A restarted tunnel must carry traffic again within this long after its responder has it
  // again: DPD (30 s x 3 retries) has long declared the old SAs dead by then, and the next
  // packet either way starts IKE (INITIAL_CONTACT clears a stale IKE SA on the other side).
  static constexpr double kRecoverySeconds = 180;

  Params p_;
  std::vector<Tunnel> tunnels_;
  std::vector<bool> absent_;
  SoakSide a_, b_;
  std::vector<std::vector<uint8_t>> ab_, ba_;
  std::vector<Restart> restarts_;
  std::vector<RssSample> rss_;
  std::vector<double> recovery_;
  std::vector<size_t> recheck_;
  uint64_t lost_live_ = 0, lost_expected_ = 0, lost_on_restart_ = 0;
  double wall_seconds_ = 0;
};

TEST(Soak, IkeTunnelsRekeyUnderTrafficWithoutLoss) {
  const Params p = ReadParams();
  ASSERT_GT(p.tunnels, 0u);
  ASSERT_LE(p.tunnels, 65000u);  // the address plan (soak_ike_config.h)
  ASSERT_GT(p.tick, 0);
  ASSERT_LT(p.tick, 0.1 * p.config.child_lifetime);  // rekeys due within 10 % of a lifetime
  IkeSoak soak(p);
  soak.Run();
}

}  // namespace
}  // namespace tunnelisa::testing::soak
