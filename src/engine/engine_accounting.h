// EngineAccounting: RADIUS accounting (RFC 2866) of remote-access sessions. For every session
// on an ipsec-gw whose configuration names a radius-accounting-policy it sends, through the
// RADIUS client of that policy's radius-server-policy (EngineRadius), an Accounting-Request
// Start when the session comes up, an Interim-Update every `update-interval`, and a Stop with
// the final counters and an Acct-Terminate-Cause when it ends. Control path only: driven by
// the engine's IKE events, its session records and OnTimer; the counters come from the
// engine (a CounterSource reading the session's SAs the way `show` does).
//
// A session is the engine's own record of one client (an ipsec-gw session: its IpsecTunnelState,
// named by its TunnelKey), not an IKE SA: it outlives IKE and CHILD SA rekeys, and the same
// calls serve IKEv2 (CP) and IKEv1 (XAUTH / Mode Config) clients.
//
// Bounded: a session has at most one Interim-Update in flight (a due one is skipped, and
// counted, while the previous one is still unanswered); Stops are tracked until answered so
// that a reload rebuilding the RADIUS client sends them again on the new one, at most
// kMaxTrackedStops of them (a Stop beyond that is still sent, untracked); a record the RADIUS
// client refuses (its queue is full) or never gets an answer for is counted, not kept.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_ACCOUNTING_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_ACCOUNTING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "engine/engine_radius.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/engine.h"
#include "tunnelisa/host.h"
#include "tunnelisa/radius.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

// AcctTerminateCause: the Acct-Terminate-Cause values the engine sends (RFC 2866 5.10).
enum class AcctTerminateCause : uint32_t {
  kUserRequest = 1,  // the client deleted its IKE SA
  kLostCarrier = 2,  // dead peer detection, or the client restarted (INITIAL_CONTACT)
  kSessionTimeout = 5,
  kAdminReset = 6,   // a reload removed the gateway or its session
  kNasError = 9,     // the gateway's ISA failed: the session's SAs went with it
  kNasRequest = 10,  // the gateway ended it for another reason (e.g. its lease revoked)
  kNasReboot = 11,   // Engine::Shutdown
};

// TerminateCauseFor: the cause an IKE SA's down reason (IkeEvent::detail of kIkeDown) means.
AcctTerminateCause TerminateCauseFor(std::string_view ike_down_reason);

// SessionCounters: a session's traffic since it came up, over all its SAs (rekeyed ones too).
// input = from the client (its inbound SAs), output = to the client.
struct SessionCounters {
  uint64_t input_octets = 0;
  uint64_t output_octets = 0;
  uint64_t input_packets = 0;
  uint64_t output_packets = 0;
};

class EngineAccounting {
 public:
  // CounterSource: the counters of session `session` now (nullopt: unknown, sent as zero).
  using CounterSource = std::function<std::optional<SessionCounters>(const config::TunnelKey&)>;
  // SessionInfo: what the engine knows about a session coming up.
  struct SessionInfo {
    std::string gateway;        // the ipsec-gw's name (config)
    config::TunnelKey session;  // the engine's record of the session
    std::string ike_identity;   // the client's IKE identity as text (the default User-Name)
    IpAddress client;           // the client's outer address (Calling-Station-Id)
    uint16_t client_port = 0;   // its IKE port (to match IKE down events)
    IpAddress gateway_address;  // Called-Station-Id
    IpAddress inner_address;    // Framed-IP-Address (unset: none known)
  };
  // Authorization: what a RADIUS Access-Accept (XAUTH, EAP) said of a client's user, noted
  // by the verifier before the session comes up (NoteAuthorization).
  struct Authorization {
    std::string user;
    std::vector<std::vector<uint8_t>> classes;
  };

  // `radius` must outlive this; `random` (the session id prefix), `wall_clock`
  // (Event-Timestamp) and `log` may be null (OpenSSL, SystemWallNow, no log).
  EngineAccounting(EngineRadius& radius, CounterSource counters, Random* random,
                   WallClock* wall_clock, LogSink* log);
  ~EngineAccounting();
  EngineAccounting(const EngineAccounting&) = delete;
  EngineAccounting& operator=(const EngineAccounting&) = delete;

  // Reconcile: after EngineRadius::Reconcile: which ipsec-gws account and how (their
  // policies' server policy and update interval), and the Stops still unanswered whose RADIUS
  // client was rebuilt sent again on the new one (or counted lost when none is left).
  void Reconcile(const config::Config& config, MonoTime now);
  // Accounts: whether ipsec-gw `gateway` has a usable radius-accounting-policy.
  bool Accounts(const std::string& gateway) const;

