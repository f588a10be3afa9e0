// The public path's integer-keyed indexes (address_index.h): IntPtrTable against a std::map
// under random inserts, replacements and erases (backward-shift deletion across the table's
// wrap-around and growth), EndpointMap and OwnerIndex on both address families.
#include "engine/address_index.h"

#include <cstdint>
#include <map>
#include <random>

#include "gtest/gtest.h"

namespace tunnelisa {
namespace {

IpAddress V4(const char* text) { return *IpAddress::Parse(text); }

TEST(IntPtrTable, MatchesAMapUnderRandomInsertsAndErases) {
  std::mt19937_64 rng(7);
  int values[64];
  IntPtrTable<int> table;
  std::map<uint64_t, int*> reference;
  // Few distinct keys: probes collide, chains cross the end of the table, erases shift them.
  std::uniform_int_distribution<uint64_t> key(0, 200);
  for (int step = 0; step < 20000; ++step) {
    const uint64_t k = key(rng) * 0x100000001ull;  // IPv4 pairs look like this
    if (rng() % 3 == 0) {
      table.Erase(k);
      reference.erase(k);
    } else {
      int* v = &values[rng() % 64];
      table.Set(k, v);
      reference[k] = v;
    }
    if (step % 97 == 0) {
      ASSERT_EQ(table.size(), reference.size()) << "step " << step;
      for (uint64_t probe = 0; probe <= 200; ++probe) {
        const uint64_t pk = probe * 0x100000001ull;
        auto it = reference.find(pk);
        ASSERT_EQ(table.Find(pk), it == reference.end() ? nullptr : it->second)
            << "step " << step << " key " << probe;
      }
    }
  }
}

TEST(IntPtrTable, ErasingAnAbsentKeyOrClearingLeavesNothingBehind) {
  int a = 1, b = 2;
  IntPtrTable<int> table;
  table.Erase(5);
  EXPECT_EQ(table.size(), 0u);
  table.Set(5, &a);
  table.Set(5, &b);  // replaces
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.Find(5), &b);
  table.Erase(6);
  EXPECT_EQ(table.Find(5), &b);
  table.Clear();
  EXPECT_EQ(table.Find(5), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

TEST(EndpointMap, FindsPairsOfEitherFamilyAndForgetsErasedOnes) {
  int t1 = 1, t2 = 2;
  EndpointMap<int> m;
  m.Set(V4("192.0.2.1"), V4("198.18.0.1"), &t1);
  m.Set(*IpAddress::Parse("2001:db8::1"), *IpAddress::Parse("2001:db8::2"), &t2);
  EXPECT_EQ(m.Find(V4("192.0.2.1"), V4("198.18.0.1")), &t1);
  EXPECT_EQ(m.Find(V4("198.18.0.1"), V4("192.0.2.1")), nullptr);  // the pair is ordered
  EXPECT_EQ(m.Find(*IpAddress::Parse("2001:db8::1"), *IpAddress::Parse("2001:db8::2")), &t2);
  m.Erase(V4("192.0.2.1"), V4("198.18.0.1"));
  EXPECT_EQ(m.Find(V4("192.0.2.1"), V4("198.18.0.1")), nullptr);
  m.Prefetch(V4("192.0.2.1"), V4("198.18.0.1"));  // harmless on a missing pair
}

TEST(OwnerIndex, KeepsTheFirstOwnerAndAnswersNullForOtherFamilies) {
  int first = 1, second = 2;
  OwnerIndex<int> owners;
  owners.Add(V4("192.0.2.1"), &first);
  owners.Add(V4("192.0.2.1"), &second);  // as public_owner's emplace: the first stays
  owners.Add(*IpAddress::Parse("2001:db8::1"), &second);
  EXPECT_EQ(owners.Find(V4("192.0.2.1")), &first);
  EXPECT_EQ(owners.Find(V4("192.0.2.2")), nullptr);
  EXPECT_EQ(owners.Find(*IpAddress::Parse("2001:db8::1")), nullptr);  // IPv4 only
  EXPECT_EQ(owners.Find(IpAddress()), nullptr);
  owners.Clear();
  EXPECT_EQ(owners.Find(V4("192.0.2.1")), nullptr);
}

}  // namespace
}  // namespace tunnelisa
