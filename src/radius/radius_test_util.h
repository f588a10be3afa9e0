// Test-only helpers for code that talks RADIUS: a transport that records what is sent, and the
// answer a server sharing a secret would give (Message-Authenticator and Response
// Authenticator right, unless a test asks for them wrong). Used by the radius and engine
// tests, which play the server themselves.
#ifndef TUNNELISA_SRC_RADIUS_RADIUS_TEST_UTIL_H_
#define TUNNELISA_SRC_RADIUS_RADIUS_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "tunnelisa/radius.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::radius::testutil {

// RecordingTransport: every datagram handed to Send, in order, with its destination.
class RecordingTransport final : public RadiusTransport {
 public:
  struct Sent {
    RadiusServerAddress to;
    std::vector<uint8_t> bytes;
  };
  void Send(const RadiusServerAddress& to, std::span<const uint8_t> datagram) override {
    sent.push_back({to, std::vector<uint8_t>(datagram.begin(), datagram.end())});
  }
  std::vector<Sent> sent;
};

struct AnswerOptions {
  bool message_authenticator = true;  // RFC 3579 3.2; BlastRADIUS clients require it
  bool corrupt_response_authenticator = false;
};

// SignedAnswer: the `code` answer with `attributes` to Access-Request `request` from a server
// sharing `secret`: the request's identifier, Message-Authenticator first (RFC 3579 3.2),
// then the Response Authenticator (RFC 2865 3).
inline std::vector<uint8_t> SignedAnswer(const std::vector<uint8_t>& request, PacketCode code,
                                         std::vector<RadiusAttribute> attributes,
                                         const SecretBytes& secret, AnswerOptions options = {}) {
  Authenticator request_authenticator{};
  std::copy_n(request.begin() + kAuthenticatorOffset, kAuthenticatorSize,
              request_authenticator.begin());
  Packet p;
  p.code = static_cast<uint8_t>(code);
  p.identifier = request[1];
  if (options.message_authenticator) {
    attributes.insert(attributes.begin(),
                      {attr::kMessageAuthenticator, std::vector<uint8_t>(kAuthenticatorSize, 0)});
  }
  p.attributes = std::move(attributes);
  std::vector<uint8_t> wire = *SerializePacket(p);
  // The Message-Authenticator's value starts after the header and its own type and length.
  constexpr size_t kMacOffset = kHeaderSize + 2;
  if (options.message_authenticator) {
    const Authenticator mac = MessageAuthenticator(wire, kMacOffset, request_authenticator, secret);
    std::copy(mac.begin(), mac.end(), wire.begin() + kMacOffset);
  }
  Authenticator auth = ResponseAuthenticator(wire, request_authenticator, secret);
  if (options.corrupt_response_authenticator) auth[0] ^= 1;
  std::copy(auth.begin(), auth.end(), wire.begin() + kAuthenticatorOffset);
  return wire;
}

}  // namespace tunnelisa::radius::testutil

#endif  // TUNNELISA_SRC_RADIUS_RADIUS_TEST_UTIL_H_
