// File: ike/auth/eap_client.h
//
// EapClient: the peer side of one EAP conversation (RFC 3748) for a tunnelisa IKEv2
// remote-access client (RFC 7296 2.16): it answers Identity with the configured identity,
// Notification with an empty Response, MD5-Challenge (RFC 3748 5.4) and MSCHAPv2
// (draft-kamath-pppext-eap-mschapv2, RFC 2759) with the password, and any other method with
// a Nak proposing those two. MSCHAPv2 checks the server's authenticator response before it
// accepts its success, and exports the MSK (mschapv2.h); MD5-Challenge has none.
//
// One per IKE SA authenticating (IkeSa::EapClientState); control thread. Not on the fast path.
#ifndef TUNNELISA_SRC_IKE_AUTH_EAP_CLIENT_H_
#define TUNNELISA_SRC_IKE_AUTH_EAP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/auth/eap_packet.h"
#include "ike/auth/mschapv2.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike {

// EapCredentials: who a client is to EAP (the user name it gives as its EAP identity and in
// its method's Name fields) and its password. Shared: peer configurations are copied.
struct EapCredentials {
  std::string identity;
  std::shared_ptr<const SecretBytes> password;
  bool operator==(const EapCredentials& o) const {
    return identity == o.identity &&
           (password == o.password ||
            (password != nullptr && o.password != nullptr && password->Equals(*o.password)));
  }
};

class EapClient {
 public:
  using RandomFill = std::function<void(std::span<uint8_t>)>;
  EapClient(EapCredentials credentials, RandomFill random)
      : credentials_(std::move(credentials)), random_(std::move(random)) {}

  // Respond: our EAP-Response to the server's EAP-Request `request` (its wire octets in
  // `response`). An error means we refuse to go on, with the reason (a malformed method
  // request, a server whose MSCHAPv2 success does not prove it knows the password, MSCHAPv2
  // without the legacy provider).
  absl::StatusOr<std::vector<uint8_t>> Respond(const EapPacket& request);
  // method: the last method we answered ("MD5-Challenge", "MSCHAPv2"; "" before one).
  const std::string& method() const { return method_; }
  // ServerProven: MSCHAPv2's authenticator response checked out (an EAP-Success without it
  // is refused for MSCHAPv2, RFC 2759 says the peer MUST check it).
  bool server_proven() const { return server_proven_; }
  // TakeMsk: the MSK the method exported (empty for MD5-Challenge).
  SecretBytes TakeMsk() { return std::move(msk_); }
  // failure_detail: what an MSCHAPv2 failure request said ("E=691 R=0 ..."), for the reason.
  const std::string& failure_detail() const { return failure_detail_; }

 private:
  absl::StatusOr<std::vector<uint8_t>> Md5Challenge(const EapPacket& request);
  absl::StatusOr<std::vector<uint8_t>> MsChapV2(const EapPacket& request);
  EapCredentials credentials_;
  RandomFill random_;
  std::string method_;
  bool server_proven_ = false;
  SecretBytes msk_;
  std::string failure_detail_;
  // MSCHAPv2 between its Challenge and its Success request.
  std::optional<mschapv2::Challenge> peer_challenge_, authenticator_challenge_;
  std::optional<mschapv2::NtResponse> nt_response_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_EAP_CLIENT_H_
