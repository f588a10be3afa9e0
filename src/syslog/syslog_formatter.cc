// SyslogFormatter: RFC 5424 messages (include/tunnelisa/syslog.h).
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/time.h"
#include "common/str_cat.h"
#include "tunnelisa/syslog.h"

namespace tunnelisa {
namespace {

//= https://www.rfc-editor.org/rfc/rfc5424#section-6
//# NILVALUE        = "-"
constexpr std::string_view kNil = "-";

//= https://www.rfc-editor.org/rfc/rfc5424#section-6
//# HOSTNAME        = NILVALUE / 1*255PRINTUSASCII
//# APP-NAME        = NILVALUE / 1*48PRINTUSASCII
//# PROCID          = NILVALUE / 1*128PRINTUSASCII
//# MSGID           = NILVALUE / 1*32PRINTUSASCII
constexpr size_t kHostnameMax = 255;
constexpr size_t kAppNameMax = 48;
constexpr size_t kProcidMax = 128;
constexpr size_t kMsgidMax = 32;
//# SD-NAME         = 1*32PRINTUSASCII
//#                   ; except '=', SP, ']', %d34 (")
constexpr size_t kSdNameMax = 32;

//# PRINTUSASCII    = %d33-126
bool PrintUsAscii(char c) { return c >= 33 && c <= 126; }

// HeaderField: `value` reduced to PRINTUSASCII (other octets become '_', so a field never
// splits in two at a space) and cut to `max`; the NILVALUE when empty.
std::string HeaderField(std::string_view value, size_t max) {
  if (value.empty()) return std::string(kNil);
  std::string out(value.substr(0, max));
  for (char& c : out) {
    if (!PrintUsAscii(c)) c = '_';
  }
  return out;
}

// SdName: `name` without the characters SD-NAME excludes (dropped, not replaced: an SD-ID is
// matched by receivers as a whole), cut to 32; may come back empty.
std::string SdName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (out.size() == kSdNameMax) break;
    if (PrintUsAscii(c) && c != '=' && c != ']' && c != '"') out.push_back(c);
  }
  return out;
}

// Utf8Length: the length of the valid UTF-8 sequence at s[i], or 0 when it is not one
// (overlong forms, surrogates and values above U+10FFFF count as invalid, RFC 3629).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

// CleanText: valid UTF-8 without control characters: an invalid octet or a control
// character becomes '?'. Control characters go so that a message stays one line in the
// collector's files (RFC 5424 6.4 lets MSG hold them, but they serve nobody here).
std::string CleanText(std::string_view s, bool* non_ascii) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
      out.push_back('?');
      i += n == 0 ? 1 : n;
      continue;
    }
    if (n > 1 && non_ascii != nullptr) *non_ascii = true;
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

// CutUtf8: the longest prefix of `s` (valid UTF-8) of at most `max` octets that ends on a
// character boundary.
std::string_view CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

// Element: one cleaned SD-ELEMENT: its SD-ID and each "SP PARAM-NAME=\"escaped\"".
struct Element {
  std::string id;
  std::vector<std::string> params;
};

std::string RenderSd(const std::vector<Element>& elements) {
  std::string out;
  for (const Element& e : elements) {
    //= https://www.rfc-editor.org/rfc/rfc5424#section-6
    //# SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
    StrAppend(out, "[", e.id);
    for (const std::string& p : e.params) StrAppend(out, " ", p);
    out.push_back(']');
  }
  return out.empty() ? std::string(kNil) : out;
}

}  // namespace

std::optional<SyslogFacility> ParseSyslogFacility(std::string_view name) {
  if (name == "daemon") return SyslogFacility::kDaemon;
  if (name == "auth") return SyslogFacility::kAuth;
  if (name == "authpriv") return SyslogFacility::kAuthPriv;
  if (name == "user") return SyslogFacility::kUser;
  if (name.size() == 6 && name.starts_with("local") && name[5] >= '0' && name[5] <= '7') {
    return static_cast<SyslogFacility>(static_cast<int>(SyslogFacility::kLocal0) + (name[5] - '0'));
  }
  return std::nullopt;
}

int SyslogPri(SyslogFacility facility, SyslogSeverity severity) {
  //= https://www.rfc-editor.org/rfc/rfc5424#section-6.2.1
  //# The Priority value is calculated by first multiplying the Facility
  //# number by 8 and then adding the numerical value of the Severity.
  return static_cast<int>(facility) * 8 + static_cast<int>(severity);
}

