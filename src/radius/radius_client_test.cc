// RadiusClient under a fake clock and an in-memory transport: the state machine (Identifiers,
// retransmissions, failover, hold-down, queueing) and its handling of forged answers.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "radius/radius_test_util.h"
#include "tunnelisa/radius.h"

namespace tunnelisa::radius {
namespace {

SecretBytes Secret(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

MonoTime At(double seconds) { return MonoTime{static_cast<int64_t>(seconds * 1e9)}; }

const IpAddress kServer1 = *IpAddress::Parse("192.0.2.10");
const IpAddress kServer2 = *IpAddress::Parse("2001:db8::20");

using Sent = testutil::RecordingTransport::Sent;
using FakeTransport = testutil::RecordingTransport;
using testutil::SignedAnswer;

// CountingRandom: deterministic "random" bytes (tests must be repeatable).
class CountingRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(++counter_ * 151);
  }

 private:
  uint32_t counter_ = 0;
};

class RecordingLog final : public LogSink {
 public:
  void Log(LogLevel, std::string_view message) override { lines.emplace_back(message); }
  std::vector<std::string> lines;
};

class RadiusClientTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(DefaultOptions()); }

  static RadiusClientOptions DefaultOptions() {
    RadiusClientOptions o;
    o.servers.push_back({kServer1, 1812, 1813, Secret("secret-one")});
    o.servers.push_back({kServer2, 11812, 11813, Secret("secret-two")});
    o.nas_identifier = "gw-test";
    o.nas_ip_address = *IpAddress::Parse("192.0.2.1");
    return o;
  }

  void Make(RadiusClientOptions options) {
    transport_.sent.clear();
    auto client = RadiusClient::Create(std::move(options), &transport_, &random_, &log_);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  uint64_t StartAuth(std::string user = "alice", MonoTime now = At(0)) {
    AccessRequest r;
    r.user_name = std::move(user);
    r.password = Secret("pw");
    absl::StatusOr<uint64_t> id = client_->Authenticate(
        std::move(r), now,
        [this](uint64_t done_id, const AuthResult& result) { auth_results_[done_id] = result; });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }

  uint64_t StartAcct(AccountingRequest r, MonoTime now = At(0)) {
    absl::StatusOr<uint64_t> id = client_->Account(
        std::move(r), now,
        [this](uint64_t done_id, const AcctResult& result) { acct_results_[done_id] = result; });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }

  RadiusServerAddress Auth1() const { return {kServer1, 1812}; }
  RadiusServerAddress Auth2() const { return {kServer2, 11812}; }
  RadiusServerAddress Acct1() const { return {kServer1, 1813}; }
  RadiusServerAddress Acct2() const { return {kServer2, 11813}; }

  FakeTransport transport_;
  CountingRandom random_;
  RecordingLog log_;
  std::unique_ptr<RadiusClient> client_;
  std::map<uint64_t, AuthResult> auth_results_;
  std::map<uint64_t, AcctResult> acct_results_;
};

TEST_F(RadiusClientTest, AcceptArrivesThroughTheCallbackWithItsAttributes) {
  const uint64_t id = StartAuth();
  EXPECT_TRUE(auth_results_.empty());  // never from inside Authenticate
  ASSERT_EQ(transport_.sent.size(), 1u);
  const Sent& request = transport_.sent[0];
  EXPECT_EQ(request.to, Auth1());
  Authenticator ra{};
  std::copy_n(request.bytes.begin() + 4, 16, ra.begin());
  EXPECT_TRUE(VerifyMessageAuthenticator(request.bytes, ra, Secret("secret-one")));
  EXPECT_EQ(client_->NextDeadline(), At(5));

  client_->OnDatagram(
      Auth1(),
      SignedAnswer(request.bytes, PacketCode::kAccessAccept,
                   {AddressAttribute(attr::kFramedIpAddress, *IpAddress::Parse("10.0.0.42")),
                    RadiusAttribute{attr::kClass, {7}}},
                   Secret("secret-one")),
      At(0.01));
  ASSERT_EQ(auth_results_.count(id), 1u);
  const AuthResult& r = auth_results_[id];
  EXPECT_EQ(r.outcome, AuthOutcome::kAccept);
  EXPECT_EQ(r.framed_ip_address, IpAddress::Parse("10.0.0.42"));
  EXPECT_EQ(r.classes.size(), 1u);
  EXPECT_EQ(r.server, Auth1());
  EXPECT_EQ(client_->pending(), 0u);
  EXPECT_EQ(client_->NextDeadline(), MonoTime::Infinite());
  EXPECT_EQ(client_->stats().accepts, 1u);
  EXPECT_EQ(client_->stats().sent, 1u);
  // The same answer again finds no request.
  client_->OnDatagram(
      Auth1(), SignedAnswer(request.bytes, PacketCode::kAccessAccept, {}, Secret("secret-one")),
      At(0.02));
  EXPECT_EQ(client_->stats().unknown_responses, 1u);
}

