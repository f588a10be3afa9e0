// The guide's "Operational Conditions": one test per rule, each run against a runtime state
// that makes the rule apply, and (where the guide allows a way) the allowed variant.
#include "tunnelisa/config/diff.h"

#include <string>

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ParseOk;
using testing::ReadVector;

// FakeRuntime: everything up, the primary (or the first active-mda-number mdas) active,
// unless a test says otherwise.
class FakeRuntime : public RuntimeView {
 public:
  explicit FakeRuntime(const Config& c) {
    for (const auto& [id, g] : c.tunnel_groups) {
      if (g.primary) active[id] = {*g.primary};
      if (g.mode == TunnelGroupMode::kMultiActive) {
        active[id] = std::vector<IsaSlot>(g.mdas.begin(), g.mdas.begin() + g.active_mda_number);
      }
    }
  }
  OperStatus TunnelGroupStatus(uint32_t) const override { return {OperState::kUp, {}}; }
  std::vector<IsaSlot> ActiveIsas(uint32_t group) const override {
    auto it = active.find(group);
    return it == active.end() ? std::vector<IsaSlot>{} : it->second;
  }
  OperStatus IpTunnelStatus(const TunnelKey&) const override { return {OperState::kUp, {}}; }
  OperStatus IpsecTunnelStatus(const TunnelKey&) const override {
    return {ipsec_up ? OperState::kUp : OperState::kDown, {}};
  }
  std::optional<IpsecTunnelCounters> IpsecCounters(const TunnelKey&) const override {
    return std::nullopt;
  }
  std::map<uint32_t, std::vector<IsaSlot>> active;
  bool ipsec_up = true;
};

class DiffTest : public ::testing::Test {
 protected:
  DiffTest() : running_(ParseOk(ReadVector("two_tunnel_groups.cfg"))), runtime_(running_) {}

  // Plan: the running configuration plus `change` (configuration text applied on top).
  ChangePlan Plan(const std::string& change) {
    candidate_ = ParseOk(ReadVector("two_tunnel_groups.cfg") + change);
    return PlanChange(running_, candidate_, runtime_);
  }

  Config running_;
  Config candidate_;
  FakeRuntime runtime_;
};

constexpr char kTunnel[] =
    "config service vprn 101 interface \"private-ipsec\" sap tunnel-1.private:201 "
    "ipsec-tunnel \"to-site-b\"\n";

TEST_F(DiffTest, NoChangeNoPlan) {
  ChangePlan p = Plan("");
  EXPECT_TRUE(p.changes.empty());
  EXPECT_TRUE(p.allowed());
}

TEST_F(DiffTest, ListsAddedRemovedAndModifiedObjects) {
  ChangePlan p = Plan(
      "config isa tunnel-group 4 create\nexit all\n"
      "config service vprn 101 no static-route 192.168.3.0/24 next-hop 10.0.0.2\n"
      "interface \"private-gre\" sap tunnel-2.private:201 ip-tunnel \"to-site-c\" dscp ef\n");
  EXPECT_THAT(p.changes,
              ElementsAre(Change{ChangeKind::kAdded, "tunnel-group 4"},
                          Change{ChangeKind::kModified,
                                 "service 101 interface \"private-gre\" sap tunnel-2.private:201 "
                                 "ip-tunnel \"to-site-c\""},
                          Change{ChangeKind::kRemoved,
                                 "service 101 static-route 192.168.3.0/24 next-hop 10.0.0.2"}));
  EXPECT_TRUE(p.allowed());
}

TEST_F(DiffTest, TunnelGroupInUseCannotBeDeleted) {
  running_.tunnel_groups.at(2).admin = AdminState::kDown;
  ChangePlan p = Plan("config isa no tunnel-group 2\n");
  EXPECT_THAT(p.refusals,
              ElementsAre("tunnel-group 2: a tunnel group that is in use cannot be deleted"));
}

