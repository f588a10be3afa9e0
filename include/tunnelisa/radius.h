// File: tunnelisa/radius.h
//
// RadiusClient: an event-driven RADIUS client (RFC 2865 authentication, RFC 2866 accounting,
// RFC 3579 Message-Authenticator) for XAUTH, EAP relay and session accounting.
//
// Like the rest of tunnelisa it owns no socket, thread or clock. The host:
//  - implements RadiusTransport::Send (one UDP datagram to a server),
//  - gives every datagram that arrives from a server to OnDatagram,
//  - calls OnTimer(now) at (or after) the deadline the client last returned.
// A request's outcome arrives through the callback given with it, always from inside a later
// OnDatagram or OnTimer call (never from inside Authenticate / Account, and a cancelled
// request gets none), so the caller's own state is settled by then. An IKE exchange
// therefore waits for RADIUS without blocking anything else.
//
// Why not a library: Debian's libradcli blocks in its send call; an IKE gateway's control
// thread must not wait for a RADIUS server, so this client is built around the host's loop.
//
// Threads: one thread (the host's control thread) calls everything on one RadiusClient.
// Nothing here is on the packet fast path. A callback may call Authenticate, Account and
// Cancel, but must not destroy the client or call OnDatagram / OnTimer.
//
// Memory is bounded: at most 256 requests in flight per server port (the Identifier space,
// shared by the clients of one transport: RadiusIdentifiers);
// a new request that finds them all busy waits, up to `max_queued` such waiting requests; and
// at most 512 x servers + max_queued requests exist at once. Beyond that a new request is
// refused with ResourceExhausted.
//
// Failure behaviour: a server's faults (silence, malformed or forged packets, wrong
// authenticators) never end a request early: they are counted (RadiusClientStats) and the
// request keeps waiting for a genuine answer until its tries run out; then it fails over to
// the next server, and when every server has failed the callback gets kTimeout. An authentic
// Accept or Challenge whose attributes are malformed ends as kReject (RFC 2865 5).
//
// Example:
//   class UdpTransport final : public tunnelisa::radius::RadiusTransport {
//     void Send(const RadiusServerAddress& to, std::span<const uint8_t> d) override {
//       sendto(fd_, d.data(), d.size(), 0, ToSockaddr(to), ...);
//     }
//   };
//   RadiusClientOptions options;
//   options.servers.push_back({.address = *IpAddress::Parse("192.0.2.10"),
//                              .secret = SecretBytes(secret_bytes)});
//   options.nas_identifier = "gw1";
//   auto client = RadiusClient::Create(std::move(options), &transport);
//   AccessRequest request{.user_name = "alice", .password = SecretBytes(pw)};
//   auto id = (*client)->Authenticate(std::move(request), now,
//       [](uint64_t id, const AuthResult& r) { if (r.outcome == AuthOutcome::kAccept) ... });
//   // loop: OnDatagram(from, bytes, now) on receive; OnTimer(now) at the returned deadline.
#ifndef TUNNELISA_RADIUS_H_
#define TUNNELISA_RADIUS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/host.h"
#include "tunnelisa/ip_address.h"
#include "tunnelisa/secret.h"
#include "tunnelisa/time.h"