  // NoteAuthorization: a RADIUS server accepted `auth.user` for a client at `client` on
  // ipsec-gw `gateway`: its session, when it comes up (within kAuthorizationHold), is
  // accounted under that name with those Class values. At most kMaxAuthorizations are held.
  void NoteAuthorization(const std::string& gateway, const IpAddress& client, Authorization auth,
                         MonoTime now);
  // SessionUp: a CHILD SA of session `info.session` is up: the first time, Start. Later calls
  // (rekeys, more CHILD SAs) only fill in an inner address learnt since.
  void SessionUp(const SessionInfo& info, MonoTime now);
  // SessionDown: session `session` ended with `final` counters, at the last time this
  // component was given (the engine's calls that end sessions give it one first: Flush,
  // Reconcile, OnTimer). With `cause` the Stop goes at the next Flush; without, it waits for
  // the IKE SA's down event of the same call (IkeDown), which tells why (and when), else the
  // next Flush sends it as kNasRequest.
  void SessionDown(const config::TunnelKey& session, const SessionCounters& final,
                   std::optional<AcctTerminateCause> cause);
  // IkeDown: an IKE SA with `client` (address and IKE port) went down for `reason`: the Stops
  // of its sessions waiting for a cause are sent with the one it means.
  void IkeDown(const IpAddress& client, uint16_t client_port, std::string_view reason,
               MonoTime now);
  // Flush: every ended session's Stop still waiting is sent now (and `now` is the time later
  // SessionDown calls end sessions at).
  void Flush(MonoTime now);
  // OnTimer: waiting Stops, the Interim-Updates due; the next deadline (Infinite: none).
  MonoTime OnTimer(MonoTime now);

  size_t sessions() const { return sessions_.size(); }
  const AccountingCounters& counters() const { return stats_; }

  static constexpr size_t kMaxTrackedStops = 4096;
  static constexpr size_t kMaxAuthorizations = 1024;
  static constexpr Duration kAuthorizationHold = Duration::Seconds(120);

 private:
  struct GatewayPolicy {
    std::string server_policy;
    std::optional<Duration> interval;
  };
  struct Session {
    std::string id;  // Acct-Session-Id
    std::string gateway;
    std::string server_policy;  // of the gateway when the session came up
    std::string user;
    std::vector<std::vector<uint8_t>> classes;
    IpAddress client;
    uint16_t client_port = 0;
    IpAddress gateway_address;
    IpAddress inner_address;
    MonoTime started;
    MonoTime next_interim = MonoTime::Infinite();
    bool interim_in_flight = false;
  };
  struct Ending {
    Session session;
    SessionCounters final;
    std::optional<AcctTerminateCause> cause;
    MonoTime ended;
  };
  struct TrackedStop {
    std::string server_policy;
    uint64_t generation = 0;  // of the client the Stop went to (EngineRadius::Live)
    radius::AccountingRequest record;
  };

  radius::AccountingRequest Record(const Session& s, radius::AcctStatusType type,
                                   const SessionCounters& c, MonoTime now) const;
  void SendStop(const Ending& e, MonoTime now);
  // Submit: `record` to the client of `server_policy`; the request id, or nullopt (counted).
  std::optional<uint64_t> Submit(const std::string& server_policy, radius::AccountingRequest record,
                                 MonoTime now, radius::AcctCallback done, uint64_t* generation);
  void TrackStop(uint64_t key, TrackedStop stop);
  void SendInterim(const config::TunnelKey& key, Session& s, MonoTime now);
  // SetNextInterim: s.next_interim = `at`, with the deadline index (`interims_`) kept in step.
  void SetNextInterim(const config::TunnelKey& key, Session& s, MonoTime at);
  std::string NextSessionId();

  EngineRadius& radius_;
  CounterSource counters_;
  WallClock* wall_clock_;
  LogSink* log_;
  std::string id_prefix_;  // random per engine: ids stay unique across restarts
  uint64_t next_id_ = 1;
  std::map<std::string, GatewayPolicy> gateways_;  // ipsec-gws that account, by name
  std::map<config::TunnelKey, Session> sessions_;
  // interims_: (next_interim, session) of every session with an Interim-Update scheduled, so
  // OnTimer visits only the sessions that are due, not all of them per tick (issue 14).
  absl::btree_set<std::pair<MonoTime, config::TunnelKey>> interims_;
  std::vector<Ending> ending_;
  MonoTime now_;                           // the last time given (SessionDown's)
  std::map<uint64_t, TrackedStop> stops_;  // by our own key (the Stop's callback has it)
  uint64_t next_stop_ = 1;
  struct Noted {
    Authorization auth;
    MonoTime at;
  };
  std::map<std::pair<std::string, IpAddress>, Noted> authorizations_;  // (gateway, client)
  AccountingCounters stats_;
  // alive_: callbacks outlive nothing: the destructor cancels what it can, and a callback
  // that still comes finds this flag gone with the object (shared with the callbacks).
  std::shared_ptr<bool> alive_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_ACCOUNTING_H_
