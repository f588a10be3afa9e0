// libFuzzer target: the inbound ESP path (outer header parsing, UDP encapsulation, SAD lookup,
// replay, ICV, padding, inner packet checks). Build with clang and -DTUNNELISA_FUZZ=ON.
//
// Input: byte 0 picks the format (even: outer IP packet, odd: UDP payload); the rest is the
// packet. Inbound SAs: SPIs 0x100 (AES-CBC + HMAC) and 0x101 (AES-GCM, ESN) under null crypto
// in "fuzz mode" (every ICV verifies, so mutations reach the code behind the integrity check),
// SPI 0x200 with real AES-128-GCM.
//
// The custom mutator (esp_mutator.h) keeps a known SPI and a sequence number near the SA's
// replay window (read from the dataplane's SaStats) and mutates the rest.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "tests/fuzz/esp_mutator.h"
#include "tests/test_tools/null_crypto.h"
#include "tunnelisa/esp_dataplane.h"

namespace {

using namespace tunnelisa;

struct Target {
  std::unique_ptr<CryptoRegistry> registry;
  std::unique_ptr<EspDataplane> dp;
  std::vector<fuzz::EspSa> sas;   // for the mutator
  std::vector<SaHandle> handles;  // parallel to `sas`

  Target() {
    registry = testing::RegistryWithNullCrypto(/*accept_any_icv=*/true);
    (void)registry->Register(CreateOpenSslBackend());
    dp = EspDataplane::Create({.crypto = registry.get()}).value();
    auto install = [&](uint32_t spi, EspSuite suite, const char* backend, bool esn) {
      SaConfig c;
      c.spi = spi;
      c.direction = SaDirection::kInbound;
      c.suite = suite;
      c.enc_key = SecretBytes(GetEncryptionInfo(suite.enc).keymat_size());
      c.auth_key = SecretBytes(GetIntegrityInfo(suite.integ).key_size);
      c.local = *IpAddress::Parse("192.0.2.2");
      c.remote = *IpAddress::Parse("192.0.2.1");
      c.esn = esn;
      c.backend = backend;
      c.remote_selectors = {*IpPrefix::Parse("10.0.0.0/8")};
      c.soft_lifetime.packets = 1000;
      const EncryptionInfo& enc = GetEncryptionInfo(suite.enc);
      sas.push_back({.spi = spi,
                     .iv = enc.iv_size,
                     .block = std::max<size_t>(enc.block_size, 4),
                     .icv = suite.icv_size()});
      handles.push_back(dp->Install(std::move(c), MonoTime{}).value());
    };
    install(0x100, {EncryptionAlgorithm::kAes128Cbc, IntegrityAlgorithm::kHmacSha256_128}, "null",
            false);
    install(0x101, {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, "null", true);
    install(0x200, {EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, "openssl",
            false);
  }

  // WindowTop: the SA's highest authenticated sequence number (low 32 bits), 0 if unknown.
  uint32_t WindowTop(uint32_t spi) const {
    for (size_t i = 0; i < sas.size(); ++i) {
      if (sas[i].spi != spi) continue;
      absl::StatusOr<SaStats> stats = dp->Query(handles[i]);
      return stats.ok() ? static_cast<uint32_t>(stats->last_sequence) : 0;
    }
    return 0;
  }
};

Target* GetTarget() {
  static Target* target = new Target();
  return target;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  if (fuzz::BytesOnly() || size < 2) return LLVMFuzzerMutate(data, size, max_size);
  fuzz::Rng rng(seed);
  // Now and then the other format (the packet is then re-read as the other kind).
  if (rng.OneIn(32)) data[0] ^= 1;
  Target* target = GetTarget();
  return 1 + fuzz::MutateEspBytes(data + 1, size - 1, max_size - 1, rng, (data[0] & 1) != 0,
                                  target->sas,
                                  [target](uint32_t spi) { return target->WindowTop(spi); });
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Target* target = GetTarget();
  if (size < 1) return 0;
  InboundFormat format = data[0] & 1 ? InboundFormat::kUdpPayload : InboundFormat::kOuterIp;
  ++data;
  --size;
  // Two copies in one burst: exercises the in-burst replay re-check too.
  std::vector<uint8_t> storage(2 * (kPacketHeadroom + size + kPacketTailroom));
  PacketRef refs[2];
  for (int i = 0; i < 2; ++i) {
    uint8_t* buf = storage.data() + i * (storage.size() / 2);
    refs[i] =
        PacketRef::WithHeadroom(buf, static_cast<uint32_t>(storage.size() / 2), kPacketHeadroom);
    if (size > 0) std::memcpy(refs[i].Append(static_cast<uint32_t>(size)), data, size);
  }
  Verdict v[2];
  target->dp->Decrypt(refs, v, MonoTime{}, format);
  for (const Verdict& x : v) {
    if (x.action == Verdict::Action::kDeliver) {
      // The delivered packet must lie inside the buffer.
      if (refs[0].offset + refs[0].length > refs[0].capacity) __builtin_trap();
    }
  }
  return 0;
}
