// Helpers of the engine's IKE tests (engine_ike_test.cc, engine_failover_test.cc): Router A
// and Router B of tests/vectors/engine/ with their manual-keyed ipsec-tunnel turned into
// IKEv2 dynamic keying, and traffic checks over it. Test-only.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_IKE_TEST_UTIL_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_IKE_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {

inline MonoTime At(double seconds) {
  return MonoTime{} + Duration::Nanoseconds(static_cast<int64_t>(seconds * 1e9));
}

// IkeSettings: what the two routers' configurations say about IKE and ESP.
struct IkeSettings {
  std::string ike_encryption = "aes128";
  std::string ike_auth = "sha1";
  std::string dh_group = "5";
  std::string esp_encryption = "aes256";
  std::string esp_auth = "sha1";  // "" for AEAD (no esp-auth-algorithm line)
  std::string pfs;                // "" or a group number
  std::string psk = "secret";
  std::string dpd;        // "" or e.g. "dpd interval 10 max-retries 2"
  std::string lifetimes;  // extra ike-policy lines
  int ike_version = 2;    // 1: the text's own `ike-version 1` stays (with `ike-mode`)
  std::string ike_mode = "main";
};

// Dynamic: router_a.cfg / router_b.cfg with the IPsec tunnel keyed by IKEv2, or by IKEv1 with
// `s.ike_version` 1 (and A, the initiator, auto-establishing when `auto_establish`).
inline std::string Dynamic(std::string text, const IkeSettings& s, bool auto_establish) {
  text = Replace(text, "    auth-algorithm sha1\n    dh-group 5\n    encryption-algorithm aes128\n",
                 "    auth-algorithm " + s.ike_auth + "\n    dh-group " + s.dh_group +
                     "\n    encryption-algorithm " + s.ike_encryption + "\n" + s.lifetimes +
                     (s.dpd.empty() ? "" : "    " + s.dpd + "\n"));
  if (s.ike_version == 2) {
    text = Replace(text, "ike-version 1", "ike-version 2");
  } else {
    text = Replace(text, "ike-mode main", "ike-mode " + s.ike_mode);
  }
  text = Replace(text, "    esp-auth-algorithm sha1\n    esp-encryption-algorithm aes256\n",
                 (s.esp_auth.empty() ? "" : "    esp-auth-algorithm " + s.esp_auth + "\n") +
                     "    esp-encryption-algorithm " + s.esp_encryption + "\n" +
                     (s.pfs.empty() ? "" : "    pfs-dh-group " + s.pfs + "\n"));
  const size_t begin = text.find("      manual-keying\n");
  const size_t end = text.find("      exit\n", begin) + std::string("      exit\n").size();
  EXPECT_NE(begin, std::string::npos);
  text.replace(begin, end - begin,
               "      dynamic-keying\n        ike-policy 1\n        pre-shared-key \"" + s.psk +
                   "\"\n        transform 1\n" +
                   (auto_establish ? "        auto-establish\n" : "") + "      exit\n");
  return text;
}

// SetInitiatorSpi: the IKE SPIi of an IKE_SA_INIT inside an IPv4/UDP packet (20 + 8 bytes of
// headers).
inline void SetInitiatorSpi(std::vector<uint8_t>& packet, uint64_t spi) {
  for (int k = 0; k < 8; ++k) packet[28 + k] = static_cast<uint8_t>(spi >> (56 - 8 * k));
}

// GatewayConfig: Router B answering as an ipsec-gw "gw1" on 2.2.2.2 (any peer with the PSK)
// instead of its static ipsec-tunnel; sessions are routed into VPRN 101. `remote_id` (and any
// other ipsec-gw lines) go inside the ipsec-gw.
inline std::string GatewayConfig(const std::string& remote_id = "") {
  std::string text = Dynamic(ReadEngineVector("router_b.cfg"), {}, false);
  const size_t begin = text.find("    ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\" create\n");
  const size_t end = text.find("      no shutdown\n    exit\n", begin) +
                     std::string("      no shutdown\n    exit\n").size();
  EXPECT_NE(begin, std::string::npos);
  text.erase(begin, end - begin);
  text = Replace(text, "  static-route 192.168.1.0/24 next-hop ipsec-tunnel", "  #");
  text = Replace(text, "config ipsec\n",
                 "config ipsec\n  tunnel-template 1 create\n    transform 1\n  exit\n");
  text = Replace(text, "    sap tunnel-1.public:200 create\n",
                 "    sap tunnel-1.public:200 create\n"
                 "      ipsec-gw \"gw1\" create\n"
                 "        gateway-address 2.2.2.2\n"
                 "        ike-policy 1\n"
                 "        pre-shared-key \"secret\"\n" +
                     remote_id +
                     "        default-tunnel-template 1\n"
                     "        default-secure-service 101 interface \"private-ipsec-1\"\n"
                     "        no shutdown\n"
                     "      exit\n");
  return text;
}

