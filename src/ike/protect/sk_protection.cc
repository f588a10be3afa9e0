#include "ike/protect/sk_protection.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "crypto/evp_names.h"
#include "crypto/ike_crypto.h"
#include "ike/codec/constants.h"
#include "ike/codec/errors.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"
#include "ike/protect/openssl_lib.h"

namespace tunnelisa::ike {
namespace {

constexpr size_t kFragmentFieldsSize = 4;  // Fragment Number + Total Fragments (RFC 7383 2.5)
constexpr size_t kMaxPayloadLength = 0xffff;
constexpr size_t kNonceSize = 12;  // salt (4) || IV (8), RFC 5282 section 4 / RFC 7634

// CipherName: OpenSSL's name for a suite SkSizesFor accepted (nullptr otherwise).
const char* CipherName(const SkSuite& s) {
  const std::optional<EncryptionAlgorithm> alg = EncryptionAlgorithmFor(s);
  return alg.has_value() ? crypto::EvpCipherName(*alg) : nullptr;
}

// HmacPrfFor: the HMAC under an integrity transform (its ICV is that HMAC truncated).
std::optional<PrfAlgorithm> HmacPrfFor(IkeIntegId integ) {
  switch (integ) {
    case IkeIntegId::kNone:
      return std::nullopt;
    case IkeIntegId::kHmacMd5_96:
      return PrfAlgorithm::kHmacMd5;
    case IkeIntegId::kHmacSha1_96:
      return PrfAlgorithm::kHmacSha1;
    case IkeIntegId::kHmacSha256_128:
      return PrfAlgorithm::kHmacSha256;
    case IkeIntegId::kHmacSha384_192:
      return PrfAlgorithm::kHmacSha384;
    case IkeIntegId::kHmacSha512_256:
      return PrfAlgorithm::kHmacSha512;
  }
  return std::nullopt;
}

// ThreadCipherContext: the calling thread's cipher context for `cipher`, made on first use and
// freed when the thread ends; the caller keys it for each message. Why not a keyed context per
// direction in every protector: an AES-GCM context is about 900 octets and two heap blocks, and
// an IKE SA protects a message only now and then (its handshake, a DPD, a rekey, a delete),
// while a gateway holds 100k of them (issue 14). Keying a context that exists costs a key
// schedule and no allocation. A few contexts per thread: one per cipher the thread has used.
EVP_CIPHER_CTX* ThreadCipherContext(EVP_CIPHER* cipher) {
  struct Entry {
    EVP_CIPHER* cipher = nullptr;  // a reference of its own
    EVP_CIPHER_CTX* ctx = nullptr;
  };
  struct Holder {
    std::array<Entry, 4> entries;
    size_t next_victim = 0;
    ~Holder() {
      for (Entry& e : entries) {
        EVP_CIPHER_CTX_free(e.ctx);
        EVP_CIPHER_free(e.cipher);
      }
    }
  };
  thread_local Holder holder;
  for (Entry& e : holder.entries) {
    if (e.cipher == cipher) return e.ctx;
  }
  Entry* slot = nullptr;
  for (Entry& e : holder.entries) {
    if (e.cipher == nullptr) {
      slot = &e;
      break;
    }
  }
  if (slot == nullptr) {  // a fifth cipher on this thread: replace one in turn
    slot = &holder.entries[holder.next_victim];
    holder.next_victim = (holder.next_victim + 1) % holder.entries.size();
    EVP_CIPHER_CTX_free(slot->ctx);
    EVP_CIPHER_free(slot->cipher);
    *slot = Entry{};
  }
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_CIPHER_up_ref(cipher) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  // Bound to the cipher once, without a key; each message then keys it (cipher argument null).
  if (EVP_CipherInit_ex2(ctx, cipher, nullptr, nullptr, 1, nullptr) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return nullptr;
  }
  *slot = Entry{.cipher = cipher, .ctx = ctx};
  return ctx;
}

absl::Status IcvFailure() { return absl::PermissionDeniedError("ICV check failed"); }

// Len: a span size as OpenSSL's int (every span here is bounded by a 16-bit payload length
// or a 32-bit IKE message; callers checked).
int Len(size_t n) { return static_cast<int>(n); }

}  // namespace

SkProtector::SkProtector(const SkSuite& suite, const SkSizes& sizes, Random* random)
    : suite_(suite), sizes_(sizes), random_(random) {}

SkProtector::~SkProtector() { EVP_CIPHER_free(cipher_); }

EVP_CIPHER_CTX* SkProtector::KeyedContext(bool out) {
  EVP_CIPHER_CTX* ctx = ThreadCipherContext(cipher_);
  const SecretBytes& key = out ? cipher_key_out_ : cipher_key_in_;
  if (ctx == nullptr ||
      EVP_CipherInit_ex2(ctx, nullptr, key.data(), nullptr, out ? 1 : 0, nullptr) != 1 ||
      (!sizes_.aead && EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)) {
    return nullptr;
  }
  return ctx;
}

bool SkProtector::Mac(Prf& prf, std::span<const uint8_t> data,
                      std::array<uint8_t, kMaxMacSize>& out) {
  std::span<const uint8_t> parts[] = {data};
  return prf.ComputeInto(parts, std::span(out).first(prf.output_size())).ok();
}

absl::StatusOr<std::unique_ptr<SkProtector>> SkProtector::Create(const SkSuite& suite, SkKeys keys,
                                                                 Random* random) {
  absl::StatusOr<SkSizes> sizes = SkSizesFor(suite);
  if (!sizes.ok()) return sizes.status();
  const std::string name = SkSuiteName(suite);
  if (keys.encr_out.size() != sizes->encr_key || keys.encr_in.size() != sizes->encr_key) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s needs %d-octet encryption keys, got %d and %d", name, sizes->encr_key,
                        keys.encr_out.size(), keys.encr_in.size()));
  }
  if (keys.integ_out.size() != sizes->integ_key || keys.integ_in.size() != sizes->integ_key) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s needs %d-octet integrity keys, got %d and %d", name, sizes->integ_key,
                        keys.integ_out.size(), keys.integ_in.size()));
  }
  std::unique_ptr<SkProtector> p(new SkProtector(suite, *sizes, random));
  OSSL_LIB_CTX* lib = internal::IkeLibCtx();
  p->cipher_ = EVP_CIPHER_fetch(lib, CipherName(suite), nullptr);
  if (p->cipher_ == nullptr) {
    return absl::UnavailableError(
        suite.encr == IkeEncrId::kDesCbc && !internal::LegacyProviderLoaded()
            ? std::string("DES-CBC needs OpenSSL's legacy provider, which could not be loaded")
            : absl::StrFormat("OpenSSL has no %s", CipherName(suite)));
  }
  const size_t cipher_key = sizes->encr_key - sizes->salt;
  if (static_cast<size_t>(EVP_CIPHER_get_key_length(p->cipher_)) != cipher_key) {
    return absl::InternalError(absl::StrFormat("%s key setup failed", name));
  }
  p->cipher_key_out_ = SecretBytes(keys.encr_out.span().first(cipher_key));
  p->cipher_key_in_ = SecretBytes(keys.encr_in.span().first(cipher_key));
  // Keyed once here so that a key OpenSSL refuses fails the IKE SA now, not its first message.
  if (p->KeyedContext(true) == nullptr || p->KeyedContext(false) == nullptr) {
    return absl::InternalError(absl::StrFormat("%s key setup failed", name));
  }
  if (sizes->aead) {
    p->salt_out_ = SecretBytes(keys.encr_out.span().subspan(cipher_key));
    p->salt_in_ = SecretBytes(keys.encr_in.span().subspan(cipher_key));
    // The IV counter starts at a random value: a protector re-created from the same keys (a
    // restarted or redundant peer) then does not repeat nonces, barring a 2^-64-ish overlap.
    std::array<uint8_t, 8> start{};
    if (random != nullptr) {
      random->Fill(start);
    } else if (RAND_bytes(start.data(), start.size()) != 1) {
      return absl::InternalError("RAND_bytes failed");
    }
    for (uint8_t b : start) p->next_aead_iv_ = (p->next_aead_iv_ << 8) | b;
  } else {
    const std::optional<PrfAlgorithm> hmac = HmacPrfFor(suite.integ);
    if (!hmac.has_value()) return absl::InvalidArgumentError(name + " has no integrity algorithm");
    absl::StatusOr<std::unique_ptr<Prf>> mac_out = crypto::OpenSslPrf(*hmac, keys.integ_out.span());
    absl::StatusOr<std::unique_ptr<Prf>> mac_in = crypto::OpenSslPrf(*hmac, keys.integ_in.span());
    if (!mac_out.ok()) return mac_out.status();
    if (!mac_in.ok()) return mac_in.status();
    if ((*mac_out)->output_size() < sizes->icv || (*mac_out)->output_size() > kMaxMacSize) {
      return absl::InternalError(absl::StrFormat("%s: HMAC output and ICV sizes disagree", name));
    }
    p->mac_out_ = *std::move(mac_out);
    p->mac_in_ = *std::move(mac_in);
  }
  return p;
}

