// IdText (see id_text.h).
#include "ike/auth/id_text.h"

#include "common/str_cat.h"
#include "tunnelisa/pki/certificate.h"

namespace tunnelisa::ike {

std::string IdText(const IdPayload& id) {
  if (id.type == IdType::kDerAsn1Dn) {
    absl::StatusOr<std::string> dn = pki::DnToText(id.data);
    if (dn.ok()) return *std::move(dn);
  }
  if (std::optional<IpAddress> a = id.address()) return a->ToString();
  if (std::optional<std::string_view> t = id.text()) return std::string(*t);
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t b : id.data) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 15]);
  }
  return StrCat("keyid:", hex);
}

}  // namespace tunnelisa::ike
