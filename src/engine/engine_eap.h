// RadiusEapRelay: the engine's EapRelay (ike/auth/eap_relay.h) for an ipsec-gw whose
// ike-policy authenticates users with EAP (auth-method eap): each EAP-Response of a client
// goes to the RADIUS servers of the gateway's radius-authentication-policy as an
// Access-Request (RFC 3579: EAP-Message attributes, Message-Authenticator, the State of the
// last Access-Challenge echoed; User-Name the EAP identity, Calling-Station-Id the client's
// address, Called-Station-Id the gateway's, NAS-Port-Type Virtual, Service-Type Framed), and
// the answer comes back to IKE through `complete` (the engine's: IkeManager::CompleteEap):
// Access-Challenge as the next EAP-Request, Access-Accept as EAP-Success with the MSK
// (MS-MPPE-Recv-Key | MS-MPPE-Send-Key, RFC 2548 / RFC 3748 7.10), Access-Reject or no answer
// as EAP-Failure. Control path.
//
// Bounded: at most kMaxConversations users authenticate at once per gateway; more are
// refused (Relay's error) until some finish.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_EAP_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_EAP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_radius.h"
#include "ike/auth/eap_relay.h"

namespace tunnelisa {

class RadiusEapRelay final : public ike::EapRelay {
 public:
  static constexpr size_t kMaxConversations = 4096;
  using Complete =
      std::function<void(uint64_t conversation, ike::EapRelayAnswer answer, MonoTime now)>;
  // Authorized: a RADIUS server accepted `user` (the EAP identity) for the client at `client`
  // with these Class values (RFC 2865 5.25: the engine's accounting echoes them). Called just
  // before `complete` gives IKE the kSuccess answer.
  using Authorized =
      std::function<void(const IpAddress& client, const std::string& user,
                         const std::vector<std::vector<uint8_t>>& classes, MonoTime now)>;
  // `radius` must outlive the relay; `server_policy` is the radius-server-policy of the
  // gateway's radius-authentication-policy; `authorized` may be empty.
  RadiusEapRelay(const EngineRadius& radius, std::string server_policy, Complete complete,
                 Authorized authorized = nullptr)
      : radius_(radius),
        server_policy_(std::move(server_policy)),
        complete_(std::move(complete)),
        authorized_(std::move(authorized)) {}
  // The destructor cancels the requests in flight (no answer follows, as for End).
  ~RadiusEapRelay() override;
  RadiusEapRelay(const RadiusEapRelay&) = delete;
  RadiusEapRelay& operator=(const RadiusEapRelay&) = delete;

  absl::Status Relay(uint64_t conversation, ike::EapRelayStep step, MonoTime now) override;
  void End(uint64_t conversation, MonoTime now) override;
  // Sweep: after a reload: conversations whose request went to a RADIUS client that was
  // rebuilt or removed (the request went with it) end now as failures, so no client waits for
  // an answer that cannot come.
  void Sweep(MonoTime now);
  const std::string& server_policy() const { return server_policy_; }
  size_t conversations() const { return conversations_.size(); }

 private:
  struct Conversation {
    std::vector<uint8_t> state;  // the last Access-Challenge's State, echoed
    uint64_t generation = 0;     // of the RADIUS client the request in flight went to
    uint64_t request = 0;        // its RadiusClient request id (0: none in flight)
    std::string user;            // the EAP identity (User-Name)
    IpAddress client;            // the client's IKE address
  };
  void Done(uint64_t conversation, const radius::AuthResult& result);
  const EngineRadius& radius_;
  std::string server_policy_;
  Complete complete_;
  Authorized authorized_;
  std::map<uint64_t, Conversation> conversations_;
};

// EapAnswerOf: what a RADIUS answer means for the EAP conversation: Challenge -> kContinue
// (refused when it carries no EAP-Message), Accept -> kSuccess with the MSK when both MPPE
// keys came, Reject and timeout -> kFailure with the reason.
ike::EapRelayAnswer EapAnswerOf(const radius::AuthResult& result);

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_EAP_H_
