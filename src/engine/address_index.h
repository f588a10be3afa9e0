// AddressIndex: what each local address of a service is to the engine, for the fast path: one
// integer-keyed probe for an IPv4 destination (hashing whole IpAddress values twice per packet
// cost ~9 % of an engine burst). Rebuilt on the control path whenever the addresses change.
// EndpointMap: the same for (local, remote) address pairs. OwnerIndex: IPv4 addresses to
// whoever terminates them. Each has a Prefetch for the burst-wise public path, which starts
// the probes of a whole burst before it reads any. Internal to src/engine.
#ifndef TUNNELISA_SRC_ENGINE_ADDRESS_INDEX_H_
#define TUNNELISA_SRC_ENGINE_ADDRESS_INDEX_H_

#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

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
  // Prefetch: starts loading what Find(a) reads (IPv4). Fast path.
  void Prefetch(const IpAddress& a) const {
    if (a.is_v4()) v4_.prefetch(a.v4_host_order());
  }

 private:
  absl::flat_hash_map<uint32_t, uint8_t> v4_;
  absl::flat_hash_map<IpAddress, uint8_t> v6_;
};

// IntPtrTable: 64-bit integer key -> non-null pointer, for the fast path's IPv4 probes:
// open addressing with linear probing over 16-byte entries (four to a cache line), load at
// most 1/2, a key's home bucket one multiplication away, so a burst can prefetch exactly the
// line its probe starts on (absl's prefetch loads the start of the probe group, often not the
// line the key is on). Deletion by backward shift (no tombstones). Find / Prefetch: fast path;
// the rest: control path.
template <typename T>
class IntPtrTable {
 public:
  IntPtrTable() { Rehash(16); }

  T* Find(uint64_t key) const {
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.value == nullptr) return nullptr;
      if (e.key == key) return e.value;
    }
  }
  void Prefetch(uint64_t key) const { __builtin_prefetch(&entries_[Home(key)]); }
  // Set: `value` (not null) for `key`, replacing what was there.
  void Set(uint64_t key, T* value) {
    if ((size_ + 1) * 2 > entries_.size()) Rehash(entries_.size() * 2);
    Place(key, value);
  }
  void Erase(uint64_t key) {
    size_t i = Home(key);
    for (;; i = (i + 1) & mask_) {
      if (entries_[i].value == nullptr) return;
      if (entries_[i].key == key) break;
    }
    // Backward shift: an entry after the hole moves into it unless its home lies cyclically
    // after the hole (then the hole is not on its probe path).
    for (size_t j = (i + 1) & mask_; entries_[j].value != nullptr; j = (j + 1) & mask_) {
      const size_t home = Home(entries_[j].key);
      if (((i - home) & mask_) < ((j - home) & mask_)) {
        entries_[i] = entries_[j];
        i = j;
      }
    }
    entries_[i] = Entry{};
    --size_;
  }
  void Clear() {
    entries_.assign(entries_.size(), Entry{});
    size_ = 0;
  }
  size_t size() const { return size_; }

 private:
  struct Entry {
    uint64_t key = 0;
    T* value = nullptr;  // null: an empty bucket
  };
  size_t Home(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void Place(uint64_t key, T* value) {
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      Entry& e = entries_[i];
      if (e.value == nullptr) {
        e = {key, value};
        ++size_;
        return;
      }
      if (e.key == key) {
        e.value = value;
        return;
      }
    }
  }
  void Rehash(size_t capacity) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
    size_ = 0;
    for (const Entry& e : old) {
      if (e.value != nullptr) Place(e.key, e.value);
    }
  }
  std::vector<Entry> entries_;
  size_t mask_ = 0;
  unsigned shift_ = 0;
  size_t size_ = 0;
};

// EndpointMap: tunnels by (local, remote) address pair, the public-side demultiplexing key;
// an IPv4 pair is one 64-bit integer key.
template <typename T>
class EndpointMap {
 public:
  void Set(const IpAddress& local, const IpAddress& remote, T* t) {
    if (local.is_v4() && remote.is_v4()) {
      if (t == nullptr) return v4_.Erase(Key(local, remote));
      v4_.Set(Key(local, remote), t);
    } else {
      other_[{local, remote}] = t;
    }
  }
  void Erase(const IpAddress& local, const IpAddress& remote) {
    if (local.is_v4() && remote.is_v4()) {
      v4_.Erase(Key(local, remote));
    } else {
      other_.erase({local, remote});
    }
  }
  // Find: the tunnel, or nullptr. Fast path.
  T* Find(const IpAddress& local, const IpAddress& remote) const {
    if (local.is_v4() && remote.is_v4()) return v4_.Find(Key(local, remote));
    auto it = other_.find({local, remote});
    return it == other_.end() ? nullptr : it->second;
  }
  // Prefetch: starts loading what Find(local, remote) reads (IPv4 pairs). Fast path.
  void Prefetch(const IpAddress& local, const IpAddress& remote) const {
    if (local.is_v4() && remote.is_v4()) v4_.Prefetch(Key(local, remote));
  }

 private:
  static uint64_t Key(const IpAddress& local, const IpAddress& remote) {
    return uint64_t{local.v4_host_order()} << 32 | remote.v4_host_order();
  }
  IntPtrTable<T> v4_;
  absl::flat_hash_map<std::pair<IpAddress, IpAddress>, T*> other_;
};

// OwnerIndex: IPv4 address -> its owner, one integer-keyed probe (hashing whole IpAddress
// values costs several times more). Fast path: Find, Prefetch; control path: the rest.
template <typename T>
class OwnerIndex {
 public:
  void Clear() { v4_.Clear(); }
  // Add: `owner` (not null) for `a` unless `a` has one already (IPv4 only).
  void Add(const IpAddress& a, T* owner) {
    if (a.is_v4() && v4_.Find(a.v4_host_order()) == nullptr) v4_.Set(a.v4_host_order(), owner);
  }
  // Find: the owner of `a`, or nullptr (also for every non-IPv4 address).
  T* Find(const IpAddress& a) const { return a.is_v4() ? v4_.Find(a.v4_host_order()) : nullptr; }
  void Prefetch(const IpAddress& a) const {
    if (a.is_v4()) v4_.Prefetch(a.v4_host_order());
  }

 private:
  IntPtrTable<T> v4_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ADDRESS_INDEX_H_
