// AddressIndex: what each local address of a service is to the engine, for the fast path: one
// integer-keyed probe for an IPv4 destination (hashing whole IpAddress values twice per packet
// cost ~9 % of an engine burst). Rebuilt on the control path whenever the addresses change.
// EndpointMap: the same for (local, remote) address pairs. Internal to src/engine.
#ifndef TUNNELISA_SRC_ENGINE_ADDRESS_INDEX_H_
#define TUNNELISA_SRC_ENGINE_ADDRESS_INDEX_H_

#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa {

class AddressIndex {
 public:
  // Kinds, or-ed: a tunnel endpoint the service terminates, an interface address of its own.
  static constexpr uint8_t kTerminated = 1;
  static constexpr uint8_t kOwn = 2;

  void Clear() {
    v4_.clear();
    v6_.clear();
  }
  void Add(const IpAddress& a, uint8_t kind) {
    if (a.is_v4()) {
      v4_[a.v4_host_order()] |= kind;
    } else if (a.is_v6()) {
      v6_[a] |= kind;
    }
  }
  // Find: the kinds of `a`, 0 when it is none of the service's.
  uint8_t Find(const IpAddress& a) const {
    if (a.is_v4()) {
      auto it = v4_.find(a.v4_host_order());
      return it == v4_.end() ? 0 : it->second;
    }
    auto it = v6_.find(a);
    return it == v6_.end() ? 0 : it->second;
  }

 private:
  absl::flat_hash_map<uint32_t, uint8_t> v4_;
  absl::flat_hash_map<IpAddress, uint8_t> v6_;
};

// EndpointMap: tunnels by (local, remote) address pair, the public-side demultiplexing key;
// an IPv4 pair is one 64-bit integer key.
template <typename T>
class EndpointMap {
 public:
  void Set(const IpAddress& local, const IpAddress& remote, T* t) {
    if (local.is_v4() && remote.is_v4()) {
      v4_[Key(local, remote)] = t;
    } else {
      other_[{local, remote}] = t;
    }
  }
  void Erase(const IpAddress& local, const IpAddress& remote) {
    if (local.is_v4() && remote.is_v4()) {
      v4_.erase(Key(local, remote));
    } else {
      other_.erase({local, remote});
    }
  }
  // Find: the tunnel, or nullptr. Fast path.
  T* Find(const IpAddress& local, const IpAddress& remote) const {
    if (local.is_v4() && remote.is_v4()) {
      auto it = v4_.find(Key(local, remote));
      return it == v4_.end() ? nullptr : it->second;
    }
    auto it = other_.find({local, remote});
    return it == other_.end() ? nullptr : it->second;
  }

 private:
  static uint64_t Key(const IpAddress& local, const IpAddress& remote) {
    return uint64_t{local.v4_host_order()} << 32 | remote.v4_host_order();
  }
  absl::flat_hash_map<uint64_t, T*> v4_;
  absl::flat_hash_map<std::pair<IpAddress, IpAddress>, T*> other_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ADDRESS_INDEX_H_
