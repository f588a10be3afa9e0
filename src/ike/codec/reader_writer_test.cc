#include <cstdint>
#include <span>
#include <vector>

#include "gtest/gtest.h"
#include "ike/codec/reader.h"
#include "ike/codec/writer.h"

namespace tunnelisa::ike {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ReaderTest, ReadsBigEndianIntegers) {
  const Bytes data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  Reader r(data);
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  ASSERT_TRUE(r.U8(a) && r.U16(b) && r.U32(c) && r.U64(d));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x04050607u);
  EXPECT_EQ(d, 0x08090a0b0c0d0e0full);
  EXPECT_TRUE(r.empty());
}

TEST(ReaderTest, EveryReadPastTheEndFailsAndLeavesTheCursor) {
  const Bytes data = {0xaa, 0xbb, 0xcc};
  Reader r(data, 100);
  uint32_t v32 = 7;
  uint64_t v64 = 7;
  std::span<const uint8_t> view;
  Bytes copy;
  Reader sub;
  EXPECT_FALSE(r.U32(v32));
  EXPECT_FALSE(r.U64(v64));
  EXPECT_FALSE(r.Bytes(4, view));
  EXPECT_FALSE(r.CopyBytes(4, copy));
  EXPECT_FALSE(r.Skip(4));
  EXPECT_FALSE(r.Sub(4, sub));
  EXPECT_EQ(v32, 7u);
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(r.offset(), 100u);
  uint16_t v16 = 0;
  uint8_t v8 = 0;
  ASSERT_TRUE(r.U16(v16));
  EXPECT_FALSE(r.U16(v16));
  ASSERT_TRUE(r.U8(v8));
  EXPECT_FALSE(r.U8(v8));
  EXPECT_TRUE(r.empty());
}

TEST(ReaderTest, SubReaderIsBoundedAndKnowsItsAbsoluteOffset) {
  const Bytes data = {1, 2, 3, 4, 5, 6};
  Reader r(data, 28);
  ASSERT_TRUE(r.Skip(1));
  Reader sub;
  ASSERT_TRUE(r.Sub(3, sub));
  EXPECT_EQ(sub.offset(), 29u);
  EXPECT_EQ(sub.remaining(), 3u);
  uint32_t too_much = 0;
  EXPECT_FALSE(sub.U32(too_much));  // the parent still has bytes, the sub-reader does not
  EXPECT_EQ(sub.CopyRest(), (Bytes{2, 3, 4}));
  EXPECT_EQ(r.offset(), 32u);
  EXPECT_EQ(r.CopyRest(), (Bytes{5, 6}));
  EXPECT_TRUE(r.Rest().empty());
}

TEST(WriterTest, WritesBigEndianAndPatchesReservedLengths) {
  Writer w;
  w.U8(0x01);
  const size_t at16 = w.Reserve16();
  w.U32(0x02030405);
  const size_t at32 = w.Reserve32();
  w.U64(0x060708090a0b0c0d);
  ASSERT_TRUE(w.Patch16(at16, 0xbeef));
  ASSERT_TRUE(w.Patch32(at32, w.size()));
  EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()),
            (Bytes{0x01, 0xbe, 0xef, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00, 0x13, 0x06, 0x07,
                   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d}));
}

TEST(WriterTest, PatchRejectsValuesThatDoNotFitAndBadPositions) {
  Writer w;
  const size_t at8 = w.Reserve8();
  const size_t at16 = w.Reserve16();
  EXPECT_FALSE(w.Patch8(at8, 0x100));
  EXPECT_FALSE(w.Patch16(at16, 0x10000));
  EXPECT_FALSE(w.Patch32(0, 0x100000000ull));
  EXPECT_FALSE(w.Patch16(2, 1));  // only one octet left at position 2
  EXPECT_FALSE(w.Patch8(3, 1));
  EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), (Bytes{0, 0, 0}));
  EXPECT_TRUE(w.Patch16(at16, 0xffff));
  EXPECT_EQ(w.Take(), (Bytes{0, 0xff, 0xff}));
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace tunnelisa::ike
