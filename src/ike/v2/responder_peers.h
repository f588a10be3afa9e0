// File: ike/v2/responder_peers.h
//
// ResponderPeers: which configured peer answers an exchange that a peer starts (IKEv2
// IKE_SA_INIT, IKEv1 Main or Aggressive Mode), found with two hash probes rather than by a walk
// over every configured peer (issue 14: a responder's per-event cost must not grow with the
// number of tunnels configured; with 100k tunnels the walk was two passes over 100k entries per
// IKE_SA_INIT).
//
// The rule (the guide's "Security": static tunnels answer only their configured peer): the
// static tunnel whose (local gateway, peer) is the exchange's (local, remote) address pair;
// else an ipsec-gw on the local address (no remote address: anyone, whose identity and key are
// checked later). Among several candidates of one kind, the lowest peer id (the first
// configured) wins.
//
// The index holds pointers into the std::map it was built from: rebuild it whenever that map
// changes (IkeManager / Ikev1Manager::SetPeers do, right after replacing theirs).
#ifndef TUNNELISA_SRC_IKE_V2_RESPONDER_PEERS_H_
#define TUNNELISA_SRC_IKE_V2_RESPONDER_PEERS_H_

#include <cstdint>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "ike/v2/peer_config.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike {

class ResponderPeers {
 public:
  void Build(const std::map<uint64_t, IkePeerConfig>& peers);
  // Find: the peer that answers `remote` reaching us on `local`, or null (no static tunnel
  // for the pair and no ipsec-gw on `local`).
  const IkePeerConfig* Find(const IpAddress& local, const IpAddress& remote) const;

 private:
  absl::flat_hash_map<std::pair<IpAddress, IpAddress>, const IkePeerConfig*> static_;
  absl::flat_hash_map<IpAddress, const IkePeerConfig*> gateways_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_V2_RESPONDER_PEERS_H_
