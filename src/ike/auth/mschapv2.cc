// MS-CHAPv2 for the EAP-MSCHAPv2 client (mschapv2.h): RFC 2759 8, RFC 3079 3.
#include "ike/auth/mschapv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <initializer_list>
#include <vector>

#include "absl/status/status.h"

namespace tunnelisa::ike::mschapv2 {
namespace {

// Legacy: a library context with the legacy provider (MD4, DES) and the default one, created
// once and kept for the process (OpenSSL frees it at exit); null when the legacy provider
// cannot be loaded.
OSSL_LIB_CTX* Legacy() {
  static OSSL_LIB_CTX* const ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c == nullptr) return c;
    if (OSSL_PROVIDER_load(c, "legacy") == nullptr || OSSL_PROVIDER_load(c, "default") == nullptr) {
      OSSL_LIB_CTX_free(c);
      return static_cast<OSSL_LIB_CTX*>(nullptr);
    }
    return c;
  }();
  return ctx;
}

absl::Status NoLegacy(const char* what) {
  return absl::FailedPreconditionError(
      std::string("MSCHAPv2 needs ") + what +
      ", which OpenSSL 3 keeps in its legacy provider, and that provider could not be loaded");
}

// Digest: `name` (fetched from `ctx`) over the concatenation of `parts`.
absl::StatusOr<std::vector<uint8_t>> Digest(OSSL_LIB_CTX* ctx, const char* name,
                                            std::initializer_list<std::span<const uint8_t>> parts) {
  EVP_MD* md = EVP_MD_fetch(ctx, name, nullptr);
  if (md == nullptr) return NoLegacy(name);
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  bool ok = c != nullptr && EVP_DigestInit_ex(c, md, nullptr) == 1;
  for (const auto& p : parts) ok = ok && EVP_DigestUpdate(c, p.data(), p.size()) == 1;
  std::vector<uint8_t> out(static_cast<size_t>(EVP_MD_get_size(md)));
  unsigned int size = 0;
  ok = ok && EVP_DigestFinal_ex(c, out.data(), &size) == 1 && size == out.size();
  EVP_MD_CTX_free(c);
  EVP_MD_free(md);
  if (!ok) return absl::InternalError(std::string(name) + " failed");
  return out;
}

std::span<const uint8_t> Text(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// ChallengeHash: RFC 2759 8.2, the first 8 octets of SHA1(PeerChallenge | AuthChallenge |
// UserName), the user name without a domain.
absl::StatusOr<std::vector<uint8_t>> ChallengeHash(const Challenge& peer,
                                                   const Challenge& authenticator,
                                                   std::string_view user_name) {
  if (size_t slash = user_name.rfind('\\'); slash != std::string_view::npos) {
    user_name.remove_prefix(slash + 1);
  }
  absl::StatusOr<std::vector<uint8_t>> d =
      Digest(nullptr, "SHA1", {peer, authenticator, Text(user_name)});
  if (!d.ok()) return d.status();
  d->resize(8);
  return d;
}

// DesEncrypt: RFC 2759 8.6, one 8-octet block under a 7-octet key spread over the 8 octets of
// a DES key (the low bit of each, the parity bit, left 0: OpenSSL's EVP does not check it).
absl::Status DesEncrypt(std::span<const uint8_t, 8> clear, std::span<const uint8_t, 7> key7,
                        std::span<uint8_t, 8> out) {
  uint8_t key[8];
  key[0] = key7[0] & 0xfe;
  for (int i = 1; i < 7; ++i) {
    key[i] = static_cast<uint8_t>(((key7[i - 1] << (8 - i)) | (key7[i] >> i)) & 0xfe);
  }
  key[7] = static_cast<uint8_t>(key7[6] << 1);
  EVP_CIPHER* des = EVP_CIPHER_fetch(Legacy(), "DES-ECB", nullptr);
  if (Legacy() == nullptr || des == nullptr) {
    EVP_CIPHER_free(des);
    return NoLegacy("DES");
  }
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok = c != nullptr && EVP_EncryptInit_ex(c, des, nullptr, key, nullptr) == 1 &&
            EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
            EVP_EncryptUpdate(c, out.data(), &n, clear.data(), 8) == 1 && n == 8;
  EVP_CIPHER_CTX_free(c);
  EVP_CIPHER_free(des);
  OPENSSL_cleanse(key, sizeof(key));
  return ok ? absl::OkStatus() : absl::InternalError("DES failed");
}

absl::StatusOr<std::vector<uint8_t>> Md4(std::span<const uint8_t> data) {
  if (Legacy() == nullptr) return NoLegacy("MD4");
  return Digest(Legacy(), "MD4", {data});
}

}  // namespace

absl::StatusOr<SecretBytes> NtPasswordHash(const SecretBytes& password) {
  std::vector<uint8_t> unicode;
  unicode.reserve(password.size() * 2);
  for (uint8_t c : password.span()) {
    unicode.push_back(c);
    unicode.push_back(0);
  }
  absl::StatusOr<std::vector<uint8_t>> hash = Md4(unicode);
  OPENSSL_cleanse(unicode.data(), unicode.size());
  if (!hash.ok()) return hash.status();
  SecretBytes out(*hash);
  OPENSSL_cleanse(hash->data(), hash->size());
  return out;
}

