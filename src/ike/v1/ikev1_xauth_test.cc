// IKEv1 remote access between two Ikev1Managers: A is a client with an XAUTH login (and Mode
// Config), B an ipsec-gw that checks users through an XauthVerifier and gives addresses from a
// pool. XAUTH accepted and refused, in Main and Aggressive Mode, the user's address from the
// pool or from RADIUS, loss and duplicates of every transaction message, a client that goes
// away while its check runs, a client that never answers, Quick Modes before XAUTH or for
// another address, and a phase 1 renewal keeping the address.
#include <map>
#include <memory>

#include "gtest/gtest.h"
#include "ike/auth/address_pool.h"
#include "ike/v1/ikev1_manager.h"
#include "ike/v1/ikev1_test_util.h"
#include "ike/v1/v1_transaction_attrs.h"

namespace tunnelisa::ike::v1 {
namespace {

using ::tunnelisa::ike::testing::TestHost;
using ::tunnelisa::ike::v1::testing::V1Pair;
using ::tunnelisa::ike::v1::testing::V1Peer;

// FakeVerifier: remembers the checks; the test answers them (never from inside Start).
class FakeVerifier final : public XauthVerifier {
 public:
  absl::Status Start(uint64_t ticket, XauthCredentials c, MonoTime) override {
    if (refuse_start) return absl::UnavailableError("no RADIUS client");
    started.push_back(c.user);
    passwords[ticket] = std::string(c.password.span().begin(), c.password.span().end());
    clients[ticket] = c.client_address;
    pending.push_back(ticket);
    return absl::OkStatus();
  }
  void Cancel(uint64_t ticket, MonoTime) override {
    cancelled.push_back(ticket);
    std::erase(pending, ticket);
  }
  std::vector<std::string> started;
  std::map<uint64_t, std::string> passwords;
  std::map<uint64_t, IpAddress> clients;
  std::vector<uint64_t> pending, cancelled;
  bool refuse_start = false;
};

std::shared_ptr<const SecretBytes> Secret(std::string_view s) {
  return std::make_shared<const SecretBytes>(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

IkePeerConfig Client(std::string_view password = "pw", bool request_address = true) {
  IkePeerConfig p = V1Peer(true);
  p.local_ts.clear();  // the address Mode Config gives
  p.xauth_login = XauthLogin{"alice", Secret(password)};
  p.request_address = request_address;
  return p;
}

struct Gateway {
  std::shared_ptr<FakeVerifier> verifier = std::make_shared<FakeVerifier>();
  std::shared_ptr<AddressPool> pool =
      *AddressPool::Create(*IpAddress::Parse("10.9.0.10"), *IpAddress::Parse("10.9.0.20"),
                           {*IpAddress::Parse("10.9.0.1")});
  IkePeerConfig Config() const {
    IkePeerConfig p = V1Peer(false);
    p.name = "ipsec-gw ra";
    p.remote = IpAddress();  // anyone
    p.remote_ts.clear();
    p.xauth_verifier = verifier;
    p.address_assigner = pool;
    return p;
  }
};

// Answer: the gateway's verifier completes every pending check with `accepted`.
void Answer(V1Pair& p, FakeVerifier& v, bool accepted,
            std::optional<IpAddress> framed = std::nullopt) {
  std::vector<uint64_t> tickets;
  tickets.swap(v.pending);
  for (uint64_t t : tickets) {
    const bool ok = accepted && v.passwords[t] == "pw";
    p.b.CompleteXauth(t,
                      XauthResult{.accepted = ok,
                                  .reason = ok ? "accepted by test" : "rejected by test",
                                  .framed_address = framed},
                      p.now);
  }
  p.Flush();
}

const V1Sa* GatewaySa(const V1Pair& p) { return p.b.EstablishedSa(7); }

void ExpectConnected(const V1Pair& p, std::string_view address) {
  const V1Sa* a = p.a.EstablishedSa(7);
  const V1Sa* b = GatewaySa(p);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->remote_access.xauth, XauthStep::kAccepted);
  EXPECT_EQ(b->remote_access.user, "alice");
  ASSERT_TRUE(a->remote_access.inner.has_value());
  EXPECT_EQ(a->remote_access.inner->ToString(), address);
  ASSERT_TRUE(b->remote_access.lease.has_value());
  EXPECT_EQ(b->remote_access.lease->address.ToString(), address);
  const TestHost::Child* ca = p.ha.Active();
  const TestHost::Child* cb = p.hb.Active();
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(ca->install.outbound_spi, cb->install.inbound_spi);
  EXPECT_EQ(cb->install.outbound_spi, ca->install.inbound_spi);
  EXPECT_TRUE(ca->install.outbound_enc.Equals(cb->install.inbound_enc));
  ASSERT_EQ(ca->install.local_selectors.size(), 1u);
  EXPECT_EQ(ca->install.local_selectors[0].ToString(), std::string(address) + "/32");
  ASSERT_EQ(cb->install.remote_selectors.size(), 1u);
  EXPECT_EQ(cb->install.remote_selectors[0].ToString(), std::string(address) + "/32");
  EXPECT_EQ(cb->install.local_selectors[0].ToString(), "192.168.2.0/24");
}

TEST(Ikev1Xauth, TheUserIsCheckedThenModeConfigGivesTheAddressAndQuickModeUsesIt) {
  Gateway gw;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  // Phase 1 is up, the gateway asked, the client answered: the check runs; nothing else.
  ASSERT_EQ(gw.verifier->started, std::vector<std::string>{"alice"});
  EXPECT_EQ(gw.verifier->clients.begin()->second, p.pa.local);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 0u);
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeUp), 0u);
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_EQ(gw.pool->leases(), 0u);
  Answer(p, *gw.verifier, true);
  ExpectConnected(p, "10.9.0.10");
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kChildUp), 1u);
  EXPECT_EQ(gw.pool->leases(), 1u);
  // Teardown by the client: the address goes back.
  p.a.Shutdown(p.now);
  p.Flush();
  EXPECT_EQ(GatewaySa(p), nullptr);
  EXPECT_EQ(gw.pool->leases(), 0u);
  EXPECT_EQ(gw.pool->stats().released, 1u);
}

