// IpTunnelDataplane control path: tunnel table, demultiplexing keys, outer header templates.
#include "dataplane/gre_tunnel.h"

#include <cstring>

#include "dataplane/ip_header.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa {

using dataplane::DemuxKey;
using dataplane::IpTunnel;
using dataplane::PairInfo;
using dataplane::Store16;
using dataplane::Store32;

absl::StatusOr<std::unique_ptr<IpTunnelDataplane>> IpTunnelDataplane::Create(
    const IpTunnelOptions& o) {
  return std::unique_ptr<IpTunnelDataplane>(new IpTunnelDataplane(std::make_unique<Impl>(o)));
}

IpTunnelDataplane::IpTunnelDataplane(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IpTunnelDataplane::~IpTunnelDataplane() = default;

absl::StatusOr<IpTunnelHandle> IpTunnelDataplane::Add(const IpTunnelConfig& config) {
  return impl_->Add(config);
}
absl::Status IpTunnelDataplane::Remove(IpTunnelHandle t) { return impl_->Remove(t); }
absl::Status IpTunnelDataplane::SetActiveRemote(IpTunnelHandle t, TunnelRemote which) {
  return impl_->SetActiveRemote(t, which);
}
void IpTunnelDataplane::Encap(IpTunnelHandle t, std::span<PacketRef> packets,
                              std::span<Verdict> verdicts, MonoTime now, SpareBuffers* spares) {
  impl_->Encap(t, packets, verdicts, now, spares);
}
void IpTunnelDataplane::Decap(std::span<PacketRef> packets, std::span<Verdict> verdicts,
                              MonoTime now, SpareBuffers* spares) {
  impl_->Decap(packets, verdicts, now, spares);
}
std::optional<IpTunnelHandle> IpTunnelDataplane::Find(IpTunnelType type, const IpAddress& local,
                                                      const IpAddress& remote,
                                                      std::optional<uint32_t> key) const {
  return impl_->Find(type, local, remote, key);
}
const IpTunnelCounters* IpTunnelDataplane::Counters(IpTunnelHandle t) const {
  return impl_->Counters(t);
}
const IpTunnelGlobalCounters& IpTunnelDataplane::counters() const { return impl_->counters(); }
size_t IpTunnelDataplane::tunnel_count() const { return impl_->tunnel_count(); }

// --------------------------------------------------------------------------------------------

IpTunnel* IpTunnelDataplane::Impl::Get(IpTunnelHandle t) const {
  if (t.index == 0 || t.index >= tunnels_.size()) return nullptr;
  IpTunnel* tun = tunnels_[t.index].get();
  if (tun == nullptr || !tun->in_use || tun->generation != t.generation) return nullptr;
  return tun;
}

std::vector<DemuxKey> IpTunnelDataplane::Impl::KeysOf(const IpTunnelConfig& c) {
  std::vector<DemuxKey> keys;
  const uint8_t kind = c.type == IpTunnelType::kIpIp ? 2 : c.key.has_value() ? 1 : 0;
  keys.push_back({c.local, c.remote, kind, c.key.value_or(0)});
  if (c.backup_remote.is_set() && c.backup_remote != c.remote) {
    keys.push_back({c.local, c.backup_remote, kind, c.key.value_or(0)});
  }
  return keys;
}

absl::StatusOr<IpTunnelHandle> IpTunnelDataplane::Impl::Add(const IpTunnelConfig& c) {
  if (!c.local.is_set() || !c.remote.is_set() || c.local.family() != c.remote.family()) {
    return absl::InvalidArgumentError("ip-tunnel: local and remote must be set, same family");
  }
  if (c.backup_remote.is_set() && c.backup_remote.family() != c.local.family()) {
    return absl::InvalidArgumentError("ip-tunnel: backup-remote-ip family differs from local");
  }
  if (c.type == IpTunnelType::kIpIp && (c.key || c.gre_checksum || c.gre_sequence)) {
    return absl::InvalidArgumentError("ip-tunnel: key, checksum and sequence are GRE options");
  }
  if (c.dscp && *c.dscp > 63) return absl::InvalidArgumentError("ip-tunnel: dscp above 63");
  if (c.ttl == 0) return absl::InvalidArgumentError("ip-tunnel: ttl 0");
  // RFC 791: every host must accept 68-byte datagrams without further fragmentation.
  if (c.ip_mtu != 0 && c.ip_mtu < 68) return absl::InvalidArgumentError("ip-mtu below 68");
  if (c.icmp_source_v4.is_set() && !c.icmp_source_v4.is_v4()) {
    return absl::InvalidArgumentError("ip-tunnel: icmp_source_v4 is not IPv4");
  }
  if (c.icmp_source_v6.is_set() && !c.icmp_source_v6.is_v6()) {
    return absl::InvalidArgumentError("ip-tunnel: icmp_source_v6 is not IPv6");
  }
  const std::vector<DemuxKey> keys = KeysOf(c);
  for (const DemuxKey& k : keys) {
    if (demux_.contains(k)) {
      return absl::AlreadyExistsError("ip-tunnel: another tunnel terminates " + k.local.ToString() +
                                      " <- " + k.remote.ToString());
    }
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(tunnels_.size());
    tunnels_.push_back(std::make_unique<IpTunnel>());
  }
  IpTunnel& t = *tunnels_[index];
  const uint32_t generation = t.generation + 1;
  t = IpTunnel{};
  t.generation = generation;
  t.index = index;
  t.in_use = true;
  t.config = c;
  t.outer_v6 = c.local.is_v6();
  t.ip_size = t.outer_v6 ? kIpv6HeaderSize : kIpv4HeaderSize;
  t.gre = c.type == IpTunnelType::kGre;
  t.gre_csum = t.gre && c.gre_checksum;
  if (t.gre) {
    t.gre_size = static_cast<uint8_t>(4 + (c.gre_checksum ? 4 : 0) + (c.key ? 4 : 0));
    if (c.gre_sequence) {
      t.seq_offset = t.gre_size;
      t.gre_size += 4;
    }
  }
  t.header_size = static_cast<uint8_t>(t.ip_size + t.gre_size);
  t.clear_df = c.clear_df;
  t.reassembly = c.reassembly;
  t.dscp = c.dscp ? *c.dscp : 0xff;
  t.ip_mtu = c.ip_mtu;
  t.icmp.Configure(c.icmp_rate, c.icmp_burst);
  WriteTemplate(t);
  for (const DemuxKey& k : keys) {
    demux_[k] = index;
    if (k.local.is_v4()) demux4_[dataplane::ToV4(k)] = index;
    PairInfo& p = pairs_[{k.local, k.remote}];
    ++p.tunnels;
    p.gre_tunnels += t.gre ? 1 : 0;
    p.reassembly += c.reassembly ? 1 : 0;
  }
  ++live_tunnels_;
  return IpTunnelHandle{index, generation};
}

void IpTunnelDataplane::Impl::WriteTemplate(IpTunnel& t) {
  std::memset(t.header_template.data(), 0, t.header_template.size());
  uint8_t* h = t.header_template.data() + dataplane::kTemplateSize - t.header_size;
  t.ttl = t.config.ttl;
  const IpAddress& dst =
      t.active == TunnelRemote::kBackup ? t.config.backup_remote : t.config.remote;
  const uint8_t proto = t.gre ? kProtoGre : kProtoIpv4InIp;  // IP-IP: set per packet
  if (!t.outer_v6) {
    h[0] = 0x45;
    h[8] = t.config.ttl;
    h[9] = proto;
    std::memcpy(h + 12, t.config.local.bytes(), 4);
    std::memcpy(h + 16, dst.bytes(), 4);
    uint32_t sum = 0x4500;
    for (int i = 12; i < 20; i += 2) sum += dataplane::Load16(h + i);
    t.ip_sum = sum;
  } else {
    h[0] = 0x60;
    h[6] = proto;
    h[7] = t.config.ttl;
    std::memcpy(h + 8, t.config.local.bytes(), 16);
    std::memcpy(h + 24, dst.bytes(), 16);
  }
  if (t.gre) {
    uint8_t* g = h + t.ip_size;
    uint16_t flags = 0;
    uint32_t pos = 4;
    if (t.config.gre_checksum) {
      flags |= dataplane::kGreChecksumPresent;
      pos += 4;  // checksum + reserved1, zero in the template
    }
    if (t.config.key) {
      flags |= dataplane::kGreKeyPresent;
      Store32(g + pos, *t.config.key);
      pos += 4;
    }
    if (t.config.gre_sequence) flags |= dataplane::kGreSeqPresent;
    Store16(g, flags);
  }
}

absl::Status IpTunnelDataplane::Impl::Remove(IpTunnelHandle handle) {
  IpTunnel* t = Get(handle);
  if (t == nullptr) return absl::NotFoundError("ip-tunnel: no such tunnel");
  for (const DemuxKey& k : KeysOf(t->config)) {
    demux_.erase(k);
    if (k.local.is_v4()) demux4_.erase(dataplane::ToV4(k));
    auto it = pairs_.find(std::pair{k.local, k.remote});
    if (it != pairs_.end()) {
      PairInfo& p = it->second;
      --p.tunnels;
      p.gre_tunnels -= t->gre ? 1 : 0;
      p.reassembly -= t->reassembly ? 1 : 0;
      if (p.tunnels == 0) pairs_.erase(it);
    }
  }
  t->in_use = false;
  free_.push_back(handle.index);
  --live_tunnels_;
  return absl::OkStatus();
}

absl::Status IpTunnelDataplane::Impl::SetActiveRemote(IpTunnelHandle handle, TunnelRemote which) {
  IpTunnel* t = Get(handle);
  if (t == nullptr) return absl::NotFoundError("ip-tunnel: no such tunnel");
  if (which == TunnelRemote::kBackup && !t->config.backup_remote.is_set()) {
    return absl::FailedPreconditionError("ip-tunnel: no backup-remote-ip configured");
  }
  t->active = which;
  WriteTemplate(*t);
  return absl::OkStatus();
}

std::optional<IpTunnelHandle> IpTunnelDataplane::Impl::Find(IpTunnelType type,
                                                            const IpAddress& local,
                                                            const IpAddress& remote,
                                                            std::optional<uint32_t> key) const {
  const uint8_t kind = type == IpTunnelType::kIpIp ? 2 : key.has_value() ? 1 : 0;
  auto it = demux_.find(DemuxKey{local, remote, kind, key.value_or(0)});
  if (it == demux_.end()) return std::nullopt;
  const IpTunnel& t = *tunnels_[it->second];
  return IpTunnelHandle{t.index, t.generation};
}

const IpTunnelCounters* IpTunnelDataplane::Impl::Counters(IpTunnelHandle handle) const {
  IpTunnel* t = Get(handle);
  return t == nullptr ? nullptr : &t->counters;
}

}  // namespace tunnelisa
