#include "tunnelisa/drop_reason.h"

#include <array>

namespace tunnelisa {
namespace {

struct ReasonText {
  std::string_view name;
  std::string_view description;
};

constexpr std::array<ReasonText, kNumDropReasons> kReasonTexts = {{
#define TUNNELISA_X_TEXT(e, name, desc) {name, desc},
    TUNNELISA_DROP_REASONS(TUNNELISA_X_TEXT)
#undef TUNNELISA_X_TEXT
}};

}  // namespace

std::string_view DropReasonName(DropReason r) {
  size_t i = static_cast<size_t>(r);
  return i < kReasonTexts.size() ? kReasonTexts[i].name : "unknown";
}

std::string_view DropReasonDescription(DropReason r) {
  size_t i = static_cast<size_t>(r);
  return i < kReasonTexts.size() ? kReasonTexts[i].description : "unknown";
}

}  // namespace tunnelisa