absl::Status SkProtector::EnableNullCryptoForFuzzing() {
#ifdef TUNNELISA_FUZZING
  null_crypto_ = true;
  return absl::OkStatus();
#else
  return absl::FailedPreconditionError("null crypto exists only in fuzz builds");
#endif
}

void SkProtector::SetNextAeadIvForTesting(uint64_t next_iv) {
  next_aead_iv_ = next_iv;
  aead_ivs_left_ = UINT64_MAX;
}

absl::Status SkProtector::NextIv(std::span<uint8_t> iv) {
  if (sizes_.aead) {
    // RFC 5282 section 3.1 / RFC 7634: the IV must never repeat under one key; a counter
    // guarantees it, as the RFCs allow.
    if (aead_ivs_left_ == 0) {
      return absl::ResourceExhaustedError("AEAD IV counter exhausted: rekey the IKE SA");
    }
    --aead_ivs_left_;
    uint64_t v = next_aead_iv_++;
    for (size_t i = iv.size(); i > 0; --i, v >>= 8) iv[i - 1] = static_cast<uint8_t>(v);
    return absl::OkStatus();
  }
  // CBC: a fresh unpredictable IV per message (RFC 7296 3.14).
  if (random_ != nullptr) {
    random_->Fill(iv);
  } else if (RAND_bytes(iv.data(), Len(iv.size())) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> SkProtector::SealPlaintext(
    const Header& header, uint8_t first_inner, std::span<const uint8_t> padded_plaintext,
    const FragmentFields* fragment) {
  if (padded_plaintext.empty() || padded_plaintext.size() % sizes_.block != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("a padded plaintext of %d octets is not a nonzero multiple of %d",
                        padded_plaintext.size(), sizes_.block));
  }
  const size_t fields = fragment != nullptr ? kFragmentFieldsSize : 0;
  const size_t payload_length =
      kGenericHeaderSize + fields + sizes_.iv + padded_plaintext.size() + sizes_.icv;
  if (payload_length > kMaxPayloadLength) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "an Encrypted payload of %d octets exceeds 65535: fragment the message", payload_length));
  }
  if (fragment != nullptr &&
      (fragment->number == 0 || fragment->total == 0 || fragment->number > fragment->total ||
       (fragment->number > 1 && first_inner != 0))) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "bad fragment %d of %d (first inner %d)", fragment->number, fragment->total, first_inner));
  }
  Header h = header;
  h.next_payload = static_cast<uint8_t>(fragment != nullptr ? PayloadType::kEncryptedFragment
                                                            : PayloadType::kEncrypted);
  h.length = static_cast<uint32_t>(kHeaderSize + payload_length);
  Writer w(h.length);  // the whole datagram: it is completed in place below
  h.Serialize(w);
  w.U8(first_inner);
  w.U8(0);  // C bit clear, RESERVED
  w.U16(static_cast<uint16_t>(payload_length));
  if (fragment != nullptr) {
    w.U16(fragment->number);
    w.U16(fragment->total);
  }
  std::vector<uint8_t> out = w.Take();
  const size_t iv_begin = out.size();
  const size_t ct_begin = iv_begin + sizes_.iv;
  const size_t icv_begin = ct_begin + padded_plaintext.size();
  out.resize(icv_begin + sizes_.icv);
  std::copy(padded_plaintext.begin(), padded_plaintext.end(), out.begin() + ct_begin);
  std::span<uint8_t> all(out);
  if (absl::Status s = NextIv(all.subspan(iv_begin, sizes_.iv)); !s.ok()) return s;

  if (null_crypto_) return out;  // fuzz builds only: plaintext and a zero ICV
  EVP_CIPHER_CTX* enc = KeyedContext(true);
  if (enc == nullptr) return absl::InternalError("cipher context setup failed");
  uint8_t* ct = out.data() + ct_begin;
  const int ct_len = Len(padded_plaintext.size());
  int len = 0;
  int final_len = 0;
  if (sizes_.aead) {
    std::array<uint8_t, kNonceSize> nonce{};
    std::memcpy(nonce.data(), salt_out_.data(), salt_out_.size());
    std::memcpy(nonce.data() + salt_out_.size(), out.data() + iv_begin, sizes_.iv);
    //= https://www.rfc-editor.org/rfc/rfc5282#section-5.1
    //# The Initialization Vector and Ciphertext fields shown in Figure 1
    //# (above) MUST NOT be included in the associated data.
    const bool ok = EVP_CipherInit_ex2(enc, nullptr, nullptr, nonce.data(), 1, nullptr) == 1 &&
                    EVP_CipherUpdate(enc, nullptr, &len, out.data(), Len(iv_begin)) == 1 &&
                    EVP_CipherUpdate(enc, ct, &len, ct, ct_len) == 1 &&
                    EVP_CipherFinal_ex(enc, ct + len, &final_len) == 1 &&
                    EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, Len(sizes_.icv),
                                        out.data() + icv_begin) == 1;
    OPENSSL_cleanse(nonce.data(), nonce.size());
    if (!ok) return absl::InternalError("AEAD seal failed");
    return out;
  }
  if (EVP_CipherInit_ex2(enc, nullptr, nullptr, out.data() + iv_begin, 1, nullptr) != 1 ||
      EVP_CipherUpdate(enc, ct, &len, ct, ct_len) != 1 ||
      EVP_CipherFinal_ex(enc, ct + len, &final_len) != 1 || len + final_len != ct_len) {
    return absl::InternalError("CBC encryption failed");
  }
  std::array<uint8_t, kMaxMacSize> mac{};
  if (!Mac(*mac_out_, all.first(icv_begin), mac)) {
    return absl::InternalError("HMAC failed");
  }
  std::copy_n(mac.begin(), sizes_.icv, out.begin() + icv_begin);
  return out;
}

