// RadiusClient: requests, Identifiers, timers and failover (the policy is in
// tunnelisa/radius.h, RadiusClientOptions).
//
// Timers, as one policy:
//  - a request sent to a server waits `timeout`; then it is sent again with the same
//    Identifier and Authenticator, up to `tries` sends in all;
//  - when the last send's `timeout` passes unanswered, the server goes into hold-down for
//    `hold_down`, its Identifier is freed (a request waiting for one takes it) and the request
//    moves to the next server it has not tried (new Identifier, new Authenticator), or ends
//    with kTimeout when there is none;
//  - a queued request (all 256 Identifiers of its server port busy) has no timer: it waits
//    for an Identifier, which the end of an outstanding request frees within `tries` x
//    `timeout`.
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <bit>
#include <deque>
#include <utility>
#include <variant>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/bug.h"
#include "common/str_cat.h"
#include "radius/radius_crypto.h"
#include "radius/radius_identifiers.h"
#include "radius/radius_packet.h"
#include "radius/radius_request.h"
#include "radius/radius_response.h"
#include "tunnelisa/radius.h"

namespace tunnelisa::radius {
namespace {

constexpr size_t kMaxServers = 16;

// Microsoft's Vendor-Id and its MPPE key attributes (RFC 2548 2.4.2, 2.4.3).
constexpr uint32_t kVendorMicrosoft = 311;
constexpr uint8_t kMsMppeSendKey = 16;
constexpr uint8_t kMsMppeRecvKey = 17;

// TakeMppeKeys: decrypts the MS-MPPE-Send-Key / Recv-Key of Access-Accept `packet` into
// `result`; false (and `result` turned into a reject that says why) when one is malformed.
bool TakeMppeKeys(const Packet& packet, const SecretBytes& secret,
                  const Authenticator& request_authenticator, AuthResult& result) {
  for (const RadiusAttribute& a : packet.attributes) {
    if (a.type != attr::kVendorSpecific || a.value.size() < 6) continue;
    const uint32_t vendor = (uint32_t{a.value[0]} << 24) | (uint32_t{a.value[1]} << 16) |
                            (uint32_t{a.value[2]} << 8) | a.value[3];
    const uint8_t type = a.value[4];
    if (vendor != kVendorMicrosoft || (type != kMsMppeSendKey && type != kMsMppeRecvKey)) {
      continue;
    }
    const size_t length = a.value[5];
    absl::StatusOr<SecretBytes> key =
        length < 2 || 4 + length > a.value.size()
            ? absl::InvalidArgumentError(StrCat("Vendor-Length ", length, " does not fit"))
            : DecryptMppeKey(std::span<const uint8_t>(a.value).subspan(6, length - 2), secret,
                             request_authenticator);
    if (!key.ok()) {
      result.outcome = AuthOutcome::kReject;
      result.mppe_recv_key.reset();
      result.mppe_send_key.reset();
      result.detail = StrCat("Access-Accept from ", result.server.ToString(), " with a malformed ",
                             type == kMsMppeSendKey ? "MS-MPPE-Send-Key" : "MS-MPPE-Recv-Key", " (",
                             key.status().message(), "): treated as Access-Reject");
      return false;
    }
    (type == kMsMppeSendKey ? result.mppe_send_key : result.mppe_recv_key) =
        std::make_shared<const SecretBytes>(*std::move(key));
  }
  return true;
}
constexpr int kMaxTries = 10;
constexpr size_t kIdentifiers = RadiusIdentifiers::kIdentifiers;

enum Kind : uint8_t { kAuth = 0, kAcct = 1 };

}  // namespace

std::string RadiusServerAddress::ToString() const {
  if (address.is_v6()) return StrCat("[", address.ToString(), "]:", port);
  return StrCat(address.ToString(), ":", port);
}

std::string_view AuthOutcomeName(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::kAccept:
      return "accept";
    case AuthOutcome::kReject:
      return "reject";
    case AuthOutcome::kChallenge:
      return "challenge";
    case AuthOutcome::kTimeout:
      return "timeout";
  }
  return "unknown";
}

