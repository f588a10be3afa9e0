// libFuzzer target: the RADIUS packet parser and response checks (src/radius).
// Build with clang and -DTUNNELISA_FUZZ=ON; seeds: tests/fuzz/corpus/radius_packet/ (written
// by tests/fuzz/make_radius_seeds.py).
//
// Checks, besides "no crash, no hang, no sanitizer report":
//  - whatever parses re-serializes to the same bytes (up to Length), and parses again to an
//    equal packet;
//  - the attribute checks, EAP joining and Message-Authenticator search run on every input;
//  - CheckResponse never calls an unsigned input authentic; the input re-signed with the
//    secret (Message-Authenticator, then Response Authenticator) is authentic when it is an
//    Access-Accept/Reject/Challenge with one Message-Authenticator, and is then interpreted;
//  - a RadiusClient with one outstanding request takes the input (and its re-signed form) as
//    a datagram from its server without crashing, and completes the request only when the
//    re-signed form is authentic.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "radius/radius_request.h"
#include "radius/radius_response.h"
#include "tunnelisa/radius.h"

namespace {

using namespace tunnelisa;
using namespace tunnelisa::radius;

void Check(bool ok) {
  if (!ok) std::abort();
}

SecretBytes Secret() {
  static const uint8_t kSecret[] = {'f', 'u', 'z', 'z', '-', 's', 'e', 'c', 'r', 'e', 't'};
  return SecretBytes(kSecret);
}

class NullTransport final : public RadiusTransport {
 public:
  void Send(const RadiusServerAddress&, std::span<const uint8_t> datagram) override {
    last.assign(datagram.begin(), datagram.end());
  }
  std::vector<uint8_t> last;
};

class FixedRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = 0x5c;
  }
};

void FuzzCodec(std::span<const uint8_t> data) {
  absl::StatusOr<Packet> packet = ParsePacket(data);
  (void)FindMessageAuthenticator(data);
  if (!packet.ok()) {
    Check(!packet.status().message().empty());
    return;
  }
  absl::StatusOr<std::vector<uint8_t>> wire = SerializePacket(*packet);
  Check(wire.ok());
  const size_t length = (static_cast<size_t>(data[2]) << 8) | data[3];
  Check(wire->size() == length);
  Check(std::equal(wire->begin(), wire->end(), data.begin()));
  absl::StatusOr<Packet> again = ParsePacket(*wire);
  Check(again.ok() && again->attributes == packet->attributes);
  (void)CheckAttributeSizes(*packet);
  absl::StatusOr<std::vector<uint8_t>> eap = JoinEapMessage(*packet);
  Check(eap.ok() || !eap.status().message().empty());
}

// Resign: `data` (trimmed to its Length) signed as `secret`'s server would sign an answer to
// a request with `request_authenticator`; empty when it does not parse.
std::vector<uint8_t> Resign(std::span<const uint8_t> data,
                            const Authenticator& request_authenticator) {
  if (!ParsePacket(data).ok()) return {};
  const size_t length = (static_cast<size_t>(data[2]) << 8) | data[3];
  std::vector<uint8_t> wire(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(length));
  if (const std::optional<size_t> at = FindMessageAuthenticator(wire); at.has_value()) {
    const Authenticator mac = MessageAuthenticator(wire, *at, request_authenticator, Secret());
    std::copy(mac.begin(), mac.end(), wire.begin() + static_cast<std::ptrdiff_t>(*at));
  }
  const Authenticator auth = ResponseAuthenticator(wire, request_authenticator, Secret());
  std::copy(auth.begin(), auth.end(), wire.begin() + kAuthenticatorOffset);
  return wire;
}

void FuzzResponseChecks(std::span<const uint8_t> data) {
  Authenticator ra{};
  ra.fill(0x5c);
  // Unsigned input: authentic only if the fuzzer found MD5 and HMAC-MD5 preimages.
  (void)CheckResponse(data, PacketCode::kAccessRequest, ra, Secret());
  (void)CheckResponse(data, PacketCode::kAccountingRequest, ra, Secret());

  const std::vector<uint8_t> signed_wire = Resign(data, ra);
  if (signed_wire.empty()) return;
  CheckedResponse c = CheckResponse(signed_wire, PacketCode::kAccessRequest, ra, Secret());
  const uint8_t code = signed_wire[0];
  const bool access_answer = code == 2 || code == 3 || code == 11;
  const Packet parsed = *ParsePacket(signed_wire);
  if (access_answer && Count(parsed, attr::kMessageAuthenticator) == 1 &&
      FindMessageAuthenticator(signed_wire).has_value()) {
    Check(c.verdict == ResponseVerdict::kAuthentic);
  }
  if (c.verdict == ResponseVerdict::kAuthentic) {
    bool malformed = false;
    AuthResult r = InterpretAccessResponse(c.packet, {}, &malformed);
    Check(!malformed || r.outcome == AuthOutcome::kReject);
    Check(!r.detail.empty());
  }
  (void)CheckResponse(signed_wire, PacketCode::kAccountingRequest, ra, Secret());
}

void FuzzClient(std::span<const uint8_t> data) {
  NullTransport transport;
  FixedRandom random;
  RadiusClientOptions options;
  RadiusServer server;
  server.address = IpAddress::V4(0x7f000001);
  server.secret = Secret();
  options.servers.push_back(std::move(server));
  options.nas_identifier = "fuzz";
  auto client = RadiusClient::Create(std::move(options), &transport, &random);
  Check(client.ok());
  AccessRequest request;
  request.user_name = "u";
  request.password = Secret();
  int completions = 0;
  Check((*client)
            ->Authenticate(std::move(request), MonoTime{},
                           [&](uint64_t, const AuthResult&) { ++completions; })
            .ok());
  Check(transport.last.size() >= kHeaderSize);
  const RadiusServerAddress from{IpAddress::V4(0x7f000001), 1812};
  (*client)->OnDatagram(from, data, MonoTime{1});
  Check(completions == 0);  // unsigned: never authentic
  // The input aimed at the outstanding request and signed: completes it when authentic.
  if (data.size() < kHeaderSize) return;
  std::vector<uint8_t> aimed(data.begin(), data.end());
  aimed[1] = transport.last[1];
  std::vector<uint8_t> signed_wire = Resign(aimed, AuthenticatorOf(transport.last));
  if (signed_wire.empty()) return;
  const bool authentic = CheckResponse(signed_wire, PacketCode::kAccessRequest,
                                       AuthenticatorOf(transport.last), Secret())
                             .verdict == ResponseVerdict::kAuthentic;
  (*client)->OnDatagram(from, signed_wire, MonoTime{2});
  Check(completions == (authentic ? 1 : 0));
  Check((*client)->pending() == (authentic ? 0u : 1u));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  FuzzCodec(input);
  FuzzResponseChecks(input);
  FuzzClient(input);
  return 0;
}
