// Helpers of the accounting tests (engine_accounting_test.cc, engine_accounting_ra_test.cc):
// a fake RADIUS transport that records the Accounting-Requests the engine sends, decodes them
// and answers them as a server with the right secret would. Test-only.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_ACCOUNTING_TEST_UTIL_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_ACCOUNTING_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gtest/gtest.h"
#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "tests/test_tools/packets.h"
#include "tunnelisa/radius.h"

namespace tunnelisa::testing {

// AcctServer: the fake transport. `sent` holds every datagram in order, with its destination.
class AcctServer final : public radius::RadiusTransport {
 public:
  struct Sent {
    radius::RadiusServerAddress to;
    std::vector<uint8_t> bytes;
  };
  void Send(const radius::RadiusServerAddress& to, std::span<const uint8_t> datagram) override {
    sent.push_back({to, std::vector<uint8_t>(datagram.begin(), datagram.end())});
  }
  std::vector<Sent> sent;

  // Records: the Accounting-Requests sent so far, decoded (each send, retransmissions too).
  std::vector<radius::Packet> Records() const {
    std::vector<radius::Packet> out;
    for (const Sent& s : sent) {
      absl::StatusOr<radius::Packet> p = radius::ParsePacket(s.bytes);
      EXPECT_TRUE(p.ok()) << p.status();
      if (p.ok() && p->code == static_cast<uint8_t>(radius::PacketCode::kAccountingRequest)) {
        out.push_back(*std::move(p));
      }
    }
    return out;
  }
  // Answer: an authentic Accounting-Response to sent datagram `index` under `secret`.
  std::vector<uint8_t> Answer(size_t index, const std::string& secret) const {
    const std::vector<uint8_t>& request = sent.at(index).bytes;
    std::vector<uint8_t> wire(radius::kHeaderSize, 0);
    wire[0] = static_cast<uint8_t>(radius::PacketCode::kAccountingResponse);
    wire[1] = request[1];
    wire[3] = static_cast<uint8_t>(radius::kHeaderSize);
    radius::Authenticator request_auth{};
    std::copy(request.begin() + radius::kAuthenticatorOffset,
              request.begin() + radius::kAuthenticatorOffset + radius::kAuthenticatorSize,
              request_auth.begin());
    const radius::Authenticator auth = radius::ResponseAuthenticator(
        wire, request_auth, SecretBytes(std::vector<uint8_t>(secret.begin(), secret.end())));
    std::copy(auth.begin(), auth.end(), wire.begin() + radius::kAuthenticatorOffset);
    return wire;
  }
};

// U32 / Text / Has: an attribute of a decoded record (0 / "" when absent).
inline uint32_t U32(const radius::Packet& p, uint8_t type) {
  const radius::RadiusAttribute* a = radius::Find(p, type);
  return a == nullptr ? 0 : radius::U32Value(*a);
}
inline std::string Text(const radius::Packet& p, uint8_t type) {
  const radius::RadiusAttribute* a = radius::Find(p, type);
  return a == nullptr ? std::string() : std::string(a->value.begin(), a->value.end());
}
inline bool Has(const radius::Packet& p, uint8_t type) { return radius::Find(p, type) != nullptr; }
// Octets64: Acct-*-Octets with its Gigawords (RFC 2869 5.1, 5.2).
inline uint64_t InputOctets(const radius::Packet& p) {
  return (uint64_t{U32(p, radius::attr::kAcctInputGigawords)} << 32) |
         U32(p, radius::attr::kAcctInputOctets);
}
inline uint64_t OutputOctets(const radius::Packet& p) {
  return (uint64_t{U32(p, radius::attr::kAcctOutputGigawords)} << 32) |
         U32(p, radius::attr::kAcctOutputOctets);
}
// StatusType: Acct-Status-Type (1 Start, 2 Stop, 3 Interim-Update).
inline uint32_t StatusType(const radius::Packet& p) {
  return U32(p, radius::attr::kAcctStatusType);
}

inline const IpAddress kServer = Ip("192.168.2.1");  // on the gateway's side
inline const IpAddress kInner = Ip("10.9.0.10");     // the pool's first address

// AccountingGateway: Router B as ipsec-gw "gw1" (2.2.2.2) with the pool 10.9.0.10-20 and
// radius-accounting-policy "acct" (update-interval 5, radius-server-policy "rsp",
// nas-identifier "gw-b", radius-server "rad-1" with `server`'s address and secret, and
// `ports` lines inside it); `gw_state` is the ipsec-gw's last line ("no shutdown", or
// "shutdown" to take it away), `gw_lines` more lines inside it (e.g. dpd).
inline std::string AccountingGateway(
    const std::string& gw_state = "no shutdown",
    const std::string& server = "address 127.0.0.1 secret \"acct-secret\"",
    const std::string& ports = "", const std::string& gw_lines = "") {
  std::string text = GatewayConfig(gw_lines +
                                   "        radius-accounting-policy \"acct\"\n"
                                   "        local-address-assignment\n"
                                   "          ipv4\n"
                                   "            address-range 10.9.0.10 10.9.0.20\n"
                                   "          exit\n"
                                   "        exit\n");
  text = Replace(text, "  interface \"private-ipsec-1\" tunnel create\n",
                 "  interface \"private-ipsec-1\" tunnel create\n    address 10.9.0.1/24\n");
  text = Replace(text, "config ipsec\n",
                 "config ipsec\n"
                 "  radius-accounting-policy \"acct\" create\n"
                 "    radius-server-policy \"rsp\"\n"
                 "    update-interval 5\n"
                 "  exit\n");
  text = Replace(text, "interface \"private-ipsec-1\"\n        no shutdown\n",
                 "interface \"private-ipsec-1\"\n        " + gw_state + "\n");
  return "config router\n"
         "  radius-server\n"
         "    server \"rad-1\" " +
         server + " create\n" + ports +
         "    exit\n"
         "  exit\n"
         "exit all\n"
         "config aaa\n"
         "  radius-server-policy \"rsp\" create\n"
         "    nas-identifier \"gw-b\"\n"
         "    servers\n"
         "      server 1 name \"rad-1\"\n"
         "    exit\n"
         "  exit\n"
         "exit all\n" +
         text;
}

// AccountingClientConfig: Router A as a remote-access client on 1.1.1.2 with identity
// alice.example.com, asking for an address (engine_remote_access_test.cc's client).
inline std::string AccountingClientConfig() {
  std::string text = Dynamic(ReadEngineVector("router_a.cfg"), {}, true);
  text = Replace(
      text, "        transform 1\n",
      "        transform 1\n        request-address\n        local-id fqdn alice.example.com\n");
  text = Replace(text, "local-ip 192.168.1.0/24", "local-ip 10.9.0.0/24");
  return Replace(text, "  interface \"lan\" create\n",
                 "  interface \"inner\" create\n    address 10.9.0.254/24\n  exit\n"
                 "  interface \"lan\" create\n");
}

// AccountingBursts: `rounds` bursts of 8 UDP packets from the client's inner address to
// kServer (pair.a() to pair.b()) and 8 back; true if every packet arrived. Each round counts
// kUpOctetsPerRound octets in and kDownOctetsPerRound out at the gateway.
constexpr uint64_t kUpOctetsPerRound = 8 * 28 + (100 + 107) * 8 / 2;
constexpr uint64_t kDownOctetsPerRound = 8 * 28 + (200 + 207) * 8 / 2;
inline bool AccountingBursts(RouterPair& pair, MonoTime now, int rounds) {
  bool ok = true;
  for (int r = 0; r < rounds; ++r) {
    pair.a().transport.private_out.clear();
    pair.b().transport.private_out.clear();
    std::vector<std::vector<uint8_t>> up, down;
    for (int k = 0; k < 8; ++k) {
      up.push_back(MakeUdpPacket(kInner, kServer, 100 + k, static_cast<uint8_t>(k)));
      down.push_back(MakeUdpPacket(kServer, kInner, 200 + k, static_cast<uint8_t>(k)));
    }
    pair.a().PrivateBurst(kVprn101, up, now);
    pair.Pump(now);
    pair.b().PrivateBurst(kVprn101, down, now);
    pair.Pump(now);
    ok = ok && pair.b().transport.private_out.size() == up.size() &&
         pair.a().transport.private_out.size() == down.size();
  }
  return ok;
}

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_ACCOUNTING_TEST_UTIL_H_
