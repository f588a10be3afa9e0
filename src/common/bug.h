// TUNNELISA_BUG: our own broken invariants (never a peer's or an operator's input: those are
// counted drops, notifications and configuration errors).
//
//   if (TUNNELISA_BUG_IF(engine_group_without_isa, isas.empty())) return InternalError(...);
//
// In a debug build (NDEBUG undefined: Debug, the ASan/UBSan CI build) a bug prints where it
// happened and aborts, so tests find it. In a release build it prints once per call site to
// stderr, counts (BugCount) and the caller takes its recovery path: a host's router keeps
// forwarding. The condition is evaluated exactly once; the macro's value is the condition.
#ifndef TUNNELISA_SRC_COMMON_BUG_H_
#define TUNNELISA_SRC_COMMON_BUG_H_

#include <atomic>
#include <cstdint>

namespace tunnelisa::internal {

// ReportBug: called by TUNNELISA_BUG_IF when its condition holds; `reported` is the call
// site's own flag (print once). Aborts in debug builds. Thread-safe.
void ReportBug(const char* id, const char* file, int line, std::atomic<bool>& reported);
// BugCount: how many bugs were reported in this process (release builds; tests).
uint64_t BugCount();

}  // namespace tunnelisa::internal

#define TUNNELISA_BUG_IF(id, condition)                                                \
  ([&]() -> bool {                                                                     \
    if (!(condition)) return false;                                                    \
    static std::atomic<bool> tunnelisa_bug_reported{false};                            \
    ::tunnelisa::internal::ReportBug(#id, __FILE__, __LINE__, tunnelisa_bug_reported); \
    return true;                                                                       \
  }())

#endif  // TUNNELISA_SRC_COMMON_BUG_H_