TEST_F(DiffTest, RemovingATunnelGroupNeedsShutdown) {
  std::string unused = "config isa no tunnel-group 3\n";
  EXPECT_THAT(Plan(unused).refusals,
              ElementsAre("tunnel-group 3: to remove a tunnel group instance, it must be in a "
                          "shutdown state (shut it down first)"));
  running_.tunnel_groups.at(3).admin = AdminState::kDown;
  EXPECT_TRUE(Plan(unused).allowed());
}

TEST_F(DiffTest, PrimaryChangeNeedsShutdownUnlessTheBackupIsActive) {
  std::string change = "config isa tunnel-group 1 primary 7/1\n";
  EXPECT_THAT(Plan(change).refusals,
              ElementsAre("tunnel-group 1: in single-active mode, changes to the primary ISA are "
                          "allowed only when the tunnel group is in a shutdown state (or while "
                          "the backup ISA is active)"));
  EXPECT_TRUE(Plan("config isa tunnel-group 1 shutdown\nprimary 7/1\n").allowed());
  runtime_.active[1] = {IsaSlot{2, 1}};  // failed over to the backup
  EXPECT_TRUE(Plan(change).allowed());
}

TEST_F(DiffTest, BackupChangeRefusedWhileTheBackupIsActive) {
  std::string change = "config isa tunnel-group 1 backup 8/1\n";
  EXPECT_TRUE(Plan(change).allowed());
  EXPECT_TRUE(Plan("config isa tunnel-group 2 backup 8/1\n").allowed());  // adding a backup
  runtime_.active[1] = {IsaSlot{2, 1}};
  EXPECT_THAT(Plan(change).refusals,
              ElementsAre("tunnel-group 1: a change to the backup ISA is not allowed while ISA "
                          "2/1 is active for this tunnel group"));
}

TEST_F(DiffTest, ModeChangeNeedsShutdown) {
  std::string change =
      "config isa no tunnel-group 2\ntunnel-group 2 create multi-active\nmda 3/1\nno shutdown\n";
  EXPECT_THAT(Plan(change).refusals,
              ElementsAre("tunnel-group 2: a shutdown of the tunnel group is required to change "
                          "the mode between multi-active and single-active"));
  running_.tunnel_groups.at(2).admin = AdminState::kDown;
  EXPECT_TRUE(Plan(change).allowed());
}

TEST_F(DiffTest, ActiveMdaNumberChangeNeedsShutdown) {
  EXPECT_THAT(Plan("config isa tunnel-group 3 active-mda-number 3\n").refusals,
              ElementsAre("tunnel-group 3: a shutdown of the tunnel group is required to change "
                          "the active-mda-number in multi-active mode"));
  EXPECT_TRUE(Plan("config isa tunnel-group 3 shutdown\nactive-mda-number 3\n").allowed());
}

TEST_F(DiffTest, DeconfiguringAnActiveIsaNeedsShutdown) {
  EXPECT_THAT(Plan("config isa tunnel-group 3 no mda 4/1\n").refusals,
              ElementsAre("tunnel-group 3: a shutdown of the tunnel group is required to "
                          "de-configure an active MS-ISA (4/1) in multi-active mode"));
  EXPECT_TRUE(Plan("config isa tunnel-group 3 no mda 6/1\n").allowed());  // a standby ISA
}

TEST_F(DiffTest, TransformAndIkePolicyChangesAffectOnlyNewNegotiations) {
  ChangePlan p = Plan(
      "config ipsec ipsec-transform 1 esp-encryption-algorithm aes128\nexit\n"
      "ike-policy 1 dh-group 15\n");
  EXPECT_TRUE(p.allowed());
  EXPECT_THAT(p.notes,
              ElementsAre("ike-policy 1 changed: established tunnels are not affected until they "
                          "are renegotiated (clear the tunnel to force renegotiation): "
                          "\"to-site-b\"",
                          "ipsec-transform 1 changed: established tunnels are not affected until "
                          "they are renegotiated (clear the tunnel to force renegotiation): "
                          "\"to-site-b\""));
}