TEST_F(RadiusClientTest, RejectCarriesReplyMessage) {
  const uint64_t id = StartAuth();
  client_->OnDatagram(
      Auth1(),
      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessReject,
                   {TextAttribute(attr::kReplyMessage, "bad password")}, Secret("secret-one")),
      At(1));
  EXPECT_EQ(auth_results_[id].outcome, AuthOutcome::kReject);
  EXPECT_EQ(auth_results_[id].reply_message, "bad password");
  EXPECT_EQ(client_->stats().rejects, 1u);
}

TEST_F(RadiusClientTest, RetransmitsSameBytesThenFailsOverWithNewIdentifierAndAuthenticator) {
  const uint64_t id = StartAuth();
  EXPECT_EQ(client_->OnTimer(At(4.999)), At(5));
  EXPECT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(client_->OnTimer(At(5)), At(10));
  EXPECT_EQ(client_->OnTimer(At(10)), At(15));
  ASSERT_EQ(transport_.sent.size(), 3u);
  for (const Sent& s : transport_.sent) {
    EXPECT_EQ(s.to, Auth1());
    EXPECT_EQ(s.bytes, transport_.sent[0].bytes);  // same Identifier and Authenticator
  }
  EXPECT_EQ(client_->stats().retransmits, 2u);
  EXPECT_FALSE(client_->InHoldDown(0, At(15)));

  EXPECT_EQ(client_->OnTimer(At(15)), At(20));
  ASSERT_EQ(transport_.sent.size(), 4u);
  const Sent& failover = transport_.sent[3];
  EXPECT_EQ(failover.to, Auth2());
  EXPECT_NE(std::vector<uint8_t>(failover.bytes.begin() + 4, failover.bytes.begin() + 20),
            std::vector<uint8_t>(transport_.sent[0].bytes.begin() + 4,
                                 transport_.sent[0].bytes.begin() + 20));
  Authenticator ra{};
  std::copy_n(failover.bytes.begin() + 4, 16, ra.begin());
  EXPECT_TRUE(VerifyMessageAuthenticator(failover.bytes, ra, Secret("secret-two")));
  EXPECT_EQ(client_->stats().failovers, 1u);
  EXPECT_TRUE(client_->InHoldDown(0, At(15)));
  EXPECT_FALSE(client_->InHoldDown(0, At(45)));
  ASSERT_FALSE(log_.lines.empty());
  EXPECT_NE(log_.lines[0].find("192.0.2.10:1812 did not answer 3 tries"), std::string::npos)
      << log_.lines[0];

  // A late answer from server 1 to the abandoned try is no longer matched.
  client_->OnDatagram(
      Auth1(),
      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessAccept, {}, Secret("secret-one")),
      At(15.5));
  EXPECT_EQ(client_->stats().unknown_responses, 1u);
  EXPECT_TRUE(auth_results_.empty());

  client_->OnDatagram(
      Auth2(), SignedAnswer(failover.bytes, PacketCode::kAccessAccept, {}, Secret("secret-two")),
      At(16));
  EXPECT_EQ(auth_results_[id].outcome, AuthOutcome::kAccept);
  EXPECT_EQ(auth_results_[id].server, Auth2());
}

TEST_F(RadiusClientTest, AnswerToAnEarlierSendOfTheSameTryIsAccepted) {
  const uint64_t id = StartAuth();
  client_->OnTimer(At(5));  // retransmission: identical bytes
  client_->OnDatagram(
      Auth1(),
      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessAccept, {}, Secret("secret-one")),
      At(5.1));
  EXPECT_EQ(auth_results_[id].outcome, AuthOutcome::kAccept);
}

