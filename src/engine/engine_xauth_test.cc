// RadiusXauthVerifier: XAUTH users checked through the engine's RADIUS client, over a fake
// transport and a fake server that answers with the policy's secret.
#include "engine/engine_xauth.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "radius/radius_crypto.h"
#include "radius/radius_packet.h"
#include "radius/radius_test_util.h"
#include "tests/test_tools/packets.h"
#include "tests/test_tools/vector_file.h"

namespace tunnelisa::testing {
namespace {

using ::testing::HasSubstr;
namespace attr = radius::attr;

using FakeRadiusTransport = radius::testutil::RecordingTransport;

// The remote-access vector: radius-server-policy "rsp", rad-1 127.0.0.1 secret "s3cret-1"
// first, timeout 3, retry 2.
std::string RemoteAccessText() {
  std::ifstream in(tunnelisa::testing::SourceDir() + "/tests/vectors/configs/remote_access.cfg");
  EXPECT_TRUE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

SecretBytes Bytes(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

// Answer: what rad-1 (secret "s3cret-1") answers to `request`, signed as a real server does.
std::vector<uint8_t> Answer(const std::vector<uint8_t>& request, radius::PacketCode code,
                            std::vector<radius::RadiusAttribute> attributes) {
  return radius::testutil::SignedAnswer(request, code, std::move(attributes), Bytes("s3cret-1"));
}

const radius::RadiusServerAddress kRad1{.address = Ip("127.0.0.1"), .port = 1812};

MonoTime At(int64_t seconds) { return MonoTime{} + Duration::Seconds(seconds); }

struct Completed {
  uint64_t ticket = 0;
  ike::XauthResult result;
  MonoTime now;
};

class RadiusXauthVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    radius_.Reconcile(ParseConfig(RemoteAccessText()));
    verifier_ = std::make_unique<RadiusXauthVerifier>(
        radius_, "rsp", [this](uint64_t ticket, const ike::XauthResult& r, MonoTime now) {
          completed_.push_back({ticket, r, now});
        });
  }
  static ike::XauthCredentials Alice(std::string_view password = "wonderland") {
    return {.user = "alice",
            .password = Bytes(password),
            .client_address = Ip("198.51.100.7"),
            .gateway_address = Ip("1.1.1.9")};
  }
  // AnswerLast: the server's answer to the last request sent, delivered at `now`.
  void AnswerLast(radius::PacketCode code, std::vector<radius::RadiusAttribute> attributes,
                  MonoTime now) {
    ASSERT_FALSE(transport_.sent.empty());
    radius_.OnDatagram(kRad1, Answer(transport_.sent.back().bytes, code, std::move(attributes)),
                       now);
  }

  FakeRadiusTransport transport_;
  EngineRadius radius_{&transport_, nullptr, nullptr};
  std::unique_ptr<RadiusXauthVerifier> verifier_;
  std::vector<Completed> completed_;
};

TEST_F(RadiusXauthVerifierTest, AcceptCarriesTheFramedAddressAndClass) {
  ASSERT_TRUE(verifier_->Start(7, Alice(), At(0)).ok());
  EXPECT_TRUE(completed_.empty());  // never from inside Start
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0].to, kRad1);
  absl::StatusOr<radius::Packet> request = radius::ParsePacket(transport_.sent[0].bytes);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->code, static_cast<uint8_t>(radius::PacketCode::kAccessRequest));
  const radius::RadiusAttribute* user = radius::Find(*request, attr::kUserName);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(std::string(user->value.begin(), user->value.end()), "alice");
  const radius::RadiusAttribute* calling = radius::Find(*request, attr::kCallingStationId);
  ASSERT_NE(calling, nullptr);
  EXPECT_EQ(std::string(calling->value.begin(), calling->value.end()), "198.51.100.7");
  ASSERT_NE(radius::Find(*request, attr::kUserPassword), nullptr);
  ASSERT_NE(radius::Find(*request, attr::kNasPortType), nullptr);
  EXPECT_EQ(radius::U32Value(*radius::Find(*request, attr::kNasPortType)), 5u);

  const std::vector<uint8_t> cls = {'c', '1'};
  AnswerLast(radius::PacketCode::kAccessAccept,
             {radius::AddressAttribute(attr::kFramedIpAddress, Ip("10.9.0.77")),
              radius::BytesAttribute(attr::kClass, cls)},
             At(1));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].ticket, 7u);
  EXPECT_TRUE(completed_[0].result.accepted);
  EXPECT_THAT(completed_[0].result.reason, HasSubstr("accepted by RADIUS server 127.0.0.1:1812"));
  EXPECT_EQ(completed_[0].result.framed_address, Ip("10.9.0.77"));
  ASSERT_EQ(completed_[0].result.classes.size(), 1u);
  EXPECT_EQ(completed_[0].result.classes[0], cls);
  EXPECT_EQ(completed_[0].now, At(1));
  EXPECT_EQ(verifier_->pending(), 0u);
}

