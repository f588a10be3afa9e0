// File: radius/radius_identifiers.h
//
// RadiusIdentifiers: the Identifier space of one RadiusTransport (one local address and port),
// shared by every RadiusClient that sends through it (tunnelisa/radius.h,
// RadiusClientOptions::identifiers).
//
// Why shared: a server tells requests apart by their source and Identifier (RFC 2865 3, below).
// Two clients with their own counters behind one socket both start at some Identifier and
// soon hold the same one to the same server port at once; the server then takes the second
// request for a duplicate of the first, or drops the first ("conflicting packet"), and a
// request that was never wrong times out. The engine has one client per
// radius-server-policy, and two policies may name the same server.
//
// What is shared is only which Identifiers of each server port are outstanding. Each client
// keeps its own map from Identifier to request (for the answers), its own queue of requests
// waiting for an Identifier, and its timers. A client with waiting requests listens: when an
// Identifier of a port is freed (by any client), the listeners are told in turn until the
// port is full again, so a request waits behind another client's requests as it would behind
// its own.
//
// Threads: the control thread only, like the clients.
#ifndef TUNNELISA_SRC_RADIUS_RADIUS_IDENTIFIERS_H_
#define TUNNELISA_SRC_RADIUS_RADIUS_IDENTIFIERS_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tunnelisa/radius.h"

namespace tunnelisa::radius {

class RadiusIdentifiers {
 public:
  static constexpr size_t kIdentifiers = 256;

  // Listener: a client told that an Identifier of `to` was freed (it may Take it).
  class Listener {
   public:
    virtual void IdentifierFreed(const RadiusServerAddress& to, MonoTime now) = 0;

   protected:
    ~Listener() = default;
  };

  //= https://www.rfc-editor.org/rfc/rfc2865#section-3
  //# The Identifier field is one octet, and aids in matching requests and replies. The
  //# RADIUS server can detect a duplicate request if it has the same client source IP
  //# address and source UDP port and Identifier within a short span of time.
  // Full: all 256 Identifiers of `to` are outstanding.
  bool Full(const RadiusServerAddress& to) const;
  // Take: a free Identifier of `to`, searched from where the last one was taken (from
  // `random_start` for a port with none outstanding); nullopt when Full.
  std::optional<uint8_t> Take(const RadiusServerAddress& to, uint8_t random_start);
  // Give: `identifier` of `to` is free again; listeners are told (in the order they
  // listened) while the port has a free Identifier. A no-op for one not taken.
  void Give(const RadiusServerAddress& to, uint8_t identifier, MonoTime now);
  // Listen / Unlisten: a client starts or stops hearing of freed Identifiers (it must
  // Unlisten before it is destroyed). Listen twice is once.
  void Listen(Listener* listener);
  void Unlisten(Listener* listener);

  size_t outstanding(const RadiusServerAddress& to) const;

 private:
  using Key = std::pair<IpAddress, uint16_t>;
  struct Port {
    std::bitset<kIdentifiers> taken;
    size_t in_use = 0;
    uint8_t next = 0;
  };
  static Key KeyOf(const RadiusServerAddress& to) { return {to.address, to.port}; }

  // Ports with an Identifier outstanding; a port is forgotten when its last one is given
  // back, so the map is bounded by the servers in use, not by every server ever configured.
  absl::flat_hash_map<Key, Port> ports_;
  std::vector<Listener*> listeners_;
};

}  // namespace tunnelisa::radius

#endif  // TUNNELISA_SRC_RADIUS_RADIUS_IDENTIFIERS_H_
