// The canonical writer: parse(write(x)) == x, for every kind of object and setting.
#include "tunnelisa/config/writer.h"

#include "config/config_test_util.h"
#include "gtest/gtest.h"
#include "tunnelisa/config/validator.h"

namespace tunnelisa::config {
namespace {

using testing::ParseOk;
using testing::ReadVector;

void ExpectRoundTrip(const Config& c) {
  std::string text = WriteConfig(c);
  Config again = ParseOk(text, "written.cfg");
  EXPECT_EQ(again, c) << text;
  EXPECT_EQ(WriteConfig(again), text);
}

TEST(Writer, CanonicalFormOfTheBaseVector) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  ExpectRoundTrip(c);
  std::string text = WriteConfig(c);
  EXPECT_EQ(text.substr(0, 131),
            "config isa\n"
            "    tunnel-group 1 create\n"
            "        primary 1/1\n"
            "        backup 2/1\n"
            "        no shutdown\n"
            "    exit\n"
            "    tunnel-group 2 create\n");
}

TEST(Writer, EverySettingRoundTrips) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg") + R"(
config isa tunnel-group 1 ipsec-responder-only
reassembly 3000
description "group \"one\""
exit all
config ipsec
  ike-policy 2 create
    ike-mode aggressive
    isakmp-lifetime 90000
    ipsec-lifetime 7200
    dpd interval 20 max-retries 5 reply-only
    description "ikev1 aggressive"
  exit
  ipsec-transform 3
    esp-auth-algorithm none
    esp-encryption-algorithm chacha20poly1305
    ipsec-lifetime 1800
  exit
  tunnel-template 1 create
    transform 3 1
  exit
exit all
config service ies 100 name "internet" customer 1 create
  interface "public-1" sap tunnel-1.public:200 ipsec-gw "rw" create
    gateway-address 1.1.1.9
    ike-policy 2
    pre-shared-key "quote\"and\\backslash"
    default-tunnel-template 1
    default-secure-service 101 interface "private-ipsec"
    dpd
    no shutdown
  exit
  ingress qos 10
  egress qos 20
  exit
  description "the public side"
exit all
config service vprn 101
  interface "private-gre" sap tunnel-2.private:201 ip-tunnel "to-site-c"
    no gre-header
    reassembly 500
    clear-df-bit
    delivery-service "internet"
  exit
  shutdown
  exit
  ip-mtu 1500
  exit
  interface "manual" tunnel create
    address 10.2.2.1/30
    sap tunnel-1.private:300 create
      ipsec-tunnel "m" create
        security-policy 1
        manual-keying
          security-association 1 authentication-key 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff encryption-key 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f spi 4096 transform 1 direction inbound
          security-association 1 authentication-key 0xffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100 encryption-key 0x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100 spi 4097 transform 1 direction outbound
        exit
        ip-mtu 1300
        clear-df-bit
        dpd interval 60 max-retries 2
      exit
    exit
  exit
  interface "spare" create
    unnumbered "system"
    shutdown
  exit
  static-route 2001:db8::/32 next-hop ip-tunnel "to-site-c"
exit all
)");
  EXPECT_TRUE(Validate(c).ok());
  ExpectRoundTrip(c);
}

TEST(Writer, EmptyConfigIsEmptyText) { EXPECT_EQ(WriteConfig(Config{}), ""); }

TEST(Writer, ConfigIsACopyableValueIncludingSecrets) {
  Config c = ParseOk(ReadVector("two_tunnel_groups.cfg"));
  Config copy = c;
  EXPECT_EQ(copy, c);
  auto& dk = std::get<DynamicKeying>(copy.services.at(101)
                                         .interfaces.at("private-ipsec")
                                         .sap->ipsec_tunnels.at("to-site-b")
                                         .keying);
  dk.pre_shared_key = ConfigSecret::FromText("other");
  EXPECT_NE(copy, c);
}

}  // namespace
}  // namespace tunnelisa::config
