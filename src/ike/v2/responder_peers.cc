#include "ike/v2/responder_peers.h"

namespace tunnelisa::ike {

void ResponderPeers::Build(const std::map<uint64_t, IkePeerConfig>& peers) {
  static_.clear();
  gateways_.clear();
  static_.reserve(peers.size());
  // The map iterates in id order, so try_emplace keeps the lowest id of each key.
  for (const auto& [id, p] : peers) {
    if (p.remote.is_set()) {
      static_.try_emplace(std::make_pair(p.local, p.remote), &p);
    } else {
      gateways_.try_emplace(p.local, &p);
    }
  }
}

const IkePeerConfig* ResponderPeers::Find(const IpAddress& local, const IpAddress& remote) const {
  if (auto it = static_.find(std::make_pair(local, remote)); it != static_.end()) {
    return it->second;
  }
  auto gw = gateways_.find(local);
  return gw == gateways_.end() ? nullptr : gw->second;
}

}  // namespace tunnelisa::ike