TEST_F(RadiusClientTest, EveryServerSilentEndsWithTimeout) {
  const uint64_t id = StartAuth();
  MonoTime deadline = client_->NextDeadline();
  int steps = 0;
  while (!deadline.is_infinite() && steps++ < 100) deadline = client_->OnTimer(deadline);
  EXPECT_EQ(steps, 6);  // 3 tries x 2 servers
  ASSERT_EQ(auth_results_.count(id), 1u);
  const AuthResult& r = auth_results_[id];
  EXPECT_EQ(r.outcome, AuthOutcome::kTimeout);
  EXPECT_NE(r.detail.find("no answer from 2 RADIUS server(s), 3 tries each"), std::string::npos)
      << r.detail;
  EXPECT_EQ(transport_.sent.size(), 6u);
  EXPECT_EQ(client_->stats().timeouts, 1u);
  EXPECT_EQ(client_->stats().failovers, 1u);
  EXPECT_EQ(client_->pending(), 0u);
  EXPECT_TRUE(client_->InHoldDown(0, At(30)));
  EXPECT_TRUE(client_->InHoldDown(1, At(30)));
}

TEST_F(RadiusClientTest, HoldDownSendsNewRequestsToTheNextServerFirstUntilItEnds) {
  StartAuth();
  for (double t : {5, 10, 15}) client_->OnTimer(At(t));  // server 1 fails: hold-down to 45 s
  ASSERT_TRUE(client_->InHoldDown(0, At(16)));
  transport_.sent.clear();
  StartAuth("bob", At(16));
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0].to, Auth2());
  // Server 1's hold-down ended at 45 s: it is first again.
  transport_.sent.clear();
  StartAuth("carol", At(46));
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0].to, Auth1());
}

TEST_F(RadiusClientTest, AnAuthenticAnswerEndsHoldDown) {
  StartAuth();
  for (double t : {5, 10, 15}) client_->OnTimer(At(t));
  ASSERT_TRUE(client_->InHoldDown(0, At(16)));
  // Accounting still goes to server 1 only if it is first: it is in hold-down, so server 2.
  AccountingRequest acct;
  acct.session_id = "s1";
  transport_.sent.clear();
  const uint64_t id = StartAcct(acct, At(16));
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0].to, Acct2());
  // Server 2 silent for the accounting record: fails over to server 1, which answers.
  for (double t : {21, 26, 31}) client_->OnTimer(At(t));
  ASSERT_EQ(transport_.sent.back().to, Acct1());
  client_->OnDatagram(Acct1(),
                      SignedAnswer(transport_.sent.back().bytes, PacketCode::kAccountingResponse,
                                   {}, Secret("secret-one"), {.message_authenticator = false}),
                      At(31.5));
  EXPECT_EQ(acct_results_[id].outcome, AcctOutcome::kResponse);
  EXPECT_FALSE(client_->InHoldDown(0, At(31.5)));
}

