// Inbound ESP tunnel mode (RFC 4303 section 3.4): outer packet in, inner IP packet out, in
// place. Per packet, in this order: outer header checks, SAD lookup, replay check (no state
// change), ICV verification and decryption (one backend call per burst), replay window update,
// padding and next-header checks, inner packet checks, selector check.
#include <cstring>

#include "dataplane/esp_auth.h"
#include "dataplane/esp_dataplane_impl.h"
#include "dataplane/ip_header.h"

namespace tunnelisa {

using dataplane::InnerIp;
using dataplane::Load16;
using dataplane::Load32;
using dataplane::OuterIp;
using dataplane::Sa;
using dataplane::SaHot;

namespace {

bool SelectorsMatch(const SaConfig& c, const uint8_t* inner, uint8_t version) {
  auto any_contains = [](const std::vector<IpPrefix>& ps, const IpAddress& a) {
    if (ps.empty()) return true;
    for (const IpPrefix& p : ps) {
      if (p.Contains(a)) return true;
    }
    return false;
  };
  return any_contains(c.remote_selectors, dataplane::InnerSource(inner, version)) &&
         any_contains(c.local_selectors, dataplane::InnerDestination(inner, version));
}

}  // namespace

void EspDataplane::Impl::Decrypt(std::span<PacketRef> packets, std::span<Verdict> verdicts,
                                 MonoTime now, InboundFormat format) {
  const size_t n = std::min(packets.size(), verdicts.size());
  for (size_t base = 0; base < n; base += kMaxBurst) {
    size_t m = std::min(kMaxBurst, n - base);
    DecryptChunk(packets.subspan(base, m), verdicts.subspan(base, m), now, format);
  }
  FlushEvents();
}

void EspDataplane::Impl::DecryptChunk(std::span<PacketRef> packets, std::span<Verdict> verdicts,
                                      MonoTime now, InboundFormat format) {
  // Three passes over the burst so that its memory misses overlap instead of queueing: parse
  // every header (prefetching each SPI's hash slot), then look every SA up (prefetching its
  // hot line and replay window), then check and queue the crypto. With a million SAs each
  // pass's loads are cache misses; issued 32 at a time they cost about one.
  struct Parsed {
    uint32_t esp_off;  // 0 = already decided (dropped or consumed)
    uint32_t esp_len;
    uint32_t spi;
    uint8_t outer_tos;
    IpAddress dst;  // only with SadLookup::kSpiAndDestination
  };
  CryptoOp ops[kMaxBurst];
  InboundPending pend[kMaxBurst];
  Parsed parsed[kMaxBurst];
  Sa* sas[kMaxBurst];
  size_t nops = 0;
  ++batch_epoch_;
  const bool by_dst = sad_.lookup() == SadLookup::kSpiAndDestination;
  const size_t n = packets.size();

  for (size_t i = 0; i < n; ++i) {
    PacketRef& p = packets[i];
    Verdict& v = verdicts[i];
    Parsed& pr = parsed[i];
    v = Verdict{};
    pr.esp_off = 0;
    const uint8_t* d = p.data();
    uint32_t len = p.length;
    uint32_t esp_off = 0;
    if (len > kMaxIpPacketSize) {
      Drop(v, nullptr, DropReason::kOversized);
      continue;
    }
    bool udp = format == InboundFormat::kUdpPayload;
    if (format == InboundFormat::kOuterIp) {
      OuterIp o;
      if (DropReason r = dataplane::ParseOuterIp(d, len, o, by_dst); r != DropReason::kNone) {
        Drop(v, nullptr, r);
        continue;
      }
      len = o.total_len;  // bytes after the IP length are link padding
      pr.outer_tos = o.tos;
      if (by_dst) pr.dst = o.dst;
      esp_off = o.header_len;
      if (o.protocol == kProtoUdp) {
        if (len - esp_off < kUdpHeaderSize) {
          Drop(v, nullptr, DropReason::kTruncated);
          continue;
        }
        const uint8_t* u = d + esp_off;
        if (Load16(u + 4) != len - esp_off) {
          Drop(v, nullptr, DropReason::kBadUdpLength);
          continue;
        }
        if (Load16(u + 2) != options_.natt_port) {
          Drop(v, nullptr, DropReason::kNotForUs);
          continue;
        }
        esp_off += kUdpHeaderSize;
        udp = true;
      } else if (o.protocol != kProtoEsp) {
        Drop(v, nullptr, DropReason::kNotForUs);
        continue;
      }
    } else {
      pr.outer_tos = 0;
    }
    const uint32_t esp_len = len - esp_off;
    const uint8_t* esp = d + esp_off;
    if (udp) {
      //= https://www.rfc-editor.org/rfc/rfc3948#section-2.3
      //# A NAT-keepalive packet is a UDP packet with a single octet payload of 0xFF.
      if (esp_len == 1 && esp[0] == 0xff) {
        v.action = Verdict::Action::kConsumed;
        ++counters_.nat_keepalives;
        continue;
      }
      //= https://www.rfc-editor.org/rfc/rfc3948#section-2.2
      //# The Non-ESP Marker is 4 bytes of zero aligning with the SPI field of an ESP packet.
      if (esp_len >= kNonEspMarkerSize && Load32(esp) == 0) {
        v.action = Verdict::Action::kToControl;
        ++counters_.to_control;
        continue;
      }
    }
    if (esp_len < kEspHeaderSize) {
      Drop(v, nullptr, DropReason::kTruncated);
      continue;
    }
    pr.esp_off = esp_off == 0 ? UINT32_MAX : esp_off;  // UINT32_MAX: ESP at offset 0
    pr.esp_len = esp_len;
    pr.spi = Load32(esp);
    sad_.PrefetchInbound(pr.spi);
  }

  for (size_t i = 0; i < n; ++i) {
    sas[i] = nullptr;
    if (parsed[i].esp_off == 0) continue;
    Sa* sa = sad_.FindInbound(parsed[i].spi, parsed[i].dst);
    sas[i] = sa;
    if (sa != nullptr) {
      __builtin_prefetch(&sa->hot);  // everything the checks read before crypto
    }
  }

  for (size_t i = 0; i < n; ++i) {
    Parsed& pr = parsed[i];
    if (pr.esp_off == 0) continue;
    Verdict& v = verdicts[i];
    PacketRef& p = packets[i];
    const uint32_t esp_off = pr.esp_off == UINT32_MAX ? 0 : pr.esp_off;
    const uint32_t esp_len = pr.esp_len;
    const uint8_t outer_tos = pr.outer_tos;
    const uint8_t* esp = p.data() + esp_off;
    Sa* sa = sas[i];
    if (sa == nullptr) {
      Drop(v, nullptr, DropReason::kUnknownSpi);
      continue;
    }
    SaHot& h = sa->hot;
    v.sa = h.index;
    if (h.expired || now.ns >= h.hard_deadline_ns) {
      if (!h.expired) Expire(*sa, LifetimeKind::kTime, true, now);
      DropDeferred(v, *sa, DropReason::kSaExpired);
      continue;
    }
    if (esp_len < kEspHeaderSize + h.iv_size + h.icv_size + kEspTrailerFixedSize) {
      DropDeferred(v, *sa, DropReason::kTruncated);
      continue;
    }
    const uint32_t ct_len = esp_len - kEspHeaderSize - h.iv_size - h.icv_size;
    // RFC 4303 section 2.4: the ciphertext fills whole blocks and ends on a 4-byte boundary.
    if (ct_len % h.block_size != 0 || ct_len % 4 != 0) {
      DropDeferred(v, *sa, DropReason::kBadEspLength);
      continue;
    }
    const uint32_t seq_low = Load32(esp + 4);
    uint64_t seq = seq_low;
    if (!h.esn && seq_low == 0) {
      DropDeferred(v, *sa, DropReason::kSeqZero);
      continue;
    }
    if (h.replay_on && !h.esn && seq_low > h.seq) {
      // In order (the common case): newer than anything authenticated, so no need to read
      // the window's ring (RFC 4303 section 3.4.3: "new" packets pass the check).
    } else if (h.replay_on) {
      const uint64_t batch_top = h.esn && sa->batch_epoch == batch_epoch_ ? sa->batch_top : 0;
      dataplane::ReplayWindow::CheckResult c = sa->replay.Check(seq_low, batch_top);
      if (c.ambiguous) {
        // An ESN burst crossing a 2^32 boundary: finish the batch so far, then read this
        // packet against the window those packets (if authentic) moved.
        CompleteInbound(ops, pend, nops, packets, verdicts, now);
        nops = 0;
        ++batch_epoch_;
        c = sa->replay.Check(seq_low);
      }
      if (c.reason != DropReason::kNone) {
        DropDeferred(v, *sa, c.reason);
        continue;
      }
      seq = c.seq;
    }
    uint8_t* mesp = p.mutable_data() + esp_off;
    CryptoOp& op = ops[nops];
    op = CryptoOp{};
    op.key = h.key;
    op.iv = mesp + kEspHeaderSize;
    op.data = op.iv + h.iv_size;
    op.len = ct_len;
    op.icv = op.data + ct_len;
    dataplane::SetEspAuthData(op, h, mesp, ct_len, seq);
    if (h.esn) {
      if (sa->batch_epoch != batch_epoch_) {
        sa->batch_epoch = batch_epoch_;
        sa->batch_top = 0;
      }
      sa->batch_top = std::max(sa->batch_top, seq);
    }
    pend[nops] = InboundPending{sa, seq, outer_tos, static_cast<uint8_t>(i)};
    ++nops;
  }
  CompleteInbound(ops, pend, nops, packets, verdicts, now);
  FlushDeferredDrops();
}

void EspDataplane::Impl::CompleteInbound(CryptoOp* ops, InboundPending* pend, size_t nops,
                                         std::span<PacketRef> packets, std::span<Verdict> verdicts,
                                         MonoTime now) {
  if (nops == 0) return;

  // One backend call per run of ops that share a backend (normally the whole burst).
  for (size_t start = 0; start < nops;) {
    CryptoBackend* b = pend[start].sa->hot.backend;
    size_t end = start + 1;
    while (end < nops && pend[end].sa->hot.backend == b) ++end;
    b->Process(std::span<CryptoOp>(ops + start, end - start));
    start = end;
  }

  for (size_t k = 0; k < nops; ++k) {
    const CryptoOp& op = ops[k];
    InboundPending& pd = pend[k];
    Sa& sa = *pd.sa;
    PacketRef& p = packets[pd.index];
    Verdict& v = verdicts[pd.index];
    if (!op.ok) {
      Drop(v, &sa, DropReason::kBadIcv);
      continue;
    }
    //= https://www.rfc-editor.org/rfc/rfc4303#section-3.4.3
    //# the receiver updates the window only if the integrity verification succeeds.
    if (sa.hot.replay_on) {
      if (DropReason r = sa.replay.Update(pd.seq); r != DropReason::kNone) {
        Drop(v, &sa, r);
        continue;
      }
      sa.hot.seq = sa.replay.top();
    }
    const uint8_t next_header = op.data[op.len - 1];
    const uint8_t pad_len = op.data[op.len - 2];
    if (pad_len + 2u > op.len) {
      Drop(v, &sa, DropReason::kBadPadding);
      continue;
    }
    const uint32_t inner_len = op.len - 2 - pad_len;
    // RFC 4303 section 2.4: padding bytes are 1, 2, 3, ... when the sender used the default.
    bool pad_ok = true;
    for (uint32_t j = 0; j < pad_len; ++j) {
      pad_ok &= op.data[inner_len + j] == static_cast<uint8_t>(j + 1);
    }
    if (!pad_ok) {
      Drop(v, &sa, DropReason::kBadPadding);
      continue;
    }
    //= https://www.rfc-editor.org/rfc/rfc4303#section-2.6
    //# the receiver MUST be prepared to silently discard [dummy packets] (Next Header 59).
    if (next_header == kProtoNoNext) {
      Drop(v, &sa, DropReason::kDummyPacket);
      continue;
    }
    if (next_header != kProtoIpv4InIp && next_header != kProtoIpv6InIp) {
      Drop(v, &sa, DropReason::kBadNextHeader);
      continue;
    }
    InnerIp inner;
    if (dataplane::ParseInnerIp(op.data, inner_len, inner) != DropReason::kNone ||
        inner.version != (next_header == kProtoIpv4InIp ? 4 : 6)) {
      Drop(v, &sa, DropReason::kMalformedInner);
      continue;
    }
    if (sa.hot.has_selectors && !SelectorsMatch(sa.config, op.data, inner.version)) {
      Drop(v, &sa, DropReason::kSelectorMismatch);
      continue;
    }
    // RFC 6040 section 4.2 (decapsulation): outer CE marks an ECN-capable inner packet CE; a
    // CE outer over a Not-ECT inner packet is dropped.
    if ((pd.outer_tos & 3) == 3 && (inner.tos & 3) != 3) {
      if ((inner.tos & 3) == 0) {
        Drop(v, &sa, DropReason::kEcnCeNotEct);
        continue;
      }
      dataplane::SetInnerEcnCe(op.data, inner.version);
    }
    // The inner packet may be followed by TFC padding (RFC 4303 section 2.7): its own length
    // field says where it ends.
    p.offset = static_cast<uint32_t>(op.data - p.buffer);
    p.length = inner.length;
    v.action = Verdict::Action::kDeliver;
    v.sa = sa.hot.index;
    ++counters_.decrypted_packets;
    Account(sa, inner.length, now);
  }
}

}  // namespace tunnelisa
