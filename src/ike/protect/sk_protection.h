// File: ike/protect/sk_protection.h
//
// SkProtector: encrypts and authenticates IKEv2 messages into an Encrypted payload SK
// (RFC 7296 3.14) or Encrypted Fragment payloads SKF (RFC 7383 2.5), and verifies and decrypts
// received ones. One protector per IKE SA, built once the SA's keys exist (after IKE_SA_INIT):
// the IKE SA knows its role and passes SK_ei/SK_ai or SK_er/SK_ar as the keys for the messages
// it sends (`out`) and the other pair for those it receives (`in`).
//
// Wire layout of what Seal builds (AEAD per RFC 5282 / RFC 7634):
//   IKE header | SK generic header | IV | E(inner payloads | Padding | Pad Length) | ICV
//   - CBC + HMAC: IV is fresh random (Random, or OpenSSL's RAND_bytes); the ICV is the
//     truncated HMAC over everything from the IKE header through the ciphertext.
//   - AEAD: IV is a 64-bit counter (never repeats under a key; starts at a random value so a
//     protector re-created with the same keys does not replay nonces), nonce = salt || IV,
//     associated data = IKE header through the SK generic header (SKF: through Total
//     Fragments), ICV = the tag.
//
// Open verifies the ICV (HMAC compared in constant time, or the AEAD tag) before anything is
// decrypted or parsed. An integrity failure is absl::PermissionDeniedError("ICV check failed")
// with no notification attached: the caller drops the message silently and counts it. Framing
// errors (no SK payload, sizes that cannot hold IV + ICV) are codec errors
// (INVALID_SYNTAX attached, but the message is unauthenticated: do not answer it). Errors
// after a successful ICV check (bad padding, a malformed inner payload chain) are codec errors
// whose notification the IKE SA may send back (errors.h).
//
// Example:
//   auto p = SkProtector::Create(suite, {.encr_out = std::move(sk_ei), .integ_out = ...,
//                                        .encr_in = std::move(sk_er), .integ_in = ...}, random);
//   absl::StatusOr<std::vector<uint8_t>> datagram = (*p)->Seal(header, payloads);
//   absl::StatusOr<std::vector<Payload>> inner = (*p)->Open(received);
//   if (absl::IsPermissionDenied(inner.status())) { ++icv_failures; return; }  // drop silently
//
// Control thread only; not thread-safe (the IV counter is per-protector state). Several
// protectors may be used on several threads at once: the OpenSSL cipher contexts are the
// calling thread's, keyed per message. Allocates; not on the packet fast path. Keys are held in
// SecretBytes (wiped with the protector) and, from one message to the next, the last key a
// thread used stays scheduled in that thread's context; they are never logged.
#ifndef TUNNELISA_SRC_IKE_PROTECT_SK_PROTECTION_H_
#define TUNNELISA_SRC_IKE_PROTECT_SK_PROTECTION_H_

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ike/codec/encrypted_payload.h"
#include "ike/codec/header.h"
#include "ike/codec/payload.h"
#include "ike/protect/ike_transforms.h"
#include "tunnelisa/host.h"
#include "tunnelisa/ike_crypto.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike {

// SkKeys: the four keys of one IKE SA endpoint. Sizes must match SkSizesFor(suite): encr_* is
// encr_key octets (AEAD: key || salt), integ_* is integ_key octets (empty for AEAD).
struct SkKeys {
  SecretBytes encr_out;   // encrypts what we send (SK_ei as original initiator, else SK_er)
  SecretBytes integ_out;  // authenticates what we send (SK_ai / SK_ar)
  SecretBytes encr_in;    // decrypts what we receive
  SecretBytes integ_in;   // verifies what we receive
};

// FragmentFields: the SKF-only fields (RFC 7383 2.5).
struct FragmentFields {
  uint16_t number = 1;
  uint16_t total = 1;
  bool operator==(const FragmentFields&) const = default;
};