TEST_F(RadiusClientTest, ForgedAndBrokenAnswersAreCountedAndTheRequestKeepsWaiting) {
  const uint64_t id = StartAuth();
  const std::vector<uint8_t>& request = transport_.sent[0].bytes;
  const SecretBytes secret = Secret("secret-one");
  // Wrong Response Authenticator (e.g. an attacker without the secret).
  client_->OnDatagram(Auth1(),
                      SignedAnswer(request, PacketCode::kAccessAccept, {}, secret,
                                   {.corrupt_response_authenticator = true}),
                      At(0.1));
  // Signed with another secret.
  client_->OnDatagram(
      Auth1(), SignedAnswer(request, PacketCode::kAccessAccept, {}, Secret("guess")), At(0.1));
  EXPECT_EQ(client_->stats().bad_authenticators, 2u);
  // Right Response Authenticator, no Message-Authenticator (BlastRADIUS).
  client_->OnDatagram(Auth1(),
                      SignedAnswer(request, PacketCode::kAccessAccept, {}, secret,
                                   {.message_authenticator = false}),
                      At(0.2));
  EXPECT_EQ(client_->stats().bad_message_authenticators, 1u);
  // Truncated, too short for a header, wrong Code.
  std::vector<uint8_t> truncated = SignedAnswer(request, PacketCode::kAccessAccept, {}, secret);
  truncated.pop_back();
  client_->OnDatagram(Auth1(), truncated, At(0.3));
  client_->OnDatagram(Auth1(), std::vector<uint8_t>(5, 0), At(0.3));
  client_->OnDatagram(Auth1(), SignedAnswer(request, PacketCode::kAccountingResponse, {}, secret),
                      At(0.3));
  EXPECT_EQ(client_->stats().malformed, 3u);
  // From an unknown source, to an unknown Identifier, and the right answer on the acct port.
  client_->OnDatagram({kServer1, 9999},
                      SignedAnswer(request, PacketCode::kAccessAccept, {}, secret), At(0.4));
  std::vector<uint8_t> other_id = SignedAnswer(request, PacketCode::kAccessAccept, {}, secret);
  other_id[1] ^= 0x55;
  client_->OnDatagram(Auth1(), other_id, At(0.4));
  client_->OnDatagram(Acct1(), SignedAnswer(request, PacketCode::kAccessAccept, {}, secret),
                      At(0.4));
  client_->OnDatagram(Auth2(), SignedAnswer(request, PacketCode::kAccessAccept, {}, secret),
                      At(0.4));
  EXPECT_EQ(client_->stats().unknown_responses, 4u);

  EXPECT_TRUE(auth_results_.empty());
  EXPECT_EQ(client_->pending(), 1u);
  EXPECT_EQ(client_->stats().accepts, 0u);
  // The genuine answer still completes it.
  client_->OnDatagram(Auth1(), SignedAnswer(request, PacketCode::kAccessAccept, {}, secret), At(1));
  EXPECT_EQ(auth_results_[id].outcome, AuthOutcome::kAccept);
}

TEST_F(RadiusClientTest, MalformedAcceptIsARejectNotATimeout) {
  const uint64_t id = StartAuth();
  client_->OnDatagram(Auth1(),
                      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessAccept,
                                   {{attr::kSessionTimeout, {0, 1}}}, Secret("secret-one")),
                      At(1));
  EXPECT_EQ(auth_results_[id].outcome, AuthOutcome::kReject);
  EXPECT_EQ(client_->stats().malformed, 1u);
  EXPECT_EQ(client_->stats().rejects, 1u);
}

TEST_F(RadiusClientTest, ChallengeForEapRelay) {
  AccessRequest r;
  r.user_name = "eap-user";
  r.eap_message = {2, 1, 0, 13, 1, 'e', 'a', 'p', '-', 'u', 's', 'e', 'r'};  // EAP-Response/Id
  uint64_t id = *client_->Authenticate(
      std::move(r), At(0), [this](uint64_t i, const AuthResult& a) { auth_results_[i] = a; });
  std::vector<RadiusAttribute> attrs = {RadiusAttribute{attr::kState, {1, 2, 3}}};
  ASSERT_TRUE(AppendEapMessage(std::vector<uint8_t>(400, 1), attrs).ok());
  client_->OnDatagram(Auth1(),
                      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessChallenge, attrs,
                                   Secret("secret-one")),
                      At(0.5));
  EXPECT_EQ(auth_results_[id].outcome, AuthOutcome::kChallenge);
  EXPECT_EQ(auth_results_[id].state, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(auth_results_[id].eap_message.size(), 400u);
  EXPECT_EQ(client_->stats().challenges, 1u);
}

// MsMppeKey: a Microsoft Vendor-Specific MS-MPPE key attribute (RFC 2548 2.4.2) as a server
// encrypts it for `request`.
RadiusAttribute MsMppeKey(uint8_t vendor_type, const std::vector<uint8_t>& key,
                          const std::vector<uint8_t>& request, const SecretBytes& secret) {
  Authenticator ra{};
  std::copy_n(request.begin() + 4, 16, ra.begin());
  std::vector<uint8_t> value = EncryptMppeKey(SecretBytes(key), 0x8abc, secret, ra);
  std::vector<uint8_t> vsa = {0, 0, 1, 55, vendor_type, static_cast<uint8_t>(2 + value.size())};
  vsa.insert(vsa.end(), value.begin(), value.end());
  return {attr::kVendorSpecific, vsa};
}

