#include "soak_harness.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace tunnelisa::testing::soak {

double EnvNumber(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end != '\0') {
    ADD_FAILURE() << name << "=" << v << " is not a number";
    return fallback;
  }
  return d;
}

uint64_t RssKb() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

bool RssChecked() {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return false;
#else
  return true;
#endif
#else
  return true;
#endif
}

MonoTime At(double seconds) {
  return MonoTime{} + Duration::Nanoseconds(static_cast<int64_t>(seconds * 1e9));
}

CountingEvents::CountingEvents(size_t tunnels) : per_tunnel_(tunnels) {}

void CountingEvents::OnIke(const IkeEvent& e) {
  const auto kind = static_cast<size_t>(e.kind);
  if (kind >= kKinds) {
    ++unknown;
    return;
  }
  ++total_[kind];
  // "ipsec-tunnel 101/t123": the number after "/t".
  const size_t at = e.tunnel.rfind("/t");
  size_t n = 0;
  const char* first = e.tunnel.data() + (at == std::string_view::npos ? 0 : at + 2);
  const char* last = e.tunnel.data() + e.tunnel.size();
  if (at == std::string_view::npos || std::from_chars(first, last, n).ptr != last ||
      n >= per_tunnel_.size()) {
    ++unknown;
    return;
  }
  ++per_tunnel_[n][kind];
  if (e.kind == IkeEventKind::kIkeDown && downs.size() < kMaxDowns) {
    downs.emplace_back(n, std::string(e.detail));
  }
}

uint32_t CountingEvents::Of(size_t tunnel, IkeEventKind k) const {
  return per_tunnel_[tunnel][static_cast<size_t>(k)];
}

SoakSide::SoakSide(std::string_view config_text, uint64_t seed, size_t tunnels, MonoTime now,
                   const EngineOptions& options)
    : events_(tunnels), random_(seed) {
  EngineOptions o = options;
  o.crypto = TestRegistry();
  o.host.transport = &transport_;
  o.host.events = &events_;
  o.host.random = &random_;
  absl::StatusOr<std::unique_ptr<Engine>> e = Engine::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  engine_ = *std::move(e);
  const absl::Status s = engine_->ApplyConfig(ParseConfig(config_text), now);
  EXPECT_TRUE(s.ok()) << s;
}

void SoakSide::Tally(std::span<const EngineVerdict> v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    ++ledger_.verdicts[static_cast<size_t>(v[i].action)];
    if (v[i].action == Verdict::Action::kDrop) ++ledger_.drops[static_cast<size_t>(v[i].reason)];
  }
}

void SoakSide::Public(const std::vector<std::vector<uint8_t>>& packets, MonoTime now) {
  for (size_t base = 0; base < packets.size(); base += 32) {
    const size_t n = std::min<size_t>(32, packets.size() - base);
    Burst b({packets.begin() + static_cast<std::ptrdiff_t>(base),
             packets.begin() + static_cast<std::ptrdiff_t>(base + n)});
    engine_->OnPublicPackets(b.refs, b.verdicts, now);
    ledger_.public_in += n;
    Tally(b.verdicts, n);
    for (size_t i = 0; i < n; ++i) {
      if (b.verdicts[i].action == Verdict::Action::kToControl) {
        engine_->OnControlPacket(b.refs[i], now);
      }
    }
  }
}

void SoakSide::Private(uint32_t service, const std::vector<std::vector<uint8_t>>& packets,
                       MonoTime now) {
  for (size_t base = 0; base < packets.size(); base += 32) {
    const size_t n = std::min<size_t>(32, packets.size() - base);
    Burst b({packets.begin() + static_cast<std::ptrdiff_t>(base),
             packets.begin() + static_cast<std::ptrdiff_t>(base + n)});
    engine_->OnPrivatePackets(service, b.refs, b.verdicts, now);
    ledger_.private_in += n;
    Tally(b.verdicts, n);
  }
}

bool IsIke(const std::vector<uint8_t>& p) {
  if (p.size() < 28 || (p[0] >> 4) != 4 || p[9] != 17) return false;
  const size_t ihl = static_cast<size_t>(p[0] & 0x0f) * 4;
  if (p.size() < ihl + 8) return false;
  const int dport = p[ihl + 2] << 8 | p[ihl + 3];
  if (dport == 500) return true;
  return dport == 4500 && p.size() >= ihl + 12 &&
         (p[ihl + 8] | p[ihl + 9] | p[ihl + 10] | p[ihl + 11]) == 0;
}

std::vector<Output> SoakSide::TakePublic() {
  std::vector<Output> out = std::move(transport_.public_out);
  transport_.public_out.clear();
  ledger_.sent_public += out.size();
  for (const Output& o : out) ledger_.sent_ike += IsIke(o.bytes) ? 1 : 0;
  return out;
}

std::vector<Output> SoakSide::TakePrivate() {
  std::vector<Output> out = std::move(transport_.private_out);
  transport_.private_out.clear();
  ledger_.delivered_private += out.size();
  return out;
}

