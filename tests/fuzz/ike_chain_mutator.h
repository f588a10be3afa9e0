// The IKEv2 chain walker and structure-aware mutation shared by the IKEv2 fuzz targets
// (ike_message, ike_responder). Blind byte mutations of an IKE datagram mostly break the
// header's Length (which must equal the datagram's size) or a payload length, and the codec
// refuses the message at its first check; this mutator keeps the framing right and mutates the
// content instead:
//  - the IKE header's Next Payload and Length, every generic header's Next Payload and Payload
//    Length are recomputed after each mutation (RFC 7296 3.1, 3.2);
//  - payloads are mutated inside their bodies (libFuzzer's byte mutators), inserted, removed,
//    duplicated, swapped, retyped, flagged critical, or moved into or out of the SK payload;
//  - the SK payload (always kept last) is split as the target frames it under null crypto
//    (IV || inner payloads || Padding || Pad Length || ICV: SkFraming), so its inner chain
//    gets the same treatment;
//  - header fields (exchange type, flags, message ID, version, SPIs) get plausible values;
//  - one mutation in eight (and every input that does not walk) is a plain byte-level one, so
//    the framing checks themselves stay fuzzed.
#ifndef TUNNELISA_TESTS_FUZZ_IKE_CHAIN_MUTATOR_H_
#define TUNNELISA_TESTS_FUZZ_IKE_CHAIN_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tests/fuzz/custom_mutator.h"