namespace tunnelisa::radius {

// RadiusAttribute: one attribute as on the wire: its type and raw value (at most 253 octets;
// integers big-endian, addresses in network order, Vendor-Specific (26) unparsed).
struct RadiusAttribute {
  uint8_t type = 0;
  std::vector<uint8_t> value;
  bool operator==(const RadiusAttribute&) const = default;
};

// RadiusServerAddress: a server's UDP endpoint (its authentication or its accounting port).
struct RadiusServerAddress {
  IpAddress address;
  uint16_t port = 0;
  bool operator==(const RadiusServerAddress&) const = default;
  std::string ToString() const;  // "192.0.2.1:1812", "[2001:db8::1]:1812"
};

// RadiusServer: one server of the policy.
struct RadiusServer {
  IpAddress address;
  uint16_t auth_port = 1812;
  uint16_t acct_port = 1813;
  SecretBytes secret;  // the shared secret; never logged
};

// RadiusIdentifiers: the Identifier space of one RadiusTransport (one local address and
// port). A server takes two requests from one source with the same Identifier for a request
// and its retransmission (RFC 2865 3), so several RadiusClients sending through one transport
// must share one (RadiusClientOptions::identifiers): then no two of them have the same
// Identifier outstanding to one server port, and a request waiting for an Identifier gets one
// freed by any of them. Opaque; control thread only, like the clients.
class RadiusIdentifiers;
std::shared_ptr<RadiusIdentifiers> MakeRadiusIdentifiers();

// RadiusClientOptions: the server policy.
//
// Server order and failover: a request is sent to one server at a time, at most `tries` times
// each (the first send plus retransmissions `timeout` apart, same Identifier and
// Authenticator); when those go unanswered it moves to the next server with a new Identifier
// and Authenticator. A request tries every server at most once: first those not in hold-down,
// in the order listed, then those in hold-down, in the order listed. A server that let a
// request's tries run out is in hold-down for `hold_down` (it goes after the others but is
// still tried when they fail); any authentic answer from it ends its hold-down.
struct RadiusClientOptions {
  std::vector<RadiusServer> servers;  // 1..16, in order of preference
  Duration timeout = Duration::Seconds(5);
  int tries = 3;  // sends per server (1..10), the first one included
  Duration hold_down = Duration::Seconds(30);
  // NAS identification (RFC 2865 4.1: at least one of them; the client sends whichever are
  // set). nas_ip_address: NAS-IP-Address for IPv4, NAS-IPv6-Address for IPv6.
  std::string nas_identifier;
  IpAddress nas_ip_address;
  // max_queued: requests waiting for an Identifier (all 256 of a server port busy), over all
  // servers; a new request beyond it is refused with ResourceExhausted.
  size_t max_queued = 1024;
  // identifiers: shared by every client of one transport (MakeRadiusIdentifiers); null: the
  // client has a space of its own (right when it is its transport's only client).
  std::shared_ptr<RadiusIdentifiers> identifiers;
};

// RadiusTransport: the host's way to the servers. Send one UDP datagram to `to`; the bytes
// are valid during the call only. Every datagram to one server port must leave from the same
// local address and port (the server recognises retransmissions by source and Identifier),
// and the answers from `to` must come back through RadiusClient::OnDatagram. Called from
// inside the client's calls, on their thread; must not call back into the client. A send
// that fails is like a lost datagram (the client retransmits).
class RadiusTransport {
 public:
  virtual ~RadiusTransport() = default;
  virtual void Send(const RadiusServerAddress& to, std::span<const uint8_t> datagram) = 0;
};

// AccessRequest: one authentication (RFC 2865 4.1). At most one of `password` (PAP: hidden
// as User-Password, at most 128 octets) and `eap_message` (an EAP packet relayed as
// EAP-Message attributes, RFC 3579) is set; `state` echoes an Access-Challenge's State (a
// request needs a password, an EAP message or a State).
struct AccessRequest {
  std::string user_name;
  std::optional<SecretBytes> password;
  std::vector<uint8_t> eap_message;
  std::vector<uint8_t> state;
  std::string calling_station_id;  // the client's address, e.g. "198.51.100.7"
  std::string called_station_id;   // the gateway's address or name
  std::optional<uint32_t> nas_port;
  std::optional<uint32_t> nas_port_type;  // 5 = Virtual (RFC 2865 5.41)
  std::optional<uint32_t> service_type;   // 2 = Framed
  std::optional<uint32_t> framed_protocol;
  std::vector<RadiusAttribute> extra_attributes;  // appended as given (e.g. VSAs)
};

enum class AuthOutcome : uint8_t {
  kAccept,     // Access-Accept
  kReject,     // Access-Reject, or an Access-Accept whose attributes are malformed
  kChallenge,  // Access-Challenge: answer with `state` (and an EAP response) in a new request
  kTimeout,    // every server was tried and none answered authentically
};
std::string_view AuthOutcomeName(AuthOutcome outcome);  // "accept", "reject", ...

// AuthResult: what the server said. The typed fields are copies of the attributes the IKE
// side uses: the authorization ones (address, netmask, pool, classes, session timeout) from
// an Access-Accept only; reply_message, eap_message (EAP-Success / Failure too) and state
// from any answer. `attributes` holds every attribute of the answer as received, in order.
struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kTimeout;
  std::string detail;          // for logs: who answered what, or why it failed
  RadiusServerAddress server;  // the server that answered (unset for kTimeout)
  std::optional<IpAddress> framed_ip_address;
  std::optional<IpAddress> framed_ip_netmask;
  std::string framed_pool;
  std::vector<std::vector<uint8_t>> classes;  // each Class (echo them in accounting)
  std::optional<uint32_t> session_timeout;    // seconds
  std::string reply_message;                  // the Reply-Messages, joined by "\n"
  std::vector<uint8_t> eap_message;           // the EAP-Message attributes, joined
  std::vector<uint8_t> state;
  std::vector<RadiusAttribute> attributes;
  // mppe_recv_key / mppe_send_key: an Access-Accept's MS-MPPE-Recv-Key and MS-MPPE-Send-Key
  // (RFC 2548 2.4.2, 2.4.3: Microsoft Vendor-Specific attributes, decrypted with the shared
  // secret and the Request Authenticator), the keys an EAP method exported for the NAS (an
  // IKEv2 gateway's MSK is Recv-Key | Send-Key); null when the Accept carried none. Shared:
  // an AuthResult is copied, a key is not. An Accept whose key does not decrypt to a sound
  // length is kReject (its detail says so).
  std::shared_ptr<const SecretBytes> mppe_recv_key;
  std::shared_ptr<const SecretBytes> mppe_send_key;
};

