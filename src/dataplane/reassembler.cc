// Reassembler: RFC 791 / RFC 815 reassembly of outer IPv4 fragments and RFC 8200 section 4.5
// reassembly of IPv6 fragments, over a pool allocated once.
//
// Pool: fragment data lives in fixed-size blocks (a fragment takes a chain of them), each
// fragment has a record (offset, length, first block, next fragment in offset order), each
// pending datagram a record (key, deadline, fragment list, the first fragment's header). A
// chained hash table of fixed size finds datagrams by (family, source, destination, id,
// protocol). Datagrams also sit on a list in arrival order, which is deadline order because
// the timeout is one constant: expiry and eviction both take from its old end.
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "dataplane/ip_header.h"
#include "tunnelisa/reassembly.h"

namespace tunnelisa {

using dataplane::Load16;
using dataplane::Load32;
using dataplane::Store16;

namespace {

constexpr uint32_t kNil = UINT32_MAX;
constexpr uint32_t kBlockData = 248;
// kMaxHeader: the first fragment's header kept for the datagram (IPv4: up to 60 bytes; IPv6:
// the unfragmentable part, fixed header plus extension headers before the Fragment header).
constexpr uint32_t kMaxHeader = 128;
constexpr uint32_t kMaxIpv4Datagram = 65535;

struct Block {
  uint8_t data[kBlockData];
  uint32_t next;
  uint32_t unused;
};
static_assert(sizeof(Block) == 256);

struct FragKey {
  uint8_t family = 0;
  uint8_t proto = 0;
  uint32_t id = 0;
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};
  bool operator==(const FragKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const FragKey& k) {
    return H::combine(std::move(h), k.family, k.proto, k.id, k.src, k.dst);
  }
};

struct FragRec {
  uint32_t offset;
  uint32_t len;
  uint32_t first_block;
  uint32_t next;
};

struct Datagram {
  FragKey key;
  uint32_t hash_next = kNil;
  uint32_t older = kNil;
  uint32_t newer = kNil;
  int64_t deadline_ns = 0;
  uint32_t frags = kNil;  // in offset order, never overlapping
  uint32_t nfrags = 0;
  uint32_t blocks = 0;
  uint32_t received = 0;  // data bytes held
  uint32_t total = 0;     // data bytes of the whole datagram once the last fragment is known
  uint32_t max_end = 0;   // highest end offset held
  bool have_first = false;
  bool have_last = false;
  bool abandoned = false;
  DropReason abandon_reason = DropReason::kNone;
  uint8_t version = 0;
  uint8_t next_header = 0;  // IPv6: the Fragment header's Next Header (first fragment)
  uint16_t nh_offset = 0;   // IPv6: where the header's Next Header byte to patch sits
  uint16_t header_len = 0;
  std::array<uint8_t, kMaxHeader> header{};
};

// Parsed: one fragment's fields.
struct Parsed {
  FragKey key;
  uint32_t unfrag_len = 0;  // bytes before the fragmentable part's header (IPv6: before the
                            // Fragment header; IPv4: the IP header)
  uint32_t data_start = 0;  // where the fragment's data starts
  uint32_t offset = 0;
  uint32_t len = 0;
  bool more = false;
  uint8_t next_header = 0;
  uint16_t nh_offset = 0;
};

uint32_t RoundUpPow2(uint32_t v) {
  uint32_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

}  // namespace

class Reassembler::Impl {
 public:
  explicit Impl(const ReassemblyOptions& o) : options_(o) {}

  absl::Status Init();
  ReassemblyResult Add(std::span<const uint8_t> fragment, MonoTime now, PacketRef& out);
  MonoTime OnTimer(MonoTime now);

  ReassemblyOptions options_;
  ReassemblyCounters counters_;
  size_t pending_ = 0;
  size_t blocks_in_use_ = 0;
  size_t frags_in_use_ = 0;