TEST_F(RadiusXauthVerifierTest, RejectIsRefusedWithTheServersWords) {
  ASSERT_TRUE(verifier_->Start(1, Alice("wrong"), At(0)).ok());
  AnswerLast(radius::PacketCode::kAccessReject,
             {radius::TextAttribute(attr::kReplyMessage, "bad password")}, At(1));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_FALSE(completed_[0].result.accepted);
  EXPECT_THAT(completed_[0].result.reason, HasSubstr("rejected by RADIUS server 127.0.0.1:1812"));
  EXPECT_THAT(completed_[0].result.reason, HasSubstr("bad password"));
  EXPECT_FALSE(completed_[0].result.framed_address.has_value());
}

TEST_F(RadiusXauthVerifierTest, ChallengeIsRefused) {
  ASSERT_TRUE(verifier_->Start(1, Alice(), At(0)).ok());
  AnswerLast(radius::PacketCode::kAccessChallenge,
             {radius::BytesAttribute(attr::kState, std::vector<uint8_t>{1, 2})}, At(1));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_FALSE(completed_[0].result.accepted);
  EXPECT_THAT(completed_[0].result.reason, HasSubstr("challenge"));
}

// retry 2 and timeout 3 over two servers: the user is refused after 12 s with a clear reason.
TEST_F(RadiusXauthVerifierTest, SilentServersTimeOut) {
  ASSERT_TRUE(verifier_->Start(3, Alice(), At(0)).ok());
  MonoTime next = radius_.OnTimer(At(0));
  for (int i = 0; i < 10 && completed_.empty() && next != MonoTime::Infinite(); ++i) {
    next = radius_.OnTimer(next);
  }
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].ticket, 3u);
  EXPECT_FALSE(completed_[0].result.accepted);
  EXPECT_THAT(completed_[0].result.reason, HasSubstr("no RADIUS server answered"));
  EXPECT_EQ(completed_[0].now, At(12));
  EXPECT_EQ(transport_.sent.size(), 4u);
}

TEST_F(RadiusXauthVerifierTest, CancelledChecksNeverComplete) {
  ASSERT_TRUE(verifier_->Start(4, Alice(), At(0)).ok());
  verifier_->Cancel(4, At(1));
  verifier_->Cancel(99, At(1));  // unknown: no-op
  EXPECT_EQ((*radius_.ClientFor("rsp"))->pending(), 0u);
  AnswerLast(radius::PacketCode::kAccessAccept, {}, At(2));  // a late answer
  EXPECT_EQ(radius_.OnTimer(At(30)), MonoTime::Infinite());
  EXPECT_TRUE(completed_.empty());
}

TEST_F(RadiusXauthVerifierTest, ATicketInProgressCannotStartAgain) {
  ASSERT_TRUE(verifier_->Start(5, Alice(), At(0)).ok());
  EXPECT_EQ(verifier_->Start(5, Alice(), At(0)).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(verifier_->pending(), 1u);
}

TEST_F(RadiusXauthVerifierTest, WithoutTransportStartFails) {
  EngineRadius none(nullptr, nullptr, nullptr);
  none.Reconcile(ParseConfig(RemoteAccessText()));
  RadiusXauthVerifier v(none, "rsp", [&](uint64_t, const ike::XauthResult&, MonoTime) {
    ADD_FAILURE() << "no check was started";
  });
  absl::Status s = v.Start(1, Alice(), At(0));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("Host::radius"));
  EXPECT_EQ(v.pending(), 0u);
}

// A reload that rebuilds the policy's client drops its requests: Sweep refuses their users at
// once; a reload that keeps it changes nothing.
TEST_F(RadiusXauthVerifierTest, SweepRefusesChecksWhoseClientWasRebuilt) {
  ASSERT_TRUE(verifier_->Start(6, Alice(), At(0)).ok());
  radius_.Reconcile(ParseConfig(RemoteAccessText()));
  verifier_->Sweep(At(1));
  EXPECT_TRUE(completed_.empty());
  radius_.Reconcile(ParseConfig(Replace(RemoteAccessText(), "timeout 3", "timeout 5")));
  verifier_->Sweep(At(2));
  ASSERT_EQ(completed_.size(), 1u);
  EXPECT_EQ(completed_[0].ticket, 6u);
  EXPECT_FALSE(completed_[0].result.accepted);
  EXPECT_THAT(completed_[0].result.reason, HasSubstr("changed while the RADIUS check"));
  EXPECT_EQ(verifier_->pending(), 0u);
}

TEST_F(RadiusXauthVerifierTest, DestroyingTheVerifierCancelsItsChecks) {
  ASSERT_TRUE(verifier_->Start(8, Alice(), At(0)).ok());
  verifier_.reset();
  EXPECT_EQ((*radius_.ClientFor("rsp"))->pending(), 0u);
  EXPECT_EQ(radius_.OnTimer(At(30)), MonoTime::Infinite());
}

}  // namespace
}  // namespace tunnelisa::testing
