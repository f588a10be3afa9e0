// RADIUS accounting through the engine: Router B as ipsec-gw "gw1" with an address pool and
// radius-accounting-policy "acct" (update-interval 5 minutes, radius-server-policy "rsp":
// 127.0.0.1, nas-identifier "gw-b"), Router A as an IKEv2 remote-access client; the
// gateway's Host::radius is a fake server that records and answers the Accounting-Requests.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_accounting_test_util.h"
#include "engine/engine_ike_test_util.h"
#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_tools/packets.h"

namespace tunnelisa::testing {
namespace {

using radius::Packet;
namespace attr = radius::attr;

class AccountingEngineTest : public ::testing::Test {
 protected:
  AccountingEngineTest() {
    options_.host.radius = &server_;
    pair_ = std::make_unique<RouterPair>(AccountingClientConfig(), AccountingGateway(), At(0),
                                         &options_);
  }
  Router& client() { return pair_->a(); }
  Router& gw() { return pair_->b(); }
  // Answer: the fake server acknowledges every datagram sent since `from`.
  void AnswerFrom(size_t from, MonoTime now) {
    for (size_t k = from; k < server_.sent.size(); ++k) {
      gw().engine->OnRadiusDatagram(server_.sent[k].to, server_.Answer(k, "acct-secret"), now);
    }
  }
  bool Bursts(MonoTime now, int rounds) { return AccountingBursts(*pair_, now, rounds); }
  Packet Last() {
    std::vector<Packet> r = server_.Records();
    EXPECT_FALSE(r.empty());
    return r.empty() ? Packet{} : r.back();
  }

