// EngineRadius: the engine's RADIUS clients, one per radius-server-policy of the running
// configuration (config aaa), built at ApplyConfig over the host's RadiusTransport
// (Host::radius) and kept across reloads that leave the policy, its servers and its NAS
// identity as they were (a rebuilt client forgets the requests it had in flight, so a reload
// that does not touch RADIUS must not rebuild it). Control path.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_RADIUS_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_RADIUS_H_

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/host.h"
#include "tunnelisa/radius.h"
#include "tunnelisa/time.h"

namespace tunnelisa {

class EngineRadius {
 public:
  // `transport` null: no clients are built; ClientFor says why. `random` and `log` may be
  // null (radius.h defaults).
  EngineRadius(radius::RadiusTransport* transport, Random* random, LogSink* log)
      : transport_(transport), random_(random), log_(log) {}

  // Reconcile: a client for each radius-server-policy of `config`; policies that went away
  // lose theirs (their requests end without callbacks), unchanged ones keep theirs.
  void Reconcile(const config::Config& config);
  // ClientFor: the client of radius-server-policy `policy`, or FailedPrecondition with the
  // reason there is none (no transport, unknown policy, options the client refused).
  // `generation` (optional) receives the client's generation: a number no other client of
  // this EngineRadius had or will have, for Live.
  absl::StatusOr<radius::RadiusClient*> ClientFor(const std::string& policy,
                                                  uint64_t* generation = nullptr) const;
  // Live: the client of `policy` if it is still the one of `generation` (not rebuilt or
  // removed since), else null: requests made on that one are gone, without callbacks.
  radius::RadiusClient* Live(const std::string& policy, uint64_t generation) const;
  // now: the `now` of the OnDatagram / OnTimer call in progress (or the last one): what a
  // request's callback, which gets no time of its own, runs at.
  MonoTime now() const { return now_; }
  // UsableFor: OK when ipsec-gw `gw` needs no RADIUS client (its ike-policy checks no users
  // through RADIUS) or has one for its radius-authentication-policy; else FailedPrecondition
  // with the reason the gateway stays down.
  absl::Status UsableFor(const config::Config& config, const config::IpsecGw& gw) const;
  // OnDatagram: an answer from a server, given to every client that asks that server (a
  // client drops, and counts as unknown, answers that are not its own: with a shared
  // Identifier space exactly one client holds the answer's Identifier).
  void OnDatagram(const radius::RadiusServerAddress& from, std::span<const uint8_t> datagram,
                  MonoTime now);
  // OnTimer: the clients' retransmissions, failovers and timeouts; the earliest deadline.
  MonoTime OnTimer(MonoTime now);

  // OptionsFor: the client options radius-server-policy `policy` gives: its servers in index
  // order, `timeout`, `retry` as the sends per server (the config's "requests to one server
  // before the next", the first one included), its nas-identifier, else NAS-IP-Address
  // `nas_address` (the gateway address of an ipsec-gw that uses the policy; unset: none).
  static absl::StatusOr<radius::RadiusClientOptions> OptionsFor(
      const config::Config& config, const config::RadiusServerPolicy& policy,
      const IpAddress& nas_address);

 private:
  // Built: what a client was built from (compared at Reconcile) and the client or the reason
  // it could not be built.
  struct Built {
    config::RadiusServerPolicy policy;
    std::vector<config::RadiusServer> servers;
    IpAddress nas_address;
    std::unique_ptr<radius::RadiusClient> client;
    std::string error;
    uint64_t generation = 0;
  };
  radius::RadiusTransport* transport_;
  Random* random_;
  LogSink* log_;
  // One Identifier space for every client: they all send through `transport_`, one socket,
  // and two policies may name the same server (radius.h, RadiusIdentifiers).
  std::shared_ptr<radius::RadiusIdentifiers> identifiers_ = radius::MakeRadiusIdentifiers();
  std::map<std::string, Built> clients_;  // by radius-server-policy name
  uint64_t next_generation_ = 1;
  MonoTime now_;
};

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_RADIUS_H_
