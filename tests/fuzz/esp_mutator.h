// Structure-aware mutation of ESP packets (RFC 4303), shared by the ESP fuzz targets
// (esp_decap, engine_public). Blind byte mutations mostly change the SPI (no SA: dropped at
// the lookup) or put the sequence number outside the replay window (dropped before the ICV),
// so little gets past the first two checks. This mutator keeps what those checks need and
// mutates the rest:
//  - the SPI is one of the target's known inbound SAs (now and then another value);
//  - the sequence number is at, just above, inside or just below the SA's replay window, as
//    the target reports its top (the highest authenticated sequence number);
//  - the payload inside is mutated by libFuzzer's byte mutators and the trailer rebuilt
//    (RFC 4303 2.4 padding 1, 2, 3, ... to the SA's block size, Pad Length, Next Header);
//  - now and then the padding, the Next Header, the raw body or the outer header is mutated
//    instead, and the outer IPv4/IPv6/UDP lengths (and the IPv4 header checksum) are fixed;
//  - one mutation in eight (and every input that is not ESP) is a plain byte-level one.
// Null crypto in "fuzz mode" accepts every ICV and decrypts to the same bytes, so the payload
// mutated here is what the inner checks see.
#ifndef TUNNELISA_TESTS_FUZZ_ESP_MUTATOR_H_
#define TUNNELISA_TESTS_FUZZ_ESP_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "tests/fuzz/custom_mutator.h"

