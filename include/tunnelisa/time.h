// File: tunnelisa/time.h
//
// Monotonic time as the host passes it in. tunnelisa owns no clock: every call that needs the
// time takes a MonoTime, and timers are driven by the host calling OnTimer(now). Nanoseconds
// in an int64 keep comparisons on the fast path to one instruction.
#ifndef TUNNELISA_TIME_H_
#define TUNNELISA_TIME_H_

#include <compare>
#include <cstdint>
#include <limits>

namespace tunnelisa {

// Duration: a signed span of nanoseconds.
struct Duration {
  int64_t ns = 0;
  static constexpr Duration Nanoseconds(int64_t n) { return {n}; }
  static constexpr Duration Milliseconds(int64_t n) { return {n * 1000000}; }
  static constexpr Duration Seconds(int64_t n) { return {n * 1000000000}; }
  static constexpr Duration Infinite() { return {std::numeric_limits<int64_t>::max()}; }
  constexpr bool is_infinite() const { return ns == std::numeric_limits<int64_t>::max(); }
  constexpr double seconds() const { return static_cast<double>(ns) / 1e9; }
  auto operator<=>(const Duration&) const = default;
};

// MonoTime: a point on the host's monotonic clock (any epoch, never goes back).
struct MonoTime {
  int64_t ns = 0;
  static constexpr MonoTime Infinite() { return {std::numeric_limits<int64_t>::max()}; }
  constexpr bool is_infinite() const { return ns == std::numeric_limits<int64_t>::max(); }
  auto operator<=>(const MonoTime&) const = default;
  // Saturating: adding an infinite duration gives an infinite time.
  constexpr MonoTime operator+(Duration d) const {
    if (d.is_infinite() || is_infinite()) return Infinite();
    return {ns + d.ns};
  }
  constexpr Duration operator-(MonoTime o) const { return {ns - o.ns}; }
};

// WallTime: a point on the host's wall clock, in seconds since the Unix epoch (UTC). Only
// certificate validity and CRL dates use it (X.509 has one-second resolution); everything
// else runs on MonoTime.
struct WallTime {
  int64_t unix_seconds = 0;
  static constexpr WallTime FromUnixSeconds(int64_t s) { return {s}; }
  auto operator<=>(const WallTime&) const = default;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_TIME_H_
