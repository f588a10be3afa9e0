// EngineClassifier: which ISA slot owns a packet (steering for a host's receive threads),
// found the way the packet paths would find its tunnel (engine_forward.cc), without touching
// the data planes (their tables are the workers'). Fast path, under the gate.
#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/slot_gate.h"

namespace tunnelisa {

class EngineClassifier::Impl {
 public:
  Engine::Impl* engine = nullptr;
  WorkerFlag flag;
};

namespace {

std::optional<config::IsaSlot> SlotOf(const EngineSlot* s) {
  if (s == nullptr) return std::nullopt;
  return s->isa;
}

std::optional<config::IsaSlot> ClassifyPublicOne(const Engine::Impl& e, const EngineService* in,
                                                 const PacketRef& p) {
  const PacketInfo ip = ParsePacket(p);
  if (!ip.ok) return std::nullopt;
  const EngineService* s = in;
  if (s == nullptr) {
    auto o = e.public_owner.find(ip.dst);
    if (o == e.public_owner.end()) return std::nullopt;
    s = o->second;
  } else if (!(s->local.Find(ip.dst) & AddressIndex::kTerminated)) {
    return std::nullopt;
  }
  if (ip.proto == kProtoGre || ip.proto == kProtoIpv4InIp || ip.proto == kProtoIpv6InIp ||
      ip.fragment) {
    if (const IpTunnelState* t = s->ip_by_endpoints.Find(ip.dst, ip.src)) return SlotOf(t->slot);
  }
  if (ip.proto == kProtoEsp || ip.proto == kProtoUdp || ip.fragment) {
    if (ip.proto == kProtoUdp && !ip.fragment && IsIkeDatagram(p, ip)) return std::nullopt;
    if (const IpsecTunnelState* t = s->ipsec_by_endpoints.Find(ip.dst, ip.src)) {
      return SlotOf(t->slot);
    }
  }
  return std::nullopt;
}

std::optional<config::IsaSlot> ClassifyPrivateOne(const Engine::Impl& e, const EngineService& s,
                                                  const PacketRef& p) {
  const PacketInfo ip = ParsePacket(p);
  if (!ip.ok) return std::nullopt;
  const uint8_t local = s.local.Find(ip.dst);
  // A tunnel endpoint of this service (GRE inside another tunnel): the tunnel it ends.
  if (local & AddressIndex::kTerminated) return ClassifyPublicOne(e, &s, p);
  if (local & AddressIndex::kOwn) return std::nullopt;
  const int index = s.routes.LookupIndex(ip.dst);
  const RouteTarget* target = index < 0 ? nullptr : &s.route_targets[static_cast<size_t>(index)];
  int length = index < 0 ? -1 : s.routes.route(static_cast<size_t>(index)).prefix.length();
  if (s.has_gw_routes) {
    const int g = s.gw_routes.LookupIndex(ip.dst);
    if (g >= 0 && s.gw_routes.route(static_cast<size_t>(g)).prefix.length() > length) {
      target = &s.gw_routes.target(static_cast<size_t>(g));
      length = s.gw_routes.route(static_cast<size_t>(g)).prefix.length();
    }
  }
  if (target == nullptr) return std::nullopt;
  if (target->ip != nullptr) return SlotOf(target->ip->slot);
  if (target->ipsec != nullptr) return SlotOf(target->ipsec->slot);
  return std::nullopt;
}

}  // namespace

EngineClassifier::EngineClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EngineClassifier::~EngineClassifier() {
  Engine::Impl& e = *impl_->engine;
  ControlWindow w(e);
  std::erase(e.worker_flags, &impl_->flag);
}

bool EngineClassifier::ClassifyPublic(uint32_t delivery_service, std::span<const PacketRef> packets,
                                      std::span<std::optional<config::IsaSlot>> owners) {
  const Engine::Impl& e = *impl_->engine;
  GateEntry in(impl_->flag, e.gate);
  if (!in.in()) return false;
  const EngineService* svc = nullptr;
  if (delivery_service != 0) {
    auto s = e.services.find(delivery_service);
    if (s == e.services.end()) {
      std::fill(owners.begin(), owners.end(), std::nullopt);
      return true;
    }
    svc = &s->second;
  }
  const size_t n = std::min(packets.size(), owners.size());
  for (size_t i = 0; i < n; ++i) owners[i] = ClassifyPublicOne(e, svc, packets[i]);
  return true;
}

bool EngineClassifier::ClassifyPrivate(uint32_t service, std::span<const PacketRef> packets,
                                       std::span<std::optional<config::IsaSlot>> owners) {
  const Engine::Impl& e = *impl_->engine;
  GateEntry in(impl_->flag, e.gate);
  if (!in.in()) return false;
  auto s = e.services.find(service);
  const size_t n = std::min(packets.size(), owners.size());
  for (size_t i = 0; i < n; ++i) {
    owners[i] = s == e.services.end() ? std::nullopt : ClassifyPrivateOne(e, s->second, packets[i]);
  }
  return true;
}

std::unique_ptr<EngineClassifier> Engine::AttachClassifier() {
  ControlWindow w(*impl_);
  auto impl = std::make_unique<EngineClassifier::Impl>();
  impl->engine = impl_.get();
  impl_->worker_flags.push_back(&impl->flag);
  return std::unique_ptr<EngineClassifier>(new EngineClassifier(std::move(impl)));
}

}  // namespace tunnelisa
