// Two engines negotiating IKEv2 with certificates (issue 11): the configuration's ca-profiles
// and cert blocks resolved from a PKI directory, both ways and asymmetric, GRE over IPsec in
// bursts, and the refusals: a revoked peer (the auth-failure event says so), a key that does
// not match its certificate, a configuration with certificates but no PKI directory. Then the
// same with IKEv1 (RSA signatures, RFC 2409 5.1): Main and Aggressive Mode carrying bursts, a
// wrong remote-id, an ECDSA key IKEv1 cannot sign with.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/engine_ike_test_util.h"
#include "gmock/gmock.h"
#include "ike/auth/auth_test_pki.h"
#include "tunnelisa/pki/store.h"

namespace tunnelisa::testing {
namespace {

using ike::testing::Pki;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FixedWallClock final : public WallClock {
 public:
  WallTime Now() override { return WallTime::FromUnixSeconds(pki::testing::kNow); }
};

// GwRsa2: a second RSA gateway under the root (IKEv1 signs with RSA only), and its key.
const pki::PrivateKey& Rsa2Key() {
  static const pki::PrivateKey* k = new pki::PrivateKey(pki::testing::Key(pki::KeyType::kRsa, 46));
  return *k;
}
const pki::Certificate& GwRsa2() {
  static const pki::Certificate* c =
      new pki::Certificate(pki::testing::Mint({.subject = "O=Example,CN=gw-rsa2",
                                               .key = Rsa2Key().public_key(),
                                               .issuer = &Pki().root,
                                               .issuer_key = Pki().root_key,
                                               .san = "DNS:gw-rsa2.example.com",
                                               .serial = 20}));
  return *c;
}

// Store: a PKI directory holding the test PKI (auth_test_pki.h) under plain names.
struct Store {
  std::filesystem::path dir;
  std::optional<pki::PkiStore> store;
  Store() {
    dir = std::filesystem::temp_directory_path() /
          ("tunnelisa-engine-cert-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    absl::StatusOr<pki::PkiStore> s = pki::PkiStore::Open(dir.string(), SecretBytes(32));
    EXPECT_TRUE(s.ok()) << s.status();
    store.emplace(*std::move(s));
    const auto& p = Pki();
    for (const auto& [name, cert] :
         std::vector<std::pair<std::string, const pki::Certificate*>>{{"root.der", &p.root},
                                                                      {"sub.der", &p.sub},
                                                                      {"gw-ec.der", &p.gw_ec},
                                                                      {"gw-rsa.der", &p.gw_rsa},
                                                                      {"revoked.der", &p.revoked},
                                                                      {"gw-rsa2.der", &GwRsa2()}}) {
      EXPECT_TRUE(store->SaveCertificate(name, *cert).ok());
    }
    EXPECT_TRUE(store->SaveCrl("root.crl", p.root_crl).ok());
    EXPECT_TRUE(store->SaveCrl("sub.crl", p.sub_crl).ok());
    EXPECT_TRUE(store->SaveKey("ec.key", p.ec_key).ok());
    EXPECT_TRUE(store->SaveKey("rsa.key", p.rsa_key).ok());
    EXPECT_TRUE(store->SaveKey("rsa2.key", Rsa2Key()).ok());
  }
  ~Store() { std::filesystem::remove_all(dir); }
};

const char kProfiles[] =
    "config system security pki\n"
    "  ca-profile \"root\" create\n"
    "    cert-file \"root.der\"\n"
    "    crl-file \"root.crl\"\n"
    "    no shutdown\n"
    "  exit\n"
    "  ca-profile \"sub\" create\n"
    "    cert-file \"sub.der\"\n"
    "    crl-file \"sub.crl\"\n"
    "    no shutdown\n"
    "  exit\n"
    "exit all\n";

// WithCerts: a Dynamic() router text with `config system security pki`, the ike-policy's
// methods, and a cert block beside (or instead of) the pre-shared key.
std::string WithCerts(std::string text, std::string_view peer_method, std::string_view own_method,
                      std::string_view cert, std::string_view key, bool keep_psk) {
  text = std::string(kProfiles) + text;
  text = Replace(text, "ike-version 2\n",
                 "ike-version 2\n    auth-method " + std::string(peer_method) +
                     "\n    own-auth-method " + std::string(own_method) + "\n");
  std::string block = "        cert\n";
  if (!cert.empty()) block += "          cert \"" + std::string(cert) + "\"\n";
  if (!key.empty()) block += "          key \"" + std::string(key) + "\"\n";
  block += "          trust-anchor \"root\"\n        exit\n";
  const std::string psk_line = "        pre-shared-key \"secret\"\n";
  text = Replace(text, psk_line, (keep_psk ? psk_line : std::string()) + block);
  return text;
}

struct CertPair {
  Store store;
  FixedWallClock clock;
  EngineOptions options;
  std::unique_ptr<RouterPair> pair;
  CertPair(std::string a_text, std::string b_text) {
    options.pki_store = &*store.store;
    options.host.wall_clock = &clock;
    pair = std::make_unique<RouterPair>(a_text, b_text, MonoTime{}, &options);
  }
  // AuthFailuresOfA: the details of Router A's auth-failure events, in order.
  std::vector<std::string> AuthFailuresOfA() const {
    std::vector<std::string> out;
    for (const auto& e : pair->a().events.ike) {
      if (e.kind == IkeEventKind::kAuthFailed) out.push_back(e.detail);
    }
    return out;
  }
};

std::string RouterA(bool auto_establish = true) {
  return Dynamic(ReadEngineVector("router_a.cfg"), {}, auto_establish);
}
std::string RouterB() { return Dynamic(ReadEngineVector("router_b.cfg"), {}, false); }

TEST(EngineCert, CertificatesBothWaysCarryBursts) {
  CertPair c(WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-rsa.der", "rsa.key", false),
             WithCerts(RouterB(), "cert-auth", "cert-auth", "gw-ec.der", "ec.key", false));
  c.pair->Pump(At(0));
  for (Router* r : {&c.pair->a(), &c.pair->b()}) {
    EXPECT_EQ(r->events.Count(IkeEventKind::kIkeUp), 1u);
    EXPECT_EQ(r->events.Count(IkeEventKind::kChildUp), 1u);
  }
  // Each side knows the other by its certificate's subject.
  EXPECT_EQ(c.pair->a().events.ike[0].peer_id, "O=Example, CN=gw-ec");
  EXPECT_EQ(c.pair->b().events.ike[0].peer_id, "O=Example, CN=gw-rsa");
  EXPECT_TRUE(TrafficBursts(*c.pair, At(1)));
}

TEST(EngineCert, AsymmetricPskOneWayCertificateTheOther) {
  // A proves itself with the pre-shared key and wants B's certificate; B the reverse.
  CertPair c(WithCerts(RouterA(), "cert-auth", "psk", "", "", true),
             WithCerts(RouterB(), "psk", "cert-auth", "gw-ec.der", "ec.key", true));
  c.pair->Pump(At(0));
  EXPECT_EQ(c.pair->a().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(c.pair->b().events.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_TRUE(TrafficBursts(*c.pair, At(1)));
}

TEST(EngineCert, RevokedPeerIsRefusedWithTheReason) {
  CertPair c(WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-rsa.der", "rsa.key", false),
             WithCerts(RouterB(), "cert-auth", "cert-auth", "revoked.der", "ec.key", false));
  c.pair->Pump(At(0));
  EXPECT_EQ(c.pair->a().events.Count(IkeEventKind::kChildUp), 0u);
  EXPECT_THAT(c.AuthFailuresOfA(), ElementsAre(HasSubstr("certificate revoked")));
  EXPECT_FALSE(Traffic(*c.pair, At(1)));
}

TEST(EngineCert, RemoteIdNamesTheSubjectOrASubjectAltName) {
  // A asks for B's DN, or for a name in B's certificate; a name it does not carry is refused.
  auto with_remote_id = [](std::string line) {
    return Replace(WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-rsa.der", "rsa.key", false),
                   "        transform 1\n",
                   "        transform 1\n        remote-id " + line + "\n");
  };
  const std::string b =
      WithCerts(RouterB(), "cert-auth", "cert-auth", "gw-ec.der", "ec.key", false);
  for (const std::string& good :
       {std::string("dn \"O=Example,CN=gw-ec\""), std::string("fqdn gw-ec.example.com")}) {
    CertPair c(with_remote_id(good), b);
    c.pair->Pump(At(0));
    EXPECT_EQ(c.pair->a().events.Count(IkeEventKind::kChildUp), 1u) << good;
  }
  CertPair c(with_remote_id("fqdn gw-rsa.example.com"), b);
  c.pair->Pump(At(0));
  EXPECT_EQ(c.pair->a().events.Count(IkeEventKind::kChildUp), 0u);
  EXPECT_THAT(c.AuthFailuresOfA(), ElementsAre(HasSubstr("remote-id")));
}

TEST(EngineCert, BadFilesAndNoDirectoryRefuseTheConfiguration) {
  Store store;
  FixedWallClock clock;
  EngineOptions o;
  o.crypto = TestRegistry();
  RecordingTransport transport;
  o.host = {.transport = &transport, .wall_clock = &clock};
  const std::string mismatch =
      WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-rsa.der", "ec.key", false);
  {
    auto e = *Engine::Create(o);  // no PKI directory
    absl::Status s = e->ApplyConfig(ParseConfig(mismatch), MonoTime{});
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(s.message(), HasSubstr("PKI directory"));
  }
  o.pki_store = &*store.store;
  auto e = *Engine::Create(o);
  absl::Status s = e->ApplyConfig(ParseConfig(mismatch), MonoTime{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("does not match"));
  // A good configuration then applies; the refused one changed nothing before it.
  EXPECT_TRUE(e->ApplyConfig(ParseConfig(WithCerts(RouterA(), "cert-auth", "cert-auth",
                                                   "gw-rsa.der", "rsa.key", false)),
                             MonoTime{})
                  .ok());
}

// Ikev1: an IKEv2 text from WithCerts keyed by IKEv1 instead (`mode`: main or aggressive).
std::string Ikev1(std::string text, std::string_view mode = "main") {
  return Replace(text, "ike-version 2\n",
                 "ike-version 1\n    ike-mode " + std::string(mode) + "\n");
}

TEST(EngineCert, Ikev1WithRsaCertificatesCarriesBursts) {
  for (std::string_view mode : {"main", "aggressive"}) {
    SCOPED_TRACE(mode);
    CertPair c(
        Ikev1(WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-rsa.der", "rsa.key", false), mode),
        Ikev1(WithCerts(RouterB(), "cert-auth", "cert-auth", "gw-rsa2.der", "rsa2.key", false),
              mode));
    c.pair->Pump(At(0));
    for (Router* r : {&c.pair->a(), &c.pair->b()}) {
      EXPECT_EQ(r->events.Count(IkeEventKind::kIkeUp), 1u);
      EXPECT_EQ(r->events.Count(IkeEventKind::kChildUp), 1u);
      EXPECT_EQ(r->events.Count(IkeEventKind::kAuthFailed), 0u);
    }
    ASSERT_FALSE(c.pair->a().events.ike.empty());
    EXPECT_EQ(c.pair->a().events.ike[0].peer_id, "O=Example, CN=gw-rsa2");
    EXPECT_EQ(c.pair->b().events.ike[0].peer_id, "O=Example, CN=gw-rsa");
    EXPECT_THAT(c.pair->a().events.ike[0].detail, HasSubstr(std::string(mode) + " mode"));
    // Several bursts both ways through the tunnel.
    for (int k = 0; k < 3; ++k) EXPECT_TRUE(TrafficBursts(*c.pair, At(1 + k)));
  }
}

TEST(EngineCert, Ikev1RefusesWithTheReason) {
  // A remote-id B's certificate does not carry.
  {
    const std::string a = Replace(
        Ikev1(WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-rsa.der", "rsa.key", false)),
        "        transform 1\n", "        transform 1\n        remote-id fqdn gw-ec.example.com\n");
    CertPair c(
        a, Ikev1(WithCerts(RouterB(), "cert-auth", "cert-auth", "gw-rsa2.der", "rsa2.key", false)));
    c.pair->Pump(At(0));
    EXPECT_EQ(c.pair->a().events.Count(IkeEventKind::kChildUp), 0u);
    EXPECT_THAT(c.AuthFailuresOfA(), ElementsAre(HasSubstr("remote-id")));
    EXPECT_FALSE(Traffic(*c.pair, At(1)));
  }
  // An ECDSA key cannot sign IKEv1: the tunnel stays down and says why.
  {
    CertPair c(
        Ikev1(WithCerts(RouterA(), "cert-auth", "cert-auth", "gw-ec.der", "ec.key", false)),
        Ikev1(WithCerts(RouterB(), "cert-auth", "cert-auth", "gw-rsa2.der", "rsa2.key", false)));
    c.pair->Pump(At(0));
    EXPECT_EQ(c.pair->a().events.Count(IkeEventKind::kIkeUp), 0u);
    config::OperStatus s = c.pair->a().engine->runtime().IpsecTunnelStatus(kIpsec);
    EXPECT_FALSE(s.up());
    EXPECT_THAT(s.reasons, ::testing::Contains(HasSubstr("IKEv1 signs with RSA keys only")));
  }
}

}  // namespace
}  // namespace tunnelisa::testing