class RadiusClient::Impl final : public RadiusIdentifiers::Listener {
 public:
  Impl(RadiusClientOptions options, RadiusTransport* transport, Random* random, LogSink* log)
      : options_(std::move(options)),
        transport_(transport),
        random_(random),
        log_(log),
        nas_{options_.nas_identifier, options_.nas_ip_address},
        identifiers_(options_.identifiers != nullptr ? options_.identifiers
                                                     : MakeRadiusIdentifiers()),
        servers_(options_.servers.size()) {
    identifiers_->Listen(this);
  }
  // The Identifiers still held go back to the shared space (a reload rebuilds a policy's
  // client while its requests are out; the other clients of the transport keep them).
  ~Impl() {
    identifiers_->Unlisten(this);
    for (auto& [id, r] : requests_) {
      if (r.has_identifier) identifiers_->Give(AddressOf(r.server, r.kind), r.identifier, now_);
    }
  }
  void IdentifierFreed(const RadiusServerAddress& to, MonoTime now) override;

  absl::StatusOr<uint64_t> Start(std::variant<AccessRequest, AccountingRequest> body, MonoTime now,
                                 AuthCallback auth_done, AcctCallback acct_done);
  bool Cancel(uint64_t id, MonoTime now);
  void OnDatagram(const RadiusServerAddress& from, std::span<const uint8_t> datagram, MonoTime now);
  MonoTime OnTimer(MonoTime now);
  MonoTime NextDeadline() const {
    return timers_.empty() ? MonoTime::Infinite() : MonoTime{timers_.begin()->first};
  }
  size_t pending() const { return requests_.size(); }
  const RadiusClientStats& stats() const { return stats_; }
  bool InHoldDown(size_t index, MonoTime now) const {
    return index < servers_.size() && now < servers_[index].hold_down_until;
  }

 private:
  // Port: one server's auth or acct port: which of our requests holds each Identifier (the
  // shared RadiusIdentifiers says which are taken at all), and ours that wait for one.
  struct Port {
    std::array<uint64_t, kIdentifiers> holder{};  // request id, 0 = not ours
    std::deque<uint64_t> waiting;
  };
  struct ServerState {
    std::array<Port, 2> ports;
    MonoTime hold_down_until{};
  };
  struct Request {
    uint64_t id = 0;
    Kind kind = kAuth;
    std::variant<AccessRequest, AccountingRequest> body;
    AuthCallback auth_done;
    AcctCallback acct_done;
    MonoTime created{};
    uint32_t tried = 0;  // bit i: servers[i] tried (or being tried)
    size_t server = 0;
    bool queued = false;
    bool has_identifier = false;
    uint8_t identifier = 0;
    std::vector<uint8_t> wire;  // the packet as last sent (retransmissions resend it)
    int sends = 0;
    MonoTime deadline = MonoTime::Infinite();
  };

