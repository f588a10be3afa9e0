// File: ike/auth/xauth_verifier.h
//
// XauthVerifier: the seam through which an IKEv1 gateway checks the user name and password a
// remote-access client gave in its XAUTH REPLY (draft-beaulieu-ike-xauth-02), without IKE
// knowing who checks them (the engine answers through RADIUS: engine_xauth.h). Checks take
// time (a RADIUS server's round trip, its retransmissions), so they are asynchronous:
//
//   - Start: the IKE manager, on the control thread, with a ticket of its own; the verifier
//     begins the check and returns (never answers from inside Start).
//   - The verifier's owner later hands the outcome to the manager with the same ticket
//     (Ikev1Manager::CompleteXauth), exactly once per started check, unless it was cancelled.
//   - Cancel: the manager, when the client's ISAKMP SA went away first; no outcome follows.
//
// Threads: control thread only. Not on the fast path.
#ifndef TUNNELISA_SRC_IKE_AUTH_XAUTH_VERIFIER_H_
#define TUNNELISA_SRC_IKE_AUTH_XAUTH_VERIFIER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"

namespace tunnelisa::ike {

// XauthCredentials: what the client answered (XAUTH-USER-NAME, XAUTH-USER-PASSWORD) and where
// it is (for the checker's records: RADIUS Calling-Station-Id, NAS-IP-Address).
struct XauthCredentials {
  std::string user;
  SecretBytes password;
  IpAddress client_address;   // the client's IKE address as the gateway sees it
  IpAddress gateway_address;  // the gateway's own IKE address
};

// XauthResult: the outcome. `accepted` false: the user is refused (wrong password, unknown
// user, or no checker answered: `reason` says which, for the logs and IkeEvent). On
// acceptance the checker may decide the client's address (RADIUS Framed-IP-Address: Mode
// Config passes it as AddressRequest::preassigned) and the session's limits.
struct XauthResult {
  bool accepted = false;
  std::string
      reason;  // "accepted by 192.0.2.10:1812", "rejected by ...", "no RADIUS server answered"
  std::optional<IpAddress> framed_address;
  std::optional<uint32_t> session_timeout_s;
  std::vector<std::vector<uint8_t>> classes;  // RADIUS Class values, echoed in accounting
};

class XauthVerifier {
 public:
  virtual ~XauthVerifier() = default;
  // Start: begins checking `credentials` for ticket `ticket` (unique among the checks the
  // caller has started and not seen complete). An error means no check was started and no
  // outcome will follow (the caller refuses the user with the error as its reason).
  virtual absl::Status Start(uint64_t ticket, XauthCredentials credentials, MonoTime now) = 0;
  // Cancel: forgets check `ticket`; its outcome is never delivered. Unknown tickets: no-op.
  virtual void Cancel(uint64_t ticket, MonoTime now) = 0;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_XAUTH_VERIFIER_H_