TEST_F(RadiusClientTest, AcceptDecryptsTheMppeKeys) {
  const uint64_t id = StartAuth();
  const std::vector<uint8_t>& request = transport_.sent[0].bytes;
  const std::vector<uint8_t> recv(16, 0x11), send(16, 0x22);
  client_->OnDatagram(Auth1(),
                      SignedAnswer(request, PacketCode::kAccessAccept,
                                   {MsMppeKey(17, recv, request, Secret("secret-one")),
                                    MsMppeKey(16, send, request, Secret("secret-one"))},
                                   Secret("secret-one")),
                      At(0.1));
  const AuthResult& r = auth_results_[id];
  ASSERT_EQ(r.outcome, AuthOutcome::kAccept);
  ASSERT_NE(r.mppe_recv_key, nullptr);
  ASSERT_NE(r.mppe_send_key, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(r.mppe_recv_key->span().begin(), r.mppe_recv_key->span().end()),
            recv);
  EXPECT_EQ(std::vector<uint8_t>(r.mppe_send_key->span().begin(), r.mppe_send_key->span().end()),
            send);
}

TEST_F(RadiusClientTest, AcceptWithAnUndecryptableMppeKeyIsAReject) {
  const uint64_t id = StartAuth();
  // Encrypted for another secret: the Key-Length octet decrypts to garbage (or, rarely, to a
  // length that fits: then the key is wrong, which the IKE AUTH check catches).
  RadiusAttribute bad = MsMppeKey(17, std::vector<uint8_t>(16, 1), transport_.sent[0].bytes,
                                  Secret("not-the-secret"));
  bad.value[6] &= 0x7f;  // and a Salt without its high bit: certainly malformed
  client_->OnDatagram(Auth1(),
                      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessAccept, {bad},
                                   Secret("secret-one")),
                      At(0.1));
  const AuthResult& r = auth_results_[id];
  EXPECT_EQ(r.outcome, AuthOutcome::kReject);
  EXPECT_NE(r.detail.find("malformed MS-MPPE-Recv-Key"), std::string::npos) << r.detail;
  EXPECT_EQ(r.mppe_recv_key, nullptr);
  EXPECT_EQ(client_->stats().malformed, 1u);
  EXPECT_EQ(client_->stats().rejects, 1u);
}

