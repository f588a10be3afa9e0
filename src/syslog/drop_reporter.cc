// SyslogDropReporter: drop counters to at most one report per reason per interval
// (include/tunnelisa/syslog_events.h).
#include <cstddef>
#include <vector>

#include "tunnelisa/syslog_events.h"

namespace tunnelisa {

SyslogDropReporter::Reasons SyslogDropReporter::DefaultReasons() {
  Reasons r;
  for (DropReason d :
       {DropReason::kUnknownSpi, DropReason::kSeqZero, DropReason::kReplayed,
        DropReason::kLeftOfWindow, DropReason::kBadEspLength, DropReason::kBadIcv,
        DropReason::kBadPadding, DropReason::kBadNextHeader, DropReason::kMalformedInner,
        DropReason::kSelectorMismatch, DropReason::kSaExpired, DropReason::kSeqExhausted,
        DropReason::kSaNotActive, DropReason::kCryptoError, DropReason::kWrongTunnel}) {
    r.set(static_cast<size_t>(d));
  }
  return r;
}

SyslogDropReporter::Reasons SyslogDropReporter::AllReasons() {
  Reasons r;
  r.set();
  r.reset(static_cast<size_t>(DropReason::kNone));
  return r;
}

SyslogDropReporter::SyslogDropReporter(Duration interval, Reasons reasons)
    : interval_(interval), reasons_(reasons) {}

std::vector<SyslogDropReporter::Report> SyslogDropReporter::Poll(
    MonoTime now, std::span<const uint64_t, kNumDropReasons> drops) {
  std::vector<Report> out;
  for (size_t i = 0; i < kNumDropReasons; ++i) {
    if (!reasons_.test(i)) continue;
    State& s = state_[i];
    const uint64_t v = drops[i];
    if (!started_ || v <= s.reported) {
      // Baseline (first poll, or a counter that restarted), or nothing new: the window of
      // the next drops starts here.
      s.reported = v;
      s.quiet_since = now;
      continue;
    }
    if (s.ever_reported && now - s.last_report < interval_) continue;  // held: rate limit
    out.push_back({.reason = static_cast<DropReason>(i),
                   .packets = v - s.reported,
                   .window = now - s.quiet_since});
    s.reported = v;
    s.quiet_since = now;
    s.last_report = now;
    s.ever_reported = true;
  }
  started_ = true;
  return out;
}

}  // namespace tunnelisa