  void RandomBytes(std::span<uint8_t> out) {
    if (random_ != nullptr) {
      random_->Fill(out);
    } else if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      // No entropy is our platform's failure, not a server's: fall back to a zero start.
      TUNNELISA_BUG_IF(radius_rand_bytes_failed, true);
    }
  }
  void Log(LogLevel level, std::string_view message) {
    if (log_ != nullptr) log_->Log(level, message);
  }
  RadiusServerAddress AddressOf(size_t server, Kind kind) const {
    const RadiusServer& s = options_.servers[server];
    return {s.address, kind == kAuth ? s.auth_port : s.acct_port};
  }
  Port& PortOf(const Request& r) { return servers_[r.server].ports[r.kind]; }
  // Drain: sends requests waiting at `server`'s `kind` port while it has free Identifiers.
  void Drain(size_t server, Kind kind, MonoTime now);

  // NextServer: the server `r` tries next (not tried yet; those out of hold-down first, in
  // order), or nullopt when it has tried them all.
  std::optional<size_t> NextServer(const Request& r, MonoTime now) const;
  // Assign: sends `r` to `server` now, or queues it there when no Identifier is free.
  void Assign(Request& r, size_t server, MonoTime now);
  // Transmit: takes a free Identifier of r's port, encodes `r` and sends it.
  void Transmit(Request& r, MonoTime now);
  // ReleaseIdentifier: frees r's Identifier and hands it to the next waiting request.
  void ReleaseIdentifier(Request& r, MonoTime now);
  void SetDeadline(Request& r, MonoTime deadline);
  // ServerSilent: r's tries at its server ran out: hold-down, then failover or timeout.
  void ServerSilent(Request& r, MonoTime now);
  // Finish: removes `r` and schedules its callback for the end of the current call.
  void FinishAuth(Request& r, AuthResult result, MonoTime now);
  void FinishAcct(Request& r, AcctResult result, MonoTime now);
  void Remove(Request& r, MonoTime now);
  void RunCompletions();

  RadiusClientOptions options_;
  RadiusTransport* transport_;
  Random* random_;
  LogSink* log_;
  NasIdentity nas_;
  std::shared_ptr<RadiusIdentifiers> identifiers_;
  MonoTime now_{};  // of the latest call (the destructor's Gives need one)
  std::vector<ServerState> servers_;
  absl::flat_hash_map<uint64_t, Request> requests_;
  absl::btree_set<std::pair<int64_t, uint64_t>> timers_;  // (deadline ns, request id)
  size_t queued_ = 0;
  uint64_t next_id_ = 1;
  RadiusClientStats stats_;
  std::vector<std::function<void()>> completions_;
};

absl::StatusOr<uint64_t> RadiusClient::Impl::Start(
    std::variant<AccessRequest, AccountingRequest> body, MonoTime now, AuthCallback auth_done,
    AcctCallback acct_done) {
  const Kind kind = std::holds_alternative<AccessRequest>(body) ? kAuth : kAcct;
  // Encoding for the first server proves the request fits every server: only the secret (not
  // the size) changes from one to the next.
  const SecretBytes& any_secret = options_.servers.front().secret;
  absl::StatusOr<std::vector<uint8_t>> trial =
      kind == kAuth
          ? EncodeAccessRequest(std::get<AccessRequest>(body), nas_, 0, Authenticator{}, any_secret)
          : EncodeAccountingRequest(std::get<AccountingRequest>(body), nas_, 0, 0, any_secret);
  if (!trial.ok()) return trial.status();

  Request r;
  r.id = next_id_++;
  r.kind = kind;
  r.body = std::move(body);
  r.auth_done = std::move(auth_done);
  r.acct_done = std::move(acct_done);
  r.created = now;
  const std::optional<size_t> server = NextServer(r, now);
  if (!server.has_value()) return absl::InternalError("RADIUS client has no server");
  now_ = now;
  if (identifiers_->Full(AddressOf(*server, kind)) && queued_ >= options_.max_queued) {
    ++stats_.queue_full;
    return absl::ResourceExhaustedError(
        StrCat("RADIUS: all 256 Identifiers to ", AddressOf(*server, kind).ToString(),
               " are in use and ", queued_, " requests already wait (max_queued)"));
  }
  // Failovers may queue past max_queued (a request already taken is not dropped for it), so
  // the total is capped too: every Identifier of every port busy, plus the queue.
  const size_t cap = kIdentifiers * 2 * servers_.size() + options_.max_queued;
  if (requests_.size() >= cap) {
    ++stats_.queue_full;
    return absl::ResourceExhaustedError(
        StrCat("RADIUS: ", requests_.size(), " requests pending, the most this policy allows"));
  }
  ++stats_.requests;
  const uint64_t id = r.id;
  Request& stored = requests_.emplace(id, std::move(r)).first->second;
  Assign(stored, *server, now);
  return id;
}

