// RadiusEapRelay (engine_eap.h): IKEv2 EAP relayed to RADIUS (RFC 3579).
#include "engine/engine_eap.h"

#include <utility>
#include <vector>

#include "common/str_cat.h"

namespace tunnelisa {
namespace {

constexpr uint32_t kNasPortTypeVirtual = 5;  // RFC 2865 5.41
constexpr uint32_t kServiceTypeFramed = 2;   // RFC 2865 5.6

}  // namespace

ike::EapRelayAnswer EapAnswerOf(const radius::AuthResult& result) {
  ike::EapRelayAnswer a;
  const std::string server = result.server.ToString();
  a.eap_message = result.eap_message;
  switch (result.outcome) {
    case radius::AuthOutcome::kChallenge:
      //= https://www.rfc-editor.org/rfc/rfc3579#section-2.6.3
      //# If the NAS receives an Access-Challenge without an EAP-Message attribute, then it
      //# MUST silently discard it
      // (a discarded answer would leave the client waiting: it is refused instead).
      if (result.eap_message.empty()) {
        a.kind = ike::EapRelayAnswer::Kind::kFailure;
        a.reason =
            StrCat("RADIUS server ", server, " sent an Access-Challenge without EAP-Message");
        return a;
      }
      a.kind = ike::EapRelayAnswer::Kind::kContinue;
      a.reason = StrCat("challenge from RADIUS server ", server);
      return a;
    case radius::AuthOutcome::kAccept:
      a.kind = ike::EapRelayAnswer::Kind::kSuccess;
      a.reason = StrCat("accepted by RADIUS server ", server);
      if (result.mppe_recv_key != nullptr && result.mppe_send_key != nullptr) {
        // MSK = MS-MPPE-Recv-Key | MS-MPPE-Send-Key (the NAS's receive key is the peer's send
        // key, the first half of the peer's MSK).
        std::vector<uint8_t> msk(result.mppe_recv_key->span().begin(),
                                 result.mppe_recv_key->span().end());
        msk.insert(msk.end(), result.mppe_send_key->span().begin(),
                   result.mppe_send_key->span().end());
        a.msk = SecretBytes(msk);
        std::fill(msk.begin(), msk.end(), 0);
      }
      a.framed_address = result.framed_ip_address;
      a.session_timeout_s = result.session_timeout;
      a.classes = result.classes;
      break;
    case radius::AuthOutcome::kReject:
      a.kind = ike::EapRelayAnswer::Kind::kFailure;
      a.reason = StrCat("rejected by RADIUS server ", server);
      break;
    case radius::AuthOutcome::kTimeout:
      a.kind = ike::EapRelayAnswer::Kind::kFailure;
      a.reason = "no RADIUS server answered";
      break;
  }
  if (!result.reply_message.empty()) a.reason += StrCat(": ", result.reply_message);
  if (a.kind == ike::EapRelayAnswer::Kind::kFailure && !result.detail.empty()) {
    a.reason += StrCat(" (", result.detail, ")");
  }
  return a;
}

RadiusEapRelay::~RadiusEapRelay() {
  for (const auto& [conversation, c] : conversations_) {
    if (c.request == 0) continue;
    if (radius::RadiusClient* client = radius_.Live(server_policy_, c.generation)) {
      client->Cancel(c.request, radius_.now());
    }
  }
}

absl::Status RadiusEapRelay::Relay(uint64_t conversation, ike::EapRelayStep step, MonoTime now) {
  auto it = conversations_.find(conversation);
  if (it != conversations_.end() && it->second.request != 0) {
    return absl::AlreadyExistsError(
        StrCat("EAP conversation ", conversation, " already waits for RADIUS"));
  }
  if (it == conversations_.end() && conversations_.size() >= kMaxConversations) {
    return absl::ResourceExhaustedError(
        StrCat(kMaxConversations, " EAP users are authenticating already"));
  }
  uint64_t generation = 0;
  absl::StatusOr<radius::RadiusClient*> client = radius_.ClientFor(server_policy_, &generation);
  if (!client.ok()) return client.status();
  radius::AccessRequest request;
  //= https://www.rfc-editor.org/rfc/rfc3579#section-2.1
  //# the NAS MUST copy the contents of the Type-Data field of the EAP-Response/Identity
  //# received from the peer into the User-Name attribute
  request.user_name = std::move(step.identity);
  request.eap_message = std::move(step.eap_message);
  if (it != conversations_.end()) request.state = it->second.state;
  const IpAddress client_address = step.client_address;
  const std::string user = request.user_name;
  if (step.client_address.is_set()) request.calling_station_id = step.client_address.ToString();
  if (step.gateway_address.is_set()) request.called_station_id = step.gateway_address.ToString();
  request.nas_port_type = kNasPortTypeVirtual;
  request.service_type = kServiceTypeFramed;
  absl::StatusOr<uint64_t> id = (*client)->Authenticate(
      std::move(request), now, [this, conversation](uint64_t, const radius::AuthResult& result) {
        Done(conversation, result);
      });
  if (!id.ok()) return id.status();
  Conversation& c = conversations_[conversation];
  c.generation = generation;
  c.request = *id;
  c.user = user;
  c.client = client_address;
  return absl::OkStatus();
}

void RadiusEapRelay::Done(uint64_t conversation, const radius::AuthResult& result) {
  auto it = conversations_.find(conversation);
  if (it == conversations_.end()) return;
  it->second.request = 0;
  //= https://www.rfc-editor.org/rfc/rfc3579#section-2.6.1
  //# the NAS MUST include the State attribute unchanged in the next Access-Request
  it->second.state = result.state;
  ike::EapRelayAnswer answer = EapAnswerOf(result);
  if (answer.kind == ike::EapRelayAnswer::Kind::kSuccess && authorized_) {
    authorized_(it->second.client, it->second.user, answer.classes, radius_.now());
  }
  if (answer.kind != ike::EapRelayAnswer::Kind::kContinue) conversations_.erase(it);
  complete_(conversation, std::move(answer), radius_.now());
}

void RadiusEapRelay::End(uint64_t conversation, MonoTime now) {
  auto it = conversations_.find(conversation);
  if (it == conversations_.end()) return;
  if (it->second.request != 0) {
    if (radius::RadiusClient* c = radius_.Live(server_policy_, it->second.generation)) {
      c->Cancel(it->second.request, now);
    }
  }
  conversations_.erase(it);
}

void RadiusEapRelay::Sweep(MonoTime now) {
  std::vector<uint64_t> gone;
  for (const auto& [conversation, c] : conversations_) {
    if (c.request != 0 && radius_.Live(server_policy_, c.generation) == nullptr) {
      gone.push_back(conversation);
    }
  }
  for (uint64_t conversation : gone) {
    conversations_.erase(conversation);
    ike::EapRelayAnswer a;
    a.kind = ike::EapRelayAnswer::Kind::kFailure;
    a.reason = StrCat("radius-server-policy \"", server_policy_,
                      "\" changed while the RADIUS check was in progress");
    complete_(conversation, std::move(a), now);
  }
}

}  // namespace tunnelisa
