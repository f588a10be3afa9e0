// Shared by the fuzz targets with a structure-aware mutator (LLVMFuzzerCustomMutator): the
// random source, byte-level mutation of a sub-range through libFuzzer's own mutators
// (LLVMFuzzerMutate), and the switch that turns the structure off for measurements.
//
// TUNNELISA_FUZZ_BYTES_ONLY=1 in the environment makes every custom mutator call
// LLVMFuzzerMutate on the whole input, which applies libFuzzer's default mutators (the same
// ones a target without a custom mutator gets), so one binary measures coverage with and
// without the structure (docs/reliability.md, "Fuzz campaigns").
#ifndef TUNNELISA_TESTS_FUZZ_CUSTOM_MUTATOR_H_
#define TUNNELISA_TESTS_FUZZ_CUSTOM_MUTATOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace tunnelisa::fuzz {

// BytesOnly: TUNNELISA_FUZZ_BYTES_ONLY is set (read once).
inline bool BytesOnly() {
  static const bool bytes_only = std::getenv("TUNNELISA_FUZZ_BYTES_ONLY") != nullptr;
  return bytes_only;
}

// Rng: deterministic in libFuzzer's seed, so a mutation sequence replays with -seed.
class Rng {
 public:
  explicit Rng(unsigned seed) : engine_(seed) {}
  // Below: uniform in [0, n); 0 when n is 0.
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(engine_() % n); }
  // OneIn: true with probability 1/n.
  bool OneIn(size_t n) { return Below(n) == 0; }
  uint8_t Byte() { return static_cast<uint8_t>(engine_()); }
  uint32_t U32() { return static_cast<uint32_t>(engine_()); }

 private:
  std::mt19937 engine_;
};

// MutateBytes: libFuzzer's byte-level mutators on `bytes`, letting it grow by at most `grow`
// octets (the caller's budget against max_size).
inline void MutateBytes(std::vector<uint8_t>& bytes, size_t grow) {
  const size_t size = bytes.size();
  // LLVMFuzzerMutate needs room for at least one octet to insert into an empty buffer.
  bytes.resize(size + std::max<size_t>(grow, 1));
  const size_t n = LLVMFuzzerMutate(bytes.data(), size, size + grow);
  bytes.resize(std::min(n, size + grow));
}

// Be16 / PutBe16 / Be32 / PutBe32: big-endian fields.
inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline void PutBe16(uint8_t* p, size_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint32_t Be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void PutBe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// Emit: copies `bytes` into libFuzzer's buffer when they fit; otherwise falls back to a
// byte-level mutation of the original input. Returns the new size.
inline size_t Emit(const std::vector<uint8_t>& bytes, uint8_t* data, size_t size, size_t max_size) {
  if (bytes.empty() || bytes.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::copy(bytes.begin(), bytes.end(), data);
  return bytes.size();
}

}  // namespace tunnelisa::fuzz

#endif  // TUNNELISA_TESTS_FUZZ_CUSTOM_MUTATOR_H_
