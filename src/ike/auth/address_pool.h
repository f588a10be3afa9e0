// File: ike/auth/address_pool.h
//
// AddressPool: the ClientAddressAssigner of an ipsec-gw's `local-address-assignment`: IPv4
// addresses from one configured range (at most 65536, config::kMaxAddressRangeSize).
//
// Why here (src/ike/auth) and not in the engine: it is what IKEv2's CP and IKEv1's Mode Config
// both call, it needs nothing of the configuration or the data plane, and the IKE tests can use
// the real thing. The engine owns one per ipsec-gw and keeps it across reloads (SetRange).
//
// Policy:
//   - Allocation is next-fit: the first free address after the last one handed out, wrapping
//     around, so a released address is reused as late as possible (which is what keeps
//     stickiness useful). A two-level bitmap finds it in O(range / 4096) word reads at worst,
//     a handful for the largest range; Release is O(1).
//   - Sticky: the pool remembers, for each address, the identity that last held it (and the
//     reverse), so a client that reconnects gets its previous address back when nobody took it
//     meanwhile. Memory is bounded by the range: one remembered identity per address.
//   - Order of choice: the RADIUS-preassigned address (binding), else the client's requested
//     address if it is in the range and free, else its previous address if free, else the next
//     free one. None free: ResourceExhausted.
//
// Threads: control thread only (not thread-safe). Not on the fast path.
#ifndef TUNNELISA_SRC_IKE_AUTH_ADDRESS_POOL_H_
#define TUNNELISA_SRC_IKE_AUTH_ADDRESS_POOL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "ike/auth/address_assigner.h"

namespace tunnelisa::ike {

class AddressPool final : public ClientAddressAssigner {
 public:
  static constexpr uint64_t kMaxSize = 65536;

  // Create: a pool over [start, end] (IPv4, start <= end, at most kMaxSize addresses)
  // announcing `dns` (IPv4, at most 2). InvalidArgument otherwise.
  static absl::StatusOr<std::shared_ptr<AddressPool>> Create(const IpAddress& start,
                                                             const IpAddress& end,
                                                             std::vector<IpAddress> dns);

  absl::StatusOr<ClientAddress> Assign(const AddressRequest& request) override;
  void Release(uint64_t lease) override;

  // SetRange: the configuration changed the range (and DNS servers). Leases whose address is
  // still inside the new range stay; the others are revoked and returned, for the caller to end
  // those connections (their later Release is a no-op). Leases of preassigned addresses outside
  // the range stay as they are. InvalidArgument (and no change) for a range Create refuses.
  absl::StatusOr<std::vector<uint64_t>> SetRange(const IpAddress& start, const IpAddress& end,
                                                 std::vector<IpAddress> dns);

  // Lease: the address of a live lease, nullopt for any other.
  std::optional<IpAddress> LeaseAddress(uint64_t lease) const;

  IpAddress start() const { return IpAddress::V4(start_); }
  IpAddress end() const { return IpAddress::V4(start_ + size_ - 1); }
  uint32_t size() const { return size_; }
  uint32_t in_use() const { return in_use_; }  // leased addresses inside the range
  size_t leases() const { return leases_.size(); }

  struct Stats {
    uint64_t assigned = 0;   // leases granted
    uint64_t released = 0;   // leases given back
    uint64_t exhausted = 0;  // requests refused: no address left
    uint64_t sticky = 0;     // grants of the identity's previous address
    uint64_t revoked = 0;    // leases ended by SetRange
    uint64_t conflicts = 0;  // preassigned addresses already leased
    bool operator==(const Stats&) const = default;
  };
  const Stats& stats() const { return stats_; }

 private:
  AddressPool() = default;
  struct Lease {
    IpAddress address;
    bool in_range = false;     // false: a preassigned address outside the range
    bool preassigned = false;  // RADIUS chose it: never revoked by SetRange
  };

  void Reset(uint32_t start, uint32_t size);
  bool InRange(const IpAddress& a) const;
  uint32_t Offset(const IpAddress& a) const { return a.v4_host_order() - start_; }
  bool Used(uint32_t offset) const { return (used_[offset / 64] >> (offset % 64)) & 1; }
  void MarkUsed(uint32_t offset);
  void MarkFree(uint32_t offset);
  // NextFree: the first free offset at or after `from`, wrapping; nullopt when full.
  std::optional<uint32_t> NextFree(uint32_t from) const;
  // Remember: `identity` last held `offset` (forgetting who held it before, and where
  // `identity` was before).
  void Remember(uint32_t offset, const std::string& identity);
  ClientAddress Grant(const IpAddress& address, bool preassigned, std::string_view identity);
  // NextLeaseHandle: a lease handle no pool of this process has handed out: one counter for
  // every pool, because the engine revokes leases by handle across all of its ipsec-gws
  // (IkeManager::RevokeAddressLeases), so a handle must not name leases of two pools.
  static uint64_t NextLeaseHandle();
  // NonFullWord: the first `used_` word at or after `word` with a free bit; nullopt if none.
  std::optional<uint32_t> NonFullWord(uint32_t word) const;

  uint32_t start_ = 0;  // host order
  uint32_t size_ = 0;
  uint32_t in_use_ = 0;
  uint32_t cursor_ = 0;               // next-fit: where the next search starts
  std::vector<uint64_t> used_;        // one bit per address
  std::vector<uint64_t> full_words_;  // one bit per `used_` word that is all ones
  std::vector<std::string> holder_;   // per offset: the identity that last held it
  absl::flat_hash_map<std::string, uint32_t> previous_;  // identity -> offset
  absl::flat_hash_map<uint64_t, Lease> leases_;
  absl::flat_hash_map<IpAddress, uint64_t> outside_;  // preassigned outside the range
  std::vector<IpAddress> dns_;
  Stats stats_;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_ADDRESS_POOL_H_
