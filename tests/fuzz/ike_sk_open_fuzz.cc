// libFuzzer target: IKEv2 SK/SKF protection and IKE fragment reassembly (src/ike/protect).
// Build with clang and -DTUNNELISA_FUZZ=ON. No seed corpus yet: datagrams from
// tests/vectors/ike/sk/sk_vectors.txt make good seeds (the suite byte first, see below).
//
// The first input octet picks one of a few suites (fixed keys, a pair of peers); the rest is
// used twice:
//  - as a received datagram: Open, OpenFragment and a FragmentCollector must reject it (an ICV
//    failure is exactly PermissionDenied without a notify) or accept it, never crash or grow;
//  - as plaintext the peer seals (SK, or SKF when the first octet's top bit is set, Fragment
//    Number / Total Fragments from the input): opening must pass the ICV, so the padding and
//    inner payload parsers run on fuzzer-shaped decrypted content, and whatever parses must
//    seal and open again to the same payloads.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "ike/codec/errors.h"
#include "ike/protect/fragments.h"
#include "ike/protect/sk_protection.h"

namespace {

using namespace tunnelisa;
using namespace tunnelisa::ike;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::vector<uint8_t> Pattern(size_t n, uint8_t start) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + 7 * i);
  return b;
}

struct Pair {
  std::unique_ptr<SkProtector> sender;
  std::unique_ptr<SkProtector> receiver;
};

Pair MakePair(const SkSuite& suite) {
  absl::StatusOr<SkSizes> s = SkSizesFor(suite);
  Check(s.ok());
  const std::vector<uint8_t> ka = Pattern(s->encr_key, 0x11), kb = Pattern(s->encr_key, 0x51);
  const std::vector<uint8_t> ia = Pattern(s->integ_key, 0x91), ib = Pattern(s->integ_key, 0xd1);
  auto a = SkProtector::Create(suite, {.encr_out = SecretBytes(ka),
                                       .integ_out = SecretBytes(ia),
                                       .encr_in = SecretBytes(kb),
                                       .integ_in = SecretBytes(ib)});
  auto b = SkProtector::Create(suite, {.encr_out = SecretBytes(kb),
                                       .integ_out = SecretBytes(ib),
                                       .encr_in = SecretBytes(ka),
                                       .integ_in = SecretBytes(ia)});
  Check(a.ok() && b.ok());
  return {*std::move(a), *std::move(b)};
}

std::vector<Pair>& Pairs() {
  static std::vector<Pair>* pairs = [] {
    auto* p = new std::vector<Pair>();
    for (const SkSuite& s : {SkSuite{IkeEncrId::kAesCbc, 128, IkeIntegId::kHmacSha256_128},
                             SkSuite{IkeEncrId::k3DesCbc, 0, IkeIntegId::kHmacSha1_96},
                             SkSuite{IkeEncrId::kAesGcm8, 128, IkeIntegId::kNone},
                             SkSuite{IkeEncrId::kChaCha20Poly1305, 0, IkeIntegId::kNone}}) {
      p->push_back(MakePair(s));
    }
    return p;
  }();
  return *pairs;
}

bool IsIcvFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kPermissionDenied && !GetNotifyToSend(s).has_value();
}

void AsReceived(Pair& pair, std::span<const uint8_t> datagram) {
  absl::StatusOr<std::vector<Payload>> opened = pair.receiver->Open(datagram);
  if (!opened.ok()) Check(!opened.status().message().empty());
  absl::StatusOr<OpenedFragment> fragment = pair.receiver->OpenFragment(datagram);
  if (!fragment.ok()) Check(!fragment.status().message().empty());
  FragmentCollector collector({.max_fragments = 8, .max_bytes = 4096});
  (void)collector.Add(*pair.receiver, datagram);
  Check(collector.buffered_bytes() <= 4096);
}

void AsPlaintext(Pair& pair, uint8_t selector, std::span<const uint8_t> rest) {
  if (rest.size() < 5) return;
  const Header header{.initiator_spi = 1,
                      .responder_spi = 2,
                      .exchange_type = static_cast<uint8_t>(ExchangeType::kIkeAuth),
                      .flags = kFlagInitiator,
                      .message_id = 1};
  const bool skf = (selector & 0x80) != 0;
  FragmentFields fields{.number = static_cast<uint16_t>(rest[1] % 4 + 1),
                        .total = static_cast<uint16_t>(rest[2] % 4 + 1)};
  uint8_t first_inner = rest[0];
  std::vector<uint8_t> plain(rest.begin() + 3, rest.end());
  const size_t block = pair.sender->sizes().block;
  plain.resize(plain.size() - plain.size() % block);
  if (plain.empty()) plain.assign(block, 0);
  if (skf && fields.number > fields.total) std::swap(fields.number, fields.total);
  if (skf && fields.number > 1) first_inner = 0;
  absl::StatusOr<std::vector<uint8_t>> sealed =
      pair.sender->SealPlaintext(header, first_inner, plain, skf ? &fields : nullptr);
  if (!sealed.ok()) return;  // e.g. too long for one payload
  if (skf) {
    absl::StatusOr<OpenedFragment> f = pair.receiver->OpenFragment(*sealed);
    Check(f.ok() || !IsIcvFailure(f.status()));
    FragmentCollector collector;
    absl::StatusOr<FragmentOutcome> out = collector.Add(*pair.receiver, *sealed);
    Check(out.ok() || !IsIcvFailure(out.status()));
    return;
  }
  absl::StatusOr<std::vector<Payload>> opened = pair.receiver->Open(*sealed);
  Check(opened.ok() || !IsIcvFailure(opened.status()));
  if (!opened.ok()) return;
  absl::StatusOr<std::vector<uint8_t>> again = pair.sender->Seal(header, *opened);
  Check(again.ok());
  absl::StatusOr<std::vector<Payload>> reopened = pair.receiver->Open(*again);
  Check(reopened.ok() && *reopened == *opened);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<Pair>& pairs = Pairs();
  Pair& pair = pairs[(data[0] & 0x7f) % pairs.size()];
  const std::span<const uint8_t> rest(data + 1, size - 1);
  AsReceived(pair, rest);
  AsPlaintext(pair, data[0], rest);
  return 0;
}