std::string SyslogEscapeParamValue(std::string_view value) {
  std::string clean = CleanText(value, nullptr);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    //= https://www.rfc-editor.org/rfc/rfc5424#section-6.3.3
    //# Inside PARAM-VALUE, the characters '"' (ABNF %d34), '\' (ABNF %d92),
    //# and ']' (ABNF %d93) MUST be escaped.
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string SyslogTimestamp(absl::Time time) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) return std::string(kNil);
  const absl::TimeZone utc = absl::UTCTimeZone();
  const int64_t year = absl::ToCivilYear(time, utc).year();
  //= https://www.rfc-editor.org/rfc/rfc5424#section-6
  //# DATE-FULLYEAR   = 4DIGIT
  if (year < 0 || year > 9999) return std::string(kNil);
  //= https://www.rfc-editor.org/rfc/rfc5424#section-6.2.3
  //# The "T" and "Z" characters in this syntax MUST be upper case.
  //# Usage of the "T" character is REQUIRED.
  //# Leap seconds MUST NOT be used.
  // (absl never produces second 60.) TIME-SECFRAC = "." 1*6DIGIT: microseconds, in UTC.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, utc);
}

SyslogFormatter::SyslogFormatter(Options options) : options_(std::move(options)) {
  options_.hostname = HeaderField(options_.hostname, kHostnameMax);
  options_.app_name = HeaderField(options_.app_name, kAppNameMax);
  options_.procid = HeaderField(options_.procid, kProcidMax);
  options_.max_size = std::max(options_.max_size, kMinMaxSize);
}

std::string SyslogFormatter::Format(const SyslogMessage& m) const {
  //= https://www.rfc-editor.org/rfc/rfc5424#section-6
  //# HEADER          = PRI VERSION SP TIMESTAMP SP HOSTNAME
  //#                   SP APP-NAME SP PROCID SP MSGID
  //# PRI             = "<" PRIVAL ">"
  //# VERSION         = NONZERO-DIGIT 0*2DIGIT
  //= https://www.rfc-editor.org/rfc/rfc5424#section-6.2.2
  //# The VERSION field denotes the version of the syslog protocol
  //# specification.  [...]  This document uses a VERSION value of "1".
  // PRIVAL is written without leading zeros (6.2.1: "leading "0"s MUST NOT be used").
  std::string out = StrCat("<", SyslogPri(options_.facility, m.severity), ">1 ",
                           SyslogTimestamp(m.time), " ", options_.hostname, " ", options_.app_name,
                           " ", options_.procid, " ", HeaderField(m.msgid, kMsgidMax), " ");

  std::vector<Element> elements;
  for (const SyslogSdElement& e : m.sd) {
    Element el{.id = SdName(e.id), .params = {}};
    if (el.id.empty()) continue;
    for (const SyslogParam& p : e.params) {
      std::string name = SdName(p.name);
      if (name.empty()) continue;
      //= https://www.rfc-editor.org/rfc/rfc5424#section-6
      //# SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
      el.params.push_back(StrCat(name, "=\"", SyslogEscapeParamValue(p.value), "\""));
    }
    elements.push_back(std::move(el));
  }
  // Too long: SD-PARAMs go from the end (then whole elements) until the header and SD fit
  // with room for nothing else; the MSG is cut below.
  std::string sd = RenderSd(elements);
  while (out.size() + sd.size() > options_.max_size && !elements.empty()) {
    if (!elements.back().params.empty()) {
      elements.back().params.pop_back();
    } else {
      elements.pop_back();
    }
    sd = RenderSd(elements);
  }
  out += sd;

  if (!m.msg.empty()) {
    bool non_ascii = false;
    const std::string text = CleanText(m.msg, &non_ascii);
    //= https://www.rfc-editor.org/rfc/rfc5424#section-6.4
    //# If a syslog application encodes MSG in UTF-8, the string MUST start
    //# with the Unicode byte order mask (BOM)
    // Plain ASCII goes as MSG-ANY without a BOM (receivers show it as it is).
    const std::string_view bom = non_ascii ? "\xEF\xBB\xBF" : "";
    if (out.size() + 1 + bom.size() < options_.max_size) {
      StrAppend(out, " ", bom);
      out += CutUtf8(text, options_.max_size - out.size());
    }
  }
  return out;
}

}  // namespace tunnelisa
