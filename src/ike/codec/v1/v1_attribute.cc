#include "ike/codec/v1/v1_attribute.h"

#include "absl/strings/str_format.h"
#include "ike/codec/v1/v1_util.h"

namespace tunnelisa::ike::v1 {
namespace {

using internal::V1Malformed;
using internal::V1SerializeError;
using internal::V1Truncated;

constexpr uint16_t kAttributeFormatTv = 0x8000;  // the AF bit
constexpr size_t kAttributeHeaderSize = 4;

}  // namespace

V1Attribute V1Attribute::Tv(uint16_t type, uint16_t value) {
  return {.type = type,
          .value = {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)},
          .tv = true};
}

V1Attribute V1Attribute::Tlv(uint16_t type, std::span<const uint8_t> value) {
  return {.type = type, .value = {value.begin(), value.end()}, .tv = false};
}

V1Attribute V1Attribute::Integer(uint16_t type, uint64_t value) {
  if (value <= 0xffff) return Tv(type, static_cast<uint16_t>(value));
  const size_t size = value <= 0xffffffffu ? 4 : 8;
  V1Attribute a{.type = type, .value = std::vector<uint8_t>(size), .tv = false};
  for (size_t i = 0; i < size; ++i) a.value[size - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
  return a;
}

absl::StatusOr<uint64_t> V1Attribute::AsInteger() const {
  if (value.empty() || value.size() > 8 || (tv && value.size() != 2)) {
    return V1CodecError(
        absl::StrFormat("attribute %d: %d-octet value is not an integer", type, value.size()),
        V1NotifyType::kAttributesNotSupported);
  }
  uint64_t v = 0;
  for (uint8_t b : value) v = v << 8 | b;
  return v;
}

const V1Attribute* FindV1Attribute(std::span<const V1Attribute> attributes, uint16_t type) {
  for (const V1Attribute& a : attributes) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

absl::Status ParseV1Attributes(Reader& r, std::string_view what, size_t max,
                               std::vector<V1Attribute>& out) {
  size_t count = 0;
  while (!r.empty()) {
    const size_t at = r.offset();
    if (count == max) return V1Malformed(what, at, absl::StrFormat("more than %d attributes", max));
    uint16_t type_field = 0;
    uint16_t length_or_value = 0;
    if (r.remaining() < kAttributeHeaderSize || !r.U16(type_field) || !r.U16(length_or_value)) {
      return V1Truncated(what, r, kAttributeHeaderSize);
    }
    //= https://www.rfc-editor.org/rfc/rfc2408#section-3.3
    //# If the AF bit is a zero (0), then the Data Attributes are of the Type/Length/Value (TLV)
    //# form.  If the AF bit is a one (1), then the Data Attributes are of the Type/Value form.
    V1Attribute attr{.type = static_cast<uint16_t>(type_field & 0x7fff),
                     .tv = (type_field & kAttributeFormatTv) != 0};
    if (attr.tv) {
      attr.value = {static_cast<uint8_t>(length_or_value >> 8),
                    static_cast<uint8_t>(length_or_value)};
    } else if (!r.CopyBytes(length_or_value, attr.value)) {
      return V1Malformed(what, at,
                         absl::StrFormat("attribute %d length %d runs past its container (%d left)",
                                         attr.type, length_or_value, r.remaining()));
    }
    out.push_back(std::move(attr));
    ++count;
  }
  return absl::OkStatus();
}

absl::Status SerializeV1Attributes(std::span<const V1Attribute> attributes, Writer& w) {
  for (const V1Attribute& a : attributes) {
    if (a.type > 0x7fff) return V1SerializeError("attribute", "type over 15 bits");
    if (a.tv) {
      if (a.value.size() != 2) return V1SerializeError("attribute", "TV value not two octets");
      w.U16(kAttributeFormatTv | a.type);
      w.Bytes(a.value);
    } else {
      if (a.value.size() > 0xffff) return V1SerializeError("attribute", "TLV over 65535 octets");
      w.U16(a.type);
      w.U16(static_cast<uint16_t>(a.value.size()));
      w.Bytes(a.value);
    }
  }
  return absl::OkStatus();
}

}  // namespace tunnelisa::ike::v1