TEST_F(RadiusClientTest, IdentifiersAreUniquePerServerPortThenRequestsQueueThenAreRefused) {
  RadiusClientOptions o = DefaultOptions();
  o.max_queued = 2;
  Make(std::move(o));
  std::vector<uint64_t> ids;
  for (int i = 0; i < 256; ++i) ids.push_back(StartAuth(absl::StrCat("user", i)));
  ASSERT_EQ(transport_.sent.size(), 256u);
  std::vector<bool> seen(256, false);
  for (const Sent& s : transport_.sent) {
    EXPECT_EQ(s.to, Auth1());
    EXPECT_FALSE(seen[s.bytes[1]]) << "Identifier " << int{s.bytes[1]} << " used twice";
    seen[s.bytes[1]] = true;
  }
  // Accounting has its own 256 on the other port.
  AccountingRequest acct;
  acct.session_id = "x";
  StartAcct(acct);
  EXPECT_EQ(transport_.sent.size(), 257u);
  EXPECT_EQ(transport_.sent.back().to, Acct1());

  const uint64_t queued1 = StartAuth("q1");
  const uint64_t queued2 = StartAuth("q2");
  EXPECT_EQ(transport_.sent.size(), 257u);
  EXPECT_EQ(client_->stats().queued, 2u);
  AccessRequest over;
  over.user_name = "over";
  over.password = Secret("pw");
  absl::StatusOr<uint64_t> refused = client_->Authenticate(std::move(over), At(0), nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("all 256 Identifiers to 192.0.2.10:1812"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(client_->stats().queue_full, 1u);

  // An answer frees an Identifier: the first queued request takes it at once.
  const Sent first = transport_.sent[0];
  client_->OnDatagram(
      Auth1(), SignedAnswer(first.bytes, PacketCode::kAccessReject, {}, Secret("secret-one")),
      At(1));
  ASSERT_EQ(transport_.sent.size(), 258u);
  EXPECT_EQ(transport_.sent.back().bytes[1], first.bytes[1]);
  EXPECT_EQ(client_->NextDeadline(), At(5));  // the 256 first ones; queued1 due at 6 s
  // Cancelling a queued request frees its place in the queue.
  EXPECT_TRUE(client_->Cancel(queued2, At(1)));
  EXPECT_FALSE(client_->Cancel(queued2, At(1)));
  EXPECT_EQ(client_->pending(), 256u + 1u);  // 255 + queued1 outstanding, acct
  (void)queued1;
  // Now one place is free in the queue again.
  EXPECT_NE(StartAuth("q3", At(1)), 0u);
}

// Two clients behind one transport (the engine's clients of two radius-server-policies that
// name the same server): with one shared Identifier space they never hold the same
// Identifier to one server port at once (RFC 2865 3: the server would take the second request
// for a duplicate of the first), and a request of one waits for an Identifier the other frees.
TEST_F(RadiusClientTest, ClientsSharingATransportShareItsIdentifiers) {
  std::shared_ptr<RadiusIdentifiers> shared = MakeRadiusIdentifiers();
  RadiusClientOptions o = DefaultOptions();
  o.identifiers = shared;
  Make(std::move(o));
  RadiusClientOptions o2 = DefaultOptions();
  o2.identifiers = shared;
  o2.nas_identifier = "gw-other";
  auto other = RadiusClient::Create(std::move(o2), &transport_, &random_, &log_);
  ASSERT_TRUE(other.ok()) << other.status();
  std::map<uint64_t, AuthResult> other_results;
  auto start_other = [&](std::string user, MonoTime now) {
    AccessRequest r;
    r.user_name = std::move(user);
    r.password = Secret("pw");
    absl::StatusOr<uint64_t> id = (*other)->Authenticate(
        std::move(r), now,
        [&](uint64_t done_id, const AuthResult& res) { other_results[done_id] = res; });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  };
  for (int i = 0; i < 128; ++i) {
    StartAuth(absl::StrCat("a", i));
    start_other(absl::StrCat("b", i), At(0));
  }
  ASSERT_EQ(transport_.sent.size(), 256u);
  std::vector<bool> seen(256, false);
  for (const Sent& s : transport_.sent) {
    EXPECT_FALSE(seen[s.bytes[1]]) << "Identifier " << int{s.bytes[1]} << " used twice";
    seen[s.bytes[1]] = true;
  }
  // The port is full: the other client's next request waits, and an answer to one of this
  // client's requests gives the freed Identifier to it.
  const uint64_t waiting = start_other("b-waits", At(0));
  EXPECT_EQ(transport_.sent.size(), 256u);
  EXPECT_EQ((*other)->stats().queued, 1u);
  const Sent first = transport_.sent[0];  // client_'s "a0"
  client_->OnDatagram(
      Auth1(), SignedAnswer(first.bytes, PacketCode::kAccessReject, {}, Secret("secret-one")),
      At(1));
  ASSERT_EQ(transport_.sent.size(), 257u);
  EXPECT_EQ(transport_.sent.back().bytes[1], first.bytes[1]);
  // That answer is the other client's now: it completes its request, not client_'s.
  (*other)->OnDatagram(Auth1(),
                       SignedAnswer(transport_.sent.back().bytes, PacketCode::kAccessAccept, {},
                                    Secret("secret-one")),
                       At(2));
  ASSERT_EQ(other_results.count(waiting), 1u);
  EXPECT_EQ(other_results[waiting].outcome, AuthOutcome::kAccept);
  // A client destroyed with requests out gives their Identifiers back: the survivor can use
  // the whole space again.
  client_.reset();
  for (int i = 0; i < 128; ++i) start_other(absl::StrCat("c", i), At(3));
  EXPECT_EQ((*other)->stats().queued, 1u);  // only "b-waits" ever waited
  EXPECT_EQ(transport_.sent.size(), 257u + 128u);
}

TEST_F(RadiusClientTest, FailoversMayQueuePastMaxQueuedButTheTotalIsCapped) {
  RadiusClientOptions o = DefaultOptions();
  o.tries = 1;
  o.hold_down = Duration::Seconds(1);
  o.max_queued = 0;
  Make(std::move(o));
  AccountingRequest acct;
  acct.session_id = "y";
  StartAcct(acct, At(0));  // times out at 5 s: server 1 in hold-down until 6 s
  for (int i = 0; i < 256; ++i) StartAuth(absl::StrCat("b", i), At(1));  // server 1, due 6 s
  client_->OnTimer(At(5));
  for (int i = 0; i < 256; ++i) StartAuth(absl::StrCat("a", i), At(5));  // server 2, due 10 s
  EXPECT_EQ(transport_.sent.back().to, Auth2());
  // The 256 on server 1 time out and fail over to server 2, whose Identifiers are all busy:
  // they queue there although max_queued is 0 (they were taken before).
  client_->OnTimer(At(6));
  EXPECT_EQ(client_->stats().queued, 256u);
  EXPECT_EQ(client_->pending(), 513u);
  // Server 1's new hold-down (from those timeouts) ends at 7 s: it takes requests again.
  for (int i = 0; i < 256; ++i) StartAuth(absl::StrCat("c", i), At(7));
  for (int i = 0; i < 255; ++i) StartAcct(acct, At(7));
  EXPECT_EQ(client_->pending(), 1024u);  // 512 x 2 servers + max_queued 0
  absl::StatusOr<uint64_t> refused = client_->Account(acct, At(7), nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("1024 requests pending"), std::string::npos)
      << refused.status();
}

TEST_F(RadiusClientTest, CancelledRequestGetsNoCallbackAndItsAnswerIsUnknown) {
  const uint64_t id = StartAuth();
  EXPECT_TRUE(client_->Cancel(id, At(1)));
  EXPECT_EQ(client_->NextDeadline(), MonoTime::Infinite());
  client_->OnDatagram(
      Auth1(),
      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessAccept, {}, Secret("secret-one")),
      At(2));
  EXPECT_TRUE(auth_results_.empty());
  EXPECT_EQ(client_->stats().unknown_responses, 1u);
  EXPECT_EQ(client_->stats().cancelled, 1u);
}

TEST_F(RadiusClientTest, CallbackMayStartTheNextRequest) {
  AccessRequest first;
  first.user_name = "a";
  first.password = Secret("1");
  uint64_t second_id = 0;
  ASSERT_TRUE(
      client_
          ->Authenticate(std::move(first), At(0),
                         [&](uint64_t, const AuthResult&) {
                           AccessRequest next;
                           next.user_name = "b";
                           next.password = Secret("2");
                           second_id =
                               client_->Authenticate(std::move(next), At(1), nullptr).value_or(0);
                         })
          .ok());
  client_->OnDatagram(
      Auth1(),
      SignedAnswer(transport_.sent[0].bytes, PacketCode::kAccessReject, {}, Secret("secret-one")),
      At(1));
  EXPECT_NE(second_id, 0u);
  EXPECT_EQ(transport_.sent.size(), 2u);
  EXPECT_EQ(client_->pending(), 1u);
}

TEST_F(RadiusClientTest, AccountingStartInterimStopAndDelayTimeOnFailover) {
  AccountingRequest start;
  start.session_id = "sess-7";
  start.user_name = "alice";
  start.framed_ip_address = IpAddress::Parse("10.0.0.7");
  const uint64_t a = StartAcct(start);
  AccountingRequest interim = start;
  interim.status_type = AcctStatusType::kInterimUpdate;
  interim.input_octets = 5000;
  interim.output_octets = (uint64_t{1} << 32) + 7;
  interim.input_packets = 50;
  interim.output_packets = 70;
  interim.session_time = 60;
  const uint64_t b = StartAcct(interim, At(0));
  ASSERT_EQ(transport_.sent.size(), 2u);
  auto status_of = [](const Sent& s) {
    return U32Value(*Find(*ParsePacket(s.bytes), attr::kAcctStatusType));
  };
  EXPECT_EQ(status_of(transport_.sent[0]), 1u);
  EXPECT_EQ(status_of(transport_.sent[1]), 3u);
  const Packet interim_packet = *ParsePacket(transport_.sent[1].bytes);
  EXPECT_EQ(U32Value(*Find(interim_packet, attr::kAcctOutputGigawords)), 1u);
  EXPECT_EQ(U32Value(*Find(interim_packet, attr::kAcctOutputOctets)), 7u);
  EXPECT_EQ(U32Value(*Find(interim_packet, attr::kAcctDelayTime)), 0u);
  EXPECT_EQ(interim_packet.authenticator,
            AccountingRequestAuthenticator(transport_.sent[1].bytes, Secret("secret-one")));

  for (const Sent& s : {transport_.sent[0], transport_.sent[1]}) {
    client_->OnDatagram(Acct1(),
                        SignedAnswer(s.bytes, PacketCode::kAccountingResponse, {},
                                     Secret("secret-one"), {.message_authenticator = false}),
                        At(0.1));
  }
  EXPECT_EQ(acct_results_[a].outcome, AcctOutcome::kResponse);
  EXPECT_EQ(acct_results_[b].outcome, AcctOutcome::kResponse);
  EXPECT_EQ(client_->stats().accounting_responses, 2u);

  AccountingRequest stop = interim;
  stop.status_type = AcctStatusType::kStop;
  stop.terminate_cause = 1;
  transport_.sent.clear();
  const uint64_t c = StartAcct(stop, At(100));
  for (double t : {105, 110, 115}) client_->OnTimer(At(t));
  ASSERT_EQ(transport_.sent.size(), 4u);
  const Packet failed_over = *ParsePacket(transport_.sent[3].bytes);
  EXPECT_EQ(transport_.sent[3].to, Acct2());
  EXPECT_EQ(U32Value(*Find(failed_over, attr::kAcctDelayTime)), 15u);
  EXPECT_EQ(U32Value(*Find(failed_over, attr::kAcctTerminateCause)), 1u);
  for (double t : {120, 125, 130}) client_->OnTimer(At(t));
  EXPECT_EQ(acct_results_[c].outcome, AcctOutcome::kTimeout);
}

TEST_F(RadiusClientTest, RefusesBadRequestsWithoutSendingAnything) {
  AccessRequest r;
  r.user_name = "x";
  r.password = SecretBytes(200);
  absl::StatusOr<uint64_t> id = client_->Authenticate(std::move(r), At(0), nullptr);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  AccountingRequest a;
  id = client_->Account(std::move(a), At(0), nullptr);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  AccessRequest big;
  big.user_name = "x";
  big.eap_message.assign(5000, 1);
  id = client_->Authenticate(std::move(big), At(0), nullptr);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_.sent.empty());
  EXPECT_EQ(client_->stats().requests, 0u);
}