TEST(Ikev1Xauth, AWrongPasswordIsRefusedAndNothingIsInstalled) {
  Gateway gw;
  V1Pair p(Client("wrong"), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  Answer(p, *gw.verifier, true);
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_EQ(GatewaySa(p), nullptr);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_TRUE(p.ha.children.empty());
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kAuthFailed),
            "XAUTH user \"alice\" refused: rejected by test");
  EXPECT_EQ(p.ha.Detail(IkeEventKind::kAuthFailed), "XAUTH user \"alice\" refused by the gateway");
  EXPECT_EQ(p.b.stats().auth_failures, 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeDown), 0u);
  EXPECT_EQ(gw.pool->stats().assigned, 0u);
}

TEST(Ikev1Xauth, AggressiveModeToo) {
  Gateway gw;
  IkePeerConfig a = Client();
  IkePeerConfig b = gw.Config();
  a.aggressive = b.aggressive = true;
  V1Pair p(a, b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(gw.verifier->started.size(), 1u);
  Answer(p, *gw.verifier, true);
  ExpectConnected(p, "10.9.0.10");
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kIkeUp).substr(0, 10), "aggressive");
}

TEST(Ikev1Xauth, RadiusDecidesTheAddress) {
  Gateway gw;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  Answer(p, *gw.verifier, true, *IpAddress::Parse("10.9.0.17"));
  ExpectConnected(p, "10.9.0.17");
}

