// The configuration payload in IKE_AUTH (config_payload.cc): a client (request_address) and a
// gateway with an address assigner, between two IkeManagers: the address, the narrowed
// selectors, the lease across an IKE SA rekey and its release, INTERNAL_ADDRESS_FAILURE, and
// what the assigner is asked.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ike/auth/address_pool.h"
#include "ike/v2/ike_manager.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Pair;

IpAddress A(std::string_view text) { return *IpAddress::Parse(text); }
IpPrefix P(std::string_view text) { return *IpPrefix::Parse(text); }

std::shared_ptr<AddressPool> Pool(std::string_view first, std::string_view last) {
  return *AddressPool::Create(A(first), A(last), {A("10.9.0.1")});
}

// RemoteAccess: A a client asking for an address for its side 10.9.0.0/24, B a gateway with
// `assigner`.
std::unique_ptr<Pair> RemoteAccess(std::shared_ptr<ClientAddressAssigner> assigner) {
  IkePeerConfig a = testing::Peer(true), b = testing::Peer(false);
  a.request_address = true;
  a.local_ts = {P("10.9.0.0/24")};
  b.address_assigner = std::move(assigner);
  return std::make_unique<Pair>(IkeOptions{}, a, b);
}

TEST(IkeConfigPayload, TheClientGetsAnAddressAndTheChildSaCarriesOnlyIt) {
  auto pool = Pool("10.9.0.10", "10.9.0.20");
  auto p = RemoteAccess(pool);
  p->Establish();
  EXPECT_EQ(p->a.EstablishedSa(7)->assigned_address, A("10.9.0.10"));
  ASSERT_TRUE(p->b.EstablishedSa(7)->address_lease.has_value());
  EXPECT_EQ(p->b.EstablishedSa(7)->address_lease->address.dns,
            std::vector<IpAddress>{A("10.9.0.1")});
  const testing::TestHost::Child* ca = p->ha.Active();
  const testing::TestHost::Child* cb = p->hb.Active();
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(cb, nullptr);
  EXPECT_THAT(ca->install.local_selectors, ElementsAre(P("10.9.0.10/32")));
  EXPECT_THAT(cb->install.remote_selectors, ElementsAre(P("10.9.0.10/32")));
  EXPECT_EQ(p->b.stats().addresses_assigned, 1u);
  EXPECT_EQ(pool->in_use(), 1u);
}

TEST(IkeConfigPayload, TheLeaseFollowsAnIkeRekeyAndGoesBackWithTheConnection) {
  auto pool = Pool("10.9.0.10", "10.9.0.20");
  auto p = RemoteAccess(pool);
  p->Establish();
  ASSERT_TRUE(p->a.RekeyIke(7, p->now).ok());
  p->Flush();
  // The old IKE SA is gone (deleted after the rekey); the address stays leased.
  EXPECT_EQ(p->b.ike_sa_count(), 1u);
  EXPECT_EQ(pool->in_use(), 1u);
  ASSERT_NE(p->b.EstablishedSa(7), nullptr);
  EXPECT_TRUE(p->b.EstablishedSa(7)->address_lease.has_value());
  EXPECT_EQ(p->a.EstablishedSa(7)->assigned_address, A("10.9.0.10"));
  // A new CHILD SA by the client after the rekey still carries only its address.
  ASSERT_TRUE(p->a.RekeyChild(7, p->now).ok());
  p->Flush();
  EXPECT_THAT(p->hb.Active()->install.remote_selectors, ElementsAre(P("10.9.0.10/32")));
  // The client leaves: the gateway gives the address back.
  p->a.Shutdown(p->now);
  p->Flush();
  EXPECT_EQ(p->b.ike_sa_count(), 0u);
  EXPECT_EQ(pool->in_use(), 0u);
  EXPECT_EQ(pool->stats().released, 1u);
}

