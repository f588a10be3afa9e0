// IkeManager's indexes (ike_index.cc) on a gateway holding many IKE SAs: OnTimer acts on the SAs
// whose deadline has come and returns the earliest of the others, for each kind of timer; a CHILD
// SA's lifetime event reaches its own IKE SA. Every call here (and in the other IKE tests, through
// ike_manager_test_util.h) also checks the indexes against a full scan.
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ike/v2/ike_manager_test_util.h"

namespace tunnelisa::ike::testing {
namespace {

MonoTime At(int64_t seconds) { return MonoTime{} + Duration::Seconds(seconds); }

// EndpointHost: TestHost's fakes, but datagrams keep where they go, and CHILD up (or rekeyed)
// events are kept by the peer's address.
class EndpointHost final : public IkeHost {
 public:
  struct Datagram {
    IkeEndpoint from, to;
    std::vector<uint8_t> bytes;
  };
  explicit EndpointHost(uint64_t seed) : seed_(seed) {}
  void SendIke(const IkeEndpoint& local, const IkeEndpoint& remote,
               std::span<const uint8_t> d) override {
    out.push_back({local, remote, {d.begin(), d.end()}});
  }
  absl::StatusOr<ChildSaPair> InstallChild(uint64_t, ChildInstall, MonoTime) override {
    const uint32_t id = ++next_;
    return ChildSaPair{{id, 1}, {id + 100000, 1}};
  }
  void ActivateChild(uint64_t, const ChildSaPair&) override {}
  void RemoveChild(uint64_t, const ChildSaPair&) override {}
  void UpdateChild(uint64_t, const ChildSaPair&, const SaUpdate&) override {}
  absl::StatusOr<SaStats> QueryChild(uint64_t, SaHandle) const override { return SaStats{}; }
  void RandomBytes(std::span<uint8_t> bytes) override {
    for (uint8_t& b : bytes) {
      seed_ = seed_ * 6364136223846793005ull + 1442695040888963407ull;
      b = static_cast<uint8_t>(seed_ >> 56);
    }
  }
  void Event(const IkeEvent& e) override {
    if (e.kind == IkeEventKind::kChildUp || e.kind == IkeEventKind::kChildRekeyed) {
      child_in[e.peer.ToString()] = e.child_spi_in;
    }
    if (e.kind == IkeEventKind::kIkeDown) ++ike_down;
  }
  void Log(LogLevel, std::string_view) override {}

  std::deque<Datagram> out;
  std::map<std::string, uint32_t> child_in;  // the peer's address -> our inbound SPI
  int ike_down = 0;

 private:
  uint64_t seed_;
  uint32_t next_ = 0;
};

IpAddress Client(int k) { return *IpAddress::Parse("198.51.100." + std::to_string(k + 1)); }

// Gateway: an ipsec-gw IkeManager on 192.0.2.2 and `clients` initiators, one address each.
struct Gateway {
  EndpointHost host{99};
  IkeManager gw;
  std::vector<std::unique_ptr<EndpointHost>> client_hosts;
  std::vector<std::unique_ptr<IkeManager>> clients;

