// Inbound ESP tunnel mode (RFC 4303 section 3.4): outer packet in, inner IP packet out, in
// place. Per packet, in this order: outer header checks, SAD lookup, replay check (no state
// change), ICV verification and decryption (one backend call per burst), replay window update,
// padding and next-header checks, inner packet checks, selector check.
#include <cstring>
#include <new>

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
  // Passes over the burst so that its memory misses overlap instead of queueing: (1) parse
  // every header, prefetching each SPI's InboundRecord (the SPI table's bucket); (2a) find
  // the records, all probes at once (SpiTable::FindBurst); (2b) run the pre-crypto checks on
  // the record alone, counting drops in it and prefetching the Sa's lines for the packets
  // that pass; (3) read the replay window where needed and queue the crypto. With a million
  // SAs a packet dropped before crypto costs one cache line (its record), 32-64 in flight.
  struct Parsed {
    uint32_t esp_off;  // 0 = already decided (dropped or consumed)
    uint32_t esp_len;
    uint32_t spi;
    uint32_t ct_len;
    uint8_t outer_tos;
    dataplane::InboundRecord* rec;
    Sa* sa;
    // dst: constructed only with SadLookup::kSpiAndDestination.
    union Dst {
      Dst() {}
      IpAddress addr;
    } dst;
  };
  // The arrays are filled as they are used: default-constructing them (IpAddress, CryptoOp
  // zero their members) would write ~9 KB per call, ~3 ns per packet of a 32-packet burst.
  alignas(CryptoOp) unsigned char ops_storage[sizeof(CryptoOp) * kMaxBurst];
  CryptoOp* ops = reinterpret_cast<CryptoOp*>(ops_storage);
  InboundPending pend[kMaxBurst];
  Parsed parsed[kMaxBurst];
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
    if (by_dst) new (&pr.dst.addr) IpAddress();
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
      if (by_dst) pr.dst.addr = o.dst;
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

  // Pass 2a: find the records (with kSpi, all probes of the burst at once).
  if (by_dst) {
    for (size_t i = 0; i < n; ++i) {
      Parsed& pr = parsed[i];
      if (pr.esp_off != 0) pr.rec = sad_.FindRecord(pr.spi, pr.dst.addr);
    }
  } else {
    uint32_t spis[kMaxBurst];
    uint8_t which[kMaxBurst];
    dataplane::InboundRecord* recs[kMaxBurst];
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      if (parsed[i].esp_off == 0) continue;
      spis[m] = parsed[i].spi;
      which[m++] = static_cast<uint8_t>(i);
    }
    sad_.FindRecordBurst(spis, m, recs);
    for (size_t k = 0; k < m; ++k) parsed[which[k]].rec = recs[k];
  }

  // Pass 2b: everything decided from the record alone; drops are counted in the record.
  for (size_t i = 0; i < n; ++i) {
    Parsed& pr = parsed[i];
    if (pr.esp_off == 0) continue;
    Verdict& v = verdicts[i];
    dataplane::InboundRecord* rec = pr.rec;
    if (rec == nullptr) {
      Drop(v, nullptr, DropReason::kUnknownSpi);
      pr.esp_off = 0;
      continue;
    }
    v.sa = rec->index;
    if (now.ns >= rec->hard_deadline_ns) {
      if (rec->hard_deadline_ns != INT64_MIN) {
        Expire(sad_.Live(rec->index), LifetimeKind::kTime, true, now);
        rec->hard_deadline_ns = INT64_MIN;  // Expire did this too, through RecordOf
      }
      DropPreAuth(v, *rec, DropReason::kSaExpired);
      pr.esp_off = 0;
      continue;
    }
    const uint32_t esp_len = pr.esp_len;
    if (esp_len < kEspHeaderSize + rec->iv_size + rec->icv_size + kEspTrailerFixedSize) {
      DropPreAuth(v, *rec, DropReason::kTruncated);
      pr.esp_off = 0;
      continue;
    }
    const uint32_t ct_len = esp_len - kEspHeaderSize - rec->iv_size - rec->icv_size;
    // RFC 4303 section 2.4: the ciphertext fills whole blocks and ends on a 4-byte boundary.
    if (ct_len % rec->block_size != 0 || ct_len % 4 != 0) {
      DropPreAuth(v, *rec, DropReason::kBadEspLength);
      pr.esp_off = 0;
      continue;
    }
    const uint32_t esp_off = pr.esp_off == UINT32_MAX ? 0 : pr.esp_off;
    const uint32_t seq_low = Load32(packets[i].data() + esp_off + 4);
    const bool esn = rec->flags & dataplane::InboundRecord::kEsn;
    if (!esn && seq_low == 0) {
      DropPreAuth(v, *rec, DropReason::kSeqZero);
      pr.esp_off = 0;
      continue;
    }
    pr.ct_len = ct_len;
    // Going on to crypto: start loading the Sa's lines pass 3 and CompleteInbound use.
    Sa* sa = &sad_.Live(rec->index);
    pr.sa = sa;
    __builtin_prefetch(&sa->hot);
    __builtin_prefetch(&sa->hot.soft_packets, 1);
    if (rec->flags & dataplane::InboundRecord::kReplayOn) __builtin_prefetch(&sa->replay, 1);
  }

  // Pass 3: the replay check, in packet order, then the crypto op.
  for (size_t i = 0; i < n; ++i) {
    Parsed& pr = parsed[i];
    if (pr.esp_off == 0) continue;
    Verdict& v = verdicts[i];
    PacketRef& p = packets[i];
    const uint32_t esp_off = pr.esp_off == UINT32_MAX ? 0 : pr.esp_off;
    dataplane::InboundRecord& rec = *pr.rec;
    if (rec.hard_deadline_ns == INT64_MIN) {
      // Hard-expired by the packets of an earlier batch of this burst (see `ambiguous`).
      DropPreAuth(v, rec, DropReason::kSaExpired);
      continue;
    }
    Sa* sa = pr.sa;
    uint8_t* mesp = p.mutable_data() + esp_off;
    const uint32_t seq_low = Load32(mesp + 4);
    uint64_t seq = seq_low;
    const bool esn = rec.flags & dataplane::InboundRecord::kEsn;
    if (!(rec.flags & dataplane::InboundRecord::kReplayOn) || (!esn && seq_low > rec.top)) {
      // No window, or in order (the common case): newer than anything authenticated, so no
      // need to read the window's ring (RFC 4303 section 3.4.3: "new" packets pass the check).
    } else {
      const uint64_t batch_top = esn && sa->batch_epoch == batch_epoch_ ? sa->batch_top : 0;
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
        DropPreAuth(v, rec, c.reason);
        continue;
      }
      seq = c.seq;
    }
    const SaHot& h = sa->hot;
    const uint32_t ct_len = pr.ct_len;
    CryptoOp& op = *new (&ops[nops]) CryptoOp{};
    op.key = h.key;
    op.iv = mesp + kEspHeaderSize;
    op.data = op.iv + h.iv_size;
    op.len = ct_len;
    op.icv = op.data + ct_len;
    dataplane::SetEspAuthData(op, h, mesp, ct_len, seq);
    if (esn) {
      if (sa->batch_epoch != batch_epoch_) {
        sa->batch_epoch = batch_epoch_;
        sa->batch_top = 0;
      }
      sa->batch_top = std::max(sa->batch_top, seq);
    }
    pend[nops] = InboundPending{sa, &rec, seq, pr.outer_tos, static_cast<uint8_t>(i)};
    ++nops;
  }
  CompleteInbound(ops, pend, nops, packets, verdicts, now);
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
      pd.rec->top = sa.hot.seq;
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
