// AddressPool: allocation, stickiness, exhaustion, preassigned (RADIUS) addresses, release and
// reconfiguration, and the ranges it refuses.
#include "ike/auth/address_pool.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tunnelisa::ike {
namespace {

IpAddress A(std::string_view text) { return *IpAddress::Parse(text); }

std::shared_ptr<AddressPool> Pool(std::string_view start, std::string_view end,
                                  std::vector<IpAddress> dns = {}) {
  absl::StatusOr<std::shared_ptr<AddressPool>> pool = AddressPool::Create(A(start), A(end), dns);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return *pool;
}

ClientAddress Take(AddressPool& pool, std::string_view who,
                   std::optional<IpAddress> requested = std::nullopt) {
  absl::StatusOr<ClientAddress> a = pool.Assign({who, requested, std::nullopt});
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? *a : ClientAddress{};
}

TEST(AddressPool, HandsOutDistinctAddressesWithDnsAndAHostRoute) {
  auto pool = Pool("10.9.0.10", "10.9.0.12", {A("10.9.0.1"), A("10.9.0.2")});
  ClientAddress a = Take(*pool, "alice");
  ClientAddress b = Take(*pool, "bob");
  EXPECT_EQ(a.address, A("10.9.0.10"));
  EXPECT_EQ(b.address, A("10.9.0.11"));
  EXPECT_NE(a.lease, b.lease);
  EXPECT_NE(a.lease, 0u);
  EXPECT_EQ(a.prefix_len, 32);
  EXPECT_EQ(a.dns, (std::vector<IpAddress>{A("10.9.0.1"), A("10.9.0.2")}));
  EXPECT_EQ(pool->in_use(), 2u);
  EXPECT_EQ(pool->LeaseAddress(b.lease), A("10.9.0.11"));
}

TEST(AddressPool, EmptyPoolIsResourceExhaustedAndAReleaseRefillsIt) {
  auto pool = Pool("10.9.0.10", "10.9.0.11");
  ClientAddress a = Take(*pool, "alice");
  Take(*pool, "bob");
  absl::StatusOr<ClientAddress> c = pool->Assign({"carol", std::nullopt, std::nullopt});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted) << c.status();
  EXPECT_EQ(pool->stats().exhausted, 1u);
  pool->Release(a.lease);
  EXPECT_EQ(Take(*pool, "carol").address, a.address);
  EXPECT_EQ(pool->in_use(), 2u);
}

TEST(AddressPool, AReconnectingClientGetsItsPreviousAddress) {
  auto pool = Pool("10.9.0.10", "10.9.0.20");
  ClientAddress a = Take(*pool, "alice");
  ClientAddress b = Take(*pool, "bob");
  pool->Release(a.lease);
  pool->Release(b.lease);
  // Next-fit would give .12 to a newcomer; bob and alice get theirs back.
  EXPECT_EQ(Take(*pool, "bob").address, b.address);
  EXPECT_EQ(Take(*pool, "carol").address, A("10.9.0.12"));
  EXPECT_EQ(Take(*pool, "alice").address, a.address);
  EXPECT_EQ(pool->stats().sticky, 2u);
}

TEST(AddressPool, StickinessYieldsToWhoeverHoldsTheAddressNow) {
  auto pool = Pool("10.9.0.10", "10.9.0.11");
  ClientAddress a = Take(*pool, "alice");
  pool->Release(a.lease);
  Take(*pool, "bob", A("10.9.0.10"));  // bob asks for alice's old address, which is free
  EXPECT_EQ(Take(*pool, "alice").address, A("10.9.0.11"));
}

TEST(AddressPool, ARequestedAddressIsAHintGrantedOnlyWhenFreeAndOurs) {
  auto pool = Pool("10.9.0.10", "10.9.0.20");
  EXPECT_EQ(Take(*pool, "alice", A("10.9.0.15")).address, A("10.9.0.15"));
  EXPECT_EQ(Take(*pool, "bob", A("10.9.0.15")).address, A("10.9.0.16"));    // taken: next free
  EXPECT_EQ(Take(*pool, "carol", A("192.0.2.1")).address, A("10.9.0.17"));  // not ours
}