absl::StatusOr<std::vector<uint8_t>> SkProtector::Seal(const Header& header,
                                                       std::span<const Payload> inner) {
  Writer w(kTypicalMessageSize);
  absl::StatusOr<uint8_t> first = SerializePayloadChain(inner, w);
  if (!first.ok()) return first.status();
  std::vector<uint8_t> plaintext = w.Take();
  AppendPadding(plaintext, sizes_.block);
  return SealPlaintext(header, *first, plaintext);
}

size_t SkProtector::MaxFragmentContent(size_t max_datagram_size) const {
  const size_t overhead =
      kHeaderSize + kGenericHeaderSize + kFragmentFieldsSize + sizes_.iv + sizes_.icv;
  if (max_datagram_size <= overhead) return 0;
  size_t room = max_datagram_size - overhead;  // ciphertext octets that fit
  room = std::min(room, kMaxPayloadLength -
                            (kGenericHeaderSize + kFragmentFieldsSize + sizes_.iv + sizes_.icv));
  room -= room % sizes_.block;
  return room == 0 ? 0 : room - 1;  // one octet for the Pad Length
}

absl::StatusOr<std::vector<std::vector<uint8_t>>> SkProtector::SealFragments(
    const Header& header, std::span<const Payload> inner, size_t max_datagram_size) {
  const size_t chunk = MaxFragmentContent(max_datagram_size);
  if (chunk == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d octets cannot hold an IKE Fragment message with content", max_datagram_size));
  }
  Writer w;
  absl::StatusOr<uint8_t> first = SerializePayloadChain(inner, w);
  if (!first.ok()) return first.status();
  const std::span<const uint8_t> content = w.bytes();
  const size_t total = content.empty() ? 1 : (content.size() + chunk - 1) / chunk;
  if (total > 0xffff) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d octets in chunks of %d need %d fragments, over 65535", content.size(), chunk, total));
  }
  std::vector<std::vector<uint8_t>> out;
  out.reserve(total);
  for (size_t i = 0; i < total; ++i) {
    const size_t begin = i * chunk;
    std::span<const uint8_t> piece =
        content.subspan(begin, std::min(chunk, content.size() - begin));
    std::vector<uint8_t> padded(piece.begin(), piece.end());
    AppendPadding(padded, sizes_.block);
    const FragmentFields fields{.number = static_cast<uint16_t>(i + 1),
                                .total = static_cast<uint16_t>(total)};
    // RFC 7383 2.5: only fragment 1 names the first inner payload; the others carry 0.
    absl::StatusOr<std::vector<uint8_t>> datagram =
        SealPlaintext(header, i == 0 ? *first : 0, padded, &fields);
    if (!datagram.ok()) return datagram.status();
    out.push_back(*std::move(datagram));
  }
  return out;
}