inline std::unique_ptr<RouterPair> MakePair(const IkeSettings& a, const IkeSettings& b,
                                            bool auto_establish = true) {
  return std::make_unique<RouterPair>(Dynamic(ReadEngineVector("router_a.cfg"), a, auto_establish),
                                      Dynamic(ReadEngineVector("router_b.cfg"), b, false));
}

// Traffic: one packet each way through the IPsec tunnel (LAN 192.168.1.0/24 <-> .2.0/24);
// true if both arrived intact.
inline bool Traffic(RouterPair& pair, MonoTime now, uint16_t id = 1) {
  pair.a().transport.private_out.clear();
  pair.b().transport.private_out.clear();
  std::vector<uint8_t> ab = MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 200, id);
  std::vector<uint8_t> ba = MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 300, id);
  pair.a().Private(kVprn101, ab, now);
  pair.Pump(now);
  pair.b().Private(kVprn101, ba, now);
  pair.Pump(now);
  return pair.b().transport.private_out.size() == 1 &&
         pair.b().transport.private_out[0].bytes == ab &&
         pair.a().transport.private_out.size() == 1 &&
         pair.a().transport.private_out[0].bytes == ba;
}

// TrafficBursts: `rounds` rounds, each a burst of `burst` packets from LAN A to LAN B (one
// OnPrivatePackets call) and one back, delivered through the public network; true if every
// packet arrived intact and in order.
inline bool TrafficBursts(RouterPair& pair, MonoTime now, int rounds = 4, int burst = 8) {
  bool ok = true;
  for (int r = 0; r < rounds; ++r) {
    pair.a().transport.private_out.clear();
    pair.b().transport.private_out.clear();
    std::vector<std::vector<uint8_t>> ab, ba;
    for (int k = 0; k < burst; ++k) {
      const auto seed = static_cast<uint8_t>(r * burst + k);
      ab.push_back(MakeUdpPacket(Ip("192.168.1.10"), Ip("192.168.2.1"), 100 + k, seed));
      ba.push_back(MakeUdpPacket(Ip("192.168.2.1"), Ip("192.168.1.10"), 300 + k, seed));
    }
    pair.a().PrivateBurst(kVprn101, ab, now);
    pair.b().PrivateBurst(kVprn101, ba, now);
    pair.Pump(now);
    const auto& at_b = pair.b().transport.private_out;
    const auto& at_a = pair.a().transport.private_out;
    ok = ok && at_b.size() == ab.size() && at_a.size() == ba.size();
    for (size_t k = 0; ok && k < ab.size(); ++k) {
      ok = at_b[k].bytes == ab[k] && at_a[k].bytes == ba[k];
    }
  }
  return ok;
}

// Napt: A behind a NAT that keeps A's address but maps its UDP ports (500 -> 40500, 4500 ->
// 44500, or 45500 once `rebound`), as a port-translating home router does.
struct Napt {
  bool rebound = false;
  uint16_t Map(uint16_t port) const {
    if (port == 500) return 40500;
    if (port == 4500) return rebound ? 45500 : 44500;
    return port;
  }
  uint16_t Unmap(uint16_t port) const {
    if (port == 40500) return 500;
    if (port == 44500 || port == 45500) return 4500;
    return port;
  }
  void operator()(std::vector<uint8_t>& p, bool a_to_b) const {
    if (p.size() < 28 || p[9] != kProtoUdp) return;
    uint8_t* udp = &p[20];
    const int field = a_to_b ? 0 : 2;  // A's port: the source going out, the destination back
    uint16_t port = static_cast<uint16_t>(udp[field] << 8 | udp[field + 1]);
    port = a_to_b ? Map(port) : Unmap(port);
    udp[field] = static_cast<uint8_t>(port >> 8);
    udp[field + 1] = static_cast<uint8_t>(port);
    udp[6] = udp[7] = 0;  // IPv4 UDP checksum off, as IKE and ESP-in-UDP send it
  }
};

}  // namespace tunnelisa::testing

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_IKE_TEST_UTIL_H_