// AcctStatusType: Acct-Status-Type (RFC 2866 5.1).
enum class AcctStatusType : uint32_t { kStart = 1, kStop = 2, kInterimUpdate = 3 };

// AccountingRequest: one accounting record (RFC 2866). Octet counts are 64-bit and sent as
// Acct-*-Octets plus Acct-*-Gigawords (RFC 2869 5.1, 5.2); packet counts saturate at 2^32-1.
struct AccountingRequest {
  AcctStatusType status_type = AcctStatusType::kStart;
  std::string session_id;  // Acct-Session-Id, required, the same for Start/Interim/Stop
  std::string user_name;
  uint64_t input_octets = 0;   // from the client
  uint64_t output_octets = 0;  // to the client
  uint64_t input_packets = 0;
  uint64_t output_packets = 0;
  std::optional<uint32_t> session_time;     // seconds (Interim-Update and Stop)
  std::optional<uint32_t> terminate_cause;  // Stop only (RFC 2866 5.10)
  std::optional<IpAddress> framed_ip_address;
  std::string calling_station_id;
  std::optional<uint32_t> nas_port;
  std::optional<uint32_t> nas_port_type;
  std::optional<uint32_t> event_timestamp;    // Unix seconds (RFC 2869 5.3)
  std::vector<std::vector<uint8_t>> classes;  // the Access-Accept's Class values, echoed
  std::vector<RadiusAttribute> extra_attributes;
};

enum class AcctOutcome : uint8_t { kResponse, kTimeout };

// AcctResult: kResponse when a server acknowledged the record (Accounting-Response).
struct AcctResult {
  AcctOutcome outcome = AcctOutcome::kTimeout;
  std::string detail;
  RadiusServerAddress server;
};

using AuthCallback = std::function<void(uint64_t id, const AuthResult& result)>;
using AcctCallback = std::function<void(uint64_t id, const AcctResult& result)>;