TEST_F(DiffTest, PublicServiceWithTunnelsCannotBeDeleted) {
  EXPECT_THAT(Plan("config service no ies 100\n").refusals,
              ElementsAre("service 100: the public service cannot be deleted while tunnels are "
                          "configured to use it (ip-tunnel \"to-site-c\", ipsec-tunnel "
                          "\"to-site-b\")"));
}

TEST_F(DiffTest, SecurityPolicyCantChangeUnderAnActiveTunnel) {
  std::string change =
      "config service vprn 101 ipsec security-policy 1 entry 1 remote-ip 192.168.9.0/24\n";
  EXPECT_THAT(Plan(change).refusals,
              ElementsAre("service 101 security-policy 1: a change to the security policy is "
                          "not allowed while a tunnel is active and using the policy "
                          "(ipsec-tunnel \"to-site-b\")"));
  runtime_.ipsec_up = false;
  EXPECT_TRUE(Plan(change).allowed());
}

TEST_F(DiffTest, GatewayPeerAndDeliveryServiceCantChangeWhileOperUp) {
  std::string change =
      std::string(kTunnel) + "local-gateway-address 1.1.1.3 peer 5.5.5.5 delivery-service 100\n";
  EXPECT_THAT(Plan(change).refusals,
              ElementsAre(HasSubstr("the tunnel local-gateway-address, peer address, or "
                                    "delivery router parameters cannot be changed while the "
                                    "tunnel is operationally up")));
  EXPECT_TRUE(Plan(change + "shutdown\n").allowed());
  runtime_.ipsec_up = false;
  EXPECT_TRUE(Plan(change).allowed());
}

TEST_F(DiffTest, TunnelSecurityPolicyAssignmentCantChangeWhileOperUp) {
  std::string change =
      "config service vprn 101 ipsec security-policy 2 create entry 1 create local-ip any\n"
      "remote-ip any\nexit all\n" +
      std::string(kTunnel) + "security-policy 2\n";
  EXPECT_THAT(Plan(change).refusals,
              ElementsAre(HasSubstr("a tunnel security policy cannot be changed while the "
                                    "tunnel is operationally up")));
  EXPECT_TRUE(Plan(change + "shutdown\n").allowed());
}

TEST_F(DiffTest, TransformOrIkePolicyAssignmentNeedsShutdown) {
  for (std::string line : {"dynamic-keying transform 2\n", "dynamic-keying ike-policy 2\n"}) {
    std::string change =
        "config ipsec ike-policy 2 create\nexit all\n" + std::string(kTunnel) + line;
    runtime_.ipsec_up = false;  // admin state matters here, not oper state
    EXPECT_THAT(Plan(change).refusals,
                ElementsAre(HasSubstr("an IPSec transform policy or ike-policy assignment to a "
                                      "tunnel requires the tunnel to be shutdown")));
    EXPECT_TRUE(Plan(change + "exit\nshutdown\n").allowed());
  }
}