namespace tunnelisa::fuzz {

inline constexpr size_t kIkeHeaderSize = 28;
inline constexpr size_t kGenericHeaderSize = 4;
inline constexpr size_t kMaxWalkedPayloads = 64;  // the codec's kMaxPayloadsPerChain
inline constexpr uint8_t kPayloadSk = 46;
inline constexpr uint8_t kPayloadSkf = 53;

// SkFraming: how the target's SK bodies are laid out around the inner chain (null crypto: the
// "ciphertext" is the padded plaintext).
struct SkFraming {
  size_t iv = 0;
  size_t icv = 0;
};

struct IkeChainPayload {
  uint8_t type = 0;
  uint8_t flags = 0;          // the octet after Next Payload: critical bit and RESERVED
  std::vector<uint8_t> body;  // SK with a walked inner chain: unused (see below)
  // SK and SKF only: the generic header's Next Payload (the first inner payload's type) when
  // the body is kept whole.
  uint8_t first_inner = 0;
  // SK whose body split as SkFraming says: IV, inner chain, Padding || Pad Length, ICV.
  bool walked = false;
  std::vector<uint8_t> iv, padding, icv;
  std::vector<IkeChainPayload> inner;
};

struct IkeDatagram {
  std::vector<uint8_t> header;  // kIkeHeaderSize octets as received
  std::vector<IkeChainPayload> payloads;
  std::vector<uint8_t> trailing;  // octets after the chain, kept (the codec must refuse them)
};

namespace internal {

// WalkChain: the payloads from `first` over [p, p + n); false when a Payload Length does not
// fit. An SK or SKF payload ends the chain (its Next Payload names the first inner payload).
// `*used` is the number of octets the chain took.
inline bool WalkChain(uint8_t first, const uint8_t* p, size_t n, const SkFraming& sk, bool outer,
                      std::vector<IkeChainPayload>* out, size_t* used) {
  uint8_t next = first;
  size_t pos = 0;
  while (next != 0 && out->size() < kMaxWalkedPayloads) {
    if (n - pos < kGenericHeaderSize) return false;
    const size_t len = Be16(p + pos + 2);
    if (len < kGenericHeaderSize || len > n - pos) return false;
    IkeChainPayload pl;
    pl.type = next;
    pl.flags = p[pos + 1];
    const uint8_t following = p[pos];
    const uint8_t* body = p + pos + kGenericHeaderSize;
    const size_t body_size = len - kGenericHeaderSize;
    pos += len;
    if (outer && (next == kPayloadSk || next == kPayloadSkf)) {
      pl.first_inner = following;
      pl.body.assign(body, body + body_size);
      size_t inner_used = 0;
      if (next == kPayloadSk && body_size >= sk.iv + sk.icv + 1 &&
          WalkChain(following, body + sk.iv, body_size - sk.iv - sk.icv, sk, false, &pl.inner,
                    &inner_used)) {
        pl.walked = true;
        pl.iv.assign(body, body + sk.iv);
        pl.padding.assign(body + sk.iv + inner_used, body + body_size - sk.icv);
        pl.icv.assign(body + body_size - sk.icv, body + body_size);
        pl.body.clear();
      } else {
        pl.inner.clear();
      }
      out->push_back(std::move(pl));
      break;
    }
    pl.body.assign(body, body + body_size);
    out->push_back(std::move(pl));
    next = following;
  }
  *used = pos;
  return true;
}

inline uint8_t FirstInner(const IkeChainPayload& sk) {
  if (!sk.walked) return sk.first_inner;
  return sk.inner.empty() ? 0 : sk.inner.front().type;
}

// SerializeChain: appends the chain with every Next Payload and Payload Length recomputed;
// false when a payload outgrows the 16-bit length.
inline bool SerializeChain(const std::vector<IkeChainPayload>& chain, std::vector<uint8_t>* out) {
  for (size_t i = 0; i < chain.size(); ++i) {
    const IkeChainPayload& pl = chain[i];
    const size_t at = out->size();
    const bool sk = pl.type == kPayloadSk || pl.type == kPayloadSkf;
    const uint8_t next = sk ? FirstInner(pl) : (i + 1 < chain.size() ? chain[i + 1].type : 0);
    out->insert(out->end(), {next, pl.flags, 0, 0});
    if (pl.walked) {
      out->insert(out->end(), pl.iv.begin(), pl.iv.end());
      if (!SerializeChain(pl.inner, out)) return false;
      // Pad Length must exist (RFC 7296 3.14): an empty padding becomes Pad Length 0.
      if (pl.padding.empty()) {
        out->push_back(0);
      } else {
        out->insert(out->end(), pl.padding.begin(), pl.padding.end());
      }
      out->insert(out->end(), pl.icv.begin(), pl.icv.end());
    } else {
      out->insert(out->end(), pl.body.begin(), pl.body.end());
    }
    const size_t len = out->size() - at;
    if (len > 0xffff) return false;
    PutBe16(out->data() + at + 2, len);
  }
  return true;
}

}  // namespace internal

// WalkIkeDatagram: the datagram as header and payload chain, or nullopt when it is shorter
// than an IKE header or a payload length does not fit.
inline std::optional<IkeDatagram> WalkIkeDatagram(const uint8_t* data, size_t size,
                                                  const SkFraming& sk) {
  if (size < kIkeHeaderSize) return std::nullopt;
  IkeDatagram d;
  d.header.assign(data, data + kIkeHeaderSize);
  size_t used = 0;
  if (!internal::WalkChain(data[16], data + kIkeHeaderSize, size - kIkeHeaderSize, sk, true,
                           &d.payloads, &used)) {
    return std::nullopt;
  }
  d.trailing.assign(data + kIkeHeaderSize + used, data + size);
  return d;
}

// SerializeIkeDatagram: header (Next Payload and Length recomputed), chain, trailing octets;
// empty when a payload outgrew its 16-bit length.
inline std::vector<uint8_t> SerializeIkeDatagram(const IkeDatagram& d) {
  std::vector<uint8_t> out(d.header);
  if (!internal::SerializeChain(d.payloads, &out)) return {};
  out.insert(out.end(), d.trailing.begin(), d.trailing.end());
  out[16] = d.payloads.empty() ? 0 : d.payloads.front().type;
  PutBe32(out.data() + 24, static_cast<uint32_t>(out.size()));
  return out;
}

namespace internal {

// The payload types a mutation picks from (RFC 7296 3.2, RFC 7383), SK excepted.
inline constexpr uint8_t kPlainTypes[] = {33, 34, 35, 36, 37, 38, 39, 40,
                                          41, 42, 43, 44, 45, 47, 48};

struct ChainRef {
  std::vector<IkeChainPayload>* chain;
  size_t movable;  // payloads [0, movable) may be reordered: an outer SK/SKF stays last
};

inline std::vector<ChainRef> Chains(IkeDatagram& d) {
  std::vector<ChainRef> chains;
  size_t movable = d.payloads.size();
  if (movable > 0 &&
      (d.payloads.back().type == kPayloadSk || d.payloads.back().type == kPayloadSkf)) {
    --movable;
  }
  chains.push_back({&d.payloads, movable});
  if (movable < d.payloads.size() && d.payloads.back().walked) {
    chains.push_back({&d.payloads.back().inner, d.payloads.back().inner.size()});
  }
  return chains;
}

// MutateHeader: one header field to a value the state machines branch on.
inline void MutateHeader(std::vector<uint8_t>& h, Rng& rng) {
  switch (rng.Below(6)) {
    case 0: {  // Exchange Type: IKE_SA_INIT .. INFORMATIONAL, or anything
      static constexpr uint8_t kExchanges[] = {34, 35, 36, 37, 33, 38, 43};
      h[18] = kExchanges[rng.Below(sizeof(kExchanges))];
      break;
    }
    case 1:  // Flags: Initiator, Version, Response
      h[19] ^= static_cast<uint8_t>(0x08 << rng.Below(3));
      break;
    case 2: {  // Message ID: near the current one, small, or anything
      const uint32_t id = Be32(h.data() + 20);
      const uint32_t choices[] = {id + 1, id - 1, static_cast<uint32_t>(rng.Below(4)), rng.U32(),
                                  0xffffffffu};
      PutBe32(h.data() + 20, choices[rng.Below(5)]);
      break;
    }
    case 3: {  // Version
      static constexpr uint8_t kVersions[] = {0x20, 0x21, 0x30, 0x10};
      h[17] = kVersions[rng.Below(sizeof(kVersions))];
      break;
    }
    case 4:  // Responder SPI: zero (as in IKE_SA_INIT) or one octet changed
      if (rng.OneIn(2)) {
        std::fill(h.begin() + 8, h.begin() + 16, 0);
      } else {
        h[rng.Below(16)] = rng.Byte();
      }
      break;
    default: {  // a few header octets through the byte mutators (the lengths are rewritten)
      std::vector<uint8_t> fields(h.begin() + 17, h.begin() + 24);
      MutateBytes(fields, 0);
      fields.resize(7);
      std::copy(fields.begin(), fields.end(), h.begin() + 17);
      break;
    }
  }
}

// MutateOnce: one structural mutation; `budget` is how many octets the datagram may grow.
inline void MutateOnce(IkeDatagram& d, size_t budget, Rng& rng) {
  std::vector<ChainRef> chains = Chains(d);
  ChainRef c = chains[rng.Below(chains.size())];
  std::vector<IkeChainPayload>& v = *c.chain;
  IkeChainPayload* sk = chains.size() > 1 ? &d.payloads.back() : nullptr;
  switch (rng.Below(12)) {
    case 0:
    case 1:
    case 2:
    case 3: {  // a payload's body through the byte mutators (the most useful one)
      if (c.movable == 0) break;
      IkeChainPayload& pl = v[rng.Below(c.movable)];
      MutateBytes(pl.body, std::min<size_t>(budget, 256));
      break;
    }
    case 4:  // remove
      if (c.movable > 0) v.erase(v.begin() + static_cast<ptrdiff_t>(rng.Below(c.movable)));
      break;
    case 5: {  // duplicate, at any place of the same chain
      if (c.movable == 0) break;
      IkeChainPayload copy = v[rng.Below(c.movable)];
      if (copy.body.size() + kGenericHeaderSize > budget) break;
      v.insert(v.begin() + static_cast<ptrdiff_t>(rng.Below(c.movable + 1)), std::move(copy));
      break;
    }
    case 6:  // swap
      if (c.movable >= 2) std::swap(v[rng.Below(c.movable)], v[rng.Below(c.movable)]);
      break;
    case 7: {  // a new payload of a known type with a few random octets
      if (budget < kGenericHeaderSize + 8) break;
      IkeChainPayload pl;
      pl.type = kPlainTypes[rng.Below(sizeof(kPlainTypes))];
      pl.body.resize(rng.Below(9));
      for (uint8_t& b : pl.body) b = rng.Byte();
      v.insert(v.begin() + static_cast<ptrdiff_t>(rng.Below(c.movable + 1)), std::move(pl));
      break;
    }
    case 8:  // retype: a known type, now and then any octet
      if (c.movable > 0) {
        v[rng.Below(c.movable)].type =
            rng.OneIn(8) ? rng.Byte() : kPlainTypes[rng.Below(sizeof(kPlainTypes))];
      }
      break;
    case 9:  // the critical bit, or a RESERVED bit
      if (c.movable > 0) v[rng.Below(c.movable)].flags ^= rng.OneIn(4) ? 0x01 : 0x80;
      break;
    case 10:  // move a payload into the SK payload or out of it
      if (sk != nullptr) {
        std::vector<IkeChainPayload>& from = rng.OneIn(2) ? d.payloads : sk->inner;
        const size_t from_movable = &from == &d.payloads ? chains[0].movable : from.size();
        if (from_movable == 0) break;
        const size_t i = rng.Below(from_movable);
        IkeChainPayload pl = std::move(from[i]);
        from.erase(from.begin() + static_cast<ptrdiff_t>(i));
        if (&from == &d.payloads) {
          sk = &d.payloads.back();  // the erase moved it
          sk->inner.insert(
              sk->inner.begin() + static_cast<ptrdiff_t>(rng.Below(sk->inner.size() + 1)),
              std::move(pl));
        } else {
          d.payloads.insert(
              d.payloads.begin() + static_cast<ptrdiff_t>(rng.Below(d.payloads.size())),
              std::move(pl));
        }
      }
      break;
    default:
      if (sk != nullptr && rng.OneIn(3)) {
        // SK framing: Padding || Pad Length (or the IV) through the byte mutators.
        MutateBytes(rng.OneIn(2) ? sk->padding : sk->iv, std::min<size_t>(budget, 16));
      } else {
        MutateHeader(d.header, rng);
      }
      break;
  }
}

}  // namespace internal

// MutateIkeDatagram: a structure-aware mutation of the IKEv2 datagram in data[0, size), in
// place; returns the new size (at most max_size).
inline size_t MutateIkeDatagram(uint8_t* data, size_t size, size_t max_size, unsigned seed,
                                const SkFraming& sk) {
  Rng rng(seed);
  std::optional<IkeDatagram> d = WalkIkeDatagram(data, size, sk);
  if (!d || rng.OneIn(8)) return LLVMFuzzerMutate(data, size, max_size);
  const size_t budget = max_size > size ? max_size - size : 0;
  const size_t rounds = 1 + rng.Below(3);
  for (size_t i = 0; i < rounds; ++i) internal::MutateOnce(*d, budget, rng);
  return Emit(SerializeIkeDatagram(*d), data, size, max_size);
}

}  // namespace tunnelisa::fuzz

#endif  // TUNNELISA_TESTS_FUZZ_IKE_CHAIN_MUTATOR_H_