std::optional<size_t> RadiusClient::Impl::NextServer(const Request& r, MonoTime now) const {
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < servers_.size(); ++i) {
      if ((r.tried & (1u << i)) != 0) continue;
      const bool held = now < servers_[i].hold_down_until;
      if (held == (pass == 1)) return i;
    }
  }
  return std::nullopt;
}

void RadiusClient::Impl::Assign(Request& r, size_t server, MonoTime now) {
  r.server = server;
  r.tried |= 1u << server;
  r.sends = 0;
  Port& port = PortOf(r);
  if (identifiers_->Full(AddressOf(server, r.kind))) {
    r.queued = true;
    port.waiting.push_back(r.id);
    ++queued_;
    ++stats_.queued;
    return;
  }
  Transmit(r, now);
}

void RadiusClient::Impl::Transmit(Request& r, MonoTime now) {
  uint8_t random_start = 0;
  RandomBytes(std::span<uint8_t>(&random_start, 1));
  const std::optional<uint8_t> identifier =
      identifiers_->Take(AddressOf(r.server, r.kind), random_start);
  if (TUNNELISA_BUG_IF(radius_transmit_without_identifier, !identifier.has_value())) return;
  PortOf(r).holder[*identifier] = r.id;
  r.has_identifier = true;
  r.identifier = *identifier;

  const SecretBytes& secret = options_.servers[r.server].secret;
  absl::StatusOr<std::vector<uint8_t>> wire;
  if (r.kind == kAuth) {
    //= https://www.rfc-editor.org/rfc/rfc2865#section-3
    //# In Access-Request Packets, the Authenticator value is a 16 octet random number, called
    //# the Request Authenticator.
    Authenticator request_authenticator{};
    RandomBytes(request_authenticator);
    wire = EncodeAccessRequest(std::get<AccessRequest>(r.body), nas_, r.identifier,
                               request_authenticator, secret);
  } else {
    //= https://www.rfc-editor.org/rfc/rfc2866#section-5.2
    //# This attribute indicates how many seconds the client has been trying to send this
    //# record for
    const int64_t waited = (now - r.created).ns / Duration::Seconds(1).ns;
    wire = EncodeAccountingRequest(std::get<AccountingRequest>(r.body), nas_,
                                   static_cast<uint32_t>(std::clamp<int64_t>(waited, 0, 1 << 30)),
                                   r.identifier, secret);
  }
  // Start encoded this request once; the same fields cannot fail now.
  if (TUNNELISA_BUG_IF(radius_encode_failed_after_start, !wire.ok())) {
    ReleaseIdentifier(r, now);
    return;
  }
  r.wire = *std::move(wire);
  r.sends = 1;
  ++stats_.sent;
  SetDeadline(r, now + options_.timeout);
  transport_->Send(AddressOf(r.server, r.kind), r.wire);
}

void RadiusClient::Impl::ReleaseIdentifier(Request& r, MonoTime now) {
  if (!r.has_identifier) return;
  PortOf(r).holder[r.identifier] = 0;
  r.has_identifier = false;
  // The shared space tells its listeners (this client among them) that the port has room.
  identifiers_->Give(AddressOf(r.server, r.kind), r.identifier, now);
}

void RadiusClient::Impl::IdentifierFreed(const RadiusServerAddress& to, MonoTime now) {
  now_ = now;
  for (size_t i = 0; i < servers_.size(); ++i) {
    for (Kind kind : {kAuth, kAcct}) {
      if (AddressOf(i, kind) == to) Drain(i, kind, now);
    }
  }
}

void RadiusClient::Impl::Drain(size_t server, Kind kind, MonoTime now) {
  Port& port = servers_[server].ports[kind];
  const RadiusServerAddress to = AddressOf(server, kind);
  while (!port.waiting.empty() && !identifiers_->Full(to)) {
    const uint64_t next = port.waiting.front();
    port.waiting.pop_front();
    --queued_;
    auto it = requests_.find(next);
    if (TUNNELISA_BUG_IF(radius_waiting_request_missing, it == requests_.end())) continue;
    it->second.queued = false;
    Transmit(it->second, now);
  }
}