// The same rule holds for a manual-keyed tunnel's security-associations: a new transform
// needs the tunnel shut down, new keys (same transform) do not.
TEST_F(DiffTest, ManualKeyedTransformAssignmentNeedsShutdown) {
  const std::string router_a = ReadVector("../engine/router_a.cfg");
  const std::string tunnel =
      "config service vprn 101 interface \"private-ipsec-1\" sap tunnel-1.private:201 "
      "ipsec-tunnel \"ipsec-tunnel-for-n-gre-tunnels\"\n";
  const std::string transform2 =
      "config ipsec ipsec-transform 2\nesp-auth-algorithm sha1\n"
      "esp-encryption-algorithm aes128\nexit all\n";
  running_ = ParseOk(router_a + transform2);
  auto plan = [&](const std::string& change) {
    candidate_ = ParseOk(router_a + transform2 + change);
    return PlanChange(running_, candidate_, runtime_);
  };
  const std::string sa_out =
      "manual-keying security-association 1 authentication-key "
      "0x404142434445464748494a4b4c4d4e4f50515253 encryption-key 0x606162636465666768696a6b6c6d6e6f"
      "%s spi 2000 transform %s direction outbound\n";
  auto sa = [&](const char* key_tail, const char* transform) {
    std::string line = sa_out;
    line.replace(line.find("%s"), 2, key_tail);
    line.replace(line.find("%s"), 2, transform);
    return line;
  };
  const char* aes256_tail = "707172737475767778797a7b7c7d7e7f";
  EXPECT_THAT(plan(tunnel + sa("", "2")).refusals,
              ElementsAre(HasSubstr("an IPSec transform policy or ike-policy assignment to a "
                                    "tunnel requires the tunnel to be shutdown")));
  EXPECT_TRUE(plan(tunnel + sa("", "2") + "exit\nshutdown\n").allowed());
  // New keys for the same transform: allowed while up.
  std::string rekeyed = sa(aes256_tail, "1");
  rekeyed.replace(rekeyed.find("0x4041"), 6, "0x5041");
  ChangePlan p = plan(tunnel + rekeyed);
  EXPECT_TRUE(p.allowed()) << (p.refusals.empty() ? "" : p.refusals.front());
  EXPECT_FALSE(p.changes.empty());
}

// local-id / remote-id (tunnelisa extension) follow the pre-shared-key: the guide names no
// condition for changing them, unlike the ike-policy and transform assignments.
TEST_F(DiffTest, IkeIdentityChangesAreAllowedWhileUpLikeThePreSharedKey) {
  const std::string tunnel_path =
      "service 101 interface \"private-ipsec\" sap tunnel-1.private:201 ipsec-tunnel "
      "\"to-site-b\"";
  for (std::string line : {"dynamic-keying local-id fqdn site-a.example.com\n",
                           "dynamic-keying remote-id user-fqdn gw@site-b.example.com\n",
                           "dynamic-keying pre-shared-key \"other\"\n"}) {
    SCOPED_TRACE(line);
    ChangePlan p = Plan(std::string(kTunnel) + line);
    EXPECT_TRUE(p.allowed()) << p.refusals.front();
    EXPECT_TRUE(p.notes.empty());
    EXPECT_THAT(p.changes, ElementsAre(Change{ChangeKind::kModified, tunnel_path}));
  }
  // Removing them again is as free.
  running_ = ParseOk(ReadVector("two_tunnel_groups.cfg") + kTunnel +
                     "dynamic-keying local-id fqdn a.example\nremote-id key-id 0a\n");
  ChangePlan removed = Plan("");
  EXPECT_TRUE(removed.allowed());
  EXPECT_THAT(removed.changes, ElementsAre(Change{ChangeKind::kModified, tunnel_path}));
  // An identity change does not excuse an ike-policy assignment made with it.
  running_ = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  EXPECT_THAT(Plan("config ipsec ike-policy 2 create\nexit all\n" + std::string(kTunnel) +
                   "dynamic-keying local-id fqdn a.example\nike-policy 2\n")
                  .refusals,
              ElementsAre(HasSubstr("requires the tunnel to be shutdown")));
}

TEST_F(DiffTest, IpsecGwIkeIdentityChangesAreAllowed) {
  const std::string gw =
      "config service ies 100 interface \"public-1\" sap tunnel-1.public:200 ipsec-gw \"rw\" "
      "create gateway-address 1.1.1.9\nno shutdown\n";
  running_ = ParseOk(ReadVector("two_tunnel_groups.cfg") + gw);
  ChangePlan p = Plan(gw + "local-id fqdn gw.example.com\nremote-id key-id 0a0b\n");
  EXPECT_TRUE(p.allowed());
  EXPECT_THAT(p.changes,
              ElementsAre(Change{ChangeKind::kModified,
                                 "service 100 interface \"public-1\" sap tunnel-1.public:200 "
                                 "ipsec-gw \"rw\""}));
}

