// File: tunnelisa/key_log.h
//
// KeyLog: an opt-in seam that hands the host the keys of every SA the Engine installs, so a
// capture of the tunnels can be decrypted in Wireshark. FOR DEBUGGING ONLY: whatever a KeyLog
// writes holds live keys that decrypt all traffic of those SAs. Leave Host::key_log null (the
// default) in production; a host that sets it should write to a file only root can read
// (create it 0600) and delete it when the capture has been read.
//
// The Engine calls it on its control thread (never on the fast path):
//  - OnEspSa once per ESP SA (each direction of a CHILD SA of IKEv2 or of an IKEv1 quick mode,
//    each manually keyed SA), just before the SA is installed;
//  - OnIkev2Sa once per IKEv2 SA, when its keys are derived: after IKE_SA_INIT (so the IKE_AUTH
//    exchange can be decrypted too) and after each IKE SA rekey. IKEv1's own (ISAKMP) SAs are
//    not reported.
// A reported SA may still be refused or torn down later; keys of an SA that never carried
// traffic are harmless to a reader.
//
// The Wireshark* functions format one record as a line of Wireshark's user access tables
// (Wireshark 4.0, Debian 12's `tshark`): the ESP table `esp_sa` (Preferences > Protocols >
// ESP > ESP SAs) and the IKEv2 table `ikev2_decryption_table` (Protocols > ISAKMP). Put the
// lines in files of those names in a Wireshark configuration directory, e.g.
//   WIRESHARK_CONFIG_DIR=DIR tshark -r capture.pcap -o esp.enable_encryption_decode:TRUE
// (what `tunnelisa run --export-keys DIR` does; docs/gateway.md).
//
// Example (a host logging the ESP lines):
//   class MyKeyLog final : public tunnelisa::KeyLog {
//     void OnEspSa(const EspSaKeys& sa) override {
//       if (auto line = tunnelisa::WiresharkEspSaLine(sa); line.ok()) esp_file_ << *line << '\n';
//     }
//     void OnIkev2Sa(const Ikev2SaKeys& sa) override { ... WiresharkIkev2Line(sa) ... }
//   };
//   tunnelisa::Host host{.transport = &t, .key_log = &my_key_log};
#ifndef TUNNELISA_KEY_LOG_H_
#define TUNNELISA_KEY_LOG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tunnelisa/algorithms.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/secret.h"

namespace tunnelisa {

// EspSaKeys: one ESP SA (one direction), as its packets look on the wire: the outer source and
// destination addresses, the SPI, the algorithms and keys. `enc_key` is the cipher key followed
// by the salt for AEAD suites (RFC 4106 / RFC 7634), as SaConfig holds it; `auth_key` is empty
// for AEAD suites. The references are valid during the call only.
struct EspSaKeys {
  IpAddress source;
  IpAddress destination;
  uint32_t spi = 0;
  EspSuite suite;
  const SecretBytes& enc_key;
  const SecretBytes& auth_key;
};

// Ikev2SaKeys: one IKEv2 SA: its SPIs (as in the IKE header: SPIi then SPIr), the negotiated
// encryption and integrity (kNone with AEAD), and SK_ei, SK_er, SK_ai, SK_ar of RFC 7296 2.14
// (SK_e* with the salt at the end for AEAD ciphers, SK_a* empty with AEAD). The references are
// valid during the call only.
struct Ikev2SaKeys {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  EncryptionAlgorithm encryption = EncryptionAlgorithm::kAes128Cbc;
  IntegrityAlgorithm integrity = IntegrityAlgorithm::kNone;
  const SecretBytes& sk_ei;
  const SecretBytes& sk_er;
  const SecretBytes& sk_ai;
  const SecretBytes& sk_ar;
};

// KeyLog: see the file comment. Called on the Engine's control thread, from inside its control
// calls; must not call back into the Engine; must not keep the references.
class KeyLog {
 public:
  virtual ~KeyLog() = default;
  virtual void OnEspSa(const EspSaKeys& sa) = 0;
  virtual void OnIkev2Sa(const Ikev2SaKeys& sa) = 0;
};

// WiresharkEspSaLine: `sa` as one line of Wireshark's esp_sa table, without the newline:
//   "IPv4","192.0.2.1","192.0.2.2","0x00001000","AES-CBC [RFC3602]","0x<key>",
//   "HMAC-SHA-256-128 [RFC4868]","0x<key>"
// (one line; fields: protocol, source, destination, SPI, encryption algorithm, encryption key,
// authentication algorithm, authentication key). Unimplemented for a suite Wireshark 4.0 cannot
// decrypt (ChaCha20-Poly1305); InvalidArgument when the addresses' families differ. Any thread.
absl::StatusOr<std::string> WiresharkEspSaLine(const EspSaKeys& sa);

// WiresharkIkev2Line: `sa` as one line of Wireshark's ikev2_decryption_table, without the
// newline: SPIi,SPIr,SK_ei,SK_er,"encryption",SK_ai,SK_ar,"integrity" (SPIs as 16 hex digits,
// keys in hex). Unimplemented for an algorithm Wireshark 4.0 cannot decrypt IKEv2 with (DES,
// ChaCha20-Poly1305, NULL); InvalidArgument for a non-AEAD cipher without integrity. Any
// thread.
absl::StatusOr<std::string> WiresharkIkev2Line(const Ikev2SaKeys& sa);

}  // namespace tunnelisa

#endif  // TUNNELISA_KEY_LOG_H_
