// File: ike/auth/address_assigner.h
//
// ClientAddressAssigner: the seam through which IKE gives a remote-access client its inner
// (tunnel) address. IKEv2 asks it when an IKE_AUTH request carries CP(CFG_REQUEST) with
// INTERNAL_IP4_ADDRESS (RFC 7296 3.15); IKEv1 asks it for Mode Config (draft-dukes-ike-mode-cfg)
// once XAUTH has succeeded. Neither knows where addresses come from: a local pool inside the
// private tunnel interface's subnet (AddressPool, address_pool.h) or an address the RADIUS
// server decided (Framed-IP-Address, RFC 2865 5.8) arrive through the same call.
//
// Who calls it, and when:
//   - Assign: the IKE manager (v1 or v2), on the control thread, after the client has
//     authenticated (and after XAUTH / EAP when the method has them), before it answers with
//     the address. One lease per IKE connection (the IKE SA and its rekeyed successors).
//   - Release: the same manager, exactly once per lease, when the connection ends: its IKE SA
//     deleted (by either side), dead (DPD), expired, or removed by a reconfiguration. An IKE SA
//     rekey moves the lease to the new IKE SA; it does not release it.
//   - The engine (the assigner's owner) may revoke leases itself, e.g. when a reloaded pool
//     no longer contains them (AddressPool::SetRange returns them); it then ends those
//     connections. Release of a revoked or unknown lease is a no-op, so the manager needs no
//     special case.
//
// Empty pool: Assign returns ResourceExhausted. IKEv2 answers INTERNAL_ADDRESS_FAILURE (RFC
// 7296 3.10.1) and creates no CHILD SA; IKEv1 Mode Config fails the connection.
//
// RADIUS-assigned addresses: the caller passes the server's address as
// AddressRequest::preassigned. The assigner then uses exactly that address (never one of its
// own): inside its range it is taken out of the pool for the lease's life (AlreadyExists when
// another client holds it); outside the range it is recorded as a lease all the same, so
// Release stays uniform and the route/oper view code sees one kind of lease. DNS servers come
// from the assigner's configuration in both cases.
//
// Threads: control thread only; implementations need no locking. Not on the fast path.
#ifndef TUNNELISA_SRC_IKE_AUTH_ADDRESS_ASSIGNER_H_
#define TUNNELISA_SRC_IKE_AUTH_ADDRESS_ASSIGNER_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/ip_address.h"

namespace tunnelisa::ike {

// ClientAddress: what a client is told (CP CFG_REPLY / Mode Config REPLY) and what the engine
// routes into its tunnel while it is connected.
struct ClientAddress {
  // lease: the assigner's handle for Release; never 0 for a granted lease, and unique among
  // the leases of every assigner of one engine (the engine revokes leases by handle alone).
  uint64_t lease = 0;
  IpAddress address;           // the client's inner address (IPv4 today)
  uint8_t prefix_len = 32;     // what is routed to the client: its own host route
  std::vector<IpAddress> dns;  // 0..2 DNS servers to announce (INTERNAL_IP4_DNS)
  bool operator==(const ClientAddress&) const = default;
};

// AddressRequest: one client asking for an address.
struct AddressRequest {
  // identity: what makes a client "the same client" across reconnects (stickiness): the
  // XAUTH / EAP user name when there is one, else the IKE identity the client proved, as text.
  // Only compared; may be empty (no stickiness).
  std::string_view identity;
  // requested: the address the client asked for (a non-zero INTERNAL_IP4_ADDRESS in the CP
  // request); a hint the assigner grants when it is free and its own, else ignored. nullopt
  // (or 0.0.0.0, which callers turn into nullopt): any address.
  std::optional<IpAddress> requested;
  // preassigned: the address an AAA server decided (RADIUS Framed-IP-Address). Binding: the
  // assigner grants exactly this or fails (see the file comment).
  std::optional<IpAddress> preassigned;
};

class ClientAddressAssigner {
 public:
  virtual ~ClientAddressAssigner() = default;

  // Assign: a new lease for the client, its address held until Release(lease). Errors:
  // ResourceExhausted (no address left), AlreadyExists (the preassigned address is leased
  // to another client), InvalidArgument (a preassigned address of the wrong family or one the
  // assigner must never hand out, e.g. the private interface's own address).
  virtual absl::StatusOr<ClientAddress> Assign(const AddressRequest& request) = 0;

  // Release: the lease's address goes back to the pool (and stays remembered for its
  // identity, so a reconnect gets it back if nobody took it meanwhile). No-op for a lease that
  // is unknown, already released or revoked.
  virtual void Release(uint64_t lease) = 0;
};

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_ADDRESS_ASSIGNER_H_
