// RadiusXauthVerifier (engine_xauth.h): XAUTH users checked through RADIUS.
#include "engine/engine_xauth.h"

#include <utility>
#include <vector>

#include "common/str_cat.h"

namespace tunnelisa {
namespace {

constexpr uint32_t kNasPortTypeVirtual = 5;  // RFC 2865 5.41
constexpr uint32_t kServiceTypeFramed = 2;   // RFC 2865 5.6

}  // namespace

ike::XauthResult XauthResultOf(const radius::AuthResult& result) {
  ike::XauthResult x;
  const std::string server = result.server.ToString();
  switch (result.outcome) {
    case radius::AuthOutcome::kAccept:
      x.accepted = true;
      x.reason = StrCat("accepted by RADIUS server ", server);
      x.framed_address = result.framed_ip_address;
      x.session_timeout_s = result.session_timeout;
      x.classes = result.classes;
      break;
    case radius::AuthOutcome::kReject:
      x.reason = StrCat("rejected by RADIUS server ", server);
      break;
    case radius::AuthOutcome::kChallenge:
      x.reason = StrCat("RADIUS server ", server,
                        " answered with a challenge, which XAUTH's generic type cannot relay");
      break;
    case radius::AuthOutcome::kTimeout:
      x.reason = "no RADIUS server answered";
      break;
  }
  if (!result.reply_message.empty()) x.reason += StrCat(": ", result.reply_message);
  if (!x.accepted && !result.detail.empty()) x.reason += StrCat(" (", result.detail, ")");
  return x;
}

RadiusXauthVerifier::~RadiusXauthVerifier() {
  for (const auto& [ticket, p] : pending_) {
    if (radius::RadiusClient* c = radius_.Live(server_policy_, p.generation)) {
      c->Cancel(p.request, radius_.now());
    }
  }
}

absl::Status RadiusXauthVerifier::Start(uint64_t ticket, ike::XauthCredentials credentials,
                                        MonoTime now) {
  if (pending_.contains(ticket)) {
    return absl::AlreadyExistsError(StrCat("XAUTH check ", ticket, " is already in progress"));
  }
  uint64_t generation = 0;
  absl::StatusOr<radius::RadiusClient*> client = radius_.ClientFor(server_policy_, &generation);
  if (!client.ok()) return client.status();
  radius::AccessRequest request;
  request.user_name = std::move(credentials.user);
  request.password = std::move(credentials.password);
  if (credentials.client_address.is_set()) {
    request.calling_station_id = credentials.client_address.ToString();
  }
  if (credentials.gateway_address.is_set()) {
    request.called_station_id = credentials.gateway_address.ToString();
  }
  request.nas_port_type = kNasPortTypeVirtual;
  request.service_type = kServiceTypeFramed;
  absl::StatusOr<uint64_t> id = (*client)->Authenticate(
      std::move(request), now,
      [this, ticket](uint64_t, const radius::AuthResult& result) { Done(ticket, result); });
  if (!id.ok()) return id.status();
  pending_[ticket] = {.generation = generation, .request = *id};
  return absl::OkStatus();
}

void RadiusXauthVerifier::Done(uint64_t ticket, const radius::AuthResult& result) {
  // Erased before the call: `complete` may start another check (or destroy nothing: the
  // engine owns us beyond it).
  if (pending_.erase(ticket) == 0) return;
  complete_(ticket, XauthResultOf(result), radius_.now());
}

void RadiusXauthVerifier::Cancel(uint64_t ticket, MonoTime now) {
  auto it = pending_.find(ticket);
  if (it == pending_.end()) return;
  if (radius::RadiusClient* c = radius_.Live(server_policy_, it->second.generation)) {
    c->Cancel(it->second.request, now);
  }
  pending_.erase(it);
}

void RadiusXauthVerifier::Sweep(MonoTime now) {
  std::vector<uint64_t> gone;
  for (const auto& [ticket, p] : pending_) {
    if (radius_.Live(server_policy_, p.generation) == nullptr) gone.push_back(ticket);
  }
  for (uint64_t ticket : gone) {
    pending_.erase(ticket);
    complete_(ticket,
              {.accepted = false,
               .reason = StrCat("radius-server-policy \"", server_policy_,
                                "\" changed while the RADIUS check was in progress")},
              now);
  }
}

}  // namespace tunnelisa
