#include "common/bug.h"

#include <cstdio>
#include <cstdlib>

namespace tunnelisa::internal {
namespace {
std::atomic<uint64_t> bug_count{0};
}  // namespace

void ReportBug(const char* id, const char* file, int line, std::atomic<bool>& reported) {
  bug_count.fetch_add(1, std::memory_order_relaxed);
  if (!reported.exchange(true, std::memory_order_relaxed)) {
    std::fprintf(stderr, "tunnelisa BUG %s at %s:%d\n", id, file, line);
  }
#ifndef NDEBUG
  std::abort();
#endif
}

uint64_t BugCount() { return bug_count.load(std::memory_order_relaxed); }

}  // namespace tunnelisa::internal