// RadiusClientStats: counters since creation.
struct RadiusClientStats {
  uint64_t requests = 0;     // Authenticate / Account calls accepted
  uint64_t sent = 0;         // first sends to a server (a failover sends again)
  uint64_t retransmits = 0;  // resends to the same server
  uint64_t failovers = 0;    // moves of a request to the next server
  uint64_t timeouts = 0;     // requests that ended with every server silent
  uint64_t accepts = 0;
  uint64_t rejects = 0;
  uint64_t challenges = 0;
  uint64_t accounting_responses = 0;
  uint64_t queued = 0;      // requests that had to wait for an Identifier
  uint64_t queue_full = 0;  // requests refused (ResourceExhausted)
  uint64_t cancelled = 0;
  // Dropped datagrams (the request they seemed to answer keeps waiting):
  uint64_t unknown_responses = 0;   // unknown source, or no request outstanding with that ID
  uint64_t malformed = 0;           // bad header or attributes, or an unexpected Code
  uint64_t bad_authenticators = 0;  // Response Authenticator wrong
  // Message-Authenticator missing from an Access-Accept/Reject/Challenge, or wrong anywhere.
  uint64_t bad_message_authenticators = 0;
};

class RadiusClient {
 public:
  // Create: checks `options` (servers present with an address, non-zero ports and a secret;
  // timeout > 0; tries 1..10; NAS identity set) and returns InvalidArgument naming the first
  // problem. `transport` must outlive the client. `random` (the Request Authenticators'
  // source) and `log` (failover and hold-down notes) may be null: OpenSSL's RAND_bytes and no
  // log.
  static absl::StatusOr<std::unique_ptr<RadiusClient>> Create(RadiusClientOptions options,
                                                              RadiusTransport* transport,
                                                              Random* random = nullptr,
                                                              LogSink* log = nullptr);
  ~RadiusClient();
  RadiusClient(const RadiusClient&) = delete;
  RadiusClient& operator=(const RadiusClient&) = delete;

  // Authenticate: sends an Access-Request (with Message-Authenticator) and returns its id;
  // `done` is called once with the outcome. InvalidArgument when the request is malformed
  // (no user name, both or neither of password and EAP, a password over 128 octets, a packet
  // over 4096 octets); ResourceExhausted when it would have to queue beyond max_queued.
  [[nodiscard]] absl::StatusOr<uint64_t> Authenticate(AccessRequest request, MonoTime now,
                                                      AuthCallback done);
  // Account: sends an Accounting-Request; the same shape as Authenticate.
  [[nodiscard]] absl::StatusOr<uint64_t> Account(AccountingRequest request, MonoTime now,
                                                 AcctCallback done);
  // Cancel: forgets request `id` (e.g. its IKE SA went away) without calling its callback;
  // a late answer is then counted as unknown. Its Identifier goes to a waiting request, sent
  // at `now`. False when `id` is not pending.
  bool Cancel(uint64_t id, MonoTime now);

  // OnDatagram: a datagram from `from` (a server's auth or acct port). Completes the request
  // it authentically answers; anything else is counted and dropped.
  void OnDatagram(const RadiusServerAddress& from, std::span<const uint8_t> datagram, MonoTime now);
  // OnTimer: retransmissions, failovers and timeouts due at `now`; returns the next deadline
  // (MonoTime::Infinite() when nothing is pending).
  MonoTime OnTimer(MonoTime now);
  // NextDeadline: what OnTimer would return, without doing anything.
  MonoTime NextDeadline() const;

  // pending: requests in flight or queued. stats: the counters.
  size_t pending() const;
  const RadiusClientStats& stats() const;
  // InHoldDown: whether servers[index] is in hold-down at `now`.
  bool InHoldDown(size_t index, MonoTime now) const;

 private:
  class Impl;
  explicit RadiusClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunnelisa::radius

#endif  // TUNNELISA_RADIUS_H_