  size_t pool_bytes() const {
    return blocks_.size() * sizeof(Block) + frags_.size() * sizeof(FragRec) +
           dgrams_.size() * sizeof(Datagram) + buckets_.size() * sizeof(uint32_t);
  }
  size_t memory_in_use() const {
    return blocks_in_use_ * sizeof(Block) + frags_in_use_ * sizeof(FragRec) +
           pending_ * sizeof(Datagram);
  }

 private:
  DropReason Parse(std::span<const uint8_t> f, Parsed& out) const;
  uint32_t Find(const FragKey& k, uint32_t bucket) const;
  uint32_t Create(const FragKey& k, uint32_t bucket, MonoTime now);
  // Release: frees the datagram's fragments, budget and record.
  void Release(uint32_t d);
  // Discard: releases a datagram whose held fragments were not reassembled, counting them.
  void Discard(uint32_t d, DropReason why);
  // FreeFragments: returns the fragments and blocks of `d` to the pool.
  void FreeFragments(Datagram& d);
  // Abandon: drops the fragments of `d` but keeps the record until its deadline, so that the
  // later fragments of the datagram are discarded too (RFC 5722 section 4).
  void Abandon(uint32_t d, DropReason why);
  // EvictOldest: discards the oldest pending datagram other than `keep`; false if none.
  bool EvictOldest(uint32_t keep);
  // TakeBlocks: reserves `n` blocks (evicting other datagrams when needed).
  bool TakeBlocks(uint32_t n, uint32_t keep);
  void WriteDatagram(const Datagram& d, uint8_t* out) const;
  ReassemblyResult Refuse(DropReason r) {
    ++counters_.drops[static_cast<size_t>(r)];
    return {ReassemblyResult::kDropped, r};
  }

