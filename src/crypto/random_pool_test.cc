// File: crypto/random_pool_test.cc
#include "crypto/random_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace tunnelisa::crypto {
namespace {

TEST(RandomPool, SmallRequestsShareABlockAndNeverRepeat) {
  RandomPool pool;
  std::set<std::vector<uint8_t>> seen;
  // 8-octet pieces: 32 per block; 100 of them need 4 blocks (3 whole and part of a fourth).
  for (int i = 0; i < 100; ++i) {
    std::vector<uint8_t> piece(8);
    pool.Fill(piece);
    EXPECT_TRUE(seen.insert(piece).second) << "piece " << i << " repeated";
  }
  EXPECT_EQ(pool.refills(), 4u);
}

TEST(RandomPool, APieceCanSpanTwoBlocksAndLargeRequestsBypassThePool) {
  RandomPool pool;
  std::vector<uint8_t> a(200), b(100), big(RandomPool::kBlock + 1);
  pool.Fill(a);  // block 1: 56 left
  pool.Fill(b);  // 56 from block 1, 44 from block 2
  EXPECT_EQ(pool.refills(), 2u);
  pool.Fill(big);  // straight from RAND_bytes
  EXPECT_EQ(pool.refills(), 2u);
  // Not all zero (a wiped pool handed out would be): 2^-800 chance of a false failure.
  EXPECT_NE(b, std::vector<uint8_t>(100, 0));
  EXPECT_NE(std::vector<uint8_t>(b.begin() + 56, b.end()), std::vector<uint8_t>(44, 0));
}

TEST(RandomPool, APrivatePoolServesLikeAPublicOne) {
  RandomPool pool(RandomPool::Source::kPrivate);
  std::vector<uint8_t> a(32), b(32);
  pool.Fill(a);
  pool.Fill(b);
  EXPECT_EQ(pool.refills(), 1u);
  EXPECT_NE(a, b);
}

TEST(RandomPool, AForkedChildDoesNotHandOutWhatTheParentWill) {
  RandomPool pool;
  std::vector<uint8_t> first(16);
  pool.Fill(first);  // the pool now holds 240 octets
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::vector<uint8_t> piece(16);
    pool.Fill(piece);
    const bool refilled = pool.refills() == 2;
    (void)!write(fds[1], piece.data(), piece.size());
    _exit(refilled ? 0 : 1);
  }
  close(fds[1]);
  std::vector<uint8_t> from_child(16);
  ASSERT_EQ(read(fds[0], from_child.data(), from_child.size()), 16);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child served from the inherited pool";
  std::vector<uint8_t> ours(16);
  pool.Fill(ours);
  EXPECT_EQ(pool.refills(), 2u) << "the parent discarded its pool too";
  EXPECT_NE(ours, from_child);
}

}  // namespace
}  // namespace tunnelisa::crypto
