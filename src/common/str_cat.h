// StrCat: absl::StrCat that also takes std::string_view.
//
// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// and its StrCat does not accept std::string_view, which our public API uses. This forwards
// every std::string_view-like argument as an absl::string_view. (absl::StrFormat accepts
// std::string_view as it is.)
#ifndef TUNNELISA_SRC_COMMON_STR_CAT_H_
#define TUNNELISA_SRC_COMMON_STR_CAT_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace tunnelisa {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

namespace str_cat_internal {
template <typename T>
decltype(auto) Arg(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return ToAbsl(v);
  } else {
    return (v);
  }
}
}  // namespace str_cat_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(str_cat_internal::Arg(args)...);
}

// StrAppend: appends the StrCat of args to `out`.
template <typename... Args>
void StrAppend(std::string& out, const Args&... args) {
  out += StrCat(args...);
}

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_COMMON_STR_CAT_H_