void RadiusClient::Impl::SetDeadline(Request& r, MonoTime deadline) {
  if (!r.deadline.is_infinite()) timers_.erase({r.deadline.ns, r.id});
  r.deadline = deadline;
  if (!deadline.is_infinite()) timers_.insert({deadline.ns, r.id});
}

MonoTime RadiusClient::Impl::OnTimer(MonoTime now) {
  now_ = now;
  // Each pass removes one due timer; what it schedules is due later (timeout > 0), so the
  // loop ends after at most one pass per due timer.
  while (!timers_.empty() && timers_.begin()->first <= now.ns) {
    const uint64_t id = timers_.begin()->second;
    auto it = requests_.find(id);
    if (TUNNELISA_BUG_IF(radius_timer_without_request, it == requests_.end())) {
      timers_.erase(timers_.begin());
      continue;
    }
    Request& r = it->second;
    if (r.sends < options_.tries) {
      //= https://www.rfc-editor.org/rfc/rfc5080#section-2.2.1
      //# For retransmissions where the contents are identical, the Identifier MUST remain
      //# unchanged.
      ++r.sends;
      ++stats_.retransmits;
      SetDeadline(r, now + options_.timeout);
      transport_->Send(AddressOf(r.server, r.kind), r.wire);
      continue;
    }
    ServerSilent(r, now);
  }
  RunCompletions();
  return NextDeadline();
}

void RadiusClient::Impl::ServerSilent(Request& r, MonoTime now) {
  const RadiusServerAddress silent = AddressOf(r.server, r.kind);
  ServerState& server = servers_[r.server];
  if (now >= server.hold_down_until) {
    Log(LogLevel::kWarning,
        StrCat("RADIUS server ", silent.ToString(), " did not answer ", options_.tries,
               " tries: in hold-down for ", options_.hold_down.ns / Duration::Seconds(1).ns, " s"));
  }
  server.hold_down_until = now + options_.hold_down;
  SetDeadline(r, MonoTime::Infinite());
  ReleaseIdentifier(r, now);
  //= https://www.rfc-editor.org/rfc/rfc5080#section-2.2.1
  //# The Identifier field MUST be changed whenever the content of the Attributes field
  //# changes, or whenever a valid reply has been received for a previous request.
  // A failover re-encodes the request for the next server's secret (a new Identifier and
  // Request Authenticator there).
  if (const std::optional<size_t> next = NextServer(r, now); next.has_value()) {
    ++stats_.failovers;
    Log(LogLevel::kInfo, StrCat("RADIUS request ", r.id, " fails over from ", silent.ToString(),
                                " to ", AddressOf(*next, r.kind).ToString()));
    Assign(r, *next, now);
    return;
  }
  ++stats_.timeouts;
  const std::string detail =
      StrCat("no answer from ", std::popcount(r.tried), " RADIUS server(s), ", options_.tries,
             " tries each, the last ", silent.ToString());
  if (r.kind == kAuth) {
    AuthResult result;
    result.outcome = AuthOutcome::kTimeout;
    result.detail = detail;
    FinishAuth(r, std::move(result), now);
  } else {
    AcctResult result;
    result.outcome = AcctOutcome::kTimeout;
    result.detail = detail;
    FinishAcct(r, std::move(result), now);
  }
}

