// RadiusXauthVerifier: the engine's XauthVerifier (ike/auth/xauth_verifier.h) for an ipsec-gw
// whose ike-policy says `auth-method plain-psk-xauth`: each user's name and password go to the
// RADIUS servers of the gateway's radius-authentication-policy as an Access-Request (PAP
// User-Password, RFC 2865 5.2; Calling-Station-Id the client's address, Called-Station-Id the
// gateway's, NAS-Port-Type Virtual, Service-Type Framed), and the answer comes back to IKE
// through the `complete` function (the engine's: Ikev1Manager::CompleteXauth). Control path.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_XAUTH_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_XAUTH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "engine/engine_radius.h"
#include "ike/auth/xauth_verifier.h"

namespace tunnelisa {

class RadiusXauthVerifier final : public ike::XauthVerifier {
 public:
  using Complete =
      std::function<void(uint64_t ticket, const ike::XauthResult& result, MonoTime now)>;
  // `radius` must outlive the verifier; `server_policy` is the radius-server-policy of the
  // gateway's radius-authentication-policy.
  RadiusXauthVerifier(const EngineRadius& radius, std::string server_policy, Complete complete)
      : radius_(radius), server_policy_(std::move(server_policy)), complete_(std::move(complete)) {}
  // The destructor cancels the checks in flight (no outcome follows, as for Cancel).
  ~RadiusXauthVerifier() override;
  RadiusXauthVerifier(const RadiusXauthVerifier&) = delete;
  RadiusXauthVerifier& operator=(const RadiusXauthVerifier&) = delete;

  absl::Status Start(uint64_t ticket, ike::XauthCredentials credentials, MonoTime now) override;
  void Cancel(uint64_t ticket, MonoTime now) override;
  // Sweep: after a reload: checks whose RADIUS client was rebuilt or removed (their requests
  // went with it) complete now as refused, so no client waits for an answer that cannot come.
  void Sweep(MonoTime now);
  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    uint64_t generation = 0;  // of the RADIUS client the request went to (EngineRadius::Live)
    uint64_t request = 0;     // its RadiusClient request id
  };
  void Done(uint64_t ticket, const radius::AuthResult& result);
  const EngineRadius& radius_;
  std::string server_policy_;
  Complete complete_;
  std::map<uint64_t, Pending> pending_;  // by ticket
};

// XauthResultOf: what a RADIUS answer means for XAUTH: accepted only on Access-Accept (an
// Access-Challenge cannot be relayed through XAUTH's generic type: refused, with that reason).
ike::XauthResult XauthResultOf(const radius::AuthResult& result);

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_XAUTH_H_