// FragmentInfo: what a received SKF datagram says about itself before any crypto
// (SkProtector::InspectFragment): unauthenticated, used only to decide cheaply whether the
// fragment is worth verifying.
struct FragmentInfo {
  Header header;
  uint16_t number = 0;
  uint16_t total = 0;
  uint8_t first_inner = 0;  // Next Payload of the SKF payload (nonzero only in fragment 1)
  ProtectedLayout layout;
};

// OpenedFragment: a verified and decrypted SKF datagram.
struct OpenedFragment {
  Header header;
  uint16_t number = 0;
  uint16_t total = 0;
  uint8_t first_inner = 0;
  std::vector<uint8_t> plaintext;  // this fragment's share of the inner payloads, unpadded
};

class SkProtector {
 public:
  // Create: keys the cipher and integrity contexts once. `random` supplies CBC IVs and the
  // AEAD counter's random start; null means OpenSSL's RAND_bytes; not owned, must outlive the
  // protector. Errors: InvalidArgument for a suite SkSizesFor rejects or keys of the wrong
  // size; Unavailable when OpenSSL lacks the cipher (DES-CBC needs the legacy provider);
  // Internal for OpenSSL failures.
  static absl::StatusOr<std::unique_ptr<SkProtector>> Create(const SkSuite& suite, SkKeys keys,
                                                             Random* random = nullptr);
  ~SkProtector();
  SkProtector(const SkProtector&) = delete;
  SkProtector& operator=(const SkProtector&) = delete;

  // suite / sizes: what the protector was created with and the octet counts it implies.
  const SkSuite& suite() const { return suite_; }
  const SkSizes& sizes() const { return sizes_; }

  // Seal: the whole datagram for `header` (its next_payload and length are computed, the other
  // fields sent as given) carrying `inner` in one SK payload. Errors: InvalidArgument when
  // `inner` does not serialize (SerializePayloadChain) or the SK payload would exceed 65535
  // octets (use SealFragments); ResourceExhausted when the AEAD IV counter is used up; Internal
  // for OpenSSL failures.
  absl::StatusOr<std::vector<uint8_t>> Seal(const Header& header, std::span<const Payload> inner);

  // Open: verifies, decrypts and parses the SK payload of `datagram` (an IKE message, non-ESP
  // marker removed) and returns the inner payloads. Payloads before SK, if any, are covered by
  // the ICV but not returned (Message::Parse has them). Errors: see the file comment; an SKF
  // message is InvalidArgument (use OpenFragment).
  absl::StatusOr<std::vector<Payload>> Open(std::span<const uint8_t> datagram);

  // SealFragments: `inner` split into IKE Fragment messages (RFC 7383), each an IKE header
  // (from `header`, next_payload/length computed) plus one SKF payload, each protected on its
  // own and at most `max_datagram_size` octets (the caller derives it from the path MTU minus
  // the IP and UDP headers and, on port 4500, the 4-octet non-ESP marker). The plaintext is cut
  // into the largest chunks that fit; fragment 1 carries the first inner payload type. Errors:
  // InvalidArgument when `max_datagram_size` cannot hold one octet of content or more than
  // 65535 fragments would be needed; otherwise as Seal.
  absl::StatusOr<std::vector<std::vector<uint8_t>>> SealFragments(const Header& header,
                                                                  std::span<const Payload> inner,
                                                                  size_t max_datagram_size);

  // MaxFragmentContent: the most inner-payload octets one fragment of `max_datagram_size`
  // octets carries (0: none fit). Any thread (no state).
  size_t MaxFragmentContent(size_t max_datagram_size) const;

  // InspectFragment: the unauthenticated SKF framing of `datagram` (no crypto): header, Fragment
  // Number, Total Fragments, first inner type, layout. Errors (codec, INVALID_SYNTAX): not an
  // SKF message, framing that cannot hold IV + ICV, Fragment Number 0 or above Total
  // Fragments, Total Fragments 0, a nonzero Next Payload in a fragment other than the first.
  absl::StatusOr<FragmentInfo> InspectFragment(std::span<const uint8_t> datagram) const;

