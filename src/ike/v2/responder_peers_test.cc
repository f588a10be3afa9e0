// ResponderPeers: the responder's choice of configured peer, against the walk it replaced
// (static tunnel for the exact address pair first, else an ipsec-gw on the local address;
// the lowest id among equals).
#include "ike/v2/responder_peers.h"

#include <cstdint>
#include <map>
#include <string>

#include "gtest/gtest.h"

namespace tunnelisa::ike {
namespace {

IpAddress A(const char* text) { return *IpAddress::Parse(text); }

// IdOf: the answering peer's id, 0 for none (so a wrong null fails the test, not the binary).
uint64_t IdOf(const IkePeerConfig* p) { return p == nullptr ? 0 : p->id; }

IkePeerConfig Peer(uint64_t id, const char* local, const char* remote) {
  IkePeerConfig p;
  p.id = id;
  p.name = "peer " + std::to_string(id);
  p.local = A(local);
  if (remote != nullptr) p.remote = A(remote);
  return p;
}

// Walk: the rule written as the walk over every peer that the index replaced.
const IkePeerConfig* Walk(const std::map<uint64_t, IkePeerConfig>& peers, const IpAddress& local,
                          const IpAddress& remote) {
  for (const auto& [id, p] : peers) {
    if (p.remote.is_set() && p.local == local && p.remote == remote) return &p;
  }
  for (const auto& [id, p] : peers) {
    if (!p.remote.is_set() && p.local == local) return &p;
  }
  return nullptr;
}

TEST(ResponderPeers, AgreesWithTheWalkOverEveryPeer) {
  std::map<uint64_t, IkePeerConfig> peers;
  for (const IkePeerConfig& p :
       {Peer(7, "192.0.2.1", "198.51.100.1"), Peer(3, "192.0.2.1", "198.51.100.1"),
        Peer(9, "192.0.2.1", nullptr), Peer(5, "192.0.2.1", nullptr),
        Peer(4, "192.0.2.2", "198.51.100.2"), Peer(8, "2001:db8::1", "2001:db8::2"),
        Peer(6, "2001:db8::1", nullptr)}) {
    peers.emplace(p.id, p);
  }
  ResponderPeers index;
  index.Build(peers);
  const char* locals[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "2001:db8::1", "2001:db8::9"};
  const char* remotes[] = {"198.51.100.1", "198.51.100.2", "203.0.113.7", "2001:db8::2",
                           "2001:db8::3"};
  for (const char* l : locals) {
    for (const char* r : remotes) {
      EXPECT_EQ(index.Find(A(l), A(r)), Walk(peers, A(l), A(r))) << l << " <- " << r;
    }
  }
  // The cases by name: the exact static pair (lowest id of two), a gateway (lowest of two)
  // for a stranger, a static tunnel only on its own local address, nothing at all.
  EXPECT_EQ(IdOf(index.Find(A("192.0.2.1"), A("198.51.100.1"))), 3u);
  EXPECT_EQ(IdOf(index.Find(A("192.0.2.1"), A("203.0.113.7"))), 5u);
  EXPECT_EQ(IdOf(index.Find(A("192.0.2.2"), A("198.51.100.2"))), 4u);
  EXPECT_EQ(index.Find(A("192.0.2.2"), A("198.51.100.1")), nullptr);
  EXPECT_EQ(index.Find(A("192.0.2.3"), A("198.51.100.1")), nullptr);
  EXPECT_EQ(IdOf(index.Find(A("2001:db8::1"), A("2001:db8::3"))), 6u);
}

TEST(ResponderPeers, ABuildReplacesTheWholeIndex) {
  std::map<uint64_t, IkePeerConfig> peers;
  peers.emplace(1, Peer(1, "192.0.2.1", "198.51.100.1"));
  ResponderPeers index;
  index.Build(peers);
  ASSERT_NE(index.Find(A("192.0.2.1"), A("198.51.100.1")), nullptr);
  std::map<uint64_t, IkePeerConfig> next;
  next.emplace(2, Peer(2, "192.0.2.1", nullptr));
  index.Build(next);
  EXPECT_EQ(IdOf(index.Find(A("192.0.2.1"), A("198.51.100.1"))), 2u);  // now the gateway
  index.Build({});
  EXPECT_EQ(index.Find(A("192.0.2.1"), A("198.51.100.1")), nullptr);
}

}  // namespace
}  // namespace tunnelisa::ike