TEST(AddressPool, NextFitWrapsAroundAndFindsTheOnlyFreeAddress) {
  auto pool = Pool("10.9.0.0", "10.9.0.199");  // 200 addresses: four bitmap words
  std::vector<ClientAddress> all;
  for (int i = 0; i < 200; ++i) all.push_back(Take(*pool, ""));
  EXPECT_EQ(pool->in_use(), 200u);
  pool->Release(all[150].lease);
  EXPECT_EQ(Take(*pool, "").address, A("10.9.0.150"));
  pool->Release(all[3].lease);  // behind the cursor (151): the search wraps around
  EXPECT_EQ(Take(*pool, "").address, A("10.9.0.3"));
  pool->Release(all[199].lease);  // the last address, in the partly padded last word
  EXPECT_EQ(Take(*pool, "").address, A("10.9.0.199"));
  EXPECT_EQ(pool->Assign({}).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(AddressPool, TheLargestRangeFillsCompletelyWithDistinctAddresses) {
  auto pool = Pool("10.0.0.0", "10.0.255.255");
  std::set<IpAddress> seen;
  for (uint64_t i = 0; i < AddressPool::kMaxSize; ++i) {
    absl::StatusOr<ClientAddress> a = pool->Assign({});
    ASSERT_TRUE(a.ok()) << i << ": " << a.status();
    ASSERT_TRUE(seen.insert(a->address).second) << a->address.ToString();
  }
  EXPECT_EQ(pool->Assign({}).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(AddressPool, PreassignedAddressesAreBindingInsideAndOutsideTheRange) {
  auto pool = Pool("10.9.0.10", "10.9.0.11");
  absl::StatusOr<ClientAddress> inside = pool->Assign({"alice", std::nullopt, A("10.9.0.11")});
  ASSERT_TRUE(inside.ok()) << inside.status();
  EXPECT_EQ(inside->address, A("10.9.0.11"));
  absl::StatusOr<ClientAddress> outside = pool->Assign({"bob", std::nullopt, A("172.16.0.5")});
  ASSERT_TRUE(outside.ok()) << outside.status();
  EXPECT_EQ(outside->address, A("172.16.0.5"));
  // Taken addresses, in or out of the range, are refused to a second client.
  EXPECT_EQ(pool->Assign({"carol", std::nullopt, A("10.9.0.11")}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(pool->Assign({"carol", std::nullopt, A("172.16.0.5")}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(pool->Assign({"carol", std::nullopt, A("2001:db8::1")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(pool->stats().conflicts, 2u);
  // The pool hands out only what is left.
  EXPECT_EQ(Take(*pool, "dave").address, A("10.9.0.10"));
  pool->Release(outside->lease);
  EXPECT_TRUE(pool->Assign({"carol", std::nullopt, A("172.16.0.5")}).ok());
}

TEST(AddressPool, ReleaseIsIdempotentAndIgnoresUnknownLeases) {
  auto pool = Pool("10.9.0.10", "10.9.0.10");
  ClientAddress a = Take(*pool, "alice");
  pool->Release(a.lease);
  pool->Release(a.lease);
  pool->Release(999);
  EXPECT_EQ(pool->in_use(), 0u);
  EXPECT_EQ(pool->stats().released, 1u);
  EXPECT_EQ(pool->leases(), 0u);
}

// The engine revokes leases by handle across all of its ipsec-gws' pools
// (IkeManager::RevokeAddressLeases): a handle of one pool must never name a lease of another,
// or reconfiguring one gateway's range would end another gateway's clients.
TEST(AddressPool, LeaseHandlesAreDistinctAcrossPools) {
  auto a = Pool("10.9.0.1", "10.9.0.4");
  auto b = Pool("10.8.0.1", "10.8.0.4");
  std::set<uint64_t> handles;
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(handles.insert(Take(*a, absl::StrCat("a", i)).lease).second);
    EXPECT_TRUE(handles.insert(Take(*b, absl::StrCat("b", i)).lease).second);
  }
  absl::StatusOr<ClientAddress> outside = b->Assign({"c", std::nullopt, A("192.0.2.7")});
  ASSERT_TRUE(outside.ok()) << outside.status();
  EXPECT_TRUE(handles.insert(outside->lease).second);
  // Shrinking b's range revokes only b's leases; a's are untouched.
  absl::StatusOr<std::vector<uint64_t>> revoked = b->SetRange(A("10.8.0.1"), A("10.8.0.2"), {});
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->size(), 2u);
  for (uint64_t lease : *revoked) {
    EXPECT_FALSE(a->LeaseAddress(lease).has_value());
    a->Release(lease);  // a no-op for a: not one of its leases
  }
  EXPECT_EQ(a->in_use(), 4u);
  EXPECT_EQ(a->stats().released, 0u);
}

TEST(AddressPool, SetRangeKeepsLeasesStillInsideAndRevokesTheOthers) {
  auto pool = Pool("10.9.0.10", "10.9.0.19");
  ClientAddress a = Take(*pool, "alice");  // .10
  ClientAddress b = Take(*pool, "bob");    // .11
  ClientAddress c = Take(*pool, "carol");  // .12
  absl::StatusOr<ClientAddress> radius = pool->Assign({"dave", std::nullopt, A("10.9.0.18")});
  ASSERT_TRUE(radius.ok());
  absl::StatusOr<std::vector<uint64_t>> revoked =
      pool->SetRange(A("10.9.0.11"), A("10.9.0.15"), {A("10.9.0.1")});
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, std::vector<uint64_t>{a.lease});  // the RADIUS address is never revoked
  EXPECT_EQ(pool->LeaseAddress(a.lease), std::nullopt);
  EXPECT_EQ(pool->LeaseAddress(b.lease), A("10.9.0.11"));
  EXPECT_EQ(pool->LeaseAddress(radius->lease), A("10.9.0.18"));
  EXPECT_EQ(pool->in_use(), 2u);
  pool->Release(a.lease);  // revoked: a no-op
  EXPECT_EQ(pool->in_use(), 2u);
  // The kept leases stay taken; new ones get the new DNS server.
  ClientAddress d = Take(*pool, "erin");
  EXPECT_NE(d.address, b.address);
  EXPECT_NE(d.address, c.address);
  EXPECT_EQ(d.dns, std::vector<IpAddress>{A("10.9.0.1")});
  // Stickiness survives for addresses still in the range.
  pool->Release(c.lease);
  Take(*pool, "frank");
  EXPECT_EQ(Take(*pool, "carol").address, A("10.9.0.12"));
}

TEST(AddressPool, RefusesRangesItCannotServe) {
  EXPECT_EQ(AddressPool::Create(A("10.9.0.20"), A("10.9.0.10"), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AddressPool::Create(A("10.0.0.0"), A("10.1.0.0"), {}).status().code(),
            absl::StatusCode::kInvalidArgument);  // 65537 addresses
  EXPECT_EQ(AddressPool::Create(A("2001:db8::1"), A("2001:db8::9"), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AddressPool::Create(A("10.9.0.1"), A("10.9.0.9"),
                                {A("10.0.0.1"), A("10.0.0.2"), A("10.0.0.3")})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto pool = Pool("10.9.0.10", "10.9.0.11");
  Take(*pool, "alice");
  EXPECT_FALSE(pool->SetRange(A("10.9.0.11"), A("10.9.0.10"), {}).ok());
  EXPECT_EQ(pool->in_use(), 1u);  // unchanged
}

}  // namespace
}  // namespace tunnelisa::ike