  AcctServer server_;
  EngineOptions options_;
  std::unique_ptr<RouterPair> pair_;
};

TEST_F(AccountingEngineTest, StartInterimAndStopFollowTheClientsSessionAndTraffic) {
  pair_->Pump(At(0));
  ASSERT_EQ(gw().events.Count(IkeEventKind::kChildUp), 1u);
  ASSERT_EQ(server_.Records().size(), 1u);
  const Packet start = Last();
  EXPECT_EQ(StatusType(start), 1u);
  EXPECT_EQ(Text(start, attr::kUserName), "alice.example.com");  // its IKE identity
  EXPECT_EQ(radius::Ipv4Value(*radius::Find(start, attr::kFramedIpAddress)), kInner);
  EXPECT_EQ(Text(start, attr::kCallingStationId), "1.1.1.2");
  EXPECT_EQ(Text(start, attr::kCalledStationId), "2.2.2.2");
  EXPECT_EQ(Text(start, attr::kNasIdentifier), "gw-b");
  EXPECT_EQ(server_.sent[0].to.port, 1813);
  const std::string id = Text(start, attr::kAcctSessionId);
  AnswerFrom(0, At(0));
  EXPECT_EQ(gw().engine->accounting_counters().responses, 1u);
  EXPECT_EQ(gw().engine->accounting_counters().sessions, 1u);

  ASSERT_TRUE(Bursts(At(10), 3));
  gw().engine->OnTimer(At(299));
  EXPECT_EQ(server_.Records().size(), 1u);
  gw().engine->OnTimer(At(300));
  ASSERT_EQ(server_.Records().size(), 2u);
  const Packet interim = Last();
  EXPECT_EQ(StatusType(interim), 3u);
  EXPECT_EQ(Text(interim, attr::kAcctSessionId), id);
  EXPECT_EQ(U32(interim, attr::kAcctInputPackets), 24u);
  EXPECT_EQ(U32(interim, attr::kAcctOutputPackets), 24u);
  EXPECT_EQ(InputOctets(interim), 3 * kUpOctetsPerRound);
  EXPECT_EQ(OutputOctets(interim), 3 * kDownOctetsPerRound);
  EXPECT_EQ(U32(interim, attr::kAcctSessionTime), 300u);
  AnswerFrom(1, At(300));

  // The client rekeys its CHILD SA: the session and its totals go on over the new SAs.
  ASSERT_TRUE(client().engine->Rekey(kIpsec, /*ike=*/false, At(310)).ok());
  pair_->Pump(At(310));
  ASSERT_EQ(gw().events.Count(IkeEventKind::kChildRekeyed), 1u);
  ASSERT_TRUE(Bursts(At(320), 2));
  EXPECT_EQ(server_.Records().size(), 2u);  // a rekey is no new session

  // The client leaves (its IKE SA deleted): Stop, User-Request, with everything it sent.
  client().engine->Shutdown(At(400));
  pair_->Pump(At(400));
  ASSERT_EQ(server_.Records().size(), 3u);
  const Packet stop = Last();
  EXPECT_EQ(StatusType(stop), 2u);
  EXPECT_EQ(Text(stop, attr::kAcctSessionId), id);
  EXPECT_EQ(U32(stop, attr::kAcctTerminateCause), 1u);
  EXPECT_EQ(U32(stop, attr::kAcctInputPackets), 40u);
  EXPECT_EQ(U32(stop, attr::kAcctOutputPackets), 40u);
  EXPECT_EQ(InputOctets(stop), 5 * kUpOctetsPerRound);
  EXPECT_EQ(OutputOctets(stop), 5 * kDownOctetsPerRound);
  EXPECT_EQ(U32(stop, attr::kAcctSessionTime), 400u);
  AnswerFrom(2, At(400));
  const AccountingCounters c = gw().engine->accounting_counters();
  EXPECT_EQ(c.starts, 1u);
  EXPECT_EQ(c.interims, 1u);
  EXPECT_EQ(c.stops, 1u);
  EXPECT_EQ(c.responses, 3u);
  EXPECT_EQ(c.sessions, 0u);
  // No further updates for a session that ended.
  gw().engine->OnTimer(At(900));
  EXPECT_EQ(server_.Records().size(), 3u);
}

TEST_F(AccountingEngineTest, TheGatewaysShutdownStopsTheSessionAsNasReboot) {
  pair_->Pump(At(0));
  ASSERT_EQ(server_.Records().size(), 1u);
  gw().engine->Shutdown(At(50));
  ASSERT_EQ(server_.Records().size(), 2u);
  EXPECT_EQ(StatusType(Last()), 2u);
  EXPECT_EQ(U32(Last(), attr::kAcctTerminateCause), 11u);  // NAS-Reboot
  EXPECT_EQ(U32(Last(), attr::kAcctSessionTime), 50u);
}

TEST_F(AccountingEngineTest, AReloadTakingTheGatewayAwayStopsItsSessionsAsAdminReset) {
  pair_->Pump(At(0));
  ASSERT_EQ(server_.Records().size(), 1u);
  ASSERT_TRUE(Bursts(At(1), 1));
  ASSERT_TRUE(gw().engine->ApplyConfig(ParseConfig(AccountingGateway("shutdown")), At(60)).ok());
  ASSERT_EQ(server_.Records().size(), 2u);
  const Packet stop = Last();
  EXPECT_EQ(StatusType(stop), 2u);
  EXPECT_EQ(U32(stop, attr::kAcctTerminateCause), 6u);  // Admin-Reset
  EXPECT_EQ(U32(stop, attr::kAcctInputPackets), 8u);    // read before the SAs went
  EXPECT_EQ(InputOctets(stop), kUpOctetsPerRound);
  EXPECT_EQ(U32(stop, attr::kAcctSessionTime), 60u);
}

TEST_F(AccountingEngineTest, AStopInFlightSurvivesAReloadThatKeepsThePolicy) {
  pair_->Pump(At(0));
  AnswerFrom(0, At(0));
  client().engine->Shutdown(At(20));
  pair_->Pump(At(20));
  ASSERT_EQ(server_.Records().size(), 2u);
  ASSERT_EQ(StatusType(Last()), 2u);
  const std::vector<uint8_t> stop = server_.sent.back().bytes;
  // An unrelated change (the pool grows): the RADIUS client and its Stop in flight stay.
  std::string bigger = Replace(AccountingGateway(), "10.9.0.20", "10.9.0.30");
  ASSERT_TRUE(gw().engine->ApplyConfig(ParseConfig(bigger), At(21)).ok());
  EXPECT_EQ(gw().engine->accounting_counters().stops_resent, 0u);
  // Unanswered, it is retransmitted as it was (rsp: timeout 5 s).
  const size_t before = server_.sent.size();
  gw().engine->OnTimer(At(26));
  ASSERT_EQ(server_.sent.size(), before + 1);
  EXPECT_EQ(server_.sent.back().bytes, stop);
  AnswerFrom(before, At(26));
  EXPECT_EQ(gw().engine->accounting_counters().responses, 2u);
}

TEST(AccountingEngineDpdTest, AClientThatVanishesIsStoppedAsLostCarrier) {
  AcctServer server;
  EngineOptions o;
  o.host.radius = &server;
  RouterPair pair(AccountingClientConfig(),
                  AccountingGateway("no shutdown", "address 127.0.0.1 secret \"acct-secret\"", "",
                                    "        dpd interval 10 max-retries 2\n"),
                  At(0), &o);
  pair.Pump(At(0));
  ASSERT_EQ(server.Records().size(), 1u);
  // The client is gone: nothing the gateway sends reaches it, nothing comes back.
  for (int t = 1; t <= 120 && pair.b().events.Count(IkeEventKind::kIkeDown) == 0; ++t) {
    pair.b().engine->OnTimer(At(t));
    pair.b().transport.public_out.clear();
  }
  ASSERT_EQ(pair.b().events.Count(IkeEventKind::kIkeDown), 1u);
  const std::vector<Packet> records = server.Records();
  ASSERT_GE(records.size(), 2u);
  const Packet& stop = records.back();
  EXPECT_EQ(StatusType(stop), 2u);
  EXPECT_EQ(U32(stop, attr::kAcctTerminateCause), 2u);  // Lost-Carrier
  EXPECT_GT(U32(stop, attr::kAcctSessionTime), 10u);
  EXPECT_EQ(pair.b().engine->accounting_counters().sessions, 0u);
}

TEST_F(AccountingEngineTest, AGatewayWithoutAccountingPolicySendsNothing) {
  std::string text =
      Replace(AccountingGateway(), "        radius-accounting-policy \"acct\"\n", "");
  AcctServer quiet;
  EngineOptions o;
  o.host.radius = &quiet;
  RouterPair pair(AccountingClientConfig(), text, At(0), &o);
  pair.Pump(At(0));
  ASSERT_EQ(pair.b().events.Count(IkeEventKind::kChildUp), 1u);
  pair.b().engine->OnTimer(At(600));
  pair.a().engine->Shutdown(At(700));
  pair.Pump(At(700));
  EXPECT_TRUE(quiet.sent.empty());
  EXPECT_EQ(pair.b().engine->accounting_counters().starts, 0u);
}

}  // namespace
}  // namespace tunnelisa::testing