  std::vector<Block> blocks_;
  std::vector<FragRec> frags_;
  std::vector<Datagram> dgrams_;
  std::vector<uint32_t> buckets_;
  uint32_t bucket_mask_ = 0;
  uint32_t free_block_ = kNil;
  uint32_t free_frag_ = kNil;
  uint32_t free_dgram_ = kNil;
  uint32_t oldest_ = kNil;
  uint32_t newest_ = kNil;
};

absl::Status Reassembler::Impl::Init() {
  const ReassemblyOptions& o = options_;
  if (o.max_datagrams == 0 || o.max_fragments_per_datagram == 0 || o.timeout.ns <= 0) {
    return absl::InvalidArgumentError("reassembly: limits must be positive");
  }
  const uint32_t nbuckets = RoundUpPow2(2 * o.max_datagrams);
  const size_t records = o.max_datagrams * sizeof(Datagram) + nbuckets * sizeof(uint32_t);
  // One maximal datagram must fit, or nothing above a few fragments could ever complete; each
  // fragment may waste up to one block to rounding.
  const size_t min_blocks =
      (kMaxIpv4Datagram + kBlockData - 1) / kBlockData + o.max_fragments_per_datagram;
  const size_t per_block = sizeof(Block) + sizeof(FragRec);
  if (o.memory_cap_bytes < records + min_blocks * per_block) {
    return absl::InvalidArgumentError(
        "reassembly: memory cap below the datagram records plus "
        "one 64 KiB datagram");
  }
  const size_t nblocks = std::min<size_t>((o.memory_cap_bytes - records) / per_block, kNil - 1);
  blocks_.resize(nblocks);
  frags_.resize(nblocks);  // a fragment holds at least one block
  dgrams_.resize(o.max_datagrams);
  buckets_.assign(nbuckets, kNil);
  bucket_mask_ = nbuckets - 1;
  for (size_t i = 0; i < nblocks; ++i) {
    blocks_[i].next = i + 1 < nblocks ? static_cast<uint32_t>(i + 1) : kNil;
    frags_[i].next = i + 1 < nblocks ? static_cast<uint32_t>(i + 1) : kNil;
  }
  for (size_t i = 0; i < dgrams_.size(); ++i) {
    dgrams_[i].hash_next = i + 1 < dgrams_.size() ? static_cast<uint32_t>(i + 1) : kNil;
  }
  free_block_ = free_frag_ = free_dgram_ = 0;
  return absl::OkStatus();
}

DropReason Reassembler::Impl::Parse(std::span<const uint8_t> f, Parsed& out) const {
  const uint8_t* p = f.data();
  const size_t size = f.size();
  if (size < 20) return DropReason::kFragmentMalformed;
  if (p[0] >> 4 == 4) {
    const uint32_t ihl = (p[0] & 0x0f) * 4u;
    const uint32_t total = Load16(p + 2);
    if (ihl < 20 || total < ihl || total > size) return DropReason::kFragmentMalformed;
    const uint16_t word = Load16(p + 6);
    out.offset = (word & 0x1fffu) * 8;
    out.more = (word & 0x2000) != 0;
    out.unfrag_len = ihl;
    out.data_start = ihl;
    out.len = total - ihl;
    out.key.family = 4;
    out.key.proto = p[9];
    out.key.id = Load16(p + 4);
    std::memcpy(out.key.src.data(), p + 12, 4);
    std::memcpy(out.key.dst.data(), p + 16, 4);
    if (out.unfrag_len + out.offset + out.len > kMaxIpv4Datagram) {
      return DropReason::kFragmentMalformed;
    }
  } else if (p[0] >> 4 == 6) {
    if (size < 40) return DropReason::kFragmentMalformed;
    const uint32_t total = 40u + Load16(p + 4);
    if (total > size) return DropReason::kFragmentMalformed;
    uint8_t nh = p[6];
    uint32_t pos = 40;
    uint32_t nh_offset = 6;
    for (int hops = 0; (nh == 0 || nh == 43 || nh == 60) && hops < 8; ++hops) {
      if (pos + 2 > total) return DropReason::kFragmentMalformed;
      nh_offset = pos;
      nh = p[pos];
      pos += (p[pos + 1] + 1u) * 8;
    }
    if (nh != 44 || pos + 8 > total || pos > kMaxHeader) return DropReason::kFragmentMalformed;
    const uint16_t word = Load16(p + pos + 2);
    out.offset = word & 0xfff8u;
    out.more = (word & 1) != 0;
    out.next_header = p[pos];
    out.nh_offset = static_cast<uint16_t>(nh_offset);
    out.unfrag_len = pos;
    out.data_start = pos + 8;
    out.len = total - pos - 8;
    out.key.family = 6;
    out.key.id = Load32(p + pos + 4);
    std::memcpy(out.key.src.data(), p + 8, 16);
    std::memcpy(out.key.dst.data(), p + 24, 16);
    //= https://www.rfc-editor.org/rfc/rfc8200#section-4.5
    //# If the length and offset of a fragment are such that the Payload Length of the packet
    //# reassembled from that fragment would exceed 65,535 octets, then that fragment must be
    //# discarded
    if (out.unfrag_len - 40 + out.offset + out.len > kMaxIpv4Datagram) {
      return DropReason::kFragmentMalformed;
    }
  } else {
    return DropReason::kFragmentMalformed;
  }
  // A packet that is not a fragment (IPv6 atomic fragments, RFC 6946, are handled: they
  // complete at once).
  if (out.key.family == 4 && !out.more && out.offset == 0) return DropReason::kFragmentMalformed;
  //= https://www.rfc-editor.org/rfc/rfc8200#section-4.5
  //# If the length of a fragment, as derived from the fragment packet's Payload Length field,
  //# is not a multiple of 8 octets and the M flag of that fragment is 1, then that fragment
  //# must be discarded
  if (out.more && out.len % 8 != 0) return DropReason::kFragmentMalformed;
  if (out.len == 0) return DropReason::kFragmentMalformed;
  if (out.offset == 0 && out.more && out.len < options_.min_first_fragment_payload) {
    return DropReason::kFragmentTiny;
  }
  return DropReason::kNone;
}

uint32_t Reassembler::Impl::Find(const FragKey& k, uint32_t bucket) const {
  for (uint32_t d = buckets_[bucket]; d != kNil; d = dgrams_[d].hash_next) {
    if (dgrams_[d].key == k) return d;
  }
  return kNil;
}

uint32_t Reassembler::Impl::Create(const FragKey& k, uint32_t bucket, MonoTime now) {
  if (free_dgram_ == kNil) EvictOldest(kNil);
  const uint32_t idx = free_dgram_;
  Datagram& d = dgrams_[idx];
  free_dgram_ = d.hash_next;
  d = Datagram{};
  d.key = k;
  d.deadline_ns = (now + options_.timeout).ns;
  d.hash_next = buckets_[bucket];
  buckets_[bucket] = idx;
  d.older = newest_;
  if (newest_ != kNil) dgrams_[newest_].newer = idx;
  newest_ = idx;
  if (oldest_ == kNil) oldest_ = idx;
  ++pending_;
  return idx;
}

void Reassembler::Impl::FreeFragments(Datagram& d) {
  for (uint32_t f = d.frags; f != kNil;) {
    FragRec& r = frags_[f];
    const uint32_t next = r.next;
    uint32_t b = r.first_block;
    while (b != kNil) {
      const uint32_t nb = blocks_[b].next;
      blocks_[b].next = free_block_;
      free_block_ = b;
      b = nb;
    }
    r.next = free_frag_;
    free_frag_ = f;
    --frags_in_use_;
    f = next;
  }
  blocks_in_use_ -= d.blocks;
  if (options_.budget != nullptr && d.blocks != 0) {
    options_.budget->Release(d.blocks * sizeof(Block));
  }
  d.frags = kNil;
  d.blocks = 0;
  d.nfrags = 0;
  d.received = 0;
}

void Reassembler::Impl::Release(uint32_t idx) {
  Datagram& d = dgrams_[idx];
  FreeFragments(d);
  // Unlink from the hash chain.
  const uint32_t bucket = static_cast<uint32_t>(absl::Hash<FragKey>{}(d.key)) & bucket_mask_;
  for (uint32_t* link = &buckets_[bucket]; *link != kNil; link = &dgrams_[*link].hash_next) {
    if (*link == idx) {
      *link = d.hash_next;
      break;
    }
  }
  // Unlink from the age list.
  if (d.older != kNil) dgrams_[d.older].newer = d.newer;
  if (d.newer != kNil) dgrams_[d.newer].older = d.older;
  if (oldest_ == idx) oldest_ = d.newer;
  if (newest_ == idx) newest_ = d.older;
  d.hash_next = free_dgram_;
  free_dgram_ = idx;
  --pending_;
}

void Reassembler::Impl::Discard(uint32_t idx, DropReason why) {
  Datagram& d = dgrams_[idx];
  counters_.fragments_discarded += d.nfrags;
  counters_.drops[static_cast<size_t>(why)] += d.nfrags;
  Release(idx);
}

void Reassembler::Impl::Abandon(uint32_t idx, DropReason why) {
  Datagram& d = dgrams_[idx];
  ++counters_.datagrams_abandoned;
  counters_.fragments_discarded += d.nfrags;
  counters_.drops[static_cast<size_t>(why)] += d.nfrags;
  FreeFragments(d);
  d.abandoned = true;
  d.abandon_reason = why;
}

bool Reassembler::Impl::EvictOldest(uint32_t keep) {
  uint32_t victim = oldest_;
  if (victim == keep && victim != kNil) victim = dgrams_[victim].newer;
  if (victim == kNil) return false;
  ++counters_.datagrams_evicted;
  Discard(victim, DropReason::kReassemblyMemory);
  return true;
}

bool Reassembler::Impl::TakeBlocks(uint32_t n, uint32_t keep) {
  while (blocks_.size() - blocks_in_use_ < n) {
    if (!EvictOldest(keep)) return false;
  }
  if (options_.budget != nullptr) {
    while (!options_.budget->TryCharge(n * sizeof(Block))) {
      if (!EvictOldest(keep)) return false;
    }
  }
  return true;
}

void Reassembler::Impl::WriteDatagram(const Datagram& d, uint8_t* out) const {
  std::memcpy(out, d.header.data(), d.header_len);
  uint8_t* w = out + d.header_len;
  for (uint32_t f = d.frags; f != kNil; f = frags_[f].next) {
    uint32_t left = frags_[f].len;
    for (uint32_t b = frags_[f].first_block; left != 0; b = blocks_[b].next) {
      const uint32_t n = std::min(left, kBlockData);
      std::memcpy(w, blocks_[b].data, n);
      w += n;
      left -= n;
    }
  }
  const uint32_t size = d.header_len + d.total;
  if (d.version == 4) {
    Store16(out + 2, static_cast<uint16_t>(size));
    Store16(out + 6, Load16(out + 6) & 0xc000);  // keep DF and the reserved bit
    out[10] = out[11] = 0;
    Store16(out + 10, dataplane::InternetChecksum(out, d.header_len));
  } else {
    Store16(out + 4, static_cast<uint16_t>(size - 40));
    out[d.nh_offset] = d.next_header;
  }
}

ReassemblyResult Reassembler::Impl::Add(std::span<const uint8_t> fragment, MonoTime now,
                                        PacketRef& out) {
  ++counters_.fragments;
  if (!options_.enabled) return Refuse(DropReason::kReassemblyDisabled);
  Parsed f;
  if (DropReason r = Parse(fragment, f); r != DropReason::kNone) return Refuse(r);
  OnTimer(now);  // expire what is due, so a late host timer never extends a deadline

  const uint32_t bucket = static_cast<uint32_t>(absl::Hash<FragKey>{}(f.key)) & bucket_mask_;
  uint32_t idx = Find(f.key, bucket);
  if (idx == kNil) idx = Create(f.key, bucket, now);
  Datagram& d = dgrams_[idx];
  //= https://www.rfc-editor.org/rfc/rfc5722#section-4
  //# the entire datagram (and any constituent fragments, including those not yet received)
  //# MUST be silently discarded.
  if (d.abandoned) return Refuse(d.abandon_reason);
  if (d.nfrags + 1 > options_.max_fragments_per_datagram) {
    Abandon(idx, DropReason::kFragmentTooMany);
    return Refuse(DropReason::kFragmentTooMany);
  }
  const uint32_t end = f.offset + f.len;
  const bool inconsistent = (!f.more && d.have_last && end != d.total) ||
                            (!f.more && !d.have_last && d.max_end > end) ||
                            (f.more && d.have_last && end > d.total);
  if (inconsistent) {
    Abandon(idx, DropReason::kFragmentMalformed);
    return Refuse(DropReason::kFragmentMalformed);
  }
  // Find the insertion point; reject overlaps.
  uint32_t prev = kNil;
  for (uint32_t c = d.frags; c != kNil; c = frags_[c].next) {
    const FragRec& r = frags_[c];
    if (r.offset >= end) break;
    if (r.offset + r.len > f.offset) {
      //= https://www.rfc-editor.org/rfc/rfc5722#section-4
      //# an implementation may choose to detect this case and drop exact duplicate fragments
      //# while keeping the other fragments belonging to the datagram.
      if (r.offset == f.offset && r.len == f.len) return Refuse(DropReason::kFragmentDuplicate);
      Abandon(idx, DropReason::kFragmentOverlap);
      return Refuse(DropReason::kFragmentOverlap);
    }
    prev = c;
  }
  const uint32_t need = (f.len + kBlockData - 1) / kBlockData;
  if (!TakeBlocks(need, idx)) return Refuse(DropReason::kReassemblyMemory);
  // Copy the data into a chain of blocks.
  const uint32_t fi = free_frag_;
  free_frag_ = frags_[fi].next;
  ++frags_in_use_;
  FragRec& rec = frags_[fi];
  rec.offset = f.offset;
  rec.len = f.len;
  rec.first_block = free_block_;
  const uint8_t* src = fragment.data() + f.data_start;
  uint32_t left = f.len;
  uint32_t b = free_block_;
  uint32_t last = kNil;
  while (left != 0) {
    const uint32_t n = std::min(left, kBlockData);
    std::memcpy(blocks_[b].data, src, n);
    src += n;
    left -= n;
    last = b;
    b = blocks_[b].next;
  }
  free_block_ = b;
  blocks_[last].next = kNil;
  blocks_in_use_ += need;
  d.blocks += need;
  rec.next = prev == kNil ? d.frags : frags_[prev].next;
  if (prev == kNil) {
    d.frags = fi;
  } else {
    frags_[prev].next = fi;
  }
  ++d.nfrags;
  d.received += f.len;
  d.max_end = std::max(d.max_end, end);
  if (f.offset == 0) {
    d.have_first = true;
    d.version = f.key.family;
    d.header_len = static_cast<uint16_t>(f.unfrag_len);
    std::memcpy(d.header.data(), fragment.data(), f.unfrag_len);
    d.next_header = f.next_header;
    d.nh_offset = f.nh_offset;
  }
  if (!f.more) {
    d.have_last = true;
    d.total = end;
  }
  if (!d.have_first || !d.have_last || d.received != d.total) {
    return {ReassemblyResult::kHeld, DropReason::kNone};
  }
  const uint32_t size = d.header_len + d.total;
  if (size - (d.version == 6 ? 40 : 0) > kMaxIpv4Datagram) {
    Discard(idx, DropReason::kFragmentMalformed);
    return {ReassemblyResult::kDropped, DropReason::kFragmentMalformed};
  }
  if (out.buffer == nullptr || out.capacity < out.offset || out.capacity - out.offset < size) {
    Discard(idx, DropReason::kNoSpareBuffer);
    return {ReassemblyResult::kDropped, DropReason::kNoSpareBuffer};
  }
  WriteDatagram(d, out.buffer + out.offset);
  out.length = size;
  ++counters_.datagrams_completed;
  counters_.fragments_reassembled += d.nfrags;
  Release(idx);
  return {ReassemblyResult::kComplete, DropReason::kNone};
}

MonoTime Reassembler::Impl::OnTimer(MonoTime now) {
  while (oldest_ != kNil && dgrams_[oldest_].deadline_ns <= now.ns) {
    if (!dgrams_[oldest_].abandoned) ++counters_.datagrams_timed_out;
    Discard(oldest_, DropReason::kReassemblyTimeout);
  }
  return oldest_ == kNil ? MonoTime::Infinite() : MonoTime{dgrams_[oldest_].deadline_ns};
}

// --------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Reassembler>> Reassembler::Create(const ReassemblyOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  if (absl::Status s = impl->Init(); !s.ok()) return s;
  return std::unique_ptr<Reassembler>(new Reassembler(std::move(impl)));
}

Reassembler::Reassembler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reassembler::~Reassembler() {
  // Return what is held to the shared budget.
  impl_->OnTimer(MonoTime::Infinite());
}

ReassemblyResult Reassembler::Add(std::span<const uint8_t> fragment, MonoTime now, PacketRef& out) {
  return impl_->Add(fragment, now, out);
}
MonoTime Reassembler::OnTimer(MonoTime now) { return impl_->OnTimer(now); }
void Reassembler::set_enabled(bool enabled) { impl_->options_.enabled = enabled; }
bool Reassembler::enabled() const { return impl_->options_.enabled; }
const ReassemblyCounters& Reassembler::counters() const { return impl_->counters_; }
size_t Reassembler::memory_in_use() const { return impl_->memory_in_use(); }
size_t Reassembler::pool_bytes() const { return impl_->pool_bytes(); }
size_t Reassembler::pending_datagrams() const { return impl_->pending_; }

}  // namespace tunnelisa