absl::StatusOr<SkProtector::Unprotected> SkProtector::Unprotect(std::span<const uint8_t> datagram,
                                                                const ProtectedLayout& layout) {
  Unprotected u{.layout = layout};
  u.first_inner =
      datagram[layout.iv_begin - kGenericHeaderSize - (layout.fragment ? kFragmentFieldsSize : 0)];
  const std::span<const uint8_t> iv =
      datagram.subspan(layout.iv_begin, layout.ciphertext_begin - layout.iv_begin);
  const std::span<const uint8_t> ct =
      datagram.subspan(layout.ciphertext_begin, layout.ciphertext_size());
  const std::span<const uint8_t> icv = datagram.subspan(layout.icv_begin, sizes_.icv);
  u.plaintext.resize(ct.size());
  if (null_crypto_) {  // fuzz builds only: the ciphertext is the plaintext, nothing checked
    std::copy(ct.begin(), ct.end(), u.plaintext.begin());
    return u;
  }
  EVP_CIPHER_CTX* dec = KeyedContext(false);
  if (dec == nullptr) return absl::InternalError("cipher context setup failed");
  int len = 0;
  int final_len = 0;
  if (sizes_.aead) {
    std::array<uint8_t, kNonceSize> nonce{};
    std::memcpy(nonce.data(), salt_in_.data(), salt_in_.size());
    std::memcpy(nonce.data() + salt_in_.size(), iv.data(), iv.size());
    std::array<uint8_t, 16> tag{};
    std::copy(icv.begin(), icv.end(), tag.begin());
    const bool set_up =
        EVP_CipherInit_ex2(dec, nullptr, nullptr, nonce.data(), 0, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_AEAD_SET_TAG, Len(icv.size()), tag.data()) == 1 &&
        EVP_CipherUpdate(dec, nullptr, &len, datagram.data(), Len(layout.iv_begin)) == 1 &&
        EVP_CipherUpdate(dec, u.plaintext.data(), &len, ct.data(), Len(ct.size())) == 1;
    OPENSSL_cleanse(nonce.data(), nonce.size());
    if (!set_up) return absl::InternalError("AEAD open failed");
    // The tag is compared (in constant time) by EVP_CipherFinal_ex; nothing decrypted is used
    // unless it succeeds.
    if (EVP_CipherFinal_ex(dec, u.plaintext.data() + len, &final_len) != 1) {
      OPENSSL_cleanse(u.plaintext.data(), u.plaintext.size());
      return IcvFailure();
    }
  } else {
    std::array<uint8_t, kMaxMacSize> mac{};
    if (!Mac(*mac_in_, datagram.first(layout.icv_begin), mac)) {
      return absl::InternalError("HMAC failed");
    }
    if (CRYPTO_memcmp(mac.data(), icv.data(), icv.size()) != 0) return IcvFailure();
    if (EVP_CipherInit_ex2(dec, nullptr, nullptr, iv.data(), 0, nullptr) != 1 ||
        EVP_CipherUpdate(dec, u.plaintext.data(), &len, ct.data(), Len(ct.size())) != 1 ||
        EVP_CipherFinal_ex(dec, u.plaintext.data() + len, &final_len) != 1 ||
        static_cast<size_t>(len + final_len) != ct.size()) {
      return absl::InternalError("CBC decryption failed");
    }
  }
  absl::StatusOr<std::span<const uint8_t>> inner = StripPadding(u.plaintext);
  if (!inner.ok()) return inner.status();
  u.plaintext.resize(inner->size());
  return u;
}

