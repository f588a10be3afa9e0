// The guide's configuration examples, committed verbatim under tests/vectors/configs/, parse
// into exactly the model they describe.
#include "config/config_test_util.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/writer.h"

namespace tunnelisa::config {
namespace {

using testing::ParseOk;
using testing::ReadVector;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

TEST(GuideExamples, TunnelGroup) {
  Config c = ParseOk(ReadVector("guide_tunnel_group.cfg"));
  ASSERT_EQ(c.tunnel_groups.size(), 1u);
  const TunnelGroup& g = c.tunnel_groups.at(1);
  EXPECT_EQ(g.mode, TunnelGroupMode::kSingleActive);
  EXPECT_EQ(g.primary, (IsaSlot{1, 1}));
  EXPECT_EQ(g.backup, (IsaSlot{2, 1}));
  EXPECT_EQ(g.admin, AdminState::kUp);
}

TEST(GuideExamples, IesPublicSap) {
  Config c = ParseOk(ReadVector("guide_ies_public_sap.cfg"));
  const Service& s = c.services.at(199);
  EXPECT_EQ(s.type, ServiceType::kIes);
  EXPECT_EQ(s.customer, 1u);
  const Interface& i = s.interfaces.at("public-1");
  EXPECT_FALSE(i.tunnel);
  EXPECT_EQ(i.address, InterfaceAddress::Parse("64.251.12.1/30"));
  ASSERT_TRUE(i.sap.has_value());
  EXPECT_EQ(i.sap->id, (TunnelSapId{1, SapKind::kPublic, 200}));
}

TEST(GuideExamples, VprnGreTunnel) {
  Config c = ParseOk(ReadVector("guide_vprn_gre_tunnel.cfg"));
  const Service& s = c.services.at(1);
  EXPECT_EQ(s.type, ServiceType::kVprn);
  const Interface& i = s.interfaces.at("gre tunnel to cel");
  EXPECT_TRUE(i.tunnel);
  EXPECT_EQ(i.address, InterfaceAddress::Parse("10.0.0.1/30"));
  EXPECT_EQ(i.ip_mtu, 1476u);
  ASSERT_TRUE(i.sap.has_value());
  EXPECT_EQ(i.sap->id, (TunnelSapId{1, SapKind::kPrivate, 210}));
  ASSERT_TRUE(i.sap->ip_tunnel.has_value());
  const IpTunnel& t = *i.sap->ip_tunnel;
  EXPECT_EQ(t.name, "to cel");
  EXPECT_TRUE(t.gre_header);
  EXPECT_EQ(t.dest_ip, Ip("10.0.0.2"));
  EXPECT_EQ(t.source, Ip("64.251.12.1"));
  EXPECT_EQ(t.remote_ip, Ip("12.47.10.33"));
  EXPECT_EQ(t.backup_remote_ip, Ip("12.47.51.7"));
  EXPECT_EQ(t.delivery_service, ServiceRef::Id(199));
  EXPECT_EQ(t.dscp, 10);  // af11
  EXPECT_EQ(t.admin, AdminState::kUp);
}

TEST(GuideExamples, Figure27RouterA) {
  Config c = ParseOk(ReadVector("guide_figure27_router_a.cfg"));
  ASSERT_EQ(c.tunnel_groups.size(), 2u);
  EXPECT_EQ(c.tunnel_groups.at(2).primary, (IsaSlot{3, 1}));
  EXPECT_EQ(c.tunnel_groups.at(2).backup, (IsaSlot{2, 1}));

  const IkePolicy& ike = c.ike_policies.at(1);
  EXPECT_EQ(ike.auth_algorithm, IntegrityAlgorithm::kHmacSha1_96);
  EXPECT_EQ(ike.dh_group, DhGroup::kModp1536);
  EXPECT_EQ(ike.encryption_algorithm, EncryptionAlgorithm::kAes128Cbc);
  EXPECT_EQ(ike.ike_mode, IkeMode::kMain);
  EXPECT_EQ(ike.ike_version, 1);
  const IpsecTransform& tr = c.ipsec_transforms.at(1);
  EXPECT_EQ(tr.esp_auth_algorithm, IntegrityAlgorithm::kHmacSha1_96);
  EXPECT_EQ(tr.esp_encryption_algorithm, EncryptionAlgorithm::kAes256Cbc);

  const Service& ies = c.services.at(100);
  EXPECT_EQ(ies.interfaces.at("public-ipsec-1").sap->id, (TunnelSapId{1, SapKind::kPublic, 200}));

  const Service& vprn = c.services.at(101);
  const SecurityPolicyEntry& e = vprn.security_policies.at(1).entries.at(1);
  EXPECT_EQ(e.local_ip, IpPrefix::Parse("192.168.1.0/24"));
  EXPECT_EQ(e.remote_ip, IpPrefix::Parse("192.168.2.0/24"));
  ASSERT_EQ(vprn.interfaces.size(), 3u);

  const Interface& pi = vprn.interfaces.at("private-ipsec-1");
  EXPECT_TRUE(pi.tunnel);
  EXPECT_FALSE(pi.address.has_value());
  const IpsecTunnel& it = pi.sap->ipsec_tunnels.at("ipsec-tunnel-for-n-gre-tunnels");
  EXPECT_EQ(it.security_policy, 1u);
  EXPECT_EQ(it.local_gateway_address, Ip("1.1.1.2"));
  EXPECT_EQ(it.peer, Ip("2.2.2.2"));
  EXPECT_EQ(it.delivery_service, ServiceRef::Id(100));
  const auto* dk = std::get_if<DynamicKeying>(&it.keying);
  ASSERT_NE(dk, nullptr);
  EXPECT_EQ(dk->ike_policy, 1u);
  ASSERT_TRUE(dk->pre_shared_key.has_value());
  EXPECT_EQ(*dk->pre_shared_key, ConfigSecret::FromText("secret"));
  EXPECT_EQ(dk->transforms, std::vector<uint32_t>{1});
  EXPECT_EQ(it.admin, AdminState::kDown);  // the guide does not un-shut it

  EXPECT_EQ(vprn.interfaces.at("public-gre-1").sap->id, (TunnelSapId{2, SapKind::kPublic, 200}));
  const Interface& gi = vprn.interfaces.at("private-gre-1");
  const IpTunnel& gre = *gi.sap->ip_tunnel;
  EXPECT_EQ(gre.name, "protected-gre-tunnel");
  EXPECT_TRUE(gre.gre_header);
  EXPECT_EQ(gre.source, Ip("192.168.1.2"));
  EXPECT_EQ(gre.remote_ip, Ip("192.168.2.2"));
  EXPECT_EQ(gre.delivery_service, ServiceRef::Id(101));

  ASSERT_EQ(vprn.static_routes.size(), 1u);
  EXPECT_EQ(vprn.static_routes[0].kind, NextHopKind::kIpsecTunnel);
  EXPECT_EQ(vprn.static_routes[0].tunnel_name, "ipsec-tunnel-for-n-gre-tunnels");
  EXPECT_EQ(vprn.static_routes[0].prefix, IpPrefix::Parse("192.168.2.0/24"));
}

TEST(GuideExamples, EveryExampleRoundTripsThroughTheWriter) {
  for (const char* file : {"guide_tunnel_group.cfg", "guide_ies_public_sap.cfg",
                           "guide_vprn_gre_tunnel.cfg", "guide_figure27_router_a.cfg"}) {
    SCOPED_TRACE(file);
    Config c = ParseOk(ReadVector(file));
    std::string text = WriteConfig(c);
    Config again = ParseOk(text, "written.cfg");
    EXPECT_EQ(again, c) << text;
    EXPECT_EQ(WriteConfig(again), text);
  }
}

}  // namespace
}  // namespace tunnelisa::config
