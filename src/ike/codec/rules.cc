#include "ike/codec/rules.h"

#include <array>
#include <string>

#include "absl/strings/str_format.h"
#include "ike/codec/errors.h"

namespace tunnelisa::ike {
namespace {

using PT = PayloadType;
constexpr uint8_t kMany = kMaxPayloadsPerChain;

// IKE_SA_INIT (RFC 7296 1.2):
//   HDR, SAi1, KEi, Ni  -->
//                       <--  HDR, SAr1, KEr, Nr, [CERTREQ]
// plus Notify and Vendor ID payloads; a responder may instead answer with only a Notify
// (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN).
constexpr PayloadRule kSaInitRequest[] = {
    {PT::kSa, 1, 1},         {PT::kKe, 1, 1},           {PT::kNonce, 1, 1},
    {PT::kNotify, 0, kMany}, {PT::kVendorId, 0, kMany},
};
constexpr PayloadRule kSaInitResponse[] = {
    {PT::kSa, 1, 1},          {PT::kKe, 1, 1},         {PT::kNonce, 1, 1},
    {PT::kCertReq, 0, kMany}, {PT::kNotify, 0, kMany}, {PT::kVendorId, 0, kMany},
};

// IKE_AUTH (RFC 7296 1.2, 2.16, RFC 4739):
//   HDR, SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}  -->
//                  <--  HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr}
// With EAP the initiator omits AUTH and later requests carry only EAP or AUTH, so nothing is
// required per message; SA/TSi/TSr travel together (a failed Child SA drops all three).
constexpr PayloadRule kAuthRequest[] = {
    {PT::kIdi, 0, 1},  {PT::kCert, 0, 16}, {PT::kCertReq, 0, kMany}, {PT::kIdr, 0, 1},
    {PT::kAuth, 0, 1}, {PT::kEap, 0, 1},   {PT::kCp, 0, 1},          {PT::kSa, 0, 1},
    {PT::kTsi, 0, 1},  {PT::kTsr, 0, 1},   {PT::kNotify, 0, kMany},  {PT::kVendorId, 0, kMany},
};
constexpr PayloadRule kAuthResponse[] = {
    {PT::kIdr, 0, 1},        {PT::kCert, 0, 16},        {PT::kAuth, 0, 1}, {PT::kEap, 0, 1},
    {PT::kCp, 0, 1},         {PT::kSa, 0, 1},           {PT::kTsi, 0, 1},  {PT::kTsr, 0, 1},
    {PT::kNotify, 0, kMany}, {PT::kVendorId, 0, kMany},
};
constexpr PayloadType kChildSaGroup[] = {PT::kSa, PT::kTsi, PT::kTsr};

// CREATE_CHILD_SA (RFC 7296 1.3):
//   HDR, SK {[N], SA, Ni, [KEi], [TSi, TSr]}  -->
//                  <--  HDR, SK {SA, Nr, [KEr], [TSi, TSr]}
// (no TSi/TSr when rekeying the IKE SA); an error reply is only a Notify.
constexpr PayloadRule kCreateChildSa[] = {
    {PT::kSa, 1, 1},  {PT::kNonce, 1, 1},      {PT::kKe, 0, 1},           {PT::kTsi, 0, 1},
    {PT::kTsr, 0, 1}, {PT::kNotify, 0, kMany}, {PT::kVendorId, 0, kMany},
};
constexpr PayloadType kTsGroup[] = {PT::kTsi, PT::kTsr};

// INFORMATIONAL (RFC 7296 1.4): HDR, SK {[N,] [D,] [CP,] ...}, possibly empty (liveness).
constexpr PayloadRule kInformational[] = {
    {PT::kNotify, 0, kMany},
    {PT::kDelete, 0, kMany},
    {PT::kCp, 0, 1},
    {PT::kVendorId, 0, kMany},
};

constexpr std::array<ExchangeRules, 8> kTable = {{
    {ExchangeType::kIkeSaInit, false, false, false, kSaInitRequest, {}},
    {ExchangeType::kIkeSaInit, true, false, true, kSaInitResponse, {}},
    {ExchangeType::kIkeAuth, false, true, false, kAuthRequest, kChildSaGroup},
    {ExchangeType::kIkeAuth, true, true, false, kAuthResponse, kChildSaGroup},
    {ExchangeType::kCreateChildSa, false, true, false, kCreateChildSa, kTsGroup},
    {ExchangeType::kCreateChildSa, true, true, true, kCreateChildSa, kTsGroup},
    {ExchangeType::kInformational, false, true, false, kInformational, {}},
    {ExchangeType::kInformational, true, true, false, kInformational, {}},
}};

bool IsEncrypted(PayloadType type) {
  return type == PT::kEncrypted || type == PT::kEncryptedFragment;
}

absl::Status Violation(const ExchangeRules& rules, std::string_view rule,
                       const std::string& detail) {
  return CodecError(absl::StrFormat("%s %s violates rule %s: %s", ExchangeTypeName(rules.exchange),
                                    rules.response ? "response" : "request", rule, detail));
}

size_t CountOf(std::span<const PayloadSeen> payloads, PayloadType type) {
  size_t n = 0;
  for (const PayloadSeen& p : payloads) n += p.type == type ? 1 : 0;
  return n;
}

const PayloadRule* RuleFor(const ExchangeRules& rules, PayloadType type) {
  for (const PayloadRule& r : rules.payloads) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

}  // namespace

const ExchangeRules* RulesFor(ExchangeType exchange, bool response) {
  for (const ExchangeRules& r : kTable) {
    if (r.exchange == exchange && r.response == response) return &r;
  }
  return nullptr;
}

std::vector<PayloadSeen> SeenPayloads(std::span<const Payload> outer,
                                      std::span<const Payload> inner) {
  std::vector<PayloadSeen> out;
  out.reserve(outer.size() + inner.size());
  for (const Payload& p : outer) out.push_back({p.type, false});
  for (const Payload& p : inner) out.push_back({p.type, true});
  return out;
}

absl::Status CheckRules(ExchangeType exchange, bool is_response,
                        std::span<const PayloadSeen> payloads) {
  const ExchangeRules* rules = RulesFor(exchange, is_response);
  if (rules == nullptr) {
    return CodecError(absl::StrFormat("no payload rules for %s", ExchangeTypeName(exchange)));
  }
  size_t encrypted_count = 0;
  for (const PayloadSeen& p : payloads) encrypted_count += IsEncrypted(p.type) ? 1 : 0;
  if (!rules->encrypted && encrypted_count > 0) {
    return Violation(*rules, "sk-forbidden", "an Encrypted payload before keys exist");
  }
  if (rules->encrypted && encrypted_count == 0) {
    return Violation(*rules, "sk-required", "no Encrypted (SK/SKF) payload");
  }
  if (encrypted_count > 1) {
    return Violation(*rules, "sk-once", absl::StrFormat("%d Encrypted payloads", encrypted_count));
  }
  bool notify_seen = false;
  bool only_notifies = true;
  for (const PayloadSeen& p : payloads) {
    if (IsEncrypted(p.type) || !IsKnownPayloadType(static_cast<uint8_t>(p.type))) continue;
    if (rules->encrypted && !p.in_sk) {
      return Violation(*rules, "outside-sk",
                       absl::StrFormat("%s payload outside SK", PayloadTypeName(p.type)));
    }
    if (RuleFor(*rules, p.type) == nullptr) {
      return Violation(*rules, "not-allowed",
                       absl::StrFormat("%s payload not allowed", PayloadTypeName(p.type)));
    }
    notify_seen |= p.type == PT::kNotify;
    only_notifies &= p.type == PT::kNotify || p.type == PT::kVendorId;
  }
  const bool notify_only = rules->notify_only_ok && notify_seen && only_notifies;
  for (const PayloadRule& rule : rules->payloads) {
    const size_t n = CountOf(payloads, rule.type);
    if (n > rule.max) {
      return Violation(
          *rules, "too-many",
          absl::StrFormat("%d %s payloads (at most %d)", n, PayloadTypeName(rule.type), rule.max));
    }
    if (n < rule.min && !notify_only) {
      return Violation(*rules, "missing",
                       absl::StrFormat("%s payload missing", PayloadTypeName(rule.type)));
    }
  }
  if (!rules->together.empty()) {
    size_t present = 0;
    for (PayloadType t : rules->together) present += CountOf(payloads, t) > 0 ? 1 : 0;
    if (present != 0 && present != rules->together.size()) {
      std::string names;
      for (PayloadType t : rules->together) {
        if (!names.empty()) names += "/";
        names += PayloadTypeName(t);
      }
      return Violation(*rules, "together", absl::StrFormat("%s must appear together", names));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRules(const Message& message, std::span<const Payload> inner) {
  const std::vector<PayloadSeen> seen = SeenPayloads(message.payloads, inner);
  return CheckRules(message.header.exchange(), message.header.response(), seen);
}

}  // namespace tunnelisa::ike
