// IKEv2 handshake figures (issue 5): BM_IkeHandshake/<group> is a whole PSK negotiation
// (IKE_SA_INIT + IKE_AUTH with one CHILD SA, installed into a real ESP data plane on both
// sides) between two IkeManagers in one process; BM_IkeCryptoFloor/<group> is the same
// handshake's Diffie-Hellman (two key generations, two derivations) and PRF work (SKEYSEED and
// prf+ on both sides, four AUTH computations, two CHILD SA KEYMATs) alone. The ratio says what
// the protocol machinery costs on top of the unavoidable crypto.
//
// IKEv1 (issue 12): BM_Ikev1MainMode/<group> is Main Mode with a pre-shared key and one Quick
// Mode (installed into real ESP data planes) between two Ikev1Managers; BM_Ikev1CryptoFloor is
// its DH and PRF work alone (SKEYID and its three children on both sides, HASH_I / HASH_R made
// and checked, Quick Mode's three hashes made and checked, two KEYMATs per side).
#include <benchmark/benchmark.h>
#include <openssl/rand.h>

#include <deque>
#include <limits>
#include <memory>

#include "bench/bench_ike_host.h"
#include "crypto/ike_crypto.h"
#include "crypto/ike_keymat.h"
#include "ike/auth/cert_authenticator.h"
#include "ike/auth/psk_authenticator.h"
#include "ike/auth/signature_methods.h"
#include "ike/v1/crypto/v1_keymat.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v2/ike_manager.h"
#include "pki/mint.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/esp_dataplane.h"
#include "tunnelisa/pki/ca_profile.h"

namespace tunnelisa {
namespace {

struct Wire {
  std::deque<std::vector<uint8_t>> to_a, to_b;
};

// BenchHost: one side's IkeHost: datagrams into the other side's queue.
class BenchHost final : public bench::EspIkeHost {
 public:
  explicit BenchHost(std::deque<std::vector<uint8_t>>* out) : out_(out) {}
  void SendIke(const ike::IkeEndpoint&, const ike::IkeEndpoint&,
               std::span<const uint8_t> datagram) override {
    out_->emplace_back(datagram.begin(), datagram.end());
  }
  // The minted certificates' time (pki/mint.h), not the system clock.
  WallTime WallNow() override { return WallTime::FromUnixSeconds(pki::testing::kNow); }