TEST(RadiusClientCreate, RefusesBadPolicies) {
  FakeTransport transport;
  struct Case {
    const char* name;
    std::function<void(RadiusClientOptions&)> change;
    const char* expected;
  };
  auto base = [] {
    RadiusClientOptions o;
    o.servers.push_back({kServer1, 1812, 1813, Secret("s")});
    o.nas_identifier = "gw";
    return o;
  };
  const Case cases[] = {
      {"no servers", [](RadiusClientOptions& o) { o.servers.clear(); }, "0 servers"},
      {"no address", [](RadiusClientOptions& o) { o.servers[0].address = IpAddress(); },
       "has no address"},
      {"no secret", [](RadiusClientOptions& o) { o.servers[0].secret = SecretBytes(); },
       "has no secret"},
      {"same ports", [](RadiusClientOptions& o) { o.servers[0].acct_port = 1812; },
       "two different non-zero ports"},
      {"zero port", [](RadiusClientOptions& o) { o.servers[0].auth_port = 0; },
       "two different non-zero ports"},
      {"duplicate server",
       [](RadiusClientOptions& o) {
         o.servers.push_back({kServer1, 1813, 1900, Secret("t")});
       },
       "shares a port with server 1"},
      {"zero timeout", [](RadiusClientOptions& o) { o.timeout = Duration{}; }, "timeout"},
      {"zero tries", [](RadiusClientOptions& o) { o.tries = 0; }, "tries 0"},
      {"many tries", [](RadiusClientOptions& o) { o.tries = 11; }, "tries 11"},
      {"negative hold-down", [](RadiusClientOptions& o) { o.hold_down = Duration::Seconds(-1); },
       "hold-down"},
      {"no NAS identity", [](RadiusClientOptions& o) { o.nas_identifier.clear(); },
       "NAS-Identifier or a NAS-IP-Address"},
  };
  ASSERT_TRUE(RadiusClient::Create(base(), &transport).ok());
  EXPECT_FALSE(RadiusClient::Create(base(), nullptr).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RadiusClientOptions o = base();
    c.change(o);
    auto client = RadiusClient::Create(std::move(o), &transport);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(client.status().message().find(c.expected), std::string::npos) << client.status();
  }
  // Same address, other ports: a second server process on one host is fine.
  RadiusClientOptions two = base();
  two.servers.push_back({kServer1, 2812, 2813, Secret("t")});
  EXPECT_TRUE(RadiusClient::Create(std::move(two), &transport).ok());
}

}  // namespace
}  // namespace tunnelisa::radius
