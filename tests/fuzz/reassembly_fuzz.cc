// libFuzzer target: outer fragment reassembly (IPv4 RFC 791 / IPv6 RFC 8200) as GRE / IP-IP
// decapsulation reaches it, plus the GRE / IP-IP decapsulation of whatever completes. Build
// with clang and -DTUNNELISA_FUZZ=ON.
//
// Input: a sequence of records [length: 2 bytes big-endian][time step: 1 byte, milliseconds]
// [length bytes: one outer IP packet], each decapsulated as a burst of one with one spare
// buffer. The Reassembler is small (8 datagrams, 16 fragments each, 1 s timeout) so eviction,
// limits and timeouts are all reachable. Seeds: tests/fuzz/corpus/reassembly/ (GRE packets
// fragmented in order, out of order, overlapping, IPv6 fragments, a tiny first fragment).
//
// Invariants checked (a trap is a finding): pool memory in use never exceeds the pool; a
// delivered packet lies inside its buffer; every reassembler fragment is accounted for.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "tunnelisa/gre_ipip.h"
#include "tunnelisa/reassembly.h"
#include "tunnelisa/wire_constants.h"

namespace {

using namespace tunnelisa;

struct Target {
  std::unique_ptr<Reassembler> reassembler;
  std::unique_ptr<IpTunnelDataplane> dp;
  std::vector<uint8_t> spare_buf = std::vector<uint8_t>(kPacketHeadroom + 70000);
  MonoTime now{0};

  Target() {
    reassembler = Reassembler::Create({.memory_cap_bytes = 160 << 10,
                                       .max_datagrams = 8,
                                       .max_fragments_per_datagram = 16,
                                       .timeout = Duration::Seconds(1)})
                      .value();
    dp = IpTunnelDataplane::Create({.reassembler = reassembler.get()}).value();
    auto add = [&](IpTunnelType type, const char* local, const char* remote, bool key) {
      IpTunnelConfig c;
      c.type = type;
      c.local = *IpAddress::Parse(local);
      c.remote = *IpAddress::Parse(remote);
      if (key) c.key = 0x1234abcd;
      c.reassembly = true;
      (void)dp->Add(c);
    };
    add(IpTunnelType::kGre, "192.0.2.1", "198.51.100.1", false);
    add(IpTunnelType::kGre, "192.0.2.1", "198.51.100.1", true);
    add(IpTunnelType::kIpIp, "192.0.2.1", "198.51.100.1", false);
    add(IpTunnelType::kGre, "2001:db8::1", "2001:db8::2", false);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Target* target = new Target();
  std::vector<uint8_t> buf;
  while (size >= 3) {
    const size_t len = static_cast<size_t>(data[0] << 8 | data[1]);
    target->now = target->now + Duration::Milliseconds(data[2]);
    data += 3;
    size -= 3;
    const size_t n = len < size ? len : size;
    buf.assign(kPacketHeadroom + n + kPacketTailroom, 0);
    PacketRef p =
        PacketRef::WithHeadroom(buf.data(), static_cast<uint32_t>(buf.size()), kPacketHeadroom);
    if (n != 0) std::memcpy(p.Append(static_cast<uint32_t>(n)), data, n);
    data += n;
    size -= n;

    PacketRef spare = PacketRef::WithHeadroom(
        target->spare_buf.data(), static_cast<uint32_t>(target->spare_buf.size()), kPacketHeadroom);
    Verdict sv;
    uint32_t origin = 0;
    SpareBuffers spares{{&spare, 1}, {&sv, 1}, {&origin, 1}, 0};
    Verdict v;
    target->dp->Decap({&p, 1}, {&v, 1}, target->now, &spares);
    if (v.action == Verdict::Action::kDeliver && p.offset + p.length > p.capacity) {
      __builtin_trap();
    }
    if (spares.used == 1 && sv.action == Verdict::Action::kDeliver &&
        spare.offset + spare.length > spare.capacity) {
      __builtin_trap();
    }
    const Reassembler& r = *target->reassembler;
    if (r.memory_in_use() > r.pool_bytes()) __builtin_trap();
    const ReassemblyCounters& c = r.counters();
    uint64_t dropped = 0;
    for (uint64_t d : c.drops) dropped += d;
    if (c.fragments < c.fragments_reassembled + dropped) __builtin_trap();
  }
  target->now = target->now + Duration::Seconds(2);
  target->reassembler->OnTimer(target->now);
  if (target->reassembler->memory_in_use() != 0) __builtin_trap();
  return 0;
}