absl::StatusOr<NtResponse> GenerateNtResponse(const Challenge& authenticator_challenge,
                                              const Challenge& peer_challenge,
                                              std::string_view user_name,
                                              const SecretBytes& password) {
  absl::StatusOr<std::vector<uint8_t>> challenge =
      ChallengeHash(peer_challenge, authenticator_challenge, user_name);
  if (!challenge.ok()) return challenge.status();
  absl::StatusOr<SecretBytes> hash = NtPasswordHash(password);
  if (!hash.ok()) return hash.status();
  //= https://www.rfc-editor.org/rfc/rfc2759#section-8.5
  //# Set ZPasswordHash to PasswordHash zero-padded to 21 octets
  uint8_t z[21] = {};
  std::copy(hash->span().begin(), hash->span().end(), z);
  NtResponse out{};
  absl::Status s;
  for (int i = 0; i < 3 && s.ok(); ++i) {
    s = DesEncrypt(std::span<const uint8_t, 8>(challenge->data(), 8),
                   std::span<const uint8_t, 7>(z + 7 * i, 7),
                   std::span<uint8_t, 8>(out.data() + 8 * i, 8));
  }
  OPENSSL_cleanse(z, sizeof(z));
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> AuthenticatorResponse(const SecretBytes& password,
                                                  const NtResponse& nt_response,
                                                  const Challenge& peer_challenge,
                                                  const Challenge& authenticator_challenge,
                                                  std::string_view user_name) {
  //= https://www.rfc-editor.org/rfc/rfc2759#section-8.7
  //# Magic1[39] = {0x4D, 0x61, 0x67, 0x69, 0x63, 0x20, 0x73, 0x65, 0x72, 0x76,
  // ("Magic server to client signing constant", and Magic2 below, as ASCII.)
  static constexpr std::string_view kMagic1 = "Magic server to client signing constant";
  static constexpr std::string_view kMagic2 = "Pad to make it do more than one iteration";
  absl::StatusOr<SecretBytes> hash = NtPasswordHash(password);
  if (!hash.ok()) return hash.status();
  absl::StatusOr<std::vector<uint8_t>> hash_hash = Md4(hash->span());
  if (!hash_hash.ok()) return hash_hash.status();
  absl::StatusOr<std::vector<uint8_t>> digest =
      Digest(nullptr, "SHA1", {*hash_hash, nt_response, Text(kMagic1)});
  if (!digest.ok()) return digest.status();
  absl::StatusOr<std::vector<uint8_t>> challenge =
      ChallengeHash(peer_challenge, authenticator_challenge, user_name);
  if (!challenge.ok()) return challenge.status();
  digest = Digest(nullptr, "SHA1", {*digest, *challenge, Text(kMagic2)});
  if (!digest.ok()) return digest.status();
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "S=";
  for (uint8_t b : *digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

absl::StatusOr<SecretBytes> PeerMsk(const SecretBytes& password, const NtResponse& nt_response) {
  //= https://www.rfc-editor.org/rfc/rfc3079#section-3.4
  //# Magic1[27] = {0x54, 0x68, 0x69, 0x73, 0x20, 0x69, 0x73, 0x20, 0x74,
  static constexpr std::string_view kMasterMagic = "This is the MPPE Master Key";
  static constexpr std::string_view kClientSend =
      "On the client side, this is the send key; on the server side, it is the receive key.";
  static constexpr std::string_view kClientReceive =
      "On the client side, this is the receive key; on the server side, it is the send key.";
  absl::StatusOr<SecretBytes> hash = NtPasswordHash(password);
  if (!hash.ok()) return hash.status();
  absl::StatusOr<std::vector<uint8_t>> hash_hash = Md4(hash->span());
  if (!hash_hash.ok()) return hash_hash.status();
  absl::StatusOr<std::vector<uint8_t>> master =
      Digest(nullptr, "SHA1", {*hash_hash, nt_response, Text(kMasterMagic)});
  if (!master.ok()) return master.status();
  master->resize(16);
  const std::vector<uint8_t> pad1(40, 0x00), pad2(40, 0xf2);
  std::vector<uint8_t> msk;
  for (std::string_view magic : {kClientSend, kClientReceive}) {
    //= https://www.rfc-editor.org/rfc/rfc3079#section-3.4
    //# SHAUpdate(Context, MasterKey, 16);
    //# SHAUpdate(Context, SHSpad1, 40);
    //# SHAUpdate(Context, s, 84);
    //# SHAUpdate(Context, SHSpad2, 40);
    absl::StatusOr<std::vector<uint8_t>> key =
        Digest(nullptr, "SHA1", {*master, pad1, Text(magic), pad2});
    if (!key.ok()) return key.status();
    msk.insert(msk.end(), key->begin(), key->begin() + 16);
    OPENSSL_cleanse(key->data(), key->size());
  }
  OPENSSL_cleanse(master->data(), master->size());
  SecretBytes out(msk);
  OPENSSL_cleanse(msk.data(), msk.size());
  return out;
}

}  // namespace tunnelisa::ike::mschapv2
