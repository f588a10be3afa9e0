// EngineAccounting (engine_accounting.h): RADIUS accounting of remote-access sessions.
#include "engine/engine_accounting.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/str_cat.h"

namespace tunnelisa {
namespace {

constexpr uint32_t kNasPortTypeVirtual = 5;  // RFC 2865 5.41
constexpr uint8_t kAttrServiceType = 6;      // RFC 2865 5.6
constexpr uint32_t kServiceTypeFramed = 2;
constexpr uint8_t kAttrCalledStationId = 30;  // RFC 2865 5.30

radius::RadiusAttribute U32Attribute(uint8_t type, uint32_t v) {
  return {type,
          {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
           static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}};
}

radius::RadiusAttribute TextAttribute(uint8_t type, std::string_view text) {
  return {type, std::vector<uint8_t>(text.begin(), text.end())};
}

// Seconds: a duration in whole seconds for Acct-Session-Time (saturating, never negative).
uint32_t Seconds(Duration d) {
  if (d.ns <= 0) return 0;
  return static_cast<uint32_t>(std::min<int64_t>(d.ns / 1'000'000'000, UINT32_MAX));
}

}  // namespace

AcctTerminateCause TerminateCauseFor(std::string_view reason) {
  auto has = [&](std::string_view s) { return reason.find(s) != std::string_view::npos; };
  //= https://www.rfc-editor.org/rfc/rfc2866#section-5.10
  //# This attribute indicates how the session was terminated, and can only be present in
  //# Accounting-Request records where the Acct-Status-Type is set to Stop.
  if (has("shutdown")) return AcctTerminateCause::kNasReboot;
  if (has("deleted by the peer")) return AcctTerminateCause::kUserRequest;
  if (has("DPD") || has("not responding") || has("INITIAL-CONTACT") || has("restarted")) {
    return AcctTerminateCause::kLostCarrier;
  }
  if (has("lifetime expired")) return AcctTerminateCause::kSessionTimeout;
  return AcctTerminateCause::kNasRequest;
}

EngineAccounting::EngineAccounting(EngineRadius& radius, CounterSource counters, Random* random,
                                   WallClock* wall_clock, LogSink* log)
    : radius_(radius),
      counters_(std::move(counters)),
      wall_clock_(wall_clock),
      log_(log),
      alive_(std::make_shared<bool>(true)) {
  std::array<uint8_t, 4> r{};
  if (random != nullptr) {
    random->Fill(r);
  } else if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) {
    r = {};  // ids stay unique within this engine's life; only restarts could repeat them
  }
  id_prefix_ = absl::StrFormat("%02X%02X%02X%02X", r[0], r[1], r[2], r[3]);
}

EngineAccounting::~EngineAccounting() = default;

void EngineAccounting::Reconcile(const config::Config& config, MonoTime now) {
  now_ = std::max(now_, now);
  gateways_.clear();
  for (const auto& [sid, s] : config.services) {
    for (const auto& [ifname, i] : s.interfaces) {
      if (!i.sap) continue;
      for (const auto& [name, gw] : i.sap->ipsec_gws) {
        auto policy = config.radius_accounting_policies.find(gw.radius_accounting_policy);
        if (policy == config.radius_accounting_policies.end()) continue;
        GatewayPolicy g{.server_policy = policy->second.radius_server_policy};
        if (policy->second.update_interval_min) {
          g.interval = Duration::Seconds(int64_t{*policy->second.update_interval_min} * 60);
        }
        gateways_[name] = std::move(g);
      }
    }
  }
  // A running session follows its gateway's interval (a reload may change or remove it).
  for (auto& [key, s] : sessions_) {
    auto g = gateways_.find(s.gateway);
    const std::optional<Duration> interval =
        g == gateways_.end() ? std::nullopt : g->second.interval;
    if (!interval) {
      SetNextInterim(key, s, MonoTime::Infinite());
    } else if (s.next_interim == MonoTime::Infinite() || s.next_interim > now + *interval) {
      SetNextInterim(key, s, now + *interval);
    }
  }
  // Stops whose RADIUS client was rebuilt or removed: their requests went with it.
  std::vector<uint64_t> lost;
  for (const auto& [key, stop] : stops_) {
    if (radius_.Live(stop.server_policy, stop.generation) == nullptr) lost.push_back(key);
  }
  for (uint64_t key : lost) {
    TrackedStop stop = std::move(stops_.at(key));
    stops_.erase(key);
    if (!radius_.ClientFor(stop.server_policy).ok()) {
      ++stats_.stops_lost;
      if (log_ != nullptr) {
        log_->Log(LogLevel::kWarning,
                  StrCat("RADIUS accounting: Stop of session ", stop.record.session_id,
                         " lost: radius-server-policy \"", stop.server_policy, "\" is gone"));
      }
      continue;
    }
    ++stats_.stops_resent;
    const uint64_t again = next_stop_++;
    uint64_t generation = 0;
    std::weak_ptr<bool> alive = alive_;
    std::optional<uint64_t> id = Submit(
        stop.server_policy, stop.record, now,
        [this, alive, again](uint64_t, const radius::AcctResult& r) {
          if (alive.expired()) return;
          stops_.erase(again);
          ++(r.outcome == radius::AcctOutcome::kResponse ? stats_.responses : stats_.timeouts);
        },
        &generation);
    if (id) {
      stop.generation = generation;
      TrackStop(again, std::move(stop));
    }
  }
}

bool EngineAccounting::Accounts(const std::string& gateway) const {
  auto g = gateways_.find(gateway);
  return g != gateways_.end() && radius_.ClientFor(g->second.server_policy).ok();
}

void EngineAccounting::NoteAuthorization(const std::string& gateway, const IpAddress& client,
                                         Authorization auth, MonoTime now) {
  std::erase_if(authorizations_,
                [&](const auto& entry) { return entry.second.at + kAuthorizationHold <= now; });
  if (authorizations_.size() >= kMaxAuthorizations &&
      !authorizations_.contains({gateway, client})) {
    // Full of fresh ones (a flood of users that never bring a session up): the oldest goes.
    auto oldest =
        std::min_element(authorizations_.begin(), authorizations_.end(),
                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
    authorizations_.erase(oldest);
  }
  authorizations_[{gateway, client}] = {.auth = std::move(auth), .at = now};
}

std::string EngineAccounting::NextSessionId() {
  //= https://www.rfc-editor.org/rfc/rfc2866#section-5.5
  //# The Start and Stop records for a given session MUST have the same Acct-Session-Id.
  return absl::StrFormat("%s%08X", id_prefix_, next_id_++);
}

void EngineAccounting::SessionUp(const SessionInfo& info, MonoTime now) {
  now_ = std::max(now_, now);
  if (auto it = sessions_.find(info.session); it != sessions_.end()) {
    if (!it->second.inner_address.is_set() && info.inner_address.is_set()) {
      it->second.inner_address = info.inner_address;
    }
    return;
  }
  auto g = gateways_.find(info.gateway);
  if (g == gateways_.end()) return;  // this gateway does not account
  Session s;
  s.id = NextSessionId();
  s.gateway = info.gateway;
  s.server_policy = g->second.server_policy;
  s.user = info.ike_identity;
  if (auto a = authorizations_.find({info.gateway, info.client}); a != authorizations_.end()) {
    if (a->second.at + kAuthorizationHold > now) {
      s.user = std::move(a->second.auth.user);
      s.classes = std::move(a->second.auth.classes);
    }
    authorizations_.erase(a);
  }
  s.client = info.client;
  s.client_port = info.client_port;
  s.gateway_address = info.gateway_address;
  s.inner_address = info.inner_address;
  s.started = now;
  Session& stored = sessions_[info.session] = std::move(s);
  if (g->second.interval) SetNextInterim(info.session, stored, now + *g->second.interval);
  stats_.sessions = sessions_.size();
  ++stats_.starts;
  std::weak_ptr<bool> alive = alive_;
  (void)Submit(
      stored.server_policy, Record(stored, radius::AcctStatusType::kStart, {}, now), now,
      [this, alive](uint64_t, const radius::AcctResult& r) {
        if (alive.expired()) return;
        ++(r.outcome == radius::AcctOutcome::kResponse ? stats_.responses : stats_.timeouts);
      },
      nullptr);
}

void EngineAccounting::SessionDown(const config::TunnelKey& session, const SessionCounters& final,
                                   std::optional<AcctTerminateCause> cause) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  SetNextInterim(session, it->second, MonoTime::Infinite());
  ending_.push_back(
      {.session = std::move(it->second), .final = final, .cause = cause, .ended = now_});
  sessions_.erase(it);
  stats_.sessions = sessions_.size();
}

void EngineAccounting::IkeDown(const IpAddress& client, uint16_t client_port,
                               std::string_view reason, MonoTime now) {
  const AcctTerminateCause cause = TerminateCauseFor(reason);
  std::vector<Ending> keep;
  std::vector<Ending> send;
  for (Ending& e : ending_) {
    const bool same =
        !e.cause && e.session.client == client && e.session.client_port == client_port;
    if (same) {
      e.cause = cause;
      e.ended = std::max(e.ended, now);
    }
    (same ? send : keep).push_back(std::move(e));
  }
  ending_ = std::move(keep);
  for (const Ending& e : send) SendStop(e, now);
}

void EngineAccounting::Flush(MonoTime now) {
  now_ = std::max(now_, now);
  std::vector<Ending> send = std::move(ending_);
  ending_.clear();
  for (const Ending& e : send) SendStop(e, now);
}

radius::AccountingRequest EngineAccounting::Record(const Session& s, radius::AcctStatusType type,
                                                   const SessionCounters& c, MonoTime now) const {
  radius::AccountingRequest r;
  r.status_type = type;
  r.session_id = s.id;
  r.user_name = s.user;
  if (type != radius::AcctStatusType::kStart) {
    r.input_octets = c.input_octets;
    r.output_octets = c.output_octets;
    r.input_packets = c.input_packets;
    r.output_packets = c.output_packets;
    r.session_time = Seconds(now - s.started);
  }
  if (s.inner_address.is_v4()) r.framed_ip_address = s.inner_address;
  if (s.client.is_set()) r.calling_station_id = s.client.ToString();
  r.nas_port_type = kNasPortTypeVirtual;
  const WallTime wall = wall_clock_ != nullptr ? wall_clock_->Now() : SystemWallNow();
  if (wall.unix_seconds > 0) {
    r.event_timestamp = static_cast<uint32_t>(std::min<int64_t>(wall.unix_seconds, UINT32_MAX));
  }
  r.classes = s.classes;
  r.extra_attributes.push_back(U32Attribute(kAttrServiceType, kServiceTypeFramed));
  if (s.gateway_address.is_set()) {
    r.extra_attributes.push_back(TextAttribute(kAttrCalledStationId, s.gateway_address.ToString()));
  }
  return r;
}

std::optional<uint64_t> EngineAccounting::Submit(const std::string& server_policy,
                                                 radius::AccountingRequest record, MonoTime now,
                                                 radius::AcctCallback done, uint64_t* generation) {
  const std::string session = record.session_id;
  absl::StatusOr<radius::RadiusClient*> client = radius_.ClientFor(server_policy, generation);
  absl::StatusOr<uint64_t> id = client.ok()
                                    ? (*client)->Account(std::move(record), now, std::move(done))
                                    : absl::StatusOr<uint64_t>(client.status());
  if (id.ok()) return *id;
  ++stats_.refused;
  if (log_ != nullptr) {
    log_->Log(LogLevel::kWarning, StrCat("RADIUS accounting: record of session ", session,
                                         " not sent: ", id.status().message()));
  }
  return std::nullopt;
}

void EngineAccounting::TrackStop(uint64_t key, TrackedStop stop) {
  if (stops_.size() >= kMaxTrackedStops) return;  // sent, but not resent after a rebuild
  stops_[key] = std::move(stop);
}

void EngineAccounting::SendStop(const Ending& e, MonoTime now) {
  radius::AccountingRequest record =
      Record(e.session, radius::AcctStatusType::kStop, e.final, e.ended);
  record.terminate_cause = static_cast<uint32_t>(e.cause.value_or(AcctTerminateCause::kNasRequest));
  ++stats_.stops;
  const uint64_t key = next_stop_++;
  uint64_t generation = 0;
  std::weak_ptr<bool> alive = alive_;
  std::optional<uint64_t> id = Submit(
      e.session.server_policy, record, now,
      [this, alive, key](uint64_t, const radius::AcctResult& r) {
        if (alive.expired()) return;
        stops_.erase(key);
        ++(r.outcome == radius::AcctOutcome::kResponse ? stats_.responses : stats_.timeouts);
      },
      &generation);
  if (id) {
    TrackStop(key, {.server_policy = e.session.server_policy,
                    .generation = generation,
                    .record = std::move(record)});
  }
}

void EngineAccounting::SendInterim(const config::TunnelKey& key, Session& s, MonoTime now) {
  if (s.interim_in_flight) {
    ++stats_.interims_skipped;
    return;
  }
  std::optional<SessionCounters> c = counters_ ? counters_(key) : std::nullopt;
  ++stats_.interims;
  std::weak_ptr<bool> alive = alive_;
  // The callback finds the session by key: it may have ended (and its key been reused by a
  // later session of the same client) before the answer; only the same session id counts.
  std::optional<uint64_t> id = Submit(
      s.server_policy,
      Record(s, radius::AcctStatusType::kInterimUpdate, c.value_or(SessionCounters{}), now), now,
      [this, alive, key, sid = s.id](uint64_t, const radius::AcctResult& r) {
        if (alive.expired()) return;
        ++(r.outcome == radius::AcctOutcome::kResponse ? stats_.responses : stats_.timeouts);
        auto it = sessions_.find(key);
        if (it != sessions_.end() && it->second.id == sid) it->second.interim_in_flight = false;
      },
      nullptr);
  s.interim_in_flight = id.has_value();
}

void EngineAccounting::SetNextInterim(const config::TunnelKey& key, Session& s, MonoTime at) {
  if (s.next_interim == at) return;
  if (!s.next_interim.is_infinite()) interims_.erase({s.next_interim, key});
  s.next_interim = at;
  if (!at.is_infinite()) interims_.insert({at, key});
}

MonoTime EngineAccounting::OnTimer(MonoTime now) {
  Flush(now);
  // Only the sessions due, earliest first (ties in session order). Bounded: each one visited
  // is rescheduled after `now` or unscheduled.
  while (!interims_.empty() && interims_.begin()->first <= now) {
    const config::TunnelKey key = interims_.begin()->second;
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      // Not reachable (SessionDown unschedules); an entry without a session must not loop.
      interims_.erase(interims_.begin());
      continue;
    }
    Session& s = it->second;
    SendInterim(key, s, now);
    auto g = gateways_.find(s.gateway);
    if (g == gateways_.end() || !g->second.interval) {
      SetNextInterim(key, s, MonoTime::Infinite());
    } else {
      // A host that called late sends one update, not one per missed interval.
      const Duration interval = *g->second.interval;
      const int64_t missed = (now - s.next_interim).ns / interval.ns + 1;
      SetNextInterim(key, s, s.next_interim + Duration::Nanoseconds(missed * interval.ns));
    }
  }
  return interims_.empty() ? MonoTime::Infinite() : interims_.begin()->first;
}

}  // namespace tunnelisa
