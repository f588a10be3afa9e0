// The README's embedding example, compiled against the installed package: one host, one
// manual-keyed ESP SA pair, one packet encrypted and decrypted in the host's own loop.
#include <cstdio>
#include <cstring>
#include <vector>

#include "tunnelisa/esp_dataplane.h"

using namespace tunnelisa;

static SaConfig Sa(SaDirection dir, const char* local, const char* remote) {
  SaConfig c;
  c.spi = 0x1000;
  c.direction = dir;
  c.suite = {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone};
  c.enc_key = *SecretBytes::FromHex(
      "0x000102030405060708090a0b0c0d0e0f"
      "cafebabe");
  c.local = *IpAddress::Parse(local);
  c.remote = *IpAddress::Parse(remote);
  return c;
}

int main() {
  auto crypto = CryptoRegistry::CreateDefault();
  auto dp = EspDataplane::Create({.crypto = crypto.get()}).value();
  SaHandle out = dp->Install(Sa(SaDirection::kOutbound, "192.0.2.1", "192.0.2.2"), {}).value();
  (void)dp->Install(Sa(SaDirection::kInbound, "192.0.2.2", "192.0.2.1"), {}).value();

  // A 28-byte IPv4/UDP packet in a buffer with the headroom/tailroom the contract asks for.
  std::vector<uint8_t> buf(kPacketHeadroom + 28 + kPacketTailroom);
  PacketRef pkt =
      PacketRef::WithHeadroom(buf.data(), static_cast<uint32_t>(buf.size()), kPacketHeadroom);
  const uint8_t inner[28] = {0x45, 0, 0,  28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0,
                             0,    1, 10, 0,  0, 2, 0, 1, 0,  2,  0, 8, 0,  0};
  std::memcpy(pkt.Append(sizeof inner), inner, sizeof inner);

  Verdict v;
  dp->Encrypt(out, {&pkt, 1}, {&v, 1}, MonoTime{});
  std::printf("encrypted: %s, %u bytes on the wire\n",
              v.action == Verdict::Action::kForward ? "forward" : "drop", pkt.length);
  dp->Decrypt({&pkt, 1}, {&v, 1}, MonoTime{});  // same host: decrypt our own packet
  bool ok = v.action == Verdict::Action::kDeliver && pkt.length == sizeof inner &&
            std::memcmp(pkt.data(), inner, sizeof inner) == 0;
  std::printf("decrypted: %s\n", ok ? "inner packet restored" : "FAILED");
  return ok ? 0 : 1;
}