TEST(IkeConfigPayload, AnEmptyPoolIsInternalAddressFailureAndNoChildSa) {
  auto pool = Pool("10.9.0.10", "10.9.0.10");
  ASSERT_TRUE(pool->Assign({"someone else", std::nullopt, std::nullopt}).ok());
  auto p = RemoteAccess(pool);
  ASSERT_TRUE(p->a.Initiate(7, p->now).ok());
  p->Flush();
  EXPECT_EQ(p->b.stats().address_failures, 1u);
  EXPECT_THAT(p->hb.Detail(IkeEventKind::kNegotiationFailed), HasSubstr("exhausted"));
  EXPECT_THAT(p->ha.Detail(IkeEventKind::kNegotiationFailed),
              HasSubstr("INTERNAL_ADDRESS_FAILURE"));
  EXPECT_TRUE(p->hb.children.empty());
  EXPECT_TRUE(p->ha.children.empty());
  // The client gave up the IKE SA (it carries nothing); nothing leaked on either side.
  EXPECT_EQ(p->a.ike_sa_count(), 0u);
  EXPECT_EQ(p->b.ike_sa_count(), 0u);
  EXPECT_EQ(pool->in_use(), 1u);
}

// RecordingAssigner: what IKE asks an assigner, answered with a fixed address.
class RecordingAssigner final : public ClientAddressAssigner {
 public:
  absl::StatusOr<ClientAddress> Assign(const AddressRequest& r) override {
    identity = std::string(r.identity);
    requested = r.requested;
    return ClientAddress{42, A("172.16.5.5"), 32, {}};
  }
  void Release(uint64_t lease) override { released.push_back(lease); }
  std::string identity;
  std::optional<IpAddress> requested;
  std::vector<uint64_t> released;
};

TEST(IkeConfigPayload, TheAssignerIsAskedWithTheProvenIdentityAndReleasedOnce) {
  auto assigner = std::make_shared<RecordingAssigner>();
  IkePeerConfig a = testing::Peer(true), b = testing::Peer(false);
  a.request_address = true;  // local_ts any: the gateway's address is inside it
  b.address_assigner = assigner;
  Pair p(IkeOptions{}, a, b);
  p.Establish();
  EXPECT_EQ(assigner->identity, "192.0.2.1");
  EXPECT_EQ(assigner->requested, std::nullopt);  // an empty INTERNAL_IP4_ADDRESS: any
  EXPECT_EQ(p.a.EstablishedSa(7)->assigned_address, A("172.16.5.5"));
  // No DNS asked for an answer without DNS servers: the reply has the address only.
  p.a.Shutdown(p.now);
  p.Flush();
  EXPECT_THAT(assigner->released, ElementsAre(42u));
}

TEST(IkeConfigPayload, RevokedLeasesEndTheirConnections) {
  auto pool = Pool("10.9.0.10", "10.9.0.20");
  auto p = RemoteAccess(pool);
  p->Establish();
  absl::StatusOr<std::vector<uint64_t>> revoked =
      pool->SetRange(A("10.9.0.11"), A("10.9.0.20"), {});
  ASSERT_TRUE(revoked.ok());
  ASSERT_EQ(revoked->size(), 1u);
  p->b.RevokeAddressLeases(*revoked, p->now);
  p->Flush();
  EXPECT_EQ(p->b.ike_sa_count(), 0u);
  EXPECT_EQ(p->a.ike_sa_count(), 0u);     // told by the Delete
  EXPECT_EQ(pool->stats().released, 0u);  // the pool had taken it back already
}

TEST(IkeConfigPayload, WithoutAnAssignerACpRequestGetsNoAddress) {
  IkePeerConfig a = testing::Peer(true), b = testing::Peer(false);
  a.request_address = true;
  Pair p(IkeOptions{}, a, b);
  ASSERT_TRUE(p.a.Initiate(7, p.now).ok());
  p.Flush();
  // The gateway answers as a LAN-to-LAN responder; the client, without an address, refuses
  // the CHILD SA and closes.
  EXPECT_THAT(p.ha.Detail(IkeEventKind::kNegotiationFailed), HasSubstr("no CP(CFG_REPLY)"));
  EXPECT_EQ(p.a.ike_sa_count(), 0u);
  EXPECT_EQ(p.b.ike_sa_count(), 0u);
}

}  // namespace
}  // namespace tunnelisa::ike
