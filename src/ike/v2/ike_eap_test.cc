// EAP in IKE_AUTH (ike_eap.cc) between two IkeManagers: A a client with EAP credentials, B a
// gateway whose EapRelay is a small EAP server in the test (MD5-Challenge, MSCHAPv2) that
// answers only when the test says so, as a RADIUS server would, later.
#include <openssl/evp.h>

#include <map>
#include <memory>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/auth/address_pool.h"
#include "ike/auth/eap_packet.h"
#include "ike/auth/mschapv2.h"
#include "ike/v2/ike_manager.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike {
namespace {

using ::testing::HasSubstr;
using testing::Pair;

SecretBytes Secret(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

// TestEapServer: the relay's far end, with one user.
class TestEapServer final : public EapRelay {
 public:
  enum class Method { kMd5, kMsChapV2 };
  struct Step {
    uint64_t conversation;
    EapRelayStep step;
  };
  Method method = Method::kMd5;
  std::string user = "alice";
  std::string password = "alice-password";
  std::vector<Step> pending;
  std::set<uint64_t> ended;
  std::vector<std::string> identities;  // as each step named its user

  absl::Status Relay(uint64_t conversation, EapRelayStep step, MonoTime) override {
    pending.push_back({conversation, std::move(step)});
    return absl::OkStatus();
  }
  void End(uint64_t conversation, MonoTime) override { ended.insert(conversation); }

  EapRelayAnswer Answer(const Step& s) {
    identities.push_back(s.step.identity);
    absl::StatusOr<EapPacket> p = EapPacket::Parse(s.step.eap_message);
    if (!p.ok() || p->code != EapCode::kResponse) return Fail(0, "bad response");
    Conversation& c = conversations_[s.conversation];
    const uint8_t next = static_cast<uint8_t>(p->identifier + 1);
    if (p->type == static_cast<uint8_t>(EapType::kIdentity)) {
      if (method == Method::kMd5) {
        std::vector<uint8_t> data = {16};
        data.insert(data.end(), kChallenge.begin(), kChallenge.end());
        return Continue(EapPacket{EapCode::kRequest, next, 4, data});
      }
      std::vector<uint8_t> data = {1, next, 0, 4 + 1 + 16 + 3, 16};
      data.insert(data.end(), kChallenge.begin(), kChallenge.end());
      data.insert(data.end(), {'s', 'r', 'v'});
      return Continue(EapPacket{EapCode::kRequest, next, 26, data});
    }
    if (p->type == 4) {  // MD5-Challenge response
      std::vector<uint8_t> in = {p->identifier};
      in.insert(in.end(), password.begin(), password.end());
      in.insert(in.end(), kChallenge.begin(), kChallenge.end());
      std::vector<uint8_t> md(16);
      unsigned int n = 0;
      EVP_Digest(in.data(), in.size(), md.data(), &n, EVP_md5(), nullptr);
      const bool ok = p->data.size() >= 17 &&
                      std::equal(md.begin(), md.end(), p->data.begin() + 1) &&
                      s.step.identity == user;
      if (!ok) return Fail(p->identifier, "rejected by the test server");
      EapRelayAnswer a;
      a.kind = EapRelayAnswer::Kind::kSuccess;
      a.eap_message = EapPacket{EapCode::kSuccess, p->identifier, 0, {}}.Serialize();
      a.reason = "accepted by the test server";
      return a;
    }
    if (p->type == 26 && !p->data.empty()) {
      const uint8_t op = p->data[0];
      if (op == 2 && p->data.size() >= 54) {
        mschapv2::Challenge auth{}, peer{};
        std::copy(kChallenge.begin(), kChallenge.end(), auth.begin());
        std::copy(p->data.begin() + 5, p->data.begin() + 21, peer.begin());
        mschapv2::NtResponse got{};
        std::copy(p->data.begin() + 29, p->data.begin() + 53, got.begin());
        absl::StatusOr<mschapv2::NtResponse> want =
            mschapv2::GenerateNtResponse(auth, peer, user, Secret(password));
        if (!want.ok() || *want != got || s.step.identity != user) {
          const std::string m = "E=691 R=0 V=3 M=no";
          std::vector<uint8_t> data = {4, next, 0, static_cast<uint8_t>(4 + m.size())};
          data.insert(data.end(), m.begin(), m.end());
          c.failed = true;
          return Continue(EapPacket{EapCode::kRequest, next, 26, data});
        }
        c.nt = got;
        const std::string m =
            *mschapv2::AuthenticatorResponse(Secret(password), got, peer, auth, user) + " M=hi";
        std::vector<uint8_t> data = {3, next, 0, static_cast<uint8_t>(4 + m.size())};
        data.insert(data.end(), m.begin(), m.end());
        return Continue(EapPacket{EapCode::kRequest, next, 26, data});
      }
      if (op == 3 && c.nt) {
        EapRelayAnswer a;
        a.kind = EapRelayAnswer::Kind::kSuccess;
        a.eap_message = EapPacket{EapCode::kSuccess, p->identifier, 0, {}}.Serialize();
        a.msk = *mschapv2::PeerMsk(Secret(password), *c.nt);  // = Recv-Key | Send-Key
        a.framed_address = framed;
        return a;
      }
      if (op == 4 && c.failed) return Fail(p->identifier, "rejected by the test server");
    }
    return Fail(p->identifier, "unexpected response");
  }

  std::optional<IpAddress> framed;

 private:
  struct Conversation {
    std::optional<mschapv2::NtResponse> nt;
    bool failed = false;
  };
  static EapRelayAnswer Continue(const EapPacket& p) {
    EapRelayAnswer a;
    a.kind = EapRelayAnswer::Kind::kContinue;
    a.eap_message = p.Serialize();
    return a;
  }
  static EapRelayAnswer Fail(uint8_t id, std::string why) {
    EapRelayAnswer a;
    a.kind = EapRelayAnswer::Kind::kFailure;
    a.eap_message = EapPacket{EapCode::kFailure, id, 0, {}}.Serialize();
    a.reason = std::move(why);
    return a;
  }
  static constexpr std::array<uint8_t, 16> kChallenge = {1, 2,  3,  4,  5,  6,  7,  8,
                                                         9, 10, 11, 12, 13, 14, 15, 16};
  std::map<uint64_t, Conversation> conversations_;
};

// EapPair: A the client (checks B's pre-shared key, proves itself with EAP), B the gateway
// (proves itself with the key, takes no AUTH but EAP's).
std::unique_ptr<Pair> EapPair(std::shared_ptr<TestEapServer> server, std::string user,
                              std::string password, IkeOptions options = {}) {
  IkePeerConfig a = testing::Peer(true), b = testing::Peer(false);
  a.eap_client =
      EapCredentials{std::move(user), std::make_shared<const SecretBytes>(Secret(password))};
  b.auth.peer = nullptr;
  b.eap_relay = std::move(server);
  return std::make_unique<Pair>(options, a, b);
}

// Serve: the server answers every step relayed so far, and the messages flow, until quiet.
void Serve(Pair& p, TestEapServer& server) {
  for (int k = 0; k < 32; ++k) {
    p.Flush();
    if (server.pending.empty()) return;
    std::vector<TestEapServer::Step> steps = std::move(server.pending);
    server.pending.clear();
    for (const auto& s : steps) p.b.CompleteEap(s.conversation, server.Answer(s), p.now);
  }
}

TEST(IkeEap, Md5UserIsAuthenticatedAndTheChildSaAgrees) {
  auto server = std::make_shared<TestEapServer>();
  auto p = EapPair(server, "alice", "alice-password");
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  p->Flush();
  // B waits for the server: nothing established yet, one step relayed (the identity).
  ASSERT_EQ(server->pending.size(), 1u);
  EXPECT_EQ(server->pending[0].step.identity, "alice");
  EXPECT_EQ(server->pending[0].step.client_address, p->pa.local);
  EXPECT_EQ(p->b.EstablishedSa(7), nullptr);
  Serve(*p, *server);
  ASSERT_NE(p->a.EstablishedSa(7), nullptr);
  ASSERT_NE(p->b.EstablishedSa(7), nullptr);
  p->ExpectOneAgreedPair();
  EXPECT_THAT(p->b.EstablishedSa(7)->peer_id_text, HasSubstr("user alice (EAP"));
  EXPECT_EQ(p->b.EstablishedSa(7)->eap_identity, "alice");
  EXPECT_EQ(p->a.EstablishedSa(7)->eap_identity, "alice");
  EXPECT_EQ(p->b.stats().eap_succeeded, 1u);
  EXPECT_EQ(p->a.stats().eap_succeeded, 1u);
  EXPECT_EQ(p->b.stats().eap_refused, 0u);
  EXPECT_EQ(server->ended.size(), 1u);  // the relay was told the conversation is over
  EXPECT_EQ(server->identities, (std::vector<std::string>{"alice", "alice"}));
}

TEST(IkeEap, MsChapV2UsesTheMskForBothAuthPayloads) {
  auto server = std::make_shared<TestEapServer>();
  server->method = TestEapServer::Method::kMsChapV2;
  server->framed = *IpAddress::Parse("10.9.0.77");
  auto p = EapPair(server, "alice", "alice-password");
  p->pa.request_address = true;
  p->pa.local_ts = {*IpPrefix::Parse("10.9.0.0/24")};
  p->pb.address_assigner =
      *AddressPool::Create(*IpAddress::Parse("10.9.0.10"), *IpAddress::Parse("10.9.0.100"), {});
  p->a.SetPeers({p->pa}, p->now);
  p->b.SetPeers({p->pb}, p->now);
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  Serve(*p, *server);
  ASSERT_NE(p->a.EstablishedSa(7), nullptr);
  ASSERT_NE(p->b.EstablishedSa(7), nullptr);
  p->ExpectOneAgreedPair();
  // RADIUS's Framed-IP-Address binds the client's address.
  EXPECT_EQ(p->a.EstablishedSa(7)->assigned_address, server->framed);
}

TEST(IkeEap, AWrongMskFailsTheFinalAuthOnBothSides) {
  // The server exports an MSK the client does not have (as a RADIUS server with another
  // view of the keys would): the client's final AUTH is refused.
  class WrongMsk final : public EapRelay {
   public:
    explicit WrongMsk(std::shared_ptr<TestEapServer> s) : s_(std::move(s)) {}
    absl::Status Relay(uint64_t c, EapRelayStep step, MonoTime now) override {
      return s_->Relay(c, std::move(step), now);
    }
    void End(uint64_t c, MonoTime now) override { s_->End(c, now); }

   private:
    std::shared_ptr<TestEapServer> s_;
  };
  auto server = std::make_shared<TestEapServer>();
  auto p = EapPair(server, "alice", "alice-password");
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  for (int k = 0; k < 8; ++k) {
    p->Flush();
    std::vector<TestEapServer::Step> steps = std::move(server->pending);
    server->pending.clear();
    for (const auto& s : steps) {
      EapRelayAnswer a = server->Answer(s);
      if (a.kind == EapRelayAnswer::Kind::kSuccess) a.msk = Secret("not the client's key");
      p->b.CompleteEap(s.conversation, std::move(a), p->now);
    }
  }
  EXPECT_EQ(p->a.EstablishedSa(7), nullptr);
  EXPECT_EQ(p->b.EstablishedSa(7), nullptr);
  EXPECT_THAT(p->hb.Detail(IkeEventKind::kAuthFailed), HasSubstr("does not match the EAP MSK"));
  EXPECT_THAT(p->ha.Detail(IkeEventKind::kAuthFailed), HasSubstr("AUTHENTICATION_FAILED"));
}

TEST(IkeEap, AWrongPasswordEndsWithEapFailureAndAuthenticationFailed) {
  for (auto method : {TestEapServer::Method::kMd5, TestEapServer::Method::kMsChapV2}) {
    auto server = std::make_shared<TestEapServer>();
    server->method = method;
    auto p = EapPair(server, "alice", "not-her-password");
    ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
    Serve(*p, *server);
    EXPECT_EQ(p->a.ike_sa_count(), 0u);
    EXPECT_EQ(p->b.ike_sa_count(), 0u);
    EXPECT_THAT(p->hb.Detail(IkeEventKind::kAuthFailed), HasSubstr("rejected by the test server"));
    EXPECT_THAT(p->ha.Detail(IkeEventKind::kAuthFailed), HasSubstr("refused EAP user alice"));
    if (method == TestEapServer::Method::kMsChapV2) {
      EXPECT_THAT(p->ha.Detail(IkeEventKind::kAuthFailed), HasSubstr("E=691"));
    }
    EXPECT_EQ(p->b.stats().auth_failures, 1u);
    EXPECT_EQ(p->a.stats().auth_failures, 1u);
  }
}

TEST(IkeEap, RetransmissionsWhileTheServerThinksAreIgnoredThenTheAnswerGoesOn) {
  auto server = std::make_shared<TestEapServer>();
  auto p = EapPair(server, "alice", "alice-password");
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  p->Flush();
  ASSERT_EQ(server->pending.size(), 1u);
  const uint64_t dropped = p->b.stats().dropped;
  // A retransmits its EAP request twice; B, waiting, answers neither and relays nothing new.
  for (int k = 1; k <= 2; ++k) {
    p->now = p->now + Duration::Seconds(k);
    p->a.OnTimer(p->now);
    p->b.OnTimer(p->now);
    p->Flush();
  }
  EXPECT_EQ(p->b.stats().dropped, dropped + 2);
  EXPECT_EQ(server->pending.size(), 1u);
  Serve(*p, *server);
  EXPECT_NE(p->b.EstablishedSa(7), nullptr);
}

TEST(IkeEap, AServerThatNeverAnswersTimesOut) {
  IkeOptions options;
  options.auth_timeout = Duration::Seconds(3);
  options.max_retransmits = 8;
  auto server = std::make_shared<TestEapServer>();
  auto p = EapPair(server, "alice", "alice-password", options);
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  p->Flush();
  ASSERT_EQ(server->pending.size(), 1u);
  EXPECT_EQ(p->b.OnTimer(p->now), p->now + Duration::Seconds(3));
  p->now = p->now + Duration::Seconds(3);
  p->b.OnTimer(p->now);
  p->Flush();
  EXPECT_EQ(p->b.ike_sa_count(), 0u);
  EXPECT_EQ(p->a.ike_sa_count(), 0u);
  EXPECT_THAT(p->hb.Detail(IkeEventKind::kAuthFailed), HasSubstr("did not answer in time"));
  EXPECT_EQ(server->ended.count(server->pending[0].conversation), 1u);
  // The late answer finds nothing.
  p->b.CompleteEap(server->pending[0].conversation, server->Answer(server->pending[0]), p->now);
  EXPECT_TRUE(p->hb.out.empty());
}

TEST(IkeEap, UnexpectedServerAnswersAreRefusedAndCounted) {
  struct Case {
    EapRelayAnswer::Kind kind;
    std::vector<uint8_t> eap;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {EapRelayAnswer::Kind::kContinue, EapPacket{EapCode::kSuccess, 1, 0, {}}.Serialize(),
       "EAP Success where a Request was due"},
      {EapRelayAnswer::Kind::kContinue, {}, "no usable EAP-Request"},
      {EapRelayAnswer::Kind::kContinue, {1, 1, 0, 40, 4}, "exceeds"},
      {EapRelayAnswer::Kind::kSuccess, EapPacket{EapCode::kRequest, 1, 4, {1, 1}}.Serialize(),
       "instead of Success"},
  };
  for (const Case& c : cases) {
    auto server = std::make_shared<TestEapServer>();
    auto p = EapPair(server, "alice", "alice-password");
    ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
    p->Flush();
    ASSERT_EQ(server->pending.size(), 1u);
    EapRelayAnswer a;
    a.kind = c.kind;
    a.eap_message = c.eap;
    p->b.CompleteEap(server->pending[0].conversation, std::move(a), p->now);
    p->Flush();
    EXPECT_EQ(p->b.ike_sa_count(), 0u) << c.reason;
    EXPECT_EQ(p->a.ike_sa_count(), 0u) << c.reason;
    EXPECT_THAT(p->hb.Detail(IkeEventKind::kAuthFailed), HasSubstr(c.reason));
    EXPECT_EQ(p->b.stats().eap_refused, 1u) << c.reason;
  }
}

TEST(IkeEap, AnEndlessConversationIsCutOff) {
  // The server answers every response with another Notification request (the gateway bounds
  // its relays by the same count).
  auto server = std::make_shared<TestEapServer>();
  auto p = EapPair(server, "alice", "alice-password");
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  for (int k = 0; k < 40; ++k) {
    p->Flush();
    std::vector<TestEapServer::Step> steps = std::move(server->pending);
    server->pending.clear();
    for (const auto& s : steps) {
      EapRelayAnswer a;
      a.kind = EapRelayAnswer::Kind::kContinue;
      const uint8_t id = EapPacket::Parse(s.step.eap_message)->identifier;
      a.eap_message = EapPacket{EapCode::kRequest, static_cast<uint8_t>(id + 1), 2, {}}.Serialize();
      p->b.CompleteEap(s.conversation, std::move(a), p->now);
    }
  }
  // Both ends count: the client, which sees the 17th request first, gives up.
  EXPECT_EQ(p->a.ike_sa_count(), 0u);
  EXPECT_THAT(p->ha.Detail(IkeEventKind::kNegotiationFailed),
              HasSubstr("more than 16 round trips"));
  EXPECT_EQ(p->a.stats().eap_refused, 1u);
  EXPECT_EQ(server->pending.size(), 0u);  // the gateway relayed 16 and waits no more
}

TEST(IkeEap, AGatewayThatWantsEapRefusesAnAuthPayload) {
  IkePeerConfig a = testing::Peer(true), b = testing::Peer(false);
  b.auth.peer = nullptr;
  b.eap_relay = std::make_shared<TestEapServer>();
  Pair p(IkeOptions{}, a, b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
  EXPECT_THAT(p.ha.Detail(IkeEventKind::kAuthFailed), HasSubstr("AUTHENTICATION_FAILED"));
}

TEST(IkeEap, AClientRefusesAGatewayThatDoesNotProveItself) {
  // The gateway's key differs from the one the client checks it with: the client stops
  // before it says anything of its password.
  auto server = std::make_shared<TestEapServer>();
  IkePeerConfig a = testing::Peer(true), b = testing::Peer(false);
  a.eap_client = EapCredentials{"alice", std::make_shared<const SecretBytes>(Secret("pw"))};
  b.auth = PskAuthenticator::Both(std::make_shared<const SecretBytes>(Secret("other key")));
  b.auth.peer = nullptr;
  b.eap_relay = server;
  Pair p(IkeOptions{}, a, b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_THAT(p.ha.Detail(IkeEventKind::kAuthFailed), HasSubstr("pre-shared key"));
  EXPECT_TRUE(server->pending.empty());
  EXPECT_EQ(p.a.stats().eap_succeeded, 0u);
}

// INITIAL_CONTACT from an EAP client ends the older SAs of the same user only: two users
// whose clients send the same IDi (an address) keep each other's SAs.
TEST(IkeEap, InitialContactEndsOnlyTheSameUsersOlderSas) {
  for (const std::string second_user : {"bob", "alice"}) {
    auto server = std::make_shared<TestEapServer>();
    auto p = EapPair(server, "alice", "alice-password");
    ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
    Serve(*p, *server);
    ASSERT_NE(p->b.EstablishedSa(7), nullptr);
    // A second client, C, with A's configuration (so A's IDi) but its own user.
    testing::TestHost hc(9);
    IkeManager c(&hc, {});
    IkePeerConfig pc = p->pa;
    pc.eap_client = EapCredentials{
        second_user, std::make_shared<const SecretBytes>(Secret(second_user + "-password"))};
    c.SetPeers({pc}, p->now);
    server->user = second_user;
    server->password = second_user + "-password";
    ASSERT_TRUE(c.Initiate(7, p->now).ok());
    for (int k = 0; k < 16; ++k) {
      while (!hc.out.empty()) {
        std::vector<uint8_t> d = std::move(hc.out.front());
        hc.out.pop_front();
        p->b.OnDatagram({p->pb.local, 500}, {p->pa.local, 500}, d, false, p->now);
      }
      std::vector<TestEapServer::Step> steps = std::move(server->pending);
      server->pending.clear();
      for (const auto& st : steps) p->b.CompleteEap(st.conversation, server->Answer(st), p->now);
      while (!p->hb.out.empty()) {
        std::vector<uint8_t> d = std::move(p->hb.out.front());
        p->hb.out.pop_front();
        c.OnDatagram({p->pa.local, 500}, {p->pb.local, 500}, d, false, p->now);
      }
    }
    ASSERT_NE(c.EstablishedSa(7), nullptr) << second_user;
    size_t up = 0;
    for (const auto& e : p->hb.events) up += e.first == IkeEventKind::kIkeUp ? 1 : 0;
    EXPECT_EQ(up, 2u);
    // bob: both users stay; alice again: her older SA goes.
    EXPECT_EQ(p->b.ike_sa_count(), second_user == "bob" ? 2u : 1u) << second_user;
  }
}

}  // namespace
}  // namespace tunnelisa::ike