  Gateway(int n, const IkePeerConfig& gateway_peer, IkeOptions options = {}) : gw(&host, options) {
    gw.SetPeers({gateway_peer}, MonoTime{});
    for (int k = 0; k < n; ++k) {
      client_hosts.push_back(std::make_unique<EndpointHost>(k + 1));
      clients.push_back(std::make_unique<IkeManager>(client_hosts.back().get(), options));
      IkePeerConfig p = Peer(true);
      p.local = Client(k);
      p.local_id = IdPayload::FromAddress(p.local);
      clients.back()->SetPeers({p}, MonoTime{});
    }
  }
  // Deliver: every queued datagram on, both ways, until all are quiet (bounded); datagrams to
  // `drop_to` (a client index) are lost.
  void Deliver(MonoTime now, int drop_to = -1) {
    for (int round = 0; round < 32; ++round) {
      bool any = false;
      for (size_t k = 0; k < clients.size(); ++k) {
        auto& q = client_hosts[k]->out;
        while (!q.empty()) {
          EndpointHost::Datagram d = std::move(q.front());
          q.pop_front();
          gw.OnDatagram(d.to, d.from, d.bytes, false, now);
          any = true;
        }
      }
      while (!host.out.empty()) {
        EndpointHost::Datagram d = std::move(host.out.front());
        host.out.pop_front();
        any = true;
        for (size_t k = 0; k < clients.size(); ++k) {
          if (Client(static_cast<int>(k)) != d.to.address) continue;
          if (static_cast<int>(k) != drop_to) {
            clients[k]->OnDatagram(d.to, d.from, d.bytes, false, now);
          }
        }
      }
      if (!any) return;
    }
  }
};

IkePeerConfig GatewayPeer() {
  IkePeerConfig p = Peer(false);
  p.remote = IpAddress();  // any peer
  p.name = "ipsec-gw gw1";
  return p;
}

TEST(IkeIndex, HalfOpenSasExpireOneByOneInDeadlineOrder) {
  IkeOptions o;
  o.half_open_timeout = Duration::Seconds(30);
  o.cookie_threshold = 1000;
  Gateway g(8, GatewayPeer(), o);
  // Client k's IKE_SA_INIT at second k; the answers never reach the clients.
  for (int k = 0; k < 8; ++k) {
    ASSERT_TRUE(g.clients[k]->Initiate(7, At(k)).ok());
    g.Deliver(At(k), static_cast<int>(k));
    g.host.out.clear();
  }
  ASSERT_EQ(g.gw.half_open_count(), 8u);
  MonoTime next = g.gw.OnTimer(At(8));
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(next, At(30 + k));
    EXPECT_EQ(g.gw.half_open_count(), 8u - k);
    next = g.gw.OnTimer(next);
  }
  EXPECT_EQ(g.gw.half_open_count(), 0u);
  EXPECT_EQ(next, MonoTime::Infinite());
}

TEST(IkeIndex, EachTimerKindOfManySasComesDueAtItsDeadline) {
  // Established at second 10 k: each gateway SA's CHILD soft lifetime (90 % of 1000 s), IKE soft
  // lifetime (90 % of 5000 s) and DPD (interval 100 s) are its own deadlines.
  IkePeerConfig gp = GatewayPeer();
  gp.child_lifetime = Duration::Seconds(1000);
  gp.ike_lifetime = Duration::Seconds(5000);
  gp.dpd = DpdPolicy{.interval = Duration::Seconds(100), .max_retries = 1};
  Gateway g(4, gp);
  for (int k = 0; k < 4; ++k) {
    ASSERT_TRUE(g.clients[k]->Initiate(7, At(10 * k)).ok());
    g.Deliver(At(10 * k));
  }
  ASSERT_EQ(g.host.child_in.size(), 4u);
  // The earliest: client 0's DPD at 100 s; the liveness check goes to client 0 only.
  EXPECT_EQ(g.gw.OnTimer(At(40)), At(100));
  EXPECT_EQ(g.gw.OnTimer(At(100)), At(110));
  ASSERT_EQ(g.host.out.size(), 1u);
  EXPECT_EQ(g.host.out[0].to.address, Client(0));
  g.Deliver(At(100));  // client 0 answers: its next DPD is due at 200 s
  EXPECT_EQ(g.gw.OnTimer(At(100)), At(110));
  // Clients 1..3 never answer (max_retries 1): liveness checks at 110..130, retransmissions a DPD
  // interval later, and each is declared dead another interval on. Client 0's next check (200 s)
  // goes unanswered too.
  struct Step {
    int64_t tick, next;
    size_t sas;
  };
  const Step steps[] = {{110, 120, 4}, {120, 130, 4}, {130, 200, 4}, {200, 210, 4}, {210, 220, 4},
                        {220, 230, 4}, {230, 300, 4}, {300, 310, 4}, {310, 320, 3}, {330, 400, 1}};
  for (const Step& s : steps) {
    SCOPED_TRACE(s.tick);
    EXPECT_EQ(g.gw.OnTimer(At(s.tick)), At(s.next));
    EXPECT_EQ(g.gw.ike_sa_count(), s.sas);
    g.host.out.clear();
  }
  EXPECT_EQ(g.host.ike_down, 3);
  EXPECT_EQ(g.gw.OnTimer(At(400)), MonoTime::Infinite());
  EXPECT_EQ(g.gw.ike_sa_count(), 0u);
}

TEST(IkeIndex, ChildLifetimeEventReachesItsOwnIkeSa) {
  Gateway g(5, GatewayPeer());
  for (int k = 0; k < 5; ++k) {
    ASSERT_TRUE(g.clients[k]->Initiate(7, At(1)).ok());
    g.Deliver(At(1));
  }
  ASSERT_EQ(g.host.child_in.size(), 5u);
  // The inbound CHILD SPIs are distinct (NewChildSpi's set).
  std::set<uint32_t> spis;
  for (const auto& [peer, spi] : g.host.child_in) spis.insert(spi);
  EXPECT_EQ(spis.size(), 5u);
  // A soft lifetime event of client 3's CHILD SA: a rekey request to client 3 alone.
  const uint32_t old_spi = g.host.child_in[Client(3).ToString()];
  g.gw.OnChildLifetime(old_spi, /*hard=*/false, At(2));
  ASSERT_EQ(g.host.out.size(), 1u);
  EXPECT_EQ(g.host.out[0].to.address, Client(3));
  g.Deliver(At(2));
  EXPECT_EQ(g.host.child_in.size(), 5u);
  EXPECT_NE(g.host.child_in[Client(3).ToString()], old_spi);
  // An unknown cookie does nothing.
  g.gw.OnChildLifetime(1, /*hard=*/true, At(3));
  EXPECT_TRUE(g.host.out.empty());
}

}  // namespace
}  // namespace tunnelisa::ike::testing
