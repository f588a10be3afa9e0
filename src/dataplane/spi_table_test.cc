#include "dataplane/spi_table.h"

#include <random>
#include <unordered_map>

#include "gtest/gtest.h"

namespace tunnelisa::dataplane {
namespace {

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
      t.Insert(spi, index);
      ref[spi] = index;
    }
    if (step % 997 == 0) {
      for (uint32_t s = 0; s < 5000; ++s) {
        auto it = ref.find(s);
        ASSERT_EQ(t.Find(s), it == ref.end() ? SpiTable::kNotFound : it->second) << s;
      }
    }
  }
  EXPECT_EQ(t.size(), ref.size());
}

TEST(SpiTable, ExtremeSpisAndGrowth) {
  SpiTable t;
  for (uint32_t i = 0; i < 100000; ++i) t.Insert(0xffffffffu - i, i);
  EXPECT_EQ(t.Find(0xffffffffu), 0u);
  EXPECT_EQ(t.Find(0xffffffffu - 99999), 99999u);
  EXPECT_EQ(t.Find(0), SpiTable::kNotFound);
  t.Erase(0xffffffffu);
  EXPECT_EQ(t.Find(0xffffffffu), SpiTable::kNotFound);
  EXPECT_EQ(t.size(), 99999u);
}

}  // namespace
}  // namespace tunnelisa::dataplane