void RadiusClient::Impl::OnDatagram(const RadiusServerAddress& from,
                                    std::span<const uint8_t> datagram, MonoTime now) {
  now_ = now;
  std::optional<size_t> server;
  Kind kind = kAuth;
  for (size_t i = 0; i < servers_.size() && !server.has_value(); ++i) {
    const RadiusServer& s = options_.servers[i];
    if (s.address != from.address) continue;
    if (s.auth_port == from.port) {
      server = i;
      kind = kAuth;
    } else if (s.acct_port == from.port) {
      server = i;
      kind = kAcct;
    }
  }
  if (!server.has_value()) {
    ++stats_.unknown_responses;
    return;
  }
  if (datagram.size() < kHeaderSize) {
    ++stats_.malformed;
    return;
  }
  Port& port = servers_[*server].ports[kind];
  const uint64_t id = port.holder[datagram[1]];
  auto it = requests_.find(id);
  if (id == 0 || it == requests_.end()) {
    ++stats_.unknown_responses;
    return;
  }
  Request& r = it->second;
  const PacketCode request_code =
      kind == kAuth ? PacketCode::kAccessRequest : PacketCode::kAccountingRequest;
  CheckedResponse checked = CheckResponse(datagram, request_code, AuthenticatorOf(r.wire),
                                          options_.servers[*server].secret);
  switch (checked.verdict) {
    case ResponseVerdict::kAuthentic:
      break;
    case ResponseVerdict::kMalformed:
      ++stats_.malformed;
      return;
    case ResponseVerdict::kBadAuthenticator:
      ++stats_.bad_authenticators;
      return;
    case ResponseVerdict::kBadMessageAuthenticator:
      ++stats_.bad_message_authenticators;
      return;
  }
  servers_[*server].hold_down_until = MonoTime{};  // it answers: no longer in hold-down
  if (kind == kAcct) {
    ++stats_.accounting_responses;
    AcctResult result;
    result.outcome = AcctOutcome::kResponse;
    result.server = from;
    result.detail = StrCat("Accounting-Response from ", from.ToString());
    FinishAcct(r, std::move(result), now);
  } else {
    bool malformed = false;
    AuthResult result = InterpretAccessResponse(checked.packet, from, &malformed);
    if (result.outcome == AuthOutcome::kAccept &&
        !TakeMppeKeys(checked.packet, options_.servers[*server].secret, AuthenticatorOf(r.wire),
                      result)) {
      malformed = true;
    }
    if (malformed) ++stats_.malformed;
    switch (result.outcome) {
      case AuthOutcome::kAccept:
        ++stats_.accepts;
        break;
      case AuthOutcome::kChallenge:
        ++stats_.challenges;
        break;
      default:
        ++stats_.rejects;
        break;
    }
    FinishAuth(r, std::move(result), now);
  }
  RunCompletions();
}

void RadiusClient::Impl::FinishAuth(Request& r, AuthResult result, MonoTime now) {
  if (r.auth_done) {
    completions_.push_back([done = std::move(r.auth_done), id = r.id,
                            result = std::move(result)]() { done(id, result); });
  }
  Remove(r, now);
}

void RadiusClient::Impl::FinishAcct(Request& r, AcctResult result, MonoTime now) {
  if (r.acct_done) {
    completions_.push_back([done = std::move(r.acct_done), id = r.id,
                            result = std::move(result)]() { done(id, result); });
  }
  Remove(r, now);
}

void RadiusClient::Impl::Remove(Request& r, MonoTime now) {
  SetDeadline(r, MonoTime::Infinite());
  if (r.queued) {
    std::deque<uint64_t>& waiting = PortOf(r).waiting;
    waiting.erase(std::remove(waiting.begin(), waiting.end(), r.id), waiting.end());
    --queued_;
  }
  const uint64_t id = r.id;
  ReleaseIdentifier(r, now);  // may transmit waiting requests (other entries of requests_)
  requests_.erase(id);
}

bool RadiusClient::Impl::Cancel(uint64_t id, MonoTime now) {
  now_ = now;
  auto it = requests_.find(id);
  if (it == requests_.end()) return false;
  ++stats_.cancelled;
  Remove(it->second, now);
  RunCompletions();
  return true;
}

void RadiusClient::Impl::RunCompletions() {
  // Callbacks may call Authenticate / Account / Cancel (none of which completes a request),
  // so the list is taken first and the loop sees a stable one.
  std::vector<std::function<void()>> run;
  run.swap(completions_);
  for (auto& completion : run) completion();
}

RadiusClient::RadiusClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RadiusClient::~RadiusClient() = default;

