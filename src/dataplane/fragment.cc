#include "dataplane/fragment.h"

#include <algorithm>
#include <cstring>

#include "dataplane/ip_header.h"

namespace tunnelisa::dataplane {
namespace {

// CopiedOptions: writes the options of header `h` (ihl bytes) whose copy flag is set into
// `out` (up to 40 bytes), padded with End of Option List to a 4-byte boundary; returns bytes.
//= https://www.rfc-editor.org/rfc/rfc791#section-3.1
//# The copied flag indicates that this option is copied into all fragments on fragmentation.
uint32_t CopiedOptions(const uint8_t* h, uint32_t ihl, uint8_t* out) {
  uint32_t n = 0;
  for (uint32_t i = 20; i < ihl;) {
    const uint8_t type = h[i];
    if (type == 0) break;  // End of Option List
    if (type == 1) {       // No Operation: not copied
      ++i;
      continue;
    }
    if (i + 1 >= ihl) break;
    const uint32_t len = h[i + 1];
    if (len < 2 || i + len > ihl) break;  // malformed: copy nothing more
    if (type & 0x80) {
      std::memcpy(out + n, h + i, len);
      n += len;
    }
    i += len;
  }
  while (n % 4 != 0) out[n++] = 0;
  return n;
}

}  // namespace

Ipv4FragmentPlan PlanIpv4Fragments(const uint8_t* p, uint32_t mtu) {
  Ipv4FragmentPlan plan;
  uint8_t opts[40];
  plan.first_header = (p[0] & 0x0f) * 4u;
  plan.other_header = 20 + CopiedOptions(p, plan.first_header, opts);
  const uint32_t data = Load16(p + 2) - plan.first_header;
  plan.first_chunk = (mtu - plan.first_header) & ~7u;
  plan.other_chunk = (mtu - plan.other_header) & ~7u;
  const uint32_t rest = data > plan.first_chunk ? data - plan.first_chunk : 0;
  plan.extra = (rest + plan.other_chunk - 1) / plan.other_chunk;
  return plan;
}

DropReason FragmentIpv4(PacketRef& p, const Ipv4FragmentPlan& plan, std::span<PacketRef> out) {
  uint8_t* h = p.mutable_data();
  const uint32_t data = Load16(h + 2) - plan.first_header;
  if (out.size() < plan.extra) return DropReason::kNoSpareBuffer;
  for (uint32_t k = 0; k < plan.extra; ++k) {
    const uint32_t off = plan.first_chunk + k * plan.other_chunk;
    const uint32_t len = std::min(plan.other_chunk, data - off);
    if (out[k].capacity < out[k].offset + plan.other_header + len) {
      return DropReason::kNoSpareBuffer;
    }
  }
  const uint16_t frag_word = Load16(h + 6);
  const uint32_t base = (frag_word & 0x1fffu) * 8;
  const bool last_had_mf = (frag_word & 0x2000) != 0;
  const uint16_t keep_flags = frag_word & 0x8000;  // reserved bit (DF is clear)

  uint8_t header[60];
  std::memcpy(header, h, 20);
  const uint32_t opt_len = CopiedOptions(h, plan.first_header, header + 20);
  header[0] = static_cast<uint8_t>(0x40 | (20 + opt_len) / 4);
  for (uint32_t k = 0; k < plan.extra; ++k) {
    const uint32_t off = plan.first_chunk + k * plan.other_chunk;
    const uint32_t len = std::min(plan.other_chunk, data - off);
    const bool last = k + 1 == plan.extra;
    uint8_t* f = out[k].buffer + out[k].offset;
    std::memcpy(f, header, plan.other_header);
    Store16(f + 2, static_cast<uint16_t>(plan.other_header + len));
    uint16_t word = static_cast<uint16_t>(keep_flags | (base + off) / 8);
    if (!last || last_had_mf) word |= 0x2000;
    Store16(f + 6, word);
    f[10] = f[11] = 0;
    Store16(f + 10, InternetChecksum(f, plan.other_header));
    std::memcpy(f + plan.other_header, h + plan.first_header + off, len);
    out[k].length = plan.other_header + len;
  }
  // The first fragment, in place.
  Store16(h + 2, static_cast<uint16_t>(plan.first_header + plan.first_chunk));
  Store16(h + 6, static_cast<uint16_t>(keep_flags | 0x2000 | base / 8));
  h[10] = h[11] = 0;
  Store16(h + 10, InternetChecksum(h, plan.first_header));
  p.length = plan.first_header + plan.first_chunk;
  return DropReason::kNone;
}

}  // namespace tunnelisa::dataplane