TEST(Ikev1Xauth, EachTransactionMessageLostOnceStillConnects) {
  // The transaction messages are, in order: REQUEST (gw), REPLY, SET (gw), ACK, Mode Config
  // REQUEST, REPLY (gw). Lose the k-th datagram after phase 1 once.
  for (int lose = 0; lose < 6; ++lose) {
    SCOPED_TRACE(lose);
    Gateway gw;
    V1Pair p(Client(), gw.Config());
    ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
    // Main Mode: 6 messages, then the transactions.
    int sent = 0;
    bool lost = false;
    auto step = [&] {
      for (int k = 0; k < 64; ++k) {
        bool moved = false;
        for (int side = 0; side < 2; ++side) {
          std::deque<std::vector<uint8_t>>& q = side == 0 ? p.ha.out : p.hb.out;
          if (q.empty()) continue;
          moved = true;
          if (!lost && sent++ == 6 + lose) {
            q.pop_front();
            lost = true;
            continue;
          }
          side == 0 ? p.ToB() : p.ToA();
        }
        if (!moved) break;
      }
    };
    step();
    for (int s = 0; s < 20 && (gw.verifier->pending.empty() && gw.verifier->started.empty()); ++s) {
      p.now = p.now + Duration::Seconds(1);
      p.a.OnTimer(p.now);
      p.b.OnTimer(p.now);
      step();
    }
    // Answer without delivering (Answer would flush past the loss).
    for (uint64_t t : gw.verifier->pending) {
      p.b.CompleteXauth(t, XauthResult{.accepted = true, .reason = "ok"}, p.now);
    }
    gw.verifier->pending.clear();
    step();
    for (int s = 0; s < 20 && p.hb.Active() == nullptr; ++s) {
      p.now = p.now + Duration::Seconds(1);
      p.a.OnTimer(p.now);
      p.b.OnTimer(p.now);
      step();
    }
    EXPECT_TRUE(lost);
    ExpectConnected(p, "10.9.0.10");
    EXPECT_EQ(gw.verifier->started.size(), 1u);  // one check, whatever was lost
    EXPECT_EQ(gw.pool->leases(), 1u);
  }
}

TEST(Ikev1Xauth, EveryMessageDuplicatedStillConnectsOnce) {
  Gateway gw;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  auto dup_flush = [&] {
    for (int k = 0; k < 128; ++k) {
      bool moved = false;
      for (TestHost* h : {&p.ha, &p.hb}) {
        if (h->out.empty()) continue;
        h->out.push_front(h->out.front());  // deliver it twice
        (h == &p.ha) ? (p.ToB(), p.ToB()) : (p.ToA(), p.ToA());
        moved = true;
      }
      if (!moved) break;
    }
  };
  dup_flush();
  ASSERT_EQ(gw.verifier->started.size(), 1u);
  std::vector<uint64_t> tickets = gw.verifier->pending;
  gw.verifier->pending.clear();
  for (uint64_t t : tickets) {
    p.b.CompleteXauth(t, XauthResult{.accepted = true, .reason = "ok"}, p.now);
    p.b.CompleteXauth(t, XauthResult{.accepted = false, .reason = "late copy"}, p.now);
  }
  dup_flush();
  ExpectConnected(p, "10.9.0.10");
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kAuthFailed), 0u);
  EXPECT_EQ(gw.pool->leases(), 1u);
  EXPECT_EQ(gw.pool->stats().assigned, 1u);
}

TEST(Ikev1Xauth, AClientGoneDuringTheCheckCancelsIt) {
  Gateway gw;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(gw.verifier->pending.size(), 1u);
  const uint64_t ticket = gw.verifier->pending[0];
  p.a.Shutdown(p.now);  // its Delete reaches the gateway
  p.Flush();
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_EQ(gw.verifier->cancelled, std::vector<uint64_t>{ticket});
  // A late answer for it changes nothing.
  p.b.CompleteXauth(ticket, XauthResult{.accepted = true}, p.now);
  p.Flush();
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(p.hb.out.empty());
  EXPECT_EQ(gw.pool->stats().assigned, 0u);
}

TEST(Ikev1Xauth, AClientThatNeverAnswersIsDroppedAfterTheRetransmissions) {
  Gateway gw;
  IkePeerConfig a = Client();
  V1Pair p(a, gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  // Phase 1 (6 messages), then the gateway's REQUEST and its copies go nowhere.
  for (int k = 0; k < 6; ++k) (k % 2 == 0) ? p.ToB() : p.ToA();
  ASSERT_NE(GatewaySa(p), nullptr);
  for (int s = 0; s < 300 && p.b.ike_sa_count() > 0; ++s) {
    p.now = p.now + Duration::Seconds(1);
    p.b.OnTimer(p.now);
    p.hb.out.clear();
  }
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_TRUE(gw.verifier->started.empty());
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeDown), 0u);  // never announced
}

TEST(Ikev1Xauth, TheVerifierRefusingToStartRefusesTheUser) {
  Gateway gw;
  gw.verifier->refuse_start = true;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kAuthFailed),
            "XAUTH user \"alice\" refused: no RADIUS client");
}

