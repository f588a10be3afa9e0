// AddressPool: next-fit allocation over a two-level bitmap, sticky per identity (see the header
// for the policy).
#include "ike/auth/address_pool.h"

#include <atomic>
#include <bit>

#include "common/str_cat.h"

namespace tunnelisa::ike {
namespace {

absl::Status CheckRange(const IpAddress& start, const IpAddress& end,
                        const std::vector<IpAddress>& dns) {
  if (!start.is_v4() || !end.is_v4()) {
    return absl::InvalidArgumentError("an address pool is a range of IPv4 addresses");
  }
  if (start.v4_host_order() > end.v4_host_order()) {
    return absl::InvalidArgumentError(
        StrCat("address range ", start.ToString(), " ", end.ToString(), ": start above end"));
  }
  if (uint64_t{end.v4_host_order()} - start.v4_host_order() + 1 > AddressPool::kMaxSize) {
    return absl::InvalidArgumentError(StrCat("address range ", start.ToString(), " ",
                                             end.ToString(), " has more than ",
                                             AddressPool::kMaxSize, " addresses"));
  }
  if (dns.size() > 2) return absl::InvalidArgumentError("at most 2 DNS servers");
  for (const IpAddress& d : dns) {
    if (!d.is_v4()) return absl::InvalidArgumentError("DNS servers of an IPv4 pool are IPv4");
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t AddressPool::NextLeaseHandle() {
  // Atomic only because tests run engines (each with its pools) on several threads; a pool
  // itself is control-thread only. 2^64 handles do not wrap in practice.
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

absl::StatusOr<std::shared_ptr<AddressPool>> AddressPool::Create(const IpAddress& start,
                                                                 const IpAddress& end,
                                                                 std::vector<IpAddress> dns) {
  if (absl::Status s = CheckRange(start, end, dns); !s.ok()) return s;
  std::shared_ptr<AddressPool> pool(new AddressPool());
  pool->Reset(start.v4_host_order(), end.v4_host_order() - start.v4_host_order() + 1);
  pool->dns_ = std::move(dns);
  return pool;
}

void AddressPool::Reset(uint32_t start, uint32_t size) {
  start_ = start;
  size_ = size;
  in_use_ = 0;
  cursor_ = 0;
  const uint32_t words = (size + 63) / 64;
  used_.assign(words, 0);
  // Bits past the end of the range are permanently "used", so a word is free-able only for
  // real addresses, and summary bits past the last word are permanently "full".
  if (size % 64 != 0) used_.back() = ~uint64_t{0} << (size % 64);
  full_words_.assign((words + 63) / 64, 0);
  if (words % 64 != 0) full_words_.back() = ~uint64_t{0} << (words % 64);
  for (uint32_t w = 0; w < words; ++w) {
    if (used_[w] == ~uint64_t{0}) full_words_[w / 64] |= uint64_t{1} << (w % 64);
  }
  holder_.assign(size, std::string());
  previous_.clear();
}

bool AddressPool::InRange(const IpAddress& a) const {
  return a.is_v4() && a.v4_host_order() >= start_ && a.v4_host_order() - start_ < size_;
}

void AddressPool::MarkUsed(uint32_t offset) {
  uint64_t& word = used_[offset / 64];
  word |= uint64_t{1} << (offset % 64);
  if (word == ~uint64_t{0}) full_words_[offset / 4096] |= uint64_t{1} << ((offset / 64) % 64);
  ++in_use_;
}

void AddressPool::MarkFree(uint32_t offset) {
  used_[offset / 64] &= ~(uint64_t{1} << (offset % 64));
  full_words_[offset / 4096] &= ~(uint64_t{1} << ((offset / 64) % 64));
  --in_use_;
}

std::optional<uint32_t> AddressPool::NonFullWord(uint32_t word) const {
  for (uint32_t s = word / 64; s < full_words_.size(); ++s) {
    uint64_t not_full = ~full_words_[s];
    if (s == word / 64) not_full &= ~uint64_t{0} << (word % 64);
    if (not_full != 0) return s * 64 + static_cast<uint32_t>(std::countr_zero(not_full));
  }
  return std::nullopt;
}

std::optional<uint32_t> AddressPool::NextFree(uint32_t from) const {
  if (in_use_ == size_) return std::nullopt;
  const uint32_t w = from / 64;
  const uint64_t here = ~used_[w] & (~uint64_t{0} << (from % 64));
  if (here != 0) return w * 64 + static_cast<uint32_t>(std::countr_zero(here));
  std::optional<uint32_t> k = w + 1 < used_.size() ? NonFullWord(w + 1) : std::nullopt;
  if (!k) k = NonFullWord(0);  // wrap around (this finds `w`'s lower bits too)
  if (!k) return std::nullopt;
  return *k * 64 + static_cast<uint32_t>(std::countr_zero(~used_[*k]));
}

void AddressPool::Remember(uint32_t offset, const std::string& identity) {
  if (std::string& old = holder_[offset]; !old.empty()) {
    auto it = previous_.find(old);
    if (it != previous_.end() && it->second == offset) previous_.erase(it);
    old.clear();
  }
  if (identity.empty()) return;
  auto [it, fresh] = previous_.try_emplace(identity, offset);
  if (!fresh && it->second != offset) {
    holder_[it->second].clear();
    it->second = offset;
  }
  holder_[offset] = identity;
}

ClientAddress AddressPool::Grant(const IpAddress& address, bool preassigned,
                                 std::string_view identity) {
  Lease lease{address, InRange(address), preassigned};
  if (lease.in_range) {
    const uint32_t offset = Offset(address);
    MarkUsed(offset);
    Remember(offset, std::string(identity));
    cursor_ = offset + 1 < size_ ? offset + 1 : 0;
  } else {
  }
  const uint64_t id = NextLeaseHandle();
  if (!lease.in_range) outside_[address] = id;
  leases_.emplace(id, lease);
  ++stats_.assigned;
  return ClientAddress{id, address, 32, dns_};
}

absl::StatusOr<ClientAddress> AddressPool::Assign(const AddressRequest& request) {
  if (request.preassigned) {
    const IpAddress& a = *request.preassigned;
    if (!a.is_v4()) {
      return absl::InvalidArgumentError(
          StrCat("preassigned address ", a.ToString(), " is not IPv4"));
    }
    if ((InRange(a) && Used(Offset(a))) || outside_.contains(a)) {
      ++stats_.conflicts;
      return absl::AlreadyExistsError(
          StrCat("address ", a.ToString(), " is already leased to another client"));
    }
    return Grant(a, /*preassigned=*/true, request.identity);
  }
  if (request.requested && InRange(*request.requested) && !Used(Offset(*request.requested))) {
    return Grant(*request.requested, false, request.identity);
  }
  if (!request.identity.empty()) {
    auto prev = previous_.find(std::string(request.identity));
    if (prev != previous_.end() && !Used(prev->second)) {
      ++stats_.sticky;
      return Grant(IpAddress::V4(start_ + prev->second), false, request.identity);
    }
  }
  std::optional<uint32_t> offset = NextFree(cursor_);
  if (!offset) {
    ++stats_.exhausted;
    return absl::ResourceExhaustedError(StrCat("address pool ", start().ToString(), "-",
                                               end().ToString(), " is exhausted (", size_,
                                               " addresses leased)"));
  }
  return Grant(IpAddress::V4(start_ + *offset), false, request.identity);
}

void AddressPool::Release(uint64_t lease) {
  auto it = leases_.find(lease);
  if (it == leases_.end()) return;
  if (it->second.in_range) {
    MarkFree(Offset(it->second.address));
  } else {
    outside_.erase(it->second.address);
  }
  leases_.erase(it);
  ++stats_.released;
}

std::optional<IpAddress> AddressPool::LeaseAddress(uint64_t lease) const {
  auto it = leases_.find(lease);
  if (it == leases_.end()) return std::nullopt;
  return it->second.address;
}

absl::StatusOr<std::vector<uint64_t>> AddressPool::SetRange(const IpAddress& start,
                                                            const IpAddress& end,
                                                            std::vector<IpAddress> dns) {
  if (absl::Status s = CheckRange(start, end, dns); !s.ok()) return s;
  dns_ = std::move(dns);
  const uint32_t new_start = start.v4_host_order();
  const uint32_t new_size = end.v4_host_order() - new_start + 1;
  if (new_start == start_ && new_size == size_) return std::vector<uint64_t>{};
  // The identities remembered for addresses that stay in the range.
  std::vector<std::pair<uint32_t, std::string>> kept_holders;
  for (uint32_t offset = 0; offset < size_; ++offset) {
    const uint32_t host = start_ + offset;
    if (!holder_[offset].empty() && host >= new_start && host - new_start < new_size) {
      kept_holders.emplace_back(host, std::move(holder_[offset]));
    }
  }
  Reset(new_start, new_size);
  outside_.clear();
  std::vector<uint64_t> revoked;
  for (auto it = leases_.begin(); it != leases_.end();) {
    Lease& l = it->second;
    l.in_range = InRange(l.address);
    if (l.in_range) {
      MarkUsed(Offset(l.address));
    } else if (l.preassigned) {
      outside_[l.address] = it->first;
    } else {
      revoked.push_back(it->first);
      ++stats_.revoked;
      leases_.erase(it++);
      continue;
    }
    ++it;
  }
  for (auto& [host, identity] : kept_holders) Remember(host - new_start, identity);
  return revoked;
}

}  // namespace tunnelisa::ike