 private:
  std::deque<std::vector<uint8_t>>* out_;
};

ike::IkePeerConfig Peer(DhGroup group, bool a_side) {
  ike::IkePeerConfig p;
  p.id = 1;
  p.name = "bench";
  p.local = *IpAddress::Parse(a_side ? "192.0.2.1" : "192.0.2.2");
  p.remote = *IpAddress::Parse(a_side ? "192.0.2.2" : "192.0.2.1");
  static const std::array<uint8_t, 16> kPsk = {'b', 'e', 'n', 'c', 'h', '-', 'p', 's', 'k'};
  p.auth = ike::PskAuthenticator::Both(std::make_shared<const SecretBytes>(kPsk));
  p.local_id = ike::IdPayload::FromAddress(p.local);
  p.ike = {EncryptionAlgorithm::kAes256Gcm16, IntegrityAlgorithm::kHmacSha256_128, group};
  p.child = {{EspSuite{EncryptionAlgorithm::kAes128Gcm16, IntegrityAlgorithm::kNone}, {}}};
  return p;
}

DhGroup GroupArg(int64_t arg) { return static_cast<DhGroup>(arg); }

template <typename Manager>
void Pump(Manager& a, Manager& b, Wire& w, const ike::IkePeerConfig& pa,
          const ike::IkePeerConfig& pb) {
  for (int round = 0; round < 16 && (!w.to_a.empty() || !w.to_b.empty()); ++round) {
    while (!w.to_b.empty()) {
      std::vector<uint8_t> d = std::move(w.to_b.front());
      w.to_b.pop_front();
      b.OnDatagram({pb.local, 500}, {pa.local, 500}, d, false, MonoTime{});
    }
    while (!w.to_a.empty()) {
      std::vector<uint8_t> d = std::move(w.to_a.front());
      w.to_a.pop_front();
      a.OnDatagram({pa.local, 500}, {pb.local, 500}, d, false, MonoTime{});
    }
  }
}

// RunHandshakes: one whole negotiation (the IKE SA and one CHILD SA on both sides) per
// iteration between two IkeManagers (or Ikev1Managers) configured with `pa` / `pb` (the
// teardown between iterations is not timed).
template <typename Manager = ike::IkeManager>
void RunHandshakes(benchmark::State& state, const ike::IkePeerConfig& pa,
                   const ike::IkePeerConfig& pb, const ike::IkeOptions& options = {}) {
  Wire w;
  BenchHost ha(&w.to_b), hb(&w.to_a);
  Manager a(&ha, options), b(&hb, options);
  a.SetPeers({pa}, MonoTime{});
  b.SetPeers({pb}, MonoTime{});
  for (auto _ : state) {
    const uint64_t up_a = ha.children_up, up_b = hb.children_up;
    (void)a.Initiate(1, MonoTime{});
    Pump(a, b, w, pa, pb);
    state.PauseTiming();
    if (a.EstablishedSa(1) == nullptr || b.EstablishedSa(1) == nullptr ||
        ha.children_up != up_a + 1 || hb.children_up != up_b + 1) {
      state.SkipWithError("handshake failed");
      break;
    }
    a.Shutdown(MonoTime{});
    Pump(a, b, w, pa, pb);
    state.ResumeTiming();
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_IkeHandshake(benchmark::State& state) {
  const DhGroup group = GroupArg(state.range(0));
  RunHandshakes(state, Peer(group, true), Peer(group, false));
}

void BM_IkeCryptoFloor(benchmark::State& state) {
  const DhGroup group = GroupArg(state.range(0));
  const auto prf = crypto::PrfAlgorithm::kHmacSha256;
  std::vector<uint8_t> ni(32, 1), nr(32, 2), spi_i(8, 3), spi_r(8, 4), message(400, 5), id(8, 6),
      psk(9, 7);
  for (auto _ : state) {
    auto ka = crypto::OpenSslDhKeyPair(group).value();
    auto kb = crypto::OpenSslDhKeyPair(group).value();
    SecretBytes sa = ka->Derive(kb->public_value()).value();
    SecretBytes sb = kb->Derive(ka->public_value()).value();
    for (const SecretBytes* shared : {&sa, &sb}) {
      crypto::IkeSaKeys k =
          crypto::DeriveIkeSaKeys(OpenSslIkeCrypto(), prf, {.integrity = 0, .encryption = 36}, ni,
                                  nr, shared->span(), spi_i, spi_r)
              .value();
      // Two AUTH values per side (ours and the peer's check): prf(SK_p, ID),
      // prf(PSK, pad), prf(that, message | nonce | maced ID).
      for (int n = 0; n < 2; ++n) {
        auto p1 = crypto::OpenSslPrf(prf, k.sk_pi.span()).value();
        std::span<const uint8_t> idp[] = {id};
        SecretBytes maced = p1->Compute(idp).value();
        auto p2 = crypto::OpenSslPrf(prf, psk).value();
        static const uint8_t kPad[] = "Key Pad for IKEv2";
        std::span<const uint8_t> pad[] = {{kPad, sizeof(kPad) - 1}};
        SecretBytes key = p2->Compute(pad).value();
        auto p3 = crypto::OpenSslPrf(prf, key.span()).value();
        std::span<const uint8_t> parts[] = {message, nr, maced.span()};
        benchmark::DoNotOptimize(p3->Compute(parts).value());
      }
      benchmark::DoNotOptimize(
          crypto::DeriveChildSaKeys(OpenSslIkeCrypto(), prf, k.sk_d.span(), {}, ni, nr, 20, 0)
              .value());
    }
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// CertWorld: one CA and a certificate for each side, all of `type` (the bench's PKI).
struct CertWorld {
  pki::KeyType type;
  pki::PrivateKey ca_key, a_key, b_key;
  pki::Certificate ca, a_cert, b_cert;
  std::shared_ptr<const pki::ChainVerifier> verifier;

  explicit CertWorld(pki::KeyType t)
      : type(t),
        ca_key(pki::GenerateKey(t, t == pki::KeyType::kRsa ? 2048 : 0)->key),
        a_key(pki::GenerateKey(t, t == pki::KeyType::kRsa ? 2048 : 0)->key),
        b_key(pki::GenerateKey(t, t == pki::KeyType::kRsa ? 2048 : 0)->key) {
    using pki::testing::Mint;
    ca = Mint({.subject = "O=Bench,CN=CA",
               .key = ca_key.public_key(),
               .issuer_key = ca_key,
               .ca = true,
               .serial = 1});
    a_cert = Mint({.subject = "O=Bench,CN=a",
                   .key = a_key.public_key(),
                   .issuer = &ca,
                   .issuer_key = ca_key,
                   .serial = 2});
    b_cert = Mint({.subject = "O=Bench,CN=b",
                   .key = b_key.public_key(),
                   .issuer = &ca,
                   .issuer_key = ca_key,
                   .serial = 3});
    pki::Crl crl = pki::testing::MintCrl({.issuer = &ca, .issuer_key = ca_key});
    std::vector<pki::CaProfile> profiles = {*pki::CaProfile::Create("ca", ca, crl)};
    verifier = std::shared_ptr<const pki::ChainVerifier>(*pki::ChainVerifier::Create(profiles));
  }
  ike::IkePeerConfig Peer(bool a_side) const {
    ike::IkePeerConfig p = ::tunnelisa::Peer(DhGroup::kCurve25519, a_side);
    auto auth = *ike::CertAuthenticator::Create(
        ike::CertOwn{a_side ? a_cert : b_cert, a_side ? a_key : b_key, {}},
        ike::CertCheck{verifier, "ca", ca});
    p.auth = {auth, auth};
    p.local_id = ike::CertAuthenticator::IdentityOf(a_side ? a_cert : b_cert);
    return p;
  }
};

pki::KeyType CertArg(int64_t arg) {
  return arg == 0 ? pki::KeyType::kRsa : pki::KeyType::kEcdsaP256;
}

// BM_IkeHandshakeCert/<0 rsa2048 | 1 ecdsa-p256>: BM_IkeHandshake (x25519) with certificate
// authentication both ways: CERTREQ, CERT, RFC 7427 signatures, chain verification against
// a ca-profile with its CRL, at the host's wall-clock time.
void BM_IkeHandshakeCert(benchmark::State& state) {
  const CertWorld world(CertArg(state.range(0)));
  state.SetLabel(state.range(0) == 0 ? "rsa2048" : "ecdsa-p256");
  RunHandshakes(state, world.Peer(true), world.Peer(false));
}

// BM_IkeCertFloor/<0 rsa2048 | 1 ecdsa-p256>: the floor for a certificate handshake:
// on both sides one x25519 pair and shared secret, one AUTH signature and one verification.
void BM_IkeCertFloor(benchmark::State& state) {
  const CertWorld world(CertArg(state.range(0)));
  state.SetLabel(state.range(0) == 0 ? "rsa2048" : "ecdsa-p256");
  const std::vector<uint16_t> hashes = {2, 3, 4, 5};
  const ike::SignatureScheme scheme = *ike::ChooseSignatureScheme(world.a_key, hashes);
  std::vector<uint8_t> octets(500, 9);
  for (auto _ : state) {
    auto ka = crypto::OpenSslDhKeyPair(DhGroup::kCurve25519).value();
    auto kb = crypto::OpenSslDhKeyPair(DhGroup::kCurve25519).value();
    benchmark::DoNotOptimize(ka->Derive(kb->public_value()).value());
    benchmark::DoNotOptimize(kb->Derive(ka->public_value()).value());
    std::vector<uint8_t> sig_a = world.a_key.Sign(octets, scheme.options).value();
    std::vector<uint8_t> sig_b = world.b_key.Sign(octets, scheme.options).value();
    if (!world.a_key.public_key().Verify(octets, sig_a, scheme.options).ok() ||
        !world.b_key.public_key().Verify(octets, sig_b, scheme.options).ok()) {
      state.SkipWithError("verification failed");
      break;
    }
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// V1Peer: Peer() with ike-version 1: phase 1 aes256-sha256-<group> (IKEv1 has CBC ciphers
// only), ESP aes128gcm16, and selectors for Quick Mode's client IDs.
ike::IkePeerConfig V1Peer(DhGroup group, bool a_side) {
  ike::IkePeerConfig p = Peer(group, a_side);
  p.ike_version = 1;
  p.ike.encryption = EncryptionAlgorithm::kAes256Cbc;
  p.local_ts = {*IpPrefix::Parse(a_side ? "10.1.0.0/16" : "10.2.0.0/16")};
  p.remote_ts = {*IpPrefix::Parse(a_side ? "10.2.0.0/16" : "10.1.0.0/16")};
  return p;
}

void BM_Ikev1MainMode(benchmark::State& state) {
  const DhGroup group = GroupArg(state.range(0));
  // The clock stands still in the bench: without this the per-peer rate limit (10 new phase
  // 1 exchanges a second) would refuse the eleventh handshake.
  ike::IkeOptions options;
  options.init_rate_per_peer = std::numeric_limits<uint32_t>::max();
  RunHandshakes<ike::v1::Ikev1Manager>(state, V1Peer(group, true), V1Peer(group, false), options);
}

void BM_Ikev1CryptoFloor(benchmark::State& state) {
  namespace v1 = ike::v1;
  const DhGroup group = GroupArg(state.range(0));
  const PrfAlgorithm prf = PrfAlgorithm::kHmacSha256;
  const IkeCryptoProvider& c = OpenSslIkeCrypto();
  std::vector<uint8_t> ni(32, 1), nr(32, 2), sa_b(60, 3), id_b(8, 4), qm(300, 5), psk(9, 7);
  for (auto _ : state) {
    auto ka = c.NewDhKeyPair(group).value();
    auto kb = c.NewDhKeyPair(group).value();
    SecretBytes sa = ka->Derive(kb->public_value()).value();
    SecretBytes sb = kb->Derive(ka->public_value()).value();
    for (const SecretBytes* shared : {&sa, &sb}) {
      v1::V1Phase1Keys k = v1::DerivePhase1Keys(c, prf, v1::V1AuthKind::kPreSharedKey, psk, ni, nr,
                                                shared->span(), 1, 2, 32)
                               .value();
      for (v1::V1Side side : {v1::V1Side::kInitiator, v1::V1Side::kResponder}) {
        benchmark::DoNotOptimize(v1::Phase1Hash(c, prf, k.skeyid.span(), side, ka->public_value(),
                                                kb->public_value(), 1, 2, sa_b, id_b)
                                     .value());
      }
      benchmark::DoNotOptimize(v1::QuickHash1(c, prf, k.skeyid_a.span(), 7, qm).value());
      benchmark::DoNotOptimize(v1::QuickHash2(c, prf, k.skeyid_a.span(), 7, ni, qm).value());
      benchmark::DoNotOptimize(v1::QuickHash3(c, prf, k.skeyid_a.span(), 7, ni, nr).value());
      for (uint32_t spi : {0x1000u, 0x2000u}) {
        benchmark::DoNotOptimize(
            v1::QuickKeymat(c, prf, k.skeyid_d.span(), {}, 3, spi, ni, nr, 20).value());
      }
    }
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Args: the DH group numbers (14 modp2048, 19 ecp256, 5 modp1536: Figure 27's).
BENCHMARK(BM_Ikev1MainMode)->Arg(14)->Arg(19)->Arg(5)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ikev1CryptoFloor)->Arg(14)->Arg(19)->Arg(5)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_IkeHandshakeCert)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IkeCertFloor)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// Args: the DH group numbers (31 x25519, 19 ecp256, 14 modp2048).
BENCHMARK(BM_IkeHandshake)->Arg(31)->Arg(19)->Arg(14)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_IkeCryptoFloor)->Arg(31)->Arg(19)->Arg(14)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tunnelisa