std::vector<std::string> SoakSide::CheckCounters(const char* name, uint64_t extra_units) const {
  std::vector<std::string> bad;
  const EngineCounters c = engine_->counters();
  const Ledger& l = ledger_;
  auto same = [&](const char* what, uint64_t engine, uint64_t host) {
    if (engine != host) {
      bad.push_back(
          absl::StrCat(name, ": counters().", what, " = ", engine, " but the host counted ", host));
    }
  };
  same("public_in", c.public_in, l.public_in);
  same("private_in", c.private_in, l.private_in);
  same("sent_public", c.sent_public, l.sent_public + transport_.public_out.size());
  same("delivered_private", c.delivered_private,
       l.delivered_private + transport_.private_out.size());
  same("to_control", c.to_control, l.verdicts[static_cast<size_t>(Verdict::Action::kToControl)]);
  same("consumed", c.consumed, l.verdicts[static_cast<size_t>(Verdict::Action::kConsumed)]);
  if (extra_units == 0) {
    // Without packets made inside the engine every drop is an input's verdict: by reason too.
    for (size_t r = 0; r < kNumDropReasons; ++r) {
      if (c.drops[r] != l.drops[r]) {
        bad.push_back(absl::StrCat(name, ": drops[",
                                   std::string(DropReasonName(static_cast<DropReason>(r))),
                                   "] = ", c.drops[r], " but the verdicts said ", l.drops[r]));
      }
    }
  }
  const uint64_t in = c.public_in + c.private_in + l.sent_ike + extra_units;
  const uint64_t out =
      c.sent_public + c.delivered_private + c.consumed + c.to_control + c.total_drops();
  if (in != out) {
    bad.push_back(absl::StrCat(name, ": public_in + private_in + IKE sent + extra (", in,
                               ") != sent_public + delivered_private + consumed + to_control + "
                               "drops (",
                               out, ")"));
  }
  return bad;
}

size_t Pump(SoakSide& a, SoakSide& b, MonoTime now, int max_rounds) {
  size_t moved = 0;
  for (int round = 0; round < max_rounds; ++round) {
    std::vector<Output> from_a = a.TakePublic();
    std::vector<Output> from_b = b.TakePublic();
    if (from_a.empty() && from_b.empty()) break;
    auto deliver = [now](std::vector<Output>& from, SoakSide& to) {
      std::vector<std::vector<uint8_t>> packets;
      packets.reserve(from.size());
      for (Output& o : from) packets.push_back(std::move(o.bytes));
      to.Public(packets, now);
    };
    deliver(from_a, b);
    deliver(from_b, a);
    moved += from_a.size() + from_b.size();
  }
  return moved;
}

RssSample SampleMemory(double hour) {
  const struct mallinfo2 m = mallinfo2();
  return {hour, RssKb(), static_cast<uint64_t>((m.uordblks + m.hblkhd) / 1024)};
}

std::string FormatRss(const std::vector<RssSample>& samples) {
  std::string s = "  hour    RSS KiB   delta vs hour 1   heap in use KiB   delta vs hour 1\n";
  const RssSample* base = nullptr;
  for (const RssSample& r : samples) {
    if (base == nullptr && r.hour >= 1.0) base = &r;
    auto delta = [base](uint64_t now, uint64_t RssSample::*field) -> std::string {
      if (base == nullptr) return "-";
      return absl::StrCat(static_cast<int64_t>(now) - static_cast<int64_t>(base->*field));
    };
    absl::StrAppendFormat(&s, "  %5.1f  %9u   %-15s   %15u   %s\n", r.hour, r.kb,
                          delta(r.kb, &RssSample::kb), r.heap_kb,
                          delta(r.heap_kb, &RssSample::heap_kb));
  }
  return s;
}

namespace {
int64_t GrowthAfter(const std::vector<RssSample>& samples, double from_hour,
                    uint64_t RssSample::*field) {
  int64_t base = -1, top = 0;
  for (const RssSample& r : samples) {
    if (r.hour < from_hour) continue;
    const auto kb = static_cast<int64_t>(r.*field);
    if (base < 0) base = kb;
    top = std::max(top, kb);
  }
  return base < 0 ? 0 : top - base;
}
}  // namespace

int64_t RssGrowthAfter(const std::vector<RssSample>& samples, double from_hour) {
  return GrowthAfter(samples, from_hour, &RssSample::kb);
}

int64_t HeapGrowthAfter(const std::vector<RssSample>& samples, double from_hour) {
  return GrowthAfter(samples, from_hour, &RssSample::heap_kb);
}

void CheckMemoryAfterHourOne(const std::vector<RssSample>& samples, int64_t bound_kb, bool check) {
  const int64_t rss = RssGrowthAfter(samples, 1.0);
  const int64_t heap = HeapGrowthAfter(samples, 1.0);
  int64_t hour_one_rss = 0;
  for (const RssSample& r : samples) {
    if (r.hour >= 1.0) {
      hour_one_rss = static_cast<int64_t>(r.kb);
      break;
    }
  }
  const int64_t rss_bound = bound_kb + hour_one_rss / 8;
  std::printf(
      "[soak] memory:\n%s[soak] growth after hour 1: heap in use %ld KiB (bound %ld KiB), RSS "
      "%ld KiB (bound %ld KiB)\n",
      FormatRss(samples).c_str(), static_cast<long>(heap), static_cast<long>(bound_kb),
      static_cast<long>(rss), static_cast<long>(rss_bound));
  std::fflush(stdout);
  if (!check || !RssChecked()) return;
  EXPECT_LE(heap, bound_kb) << "the heap in use grew after hour 1 (a leak)";
  EXPECT_LE(rss, rss_bound) << "RSS grew after hour 1 beyond the fragmentation allowance";
}

std::string FormatDrops(const std::array<uint64_t, kNumDropReasons>& drops) {
  std::string s;
  for (size_t r = 0; r < kNumDropReasons; ++r) {
    if (drops[r] == 0) continue;
    absl::StrAppendFormat(&s, "    %-24s %u\n",
                          std::string(DropReasonName(static_cast<DropReason>(r))), drops[r]);
  }
  return s.empty() ? "    (none)\n" : s;
}

}  // namespace tunnelisa::testing::soak
