#include "dataplane/spi_table.h"

#include <random>
#include <unordered_map>
#include <vector>

#include "gtest/gtest.h"

namespace tunnelisa::dataplane {
namespace {

InboundRecord Record(uint32_t spi, uint32_t index) {
  InboundRecord r;
  r.spi = spi;
  r.index = index;
  r.generation = index ^ 0x5a5a5a5au;  // a second field that must travel with the record
  r.top = uint64_t{spi} << 32 | index;
  r.drops[0] = index + 1;
  return r;
}

// Lookup: the index stored for `spi` (checking the record's other fields), or kNoIndex.
uint32_t Lookup(const SpiTable& t, uint32_t spi) {
  const InboundRecord* r = t.Find(spi);
  if (r == nullptr) return InboundRecord::kNoIndex;
  EXPECT_EQ(r->spi, spi);
  EXPECT_EQ(r->generation, r->index ^ 0x5a5a5a5au);
  EXPECT_EQ(r->top, uint64_t{spi} << 32 | r->index);
  EXPECT_EQ(r->drops[0], r->index + 1);
  return r->index;
}

TEST(SpiTable, AgreesWithAReferenceMapUnderRandomInsertsAndErases) {
  SpiTable t;
  std::unordered_map<uint32_t, uint32_t> ref;
  std::mt19937 rng(7);
  // Small SPI range so that collisions, replacements and long probe runs all happen.
  for (int step = 0; step < 200000; ++step) {
    uint32_t spi = rng() % 5000;
    if (rng() % 3 == 0) {
      t.Erase(spi);
      ref.erase(spi);
    } else {
      uint32_t index = rng() % 100000;
      InboundRecord& stored = t.Insert(Record(spi, index));
      ASSERT_EQ(&stored, t.Find(spi));
      ref[spi] = index;
    }
    if (step % 997 == 0) {
      for (uint32_t s = 0; s < 5000; ++s) {
        auto it = ref.find(s);
        ASSERT_EQ(Lookup(t, s), it == ref.end() ? InboundRecord::kNoIndex : it->second) << s;
      }
    }
  }
  EXPECT_EQ(t.size(), ref.size());
  EXPECT_LE(t.size() * 2, t.capacity());
}

TEST(SpiTable, ExtremeSpisAndGrowth) {
  SpiTable t;
  for (uint32_t i = 0; i < 100000; ++i) t.Insert(Record(0xffffffffu - i, i));
  EXPECT_EQ(Lookup(t, 0xffffffffu), 0u);
  EXPECT_EQ(Lookup(t, 0xffffffffu - 99999), 99999u);
  EXPECT_EQ(t.Find(0), nullptr);
  t.Erase(0xffffffffu);
  EXPECT_EQ(t.Find(0xffffffffu), nullptr);
  EXPECT_EQ(t.size(), 99999u);
}

TEST(SpiTable, FindBurstAgreesWithFind) {
  SpiTable t;
  std::mt19937 rng(11);
  // Dense small SPIs next to random ones: long probe runs and single-bucket hits both occur.
  for (uint32_t i = 0; i < 3000; ++i) t.Insert(Record(i % 2 ? rng() | 1 : 0x100 + i, i));
  for (uint32_t i = 0; i < 3000; i += 3) t.Erase(0x100 + i);
  std::vector<uint32_t> spis;
  for (int i = 0; i < 1000; ++i) {
    spis.push_back(rng() % 4 == 0 ? rng() : 0x100 + rng() % 3000);  // many absent, many present
  }
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, spis.size()}) {
    std::vector<InboundRecord*> out(n, nullptr);
    t.FindBurst(spis.data(), n, out.data());
    for (size_t k = 0; k < n; ++k) ASSERT_EQ(out[k], t.Find(spis[k])) << n << " " << k;
  }
}

TEST(SpiTable, RecordsAreWritableInPlace) {
  SpiTable t;
  t.Insert(Record(0x1234, 7));
  InboundRecord* r = t.Find(0x1234);
  ASSERT_NE(r, nullptr);
  r->drops[1] = 42;
  r->hard_deadline_ns = INT64_MIN;
  const InboundRecord* again = t.Find(0x1234);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->drops[1], 42u);
  EXPECT_EQ(again->hard_deadline_ns, INT64_MIN);
  // A rehash moves the record and keeps its state.
  for (uint32_t i = 0; i < 1000; ++i) t.Insert(Record(0x10000 + i, i));
  const InboundRecord* moved = t.Find(0x1234);
  ASSERT_NE(moved, nullptr);
  EXPECT_EQ(moved->drops[1], 42u);
  EXPECT_EQ(moved->index, 7u);
}

TEST(InboundRecord, SlotsNameEachCountedReasonOnce) {
  for (size_t k = 0; k < InboundRecord::kNumCounted; ++k) {
    EXPECT_EQ(InboundRecord::Slot(InboundRecord::kReasons[k]), k);
  }
  EXPECT_EQ(InboundRecord::Slot(DropReason::kBadIcv), InboundRecord::kNumCounted);
}

}  // namespace
}  // namespace tunnelisa::dataplane
