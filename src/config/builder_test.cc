// The C++ builder says what the text says: Figure 27 built in C++ equals the parsed guide text.
#include "tunnelisa/config/builder.h"

#include "config/config_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tunnelisa::config {
namespace {

using ::testing::HasSubstr;
using testing::ParseOk;
using testing::ReadVector;

TEST(Builder, Figure27RouterAEqualsTheGuideText) {
  ConfigBuilder b;
  b.TunnelGroup(1).Primary({1, 1}).Backup({2, 1}).NoShutdown();
  b.TunnelGroup(2).Primary({3, 1}).Backup({2, 1}).NoShutdown();
  b.IkePolicy(1)
      .AuthAlgorithm(IntegrityAlgorithm::kHmacSha1_96)
      .DhGroup(DhGroup::kModp1536)
      .EncryptionAlgorithm(EncryptionAlgorithm::kAes128Cbc)
      .IkeMode(IkeMode::kMain)
      .IkeVersion(1);
  b.IpsecTransform(1)
      .EspAuthAlgorithm(IntegrityAlgorithm::kHmacSha1_96)
      .EspEncryptionAlgorithm(EncryptionAlgorithm::kAes256Cbc);
  b.Ies(100, 1).Interface("public-ipsec-1").Address("1.1.1.1/24").Sap("tunnel-1.public:200");
  ServiceBuilder vprn = b.Vprn(101, 1);
  vprn.SecurityPolicyEntry(1, 1, "192.168.1.0/24", "192.168.2.0/24");
  vprn.TunnelInterface("private-ipsec-1")
      .Sap("tunnel-1.private:201")
      .IpsecTunnel("ipsec-tunnel-for-n-gre-tunnels")
      .SecurityPolicy(1)
      .LocalGatewayAddress("1.1.1.2", "2.2.2.2", ServiceRef::Id(100))
      .DynamicKeying(1, "secret", {1});
  vprn.Interface("public-gre-1").Address("192.168.1.1/24").Sap("tunnel-2.public:200");
  vprn.TunnelInterface("private-gre-1")
      .Address("10.0.0.1/30")
      .Sap("tunnel-2.private:201")
      .IpTunnel("protected-gre-tunnel")
      .GreHeader()
      .DestIp("10.0.0.2")
      .Source("192.168.1.2")
      .RemoteIp("192.168.2.2")
      .DeliveryService(ServiceRef::Id(101))
      .NoShutdown();
  vprn.StaticRouteToIpsecTunnel("192.168.2.0/24", "ipsec-tunnel-for-n-gre-tunnels");

  absl::StatusOr<Config> built = b.Build();
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(*built, ParseOk(ReadVector("guide_figure27_router_a.cfg")));
}

TEST(Builder, MultiActiveManualKeyingAndGateway) {
  ConfigBuilder b;
  b.TunnelGroup(1, TunnelGroupMode::kMultiActive).Mda({1, 1}).Mda({2, 1}).ActiveMdaNumber(2);
  b.IpsecTransform(1).EspEncryptionAlgorithm(EncryptionAlgorithm::kAes128Gcm16);
  b.TunnelTemplate(1, {1});
  b.IkePolicy(1).IkeVersion(2);
  b.Ies(1, 1)
      .Interface("pub")
      .Address("1.1.1.1/24")
      .Sap("tunnel-1.public:1")
      .IpsecGw("rw")
      .GatewayAddress("1.1.1.5")
      .IkePolicy(1)
      .PreSharedKey("k")
      .DefaultTunnelTemplate(1)
      .DefaultSecureService(2, "priv")
      .NoShutdown();
  b.Vprn(2, 1)
      .TunnelInterface("priv")
      .Address("10.0.0.1/30")
      .Sap("tunnel-1.private:1")
      .IpsecTunnel("m")
      .ManualSa(1, SaDirection::kInbound, 300, 1, "", "0x000102030405060708090a0b0c0d0e0f00010203")
      .ManualSa(1, SaDirection::kOutbound, 301, 1, "", "0x0f0e0d0c0b0a09080706050403020100aabbccdd")
      .LocalGatewayAddress("1.1.1.6", "9.9.9.9", ServiceRef::Id(1))
      .NoShutdown();
  absl::StatusOr<Config> c = b.Build();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tunnel_groups.at(1).mdas.size(), 2u);
}

TEST(Builder, BadTextIsReportedByBuild) {
  ConfigBuilder b;
  b.Ies(1, 1).Interface("x").Address("1.1.1.1");
  EXPECT_EQ(b.Build().status().message(), "address: bad interface address '1.1.1.1'");
}

TEST(Builder, ValidationErrorsAreReportedByBuild) {
  ConfigBuilder b;
  b.Ies(1, 1).Interface("x").Address("1.1.1.1/24").Sap("tunnel-4.public:1");
  EXPECT_THAT(std::string(b.Build().status().message()),
              HasSubstr("tunnel-group 4 does not exist"));
}

TEST(Builder, OneIpTunnelPerSap) {
  ConfigBuilder b;
  SapBuilder sap = b.Vprn(1, 1).TunnelInterface("t").Sap("tunnel-1.private:1");
  sap.IpTunnel("a");
  sap.IpTunnel("b");
  EXPECT_EQ(b.Build().status().message(),
            "a private tunnel SAP can have only one ip-tunnel; tunnel-1.private:1 already has "
            "ip-tunnel \"a\"");
}

}  // namespace
}  // namespace tunnelisa::config