TEST_F(DiffTest, PublicAddressMayChangeAndTunnelsGoDown) {
  ChangePlan p = Plan("config service ies 100 interface \"public-2\" address 2.2.3.1/24\n");
  EXPECT_TRUE(p.allowed());
  EXPECT_THAT(p.notes, ElementsAre(HasSubstr("ip-tunnel \"to-site-c\": will be operationally "
                                             "down until its configuration is corrected: source "
                                             "2.2.2.2 is not in the subnet")));
}

TEST_F(DiffTest, RunningConfigAppliesAtomically) {
  RunningConfig rc(running_);
  Config bad = running_;
  bad.tunnel_groups.erase(2);  // SAPs still use it: invalid
  auto r1 = rc.Apply(bad, runtime_);
  EXPECT_EQ(r1.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r1.status().message()), HasSubstr("tunnel-group 2 does not exist"));
  EXPECT_EQ(rc.config(), running_);

  Config refused = running_;
  refused.tunnel_groups.at(1).primary = IsaSlot{9, 1};
  auto r2 = rc.Apply(refused, runtime_);
  EXPECT_EQ(r2.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rc.config(), running_);

  Config ok = running_;
  ok.tunnel_groups.at(1).backup = IsaSlot{9, 1};
  auto r3 = rc.Apply(ok, runtime_);
  ASSERT_TRUE(r3.ok()) << r3.status();
  EXPECT_EQ(rc.config(), ok);
  EXPECT_THAT(r3->changes, ElementsAre(Change{ChangeKind::kModified, "tunnel-group 1"}));
}

// RunningConfig keeps the report of the configuration it runs, and its Apply plans with the
// two reports: the report must follow every outcome (refused, invalid, applied) so that the
// next plan's notes are those of a plan that validates both configurations itself.
TEST_F(DiffTest, RunningConfigReportFollowsTheRunningConfiguration) {
  auto same = [](const ValidationReport& a, const ValidationReport& b) {
    return a.errors == b.errors && a.oper_down == b.oper_down;
  };
  RunningConfig rc(running_);
  EXPECT_TRUE(same(rc.report(), Validate(running_)));
  const Config moved = ParseOk(ReadVector("two_tunnel_groups.cfg") +
                               "config service ies 100 interface \"public-2\" address "
                               "2.2.3.1/24\n");
  Config invalid = moved;
  invalid.tunnel_groups.erase(2);
  ASSERT_FALSE(rc.Apply(invalid, runtime_).ok());
  EXPECT_TRUE(same(rc.report(), Validate(running_)));

  auto applied = rc.Apply(moved, runtime_);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(same(rc.report(), Validate(moved)));
  EXPECT_FALSE(rc.report().oper_down.empty());  // the ip-tunnel whose source left the subnet
  EXPECT_EQ(applied->notes, PlanChange(running_, moved, runtime_).notes);
  // Back: no note (the tunnel comes up again), as a plan validating both says.
  auto back = rc.Apply(running_, runtime_);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->notes, PlanChange(moved, running_, runtime_).notes);
  EXPECT_TRUE(same(rc.report(), Validate(running_)));
}

// PlanChange with the callers' reports is PlanChange.
TEST_F(DiffTest, PlanWithReportsIsThePlan) {
  for (const std::string change :
       {"config service ies 100 interface \"public-2\" address 2.2.3.1/24\n",
        "config isa tunnel-group 1 primary 7/1\n"}) {
    SCOPED_TRACE(change);
    ChangePlan a = Plan(change);
    ChangePlan b =
        PlanChange(running_, Validate(running_), candidate_, Validate(candidate_), runtime_);
    EXPECT_EQ(a.changes, b.changes);
    EXPECT_EQ(a.refusals, b.refusals);
    EXPECT_EQ(a.notes, b.notes);
  }
}

}  // namespace
}  // namespace tunnelisa::config