namespace tunnelisa::fuzz {

// EspSa: what the mutator needs to know of one of the target's inbound SAs.
struct EspSa {
  uint32_t spi = 0;
  size_t iv = 0;     // IV octets after the sequence number
  size_t block = 4;  // (payload + 2) is padded to a multiple of this (RFC 4303 2.4)
  size_t icv = 0;
};

// WindowTop: the highest authenticated sequence number (low 32 bits) of the SA with `spi`.
using WindowTop = std::function<uint32_t(uint32_t spi)>;

struct EspPacket {
  std::vector<uint8_t> outer;  // IPv4/IPv6 header, and UDP header for ESP-in-UDP
  enum class Outer { kNone, kIpv4, kIpv6 } outer_kind = Outer::kNone;
  bool udp = false;  // `outer` ends with a UDP header
  uint32_t spi = 0;
  uint32_t seq = 0;
  // The body after the sequence number, split when the SPI is known and the trailer fits;
  // otherwise kept whole in `raw`.
  bool split = false;
  std::vector<uint8_t> iv, payload, padding, icv, raw;
  uint8_t next_header = 4;
};

namespace internal {

inline const EspSa* FindSa(std::span<const EspSa> sas, uint32_t spi) {
  for (const EspSa& sa : sas) {
    if (sa.spi == spi) return &sa;
  }
  return nullptr;
}

inline uint16_t Ipv4Checksum(const uint8_t* h, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += Be16(h + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// LocateEsp: the offset of the ESP header in an outer IP packet (ESP, or ESP-in-UDP on port
// 4500), or nullopt. Fills p->outer_kind and p->udp.
inline std::optional<size_t> LocateEsp(const uint8_t* d, size_t n, EspPacket* p) {
  if (n < 1) return std::nullopt;
  size_t hl = 0;
  uint8_t proto = 0;
  if (d[0] >> 4 == 4) {
    hl = static_cast<size_t>(d[0] & 15) * 4;
    if (hl < 20 || n < hl) return std::nullopt;
    proto = d[9];
    p->outer_kind = EspPacket::Outer::kIpv4;
  } else if (d[0] >> 4 == 6) {
    hl = 40;
    if (n < hl) return std::nullopt;
    proto = d[6];
    p->outer_kind = EspPacket::Outer::kIpv6;
  } else {
    return std::nullopt;
  }
  if (proto == 50) return hl;
  if (proto == 17 && n >= hl + 8 && Be16(d + hl + 2) == 4500) {
    p->udp = true;
    return hl + 8;
  }
  return std::nullopt;
}

}  // namespace internal

// ParseEsp: `d` is an outer IP packet (udp_payload false) or a UDP payload; nullopt when it
// holds no ESP header (a non-ESP marker, a keepalive, another protocol, too short).
inline std::optional<EspPacket> ParseEsp(const uint8_t* d, size_t n, bool udp_payload,
                                         std::span<const EspSa> sas) {
  EspPacket p;
  size_t at = 0;
  if (!udp_payload) {
    std::optional<size_t> located = internal::LocateEsp(d, n, &p);
    if (!located) return std::nullopt;
    at = *located;
  }
  if (n - at < 8) return std::nullopt;
  p.outer.assign(d, d + at);
  p.spi = Be32(d + at);
  if (p.spi == 0) return std::nullopt;  // RFC 3948 non-ESP marker: IKE
  p.seq = Be32(d + at + 4);
  const uint8_t* body = d + at + 8;
  const size_t body_size = n - at - 8;
  const EspSa* sa = internal::FindSa(sas, p.spi);
  if (sa != nullptr && body_size >= sa->iv + 2 + sa->icv) {
    const uint8_t* ct = body + sa->iv;
    const size_t ct_size = body_size - sa->iv - sa->icv;
    const size_t pad = ct[ct_size - 2];
    if (pad + 2 <= ct_size) {
      p.split = true;
      p.iv.assign(body, ct);
      p.payload.assign(ct, ct + ct_size - 2 - pad);
      p.padding.assign(ct + ct_size - 2 - pad, ct + ct_size - 2);
      p.next_header = ct[ct_size - 1];
      p.icv.assign(ct + ct_size, ct + ct_size + sa->icv);
      return p;
    }
  }
  p.raw.assign(body, body + body_size);
  return p;
}

// SerializeEsp: the packet with the outer lengths (and IPv4 checksum) fixed.
inline std::vector<uint8_t> SerializeEsp(const EspPacket& p) {
  std::vector<uint8_t> out(p.outer);
  out.resize(out.size() + 8);
  PutBe32(out.data() + p.outer.size(), p.spi);
  PutBe32(out.data() + p.outer.size() + 4, p.seq);
  if (p.split) {
    out.insert(out.end(), p.iv.begin(), p.iv.end());
    out.insert(out.end(), p.payload.begin(), p.payload.end());
    out.insert(out.end(), p.padding.begin(), p.padding.end());
    out.push_back(static_cast<uint8_t>(p.padding.size()));
    out.push_back(p.next_header);
    out.insert(out.end(), p.icv.begin(), p.icv.end());
  } else {
    out.insert(out.end(), p.raw.begin(), p.raw.end());
  }
  if (out.size() > 0xffff) return {};
  size_t hl = 0;
  if (p.outer_kind == EspPacket::Outer::kIpv4) {
    hl = static_cast<size_t>(out[0] & 15) * 4;
    if (hl < 20 || hl > p.outer.size()) return out;  // the outer header was mutated: as is
    PutBe16(out.data() + 2, out.size());
    out[10] = out[11] = 0;
    PutBe16(out.data() + 10, internal::Ipv4Checksum(out.data(), hl));
  } else if (p.outer_kind == EspPacket::Outer::kIpv6) {
    hl = 40;
    PutBe16(out.data() + 4, out.size() - hl);
  }
  if (p.udp && hl + 8 <= p.outer.size()) {
    PutBe16(out.data() + hl + 4, out.size() - hl);
    out[hl + 6] = out[hl + 7] = 0;  // no UDP checksum (RFC 3948 2.1 allows zero over IPv4)
  }
  return out;
}

namespace internal {

// Repad: RFC 4303 2.4's default padding (1, 2, 3, ...) so that payload + padding + 2 is a
// multiple of the SA's block size.
inline void Repad(EspPacket& p, const EspSa& sa) {
  const size_t block = sa.block == 0 ? 1 : sa.block;
  const size_t pad = (block - (p.payload.size() + 2) % block) % block;
  p.padding.resize(pad);
  for (size_t i = 0; i < pad; ++i) p.padding[i] = static_cast<uint8_t>(i + 1);
}

// NearWindow: a sequence number at, above, inside or just below the window whose top is `top`
// (the default 64-packet window), or now and then one far away.
inline uint32_t NearWindow(uint32_t top, Rng& rng) {
  switch (rng.Below(8)) {
    case 0:
    case 1:
    case 2:
      return top + 1;
    case 3:
      return top + 2 + static_cast<uint32_t>(rng.Below(64));
    case 4:
      return top - static_cast<uint32_t>(rng.Below(64));  // inside: a replay, or a gap filled
    case 5:
      return top - 64 - static_cast<uint32_t>(rng.Below(8));  // just below the window
    case 6:
      return rng.OneIn(3) ? 0 : 0xffffffffu - static_cast<uint32_t>(rng.Below(2));
    default:
      return rng.U32();
  }
}

}  // namespace internal

// MutateEspBytes: a structure-aware mutation of the ESP packet in d[0, n) (an outer IP packet,
// or a UDP payload when udp_payload), in place; returns the new size (at most max_size).
inline size_t MutateEspBytes(uint8_t* d, size_t n, size_t max_size, Rng& rng, bool udp_payload,
                             std::span<const EspSa> sas, const WindowTop& window_top) {
  std::optional<EspPacket> p = ParseEsp(d, n, udp_payload, sas);
  if (!p || sas.empty() || rng.OneIn(8)) return LLVMFuzzerMutate(d, n, max_size);
  const size_t budget = max_size > n ? max_size - n : 0;
  // The SPI: kept when known; otherwise (and now and then) a known one.
  if (internal::FindSa(sas, p->spi) == nullptr || rng.OneIn(16)) {
    p->spi = sas[rng.Below(sas.size())].spi;
  }
  const EspSa* sa = internal::FindSa(sas, p->spi);
  if (!p->split) {
    // Give it the known SA's framing around whatever the body was.
    p->split = true;
    p->iv.assign(sa->iv, 0xa5);
    p->icv.assign(sa->icv, 0);
    p->payload = std::move(p->raw);
    p->raw.clear();
    internal::Repad(*p, *sa);
  }
  // The sequence number is (re)placed near the window on most mutations: the window moves as
  // the target accepts packets.
  if (!rng.OneIn(4)) p->seq = internal::NearWindow(window_top(p->spi), rng);
  switch (rng.Below(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:  // the payload (the inner packet), then the trailer rebuilt
      MutateBytes(p->payload, std::min<size_t>(budget, 256));
      internal::Repad(*p, *sa);
      break;
    case 5: {  // Next Header: IPv4, IPv6, GRE, "no next header" (dummy packet), anything
      static constexpr uint8_t kNext[] = {4, 41, 47, 59, 17};
      p->next_header = rng.OneIn(6) ? rng.Byte() : kNext[rng.Below(sizeof(kNext))];
      break;
    }
    case 6:  // the padding as it is (wrong padding, wrong alignment)
      MutateBytes(p->padding, std::min<size_t>(budget, 16));
      if (p->padding.size() > 255) p->padding.resize(255);
      break;
    case 7: {  // the whole body raw: IV, ciphertext, trailer and ICV (truncation included)
      std::vector<uint8_t> raw = p->iv;
      raw.insert(raw.end(), p->payload.begin(), p->payload.end());
      raw.insert(raw.end(), p->padding.begin(), p->padding.end());
      raw.push_back(static_cast<uint8_t>(p->padding.size()));
      raw.push_back(p->next_header);
      raw.insert(raw.end(), p->icv.begin(), p->icv.end());
      MutateBytes(raw, std::min<size_t>(budget, 64));
      p->split = false;
      p->raw = std::move(raw);
      break;
    }
    case 8:  // the outer header, same size (its lengths are fixed again below)
      if (!p->outer.empty()) {
        const size_t size = p->outer.size();
        MutateBytes(p->outer, 0);
        p->outer.resize(size);
      }
      break;
    default:  // the sequence number alone
      p->seq = internal::NearWindow(window_top(p->spi), rng);
      break;
  }
  return Emit(SerializeEsp(*p), d, n, max_size);
}

}  // namespace tunnelisa::fuzz

#endif  // TUNNELISA_TESTS_FUZZ_ESP_MUTATOR_H_