absl::StatusOr<std::unique_ptr<RadiusClient>> RadiusClient::Create(RadiusClientOptions options,
                                                                   RadiusTransport* transport,
                                                                   Random* random, LogSink* log) {
  if (transport == nullptr) return absl::InvalidArgumentError("RADIUS client needs a transport");
  if (options.servers.empty() || options.servers.size() > kMaxServers) {
    return absl::InvalidArgumentError(
        StrCat("RADIUS server policy has ", options.servers.size(), " servers (1..16)"));
  }
  for (size_t i = 0; i < options.servers.size(); ++i) {
    const RadiusServer& s = options.servers[i];
    const std::string which = StrCat("RADIUS server ", i + 1);
    if (!s.address.is_set()) return absl::InvalidArgumentError(StrCat(which, " has no address"));
    if (s.auth_port == 0 || s.acct_port == 0 || s.auth_port == s.acct_port) {
      return absl::InvalidArgumentError(StrCat(which, " needs two different non-zero ports"));
    }
    if (s.secret.empty()) return absl::InvalidArgumentError(StrCat(which, " has no secret"));
    for (size_t j = 0; j < i; ++j) {
      const RadiusServer& o = options.servers[j];
      if (o.address == s.address && (o.auth_port == s.auth_port || o.acct_port == s.acct_port ||
                                     o.auth_port == s.acct_port || o.acct_port == s.auth_port)) {
        return absl::InvalidArgumentError(
            StrCat(which, " shares a port with server ", j + 1, " (answers would be ambiguous)"));
      }
    }
  }
  if (options.timeout.ns <= 0 || options.timeout.is_infinite()) {
    return absl::InvalidArgumentError("RADIUS timeout must be positive and finite");
  }
  if (options.tries < 1 || options.tries > kMaxTries) {
    return absl::InvalidArgumentError(StrCat("RADIUS tries ", options.tries, " (1..10)"));
  }
  if (options.hold_down.ns < 0 || options.hold_down.is_infinite()) {
    return absl::InvalidArgumentError("RADIUS hold-down must be finite and not negative");
  }
  if (options.nas_identifier.empty() && !options.nas_ip_address.is_set()) {
    return absl::InvalidArgumentError(
        "RADIUS needs a NAS-Identifier or a NAS-IP-Address (RFC 2865 4.1)");
  }
  if (options.nas_identifier.size() > kMaxAttributeValueSize) {
    return absl::InvalidArgumentError("RADIUS NAS-Identifier over 253 octets");
  }
  return std::unique_ptr<RadiusClient>(
      new RadiusClient(std::make_unique<Impl>(std::move(options), transport, random, log)));
}

absl::StatusOr<uint64_t> RadiusClient::Authenticate(AccessRequest request, MonoTime now,
                                                    AuthCallback done) {
  if (absl::Status s = CheckAccessRequest(request); !s.ok()) return s;
  return impl_->Start(std::move(request), now, std::move(done), nullptr);
}

absl::StatusOr<uint64_t> RadiusClient::Account(AccountingRequest request, MonoTime now,
                                               AcctCallback done) {
  if (absl::Status s = CheckAccountingRequest(request); !s.ok()) return s;
  return impl_->Start(std::move(request), now, nullptr, std::move(done));
}

bool RadiusClient::Cancel(uint64_t id, MonoTime now) { return impl_->Cancel(id, now); }
void RadiusClient::OnDatagram(const RadiusServerAddress& from, std::span<const uint8_t> datagram,
                              MonoTime now) {
  impl_->OnDatagram(from, datagram, now);
}
MonoTime RadiusClient::OnTimer(MonoTime now) { return impl_->OnTimer(now); }
MonoTime RadiusClient::NextDeadline() const { return impl_->NextDeadline(); }
size_t RadiusClient::pending() const { return impl_->pending(); }
const RadiusClientStats& RadiusClient::stats() const { return impl_->stats(); }
bool RadiusClient::InHoldDown(size_t index, MonoTime now) const {
  return impl_->InHoldDown(index, now);
}

}  // namespace tunnelisa::radius