absl::StatusOr<std::vector<Payload>> SkProtector::Open(std::span<const uint8_t> datagram) {
  absl::StatusOr<ProtectedLayout> layout =
      LocateProtected(datagram, sizes_.iv, sizes_.icv, sizes_.block);
  if (!layout.ok()) return layout.status();
  if (layout->fragment) {
    return absl::InvalidArgumentError("an SKF (fragment) message: use OpenFragment");
  }
  absl::StatusOr<Unprotected> u = Unprotect(datagram, *layout);
  if (!u.ok()) return u.status();
  Reader r(datagram);
  absl::StatusOr<Header> header = Header::Parse(r);
  if (!header.ok()) return header.status();
  if (absl::Status s = ValidateIkev2Header(*header, datagram.size()); !s.ok()) return s;
  absl::StatusOr<std::vector<Payload>> inner = ParsePayloadChain(
      u->first_inner, u->plaintext, {.base_offset = layout->ciphertext_begin, .inside_sk = true});
  if (!inner.ok()) return WithContext(inner.status(), "decrypted SK payload");
  return inner;
}

absl::StatusOr<FragmentInfo> SkProtector::InspectFragment(std::span<const uint8_t> datagram) const {
  absl::StatusOr<ProtectedLayout> layout =
      LocateProtected(datagram, sizes_.iv, sizes_.icv, sizes_.block);
  if (!layout.ok()) return layout.status();
  if (!layout->fragment) return CodecError("not an IKE Fragment message (SK, not SKF)");
  FragmentInfo info{.layout = *layout};
  Reader r(datagram);
  absl::StatusOr<Header> header = Header::Parse(r);
  if (!header.ok()) return header.status();
  info.header = *header;
  const size_t fields = layout->iv_begin - kFragmentFieldsSize;
  info.first_inner = datagram[fields - kGenericHeaderSize];
  info.number = static_cast<uint16_t>(datagram[fields] << 8 | datagram[fields + 1]);
  info.total = static_cast<uint16_t>(datagram[fields + 2] << 8 | datagram[fields + 3]);
  // RFC 7383 2.5 field rules (quoted where the codec's EncryptedFragmentPayload checks them).
  if (info.number == 0 || info.total == 0 || info.number > info.total) {
    return CodecError(absl::StrFormat("SKF payload: fragment %d of %d", info.number, info.total));
  }
  if (info.number > 1 && info.first_inner != 0) {
    return CodecError(absl::StrFormat("SKF payload: Next Payload %d in fragment %d",
                                      info.first_inner, info.number));
  }
  return info;
}

absl::StatusOr<OpenedFragment> SkProtector::OpenFragment(std::span<const uint8_t> datagram) {
  absl::StatusOr<FragmentInfo> info = InspectFragment(datagram);
  if (!info.ok()) return info.status();
  absl::StatusOr<Unprotected> u = Unprotect(datagram, info->layout);
  if (!u.ok()) return u.status();
  if (absl::Status s = ValidateIkev2Header(info->header, datagram.size()); !s.ok()) return s;
  return OpenedFragment{.header = info->header,
                        .number = info->number,
                        .total = info->total,
                        .first_inner = info->first_inner,
                        .plaintext = std::move(u->plaintext)};
}

}  // namespace tunnelisa::ike
