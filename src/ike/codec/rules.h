// File: ike/codec/rules.h
//
// The per-exchange payload rules (RFC 7296 1.2-1.5, 2.6, 2.21): for each exchange type and
// direction, which payloads may appear, how many times, which are required, which travel
// together, and whether they must be inside SK. CheckRules runs after parsing and decryption
// (SK contents included) and before any IKE task sees the message; a violation names the rule
// and carries INVALID_SYNTAX as the notify to send (for a request; for a response the task
// layer reports it per RFC 7296 2.21 instead of answering).
//
// Payload types the codec does not know (skipped non-critical payloads) are ignored here.
// Pure functions over a static table; any thread.
#ifndef TUNNELISA_SRC_IKE_CODEC_RULES_H_
#define TUNNELISA_SRC_IKE_CODEC_RULES_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ike/codec/constants.h"
#include "ike/codec/message.h"
#include "ike/codec/payload.h"

namespace tunnelisa::ike {

// PayloadRule: `type` may appear min..max times.
struct PayloadRule {
  PayloadType type;
  uint8_t min;
  uint8_t max;
};

// ExchangeRules: the rules of one exchange and direction.
struct ExchangeRules {
  ExchangeType exchange;
  bool response;
  // encrypted: every payload must be inside SK (or a reassembled SKF); false: none may be, and
  // there must be no SK/SKF at all.
  bool encrypted;
  // notify_only_ok: a message of only Notify (and Vendor ID) payloads, at least one Notify,
  // is accepted without the required payloads (an error or COOKIE reply, RFC 7296 1.2, 2.6).
  bool notify_only_ok;
  std::span<const PayloadRule> payloads;
  // together: payload types that are all present or all absent (SA/TSi/TSr of a Child SA).
  std::span<const PayloadType> together;
};

// PayloadSeen: one payload as the rules see it.
struct PayloadSeen {
  PayloadType type;
  bool in_sk;  // came out of an SK/SKF payload
};

// RulesFor: the table entry for `exchange` / `response`, or nullptr for an unknown exchange.
const ExchangeRules* RulesFor(ExchangeType exchange, bool response);

// SeenPayloads: `outer` (a message's payloads, SK/SKF included) followed by `inner` (the
// decrypted SK contents, or the reassembled SKF contents), flagged accordingly.
std::vector<PayloadSeen> SeenPayloads(std::span<const Payload> outer,
                                      std::span<const Payload> inner);

// CheckRules: OK, or InvalidArgument naming the exchange, direction and violated rule, one of
//   "sk-forbidden"     an SK/SKF payload in IKE_SA_INIT
//   "sk-required"      no SK/SKF payload in an exchange that is protected
//   "sk-once"          more than one SK/SKF payload
//   "outside-sk"       a payload in the clear in a protected exchange
//   "not-allowed"      a payload type this exchange/direction never carries
//   "too-many"         more than the rule's max
//   "missing"          fewer than the rule's min
//   "together"         some but not all of a group that travels together
// with INVALID_SYNTAX attached as the notify to send.
absl::Status CheckRules(ExchangeType exchange, bool is_response,
                        std::span<const PayloadSeen> payloads);

// CheckRules: the same for a parsed message (exchange and R flag from its header) whose SK
// decrypted to `inner` (empty for IKE_SA_INIT).
absl::Status CheckRules(const Message& message, std::span<const Payload> inner);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_CODEC_RULES_H_
