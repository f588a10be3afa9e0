// EngineAccounting on its own: the records it hands to the RADIUS client of the gateway's
// radius-accounting-policy (tests/vectors/configs/remote_access.cfg: ipsec-gw "rw" with
// "ra-acct", update-interval 10 minutes, through radius-server-policy "rsp"), decoded from
// what a fake transport saw.
#include "engine/engine_accounting.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine_accounting_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::testing {
namespace {

using radius::Packet;
namespace attr = radius::attr;

MonoTime At(int64_t seconds) { return MonoTime{} + Duration::Seconds(seconds); }

std::string RemoteAccessText() {
  std::ifstream in(tunnelisa::testing::SourceDir() + "/tests/vectors/configs/remote_access.cfg");
  EXPECT_TRUE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

config::IpsecGw& GatewayRw(config::Config& c) {
  return c.services.at(100).interfaces.at("public-1").sap->ipsec_gws.at("rw");
}

class FixedWallClock final : public WallClock {
 public:
  WallTime Now() override { return WallTime::FromUnixSeconds(1'700'000'000); }
};

const config::TunnelKey kAlice{101, "ipsec-gw rw 198.51.100.7:4500"};
const config::TunnelKey kBob{101, "ipsec-gw rw 198.51.100.8"};
const radius::RadiusServerAddress kRad1Acct{.address = Ip("127.0.0.1"), .port = 1813};

EngineAccounting::SessionInfo Alice() {
  return {.gateway = "rw",
          .session = kAlice,
          .ike_identity = "alice@example.com",
          .client = Ip("198.51.100.7"),
          .client_port = 4500,
          .gateway_address = Ip("1.1.1.9"),
          .inner_address = Ip("10.9.0.10")};
}

EngineAccounting::SessionInfo Bob() {
  return {.gateway = "rw",
          .session = kBob,
          .ike_identity = "bob.example.com",
          .client = Ip("198.51.100.8"),
          .client_port = 500,
          .gateway_address = Ip("1.1.1.9")};
}

class AccountingTest : public ::testing::Test {
 protected:
  AccountingTest()
      : config_(ParseConfig(RemoteAccessText())),
        random_(7),
        radius_(&server_, &random_, nullptr),
        acct_(
            radius_,
            [this](const config::TunnelKey& key) -> std::optional<SessionCounters> {
              auto it = counters_.find(key);
              if (it == counters_.end()) return std::nullopt;
              return it->second;
            },
            &random_, &wall_, nullptr) {
    Reload(config_, At(0));
  }
  void Reload(const config::Config& c, MonoTime now) {
    radius_.Reconcile(c);
    acct_.Reconcile(c, now);
  }
  // AnswerLast: the server (rad-1, its secret) acknowledges the last datagram sent.
  void AnswerLast(MonoTime now) {
    ASSERT_FALSE(server_.sent.empty());
    radius_.OnDatagram(server_.sent.back().to, server_.Answer(server_.sent.size() - 1, "s3cret-1"),
                       now);
  }
  Packet Last() {
    std::vector<Packet> r = server_.Records();
    EXPECT_FALSE(r.empty());
    return r.empty() ? Packet{} : r.back();
  }

  config::Config config_;
  AcctServer server_;
  SeededRandom random_;
  FixedWallClock wall_;
  EngineRadius radius_;
  std::map<config::TunnelKey, SessionCounters> counters_;
  EngineAccounting acct_;
};

TEST_F(AccountingTest, StartInterimStopCarryTheSessionAndItsCounters) {
  ASSERT_TRUE(acct_.Accounts("rw"));
  acct_.SessionUp(Alice(), At(0));
  ASSERT_EQ(server_.sent.size(), 1u);
  EXPECT_EQ(server_.sent[0].to, kRad1Acct);
  const Packet start = Last();
  EXPECT_EQ(StatusType(start), 1u);
  const std::string id = Text(start, attr::kAcctSessionId);
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(Text(start, attr::kUserName), "alice@example.com");
  EXPECT_EQ(radius::Ipv4Value(*radius::Find(start, attr::kFramedIpAddress)), Ip("10.9.0.10"));
  EXPECT_EQ(Text(start, attr::kNasIdentifier), "gw-a");
  EXPECT_EQ(Text(start, attr::kCallingStationId), "198.51.100.7");
  EXPECT_EQ(Text(start, attr::kCalledStationId), "1.1.1.9");
  EXPECT_EQ(U32(start, attr::kNasPortType), 5u);  // Virtual
  EXPECT_EQ(U32(start, attr::kServiceType), 2u);  // Framed
  EXPECT_EQ(U32(start, attr::kEventTimestamp), 1'700'000'000u);
  EXPECT_FALSE(Has(start, attr::kAcctInputOctets));  // a Start has no counters yet
  EXPECT_FALSE(Has(start, attr::kAcctSessionTime));
  EXPECT_FALSE(Has(start, attr::kClass));
  AnswerLast(At(0));
  EXPECT_EQ(acct_.counters().responses, 1u);
  EXPECT_EQ(acct_.counters().sessions, 1u);

  // Ten minutes on (update-interval 10): an Interim-Update with the counters, over 2^32.
  counters_[kAlice] = {.input_octets = 5'000'000'000,
                       .output_octets = 1234,
                       .input_packets = 40,
                       .output_packets = 30};
  EXPECT_EQ(acct_.OnTimer(At(599)), At(600));
  EXPECT_EQ(server_.Records().size(), 1u);
  EXPECT_EQ(acct_.OnTimer(At(600)), At(1200));
  ASSERT_EQ(server_.Records().size(), 2u);
  const Packet interim = Last();
  EXPECT_EQ(StatusType(interim), 3u);
  EXPECT_EQ(Text(interim, attr::kAcctSessionId), id);
  EXPECT_EQ(U32(interim, attr::kAcctInputGigawords), 1u);
  EXPECT_EQ(InputOctets(interim), 5'000'000'000u);
  EXPECT_EQ(OutputOctets(interim), 1234u);
  EXPECT_EQ(U32(interim, attr::kAcctInputPackets), 40u);
  EXPECT_EQ(U32(interim, attr::kAcctOutputPackets), 30u);
  EXPECT_EQ(U32(interim, attr::kAcctSessionTime), 600u);
  EXPECT_FALSE(Has(interim, attr::kAcctTerminateCause));
  AnswerLast(At(600));

  // The client deletes its IKE SA: the session's SAs go first (SessionDown), then the IKE
  // SA's down event says why: the Stop waits for it.
  acct_.Flush(At(700));
  acct_.SessionDown(kAlice,
                    {.input_octets = 5'000'000'100,
                     .output_octets = 2000,
                     .input_packets = 41,
                     .output_packets = 33},
                    std::nullopt);
  EXPECT_EQ(server_.Records().size(), 2u);
  acct_.IkeDown(Ip("198.51.100.7"), 4500, "deleted by the peer", At(700));
  ASSERT_EQ(server_.Records().size(), 3u);
  const Packet stop = Last();
  EXPECT_EQ(StatusType(stop), 2u);
  EXPECT_EQ(Text(stop, attr::kAcctSessionId), id);
  EXPECT_EQ(U32(stop, attr::kAcctTerminateCause), 1u);  // User-Request
  EXPECT_EQ(U32(stop, attr::kAcctSessionTime), 700u);
  EXPECT_EQ(InputOctets(stop), 5'000'000'100u);
  EXPECT_EQ(U32(stop, attr::kAcctOutputPackets), 33u);
  EXPECT_EQ(Text(stop, attr::kUserName), "alice@example.com");
  AnswerLast(At(700));
  const AccountingCounters& c = acct_.counters();
  EXPECT_EQ(c.starts, 1u);
  EXPECT_EQ(c.interims, 1u);
  EXPECT_EQ(c.stops, 1u);
  EXPECT_EQ(c.responses, 3u);
  EXPECT_EQ(c.sessions, 0u);
  EXPECT_EQ(acct_.OnTimer(At(1200)), MonoTime::Infinite());  // nothing left to update
  EXPECT_EQ(server_.Records().size(), 3u);
}

// The Interim-Update deadlines are an index beside the sessions (OnTimer visits only the due
// ones): it must follow sessions ending, a key coming back as a new session, a late host and
// a reload that changes the interval.
TEST_F(AccountingTest, InterimDeadlinesFollowSessionsEndingAndComingBack) {
  acct_.SessionUp(Alice(), At(0));
  AnswerLast(At(0));
  acct_.SessionUp(Bob(), At(300));
  AnswerLast(At(300));
  EXPECT_EQ(acct_.OnTimer(At(10)), At(600));
  // Alice ends before her update: only Bob's deadline is left.
  acct_.Flush(At(500));
  acct_.SessionDown(kAlice, {}, AcctTerminateCause::kUserRequest);
  EXPECT_EQ(acct_.OnTimer(At(500)), At(900));  // the Stop goes; Alice has no deadline now
  ASSERT_EQ(server_.Records().size(), 3u);
  AnswerLast(At(500));
  EXPECT_EQ(acct_.OnTimer(At(600)), At(900));
  EXPECT_EQ(server_.Records().size(), 3u);  // no Interim-Update for the ended session
  // Alice's key comes back as a new session: a deadline of its own, ten minutes on.
  acct_.SessionUp(Alice(), At(800));
  AnswerLast(At(800));
  EXPECT_EQ(acct_.OnTimer(At(899)), At(900));
  // A host that calls late: Bob's one update (not three; the earlier deadline first), then
  // Alice's, each rescheduled on its own grid (Bob 900 + 3 x 600, Alice 1400 + 2 x 600).
  EXPECT_EQ(acct_.OnTimer(At(2100)), At(2600));
  std::vector<Packet> r = server_.Records();
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(StatusType(r[4]), 3u);
  EXPECT_EQ(Text(r[4], attr::kUserName), "bob.example.com");
  EXPECT_EQ(StatusType(r[5]), 3u);
  EXPECT_EQ(Text(r[5], attr::kUserName), "alice@example.com");
  EXPECT_EQ(acct_.counters().interims, 2u);
  // A reload without an update-interval unschedules every session; one with it back
  // schedules them from the reload on.
  config::Config quiet = config_;
  config_.radius_accounting_policies.begin()->second.update_interval_min.reset();
  Reload(config_, At(2150));
  EXPECT_EQ(acct_.OnTimer(At(2150)), MonoTime::Infinite());
  Reload(quiet, At(2160));
  EXPECT_EQ(acct_.OnTimer(At(2160)), At(2760));
  acct_.SessionDown(kBob, {}, AcctTerminateCause::kUserRequest);
  acct_.SessionDown(kAlice, {}, AcctTerminateCause::kUserRequest);
  EXPECT_EQ(acct_.OnTimer(At(2800)), MonoTime::Infinite());
  EXPECT_EQ(acct_.counters().interims, 2u);
}

TEST_F(AccountingTest, AStopWaitsForItsCauseUntilTheNextFlush) {
  acct_.SessionUp(Alice(), At(0));
  acct_.SessionUp(Bob(), At(0));
  acct_.Flush(At(30));
  acct_.SessionDown(kAlice, {}, std::nullopt);  // a CHILD SA deleted alone: no IKE down
  acct_.SessionDown(kBob, {}, AcctTerminateCause::kAdminReset);
  // Another client's IKE SA going down explains neither.
  acct_.IkeDown(Ip("198.51.100.9"), 4500, "dead peer detected (DPD)", At(30));
  EXPECT_EQ(server_.Records().size(), 2u);
  acct_.Flush(At(31));
  std::vector<Packet> r = server_.Records();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(Text(r[2], attr::kUserName), "alice@example.com");
  EXPECT_EQ(U32(r[2], attr::kAcctTerminateCause), 10u);  // NAS-Request
  EXPECT_EQ(U32(r[2], attr::kAcctSessionTime), 30u);     // when it ended, not when sent
  EXPECT_EQ(Text(r[3], attr::kUserName), "bob.example.com");
  EXPECT_EQ(U32(r[3], attr::kAcctTerminateCause), 6u);  // Admin-Reset
  EXPECT_FALSE(Has(r[3], attr::kFramedIpAddress));      // no inner address was known
  EXPECT_NE(Text(r[2], attr::kAcctSessionId), Text(r[3], attr::kAcctSessionId));
}

TEST(TerminateCauseTest, IkeDownReasonsMapToRfc2866Causes) {
  EXPECT_EQ(TerminateCauseFor("deleted by the peer"), AcctTerminateCause::kUserRequest);
  EXPECT_EQ(TerminateCauseFor("dead peer detected (DPD)"), AcctTerminateCause::kLostCarrier);
  EXPECT_EQ(TerminateCauseFor("peer not responding"), AcctTerminateCause::kLostCarrier);
  EXPECT_EQ(TerminateCauseFor("the peer restarted (INITIAL-CONTACT)"),
            AcctTerminateCause::kLostCarrier);
  EXPECT_EQ(TerminateCauseFor("IKE SA lifetime expired"), AcctTerminateCause::kSessionTimeout);
  EXPECT_EQ(TerminateCauseFor("shutdown"), AcctTerminateCause::kNasReboot);
  EXPECT_EQ(TerminateCauseFor("deleted"), AcctTerminateCause::kNasRequest);
  EXPECT_EQ(TerminateCauseFor(""), AcctTerminateCause::kNasRequest);
}

TEST_F(AccountingTest, TheRadiusUserAndClassesOfTheAcceptAreEchoed) {
  acct_.NoteAuthorization("rw", Ip("198.51.100.7"),
                          {.user = "alice", .classes = {{'c', '1'}, {'c', '2'}}}, At(0));
  acct_.NoteAuthorization("rw", Ip("198.51.100.99"), {.user = "mallory"}, At(0));
  acct_.SessionUp(Alice(), At(1));
  Packet start = Last();
  EXPECT_EQ(Text(start, attr::kUserName), "alice");
  ASSERT_EQ(radius::Count(start, attr::kClass), 2u);
  std::vector<std::vector<uint8_t>> classes;
  for (const auto& a : start.attributes) {
    if (a.type == attr::kClass) classes.push_back(a.value);
  }
  EXPECT_EQ(classes, (std::vector<std::vector<uint8_t>>{{'c', '1'}, {'c', '2'}}));
  acct_.SessionDown(kAlice, {}, AcctTerminateCause::kNasReboot);
  acct_.Flush(At(2));
  EXPECT_EQ(radius::Count(Last(), attr::kClass), 2u);
  EXPECT_EQ(Text(Last(), attr::kUserName), "alice");
  // An authorization is used once, and only within kAuthorizationHold.
  acct_.NoteAuthorization("rw", Ip("198.51.100.8"), {.user = "bob"}, At(10));
  acct_.SessionUp(Bob(), At(10 + 121));
  EXPECT_EQ(Text(Last(), attr::kUserName), "bob.example.com");
}

TEST_F(AccountingTest, ARekeyOrSecondChildStartsNothingButMayFillTheAddress) {
  EngineAccounting::SessionInfo bob = Bob();
  acct_.SessionUp(bob, At(0));
  EXPECT_FALSE(Has(Last(), attr::kFramedIpAddress));
  bob.inner_address = Ip("10.9.0.11");
  acct_.SessionUp(bob, At(5));  // e.g. IKEv1: Mode Config's address known at a later CHILD SA
  EXPECT_EQ(server_.Records().size(), 1u);
  acct_.OnTimer(At(600));
  ASSERT_EQ(server_.Records().size(), 2u);
  EXPECT_EQ(radius::Ipv4Value(*radius::Find(Last(), attr::kFramedIpAddress)), Ip("10.9.0.11"));
  // Unknown counters go as zero, not as garbage.
  EXPECT_EQ(InputOctets(Last()), 0u);
}

TEST_F(AccountingTest, AGatewayWithoutAccountingPolicySendsNothing) {
  GatewayRw(config_).radius_accounting_policy.clear();
  Reload(config_, At(0));
  EXPECT_FALSE(acct_.Accounts("rw"));
  acct_.SessionUp(Alice(), At(0));
  EngineAccounting::SessionInfo other = Alice();
  other.gateway = "no-such-gw";
  acct_.SessionUp(other, At(0));
  acct_.SessionDown(kAlice, {}, AcctTerminateCause::kAdminReset);
  acct_.Flush(At(1));
  EXPECT_EQ(acct_.OnTimer(At(600)), MonoTime::Infinite());
  EXPECT_TRUE(server_.sent.empty());
  EXPECT_EQ(acct_.counters().starts, 0u);
}

TEST_F(AccountingTest, ASilentServerCostsOneInterimInFlightPerSession) {
  acct_.SessionUp(Alice(), At(0));
  acct_.OnTimer(At(600));
  EXPECT_EQ(server_.Records().size(), 2u);
  // The previous Interim-Update is still unanswered (the RADIUS client still retrying): the
  // next one is skipped, and counted, rather than piled up.
  acct_.OnTimer(At(1200));
  EXPECT_EQ(server_.Records().size(), 2u);
  EXPECT_EQ(acct_.counters().interims_skipped, 1u);
  // Both servers time out (rsp: 2 tries of 3 s each): the records are counted as lost.
  for (int64_t t = 1200; t <= 1240; ++t) radius_.OnTimer(At(t));
  EXPECT_EQ(acct_.counters().timeouts, 2u);  // the Start and the Interim-Update
  EXPECT_EQ(acct_.counters().responses, 0u);
  acct_.OnTimer(At(1800));  // nothing in flight any more: the next one goes
  EXPECT_EQ(acct_.counters().interims, 2u);
  EXPECT_EQ(StatusType(Last()), 3u);
  EXPECT_EQ(U32(Last(), attr::kAcctSessionTime), 1800u);
}

TEST_F(AccountingTest, AReloadThatRebuildsTheClientSendsTheUnansweredStopAgain) {
  acct_.SessionUp(Alice(), At(0));
  AnswerLast(At(0));
  acct_.SessionDown(kAlice, {.input_packets = 9}, AcctTerminateCause::kAdminReset);
  acct_.Flush(At(10));
  ASSERT_EQ(StatusType(Last()), 2u);
  const std::string id = Text(Last(), attr::kAcctSessionId);
  // The reload changes the server policy: EngineRadius builds a new client, and the Stop in
  // flight on the old one would be forgotten.
  config_.radius_server_policies.at("rsp").timeout_s = 4;
  const size_t before = server_.Records().size();
  Reload(config_, At(11));
  EXPECT_EQ(acct_.counters().stops_resent, 1u);
  ASSERT_EQ(server_.Records().size(), before + 1);
  EXPECT_EQ(StatusType(Last()), 2u);
  EXPECT_EQ(Text(Last(), attr::kAcctSessionId), id);
  EXPECT_EQ(U32(Last(), attr::kAcctInputPackets), 9u);
  EXPECT_EQ(U32(Last(), attr::kAcctTerminateCause), 6u);
  AnswerLast(At(11));
  EXPECT_EQ(acct_.counters().responses, 2u);
  // Answered: a further rebuild has nothing to send again.
  config_.radius_server_policies.at("rsp").timeout_s = 5;
  Reload(config_, At(12));
  EXPECT_EQ(acct_.counters().stops_resent, 1u);

  // A reload that keeps the client keeps the Stop in flight on it: nothing is sent twice.
  acct_.SessionUp(Bob(), At(20));
  acct_.SessionDown(kBob, {}, AcctTerminateCause::kAdminReset);
  acct_.Flush(At(21));
  const size_t sent = server_.sent.size();
  Reload(config_, At(22));
  EXPECT_EQ(server_.sent.size(), sent);
  EXPECT_EQ(acct_.counters().stops_resent, 1u);

  // The policy removed altogether: the Stop cannot go anywhere; counted.
  config_.radius_server_policies.erase("rsp");
  Reload(config_, At(23));
  EXPECT_EQ(acct_.counters().stops_lost, 1u);
  EXPECT_EQ(server_.sent.size(), sent);
}

TEST_F(AccountingTest, WithoutARadiusClientRecordsAreRefusedAndCounted) {
  EngineRadius none(nullptr, nullptr, nullptr);
  EngineAccounting acct(none, nullptr, nullptr, nullptr, nullptr);
  none.Reconcile(config_);
  acct.Reconcile(config_, At(0));
  EXPECT_FALSE(acct.Accounts("rw"));
  acct.SessionUp(Alice(), At(0));
  acct.SessionDown(kAlice, {}, std::nullopt);
  acct.Flush(At(1));
  EXPECT_EQ(acct.counters().starts, 1u);
  EXPECT_EQ(acct.counters().stops, 1u);
  EXPECT_EQ(acct.counters().refused, 2u);
}

}  // namespace
}  // namespace tunnelisa::testing
