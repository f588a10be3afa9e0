// File: ike/auth/eap_relay.h
//
// EapRelay: the seam through which an IKEv2 ipsec-gw hands a client's EAP packets (RFC 7296
// 2.16) to whoever authenticates the user, without IKE knowing who that is (the engine relays
// them to RADIUS, RFC 3579: engine_eap.h). IKE runs the IKE_AUTH exchanges and the EAP
// framing; the relay answers each EAP-Response with the next EAP-Request, or with the end of
// the conversation (Success with its MSK, or Failure). Answers take time (a RADIUS round
// trip, retransmissions), so relaying is asynchronous:
//
//   - Relay: the IKE manager, on the control thread, with the conversation's number (one per
//     IKE SA authenticating a user) and the client's next EAP packet; the relay sends it on
//     and returns (never answers from inside Relay). At most one Relay per conversation is
//     outstanding.
//   - The relay's owner later hands the answer to the manager with the same conversation
//     number (IkeManager::CompleteEap), exactly once per Relay, unless it was ended first.
//   - End: the manager, when the conversation is over or its IKE SA went away: the relay
//     forgets it (its RADIUS State, a request in flight); no answer follows.
//
// Threads: control thread only. Not on the fast path.
#ifndef TUNNELISA_SRC_IKE_AUTH_EAP_RELAY_H_
#define TUNNELISA_SRC_IKE_AUTH_EAP_RELAY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"

namespace tunnelisa::ike {

// EapRelayStep: one EAP packet from the client. `identity`: the user's EAP identity (from
// its EAP-Response/Identity; RADIUS User-Name), the same for every step of a conversation.
struct EapRelayStep {
  std::string identity;
  std::vector<uint8_t> eap_message;  // the client's EAP-Response, as received
  IpAddress client_address;          // the client's IKE address as the gateway sees it
  IpAddress gateway_address;         // the gateway's own IKE address
};

// EapRelayAnswer: the authenticator's answer.
//   kContinue: `eap_message` is the next EAP-Request for the client.
//   kSuccess:  the user is authenticated; `eap_message` the EAP-Success (may be empty: IKE
//              then builds one), `msk` the method's Master Session Key (RFC 3748 7.10; empty
//              for methods without one, e.g. EAP-MD5: IKE then uses SK_pi / SK_pr, RFC 7296
//              2.16), and the authorization the server gave.
//   kFailure:  refused (wrong password, unknown user, no server answered: `reason` says
//              which); `eap_message` the EAP-Failure if the server sent one.
struct EapRelayAnswer {
  enum class Kind : uint8_t { kContinue, kSuccess, kFailure };
  Kind kind = Kind::kFailure;
  std::vector<uint8_t> eap_message;
  SecretBytes msk;
  std::string reason;  // for the logs and IkeEvent: "accepted by 192.0.2.10:1812", ...
  std::optional<IpAddress> framed_address;
  std::optional<uint32_t> session_timeout_s;
  std::vector<std::vector<uint8_t>> classes;  // RADIUS Class values, echoed in accounting
};

class EapRelay {
 public:
  virtual ~EapRelay() = default;
  // Relay: sends `step` on for conversation `conversation`. An error means nothing was sent
  // and no answer will follow (IKE refuses the user with the error as its reason).
  virtual absl::Status Relay(uint64_t conversation, EapRelayStep step, MonoTime now) = 0;
  // End: forgets `conversation` (unknown ones: no-op); an answer in flight is never delivered.
  virtual void End(uint64_t conversation, MonoTime now) = 0;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_EAP_RELAY_H_