  // OpenFragment: InspectFragment, then verifies and decrypts the SKF payload. The inner
  // payloads are parsed only once all fragments are in (FragmentCollector, fragments.h).
  // Errors: as InspectFragment; PermissionDenied("ICV check failed"); codec errors for bad
  // padding after a good ICV.
  absl::StatusOr<OpenedFragment> OpenFragment(std::span<const uint8_t> datagram);

  // SealPlaintext: the building block of Seal and SealFragments: protects an already
  // serialized and padded plaintext (inner payloads | Padding | Pad Length) whose first inner
  // payload is `first_inner`, as SK (`fragment` null) or SKF. Meant for tests and fuzzers that
  // need well-protected but malformed contents; protocol code calls Seal. Errors: as Seal, plus
  // InvalidArgument for a plaintext that is not a multiple of the block size.
  absl::StatusOr<std::vector<uint8_t>> SealPlaintext(const Header& header, uint8_t first_inner,
                                                     std::span<const uint8_t> padded_plaintext,
                                                     const FragmentFields* fragment = nullptr);

  // SetNextAeadIvForTesting: the IV (big-endian counter value) the next AEAD seal uses, so
  // tests reproduce known datagrams byte for byte. Never call it outside tests: reusing an IV
  // under a key breaks AES-GCM and ChaCha20-Poly1305.
  void SetNextAeadIvForTesting(uint64_t next_iv);

  // EnableNullCryptoForFuzzing: fuzz builds only (compiled with TUNNELISA_FUZZING): Seal
  // writes the plaintext and a zero ICV, Open takes the ciphertext as plaintext without any
  // check, so a fuzzer reaches the protected exchanges' logic (DESIGN.md: protocol logic also
  // on a null cipher). In every other build it returns FailedPrecondition and changes nothing.
  absl::Status EnableNullCryptoForFuzzing();

 private:
  struct Unprotected {
    ProtectedLayout layout;
    uint8_t first_inner = 0;
    std::vector<uint8_t> plaintext;  // unpadded
  };

  static constexpr size_t kMaxMacSize = 64;  // HMAC-SHA-512

  SkProtector(const SkSuite& suite, const SkSizes& sizes, Random* random);
  absl::Status NextIv(std::span<uint8_t> iv);
  // KeyedContext: the thread's context for our cipher, keyed for what we send (`out`) or what
  // we receive; null when OpenSSL fails.
  EVP_CIPHER_CTX* KeyedContext(bool out);
  // Mac: the whole HMAC of `data` (the caller truncates it to the ICV).
  static bool Mac(Prf& prf, std::span<const uint8_t> data, std::array<uint8_t, kMaxMacSize>& out);
  // Unprotect: verify then decrypt the SK/SKF payload located by `layout`.
  absl::StatusOr<Unprotected> Unprotect(std::span<const uint8_t> datagram,
                                        const ProtectedLayout& layout);

  SkSuite suite_;
  SkSizes sizes_;
  Random* random_;
  SecretBytes salt_out_;
  SecretBytes salt_in_;
  bool null_crypto_ = false;  // EnableNullCryptoForFuzzing
  uint64_t next_aead_iv_ = 0;
  uint64_t aead_ivs_left_ = UINT64_MAX;
  // No OpenSSL context is held per protector: messages are keyed on the thread's context
  // (sk_protection.cc, ThreadCipherContext), so an idle IKE SA costs its keys and nothing more.
  EVP_CIPHER* cipher_ = nullptr;  // fetched once, freed with the protector
  SecretBytes cipher_key_out_;    // the cipher key of encr_out (AEAD: without the salt)
  SecretBytes cipher_key_in_;
  std::unique_ptr<Prf> mac_out_;  // CBC suites: HMAC keyed with integ_out
  std::unique_ptr<Prf> mac_in_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_PROTECT_SK_PROTECTION_H_