TEST(Ikev1Xauth, AClientWithoutXauthIsRefusedInPhase1) {
  Gateway gw;
  IkePeerConfig a = V1Peer(true);  // plain pre-shared key: offers method 1, not 65001
  V1Pair p(a, gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Run(5);
  EXPECT_EQ(p.b.EstablishedSa(7), nullptr);
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_TRUE(gw.verifier->started.empty());
  EXPECT_NE(p.hb.Detail(IkeEventKind::kNegotiationFailed).find("65001"), std::string::npos)
      << p.hb.Detail(IkeEventKind::kNegotiationFailed);
}

TEST(Ikev1Xauth, QuickModeWithoutTheModeConfigAddressIsRefused) {
  Gateway gw;
  IkePeerConfig a = Client("pw", /*request_address=*/false);
  a.local_ts = {*IpPrefix::Parse("192.168.1.0/24")};  // its own LAN, not a pool address
  V1Pair p(a, gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  Answer(p, *gw.verifier, true);
  EXPECT_TRUE(p.hb.children.empty());
  EXPECT_NE(p.hb.Detail(IkeEventKind::kNegotiationFailed).find("Mode Config"), std::string::npos)
      << p.hb.Detail(IkeEventKind::kNegotiationFailed);
}

TEST(Ikev1Xauth, APhase1RenewalChecksTheUserAgainAndKeepsTheAddress) {
  Gateway gw;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  Answer(p, *gw.verifier, true);
  ExpectConnected(p, "10.9.0.10");
  const uint32_t spi = p.hb.Active()->install.inbound_spi;
  ASSERT_TRUE(p.a.RekeyIke(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(gw.verifier->started.size(), 2u);
  Answer(p, *gw.verifier, true);
  p.Run(2);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeRekeyed), 1u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 1u);
  ASSERT_NE(p.hb.Active(), nullptr);
  EXPECT_EQ(p.hb.Active()->install.inbound_spi, spi);  // the IPsec SA carried on
  EXPECT_EQ(gw.pool->leases(), 1u);
  EXPECT_EQ(gw.pool->stats().assigned, 1u);  // the same lease, not a new one
  p.Run(120);                                // the replaced ISAKMP SA goes
  EXPECT_EQ(p.b.ike_sa_count(), 1u);
  ASSERT_NE(GatewaySa(p), nullptr);
  ASSERT_TRUE(GatewaySa(p)->remote_access.lease.has_value());
  EXPECT_EQ(GatewaySa(p)->remote_access.lease->address.ToString(), "10.9.0.10");
  EXPECT_EQ(gw.pool->leases(), 1u);
}

TEST(Ikev1Xauth, TwoClientsWithTheSameGroupIdentityStaySeparate) {
  // Both clients prove the same group key with the same identity from different addresses:
  // neither's INITIAL-CONTACT or phase 1 takes the other's SAs.
  Gateway gw;
  IkePeerConfig a = Client();
  a.local_id = IdPayload{IdType::kFqdn, {'g', 'r', 'o', 'u', 'p'}};
  V1Pair p(a, gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  Answer(p, *gw.verifier, true);
  ExpectConnected(p, "10.9.0.10");
  // A second client (its own manager and host) behind another address.
  TestHost hc{3};
  Ikev1Manager c(&hc, {});
  IkePeerConfig pc = a;
  pc.local = *IpAddress::Parse("192.0.2.3");
  c.SetPeers({pc}, p.now);
  ASSERT_TRUE(c.Initiate(7, p.now).ok());
  for (int k = 0; k < 64; ++k) {
    bool moved = false;
    while (!hc.out.empty()) {
      auto [d, natt] = V1Pair::Strip(std::move(hc.out.front()));
      hc.out.pop_front();
      p.b.OnDatagram({p.pb.local, 500}, {pc.local, 500}, d, natt, p.now);
      moved = true;
    }
    while (!p.hb.out.empty()) {
      // The gateway's answers: to the second client (the first one is quiet now).
      auto [d, natt] = V1Pair::Strip(std::move(p.hb.out.front()));
      p.hb.out.pop_front();
      c.OnDatagram({pc.local, 500}, {p.pb.local, 500}, d, natt, p.now);
      moved = true;
    }
    if (!moved) break;
    if (!gw.verifier->pending.empty()) {
      for (uint64_t t : gw.verifier->pending) {
        p.b.CompleteXauth(t, XauthResult{.accepted = true, .reason = "ok"}, p.now);
      }
      gw.verifier->pending.clear();
    }
  }
  EXPECT_EQ(p.b.ike_sa_count(), 2u);
  EXPECT_EQ(gw.pool->leases(), 2u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeUp), 2u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeRekeyed), 0u);
  EXPECT_EQ(p.hb.Count(IkeEventKind::kIkeDown), 0u);
  ASSERT_NE(c.EstablishedSa(7), nullptr);
  EXPECT_EQ(c.EstablishedSa(7)->remote_access.inner->ToString(), "10.9.0.11");
}

TEST(Ikev1Xauth, ModeConfigWithoutXauthOnAPreSharedKeyGateway) {
  // auth-method psk on the gateway, a pool: the client asks Mode Config right after phase 1.
  Gateway gw;
  IkePeerConfig a = Client();
  a.xauth_login.reset();
  IkePeerConfig b = gw.Config();
  b.xauth_verifier.reset();
  V1Pair p(a, b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_TRUE(gw.verifier->started.empty());
  const V1Sa* client = p.a.EstablishedSa(7);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->remote_access.xauth, XauthStep::kNone);
  ASSERT_TRUE(client->remote_access.inner.has_value());
  EXPECT_EQ(client->remote_access.inner->ToString(), "10.9.0.10");
  ASSERT_NE(p.hb.Active(), nullptr);
  EXPECT_EQ(p.hb.Active()->install.remote_selectors[0].ToString(), "10.9.0.10/32");
  EXPECT_EQ(p.ha.Count(IkeEventKind::kIkeUp), 1u);
}

TEST(Ikev1Xauth, TheRadiusSessionTimeoutEndsTheSession) {
  Gateway gw;
  V1Pair p(Client(), gw.Config());
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  ASSERT_EQ(gw.verifier->pending.size(), 1u);
  p.b.CompleteXauth(gw.verifier->pending[0],
                    XauthResult{.accepted = true, .reason = "ok", .session_timeout_s = 30}, p.now);
  gw.verifier->pending.clear();
  p.Flush();
  ExpectConnected(p, "10.9.0.10");
  p.Run(29);
  EXPECT_NE(GatewaySa(p), nullptr);
  p.Run(2);
  EXPECT_EQ(GatewaySa(p), nullptr);
  EXPECT_EQ(p.a.EstablishedSa(7), nullptr);  // the client saw the Delete
  EXPECT_EQ(p.hb.Detail(IkeEventKind::kIkeDown), "the RADIUS Session-Timeout ended the session");
  EXPECT_EQ(gw.pool->leases(), 0u);
}

TEST(Ikev1Xauth, StrongSwansReplyWithIdentifierZeroAnswersOurRequest) {
  // strongSwan 5.9.8 as an XAUTH client (xauth-generic) answers the gateway's REQUEST with the
  // attributes asked for and Identifier 0, never the REQUEST's. Refused, that REPLY made the
  // gateway answer SET FAIL ("XAUTH reply: identifier 0 answers none of ours") whatever the
  // password, so no strongSwan client got in. The REPLY as charon puts it in the transaction's
  // ATTR payload: type REPLY, RESERVED, Identifier 0, XAUTH-USER-NAME, XAUTH-USER-PASSWORD
  // (no XAUTH-TYPE).
  const std::vector<uint8_t> charon_reply = {
      0x02, 0x00, 0x00, 0x00,                                           // REPLY, id 0
      0x40, 0x89, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e',                  // user name
      0x40, 0x8a, 0x00, 0x08, 'w', 'o', 'n', 'd', 'e', 'r', 'l', 'a'};  // password
  Reader r(charon_reply);
  absl::StatusOr<V1AttributePayload> reply = V1AttributePayload::Parse(r);
  ASSERT_TRUE(reply.ok()) << reply.status();
  absl::StatusOr<XauthAnswer> answer = ParseXauthReply(*reply, /*identifier=*/0x5a17);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->user, "alice");
  EXPECT_EQ(std::string(answer->password.span().begin(), answer->password.span().end()),
            "wonderla");
  // Another transaction's identifier is still refused.
  reply->identifier = 0x5a18;
  EXPECT_FALSE(ParseXauthReply(*reply, 0x5a17).ok());
}

}  // namespace
}  // namespace tunnelisa::ike::v1
